/** Localized text shared by several elements. Money goes through format.ts; words through msg(). */
import { msg, str } from '@lit/localize';
import { formatDate, formatDuration, formatMoney, formatNumber } from './format.js';
import type { Charge, CouponReason, Interval, Pricing, Quote, TaxTreatment } from './types.js';

/** "/ month", "/ 3 months". */
export function perInterval(interval: Interval): string {
  const n = interval.count;
  if (n === 1) {
    switch (interval.unit) {
      case 'day': return msg('/ day', { id: 'interval.per.day' });
      case 'week': return msg('/ week', { id: 'interval.per.week' });
      case 'month': return msg('/ month', { id: 'interval.per.month' });
      case 'year': return msg('/ year', { id: 'interval.per.year' });
    }
  }
  switch (interval.unit) {
    case 'day': return msg(str`/ ${n} days`, { id: 'interval.per.days' });
    case 'week': return msg(str`/ ${n} weeks`, { id: 'interval.per.weeks' });
    case 'month': return msg(str`/ ${n} months`, { id: 'interval.per.months' });
    case 'year': return msg(str`/ ${n} years`, { id: 'interval.per.years' });
  }
}

/** The toggle's label for an interval: "Monthly", "Yearly", "Every 3 months". */
export function intervalName(interval: Interval): string {
  const n = interval.count;
  if (n === 1) {
    switch (interval.unit) {
      case 'day': return msg('Daily', { id: 'interval.name.day' });
      case 'week': return msg('Weekly', { id: 'interval.name.week' });
      case 'month': return msg('Monthly', { id: 'interval.name.month' });
      case 'year': return msg('Yearly', { id: 'interval.name.year' });
    }
  }
  switch (interval.unit) {
    case 'day': return msg(str`Every ${n} days`, { id: 'interval.name.days' });
    case 'week': return msg(str`Every ${n} weeks`, { id: 'interval.name.weeks' });
    case 'month': return msg(str`Every ${n} months`, { id: 'interval.name.months' });
    case 'year': return msg(str`Every ${n} years`, { id: 'interval.name.years' });
  }
}

/** How the tax line names the treatment. */
export function taxTreatmentText(treatment: TaxTreatment): string {
  switch (treatment) {
    case 'domestic': return msg('VAT', { id: 'tax.domestic' });
    case 'oss': return msg('VAT (EU one-stop shop)', { id: 'tax.oss' });
    case 'reverse_charge': return msg('Reverse charge: VAT is due from the recipient', { id: 'tax.reverse_charge' });
    case 'outside_scope': return msg('No VAT (outside the EU)', { id: 'tax.outside_scope' });
  }
}

/** A coupon verdict in words, for each reason code the BFF sends. */
export function couponReasonText(reason: CouponReason | string | undefined): string {
  switch (reason) {
    case 'coupon_not_found': return msg('This code does not exist. Check the spelling.', { id: 'coupon.not_found' });
    case 'coupon_disabled': return msg('This code is no longer active.', { id: 'coupon.disabled' });
    case 'coupon_expired': return msg('This code has expired.', { id: 'coupon.expired' });
    case 'coupon_exhausted': return msg('This code has been used up.', { id: 'coupon.exhausted' });
    case 'coupon_customer_limit': return msg('You have already used this code.', { id: 'coupon.customer_limit' });
    case 'coupon_currency_mismatch':
      return msg('This code is for another currency.', { id: 'coupon.currency_mismatch' });
    case 'coupon_not_applicable':
      return msg('This code does not apply to anything in your cart.', { id: 'coupon.not_applicable' });
    default: return msg('This code cannot be used.', { id: 'coupon.invalid' });
  }
}

/** A request error in words (network down, rate limited, anything else). */
export function errorText(code: string | undefined): string {
  switch (code) {
    case 'network_error': return msg('We could not reach the server. Check your connection and try again.', { id: 'error.network' });
    case 'rate_limited': return msg('Too many requests. Wait a moment and try again.', { id: 'error.rate_limited' });
    case 'vat_id_invalid': return msg('This VAT ID is not valid.', { id: 'error.vat_id_invalid' });
    case 'plan_not_found': return msg('This plan does not exist. Choose another plan.', { id: 'error.plan_not_found' });
    case 'plan_not_available': return msg('This plan is no longer sold. Choose another plan.', { id: 'error.plan_not_available' });
    default: return msg('Something went wrong. Please try again.', { id: 'error.generic' });
  }
}

/** The unit a charge counts: the measurement's unit, else a generic "unit". */
export function unitOf(charge: Pick<Charge, 'measurement'>): string {
  return charge.measurement?.unit ?? msg('unit', { id: 'pricing.unit' });
}

/** The plural the merchant gave for the charge's unit (in the catalog's language, translated where given), if any. */
export function unitPluralOf(charge: Pick<Charge, 'measurement'> | undefined): string | null {
  return charge?.measurement?.unitPlural ?? null;
}

/**
 * The unit counted `count` times: the merchant's plural when the catalog has one (in the buyer's language:
 * "Aufrufe"); without one, English adds an s (call -> calls, query -> queries) and other languages keep the
 * unit as given.
 */
export function unitsOf(unit: string, count: number, locale: string, plural?: string | null): string {
  if (count !== 1 && plural) return plural;
  if (count === 1 || !locale.toLowerCase().startsWith('en') || /s$/i.test(unit)) return unit;
  return /[^aeiou]y$/i.test(unit) ? `${unit.slice(0, -1)}ies` : `${unit}s`;
}

/**
 * A charge's pricing explained, one line per tier for tiered prices:
 * ["€10 per seat"], ["1–10: €5 per unit", "11 and more: €4 per unit + €10"].
 */
export function pricingText(pricing: Pricing, currency: string, locale: string, unit: string, plural?: string | null): string[] {
  const money = (amount: number) => formatMoney(amount, currency, locale, { trimZeros: true });
  switch (pricing.model) {
    case 'flat':
      return [money(pricing.amount)];
    case 'per_unit':
      return [msg(str`${money(pricing.unitAmount)} per ${unit}`, { id: 'pricing.per_unit' })];
    case 'package': {
      const size = formatNumber(pricing.packageSize, locale);
      return [msg(str`${money(pricing.amount)} per ${size} ${unitsOf(unit, pricing.packageSize, locale, plural)}`, { id: 'pricing.package' })];
    }
    case 'tiered': {
      const lines = [
        pricing.mode === 'graduated'
          ? msg('Each tier prices the units that fall into it:', { id: 'pricing.graduated' })
          : msg('All units at the price of the tier reached:', { id: 'pricing.volume' }),
      ];
      let from = 1;
      for (const tier of pricing.tiers) {
        const each = msg(str`${money(tier.unitAmount)} per ${unit}`, { id: 'pricing.per_unit' });
        const price = tier.flatAmount ? msg(str`${each} + ${money(tier.flatAmount)}`, { id: 'pricing.tier_flat' }) : each;
        const range = tier.upTo === null
          ? msg(str`${formatNumber(from, locale)} and more`, { id: 'pricing.tier_open' })
          : `${formatNumber(from, locale)}–${formatNumber(tier.upTo, locale)}`;
        lines.push(`${range}: ${price}`);
        from = (tier.upTo ?? from) + 1;
      }
      return lines;
    }
  }
}

/**
 * What follows today's payment, honest about the coupon: how long its discount lasts and what the renewal
 * costs after it ("€236.10 / month for the first 3 months, then €295.12 / month"), from the trial's end
 * where there is one. `full` is the renewal's total without the coupon (renewal.ts).
 */
export function renewalText(quote: Quote, full: number, locale: string): string {
  const { recurring } = quote;
  const money = (amount: number) => formatMoney(amount, quote.currency, locale);
  const per = perInterval(recurring.interval);
  const from = quote.trialEndsAt ? formatDate(quote.trialEndsAt, locale) : '';
  const coupon = quote.coupon?.valid ? quote.coupon : undefined;
  const then = money(full);
  if (coupon && recurring.discount > 0 && (coupon.frequency === 'once' || coupon.frequency === 'limited')) {
    // Periods the coupon covers: with a trial from period 1 (the first paid one), without from today's.
    const periods = coupon.frequency === 'once' ? 1 : coupon.numberOfPeriods ?? 1;
    const duration = formatDuration(recurring.interval.unit, periods * recurring.interval.count, locale);
    const now = money(recurring.total);
    return from
      ? msg(str`${now} ${per} for ${duration} from ${from}, then ${then} ${per}`, { id: 'cart.renewal_coupon_from' })
      : msg(str`${now} ${per} for the first ${duration}, then ${then} ${per}`, { id: 'cart.renewal_coupon' });
  }
  if (coupon && recurring.discount > 0 && coupon.frequency === 'lifetime') {
    const now = money(recurring.total);
    return from
      ? msg(str`Then ${now} ${per} from ${from}, with the discount for as long as you subscribe`, { id: 'cart.renewal_lifetime_from' })
      : msg(str`Then ${now} ${per}, with the discount for as long as you subscribe`, { id: 'cart.renewal_lifetime' });
  }
  if (coupon && recurring.discount === 0 && quote.dueToday.discount > 0) {
    return from
      ? msg(str`Then ${then} ${per} from ${from}: the discount applies to today's payment only`, { id: 'cart.renewal_today_only_from' })
      : msg(str`Then ${then} ${per}: the discount applies to today's payment only`, { id: 'cart.renewal_today_only' });
  }
  const next = money(recurring.total);
  return from
    ? msg(str`Then ${next} ${per} from ${from}`, { id: 'cart.renewal_from' })
    : msg(str`Then ${next} ${per}`, { id: 'cart.renewal' });
}

/** " excl. VAT" after a net price (the invoice adds the VAT); nothing after a gross one. */
export const exclVat = (plan: { taxBehavior: string }) => (plan.taxBehavior === 'exclusive' ? ` ${msg('excl. VAT', { id: 'subscription.excl_vat' })}` : '');
