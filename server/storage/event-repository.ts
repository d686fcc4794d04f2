/**
 * The outbox (SPEC.md section 11): `recordEvents` is called inside the transaction of the change it
 * describes, so an event exists exactly when its change committed.
 */
import type { BillingEvent, EventType, NewEvent } from '../domain/events.js';
import type { Queryable, Tx } from './db.js';
import { iso, json, newId, toPage, type Page, type PageRequest } from './ids.js';

type Row = Record<string, unknown>;

const toEvent = (r: Row): BillingEvent => ({
  id: String(r.id),
  type: String(r.type) as EventType,
  createdAt: iso(r.created_at),
  data: json<{ object: unknown }>(r.data),
});

/**
 * Ids for `count` events, in order: they keep the events' order within one change (createdAt ties). All take
 * this millisecond (newId increases within one): an id from a later millisecond per event would put a
 * batch's ids up to a second ahead, and a change right after it would sort before them (GET /v1/events walks
 * by id, and a poller would skip it).
 */
export function eventIds(count: number): string[] {
  const now = Date.now();
  return Array.from({ length: count }, () => newId('evt', now));
}

/**
 * Writes the events in one statement; `at` is the (test) clock's time of the change. `ids` (from eventIds)
 * when a change writes its events in more than one statement but in one order.
 */
export async function recordEvents(tx: Tx, events: readonly NewEvent[], at: string, ids: readonly string[] = eventIds(events.length)): Promise<readonly string[]> {
  if (events.length === 0) return [];
  // One JSON document for the whole batch: PostgreSQL parses it once (an array of JSON texts costs far more).
  await tx.query(
    `insert into events (id, type, object_id, data, created_at)
     select t.id, t.type, t.object_id, t.data, $2 from jsonb_to_recordset($1::jsonb) as t(id text, type text, object_id text, data jsonb)`,
    [JSON.stringify(events.map((e, i) => ({ id: ids[i], type: e.type, object_id: e.object.id, data: { object: e.object } }))), at],
  );
  return ids;
}

export async function findEvent(db: Queryable, id: string): Promise<BillingEvent | null> {
  const { rows } = await db.query<Row>('select * from events where id = $1', [id]);
  return rows[0] ? toEvent(rows[0]) : null;
}

/** Newest first would hide the order of a change's events: pages walk ids ascending, like every list. */
export async function listEvents(db: Queryable, page: PageRequest, filter: { type?: string | undefined; objectId?: string | undefined } = {}): Promise<Page<BillingEvent>> {
  const { rows } = await db.query<Row>(
    `select * from events
     where ($1::text is null or type = $1) and ($2::text is null or object_id = $2)
       and ($3::text is null or id > $3 collate "C")
     order by id collate "C" limit $4`,
    [filter.type ?? null, filter.objectId ?? null, page.startingAfter ?? null, page.limit + 1],
  );
  return toPage(rows.map(toEvent), page.limit);
}
