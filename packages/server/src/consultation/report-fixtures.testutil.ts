/**
 * Test helper: a consultation written straight into consultation (+ accepted experts, signed opinions and events), so
 * the report tests need no workflow service. Times are minutes after `at`, its creation.
 */
import { CONSULTATION_DEFAULT_LIMIT_MINUTES, type ConsultationKind, type ConsultationState } from '@yilian/core';
import type { Db } from '../db/database.js';

let n = 0;
const MIN = 60_000;

export interface ConsultationFixture {
  kind?: ConsultationKind; status: ConsultationState;
  patientId: string; fromInstitutionId: string; fromDepartmentId?: string; centreInstitutionId: string; createdBy: string;
  at: Date;
  /** Minutes after `at` it reached the centre (the answer clock starts; `due_at` follows from the kind's limit). */
  receivedAfter?: number;
  /** Minutes after `at` the opinions were forwarded. */
  answeredAfter?: number;
  rating?: number;
  /** Experts who accepted; `signed` gives them a signed opinion. */
  experts?: { practitionerId: string; userId: string; institutionId: string; signed?: boolean }[];
}

export async function insertConsultation(db: Db, f: ConsultationFixture) {
  const kind = f.kind ?? 'routine';
  const t = (m: number | undefined) => (m === undefined ? null : new Date(f.at.getTime() + m * MIN));
  const received = t(f.receivedAfter), answered = t(f.answeredAfter);
  const due = received ? new Date(received.getTime() + CONSULTATION_DEFAULT_LIMIT_MINUTES[kind] * MIN) : null;
  const c = await db.insertInto('consultation').values({
    code: `HZT${String(Date.now()).slice(-6)}${String(++n).padStart(4, '0')}`, kind, status: f.status,
    status_since: answered ?? received ?? f.at, patient_id: f.patientId, from_institution_id: f.fromInstitutionId,
    from_department_id: f.fromDepartmentId ?? null, created_by: f.createdBy, centre_institution_id: f.centreInstitutionId,
    purpose: '明确诊断', summary: '胸闷气短一周', received_at: received, due_at: due, answered_at: answered,
    rating: f.rating ?? null, created_at: f.at, updated_at: answered ?? received ?? f.at,
  } as never).returningAll().executeTakeFirstOrThrow();
  for (const e of f.experts ?? []) {
    await db.insertInto('consultation_expert').values({
      consultation_id: c.id, practitioner_id: e.practitionerId, user_id: e.userId, institution_id: e.institutionId,
      status: 'accepted', invited_at: received ?? f.at, replied_at: received ?? f.at,
    }).execute();
    if (e.signed)
      await db.insertInto('consultation_opinion').values({
        consultation_id: c.id, practitioner_id: e.practitionerId, user_id: e.userId, findings: '心电图示 ST 段压低',
        recommendations: '冠脉 CTA', status: 'signed', signed_at: answered ?? received ?? f.at, signature_hash: 'x'.repeat(64),
      }).execute();
  }
  await db.insertInto('consultation_event').values({ consultation_id: c.id, at: f.at, user_id: f.createdBy, action: 'create', from_status: null, to_status: f.status }).execute();
  return c;
}
