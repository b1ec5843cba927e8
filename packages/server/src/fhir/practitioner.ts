/**
 * Practitioner ↔ practitioner (医生/技师/护士 of the directory), and PractitionerRole ↔ practitioner_role (where one
 * practises: 多点执业 gives several roles). Read and search; managed through /api/v1/practitioners.
 */
import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { notFound, SPECIALTIES, TITLES } from '@yilian/core';
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { PractitionerTable } from '../db/schema.js';
import { startsWith } from '../http/query.js';
import { authorize } from '../policy/policy.js';
import { CODE_SYSTEM, IDENTIFIER_SYSTEM } from './codes.js';
import { chineseName, ref, tokenValue } from './mapping.js';
import type { ResourceModule } from './resource.js';
import { booleanToken, isUuid, pageOf, referenceId, single, type SearchParamDef } from './search.js';

const LABEL = { zh: '医务人员', en: 'Practitioner' };
const ROLE_LABEL = { zh: '执业机构', en: 'PractitionerRole' };
const HAN = /\p{Script=Han}/u;
const zh = (m: Record<string, { zh: string }>, k: string | null | undefined) => (k && m[k] ? m[k]!.zh : k ?? '');

type Row = Selectable<PractitionerTable>;

export function toPractitioner(r: Row): Practitioner {
  return {
    resourceType: 'Practitioner', id: r.id,
    meta: { lastUpdated: r.updated_at.toISOString() },
    ...(r.license_no ? { identifier: [{ use: 'official', system: IDENTIFIER_SYSTEM.practitionerLicense, value: r.license_no }] } : {}),
    active: r.active,
    name: [chineseName(r.name)],
    gender: r.sex === 'female' ? 'female' : 'male',
    qualification: [{ code: { coding: [{ system: CODE_SYSTEM.practitionerTitle, code: r.title, display: zh(TITLES, r.title) }], text: zh(TITLES, r.title) } }],
  };
}

export const practitionerModule: ResourceModule<Practitioner> = {
  type: 'Practitioner',
  label: LABEL,
  documentation: 'A practitioner of the directory (医生、技师、护士): name, gender, title (职称) as qualification, licence number as identifier. Read and search.',
  searchParams: [
    { name: '_id', type: 'token', documentation: 'the practitioner id' },
    { name: 'name', type: 'string', documentation: 'name starting with, in characters (张明) or pinyin / initials (zhangming, zm)' },
    { name: 'identifier', type: 'token', documentation: `licence number (${IDENTIFIER_SYSTEM.practitionerLicense}|…)` },
    { name: 'active', type: 'token', documentation: 'true | false (default: both)' },
  ],

  async read({ db, caller }, id) {
    authorize(caller, 'directory.read');
    const r = await db.selectFrom('practitioner').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound(LABEL);
    return toPractitioner(r);
  },

  async search({ db, caller }, s) {
    authorize(caller, 'directory.read');
    const empty = { resources: [], hasMore: false, total: 0 };
    let q = db.selectFrom('practitioner');
    const id = single(s, '_id'), name = single(s, 'name'), identifier = single(s, 'identifier'), active = single(s, 'active');
    if (id !== undefined) { if (!isUuid(id)) return empty; q = q.where('id', '=', id.toLowerCase()); }
    if (name !== undefined) {
      const t = name.replace(/\s+/g, '');
      q = HAN.test(t) ? q.where('name', 'like', startsWith(t))
        : q.where((eb) => eb.or([eb('name_pinyin', 'like', startsWith(t.toLowerCase())), eb('name_initials', 'like', startsWith(t.toLowerCase()))]));
    }
    if (identifier !== undefined) {
      const t = tokenValue(identifier);
      if (t.system && t.system !== IDENTIFIER_SYSTEM.practitionerLicense) return empty;
      q = q.where('license_no', '=', t.code);
    }
    if (active !== undefined) q = q.where('active', '=', booleanToken('active', active));
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('name').orderBy('id').limit(s.count + 1).offset(s.offset).execute(),
      q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const page = pageOf(rows, s.count);
    return { resources: page.rows.map(toPractitioner), hasMore: page.hasMore, total: Number(total.n) };
  },
};

const roleSelect = (db: Db) => db.selectFrom('practitioner_role as r')
  .innerJoin('practitioner as p', 'p.id', 'r.practitioner_id')
  .innerJoin('institution as i', 'i.id', 'r.institution_id')
  .leftJoin('department as d', 'd.id', 'r.department_id');
const ROLE_COLUMNS = ['r.id', 'r.active', 'r.practitioner_id', 'r.institution_id', 'r.department_id', 'p.name as practitioner_name', 'p.title',
  'p.specialty as practitioner_specialty', 'i.name as institution_name', 'd.name as department_name', 'd.specialty as department_specialty'] as const;
interface RoleRow {
  id: string; active: boolean; practitioner_id: string; institution_id: string; department_id: string | null; practitioner_name: string; title: string;
  practitioner_specialty: string | null; institution_name: string; department_name: string | null; department_specialty: string | null;
}

export function toPractitionerRole(r: RoleRow): PractitionerRole {
  const specialty = r.department_specialty ?? r.practitioner_specialty;
  return {
    resourceType: 'PractitionerRole', id: r.id,
    active: r.active,
    practitioner: ref('Practitioner', r.practitioner_id, r.practitioner_name),
    organization: ref('Organization', r.institution_id, r.institution_name),
    code: [{ coding: [{ system: CODE_SYSTEM.practitionerTitle, code: r.title, display: zh(TITLES, r.title) }], text: zh(TITLES, r.title) }],
    ...(specialty || r.department_name ? {
      specialty: [{
        ...(specialty ? { coding: [{ system: CODE_SYSTEM.specialty, code: specialty, display: zh(SPECIALTIES, specialty) }] } : {}),
        text: r.department_name ?? zh(SPECIALTIES, specialty),
      }],
    } : {}),
  };
}

export const practitionerRoleModule: ResourceModule<PractitionerRole> = {
  type: 'PractitionerRole',
  label: ROLE_LABEL,
  documentation: 'Where a practitioner practises (多点执业: one role per institution): organization, department as specialty (text), title as code. Read and search.',
  searchParams: [
    { name: 'practitioner', type: 'reference', documentation: 'Practitioner/<id>' },
    { name: 'organization', type: 'reference', documentation: 'Organization/<id>' },
    { name: 'specialty', type: 'token', documentation: `department / practitioner specialty (${CODE_SYSTEM.specialty}: cardiology, general_practice …)` },
    { name: 'active', type: 'token', documentation: 'true | false (default: both)' },
  ],

  async read({ db, caller }, id) {
    authorize(caller, 'directory.read');
    const r = await roleSelect(db).select(ROLE_COLUMNS).where('r.id', '=', id).executeTakeFirst();
    if (!r) throw notFound(ROLE_LABEL);
    return toPractitionerRole(r as RoleRow);
  },

  async search({ db, caller }, s) {
    authorize(caller, 'directory.read');
    const empty = { resources: [], hasMore: false, total: 0 };
    let q = roleSelect(db);
    const practitioner = single(s, 'practitioner'), organization = single(s, 'organization'), specialty = single(s, 'specialty'), active = single(s, 'active');
    if (practitioner !== undefined) {
      const id = referenceId('practitioner', practitioner, ['Practitioner']);
      if (!id) return empty;
      q = q.where('r.practitioner_id', '=', id);
    }
    if (organization !== undefined) {
      const id = referenceId('organization', organization, ['Organization']);
      if (!id) return empty;
      q = q.where('r.institution_id', '=', id);
    }
    if (specialty !== undefined) {
      const t = tokenValue(specialty);
      if (t.system && t.system !== CODE_SYSTEM.specialty) return empty;
      q = q.where((eb) => eb.or([eb('d.specialty', '=', t.code), eb.and([eb('d.specialty', 'is', null), eb('p.specialty', '=', t.code)])]));
    }
    if (active !== undefined) q = q.where('r.active', '=', booleanToken('active', active));
    const [rows, total] = await Promise.all([
      q.select(ROLE_COLUMNS).orderBy('i.code').orderBy('p.name').orderBy('r.id').limit(s.count + 1).offset(s.offset).execute(),
      q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const page = pageOf(rows, s.count);
    return { resources: page.rows.map((r) => toPractitionerRole(r as RoleRow)), hasMore: page.hasMore, total: Number(total.n) };
  },
};
