import { nameSearchKeys } from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePatient, makeWorld } from '../test/factories.js';
import { createTestApp, type Client, type TestApp } from '../test/harness.js';
import { classifyQuery, searchPatients, TOTAL_CAP } from './search.js';

let t: TestApp;
let world: Awaited<ReturnType<typeof makeWorld>>;
let doctor: Client;
type P = Awaited<ReturnType<typeof makePatient>>;
const p = {} as { zhangsan: P; zhangsanfeng: P; zhangsanF: P; shan: P; lisi: P };
beforeAll(async () => {
  t = await createTestApp();
  world = await makeWorld(t.db);
  doctor = await t.login('doctor');
  p.zhangsan = await makePatient(t.db, { name: '张三', sex: 'male', birthDate: '1980-01-02', phone: '13912345678' });
  p.zhangsanfeng = await makePatient(t.db, { name: '张三丰', sex: 'male', birthDate: '1950-06-06' });
  p.zhangsanF = await makePatient(t.db, { name: '章三', sex: 'female', birthDate: '1980-01-02' });
  p.shan = await makePatient(t.db, { name: '单田芳', sex: 'male', birthDate: '1934-07-17' });
  p.lisi = await makePatient(t.db, { name: '李四', sex: 'female', birthDate: '1980-01-02', phone: null });
  await t.db.insertInto('patient_identifier').values({ patient_id: p.lisi.id, institution_id: world.lower.id, kind: 'local_mrn', value: 'zs' }).execute();
  await t.db.insertInto('patient_identifier').values({ patient_id: p.shan.id, institution_id: world.upper.id, kind: 'local_mrn', value: '0012345' }).execute();
});
afterAll(() => t.close());

const names = (body: { items: { name: string }[] }) => body.items.map((i) => i.name);
const search = async (qs: string) => {
  const res = await doctor.get(`/api/v1/patients?${qs}`);
  expect(res.status).toBe(200);
  return res.body;
};

describe('patient search', () => {
  it('tells the kinds of query apart', () => {
    expect(classifyQuery('11010519491231002x')).toEqual({ kind: 'resident_id', text: '11010519491231002X' });
    expect(classifyQuery(' 13912345678 ')).toEqual({ kind: 'phone', text: '13912345678' });
    expect(classifyQuery('张 三')).toEqual({ kind: 'name', text: '张三' });
    expect(classifyQuery("Zhang San")).toEqual({ kind: 'pinyin', text: 'zhangsan' });
    expect(classifyQuery("xi'an")).toEqual({ kind: 'pinyin', text: 'xian' });
    expect(classifyQuery('MZ-0001').kind).toBe('local_number');
    expect(classifyQuery('12345678901').kind).toBe('local_number');
    expect(classifyQuery('').kind).toBe('none');
  });

  it('finds a patient by resident ID and by mobile, exactly', async () => {
    expect(names(await search(`q=${p.zhangsan.resident_id}`))).toEqual(['张三']);
    expect(names(await search(`q=${p.zhangsan.resident_id!.slice(0, 17)}`))).toEqual([]);
    expect(names(await search('q=13912345678'))).toEqual(['张三']);
    expect(names(await search('q=1391234567'))).toEqual([]);
  });

  it('finds by name in characters as a prefix, the exact name first', async () => {
    expect(names(await search(`q=${encodeURIComponent('张三')}`))).toEqual(['张三', '张三丰']);
    expect(names(await search(`q=${encodeURIComponent('张')}`))).toEqual(['张三', '张三丰']);
    expect(names(await search(`q=${encodeURIComponent('章')}`))).toEqual(['章三']);
  });

  it('finds by full pinyin and by initials, whatever the surname reading', async () => {
    const full = names(await search('q=zhangsan'));
    expect(full.slice(0, 2).sort()).toEqual(['张三', '章三'].sort());
    expect(full[2]).toBe('张三丰');
    expect(names(await search('q=ZhangSanF'))).toEqual(['张三丰']);
    // 'zs' is also 李四's local number at the township hospital: exact matches rank first.
    expect(names(await search('q=zs')).slice(0, 3).sort()).toEqual(['张三', '章三', '李四'].sort());
    expect(names(await search('q=zs'))).toHaveLength(4);
    expect(names(await search('q=zsf'))).toEqual(['张三丰']);
    for (const q of ['stf', 'dtf', 'shantianfang', 'dantian']) expect(names(await search(`q=${q}`))).toEqual(['单田芳']);
  });

  it('finds by a local patient number of any institution', async () => {
    expect(names(await search('q=0012345'))).toEqual(['单田芳']);
    expect(names(await search('q=00123'))).toEqual([]);
  });

  it('filters by birth date and sex, and pages with a total', async () => {
    expect(names(await search('birthDate=1980-01-02')).sort()).toEqual(['张三', '李四', '章三'].sort());
    expect(names(await search('birthDate=1980-01-02&sex=female')).sort()).toEqual(['李四', '章三'].sort());
    expect(names(await search('q=zhangsan&birthDate=1980-01-02&sex=male'))).toEqual(['张三']);
    expect(names(await search('q=z&sex=female'))).toEqual(['章三']);
    const page = await search('q=zhangsan&limit=1&offset=2');
    expect(page).toMatchObject({ total: 3, totalCapped: false, items: [{ name: '张三丰' }] });
    // Counted (a full page), past the end, with filters only.
    expect(await search('q=zhangsan&limit=2')).toMatchObject({ total: 3, items: [{}, {}] });
    expect(await search('q=zhangsan&limit=2&offset=5')).toMatchObject({ total: 3, items: [] });
    expect(await search('birthDate=1980-01-02&limit=1&offset=1')).toMatchObject({ total: 3, items: [{}] });
    expect(await search('q=zs&sex=female&limit=1')).toMatchObject({ total: 2, items: [{}] });
  });

  it('lists a patient once however many of its keys match, in the order of the matched key', async () => {
    // 单田芳: shantianfang, stf, dantianfang, dtf.
    expect(names(await search('q=s'))).toEqual(['单田芳']);
    expect(names(await search('q=d'))).toEqual(['单田芳']);
    // zhangsan (张三, 章三), zhangsanfeng (张三丰), zs (张三, 章三), zsf (张三丰): each once, by the smallest key that matches.
    const z = (await search('q=z')).items.map((i: { id: string }) => i.id);
    expect(z).toHaveLength(3);
    expect(z[2]).toBe(p.zhangsanfeng.id);
    const pages = [];
    for (let offset = 0; offset < 3; offset++) pages.push(...(await search(`q=z&limit=1&offset=${offset}`)).items.map((i: { id: string }) => i.id));
    expect(pages).toEqual(z);
  });

  it('masks resident IDs and phones in the list and never returns the raw values', async () => {
    const body = await search('q=zhangsan');
    const row = body.items.find((i: { name: string }) => i.name === '张三');
    expect(row).toEqual({
      id: p.zhangsan.id, name: '张三', sex: 'male', birthDate: '1980-01-02', age: expect.any(Number),
      residentIdMasked: `${p.zhangsan.resident_id!.slice(0, 3)}***********${p.zhangsan.resident_id!.slice(-4)}`,
      phoneMasked: '139****5678', regionCode: null, status: 'active',
    });
    const json = JSON.stringify(body);
    for (const x of Object.values(p)) {
      expect(json).not.toContain(x.resident_id);
      if (x.phone) expect(json).not.toContain(x.phone);
    }
    expect(JSON.stringify(await search(`q=${p.zhangsan.resident_id}`))).not.toContain(p.zhangsan.resident_id);
  });

  it('audits each search with the kind of query, never an ID number or phone', async () => {
    await search(`q=${p.zhangsan.resident_id}`);
    await search('q=13912345678');
    await search(`q=${encodeURIComponent('张三')}`);
    const rows = await t.db.selectFrom('audit_log').select(['detail', 'username']).where('action', '=', 'patient.search').orderBy('seq', 'desc').limit(3).execute();
    expect(rows.map((r) => (r.detail as { kind: string }).kind)).toEqual(['name', 'phone', 'resident_id']);
    expect(rows[0]!.detail).toMatchObject({ q: '张三', total: 2 });
    const json = JSON.stringify(rows);
    expect(json).not.toContain(p.zhangsan.resident_id);
    expect(json).not.toContain('13912345678');
    expect(rows[2]!.detail).toMatchObject({ total: 1, shown: [p.zhangsan.id] });
  });

  it('leaves merged records out, and finds them again when the merge is undone', async () => {
    const twin = await makePatient(t.db, { name: '张三', sex: 'male', birthDate: '1980-01-02', residentId: null });
    expect(names(await searchPatients(t.db, { q: '张三' }))).toEqual(['张三', '张三', '张三丰']);
    expect((await searchPatients(t.db, { q: 'zsf' })).items.map((i) => i.id)).toEqual([p.zhangsanfeng.id]);
    expect((await searchPatients(t.db, { q: 'zs' })).items.map((i) => i.id)).toContain(twin.id);
    await t.db.updateTable('patient').set({ status: 'merged', merged_into: p.zhangsan.id }).where('id', '=', twin.id).execute();
    expect((await searchPatients(t.db, { q: '张三' })).items.map((i) => i.id)).toEqual([p.zhangsan.id, p.zhangsanfeng.id]);
    for (const q of ['zs', 'zhangsan', 'z']) expect((await searchPatients(t.db, { q })).items.map((i) => i.id)).not.toContain(twin.id);
    await t.db.updateTable('patient').set({ status: 'active', merged_into: null }).where('id', '=', twin.id).execute();
    expect((await searchPatients(t.db, { q: 'zhangsan' })).items.map((i) => i.id)).toContain(twin.id);
    await t.db.updateTable('patient').set({ status: 'merged', merged_into: p.zhangsan.id }).where('id', '=', twin.id).execute();
  });

  it('keeps the pinyin keys up to date when a name changes', async () => {
    const x = await makePatient(t.db, { name: '欧阳娜娜', sex: 'female', birthDate: '2000-06-15' });
    expect((await searchPatients(t.db, { q: 'oynn' })).items.map((i) => i.id)).toEqual([x.id]);
    const keys = nameSearchKeys('尉迟恭');
    await t.db.updateTable('patient').set({ name: '尉迟恭', name_pinyin: keys.pinyin, name_initials: keys.initials }).where('id', '=', x.id).execute();
    expect((await searchPatients(t.db, { q: 'oynn' })).items).toEqual([]);
    expect((await searchPatients(t.db, { q: 'ycg' })).items.map((i) => i.id)).toEqual([x.id]);
    expect((await searchPatients(t.db, { q: 'yuchi' })).items.map((i) => i.id)).toEqual([x.id]);
  });

  it('counts a broad match only up to the cap, and says so', async () => {
    // One statement, as a bulk load would: the search keys are filled once for all the rows.
    const people = Array.from({ length: TOTAL_CAP + 1 }, (_, i) => {
      const name = `诸葛${'亮明瑾诞恪瞻尚乔靓'[i % 9]}${'一二三四五六七八九十'[Math.floor(i / 9) % 10]}`;
      const keys = nameSearchKeys(name);
      return { name, name_pinyin: keys.pinyin, name_initials: keys.initials, sex: i % 2 ? 'male' : 'female', birth_date: '1901-01-01' };
    });
    await t.db.insertInto('patient').values(people).execute();
    for (const q of ['诸葛', 'zhuge', 'zg']) {
      const r = await searchPatients(t.db, { q, limit: 20 });
      expect(r).toMatchObject({ total: TOTAL_CAP, totalCapped: true });
      expect(r.items).toHaveLength(20);
    }
    // Asked beyond the cap, it counts to the end of that page.
    expect(await searchPatients(t.db, { q: 'zhuge', limit: 50, offset: TOTAL_CAP - 10 })).toMatchObject({ total: TOTAL_CAP + 1, totalCapped: false });
    expect((await searchPatients(t.db, { q: 'zhuge', limit: 50, offset: TOTAL_CAP - 10 })).items).toHaveLength(11);
    expect(await searchPatients(t.db, { q: 'zhuge', sex: 'male', limit: 10 })).toMatchObject({ total: (TOTAL_CAP + 1 - 1) / 2, totalCapped: false });
    expect(await searchPatients(t.db, { birthDate: '1901-01-01', limit: 10 })).toMatchObject({ total: TOTAL_CAP, totalCapped: true });
    const body = await search(`q=${encodeURIComponent('诸葛')}&limit=5`);
    expect(body).toMatchObject({ total: TOTAL_CAP, totalCapped: true });
    expect(body.items).toHaveLength(5);
  });
});
