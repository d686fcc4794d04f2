/**
 * The API's views of customers, subscriptions and invoices (SPEC.md sections 6 and 13): what the HTTP
 * answers and the events' `data.object` both show, so a webhook carries exactly what GET answers.
 */
import type { Customer, Invoice, Subscription } from '../storage/commerce-repository.js';

export type PlanCodeOf = (planId: string) => string;

export function subscriptionView(s: Subscription, planCode: PlanCodeOf) {
  const {
    familyKey: _f, checkoutId: _c, anchor: _a, anchorPeriods: _ap, couponFirstPeriod: _cf, retentionOffered: _r,
    trialWillEndSent: _t, usageFrom: _u, pendingChange, defaultPaymentMethod, ...rest
  } = s;
  let method = null;
  if (defaultPaymentMethod) {
    const { providerCustomerId: _p, ...shown } = defaultPaymentMethod;
    method = shown;
  }
  return {
    ...rest,
    planCode: planCode(s.planId),
    pendingChange: pendingChange ? { ...pendingChange, plan: planCode(pendingChange.plan) } : null,
    defaultPaymentMethod: method,
  };
}

export function invoiceView(i: Invoice) {
  const { paymentId: _p, ...rest } = i;
  return rest;
}

export const customerView = (c: Customer) => c;

export type SubscriptionView = ReturnType<typeof subscriptionView>;
export type InvoiceView = ReturnType<typeof invoiceView>;
