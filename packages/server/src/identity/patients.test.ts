import { makeResidentId, parseResidentId } from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit.js';
import { makePatient, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let world: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client;
beforeAll(async () => {
  t = await createTestApp();
  world = await makeWorld(t.db);
  doctor = await t.login('doctor');
});
afterAll(() => t.close());

const URL = '/api/v1/patients';
const rid = (birthDate: string, sex: 'male' | 'female', seq: number) => makeResidentId('110105', birthDate, sex, seq);
const counts = async () => ({
  patients: Number((await t.db.selectFrom('patient').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
  identifiers: Number((await t.db.selectFrom('patient_identifier').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
  audit: Number((await t.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n),
});
const lastAudit = (action: string) => t.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();

describe('registering a patient (建档)', () => {
  it('takes birth date and sex from the resident ID and stores the pinyin search keys', async () => {
    const res = await doctor.post(URL, { residentId: '11010519491231002x', name: '单秀英', phone: '13800001111' });
    expect(res.status).toBe(201);
    expect(res.body.patient).toMatchObject({ residentId: '11010519491231002X', name: '单秀英', sex: 'female', birthDate: '1949-12-31', phone: '13800001111', status: 'active', version: 1, mergedInto: null });
    const row = await t.db.selectFrom('patient').selectAll().where('id', '=', res.body.patient.id).executeTakeFirstOrThrow();
    expect(row.name_pinyin).toBe('shanxiuying danxiuying');
    expect(row.name_initials).toBe('sxy dxy');
    const entry = await lastAudit('patient.create');
    expect(entry).toMatchObject({ patient_id: row.id, username: 'doctor', outcome: 'ok' });
    expect(JSON.stringify(entry.detail)).not.toMatch(/11010519491231002X|13800001111/);
  });

  it('refuses each kind of invalid resident ID with the message naming the wrong part, and writes nothing', async () => {
    const cases: [string, string][] = [
      ['1101051949123100', 'length'], ['A1010519491231002X', 'characters'], ['99010519491231002X', 'province'],
      ['110105194913310020', 'birth_date'], ['110105194912310021', 'checksum'],
    ];
    const before = await counts();
    for (const [residentId, problem] of cases) {
      const res = await doctor.post(URL, { residentId, name: '错号码', sex: 'male', birthDate: '1950-01-01' });
      const parsed = parseResidentId(residentId);
      expect(parsed.ok).toBe(false);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_resident_id', field: 'residentId', details: { problem } });
      expect(res.body.error.zh).toBe(!parsed.ok && parsed.zh);
      expect(res.body.error.en).toBe(!parsed.ok && parsed.en);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a sex or birth date that contradicts the resident ID, naming the field', async () => {
    const residentId = rid('1970-03-04', 'male', 1);
    const sex = await doctor.post(URL, { residentId, name: '王五', sex: 'female' });
    expect(sex.status).toBe(400);
    expect(sex.body.error).toMatchObject({ code: 'resident_id_mismatch', field: 'sex' });
    expect(sex.body.error.zh).toMatch(/男/);
    const birth = await doctor.post(URL, { residentId, name: '王五', birthDate: '1970-03-05' });
    expect(birth.body.error).toMatchObject({ code: 'resident_id_mismatch', field: 'birthDate' });
    expect(birth.body.error.en).toMatch(/1970-03-04/);
  });

  it('needs sex and birth date when there is no resident ID, and no future birth date', async () => {
    expect((await doctor.post(URL, { name: '无证人', birthDate: '1990-01-01' })).body.error).toMatchObject({ code: 'validation', field: 'sex' });
    expect((await doctor.post(URL, { name: '无证人', sex: 'male' })).body.error).toMatchObject({ code: 'validation', field: 'birthDate' });
    expect((await doctor.post(URL, { name: '无证人', sex: 'male', birthDate: '2999-01-01' })).body.error).toMatchObject({ field: 'birthDate' });
    const ok = await doctor.post(URL, { name: '无证人', sex: 'male', birthDate: '1990-01-01' });
    expect(ok.status).toBe(201);
    expect(ok.body.patient.residentId).toBeNull();
  });

  it('refuses a resident ID already on file and points to the existing record', async () => {
    const existing = await makePatient(t.db, { residentId: rid('1981-02-03', 'female', 2), sex: 'female', birthDate: '1981-02-03' });
    const before = await counts();
    const res = await doctor.post(URL, { residentId: existing.resident_id, name: '另一个名字', confirmNotDuplicate: true });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'duplicate_resident_id', field: 'residentId', details: { existingId: existing.id } });
    expect(await counts()).toEqual(before);
  });

  it('warns of a likely duplicate with masked candidates, and creates the record once the user confirms', async () => {
    const zhang = await makePatient(t.db, { name: '张三', sex: 'male', birthDate: '1980-01-02', phone: '13912340001' });
    const before = await counts();
    const same = await doctor.post(URL, { name: '张三', sex: 'male', birthDate: '1980-01-02' });
    expect(same.status).toBe(409);
    expect(same.body.error.code).toBe('likely_duplicate');
    expect(same.body.error.details.candidates).toEqual([expect.objectContaining({
      id: zhang.id, name: '张三', reasons: ['name_birth_sex'], phoneMasked: '139****0001',
      residentIdMasked: `${zhang.resident_id!.slice(0, 3)}***********${zhang.resident_id!.slice(-4)}`,
    })]);
    expect(JSON.stringify(same.body)).not.toContain(zhang.resident_id);
    expect(JSON.stringify(same.body)).not.toContain('13912340001');

    const pinyin = await doctor.post(URL, { name: '章三', sex: 'female', birthDate: '1980-01-02' });
    expect(pinyin.body.error.details.candidates).toEqual([expect.objectContaining({ id: zhang.id, reasons: ['pinyin_birth'] })]);
    const phone = await doctor.post(URL, { name: '李四', sex: 'male', birthDate: '1999-09-09', phone: '13912340001' });
    expect(phone.body.error.details.candidates).toEqual([expect.objectContaining({ id: zhang.id, reasons: ['phone'] })]);
    expect(await counts()).toEqual(before);

    const confirmed = await doctor.post(URL, { name: '张三', sex: 'male', birthDate: '1980-01-02', confirmNotDuplicate: true });
    expect(confirmed.status).toBe(201);
    expect((await lastAudit('patient.create')).detail).toMatchObject({ notDuplicateOf: [zhang.id] });
  });

  it('links a local patient number of the institution at registration, once', async () => {
    const res = await doctor.post(URL, { name: '赵六', sex: 'male', birthDate: '1955-05-05', localNumber: { institutionId: world.upper.id, number: 'MZ0001' } });
    expect(res.status).toBe(201);
    expect(res.body.patient.identifiers).toEqual([expect.objectContaining({ institutionId: world.upper.id, institutionName: '市人民医院', kind: 'local_mrn', value: 'MZ0001' })]);
    const again = await doctor.post(URL, { name: '赵六六', sex: 'male', birthDate: '1956-05-05', localNumber: { institutionId: world.upper.id, number: 'MZ0001' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'duplicate_identifier', details: { patientId: res.body.patient.id } });
    const elsewhere = await doctor.post(URL, { name: '赵七', sex: 'male', birthDate: '1957-05-05', localNumber: { institutionId: world.lower.id, number: 'X1' } });
    expect(elsewhere.status).toBe(403);
  });
});

describe('a patient record', () => {
  it('shows the full record with identifiers and institution names, and audits the read', async () => {
    const p = await makePatient(t.db, { name: '钱八', phone: '13712345678' });
    await t.db.insertInto('patient_identifier').values({ patient_id: p.id, institution_id: world.lower.id, kind: 'inpatient_no', value: 'ZY-9' }).execute();
    const res = await doctor.get(`${URL}/${p.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: p.id, residentId: p.resident_id, phone: '13712345678', mergedInto: null, identifiers: [{ institutionName: '城关镇卫生院', kind: 'inpatient_no', value: 'ZY-9' }] });
    expect(res.body.age).toBeGreaterThan(60);
    const entry = await lastAudit('patient.read');
    expect(entry).toMatchObject({ patient_id: p.id, object_id: p.id, username: 'doctor' });
  });

  it('updates with the current version, bumps it, audits field names only, and refuses a stale version', async () => {
    const p = await makePatient(t.db, { name: '孙九' });
    const res = await doctor.patch(`${URL}/${p.id}`, { version: 1, name: '孙久', phone: '13600000009' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: '孙久', phone: '13600000009', version: 2 });
    const row = await t.db.selectFrom('patient').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row.name_initials).toBe('sj');
    const entry = await lastAudit('patient.update');
    expect(entry.detail).toEqual({ fields: ['name', 'phone'], version: 2 });
    const stale = await doctor.patch(`${URL}/${p.id}`, { version: 1, address: '城关镇1号' });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'stale', field: 'version', details: { currentVersion: 2 } });
    expect((await t.db.selectFrom('patient').select('address').where('id', '=', p.id).executeTakeFirstOrThrow()).address).toBeNull();
  });

  it('checks a changed resident ID again and takes sex and birth date from it', async () => {
    const p = await makePatient(t.db, { name: '周十', residentId: null, sex: 'male', birthDate: '1960-01-01' });
    const valid = rid('1962-01-01', 'female', 3);
    const bad = await doctor.patch(`${URL}/${p.id}`, { residentId: valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0') });
    expect(bad.body.error).toMatchObject({ code: 'invalid_resident_id', field: 'residentId', details: { problem: 'checksum' } });
    const good = await doctor.patch(`${URL}/${p.id}`, { residentId: valid });
    expect(good.body).toMatchObject({ sex: 'female', birthDate: '1962-01-01', version: 2 });
    const contradict = await doctor.patch(`${URL}/${p.id}`, { sex: 'male' });
    expect(contradict.body.error).toMatchObject({ code: 'resident_id_mismatch', field: 'sex' });
    const other = await makePatient(t.db, { name: '吴十一' });
    const taken = await doctor.patch(`${URL}/${p.id}`, { residentId: other.resident_id });
    expect(taken.body.error).toMatchObject({ code: 'duplicate_resident_id', details: { existingId: other.id } });
  });

  it('links a local number through its own endpoint, within the caller\'s institution', async () => {
    const p = await makePatient(t.db, { name: '郑十二' });
    const res = await doctor.post(`${URL}/${p.id}/identifiers`, { institutionId: world.upper.id, kind: 'visit_card', value: 'CARD-77' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ institutionName: '市人民医院', kind: 'visit_card', value: 'CARD-77' });
    expect((await lastAudit('patient.link_local_number')).patient_id).toBe(p.id);
    expect((await doctor.post(`${URL}/${p.id}/identifiers`, { institutionId: world.lower.id, value: 'L-1' })).status).toBe(403);
    const lowerDoctor = await t.login('doctor_lower');
    expect((await lowerDoctor.post(`${URL}/${p.id}/identifiers`, { institutionId: world.lower.id, value: 'L-1' })).status).toBe(201);
    expect((await doctor.post(`${URL}/${crypto.randomUUID()}/identifiers`, { institutionId: world.upper.id, value: 'N-1' })).status).toBe(404);
  });

  it('lists likely duplicates of a record', async () => {
    const a = await makePatient(t.db, { name: '冯花', sex: 'female', birthDate: '1977-07-07' });
    const b = await makePatient(t.db, { name: '冯花', sex: 'female', birthDate: '1977-07-07' });
    const res = await doctor.get(`${URL}/${a.id}/duplicates`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([b.id]);
    expect(JSON.stringify(res.body)).not.toContain(b.resident_id);
  });
});

describe('who may do what', () => {
  it('lets a patient read only their own record: another is refused, audited as denied, and left unchanged', async () => {
    const me = await t.login('patient');
    expect((await me.get(`${URL}/${world.patient.id}`)).status).toBe(200);
    const other = await makePatient(t.db, { name: '陌生人' });
    const res = await me.get(`${URL}/${other.id}`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    const before = await t.db.selectFrom('patient').selectAll().where('id', '=', other.id).executeTakeFirstOrThrow();
    expect((await me.patch(`${URL}/${other.id}`, { phone: '13500000000' })).status).toBe(403);
    expect(await t.db.selectFrom('patient').selectAll().where('id', '=', other.id).executeTakeFirstOrThrow()).toEqual(before);
    const denied = await t.db.selectFrom('audit_log').selectAll().where('patient_id', '=', other.id).where('outcome', '=', 'denied').execute();
    expect(denied.map((d) => d.action).sort()).toEqual(['patient.read', 'patient.update']);
    expect((await me.get(URL)).status).toBe(403);
  });

  it('refuses roles without the permission and writes nothing', async () => {
    const before = await counts();
    for (const username of ['regulator', 'patient']) {
      const c = await t.login(username);
      expect((await c.get(`${URL}?q=张`)).status).toBe(403);
    }
    for (const username of ['consult_coordinator', 'reading_physician', 'regulator', 'patient']) {
      const c = await t.login(username);
      const res = await c.post(URL, { name: '不该建', sex: 'male', birthDate: '1990-01-01' });
      expect(res.status).toBe(403);
    }
    const after = await counts();
    expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
    expect(await t.anonymous.get(URL)).toMatchObject({ status: 401 });
  });
});

describe('bad requests', () => {
  it('answers malformed JSON, wrong types, unknown fields and unknown ids in the one error shape', async () => {
    const bad = await doctor.request('POST', URL, '{"name": "x",', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('malformed_json');
    const typed = await doctor.post(URL, { name: 5, sex: 'male', birthDate: '1990-01-01' });
    expect(typed.body.error).toMatchObject({ code: 'validation', field: 'name' });
    expect(typed.body.error.zh).toMatch(/name/);
    expect((await doctor.post(URL, { name: '甲', sex: 'x', birthDate: '1990-01-01' })).body.error.field).toBe('sex');
    expect((await doctor.post(URL, { name: '甲', sex: 'male', birthDate: '1990-02-30' })).body.error.field).toBe('birthDate');
    expect((await doctor.post(URL, { name: '甲', sex: 'male', birthDate: '1990-01-01', phone: '12345' })).body.error.field).toBe('phone');
    expect((await doctor.post(URL, { name: '甲', sex: 'male', birthDate: '1990-01-01', nickname: 'x' })).status).toBe(400);
    const unknown = await doctor.get(`${URL}/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not_found', zh: '患者不存在' });
    expect((await doctor.get(`${URL}/not-a-uuid`)).body.error).toMatchObject({ code: 'validation', field: 'id' });
    expect((await doctor.patch(`${URL}/${crypto.randomUUID()}`, { name: '乙' })).status).toBe(404);
    expect((await doctor.patch(`${URL}/${world.patient.id}`, { version: 'one' })).body.error.field).toBe('version');
    expect((await doctor.get(`${URL}?limit=9999`)).body.error.field).toBe('limit');
  });

  it('keeps the audit chain intact', async () => {
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
