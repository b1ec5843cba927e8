import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let base: string;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
afterAll(() => t.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
function openSocket(token: string): Promise<{ ws: WebSocket; first: any; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}/ws`, { headers: bearer(token) });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.once('message', (raw) => resolve({ ws, first: JSON.parse(raw.toString()), closed }));
    ws.once('error', reject);
  });
}

describe('API tokens for system clients', () => {
  it('lets an admin issue a token that a system client uses on REST and on the WebSocket, until it is revoked', async () => {
    const admin = await t.login('institution_admin_lower');
    const issued = await admin.post(`/api/v1/users/${w.users.doctor_lower.id}/tokens`, { name: '乡镇HIS接口' });
    expect(issued.status).toBe(201);
    const token: string = issued.body.token;
    expect(token).toMatch(/^ylt_/);
    // the token is stored only as a hash and never listed again
    expect(JSON.stringify(await t.db.selectFrom('api_token').selectAll().execute())).not.toContain(token);
    expect(JSON.stringify((await admin.get(`/api/v1/users/${w.users.doctor_lower.id}/tokens`)).body)).not.toContain(token);

    const me = await t.anonymous.request('GET', '/api/v1/auth/me', undefined, bearer(token));
    expect(me.body).toMatchObject({ username: 'doctor_lower', role: { institutionId: w.lower.id } });
    const socket = await openSocket(token);
    expect(socket.first).toMatchObject({ type: 'hello', userId: w.users.doctor_lower.id });

    expect((await admin.post(`/api/v1/users/${w.users.doctor_lower.id}/tokens/${issued.body.id}/revoke`)).status).toBe(200);
    expect((await t.anonymous.request('GET', '/api/v1/auth/me', undefined, bearer(token))).status).toBe(401);
    await t.app.hub.checkSessions();
    expect(await socket.closed).toBe(4401);
  });

  it('refuses unknown tokens, and tokens for accounts outside an institution admin’s reach', async () => {
    expect((await t.anonymous.request('GET', '/api/v1/auth/me', undefined, bearer('ylt_nope'))).status).toBe(401);
    const admin = await t.login('institution_admin_lower');
    const before = await t.db.selectFrom('api_token').select('id').execute();
    expect((await admin.post(`/api/v1/users/${w.users.doctor.id}/tokens`, { name: 'x' })).status).toBe(403);
    expect(await t.db.selectFrom('api_token').select('id').execute()).toHaveLength(before.length);
  });
});
