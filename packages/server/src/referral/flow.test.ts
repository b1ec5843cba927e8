/** The referral's whole path, up and down, through the HTTP API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSlots } from '../scheduling/fixtures.js';
import { makeInstitution, makePractitioner, makeUser, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let prov: Awaited<ReturnType<typeof makeInstitution>>;
let provDoctor: { id: string };
const c = {} as Record<'doctor' | 'doctor_lower' | 'office_upper' | 'office_lower' | 'office_prov' | 'prov_doctor' | 'family_doctor' | 'patient', Client>;
let encounterId: string;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  prov = await makeInstitution(t.db, { code: 'PROV', name: '省人民医院', level: '3' });
  const p = await makePractitioner(t.db, prov.id, { name: '钱省' });
  await makeUser(t.db, 'office_prov', [{ role: 'institution_admin', institutionId: prov.id }]);
  provDoctor = await makeUser(t.db, 'prov_doctor', [{ role: 'doctor', institutionId: prov.id }], { practitionerId: p.id });
  c.doctor = await t.login('doctor'); c.doctor_lower = await t.login('doctor_lower');
  c.office_upper = await t.login('institution_admin'); c.office_lower = await t.login('institution_admin_lower');
  c.office_prov = await t.login('office_prov'); c.prov_doctor = await t.login('prov_doctor');
  c.family_doctor = await t.login('family_doctor'); c.patient = await t.login('patient');
  encounterId = crypto.randomUUID();
  await t.db.insertInto('encounter').values({ id: encounterId, entry_id: encounterId, patient_id: w.patient.id, institution_id: w.lower.id, class: 'outpatient', started_at: new Date(), reason: '胸痛' }).execute();
});
afterAll(() => t.close());

const notices = async (userId: string, caseId: string) =>
  t.db.selectFrom('notification').select(['title_zh', 'body_zh']).where('user_id', '=', userId).where('case_id', '=', caseId).execute();

describe('up-referral: the whole path', () => {
  it('goes from the township doctor through both offices, a forward, assignment, green-channel booking, arrival and closing', async () => {
    const created = await c.doctor_lower.post('/api/v1/referrals', {
      direction: 'up', setting: 'outpatient', urgency: 'urgent', patientId: w.patient.id, toInstitutionId: w.upper.id, reason: '胸痛待查，需冠脉造影',
      diagnoses: [{ code: 'I20.0' }], sharedEntries: [{ kind: 'encounter', id: encounterId }], insuranceType: 'urban_rural_resident', submit: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ref = created.body;
    expect(ref).toMatchObject({ status: 'submitted', version: 2, fromInstitutionId: w.lower.id, toInstitutionId: w.upper.id });
    expect(ref.code).toMatch(/^ZZ\d{12}$/);

    // The sending office sees it to review, on its workbench and in its to-do box.
    expect((await c.office_lower.get('/api/v1/referrals/counts')).body.review).toBe(1);
    expect((await c.office_lower.get('/api/v1/referrals?box=todo')).body.items.map((x: any) => x.id)).toContain(ref.id);
    const detail0 = await c.office_lower.get(`/api/v1/referrals/${ref.id}`);
    expect(detail0.body.allowedActions.map((a: any) => a.action)).toEqual(['sender_approve', 'sender_return']);
    expect(detail0.body.sharedExcerpts).toHaveLength(1);
    let r = await c.office_lower.post(`/api/v1/referrals/${ref.id}/actions/sender_approve`, { version: 2 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('sender_approved');

    // The upper hospital's office forwards it further up to the provincial hospital.
    r = await c.office_upper.post(`/api/v1/referrals/${ref.id}/actions/forward`, { version: 3, toInstitutionId: prov.id, reason: '本院无该专科' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'sender_approved', toInstitutionId: prov.id, version: 4 });
    const hop = await t.db.selectFrom('referral_event').select('detail').where('referral_id', '=', ref.id).where('action', '=', 'forward').executeTakeFirstOrThrow();
    expect(hop.detail).toEqual({ fromInstitutionId: w.upper.id, toInstitutionId: prov.id });
    // The former receiver can no longer act on it.
    expect((await c.office_upper.post(`/api/v1/referrals/${ref.id}/actions/refuse`, { version: 4, reason: 'x' })).status).toBe(403);

    r = await c.office_prov.post(`/api/v1/referrals/${ref.id}/actions/receiver_approve`, { version: 4, assigneeUserId: provDoctor.id });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'receiver_approved', assignedUserId: provDoctor.id });
    expect(await t.db.selectFrom('care_relation').select('kind').where('institution_id', '=', prov.id).where('source_id', '=', ref.id).execute()).toHaveLength(1);

    // The assigned doctor accepts and books a green-channel slot in the same step.
    expect((await c.prov_doctor.get('/api/v1/referrals/counts')).body.accept).toBe(1);
    const { slots } = await makeSlots(t.db, prov.id, 2, { pool: 'referral' });
    r = await c.prov_doctor.post(`/api/v1/referrals/${ref.id}/actions/accept`, { version: 5, slotId: slots[0]!.id });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('accepted');
    const appt = await t.db.selectFrom('appointment').selectAll().where('id', '=', r.body.appointmentId).executeTakeFirstOrThrow();
    expect(appt).toMatchObject({ slot_id: slots[0]!.id, channel: 'referral', patient_id: w.patient.id, status: 'booked' });
    expect((await t.db.selectFrom('slot').select('status').where('id', '=', slots[0]!.id).executeTakeFirstOrThrow()).status).toBe('busy');
    expect(await notices(w.users.patient.id, ref.id)).toHaveLength(1);

    r = await c.prov_doctor.post(`/api/v1/referrals/${ref.id}/actions/arrive`, { version: 6 });
    expect(r.body.status).toBe('arrived');
    r = await c.prov_doctor.post(`/api/v1/referrals/${ref.id}/actions/close`, { version: 7, summary: '冠脉造影示前降支狭窄70%，已植入支架1枚；建议回当地随访，双抗12个月。' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ status: 'closed', summary: expect.stringContaining('支架') });

    // The sender is told at every outcome, and the letter is in the shared record, written by the receiving side.
    const toSender = await notices(w.users.doctor_lower.id, ref.id);
    expect(toSender.map((n) => n.title_zh)).toEqual(expect.arrayContaining(['转诊已完成，接收方回复了诊疗小结', '转诊患者已被接诊并预约']));
    expect(toSender.every((n) => !n.body_zh?.includes(w.patient.name))).toBe(true);
    const letter = await t.db.selectFrom('document').selectAll().where('patient_id', '=', w.patient.id).where('kind', '=', 'referral_letter').executeTakeFirstOrThrow();
    expect(letter).toMatchObject({ institution_id: prov.id, text: expect.stringContaining('支架') });
    expect(await notices(w.users.patient.id, ref.id)).toHaveLength(2);

    const d = await c.doctor_lower.get(`/api/v1/referrals/${ref.id}`);
    expect(d.status).toBe(200);
    expect(d.body.chain.map((x: any) => x.institutionId)).toEqual([w.lower.id, w.upper.id, prov.id]);
    expect(d.body.events.map((e: any) => e.action)).toEqual(['create', 'submit', 'sender_approve', 'forward', 'receiver_approve', 'accept', 'arrive', 'close']);
    expect(d.body.allowedActions).toEqual([]);
    // Every step is audited with the patient.
    const audits = await t.db.selectFrom('audit_log').select('action').where('object_id', '=', ref.id).where('patient_id', '=', w.patient.id).execute();
    expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(['referral.create', 'referral.submit', 'referral.forward', 'referral.accept', 'referral.close']));

    // The public page of the slip: state and institutions, nothing about the patient.
    const pub = await t.anonymous.get(`/api/v1/referrals/public/${d.body.publicToken}`);
    expect(pub.status).toBe(200);
    expect(pub.body).toMatchObject({ code: ref.code, status: 'closed', fromInstitution: w.lower.name, toInstitution: prov.name });
    const text = JSON.stringify(pub.body);
    for (const secret of [w.patient.name, w.patient.id, w.patient.resident_id ?? 'x', '胸痛', 'I20']) expect(text).not.toContain(secret);
    expect((await t.anonymous.get('/api/v1/referrals/public/no-such-token-here')).status).toBe(404);
  });
});

describe('down-referral with a rehabilitation plan and follow-up tasks', () => {
  it('creates the tasks for the primary institution on acceptance; the primary doctor does them; the upper doctor sees progress', async () => {
    const created = await c.doctor.post('/api/v1/referrals', {
      direction: 'down', setting: 'outpatient', patientId: w.patient.id, toInstitutionId: w.lower.id, reason: '术后稳定，转回社区康复',
      diagnoses: [{ code: 'Z50' }], plan: '每日步行30分钟；阿司匹林100mg qd', submit: true,
      tasks: [{ title: '测血压', detail: '每周一次', dueInDays: 7 }, { title: '复查血常规', dueInDays: 30 }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    expect(await t.db.selectFrom('referral_task').select('id').where('referral_id', '=', id).execute()).toHaveLength(0);
    let r = await c.office_upper.post(`/api/v1/referrals/${id}/actions/sender_approve`, { version: 2 });
    r = await c.office_lower.post(`/api/v1/referrals/${id}/actions/receiver_approve`, { version: 3, assigneeUserId: w.users.doctor_lower.id });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const { slots } = await makeSlots(t.db, w.lower.id, 1, { pool: 'referral' });
    r = await c.doctor_lower.post(`/api/v1/referrals/${id}/actions/accept`, { version: 4, slotId: slots[0]!.id });
    expect(r.status, JSON.stringify(r.body)).toBe(200);

    const mine = await c.doctor_lower.get('/api/v1/referral-tasks?box=mine&status=open');
    expect(mine.body.items.map((x: any) => x.title)).toEqual(['测血压', '复查血常规']);
    const due = new Date(Date.now() + 8 * 3_600_000 + 7 * 86_400_000).toISOString().slice(0, 10);
    expect(mine.body.items[0].dueDate).toBe(due);
    expect((await c.doctor_lower.get('/api/v1/referrals/counts')).body.tasks).toBe(2);
    // Another institution's staff may not tick them off.
    expect((await c.doctor.post(`/api/v1/referral-tasks/${mine.body.items[0].id}/done`, { result: 'x' })).status).toBe(403);
    const done = await c.doctor_lower.post(`/api/v1/referral-tasks/${mine.body.items[0].id}/done`, { result: '血压 128/80' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', result: '血压 128/80' });
    expect((await c.doctor_lower.post(`/api/v1/referral-tasks/${mine.body.items[0].id}/done`, {})).status).toBe(409);

    const d = await c.doctor.get(`/api/v1/referrals/${id}`);
    expect(d.body.plan).toContain('步行');
    expect(d.body.taskProgress).toEqual({ total: 2, done: 1 });
    // Down-referral: no second deductible at the township level.
    const ins = await c.doctor.get(`/api/v1/referrals/${id}/insurance?amount=1000`);
    expect(ins.status).toBe(400);
  });

  it('refuses a plan or tasks on an up-referral', async () => {
    const r = await c.doctor_lower.post('/api/v1/referrals', {
      direction: 'up', setting: 'outpatient', patientId: w.patient.id, toInstitutionId: w.upper.id, reason: 'x', diagnoses: [{ code: 'I10' }], tasks: [{ title: 't', dueInDays: 1 }],
    });
    expect(r.status).toBe(400);
  });
});
