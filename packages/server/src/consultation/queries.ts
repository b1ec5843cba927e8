/** Reading consultations: the detail page, the boxes (待审批, 待预审, 待专家确认 …) and the workbench counts. */
import {
  CONSULTATION_ROOM_WINDOW, CONSULTATION_TRANSITIONS, consultationActionsFrom, roomOpen,
  type ConsultationAction, type ConsultationKind, type ConsultationState,
} from '@yilian/core';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { contains } from '../http/query.js';
import { authorize } from '../policy/policy.js';
import { KINDS, viewsOf } from '../record/entries.js';
import type { EntryKind } from '../record/schemas.js';
import {
  assertCanRead, consultationView, invitationOf, isActor, loadConsultation, visible, type ConsultationEb, type ConsultationRow, type Invitation,
} from './common.js';
import { consentView } from './consent.js';
import { opinionRows, opinionView } from './opinions.js';

const NOBODY = '00000000-0000-0000-0000-000000000000';
const readTarget = (caller: Caller) => (caller.role.role === 'patient' ? { patientId: caller.patientId } : {});

/** The actions the caller may take now: the state machine's actions from the state and kind, filtered by the caller's side. */
export function allowedActions(caller: Caller, c: ConsultationRow, invitation: Invitation | null | undefined): ConsultationAction[] {
  return consultationActionsFrom(c.status as ConsultationState, c.kind as ConsultationKind).filter((a) => {
    const t = CONSULTATION_TRANSITIONS[a];
    if (!isActor(caller, c, t.actor, invitation)) return false;
    // An expert answers an invitation once.
    if (a === 'expert_accept' || a === 'expert_decline') return invitation?.status === 'invited';
    return true;
  });
}

/** The video room's window around the agreed time. */
export function roomOf(c: { scheduled_at: Date | null; status: string }, now = new Date()) {
  if (!c.scheduled_at) return null;
  const opensAt = new Date(c.scheduled_at.getTime() - CONSULTATION_ROOM_WINDOW.beforeMinutes * 60_000);
  const closesAt = new Date(c.scheduled_at.getTime() + CONSULTATION_ROOM_WINDOW.afterMinutes * 60_000);
  return { opensAt, closesAt, open: ['scheduled', 'answered'].includes(c.status) && roomOpen(c.scheduled_at, now) };
}

/** Detail: the request, patient, consent, experts, opinions (every version), history and the caller's allowed actions. */
export async function getConsultation(db: Db, caller: Caller, id: string) {
  const c = await loadConsultation(db, id);
  authorize(caller, 'consultation.read', { patientId: c.patient_id });
  await assertCanRead(db, caller, c);
  const regulator = caller.role.role === 'regulator';
  const invitation = await invitationOf(db, id, caller.userId);
  const [patient, consent, experts, opinions, events, names] = await Promise.all([
    regulator ? null : db.selectFrom('patient').select(['id', 'name', 'sex', 'birth_date']).where('id', '=', c.patient_id).executeTakeFirst(),
    db.selectFrom('consultation_consent').selectAll().where('consultation_id', '=', id).orderBy('created_at', 'desc').limit(1).executeTakeFirst(),
    db.selectFrom('consultation_expert as e').innerJoin('practitioner as p', 'p.id', 'e.practitioner_id').innerJoin('institution as i', 'i.id', 'e.institution_id')
      .selectAll('e').select(['p.name', 'p.title', 'p.specialty', 'i.name as institution_name']).where('e.consultation_id', '=', id).orderBy('e.invited_at').execute(),
    opinionRows(db, id),
    db.selectFrom('consultation_event as ev').leftJoin('user_account as u', 'u.id', 'ev.user_id')
      .select(['ev.id', 'ev.at', 'ev.user_id', 'u.display_name', 'ev.institution_id', 'ev.action', 'ev.from_status', 'ev.to_status', 'ev.note', 'ev.detail'])
      .where('ev.consultation_id', '=', id).orderBy('ev.id').execute(),
    db.selectFrom('institution').select(['id', 'name']).where('id', 'in', [c.from_institution_id, c.centre_institution_id]).execute(),
  ]);
  const name = new Map(names.map((i) => [i.id, i.name]));
  const excerpts = [];
  for (const kind of [...new Set(c.shared_entries.map((e) => e.kind))] as EntryKind[]) {
    const ids = c.shared_entries.filter((e) => e.kind === kind).map((e) => e.id);
    const rows = await db.selectFrom(KINDS[kind].table as 'encounter').selectAll().where('entry_id', 'in', ids).where('superseded_at', 'is', null).execute();
    excerpts.push(...await viewsOf(db, kind, rows as never));
  }
  const mine = invitation && opinions.find((o) => o.practitioner_id === invitation.practitioner_id && o.status === 'draft');
  return {
    ...consultationView(c),
    fromInstitutionName: name.get(c.from_institution_id) ?? null, centreInstitutionName: name.get(c.centre_institution_id) ?? null,
    patient: patient ? { id: patient.id, name: patient.name, sex: patient.sex, birthDate: patient.birth_date } : null,
    // The signer is often the patient: the regulator sees that there is a consent, not who signed it.
    consent: consent ? { ...consentView(consent), ...(regulator ? { signerName: null } : {}) } : null,
    experts: experts.map((e) => ({
      practitionerId: e.practitioner_id, userId: e.user_id, name: e.name, title: e.title, specialty: e.specialty, institutionId: e.institution_id,
      institutionName: e.institution_name, status: e.status, invitedAt: e.invited_at, repliedAt: e.replied_at, replyNote: e.reply_note,
    })),
    // Drafts are their author's own (myOpinion); everyone who may see the consultation sees signed and superseded versions.
    opinions: opinions.filter((o) => o.status !== 'draft').map(opinionView),
    myOpinion: mine ? opinionView(mine) : null,
    myInvitation: invitation ? { practitionerId: invitation.practitioner_id, status: invitation.status } : null,
    events: events.map((e) => ({ id: Number(e.id), at: e.at, userId: e.user_id, userName: e.display_name, institutionId: e.institution_id, action: e.action, from: e.from_status, to: e.to_status, note: e.note, detail: e.detail })),
    allowedActions: allowedActions(caller, c, invitation).map((a) => ({ action: a, label: CONSULTATION_TRANSITIONS[a].label, needs: CONSULTATION_TRANSITIONS[a].needs ?? [] })),
    room: roomOf(c),
    sharedExcerpts: excerpts,
  };
}

export interface ListQuery {
  box?: 'todo' | 'mine' | 'centre' | 'invited' | 'institution' | 'all' | undefined; status?: ConsultationState | undefined; kind?: ConsultationKind | undefined;
  from?: string | undefined; to?: string | undefined; q?: string | undefined; limit: number; offset: number;
}

/** An accepted expert's invitation on c without a signed opinion of theirs yet. */
const opinionDue = (eb: ConsultationEb, userId: string) => eb.exists(eb.selectFrom('consultation_expert as ox').select('ox.consultation_id')
  .whereRef('ox.consultation_id', '=', 'c.id').where('ox.user_id', '=', userId).where('ox.status', '=', 'accepted')
  .where((e) => e.not(e.exists(e.selectFrom('consultation_opinion as oo').select('oo.id').whereRef('oo.consultation_id', '=', 'ox.consultation_id')
    .whereRef('oo.practitioner_id', '=', 'ox.practitioner_id').where('oo.status', '=', 'signed')))));
/** Every accepted expert signed (and there is one). */
const allSigned = (eb: ConsultationEb) => eb.and([
  eb.exists(eb.selectFrom('consultation_expert as ax').select('ax.consultation_id').whereRef('ax.consultation_id', '=', 'c.id').where('ax.status', '=', 'accepted')),
  eb.not(eb.exists(eb.selectFrom('consultation_expert as ux').select('ux.consultation_id').whereRef('ux.consultation_id', '=', 'c.id').where('ux.status', '=', 'accepted')
    .where((e) => e.not(e.exists(e.selectFrom('consultation_opinion as so').select('so.id').whereRef('so.consultation_id', '=', 'ux.consultation_id')
      .whereRef('so.practitioner_id', '=', 'ux.practitioner_id').where('so.status', '=', 'signed')))))),
]);

/** The caller's to-do list, by role and relation: what waits for them. */
function todo(eb: ConsultationEb, caller: Caller) {
  const inst = caller.role.institutionId ?? NOBODY;
  const role = caller.role.role;
  const parts = [
    eb.and([eb('c.created_by', '=', caller.userId), eb('c.status', 'in', ['returned', 'supplementing', 'answered'])]),
    eb.and([eb('c.status', '=', 'inviting'), eb.exists(eb.selectFrom('consultation_expert as ix').select('ix.consultation_id').whereRef('ix.consultation_id', '=', 'c.id')
      .where('ix.user_id', '=', caller.userId).where('ix.status', '=', 'invited'))]),
    eb.and([eb('c.status', '=', 'scheduled'), opinionDue(eb, caller.userId)]),
  ];
  if (role === 'dept_head') parts.push(eb.and([eb('c.status', '=', 'submitted'), eb('c.from_institution_id', '=', inst)]));
  if (role === 'institution_admin') parts.push(eb.and([eb('c.status', '=', 'dept_approved'), eb('c.from_institution_id', '=', inst)]));
  if (role === 'consult_coordinator') parts.push(eb.and([eb('c.centre_institution_id', '=', inst), eb.or([
    eb('c.status', 'in', ['received', 'accepted']), eb.and([eb('c.status', '=', 'scheduled'), allSigned(eb)]),
  ])]));
  return eb.or(parts);
}

export async function listConsultations(db: Db, caller: Caller, q: ListQuery) {
  authorize(caller, 'consultation.read', readTarget(caller));
  const inst = caller.role.institutionId ?? NOBODY;
  let sel = db.selectFrom('consultation as c').innerJoin('patient as p', 'p.id', 'c.patient_id').selectAll('c').select('p.name as patient_name')
    .where((eb) => visible(eb, caller));
  if (q.box === 'todo') sel = sel.where((eb) => todo(eb, caller));
  if (q.box === 'mine') sel = sel.where('c.created_by', '=', caller.userId);
  if (q.box === 'centre') sel = sel.where('c.centre_institution_id', '=', inst).where('c.received_at', 'is not', null);
  if (q.box === 'institution') sel = sel.where('c.from_institution_id', '=', inst);
  if (q.box === 'invited') sel = sel.where((eb) => eb.exists(eb.selectFrom('consultation_expert as bx').select('bx.consultation_id')
    .whereRef('bx.consultation_id', '=', 'c.id').where('bx.user_id', '=', caller.userId).where('bx.status', '<>', 'withdrawn')));
  if (q.status) sel = sel.where('c.status', '=', q.status);
  if (q.kind) sel = sel.where('c.kind', '=', q.kind);
  if (q.from) sel = sel.where('c.created_at', '>=', new Date(`${q.from}T00:00:00+08:00`));
  if (q.to) sel = sel.where('c.created_at', '<', new Date(new Date(`${q.to}T00:00:00+08:00`).getTime() + 86_400_000));
  if (q.q) sel = sel.where((eb) => eb.or([eb('c.code', 'ilike', contains(q.q!)), eb('p.name', 'ilike', contains(q.q!)), eb('c.purpose', 'ilike', contains(q.q!))]));
  const [rows, total] = await Promise.all([
    sel.innerJoin('institution as fi', 'fi.id', 'c.from_institution_id').innerJoin('institution as ci', 'ci.id', 'c.centre_institution_id')
      .innerJoin('user_account as u', 'u.id', 'c.created_by').select(['fi.name as from_name', 'ci.name as centre_name', 'u.display_name as created_by_name'])
      .orderBy('c.status_since', 'desc').orderBy('c.id').limit(q.limit).offset(q.offset).execute(),
    sel.clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      ...consultationView(r), patientName: caller.role.role === 'regulator' ? null : r.patient_name,
      fromInstitutionName: r.from_name, centreInstitutionName: r.centre_name, createdByName: r.created_by_name,
    })),
  };
}

/**
 * Workbench counts: approve (dept head), office (medical affairs), review/arrange/forward (centre), invitations and
 * opinions (expert), confirm and supplements (applicant: answered; supplements asked or returned), quick (quick
 * consults open for me as expert), overdue (past due and unanswered, in the caller's scope).
 */
export async function consultationCounts(db: Db, caller: Caller) {
  authorize(caller, 'consultation.read', readTarget(caller));
  const inst = caller.role.institutionId ?? NOBODY;
  const role = caller.role.role;
  const me = caller.userId;
  const live = sql`c.status NOT IN ('closed', 'cancelled', 'expired')`;
  const overdueScope = role === 'consortium_admin' || role === 'regulator' ? sql`true`
    : role === 'consult_coordinator' ? sql`c.centre_institution_id = ${inst}`
    : role === 'institution_admin' ? sql`c.from_institution_id = ${inst}` : sql`false`;
  const signedBy = (alias: string) => sql`EXISTS (SELECT 1 FROM consultation_opinion o WHERE o.consultation_id = ${sql.ref(`${alias}.consultation_id`)} AND o.practitioner_id = ${sql.ref(`${alias}.practitioner_id`)} AND o.status = 'signed')`;
  const r = await sql<Record<string, string>>`
    SELECT
      (SELECT count(*) FROM consultation c WHERE ${role === 'dept_head'} AND c.status = 'submitted' AND c.from_institution_id = ${inst}) AS approve,
      (SELECT count(*) FROM consultation c WHERE ${role === 'institution_admin'} AND c.status = 'dept_approved' AND c.from_institution_id = ${inst}) AS office,
      (SELECT count(*) FROM consultation c WHERE ${role === 'consult_coordinator'} AND c.status = 'received' AND c.centre_institution_id = ${inst}) AS review,
      (SELECT count(*) FROM consultation c WHERE ${role === 'consult_coordinator'} AND c.centre_institution_id = ${inst} AND (c.status = 'accepted'
         OR (c.status = 'inviting' AND EXISTS (SELECT 1 FROM consultation_expert d WHERE d.consultation_id = c.id AND d.status = 'declined')))) AS arrange,
      (SELECT count(*) FROM consultation_expert e JOIN consultation c ON c.id = e.consultation_id WHERE e.user_id = ${me} AND e.status = 'invited' AND c.status = 'inviting') AS invitations,
      (SELECT count(*) FROM consultation_expert e JOIN consultation c ON c.id = e.consultation_id WHERE e.user_id = ${me} AND e.status = 'accepted' AND c.status = 'scheduled' AND NOT ${signedBy('e')}) AS opinions,
      (SELECT count(*) FROM consultation c WHERE ${role === 'consult_coordinator'} AND c.status = 'scheduled' AND c.centre_institution_id = ${inst}
         AND EXISTS (SELECT 1 FROM consultation_expert a WHERE a.consultation_id = c.id AND a.status = 'accepted')
         AND NOT EXISTS (SELECT 1 FROM consultation_expert a WHERE a.consultation_id = c.id AND a.status = 'accepted' AND NOT ${signedBy('a')})) AS forward,
      (SELECT count(*) FROM consultation c WHERE c.status = 'answered' AND c.created_by = ${me}) AS confirm,
      (SELECT count(*) FROM consultation c WHERE c.status IN ('supplementing', 'returned') AND c.created_by = ${me}) AS supplements,
      (SELECT count(*) FROM quick_consult q WHERE q.expert_user_id = ${me} AND q.status = 'open') AS quick,
      (SELECT count(*) FROM consultation c WHERE ${overdueScope} AND ${live} AND c.answered_at IS NULL AND c.due_at < now()) AS overdue`.execute(db);
  const row = r.rows[0]!;
  const keys = ['approve', 'office', 'review', 'arrange', 'invitations', 'opinions', 'forward', 'confirm', 'supplements', 'quick', 'overdue'] as const;
  const counts = Object.fromEntries(keys.map((k) => [k, Number(row[k])])) as Record<(typeof keys)[number], number>;
  return { ...counts, todo: keys.filter((k) => k !== 'overdue').reduce((s, k) => s + counts[k], 0) };
}


/** 110101********1234: the resident ID as it may appear on paper. */
export const maskResidentId = (id: string | null) => (id && id.length > 10 ? `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}` : id);

/**
 * GET /consultations/:id/report: what the printable A4 report (远程会诊报告单) shows — the detail, plus the
 * consortium, the patient's masked resident ID and age, the applicant's department and doctor, and each opinion's
 * expert with title, institution and department.
 */
export async function consultationReport(db: Db, caller: Caller, id: string) {
  const detail = await getConsultation(db, caller, id);
  const regulator = caller.role.role === 'regulator';
  const [patient, department, doctor, consortium, experts] = await Promise.all([
    regulator ? null : db.selectFrom('patient').select(['name', 'sex', 'birth_date', 'resident_id']).where('id', '=', detail.patientId).executeTakeFirst(),
    detail.fromDepartmentId ? db.selectFrom('department').select('name').where('id', '=', detail.fromDepartmentId).executeTakeFirst() : null,
    db.selectFrom('user_account as u').leftJoin('practitioner as p', 'p.id', 'u.practitioner_id').select(['u.display_name', 'p.name', 'p.title'])
      .where('u.id', '=', detail.createdBy).executeTakeFirst(),
    db.selectFrom('consortium_member as m').innerJoin('consortium as k', 'k.id', 'm.consortium_id').select('k.name')
      .where('m.institution_id', '=', detail.centreInstitutionId).orderBy('k.name').limit(1).executeTakeFirst(),
    db.selectFrom('consultation_expert as e').innerJoin('institution as i', 'i.id', 'e.institution_id')
      .leftJoin('practitioner_role as r', (j) => j.onRef('r.practitioner_id', '=', 'e.practitioner_id').onRef('r.institution_id', '=', 'e.institution_id'))
      .leftJoin('department as d', 'd.id', 'r.department_id')
      .select(['e.practitioner_id', 'i.name as institution_name', 'd.name as department_name']).where('e.consultation_id', '=', id).execute(),
  ]);
  const where = new Map(experts.map((e) => [e.practitioner_id, e]));
  // Age in full years on today's date in China.
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const born = patient ? String(patient.birth_date).slice(0, 10) : null;
  const age = born ? Number(today.slice(0, 4)) - Number(born.slice(0, 4)) - (today.slice(5) < born.slice(5) ? 1 : 0) : null;
  return {
    ...detail,
    consortiumName: consortium?.name ?? null,
    centreName: detail.centreInstitutionName,
    patient: patient ? { name: patient.name, sex: patient.sex, birthDate: born, age, residentIdMasked: maskResidentId(patient.resident_id) } : null,
    applicant: {
      institutionName: detail.fromInstitutionName, departmentName: department?.name ?? null,
      doctorName: doctor?.name ?? doctor?.display_name ?? null, doctorTitle: doctor?.title ?? null,
    },
    opinions: detail.opinions.map((o) => ({ ...o, institutionName: where.get(o.practitionerId)?.institution_name ?? null, departmentName: where.get(o.practitionerId)?.department_name ?? null })),
  };
}
