/**
 * This process's side of real time: the sockets connected here (the only in-memory state, and only this
 * process needs it), fed by the bus. On a batch NOTIFY it reads that batch's rows for the people connected here
 * and pushes them; on a topic NOTIFY it forwards the hint to the sockets subscribed to the topic.
 */
import { sql } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import { liveSessionIds } from '../auth/session.js';
import type { Config } from '../config.js';
import type { DbHandle } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { EVENTS_CHANNEL, parseBatchPayload, TOPICS_CHANNEL, type TopicEvent } from './bus.js';

/** One connected socket, as the hub sees it (the WebSocket route adapts a real socket to this). */
export interface Connection {
  caller: Caller;
  /** Topics this socket subscribed to. */
  topics: Set<string>;
  /** The highest event id sent on this socket. */
  lastId: number;
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** Replays a lower id inserted up to this long before the cursor's own event (ids may commit out of order). */
export const REPLAY_WINDOW_SECONDS = 10;
const REPLAY_PAGE = 500;

export interface EventFrame { type: 'event'; id: number; event: { type: string; data: unknown } }
/** Events addressed to this person (GIN index on recipients). */
const forUser = (userId: string) => sql<boolean>`recipients @> ARRAY[${userId}]::uuid[]`;
const frameOf = (r: { id: string | number; type: string; data: unknown }): EventFrame =>
  ({ type: 'event', id: Number(r.id), event: { type: r.type, data: r.data } });

export class Hub {
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly byTopic = new Map<string, Set<Connection>>();
  private readonly stops: (() => Promise<void>)[] = [];
  private timers: NodeJS.Timeout[] = [];
  /** Batches are handled one after another, in the order their transactions committed. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly handle: DbHandle, private readonly config: Config, private readonly log: FastifyBaseLogger) {}

  get connectionCount() { let n = 0; for (const s of this.byUser.values()) n += s.size; return n; }

  async start() {
    this.stops.push(await this.handle.listen(EVENTS_CHANNEL, (p) => this.enqueue(() => this.deliverBatch(p)), () => this.catchUpAll()));
    this.stops.push(await this.handle.listen(TOPICS_CHANNEL, (p) => this.deliverTopic(p)));
    // Sessions end (sign-out, deactivation, expiry) while sockets stay open: check them once a minute.
    const t = setInterval(() => { this.enqueue(() => this.checkSessions()); }, 60_000);
    t.unref();
    // Event-log rows past their retention are dropped (a client away longer reloads from the REST API).
    const prune = setInterval(() => { void this.prune(); }, 600_000);
    prune.unref();
    this.timers.push(t, prune);
  }

  async prune() {
    try {
      await sql`DELETE FROM event_log WHERE created_at < now() - make_interval(days => ${this.config.eventRetentionDays})`.execute(this.handle.db);
    } catch (err) { this.log.warn({ err }, 'event log pruning failed'); }
  }

  async stop() {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const stop of this.stops.splice(0)) await stop().catch(() => {});
    await this.queue;
  }

  private enqueue(f: () => Promise<void>) {
    this.queue = this.queue.then(f).catch((err) => this.log.error({ err }, 'realtime delivery failed'));
  }

  add(conn: Connection) {
    let set = this.byUser.get(conn.caller.userId);
    if (!set) this.byUser.set(conn.caller.userId, (set = new Set()));
    set.add(conn);
  }

  remove(conn: Connection) {
    const set = this.byUser.get(conn.caller.userId);
    set?.delete(conn);
    if (set && !set.size) this.byUser.delete(conn.caller.userId);
    for (const topic of conn.topics) this.unsubscribe(conn, topic);
  }

  subscribe(conn: Connection, topic: string) {
    conn.topics.add(topic);
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(conn);
  }

  unsubscribe(conn: Connection, topic: string) {
    conn.topics.delete(topic);
    const set = this.byTopic.get(topic);
    set?.delete(conn);
    if (set && !set.size) this.byTopic.delete(topic);
  }

  /** The newest event id of a person: where a fresh client's cursor starts. */
  async cursorOf(userId: string): Promise<number> {
    const r = await this.handle.db.selectFrom('event_log').select((eb) => eb.fn.max('id').as('id')).where(forUser(userId)).executeTakeFirst();
    return Number(r?.id ?? 0);
  }

  /**
   * Everything after `cursor`, plus the events with a lower id inserted shortly before the cursor's own event: a
   * transaction that took a lower id may have committed after the client saw the cursor. The client drops ids it
   * already has.
   */
  async replay(conn: Connection, cursor: number) {
    const userId = conn.caller.userId;
    const anchor = await this.handle.db.selectFrom('event_log').select('created_at')
      .where('id', '=', String(cursor)).where(forUser(userId)).executeTakeFirst();
    let after = anchor ? await this.firstIdSince(userId, anchor.created_at, cursor) : cursor;
    for (;;) {
      const rows = await this.handle.db.selectFrom('event_log').select(['id', 'type', 'data'])
        .where(forUser(userId)).where('id', '>', String(after)).orderBy('id').limit(REPLAY_PAGE).execute();
      for (const r of rows) this.sendEvent(conn, r);
      if (rows.length < REPLAY_PAGE) return;
      after = Number(rows.at(-1)!.id);
    }
  }

  /** The id just below the person's first event inserted within the replay window before `at`. */
  private async firstIdSince(userId: string, at: Date, cursor: number): Promise<number> {
    const r = await sql<{ id: string | null }>`SELECT min(id) AS id FROM event_log
      WHERE recipients @> ARRAY[${userId}]::uuid[] AND id <= ${cursor} AND created_at > ${at}::timestamptz - make_interval(secs => ${REPLAY_WINDOW_SECONDS})`.execute(this.handle.db);
    const first = r.rows[0]?.id;
    return first ? Number(first) - 1 : cursor;
  }

  private sendEvent(conn: Connection, r: { id: string | number; type: string; data: unknown }) {
    conn.send(JSON.stringify(frameOf(r)));
    conn.lastId = Math.max(conn.lastId, Number(r.id));
  }

  private async deliverBatch(payload: string) {
    const { batch, userIds } = parseBatchPayload(payload);
    if (userIds && !userIds.some((u) => this.byUser.has(u))) return;
    if (!this.byUser.size) return;
    const rows = await this.handle.db.selectFrom('event_log').select(['id', 'recipients', 'type', 'data']).where('batch', '=', batch).execute();
    for (const r of rows) {
      let text: string | undefined; // serialised once per event, whatever the number of sockets
      for (const userId of r.recipients) {
        const conns = this.byUser.get(userId);
        if (!conns) continue;
        text ??= JSON.stringify(frameOf(r));
        for (const c of conns) { c.send(text); c.lastId = Math.max(c.lastId, Number(r.id)); }
      }
    }
  }

  private deliverTopic(payload: string) {
    let msg: { topic: string; event: TopicEvent };
    try { msg = JSON.parse(payload); } catch { return; }
    const conns = this.byTopic.get(msg.topic);
    if (!conns) return;
    const text = JSON.stringify({ type: 'topic', topic: msg.topic, event: msg.event });
    for (const c of conns) c.send(text);
  }

  /** After the listening connection was lost: every socket replays from the last id it was sent. */
  private catchUpAll() {
    this.enqueue(async () => {
      for (const set of this.byUser.values()) for (const c of set) await this.replay(c, c.lastId);
    });
  }

  /** Closes (4401) the sockets whose session has ended: signed out, revoked, expired, or the account deactivated. */
  async checkSessions() {
    const conns = [...this.byUser.values()].flatMap((s) => [...s]);
    if (!conns.length) return;
    const live = await liveSessionIds(this.handle.db, this.config, [...new Set(conns.map((c) => c.caller.sessionId))]);
    for (const c of conns) if (!live.has(c.caller.sessionId)) c.close(4401, 'session ended');
  }
}
