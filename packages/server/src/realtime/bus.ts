/**
 * The event bus between server processes, on PostgreSQL LISTEN/NOTIFY (PGlite in one process).
 * A durable event for some people is one event_log row naming them (recipients) plus a NOTIFY naming the batch, both in the
 * caller's transaction: nothing is announced unless the change commits, and a socket that was away replays the
 * rows later. Topic hints (a page's "refetch, something changed") are NOTIFY only, with no row.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { inTx, type Db, type Tx } from '../db/database.js';

export const EVENTS_CHANNEL = 'yl_events';
export const TOPICS_CHANNEL = 'yl_topics';
/** A batch's NOTIFY names its people when there are at most this many, so processes without them skip the query. */
const NAMED_USERS_MAX = 100;

export interface BusEvent { type: string; data: Record<string, unknown> }
export interface TopicEvent { type: string; [key: string]: unknown }


/** Records `type` for each of `userIds` and announces it at commit. */
export async function publish(dbOrTx: Db | Tx, userIds: readonly string[], type: string, data: Record<string, unknown>): Promise<void> {
  const users = [...new Set(userIds)];
  if (!users.length) return;
  const batch = randomUUID();
  const json = JSON.stringify(data);
  await inTx(dbOrTx, async (tx) => {
    await tx.insertInto('event_log').values({ recipients: users, type, data: json, batch }).execute();
    const payload = users.length <= NAMED_USERS_MAX ? `${batch}:${users.join(',')}` : batch;
    await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${payload})`.execute(tx);
  });
}

/** Like publish, with each person's own data (e.g. their own notification id), as one batch. */
export async function publishEach(dbOrTx: Db | Tx, type: string, rows: readonly { userId: string; data: Record<string, unknown> }[]): Promise<void> {
  if (!rows.length) return;
  const batch = randomUUID();
  const users = [...new Set(rows.map((r) => r.userId))];
  const payload = users.length <= NAMED_USERS_MAX ? `${batch}:${users.join(',')}` : batch;
  // One statement: the rows and the NOTIFY (a data-modifying CTE always runs).
  await dbOrTx.with('ins', (q) => q.insertInto('event_log').values(rows.map((r) => ({ recipients: [r.userId], type, data: JSON.stringify(r.data), batch }))))
    .selectNoFrom(sql`pg_notify(${EVENTS_CHANNEL}, ${payload})`.as('n')).execute();
}

/** A live-update hint for whoever is looking at `topic` (e.g. 'patient:<id>'); sent at commit, not stored. */
export async function publishTopic(dbOrTx: Db | Tx, topic: string, event: TopicEvent): Promise<void> {
  const payload = JSON.stringify({ topic, event });
  if (payload.length > 7900) throw new Error('topic events must be small (NOTIFY payloads are limited to 8000 bytes)');
  await sql`SELECT pg_notify(${TOPICS_CHANNEL}, ${payload})`.execute(dbOrTx);
}

/** Parses an events NOTIFY payload: the batch, and its people when named. */
export function parseBatchPayload(payload: string): { batch: string; userIds: string[] | null } {
  const [batch, users] = payload.split(':');
  return { batch: batch!, userIds: users === undefined ? null : users.split(',') };
}
