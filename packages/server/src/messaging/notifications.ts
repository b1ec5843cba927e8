/**
 * The notification centre (通知中心): every workflow event addressed to a person becomes a notification row, is
 * pushed to their open tabs at commit, and is queued for the outbound notifiers (e-mail, SMS …) of the channels
 * the person has an address for. Workflows call `notify` inside their own transaction.
 */
import { maskPhone, notFound } from '@yilian/core';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { publish, publishEach } from '../realtime/bus.js';
import { inTx, type Reader, type Tx } from './common.js';

export const OUTBOUND_CHANNEL = 'yl_outbound';

export interface Bilingual { zh: string; en: string }
export interface NotificationInput {
  userIds: readonly string[];
  /** What happened, for grouping and icons: 'message', 'account', 'patient_merge', later 'referral', 'consultation' … */
  kind: string;
  title: Bilingual;
  body?: Bilingual | null;
  /** Where the web app takes the person: a path such as '/messages/<threadId>'. */
  link?: string | null;
  caseType?: string | null; caseId?: string | null;
  /** Also send through the outbound notifiers (default true). */
  outbound?: boolean;
}

export interface NotificationView {
  id: number; kind: string; title: Bilingual; body: Bilingual | null; link: string | null;
  caseType: string | null; caseId: string | null; createdAt: Date; readAt: Date | null;
}

type Row = {
  id: string; kind: string; title_zh: string; title_en: string; body_zh: string | null; body_en: string | null; link: string | null;
  case_type: string | null; case_id: string | null; created_at: Date; read_at: Date | null;
};
const viewOf = (r: Row): NotificationView => ({
  id: Number(r.id), kind: r.kind, title: { zh: r.title_zh, en: r.title_en },
  body: r.body_zh === null ? null : { zh: r.body_zh, en: r.body_en ?? r.body_zh }, link: r.link,
  caseType: r.case_type, caseId: r.case_id, createdAt: r.created_at, readAt: r.read_at,
});

/**
 * Notifies people, in the caller's transaction (or a new one). Keep patient data out of title and body: they also
 * go out by e-mail or SMS, which are not the platform's to protect; the link leads to the case behind a sign-in.
 */
export async function notify(dbOrTx: Reader, input: NotificationInput): Promise<NotificationView[]> {
  const userIds = [...new Set(input.userIds)];
  if (!userIds.length) return [];
  return inTx(dbOrTx, async (tx) => {
    const rows = await tx.insertInto('notification').values(userIds.map((user_id) => ({
      user_id, kind: input.kind, title_zh: input.title.zh, title_en: input.title.en,
      body_zh: input.body?.zh ?? null, body_en: input.body?.en ?? null, link: input.link ?? null,
      case_type: input.caseType ?? null, case_id: input.caseId ?? null,
    }))).returningAll().execute();
    const views = rows.map(viewOf);
    await publishEach(tx, 'notification.created', rows.map((r, i) => ({ userId: r.user_id, data: views[i] as unknown as Record<string, unknown> })));
    if (input.outbound !== false) await queueOutbound(tx, rows.map((r) => ({ id: r.id, userId: r.user_id })), input);
    return views;
  });
}

/** One outbound row per person and channel they have an address for; the dispatcher sends them after commit. */
async function queueOutbound(tx: Tx, notes: { id: string; userId: string }[], input: NotificationInput) {
  const subject = `【医联】${input.title.zh}`;
  const body = [input.title.zh, input.body?.zh, input.title.en, input.body?.en, input.link].filter(Boolean).join('\n');
  const sms = [`【医联】${input.title.zh}`, input.body?.zh].filter(Boolean).join('：');
  // One statement: an e-mail and/or SMS row per person with such an address, and the NOTIFY when any was queued.
  const pairs = sql.join(notes.map((n) => sql`(${n.id}::bigint, ${n.userId}::uuid)`));
  await sql`
    WITH n(notification_id, user_id) AS (VALUES ${pairs}),
    ins AS (
      INSERT INTO outbound_message (notification_id, channel, recipient, subject, body)
      SELECT n.notification_id, c.channel, c.recipient, c.subject, c.body
      FROM n JOIN user_account u ON u.id = n.user_id LEFT JOIN practitioner p ON p.id = u.practitioner_id
      CROSS JOIN LATERAL (VALUES ('email', u.email, ${subject}::text, ${body}::text),
                                 ('sms', coalesce(u.phone, p.phone), NULL::text, ${sms}::text)) AS c(channel, recipient, subject, body)
      WHERE c.recipient IS NOT NULL AND c.recipient <> ''
      RETURNING 1
    )
    SELECT pg_notify(${OUTBOUND_CHANNEL}, '') FROM (SELECT 1 FROM ins LIMIT 1) x`.execute(tx);
}

export async function listNotifications(db: Db, caller: Caller, q: { unread?: boolean; limit: number; offset: number }) {
  let sel = db.selectFrom('notification').where('user_id', '=', caller.userId);
  if (q.unread) sel = sel.where('read_at', 'is', null);
  const [rows, total, unread] = await Promise.all([
    sel.selectAll().orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
    sel.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('notification').select((eb) => eb.fn.countAll<string>().as('n')).where('user_id', '=', caller.userId).where('read_at', 'is', null).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(total.n), unread: Number(unread.n), items: rows.map(viewOf) };
}

/** Marks one of the caller's notifications read (404 for someone else's: their existence is not revealed). */
export async function markNotificationRead(db: Db, caller: Caller, id: number) {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('notification').select(['id', 'read_at']).where('id', '=', String(id)).where('user_id', '=', caller.userId).executeTakeFirst();
    if (!row) throw notFound({ zh: '通知', en: 'Notification' }, 'id');
    if (!row.read_at) {
      await tx.updateTable('notification').set({ read_at: new Date() }).where('id', '=', String(id)).execute();
      await publish(tx, [caller.userId], 'notification.read', { ids: [id] });
    }
    return { id, read: true };
  });
}

export async function markAllNotificationsRead(db: Db, caller: Caller) {
  return db.transaction().execute(async (tx) => {
    const rows = await tx.updateTable('notification').set({ read_at: new Date() })
      .where('user_id', '=', caller.userId).where('read_at', 'is', null).returning('id').execute();
    if (rows.length) await publish(tx, [caller.userId], 'notification.read', { ids: rows.map((r) => Number(r.id)) });
    return { marked: rows.length };
  });
}

/** Marks read a person's unread notifications that lead to `link` (e.g. a thread they have just read). */
export async function markLinkRead(tx: Tx, userId: string, link: string) {
  const rows = await tx.updateTable('notification').set({ read_at: new Date() })
    .where('user_id', '=', userId).where('link', '=', link).where('read_at', 'is', null).returning('id').execute();
  if (rows.length) await publish(tx, [userId], 'notification.read', { ids: rows.map((r) => Number(r.id)) });
}

/** Who among `userIds` already has an unread notification leading to `link` (not notified again). */
export async function withUnreadLink(tx: Reader, userIds: readonly string[], link: string): Promise<Set<string>> {
  if (!userIds.length) return new Set();
  const rows = await tx.selectFrom('notification').select('user_id').distinct()
    .where('user_id', 'in', [...userIds]).where('link', '=', link).where('read_at', 'is', null).execute();
  return new Set(rows.map((r) => r.user_id));
}

/** e-mail: first letter and domain (z***@example.com); phone: 139****5678. */
export const maskRecipient = (channel: string, r: string) =>
  channel === 'email' ? r.replace(/^(.)[^@]*(@.*)$/, '$1***$2') : channel === 'sms' ? maskPhone(r) ?? '' : r.replace(/^(.{2}).*(.{2})$/, '$1***$2');

export async function listOutbound(db: Db, q: { status?: string; channel?: string; limit: number; offset: number }) {
  let sel = db.selectFrom('outbound_message');
  if (q.status) sel = sel.where('status', '=', q.status);
  if (q.channel) sel = sel.where('channel', '=', q.channel);
  const [rows, total] = await Promise.all([
    sel.selectAll().orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
    sel.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      id: Number(r.id), notificationId: r.notification_id === null ? null : Number(r.notification_id), channel: r.channel,
      recipient: maskRecipient(r.channel, r.recipient), subject: r.subject, status: r.status, attempts: r.attempts, error: r.error,
      createdAt: r.created_at, sentAt: r.sent_at,
    })),
  };
}
