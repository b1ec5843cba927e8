/**
 * The referral report: counts by direction, acceptance and completion times, outcomes and overdue steps per sending
 * institution, department and month; institution offices limited to their own referrals; the Excel export.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDepartment, makeInstitution, makeUser, makeWorld } from '../test/factories.js';
import { createTestApp, dbKind, type TestApp } from '../test/harness.js';
import { insertReferral } from './report-fixtures.testutil.js';
import { XLSX_TYPE } from './report-routes.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
const HOUR = 3_600_000, DAY = 24 * HOUR;
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY);

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db);
  const other = await makeInstitution(t.db, { code: 'OTHER', name: '新市镇中心卫生院', level: '1', grade: null, type: 'township_hospital' });
  const otherDoctor = await makeUser(t.db, 'doctor_other', [{ role: 'doctor', institutionId: other.id }]);
  const gp = await makeDepartment(t.db, w.lower.id, '全科', 'general_practice');
  const base = { patientId: w.patient.id, createdBy: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, toInstitutionId: w.upper.id };
  const toClose: [any, number][] = [['submit', 0], ['sender_approve', 2], ['receiver_approve', 4], ['accept', 10], ['arrive', 30], ['close', 58]];
  // From the township, up: closed (accepted after 10 h, closed 48 h later), accepted after 14 h, accepted after 36 h
  // with the sending office 30 h late (limit 24), one still waiting at the receiving office for 30 h, one cancelled.
  await insertReferral(t.db, { ...base, fromDepartmentId: gp.id, at: ago(5), steps: toClose });
  await insertReferral(t.db, { ...base, fromDepartmentId: gp.id, at: ago(4), steps: [['submit', 0], ['sender_approve', 1], ['receiver_approve', 2], ['accept', 14]] });
  await insertReferral(t.db, { ...base, at: ago(45), steps: [['submit', 0], ['sender_approve', 30], ['receiver_approve', 32], ['accept', 36], ['arrive', 40]] });
  await insertReferral(t.db, { ...base, at: new Date(now - 32 * HOUR), steps: [['submit', 0], ['sender_approve', 2]] });
  await insertReferral(t.db, { ...base, at: ago(3), steps: [['submit', 0], ['cancel', 1]] });
  // A draft never counts; nor does a referral older than the period.
  await insertReferral(t.db, { ...base, at: ago(1) });
  await insertReferral(t.db, { ...base, at: ago(400), steps: toClose });
  // From the city hospital, down to the township: one refused.
  await insertReferral(t.db, { ...base, direction: 'down', createdBy: w.users.doctor.id, fromInstitutionId: w.upper.id, toInstitutionId: w.lower.id,
    at: ago(2), steps: [['submit', 0], ['sender_approve', 1], ['refuse', 3]] });
  // Another township sends to the city hospital: not the lower township's business.
  await insertReferral(t.db, { ...base, createdBy: otherDoctor.id, fromInstitutionId: other.id, at: ago(6), steps: toClose });
});
afterAll(() => t.close());

describe(`referral report on ${dbKind}`, () => {
  it('counts per sending institution: up and down, down share, acceptance and completion hours, outcomes and overdue steps', async () => {
    const admin = await t.login('consortium_admin');
    const res = await admin.get('/api/v1/referrals/report?groupBy=institution');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byLabel = Object.fromEntries(res.body.groups.map((g: any) => [g.label, g]));
    expect(Object.keys(byLabel)).toEqual(['市人民医院', '城关镇卫生院', '新市镇中心卫生院']);
    expect(byLabel['城关镇卫生院']).toMatchObject({
      key: w.lower.id, up: 5, down: 0, downShare: 0, accepted: 3,
      submitToAccept: { median: 14, average: 20 }, acceptToClose: { median: 48, average: 48 },
      closed: 1, refused: 0, cancelled: 1, overdueSteps: 2,
    });
    expect(byLabel['市人民医院']).toMatchObject({ up: 0, down: 1, downShare: 1, accepted: 0, refused: 1, submitToAccept: { median: null } });
    expect(res.body.total).toMatchObject({ label: '合计', up: 6, down: 1, accepted: 4, closed: 2, refused: 1, cancelled: 1, overdueSteps: 2 });
    expect(res.body.total.downShare).toBeCloseTo(1 / 7, 3);
  });

  it('groups by sending department and by month of creation', async () => {
    const admin = await t.login('regulator');
    const dept = (await admin.get('/api/v1/referrals/report?groupBy=department')).body;
    expect(dept.groups.find((g: any) => g.label === '城关镇卫生院 全科')).toMatchObject({ up: 2, accepted: 2, closed: 1 });
    expect(dept.groups.find((g: any) => g.label === '城关镇卫生院 （未指定科室）')).toMatchObject({ up: 3, accepted: 1, cancelled: 1 });
    const month = (await admin.get('/api/v1/referrals/report?groupBy=month')).body;
    const chinaMonth = (d: Date) => new Date(d.getTime() + 8 * HOUR).toISOString().slice(0, 7);
    expect(month.groups.map((g: any) => g.key)).toEqual([chinaMonth(ago(45)), ...new Set([ago(6), ago(5), ago(4), ago(3), ago(2), new Date(now - 32 * HOUR)].map(chinaMonth))].filter((m, i, a) => a.indexOf(m) === i));
    expect(month.groups.reduce((s: number, g: any) => s + g.up + g.down, 0)).toBe(7);
    // An explicit period: only what was created in it.
    const from = new Date(now - 50 * DAY + 8 * HOUR).toISOString().slice(0, 10), to = new Date(now - 40 * DAY + 8 * HOUR).toISOString().slice(0, 10);
    const narrow = (await admin.get(`/api/v1/referrals/report?from=${from}&to=${to}`)).body;
    expect(narrow.total).toMatchObject({ up: 1, accepted: 1, overdueSteps: 1 });
  });

  it('limits an institution office to referrals its institution sent or received, and refuses another institution', async () => {
    const office = await t.login('institution_admin_lower');
    const res = await office.get('/api/v1/referrals/report');
    expect(res.status).toBe(200);
    expect(res.body.institutionId).toBe(w.lower.id);
    expect(res.body.groups.map((g: any) => g.label)).toEqual(['市人民医院', '城关镇卫生院']);
    expect(res.body.total).toMatchObject({ up: 5, down: 1 });
    expect((await office.get(`/api/v1/referrals/report?institutionId=${w.upper.id}`)).status).toBe(403);
    expect((await office.get(`/api/v1/referrals/report?institutionId=${w.lower.id}`)).status).toBe(200);
    expect((await (await t.login('doctor')).get('/api/v1/referrals/report')).status).toBe(403);
    expect((await office.get('/api/v1/referrals/report?groupBy=ward')).status).toBe(400);
  });

  it('exports the report as an Excel file with Chinese headers and a total row', async () => {
    const admin = await t.login('consortium_admin');
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/referrals/report?groupBy=institution&format=xlsx', headers: { cookie: admin.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX_TYPE);
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename\*=UTF-8''/);
    expect(decodeURIComponent(String(res.headers['content-disposition']))).toMatch(/转诊统计_按机构_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('按机构')!;
    expect(sheet.getRow(1).values).toEqual(expect.arrayContaining(['转出机构', '上转（例）', '下转（例）', '下转占比', '超时环节（次）']));
    const rows = sheet.getSheetValues().slice(2) as unknown[][];
    expect(rows.map((r) => r[1])).toEqual(['市人民医院', '城关镇卫生院', '新市镇中心卫生院', '合计']);
    expect(rows[1]![2]).toBe(5);
    expect(wb.getWorksheet('说明')).toBeTruthy();
  });
});
