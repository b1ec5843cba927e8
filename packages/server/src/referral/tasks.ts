/** Down-referral follow-up tasks (随访任务) that the primary institution does, and the upper doctor follows. */
import { conflict, forbidden, notFound } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { referralNotice } from './common.js';
import { publishTopic } from '../realtime/bus.js';
import { taskView } from './queries.js';

const TASK = { zh: '随访任务', en: 'Follow-up task' };
const STAFF = ['institution_admin', 'dept_head', 'doctor', 'family_doctor'];

/** `mine`: tasks of referrals assigned to the caller; `institution`: all of the caller's institution. */
export async function listTasks(db: Db, caller: Caller, q: { box?: 'mine' | 'institution'; status?: 'open' | 'done' | 'cancelled'; limit: number; offset: number }) {
  authorize(caller, 'referral.read');
  if (!STAFF.includes(caller.role.role) || !caller.role.institutionId) throw forbidden();
  let sel = db.selectFrom('referral_task as t').innerJoin('referral as r', 'r.id', 't.referral_id').innerJoin('patient as p', 'p.id', 't.patient_id')
    .selectAll('t').select(['r.code', 'p.name as patient_name']).where('t.institution_id', '=', caller.role.institutionId);
  if (q.box !== 'institution') sel = sel.where('r.assigned_user_id', '=', caller.userId);
  if (q.status) sel = sel.where('t.status', '=', q.status);
  const rows = await sel.orderBy('t.due_date').orderBy('t.id').limit(q.limit).offset(q.offset).execute();
  return { items: rows.map((t) => ({ ...taskView(t), referralCode: t.code, patientName: t.patient_name })) };
}

export async function completeTask(db: Db, caller: Caller, id: string, input: { result?: string | null }) {
  return db.transaction().execute(async (tx) => {
    const t = await tx.selectFrom('referral_task').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!t) throw notFound(TASK, 'id');
    authorize(caller, 'referral.read');
    if (!STAFF.includes(caller.role.role) || caller.role.institutionId !== t.institution_id)
      throw forbidden('只有承接机构的医生可以完成随访任务', 'Only the receiving institution’s staff complete follow-up tasks');
    if (t.status !== 'open') throw conflict('invalid_transition', `任务当前状态（${t.status}）不能完成`, `The task is ${t.status}`, 'id', { status: t.status });
    const done = await tx.updateTable('referral_task').set({ status: 'done', result: input.result ?? null, done_at: new Date(), done_by: caller.userId })
      .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const r = await tx.selectFrom('referral').select(['id', 'code', 'created_by']).where('id', '=', t.referral_id).executeTakeFirstOrThrow();
    await audit(tx, actorOf(caller), { action: 'referral.task.done', objectType: 'referral_task', objectId: id, patientId: t.patient_id, detail: { referralId: t.referral_id } });
    await referralNotice(tx, r, [r.created_by], caller.userId, { zh: '下转患者的随访任务已完成', en: 'A follow-up task of your down-referral was done' });
    await publishTopic(tx, `referral:${r.id}`, { type: 'referral.task', taskId: id });
    return taskView(done);
  });
}
