/**
 * Walks every API route and sends it bad input — malformed JSON, wrong types, unknown and malformed ids, oversized
 * bodies — as a signed-in consortium office user. Each must get a 4xx in the one error shape, never a 500, and
 * the domain tables must be exactly as before.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodObject } from 'zod';
import { makeWorld, tableHashes } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let admin: Client;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const SKIP = new Set(['POST /api/v1/auth/logout']);

beforeAll(async () => {
  t = await createTestApp({ bodyLimitBytes: 64 * 1024 });
  await makeWorld(t.db);
  admin = await t.login('consortium_admin');
});
afterAll(() => t.close());

const TABLES = ['institution', 'consortium', 'consortium_member', 'department', 'practitioner', 'practitioner_role', 'expert',
  'patient', 'patient_identifier', 'patient_merge', 'user_role', 'idempotency_key'];
async function snapshot() {
  const out = await tableHashes(t.db, TABLES);
  const u = await sql<{ h: string }>`SELECT md5(string_agg(username || password_hash || totp_enabled::text || active::text, '|' ORDER BY username)) AS h FROM user_account`.execute(t.db);
  out.user_account = u.rows[0]!.h;
  return out;
}

const apiRoutes = () => t.app.routeList.filter((r) => (r.url.startsWith('/api/v1/') || r.url.startsWith('/fhir/')) && !SKIP.has(`${r.method} ${r.url}`));
const fill = (url: string, id: string) => url.replace(/:[A-Za-z]+/g, id);
const expectClientError = (res: { status: number; body: any }, what: string) => {
  expect(res.status, `${what} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  // The FHIR facade's error shape: an OperationOutcome with the same code and zh/en messages.
  if (res.body?.resourceType === 'OperationOutcome') res = { ...res, body: { error: { code: res.body.issue[0].details.coding[0].code, zh: res.body.issue[0].details.text, en: res.body.issue[0].diagnostics } } };
  expect(res.body?.error?.code, what).toBeTypeOf('string');
  expect(res.body.error.zh, what).toBeTruthy();
  expect(res.body.error.en, what).toBeTruthy();
};

describe('bad input on every route', () => {
  it('finds the routes to walk', () => {
    expect(apiRoutes().length).toBeGreaterThan(10);
    expect(apiRoutes().filter((r) => r.url.startsWith('/fhir/')).length).toBeGreaterThan(5);
  });

  it('refuses malformed JSON, wrong types, unknown ids and oversized bodies on every route and changes nothing', async () => {
    const before = await snapshot();
    for (const r of apiRoutes()) {
      const hasBody = ['POST', 'PATCH', 'PUT'].includes(r.method);
      const hasId = r.url.includes(':');
      const url = fill(r.url, UNKNOWN);
      if (hasBody) {
        const json = { 'content-type': 'application/json' };
        expectClientError(await admin.request(r.method as 'POST', url, '{"name": "未闭合', json), `${r.method} ${r.url} malformed JSON`);
        expectClientError(await admin.request(r.method as 'POST', url, JSON.stringify({ x: 'y'.repeat(70 * 1024) }), json), `${r.method} ${r.url} oversized`);
        const shape = (r.schema?.body as ZodObject | undefined)?.shape;
        if (shape && Object.keys(shape).length) {
          const wrong = Object.fromEntries(Object.keys(shape).map((k) => [k, { wrong: ['type'] }]));
          const res = await admin.request(r.method as 'POST', url, JSON.stringify(wrong), json);
          expectClientError(res, `${r.method} ${r.url} wrong types`);
          if (!hasId) expect(res.status, `${r.method} ${r.url} wrong types`).toBe(400);
          expectClientError(await admin.request(r.method as 'POST', url, '[1,2,3]', json), `${r.method} ${r.url} array body`);
        }
      }
      if (hasId) {
        const unknown = await admin.request(r.method as 'GET', url, hasBody ? {} : undefined);
        if (!(r.method === 'GET' && unknown.status === 200)) expectClientError(unknown, `${r.method} ${r.url} unknown id`);
        const malformed = await admin.request(r.method as 'GET', fill(r.url, 'not-an-id'), hasBody ? {} : undefined);
        expectClientError(malformed, `${r.method} ${r.url} malformed id`);
      }
      const query = r.schema?.querystring as ZodObject | undefined;
      if (query?.shape && r.method === 'GET') {
        const qs = Object.keys(query.shape).map((k) => `${k}=%ZZ%00${encodeURIComponent('{"a":1}')}`).join('&');
        const res = await admin.request('GET', `${url}?${qs}`);
        expect(res.status, `GET ${r.url} bad query → ${res.status}`).toBeLessThan(500);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('asks anonymous callers to sign in on every route but login', async () => {
    for (const r of apiRoutes()) {
      if (['/api/v1/auth/login', '/api/v1/auth/demo-accounts', '/fhir/metadata', '/api/v1/referrals/public/:token'].includes(r.url)) continue;
      const res = await t.anonymous.request(r.method as 'GET', fill(r.url, UNKNOWN), ['POST', 'PATCH', 'PUT'].includes(r.method) ? {} : undefined);
      expect(res.status, `${r.method} ${r.url}`).toBe(401);
    }
  });
});
