/**
 * Test helper: a referral written straight into referral + referral_event, its history a walk of the core state
 * machine (each action's to-state from REFERRAL_TRANSITIONS), so report and FHIR tests need no workflow service.
 */
import { randomBytes } from 'node:crypto';
import { REFERRAL_TRANSITIONS, type ReferralAction, type ReferralState } from '@yilian/core';
import type { Db } from '../db/database.js';

let n = 0;
const HOUR = 3_600_000;

export interface ReferralFixture {
  direction?: 'up' | 'down'; urgency?: 'routine' | 'urgent' | 'emergency';
  patientId: string; fromInstitutionId: string; toInstitutionId: string; createdBy: string;
  fromDepartmentId?: string; toDepartmentId?: string; assignedPractitionerId?: string; assignedUserId?: string;
  /** When it was created (and the first step's clock starts). */
  at: Date;
  /** Steps after creation: [action, hours after `at`]. */
  steps?: [ReferralAction, number][];
  diagnoses?: { system: string; code: string; display: string }[];
  sharedEntries?: { kind: string; id: string }[];
  reason?: string;
}

export async function insertReferral(db: Db, f: ReferralFixture) {
  let status: ReferralState = 'draft', since = f.at;
  const events: { action: string; from_status: string | null; to_status: string; at: Date; user_id: string }[] = [];
  for (const [action, h] of f.steps ?? []) {
    const t = REFERRAL_TRANSITIONS[action];
    if (!t.from.includes(status)) throw new Error(`fixture: ${action} is not allowed from ${status}`);
    since = new Date(f.at.getTime() + h * HOUR);
    events.push({ action, from_status: status, to_status: t.to, at: since, user_id: f.createdBy });
    status = t.to;
  }
  const i = ++n;
  const r = await db.insertInto('referral').values({
    code: `ZZT${String(Date.now()).slice(-6)}${String(i).padStart(4, '0')}`, public_token: randomBytes(12).toString('base64url'),
    direction: f.direction ?? 'up', setting: 'outpatient', urgency: f.urgency ?? 'routine', status, status_since: since,
    patient_id: f.patientId, from_institution_id: f.fromInstitutionId, from_department_id: f.fromDepartmentId ?? null,
    created_by: f.createdBy, to_institution_id: f.toInstitutionId, to_department_id: f.toDepartmentId ?? null,
    assigned_practitioner_id: f.assignedPractitionerId ?? null, assigned_user_id: f.assignedUserId ?? null,
    reason: f.reason ?? '胸痛待查', diagnoses: JSON.stringify(f.diagnoses ?? [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'R07.4', display: '胸痛' }]),
    shared_entries: JSON.stringify(f.sharedEntries ?? []), created_at: f.at, updated_at: since,
  } as never).returningAll().executeTakeFirstOrThrow();
  if (events.length)
    await db.insertInto('referral_event').values(events.map((e) => ({ ...e, referral_id: r.id }))).execute();
  return r;
}
