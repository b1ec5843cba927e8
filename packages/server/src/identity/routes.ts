/** Master patient index routes (/api/v1/patients): parse → authorize → call the service → reply. */
import {
  patientIdentifierInput, patientInput, patientMergeInput, patientMergeListQuery, patientPatch, patientSearchQuery, type Action,
} from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, callerOf, type Caller } from '../http/context.js';
import { authorize, can, type Target } from '../policy/policy.js';
import { duplicatesOf } from './duplicates.js';
import { linkIdentifier } from './identifiers.js';
import { listMerges, mergePatients, undoMerge } from './merge.js';
import { createPatient, readPatient, updatePatient } from './patients.js';
import { searchPatients, type SearchKind } from './search.js';
import { registerTopic } from '../realtime/topics.js';

const idParams = z.object({ id: z.uuid() }).strict();
const tags = ['patients'];

/** authorize(), with a refusal written to the audit log first (an attempt on patient data is itself an event). */
async function guard(db: Db, caller: Caller, action: Action, target: Target = {}) {
  if (!can(caller, action, target))
    await audit(db, actorOf(caller), { action, outcome: 'denied', objectType: 'patient', objectId: target.patientId ?? null, patientId: target.patientId ?? null });
  authorize(caller, action, target);
}

/** Duplicate lists and merge history serve both the clinical roles that search and the offices that merge. */
async function guardMergeWork(db: Db, caller: Caller) {
  if (!can(caller, 'patient.merge')) await guard(db, caller, 'patient.search');
}

/** The query text goes into the audit log only when it is a name: never an ID number, phone or other number. */
const searchAuditDetail = (kind: SearchKind, q: { q?: string; birthDate?: string; sex?: string }, total: number, totalCapped: boolean, ids: string[]) => ({
  kind, ...(kind === 'name' || kind === 'pinyin' ? { q: q.q?.trim() } : {}),
  ...(q.birthDate ? { byBirthDate: true } : {}), ...(q.sex ? { sex: q.sex } : {}), total, ...(totalCapped ? { totalCapped } : {}), shown: ids,
});

export async function patientRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  // Live updates of a record: whoever may read the patient may follow 'patient:<id>'.
  registerTopic('patient', async (d, caller, id) =>
    z.uuid().safeParse(id).success && can(caller, 'patient.read', { patientId: id })
    && !!(await d.selectFrom('patient').select('id').where('id', '=', id).executeTakeFirst()));

  app.get('/', { schema: { tags, querystring: patientSearchQuery } }, async (req) => {
    const caller = callerOf(req);
    await guard(db, caller, 'patient.search');
    const { kind, total, totalCapped, items } = await searchPatients(db, req.query);
    await audit(db, actorOf(caller), { action: 'patient.search', objectType: 'patient', detail: searchAuditDetail(kind, req.query, total, totalCapped, items.map((i) => i.id)) });
    return { total, totalCapped, items };
  });

  app.post('/', { schema: { tags, body: patientInput } }, async (req, reply) => {
    const caller = callerOf(req);
    await guard(db, caller, 'patient.create');
    if (req.body.localNumber) await guard(db, caller, 'patient.link_local_number', { institutionId: req.body.localNumber.institutionId });
    const patient = await createPatient(db, actorOf(caller), req.body);
    return reply.status(201).send({ patient });
  });

  app.get('/merges', { schema: { tags, querystring: patientMergeListQuery } }, async (req) => {
    await guardMergeWork(db, callerOf(req));
    return listMerges(db, req.query);
  });

  app.post('/merges', { schema: { tags, body: patientMergeInput } }, async (req, reply) => {
    const caller = callerOf(req);
    await guard(db, caller, 'patient.merge');
    return reply.status(201).send(await mergePatients(db, actorOf(caller), req.body));
  });

  app.post('/merges/:id/undo', { schema: { tags, params: idParams } }, async (req) => {
    const caller = callerOf(req);
    await guard(db, caller, 'patient.merge');
    return undoMerge(db, actorOf(caller), req.params.id);
  });

  app.get('/:id', { schema: { tags, params: idParams } }, async (req) => {
    const caller = callerOf(req);
    await guard(db, caller, 'patient.read', { patientId: req.params.id });
    return readPatient(db, actorOf(caller), req.params.id);
  });

  app.patch('/:id', { schema: { tags, params: idParams, body: patientPatch } }, async (req) => {
    const caller = callerOf(req);
    await guard(db, caller, 'patient.update', { patientId: req.params.id });
    return updatePatient(db, actorOf(caller), req.params.id, req.body);
  });

  app.post('/:id/identifiers', { schema: { tags, params: idParams, body: patientIdentifierInput } }, async (req, reply) => {
    const caller = callerOf(req);
    await guard(db, caller, 'patient.link_local_number', { institutionId: req.body.institutionId, patientId: req.params.id });
    return reply.status(201).send(await linkIdentifier(db, actorOf(caller), req.params.id, req.body));
  });

  app.get('/:id/duplicates', { schema: { tags, params: idParams } }, async (req) => {
    await guardMergeWork(db, callerOf(req));
    return duplicatesOf(db, req.params.id);
  });
}
