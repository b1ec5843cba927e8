/**
 * API tokens for system clients: an admin issues one for an account (shown once), the client sends it as
 * `Authorization: Bearer <token>` on REST calls and on the /ws upgrade, and acts as that account.
 * A token caller's `sessionId` is `token:<id>`, so the hub re-checks tokens like sessions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { notFound } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { rolesOf } from './session.js';
import { loadManaged } from './users.js';

const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');
export const TOKEN_PREFIX = 'ylt_';
export const isTokenSession = (sessionId: string) => sessionId.startsWith('token:');

export async function issueToken(db: Db, caller: Caller, userId: string, input: { name: string; expiresAt?: string | null }) {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return db.transaction().execute(async (tx) => {
    await loadManaged(tx, caller, userId);
    const row = await tx.insertInto('api_token').values({
      user_id: userId, name: input.name, token_hash: hashToken(token), created_by: caller.userId, expires_at: input.expiresAt ?? null,
    }).returning(['id', 'created_at']).executeTakeFirstOrThrow();
    await audit(tx, actorOf(caller), { action: 'user.token_issue', objectType: 'api_token', objectId: row.id, detail: { userId, name: input.name } });
    return { id: row.id, name: input.name, token, createdAt: row.created_at, expiresAt: input.expiresAt ?? null };
  });
}

export async function listTokens(db: Db, caller: Caller, userId: string) {
  await loadManaged(db, caller, userId);
  const rows = await db.selectFrom('api_token').select(['id', 'name', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
  return { total: rows.length, items: rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at })) };
}

export async function revokeToken(db: Db, caller: Caller, userId: string, tokenId: string) {
  await db.transaction().execute(async (tx) => {
    await loadManaged(tx, caller, userId);
    const r = await tx.updateTable('api_token').set({ revoked_at: new Date() })
      .where('id', '=', tokenId).where('user_id', '=', userId).where('revoked_at', 'is', null).returning('id').executeTakeFirst();
    if (!r) throw notFound({ zh: '有效的令牌', en: 'Active token' }, 'tokenId');
    await audit(tx, actorOf(caller), { action: 'user.token_revoke', objectType: 'api_token', objectId: tokenId, detail: { userId } });
  });
}

/** The caller behind a bearer token, or null when it is unknown, revoked, expired or its account inactive. */
export async function resolveToken(db: Db, token: string, ip: string): Promise<Caller | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const t = await db.selectFrom('api_token').innerJoin('user_account', 'user_account.id', 'api_token.user_id')
    .select(['api_token.id', 'api_token.user_id', 'api_token.expires_at', 'api_token.revoked_at', 'api_token.last_used_at',
      'user_account.username', 'user_account.display_name', 'user_account.practitioner_id', 'user_account.patient_id', 'user_account.active'])
    .where('api_token.token_hash', '=', hashToken(token)).executeTakeFirst();
  if (!t || t.revoked_at || !t.active || (t.expires_at && new Date(t.expires_at) <= new Date())) return null;
  if (!t.last_used_at || Date.now() - new Date(t.last_used_at).getTime() > 60_000)
    await db.updateTable('api_token').set({ last_used_at: new Date() }).where('id', '=', t.id).execute();
  const roles = await rolesOf(db, t.user_id);
  if (!roles[0]) return null;
  return {
    userId: t.user_id, username: t.username, displayName: t.display_name, practitionerId: t.practitioner_id, patientId: t.patient_id,
    role: roles[0], roles, sessionId: `token:${t.id}`, ip,
  };
}

/** Of the given token callers' ids, those still valid. */
export async function liveTokenIds(db: Db, tokenIds: string[]): Promise<Set<string>> {
  if (!tokenIds.length) return new Set();
  const rows = await db.selectFrom('api_token').innerJoin('user_account', 'user_account.id', 'api_token.user_id').select('api_token.id')
    .where('api_token.id', 'in', tokenIds).where('api_token.revoked_at', 'is', null).where('user_account.active', '=', true)
    .where((eb) => eb.or([eb('api_token.expires_at', 'is', null), eb('api_token.expires_at', '>', new Date())])).execute();
  return new Set(rows.map((r) => r.id));
}
