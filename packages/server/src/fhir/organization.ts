/**
 * Organization ↔ institution: a member institution of the consortium (医疗机构). Read and search; institutions are
 * managed through /api/v1/institutions. Anyone with directory.read (staff, system clients) may read them.
 */
import type { Organization } from '@medplum/fhirtypes';
import { INSTITUTION_GRADES, INSTITUTION_LEVELS, INSTITUTION_TYPES, notFound } from '@yilian/core';
import type { Selectable } from 'kysely';
import type { InstitutionTable } from '../db/schema.js';
import { startsWith } from '../http/query.js';
import { authorize } from '../policy/policy.js';
import { CODE_SYSTEM, IDENTIFIER_SYSTEM } from './codes.js';
import { tokenValue } from './mapping.js';
import type { ResourceModule } from './resource.js';
import { booleanToken, isUuid, pageOf, single, type SearchParamDef } from './search.js';

const SEARCH: SearchParamDef[] = [
  { name: '_id', type: 'token', documentation: 'the institution id' },
  { name: 'identifier', type: 'token', documentation: `the institution code (${IDENTIFIER_SYSTEM.institutionCode}|RMYY, or RMYY)` },
  { name: 'name', type: 'string', documentation: 'name or short name starting with (市人民, 新市镇)' },
  { name: 'type', type: 'token', documentation: `level (${CODE_SYSTEM.institutionLevel}: 3, 2, 1, 0) or type (${CODE_SYSTEM.institutionType}: general_hospital, township_hospital …)` },
  { name: 'active', type: 'token', documentation: 'true | false (default: both)' },
];

const LABEL = { zh: '机构', en: 'Organization' };
type Row = Selectable<InstitutionTable>;
const label = <T extends Record<string, { zh: string }>>(m: T, k: string | null) => (k && k in m ? m[k as keyof T]!.zh : k ?? '');

export function toOrganization(r: Row): Organization {
  const level = label(INSTITUTION_LEVELS, r.level), grade = r.grade ? label(INSTITUTION_GRADES, r.grade) : '';
  return {
    resourceType: 'Organization', id: r.id,
    meta: { lastUpdated: r.updated_at.toISOString() },
    identifier: [{ use: 'official', system: IDENTIFIER_SYSTEM.institutionCode, value: r.code }],
    active: r.active,
    type: [
      { coding: [{ system: CODE_SYSTEM.organizationType, code: 'prov', display: 'Healthcare Provider' }] },
      { coding: [{ system: CODE_SYSTEM.institutionLevel, code: r.level, display: level }], text: `${level}${grade}` },
      { coding: [{ system: CODE_SYSTEM.institutionType, code: r.type, display: label(INSTITUTION_TYPES, r.type) }], text: label(INSTITUTION_TYPES, r.type) },
    ],
    name: r.name,
    ...(r.short_name ? { alias: [r.short_name] } : {}),
    ...(r.phone ? { telecom: [{ system: 'phone', value: r.phone, use: 'work' }] } : {}),
    address: [{ use: 'work', ...(r.address ? { text: r.address } : {}), district: r.region_code, country: 'CN' }],
  };
}

export const organizationModule: ResourceModule<Organization> = {
  type: 'Organization',
  label: LABEL,
  documentation: 'A member institution (医疗机构): identifier = institution code, type = level (三级/二级/一级) and kind. Read and search.',
  searchParams: SEARCH,

  async read({ db, caller }, id) {
    authorize(caller, 'directory.read');
    const r = await db.selectFrom('institution').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound(LABEL);
    return toOrganization(r);
  },

  async search({ db, caller }, s) {
    authorize(caller, 'directory.read');
    let q = db.selectFrom('institution');
    const empty = { resources: [], hasMore: false, total: 0 };
    const id = single(s, '_id'), identifier = single(s, 'identifier'), name = single(s, 'name'), type = single(s, 'type'), active = single(s, 'active');
    if (id !== undefined) {
      if (!isUuid(id)) return empty;
      q = q.where('id', '=', id.toLowerCase());
    }
    if (identifier !== undefined) {
      const t = tokenValue(identifier);
      if (t.system && t.system !== IDENTIFIER_SYSTEM.institutionCode) return empty;
      q = q.where('code', '=', t.code);
    }
    if (name !== undefined) q = q.where((eb) => eb.or([eb('name', 'like', startsWith(name)), eb('short_name', 'like', startsWith(name))]));
    if (type !== undefined) {
      const t = tokenValue(type);
      if (t.system === CODE_SYSTEM.institutionLevel || (!t.system && /^[0-3]$/.test(t.code))) q = q.where('level', '=', t.code);
      else if (t.system === CODE_SYSTEM.institutionType || !t.system) q = q.where('type', '=', t.code);
      else if (!(t.system === CODE_SYSTEM.organizationType && t.code === 'prov')) return empty;
    }
    if (active !== undefined) q = q.where('active', '=', booleanToken('active', active));
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('level', 'desc').orderBy('code').limit(s.count + 1).offset(s.offset).execute(),
      q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const page = pageOf(rows, s.count);
    return { resources: page.rows.map(toOrganization), hasMore: page.hasMore, total: Number(total.n) };
  },
};
