import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstitution, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { snapshot } from './testing.js';

let t: TestApp;
let world: Awaited<ReturnType<typeof makeWorld>>;
let office: Client;
beforeAll(async () => {
  t = await createTestApp();
  world = await makeWorld(t.db);
  office = await t.login('consortium_admin');
});
afterAll(() => t.close());

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('consortia', () => {
  it('the consortium office sets up a specialty alliance: its lead becomes a member, others join and leave', async () => {
    const created = await office.post('/api/v1/consortia', {
      name: '胸痛专科联盟', kind: 'specialty_alliance', leadInstitutionId: world.upper.id, regionCode: '330500', description: '区域胸痛救治',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: '胸痛专科联盟', kind: 'specialty_alliance', leadInstitutionName: '市人民医院', memberCount: 1, active: true });
    expect(created.body.members.map((m: { code: string }) => m.code)).toEqual(['UPPER']);
    const id = created.body.id;

    const joined = await office.post(`/api/v1/consortia/${id}/members`, { institutionId: world.lower.id });
    expect(joined.status).toBe(200);
    expect(joined.body.members.map((m: { code: string }) => m.code)).toEqual(['UPPER', 'LOWER']);
    // Joining twice changes nothing.
    expect((await office.post(`/api/v1/consortia/${id}/members`, { institutionId: world.lower.id })).body.memberCount).toBe(2);

    const leadLeaves = await office.delete(`/api/v1/consortia/${id}/members/${world.upper.id}`);
    expect(leadLeaves.status).toBe(409);
    expect(leadLeaves.body.error).toMatchObject({ code: 'lead_member', field: 'institutionId' });

    const left = await office.delete(`/api/v1/consortia/${id}/members/${world.lower.id}`);
    expect(left.status).toBe(200);
    expect(left.body.memberCount).toBe(1);
    expect((await office.delete(`/api/v1/consortia/${id}/members/${world.lower.id}`)).status).toBe(404);

    const actions = (await t.db.selectFrom('audit_log').select('action').where('object_id', '=', id).orderBy('seq').execute()).map((r) => r.action);
    expect(actions).toEqual(['directory.consortium.create', 'directory.consortium.add_member', 'directory.consortium.remove_member']);
  });

  it('edits, deactivates and re-activates a consortium; a new lead joins as a member', async () => {
    const other = await makeInstitution(t.db, { code: 'CITY2', name: '市第二医院' });
    const res = await office.patch(`/api/v1/consortia/${world.consortium.id}`, { description: '县域医共体试点', leadInstitutionId: other.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ description: '县域医共体试点', leadInstitutionId: other.id, kind: 'county_community', memberCount: 3 });
    expect((await office.post(`/api/v1/consortia/${world.consortium.id}/deactivate`)).body.active).toBe(false);
    const list = await office.get('/api/v1/consortia?active=false');
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['测试医共体']);
    expect((await office.post(`/api/v1/consortia/${world.consortium.id}/activate`)).body.active).toBe(true);
  });

  it('lists consortia with their lead and member count, filtered by kind and institution', async () => {
    const all = await office.get('/api/v1/consortia');
    expect(all.body.total).toBe(2);
    expect(all.body.items[0]).toEqual(expect.objectContaining({ id: expect.any(String), name: expect.any(String), memberCount: expect.any(Number), leadInstitutionName: expect.any(String) }));
    expect((await office.get('/api/v1/consortia?kind=specialty_alliance')).body.items.map((c: { name: string }) => c.name)).toEqual(['胸痛专科联盟']);
    expect((await office.get(`/api/v1/consortia?institutionId=${world.lower.id}`)).body.items.map((c: { name: string }) => c.name)).toEqual(['测试医共体']);
    const one = await (await t.login('regulator')).get(`/api/v1/consortia/${world.consortium.id}`);
    expect(one.status).toBe(200);
    expect(one.body.members.length).toBe(3);
  });

  it('refuses a duplicate name, an unknown lead and unknown members, changing nothing', async () => {
    const before = await snapshot(t.db);
    const dup = await office.post('/api/v1/consortia', { name: '测试医共体', kind: 'county_community' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'duplicate_name', field: 'name' });
    const lead = await office.post('/api/v1/consortia', { name: '新医联体', kind: 'city_group', leadInstitutionId: UNKNOWN });
    expect(lead.status).toBe(404);
    expect(lead.body.error).toMatchObject({ code: 'not_found', field: 'leadInstitutionId' });
    const member = await office.post(`/api/v1/consortia/${world.consortium.id}/members`, { institutionId: UNKNOWN });
    expect(member.body.error).toMatchObject({ code: 'not_found', field: 'institutionId' });
    expect((await office.post(`/api/v1/consortia/${UNKNOWN}/members`, { institutionId: world.lower.id })).status).toBe(404);
    expect((await office.post('/api/v1/consortia', { name: '新医联体', kind: '医共体' })).body.error.field).toBe('kind');
    expect((await office.get('/api/v1/consortia/123')).status).toBe(400);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('leaves consortia to the consortium office: an institution admin gets 403 and nothing changes', async () => {
    const admin = await t.login('institution_admin');
    const before = await snapshot(t.db);
    expect((await admin.post('/api/v1/consortia', { name: '自建医联体', kind: 'city_group' })).status).toBe(403);
    expect((await admin.patch(`/api/v1/consortia/${world.consortium.id}`, { name: '改名' })).status).toBe(403);
    expect((await admin.post(`/api/v1/consortia/${world.consortium.id}/deactivate`)).status).toBe(403);
    expect((await admin.delete(`/api/v1/consortia/${world.consortium.id}/members/${world.lower.id}`)).status).toBe(403);
    expect(await snapshot(t.db)).toEqual(before);
  });
});
