/**
 * ServiceRequest ↔ referral: a two-way referral (双向转诊) as the request — subject the patient, requester the
 * sending doctor's PractitionerRole (else the sending Organization), performer the receiving Organization,
 * reasonCode the diagnoses, priority the urgency, category referral up/down, identifier the referral code,
 * supportingInfo the shared record entries. Its fulfilment — the state of the workflow — is the Task of the same id
 * (task.ts). Read and search here; create goes through the referral service's createReferral (a draft, or submitted
 * at once when the status is active), so the same checks (direction, receiving institution, shared entries) apply.
 */
import type { Organization, PractitionerRole, Reference, ServiceRequest } from '@medplum/fhirtypes';
import { forbidden, notFound, REFERRAL_STATE_LABELS, type ReferralState } from '@yilian/core';
import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { authorize } from '../policy/policy.js';
import { CANONICAL, conditionCodeSystemUri } from './codes.js';
import { z } from 'zod';
import { assertCanRead } from '../referral/common.js';
import { visible } from '../referral/queries.js';
import { createReferral } from '../referral/referrals.js';
import type { EntryKind } from '../record/schemas.js';
import { conditionCodeSystemId } from './codes.js';
import { ref, refId, tokenValue } from './mapping.js';
import { invalid } from './outcome.js';
import { joinTransaction } from './patient.js';
import { parseResource, type FhirContext, type ResourceModule } from './resource.js';
import { isUuid, pageOf, referenceId, single, type SearchParamDef, type SearchRequest } from './search.js';

export const REFERRAL_LABEL = { zh: '转诊单', en: 'Referral' };
export const REFERRAL_SYSTEM = {
  code: `${CANONICAL}/sid/referral-code`,
  direction: `${CANONICAL}/CodeSystem/referral-direction`,
  setting: `${CANONICAL}/CodeSystem/referral-setting`,
  state: `${CANONICAL}/CodeSystem/referral-state`,
  action: `${CANONICAL}/CodeSystem/referral-action`,
} as const;
const SNOMED = 'http://snomed.info/sct';
/** SNOMED CT 3457005 |Patient referral|: the kind of request every referral is. */
export const PATIENT_REFERRAL = { system: SNOMED, code: '3457005', display: 'Patient referral' };
export const DIRECTION = { up: { zh: '上转', en: 'Up-referral' }, down: { zh: '下转', en: 'Down-referral' } } as const;
const SETTING = { outpatient: '门诊', inpatient: '住院' } as const;
export const PRIORITY = { routine: 'routine', urgent: 'urgent', emergency: 'stat' } as const;
export const URGENCY_FROM_PRIORITY: Record<string, 'routine' | 'urgent' | 'emergency'> = { routine: 'routine', urgent: 'urgent', asap: 'urgent', stat: 'emergency' };

/** Shared record entry kinds ↔ the FHIR types they are served as (supportingInfo). */
export const KIND_TYPE: Record<string, string> = {
  encounter: 'Encounter', condition: 'Condition', allergy: 'AllergyIntolerance', medication: 'MedicationRequest',
  report: 'DiagnosticReport', observation: 'Observation', document: 'DocumentReference',
};

/** referral.status → ServiceRequest.status: the request stands while the workflow runs. */
export const SR_STATUS: Record<ReferralState, ServiceRequest['status']> = {
  draft: 'draft', submitted: 'active', returned: 'on-hold', sender_approved: 'active', receiver_approved: 'active', accepted: 'active',
  arrived: 'active', closed: 'completed', refused: 'revoked', cancelled: 'revoked', no_show: 'revoked',
};

// ——— loading ———

const select = (db: Db) => db.selectFrom('referral as ref')
  .innerJoin('patient as p', 'p.id', 'ref.patient_id')
  .innerJoin('institution as fi', 'fi.id', 'ref.from_institution_id')
  .innerJoin('institution as ti', 'ti.id', 'ref.to_institution_id')
  .leftJoin('practitioner as fp', 'fp.id', 'ref.from_practitioner_id')
  .leftJoin('practitioner as ap', 'ap.id', 'ref.assigned_practitioner_id')
  .leftJoin('department as td', 'td.id', 'ref.to_department_id')
  .selectAll('ref')
  .select(['p.name as patient_name', 'fi.name as from_name', 'ti.name as to_name', 'fp.name as from_practitioner_name',
    'ap.name as assigned_name', 'td.name as to_department_name'])
  .select((eb) => eb.selectFrom('practitioner_role as pr').select('pr.id').whereRef('pr.practitioner_id', '=', 'ref.from_practitioner_id')
    .whereRef('pr.institution_id', '=', 'ref.from_institution_id').orderBy('pr.id').limit(1).as('from_role_id'));
type Query = ReturnType<typeof select>;
export type ReferralFhirRow = Awaited<ReturnType<Query['executeTakeFirstOrThrow']>>;
type Eb = ExpressionBuilder<Database & { ref: Database['referral'] }, 'ref'>;


/** One referral the caller may read: 404 when it does not exist, 403 when it is not theirs to see. */
export async function loadVisibleReferral({ db, caller }: FhirContext, id: string): Promise<ReferralFhirRow> {
  authorize(caller, 'referral.read', caller.role.role === 'patient' ? { patientId: caller.patientId } : {});
  const r = await select(db).where('ref.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(REFERRAL_LABEL);
  await assertCanRead(db, caller, r);
  return r;
}

/** The searches of both types: the common parameters, then the type's own (`extra`), visible rows only. */
export async function searchReferrals(ctx: FhirContext, s: SearchRequest, extra: (q: Query) => Query | null): Promise<{ rows: ReferralFhirRow[]; hasMore: boolean }> {
  const { db, caller } = ctx;
  const patient = single(s, 'patient');
  if (caller.role.role === 'patient' && patient !== undefined && referenceId('patient', patient, ['Patient']) !== caller.patientId)
    throw forbidden('只能查看本人的转诊', 'Patients see only their own referrals');
  authorize(caller, 'referral.read', caller.role.role === 'patient' ? { patientId: caller.patientId } : {});
  const empty = { rows: [], hasMore: false };
  let q: Query | null = select(db).where((eb) => visible(eb as unknown as Eb, caller));
  const id = single(s, '_id'), identifier = single(s, 'identifier'), requester = single(s, 'requester');
  if (id !== undefined) { if (!isUuid(id)) return empty; q = q.where('ref.id', '=', id.toLowerCase()); }
  if (patient !== undefined) {
    const pid = referenceId('patient', patient, ['Patient']);
    if (!pid) return empty;
    q = q.where('ref.patient_id', '=', pid);
  }
  if (identifier !== undefined) {
    // The referral code, or the sending system's own identifier (system|value; a bare value matches either).
    const t = tokenValue(identifier);
    if (t.system === REFERRAL_SYSTEM.code || t.noSystem) q = q.where('ref.code', '=', t.code);
    else if (t.system) q = q.where('ref.source_identifier', '=', `${t.system}|${t.code}`);
    else q = q.where((eb) => eb.or([eb('ref.code', '=', t.code), eb(sql<string>`substr(ref.source_identifier, strpos(ref.source_identifier, '|') + 1)`, '=', t.code)]));
  }
  if (requester !== undefined) {
    const type = requester.match(/(?:^|\/)(Organization|PractitionerRole|Practitioner)\/[^/]+$/)?.[1] ?? 'Organization';
    const rid = referenceId('requester', requester, ['Organization', 'PractitionerRole', 'Practitioner']);
    if (!rid) return empty;
    if (type === 'Organization') q = q.where('ref.from_institution_id', '=', rid);
    else if (type === 'Practitioner') q = q.where('ref.from_practitioner_id', '=', rid);
    else q = q.where((eb) => eb.exists(eb.selectFrom('practitioner_role as rr').select('rr.id').where('rr.id', '=', rid)
      .whereRef('rr.practitioner_id', '=', 'ref.from_practitioner_id').whereRef('rr.institution_id', '=', 'ref.from_institution_id')));
  }
  q = extra(q);
  if (!q) return empty;
  const rows = await q.orderBy('ref.created_at', 'desc').orderBy('ref.id').limit(s.count + 1).offset(s.offset).execute();
  return pageOf(rows, s.count);
}

/** The sender as a reference: the doctor's PractitionerRole at the sending institution, else the institution. */
export const requesterOf = (r: ReferralFhirRow): Reference<PractitionerRole | Organization> =>
  r.from_role_id ? ref('PractitionerRole', r.from_role_id, `${r.from_practitioner_name ?? ''}（${r.from_name}）`) : ref('Organization', r.from_institution_id, r.from_name);

export const codeIdentifier = (r: { code: string }) => [{ use: 'official' as const, system: REFERRAL_SYSTEM.code, value: r.code }];

/** The sending system's identifier, as it was posted. */
const sourceIdentifierOf = (r: { source_identifier: string | null }) => {
  if (!r.source_identifier) return [];
  const i = r.source_identifier.indexOf('|');
  return [{ use: 'usual' as const, system: r.source_identifier.slice(0, i), value: r.source_identifier.slice(i + 1) }];
};

export function toServiceRequest(r: ReferralFhirRow): ServiceRequest {
  const dir = DIRECTION[r.direction];
  return {
    resourceType: 'ServiceRequest', id: r.id,
    meta: { lastUpdated: new Date(r.updated_at).toISOString() },
    identifier: [...codeIdentifier(r), ...sourceIdentifierOf(r)],
    status: SR_STATUS[r.status as ReferralState] ?? 'unknown',
    intent: 'order',
    category: [
      { coding: [PATIENT_REFERRAL], text: '转诊' },
      { coding: [{ system: REFERRAL_SYSTEM.direction, code: r.direction, display: dir.zh }], text: dir.zh },
      { coding: [{ system: REFERRAL_SYSTEM.setting, code: r.setting, display: SETTING[r.setting] }], text: SETTING[r.setting] },
    ],
    priority: PRIORITY[r.urgency],
    code: { coding: [PATIENT_REFERRAL], text: `${dir.zh}（${SETTING[r.setting]}）` },
    subject: ref('Patient', r.patient_id, r.patient_name),
    authoredOn: new Date(r.created_at).toISOString(),
    requester: requesterOf(r),
    performer: [ref('Organization', r.to_institution_id, r.to_department_name ? `${r.to_name} ${r.to_department_name}` : r.to_name)],
    ...(r.diagnoses.length ? {
      reasonCode: r.diagnoses.map((d) => ({ coding: [{ system: conditionCodeSystemUri(d.system), code: d.code, display: d.display }], text: d.display })),
    } : {}),
    ...(r.shared_entries.length ? {
      supportingInfo: r.shared_entries.filter((e) => KIND_TYPE[e.kind]).map((e) => ({ reference: `${KIND_TYPE[e.kind]}/${e.id}` })),
    } : {}),
    note: [{ text: r.reason }],
    ...(r.plan ? { patientInstruction: r.plan } : {}),
  };
}

const SR_STATES = Object.entries(SR_STATUS).reduce<Record<string, string[]>>((m, [k, v]) => ({ ...m, [v!]: [...(m[v!] ?? []), k] }), {});

const reference = z.object({ reference: z.string() }).loose();
const codeable = z.object({ coding: z.array(z.object({ system: z.string().optional(), code: z.string().optional() }).loose()).optional(), text: z.string().optional() }).loose();
const incoming = z.object({
  identifier: z.array(z.object({ system: z.string().optional(), value: z.string().optional() }).loose()).optional(),
  status: z.enum(['draft', 'active'], { message: '新建转诊的 status 须为 draft 或 active / status of a new referral must be draft or active' }),
  intent: z.string().optional(),
  category: z.array(codeable).min(1, { message: '须给出转诊方向（category） / category must give the direction (up or down)' }),
  priority: z.enum(['routine', 'urgent', 'asap', 'stat']).optional(),
  subject: reference,
  performer: z.array(reference).length(1, { message: '须且只能有一个接收机构 / exactly one receiving Organization' }),
  reasonCode: z.array(codeable).optional(),
  note: z.array(z.object({ text: z.string() }).loose()).optional(),
  supportingInfo: z.array(reference).optional(),
  patientInstruction: z.string().optional(),
}).loose();

const codeIn = (list: z.infer<typeof codeable>[], system: string) => list.flatMap((c) => c.coding ?? []).find((c) => c.system === system)?.code;

/** The referral service's input from an incoming ServiceRequest. */
function referralInput(body: unknown) {
  const sr = parseResource('ServiceRequest', body, incoming);
  const direction = codeIn(sr.category, REFERRAL_SYSTEM.direction);
  if (direction !== 'up' && direction !== 'down')
    throw invalid('validation', `ServiceRequest.category 须有 ${REFERRAL_SYSTEM.direction} 的 up 或 down`, `ServiceRequest.category must carry ${REFERRAL_SYSTEM.direction} up or down`, 'ServiceRequest.category');
  const setting = codeIn(sr.category, REFERRAL_SYSTEM.setting) === 'inpatient' ? 'inpatient' as const : 'outpatient' as const;
  const reason = sr.note?.map((n) => n.text.trim()).filter(Boolean).join('\n') || sr.reasonCode?.map((c) => c.text).filter(Boolean).join('；');
  if (!reason) throw invalid('validation', 'ServiceRequest.note 须写明转诊原因', 'ServiceRequest.note must give the reason for the referral', 'ServiceRequest.note');
  const diagnoses = (sr.reasonCode ?? []).flatMap((c) => c.coding ?? []).filter((c) => c.code)
    .map((c) => ({ code: c.code!, ...(c.system ? { system: conditionCodeSystemId(c.system) } : {}) }));
  const typeKind = Object.fromEntries(Object.entries(KIND_TYPE).map(([k, t]) => [t, k])) as Record<string, EntryKind>;
  const sharedEntries = (sr.supportingInfo ?? []).map((r, i) => {
    const type = r.reference.match(/(?:^|\/)([A-Za-z]+)\/[^/]+$/)?.[1] ?? '';
    const kind = typeKind[type];
    if (!kind) throw invalid('invalid_reference', `supportingInfo 须引用健康档案内容（${Object.values(KIND_TYPE).join('/')}）`, `supportingInfo must refer to record entries (${Object.values(KIND_TYPE).join(', ')})`, `ServiceRequest.supportingInfo[${i}]`);
    return { kind, id: refId(r.reference, [type], `ServiceRequest.supportingInfo[${i}]`, { zh: '档案内容', en: 'Record entry' }) };
  });
  // The sending system's own identifier: the first one with a system and a value other than a referral code.
  const own = (sr.identifier ?? []).find((x) => x.system && x.value && x.system !== REFERRAL_SYSTEM.code);
  if (own && `${own.system}|${own.value}`.length > 500)
    throw invalid('validation', 'ServiceRequest.identifier 过长（最多 500 个字符）', 'ServiceRequest.identifier is too long (500 characters at most)', 'ServiceRequest.identifier');
  return {
    ...(own ? { sourceIdentifier: `${own.system}|${own.value}` } : {}),
    direction: direction as 'up' | 'down', setting, urgency: URGENCY_FROM_PRIORITY[sr.priority ?? 'routine'] ?? 'routine',
    patientId: refId(sr.subject.reference, ['Patient'], 'ServiceRequest.subject', { zh: '患者', en: 'Patient' }),
    toInstitutionId: refId(sr.performer[0]!.reference, ['Organization'], 'ServiceRequest.performer[0]', { zh: '接收机构', en: 'Receiving institution' }),
    reason, diagnoses, sharedEntries, ...(sr.patientInstruction ? { plan: sr.patientInstruction } : {}), submit: sr.status === 'active',
  };
}

const SEARCH: SearchParamDef[] = [
  { name: '_id', type: 'token', documentation: 'the referral id' },
  { name: 'identifier', type: 'token', documentation: `the referral code (${REFERRAL_SYSTEM.code}|ZZ202611230001, or the bare code) or the sending system's own identifier (system|value) — what If-None-Exist uses to make a re-post find the first` },
  { name: 'patient', type: 'reference', documentation: 'Patient/<id>' },
  { name: 'status', type: 'token', documentation: 'draft | active | on-hold (returned) | completed | revoked (refused, cancelled, no-show)' },
  { name: 'requester', type: 'reference', documentation: 'the sender: Organization/<id> (sending institution), PractitionerRole/<id> or Practitioner/<id>' },
  { name: 'performer', type: 'reference', documentation: 'Organization/<id>: the receiving institution' },
];

export const serviceRequestModule: ResourceModule<ServiceRequest> = {
  type: 'ServiceRequest',
  label: REFERRAL_LABEL,
  documentation: 'A two-way referral (双向转诊) as the request: patient, sender, receiving Organization, diagnoses, urgency, up/down, shared record entries. Its progress is the Task of the same id. Read, search, create (draft, or submitted when active).',
  searchParams: SEARCH,
  conditionalCreate: true,

  async read(ctx, id) {
    return toServiceRequest(await loadVisibleReferral(ctx, id));
  },

  async search(ctx, s) {
    const status = single(s, 'status'), performer = single(s, 'performer');
    const page = await searchReferrals(ctx, s, (q) => {
      if (status !== undefined) {
        const states = SR_STATES[tokenValue(status).code];
        if (!states) return null;
        q = q.where('ref.status', 'in', states);
      }
      if (performer !== undefined) {
        const id = referenceId('performer', performer, ['Organization']);
        if (!id) return null;
        q = q.where('ref.to_institution_id', '=', id);
      }
      return q;
    });
    return { resources: page.rows.map(toServiceRequest), hasMore: page.hasMore };
  },

  async create(ctx, body) {
    const created = await createReferral(joinTransaction(ctx.db), ctx.caller, referralInput(body));
    return { resource: toServiceRequest(await loadVisibleReferral(ctx, created.id)), replayed: null };
  },
};

export const stateLabel = (s: string) => REFERRAL_STATE_LABELS[s as ReferralState]?.zh ?? s;
