/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4, as SMART backend services use it with a client secret): a client
 * trades its id and secret for a bearer access token valid one hour, and every request with
 * `Authorization: Bearer yla_…` acts as the client's service account. Tokens are random and stored as their
 * SHA-256; each request checks the token, the client (not revoked) and the account (active), so a revoked
 * client's tokens stop working at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { audit } from '../audit/audit.js';
import { rolesOf } from '../auth/session.js';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { hashSecret, secretMatches } from './clients.js';

export const ACCESS_TOKEN_PREFIX = 'yla_';
export const TOKEN_LIFETIME_SECONDS = 3600;
/** Scope granted: the client's institution's rights (system_client); scopes do not narrow them (yet). */
export const GRANTED_SCOPE = 'system/*.*';
/** Realtime callers are re-checked by `sessionId`; an OAuth caller's is `oauth:<token hash>`. */
export const OAUTH_SESSION = 'oauth:';

const hashToken = (t: string) => createHash('sha256').update(t).digest('hex');

/** An RFC 6749 §5.2 error: `{error, error_description}` with 400, or 401 for a client that failed to authenticate. */
export class OAuthError extends Error {
  constructor(readonly status: 400 | 401, readonly error: string, readonly description: string) { super(description); }
}

/** Issues an access token for the client, or throws invalid_client (401) for an unknown, revoked or wrong client. */
export async function issueAccessToken(db: Db, clientId: string, secret: string, ip: string) {
  const c = await db.selectFrom('api_client as c').innerJoin('user_account as u', 'u.id', 'c.user_id')
    .select(['c.id', 'c.secret_hash', 'c.revoked_at', 'c.user_id', 'c.institution_id', 'u.username', 'u.active'])
    .where('c.client_id', '=', clientId).executeTakeFirst();
  // An unknown client costs the same hash as a known one.
  const ok = secretMatches(secret, c?.secret_hash ?? hashSecret(`${secret}!`));
  if (!c || !ok || c.revoked_at || !c.active) {
    await audit(db, { userId: c?.user_id ?? null, username: c?.username ?? null, role: 'system_client', institutionId: c?.institution_id ?? null, ip }, {
      action: 'oauth.token', outcome: 'denied', objectType: 'api_client', objectId: c?.id ?? null,
      detail: { clientId: clientId.slice(0, 100), reason: !c ? 'unknown_client' : !ok ? 'wrong_secret' : 'revoked' },
    });
    throw new OAuthError(401, 'invalid_client', 'Client authentication failed (unknown client, wrong secret or revoked client)');
  }
  const token = ACCESS_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_SECONDS * 1000);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('oauth_token').where('client_id', '=', c.id).where('expires_at', '<', new Date()).execute();
    await tx.insertInto('oauth_token').values({ token_hash: hashToken(token), client_id: c.id, expires_at: expiresAt }).execute();
    await audit(tx, { userId: c.user_id, username: c.username, role: 'system_client', institutionId: c.institution_id, ip }, {
      action: 'oauth.token', objectType: 'api_client', objectId: c.id, detail: { expiresAt: expiresAt.toISOString() },
    });
  });
  return { access_token: token, token_type: 'Bearer' as const, expires_in: TOKEN_LIFETIME_SECONDS, scope: GRANTED_SCOPE };
}

/** The caller behind an access token, or null (not ours, unknown, expired, client revoked, account inactive). */
export async function resolveAccessToken(db: Db, token: string, ip: string): Promise<Caller | null> {
  if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return null;
  const tokenHash = hashToken(token);
  const t = await db.selectFrom('oauth_token as t').innerJoin('api_client as c', 'c.id', 't.client_id')
    .innerJoin('user_account as u', 'u.id', 'c.user_id')
    .select(['c.id as client_id', 'c.user_id', 'c.institution_id', 'c.revoked_at', 'c.last_used_at', 't.expires_at',
      'u.username', 'u.display_name', 'u.active'])
    .where('t.token_hash', '=', tokenHash).executeTakeFirst();
  if (!t || t.revoked_at || !t.active || new Date(t.expires_at) <= new Date()) return null;
  if (!t.last_used_at || Date.now() - new Date(t.last_used_at).getTime() > 60_000)
    await db.updateTable('api_client').set({ last_used_at: new Date() }).where('id', '=', t.client_id).execute();
  const roles = await rolesOf(db, t.user_id);
  const role = roles.find((r) => r.role === 'system_client' && r.institutionId === t.institution_id);
  if (!role) return null;
  return {
    userId: t.user_id, username: t.username, displayName: t.display_name, practitionerId: null, patientId: null,
    role, roles: [role], sessionId: OAUTH_SESSION + tokenHash, ip,
  };
}

/** Of the given `oauth:<hash>` session ids, those still valid (for the realtime hub's periodic re-check). */
export async function liveOauthSessionIds(db: Db, sessionIds: string[]): Promise<Set<string>> {
  const hashes = sessionIds.filter((s) => s.startsWith(OAUTH_SESSION)).map((s) => s.slice(OAUTH_SESSION.length));
  if (!hashes.length) return new Set();
  const rows = await db.selectFrom('oauth_token as t').innerJoin('api_client as c', 'c.id', 't.client_id')
    .innerJoin('user_account as u', 'u.id', 'c.user_id').select('t.token_hash')
    .where('t.token_hash', 'in', hashes).where('t.expires_at', '>', new Date()).where('c.revoked_at', 'is', null).where('u.active', '=', true).execute();
  return new Set(rows.map((r) => OAUTH_SESSION + r.token_hash));
}
