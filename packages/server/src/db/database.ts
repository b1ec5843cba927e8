/**
 * Opens the database: PGlite (embedded, one connection) or a PostgreSQL server (pool), behind one Kysely instance.
 * Both speak the same SQL, so migrations and queries are shared.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export interface DbHandle { db: Db; kind: 'pglite' | 'postgres'; close(): Promise<void> }

// DATE columns as plain 'YYYY-MM-DD' strings (no time-zone shifts), bigint as number-safe string.
pg.types.setTypeParser(1082, (v: string) => v);

/**
 * PGlite has a single connection; this pool hands it out to one user at a time, so a Kysely transaction owns it
 * from BEGIN to COMMIT and other queries wait their turn — the same isolation a server gives.
 * (kysely-pglite-dialect does the same but does not support PGlite 0.5; see docs/decisions.md.)
 */
class PGlitePool implements PostgresPool {
  private queue: Promise<void> = Promise.resolve();
  constructor(readonly pglite: PGlite) {}
  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const turn = new Promise<void>((r) => (release = r));
    const previous = this.queue;
    this.queue = previous.then(() => turn);
    await previous;
    const pglite = this.pglite;
    return {
      async query(sql: string, parameters: readonly unknown[]) {
        const options = { parsers: { 1082: (v: string) => v } };
        // Without parameters use the simple protocol, which (like pg) allows several statements (migrations).
        const r = parameters.length
          ? await pglite.query(sql, parameters as unknown[], options)
          : (await pglite.exec(sql, options)).at(-1) ?? { rows: [], affectedRows: 0 };
        const command = sql.trimStart().slice(0, 6).toUpperCase();
        return { command: command as 'SELECT', rowCount: r.affectedRows ?? r.rows.length, rows: r.rows as never[] };
      },
      release,
    } as unknown as PostgresPoolClient;
  }
  async end() { await this.pglite.close(); }
}

export async function openDatabase(opts: { url?: string; dataDir?: string; memory?: boolean }): Promise<DbHandle> {
  if (opts.url) {
    const pool = new pg.Pool({ connectionString: opts.url, max: Number(process.env.DB_POOL_SIZE ?? 20) });
    // An idle connection closed by the server (restart, DROP DATABASE … FORCE in tests) must not crash the process;
    // the pool replaces it on the next checkout.
    pool.on('error', (err) => { if ((err as { code?: string }).code !== '57P01') console.error('database pool error:', err.message); });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const pglite = opts.memory || !opts.dataDir ? new PGlite() : new PGlite(opts.dataDir);
  await pglite.waitReady;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite) }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}
