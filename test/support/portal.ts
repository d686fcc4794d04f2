/**
 * Helpers for the portal's HTTP tests: a portal session for a customer (the merchant's way in) or by the
 * emailed code (the hosted page's), the portal settings, and a family of flat plans to switch between.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import type { SignInMailer } from '../../server/app/sign-in.js';
import { createPlan, createProduct } from './api.js';
import type { TestApp } from './app.js';
import { unique } from './db.js';

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** POST /v1/portal-sessions for the customer: the token. */
export async function portalToken(t: TestApp, customerId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await request(t.app).post('/v1/portal-sessions').set(t.sk).send({ customerId, ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.token as string;
}

/** Merges `portal` into the settings (PUT /v1/settings merges key by key). */
export async function setPortal(t: TestApp, portal: Record<string, unknown>, more: Record<string, unknown> = {}): Promise<void> {
  const res = await request(t.app).put('/v1/settings').set(t.sk).send({ portal, ...more });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** The portal settings every test starts from (the defaults, pause on, no retention coupon unless set). */
export async function resetPortal(t: TestApp): Promise<void> {
  await setPortal(t, {
    features: { invoices: true, paymentMethod: true, billingDetails: true, switchPlan: true, quantity: true, cancel: true, pause: true },
    switchPlan: { allowed: 'family' },
    cancellation: { mode: 'period_end', reasons: ['too_expensive', 'missing_features', 'switched_service', 'unused', 'customer_service', 'too_complex', 'low_quality', 'other'] },
    pause: { enabled: true },
  });
  // A key once set stays (settings merge): clear the optional ones straight in the row.
  await t.deps.db.query(`update settings set data = (data #- '{portal,cancellation,retentionCoupon}') #- '{portal,pause,maxPeriods}' where id = 1`);
  t.deps.catalogCache.invalidate();
}

/** Records every sign-in code mailed by this app (wrapping its mailer): the latest per email. */
export function recordCodes(t: TestApp): Map<string, string> {
  const codes = new Map<string, string>();
  const mailer: SignInMailer = t.deps.signIn.mailer;
  t.deps.signIn.mailer = async (tx, mail) => {
    codes.set(mail.email, mail.code);
    return mailer(tx, mail);
  };
  return codes;
}

export interface FamilyPlans {
  family: { id: string; code: string };
  plans: { id: string; code: string; charges: { id: string }[] }[];
}

/** A family with one flat monthly EUR plan per amount, in that order. */
export async function aFamily(t: TestApp, amounts: number[]): Promise<FamilyPlans> {
  const family = await request(t.app).post('/v1/product-families').set(t.sk).send({ code: unique('fam'), name: 'Cloud' });
  assert.equal(family.status, 201, JSON.stringify(family.body));
  const plans = [];
  for (const amount of amounts) {
    const product = await createProduct(t);
    plans.push(await createPlan(t, { familyId: family.body.id, charges: [{ product: product.number, type: 'recurring', pricing: { model: 'flat', amount } }] }));
  }
  return { family: family.body, plans };
}
