/**
 * Real-time fan-out: C WebSocket clients, all participants of one case thread; a sender posts M messages through
 * the HTTP API, and every client timestamps the `message.created` event. Latency = receipt − the moment the send
 * request started (same machine, same clock). Each message is a real send: one transaction writing the message,
 * C event-log rows and C−1 notifications, then LISTEN/NOTIFY fan-out.
 *
 *   npm run bench -- realtime [--clients 1000] [--messages 40] [--gap 100] [--db pglite|postgres|both] [--procs 1|2]
 *
 * The server runs as its own process(es) (`node packages/server/src/main.ts`, as in production), so the 1,000 client
 * sockets in this process do not share its event loop. PGlite: the data directory is prepared here, closed, then
 * opened by the one server process. --procs 2 (PostgreSQL only) starts two server processes on the same database
 * and connects half of the clients to each; the sender uses the first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import pg from 'pg';
import { loadConfig } from '../packages/server/src/config.js';
import { openDatabase, type DbHandle } from '../packages/server/src/db/database.js';
import { migrate } from '../packages/server/src/db/migrate.js';
import { sessionCookie, WsClient } from '../packages/server/src/realtime/testing.js';

interface Options { clients: number; messages: number; gapMs: number; dbs: ('pglite' | 'postgres')[]; procs: number }

function parseArgs(args: string[]): Options {
  const o: Options = { clients: 1000, messages: 40, gapMs: 100, dbs: ['pglite', 'postgres'], procs: 1 };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, v] = [args[i], args[i + 1]];
    if (flag === '--clients') o.clients = Number(v);
    else if (flag === '--messages') o.messages = Number(v);
    else if (flag === '--gap') o.gapMs = Number(v);
    else if (flag === '--procs') o.procs = Number(v);
    else if (flag === '--db') o.dbs = v === 'both' ? ['pglite', 'postgres'] : [v as 'pglite' | 'postgres'];
    else throw new Error(`unknown argument ${flag}`);
  }
  return o;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const baseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

/** Users, their sessions and the thread, written straight into the database (no argon2 per user). */
async function populate(handle: DbHandle, clients: number) {
  const db = handle.db;
  const inst = await db.insertInto('institution').values({ code: 'BENCH', name: '压测医院', level: '3', grade: '甲', type: 'general_hospital', region_code: '330521' }).returning('id').executeTakeFirstOrThrow();
  const ids: string[] = [];
  for (let i = 0; i <= clients; i += 500) {
    const rows = Array.from({ length: Math.min(500, clients + 1 - i) }, (_, k) => ({ username: `bench${i + k}`, display_name: `压测${i + k}`, password_hash: 'x' }));
    ids.push(...(await db.insertInto('user_account').values(rows).returning('id').execute()).map((r) => r.id));
  }
  for (let i = 0; i < ids.length; i += 500)
    await db.insertInto('user_role').values(ids.slice(i, i + 500).map((id) => ({ user_id: id, role: 'doctor', institution_id: inst.id }))).execute();
  const thread = await db.insertInto('thread').values({ kind: 'case', case_type: 'consultation', case_id: randomUUID(), title: '压测会诊', created_by: ids[0]! }).returning('id').executeTakeFirstOrThrow();
  for (let i = 0; i < ids.length; i += 500)
    await db.insertInto('thread_participant').values(ids.slice(i, i + 500).map((id) => ({ thread_id: thread.id, user_id: id }))).execute();
  return { sender: ids[0]!, receivers: ids.slice(1), threadId: thread.id };
}

async function startChild(db: { url?: string; dataDir?: string }, fileDir: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    env: { ...process.env, DATABASE_URL: db.url ?? '', DATA_DIR: db.dataDir ?? fileDir, FILE_KEY: randomBytes(32).toString('hex'), PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn' }, stdio: 'ignore',
  });
  for (let i = 0; i < 150; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { port, child }; } catch { /* starting */ }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error('server process did not start');
}

async function runOne(kind: 'pglite' | 'postgres', o: Options) {
  const config = loadConfig({ logLevel: 'silent', seedDemo: false });
  let dbName: string | undefined, url: string | undefined;
  if (kind === 'postgres') {
    dbName = `yl_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: baseUrl }); await admin.connect(); await admin.query(`CREATE DATABASE ${dbName}`); await admin.end();
    const u = new URL(baseUrl); u.pathname = `/${dbName}`; url = u.toString();
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'yl-bench-rt-'));
  const dataDir = kind === 'pglite' ? join(dir, 'db') : undefined;
  const handle = await openDatabase(url ? { url } : { dataDir });
  await migrate(handle.db);
  const { sender, receivers, threadId } = await populate(handle, o.clients);
  const cookies: string[] = [];
  for (const u of [sender, ...receivers]) cookies.push(await sessionCookie(handle.db, config, u));
  if (kind === 'pglite') await handle.close(); // the server process opens the data directory next
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < o.procs; i++) { const c = await startChild({ url, dataDir }, dir); ports.push(c.port); children.push(c.child); }
    const t0 = Date.now();
    const sockets: WsClient[] = [];
    for (let i = 0; i < receivers.length; i += 100)
      sockets.push(...(await Promise.all(receivers.slice(i, i + 100).map((_, k) => WsClient.connect(`ws://127.0.0.1:${ports[(i + k) % ports.length]}/ws`, cookies[i + k + 1])))));
    const connectMs = Date.now() - t0;
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const sendLatencies: number[] = [];
    let received = 0;
    for (const s of sockets)
      s.ws.on('message', (raw) => {
        const f = JSON.parse(raw.toString());
        if (f.type === 'event' && f.event.type === 'message.created') {
          const start = sentAt.get(f.event.data.body);
          if (start !== undefined) { latencies.push(performance.now() - start); received++; }
        }
      });
    const senderUrl = `http://127.0.0.1:${ports[0]}/api/v1/threads/${threadId}/messages`;
    const started = performance.now();
    for (let m = 0; m < o.messages; m++) {
      const body = `bench message ${m}`;
      const s = performance.now();
      sentAt.set(body, s);
      const res = await fetch(senderUrl, { method: 'POST', headers: { 'content-type': 'application/json', cookie: cookies[0]! }, body: JSON.stringify({ kind: 'text', body, clientId: randomUUID() }) });
      if (res.status !== 201) throw new Error(`send failed: ${res.status} ${await res.text()}`);
      sendLatencies.push(performance.now() - s);
      await sleep(o.gapMs);
    }
    const expected = o.messages * receivers.length;
    for (let i = 0; i < 600 && received < expected; i++) await sleep(100);
    const elapsed = (performance.now() - started) / 1000;
    for (const s of sockets) s.ws.close();
    return {
      db: kind, procs: ports.length, clients: receivers.length, messages: o.messages, connectMs,
      delivered: `${received}/${expected}`, deliveriesPerSec: Math.round(received / elapsed),
      sendP50: pct(sendLatencies, 50), sendP95: pct(sendLatencies, 95),
      p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99), max: Math.max(...latencies),
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    if (kind === 'postgres') await handle.close();
    await sleep(300);
    rmSync(dir, { recursive: true, force: true });
    if (dbName) {
      await sleep(500);
      const admin = new pg.Client({ connectionString: baseUrl }); await admin.connect(); await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`); await admin.end();
    }
  }
}

export async function run(args: string[]) {
  const o = parseArgs(args);
  console.log(`realtime fan-out: ${o.clients} clients in one thread, ${o.messages} messages ${o.gapMs} ms apart; ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}`);
  const rows = [];
  for (const kind of o.dbs) {
    if (kind === 'pglite' && o.procs > 1) { console.log('PGlite is one process: --procs applies to PostgreSQL only; running 1 process'); }
    rows.push(await runOne(kind, { ...o, procs: kind === 'pglite' ? 1 : o.procs }));
  }
  const f = (x: number) => x.toFixed(1);
  console.log('\n| database | processes | clients | delivered | deliveries/s | send p50/p95 ms | fan-out p50 / p95 / p99 / max ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${r.db} | ${r.procs} | ${r.clients} | ${r.delivered} | ${r.deliveriesPerSec} | ${f(r.sendP50)} / ${f(r.sendP95)} | ${f(r.p50)} / ${f(r.p95)} / ${f(r.p99)} / ${f(r.max)} |`);
}
