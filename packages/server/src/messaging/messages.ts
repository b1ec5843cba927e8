/**
 * Messages in a thread: send (idempotent per sender and clientId), history paged by id and searchable, read
 * receipts. Every post is audited (with the patient when the thread is about one — the text never goes into the
 * audit log); reading a patient's thread is audited as access to that patient's data.
 */
import { AppError, badRequest, notFound } from '@yilian/core';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { fileAccess } from '../files/files.js';
import { isAudio, isImage } from '../files/types.js';
import { actorOf, type Caller } from '../http/context.js';
import { publish } from '../realtime/bus.js';
import { contains, FILE, MESSAGE, type Reader, type Tx } from './common.js';
import { markLinkRead, notify, withUnreadLink } from './notifications.js';
import { participantIds, threadFor, type CaseType, type ThreadRow } from './threads.js';

export const MESSAGE_KINDS = ['text', 'image', 'voice', 'file'] as const;
export interface MessageInput {
  kind: (typeof MESSAGE_KINDS)[number]; body?: string | null; fileId?: string | null; replyTo?: number | null; clientId: string;
}
export interface MessageView {
  id: number; threadId: string; senderId: string; senderName: string; kind: string; body: string | null;
  file: { id: string; size: number; contentType: string; name: string | null } | null;
  replyTo: number | null; reply: { id: number; senderName: string; kind: string; body: string | null } | null;
  clientId: string | null; createdAt: Date;
}

const threadLink = (threadId: string) => `/messages/${threadId}`;

/** What a case's own module does, in the same transaction, when someone posts in the case's thread. */
export type CaseMessageHook = (tx: Tx, caller: Caller, thread: ThreadRow, message: MessageView) => Promise<void>;
const caseMessageHooks = new Map<string, CaseMessageHook>();

/** Registers the hook of a case type (the case's module does this when it is loaded). */
export function onCaseMessage(caseType: CaseType, hook: CaseMessageHook) { caseMessageHooks.set(caseType, hook); }

async function viewsOf(db: Reader, where: { ids?: string[]; threadId?: string; before?: number; q?: string; limit?: number }): Promise<MessageView[]> {
  let sel = db.selectFrom('message as m').innerJoin('user_account as u', 'u.id', 'm.sender_id')
    .leftJoin('file_object as f', 'f.sha256', 'm.file_id')
    .leftJoin('message as r', 'r.id', 'm.reply_to').leftJoin('user_account as ru', 'ru.id', 'r.sender_id')
    .select(['m.id', 'm.thread_id', 'm.sender_id', 'u.display_name', 'm.kind', 'm.body', 'm.file_id', 'f.size', 'f.content_type', 'f.original_name',
      'm.reply_to', 'r.kind as reply_kind', 'ru.display_name as reply_sender', sql<string | null>`left(r.body, 100)`.as('reply_body'), 'm.client_id', 'm.created_at']);
  if (where.ids) sel = sel.where('m.id', 'in', where.ids);
  if (where.threadId) sel = sel.where('m.thread_id', '=', where.threadId);
  if (where.before) sel = sel.where('m.id', '<', String(where.before));
  if (where.q) sel = sel.where('m.body', 'ilike', contains(where.q));
  const rows = await sel.orderBy('m.id', 'desc').limit(where.limit ?? 1000).execute();
  return rows.map((r) => ({
    id: Number(r.id), threadId: r.thread_id, senderId: r.sender_id, senderName: r.display_name, kind: r.kind, body: r.body,
    file: r.file_id ? { id: r.file_id, size: Number(r.size), contentType: r.content_type!, name: r.original_name } : null,
    replyTo: r.reply_to === null ? null : Number(r.reply_to),
    reply: r.reply_to === null ? null : { id: Number(r.reply_to), senderName: r.reply_sender!, kind: r.reply_kind!, body: r.reply_body },
    clientId: r.client_id, createdAt: r.created_at,
  }));
}

const oneView = async (db: Reader, id: string) => (await viewsOf(db, { ids: [id] }))[0]!;

/** Checks what a message refers to: a file the sender may use, of the right kind; a reply in the same thread. */
async function checkReferences(tx: Tx, caller: Caller, threadId: string, input: MessageInput) {
  if (input.kind === 'text') {
    if (!input.body?.trim()) throw badRequest('body_required', '请输入消息内容', 'A text message needs a body', 'body');
    if (input.fileId) throw badRequest('unexpected_file', '文字消息不能附带文件', 'A text message carries no file', 'fileId');
  } else {
    if (!input.fileId) throw badRequest('file_required', '请先上传文件', 'Upload the file first and send its id', 'fileId');
    const file = await tx.selectFrom('file_object').select('content_type').where('sha256', '=', input.fileId).executeTakeFirst();
    // A file one may not read cannot be posted either (posting would hand it to the thread).
    if (!file || !(await fileAccess(tx, caller.userId, input.fileId)).allowed) throw notFound(FILE, 'fileId');
    if (input.kind === 'image' && !isImage(file.content_type)) throw badRequest('not_an_image', '该文件不是图片', 'The file is not an image', 'fileId');
    if (input.kind === 'voice' && !isAudio(file.content_type)) throw badRequest('not_audio', '该文件不是语音', 'The file is not audio', 'fileId');
  }
  if (input.replyTo) {
    const r = await tx.selectFrom('message').select('thread_id').where('id', '=', String(input.replyTo)).executeTakeFirst();
    if (!r || r.thread_id !== threadId) throw badRequest('reply_outside_thread', '回复的消息不在该会话中', 'The message replied to is not in this thread', 'replyTo');
  }
}

/**
 * Posts a message. A retry with the same clientId (from the same sender) returns the first message and
 * `created: false` — nothing is posted twice, whichever process the retry reaches.
 */
export async function sendMessage(db: Db, caller: Caller, threadId: string, input: MessageInput): Promise<{ message: MessageView; created: boolean }> {
  return db.transaction().execute(async (tx) => {
    const thread = await threadFor(tx, caller, threadId);
    const earlier = await tx.selectFrom('message').select(['id', 'thread_id']).where('sender_id', '=', caller.userId).where('client_id', '=', input.clientId).executeTakeFirst();
    if (earlier) return { message: await repeatOf(tx, earlier, threadId), created: false };
    await checkReferences(tx, caller, threadId, input);
    const inserted = await tx.insertInto('message').values({
      thread_id: threadId, sender_id: caller.userId, kind: input.kind, body: input.body?.trim() || null,
      file_id: input.fileId ?? null, reply_to: input.replyTo ?? null, client_id: input.clientId,
    }).onConflict((oc) => oc.columns(['sender_id', 'client_id']).doNothing()).returning('id').executeTakeFirst();
    if (!inserted) {
      // The same send arrived twice at once and the other one committed first.
      const other = await tx.selectFrom('message').select(['id', 'thread_id']).where('sender_id', '=', caller.userId).where('client_id', '=', input.clientId).executeTakeFirstOrThrow();
      return { message: await repeatOf(tx, other, threadId), created: false };
    }
    await tx.updateTable('thread').set({ last_message_at: new Date() }).where('id', '=', threadId).execute();
    // One's own message is read by oneself.
    await tx.updateTable('thread_participant').set({ last_read_message_id: inserted.id })
      .where('thread_id', '=', threadId).where('user_id', '=', caller.userId).execute();
    await audit(tx, actorOf(caller), {
      action: 'message.create', objectType: 'message', objectId: inserted.id, patientId: thread.patient_id,
      detail: { threadId, kind: input.kind, ...(input.fileId ? { fileId: input.fileId } : {}) },
    });
    const message = await oneView(tx, inserted.id);
    if (thread.case_type) await caseMessageHooks.get(thread.case_type)?.(tx, caller, thread, message);
    const everyone = await participantIds(tx, threadId);
    await publish(tx, everyone, 'message.created', message as unknown as Record<string, unknown>);
    await notifyOthers(tx, caller, thread, everyone.filter((u) => u !== caller.userId));
    // Whoever writes in a thread has seen it: their own new-message notification for it is done.
    await markLinkRead(tx, caller.userId, threadLink(thread.id));
    return { message, created: true };
  });
}

async function repeatOf(tx: Tx, earlier: { id: string; thread_id: string }, threadId: string) {
  if (earlier.thread_id !== threadId)
    throw new AppError(409, 'client_id_reused', '该 clientId 已用于另一个会话的消息', 'This clientId was already used for a message in another thread', 'clientId');
  return oneView(tx, earlier.id);
}

/** Tells the other participants, once per unread streak: one unread notification per thread is enough. */
async function notifyOthers(tx: Tx, caller: Caller, thread: ThreadRow, others: string[]) {
  const link = threadLink(thread.id);
  const already = await withUnreadLink(tx, others, link);
  const userIds = others.filter((u) => !already.has(u));
  if (!userIds.length) return;
  await notify(tx, {
    userIds, kind: 'message', link, caseType: thread.case_type, caseId: thread.case_id,
    title: { zh: `${caller.displayName} 发来新消息`, en: `New message from ${caller.displayName}` },
    // Never the message text, and for a thread about a patient not even its title (it may name the patient):
    // notifications also leave the platform by e-mail or SMS.
    body: thread.patient_id ? { zh: '患者讨论有新消息', en: 'New message in a patient discussion' }
      : thread.title ? { zh: `会话：${thread.title}`, en: `Thread: ${thread.title}` } : null,
  });
}

/** History, newest first, `limit` messages before message id `before`; `q` finds text. */
export async function listMessages(db: Db, caller: Caller, threadId: string, q: { before?: number; limit: number; q?: string }) {
  const thread = await threadFor(db, caller, threadId);
  const items = await viewsOf(db, { threadId, before: q.before, q: q.q, limit: q.limit + 1 });
  if (thread.patient_id)
    await audit(db, actorOf(caller), {
      action: 'thread.read', objectType: 'thread', objectId: threadId, patientId: thread.patient_id,
      detail: { count: Math.min(items.length, q.limit), ...(q.before ? { before: q.before } : {}), ...(q.q ? { search: true } : {}) },
    });
  return { items: items.slice(0, q.limit), hasMore: items.length > q.limit };
}

/** Read receipt: everything up to `messageId` is read by the caller; the other participants see it. */
export async function markRead(db: Db, caller: Caller, threadId: string, messageId: number) {
  return db.transaction().execute(async (tx) => {
    await threadFor(tx, caller, threadId);
    const m = await tx.selectFrom('message').select('id').where('id', '=', String(messageId)).where('thread_id', '=', threadId).executeTakeFirst();
    if (!m) throw notFound(MESSAGE, 'messageId');
    const moved = await tx.updateTable('thread_participant').set({ last_read_message_id: String(messageId) })
      .where('thread_id', '=', threadId).where('user_id', '=', caller.userId).where('last_read_message_id', '<', String(messageId))
      .returning('last_read_message_id').executeTakeFirst();
    if (moved) {
      await publish(tx, await participantIds(tx, threadId), 'message.read', { threadId, userId: caller.userId, messageId });
      await markLinkRead(tx, caller.userId, threadLink(threadId));
    }
    const state = await tx.selectFrom('thread_participant').select('last_read_message_id')
      .where('thread_id', '=', threadId).where('user_id', '=', caller.userId).executeTakeFirstOrThrow();
    const unread = await tx.selectFrom('message').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('thread_id', '=', threadId).where('id', '>', state.last_read_message_id).where('sender_id', '!=', caller.userId).executeTakeFirstOrThrow();
    return { threadId, lastReadMessageId: Number(state.last_read_message_id), unread: Number(unread.n) };
  });
}
