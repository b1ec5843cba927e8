/**
 * Shared pieces of quick online consults (移动问诊): the steps as data, loading, who the caller is to a consult,
 * the view, the system line written into the chat and the notice to the other side.
 */
import { AppError, forbidden, notFound, QUICK_CONSULT_STATE_LABELS, quickConsultActions, type QuickConsultAction, type QuickConsultState } from '@yilian/core';
import type { Db, Reader, Tx } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { notify, type Bilingual } from '../messaging/notifications.js';
import { participantIds } from '../messaging/threads.js';
import { publish } from '../realtime/bus.js';

export const QUICK_CONSULT = { zh: '移动问诊', en: 'Quick consult' };

// The steps (QUICK_CONSULT_TRANSITIONS) live in @yilian/core, shared with the web app.
export { QUICK_CONSULT_ACTIONS, QUICK_CONSULT_TRANSITIONS, type QuickConsultAction } from '@yilian/core';

export type QuickConsultRow = Awaited<ReturnType<typeof loadQuickConsult>>;

export async function loadQuickConsult(db: Reader, id: string, lock = false) {
  let q = db.selectFrom('quick_consult').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(QUICK_CONSULT, 'id');
  return row;
}

export const sideOf = (caller: Caller, q: { asker_user_id: string; expert_user_id: string }): 'asker' | 'expert' | null =>
  caller.userId === q.asker_user_id ? 'asker' : caller.userId === q.expert_user_id ? 'expert' : null;

/** Only the two doctors of a quick consult see it. */
export function assertParticipant(caller: Caller, q: QuickConsultRow): 'asker' | 'expert' {
  const side = sideOf(caller, q);
  if (!side) throw new AppError(403, 'not_participant', '您不是该问诊的参与者', 'You do not take part in this quick consult', 'id');
  return side;
}

export function allowedActions(caller: Caller, q: QuickConsultRow): QuickConsultAction[] {
  const side = sideOf(caller, q);
  return side ? quickConsultActions(side, q.status as QuickConsultState) : [];
}

/** The refusal of a step the state does not allow (409 naming the current state). */
export const invalidTransition = (status: string, action: string) => {
  const label = QUICK_CONSULT_STATE_LABELS[status as QuickConsultState] ?? { zh: status, en: status };
  return new AppError(409, 'invalid_transition', `问诊当前为“${label.zh}”，不能执行该操作（${action}）`,
    `The quick consult is ${label.en.toLowerCase()}; ${action} is not possible now`, 'action', { status, action });
};

/** WZ + China-time date + a 4-digit number of the day. */
export async function nextCode(tx: Tx, now = new Date()): Promise<string> {
  const day = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const prefix = `WZ${day}`;
  const last = await tx.selectFrom('quick_consult').select('code').where('code', 'like', `${prefix}%`).orderBy('code', 'desc').limit(1).executeTakeFirst();
  return `${prefix}${String((last ? Number(last.code.slice(prefix.length)) : 0) + 1).padStart(4, '0')}`;
}

/**
 * A line in the consult's chat saying what happened (message kind `system`, sent as the actor). Its body is the
 * line in both languages as JSON (`{"zh":…,"en":…}`), for the chat to show the reader's.
 */
export async function systemLine(tx: Tx, caller: Caller, threadId: string, text: Bilingual) {
  const body = JSON.stringify(text);
  const m = await tx.insertInto('message').values({ thread_id: threadId, sender_id: caller.userId, kind: 'system', body })
    .returning(['id', 'created_at']).executeTakeFirstOrThrow();
  await tx.updateTable('thread').set({ last_message_at: m.created_at }).where('id', '=', threadId).execute();
  await publish(tx, await participantIds(tx, threadId), 'message.created', {
    id: Number(m.id), threadId, senderId: caller.userId, senderName: caller.displayName, kind: 'system', body, file: null,
    replyTo: null, reply: null, clientId: null, createdAt: m.created_at,
  });
}

/** Tells the other side (no patient data: the code and what happened) and refreshes both sides' lists. */
export async function quickConsultNotice(tx: Tx, q: { id: string; code: string; status: string; asker_user_id: string; expert_user_id: string }, actorId: string, title: Bilingual) {
  const other = actorId === q.asker_user_id ? q.expert_user_id : q.asker_user_id;
  await notify(tx, {
    userIds: [other], kind: 'quick_consult', title, body: { zh: `问诊号 ${q.code}`, en: `Quick consult ${q.code}` },
    link: `/quick-consults/${q.id}`, caseType: 'quick_consult', caseId: q.id,
  });
  await publish(tx, [q.asker_user_id, q.expert_user_id], 'quick_consult.updated', { id: q.id, status: q.status });
}
