import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type TestApp } from '../test/harness.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => { t = await createTestApp(); w = await makeWorld(t.db); });
afterAll(() => t.close());

describe('account administration', () => {
  it('lets the consortium office create an account with roles at two institutions, who can then switch role', async () => {
    const admin = await t.login('consortium_admin');
    const res = await admin.post('/api/v1/users', {
      username: 'liu.doc', displayName: '刘医生', password: 'Long-enough-1',
      roles: [{ role: 'doctor', institutionId: w.upper.id }, { role: 'doctor', institutionId: w.lower.id }],
    });
    expect(res.status).toBe(201);
    const liu = await t.login('liu.doc', 'Long-enough-1');
    const me = (await liu.get('/api/v1/auth/me')).body;
    expect(me.roles).toHaveLength(2);
    const other = me.roles.find((r: { id: string }) => r.id !== me.role.id);
    const switched = await liu.post('/api/v1/auth/active-role', { roleId: other.id });
    expect(switched.body.role.institutionId).toBe(other.institutionId);
    expect((await liu.get('/api/v1/auth/me')).body.role.id).toBe(other.id);
  });

  it('refuses switching to a role the person does not hold', async () => {
    const doctor = await t.login('doctor');
    const res = await doctor.post('/api/v1/auth/active-role', { roleId: '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('roleId');
  });

  it('keeps an institution admin to roles at their own institution', async () => {
    const admin = await t.login('institution_admin_lower');
    const ok = await admin.post('/api/v1/users', { username: 'village.doc', displayName: '村医', password: 'Long-enough-1', roles: [{ role: 'doctor', institutionId: w.lower.id }] });
    expect(ok.status).toBe(201);
    const before = await t.db.selectFrom('user_account').select('id').execute();
    for (const roles of [[{ role: 'doctor', institutionId: w.upper.id }], [{ role: 'consortium_admin', institutionId: w.lower.id }]]) {
      const res = await admin.post('/api/v1/users', { username: `x${before.length}${roles[0]!.role}`.slice(0, 30), displayName: 'x', password: 'Long-enough-1', roles });
      expect(res.status).toBe(403);
    }
    expect(await t.db.selectFrom('user_account').select('id').execute()).toHaveLength(before.length);
    const listed = (await admin.get('/api/v1/users')).body.items.map((u: { username: string }) => u.username);
    expect(listed).toContain('village.doc');
    expect(listed).not.toContain('doctor');
  });

  it('refuses an institution admin control over accounts that reach beyond its institution', async () => {
    const admin = await t.login('institution_admin');
    const before = await t.db.selectFrom('user_account').select(['username', 'password_hash', 'active']).orderBy('username').execute();
    // consortium_admin holds its role at the same (upper) institution, but it is consortium-wide
    for (const url of [`/api/v1/users/${w.users.consortium_admin.id}/reset-password`, `/api/v1/users/${w.users.consortium_admin.id}/deactivate`]) {
      const res = await admin.post(url, { password: 'Takeover-pass-1' });
      expect(res.status, url).toBe(403);
    }
    const multi = await t.login('consortium_admin');
    const created = await multi.post('/api/v1/users', { username: 'two.places', displayName: '两地', password: 'Long-enough-1', roles: [{ role: 'doctor', institutionId: w.upper.id }, { role: 'doctor', institutionId: w.lower.id }] });
    const after1 = await t.db.selectFrom('user_account').select(['username', 'password_hash', 'active']).where('username', '!=', 'two.places').orderBy('username').execute();
    expect(after1).toEqual(before);
    expect((await admin.post(`/api/v1/users/${created.body.id}/deactivate`)).status).toBe(403);
    const grant = await admin.post(`/api/v1/users/${created.body.id}/roles`, { role: 'regulator', institutionId: null });
    expect(grant.status).toBe(403);
    expect(grant.body.error.field).toBe('role');
  });

  it('deactivating an account ends its sessions; a password reset unlocks it', async () => {
    const admin = await t.login('consortium_admin');
    const doc = await t.login('doctor_lower');
    await admin.post(`/api/v1/users/${w.users.doctor_lower.id}/deactivate`);
    expect((await doc.get('/api/v1/auth/me')).status).toBe(401);
    expect((await t.anonymous.post('/api/v1/auth/login', { username: 'doctor_lower', password: 'Test-password-1' })).status).toBe(401);
    await admin.post(`/api/v1/users/${w.users.doctor_lower.id}/activate`);
    await admin.post(`/api/v1/users/${w.users.doctor_lower.id}/reset-password`, { password: 'Brand-new-pass-2' });
    expect((await t.anonymous.post('/api/v1/auth/login', { username: 'doctor_lower', password: 'Brand-new-pass-2' })).status).toBe(200);
  });

  it('changes one’s own password, needing the current one, and ends other sessions', async () => {
    const a = await t.login('dept_head');
    const b = await t.login('dept_head');
    expect((await a.post('/api/v1/auth/password', { currentPassword: 'wrong', newPassword: 'Another-pass-3' })).body.error.field).toBe('currentPassword');
    expect((await a.post('/api/v1/auth/password', { currentPassword: 'Test-password-1', newPassword: 'Another-pass-3' })).status).toBe(200);
    expect((await a.get('/api/v1/auth/me')).status).toBe(200);
    expect((await b.get('/api/v1/auth/me')).status).toBe(401);
    expect((await t.anonymous.post('/api/v1/auth/login', { username: 'dept_head', password: 'Another-pass-3' })).status).toBe(200);
  });

  it('keeps contact addresses for notifications, shown masked in the list, changed by those who manage the account', async () => {
    const admin = await t.login('consortium_admin');
    expect((await admin.patch(`/api/v1/users/${w.users.reading_physician.id}`, { email: 'not-an-email' })).body.error.field).toBe('email');
    expect((await admin.patch(`/api/v1/users/${w.users.reading_physician.id}`, { email: 'reader@hospital.test', phone: '13711112222' })).status).toBe(200);
    const item = (await admin.get('/api/v1/users?q=reading')).body.items[0];
    expect(item).toMatchObject({ email: 'reader@hospital.test', phoneMasked: '137****2222' });
    expect(JSON.stringify(item)).not.toContain('13711112222');
    const entry = await t.db.selectFrom('audit_log').select('detail').where('action', '=', 'user.update').executeTakeFirstOrThrow();
    expect(JSON.stringify(entry.detail)).not.toContain('hospital.test');
    expect((await (await t.login('institution_admin_lower')).patch(`/api/v1/users/${w.users.reading_physician.id}`, { phone: null })).status).toBe(403);
  });
});
