/** Shared pieces of the referral services: loading, who the caller is to a referral, views, notices. */
import {
  actionsFrom, forbidden, notFound, REFERRAL_ACTOR_ROLES, REFERRAL_STATE_LABELS, REFERRAL_TRANSITIONS,
  type ReferralAction, type ReferralActor, type ReferralState,
} from '@yilian/core';
import { sql } from 'kysely';
import type { Reader, Tx } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { notify, type Bilingual } from '../messaging/notifications.js';
import { publishTopic } from '../realtime/bus.js';

export const REFERRAL = { zh: '转诊单', en: 'Referral' };

export type ReferralRow = Awaited<ReturnType<typeof loadReferral>>;

export async function loadReferral(db: Reader, id: string, lock = false) {
  let q = db.selectFrom('referral').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) throw notFound(REFERRAL, 'id');
  return r;
}

/** Whether the caller may act as `actor` on the referral: the role table of core plus the referral's sides. */
export function isActor(caller: Caller, r: { created_by: string; from_institution_id: string; to_institution_id: string; assigned_user_id: string | null }, actor: ReferralActor): boolean {
  if (!REFERRAL_ACTOR_ROLES[actor].includes(caller.role.role)) return false;
  const inst = caller.role.institutionId;
  switch (actor) {
    case 'author': return caller.userId === r.created_by;
    case 'sending_office': return inst === r.from_institution_id;
    case 'receiving_office': return inst === r.to_institution_id;
    case 'assigned_doctor': return caller.userId === r.assigned_user_id;
    case 'receiving_staff': return inst === r.to_institution_id;
  }
}

/** The actions the caller may take now: the state machine's actions from the state, filtered by the caller's side. */
export const allowedActions = (caller: Caller, r: ReferralRow): ReferralAction[] =>
  actionsFrom(r.status as ReferralState).filter((a) => isActor(caller, r, REFERRAL_TRANSITIONS[a].actor));

/** Institutions a referral has passed through (sender, every forward target): their staff may read it. */
export async function chainInstitutions(db: Reader, r: { id: string; from_institution_id: string; to_institution_id: string }): Promise<string[]> {
  const hops = await db.selectFrom('referral_event').select(sql<string>`detail->>'fromInstitutionId'`.as('inst'))
    .where('referral_id', '=', r.id).where('action', '=', 'forward').execute();
  return [...new Set([r.from_institution_id, ...hops.map((h) => h.inst), r.to_institution_id])];
}

/** May the caller see this referral: the consortium office and regulator all; the patient their own; staff of the sides. */
/** Roles that see the referrals of their institution's side (a hospital system through its API client too). */
export const REFERRAL_STAFF: string[] = ['institution_admin', 'dept_head', 'doctor', 'consult_coordinator', 'reading_physician', 'family_doctor', 'system_client'];

export async function assertCanRead(db: Reader, caller: Caller, r: ReferralRow): Promise<void> {
  const role = caller.role.role;
  if (role === 'consortium_admin' || role === 'regulator') return;
  if (role === 'patient') { if (caller.patientId === r.patient_id) return; throw forbidden(); }
  if (!REFERRAL_STAFF.includes(role)) throw forbidden();
  const inst = caller.role.institutionId;
  if (inst && inst === r.from_institution_id) return;
  // The receiving side (and institutions it passed through) see it once the sending office has let it go.
  if (inst && (await chainInstitutions(db, r)).includes(inst) && await db.selectFrom('referral_event').select('id')
    .where('referral_id', '=', r.id).where('action', '=', 'sender_approve').executeTakeFirst()) return;
  throw forbidden('该转诊单不属于本机构', 'This referral is not one of your institution’s');
}

/** Active office users (institution_admin) of an institution. */
export async function officeUsers(db: Reader, institutionId: string): Promise<string[]> {
  const rows = await db.selectFrom('user_role as r').innerJoin('user_account as u', 'u.id', 'r.user_id').select('u.id')
    .where('r.role', '=', 'institution_admin').where('r.institution_id', '=', institutionId).where('u.active', '=', true).execute();
  return rows.map((x) => x.id);
}

/** Active accounts of the patient (the patient and relatives signed in as them). */
export async function patientAccounts(db: Reader, patientId: string): Promise<string[]> {
  const rows = await db.selectFrom('user_account').select('id').where('patient_id', '=', patientId).where('active', '=', true).execute();
  return rows.map((x) => x.id);
}

/** A referral notice (no patient data: only the slip's code and what happened) leading to the referral. */
export async function referralNotice(tx: Tx, r: { id: string; code: string }, userIds: string[], except: string, title: Bilingual, body?: Bilingual) {
  await notify(tx, {
    userIds: userIds.filter((u) => u !== except), kind: 'referral', title,
    body: body ?? { zh: `转诊单号：${r.code}`, en: `Referral ${r.code}` }, link: `/referrals/${r.id}`, caseType: 'referral', caseId: r.id,
  });
}

/** The live updates of a step: the referral's page and the workbench counts of both sides. */
export async function announceReferral(tx: Tx, r: { id: string; status: string; version: number; from_institution_id: string; to_institution_id: string }) {
  await publishTopic(tx, `referral:${r.id}`, { type: 'referral.changed', status: r.status, version: r.version });
  for (const inst of new Set([r.from_institution_id, r.to_institution_id]))
    await publishTopic(tx, `referrals:${inst}`, { type: 'referral.counts' });
}

export const referralView = (r: ReferralRow) => ({
  id: r.id, code: r.code, direction: r.direction, setting: r.setting, urgency: r.urgency, status: r.status,
  statusLabel: REFERRAL_STATE_LABELS[r.status as ReferralState], statusSince: r.status_since, version: r.version,
  patientId: r.patient_id, fromInstitutionId: r.from_institution_id, fromDepartmentId: r.from_department_id,
  fromPractitionerId: r.from_practitioner_id, createdBy: r.created_by, toInstitutionId: r.to_institution_id,
  toDepartmentId: r.to_department_id, assignedPractitionerId: r.assigned_practitioner_id, assignedUserId: r.assigned_user_id,
  reason: r.reason, diagnoses: r.diagnoses, sharedEntries: r.shared_entries, attachments: r.attachments,
  insuranceType: r.insurance_type, appointmentId: r.appointment_id, plan: r.plan, summary: r.summary, threadId: r.thread_id,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

/** Today's date in China Standard Time plus `days`, as YYYY-MM-DD. */
export const cstDatePlus = (days: number, now = Date.now()) => new Date(now + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

export interface TaskInput { title: string; detail?: string | null; dueInDays: number }

/** One history row of a referral. */
export async function event(tx: Tx, caller: Caller | null, referralId: string, action: string, from: string | null, to: string, note?: string | null, detail?: Record<string, unknown>) {
  await tx.insertInto('referral_event').values({
    referral_id: referralId, user_id: caller?.userId ?? null, institution_id: caller?.role.institutionId ?? null, action,
    from_status: from, to_status: to, note: note ?? null, detail: detail ? JSON.stringify(detail) : null,
  }).execute();
}

/** The follow-up tasks proposed for a down-referral: those of the latest creation or edit event that named them. */
export async function proposedTasks(db: Reader, referralId: string): Promise<TaskInput[]> {
  const e = await db.selectFrom('referral_event').select('detail').where('referral_id', '=', referralId)
    .where('action', 'in', ['create', 'edit']).where(sql<boolean>`detail ? 'tasks'`).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const detail = (typeof e?.detail === 'string' ? JSON.parse(e.detail) : e?.detail) as { tasks?: TaskInput[] } | null | undefined;
  return detail?.tasks ?? [];
}

