/**
 * Dunning (SPEC.md section 6): when a declined invoice is tried again, and what happens after the last try.
 * Pure.
 */
const DAY_MS = 86_400_000;

export interface DunningSettings {
  /** Days after the first failure, increasing (default [1, 3, 5, 7]). */
  retryDays: readonly number[];
  finalAction: 'cancel' | 'mark_uncollectible';
}

export type DunningStep =
  | { kind: 'retry'; at: Date }
  /** Every retry failed: the settings' final action. */
  | { kind: 'final'; action: DunningSettings['finalAction'] };

/**
 * After `failures` declined attempts (>= 1), the first of them at `firstFailure`: the next retry, counted in
 * days from the first failure, or the final action once every retry day has had its attempt. A retry day
 * already behind the clock (a run that comes late) is still tried, once, at the next run.
 */
export function afterDecline(settings: DunningSettings, firstFailure: Date, failures: number): DunningStep {
  const day = settings.retryDays[failures - 1];
  if (day === undefined) return { kind: 'final', action: settings.finalAction };
  return { kind: 'retry', at: new Date(firstFailure.getTime() + day * DAY_MS) };
}
