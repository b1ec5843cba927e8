import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit.js';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { snapshot } from './testing.js';

let t: TestApp;
let world: Awaited<ReturnType<typeof makeWorld>>;
let office: Client;
let upperAdmin: Client;
beforeAll(async () => {
  t = await createTestApp();
  world = await makeWorld(t.db);
  office = await t.login('consortium_admin');
  upperAdmin = await t.login('institution_admin');
});
afterAll(() => t.close());

const newInstitution = {
  code: 'H330521009', name: '城南社区卫生服务中心', shortName: '城南社区', level: '1', grade: '甲', type: 'community_center',
  regionCode: '330521001', address: '城南街道1号', phone: '0572-7654321',
};

describe('institutions', () => {
  it('the consortium office creates an institution in a consortium, edits it and deactivates it, each step audited', async () => {
    const created = await office.post('/api/v1/institutions', { ...newInstitution, consortiumIds: [world.consortium.id] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'H330521009', level: '1', grade: '甲', active: true, consortia: [{ id: world.consortium.id, name: '测试医共体' }], departments: [] });
    const id = created.body.id;

    const edited = await office.patch(`/api/v1/institutions/${id}`, { name: '城南街道社区卫生服务中心', grade: null });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: '城南街道社区卫生服务中心', grade: null, shortName: '城南社区', code: 'H330521009' });

    const off = await office.post(`/api/v1/institutions/${id}/deactivate`);
    expect(off.body.active).toBe(false);
    const activeList = await office.get('/api/v1/institutions?active=true&limit=500');
    expect(activeList.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    expect((await office.post(`/api/v1/institutions/${id}/activate`)).body.active).toBe(true);

    const actions = (await t.db.selectFrom('audit_log').select('action').where('object_id', '=', id).orderBy('seq').execute()).map((r) => r.action);
    expect(actions).toEqual(['directory.institution.create', 'directory.institution.update', 'directory.institution.deactivate', 'directory.institution.activate']);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('refuses a second institution with a code already used (409 duplicate_code) and writes nothing', async () => {
    const before = await snapshot(t.db);
    const res = await office.post('/api/v1/institutions', { ...newInstitution, code: 'UPPER', name: '另一家医院' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'duplicate_code', field: 'code' });
    expect(res.body.error.zh).toContain('市人民医院');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses a grade for an ungraded (未定级) institution', async () => {
    const res = await office.post('/api/v1/institutions', { ...newInstitution, code: 'X1', level: '0', grade: '乙' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'grade_without_level', field: 'grade' });
  });

  it('lets an institution admin edit their own institution', async () => {
    const res = await upperAdmin.patch(`/api/v1/institutions/${world.upper.id}`, { address: '人民路100号', phone: '0572-1111111' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ address: '人民路100号', phone: '0572-1111111' });
  });

  it('refuses an institution admin editing another institution with 403, and changes nothing', async () => {
    const before = await snapshot(t.db);
    const res = await upperAdmin.patch(`/api/v1/institutions/${world.lower.id}`, { name: '被改掉的名字' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(await snapshot(t.db)).toEqual(before);
    const lower = await t.db.selectFrom('institution').select('name').where('id', '=', world.lower.id).executeTakeFirstOrThrow();
    expect(lower.name).toBe('城关镇卫生院');
  });

  it('keeps creating, deactivating and consortium membership with the consortium office', async () => {
    const doctor = await t.login('doctor');
    const before = await snapshot(t.db);
    expect((await upperAdmin.post('/api/v1/institutions', { ...newInstitution, code: 'H9' })).status).toBe(403);
    expect((await upperAdmin.post(`/api/v1/institutions/${world.upper.id}/deactivate`)).status).toBe(403);
    expect((await upperAdmin.patch(`/api/v1/institutions/${world.upper.id}`, { consortiumIds: [] })).status).toBe(403);
    expect((await doctor.patch(`/api/v1/institutions/${world.upper.id}`, { name: '医生改名' })).status).toBe(403);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('will not let an institution leave a consortium it leads', async () => {
    const res = await office.patch(`/api/v1/institutions/${world.upper.id}`, { consortiumIds: [] });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'lead_member', field: 'consortiumIds' });
  });

  it('lists institutions filtered by level, type, consortium, region and text, with paging', async () => {
    const all = await office.get('/api/v1/institutions');
    expect(all.status).toBe(200);
    expect(all.body.total).toBeGreaterThanOrEqual(3);
    const upper = all.body.items.find((i: { id: string }) => i.id === world.upper.id);
    expect(upper).toMatchObject({ code: 'UPPER', name: '市人民医院', level: '3', grade: '甲', type: 'general_hospital', consortia: [{ name: '测试医共体' }] });

    expect((await office.get('/api/v1/institutions?level=1&type=township_hospital')).body.items.map((i: { code: string }) => i.code)).toEqual(['LOWER']);
    const members = await office.get(`/api/v1/institutions?consortiumId=${world.consortium.id}`);
    expect(members.body.items.map((i: { code: string }) => i.code).sort()).toEqual(['H330521009', 'LOWER', 'UPPER']);
    expect((await office.get('/api/v1/institutions?regionCode=330521001')).body.items.map((i: { code: string }) => i.code)).toEqual(['H330521009']);
    expect((await office.get(`/api/v1/institutions?q=${encodeURIComponent('人民')}`)).body.items.map((i: { code: string }) => i.code)).toEqual(['UPPER']);
    const paged = await office.get('/api/v1/institutions?limit=1&offset=1');
    expect(paged.body.items).toHaveLength(1);
    expect(paged.body.total).toBe(all.body.total);
    // Every staff role may read the directory; a doctor of another institution too.
    expect((await (await t.login('doctor_lower')).get('/api/v1/institutions')).status).toBe(200);
  });

  it('shows an institution with its departments', async () => {
    const res = await office.get(`/api/v1/institutions/${world.upper.id}`);
    expect(res.status).toBe(200);
    expect(res.body.departments).toEqual([{ id: world.dept.id, code: null, name: '心内科', specialty: 'cardiology', active: true }]);
  });

  it('answers bad input with 4xx in the one error shape and changes nothing', async () => {
    const before = await snapshot(t.db);
    const malformed = await office.request('POST', '/api/v1/institutions', '{"code": "A1",', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');

    const typed = await office.post('/api/v1/institutions', { ...newInstitution, code: 'OK1', level: 3 });
    expect(typed.status).toBe(400);
    expect(typed.body.error).toMatchObject({ code: 'validation', field: 'level' });
    expect(typed.body.error.zh).toMatch(/level/);

    const region = await office.post('/api/v1/institutions', { ...newInstitution, code: 'OK2', regionCode: '3305' });
    expect(region.body.error).toMatchObject({ code: 'validation', field: 'regionCode' });
    expect(region.body.error.zh).toContain('行政区划代码');

    const unknownField = await office.patch(`/api/v1/institutions/${world.upper.id}`, { colour: 'red' });
    expect(unknownField.status).toBe(400);

    const badId = await office.patch('/api/v1/institutions/not-a-uuid', { name: '某医院' });
    expect(badId.status).toBe(400);
    expect(badId.body.error).toMatchObject({ code: 'validation', field: 'id' });

    const unknown = await office.patch('/api/v1/institutions/00000000-0000-4000-8000-000000000000', { name: '某医院' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not_found', field: 'id', zh: '医疗机构不存在' });
    expect((await office.get('/api/v1/institutions/00000000-0000-4000-8000-000000000000')).status).toBe(404);

    const unknownConsortium = await office.post('/api/v1/institutions', { ...newInstitution, code: 'OK3', consortiumIds: ['00000000-0000-4000-8000-000000000000'] });
    expect(unknownConsortium.status).toBe(404);
    expect(unknownConsortium.body.error.field).toBe('consortiumIds.0');

    expect((await office.get('/api/v1/institutions?limit=501')).status).toBe(400);
    expect((await office.get('/api/v1/institutions?level=5')).status).toBe(400);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('keeps the directory from patients and from anyone not signed in', async () => {
    expect((await t.anonymous.get('/api/v1/institutions')).status).toBe(401);
    const patient = await t.login('patient');
    expect((await patient.get('/api/v1/institutions')).status).toBe(403);
  });
});
