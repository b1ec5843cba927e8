import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvOf, multipart } from '../directory/testing.js';
import { makeWorld, tableHashes } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';

let t: TestApp;
let office: Client;
beforeAll(async () => {
  t = await createTestApp();
  await makeWorld(t.db);
  office = await t.login('consortium_admin');
});
afterAll(() => t.close());

async function upload(client: Client, url: string, filename: string, data: Buffer | string) {
  const { body, headers } = await multipart(filename, data);
  return client.request('POST', url, body, headers);
}
const snapshot = () => tableHashes(t.db, ['code_system_concept', 'audit_log']);

/** A workbook laid out like the published file: a title row, the header row, then the codes. */
async function clinicalEdition(rows: (string | null)[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('国家临床版2.0');
  sheet.addRow(['疾病分类与代码国家临床版2.0']);
  sheet.mergeCells('A1:D1');
  sheet.addRow(['序号', '主要编码', '附加编码', '疾病名称']);
  rows.forEach((r, i) => sheet.addRow(r.length ? [String(i + 1), ...r] : []));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

const ROWS: (string | null)[][] = [
  ['A00.000', null, '霍乱，由于O1群霍乱弧菌，霍乱生物型所致'],
  ['I10.x00', null, '原发性高血压'],
  ['I10.x00x002', null, '高血压1级'],
  ['A17.000†', 'G01.x00*', '结核性脑膜炎'],
  ['A17.100+G07.x00*', null, '脑膜结核瘤'],
  [],
  ['E11.900', null, '2型糖尿病'],
  ['I10.X0', null, '错误编码'],
  ['E14.900', null, null],
  ['E11.900', null, '2型糖尿病（重复）'],
  ['J44.100', 'G0*', '附加编码错误'],
  [null, null, '没有编码'],
];

describe('import of the official clinical edition', () => {
  it('reads the file by its header row, splits dagger/asterisk pairs, and reports refused rows with their row numbers', async () => {
    const res = await upload(office, '/api/v1/codes/import?version=2.0', '疾病分类与代码国家临床版2.0.xlsx', await clinicalEdition(ROWS));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ system: 'icd10-cn-clinical-2.0', version: '2.0', read: 11, added: 8, updated: 0, unchanged: 0, refusedCount: 5 });
    // Data starts on spreadsheet row 3 (title, header); row 8 is blank.
    expect(res.body.refused.map((r: { row: number; code: string; reason: string }) => `${r.row}:${r.code}:${r.reason}`)).toEqual([
      '10:I10.X0:bad_format', '11:E14.900:missing_name', '12:E11.900:duplicate', '13:J44.100:bad_additional_code', '14::missing_code',
    ]);
    expect(res.body.refused[0].zh).toBe('编码格式不正确');
    const rows = await t.db.selectFrom('code_system_concept').select(['code', 'display', 'initials', 'parent', 'version', 'extra'])
      .where('system', '=', 'icd10-cn-clinical-2.0').orderBy('code').execute();
    expect(rows.map((r) => r.code)).toEqual(['A00.000', 'A17.000', 'A17.100', 'E11.900', 'G01.x00', 'G07.x00', 'I10.x00', 'I10.x00x002']);
    const byCode = Object.fromEntries(rows.map((r) => [r.code, r]));
    expect(byCode['A17.000']).toMatchObject({ display: '结核性脑膜炎', initials: 'jhxnmy', version: '2.0', extra: { asterisk: 'G01.x00' } });
    expect(byCode['A17.100']!.extra).toEqual({ asterisk: 'G07.x00' });
    expect(byCode['G01.x00']).toMatchObject({ display: '结核性脑膜炎', extra: { asteriskCode: true, daggerExample: 'A17.000' } });
    expect(byCode['I10.x00x002']).toMatchObject({ parent: 'I10.x00', initials: 'gxyj' });
    const audited = await t.db.selectFrom('audit_log').select(['action', 'object_id', 'username', 'detail']).where('action', '=', 'code.import').execute();
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ object_id: 'icd10-cn-clinical-2.0', username: 'consortium_admin', detail: { read: 11, added: 8, refusedCount: 5, version: '2.0' } });
  });

  it('makes the clinical edition the default for searches once loaded', async () => {
    const r = await office.get('/api/v1/codes/search?q=gxy');
    expect(r.body.system).toBe('icd10-cn-clinical-2.0');
    expect(r.body.items.map((i: { code: string }) => i.code)).toEqual(['I10.x00x002', 'I10.x00']);
    const common = await office.get('/api/v1/codes/search?q=gxy&system=icd10-yilian-common');
    expect(common.body.items[0].system).toBe('icd10-yilian-common');
    const lookup = await office.get('/api/v1/codes/icd10-cn-clinical-2.0/A17.000');
    expect(lookup.body).toMatchObject({ display: '结核性脑膜炎', extra: { asterisk: 'G01.x00' } });
  });

  it('changes nothing when the same file is loaded again, and updates only the rows that changed', async () => {
    const before = await tableHashes(t.db, ['code_system_concept']);
    const again = await upload(office, '/api/v1/codes/import?version=2.0', 'again.xlsx', await clinicalEdition(ROWS));
    expect(again.body).toMatchObject({ read: 11, added: 0, updated: 0, unchanged: 8, refusedCount: 5 });
    expect(await tableHashes(t.db, ['code_system_concept'])).toEqual(before);
    // An asterisk code given a row of its own takes that row's name; one named only by a pair keeps what it has.
    const csv = csvOf([['疾病编码', '疾病名称'], ['I10.x00', '高血压'], ['G01.x00', '细菌性疾病分类于他处者的脑膜炎'], ['G07.x00*', '别的名字']]);
    const changed = await upload(office, '/api/v1/codes/import?version=2.0', 'changes.csv', `\uFEFF${csv}`);
    expect(changed.body).toMatchObject({ read: 3, added: 0, updated: 3, unchanged: 0, refusedCount: 0 });
    const names = await t.db.selectFrom('code_system_concept').select(['code', 'display']).where('system', '=', 'icd10-cn-clinical-2.0')
      .where('code', 'in', ['I10.x00', 'G01.x00', 'G07.x00']).orderBy('code').execute();
    expect(names.map((n) => n.display)).toEqual(['细菌性疾病分类于他处者的脑膜炎', '别的名字', '高血压']);
  });

  it('imports into another system with its own format check', async () => {
    const csv = csvOf([['编码', '名称'], ['36.0601', '冠状动脉药物洗脱支架置入术'], ['I10.x00', '不是手术编码']]);
    const res = await upload(office, '/api/v1/codes/import?system=icd9cm3-cn-clinical-3.0&version=3.0', 'ops.csv', csv);
    expect(res.body).toMatchObject({ system: 'icd9cm3-cn-clinical-3.0', read: 2, added: 1, refusedCount: 1 });
    expect(res.body.refused[0]).toMatchObject({ row: 3, reason: 'bad_format' });
  });
});

describe('import refusals', () => {
  it('refuses everyone but the consortium office with 403 and changes nothing', async () => {
    const file = await clinicalEdition([['K29.700', null, '胃炎']]);
    for (const role of ['institution_admin', 'doctor', 'patient', 'regulator']) {
      const client = await t.login(role);
      const before = await snapshot();
      const res = await upload(client, '/api/v1/codes/import', 'x.xlsx', file);
      expect(res.status, role).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(await snapshot(), role).toEqual(before);
    }
    expect((await upload(t.anonymous, '/api/v1/codes/import', 'x.xlsx', file)).status).toBe(401);
  });

  it('refuses files that are not .xlsx or .csv with 415, and a file without the header with 400', async () => {
    const before = await snapshot();
    for (const [name, data] of [['codes.txt', 'I10.x00,高血压'], ['old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0])], ['fake.xlsx', 'not a zip'], ['bin.csv', Buffer.from([0x89, 0x50, 0, 0])]] as const) {
      const res = await upload(office, '/api/v1/codes/import', name, data);
      expect(res.status, name).toBe(415);
      expect(res.body.error).toMatchObject({ code: 'unsupported_file_type', field: 'file' });
    }
    expect((await office.post('/api/v1/codes/import', { rows: [] })).status).toBe(415);
    const noHeader = await upload(office, '/api/v1/codes/import', 'x.csv', csvOf([['代号', '说明'], ['I10.x00', '高血压']]));
    expect(noHeader.status).toBe(400);
    expect(noHeader.body.error).toMatchObject({ code: 'missing_columns', field: 'file' });
    const wrongField = await multipart('a.csv', 'x', 'upload');
    expect((await office.request('POST', '/api/v1/codes/import', wrongField.body, wrongField.headers)).body.error.code).toBe('file_required');
    expect(await snapshot()).toEqual(before);
  });

  it("refuses the project's own list and malformed system names as targets", async () => {
    const csv = csvOf([['编码', '名称'], ['I10.x00', '高血压']]);
    const reserved = await upload(office, '/api/v1/codes/import?system=icd10-yilian-common', 'x.csv', csv);
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.code).toBe('reserved_system');
    expect((await upload(office, '/api/v1/codes/import?system=Bad%20System', 'x.csv', csv)).status).toBe(400);
  });
});
