/**
 * Booking under load (issue 4), through the HTTP API of a server running as its own process (`main.ts`):
 *
 * 1. Release burst — C clients (default 1,000) all fire `POST /api/v1/scheduling/appointments` (each with its own
 *    Idempotency-Key and patient) at the same moment at S open slots (default 100, 10 contenders per slot).
 *    Reports bookings/s, p50/p95/p99 of all requests, the 201 / 409 slot_full counts, and afterwards checks in the
 *    database that nothing is overbooked (no slot with two live appointments, exactly S live appointments, S busy).
 * 2. Sustained — N clients (default 32) book distinct free slots back to back for T seconds (default 20).
 *    On PostgreSQL the same run then runs `pgbench -N` (same client count, -j 2, same seconds) on a throwaway
 *    database of the same server and prints bookings/s ÷ pgbench TPS. PGlite has no pgbench: its bookings/s is set
 *    against the PostgreSQL pgbench of the same run (when there is one).
 * 3. --profile (PostgreSQL): the same booking service call (`book()`, no HTTP, no session lookup) run in this
 *    process over an instrumented pool that times every statement of every transaction, to show where a booking
 *    spends its time and how long it holds an audit chain's advisory lock (727002, chain).
 *
 *   npm run bench -- booking [--db pglite|postgres|both] [--clients 1000] [--slots 100] [--accounts 10]
 *                            [--sustained-clients 32] [--seconds 20] [--sustained-slots 40000] [--profile] [--pool N]
 *
 * --pool N sets the server's DB_POOL_SIZE (PostgreSQL; default 20 as in production).
 *
 * Clients sign in as booking staff (doctors of a township hospital, sessions written straight into the database)
 * and book public slots of a tertiary hospital for patients who each have an app account with a mobile number, so
 * the booking also writes the patient's 预约成功 notification and its queued SMS — the full production path.
 * The client side uses node:http with a keep-alive agent whose sockets are opened before the burst.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { makeResidentId, nameSearchKeys } from '@yilian/core';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { resolveSession } from '../packages/server/src/auth/session.js';
import { loadConfig } from '../packages/server/src/config.js';
import { openDatabase, type Db, type DbHandle } from '../packages/server/src/db/database.js';
import type { Database } from '../packages/server/src/db/schema.js';
import { migrate } from '../packages/server/src/db/migrate.js';
import { sessionCookie } from '../packages/server/src/realtime/testing.js';
import { book } from '../packages/server/src/scheduling/scheduling.js';

type Kind = 'pglite' | 'postgres';
interface Options {
  dbs: Kind[]; clients: number; slots: number; accounts: number;
  sustainedClients: number; seconds: number; sustainedSlots: number; profile: boolean; pool?: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = { dbs: ['pglite', 'postgres'], clients: 1000, slots: 100, accounts: 10, sustainedClients: 32, seconds: 20, sustainedSlots: 40_000, profile: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, v] = [args[i], args[i + 1]];
    if (flag === '--profile') { o.profile = true; continue; }
    i++;
    if (flag === '--db') o.dbs = v === 'both' ? ['pglite', 'postgres'] : [v as Kind];
    else if (flag === '--clients') o.clients = Number(v);
    else if (flag === '--slots') o.slots = Number(v);
    else if (flag === '--accounts') o.accounts = Number(v);
    else if (flag === '--sustained-clients') o.sustainedClients = Number(v);
    else if (flag === '--seconds') o.seconds = Number(v);
    else if (flag === '--sustained-slots') o.sustainedSlots = Number(v);
    else if (flag === '--pool') o.pool = Number(v);
    else throw new Error(`unknown argument ${flag}`);
  }
  if (o.dbs.some((d) => d !== 'pglite' && d !== 'postgres')) throw new Error('--db pglite|postgres|both');
  return o;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN; };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const baseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const urlFor = (dbName: string) => { const u = new URL(baseUrl); u.pathname = `/${dbName}`; return u.toString(); };
const run$ = promisify(execFile);

async function adminQuery(q: string) {
  const c = new pg.Client({ connectionString: baseUrl }); await c.connect();
  try { await c.query(q); } finally { await c.end(); }
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in clock ticks (100 per second)
  } catch { return NaN; }
}
/** Busy share of all cores of the machine between two /proc/stat readings. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!; const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// ——— data ———

interface World { cookies: string[]; tokens: string[]; burstSlots: string[]; sustainedSlots: string[]; burstPatients: string[]; patients: string[] }

async function insertPatients(db: Db, n: number, offset: number, withAccounts: boolean): Promise<string[]> {
  const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
  const given = '建国秀英文华志强桂兰明丽军红伟芳晓静海燕春梅';
  const ids: string[] = [];
  for (let i = 0; i < n; i += 500) {
    const rows = Array.from({ length: Math.min(500, n - i) }, (_, k) => {
      const m = offset + i + k;
      const name = surnames[m % surnames.length]! + given[(m * 7) % given.length]! + given[(m * 13 + 3) % given.length]!;
      const birth = new Date(Date.UTC(1940, 0, 1) + (m % 25_000) * 86_400_000).toISOString().slice(0, 10);
      const sex = m % 2 ? 'male' as const : 'female' as const;
      const keys = nameSearchKeys(name);
      return { name, name_pinyin: keys.pinyin, name_initials: keys.initials, sex, birth_date: birth,
        resident_id: makeResidentId('330521', birth, sex, Math.floor(m / 25_000)), phone: `13${String(900_000_000 + m).slice(-9)}` };
    });
    const inserted = await db.insertInto('patient').values(rows).returning(['id', 'phone']).execute();
    ids.push(...inserted.map((r) => r.id));
    if (withAccounts)
      await db.insertInto('user_account').values(inserted.map((p, k) => ({
        username: `bench_p${offset + i + k}`, display_name: `患者${offset + i + k}`, password_hash: 'x', patient_id: p.id, phone: p.phone,
      }))).execute();
  }
  return ids;
}

async function insertSlots(db: Db, institutionId: string, resources: number, perResource: number, category: 'expert' | 'specialist', examType: 'MRI' | 'CT'): Promise<string[]> {
  const base = Math.ceil(Date.now() / 1_800_000) * 1_800_000 + 86_400_000;
  const opensAt = new Date(Date.now() - 60_000); // released: open now
  const ids: string[] = [];
  for (let r = 0; r < resources; r++) {
    const res = await db.insertInto('schedule_resource').values({ institution_id: institutionId, kind: 'exam', exam_type: examType, name: `${examType}-${category}-${r + 1}` })
      .returning('id').executeTakeFirstOrThrow();
    for (let i = 0; i < perResource; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, perResource - i) }, (_, k) => {
        const s = base + (i + k) * 1_800_000;
        return { resource_id: res.id, starts_at: new Date(s), ends_at: new Date(s + 1_800_000), category, pool: 'public' as const, opens_at: opensAt };
      });
      ids.push(...(await db.insertInto('slot').values(rows).returning('id').execute()).map((x) => x.id));
    }
  }
  return ids;
}

async function populate(handle: DbHandle, o: Options): Promise<World> {
  const db = handle.db;
  const config = loadConfig({ logLevel: 'silent', seedDemo: false });
  const upper = await db.insertInto('institution').values({ code: 'BENCH3', name: '压测市人民医院', level: '3', grade: '甲', type: 'general_hospital', region_code: '330521' }).returning('id').executeTakeFirstOrThrow();
  const lower = await db.insertInto('institution').values({ code: 'BENCH1', name: '压测镇卫生院', level: '1', grade: null, type: 'township_hospital', region_code: '330521' }).returning('id').executeTakeFirstOrThrow();
  const cookies: string[] = [], tokens: string[] = [];
  for (let i = 0; i < o.accounts; i++) {
    const u = await db.insertInto('user_account').values({ username: `bench_doc${i}`, display_name: `乡医${i}`, password_hash: 'x' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('user_role').values({ user_id: u.id, role: 'doctor', institution_id: lower.id }).execute();
    const c = await sessionCookie(db, config, u.id);
    cookies.push(c); tokens.push(c.split('=')[1]!);
  }
  const burstPatients = await insertPatients(db, o.clients, 0, true);
  const patients = await insertPatients(db, 5000, o.clients, true);
  const burstSlots = await insertSlots(db, upper.id, 10, Math.ceil(o.slots / 10), 'expert', 'MRI').then((s) => s.slice(0, o.slots));
  const perRes = 200;
  const sustainedSlots = await insertSlots(db, upper.id, Math.ceil(o.sustainedSlots / perRes), perRes, 'specialist', 'CT');
  await sql`ANALYZE`.execute(db);
  return { cookies, tokens, burstSlots, sustainedSlots: sustainedSlots.slice(0, o.sustainedSlots), burstPatients, patients };
}

// ——— HTTP client ———

interface Result { status: number; code?: string; ms: number; end: number }

function post(agent: http.Agent, port: number, path: string, cookie: string, body: unknown, key: string): Promise<Result> {
  const payload = JSON.stringify(body);
  const start = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ agent, host: '127.0.0.1', port, path, method: 'POST', headers: {
      'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), cookie, 'idempotency-key': key,
    } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const end = performance.now();
        let code: string | undefined;
        if (res.statusCode !== 201) { try { code = JSON.parse(Buffer.concat(chunks).toString()).error?.code; } catch { code = 'unparsable'; } }
        resolve({ status: res.statusCode ?? 0, code, ms: end - start, end });
      });
    });
    req.on('error', (e) => { const end = performance.now(); resolve({ status: 0, code: e.message, ms: end - start, end }); });
    req.end(payload);
  });
}

function get(agent: http.Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    http.get({ agent, host: '127.0.0.1', port, path }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', () => resolve(0));
  });
}

async function startServer(db: { url?: string; dataDir?: string }, fileDir: string, pool?: number): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    env: { ...process.env, DATABASE_URL: db.url ?? '', DATA_DIR: db.dataDir ?? fileDir, FILE_KEY: randomBytes(32).toString('hex'), PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', ...(pool ? { DB_POOL_SIZE: String(pool) } : {}) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 150; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { port, child }; } catch { /* starting */ }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error('server process did not start');
}

const BOOK = '/api/v1/scheduling/appointments';

async function burst(port: number, w: World, o: Options, serverPid: number, sampleUrl?: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.clients, maxFreeSockets: o.clients });
  // Open every socket before the release (1,000 concurrent GET /readyz), so the burst pays no TCP handshakes.
  await Promise.all(Array.from({ length: o.clients }, () => get(agent, port, '/readyz')));
  const open = Object.values(agent.freeSockets).reduce((a, s) => a + (s?.length ?? 0), 0);
  // A few bookings elsewhere first, so the first burst requests do not pay for cold caches and JIT.
  for (let i = 0; i < 20; i++) await post(agent, port, BOOK, w.cookies[i % w.cookies.length]!, { slotId: w.sustainedSlots.at(-1 - i), patientId: w.patients[i] }, randomUUID());
  await sleep(500);
  const requests = w.burstPatients.map((patientId, i) => ({
    cookie: w.cookies[i % w.cookies.length]!, body: { slotId: w.burstSlots[i % w.burstSlots.length], patientId }, key: randomUUID(),
  }));
  const loop = monitorEventLoopDelay({ resolution: 1 }); loop.enable();
  const sampler = sampleUrl ? activitySampler(sampleUrl) : undefined;
  const cpu0 = process.cpuUsage(), srv0 = cpuSeconds(serverPid), m0 = machineTicks();
  const release = performance.now();
  const pending = requests.map((r) => post(agent, port, BOOK, r.cookie, r.body, r.key));
  const dispatchMs = performance.now() - release;
  const results = await Promise.all(pending);
  const done = performance.now();
  loop.disable();
  const cpu = process.cpuUsage(cpu0), m1 = machineTicks();
  const activity = await sampler?.stop();
  agent.destroy();
  const ok = results.filter((r) => r.status === 201);
  const full = results.filter((r) => r.status === 409 && r.code === 'slot_full');
  const other = results.filter((r) => r.status !== 201 && !(r.status === 409 && r.code === 'slot_full'));
  const durationS = (done - release) / 1000;
  const lastOk = Math.max(...ok.map((r) => r.end)) - release;
  return {
    socketsOpen: open, requests: results.length, ok: ok.length, full: full.length,
    other: other.length ? Object.entries(other.reduce<Record<string, number>>((a, r) => { const k = `${r.status} ${r.code}`; a[k] = (a[k] ?? 0) + 1; return a; }, {})).map(([k, v]) => `${v}× ${k}`).join(', ') : '',
    durationMs: done - release, lastOkMs: lastOk, bookingsPerSec: ok.length / durationS,
    p50: pct(results.map((r) => r.ms), 50), p95: pct(results.map((r) => r.ms), 95), p99: pct(results.map((r) => r.ms), 99), max: Math.max(...results.map((r) => r.ms)),
    okP50: pct(ok.map((r) => r.ms), 50), fullP50: pct(full.map((r) => r.ms), 50),
    dispatchMs, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6,
    clientCpuPct: ((cpu.user + cpu.system) / 1e3) / (done - release) * 100,
    serverCpuPct: (cpuSeconds(serverPid) - srv0) / durationS * 100,
    machineBusyPct: (m1.busy - m0.busy) / (m1.total - m0.total) * 100, activity,
  };
}

async function sustained(port: number, w: World, o: Options, serverPid: number, sampleUrl?: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.sustainedClients, maxFreeSockets: o.sustainedClients });
  let next = 0;
  const slots = w.sustainedSlots.slice(0, -20); // the last 20 served the burst warm-up
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let ok = 0, ranOut = false;
  const sampler = sampleUrl ? activitySampler(sampleUrl) : undefined;
  const cpu0 = process.cpuUsage(), srv0 = cpuSeconds(serverPid), m0 = machineTicks();
  const start = performance.now();
  const deadline = start + o.seconds * 1000;
  await Promise.all(Array.from({ length: o.sustainedClients }, async (_, c) => {
    const cookie = w.cookies[c % w.cookies.length]!;
    while (performance.now() < deadline) {
      const i = next++;
      if (i >= slots.length) { ranOut = true; return; }
      const r = await post(agent, port, BOOK, cookie, { slotId: slots[i], patientId: w.patients[i % w.patients.length] }, randomUUID());
      latencies.push(r.ms);
      if (r.status === 201) ok++; else { const k = `${r.status} ${r.code}`; failures[k] = (failures[k] ?? 0) + 1; }
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0), m1 = machineTicks();
  const activity = await sampler?.stop();
  agent.destroy();
  return {
    clients: o.sustainedClients, seconds: elapsed, ok, ranOut, failures: Object.entries(failures).map(([k, v]) => `${v}× ${k}`).join(', '),
    bookingsPerSec: ok / elapsed, p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99),
    clientCpuPct: ((cpu.user + cpu.system) / 1e6) / elapsed * 100, serverCpuPct: (cpuSeconds(serverPid) - srv0) / elapsed * 100,
    machineBusyPct: (m1.busy - m0.busy) / (m1.total - m0.total) * 100, activity,
  };
}

/** After the server stopped (PGlite) or while it runs (PostgreSQL): nothing overbooked, counts add up. */
async function verify(db: Db, w: World, burstOk: number, sustainedOk: number) {
  const r = await sql<{ overbooked: string; live: string; busy: string; sust_live: string; sust_overbooked: string }>`
    WITH live AS (SELECT slot_id, count(*) AS n FROM appointment WHERE status IN ('booked','checked_in','completed') GROUP BY slot_id)
    SELECT (SELECT count(*) FROM live WHERE n > 1 AND slot_id = ANY(${w.burstSlots}::uuid[])) AS overbooked,
           (SELECT coalesce(sum(n), 0) FROM live WHERE slot_id = ANY(${w.burstSlots}::uuid[])) AS live,
           (SELECT count(*) FROM slot WHERE status = 'busy' AND id = ANY(${w.burstSlots}::uuid[])) AS busy,
           (SELECT coalesce(sum(n), 0) FROM live WHERE NOT slot_id = ANY(${w.burstSlots}::uuid[])) AS sust_live,
           (SELECT count(*) FROM live WHERE n > 1) AS sust_overbooked`.execute(db);
  const x = r.rows[0]!;
  const res = { overbooked: Number(x.overbooked), live: Number(x.live), busy: Number(x.busy), sustainedLive: Number(x.sust_live), anyOverbooked: Number(x.sust_overbooked) };
  const good = res.overbooked === 0 && res.anyOverbooked === 0 && res.live === w.burstSlots.length && res.busy === w.burstSlots.length
    && burstOk === w.burstSlots.length && res.sustainedLive === sustainedOk + 20;
  return { ...res, good };
}

// ——— where the server's connections are (PostgreSQL, --profile) ———

/**
 * Samples pg_stat_activity + pg_locks of the bench database every `everyMs`: which connection holds the audit
 * chains' advisory locks (727002, chain) and what it is doing (running a statement, or idle in transaction = waiting for the
 * Node server to send the next statement), and what every other connection waits for.
 */
function activitySampler(url: string, everyMs = 20) {
  const counts: Record<string, number> = {};
  let samples = 0, heldSamples = 0, stop = false;
  const client = new pg.Client({ connectionString: url });
  const done = (async () => {
    await client.connect();
    while (!stop) {
      const r = await client.query<{ state: string | null; wet: string | null; we: string | null; holds: boolean }>(`
        SELECT a.state, a.wait_event_type AS wet, a.wait_event AS we,
               EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.classid = 727002 AND l.objsubid = 2 AND l.granted) AS holds
        FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'`);
      samples++;
      if (r.rows.some((x) => x.holds)) heldSamples++;
      for (const x of r.rows) {
        const what = x.state === 'idle' ? 'idle (in the pool)'
          : x.state === 'idle in transaction' ? 'idle in transaction (waiting for Node)'
          : x.wet === 'Lock' && x.we === 'advisory' ? 'waiting for a chain lock (727002, n)'
          : x.wet === 'Lock' ? `waiting for a row lock (${x.we})`
          : x.wet ? `running, waiting on ${x.wet}:${x.we}` : 'running (on CPU)';
        const k = `${x.holds ? 'HOLDER ' : ''}${what}`;
        counts[k] = (counts[k] ?? 0) + 1;
      }
      await sleep(everyMs);
    }
    await client.end();
  })();
  return {
    async stop() {
      stop = true; await done;
      return { samples, heldShare: heldSamples / (samples || 1), perSample: Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / (samples || 1)] as [string, number]) };
    },
  };
}
type Activity = Awaited<ReturnType<ReturnType<typeof activitySampler>['stop']>>;

// ——— pgbench ———

async function pgbench(clients: number, seconds: number): Promise<{ tps: number; latencyMs: number }> {
  const bin = ['/usr/lib/postgresql/15/bin/pgbench', 'pgbench'].find((b) => { try { return b === 'pgbench' || readFileSync(b).length > 0; } catch { return false; } })!;
  const name = `yl_pgbench_${randomBytes(5).toString('hex')}`;
  const u = new URL(baseUrl);
  const env = { ...process.env, PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username || 'postgres'), PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: name };
  await adminQuery(`CREATE DATABASE ${name}`);
  try {
    await run$(bin, ['-i', '-s', '10', '-q'], { env, maxBuffer: 1 << 24 });
    const { stdout } = await run$(bin, ['-N', '-c', String(clients), '-j', '2', '-T', String(seconds)], { env, maxBuffer: 1 << 24 });
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? /tps = ([\d.]+)/.exec(stdout)?.[1]);
    const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1]);
    return { tps, latencyMs };
  } finally { await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); }
}

// ——— one database ———

async function runOne(kind: Kind, o: Options) {
  let dbName: string | undefined, url: string | undefined;
  if (kind === 'postgres') { dbName = `yl_bench_${randomBytes(5).toString('hex')}`; await adminQuery(`CREATE DATABASE ${dbName}`); url = urlFor(dbName); }
  const dir = mkdtempSync(join(os.tmpdir(), 'yl-bench-book-'));
  const dataDir = kind === 'pglite' ? join(dir, 'db') : undefined;
  let handle: DbHandle | undefined;
  let child: ChildProcess | undefined;
  try {
    handle = await openDatabase(url ? { url } : { dataDir });
    await migrate(handle.db);
    const t0 = Date.now();
    const w = await populate(handle, o);
    console.log(`  ${kind}: ${o.accounts} staff accounts, ${w.burstPatients.length + w.patients.length} patients with accounts, ${w.burstSlots.length} burst slots, ${w.sustainedSlots.length} sustained slots (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    if (kind === 'pglite') { await handle.close(); handle = undefined; } // the server process opens the data directory next
    const server = await startServer({ url, dataDir }, dir, o.pool);
    child = server.child;
    const sampleUrl = o.profile ? url : undefined;
    const b = await burst(server.port, w, o, child.pid!, sampleUrl);
    console.log(`  ${kind} burst: ${b.ok} × 201, ${b.full} × 409 slot_full${b.other ? `, ${b.other}` : ''} in ${b.durationMs.toFixed(0)} ms`);
    const s = await sustained(server.port, w, o, child.pid!, sampleUrl);
    console.log(`  ${kind} sustained: ${s.ok} bookings in ${s.seconds.toFixed(1)} s${s.ranOut ? ' (ran out of slots)' : ''}${s.failures ? `; failures: ${s.failures}` : ''}`);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;
    handle ??= await openDatabase({ dataDir });
    const v = await verify(handle.db, w, b.ok, s.ok);
    let bench: { tps: number; latencyMs: number } | undefined;
    let profile: Awaited<ReturnType<typeof profileBooking>> | undefined;
    if (kind === 'postgres') {
      if (o.profile) profile = await profileBooking(url!, w, o);
      bench = await pgbench(o.sustainedClients, o.seconds);
    }
    return { kind, b, s, v, bench, profile };
  } finally {
    if (child) { child.kill('SIGTERM'); await sleep(500); }
    if (handle) await handle.close();
    rmSync(dir, { recursive: true, force: true });
    if (dbName) { await sleep(300); await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`); }
  }
}

// ——— profile: where a booking's time goes (PostgreSQL, in process) ———

interface Stmt { sql: string; start: number; end: number }

/** A Kysely over a pg pool whose clients time every statement; statements between BEGIN and COMMIT form one transaction. */
function instrumentedDb(url: string, size: number) {
  const txs: Stmt[][] = [];
  const outside: Stmt[] = [];
  const pool = new pg.Pool({ connectionString: url, max: size });
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
    const client = await connect();
    const c = client as pg.PoolClient & { timed?: boolean; current?: Stmt[] | null };
    if (!c.timed) {
      c.timed = true;
      const query = c.query.bind(c) as (text: string, params?: unknown[]) => Promise<pg.QueryResult>;
      (c as unknown as { query: typeof query }).query = async (text: string, params?: unknown[]) => {
        const st: Stmt = { sql: text, start: performance.now(), end: 0 };
        const verb = text.trim().slice(0, 8).toLowerCase();
        if (verb.startsWith('begin')) c.current = [];
        try { return await query(text, params); } finally {
          st.end = performance.now();
          if (c.current) c.current.push(st); else outside.push(st);
          if (verb.startsWith('commit') || verb.startsWith('rollback')) { if (c.current) txs.push(c.current); c.current = null; }
        }
      };
    }
    return client;
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, txs, outside };
}

const label = (q: string) => {
  const s = q.replace(/\s+/g, ' ').trim();
  if (/audit_chain_tail/.test(s)) return 'audit: audit_chain_tail (chain lock + last entry)';
  const m = /^(select|insert into|update|delete from) (?:.*? from )?"?(\w+)"?/i.exec(s);
  if (/^select .* from "audit_log"/i.test(s)) return 'audit: select last entry';
  if (/^insert into "audit_log"/i.test(s)) return 'audit: insert entry';
  if (/pg_notify/i.test(s)) return 'select pg_notify (realtime)';
  if (/^(begin|commit|rollback)/i.test(s)) return s.toLowerCase();
  if (m) { const verb = m[1]!.toLowerCase().split(' ')[0]; const table = /^select/i.test(s) ? /from "(\w+)"/i.exec(s)?.[1] : /(?:into|update|from) "(\w+)"/i.exec(s)?.[1]; return `${verb} ${table ?? '?'}`; }
  return s.slice(0, 40);
};

async function profileBooking(url: string, w: World, o: Options) {
  const config = loadConfig({ logLevel: 'silent', seedDemo: false });
  const { db, txs } = instrumentedDb(url, 20);
  const callers = await Promise.all(w.tokens.map((t) => resolveSession(db, config, t, '127.0.0.1')));
  // Free slots left over by the HTTP run.
  const free = (await db.selectFrom('slot').select('id').where('status', '=', 'free').where('category', '=', 'specialist').orderBy('starts_at').execute()).map((r) => r.id);
  const rows: { clients: number; perSec: number; tx: number; lockWait: number; lockHeld: number; beforeLock: number; heldShare: number; busyShare: number; stmts: Map<string, number[]> }[] = [];
  let next = 0;
  const seconds = Math.min(10, o.seconds);
  for (const clients of [1, o.sustainedClients]) {
    txs.length = 0;
    let ok = 0;
    const start = performance.now(), deadline = start + seconds * 1000;
    await Promise.all(Array.from({ length: clients }, async (_, c) => {
      const caller = callers[c % callers.length]!;
      while (performance.now() < deadline && next < free.length) {
        const i = next++;
        const a = await book(db, caller, { slotId: free[i]!, patientId: w.patients[i % w.patients.length]! }, randomUUID());
        if (a.status === 201) ok++;
      }
    }));
    const elapsed = (performance.now() - start) / 1000;
    const booked = txs.filter((t) => t.some((s) => /pg_advisory_xact_lock/.test(s.sql)));
    const stmts = new Map<string, number[]>();
    const lockWait: number[] = [], lockHeld: number[] = [], total: number[] = [], beforeLock: number[] = [];
    for (const t of booked) {
      for (const s of t) { const k = label(s.sql); (stmts.get(k) ?? stmts.set(k, []).get(k)!).push(s.end - s.start); }
      const lock = t.find((s) => /pg_advisory_xact_lock/.test(s.sql))!;
      const first = t[0]!, last = t.at(-1)!;
      lockWait.push(lock.end - lock.start); lockHeld.push(last.end - lock.end); total.push(last.end - first.start); beforeLock.push(lock.start - first.start);
    }
    rows.push({
      clients, perSec: ok / elapsed, tx: mean(total), lockWait: mean(lockWait), lockHeld: mean(lockHeld), beforeLock: mean(beforeLock),
      heldShare: mean(lockHeld) / mean(total), busyShare: (lockHeld.reduce((a, b) => a + b, 0) / 1000) / elapsed, stmts,
    });
  }
  await db.destroy();
  return rows;
}

// ——— report ———

export async function run(args: string[]) {
  const o = parseArgs(args);
  const cpu = os.cpus();
  console.log(`booking: burst ${o.clients} clients → ${o.slots} slots; sustained ${o.sustainedClients} clients × ${o.seconds} s; server pool ${o.pool ?? 'default (20)'}; ${cpu.length} cores (${cpu[0]?.model.trim()}), node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const results = [];
  for (const kind of o.dbs) results.push(await runOne(kind, o));
  const f = (x: number, d = 1) => Number.isFinite(x) ? x.toFixed(d) : '–';
  const tps = results.find((r) => r.bench)?.bench?.tps;

  console.log('\nRelease burst (all requests released at once):');
  console.log('| database | requests | 201 | 409 slot_full | other | burst ms (last 201) | bookings/s | p50 / p95 / p99 / max ms | overbooked | live / busy slots | check |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { kind, b, v } of results)
    console.log(`| ${kind} | ${b.requests} | ${b.ok} | ${b.full} | ${b.other || 0} | ${f(b.durationMs, 0)} (${f(b.lastOkMs, 0)}) | ${f(b.bookingsPerSec)} | ${f(b.p50)} / ${f(b.p95)} / ${f(b.p99)} / ${f(b.max)} | ${v.overbooked} | ${v.live} / ${v.busy} | ${v.good ? 'ok' : 'FAILED'} |`);
  console.log('\nBurst client side (is the bench the bottleneck?):');
  console.log('| database | sockets pre-opened | dispatch of all requests ms | bench event-loop delay p99 / max ms | bench CPU % | server CPU % | machine busy % |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { kind, b } of results)
    console.log(`| ${kind} | ${b.socketsOpen} | ${f(b.dispatchMs)} | ${f(b.loopP99)} / ${f(b.loopMax)} | ${f(b.clientCpuPct, 0)} | ${f(b.serverCpuPct, 0)} | ${f(b.machineBusyPct, 0)} |`);

  console.log(`\nSustained (${o.sustainedClients} clients booking distinct free slots, ${o.seconds} s):`);
  console.log('| database | bookings | bookings/s | p50 / p95 / p99 ms | pgbench -N TPS (PostgreSQL, same run) | bookings/s ÷ pgbench TPS | bench / server CPU % | machine busy % |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const { kind, s } of results)
    console.log(`| ${kind} | ${s.ok}${s.ranOut ? ' (ran out of slots)' : ''}${s.failures ? ` (${s.failures})` : ''} | ${f(s.bookingsPerSec)} | ${f(s.p50)} / ${f(s.p95)} / ${f(s.p99)} | ${tps ? f(tps) : '– (no PostgreSQL in this run)'} | ${tps ? f(s.bookingsPerSec / tps, 3) : '–'} | ${f(s.clientCpuPct, 0)} / ${f(s.serverCpuPct, 0)} | ${f(s.machineBusyPct, 0)} |`);
  const pgRow = results.find((r) => r.bench);
  if (pgRow) console.log(`pgbench -N -c ${o.sustainedClients} -j 2 -T ${o.seconds} (scale 10, throwaway database): ${f(pgRow.bench!.tps)} TPS, latency average ${f(pgRow.bench!.latencyMs, 2)} ms. Goal: bookings/s ÷ TPS ≥ 0.5 on PostgreSQL.`);

  const showActivity = (title: string, a?: Activity) => {
    if (!a) return;
    console.log(`\n${title}: ${a.samples} samples of pg_stat_activity; a chain lock (727002, n) held in ${f(a.heldShare * 100, 0)} % of them. Connections of the server's pool (mean per sample):`);
    for (const [k, v] of a.perSample) console.log(`  ${k.padEnd(52)} ${f(v, 2).padStart(6)}`);
  };
  for (const r of results) {
    showActivity(`Burst on ${r.kind}`, r.b.activity);
    showActivity(`Sustained on ${r.kind}`, r.s.activity);
  }
  for (const r of results) {
    if (!r.profile) continue;
    console.log('\nProfile (PostgreSQL, book() in process over an instrumented pool of 20: no HTTP, no session lookup):');
    console.log('| clients | bookings/s | transaction ms | before lock ms | waiting for a chain lock ms | holding it until commit ms | held share of transaction | lock busy (held-time ÷ wall) |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const p of r.profile)
      console.log(`| ${p.clients} | ${f(p.perSec)} | ${f(p.tx, 2)} | ${f(p.beforeLock, 2)} | ${f(p.lockWait, 2)} | ${f(p.lockHeld, 2)} | ${f(p.heldShare * 100, 0)} % | ${f(p.busyShare * 100, 0)} % |`);
    for (const p of r.profile) {
      console.log(`\nStatements of a booking transaction, ${p.clients} client(s) (mean ms per statement, count per booking):`);
      const n = p.stmts.get('begin')?.length || 1;
      for (const [k, v] of [...p.stmts.entries()]) console.log(`  ${k.padEnd(42)} ${f(mean(v), 3).padStart(8)} ms  ×${f(v.length / n, 2)}`);
    }
  }
  if (results.some((r) => !r.v.good)) { console.error('\nVERIFICATION FAILED: see the burst table'); process.exitCode = 1; }
}
