/** /api/v1/quick-consults: quick online consults (移动问诊). Images and voice are messages of the consult's thread. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { QUICK_CONSULT_STATES } from '@yilian/core';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { applyQuickConsultAction } from './actions.js';
import { QUICK_CONSULT_ACTIONS } from './common.js';
import { createQuickConsult, getQuickConsult, listQuickConsults } from './quick-consults.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export async function quickConsultRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  const tags = ['quick-consults'];

  app.post('/quick-consults', { schema: { tags, body: z.object({
    expertPractitionerId: z.uuid(), patientId: z.uuid().optional(), subject: text(200), text: text(4000),
  }).strict() } }, async (req, reply) => reply.status(201).send(await createQuickConsult(db, callerOf(req), req.body)));

  app.get('/quick-consults', { schema: { tags, querystring: z.object({
    box: z.enum(['asked', 'received', 'all']).default('all'), status: z.enum(QUICK_CONSULT_STATES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20), offset: z.coerce.number().int().min(0).default(0),
  }).strict() } }, async (req) => listQuickConsults(db, callerOf(req), req.query));

  app.get('/quick-consults/:id', { schema: { tags, params: z.object({ id: z.uuid() }) } },
    async (req) => getQuickConsult(db, callerOf(req), req.params.id));

  app.post('/quick-consults/:id/actions/:action', { schema: { tags, params: z.object({ id: z.uuid(), action: z.enum(QUICK_CONSULT_ACTIONS) }), body: z.object({
    text: text(4000).optional(), to: z.enum(['consultation', 'referral']).optional(), patientId: z.uuid().optional(),
  }).strict() } }, async (req) => applyQuickConsultAction(db, callerOf(req), req.params.id, req.params.action, req.body));
}
