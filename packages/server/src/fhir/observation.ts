/**
 * Observation ↔ observation: lab results (检验, valueQuantity + referenceRange + interpretation), vital signs,
 * exam findings and home monitoring (家庭自测) of the shared record.
 */
import type { Observation } from '@medplum/fhirtypes';
import type { Reader } from '../db/database.js';
import type { EntryView } from '../record/entries.js';
import { CODE_SYSTEM, EXTENSION } from './codes.js';
import { refId, tokenValue } from './mapping.js';
import { clinicalModule, encounterRef, identifierOf, institutionRef, optionalRef, storedIdentifier, subjectRef, versionMeta } from './record.js';

const CATEGORY_ZH = { laboratory: '检验', 'vital-signs': '生命体征', exam: '检查', 'home-monitoring': '家庭自测' } as const;
type Category = keyof typeof CATEGORY_ZH;
const FLAGS = ['N', 'H', 'L', 'HH', 'LL', 'A'];
const FLAG_DISPLAY: Record<string, string> = { N: 'Normal', H: 'High', L: 'Low', HH: 'Critical high', LL: 'Critical low', A: 'Abnormal' };
const LOINC = /^\d{1,7}-\d$/;

export function observationCategory(c: Category) {
  return c === 'home-monitoring'
    ? { coding: [{ system: CODE_SYSTEM.observationCategoryLocal, code: c, display: CATEGORY_ZH[c] }], text: CATEGORY_ZH[c] }
    : { coding: [{ system: CODE_SYSTEM.observationCategory, code: c }], text: CATEGORY_ZH[c] };
}

/** The LOINC codes of the lab items on a page (lab_item.loinc). */
async function loincOf(db: Reader, views: EntryView[]) {
  const codes = [...new Set(views.filter((v) => v.category === 'laboratory').map((v) => v.code as string))];
  const rows = codes.length ? await db.selectFrom('lab_item').select(['code', 'loinc']).where('code', 'in', codes).execute() : [];
  return new Map<string, unknown>(rows.filter((r) => r.loinc).map((r) => [r.code, r.loinc]));
}

export const observationModule = clinicalModule<Observation, 'observation'>({
  type: 'Observation', kind: 'observation', table: 'observation', label: { zh: '检验/观察结果', en: 'Observation' },
  documentation: 'A result: lab (category laboratory, code = lab item, LOINC where known; valueQuantity, referenceRange, interpretation H/L/N), vital signs (LOINC), exam, home monitoring. Versioned.',
  statusColumn: 'status', hasEncounter: true,
  dates: { date: { column: 'effective_at', documentation: 'when it was measured' } },
  tokens: {
    code: { documentation: `lab item code (${CODE_SYSTEM.labItem}|…) or LOINC (http://loinc.org|…)`, where: (q, v) => {
      const t = tokenValue(v);
      if (t.system === CODE_SYSTEM.loinc)
        return q.where((eb: any) => eb.or([eb('e.code', '=', t.code), eb('e.code', 'in', eb.selectFrom('lab_item').select('code').where('loinc', '=', t.code))]));
      return q.where('e.code' as 'e.id', '=', t.code);
    } },
    category: { documentation: 'laboratory | vital-signs | exam | home-monitoring', where: (q, v) => q.where('e.category' as 'e.id', '=', tokenValue(v).code) },
  },
  paths: { category: 'Observation.category', code: 'Observation.code', name: 'Observation.code.text', valueNum: 'Observation.value[x]', valueText: 'Observation.value[x]', unit: 'Observation.valueQuantity.unit', refLow: 'Observation.referenceRange.low', refHigh: 'Observation.referenceRange.high', refText: 'Observation.referenceRange.text', flag: 'Observation.interpretation', effectiveAt: 'Observation.effectiveDateTime', device: 'Observation.device', status: 'Observation.status', encounterId: 'Observation.encounter', reportId: 'Observation.extension', identifier: 'Observation.identifier' },
  prepare: loincOf,
  toFhir(v, m) {
    const identifier = identifierOf(v.identifier, m.codes.get(v.institutionId ?? ''));
    const category = v.category as Category, code = v.code as string, unit = (v.unit as string | null) ?? undefined;
    const loinc = m.extra.get(code) as string | undefined;
    const coding = category === 'laboratory'
      ? [{ system: CODE_SYSTEM.labItem, code, display: v.name as string }, ...(loinc ? [{ system: CODE_SYSTEM.loinc, code: loinc }] : [])]
      : [{ system: LOINC.test(code) ? CODE_SYSTEM.loinc : CODE_SYSTEM.labItem, code, display: v.name as string }];
    const q = (value: number) => ({ value, ...(unit ? { unit } : {}) });
    const range = v.refLow !== null || v.refHigh !== null || v.refText
      ? [{ ...(v.refLow !== null ? { low: q(v.refLow as number) } : {}), ...(v.refHigh !== null ? { high: q(v.refHigh as number) } : {}), ...(v.refText ? { text: v.refText as string } : {}) }]
      : undefined;
    const performer = institutionRef(v);
    return {
      resourceType: 'Observation', id: v.id, meta: versionMeta(v),
      ...(v.reportId ? { extension: [{ url: EXTENSION.observationReport, valueReference: { reference: `DiagnosticReport/${v.reportId}` } }] } : {}),
      ...(identifier ? { identifier } : {}),
      status: v.status as Observation['status'],
      category: [observationCategory(category)],
      code: { coding, text: v.name as string },
      subject: subjectRef(v),
      ...(encounterRef(v) ? { encounter: encounterRef(v) } : {}),
      effectiveDateTime: new Date(v.effectiveAt as Date).toISOString(),
      issued: new Date(v.recordedAt).toISOString(),
      ...(performer ? { performer: [performer] } : {}),
      ...(v.valueNum !== null ? { valueQuantity: q(v.valueNum as number) } : { valueString: v.valueText as string }),
      ...(v.flag ? { interpretation: [{ coding: [{ system: CODE_SYSTEM.interpretation, code: v.flag as string, display: FLAG_DISPLAY[v.flag as string] }] }] } : {}),
      ...(v.device ? { device: { display: v.device as string } } : {}),
      ...(range ? { referenceRange: range } : {}),
    };
  },
  async fromFhir(r) {
    const codings: any[] = r.code?.coding ?? [];
    const coding = codings.find((c) => c?.system === CODE_SYSTEM.labItem) ?? codings.find((c) => c?.code) ?? {};
    const cats: any[] = (r.category ?? []).flatMap((c: any) => c?.coding ?? []);
    const category = cats.map((c) => c?.code).find((c) => c in CATEGORY_ZH);
    const range = r.referenceRange?.[0];
    const flag = (r.interpretation ?? []).flatMap((i: any) => i?.coding ?? []).map((c: any) => c?.code).find((c: string) => FLAGS.includes(c));
    const value = r.valueQuantity;
    const report = r.extension?.find((e: any) => e?.url === EXTENSION.observationReport)?.valueReference?.reference;
    return {
      ...(report ? { reportId: refId(report, ['DiagnosticReport'], 'Observation.extension', { zh: '检查检验报告', en: 'DiagnosticReport' }) } : {}),
      category, code: coding.code,
      name: r.code?.text ?? coding.display,
      ...(value?.value !== undefined ? { valueNum: value.value, valueText: null } : { valueNum: null, valueText: r.valueString ?? r.valueCodeableConcept?.text ?? r.valueCodeableConcept?.coding?.[0]?.display ?? null }),
      ...(value?.unit ?? value?.code ? { unit: value.unit ?? value.code } : {}),
      ...(range?.low?.value !== undefined ? { refLow: range.low.value } : {}),
      ...(range?.high?.value !== undefined ? { refHigh: range.high.value } : {}),
      ...(range?.text ? { refText: range.text } : {}),
      ...(flag ? { flag } : {}),
      effectiveAt: r.effectiveDateTime ?? r.effectiveInstant ?? r.effectivePeriod?.start,
      device: r.device?.display ?? null,
      status: r.status,
      encounterId: optionalRef(r.encounter, ['Encounter'], 'Observation.encounter', { zh: '就诊记录', en: 'Encounter' }) ?? null,
      identifier: storedIdentifier(r.identifier, 'Observation.identifier') ?? null,
    };
  },
});
