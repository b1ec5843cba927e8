/** Builds the Fastify application: shared hooks, error handling, OpenAPI, then one registration per capability. */
import { existsSync } from 'node:fs';
import { unauthorized } from '@yilian/core';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import { setAuditChains } from '../audit/audit.js';
import { auditRoutes } from '../audit/routes.js';
import { codeRoutes } from '../codes/routes.js';
import { consultationReportRoutes } from '../consultation/report-routes.js';
import { consultationRoomRoutes } from '../consultation/room-routes.js';
import { consultationRoutes } from '../consultation/routes.js';
import { startConsultationSweep } from '../consultation/overdue.js';
import { resolveToken } from '../auth/api-tokens.js';
import { authRoutes } from '../auth/routes.js';
import { userRoutes } from '../auth/users-routes.js';
import { resolveSession, SESSION_COOKIE } from '../auth/session.js';
import type { Config } from '../config.js';
import type { DbHandle } from '../db/database.js';
import { directoryRoutes } from '../directory/routes.js';
import { fhirRoutes } from '../fhir/routes.js';
import { fileRoutes } from '../files/routes.js';
import { openFileStore, type FileStore } from '../files/store.js';
import { messagingRoutes } from '../messaging/routes.js';
import { apiClientRoutes, oauthRoutes } from '../oauth/routes.js';
import { resolveAccessToken } from '../oauth/tokens.js';
import { Dispatcher, notifiersFrom, type Notifier } from '../messaging/outbound.js';
import { Hub } from '../realtime/hub.js';
import { realtimeRoutes } from '../realtime/routes.js';
import { patientRoutes } from '../identity/routes.js';
import { quickConsultRoutes } from '../quick-consult/routes.js';
import { opsRoutes } from '../ops/routes.js';
import { recordRoutes } from '../record/routes.js';
import { referralRoutes } from '../referral/routes.js';
import { startReferralSweep } from '../referral/overdue.js';
import { referralReportRoutes } from '../referral/report-routes.js';
import { schedulingRoutes } from '../scheduling/routes.js';
import { startScheduleRoller } from '../scheduling/scheduling.js';
import { registerErrorHandling, validationError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig { /** The route needs no signed-in caller. */ public?: boolean }
  interface FastifyInstance {
    db: DbHandle['db']; dbHandle: DbHandle; config: Config; routeList: RouteInfo[];
    /** This process's WebSocket connections, fed by the database bus. */
    hub: Hub;
    /** Sends queued outbound notifications (e-mail, SMS …). */
    dispatcher: Dispatcher;
    /** The encrypted file store. */
    files: FileStore;
  }
}

/** Every registered route with its schema, so tests can walk all of them. */
export interface RouteInfo { method: string; url: string; schema?: { body?: unknown; params?: unknown; querystring?: unknown } }

const webDist = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export interface BuildOptions {
  logStream?: NodeJS.WritableStream;
  /** Outbound notifiers instead of those the configuration names (tests). */
  notifiers?: Notifier[];
}

export async function buildApp(handle: DbHandle, config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  setAuditChains(config.auditChains);
  const app = Fastify({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    logger: config.logLevel === 'silent' ? false : {
      level: config.logLevel,
      // Query strings may carry ID numbers or phones (searches): never log them.
      serializers: { req: (req) => ({ method: req.method, url: req.url.split('?')[0], ip: req.ip }) },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.decorate('db', handle.db);
  app.decorate('dbHandle', handle);
  app.decorate('config', config);
  app.decorate('files', openFileStore(config, (msg) => app.log.warn(msg)));
  // Real time and outbound delivery start with the app and stop before the database closes.
  const hub = new Hub(handle, config, app.log);
  const dispatcher = new Dispatcher(handle, config, app.log, options.notifiers ?? notifiersFrom(config, app.log));
  app.decorate('hub', hub);
  app.decorate('dispatcher', dispatcher);
  await hub.start();
  await dispatcher.start();
  // 放号: stored schedule templates are rolled forward at start and hourly.
  const roller = startScheduleRoller(handle.db, app.log);
  // 转诊时限: overdue referral steps escalate to the responsible office every five minutes.
  const sweep = startReferralSweep(handle.db, app.log);
  // 会诊时限: overdue consultations escalate to the centre, stale requests expire, every minute.
  const consultationSweep = startConsultationSweep(handle.db, app.log);
  app.addHook('onClose', async () => { await roller.stop(); await sweep.stop(); await consultationSweep.stop(); await dispatcher.stop(); await hub.stop(); });
  app.decorateRequest('caller', null);
  const routeList: RouteInfo[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: r.url, schema: r.schema as RouteInfo['schema'] });
  });

  app.setValidatorCompiler(({ schema, httpPart }) => (data) => {
    const r = (schema as ZodType).safeParse(data, { reportInput: true });
    return r.success ? { value: r.data } : { error: validationError(r.error, httpPart) };
  });
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, existsSync(webDist));

  await app.register(cookie);
  app.addHook('onRequest', async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) req.caller = await resolveSession(handle.db, config, token, req.ip);
    // System clients: `Authorization: Bearer <api token>` (REST and the /ws upgrade).
    const bearer = !req.caller && req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (bearer) req.caller = (await resolveToken(handle.db, bearer, req.ip)) ?? (await resolveAccessToken(handle.db, bearer, req.ip));
    // Every API route needs a signed-in caller unless it is marked public; checked before the body is validated.
    if (!req.caller && req.routeOptions.url?.startsWith('/api/v1/') && !(req.routeOptions.config as { public?: boolean }).public) throw unauthorized();
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Yilian 医联 API', version: '0.1.0', description: '医联体信息平台 REST API. Errors: {error:{code,zh,en,field}}.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  await app.register(opsRoutes);
  await app.register(authRoutes, { prefix: '/api/v1/auth' });
  await app.register(directoryRoutes, { prefix: '/api/v1' });
  await app.register(patientRoutes, { prefix: '/api/v1/patients' });
  await app.register(auditRoutes, { prefix: '/api/v1/audit' });
  await app.register(userRoutes, { prefix: '/api/v1/users' });
  await app.register(messagingRoutes, { prefix: '/api/v1' });
  await app.register(fileRoutes, { prefix: '/api/v1/files' });
  await app.register(schedulingRoutes, { prefix: '/api/v1/scheduling' });
  await app.register(recordRoutes, { prefix: '/api/v1' });
  await app.register(referralRoutes, { prefix: '/api/v1' });
  await app.register(codeRoutes, { prefix: '/api/v1' });
  await app.register(referralReportRoutes, { prefix: '/api/v1' });
  // Report and room routes before the consultation routes' /consultations/:id (static segments win either way).
  await app.register(consultationReportRoutes, { prefix: '/api/v1' });
  await app.register(consultationRoomRoutes, { prefix: '/api/v1' });
  await app.register(consultationRoutes, { prefix: '/api/v1' });
  await app.register(quickConsultRoutes, { prefix: '/api/v1' });
  await app.register(apiClientRoutes, { prefix: '/api/v1/api-clients' });
  await app.register(oauthRoutes, { prefix: '/oauth2' });
  await app.register(fhirRoutes, { prefix: '/fhir' });
  await app.register(realtimeRoutes);

  // The single-page app, when built, answers every other GET that is not an API call (see registerErrorHandling).
  // wildcard: files are looked up per request, so a rebuilt web app is served without a restart.
  if (existsSync(webDist)) await app.register(fastifyStatic, { root: webDist, wildcard: true });
  return app;
}
