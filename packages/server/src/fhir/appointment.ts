/**
 * Appointment ↔ appointment: a booking of one Slot for one Patient. Every read, search and change goes through the
 * scheduling service (book, getAppointment, listAppointments, transition), so access rules, the zero-overbooking
 * claim, idempotency, history, audit and notifications are those of the REST API. The rows are then read once more
 * here, joined with slot, resource and names, only to build the FHIR JSON.
 */
import type { Appointment, AppointmentParticipant } from '@medplum/fhirtypes';
import { AppError, badRequest, notFound } from '@yilian/core';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import type { AppointmentStatus } from '../db/schema.js';
import { book, getAppointment, listAppointments, transition } from '../scheduling/scheduling.js';
import { APPOINTMENT_STATUS, APPOINTMENT_STATUS_FROM_FHIR, CODE_SYSTEM, EXTENSION, SEARCH_PARAMETER, SLOT_CATEGORY, TRANSITION_TO } from './codes.js';
import { invalid, unprocessable } from './outcome.js';
import { parseResource, type FhirContext, type ResourceModule } from './resource.js';
import { institutionExtension, resourceActor } from './schedule.js';
import { dateBounds, isUuid, pageOf, referenceId, single, type SearchParamDef } from './search.js';

const SEARCH: SearchParamDef[] = [
  { name: 'patient', type: 'reference', documentation: 'Patient/<id>; a patient caller sees only their own appointments (default: their own)' },
  { name: 'date', type: 'date', documentation: 'the slot start; prefixes eq, ge, gt, le, lt; repeat to AND' },
  { name: 'status', type: 'token', documentation: 'booked | checked-in (arrived) | fulfilled | cancelled | noshow' },
  { name: 'institution', type: 'reference', definition: SEARCH_PARAMETER('Appointment', 'institution'), documentation: 'Organization/<id>: appointments at the institution' },
];

const LABEL = { zh: '预约', en: 'Appointment' };
/** Appointment.status codes of FHIR R4; those without a domain state are refused with 422, anything else with 400. */
const FHIR_STATUSES = ['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist'];

async function loadRows(db: Db, ids: string[]) {
  if (!ids.length) return [];
  const rows = await db.selectFrom('appointment as a')
    .innerJoin('slot as s', 's.id', 'a.slot_id')
    .innerJoin('schedule_resource as r', 'r.id', 's.resource_id')
    .innerJoin('institution as i', 'i.id', 'r.institution_id')
    .innerJoin('patient as pt', 'pt.id', 'a.patient_id')
    .leftJoin('practitioner as p', 'p.id', 'r.practitioner_id')
    .select(['a.id', 'a.status', 'a.slot_id', 'a.patient_id', 'a.channel', 'a.reason', 'a.created_at', 's.starts_at', 's.ends_at', 's.category',
      'r.kind', 'r.name', 'r.ward', 'r.practitioner_id', 'p.name as practitioner_name', 'r.institution_id', 'i.name as institution_name', 'pt.name as patient_name'])
    .where('a.id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r) => r !== undefined);
}
type Row = Awaited<ReturnType<typeof loadRows>>[number];

export function toAppointment(a: Row): Appointment {
  const category = SLOT_CATEGORY[a.category];
  const participant: AppointmentParticipant[] = [
    { actor: { reference: `Patient/${a.patient_id}`, type: 'Patient', display: a.patient_name }, required: 'required', status: 'accepted' },
    { actor: resourceActor(a), required: 'required', status: 'accepted' },
  ];
  return {
    resourceType: 'Appointment', id: a.id,
    extension: [
      institutionExtension(a.institution_id, a.institution_name),
      { url: EXTENSION.bookingChannel, valueCoding: { system: CODE_SYSTEM.bookingChannel, code: a.channel } },
    ],
    status: APPOINTMENT_STATUS[a.status],
    serviceCategory: [{ coding: [{ system: CODE_SYSTEM.slotCategory, code: a.category, display: category.zh }], text: category.zh }],
    serviceType: [{ text: a.name }],
    start: a.starts_at.toISOString(),
    end: a.ends_at.toISOString(),
    minutesDuration: Math.round((a.ends_at.getTime() - a.starts_at.getTime()) / 60_000),
    created: a.created_at.toISOString(),
    ...(a.reason ? { comment: a.reason } : {}),
    slot: [{ reference: `Slot/${a.slot_id}` }],
    participant,
  };
}

async function readOne(db: Db, id: string) {
  const [row] = await loadRows(db, [id]);
  if (!row) throw notFound(LABEL);
  return toAppointment(row);
}

/** The scheduling service names its fields as the REST body does; under /fhir they are named by FHIRPath. */
async function fhirFields<T>(f: () => Promise<T>): Promise<T> {
  const PATHS: Record<string, string> = { slotId: 'Appointment.slot', patientId: 'Appointment.participant', id: 'Appointment.id' };
  try { return await f(); } catch (e) {
    if (e instanceof AppError && e.field && PATHS[e.field]) throw new AppError(e.status, e.code, e.zh, e.en, PATHS[e.field], e.details);
    throw e;
  }
}

const ref = z.looseObject({ reference: z.string().max(300).optional() });
const note = z.string().trim().max(500, '不超过500字 / at most 500 characters');
const createBody = z.looseObject({
  status: z.string().optional(),
  slot: z.array(ref, '须引用一个号源 / a Slot reference is required').length(1, '须且只能引用一个号源 / exactly one Slot reference'),
  participant: z.array(z.looseObject({ actor: ref.optional() }), '须有患者参与者 / a Patient participant is required').min(1),
  start: z.string().optional(),
  comment: note.optional(),
  description: note.optional(),
  reasonCode: z.array(z.looseObject({ text: note.optional() })).optional(),
});
const updateBody = z.looseObject({
  id: z.string('须提供与地址一致的 id / id is required and must match the URL'),
  status: z.string('须提供 status / status is required'),
  slot: z.array(ref).optional(),
  participant: z.array(z.looseObject({ actor: ref.optional() })).optional(),
  cancelationReason: z.looseObject({ text: note.optional() }).optional(),
});

/** The one id a reference of the given type carries (`Type/<id>`), or a 400/404. */
function refId(reference: string | undefined, type: 'Slot' | 'Patient', path: string, label: { zh: string; en: string }) {
  const m = reference?.match(/^(?:.*\/)?([A-Za-z]+)\/([^/]+)$/);
  if (!m || m[1] !== type) throw invalid('invalid_reference', `${path} 须为 ${type}/<id>`, `${path} must be ${type}/<id>`, path);
  if (!isUuid(m[2]!)) throw notFound(label, path);
  return m[2]!.toLowerCase();
}

/** The patient participants' references (of type Patient). */
const patientRefs = (participant: { actor?: { reference?: string } }[] | undefined) =>
  (participant ?? []).map((p) => p.actor?.reference).filter((r): r is string => !!r && /(^|\/)Patient\/[^/]+$/.test(r));

/** `Idempotency-Key`, or `If-None-Exist` read as one (a retried create returns the first booking, 200): 1-100 visible ASCII. */
function idempotencyKey(ctx: FhirContext): { key?: string; kind: 'idempotency-key' | 'if-none-exist' | null } {
  const header = (name: string) => { const v = ctx.req.headers[name]; return Array.isArray(v) ? v[0] : v; };
  const check = (name: string, key: string) => {
    if (!/^[\x21-\x7e]{1,100}$/.test(key))
      throw badRequest('invalid_idempotency_key', `${name} 须为1-100个可见 ASCII 字符`, `${name} must be 1-100 visible ASCII characters`, name.toLowerCase());
    return key;
  };
  const idem = header('idempotency-key');
  if (idem !== undefined) return { key: check('Idempotency-Key', idem), kind: 'idempotency-key' };
  const ine = header('if-none-exist');
  if (ine !== undefined) return { key: `if-none-exist:${check('If-None-Exist', ine)}`, kind: 'if-none-exist' };
  return { kind: null };
}

async function readAppointment({ db, caller }: FhirContext, id: string) {
  await getAppointment(db, caller, id); // access as the REST route: the patient their own, booking staff any
  return readOne(db, id);
}

export const appointmentModule: ResourceModule<Appointment> = {
  type: 'Appointment',
  label: LABEL,
  documentation: 'A booking of one Slot for one Patient (预约). Create books the slot; update/patch changes the status (cancel, check in, no-show, complete).',
  searchParams: SEARCH,

  read: readAppointment,

  async search({ db, caller }, s) {
    const empty = { resources: [], hasMore: false };
    const patient = single(s, 'patient'), status = single(s, 'status'), institution = single(s, 'institution');
    const q: Parameters<typeof listAppointments>[2] = { limit: s.count + 1, offset: s.offset };
    if (patient !== undefined) {
      const id = referenceId('patient', patient, ['Patient']);
      if (!id) return empty;
      q.patientId = id;
    }
    if (institution !== undefined) {
      const id = referenceId('institution', institution, ['Organization']);
      if (!id) return empty;
      q.institutionId = id;
    }
    if (status !== undefined) {
      const code = APPOINTMENT_STATUS_FROM_FHIR[status.replace(/^.*\|/, '')];
      if (!code) return empty;
      q.status = code;
    }
    const date = s.params.get('date');
    if (date) {
      const b = dateBounds('date', date);
      if (b.empty) return empty;
      if (b.from) q.from = b.from.toISOString();
      if (b.to) q.to = b.to.toISOString();
    }
    const { items } = await listAppointments(db, caller, q);
    const page = pageOf(items, s.count);
    return { resources: (await loadRows(db, page.rows.map((a) => a.id))).map(toAppointment), hasMore: page.hasMore };
  },

  async create(ctx, body) {
    const a = parseResource('Appointment', body, createBody);
    if (a.status !== undefined && a.status !== 'booked')
      throw unprocessable('unsupported_status', '新建预约的状态须为 booked（预约即占用号源）', 'A new Appointment must have status booked (creating it books the slot)', 'Appointment.status');
    const slotId = refId(a.slot[0]!.reference, 'Slot', 'Appointment.slot[0].reference', { zh: '号源', en: 'Slot' });
    const patients = patientRefs(a.participant);
    if (patients.length !== 1)
      throw invalid('patient_required', '须且只能有一个患者参与者（Patient/<id>）', 'Exactly one participant must be a Patient (Patient/<id>)', 'Appointment.participant');
    const patientId = refId(patients[0], 'Patient', 'Appointment.participant.actor', { zh: '患者', en: 'Patient' });
    if (a.start !== undefined) {
      const slot = await ctx.db.selectFrom('slot').select('starts_at').where('id', '=', slotId).executeTakeFirst();
      if (slot && Date.parse(a.start) !== slot.starts_at.getTime())
        throw unprocessable('start_mismatch', 'start 与号源开始时间不一致', 'start differs from the Slot\'s start', 'Appointment.start');
    }
    const reason = a.comment ?? a.reasonCode?.find((c) => c.text)?.text ?? a.description ?? null;
    const { key, kind } = idempotencyKey(ctx);
    const answer = await fhirFields(() => book(ctx.db, ctx.caller, { slotId, patientId, reason: reason || null, via: 'fhir' }, key));
    return { resource: await readOne(ctx.db, (answer.body as { id: string }).id), replayed: answer.replay ? kind : null };
  },

  async update(ctx, id, body) {
    const a = parseResource('Appointment', body, updateBody);
    if (a.id !== id) throw invalid('id_mismatch', '资源 id 与地址中的 id 不一致', 'The resource id differs from the id in the URL', 'Appointment.id');
    const current = await readAppointment(ctx, id);
    if (!FHIR_STATUSES.includes(a.status))
      throw invalid('invalid_status', `不是有效的预约状态：${a.status}`, `Not an Appointment status: ${a.status}`, 'Appointment.status');
    const target = APPOINTMENT_STATUS_FROM_FHIR[a.status];
    if (!target)
      throw unprocessable('unsupported_status', `不支持的预约状态：${a.status}`, `Status ${a.status} is not supported here`, 'Appointment.status');
    if (a.slot && (a.slot.length !== 1 || a.slot[0]!.reference?.replace(/^.*\/(Slot\/)/, '$1') !== current.slot![0]!.reference))
      throw unprocessable('slot_change', '不能通过修改资源改约，请使用 /api/v1/scheduling/appointments/{id}/reschedule',
        'The slot cannot be changed by update; reschedule through /api/v1/scheduling/appointments/{id}/reschedule', 'Appointment.slot');
    const patients = patientRefs(a.participant);
    if (a.participant && (patients.length !== 1 || patients[0]!.replace(/^.*\/(Patient\/)/, '$1') !== current.participant[0]!.actor!.reference))
      throw unprocessable('patient_change', '不能更换预约的患者', 'The patient of an appointment cannot be changed', 'Appointment.participant');
    const now = APPOINTMENT_STATUS_FROM_FHIR[current.status]!;
    if (target === now) return current;
    const op = TRANSITION_TO[target as AppointmentStatus];
    if (!op)
      throw unprocessable('unsupported_transition', `不支持将预约改为 ${a.status}`, `An appointment cannot be set to ${a.status}`, 'Appointment.status');
    await fhirFields(() => transition(ctx.db, ctx.caller, id, op, a.cancelationReason?.text || null));
    return readOne(ctx.db, id);
  },
};
