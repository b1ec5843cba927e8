/** 专家库: practitioners of 副主任医师 or above, by specialty, with the services they accept and their availability. */
import {
  badRequest, conflict, expertServices, notFound, specialties, TITLES, type ExpertInput, type ExpertUpdate,
} from '@yilian/core';
import { sql } from 'kysely';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import {
  activeFilter, auditedChanges, countOf, given, page, startsWith, THING, variantStartsWith, type Reader, type Tx,
} from './common.js';
import { isSenior, rolesOf } from './practitioners.js';

export const expertQuery = z.object({
  specialty: z.enum(specialties).optional(),
  service: z.enum(expertServices).optional(),
  institutionId: z.uuid().optional(),
  q: z.string().trim().min(1).max(40).optional(),
  active: activeFilter,
  ...page,
}).strict();
export type ExpertQuery = z.infer<typeof expertQuery>;
export const expertParams = z.object({ practitionerId: z.uuid() }).strict();

const HAN = /[\u3400-\u9fff]/;
/** An expert is available only while both the pool entry and the practitioner are active. */
const effectiveActive = sql<boolean>`(expert.active AND practitioner.active)`;

const select = (db: Reader) => db.selectFrom('expert').innerJoin('practitioner', 'practitioner.id', 'expert.practitioner_id');

async function toJson(db: Reader, rows: { practitioner_id: string; name: string; title: string; specialty: string; services: string[]; availability: string | null; active: boolean }[]) {
  const roles = await rolesOf(db, rows.map((r) => r.practitioner_id));
  return rows.map((r) => ({
    practitionerId: r.practitioner_id, name: r.name, title: r.title, specialty: r.specialty, services: r.services,
    availability: r.availability, active: r.active,
    institutions: roles.get(r.practitioner_id)!.map((x) => ({ id: x.institutionId, name: x.institutionName })),
  }));
}
const columns = ['expert.practitioner_id', 'practitioner.name', 'practitioner.title', 'expert.specialty', 'expert.services', 'expert.availability'] as const;

export async function listExperts(db: Db, caller: Caller, q: ExpertQuery) {
  authorize(caller, 'directory.read');
  let sel = select(db);
  if (q.specialty) sel = sel.where('expert.specialty', '=', q.specialty);
  if (q.service) sel = sel.where(sql<boolean>`${q.service} = ANY(expert.services)`);
  if (q.active !== undefined) sel = sel.where(q.active ? effectiveActive : sql<boolean>`NOT ${effectiveActive}`);
  if (q.q) {
    const text = q.q;
    const latin = text.toLowerCase().replace(/[^a-z]/g, '');
    if (HAN.test(text) || !latin) sel = sel.where('practitioner.name', 'like', startsWith(text));
    else sel = sel.where((eb) => eb.or([variantStartsWith('practitioner.name_pinyin', latin), variantStartsWith('practitioner.name_initials', latin)]));
  }
  if (q.institutionId) {
    const institutionId = q.institutionId;
    sel = sel.where((eb) => eb.exists(eb.selectFrom('practitioner_role').select('practitioner_role.id')
      .whereRef('practitioner_role.practitioner_id', '=', 'expert.practitioner_id')
      .where('practitioner_role.institution_id', '=', institutionId).where('practitioner_role.active', '=', true)));
  }
  const [rows, total] = await Promise.all([
    sel.select([...columns, effectiveActive.as('active')])
      // Most senior first (the order of TITLES), then by name.
      .orderBy(sql`array_position(${sql.val(Object.keys(TITLES))}::text[], practitioner.title)`)
      .orderBy('practitioner.name_pinyin').orderBy('expert.practitioner_id').limit(q.limit).offset(q.offset).execute(),
    sel.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  return { total: countOf(total), items: await toJson(db, rows) };
}

async function loadExpert(db: Reader, practitionerId: string) {
  const row = await select(db).select([...columns, effectiveActive.as('active')]).where('expert.practitioner_id', '=', practitionerId).executeTakeFirst();
  if (!row) throw notFound(THING.expert, 'practitionerId');
  return (await toJson(db, [row]))[0]!;
}

export async function getExpert(db: Db, caller: Caller, practitionerId: string) {
  authorize(caller, 'directory.read');
  return loadExpert(db, practitionerId);
}

/** The practitioner must exist, be active and hold 副主任医师 or above. */
async function requireEligible(tx: Tx, practitionerId: string) {
  const p = await tx.selectFrom('practitioner').select(['title', 'active']).where('id', '=', practitionerId).executeTakeFirst();
  if (!p) throw notFound(THING.practitioner, 'practitionerId');
  if (!isSenior(p.title)) {
    const title = TITLES[p.title as keyof typeof TITLES] ?? { zh: p.title, en: p.title };
    throw badRequest('title_too_junior', `专家库只收录副主任医师及以上职称，该医生职称为${title.zh}`,
      `The expert pool takes associate chief physicians or above; this practitioner is ${title.en}`, 'practitionerId');
  }
  if (!p.active)
    throw conflict('practitioner_inactive', '该医务人员已停用，不能加入专家库', 'This practitioner is deactivated and cannot join the expert pool', 'practitionerId');
}

/** Adds a practitioner to the pool; one who left the pool before is taken back with the new entry. */
export async function createExpert(db: Db, caller: Caller, input: ExpertInput) {
  authorize(caller, 'expert.manage');
  return db.transaction().execute(async (tx) => {
    await requireEligible(tx, input.practitionerId);
    const existing = await tx.selectFrom('expert').select('active').where('practitioner_id', '=', input.practitionerId).forUpdate().executeTakeFirst();
    if (existing?.active)
      throw conflict('already_expert', '该医生已在专家库中', 'This practitioner is already in the expert pool', 'practitionerId');
    const values = { specialty: input.specialty, services: input.services, availability: input.availability ?? null };
    if (existing)
      await tx.updateTable('expert').set({ ...values, active: true, updated_at: new Date() }).where('practitioner_id', '=', input.practitionerId).execute();
    else await tx.insertInto('expert').values({ practitioner_id: input.practitionerId, ...values }).execute();
    await audit(tx, actorOf(caller), {
      action: 'directory.expert.create', objectType: 'expert', objectId: input.practitionerId, detail: auditedChanges(input),
    });
    return loadExpert(tx, input.practitionerId);
  });
}

async function lockExpert(tx: Tx, practitionerId: string) {
  const row = await tx.selectFrom('expert').selectAll().where('practitioner_id', '=', practitionerId).forUpdate().executeTakeFirst();
  if (!row) throw notFound(THING.expert, 'practitionerId');
  return row;
}

export async function updateExpert(db: Db, caller: Caller, practitionerId: string, patch: ExpertUpdate) {
  authorize(caller, 'expert.manage');
  return db.transaction().execute(async (tx) => {
    await lockExpert(tx, practitionerId);
    const set = given({ specialty: patch.specialty, services: patch.services, availability: patch.availability });
    if (Object.keys(set).length) await tx.updateTable('expert').set({ ...set, updated_at: new Date() }).where('practitioner_id', '=', practitionerId).execute();
    await audit(tx, actorOf(caller), { action: 'directory.expert.update', objectType: 'expert', objectId: practitionerId, detail: auditedChanges(patch) });
    return loadExpert(tx, practitionerId);
  });
}

export async function setExpertActive(db: Db, caller: Caller, practitionerId: string, active: boolean) {
  authorize(caller, 'expert.manage');
  return db.transaction().execute(async (tx) => {
    const row = await lockExpert(tx, practitionerId);
    if (active) await requireEligible(tx, practitionerId);
    if (row.active !== active) {
      await tx.updateTable('expert').set({ active, updated_at: new Date() }).where('practitioner_id', '=', practitionerId).execute();
      await audit(tx, actorOf(caller), { action: `directory.expert.${active ? 'activate' : 'deactivate'}`, objectType: 'expert', objectId: practitionerId });
    }
    return loadExpert(tx, practitionerId);
  });
}
