/**
 * Append-only, hash-chained audit log. Each entry's hash covers its fields and the previous entry's hash, so a
 * changed, removed or inserted row breaks the chain at that point. Entries are written in the same transaction
 * as the change they record.
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
  seq: number; at: Date; user_id: string | null; username: string | null; role: string | null; institution_id: string | null;
  action: string; object_type: string | null; object_id: string | null; patient_id: string | null; client_ip: string | null;
  reason: string | null; outcome: string; detail: unknown; prev_hash: string;
}

export function entryHash(row: AuditRow): string {
  const { seq, at, user_id, username, role, institution_id, action, object_type, object_id, patient_id, client_ip, reason, outcome, detail, prev_hash } = row;
  return createHash('sha256')
    .update(canonical({ seq: Number(seq), at: new Date(at).toISOString(), user_id, username, role, institution_id, action, object_type, object_id, patient_id, client_ip, reason, outcome, detail: detail ?? null, prev_hash }))
    .digest('hex');
}

type Tx = Transaction<Database>;

interface Pending { actor: Actor; entry: AuditEntry; at: Date }

/**
 * Appends entries to the chain in the caller's transaction: audit_chain_tail() takes the chain lock (released at
 * commit) and reads the last entry in one round trip; the entries, linked one to the next, go in one INSERT.
 */
async function append(tx: Tx, pending: Pending[]) {
  const last = (await sql<{ seq: string; hash: string }>`SELECT seq, hash FROM audit_chain_tail()`.execute(tx)).rows[0];
  let seq = last ? Number(last.seq) : 0, prev = last?.hash ?? GENESIS;
  const rows = pending.map(({ actor, entry: e, at }) => {
    const row: AuditRow = {
      seq: ++seq, at,
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

export interface VerifyResult { ok: boolean; checked: number; firstBroken?: { seq: number; reason: string } }

/** Walks the chain from the start; names the first entry whose hash or link does not hold. */
export async function verifyAuditChain(db: Db, batch = 5000): Promise<VerifyResult> {
  let prev = GENESIS, expectedSeq = 1, checked = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(batch).execute();
    if (!rows.length) return { ok: true, checked };
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq) return { ok: false, checked, firstBroken: { seq: expectedSeq, reason: `entry ${expectedSeq} is missing` } };
      if (r.prev_hash !== prev) return { ok: false, checked, firstBroken: { seq, reason: 'prev_hash does not match the previous entry' } };
      if (entryHash({ ...(r as unknown as AuditRow), seq }) !== r.hash) return { ok: false, checked, firstBroken: { seq, reason: 'content does not match its hash' } };
      prev = r.hash; expectedSeq++; checked++;
    }
  }
}
