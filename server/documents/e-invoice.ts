/**
 * EN 16931 e-invoices (SPEC.md section 10) through `@e-invoice-eu/core`: XRechnung UBL XML (`ubl`) and
 * Factur-X EN 16931 (`factur-x`, our PDF turned into a PDF/A-3 with `factur-x.xml` embedded).
 *
 * The library turns its internal format (UBL's element names as JSON) into UBL or CII, checks it against
 * its JSON schema (required elements, code lists, number patterns) and writes Factur-X's PDF/A-3. It does
 * not know VAT: which category a line falls in (S, Z, AE, O), the exemption text, the totals and the
 * per-category breakdown are ours, built here from the stored figures. It does not run the EN 16931 or
 * XRechnung Schematron rules either: the rules that bite (BR-AE-*, BR-O-*, BR-DE-*) are followed here and
 * listed in the README.
 */
import { InvoiceService, type Invoice as EInvoiceData } from '@e-invoice-eu/core';
import { unprocessable } from '../domain/errors.js';
import { minorUnitExponent } from '../domain/money.js';
import { decimalOf, lastInstant } from './format.js';
import { WORDS } from './pdf.js';
import type { DocumentModel, Party } from './model.js';

export type EInvoiceFormat = 'ubl' | 'factur-x';

/** The library's names for the two formats. */
const LIBRARY_FORMAT: Record<EInvoiceFormat, string> = { ubl: 'XRECHNUNG-UBL', 'factur-x': 'Factur-X-EN16931' };

type Category = 'S' | 'Z' | 'AE' | 'O';

/** VAT category (UNTDID 5305) and exemption of a rate under the document's treatment. */
function categoryOf(treatment: string, rate: number): { code: Category; reasonCode?: string } {
  if (treatment === 'reverse_charge') return { code: 'AE', reasonCode: 'VATEX-EU-AE' };
  if (treatment === 'outside_scope') return { code: 'O', reasonCode: 'VATEX-EU-O' };
  return { code: rate === 0 ? 'Z' : 'S' };
}

const percent = (basisPoints: number) => decimalOf(basisPoints, 2);

type Json = Record<string, unknown>;

/** A party; the seller may give a tax number besides its VAT ID (a list), the buyer only its VAT ID (one). */
function party(p: Party, opts: { vatId: boolean; seller: boolean }): Json {
  const a = p.address;
  const taxSchemes: Json[] = [];
  if (opts.vatId && p.vatId) taxSchemes.push({ 'cbc:CompanyID': p.vatId, 'cac:TaxScheme': { 'cbc:ID': 'VAT' } });
  if (opts.seller && p.taxNumber) taxSchemes.push({ 'cbc:CompanyID': p.taxNumber, 'cac:TaxScheme': { 'cbc:ID': 'FC' } });
  return {
    ...(p.email ? { 'cbc:EndpointID': p.email, 'cbc:EndpointID@schemeID': 'EM' } : {}),
    'cac:PartyName': { 'cbc:Name': p.name },
    'cac:PostalAddress': {
      ...(a.line1 ? { 'cbc:StreetName': a.line1 } : {}),
      ...(a.line2 ? { 'cbc:AdditionalStreetName': a.line2 } : {}),
      ...(a.city ? { 'cbc:CityName': a.city } : {}),
      ...(a.postalCode ? { 'cbc:PostalZone': a.postalCode } : {}),
      ...(a.state ? { 'cbc:CountrySubentity': a.state } : {}),
      'cac:Country': { 'cbc:IdentificationCode': a.country },
    },
    ...(taxSchemes.length ? { 'cac:PartyTaxScheme': opts.seller ? taxSchemes : taxSchemes[0] } : {}),
    'cac:PartyLegalEntity': { 'cbc:RegistrationName': p.name },
  };
}

/** The library's internal invoice (UBL as JSON) for a document model. */
export function eInvoiceData(model: DocumentModel): EInvoiceData {
  if (!model.seller) throw new Error('an e-invoice needs the seller');
  const exponent = minorUnitExponent(model.currency);
  const amount = (minor: number) => decimalOf(minor, exponent);
  const day = (iso: string) => iso.slice(0, 10);
  // Periods are half-open [start, end); an e-invoice's end date is the period's last day.
  const period = (start: string, end: string) => ({ 'cbc:StartDate': day(start), 'cbc:EndDate': day(lastInstant(end).toISOString()) });
  const words = WORDS[model.locale];
  const treatment = model.taxTreatment;
  // Not subject to VAT (O): no VAT identifiers at all on the invoice (BR-O-2).
  const withVatIds = treatment !== 'outside_scope';

  const treatmentNote = treatment === 'reverse_charge' ? words.notes.reverse_charge : treatment === 'outside_scope' ? words.notes.outside_scope : null;
  const notes = [model.reason, treatmentNote].filter((note): note is string => note !== null);

  const lines = model.lines.map((line, i) => {
    const category = categoryOf(treatment, line.rate);
    // Net of the line after its discount. Exclusive prices: the subtotal less the discount, shown as an
    // allowance. Inclusive prices: the gross less its tax, as one net price for the line's quantity.
    const net = model.taxBehavior === 'exclusive' ? line.amount - line.discount : line.total - line.tax;
    const price = model.taxBehavior === 'exclusive' ? line.amount : net;
    // The unit price where the line is units x price; otherwise one price for the whole quantity.
    const perUnit = model.taxBehavior === 'exclusive' && line.unitAmount !== null && line.unitAmount * line.quantity === line.amount;
    const discounted = model.taxBehavior === 'exclusive' && line.discount !== 0;
    return {
      'cbc:ID': String(i + 1),
      'cbc:InvoicedQuantity': String(line.quantity),
      'cbc:InvoicedQuantity@unitCode': 'C62',
      'cbc:LineExtensionAmount': amount(net),
      'cbc:LineExtensionAmount@currencyID': model.currency,
      ...(line.periodStart && line.periodEnd ? { 'cac:InvoicePeriod': period(line.periodStart, line.periodEnd) } : {}),
      ...(discounted
        ? {
            'cac:AllowanceCharge': [{
              'cbc:ChargeIndicator': 'false',
              'cbc:AllowanceChargeReasonCode': '95',
              'cbc:AllowanceChargeReason': 'Discount',
              'cbc:Amount': amount(line.discount),
              'cbc:Amount@currencyID': model.currency,
            }],
          }
        : {}),
      'cac:Item': {
        'cbc:Name': line.description,
        'cac:ClassifiedTaxCategory': {
          'cbc:ID': category.code,
          ...(category.code === 'O' ? {} : { 'cbc:Percent': percent(line.rate) }),
          'cac:TaxScheme': { 'cbc:ID': 'VAT' },
        },
      },
      'cac:Price': {
        'cbc:PriceAmount': amount(perUnit ? line.unitAmount! : price),
        'cbc:PriceAmount@currencyID': model.currency,
        // Otherwise the price is for the line's whole quantity: exact in minor units, whatever the quantity.
        ...(perUnit ? {} : { 'cbc:BaseQuantity': String(line.quantity), 'cbc:BaseQuantity@unitCode': 'C62' }),
      },
    };
  });

  const netTotal = model.taxBreakdown.reduce((s, row) => s + row.net, 0);
  // Paid, covered by the customer's balance, or taken off by credit notes before payment: not payable any more.
  const prepaid = model.kind === 'invoice' ? model.amountPaid + model.balanceApplied + model.creditedBeforePayment : 0;
  const taxTotal = model.tax;
  const data = {
    'ubl:Invoice': {
      'cbc:ID': model.number,
      'cbc:IssueDate': day(model.issuedAt),
      ...(model.kind === 'invoice' && model.dueAt ? { 'cbc:DueDate': day(model.dueAt) } : {}),
      'cbc:InvoiceTypeCode': model.kind === 'invoice' ? '380' : '381',
      ...(notes.length ? { 'cbc:Note': notes.join('\n') } : {}),
      'cbc:DocumentCurrencyCode': model.currency,
      'cbc:BuyerReference': model.customerId,
      ...(model.periodStart && model.periodEnd && model.kind === 'invoice'
        ? { 'cac:InvoicePeriod': period(model.periodStart, model.periodEnd) }
        : {}),
      ...(model.corrects
        ? { 'cac:BillingReference': [{ 'cac:InvoiceDocumentReference': { 'cbc:ID': model.corrects.number, 'cbc:IssueDate': day(model.corrects.issuedAt) } }] }
        : {}),
      'cac:AccountingSupplierParty': {
        'cac:Party': {
          ...party(model.seller, { vatId: withVatIds, seller: true }),
          'cac:Contact': {
            'cbc:Name': model.seller.name,
            ...(model.seller.phone ? { 'cbc:Telephone': model.seller.phone } : {}),
            ...(model.seller.email ? { 'cbc:ElectronicMail': model.seller.email } : {}),
          },
        },
      },
      'cac:AccountingCustomerParty': { 'cac:Party': party(model.buyer, { vatId: withVatIds, seller: false }) },
      // Paid through the payment provider (a card or another method it took): "mutually defined".
      'cac:PaymentMeans': [{ 'cbc:PaymentMeansCode': 'ZZZ' }],
      'cac:TaxTotal': [{
        'cbc:TaxAmount': amount(taxTotal),
        'cbc:TaxAmount@currencyID': model.currency,
        'cac:TaxSubtotal': model.taxBreakdown.map((row) => {
          const category = categoryOf(treatment, row.rate);
          return {
            'cbc:TaxableAmount': amount(row.net),
            'cbc:TaxableAmount@currencyID': model.currency,
            'cbc:TaxAmount': amount(row.tax),
            'cbc:TaxAmount@currencyID': model.currency,
            'cac:TaxCategory': {
              'cbc:ID': category.code,
              ...(category.code === 'O' ? {} : { 'cbc:Percent': percent(row.rate) }),
              ...(category.reasonCode ? { 'cbc:TaxExemptionReasonCode': category.reasonCode, 'cbc:TaxExemptionReason': treatmentNote } : {}),
              'cac:TaxScheme': { 'cbc:ID': 'VAT' },
            },
          };
        }),
      }],
      'cac:LegalMonetaryTotal': {
        'cbc:LineExtensionAmount': amount(netTotal),
        'cbc:LineExtensionAmount@currencyID': model.currency,
        'cbc:TaxExclusiveAmount': amount(netTotal),
        'cbc:TaxExclusiveAmount@currencyID': model.currency,
        'cbc:TaxInclusiveAmount': amount(netTotal + taxTotal),
        'cbc:TaxInclusiveAmount@currencyID': model.currency,
        ...(prepaid !== 0 ? { 'cbc:PrepaidAmount': amount(prepaid), 'cbc:PrepaidAmount@currencyID': model.currency } : {}),
        'cbc:PayableAmount': amount(netTotal + taxTotal - prepaid),
        'cbc:PayableAmount@currencyID': model.currency,
      },
      'cac:InvoiceLine': lines,
    },
  };
  return data as unknown as EInvoiceData;
}

const service = new InvoiceService({ log: () => {}, warn: () => {}, error: () => {} });

/**
 * The e-invoice's bytes: UBL XML, or the Factur-X PDF/A-3 built on `pdf` (the document's own PDF).
 */
export async function renderEInvoice(model: DocumentModel, format: EInvoiceFormat, pdf?: Uint8Array): Promise<Uint8Array> {
  // EN 16931 amounts have at most two decimals (BR-DEC-*): a three-decimal currency cannot be written exactly.
  if (minorUnitExponent(model.currency) > 2) {
    throw unprocessable('e_invoice_currency_unsupported', `EN 16931 amounts have at most two decimals; ${model.currency} has ${minorUnitExponent(model.currency)}.`, [
      { pointer: '/query/format', detail: 'Use the PDF for this invoice.' },
    ]);
  }
  const out = await service.generate(eInvoiceData(model), {
    format: LIBRARY_FORMAT[format],
    lang: model.locale === 'de' ? 'de-de' : 'en-gb',
    noWarnings: true,
    ...(format === 'factur-x' ? { pdf: { buffer: pdf!, filename: `${model.number}.pdf`, mimetype: 'application/pdf' } } : {}),
  });
  return typeof out === 'string' ? new TextEncoder().encode(out) : out;
}
