import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../test/harness.js';
import { makeWorld } from '../test/factories.js';
import { verifyAuditChain } from '../audit/audit.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp({ loginMaxFailures: 3, loginLockMinutes: 15 }); await makeWorld(t.db); });
afterAll(() => t.close());

describe('sign-in', () => {
  it('signs in with the right password and sets an httpOnly SameSite cookie', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'doctor', password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/yl_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: cookie.split(';')[0]! } });
    expect(me.json()).toMatchObject({ username: 'doctor', role: { role: 'doctor', institutionName: '市人民医院' } });
  });

  it('refuses a wrong password with 401 naming the field, and an unknown user the same way', async () => {
    for (const username of ['doctor', 'nobody']) {
      const res = await t.anonymous.post('/api/v1/auth/login', { username, password: 'wrong' });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'bad_credentials', field: 'password' });
      expect(res.body.error.zh).toBe('用户名或密码错误');
    }
  });

  it('locks the account after repeated failures, even for the right password, until the lock expires', async () => {
    for (let i = 0; i < 3; i++) await t.anonymous.post('/api/v1/auth/login', { username: 'dept_head', password: 'wrong' });
    const res = await t.anonymous.post('/api/v1/auth/login', { username: 'dept_head', password: TEST_PASSWORD });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('account_locked');
    await t.db.updateTable('user_account').set({ locked_until: new Date(Date.now() - 1000) }).where('username', '=', 'dept_head').execute();
    expect((await t.anonymous.post('/api/v1/auth/login', { username: 'dept_head', password: TEST_PASSWORD })).status).toBe(200);
  });

  it('ends the session on sign-out', async () => {
    const c = await t.login('doctor');
    expect((await c.get('/api/v1/auth/me')).status).toBe(200);
    await c.post('/api/v1/auth/logout');
    expect((await c.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('expires an idle session and one past its absolute lifetime', async () => {
    const idle = await t.login('doctor');
    await t.db.updateTable('user_session').set({ last_seen_at: new Date(Date.now() - (t.config.sessionIdleMinutes + 1) * 60_000) }).execute();
    expect((await idle.get('/api/v1/auth/me')).status).toBe(401);
    const old = await t.login('doctor');
    await t.db.updateTable('user_session').set({ expires_at: new Date(Date.now() - 1000) }).execute();
    expect((await old.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('records every sign-in attempt in the audit log, and the chain holds', async () => {
    const rows = await t.db.selectFrom('audit_log').select(['action', 'outcome', 'username']).where('action', '=', 'auth.login').execute();
    expect(rows.some((r) => r.outcome === 'ok')).toBe(true);
    expect(rows.some((r) => r.outcome === 'failed' && r.username === 'nobody')).toBe(true);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('refuses malformed JSON and wrong types with a 400 in the one error shape', async () => {
    const bad = await t.anonymous.request('POST', '/api/v1/auth/login', '{"username": "x",', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('malformed_json');
    const typed = await t.anonymous.post('/api/v1/auth/login', { username: 5, password: 'x' });
    expect(typed.status).toBe(400);
    expect(typed.body.error).toMatchObject({ code: 'validation', field: 'username' });
    expect(typed.body.error.zh).toMatch(/username/);
  });
});

describe('unknown fields', () => {
  it('names an unknown key as the offending field', async () => {
    const res = await t.anonymous.post('/api/v1/auth/login', { username: 'doctor', password: 'x', admin: true });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('admin');
  });
});
