/**
 * Consent ↔ record_consent: the patient's consent to share their record (授权共享) — scope patient-privacy, a
 * permit provision with its period, the institutions as actors (none: every member of the consortium) and the
 * kinds of entries as provision.class. Read, search and create go through record/consent.ts's rules: staff with
 * record.consent at an institution that cares for the patient, or the patient; reads are audited as REST's.
 */
import type { Consent } from '@medplum/fhirtypes';
import { notFound } from '@yilian/core';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { assertAccess, auditRead } from '../record/access.js';
import { createConsent } from '../record/consent.js';
import { consentInput, ENTRY_KINDS, type EntryKind } from '../record/schemas.js';
import { CODE_SYSTEM } from './codes.js';
import { refId, tokenValue } from './mapping.js';
import { invalid } from './outcome.js';
import { joinTransaction } from './patient.js';
import { parseResource, type ResourceModule } from './resource.js';
import { pageOf, referenceId, single, type SearchParamDef } from './search.js';
import { z } from 'zod';

const LABEL = { zh: '授权', en: 'Consent' };
/** Record entry kinds ↔ the FHIR resource types they are served as (provision.class). */
const KIND_TYPE: Record<EntryKind, string> = {
  encounter: 'Encounter', condition: 'Condition', allergy: 'AllergyIntolerance', medication: 'MedicationRequest',
  report: 'DiagnosticReport', observation: 'Observation', document: 'DocumentReference',
};
const TYPE_KIND = Object.fromEntries(Object.entries(KIND_TYPE).map(([k, t]) => [t, k])) as Record<string, EntryKind>;
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';

const SEARCH: SearchParamDef[] = [
  { name: 'patient', type: 'reference', documentation: 'Patient/<id> (required)' },
  { name: 'status', type: 'token', documentation: 'active (in force) | inactive (revoked or ended) | proposed (not started)' },
];

type Row = { id: string; patient_id: string; institution_ids: string[] | null; scope: string[] | null; starts_at: Date; ends_at: Date | null;
  signed_by: string; document_id: string | null; recorded_at: Date; revoked_at: Date | null };

const statusOf = (r: Row): Consent['status'] => {
  const now = Date.now();
  if (r.revoked_at || (r.ends_at && new Date(r.ends_at).getTime() <= now)) return 'inactive';
  return new Date(r.starts_at).getTime() > now ? 'proposed' : 'active';
};

export function toConsent(r: Row, names: Map<string, string>): Consent {
  const self = r.signed_by === '本人';
  return {
    resourceType: 'Consent', id: r.id,
    meta: { lastUpdated: new Date(r.revoked_at ?? r.recorded_at).toISOString() },
    status: statusOf(r),
    scope: { coding: [{ system: CODE_SYSTEM.consentScope, code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [{ coding: [{ system: CODE_SYSTEM.consentCategory, code: '59284-0', display: 'Patient Consent' }], text: '健康档案共享授权' }],
    patient: { reference: `Patient/${r.patient_id}` },
    dateTime: new Date(r.recorded_at).toISOString(),
    performer: [self ? { reference: `Patient/${r.patient_id}`, display: '本人' } : { display: r.signed_by }],
    ...(r.document_id ? { sourceReference: { reference: `DocumentReference/${r.document_id}` } } : {}),
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      period: { start: new Date(r.starts_at).toISOString(), ...(r.ends_at ? { end: new Date(r.ends_at).toISOString() } : {}) },
      ...(r.institution_ids ? {
        actor: r.institution_ids.map((id) => ({
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
          reference: { reference: `Organization/${id}`, ...(names.get(id) ? { display: names.get(id) } : {}) },
        })),
      } : {}),
      action: [{ coding: [{ system: CODE_SYSTEM.consentAction, code: 'access' }] }],
      ...(r.scope ? { class: r.scope.map((k) => ({ system: RESOURCE_TYPES, code: KIND_TYPE[k as EntryKind] ?? k })) } : {}),
    },
  };
}

const select = (db: Db) => db.selectFrom('record_consent').select(['id', 'patient_id', 'institution_ids', 'scope', 'starts_at', 'ends_at', 'signed_by', 'document_id', 'recorded_at', 'revoked_at']);

async function toConsents(db: Db, rows: Row[]) {
  const ids = [...new Set(rows.flatMap((r) => r.institution_ids ?? []))];
  const names = new Map(ids.length ? (await db.selectFrom('institution').select(['id', 'name']).where('id', 'in', ids).execute()).map((i) => [i.id, i.name]) : []);
  return rows.map((r) => toConsent(r, names));
}

/** As listConsents: record.consent for the patient, then record access; the read is audited. */
async function guardRead(db: Db, caller: Caller, patientId: string, detail: Record<string, unknown>) {
  authorize(caller, 'record.consent', { patientId });
  const access = await assertAccess(db, caller, patientId);
  await auditRead(db, caller, patientId, access, { kind: null, detail: { view: 'consents', channel: 'fhir', ...detail } });
}

const incoming = z.looseObject({
  patient: z.looseObject({ reference: z.string().optional() }),
  performer: z.array(z.looseObject({ reference: z.string().optional(), display: z.string().optional() })).optional(),
  sourceReference: z.looseObject({ reference: z.string().optional() }).optional(),
  provision: z.looseObject({
    period: z.looseObject({ start: z.string().optional(), end: z.string().optional() }).optional(),
    actor: z.array(z.looseObject({ reference: z.looseObject({ reference: z.string().optional() }).optional() })).optional(),
    class: z.array(z.looseObject({ code: z.string().optional() })).optional(),
  }).optional(),
});

export const consentModule: ResourceModule<Consent> = {
  type: 'Consent',
  label: LABEL,
  documentation: 'The patient\'s consent to share the record (授权共享): scope patient-privacy, provision permit with period, institutions as actors, kinds as class. Create records one (record.consent); revoke through REST.',
  searchParams: SEARCH,

  async read({ db, caller }, id) {
    const r = await select(db).where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound(LABEL);
    await guardRead(db, caller, r.patient_id, { consentId: id });
    return (await toConsents(db, [r]))[0]!;
  },

  async search({ db, caller }, s) {
    const patient = single(s, 'patient');
    if (patient === undefined) throw invalid('patient_required', '检索 Consent 须指定 patient', 'Searching Consent needs patient');
    const patientId = referenceId('patient', patient, ['Patient']);
    if (!patientId) return { resources: [], hasMore: false };
    await guardRead(db, caller, patientId, {});
    const rows = await select(db).where('patient_id', '=', patientId).orderBy('recorded_at', 'desc').orderBy('id').execute();
    const status = single(s, 'status');
    const all = await toConsents(db, rows);
    const matching = status === undefined ? all : all.filter((c) => c.status === tokenValue(status).code);
    const page = pageOf(matching.slice(s.offset), s.count);
    return { resources: page.rows, hasMore: page.hasMore, total: matching.length };
  },

  async create({ db, caller }, body) {
    const r = parseResource('Consent', body, incoming);
    const patientId = refId(r.patient.reference, ['Patient'], 'Consent.patient', { zh: '患者', en: 'Patient' });
    const p = r.performer?.[0];
    const signedBy = p?.reference && /Patient\//.test(p.reference) ? '本人' : p?.display?.trim() || undefined;
    const classes = r.provision?.class?.map((c) => c.code ?? '') ?? [];
    const scope = classes.map((c) => TYPE_KIND[c] ?? ((ENTRY_KINDS as readonly string[]).includes(c) ? c : null));
    if (scope.some((k) => k === null)) throw invalid('validation', 'Consent.provision.class：只能是档案资源类型（Encounter、Observation …）', 'Consent.provision.class: record resource types only (Encounter, Observation …)', 'Consent.provision.class');
    const parsed = consentInput.safeParse({
      institutionIds: r.provision?.actor?.length
        ? r.provision.actor.map((a, i) => refId(a.reference?.reference, ['Organization'], `Consent.provision.actor[${i}].reference`, { zh: '机构', en: 'Organization' }))
        : null,
      scope: scope.length ? scope : null,
      ...(r.provision?.period?.start ? { startsAt: r.provision.period.start } : {}),
      endsAt: r.provision?.period?.end ?? null,
      signedBy,
      documentId: r.sourceReference?.reference ? refId(r.sourceReference.reference, ['DocumentReference'], 'Consent.sourceReference', { zh: '文书', en: 'DocumentReference' }) : null,
    });
    if (!parsed.success) {
      const f = String(parsed.error.issues[0]!.path[0] ?? '');
      const path = { signedBy: 'Consent.performer', institutionIds: 'Consent.provision.actor', scope: 'Consent.provision.class', startsAt: 'Consent.provision.period', endsAt: 'Consent.provision.period', documentId: 'Consent.sourceReference' }[f] ?? 'Consent';
      throw invalid('validation', `${path}：值不正确`, `${path}: ${parsed.error.issues[0]!.message}`, path);
    }
    const view = await createConsent(joinTransaction(db), caller, patientId, parsed.data);
    const row = await select(db).where('id', '=', view.id).executeTakeFirstOrThrow();
    return { resource: (await toConsents(db, [row]))[0]!, replayed: null };
  },
};
