/**
 * API clients and OAuth 2.0 client credentials: an admin creates a client (secret shown once), the client trades
 * its id and secret — in the body or with HTTP Basic — for a bearer token and acts as its institution's
 * system_client; a wrong secret is 401 invalid_client; a revoked client's token stops working at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClientId, demoClientSecret, seedApiClients } from '../seed/api-clients.js';
import { makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Client, adminLower: Client, office: Client;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  admin = await t.login('institution_admin');
  adminLower = await t.login('institution_admin_lower');
  office = await t.login('consortium_admin');
});
afterAll(() => t.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const token = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  t.anonymous.request('POST', '/oauth2/token', form(fields), { ...FORM, ...headers });
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` });
const bearer = (accessToken: string) => ({ authorization: `Bearer ${accessToken}` });

async function newClient(c = admin, institutionId = w.upper.id, name = '市人民医院 HIS') {
  const res = await c.post('/api/v1/api-clients', { institutionId, name });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; clientId: string; clientSecret: string; userId: string };
}

describe(`API clients and OAuth 2.0 on ${dbKind}`, () => {
  it('creates a client with a service account of role system_client at the institution; the secret is shown once', async () => {
    const c = await newClient();
    expect(c.clientId).toMatch(/^upper-[0-9a-f]{10}$/);
    expect(c.clientSecret).toMatch(/^yls_[A-Za-z0-9_-]{43}$/);
    const stored = await t.db.selectFrom('api_client').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toContain(c.clientSecret);
    const roles = await t.db.selectFrom('user_role').selectAll().where('user_id', '=', c.userId).execute();
    expect(roles.map((r) => [r.role, r.institution_id])).toEqual([['system_client', w.upper.id]]);
    const list = await admin.get('/api/v1/api-clients');
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(c.id);
    expect(JSON.stringify(list.body)).not.toContain('yls_');
    const audit = await t.db.selectFrom('audit_log').select(['action', 'object_id']).where('action', '=', 'api_client.create').execute();
    expect(audit.map((a) => a.object_id)).toContain(c.id);
  });

  it('lets an institution admin manage only their own institution\'s clients', async () => {
    const refused = await adminLower.post('/api/v1/api-clients', { institutionId: w.upper.id, name: 'x' });
    expect(refused.status).toBe(403);
    const mine = await newClient(adminLower, w.lower.id, '卫生院 HIS');
    const theirs = await newClient(office, w.upper.id, '县医院 LIS');
    const list = await adminLower.get('/api/v1/api-clients');
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([mine.id]);
    expect((await adminLower.post(`/api/v1/api-clients/${theirs.id}/revoke`)).status).toBe(403);
    expect((await office.get(`/api/v1/api-clients?institutionId=${w.lower.id}`)).body.items.map((i: { id: string }) => i.id)).toEqual([mine.id]);
    expect((await (await t.login('doctor')).get('/api/v1/api-clients')).status).toBe(403);
  });

  it('issues a bearer token for credentials in the body and with HTTP Basic, and the token acts as the institution\'s system client', async () => {
    const c = await newClient();
    const viaBody = await token({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret });
    expect(viaBody.status, JSON.stringify(viaBody.body)).toBe(200);
    expect(viaBody.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'system/*.*' });
    expect(viaBody.body.access_token).toMatch(/^yla_/);
    expect(viaBody.headers['cache-control']).toBe('no-store');
    const viaBasic = await token({ grant_type: 'client_credentials' }, basic(c.clientId, c.clientSecret));
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body.access_token).not.toBe(viaBody.body.access_token);

    const me = await t.anonymous.request('GET', '/api/v1/auth/me', undefined, bearer(viaBasic.body.access_token));
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(JSON.stringify(me.body)).toContain('system_client');
    expect(JSON.stringify(me.body)).toContain(w.upper.id);
    const fhir = await t.anonymous.request('GET', '/fhir/Schedule', undefined, bearer(viaBody.body.access_token));
    expect(fhir.status).toBe(200);
    // The token is stored only as its hash.
    const stored = await t.db.selectFrom('oauth_token').select('token_hash').execute();
    expect(stored.some((s) => s.token_hash === viaBody.body.access_token)).toBe(false);
  });

  it('answers bad requests with RFC 6749 errors: wrong secret 401 invalid_client, other grants, missing fields, two methods', async () => {
    const c = await newClient();
    const wrong = await token({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: 'yls_wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await token({ grant_type: 'client_credentials' }, basic(c.clientId, 'nope'))).status).toBe(401);
    expect((await token({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: c.clientSecret })).status).toBe(401);
    expect((await token({ grant_type: 'password', client_id: c.clientId, client_secret: c.clientSecret })).body.error).toBe('unsupported_grant_type');
    expect((await token({ client_id: c.clientId, client_secret: c.clientSecret })).body.error).toBe('invalid_request');
    const both = await token({ grant_type: 'client_credentials', client_secret: c.clientSecret }, basic(c.clientId, c.clientSecret));
    expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);
    const json = await t.anonymous.request('POST', '/oauth2/token', JSON.stringify({ grant_type: 'client_credentials' }), { 'content-type': 'application/json' });
    expect([json.status, json.body.error]).toEqual([400, 'invalid_request']);
    const denied = await t.db.selectFrom('audit_log').select('detail').where('action', '=', 'oauth.token').where('outcome', '=', 'denied').execute();
    expect(denied.length).toBeGreaterThanOrEqual(3);
    // A bearer that is not a live token is no caller.
    expect((await t.anonymous.request('GET', '/fhir/Schedule', undefined, bearer('yla_not-a-token'))).status).toBe(401);
  });

  it('refuses a revoked client\'s token at once, and new tokens for it', async () => {
    const c = await newClient();
    const { access_token } = (await token({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret })).body;
    expect((await t.anonymous.request('GET', '/api/v1/institutions', undefined, bearer(access_token))).status).toBe(200);
    const revoked = await admin.post(`/api/v1/api-clients/${c.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toBeTruthy();
    expect((await t.anonymous.request('GET', '/api/v1/institutions', undefined, bearer(access_token))).status).toBe(401);
    expect((await t.anonymous.request('GET', '/fhir/Schedule', undefined, bearer(access_token))).status).toBe(401);
    expect((await token({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret })).status).toBe(401);
    expect((await admin.post(`/api/v1/api-clients/${c.id}/revoke`)).status).toBe(200); // idempotent
  });

  it('lets an expired token lapse', async () => {
    const c = await newClient();
    const { access_token } = (await token({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret })).body;
    await t.db.updateTable('oauth_token').set({ expires_at: new Date(Date.now() - 1000) }).where('client_id', '=', c.id).execute();
    expect((await t.anonymous.request('GET', '/api/v1/institutions', undefined, bearer(access_token))).status).toBe(401);
  });

  it('seeds one demo client per institution with a deterministic id and secret that work', async () => {
    const inst = await t.db.selectFrom('institution').selectAll().where('id', '=', w.lower.id).execute();
    await t.db.transaction().execute((tx) => seedApiClients(tx, { institution: inst as never }));
    const id = demoClientId('LOWER');
    expect(id).toBe('his-LOWER');
    expect(demoClientSecret(id)).toBe(demoClientSecret(id));
    const res = await token({ grant_type: 'client_credentials' }, basic(id, demoClientSecret(id)));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const me = await t.anonymous.request('GET', '/api/v1/auth/me', undefined, bearer(res.body.access_token));
    expect(JSON.stringify(me.body)).toContain(w.lower.id);
  });
});
