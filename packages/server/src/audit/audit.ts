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

async function append(tx: Tx, actor: Actor, e: AuditEntry, at = new Date()) {
  // One writer at a time extends the chain: audit_chain_tail() takes the lock (released at commit) and reads the
  // last entry, in one round trip.
  const last = (await sql<{ seq: string; hash: string }>`SELECT seq, hash FROM audit_chain_tail()`.execute(tx)).rows[0];
  const row: AuditRow = {
    seq: last ? Number(last.seq) + 1 : 1, at,
    user_id: actor.userId, username: actor.username, role: actor.role, institution_id: actor.institutionId,
    action: e.action, object_type: e.objectType ?? null, object_id: e.objectId ?? null, patient_id: e.patientId ?? null,
    client_ip: actor.ip, reason: e.reason ?? null, outcome: e.outcome ?? 'ok', detail: e.detail ?? null,
    prev_hash: last?.hash ?? GENESIS,
  };
  await tx.insertInto('audit_log').values({ ...row, detail: row.detail === null ? null : JSON.stringify(row.detail), hash: entryHash(row) }).execute();
}

/**
 * Records one event. Pass the transaction of the change: the entry is written in it, just before it commits (so the
 * chain lock is held only for the audit insert and the commit); with a plain Db handle a transaction of its own is used.
 */
export async function audit(dbOrTx: Db | Tx, actor: Actor, entry: AuditEntry): Promise<void> {
  if (dbOrTx.isTransaction) {
    const at = new Date();
    if (onBeforeCommit(dbOrTx as Tx, (tx) => append(tx, actor, entry, at))) return;
    return append(dbOrTx as Tx, actor, entry, at);
  }
  await dbOrTx.transaction().execute((tx) => append(tx, actor, entry));
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
