import type { Interval } from './catalog.js';

const DAY_MS = 86_400_000;

/**
 * `start` plus `count` intervals, in UTC. Months and years keep the day of the month and clamp to the
 * month's last day (Jan 31 + 1 month = Feb 28/29), always counted from the anchor so that clamping never
 * drifts (Jan 31 -> Feb 28 -> Mar 31).
 */
export function addInterval(anchor: Date, interval: Interval, times = 1): Date {
  const n = interval.count * times;
  switch (interval.unit) {
    case 'day':
      return new Date(anchor.getTime() + n * DAY_MS);
    case 'week':
      return new Date(anchor.getTime() + n * 7 * DAY_MS);
    case 'month':
      return addMonths(anchor, n);
    case 'year':
      return addMonths(anchor, 12 * n);
  }
}

function addMonths(anchor: Date, months: number): Date {
  const y = anchor.getUTCFullYear();
  const m = anchor.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(targetYear, targetMonth, day, anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds(), anchor.getUTCMilliseconds()),
  );
}

export const addDays = (date: Date, days: number) => new Date(date.getTime() + days * DAY_MS);
