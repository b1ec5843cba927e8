/**
 * Two server instances on one database (and, on PostgreSQL, two real server processes too), each with its own WebSocket server and its own database connections (on
 * PostgreSQL its own LISTEN connection): room frames for a peer connected to the other instance travel by NOTIFY,
 * including an SDP larger than a NOTIFY payload may be.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openDatabase, type DbHandle } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { buildApp } from '../http/app.js';
import { sessionCookie, WsClient } from '../realtime/testing.js';
import { makeWorld } from '../test/factories.js';
import { createDatabase, dbKind } from '../test/harness.js';
import { startServer, stopServer, type Server } from '../test/processes.js';
import { makeRoomConsultation } from './room-fixtures.js';

let database: Awaited<ReturnType<typeof createDatabase>>;
const handles: DbHandle[] = [];
const apps: FastifyInstance[] = [];
const urls: string[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'yl-room-'));
const sockets: WsClient[] = [];
let w: Awaited<ReturnType<typeof makeWorld>>;

beforeAll(async () => {
  database = await createDatabase();
  const first = await openDatabase(database.url ? { url: database.url } : { memory: true });
  await migrate(first.db);
  // PGlite is one process: both instances share it (each still LISTENs on its own); PostgreSQL: a handle each.
  const second = database.url ? await openDatabase({ url: database.url }) : first;
  handles.push(first, ...(second === first ? [] : [second]));
  const config = loadConfig({ logLevel: 'silent', seedDemo: false, dataDir, fileKey: 'a'.repeat(64), smtpUrl: undefined });
  for (const h of [first, second]) {
    const app = await buildApp(h, config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    apps.push(app);
    urls.push(`ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`);
  }
  w = await makeWorld(first.db);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) await s.close();
  for (const app of apps) await app.close();
  for (const h of handles) await h.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the video room across server instances', () => {
  it('relays signals (a large SDP too) and joins/leaves to a peer connected to the other instance', async () => {
    const db = handles[0]!.db;
    const c = await makeRoomConsultation(db, {
      patientId: w.patient.id, applicantId: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id,
      experts: [{ practitionerId: w.doctorP.id, userId: w.users.doctor.id, institutionId: w.upper.id }],
    });
    const config = apps[0]!.config;
    const a = await WsClient.connect(urls[0]!, await sessionCookie(db, config, w.users.doctor_lower.id));
    const e = await WsClient.connect(urls[1]!, await sessionCookie(db, config, w.users.doctor.id));
    sockets.push(a, e);
    a.send({ type: 'room.join', consultationId: c.id });
    const ja = await a.next((f) => f.type === 'room.joined');
    e.send({ type: 'room.join', consultationId: c.id });
    const je = await e.next((f) => f.type === 'room.joined');
    expect(je.peers.map((p: { peerId: string }) => p.peerId)).toEqual([ja.peerId]);
    expect((await a.next((f) => f.type === 'room.peer' && f.event === 'joined')).peer.peerId).toBe(je.peerId);

    // An offer with many codecs and candidates: about 28 KB, far above the 8000-byte NOTIFY limit; with Chinese text too.
    const sdp = `v=0\r\ns=会诊\r\n${Array.from({ length: 900 }, (_, i) => `a=rtpmap:${i} VP8/90000 专家`).join('\r\n')}\r\n`;
    expect(Buffer.byteLength(sdp)).toBeGreaterThan(20_000);
    e.send({ type: 'room.signal', consultationId: c.id, to: ja.peerId, data: { sdp: { type: 'offer', sdp } } });
    const got = await a.next((f) => f.type === 'room.signal');
    expect(got).toEqual({ type: 'room.signal', consultationId: c.id, from: je.peerId, data: { sdp: { type: 'offer', sdp } } });
    a.send({ type: 'room.signal', consultationId: c.id, to: je.peerId, data: { sdp: { type: 'answer', sdp: 'v=0\r\n' } } });
    expect((await e.next((f) => f.type === 'room.signal')).data.sdp.type).toBe('answer');

    await e.close();
    expect((await a.next((f) => f.type === 'room.peer' && f.event === 'left')).peer.peerId).toBe(je.peerId);
  });
});

describe.skipIf(dbKind !== 'postgres')('the video room across two real server processes', () => {
  let a: Server | undefined, b: Server | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'yl-room-mp-'));
  beforeAll(async () => {
    [a, b] = await Promise.all([startServer('A', database.url!, dir), startServer('B', database.url!, dir)]);
  }, 90_000);
  afterAll(async () => { await Promise.all([stopServer(a), stopServer(b)]); rmSync(dir, { recursive: true, force: true }); });

  it('relays an offer larger than a NOTIFY payload from a peer on process B to one on process A, and announces the leave', async () => {
    const db = handles[0]!.db;
    const c = await makeRoomConsultation(db, {
      patientId: w.patient.id, applicantId: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id,
      experts: [{ practitionerId: w.doctorP.id, userId: w.users.doctor.id, institutionId: w.upper.id }],
    });
    const config = apps[0]!.config;
    const onA = await WsClient.connect(`ws://127.0.0.1:${a!.port}/ws`, await sessionCookie(db, config, w.users.doctor_lower.id));
    const onB = await WsClient.connect(`ws://127.0.0.1:${b!.port}/ws`, await sessionCookie(db, config, w.users.doctor.id));
    sockets.push(onA, onB);
    onA.send({ type: 'room.join', consultationId: c.id });
    const ja = await onA.next((f) => f.type === 'room.joined');
    onB.send({ type: 'room.join', consultationId: c.id });
    expect((await onB.next((f) => f.type === 'room.joined')).peers.map((p: { peerId: string }) => p.peerId)).toEqual([ja.peerId]);
    const jb = await onA.next((f) => f.type === 'room.peer' && f.event === 'joined');
    const sdp = `v=0\r\n${Array.from({ length: 900 }, (_, i) => `a=candidate:${i} 1 udp 2122260223 127.0.0.1 ${40000 + i} typ host`).join('\r\n')}\r\n`;
    expect(sdp.length).toBeGreaterThan(8000);
    onB.send({ type: 'room.signal', consultationId: c.id, to: ja.peerId, data: { sdp: { type: 'offer', sdp } } });
    const got = await onA.next((f) => f.type === 'room.signal');
    expect(got).toEqual({ type: 'room.signal', consultationId: c.id, from: jb.peer.peerId, data: { sdp: { type: 'offer', sdp } } });
    await onB.close();
    expect((await onA.next((f) => f.type === 'room.peer' && f.event === 'left')).peer.peerId).toBe(jb.peer.peerId);
  });
});
