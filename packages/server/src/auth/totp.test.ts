import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../test/harness.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); await makeWorld(t.db); });
afterAll(() => t.close());
const codeFor = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate();

describe('TOTP second factor', () => {
  it('enrols with a confirming code, then demands a code at sign-in', async () => {
    const c = await t.login('regulator');
    const setup = (await c.post('/api/v1/auth/totp/setup')).body;
    expect(setup.uri).toMatch(/^otpauth:\/\/totp\//);
    expect((await c.post('/api/v1/auth/totp/enable', { code: '000000' })).status).toBe(400);
    expect((await c.post('/api/v1/auth/totp/enable', { code: codeFor(setup.secret) })).status).toBe(200);

    const noCode = await t.anonymous.post('/api/v1/auth/login', { username: 'regulator', password: TEST_PASSWORD });
    expect(noCode.body.error).toMatchObject({ code: 'totp_required', field: 'totp' });
    const wrong = await t.anonymous.post('/api/v1/auth/login', { username: 'regulator', password: TEST_PASSWORD, totp: '123456' });
    expect(wrong.body.error.code).toMatch(/bad_totp/);
    const ok = await t.anonymous.post('/api/v1/auth/login', { username: 'regulator', password: TEST_PASSWORD, totp: codeFor(setup.secret) });
    expect(ok.status).toBe(200);

    expect((await c.post('/api/v1/auth/totp/disable', { password: 'wrong' })).status).toBe(400);
    expect((await c.post('/api/v1/auth/totp/disable', { password: TEST_PASSWORD })).status).toBe(200);
    expect((await t.anonymous.post('/api/v1/auth/login', { username: 'regulator', password: TEST_PASSWORD })).status).toBe(200);
  });
});
