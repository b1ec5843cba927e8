/** Code systems and lab items (docs/api.md "Shared health record"): thin handlers — parse, call the service, shape the reply. */
import multipart from '@fastify/multipart';
import { AppError, badRequest } from '@yilian/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerOf } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { codeParams, codeSearchQuery, getCode, labItemQuery, listLabItems, searchCodes } from './codes.js';
import { CODE_FILE_LIMIT_BYTES, codeImportQuery, importIcd10 } from './import.js';

/** The one uploaded `file` of a multipart request, read whole (the size limit throws 413 on the way). */
async function uploadOf(req: FastifyRequest): Promise<{ filename: string; data: Buffer }> {
  if (!req.isMultipart())
    throw new AppError(415, 'unsupported_media_type', '请以 multipart/form-data 上传文件（字段名 file）',
      'Upload the file as multipart/form-data (field "file")', 'file');
  const part = await req.file();
  if (!part || part.fieldname !== 'file')
    throw badRequest('file_required', '请选择要导入的文件（字段名 file）', 'Choose a file to import (field "file")', 'file');
  return { filename: part.filename ?? '', data: await part.toBuffer() };
}

export async function codeRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  await app.register(multipart, { limits: { fileSize: CODE_FILE_LIMIT_BYTES, files: 1, fields: 10 } });
  const tags = ['codes'];

  app.get('/codes/search', { schema: { tags, querystring: codeSearchQuery } }, (req) => searchCodes(db, callerOf(req), req.query));
  app.get('/codes/:system/:code', { schema: { tags, params: codeParams } }, (req) => getCode(db, callerOf(req), req.params.system, req.params.code));
  // The right to import is checked before the upload is read.
  app.post('/codes/import', { schema: { tags, consumes: ['multipart/form-data'], querystring: codeImportQuery } }, async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'code.manage');
    const file = await uploadOf(req);
    return importIcd10(db, caller, file.data, { filename: file.filename, ...req.query });
  });
  app.get('/lab-items', { schema: { tags, querystring: labItemQuery } }, (req) => listLabItems(db, callerOf(req), req.query));
}
