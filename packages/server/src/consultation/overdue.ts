/**
 * Time limits (时限) of consultations: a request past `due_at` and not answered is overdue; the sweep tells the
 * centre's coordinators and the consortium office once per consultation and due time (consultation_escalation), and
 * expires requests that were not scheduled CONSULTATION_EXPIRY_DAYS after their last step.
 */
import { CONSULTATION_EXPIRY_DAYS } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db, Reader } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { authorize, institutionLimit } from '../policy/policy.js';
import { announceConsultation, consortiumOffice, consultationNotice, coordinators, event, expertUsers } from './common.js';

const FINAL = ['closed', 'cancelled', 'expired'];

/** Overdue requests; of one institution (as the centre or the applicant) when given. */
async function overdueRows(db: Reader, institutionId: string | null, now = new Date()) {
  return db.selectFrom('consultation as c').innerJoin('institution as f', 'f.id', 'c.from_institution_id')
    .innerJoin('institution as ce', 'ce.id', 'c.centre_institution_id').innerJoin('patient as p', 'p.id', 'c.patient_id')
    .select(['c.id', 'c.code', 'c.kind', 'c.status', 'c.patient_id', 'c.from_institution_id', 'c.centre_institution_id', 'c.received_at', 'c.due_at',
      'f.name as from_name', 'ce.name as centre_name', 'p.name as patient_name'])
    .where('c.answered_at', 'is', null).where('c.due_at', '<', now).where('c.status', 'not in', FINAL)
    .$if(!!institutionId, (q) => q.where((eb) => eb.or([eb('c.centre_institution_id', '=', institutionId!), eb('c.from_institution_id', '=', institutionId!)])))
    .orderBy('c.due_at').execute();
}

/**
 * GET /consultations/overdue: a centre coordinator sees its centre's, a medical office its institution's requests,
 * the consortium office and regulator all (or one institution's).
 */
export async function listOverdue(db: Db, caller: Caller, q: { institutionId?: string | undefined }) {
  authorize(caller, 'consultation.report', q.institutionId ? { institutionId: q.institutionId } : {});
  const inst = q.institutionId ?? institutionLimit(caller, 'consultation.report');
  const now = new Date();
  const rows = await overdueRows(db, inst, now);
  return {
    items: rows.map((r) => ({
      id: r.id, code: r.code, kind: r.kind, status: r.status, receivedAt: r.received_at, dueAt: r.due_at,
      overdueMinutes: Math.floor((now.getTime() - r.due_at!.getTime()) / 60_000), fromInstitutionId: r.from_institution_id,
      fromInstitutionName: r.from_name, centreInstitutionId: r.centre_institution_id, centreInstitutionName: r.centre_name,
      // The regulator follows the limits, not the patients.
      patientName: caller.role.role === 'regulator' ? null : r.patient_name,
    })),
  };
}

const SYSTEM_ACTOR = { userId: null, username: 'system', role: null, institutionId: null, ip: null };

/** Notifies the centre and the consortium office of each overdue request not yet escalated; returns how many. */
export async function escalateOverdue(db: Db, now = new Date()): Promise<number> {
  let n = 0;
  for (const r of await overdueRows(db, null, now)) {
    n += await db.transaction().execute(async (tx) => {
      const fresh = await tx.insertInto('consultation_escalation').values({ consultation_id: r.id, due_at: r.due_at! })
        .onConflict((oc) => oc.columns(['consultation_id', 'due_at']).doNothing()).returning('consultation_id').executeTakeFirst();
      if (!fresh) return 0;
      const users = [...await coordinators(tx, r.centre_institution_id), ...await consortiumOffice(tx)];
      await consultationNotice(tx, r, users, '', { zh: r.kind === 'urgent' ? '急会诊已超时未答复，请尽快处理' : '会诊已超过应答时限，请尽快处理', en: 'A consultation is past its answer time limit' });
      await event(tx, null, r.id, 'escalate', r.status, r.status, null, { dueAt: r.due_at!.toISOString() });
      await audit(tx, SYSTEM_ACTOR, { action: 'consultation.escalate', objectType: 'consultation', objectId: r.id, patientId: r.patient_id, detail: { dueAt: r.due_at, status: r.status } });
      return 1;
    });
  }
  return n;
}

/** Expires requests not scheduled CONSULTATION_EXPIRY_DAYS after their last step; returns how many. */
export async function expireStale(db: Db, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - CONSULTATION_EXPIRY_DAYS * 86_400_000);
  const stale = await db.selectFrom('consultation').select('id').where('status', 'in', ['draft', 'submitted', 'dept_approved', 'returned', 'received', 'supplementing', 'accepted', 'inviting'])
    .where('updated_at', '<', cutoff).execute();
  let n = 0;
  for (const { id } of stale) {
    n += await db.transaction().execute(async (tx) => {
      // Checked again under the lock: a step may have moved it meanwhile.
      const c = await tx.selectFrom('consultation').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
      if (c.updated_at >= cutoff || ['scheduled', 'answered', ...FINAL].includes(c.status)) return 0;
      const updated = await tx.updateTable('consultation').set({ status: 'expired', status_since: now, version: c.version + 1, updated_at: now })
        .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await tx.updateTable('care_relation').set({ ends_at: now }).where('kind', '=', 'consultation').where('source_id', '=', id).where('ends_at', 'is', null).execute();
      await event(tx, null, id, 'expire', c.status, 'expired', `${CONSULTATION_EXPIRY_DAYS} 天未安排，自动过期`);
      await audit(tx, SYSTEM_ACTOR, { action: 'consultation.expire', objectType: 'consultation', objectId: id, patientId: c.patient_id, detail: { from: c.status } });
      const users = [c.created_by, ...await expertUsers(tx, id), ...(c.received_at ? await coordinators(tx, c.centre_institution_id) : [])];
      await consultationNotice(tx, c, users, '', { zh: '会诊申请长期未安排，已自动过期', en: 'A consultation request expired unscheduled' });
      await announceConsultation(tx, updated);
      return 1;
    });
  }
  return n;
}

/** One pass of the sweep: escalations, then expiries. */
export async function sweepConsultations(db: Db, now = new Date()) {
  return { escalated: await escalateOverdue(db, now), expired: await expireStale(db, now) };
}

/** Runs the sweep every minute until stopped (next to the referral sweep). */
export function startConsultationSweep(db: Db, log: { error: (o: object, msg: string) => void }, everyMs = 60_000) {
  let running: Promise<unknown> | null = null;
  // A pass still running (a slow database) is not overlapped by the next one.
  const run = () => {
    running ??= sweepConsultations(db).catch((err: unknown) => log.error({ err }, 'consultation sweep failed')).finally(() => { running = null; });
  };
  const timer = setInterval(run, everyMs);
  timer.unref();
  return { stop: async () => { clearInterval(timer); await running; } };
}

