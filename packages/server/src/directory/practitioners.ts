/**
 * 医务人员: practitioners and where they practise. A practitioner belongs to the institutions of their active
 * practitioner_role rows (多点执业: possibly several); each institution's admin manages its own side.
 */
import {
  badRequest, conflict, maskPhone, nameSearchKeys, notFound, SENIOR_TITLES, specialties, titles,
  type PractitionerInput, type PractitionerUpdate,
} from '@yilian/core';
import { sql, type Selectable } from 'kysely';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import type { PractitionerTable } from '../db/schema.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import {
  activeFilter, auditedChanges, countOf, given, page, startsWith, THING, variantStartsWith, type Reader, type Tx,
} from './common.js';

export const practitionerQuery = z.object({
  /** 汉字 (name prefix), latin letters (full pinyin or initials prefix), or with digits (licence number prefix, mobile). */
  q: z.string().trim().min(1).max(40).optional(),
  institutionId: z.uuid().optional(),
  departmentId: z.uuid().optional(),
  title: z.enum(titles).optional(),
  specialty: z.enum(specialties).optional(),
  active: activeFilter,
  ...page,
}).strict();
export type PractitionerQuery = z.infer<typeof practitionerQuery>;

type PractitionerRow = Selectable<PractitionerTable>;
export interface RoleJson { institutionId: string; institutionName: string; departmentId: string | null; departmentName: string | null }
export type RoleInput = PractitionerInput['roles'][number];

const HAN = /[\u3400-\u9fff]/;

/** Where a practitioner practises now (active roles), by practitioner. */
export async function rolesOf(db: Reader, practitionerIds: string[]) {
  const byPractitioner = new Map<string, RoleJson[]>(practitionerIds.map((id) => [id, []]));
  if (!practitionerIds.length) return byPractitioner;
  const rows = await db.selectFrom('practitioner_role')
    .innerJoin('institution', 'institution.id', 'practitioner_role.institution_id')
    .leftJoin('department', 'department.id', 'practitioner_role.department_id')
    .select(['practitioner_role.practitioner_id', 'practitioner_role.institution_id', 'institution.name as institution_name',
      'practitioner_role.department_id', 'department.name as department_name'])
    .where('practitioner_role.practitioner_id', 'in', practitionerIds).where('practitioner_role.active', '=', true)
    .orderBy('institution.level', 'desc').orderBy('institution.code').execute();
  for (const r of rows)
    byPractitioner.get(r.practitioner_id)!.push({
      institutionId: r.institution_id, institutionName: r.institution_name, departmentId: r.department_id, departmentName: r.department_name,
    });
  return byPractitioner;
}

/** The institutions a practitioner belongs to, for authorisation. */
export async function institutionsOf(db: Reader, practitionerId: string) {
  return (await db.selectFrom('practitioner_role').select('institution_id')
    .where('practitioner_id', '=', practitionerId).where('active', '=', true).execute()).map((r) => r.institution_id);
}

export async function listPractitioners(db: Db, caller: Caller, q: PractitionerQuery) {
  authorize(caller, 'directory.read');
  let sel = db.selectFrom('practitioner');
  if (q.q) {
    const text = q.q;
    const latin = text.toLowerCase().replace(/[^a-z]/g, '');
    if (HAN.test(text)) sel = sel.where('practitioner.name', 'like', startsWith(text));
    else if (/\d/.test(text) || !latin)
      sel = sel.where((eb) => eb.or([eb('practitioner.license_no', 'like', startsWith(text)), eb('practitioner.phone', '=', text)]));
    else
      sel = sel.where((eb) => eb.or([variantStartsWith('practitioner.name_pinyin', latin), variantStartsWith('practitioner.name_initials', latin)]));
  }
  if (q.title) sel = sel.where('practitioner.title', '=', q.title);
  if (q.specialty) sel = sel.where('practitioner.specialty', '=', q.specialty);
  if (q.active !== undefined) sel = sel.where('practitioner.active', '=', q.active);
  if (q.institutionId || q.departmentId) {
    const { institutionId, departmentId } = q;
    sel = sel.where((eb) => {
      let roles = eb.selectFrom('practitioner_role').select('practitioner_role.id')
        .whereRef('practitioner_role.practitioner_id', '=', 'practitioner.id').where('practitioner_role.active', '=', true);
      if (institutionId) roles = roles.where('practitioner_role.institution_id', '=', institutionId);
      if (departmentId) roles = roles.where('practitioner_role.department_id', '=', departmentId);
      return eb.exists(roles);
    });
  }
  const [rows, total] = await Promise.all([
    sel.selectAll('practitioner')
      .select(sql<boolean>`EXISTS (SELECT 1 FROM expert e WHERE e.practitioner_id = practitioner.id AND e.active)`.as('is_expert'))
      // The practitioner's active sign-in account, so colleagues can start a conversation with them.
      .select(sql<string | null>`(SELECT u.id FROM user_account u WHERE u.practitioner_id = practitioner.id AND u.active ORDER BY u.created_at LIMIT 1)`.as('user_id'))
      .orderBy('practitioner.name_pinyin').orderBy('practitioner.id').limit(q.limit).offset(q.offset).execute(),
    sel.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  const roles = await rolesOf(db, rows.map((r) => r.id));
  return {
    total: countOf(total),
    items: rows.map((r) => ({
      id: r.id, name: r.name, sex: r.sex, title: r.title, specialty: r.specialty, phone: maskPhone(r.phone),
      licenseNo: r.license_no, active: r.active, isExpert: r.is_expert, userId: r.user_id, roles: roles.get(r.id)!,
    })),
  };
}

/** The full record, phone unmasked, with the expert entry when there is one. */
export async function loadPractitioner(db: Reader, id: string, field = 'id') {
  const row = await db.selectFrom('practitioner').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(THING.practitioner, field);
  const roles = (await rolesOf(db, [id])).get(id)!;
  const expert = await db.selectFrom('expert').select(['specialty', 'services', 'availability', 'active'])
    .where('practitioner_id', '=', id).executeTakeFirst();
  return {
    id: row.id, name: row.name, sex: row.sex, title: row.title, specialty: row.specialty, phone: row.phone,
    licenseNo: row.license_no, active: row.active, isExpert: !!expert?.active, roles, expert: expert ?? null,
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

/** A single record shows the phone in full, so reading it is audited. */
export async function getPractitioner(db: Db, caller: Caller, id: string) {
  authorize(caller, 'directory.read');
  const p = await loadPractitioner(db, id);
  await audit(db, actorOf(caller), { action: 'directory.practitioner.read', objectType: 'practitioner', objectId: id });
  return p;
}

export async function assertLicenseFree(db: Reader, licenseNo: string | null | undefined, exceptId?: string) {
  if (!licenseNo) return;
  let sel = db.selectFrom('practitioner').select('id').where('license_no', '=', licenseNo);
  if (exceptId) sel = sel.where('id', '<>', exceptId);
  const other = await sel.executeTakeFirst();
  if (other)
    throw conflict('duplicate_license_no', '该执业证号已登记在另一位医务人员名下', 'This licence number is already registered to another practitioner', 'licenseNo', { existingId: other.id });
}

/** Each institution at most once; every institution exists; every department belongs to its role's institution. */
async function checkRoles(db: Reader, roles: RoleInput[]) {
  const seen = new Set<string>();
  for (const [i, r] of roles.entries()) {
    if (seen.has(r.institutionId))
      throw badRequest('duplicate_role', '同一机构只能填写一次', 'Each institution may appear only once', `roles.${i}.institutionId`);
    seen.add(r.institutionId);
    const inst = await db.selectFrom('institution').select('id').where('id', '=', r.institutionId).executeTakeFirst();
    if (!inst) throw notFound(THING.institution, `roles.${i}.institutionId`);
    if (r.departmentId) {
      const dept = await db.selectFrom('department').select('institution_id').where('id', '=', r.departmentId).executeTakeFirst();
      if (!dept) throw notFound(THING.department, `roles.${i}.departmentId`);
      if (dept.institution_id !== r.institutionId)
        throw badRequest('department_mismatch', '科室不属于所填执业机构', 'The department does not belong to this institution', `roles.${i}.departmentId`);
    }
  }
}

export const isSenior = (title: string) => SENIOR_TITLES.includes(title);

/** The practitioner's columns for a full or partial input; name changes refresh the pinyin search keys. */
export function practitionerColumns(p: PractitionerUpdate) {
  const keys = p.name === undefined ? undefined : nameSearchKeys(p.name);
  return given({
    name: p.name, name_pinyin: keys?.pinyin, name_initials: keys?.initials, sex: p.sex, title: p.title,
    specialty: p.specialty, phone: p.phone, license_no: p.licenseNo,
  });
}

export async function insertPractitioner(tx: Tx, input: Omit<PractitionerInput, 'roles'>) {
  const keys = nameSearchKeys(input.name);
  return tx.insertInto('practitioner').values({
    name: input.name, name_pinyin: keys.pinyin, name_initials: keys.initials, sex: input.sex, title: input.title,
    specialty: input.specialty ?? null, phone: input.phone ?? null, license_no: input.licenseNo ?? null,
  }).returning('id').executeTakeFirstOrThrow();
}

/** Adds or re-activates a role at an institution, setting its department. */
export async function upsertRole(tx: Tx, practitionerId: string, role: RoleInput) {
  await tx.insertInto('practitioner_role')
    .values({ practitioner_id: practitionerId, institution_id: role.institutionId, department_id: role.departmentId ?? null })
    .onConflict((oc) => oc.columns(['practitioner_id', 'institution_id'])
      .doUpdateSet({ active: true, department_id: role.departmentId ?? null }))
    .execute();
}

/** Refuses a title below 副主任 for someone in the expert pool. */
async function assertTitleKeepsExpert(tx: Tx, practitionerId: string, title: string) {
  if (isSenior(title)) return;
  const expert = await tx.selectFrom('expert').select('active').where('practitioner_id', '=', practitionerId).executeTakeFirst();
  if (expert?.active)
    throw conflict('expert_needs_senior_title', '该医生在专家库中，职称须为副主任医师及以上；请先将其移出专家库',
      'This practitioner is in the expert pool, which needs 副主任医师 or above; take them out of the pool first', 'title');
}

export async function createPractitioner(db: Db, caller: Caller, input: PractitionerInput) {
  // Every institution the new practitioner will practise at must be one the caller manages.
  for (const r of input.roles) authorize(caller, 'practitioner.manage', { institutionId: r.institutionId });
  return db.transaction().execute(async (tx) => {
    await checkRoles(tx, input.roles);
    await assertLicenseFree(tx, input.licenseNo);
    const row = await insertPractitioner(tx, input);
    for (const r of input.roles) await upsertRole(tx, row.id, r);
    await audit(tx, actorOf(caller), {
      action: 'directory.practitioner.create', objectType: 'practitioner', objectId: row.id, detail: auditedChanges(input),
    });
    return loadPractitioner(tx, row.id);
  });
}

async function lockPractitioner(tx: Tx, caller: Caller, id: string): Promise<{ row: PractitionerRow; institutions: string[] }> {
  const row = await tx.selectFrom('practitioner').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound(THING.practitioner, 'id');
  const institutions = await institutionsOf(tx, id);
  authorize(caller, 'practitioner.manage', { institutionId: institutions });
  return { row, institutions };
}

export async function updatePractitioner(db: Db, caller: Caller, id: string, patch: PractitionerUpdate) {
  return db.transaction().execute(async (tx) => {
    const { row } = await lockPractitioner(tx, caller, id);
    if (patch.roles) {
      await checkRoles(tx, patch.roles);
      const current = await tx.selectFrom('practitioner_role').select(['institution_id', 'department_id'])
        .where('practitioner_id', '=', id).where('active', '=', true).execute();
      const wanted = new Map(patch.roles.map((r) => [r.institutionId, r.departmentId ?? null]));
      const removed = current.filter((c) => !wanted.has(c.institution_id)).map((c) => c.institution_id);
      const changed = patch.roles.filter((r) => {
        const c = current.find((x) => x.institution_id === r.institutionId);
        return !c || c.department_id !== (r.departmentId ?? null);
      });
      // Each institution whose side changes must be one the caller manages: an institution admin can add or drop
      // their own institution for a practitioner, never another's.
      for (const inst of [...removed, ...changed.map((r) => r.institutionId)])
        authorize(caller, 'practitioner.manage', { institutionId: inst });
      if (removed.length)
        await tx.updateTable('practitioner_role').set({ active: false })
          .where('practitioner_id', '=', id).where('institution_id', 'in', removed).execute();
      for (const r of changed) await upsertRole(tx, id, r);
    }
    if (patch.title !== undefined && patch.title !== row.title) await assertTitleKeepsExpert(tx, id, patch.title);
    if (patch.licenseNo && patch.licenseNo !== row.license_no) await assertLicenseFree(tx, patch.licenseNo, id);
    const set = practitionerColumns(patch);
    if (Object.keys(set).length) await tx.updateTable('practitioner').set({ ...set, updated_at: new Date() }).where('id', '=', id).execute();
    await audit(tx, actorOf(caller), {
      action: 'directory.practitioner.update', objectType: 'practitioner', objectId: id, detail: auditedChanges(patch),
    });
    return loadPractitioner(tx, id);
  });
}

export async function setPractitionerActive(db: Db, caller: Caller, id: string, active: boolean) {
  return db.transaction().execute(async (tx) => {
    const { row } = await lockPractitioner(tx, caller, id);
    if (row.active !== active) {
      await tx.updateTable('practitioner').set({ active, updated_at: new Date() }).where('id', '=', id).execute();
      await audit(tx, actorOf(caller), { action: `directory.practitioner.${active ? 'activate' : 'deactivate'}`, objectType: 'practitioner', objectId: id });
    }
    return loadPractitioner(tx, id);
  });
}
