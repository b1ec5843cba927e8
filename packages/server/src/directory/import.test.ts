import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { csvOf, multipart, snapshot, xlsxOf } from './testing.js';

const UPLOAD_LIMIT = 64 * 1024;
let t: TestApp;
let world: Awaited<ReturnType<typeof makeWorld>>;
let office: Client;
beforeAll(async () => {
  t = await createTestApp({ uploadLimitBytes: UPLOAD_LIMIT });
  world = await makeWorld(t.db);
  office = await t.login('consortium_admin');
});
afterAll(() => t.close());

async function upload(client: Client, url: string, filename: string, data: Buffer | string) {
  const { body, headers } = await multipart(filename, data);
  return client.request('POST', url, body, headers);
}

const INST_HEADER = ['机构编码', '机构名称', '简称', '级别', '等级', '类型', '行政区划代码', '地址', '电话', '所属医联体'];
const PRAC_HEADER = ['姓名', '性别', '职称', '专业', '手机', '执业证号', '执业机构编码', '科室'];

describe('import of institutions', () => {
  it('creates institutions from an Excel file with Chinese labels, joining the named consortium', async () => {
    const file = await xlsxOf([
      INST_HEADER,
      ['H001', '东城社区卫生服务中心', '东城社区', '一级', '甲', '社区卫生服务中心', '330521001', '东城路1号', '0572-1000001', '测试医共体'],
      ['H002', '西山村卫生室', null, '未定级', null, '村卫生室', 330521002, null, null, null],
      ['H003', '县中医院', '中医院', '二级甲等', null, '中医院', '330521', null, null, null],
    ]);
    const res = await upload(office, '/api/v1/import/institutions', '机构.xlsx', file);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ dryRun: false, partial: false, total: 3, created: 3, updated: 0, skipped: 0, errors: [] });
    const rows = await t.db.selectFrom('institution').select(['code', 'level', 'grade', 'type', 'region_code']).where('code', 'in', ['H001', 'H002', 'H003']).orderBy('code').execute();
    expect(rows).toEqual([
      { code: 'H001', level: '1', grade: '甲', type: 'community_center', region_code: '330521001' },
      { code: 'H002', level: '0', grade: null, type: 'village_clinic', region_code: '330521002' },
      { code: 'H003', level: '2', grade: '甲', type: 'tcm_hospital', region_code: '330521' },
    ]);
    const members = await office.get(`/api/v1/institutions?consortiumId=${world.consortium.id}&q=H00`);
    expect(members.body.items.map((i: { code: string }) => i.code)).toEqual(['H001']);
    const audited = await t.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'directory.import.institutions').execute();
    expect(audited).toHaveLength(1);
    expect(audited[0]!.detail).toMatchObject({ file: '机构.xlsx', total: 3, created: 3, updated: 0 });
  });

  it('updates institutions with a known code from a CSV file (UTF-8 with BOM, and GBK as Chinese Excel saves it)', async () => {
    const csv = csvOf([INST_HEADER, ['H001', '东城街道社区卫生服务中心', '', '一级', '乙', '社区卫生服务中心', '330521001', '', '', ''], ['H004', '南湖护理院', '', '未定级', '', '护理院', '330521', '南湖路"8"号, 南楼', '', '']]);
    const utf8 = await upload(office, '/api/v1/import/institutions', 'institutions.csv', `\uFEFF${csv}`);
    expect(utf8.body).toMatchObject({ total: 2, created: 1, updated: 1, errors: [] });
    const h001 = await t.db.selectFrom('institution').select(['name', 'grade', 'short_name', 'address']).where('code', '=', 'H001').executeTakeFirstOrThrow();
    // Blank optional cells keep what was stored.
    expect(h001).toEqual({ name: '东城街道社区卫生服务中心', grade: '乙', short_name: '东城社区', address: '东城路1号' });
    expect((await t.db.selectFrom('institution').select('address').where('code', '=', 'H004').executeTakeFirstOrThrow()).address).toBe('南湖路"8"号, 南楼');

    const gbkFile = Buffer.concat([
      gbkBytes('机构编码,机构名称,级别,类型,行政区划代码\r\n'),
      gbkBytes('H005,北岭乡卫生院,一级,乡镇卫生院,330521003\r\n'),
    ]);
    const res = await upload(office, '/api/v1/import/institutions', 'gbk.csv', gbkFile);
    expect(res.body).toMatchObject({ created: 1, errors: [] });
    expect((await t.db.selectFrom('institution').select('name').where('code', '=', 'H005').executeTakeFirstOrThrow()).name).toBe('北岭乡卫生院');
  });

  it('reports every bad row with its spreadsheet row number and writes nothing; partial=true writes the good rows', async () => {
    const file = await xlsxOf([
      INST_HEADER,
      ['H101', '好医院', null, '二级', '乙', '综合医院', '330521', null, null, null],
      ['H102', '坏级别', null, '四级', null, '综合医院', '330521', null, null, null],
      [null, '缺编码', null, '一级', null, '村卫生室', '12', null, null, '不存在的医联体'],
      ['H101', '重复编码', null, '一级', null, '村卫生室', '330521', null, null, null],
      ['H105', '未定级有等级', null, '未定级', '甲', '村卫生室', '330521', null, null, null],
    ]);
    const before = await snapshot(t.db);
    const res = await upload(office, '/api/v1/import/institutions', 'bad.xlsx', file);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: false, total: 5, created: 0, updated: 0, skipped: 5 });
    const errs = res.body.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`);
    expect(errs).toEqual(['3:level', '4:code', '4:regionCode', '4:consortia', '5:code', '6:grade']);
    const level = res.body.errors[0];
    expect(level).toMatchObject({ row: 3, field: 'level', column: '级别' });
    expect(level.zh).toContain('四级');
    expect(level.zh).toContain('三级、二级、一级、未定级');
    expect(res.body.errors[1].zh).toBe('机构编码：必填');
    expect(res.body.errors[4].zh).toContain('第2行');
    expect(await snapshot(t.db)).toEqual(before);

    const partial = await upload(office, '/api/v1/import/institutions?partial=true', 'bad.xlsx', file);
    expect(partial.body).toMatchObject({ partial: true, created: 1, updated: 0, skipped: 4 });
    expect(partial.body.errors).toHaveLength(6);
    expect(await t.db.selectFrom('institution').select('name').where('code', '=', 'H101').executeTakeFirst()).toEqual({ name: '好医院' });
  });

  it('dryRun reports what would happen and writes nothing', async () => {
    const file = await xlsxOf([INST_HEADER, ['H201', '新医院', null, '三级', '甲', '综合医院', '330521', null, null, null], ['UPPER', '市人民医院', null, '三级', '甲', '综合医院', '330521', null, null, null]]);
    const before = await snapshot(t.db);
    const res = await upload(office, '/api/v1/import/institutions?dryRun=true', 'dry.xlsx', file);
    expect(res.body).toEqual({ dryRun: true, partial: false, total: 2, created: 1, updated: 1, skipped: 0, errors: [] });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('lets an institution admin update only their own institution by import', async () => {
    const admin = await t.login('institution_admin');
    const file = await xlsxOf([
      INST_HEADER,
      ['UPPER', '市人民医院', '市医院', '三级', '甲', '综合医院', '330521', null, null, null],
      ['LOWER', '城关镇卫生院', null, '一级', null, '乡镇卫生院', '330521', null, null, null],
      ['H301', '新建机构', null, '一级', null, '村卫生室', '330521', null, null, null],
    ]);
    const before = await snapshot(t.db);
    const res = await upload(admin, '/api/v1/import/institutions', 'mine.xlsx', file);
    expect(res.body.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`)).toEqual(['3:code', '4:code']);
    expect(await snapshot(t.db)).toEqual(before);
    const partial = await upload(admin, '/api/v1/import/institutions?partial=1', 'mine.xlsx', file);
    expect(partial.body).toMatchObject({ updated: 1, created: 0 });
    expect((await t.db.selectFrom('institution').select('short_name').where('code', '=', 'UPPER').executeTakeFirstOrThrow()).short_name).toBe('市医院');
  });
});

describe('import of practitioners', () => {
  it('creates practitioners with their institutions and departments, searchable by pinyin, and upserts by licence number', async () => {
    const file = await xlsxOf([
      PRAC_HEADER,
      ['刘德明', '男', '副主任医师', '心内科', '13700001111', '110330521000001', 'UPPER、LOWER', '心内科、全科'],
      ['陈静', '女', '主管护师', '护理', 13700002222, '110330521000002', 'UPPER', '护理部'],
    ]);
    const res = await upload(office, '/api/v1/import/practitioners', '人员.xlsx', file);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ dryRun: false, partial: false, total: 2, created: 2, updated: 0, departmentsCreated: 2, skipped: 0, errors: [] });
    const found = await office.get('/api/v1/practitioners?q=ldm');
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0]).toMatchObject({
      name: '刘德明', sex: 'male', title: 'associate_chief_physician', specialty: 'cardiology', phone: '137****1111', licenseNo: '110330521000001',
      roles: [{ institutionName: '市人民医院', departmentName: '心内科' }, { institutionName: '城关镇卫生院', departmentName: '全科' }],
    });
    const chen = await t.db.selectFrom('practitioner').select(['phone', 'title']).where('license_no', '=', '110330521000002').executeTakeFirstOrThrow();
    expect(chen).toEqual({ phone: '13700002222', title: 'supervisor_nurse' });

    const again = await upload(office, '/api/v1/import/practitioners', '人员.csv', csvOf([PRAC_HEADER, ['刘德明', '男', '主任医师', '', '', '110330521000001', 'UPPER', '']]));
    expect(again.body).toMatchObject({ created: 0, updated: 1, departmentsCreated: 0, errors: [] });
    const liu = await office.get(`/api/v1/practitioners/${found.body.items[0].id}`);
    // The title changes; the other institution and the department stay.
    expect(liu.body).toMatchObject({ title: 'chief_physician', phone: '13700001111', specialty: 'cardiology' });
    expect(liu.body.roles.map((r: { departmentName: string }) => r.departmentName)).toEqual(['心内科', '全科']);
    const audited = await t.db.selectFrom('audit_log').select('detail').where('action', '=', 'directory.import.practitioners').execute();
    expect(audited).toHaveLength(2);
    expect(JSON.stringify(audited)).not.toContain('1370000');
  });

  it('reports bad rows (labels, phone, unknown institution, licence twice) and writes nothing', async () => {
    const file = await xlsxOf([
      PRAC_HEADER,
      ['赵一', '未知', '主任医师', null, null, 'P1', 'UPPER', null],
      ['钱二', '男', '教授', '外科', '123', 'P2', 'UPPER', null],
      ['孙三', '女', '住院医师', null, null, 'P3', 'NOPE', null],
      ['李四', '男', '住院医师', null, null, null, 'UPPER', null],
      ['周五', '男', '住院医师', null, null, 'P1', 'UPPER', null],
    ]);
    const before = await snapshot(t.db);
    const res = await upload(office, '/api/v1/import/practitioners', 'bad.xlsx', file);
    expect(res.body.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`))
      .toEqual(['2:sex', '3:title', '3:specialty', '3:phone', '4:institutionCodes', '5:licenseNo', '6:licenseNo']);
    expect(res.body.errors.find((e: { row: number; field: string }) => e.row === 3 && e.field === 'phone').zh).toBe('手机：手机号码格式不正确');
    expect(res.body).toMatchObject({ created: 0, updated: 0, skipped: 5 });
    expect(await snapshot(t.db)).toEqual(before);
  });

  it("refuses an institution admin's rows for another institution's staff", async () => {
    const admin = await t.login('institution_admin_lower');
    const file = await xlsxOf([PRAC_HEADER, ['吴六', '男', '乡村医生', '全科', null, 'P9', 'UPPER', null], ['刘德明', '男', '主任医师', null, null, '110330521000001', 'LOWER', null]]);
    const before = await snapshot(t.db);
    const res = await upload(admin, '/api/v1/import/practitioners', 'x.xlsx', file);
    expect(res.body.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`)).toEqual(['2:institutionCodes']);
    expect(await snapshot(t.db)).toEqual(before);
    // Liu practises at LOWER too, so LOWER's admin may update him.
    const own = await upload(admin, '/api/v1/import/practitioners', 'x.xlsx', await xlsxOf([PRAC_HEADER, ['刘德明', '男', '主任医师', null, '13700003333', '110330521000001', 'LOWER', null]]));
    expect(own.body).toMatchObject({ updated: 1, errors: [] });
  });
});

describe('import files', () => {
  it('refuses a file larger than the upload limit with 413 too_large, writing nothing', async () => {
    const before = await snapshot(t.db);
    const big = csvOf([INST_HEADER, ...Array.from({ length: 3000 }, (_, i) => [`B${i}`, `大文件医院${i}`, '', '一级', '', '村卫生室', '330521', '', '', ''])]);
    expect(Buffer.byteLength(big)).toBeGreaterThan(UPLOAD_LIMIT);
    const res = await upload(office, '/api/v1/import/institutions', 'big.csv', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_large');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses files that are neither .xlsx nor .csv, and a .xlsx that is not one, with 415', async () => {
    for (const [name, data] of [['list.txt', 'hello'], ['old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0])], ['fake.xlsx', 'not a zip'], ['pic.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0])]] as const) {
      const res = await upload(office, '/api/v1/import/institutions', name, data);
      expect(res.status).toBe(415);
      expect(res.body.error).toMatchObject({ code: 'unsupported_file_type', field: 'file' });
      expect(res.body.error.zh).toContain('.xlsx');
    }
    const json = await office.post('/api/v1/import/institutions', { rows: [] });
    expect(json.status).toBe(415);
    const wrongField = await multipart('a.csv', 'x', 'upload');
    expect((await office.request('POST', '/api/v1/import/institutions', wrongField.body, wrongField.headers)).body.error).toMatchObject({ code: 'file_required', field: 'file' });
    const broken = Buffer.concat([Buffer.from('PK\x03\x04', 'binary'), Buffer.alloc(100, 1)]);
    expect((await upload(office, '/api/v1/import/institutions', 'broken.xlsx', broken)).body.error.code).toBe('unreadable_file');
  });

  it('names the missing columns of a file without the required header', async () => {
    const res = await upload(office, '/api/v1/import/practitioners', 'p.csv', csvOf([['姓名', '电话'], ['张三', '13800000000']]));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'missing_columns', field: 'file' });
    expect(res.body.error.zh).toContain('性别、职称、执业证号、执业机构编码');
  });

  it('keeps import to the consortium office and institution admins', async () => {
    const doctor = await t.login('doctor');
    const res = await upload(doctor, '/api/v1/import/institutions', 'a.csv', csvOf([INST_HEADER]));
    expect(res.status).toBe(403);
    expect((await doctor.get('/api/v1/import/templates/institutions.xlsx')).status).toBe(403);
    expect((await upload(t.anonymous, '/api/v1/import/institutions', 'a.csv', 'x')).status).toBe(401);
  });

  it('serves templates with the header row and an example row that imports cleanly', async () => {
    for (const [kind, header] of [['institutions', INST_HEADER], ['practitioners', PRAC_HEADER]] as const) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/import/templates/${kind}.xlsx`, headers: { cookie: office.cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
      expect(res.headers['content-disposition']).toContain(`${kind}.xlsx`);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0]!;
      expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(header);
      expect(sheet.rowCount).toBe(2);
      // The practitioner example names the example institution, so that one is imported for real first.
      const imported = await upload(office, `/api/v1/import/${kind}?dryRun=${kind === 'practitioners'}`, `${kind}.xlsx`, res.rawPayload);
      expect(imported.body).toMatchObject({ total: 1, errors: [] });
      expect(imported.body.created + imported.body.updated).toBe(1);
    }
    expect((await office.get('/api/v1/import/templates/patients.xlsx')).status).toBe(400);
  });
});

/** GBK bytes of a string, the encoding Chinese Excel uses for "CSV (逗号分隔)". */
function gbkBytes(s: string): Buffer {
  // Node has a GBK decoder but no encoder: find each character's two bytes by decoding the GBK code space once.
  if (!gbkTable) {
    gbkTable = new Map();
    const decoder = new TextDecoder('gbk');
    for (let hi = 0x81; hi <= 0xfe; hi++)
      for (let lo = 0x40; lo <= 0xfe; lo++) {
        const ch = decoder.decode(Uint8Array.of(hi, lo));
        if (ch.length === 1 && !gbkTable.has(ch)) gbkTable.set(ch, Buffer.from([hi, lo]));
      }
  }
  return Buffer.concat([...s].map((ch) => (ch.charCodeAt(0) < 0x80 ? Buffer.from(ch) : gbkTable!.get(ch)!)));
}
let gbkTable: Map<string, Buffer> | undefined;
