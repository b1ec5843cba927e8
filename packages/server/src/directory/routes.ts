/** The consortium directory (docs/api.md "Directory"): thin handlers — parse, call the service, shape the reply. */
import multipart from '@fastify/multipart';
import {
  AppError, badRequest, consortiumInput, consortiumMemberInput, consortiumUpdate, departmentInput, departmentUpdate,
  expertInput, expertUpdate, institutionInput, institutionUpdate, practitionerInput, practitionerUpdate,
} from '@yilian/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { idParams } from './common.js';
import {
  addMember, consortiumQuery, createConsortium, getConsortium, listConsortia, removeMember, setConsortiumActive, updateConsortium,
} from './consortia.js';
import {
  createDepartment, departmentQuery, getDepartment, listDepartments, setDepartmentActive, updateDepartment,
} from './departments.js';
import { createExpert, expertParams, expertQuery, getExpert, listExperts, setExpertActive, updateExpert } from './experts.js';
import { importInstitutions, importPractitioners, importQuery, importTemplate, type Upload } from './import.js';
import {
  createInstitution, getInstitution, institutionQuery, listInstitutions, setInstitutionActive, updateInstitution,
} from './institutions.js';
import {
  createPractitioner, getPractitioner, listPractitioners, practitionerQuery, setPractitionerActive, updatePractitioner,
} from './practitioners.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The one uploaded `file` of a multipart request, read whole (the size limit throws 413 on the way). */
export async function uploadOf(req: FastifyRequest): Promise<Upload> {
  if (!req.isMultipart())
    throw new AppError(415, 'unsupported_media_type', '请以 multipart/form-data 上传文件（字段名 file）',
      'Upload the file as multipart/form-data (field "file")', 'file');
  const part = await req.file();
  if (!part || part.fieldname !== 'file')
    throw badRequest('file_required', '请选择要导入的文件（字段名 file）', 'Choose a file to import (field "file")', 'file');
  return { filename: part.filename ?? '', data: await part.toBuffer() };
}

export async function directoryRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  await app.register(multipart, { limits: { fileSize: app.config.uploadLimitBytes, files: 1, fields: 10 } });

  // ——— consortia 医联体 ———
  const consortia = { tags: ['directory'] };
  app.get('/consortia', { schema: { ...consortia, querystring: consortiumQuery } }, (req) => listConsortia(db, callerOf(req), req.query));
  app.get('/consortia/:id', { schema: { ...consortia, params: idParams } }, (req) => getConsortium(db, callerOf(req), req.params.id));
  app.post('/consortia', { schema: { ...consortia, body: consortiumInput } }, async (req, reply) =>
    reply.status(201).send(await createConsortium(db, callerOf(req), req.body)));
  app.patch('/consortia/:id', { schema: { ...consortia, params: idParams, body: consortiumUpdate } },
    (req) => updateConsortium(db, callerOf(req), req.params.id, req.body));
  app.post('/consortia/:id/deactivate', { schema: { ...consortia, params: idParams } }, (req) => setConsortiumActive(db, callerOf(req), req.params.id, false));
  app.post('/consortia/:id/activate', { schema: { ...consortia, params: idParams } }, (req) => setConsortiumActive(db, callerOf(req), req.params.id, true));
  app.post('/consortia/:id/members', { schema: { ...consortia, params: idParams, body: consortiumMemberInput } },
    (req) => addMember(db, callerOf(req), req.params.id, req.body.institutionId));
  app.delete('/consortia/:id/members/:institutionId', { schema: { ...consortia, params: z.object({ id: z.uuid(), institutionId: z.uuid() }).strict() } },
    (req) => removeMember(db, callerOf(req), req.params.id, req.params.institutionId));

  // ——— institutions 医疗机构 ———
  const institutions = { tags: ['directory'] };
  app.get('/institutions', { schema: { ...institutions, querystring: institutionQuery } }, (req) => listInstitutions(db, callerOf(req), req.query));
  app.get('/institutions/:id', { schema: { ...institutions, params: idParams } }, (req) => getInstitution(db, callerOf(req), req.params.id));
  app.post('/institutions', { schema: { ...institutions, body: institutionInput } }, async (req, reply) =>
    reply.status(201).send(await createInstitution(db, callerOf(req), req.body)));
  app.patch('/institutions/:id', { schema: { ...institutions, params: idParams, body: institutionUpdate } },
    (req) => updateInstitution(db, callerOf(req), req.params.id, req.body));
  app.post('/institutions/:id/deactivate', { schema: { ...institutions, params: idParams } }, (req) => setInstitutionActive(db, callerOf(req), req.params.id, false));
  app.post('/institutions/:id/activate', { schema: { ...institutions, params: idParams } }, (req) => setInstitutionActive(db, callerOf(req), req.params.id, true));

  // ——— departments 科室 ———
  const departments = { tags: ['directory'] };
  app.get('/departments', { schema: { ...departments, querystring: departmentQuery } }, (req) => listDepartments(db, callerOf(req), req.query));
  app.get('/departments/:id', { schema: { ...departments, params: idParams } }, (req) => getDepartment(db, callerOf(req), req.params.id));
  app.post('/departments', { schema: { ...departments, body: departmentInput } }, async (req, reply) =>
    reply.status(201).send(await createDepartment(db, callerOf(req), req.body)));
  app.patch('/departments/:id', { schema: { ...departments, params: idParams, body: departmentUpdate } },
    (req) => updateDepartment(db, callerOf(req), req.params.id, req.body));
  app.post('/departments/:id/deactivate', { schema: { ...departments, params: idParams } }, (req) => setDepartmentActive(db, callerOf(req), req.params.id, false));
  app.post('/departments/:id/activate', { schema: { ...departments, params: idParams } }, (req) => setDepartmentActive(db, callerOf(req), req.params.id, true));

  // ——— practitioners 医务人员 ———
  const practitioners = { tags: ['directory'] };
  app.get('/practitioners', { schema: { ...practitioners, querystring: practitionerQuery } }, (req) => listPractitioners(db, callerOf(req), req.query));
  app.get('/practitioners/:id', { schema: { ...practitioners, params: idParams } }, (req) => getPractitioner(db, callerOf(req), req.params.id));
  app.post('/practitioners', { schema: { ...practitioners, body: practitionerInput } }, async (req, reply) =>
    reply.status(201).send(await createPractitioner(db, callerOf(req), req.body)));
  app.patch('/practitioners/:id', { schema: { ...practitioners, params: idParams, body: practitionerUpdate } },
    (req) => updatePractitioner(db, callerOf(req), req.params.id, req.body));
  app.post('/practitioners/:id/deactivate', { schema: { ...practitioners, params: idParams } }, (req) => setPractitionerActive(db, callerOf(req), req.params.id, false));
  app.post('/practitioners/:id/activate', { schema: { ...practitioners, params: idParams } }, (req) => setPractitionerActive(db, callerOf(req), req.params.id, true));

  // ——— expert pool 专家库 ———
  const experts = { tags: ['directory'] };
  app.get('/experts', { schema: { ...experts, querystring: expertQuery } }, (req) => listExperts(db, callerOf(req), req.query));
  app.get('/experts/:practitionerId', { schema: { ...experts, params: expertParams } }, (req) => getExpert(db, callerOf(req), req.params.practitionerId));
  app.post('/experts', { schema: { ...experts, body: expertInput } }, async (req, reply) =>
    reply.status(201).send(await createExpert(db, callerOf(req), req.body)));
  app.patch('/experts/:practitionerId', { schema: { ...experts, params: expertParams, body: expertUpdate } },
    (req) => updateExpert(db, callerOf(req), req.params.practitionerId, req.body));
  app.post('/experts/:practitionerId/deactivate', { schema: { ...experts, params: expertParams } },
    (req) => setExpertActive(db, callerOf(req), req.params.practitionerId, false));
  app.post('/experts/:practitionerId/activate', { schema: { ...experts, params: expertParams } },
    (req) => setExpertActive(db, callerOf(req), req.params.practitionerId, true));

  // ——— import 批量导入 ———
  const imports = { tags: ['directory'], consumes: ['multipart/form-data'] };
  // The right to import is checked before the upload is read.
  app.post('/import/institutions', { schema: { ...imports, querystring: importQuery } }, async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'directory.import');
    return importInstitutions(db, caller, await uploadOf(req), req.query);
  });
  app.post('/import/practitioners', { schema: { ...imports, querystring: importQuery } }, async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'directory.import');
    return importPractitioners(db, caller, await uploadOf(req), req.query);
  });
  app.get('/import/templates/:kind', { schema: { tags: ['directory'], params: z.object({ kind: z.enum(['institutions.xlsx', 'practitioners.xlsx']) }).strict() } },
    async (req, reply) => {
      authorize(callerOf(req), 'directory.import');
      const kind = req.params.kind === 'institutions.xlsx' ? 'institutions' : 'practitioners';
      const zhName = kind === 'institutions' ? '医疗机构导入模板.xlsx' : '医务人员导入模板.xlsx';
      return reply.header('content-type', XLSX)
        .header('content-disposition', `attachment; filename="${req.params.kind}"; filename*=UTF-8''${encodeURIComponent(zhName)}`)
        .send(await importTemplate(kind));
    });
}
