import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => { t = await createTestApp(); w = await makeWorld(t.db); });
afterAll(() => t.close());

describe('messaging details', () => {
  it('lists a practitioner’s account so a colleague can start a conversation', async () => {
    const doctor = await t.login('doctor_lower');
    const res = await doctor.get(`/api/v1/practitioners?q=${encodeURIComponent('张明')}`);
    expect(res.body.items[0]).toMatchObject({ name: '张明', userId: w.users.doctor.id });
    const opened = await doctor.post('/api/v1/threads', { kind: 'direct', userIds: [res.body.items[0].userId] });
    expect(opened.status).toBeLessThan(300);
  });

  it('keeps the patient’s name out of new-message notifications, which may leave by e-mail or SMS', async () => {
    const doctor = await t.login('doctor');
    const th = (await doctor.post('/api/v1/threads', { kind: 'case', caseType: 'patient', caseId: w.patient.id, title: `患者讨论：${w.patient.name}`, userIds: [w.users.dept_head.id] })).body.id;
    await doctor.post(`/api/v1/threads/${th}/messages`, { kind: 'text', body: '请会诊', clientId: 'c1' });
    const n = await t.db.selectFrom('notification').selectAll().where('user_id', '=', w.users.dept_head.id).where('link', '=', `/messages/${th}`).executeTakeFirstOrThrow();
    expect(JSON.stringify(n)).not.toContain(w.patient.name);
    expect(JSON.stringify(n)).not.toContain('请会诊');
  });

  it('clears the writer’s own new-message notification when they reply', async () => {
    const head = await t.login('dept_head');
    const th = (await head.get('/api/v1/threads')).body.items[0].id;
    const unread = async () => (await head.get('/api/v1/notifications?unread=true')).body.items.filter((x: { link: string }) => x.link === `/messages/${th}`).length;
    expect(await unread()).toBe(1);
    await head.post(`/api/v1/threads/${th}/messages`, { kind: 'text', body: '收到', clientId: 'c2' });
    expect(await unread()).toBe(0);
  });
});
