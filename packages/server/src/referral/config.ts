/** Referral configuration (referral.configure): step time limits, the reimbursement table, down-referral criteria. */
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';

export async function getTimeLimits(db: Db, caller: Caller) {
  authorize(caller, 'referral.configure');
  return { items: await db.selectFrom('referral_time_limit').select(['status', 'hours']).orderBy('status').execute() };
}
export async function putTimeLimits(db: Db, caller: Caller, items: { status: string; hours: number }[]) {
  authorize(caller, 'referral.configure');
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('referral_time_limit').execute();
    if (items.length) await tx.insertInto('referral_time_limit').values(items).execute();
    await audit(tx, actorOf(caller), { action: 'referral.config.time_limits', detail: { items } });
    return { items: await tx.selectFrom('referral_time_limit').select(['status', 'hours']).orderBy('status').execute() };
  });
}

const ruleView = (r: { insurance_type: string; level: string; deductible: string; rate: string; label: string }) =>
  ({ insuranceType: r.insurance_type, level: r.level, deductible: Number(r.deductible), rate: Number(r.rate), label: r.label });
export async function getReimbursement(db: Db, caller: Caller) {
  authorize(caller, 'referral.configure');
  return { items: (await db.selectFrom('reimbursement_rule').selectAll().orderBy('insurance_type').orderBy('level').execute()).map(ruleView) };
}
export async function putReimbursement(db: Db, caller: Caller, items: { insuranceType: string; level: '1' | '2' | '3'; deductible: number; rate: number; label: string }[]) {
  authorize(caller, 'referral.configure');
  return db.transaction().execute(async (tx) => {
    for (const i of items) {
      const v = { deductible: i.deductible, rate: i.rate, label: i.label };
      await tx.insertInto('reimbursement_rule').values({ insurance_type: i.insuranceType, level: i.level, ...v })
        .onConflict((oc) => oc.columns(['insurance_type', 'level']).doUpdateSet(v)).execute();
    }
    await audit(tx, actorOf(caller), { action: 'referral.config.reimbursement', detail: { items } });
    return { items: (await tx.selectFrom('reimbursement_rule').selectAll().orderBy('insurance_type').orderBy('level').execute()).map(ruleView) };
  });
}

const criterionView = (c: { id: string; code_prefix: string; label: string; stable_days: number; active: boolean }) =>
  ({ id: c.id, codePrefix: c.code_prefix, label: c.label, stableDays: c.stable_days, active: c.active });
export async function getCriteria(db: Db, caller: Caller) {
  authorize(caller, 'referral.configure');
  return { items: (await db.selectFrom('down_referral_criterion').selectAll().orderBy('code_prefix').execute()).map(criterionView) };
}
/** Replaces the criteria: the listed ones are the active set (criteria not listed are deactivated, not deleted). */
export async function putCriteria(db: Db, caller: Caller, items: { codePrefix: string; label: string; stableDays: number }[]) {
  authorize(caller, 'referral.configure');
  return db.transaction().execute(async (tx) => {
    await tx.updateTable('down_referral_criterion').set({ active: false }).execute();
    for (const i of items) {
      const found = await tx.selectFrom('down_referral_criterion').select('id').where('code_prefix', '=', i.codePrefix).orderBy('id').limit(1).executeTakeFirst();
      if (found) await tx.updateTable('down_referral_criterion').set({ label: i.label, stable_days: i.stableDays, active: true }).where('id', '=', found.id).execute();
      else await tx.insertInto('down_referral_criterion').values({ code_prefix: i.codePrefix, label: i.label, stable_days: i.stableDays }).execute();
    }
    await audit(tx, actorOf(caller), { action: 'referral.config.criteria', detail: { items } });
    return { items: (await tx.selectFrom('down_referral_criterion').selectAll().where('active', '=', true).orderBy('code_prefix').execute()).map(criterionView) };
  });
}
