import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type TestApp } from '../test/harness.js';
import { audit, auditHeads, canonical, GENESIS, verifyAuditChain } from './audit.js';

const actor = { userId: null, username: 'tester', role: 'doctor', institutionId: null, ip: '127.0.0.1' };
let t: TestApp;
beforeAll(async () => { t = await createTestApp(); await makeWorld(t.db); });
afterAll(() => t.close());

/** Simulates someone with database access editing the log behind the application's back. */
async function tamper(statement: string) {
  await t.db.transaction().execute(async (tx) => {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(tx);
    await sql.raw(statement).execute(tx);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`.execute(tx);
  });
}

describe('audit log', () => {
  it('chains each entry to the previous one of its chain, also under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => audit(t.db, actor, { action: 'test.concurrent', objectId: String(i), detail: { i, nested: { b: 1, a: [1, 2] } } })));
    const r = await verifyAuditChain(t.db);
    expect(r.ok).toBe(true);
    expect(r.checked).toBeGreaterThanOrEqual(40);
    expect(r.chains).toBeGreaterThan(1);
    const rows = await t.db.selectFrom('audit_log').select(['seq', 'chain', 'chain_seq']).orderBy('seq').execute();
    expect(new Set(rows.map((r) => Number(r.seq))).size).toBe(rows.length);
    for (const chain of new Set(rows.map((r) => r.chain))) {
      const seqs = rows.filter((r) => r.chain === chain).map((r) => Number(r.chain_seq)).sort((a, b) => a - b);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
  });

  it('keeps each transaction\'s entries together in one chain, in the order they were recorded', async () => {
    await t.db.transaction().execute(async (tx) => {
      for (let i = 0; i < 5; i++) await audit(tx, actor, { action: 'test.together', objectId: String(i) });
    });
    const rows = await t.db.selectFrom('audit_log').select(['seq', 'chain', 'chain_seq', 'object_id']).where('action', '=', 'test.together').orderBy('seq').execute();
    expect(rows.map((r) => r.object_id)).toEqual(['0', '1', '2', '3', '4']);
    expect(new Set(rows.map((r) => r.chain)).size).toBe(1);
    expect(rows.map((r) => Number(r.chain_seq) - Number(rows[0]!.chain_seq))).toEqual([0, 1, 2, 3, 4]);
  });

  it.runIf(dbKind === 'postgres')('lets a commit append to another chain while a transaction holds one, and waits only when all are held', async () => {
    /** Holds the locks of chains 0..n-1 in n open transactions while `during` runs, then rolls them back. */
    const holdAll = async (n: number, during: () => Promise<void>) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      let held = 0;
      const holders = Array.from({ length: n }, (_, i) => t.db.transaction().execute(async (tx) => {
        const got = await sql<{ chain: number }>`SELECT chain FROM audit_chain_tail(8, ${i}::int)`.execute(tx);
        expect(got.rows[0]!.chain).toBe(i);
        held++;
        await gate;
        throw new Error('rollback');
      }).catch(() => {}));
      await vi.waitFor(() => expect(held).toBe(n));
      try { await during(); } finally { release(); await Promise.all(holders); }
    };
    await holdAll(1, async () => {
      await audit(t.db, actor, { action: 'test.beside' });
    });
    let done = false;
    await holdAll(8, async () => {
      const waiting = audit(t.db, actor, { action: 'test.waits' }).then(() => { done = true; });
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false);
      void waiting;
    });
    await vi.waitFor(() => expect(done).toBe(true));
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('refuses updates and deletes through the database itself', async () => {
    await expect(sql`UPDATE audit_log SET action = 'x' WHERE seq = 1`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log WHERE seq = 1`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('names the first broken entry when a row is changed behind its back', async () => {
    const victim = await t.db.selectFrom('audit_log').select(['seq', 'chain', 'chain_seq']).where('chain_seq', '=', 3).orderBy('chain').executeTakeFirstOrThrow();
    await tamper(`UPDATE audit_log SET username = 'mallory' WHERE seq = ${victim.seq}`);
    const r = await verifyAuditChain(t.db);
    expect(r).toMatchObject({ ok: false, firstBroken: { chain: victim.chain, chainSeq: 3, seq: Number(victim.seq), reason: 'content does not match its hash' } });
    await tamper(`UPDATE audit_log SET username = 'tester' WHERE seq = ${victim.seq}`);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('catches a deleted row as a gap in its chain', async () => {
    const victim = await t.db.selectFrom('audit_log').select(['seq', 'chain']).where('chain_seq', '=', 2).orderBy('chain', 'desc').executeTakeFirstOrThrow();
    await tamper(`DELETE FROM audit_log WHERE seq = ${victim.seq}`);
    expect((await verifyAuditChain(t.db)).firstBroken).toEqual({ chain: victim.chain, chainSeq: 2, reason: `entry 2 of chain ${victim.chain} is missing` });
  });

  it('lets the consortium office search the log and refuses a doctor', async () => {
    const admin = await t.login('consortium_admin');
    const res = await admin.get('/api/v1/audit?action=auth.login&limit=5');
    expect(res.status).toBe(200);
    expect(res.body.items[0]).toMatchObject({ action: 'auth.login', username: 'consortium_admin', outcome: 'ok' });
    const doctor = await t.login('doctor');
    const refused = await doctor.get('/api/v1/audit');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
  });

  it('limits an institution admin to the entries of their own institution', async () => {
    const admin = await t.login('institution_admin_lower');
    const res = await admin.get('/api/v1/audit?limit=500');
    expect(res.status).toBe(200);
    const lower = (await t.db.selectFrom('institution').select('id').where('code', '=', 'LOWER').executeTakeFirstOrThrow()).id;
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items.every((e: { institutionId: string }) => e.institutionId === lower)).toBe(true);
  });
});

describe('the upgrade from one chain to several', () => {
  it.runIf(dbKind === 'pglite')('keeps verifying the entries written before it, and goes on from them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yl-audit-'));
    try {
      const h = await openDatabase({ dataDir: dir });
      await migrate(h.db, '050_consultation.sql');
      // Three entries as the one-chain code wrote them: seq 1, 2, 3, each hash over its fields with seq.
      let prev = GENESIS;
      for (let seq = 1; seq <= 3; seq++) {
        const row = { seq, at: new Date(Date.UTC(2026, 0, seq)), user_id: null, username: 'old', role: 'doctor', institution_id: null, action: 'test.before',
          object_type: null, object_id: String(seq), patient_id: null, client_ip: null, reason: null, outcome: 'ok', detail: { seq }, prev_hash: prev };
        const hash = createHash('sha256').update(canonical(row)).digest('hex');
        await sql`INSERT INTO audit_log (seq, at, username, role, action, object_id, outcome, detail, prev_hash, hash)
                  VALUES (${seq}, ${row.at}, 'old', 'doctor', 'test.before', ${String(seq)}, 'ok', ${JSON.stringify(row.detail)}, ${prev}, ${hash})`.execute(h.db);
        prev = hash;
      }
      await migrate(h.db);
      expect(await verifyAuditChain(h.db)).toEqual({ ok: true, checked: 3, chains: 1 });
      for (let i = 0; i < 12; i++) await audit(h.db, actor, { action: 'test.after', objectId: String(i) });
      const r = await verifyAuditChain(h.db);
      expect(r).toMatchObject({ ok: true, checked: 15 });
      const after = await h.db.selectFrom('audit_log').select(['seq']).where('action', '=', 'test.after').orderBy('seq').execute();
      expect(after.map((a) => Number(a.seq))).toEqual(Array.from({ length: 12 }, (_, i) => i + 4));
      await h.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('saved chain heads', () => {
  it.runIf(dbKind === 'pglite')('show a chain cut short or rewritten at its end, which the chain alone cannot', async () => {
    const h = await openDatabase({ memory: true });
    try {
      await migrate(h.db);
      for (let i = 0; i < 30; i++) await audit(h.db, actor, { action: 'test.heads', objectId: String(i) });
      const heads = await auditHeads(h.db);
      expect(heads.length).toBeGreaterThan(1);
      expect(await verifyAuditChain(h.db, { heads })).toMatchObject({ ok: true, checked: 30 });
      // Later entries do not disturb the saved heads.
      for (let i = 0; i < 5; i++) await audit(h.db, actor, { action: 'test.heads.later' });
      expect((await verifyAuditChain(h.db, { heads })).ok).toBe(true);
      // The last entries of one chain removed: the chain alone still verifies; against the heads it does not.
      const cut = heads[0]!;
      await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(h.db);
      await sql`DELETE FROM audit_log WHERE chain = ${cut.chain} AND chain_seq >= ${cut.chainSeq}`.execute(h.db);
      expect((await verifyAuditChain(h.db)).ok).toBe(true);
      expect((await verifyAuditChain(h.db, { heads })).firstBroken).toEqual({
        chain: cut.chain, chainSeq: cut.chainSeq, reason: `entry ${cut.chainSeq} of chain ${cut.chain}, saved as a head, is missing: the chain was cut short` });
    } finally {
      await h.close();
    }
  });

  it('are served to the consortium office, not to a doctor', async () => {
    const admin = await t.login('consortium_admin');
    const res = await admin.get('/api/v1/audit/heads');
    expect(res.status).toBe(200);
    expect(res.body.heads.length).toBeGreaterThan(0);
    expect(res.body.heads[0]).toEqual({ chain: expect.any(Number), chainSeq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await (await t.login('doctor')).get('/api/v1/audit/heads')).status).toBe(403);
  });
});

describe('npm run audit:verify', () => {
  it.runIf(dbKind === 'pglite')('reports an intact chain and names the first broken entry after tampering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yl-audit-'));
    try {
      const h = await openDatabase({ dataDir: dir });
      await migrate(h.db);
      for (let i = 0; i < 5; i++) await audit(h.db, actor, { action: 'test.cli', objectId: String(i) });
      await h.close();
      const cli = (...args: string[]) => promisify(execFile)('node', ['--import', 'tsx', 'packages/server/src/cli.ts', ...args],
        { cwd: new URL('../../../../', import.meta.url).pathname, env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '' } });
      const run = () => cli('audit:verify');
      expect((await run()).stdout).toMatch(/audit chain intact: 5 entries verified in \d chain/);
      // The heads, saved to a file and checked against.
      const saved = JSON.parse((await cli('audit:heads')).stdout);
      expect(saved.heads.reduce((n: number, x: { chainSeq: number }) => n + x.chainSeq, 0)).toBe(5);
      writeFileSync(join(dir, 'heads.json'), JSON.stringify(saved));
      expect((await cli('audit:verify', '--heads', join(dir, 'heads.json'))).stdout).toMatch(/saved head\(s\) are in place/);
      const h2 = await openDatabase({ dataDir: dir });
      await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(h2.db);
      const victim = await h2.db.selectFrom('audit_log').select(['chain', 'chain_seq']).where('seq', '=', 3).executeTakeFirstOrThrow();
      await sql`UPDATE audit_log SET object_id = '99' WHERE seq = 3`.execute(h2.db);
      await h2.close();
      const err = await run().catch((e) => e);
      expect(err.code).toBe(1);
      expect(err.stderr).toContain(`BROKEN at entry ${victim.chain_seq} of chain ${victim.chain} (log entry 3)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
