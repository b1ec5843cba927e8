/** /api/v1: referrals (/referrals), their follow-up tasks (/referral-tasks) and configuration (/referral-config). */
import multipart from '@fastify/multipart';
import { AppError, badRequest, REFERRAL_ACTIONS, REFERRAL_STATES } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { page } from '../http/query.js';
import { ENTRY_KINDS } from '../record/schemas.js';
import { actReferral } from './actions.js';
import { ATTACHMENT_MAX_BYTES, attachFile, readAttachment } from './attachments.js';
import { downReferralCandidates } from './candidates.js';
import { getCriteria, getReimbursement, getTimeLimits, putCriteria, putReimbursement, putTimeLimits } from './config.js';
import { referralInsurance } from './insurance.js';
import { listOverdue } from './overdue.js';
import { getReferral, listReferrals, publicStatus, referralCounts } from './queries.js';
import { createReferral, editReferral } from './referrals.js';
import { completeTask, listTasks } from './tasks.js';

const params = z.object({ id: z.uuid() });
const text = (max: number) => z.string().trim().min(1).max(max);
const task = z.object({ title: text(100), detail: z.string().trim().max(1000).nullish(), dueInDays: z.number().int().min(0).max(365) }).strict();
const fields = {
  direction: z.enum(['up', 'down']), setting: z.enum(['outpatient', 'inpatient']), urgency: z.enum(['routine', 'urgent', 'emergency']).optional(),
  toInstitutionId: z.uuid(), toDepartmentId: z.uuid().nullish(), reason: text(4000),
  diagnoses: z.array(z.object({ code: text(20), system: text(40).optional() }).strict()).min(1).max(20),
  sharedEntries: z.array(z.object({ kind: z.enum(ENTRY_KINDS), id: z.uuid() }).strict()).max(100).optional(),
  insuranceType: text(40).nullish(), plan: z.string().trim().max(10000).nullish(), tasks: z.array(task).max(50).optional(),
};
const date = z.iso.date();

export async function referralRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db, files } = app;
  const tags = ['referral'];
  await app.register(multipart, { limits: { fileSize: ATTACHMENT_MAX_BYTES, files: 1, fields: 5 } });

  app.post('/referrals', { schema: { tags, body: z.object({ ...fields, patientId: z.uuid(), submit: z.boolean().optional() }).strict() } },
    async (req, reply) => reply.status(201).send(await createReferral(db, callerOf(req), req.body)));
  app.get('/referrals', { schema: { tags, querystring: z.object({
    box: z.enum(['todo', 'sent', 'received', 'all']).optional(), status: z.enum(REFERRAL_STATES).optional(), direction: z.enum(['up', 'down']).optional(),
    from: date.optional(), to: date.optional(), q: z.string().trim().min(1).max(40).optional(), ...page,
  }).strict() } }, async (req) => listReferrals(db, callerOf(req), req.query));
  app.get('/referrals/counts', { schema: { tags } }, async (req) => referralCounts(db, callerOf(req)));
  app.get('/referrals/overdue', { schema: { tags, querystring: z.object({ institutionId: z.uuid().optional() }).strict() } },
    async (req) => listOverdue(db, callerOf(req), req.query));
  app.get('/referrals/candidates', { schema: { tags } }, async (req) => downReferralCandidates(db, callerOf(req)));
  app.get('/referrals/public/:token', { config: { public: true }, schema: { tags, params: z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) }) } },
    async (req) => publicStatus(db, req.params.token));
  app.get('/referrals/:id', { schema: { tags, params } }, async (req) => getReferral(db, callerOf(req), req.params.id));
  app.patch('/referrals/:id', { schema: { tags, params, body: z.object({ ...fields, version: z.number().int().min(1) }).partial().required({ version: true }).strict() } },
    async (req) => editReferral(db, callerOf(req), req.params.id, req.body));
  app.post('/referrals/:id/actions/:action', { schema: { tags, params: z.object({ id: z.uuid(), action: z.enum(REFERRAL_ACTIONS) }), body: z.object({
    version: z.number().int().min(1), reason: z.string().trim().max(2000).nullish(), assigneeUserId: z.uuid().optional(),
    toInstitutionId: z.uuid().optional(), toDepartmentId: z.uuid().nullish(), slotId: z.uuid().optional(), summary: z.string().trim().max(20000).optional(),
  }).strict() } }, async (req) => actReferral(db, callerOf(req), req.params.id, req.params.action, req.body));
  app.get('/referrals/:id/insurance', { schema: { tags, params, querystring: z.object({ amount: z.coerce.number().min(0).max(100_000_000).default(0) }).strict() } },
    async (req) => referralInsurance(db, callerOf(req), req.params.id, req.query.amount));

  app.post('/referrals/:id/attachments', { schema: { tags, params, consumes: ['multipart/form-data'] } }, async (req, reply) => {
    const caller = callerOf(req);
    if (!req.isMultipart())
      throw new AppError(415, 'unsupported_media_type', '请以 multipart/form-data 上传文件（字段名 file）', 'Upload the file as multipart/form-data (field "file")', 'file');
    const part = await req.file();
    if (!part || part.fieldname !== 'file') throw badRequest('file_required', '请选择文件（字段名 file）', 'Choose a file (field "file")', 'file');
    const data = await part.toBuffer();
    return reply.status(201).send(await attachFile(db, files, caller, req.params.id, { filename: part.filename ?? '', mimetype: part.mimetype, data }));
  });
  app.get('/referrals/:id/attachments/:fileId', { schema: { tags, params: z.object({ id: z.uuid(), fileId: z.string().regex(/^[0-9a-f]{64}$/) }) } }, async (req, reply) => {
    const f = await readAttachment(db, files, callerOf(req), req.params.id, req.params.fileId);
    return reply.header('content-type', f.contentType).header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(f.name)}`)
      .header('x-content-type-options', 'nosniff').header('cache-control', 'private, max-age=3600').send(f.data);
  });

  app.get('/referral-tasks', { schema: { tags, querystring: z.object({
    box: z.enum(['mine', 'institution']).optional(), status: z.enum(['open', 'done', 'cancelled']).optional(), ...page,
  }).strict() } }, async (req) => listTasks(db, callerOf(req), req.query));
  app.post('/referral-tasks/:id/done', { schema: { tags, params, body: z.object({ result: z.string().trim().max(2000).nullish() }).strict() } },
    async (req) => completeTask(db, callerOf(req), req.params.id, req.body));

  app.get('/referral-config/time-limits', { schema: { tags } }, async (req) => getTimeLimits(db, callerOf(req)));
  app.put('/referral-config/time-limits', { schema: { tags, body: z.object({ items: z.array(z.object({
    status: z.enum(['submitted', 'sender_approved', 'receiver_approved', 'accepted', 'arrived']), hours: z.number().int().min(1).max(24 * 60),
  }).strict()).max(10) }).strict() } }, async (req) => putTimeLimits(db, callerOf(req), req.body.items));
  app.get('/referral-config/reimbursement', { schema: { tags } }, async (req) => getReimbursement(db, callerOf(req)));
  app.put('/referral-config/reimbursement', { schema: { tags, body: z.object({ items: z.array(z.object({
    insuranceType: z.string().regex(/^[a-z_]{2,40}$/), level: z.enum(['1', '2', '3']), deductible: z.number().min(0).max(1_000_000), rate: z.number().min(0).max(1), label: text(40),
  }).strict()).max(30) }).strict() } }, async (req) => putReimbursement(db, callerOf(req), req.body.items));
  app.get('/referral-config/criteria', { schema: { tags } }, async (req) => getCriteria(db, callerOf(req)));
  app.put('/referral-config/criteria', { schema: { tags, body: z.object({ items: z.array(z.object({
    codePrefix: z.string().regex(/^[A-Z][0-9A-Z.]{1,9}$/), label: text(60), stableDays: z.number().int().min(0).max(365),
  }).strict()).max(100) }).strict() } }, async (req) => putCriteria(db, callerOf(req), req.body.items));
}
