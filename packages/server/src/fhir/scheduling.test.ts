/**
 * Schedule, Slot and Appointment over FHIR: free slots listed by who may book them (primary-care quota, release
 * times), booking through POST Appointment (201, a second booking of the slot 409 slot_full), cancelling through PUT
 * and PATCH (the slot is free again), other status changes, and the patient's own-appointments rule. Every answer
 * is checked as valid FHIR R4 by the client helper.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePatient, makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type TestApp } from '../test/harness.js';
import { makeSlots } from '../scheduling/fixtures.js';
import { expectOutcome, fhirClient, type FhirClient } from './client.testutil.js';
import { EXTENSION } from './codes.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: FhirClient, family: FhirClient, doctorLower: FhirClient, patient: FhirClient, reader: FhirClient, adminLower: FhirClient;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  doctor = fhirClient(await t.login('doctor'));
  family = fhirClient(await t.login('family_doctor'));
  doctorLower = fhirClient(await t.login('doctor_lower'));
  patient = fhirClient(await t.login('patient'));
  reader = fhirClient(await t.login('reading_physician'));
  adminLower = fhirClient(await t.login('institution_admin_lower'));
});
afterAll(() => t.close());

const ids = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.id);
const appointment = (slotId: string, patientId = w.patient.id, extra: object = {}) => ({
  resourceType: 'Appointment', status: 'booked',
  slot: [{ reference: `Slot/${slotId}` }],
  participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
  ...extra,
});
const slotStatus = async (c: FhirClient, id: string) => (await c.get(`/fhir/Slot/${id}`)).body.status;
async function counts() {
  const r = await sql<{ a: string; e: string; busy: string }>`SELECT (SELECT count(*) FROM appointment) AS a,
    (SELECT count(*) FROM appointment_event) AS e, (SELECT count(*) FROM slot WHERE status = 'busy') AS busy`.execute(t.db);
  return r.rows[0];
}

describe(`FHIR Schedule on ${dbKind}`, () => {
  it('maps a doctor\'s clinic to a Schedule with the practitioner as actor and searches by actor, institution, active and kind', async () => {
    const clinic = await t.db.insertInto('schedule_resource').values({
      institution_id: w.upper.id, kind: 'doctor', practitioner_id: w.doctorP.id, department_id: w.dept.id, name: '张明专家门诊',
    }).returningAll().executeTakeFirstOrThrow();
    const bed = await t.db.insertInto('schedule_resource').values({ institution_id: w.upper.id, kind: 'bed', name: '3床', ward: '心内一病区', active: false })
      .returningAll().executeTakeFirstOrThrow();
    const read = await doctor.get(`/fhir/Schedule/${clinic.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      resourceType: 'Schedule', id: clinic.id, active: true, comment: '张明专家门诊',
      actor: [{ reference: `Practitioner/${w.doctorP.id}`, display: '张明' }],
      serviceType: [{ coding: [{ code: 'doctor' }] }], specialty: [{ text: '心内科' }],
      extension: [{ url: EXTENSION.institution, valueReference: { reference: `Organization/${w.upper.id}`, display: w.upper.name } }],
    });
    expect((await patient.get(`/fhir/Schedule/${bed.id}`)).body).toMatchObject({ active: false, actor: [{ type: 'Location', display: '心内一病区 3床' }] });

    const byActor = await doctor.get(`/fhir/Schedule?actor=Practitioner/${w.doctorP.id}`);
    expect(byActor.body).toMatchObject({ type: 'searchset', total: 1 });
    expect(ids(byActor.body)).toEqual([clinic.id]);
    expect(ids((await doctor.get(`/fhir/Schedule?institution=Organization/${w.upper.id}&active=false`)).body)).toEqual([bed.id]);
    expect(ids((await doctor.get(`/fhir/Schedule?service-type=bed`)).body)).toEqual([bed.id]);
    expect((await doctor.get(`/fhir/Schedule?institution=${w.lower.id}`)).body.total).toBe(0);
    expect((await doctor.get('/fhir/Schedule?actor=Practitioner/not-a-uuid')).body.total).toBe(0);
  });
});

describe(`FHIR Slot on ${dbKind}`, () => {
  it('status=free lists only what the caller may book now: the primary-care reserved slot for primary callers, not for the tertiary hospital', async () => {
    const { resource, slots } = await makeSlots(t.db, w.upper.id, 3);
    await t.db.updateTable('slot').set({ pool: 'primary', primary_returns_at: new Date(Date.now() + 2 * 86_400_000) }).where('id', '=', slots[1]!.id).execute();
    const url = `/fhir/Slot?schedule=Schedule/${resource.id}&status=free`;
    const forTertiary = await doctor.get(url);
    expect(forTertiary.status).toBe(200);
    expect(ids(forTertiary.body)).toEqual([slots[0]!.id, slots[2]!.id]);
    expect(ids((await family.get(url)).body)).toEqual(slots.map((s) => s.id));
    const forTownship = await doctorLower.get(url);
    expect(ids(forTownship.body)).toEqual(slots.map((s) => s.id));
    // The same answer as the REST API, which uses the same service function.
    const rest = async (c: string) => (await (await t.login(c)).get(`/api/v1/scheduling/slots?status=free&resourceId=${resource.id}`)).body.items.map((s: { id: string }) => s.id);
    expect(ids(forTertiary.body)).toEqual(await rest('doctor'));
    expect(ids(forTownship.body)).toEqual(await rest('doctor_lower'));

    const reserved = forTownship.body.entry[1].resource;
    expect(reserved).toMatchObject({
      resourceType: 'Slot', status: 'free', schedule: { reference: `Schedule/${resource.id}` },
      start: slots[1]!.starts_at.toISOString(), end: slots[1]!.ends_at.toISOString(), serviceCategory: [{ coding: [{ code: 'exam' }] }],
    });
    expect(reserved.extension).toEqual(expect.arrayContaining([
      expect.objectContaining({ url: EXTENSION.slotPool, valueCoding: expect.objectContaining({ code: 'primary' }) }),
      expect.objectContaining({ url: EXTENSION.slotPrimaryReturnsAt }),
    ]));
  });

  it('status=free leaves out slots not released yet; without status they are listed with their state', async () => {
    const { resource, slots } = await makeSlots(t.db, w.upper.id, 1, { opensAt: new Date(Date.now() + 3_600_000) });
    expect(ids((await family.get(`/fhir/Slot?schedule=${resource.id}&status=free`)).body)).toEqual([]);
    const all = await family.get(`/fhir/Slot?schedule=Schedule/${resource.id}`);
    expect(ids(all.body)).toEqual([slots[0]!.id]);
    await t.db.updateTable('slot').set({ status: 'blocked' }).where('id', '=', slots[0]!.id).execute();
    expect((await family.get(`/fhir/Slot/${slots[0]!.id}`)).body.status).toBe('busy-unavailable');
    expect(ids((await family.get(`/fhir/Slot?schedule=Schedule/${resource.id}&status=busy-unavailable`)).body)).toEqual([slots[0]!.id]);
  });

  it('filters by start with prefixes and pages with _count and next links', async () => {
    const { resource, slots } = await makeSlots(t.db, w.upper.id, 5);
    const at = (i: number) => encodeURIComponent(slots[i]!.starts_at.toISOString());
    const base = `/fhir/Slot?schedule=Schedule/${resource.id}`;
    expect(ids((await doctor.get(`${base}&start=ge${at(1)}&start=lt${at(3)}`)).body)).toEqual([slots[1]!.id, slots[2]!.id]);
    expect(ids((await doctor.get(`${base}&start=gt${at(1)}&start=le${at(3)}`)).body)).toEqual([slots[2]!.id, slots[3]!.id]);
    expect(ids((await doctor.get(`${base}&start=${at(4)}`)).body)).toEqual([slots[4]!.id]);
    expect(ids((await doctor.get(`${base}&start=ge${at(3)}&start=lt${at(1)}`)).body)).toEqual([]);
    // A date without a time is a whole day, China time.
    const day = new Date(slots[0]!.starts_at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const sameDay = slots.filter((s) => new Date(s.starts_at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10) === day).map((s) => s.id);
    expect(ids((await doctor.get(`${base}&start=${day}`)).body)).toEqual(sameDay);

    const first = await doctor.get(`${base}&_count=2`);
    expect(ids(first.body)).toEqual([slots[0]!.id, slots[1]!.id]);
    const link = (b: any, rel: string) => b.link.find((l: { relation: string }) => l.relation === rel)?.url as string | undefined;
    expect(link(first.body, 'self')).toMatch(/\/fhir\/Slot\?schedule=Schedule%2F.*&_count=2&_offset=0$/);
    expect(first.body.entry[0].fullUrl).toMatch(new RegExp(`^http://[^/]+/fhir/Slot/${slots[0]!.id}$`));
    const second = await doctor.get(link(first.body, 'next')!.replace(/^https?:\/\/[^/]+/, ''));
    expect(ids(second.body)).toEqual([slots[2]!.id, slots[3]!.id]);
    const third = await doctor.get(link(second.body, 'next')!.replace(/^https?:\/\/[^/]+/, ''));
    expect(ids(third.body)).toEqual([slots[4]!.id]);
    expect(link(third.body, 'next')).toBeUndefined();
    expect(link((await doctor.get(`${base}&_count=5000`)).body, 'self')).toMatch(/_count=200&/);
  });
});

describe(`FHIR Appointment booking on ${dbKind}`, () => {
  it('POST books the slot (201, Location); a second booking of the same slot is 409 slot_full and changes nothing', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 1);
    const res = await doctor.post('/fhir/Appointment', appointment(slots[0]!.id, w.patient.id, { comment: '胸闷复诊' }));
    expect(res.status).toBe(201);
    const a = res.body;
    expect(res.headers.location).toMatch(new RegExp(`/fhir/Appointment/${a.id}$`));
    expect(a).toMatchObject({
      resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slots[0]!.id}` }], comment: '胸闷复诊',
      start: slots[0]!.starts_at.toISOString(), end: slots[0]!.ends_at.toISOString(), minutesDuration: 30,
    });
    expect(a.participant[0]).toMatchObject({ actor: { reference: `Patient/${w.patient.id}`, display: '陈患者' }, status: 'accepted' });
    expect(await slotStatus(doctor, slots[0]!.id)).toBe('busy');
    expect((await doctor.get(`/fhir/Appointment/${a.id}`)).body).toEqual(a);

    const before = await counts();
    const again = await family.post('/fhir/Appointment', appointment(slots[0]!.id, (await makePatient(t.db)).id));
    const issue = expectOutcome(again, 409, 'slot_full', { zh: '该号源已约满', en: 'This slot is fully booked' });
    expect(issue.code).toBe('conflict');
    expect(issue.expression).toEqual(['Appointment.slot']);
    expect(await counts()).toEqual(before);
  });

  it('books a doctor\'s clinic with the practitioner as a participant', async () => {
    const clinic = await t.db.insertInto('schedule_resource').values({ institution_id: w.upper.id, kind: 'doctor', practitioner_id: w.doctorP.id, name: '张明普通门诊' })
      .returningAll().executeTakeFirstOrThrow();
    const start = Math.ceil(Date.now() / 1_800_000) * 1_800_000 + 2 * 86_400_000;
    const slot = await t.db.insertInto('slot').values({ resource_id: clinic.id, starts_at: new Date(start), ends_at: new Date(start + 1_800_000), category: 'general', opens_at: new Date(Date.now() - 60_000) })
      .returningAll().executeTakeFirstOrThrow();
    const res = await patient.post('/fhir/Appointment', appointment(slot.id, w.patient.id, { start: slot.starts_at.toISOString() }));
    expect(res.status).toBe(201);
    expect(res.body.participant[1]).toMatchObject({ actor: { reference: `Practitioner/${w.doctorP.id}`, display: '张明' } });
    expect(res.body.serviceType).toEqual([{ text: '张明普通门诊' }]);
  });

  it('passes Idempotency-Key through (the retry gets the first answer) and reads If-None-Exist as a conditional create (200)', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 2);
    const p = await makePatient(t.db);
    const first = await doctor.post('/fhir/Appointment', appointment(slots[0]!.id, p.id), { 'idempotency-key': 'fhir-key-1' });
    expect(first.status).toBe(201);
    const retry = await doctor.post('/fhir/Appointment', appointment(slots[0]!.id, p.id), { 'idempotency-key': 'fhir-key-1' });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replay']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    const ine = await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, p.id), { 'if-none-exist': 'identifier=his|A-1' });
    expect(ine.status).toBe(201);
    const ine2 = await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, p.id), { 'if-none-exist': 'identifier=his|A-1' });
    expect(ine2.status).toBe(200);
    expect(ine2.body.id).toBe(ine.body.id);
    expect((await t.db.selectFrom('appointment').select('id').where('patient_id', '=', p.id).execute()).length).toBe(2);
    expectOutcome(await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, p.id), { 'idempotency-key': 'x'.repeat(101) }), 400, 'invalid_idempotency_key');
  });

  it('refuses what the caller may not book with the service\'s reason, and bad bookings with 4xx, changing nothing', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 2);
    await t.db.updateTable('slot').set({ pool: 'primary', primary_returns_at: new Date(Date.now() + 2 * 86_400_000) }).where('id', '=', slots[0]!.id).execute();
    const other = await makePatient(t.db);
    const before = await counts();
    expectOutcome(await doctor.post('/fhir/Appointment', appointment(slots[0]!.id)), 403, 'forbidden', { en: /primary-care/, zh: /基层/ });
    expectOutcome(await reader.post('/fhir/Appointment', appointment(slots[1]!.id)), 403, 'forbidden');
    expectOutcome(await patient.post('/fhir/Appointment', appointment(slots[1]!.id, other.id)), 403, 'forbidden');
    expect(expectOutcome(await doctor.post('/fhir/Appointment', appointment(UNKNOWN)), 404, 'not_found', { zh: '号源不存在' }).expression).toEqual(['Appointment.slot']);
    expectOutcome(await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, UNKNOWN)), 404, 'not_found', { en: 'Patient not found' });
    expectOutcome(await doctor.post('/fhir/Appointment', appointment('not-a-uuid')), 404, 'not_found');
    expectOutcome(await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, w.patient.id, { slot: [{ reference: `Schedule/${UNKNOWN}` }] })), 400, 'invalid_reference');
    expectOutcome(await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, w.patient.id, { slot: [{ reference: `Slot/${slots[0]!.id}` }, { reference: `Slot/${slots[1]!.id}` }] })), 400, 'validation');
    expectOutcome(await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, w.patient.id, { participant: [{ actor: { reference: `Practitioner/${w.doctorP.id}` }, status: 'accepted' }] })), 400, 'patient_required');
    expectOutcome(await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, w.patient.id, { status: 'proposed' })), 422, 'unsupported_status');
    expectOutcome(await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, w.patient.id, { start: '2020-01-01T00:00:00Z', end: '2020-01-01T00:30:00Z' })), 422, 'start_mismatch');
    expect(await counts()).toEqual(before);
  });
});

describe(`FHIR Appointment changes on ${dbKind}`, () => {
  it('PUT with status cancelled cancels through the service: the slot is free again and can be booked anew', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 1);
    const a = (await doctor.post('/fhir/Appointment', appointment(slots[0]!.id))).body;
    expect(await slotStatus(doctor, slots[0]!.id)).toBe('busy');
    const res = await doctor.put(`/fhir/Appointment/${a.id}`, { ...a, status: 'cancelled', cancelationReason: { text: '患者改期' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect(await slotStatus(doctor, slots[0]!.id)).toBe('free');
    const detail = await (await t.login('doctor')).get(`/api/v1/scheduling/appointments/${a.id}`);
    expect(detail.body.history.map((h: { to: string }) => h.to)).toEqual(['booked', 'cancelled']);
    expect(detail.body.history[1].note).toBe('患者改期');
    // Idempotent: the same PUT again changes nothing.
    expect((await doctor.put(`/fhir/Appointment/${a.id}`, { ...a, status: 'cancelled' })).status).toBe(200);
    expect((await family.post('/fhir/Appointment', appointment(slots[0]!.id))).status).toBe(201);
  });

  it('PATCH (JSON Patch on /status) cancels too; a failed test op is 409', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 1);
    const a = (await patient.post('/fhir/Appointment', appointment(slots[0]!.id))).body;
    const ops = [{ op: 'test', path: '/status', value: 'booked' }, { op: 'replace', path: '/status', value: 'cancelled' }];
    const res = await patient.patch(`/fhir/Appointment/${a.id}`, ops);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect(await slotStatus(patient, slots[0]!.id)).toBe('free');
    expectOutcome(await patient.patch(`/fhir/Appointment/${a.id}`, ops), 409, 'patch_test_failed');
  });

  it('checks in, completes and marks no-shows through the service\'s state machine; other changes are 4xx', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 2);
    const a = (await doctor.post('/fhir/Appointment', appointment(slots[0]!.id))).body;
    const b = (await doctor.post('/fhir/Appointment', appointment(slots[1]!.id))).body;
    const to = (status: string) => [{ op: 'replace', path: '/status', value: status }];
    expectOutcome(await adminLower.patch(`/fhir/Appointment/${a.id}`, to('checked-in')), 403, 'forbidden');
    expect((await doctor.patch(`/fhir/Appointment/${a.id}`, to('arrived'))).body.status).toBe('checked-in');
    expect((await doctor.put(`/fhir/Appointment/${a.id}`, { ...a, status: 'checked-in' })).body.status).toBe('checked-in');
    expectOutcome(await doctor.patch(`/fhir/Appointment/${a.id}`, to('cancelled')), 409, 'invalid_state');
    expect((await doctor.patch(`/fhir/Appointment/${a.id}`, to('fulfilled'))).body.status).toBe('fulfilled');
    expectOutcome(await doctor.patch(`/fhir/Appointment/${a.id}`, to('booked')), 422, 'unsupported_transition');
    expect((await doctor.patch(`/fhir/Appointment/${b.id}`, to('noshow'))).body.status).toBe('noshow');
    expect(await slotStatus(doctor, slots[1]!.id)).toBe('busy');

    const { slots: more } = await makeSlots(t.db, w.upper.id, 2);
    const c = (await doctor.post('/fhir/Appointment', appointment(more[0]!.id))).body;
    const before = await counts();
    expectOutcome(await doctor.put(`/fhir/Appointment/${c.id}`, { ...c, status: 'entered-in-error' }), 422, 'unsupported_status');
    expectOutcome(await doctor.put(`/fhir/Appointment/${c.id}`, { ...c, status: 'done' }), 400, 'invalid_status');
    expectOutcome(await doctor.put(`/fhir/Appointment/${c.id}`, { ...c, id: UNKNOWN, status: 'cancelled' }), 400, 'id_mismatch');
    expectOutcome(await doctor.put(`/fhir/Appointment/${c.id}`, { ...c, slot: [{ reference: `Slot/${more[1]!.id}` }], status: 'cancelled' }), 422, 'slot_change');
    expectOutcome(await doctor.put(`/fhir/Appointment/${c.id}`, { ...c, participant: [{ actor: { reference: `Patient/${UNKNOWN}` }, status: 'accepted' }] }), 422, 'patient_change');
    expectOutcome(await doctor.put(`/fhir/Appointment/${c.id}`, { ...c, resourceType: 'Slot' }), 400, 'wrong_resource_type');
    expectOutcome(await doctor.put(`/fhir/Appointment/${UNKNOWN}`, { ...c, id: UNKNOWN, status: 'cancelled' }), 404, 'not_found');
    expectOutcome(await doctor.patch(`/fhir/Appointment/${c.id}`, [{ op: 'replace', path: '/nothing/here', value: 1 }]), 422, 'patch_failed');
    expectOutcome(await doctor.patch(`/fhir/Appointment/${c.id}`, [{ op: 'move', from: '/status', path: '/comment' }]), 422, 'patch_op_unsupported');
    expectOutcome(await doctor.patch(`/fhir/Appointment/${c.id}`, { op: 'replace', path: '/status', value: 'cancelled' }), 400, 'invalid_patch');
    expectOutcome(await doctor.patch(`/fhir/Appointment/${c.id}`, [{ op: 'add', path: '/__proto__/status', value: 'cancelled' }]), 422, 'patch_failed');
    expect(({} as { status?: string }).status).toBeUndefined();
    expect(await counts()).toEqual(before);
    expect((await doctor.get(`/fhir/Appointment/${c.id}`)).body.status).toBe('booked');
  });
});

describe(`FHIR Appointment access and search on ${dbKind}`, () => {
  it('a patient reads and lists only their own appointments', async () => {
    const other = await makePatient(t.db);
    const { slots } = await makeSlots(t.db, w.upper.id, 2);
    const mine = (await doctor.post('/fhir/Appointment', appointment(slots[0]!.id))).body;
    const theirs = (await doctor.post('/fhir/Appointment', appointment(slots[1]!.id, other.id))).body;
    expect((await patient.get(`/fhir/Appointment/${mine.id}`)).status).toBe(200);
    const before = await counts();
    expectOutcome(await patient.get(`/fhir/Appointment/${theirs.id}`), 403, 'forbidden');
    expectOutcome(await patient.put(`/fhir/Appointment/${theirs.id}`, { ...theirs, status: 'cancelled' }), 403, 'forbidden');
    expectOutcome(await patient.patch(`/fhir/Appointment/${theirs.id}`, [{ op: 'replace', path: '/status', value: 'cancelled' }]), 403, 'forbidden');
    expectOutcome(await patient.get(`/fhir/Appointment?patient=Patient/${other.id}`), 403, 'forbidden');
    expect(await counts()).toEqual(before);
    const own = await patient.get('/fhir/Appointment?_count=200');
    expect(own.body.entry.length).toBeGreaterThan(0);
    expect(own.body.entry.every((e: any) => e.resource.participant[0].actor.reference === `Patient/${w.patient.id}`)).toBe(true);
    expect(ids(own.body)).toContain(mine.id);
    expect(ids(own.body)).not.toContain(theirs.id);
    expectOutcome(await reader.get(`/fhir/Appointment?patient=Patient/${other.id}`), 403, 'forbidden');
  });

  it('staff search by patient, date and status', async () => {
    const p = await makePatient(t.db);
    const { slots } = await makeSlots(t.db, w.upper.id, 3);
    const booked = await Promise.all(slots.map((s) => doctor.post('/fhir/Appointment', appointment(s.id, p.id))));
    await doctor.patch(`/fhir/Appointment/${booked[2]!.body.id}`, [{ op: 'replace', path: '/status', value: 'cancelled' }]);
    const at = (i: number) => encodeURIComponent(slots[i]!.starts_at.toISOString());
    const all = await doctor.get(`/fhir/Appointment?patient=Patient/${p.id}`);
    expect(ids(all.body)).toEqual(booked.map((r) => r.body.id));
    expect(ids((await doctor.get(`/fhir/Appointment?patient=${p.id}&status=booked`)).body)).toEqual([booked[0]!.body.id, booked[1]!.body.id]);
    expect(ids((await doctor.get(`/fhir/Appointment?patient=Patient/${p.id}&date=ge${at(1)}&status=booked`)).body)).toEqual([booked[1]!.body.id]);
    expect(ids((await doctor.get(`/fhir/Appointment?patient=Patient/${p.id}&date=lt${at(1)}`)).body)).toEqual([booked[0]!.body.id]);
    expect(ids((await doctor.get(`/fhir/Appointment?patient=Patient/${p.id}&status=noshow`)).body)).toEqual([]);
    expect(ids((await doctor.get(`/fhir/Appointment?patient=Patient/${p.id}&institution=Organization/${w.lower.id}`)).body)).toEqual([]);
    const paged = await doctor.get(`/fhir/Appointment?patient=Patient/${p.id}&_count=2`);
    expect(ids(paged.body)).toEqual([booked[0]!.body.id, booked[1]!.body.id]);
    expect(paged.body.link.map((l: { relation: string }) => l.relation)).toEqual(['self', 'next']);
  });
});
