import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Aggregation, Measurement } from '../../../server/domain/catalog.js';
import { DomainError } from '../../../server/domain/errors.js';
import {
  aggregate,
  periodQuantity,
  recurringQuantity,
  usageRefusal,
  usageStats,
  type Period,
  type UsageEvent,
} from '../../../server/domain/usage.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
/** A 30-day period from T0. */
const MARCH: Period = { start: T0, end: T0 + 30 * DAY };

let arrival = 0;
/** An event `days` after T0 (fractions allowed), arriving after every event built before it. */
function anEvent(days: number, value = 1, uniqueKey?: string): UsageEvent {
  arrival += 1;
  return { value, at: T0 + Math.round(days * DAY), uniqueKey: uniqueKey ?? `evt_${arrival}`, seq: arrival };
}

function aMeasurement(overrides: Partial<Measurement> = {}): Measurement {
  return { id: 'meas_1', code: 'calls', unit: 'call', description: null, type: 'metered', aggregation: 'sum', prorated: false, ...overrides };
}

describe('usage: aggregation of a metered period', () => {
  const events = () => [anEvent(1, 5, 'a'), anEvent(2, 10, 'b'), anEvent(3, 2, 'a'), anEvent(4, 8, 'c')];
  const cases: { situation: string; aggregation: Aggregation; events: UsageEvent[]; expected: number }[] = [
    { situation: 'count over four events', aggregation: 'count', events: events(), expected: 4 },
    { situation: 'count_unique over keys a, b, a, c', aggregation: 'count_unique', events: events(), expected: 3 },
    { situation: 'count_unique without keys given (the event ids)', aggregation: 'count_unique', events: [anEvent(1), anEvent(2), anEvent(3)], expected: 3 },
    { situation: 'max of 5, 10, 2, 8', aggregation: 'max', events: events(), expected: 10 },
    { situation: 'sum of 5, 10, 2, 8', aggregation: 'sum', events: events(), expected: 25 },
    { situation: 'last_value, the latest by timestamp', aggregation: 'last_value', events: events(), expected: 8 },
    { situation: 'last_value where the latest arrived first', aggregation: 'last_value', events: [anEvent(9, 7), anEvent(1, 3)], expected: 7 },
    { situation: 'average of 5, 10, 2, 8 (6.25)', aggregation: 'average', events: events(), expected: 6 },
    { situation: 'average of 1 and 2 (1.5: half away from zero)', aggregation: 'average', events: [anEvent(1, 1), anEvent(2, 2)], expected: 2 },
    { situation: 'average of 1, 1 and 2 (1.33)', aggregation: 'average', events: [anEvent(1, 1), anEvent(2, 1), anEvent(3, 2)], expected: 1 },
  ];
  for (const { situation, aggregation, events: given, expected } of cases) {
    it(`when ${situation}, then the quantity is ${expected}`, () =>
      assert.equal(periodQuantity(aMeasurement({ aggregation }), given, MARCH), expected));
  }

  for (const aggregation of ['count', 'count_unique', 'max', 'sum', 'last_value', 'average'] as const) {
    it(`when a ${aggregation} period has no events, then the quantity is 0`, () => assert.equal(periodQuantity(aMeasurement({ aggregation }), [], MARCH), 0));
  }

  it('when two events share the last timestamp, then last_value takes the later arrival', () => {
    const first = anEvent(5, 11);
    const second = anEvent(5, 22);
    assert.equal(periodQuantity(aMeasurement({ aggregation: 'last_value' }), [second, first], MARCH), 22);
  });

  it('when events lie before the period, at its start and at its end, then only [start, end) counts', () => {
    const given = [anEvent(-1, 100), anEvent(0, 1), anEvent(29.99, 2), anEvent(30, 1000)];
    assert.equal(periodQuantity(aMeasurement({ aggregation: 'sum' }), given, MARCH), 3);
  });

  it('when a metered measurement had events last period, then this period starts from 0 again', () => {
    assert.equal(periodQuantity(aMeasurement({ aggregation: 'last_value' }), [anEvent(-3, 40)], MARCH), 0);
  });

  it('when a sum passes 2^53, then it is refused with usage_out_of_range, not rounded', () => {
    const huge = [anEvent(1, Number.MAX_SAFE_INTEGER), anEvent(2, 2)];
    assert.throws(() => periodQuantity(aMeasurement({ aggregation: 'sum' }), huge, MARCH), (e: unknown) => e instanceof DomainError && e.code === 'usage_out_of_range');
  });

  it('when the values are huge but the average fits, then the average is exact (BigInt sum)', () => {
    const huge = [anEvent(1, Number.MAX_SAFE_INTEGER), anEvent(2, Number.MAX_SAFE_INTEGER - 2)];
    assert.equal(periodQuantity(aMeasurement({ aggregation: 'average' }), huge, MARCH), Number.MAX_SAFE_INTEGER - 1);
  });
});

describe('usage: recurring measurements', () => {
  const seats = (prorated: boolean) => aMeasurement({ type: 'recurring', aggregation: 'last_value', prorated });
  const cases: { situation: string; prorated: boolean; events: UsageEvent[]; expected: number }[] = [
    { situation: 'nothing was ever recorded', prorated: false, events: [], expected: 0 },
    { situation: 'the value was set before the period and not changed', prorated: false, events: [anEvent(-40, 5)], expected: 5 },
    { situation: 'the latest value before the period was 7', prorated: false, events: [anEvent(-40, 5), anEvent(-2, 7)], expected: 7 },
    { situation: 'it went from 5 to 10 and back to 3 in the period (not prorated)', prorated: false, events: [anEvent(-1, 5), anEvent(10, 10), anEvent(20, 3)], expected: 3 },
    { situation: 'it held 10 for the first half and 20 for the second (prorated)', prorated: true, events: [anEvent(-1, 10), anEvent(15, 20)], expected: 15 },
    { situation: 'it held 0 for 10 days then 3 (prorated: 2)', prorated: true, events: [anEvent(10, 3)], expected: 2 },
    { situation: 'it held 1 for 15 days and 0 after (prorated: 0.5 rounds up)', prorated: true, events: [anEvent(-5, 1), anEvent(15, 0)], expected: 1 },
    { situation: 'it held 1 for 14 days and 0 after (prorated: 0.47)', prorated: true, events: [anEvent(-5, 1), anEvent(14, 0)], expected: 0 },
    { situation: 'an event after the period (prorated: the carried value)', prorated: true, events: [anEvent(-5, 4), anEvent(31, 100)], expected: 4 },
    { situation: 'a value held the whole period (prorated)', prorated: true, events: [anEvent(-5, 9)], expected: 9 },
    { situation: 'the value changed at the very start (prorated)', prorated: true, events: [anEvent(-5, 9), anEvent(0, 6)], expected: 6 },
  ];
  for (const { situation, prorated, events, expected } of cases) {
    it(`when ${situation}, then the quantity is ${expected}`, () => assert.equal(periodQuantity(seats(prorated), events, MARCH), expected));
  }

  it('when two events share one second, then the earlier arrival holds for 0 seconds', () => {
    const a = anEvent(10, 1000);
    const b = { ...anEvent(10, 0), at: a.at + 400 };
    assert.equal(recurringQuantity(true, 0, [b, a], MARCH), 0);
    assert.equal(recurringQuantity(false, 0, [b, a], MARCH), 0);
  });
});

describe('usage: which events may still be recorded', () => {
  const start = T0;
  const now = T0 + 5 * DAY;
  const cases: { situation: string; at: number; expected: ReturnType<typeof usageRefusal> }[] = [
    { situation: 'the timestamp is in the current period', at: T0 + DAY, expected: null },
    { situation: 'the timestamp is the period start itself', at: T0, expected: null },
    { situation: 'the timestamp lies in the period before (invoiced)', at: T0 - 1, expected: 'usage_period_closed' },
    { situation: 'the timestamp is 5 minutes past the clock', at: now + 5 * 60_000, expected: null },
    { situation: 'the timestamp is more than 5 minutes past the clock', at: now + 5 * 60_000 + 1, expected: 'usage_timestamp_in_future' },
  ];
  for (const { situation, at, expected } of cases) {
    it(`when ${situation}, then the verdict is ${expected ?? 'accepted'}`, () => assert.equal(usageRefusal(at, start, now), expected));
  }
});

describe('usage: properties', () => {
  const anyEvents = fc.array(
    fc.record({ value: fc.integer({ min: 0, max: 1_000_000 }), offset: fc.integer({ min: -10 * DAY, max: 40 * DAY }), key: fc.constantFrom('a', 'b', 'c', 'd') }),
    { maxLength: 40 },
  ).map((list) => list.map((e, i): UsageEvent => ({ value: e.value, at: T0 + e.offset, uniqueKey: e.key, seq: i })));
  const aggregation = fc.constantFrom<Aggregation>('count', 'count_unique', 'max', 'sum', 'last_value', 'average');

  it('when events are given in any order, then every aggregation gives the same quantity', () => {
    fc.assert(
      fc.property(anyEvents, aggregation, fc.boolean(), (events, agg, prorated) => {
        const reversed = [...events].reverse();
        assert.equal(periodQuantity(aMeasurement({ aggregation: agg }), reversed, MARCH), periodQuantity(aMeasurement({ aggregation: agg }), events, MARCH));
        const seats = aMeasurement({ type: 'recurring', aggregation: 'last_value', prorated });
        assert.equal(periodQuantity(seats, reversed, MARCH), periodQuantity(seats, events, MARCH));
      }),
    );
  });

  it('when any events are aggregated, then count_unique <= count, max <= sum and min <= average <= max', () => {
    fc.assert(
      fc.property(anyEvents, (events) => {
        const stats = usageStats(events);
        assert.ok(aggregate('count_unique', stats) <= aggregate('count', stats));
        assert.ok(aggregate('max', stats) <= aggregate('sum', stats));
        const average = aggregate('average', stats);
        assert.ok(average <= stats.max);
        if (events.length > 0) assert.ok(average >= Math.min(...events.map((e) => e.value)));
      }),
    );
  });

  it('when a prorated recurring value is aggregated, then it lies between the least and the greatest value held', () => {
    fc.assert(
      fc.property(anyEvents, fc.integer({ min: 0, max: 1_000_000 }), (events, carried) => {
        const inside = events.filter((e) => e.at >= MARCH.start && e.at < MARCH.end);
        const held = [carried, ...inside.map((e) => e.value)];
        const quantity = recurringQuantity(true, carried, inside, MARCH);
        assert.ok(quantity >= Math.min(...held) && quantity <= Math.max(...held), `${quantity} outside ${held}`);
      }),
    );
  });

  it('when a recurring value never changes, then prorated or not it bills that value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.boolean(), (value, prorated) => {
        assert.equal(recurringQuantity(prorated, value, [], MARCH), value);
      }),
    );
  });

  it('when a metered period is split in two, then count and sum of the halves add up to the whole', () => {
    fc.assert(
      fc.property(anyEvents, fc.integer({ min: 1, max: 30 * DAY - 1 }), (events, cut) => {
        const first = { start: MARCH.start, end: MARCH.start + cut };
        const second = { start: MARCH.start + cut, end: MARCH.end };
        for (const agg of ['count', 'sum'] as const) {
          const m = aMeasurement({ aggregation: agg });
          assert.equal(periodQuantity(m, events, first) + periodQuantity(m, events, second), periodQuantity(m, events, MARCH));
        }
      }),
    );
  });
});
