/** Code systems and lab items (docs/api.md "Shared health record"): thin handlers — parse, call the service, shape the reply. */
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { uploadOf } from '../directory/routes.js';
import { callerOf } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { codeParams, codeSearchQuery, getCode, labItemQuery, listLabItems, searchCodes } from './codes.js';
import { CODE_FILE_LIMIT_BYTES, codeImportQuery, importIcd10 } from './import.js';

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
