/** /api/v1: remote consultations (/consultations) and their configuration (/consultation-config). */
import multipart from '@fastify/multipart';
import { AppError, badRequest, CONSENT_RELATIONS, CONSULTATION_ACTIONS, CONSULTATION_KINDS, CONSULTATION_MATERIAL_TYPES, CONSULTATION_STATES } from '@yilian/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { page } from '../http/query.js';
import { registerTopic } from '../realtime/topics.js';
import { ENTRY_KINDS } from '../record/schemas.js';
import { actConsultation } from './actions.js';
import { ATTACHMENT_MAX_BYTES, attachFile, readAttachment, type Upload } from './attachments.js';
import { assertCanRead, loadConsultation } from './common.js';
import { getTimeLimits, putTimeLimits } from './config.js';
import { CONSENT_MAX_BYTES, recordConsent } from './consent.js';
import { createConsultation, editConsultation } from './consultations.js';
import { expertPool } from './experts.js';
import { referralFromOpinion, saveDraft, signOpinion } from './opinions.js';
import { listOverdue } from './overdue.js';
import { consultationCounts, consultationReport, getConsultation, listConsultations } from './queries.js';

const params = z.object({ id: z.uuid() });
const text = (max: number) => z.string().trim().min(1).max(max);
const diagnoses = z.array(z.object({ code: text(20), system: text(40).optional() }).strict()).max(20);
const fields = {
  kind: z.enum(CONSULTATION_KINDS), materialType: z.enum(CONSULTATION_MATERIAL_TYPES).nullish(), centreInstitutionId: z.uuid().optional(),
  requestedSpecialty: z.string().trim().max(60).nullish(), requestedExpertIds: z.array(z.uuid()).max(10).optional(),
  purpose: text(2000), summary: text(20000), diagnoses,
  sharedEntries: z.array(z.object({ kind: z.enum(ENTRY_KINDS), id: z.uuid() }).strict()).max(100).optional(),
  durationMinutes: z.number().int().min(10).max(480).optional(),
};
const consentFields = z.object({
  signerName: text(100), relation: z.enum(CONSENT_RELATIONS), signedAt: z.iso.datetime({ offset: true }).optional(), method: z.enum(['drawn', 'scan']),
}).strict();

/** The single file (field `file`) and the text fields of a multipart request; `maxBytes` below the plugin's limit. */
async function multipartOf(req: FastifyRequest, maxBytes: number): Promise<{ upload: Upload; fields: Record<string, string> }> {
  if (!req.isMultipart())
    throw new AppError(415, 'unsupported_media_type', '请以 multipart/form-data 上传文件（字段名 file）', 'Upload the file as multipart/form-data (field "file")', 'file');
  const values: Record<string, string> = {};
  let upload: Upload | undefined;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || upload) { await part.toBuffer(); throw badRequest('file_field', '只能上传一个文件（字段名 file）', 'Upload one file, in the field "file"', 'file'); }
      const data = await part.toBuffer();
      if (data.length > maxBytes)
        throw new AppError(413, 'too_large', `文件不能超过 ${maxBytes / 1024 / 1024} MB`, `The file may be at most ${maxBytes / 1024 / 1024} MB`, 'file');
      upload = { filename: part.filename ?? '', mimetype: part.mimetype, data };
    } else {
      values[part.fieldname] = String(part.value ?? '');
    }
  }
  if (!upload) throw badRequest('file_required', '请选择文件（字段名 file）', 'Choose a file (field "file")', 'file');
  return { upload, fields: values };
}

/** The consent form's fields as the page names them. */
const CONSENT_FIELD_ZH: Record<string, string> = { signerName: '签字人姓名', relation: '与患者关系', signedAt: '签署时间', method: '签署方式' };

export async function consultationRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db, files } = app;
  const tags = ['consultations'];
  await app.register(multipart, { limits: { fileSize: ATTACHMENT_MAX_BYTES, files: 1, fields: 8 } });

  // Live updates: a consultation's page for whoever may see it; an institution's workbench counts for its staff.
  registerTopic('consultation', async (d, caller, id) => {
    if (!z.uuid().safeParse(id).success) return false;
    const c = await loadConsultation(d, id);
    await assertCanRead(d, caller, c);
    return true;
  });
  registerTopic('consultations', async (_d, caller, id) => !!caller.role.institutionId && caller.role.institutionId === id);

  app.post('/consultations', { schema: { tags, body: z.object({ ...fields, patientId: z.uuid() }).strict() } },
    async (req, reply) => reply.status(201).send(await createConsultation(db, callerOf(req), req.body)));
  app.get('/consultations', { schema: { tags, querystring: z.object({
    box: z.enum(['todo', 'mine', 'centre', 'invited', 'institution', 'all']).optional(), status: z.enum(CONSULTATION_STATES).optional(),
    kind: z.enum(CONSULTATION_KINDS).optional(), from: z.iso.date().optional(), to: z.iso.date().optional(), q: z.string().trim().min(1).max(40).optional(), ...page,
  }).strict() } }, async (req) => listConsultations(db, callerOf(req), req.query));
  app.get('/consultations/counts', { schema: { tags } }, async (req) => consultationCounts(db, callerOf(req)));
  app.get('/consultations/overdue', { schema: { tags, querystring: z.object({ institutionId: z.uuid().optional() }).strict() } },
    async (req) => listOverdue(db, callerOf(req), req.query));
  app.get('/consultations/experts', { schema: { tags, querystring: z.object({
    specialty: z.string().trim().min(1).max(60).optional(), title: z.string().trim().min(1).max(60).optional(), institutionId: z.uuid().optional(),
    q: z.string().trim().min(1).max(40).optional(), consultationId: z.uuid().optional(),
  }).strict() } }, async (req) => expertPool(db, callerOf(req), req.query));
  app.get('/consultations/:id', { schema: { tags, params } }, async (req) => getConsultation(db, callerOf(req), req.params.id));
  app.get('/consultations/:id/report', { schema: { tags, params } }, async (req) => consultationReport(db, callerOf(req), req.params.id));
  app.patch('/consultations/:id', { schema: { tags, params, body: z.object({ ...fields, version: z.number().int().min(1) }).partial().required({ version: true }).strict() } },
    async (req) => editConsultation(db, callerOf(req), req.params.id, req.body));
  app.post('/consultations/:id/actions/:action', { schema: { tags, params: z.object({ id: z.uuid(), action: z.enum(CONSULTATION_ACTIONS) }), body: z.object({
    version: z.number().int().min(1).optional(), reason: z.string().trim().max(2000).nullish(),
    supplements: z.array(text(500)).max(30).optional(), experts: z.array(z.object({ practitionerId: z.uuid() }).strict()).max(10).optional(),
    scheduledAt: z.iso.datetime({ offset: true }).optional(), durationMinutes: z.number().int().min(10).max(480).optional(),
    rating: z.number().int().min(1).max(5).optional(), comment: z.string().trim().max(2000).nullish(),
  }).strict() } }, async (req) => actConsultation(db, callerOf(req), req.params.id, req.params.action, req.body));

  app.post('/consultations/:id/attachments', { schema: { tags, params, consumes: ['multipart/form-data'] } }, async (req, reply) => {
    const caller = callerOf(req);
    const { upload } = await multipartOf(req, ATTACHMENT_MAX_BYTES);
    return reply.status(201).send(await attachFile(db, files, caller, req.params.id, upload));
  });
  app.get('/consultations/:id/attachments/:fileId', { schema: { tags, params: z.object({ id: z.uuid(), fileId: z.string().regex(/^[0-9a-f]{64}$/) }) } }, async (req, reply) => {
    const f = await readAttachment(db, files, callerOf(req), req.params.id, req.params.fileId);
    return reply.header('content-type', f.contentType).header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(f.name)}`)
      .header('x-content-type-options', 'nosniff').header('cache-control', 'private, max-age=3600').send(f.data);
  });
  app.post('/consultations/:id/consent', { schema: { tags, params, consumes: ['multipart/form-data'] } }, async (req, reply) => {
    const caller = callerOf(req);
    const { upload, fields: raw } = await multipartOf(req, CONSENT_MAX_BYTES);
    const parsed = consentFields.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = String(issue.path[0] ?? 'body');
      const zh = CONSENT_FIELD_ZH[field] ?? field;
      throw badRequest('invalid_field', `知情同意信息有误：请填写正确的${zh}`, `Invalid consent field: ${field} (${issue.message})`, field);
    }
    return reply.status(201).send(await recordConsent(db, files, caller, req.params.id, parsed.data, upload));
  });

  app.put('/consultations/:id/opinion', { schema: { tags, params, body: z.object({
    findings: text(20000), diagnoses, recommendations: text(20000), refer: z.boolean(), referInstitutionId: z.uuid().nullish(),
    referDepartmentId: z.uuid().nullish(), referNote: z.string().trim().max(2000).nullish(),
  }).strict() } }, async (req) => saveDraft(db, callerOf(req), req.params.id, req.body));
  app.post('/consultations/:id/opinion/sign', { schema: { tags, params, body: z.object({
    password: z.string().min(1).max(200), signatureFileId: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  }).strict() } }, async (req) => signOpinion(db, callerOf(req), req.params.id, req.body));
  app.post('/consultations/:id/referral', { schema: { tags, params, body: z.object({ opinionId: z.uuid().optional() }).strict() } },
    async (req, reply) => {
      const r = await referralFromOpinion(db, callerOf(req), req.params.id, req.body);
      return reply.status(r.created ? 201 : 200).send(r);
    });

  app.get('/consultation-config/time-limits', { schema: { tags } }, async (req) => getTimeLimits(db, callerOf(req)));
  app.put('/consultation-config/time-limits', { schema: { tags, body: z.object({ items: z.array(z.object({
    kind: z.enum(CONSULTATION_KINDS), minutes: z.number().int().min(5).max(60 * 24 * 30),
  }).strict()).min(1).max(CONSULTATION_KINDS.length) }).strict() } }, async (req) => putTimeLimits(db, callerOf(req), req.body.items));
}
