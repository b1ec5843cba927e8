/** /api/v1/users: account administration (user.manage). */
import { mobile, ROLES } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { page } from '../http/query.js';
import { authorize } from '../policy/policy.js';
import { issueToken, listTokens, revokeToken } from './api-tokens.js';
import { addRole, createUser, listUsers, removeRole, resetPassword, setActive, updateUser } from './users.js';

const roleGrant = z.object({ role: z.enum(ROLES), institutionId: z.uuid().nullish() }).strict();
const password = z.string().min(10, '至少10位 / at least 10 characters').max(200);
const params = z.object({ id: z.uuid() });
const email = z.email('电子邮箱格式不正确 / not an e-mail address').max(200);

export async function userRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  const guard = (req: Parameters<typeof callerOf>[0]) => { const c = callerOf(req); authorize(c, 'user.manage'); return c; };

  app.get('/', { schema: { tags: ['users'], querystring: z.object({ q: z.string().max(60).optional(), ...page }).strict() } },
    async (req) => listUsers(db, guard(req), req.query));
  app.post('/', {
    schema: { tags: ['users'], body: z.object({
      username: z.string().trim().regex(/^[a-z][a-z0-9_.-]{2,39}$/, '3-40位小写字母、数字或 _ . - / 3-40 lowercase letters, digits or _ . -'),
      displayName: z.string().trim().min(1).max(40), password, practitionerId: z.uuid().nullish(), patientId: z.uuid().nullish(),
      roles: z.array(roleGrant).min(1).max(10), email: email.nullish(), phone: mobile.nullish(),
    }).strict() },
  }, async (req, reply) => reply.status(201).send(await createUser(db, guard(req), req.body)));
  app.patch('/:id', { schema: { tags: ['users'], params, body: z.object({ displayName: z.string().trim().min(1).max(40).optional(), email: email.nullish(), phone: mobile.nullish() }).strict() } },
    async (req) => { await updateUser(db, guard(req), req.params.id, req.body); return { ok: true }; });
  app.post('/:id/roles', { schema: { tags: ['users'], params, body: roleGrant } }, async (req, reply) => reply.status(201).send(await addRole(db, guard(req), req.params.id, req.body)));
  app.delete('/:id/roles/:roleId', { schema: { tags: ['users'], params: z.object({ id: z.uuid(), roleId: z.uuid() }) } },
    async (req) => { await removeRole(db, guard(req), req.params.id, req.params.roleId); return { ok: true }; });
  app.get('/:id/tokens', { schema: { tags: ['users'], params } }, async (req) => listTokens(db, guard(req), req.params.id));
  app.post('/:id/tokens', { schema: { tags: ['users'], params, body: z.object({ name: z.string().trim().min(1).max(60), expiresAt: z.iso.datetime({ offset: true }).nullish() }).strict() } },
    async (req, reply) => reply.status(201).send(await issueToken(db, guard(req), req.params.id, req.body)));
  app.post('/:id/tokens/:tokenId/revoke', { schema: { tags: ['users'], params: z.object({ id: z.uuid(), tokenId: z.uuid() }) } },
    async (req) => { await revokeToken(db, guard(req), req.params.id, req.params.tokenId); return { ok: true }; });
  app.post('/:id/deactivate', { schema: { tags: ['users'], params } }, async (req) => { await setActive(db, guard(req), req.params.id, false); return { ok: true }; });
  app.post('/:id/activate', { schema: { tags: ['users'], params } }, async (req) => { await setActive(db, guard(req), req.params.id, true); return { ok: true }; });
  app.post('/:id/reset-password', { schema: { tags: ['users'], params, body: z.object({ password }).strict() } },
    async (req) => { await resetPassword(db, guard(req), req.params.id, req.body.password); return { ok: true }; });
}
