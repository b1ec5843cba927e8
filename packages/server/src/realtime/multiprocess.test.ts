/**
 * Two real server processes on one PostgreSQL database: a message sent through one process's REST API reaches a
 * WebSocket connected to the other (LISTEN/NOTIFY carries it). PostgreSQL runs only — PGlite is one process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { makeWorld } from '../test/factories.js';
import { createDatabase, dbKind, TEST_PASSWORD } from '../test/harness.js';
import { startServer, stopServer, type Server } from '../test/processes.js';
import { WsClient } from './testing.js';

async function signIn(s: Server, username: string): Promise<string> {
  const res = await fetch(`${s.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: TEST_PASSWORD }) });
  expect(res.status, `${username} on ${s.name}`).toBe(200);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

async function call(s: Server, cookie: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.base}${path}`, { method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() as any };
}

describe.skipIf(dbKind !== 'postgres')('several server processes on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let handle: DbHandle;
  let w: Awaited<ReturnType<typeof makeWorld>>;
  let a: Server | undefined, b: Server | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'yl-mp-'));
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    database = await createDatabase();
    handle = await openDatabase({ url: database.url! });
    await migrate(handle.db);
    w = await makeWorld(handle.db);
    [a, b] = await Promise.all([startServer('A', database.url!, dataDir), startServer('B', database.url!, dataDir)]);
  });

  afterAll(async () => {
    for (const s of sockets) await s.close().catch(() => {});
    await Promise.all([stopServer(a), stopServer(b)]);
    await handle?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a message sent through process A reaches a socket on process B, and back', async () => {
    const [cookieA, cookieB] = [await signIn(a!, 'doctor'), await signIn(b!, 'doctor_lower')];
    const onA = await WsClient.connect(`ws://127.0.0.1:${a!.port}/ws`, cookieA);
    const onB = await WsClient.connect(`ws://127.0.0.1:${b!.port}/ws`, cookieB);
    sockets.push(onA, onB);

    const thread = await call(a!, cookieA, 'POST', '/api/v1/threads', { kind: 'direct', userIds: [w.users.doctor_lower.id] });
    expect(thread.status).toBe(201);
    const sent = await call(a!, cookieA, 'POST', `/api/v1/threads/${thread.body.id}/messages`, { kind: 'text', body: '经 A 进程发送', clientId: 'mp-1' });
    expect(sent.status).toBe(201);
    const arrived = await onB.next((f) => f.type === 'event' && f.event.type === 'message.created' && f.event.data.id === sent.body.message.id);
    expect(arrived.event.data).toMatchObject({ body: '经 A 进程发送', senderId: w.users.doctor.id, threadId: thread.body.id });
    await onB.next((f) => f.type === 'event' && f.event.type === 'notification.created');

    const reply = await call(b!, cookieB, 'POST', `/api/v1/threads/${thread.body.id}/messages`, { kind: 'text', body: '经 B 进程回复', clientId: 'mp-2', replyTo: sent.body.message.id });
    expect(reply.status).toBe(201);
    const back = await onA.next((f) => f.type === 'event' && f.event.type === 'message.created' && f.event.data.id === reply.body.message.id);
    expect(back.event.data.reply).toMatchObject({ id: sent.body.message.id });

    // A client retrying through the other process gets the same message, not a second one.
    const retry = await call(b!, await signIn(b!, 'doctor'), 'POST', `/api/v1/threads/${thread.body.id}/messages`, { kind: 'text', body: '经 A 进程发送', clientId: 'mp-1' });
    expect(retry.status).toBe(200);
    expect(retry.body.message.id).toBe(sent.body.message.id);
    const count = await handle.db.selectFrom('message').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
  });

  it('each outbound message is sent by exactly one process', async () => {
    await handle.db.updateTable('user_account').set({ phone: '13900001111' }).where('id', '=', w.users.dept_head.id).execute();
    const admin = await signIn(a!, 'consortium_admin');
    for (let i = 0; i < 5; i++)
      expect((await call(i % 2 ? a! : b!, admin, 'POST', `/api/v1/users/${w.users.dept_head.id}/reset-password`, { password: `Brand-new-pass-${i}` })).status).toBe(200);
    const deadline = Date.now() + 10_000;
    let rows: { status: string; attempts: number }[] = [];
    while (Date.now() < deadline) {
      rows = await handle.db.selectFrom('outbound_message').select(['status', 'attempts']).where('recipient', '=', '13900001111').execute();
      if (rows.length === 5 && rows.every((r) => r.status === 'recorded')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array(5).fill(['recorded', 1]));
  });
});
