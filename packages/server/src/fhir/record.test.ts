/**
 * The shared record over FHIR, written by a hospital system signed in with OAuth client credentials: each clinical
 * type created, read and searched (valid R4 throughout), record access and audit as in REST (403 without a care
 * relationship or consent, `record.read` entries), writes at the client's own institution only, and the
 * transaction Bundle import — all or nothing, `urn:uuid:` references, idempotent when re-posted.
 */
import { makeResidentId } from '@yilian/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePatient, makeWorld, tableHashes } from '../test/factories.js';
import { createTestApp, dbKind, type Client, type TestApp } from '../test/harness.js';
import { expectOutcome, fhirClient, type FhirClient } from './client.testutil.js';
import { CODE_SYSTEM, ICD10_CN_CLINICAL, IDENTIFIER_SYSTEM } from './codes.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let his: FhirClient, hisLower: FhirClient, doctor: FhirClient, doctorLower: FhirClient;
let restDoctorLower: Client;
let gluLoinc: string;
const RID = IDENTIFIER_SYSTEM.residentId;
const HIS = 'https://his.upper.example/id';

/** A FHIR client acting with an OAuth access token of a new API client of the institution. */
async function oauthClient(institutionId: string): Promise<FhirClient> {
  const office = await t.login('consortium_admin');
  const c = (await office.post('/api/v1/api-clients', { institutionId, name: 'HIS' })).body;
  const tok = await t.anonymous.request('POST', '/oauth2/token', new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).toString(),
    { 'content-type': 'application/x-www-form-urlencoded' });
  expect(tok.status).toBe(200);
  const bearer = { authorization: `Bearer ${tok.body.access_token}` };
  return fhirClient({ ...t.anonymous, request: (m, u, b, h = {}) => t.anonymous.request(m, u, b, { ...bearer, ...h }) });
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  await t.db.insertInto('code_system_concept').values([
    { system: 'icd10-cn-clinical-2.0', code: 'I10.x00', display: '高血压', initials: 'gxy' },
    { system: 'icd10-cn-clinical-2.0', code: 'E11.900', display: '2型糖尿病', initials: 'exntnb' },
  ]).onConflict((oc) => oc.doNothing()).execute();
  await t.db.insertInto('lab_item').values({ code: 'GLU', name: '葡萄糖', unit: 'mmol/L', ref_low: 3.9, ref_high: 6.1, loinc: '2345-7' }).onConflict((oc) => oc.doNothing()).execute();
  const glu = await t.db.selectFrom('lab_item').selectAll().where('code', '=', 'GLU').executeTakeFirstOrThrow();
  gluLoinc = glu.loinc!;
  expect([glu.name, glu.unit, Number(glu.ref_low), Number(glu.ref_high)]).toEqual(['葡萄糖', 'mmol/L', 3.9, 6.1]);
  his = await oauthClient(w.upper.id);
  hisLower = await oauthClient(w.lower.id);
  doctor = fhirClient(await t.login('doctor'));
  restDoctorLower = await t.login('doctor_lower');
  doctorLower = fhirClient(restDoctorLower);
});
afterAll(() => t.close());

const ids = (bundle: any): string[] => (bundle.entry ?? []).map((e: any) => e.resource.id);
const subject = (id = w.patient.id) => ({ reference: `Patient/${id}` });

describe(`FHIR record resources on ${dbKind}`, () => {
  let encounterId: string, glucoseId: string;

  it('creates, reads and searches Encounter, Condition, AllergyIntolerance, MedicationRequest as the HIS (OAuth), all at its institution', async () => {
    const enc = await his.post('/fhir/Encounter', {
      resourceType: 'Encounter', status: 'finished', class: { system: CODE_SYSTEM.encounterClass, code: 'AMB' }, subject: subject(),
      period: { start: '2026-03-02T09:00:00+08:00', end: '2026-03-02T09:20:00+08:00' }, reasonCode: [{ text: '头晕' }],
      participant: [{ individual: { reference: `Practitioner/${w.doctorP.id}` } }], identifier: [{ system: HIS, value: 'V1' }],
    });
    expect(enc.status, JSON.stringify(enc.body)).toBe(201);
    encounterId = enc.body.id;
    expect(enc.body).toMatchObject({ class: { code: 'AMB' }, serviceProvider: { reference: `Organization/${w.upper.id}` }, meta: { versionId: '1' }, identifier: [{ system: HIS, value: 'V1' }] });
    const row = await t.db.selectFrom('encounter').select(['institution_id', 'identifier']).where('entry_id', '=', encounterId).executeTakeFirstOrThrow();
    expect(row).toEqual({ institution_id: w.upper.id, identifier: `${HIS}|V1` });

    const cond = await his.post('/fhir/Condition', {
      resourceType: 'Condition', subject: subject(), encounter: { reference: `Encounter/${encounterId}` },
      code: { coding: [{ system: ICD10_CN_CLINICAL, code: 'I10.x00' }] }, category: [{ coding: [{ system: CODE_SYSTEM.conditionCategory, code: 'encounter-diagnosis' }] }],
      recordedDate: '2026-03-02T09:15:00+08:00',
    });
    expect(cond.status, JSON.stringify(cond.body)).toBe(201);
    expect(cond.body.code.coding[0]).toMatchObject({ system: ICD10_CN_CLINICAL, code: 'I10.x00', display: '高血压' });
    expectOutcome(await his.post('/fhir/Condition', { resourceType: 'Condition', subject: subject(), code: { coding: [{ code: 'Z99.999' }] } }), 400, 'unknown_code');

    const allergy = await his.post('/fhir/AllergyIntolerance', {
      resourceType: 'AllergyIntolerance', patient: subject(), code: { text: '青霉素' }, category: ['medication'], criticality: 'high',
      reaction: [{ manifestation: [{ text: '皮疹' }], severity: 'moderate' }],
    });
    expect(allergy.status, JSON.stringify(allergy.body)).toBe(201);
    const med = await his.post('/fhir/MedicationRequest', {
      resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: subject(), authoredOn: '2026-03-02T09:18:00+08:00',
      medicationCodeableConcept: { text: '苯磺酸氨氯地平片 5mg' },
      dosageInstruction: [{ route: { text: '口服' }, timing: { code: { text: 'qd' } }, doseAndRate: [{ doseQuantity: { value: 5, unit: 'mg' } }] }],
      dispenseRequest: { quantity: { value: 28, unit: '片' }, expectedSupplyDuration: { value: 28, unit: 'd' } },
    });
    expect(med.status, JSON.stringify(med.body)).toBe(201);
    expect(await t.db.selectFrom('medication_request').select(['dose', 'route', 'frequency', 'days', 'quantity']).where('entry_id', '=', med.body.id).executeTakeFirst())
      .toEqual({ dose: '5 mg', route: '口服', frequency: 'qd', days: 28, quantity: '28片' });

    for (const [type, id] of [['Encounter', encounterId], ['Condition', cond.body.id], ['AllergyIntolerance', allergy.body.id], ['MedicationRequest', med.body.id]] as const) {
      expect((await doctor.get(`/fhir/${type}/${id}`)).body.id).toBe(id);
      expect(ids((await doctor.get(`/fhir/${type}?patient=Patient/${w.patient.id}`)).body)).toContain(id);
    }
    expect(ids((await doctor.get(`/fhir/Encounter?subject=${w.patient.id}&date=ge2026-03-02&date=lt2026-03-03&class=AMB`)).body)).toEqual([encounterId]);
    expect(ids((await doctor.get(`/fhir/Encounter?patient=${w.patient.id}&date=gt2026-03-02`)).body)).toEqual([]);
    expect(ids((await doctor.get(`/fhir/Condition?patient=${w.patient.id}&code=${ICD10_CN_CLINICAL}|I10.x00`)).body)).toEqual([cond.body.id]);
    expect(ids((await doctor.get(`/fhir/Condition?patient=${w.patient.id}&encounter=Encounter/${encounterId}`)).body)).toEqual([cond.body.id]);
    expect(ids((await doctor.get(`/fhir/Encounter?identifier=${encodeURIComponent(`${HIS}|V1`)}`)).body)).toEqual([encounterId]);
    expect(ids((await doctor.get(`/fhir/MedicationRequest?patient=${w.patient.id}&authoredon=le2026-03-02&status=active`)).body)).toEqual([med.body.id]);
    expectOutcome(await doctor.get('/fhir/Condition?code=I10.x00'), 400, 'patient_required');
  });

  it('maps lab results with value, reference range and interpretation, reports with their results, and documents', async () => {
    const glu = await his.post('/fhir/Observation', {
      resourceType: 'Observation', status: 'final', subject: subject(), effectiveDateTime: '2026-03-02T08:30:00+08:00',
      category: [{ coding: [{ system: CODE_SYSTEM.observationCategory, code: 'laboratory' }] }],
      code: { coding: [{ system: CODE_SYSTEM.labItem, code: 'GLU' }] }, valueQuantity: { value: 7.8, unit: 'mmol/L' },
    });
    expect(glu.status, JSON.stringify(glu.body)).toBe(201);
    glucoseId = glu.body.id;
    expect(glu.body).toMatchObject({
      code: { coding: [{ code: 'GLU', display: '葡萄糖' }, { system: 'http://loinc.org', code: gluLoinc }], text: '葡萄糖' },
      valueQuantity: { value: 7.8, unit: 'mmol/L' }, referenceRange: [{ low: { value: 3.9 }, high: { value: 6.1 } }],
      interpretation: [{ coding: [{ system: CODE_SYSTEM.interpretation, code: 'H' }] }], performer: [{ reference: `Organization/${w.upper.id}` }],
    });
    const bp = await his.post('/fhir/Observation', {
      resourceType: 'Observation', status: 'final', subject: subject(), effectiveDateTime: '2026-03-05T07:00:00+08:00',
      category: [{ coding: [{ system: CODE_SYSTEM.observationCategory, code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }], text: '收缩压' }, valueQuantity: { value: 150, unit: 'mmHg' },
    });
    expect(bp.status, JSON.stringify(bp.body)).toBe(201);

    const report = await his.post('/fhir/DiagnosticReport', {
      resourceType: 'DiagnosticReport', status: 'final', subject: subject(), issued: '2026-03-02T10:00:00+08:00',
      category: [{ coding: [{ system: CODE_SYSTEM.diagnosticServiceSection, code: 'LAB' }] }], code: { text: '空腹血糖' },
      result: [{ reference: `Observation/${glucoseId}` }], conclusion: '血糖偏高',
    });
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    expect(report.body).toMatchObject({ result: [{ reference: `Observation/${glucoseId}` }], conclusion: '血糖偏高', category: [{ text: '检验' }] });
    expect((await doctor.get(`/fhir/DiagnosticReport?patient=${w.patient.id}&category=lab&date=2026-03-02`)).body.entry[0].resource.result).toHaveLength(1);

    const doc = await his.post('/fhir/DocumentReference', {
      resourceType: 'DocumentReference', status: 'current', subject: subject(), date: '2026-03-02T11:00:00+08:00', description: '门诊病历',
      type: { coding: [{ system: CODE_SYSTEM.documentKind, code: 'outpatient_record' }] },
      content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from('头晕三天，血压150/95。').toString('base64') } }],
    });
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);
    expect(Buffer.from(doc.body.content[0].attachment.data, 'base64').toString()).toBe('头晕三天，血压150/95。');
    await t.db.insertInto('document_attachment').values({ document_id: (await t.db.selectFrom('document').select('id').where('entry_id', '=', doc.body.id).executeTakeFirstOrThrow()).id, position: 1, file_sha256: 'a'.repeat(64), name: 'scan.pdf', content_type: 'application/pdf', size: 10 }).execute();
    const withFile = await doctor.get(`/fhir/DocumentReference/${doc.body.id}`);
    expect(withFile.body.content[1].attachment).toMatchObject({ contentType: 'application/pdf', title: 'scan.pdf', url: expect.stringMatching(new RegExp(`/api/v1/record/documents/${doc.body.id}/attachments/1$`)) });

    // Observation search: code, category, date ranges, _count and the next link.
    const byCode = await doctor.get(`/fhir/Observation?patient=Patient/${w.patient.id}&code=GLU`);
    expect(ids(byCode.body)).toEqual([glucoseId]);
    expect(ids((await doctor.get(`/fhir/Observation?patient=${w.patient.id}&code=http://loinc.org|${gluLoinc}`)).body)).toEqual([glucoseId]);
    expect(ids((await doctor.get(`/fhir/Observation?patient=${w.patient.id}&category=vital-signs`)).body)).toEqual([bp.body.id]);
    expect(ids((await doctor.get(`/fhir/Observation?patient=${w.patient.id}&date=ge2026-03-01&date=le2026-03-02`)).body)).toEqual([glucoseId]);
    expect(ids((await doctor.get(`/fhir/Observation?patient=${w.patient.id}&date=gt2026-03-02T08:30:00%2B08:00`)).body)).toEqual([bp.body.id]);
    const first = await doctor.get(`/fhir/Observation?patient=${w.patient.id}&_count=1`);
    expect(ids(first.body)).toEqual([bp.body.id]);
    const next = first.body.link.find((l: any) => l.relation === 'next').url as string;
    expect(ids((await doctor.get(next.slice(next.indexOf('/fhir/')))).body)).toEqual([glucoseId]);
  });

  it('refuses a caller without care relationship or consent with 403 on Observation search, as REST, and audits the reads', async () => {
    const fhirRes = expectOutcome(await doctorLower.get(`/fhir/Observation?patient=Patient/${w.patient.id}`), 403, 'record_access_denied');
    const rest = await restDoctorLower.get(`/api/v1/patients/${w.patient.id}/observations`);
    expect(rest.status).toBe(403);
    expect([rest.body.error.code, rest.body.error.zh, rest.body.error.en]).toEqual(['record_access_denied', fhirRes.details.text, fhirRes.diagnostics]);
    expectOutcome(await doctorLower.get(`/fhir/Observation/${glucoseId}`), 403, 'record_access_denied');
    const denied = await t.db.selectFrom('audit_log').select(['outcome']).where('action', '=', 'record.read').where('user_id', '=', w.users.doctor_lower.id).execute();
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect(denied.every((d) => d.outcome === 'denied')).toBe(true);

    const before = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log WHERE action = 'record.read' AND outcome = 'ok' AND user_id = ${w.users.doctor.id}`.execute(t.db)).rows[0]!.n);
    await doctor.get(`/fhir/Observation?patient=${w.patient.id}`);
    await doctor.get(`/fhir/Observation/${glucoseId}`);
    const reads = await t.db.selectFrom('audit_log').select(['patient_id', 'detail']).where('action', '=', 'record.read').where('outcome', '=', 'ok')
      .where('user_id', '=', w.users.doctor.id).orderBy('seq', 'desc').limit(2).execute();
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log WHERE action = 'record.read' AND outcome = 'ok' AND user_id = ${w.users.doctor.id}`.execute(t.db)).rows[0]!.n)).toBe(before + 2);
    expect(reads.map((r) => r.patient_id)).toEqual([w.patient.id, w.patient.id]);
    expect(reads.map((r) => (r.detail as any).via)).toEqual(['care', 'care']);
  });

  it('lets a patient\'s consent open the record to another institution (Consent created over FHIR)', async () => {
    const consent = await doctor.post('/fhir/Consent', {
      resourceType: 'Consent', status: 'active', patient: subject(), scope: { coding: [{ code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }], performer: [subject()],
      policyRule: { coding: [{ code: 'OPTIN' }] },
      provision: { type: 'permit', period: { start: '2026-01-01T00:00:00+08:00' }, actor: [{ role: { coding: [{ code: 'IRCP' }] }, reference: { reference: `Organization/${w.lower.id}` } }], class: [{ code: 'Observation' }] },
    });
    expect(consent.status, JSON.stringify(consent.body)).toBe(201);
    expect(consent.body).toMatchObject({ status: 'active', provision: { actor: [{ reference: { reference: `Organization/${w.lower.id}` } }], class: [{ code: 'Observation' }] } });
    expect((await doctorLower.get(`/fhir/Observation?patient=${w.patient.id}`)).status).toBe(200);
    expectOutcome(await doctorLower.get(`/fhir/Condition?patient=${w.patient.id}`), 403, 'record_access_denied');
    expect(ids((await doctor.get(`/fhir/Consent?patient=${w.patient.id}&status=active`)).body)).toEqual([consent.body.id]);
    expect((await doctor.get(`/fhir/Consent/${consent.body.id}`)).body.patient.reference).toBe(`Patient/${w.patient.id}`);
  });

  it('lets the token\'s caller write at its own institution only, and corrects by PUT as a new version (unchanged: none)', async () => {
    const other = await hisLower.post('/fhir/Observation', {
      resourceType: 'Observation', status: 'final', subject: subject(), effectiveDateTime: '2026-03-06T08:00:00+08:00',
      category: [{ coding: [{ code: 'laboratory' }] }], code: { coding: [{ code: 'GLU' }] }, valueQuantity: { value: 5.1, unit: 'mmol/L' },
    });
    expect(other.status).toBe(201);
    expect(await t.db.selectFrom('observation').select('institution_id').where('entry_id', '=', other.body.id).executeTakeFirstOrThrow()).toEqual({ institution_id: w.lower.id });
    const current = (await doctor.get(`/fhir/Observation/${other.body.id}`)).body;
    expectOutcome(await his.put(`/fhir/Observation/${other.body.id}`, { ...current, valueQuantity: { value: 9, unit: 'mmol/L' } }), 403, 'forbidden');

    const mine = (await doctor.get(`/fhir/Observation/${glucoseId}`)).body;
    const same = await his.put(`/fhir/Observation/${glucoseId}`, mine);
    expect(same.body.meta.versionId).toBe(mine.meta.versionId);
    const { extension: _report, ...withoutReport } = mine;
    const corrected = await his.put(`/fhir/Observation/${glucoseId}`, { ...withoutReport, valueQuantity: { value: 7.2, unit: 'mmol/L' } });
    expect(corrected.status, JSON.stringify(corrected.body)).toBe(200);
    expect(corrected.body).toMatchObject({ id: glucoseId, meta: { versionId: String(Number(mine.meta.versionId) + 1) }, valueQuantity: { value: 7.2 } });
    // The correction keeps the report link.
    expect((await doctor.get(`/fhir/DiagnosticReport?patient=${w.patient.id}&category=LAB`)).body.entry[0].resource.result).toEqual([{ reference: `Observation/${glucoseId}` }]);
  });
});

describe(`FHIR transaction Bundle on ${dbKind}`, () => {
  const RID1 = makeResidentId('330521', '1958-04-12', 'male', 4711);
  const bundle = (glucose = 6.9, extra: object[] = [], rid = RID1, tag = '100', phone = '13922223333') => ({
    resourceType: 'Bundle', type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', identifier: [{ system: RID, value: rid }], name: [{ text: '钱国平' }], telecom: [{ system: 'phone', value: phone }] },
        request: { method: 'PUT', url: `Patient?identifier=${RID}|${rid}` } },
      // The report comes before its results in the Bundle: references decide the order.
      { fullUrl: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000004', resource: { resourceType: 'DiagnosticReport', status: 'final', identifier: [{ system: HIS, value: `R${tag}` }],
        subject: { reference: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000001' }, encounter: { reference: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000002' },
        category: [{ coding: [{ system: CODE_SYSTEM.diagnosticServiceSection, code: 'LAB' }] }], code: { text: '空腹血糖' }, issued: '2026-03-10T10:00:00+08:00',
        result: [{ reference: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000003' }] },
        request: { method: 'PUT', url: `DiagnosticReport?identifier=${HIS}|R${tag}` } },
      { fullUrl: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000002', resource: { resourceType: 'Encounter', status: 'finished', identifier: [{ system: HIS, value: `V${tag}` }],
        class: { code: 'AMB' }, subject: { reference: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000001' }, period: { start: '2026-03-10T08:00:00+08:00' } },
        request: { method: 'PUT', url: `Encounter?identifier=${HIS}|V${tag}` } },
      { fullUrl: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000003', resource: { resourceType: 'Observation', status: 'final', identifier: [{ system: HIS, value: `L${tag}-GLU` }],
        subject: { reference: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000001' }, encounter: { reference: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000002' },
        category: [{ coding: [{ code: 'laboratory' }] }], code: { coding: [{ code: 'GLU' }] }, valueQuantity: { value: glucose, unit: 'mmol/L' }, effectiveDateTime: '2026-03-10T08:10:00+08:00' },
        request: { method: 'PUT', url: `Observation?identifier=${HIS}|L${tag}-GLU` } },
      { resource: { resourceType: 'Condition', identifier: [{ system: HIS, value: `D${tag}` }], subject: { reference: `Patient?identifier=${RID}|${rid}` },
        code: { coding: [{ code: 'E11.900' }] }, recordedDate: '2026-03-10T09:00:00+08:00' },
        request: { method: 'POST', url: 'Condition', ifNoneExist: `identifier=${HIS}|D${tag}` } },
      ...extra,
    ],
  });
  const RECORD = ['patient', 'patient_identifier', 'encounter', 'condition', 'observation', 'diagnostic_report'];
  const versions = async () => (await sql<{ n: string }>`SELECT (SELECT count(*) FROM encounter) + (SELECT count(*) FROM condition) + (SELECT count(*) FROM observation) + (SELECT count(*) FROM diagnostic_report) AS n`.execute(t.db)).rows[0]!.n;

  it('imports a bundle in one transaction, resolving urn:uuid references; re-posting it changes nothing; a changed value is a new version', async () => {
    const first = await his.post('/fhir', bundle());
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.type).toBe('transaction-response');
    expect(first.body.entry.map((e: any) => e.response.status)).toEqual(['201 Created', '201 Created', '201 Created', '201 Created', '201 Created']);
    const [patientLoc, reportLoc, encLoc, obsLoc, condLoc] = first.body.entry.map((e: any) => e.response.location as string);
    const patientId = patientLoc.split('/')[1]!;
    expect((await t.db.selectFrom('patient').select('resident_id').where('id', '=', patientId).executeTakeFirstOrThrow()).resident_id).toBe(RID1);
    // Each result is written once, already linked to its report (version 1).
    const obs = await t.db.selectFrom('observation').selectAll().where('entry_id', '=', obsLoc.split('/')[1]!).executeTakeFirstOrThrow();
    expect(obs.version).toBe(1);
    expect([obs.patient_id, obs.encounter_id, obs.report_id, obs.institution_id]).toEqual([patientId, encLoc.split('/')[1], reportLoc.split('/')[1], w.upper.id]);
    expect((await his.get(`/fhir/${reportLoc}`)).body.result).toEqual([{ reference: obsLoc }]);

    const count = await versions();
    const hashes = await tableHashes(t.db, RECORD);
    const again = await his.post('/fhir', bundle());
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.entry.map((e: any) => e.response.location)).toEqual([patientLoc, reportLoc, encLoc, obsLoc, condLoc]);
    expect(again.body.entry.map((e: any) => e.response.status)).toEqual(['200 OK', '200 OK', '200 OK', '200 OK', '200 OK']);
    expect(await versions()).toBe(count);
    expect(await tableHashes(t.db, RECORD)).toEqual(hashes);

    const changed = await his.post('/fhir', bundle(7.4), { prefer: 'return=representation' });
    expect(changed.status).toBe(200);
    expect(changed.body.entry[3].resource).toMatchObject({ id: obsLoc.split('/')[1], meta: { versionId: '2' }, valueQuantity: { value: 7.4 } });
    expect(changed.body.entry[3].response.etag).toBe('W/"2"');
    expect(changed.body.entry[1].resource.meta.versionId).toBe('1');
    expect(Number(await versions())).toBe(Number(count) + 1);
    const audit = await t.db.selectFrom('audit_log').select('detail').where('action', '=', 'fhir.transaction').orderBy('seq').execute();
    expect(audit.map((a) => a.detail)).toEqual([
      { entries: 5, created: 5, updated: 0, unchanged: 0 }, { entries: 5, created: 0, updated: 0, unchanged: 5 }, { entries: 5, created: 0, updated: 1, unchanged: 4 },
    ]);
  });

  it('writes nothing when one entry fails, and names the failing entry', async () => {
    const other = makeResidentId('330521', '1960-01-01', 'female', 4712);
    const b = bundle(6.9, [{ resource: { resourceType: 'Condition', subject: { reference: 'urn:uuid:5b0c7d2e-0000-4000-8000-000000000001' }, code: { coding: [{ code: 'Q99.999' }] } }, request: { method: 'POST', url: 'Condition' } }],
      other, '200', '13922224444');
    const before = await tableHashes(t.db, [...RECORD, 'audit_log']);
    const res = await his.post('/fhir', b);
    const issue = expectOutcome(res, 400, 'unknown_code');
    expect(issue.diagnostics).toMatch(/^Bundle\.entry\[5\]: /);
    expect(issue.expression[0]).toMatch(/^Bundle\.entry\[5\]/);
    expect(await tableHashes(t.db, [...RECORD, 'audit_log'])).toEqual(before);

    const badId = bundle(6.9, [], '330521196001011235', '300', '13922225555');
    const refused = expectOutcome(await his.post('/fhir', badId), 400, 'invalid_resident_id');
    expect(refused.diagnostics).toMatch(/^Bundle\.entry\[0\]: /);
    expect(await tableHashes(t.db, [...RECORD, 'audit_log'])).toEqual(before);
  });

  it('writes a bundle\'s new entries of each type together: per-entry answers, checks and errors as one by one, one audit entry per patient', async () => {
    const HIS2 = 'https://his.batch.example/id';
    const rids = [makeResidentId('330521', '1961-02-03', 'male', 4721), makeResidentId('330521', '1962-03-04', 'female', 4722)];
    const visit = (n: number, values: [string, number][], extra: object[] = []) => [
      { fullUrl: `urn:uuid:6c1d8e3f-0000-4000-8000-00000000000${n}`, resource: { resourceType: 'Patient', identifier: [{ system: RID, value: rids[n] }], name: [{ text: `批量${n}` }] },
        request: { method: 'PUT', url: `Patient?identifier=${RID}|${rids[n]}` } },
      { fullUrl: `urn:uuid:6c1d8e3f-0000-4000-8000-00000000001${n}`, resource: { resourceType: 'Encounter', status: 'finished', identifier: [{ system: HIS2, value: `V${n}` }],
        class: { code: 'AMB' }, subject: { reference: `urn:uuid:6c1d8e3f-0000-4000-8000-00000000000${n}` }, period: { start: '2026-04-01T08:00:00+08:00' } },
        request: { method: 'PUT', url: `Encounter?identifier=${HIS2}|V${n}` } },
      ...values.map(([code, value], i) => ({ resource: { resourceType: 'Observation', status: 'final', identifier: [{ system: HIS2, value: `L${n}-${i}` }],
        subject: { reference: `urn:uuid:6c1d8e3f-0000-4000-8000-00000000000${n}` }, encounter: { reference: `urn:uuid:6c1d8e3f-0000-4000-8000-00000000001${n}` },
        category: [{ coding: [{ code: 'laboratory' }] }], code: { coding: [{ code }], ...(code === 'GLU' || code === 'NO-SUCH-ITEM' ? {} : { text: code }) }, valueQuantity: { value, unit: 'mmol/L' }, effectiveDateTime: '2026-04-01T08:10:00+08:00' },
        request: { method: 'PUT', url: `Observation?identifier=${HIS2}|L${n}-${i}` } })),
      ...extra,
    ];
    const b = (entries: object[]) => ({ resourceType: 'Bundle', type: 'transaction', entry: entries });
    const stranger = await makePatient(t.db);
    const before = await tableHashes(t.db, [...RECORD, 'audit_log']);
    // A check that needs the database (an unknown lab item without a name) names its entry, and nothing is written.
    const unknownItem = expectOutcome(await his.post('/fhir', b([...visit(0, [['GLU', 5.1], ['NO-SUCH-ITEM', 1]]), ...visit(1, [['GLU', 6.2]])])), 400, 'name_required');
    expect(unknownItem.diagnostics).toMatch(/^Bundle\.entry\[3\]: /);
    expect(await tableHashes(t.db, [...RECORD, 'audit_log'])).toEqual(before);
    // Record access is decided as one by one: another institution's patient, without a care relationship, is refused.
    const refused = expectOutcome(await his.post('/fhir', b([...visit(0, [['GLU', 5.1]]), { resource: { resourceType: 'Observation', status: 'final',
      subject: { reference: `Patient/${stranger.id}` }, category: [{ coding: [{ code: 'laboratory' }] }], code: { coding: [{ code: 'GLU' }] }, valueQuantity: { value: 5 },
      effectiveDateTime: '2026-04-01T08:00:00Z' }, request: { method: 'POST', url: 'Observation' } }])), 403, 'record_access_denied');
    expect(refused.diagnostics).toMatch(/^Bundle\.entry\[3\]: /);
    expect(await tableHashes(t.db, [...RECORD, 'audit_log'])).toEqual(before);

    // Two entries with one identifier: the second finds what the first wrote (a new version), as one by one.
    const entries = [...visit(0, [['GLU', 5.1], ['TC', 4.2]]), ...visit(1, [['GLU', 6.2], ['GLU', 6.3]])];
    (entries[7] as any).resource.identifier[0].value = 'L1-0';
    (entries[7] as any).request.url = `Observation?identifier=${HIS2}|L1-0`;
    const res = await his.post('/fhir', b(entries));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.entry.map((e: any) => e.response.status)).toEqual([...Array(7).fill('201 Created'), '200 OK']);
    expect(res.body.entry[7].response.location).toBe(res.body.entry[6].response.location);
    expect(res.body.entry[7].response.etag).toBe('W/"2"');
    for (const e of res.body.entry.slice(0, 7)) {
      expect(e.response.location).toMatch(/^(Patient|Encounter|Observation)\/[0-9a-f-]{36}$/);
      expect(e.resource).toBeUndefined();
      if (!e.response.location.startsWith('Patient')) expect(e.response.etag).toBe('W/"1"');
      expect(Date.parse(e.response.lastModified)).not.toBeNaN();
    }
    const id = (i: number) => res.body.entry[i].response.location.split('/')[1];
    const stored = await t.db.selectFrom('observation').select(['entry_id', 'patient_id', 'encounter_id', 'name', 'value_num', 'version', 'institution_id'])
      .where('entry_id', 'in', [id(2), id(3), id(6)]).where('superseded_at', 'is', null).orderBy('value_num').execute();
    expect(stored.map((o) => [o.entry_id, o.patient_id, o.encounter_id, o.version, o.institution_id])).toEqual([
      [id(3), id(0), id(1), 1, w.upper.id], [id(2), id(0), id(1), 1, w.upper.id], [id(6), id(4), id(5), 2, w.upper.id]]);
    expect(stored[0]!.name).toBeTruthy();
    // The stored entries read back as the response said.
    const read = await his.get(`/fhir/Observation/${id(2)}`);
    expect(read.body.meta).toEqual({ versionId: '1', lastUpdated: res.body.entry[2].response.lastModified });
    // Audit: per patient one entry naming the observations written together.
    const created = await t.db.selectFrom('audit_log').select(['patient_id', 'object_id', 'detail']).where('action', '=', 'record.observation.create')
      .where('patient_id', 'in', [id(0), id(4)]).orderBy('seq').execute();
    expect(created.map((a) => [a.patient_id, a.object_id, (a.detail as any).ids ?? null])).toEqual([[id(0), null, [id(2), id(3)]], [id(4), id(6), null]]);
    // Re-posting changes nothing (the first patient's entries: the second's state two values for one identifier).
    const hashes = await tableHashes(t.db, RECORD);
    const again = await his.post('/fhir', b(entries.slice(0, 4)));
    expect(again.body.entry.map((e: any) => e.response.status)).toEqual(Array(4).fill('200 OK'));
    expect(again.body.entry.map((e: any) => e.response.location)).toEqual(res.body.entry.slice(0, 4).map((e: any) => e.response.location));
    expect(await tableHashes(t.db, RECORD)).toEqual(hashes);
    // With return=representation each entry carries the stored resource.
    const full = await his.post('/fhir', b(visit(0, [['HDL-C', 1.2]]).map((e: any, i) => (i === 2 ? { ...e, resource: { ...e.resource, identifier: [{ system: HIS2, value: 'L0-9' }] }, request: { method: 'POST', url: 'Observation' } } : e))),
      { prefer: 'return=representation' });
    expect(full.body.entry[2].response.status).toBe('201 Created');
    expect(full.body.entry[2].resource).toMatchObject({ resourceType: 'Observation', meta: { versionId: '1' }, subject: { reference: `Patient/${id(0)}` }, encounter: { reference: `Encounter/${id(1)}` } });
  });

  it('refuses bundles that are not transactions, unsupported entries and more than 10,000 entries (413)', async () => {
    expectOutcome(await his.post('/fhir', { resourceType: 'Bundle', type: 'batch', entry: [] }), 422, 'unsupported_bundle_type');
    expectOutcome(await his.post('/fhir', { resourceType: 'Patient' }), 400, 'not_a_bundle');
    expectOutcome(await his.post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'Patient/x' } }] }), 422, 'unsupported_method');
    expectOutcome(await his.post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Slot' }, request: { method: 'POST', url: 'Slot' } }] }), 422, 'unsupported_type');
    const many = { resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 10_001 }, () => ({ request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation' } })) };
    expectOutcome(await his.post('/fhir', many), 413, 'too_many_entries');
    // Nobody without record.write imports: the regulator may not, and nothing is written.
    const p = await makePatient(t.db);
    const regulator = fhirClient(await t.login('regulator'));
    expectOutcome(await regulator.post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${p.id}` }, category: [{ coding: [{ code: 'laboratory' }] }], code: { coding: [{ code: 'GLU' }] }, valueQuantity: { value: 5 }, effectiveDateTime: '2026-03-01T08:00:00Z' }, request: { method: 'POST', url: 'Observation' } }] }), 403, 'forbidden');
  });
});
