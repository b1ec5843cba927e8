import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { snapshot } from './testing.js';

let t: TestApp;
let world: Awaited<ReturnType<typeof makeWorld>>;
let upperAdmin: Client;
beforeAll(async () => {
  t = await createTestApp();
  world = await makeWorld(t.db);
  upperAdmin = await t.login('institution_admin');
});
afterAll(() => t.close());

describe('departments', () => {
  it('an institution admin adds a department to their institution, renames it and deactivates it', async () => {
    const created = await upperAdmin.post('/api/v1/departments', { institutionId: world.upper.id, code: '0201', name: '骨科', specialty: 'orthopedics' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ institutionId: world.upper.id, institutionName: '市人民医院', code: '0201', name: '骨科', specialty: 'orthopedics', active: true });
    const renamed = await upperAdmin.patch(`/api/v1/departments/${created.body.id}`, { name: '骨外科' });
    expect(renamed.body).toMatchObject({ name: '骨外科', code: '0201' });
    expect((await upperAdmin.post(`/api/v1/departments/${created.body.id}/deactivate`)).body.active).toBe(false);
    const active = await upperAdmin.get(`/api/v1/departments?institutionId=${world.upper.id}&active=true`);
    expect(active.body.items.map((d: { name: string }) => d.name)).toEqual(['心内科']);
    expect((await upperAdmin.post(`/api/v1/departments/${created.body.id}/activate`)).body.active).toBe(true);
    const audited = await t.db.selectFrom('audit_log').select(['action', 'username']).where('object_id', '=', created.body.id).orderBy('seq').execute();
    expect(audited).toEqual([
      { action: 'directory.department.create', username: 'institution_admin' },
      { action: 'directory.department.update', username: 'institution_admin' },
      { action: 'directory.department.deactivate', username: 'institution_admin' },
      { action: 'directory.department.activate', username: 'institution_admin' },
    ]);
  });

  it("refuses an institution admin touching another institution's departments (403), changing nothing", async () => {
    const lowerDept = await (await t.login('consortium_admin')).post('/api/v1/departments', { institutionId: world.lower.id, name: '全科' });
    expect(lowerDept.status).toBe(201);
    const before = await snapshot(t.db);
    expect((await upperAdmin.post('/api/v1/departments', { institutionId: world.lower.id, name: '中医科' })).status).toBe(403);
    expect((await upperAdmin.patch(`/api/v1/departments/${lowerDept.body.id}`, { name: '改名' })).status).toBe(403);
    expect((await upperAdmin.post(`/api/v1/departments/${lowerDept.body.id}/deactivate`)).status).toBe(403);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses a second department of the same name in one institution, and a move to another institution', async () => {
    const dup = await upperAdmin.post('/api/v1/departments', { institutionId: world.upper.id, name: '心内科' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'duplicate_name', field: 'name' });
    const move = await upperAdmin.patch(`/api/v1/departments/${world.dept.id}`, { institutionId: world.lower.id });
    expect(move.status).toBe(400);
    // http/errors.ts names the body (not the key) for an unknown key; the message names the key.
    expect(move.body.error.en).toContain('institutionId');
  });

  it('answers unknown ids with 404 naming the field', async () => {
    const office = await t.login('consortium_admin');
    const res = await office.post('/api/v1/departments', { institutionId: '00000000-0000-4000-8000-000000000000', name: '儿科' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', field: 'institutionId' });
    expect((await office.get('/api/v1/departments/00000000-0000-4000-8000-000000000000')).body.error).toMatchObject({ code: 'not_found', field: 'id' });
    expect((await office.patch('/api/v1/departments/x', { name: '儿科' })).status).toBe(400);
  });

  it('lists departments with their institution, filtered by text and specialty', async () => {
    const doctor = await t.login('doctor');
    const res = await doctor.get(`/api/v1/departments?q=${encodeURIComponent('心')}&specialty=cardiology`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ total: 1, items: [{ id: world.dept.id, institutionId: world.upper.id, institutionName: '市人民医院', code: null, name: '心内科', specialty: 'cardiology', active: true }] });
  });
});
