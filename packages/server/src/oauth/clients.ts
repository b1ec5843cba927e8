/**
 * API clients (接口客户端: HIS, LIS, PACS …) of an institution. Each client gets a service account — a user_account
 * with the one role `system_client` at the client's institution — and acts with that account's rights once it has
 * an access token (tokens.ts). Created and revoked by the consortium office or the institution's admin
 * (`api_client.manage`); the secret is shown once.
 *
 * Secrets are 32 random bytes (256 bits) and stored as their SHA-256. A slow password hash (argon2) protects
 * low-entropy human passwords against guessing after a database leak; a 256-bit random secret cannot be guessed
 * either way, and the token endpoint stays cheap for clients that fetch a token every hour.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { conflict, notFound } from '@yilian/core';
import { audit } from '../audit/audit.js';
import { inTx, type Reader, type Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize, institutionLimit } from '../policy/policy.js';

export const SECRET_PREFIX = 'yls_';
export const API_CLIENT = { zh: '接口客户端', en: 'API client' };

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
export const newSecret = () => SECRET_PREFIX + randomBytes(32).toString('base64url');

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex'), b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The service account's password can never verify: it signs in only through OAuth. */
const NO_PASSWORD = '!oauth-client-no-password';

export interface ApiClientView {
  id: string; clientId: string; name: string; institutionId: string; institutionName: string; userId: string;
  createdAt: Date; revokedAt: Date | null; lastUsedAt: Date | null;
}

const select = (db: Reader) => db.selectFrom('api_client as c').innerJoin('institution as i', 'i.id', 'c.institution_id')
  .select(['c.id', 'c.client_id', 'c.name', 'c.institution_id', 'i.name as institution_name', 'c.user_id', 'c.created_at', 'c.revoked_at', 'c.last_used_at']);
type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;
const view = (r: Row): ApiClientView => ({
  id: r.id, clientId: r.client_id, name: r.name, institutionId: r.institution_id, institutionName: r.institution_name, userId: r.user_id,
  createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at,
});

/**
 * Inserts a client and its service account (no permission check: the callers check, or it is the demo seed).
 * The service account's username is `api.<clientId>` (lower case).
 */
export async function insertClient(tx: Tx, input: { clientId: string; secret: string; name: string; institutionId: string; createdBy: string | null }) {
  const user = await tx.insertInto('user_account').values({
    username: `api.${input.clientId.toLowerCase()}`, display_name: input.name, password_hash: NO_PASSWORD,
  }).returning('id').executeTakeFirstOrThrow();
  await tx.insertInto('user_role').values({ user_id: user.id, role: 'system_client', institution_id: input.institutionId }).execute();
  return tx.insertInto('api_client').values({
    client_id: input.clientId, secret_hash: hashSecret(input.secret), name: input.name, institution_id: input.institutionId,
    user_id: user.id, created_by: input.createdBy,
  }).returning(['id']).executeTakeFirstOrThrow();
}

/** A new client of an institution: `{…, clientSecret}` — the only time the secret is shown. */
export async function createClient(db: Reader, caller: Caller, input: { institutionId: string; name: string }) {
  authorize(caller, 'api_client.manage', { institutionId: input.institutionId });
  const secret = newSecret();
  return inTx(db, async (tx) => {
    const inst = await tx.selectFrom('institution').select(['id', 'code']).where('id', '=', input.institutionId).executeTakeFirst();
    if (!inst) throw notFound({ zh: '机构', en: 'Institution' }, 'institutionId');
    const clientId = `${inst.code.toLowerCase()}-${randomBytes(5).toString('hex')}`;
    if (await tx.selectFrom('user_account').select('id').where('username', '=', `api.${clientId}`).executeTakeFirst())
      throw conflict('duplicate_client', '客户端编号冲突，请重试', 'Client id collision; try again');
    const row = await insertClient(tx, { clientId, secret, name: input.name, institutionId: inst.id, createdBy: caller.userId });
    await audit(tx, actorOf(caller), { action: 'api_client.create', objectType: 'api_client', objectId: row.id, detail: { clientId, institutionId: inst.id, name: input.name } });
    return { ...view(await select(tx).where('c.id', '=', row.id).executeTakeFirstOrThrow()), clientSecret: secret };
  });
}

export async function listClients(db: Reader, caller: Caller, q: { institutionId?: string | undefined }) {
  authorize(caller, 'api_client.manage');
  let sel = select(db);
  const limit = institutionLimit(caller, 'api_client.manage');
  if (limit) sel = sel.where('c.institution_id', '=', limit);
  if (q.institutionId) sel = sel.where('c.institution_id', '=', q.institutionId);
  const rows = await sel.orderBy('i.code').orderBy('c.created_at').orderBy('c.id').execute();
  return { total: rows.length, items: rows.map(view) };
}

/** Revokes a client: its tokens stop working at once (they are checked against the client on every request). */
export async function revokeClient(db: Reader, caller: Caller, id: string) {
  authorize(caller, 'api_client.manage');
  return inTx(db, async (tx) => {
    const c = await tx.selectFrom('api_client').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!c) throw notFound(API_CLIENT, 'id');
    authorize(caller, 'api_client.manage', { institutionId: c.institution_id });
    if (!c.revoked_at) {
      await tx.updateTable('api_client').set({ revoked_at: new Date() }).where('id', '=', id).execute();
      await tx.deleteFrom('oauth_token').where('client_id', '=', id).execute();
      // The service account goes too, so no other credential of it (an API token) outlives the client.
      await tx.updateTable('user_account').set({ active: false }).where('id', '=', c.user_id).execute();
      await audit(tx, actorOf(caller), { action: 'api_client.revoke', objectType: 'api_client', objectId: id, detail: { clientId: c.client_id, institutionId: c.institution_id } });
    }
    return view(await select(tx).where('c.id', '=', id).executeTakeFirstOrThrow());
  });
}
