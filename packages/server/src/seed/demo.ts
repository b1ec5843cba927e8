/**
 * The demo consortium (德清县县域医共体): 21 institutions, their departments, ~90 practitioners with an expert pool,
 * 2,000 residents with local patient numbers, and one account per role (accounts.ts). Written once, in one
 * transaction, when the database has no consortium yet. See build.ts for what is generated and how.
 */
import { sql, type Insertable, type Kysely } from 'kysely';
import { audit } from '../audit/audit.js';
import { hashPassword } from '../auth/password.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { FileStore } from '../files/store.js';
import { DEMO_PASSWORD } from './accounts.js';
import { buildDemoRows, type DemoRows } from './build.js';
import { seedApiClients } from './api-clients.js';
import { seedConsultations } from './consultations.js';
import { seedRecords } from './record.js';
import { seedReferrals } from './referral.js';
import { seedScheduling } from './scheduling.js';

export { DEMO_ACCOUNTS, DEMO_PASSWORD } from './accounts.js';

/** True when any consortium exists (then the demo is not seeded). */
export async function demoPresent(db: Kysely<Database>): Promise<boolean> {
  return !!(await db.selectFrom('consortium').select('id').limit(1).executeTakeFirst());
}

export type DemoSummary = Record<keyof DemoRows | 'ms', number>;

/** Order matters: rows refer to rows of earlier tables. */
const TABLES: (keyof DemoRows)[] = [
  'institution', 'consortium', 'consortium_member', 'department', 'practitioner', 'practitioner_role', 'expert',
  'patient', 'patient_identifier', 'user_account', 'user_role',
];
const BATCH = 400;

/**
 * Seeds the demo consortium unless a consortium exists; returns row counts (and milliseconds taken), or null.
 * With the file store, the demo consents' signature images are stored too (without it only their metadata).
 */
export async function ensureDemoData(db: Db, files?: FileStore): Promise<DemoSummary | null> {
  if (await demoPresent(db)) return null;
  const started = performance.now();
  const rows = buildDemoRows(await hashPassword(DEMO_PASSWORD)); // hashed once, shared by every demo account
  const done = await db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(727003)`.execute(tx); // two instances starting at once seed only once
    if (await demoPresent(tx)) return false;
    for (const table of TABLES) {
      const list = rows[table] as Insertable<Database[typeof table]>[];
      for (let i = 0; i < list.length; i += BATCH) await tx.insertInto(table).values(list.slice(i, i + BATCH) as never).execute();
    }
    await seedScheduling(tx, rows);
    await seedRecords(tx, rows);
    const now = Date.now();
    await seedReferrals(tx, rows, now);
    await seedConsultations(tx, rows, now, files);
    await seedApiClients(tx, rows);
    await audit(tx, { userId: null, username: 'system', role: null, institutionId: null, ip: null }, {
      action: 'seed.demo', objectType: 'consortium', objectId: rows.consortium[0]!.id as string,
      detail: Object.fromEntries(TABLES.map((t) => [t, rows[t].length])),
    });
    return true;
  });
  if (!done) return null;
  return { ...(Object.fromEntries(TABLES.map((t) => [t, rows[t].length])) as Record<keyof DemoRows, number>), ms: Math.round(performance.now() - started) };
}
