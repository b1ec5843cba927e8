/** The consultation video room: who may enter and when, presence, and signaling relayed over real WebSockets. */
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { iceServersFor } from '../realtime/room.js';
import { sessionCookie, WsClient } from '../realtime/testing.js';
import { makePractitioner, makeUser, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { makeRoomConsultation } from './room-fixtures.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let url: string;
let applicant: Client, expert: Client, coordinator: Client, outsider: Client;
const sockets: WsClient[] = [];

const connect = async (cookie: string) => { const c = await WsClient.connect(url, cookie); sockets.push(c); return c; };
const joined = (consultationId: string) => (f: { type: string; consultationId?: string }) => f.type === 'room.joined' && f.consultationId === consultationId;
const refused = (consultationId: string) => (f: { type: string; consultationId?: string }) => f.type === 'error' && f.consultationId === consultationId;

async function scheduled(o: { scheduledAt?: Date | null; status?: string; extraExperts?: { practitionerId: string; userId: string }[] } = {}) {
  return makeRoomConsultation(t.db, {
    patientId: w.patient.id, applicantId: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id,
    experts: [{ practitionerId: w.doctorP.id, userId: w.users.doctor.id, institutionId: w.upper.id },
      ...(o.extraExperts ?? []).map((e) => ({ ...e, institutionId: w.upper.id }))],
    scheduledAt: o.scheduledAt, status: o.status,
  });
}
const events = (id: string) => t.db.selectFrom('consultation_event').select(['action', 'user_id', 'from_status', 'to_status']).where('consultation_id', '=', id).orderBy('id').execute();
const presence = (id: string) => t.db.selectFrom('consultation_room_presence').select(['peer_id', 'user_id']).where('consultation_id', '=', id).execute();

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/ws`;
  applicant = await t.login('doctor_lower');
  expert = await t.login('doctor');
  coordinator = await t.login('consult_coordinator');
  outsider = await t.login('dept_head');
});
afterAll(async () => { for (const s of sockets) await s.close(); await t.close(); });

describe('GET /consultations/:id/room', () => {
  it('shows a participant the window, the people and the ICE servers; others are refused', async () => {
    const c = await scheduled();
    const res = await expert.get(`/api/v1/consultations/${c.id}/room`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ open: true, maxParticipants: 6, iceServers: [] });
    expect(new Date(res.body.opensAt).getTime()).toBe(c.scheduled_at!.getTime() - 30 * 60_000);
    expect(new Date(res.body.closesAt).getTime()).toBe(c.scheduled_at!.getTime() + 240 * 60_000);
    const sides = Object.fromEntries(res.body.participants.map((p: { userId: string; side: string }) => [p.userId, p.side]));
    expect(sides).toEqual({ [w.users.doctor_lower.id]: 'applicant', [w.users.doctor.id]: 'expert', [w.users.consult_coordinator.id]: 'centre' });
    expect((await coordinator.get(`/api/v1/consultations/${c.id}/room`)).status).toBe(200);
    expect((await applicant.get(`/api/v1/consultations/${c.id}/room`)).status).toBe(200);

    const no = await outsider.get(`/api/v1/consultations/${c.id}/room`);
    expect(no.status).toBe(403);
    expect(no.body.error.code).toBe('not_participant');
    expect((await expert.get(`/api/v1/consultations/${crypto.randomUUID()}/room`)).status).toBe(404);
    expect((await expert.get('/api/v1/consultations/not-a-uuid/room')).status).toBe(400);
  });

  it('answers 409 room_closed while no time is agreed, and open:false outside the window', async () => {
    const draft = await scheduled({ status: 'inviting', scheduledAt: null });
    const res = await applicant.get(`/api/v1/consultations/${draft.id}/room`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('room_closed');
    const later = await scheduled({ scheduledAt: new Date(Date.now() + 3 * 3_600_000) });
    expect((await applicant.get(`/api/v1/consultations/${later.id}/room`)).body).toMatchObject({ open: false });
  });

  it('an invited expert who has not accepted is not a participant', async () => {
    const p = await makePractitioner(t.db, w.upper.id, { name: '待定专家' });
    const u = await makeUser(t.db, 'room.invited', [{ role: 'doctor', institutionId: w.upper.id }], { practitionerId: p.id });
    const c = await makeRoomConsultation(t.db, {
      patientId: w.patient.id, applicantId: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id,
      experts: [{ practitionerId: p.id, userId: u.id, institutionId: w.upper.id, status: 'invited' }],
    });
    expect((await (await t.login('room.invited')).get(`/api/v1/consultations/${c.id}/room`)).status).toBe(403);
  });
});

describe('TURN REST credentials', () => {
  it('gives each user a time-limited username and the HMAC-SHA1 of it under the shared secret', () => {
    const config = loadConfig({ iceServers: [{ urls: 'stun:stun.example.org:3478' }], turnUrls: ['turn:turn.example.org:3478?transport=udp'], turnSecret: 's3cret', turnTtlSeconds: 600 });
    const servers = iceServersFor(config, 'u-1', 1_700_000_000_000);
    expect(servers[0]).toEqual({ urls: 'stun:stun.example.org:3478' });
    expect(servers[1]).toEqual({
      urls: ['turn:turn.example.org:3478?transport=udp'], username: '1700000600:u-1',
      credential: createHmac('sha1', 's3cret').update('1700000600:u-1').digest('base64'),
    });
    expect(iceServersFor(loadConfig({ iceServers: [], turnUrls: [], turnSecret: undefined }), 'u-1')).toEqual([]);
  });
});

describe('room signaling over /ws', () => {
  it('a participant joins and gets the peers; the others hear of it; a signal reaches its peer', async () => {
    const c = await scheduled();
    const a = await connect(applicant.cookie);
    a.send({ type: 'room.join', consultationId: c.id });
    const ja = await a.next(joined(c.id));
    expect(ja.peers).toEqual([]);

    const e = await connect(expert.cookie);
    e.send({ type: 'room.join', consultationId: c.id });
    const je = await e.next(joined(c.id));
    expect(je.peers).toEqual([{ peerId: ja.peerId, userId: w.users.doctor_lower.id, name: 'doctor_lower' }]);
    const heard = await a.next((f) => f.type === 'room.peer' && f.event === 'joined');
    expect(heard.peer).toEqual({ peerId: je.peerId, userId: w.users.doctor.id, name: 'doctor' });

    const offer = { sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } };
    e.send({ type: 'room.signal', consultationId: c.id, to: ja.peerId, data: offer });
    expect(await a.next((f) => f.type === 'room.signal')).toEqual({ type: 'room.signal', consultationId: c.id, from: je.peerId, data: offer });
    a.send({ type: 'room.signal', consultationId: c.id, to: je.peerId, data: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' } } });
    expect((await e.next((f) => f.type === 'room.signal')).from).toBe(ja.peerId);

    expect((await presence(c.id)).map((p) => p.user_id).sort()).toEqual([w.users.doctor.id, w.users.doctor_lower.id].sort());
    expect(await events(c.id)).toEqual([
      { action: 'room_join', user_id: w.users.doctor_lower.id, from_status: 'scheduled', to_status: 'scheduled' },
      { action: 'room_join', user_id: w.users.doctor.id, from_status: 'scheduled', to_status: 'scheduled' },
    ]);
    const audits = await t.db.selectFrom('audit_log').select(['action', 'patient_id']).where('object_id', '=', c.id).execute();
    expect(audits).toEqual([
      { action: 'consultation.room_join', patient_id: w.patient.id }, { action: 'consultation.room_join', patient_id: w.patient.id },
    ]);
    await a.close(); await e.close();
  });

  it('refuses a non-participant, an unknown consultation, and signals from a socket that has not joined', async () => {
    const c = await scheduled();
    const o = await connect(outsider.cookie);
    o.send({ type: 'room.join', consultationId: c.id });
    const err = await o.next(refused(c.id));
    expect(err).toMatchObject({ code: 'not_participant', zh: expect.stringContaining('不是本次会诊的参与者') });
    const unknown = crypto.randomUUID();
    o.send({ type: 'room.join', consultationId: unknown });
    expect((await o.next(refused(unknown))).code).toBe('not_participant');
    o.send({ type: 'room.signal', consultationId: c.id, to: 'someone', data: { sdp: {} } });
    expect((await o.next((f) => f.type === 'error' && f.code === 'not_joined')).consultationId).toBe(c.id);
    o.send({ type: 'room.join', consultationId: 'not-a-uuid' });
    expect((await o.next((f) => f.type === 'error' && f.code === 'bad_frame')).en).toBeTruthy();
    expect(await presence(c.id)).toEqual([]);
    expect(await events(c.id)).toEqual([]);
  });

  it('refuses to join outside the window around the agreed time, or before a time is agreed', async () => {
    const later = await scheduled({ scheduledAt: new Date(Date.now() + 2 * 3_600_000) });
    const a = await connect(applicant.cookie);
    a.send({ type: 'room.join', consultationId: later.id });
    const err = await a.next(refused(later.id));
    expect(err.code).toBe('room_closed');
    expect(new Date(err.opensAt).getTime()).toBe(later.scheduled_at!.getTime() - 30 * 60_000);
    expect(err.zh).toContain('开放时间');
    const past = await scheduled({ scheduledAt: new Date(Date.now() - 5 * 3_600_000) });
    a.send({ type: 'room.join', consultationId: past.id });
    expect((await a.next(refused(past.id))).code).toBe('room_closed');
    const cancelled = await scheduled({ status: 'cancelled' });
    a.send({ type: 'room.join', consultationId: cancelled.id });
    expect((await a.next(refused(cancelled.id))).code).toBe('room_closed');
    expect(await presence(later.id)).toEqual([]);
  });

  it('lets six in and refuses the seventh; a stale row of a dead process does not count', async () => {
    const extra = [];
    for (let i = 0; i < 4; i++) {
      const p = await makePractitioner(t.db, w.upper.id, { name: `专家${i}` });
      const u = await makeUser(t.db, `room.expert${i}`, [{ role: 'doctor', institutionId: w.upper.id }], { practitionerId: p.id });
      extra.push({ practitionerId: p.id, userId: u.id, cookie: await sessionCookie(t.db, t.config, u.id) });
    }
    const c = await scheduled({ extraExperts: extra });
    // A row left by a process that died without cleaning up: not refreshed for minutes.
    await t.db.insertInto('consultation_room_presence').values({ consultation_id: c.id, peer_id: 'dead-peer', user_id: extra[0]!.userId, seen_at: new Date(Date.now() - 10 * 60_000) }).execute();
    const cookies = [applicant.cookie, expert.cookie, coordinator.cookie, ...extra.map((e) => e.cookie)];
    const socks: WsClient[] = [];
    for (const cookie of cookies.slice(0, 6)) {
      const s = await connect(cookie);
      s.send({ type: 'room.join', consultationId: c.id });
      await s.next(joined(c.id));
      socks.push(s);
    }
    expect((await presence(c.id)).map((p) => p.peer_id)).not.toContain('dead-peer');
    expect((await events(c.id)).filter((e) => e.action === 'room_leave')).toHaveLength(1);
    const seventh = await connect(cookies[6]!);
    seventh.send({ type: 'room.join', consultationId: c.id });
    expect((await seventh.next(refused(c.id))).code).toBe('room_full');
    expect(await presence(c.id)).toHaveLength(6);
    // One leaves: now the seventh gets in.
    await socks[0]!.close();
    await socks[1]!.next((f) => f.type === 'room.peer' && f.event === 'left');
    seventh.send({ type: 'room.join', consultationId: c.id });
    expect((await seventh.next(joined(c.id))).peers).toHaveLength(5);
    for (const s of [...socks, seventh]) await s.close();
  });

  it('leaving (a frame, or closing the socket) removes the peer and tells the others', async () => {
    const c = await scheduled();
    const a = await connect(applicant.cookie), e = await connect(expert.cookie), k = await connect(coordinator.cookie);
    const ids: Record<string, string> = {};
    for (const [name, s] of [['a', a], ['e', e], ['k', k]] as const) {
      s.send({ type: 'room.join', consultationId: c.id });
      ids[name] = (await s.next(joined(c.id))).peerId;
    }
    e.send({ type: 'room.leave', consultationId: c.id });
    const left = await a.next((f) => f.type === 'room.peer' && f.event === 'left');
    expect(left.peer).toEqual({ peerId: ids.e, userId: w.users.doctor.id, name: 'doctor' });
    expect((await k.next((f) => f.type === 'room.peer' && f.event === 'left')).peer.peerId).toBe(ids.e);
    await a.close();
    const closed = await k.next((f) => f.type === 'room.peer' && f.event === 'left' && f.peer.peerId === ids.a);
    expect(closed.peer.userId).toBe(w.users.doctor_lower.id);
    expect((await presence(c.id)).map((p) => p.peer_id)).toEqual([ids.k]);
    expect((await events(c.id)).map((x) => x.action)).toEqual(['room_join', 'room_join', 'room_join', 'room_leave', 'room_leave']);
    // A signal to a peer that left goes nowhere (and the sender is not told who is where).
    k.send({ type: 'room.signal', consultationId: c.id, to: ids.a, data: { sdp: { type: 'offer', sdp: 'x' } } });
    k.send({ type: 'ping' });
    await k.next((f) => f.type === 'pong');
    await k.close(); await e.close();
  });

  it('does not relay a signal into another consultation’s room', async () => {
    const c1 = await scheduled(), c2 = await scheduled();
    const a = await connect(applicant.cookie), e = await connect(expert.cookie);
    a.send({ type: 'room.join', consultationId: c1.id });
    const pa = (await a.next(joined(c1.id))).peerId;
    e.send({ type: 'room.join', consultationId: c2.id });
    await e.next(joined(c2.id));
    e.send({ type: 'room.signal', consultationId: c2.id, to: pa, data: { sdp: { type: 'offer', sdp: 'x' } } });
    // The sender's frames are handled in order: once it has its pong the signal went wherever it would go.
    e.send({ type: 'ping' });
    await e.next((f) => f.type === 'pong');
    a.send({ type: 'ping' });
    await a.next((f) => f.type === 'pong');
    expect(a.frames.filter((f) => f.type === 'room.signal')).toEqual([]);
    await a.close(); await e.close();
  });
});
