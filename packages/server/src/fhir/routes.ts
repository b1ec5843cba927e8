/**
 * /fhir: the FHIR R4 facade. One plugin scope with its own content types, sign-in check and OperationOutcome
 * errors (REST keeps its own error shape); per registered resource type: read, search, and create, update and
 * JSON-Patch where the module supports them. Handlers stay thin: check the request, call the module, shape the reply.
 */
import { AppError, notFound } from '@yilian/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callerOf } from '../http/context.js';
import { matchOne } from './conditional.js';
import { applyJsonPatch } from './json-patch.js';
import { capabilityStatement } from './metadata.js';
import { FHIR_JSON, noRoute, registerFhirErrors } from './outcome.js';
import { RESOURCES } from './registry.js';
import type { FhirContext, ResourceModule } from './resource.js';
import { baseUrl, isUuid, parseSearch, searchBundle } from './search.js';
import { BUNDLE_BODY_LIMIT, processTransaction } from './transaction.js';

const RESOURCE_TYPES = ['application/fhir+json', 'application/json'];
const PATCH_TYPE = 'application/json-patch+json';

const mediaType = (req: FastifyRequest) => req.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
function requireMediaType(req: FastifyRequest, allowed: string[]) {
  if (!allowed.includes(mediaType(req) ?? ''))
    throw new AppError(415, 'unsupported_media_type', `不支持的内容类型，请使用 ${allowed.join(' 或 ')}`, `Unsupported content type; use ${allowed.join(' or ')}`, 'content-type');
}

const send = (reply: FastifyReply, status: number, body: unknown) => reply.status(status).type(FHIR_JSON).send(body);

export async function fhirRoutes(app: FastifyInstance) {
  const { db } = app;
  registerFhirErrors(app);
  // FHIR JSON and JSON Patch bodies are JSON; a malformed one fails like malformed application/json (400).
  app.addContentTypeParser(['application/fhir+json', PATCH_TYPE], { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  // The app resolves the caller on every request but insists only under /api/v1; here everything but /metadata needs one.
  app.addHook('onRequest', async (req) => {
    if (!(req.routeOptions.config as { public?: boolean }).public) callerOf(req);
  });

  // The REST OpenAPI document does not describe the facade: /fhir/metadata does.
  app.addHook('onRoute', (r) => { r.schema = { ...r.schema, hide: true } as typeof r.schema; });

  app.get('/metadata', { config: { public: true } }, async (req, reply) => send(reply, 200, capabilityStatement(baseUrl(req), RESOURCES)));

  for (const m of RESOURCES) register(app, m);

  // A transaction Bundle (a hospital system's import): all entries in one database transaction.
  app.post('/', { bodyLimit: Math.max(app.config.bodyLimitBytes, BUNDLE_BODY_LIMIT) }, async (req, reply) => {
    requireMediaType(req, RESOURCE_TYPES);
    return send(reply, 200, await processTransaction(db, callerOf(req), req, req.body));
  });

  // Anything else under /fhir is an unsupported type or interaction. A route, not only the scope's not-found
  // handler: the web app's static wildcard (GET /*) would otherwise answer GETs here in the REST error shape.
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', handler: async (req) => { throw noRoute(req); } });

  function register(app: FastifyInstance, m: ResourceModule) {
    const ctx = (req: FastifyRequest): FhirContext => ({ db, caller: callerOf(req), req });
    // Ids are UUIDs; anything else cannot exist here (404, not a database error).
    const idOf = (req: FastifyRequest) => {
      const id = (req.params as { id: string }).id;
      if (!isUuid(id)) throw notFound(m.label);
      return id.toLowerCase();
    };
    const location = (req: FastifyRequest, id: string) => `${baseUrl(req)}/${m.type}/${id}`;

    app.get(`/${m.type}`, async (req, reply) => {
      const s = parseSearch(req.query, m.searchParams);
      return send(reply, 200, searchBundle(req, m.type, s, await m.search(ctx(req), s)));
    });
    app.get(`/${m.type}/:id`, async (req, reply) => send(reply, 200, await m.read(ctx(req), idOf(req))));

    if (m.create) {
      const create = m.create;
      app.post(`/${m.type}`, async (req, reply) => {
        requireMediaType(req, RESOURCE_TYPES);
        const ifNoneExist = req.headers['if-none-exist'];
        if (m.conditionalCreate && typeof ifNoneExist === 'string') {
          const match = await matchOne(ctx(req), m, ifNoneExist);
          if (match) return send(reply.header('location', location(req, match.id!)), 200, match);
        }
        const { resource, replayed } = await create(ctx(req), req.body);
        if (replayed) reply.header('idempotent-replay', 'true');
        reply.header('location', location(req, resource.id!));
        // A conditional create that matched answers 200 (FHIR); an Idempotency-Key retry repeats the first answer.
        return send(reply, replayed === 'if-none-exist' ? 200 : 201, resource);
      });
    }
    if (m.update) {
      const update = m.update;
      app.put(`/${m.type}/:id`, async (req, reply) => {
        requireMediaType(req, RESOURCE_TYPES);
        return send(reply, 200, await update(ctx(req), idOf(req), req.body));
      });
      app.patch(`/${m.type}/:id`, async (req, reply) => {
        requireMediaType(req, [PATCH_TYPE]);
        const c = ctx(req), id = idOf(req);
        const current = await m.read(c, id);
        return send(reply, 200, await update(c, id, applyJsonPatch(current, req.body)));
      });
    }
  }
}
