/** Refused consultation steps change nothing; the to-do box and counts follow the caller's part; withdrawn experts lose access. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstitution, makePractitioner, makeUser, makeWorld, tableHashes } from '../test/factories.js';
import type { Caller } from '../http/context.js';
import { mayFollow } from '../realtime/topics.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let prov: Awaited<ReturnType<typeof makeInstitution>>;
let provExpert: { id: string };
const c = {} as Record<'applicant' | 'centre' | 'doctor' | 'prov' | 'family', Client>;
const TABLES = ['consultation', 'consultation_expert', 'consultation_event', 'consultation_consent', 'consultation_opinion', 'care_relation', 'notification', 'thread', 'document'];
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('x')]);

function consentBody() {
  const b = '----yl' + Math.random().toString(16).slice(2);
  const f = (k: string, v: string) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  const body = Buffer.concat([Buffer.from(f('signerName', '陈患者') + f('relation', 'self') + f('method', 'drawn')),
    Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="s.png"\r\nContent-Type: image/png\r\n\r\n`), PNG, Buffer.from(`\r\n--${b}--\r\n`)]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}
const act = (client: Client, id: string, action: string, body: Record<string, unknown> = {}) => client.post(`/api/v1/consultations/${id}/actions/${action}`, body);

/** A consultation of the township doctor, urgent, at the centre (received). */
async function atCentre() {
  const d = await c.applicant.post('/api/v1/consultations', { kind: 'urgent', patientId: w.patient.id, purpose: '急性胸痛', summary: '胸痛 2 小时', diagnoses: [{ code: 'I21.9' }] });
  const m = consentBody();
  expect((await c.applicant.request('POST', `/api/v1/consultations/${d.body.id}/consent`, m.body, m.headers)).status).toBe(201);
  const r = await act(c.applicant, d.body.id, 'submit_urgent', { version: 2, reason: '血压下降' });
  expect(r.body.status).toBe('received');
  return r.body as { id: string; version: number };
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  prov = await makeInstitution(t.db, { code: 'PROV', name: '省人民医院', level: '3' });
  provExpert = await makePractitioner(t.db, prov.id, { name: '钱省', title: 'chief_physician' });
  await makeUser(t.db, 'prov_expert', [{ role: 'doctor', institutionId: prov.id }], { practitionerId: provExpert.id });
  c.applicant = await t.login('doctor_lower'); c.centre = await t.login('consult_coordinator'); c.doctor = await t.login('doctor');
  c.prov = await t.login('prov_expert'); c.family = await t.login('family_doctor');
  const e = crypto.randomUUID();
  await t.db.insertInto('encounter').values({ id: e, entry_id: e, patient_id: w.patient.id, institution_id: w.lower.id, class: 'outpatient', started_at: new Date() }).execute();
});
afterAll(() => t.close());

describe('refused steps', () => {
  it('leave the database exactly as it was: wrong side, illegal step, stale version, missing need, an unknown expert among known ones', async () => {
    const x = await atCentre();
    await act(c.centre, x.id, 'accept', { version: x.version });
    const v = x.version + 1;
    const at = new Date(Date.now() + 86_400_000).toISOString();
    const before = await tableHashes(t.db, TABLES);
    const tries = [
      [await act(c.doctor, x.id, 'invite', { version: v, experts: [{ practitionerId: w.doctorP.id }], scheduledAt: at }), 403],
      [await act(c.centre, x.id, 'forward', { version: v }), 409],
      [await act(c.centre, x.id, 'invite', { version: v - 1, experts: [{ practitionerId: w.doctorP.id }], scheduledAt: at }), 409],
      [await act(c.centre, x.id, 'invite', { version: v, experts: [], scheduledAt: at }), 400],
      [await act(c.centre, x.id, 'invite', { version: v, experts: [{ practitionerId: w.doctorP.id }], scheduledAt: new Date(Date.now() - 60_000).toISOString() }), 400],
      [await act(c.centre, x.id, 'invite', { version: v, experts: [{ practitionerId: w.doctorP.id }, { practitionerId: crypto.randomUUID() }], scheduledAt: at }), 404],
      [await act(c.centre, x.id, 'invite', { version: v, experts: [{ practitionerId: w.lowerDoctorP.id }], scheduledAt: at }), 400],
      [await act(c.centre, x.id, 'invite', { experts: [{ practitionerId: w.doctorP.id }], scheduledAt: at }), 400],
      [await c.centre.request('POST', `/api/v1/consultations/${x.id}/actions/accept`, '{"version": ', { 'content-type': 'application/json' }), 400],
      [await act(c.centre, crypto.randomUUID(), 'accept', { version: 1 }), 404],
    ] as const;
    for (const [res, status] of tries) {
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.zh).toBeTruthy();
      expect(res.body.error.en).toBeTruthy();
    }
    expect(await tableHashes(t.db, TABLES)).toEqual(before);
  });

  it('keep record access to the experts still invited: a withdrawn expert’s institution loses it', async () => {
    const x = await atCentre();
    await act(c.centre, x.id, 'accept', { version: x.version });
    const at = new Date(Date.now() + 86_400_000).toISOString();
    let r = await act(c.centre, x.id, 'invite', { version: x.version + 1, experts: [{ practitionerId: provExpert.id }], scheduledAt: at });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const live = () => t.db.selectFrom('care_relation').select('institution_id').where('source_id', '=', x.id).where('ends_at', 'is', null).execute();
    expect((await live()).map((l) => l.institution_id).sort()).toEqual([w.upper.id, prov.id].sort());
    expect((await c.prov.get('/api/v1/consultations/counts')).body).toMatchObject({ invitations: 1, todo: 1 });
    expect((await c.prov.get('/api/v1/consultations?box=todo')).body.items.map((i: any) => i.id)).toEqual([x.id]);
    r = await act(c.centre, x.id, 'invite', { version: r.body.version, experts: [{ practitionerId: w.doctorP.id }], scheduledAt: at });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await live()).map((l) => l.institution_id)).toEqual([w.upper.id]);
    expect((await c.prov.get(`/api/v1/consultations/${x.id}`)).status).toBe(403);
    expect((await c.prov.get('/api/v1/consultations/counts')).body.invitations).toBe(0);
  });
});

describe('cancelling', () => {
  it('is not the centre’s before the request reached it', async () => {
    const d = await c.applicant.post('/api/v1/consultations', { kind: 'routine', patientId: w.patient.id, purpose: '明确诊断', summary: '头晕', diagnoses: [] });
    const r = await act(c.centre, d.body.id, 'cancel', { version: 1, reason: '重复申请' });
    expect(r.status).toBe(403);
    expect((await act(c.applicant, d.body.id, 'cancel', { version: 1, reason: '重复申请' })).body.status).toBe('cancelled');
  });
});

describe('the to-do box', () => {
  it('holds what waits for the caller: the centre its pre-reviews, the applicant returned requests', async () => {
    const x = await atCentre();
    expect((await c.centre.get('/api/v1/consultations?box=todo')).body.items.map((i: any) => i.id)).toContain(x.id);
    expect((await c.applicant.get('/api/v1/consultations?box=todo')).body.items.map((i: any) => i.id)).not.toContain(x.id);
    await act(c.centre, x.id, 'request_supplements', { version: x.version, supplements: ['肌钙蛋白'] });
    expect((await c.applicant.get('/api/v1/consultations?box=todo')).body.items.map((i: any) => i.id)).toContain(x.id);
    expect((await c.centre.get('/api/v1/consultations?box=todo')).body.items.map((i: any) => i.id)).not.toContain(x.id);
    // The applicant institution's other staff see it, but it is not on their to-do list.
    expect((await c.family.get(`/api/v1/consultations/${x.id}`)).status).toBe(200);
    expect((await c.family.get('/api/v1/consultations?box=todo')).body.items).toEqual([]);
  });
});

describe('live topics', () => {
  const callerOf = async (username: string): Promise<Caller> => {
    const u = await t.db.selectFrom('user_account as u').innerJoin('user_role as r', 'r.user_id', 'u.id')
      .select(['u.id', 'u.username', 'u.display_name', 'u.practitioner_id', 'u.patient_id', 'r.id as role_id', 'r.role', 'r.institution_id'])
      .where('u.username', '=', username).executeTakeFirstOrThrow();
    const role = { id: u.role_id, role: u.role as Caller['role']['role'], institutionId: u.institution_id, institutionName: null };
    return { userId: u.id, username: u.username, displayName: u.display_name, practitionerId: u.practitioner_id, patientId: u.patient_id, role, roles: [role], sessionId: 's', ip: '127.0.0.1' };
  };

  it('lets whoever may see a consultation follow it, and an institution’s staff follow its counts', async () => {
    const x = await atCentre();
    expect(await mayFollow(t.db, await callerOf('consult_coordinator'), `consultation:${x.id}`)).toBe(true);
    expect(await mayFollow(t.db, await callerOf('doctor_lower'), `consultation:${x.id}`)).toBe(true);
    expect(await mayFollow(t.db, await callerOf('prov_expert'), `consultation:${x.id}`)).toBe(false);
    expect(await mayFollow(t.db, await callerOf('prov_expert'), `consultation:${crypto.randomUUID()}`)).toBe(false);
    expect(await mayFollow(t.db, await callerOf('consult_coordinator'), `consultations:${w.upper.id}`)).toBe(true);
    expect(await mayFollow(t.db, await callerOf('doctor_lower'), `consultations:${w.upper.id}`)).toBe(false);
  });
});
