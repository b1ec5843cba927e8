/**
 * Referrals over FHIR: a referral is a ServiceRequest (the request) and a Task of the same id (its progress, the
 * history as notes); read and search by patient, status, sender and receiver, seen only by the sides, the consortium
 * office and the patient. Referrals are written straight into the tables (report-fixtures.testutil.ts); every
 * answer is checked as valid FHIR R4 by the client helper.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReferral } from '../referral/report-fixtures.testutil.js';
import { makeInstitution, makePatient, makeUser, makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type TestApp } from '../test/harness.js';
import { expectOutcome, fhirClient, type FhirClient } from './client.testutil.js';
import { ICD10_CN_CLINICAL } from './codes.js';
import { REFERRAL_SYSTEM } from './service-request.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: FhirClient, doctorLower: FhirClient, patient: FhirClient, outsider: FhirClient;
let up: { id: string; code: string }, down: { id: string }, foreign: { id: string };
const HOUR = 3_600_000;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  const other = await makeInstitution(t.db, { code: 'OTHER', name: '钟管镇卫生院', level: '1', grade: null, type: 'township_hospital' });
  await makeUser(t.db, 'doctor_other', [{ role: 'doctor', institutionId: other.id }]);
  const stranger = await makePatient(t.db, { name: '沈路人' });
  const at = new Date(Date.now() - 3 * 24 * HOUR);
  up = await insertReferral(t.db, {
    patientId: w.patient.id, createdBy: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, toInstitutionId: w.upper.id, toDepartmentId: w.dept.id,
    urgency: 'urgent', at, assignedPractitionerId: w.doctorP.id, assignedUserId: w.users.doctor.id, reason: '反复胸痛3天，心电图ST段压低',
    diagnoses: [{ system: 'icd10-cn-clinical-2.0', code: 'I20.000', display: '不稳定型心绞痛' }],
    steps: [['submit', 0], ['sender_approve', 2], ['receiver_approve', 5]],
  });
  await t.db.updateTable('referral').set({ from_practitioner_id: w.lowerDoctorP.id }).where('id', '=', up.id).execute();
  down = await insertReferral(t.db, {
    direction: 'down', patientId: w.patient.id, createdBy: w.users.doctor.id, fromInstitutionId: w.upper.id, toInstitutionId: w.lower.id, at,
    reason: 'PCI术后病情稳定，转回基层康复', steps: [['submit', 0], ['sender_approve', 1], ['receiver_approve', 2], ['accept', 3], ['arrive', 30], ['close', 40]],
  });
  await t.db.updateTable('referral').set({ plan: '阿司匹林+氯吡格雷双抗12个月，每月随访血压心率', summary: '已到诊，按方案康复' }).where('id', '=', down.id).execute();
  foreign = await insertReferral(t.db, { patientId: stranger.id, createdBy: w.users.doctor.id, fromInstitutionId: other.id, toInstitutionId: w.upper.id, at, steps: [['submit', 0]] });
  admin = fhirClient(await t.login('consortium_admin'));
  doctorLower = fhirClient(await t.login('doctor_lower'));
  patient = fhirClient(await t.login('patient'));
  outsider = fhirClient(await t.login('doctor_other'));
});
afterAll(() => t.close());

const ids = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.id).sort();

describe(`FHIR ServiceRequest and Task (referrals) on ${dbKind}`, () => {
  it('reads an up-referral as a ServiceRequest: patient, sending doctor, receiving institution, diagnoses, urgency, direction, code', async () => {
    const res = await doctorLower.get(`/fhir/ServiceRequest/${up.id}`);
    expect(res.status).toBe(200);
    const roleId = (await t.db.selectFrom('practitioner_role').select('id').where('practitioner_id', '=', w.lowerDoctorP.id).executeTakeFirstOrThrow()).id;
    expect(res.body).toMatchObject({
      resourceType: 'ServiceRequest', id: up.id, status: 'active', intent: 'order', priority: 'urgent',
      identifier: [{ system: REFERRAL_SYSTEM.code, value: up.code }],
      subject: { reference: `Patient/${w.patient.id}`, display: '陈患者' },
      requester: { reference: `PractitionerRole/${roleId}` },
      performer: [{ reference: `Organization/${w.upper.id}`, display: '市人民医院 心内科' }],
      reasonCode: [{ coding: [{ system: ICD10_CN_CLINICAL, code: 'I20.000', display: '不稳定型心绞痛' }] }],
      note: [{ text: '反复胸痛3天，心电图ST段压低' }],
    });
    expect(res.body.category[1].coding[0]).toMatchObject({ system: REFERRAL_SYSTEM.direction, code: 'up', display: '上转' });
    const d = (await admin.get(`/fhir/ServiceRequest/${down.id}`)).body;
    expect(d).toMatchObject({ status: 'completed', requester: { reference: `Organization/${w.upper.id}` }, patientInstruction: expect.stringContaining('双抗') });
  });

  it('reads the Task: FHIR status and the Chinese state, owner the assigned doctor, the steps as notes, the summary as output', async () => {
    const task = (await doctorLower.get(`/fhir/Task/${up.id}`)).body;
    expect(task).toMatchObject({
      resourceType: 'Task', id: up.id, status: 'accepted', intent: 'order',
      businessStatus: { coding: [{ system: REFERRAL_SYSTEM.state, code: 'receiver_approved' }], text: '待接诊' },
      focus: { reference: `ServiceRequest/${up.id}` }, for: { reference: `Patient/${w.patient.id}` },
      owner: { reference: `Practitioner/${w.doctorP.id}`, display: '张明' },
    });
    expect(task.note.map((n: any) => n.text)).toEqual(['提交：草稿 → 待本院审核', '审核通过：待本院审核 → 待接收方审核', '同意接收并指派：待接收方审核 → 待接诊']);
    expect(task.note[0]).toMatchObject({ authorString: 'doctor_lower' });
    const closed = (await admin.get(`/fhir/Task/${down.id}`)).body;
    expect(closed).toMatchObject({ status: 'completed', businessStatus: { text: '已完成' }, owner: { reference: `Organization/${w.lower.id}` },
      output: [{ type: { text: '转诊小结' }, valueString: '已到诊，按方案康复' }] });
    expect(closed.executionPeriod.start < closed.executionPeriod.end).toBe(true);
    expect((await admin.get(`/fhir/Task/${foreign.id}`)).body.status).toBe('requested');
  });

  it('searches by patient, status, sender, receiver, owner and code', async () => {
    expect(ids((await admin.get(`/fhir/ServiceRequest?patient=Patient/${w.patient.id}`)).body)).toEqual([up.id, down.id].sort());
    expect(ids((await admin.get('/fhir/ServiceRequest?status=active')).body)).toEqual([up.id, foreign.id].sort());
    expect(ids((await admin.get(`/fhir/ServiceRequest?requester=Organization/${w.upper.id}`)).body)).toEqual([down.id]);
    expect(ids((await admin.get(`/fhir/ServiceRequest?performer=Organization/${w.upper.id}&status=active`)).body)).toEqual([up.id, foreign.id].sort());
    expect(ids((await admin.get(`/fhir/ServiceRequest?identifier=${REFERRAL_SYSTEM.code}|${up.code}`)).body)).toEqual([up.id]);
    expect(ids((await admin.get('/fhir/Task?status=completed')).body)).toEqual([down.id]);
    expect(ids((await admin.get(`/fhir/Task?owner=Practitioner/${w.doctorP.id}`)).body)).toEqual([up.id]);
    expect(ids((await admin.get('/fhir/Task?business-status=submitted')).body)).toEqual([foreign.id]);
    expect(ids((await admin.get(`/fhir/Task?focus=ServiceRequest/${down.id}`)).body)).toEqual([down.id]);
    expectOutcome(await admin.get('/fhir/Task?owner=Patient/x'), 400, 'invalid_search_value');
  });

  it('shows referrals only to their sides, the consortium office and the patient', async () => {
    expect(ids((await doctorLower.get('/fhir/ServiceRequest')).body)).toEqual([up.id, down.id].sort());
    expect(ids((await outsider.get('/fhir/Task')).body)).toEqual([foreign.id]);
    expectOutcome(await outsider.get(`/fhir/ServiceRequest/${up.id}`), 403, 'forbidden');
    // The receiving side sees a referral only once the sending office approved it.
    const upperDoctor = fhirClient(await t.login('doctor'));
    expectOutcome(await upperDoctor.get(`/fhir/Task/${foreign.id}`), 403, 'forbidden');
    expect(ids((await upperDoctor.get(`/fhir/ServiceRequest?performer=Organization/${w.upper.id}`)).body)).toEqual([up.id]);
    expect((await patient.get(`/fhir/Task/${up.id}`)).status).toBe(200);
    expect(ids((await patient.get('/fhir/ServiceRequest')).body)).toEqual([up.id, down.id].sort());
    expectOutcome(await patient.get(`/fhir/Task/${foreign.id}`), 403, 'forbidden');
    expectOutcome(await admin.get(`/fhir/ServiceRequest/${UNKNOWN}`), 404, 'not_found');
  });

  it('an external system creates a referral with a transaction Bundle (ServiceRequest + Task requested): submitted, followed by reading the Task', async () => {
    const bundle = (taskStatus: string) => ({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:6b1f3a52-0c4e-4d8e-9a57-1d2c3e4f5a6b', request: { method: 'POST', url: 'ServiceRequest' }, resource: {
          resourceType: 'ServiceRequest', status: 'draft', intent: 'order', priority: 'urgent',
          category: [{ coding: [{ system: REFERRAL_SYSTEM.direction, code: 'up' }] }],
          subject: { reference: `Patient/${w.patient.id}` }, performer: [{ reference: `Organization/${w.upper.id}` }],
          reasonCode: [{ coding: [{ system: ICD10_CN_CLINICAL, code: 'R07.400' }], text: '胸痛' }],
          note: [{ text: '活动后胸闷胸痛1周，基层心电图提示ST-T改变' }],
        } },
        { request: { method: 'POST', url: 'Task' }, resource: {
          resourceType: 'Task', status: taskStatus, intent: 'order',
          focus: { reference: 'urn:uuid:6b1f3a52-0c4e-4d8e-9a57-1d2c3e4f5a6b' }, for: { reference: `Patient/${w.patient.id}` },
        } },
      ],
    });
    const before = Number((await t.db.selectFrom('referral').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    // A Task asking for a later step is refused and nothing is written.
    expectOutcome(await doctorLower.post('/fhir', bundle('completed')), 422, 'unsupported_status');
    expect(Number((await t.db.selectFrom('referral').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBe(before);

    const res = await doctorLower.post('/fhir', bundle('requested'));
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    const [sr, task] = res.body.entry.map((e: any) => e.response);
    expect(sr.status).toBe('201 Created');
    const id = sr.location.replace('ServiceRequest/', '');
    expect(task.location).toBe(`Task/${id}`);
    const row = await t.db.selectFrom('referral').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'submitted', direction: 'up', urgency: 'urgent', from_institution_id: w.lower.id, to_institution_id: w.upper.id,
      reason: '活动后胸闷胸痛1周，基层心电图提示ST-T改变' });
    expect(row.diagnoses[0]).toMatchObject({ system: 'icd10-cn-clinical-2.0', code: 'R07.400' });
    const followed = (await doctorLower.get(`/fhir/Task/${id}`)).body;
    expect(followed).toMatchObject({ status: 'requested', businessStatus: { text: '待本院审核' } });
    expect(followed.note.map((n: any) => n.text.split('：')[0])).toEqual(['创建', '提交']);
    // A ServiceRequest posted alone with status active is submitted at once; a down-referral upward is the service's 400.
    const alone = (await bundle('requested')).entry[0]!.resource;
    const direct = await doctorLower.post('/fhir/ServiceRequest', { ...alone, status: 'active' });
    expect(direct.status).toBe(201);
    expect((await doctorLower.get(`/fhir/Task/${direct.body.id}`)).body.status).toBe('requested');
    expectOutcome(await doctorLower.post('/fhir/ServiceRequest', { ...alone, category: [{ coding: [{ system: REFERRAL_SYSTEM.direction, code: 'down' }] }] }), 400, 'direction_mismatch');
    expectOutcome(await doctorLower.post('/fhir/ServiceRequest', { ...alone, category: [] }), 400, 'validation');
  });

  it('a hospital system of the sending institution (role system_client, as its OAuth client acts) creates and follows a referral', async () => {
    await makeUser(t.db, 'his_lower', [{ role: 'system_client', institutionId: w.lower.id }]);
    const his = fhirClient(await t.login('his_lower'));
    const sr = {
      resourceType: 'ServiceRequest', status: 'active', intent: 'order', priority: 'routine',
      category: [{ coding: [{ system: REFERRAL_SYSTEM.direction, code: 'up' }] }],
      subject: { reference: `Patient/${w.patient.id}` }, performer: [{ reference: `Organization/${w.upper.id}` }],
      reasonCode: [{ coding: [{ system: ICD10_CN_CLINICAL, code: 'R07.400' }], text: '胸痛' }], note: [{ text: 'HIS 推送的上转申请' }],
    };
    const created = await his.post('/fhir/ServiceRequest', sr);
    expect(created.status, JSON.stringify(created.body).slice(0, 300)).toBe(201);
    const task = (await his.get(`/fhir/Task/${created.body.id}`)).body;
    expect(task).toMatchObject({ status: 'requested', businessStatus: { text: '待本院审核' } });
  });

  it('finds a referral by the sending system\'s own identifier, so a re-posted ServiceRequest does not create a second', async () => {
    const sr = {
      resourceType: 'ServiceRequest', status: 'draft', intent: 'order', identifier: [{ system: 'urn:oid:1.2.156.his.lower.referral', value: 'HIS-2026-0042' }],
      category: [{ coding: [{ system: REFERRAL_SYSTEM.direction, code: 'up' }] }],
      subject: { reference: `Patient/${w.patient.id}` }, performer: [{ reference: `Organization/${w.upper.id}` }], note: [{ text: '血压控制不佳，请上级医院调整方案' }],
    };
    const count = async () => Number((await t.db.selectFrom('referral').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const first = await doctorLower.post('/fhir/ServiceRequest', sr, { 'if-none-exist': 'identifier=urn:oid:1.2.156.his.lower.referral|HIS-2026-0042' });
    expect(first.status, JSON.stringify(first.body).slice(0, 300)).toBe(201);
    expect(first.body.identifier).toEqual([
      expect.objectContaining({ system: REFERRAL_SYSTEM.code }), { use: 'usual', system: 'urn:oid:1.2.156.his.lower.referral', value: 'HIS-2026-0042' }]);
    const before = await count();
    // Again with If-None-Exist: the first one, nothing new.
    const again = await doctorLower.post('/fhir/ServiceRequest', sr, { 'if-none-exist': 'identifier=urn:oid:1.2.156.his.lower.referral|HIS-2026-0042' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    // Again without it: refused, naming the identifier and the referral that has it.
    const plain = await doctorLower.post('/fhir/ServiceRequest', sr);
    expectOutcome(plain, 409, 'duplicate');
    // In a transaction Bundle (ifNoneExist), as a HIS pushes nightly: the same referral, twice.
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: 'identifier=urn:oid:1.2.156.his.lower.referral|HIS-2026-0042' }, resource: sr }] };
    for (let i = 0; i < 2; i++) {
      const res = await doctorLower.post('/fhir', bundle);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      expect(res.body.entry[0].response).toMatchObject({ status: '200 OK', location: expect.stringContaining(`ServiceRequest/${first.body.id}`) });
    }
    expect(await count()).toBe(before);
    // Searches: by system|value, by the bare value, by the referral code; another institution's system may use the same value.
    expect(ids((await doctorLower.get('/fhir/ServiceRequest?identifier=urn:oid:1.2.156.his.lower.referral|HIS-2026-0042')).body)).toEqual([first.body.id]);
    expect(ids((await doctorLower.get('/fhir/ServiceRequest?identifier=HIS-2026-0042')).body)).toEqual([first.body.id]);
    expect(ids((await doctorLower.get(`/fhir/ServiceRequest?identifier=${REFERRAL_SYSTEM.code}|${first.body.identifier[0].value}`)).body)).toEqual([first.body.id]);
    expect(ids((await doctorLower.get('/fhir/ServiceRequest?identifier=urn:oid:other|HIS-2026-0042')).body)).toEqual([]);
    const audit = await t.db.selectFrom('audit_log').select('action').where('object_id', '=', first.body.id).where('action', '=', 'referral.create').execute();
    expect(audit).toHaveLength(1);
  });
});
