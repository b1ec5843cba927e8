/** /api/v1/files: upload into the encrypted store, download for those allowed. */
import multipart from '@fastify/multipart';
import { AppError, badRequest } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { readFile, uploadFile } from './files.js';
import { INLINE_TYPES } from './types.js';

/** RFC 6266 filename*: UTF-8, so Chinese names survive. */
const disposition = (kind: 'inline' | 'attachment', name: string | null) =>
  name ? `${kind}; filename*=UTF-8''${encodeURIComponent(name)}` : kind;

export async function fileRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db, files } = app;
  await app.register(multipart, { limits: { fileSize: app.config.uploadLimitBytes, files: 1, fields: 5 } });

  app.post('/', { schema: { tags: ['files'], consumes: ['multipart/form-data'] } }, async (req, reply) => {
    const caller = callerOf(req);
    authorize(caller, 'file.upload');
    if (!req.isMultipart())
      throw new AppError(415, 'unsupported_media_type', '请以 multipart/form-data 上传文件（字段名 file）', 'Upload the file as multipart/form-data (field "file")', 'file');
    const part = await req.file();
    if (!part || part.fieldname !== 'file') throw badRequest('file_required', '请选择文件（字段名 file）', 'Choose a file (field "file")', 'file');
    const data = await part.toBuffer();
    return reply.status(201).send(await uploadFile(db, files, caller, { filename: part.filename ?? '', mimetype: part.mimetype, data }));
  });

  app.get('/:id', { schema: { tags: ['files'], params: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, '文件编号格式不正确 / not a file id') }).strict() } }, async (req, reply) => {
    const f = await readFile(db, files, callerOf(req), req.params.id).catch((err) => {
      if ((err as { code?: string }).code === 'file_corrupt' || (err as { code?: string }).code === 'file_missing')
        req.log.error({ fileId: req.params.id, code: (err as { code: string }).code }, 'file store integrity failure');
      throw err;
    });
    return reply
      .header('content-type', f.contentType)
      .header('content-disposition', disposition(INLINE_TYPES.has(f.contentType) ? 'inline' : 'attachment', f.name))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'; media-src 'self'")
      .header('cache-control', 'private, max-age=3600')
      .send(f.data);
  });
}
