/**
 * Builders for document tests: stored invoices (as the repository answers them) for each tax treatment,
 * and reading a PDF back with poppler-utils (pdftotext, pdfdetach).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type request from 'supertest';
import { DEMO_SELLER } from '../../server/seed/demo.js';
import type { Invoice, InvoiceLineRecord } from '../../server/storage/commerce-repository.js';

/** The demo's seller: a complete one (VAT ID, tax number, phone for XRechnung). */
export const A_SELLER = { ...DEMO_SELLER, vatId: DEMO_SELLER.vatId!, taxNumber: DEMO_SELLER.taxNumber!, phone: DEMO_SELLER.phone! };

export function anInvoiceLine(overrides: Partial<InvoiceLineRecord> = {}): InvoiceLineRecord {
  return {
    id: 'il_seats',
    chargeId: 'chg_seats',
    productId: 'prod_seats',
    description: 'Team plan: seats',
    type: 'recurring',
    quantity: 3,
    unitAmount: 1000,
    subtotal: 3000,
    discount: 300,
    taxRate: 1900,
    tax: 513,
    total: 3213,
    periodStart: '2026-03-01T09:00:00.000Z',
    periodEnd: '2026-04-01T09:00:00.000Z',
    ...overrides,
  };
}

/** A paid domestic invoice (DE to DE, 19 %, exclusive prices) with a discounted line and a one-time fee. */
export function anInvoice(overrides: Partial<Invoice> = {}): Invoice {
  const lines = overrides.lines ?? [
    anInvoiceLine(),
    anInvoiceLine({ id: 'il_setup', chargeId: 'chg_setup', productId: 'prod_setup', description: 'Setup fee', type: 'one_time', quantity: 1, unitAmount: 5000, subtotal: 5000, discount: 0, tax: 950, total: 5950, periodStart: null, periodEnd: null }),
  ];
  const sum = (pick: (l: InvoiceLineRecord) => number) => lines.reduce((s, l) => s + pick(l), 0);
  const total = sum((l) => l.total);
  return {
    id: 'inv_test',
    number: 'INV-2026-000042',
    customerId: 'cus_test',
    subscriptionId: 'sub_test',
    kind: 'checkout',
    status: 'paid',
    currency: 'EUR',
    subtotal: sum((l) => l.subtotal),
    discount: sum((l) => l.discount),
    tax: sum((l) => l.tax),
    total,
    balanceApplied: 0,
    amountDue: total,
    amountPaid: total,
    taxTreatment: 'domestic',
    taxBehavior: 'exclusive',
    taxBreakdown: [{ rate: 1900, net: sum((l) => l.subtotal - l.discount), tax: sum((l) => l.tax) }],
    note: null,
    billTo: {
      name: 'Łukasz Żółć-Schröder', email: 'lukasz@example.test', country: 'DE', type: 'individual', vatId: null, locale: 'en',
      address: { line1: 'Große Straße 5', postalCode: '20095', city: 'Hamburg', country: 'DE' },
    },
    seller: A_SELLER,
    periodStart: '2026-03-01T09:00:00.000Z',
    periodEnd: '2026-04-01T09:00:00.000Z',
    issuedAt: '2026-03-01T09:00:00.000Z',
    dueAt: '2026-03-01T09:00:00.000Z',
    paidAt: '2026-03-01T09:00:00.000Z',
    voidedAt: null,
    paymentId: 'test_pay_1',
    attempts: [],
    nextAttemptAt: null,
    lines,
    ...overrides,
  };
}

/** One invoice per treatment the documents must carry, with buyers in Greek, Cyrillic and Polish. */
export const TREATMENTS = {
  domestic: anInvoice(),
  oss: anInvoice({
    taxTreatment: 'oss',
    lines: [anInvoiceLine({ taxRate: 2400, tax: 648, total: 3348 })],
    subtotal: 3000, discount: 300, tax: 648, total: 3348, amountDue: 3348, amountPaid: 3348,
    taxBreakdown: [{ rate: 2400, net: 2700, tax: 648 }],
    billTo: { name: 'Γιώργος Παπαδόπουλος', email: 'giorgos@example.test', country: 'GR', type: 'individual', vatId: null, locale: 'en', address: { line1: 'Οδός Ερμού 10', postalCode: '10563', city: 'Αθήνα', country: 'GR' } },
  }),
  reverseCharge: anInvoice({
    taxTreatment: 'reverse_charge',
    note: 'Reverse charge',
    lines: [anInvoiceLine({ taxRate: 0, tax: 0, total: 2700 })],
    subtotal: 3000, discount: 300, tax: 0, total: 2700, amountDue: 2700, amountPaid: 2700,
    taxBreakdown: [{ rate: 0, net: 2700, tax: 0 }],
    billTo: { name: 'Иван Петров ЕООД', email: 'ivan@example.test', country: 'BG', type: 'business', vatId: 'BG175074752', locale: 'de', address: { line1: 'ул. Витоша 1', postalCode: '1000', city: 'София', country: 'BG' } },
  }),
  outsideScope: anInvoice({
    taxTreatment: 'outside_scope',
    lines: [anInvoiceLine({ taxRate: 0, tax: 0, total: 2700 })],
    subtotal: 3000, discount: 300, tax: 0, total: 2700, amountDue: 2700, amountPaid: 0, status: 'open', paidAt: null,
    taxBreakdown: [{ rate: 0, net: 2700, tax: 0 }],
    billTo: { name: 'Acme Inc.', email: 'ap@acme.example', country: 'US', type: 'business', vatId: null, locale: 'en', address: { line1: '1 Main St', postalCode: '94105', city: 'San Francisco', state: 'CA', country: 'US' } },
  }),
  inclusive: anInvoice({
    taxBehavior: 'inclusive',
    lines: [anInvoiceLine({ unitAmount: 1190, subtotal: 3570, discount: 357, tax: 513, total: 3213 })],
    subtotal: 3570, discount: 357, tax: 513, total: 3213, amountDue: 3213, amountPaid: 3213,
    taxBreakdown: [{ rate: 1900, net: 2700, tax: 513 }],
    billTo: { name: 'Ștefan Bălănescu', email: 'stefan@example.test', country: 'DE', type: 'individual', vatId: null, locale: 'de', address: { line1: 'Kurfürstendamm 1', postalCode: '10719', city: 'Berlin', country: 'DE' } },
  }),
} satisfies Record<string, Invoice>;

function withTempFile<T>(bytes: Uint8Array, name: string, fn: (path: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'billkit-doc-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return fn(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads any answer as bytes (supertest parses only text and JSON by itself): `.buffer(true).parse(bytes)`. */
export const bytes = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

/** The PDF's text as pdftotext reads it (layout kept), whitespace runs collapsed to one space. */
export function pdfText(pdf: Uint8Array): string {
  return withTempFile(pdf, 'doc.pdf', (path) => execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }).replace(/[ \t]+/g, ' '));
}

/** The files embedded in a PDF, by name (pdfdetach -saveall). */
export function pdfAttachments(pdf: Uint8Array): Map<string, Buffer> {
  return withTempFile(pdf, 'doc.pdf', (path, dir) => {
    const list = execFileSync('pdfdetach', ['-list', path], { encoding: 'utf8' });
    const names = list.split('\n').slice(1).map((line) => line.replace(/^\s*\d+:\s*/, '').trim()).filter(Boolean);
    execFileSync('pdfdetach', ['-saveall', '-o', dir, path]);
    return new Map(names.map((name) => [name, readFileSync(join(dir, name))]));
  });
}
