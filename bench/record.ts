/**
 * Shared health record at scale (issue 3), through the HTTP API of a server running as its own process (`main.ts`):
 *
 * 1. Data: P patients (default 1,000,000) and O observations (default 10,000,000) generated in the database itself
 *    (INSERT … SELECT FROM generate_series, in chunks; ids are md5 of a counter shaped as a version-4 UUID, so the bench can name any row without
 *    reading it back), with encounters, diagnoses, prescriptions and lab reports in proportion: per patient 3
 *    encounters at different institutions, 1 diagnosis, 1 prescription, and its observations as lab reports of 4
 *    results each plus a blood-pressure pair. Triggers and foreign keys are off during the load (session_replication_role
 *    = replica: the patients' search keys are not generated — nothing here searches by name), the record's secondary
 *    indexes are dropped first and rebuilt after, then VACUUM ANALYZE.
 * 2. EXPLAIN (ANALYZE, BUFFERS) of the statements the timeline, the observation-only timeline and the trend run for
 *    one patient (captured from the services themselves), to see that they use the patient indexes.
 * 3. Timeline latency: a doctor of the city hospital (whose institution has encounters with one patient in seven)
 *    reads the timelines of random such patients one after the other — `GET /api/v1/patients/:id/timeline?limit=50`,
 *    `…&kind=observation`, and `GET …/observations/trend?code=HBA1C` — each after a warm-up on other patients.
 * 4. Import: B transaction Bundles (default 100) of S resources (default 100: per patient 1 Patient, 1 Encounter and
 *    8 Observations, all conditional PUTs by identifier) posted to `POST /fhir` by C concurrent clients (default 4)
 *    with an OAuth access token (client credentials, `POST /oauth2/token`); resources/s over the whole run. A list
 *    (`--clients 1,4,8`) repeats the import with each client count, new identifiers each time. `--audit-chains 1,8`
 *    restarts the server with each number of audit hash chains (`AUDIT_CHAINS`) and repeats the imports, so the
 *    figures of one run compare the settings on the same data and machine (default: the server's default, 8).
 *
 *   npm run bench -- record [--db pglite|postgres|both] [--patients 1000000] [--observations 10000000]
 *                           [--pglite-patients N] [--pglite-observations N] [--lookups 1000] [--bundles 100]
 *                           [--bundle-size 100] [--clients 4|1,4,8] [--audit-chains 8|1,8] [--keep] [--skip-import]
 *
 * PostgreSQL: a database with a random name on TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * dropped afterwards. PGlite: a data directory in the temp dir, prepared here and then opened by the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { makeResidentId } from '@yilian/core';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { resolveSession } from '../packages/server/src/auth/session.js';
import { loadConfig } from '../packages/server/src/config.js';
import { ensureCodeData } from '../packages/server/src/codes/codes.js';
import { openDatabase, type DbHandle } from '../packages/server/src/db/database.js';
import { migrate } from '../packages/server/src/db/migrate.js';
import { insertClient } from '../packages/server/src/oauth/clients.js';
import { sessionCookie } from '../packages/server/src/realtime/testing.js';
import { timeline, trend } from '../packages/server/src/record/timeline.js';

type Kind = 'pglite' | 'postgres';
interface Options {
  dbs: Kind[]; patients: number; observations: number; perDb: Partial<Record<Kind, { patients?: number; observations?: number }>>;
  lookups: number; bundles: number; bundleSize: number; clients: number[]; auditChains: number[]; keep: boolean; skipImport: boolean;
}

function parseArgs(args: string[]): Options {
  const o: Options = { dbs: ['pglite', 'postgres'], patients: 1_000_000, observations: 10_000_000, perDb: {}, lookups: 1000, bundles: 100, bundleSize: 100, clients: [4], auditChains: [8], keep: false, skipImport: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i]!, args[i + 1]];
    if (flag === '--keep') { o.keep = true; continue; }
    if (flag === '--skip-import') { o.skipImport = true; continue; }
    const num = () => { const v = Number(String(value).replaceAll('_', '').replaceAll(',', '')); if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} needs a positive whole number`); i++; return v; };
    if (flag === '--db') {
      if (value !== 'pglite' && value !== 'postgres' && value !== 'both') throw new Error('--db is pglite, postgres or both');
      o.dbs = value === 'both' ? ['pglite', 'postgres'] : [value]; i++;
    } else if (flag === '--patients') o.patients = num();
    else if (flag === '--observations') o.observations = num();
    else if (flag === '--pglite-patients') (o.perDb.pglite ??= {}).patients = num();
    else if (flag === '--pglite-observations') (o.perDb.pglite ??= {}).observations = num();
    else if (flag === '--lookups') o.lookups = num();
    else if (flag === '--bundles') o.bundles = num();
    else if (flag === '--bundle-size') o.bundleSize = num();
    else if (flag === '--audit-chains') {
      o.auditChains = String(value).split(',').map(Number);
      if (!o.auditChains.every((c) => Number.isInteger(c) && c >= 1 && c <= 64)) throw new Error('--audit-chains is 1–64 or a comma-separated list (1,8)');
      i++;
    }
    else if (flag === '--clients') {
      o.clients = String(value).split(',').map(Number);
      if (!o.clients.every((c) => Number.isInteger(c) && c > 0)) throw new Error('--clients is a number or a comma-separated list (4 or 1,4,8)');
      i++;
    }
    else throw new Error(`unknown argument ${flag}`);
  }
  if (o.bundleSize % 10) throw new Error('--bundle-size is a multiple of 10 (1 Patient + 1 Encounter + 8 Observations per patient)');
  return o;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const baseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const urlFor = (db: string) => { const u = new URL(baseUrl); u.pathname = `/${db}`; return u.toString(); };
const fmt = (n: number) => n.toLocaleString('en');
/** PostgreSQL's bench_id(text), in JS: the bench names rows it generated without reading them back. */
const md5uuid = (s: string) => { const h = createHash('md5').update(s).digest('hex'); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`; };
const patientId = (p: number) => md5uuid(`p${p}`);

async function adminQuery(q: string) {
  const c = new pg.Client({ connectionString: baseUrl }); await c.connect();
  try { await c.query(q); } finally { await c.end(); }
}

/** Runs SQL text with parameters on the database being loaded: one pg connection, or the PGlite instance. */
type Exec = (text: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

// ——— data ———

const INSTITUTIONS = 21; // 1 city hospital, 2 county hospitals, 6 township hospitals, 12 village clinics (as the demo)
const ENCOUNTERS_PER_PATIENT = 3;
const THREE_YEARS_MIN = 3 * 365 * 24 * 60;
/** The lab items of the generated reports (4 per report) and the blood-pressure pair; [code, name, unit, low, high, base, spread, decimals]. */
const LAB_CODES = [['GLU', '葡萄糖', 'mmol/L', 3.9, 6.1, 4.6, 4, 2], ['HBA1C', '糖化血红蛋白', '%', 4, 6, 5.0, 3.5, 1],
  ['TC', '总胆固醇', 'mmol/L', null, 5.2, 3.6, 2.8, 2], ['LDL-C', '低密度脂蛋白胆固醇', 'mmol/L', null, 3.4, 1.8, 2.4, 2]] as const;
const arr = (i: number) => `(ARRAY[${LAB_CODES.map((c) => (c[i] === null ? 'NULL' : typeof c[i] === 'string' ? `'${c[i]}'` : String(c[i]))).join(',')}])`;

/** Institutions, one department each, two practitioners each, and a doctor account at the city hospital. */
async function directory(exec: Exec) {
  await exec(`INSERT INTO institution (id, code, name, level, grade, type, region_code)
    SELECT bench_id('i' || g), 'RB' || lpad(g::text, 2, '0'),
      CASE WHEN g = 0 THEN '压测市人民医院' WHEN g < 3 THEN '压测县医院' || g WHEN g < 9 THEN '压测卫生院' || g ELSE '压测村卫生室' || g END,
      CASE WHEN g = 0 THEN '3' WHEN g < 3 THEN '2' WHEN g < 9 THEN '1' ELSE '0' END, CASE WHEN g < 9 THEN '甲' END,
      CASE WHEN g < 3 THEN 'general_hospital' WHEN g < 9 THEN 'township_hospital' ELSE 'village_clinic' END, '330521'
    FROM generate_series(0, ${INSTITUTIONS - 1}) g`);
  await exec(`INSERT INTO department (id, institution_id, code, name, specialty) SELECT bench_id('d' || g), bench_id('i' || g), 'NK', '内科', 'internal' FROM generate_series(0, ${INSTITUTIONS - 1}) g`);
  await exec(`INSERT INTO practitioner (id, name, name_pinyin, name_initials, sex, title, specialty)
    SELECT bench_id('pr' || g), '医生' || g, 'yi sheng', 'ys', 'male', 'attending_physician', 'internal' FROM generate_series(0, ${INSTITUTIONS * 2 - 1}) g`);
  await exec(`INSERT INTO practitioner_role (practitioner_id, institution_id, department_id)
    SELECT bench_id('pr' || g), bench_id('i' || (g % ${INSTITUTIONS})), bench_id('d' || (g % ${INSTITUTIONS})) FROM generate_series(0, ${INSTITUTIONS * 2 - 1}) g`);
  await exec(`INSERT INTO user_account (id, username, display_name, password_hash, practitioner_id) VALUES (bench_id('u0'), 'bench_doctor', '压测医生', 'x', bench_id('pr0'))`);
  await exec(`INSERT INTO user_role (user_id, role, institution_id) VALUES (bench_id('u0'), 'doctor', bench_id('i0'))`);
}

const enc = (e: string) => `bench_id('e' || p || '-' || ${e})`;
const instOf = (e: string) => `bench_id('i' || ((p + (${e}) * 7) % ${INSTITUTIONS}))`;
const encAt = (e: string) => `($1::timestamptz - make_interval(mins => ((p * 7919 + (${e}) * 104729) % ${THREE_YEARS_MIN})::int))`;

/** The rows of patients [from, to), all kinds: one statement per table. */
async function chunk(exec: Exec, from: number, to: number, obsPerPatient: number, base: Date) {
  const range = `generate_series(${from}::bigint, ${to - 1}::bigint) p`;
  const reports = Math.max(0, Math.ceil((obsPerPatient - 2) / 4));
  await exec(`INSERT INTO patient (id, name, name_pinyin, name_initials, sex, birth_date)
    SELECT bench_id('p' || p), (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周'])[1 + p % 10] || (ARRAY['建国','秀英','志强','桂兰','海燕','伟','芳','军','丽','强'])[1 + (p / 10) % 10],
      'bench', 'b', CASE WHEN p % 2 = 0 THEN 'male' ELSE 'female' END, date '1940-01-01' + (p % 25000)::int FROM ${range}`);
  await exec(`INSERT INTO encounter (id, entry_id, patient_id, institution_id, department_id, practitioner_id, class, started_at, ended_at, reason, recorded_at)
    SELECT ${enc('e')}, ${enc('e')}, bench_id('p' || p), ${instOf('e')}, bench_id('d' || ((p + e * 7) % ${INSTITUTIONS})), bench_id('pr' || ((p + e * 7) % ${INSTITUTIONS})),
      CASE WHEN (p + e) % 23 = 0 THEN 'inpatient' ELSE 'outpatient' END, ${encAt('e')}, ${encAt('e')} + interval '20 minutes', '复诊', ${encAt('e')}
    FROM ${range}, generate_series(0, ${ENCOUNTERS_PER_PATIENT - 1}) e`, [base]);
  await exec(`INSERT INTO condition (id, entry_id, patient_id, institution_id, encounter_id, practitioner_id, code_system, code, display, category, recorded_at)
    SELECT bench_id('c' || p), bench_id('c' || p), bench_id('p' || p), ${instOf('0')}, ${enc('0')}, bench_id('pr' || (p % ${INSTITUTIONS})), 'icd10-yilian-common',
      (ARRAY['I10.x00','E11.900','J44.900','E78.500'])[1 + p % 4], (ARRAY['原发性高血压','2型糖尿病','慢性阻塞性肺病','高脂血症'])[1 + p % 4], 'problem-list-item', ${encAt('0')}
    FROM ${range}`, [base]);
  await exec(`INSERT INTO medication_request (id, entry_id, patient_id, institution_id, encounter_id, practitioner_id, drug, dose, route, frequency, days, status, authored_at, recorded_at)
    SELECT bench_id('m' || p), bench_id('m' || p), bench_id('p' || p), ${instOf('0')}, ${enc('0')}, bench_id('pr' || (p % ${INSTITUTIONS})),
      '苯磺酸氨氯地平片 5mg', '5 mg', '口服', 'qd', 84, 'completed', ${encAt('0')}, ${encAt('0')}
    FROM ${range}`, [base]);
  if (reports) await exec(`INSERT INTO diagnostic_report (id, entry_id, patient_id, institution_id, encounter_id, practitioner_id, category, code, name, conclusion, issued_at, recorded_at)
    SELECT bench_id('r' || p || '-' || r), bench_id('r' || p || '-' || r), bench_id('p' || p), ${instOf(`r % ${ENCOUNTERS_PER_PATIENT}`)}, ${enc(`r % ${ENCOUNTERS_PER_PATIENT}`)},
      bench_id('pr' || ((p + (r % ${ENCOUNTERS_PER_PATIENT}) * 7) % ${INSTITUTIONS})), 'lab', 'GLU-LIPID', '血糖、血脂', '见各项结果',
      ${encAt(`r % ${ENCOUNTERS_PER_PATIENT}`)} + interval '2 hours', ${encAt(`r % ${ENCOUNTERS_PER_PATIENT}`)} + interval '2 hours'
    FROM ${range}, generate_series(0, ${reports - 1}) r`, [base]);
  // Observation j of patient p: the first (k − 2) are lab results, 4 per report; the last two a blood-pressure pair.
  const lab = obsPerPatient - 2;
  await exec(`INSERT INTO observation (id, entry_id, patient_id, institution_id, encounter_id, report_id, category, code, name, value_num, unit, ref_low, ref_high, flag, effective_at, recorded_at)
    SELECT u, u, pid, inst, encounter, report, category, code, name, v, unit, lo, hi, CASE WHEN v > hi THEN 'H' WHEN v < lo THEN 'L' ELSE 'N' END, t, t
    FROM (
      SELECT bench_id('o' || p || '-' || j) AS u, bench_id('p' || p) AS pid,
        CASE WHEN j < ${lab} THEN ${instOf(`(j / 4) % ${ENCOUNTERS_PER_PATIENT}`)} ELSE ${instOf('2')} END AS inst,
        CASE WHEN j < ${lab} THEN ${enc(`(j / 4) % ${ENCOUNTERS_PER_PATIENT}`)} ELSE ${enc('2')} END AS encounter,
        CASE WHEN j < ${lab} THEN bench_id('r' || p || '-' || (j / 4)) END AS report,
        CASE WHEN j < ${lab} THEN 'laboratory' ELSE 'vital-signs' END AS category,
        CASE WHEN j < ${lab} THEN ${arr(0)}[1 + j % 4] WHEN j = ${lab} THEN '8480-6' ELSE '8462-4' END AS code,
        CASE WHEN j < ${lab} THEN ${arr(1)}[1 + j % 4] WHEN j = ${lab} THEN '收缩压' ELSE '舒张压' END AS name,
        CASE WHEN j < ${lab} THEN round((${arr(5)}[1 + j % 4] + ((p * 31 + j * 17) % 100) / 100.0 * ${arr(6)}[1 + j % 4])::numeric, 1)
             WHEN j = ${lab} THEN 110 + (p * 13) % 60 ELSE 65 + (p * 7) % 35 END AS v,
        CASE WHEN j < ${lab} THEN ${arr(2)}[1 + j % 4] ELSE 'mm[Hg]' END AS unit,
        CASE WHEN j < ${lab} THEN ${arr(3)}[1 + j % 4] WHEN j = ${lab} THEN 90 ELSE 60 END AS lo,
        CASE WHEN j < ${lab} THEN ${arr(4)}[1 + j % 4] WHEN j = ${lab} THEN 139 ELSE 89 END AS hi,
        CASE WHEN j < ${lab} THEN ${encAt(`(j / 4) % ${ENCOUNTERS_PER_PATIENT}`)} + make_interval(mins => 30 + (j / 4)) ELSE ${encAt('2')} + interval '5 minutes' END AS t
      FROM ${range}, generate_series(0, ${obsPerPatient - 1}) j
    ) x`, [base]);
}

/**
 * Loads P patients and about O observations (O ÷ P per patient, at least 2), in chunks of patients so that each
 * statement writes about a million observations. Returns the counts and times.
 */
async function load(exec: Exec, kind: Kind, patients: number, observations: number, base: Date) {
  const obsPerPatient = Math.max(2, Math.round(observations / patients));
  const t0 = performance.now();
  await exec(`SET session_replication_role = replica`);
  await exec(`CREATE FUNCTION bench_id(text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT overlay(overlay(md5($1) placing '4' from 13) placing '8' from 17)::uuid $$`);
  if (kind === 'postgres') await exec(`SET maintenance_work_mem = '1GB'`);
  await directory(exec);
  // Secondary indexes of the record tables (not those behind PRIMARY KEY / UNIQUE constraints) are rebuilt after the load.
  const tables = ['patient', 'encounter', 'condition', 'medication_request', 'diagnostic_report', 'observation'];
  const indexes = (await exec(`SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
    WHERE i.schemaname = 'public' AND i.tablename = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)`, [tables])).rows as { name: string; def: string }[];
  for (const i of indexes) await exec(`DROP INDEX ${i.name}`);
  const step = Math.max(1000, Math.floor(1_000_000 / obsPerPatient));
  let last = performance.now();
  for (let from = 0; from < patients; from += step) {
    await chunk(exec, from, Math.min(patients, from + step), obsPerPatient, base);
    if (performance.now() - last > 20_000 || from + step >= patients) {
      last = performance.now();
      const done = Math.min(patients, from + step);
      console.log(`  ${kind}: ${fmt(done)} / ${fmt(patients)} patients (${fmt(done * obsPerPatient)} observations), ${((last - t0) / 1000).toFixed(0)} s`);
    }
  }
  const loadS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  for (const i of indexes) await exec(i.def);
  const indexS = (performance.now() - t1) / 1000;
  await exec(`SET session_replication_role = DEFAULT`);
  await exec(`DROP FUNCTION bench_id(text)`);
  const t2 = performance.now();
  await exec(`VACUUM ANALYZE`);
  const vacuumS = (performance.now() - t2) / 1000;
  const counts = (await exec(`SELECT (SELECT count(*) FROM patient) AS patient, (SELECT count(*) FROM encounter) AS encounter,
    (SELECT count(*) FROM condition) AS condition, (SELECT count(*) FROM medication_request) AS medication_request,
    (SELECT count(*) FROM diagnostic_report) AS diagnostic_report, (SELECT count(*) FROM observation) AS observation,
    pg_size_pretty(pg_database_size(current_database())) AS size, pg_size_pretty(pg_total_relation_size('observation')) AS obs_size`)).rows[0]!;
  return { obsPerPatient, loadS, indexS, vacuumS, counts, indexesRebuilt: indexes.map((i) => i.name) };
}

// ——— EXPLAIN of what the timeline runs ———

/** The statements one call runs (captured from the pg pool or the PGlite instance), then EXPLAIN ANALYZE of each SELECT. */
async function explainTimeline(handle: DbHandle, url: string | undefined, patient: string) {
  const config = loadConfig({ logLevel: 'silent', seedDemo: false });
  const captured: { sql: string; params: unknown[] }[] = [];
  let db = handle.db;
  let restore = () => {};
  let pool: pg.Pool | undefined;
  if (handle.kind === 'pglite') {
    const pglite = handle.pglite!;
    const query = pglite.query.bind(pglite);
    (pglite as unknown as { query: typeof query }).query = ((text: string, params?: unknown[], opts?: unknown) => {
      captured.push({ sql: text, params: params ?? [] });
      return query(text, params, opts as never);
    }) as typeof query;
    restore = () => { (pglite as unknown as { query: typeof query }).query = query; };
  } else {
    pool = new pg.Pool({ connectionString: url, max: 2 });
    db = new Kysely({ dialect: new PostgresDialect({ pool }), log: (e) => { if (e.level === 'query') captured.push({ sql: e.query.sql, params: [...e.query.parameters] }); } }) as never;
  }
  const cookie = await sessionCookie(handle.db, config, md5uuid('u0'));
  const caller = (await resolveSession(db, config, cookie.split('=')[1]!, '127.0.0.1'))!;
  const plans: { what: string; sql: string; plan: string[] }[] = [];
  const run = async (what: string, f: () => Promise<unknown>) => {
    captured.length = 0;
    await f();
    for (const c of captured.filter((x) => /^\s*(select|with)/i.test(x.sql) && /(encounter|observation|diagnostic_report|condition)/.test(x.sql))) {
      const res = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${c.sql}`, c.params));
      plans.push({ what, sql: c.sql.replace(/\s+/g, ' ').slice(0, 160), plan: res.rows.map((x) => x['QUERY PLAN']) });
    }
  };
  await run('timeline', () => timeline(db, caller, patient, { limit: 50, offset: 0 } as never));
  await run('timeline kind=observation', () => timeline(db, caller, patient, { limit: 50, offset: 0, kind: ['observation'] } as never));
  await run('trend HBA1C', () => trend(db, caller, patient, { code: 'HBA1C' }));
  restore();
  if (pool) await (db as { destroy(): Promise<void> }).destroy();
  return plans;
}

/** The tables the bench fills (a sequential scan of an empty one, e.g. document or care_relation, is the planner's right choice). */
const LOADED = ['patient', 'encounter', 'condition', 'medication_request', 'diagnostic_report', 'observation'];
/** Which indexes a plan uses, and whether a filled table is read by a sequential scan. */
function planSummary(plan: string[]) {
  const text = plan.join('\n');
  const indexes = [...new Set([...text.matchAll(/(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g)].map((m) => m[1]!))];
  const seq = [...new Set([...text.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!))].filter((t) => LOADED.includes(t));
  const time = /Execution Time: ([\d.]+) ms/.exec(text)?.[1];
  return { indexes, seq, time: time ? Number(time) : NaN };
}

// ——— server and HTTP ———

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

async function startServer(db: { url?: string; dataDir?: string }, fileDir: string, auditChains: number): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', 'packages/server/src/main.ts'], {
    env: { ...process.env, DATABASE_URL: db.url ?? '', DATA_DIR: db.dataDir ?? fileDir, FILE_KEY: randomBytes(32).toString('hex'), PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', AUDIT_CHAINS: String(auditChains) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 600; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { port, child }; } catch { /* starting */ }
    if (child.exitCode !== null) break;
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error('server process did not start');
}

function request(agent: http.Agent, port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ agent, host: '127.0.0.1', port, path, method, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - start }));
    });
    req.on('error', (e) => resolve({ status: 0, body: e.message, ms: performance.now() - start }));
    req.end(body);
  });
}

/** Random patients the doctor's institution cares for (p % 7 = 0: one of their encounters is at institution 0). */
function samplePatients(patients: number, count: number, seed: number): number[] {
  let a = seed >>> 0;
  const rand = () => { a = (a + 0x6d2b79f5) >>> 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const cared = Math.floor((patients - 1) / 7) + 1;
  const out = new Set<number>();
  while (out.size < Math.min(count, cared)) out.add(Math.floor(rand() * cared) * 7);
  return [...out];
}

interface Latency { what: string; n: number; p50: number; p95: number; p99: number; mean: number; errors: number; items: number }

async function measureReads(port: number, cookie: string, patients: number, lookups: number): Promise<Latency[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const all = samplePatients(patients, lookups + 100, 42);
  const warm = all.slice(lookups), sample = all.slice(0, lookups);
  const kinds: [string, (p: number) => string][] = [
    ['timeline ?limit=50', (p) => `/api/v1/patients/${patientId(p)}/timeline?limit=50`],
    ['timeline ?kind=observation&limit=50', (p) => `/api/v1/patients/${patientId(p)}/timeline?kind=observation&limit=50`],
    ['observations/trend ?code=HBA1C', (p) => `/api/v1/patients/${patientId(p)}/observations/trend?code=HBA1C`],
  ];
  const out: Latency[] = [];
  for (const [what, path] of kinds) {
    for (const p of warm) await request(agent, port, 'GET', path(p), { cookie });
    const times: number[] = [];
    let errors = 0, items = 0;
    for (const p of sample) {
      const r = await request(agent, port, 'GET', path(p), { cookie });
      times.push(r.ms);
      if (r.status !== 200) { errors++; if (errors === 1) console.log(`  ${what}: ${r.status} ${r.body.slice(0, 300)}`); continue; }
      const b = JSON.parse(r.body) as { items?: unknown[]; points?: unknown[] };
      items += (b.items ?? b.points ?? []).length;
    }
    times.sort((x, y) => x - y);
    out.push({ what, n: sample.length, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), mean: times.reduce((s, x) => s + x, 0) / times.length, errors, items: items / Math.max(1, sample.length - errors) });
  }
  agent.destroy();
  return out;
}

// ——— import ———

const RID = 'urn:oid:2.16.156.10011.1.3';
const HIS = 'https://his.bench.example/id';

/** One transaction Bundle: per patient a Patient, an Encounter and 8 Observations (2 vital signs, 6 lab results), all conditional PUTs. */
function bundle(run: string, first: number, patients: number) {
  const entry: unknown[] = [];
  for (let n = first; n < first + patients; n++) {
    const birth = new Date(Date.UTC(1940, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    const sex = n % 2 ? 'male' : 'female';
    const rid = makeResidentId('330521', birth, sex, Number.parseInt(run.slice(0, 3), 16) % 500);
    const pu = `urn:uuid:${md5uuid(`${run}-p-${n}`)}`, eu = `urn:uuid:${md5uuid(`${run}-e-${n}`)}`;
    const day = new Date(Date.UTC(2026, 10, 1) + (n % 20) * 86_400_000);
    const at = (min: number) => new Date(day.getTime() + min * 60_000).toISOString();
    entry.push({ fullUrl: pu, resource: { resourceType: 'Patient', identifier: [{ system: RID, value: rid }], name: [{ text: `导入${run}${n}` }], gender: sex, birthDate: birth },
      request: { method: 'PUT', url: `Patient?identifier=${RID}|${rid}` } });
    entry.push({ fullUrl: eu, resource: { resourceType: 'Encounter', status: 'finished', identifier: [{ system: HIS, value: `${run}-V${n}` }], class: { code: 'AMB' },
      subject: { reference: pu }, period: { start: at(0), end: at(20) } }, request: { method: 'PUT', url: `Encounter?identifier=${HIS}|${run}-V${n}` } });
    const obs: [string, string, number, string][] = [['8480-6', 'vital-signs', 120 + (n % 40), 'mm[Hg]'], ['8462-4', 'vital-signs', 70 + (n % 20), 'mm[Hg]'],
      ['GLU', 'laboratory', 4.5 + (n % 30) / 10, 'mmol/L'], ['HBA1C', 'laboratory', 5 + (n % 40) / 10, '%'], ['TC', 'laboratory', 4 + (n % 20) / 10, 'mmol/L'],
      ['TG', 'laboratory', 1 + (n % 15) / 10, 'mmol/L'], ['LDL-C', 'laboratory', 2 + (n % 20) / 10, 'mmol/L'], ['HDL-C', 'laboratory', 1 + (n % 8) / 10, 'mmol/L']];
    for (const [code, category, value, unit] of obs) {
      const id = `${run}-L${n}-${code}`;
      entry.push({ resource: { resourceType: 'Observation', status: 'final', identifier: [{ system: HIS, value: id }], category: [{ coding: [{ code: category }] }],
        code: { coding: [{ code }] }, subject: { reference: pu }, encounter: { reference: eu }, effectiveDateTime: at(10), valueQuantity: { value, unit } },
        request: { method: 'PUT', url: `Observation?identifier=${HIS}|${id}` } });
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return NaN; }
}
/** Busy and total ticks of the whole machine. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

async function measureImport(port: number, token: string, o: Options, clients: number, serverPid: number, auditChains: number) {
  const run = randomBytes(4).toString('hex');
  const perBundle = o.bundleSize / 10;
  const bodies = Array.from({ length: o.bundles }, (_, b) => JSON.stringify(bundle(run, b * perBundle, perBundle)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };
  // One small bundle first (JIT, caches), not counted.
  const warm = await request(agent, port, 'POST', '/fhir', headers, JSON.stringify(bundle(run, o.bundles * perBundle, 1)));
  if (warm.status !== 200) { agent.destroy(); return { error: `${warm.status} ${warm.body.slice(0, 400)}` }; }
  let next = 0, failures = 0, entries = 0, firstError = '';
  const latencies: number[] = [];
  const srv0 = cpuSeconds(serverPid), m0 = machineTicks();
  const start = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < bodies.length) {
      const r = await request(agent, port, 'POST', '/fhir', headers, bodies[next++]);
      latencies.push(r.ms);
      if (r.status !== 200) { failures++; firstError ||= `${r.status} ${r.body.slice(0, 300)}`; continue; }
      entries += (JSON.parse(r.body) as { entry: unknown[] }).entry.length;
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const serverCpu = (cpuSeconds(serverPid) - srv0) / seconds * 100, m1 = machineTicks();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { bundles: o.bundles, size: o.bundleSize, clients, auditChains, entries, failures, firstError, seconds, perSec: entries / seconds, p50: pct(latencies, 50), p95: pct(latencies, 95),
    serverCpu, machineBusy: (m1.busy - m0.busy) / (m1.total - m0.total) * 100 };
}

async function oauthToken(port: number, clientId: string, secret: string): Promise<string> {
  const agent = new http.Agent();
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString();
  const r = await request(agent, port, 'POST', '/oauth2/token', { 'content-type': 'application/x-www-form-urlencoded' }, body);
  agent.destroy();
  if (r.status !== 200) throw new Error(`POST /oauth2/token: ${r.status} ${r.body}`);
  return (JSON.parse(r.body) as { access_token: string }).access_token;
}

// ——— one database ———

async function runOne(kind: Kind, o: Options) {
  const patients = o.perDb[kind]?.patients ?? o.patients;
  const observations = o.perDb[kind]?.observations ?? o.observations;
  let dbName: string | undefined, url: string | undefined;
  if (kind === 'postgres') { dbName = `yl_bench_${randomBytes(5).toString('hex')}`; await adminQuery(`CREATE DATABASE ${dbName}`); url = urlFor(dbName); }
  const dir = mkdtempSync(join(os.tmpdir(), 'yl-bench-record-'));
  const dataDir = kind === 'pglite' ? join(dir, 'db') : undefined;
  let handle: DbHandle | undefined;
  let child: ChildProcess | undefined;
  let client: pg.Client | undefined;
  try {
    handle = await openDatabase(url ? { url } : { dataDir });
    await migrate(handle.db);
    await ensureCodeData(handle.db);
    let exec: Exec;
    if (kind === 'postgres') {
      client = new pg.Client({ connectionString: url }); await client.connect();
      exec = (text, params) => client!.query(text, params) as never;
      const v = await exec(`SELECT split_part(version(), ' on ', 1) AS v`);
      console.log(`${kind}: ${v.rows[0]!.v} at ${new URL(url!).host}/${dbName}`);
    } else {
      const pglite = handle.pglite!;
      exec = async (text, params) => (params?.length ? pglite.query(text, params) : (await pglite.exec(text)).at(-1) ?? { rows: [] }) as never;
      console.log(`${kind}: data directory ${dataDir}`);
    }
    const base = new Date();
    const l = await load(exec, kind, patients, observations, base);
    await client?.end(); client = undefined;
    console.log(`  ${kind}: loaded in ${l.loadS.toFixed(0)} s, ${l.indexesRebuilt.length} indexes rebuilt in ${l.indexS.toFixed(0)} s, VACUUM ANALYZE ${l.vacuumS.toFixed(0)} s; ` +
      `${Object.entries(l.counts).map(([k, v]) => `${k} ${typeof v === 'string' && /^\d+$/.test(v) ? fmt(Number(v)) : String(v)}`).join(', ')}`);
    // EXPLAIN for one patient the doctor may read.
    const plans = await explainTimeline(handle, url, patientId(samplePatients(patients, 1, 7)[0]!));
    // The import's API client (the city hospital's HIS) and the doctor's session.
    const secret = `yls_${randomBytes(32).toString('base64url')}`;
    await handle.db.transaction().execute((tx) => insertClient(tx, { clientId: 'bench-his', secret, name: '压测 HIS', institutionId: md5uuid('i0'), createdBy: null }));
    const config = loadConfig({ logLevel: 'silent', seedDemo: false });
    const cookie = await sessionCookie(handle.db, config, md5uuid('u0'));
    if (kind === 'pglite') { await handle.close(); handle = undefined; } // the server process opens the data directory next
    const t0 = performance.now();
    let server = await startServer({ url, dataDir }, dir, o.auditChains[0]!);
    child = server.child;
    console.log(`  ${kind}: server up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const reads = await measureReads(server.port, cookie, patients, o.lookups);
    // The same timeline as a service call in this process (PostgreSQL: the database is shared), to split the HTTP
    // request's time into the service's own (access check, queries, audit entry) and the rest (session, Fastify, JSON).
    let service: Latency | undefined;
    if (handle) {
      const caller = (await resolveSession(handle.db, config, cookie.split('=')[1]!, '127.0.0.1'))!;
      const times: number[] = [];
      for (const p of samplePatients(patients, Math.min(o.lookups, 500), 43)) {
        const t = performance.now();
        await timeline(handle.db, caller, patientId(p), { limit: 50, offset: 0 } as never);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      service = { what: 'timeline() service call, no HTTP', n: times.length, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), mean: times.reduce((a, b) => a + b, 0) / times.length, errors: 0, items: NaN };
    }
    const imports: Awaited<ReturnType<typeof measureImport>>[] = [];
    if (!o.skipImport) {
      for (const [n, chains] of o.auditChains.entries()) {
        if (n > 0) {
          child.kill('SIGTERM'); await new Promise((r) => { child!.once('exit', r); setTimeout(r, 5000); });
          server = await startServer({ url, dataDir }, dir, chains);
          child = server.child;
        }
        const token = await oauthToken(server.port, 'bench-his', secret);
        for (const clients of o.clients) imports.push(await measureImport(server.port, token, o, clients, child.pid!, chains));
      }
    }
    return { kind, patients, observations, l, plans, reads: service ? [...reads, service] : reads, imports };
  } finally {
    if (child) { child.kill('SIGTERM'); await new Promise((r) => { child!.once('exit', r); setTimeout(r, 5000); }); }
    await client?.end().catch(() => {});
    if (handle) await handle.close();
    if (o.keep) console.log(`  ${kind}: kept ${dataDir ?? dbName}`);
    else {
      rmSync(dir, { recursive: true, force: true });
      if (dbName) { await sleep(300); await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`); }
    }
  }
}

// ——— report ———

export async function run(args: string[]) {
  const o = parseArgs(args);
  const cpu = os.cpus();
  console.log(`record: ${o.dbs.join(' + ')}; ${cpu.length} cores (${cpu[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const results = [];
  for (const kind of o.dbs) results.push(await runOne(kind, o));
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');

  console.log('\nData:');
  console.log('| database | patients | observations | encounters | reports | conditions + prescriptions | load s | index rebuild s | VACUUM ANALYZE s | database size (observation table) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const c = r.l.counts as Record<string, string>;
    console.log(`| ${r.kind} | ${fmt(Number(c.patient))} | ${fmt(Number(c.observation))} | ${fmt(Number(c.encounter))} | ${fmt(Number(c.diagnostic_report))} | ${fmt(Number(c.condition) + Number(c.medication_request))} | ${f(r.l.loadS, 0)} | ${f(r.l.indexS, 0)} | ${f(r.l.vacuumS, 0)} | ${c.size} (${c.obs_size}) |`);
  }
  console.log('\nReads (one client, sequential; latency of the HTTP request, ms):');
  console.log('| database | request | n | p50 | p95 | p99 | mean | items per answer | errors | target (PostgreSQL) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) for (const x of r.reads)
    console.log(`| ${r.kind} | ${x.what} | ${x.n} | ${f(x.p50)} | ${f(x.p95)} | ${f(x.p99)} | ${f(x.mean)} | ${f(x.items)} | ${x.errors} | ${x.what.startsWith('timeline ?limit') ? (r.kind === 'postgres' ? `p95 < 50 ms ${x.p95 < 50 ? '✓' : '✗'}` : '–') : '–'} |`);
  if (results.some((r) => r.imports.length)) {
    console.log('\nImport (POST /fhir transaction Bundles, OAuth client credentials):');
    console.log('| database | bundles × resources | audit chains | clients | resources imported | failed bundles | seconds | resources/s | bundle p50 / p95 ms | server CPU % | machine busy % | target (PostgreSQL) |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results) for (const i of r.imports) {
      if ('error' in i) { console.log(`| ${r.kind} | – | – | – | – | – | – | – | – | – | – | import not available: ${i.error} |`); continue; }
      console.log(`| ${r.kind} | ${i.bundles} × ${i.size} | ${i.auditChains} | ${i.clients} | ${fmt(i.entries)} | ${i.failures} | ${f(i.seconds)} | ${f(i.perSec, 0)} | ${f(i.p50, 0)} / ${f(i.p95, 0)} | ${f(i.serverCpu, 0)} | ${f(i.machineBusy, 0)} | ${r.kind === 'postgres' ? `≥ 2,000/s ${i.perSec >= 2000 ? '✓' : '✗'}` : '–'} |`);
      if (i.firstError) console.log(`  first failure: ${i.firstError}`);
    }
  }
  console.log('\nPlans (EXPLAIN ANALYZE of the statements the services run for one patient):');
  for (const r of results) for (const p of r.plans) {
    const s = planSummary(p.plan);
    console.log(`  ${r.kind} · ${p.what} · ${f(s.time, 2)} ms · indexes: ${s.indexes.join(', ') || 'none'}${s.seq.length ? ` · SEQ SCAN on ${s.seq.join(', ')}` : ''}`);
    console.log(`    ${p.sql}…`);
    if (s.seq.length || process.env.BENCH_PLANS) for (const line of p.plan) console.log(`      ${line}`);
  }
}

