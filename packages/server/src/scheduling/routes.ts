/** /api/v1/scheduling: resources, quota rules, slot generation and listing, appointments. */
import { badRequest } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { page } from '../http/query.js';
import {
  alternatives, book, createException, createResource, getResource, getRules, updateResource, generateSlots, getAppointment, getTemplate, joinWaitlist, leaveWaitlist, listAppointments, listExceptions,
  listResources, listSlots, listWaitlist, putTemplate, quotaReport, reschedule, setQuotaRule, setReleaseRule, stopClinic, transition, WEEKDAYS,
} from './scheduling.js';

const params = z.object({ id: z.uuid() });
const category = z.enum(['general', 'specialist', 'expert', 'exam', 'bed']);
const date = z.iso.date();
const halfHour = z.string().regex(/^([01][0-9]|2[0-3]):(00|30)$/, '须为整点或半点 HH:MM / must be HH:00 or HH:30');
const weekly = z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(halfHour).max(48).optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<z.ZodArray<typeof halfHour>>>).strict();
const yes = z.enum(['true', 'false']).transform((v) => v === 'true');
const note = z.object({ note: z.string().trim().max(500).nullish() }).strict();

export async function schedulingRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  const tags = ['scheduling'];

  app.get('/resources', { schema: { tags, querystring: z.object({
    institutionId: z.uuid().optional(), departmentId: z.uuid().optional(), kind: z.enum(['doctor', 'exam', 'bed']).optional(),
    q: z.string().trim().min(1).max(40).optional(), includeInactive: yes.optional(), ...page,
  }).strict() } }, async (req) => listResources(db, callerOf(req), req.query));
  app.get('/resources/:id', { schema: { tags, params } }, async (req) => getResource(db, callerOf(req), req.params.id));
  app.patch('/resources/:id', { schema: { tags, params, body: z.object({
    name: z.string().trim().min(1).max(80).optional(), active: z.boolean().optional(), ward: z.string().trim().max(40).nullish(),
  }).strict() } }, async (req) => updateResource(db, callerOf(req), req.params.id, req.body));
  app.get('/rules', { schema: { tags, querystring: z.object({ institutionId: z.uuid() }).strict() } }, async (req) => getRules(db, callerOf(req), req.query.institutionId));
  app.post('/resources', {
    schema: { tags, body: z.object({
      institutionId: z.uuid(), kind: z.enum(['doctor', 'exam', 'bed']), name: z.string().trim().min(1).max(80),
      departmentId: z.uuid().nullish(), practitionerId: z.uuid().nullish(),
      examType: z.enum(['CT', 'MRI', 'PET-CT', 'US', 'DR', 'ECG']).nullish(), ward: z.string().trim().max(40).nullish(),
    }).strict() },
  }, async (req, reply) => reply.status(201).send(await createResource(db, callerOf(req), req.body)));

  app.put('/quota-rules', {
    schema: { tags, body: z.object({
      institutionId: z.uuid(), category, primaryShare: z.number().min(0.2, '不得低于20% / at least 20 %').max(1),
      returnLeadMinutes: z.number().int().min(0).max(60 * 24 * 60),
    }).strict() },
  }, async (req) => setQuotaRule(db, callerOf(req), req.body));

  app.put('/release-rules', {
    schema: { tags, body: z.object({
      institutionId: z.uuid(), category, daysAhead: z.number().int().min(0).max(90),
      time: z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, '须为 HH:MM / must be HH:MM'), primaryDaysEarlier: z.number().int().min(0).max(60),
    }).strict() },
  }, async (req) => setReleaseRule(db, callerOf(req), req.body));

  app.post('/resources/:id/slots', {
    schema: { tags, params, body: z.object({
      from: date, to: date, category: category.optional(), template: weekly.optional(), referralPerDay: z.number().int().min(0).max(48).optional(),
      opensAt: z.iso.datetime({ offset: true }).nullish(),
    }).strict() },
  }, async (req, reply) => reply.status(201).send(await generateSlots(db, callerOf(req), req.params.id, req.body)));

  app.get('/slots', {
    schema: { tags, querystring: z.object({
      resourceId: z.uuid().optional(), institutionId: z.uuid().optional(),
      from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(),
      status: z.enum(['free', 'busy', 'blocked']).optional(), greenChannel: yes.optional(), ...page,
    }).strict() },
  }, async (req) => listSlots(db, callerOf(req), req.query));
  app.get('/resources/:id/template', { schema: { tags, params } }, async (req) => getTemplate(db, callerOf(req), req.params.id));
  app.put('/resources/:id/template', {
    schema: { tags, params, body: z.object({
      category, weekly, referralPerDay: z.number().int().min(0).max(48).default(0), horizonDays: z.number().int().min(1).max(92).default(14),
    }).strict() },
  }, async (req) => putTemplate(db, callerOf(req), req.params.id, req.body));
  app.get('/exceptions', { schema: { tags, querystring: z.object({ institutionId: z.uuid().optional(), from: date.optional(), to: date.optional(), ...page }).strict() } },
    async (req) => listExceptions(db, callerOf(req), req.query));
  app.post('/exceptions', { schema: { tags, body: z.object({ institutionId: z.uuid(), date, name: z.string().trim().min(1).max(60) }).strict() } },
    async (req, reply) => reply.status(201).send(await createException(db, callerOf(req), req.body)));

  app.post('/appointments', {
    schema: { tags, body: z.object({ slotId: z.uuid(), patientId: z.uuid(), reason: z.string().trim().max(500).nullish(), greenChannel: z.boolean().optional() }).strict() },
  }, async (req, reply) => {
    const raw = req.headers['idempotency-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (key !== undefined && !/^[\x21-\x7e]{1,100}$/.test(key))
      throw badRequest('invalid_idempotency_key', 'Idempotency-Key 须为1-100个可见 ASCII 字符', 'Idempotency-Key must be 1-100 visible ASCII characters', 'idempotency-key');
    const answer = await book(db, callerOf(req), req.body, key);
    if (answer.replay) reply.header('idempotent-replay', 'true');
    return reply.status(answer.status).send(answer.body);
  });
  app.get('/appointments', {
    schema: { tags, querystring: z.object({
      patientId: z.uuid().optional(), institutionId: z.uuid().optional(), resourceId: z.uuid().optional(), scope: z.enum(['mine', 'clinic']).optional(),
      status: z.enum(['booked', 'cancelled', 'checked_in', 'no_show', 'completed']).optional(),
      from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(), ...page,
    }).strict() },
  }, async (req) => listAppointments(db, callerOf(req), req.query));
  app.post('/resources/:id/stop', {
    schema: { tags, params, body: z.object({
      from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), reason: z.string().trim().min(1).max(200),
    }).strict() },
  }, async (req) => stopClinic(db, callerOf(req), req.params.id, req.body));
  app.get('/reports/quota', { schema: { tags, querystring: z.object({ institutionId: z.uuid().optional(), from: date, to: date }).strict() } },
    async (req) => quotaReport(db, callerOf(req), req.query));
  app.get('/waitlist', { schema: { tags, querystring: z.object({ resourceId: z.uuid().optional(), patientId: z.uuid().optional(), ...page }).strict() } },
    async (req) => listWaitlist(db, callerOf(req), req.query));
  app.post('/waitlist', {
    schema: { tags, body: z.object({
      resourceId: z.uuid(), patientId: z.uuid(), earliest: z.iso.datetime({ offset: true }).nullish(), latest: z.iso.datetime({ offset: true }).nullish(),
    }).strict() },
  }, async (req, reply) => reply.status(201).send(await joinWaitlist(db, callerOf(req), req.body)));
  app.post('/waitlist/:id/cancel', { schema: { tags, params } }, async (req) => leaveWaitlist(db, callerOf(req), req.params.id));
  app.get('/appointments/:id', { schema: { tags, params } }, async (req) => getAppointment(db, callerOf(req), req.params.id));
  app.get('/appointments/:id/alternatives', { schema: { tags, params } }, async (req) => alternatives(db, callerOf(req), req.params.id));
  app.post('/appointments/:id/cancel', { schema: { tags, params, body: note } }, async (req) => transition(db, callerOf(req), req.params.id, 'cancel', req.body.note));
  app.post('/appointments/:id/reschedule', { schema: { tags, params, body: z.object({ slotId: z.uuid(), note: z.string().trim().max(500).nullish() }).strict() } },
    async (req) => reschedule(db, callerOf(req), req.params.id, req.body));
  app.post('/appointments/:id/check-in', { schema: { tags, params, body: note } }, async (req) => transition(db, callerOf(req), req.params.id, 'check_in', req.body.note));
  app.post('/appointments/:id/complete', { schema: { tags, params, body: note } }, async (req) => transition(db, callerOf(req), req.params.id, 'complete', req.body.note));
  app.post('/appointments/:id/no-show', { schema: { tags, params, body: note } }, async (req) => transition(db, callerOf(req), req.params.id, 'no_show', req.body.note));
}
