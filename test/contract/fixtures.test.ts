/**
 * The component tests replace the BFF at the fetch level with the answers in test/components/fixtures.ts.
 * This test holds those answers to the server's own zod response schemas, so the components are tested
 * against what the server really sends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { PublicCatalog } from '../../server/http/schemas/catalog.js';
import { Checkout, ConfirmResult } from '../../server/http/schemas/checkout.js';
import { Quote } from '../../server/http/schemas/quote.js';
import { aCatalog, aCheckout, aGermanCatalog, aQuote, completed } from '../components/fixtures.js';

function conforms(schema: z.ZodType, value: unknown, what: string): void {
  const result = schema.safeParse(value);
  assert.ok(result.success, `${what} does not match the server's schema: ${result.success ? '' : JSON.stringify(result.error.issues, null, 2)}`);
}

describe('component test fixtures against the server schemas', () => {
  it('when the fake catalog is checked, then it is a GET /v1/catalog answer', () => {
    conforms(PublicCatalog, aCatalog(), 'the catalog');
    conforms(PublicCatalog, aGermanCatalog(), 'the catalog in German');
  });

  it('when fake quotes for every plan (with and without a coupon) are checked, then each is a POST /v1/quotes answer', () => {
    for (const plan of aCatalog().plans) {
      conforms(Quote, aQuote({ plan: plan.code }), `the quote for ${plan.code}`);
      conforms(Quote, aQuote({ plan: plan.code, couponCode: 'SAVE10' }), `the quote for ${plan.code} with a coupon`);
    }
  });

  it('when the fake checkout and confirmation are checked, then they are the API answers', () => {
    const plan = aCatalog().plans[0]!.code;
    conforms(Checkout, aCheckout({ plan }), 'the checkout');
    conforms(Checkout, aCheckout({ plan }, 'stripe'), 'the Stripe checkout');
    conforms(ConfirmResult, completed, 'the confirmation');
  });
});
