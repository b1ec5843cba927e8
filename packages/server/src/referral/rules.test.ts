/** The referral's rules: who may take which step, illegal steps, stale versions, time limits, insurance, candidates. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSlots } from '../scheduling/fixtures.js';
import { tableHashes, makePatient, makeUser, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { makeReferrals } from './fixtures.js';
import { escalateOverdue } from './overdue.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
const c = {} as Record<'doctor' | 'doctor_lower' | 'office_upper' | 'office_lower' | 'family_doctor' | 'patient' | 'consortium_admin' | 'regulator', Client>;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  c.doctor = await t.login('doctor'); c.doctor_lower = await t.login('doctor_lower');
  c.office_upper = await t.login('institution_admin'); c.office_lower = await t.login('institution_admin_lower');
  c.family_doctor = await t.login('family_doctor'); c.patient = await t.login('patient');
  c.consortium_admin = await t.login('consortium_admin'); c.regulator = await t.login('regulator');
});
afterAll(() => t.close());

const TABLES = ['referral', 'referral_event', 'referral_task', 'care_relation', 'appointment', 'slot', 'notification'];
const up = (o: Record<string, unknown> = {}) => c.doctor_lower.post('/api/v1/referrals', {
  direction: 'up', setting: 'outpatient', patientId: w.patient.id, toInstitutionId: w.upper.id, reason: '高血压控制不佳', diagnoses: [{ code: 'I10' }], ...o,
});

describe('steps and sides', () => {
  it('returns a referral to its author, who edits and resubmits it', async () => {
    const ref = (await up({ submit: true })).body;
    expect((await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/sender_return`, { version: 2 })).status).toBe(400); // needs a reason
    let r = await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/sender_return`, { version: 2, reason: '请补充近期血压记录' });
    expect(r.body.status).toBe('returned');
    expect((await c.doctor_lower.get('/api/v1/referrals?box=todo')).body.items.map((x: any) => x.id)).toContain(ref.id);
    expect((await c.doctor.patch(`/api/v1/referrals/${ref.id}`, { version: 3, reason: 'x' })).status).toBe(403);
    expect((await c.doctor_lower.patch(`/api/v1/referrals/${ref.id}`, { version: 2, reason: 'x' })).status).toBe(409);
    r = await c.doctor_lower.patch(`/api/v1/referrals/${ref.id}`, { version: 3, reason: '高血压控制不佳，近一周血压 170/100' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    r = await c.doctor_lower.post(`/api/v1/referrals/${ref.id}/actions/submit`, { version: 4 });
    expect(r.body.status).toBe('submitted');
  });

  it('refuses with a reason and tells the sender and the sending office', async () => {
    const ref = (await up({ submit: true })).body;
    await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/sender_approve`, { version: 2 });
    const r = await c.office_upper.post(`/api/v1/referrals/${ref.id}/actions/refuse`, { version: 3, reason: '床位已满' });
    expect(r.body.status).toBe('refused');
    for (const u of [w.users.doctor_lower.id, w.users.institution_admin_lower.id])
      expect(await t.db.selectFrom('notification').select('id').where('user_id', '=', u).where('case_id', '=', ref.id).where('title_zh', 'like', '%拒收%').execute()).toHaveLength(1);
  });

  it('lets the author cancel before acceptance, with a reason, and ends the receiving side’s record access', async () => {
    const ref = (await up({ submit: true })).body;
    await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/sender_approve`, { version: 2 });
    await c.office_upper.post(`/api/v1/referrals/${ref.id}/actions/receiver_approve`, { version: 3, assigneeUserId: w.users.doctor.id });
    expect((await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/cancel`, { version: 4, reason: 'x' })).status).toBe(403);
    expect((await c.doctor_lower.post(`/api/v1/referrals/${ref.id}/actions/cancel`, { version: 4 })).status).toBe(400);
    const r = await c.doctor_lower.post(`/api/v1/referrals/${ref.id}/actions/cancel`, { version: 4, reason: '患者要求在本院治疗' });
    expect(r.body.status).toBe('cancelled');
    const rel = await t.db.selectFrom('care_relation').select('ends_at').where('source_id', '=', ref.id).executeTakeFirstOrThrow();
    expect(rel.ends_at).not.toBeNull();
    expect((await c.doctor_lower.post(`/api/v1/referrals/${ref.id}/actions/cancel`, { version: 5, reason: 'again' })).status).toBe(409);
  });

  it('answers an illegal step with 409 naming the state, a stale version with 409, and wrong roles or sides with 403 — changing nothing', async () => {
    const ref = (await up({ submit: true })).body;
    const before = await tableHashes(t.db, TABLES);
    let r = await c.office_upper.post(`/api/v1/referrals/${ref.id}/actions/receiver_approve`, { version: 2, assigneeUserId: w.users.doctor.id });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('invalid_transition');
    expect(r.body.error.details?.status ?? r.body.error.zh).toBeTruthy();
    r = await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/sender_approve`, { version: 1 });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('version_conflict');
    // Wrong role, wrong side, wrong person.
    for (const [client, action] of [
      [c.doctor_lower, 'sender_approve'], [c.office_upper, 'sender_approve'], [c.doctor, 'sender_approve'], [c.patient, 'sender_approve'],
      [c.consortium_admin, 'sender_approve'], [c.doctor, 'cancel'], [c.family_doctor, 'submit'],
    ] as const) {
      r = await client.post(`/api/v1/referrals/${ref.id}/actions/${action}`, { version: 2, reason: 'x' });
      expect(r.status, `${action}: ${JSON.stringify(r.body)}`).toBe(403);
    }
    // The receiving doctor cannot accept what is assigned to someone else; a non-green-channel slot is refused.
    expect(await tableHashes(t.db, TABLES)).toEqual(before);
  });

  it('lets only the assigned doctor accept, and only with a free green-channel slot of the receiving institution', async () => {
    const ref = (await up({ submit: true })).body;
    await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/sender_approve`, { version: 2 });
    expect((await c.office_upper.post(`/api/v1/referrals/${ref.id}/actions/receiver_approve`, { version: 3, assigneeUserId: w.users.doctor_lower.id })).body.error.code).toBe('assignee_not_here');
    await c.office_upper.post(`/api/v1/referrals/${ref.id}/actions/receiver_approve`, { version: 3, assigneeUserId: w.users.doctor.id });
    const green = (await makeSlots(t.db, w.upper.id, 2, { pool: 'referral' })).slots;
    const pub = (await makeSlots(t.db, w.upper.id, 1)).slots;
    const lowerGreen = (await makeSlots(t.db, w.lower.id, 1, { pool: 'referral' })).slots;
    await makeUser(t.db, 'doctor2', [{ role: 'doctor', institutionId: w.upper.id }]);
    const other = await t.login('doctor2');
    const before = await tableHashes(t.db, TABLES);
    expect((await other.post(`/api/v1/referrals/${ref.id}/actions/accept`, { version: 4, slotId: green[0]!.id })).status).toBe(403);
    expect((await c.doctor.post(`/api/v1/referrals/${ref.id}/actions/accept`, { version: 4 })).status).toBe(400);
    for (const s of [pub[0]!, lowerGreen[0]!])
      expect((await c.doctor.post(`/api/v1/referrals/${ref.id}/actions/accept`, { version: 4, slotId: s.id })).body.error.code).toBe('not_green_channel');
    await t.db.updateTable('slot').set({ status: 'busy' }).where('id', '=', green[1]!.id).execute();
    expect((await c.doctor.post(`/api/v1/referrals/${ref.id}/actions/accept`, { version: 4, slotId: green[1]!.id })).body.error.code).toBe('slot_full');
    await t.db.updateTable('slot').set({ status: 'free' }).where('id', '=', green[1]!.id).execute();
    expect(await tableHashes(t.db, TABLES)).toEqual(before);
    const r = await c.doctor.post(`/api/v1/referrals/${ref.id}/actions/accept`, { version: 4, slotId: green[0]!.id });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await c.doctor.get('/api/v1/referrals?box=todo')).body.items.map((x: any) => x.id)).toContain(ref.id);
  });

  it('lets only the sides, the consortium office, the regulator and the patient see a referral', async () => {
    const ref = (await up()).body;
    expect(ref.status).toBe('draft');
    const other = await makePatient(t.db);
    const otherRef = (await makeReferrals(t.db, 1, { patientId: other.id, fromInstitutionId: w.lower.id, toInstitutionId: w.upper.id, createdBy: w.users.doctor_lower.id }))[0]!;
    expect((await c.patient.get(`/api/v1/referrals/${ref.id}`)).status).toBe(200);
    expect((await c.patient.get(`/api/v1/referrals/${otherRef.id}`)).status).toBe(403);
    expect((await c.patient.get('/api/v1/referrals?box=all')).body.items.every((x: any) => x.patientId === w.patient.id)).toBe(true);
    expect((await c.regulator.get(`/api/v1/referrals/${ref.id}`)).body.patient).toBeNull();
    expect((await c.consortium_admin.get(`/api/v1/referrals/${ref.id}`)).status).toBe(200);
  });

  it('rejects shared excerpts that are not the patient’s and targets of the wrong level', async () => {
    const other = await makePatient(t.db);
    const id = crypto.randomUUID();
    await t.db.insertInto('encounter').values({ id, entry_id: id, patient_id: other.id, institution_id: w.lower.id, class: 'outpatient', started_at: new Date() }).execute();
    let r = await up({ sharedEntries: [{ kind: 'encounter', id }] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('shared_entry_not_found');
    r = await c.doctor.post('/api/v1/referrals', { direction: 'up', setting: 'outpatient', patientId: w.patient.id, toInstitutionId: w.lower.id, reason: 'x', diagnoses: [{ code: 'I10' }] });
    expect(r.body.error.code).toBe('direction_mismatch');
  });
});

describe('attachments', () => {
  it('lets the author attach a PNG to a draft, which the receiving office can then read; other types are refused', async () => {
    const ref = (await up()).body;
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
    const form = (name: string, type: string, data: Buffer) => {
      const b = '----yl' + Math.random().toString(16).slice(2);
      const body = Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`), data, Buffer.from(`\r\n--${b}--\r\n`)]);
      return [body, { 'content-type': `multipart/form-data; boundary=${b}` }] as const;
    };
    expect((await c.doctor.request('POST', `/api/v1/referrals/${ref.id}/attachments`, ...form('ecg.png', 'image/png', png))).status).toBe(403);
    expect((await c.doctor_lower.request('POST', `/api/v1/referrals/${ref.id}/attachments`, ...form('a.txt', 'text/plain', Buffer.from('hello')))).status).toBe(415);
    const r = await c.doctor_lower.request('POST', `/api/v1/referrals/${ref.id}/attachments`, ...form('心电图.png', 'image/png', png));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.attachments).toEqual([expect.objectContaining({ name: '心电图.png', contentType: 'image/png', size: png.length })]);
    const sha = r.body.attachments[0].sha256;
    expect((await c.office_upper.get(`/api/v1/referrals/${ref.id}/attachments/${sha}`)).status).toBe(403);
    await c.doctor_lower.post(`/api/v1/referrals/${ref.id}/actions/submit`, { version: r.body.version });
    await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/sender_approve`, { version: r.body.version + 1 });
    const file = await c.office_upper.get(`/api/v1/referrals/${ref.id}/attachments/${sha}`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
  });
});

describe('time limits', () => {
  it('lists overdue steps for the responsible office and escalates each state entry once', async () => {
    const old = new Date(Date.now() - 30 * 3_600_000);
    const [late] = await makeReferrals(t.db, 1, { patientId: w.patient.id, fromInstitutionId: w.lower.id, toInstitutionId: w.upper.id, createdBy: w.users.doctor_lower.id, status: 'sender_approved', statusSince: old });
    await makeReferrals(t.db, 1, { patientId: w.patient.id, fromInstitutionId: w.lower.id, toInstitutionId: w.upper.id, createdBy: w.users.doctor_lower.id, status: 'sender_approved' });
    const mine = await c.office_upper.get('/api/v1/referrals/overdue');
    expect(mine.body.items.map((x: any) => x.id)).toEqual([late!.id]);
    expect(mine.body.items[0]).toMatchObject({ status: 'sender_approved', limitHours: 24, responsibleInstitutionId: w.upper.id });
    expect((await c.office_lower.get('/api/v1/referrals/overdue')).body.items).toEqual([]);
    expect((await c.office_lower.get(`/api/v1/referrals/overdue?institutionId=${w.upper.id}`)).status).toBe(403);
    expect((await c.consortium_admin.get('/api/v1/referrals/overdue')).body.items.map((x: any) => x.id)).toContain(late!.id);
    expect((await c.doctor.get('/api/v1/referrals/overdue')).status).toBe(403);

    expect(await escalateOverdue(t.db)).toBe(1);
    expect(await escalateOverdue(t.db)).toBe(0);
    const sent = await t.db.selectFrom('notification').select('user_id').where('case_id', '=', late!.id).where('title_zh', 'like', '%超时%').execute();
    expect(sent.map((s) => s.user_id)).toEqual([w.users.institution_admin.id]);
  });

  it('takes its limits from the configuration (consortium office only)', async () => {
    expect((await c.office_upper.put('/api/v1/referral-config/time-limits', { items: [{ status: 'submitted', hours: 2 }] })).status).toBe(403);
    const r = await c.consortium_admin.put('/api/v1/referral-config/time-limits', { items: [{ status: 'submitted', hours: 2 }, { status: 'sender_approved', hours: 48 }] });
    expect(r.status).toBe(200);
    expect((await c.office_upper.get('/api/v1/referrals/overdue')).body.items).toEqual([]);
  });
});

describe('insurance comparison', () => {
  it('gives out-of-pocket per level for 城乡居民 (100/400/600, 90/80/60 %), deductibles accumulating up and not again down', async () => {
    const ref = (await up({ insuranceType: 'urban_rural_resident' })).body;
    const r = await c.doctor_lower.get(`/api/v1/referrals/${ref.id}/insurance?amount=10000`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.levels.map((l: any) => [l.level, l.deductible, l.rate, l.outOfPocket])).toEqual([
      ['1', 100, 0.9, 1090], ['2', 400, 0.8, 2320], ['3', 600, 0.6, 4360],
    ]);
    expect(r.body.receiving).toEqual({ level: '3', deductibleCharged: 600, outOfPocket: 4360 });
    expect(r.body.deductiblesTotal).toBe(700);
    const down = (await c.doctor.post('/api/v1/referrals', { direction: 'down', setting: 'outpatient', patientId: w.patient.id, toInstitutionId: w.lower.id, reason: '康复', diagnoses: [{ code: 'Z50' }], insuranceType: 'urban_rural_resident' })).body;
    const d = await c.doctor.get(`/api/v1/referrals/${down.id}/insurance?amount=10000`);
    expect(d.body.receiving).toEqual({ level: '1', deductibleCharged: 0, outOfPocket: 1000 });
    expect(d.body.deductiblesTotal).toBe(600);
  });
});

describe('down-referral candidates (下转候选)', () => {
  it('lists stable inpatients and recent outpatients with a managed diagnosis, not unstable or unseen ones', async () => {
    const add = async (name: string, o: { code: string; cls: 'inpatient' | 'outpatient'; daysAgo: number; ended?: boolean; abnormalDaysAgo?: number; inst?: string }) => {
      const p = await makePatient(t.db, { name });
      const inst = o.inst ?? w.upper.id;
      const e = crypto.randomUUID();
      await t.db.insertInto('encounter').values({ id: e, entry_id: e, patient_id: p.id, institution_id: inst, class: o.cls, started_at: new Date(Date.now() - o.daysAgo * 86_400_000), ended_at: o.ended ? new Date() : null }).execute();
      const cid = crypto.randomUUID();
      await t.db.insertInto('condition').values({ id: cid, entry_id: cid, patient_id: p.id, institution_id: inst, code_system: 'icd10', code: o.code, display: o.code }).execute();
      if (o.abnormalDaysAgo !== undefined) {
        const oid = crypto.randomUUID();
        await t.db.insertInto('observation').values({ id: oid, entry_id: oid, patient_id: p.id, institution_id: inst, category: 'vital-signs', code: 'SBP', name: '收缩压', value_num: 180, flag: 'H', effective_at: new Date(Date.now() - o.abnormalDaysAgo * 86_400_000) }).execute();
      }
      return p;
    };
    const stable = await add('稳定住院', { code: 'I63.9', cls: 'inpatient', daysAgo: 20, abnormalDaysAgo: 10 });
    const recent = await add('近期门诊', { code: 'E11.9', cls: 'outpatient', daysAgo: 5 });
    await add('不稳定', { code: 'I10', cls: 'inpatient', daysAgo: 10, abnormalDaysAgo: 1 });
    await add('已出院', { code: 'I10', cls: 'inpatient', daysAgo: 10, ended: true });
    await add('久未就诊', { code: 'I10', cls: 'outpatient', daysAgo: 60 });
    await add('其他诊断', { code: 'C34.1', cls: 'inpatient', daysAgo: 10 });
    await add('别院病人', { code: 'I10', cls: 'inpatient', daysAgo: 10, inst: w.lower.id });
    const r = await c.doctor.get('/api/v1/referrals/candidates');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items.map((x: any) => x.patientId).sort()).toEqual([stable.id, recent.id].sort());
    expect((await c.office_upper.get('/api/v1/referrals/candidates')).status).toBe(403);
  });
});
