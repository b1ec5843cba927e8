/**
 * Quick online consult (移动问诊): a township doctor asks an expert of the city hospital in a case thread; the expert
 * answers; either converts it into a draft consultation or referral owned by the asker; or it is closed. Refusals:
 * strangers, wrong roles, illegal states, bad input — and a failed step leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePractitioner, makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let asker: Client, expert: Client;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  asker = await t.login('doctor_lower');
  expert = await t.login('doctor');
});
afterAll(() => t.close());

const ask = (c: Client, body: Record<string, unknown> = {}) =>
  c.post('/api/v1/quick-consults', { expertPractitionerId: w.doctorP.id, subject: '心电图 ST 段压低', text: '患者胸闷 2 天，心电图见 V4–V6 ST 段压低，是否需要上转？', ...body });
const act = (c: Client, id: string, action: string, body: Record<string, unknown> = {}) => c.post(`/api/v1/quick-consults/${id}/actions/${action}`, body);
const messages = (threadId: string) => t.db.selectFrom('message').select(['kind', 'body', 'sender_id']).where('thread_id', '=', threadId).orderBy('id').execute();
const auditActions = async (id: string) => (await t.db.selectFrom('audit_log').select('action').where('object_id', '=', id).orderBy('seq').execute()).map((r) => r.action);

describe(`quick consult on ${dbKind}`, () => {
  it('asks an expert in a case thread with the question as its first message, and tells the expert', async () => {
    const res = await ask(asker, { patientId: w.patient.id });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      status: 'open', side: 'asker', subject: '心电图 ST 段压低', patient: { id: w.patient.id, name: '陈患者' },
      asker: { userId: w.users.doctor_lower.id, institutionName: '城关镇卫生院' }, expert: { userId: w.users.doctor.id, name: '张明' },
      allowedActions: ['convert', 'close'],
    });
    expect(res.body.code).toMatch(/^WZ\d{8}\d{4}$/);
    const thread = await t.db.selectFrom('thread').selectAll().where('id', '=', res.body.threadId).executeTakeFirstOrThrow();
    expect(thread).toMatchObject({ kind: 'case', case_type: 'quick_consult', case_id: res.body.id, patient_id: w.patient.id });
    expect(await messages(res.body.threadId)).toEqual([{ kind: 'text', body: expect.stringContaining('胸闷 2 天'), sender_id: w.users.doctor_lower.id }]);
    const notes = await t.db.selectFrom('notification').select(['kind', 'link']).where('user_id', '=', w.users.doctor.id).where('kind', '=', 'quick_consult').execute();
    expect(notes).toEqual([{ kind: 'quick_consult', link: `/quick-consults/${res.body.id}` }]);
    expect(await auditActions(res.body.id)).toContain('quick_consult.create');

    expect((await asker.get('/api/v1/quick-consults?box=asked')).body.items.map((q: any) => q.id)).toEqual([res.body.id]);
    const received = (await expert.get('/api/v1/quick-consults?box=received')).body;
    expect(received).toMatchObject({ total: 1, items: [{ id: res.body.id, unread: 1 }] });
    expect((await expert.get('/api/v1/quick-consults?box=asked')).body.total).toBe(0);
    expect((await expert.get(`/api/v1/quick-consults/${res.body.id}`)).body).toMatchObject({ side: 'expert', allowedActions: ['answer', 'convert', 'close'] });
  });

  it('lets only the expert answer: the answer is a message of the thread and the consult becomes answered', async () => {
    const q = (await ask(asker, { patientId: w.patient.id })).body;
    const byAsker = await act(asker, q.id, 'answer', { text: '我自己回答' });
    expect(byAsker.status).toBe(403);
    const empty = await act(expert, q.id, 'answer', {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('text');
    expect((await t.db.selectFrom('quick_consult').select('status').where('id', '=', q.id).executeTakeFirstOrThrow()).status).toBe('open');

    const res = await act(expert, q.id, 'answer', { text: '建议查肌钙蛋白，阳性即上转。' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'answered', answeredAt: expect.any(String) });
    const msgs = await messages(q.threadId);
    expect(msgs.slice(1)).toEqual([
      { kind: 'text', body: '建议查肌钙蛋白，阳性即上转。', sender_id: w.users.doctor.id },
      { kind: 'system', body: expect.stringContaining('已答复'), sender_id: w.users.doctor.id },
    ]);
    const notes = await t.db.selectFrom('notification').select('title_zh').where('user_id', '=', w.users.doctor_lower.id).where('kind', '=', 'quick_consult').execute();
    expect(notes.map((n) => n.title_zh)).toContain('doctor 已回复您的问诊');
    expect(await auditActions(q.id)).toEqual(expect.arrayContaining(['quick_consult.create', 'quick_consult.answer']));
  });

  it('counts the expert\'s first plain chat reply as the answer (once), and not the asker\'s messages', async () => {
    const q = (await ask(asker, { patientId: w.patient.id })).body;
    const post = (c: Client, body: string) => c.post(`/api/v1/threads/${q.threadId}/messages`, { kind: 'text', body, clientId: crypto.randomUUID() });
    expect((await post(asker, '补充：肌钙蛋白阴性')).status).toBe(201);
    expect((await asker.get(`/api/v1/quick-consults/${q.id}`)).body.status).toBe('open');
    expect((await post(expert, '先观察，复查心电图。')).status).toBe(201);
    const now = (await asker.get(`/api/v1/quick-consults/${q.id}`)).body;
    expect(now).toMatchObject({ status: 'answered', answeredAt: expect.any(String) });
    expect((await post(expert, '如再胸痛即上转。')).status).toBe(201);
    expect((await asker.get(`/api/v1/quick-consults/${q.id}`)).body.answeredAt).toBe(now.answeredAt);
    const answers = await t.db.selectFrom('audit_log').select(['action', 'detail']).where('object_id', '=', q.id).where('action', '=', 'quick_consult.answer').execute();
    expect(answers).toEqual([{ action: 'quick_consult.answer', detail: { from: 'open', to: 'answered', via: 'message' } }]);
    const notes = await t.db.selectFrom('notification').select('title_zh').where('user_id', '=', w.users.doctor_lower.id).where('link', '=', `/quick-consults/${q.id}`).execute();
    expect(notes.map((n) => n.title_zh)).toEqual(['doctor 已回复您的问诊']);
    // The answer step after a chat reply is still possible (a further answer) and is recorded once more.
    expect((await act(expert, q.id, 'answer', { text: '结论：暂不上转。' })).status).toBe(200);
    expect((await auditActions(q.id)).filter((a) => a === 'quick_consult.answer')).toHaveLength(2);
  });

  it('converts into a draft consultation owned by the asker, even when the expert converts it', async () => {
    const q = (await ask(asker, { patientId: w.patient.id })).body;
    await act(expert, q.id, 'answer', { text: '需要正式会诊。' });
    // A failed conversion (unknown patient) changes nothing.
    const before = await t.db.selectFrom('consultation').select('id').execute();
    const bad = await act(expert, q.id, 'convert', { to: 'consultation', patientId: crypto.randomUUID() });
    expect(bad.status).toBe(404);
    expect(bad.body.error.field).toBe('patientId');
    expect(await t.db.selectFrom('consultation').select('id').execute()).toEqual(before);
    expect((await expert.get(`/api/v1/quick-consults/${q.id}`)).body.status).toBe('answered');
    expect((await act(expert, q.id, 'convert', {})).body.error.field).toBe('to');

    const res = await act(expert, q.id, 'convert', { to: 'consultation' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'converted', convertedTo: { type: 'consultation' }, allowedActions: [] });
    const c = await t.db.selectFrom('consultation').selectAll().where('id', '=', res.body.convertedTo.id).executeTakeFirstOrThrow();
    expect(c).toMatchObject({
      status: 'draft', created_by: w.users.doctor_lower.id, from_institution_id: w.lower.id, centre_institution_id: w.upper.id,
      patient_id: w.patient.id, purpose: '心电图 ST 段压低', quick_consult_id: q.id, requested_expert_ids: [w.doctorP.id],
    });
    expect(c.summary).toContain('需要正式会诊。');
    expect((await messages(q.threadId)).at(-1)).toMatchObject({ kind: 'system', body: expect.stringContaining('远程会诊申请') });
    // Converted is final here.
    const again = await act(asker, q.id, 'close');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_transition');
  });

  it('converts into a draft up-referral to the expert’s hospital; a consult without a patient needs one named', async () => {
    const q = (await ask(asker)).body;
    const noPatient = await act(asker, q.id, 'convert', { to: 'referral' });
    expect(noPatient.status).toBe(400);
    expect(noPatient.body.error).toMatchObject({ code: 'patient_required', field: 'patientId' });
    const res = await act(asker, q.id, 'convert', { to: 'referral', patientId: w.patient.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = await t.db.selectFrom('referral').selectAll().where('id', '=', res.body.convertedTo.id).executeTakeFirstOrThrow();
    expect(r).toMatchObject({ status: 'draft', direction: 'up', created_by: w.users.doctor_lower.id, from_institution_id: w.lower.id, to_institution_id: w.upper.id, patient_id: w.patient.id });
    const notes = await t.db.selectFrom('notification').select('title_zh').where('user_id', '=', w.users.doctor.id).where('case_id', '=', q.id).execute();
    expect(notes.map((n) => n.title_zh)).toContain('问诊已转为转诊单草稿');
  });

  it('closes; a closed consult takes no answer', async () => {
    const q = (await ask(asker)).body;
    const res = await act(asker, q.id, 'close');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('closed');
    const late = await act(expert, q.id, 'answer', { text: '迟到的回复' });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'invalid_transition', details: { status: 'closed' } });
    expect((await t.db.selectFrom('quick_consult').select('status').where('id', '=', q.id).executeTakeFirstOrThrow()).status).toBe('closed');
  });

  it('refuses strangers, roles without quick consults, unknown experts, experts without an account and oneself', async () => {
    const q = (await ask(asker)).body;
    const stranger = await t.login('dept_head');
    const seen = await stranger.get(`/api/v1/quick-consults/${q.id}`);
    expect(seen.status).toBe(403);
    expect(seen.body.error.code).toBe('not_participant');
    expect((await act(stranger, q.id, 'close')).status).toBe(403);
    expect((await stranger.get('/api/v1/quick-consults')).body.total).toBe(0);
    for (const role of ['consortium_admin', 'patient', 'regulator', 'institution_admin']) {
      const c = await t.login(role);
      expect((await ask(c)).status, role).toBe(403);
      expect((await c.get('/api/v1/quick-consults')).status, role).toBe(403);
    }
    const unknown = await ask(asker, { expertPractitionerId: crypto.randomUUID() });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.field).toBe('expertPractitionerId');
    const noAccount = await makePractitioner(t.db, w.upper.id, { name: '无账号专家' });
    const na = await ask(asker, { expertPractitionerId: noAccount.id });
    expect(na.body.error).toMatchObject({ code: 'expert_no_account', field: 'expertPractitionerId' });
    const self = await ask(expert);
    expect(self.body.error).toMatchObject({ code: 'self_consult', field: 'expertPractitionerId' });
    expect((await asker.post('/api/v1/quick-consults', { expertPractitionerId: w.doctorP.id, subject: '', text: 'x' })).status).toBe(400);
    expect((await act(asker, q.id, 'reopen')).status).toBe(400);
    expect((await act(asker, crypto.randomUUID(), 'close')).status).toBe(404);
  });
});
