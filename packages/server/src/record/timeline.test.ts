import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePatient, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { loadTestCodes, makeEncounter } from './fixtures.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client, lower: Client;
let pid: string;
type Item = { kind: string; id: string; at: string; institutionName: string; title: string; summary: string | null; flag: string | null; [k: string]: unknown };

const created = async (c: Client, path: string, body: object) => {
  const r = await c.post(`/api/v1/patients/${pid}/${path}`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string };
};

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  await loadTestCodes(t.db);
  pid = (await makePatient(t.db, { name: '蒋时间线' })).id;
  [doctor, lower] = await Promise.all([t.login('doctor'), t.login('doctor_lower')]);
  // The upper hospital: a visit with a diagnosis and a blood count; three fasting glucose readings over time.
  await created(doctor, 'encounters', { class: 'outpatient', startedAt: '2025-01-10T09:00:00+08:00', reason: '乏力' });
  await created(doctor, 'conditions', { code: 'E11.900', codeSystem: 'icd10-test', recordedAt: '2025-01-10T10:00:00+08:00' });
  const report = await created(doctor, 'reports', { category: 'lab', name: '血常规', issuedAt: '2025-01-10T11:00:00+08:00', conclusion: '轻度贫血' });
  await created(doctor, 'observations', { category: 'laboratory', code: 'T-HGB', valueNum: 92, effectiveAt: '2025-01-10T10:30:00+08:00', reportId: report.id });
  await created(doctor, 'observations', { category: 'laboratory', code: 'T-WBC', valueNum: 6, effectiveAt: '2025-01-10T10:30:00+08:00', reportId: report.id });
  for (const [at, v] of [['2024-11-01T08:00:00+08:00', 7.2], ['2024-12-01T08:00:00+08:00', 6.0], ['2025-01-20T08:00:00+08:00', 5.5]] as const)
    await created(doctor, 'observations', { category: 'laboratory', code: 'T-GLU', valueNum: v, effectiveAt: at });
  const withdrawn = await created(doctor, 'allergies', { substance: '磺胺', recordedAt: '2025-01-10T09:10:00+08:00' });
  await doctor.post(`/api/v1/record/allergies/${withdrawn.id}/versions`, { substance: '磺胺', verificationStatus: 'entered-in-error', version: 1 });
  // The township hospital: a visit, a prescription, and a blood pressure (two values taken together).
  await makeEncounter(t.db, pid, w.lower.id, new Date('2025-02-05T08:30:00+08:00'));
  await created(lower, 'medications', { drug: '二甲双胍片 0.5g', dose: '0.5 g', route: '口服', frequency: 'tid', authoredAt: '2025-02-05T09:30:00+08:00' });
  await created(lower, 'observations', { category: 'vital-signs', code: '8480-6', name: '收缩压', valueNum: 150, unit: 'mmHg', refHigh: 140, effectiveAt: '2025-02-05T09:00:00+08:00' });
  await created(lower, 'observations', { category: 'vital-signs', code: '8462-4', name: '舒张压', valueNum: 95, unit: 'mmHg', refHigh: 90, effectiveAt: '2025-02-05T09:00:00+08:00' });
});
afterAll(() => t.close());

describe('timeline', () => {
  it('merges every kind across institutions newest first, a report with its results, grouped vital signs, no withdrawn entries', async () => {
    const r = await doctor.get(`/api/v1/patients/${pid}/timeline`);
    expect(r.status).toBe(200);
    const items = r.body.items as Item[];
    expect(r.body.total).toBe(9);
    expect(items.map((i) => i.kind)).toEqual(['medication', 'observation', 'encounter', 'observation', 'report', 'condition', 'encounter', 'observation', 'observation']);
    expect(items.map((i) => Date.parse(i.at))).toEqual([...items.map((i) => Date.parse(i.at))].sort((a, b) => b - a));
    const bp = items[1]!;
    expect(bp).toMatchObject({ title: '生命体征', flag: 'A', count: 2, institutionName: w.lower.name, category: 'vital-signs' });
    expect(bp.summary).toContain('收缩压 150 mmHg↑');
    expect(bp.ids).toHaveLength(2);
    const report = items.find((i) => i.kind === 'report')!;
    expect(report).toMatchObject({ title: '血常规', flag: 'A', observationCount: 2, abnormalCount: 1, institutionName: w.upper.name });
    expect(report.summary).toContain('轻度贫血');
    expect(report.summary).toContain('血红蛋白 92 g/L↓');
    expect(items.find((i) => i.kind === 'condition')).toMatchObject({ title: '2型糖尿病', summary: 'E11.900' });
    expect(items.some((i) => i.kind === 'allergy')).toBe(false);
    expect(items.filter((i) => i.title === '血红蛋白')).toHaveLength(0);
  });

  it('filters by institution, kind and date, and pages without gaps or repeats', async () => {
    const get = async (q: string) => (await doctor.get(`/api/v1/patients/${pid}/timeline?${q}`)).body as { total: number; items: Item[] };
    expect((await get(`institutionId=${w.lower.id}`)).items.map((i) => i.kind)).toEqual(['medication', 'observation', 'encounter']);
    const labs = await get('kind=report,observation');
    expect(labs.total).toBe(5);
    expect(new Set(labs.items.map((i) => i.kind))).toEqual(new Set(['report', 'observation']));
    expect((await get('kind=condition')).items).toHaveLength(1);
    expect((await get('from=2025-02-01')).total).toBe(3);
    expect((await get('to=2024-12-31')).items.map((i) => i.title)).toEqual(['空腹血糖', '空腹血糖']);
    expect((await get('from=2025-01-10&to=2025-01-10')).total).toBe(3);
    expect((await doctor.get(`/api/v1/patients/${pid}/timeline?kind=pills`)).status).toBe(400);
    const all = (await get('limit=100')).items.map((i) => `${i.kind}:${i.id}`);
    const paged: string[] = [];
    for (let offset = 0; offset < 12; offset += 4) {
      const page = await get(`limit=4&offset=${offset}`);
      expect(page.total).toBe(9);
      paged.push(...page.items.map((i) => `${i.kind}:${i.id}`));
    }
    expect(paged).toEqual(all);
  });

  it('shows one lab item over time with its reference range (trend)', async () => {
    const r = await doctor.get(`/api/v1/patients/${pid}/observations/trend?code=T-GLU`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ code: 'T-GLU', name: '空腹血糖', unit: 'mmol/L', refLow: 3.9, refHigh: 6.1 });
    expect(r.body.points.map((p: { value: number; flag: string }) => [p.value, p.flag])).toEqual([[7.2, 'H'], [6, 'N'], [5.5, 'N']]);
    expect(r.body.points[0].institutionName).toBe(w.upper.name);
    expect((await doctor.get(`/api/v1/patients/${pid}/observations/trend?code=T-GLU&from=2024-12-01`)).body.points).toHaveLength(2);
    expect((await doctor.get(`/api/v1/patients/${pid}/observations/trend?code=NONE`)).body.points).toEqual([]);
    const audit = await t.db.selectFrom('audit_log').select('detail').where('user_id', '=', w.users.doctor.id).where('action', '=', 'record.read').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.detail)).toContain('trend');
  });

  it('stays quick on a large record: the page costs what it shows', async () => {
    const big = (await makePatient(t.db, { name: '韩大档案' })).id;
    await t.db.insertInto('care_relation').values({ patient_id: big, institution_id: w.upper.id, kind: 'treatment' }).execute();
    await sql`INSERT INTO observation (id, entry_id, patient_id, institution_id, category, code, name, value_num, unit, effective_at, recorded_by)
      SELECT u, u, ${big}, ${w.upper.id}, 'laboratory', 'T-GLU', '空腹血糖', 5 + (g % 30) / 10.0, 'mmol/L', now() - g * interval '1 hour', NULL
      FROM (SELECT gen_random_uuid() AS u, g FROM generate_series(1, 20000) g) s`.execute(t.db);
    await sql`INSERT INTO diagnostic_report (id, entry_id, patient_id, institution_id, category, name, issued_at)
      SELECT u, u, ${big}, ${w.upper.id}, 'lab', '生化', now() - g * interval '1 day' FROM (SELECT gen_random_uuid() AS u, g FROM generate_series(1, 2000) g) s`.execute(t.db);
    await sql`ANALYZE observation`.execute(t.db);
    const started = performance.now();
    const r = await doctor.get(`/api/v1/patients/${big}/timeline?limit=50`);
    const ms = performance.now() - started;
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(22000);
    expect(r.body.items).toHaveLength(50);
    expect(ms).toBeLessThan(3000);
    // The access check of another institution (no care relationship) does not walk the whole record either.
    const t0 = performance.now();
    expect((await lower.get(`/api/v1/patients/${big}/timeline`)).status).toBe(403);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('merged records', () => {
  it('the survivor’s timeline, lists and trends include the entries of a record merged into it', async () => {
    const survivor = await makePatient(t.db, { name: '合并存留' });
    const dup = await makePatient(t.db, { name: '合并重复', residentId: null });
    await makeEncounter(t.db, survivor.id, w.upper.id, new Date('2025-03-01T08:00:00+08:00'));
    await makeEncounter(t.db, dup.id, w.upper.id, new Date('2025-03-02T08:00:00+08:00'));
    const glu = await doctor.post(`/api/v1/patients/${dup.id}/observations`, { category: 'laboratory', code: 'T-GLU', valueNum: 8.1, effectiveAt: '2025-03-02T09:00:00+08:00' });
    expect(glu.status).toBe(201);
    const admin = await t.login('consortium_admin');
    const merged = await admin.post('/api/v1/patients/merges', { survivorId: survivor.id, mergedId: dup.id, reason: '同一人' });
    expect(merged.status, JSON.stringify(merged.body)).toBeLessThan(300);
    const items = (await doctor.get(`/api/v1/patients/${survivor.id}/timeline`)).body.items as Item[];
    expect(items.filter((i) => i.kind === 'encounter')).toHaveLength(2);
    expect(items.some((i) => i.id === glu.body.id)).toBe(true);
    expect((await doctor.get(`/api/v1/patients/${survivor.id}/observations`)).body.items.map((o: { id: string }) => o.id)).toContain(glu.body.id);
    expect((await doctor.get(`/api/v1/patients/${survivor.id}/observations/trend?code=T-GLU`)).body.points).toHaveLength(1);
  });
});
