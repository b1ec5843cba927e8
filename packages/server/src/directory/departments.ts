/** 科室: departments of an institution. The institution's admin manages its own. */
import { conflict, notFound, specialties, type DepartmentInput, type DepartmentUpdate } from '@yilian/core';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { activeFilter, auditedChanges, contains, countOf, given, page, THING, type Reader, type Tx } from './common.js';
import { requireInstitution } from './institutions.js';

export const departmentQuery = z.object({
  institutionId: z.uuid().optional(),
  q: z.string().trim().min(1).max(60).optional(),
  specialty: z.enum(specialties).optional(),
  active: activeFilter,
  ...page,
}).strict();
export type DepartmentQuery = z.infer<typeof departmentQuery>;

const select = (db: Reader) => db.selectFrom('department').innerJoin('institution', 'institution.id', 'department.institution_id')
  .select(['department.id', 'department.institution_id', 'institution.name as institution_name', 'department.code',
    'department.name', 'department.specialty', 'department.active']);
type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;
const departmentJson = (r: Row) => ({
  id: r.id, institutionId: r.institution_id, institutionName: r.institution_name, code: r.code, name: r.name,
  specialty: r.specialty, active: r.active,
});

export async function listDepartments(db: Db, caller: Caller, q: DepartmentQuery) {
  authorize(caller, 'directory.read');
  let sel = select(db);
  if (q.institutionId) sel = sel.where('department.institution_id', '=', q.institutionId);
  if (q.q) sel = sel.where('department.name', 'like', contains(q.q));
  if (q.specialty) sel = sel.where('department.specialty', '=', q.specialty);
  if (q.active !== undefined) sel = sel.where('department.active', '=', q.active);
  const [rows, total] = await Promise.all([
    sel.orderBy('institution.code').orderBy('department.code').orderBy('department.name').limit(q.limit).offset(q.offset).execute(),
    sel.clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  return { total: countOf(total), items: rows.map(departmentJson) };
}

async function loadDepartment(db: Reader, id: string) {
  const row = await select(db).where('department.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(THING.department, 'id');
  return departmentJson(row);
}

export async function getDepartment(db: Db, caller: Caller, id: string) {
  authorize(caller, 'directory.read');
  return loadDepartment(db, id);
}

async function assertNameFree(db: Reader, institutionId: string, name: string, exceptId?: string) {
  let sel = db.selectFrom('department').select('id').where('institution_id', '=', institutionId).where('name', '=', name);
  if (exceptId) sel = sel.where('id', '<>', exceptId);
  const other = await sel.executeTakeFirst();
  if (other)
    throw conflict('duplicate_name', `本机构已有名为“${name}”的科室`, `The institution already has a department named ${name}`, 'name', { existingId: other.id });
}

/** Inserts a department; used by the API and by the practitioner import, which creates the departments it names. */
export async function insertDepartment(tx: Tx, input: DepartmentInput) {
  await assertNameFree(tx, input.institutionId, input.name);
  return tx.insertInto('department').values({
    institution_id: input.institutionId, code: input.code ?? null, name: input.name, specialty: input.specialty ?? null,
  }).returning('id').executeTakeFirstOrThrow();
}

export async function createDepartment(db: Db, caller: Caller, input: DepartmentInput) {
  authorize(caller, 'department.manage', { institutionId: input.institutionId });
  return db.transaction().execute(async (tx) => {
    await requireInstitution(tx, input.institutionId, 'institutionId');
    const row = await insertDepartment(tx, input);
    await audit(tx, actorOf(caller), { action: 'directory.department.create', objectType: 'department', objectId: row.id, detail: auditedChanges(input) });
    return loadDepartment(tx, row.id);
  });
}

async function lockDepartment(tx: Tx, caller: Caller, id: string) {
  const row = await tx.selectFrom('department').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound(THING.department, 'id');
  authorize(caller, 'department.manage', { institutionId: row.institution_id });
  return row;
}

export async function updateDepartment(db: Db, caller: Caller, id: string, patch: DepartmentUpdate) {
  return db.transaction().execute(async (tx) => {
    const row = await lockDepartment(tx, caller, id);
    if (patch.name !== undefined && patch.name !== row.name) await assertNameFree(tx, row.institution_id, patch.name, id);
    const set = given({ code: patch.code, name: patch.name, specialty: patch.specialty });
    if (Object.keys(set).length) await tx.updateTable('department').set({ ...set, updated_at: new Date() }).where('id', '=', id).execute();
    await audit(tx, actorOf(caller), { action: 'directory.department.update', objectType: 'department', objectId: id, detail: auditedChanges(patch) });
    return loadDepartment(tx, id);
  });
}

export async function setDepartmentActive(db: Db, caller: Caller, id: string, active: boolean) {
  return db.transaction().execute(async (tx) => {
    const row = await lockDepartment(tx, caller, id);
    if (row.active !== active) {
      await tx.updateTable('department').set({ active, updated_at: new Date() }).where('id', '=', id).execute();
      await audit(tx, actorOf(caller), { action: `directory.department.${active ? 'activate' : 'deactivate'}`, objectType: 'department', objectId: id });
    }
    return loadDepartment(tx, id);
  });
}
