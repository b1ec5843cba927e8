/**
 * 下转候选: patients of the caller's institution fit for down-referral — a current diagnosis under a
 * down_referral_criterion prefix, seen here (an inpatient not yet discharged, or an outpatient in the last 30 days),
 * and no abnormal observation within the criterion's stable days.
 */
import { forbidden } from '@yilian/core';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';

export async function downReferralCandidates(db: Db, caller: Caller) {
  authorize(caller, 'referral.create', { institutionId: caller.role.institutionId });
  const inst = caller.role.institutionId;
  if (!inst) throw forbidden();
  const r = await sql<{ patient_id: string; name: string; sex: string; birth_date: string; code: string; display: string; criterion: string; stable_days: number; encounter_class: string; last_abnormal_at: Date | null }>`
    SELECT DISTINCT ON (p.id) p.id AS patient_id, p.name, p.sex, p.birth_date, c.code, c.display, k.label AS criterion, k.stable_days,
      e.class AS encounter_class, ab.at AS last_abnormal_at
    FROM condition c
    JOIN down_referral_criterion k ON k.active AND c.code LIKE k.code_prefix || '%'
    JOIN patient p ON p.id = c.patient_id AND p.status <> 'merged'
    JOIN LATERAL (SELECT e.class FROM encounter e WHERE e.patient_id = p.id AND e.institution_id = ${inst} AND e.superseded_at IS NULL
      AND ((e.class = 'inpatient' AND e.ended_at IS NULL) OR (e.class <> 'inpatient' AND e.started_at > now() - interval '30 days'))
      ORDER BY e.started_at DESC LIMIT 1) e ON true
    LEFT JOIN LATERAL (SELECT max(o.effective_at) AS at FROM observation o WHERE o.patient_id = p.id AND o.superseded_at IS NULL
      AND o.flag IS NOT NULL AND o.flag <> 'N') ab ON true
    WHERE c.superseded_at IS NULL AND c.clinical_status IN ('active', 'recurrence', 'relapse') AND c.verification_status <> 'entered-in-error'
      AND (ab.at IS NULL OR ab.at < now() - make_interval(days => k.stable_days))
      AND NOT EXISTS (SELECT 1 FROM referral x WHERE x.patient_id = p.id AND x.direction = 'down'
        AND x.status NOT IN ('closed', 'refused', 'cancelled', 'no_show'))
    ORDER BY p.id, k.stable_days`.execute(db);
  return {
    items: r.rows.map((x) => ({
      patientId: x.patient_id, name: x.name, sex: x.sex, birthDate: x.birth_date, diagnosis: { code: x.code, display: x.display },
      criterion: x.criterion, stableDays: x.stable_days, encounterClass: x.encounter_class, lastAbnormalAt: x.last_abnormal_at,
    })),
  };
}
