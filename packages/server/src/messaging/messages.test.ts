import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, makeWorld, tableHashes } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, lower: Client, head: Client;
let n = 0;
const text = (c: Client, threadId: string, body: string, extra: object = {}) =>
  c.post(`/api/v1/threads/${threadId}/messages`, { kind: 'text', body, clientId: `c-${++n}`, ...extra });

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  [doctor, lower, head] = [await t.login('doctor'), await t.login('doctor_lower'), await t.login('dept_head')];
});
afterAll(() => t.close());

const TABLES = ['thread', 'thread_participant', 'message', 'notification', 'event_log', 'audit_log'];
const snapshot = () => tableHashes(t.db, TABLES);

describe('threads', () => {
  it('reuses the direct thread between the same two people, whoever opens it', async () => {
    const first = await doctor.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor_lower.id] });
    expect(first.status).toBe(201);
    expect(first.body.participants.map((p: { userId: string }) => p.userId).sort()).toEqual([w.users.doctor.id, w.users.doctor_lower.id].sort());
    const again = await lower.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor.id] });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses a thread with oneself, with an unknown person, or with someone who may not message', async () => {
    expect((await doctor.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor.id] })).body.error.code).toBe('self_thread');
    expect((await doctor.post('/api/v1/threads', { kind: 'direct', userIds: ['00000000-0000-4000-8000-000000000000'] })).status).toBe(404);
    const r = await doctor.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.regulator.id] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'not_messageable', field: 'userIds.0' });
    expect((await (await t.login('regulator')).get('/api/v1/threads')).status).toBe(403);
    expect((await (await t.login('patient')).post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor.id] })).status).toBe(403);
  });

  it('opens one thread per patient case, audited with the patient, and lets participants add colleagues', async () => {
    const r = await doctor.post('/api/v1/threads', { kind: 'case', caseType: 'patient', caseId: w.patient.id, title: '陈患者 病情讨论', userIds: [w.users.doctor_lower.id] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'case', caseType: 'patient', patientId: w.patient.id });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'thread.create').where('object_id', '=', r.body.id).executeTakeFirstOrThrow();
    expect(audit.patient_id).toBe(w.patient.id);
    // Someone outside cannot get in by naming the case …
    expect((await head.post('/api/v1/threads', { kind: 'case', caseType: 'patient', caseId: w.patient.id, title: 'x' })).status).toBe(403);
    // … but a participant can add them.
    const added = await lower.post(`/api/v1/threads/${r.body.id}/participants`, { userId: w.users.dept_head.id });
    expect(added.status).toBe(200);
    expect(added.body.participants).toHaveLength(3);
    expect((await head.get(`/api/v1/threads/${r.body.id}`)).status).toBe(200);
    const direct = (await doctor.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor_lower.id] })).body.id;
    expect((await doctor.post(`/api/v1/threads/${direct}/participants`, { userId: w.users.dept_head.id })).status).toBe(409);
  });
});

describe('messages', () => {
  let threadId: string;
  beforeAll(async () => {
    threadId = (await doctor.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor_lower.id] })).body.id;
  });

  it('posts once however often the client retries with the same clientId', async () => {
    const body = { kind: 'text', body: '请查看心电图', clientId: 'retry-1' };
    const first = await doctor.post(`/api/v1/threads/${threadId}/messages`, body);
    expect(first.status).toBe(201);
    expect(first.body.message).toMatchObject({ body: '请查看心电图', senderId: w.users.doctor.id, senderName: 'doctor', clientId: 'retry-1' });
    const [a, b] = await Promise.all([doctor.post(`/api/v1/threads/${threadId}/messages`, body), doctor.post(`/api/v1/threads/${threadId}/messages`, body)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.message.id).toBe(first.body.message.id);
    expect(await t.db.selectFrom('message').select('id').where('client_id', '=', 'retry-1').execute()).toHaveLength(1);
    // The same clientId from someone else is their own message.
    expect((await lower.post(`/api/v1/threads/${threadId}/messages`, body)).status).toBe(201);
  });

  it('pages history newest first by message id and finds text', async () => {
    const other = (await doctor.post('/api/v1/threads', { kind: 'case', caseType: 'patient', caseId: w.patient.id, title: '分页' })).body.id;
    const ids: number[] = [];
    for (let i = 1; i <= 7; i++) ids.push((await text(doctor, other, i === 4 ? '血压 160/100 需复查' : `第${i}条 50%_达标`)).body.message.id);
    const page1 = (await doctor.get(`/api/v1/threads/${other}/messages?limit=3`)).body;
    expect(page1.items.map((m: { id: number }) => m.id)).toEqual(ids.slice(-3).reverse());
    expect(page1.hasMore).toBe(true);
    const page2 = (await doctor.get(`/api/v1/threads/${other}/messages?limit=3&before=${page1.items.at(-1).id}`)).body;
    expect(page2.items.map((m: { id: number }) => m.id)).toEqual(ids.slice(1, 4).reverse());
    const last = (await doctor.get(`/api/v1/threads/${other}/messages?limit=3&before=${page2.items.at(-1).id}`)).body;
    expect(last.items.map((m: { id: number }) => m.id)).toEqual([ids[0]]);
    expect(last.hasMore).toBe(false);
    expect((await doctor.get(`/api/v1/threads/${other}/messages?q=${encodeURIComponent('血压')}`)).body.items.map((m: { id: number }) => m.id)).toEqual([ids[3]]);
    // % and _ are matched literally.
    expect((await doctor.get(`/api/v1/threads/${other}/messages?q=${encodeURIComponent('0%_')}`)).body.items).toHaveLength(6);
    expect((await doctor.get(`/api/v1/threads/${other}/messages?q=${encodeURIComponent('%')}`)).body.items).toHaveLength(6);
  });

  it('keeps read receipts and unread counts per person', async () => {
    const th = (await head.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor.id] })).body.id;
    const m1 = (await text(head, th, '一')).body.message.id;
    const m2 = (await text(head, th, '二')).body.message.id;
    const m3 = (await text(head, th, '三')).body.message.id;
    const mine = (await doctor.get('/api/v1/threads')).body.items.find((x: { id: string }) => x.id === th);
    expect(mine).toMatchObject({ unread: 3, lastMessage: { id: m3, body: '三' } });
    expect((await head.get('/api/v1/threads')).body.items.find((x: { id: string }) => x.id === th).unread).toBe(0);
    const r = await doctor.post(`/api/v1/threads/${th}/read`, { messageId: m2 });
    expect(r.body).toEqual({ threadId: th, lastReadMessageId: m2, unread: 1 });
    // A receipt never goes backwards.
    expect((await doctor.post(`/api/v1/threads/${th}/read`, { messageId: m1 })).body.lastReadMessageId).toBe(m2);
    const seen = (await head.get(`/api/v1/threads/${th}`)).body.participants.find((p: { userId: string }) => p.userId === w.users.doctor.id);
    expect(seen.lastReadMessageId).toBe(m2);
    const receipts = (await t.db.selectFrom('event_log').select(['recipients', 'data']).where('type', '=', 'message.read').execute())
      .flatMap((r) => r.recipients.map((user_id) => ({ user_id, data: r.data })));
    expect(receipts.filter((e) => (e.data as { threadId: string }).threadId === th).map((e) => e.user_id).sort()).toEqual([w.users.doctor.id, w.users.dept_head.id].sort());
    expect((await doctor.post(`/api/v1/threads/${th}/read`, { messageId: 999999 })).status).toBe(404);
    const list = (await doctor.get('/api/v1/threads')).body;
    expect(list.unreadTotal).toBeGreaterThanOrEqual(1);
  });

  it('replies point at a message of the same thread', async () => {
    const a = (await text(doctor, threadId, '原消息')).body.message;
    const r = await text(lower, threadId, '收到', { replyTo: a.id });
    expect(r.body.message.reply).toEqual({ id: a.id, senderName: 'doctor', kind: 'text', body: '原消息' });
    const elsewhere = (await head.post('/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor.id] })).body.id;
    const bad = await text(doctor, elsewhere, 'x', { replyTo: a.id });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('replyTo');
  });

  it('refuses anyone outside the thread (403) and changes nothing', async () => {
    const before = await snapshot();
    for (const res of [
      await head.get(`/api/v1/threads/${threadId}`),
      await head.get(`/api/v1/threads/${threadId}/messages`),
      await text(head, threadId, '我不在这里'),
      await head.post(`/api/v1/threads/${threadId}/read`, { messageId: 1 }),
      await head.post(`/api/v1/threads/${threadId}/participants`, { userId: w.users.dept_head.id }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect(await snapshot()).toEqual(before);
    expect((await head.get('/api/v1/threads')).body.items.map((x: { id: string }) => x.id)).not.toContain(threadId);
  });

  it('audits posts with the patient (never the text) and reading a patient thread as patient-data access', async () => {
    const th = (await doctor.post('/api/v1/threads', { kind: 'case', caseType: 'patient', caseId: w.patient.id, title: '审计' })).body.id;
    const m = (await text(doctor, th, '身份证 330521196005011234 的患者')).body.message;
    const posted = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'message.create').where('object_id', '=', String(m.id)).executeTakeFirstOrThrow();
    expect(posted.patient_id).toBe(w.patient.id);
    expect(JSON.stringify(posted.detail)).not.toContain('330521');
    const reads = () => t.db.selectFrom('audit_log').selectAll().where('action', '=', 'thread.read').where('object_id', '=', th).orderBy('seq').execute();
    const before = (await reads()).length;
    await doctor.get(`/api/v1/threads/${th}/messages`);
    const read = await reads();
    expect(read).toHaveLength(before + 1);
    expect(read.at(-1)!).toMatchObject({ patient_id: w.patient.id, user_id: w.users.doctor.id });
    // A direct thread is not about a patient: no read entry.
    await doctor.get(`/api/v1/threads/${threadId}/messages`);
    expect(await t.db.selectFrom('audit_log').select('seq').where('action', '=', 'thread.read').where('object_id', '=', threadId).execute()).toHaveLength(0);
  });

  it('notifies the others once per unread streak, and reading the thread clears it', async () => {
    const third = await makeUser(t.db, 'nurse.wang', [{ role: 'doctor', institutionId: w.upper.id }]);
    const th = (await doctor.post('/api/v1/threads', { kind: 'direct', userIds: [third.id] })).body.id;
    const wang = await t.login('nurse.wang');
    const last = [(await text(doctor, th, '甲')), (await text(doctor, th, '乙'))].at(-1)!.body.message.id;
    let notes = (await wang.get('/api/v1/notifications')).body;
    expect(notes).toMatchObject({ total: 1, unread: 1 });
    expect(notes.items[0]).toMatchObject({ kind: 'message', link: `/messages/${th}`, title: { zh: 'doctor 发来新消息', en: 'New message from doctor' } });
    expect(JSON.stringify(notes.items[0])).not.toContain('甲');
    await wang.post(`/api/v1/threads/${th}/read`, { messageId: last });
    notes = (await wang.get('/api/v1/notifications')).body;
    expect(notes.unread).toBe(0);
    await text(doctor, th, '丙');
    expect((await wang.get('/api/v1/notifications?unread=true')).body.total).toBe(1);
    // The sender is not notified of their own message.
    expect((await doctor.get('/api/v1/notifications')).body.items.filter((x: { link: string }) => x.link === `/messages/${th}`)).toHaveLength(0);
  });
});
