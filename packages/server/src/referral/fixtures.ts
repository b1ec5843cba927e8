/** Test fixtures for referrals: rows written directly in a given state. */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';

let counter = 0;

export interface ReferralFixture {
  patientId: string; fromInstitutionId: string; toInstitutionId: string; createdBy: string; status?: string; direction?: 'up' | 'down';
  assignedUserId?: string | null; statusSince?: Date; insuranceType?: string | null;
}

/** `n` referrals in the given state (default: submitted). */
export async function makeReferrals(db: Db, n: number, o: ReferralFixture) {
  return db.insertInto('referral').values(Array.from({ length: n }, () => ({
    code: `ZZT${process.pid}${String(++counter).padStart(6, '0')}`, public_token: randomBytes(18).toString('base64url'),
    direction: o.direction ?? 'up', setting: 'outpatient' as const, status: o.status ?? 'submitted', patient_id: o.patientId,
    from_institution_id: o.fromInstitutionId, to_institution_id: o.toInstitutionId, created_by: o.createdBy, reason: '测试转诊',
    assigned_user_id: o.assignedUserId ?? null, status_since: o.statusSince ?? new Date(), insurance_type: o.insuranceType ?? null,
  }))).returningAll().execute();
}
