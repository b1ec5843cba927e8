/** Forward-only SQL migrations from ./migrations, applied in name order at start, each in its own transaction. */
import { readdir, readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Db } from './database.js';

const dir = new URL('./migrations/', import.meta.url);

/** Applies what is pending; `until` (a file name) stops after that migration (tests of a migration's upgrade path). */
export async function migrate(db: Db, until?: string): Promise<string[]> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  const done = new Set((await sql<{ name: string }>`SELECT name FROM schema_migration`.execute(db)).rows.map((r) => r.name));
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql') && (!until || f <= until)).sort();
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const text = await readFile(new URL(file, dir), 'utf8');
    await db.transaction().execute(async (tx) => {
      // Take a lock so that two processes starting together do not both apply it.
      await sql`SELECT pg_advisory_xact_lock(727001)`.execute(tx);
      const again = await sql`SELECT 1 FROM schema_migration WHERE name = ${file}`.execute(tx);
      if (again.rows.length) return;
      await sql.raw(text).execute(tx);
      await sql`INSERT INTO schema_migration (name) VALUES (${file})`.execute(tx);
      applied.push(file);
    });
  }
  return applied;
}
