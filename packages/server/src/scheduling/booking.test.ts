/**
 * Booking: a slot is never booked twice — 200 concurrent requests at 10 slots give exactly 10 bookings — plus
 * idempotent retries, cancel/rebook, check-in/no-show, roles, bad input, slot generation and the primary-care quota.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstitution, makePatient, makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type Client, type TestApp } from '../test/harness.js';
import { makeSlots } from './fixtures.js';
import { primaryPicks } from './scheduling.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, admin: Client, family: Client, patientC: Client, reader: Client, adminLower: Client;
const BOOK = '/api/v1/scheduling/appointments';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  doctor = await t.login('doctor');
  admin = await t.login('institution_admin');
  adminLower = await t.login('institution_admin_lower');
  family = await t.login('family_doctor');
  patientC = await t.login('patient');
  reader = await t.login('reading_physician');
});
afterAll(() => t.close());

const bookWithKey = (c: Client, body: unknown, key: string) => c.request('POST', BOOK, body, { 'idempotency-key': key });
const live = async (slotIds?: string[]) => {
  let q = t.db.selectFrom('appointment').select(['id', 'slot_id']).where('status', 'in', ['booked', 'checked_in', 'completed']);
  if (slotIds) q = q.where('slot_id', 'in', slotIds);
  return q.execute();
};
async function counts() {
  const r = await sql<{ a: string; e: string; busy: string; k: string }>`SELECT (SELECT count(*) FROM appointment) AS a,
    (SELECT count(*) FROM appointment_event) AS e, (SELECT count(*) FROM slot WHERE status = 'busy') AS busy,
    (SELECT count(*) FROM idempotency_key) AS k`.execute(t.db);
  return r.rows[0];
}

describe(`booking on ${dbKind}`, () => {
  it('200 concurrent bookings at 10 slots: exactly 10 succeed, 190 get 409 slot_full, no slot booked twice', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 10);
    const patients = await Promise.all(Array.from({ length: 200 }, (_, i) => makePatient(t.db, { name: `并发患者${i}` })));
    const results = await Promise.all(patients.map((p, i) => doctor.post(BOOK, { slotId: slots[i % 10]!.id, patientId: p.id })));
    const ok = results.filter((r) => r.status === 201);
    const full = results.filter((r) => r.status === 409);
    expect(ok.length).toBe(10);
    expect(full.length).toBe(190);
    for (const r of full) expect(r.body.error).toMatchObject({ code: 'slot_full', zh: '该号源已约满', en: 'This slot is fully booked' });
    expect(new Set(ok.map((r) => r.body.slotId)).size).toBe(10);
    const rows = await live(slots.map((s) => s.id));
    expect(rows.length).toBe(10);
    expect(new Set(rows.map((r) => r.slot_id)).size).toBe(10);
    const all = await t.db.selectFrom('appointment').select('id').where('slot_id', 'in', slots.map((s) => s.id)).execute();
    expect(all.length).toBe(10);
    const busy = await t.db.selectFrom('slot').select('status').where('id', 'in', slots.map((s) => s.id)).execute();
    expect(busy.every((s) => s.status === 'busy')).toBe(true);
    const history = await t.db.selectFrom('appointment_event').select('appointment_id').where('appointment_id', 'in', ok.map((r) => r.body.id)).execute();
    expect(history.length).toBe(10);
  }, 120_000);

  it('the database itself refuses a second live appointment on a slot (partial unique index)', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 1);
    const row = { slot_id: slots[0]!.id, patient_id: w.patient.id, booked_by: w.users.doctor.id, channel: 'doctor' as const };
    await t.db.insertInto('appointment').values(row).execute();
    await expect(t.db.insertInto('appointment').values(row).execute()).rejects.toMatchObject({ code: '23505' });
    // A cancelled one does not count.
    await t.db.insertInto('appointment').values({ ...row, status: 'cancelled' }).execute();
  });

  it('a retried request with the same Idempotency-Key returns the first answer and books once, also when concurrent', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 2);
    const p = await makePatient(t.db);
    const first = await bookWithKey(doctor, { slotId: slots[0]!.id, patientId: p.id }, 'key-seq-1');
    expect(first.status).toBe(201);
    const again = await bookWithKey(doctor, { slotId: slots[0]!.id, patientId: p.id }, 'key-seq-1');
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replay']).toBe('true');
    const burst = await Promise.all(Array.from({ length: 8 }, () => bookWithKey(doctor, { slotId: slots[1]!.id, patientId: p.id }, 'key-burst-1')));
    for (const r of burst) expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(new Set(burst.map((r) => r.body.id)).size).toBe(1);
    expect((await t.db.selectFrom('appointment').select('id').where('patient_id', '=', p.id).execute()).length).toBe(2);
    // The key is the caller's: another user with the same key books for themselves.
    const other = await bookWithKey(admin, { slotId: slots[1]!.id, patientId: p.id }, 'key-burst-1');
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('slot_full');
  });

  it('cancel frees the slot and it can be booked again; history and audit record it', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 1);
    const a = await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id });
    expect(a.status).toBe(201);
    expect((await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id })).status).toBe(409);
    const c = await doctor.post(`${BOOK}/${a.body.id}/cancel`, { note: '患者改期' });
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('cancelled');
    expect((await t.db.selectFrom('slot').select('status').where('id', '=', slots[0]!.id).executeTakeFirstOrThrow()).status).toBe('free');
    expect((await doctor.post(`${BOOK}/${a.body.id}/cancel`, {})).body.error.code).toBe('invalid_state');
    const b = await family.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id });
    expect(b.status).toBe(201);
    expect(b.body.channel).toBe('family_doctor');
    const detail = await doctor.get(`${BOOK}/${a.body.id}`);
    expect(detail.body.history.map((h: { to: string }) => h.to)).toEqual(['booked', 'cancelled']);
    const audits = await t.db.selectFrom('audit_log').select('action').where('object_id', '=', a.body.id).orderBy('seq').execute();
    expect(audits.map((x) => x.action)).toEqual(['appointment.book', 'appointment.cancel']);
  });

  it('checks in and marks no-shows at the slot’s institution only', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 2);
    const a = await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id });
    const b = await doctor.post(BOOK, { slotId: slots[1]!.id, patientId: w.patient.id });
    expect((await adminLower.post(`${BOOK}/${a.body.id}/check-in`, {})).status).toBe(403);
    expect((await doctor.post(`${BOOK}/${a.body.id}/check-in`, {})).body.status).toBe('checked_in');
    expect((await doctor.post(`${BOOK}/${a.body.id}/cancel`, {})).status).toBe(409);
    expect((await admin.post(`${BOOK}/${b.body.id}/complete`, {})).body.error.code).toBe('invalid_state');
    expect((await doctor.post(`${BOOK}/${a.body.id}/complete`, { note: '已就诊' })).body.status).toBe('completed');
    expect((await admin.post(`${BOOK}/${b.body.id}/no-show`, {})).body.status).toBe('no_show');
    expect((await t.db.selectFrom('slot').select('status').where('id', '=', slots[1]!.id).executeTakeFirstOrThrow()).status).toBe('busy');
  });

  it('refuses the wrong role and other patients’ bookings with 403 and changes nothing; a patient books for itself', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 1);
    const other = await makePatient(t.db);
    const before = await counts();
    const r1 = await reader.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id });
    expect(r1.status).toBe(403);
    expect(r1.body.error.code).toBe('forbidden');
    expect((await patientC.post(BOOK, { slotId: slots[0]!.id, patientId: other.id })).status).toBe(403);
    expect(await counts()).toEqual(before);
    const own = await patientC.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id });
    expect(own.status).toBe(201);
    expect(own.body.channel).toBe('patient');
    expect((await patientC.get(`${BOOK}/${own.body.id}`)).status).toBe(200);
    const theirs = await doctor.post(BOOK, { slotId: (await makeSlots(t.db, w.upper.id, 1)).slots[0]!.id, patientId: other.id });
    expect((await patientC.get(`${BOOK}/${theirs.body.id}`)).status).toBe(403);
    expect((await patientC.post(`${BOOK}/${theirs.body.id}/cancel`, {})).status).toBe(403);
  });

  it('answers 404 for unknown slots, patients and appointments and 400 for malformed input, changing nothing', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 1);
    const before = await counts();
    const nf = await doctor.post(BOOK, { slotId: UNKNOWN, patientId: w.patient.id });
    expect(nf.status).toBe(404);
    expect(nf.body.error.field).toBe('slotId');
    expect((await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: UNKNOWN })).status).toBe(404);
    expect((await doctor.post(`${BOOK}/${UNKNOWN}/cancel`, {})).status).toBe(404);
    expect((await doctor.get(`${BOOK}/${UNKNOWN}`)).status).toBe(404);
    for (const body of [{}, { slotId: 'x', patientId: w.patient.id }, { slotId: slots[0]!.id }, { slotId: slots[0]!.id, patientId: w.patient.id, extra: 1 }, { slotId: 5, patientId: [] }])
      expect((await doctor.post(BOOK, body)).status, JSON.stringify(body)).toBe(400);
    expect((await doctor.request('POST', BOOK, '{"slotId":', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await bookWithKey(doctor, { slotId: slots[0]!.id, patientId: w.patient.id }, 'x'.repeat(101))).status).toBe(400);
    expect((await doctor.get('/api/v1/scheduling/slots?from=yesterday')).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('refuses slots that are not open yet or in the past', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 1, { opensAt: new Date(Date.now() + 3_600_000) });
    const r = await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('slot_not_open');
    const free = await doctor.get(`/api/v1/scheduling/slots?status=free&resourceId=${slots[0]!.resource_id}`);
    expect(free.body.items).toEqual([]);
    const past = Math.floor(Date.now() / 1_800_000) * 1_800_000 - 3_600_000;
    const old = await t.db.insertInto('slot').values({ resource_id: slots[0]!.resource_id, starts_at: new Date(past), ends_at: new Date(past + 1_800_000), category: 'exam', opens_at: new Date(past - 86_400_000) })
      .returning('id').executeTakeFirstOrThrow();
    const late = await doctor.post(BOOK, { slotId: old.id, patientId: w.patient.id });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('slot_past');
  });
});

describe(`slot generation and the primary-care quota on ${dbKind}`, () => {
  const nextMonday = () => {
    const d = new Date(Date.now() + 7 * 86_400_000);
    d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7));
    return d.toISOString().slice(0, 10);
  };

  it('spreads the primary share evenly', () => {
    expect(primaryPicks(10, 0.2).filter(Boolean).length).toBe(2);
    expect(primaryPicks(10, 0.25).filter(Boolean).length).toBe(3);
    expect(primaryPicks(7, 0).filter(Boolean).length).toBe(0);
  });

  it('generates 30-minute slots from a weekly template with a 20 % primary pool by default, listed by who may book', async () => {
    const res = await admin.post('/api/v1/scheduling/resources', { institutionId: w.upper.id, kind: 'doctor', name: '张明专家门诊', practitionerId: w.doctorP.id, departmentId: w.dept.id });
    expect(res.status).toBe(201);
    const monday = nextMonday();
    const gen = await admin.post(`/api/v1/scheduling/resources/${res.body.id}/slots`, {
      from: monday, to: monday, category: 'specialist', template: { mon: ['08:00', '08:30', '09:00', '09:30', '10:00', '14:00', '14:30', '15:00', '15:30', '16:00'] },
    });
    expect(gen.status, JSON.stringify(gen.body)).toBe(201);
    expect(gen.body).toMatchObject({ created: 10, primary: 2, skipped: 0 });
    // Generating again creates nothing twice.
    expect((await admin.post(`/api/v1/scheduling/resources/${res.body.id}/slots`, { from: monday, to: monday, category: 'specialist', template: { mon: ['08:00'] } })).body.created).toBe(0);
    const first = await t.db.selectFrom('slot').selectAll().where('resource_id', '=', res.body.id).orderBy('starts_at').executeTakeFirstOrThrow();
    expect(first.starts_at.toISOString()).toBe(`${monday}T00:00:00.000Z`);
    expect(first.ends_at.getTime() - first.starts_at.getTime()).toBe(1_800_000);
    const url = `/api/v1/scheduling/slots?status=free&resourceId=${res.body.id}`;
    const forDoctor = await doctor.get(url);
    expect(forDoctor.body.items.length).toBe(8);
    expect(forDoctor.body.items.every((s: { pool: string }) => s.pool === 'public')).toBe(true);
    expect((await family.get(url)).body.items.length).toBe(10);
    const reserved = await t.db.selectFrom('slot').select(['id', 'primary_returns_at', 'starts_at']).where('resource_id', '=', res.body.id).where('pool', '=', 'primary').execute();
    expect(reserved[0]!.starts_at.getTime() - reserved[0]!.primary_returns_at!.getTime()).toBe(24 * 3_600_000);
    const refused = await doctor.post(BOOK, { slotId: reserved[0]!.id, patientId: w.patient.id });
    expect(refused.status).toBe(403);
    expect(refused.body.error.en).toMatch(/primary-care/);
    expect((await family.post(BOOK, { slotId: reserved[0]!.id, patientId: w.patient.id })).status).toBe(201);
    // Once returned to the public pool, anyone may book it.
    await t.db.updateTable('slot').set({ primary_returns_at: new Date(Date.now() - 1000) }).where('id', '=', reserved[1]!.id).execute();
    expect((await doctor.post(BOOK, { slotId: reserved[1]!.id, patientId: w.patient.id })).status).toBe(201);
  });

  it('uses the institution’s quota rule (e.g. Beijing: 50 % of expert slots, two weeks) and refuses shares under 20 %', async () => {
    expect((await admin.put('/api/v1/scheduling/quota-rules', { institutionId: w.upper.id, category: 'expert', primaryShare: 0.1, returnLeadMinutes: 60 })).status).toBe(400);
    expect((await adminLower.put('/api/v1/scheduling/quota-rules', { institutionId: w.upper.id, category: 'expert', primaryShare: 0.5, returnLeadMinutes: 60 })).status).toBe(403);
    expect((await admin.put('/api/v1/scheduling/quota-rules', { institutionId: w.upper.id, category: 'expert', primaryShare: 0.5, returnLeadMinutes: 14 * 24 * 60 })).status).toBe(200);
    const r = await admin.post('/api/v1/scheduling/resources', { institutionId: w.upper.id, kind: 'exam', name: 'MRI-1', examType: 'MRI' });
    const monday = nextMonday();
    const gen = await admin.post(`/api/v1/scheduling/resources/${r.body.id}/slots`, { from: monday, to: monday, category: 'expert', template: { mon: ['08:00', '08:30', '09:00', '09:30'] } });
    expect(gen.body).toMatchObject({ created: 4, primary: 2 });
  });

  it('refuses misaligned times in the API and in the database, and other institutions’ resources', async () => {
    const r = await admin.post('/api/v1/scheduling/resources', { institutionId: w.upper.id, kind: 'bed', name: '心内科病床', ward: '心内一病区' });
    expect(r.status).toBe(201);
    const monday = nextMonday();
    expect((await admin.post(`/api/v1/scheduling/resources/${r.body.id}/slots`, { from: monday, to: monday, category: 'bed', template: { mon: ['08:15'] } })).status).toBe(400);
    expect((await adminLower.post(`/api/v1/scheduling/resources/${r.body.id}/slots`, { from: monday, to: monday, category: 'bed', template: { mon: ['08:00'] } })).status).toBe(403);
    expect((await adminLower.post('/api/v1/scheduling/resources', { institutionId: w.upper.id, kind: 'bed', name: 'x' })).status).toBe(403);
    expect((await admin.post('/api/v1/scheduling/resources', { institutionId: w.upper.id, kind: 'doctor', name: 'x' })).status).toBe(400);
    const at = new Date(`${monday}T08:15:00+08:00`);
    await expect(t.db.insertInto('slot').values({ resource_id: r.body.id, starts_at: at, ends_at: new Date(at.getTime() + 1_800_000), category: 'bed' }).execute())
      .rejects.toMatchObject({ code: '23514' });
    const ok = new Date(`${monday}T08:00:00+08:00`);
    await expect(t.db.insertInto('slot').values({ resource_id: r.body.id, starts_at: ok, ends_at: new Date(ok.getTime() + 20 * 60_000), category: 'bed' }).execute())
      .rejects.toMatchObject({ code: '23514' });
  });
});

describe(`appointment lists and stop-clinic on ${dbKind}`, () => {
  it('lists a patient’s own appointments and lets staff filter by patient', async () => {
    const p = await makePatient(t.db);
    const { slots } = await makeSlots(t.db, w.upper.id, 2);
    await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: p.id });
    await doctor.post(BOOK, { slotId: slots[1]!.id, patientId: w.patient.id });
    const staff = await doctor.get(`${BOOK}?patientId=${p.id}`);
    expect(staff.status).toBe(200);
    expect(staff.body.items.map((a: { slotId: string }) => a.slotId)).toEqual([slots[0]!.id]);
    expect(staff.body.items[0].patientName).toBe(p.name);
    const own = await patientC.get(BOOK);
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(own.body.items.every((a: { patientId: string }) => a.patientId === w.patient.id)).toBe(true);
    expect((await patientC.get(`${BOOK}?patientId=${p.id}`)).status).toBe(403);
    expect((await reader.get(BOOK)).status).toBe(403);
  });

  it('stop-clinic blocks the period, cancels its bookings with history and notifies the patient', async () => {
    const { resource, slots } = await makeSlots(t.db, w.upper.id, 3);
    const a = await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id });
    expect(a.status).toBe(201);
    const body = { from: slots[0]!.starts_at.toISOString(), to: slots[2]!.starts_at.toISOString(), reason: '医生外出会诊' };
    expect((await adminLower.post(`/api/v1/scheduling/resources/${resource.id}/stop`, body)).status).toBe(403);
    const r = await admin.post(`/api/v1/scheduling/resources/${resource.id}/stop`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ blocked: 2, cancelled: [a.body.id] });
    const statuses = await t.db.selectFrom('slot').select(['id', 'status']).where('resource_id', '=', resource.id).orderBy('starts_at').execute();
    expect(statuses.map((s) => s.status)).toEqual(['blocked', 'blocked', 'free']);
    const detail = await doctor.get(`${BOOK}/${a.body.id}`);
    expect(detail.body.status).toBe('cancelled');
    expect(detail.body.history.at(-1).note).toMatch(/停诊/);
    const blockedBook = await doctor.post(BOOK, { slotId: slots[1]!.id, patientId: w.patient.id });
    expect(blockedBook.status).toBe(409);
    expect(blockedBook.body.error.code).toBe('slot_blocked');
    const notes = await t.db.selectFrom('notification').select('title_zh').where('user_id', '=', w.users.patient.id).where('case_id', '=', a.body.id).execute();
    expect(notes.map((n) => n.title_zh)).toContain('停诊通知：预约已取消');
  });
});

describe(`reschedule on ${dbKind}`, () => {
  it('moves a booking to another slot atomically, freeing the old one; a full target changes nothing', async () => {
    const { slots } = await makeSlots(t.db, w.upper.id, 3);
    const a = await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: w.patient.id });
    const other = await doctor.post(BOOK, { slotId: slots[2]!.id, patientId: (await makePatient(t.db)).id });
    const before = await counts();
    const full = await doctor.post(`${BOOK}/${a.body.id}/reschedule`, { slotId: slots[2]!.id });
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('slot_full');
    expect(await counts()).toEqual(before);
    expect((await patientC.post(`${BOOK}/${other.body.id}/reschedule`, { slotId: slots[1]!.id })).status).toBe(403);
    const moved = await doctor.post(`${BOOK}/${a.body.id}/reschedule`, { slotId: slots[1]!.id, note: '患者要求' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.slotId).toBe(slots[1]!.id);
    const st = await t.db.selectFrom('slot').select(['id', 'status']).where('id', 'in', slots.map((s) => s.id)).execute();
    expect(Object.fromEntries(st.map((s) => [s.id, s.status]))).toEqual({ [slots[0]!.id]: 'free', [slots[1]!.id]: 'busy', [slots[2]!.id]: 'busy' });
    expect((await doctor.get(`${BOOK}/${a.body.id}`)).body.status).toBe('cancelled');
    expect((await doctor.post(`${BOOK}/${a.body.id}/reschedule`, { slotId: slots[0]!.id })).body.error.code).toBe('invalid_state');
  });
});

describe(`release rules on ${dbKind}`, () => {
  it('opens public slots N days ahead at a set time and the primary pool earlier (Beijing-style: 50 % expert, two weeks)', async () => {
    expect((await admin.put('/api/v1/scheduling/release-rules', { institutionId: w.upper.id, category: 'expert', daysAhead: 7, time: '23:00', primaryDaysEarlier: 7 })).status).toBe(400);
    expect((await adminLower.put('/api/v1/scheduling/release-rules', { institutionId: w.upper.id, category: 'expert', daysAhead: 7, time: '08:00', primaryDaysEarlier: 7 })).status).toBe(403);
    expect((await admin.put('/api/v1/scheduling/release-rules', { institutionId: w.upper.id, category: 'expert', daysAhead: 7, time: '08:00', primaryDaysEarlier: 7 })).status).toBe(200);
    expect((await admin.put('/api/v1/scheduling/quota-rules', { institutionId: w.upper.id, category: 'expert', primaryShare: 0.5, returnLeadMinutes: 2 * 24 * 60 })).status).toBe(200);
    const r = await admin.post('/api/v1/scheduling/resources', { institutionId: w.upper.id, kind: 'exam', name: 'PET-CT-1', examType: 'PET-CT' });
    const date = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
    const weekday = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(`${date}T00:00:00Z`).getUTCDay()]!;
    const gen = await admin.post(`/api/v1/scheduling/resources/${r.body.id}/slots`, { from: date, to: date, category: 'expert', template: { [weekday]: ['09:00', '09:30'] } });
    expect(gen.body).toMatchObject({ created: 2, primary: 1 });
    const rows = await t.db.selectFrom('slot').select(['pool', 'opens_at']).where('resource_id', '=', r.body.id).execute();
    const day = (n: number) => new Date(Date.parse(`${date}T08:00:00+08:00`) - n * 86_400_000).toISOString();
    expect(rows.find((s) => s.pool === 'public')!.opens_at.toISOString()).toBe(day(7));
    expect(rows.find((s) => s.pool === 'primary')!.opens_at.toISOString()).toBe(day(14));
    expect((await family.get(`/api/v1/scheduling/slots?status=free&resourceId=${r.body.id}`)).body.items).toEqual([]);
    const night = await admin.post(`/api/v1/scheduling/resources/${r.body.id}/slots`, { from: date, to: date, category: 'expert', template: { [weekday]: ['10:00'] }, opensAt: `${date}T23:30:00+08:00` });
    expect(night.status).toBe(400);
    expect(night.body.error.code).toBe('release_at_night');
  });
});

describe(`waitlist on ${dbKind}`, () => {
  it('books a freed slot for the first waiting patient whose window covers it, and notifies them', async () => {
    const { resource, slots } = await makeSlots(t.db, w.upper.id, 2);
    const a = await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: (await makePatient(t.db)).id });
    const outside = await makePatient(t.db);
    // Waiting only for times after both slots: not served.
    const late = await doctor.post('/api/v1/scheduling/waitlist', { resourceId: resource.id, patientId: outside.id, earliest: new Date(slots[1]!.ends_at).toISOString() });
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    const mine = await patientC.post('/api/v1/scheduling/waitlist', { resourceId: resource.id, patientId: w.patient.id });
    expect(mine.status).toBe(201);
    expect((await patientC.post('/api/v1/scheduling/waitlist', { resourceId: resource.id, patientId: w.patient.id })).body.error.code).toBe('already_waiting');
    expect((await patientC.post('/api/v1/scheduling/waitlist', { resourceId: resource.id, patientId: outside.id })).status).toBe(403);
    expect((await patientC.get('/api/v1/scheduling/waitlist')).body.items.map((e: { id: string }) => e.id)).toEqual([mine.body.id]);
    expect((await doctor.post(`${BOOK}/${a.body.id}/cancel`, {})).status).toBe(200);
    const entry = await t.db.selectFrom('waitlist_entry').selectAll().where('id', '=', mine.body.id).executeTakeFirstOrThrow();
    expect(entry.status).toBe('booked');
    const got = await t.db.selectFrom('appointment').selectAll().where('id', '=', entry.appointment_id!).executeTakeFirstOrThrow();
    expect(got).toMatchObject({ slot_id: slots[0]!.id, patient_id: w.patient.id, status: 'booked', channel: 'patient' });
    expect((await t.db.selectFrom('slot').select('status').where('id', '=', slots[0]!.id).executeTakeFirstOrThrow()).status).toBe('busy');
    expect((await t.db.selectFrom('waitlist_entry').select('status').where('id', '=', late.body.id).executeTakeFirstOrThrow()).status).toBe('waiting');
    const notes = await t.db.selectFrom('notification').select('title_zh').where('user_id', '=', w.users.patient.id).where('case_id', '=', got.id).execute();
    expect(notes.map((n) => n.title_zh)).toEqual(['候补成功']);
    expect((await live([slots[0]!.id])).length).toBe(1);
  });

  it('leaves the waitlist; a freed slot then stays free', async () => {
    const { resource, slots } = await makeSlots(t.db, w.upper.id, 1);
    const a = await doctor.post(BOOK, { slotId: slots[0]!.id, patientId: (await makePatient(t.db)).id });
    const e = await doctor.post('/api/v1/scheduling/waitlist', { resourceId: resource.id, patientId: w.patient.id });
    expect((await reader.post(`/api/v1/scheduling/waitlist/${e.body.id}/cancel`)).status).toBe(403);
    expect((await patientC.post(`/api/v1/scheduling/waitlist/${e.body.id}/cancel`)).body.status).toBe('cancelled');
    expect((await patientC.post(`/api/v1/scheduling/waitlist/${e.body.id}/cancel`)).status).toBe(409);
    expect((await doctor.post('/api/v1/scheduling/waitlist', { resourceId: UNKNOWN, patientId: w.patient.id })).status).toBe(404);
    await doctor.post(`${BOOK}/${a.body.id}/cancel`, {});
    expect((await t.db.selectFrom('slot').select('status').where('id', '=', slots[0]!.id).executeTakeFirstOrThrow()).status).toBe('free');
  });
});

describe(`quota and attendance report on ${dbKind}`, () => {
  it('counts reserved, booked by primary, returned, check-ins, no-shows and the on-time rate per institution', async () => {
    const inst = await makeInstitution(t.db, { level: '3' });
    const { slots } = await makeSlots(t.db, inst.id, 6);
    const ids = slots.map((s) => s.id);
    // Slots 0-2 reserved for primary care: 0 booked by a family doctor, 1 returned (unbooked), 2 still reserved.
    await t.db.updateTable('slot').set({ pool: 'primary', primary_returns_at: new Date(Date.now() + 86_400_000) }).where('id', 'in', ids.slice(0, 3)).execute();
    await t.db.updateTable('slot').set({ primary_returns_at: new Date(Date.now() - 60_000) }).where('id', '=', ids[1]!).execute();
    expect((await family.post(BOOK, { slotId: ids[0], patientId: w.patient.id })).status).toBe(201);
    const b = await doctor.post(BOOK, { slotId: ids[3], patientId: w.patient.id });
    const c = await doctor.post(BOOK, { slotId: ids[4], patientId: w.patient.id });
    const consortium = await t.login('consortium_admin');
    const regulator = await t.login('regulator');
    // Check-in recorded before the (future) start counts as on time; a no-show does not. (The doctor works there for a moment.)
    await t.db.updateTable('user_role').set({ institution_id: inst.id }).where('user_id', '=', w.users.doctor.id).execute();
    expect((await doctor.post(`${BOOK}/${b.body.id}/check-in`, {})).status).toBe(200);
    expect((await doctor.post(`${BOOK}/${c.body.id}/no-show`, {})).status).toBe(200);
    await t.db.updateTable('user_role').set({ institution_id: w.upper.id }).where('user_id', '=', w.users.doctor.id).execute();
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const r = await consortium.get(`/api/v1/scheduling/reports/quota?institutionId=${inst.id}&from=${day(-1)}&to=${day(5)}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items).toEqual([expect.objectContaining({
      institutionId: inst.id, slots: 6, reserved: 3, reservedShare: 0.5, bookedByPrimary: 1, returned: 1, checkedIn: 1, noShow: 1, onTime: 1, onTimeRate: 0.5,
    })]);
    expect((await regulator.get(`/api/v1/scheduling/reports/quota?from=${day(-1)}&to=${day(5)}`)).status).toBe(200);
    expect((await adminLower.get(`/api/v1/scheduling/reports/quota?institutionId=${inst.id}&from=${day(-1)}&to=${day(5)}`)).status).toBe(403);
    expect((await doctor.get(`/api/v1/scheduling/reports/quota?from=${day(-1)}&to=${day(5)}`)).status).toBe(403);
    expect((await consortium.get(`/api/v1/scheduling/reports/quota?from=${day(5)}&to=${day(1)}`)).status).toBe(400);
  });
});
