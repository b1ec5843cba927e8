/** Shared health record routes under /api/v1 (docs/api.md, "Shared health record"): parse → service → reply. */
import multipart from '@fastify/multipart';
import { AppError, badRequest } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { INLINE_TYPES } from '../files/types.js';
import { can } from '../policy/policy.js';
import { decideAccess } from './access.js';
import { accessLog } from './access-log.js';
import { breakGlass, breakGlassReport, reviewBreakGlass } from './break-glass.js';
import { createConsent, listConsents, liveConsents, revokeConsent } from './consent.js';
import { attachmentTooLarge, createDocument, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, readAttachment, type AttachmentUpload } from './documents.js';
import { correctEntry, createEntry, entryHistory, getEntry, listEntries } from './entries.js';
import {
  accessLogQuery, breakGlassInput, breakGlassReportQuery, consentInput, correctionInputs, ENTRY_KINDS, entryInputs, entryListQuery,
  KIND_PATHS, revokeInput, reviewInput, timelineQuery, trendQuery,
} from './schemas.js';
import { timeline, trend } from './timeline.js';

const patientParams = z.object({ id: z.uuid() }).strict();
const entryParams = z.object({ entryId: z.uuid() }).strict();
const versionQuery = z.object({ version: z.coerce.number().int().min(1).optional() }).strict();
const tags = ['record'];

/** RFC 6266 filename*: UTF-8, so Chinese names survive. */
const disposition = (kind: 'inline' | 'attachment', name: string) => `${kind}; filename*=UTF-8''${encodeURIComponent(name)}`;

export async function recordRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db, files } = app;
  await app.register(multipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 5, parts: MAX_ATTACHMENTS + 5 } });

  app.get('/patients/:id/record/access', { schema: { tags, params: patientParams } }, async (req) => {
    const caller = callerOf(req);
    const d = await decideAccess(db, caller, req.params.id);
    return {
      allowed: d.allowed, via: d.via, reason: d.reason, breakGlassUntil: d.breakGlassUntil, kinds: d.kinds,
      consents: can(caller, 'record.read', { patientId: req.params.id }) ? await liveConsents(db, req.params.id) : [],
    };
  });

  app.get('/patients/:id/timeline', { schema: { tags, params: patientParams, querystring: timelineQuery } },
    async (req) => timeline(db, callerOf(req), req.params.id, req.query));
  app.get('/patients/:id/observations/trend', { schema: { tags, params: patientParams, querystring: trendQuery } },
    async (req) => trend(db, callerOf(req), req.params.id, req.query));

  for (const kind of ENTRY_KINDS) {
    const path = KIND_PATHS[kind];
    app.get(`/patients/:id/${path}`, { schema: { tags, params: patientParams, querystring: entryListQuery } },
      async (req) => listEntries(db, callerOf(req), kind, req.params.id, req.query));
    if (kind !== 'document')
      app.post(`/patients/:id/${path}`, { schema: { tags, params: patientParams, body: entryInputs[kind] } }, async (req, reply) => {
        const caller = callerOf(req);
        const entry = await db.transaction().execute((tx) => createEntry(tx, caller, kind, req.params.id, req.body as never));
        return reply.status(201).send(entry);
      });
    app.get(`/record/${path}/:entryId`, { schema: { tags, params: entryParams, querystring: versionQuery } },
      async (req) => getEntry(db, callerOf(req), kind, req.params.entryId, { version: req.query.version }));
    app.get(`/record/${path}/:entryId/history`, { schema: { tags, params: entryParams } },
      async (req) => entryHistory(db, callerOf(req), kind, req.params.entryId));
    app.post(`/record/${path}/:entryId/versions`, { schema: { tags, params: entryParams, body: correctionInputs[kind] } }, async (req, reply) => {
      const caller = callerOf(req);
      const entry = await db.transaction().execute((tx) => correctEntry(tx, caller, kind, req.params.entryId, req.body as never));
      return reply.status(201).send(entry);
    });
  }

  // A document: JSON (text only) or multipart — a `meta` JSON field and 1–10 `file` parts (PDF, JPEG, PNG ≤ 20 MB).
  app.post('/patients/:id/documents', { schema: { tags, params: patientParams, consumes: ['application/json', 'multipart/form-data'] } }, async (req, reply) => {
    const caller = callerOf(req);
    if (!req.isMultipart()) {
      const entry = await db.transaction().execute((tx) => createEntry(tx, caller, 'document', req.params.id, req.body as never));
      return reply.status(201).send(entry);
    }
    let meta: unknown;
    const uploads: AttachmentUpload[] = [];
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file') { await part.toBuffer(); throw badRequest('unexpected_field', `未知的字段 ${part.fieldname}（附件字段名为 file）`, `Unexpected field ${part.fieldname} (attachments go in "file")`, part.fieldname); }
          uploads.push({ filename: part.filename ?? '', data: await part.toBuffer() });
        } else if (part.fieldname === 'meta') {
          try { meta = JSON.parse(String(part.value)); } catch {
            throw badRequest('malformed_json', 'meta：不是有效的 JSON', 'meta: not valid JSON', 'meta');
          }
        } else {
          throw badRequest('unexpected_field', `未知的字段 ${part.fieldname}`, `Unexpected field ${part.fieldname}`, part.fieldname);
        }
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw attachmentTooLarge();
      if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT')
        throw new AppError(400, 'too_many_files', `附件不能超过 ${MAX_ATTACHMENTS} 个`, `At most ${MAX_ATTACHMENTS} attachments`, 'file');
      throw err;
    }
    if (meta === undefined) throw badRequest('meta_required', '请提供文书信息（字段 meta，JSON）', 'Give the document’s details (field "meta", JSON)', 'meta');
    return reply.status(201).send(await createDocument(db, files, caller, req.params.id, meta as never, uploads));
  });

  app.get('/record/documents/:entryId/attachments/:position', {
    schema: { tags, params: z.object({ entryId: z.uuid(), position: z.coerce.number().int().min(1).max(MAX_ATTACHMENTS) }).strict(), querystring: versionQuery },
  }, async (req, reply) => {
    const f = await readAttachment(db, files, callerOf(req), req.params.entryId, req.params.position, req.query.version);
    return reply
      .header('content-type', f.contentType)
      .header('content-disposition', disposition(INLINE_TYPES.has(f.contentType) ? 'inline' : 'attachment', f.name))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'")
      .header('cache-control', 'private, no-store')
      .send(f.data);
  });

  app.get('/patients/:id/consents', { schema: { tags, params: patientParams } }, async (req) => listConsents(db, callerOf(req), req.params.id));
  app.post('/patients/:id/consents', { schema: { tags, params: patientParams, body: consentInput } },
    async (req, reply) => reply.status(201).send(await createConsent(db, callerOf(req), req.params.id, req.body)));
  app.post('/consents/:id/revoke', { schema: { tags, params: patientParams, body: revokeInput } },
    async (req) => revokeConsent(db, callerOf(req), req.params.id, req.body.reason));

  app.post('/patients/:id/break-glass', { schema: { tags, params: patientParams, body: breakGlassInput } },
    async (req, reply) => reply.status(201).send(await breakGlass(db, callerOf(req), req.params.id, req.body.reason)));
  app.get('/record/break-glass', { schema: { tags, querystring: breakGlassReportQuery } }, async (req) => breakGlassReport(db, callerOf(req), req.query));
  app.post('/record/break-glass/:id/review', { schema: { tags, params: patientParams, body: reviewInput } },
    async (req) => reviewBreakGlass(db, callerOf(req), req.params.id, req.body.note));

  app.get('/patients/:id/access-log', { schema: { tags, params: patientParams, querystring: accessLogQuery } },
    async (req) => accessLog(db, callerOf(req), req.params.id, req.query));
}
