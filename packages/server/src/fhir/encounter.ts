/** Encounter ↔ encounter (就诊: outpatient, emergency, inpatient) of the shared record. */
import type { Encounter } from '@medplum/fhirtypes';
import { CODE_SYSTEM } from './codes.js';
import { identifierOf, institutionRef, optionalRef, practitionerRef, storedIdentifier, subjectRef, versionMeta, clinicalModule } from './record.js';

/** encounter.class ↔ v3-ActCode (AMB 门诊, EMER 急诊, IMP 住院). */
const CLASS = { outpatient: ['AMB', 'ambulatory'], emergency: ['EMER', 'emergency'], inpatient: ['IMP', 'inpatient encounter'] } as const;
const CLASS_FROM: Record<string, keyof typeof CLASS> = { AMB: 'outpatient', EMER: 'emergency', IMP: 'inpatient', ACUTE: 'inpatient', NONAC: 'inpatient', outpatient: 'outpatient', emergency: 'emergency', inpatient: 'inpatient' };
const CLASS_ZH = { outpatient: '门诊', emergency: '急诊', inpatient: '住院' };

export const encounterModule = clinicalModule<Encounter, 'encounter'>({
  type: 'Encounter', kind: 'encounter', table: 'encounter', label: { zh: '就诊记录', en: 'Encounter' },
  documentation: 'A visit (就诊) at an institution: class AMB/EMER/IMP, period, reason, practitioner, department as serviceType. Versioned: an update is a correction.',
  statusColumn: 'status', hasEncounter: false,
  dates: { date: { column: 'started_at', documentation: 'the start of the visit' } },
  tokens: {
    class: { documentation: 'AMB | EMER | IMP (or outpatient | emergency | inpatient)', where: (q, v) => { const c = CLASS_FROM[v.replace(/^.*\|/, '')]; return c ? q.where('e.class' as 'e.id', '=', c) : null; } },
  },
  paths: { class: 'Encounter.class', startedAt: 'Encounter.period.start', endedAt: 'Encounter.period.end', reason: 'Encounter.reasonCode', practitionerId: 'Encounter.participant', departmentId: 'Encounter.serviceType', identifier: 'Encounter.identifier', status: 'Encounter.status' },
  toFhir(v, m) {
    const cls = v.class as keyof typeof CLASS;
    const identifier = identifierOf(v.identifier, m.codes.get(v.institutionId ?? ''));
    const practitioner = practitionerRef(v);
    return {
      resourceType: 'Encounter', id: v.id, meta: versionMeta(v),
      ...(identifier ? { identifier } : {}),
      status: v.status as Encounter['status'],
      class: { system: CODE_SYSTEM.encounterClass, code: CLASS[cls][0], display: CLASS[cls][1] },
      ...(v.departmentName ? { serviceType: { text: v.departmentName } } : {}),
      subject: subjectRef(v),
      ...(practitioner ? { participant: [{ individual: practitioner }] } : {}),
      period: { start: new Date(v.startedAt as Date).toISOString(), ...(v.endedAt ? { end: new Date(v.endedAt as Date).toISOString() } : {}) },
      ...(v.reason ? { reasonCode: [{ text: v.reason as string }] } : {}),
      ...(institutionRef(v) ? { serviceProvider: institutionRef(v) } : {}),
    };
  },
  async fromFhir(r) {
    const code = r.class?.code as string | undefined;
    return {
      class: (code && CLASS_FROM[code]) ?? (code as never),
      status: r.status,
      startedAt: r.period?.start,
      endedAt: r.period?.end ?? null,
      reason: r.reasonCode?.[0]?.text ?? r.reasonCode?.[0]?.coding?.[0]?.display ?? null,
      practitionerId: optionalRef(r.participant?.find((p: any) => /Practitioner\//.test(p?.individual?.reference ?? ''))?.individual, ['Practitioner'], 'Encounter.participant', { zh: '医务人员', en: 'Practitioner' }) ?? null,
      identifier: storedIdentifier(r.identifier, 'Encounter.identifier') ?? null,
    };
  },
});
export { CLASS_ZH };
