/** MedicationRequest ↔ medication_request (用药医嘱/处方) of the shared record. */
import type { MedicationRequest } from '@medplum/fhirtypes';
import { CODE_SYSTEM, EXTENSION } from './codes.js';
import { tokenValue } from './mapping.js';
import { clinicalModule, encounterRef, identifierOf, optionalRef, practitionerRef, storedIdentifier, subjectRef, versionMeta } from './record.js';

/** '5 mg' → {value: 5, unit: 'mg'}; null when it is not a number and a unit. */
function quantity(text: string | null | undefined) {
  const m = text?.trim().match(/^(\d+(?:\.\d+)?)\s*(\S.*)?$/);
  return m ? { value: Number(m[1]), ...(m[2] ? { unit: m[2] } : {}) } : null;
}
const quantityText = (q: { value?: number; unit?: string } | undefined) => (q?.value !== undefined ? `${q.value}${q.unit ? (/^\p{Script=Han}/u.test(q.unit) ? q.unit : ` ${q.unit}`) : ''}` : undefined);

export const medicationRequestModule = clinicalModule<MedicationRequest, 'medication'>({
  type: 'MedicationRequest', kind: 'medication', table: 'medication_request', label: { zh: '用药医嘱', en: 'MedicationRequest' },
  documentation: 'A medication order (用药医嘱): drug (通用名 and strength) as medicationCodeableConcept, dose, route, frequency, days and quantity. Versioned.',
  statusColumn: 'status', hasEncounter: true,
  dates: { authoredon: { column: 'authored_at', documentation: 'when it was ordered' } },
  tokens: {
    code: { documentation: `drug code (${CODE_SYSTEM.drug}|code or code)`, where: (q, v) => q.where('e.drug_code' as 'e.id', '=', tokenValue(v).code) },
    intent: { documentation: 'order (every entry is an order)', where: (q, v) => (tokenValue(v).code === 'order' ? q : null) },
  },
  paths: { drug: 'MedicationRequest.medicationCodeableConcept', drugCode: 'MedicationRequest.medicationCodeableConcept.coding', dose: 'MedicationRequest.dosageInstruction.doseAndRate', route: 'MedicationRequest.dosageInstruction.route', frequency: 'MedicationRequest.dosageInstruction.timing', days: 'MedicationRequest.dispenseRequest.expectedSupplyDuration', quantity: 'MedicationRequest.dispenseRequest.quantity', status: 'MedicationRequest.status', authoredAt: 'MedicationRequest.authoredOn', note: 'MedicationRequest.note', encounterId: 'MedicationRequest.encounter', practitionerId: 'MedicationRequest.requester', identifier: 'MedicationRequest.identifier' },
  toFhir(v, m) {
    const identifier = identifierOf(v.identifier, m.codes.get(v.institutionId ?? ''));
    const dose = quantity(v.dose as string | null), qty = quantity(v.quantity as string | null);
    const text = [v.dose, v.route, v.frequency, v.days !== null && v.days !== undefined ? `${v.days}天` : null].filter(Boolean).join(' ');
    const dosage = {
      ...(text ? { text } : {}),
      ...(v.frequency ? { timing: { code: { text: v.frequency as string } } } : {}),
      ...(v.route ? { route: { text: v.route as string } } : {}),
      ...(dose ? { doseAndRate: [{ doseQuantity: dose }] } : {}),
    };
    const dispense = {
      ...(qty ? { quantity: qty } : {}),
      ...(v.days !== null && v.days !== undefined ? { expectedSupplyDuration: { value: v.days as number, unit: 'd', system: CODE_SYSTEM.ucum, code: 'd' } } : {}),
    };
    return {
      resourceType: 'MedicationRequest', id: v.id, meta: versionMeta(v),
      ...(v.quantity && !qty ? { extension: [{ url: EXTENSION.dispenseQuantity, valueString: v.quantity as string }] } : {}),
      ...(identifier ? { identifier } : {}),
      status: v.status as MedicationRequest['status'],
      intent: 'order',
      medicationCodeableConcept: { ...(v.drugCode ? { coding: [{ system: CODE_SYSTEM.drug, code: v.drugCode as string }] } : {}), text: v.drug as string },
      subject: subjectRef(v),
      ...(encounterRef(v) ? { encounter: encounterRef(v) } : {}),
      authoredOn: new Date(v.authoredAt as Date).toISOString(),
      ...(practitionerRef(v) ? { requester: practitionerRef(v) } : {}),
      ...(v.note ? { note: [{ text: v.note as string }] } : {}),
      ...(Object.keys(dosage).length ? { dosageInstruction: [dosage] } : {}),
      ...(Object.keys(dispense).length ? { dispenseRequest: dispense } : {}),
    };
  },
  async fromFhir(r) {
    const med = r.medicationCodeableConcept ?? {};
    const d = r.dosageInstruction?.[0] ?? {};
    const doseQ = d.doseAndRate?.[0]?.doseQuantity;
    return {
      drug: med.text ?? med.coding?.[0]?.display,
      drugCode: med.coding?.[0]?.code ?? null,
      dose: quantityText(doseQ) ?? null,
      route: d.route?.text ?? d.route?.coding?.[0]?.display ?? null,
      frequency: d.timing?.code?.text ?? d.timing?.code?.coding?.[0]?.code ?? null,
      days: r.dispenseRequest?.expectedSupplyDuration?.value ?? null,
      quantity: quantityText(r.dispenseRequest?.quantity) ?? r.extension?.find((e: any) => e?.url === EXTENSION.dispenseQuantity)?.valueString ?? null,
      status: r.status,
      authoredAt: r.authoredOn,
      note: r.note?.map((n: any) => n?.text).filter(Boolean).join('\n') || null,
      encounterId: optionalRef(r.encounter, ['Encounter'], 'MedicationRequest.encounter', { zh: '就诊记录', en: 'Encounter' }) ?? null,
      practitionerId: optionalRef(r.requester, ['Practitioner'], 'MedicationRequest.requester', { zh: '医务人员', en: 'Practitioner' }) ?? null,
      identifier: storedIdentifier(r.identifier, 'MedicationRequest.identifier') ?? null,
    };
  },
});
