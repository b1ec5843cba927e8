/** Test fixtures for scheduling: a resource with open public slots, and booked appointments, written directly. */
import type { Db } from '../db/database.js';

let counter = 0;

/** A CT resource at the institution with `n` free, open, public 30-minute slots starting tomorrow. */
export async function makeSlots(db: Db, institutionId: string, n: number, o: { pool?: 'public' | 'primary' | 'referral'; primaryReturnsAt?: Date | null; opensAt?: Date } = {}) {
  const resource = await db.insertInto('schedule_resource').values({
    institution_id: institutionId, kind: 'exam', exam_type: 'CT', name: `CT-${++counter}`,
  }).returningAll().executeTakeFirstOrThrow();
  const base = Math.ceil(Date.now() / 1_800_000) * 1_800_000 + 86_400_000;
  const slots = await db.insertInto('slot').values(Array.from({ length: n }, (_, i) => ({
    resource_id: resource.id, starts_at: new Date(base + i * 1_800_000), ends_at: new Date(base + (i + 1) * 1_800_000),
    category: 'exam' as const, pool: o.pool ?? 'public', primary_returns_at: o.primaryReturnsAt ?? null,
    opens_at: o.opensAt ?? new Date(Date.now() - 3_600_000),
  }))).returningAll().execute();
  return { resource, slots };
}

/** `n` booked appointments for the patient at the institution (slots marked busy). */
export async function makeAppointments(db: Db, institutionId: string, n: number, patientId: string, bookedBy: string) {
  const { slots } = await makeSlots(db, institutionId, n);
  await db.updateTable('slot').set({ status: 'busy' }).where('id', 'in', slots.map((s) => s.id)).execute();
  return db.insertInto('appointment').values(slots.map((s) => ({
    slot_id: s.id, patient_id: patientId, booked_by: bookedBy, booked_for_institution_id: institutionId, channel: 'doctor' as const,
  }))).returningAll().execute();
}
