/** Test data for the video room: a consultation already agreed (state `scheduled`), written directly. */
import type { Db } from '../db/database.js';

let n = 0;

export interface RoomConsultationInput {
  patientId: string; applicantId: string; fromInstitutionId: string; centreInstitutionId: string;
  experts: { practitionerId: string; userId: string; institutionId: string; status?: 'invited' | 'accepted' | 'declined' }[];
  scheduledAt?: Date | null; status?: string;
}

export async function makeRoomConsultation(db: Db, o: RoomConsultationInput) {
  const c = await db.insertInto('consultation').values({
    code: `HZTEST${Date.now()}${++n}`, kind: 'routine', status: o.status ?? 'scheduled', patient_id: o.patientId,
    from_institution_id: o.fromInstitutionId, created_by: o.applicantId, centre_institution_id: o.centreInstitutionId,
    purpose: '明确胸痛原因，指导下一步治疗', summary: '男，64岁，反复胸闷胸痛3天，心电图ST段压低。',
    diagnoses: JSON.stringify([{ system: 'ICD-10', code: 'I20.0', display: '不稳定型心绞痛' }]),
    scheduled_at: o.scheduledAt === undefined ? new Date() : o.scheduledAt,
  }).returningAll().executeTakeFirstOrThrow();
  for (const e of o.experts)
    await db.insertInto('consultation_expert').values({
      consultation_id: c.id, practitioner_id: e.practitionerId, user_id: e.userId, institution_id: e.institutionId,
      status: e.status ?? 'accepted', replied_at: new Date(),
    }).execute();
  return c;
}
