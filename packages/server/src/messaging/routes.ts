/** Chat threads and messages, notifications and the outbound log (docs/api.md "Messaging and notifications"). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { registerTopic } from '../realtime/topics.js';
import { listMessages, markRead, MESSAGE_KINDS, sendMessage } from './messages.js';
import { listNotifications, listOutbound, markAllNotificationsRead, markNotificationRead } from './notifications.js';
import { addParticipant, getThread, isParticipant, listThreads, openCaseThread, openDirectThread } from './threads.js';

const page = { limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) };
const threadParams = z.object({ id: z.uuid() }).strict();
const messageId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const threadInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct'), userIds: z.array(z.uuid()).length(1, '私聊只能有一位对方 / a direct thread has exactly one other person') }).strict(),
  z.object({
    kind: z.literal('case'),
    // Threads of consultations, referrals and studies are opened by those workflows (they know who takes part);
    // by hand, a thread about a patient.
    caseType: z.enum(['patient'], '目前只能手动建立患者会话 / only patient threads can be opened by hand'),
    caseId: z.uuid(), patientId: z.uuid().nullish(), title: z.string().trim().min(1).max(100), userIds: z.array(z.uuid()).max(50).default([]),
  }).strict(),
]);

const messageInput = z.object({
  kind: z.enum(MESSAGE_KINDS), body: z.string().max(5000).nullish(), fileId: z.string().regex(/^[0-9a-f]{64}$/).nullish(),
  replyTo: messageId.nullish(), clientId: z.string().trim().min(1).max(64),
}).strict();

export async function messagingRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  const member = (req: FastifyRequest) => { const c = callerOf(req); authorize(c, 'message.use'); return c; };
  registerTopic('thread', (d, caller, id) => (z.uuid().safeParse(id).success ? isParticipant(d, id, caller.userId) : Promise.resolve(false)));

  const threads = { tags: ['messaging'] };
  app.get('/threads', { schema: { ...threads, querystring: z.object({ q: z.string().max(60).optional(), ...page }).strict() } },
    (req) => listThreads(db, member(req), req.query));
  app.post('/threads', { schema: { ...threads, body: threadInput } }, async (req, reply) => {
    const caller = member(req);
    const r = req.body.kind === 'direct' ? await openDirectThread(db, caller, req.body.userIds[0]!) : await openCaseThread(db, caller, req.body);
    return reply.status(r.created ? 201 : 200).send(r.thread);
  });
  app.get('/threads/:id', { schema: { ...threads, params: threadParams } }, (req) => getThread(db, member(req), req.params.id));
  app.post('/threads/:id/participants', { schema: { ...threads, params: threadParams, body: z.object({ userId: z.uuid() }).strict() } },
    (req) => addParticipant(db, member(req), req.params.id, req.body.userId));
  app.get('/threads/:id/messages', {
    schema: { ...threads, params: threadParams, querystring: z.object({ before: z.coerce.number().int().min(1).optional(), limit: z.coerce.number().int().min(1).max(200).default(50), q: z.string().trim().min(1).max(100).optional() }).strict() },
  }, (req) => listMessages(db, member(req), req.params.id, req.query));
  app.post('/threads/:id/messages', { schema: { ...threads, params: threadParams, body: messageInput } }, async (req, reply) => {
    const r = await sendMessage(db, member(req), req.params.id, req.body);
    return reply.status(r.created ? 201 : 200).send({ message: r.message });
  });
  app.post('/threads/:id/read', { schema: { ...threads, params: threadParams, body: z.object({ messageId }).strict() } },
    (req) => markRead(db, member(req), req.params.id, req.body.messageId));

  // Notifications are everyone's: each person sees only their own.
  const notifications = { tags: ['notifications'] };
  app.get('/notifications', { schema: { ...notifications, querystring: z.object({ unread: flag.optional(), ...page }).strict() } },
    (req) => listNotifications(db, callerOf(req), req.query));
  app.post('/notifications/read-all', { schema: notifications }, (req) => markAllNotificationsRead(db, callerOf(req)));
  app.post('/notifications/:id/read', { schema: { ...notifications, params: z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict() } },
    (req) => markNotificationRead(db, callerOf(req), req.params.id));

  app.get('/outbound', {
    schema: { ...notifications, querystring: z.object({ status: z.enum(['pending', 'sending', 'recorded', 'sent', 'failed']).optional(), channel: z.enum(['email', 'sms', 'wechat', 'log']).optional(), ...page }).strict() },
  }, (req) => { authorize(callerOf(req), 'outbound.read'); return listOutbound(db, req.query); });
}
