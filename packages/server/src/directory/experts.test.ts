import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePractitioner, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { snapshot } from './testing.js';

let t: TestApp;
let world: Awaited<ReturnType<typeof makeWorld>>;
let office: Client;
let chief: { id: string };
let associate: { id: string };
beforeAll(async () => {
  t = await createTestApp();
  world = await makeWorld(t.db);
  office = await t.login('consortium_admin');
  chief = await makePractitioner(t.db, world.upper.id, { name: '孙主任', title: 'chief_physician', specialty: 'cardiology', departmentId: world.dept.id });
  associate = await makePractitioner(t.db, world.lower.id, { name: '周副主任', title: 'associate_chief_technician', specialty: 'radiology' });
});
afterAll(() => t.close());

describe('expert pool', () => {
  it('the consortium office adds senior practitioners to the pool with their services and availability', async () => {
    const res = await office.post('/api/v1/experts', { practitionerId: chief.id, specialty: 'cardiology', services: ['consultation', 'teaching'], availability: '周二、周四下午' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      practitionerId: chief.id, name: '孙主任', title: 'chief_physician', specialty: 'cardiology', services: ['consultation', 'teaching'],
      availability: '周二、周四下午', active: true, institutions: [{ id: world.upper.id, name: '市人民医院' }],
    });
    expect((await office.post('/api/v1/experts', { practitionerId: associate.id, specialty: 'radiology', services: ['imaging_reading'] })).status).toBe(201);
  });

  it('refuses a title below 副主任医师 with 400 title_too_junior naming practitionerId, writing nothing', async () => {
    const before = await snapshot(t.db);
    const res = await office.post('/api/v1/experts', { practitionerId: world.doctorP.id, specialty: 'cardiology', services: ['consultation'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'title_too_junior', field: 'practitionerId' });
    expect(res.body.error.zh).toContain('主治医师');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('finds experts by specialty, service, institution and name', async () => {
    const doctor = await t.login('doctor_lower');
    const ids = async (qs: string) => (await doctor.get(`/api/v1/experts?${qs}`)).body.items.map((e: { name: string }) => e.name);
    expect(await ids('')).toEqual(['孙主任', '周副主任']); // most senior first
    expect(await ids('specialty=radiology')).toEqual(['周副主任']);
    expect(await ids('service=teaching')).toEqual(['孙主任']);
    expect(await ids(`institutionId=${world.lower.id}`)).toEqual(['周副主任']);
    expect(await ids(`q=${encodeURIComponent('孙')}`)).toEqual(['孙主任']);
    expect(await ids('q=zfz')).toEqual(['周副主任']);
    expect((await doctor.get(`/api/v1/experts?service=surgery`)).status).toBe(400);
  });

  it('updates services, deactivates and re-activates an entry; an inactive practitioner is not an available expert', async () => {
    const upd = await office.patch(`/api/v1/experts/${associate.id}`, { services: ['imaging_reading', 'ecg_reading'], availability: null });
    expect(upd.body).toMatchObject({ services: ['imaging_reading', 'ecg_reading'], availability: null });
    expect((await office.post(`/api/v1/experts/${associate.id}/deactivate`)).body.active).toBe(false);
    expect((await office.get('/api/v1/experts?active=true')).body.items.map((e: { name: string }) => e.name)).toEqual(['孙主任']);
    expect((await office.post(`/api/v1/experts/${associate.id}/activate`)).body.active).toBe(true);

    await office.post(`/api/v1/practitioners/${chief.id}/deactivate`);
    expect((await office.get(`/api/v1/experts/${chief.id}`)).body.active).toBe(false);
    expect((await office.get('/api/v1/experts?active=false')).body.items.map((e: { name: string }) => e.name)).toEqual(['孙主任']);
    await office.post(`/api/v1/practitioners/${chief.id}/activate`);

    const actions = (await t.db.selectFrom('audit_log').select('action').where('object_type', '=', 'expert').where('object_id', '=', associate.id).orderBy('seq').execute()).map((r) => r.action);
    expect(actions).toEqual(['directory.expert.create', 'directory.expert.update', 'directory.expert.deactivate', 'directory.expert.activate']);
  });

  it('refuses a second entry, unknown practitioners and ids, and anyone but the consortium office', async () => {
    const before = await snapshot(t.db);
    const again = await office.post('/api/v1/experts', { practitionerId: chief.id, specialty: 'cardiology', services: ['consultation'] });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_expert', field: 'practitionerId' });
    const unknown = await office.post('/api/v1/experts', { practitionerId: '00000000-0000-4000-8000-000000000000', specialty: 'cardiology', services: ['consultation'] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not_found', field: 'practitionerId' });
    expect((await office.patch(`/api/v1/experts/${world.doctorP.id}`, { availability: '周一' })).status).toBe(404);
    expect((await office.post('/api/v1/experts/nope/deactivate')).status).toBe(400);
    const noServices = await office.post('/api/v1/experts', { practitionerId: chief.id, specialty: 'cardiology', services: [] });
    expect(noServices.body.error).toMatchObject({ code: 'validation', field: 'services' });
    const admin = await t.login('institution_admin');
    const before2 = await snapshot(t.db);
    expect((await admin.patch(`/api/v1/experts/${chief.id}`, { availability: '随时' })).status).toBe(403);
    expect((await admin.post(`/api/v1/experts/${chief.id}/deactivate`)).status).toBe(403);
    expect(await snapshot(t.db)).toEqual(before2);
    expect(before2.counts.expert).toBe(before.counts.expert);
  });
});
