/** Shared pieces of the consultation services: loading, who the caller is to a consultation, visibility, views, notices. */
import {
  badRequest, conflict, CONSULTATION_ACTOR_ROLES, CONSULTATION_DEFAULT_LIMIT_MINUTES, CONSULTATION_STATE_LABELS, forbidden, notFound,
  type ConsultationActor, type ConsultationKind, type ConsultationState, type Role,
} from '@yilian/core';
import type { ExpressionBuilder } from 'kysely';
import type { Reader, Tx } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Caller } from '../http/context.js';
import { notify, type Bilingual } from '../messaging/notifications.js';
import { publishTopic } from '../realtime/bus.js';

export const CONSULTATION = { zh: '会诊申请', en: 'Consultation' };
const NOBODY = '00000000-0000-0000-0000-000000000000';

export type ConsultationRow = Awaited<ReturnType<typeof loadConsultation>>;

export async function loadConsultation(db: Reader, id: string, lock = false) {
  let q = db.selectFrom('consultation').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const c = await q.executeTakeFirst();
  if (!c) throw notFound(CONSULTATION, 'id');
  return c;
}

/** The caller's invitation to the consultation (any status), if any. */
export async function invitationOf(db: Reader, consultationId: string, userId: string) {
  return db.selectFrom('consultation_expert').selectAll().where('consultation_id', '=', consultationId).where('user_id', '=', userId)
    .orderBy('invited_at', 'desc').limit(1).executeTakeFirst();
}
export type Invitation = Awaited<ReturnType<typeof invitationOf>>;

/**
 * Whether the caller may act as `actor` on the consultation: the role table of core plus the consultation's sides
 * (docs/api.md: applicant = its author, dept head / office of the applicant's institution, centre = coordinators of
 * the centre institution, invited expert = the user of an invited practitioner whose invitation still stands).
 */
export function isActor(caller: Caller, c: { created_by: string; from_institution_id: string; centre_institution_id: string; received_at: Date | null }, actor: ConsultationActor, invitation?: Invitation | null): boolean {
  if (!CONSULTATION_ACTOR_ROLES[actor].includes(caller.role.role)) return false;
  const inst = caller.role.institutionId;
  switch (actor) {
    case 'applicant': return caller.userId === c.created_by;
    case 'dept_head': case 'medical_office': return !!inst && inst === c.from_institution_id;
    case 'centre': return !!inst && inst === c.centre_institution_id;
    case 'invited_expert': return !!invitation && invitation.user_id === caller.userId && invitation.status !== 'withdrawn';
    case 'applicant_or_centre':
      return (caller.userId === c.created_by && CONSULTATION_ACTOR_ROLES.applicant.includes(caller.role.role))
        // The centre cancels only what reached it.
        || (caller.role.role === 'consult_coordinator' && inst === c.centre_institution_id && !!c.received_at);
  }
}

/** Staff roles that see consultations of their institution's side (scoped below). */
export const CONSULTATION_STAFF: readonly Role[] = ['institution_admin', 'dept_head', 'doctor', 'consult_coordinator', 'reading_physician', 'family_doctor'];

export type ConsultationEb = ExpressionBuilder<Database & { c: Database['consultation'] }, 'c'>;

/**
 * Who may see a consultation, as a filter on `consultation as c`: the consortium office and regulator all; the patient
 * their own; the applicant institution's staff; the centre institution's staff once it reached the centre; invited
 * experts (unless withdrawn). Exported for the report and room modules.
 */
export function visible(eb: ConsultationEb, caller: Caller) {
  const role = caller.role.role;
  if (role === 'consortium_admin' || role === 'regulator') return eb.val(true);
  if (role === 'patient') return eb('c.patient_id', '=', caller.patientId ?? NOBODY);
  if (!CONSULTATION_STAFF.includes(role)) return eb.val(false);
  const inst = caller.role.institutionId ?? NOBODY;
  return eb.or([
    eb('c.from_institution_id', '=', inst),
    eb.and([eb('c.centre_institution_id', '=', inst), eb('c.received_at', 'is not', null)]),
    eb.exists(eb.selectFrom('consultation_expert as vx').select('vx.consultation_id').whereRef('vx.consultation_id', '=', 'c.id')
      .where('vx.user_id', '=', caller.userId).where('vx.status', '<>', 'withdrawn')),
  ]);
}

/** The same rule for one consultation: 403 when the caller may not see it (as referrals answer). */
export async function assertCanRead(db: Reader, caller: Caller, c: ConsultationRow): Promise<void> {
  const role = caller.role.role;
  if (role === 'consortium_admin' || role === 'regulator') return;
  if (role === 'patient') { if (caller.patientId === c.patient_id) return; throw forbidden(); }
  if (CONSULTATION_STAFF.includes(role)) {
    const inst = caller.role.institutionId;
    if (inst && inst === c.from_institution_id) return;
    if (inst && inst === c.centre_institution_id && c.received_at) return;
    const inv = await invitationOf(db, c.id, caller.userId);
    if (inv && inv.status !== 'withdrawn') return;
  }
  throw forbidden('该会诊不属于本机构，您也未受邀', 'This consultation is not your institution’s and you are not invited');
}

/** Active users holding `role` at an institution. */
export async function usersWithRole(db: Reader, institutionId: string, role: Role): Promise<string[]> {
  const rows = await db.selectFrom('user_role as r').innerJoin('user_account as u', 'u.id', 'r.user_id').select('u.id')
    .where('r.role', '=', role).where('r.institution_id', '=', institutionId).where('u.active', '=', true).execute();
  return [...new Set(rows.map((x) => x.id))];
}
export const coordinators = (db: Reader, institutionId: string) => usersWithRole(db, institutionId, 'consult_coordinator');

/** The consortium office (every active consortium_admin). */
export async function consortiumOffice(db: Reader): Promise<string[]> {
  const rows = await db.selectFrom('user_role as r').innerJoin('user_account as u', 'u.id', 'r.user_id').select('u.id')
    .where('r.role', '=', 'consortium_admin').where('u.active', '=', true).execute();
  return [...new Set(rows.map((x) => x.id))];
}

/** Users of the experts whose invitation stands (invited or accepted; optionally accepted only). */
export async function expertUsers(db: Reader, consultationId: string, acceptedOnly = false): Promise<string[]> {
  const rows = await db.selectFrom('consultation_expert').select('user_id').where('consultation_id', '=', consultationId)
    .where('status', 'in', acceptedOnly ? ['accepted'] : ['invited', 'accepted']).execute();
  return rows.map((r) => r.user_id);
}

/** The answer time limit of a kind, minutes (consultation_time_limit, else the default of core). */
export async function limitMinutes(db: Reader, kind: ConsultationKind): Promise<number> {
  const row = await db.selectFrom('consultation_time_limit').select('minutes').where('kind', '=', kind).executeTakeFirst();
  return row?.minutes ?? CONSULTATION_DEFAULT_LIMIT_MINUTES[kind];
}

/** A consultation notice (no patient data: the code and what happened) leading to the consultation. */
export async function consultationNotice(tx: Tx, c: { id: string; code: string }, userIds: string[], except: string, title: Bilingual, body?: Bilingual) {
  await notify(tx, {
    userIds: userIds.filter((u) => u !== except), kind: 'consultation', title,
    body: body ?? { zh: `会诊单号：${c.code}`, en: `Consultation ${c.code}` }, link: `/consultations/${c.id}`, caseType: 'consultation', caseId: c.id,
  });
}

/** The live updates of a step: the consultation's page and the workbench counts of both sides and the experts. */
export async function announceConsultation(tx: Tx, c: { id: string; status: string; version: number; from_institution_id: string; centre_institution_id: string }) {
  await publishTopic(tx, `consultation:${c.id}`, { type: 'consultation.changed', status: c.status, version: c.version });
  const experts = await tx.selectFrom('consultation_expert').select('institution_id').where('consultation_id', '=', c.id).execute();
  for (const inst of new Set([c.from_institution_id, c.centre_institution_id, ...experts.map((e) => e.institution_id)]))
    await publishTopic(tx, `consultations:${inst}`, { type: 'consultation.counts' });
}

/** One history row of a consultation. */
export async function event(tx: Tx, caller: Caller | null, consultationId: string, action: string, from: string | null, to: string, note?: string | null, detail?: Record<string, unknown>) {
  await tx.insertInto('consultation_event').values({
    consultation_id: consultationId, user_id: caller?.userId ?? null, institution_id: caller?.role.institutionId ?? null, action,
    from_status: from, to_status: to, note: note ?? null, detail: detail ? JSON.stringify(detail) : null,
  }).execute();
}

export const versionConflict = (version?: number) =>
  conflict('version_conflict', '会诊申请已被他人处理，请刷新后重试', 'The consultation was changed meanwhile; reload and retry', 'version', version === undefined ? undefined : { version });
export const stateConflict = (status: string, zhWhat: string, enWhat: string) =>
  conflict('invalid_transition', `会诊当前状态（${CONSULTATION_STATE_LABELS[status as ConsultationState]?.zh ?? status}）不允许${zhWhat}`,
    `${enWhat} is not possible while the consultation is ${status}`, 'action', { status });

/** 会诊单号 HZyyyymmddNNNN (China date). */
export async function nextCode(tx: Tx): Promise<string> {
  const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const prefix = `HZ${day}`;
  const last = await tx.selectFrom('consultation').select('code').where('code', 'like', `${prefix}%`).orderBy('code', 'desc').limit(1).executeTakeFirst();
  const n = last ? Number(last.code.slice(prefix.length)) + 1 : 1;
  return `${prefix}${String(n).padStart(4, '0')}`;
}

/** A referral/refer target: an active institution and, when given, one of its departments. */
export async function checkInstitution(db: Reader, institutionId: string, field: string, departmentId?: string | null, departmentField = 'departmentId') {
  const inst = await db.selectFrom('institution').select(['id', 'active']).where('id', '=', institutionId).executeTakeFirst();
  if (!inst?.active) throw notFound({ zh: '机构', en: 'Institution' }, field);
  if (departmentId && !await db.selectFrom('department').select('id').where('id', '=', departmentId).where('institution_id', '=', institutionId).executeTakeFirst())
    throw badRequest('department_not_here', '科室不属于该机构', 'The department is not of that institution', departmentField);
}

export const consultationView = (c: ConsultationRow) => ({
  id: c.id, code: c.code, kind: c.kind, materialType: c.material_type, status: c.status,
  statusLabel: CONSULTATION_STATE_LABELS[c.status as ConsultationState], statusSince: c.status_since, version: c.version,
  patientId: c.patient_id, fromInstitutionId: c.from_institution_id, fromDepartmentId: c.from_department_id,
  fromPractitionerId: c.from_practitioner_id, createdBy: c.created_by, centreInstitutionId: c.centre_institution_id,
  requestedSpecialty: c.requested_specialty, requestedExpertIds: c.requested_expert_ids, purpose: c.purpose, summary: c.summary,
  diagnoses: c.diagnoses, sharedEntries: c.shared_entries, attachments: c.attachments, urgentReason: c.urgent_reason,
  supplementsRequested: c.supplements_requested, scheduledAt: c.scheduled_at, durationMinutes: c.duration_minutes,
  receivedAt: c.received_at, dueAt: c.due_at, answeredAt: c.answered_at, rating: c.rating, ratingComment: c.rating_comment,
  cancelReason: c.cancel_reason, threadId: c.thread_id, quickConsultId: c.quick_consult_id, createdAt: c.created_at, updatedAt: c.updated_at,
});
