/**
 * Master patient index benchmark: N synthetic residents (valid resident IDs, Chinese names, mobiles) in a fresh
 * database, then the latency of the search service (identity/search.ts `searchPatients`, what GET /api/v1/patients
 * calls) for each kind of lookup.
 *
 *   npm run bench -- mpi [--n 1000000] [--db pglite|postgres|both] [--n-pglite N] [--n-postgres N]
 *                        [--lookups 1000] [--batch 5000] [--seed 42] [--keep]
 *
 * PostgreSQL: a database with a random name is created on TEST_DATABASE_URL (default
 * postgresql://postgres@127.0.0.1:5432/test) and dropped afterwards. PGlite: a data directory in the temp dir.
 * --keep leaves the database (or data directory) in place, to EXPLAIN queries against it.
 *
 * After the load: VACUUM ANALYZE (the steady state autovacuum would reach; PGlite has no autovacuum). Before each
 * kind of lookup is measured, it is run for 100 other residents (not among those measured), so that no kind is
 * measured on cold caches and connections just because it comes first.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fakerZH_CN as faker } from '@faker-js/faker';
import { makeResidentId, nameSearchKeys, type Sex } from '@yilian/core';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type DbHandle } from '../packages/server/src/db/database.js';
import { migrate } from '../packages/server/src/db/migrate.js';
import { searchPatients, TOTAL_CAP } from '../packages/server/src/identity/search.js';

type DbKind = 'pglite' | 'postgres';
interface Options { n: number; perDb: Partial<Record<DbKind, number>>; dbs: DbKind[]; lookups: number; batch: number; seed: number; keep: boolean }

function parseArgs(args: string[]): Options {
  const o: Options = { n: 1_000_000, perDb: {}, dbs: ['pglite', 'postgres'], lookups: 1000, batch: 5000, seed: 42, keep: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i]!, args[i + 1]];
    const num = () => { const v = Number(String(value).replaceAll('_', '').replaceAll(',', '')); if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} needs a positive whole number`); i++; return v; };
    if (flag === '--n') o.n = num();
    else if (flag === '--n-pglite') o.perDb.pglite = num();
    else if (flag === '--n-postgres') o.perDb.postgres = num();
    else if (flag === '--lookups') o.lookups = num();
    else if (flag === '--batch') o.batch = num();
    else if (flag === '--seed') o.seed = num();
    else if (flag === '--keep') o.keep = true;
    else if (flag === '--db') {
      if (value !== 'pglite' && value !== 'postgres' && value !== 'both') throw new Error('--db is pglite, postgres or both');
      o.dbs = value === 'both' ? ['pglite', 'postgres'] : [value]; i++;
    } else throw new Error(`unknown argument ${flag}`);
  }
  return o;
}

/** Small seeded generator (mulberry32), so a run is reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// County-level codes from across the country (371202 is the old 莱芜 code: IDs keep the code they were issued with).
const AREAS = ['330521', '330523', '330102', '110105', '110108', '310115', '440305', '440106', '510107', '420106',
  '320106', '370102', '410105', '430104', '500103', '610113', '210102', '350203', '530102', '371202'];
const MOBILE_PREFIXES = ['130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '150', '151', '152', '153',
  '155', '156', '157', '158', '159', '180', '181', '182', '183', '184', '185', '186', '187', '188', '189', '199'];
const DAY = 86_400_000, FIRST_BIRTH = Date.UTC(1930, 0, 1), BIRTH_DAYS = Math.floor((Date.UTC(2024, 0, 1) - FIRST_BIRTH) / DAY);

interface Person { residentId: string; name: string; pinyin: string; initials: string; sex: Sex; birthDate: string; phone: string; area: string }

/** Residents of the consortium, generated one by one: a valid ID (unique), a name fitting the sex, a mobile. */
class Population {
  private rand: () => number;
  private seqs = new Map<string, number>();
  private keys = new Map<string, { pinyin: string; initials: string }>();
  constructor(seed: number) { faker.seed(seed); this.rand = rng(seed); }
  private pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rand() * xs.length)]!; }
  next(): Person {
    const sex: Sex = this.rand() < 0.5 ? 'male' : 'female';
    const name = faker.person.fullName({ sex });
    let keys = this.keys.get(name);
    if (!keys) this.keys.set(name, (keys = nameSearchKeys(name)));
    for (;;) {
      const area = this.pick(AREAS);
      const birthDate = new Date(FIRST_BIRTH + Math.floor(this.rand() * BIRTH_DAYS) * DAY).toISOString().slice(0, 10);
      const bucket = area + birthDate + sex;
      const seq = this.seqs.get(bucket) ?? 0;
      if (seq >= 500) continue; // the order code has room for 500 of each sex per county and day
      this.seqs.set(bucket, seq + 1);
      const phone = this.pick(MOBILE_PREFIXES) + String(Math.floor(this.rand() * 1e8)).padStart(8, '0');
      return { residentId: makeResidentId(area, birthDate, sex, seq), name, ...keys, sex, birthDate, phone, area };
    }
  }
}

const adminUrl = () => process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A fresh, empty, migrated database and how to get rid of it. */
async function freshDatabase(kind: DbKind): Promise<{ handle: DbHandle; drop(): Promise<void>; where: string }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'yl-bench-pglite-'));
    const handle = await openDatabase({ dataDir: dir });
    return { handle, where: dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `yl_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString() });
  return {
    handle, where: `${url.host}/${name}`,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const WARM_UP = 100;

/**
 * Inserts N people in multi-row batches (one INSERT … SELECT FROM unnest(arrays) per batch; the search keys are
 * filled by the trigger of 003_search_keys.sql) and keeps a sample to look up, and another to warm up with.
 */
async function load(handle: DbHandle, n: number, batchSize: number, seed: number, lookups: number) {
  const people = new Population(seed);
  const pickRand = rng(seed + 1);
  const wanted = new Set<number>(), warmWanted = new Set<number>();
  while (wanted.size < Math.min(lookups, n)) wanted.add(Math.floor(pickRand() * n));
  while (warmWanted.size < Math.min(WARM_UP, n - wanted.size)) { const i = Math.floor(pickRand() * n); if (!wanted.has(i)) warmWanted.add(i); }
  const sample: Person[] = [], warm: Person[] = [];
  const started = performance.now();
  let lastReport = started, generateMs = 0;
  for (let done = 0; done < n;) {
    const g = performance.now();
    const size = Math.min(batchSize, n - done);
    const cols = { id: [] as string[], name: [] as string[], py: [] as string[], ini: [] as string[], sex: [] as string[], birth: [] as string[], phone: [] as string[], area: [] as string[] };
    for (let i = 0; i < size; i++) {
      const p = people.next();
      if (wanted.has(done + i)) sample.push(p);
      else if (warmWanted.has(done + i)) warm.push(p);
      cols.id.push(p.residentId); cols.name.push(p.name); cols.py.push(p.pinyin); cols.ini.push(p.initials);
      cols.sex.push(p.sex); cols.birth.push(p.birthDate); cols.phone.push(p.phone); cols.area.push(p.area);
    }
    generateMs += performance.now() - g;
    await sql`INSERT INTO patient (resident_id, name, name_pinyin, name_initials, sex, birth_date, phone, region_code)
      SELECT * FROM unnest(${cols.id}::text[], ${cols.name}::text[], ${cols.py}::text[], ${cols.ini}::text[],
        ${cols.sex}::text[], ${cols.birth}::date[], ${cols.phone}::text[], ${cols.area}::text[])`.execute(handle.db);
    done += size;
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      const s = (lastReport - started) / 1000;
      process.stdout.write(`  ${handle.kind}: ${done.toLocaleString('en')} / ${n.toLocaleString('en')} rows, ${s.toFixed(0)} s, ${Math.round(done / s).toLocaleString('en')} rows/s\n`);
    }
  }
  const insertSeconds = (performance.now() - started) / 1000;
  const t = performance.now();
  await sql`VACUUM ANALYZE patient, patient_search_key`.execute(handle.db);
  return { sample: shuffle(sample, rng(seed + 2)), warm: warm.length ? warm : sample, insertSeconds, generateSeconds: generateMs / 1000, vacuumSeconds: (performance.now() - t) / 1000 };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; }
  return xs;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Kind { label: string; query(p: Person): string; lookups?: number }
const KINDS: Kind[] = [
  { label: 'resident ID (exact)', query: (p) => p.residentId },
  { label: 'mobile (exact)', query: (p) => p.phone },
  { label: 'name 汉字 (full name, prefix)', query: (p) => p.name },
  { label: 'full pinyin (prefix)', query: (p) => p.pinyin.split(' ')[0]! },
  { label: 'initials (prefix)', query: (p) => p.initials.split(' ')[0]! },
  // The worst case a clerk can type: a common surname alone matches several percent of everyone.
  { label: 'surname 汉字 only (worst case)', query: (p) => p.name.slice(0, 1), lookups: 100 },
];

interface Row { db: string; n: number; kind: string; lookups: number; p50: number; p95: number; p99: number; meanTotal: number; capped: number; found: number }

async function measure(handle: DbHandle, n: number, sample: Person[], warm: Person[], lookups: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of KINDS) {
    const count = Math.min(kind.lookups ?? lookups, sample.length);
    for (const p of warm.slice(0, WARM_UP)) await searchPatients(handle.db, { q: kind.query(p), limit: 50, offset: 0 }); // warm-up, other residents
    const times: number[] = [];
    let total = 0, capped = 0, found = 0;
    for (const p of sample.slice(0, count)) {
      const t = performance.now();
      const r = await searchPatients(handle.db, { q: kind.query(p), limit: 50, offset: 0 });
      times.push(performance.now() - t);
      total += r.total;
      if (r.totalCapped) capped++;
      if (r.items.some((i) => i.name === p.name && i.birthDate === p.birthDate)) found++;
    }
    times.sort((a, b) => a - b);
    rows.push({ db: handle.kind, n, kind: kind.label, lookups: count, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), meanTotal: total / count, capped: capped / count, found: found / count });
  }
  return rows;
}

function printTable(rows: Row[]) {
  const header = ['database', 'patients', 'lookup', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'mean total', 'total capped', 'on page 1'];
  const body = rows.map((r) => [r.db, r.n.toLocaleString('en'), r.kind, String(r.lookups), r.p50.toFixed(2), r.p95.toFixed(2), r.p99.toFixed(2),
    r.meanTotal < 10 ? r.meanTotal.toFixed(2) : Math.round(r.meanTotal).toLocaleString('en'), `${Math.round(r.capped * 100)}%`, `${Math.round(r.found * 100)}%`]);
  // CJK characters take two columns in a terminal.
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0);
  const widths = header.map((h, i) => Math.max(width(h), ...body.map((b) => width(b[i]!))));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i >= 3 ? ' '.repeat(widths[i]! - width(c)) + c : c + ' '.repeat(widths[i]! - width(c)))).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w, i) => (i >= 3 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|');
  for (const b of body) console.log(line(b));
}

export async function run(args: string[]) {
  const o = parseArgs(args);
  const cpus = os.cpus();
  console.log(`MPI search benchmark — ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}`);
  console.log(`Times are one call of searchPatients() (a page of 50 + the total, counted up to ${TOTAL_CAP.toLocaleString('en')}: "mean total" counts a capped total as ${TOTAL_CAP.toLocaleString('en')}), without HTTP and without the audit entry the route adds.\n`);
  const all: Row[] = [];
  for (const kind of o.dbs) {
    const n = o.perDb[kind] ?? o.n;
    if (kind === 'pglite' && n >= 1_000_000)
      console.log('Note: PGlite is single-threaded WASM: 1M rows take about 2 minutes to load on 2 cores; --n-pglite N gives it a smaller population.');
    const db = await freshDatabase(kind);
    try {
      await migrate(db.handle.db);
      if (kind === 'postgres') {
        const v = await sql<{ v: string }>`SELECT split_part(version(), ' on ', 1) AS v`.execute(db.handle.db);
        console.log(`${kind}: ${v.rows[0]?.v} at ${db.where}`);
      } else console.log(`${kind}: data directory ${db.where}`);
      const { sample, warm, insertSeconds, generateSeconds, vacuumSeconds } = await load(db.handle, n, o.batch, o.seed, o.lookups);
      const size = await sql<{ s: string; k: string }>`SELECT pg_size_pretty(pg_total_relation_size('patient')) AS s,
        pg_size_pretty(pg_total_relation_size('patient_search_key')) AS k`.execute(db.handle.db);
      console.log(`${kind}: generated and inserted ${n.toLocaleString('en')} patients in ${insertSeconds.toFixed(1)} s ` +
        `(${Math.round(n / insertSeconds).toLocaleString('en')} rows/s, of which generating ${generateSeconds.toFixed(1)} s; batches of ${o.batch}, all indexes in place), VACUUM ANALYZE ${vacuumSeconds.toFixed(1)} s, ` +
        `table + indexes ${size.rows[0]?.s}, search keys ${size.rows[0]?.k}`);
      const rows = await measure(db.handle, n, sample, warm, o.lookups);
      all.push(...rows);
      printTable(rows);
      console.log('');
    } finally {
      await db.handle.close();
      if (o.keep) console.log(`${kind}: kept ${db.where}`);
      else await db.drop();
    }
  }
  if (o.dbs.length > 1) printTable(all);
}
