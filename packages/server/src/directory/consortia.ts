/** 医联体: list, detail with members, create, update, deactivate/activate, and membership of institutions. */
import { conflict, consortiumKinds, notFound, type ConsortiumInput, type ConsortiumUpdate } from '@yilian/core';
import { sql } from 'kysely';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { activeFilter, auditedChanges, contains, countOf, given, page, THING, type Reader, type Tx } from './common.js';
import { institutionSummary, requireInstitution } from './institutions.js';

export const consortiumQuery = z.object({
  q: z.string().trim().min(1).max(100).optional(),
  kind: z.enum(consortiumKinds).optional(),
  /** Consortia this institution belongs to. */
  institutionId: z.uuid().optional(),
  active: activeFilter,
  ...page,
}).strict();
export type ConsortiumQuery = z.infer<typeof consortiumQuery>;

const listSelect = (db: Reader) => db.selectFrom('consortium')
  .leftJoin('institution as lead', 'lead.id', 'consortium.lead_institution_id')
  .select([
    'consortium.id', 'consortium.name', 'consortium.kind', 'consortium.lead_institution_id', 'lead.name as lead_name',
    'consortium.region_code', 'consortium.description', 'consortium.active',
    sql<string>`(SELECT count(*) FROM consortium_member m WHERE m.consortium_id = consortium.id)`.as('member_count'),
  ]);
type ConsortiumRow = Awaited<ReturnType<ReturnType<typeof listSelect>['executeTakeFirstOrThrow']>>;
const consortiumJson = (r: ConsortiumRow) => ({
  id: r.id, name: r.name, kind: r.kind, leadInstitutionId: r.lead_institution_id, leadInstitutionName: r.lead_name,
  regionCode: r.region_code, description: r.description, active: r.active, memberCount: Number(r.member_count),
});

export async function listConsortia(db: Db, caller: Caller, q: ConsortiumQuery) {
  authorize(caller, 'directory.read');
  let where = db.selectFrom('consortium');
  if (q.q) where = where.where('consortium.name', 'like', contains(q.q));
  if (q.kind) where = where.where('consortium.kind', '=', q.kind);
  if (q.active !== undefined) where = where.where('consortium.active', '=', q.active);
  if (q.institutionId) {
    const institutionId = q.institutionId;
    where = where.where((eb) => eb.exists(eb.selectFrom('consortium_member').select('consortium_member.consortium_id')
      .whereRef('consortium_member.consortium_id', '=', 'consortium.id').where('consortium_member.institution_id', '=', institutionId)));
  }
  const ids = where.select('consortium.id');
  const [rows, total] = await Promise.all([
    listSelect(db).where('consortium.id', 'in', ids).orderBy('consortium.name').limit(q.limit).offset(q.offset).execute(),
    where.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  return { total: countOf(total), items: rows.map(consortiumJson) };
}

export async function loadConsortium(db: Reader, id: string) {
  const row = await listSelect(db).where('consortium.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(THING.consortium, 'id');
  const members = await db.selectFrom('consortium_member').innerJoin('institution', 'institution.id', 'consortium_member.institution_id')
    .selectAll('institution').where('consortium_member.consortium_id', '=', id)
    .orderBy('institution.level', 'desc').orderBy('institution.code').execute();
  return { ...consortiumJson(row), members: members.map(institutionSummary) };
}

export async function getConsortium(db: Db, caller: Caller, id: string) {
  authorize(caller, 'directory.read');
  return loadConsortium(db, id);
}

async function assertNameFree(db: Reader, name: string, exceptId?: string) {
  let sel = db.selectFrom('consortium').select('id').where('name', '=', name);
  if (exceptId) sel = sel.where('id', '<>', exceptId);
  const other = await sel.executeTakeFirst();
  if (other) throw conflict('duplicate_name', `已有名为“${name}”的医联体`, `A consortium named ${name} already exists`, 'name', { existingId: other.id });
}

/** The lead institution (牵头单位) is always a member. */
async function ensureMember(tx: Tx, consortiumId: string, institutionId: string) {
  const r = await tx.insertInto('consortium_member').values({ consortium_id: consortiumId, institution_id: institutionId })
    .onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function createConsortium(db: Db, caller: Caller, input: ConsortiumInput) {
  authorize(caller, 'consortium.manage');
  return db.transaction().execute(async (tx) => {
    await assertNameFree(tx, input.name);
    if (input.leadInstitutionId) await requireInstitution(tx, input.leadInstitutionId, 'leadInstitutionId');
    const row = await tx.insertInto('consortium').values({
      name: input.name, kind: input.kind, lead_institution_id: input.leadInstitutionId ?? null,
      region_code: input.regionCode ?? null, description: input.description ?? null,
    }).returning('id').executeTakeFirstOrThrow();
    if (input.leadInstitutionId) await ensureMember(tx, row.id, input.leadInstitutionId);
    await audit(tx, actorOf(caller), { action: 'directory.consortium.create', objectType: 'consortium', objectId: row.id, detail: auditedChanges(input) });
    return loadConsortium(tx, row.id);
  });
}

async function lockConsortium(tx: Tx, id: string) {
  const row = await tx.selectFrom('consortium').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound(THING.consortium, 'id');
  return row;
}

export async function updateConsortium(db: Db, caller: Caller, id: string, patch: ConsortiumUpdate) {
  authorize(caller, 'consortium.manage');
  return db.transaction().execute(async (tx) => {
    const row = await lockConsortium(tx, id);
    if (patch.name !== undefined && patch.name !== row.name) await assertNameFree(tx, patch.name, id);
    if (patch.leadInstitutionId) await requireInstitution(tx, patch.leadInstitutionId, 'leadInstitutionId');
    const set = given({
      name: patch.name, kind: patch.kind, lead_institution_id: patch.leadInstitutionId, region_code: patch.regionCode,
      description: patch.description,
    });
    if (Object.keys(set).length) await tx.updateTable('consortium').set({ ...set, updated_at: new Date() }).where('id', '=', id).execute();
    if (patch.leadInstitutionId) await ensureMember(tx, id, patch.leadInstitutionId);
    await audit(tx, actorOf(caller), { action: 'directory.consortium.update', objectType: 'consortium', objectId: id, detail: auditedChanges(patch) });
    return loadConsortium(tx, id);
  });
}

export async function setConsortiumActive(db: Db, caller: Caller, id: string, active: boolean) {
  authorize(caller, 'consortium.manage');
  return db.transaction().execute(async (tx) => {
    const row = await lockConsortium(tx, id);
    if (row.active !== active) {
      await tx.updateTable('consortium').set({ active, updated_at: new Date() }).where('id', '=', id).execute();
      await audit(tx, actorOf(caller), { action: `directory.consortium.${active ? 'activate' : 'deactivate'}`, objectType: 'consortium', objectId: id });
    }
    return loadConsortium(tx, id);
  });
}

/** Adds an institution to the consortium; adding a member again changes nothing. */
export async function addMember(db: Db, caller: Caller, id: string, institutionId: string) {
  authorize(caller, 'consortium.manage');
  return db.transaction().execute(async (tx) => {
    await lockConsortium(tx, id);
    await requireInstitution(tx, institutionId, 'institutionId');
    if (await ensureMember(tx, id, institutionId))
      await audit(tx, actorOf(caller), { action: 'directory.consortium.add_member', objectType: 'consortium', objectId: id, detail: { institutionId } });
    return loadConsortium(tx, id);
  });
}

export async function removeMember(db: Db, caller: Caller, id: string, institutionId: string) {
  authorize(caller, 'consortium.manage');
  return db.transaction().execute(async (tx) => {
    const row = await lockConsortium(tx, id);
    if (row.lead_institution_id === institutionId)
      throw conflict('lead_member', '牵头单位不能退出医联体，请先更换牵头单位', 'The lead institution cannot leave; appoint another lead first', 'institutionId');
    const r = await tx.deleteFrom('consortium_member').where('consortium_id', '=', id).where('institution_id', '=', institutionId).executeTakeFirst();
    if (!Number(r.numDeletedRows))
      throw notFound({ zh: '该成员单位', en: 'This member institution' }, 'institutionId');
    await audit(tx, actorOf(caller), { action: 'directory.consortium.remove_member', objectType: 'consortium', objectId: id, detail: { institutionId } });
    return loadConsortium(tx, id);
  });
}
