/** AllergyIntolerance ↔ allergy (过敏史) of the shared record. */
import type { AllergyIntolerance } from '@medplum/fhirtypes';
import { CODE_SYSTEM } from './codes.js';
import { tokenValue } from './mapping.js';
import { clinicalModule, identifierOf, institutionRef, storedIdentifier, versionMeta } from './record.js';

const cc = (system: string, code: string) => ({ coding: [{ system, code }] });

export const allergyModule = clinicalModule<AllergyIntolerance, 'allergy'>({
  type: 'AllergyIntolerance', kind: 'allergy', table: 'allergy', label: { zh: '过敏史', en: 'AllergyIntolerance' },
  documentation: 'An allergy or intolerance (过敏史): substance as code.text, reaction and severity, criticality. Versioned.',
  statusColumn: 'verification_status', hasEncounter: false,
  dates: { date: { column: 'recorded_at', documentation: 'when it was recorded' } },
  tokens: {
    'clinical-status': { documentation: 'active | inactive | resolved', where: (q, v) => q.where('e.clinical_status' as 'e.id', '=', tokenValue(v).code) },
    category: { documentation: 'food | medication | environment | biologic', where: (q, v) => q.where('e.category' as 'e.id', '=', tokenValue(v).code) },
    criticality: { documentation: 'low | high | unable-to-assess', where: (q, v) => q.where('e.criticality' as 'e.id', '=', tokenValue(v).code) },
  },
  paths: { substance: 'AllergyIntolerance.code', category: 'AllergyIntolerance.category', reaction: 'AllergyIntolerance.reaction', severity: 'AllergyIntolerance.reaction.severity', criticality: 'AllergyIntolerance.criticality', clinicalStatus: 'AllergyIntolerance.clinicalStatus', verificationStatus: 'AllergyIntolerance.verificationStatus', identifier: 'AllergyIntolerance.identifier', recordedAt: 'AllergyIntolerance.recordedDate' },
  toFhir(v, m) {
    const identifier = identifierOf(v.identifier, m.codes.get(v.institutionId ?? ''));
    const withdrawn = v.verificationStatus === 'entered-in-error';
    return {
      resourceType: 'AllergyIntolerance', id: v.id, meta: versionMeta(v),
      ...(identifier ? { identifier } : {}),
      ...(withdrawn ? {} : { clinicalStatus: cc(CODE_SYSTEM.allergyClinical, v.clinicalStatus as string) }),
      verificationStatus: cc(CODE_SYSTEM.allergyVerification, v.verificationStatus as string),
      category: [v.category as 'food'],
      criticality: v.criticality as 'low',
      code: { text: v.substance as string },
      patient: { reference: `Patient/${v.patientId}` },
      recordedDate: new Date(v.recordedAt).toISOString(),
      ...(institutionRef(v) ? { recorder: institutionRef(v) as never } : {}),
      ...(v.reaction || v.severity ? { reaction: [{ manifestation: [{ text: (v.reaction as string) ?? '未注明' }], ...(v.severity ? { severity: v.severity as 'mild' } : {}) }] } : {}),
    };
  },
  async fromFhir(r) {
    const reaction = r.reaction?.[0];
    const manifestation = reaction?.manifestation?.[0];
    return {
      substance: r.code?.text ?? r.code?.coding?.[0]?.display ?? r.code?.coding?.[0]?.code,
      category: r.category?.[0],
      reaction: manifestation?.text ?? manifestation?.coding?.[0]?.display ?? null,
      severity: reaction?.severity ?? null,
      criticality: r.criticality,
      clinicalStatus: r.clinicalStatus?.coding?.[0]?.code,
      verificationStatus: r.verificationStatus?.coding?.[0]?.code,
      identifier: storedIdentifier(r.identifier, 'AllergyIntolerance.identifier') ?? null,
      recordedAt: r.recordedDate,
    };
  },
});
