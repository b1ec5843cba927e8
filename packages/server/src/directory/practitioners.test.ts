import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDepartment, makeWorld } from '../test/factories.js';
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

const names = (res: { body: { items: { name: string }[] } }) => res.body.items.map((i) => i.name).sort();

describe('practitioners', () => {
  let wangId: string;

  it('the consortium office registers a doctor practising at two institutions (多点执业)', async () => {
    const res = await office.post('/api/v1/practitioners', {
      name: '王建国', sex: 'male', title: 'chief_physician', specialty: 'cardiology', phone: '13800001234', licenseNo: 'L-0001',
      roles: [{ institutionId: world.upper.id, departmentId: world.dept.id }, { institutionId: world.lower.id }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: '王建国', title: 'chief_physician', phone: '13800001234', licenseNo: 'L-0001', active: true, isExpert: false, expert: null,
      roles: [
        { institutionId: world.upper.id, institutionName: '市人民医院', departmentId: world.dept.id, departmentName: '心内科' },
        { institutionId: world.lower.id, institutionName: '城关镇卫生院', departmentId: null, departmentName: null },
      ],
    });
    wangId = res.body.id;
    const keys = await t.db.selectFrom('practitioner').select(['name_pinyin', 'name_initials']).where('id', '=', wangId).executeTakeFirstOrThrow();
    expect(keys).toEqual({ name_pinyin: 'wangjianguo', name_initials: 'wjg' });
    // The audit entry records the change without the phone or licence number.
    const entry = await t.db.selectFrom('audit_log').select(['action', 'detail']).where('object_id', '=', wangId).executeTakeFirstOrThrow();
    expect(entry.action).toBe('directory.practitioner.create');
    expect(JSON.stringify(entry.detail)).not.toContain('13800001234');
    expect(JSON.stringify(entry.detail)).not.toContain('L-0001');
  });

  it('masks phones in the list and shows them in full on the audited detail', async () => {
    const list = await office.get(`/api/v1/practitioners?institutionId=${world.lower.id}`);
    const wang = list.body.items.find((p: { id: string }) => p.id === wangId);
    expect(wang.phone).toBe('138****1234');
    expect(wang.roles).toHaveLength(2);
    const doctor = await t.login('doctor');
    const detail = await doctor.get(`/api/v1/practitioners/${wangId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.phone).toBe('13800001234');
    const read = await t.db.selectFrom('audit_log').select(['username']).where('action', '=', 'directory.practitioner.read').where('object_id', '=', wangId).execute();
    expect(read.map((r) => r.username)).toEqual(['doctor']);
  });

  it('finds practitioners by 汉字 prefix, full pinyin and initials, including the surname reading of 单', async () => {
    await office.post('/api/v1/practitioners', { name: '单田芳', sex: 'male', title: 'attending_physician', roles: [{ institutionId: world.lower.id }] });
    await office.post('/api/v1/practitioners', { name: '王芳', sex: 'female', title: 'resident_physician', roles: [{ institutionId: world.upper.id }] });
    const q = async (s: string) => names(await office.get(`/api/v1/practitioners?q=${encodeURIComponent(s)}`));
    expect(await q('王')).toEqual(['王建国', '王芳']);
    expect(await q('王建')).toEqual(['王建国']);
    expect(await q('wangjian')).toEqual(['王建国']);
    expect(await q('WANG')).toEqual(['王建国', '王芳']);
    expect(await q('wjg')).toEqual(['王建国']);
    expect(await q('wf')).toEqual(['王芳']);
    expect(await q('shantian')).toEqual(['单田芳']);
    expect(await q('dtf')).toEqual(['单田芳']);
    expect(await q('tianfang')).toEqual([]);
    expect(await q('%')).toEqual([]);
    expect(await q('L-00')).toEqual(['王建国']);
  });

  it('filters by institution, department, title, specialty and active, with paging', async () => {
    expect(names(await office.get(`/api/v1/practitioners?departmentId=${world.dept.id}`))).toEqual(['张明', '王建国']);
    expect(names(await office.get('/api/v1/practitioners?title=chief_physician&specialty=cardiology'))).toEqual(['王建国']);
    const page = await office.get('/api/v1/practitioners?limit=2&offset=0');
    expect(page.body.total).toBe(5);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0]).toEqual(expect.objectContaining({ isExpert: false, sex: expect.any(String), licenseNo: null, roles: expect.any(Array) }));
  });

  it('lets an institution admin register staff at their own institution but not at another (403, nothing written)', async () => {
    const ours = await upperAdmin.post('/api/v1/practitioners', { name: '李护士', sex: 'female', title: 'supervisor_nurse', specialty: 'nursing', roles: [{ institutionId: world.upper.id }] });
    expect(ours.status).toBe(201);
    const before = await snapshot(t.db);
    const theirs = await upperAdmin.post('/api/v1/practitioners', { name: '周医生', sex: 'male', title: 'rural_doctor', roles: [{ institutionId: world.lower.id }] });
    expect(theirs.status).toBe(403);
    const both = await upperAdmin.post('/api/v1/practitioners', { name: '周医生', sex: 'male', title: 'rural_doctor', roles: [{ institutionId: world.upper.id }, { institutionId: world.lower.id }] });
    expect(both.status).toBe(403);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("refuses an institution admin editing another institution's practitioner (403) and changes nothing", async () => {
    const before = await snapshot(t.db);
    const res = await upperAdmin.patch(`/api/v1/practitioners/${world.lowerDoctorP.id}`, { title: 'attending_physician' });
    expect(res.status).toBe(403);
    expect((await upperAdmin.post(`/api/v1/practitioners/${world.lowerDoctorP.id}/deactivate`)).status).toBe(403);
    expect(await snapshot(t.db)).toEqual(before);
    const row = await t.db.selectFrom('practitioner').select(['title', 'active']).where('id', '=', world.lowerDoctorP.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ title: 'rural_doctor', active: true });
  });

  it("lets an institution admin edit a shared practitioner and their own side, but not drop the other institution's", async () => {
    const edited = await upperAdmin.patch(`/api/v1/practitioners/${wangId}`, { phone: '13900009999', name: '王建华' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ phone: '13900009999', name: '王建华' });
    expect(names(await office.get('/api/v1/practitioners?q=wjh'))).toEqual(['王建华']);

    const dropOther = await upperAdmin.patch(`/api/v1/practitioners/${wangId}`, { roles: [{ institutionId: world.upper.id, departmentId: world.dept.id }] });
    expect(dropOther.status).toBe(403);
    const roles = await t.db.selectFrom('practitioner_role').select(['institution_id', 'active']).where('practitioner_id', '=', wangId).execute();
    expect(roles.every((r) => r.active)).toBe(true);

    const moved = await makeDepartment(t.db, world.upper.id, '急诊科', 'emergency');
    const ownSide = await upperAdmin.patch(`/api/v1/practitioners/${wangId}`, { roles: [{ institutionId: world.upper.id, departmentId: moved.id }, { institutionId: world.lower.id }] });
    expect(ownSide.status).toBe(200);
    expect(ownSide.body.roles[0]).toMatchObject({ departmentName: '急诊科' });

    // The consortium office may end the practice at one institution; the role is kept, inactive.
    const ended = await office.patch(`/api/v1/practitioners/${wangId}`, { roles: [{ institutionId: world.upper.id, departmentId: moved.id }] });
    expect(ended.body.roles.map((r: { institutionId: string }) => r.institutionId)).toEqual([world.upper.id]);
    const kept = await t.db.selectFrom('practitioner_role').select('active').where('practitioner_id', '=', wangId).where('institution_id', '=', world.lower.id).executeTakeFirstOrThrow();
    expect(kept.active).toBe(false);
  });

  it('deactivates and re-activates a practitioner', async () => {
    const off = await upperAdmin.post(`/api/v1/practitioners/${world.doctorP.id}/deactivate`);
    expect(off.body.active).toBe(false);
    expect(names(await office.get(`/api/v1/practitioners?active=false`))).toEqual(['张明']);
    expect((await upperAdmin.post(`/api/v1/practitioners/${world.doctorP.id}/activate`)).body.active).toBe(true);
  });

  it('refuses inconsistent roles, a duplicate licence number and bad input, changing nothing', async () => {
    const before = await snapshot(t.db);
    const base = { name: '钱医生', sex: 'male', title: 'attending_physician' };
    const mismatch = await office.post('/api/v1/practitioners', { ...base, roles: [{ institutionId: world.lower.id, departmentId: world.dept.id }] });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toMatchObject({ code: 'department_mismatch', field: 'roles.0.departmentId' });
    const unknown = await office.post('/api/v1/practitioners', { ...base, roles: [{ institutionId: world.upper.id }, { institutionId: '00000000-0000-4000-8000-000000000000' }] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not_found', field: 'roles.1.institutionId' });
    const twice = await office.post('/api/v1/practitioners', { ...base, roles: [{ institutionId: world.upper.id }, { institutionId: world.upper.id }] });
    expect(twice.body.error).toMatchObject({ code: 'duplicate_role', field: 'roles.1.institutionId' });
    const dup = await office.post('/api/v1/practitioners', { ...base, licenseNo: 'L-0001', roles: [{ institutionId: world.upper.id }] });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'duplicate_license_no', field: 'licenseNo' });
    const phone = await office.post('/api/v1/practitioners', { ...base, phone: '12345', roles: [{ institutionId: world.upper.id }] });
    expect(phone.body.error).toMatchObject({ code: 'validation', field: 'phone', zh: 'phone：手机号码格式不正确' });
    const noRoles = await office.post('/api/v1/practitioners', { ...base, roles: [] });
    expect(noRoles.body.error.field).toBe('roles');
    const title = await office.patch(`/api/v1/practitioners/${wangId}`, { title: '主任医师' });
    expect(title.body.error).toMatchObject({ code: 'validation', field: 'title' });
    expect((await office.patch('/api/v1/practitioners/00000000-0000-4000-8000-000000000000', { name: '某某' })).status).toBe(404);
    const malformed = await office.request('PATCH', `/api/v1/practitioners/${wangId}`, '{name:', { 'content-type': 'application/json' });
    expect(malformed.body.error.code).toBe('malformed_json');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('will not lower the title of someone in the expert pool', async () => {
    await office.post('/api/v1/experts', { practitionerId: wangId, specialty: 'cardiology', services: ['consultation'] });
    const res = await office.patch(`/api/v1/practitioners/${wangId}`, { title: 'attending_physician' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'expert_needs_senior_title', field: 'title' });
    const detail = await office.get(`/api/v1/practitioners/${wangId}`);
    expect(detail.body).toMatchObject({ title: 'chief_physician', isExpert: true, expert: { specialty: 'cardiology', services: ['consultation'], active: true } });
  });
});
