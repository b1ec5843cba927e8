/**
 * Organization, Practitioner, PractitionerRole and Patient over FHIR: read and search mapped from the directory and
 * the master patient index; the resident ID as the identifier urn:oid:2.16.156.10011.1.3 finds exactly one patient;
 * create goes through the identity service (resident-ID check, duplicate check); reads and searches are audited.
 * Every answer is checked as valid FHIR R4 by the client helper.
 */
import { makeResidentId } from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePatient, makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type TestApp } from '../test/harness.js';
import { expectOutcome, fhirClient, type FhirClient } from './client.testutil.js';
import { CODE_SYSTEM, EXTENSION, IDENTIFIER_SYSTEM } from './codes.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: FhirClient, patient: FhirClient, regulator: FhirClient, system: FhirClient;
const RID = IDENTIFIER_SYSTEM.residentId;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  doctor = fhirClient(await t.login('doctor'));
  patient = fhirClient(await t.login('patient'));
  regulator = fhirClient(await t.login('regulator'));
  system = fhirClient(await t.login('system_client'));
});
afterAll(() => t.close());

const ids = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.id);

describe(`FHIR Organization, Practitioner, PractitionerRole on ${dbKind}`, () => {
  it('maps an institution to an Organization with its code as identifier and its level as type, and searches by identifier, name, type', async () => {
    const read = await doctor.get(`/fhir/Organization/${w.upper.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      resourceType: 'Organization', id: w.upper.id, name: '市人民医院', active: true,
      identifier: [{ system: IDENTIFIER_SYSTEM.institutionCode, value: 'UPPER' }],
    });
    expect(read.body.type[1]).toMatchObject({ coding: [{ system: CODE_SYSTEM.institutionLevel, code: '3' }], text: '三级甲等' });
    expect(ids((await doctor.get(`/fhir/Organization?identifier=${IDENTIFIER_SYSTEM.institutionCode}|LOWER`)).body)).toEqual([w.lower.id]);
    expect(ids((await doctor.get('/fhir/Organization?identifier=LOWER')).body)).toEqual([w.lower.id]);
    expect(ids((await doctor.get(`/fhir/Organization?type=${CODE_SYSTEM.institutionLevel}|1`)).body)).toEqual([w.lower.id]);
    expect(ids((await doctor.get('/fhir/Organization?type=township_hospital')).body)).toEqual([w.lower.id]);
    expect(ids((await doctor.get(`/fhir/Organization?name=${encodeURIComponent('市人民')}`)).body)).toEqual([w.upper.id]);
    expect((await doctor.get('/fhir/Organization?identifier=other|UPPER')).body.total).toBe(0);
    expectOutcome(await patient.get(`/fhir/Organization/${w.upper.id}`), 403, 'forbidden');
  });

  it('maps practitioners and their roles (多点执业), searchable by name in characters or pinyin', async () => {
    const p = await doctor.get(`/fhir/Practitioner/${w.doctorP.id}`);
    expect(p.body).toMatchObject({ resourceType: 'Practitioner', name: [{ text: '张明', family: '张', given: ['明'] }], gender: 'male' });
    expect(p.body.qualification[0].code.coding[0]).toMatchObject({ system: CODE_SYSTEM.practitionerTitle, code: 'attending_physician', display: '主治医师' });
    expect(ids((await doctor.get(`/fhir/Practitioner?name=${encodeURIComponent('张')}`)).body)).toEqual([w.doctorP.id]);
    expect(ids((await doctor.get('/fhir/Practitioner?name=zhangm')).body)).toEqual([w.doctorP.id]);
    expect(ids((await doctor.get('/fhir/Practitioner?name=zm')).body)).toEqual([w.doctorP.id]);
    const roles = await system.get(`/fhir/PractitionerRole?practitioner=Practitioner/${w.doctorP.id}`);
    expect(roles.body.entry).toHaveLength(1);
    const role = roles.body.entry[0].resource;
    expect(role).toMatchObject({
      practitioner: { reference: `Practitioner/${w.doctorP.id}` }, organization: { reference: `Organization/${w.upper.id}`, display: '市人民医院' },
      specialty: [{ coding: [{ code: 'cardiology' }], text: '心内科' }],
    });
    expect((await doctor.get(`/fhir/PractitionerRole/${role.id}`)).body.id).toBe(role.id);
    expect(ids((await doctor.get(`/fhir/PractitionerRole?organization=${w.lower.id}`)).body)).not.toContain(role.id);
    expect(ids((await doctor.get('/fhir/PractitionerRole?specialty=cardiology')).body)).toEqual([role.id]);
  });
});

describe(`FHIR Patient on ${dbKind}`, () => {
  it('reads a patient with the resident ID, local number, name, gender, birth date and phone, and audits the read', async () => {
    await t.db.insertInto('patient_identifier').values({ patient_id: w.patient.id, institution_id: w.upper.id, kind: 'local_mrn', value: 'MZ0001' }).execute();
    const res = await doctor.get(`/fhir/Patient/${w.patient.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      resourceType: 'Patient', id: w.patient.id, active: true, gender: 'male', birthDate: w.patient.birth_date,
      name: [{ text: '陈患者', family: '陈', given: ['患者'] }], telecom: [{ system: 'phone', value: w.patient.phone }],
      identifier: [
        { system: RID, value: w.patient.resident_id },
        { system: IDENTIFIER_SYSTEM.patientNumber('UPPER', 'local_mrn'), value: 'MZ0001', assigner: { reference: `Organization/${w.upper.id}` } },
      ],
    });
    const audited = await t.db.selectFrom('audit_log').select(['action', 'user_id']).where('patient_id', '=', w.patient.id).where('action', '=', 'patient.read').execute();
    expect(audited.map((a) => a.user_id)).toContain(w.users.doctor.id);
    // The patient reads their own record, not another's; the regulator none.
    expect((await patient.get(`/fhir/Patient/${w.patient.id}`)).status).toBe(200);
    const other = await makePatient(t.db);
    expectOutcome(await patient.get(`/fhir/Patient/${other.id}`), 403, 'forbidden');
    expectOutcome(await regulator.get(`/fhir/Patient/${w.patient.id}`), 403, 'forbidden');
  });

  it('finds exactly one patient by the resident ID identifier, and searches by name (汉字 or pinyin), birthdate, phone, gender and local number', async () => {
    const a = await makePatient(t.db, { name: '欧阳娜娜', sex: 'female', birthDate: '1980-02-03', phone: '13900001111' });
    await makePatient(t.db, { name: '欧阳修', sex: 'male', birthDate: '1981-02-03', phone: '13900002222' });
    const byId = await system.get(`/fhir/Patient?identifier=${encodeURIComponent(`${RID}|${a.resident_id}`)}`);
    expect(byId.status).toBe(200);
    expect(ids(byId.body)).toEqual([a.id]);
    expect(byId.body.entry[0].resource.name[0]).toMatchObject({ family: '欧阳', given: ['娜娜'] });
    expect(ids((await doctor.get(`/fhir/Patient?identifier=${a.resident_id}`)).body)).toEqual([a.id]);
    expect(ids((await doctor.get(`/fhir/Patient?name=${encodeURIComponent('欧阳')}`)).body)).toHaveLength(2);
    expect(ids((await doctor.get('/fhir/Patient?name=ouyangn')).body)).toEqual([a.id]);
    expect(ids((await doctor.get('/fhir/Patient?name=oynn')).body)).toEqual([a.id]);
    expect(ids((await doctor.get(`/fhir/Patient?name=${encodeURIComponent('欧阳')}&gender=female`)).body)).toEqual([a.id]);
    expect(ids((await doctor.get(`/fhir/Patient?name=${encodeURIComponent('欧阳')}&birthdate=1980-02-03`)).body)).toEqual([a.id]);
    expect(ids((await doctor.get(`/fhir/Patient?name=${encodeURIComponent('欧阳')}&birthdate=ge1980-06-01&birthdate=lt1982`)).body)).toHaveLength(1);
    expect(ids((await doctor.get('/fhir/Patient?phone=13900001111')).body)).toEqual([a.id]);
    expect(ids((await doctor.get(`/fhir/Patient?identifier=${encodeURIComponent(`${IDENTIFIER_SYSTEM.patientNumber('UPPER', 'local_mrn')}|MZ0001`)}`)).body)).toEqual([w.patient.id]);
    expect(ids((await doctor.get(`/fhir/Patient?identifier=${encodeURIComponent(`${RID}|110101199001011234`)}`)).body)).toEqual([]);
    const search = await t.db.selectFrom('audit_log').select('detail').where('action', '=', 'patient.search').where('user_id', '=', w.users.system_client.id).execute();
    expect(search.length).toBeGreaterThan(0);
    // Paging: _count and the next link.
    const page = await doctor.get(`/fhir/Patient?name=${encodeURIComponent('欧阳')}&_count=1`);
    expect(page.body.entry).toHaveLength(1);
    const next = page.body.link.find((l: any) => l.relation === 'next').url as string;
    const second = await doctor.get(next.slice(next.indexOf('/fhir/')));
    expect(ids(second.body)).toHaveLength(1);
    expect(ids(second.body)[0]).not.toBe(ids(page.body)[0]);
  });

  it('creates a patient through the identity service; an invalid resident ID is refused naming what is wrong', async () => {
    const rid = makeResidentId('330521', '1975-07-08', 'female', 77);
    const body = {
      resourceType: 'Patient', identifier: [{ system: RID, value: rid }], name: [{ family: '李', given: ['秀英'] }],
      telecom: [{ system: 'phone', value: '13811112222' }], address: [{ text: '浙江省德清县武康街道1号', district: '330521' }],
    };
    const created = await system.post('/fhir/Patient', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: [{ text: '李秀英' }], gender: 'female', birthDate: '1975-07-08' });
    expect(created.headers.location).toMatch(new RegExp(`/fhir/Patient/${created.body.id}$`));
    // Again: the resident ID is on file (409); with If-None-Exist the existing patient is returned (200).
    expectOutcome(await system.post('/fhir/Patient', body), 409, 'duplicate_resident_id');
    const again = await system.post('/fhir/Patient', body, { 'if-none-exist': `identifier=${RID}|${rid}` });
    expect([again.status, again.body.id]).toEqual([200, created.body.id]);

    const bad = rid.slice(0, 17) + (rid[17] === '0' ? '1' : '0');
    const refused = expectOutcome(await system.post('/fhir/Patient', { ...body, identifier: [{ system: RID, value: bad }] }), 400, 'invalid_resident_id');
    expect(refused.diagnostics).toMatch(/check/i);
    expect(refused.expression).toEqual(['Patient.identifier']);
    expectOutcome(await system.post('/fhir/Patient', { ...body, identifier: [{ system: RID, value: '33052119750708' }] }), 400, 'invalid_resident_id');
    expectOutcome(await system.post('/fhir/Patient', { ...body, identifier: [], gender: 'unknown', birthDate: '1970-01-01' }), 422, 'unsupported_gender');
    expectOutcome(await system.post('/fhir/Patient', { resourceType: 'Patient', name: [{ text: '无名' }] }), 400, 'validation');
    // A likely duplicate (same name, birth date, sex) without resident ID: 409 unless confirmed by the extension.
    const dup = { resourceType: 'Patient', name: [{ text: '李秀英' }], gender: 'female', birthDate: '1975-07-08' };
    expectOutcome(await system.post('/fhir/Patient', dup), 409, 'likely_duplicate');
    const confirmed = await system.post('/fhir/Patient', { ...dup, extension: [{ url: EXTENSION.confirmNotDuplicate, valueBoolean: true }] });
    expect(confirmed.status).toBe(201);
  });

  it('updates a patient with PUT through the identity service (unchanged content changes nothing)', async () => {
    const p = await makePatient(t.db, { name: '孙立', sex: 'male', birthDate: '1966-01-01' });
    const current = (await doctor.get(`/fhir/Patient/${p.id}`)).body;
    const updated = await doctor.put(`/fhir/Patient/${p.id}`, { ...current, telecom: [{ system: 'phone', value: '13700003333' }] });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.telecom[0].value).toBe('13700003333');
    const row = await t.db.selectFrom('patient').select(['phone', 'version']).where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ phone: '13700003333', version: 2 });
    await doctor.put(`/fhir/Patient/${p.id}`, updated.body);
    expect((await t.db.selectFrom('patient').select('version').where('id', '=', p.id).executeTakeFirstOrThrow()).version).toBe(2);
    expectOutcome(await doctor.put(`/fhir/Patient/${p.id}`, { ...updated.body, id: w.patient.id }), 400, 'id_mismatch');
  });
});
