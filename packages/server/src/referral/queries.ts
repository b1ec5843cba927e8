/** Reading referrals: the detail page, the boxes (待审核, 待接收, 待到诊 …), workbench counts and the public status page. */
import { notFound, REFERRAL_STATE_LABELS, REFERRAL_TRANSITIONS, type ReferralState } from '@yilian/core';
import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Caller } from '../http/context.js';
import { contains } from '../http/query.js';
import { authorize } from '../policy/policy.js';
import { KINDS, viewsOf } from '../record/entries.js';
import type { EntryKind } from '../record/schemas.js';
import { allowedActions, assertCanRead, loadReferral, referralView, REFERRAL, REFERRAL_STAFF } from './common.js';
import { insuranceFor } from './insurance.js';

export const taskView = (t: { id: string; referral_id: string; patient_id: string; institution_id: string; title: string; detail: string | null; due_date: string | Date; status: string; result: string | null; done_at: Date | null; done_by: string | null }) => ({
  id: t.id, referralId: t.referral_id, patientId: t.patient_id, institutionId: t.institution_id, title: t.title, detail: t.detail,
  dueDate: typeof t.due_date === 'string' ? t.due_date.slice(0, 10) : new Date(t.due_date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10),
  status: t.status, result: t.result, doneAt: t.done_at, doneBy: t.done_by,
});

/** Detail: history, forwarding chain, shared excerpts, tasks, the caller's allowed actions and the insurance comparison. */
export async function getReferral(db: Db, caller: Caller, id: string) {
  const r = await loadReferral(db, id);
  authorize(caller, 'referral.read', { patientId: r.patient_id });
  await assertCanRead(db, caller, r);
  const events = await db.selectFrom('referral_event').leftJoin('user_account as u', 'u.id', 'referral_event.user_id')
    .select(['referral_event.id', 'referral_event.at', 'referral_event.user_id', 'u.display_name', 'referral_event.institution_id', 'action', 'from_status', 'to_status', 'note', 'detail'])
    .where('referral_id', '=', id).orderBy('referral_event.id').execute();
  const names = new Map((await db.selectFrom('institution').select(['id', 'name']).execute()).map((i) => [i.id, i.name]));
  const chain = [{ institutionId: r.from_institution_id, name: names.get(r.from_institution_id) ?? null, at: r.created_at }];
  for (const e of events) {
    const d = e.detail as { fromInstitutionId?: string } | null;
    if (e.action === 'forward' && d?.fromInstitutionId) chain.push({ institutionId: d.fromInstitutionId, name: names.get(d.fromInstitutionId) ?? null, at: e.at });
  }
  chain.push({ institutionId: r.to_institution_id, name: names.get(r.to_institution_id) ?? null, at: r.status_since });
  const tasks = await db.selectFrom('referral_task').selectAll().where('referral_id', '=', id).orderBy('due_date').orderBy('id').execute();
  const patient = caller.role.role === 'regulator' ? null
    : await db.selectFrom('patient').select(['id', 'name', 'sex', 'birth_date']).where('id', '=', r.patient_id).executeTakeFirst();
  const excerpts = [];
  for (const kind of [...new Set(r.shared_entries.map((e) => e.kind))] as EntryKind[]) {
    const ids = r.shared_entries.filter((e) => e.kind === kind).map((e) => e.id);
    const rows = await db.selectFrom(KINDS[kind].table as 'encounter').selectAll().where('entry_id', 'in', ids).where('superseded_at', 'is', null).execute();
    excerpts.push(...await viewsOf(db, kind, rows as never));
  }
  const appointment = r.appointment_id ? await db.selectFrom('appointment').innerJoin('slot', 'slot.id', 'appointment.slot_id')
    .select(['appointment.id', 'appointment.status', 'slot.starts_at', 'slot.ends_at']).where('appointment.id', '=', r.appointment_id).executeTakeFirst() : undefined;
  return {
    ...referralView(r), publicToken: caller.role.role === 'regulator' ? null : r.public_token,
    fromInstitutionName: names.get(r.from_institution_id) ?? null, toInstitutionName: names.get(r.to_institution_id) ?? null,
    patient: patient ? { id: patient.id, name: patient.name, sex: patient.sex, birthDate: patient.birth_date } : null,
    events: events.map((e) => ({ id: Number(e.id), at: e.at, userId: e.user_id, userName: e.display_name, institutionId: e.institution_id, action: e.action, from: e.from_status, to: e.to_status, note: e.note, detail: e.detail })),
    chain, tasks: tasks.map(taskView),
    taskProgress: { total: tasks.length, done: tasks.filter((x) => x.status === 'done').length },
    allowedActions: allowedActions(caller, r).map((a) => ({ action: a, label: REFERRAL_TRANSITIONS[a].label, needs: REFERRAL_TRANSITIONS[a].needs ?? [] })),
    sharedExcerpts: excerpts,
    appointment: appointment ? { id: appointment.id, status: appointment.status, startsAt: appointment.starts_at, endsAt: appointment.ends_at } : null,
    insurance: r.insurance_type ? await insuranceFor(db, r, 0) : null,
  };
}

export interface ListQuery {
  box?: 'todo' | 'sent' | 'received' | 'all'; status?: ReferralState; direction?: 'up' | 'down'; from?: string; to?: string; q?: string; limit: number; offset: number;
}

export type ReferralEb = ExpressionBuilder<Database & { ref: Database['referral'] }, 'ref'>;
type Eb = ReferralEb;

/** What the caller may see at all: every referral (consortium office, regulator), their own (patient), their institution's sides. */
export function visible(eb: Eb, caller: Caller) {
  const role = caller.role.role;
  if (role === 'consortium_admin' || role === 'regulator') return eb.val(true);
  if (role === 'patient') return eb('ref.patient_id', '=', caller.patientId ?? '00000000-0000-0000-0000-000000000000');
  if (!REFERRAL_STAFF.includes(role)) return eb.val(false);
  const inst = caller.role.institutionId ?? '00000000-0000-0000-0000-000000000000';
  return eb.or([
    eb('ref.from_institution_id', '=', inst),
    eb.and([
      eb.or([eb('ref.to_institution_id', '=', inst),
        eb.exists(eb.selectFrom('referral_event as fe').select('fe.id').whereRef('fe.referral_id', '=', 'ref.id').where('fe.action', '=', 'forward')
          .where(sql<boolean>`fe.detail->>'fromInstitutionId' = ${inst}`))]),
      // The receiving side sees a referral once the sending office has let it go.
      eb.exists(eb.selectFrom('referral_event as ae').select('ae.id').whereRef('ae.referral_id', '=', 'ref.id').where('ae.action', '=', 'sender_approve')),
    ]),
  ]);
}

/** The caller's to-do list: office — to review; receiving doctor — to accept; receiving side — to confirm arrival or close; author — returned. */
function todo(eb: Eb, caller: Caller) {
  const inst = caller.role.institutionId ?? '00000000-0000-0000-0000-000000000000';
  if (caller.role.role === 'institution_admin')
    return eb.or([
      eb.and([eb('ref.status', '=', 'submitted'), eb('ref.from_institution_id', '=', inst)]),
      eb.and([eb('ref.status', '=', 'sender_approved'), eb('ref.to_institution_id', '=', inst)]),
      eb.and([eb('ref.status', '=', 'accepted'), eb('ref.to_institution_id', '=', inst)]),
    ]);
  return eb.or([
    eb.and([eb('ref.status', '=', 'returned'), eb('ref.created_by', '=', caller.userId)]),
    eb.and([eb('ref.status', '=', 'receiver_approved'), eb('ref.assigned_user_id', '=', caller.userId)]),
    eb.and([eb('ref.status', 'in', ['accepted', 'arrived']), eb('ref.assigned_user_id', '=', caller.userId)]),
  ]);
}

export async function listReferrals(db: Db, caller: Caller, q: ListQuery) {
  authorize(caller, 'referral.read', caller.role.role === 'patient' ? { patientId: caller.patientId } : {});
  const inst = caller.role.institutionId ?? '00000000-0000-0000-0000-000000000000';
  let sel = db.selectFrom('referral as ref').innerJoin('patient as p', 'p.id', 'ref.patient_id').selectAll('ref').select('p.name as patient_name')
    .where((eb) => visible(eb, caller));
  if (q.box === 'todo') sel = sel.where((eb) => todo(eb, caller));
  if (q.box === 'sent') sel = sel.where((eb) => caller.role.role === 'institution_admin' ? eb('ref.from_institution_id', '=', inst) : eb('ref.created_by', '=', caller.userId));
  if (q.box === 'received') sel = sel.where('ref.to_institution_id', '=', inst).where('ref.status', 'not in', ['draft', 'submitted', 'returned']);
  if (q.status) sel = sel.where('ref.status', '=', q.status);
  if (q.direction) sel = sel.where('ref.direction', '=', q.direction);
  if (q.from) sel = sel.where('ref.created_at', '>=', new Date(`${q.from}T00:00:00+08:00`));
  if (q.to) sel = sel.where('ref.created_at', '<', new Date(new Date(`${q.to}T00:00:00+08:00`).getTime() + 86_400_000));
  if (q.q) sel = sel.where((eb) => eb.or([eb('ref.code', 'ilike', contains(q.q!)), eb('p.name', 'ilike', contains(q.q!))]));
  const rows = await sel.orderBy('ref.status_since', 'desc').orderBy('ref.id').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map((r) => ({ ...referralView(r), patientName: caller.role.role === 'regulator' ? null : r.patient_name })) };
}

/** To-do counts for the workbench: 待审核 (office), 待接收 (assigned doctor), 待到诊 (receiving side), 随访任务 (primary side), 已退回 (author). */
export async function referralCounts(db: Db, caller: Caller) {
  authorize(caller, 'referral.read', caller.role.role === 'patient' ? { patientId: caller.patientId } : {});
  const inst = caller.role.institutionId ?? '00000000-0000-0000-0000-000000000000';
  const office = caller.role.role === 'institution_admin';
  const r = await sql<{ review: string; accept: string; arrival: string; returned: string; tasks: string }>`
    SELECT
      (SELECT count(*) FROM referral WHERE ${office} AND ((status = 'submitted' AND from_institution_id = ${inst}) OR (status = 'sender_approved' AND to_institution_id = ${inst}))) AS review,
      (SELECT count(*) FROM referral WHERE status = 'receiver_approved' AND assigned_user_id = ${caller.userId}) AS accept,
      (SELECT count(*) FROM referral WHERE status = 'accepted' AND to_institution_id = ${inst} AND (${office} OR assigned_user_id = ${caller.userId})) AS arrival,
      (SELECT count(*) FROM referral WHERE status = 'returned' AND created_by = ${caller.userId}) AS returned,
      (SELECT count(*) FROM referral_task WHERE status = 'open' AND institution_id = ${inst}) AS tasks`.execute(db);
  const c = r.rows[0]!;
  const counts = { review: Number(c.review), accept: Number(c.accept), arrival: Number(c.arrival), returned: Number(c.returned), tasks: Number(c.tasks) };
  return { ...counts, todo: counts.review + counts.accept + counts.arrival + counts.returned };
}

/** The public status page of the slip's QR code: no sign-in, so nothing about the patient. */
export async function publicStatus(db: Db, token: string) {
  const r = await db.selectFrom('referral as ref').innerJoin('institution as f', 'f.id', 'ref.from_institution_id').innerJoin('institution as t', 't.id', 'ref.to_institution_id')
    .leftJoin('appointment as a', 'a.id', 'ref.appointment_id').leftJoin('slot as s', 's.id', 'a.slot_id')
    .select(['ref.code', 'ref.status', 'ref.direction', 'ref.urgency', 'ref.created_at', 'ref.status_since', 'f.name as from_name', 't.name as to_name', 's.starts_at'])
    .where('ref.public_token', '=', token).where('ref.status', '<>', 'draft').executeTakeFirst();
  if (!r) throw notFound(REFERRAL, 'token');
  return {
    code: r.code, status: r.status, statusLabel: REFERRAL_STATE_LABELS[r.status as ReferralState], direction: r.direction, urgency: r.urgency,
    createdAt: r.created_at, statusSince: r.status_since, fromInstitution: r.from_name, toInstitution: r.to_name, appointmentAt: r.starts_at ?? null,
  };
}
