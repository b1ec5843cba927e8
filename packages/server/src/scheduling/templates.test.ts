/**
 * Stored templates rolled forward (放号), closure days (节假日) with rebooking offers, the green-channel referral
 * pool, and the doctor's and booker's appointment lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDepartment, makePatient, makePractitioner, makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type Client, type TestApp } from '../test/harness.js';
import { makeSlots } from './fixtures.js';
import { rollForward, todayCst } from './scheduling.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, admin: Client, adminLower: Client, doctorLower: Client, family: Client, patientC: Client;
const S = '/api/v1/scheduling';
const DAY = 86_400_000;
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const ALL_WEEK = { mon: ['08:00', '08:30', '09:00', '09:30'], tue: ['08:00', '08:30', '09:00', '09:30'], wed: ['08:00', '08:30', '09:00', '09:30'],
  thu: ['08:00', '08:30', '09:00', '09:30'], fri: ['08:00', '08:30', '09:00', '09:30'], sat: ['08:00', '08:30', '09:00', '09:30'], sun: ['08:00', '08:30', '09:00', '09:30'] };

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  doctor = await t.login('doctor');
  admin = await t.login('institution_admin');
  adminLower = await t.login('institution_admin_lower');
  doctorLower = await t.login('doctor_lower');
  family = await t.login('family_doctor');
  patientC = await t.login('patient');
});
afterAll(() => t.close());

async function doctorResource(name: string, departmentId: string | null = w.dept.id) {
  const p = await makePractitioner(t.db, w.upper.id, { name, departmentId: departmentId ?? undefined });
  const r = await admin.post(`${S}/resources`, { institutionId: w.upper.id, kind: 'doctor', name, practitionerId: p.id, departmentId });
  expect(r.status).toBe(201);
  return r.body as { id: string };
}
const slotsOf = (resourceId: string) => t.db.selectFrom('slot').selectAll().where('resource_id', '=', resourceId).orderBy('starts_at').execute();

describe(`stored templates on ${dbKind}`, () => {
  it('saving a template makes the slots up to the horizon, with referral places per day and the primary-care share', async () => {
    const r = await doctorResource('模板医生');
    const body = { category: 'specialist', weekly: ALL_WEEK, referralPerDay: 1, horizonDays: 3 };
    expect((await adminLower.put(`${S}/resources/${r.id}/template`, body)).status).toBe(403);
    expect((await admin.put(`${S}/resources/${r.id}/template`, { ...body, referralPerDay: 5 })).body.error).toMatchObject({ code: 'referral_exceeds_day', field: 'referralPerDay' });
    expect((await admin.get(`${S}/resources/${r.id}/template`)).status).toBe(404);
    const saved = await admin.put(`${S}/resources/${r.id}/template`, body);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ category: 'specialist', referralPerDay: 1, horizonDays: 3, generatedThrough: addDays(todayCst(), 2), created: 12 });
    const slots = await slotsOf(r.id);
    expect(slots.length).toBe(12);
    expect(slots.filter((s) => s.pool === 'referral').length).toBe(3); // one a day
    // 20 % floor of the 9 remaining places, rounded up, goes to primary care (secondary/tertiary specialist slots).
    expect(slots.filter((s) => s.pool === 'primary').length).toBe(2);
    expect(slots.filter((s) => s.pool !== 'public').every((s) => s.primary_returns_at && s.primary_returns_at < s.starts_at)).toBe(true);
    expect((await doctor.get(`${S}/resources/${r.id}/template`)).body.weekly).toEqual(ALL_WEEK);
    const audit = await t.db.selectFrom('audit_log').select('action').where('object_id', '=', r.id).execute();
    expect(audit.map((a) => a.action)).toContain('schedule.template.set');
  });

  it('generating from the stored template needs no template in the request; without one it is refused', async () => {
    const r = await doctorResource('无模板医生');
    const res = await admin.post(`${S}/resources/${r.id}/slots`, { from: addDays(todayCst(), 1), to: addDays(todayCst(), 2) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'template_required', field: 'template' });
    await admin.put(`${S}/resources/${r.id}/template`, { category: 'general', weekly: { mon: ['14:00'] }, horizonDays: 1 });
    const gen = await admin.post(`${S}/resources/${r.id}/slots`, { from: addDays(todayCst(), 1), to: addDays(todayCst(), 14) });
    expect(gen.status).toBe(201);
    expect(gen.body.created).toBe(2); // two Mondays in the next 14 days
    expect((await admin.get(`${S}/resources/${r.id}/template`)).body.generatedThrough).toBe(addDays(todayCst(), 14));
  });

  it('the roller makes the days that come into the horizon, once', async () => {
    const r = await doctorResource('滚动医生');
    await admin.put(`${S}/resources/${r.id}/template`, { category: 'general', weekly: ALL_WEEK, horizonDays: 2 });
    expect((await slotsOf(r.id)).length).toBe(8);
    const later = Date.now() + 3 * DAY;
    const first = await rollForward(t.db, later);
    // Three days later the horizon is today+3..today+4: those two days are made; the day that passed unmade is not.
    expect(first.created).toBeGreaterThanOrEqual(8);
    expect((await slotsOf(r.id)).length).toBe(16);
    expect((await rollForward(t.db, later)).created).toBe(0);
    const rolled = await t.db.selectFrom('audit_log').select(['action', 'username']).where('object_id', '=', r.id).where('action', '=', 'schedule.slots.roll').execute();
    expect(rolled).toEqual([{ action: 'schedule.slots.roll', username: 'system' }]);
  });
});

describe(`closure days and rebooking on ${dbKind}`, () => {
  it('a closure day stops that day’s slots, cancels their bookings, notifies with rebooking offers; the patient rebooks in one step', async () => {
    const r = await doctorResource('节假日医生');
    await admin.put(`${S}/resources/${r.id}/template`, { category: 'general', weekly: ALL_WEEK, horizonDays: 4 });
    const day = addDays(todayCst(), 2);
    const slots = await slotsOf(r.id);
    const onDay = slots.filter((s) => new Date(s.starts_at.getTime() + 8 * 3_600_000).toISOString().startsWith(day));
    const booked = await doctor.post(`${S}/appointments`, { slotId: onDay[0]!.id, patientId: w.patient.id });
    expect(booked.status).toBe(201);

    const body = { institutionId: w.upper.id, date: day, name: '元旦' };
    expect((await adminLower.post(`${S}/exceptions`, body)).status).toBe(403);
    expect((await admin.post(`${S}/exceptions`, { ...body, date: '2020-01-01' })).body.error.code).toBe('date_past');
    const ex = await admin.post(`${S}/exceptions`, body);
    expect(ex.status).toBe(201);
    expect(ex.body.cancelled).toEqual([booked.body.id]);
    expect(ex.body.blocked).toBeGreaterThanOrEqual(4);
    expect((await admin.post(`${S}/exceptions`, body)).body.error.code).toBe('exception_exists');
    expect((await doctor.get(`${S}/exceptions?institutionId=${w.upper.id}`)).body.items.map((e: { date: string }) => e.date)).toContain(day);

    const appt = await patientC.get(`${S}/appointments/${booked.body.id}`);
    expect(appt.body).toMatchObject({ status: 'cancelled', slotStatus: 'blocked', resourceName: '节假日医生' });
    const patientUser = await t.db.selectFrom('user_account').select('id').where('patient_id', '=', w.patient.id).executeTakeFirstOrThrow();
    const note = await t.db.selectFrom('notification').selectAll().where('user_id', '=', patientUser.id).where('case_id', '=', booked.body.id).where('title_zh', '=', '停诊通知：预约已取消').executeTakeFirstOrThrow();
    expect(note.title_zh).toBe('停诊通知：预约已取消');
    expect(note.body_zh).toContain('可一键改约');

    // Offers: the same resource first, on other days.
    const alt = await patientC.get(`${S}/appointments/${booked.body.id}/alternatives`);
    expect(alt.status).toBe(200);
    expect(alt.body.items.length).toBeGreaterThan(0);
    expect(alt.body.items[0].resourceId).toBe(r.id);
    expect(alt.body.items.every((s: { status: string }) => s.status === 'free')).toBe(true);

    const rebook = await patientC.post(`${S}/appointments/${booked.body.id}/reschedule`, { slotId: alt.body.items[0].id });
    expect(rebook.status).toBe(200);
    expect(rebook.body).toMatchObject({ status: 'booked', replacesId: booked.body.id });
    expect((await patientC.post(`${S}/appointments/${booked.body.id}/reschedule`, { slotId: alt.body.items[1].id })).body.error.code).toBe('already_rebooked');
    expect((await patientC.get(`${S}/appointments/${booked.body.id}`)).body.replacedById).toBe(rebook.body.id);

    // Slots are not made on a closure day: a resource whose template starts after it skips the date.
    const r2 = await doctorResource('节后医生');
    await admin.put(`${S}/resources/${r2.id}/template`, { category: 'general', weekly: ALL_WEEK, horizonDays: 4 });
    const days = new Set((await slotsOf(r2.id)).map((s) => new Date(s.starts_at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)));
    expect(days.has(day)).toBe(false);
    expect(days.size).toBe(3);
  });

  it('alternatives fall back to the same department and category when the resource has nothing free', async () => {
    const dept = await makeDepartment(t.db, w.upper.id, '神经内科', 'neurology');
    const a = await doctorResource('满号医生', dept.id);
    const b = await doctorResource('同科医生', dept.id);
    await admin.put(`${S}/resources/${a.id}/template`, { category: 'general', weekly: { ...ALL_WEEK, mon: ['10:00'], tue: ['10:00'], wed: ['10:00'], thu: ['10:00'], fri: ['10:00'], sat: ['10:00'], sun: ['10:00'] }, horizonDays: 5 });
    await admin.put(`${S}/resources/${b.id}/template`, { category: 'general', weekly: ALL_WEEK, horizonDays: 2 });
    // Every future place of the first clinic is taken (one of them by our patient).
    const [first, ...rest] = (await slotsOf(a.id)).filter((x) => x.starts_at.getTime() > Date.now());
    const p = await makePatient(t.db, { name: '改约患者' });
    const booked = await doctor.post(`${S}/appointments`, { slotId: first!.id, patientId: p.id });
    expect(booked.status).toBe(201);
    for (const x of rest) expect((await doctor.post(`${S}/appointments`, { slotId: x.id, patientId: (await makePatient(t.db, { name: '占号患者' })).id })).status).toBe(201);
    const alt = await doctor.get(`${S}/appointments/${booked.body.id}/alternatives`);
    expect(alt.body.items.length).toBeGreaterThan(0);
    expect(alt.body.items.every((s: { resourceId: string }) => s.resourceId === b.id)).toBe(true);
  });
});

describe(`green channel (referral pool) on ${dbKind}`, () => {
  it('referral places are booked only by the receiving institution with greenChannel, and return to the public pool later', async () => {
    const { slots: [held, returned] } = await makeSlots(t.db, w.upper.id, 2, { pool: 'referral', primaryReturnsAt: new Date(Date.now() + 3 * DAY) });
    await t.db.updateTable('slot').set({ primary_returns_at: new Date(Date.now() - 60_000) }).where('id', '=', returned!.id).execute();
    const p = await makePatient(t.db, { name: '转诊患者' });
    const visible = async (c: Client, green: boolean) => (await c.get(`${S}/slots?resourceId=${held!.resource_id}&status=free${green ? '&greenChannel=true' : ''}`)).body.items.map((s: { id: string }) => s.id);

    expect(await visible(doctorLower, true)).toEqual([returned!.id]);
    expect(await visible(doctor, false)).toEqual([returned!.id]);
    expect(await visible(doctor, true)).toEqual([held!.id, returned!.id]);

    const refused = await doctorLower.post(`${S}/appointments`, { slotId: held!.id, patientId: p.id, greenChannel: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error.zh).toContain('转诊预留');
    expect((await doctor.post(`${S}/appointments`, { slotId: held!.id, patientId: p.id })).status).toBe(403);
    const ok = await doctor.post(`${S}/appointments`, { slotId: held!.id, patientId: p.id, greenChannel: true });
    expect(ok.status).toBe(201);
    expect(ok.body.channel).toBe('referral');
    // A returned referral place is an ordinary slot again.
    expect((await family.post(`${S}/appointments`, { slotId: returned!.id, patientId: p.id })).status).toBe(201);
  });
});

describe(`appointment lists on ${dbKind}`, () => {
  it('scope=clinic lists the visits in the doctor’s own clinic; scope=mine what the caller booked', async () => {
    const dept = await makeDepartment(t.db, w.upper.id, '内分泌科', 'endocrinology');
    const own = await admin.post(`${S}/resources`, { institutionId: w.upper.id, kind: 'doctor', name: '张明专家门诊', practitionerId: w.doctorP.id, departmentId: w.dept.id });
    await admin.put(`${S}/resources/${own.body.id}/template`, { category: 'expert', weekly: ALL_WEEK, horizonDays: 2 });
    const other = await doctorResource('内分泌医生', dept.id);
    await admin.put(`${S}/resources/${other.id}/template`, { category: 'general', weekly: ALL_WEEK, horizonDays: 2 });
    const free = async (rid: string) => (await family.get(`${S}/slots?resourceId=${rid}&status=free`)).body.items[0].id as string;
    const p = await makePatient(t.db, { name: '列表患者' });
    const inClinic = await family.post(`${S}/appointments`, { slotId: await free(own.body.id), patientId: p.id });
    const elsewhere = await family.post(`${S}/appointments`, { slotId: await free(other.id), patientId: p.id });
    expect([inClinic.status, elsewhere.status]).toEqual([201, 201]);
    const clinic = await doctor.get(`${S}/appointments?scope=clinic`);
    expect(clinic.body.items.map((a: { id: string }) => a.id)).toEqual([inClinic.body.id]);
    const mine = await family.get(`${S}/appointments?scope=mine&patientId=${p.id}`);
    expect(mine.body.items.map((a: { id: string }) => a.id).sort()).toEqual([inClinic.body.id, elsewhere.body.id].sort());
    expect((await doctorLower.get(`${S}/appointments?scope=clinic`)).body.items).toEqual([]);
  });
});

describe(`resources and rules on ${dbKind}`, () => {
  it('lists resources with institution, department and doctor names, finds them by name, and renames or deactivates them', async () => {
    const r = await doctorResource('名称医生');
    const list = await patientC.get(`${S}/resources?q=${encodeURIComponent('名称')}`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.items[0]).toMatchObject({ id: r.id, institutionName: '市人民医院', departmentName: '心内科', practitionerName: '名称医生' });
    expect((await adminLower.patch(`${S}/resources/${r.id}`, { active: false })).status).toBe(403);
    const off = await admin.patch(`${S}/resources/${r.id}`, { name: '名称医生（停用）', active: false });
    expect(off.body).toMatchObject({ name: '名称医生（停用）', active: false });
    expect((await doctor.get(`${S}/resources?q=${encodeURIComponent('名称')}`)).body.total).toBe(0);
    expect((await admin.get(`${S}/resources?q=${encodeURIComponent('名称')}&includeInactive=true`)).body.total).toBe(1);
    expect((await doctor.get(`${S}/resources/${r.id}`)).body.active).toBe(false);
  });

  it('shows the quota and release rules in force, with the 20 % default for specialist and expert slots', async () => {
    await admin.put(`${S}/quota-rules`, { institutionId: w.upper.id, category: 'expert', primaryShare: 0.5, returnLeadMinutes: 2880 });
    const rules = await doctor.get(`${S}/rules?institutionId=${w.upper.id}`);
    expect(rules.status).toBe(200);
    const by = Object.fromEntries(rules.body.items.map((r: { category: string }) => [r.category, r]));
    expect(by.expert).toMatchObject({ quotaStored: true, primaryShare: 0.5, returnLeadMinutes: 2880 });
    expect(by.specialist).toMatchObject({ quotaStored: false, primaryShare: 0.2 });
    expect(by.general).toMatchObject({ quotaStored: false, primaryShare: null });
  });
});
