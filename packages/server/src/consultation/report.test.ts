/**
 * The consultation report: counts, outcomes, answers within the time limit, overdue requests, response minutes
 * (mean, p90) and ratings per kind, applicant institution, expert and month; scope by institution; the Excel export.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstitution, makePractitioner, makeUser, makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type TestApp } from '../test/harness.js';
import { XLSX_TYPE } from '../referral/report-routes.js';
import { insertConsultation } from './report-fixtures.testutil.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let expert2: { id: string };
const MIN = 60_000, DAY = 24 * 60 * MIN;
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY);

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  const other = await makeInstitution(t.db, { code: 'OTHER', name: '新市镇中心卫生院', level: '1', grade: null, type: 'township_hospital' });
  const otherDoctor = await makeUser(t.db, 'doctor_other', [{ role: 'doctor', institutionId: other.id }]);
  expert2 = await makePractitioner(t.db, w.upper.id, { name: '李专家', title: 'chief_physician', specialty: 'cardiology' });
  const expert2User = await makeUser(t.db, 'expert2', [{ role: 'doctor', institutionId: w.upper.id }], { practitionerId: expert2.id });
  const zhang = { practitionerId: w.doctorP.id, userId: w.users.doctor.id, institutionId: w.upper.id };
  const li = { practitionerId: expert2.id, userId: expert2User.id, institutionId: w.upper.id };
  const base = { patientId: w.patient.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id, createdBy: w.users.doctor_lower.id };
  // Routine, answered after 600 minutes (limit 2880), rated 5.
  await insertConsultation(t.db, { ...base, status: 'closed', at: ago(5), receivedAfter: 60, answeredAfter: 660, rating: 5, experts: [{ ...zhang, signed: true }] });
  // Urgent, answered after 45 minutes (limit 30): late, rated 3; two experts signed.
  await insertConsultation(t.db, { ...base, kind: 'urgent', status: 'closed', at: ago(4), receivedAfter: 0, answeredAfter: 45, rating: 3, experts: [{ ...zhang, signed: true }, { ...li, signed: true }] });
  // Routine, scheduled, 10 days without an answer: overdue.
  await insertConsultation(t.db, { ...base, status: 'scheduled', at: ago(10), receivedAfter: 0, experts: [li] });
  // MDT cancelled after its due time: not overdue.
  await insertConsultation(t.db, { ...base, kind: 'mdt', status: 'cancelled', at: ago(3), receivedAfter: 0 });
  // Another township's material reading expired unanswered: overdue.
  await insertConsultation(t.db, { ...base, kind: 'material', status: 'expired', fromInstitutionId: other.id, createdBy: otherDoctor.id, at: ago(20), receivedAfter: 0 });
  // Urgent, reached the centre 10 minutes ago: still within its 30 minutes.
  await insertConsultation(t.db, { ...base, kind: 'urgent', status: 'received', at: new Date(now - 10 * MIN), receivedAfter: 0 });
  // A draft never counts; nor does a consultation older than the period.
  await insertConsultation(t.db, { ...base, status: 'draft', at: ago(1) });
  await insertConsultation(t.db, { ...base, status: 'closed', at: ago(400), receivedAfter: 0, answeredAfter: 100, rating: 1 });
});
afterAll(() => t.close());

describe(`consultation report on ${dbKind}`, () => {
  it('counts per kind: outcomes, answers within the limit, overdue requests, response minutes and ratings', async () => {
    const admin = await t.login('consortium_admin');
    const res = await admin.get('/api/v1/consultations/report?groupBy=kind');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.groups.map((g: any) => g.key)).toEqual(['routine', 'urgent', 'mdt', 'material']);
    const [routine, urgent, mdt, material] = res.body.groups;
    expect(routine).toMatchObject({
      label: '普通会诊', count: 2, closed: 1, answered: 1, answeredInLimit: 1, overdue: 1,
      responseMinutes: { mean: 600, p90: 600 }, limitMinutes: 2880, signedOpinions: 1, rating: { mean: 5, count: 1 },
    });
    expect(urgent).toMatchObject({ label: '急会诊', count: 2, closed: 1, answered: 1, answeredInLimit: 0, overdue: 1, responseMinutes: { mean: 45 }, limitMinutes: 30, rating: { mean: 3, count: 1 } });
    expect(mdt).toMatchObject({ count: 1, cancelled: 1, overdue: 0, answered: 0, responseMinutes: { mean: null, p90: null } });
    expect(material).toMatchObject({ count: 1, expired: 1, overdue: 1 });
    expect(res.body.total).toMatchObject({
      key: null, label: '合计', count: 6, closed: 2, cancelled: 1, expired: 1, answered: 2, answeredInLimit: 1, overdue: 3,
      signedOpinions: 2, rating: { mean: 4, count: 2 },
    });
    expect(res.body.total.responseMinutes.mean).toBeCloseTo(322.5, 1);
    expect(res.body.total.responseMinutes.p90).toBeCloseTo(544.5, 1);
  });

  it('groups by applicant institution, by accepted expert (a consultation under each of its experts) and by month', async () => {
    const admin = await t.login('regulator');
    const inst = (await admin.get('/api/v1/consultations/report?groupBy=institution')).body;
    expect(inst.groups.map((g: any) => [g.label, g.count])).toEqual([['城关镇卫生院', 5], ['新市镇中心卫生院', 1]]);
    const experts = (await admin.get('/api/v1/consultations/report?groupBy=expert')).body;
    const byKey = Object.fromEntries(experts.groups.map((g: any) => [g.key, g]));
    expect(byKey[w.doctorP.id]).toMatchObject({ label: '张明（市人民医院）', count: 2, answered: 2, signedOpinions: 2, rating: { mean: 4, count: 2 } });
    expect(byKey[expert2.id]).toMatchObject({ label: '李专家（市人民医院）', count: 2, answered: 1, signedOpinions: 1, overdue: 2 });
    expect(experts.total.count).toBe(6);
    const month = (await admin.get('/api/v1/consultations/report?groupBy=month')).body;
    expect(month.groups.reduce((s: number, g: any) => s + g.count, 0)).toBe(6);
    expect(month.groups.every((g: any) => /^\d{4}-\d{2}$/.test(g.key))).toBe(true);
    // An explicit period: only what was created in it.
    const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const narrow = (await admin.get(`/api/v1/consultations/report?from=${day(ago(25))}&to=${day(ago(8))}`)).body;
    expect(narrow.total).toMatchObject({ count: 2, expired: 1, overdue: 2 });
  });

  it('limits a medical office to consultations its institution sent or handled as the centre, and refuses others', async () => {
    const office = await t.login('institution_admin_lower');
    const res = await office.get('/api/v1/consultations/report');
    expect(res.status).toBe(200);
    expect(res.body.institutionId).toBe(w.lower.id);
    expect(res.body.total.count).toBe(5);
    const centre = await t.login('consult_coordinator');
    expect((await centre.get('/api/v1/consultations/report')).body.total.count).toBe(6);
    expect((await office.get(`/api/v1/consultations/report?institutionId=${w.upper.id}`)).status).toBe(403);
    expect((await (await t.login('doctor')).get('/api/v1/consultations/report')).status).toBe(403);
    const bad = await office.get('/api/v1/consultations/report?groupBy=ward');
    expect(bad.status).toBe(400);
    const backwards = await office.get('/api/v1/consultations/report?from=2026-05-01&to=2026-04-01');
    expect(backwards.status).toBe(400);
    expect(backwards.body.error).toMatchObject({ code: 'invalid_period', field: 'from' });
  });

  it('exports the report as an Excel file with Chinese headers and a total row', async () => {
    const admin = await t.login('consortium_admin');
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/consultations/report?groupBy=kind&format=xlsx', headers: { cookie: admin.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX_TYPE);
    expect(decodeURIComponent(String(res.headers['content-disposition']))).toMatch(/会诊统计_按会诊类型_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('按会诊类型')!;
    expect(sheet.getRow(1).values).toEqual(expect.arrayContaining(['会诊类型', '会诊（例）', '时限内答复（例）', '超时（例）', 'P90 响应（分钟）', '平均评分']));
    const rows = sheet.getSheetValues().slice(2) as unknown[][];
    expect(rows.map((r) => r[1])).toEqual(['普通会诊', '急会诊', '多学科会诊（MDT）', '资料会诊（影像/病理/心电）', '合计']);
    expect(rows[4]![2]).toBe(6);
    expect(wb.getWorksheet('说明')).toBeTruthy();
  });
});
