/**
 * Task ↔ referral: the fulfilment of a referral's ServiceRequest (same id) — where the workflow stands. status is
 * the state mapped onto FHIR's Task states, businessStatus the state in Chinese (待接收方审核 …), focus the
 * ServiceRequest, for the patient, owner the receiving Organization or, once assigned, the receiving doctor; the
 * history (referral_event) is Task.note, one entry per step with its time and author; the closing summary and the
 * booked appointment are outputs. Read and search; an external system follows a referral by reading its Task.
 * Creating a Task for a draft referral's ServiceRequest (focus) with status `requested` submits the referral (the
 * service's submit step); with `draft` it leaves it. The Task has the referral's id: it is the referral's progress.
 */
import type { Annotation, Task } from '@medplum/fhirtypes';
import { REFERRAL_STATE_LABELS, REFERRAL_TRANSITIONS, type ReferralAction, type ReferralState } from '@yilian/core';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { actReferral } from '../referral/actions.js';
import { ref, refId, tokenValue } from './mapping.js';
import { unprocessable } from './outcome.js';
import { joinTransaction } from './patient.js';
import { parseResource, type ResourceModule } from './resource.js';
import { referenceId, single, type SearchParamDef } from './search.js';
import {
  codeIdentifier, loadVisibleReferral, PRIORITY, REFERRAL_LABEL, REFERRAL_SYSTEM, requesterOf, searchReferrals, type ReferralFhirRow,
} from './service-request.js';

/** referral.status → Task.status. */
export const TASK_STATUS: Record<ReferralState, Task['status']> = {
  draft: 'draft', // not yet sent
  submitted: 'requested', // sent, with the sending office
  returned: 'on-hold', // returned to the doctor for changes
  sender_approved: 'received', // with the receiving office, not yet decided
  receiver_approved: 'accepted', // the receiving side accepted and assigned a doctor
  accepted: 'ready', // booked (green channel), awaiting the patient
  arrived: 'in-progress',
  closed: 'completed',
  refused: 'rejected',
  cancelled: 'cancelled',
  no_show: 'failed',
};
const TASK_STATES = Object.entries(TASK_STATUS).reduce<Record<string, string[]>>((m, [k, v]) => ({ ...m, [v!]: [...(m[v!] ?? []), k] }), {});

interface EventRow { at: Date; action: string; from_status: string | null; to_status: string; note: string | null; user_name: string | null; institution_name: string | null }

async function eventsOf(db: Db, ids: string[]): Promise<Map<string, EventRow[]>> {
  const out = new Map<string, EventRow[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  const rows = await db.selectFrom('referral_event as e').leftJoin('user_account as u', 'u.id', 'e.user_id').leftJoin('institution as i', 'i.id', 'e.institution_id')
    .select(['e.referral_id', 'e.at', 'e.action', 'e.from_status', 'e.to_status', 'e.note', 'u.display_name as user_name', 'i.name as institution_name'])
    .where('e.referral_id', 'in', ids).orderBy('e.referral_id').orderBy('e.at').orderBy('e.id').execute();
  for (const r of rows) out.get(r.referral_id)!.push(r);
  return out;
}

const label = (s: string | null) => (s ? REFERRAL_STATE_LABELS[s as ReferralState]?.zh ?? s : '');
const actionLabel = (a: string) => REFERRAL_TRANSITIONS[a as ReferralAction]?.label.zh ?? (a === 'create' ? '创建' : a);

function noteOf(e: EventRow): Annotation {
  const who = [e.user_name, e.institution_name && `（${e.institution_name}）`].filter(Boolean).join('');
  const step = e.from_status && e.from_status !== e.to_status ? `${label(e.from_status)} → ${label(e.to_status)}` : label(e.to_status);
  return { time: new Date(e.at).toISOString(), ...(who ? { authorString: who } : {}), text: `${actionLabel(e.action)}：${step}${e.note ? `。${e.note}` : ''}` };
}

export function toTask(r: ReferralFhirRow, events: EventRow[]): Task {
  const state = r.status as ReferralState;
  const first = (pred: (e: EventRow) => boolean) => events.find(pred)?.at;
  const started = first((e) => e.action === 'arrive'), ended = first((e) => e.to_status === 'closed');
  return {
    resourceType: 'Task', id: r.id,
    meta: { lastUpdated: new Date(r.updated_at).toISOString() },
    identifier: codeIdentifier(r),
    basedOn: [{ reference: `ServiceRequest/${r.id}` }],
    status: TASK_STATUS[state] ?? 'requested',
    businessStatus: { coding: [{ system: REFERRAL_SYSTEM.state, code: state, display: label(state) }], text: label(state) },
    intent: 'order',
    priority: PRIORITY[r.urgency],
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill the focal request' }] },
    description: `转诊单 ${r.code}：${r.from_name} → ${r.to_name}`,
    focus: { reference: `ServiceRequest/${r.id}` },
    for: ref('Patient', r.patient_id, r.patient_name),
    authoredOn: new Date(r.created_at).toISOString(),
    lastModified: new Date(r.status_since).toISOString(),
    requester: requesterOf(r),
    owner: r.assigned_practitioner_id ? ref('Practitioner', r.assigned_practitioner_id, r.assigned_name) : ref('Organization', r.to_institution_id, r.to_name),
    ...(started ? { executionPeriod: { start: new Date(started).toISOString(), ...(ended ? { end: new Date(ended).toISOString() } : {}) } } : {}),
    ...(events.length ? { note: events.map(noteOf) } : {}),
    ...(r.summary || r.appointment_id ? {
      output: [
        ...(r.appointment_id ? [{ type: { text: '预约' }, valueReference: { reference: `Appointment/${r.appointment_id}` } }] : []),
        ...(r.summary ? [{ type: { text: '转诊小结' }, valueString: r.summary }] : []),
      ],
    } : {}),
  };
}

const SEARCH: SearchParamDef[] = [
  { name: '_id', type: 'token', documentation: 'the referral id' },
  { name: 'identifier', type: 'token', documentation: `the referral code (${REFERRAL_SYSTEM.code}|ZZ202611230001, or the bare code)` },
  { name: 'patient', type: 'reference', documentation: 'Patient/<id>' },
  { name: 'status', type: 'token', documentation: 'draft | requested | on-hold | received | accepted | ready | in-progress | completed | rejected | cancelled | failed' },
  { name: 'business-status', type: 'token', documentation: `the referral state (${REFERRAL_SYSTEM.state}: submitted, sender_approved …)` },
  { name: 'requester', type: 'reference', documentation: 'the sender: Organization/<id>, PractitionerRole/<id> or Practitioner/<id>' },
  { name: 'owner', type: 'reference', documentation: 'Organization/<id> (receiving institution) or Practitioner/<id> (assigned doctor)' },
  { name: 'focus', type: 'reference', documentation: 'ServiceRequest/<id>' },
];

const incoming = z.object({
  status: z.string(),
  focus: z.object({ reference: z.string() }).loose().optional(),
  basedOn: z.array(z.object({ reference: z.string() }).loose()).optional(),
}).loose();

export const taskModule: ResourceModule<Task> = {
  type: 'Task',
  label: REFERRAL_LABEL,
  documentation: 'The progress of a referral (its ServiceRequest has the same id): status and the state in Chinese, owner, the steps as notes. Read and search; create with status requested submits a draft referral.',
  searchParams: SEARCH,

  async read(ctx, id) {
    const r = await loadVisibleReferral(ctx, id);
    return toTask(r, (await eventsOf(ctx.db, [id])).get(id)!);
  },

  async search(ctx, s) {
    const status = single(s, 'status'), business = single(s, 'business-status'), owner = single(s, 'owner'), focus = single(s, 'focus');
    const page = await searchReferrals(ctx, s, (q) => {
      if (status !== undefined) {
        const states = TASK_STATES[tokenValue(status).code];
        if (!states) return null;
        q = q.where('ref.status', 'in', states);
      }
      if (business !== undefined) {
        const t = tokenValue(business);
        if (t.system && t.system !== REFERRAL_SYSTEM.state) return null;
        q = q.where('ref.status', '=', t.code);
      }
      if (owner !== undefined) {
        const id = referenceId('owner', owner, ['Organization', 'Practitioner']);
        if (!id) return null;
        q = /(^|\/)Practitioner\//.test(owner) ? q.where('ref.assigned_practitioner_id', '=', id) : q.where('ref.to_institution_id', '=', id);
      }
      if (focus !== undefined) {
        const id = referenceId('focus', focus, ['ServiceRequest']);
        if (!id) return null;
        q = q.where('ref.id', '=', id);
      }
      return q;
    });
    const events = await eventsOf(ctx.db, page.rows.map((r) => r.id));
    return { resources: page.rows.map((r) => toTask(r, events.get(r.id)!)), hasMore: page.hasMore };
  },

  async create(ctx, body) {
    const t = parseResource('Task', body, incoming);
    const target = t.focus?.reference ?? t.basedOn?.[0]?.reference;
    const id = refId(target, ['ServiceRequest'], t.focus ? 'Task.focus' : 'Task.basedOn[0]', REFERRAL_LABEL);
    const r = await loadVisibleReferral(ctx, id);
    if (t.status === 'requested' && (r.status === 'draft' || r.status === 'returned'))
      await actReferral(joinTransaction(ctx.db), ctx.caller, id, 'submit', { version: r.version });
    else if (t.status !== TASK_STATUS[r.status as ReferralState] && !(t.status === 'requested' && r.status !== 'draft'))
      throw unprocessable('unsupported_status', `转诊的后续步骤请通过 /api/v1/referrals/{id}/actions 办理（Task.status ${t.status}）`,
        `Later referral steps go through /api/v1/referrals/{id}/actions (Task.status ${t.status})`, 'Task.status');
    return { resource: await taskModule.read(ctx, id), replayed: null };
  },
};
