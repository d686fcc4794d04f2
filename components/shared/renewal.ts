/**
 * What a renewal costs once a coupon has ended, from the quote alone (SPEC 4 and 5). Pure.
 *
 * The quote's `recurring` is the next renewal, discounted when the coupon covers it. Its `subtotal` is the
 * price before the discount, so the renewal without the coupon is that subtotal taxed as the BFF taxes it:
 * per rate, round(net x bp / 10000), half away from zero (inclusive prices carry their tax inside, so the
 * total is the subtotal). With one rate that needs nothing else; with several, each recurring line's
 * subtotal (a trial's lines are 0 today: their price comes from the catalog) is grouped by its rate.
 */
import { priceFor } from './catalog.js';
import type { Charge, Quote } from './types.js';

/** Half away from zero, as the BFF rounds, on integers that may pass 2^53 once multiplied by a rate. */
function taxOf(net: number, basisPoints: number): number {
  const product = BigInt(net) * BigInt(basisPoints);
  const sign = product < 0n ? -1n : 1n;
  const abs = product * sign;
  return Number(((abs + 5000n) / 10000n) * sign);
}

/** The next renewal's total without the coupon's discount. */
export function renewalWithoutCoupon(quote: Quote, charges: readonly Charge[] = []): number {
  const { recurring } = quote;
  if (recurring.discount === 0) return recurring.total;
  if (quote.taxBehavior === 'inclusive') return recurring.subtotal;
  const lines = quote.lines.filter((line) => line.type === 'recurring');
  const rates = new Set(lines.map((line) => line.taxRate));
  if (rates.size <= 1) return recurring.subtotal + taxOf(recurring.subtotal, [...rates][0] ?? 0);
  const netByRate = new Map<number, number>();
  for (const line of lines) {
    const charge = charges.find((c) => c.id === line.chargeId);
    const subtotal = line.trial && charge ? priceFor(charge.pricing, line.quantity) : line.subtotal;
    netByRate.set(line.taxRate, (netByRate.get(line.taxRate) ?? 0) + subtotal);
  }
  let total = 0;
  for (const [rate, net] of netByRate) total += net + taxOf(net, rate);
  return total;
}
