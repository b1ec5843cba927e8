/**
 * One step of the referral state machine (REFERRAL_TRANSITIONS in @yilian/core): who may take it, what it needs,
 * and its effects — in one transaction with its history row, audit entry, notices and live updates.
 */
import { bookInTransaction } from '../scheduling/scheduling.js';
import { badRequest, conflict, forbidden, notFound, REFERRAL_TRANSITIONS, referralTransition, type ReferralAction, type ReferralState } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db, Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { ensureCaseThread } from '../messaging/threads.js';
import { authorize } from '../policy/policy.js';
import { createEntry } from '../record/entries.js';
import {
  announceReferral, cstDatePlus, event, isActor, loadReferral, officeUsers, patientAccounts, proposedTasks, referralNotice, referralView, type ReferralRow,
} from './common.js';

export interface ActionInput {
  version: number; reason?: string | null; assigneeUserId?: string; toInstitutionId?: string; toDepartmentId?: string | null;
  slotId?: string; summary?: string;
}

const NEED_FIELD = { reason: 'reason', assignee: 'assigneeUserId', target: 'toInstitutionId', booking: 'slotId', summary: 'summary' } as const;

export async function actReferral(db: Db, caller: Caller, id: string, action: ReferralAction, input: ActionInput) {
  const r = await db.transaction().execute(async (tx) => applyAction(tx, caller, await loadReferral(tx, id, true), action, input));
  return referralView(r);
}

/** Applies `action` to the (locked) referral: side check (403), legal state (409), version (409), needs (400), effects. */
export async function applyAction(tx: Tx, caller: Caller, r: ReferralRow, action: ReferralAction, input: ActionInput): Promise<ReferralRow> {
  const t = REFERRAL_TRANSITIONS[action];
  if (t.actor === 'sending_office') authorize(caller, 'referral.office', { institutionId: r.from_institution_id });
  if (t.actor === 'receiving_office') authorize(caller, 'referral.office', { institutionId: r.to_institution_id });
  if (!isActor(caller, r, t.actor))
    throw forbidden(`只有${ACTOR_ZH[t.actor]}可以执行此操作`, `Only the ${t.actor.replace('_', ' ')} may do this`, { action, actor: t.actor });
  if (!referralTransition(r.status as ReferralState, action))
    throw conflict('invalid_transition', `转诊单当前状态（${r.status}）不允许“${t.label.zh}”`, `“${t.label.en}” is not possible while the referral is ${r.status}`, 'action', { status: r.status });
  if (r.version !== input.version)
    throw conflict('version_conflict', '转诊单已被他人处理，请刷新后重试', 'The referral was changed meanwhile; reload and retry', 'version', { version: r.version });
  for (const need of t.needs ?? []) {
    const field = NEED_FIELD[need];
    const v = input[field];
    if (v === undefined || v === null || (typeof v === 'string' && !v.trim()))
      throw badRequest('missing_field', `此操作须填写 ${field}`, `This step needs ${field}`, field);
  }

  const set: Record<string, unknown> = {};
  let detail: Record<string, unknown> | undefined;
  const notices: { users: string[]; zh: string; en: string }[] = [];
  const author = [r.created_by];

  switch (action) {
    case 'submit': {
      const thread = await ensureCaseThread(tx, { ...actorOf(caller), userId: caller.userId }, { caseType: 'referral', caseId: r.id, patientId: r.patient_id, title: `转诊 ${r.code}`, userIds: [] });
      set.thread_id = thread.id;
      notices.push({ users: await officeUsers(tx, r.from_institution_id), zh: '有转诊申请待审核', en: 'A referral awaits your review' });
      break;
    }
    case 'sender_approve':
      notices.push({ users: await officeUsers(tx, r.to_institution_id), zh: '有转入申请待审核', en: 'An incoming referral awaits your review' });
      notices.push({ users: author, zh: '转诊申请已通过本院审核', en: 'Your referral was approved by your office' });
      break;
    case 'sender_return':
      notices.push({ users: author, zh: '转诊申请被退回修改', en: 'Your referral was returned for changes' });
      break;
    case 'receiver_approve': {
      const assignee = await tx.selectFrom('user_account as u').innerJoin('user_role as ur', 'ur.user_id', 'u.id')
        .select(['u.id', 'u.practitioner_id']).where('u.id', '=', input.assigneeUserId!).where('u.active', '=', true)
        .where('ur.institution_id', '=', r.to_institution_id).where('ur.role', 'in', ['doctor', 'dept_head', 'family_doctor']).executeTakeFirst();
      if (!assignee) throw badRequest('assignee_not_here', '被指派的医生不在接收机构执业', 'The assignee is not a doctor of the receiving institution', 'assigneeUserId');
      set.assigned_user_id = assignee.id;
      set.assigned_practitioner_id = assignee.practitioner_id;
      await careRelation(tx, r, r.to_institution_id);
      if (r.thread_id) await ensureCaseThread(tx, { ...actorOf(caller), userId: caller.userId }, { caseType: 'referral', caseId: r.id, patientId: r.patient_id, title: `转诊 ${r.code}`, userIds: [assignee.id, r.created_by] });
      detail = { assigneeUserId: assignee.id };
      notices.push({ users: [assignee.id], zh: '您被指派接诊一位转诊患者', en: 'You were assigned a referred patient' });
      notices.push({ users: author, zh: '接收机构已同意接收转诊', en: 'The receiving institution agreed to take the referral' });
      break;
    }
    case 'forward': {
      const target = input.toInstitutionId!;
      if (target === r.to_institution_id || target === r.from_institution_id)
        throw badRequest('same_institution', '须转往另一家机构', 'Forward to another institution', 'toInstitutionId');
      const inst = await tx.selectFrom('institution').select(['id', 'active']).where('id', '=', target).executeTakeFirst();
      if (!inst?.active) throw notFound({ zh: '接收机构', en: 'Receiving institution' }, 'toInstitutionId');
      if (input.toDepartmentId && !await tx.selectFrom('department').select('id').where('id', '=', input.toDepartmentId).where('institution_id', '=', target).executeTakeFirst())
        throw badRequest('department_not_here', '科室不属于接收机构', 'The department is not of the receiving institution', 'toDepartmentId');
      set.to_institution_id = target;
      set.to_department_id = input.toDepartmentId ?? null;
      detail = { fromInstitutionId: r.to_institution_id, toInstitutionId: target };
      notices.push({ users: await officeUsers(tx, target), zh: '有转入申请待审核（转发）', en: 'A forwarded referral awaits your review' });
      notices.push({ users: author, zh: '转诊申请已被转往另一家机构', en: 'Your referral was forwarded to another institution' });
      break;
    }
    case 'refuse':
      notices.push({ users: [...author, ...await officeUsers(tx, r.from_institution_id)], zh: '转诊申请被接收机构拒收', en: 'The referral was refused by the receiving institution' });
      break;
    case 'accept': {
      const appointmentId = await bookGreenChannel(tx, caller, r, input.slotId!);
      set.appointment_id = appointmentId;
      await careRelation(tx, r, r.to_institution_id);
      if (r.direction === 'down') await materializeTasks(tx, r);
      detail = { appointmentId, slotId: input.slotId };
      notices.push({ users: await patientAccounts(tx, r.patient_id), zh: '转诊已接收并预约', en: 'Your referral was accepted and booked' });
      notices.push({ users: author, zh: '转诊患者已被接诊并预约', en: 'Your referred patient was accepted and booked' });
      break;
    }
    case 'arrive':
      if (r.direction === 'down') await materializeTasks(tx, r);
      await appointmentStep(tx, caller, r.appointment_id, 'checked_in');
      notices.push({ users: author, zh: '转诊患者已到诊', en: 'Your referred patient arrived' });
      break;
    case 'no_show':
      await appointmentStep(tx, caller, r.appointment_id, 'no_show');
      notices.push({ users: [...author, ...await officeUsers(tx, r.from_institution_id)], zh: '转诊患者未到诊', en: 'Your referred patient did not arrive' });
      break;
    case 'close': {
      set.summary = input.summary;
      // The reply letter in the shared record, written by the receiving side (which has a care relationship).
      const letter = await createEntry(tx, caller, 'document', r.patient_id, {
        kind: 'referral_letter', title: `转诊回复 ${r.code}`, text: input.summary!, authoredAt: new Date().toISOString(),
      });
      detail = { documentId: letter.id };
      notices.push({ users: author, zh: '转诊已完成，接收方回复了诊疗小结', en: 'The referral was closed with a summary for you' });
      notices.push({ users: await patientAccounts(tx, r.patient_id), zh: '您的转诊已完成', en: 'Your referral is complete' });
      break;
    }
    case 'cancel': {
      const offices = r.status === 'submitted' ? await officeUsers(tx, r.from_institution_id)
        : ['sender_approved', 'receiver_approved'].includes(r.status) ? await officeUsers(tx, r.to_institution_id) : [];
      await tx.updateTable('care_relation').set({ ends_at: new Date() }).where('kind', '=', 'referral').where('source_id', '=', r.id).where('ends_at', 'is', null).execute();
      notices.push({ users: [...offices, ...(r.assigned_user_id ? [r.assigned_user_id] : [])], zh: '转诊申请已被撤销', en: 'A referral was cancelled' });
      break;
    }
  }

  const statusChanged = t.to !== r.status || action === 'forward';
  const updated = await tx.updateTable('referral').set({
    ...set, status: t.to, ...(statusChanged ? { status_since: new Date() } : {}), version: r.version + 1, updated_at: new Date(),
  }).where('id', '=', r.id).where('version', '=', r.version).returningAll().executeTakeFirst();
  if (!updated) throw conflict('version_conflict', '转诊单已被他人处理，请刷新后重试', 'The referral was changed meanwhile; reload and retry', 'version');
  const note = input.reason ?? (action === 'close' ? input.summary : null) ?? null;
  await event(tx, caller, r.id, action, r.status, t.to, note, detail);
  await audit(tx, actorOf(caller), { action: `referral.${action}`, objectType: 'referral', objectId: r.id, patientId: r.patient_id, reason: input.reason ?? null, detail: { from: r.status, to: t.to, ...detail } });
  for (const n of notices) await referralNotice(tx, updated, n.users, caller.userId, { zh: n.zh, en: n.en });
  await announceReferral(tx, updated);
  return updated;
}

const ACTOR_ZH = { author: '申请医生', sending_office: '转出机构转诊办', receiving_office: '接收机构转诊办', assigned_doctor: '被指派的接诊医生', receiving_staff: '接收机构工作人员' } as const;

/** The receiving institution's care relationship (record access) for this referral, once. */
async function careRelation(tx: Tx, r: ReferralRow, institutionId: string) {
  const live = await tx.selectFrom('care_relation').select('id').where('kind', '=', 'referral').where('source_id', '=', r.id)
    .where('institution_id', '=', institutionId).where('ends_at', 'is', null).executeTakeFirst();
  if (!live) await tx.insertInto('care_relation').values({ patient_id: r.patient_id, institution_id: institutionId, kind: 'referral', source_id: r.id }).execute();
}

/**
 * Books the green-channel slot (绿色通道): a free referral-pool slot of the receiving institution, through
 * scheduling's booking in this transaction (the same claim, history, audit and notice as any booking).
 */
async function bookGreenChannel(tx: Tx, caller: Caller, r: ReferralRow, slotId: string): Promise<string> {
  const a = await bookInTransaction(tx, caller, { slotId, patientId: r.patient_id, reason: `转诊 ${r.code}`, greenChannel: true }, { referralOnly: true });
  return a.id;
}

/** Arrival checks the referral's appointment in; a no-show marks it. */
async function appointmentStep(tx: Tx, caller: Caller, appointmentId: string | null, to: 'checked_in' | 'no_show') {
  if (!appointmentId) return;
  const a = await tx.updateTable('appointment').set({ status: to }).where('id', '=', appointmentId).where('status', '=', 'booked').returning('id').executeTakeFirst();
  if (a) await tx.insertInto('appointment_event').values({ appointment_id: a.id, user_id: caller.userId, from_status: 'booked', to_status: to }).execute();
}

/** The down-referral's follow-up tasks, for the receiving (primary) institution, with due dates from today; once. */
async function materializeTasks(tx: Tx, r: ReferralRow) {
  if (await tx.selectFrom('referral_task').select('id').where('referral_id', '=', r.id).executeTakeFirst()) return;
  const tasks = await proposedTasks(tx, r.id);
  if (!tasks.length) return;
  await tx.insertInto('referral_task').values(tasks.map((t) => ({
    referral_id: r.id, patient_id: r.patient_id, institution_id: r.to_institution_id, title: t.title, detail: t.detail ?? null, due_date: cstDatePlus(t.dueInDays),
  }))).execute();
}
