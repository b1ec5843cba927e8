/**
 * Time limits (时限) of the referral steps: a referral that stays in a state longer than referral_time_limit says is
 * overdue; the sweep tells the responsible office once per state entry (referral_escalation).
 */
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Db, Reader } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { authorize, institutionLimit } from '../policy/policy.js';
import { officeUsers, referralNotice } from './common.js';

/** Which side's office answers for a state: the sender's before its approval, the receiver's after. */
const RESPONSIBLE = sql<string>`CASE WHEN ref.status = 'submitted' THEN ref.from_institution_id ELSE ref.to_institution_id END`;

/** Referrals past their step's time limit, with the responsible institution; optionally of one institution. */
async function overdueRows(db: Reader, institutionId: string | null) {
  return db.selectFrom('referral as ref').innerJoin('referral_time_limit as l', 'l.status', 'ref.status')
    .select(['ref.id', 'ref.code', 'ref.status', 'ref.status_since', 'ref.patient_id', 'ref.direction', 'ref.from_institution_id', 'ref.to_institution_id', 'l.hours', RESPONSIBLE.as('responsible_institution_id')])
    .where(sql<boolean>`ref.status_since + make_interval(hours => l.hours) < now()`)
    .$if(!!institutionId, (q) => q.where(sql<boolean>`${RESPONSIBLE} = ${institutionId}`))
    .orderBy('ref.status_since').execute();
}

/** GET /referrals/overdue: an office sees its own institution's, the consortium office and regulator all (or one). */
export async function listOverdue(db: Db, caller: Caller, q: { institutionId?: string }) {
  authorize(caller, 'referral.report', q.institutionId ? { institutionId: q.institutionId } : {});
  const inst = q.institutionId ?? institutionLimit(caller, 'referral.report');
  const rows = await overdueRows(db, inst);
  return {
    items: rows.map((r) => ({
      id: r.id, code: r.code, status: r.status, statusSince: r.status_since, direction: r.direction, limitHours: r.hours,
      dueAt: new Date(new Date(r.status_since).getTime() + r.hours * 3_600_000), responsibleInstitutionId: r.responsible_institution_id,
      fromInstitutionId: r.from_institution_id, toInstitutionId: r.to_institution_id,
    })),
  };
}

const SYSTEM_ACTOR = { userId: null, username: 'system', role: null, institutionId: null, ip: null };

/** Notifies the responsible office of each overdue step it was not yet told about; returns how many were escalated. */
export async function escalateOverdue(db: Db): Promise<number> {
  let n = 0;
  for (const r of await overdueRows(db, null)) {
    n += await db.transaction().execute(async (tx) => {
      const fresh = await tx.insertInto('referral_escalation').values({ referral_id: r.id, status: r.status, status_since: r.status_since })
        .onConflict((oc) => oc.columns(['referral_id', 'status', 'status_since']).doNothing()).returning('referral_id').executeTakeFirst();
      if (!fresh) return 0;
      await referralNotice(tx, r, await officeUsers(tx, r.responsible_institution_id), '', { zh: '转诊环节已超时，请尽快处理', en: 'A referral step is overdue' });
      await audit(tx, SYSTEM_ACTOR, { action: 'referral.escalate', objectType: 'referral', objectId: r.id, patientId: r.patient_id, detail: { status: r.status, institutionId: r.responsible_institution_id } });
      return 1;
    });
  }
  return n;
}

/** Runs the escalation sweep every five minutes until stopped (next to the schedule roller). */
export function startReferralSweep(db: Db, log: { error: (o: object, msg: string) => void }, everyMs = 5 * 60_000) {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => { running = escalateOverdue(db).catch((err: unknown) => log.error({ err }, 'referral escalation failed')); };
  const timer = setInterval(run, everyMs);
  timer.unref();
  return { stop: async () => { clearInterval(timer); await running; } };
}
