/**
 * What the merchant's portal settings allow a buyer (SPEC.md section 12), as pure functions over the
 * settings, the catalog and the subscription. The portal routes check these before they call the lifecycle
 * verbs, and GET /v1/portal/configuration answers from the same functions, so the elements show exactly
 * what the API accepts. The secret-key API is the merchant's own and is not limited by them.
 *
 * Refusals: a feature the merchant turned off is 403 `portal_feature_disabled`; a request the feature allows
 * in general but not in this form is 422 with its own code (`plan_switch_not_allowed`,
 * `cancellation_mode_not_allowed`, `cancellation_reason_not_allowed`; `pause_too_long` from the pause verb).
 */
import type { Plan } from '../domain/catalog.js';
import { DomainError, unprocessable } from '../domain/errors.js';
import type { Subscription } from '../storage/commerce-repository.js';
import type { ChangeRequest } from './change-subscription.js';
import type { CancellationReason, CatalogEntry, PortalSettings } from './catalog-cache.js';

export type PortalFeature = keyof PortalSettings['features'];

export const featureDisabled = (feature: PortalFeature | 'retentionOffer', pointer = '') =>
  new DomainError('forbidden', 'portal_feature_disabled', `The merchant does not let buyers use ${feature} in the portal.`, [{ pointer, detail: `${feature} is off` }]);

export function requireFeature(portal: PortalSettings, feature: PortalFeature, pointer = ''): void {
  if (!portal.features[feature]) throw featureDisabled(feature, pointer);
}

/** Pausing needs both switches: the feature shown (`features.pause`) and pausing enabled (`pause.enabled`). */
export const pauseAllowed = (portal: PortalSettings) => portal.features.pause && portal.pause.enabled;

/**
 * The plans a subscription may switch to: the other active plans of its family in its currency, narrowed to
 * the merchant's list for its plan when `switchPlan.allowed` is a list. None when switching is off.
 */
export function switchTargets(entry: CatalogEntry, sub: Subscription): Plan[] {
  const portal = entry.settings.portal;
  const current = entry.planByRef.get(sub.planId);
  if (!portal.features.switchPlan || !current || current.familyId === null) return [];
  const allowed = portal.switchPlan.allowed;
  const listed = allowed === 'family' ? null : new Set(allowed.filter((rule) => rule.from === current.code).flatMap((rule) => rule.to));
  return [...entry.snapshot.plans.values()].filter(
    (p) => p.id !== current.id && p.familyId === current.familyId && p.status === 'active' && p.currency === current.currency && (listed === null || listed.has(p.code)),
  );
}

/** Whether the subscription's plan has a quantity or an optional charge the buyer could change. */
export const adjustable = (plan: Plan) => plan.charges.some((c) => c.quantity.adjustable || c.optional);

/** A change of plan must be to a switch target; a change of quantities or add-ons needs `features.quantity`. */
export function checkChange(entry: CatalogEntry, sub: Subscription, input: Pick<ChangeRequest, 'plan' | 'quantity' | 'charges' | 'addOns'>): void {
  const portal = entry.settings.portal;
  const current = entry.planByRef.get(sub.planId);
  const target = input.plan === undefined ? current : entry.planByRef.get(input.plan);
  if (input.plan !== undefined && target?.id !== current?.id) {
    requireFeature(portal, 'switchPlan', '/plan');
    if (!target || !switchTargets(entry, sub).some((p) => p.id === target.id)) {
      throw unprocessable('plan_switch_not_allowed', `The portal does not offer a switch from ${current?.code} to ${input.plan}.`, [
        { pointer: '/plan', detail: `allowed: ${switchTargets(entry, sub).map((p) => p.code).join(', ') || 'none'}` },
      ]);
    }
  }
  for (const field of ['quantity', 'charges', 'addOns'] as const) {
    if (input[field] !== undefined) requireFeature(portal, 'quantity', `/${field}`);
  }
}

/** The cancellation the settings make of the buyer's request: `at` per `cancellation.mode`, the reason from the list. */
export function cancellationOf(portal: PortalSettings, input: { at?: 'period_end' | 'now' | undefined; reason?: CancellationReason | undefined }): 'period_end' | 'now' {
  requireFeature(portal, 'cancel');
  const mode = portal.cancellation.mode;
  const at = input.at ?? (mode === 'now' ? 'now' : 'period_end');
  if (mode !== 'choose' && at !== mode) {
    throw unprocessable('cancellation_mode_not_allowed', `The portal cancels ${mode === 'now' ? 'at once' : 'at the period end'} only.`, [
      { pointer: '/at', detail: `must be ${mode}` },
    ]);
  }
  if (input.reason !== undefined && !portal.cancellation.reasons.includes(input.reason)) {
    throw unprocessable('cancellation_reason_not_allowed', `The reason ${input.reason} is not one the merchant offers.`, [
      { pointer: '/reason', detail: `one of ${portal.cancellation.reasons.join(', ')}` },
    ]);
  }
  return at;
}

/** The retention offer is open while a coupon is configured, cancelling is on, and the subscription has no coupon and had no offer. */
export const retentionOfferOpen = (portal: PortalSettings, sub: Subscription) =>
  portal.features.cancel && portal.cancellation.retentionCoupon !== undefined && sub.couponId === null && !sub.retentionOffered;
