/**
 * Insurance comparison (医保报销比较) from reimbursement_rule: out-of-pocket for an amount at levels 1/2/3.
 * Kept simple and documented: an up-referral pays the receiving level's deductible on top of the one already paid
 * below (deductibles accumulate); a down-referral continues one episode, so the lower level charges no second
 * deductible.
 */
import { badRequest } from '@yilian/core';
import type { Db, Reader } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { assertCanRead, loadReferral } from './common.js';
import { authorize } from '../policy/policy.js';

const round2 = (n: number) => Math.round(n * 100) / 100;
const levelOf = (level: string) => (level === '0' ? '1' : level) as '1' | '2' | '3';

/** Out-of-pocket for `amount` with a deductible (起付线) and a rate (报销比例). */
export const outOfPocket = (amount: number, deductible: number, rate: number) => {
  const d = Math.min(amount, deductible);
  return round2(d + (amount - d) * (1 - rate));
};

export async function insuranceFor(db: Reader, r: { insurance_type: string | null; direction: 'up' | 'down'; from_institution_id: string; to_institution_id: string }, amount: number) {
  if (!r.insurance_type) throw badRequest('no_insurance_type', '转诊单未填写医保类型', 'The referral names no insurance type', 'insuranceType');
  const rules = await db.selectFrom('reimbursement_rule').selectAll().where('insurance_type', '=', r.insurance_type).orderBy('level').execute();
  const insts = await db.selectFrom('institution').select(['id', 'level']).where('id', 'in', [r.from_institution_id, r.to_institution_id]).execute();
  const fromLevel = levelOf(insts.find((i) => i.id === r.from_institution_id)?.level ?? '1');
  const toLevel = levelOf(insts.find((i) => i.id === r.to_institution_id)?.level ?? '1');
  const levels = rules.map((x) => {
    const deductible = Number(x.deductible);
    const rate = Number(x.rate);
    return { level: x.level, deductible, rate, outOfPocket: outOfPocket(amount, deductible, rate), reimbursed: round2(amount - outOfPocket(amount, deductible, rate)) };
  });
  const from = levels.find((l) => l.level === fromLevel);
  const to = levels.find((l) => l.level === toLevel);
  const deductibleAtReceiving = r.direction === 'up' ? to?.deductible ?? 0 : 0;
  const atReceiving = to ? outOfPocket(amount, deductibleAtReceiving, to.rate) : null;
  return {
    insuranceType: r.insurance_type, label: rules[0]?.label ?? null, amount, direction: r.direction, fromLevel, toLevel, levels,
    receiving: { level: toLevel, deductibleCharged: deductibleAtReceiving, outOfPocket: atReceiving },
    /** Deductibles paid over the episode: both levels' for an up-referral, only the first for a down-referral. */
    deductiblesTotal: r.direction === 'up' ? (from?.deductible ?? 0) + (to?.deductible ?? 0) : from?.deductible ?? 0,
  };
}

export async function referralInsurance(db: Db, caller: Caller, id: string, amount: number) {
  const r = await loadReferral(db, id);
  authorize(caller, 'referral.read', { patientId: r.patient_id });
  await assertCanRead(db, caller, r);
  return insuranceFor(db, r, amount);
}
