/**
 * The steps of a quick consult (QUICK_CONSULT_TRANSITIONS): the expert answers (a chat message and state
 * `answered`), either doctor converts it into a draft remote consultation or referral owned by the asker, or closes
 * it. Each step: one transaction with its system line in the chat, an audit entry and a notice to the other side.
 */
import { badRequest, forbidden, grantFor, type Role } from '@yilian/core';
import { randomUUID } from 'node:crypto';
import { audit } from '../audit/audit.js';
import { createConsultation } from '../consultation/consultations.js';
import { joinTx, type Db, type Tx } from '../db/database.js';
import { actorOf, type Caller, type RoleGrant } from '../http/context.js';
import { onCaseMessage, sendMessage } from '../messaging/messages.js';
import { authorize } from '../policy/policy.js';
import { createReferral } from '../referral/referrals.js';
import {
  assertParticipant, invalidTransition, loadQuickConsult, QUICK_CONSULT_TRANSITIONS, quickConsultNotice, systemLine,
  type QuickConsultAction, type QuickConsultRow,
} from './common.js';
import { getQuickConsult } from './quick-consults.js';

export interface QuickConsultActionInput { text?: string | undefined; to?: 'consultation' | 'referral' | undefined; patientId?: string | undefined }

export async function applyQuickConsultAction(db: Db, caller: Caller, id: string, action: QuickConsultAction, input: QuickConsultActionInput) {
  authorize(caller, 'quick_consult.use');
  const result = await db.transaction().execute(async (tx) => {
    const q = await loadQuickConsult(tx, id, true);
    const side = assertParticipant(caller, q);
    const t = QUICK_CONSULT_TRANSITIONS[action];
    if (t.actor === 'expert' && side !== 'expert')
      throw forbidden('只有受邀专家可以回复并标记已答复', 'Only the expert asked can answer', { action });
    if (!t.from.includes(q.status as never)) throw invalidTransition(q.status, action);
    const now = new Date();
    let converted: { type: 'consultation' | 'referral'; id: string } | null = null;
    if (action === 'answer') {
      if (!input.text?.trim()) throw badRequest('missing_field', '请填写回复内容', 'Write the answer', 'text');
      // The state first, so that the reply below does not count as a first answer by chat as well.
      await recordStep(tx, caller, q, action, now, null);
      await sendMessage(joinTx(tx), caller, q.thread_id, { kind: 'text', body: input.text, clientId: randomUUID() });
      await systemLine(tx, caller, q.thread_id, { zh: `${caller.displayName} 已答复`, en: `${caller.displayName} answered` });
      return null;
    } else if (action === 'convert') {
      if (!input.to) throw badRequest('missing_field', '请选择转为会诊还是转诊', 'Choose what to convert to', 'to');
      converted = { type: input.to, id: await convert(tx, caller, q, input.to, input.patientId) };
      await systemLine(tx, caller, q.thread_id, input.to === 'consultation'
        ? { zh: `${caller.displayName} 已转为远程会诊申请（草稿）`, en: `${caller.displayName} converted it into a draft consultation request` }
        : { zh: `${caller.displayName} 已转为转诊单（草稿）`, en: `${caller.displayName} converted it into a draft referral` });
    } else {
      await systemLine(tx, caller, q.thread_id, { zh: `${caller.displayName} 结束了问诊`, en: `${caller.displayName} closed the consult` });
    }
    await recordStep(tx, caller, q, action, now, converted);
    return converted;
  });
  return { ...(await getQuickConsult(db, caller, id)), converted: result };
}

/** A step's new state, its audit entry and the notice to the other side. `via`: what took it, when not the step itself. */
async function recordStep(tx: Tx, caller: Caller, q: QuickConsultRow, action: QuickConsultAction, now: Date,
  converted: { type: 'consultation' | 'referral'; id: string } | null, via?: 'message') {
  const to = QUICK_CONSULT_TRANSITIONS[action].to;
  const updated = await tx.updateTable('quick_consult').set({
    status: to, status_since: now, updated_at: now,
    ...(action === 'answer' && !q.answered_at ? { answered_at: now } : {}),
    ...(converted ? { converted_to_type: converted.type, converted_to_id: converted.id } : {}),
  }).where('id', '=', q.id).returningAll().executeTakeFirstOrThrow();
  await audit(tx, actorOf(caller), {
    action: `quick_consult.${action}`, objectType: 'quick_consult', objectId: q.id, patientId: updated.patient_id,
    detail: { from: q.status, to, ...(converted ? { convertedTo: converted } : {}), ...(via ? { via } : {}) },
  });
  const title = action === 'answer' ? { zh: `${caller.displayName} 已回复您的问诊`, en: `${caller.displayName} answered your quick consult` }
    : action === 'convert' ? { zh: `问诊已转为${converted!.type === 'consultation' ? '远程会诊申请' : '转诊单'}草稿`, en: `The quick consult became a draft ${converted!.type}` }
    : { zh: `${caller.displayName} 结束了问诊`, en: `${caller.displayName} closed the quick consult` };
  await quickConsultNotice(tx, updated, caller.userId, title);
}

// The expert's first message in the consult's chat (text, image or voice) answers it, as the answer step does: a
// doctor who simply replies should not also have to press 答复.
onCaseMessage('quick_consult', async (tx, caller, thread) => {
  const q = await tx.selectFrom('quick_consult').selectAll().where('thread_id', '=', thread.id).forUpdate().executeTakeFirst();
  if (!q || q.status !== 'open' || caller.userId !== q.expert_user_id) return;
  await recordStep(tx, caller, q, 'answer', new Date(), null, 'message');
});

/** The asker as the author of the draft (whoever converts it): their account and their role at the asking institution. */
async function askerCaller(tx: Tx, caller: Caller, q: QuickConsultRow, permission: 'consultation.create' | 'referral.create'): Promise<Caller> {
  const user = await tx.selectFrom('user_account').select(['id', 'username', 'display_name', 'practitioner_id']).where('id', '=', q.asker_user_id).executeTakeFirstOrThrow();
  const roles = await tx.selectFrom('user_role as r').leftJoin('institution as i', 'i.id', 'r.institution_id')
    .select(['r.id', 'r.role', 'r.institution_id', 'i.name']).where('r.user_id', '=', q.asker_user_id).where('r.institution_id', '=', q.asker_institution_id).execute();
  const grant = roles.find((r) => grantFor(r.role as Role, permission));
  if (!grant) {
    const what = permission === 'consultation.create' ? ['远程会诊', 'consultation'] : ['转诊', 'referral'];
    throw forbidden(`提问医生在其机构无权发起${what[0]}`, `The asking doctor may not start a ${what[1]} at their institution`, { permission });
  }
  const role: RoleGrant = { id: grant.id, role: grant.role as Role, institutionId: grant.institution_id, institutionName: grant.name };
  return { ...caller, userId: user.id, username: user.username, displayName: user.display_name, practitionerId: user.practitioner_id, patientId: null, role, roles: [role] };
}

/** The question and the answers so far, as the draft's summary (the asker edits it before submitting). */
async function conversationText(tx: Tx, q: QuickConsultRow): Promise<string> {
  const rows = await tx.selectFrom('message as m').innerJoin('user_account as u', 'u.id', 'm.sender_id').select(['u.display_name', 'm.body'])
    .where('m.thread_id', '=', q.thread_id).where('m.kind', '=', 'text').orderBy('m.id').limit(20).execute();
  return [`移动问诊 ${q.code}：${q.subject}`, ...rows.map((r) => `${r.display_name}：${r.body}`)].join('\n').slice(0, 4000);
}

async function convert(tx: Tx, caller: Caller, q: QuickConsultRow, to: 'consultation' | 'referral', patientId: string | undefined): Promise<string> {
  const patient = patientId ?? q.patient_id;
  if (!patient) throw badRequest('patient_required', '转为会诊或转诊需要选择患者', 'Choose the patient to convert', 'patientId');
  const summary = await conversationText(tx, q);
  const db = joinTx(tx);
  if (to === 'consultation') {
    const asker = await askerCaller(tx, caller, q, 'consultation.create');
    const c = await createConsultation(db, asker, {
      kind: 'routine', patientId: patient, requestedExpertIds: [q.expert_practitioner_id], purpose: q.subject, summary, diagnoses: [],
    });
    await tx.updateTable('consultation').set({ quick_consult_id: q.id }).where('id', '=', c.id).execute();
    return c.id;
  }
  const asker = await askerCaller(tx, caller, q, 'referral.create');
  // To the expert's institution: up when it is of a higher level than the asker's, down otherwise.
  const target = await tx.selectFrom('practitioner_role as pr').innerJoin('institution as i', 'i.id', 'pr.institution_id').select(['i.id', 'i.level'])
    .where('pr.practitioner_id', '=', q.expert_practitioner_id).orderBy('i.level', 'desc').limit(1).executeTakeFirst();
  if (!target) throw badRequest('expert_without_institution', '专家未关联机构，无法转诊', 'The expert belongs to no institution to refer to', 'to');
  const from = await tx.selectFrom('institution').select('level').where('id', '=', q.asker_institution_id).executeTakeFirstOrThrow();
  const r = await createReferral(db, asker, {
    direction: Number(target.level) > Number(from.level) ? 'up' : 'down', setting: 'outpatient', patientId: patient,
    toInstitutionId: target.id, reason: summary, diagnoses: [],
  });
  return r.id;
}
