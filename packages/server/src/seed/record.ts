/**
 * Demo shared health record (issue 3), written in the demo seed's transaction: about three years of history for the
 * 2,000 demo residents, spread over the consortium the way care is spread in a county —
 *
 * - chronic diagnoses by age and sex (hypertension, type 2 diabetes, hyperlipidaemia, COPD, coronary heart disease,
 *   stroke sequelae, CKD, knee osteoarthritis, chronic gastritis) on the problem list;
 * - quarterly follow-ups of hypertension and diabetes (基本公卫慢病随访) over the last 18 months at the village clinic or
 *   township hospital, with blood pressure (and finger-stick glucose), and long prescriptions renewed there;
 * - a yearly visit at a county hospital (or the city hospital RMYY for coronary and stroke patients) with labs
 *   (血常规, 肝肾功能, 血糖/HbA1c, 血脂) and an ECG; the yearly check-up of residents aged 65+ (老年人健康体检);
 * - acute outpatient visits (colds, bronchitis, back pain …), mostly at the village clinic or township;
 * - inpatient stays at the county hospital or RMYY (AECOPD, pneumonia, unstable angina with PCI, cerebral
 *   infarction, uncontrolled diabetes, cholecystitis) with admission labs, imaging and a discharge summary;
 * - allergies, and home blood-pressure/glucose readings of some hypertensive and diabetic residents.
 *
 * Every entry is done by a practitioner of the institution it is recorded at. Deterministic for a given `now`
 * (seeded PRNG, ids from the PRNG); entries are first versions (`entry_id = id`). The demo account's resident 费建新
 * gets a scripted history: hypertension and diabetes since years, HbA1c improving over three years, a chest CT with a
 * small nodule at RMYY, and a stay at the county hospital with a discharge summary.
 */
import { sql, type Insertable } from 'kysely';
import { ICD10_COMMON } from '../codes/icd10-common.js';
import { LAB_ITEMS } from '../codes/lab-items.js';
import { ICD10_YILIAN_COMMON } from '../codes/systems.js';
import type { Tx } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { DemoRows } from './build.js';
import { VILLAGE_CLINICS } from './catalog.js';
import { Rng } from './random.js';
import { CITY, COUNTY, PROVINCE, TOWNSHIPS, type TownshipName } from './regions.js';

type Row<T extends keyof Database> = Insertable<Database[T]> & { id: string; entry_id: string };
export interface RecordRows {
  encounter: Row<'encounter'>[]; condition: Row<'condition'>[]; allergy: Row<'allergy'>[];
  medication_request: Row<'medication_request'>[]; diagnostic_report: Row<'diagnostic_report'>[];
  observation: Row<'observation'>[]; document: Row<'document'>[];
}
/** Order matters only for readers: no foreign keys between the record tables. */
export const RECORD_TABLES: (keyof RecordRows)[] = ['encounter', 'condition', 'allergy', 'medication_request', 'diagnostic_report', 'observation', 'document'];

// ——— vocabularies ———

/** The diagnoses the demo uses, by code of the project's list (codes/icd10-common.ts); names are taken from there. */
const DIAGNOSIS_CODES = {
  htn: 'I10.x00', t2dm: 'E11.900', lipid: 'E78.500', chd: 'I25.100', copd: 'J44.900', stroke: 'I69.300', ckd: 'N18.900',
  oa: 'M17.900', gastritis: 'K29.500', uri: 'J06.900', bronchitis: 'J20.900', gastroenteritis: 'A09.900', lowBackPain: 'M54.500',
  aecopd: 'J44.100', pneumonia: 'J18.900', angina: 'I20.000', infarct: 'I63.900', cholecystitis: 'K81.000', gallstones: 'K80.200',
} as const;
type Dx = keyof typeof DIAGNOSIS_CODES;
/** [code, 中文名称] of each diagnosis. */
export const DIAGNOSES = Object.fromEntries(Object.entries(DIAGNOSIS_CODES).map(([k, code]) =>
  [k, [code, ICD10_COMMON.find(([c]) => c === code)?.[1] ?? fail(`diagnosis ${code} in codes/icd10-common.ts`)] as const])) as Record<Dx, readonly [string, string]>;

type Chronic = 'htn' | 't2dm' | 'lipid' | 'chd' | 'copd' | 'stroke' | 'ckd' | 'oa' | 'gastritis';

/** Prevalence by age (and sex), roughly that of Chinese epidemiology: hypertension ~27 % of the over-45s, diabetes ~10 %. */
const PREVALENCE: [Chronic, (age: number, male: boolean, has: Set<Chronic>) => number][] = [
  ['htn', (a) => (a >= 75 ? 0.42 : a >= 60 ? 0.3 : a >= 45 ? 0.15 : a >= 30 ? 0.04 : 0)],
  ['t2dm', (a, _m, h) => (a >= 60 ? 0.11 : a >= 45 ? 0.07 : a >= 30 ? 0.02 : 0) * (h.has('htn') ? 1.6 : 0.85)],
  ['lipid', (a, _m, h) => (a >= 45 ? 0.12 : a >= 30 ? 0.04 : 0) * (h.has('t2dm') || h.has('htn') ? 1.8 : 1)],
  ['chd', (a, m, h) => (a >= 70 ? 0.09 : a >= 55 ? 0.035 : 0) * (m ? 1.3 : 0.8) * (h.has('htn') || h.has('t2dm') ? 1.5 : 1)],
  ['copd', (a, m) => (a >= 70 ? 0.1 : a >= 55 ? 0.05 : a >= 40 ? 0.015 : 0) * (m ? 1.6 : 0.5)],
  ['stroke', (a, _m, h) => (a >= 70 ? 0.045 : a >= 55 ? 0.015 : 0) * (h.has('htn') ? 1.6 : 1)],
  ['ckd', (a, _m, h) => (a >= 60 ? 0.03 : a >= 40 ? 0.01 : 0) * (h.has('t2dm') ? 3 : 1)],
  ['oa', (a, m) => (a >= 60 ? 0.14 : a >= 50 ? 0.07 : 0) * (m ? 0.7 : 1.3)],
  ['gastritis', (a) => (a >= 18 ? 0.05 : 0)],
];

interface Drug { drug: string; dose: string; route: string; frequency: string; perDay: number; unit: string }
const drug = (drug: string, dose: string, frequency: string, perDay: number, unit = '片', route = '口服'): Drug => ({ drug, dose, route, frequency, perDay, unit });
/** First-line choices per chronic disease (each resident keeps the regimen picked once). */
const REGIMENS: Partial<Record<Chronic, Drug[][]>> = {
  htn: [
    [drug('苯磺酸氨氯地平片 5mg', '5 mg', 'qd', 1)], [drug('硝苯地平控释片 30mg', '30 mg', 'qd', 1)],
    [drug('厄贝沙坦片 150mg', '150 mg', 'qd', 1)], [drug('缬沙坦胶囊 80mg', '80 mg', 'qd', 1, '粒')],
    [drug('苯磺酸氨氯地平片 5mg', '5 mg', 'qd', 1), drug('氢氯噻嗪片 25mg', '12.5 mg', 'qd', 0.5)],
    [drug('厄贝沙坦氢氯噻嗪片 150mg/12.5mg', '1 片', 'qd', 1)], [drug('琥珀酸美托洛尔缓释片 47.5mg', '47.5 mg', 'qd', 1)],
  ],
  t2dm: [
    [drug('盐酸二甲双胍片 0.5g', '0.5 g', 'tid', 3)], [drug('盐酸二甲双胍缓释片 0.5g', '1.0 g', 'qd', 2)],
    [drug('盐酸二甲双胍片 0.5g', '0.5 g', 'tid', 3), drug('格列美脲片 2mg', '2 mg', 'qd', 1)],
    [drug('阿卡波糖片 50mg', '50 mg', 'tid', 3)], [drug('盐酸二甲双胍片 0.5g', '0.5 g', 'tid', 3), drug('达格列净片 10mg', '10 mg', 'qd', 1)],
  ],
  lipid: [[drug('阿托伐他汀钙片 20mg', '20 mg', 'qn', 1)], [drug('瑞舒伐他汀钙片 10mg', '10 mg', 'qn', 1)]],
  chd: [[drug('阿司匹林肠溶片 100mg', '100 mg', 'qd', 1), drug('单硝酸异山梨酯缓释片 40mg', '40 mg', 'qd', 1)]],
  copd: [[drug('噻托溴铵粉吸入剂 18μg', '18 μg', 'qd', 1, '粒', '吸入')], [drug('沙美特罗替卡松粉吸入剂 50μg/250μg', '1 吸', 'bid', 2, '吸', '吸入')]],
  stroke: [[drug('阿司匹林肠溶片 100mg', '100 mg', 'qd', 1), drug('阿托伐他汀钙片 20mg', '20 mg', 'qn', 1)], [drug('硫酸氢氯吡格雷片 75mg', '75 mg', 'qd', 1)]],
  oa: [[drug('塞来昔布胶囊 0.2g', '0.2 g', 'qd', 1, '粒')], [drug('硫酸氨基葡萄糖胶囊 0.25g', '0.5 g', 'tid', 6, '粒')]],
};
const ACUTE: Record<'uri' | 'bronchitis' | 'gastroenteritis' | 'lowBackPain', { reason: string; drugs: Drug[]; days: number }> = {
  uri: { reason: '咽痛、流涕2天', drugs: [drug('复方氨酚烷胺片', '1 片', 'bid', 2), drug('蓝芩口服液 10ml', '10 ml', 'tid', 3, '支')], days: 5 },
  bronchitis: { reason: '咳嗽、咳痰5天', drugs: [drug('阿莫西林胶囊 0.5g', '0.5 g', 'tid', 3, '粒'), drug('盐酸氨溴索片 30mg', '30 mg', 'tid', 3)], days: 7 },
  gastroenteritis: { reason: '腹泻、腹痛1天', drugs: [drug('蒙脱石散 3g', '3 g', 'tid', 3, '袋'), drug('口服补液盐散(Ⅲ)', '1 袋', 'prn', 2, '袋')], days: 3 },
  lowBackPain: { reason: '腰痛1周', drugs: [drug('双氯芬酸钠缓释片 75mg', '75 mg', 'qd', 1)], days: 7 },
};
/** For residents allergic to penicillin the bronchitis antibiotic is a macrolide. */
const PENICILLIN_FREE = drug('阿奇霉素片 0.25g', '0.5 g', 'qd', 2);

/** Lab panels (检验组套) as the laboratories report them; items, units and reference ranges from codes/lab-items.ts. */
const PANELS = {
  cbc: { name: '血常规', code: 'CBC', items: ['WBC', 'NEUT%', 'LYMPH%', 'RBC', 'HGB', 'HCT', 'PLT'] },
  liverKidney: { name: '肝肾功能', code: 'LFT-RFT', items: ['ALT', 'AST', 'TBIL', 'ALB', 'UREA', 'CREA', 'UA'] },
  glucose: { name: '空腹血糖', code: 'GLU', items: ['GLU'] },
  diabetes: { name: '血糖、糖化血红蛋白', code: 'GLU-HBA1C', items: ['GLU', 'HBA1C'] },
  lipids: { name: '血脂', code: 'LIPID', items: ['TC', 'TG', 'HDL-C', 'LDL-C'] },
} as const;
type Panel = keyof typeof PANELS;
/** Decimals a laboratory reports each item with. */
const DECIMALS: Record<string, number> = { WBC: 2, RBC: 2, HGB: 0, PLT: 0, ALT: 0, AST: 0, CREA: 0, UA: 0, 'NEUT%': 1, 'LYMPH%': 1, HCT: 1, TBIL: 1, ALB: 1, HBA1C: 1 };
const LAB = new Map(LAB_ITEMS.map((i) => [i.code, i]));
const labItem = (code: string) => LAB.get(code) ?? fail(`lab item ${code} in codes/lab-items.ts`);
const vital = (code: string) => { const i = labItem(code); return { code: i.code, name: i.name, unit: i.unit!, low: i.refLow, high: i.refHigh }; };
/** Vital signs and glucometer readings (LOINC codes, as the lab item catalogue lists them). */
const VITALS = { sbp: vital('8480-6'), dbp: vital('8462-4'), glucose: vital('14743-9') };

// ——— helpers ———

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const DAY = 86_400_000;
const CST = 8 * 3_600_000;
const YEARS = 3;
/** Quarterly follow-ups are written for the last 18 months only: the seed has to stay fast (~50k rows). */
const FOLLOW_UP_DAYS = 550;
const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
const round = (x: number, d: number) => Number(x.toFixed(d));
const ymd = (ms: number) => new Date(ms + CST).toISOString().slice(0, 10);
const zhDate = (ms: number) => { const d = ymd(ms); return `${d.slice(0, 4)}年${Number(d.slice(5, 7))}月${Number(d.slice(8))}日`; };

interface Inst { id: string; code: string; name: string; level: string }
interface Staff { id: string; departmentId: string | null; department: string; specialty: string; title: string }

/** Who works where: physicians by institution, with their department there. */
function staffing(rows: DemoRows) {
  const practitioners = new Map(rows.practitioner.map((p) => [p.id as string, p]));
  const departments = new Map(rows.department.map((d) => [d.id as string, d]));
  const byInst = new Map<string, Staff[]>();
  for (const r of rows.practitioner_role) {
    const p = practitioners.get(r.practitioner_id)!;
    const d = r.department_id ? departments.get(r.department_id) : undefined;
    const list = byInst.get(r.institution_id) ?? byInst.set(r.institution_id, []).get(r.institution_id)!;
    list.push({ id: p.id as string, departmentId: r.department_id ?? null, department: d?.name ?? '', specialty: d?.specialty ?? p.specialty ?? '', title: p.title });
  }
  return byInst;
}

/** The grassroots institution a township's residents go to (the six townships without one use a neighbour's). */
const GRASSROOTS_OF: Record<TownshipName, string> = {
  武康街道: 'WSY01', 阜溪街道: 'WSY01', 下渚湖街道: 'WSY01', 舞阳街道: 'WSY02', 康乾街道: 'WSY02', 新市镇: 'WSY03', 禹越镇: 'WSY03',
  新安镇: 'WSY03', 乾元镇: 'WSY04', 雷甸镇: 'WSY04', 钟管镇: 'WSY05', 洛舍镇: 'WSY05', 莫干山镇: 'WSY06',
};
const PLACE = `${PROVINCE.name}${CITY.name}${COUNTY.name}`;

interface Resident {
  id: string; name: string; male: boolean; age: number; birthMs: number;
  village?: Inst; township: Inst; county: Inst;
  chronic: Set<Chronic>; regimens: Map<Chronic, Drug[]>; penicillinAllergy: boolean;
  /** Usual control: HbA1c (%) of a diabetic, systolic pressure of a hypertensive, LDL; drifts a little over time. */
  hba1c: number; sbp: number; ldl: number; demo: boolean;
}

// ——— the builder ———

export function buildRecordRows(rows: DemoRows, now: number): RecordRows {
  const rng = new Rng(2028);
  const ids = new Rng(2029);
  const out: RecordRows = { encounter: [], condition: [], allergy: [], medication_request: [], diagnostic_report: [], observation: [], document: [] };
  const staff = staffing(rows);
  const insts = new Map(rows.institution.map((i) => [i.code, { id: i.id as string, code: i.code, name: i.name, level: i.level } as Inst]));
  const inst = (code: string) => insts.get(code) ?? fail(`institution ${code}`);
  const todayStart = Math.floor((now + CST) / DAY) * DAY - CST; // midnight in China, as UTC ms
  const windowDays = YEARS * 365;
  /** A working-hours moment on day `daysAgo` before today (never in the future). */
  const at = (daysAgo: number, from = 8 * 60, to = 16 * 60 + 30) => {
    const t = todayStart - Math.round(daysAgo) * DAY + rng.int(from, to) * 60_000;
    return new Date(Math.min(t, now - 3_600_000));
  };
  const ageAt = (r: Resident, t: Date) => Math.floor((t.getTime() - r.birthMs) / (365.25 * DAY));

  /** A practitioner of `i` fit for the job (falls back to any physician there). */
  const pick = (i: Inst, want: (s: Staff) => boolean = () => true): Staff => {
    const all = (staff.get(i.id) ?? fail(`staff at ${i.code}`)).filter((s) => !s.title.endsWith('nurse'));
    const physicians = all.filter((s) => !s.title.endsWith('technician'));
    const fit = all.filter(want);
    return rng.pick(fit.length ? fit : physicians.length ? physicians : all);
  };
  const clinician = (i: Inst, specialties: string[] = []) =>
    pick(i, (s) => !s.title.endsWith('technician') && (specialties.length ? specialties.includes(s.specialty) : !['radiology', 'ecg', 'pathology', 'laboratory', 'public_health'].includes(s.specialty)));
  const labStaff = (i: Inst) => pick(i, (s) => s.specialty === 'laboratory');
  const radiologist = (i: Inst) => pick(i, (s) => s.specialty === 'radiology');
  const ecgReader = (i: Inst) => pick(i, (s) => s.specialty === 'ecg' || s.specialty === 'cardiology');
  const internist = (i: Inst, specialty?: string) =>
    clinician(i, i.code === 'RMYY' ? [specialty ?? 'internal'] : i.code === 'XZYY' ? ['tcm'] : i.level === '2' ? ['internal'] : []);

  /** A version-4-shaped id from the id generator (four draws instead of Rng.uuid's 34: the record has ~50k rows). */
  const newId = () => {
    let h = '';
    for (let k = 0; k < 4; k++) { const u = (ids.next() * 4294967296) >>> 0; h += HEX[u >>> 24]! + HEX[(u >>> 16) & 255]! + HEX[(u >>> 8) & 255]! + HEX[u & 255]!; }
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[h.charCodeAt(16) & 3]}${h.slice(17, 20)}-${h.slice(20)}`;
  };


  // ——— entry writers ———
  const encounter = (r: Resident, i: Inst, s: Staff, cls: 'outpatient' | 'emergency' | 'inpatient', start: Date, reason: string, end?: Date) => {
    const id = newId();
    const e = { id, entry_id: id, patient_id: r.id, institution_id: i.id, department_id: s.departmentId, practitioner_id: s.id, class: cls,
      started_at: start, ended_at: end ?? new Date(start.getTime() + rng.int(10, 25) * 60_000), reason, identifier: null, recorded_by: null, recorded_at: end ?? start };
    out.encounter.push(e);
    return { e, i, s, at: start };
  };
  type Visit = ReturnType<typeof encounter>;
  const condition = (r: Resident, v: Visit, dx: Dx, o: { category?: 'problem-list-item' | 'encounter-diagnosis'; primary?: boolean; onset?: string; status?: string; note?: string } = {}) => {
    const [code, display] = DIAGNOSES[dx];
    const id = newId();
    out.condition.push({ id, entry_id: id, patient_id: r.id, institution_id: v.i.id, encounter_id: v.e.entry_id, practitioner_id: v.s.id,
      code_system: ICD10_YILIAN_COMMON, code, display, category: o.category ?? 'encounter-diagnosis', clinical_status: o.status ?? 'active',
      verification_status: 'confirmed', is_primary: o.primary ?? false, onset_date: o.onset ?? ymd(v.at.getTime()), note: o.note ?? null,
      identifier: null, recorded_by: null, recorded_at: v.at });
  };
  const prescribe = (r: Resident, v: Visit, d: Drug, days: number, note: string | null = null) => {
    const ends = v.at.getTime() + days * DAY;
    const id = newId();
    out.medication_request.push({ id, entry_id: id, patient_id: r.id, institution_id: v.i.id, encounter_id: v.e.entry_id, practitioner_id: v.s.id,
      drug: d.drug, drug_code: null, dose: d.dose, route: d.route, frequency: d.frequency, days, quantity: `${Math.ceil(d.perDay * days)}${d.unit}`,
      status: ends < now ? 'completed' : 'active', authored_at: v.at, note, identifier: null, recorded_by: null, recorded_at: v.at });
  };
  const flagOf = (v: number, lo: number | null, hi: number | null) => (hi !== null && v > hi ? 'H' : lo !== null && v < lo ? 'L' : 'N');
  const observe = (r: Resident, o: { v?: Visit; reportId?: string | null; category: 'laboratory' | 'vital-signs' | 'home-monitoring' | 'exam'; code: string; name: string;
    value: number; unit: string; low: number | null; high: number | null; at: Date; device?: string; institutionId?: string | null }) => {
    const id = newId();
    out.observation.push({ id, entry_id: id, patient_id: r.id, institution_id: o.institutionId !== undefined ? o.institutionId : o.v?.i.id ?? null,
      encounter_id: o.v?.e.entry_id ?? null, report_id: o.reportId ?? null, category: o.category, code: o.code, name: o.name, value_num: o.value,
      value_text: null, unit: o.unit, ref_low: o.low, ref_high: o.high, ref_text: null, flag: flagOf(o.value, o.low, o.high), effective_at: o.at,
      device: o.device ?? null, identifier: null, recorded_by: null, recorded_at: o.at });
  };
  const report = (r: Resident, v: Visit, o: { category: 'lab' | 'imaging' | 'ecg' | 'ultrasound'; code: string; name: string; modality?: string;
    findings?: string; conclusion?: string; by: Staff; issued: Date }) => {
    const id = newId();
    const rep = { id, entry_id: id, patient_id: r.id, institution_id: v.i.id, encounter_id: v.e.entry_id, practitioner_id: o.by.id, category: o.category,
      code: o.code, name: o.name, modality: o.modality ?? null, findings: o.findings ?? null, conclusion: o.conclusion ?? null, issued_at: o.issued,
      identifier: null, recorded_by: null, recorded_at: o.issued };
    out.diagnostic_report.push(rep);
    return rep;
  };

  /** A lab panel drawn at the visit, reported a few hours later; `values` overrides generated values by item code. */
  const labPanel = (r: Resident, v: Visit, panel: Panel, values: Record<string, number> = {}) => {
    const drawn = new Date(v.at.getTime() + rng.int(10, 40) * 60_000);
    const issued = new Date(drawn.getTime() + (v.i.level === '3' || v.i.level === '2' ? rng.int(90, 240) : rng.int(60, 180)) * 60_000);
    const p = PANELS[panel];
    const abnormal: string[] = [];
    const rep = report(r, v, { category: 'lab', code: p.code, name: p.name, by: labStaff(v.i), issued });
    for (const code of p.items) {
      const item = labItem(code);
      const [lo, hi] = item.bySex ? item.bySex[r.male ? 'male' : 'female'] : [item.refLow, item.refHigh];
      const value = round(values[item.code] ?? labValue(r, item.code, lo, hi, drawn), DECIMALS[code] ?? 2);
      const f = flagOf(value, lo, hi);
      if (f !== 'N') abnormal.push(`${item.name}${f === 'H' ? '偏高' : '偏低'}`);
      observe(r, { v, reportId: rep.entry_id, category: 'laboratory', code: item.code, name: item.name, value, unit: item.unit ?? '', low: lo, high: hi, at: drawn });
    }
    rep.conclusion = abnormal.length ? abnormal.join('，') : '各项指标在参考范围内';
    return rep;
  };
  const labValue = (r: Resident, code: string, lo: number | null, hi: number | null, t: Date): number => {
    const n = (mean: number, sd: number) => mean + sd * (rng.next() + rng.next() + rng.next() - 1.5) * 1.4;
    const years = (now - t.getTime()) / (365 * DAY); // how long before now
    switch (code) {
      case 'GLU': return r.chronic.has('t2dm') ? clamp(n(r.hba1c * 1.2 - 1.3, 1.0), 5.2, 16) : clamp(n(5.1, 0.45), 3.8, 6.9);
      case 'HBA1C': return r.chronic.has('t2dm') ? clamp(n(r.hba1c + years * 0.15, 0.35), 5.8, 11.5) : clamp(n(5.4, 0.3), 4.3, 6.3);
      case 'TC': return clamp(n(r.ldl + 1.9, 0.4), 2.8, 8);
      case 'LDL-C': return clamp(n(r.ldl, 0.3), 1.2, 5.8);
      case 'TG': return clamp(n(r.chronic.has('lipid') || r.chronic.has('t2dm') ? 2.0 : 1.2, 0.45), 0.4, 6);
      case 'HDL-C': return clamp(n(r.male ? 1.15 : 1.35, 0.2), 0.7, 2.2);
      case 'CREA': return r.chronic.has('ckd') ? clamp(n(r.male ? 150 : 125, 25), 90, 260) : clamp(n(r.male ? 78 : 58, 11), 35, 120);
      case 'UREA': return r.chronic.has('ckd') ? clamp(n(10, 1.8), 6, 18) : clamp(n(5.3, 1.1), 2.5, 9.5);
      case 'UA': return clamp(n(r.male ? 360 : 290, 60), 150, 600);
      case 'HGB': return r.chronic.has('ckd') ? n(r.male ? 118 : 105, 9) : n(r.male ? 145 : 128, 10);
      default: {
        if (lo === null || hi === null) return hi ?? lo ?? 1;
        const mid = (lo + hi) / 2, half = (hi - lo) / 2;
        return clamp(n(mid, half * 0.45), lo - half * 0.35, hi + half * 0.35);
      }
    }
  };
  const vitals = (r: Resident, v: Visit, withGlucose: boolean, sbpOverride?: number) => {
    const t = new Date(v.at.getTime() + 5 * 60_000);
    const sbp = Math.round(sbpOverride ?? clamp(r.sbp + rng.int(-12, 12), 100, 190));
    const dbp = Math.round(clamp(sbp * 0.58 + rng.int(-8, 8), 55, 115));
    observe(r, { v, category: 'vital-signs', ...VITALS.sbp, value: sbp, at: t });
    observe(r, { v, category: 'vital-signs', ...VITALS.dbp, value: dbp, at: t });
    if (withGlucose) observe(r, { v, category: 'vital-signs', ...VITALS.glucose, value: round(clamp(r.hba1c * 1.2 - 1.2 + rng.int(-10, 12) / 10, 4.8, 15), 1), at: t });
    return { sbp, dbp };
  };
  const ecg = (r: Resident, v: Visit, issuedAfterMin = 30) => {
    const hr = rng.int(58, 92);
    const [findings, conclusion] = r.chronic.has('chd') && rng.chance(0.6)
      ? [`窦性心律，心率${hr}次/分，PR间期0.16s，QRS时限0.09s，V4–V6导联ST段水平型压低0.05–0.1mV，T波低平。`, '窦性心律；ST-T改变']
      : r.chronic.has('htn') && rng.chance(0.35)
        ? [`窦性心律，心率${hr}次/分，RV5+SV1=4.3mV，电轴不偏。`, '窦性心律；左心室高电压']
        : r.age >= 70 && rng.chance(0.08)
          ? [`P波消失，代之以f波，心室率${hr + 10}次/分，RR间期绝对不等。`, '心房颤动']
          : [`窦性心律，心率${hr}次/分，PR间期0.15s，QRS时限0.08s，电轴不偏，各导联ST-T未见明显异常。`, '窦性心律；正常心电图'];
    report(r, v, { category: 'ecg', code: 'ECG12', name: '常规心电图（12导联）', findings, conclusion, by: ecgReader(v.i), issued: new Date(v.at.getTime() + issuedAfterMin * 60_000) });
  };
  const ultrasound = (r: Resident, v: Visit) => {
    const fatty = r.chronic.has('t2dm') || r.chronic.has('lipid') ? rng.chance(0.45) : rng.chance(0.15);
    const stones = rng.chance(0.07);
    const findings = `肝脏：大小形态正常，包膜光整，${fatty ? '实质回声细密增强，远场回声衰减' : '实质回声均匀'}，肝内管道结构清晰。胆囊：大小正常，壁光滑，${stones ? '腔内见一强回声团，大小约1.2cm×0.9cm，后伴声影，随体位移动' : '腔内未见明显异常回声'}。胰腺、脾脏：大小形态正常，回声均匀。双肾：大小形态正常，集合系统未见分离。`;
    const conclusion = [fatty ? '脂肪肝（轻度）' : '', stones ? '胆囊结石' : ''].filter(Boolean).join('；') || '肝、胆、胰、脾、双肾未见明显异常';
    report(r, v, { category: 'ultrasound', code: 'US-ABD', name: '腹部B超（肝胆胰脾肾）', modality: 'US', findings, conclusion, by: pick(v.i, (s) => s.specialty === 'radiology'), issued: new Date(v.at.getTime() + 50 * 60_000) });
  };
  const CHEST_CT: Record<'normal' | 'emphysema' | 'pneumonia' | 'nodule', [string, string]> = {
    normal: ['双肺纹理清晰，走行自然，双肺野未见明显实质性病变。气管及主支气管通畅。纵隔居中，纵隔内未见明显肿大淋巴结。心影大小形态正常。双侧胸腔未见积液，胸膜无增厚。', '胸部CT平扫未见明显异常。'],
    emphysema: ['双肺透亮度增高，肺纹理稀疏、紊乱，双肺上叶见多发小泡状无肺纹理区。支气管壁增厚。纵隔内未见明显肿大淋巴结。双侧胸腔未见积液。', '慢性支气管炎、肺气肿改变，请结合临床。'],
    pneumonia: ['右肺下叶见斑片状密度增高影，边缘模糊，其内可见支气管充气征；余肺野未见明显实质性病变。纵隔内见数枚小淋巴结，短径均小于1cm。右侧胸腔少量积液。', '右肺下叶炎症，右侧少量胸腔积液，建议抗感染治疗后复查。'],
    nodule: ['右肺上叶尖段见一磨玻璃密度结节，大小约6mm×5mm，边界清楚，未见分叶及毛刺，邻近胸膜无牵拉。余肺野未见明显实质性病变。纵隔内未见明显肿大淋巴结。', '右肺上叶磨玻璃结节（Lung-RADS 2类），建议12个月后低剂量CT复查。'],
  };
  const chestCt = (r: Resident, v: Visit, kind: keyof typeof CHEST_CT, afterMin = 120) => {
    const [findings, conclusion] = CHEST_CT[kind];
    return report(r, v, { category: 'imaging', code: 'CT-CHEST', name: '胸部CT平扫', modality: 'CT', findings, conclusion, by: radiologist(v.i), issued: new Date(v.at.getTime() + afterMin * 60_000) });
  };

  // ——— the episodes ———

  /** 慢病随访 at the village clinic or township: pressure (and glucose), prescriptions renewed for 12 weeks. */
  const followUp = (r: Resident, daysAgo: number, where?: Inst) => {
    const i = where ?? (r.village && rng.chance(0.6) ? r.village : r.township);
    const diseases = [...(r.chronic.has('htn') ? ['高血压'] : []), ...(r.chronic.has('t2dm') ? ['2型糖尿病'] : [])];
    const v = encounter(r, i, clinician(i, ['general_practice']), 'outpatient', at(daysAgo, 8 * 60, 11 * 60 + 30), `${diseases.join('、')}随访`);
    vitals(r, v, r.chronic.has('t2dm'));
    for (const c of ['htn', 't2dm'] as Chronic[]) for (const d of r.regimens.get(c) ?? []) prescribe(r, v, d, 84, '慢病长处方');
    if (rng.chance(0.3)) for (const c of ['lipid', 'chd', 'stroke'] as Chronic[]) for (const d of r.regimens.get(c) ?? []) prescribe(r, v, d, 84, '慢病长处方');
    return v;
  };
  /** Yearly visit at the county hospital (or RMYY): labs, ECG, prescriptions reviewed. */
  const specialistVisit = (r: Resident, daysAgo: number, where: Inst, hba1c?: number) => {
    const specialty = r.chronic.has('chd') ? 'cardiology' : r.chronic.has('stroke') ? 'neurology' : r.chronic.has('t2dm') ? 'endocrinology' : r.chronic.has('copd') ? 'respiratory' : 'cardiology';
    const main = (['t2dm', 'htn', 'chd', 'copd', 'stroke', 'ckd', 'lipid', 'oa', 'gastritis'] as Chronic[]).filter((c) => r.chronic.has(c));
    const v = encounter(r, where, internist(where, specialty), 'outpatient', at(daysAgo, 8 * 60, 11 * 60), `${main.map((c) => DIAGNOSES[c][1]).slice(0, 2).join('、')}复诊`);
    if (!r.chronic.has('htn') || rng.chance(0.3)) vitals(r, v, false);
    if (r.chronic.has('t2dm') || r.chronic.has('ckd') || (r.chronic.has('htn') && rng.chance(0.3))) labPanel(r, v, 'liverKidney');
    if (r.chronic.has('t2dm') || r.chronic.has('htn') || r.chronic.has('chd') || r.chronic.has('lipid')) labPanel(r, v, 'lipids');
    if (r.chronic.has('t2dm')) labPanel(r, v, 'diabetes', hba1c !== undefined ? { HBA1C: hba1c } : {});
    if (rng.chance(0.15) || r.chronic.has('ckd')) labPanel(r, v, 'cbc');
    if (r.chronic.has('htn') || r.chronic.has('chd')) ecg(r, v);
    if (r.chronic.has('copd') && rng.chance(0.5)) chestCt(r, v, 'emphysema');
    return v;
  };
  /** 老年人健康体检 at the township: labs, ECG, abdominal ultrasound. */
  const healthCheck = (r: Resident, daysAgo: number) => {
    const v = encounter(r, r.township, clinician(r.township, ['general_practice']), 'outpatient', at(daysAgo, 7 * 60 + 30, 10 * 60), '老年人健康体检');
    vitals(r, v, false);
    for (const p of ['cbc', 'liverKidney', 'glucose', 'lipids'] as Panel[]) labPanel(r, v, p);
    ecg(r, v, 20);
    ultrasound(r, v);
  };
  const acuteVisit = (r: Resident, daysAgo: number) => {
    const kind = r.age < 14 ? rng.weighted([['uri', 6], ['bronchitis', 2], ['gastroenteritis', 2]] as const)
      : rng.weighted([['uri', 5], ['bronchitis', 2], ['gastroenteritis', 2], ['lowBackPain', r.age >= 30 ? 2 : 0]] as const);
    const i = rng.weighted([[r.village ?? r.township, r.village ? 4 : 0], [r.township, 4], [r.county, 2]] as const);
    const kids = r.age < 14 && i.level !== '0';
    const v = encounter(r, i, kids ? clinician(i, ['pediatrics', 'general_practice']) : clinician(i), rng.chance(0.08) && i.level === '2' ? 'emergency' : 'outpatient', at(daysAgo), ACUTE[kind].reason);
    condition(r, v, kind, { primary: true, status: 'resolved' });
    for (const d of ACUTE[kind].drugs) prescribe(r, v, d.drug.startsWith('阿莫西林') && r.penicillinAllergy ? PENICILLIN_FREE : d, ACUTE[kind].days);
    if ((kind === 'bronchitis' || (kind === 'uri' && rng.chance(0.3))) && i.level !== '0') labPanel(r, v, 'cbc', kind === 'bronchitis' ? { WBC: 9.6 + rng.int(0, 30) / 10 } : {});
    if (kind === 'bronchitis' && i.level === '2' && rng.chance(0.4)) chestCt(r, v, 'normal', 90);
  };

  interface Stay { dx: Dx; where: Inst; specialty: string; reason: string; days: [number, number]; course: string; ct?: keyof typeof CHEST_CT; advice: string; surgery?: string }
  const STAYS: Record<'aecopd' | 'pneumonia' | 'angina' | 'infarct' | 't2dm' | 'cholecystitis', Omit<Stay, 'where'>> = {
    aecopd: { dx: 'aecopd', specialty: 'respiratory', reason: '反复咳嗽、咳痰10余年，加重伴气促3天', days: [7, 12], ct: 'emphysema',
      course: '予低流量吸氧、头孢哌酮舒巴坦抗感染、甲泼尼龙静滴、布地奈德及异丙托溴铵雾化吸入、氨溴索化痰等治疗，咳嗽咳痰减轻，气促好转。',
      advice: '继续规律吸入噻托溴铵粉吸入剂；戒烟，避免受凉；加强呼吸功能锻炼；2周后呼吸科门诊复诊，复查肺功能。' },
    pneumonia: { dx: 'pneumonia', specialty: 'respiratory', reason: '发热、咳嗽、咳黄痰4天', days: [6, 10], ct: 'pneumonia',
      course: '予头孢曲松联合阿奇霉素抗感染，补液、化痰、退热等对症治疗，体温于入院第3天恢复正常，咳嗽明显减轻，复查血常规正常。',
      advice: '注意休息，避免受凉；出院后口服头孢克肟3天；2周后复查胸部CT。' },
    angina: { dx: 'angina', specialty: 'cardiology', reason: '反复胸闷、胸痛1月，加重2天', days: [5, 8], surgery: '冠状动脉造影+经皮冠状动脉介入治疗（PCI），前降支近段植入药物洗脱支架1枚',
      course: '入院后予双联抗血小板（阿司匹林+替格瑞洛）、强化降脂、扩冠、控制心室率等治疗；完善冠状动脉造影示前降支近段狭窄约85%，行PCI术，术后胸痛未再发作。',
      advice: '阿司匹林肠溶片100mg qd、替格瑞洛片90mg bid（至少12个月），阿托伐他汀钙片20mg qn；低盐低脂饮食；1月后心内科门诊复诊。' },
    infarct: { dx: 'infarct', specialty: 'neurology', reason: '突发右侧肢体无力伴言语含糊6小时', days: [10, 14],
      course: '入院后头颅MRI示左侧基底节区急性脑梗死；予阿司匹林联合氯吡格雷抗血小板、阿托伐他汀强化降脂、改善循环、营养神经及早期康复训练，右侧肢体肌力由3级恢复至4级。',
      advice: '阿司匹林肠溶片100mg qd，阿托伐他汀钙片20mg qn；控制血压、血糖；继续康复训练；1月后神经内科复诊，可至乡镇卫生院康复科继续康复。' },
    t2dm: { dx: 't2dm', specialty: 'endocrinology', reason: '口干、多饮、多尿加重1月，血糖控制不佳', days: [7, 10],
      course: '入院后完善糖化血红蛋白、肝肾功能、血脂、尿微量白蛋白及眼底检查；予糖尿病饮食、胰岛素强化治疗，血糖平稳后调整为口服降糖药，空腹血糖控制在6–8mmol/L。',
      advice: '糖尿病饮食，适量运动；规律服药，监测空腹及餐后血糖；3个月后复查糖化血红蛋白；由乡镇卫生院家庭医生继续随访。' },
    cholecystitis: { dx: 'cholecystitis', specialty: 'general_surgery', reason: '右上腹痛伴发热1天', days: [5, 8], surgery: '腹腔镜下胆囊切除术',
      course: '入院后腹部B超示胆囊增大、壁增厚毛糙，腔内多发结石；予禁食、抗感染、解痉止痛治疗后行腹腔镜下胆囊切除术，术程顺利，术后恢复良好，切口甲级愈合。',
      advice: '低脂饮食，1月内避免剧烈运动；术后病理回报后门诊复诊；如有腹痛、发热、黄疸及时就诊。' },
  };
  const inpatient = (r: Resident, which: keyof typeof STAYS, daysAgo: number, where: Inst, opts: { hba1c?: number; sbp?: number } = {}) => {
    const st = STAYS[which];
    const ward = where.code === 'RMYY' ? st.specialty : where.code === 'XZYY' ? 'tcm' : st.specialty === 'general_surgery' ? 'general_surgery' : 'internal';
    const doc = clinician(where, [ward]);
    const length = rng.int(...st.days);
    const start = at(daysAgo, 9 * 60, 16 * 60);
    const end = new Date(Math.min(start.getTime() + length * DAY + rng.int(-60, 120) * 60_000, now - 3_600_000));
    const v = encounter(r, where, doc, 'inpatient', start, st.reason, end);
    condition(r, v, st.dx, { primary: true, status: 'resolved' });
    if (st.dx === 'cholecystitis') condition(r, v, 'gallstones');
    const comorbid = (['htn', 't2dm', 'chd', 'copd', 'ckd', 'lipid'] as Chronic[]).filter((c) => r.chronic.has(c) && DIAGNOSES[c][0] !== DIAGNOSES[st.dx][0]);
    for (const c of comorbid) condition(r, v, c);
    const bp = vitals(r, v, false, opts.sbp);
    const admit = { ...v, at: new Date(start.getTime() + 60 * 60_000) };
    labPanel(r, admit, 'cbc', which === 'pneumonia' || which === 'aecopd' || which === 'cholecystitis' ? { WBC: 11 + rng.int(0, 50) / 10, 'NEUT%': 78 + rng.int(0, 100) / 10 } : {});
    labPanel(r, admit, 'liverKidney');
    if (r.chronic.has('t2dm') || which === 't2dm')
      labPanel(r, admit, 'diabetes', { ...(which === 't2dm' ? { GLU: 12.5 + rng.int(0, 40) / 10, HBA1C: 9.2 + rng.int(0, 15) / 10 } : {}), ...(opts.hba1c !== undefined ? { HBA1C: opts.hba1c } : {}) });
    else labPanel(r, admit, 'glucose');
    if (which === 'angina' || which === 'infarct' || which === 't2dm') labPanel(r, admit, 'lipids');
    ecg(r, admit, 40);
    if (st.ct) chestCt(r, admit, st.ct, 180);
    if (which === 'infarct') report(r, admit, { category: 'imaging', code: 'CT-HEAD', name: '头颅CT平扫', modality: 'CT', by: radiologist(where), issued: new Date(admit.at.getTime() + 60 * 60_000),
      findings: '左侧基底节区见斑片状稍低密度影，边界欠清；脑室系统未见扩张，中线结构居中；颅骨未见明显异常。', conclusion: '左侧基底节区低密度灶，考虑急性期脑梗死可能，建议MRI进一步检查。' });
    if (which === 'cholecystitis' || which === 't2dm') ultrasound(r, admit);
    // The discharge summary (出院记录).
    const diagnoses = [DIAGNOSES[st.dx][1], ...(st.dx === 'cholecystitis' ? [DIAGNOSES.gallstones[1]] : []), ...comorbid.map((c) => DIAGNOSES[c][1])];
    const ageNow = ageAt(r, start);
    const text = [
      '出院记录',
      `姓名：${r.name}　性别：${r.male ? '男' : '女'}　年龄：${ageNow}岁　科室：${doc.department}　医院：${where.name}`,
      `入院日期：${zhDate(start.getTime())}　出院日期：${zhDate(end.getTime())}　住院天数：${Math.max(1, Math.round((end.getTime() - start.getTime()) / DAY))}天`,
      `入院情况：患者因“${st.reason}”入院。入院查体：T ${which === 'pneumonia' ? '38.6' : '36.8'}℃，BP ${bp.sbp}/${bp.dbp}mmHg，神志清，精神${which === 'infarct' ? '软' : '可'}。`,
      `入院诊断：${diagnoses.map((d, k) => `${k + 1}. ${d}`).join('　')}`,
      `诊疗经过：${st.course}${st.surgery ? `住院期间行${st.surgery}。` : ''}`,
      `出院情况：患者一般情况可，${which === 'infarct' ? '右侧肢体肌力4级，言语较前清晰' : '症状明显缓解'}，生命体征平稳。`,
      `出院诊断：${diagnoses.map((d, k) => `${k + 1}. ${d}`).join('　')}`,
      `出院医嘱：${st.advice}`,
      `医师：${rows.practitioner.find((p) => p.id === doc.id)!.name}`,
    ].join('\n');
    const id = newId();
    out.document.push({ id, entry_id: id, patient_id: r.id, institution_id: where.id, encounter_id: v.e.entry_id, practitioner_id: doc.id, kind: 'discharge_summary',
      title: `出院记录（${DIAGNOSES[st.dx][1]}）`, text, authored_at: end, identifier: null, recorded_by: null, recorded_at: end });
    const discharge = { ...v, at: end };
    for (const c of comorbid) for (const d of r.regimens.get(c) ?? []) prescribe(r, discharge, d, 14, '出院带药');
    return v;
  };

  // ——— the residents ———

  const clinicOfAddress = (address: string) =>
    Object.entries(VILLAGE_CLINICS).find(([, [town, village]]) => address.startsWith(`${PLACE}${town}${village}`))?.[0];
  const townOf = (regionCode: string) => TOWNSHIPS.find((t) => t.code === regionCode)!.name;
  const demoPatientId = rows.user_account.find((u) => u.username === 'patient')?.patient_id ?? null;

  for (const p of rows.patient) {
    const male = p.sex === 'male';
    const birthMs = Date.parse(`${p.birth_date}T00:00:00+08:00`);
    const age = Math.floor((now - birthMs) / (365.25 * DAY));
    const clinic = clinicOfAddress(p.address ?? '');
    const r: Resident = {
      id: p.id as string, name: p.name, male, age, birthMs, village: clinic ? inst(clinic) : undefined,
      township: inst(GRASSROOTS_OF[townOf(p.region_code!)]), county: inst(rng.chance(0.8) ? 'XRMYY' : 'XZYY'),
      chronic: new Set(), regimens: new Map(), penicillinAllergy: false, hba1c: 0, sbp: 0, ldl: 0, demo: p.id === demoPatientId,
    };
    if (r.demo) { r.chronic = new Set(['htn', 't2dm', 'lipid']); r.county = inst('XRMYY'); }
    else for (const [c, prevalence] of PREVALENCE) if (rng.chance(prevalence(age, male, r.chronic))) r.chronic.add(c);
    for (const c of r.chronic) { const options = REGIMENS[c]; if (options) r.regimens.set(c, rng.pick(options)); }
    if (r.demo) { r.regimens.set('htn', REGIMENS.htn![0]!); r.regimens.set('t2dm', REGIMENS.t2dm![0]!); r.regimens.set('lipid', REGIMENS.lipid![0]!); }
    r.hba1c = r.chronic.has('t2dm') ? rng.weighted([[6.6 + rng.next() * 1.2, 6], [7.6 + rng.next() * 1.2, 3], [8.8 + rng.next() * 1.2, 1]] as const) : 5.4;
    r.sbp = r.chronic.has('htn') ? rng.int(128, 158) : clamp(105 + Math.max(0, age - 20) * 0.45 + rng.int(-8, 8), 95, 138);
    r.ldl = r.chronic.has('lipid') ? 3.1 + rng.next() * 1.2 : 2.4 + rng.next() * 0.9;
    if (r.demo) { r.hba1c = 7.0; r.sbp = 142; r.ldl = 3.3; }

    // Allergies (about 8 % of residents; the demo patient is allergic to penicillin).
    if (r.demo || rng.chance(0.08)) {
      const [substance, category, reaction, severity, criticality] = r.demo ? ALLERGENS[0]! : rng.weighted(ALLERGENS.map((a) => [a, a[5]] as const));
      r.penicillinAllergy = substance === '青霉素';
      const where = r.demo ? r.township : rng.pick([r.township, r.county]);
      const id = newId();
      out.allergy.push({ id, entry_id: id, patient_id: r.id, institution_id: where.id, substance, category, reaction, severity, criticality,
        clinical_status: 'active', verification_status: 'confirmed', identifier: null, recorded_by: null, recorded_at: at(rng.int(300, windowDays - 30)) });
    }

    if (r.demo) { demoHistory(r); continue; }

    // Chronic care: problem list at the first visit of the window, quarterly follow-ups, a yearly specialist visit.
    const managed = r.chronic.has('htn') || r.chronic.has('t2dm');
    const start = rng.int(windowDays - 80, windowDays); // the first visit of the window
    if (r.chronic.size) {
      const first = managed ? followUp(r, start) : specialistVisit(r, start, r.county);
      for (const c of r.chronic) {
        const onsetYear = Math.max(Number(p.birth_date.slice(0, 4)) + 30, new Date(now).getUTCFullYear() - rng.int(1, 15));
        condition(r, first, c, { category: 'problem-list-item', onset: `${onsetYear}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}` });
      }
      if (managed) for (let d = Math.min(start, FOLLOW_UP_DAYS) - rng.int(85, 100); d > 3; d -= rng.int(85, 100)) if (rng.chance(0.9)) followUp(r, d);
      const serious = r.chronic.has('chd') || r.chronic.has('stroke');
      for (let y = 0; y < YEARS; y++) {
        if (!rng.chance(managed || serious ? 0.55 : 0.3)) continue;
        specialistVisit(r, y * 365 + rng.int(20, 330), serious && rng.chance(0.6) ? inst('RMYY') : r.county);
      }
      if (!managed) for (const d of [rng.int(60, 400), rng.int(400, 900)]) if (rng.chance(0.5)) {
        const i = rng.chance(0.5) ? r.township : r.county;
        const v = encounter(r, i, clinician(i), 'outpatient', at(d), `${[...r.chronic].map((c) => DIAGNOSES[c][1])[0]}复诊`);
        for (const c of r.chronic) for (const dr of r.regimens.get(c) ?? []) prescribe(r, v, dr, 28);
      }
    }
    // 老年人健康体检 of the over-65s: this year's.
    if (r.age >= 65 && rng.chance(0.3)) healthCheck(r, rng.int(20, 330));
    // Acute visits.
    const acute = r.age < 7 ? rng.int(1, 3) : r.age < 60 ? rng.weighted([[0, 5], [1, 3], [2, 1]] as const) : rng.int(0, 2);
    for (let k = 0; k < acute; k++) acuteVisit(r, rng.int(1, windowDays));
    // Inpatient stays.
    const stays: [keyof typeof STAYS, number, string][] = [
      ['aecopd', r.chronic.has('copd') ? 0.3 : 0, 'XRMYY'], ['pneumonia', r.age >= 70 ? 0.04 : r.age < 6 ? 0.02 : 0.004, 'XRMYY'],
      ['angina', r.chronic.has('chd') ? 0.2 : 0, 'RMYY'], ['infarct', r.chronic.has('stroke') ? 0.25 : 0, rng.chance(0.5) ? 'RMYY' : 'XRMYY'],
      ['t2dm', r.chronic.has('t2dm') && r.hba1c > 8 ? 0.25 : 0, rng.chance(0.3) ? 'RMYY' : 'XRMYY'], ['cholecystitis', r.age >= 30 ? 0.006 : 0, rng.chance(0.7) ? 'XRMYY' : 'RMYY'],
    ];
    for (const [which, chance, where] of stays) if (rng.chance(chance)) inpatient(r, which, rng.int(20, windowDays - 30), inst(where));
    // Home readings for some of the managed: the last ~45 days.
    if (r.chronic.has('htn') && rng.chance(0.2)) homeReadings(r, 'bp', 45);
    if (r.chronic.has('t2dm') && rng.chance(0.25)) homeReadings(r, 'glucose', 45);
  }

  function homeReadings(r: Resident, kind: 'bp' | 'glucose', days: number) {
    for (let d = days; d >= 1; d -= rng.int(3, 5)) {
      const t = new Date(todayStart - d * DAY + rng.int(6 * 60 + 30, 8 * 60) * 60_000);
      if (kind === 'bp') {
        const sbp = Math.round(clamp(r.sbp - 4 + rng.int(-10, 10), 100, 185));
        observe(r, { category: 'home-monitoring', ...VITALS.sbp, value: sbp, at: t, device: '家用电子血压计', institutionId: null });
        observe(r, { category: 'home-monitoring', ...VITALS.dbp, value: Math.round(clamp(sbp * 0.6 + rng.int(-6, 6), 55, 110)), at: t, device: '家用电子血压计', institutionId: null });
      } else observe(r, { category: 'home-monitoring', ...VITALS.glucose, value: round(clamp(r.hba1c * 1.2 - 1.4 + rng.int(-10, 14) / 10, 4.5, 14), 1), at: t, device: '家用血糖仪', institutionId: null });
    }
  }

  /** 费建新 (the `patient` account): followed at 宋市村卫生室 and 新市镇中心卫生院, yearly at the county hospital, once at RMYY. */
  function demoHistory(r: Resident) {
    const wsy03 = inst('WSY03'), xrmyy = inst('XRMYY'), rmyy = inst('RMYY');
    const family = (rows.practitioner.find((p) => p.name === '吴丽华')!.id) as string;
    const familyStaff = staff.get(wsy03.id)!.find((s) => s.id === family)!;
    // Problem list, recorded at the first follow-up of the window by the family doctor.
    const first = encounter(r, wsy03, familyStaff, 'outpatient', at(windowDays - 10, 8 * 60, 10 * 60), '高血压、2型糖尿病随访（签约家庭医生）');
    vitals(r, first, true, 148);
    condition(r, first, 'htn', { category: 'problem-list-item', onset: '2014-05-12', note: '高血压2级（高危）' });
    condition(r, first, 't2dm', { category: 'problem-list-item', onset: '2019-09-03' });
    condition(r, first, 'lipid', { category: 'problem-list-item', onset: '2020-03-18' });
    for (const c of ['htn', 't2dm', 'lipid'] as Chronic[]) for (const d of r.regimens.get(c)!) prescribe(r, first, d, 84, '慢病长处方');
    // Quarterly follow-ups alternating between the village clinic and the township; pressure improving.
    let k = 0;
    for (let d = windowDays - 100; d > 5; d -= 91, k++) followUp(r, d, k % 2 ? r.village ?? wsy03 : wsy03);
    // Yearly county visits: HbA1c 8.4 → 8.6, 9.1 at the stay (below), then 7.3 → 6.9 after the regimen was changed.
    const trend: [number, number][] = [[windowDays - 20, 8.4], [windowDays - 390, 8.6], [340, 7.3], [45, 6.9]];
    for (const [d, h] of trend) specialistVisit(r, d, xrmyy, h);
    // The stay at the county hospital: uncontrolled diabetes, with a discharge summary.
    inpatient(r, 't2dm', 560, xrmyy, { hba1c: 9.1, sbp: 156 });
    // Chest CT at the city hospital (a small nodule, to be followed) during a cardiology-respiratory visit.
    const ctVisit = encounter(r, rmyy, clinician(rmyy, ['respiratory']), 'outpatient', at(210, 8 * 60, 10 * 60), '体检发现肺部小结节，咳嗽2周');
    chestCt(r, ctVisit, 'nodule', 150);
    labPanel(r, ctVisit, 'cbc');
    ecg(r, ctVisit);
    // Home readings of the last two months.
    homeReadings(r, 'bp', 60);
    homeReadings(r, 'glucose', 60);
  }

  return out;
}

/** [substance, category, reaction, severity, criticality, weight] */
const ALLERGENS: [string, 'medication' | 'food' | 'environment', string, 'mild' | 'moderate' | 'severe', 'low' | 'high', number][] = [
  ['青霉素', 'medication', '全身皮疹、瘙痒', 'moderate', 'high', 30],
  ['头孢类抗生素', 'medication', '皮疹', 'mild', 'low', 12],
  ['磺胺类药物', 'medication', '皮疹、发热', 'moderate', 'high', 8],
  ['阿司匹林', 'medication', '哮喘发作', 'severe', 'high', 4],
  ['碘造影剂', 'medication', '荨麻疹', 'moderate', 'high', 5],
  ['链霉素', 'medication', '耳鸣、眩晕', 'moderate', 'high', 3],
  ['海鲜', 'food', '荨麻疹', 'mild', 'low', 10],
  ['花粉', 'environment', '鼻痒、喷嚏', 'mild', 'low', 8],
  ['尘螨', 'environment', '过敏性鼻炎', 'mild', 'low', 6],
];

function fail(what: string): never { throw new Error(`demo record seed: ${what} not found`); }

// ——— writing ———

const BATCH = 500;

/**
 * Writes the demo record in batches of 500 rows, one statement each. A batch travels as one JSON parameter
 * expanded by json_populate_recordset (typed by the table itself) — on PGlite this is several times faster than a
 * multi-row VALUES with ~20 parameters per row.
 */
export async function seedRecords(tx: Tx, rows: DemoRows, now = Date.now()): Promise<Record<keyof RecordRows, number>> {
  const record = buildRecordRows(rows, now);
  for (const table of RECORD_TABLES) {
    const list = record[table] as Record<string, unknown>[];
    if (!list.length) continue;
    const cols = Object.keys(list[0]!);
    const columns = sql.join(cols.map((c) => sql.ref(c)));
    for (let i = 0; i < list.length; i += BATCH)
      await sql`INSERT INTO ${sql.table(table)} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${sql.table(table)}, ${JSON.stringify(list.slice(i, i + BATCH))}::json)`.execute(tx);
  }
  return Object.fromEntries(RECORD_TABLES.map((t) => [t, record[t].length])) as Record<keyof RecordRows, number>;
}
