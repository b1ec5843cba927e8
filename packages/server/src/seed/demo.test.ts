import { EXPERT_SERVICES, INSTITUTION_TYPES, isMobile, parseResidentId, SENIOR_TITLES, TITLES } from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/harness.js';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from './accounts.js';
import { buildDemoRows } from './build.js';
import { demoPresent, ensureDemoData, type DemoSummary } from './demo.js';
import { COUNTY, TOWNSHIPS } from './regions.js';

let t: TestApp;
let summary: DemoSummary | null;
let seedMs = 0;
beforeAll(async () => {
  t = await createTestApp();
  const started = performance.now();
  summary = await ensureDemoData(t.db);
  seedMs = performance.now() - started;
});
afterAll(async () => { await t?.close(); });

const groupBy = <T, K>(xs: T[], key: (x: T) => K) => {
  const m = new Map<K, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
};
const townshipCodes = new Set<string>(TOWNSHIPS.map((x) => x.code));

describe('demo consortium seed', () => {
  it('runs once and quickly, and reports what it wrote', async () => {
    expect(summary).not.toBeNull();
    expect(summary!.institution).toBe(21);
    expect(summary!.patient).toBe(2000);
    expect(seedMs).toBeLessThan(15_000);
    expect(await demoPresent(t.db)).toBe(true);
  });

  it('creates one county community of 21 institutions at the levels and types asked for', async () => {
    const consortia = await t.db.selectFrom('consortium').selectAll().execute();
    expect(consortia).toHaveLength(1);
    expect(consortia[0]!.kind).toBe('county_community');
    expect(consortia[0]!.region_code).toBe(COUNTY.code);
    const inst = await t.db.selectFrom('institution').selectAll().execute();
    expect(inst).toHaveLength(21);
    const members = await t.db.selectFrom('consortium_member').selectAll().execute();
    expect(members).toHaveLength(21);
    const lead = inst.find((i) => i.id === consortia[0]!.lead_institution_id)!;
    expect(lead).toMatchObject({ level: '3', grade: '甲', type: 'general_hospital' });
    expect(lead.name).toMatch(/市人民医院$/);
    const secondary = inst.filter((i) => i.level === '2');
    expect(secondary.map((i) => `${i.grade}${i.type}`).sort()).toEqual(['甲general_hospital', '甲tcm_hospital']);
    expect(secondary.map((i) => i.name).sort()).toEqual([`${COUNTY.name}中医院`, `${COUNTY.name}人民医院`].sort());
    const township = inst.filter((i) => i.type === 'township_hospital' || i.type === 'community_center');
    expect(township).toHaveLength(6);
    for (const i of township) {
      expect(i.level).toBe('1');
      expect(['甲', '乙']).toContain(i.grade);
      expect(townshipCodes.has(i.region_code)).toBe(true);
      expect(i.name.startsWith(TOWNSHIPS.find((x) => x.code === i.region_code)!.name)).toBe(true);
    }
    const villages = inst.filter((i) => i.type === 'village_clinic');
    expect(villages).toHaveLength(12);
    for (const i of villages) {
      expect(['0', '1']).toContain(i.level);
      expect(i.grade).toBeNull();
      expect(townshipCodes.has(i.region_code)).toBe(true);
      expect(i.name).toMatch(/村卫生室$/);
    }
    for (const i of inst) expect(Object.keys(INSTITUTION_TYPES)).toContain(i.type);
    for (const i of inst) expect(i.code).toMatch(/^[A-Z0-9]+$/);
  });

  it('gives every institution departments, and the tertiary hospital the real ones', async () => {
    const rows = await t.db.selectFrom('department').innerJoin('institution', 'institution.id', 'department.institution_id')
      .select(['institution.code', 'institution.level', 'department.name']).execute();
    const byCode = groupBy(rows, (r) => r.code);
    expect(byCode.size).toBe(21);
    const tertiary = rows.filter((r) => r.level === '3').map((r) => r.name);
    expect(tertiary.length).toBeGreaterThanOrEqual(15);
    for (const n of ['心血管内科', '呼吸与危重症医学科', '普外科', '骨科', '妇产科', '儿科', '影像科', '心电图室', '病理科']) expect(tertiary).toContain(n);
  });

  it('has practitioners with proper titles, valid mobiles, search keys, and some practising at two institutions', async () => {
    const ps = await t.db.selectFrom('practitioner').selectAll().execute();
    expect(ps.length).toBeGreaterThanOrEqual(75);
    for (const p of ps) {
      expect(Object.keys(TITLES)).toContain(p.title);
      expect(isMobile(p.phone!)).toBe(true);
      expect(p.name_pinyin).toMatch(/^[a-z ]+$/);
      expect(p.name_initials).toMatch(/^[a-z ]+$/);
    }
    const roles = await t.db.selectFrom('practitioner_role').selectAll().execute();
    const perPractitioner = groupBy(roles, (r) => r.practitioner_id);
    expect(perPractitioner.size).toBe(ps.length);
    expect([...perPractitioner.values()].filter((r) => r.length > 1).length).toBeGreaterThanOrEqual(3);
    const villageDoctors = await t.db.selectFrom('practitioner').innerJoin('practitioner_role', 'practitioner_role.practitioner_id', 'practitioner.id')
      .innerJoin('institution', 'institution.id', 'practitioner_role.institution_id').where('institution.type', '=', 'village_clinic')
      .select('practitioner.title').execute();
    expect(villageDoctors).toHaveLength(12);
    expect(new Set(villageDoctors.map((v) => v.title))).toEqual(new Set(['rural_doctor']));
  });

  it('fills the expert pool with senior practitioners across the eight specialties, with fitting services', async () => {
    const experts = await t.db.selectFrom('expert').innerJoin('practitioner', 'practitioner.id', 'expert.practitioner_id')
      .select(['expert.specialty', 'expert.services', 'expert.availability', 'practitioner.title']).execute();
    expect(experts.length).toBeGreaterThanOrEqual(15);
    const internalGroup = new Set(['internal', 'cardiology', 'respiratory', 'endocrinology', 'neurology']);
    const covered = new Set(experts.map((e) => (internalGroup.has(e.specialty) ? 'internal' : e.specialty)));
    for (const s of ['internal', 'general_surgery', 'orthopedics', 'obstetrics_gynecology', 'pediatrics', 'radiology', 'ecg', 'pathology'])
      expect(covered.has(s), s).toBe(true);
    for (const e of experts) {
      expect(SENIOR_TITLES).toContain(e.title);
      expect(e.services.length).toBeGreaterThan(0);
      for (const s of e.services) expect(Object.keys(EXPERT_SERVICES)).toContain(s);
      expect(e.availability).toBeTruthy();
      if (e.specialty === 'radiology') expect(e.services).toContain('imaging_reading');
      if (e.specialty === 'ecg') expect(e.services).toContain('ecg_reading');
      if (e.specialty === 'pathology') expect(e.services).toContain('pathology');
    }
  });

  it('has 2,000 residents whose resident IDs are valid and agree with birth date and sex', async () => {
    const ps = await t.db.selectFrom('patient').selectAll().execute();
    expect(ps).toHaveLength(2000);
    const withId = ps.filter((p) => p.resident_id);
    expect(new Set(withId.map((p) => p.resident_id)).size).toBe(withId.length);
    for (const p of withId) {
      const r = parseResidentId(p.resident_id!);
      expect(r.ok, p.resident_id!).toBe(true);
      if (!r.ok) continue;
      expect(r.value.birthDate).toBe(p.birth_date);
      expect(r.value.sex).toBe(p.sex);
      expect(r.value.areaCode).toBe(COUNTY.code);
    }
    for (const p of ps) {
      if (p.phone !== null) expect(isMobile(p.phone), p.phone).toBe(true);
      expect(townshipCodes.has(p.region_code!)).toBe(true);
      expect(p.address!.startsWith(`浙江省湖州市${COUNTY.name}${TOWNSHIPS.find((x) => x.code === p.region_code)!.name}`)).toBe(true);
    }
    expect(ps.filter((p) => p.phone).length).toBeGreaterThan(1800);
    expect(ps.filter((p) => p.insurance_card_no).length).toBeGreaterThan(1700);
    const ages = ps.map((p) => 2026 - Number(p.birth_date.slice(0, 4)));
    expect(Math.min(...ages)).toBeLessThanOrEqual(1);
    expect(Math.max(...ages)).toBeGreaterThanOrEqual(90);
    expect(ages.filter((a) => a >= 60).length).toBeGreaterThan(600); // many elderly
  });

  it('includes the deliberate likely-duplicate pairs, and local patient numbers', async () => {
    const ps = await t.db.selectFrom('patient').selectAll().execute();
    const noId = ps.filter((p) => !p.resident_id);
    expect(noId).toHaveLength(3);
    for (const d of noId) {
      const twin = ps.find((p) => p.id !== d.id && p.name === d.name && p.birth_date === d.birth_date && p.sex === d.sex);
      expect(twin?.resident_id, d.name).toBeTruthy();
    }
    const ids = await t.db.selectFrom('patient_identifier').selectAll().execute();
    expect(ids.length).toBeGreaterThan(1000);
    for (const d of noId) expect(ids.some((i) => i.patient_id === d.id)).toBe(true);
  });

  it('lets every demo account sign in with the demo password, with its roles', async () => {
    expect(new Set(DEMO_ACCOUNTS.map((a) => a.role)).size).toBe(9);
    for (const a of DEMO_ACCOUNTS) {
      expect(a.password).toBe(DEMO_PASSWORD);
      const c = await t.login(a.username, a.password);
      const me = await c.get('/api/v1/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.roles.map((r: { role: string }) => r.role)).toContain(a.role);
      if (a.username === 'doctor') expect(me.body.roles).toHaveLength(2);
      if (a.practitionerName) expect(me.body.practitionerId).toBeTruthy();
      if (a.role === 'patient') expect(me.body.patientId).toBeTruthy();
    }
    const hashes = await t.db.selectFrom('user_account').select('password_hash').distinct().execute();
    expect(hashes).toHaveLength(1); // hashed once
  });

  it('does nothing the second time', async () => {
    const before = await t.db.selectFrom('patient').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(await ensureDemoData(t.db)).toBeNull();
    const after = await t.db.selectFrom('patient').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await t.db.selectFrom('consortium').selectAll().execute()).toHaveLength(1);
  });

  it('is deterministic', () => {
    expect(buildDemoRows('h')).toEqual(buildDemoRows('h'));
  });
});

describe('demo schedules', () => {
  it('show a Beijing-style quota at the city hospital: ≥ 30 % of all slots and ≥ 50 % of expert slots reserved, opening two weeks ahead', async () => {
    const rmyy = await t.db.selectFrom('institution').select('id').where('code', '=', 'RMYY').executeTakeFirstOrThrow();
    const rules = await t.db.selectFrom('quota_rule').selectAll().where('institution_id', '=', rmyy.id).execute();
    expect(Number(rules.find((r) => r.category === 'expert')!.primary_share)).toBe(0.5);
    expect(rules.every((r) => Number(r.primary_share) >= 0.3)).toBe(true);
    const slots = await t.db.selectFrom('slot').innerJoin('schedule_resource as r', 'r.id', 'slot.resource_id')
      .select(['slot.pool', 'slot.category', 'slot.starts_at', 'slot.opens_at']).where('r.institution_id', '=', rmyy.id).where('slot.pool', '<>', 'referral').execute();
    const share = (xs: typeof slots) => xs.filter((s) => s.pool === 'primary').length / xs.length;
    expect(share(slots)).toBeGreaterThanOrEqual(0.3);
    expect(share(slots.filter((s) => s.category === 'expert'))).toBeGreaterThanOrEqual(0.5);
    const reserved = slots.filter((s) => s.pool === 'primary')[0]!;
    expect(Math.round((reserved.starts_at.getTime() - reserved.opens_at.getTime()) / 86_400_000)).toBeGreaterThanOrEqual(14);
    // Slots for the coming two weeks exist, past visits give the reports something to show, and every kind of resource is there.
    expect(slots.some((s) => s.starts_at.getTime() > Date.now() + 9 * 86_400_000)).toBe(true);
    expect(new Set((await t.db.selectFrom('schedule_resource').select('kind').execute()).map((r) => r.kind))).toEqual(new Set(['doctor', 'exam', 'bed']));
    const attended = await t.db.selectFrom('appointment').select('status').where('status', 'in', ['completed', 'no_show']).execute();
    expect(attended.length).toBeGreaterThan(100);
  });
});
