/**
 * Chat threads (会话): direct between two practitioners, or attached to a case (a consultation, a referral, a study,
 * a patient). Only participants read or post. A case thread about a patient carries the patient's id, so reading
 * it is audited as patient-data access.
 */
import { AppError, badRequest, forbidden, grantFor, notFound, type Role } from '@yilian/core';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Actor, type Caller } from '../http/context.js';
import { can } from '../policy/policy.js';
import { publish, publishTopic } from '../realtime/bus.js';
import { contains, inTx, THREAD, type Reader, type Tx } from './common.js';

export const CASE_TYPES = ['consultation', 'referral', 'study', 'patient', 'quick_consult'] as const;
export type CaseType = (typeof CASE_TYPES)[number];

export interface ThreadRow {
  id: string; kind: 'direct' | 'case'; case_type: string | null; case_id: string | null; patient_id: string | null;
  title: string | null; created_by: string; created_at: Date; last_message_at: Date | null;
}

export async function isParticipant(db: Reader, threadId: string, userId: string): Promise<boolean> {
  return !!(await db.selectFrom('thread_participant').select('user_id').where('thread_id', '=', threadId).where('user_id', '=', userId).executeTakeFirst());
}

export async function participantIds(db: Reader, threadId: string): Promise<string[]> {
  return (await db.selectFrom('thread_participant').select('user_id').where('thread_id', '=', threadId).execute()).map((r) => r.user_id);
}

/** The thread, for one of its participants: 404 when unknown, 403 when the caller does not take part. */
export async function threadFor(db: Reader, caller: Caller, threadId: string): Promise<ThreadRow> {
  const t = await db.selectFrom('thread').select(['id', 'kind', 'case_type', 'case_id', 'patient_id', 'title', 'created_by', 'created_at', 'last_message_at'])
    .where('id', '=', threadId).executeTakeFirst();
  if (!t) throw notFound(THREAD, 'id');
  if (!(await isParticipant(db, threadId, caller.userId)))
    throw forbidden('您不是该会话的成员', 'You are not a participant of this thread', { threadId });
  return t as ThreadRow;
}

/** Accounts that can take part in chat: they exist, are active, and hold a role allowed to message. */
async function ensureMessageable(db: Reader, userIds: readonly string[], field: string) {
  if (!userIds.length) return;
  const rows = await db.selectFrom('user_account').innerJoin('user_role', 'user_role.user_id', 'user_account.id')
    .select(['user_account.id', 'user_account.active', 'user_role.role']).where('user_account.id', 'in', [...userIds]).execute();
  for (const [i, id] of userIds.entries()) {
    const mine = rows.filter((r) => r.id === id);
    if (!mine.length) throw notFound({ zh: '用户', en: 'User' }, `${field}.${i}`);
    if (!mine[0]!.active || !mine.some((r) => grantFor(r.role as Role, 'message.use')))
      throw badRequest('not_messageable', '该用户不能参与会话（已停用或无消息权限）', 'This person cannot take part in messaging (inactive or not allowed)', `${field}.${i}`);
  }
}

async function addParticipants(tx: Tx, threadId: string, userIds: readonly string[]) {
  if (!userIds.length) return;
  await tx.insertInto('thread_participant').values(userIds.map((user_id) => ({ thread_id: threadId, user_id })))
    .onConflict((oc) => oc.columns(['thread_id', 'user_id']).doNothing()).execute();
}

/** The direct thread between the caller and another person: the existing one, or a new one. */
export async function openDirectThread(db: Db, caller: Caller, otherUserId: string): Promise<{ thread: ThreadView; created: boolean }> {
  if (otherUserId === caller.userId) throw badRequest('self_thread', '不能与自己建立会话', 'You cannot open a thread with yourself', 'userIds.0');
  const key = [caller.userId, otherUserId].sort().join(':');
  const result = await db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom('thread').select('id').where('direct_key', '=', key).executeTakeFirst();
    if (existing) return { id: existing.id, created: false };
    await ensureMessageable(tx, [otherUserId], 'userIds');
    // Two people opening it at the same moment: the unique key lets one insert win, the other finds it.
    const inserted = await tx.insertInto('thread').values({ kind: 'direct', direct_key: key, created_by: caller.userId })
      .onConflict((oc) => oc.column('direct_key').doNothing()).returning('id').executeTakeFirst();
    if (!inserted) return { id: (await tx.selectFrom('thread').select('id').where('direct_key', '=', key).executeTakeFirstOrThrow()).id, created: false };
    await addParticipants(tx, inserted.id, [caller.userId, otherUserId]);
    await audit(tx, actorOf(caller), { action: 'thread.create', objectType: 'thread', objectId: inserted.id, detail: { kind: 'direct' } });
    await publish(tx, [caller.userId, otherUserId], 'thread.created', { threadId: inserted.id });
    return { id: inserted.id, created: true };
  });
  return { thread: await getThread(db, caller, result.id), created: result.created };
}

export interface CaseThreadInput {
  caseType: CaseType; caseId: string; patientId?: string | null; title: string; userIds: readonly string[];
}

/**
 * The thread of a case, created with its participants on first use (for workflows: referral, consultation …).
 * An existing thread gets the listed people added. Runs in the caller's transaction when given one.
 */
export async function ensureCaseThread(dbOrTx: Reader, actor: Actor & { userId: string }, input: CaseThreadInput): Promise<{ id: string; created: boolean }> {
  return inTx(dbOrTx, async (tx) => {
    const patientId = input.caseType === 'patient' ? input.caseId : input.patientId ?? null;
    const users = [...new Set([actor.userId, ...input.userIds])];
    const found = await tx.selectFrom('thread').select('id').where('case_type', '=', input.caseType).where('case_id', '=', input.caseId).executeTakeFirst();
    let id = found?.id;
    let created = false;
    if (!id) {
      const inserted = await tx.insertInto('thread').values({
        kind: 'case', case_type: input.caseType, case_id: input.caseId, patient_id: patientId, title: input.title, created_by: actor.userId,
      }).onConflict((oc) => oc.columns(['case_type', 'case_id']).doNothing()).returning('id').executeTakeFirst();
      id = inserted?.id ?? (await tx.selectFrom('thread').select('id').where('case_type', '=', input.caseType).where('case_id', '=', input.caseId).executeTakeFirstOrThrow()).id;
      created = !!inserted;
    }
    const before = new Set(await participantIds(tx, id));
    const added = users.filter((u) => !before.has(u));
    await addParticipants(tx, id, added);
    if (created) await audit(tx, actor, { action: 'thread.create', objectType: 'thread', objectId: id, patientId, detail: { kind: 'case', caseType: input.caseType, caseId: input.caseId } });
    if (added.length) await publish(tx, added, 'thread.created', { threadId: id });
    return { id, created };
  });
}

/** POST /threads {kind:'case'}: the caller must be able to see the patient the case is about. */
export async function openCaseThread(db: Db, caller: Caller, input: CaseThreadInput): Promise<{ thread: ThreadView; created: boolean }> {
  const patientId = input.caseType === 'patient' ? input.caseId : input.patientId ?? null;
  const result = await db.transaction().execute(async (tx) => {
    if (patientId) {
      const field = input.caseType === 'patient' ? 'caseId' : 'patientId';
      if (!(await tx.selectFrom('patient').select('id').where('id', '=', patientId).executeTakeFirst())) throw notFound({ zh: '患者', en: 'Patient' }, field);
      if (!can(caller, 'patient.read', { patientId })) throw forbidden('无权查看该患者', 'You may not see this patient', { patientId });
    }
    const existing = await tx.selectFrom('thread').select('id').where('case_type', '=', input.caseType).where('case_id', '=', input.caseId).executeTakeFirst();
    // Someone else's case thread is joined through its participants, not by naming the case.
    if (existing && !(await isParticipant(tx, existing.id, caller.userId)))
      throw forbidden('该病例会话已存在，请由其成员邀请加入', 'This case already has a thread; ask a participant to add you', { threadId: existing.id });
    await ensureMessageable(tx, input.userIds, 'userIds');
    return ensureCaseThread(tx, actorOf(caller) as Actor & { userId: string }, input);
  });
  return { thread: await getThread(db, caller, result.id), created: result.created };
}

/** Adds a person to a case thread (a direct thread stays between its two people). */
export async function addParticipant(db: Db, caller: Caller, threadId: string, userId: string) {
  await db.transaction().execute(async (tx) => {
    const t = await threadFor(tx, caller, threadId);
    if (t.kind === 'direct') throw new AppError(409, 'direct_thread', '私聊会话不能添加成员，请新建病例会话', 'A direct thread stays between two people; start a case thread instead', 'userId');
    if (await isParticipant(tx, threadId, userId)) return;
    await ensureMessageable(tx, [userId], 'userId');
    const before = await participantIds(tx, threadId);
    await addParticipants(tx, threadId, [userId]);
    await audit(tx, actorOf(caller), { action: 'thread.add_participant', objectType: 'thread', objectId: threadId, patientId: t.patient_id, detail: { userId } });
    await publish(tx, [userId], 'thread.created', { threadId });
    await publish(tx, before, 'thread.updated', { threadId, added: userId });
    await publishTopic(tx, `thread:${threadId}`, { type: 'thread.updated' });
  });
  return getThread(db, caller, threadId);
}

export interface ParticipantView { userId: string; displayName: string; lastReadMessageId: number }
export interface LastMessage { id: number; senderId: string; senderName: string; kind: string; body: string | null; createdAt: Date }
export interface ThreadView {
  id: string; kind: 'direct' | 'case'; caseType: string | null; caseId: string | null; patientId: string | null; title: string | null;
  createdAt: Date; lastMessageAt: Date | null; lastMessage: LastMessage | null; unread: number; participants: ParticipantView[];
}

async function participantsOf(db: Reader, threadIds: string[]) {
  if (!threadIds.length) return [];
  return db.selectFrom('thread_participant').innerJoin('user_account', 'user_account.id', 'thread_participant.user_id')
    .select(['thread_participant.thread_id', 'thread_participant.user_id', 'thread_participant.last_read_message_id', 'user_account.display_name'])
    .where('thread_participant.thread_id', 'in', threadIds).orderBy('thread_participant.joined_at').execute();
}

async function lastMessagesOf(db: Reader, threadIds: string[]) {
  if (!threadIds.length) return [];
  return (await sql<{ thread_id: string; id: string; sender_id: string; display_name: string; kind: string; body: string | null; created_at: Date }>`
    SELECT t.id AS thread_id, m.id, m.sender_id, u.display_name, m.kind, left(m.body, 100) AS body, m.created_at
    FROM unnest(${threadIds}::uuid[]) AS t(id)
    JOIN LATERAL (SELECT * FROM message WHERE thread_id = t.id ORDER BY id DESC LIMIT 1) m ON true
    JOIN user_account u ON u.id = m.sender_id`.execute(db)).rows;
}

/** Messages in a thread after `lastRead` not sent by `userId`. */
const unreadCount = (userId: string) =>
  sql<string>`(SELECT count(*) FROM message m WHERE m.thread_id = thread.id AND m.id > thread_participant.last_read_message_id AND m.sender_id <> ${userId})`;

async function viewsOf(db: Reader, userId: string, rows: (ThreadRow & { unread: string | number })[]): Promise<ThreadView[]> {
  const ids = rows.map((r) => r.id);
  const [people, last] = await Promise.all([participantsOf(db, ids), lastMessagesOf(db, ids)]);
  return rows.map((t) => {
    const m = last.find((x) => x.thread_id === t.id);
    return {
      id: t.id, kind: t.kind, caseType: t.case_type, caseId: t.case_id, patientId: t.patient_id, title: t.title,
      createdAt: t.created_at, lastMessageAt: t.last_message_at, unread: Number(t.unread),
      lastMessage: m ? { id: Number(m.id), senderId: m.sender_id, senderName: m.display_name, kind: m.kind, body: m.body, createdAt: m.created_at } : null,
      participants: people.filter((p) => p.thread_id === t.id)
        .map((p) => ({ userId: p.user_id, displayName: p.display_name, lastReadMessageId: Number(p.last_read_message_id) })),
    };
  });
}

const threadColumns = ['thread.id', 'thread.kind', 'thread.case_type', 'thread.case_id', 'thread.patient_id', 'thread.title',
  'thread.created_by', 'thread.created_at', 'thread.last_message_at'] as const;

/** The caller's threads, most recent activity first; `q` matches the title or a participant's name. */
export async function listThreads(db: Db, caller: Caller, q: { q?: string; limit: number; offset: number }) {
  let sel = db.selectFrom('thread_participant').innerJoin('thread', 'thread.id', 'thread_participant.thread_id')
    .where('thread_participant.user_id', '=', caller.userId);
  if (q.q) {
    const pattern = contains(q.q);
    sel = sel.where((eb) => eb.or([
      eb('thread.title', 'ilike', pattern),
      eb.exists(eb.selectFrom('thread_participant as other').innerJoin('user_account', 'user_account.id', 'other.user_id')
        .select('other.user_id').whereRef('other.thread_id', '=', 'thread.id').where('other.user_id', '!=', caller.userId)
        .where('user_account.display_name', 'ilike', pattern)),
    ]));
  }
  const [rows, total, unread] = await Promise.all([
    sel.select([...threadColumns, unreadCount(caller.userId).as('unread')])
      .orderBy(sql`coalesce(thread.last_message_at, thread.created_at)`, 'desc').orderBy('thread.id').limit(q.limit).offset(q.offset).execute(),
    sel.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('thread_participant').innerJoin('thread', 'thread.id', 'thread_participant.thread_id')
      .where('thread_participant.user_id', '=', caller.userId).select(sql<string>`coalesce(sum(${unreadCount(caller.userId)}), 0)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(total.n), unreadTotal: Number(unread.n), items: await viewsOf(db, caller.userId, rows as never) };
}

export async function getThread(db: Reader, caller: Caller, threadId: string): Promise<ThreadView> {
  await threadFor(db, caller, threadId);
  const row = await db.selectFrom('thread_participant').innerJoin('thread', 'thread.id', 'thread_participant.thread_id')
    .select([...threadColumns, unreadCount(caller.userId).as('unread')])
    .where('thread_participant.user_id', '=', caller.userId).where('thread.id', '=', threadId).executeTakeFirstOrThrow();
  return (await viewsOf(db, caller.userId, [row as never]))[0]!;
}
