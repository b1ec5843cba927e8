/** Condition ↔ condition (诊断): ICD-10 coded diagnoses (国家临床版 2.0, or the demo list) of the shared record. */
import type { Condition } from '@medplum/fhirtypes';
import { CODE_SYSTEM, conditionCodeSystemId, conditionCodeSystemUri, EXTENSION } from './codes.js';
import { tokenValue } from './mapping.js';
import { clinicalModule, encounterRef, identifierOf, optionalRef, practitionerRef, storedIdentifier, subjectRef, versionMeta } from './record.js';

const cc = (system: string, code: string) => ({ coding: [{ system, code }] });

export const conditionModule = clinicalModule<Condition, 'condition'>({
  type: 'Condition', kind: 'condition', table: 'condition', label: { zh: '诊断', en: 'Condition' },
  documentation: 'A diagnosis (诊断) coded in ICD-10 (国家临床版 2.0: https://yilian.example/fhir/CodeSystem/icd10-cn-clinical-2.0); the code must be known (code_system_concept). Versioned.',
  statusColumn: 'verification_status', hasEncounter: true,
  dates: { 'recorded-date': { column: 'recorded_at', documentation: 'when the diagnosis was recorded' }, 'onset-date': { column: 'onset_date', documentation: 'onset' } },
  tokens: {
    code: { documentation: 'ICD-10 code (system|code or code)', where: (q, v) => { const t = tokenValue(v); let r = q.where('e.code' as 'e.id', '=', t.code); if (t.system) r = r.where('e.code_system' as 'e.id', '=', conditionCodeSystemId(t.system)); return r; } },
    category: { documentation: 'encounter-diagnosis | problem-list-item', where: (q, v) => q.where('e.category' as 'e.id', '=', tokenValue(v).code) },
    'clinical-status': { documentation: 'active | recurrence | relapse | inactive | remission | resolved', where: (q, v) => q.where('e.clinical_status' as 'e.id', '=', tokenValue(v).code) },
    'verification-status': { documentation: 'unconfirmed | provisional | differential | confirmed | refuted | entered-in-error', where: (q, v) => q.where('e.verification_status' as 'e.id', '=', tokenValue(v).code) },
  },
  paths: { code: 'Condition.code', codeSystem: 'Condition.code.coding.system', display: 'Condition.code', category: 'Condition.category', clinicalStatus: 'Condition.clinicalStatus', verificationStatus: 'Condition.verificationStatus', onsetDate: 'Condition.onsetDateTime', note: 'Condition.note', encounterId: 'Condition.encounter', practitionerId: 'Condition.asserter', identifier: 'Condition.identifier', recordedAt: 'Condition.recordedDate' },
  toFhir(v, m) {
    const identifier = identifierOf(v.identifier, m.codes.get(v.institutionId ?? ''));
    const withdrawn = v.verificationStatus === 'entered-in-error';
    return {
      resourceType: 'Condition', id: v.id, meta: versionMeta(v),
      ...(v.isPrimary ? { extension: [{ url: EXTENSION.conditionPrimary, valueBoolean: true }] } : {}),
      ...(identifier ? { identifier } : {}),
      // con-5: no clinical status on an entry entered in error.
      ...(withdrawn ? {} : { clinicalStatus: cc(CODE_SYSTEM.conditionClinical, v.clinicalStatus as string) }),
      verificationStatus: cc(CODE_SYSTEM.conditionVerification, v.verificationStatus as string),
      category: [cc(CODE_SYSTEM.conditionCategory, v.category as string)],
      code: { coding: [{ system: conditionCodeSystemUri(v.codeSystem as string), code: v.code as string, display: v.display as string }], text: v.display as string },
      subject: subjectRef(v),
      ...(encounterRef(v) ? { encounter: encounterRef(v) } : {}),
      ...(v.onsetDate ? { onsetDateTime: String(v.onsetDate) } : {}),
      recordedDate: new Date(v.recordedAt).toISOString(),
      ...(practitionerRef(v) ? { asserter: practitionerRef(v) } : {}),
      ...(v.note ? { note: [{ text: v.note as string }] } : {}),
    };
  },
  async fromFhir(r) {
    const coding = (r.code?.coding ?? []).find((c: any) => c?.code) ?? {};
    const onset = r.onsetDateTime as string | undefined;
    return {
      code: coding.code, codeSystem: coding.system ? conditionCodeSystemId(coding.system) : undefined,
      display: coding.display ?? r.code?.text,
      category: r.category?.[0]?.coding?.[0]?.code,
      clinicalStatus: r.clinicalStatus?.coding?.[0]?.code,
      verificationStatus: r.verificationStatus?.coding?.[0]?.code,
      isPrimary: r.extension?.find((e: any) => e?.url === EXTENSION.conditionPrimary)?.valueBoolean,
      onsetDate: onset ? onset.slice(0, 10) : null,
      note: r.note?.map((n: any) => n?.text).filter(Boolean).join('\n') || null,
      encounterId: optionalRef(r.encounter, ['Encounter'], 'Condition.encounter', { zh: '就诊记录', en: 'Encounter' }) ?? null,
      practitionerId: optionalRef(r.asserter, ['Practitioner'], 'Condition.asserter', { zh: '医务人员', en: 'Practitioner' }) ?? null,
      identifier: storedIdentifier(r.identifier, 'Condition.identifier') ?? null,
      recordedAt: r.recordedDate,
    };
  },
});
