/**
 * Opens the database: PGlite (embedded, one connection) or a PostgreSQL server (pool), behind one Kysely instance.
 * Both speak the same SQL, so migrations and queries are shared.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** A handle queries can run on: the database or an open transaction. */
export type Reader = Db | Tx;

const beforeCommit = new WeakMap<Tx, ((tx: Tx) => Promise<void>)[]>();

/**
 * Queues work to run inside the transaction just before it commits; false when the transaction was not opened by
 * `db.transaction().execute` (then run the work yourself). The audit log uses it to take its chain lock last, so
 * concurrent writers wait for each other only for the audit insert and the commit, not for the whole change.
 */
export function onBeforeCommit(tx: Tx, work: (tx: Tx) => Promise<void>): boolean {
  const queue = beforeCommit.get(tx);
  if (!queue) return false;
  queue.push(work);
  return true;
}

/** Kysely whose transactions run the `onBeforeCommit` queue after the callback, before COMMIT. */
class YilianKysely extends Kysely<Database> {
  override transaction() {
    const builder = super.transaction();
    const execute = builder.execute.bind(builder);
    builder.execute = (<T>(callback: (tx: Tx) => Promise<T>) => execute(async (tx) => {
      const queue: ((tx: Tx) => Promise<void>)[] = [];
      beforeCommit.set(tx, queue);
      const result = await callback(tx);
      while (queue.length) await queue.shift()!(tx);
      beforeCommit.delete(tx);
      return result;
    })) as typeof builder.execute;
    return builder;
  }
}

/** Runs `f` in the given transaction, or in a new one. */
export const inTx = <T>(dbOrTx: Reader, f: (tx: Tx) => Promise<T>): Promise<T> =>
  dbOrTx.isTransaction ? f(dbOrTx as Tx) : (dbOrTx as Db).transaction().execute(f);
/**
 * Runs a service written for a whole database (it opens its own transaction) inside a transaction already open, so
 * a step and what it causes (e.g. a quick consult's chat message and its draft consultation or referral) commit
 * together or not at all. Kysely does not nest transactions; this hands the service the open one instead.
 */
export function joinTx(tx: Tx): Db {
  return new Proxy(tx, {
    get(target, prop, receiver) {
      if (prop === 'transaction') return () => ({ execute: <T>(fn: (t: Tx) => Promise<T>) => fn(target) });
      return Reflect.get(target, prop, receiver) as unknown;
    },
  }) as unknown as Db;
}
export interface DbHandle {
  db: Db; kind: 'pglite' | 'postgres'; close(): Promise<void>;
  /**
   * LISTEN on a channel: `onPayload` gets each NOTIFY payload (delivered only when the notifying transaction commits).
   * On PostgreSQL one dedicated connection carries every channel of the process and reconnects after an error;
   * `onReconnect` is then called so the listener can catch up on what it may have missed meanwhile.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  /** The embedded database itself (PGlite only). */
  pglite?: PGlite;
}

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
    const db: Db = new YilianKysely({ dialect: new PostgresDialect({ pool }) });
    const listener = new PgListener(opts.url);
    return { db, kind: 'postgres', listen: (c, f, r) => listener.listen(c, f, r), close: async () => { await listener.close(); await db.destroy(); } };
  }
  const pglite = opts.memory || !opts.dataDir ? new PGlite() : new PGlite(opts.dataDir);
  await pglite.waitReady;
  const pool = new PGlitePool(pglite);
  const db: Db = new YilianKysely({ dialect: new PostgresDialect({ pool }) });
  // LISTEN waits for the connection's turn: run in the middle of someone's transaction it would share its fate.
  const turn = async <T>(f: () => Promise<T>) => { const c = await pool.connect(); try { return await f(); } finally { c.release(); } };
  return {
    db, kind: 'pglite', pglite, close: () => db.destroy(),
    async listen(channel, onPayload) {
      const unlisten = await turn(() => pglite.listen(channel, onPayload));
      return () => turn(() => unlisten());
    },
  };
}

/** One dedicated PostgreSQL connection for LISTEN, re-established (and re-LISTENed) after it breaks. */
class PgListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly channels = new Map<string, Set<{ onPayload: (p: string) => void; onReconnect?: () => void }>>();
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  constructor(private readonly url: string) {}

  private connect(): Promise<pg.Client> {
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (n) => { for (const l of this.channels.get(n.channel) ?? []) l.onPayload(n.payload ?? ''); });
      const broken = (err?: Error) => {
        if (this.client !== client) return;
        this.client = null; this.connecting = null;
        client.removeAllListeners('error'); client.on('error', () => {}); client.end().catch(() => {});
        if (this.closed) return;
        if (err && (err as { code?: string }).code !== '57P01') console.error('database listener lost:', err.message);
        this.scheduleReconnect(200);
      };
      client.on('error', broken);
      client.on('end', () => broken());
      await client.connect();
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      this.client = client;
      return client;
    })().catch((err) => { this.connecting = null; throw err; });
    return this.connecting;
  }

  private scheduleReconnect(delay: number) {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(async () => {
      this.retry = null;
      try {
        await this.connect();
        for (const set of this.channels.values()) for (const l of set) l.onReconnect?.();
      } catch { this.scheduleReconnect(Math.min(delay * 2, 5000)); }
    }, delay);
    this.retry.unref();
  }

  async listen(channel: string, onPayload: (p: string) => void, onReconnect?: () => void) {
    const entry = { onPayload, onReconnect };
    const fresh = !this.channels.has(channel);
    if (fresh) this.channels.set(channel, new Set());
    this.channels.get(channel)!.add(entry);
    const client = this.client ?? await this.connect();
    if (fresh) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      const set = this.channels.get(channel);
      set?.delete(entry);
      if (set && !set.size) {
        this.channels.delete(channel);
        await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
      }
    };
  }

  async close() {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client; this.client = null;
    if (c) { c.removeAllListeners('error'); c.on('error', () => {}); await c.end().catch(() => {}); }
  }
}
