/** Server-side sessions: a random token in an httpOnly cookie, its hash in the database, idle and absolute expiry. */
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '@yilian/core';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Caller, RoleGrant } from '../http/context.js';
import { liveOauthSessionIds, OAUTH_SESSION } from '../oauth/tokens.js';
import { isTokenSession, liveTokenIds } from './api-tokens.js';

export const SESSION_COOKIE = 'yl_session';
const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

export async function rolesOf(db: Db, userId: string): Promise<RoleGrant[]> {
  const rows = await db.selectFrom('user_role').leftJoin('institution', 'institution.id', 'user_role.institution_id')
    .select(['user_role.id', 'user_role.role', 'user_role.institution_id', 'institution.name as institution_name'])
    .where('user_role.user_id', '=', userId).orderBy('user_role.role').orderBy('user_role.id').execute();
  return rows.map((r) => ({ id: r.id, role: r.role as Role, institutionId: r.institution_id, institutionName: r.institution_name }));
}

export async function createSession(db: Db, config: Config, userId: string, ip: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const roles = await rolesOf(db, userId);
  const expiresAt = new Date(Date.now() + config.sessionAbsoluteHours * 3600_000);
  await db.insertInto('user_session').values({
    token_hash: hashToken(token), user_id: userId, active_role_id: roles[0]?.id ?? null, expires_at: expiresAt, client_ip: ip,
  }).execute();
  return { token, expiresAt };
}

/** The caller behind a session token, or null when it is unknown, revoked, idle too long or past its absolute expiry. */
export async function resolveSession(db: Db, config: Config, token: string, ip: string): Promise<Caller | null> {
  const tokenHash = hashToken(token);
  const s = await db.selectFrom('user_session').innerJoin('user_account', 'user_account.id', 'user_session.user_id')
    .select(['user_session.user_id', 'user_session.active_role_id', 'user_session.last_seen_at', 'user_session.expires_at',
      'user_session.revoked_at', 'user_account.username', 'user_account.display_name', 'user_account.practitioner_id',
      'user_account.patient_id', 'user_account.active',
      // The roles in the same query: one round trip per request for sign-in.
      sql<RoleGrant[]>`(SELECT coalesce(json_agg(json_build_object('id', r.id, 'role', r.role, 'institutionId', r.institution_id, 'institutionName', i.name)
        ORDER BY r.role, r.id), '[]') FROM user_role r LEFT JOIN institution i ON i.id = r.institution_id WHERE r.user_id = user_session.user_id)`.as('roles')])
    .where('user_session.token_hash', '=', tokenHash).executeTakeFirst();
  const now = Date.now();
  if (!s || s.revoked_at || !s.active || new Date(s.expires_at).getTime() <= now) return null;
  if (new Date(s.last_seen_at).getTime() + config.sessionIdleMinutes * 60_000 <= now) return null;
  if (now - new Date(s.last_seen_at).getTime() > 30_000)
    await db.updateTable('user_session').set({ last_seen_at: new Date() }).where('token_hash', '=', tokenHash).execute();
  const roles = typeof s.roles === 'string' ? JSON.parse(s.roles) as RoleGrant[] : s.roles;
  const role = roles.find((r) => r.id === s.active_role_id) ?? roles[0];
  if (!role) return null;
  return {
    userId: s.user_id, username: s.username, displayName: s.display_name, practitionerId: s.practitioner_id,
    patientId: s.patient_id, role, roles, sessionId: tokenHash, ip,
  };
}

export const revokeSession = (db: Db, sessionId: string) =>
  db.updateTable('user_session').set({ revoked_at: new Date() }).where('token_hash', '=', sessionId).execute();

/**
 * Of the callers' `sessionId`s (a session's token hash, or `token:<id>` for an API token), those still valid:
 * not signed out, revoked, idle, expired, nor belonging to a deactivated account.
 */
export async function liveSessionIds(db: Db, config: Config, sessionIds: string[]): Promise<Set<string>> {
  const sessions = sessionIds.filter((s) => !isTokenSession(s) && !s.startsWith(OAUTH_SESSION));
  const live = new Set<string>();
  for (let i = 0; i < sessions.length; i += 1000) {
    const rows = await db.selectFrom('user_session').innerJoin('user_account', 'user_account.id', 'user_session.user_id')
      .select('user_session.token_hash')
      .where('user_session.token_hash', 'in', sessions.slice(i, i + 1000))
      .where('user_session.revoked_at', 'is', null).where('user_account.active', '=', true)
      .where('user_session.expires_at', '>', new Date())
      .where('user_session.last_seen_at', '>', new Date(Date.now() - config.sessionIdleMinutes * 60_000))
      .execute();
    for (const r of rows) live.add(r.token_hash);
  }
  const tokens = sessionIds.filter(isTokenSession).map((s) => s.slice('token:'.length));
  for (const id of await liveTokenIds(db, tokens)) live.add(`token:${id}`);
  // OAuth access tokens of system clients (`oauth:<hash>`).
  for (const id of await liveOauthSessionIds(db, sessionIds)) live.add(id);
  return live;
}
