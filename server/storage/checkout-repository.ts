import type { Quote } from '../domain/quote.js';
import type { Address } from './commerce-repository.js';
import type { Queryable } from './db.js';
import { iso, isoOrNull, json, strOrNull } from './ids.js';

/**
 * Checkouts: a priced cart and its buyer, from creation until the confirmation completes it (or, paid and
 * then refused, refunds it). The customer, subscription and invoice it creates live in commerce-repository.
 */

type Row = Record<string, unknown>;

export interface Checkout {
  id: string;
  status: 'open' | 'requires_action' | 'complete' | 'refunded';
  cart: Record<string, unknown>;
  buyer: { email: string; name: string; country: string; type: 'individual' | 'business'; vatId?: string; address?: Address; locale?: 'en' | 'de' };
  quote: Quote;
  planId: string;
  amountDue: number;
  currency: string;
  paymentProvider: string;
  paymentIntentId: string | null;
  paymentId: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  invoiceId: string | null;
  /** Why a paid checkout could not be completed (status `refunded`): the refusal's problem code. */
  refusalCode: string | null;
  /** The provider's refund, once made. */
  refundId: string | null;
  /** The customer session it checks out with: the subscription goes to that session's customer. */
  customerSessionId: string | null;
  /** The merchant's reference from the element, unverified: copied to the subscription's metadata. */
  clientReferenceId: string | null;
  createdAt: string;
  completedAt: string | null;
}

const toCheckout = (r: Row): Checkout => ({
  id: String(r.id),
  status: String(r.status) as Checkout['status'],
  cart: json(r.cart),
  buyer: json(r.buyer),
  quote: json(r.quote),
  planId: String(r.plan_id),
  amountDue: Number(r.amount_due),
  currency: String(r.currency),
  paymentProvider: String(r.payment_provider),
  paymentIntentId: strOrNull(r.payment_intent_id),
  paymentId: strOrNull(r.payment_id),
  customerId: strOrNull(r.customer_id),
  subscriptionId: strOrNull(r.subscription_id),
  invoiceId: strOrNull(r.invoice_id),
  refusalCode: strOrNull(r.refusal_code),
  refundId: strOrNull(r.refund_id),
  customerSessionId: strOrNull(r.customer_session_id),
  clientReferenceId: strOrNull(r.client_reference_id),
  createdAt: iso(r.created_at),
  completedAt: isoOrNull(r.completed_at),
});

/** Named columns (not `*`): the statements that read checkouts run as prepared statements (postgres.ts). */
const CHECKOUT_COLUMNS =
  'id, status, cart, buyer, quote, plan_id, amount_due, currency, payment_provider, payment_intent_id, payment_id, customer_id, subscription_id, invoice_id, refusal_code, refund_id, customer_session_id, client_reference_id, created_at, completed_at';

export async function insertCheckout(
  db: Queryable,
  c: Omit<Checkout, 'createdAt' | 'completedAt' | 'paymentId' | 'customerId' | 'subscriptionId' | 'invoiceId' | 'refusalCode' | 'refundId'>,
): Promise<Checkout> {
  const { rows } = await db.query<Row>(
    `insert into checkouts (id, status, cart, buyer, quote, plan_id, amount_due, currency, payment_provider, payment_intent_id,
       customer_session_id, client_reference_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning ${CHECKOUT_COLUMNS}`,
    [c.id, c.status, JSON.stringify(c.cart), JSON.stringify(c.buyer), JSON.stringify(c.quote), c.planId, c.amountDue, c.currency, c.paymentProvider, c.paymentIntentId,
      c.customerSessionId, c.clientReferenceId],
  );
  return toCheckout(rows[0]!);
}

export async function findCheckout(db: Queryable, id: string, options: { lock?: boolean } = {}): Promise<Checkout | null> {
  const { rows } = await db.query<Row>(`select ${CHECKOUT_COLUMNS} from checkouts where id = $1${options.lock ? ' for update' : ''}`, [id]);
  return rows[0] ? toCheckout(rows[0]) : null;
}

export async function markCheckoutRequiresAction(db: Queryable, id: string): Promise<void> {
  await db.query(`update checkouts set status = 'requires_action' where id = $1 and status in ('open', 'requires_action')`, [id]);
}

/**
 * Marks a paid checkout that was refused as `refunded`, before its payment is given back, so nothing can
 * complete it afterwards. False when it was completed meanwhile (then it must not be refunded). Marking
 * again keeps the first refusal's code.
 */
export async function markCheckoutRefunded(db: Queryable, id: string, paymentId: string, refusalCode: string): Promise<boolean> {
  const { rows } = await db.query(
    `update checkouts set status = 'refunded', payment_id = $2, refusal_code = coalesce(refusal_code, $3)
     where id = $1 and status <> 'complete' returning id`,
    [id, paymentId, refusalCode],
  );
  return rows.length > 0;
}

export async function recordCheckoutRefund(db: Queryable, id: string, refundId: string | null): Promise<void> {
  await db.query(`update checkouts set refund_id = $2 where id = $1 and status = 'refunded'`, [id, refundId]);
}
