/** 医疗机构: list, detail, create, update, deactivate/activate; membership of consortia rides along. */
import {
  badRequest, conflict, institutionLevels, institutionTypes, notFound,
  type InstitutionInput, type InstitutionUpdate,
} from '@yilian/core';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import type { InstitutionTable } from '../db/schema.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import {
  activeFilter, auditedChanges, contains, countOf, given, page, startsWith, THING, type List, type Reader, type Tx,
} from './common.js';

export const institutionQuery = z.object({
  q: z.string().trim().min(1).max(100).optional(),
  level: z.enum(institutionLevels).optional(),
  type: z.enum(institutionTypes).optional(),
  consortiumId: z.uuid().optional(),
  /** A county code (6 digits) also finds its townships (9 digits); a prefix such as 3305 finds a whole city. */
  regionCode: z.string().regex(/^\d{2,9}$/, '行政区划代码为2至9位数字 / region code: 2 to 9 digits').optional(),
  active: activeFilter,
  ...page,
}).strict();
export type InstitutionQuery = z.infer<typeof institutionQuery>;

type InstitutionRow = Selectable<InstitutionTable>;

/** The short form used in lists and as consortium members. */
export const institutionSummary = (r: InstitutionRow) => ({
  id: r.id, code: r.code, name: r.name, shortName: r.short_name, level: r.level, grade: r.grade, type: r.type,
  regionCode: r.region_code, active: r.active,
});
const institutionJson = (r: InstitutionRow, consortia: { id: string; name: string }[]) => ({
  ...institutionSummary(r), address: r.address, phone: r.phone, consortia,
});

async function consortiaOf(db: Reader, institutionIds: string[]) {
  const byInstitution = new Map<string, { id: string; name: string }[]>(institutionIds.map((id) => [id, []]));
  if (!institutionIds.length) return byInstitution;
  const rows = await db.selectFrom('consortium_member').innerJoin('consortium', 'consortium.id', 'consortium_member.consortium_id')
    .select(['consortium_member.institution_id', 'consortium.id', 'consortium.name'])
    .where('consortium_member.institution_id', 'in', institutionIds).orderBy('consortium.name').execute();
  for (const r of rows) byInstitution.get(r.institution_id)!.push({ id: r.id, name: r.name });
  return byInstitution;
}

export async function listInstitutions(db: Db, caller: Caller, q: InstitutionQuery): Promise<List<ReturnType<typeof institutionJson>>> {
  authorize(caller, 'directory.read');
  let sel = db.selectFrom('institution');
  if (q.q) {
    const text = q.q;
    sel = sel.where((eb) => eb.or([
      eb('institution.name', 'like', contains(text)), eb('institution.short_name', 'like', contains(text)),
      eb('institution.code', 'ilike', startsWith(text)),
    ]));
  }
  if (q.level) sel = sel.where('institution.level', '=', q.level);
  if (q.type) sel = sel.where('institution.type', '=', q.type);
  if (q.regionCode) sel = sel.where('institution.region_code', 'like', startsWith(q.regionCode));
  if (q.active !== undefined) sel = sel.where('institution.active', '=', q.active);
  if (q.consortiumId) {
    const consortiumId = q.consortiumId;
    sel = sel.where((eb) => eb.exists(eb.selectFrom('consortium_member').select('consortium_member.institution_id')
      .whereRef('consortium_member.institution_id', '=', 'institution.id').where('consortium_member.consortium_id', '=', consortiumId)));
  }
  const [rows, total] = await Promise.all([
    sel.selectAll('institution').orderBy('institution.level', 'desc').orderBy('institution.code').limit(q.limit).offset(q.offset).execute(),
    sel.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  const consortia = await consortiaOf(db, rows.map((r) => r.id));
  return { total: countOf(total), items: rows.map((r) => institutionJson(r, consortia.get(r.id)!)) };
}

/** The full record: consortia and departments. */
export async function loadInstitution(db: Reader, id: string, field = 'id') {
  const row = await db.selectFrom('institution').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(THING.institution, field);
  // One after the other: `db` may be a transaction, which has a single connection.
  const consortia = await consortiaOf(db, [id]);
  const departments = await db.selectFrom('department').select(['id', 'code', 'name', 'specialty', 'active'])
    .where('institution_id', '=', id).orderBy('code').orderBy('name').execute();
  return { ...institutionJson(row, consortia.get(id)!), departments };
}

export async function getInstitution(db: Db, caller: Caller, id: string) {
  authorize(caller, 'directory.read');
  return loadInstitution(db, id);
}

/** Throws 404 naming the field when an institution id does not exist. */
export async function requireInstitution(db: Reader, id: string, field: string) {
  const row = await db.selectFrom('institution').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(THING.institution, field);
  return row;
}

export async function assertCodeFree(db: Reader, code: string, exceptId?: string) {
  let sel = db.selectFrom('institution').select(['id', 'name']).where('code', '=', code);
  if (exceptId) sel = sel.where('id', '<>', exceptId);
  const other = await sel.executeTakeFirst();
  if (other)
    throw conflict('duplicate_code', `机构编码 ${code} 已被“${other.name}”使用`, `The institution code ${code} is already used by ${other.name}`, 'code', { existingId: other.id });
}

/** 未定级 institutions have no grade (甲乙丙 grade a level). */
export function assertGradeFitsLevel(level: string, grade: string | null | undefined) {
  if (level === '0' && grade)
    throw badRequest('grade_without_level', '未定级机构不能有等级（甲乙丙）', 'An ungraded institution cannot have a grade', 'grade');
}

async function requireConsortia(db: Reader, ids: string[]) {
  const found = new Set((ids.length ? await db.selectFrom('consortium').select('id').where('id', 'in', ids).execute() : []).map((r) => r.id));
  ids.forEach((id, i) => { if (!found.has(id)) throw notFound(THING.consortium, `consortiumIds.${i}`); });
}

/** Makes the institution a member of exactly `consortiumIds`; refuses to drop a consortium it leads. */
async function syncMemberships(tx: Tx, institutionId: string, consortiumIds: string[]) {
  const current = (await tx.selectFrom('consortium_member').select('consortium_id').where('institution_id', '=', institutionId).execute())
    .map((r) => r.consortium_id);
  const wanted = new Set(consortiumIds);
  const removed = current.filter((c) => !wanted.has(c));
  const added = [...wanted].filter((c) => !current.includes(c));
  if (removed.length) {
    const led = await tx.selectFrom('consortium').select(['id', 'name']).where('id', 'in', removed)
      .where('lead_institution_id', '=', institutionId).executeTakeFirst();
    if (led)
      throw conflict('lead_member', `该机构是“${led.name}”的牵头单位，不能退出`, `The institution leads ${led.name} and cannot leave it`, 'consortiumIds');
    await tx.deleteFrom('consortium_member').where('institution_id', '=', institutionId).where('consortium_id', 'in', removed).execute();
  }
  if (added.length)
    await tx.insertInto('consortium_member').values(added.map((c) => ({ consortium_id: c, institution_id: institutionId }))).execute();
  return { added, removed };
}

const columns = (p: InstitutionUpdate) => given({
  code: p.code, name: p.name, short_name: p.shortName, level: p.level, grade: p.grade, type: p.type,
  region_code: p.regionCode, address: p.address, phone: p.phone,
});

export async function createInstitution(db: Db, caller: Caller, input: InstitutionInput) {
  authorize(caller, 'institution.create');
  if (input.consortiumIds?.length) authorize(caller, 'consortium.manage');
  assertGradeFitsLevel(input.level, input.grade);
  return db.transaction().execute(async (tx) => {
    await assertCodeFree(tx, input.code);
    await requireConsortia(tx, input.consortiumIds ?? []);
    const row = await tx.insertInto('institution').values({
      code: input.code, name: input.name, short_name: input.shortName ?? null, level: input.level, grade: input.grade ?? null,
      type: input.type, region_code: input.regionCode, address: input.address ?? null, phone: input.phone ?? null,
    }).returning('id').executeTakeFirstOrThrow();
    await syncMemberships(tx, row.id, input.consortiumIds ?? []);
    await audit(tx, actorOf(caller), {
      action: 'directory.institution.create', objectType: 'institution', objectId: row.id, detail: auditedChanges(input),
    });
    return loadInstitution(tx, row.id);
  });
}

export async function updateInstitution(db: Db, caller: Caller, id: string, patch: InstitutionUpdate) {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('institution').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound(THING.institution, 'id');
    authorize(caller, 'institution.update', { institutionId: id });
    // Joining or leaving a consortium is the consortium office's decision, not the institution's.
    if (patch.consortiumIds !== undefined) authorize(caller, 'consortium.manage');
    assertGradeFitsLevel(patch.level ?? row.level, patch.grade === undefined ? row.grade : patch.grade);
    if (patch.code !== undefined && patch.code !== row.code) await assertCodeFree(tx, patch.code, id);
    const set = columns(patch);
    if (Object.keys(set).length) await tx.updateTable('institution').set({ ...set, updated_at: new Date() }).where('id', '=', id).execute();
    if (patch.consortiumIds !== undefined) {
      await requireConsortia(tx, patch.consortiumIds);
      await syncMemberships(tx, id, patch.consortiumIds);
    }
    await audit(tx, actorOf(caller), {
      action: 'directory.institution.update', objectType: 'institution', objectId: id, detail: auditedChanges(patch),
    });
    return loadInstitution(tx, id);
  });
}

export async function setInstitutionActive(db: Db, caller: Caller, id: string, active: boolean) {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('institution').select(['id', 'active']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound(THING.institution, 'id');
    authorize(caller, 'institution.deactivate', { institutionId: id });
    if (row.active !== active) {
      await tx.updateTable('institution').set({ active, updated_at: new Date() }).where('id', '=', id).execute();
      await audit(tx, actorOf(caller), {
        action: `directory.institution.${active ? 'activate' : 'deactivate'}`, objectType: 'institution', objectId: id,
      });
    }
    return loadInstitution(tx, id);
  });
}
