/**
 * One step of the consultation state machine (CONSULTATION_TRANSITIONS in @yilian/core): who may take it, what it
 * needs, and its effects — in one transaction with its history row, audit entry, notices and live updates.
 */
import {
  AppError, badRequest, CONSULTATION_ACTOR_ROLES, CONSULTATION_TRANSITIONS, consultationTransition, forbidden, notFound,
  type ConsultationAction, type ConsultationActor, type ConsultationKind, type ConsultationState,
} from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db, Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { ensureCaseThread } from '../messaging/threads.js';
import { authorize } from '../policy/policy.js';
import { officeUsers, patientAccounts } from '../referral/common.js';
import {
  announceConsultation, consultationNotice, consultationView, coordinators, event, expertUsers, invitationOf, isActor, limitMinutes,
  loadConsultation, stateConflict, usersWithRole, versionConflict, type ConsultationRow, type Invitation,
} from './common.js';

export interface ActionInput {
  version?: number | undefined; reason?: string | null | undefined; supplements?: string[] | undefined;
  experts?: { practitionerId: string }[] | undefined; scheduledAt?: string | undefined; durationMinutes?: number | undefined;
  rating?: number | undefined; comment?: string | null | undefined;
}

/** The request field each need of the state machine is read from ('consent' and 'opinions' are checked in the database). */
const NEED_FIELD = { reason: 'reason', supplements: 'supplements', experts: 'experts', time: 'scheduledAt', rating: 'rating' } as const;
const ACTOR_ZH: Record<ConsultationActor, string> = {
  applicant: '申请医生', dept_head: '申请机构的科主任', medical_office: '申请机构的医务科', centre: '会诊中心',
  invited_expert: '受邀专家', applicant_or_centre: '申请医生或会诊中心',
};
/** Expert replies need no version: several experts answer the same invitation round at once. */
const NO_VERSION: readonly ConsultationAction[] = ['expert_accept', 'expert_decline'];

export async function actConsultation(db: Db, caller: Caller, id: string, action: ConsultationAction, input: ActionInput) {
  const c = await db.transaction().execute(async (tx) => applyAction(tx, caller, await loadConsultation(tx, id, true), action, input));
  return consultationView(c);
}

/** Applies `action` to the (locked) consultation: side check (403), legal state (409), version (409), needs (400), effects. */
export async function applyAction(tx: Tx, caller: Caller, c: ConsultationRow, action: ConsultationAction, input: ActionInput): Promise<ConsultationRow> {
  const t = CONSULTATION_TRANSITIONS[action];
  if (t.actor === 'centre') authorize(caller, 'consultation.centre', { institutionId: c.centre_institution_id });
  if (t.actor === 'applicant') authorize(caller, 'consultation.create', { institutionId: c.from_institution_id });
  const invitation = t.actor === 'invited_expert' ? await invitationOf(tx, c.id, caller.userId) : null;
  if (!isActor(caller, c, t.actor, invitation))
    throw forbidden(`只有${ACTOR_ZH[t.actor]}可以执行此操作`, `Only the ${t.actor.replaceAll('_', ' ')} may do this`, { action, actor: t.actor });
  if (!consultationTransition(c.status as ConsultationState, c.kind as ConsultationKind, action)) throw stateConflict(c.status, `“${t.label.zh}”`, `“${t.label.en}”`);
  if (input.version === undefined ? !NO_VERSION.includes(action) : input.version !== c.version) {
    if (input.version === undefined) throw badRequest('missing_field', '此操作须提供 version', 'This step needs the version you read', 'version');
    throw versionConflict(c.version);
  }
  for (const need of t.needs ?? []) {
    if (need === 'opinions') continue; // checked with the experts' rows in 'forward'
    if (need === 'consent') {
      if (!await tx.selectFrom('consultation_consent').select('id').where('consultation_id', '=', c.id).executeTakeFirst())
        throw badRequest('consent_missing', '请先上传患者的远程会诊知情同意书', 'Record the patient’s informed consent first', 'consent');
      continue;
    }
    const field = NEED_FIELD[need];
    const v = input[field];
    if (v === undefined || v === null || (typeof v === 'string' && !v.trim()) || (Array.isArray(v) && !v.length))
      throw badRequest('missing_field', `此操作须填写 ${field}`, `This step needs ${field}`, field);
  }

  const set: Record<string, unknown> = {};
  let to: ConsultationState = t.to ?? (c.status as ConsultationState);
  let detail: Record<string, unknown> | undefined;
  const notices: { users: string[]; zh: string; en: string; body?: { zh: string; en: string } }[] = [];
  const applicant = [c.created_by];
  const threadWith = async (userIds: string[]) => {
    const thread = await ensureCaseThread(tx, { ...actorOf(caller), userId: caller.userId }, { caseType: 'consultation', caseId: c.id, patientId: c.patient_id, title: `会诊 ${c.code}`, userIds: [c.created_by, ...userIds] });
    set.thread_id = thread.id;
  };
  /** The request reaches the centre: the answer clock starts (once), the centre's care relationship and thread. */
  const reachCentre = async () => {
    if (!c.received_at) {
      const now = new Date();
      set.received_at = now;
      set.due_at = new Date(now.getTime() + (await limitMinutes(tx, c.kind as ConsultationKind)) * 60_000);
    }
    await careRelation(tx, c, c.centre_institution_id);
    const centre = await coordinators(tx, c.centre_institution_id);
    await threadWith(centre);
    notices.push({ users: centre, zh: c.kind === 'urgent' ? '有急会诊申请待处理' : '有会诊申请待预审', en: c.kind === 'urgent' ? 'An urgent consultation awaits you' : 'A consultation awaits pre-review' });
  };

  switch (action) {
    case 'submit':
    case 'submit_urgent': {
      if (action === 'submit_urgent') {
        set.urgent_reason = input.reason;
        await reachCentre();
      } else {
        await threadWith([]);
        notices.push({ users: await usersWithRole(tx, c.from_institution_id, 'dept_head'), zh: '有会诊申请待科主任同意', en: 'A consultation request awaits your agreement' });
      }
      break;
    }
    case 'dept_approve':
      notices.push({ users: await officeUsers(tx, c.from_institution_id), zh: '有会诊申请待医务科审批', en: 'A consultation request awaits medical affairs' });
      break;
    case 'office_approve':
      await reachCentre();
      notices.push({ users: applicant, zh: '会诊申请已送达会诊中心', en: 'Your consultation request reached the centre' });
      break;
    case 'dept_return':
    case 'office_return':
      notices.push({ users: applicant, zh: '会诊申请被退回修改', en: 'Your consultation request was returned for changes' });
      break;
    case 'request_supplements':
      set.supplements_requested = JSON.stringify(input.supplements);
      detail = { supplements: input.supplements };
      notices.push({ users: applicant, zh: '会诊中心要求补充资料', en: 'The centre asks for more material' });
      break;
    case 'resubmit':
      detail = { supplements: c.supplements_requested };
      set.supplements_requested = '[]';
      notices.push({ users: await coordinators(tx, c.centre_institution_id), zh: '会诊申请已补充资料，待预审', en: 'A consultation was resubmitted with supplements' });
      break;
    case 'accept':
      notices.push({ users: applicant, zh: '会诊中心已受理，正在安排专家', en: 'The centre accepted your consultation and is arranging experts' });
      break;
    case 'invite':
      ({ to, detail } = await invite(tx, caller, c, input, set, notices));
      break;
    case 'expert_accept':
    case 'expert_decline':
      ({ to, detail } = await reply(tx, c, invitation!, action, input, notices));
      break;
    case 'forward': {
      const accepted = await tx.selectFrom('consultation_expert as e')
        .select(['e.practitioner_id', (eb) => eb.exists(eb.selectFrom('consultation_opinion as o').select('o.id').whereRef('o.consultation_id', '=', 'e.consultation_id')
          .whereRef('o.practitioner_id', '=', 'e.practitioner_id').where('o.status', '=', 'signed')).as('signed')])
        .where('e.consultation_id', '=', c.id).where('e.status', '=', 'accepted').execute();
      const missing = accepted.filter((e) => !e.signed).map((e) => e.practitioner_id);
      if (!accepted.length || missing.length)
        throw badRequest('opinions_missing', '尚有专家未签署会诊意见', 'Every accepted expert must sign an opinion first', 'opinions', { practitionerIds: missing });
      set.answered_at = new Date();
      notices.push({ users: applicant, zh: '会诊意见已送达，请查看并确认', en: 'The consultation opinions are ready for you' });
      notices.push({ users: await patientAccounts(tx, c.patient_id), zh: '您的远程会诊意见已出具', en: 'Your remote consultation opinion is ready' });
      break;
    }
    case 'confirm':
      set.rating = input.rating;
      set.rating_comment = input.comment ?? null;
      detail = { rating: input.rating };
      notices.push({ users: await coordinators(tx, c.centre_institution_id), zh: '申请方已确认会诊意见并评价', en: 'The applicant confirmed and rated the consultation' });
      break;
    case 'cancel': {
      set.cancel_reason = input.reason;
      const involved = [...applicant, ...await expertUsers(tx, c.id)];
      if (c.received_at) involved.push(...await coordinators(tx, c.centre_institution_id));
      if (c.status === 'submitted') involved.push(...await usersWithRole(tx, c.from_institution_id, 'dept_head'));
      if (c.status === 'dept_approved') involved.push(...await officeUsers(tx, c.from_institution_id));
      await tx.updateTable('care_relation').set({ ends_at: new Date() }).where('kind', '=', 'consultation').where('source_id', '=', c.id).where('ends_at', 'is', null).execute();
      notices.push({ users: involved, zh: '会诊已取消', en: 'A consultation was cancelled', body: { zh: `会诊单号：${c.code}；原因：${input.reason}`, en: `Consultation ${c.code}; reason: ${input.reason}` } });
      break;
    }
  }

  const updated = await tx.updateTable('consultation').set({
    ...set, status: to, ...(to !== c.status ? { status_since: new Date() } : {}), version: c.version + 1, updated_at: new Date(),
  }).where('id', '=', c.id).where('version', '=', c.version).returningAll().executeTakeFirst();
  if (!updated) throw versionConflict();
  const note = input.reason ?? (action === 'confirm' ? input.comment : null) ?? null;
  await event(tx, caller, c.id, action, c.status, to, note, detail);
  await audit(tx, actorOf(caller), { action: `consultation.${action}`, objectType: 'consultation', objectId: c.id, patientId: c.patient_id, reason: input.reason ?? null, detail: { from: c.status, to, ...detail } });
  for (const n of notices) await consultationNotice(tx, updated, n.users, caller.userId, { zh: n.zh, en: n.en }, n.body);
  await announceConsultation(tx, updated);
  return updated;
}

/** A live care relationship (record access) of an institution for this consultation, once. */
async function careRelation(tx: Tx, c: ConsultationRow, institutionId: string) {
  const live = await tx.selectFrom('care_relation').select('id').where('kind', '=', 'consultation').where('source_id', '=', c.id)
    .where('institution_id', '=', institutionId).where('ends_at', 'is', null).executeTakeFirst();
  if (!live) await tx.insertInto('care_relation').values({ patient_id: c.patient_id, institution_id: institutionId, kind: 'consultation', source_id: c.id }).execute();
}

type Notices = { users: string[]; zh: string; en: string; body?: { zh: string; en: string } }[];

const timeText = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

/**
 * The centre invites experts at a proposed time: listed experts are (re)invited, those left out withdrawn. A new time
 * asks every expert again; with the same time, those who accepted stay accepted.
 */
async function invite(tx: Tx, caller: Caller, c: ConsultationRow, input: ActionInput, set: Record<string, unknown>, notices: Notices) {
  const at = new Date(input.scheduledAt!);
  if (at.getTime() <= Date.now()) throw badRequest('time_past', '拟定的会诊时间须晚于现在', 'The proposed time must be in the future', 'scheduledAt');
  const ids = [...new Set(input.experts!.map((e) => e.practitionerId))];
  const people = [];
  for (const [i, practitionerId] of ids.entries()) {
    const u = await tx.selectFrom('user_account as u').innerJoin('user_role as r', 'r.user_id', 'u.id').innerJoin('practitioner as p', 'p.id', 'u.practitioner_id')
      .select(['u.id as user_id', 'r.institution_id']).where('u.practitioner_id', '=', practitionerId).where('u.active', '=', true).where('p.active', '=', true)
      .where('r.role', 'in', [...CONSULTATION_ACTOR_ROLES.invited_expert]).where('r.institution_id', 'is not', null).orderBy('r.id').limit(1).executeTakeFirst();
    if (!u) throw notFound({ zh: '专家（须有医生账号）', en: 'Expert (with a doctor account)' }, `experts.${i}.practitionerId`);
    if (u.user_id === c.created_by) throw badRequest('applicant_not_expert', '申请医生不能作为本会诊的专家', 'The applicant cannot be an expert of their own consultation', `experts.${i}.practitionerId`);
    people.push({ practitionerId, userId: u.user_id, institutionId: u.institution_id! });
  }
  const timeChanged = !c.scheduled_at || c.scheduled_at.getTime() !== at.getTime();
  const current = await tx.selectFrom('consultation_expert').selectAll().where('consultation_id', '=', c.id).execute();
  const withdrawn = current.filter((e) => !ids.includes(e.practitioner_id) && e.status !== 'withdrawn');
  for (const e of withdrawn)
    await tx.updateTable('consultation_expert').set({ status: 'withdrawn' }).where('consultation_id', '=', c.id).where('practitioner_id', '=', e.practitioner_id).execute();
  const asked: string[] = [];
  for (const p of people) {
    const row = current.find((e) => e.practitioner_id === p.practitionerId);
    const keep = row?.status === 'accepted' && !timeChanged;
    if (!row) await tx.insertInto('consultation_expert').values({ consultation_id: c.id, practitioner_id: p.practitionerId, user_id: p.userId, institution_id: p.institutionId }).execute();
    else if (!keep) await tx.updateTable('consultation_expert').set({ status: 'invited', invited_at: new Date(), replied_at: null, reply_note: null, user_id: p.userId, institution_id: p.institutionId })
      .where('consultation_id', '=', c.id).where('practitioner_id', '=', p.practitionerId).execute();
    if (!keep) asked.push(p.userId);
    await careRelation(tx, c, p.institutionId);
  }
  // A withdrawn expert's institution keeps record access only while it has another part in the consultation.
  const staying = new Set([c.centre_institution_id, ...people.map((p) => p.institutionId)]);
  for (const inst of new Set(withdrawn.map((e) => e.institution_id)))
    if (!staying.has(inst))
      await tx.updateTable('care_relation').set({ ends_at: new Date() }).where('kind', '=', 'consultation').where('source_id', '=', c.id)
        .where('institution_id', '=', inst).where('ends_at', 'is', null).execute();
  set.scheduled_at = at;
  if (input.durationMinutes) set.duration_minutes = input.durationMinutes;
  const thread = await ensureCaseThread(tx, { ...actorOf(caller), userId: caller.userId }, { caseType: 'consultation', caseId: c.id, patientId: c.patient_id, title: `会诊 ${c.code}`, userIds: [c.created_by, ...people.map((p) => p.userId)] });
  set.thread_id = thread.id;
  notices.push({ users: asked, zh: '您收到一个会诊邀请', en: 'You are invited to a consultation', body: { zh: `会诊单号：${c.code}；拟定时间：${timeText(at)}`, en: `Consultation ${c.code}; proposed ${timeText(at)} (China time)` } });
  notices.push({ users: withdrawn.map((e) => e.user_id), zh: '会诊邀请已撤回', en: 'A consultation invitation was withdrawn' });
  // Only withdrawals (everyone left has accepted this time): the consultation is scheduled at once.
  const to: ConsultationState = asked.length ? 'inviting' : 'scheduled';
  if (to === 'scheduled') scheduledNotices(c, at, people.map((p) => p.userId), notices);
  return { to, detail: { experts: ids, scheduledAt: at.toISOString(), withdrawn: withdrawn.map((e) => e.practitioner_id) } as Record<string, unknown> };
}

function scheduledNotices(c: ConsultationRow, at: Date, experts: string[], notices: Notices) {
  notices.push({ users: [c.created_by, ...experts], zh: '会诊时间已确定', en: 'The consultation time is fixed', body: { zh: `会诊单号：${c.code}；会诊时间：${timeText(at)}（北京时间）`, en: `Consultation ${c.code} at ${timeText(at)} (China time)` } });
}

/** An expert's reply; when every standing invitation is accepted the consultation is scheduled. */
async function reply(tx: Tx, c: ConsultationRow, inv: NonNullable<Invitation>, action: 'expert_accept' | 'expert_decline', input: ActionInput, notices: Notices) {
  if (inv.status !== 'invited')
    throw new AppError(409, 'already_replied', `您已答复过此邀请（${inv.status === 'accepted' ? '已接受' : '已谢绝'}）`, `You already replied to this invitation (${inv.status})`, 'action', { status: inv.status });
  const status = action === 'expert_accept' ? 'accepted' : 'declined';
  await tx.updateTable('consultation_expert').set({ status, replied_at: new Date(), reply_note: input.reason ?? null })
    .where('consultation_id', '=', c.id).where('practitioner_id', '=', inv.practitioner_id).execute();
  const detail = { practitionerId: inv.practitioner_id };
  if (status === 'declined') {
    notices.push({ users: await coordinators(tx, c.centre_institution_id), zh: '有专家谢绝了会诊邀请，请另行安排', en: 'An expert declined a consultation invitation' });
    return { to: c.status as ConsultationState, detail };
  }
  const standing = await tx.selectFrom('consultation_expert').select(['status', 'user_id']).where('consultation_id', '=', c.id).where('status', '<>', 'withdrawn').execute();
  if (standing.every((e) => e.status === 'accepted')) {
    scheduledNotices(c, c.scheduled_at!, standing.map((e) => e.user_id), notices);
    notices.push({ users: await coordinators(tx, c.centre_institution_id), zh: '专家均已接受邀请，会诊已排定', en: 'All experts accepted; the consultation is scheduled' });
    return { to: 'scheduled' as const, detail };
  }
  return { to: c.status as ConsultationState, detail };
}
