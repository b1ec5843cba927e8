import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type TestApp } from '../test/harness.js';
import { audit, verifyAuditChain } from './audit.js';

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
  it('chains each entry to the previous one, also under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => audit(t.db, actor, { action: 'test.concurrent', objectId: String(i), detail: { i, nested: { b: 1, a: [1, 2] } } })));
    const r = await verifyAuditChain(t.db);
    expect(r.ok).toBe(true);
    expect(r.checked).toBeGreaterThanOrEqual(20);
  });

  it('refuses updates and deletes through the database itself', async () => {
    await expect(sql`UPDATE audit_log SET action = 'x' WHERE seq = 1`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log WHERE seq = 1`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('names the first broken entry when a row is changed behind its back', async () => {
    await tamper(`UPDATE audit_log SET username = 'mallory' WHERE seq = 5`);
    const r = await verifyAuditChain(t.db);
    expect(r).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: 'content does not match its hash' }, checked: 4 });
  });

  it('catches a deleted row as a gap in the chain', async () => {
    await tamper(`UPDATE audit_log SET username = 'tester' WHERE seq = 5`);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    await tamper(`DELETE FROM audit_log WHERE seq = 7`);
    expect((await verifyAuditChain(t.db)).firstBroken).toEqual({ seq: 7, reason: 'entry 7 is missing' });
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

describe('npm run audit:verify', () => {
  it.runIf(dbKind === 'pglite')('reports an intact chain and names the first broken entry after tampering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yl-audit-'));
    try {
      const h = await openDatabase({ dataDir: dir });
      await migrate(h.db);
      for (let i = 0; i < 5; i++) await audit(h.db, actor, { action: 'test.cli', objectId: String(i) });
      await h.close();
      const run = () => promisify(execFile)('node', ['--import', 'tsx', 'packages/server/src/cli.ts', 'audit:verify'],
        { cwd: new URL('../../../../', import.meta.url).pathname, env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '' } });
      expect((await run()).stdout).toMatch(/audit chain intact: 5 entries verified/);
      const h2 = await openDatabase({ dataDir: dir });
      await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(h2.db);
      await sql`UPDATE audit_log SET object_id = '99' WHERE seq = 3`.execute(h2.db);
      await h2.close();
      const err = await run().catch((e) => e);
      expect(err.code).toBe(1);
      expect(err.stderr).toMatch(/BROKEN at entry 3/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
