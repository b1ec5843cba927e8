/** Sign-in, sign-out, who am I, role switch, password change and TOTP enrolment. */
import { badRequest, loginInput, passwordChangeInput, ROLE_LABELS } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { DEMO_ACCOUNTS } from '../seed/accounts.js';
import { actorOf, callerOf, type Caller } from '../http/context.js';
import { login } from './login.js';
import { changePassword } from './password-change.js';
import { createSession, revokeSession, SESSION_COOKIE } from './session.js';
import { disableTotp, enableTotp, startTotpEnrolment } from './totp.js';

const me = (c: Caller) => ({
  userId: c.userId, username: c.username, displayName: c.displayName, practitionerId: c.practitionerId, patientId: c.patientId,
  role: c.role, roles: c.roles.map((r) => ({ ...r, label: ROLE_LABELS[r.role] })),
});

export async function authRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db, config } = app;

  app.post('/login', { config: { public: true }, schema: { tags: ['auth'], body: loginInput, security: [] } }, async (req, reply) => {
    const user = await login(db, config, req.body, req.ip);
    const { token, expiresAt } = await createSession(db, config, user.id, req.ip);
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/', httpOnly: true, sameSite: 'lax', secure: config.cookieSecure, expires: expiresAt,
    });
    return { ok: true };
  });

  app.post('/logout', { config: { public: true }, schema: { tags: ['auth'] } }, async (req, reply) => {
    if (req.caller) {
      await revokeSession(db, req.caller.sessionId);
      await audit(db, actorOf(req.caller), { action: 'auth.logout', objectType: 'user', objectId: req.caller.userId });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  // The login page lists the demo accounts while they exist (and SHOW_DEMO_ACCOUNTS is not 'false').
  app.get('/demo-accounts', { config: { public: true }, schema: { tags: ['auth'], security: [] } }, async () => {
    if (!config.showDemoAccounts) return [];
    const present = await db.selectFrom('user_account').select('username')
      .where('username', 'in', DEMO_ACCOUNTS.map((a) => a.username)).where('active', '=', true).execute();
    const names = new Set(present.map((p) => p.username));
    return DEMO_ACCOUNTS.filter((a) => names.has(a.username)).map(({ username, password, role, institutionCode, displayName, descriptionZh, descriptionEn }) =>
      ({ username, password, role, institutionCode, displayName, descriptionZh, descriptionEn }));
  });

  app.get('/me', { schema: { tags: ['auth'] } }, async (req) => me(callerOf(req)));

  app.post('/active-role', { schema: { tags: ['auth'], body: z.object({ roleId: z.uuid() }).strict() } }, async (req) => {
    const caller = callerOf(req);
    const role = caller.roles.find((r) => r.id === req.body.roleId);
    if (!role) throw badRequest('unknown_role', '您没有该角色', 'You do not hold this role', 'roleId');
    await db.updateTable('user_session').set({ active_role_id: role.id }).where('token_hash', '=', caller.sessionId).execute();
    await audit(db, actorOf({ ...caller, role }), { action: 'auth.switch_role', objectType: 'user_role', objectId: role.id });
    return me({ ...caller, role });
  });

  app.post('/password', { schema: { tags: ['auth'], body: passwordChangeInput } }, async (req) => {
    await changePassword(db, callerOf(req), req.body);
    return { ok: true };
  });

  app.post('/totp/setup', { schema: { tags: ['auth'] } }, async (req) => startTotpEnrolment(db, callerOf(req)));
  app.post('/totp/enable', { schema: { tags: ['auth'], body: z.object({ code: z.string().regex(/^\d{6}$/) }).strict() } },
    async (req) => { await enableTotp(db, callerOf(req), req.body.code); return { ok: true }; });
  app.post('/totp/disable', { schema: { tags: ['auth'], body: z.object({ password: z.string().min(1).max(200) }).strict() } },
    async (req) => { await disableTotp(db, callerOf(req), req.body.password); return { ok: true }; });
}

