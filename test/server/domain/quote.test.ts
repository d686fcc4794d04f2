import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Coupon, CouponLookup } from '../../../server/domain/coupons.js';
import { DomainError } from '../../../server/domain/errors.js';
import { couponCoverage } from '../../../server/domain/coupons.js';
import { priceCart, priceInvoice, resolveSelection, type Cart, type Quote } from '../../../server/domain/quote.js';
import { defaultTaxSettings, determineTax } from '../../../server/domain/tax.js';
import { aCatalog, aCharge, aCoupon, aPlan, aProduct, aTier } from '../../support/builders.js';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const tax = defaultTaxSettings();

// The plan most cases use: a 50.00 setup fee, seats at 10.00 (1..50), an optional storage add-on at 5.00
// in the reduced tax group (7 % in DE), and metered API calls.
const setup = aCharge({
  id: 'chg_setup',
  productId: 'prod_setup',
  type: 'one_time',
  pricing: { model: 'flat', amount: 5000 },
  quantity: { default: 1, min: 1, max: 1, adjustable: false },
});
const seat = aCharge({
  id: 'chg_seat',
  productId: 'prod_seat',
  pricing: { model: 'per_unit', unitAmount: 1000 },
  quantity: { default: 1, min: 1, max: 50, adjustable: true },
});
const storage = aCharge({
  id: 'chg_storage',
  productId: 'prod_storage',
  pricing: { model: 'per_unit', unitAmount: 500 },
  quantity: { default: 1, min: 1, max: 10, adjustable: true },
  optional: true,
});
const api = aCharge({
  id: 'chg_api',
  productId: 'prod_api',
  type: 'metered',
  pricing: { model: 'tiered', mode: 'graduated', tiers: [aTier(1000, 0), aTier(null, 1)] },
  quantity: { default: 0, min: 0, max: null, adjustable: false },
});
const products = [
  aProduct({ id: 'prod_setup', name: 'Setup', type: 'charge' }),
  aProduct({ id: 'prod_seat', name: 'Seat' }),
  aProduct({ id: 'prod_storage', name: 'Storage', taxGroup: 'reduced' }),
  aProduct({ id: 'prod_api', name: 'API calls' }),
];
const pro = aPlan({ id: 'plan_pro', code: 'pro', charges: [setup, seat, storage, api] });
const trialPlan = aPlan({ id: 'plan_trial', code: 'trial', trialDays: 14, charges: [setup, seat] });
const inclusive = aPlan({
  id: 'plan_incl',
  code: 'incl',
  taxBehavior: 'inclusive',
  charges: [aCharge({ id: 'chg_incl', productId: 'prod_seat', pricing: { model: 'per_unit', unitAmount: 1190 } })],
});
const yen = aPlan({
  id: 'plan_jpy',
  code: 'yen',
  currency: 'JPY',
  charges: [aCharge({ id: 'chg_jpy', productId: 'prod_seat', pricing: { model: 'per_unit', unitAmount: 980 } })],
});
const dinar = aPlan({
  id: 'plan_kwd',
  code: 'dinar',
  currency: 'KWD',
  charges: [aCharge({ id: 'chg_kwd', productId: 'prod_seat', pricing: { model: 'per_unit', unitAmount: 12345 } })],
});
const draft = aPlan({ id: 'plan_draft', code: 'draft', status: 'draft' });
const hidden = aPlan({ id: 'plan_hidden', code: 'hidden', checkoutAllowed: false });
const catalog = aCatalog({ plans: [pro, trialPlan, inclusive, yen, dinar, draft, hidden], products });

const none: CouponLookup = { status: 'none' };
const found = (coupon: Coupon): CouponLookup => ({
  status: 'found',
  code: coupon.code,
  coupon,
  codeRedeemed: false,
  customerRedemptions: 0,
});
const quote = (cart: Cart, coupon: CouponLookup = none): Quote => priceCart({ catalog, cart, coupon, tax, now: NOW });
const figures = (q: Quote) => q.lines.map((l) => [l.chargeId, l.subtotal, l.discount, l.tax, l.total]);

describe('priceCart: the whole quote', () => {
  it('when a German consumer buys 3 seats without a coupon, then the quote is exactly the golden one', () => {
    // setup 5000 + seats 3 x 1000 = 8000; 19 % of 8000 = 1520 allocated 5:3 -> 950 / 570
    assert.deepEqual(quote({ plan: 'pro', quantity: 3 }), {
      plan: 'pro',
      currency: 'EUR',
      lines: [
        {
          chargeId: 'chg_setup', productId: 'prod_setup', description: 'Setup', type: 'one_time', quantity: 1,
          unitAmount: 5000, subtotal: 5000, discount: 0, taxRate: 1900, tax: 950, total: 5950,
        },
        {
          chargeId: 'chg_seat', productId: 'prod_seat', description: 'Seat', type: 'recurring', quantity: 3,
          unitAmount: 1000, subtotal: 3000, discount: 0, taxRate: 1900, tax: 570, total: 3570,
        },
      ],
      taxTreatment: 'domestic',
      taxBehavior: 'exclusive',
      dueToday: { subtotal: 8000, discount: 0, tax: 1520, total: 9520 },
      recurring: { interval: { unit: 'month', count: 1 }, subtotal: 3000, discount: 0, tax: 570, total: 3570 },
      meteredCharges: [{ chargeId: 'chg_api', description: 'API calls', pricing: api.pricing }],
    });
  });

  it('when a lifetime 20 % coupon meets an add-on in the reduced group, then every line is discounted and taxed by group', () => {
    // lines 5000 / 3000 / 1000 (storage 2 x 500); D = 20 % of 9000 = 1800 -> 1000 / 600 / 200
    // standard group net 6400 x 19 % = 1216 -> 760 / 456; reduced 800 x 7 % = 56
    const q = quote(
      { plan: 'pro', quantity: 3, addOns: ['chg_storage'], charges: [{ chargeId: 'chg_storage', quantity: 2 }] },
      found(aCoupon({ code: 'TWENTY', percentage: 20 })),
    );
    assert.deepEqual(figures(q), [
      ['chg_setup', 5000, 1000, 760, 4760],
      ['chg_seat', 3000, 600, 456, 2856],
      ['chg_storage', 1000, 200, 56, 856],
    ]);
    assert.deepEqual(q.coupon, { code: 'TWENTY', valid: true, discount: 1800, frequency: 'lifetime' });
    assert.deepEqual(q.dueToday, { subtotal: 9000, discount: 1800, tax: 1272, total: 8472 });
    // renewal: 3000 + 1000, D 800 -> 600 / 200; tax 456 + 56
    assert.deepEqual(q.recurring, { interval: { unit: 'month', count: 1 }, subtotal: 4000, discount: 800, tax: 512, total: 3712 });
  });
});

describe('priceCart: golden cases', () => {
  const cases: {
    situation: string;
    cart: Cart;
    coupon?: CouponLookup;
    lines: (string | number)[][];
    dueToday: [number, number, number, number];
    recurring: [number, number, number, number];
    treatment?: string;
  }[] = [
    {
      // 3 x 980 = 2940 yen; 19 % = 558.6 -> 559. Fixed 500 yen: net 2440, tax 463.6 -> 464
      situation: 'a JPY plan gets a fixed yen coupon',
      cart: { plan: 'yen', quantity: 3 },
      coupon: found(aCoupon({ type: 'fixed_amount', fixedAmount: 500, currency: 'JPY' })),
      lines: [['chg_jpy', 2940, 500, 464, 2904]],
      dueToday: [2940, 500, 464, 2904],
      recurring: [2940, 500, 464, 2904],
    },
    {
      // 2 x 12.345 KWD = 24.690; 15 % = 3.7035 -> 3.704 (half away from zero); outside scope: no tax
      situation: 'a KWD plan gets 15 % for a US buyer',
      cart: { plan: 'dinar', quantity: 2, customer: { country: 'US', type: 'business' } },
      coupon: found(aCoupon({ percentage: 15 })),
      lines: [['chg_kwd', 24690, 3704, 0, 20986]],
      dueToday: [24690, 3704, 0, 20986],
      recurring: [24690, 3704, 0, 20986],
      treatment: 'outside_scope',
    },
    {
      // the coupon only targets seats: 3000 off a 3000 base, not 10000; setup keeps its 950 tax
      situation: 'a fixed coupon is larger than its eligible base',
      cart: { plan: 'pro', quantity: 3 },
      coupon: found(aCoupon({ type: 'fixed_amount', fixedAmount: 10000, currency: 'EUR', productIds: ['prod_seat'] })),
      lines: [['chg_setup', 5000, 0, 950, 5950], ['chg_seat', 3000, 3000, 0, 0]],
      dueToday: [8000, 3000, 950, 5950],
      recurring: [3000, 3000, 0, 0],
    },
    {
      // 50 % of the seats only (3000 -> 1500); seat tax 1500 x 19 % = 285
      situation: 'the setup product is excluded',
      cart: { plan: 'pro', quantity: 3 },
      coupon: found(aCoupon({ percentage: 50, excludedProductIds: ['prod_setup'] })),
      lines: [['chg_setup', 5000, 0, 950, 5950], ['chg_seat', 3000, 1500, 285, 1785]],
      dueToday: [8000, 1500, 1235, 7735],
      recurring: [3000, 1500, 285, 1785],
    },
    {
      // limited to 1 period, no trial: today's invoice is period 1 (8000 -> 4000 off, 2500 / 1500); renewal is period 2
      situation: 'a limited coupon of 1 period renews without a trial',
      cart: { plan: 'pro', quantity: 3 },
      coupon: found(aCoupon({ percentage: 50, frequency: 'limited', numberOfPeriods: 1 })),
      lines: [['chg_setup', 5000, 2500, 475, 2975], ['chg_seat', 3000, 1500, 285, 1785]],
      dueToday: [8000, 4000, 760, 4760],
      recurring: [3000, 0, 570, 3570],
    },
    {
      situation: 'a limited coupon of 2 periods renews without a trial',
      cart: { plan: 'pro', quantity: 3 },
      coupon: found(aCoupon({ percentage: 50, frequency: 'limited', numberOfPeriods: 2 })),
      lines: [['chg_setup', 5000, 2500, 475, 2975], ['chg_seat', 3000, 1500, 285, 1785]],
      dueToday: [8000, 4000, 760, 4760],
      recurring: [3000, 1500, 285, 1785],
    },
    {
      // trial: today bills no period, the setup fee is discounted (2500) and the seats are a trial line at 0;
      // the renewal is period 1, still covered: 3000 -> 1500 + 285 tax
      situation: 'a limited coupon of 1 period renews after a trial',
      cart: { plan: 'trial', quantity: 3 },
      coupon: found(aCoupon({ percentage: 50, frequency: 'limited', numberOfPeriods: 1 })),
      lines: [['chg_setup', 5000, 2500, 475, 2975], ['chg_seat', 0, 0, 0, 0]],
      dueToday: [5000, 2500, 475, 2975],
      recurring: [3000, 1500, 285, 1785],
    },
    {
      situation: 'a once coupon renews after a trial',
      cart: { plan: 'trial', quantity: 3 },
      coupon: found(aCoupon({ percentage: 50, frequency: 'once' })),
      lines: [['chg_setup', 5000, 2500, 475, 2975], ['chg_seat', 0, 0, 0, 0]],
      dueToday: [5000, 2500, 475, 2975],
      recurring: [3000, 1500, 285, 1785],
    },
    {
      // gross 1190 at the French 20 %: 1190 x 2000 / 12000 = 198.33 -> 198, inside the price
      situation: 'an inclusive-price plan is sold to a French consumer (OSS)',
      cart: { plan: 'incl', customer: { country: 'FR', type: 'individual' } },
      lines: [['chg_incl', 1190, 0, 198, 1190]],
      dueToday: [1190, 0, 198, 1190],
      recurring: [1190, 0, 198, 1190],
      treatment: 'oss',
    },
    {
      // gross 1190 at the German 19 %: 1190 x 1900 / 11900 = 190
      situation: 'an inclusive-price plan is sold at home',
      cart: { plan: 'incl' },
      lines: [['chg_incl', 1190, 0, 190, 1190]],
      dueToday: [1190, 0, 190, 1190],
      recurring: [1190, 0, 190, 1190],
      treatment: 'domestic',
    },
    {
      situation: 'a French business with a valid VAT ID buys (reverse charge)',
      cart: { plan: 'pro', quantity: 3, customer: { country: 'FR', type: 'business', vatId: 'FR40303265045' } },
      lines: [['chg_setup', 5000, 0, 0, 5000], ['chg_seat', 3000, 0, 0, 3000]],
      dueToday: [8000, 0, 0, 8000],
      recurring: [3000, 0, 0, 3000],
      treatment: 'reverse_charge',
    },
    {
      situation: 'a Swiss buyer buys (outside scope)',
      cart: { plan: 'pro', quantity: 3, customer: { country: 'CH', type: 'individual' } },
      lines: [['chg_setup', 5000, 0, 0, 5000], ['chg_seat', 3000, 0, 0, 3000]],
      dueToday: [8000, 0, 0, 8000],
      recurring: [3000, 0, 0, 3000],
      treatment: 'outside_scope',
    },
    {
      // 1 unit off over two lines of 5000 and 3000 at 0.01 %: 8000 x 0.01 % = 0.8 -> 1; shares 0.625 / 0.375:
      // floors 0 / 0, the leftover unit to the larger remainder (setup)
      situation: 'a discount of one unit is allocated',
      cart: { plan: 'pro', quantity: 3, customer: { country: 'US', type: 'individual' } },
      coupon: found(aCoupon({ percentage: 0.01 })),
      lines: [['chg_setup', 5000, 1, 0, 4999], ['chg_seat', 3000, 0, 0, 3000]],
      dueToday: [8000, 1, 0, 7999],
      recurring: [3000, 0, 0, 3000],
      treatment: 'outside_scope',
    },
    {
      // seats 3 x 1000 and storage 6 x 500 are eligible, 3000 each: D = 6000 x 0.01 % = 0.6 -> 1; the shares
      // 0.5 / 0.5 floor to 0 and tie, so the unit goes to the earlier line (seats)
      situation: 'allocation remainders tie',
      cart: { plan: 'pro', quantity: 3, addOns: ['chg_storage'], charges: [{ chargeId: 'chg_storage', quantity: 6 }], customer: { country: 'US', type: 'individual' } },
      coupon: found(aCoupon({ percentage: 0.01, productIds: ['prod_seat', 'prod_storage'] })),
      lines: [['chg_setup', 5000, 0, 0, 5000], ['chg_seat', 3000, 1, 0, 2999], ['chg_storage', 3000, 0, 0, 3000]],
      dueToday: [11000, 1, 0, 10999],
      recurring: [6000, 1, 0, 5999],
      treatment: 'outside_scope',
    },
  ];
  for (const c of cases) {
    it(`when ${c.situation}, then lines, dueToday and recurring are the golden figures`, () => {
      const q = quote(c.cart, c.coupon);
      assert.deepEqual(figures(q), c.lines);
      const { subtotal, discount, tax: t, total } = q.dueToday;
      assert.deepEqual([subtotal, discount, t, total], c.dueToday);
      assert.deepEqual([q.recurring.subtotal, q.recurring.discount, q.recurring.tax, q.recurring.total], c.recurring);
      if (c.treatment) assert.equal(q.taxTreatment, c.treatment);
    });
  }

  it('when the plan has a trial, then recurring lines are marked trial and trialEndsAt is now + 14 days', () => {
    const q = quote({ plan: 'trial', quantity: 3 });
    assert.equal(q.trialEndsAt, '2026-03-15T10:00:00.000Z');
    assert.equal(q.lines[1]!.trial, true);
    assert.equal('trial' in q.lines[0]!, false);
  });
  it('when the plan has no trial, then there is no trialEndsAt', () => assert.equal('trialEndsAt' in quote({ plan: 'pro' }), false));
  it('when the add-on is not chosen, then it is not a line', () => {
    assert.deepEqual(quote({ plan: 'pro' }).lines.map((l) => l.chargeId), ['chg_setup', 'chg_seat']);
  });
  it('when the only eligible product is metered, then the coupon is valid with a discount of 0', () => {
    const q = quote({ plan: 'pro' }, found(aCoupon({ productIds: ['prod_api'] })));
    assert.deepEqual(q.coupon, { code: 'SAVE', valid: true, discount: 0, frequency: 'lifetime' });
  });
});

describe('priceCart: a coupon that fails is reported and ignored', () => {
  const cases: { situation: string; coupon: CouponLookup; reason: string }[] = [
    { situation: 'the code is unknown', coupon: { status: 'not_found', code: 'NOPE' }, reason: 'coupon_not_found' },
    { situation: 'the coupon is disabled and expired', coupon: found(aCoupon({ enabled: false, expiresAt: '2026-01-01T00:00:00Z' })), reason: 'coupon_disabled' },
    { situation: 'the coupon expired', coupon: found(aCoupon({ expiresAt: '2026-03-01T10:00:00.000Z' })), reason: 'coupon_expired' },
    { situation: 'the coupon is used up', coupon: found(aCoupon({ maxRedemptions: 5, timesRedeemed: 5 })), reason: 'coupon_exhausted' },
    {
      situation: 'the batch code was redeemed',
      coupon: { status: 'found', code: 'BATCH-1', coupon: aCoupon(), codeRedeemed: true, customerRedemptions: 0 },
      reason: 'coupon_exhausted',
    },
    {
      situation: 'the customer used it already',
      coupon: { status: 'found', code: 'SAVE', coupon: aCoupon({ maxRedemptionsPerCustomer: 1 }), codeRedeemed: false, customerRedemptions: 1 },
      reason: 'coupon_customer_limit',
    },
    {
      situation: 'a fixed coupon is in USD',
      coupon: found(aCoupon({ type: 'fixed_amount', fixedAmount: 100, currency: 'USD' })),
      reason: 'coupon_currency_mismatch',
    },
    { situation: 'the plan is excluded', coupon: found(aCoupon({ excludedPlanIds: ['plan_pro'] })), reason: 'coupon_not_applicable' },
    {
      situation: 'only the add-on is eligible and it was not chosen',
      coupon: found(aCoupon({ productIds: ['prod_storage'] })),
      reason: 'coupon_not_applicable',
    },
  ];
  for (const { situation, coupon, reason } of cases) {
    it(`when ${situation}, then the verdict is ${reason} and the quote is priced without it`, () => {
      const q = quote({ plan: 'pro', quantity: 3 }, coupon);
      assert.deepEqual(q.coupon, { code: coupon.status === 'none' ? '' : coupon.code, valid: false, reason, discount: 0 });
      assert.deepEqual(q.dueToday, { subtotal: 8000, discount: 0, tax: 1520, total: 9520 });
      assert.equal(q.recurring.discount, 0);
    });
  }
});

describe('priceCart: the cart is validated with pointers', () => {
  const cases: { situation: string; cart: Cart; kind: string; code: string; pointers: string[] }[] = [
    { situation: 'the plan is unknown', cart: { plan: 'nope' }, kind: 'not_found', code: 'plan_not_found', pointers: ['/plan'] },
    { situation: 'the plan is a draft', cart: { plan: 'draft' }, kind: 'unprocessable', code: 'plan_not_available', pointers: ['/plan'] },
    { situation: 'the plan is closed for checkout', cart: { plan: 'hidden' }, kind: 'unprocessable', code: 'plan_not_available', pointers: ['/plan'] },
    { situation: 'the quantity is above max', cart: { plan: 'pro', quantity: 51 }, kind: 'invalid', code: 'validation_failed', pointers: ['/quantity'] },
    { situation: 'the quantity is below min', cart: { plan: 'pro', quantity: 0 }, kind: 'invalid', code: 'validation_failed', pointers: ['/quantity'] },
    { situation: 'the quantity is fractional', cart: { plan: 'pro', quantity: 1.5 }, kind: 'invalid', code: 'validation_failed', pointers: ['/quantity'] },
    {
      situation: 'a charge id is unknown',
      cart: { plan: 'pro', charges: [{ chargeId: 'chg_seat', quantity: 2 }, { chargeId: 'nope', quantity: 1 }] },
      kind: 'invalid',
      code: 'validation_failed',
      pointers: ['/charges/1/chargeId'],
    },
    {
      situation: 'a charge quantity is out of range',
      cart: { plan: 'pro', charges: [{ chargeId: 'chg_seat', quantity: 99 }] },
      kind: 'invalid',
      code: 'validation_failed',
      pointers: ['/charges/0/quantity'],
    },
    {
      situation: 'a fixed charge is given another quantity',
      cart: { plan: 'pro', charges: [{ chargeId: 'chg_setup', quantity: 2 }] },
      kind: 'invalid',
      code: 'validation_failed',
      pointers: ['/charges/0/quantity'],
    },
    {
      situation: 'an add-on is not an optional charge',
      cart: { plan: 'pro', addOns: ['chg_storage', 'chg_seat', 'nope'] },
      kind: 'invalid',
      code: 'validation_failed',
      pointers: ['/addOns/1', '/addOns/2'],
    },
    {
      situation: 'an add-on quantity is set without choosing it',
      cart: { plan: 'pro', charges: [{ chargeId: 'chg_storage', quantity: 2 }] },
      kind: 'invalid',
      code: 'validation_failed',
      pointers: ['/charges/0/chargeId'],
    },
    {
      situation: 'the VAT ID is invalid',
      cart: { plan: 'pro', customer: { country: 'FR', type: 'business', vatId: 'FR12345' } },
      kind: 'unprocessable',
      code: 'vat_id_invalid',
      pointers: ['/customer/vatId'],
    },
  ];
  for (const { situation, cart, kind, code, pointers } of cases) {
    it(`when ${situation}, then ${kind} ${code} points at [${pointers.join(', ')}]`, () => {
      assert.throws(
        () => quote(cart),
        (error: unknown) => {
          assert.ok(error instanceof DomainError);
          assert.deepEqual([error.kind, error.code, error.errors?.map((e) => e.pointer)], [kind, code, pointers]);
          return true;
        },
      );
    });
  }
  it('when a fixed charge is given its own quantity, then the cart is accepted', () => {
    assert.equal(quote({ plan: 'pro', charges: [{ chargeId: 'chg_setup', quantity: 1 }] }).dueToday.subtotal, 6000);
  });
});

describe('priceInvoice: a renewal invoice of period k', () => {
  const selection = resolveSelection(catalog, { plan: 'pro', quantity: 3 }).charges;
  const domestic = determineTax(tax, { country: 'DE', type: 'individual' });
  const limited2 = aCoupon({ percentage: 50, frequency: 'limited', numberOfPeriods: 2 });
  const renewal = (period: number, usage?: number) =>
    priceInvoice({
      plan: pro,
      selection,
      coupon: limited2,
      coverage: couponCoverage(limited2, period),
      includeOneTime: false,
      trial: false,
      tax: domestic,
      ...(usage === undefined ? {} : { meteredUsage: new Map([['chg_api', usage]]) }),
    });
  it('when period 2 bills 1500 API calls, then the metered line is priced in arrears and discounted', () => {
    // seats 3000 + API calls: 1000 free then 500 x 1 = 500; 50 % of 3500 = 1750 -> 1500 / 250
    // tax 19 % of (1500 + 250) = 332.5 -> 333, allocated 1500:250 -> 285.43 / 47.57 -> 285 / 48
    const invoice = renewal(2, 1500);
    assert.deepEqual(
      invoice.lines.map((l) => [l.chargeId, l.quantity, l.subtotal, l.discount, l.tax, l.total]),
      [['chg_seat', 3, 3000, 1500, 285, 1785], ['chg_api', 1500, 500, 250, 48, 298]],
    );
    assert.deepEqual([invoice.subtotal, invoice.discount, invoice.tax, invoice.total], [3500, 1750, 333, 2083]);
  });
  it('when period 3 is past the limited coupon, then nothing is discounted', () => {
    const invoice = renewal(3);
    assert.deepEqual([invoice.subtotal, invoice.discount, invoice.tax, invoice.total], [3000, 0, 570, 3570]);
    assert.deepEqual(invoice.lines.map((l) => l.chargeId), ['chg_seat']);
  });
});
