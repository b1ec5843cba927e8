/**
 * Schedule ↔ schedule_resource: one bookable resource (a doctor's clinic, an exam device, a bed) with its slots.
 * Read-only here; resources are made through /api/v1/scheduling/resources. The scheduling service has no lookup
 * by practitioner or for inactive resources, so the rows are read directly (same permission: schedule.read).
 */
import type { HealthcareService, Location, Practitioner, Reference, Schedule } from '@medplum/fhirtypes';
import { notFound } from '@yilian/core';
import type { Db } from '../db/database.js';
import { authorize } from '../policy/policy.js';
import { CODE_SYSTEM, EXTENSION, RESOURCE_KIND, SEARCH_PARAMETER } from './codes.js';
import type { FhirContext, ResourceModule } from './resource.js';
import { booleanToken, pageOf, referenceId, single, type SearchParamDef } from './search.js';

const SEARCH: SearchParamDef[] = [
  { name: 'actor', type: 'reference', documentation: 'Practitioner/<id>: the doctor whose clinic it is' },
  { name: 'active', type: 'token', documentation: 'true | false (default: both)' },
  { name: 'institution', type: 'reference', definition: SEARCH_PARAMETER('Schedule', 'institution'), documentation: 'Organization/<id>: the institution (机构) the resource belongs to' },
  { name: 'service-type', type: 'token', documentation: `doctor | exam | bed (${CODE_SYSTEM.resourceKind})` },
];

const select = (db: Db) => db.selectFrom('schedule_resource as r')
  .innerJoin('institution as i', 'i.id', 'r.institution_id')
  .leftJoin('practitioner as p', 'p.id', 'r.practitioner_id')
  .leftJoin('department as d', 'd.id', 'r.department_id');
const COLUMNS = ['r.id', 'r.kind', 'r.name', 'r.exam_type', 'r.ward', 'r.active', 'r.institution_id', 'r.practitioner_id',
  'i.name as institution_name', 'p.name as practitioner_name', 'd.name as department_name'] as const;

export interface ScheduleRow {
  id: string; kind: 'doctor' | 'exam' | 'bed'; name: string; exam_type: string | null; ward: string | null; active: boolean;
  institution_id: string; practitioner_id: string | null; institution_name: string; practitioner_name: string | null; department_name: string | null;
}

/** Who or what the schedule is for: the practitioner of a doctor's clinic; for exams and beds a display only. */
export function resourceActor(r: Pick<ScheduleRow, 'kind' | 'name' | 'ward' | 'practitioner_id' | 'practitioner_name'>): Reference<Practitioner | HealthcareService | Location> {
  if (r.kind === 'doctor' && r.practitioner_id)
    return { reference: `Practitioner/${r.practitioner_id}`, type: 'Practitioner', display: r.practitioner_name ?? r.name };
  if (r.kind === 'bed') return { type: 'Location', display: r.ward ? `${r.ward} ${r.name}` : r.name };
  return { type: 'HealthcareService', display: r.name };
}

export const institutionExtension = (id: string, name: string) =>
  ({ url: EXTENSION.institution, valueReference: { reference: `Organization/${id}`, display: name } });

export function toSchedule(r: ScheduleRow): Schedule {
  const kind = RESOURCE_KIND[r.kind];
  const specialty = r.kind === 'exam' && r.exam_type
    ? [{ coding: [{ system: CODE_SYSTEM.examType, code: r.exam_type }], text: r.exam_type }]
    : r.department_name ? [{ text: r.department_name }] : undefined;
  return {
    resourceType: 'Schedule', id: r.id,
    extension: [institutionExtension(r.institution_id, r.institution_name)],
    active: r.active,
    serviceType: [{ coding: [{ system: CODE_SYSTEM.resourceKind, code: r.kind, display: kind.zh }], text: r.exam_type ? `${kind.zh} ${r.exam_type}` : kind.zh }],
    ...(specialty ? { specialty } : {}),
    actor: [resourceActor(r)],
    comment: r.name,
  };
}

const LABEL = { zh: '号源资源', en: 'Schedule' };

export const scheduleModule: ResourceModule<Schedule> = {
  type: 'Schedule',
  label: LABEL,
  documentation: 'A bookable resource (号源资源): a doctor\'s clinic, an exam device or a bed. Read and search only.',
  searchParams: SEARCH,

  async read({ db, caller }: FhirContext, id) {
    authorize(caller, 'schedule.read');
    const r = await select(db).select(COLUMNS).where('r.id', '=', id).executeTakeFirst();
    if (!r) throw notFound(LABEL);
    return toSchedule(r);
  },

  async search({ db, caller }, s) {
    authorize(caller, 'schedule.read');
    let q = select(db);
    const actor = single(s, 'actor'), active = single(s, 'active'), institution = single(s, 'institution'), kind = single(s, 'service-type');
    if (actor !== undefined) {
      const id = referenceId('actor', actor, ['Practitioner']);
      if (!id) return { resources: [], hasMore: false, total: 0 };
      q = q.where('r.practitioner_id', '=', id);
    }
    if (active !== undefined) q = q.where('r.active', '=', booleanToken('active', active));
    if (institution !== undefined) {
      const id = referenceId('institution', institution, ['Organization']);
      if (!id) return { resources: [], hasMore: false, total: 0 };
      q = q.where('r.institution_id', '=', id);
    }
    if (kind !== undefined) {
      const code = kind.replace(/^.*\|/, '');
      if (!['doctor', 'exam', 'bed'].includes(code)) return { resources: [], hasMore: false, total: 0 };
      q = q.where('r.kind', '=', code as 'doctor');
    }
    const [rows, total] = await Promise.all([
      q.select(COLUMNS).orderBy('r.name').orderBy('r.id').limit(s.count + 1).offset(s.offset).execute(),
      q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const page = pageOf(rows, s.count);
    return { resources: page.rows.map(toSchedule), hasMore: page.hasMore, total: Number(total.n) };
  },
};
