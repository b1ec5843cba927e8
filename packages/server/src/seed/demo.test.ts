import { createHash } from 'node:crypto';
import { EXPERT_SERVICES, INSTITUTION_TYPES, isMobile, parseResidentId, REFERRAL_FINAL, REFERRAL_STATES, REFERRAL_TRANSITIONS, SENIOR_TITLES, TITLES, type ReferralAction, type ReferralState } from '@yilian/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/harness.js';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from './accounts.js';
import { buildDemoRows } from './build.js';
import { demoPresent, ensureDemoData, type DemoSummary } from './demo.js';
import { buildRecordRows } from './record.js';
import { ICD10_COMMON } from '../codes/icd10-common.js';
import { LAB_ITEMS } from '../codes/lab-items.js';
import { ICD10_YILIAN_COMMON } from '../codes/systems.js';
import { expectValidFhir } from '../fhir/validate.testutil.js';
import { COUNTY, TOWNSHIPS } from './regions.js';

let t: TestApp;
let summary: DemoSummary | null;
beforeAll(async () => {
  t = await createTestApp();
  summary = await ensureDemoData(t.db);
});
afterAll(async () => { await t?.close(); });

const groupBy = <T, K>(xs: T[], key: (x: T) => K) => {
  const m = new Map<K, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
};
const townshipCodes = new Set<string>(TOWNSHIPS.map((x) => x.code));

describe('demo consortium seed', () => {
  it('runs once and reports what it wrote', async () => {
    expect(summary).not.toBeNull();
    expect(summary!.institution).toBe(21);
    expect(summary!.patient).toBe(2000);
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
    // API clients' service accounts (api.his-…) have no password: they sign in through OAuth only.
    const hashes = await t.db.selectFrom('user_account').select('password_hash').distinct().where('username', 'not like', 'api.%').execute();
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

describe('demo health record', () => {
  const RECORD = ['encounter', 'condition', 'allergy', 'medication_request', 'diagnostic_report', 'observation', 'document'] as const;
  const count = async (table: (typeof RECORD)[number]) => Number((await t.db.selectFrom(table).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const demoPatientId = async () => (await t.db.selectFrom('user_account').select('patient_id').where('username', '=', 'patient').executeTakeFirstOrThrow()).patient_id!;

  it('holds about three years of visits, diagnoses, prescriptions, reports and results, all first versions', async () => {
    const n = Object.fromEntries(await Promise.all(RECORD.map(async (r) => [r, await count(r)] as const)));
    expect(n.encounter).toBeGreaterThan(4000);
    expect(n.condition).toBeGreaterThan(2000);
    expect(n.allergy).toBeGreaterThan(80);
    expect(n.allergy).toBeLessThan(300);
    expect(n.medication_request).toBeGreaterThan(5000);
    expect(n.diagnostic_report).toBeGreaterThan(3000);
    expect(n.observation).toBeGreaterThan(20_000);
    expect(n.document).toBeGreaterThan(40);
    for (const table of RECORD) {
      const odd = await t.db.selectFrom(table).select('id').where((e) => e.or([e('version', '<>', 1), e('entry_id', '<>', e.ref('id')), e('superseded_at', 'is not', null)])).limit(1).execute();
      expect(odd, table).toHaveLength(0);
    }
    const span = await t.db.selectFrom('encounter').select((e) => [e.fn.min('started_at').as('first'), e.fn.max('started_at').as('last')]).executeTakeFirstOrThrow();
    expect(Date.now() - new Date(span.first as Date).getTime()).toBeGreaterThan(2.5 * 365 * 86_400_000);
    expect(Date.now() - new Date(span.first as Date).getTime()).toBeLessThan(3.1 * 365 * 86_400_000);
    expect(new Date(span.last as Date).getTime()).toBeLessThanOrEqual(Date.now());
    const future = await t.db.selectFrom('observation').select('id').where('effective_at', '>', new Date()).limit(1).execute();
    expect(future).toHaveLength(0);
  });

  it('records every entry at an institution where its practitioner works', async () => {
    for (const table of ['encounter', 'condition', 'medication_request', 'diagnostic_report', 'document'] as const) {
      const elsewhere = await t.db.selectFrom(table).select(['id', 'institution_id', 'practitioner_id'])
        .where((e) => e.or([e('practitioner_id', 'is', null), e.not(e.exists(e.selectFrom('practitioner_role as pr').select('pr.id')
          .whereRef('pr.practitioner_id', '=', `${table}.practitioner_id` as never).whereRef('pr.institution_id', '=', `${table}.institution_id` as never)))]))
        .limit(3).execute();
      expect(elsewhere, table).toEqual([]);
    }
    // Follow-ups happen at village clinics and township hospitals, serious cases at the city hospital.
    const byType = await t.db.selectFrom('encounter').innerJoin('institution as i', 'i.id', 'encounter.institution_id')
      .select(['i.type', 'i.code', 'encounter.class', 'encounter.reason']).execute();
    const followUps = byType.filter((e) => e.reason?.endsWith('随访'));
    expect(followUps.length).toBeGreaterThan(1000);
    expect(followUps.every((e) => ['village_clinic', 'township_hospital', 'community_center'].includes(e.type))).toBe(true);
    expect(new Set(followUps.map((e) => e.type))).toContain('village_clinic');
    const stays = byType.filter((e) => e.class === 'inpatient');
    expect(stays.length).toBeGreaterThan(40);
    expect(new Set(stays.map((e) => e.code))).toEqual(new Set(['RMYY', 'XRMYY']));
    const docs = await t.db.selectFrom('document').select(['kind', 'text', 'encounter_id']).execute();
    expect(docs.every((d) => d.kind === 'discharge_summary' && d.text!.includes('出院诊断') && d.text!.includes('出院医嘱'))).toBe(true);
    expect(docs).toHaveLength(stays.length);
  });

  it('gives chronic diagnoses at plausible rates by age, with prescriptions that match them', async () => {
    const now = Date.now();
    const patients = await t.db.selectFrom('patient').select(['id', 'birth_date']).execute();
    const over45 = new Set(patients.filter((p) => now - Date.parse(p.birth_date) > 45.5 * 365.25 * 86_400_000).map((p) => p.id));
    const problems = await t.db.selectFrom('condition').select(['patient_id', 'code']).where('category', '=', 'problem-list-item').execute();
    const withCode = (code: string) => new Set(problems.filter((c) => c.code === code).map((c) => c.patient_id));
    const share = (ids: Set<string>) => [...ids].filter((id) => over45.has(id)).length / over45.size;
    expect(share(withCode('I10.x00'))).toBeGreaterThan(0.2);
    expect(share(withCode('I10.x00'))).toBeLessThan(0.35);
    expect(share(withCode('E11.900'))).toBeGreaterThan(0.06);
    expect(share(withCode('E11.900'))).toBeLessThan(0.15);
    for (const code of ['J44.900', 'I25.100', 'I69.300', 'N18.900', 'M17.900']) expect(withCode(code).size, code).toBeGreaterThan(10);
    expect([...withCode('I10.x00')].every((id) => over45.has(id) || now - Date.parse(patients.find((p) => p.id === id)!.birth_date) > 30 * 365 * 86_400_000)).toBe(true);
    // Metformin only for diabetics, amlodipine only for hypertensives.
    const meds = await t.db.selectFrom('medication_request').select(['patient_id', 'drug']).execute();
    const dm = withCode('E11.900'), htn = withCode('I10.x00');
    expect(meds.filter((m) => m.drug.includes('二甲双胍')).every((m) => dm.has(m.patient_id))).toBe(true);
    expect(meds.filter((m) => m.drug.includes('氨氯地平')).every((m) => htn.has(m.patient_id))).toBe(true);
    expect(meds.filter((m) => m.drug.includes('二甲双胍')).length).toBeGreaterThan(200);
  });

  it('flags lab results against their reference ranges, and keeps most diabetics\' HbA1c between 6.5 and 9 %', async () => {
    const obs = await t.db.selectFrom('observation').select(['patient_id', 'code', 'value_num', 'ref_low', 'ref_high', 'flag', 'report_id', 'category']).execute();
    for (const o of obs) {
      const v = Number(o.value_num);
      const expected = o.ref_high !== null && v > Number(o.ref_high) ? 'H' : o.ref_low !== null && v < Number(o.ref_low) ? 'L' : 'N';
      if (o.flag !== expected) throw new Error(`${o.code} ${v} [${o.ref_low}, ${o.ref_high}] flagged ${o.flag}`);
    }
    expect(obs.filter((o) => o.flag === 'H').length).toBeGreaterThan(500);
    expect(obs.filter((o) => o.category === 'laboratory').every((o) => o.report_id)).toBe(true);
    const dm = new Set((await t.db.selectFrom('condition').select('patient_id').where('code', '=', 'E11.900').execute()).map((c) => c.patient_id));
    const hba1c = obs.filter((o) => o.code === 'HBA1C' && dm.has(o.patient_id)).map((o) => Number(o.value_num));
    expect(hba1c.length).toBeGreaterThan(100);
    expect(hba1c.filter((v) => v >= 6.5 && v <= 9).length / hba1c.length).toBeGreaterThan(0.7);
    const home = obs.filter((o) => o.category === 'home-monitoring');
    expect(home.length).toBeGreaterThan(500);
    const reports = await t.db.selectFrom('diagnostic_report').select(['name', 'category', 'modality', 'conclusion']).execute();
    for (const name of ['血常规', '肝肾功能', '血脂', '血糖、糖化血红蛋白', '胸部CT平扫', '常规心电图（12导联）', '腹部B超（肝胆胰脾肾）'])
      expect(reports.some((r) => r.name === name), name).toBe(true);
    expect(reports.every((r) => r.conclusion)).toBe(true);
  });

  it('gives the demo patient 费建新 a rich history: hypertension and diabetes, an HbA1c trend, a chest CT, a stay at the county hospital', async () => {
    const pid = await demoPatientId();
    const codes = (await t.db.selectFrom('condition').select('code').where('patient_id', '=', pid).where('category', '=', 'problem-list-item').execute()).map((c) => c.code);
    expect(codes).toEqual(expect.arrayContaining(['I10.x00', 'E11.900']));
    const hba1c = await t.db.selectFrom('observation').select(['value_num', 'effective_at']).where('patient_id', '=', pid).where('code', '=', 'HBA1C').orderBy('effective_at').execute();
    expect(hba1c.length).toBeGreaterThanOrEqual(4);
    expect(hba1c.at(-1)!.effective_at.getTime() - hba1c[0]!.effective_at.getTime()).toBeGreaterThan(2 * 365 * 86_400_000);
    expect(Number(hba1c.at(-1)!.value_num)).toBeLessThan(Number(hba1c[0]!.value_num));
    expect(Number(hba1c.at(-1)!.value_num)).toBeLessThan(7);
    const ct = await t.db.selectFrom('diagnostic_report').innerJoin('institution as i', 'i.id', 'diagnostic_report.institution_id')
      .select(['i.code', 'diagnostic_report.conclusion']).where('patient_id', '=', pid).where('modality', '=', 'CT').execute();
    expect(ct.some((r) => r.code === 'RMYY' && r.conclusion!.includes('结节'))).toBe(true);
    const stay = await t.db.selectFrom('encounter').innerJoin('institution as i', 'i.id', 'encounter.institution_id')
      .select(['encounter.entry_id', 'i.code']).where('patient_id', '=', pid).where('class', '=', 'inpatient').execute();
    expect(stay.map((s) => s.code)).toEqual(['XRMYY']);
    const summary = await t.db.selectFrom('document').selectAll().where('patient_id', '=', pid).executeTakeFirstOrThrow();
    expect(summary).toMatchObject({ kind: 'discharge_summary', encounter_id: stay[0]!.entry_id });
    expect(summary.text).toContain('费建新');
    expect(summary.text).toContain('2型糖尿病');
    const allergies = await t.db.selectFrom('allergy').select('substance').where('patient_id', '=', pid).execute();
    expect(allergies.map((a) => a.substance)).toContain('青霉素');
    const home = await t.db.selectFrom('observation').select('code').where('patient_id', '=', pid).where('category', '=', 'home-monitoring').execute();
    expect(new Set(home.map((h) => h.code)).size).toBe(3); // systolic, diastolic, glucose
    const places = await t.db.selectFrom('encounter').innerJoin('institution as i', 'i.id', 'encounter.institution_id').select('i.code').distinct()
      .where('patient_id', '=', pid).execute();
    expect(places.map((p) => p.code)).toEqual(expect.arrayContaining(['CWS05', 'WSY03', 'XRMYY', 'RMYY']));
  });

  it('shows on the demo patient\'s timeline and trend, to the patient and to the township doctor who follows him', async () => {
    const pid = await demoPatientId();
    for (const username of ['patient', 'xiangyi']) {
      const c = await t.login(username, DEMO_PASSWORD);
      const tl = await c.get(`/api/v1/patients/${pid}/timeline?limit=100`);
      expect(tl.status, JSON.stringify(tl.body)).toBe(200);
      expect(tl.body.total).toBeGreaterThan(100);
      expect([...new Set(tl.body.items.map((i: { kind: string }) => i.kind))]).toEqual(expect.arrayContaining(['encounter', 'medication', 'report', 'observation']));
      for (const [kind, least] of [['condition', 3], ['allergy', 1], ['document', 1]] as const)
        expect((await c.get(`/api/v1/patients/${pid}/timeline?kind=${kind}&limit=50`)).body.total, kind).toBeGreaterThanOrEqual(least);
      const trend = await c.get(`/api/v1/patients/${pid}/observations/trend?code=HBA1C`);
      expect(trend.status).toBe(200);
      expect(trend.body.points.length).toBeGreaterThanOrEqual(4);
    }
  });

  it('uses only codes of the project\'s diagnosis list and lab item catalogue', async () => {
    const known = new Map(ICD10_COMMON.map(([code, display]) => [code, display]));
    const used = await t.db.selectFrom('condition').select(['code_system', 'code', 'display']).distinct().execute();
    for (const c of used) {
      expect(c.code_system).toBe(ICD10_YILIAN_COMMON);
      expect(known.get(c.code), c.code).toBe(c.display);
    }
    const items = new Map(LAB_ITEMS.map((i) => [i.code, i]));
    const codes = await t.db.selectFrom('observation').select(['code', 'name', 'unit']).distinct().execute();
    for (const o of codes) expect(items.get(o.code)?.name, o.code).toBe(o.name);
  });

  it('is deterministic for a given day', () => {
    const rows = buildDemoRows('h');
    const now = Date.parse('2026-11-23T02:00:00Z');
    const digest = () => createHash('sha256').update(JSON.stringify(buildRecordRows(rows, now))).digest('hex');
    expect(digest()).toBe(digest());
  });
});

describe('demo referrals', () => {
  it('spreads ~150 referrals over six months in every state, each history a walk of the state machine', async () => {
    const refs = await t.db.selectFrom('referral').selectAll().execute();
    expect(refs.length).toBeGreaterThanOrEqual(140);
    expect(new Set(refs.map((r) => r.status))).toEqual(new Set(REFERRAL_STATES));
    expect(refs.filter((r) => r.direction === 'up').length).toBeGreaterThan(refs.length / 2);
    expect(Math.min(...refs.map((r) => r.created_at.getTime()))).toBeGreaterThan(Date.now() - 190 * 86_400_000);
    expect(new Set(refs.map((r) => r.code)).size).toBe(refs.length);
    expect(refs.filter((r) => r.shared_entries.some((e) => e.kind === 'encounter')).length).toBeGreaterThan(refs.length / 2);
    const events = groupBy(await t.db.selectFrom('referral_event').selectAll().orderBy('id').execute(), (e) => e.referral_id);
    for (const r of refs) {
      let state: string = 'draft';
      const es = events.get(r.id) ?? [];
      for (const e of es.filter((x) => x.action !== 'create')) {
        expect(REFERRAL_TRANSITIONS[e.action as ReferralAction].from, `${r.code} ${e.action}`).toContain(state);
        expect(e.from_status).toBe(state);
        state = REFERRAL_TRANSITIONS[e.action as ReferralAction].to;
        expect(e.to_status).toBe(state);
      }
      expect(state, r.code).toBe(r.status);
      expect(es.at(-1)!.at.getTime(), r.code).toBe(r.status_since.getTime());
      expect(r.status_since.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it('leaves to-do items for the demo accounts and one referral in progress for the patient account', async () => {
    for (const username of ['zhuanzhen', 'yiwuke', 'doctor', 'xiangyi']) {
      const c = await t.login(username, DEMO_PASSWORD);
      const todo = await c.get('/api/v1/referrals?box=todo');
      expect(todo.status, username).toBe(200);
      expect(todo.body.items.length, username).toBeGreaterThanOrEqual(3);
    }
    const xiangyi = await t.login('xiangyi', DEMO_PASSWORD);
    expect((await xiangyi.get('/api/v1/referral-tasks?status=open')).body.items.length).toBeGreaterThan(0);
    expect((await xiangyi.get('/api/v1/referral-tasks?status=done')).body.items.length).toBeGreaterThan(0);
    const patient = await t.login('patient', DEMO_PASSWORD);
    const mine = (await patient.get('/api/v1/referrals')).body.items;
    const open = mine.filter((r: { status: string }) => !REFERRAL_FINAL.includes(r.status as ReferralState) && r.status !== 'draft');
    expect(open).toHaveLength(1);
    // The receiving doctor follows it over FHIR: a valid Task, accepted by the office and assigned to 陆志远.
    const doctor = await t.login('doctor', DEMO_PASSWORD);
    const task = await doctor.get(`/fhir/Task/${open[0].id}`);
    expect(task.status).toBe(200);
    expect(expectValidFhir(task.body, 'Task')).toMatchObject({ status: 'accepted', businessStatus: { text: '待接诊' }, owner: { display: '陆志远' } });
    expectValidFhir((await doctor.get(`/fhir/ServiceRequest/${open[0].id}`)).body, 'ServiceRequest');
  });
});
