/**
 * DiagnosticReport ↔ diagnostic_report (检查检验报告): lab panels, imaging, ECG, ultrasound, endoscopy, pathology.
 * `result` lists the report's Observations (observation.report_id); a report sent with `result` links those
 * Observations of the same patient to it (a new version of each one not yet linked).
 */
import type { DiagnosticReport } from '@medplum/fhirtypes';
import { badRequest } from '@yilian/core';
import type { Reader, Tx } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { correctEntry, type EntryView } from '../record/entries.js';
import { CODE_SYSTEM, EXTENSION } from './codes.js';
import { refId, tokenValue } from './mapping.js';
import { clinicalModule, encounterRef, identifierOf, institutionRef, optionalRef, practitionerRef, storedIdentifier, subjectRef, versionMeta } from './record.js';

const CATEGORY: Record<string, [v20074: string, zh: string]> = {
  lab: ['LAB', '检验'], imaging: ['RAD', '影像'], ecg: ['EC', '心电'], ultrasound: ['RUS', '超声'], endoscopy: ['GE', '内镜'], pathology: ['SP', '病理'], other: ['OTH', '其他'],
};
const FROM_V2 = Object.fromEntries(Object.entries(CATEGORY).map(([k, [c]]) => [c, k]));

async function resultsOf(db: Reader, views: EntryView[]) {
  const ids = views.map((v) => v.id);
  const rows = ids.length ? await db.selectFrom('observation').select(['entry_id', 'report_id']).where('report_id', 'in', ids)
    .where('superseded_at', 'is', null).where('status', '<>', 'entered-in-error').orderBy('effective_at').orderBy('entry_id').execute() : [];
  const m = new Map<string, unknown>();
  for (const r of rows) m.set(r.report_id!, [...((m.get(r.report_id!) as string[]) ?? []), r.entry_id]);
  return m;
}

/** Links the Observations named in `result` to the report (the report owns the link). */
async function linkResults(tx: Tx, caller: Caller, view: EntryView, r: any) {
  for (const [i, res] of ((r.result ?? []) as { reference?: string }[]).entries()) {
    const path = `DiagnosticReport.result[${i}]`;
    const obsId = refId(res?.reference, ['Observation'], path, { zh: '检验/观察结果', en: 'Observation' });
    const cur = await tx.selectFrom('observation').selectAll().where('entry_id', '=', obsId).where('superseded_at', 'is', null).executeTakeFirst();
    if (!cur || cur.patient_id !== view.patientId)
      throw badRequest('unknown_reference', `${path}：该结果不存在或不属于该患者`, `${path}: no such Observation of this patient`, path);
    if (cur.report_id === view.id) continue;
    const num = (x: string | null) => (x === null ? null : Number(x));
    await correctEntry(tx, caller, 'observation', obsId, {
      category: cur.category, code: cur.code, name: cur.name, valueNum: num(cur.value_num), valueText: cur.value_text, unit: cur.unit,
      refLow: num(cur.ref_low), refHigh: num(cur.ref_high), refText: cur.ref_text, flag: cur.flag as never, effectiveAt: cur.effective_at.toISOString(),
      device: cur.device, status: cur.status as never, encounterId: cur.encounter_id, reportId: view.id, identifier: cur.identifier, version: cur.version,
    });
  }
}

export const diagnosticReportModule = clinicalModule<DiagnosticReport, 'report'>({
  type: 'DiagnosticReport', kind: 'report', table: 'diagnostic_report', label: { zh: '检查检验报告', en: 'DiagnosticReport' },
  documentation: 'A report (检查检验报告): category (v2-0074 and ours), name as code.text, conclusion (诊断意见), findings (extension), result → Observations. Versioned.',
  statusColumn: 'status', hasEncounter: true,
  dates: { date: { column: 'issued_at', documentation: 'when it was issued (as `issued`)' }, issued: { column: 'issued_at', documentation: 'when it was issued' } },
  tokens: {
    category: { documentation: 'lab | imaging | ecg | ultrasound | endoscopy | pathology | other (or v2-0074 LAB, RAD, EC …)', where: (q, v) => { const c = tokenValue(v).code; const k = CATEGORY[c] ? c : FROM_V2[c]; return k ? q.where('e.category' as 'e.id', '=', k) : null; } },
    code: { documentation: `report code (${CODE_SYSTEM.reportCode}|…)`, where: (q, v) => q.where('e.code' as 'e.id', '=', tokenValue(v).code) },
  },
  paths: { category: 'DiagnosticReport.category', code: 'DiagnosticReport.code', name: 'DiagnosticReport.code.text', modality: 'DiagnosticReport.category', findings: 'DiagnosticReport.extension', conclusion: 'DiagnosticReport.conclusion', status: 'DiagnosticReport.status', issuedAt: 'DiagnosticReport.issued', encounterId: 'DiagnosticReport.encounter', practitionerId: 'DiagnosticReport.resultsInterpreter', identifier: 'DiagnosticReport.identifier', reportId: 'DiagnosticReport.result' },
  prepare: resultsOf,
  afterWrite: linkResults,
  toFhir(v, m) {
    const identifier = identifierOf(v.identifier, m.codes.get(v.institutionId ?? ''));
    const [v2, zh] = CATEGORY[v.category as string] ?? CATEGORY.other!;
    const results = (m.extra.get(v.id) as string[] | undefined) ?? [];
    return {
      resourceType: 'DiagnosticReport', id: v.id, meta: versionMeta(v),
      ...(v.findings ? { extension: [{ url: EXTENSION.reportFindings, valueString: v.findings as string }] } : {}),
      ...(identifier ? { identifier } : {}),
      status: v.status as DiagnosticReport['status'],
      category: [{
        coding: [{ system: CODE_SYSTEM.diagnosticServiceSection, code: v2 }, { system: CODE_SYSTEM.reportCategoryLocal, code: v.category as string, display: zh },
          ...(v.modality ? [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: v.modality as string }] : [])],
        text: zh,
      }],
      code: { ...(v.code ? { coding: [{ system: CODE_SYSTEM.reportCode, code: v.code as string }] } : {}), text: v.name as string },
      subject: subjectRef(v),
      ...(encounterRef(v) ? { encounter: encounterRef(v) } : {}),
      effectiveDateTime: new Date(v.issuedAt as Date).toISOString(),
      issued: new Date(v.issuedAt as Date).toISOString(),
      ...(institutionRef(v) ? { performer: [institutionRef(v)!] } : {}),
      ...(practitionerRef(v) ? { resultsInterpreter: [practitionerRef(v)!] } : {}),
      ...(results.length ? { result: results.map((id) => ({ reference: `Observation/${id}` })) } : {}),
      ...(v.conclusion ? { conclusion: v.conclusion as string } : {}),
    };
  },
  async fromFhir(r) {
    const codings: any[] = (r.category ?? []).flatMap((c: any) => c?.coding ?? []);
    const local = codings.find((c) => c?.system === CODE_SYSTEM.reportCategoryLocal)?.code;
    const v2 = codings.map((c) => FROM_V2[c?.code]).find(Boolean);
    const modality = codings.find((c) => c?.system === 'http://dicom.nema.org/resources/ontology/DCM')?.code;
    return {
      category: local ?? v2 ?? 'other',
      code: r.code?.coding?.[0]?.code ?? null,
      name: r.code?.text ?? r.code?.coding?.[0]?.display,
      modality: modality ?? null,
      findings: r.extension?.find((e: any) => e?.url === EXTENSION.reportFindings)?.valueString ?? null,
      conclusion: r.conclusion ?? null,
      status: r.status,
      issuedAt: r.issued ?? r.effectiveDateTime,
      encounterId: optionalRef(r.encounter, ['Encounter'], 'DiagnosticReport.encounter', { zh: '就诊记录', en: 'Encounter' }) ?? null,
      practitionerId: optionalRef(r.resultsInterpreter?.find((p: any) => /Practitioner\//.test(p?.reference ?? '')), ['Practitioner'], 'DiagnosticReport.resultsInterpreter', { zh: '医务人员', en: 'Practitioner' }) ?? null,
      identifier: storedIdentifier(r.identifier, 'DiagnosticReport.identifier') ?? null,
    };
  },
});
