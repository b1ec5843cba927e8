/**
 * POST /oauth2/token (client credentials; RFC 6749 error JSON in this scope) and /api/v1/api-clients (the admin
 * routes: list, create with the secret shown once, revoke).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { toAppError } from '../http/errors.js';
import { createClient, listClients, revokeClient } from './clients.js';
import { issueAccessToken, OAuthError } from './tokens.js';

const FORM = 'application/x-www-form-urlencoded';

/** The form fields, each at most once (RFC 6749 §3.2: parameters must not be repeated). */
function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (k in out) throw new OAuthError(400, 'invalid_request', `Parameter ${k} is repeated`);
    out[k] = v;
  }
  return out;
}

/** Client id and secret from HTTP Basic (each form-urlencoded, RFC 6749 §2.3.1) or from the body — not both. */
function clientCredentials(req: FastifyRequest, form: Record<string, string>): { id: string; secret: string } {
  const basic = req.headers.authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
  if (req.headers.authorization && !basic) throw new OAuthError(401, 'invalid_client', 'Only HTTP Basic client authentication is accepted in the Authorization header');
  if (basic) {
    if (form.client_secret !== undefined) throw new OAuthError(400, 'invalid_request', 'Use one client authentication method: HTTP Basic or client_secret in the body, not both');
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError(401, 'invalid_client', 'Malformed HTTP Basic credentials');
    const dec = (s: string) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return s; } };
    const id = dec(decoded.slice(0, colon)), secret = dec(decoded.slice(colon + 1));
    if (form.client_id !== undefined && form.client_id !== id) throw new OAuthError(400, 'invalid_request', 'client_id in the body differs from the HTTP Basic user');
    return { id, secret };
  }
  if (!form.client_id || !form.client_secret) throw new OAuthError(401, 'invalid_client', 'Client authentication is required: HTTP Basic, or client_id and client_secret in the body');
  return { id: form.client_id, secret: form.client_secret };
}

export async function oauthRoutes(app: FastifyInstance) {
  const { db } = app;
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => {
    try { done(null, parseForm(body as string)); } catch (e) { done(e as Error, undefined); }
  });
  // Errors here are RFC 6749's JSON, not the API's shape; nothing is cached.
  app.setErrorHandler((err, req, reply) => {
    const e = err instanceof OAuthError ? err : null;
    const status = e?.status ?? 400;
    if (!e && !toAppError(err)) req.log.error({ err }, 'unhandled error (oauth)');
    if (!e && !toAppError(err)) return reply.status(500).header('cache-control', 'no-store').send({ error: 'server_error', error_description: 'Internal server error' });
    if (status === 401) reply.header('www-authenticate', 'Basic realm="yilian", charset="UTF-8"');
    return reply.status(status).header('cache-control', 'no-store').header('pragma', 'no-cache')
      .send({ error: e?.error ?? 'invalid_request', error_description: e?.description ?? toAppError(err)!.en });
  });
  app.addHook('onRoute', (r) => { r.schema = { ...r.schema, hide: true } as typeof r.schema; });

  app.post('/token', { config: { public: true } }, async (req, reply) => {
    if (req.headers['content-type']?.split(';')[0]!.trim().toLowerCase() !== FORM)
      throw new OAuthError(400, 'invalid_request', `The body must be ${FORM}`);
    const form = (req.body ?? {}) as Record<string, string>;
    if (!form.grant_type) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    if (form.grant_type !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported');
    const { id, secret } = clientCredentials(req, form);
    const token = await issueAccessToken(db, id, secret, req.ip);
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
  });
}

const tags = ['api-clients'];
export async function apiClientRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  app.get('/', { schema: { tags, querystring: z.object({ institutionId: z.uuid().optional() }).strict() } },
    async (req) => listClients(db, callerOf(req), req.query));
  app.post('/', { schema: { tags, body: z.object({ institutionId: z.uuid(), name: z.string().trim().min(1).max(60) }).strict() } },
    async (req, reply) => reply.status(201).send(await createClient(db, callerOf(req), req.body)));
  app.post('/:id/revoke', { schema: { tags, params: z.object({ id: z.uuid() }) } },
    async (req) => revokeClient(db, callerOf(req), req.params.id));
}
