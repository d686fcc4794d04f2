import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { priceCart, type Quote } from '../../../server/domain/quote.js';
import { DomainError } from '../../../server/domain/errors.js';
import { quoteJson } from '../../../server/http/quote-json.js';
import { aCatalog, aCharge, aCoupon, aPlan, aProduct } from '../../support/builders.js';
import { defaultTaxSettings } from '../../../server/domain/tax.js';
import { build, world } from '../../support/oracle-world.js';

const RUNS = Number(process.env.ORACLE_RUNS ?? 2000);

describe('quoteJson: the quote answer written without JSON.stringify', () => {
  it('when any cart of any catalog is priced, then quoteJson writes the same bytes as JSON.stringify', () => {
    let priced = 0;
    fc.assert(
      fc.property(world, (w) => {
        let quote: Quote;
        try {
          quote = priceCart(build(w));
        } catch (error) {
          if (error instanceof DomainError) return; // a refused cart has no quote to write
          throw error;
        }
        priced++;
        assert.equal(quoteJson(quote), JSON.stringify(quote));
      }),
      { numRuns: RUNS },
    );
    assert.ok(priced > RUNS / 2, `only ${priced} of ${RUNS} carts were priced`);
  });

  it('when names need escaping and a charge is renamed or changes type, then the answer follows the catalog', () => {
    const named = (name: string, type: 'recurring' | 'one_time') => {
      const product = aProduct({ id: 'prod_esc', name });
      const charge = aCharge({ id: 'chg_esc', productId: product.id, type, pricing: { model: 'per_unit', unitAmount: 700 } });
      const plan = aPlan({ code: 'p"lan\\', charges: [charge] });
      return priceCart({
        catalog: aCatalog({ plans: [plan], products: [product] }),
        cart: { plan: plan.code, couponCode: 'ÉTÉ "24"', customer: { country: 'US', type: 'individual' } },
        coupon: { status: 'found', code: 'ÉTÉ "24"', coupon: aCoupon({ code: 'ÉTÉ "24"' }), codeRedeemed: false, customerRedemptions: null },
        tax: defaultTaxSettings(),
        now: new Date('2026-03-01T10:00:00.000Z'),
      });
    };
    for (const quote of [
      named('Seats "Pro" \\ line\u2028sep\ttab \u0001 ✓', 'recurring'),
      named('Seats, renamed', 'recurring'),
      named('Seats, renamed', 'one_time'),
    ]) {
      assert.equal(quoteJson(quote), JSON.stringify(quote));
      assert.deepEqual(JSON.parse(quoteJson(quote)), quote);
    }
  });
});
