import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../http/context.js';
import { makePatient, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { correctEntry, createEntry, findCurrentByIdentifier, flagFor } from './entries.js';
import { loadTestCodes } from './fixtures.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, lower: Client, patient: Client;
let pid: string;
const topics: { topic: string; event: { type: string; kind?: string } }[] = [];

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  await loadTestCodes(t.db);
  pid = w.patient.id;
  [doctor, lower, patient] = await Promise.all([t.login('doctor'), t.login('doctor_lower'), t.login('patient')]);
  await t.app.dbHandle.listen('yl_topics', (p) => topics.push(JSON.parse(p)));
});
afterAll(() => t.close());

const doctorCaller = (): Caller => ({
  userId: w.users.doctor.id, username: 'doctor', displayName: 'doctor', practitionerId: w.doctorP.id, patientId: null,
  role: { id: 'r', role: 'doctor', institutionId: w.upper.id, institutionName: w.upper.name }, roles: [], sessionId: 's', ip: '127.0.0.1',
});
const waitFor = async (f: () => boolean) => { for (let i = 0; i < 50 && !f(); i++) await new Promise((r) => setTimeout(r, 20)); };

describe('record entries', () => {
  it('records an entry of every kind at the caller’s institution as version 1, audited and announced live', async () => {
    const enc = await doctor.post(`/api/v1/patients/${pid}/encounters`, {
      class: 'outpatient', startedAt: '2025-03-01T09:00:00+08:00', reason: '头晕一周', departmentId: w.dept.id, practitionerId: w.doctorP.id, identifier: 'MZ001',
    });
    expect(enc.status).toBe(201);
    expect(enc.body).toMatchObject({
      entryKind: 'encounter', version: 1, current: true, supersededAt: null, institutionId: w.upper.id, institutionName: w.upper.name,
      class: 'outpatient', status: 'finished', departmentName: '心内科', practitionerName: '张明', identifier: 'MZ001', recordedByName: 'doctor',
    });
    expect(enc.body.versionId).toBe(enc.body.id);
    const e = enc.body.id;
    const cond = await doctor.post(`/api/v1/patients/${pid}/conditions`, { code: 'I10.x00', codeSystem: 'icd10-test', encounterId: e, isPrimary: true, onsetDate: '2020-06-01' });
    expect(cond.status).toBe(201);
    expect(cond.body).toMatchObject({ code: 'I10.x00', codeSystem: 'icd10-test', display: '高血压', isPrimary: true, onsetDate: '2020-06-01', encounterId: e });
    expect((await doctor.post(`/api/v1/patients/${pid}/allergies`, { substance: '青霉素', reaction: '皮疹', severity: 'moderate', criticality: 'high' })).body)
      .toMatchObject({ substance: '青霉素', category: 'medication', criticality: 'high' });
    expect((await doctor.post(`/api/v1/patients/${pid}/medications`, { drug: '苯磺酸氨氯地平片 5mg', dose: '5 mg', route: '口服', frequency: 'qd', days: 28, authoredAt: '2025-03-01T09:30:00+08:00', encounterId: e })).body)
      .toMatchObject({ drug: '苯磺酸氨氯地平片 5mg', days: 28, status: 'active' });
    const rep = await doctor.post(`/api/v1/patients/${pid}/reports`, { category: 'lab', name: '血常规', issuedAt: '2025-03-01T11:00:00+08:00', encounterId: e });
    expect(rep.status).toBe(201);
    // Name, unit and reference range come from the lab catalogue; the flag from the range.
    const obs = await doctor.post(`/api/v1/patients/${pid}/observations`, { category: 'laboratory', code: 'T-HGB', valueNum: 92, effectiveAt: '2025-03-01T10:00:00+08:00', reportId: rep.body.id });
    expect(obs.status).toBe(201);
    expect(obs.body).toMatchObject({ name: '血红蛋白', unit: 'g/L', refLow: 130, refHigh: 175, flag: 'L', valueNum: 92, reportId: rep.body.id });
    const given = await doctor.post(`/api/v1/patients/${pid}/observations`, { category: 'laboratory', code: 'T-WBC', valueNum: 20, flag: 'HH', effectiveAt: '2025-03-01T10:00:00+08:00', reportId: rep.body.id });
    expect(given.body.flag).toBe('HH');
    const doc = await doctor.post(`/api/v1/patients/${pid}/documents`, { kind: 'outpatient_record', title: '门诊病历', text: '头晕一周，血压 168/96 mmHg', authoredAt: '2025-03-01T09:40:00+08:00' });
    expect(doc.status).toBe(201);
    expect(doc.body).toMatchObject({ entryKind: 'document', kind: 'outpatient_record', title: '门诊病历', attachments: [] });
    const actions = (await t.db.selectFrom('audit_log').select(['action', 'patient_id']).where('action', 'like', 'record.%.create').execute());
    expect(actions.map((a) => a.action).sort()).toEqual(['record.allergy.create', 'record.condition.create', 'record.document.create', 'record.encounter.create',
      'record.medication.create', 'record.observation.create', 'record.observation.create', 'record.report.create']);
    expect(actions.every((a) => a.patient_id === pid)).toBe(true);
    await waitFor(() => topics.length >= 8);
    expect(topics.filter((x) => x.topic === `patient:${pid}` && x.event.type === 'record.changed').length).toBeGreaterThanOrEqual(8);
    // Lists: current versions of one kind, newest first; filters by category and code.
    const list = await doctor.get(`/api/v1/patients/${pid}/observations?code=T-HGB`);
    expect(list.body).toMatchObject({ total: 1, items: [{ name: '血红蛋白' }] });
    expect((await doctor.get(`/api/v1/patients/${pid}/encounters?category=inpatient`)).body.total).toBe(0);
    expect((await doctor.get(`/api/v1/patients/${pid}/medications?category=x`)).body.error.code).toBe('filter_not_supported');
  });

  it('refuses unknown diagnosis codes, references to another patient’s entries, missing values and merged patients', async () => {
    const unknown = await doctor.post(`/api/v1/patients/${pid}/conditions`, { code: 'Z99.999' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_code', field: 'code' });
    expect((await doctor.post(`/api/v1/patients/${pid}/conditions`, { code: 'I10.x00', codeSystem: 'icd10-other' })).body.error.code).toBe('unknown_code');
    const other = await makePatient(t.db, { name: '何他人' });
    await t.db.insertInto('care_relation').values({ patient_id: other.id, institution_id: w.upper.id, kind: 'treatment' }).execute();
    const otherReport = await doctor.post(`/api/v1/patients/${other.id}/reports`, { category: 'lab', name: '生化', issuedAt: '2025-03-02T08:00:00+08:00' });
    const cross = await doctor.post(`/api/v1/patients/${pid}/observations`, { category: 'laboratory', code: 'T-GLU', valueNum: 5, effectiveAt: '2025-03-02T08:00:00+08:00', reportId: otherReport.body.id });
    expect(cross.status).toBe(400);
    expect(cross.body.error).toMatchObject({ code: 'unknown_reference', field: 'reportId' });
    const noValue = await doctor.post(`/api/v1/patients/${pid}/observations`, { category: 'laboratory', code: 'T-GLU', effectiveAt: '2025-03-02T08:00:00+08:00' });
    expect(noValue.body.error.code).toBe('value_required');
    const backwards = await doctor.post(`/api/v1/patients/${pid}/encounters`, { class: 'inpatient', startedAt: '2025-03-05T08:00:00+08:00', endedAt: '2025-03-01T08:00:00+08:00' });
    expect(backwards.body.error.field).toBe('endedAt');
    const merged = await makePatient(t.db, { name: '何合并' });
    await t.db.updateTable('patient').set({ status: 'merged', merged_into: pid }).where('id', '=', merged.id).execute();
    expect((await doctor.post(`/api/v1/patients/${merged.id}/allergies`, { substance: '花粉' })).body.error.code).toBe('patient_merged');
    expect((await doctor.post(`/api/v1/patients/00000000-0000-4000-8000-000000000000/allergies`, { substance: '花粉' })).status).toBe(404);
  });

  it('lets the patient record home monitoring (no institution) and nothing else; staff write at their own institution only', async () => {
    const bp = await patient.post(`/api/v1/patients/${pid}/observations`, { category: 'home-monitoring', code: '8480-6', name: '收缩压', valueNum: 152, unit: 'mmHg', refHigh: 140, effectiveAt: '2025-03-03T07:00:00+08:00', device: '家用血压计' });
    expect(bp.status).toBe(201);
    expect(bp.body).toMatchObject({ institutionId: null, flag: 'H', device: '家用血压计' });
    expect((await patient.post(`/api/v1/patients/${pid}/observations`, { category: 'laboratory', code: 'T-GLU', valueNum: 5, effectiveAt: '2025-03-03T07:00:00+08:00' })).status).toBe(403);
    expect((await patient.post(`/api/v1/patients/${pid}/allergies`, { substance: '花粉' })).status).toBe(403);
    const stranger = await makePatient(t.db, { name: '吕别人' });
    expect((await patient.post(`/api/v1/patients/${stranger.id}/observations`, { category: 'home-monitoring', code: '8480-6', name: '收缩压', valueNum: 120, effectiveAt: '2025-03-03T07:00:00+08:00' })).status).toBe(403);
    // The patient corrects their own reading; staff may not.
    const fix = await patient.post(`/api/v1/record/observations/${bp.body.id}/versions`, { category: 'home-monitoring', code: '8480-6', name: '收缩压', valueNum: 132, unit: 'mmHg', refHigh: 140, effectiveAt: '2025-03-03T07:00:00+08:00', version: 1 });
    expect(fix.status).toBe(201);
    expect(fix.body).toMatchObject({ version: 2, flag: 'N', institutionId: null });
    expect((await doctor.post(`/api/v1/record/observations/${bp.body.id}/versions`, { category: 'home-monitoring', code: '8480-6', name: '收缩压', valueNum: 1, effectiveAt: '2025-03-03T07:00:00+08:00', version: 2 })).status).toBe(403);
    expect((await (await t.login('regulator')).post(`/api/v1/patients/${pid}/allergies`, { substance: '花粉' })).status).toBe(403);
  });

  it('corrects by new versions: old versions stay visible as superseded, stale versions are refused, withdrawal is a version', async () => {
    const c = await doctor.post(`/api/v1/patients/${pid}/conditions`, { code: 'E11.900', note: '初诊' });
    const id = c.body.id;
    const v2 = await doctor.post(`/api/v1/record/conditions/${id}/versions`, { code: 'E11.900', note: '复核后确诊', clinicalStatus: 'active', version: 1 });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ id, version: 2, current: true, note: '复核后确诊' });
    // The recorded date is clinical: a correction keeps it.
    expect(v2.body.recordedAt).toBe(c.body.recordedAt);
    const stale = await doctor.post(`/api/v1/record/conditions/${id}/versions`, { code: 'E11.900', note: '另一人同时修改', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'version_conflict', field: 'version', details: { currentVersion: 2 } });
    const history = await doctor.get(`/api/v1/record/conditions/${id}/history`);
    expect(history.body.items.map((v: { version: number; current: boolean }) => [v.version, v.current])).toEqual([[1, false], [2, true]]);
    expect(history.body.items[0]).toMatchObject({ note: '初诊', supersededBy: v2.body.versionId });
    expect(history.body.items[0].supersededAt).toBeTruthy();
    expect((await doctor.get(`/api/v1/record/conditions/${id}`)).body).toMatchObject({ version: 2 });
    expect((await doctor.get(`/api/v1/record/conditions/${id}?version=1`)).body).toMatchObject({ version: 1, current: false, note: '初诊' });
    // Another institution may read (with access) but not correct it.
    expect((await lower.post(`/api/v1/record/conditions/${id}/versions`, { code: 'E11.900', version: 2 })).status).toBe(403);
    // Withdrawn: entered-in-error leaves the lists unless asked for.
    const withdrawn = await doctor.post(`/api/v1/record/conditions/${id}/versions`, { code: 'E11.900', verificationStatus: 'entered-in-error', version: 2 });
    expect(withdrawn.body.version).toBe(3);
    const list = await doctor.get(`/api/v1/patients/${pid}/conditions`);
    expect(list.body.items.some((i: { id: string }) => i.id === id)).toBe(false);
    expect((await doctor.get(`/api/v1/patients/${pid}/conditions?includeWithdrawn=true`)).body.items.some((i: { id: string }) => i.id === id)).toBe(true);
    const all = await doctor.get(`/api/v1/patients/${pid}/conditions?includeWithdrawn=true&includeSuperseded=true`);
    expect(all.body.items.filter((i: { id: string }) => i.id === id)).toHaveLength(3);
    const audit = await t.db.selectFrom('audit_log').select(['action', 'detail']).where('object_id', '=', id).where('action', '=', 'record.condition.correct').execute();
    expect(audit).toHaveLength(2);
    expect((await doctor.post(`/api/v1/record/conditions/00000000-0000-4000-8000-000000000000/versions`, { code: 'E11.900', version: 1 })).status).toBe(404);
  });

  it('has the database refuse to change or delete a version', async () => {
    const e = (await doctor.post(`/api/v1/patients/${pid}/encounters`, { class: 'emergency', startedAt: '2025-03-04T22:00:00+08:00' })).body.id;
    await expect(sql`UPDATE encounter SET reason = '改写' WHERE entry_id = ${e}`.execute(t.db)).rejects.toThrow(/never changed/);
    await expect(sql`DELETE FROM encounter WHERE entry_id = ${e}`.execute(t.db)).rejects.toThrow(/never deleted/);
    await doctor.post(`/api/v1/record/encounters/${e}/versions`, { class: 'emergency', startedAt: '2025-03-04T22:00:00+08:00', reason: '胸痛', version: 1 });
    await expect(sql`UPDATE encounter SET superseded_at = now() WHERE entry_id = ${e} AND version = 1`.execute(t.db)).rejects.toThrow(/final/);
    expect((await t.db.selectFrom('encounter').select('version').where('entry_id', '=', e).execute()).length).toBe(2);
  });

  it('serves imports: several entries in one transaction, found again by the source’s identifier, duplicates refused', async () => {
    const caller = doctorCaller();
    const { enc, cond } = await t.db.transaction().execute(async (tx) => {
      const enc = await createEntry(tx, caller, 'encounter', pid, { class: 'inpatient', startedAt: new Date('2025-02-01T08:00:00+08:00'), identifier: 'ZY2025-7' });
      const cond = await createEntry(tx, caller, 'condition', pid, { code: 'J18.900', encounterId: enc.id, identifier: 'ZY2025-7-D1' });
      return { enc, cond };
    });
    expect(cond.encounterId).toBe(enc.id);
    expect((await findCurrentByIdentifier(t.db, 'encounter', w.upper.id, 'ZY2025-7'))?.id).toBe(enc.id);
    expect(await findCurrentByIdentifier(t.db, 'encounter', w.lower.id, 'ZY2025-7')).toBeNull();
    await t.db.transaction().execute((tx) => correctEntry(tx, caller, 'condition', cond.id, { code: 'J18.900', clinicalStatus: 'resolved', identifier: 'ZY2025-7-D1', version: 1 }));
    expect(await findCurrentByIdentifier(t.db, 'condition', w.upper.id, 'ZY2025-7-D1')).toMatchObject({ id: cond.id, version: 2, clinicalStatus: 'resolved' });
    const dup = await doctor.post(`/api/v1/patients/${pid}/encounters`, { class: 'inpatient', startedAt: '2025-02-01T08:00:00+08:00', identifier: 'ZY2025-7' });
    expect(dup.status).toBe(409);
    // A failed bundle leaves nothing behind.
    const before = await t.db.selectFrom('encounter').select('id').execute();
    await expect(t.db.transaction().execute(async (tx) => {
      await createEntry(tx, caller, 'encounter', pid, { class: 'outpatient', startedAt: '2025-02-03T08:00:00+08:00' });
      await createEntry(tx, caller, 'condition', pid, { code: 'NOPE' });
    })).rejects.toMatchObject({ code: 'unknown_code' });
    expect(await t.db.selectFrom('encounter').select('id').execute()).toHaveLength(before.length);
    await expect(t.db.transaction().execute((tx) => createEntry(tx, caller, 'allergy', pid, { substance: '' }))).rejects.toMatchObject({ code: 'validation', field: 'substance' });
  });

  it('computes flags from the reference range', () => {
    expect(flagFor(5, 3.9, 6.1)).toBe('N');
    expect(flagFor(7.2, 3.9, 6.1)).toBe('H');
    expect(flagFor(3, 3.9, null)).toBe('L');
    expect(flagFor(3, null, null)).toBeNull();
    expect(flagFor(null, 1, 2)).toBeNull();
  });
});
