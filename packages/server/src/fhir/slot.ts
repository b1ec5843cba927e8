/**
 * Slot ↔ slot: one 30-minute bookable place of a Schedule. Search goes through the scheduling service's listSlots,
 * so `status=free` lists exactly what the caller may book now (release times, primary-care and referral pools).
 */
import type { Slot } from '@medplum/fhirtypes';
import { notFound } from '@yilian/core';
import { authorize } from '../policy/policy.js';
import { listSlots } from '../scheduling/scheduling.js';
import { CODE_SYSTEM, EXTENSION, SEARCH_PARAMETER, SLOT_CATEGORY, SLOT_POOL, SLOT_STATUS, SLOT_STATUS_FROM_FHIR } from './codes.js';
import type { ResourceModule } from './resource.js';
import { dateBounds, pageOf, referenceId, single, type SearchParamDef } from './search.js';

const SEARCH: SearchParamDef[] = [
  { name: 'schedule', type: 'reference', documentation: 'Schedule/<id>' },
  { name: 'start', type: 'date', documentation: 'prefixes eq, ge, gt, le, lt; repeat to AND (start=ge2026-03-02&start=lt2026-03-09); times without a zone are China time' },
  { name: 'status', type: 'token', documentation: 'free | busy | busy-unavailable (blocked); free lists only the slots the caller may book now' },
  { name: 'institution', type: 'reference', definition: SEARCH_PARAMETER('Slot', 'institution'), documentation: 'Organization/<id>: slots of the institution\'s resources' },
];

/** The slot fields the mapping reads (the scheduling service's slot view). */
export interface SlotView {
  id: string; resourceId: string; startsAt: Date; endsAt: Date; category: string; pool: string;
  primaryReturnsAt: Date | null; opensAt: Date; status: string;
}

const LABEL = { zh: '号源', en: 'Slot' };

export function toSlot(s: SlotView): Slot {
  const category = SLOT_CATEGORY[s.category as keyof typeof SLOT_CATEGORY];
  const pool = SLOT_POOL[s.pool as keyof typeof SLOT_POOL];
  return {
    resourceType: 'Slot', id: s.id,
    extension: [
      { url: EXTENSION.slotPool, valueCoding: { system: CODE_SYSTEM.slotPool, code: s.pool, display: pool?.zh } },
      { url: EXTENSION.slotOpensAt, valueInstant: s.opensAt.toISOString() },
      ...(s.primaryReturnsAt ? [{ url: EXTENSION.slotPrimaryReturnsAt, valueInstant: s.primaryReturnsAt.toISOString() }] : []),
    ],
    serviceCategory: [{ coding: [{ system: CODE_SYSTEM.slotCategory, code: s.category, display: category?.zh }], text: category?.zh }],
    schedule: { reference: `Schedule/${s.resourceId}` },
    status: SLOT_STATUS[s.status as keyof typeof SLOT_STATUS],
    start: s.startsAt.toISOString(),
    end: s.endsAt.toISOString(),
  };
}

export const slotModule: ResourceModule<Slot> = {
  type: 'Slot',
  label: LABEL,
  documentation: 'A 30-minute bookable place (号源). Read and search; book it with POST Appointment.',
  searchParams: SEARCH,

  async read({ db, caller }, id) {
    // Anyone who may list slots may read one (listSlots shows every status to schedule.read).
    authorize(caller, 'schedule.read');
    const s = await db.selectFrom('slot').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s) throw notFound(LABEL);
    return toSlot({
      id: s.id, resourceId: s.resource_id, startsAt: s.starts_at, endsAt: s.ends_at, category: s.category, pool: s.pool,
      primaryReturnsAt: s.primary_returns_at, opensAt: s.opens_at, status: s.status,
    });
  },

  async search({ db, caller }, s) {
    authorize(caller, 'schedule.read');
    const empty = { resources: [], hasMore: false };
    const schedule = single(s, 'schedule'), status = single(s, 'status'), institution = single(s, 'institution');
    const q: Parameters<typeof listSlots>[2] = { limit: s.count + 1, offset: s.offset };
    if (schedule !== undefined) {
      const id = referenceId('schedule', schedule, ['Schedule']);
      if (!id) return empty;
      q.resourceId = id;
    }
    if (institution !== undefined) {
      const id = referenceId('institution', institution, ['Organization']);
      if (!id) return empty;
      q.institutionId = id;
    }
    if (status !== undefined) {
      const code = SLOT_STATUS_FROM_FHIR[status.replace(/^.*\|/, '')];
      if (!code) return empty;
      q.status = code;
    }
    const start = s.params.get('start');
    if (start) {
      const b = dateBounds('start', start);
      if (b.empty) return empty;
      if (b.from) q.from = b.from.toISOString();
      if (b.to) q.to = b.to.toISOString();
    }
    const { items } = await listSlots(db, caller, q);
    const page = pageOf(items, s.count);
    return { resources: page.rows.map(toSlot), hasMore: page.hasMore };
  },
};
