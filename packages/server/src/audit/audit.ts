/**
 * Append-only, hash-chained audit log. Each entry's hash covers its fields and the previous entry's hash in its
 * chain, so a changed, removed or inserted row breaks that chain at that point. Entries are written in the same
 * transaction as the change they record. There are several chains (`AUDIT_CHAINS`, default 8): a committing
 * transaction appends to the first one whose lock is free, so commits do not queue behind each other on one lock.
 */
import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { onBeforeCommit, type Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Actor } from '../http/context.js';

export interface AuditEntry {
  action: string; objectType?: string; objectId?: string | null; patientId?: string | null;
  reason?: string | null; outcome?: 'ok' | 'denied' | 'failed'; detail?: Record<string, unknown>;
}

export const GENESIS = '0'.repeat(64);

/** JSON with keys sorted, so the hash does not depend on how jsonb reorders keys. */
export function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (typeof v === 'object')
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export interface AuditRow {
  chain: number; chain_seq: number; at: Date; user_id: string | null; username: string | null; role: string | null; institution_id: string | null;
  action: string; object_type: string | null; object_id: string | null; patient_id: string | null; client_ip: string | null;
  reason: string | null; outcome: string; detail: unknown; prev_hash: string;
}

/**
 * The entry's hash: canonical JSON of its fields with its place in its chain as `seq` (and, outside chain 0, the
 * chain), so the entries written when there was one chain (chain 0, chain_seq = seq) keep their hashes.
 */
export function entryHash(row: AuditRow): string {
  const { chain, chain_seq, at, user_id, username, role, institution_id, action, object_type, object_id, patient_id, client_ip, reason, outcome, detail, prev_hash } = row;
  return createHash('sha256')
    .update(canonical({ ...(Number(chain) === 0 ? {} : { chain: Number(chain) }), seq: Number(chain_seq), at: new Date(at).toISOString(), user_id, username, role, institution_id, action, object_type, object_id, patient_id, client_ip, reason, outcome, detail: detail ?? null, prev_hash }))
    .digest('hex');
}

type Tx = Transaction<Database>;

interface Pending { actor: Actor; entry: AuditEntry; at: Date }

let chains = 8;

/** How many chains appends spread over (from the configuration, `AUDIT_CHAINS`); verification reads them all. */
export function setAuditChains(n: number) {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error('AUDIT_CHAINS must be a whole number from 1 to 64');
  chains = n;
}

/**
 * Appends entries to a chain in the caller's transaction: audit_chain_tail() takes the lock of a free chain
 * (released at commit) and reads its last entry in one round trip; the entries, linked one to the next, go in one
 * INSERT (seq from the log's sequence).
 */
async function append(tx: Tx, pending: Pending[]) {
  const start = Math.floor(Math.random() * chains);
  const tail = (await sql<{ chain: number; chain_seq: string; hash: string | null }>`SELECT chain, chain_seq, hash FROM audit_chain_tail(${chains}::int, ${start}::int)`.execute(tx)).rows[0]!;
  const chain = Number(tail.chain);
  let seq = Number(tail.chain_seq), prev = tail.hash ?? GENESIS;
  const rows = pending.map(({ actor, entry: e, at }) => {
    const row: AuditRow = {
      chain, chain_seq: ++seq, at,
      user_id: actor.userId, username: actor.username, role: actor.role, institution_id: actor.institutionId,
      action: e.action, object_type: e.objectType ?? null, object_id: e.objectId ?? null, patient_id: e.patientId ?? null,
      client_ip: actor.ip, reason: e.reason ?? null, outcome: e.outcome ?? 'ok', detail: e.detail ?? null, prev_hash: prev,
    };
    prev = entryHash(row);
    return { ...row, detail: row.detail === null ? null : JSON.stringify(row.detail), hash: prev };
  });
  for (let i = 0; i < rows.length; i += 500) await tx.insertInto('audit_log').values(rows.slice(i, i + 500)).execute();
}

/** Entries waiting for their transaction's commit, in the order they were recorded. */
const queued = new WeakMap<Tx, Pending[]>();

/**
 * Records one event. Pass the transaction of the change: the entry is written in it just before it commits, with
 * the transaction's other entries in one statement (so the chain lock is held only for that insert and the commit);
 * with a plain Db handle a transaction of its own is used.
 */
export async function audit(dbOrTx: Db | Tx, actor: Actor, entry: AuditEntry): Promise<void> {
  const item = { actor, entry, at: new Date() };
  if (dbOrTx.isTransaction) {
    const tx = dbOrTx as Tx;
    const list = queued.get(tx);
    if (list) { list.push(item); return; }
    const fresh = [item];
    if (onBeforeCommit(tx, async (t) => { queued.delete(t); await append(t, fresh); })) { queued.set(tx, fresh); return; }
    return append(tx, fresh);
  }
  await dbOrTx.transaction().execute((tx) => append(tx, [item]));
}

export interface BrokenEntry {
  chain: number; chainSeq: number; /** The log's entry number, when the broken entry is there (not for a gap). */ seq?: number; reason: string;
}
export interface VerifyResult { ok: boolean; checked: number; chains: number; firstBroken?: BrokenEntry }

/** A chain's last entry at some moment. */
export interface ChainHead { chain: number; chainSeq: number; hash: string }

/**
 * The last entry of each chain. Kept outside the database (`npm run audit:heads` from cron into a write-once
 * place), it lets a later `audit:verify --heads` see entries removed from the end of a chain, which a chain cannot
 * show by itself.
 */
export async function auditHeads(db: Db): Promise<ChainHead[]> {
  const rows = await sql<{ chain: number; chain_seq: string; hash: string }>`
    SELECT DISTINCT ON (chain) chain, chain_seq, hash FROM audit_log ORDER BY chain, chain_seq DESC`.execute(db);
  return rows.rows.map((r) => ({ chain: Number(r.chain), chainSeq: Number(r.chain_seq), hash: r.hash }));
}

/**
 * Walks each chain from its start; names the first entry whose hash or link does not hold. With `heads` (saved
 * earlier by auditHeads), each saved head must still be there with the same hash: a chain cut short, or rewritten
 * from an entry on, is named too.
 */
export async function verifyAuditChain(db: Db, opts: { heads?: ChainHead[]; batch?: number } = {}): Promise<VerifyResult> {
  const batch = opts.batch ?? 5000;
  const found = (await db.selectFrom('audit_log').select('chain').distinct().orderBy('chain').execute()).map((r) => Number(r.chain));
  let checked = 0;
  for (const chain of found) {
    let prev = GENESIS, expected = 1;
    for (;;) {
      const rows = await db.selectFrom('audit_log').selectAll().where('chain', '=', chain).where('chain_seq', '>=', expected)
        .orderBy('chain_seq').limit(batch).execute();
      if (!rows.length) break;
      for (const r of rows) {
        const chainSeq = Number(r.chain_seq), seq = Number(r.seq);
        const broken = (reason: string, at: Partial<BrokenEntry> = { chainSeq, seq }) =>
          ({ ok: false, checked, chains: found.length, firstBroken: { chain, chainSeq, ...at, reason } });
        if (chainSeq !== expected) return broken(`entry ${expected} of chain ${chain} is missing`, { chainSeq: expected });
        if (r.prev_hash !== prev) return broken('prev_hash does not match the previous entry');
        if (entryHash(r as unknown as AuditRow) !== r.hash) return broken('content does not match its hash');
        prev = r.hash; expected++; checked++;
      }
    }
  }
  for (const head of opts.heads ?? []) {
    const row = await db.selectFrom('audit_log').select(['seq', 'hash']).where('chain', '=', head.chain).where('chain_seq', '=', head.chainSeq).executeTakeFirst();
    const at = { chain: head.chain, chainSeq: head.chainSeq };
    if (!row) return { ok: false, checked, chains: found.length, firstBroken: { ...at, reason: `entry ${head.chainSeq} of chain ${head.chain}, saved as a head, is missing: the chain was cut short` } };
    if (row.hash !== head.hash) return { ok: false, checked, chains: found.length, firstBroken: { ...at, seq: Number(row.seq), reason: `entry ${head.chainSeq} of chain ${head.chain} is not the one saved as a head: the chain was rewritten from there` } };
  }
  return { ok: true, checked, chains: found.length };
}
