/**
 * Demo two-way referrals (issue 6), written in the demo seed's transaction after the shared record: about 150
 * referrals over the last six months between the demo institutions —
 *
 * - up-referrals, mostly from the township hospitals to the county hospital or the city hospital RMYY: chest pain,
 *   uncontrolled type 2 diabetes, stroke, fractures, COPD exacerbations; a few from the county hospital to RMYY
 *   (myocardial infarction, stroke for thrombectomy), some forwarded by the county hospital's office to RMYY;
 * - down-referrals from RMYY and the county hospital back to the patient's township hospital: post-operative
 *   rehabilitation, stable hypertension, diabetes, COPD, cardiac rehabilitation after PCI, stroke sequelae — with a
 *   rehabilitation plan and follow-up tasks (materialised on acceptance, as the service does; the past ones mostly done);
 * - every state, the history in referral_event a walk of the core state machine (REFERRAL_TRANSITIONS), each step by
 *   a user who may take it; status_since, version and the receiving side's care relationship follow the history;
 * - to-do items waiting for each demo account: `zhuanzhen` (新市镇中心卫生院转诊办), `yiwuke` (市人民医院医务科),
 *   `doctor` (RMYY), `xiangyi` (WSY03), and one referral in progress for the `patient` account's resident 费建新.
 *
 * Each referral shares the patient's latest visit and report before it (shared_entries). Staff who send or receive
 * referrals at institutions without a demo account get an account of their own (`demo.<institution code>.<n>`, the
 * office `demo.<code>.office`; the demo password). Deterministic for a given `now`. Not seeded: green-channel appointments (appointment_id stays empty), case threads, reply letters,
 * attachments.
 */
import { REFERRAL_TRANSITIONS, type ReferralAction, type ReferralState } from '@yilian/core';
import { ICD10_COMMON } from '../codes/icd10-common.js';
import { ICD10_YILIAN_COMMON } from '../codes/systems.js';
import type { Tx } from '../db/database.js';
import type { DemoRows } from './build.js';
import { Rng } from './random.js';

const HOUR = 3_600_000, DAY = 24 * HOUR, MIN = 60_000;
const CST = 8 * HOUR;
const BATCH = 300;

interface Person { userId: string; practitionerId: string | null; instId: string }
interface Step { action: ReferralAction | 'create'; at: number; by: Person; note?: string; detail?: Record<string, unknown> }
interface TaskSpec { title: string; detail?: string; dueInDays: number }

/** [code, 中文名称] from the project's ICD-10 list. */
const dx = (code: string) => {
  const c = ICD10_COMMON.find(([k]) => k === code);
  if (!c) throw new Error(`demo referral seed: diagnosis ${code} not in codes/icd10-common.ts`);
  return { system: ICD10_YILIAN_COMMON, code, display: c[1] };
};

interface UpCase {
  key: string; weight: number; codes: string[]; urgency: 'routine' | 'urgent' | 'emergency'; setting: 'outpatient' | 'inpatient';
  reasons: string[];
  /** Receiving [institution, department] choices with weights. */
  to: [string, string, number][];
}
const UP: UpCase[] = [
  { key: 'chest', weight: 30, codes: ['R07.400', 'I20.000'], urgency: 'urgent', setting: 'outpatient', reasons: [
    '反复胸闷胸痛1周，活动后加重，休息5分钟可缓解；心电图示V4–V6导联ST段压低0.1mV，肌钙蛋白阴性，建议上级医院进一步冠脉评估。',
    '胸骨后压榨样疼痛3天，夜间发作2次，含服硝酸甘油可缓解；既往高血压10年。本院无冠脉CTA条件，申请上转。',
    '活动后胸痛伴气短2周，心电图T波倒置，心肌酶正常，疑不稳定型心绞痛，请心内科评估是否需冠脉造影。',
  ], to: [['RMYY', '心血管内科', 6], ['XRMYY', '内科', 4]] },
  { key: 'diabetes', weight: 25, codes: ['E11.900'], urgency: 'routine', setting: 'inpatient', reasons: [
    '2型糖尿病8年，二甲双胍联合格列美脲治疗，近3个月空腹血糖11–14mmol/L，HbA1c 9.6%，需住院调整降糖方案并筛查并发症。',
    '糖尿病口服药控制不佳，随机血糖18.2mmol/L，口干多饮明显，尿酮体阴性，申请上级医院内分泌科调整为胰岛素治疗。',
    '2型糖尿病伴双足麻木半年，血糖控制差（HbA1c 10.1%），需评估周围神经病变及眼底，制定胰岛素方案。',
  ], to: [['RMYY', '内分泌科', 5], ['XRMYY', '内科', 5]] },
  { key: 'stroke', weight: 15, codes: ['I63.900'], urgency: 'emergency', setting: 'inpatient', reasons: [
    '突发右侧肢体无力伴言语含糊2小时，NIHSS 6分，血糖正常，疑急性脑梗死，在溶栓时间窗内，急转上级医院卒中中心。',
    '晨起发现左侧口角歪斜、左上肢乏力，发病约4小时，血压176/98mmHg，本院无头颅CT，急转。',
  ], to: [['RMYY', '神经内科', 6], ['XRMYY', '内科', 4]] },
  { key: 'fracture', weight: 20, codes: ['S72.000', 'S72.100', 'S52.500', 'S32.000'], urgency: 'urgent', setting: 'inpatient', reasons: [
    '在家跌倒后右髋部疼痛、不能站立，右下肢短缩外旋，X线示右股骨颈骨折，需手术治疗。',
    '骑电动车摔伤，左腕肿痛畸形，X线示桡骨远端骨折，手法复位不满意，申请骨科处理。',
    '弯腰搬重物后腰痛剧烈、活动受限，X线示L1椎体压缩性骨折，需上级医院评估手术指征。',
  ], to: [['XRMYY', '骨科', 6], ['RMYY', '骨科', 3], ['XZYY', '中医骨伤科', 2]] },
  { key: 'copd', weight: 10, codes: ['J44.100'], urgency: 'urgent', setting: 'inpatient', reasons: [
    '慢阻肺病史12年，近5天咳嗽咳痰加重、气促明显，静息SpO2 88%，本院抗感染治疗3天无好转，申请上转。',
    '慢性阻塞性肺疾病急性加重，黄脓痰，血气示PaCO2 52mmHg，需无创通气支持。',
  ], to: [['RMYY', '呼吸与危重症医学科', 5], ['XRMYY', '内科', 5]] },
];
/** County hospital → city hospital. */
const COUNTY_UP: UpCase[] = [
  { key: 'ami', weight: 1, codes: ['I21.900'], urgency: 'emergency', setting: 'inpatient', reasons: [
    '急性下壁心肌梗死，发病3小时，已予双抗负荷，本院无急诊PCI条件，急转市人民医院胸痛中心。',
  ], to: [['RMYY', '心血管内科', 1]] },
  { key: 'stroke-evt', weight: 1, codes: ['I63.900'], urgency: 'emergency', setting: 'inpatient', reasons: [
    '急性脑梗死，CTA示左侧大脑中动脉M1段闭塞，发病5小时，需血管内取栓，转市人民医院卒中中心。',
  ], to: [['RMYY', '神经内科', 1]] },
];

interface DownCase { key: string; weight: number; codes: string[]; fromDept: [string, string][]; reason: string; plan: string; tasks: TaskSpec[] }
const DOWN: DownCase[] = [
  { key: 'hip', weight: 16, codes: ['Z50.900', 'Z96.600'], fromDept: [['XRMYY', '骨科'], ['RMYY', '骨科']],
    reason: '股骨颈骨折行人工髋关节置换术后第10天，切口愈合良好，已拆线，病情稳定，转回基层继续康复。',
    plan: '1. 髋关节康复训练：踝泵、股四头肌等长收缩，助行器下部分负重行走，每日2次；2. 术后6周内避免屈髋>90°、内收内旋；3. 利伐沙班10mg qd至术后35天；4. 术后6周骨科门诊复查X线。',
    tasks: [{ title: '术后2周伤口及下肢肿胀复查', dueInDays: 4 }, { title: '康复训练评估（步态、肌力）', dueInDays: 14 }, { title: '提醒术后6周骨科复查X线', dueInDays: 30 }] },
  { key: 'htn', weight: 14, codes: ['I10.x00'], fromDept: [['RMYY', '心血管内科'], ['XRMYY', '内科']],
    reason: '高血压3级，住院调整降压方案后血压稳定于130–138/80–86mmHg已5天，靶器官评估完成，转回社区管理。',
    plan: '氨氯地平5mg qd + 厄贝沙坦150mg qd；低盐饮食（<5g/日），每日家庭自测血压并记录；血压>160/100mmHg或出现头痛胸闷及时就诊。',
    tasks: [{ title: '2周后血压随访', dueInDays: 14 }, { title: '1个月后复查血钾、肌酐', dueInDays: 30 }] },
  { key: 't2dm', weight: 14, codes: ['E11.900'], fromDept: [['RMYY', '内分泌科'], ['XRMYY', '内科']],
    reason: '2型糖尿病住院调整为基础胰岛素联合口服药，空腹血糖6–8mmol/L稳定3天，已完成胰岛素注射教育，转回基层随访。',
    plan: '甘精胰岛素12U睡前皮下注射 + 二甲双胍0.5g tid；每周监测空腹及餐后2小时血糖各3次；空腹血糖>8mmol/L时每3天上调2U；警惕低血糖。',
    tasks: [{ title: '1周后血糖记录复核、胰岛素剂量调整', dueInDays: 7 }, { title: '足部检查及眼底筛查预约', dueInDays: 30 }, { title: '3个月后复查HbA1c', dueInDays: 90 }] },
  { key: 'copd', weight: 10, codes: ['J44.900'], fromDept: [['RMYY', '呼吸与危重症医学科'], ['XRMYY', '内科']],
    reason: '慢阻肺急性加重经抗感染、平喘治疗后症状缓解，静息SpO2 94%，已稳定5天，转回基层继续治疗。',
    plan: '布地格福吸入气雾剂2吸 bid，沙丁胺醇按需；戒烟；呼吸康复训练（缩唇呼吸、腹式呼吸）每日3次；每年接种流感疫苗。',
    tasks: [{ title: '2周后随访症状及吸入装置使用', dueInDays: 14 }, { title: '3个月后肺功能复查', dueInDays: 90 }] },
  { key: 'pci', weight: 8, codes: ['Z50.000', 'I25.100'], fromDept: [['RMYY', '心血管内科']],
    reason: '不稳定型心绞痛行PCI（前降支植入支架1枚）术后第5天，无胸痛，心功能良好，转回基层行心脏康复及二级预防。',
    plan: '阿司匹林100mg qd + 替格瑞洛90mg bid 12个月，阿托伐他汀20mg qn；LDL-C目标<1.4mmol/L；循序渐进有氧运动，每次30分钟。',
    tasks: [{ title: '2周后随访血压、心率及出血情况', dueInDays: 14 }, { title: '1个月后复查血脂、肝功能', dueInDays: 30 }] },
  { key: 'stroke', weight: 8, codes: ['I69.300'], fromDept: [['RMYY', '神经内科'], ['XRMYY', '内科']],
    reason: '脑梗死恢复期，左侧肢体肌力4级，可扶拐行走，吞咽功能正常，病情稳定7天，转回基层康复。',
    plan: '阿司匹林100mg qd，阿托伐他汀20mg qn；肢体功能训练每日2次，防跌倒；血压控制<140/90mmHg。',
    tasks: [{ title: '2周后康复评估（肌力、步行能力）', dueInDays: 14 }, { title: '1个月后随访血压、血脂', dueInDays: 30 }] },
];

const RETURN_REASONS = ['病历摘要不完整，请补充近期检查结果后再提交', '请补充心电图及血常规报告', '诊断依据不足，请补充相关检查', '请确认患者及家属已知情同意'];
const REFUSE_REASONS = ['本院该专科床位已满，建议转县人民医院', '病情可在下级医院处理，建议基层继续治疗并加强随访', '该病种不在本院接收范围，请联系上级医院'];
const CANCEL_REASONS = ['患者家属要求自行前往其他医院就诊', '患者病情好转，暂不需转诊', '患者拒绝转诊'];
const CLOSE_SUMMARIES: Record<string, string[]> = {
  up: [
    '患者已就诊，完善相关检查，明确诊断并予以规范治疗，病情好转。建议回基层继续随访，按出院医嘱用药。',
    '入院后完善检查并手术治疗，术后恢复顺利出院。建议基层定期复查，如有不适及时复诊。',
    '门诊评估后调整治疗方案，症状缓解。建议1个月后专科门诊复诊，期间基层随访。',
  ],
  down: ['患者已到基层就诊，康复计划已建立，随访任务已排期。', '已接收，按下转方案继续治疗，首次随访已完成。'],
};

/**
 * Writes the demo referrals; `now` anchors the six months. Returns the number of referrals.
 */
export async function seedReferrals(tx: Tx, rows: DemoRows, now = Date.now()): Promise<number> {
  const rng = new Rng(2030);
  const ids = new Rng(2031);
  const inst = (code: string) => rows.institution.find((i) => i.code === code) ?? fail(`institution ${code}`);
  const deptId = (code: string, name: string) => rows.department.find((d) => d.institution_id === inst(code).id && d.name === name)?.id as string ?? fail(`department ${code}/${name}`);
  const practitioners = new Map(rows.practitioner.map((p) => [p.id as string, p]));
  const passwordHash = rows.user_account.find((u) => u.username === 'doctor')!.password_hash;

  // ——— who acts ———
  const newUsers: DemoRows['user_account'] = [], newRoles: DemoRows['user_role'] = [];
  const doctorAccount = new Map<string, string>(); // `${practitionerId}@${instId}` → user id
  const officeAccount = new Map<string, string>(); // inst id → user id
  for (const r of rows.user_role) {
    const u = rows.user_account.find((a) => a.id === r.user_id)!;
    if (!r.institution_id) continue;
    if (r.role === 'institution_admin' && !officeAccount.has(r.institution_id)) officeAccount.set(r.institution_id, u.id as string);
    if (['doctor', 'dept_head', 'family_doctor'].includes(r.role) && u.practitioner_id) doctorAccount.set(`${u.practitioner_id}@${r.institution_id}`, u.id as string);
  }
  const demoUser = (username: string) => rows.user_account.find((u) => u.username === username) ?? fail(`account ${username}`);
  const accountPerson = (username: string, code: string): Person => {
    const u = demoUser(username);
    return { userId: u.id as string, practitionerId: u.practitioner_id ?? null, instId: inst(code).id as string };
  };
  const addAccount = (code: string, suffix: string, displayName: string, role: 'doctor' | 'institution_admin', practitionerId: string | null) => {
    const id = ids.uuid();
    newUsers.push({ id, username: `demo.${code.toLowerCase()}.${suffix}`, display_name: displayName, password_hash: passwordHash, practitioner_id: practitionerId, patient_id: null });
    newRoles.push({ id: ids.uuid(), user_id: id, role, institution_id: inst(code).id as string });
    return id;
  };
  const office = (code: string): Person => {
    const i = inst(code);
    let id = officeAccount.get(i.id as string);
    if (!id) { id = addAccount(code, 'office', `${i.short_name ?? i.name}转诊办`, 'institution_admin', null); officeAccount.set(i.id as string, id); }
    return { userId: id, practitionerId: null, instId: i.id as string };
  };
  /** Physicians of a department (not nurses or technicians). */
  const physicians = (code: string, dept: string) => {
    const did = deptId(code, dept);
    return rows.practitioner_role.filter((r) => r.institution_id === inst(code).id && r.department_id === did)
      .map((r) => practitioners.get(r.practitioner_id)!).filter((p) => !/nurse|technician/.test(p.title));
  };
  const counters = new Map<string, number>();
  const doctor = (code: string, dept: string, prefer?: string): Person => {
    const i = inst(code);
    if (prefer) return accountPerson(prefer, code);
    const list = physicians(code, dept);
    if (!list.length) fail(`physician at ${code}/${dept}`);
    const p = rng.pick(list);
    const key = `${p.id}@${i.id}`;
    let id = doctorAccount.get(key);
    if (!id) {
      const n = (counters.get(code) ?? 0) + 1;
      counters.set(code, n);
      id = addAccount(code, String(n), `${p.name}（${i.short_name ?? i.name}${dept}）`, 'doctor', p.id as string);
      doctorAccount.set(key, id);
    }
    return { userId: id, practitionerId: p.id as string, instId: i.id as string };
  };

  // ——— patients: residents with a resident ID, by the grassroots institution that holds their local number ———
  const feiJianxin = demoUser('patient').patient_id as string;
  const byInst = new Map<string, string[]>();
  const eligible = new Set(rows.patient.filter((p) => p.resident_id && p.id !== feiJianxin && p.birth_date < '1981-01-01').map((p) => p.id as string));
  for (const pi of rows.patient_identifier) {
    if (!eligible.has(pi.patient_id)) continue;
    const list = byInst.get(pi.institution_id) ?? byInst.set(pi.institution_id, []).get(pi.institution_id)!;
    if (!list.includes(pi.patient_id)) list.push(pi.patient_id);
  }
  const used = new Map<string, number>();
  const patientAt = (code: string) => {
    const list = byInst.get(inst(code).id as string) ?? fail(`residents of ${code}`);
    for (let k = 0; k < 20; k++) {
      const p = rng.pick(list);
      if ((used.get(p) ?? 0) === 0 || k > 10) { used.set(p, (used.get(p) ?? 0) + 1); return p; }
    }
    return rng.pick(list);
  };
  const TOWNSHIPS = ['WSY01', 'WSY02', 'WSY03', 'WSY04', 'WSY05', 'WSY06'];
  const homeTownship = (patientId: string) =>
    TOWNSHIPS.find((c) => rows.patient_identifier.some((pi) => pi.patient_id === patientId && pi.institution_id === inst(c).id)) ?? 'WSY03';

  // ——— building referrals ———
  const referrals: Record<string, unknown>[] = [], events: Record<string, unknown>[] = [], tasks: Record<string, unknown>[] = [], care: Record<string, unknown>[] = [];
  const codeSeq = new Map<string, number>();
  const cstDay = (ms: number) => new Date(ms + CST).toISOString().slice(0, 10);
  /** A working-hours moment `daysAgo` days before now (China time 8:00–17:00). */
  const workday = (daysAgo: number) => {
    const midnight = Math.floor((now + CST) / DAY) * DAY - CST - Math.floor(daysAgo) * DAY;
    return midnight + rng.int(8 * 60, 17 * 60) * MIN;
  };
  const h = (lo: number, hi: number) => Math.round(rng.int(lo * 60, hi * 60)) * MIN;

  interface Spec {
    direction: 'up' | 'down'; setting: 'outpatient' | 'inpatient'; urgency: 'routine' | 'urgent' | 'emergency';
    patientId: string; author: Person; fromCode: string; fromDept: string; toCode: string; toDept: string;
    codes: string[]; reason: string; plan?: string; tasks?: TaskSpec[];
    /** Who will be assigned, and (up-referrals to XRMYY) a forward to RMYY with the department there. */
    assignee: () => Person; forward?: { dept: string; assignee: () => Person };
    target: ReferralState; returnedOnce?: boolean; daysAgo: number; overdueStep?: boolean;
  }

  const build = (s: Spec) => {
    const t0 = workday(s.daysAgo);
    let t = t0, to = s.toCode, toDept = s.toDept, assignee: Person | null = null;
    const steps: Step[] = [{ action: 'create', at: t, by: s.author, ...(s.tasks ? { detail: { tasks: s.tasks } } : {}) }];
    let state: ReferralState = 'draft';
    const step = (action: ReferralAction, gap: number, by: Person, note?: string, detail?: Record<string, unknown>) => {
      const tr = REFERRAL_TRANSITIONS[action];
      if (!tr.from.includes(state)) throw new Error(`demo referral seed: ${action} from ${state}`);
      t += gap;
      steps.push({ action, at: t, by, ...(note ? { note } : {}), ...(detail ? { detail } : {}) });
      state = tr.to;
    };
    const slow = (lo: number, hi: number) => (s.overdueStep ? h(26, 40) : h(lo, hi));
    const target = s.target;
    const stopAt = (x: ReferralState) => target === x;
    if (target !== 'draft') {
      step('submit', h(0.1, 1.5), s.author);
      if (s.returnedOnce || target === 'returned') {
        step('sender_return', h(1, 20), office(s.fromCode), rng.pick(RETURN_REASONS));
        if (target !== 'returned') step('submit', h(3, 30), s.author);
      }
      const cancelAt = target === 'cancelled' ? rng.pick(['submitted', 'sender_approved', 'receiver_approved'] as const) : null;
      const done = () => state === target;
      const cancelIf = () => { if (cancelAt === state) step('cancel', h(2, 30), s.author, rng.pick(CANCEL_REASONS)); return state === 'cancelled'; };
      if (!done() && !cancelIf()) {
        step('sender_approve', slow(0.5, 18), office(s.fromCode));
        if (s.forward && !stopAt('sender_approved')) {
          step('forward', h(2, 12), office(to), '本院条件不足，建议转市人民医院进一步诊治',
            { fromInstitutionId: inst(to).id, toInstitutionId: inst('RMYY').id });
          to = 'RMYY'; toDept = s.forward.dept;
        }
        if (!done() && !cancelIf()) {
          if (target === 'refused') step('refuse', h(1, 20), office(to), rng.pick(REFUSE_REASONS));
          else {
            assignee = s.forward && to === 'RMYY' ? s.forward.assignee() : s.assignee();
            step('receiver_approve', h(1, 20), office(to), undefined, { assigneeUserId: assignee.userId });
            if (!done() && !cancelIf()) {
              step('accept', h(1, 16), assignee);
              if (!done()) {
                if (target === 'no_show') step('no_show', h(24, 96), assignee);
                else {
                  step('arrive', s.urgency === 'emergency' ? h(1, 4) : h(20, 96), assignee);
                  if (!done()) step('close', s.setting === 'inpatient' ? h(5 * 24, 12 * 24) : h(3, 72), assignee, rng.pick(CLOSE_SUMMARIES[s.direction]!));
                }
              }
            }
          }
        }
      }
    }
    if (state !== target) throw new Error(`demo referral seed: reached ${state}, wanted ${target}`);
    // Never in the future: shift the whole history back so its last step is at least 20 minutes ago.
    const over = t - (now - 20 * MIN);
    const shift = over > 0 ? over + h(0, 3) : 0;
    for (const e of steps) e.at -= shift;
    const created = t0 - shift, last = steps[steps.length - 1]!.at;

    const id = ids.uuid();
    const day = cstDay(created).replaceAll('-', '');
    const seq = (codeSeq.get(day) ?? 0) + 1;
    codeSeq.set(day, seq);
    const tok = Buffer.from(ids.uuid().replaceAll('-', '') + ids.uuid().replaceAll('-', '').slice(0, 4), 'hex').toString('base64url');
    const accepted = steps.find((e) => e.action === 'accept');
    const closed = steps.find((e) => e.action === 'close');
    referrals.push({
      id, code: `ZZ${day}${String(seq).padStart(4, '0')}`, public_token: tok, direction: s.direction, setting: s.setting, urgency: s.urgency,
      status: state, status_since: new Date(last), version: steps.length, patient_id: s.patientId,
      from_institution_id: inst(s.fromCode).id, from_department_id: deptId(s.fromCode, s.fromDept), from_practitioner_id: s.author.practitionerId,
      created_by: s.author.userId, to_institution_id: inst(to).id, to_department_id: deptId(to, toDept),
      assigned_practitioner_id: assignee?.practitionerId ?? null, assigned_user_id: assignee?.userId ?? null,
      reason: s.reason, diagnoses: JSON.stringify(s.codes.map(dx)), shared_entries: '[]', attachments: '[]',
      insurance_type: 'urban_rural_resident', appointment_id: null, plan: s.plan ?? null, summary: closed?.note ?? null, thread_id: null,
      created_at: new Date(created), updated_at: new Date(last),
    });
    let prev: ReferralState = 'draft';
    for (const e of steps) {
      const toStatus: ReferralState = e.action === 'create' ? 'draft' : REFERRAL_TRANSITIONS[e.action].to;
      events.push({
        referral_id: id, at: new Date(e.at), user_id: e.by.userId, institution_id: e.by.instId, action: e.action,
        from_status: e.action === 'create' ? null : prev, to_status: toStatus, note: e.note ?? null, detail: e.detail ? JSON.stringify(e.detail) : null,
      });
      prev = toStatus;
    }
    if (accepted) {
      const ended = ['cancelled', 'no_show'].includes(state) ? steps[steps.length - 1]!.at : null;
      care.push({ id: ids.uuid(), patient_id: s.patientId, institution_id: inst(to).id, kind: 'referral', source_id: id, starts_at: new Date(accepted.at), ends_at: ended && new Date(ended) });
      if (s.direction === 'down' && s.tasks)
        for (const tk of s.tasks) {
          const due = cstDay(accepted.at + tk.dueInDays * DAY);
          const dueMs = new Date(`${due}T09:00:00+08:00`).getTime();
          const isDone = dueMs + 2 * DAY < now && rng.chance(0.8);
          const doneAt = isDone ? Math.min(dueMs + h(-48, 30), now - HOUR) : 0;
          tasks.push({
            id: ids.uuid(), referral_id: id, patient_id: s.patientId, institution_id: inst(to).id, title: tk.title, detail: tk.detail ?? null,
            due_date: due, status: isDone ? 'done' : 'open', result: isDone ? rng.pick(['已随访，病情稳定，继续原方案', '已完成，指标达标', '已随访，患者依从性良好']) : null,
            done_at: isDone ? new Date(doneAt) : null, done_by: isDone ? assignee!.userId : null, created_at: new Date(accepted.at),
          });
        }
    }
    return id;
  };

  // ——— the states, weighted for history; in-progress states for recent referrals ———
  const FINAL: [ReferralState, number][] = [['closed', 76], ['refused', 7], ['cancelled', 8], ['no_show', 4], ['arrived', 5]];
  const OPEN: [ReferralState, number][] = [['submitted', 3], ['sender_approved', 3], ['receiver_approved', 3], ['accepted', 3], ['arrived', 2], ['returned', 1], ['draft', 1]];
  const pickWeighted = <T extends { weight: number }>(xs: T[]) => rng.weighted(xs.map((x) => [x, x.weight] as const));
  const pickTo = (xs: [string, string, number][]) => rng.weighted(xs.map(([c, d, w]) => [[c, d] as const, w] as const));
  /** The receiving doctor at RMYY: the demo doctor 陆志远 for respiratory, the head 沈国平 for some cardiology. */
  const receiver = (code: string, dept: string) => () =>
    code === 'RMYY' && dept === '呼吸与危重症医学科' ? accountPerson('doctor', 'RMYY')
      : code === 'RMYY' && dept === '心血管内科' && rng.chance(0.4) ? accountPerson('zhuren', 'RMYY') : doctor(code, dept);
  const townshipAuthor = (code: string) => (code === 'WSY03' ? accountPerson(rng.chance(0.7) ? 'xiangyi' : 'jiating', 'WSY03') : doctor(code, '全科医学科'));
  const townshipDoctor = (code: string) => () => (code === 'WSY03' ? accountPerson(rng.chance(0.75) ? 'xiangyi' : 'jiating', 'WSY03') : doctor(code, '全科医学科'));

  const up = (o: Partial<Spec> & { target: ReferralState; daysAgo: number; fromCode?: string; kase?: UpCase; to?: readonly [string, string] }) => {
    const kase = o.kase ?? pickWeighted(UP);
    const fromCode = o.fromCode ?? rng.weighted([['WSY01', 2], ['WSY02', 2], ['WSY03', 4], ['WSY04', 2], ['WSY05', 2], ['WSY06', 2]] as const);
    const [toCode, toDept] = o.to ?? pickTo(kase.to);
    const forward = toCode === 'XRMYY' && kase.key !== 'fracture' && rng.chance(0.12)
      ? { dept: { chest: '心血管内科', diabetes: '内分泌科', stroke: '神经内科', copd: '呼吸与危重症医学科' }[kase.key] ?? '急诊科', assignee: () => doctor('RMYY', { chest: '心血管内科', diabetes: '内分泌科', stroke: '神经内科', copd: '呼吸与危重症医学科' }[kase.key] ?? '急诊科') }
      : undefined;
    return build({
      direction: 'up', setting: kase.setting, urgency: kase.urgency, patientId: o.patientId ?? patientAt(fromCode),
      author: o.author ?? townshipAuthor(fromCode), fromCode, fromDept: '全科医学科', toCode, toDept,
      codes: [rng.pick(kase.codes)], reason: rng.pick(kase.reasons), assignee: o.assignee ?? receiver(toCode, toDept),
      ...(forward && !['draft', 'submitted', 'returned'].includes(o.target) ? { forward } : {}),
      target: o.target, daysAgo: o.daysAgo, returnedOnce: o.returnedOnce ?? rng.chance(0.08), overdueStep: o.overdueStep ?? rng.chance(0.06),
    });
  };
  const countyUp = (target: ReferralState, daysAgo: number) => {
    const kase = pickWeighted(COUNTY_UP);
    const [toCode, toDept] = kase.to[0]!;
    return build({
      direction: 'up', setting: kase.setting, urgency: kase.urgency, patientId: patientAt('XRMYY'), author: doctor('XRMYY', kase.key === 'ami' ? '内科' : '急诊科'),
      fromCode: 'XRMYY', fromDept: kase.key === 'ami' ? '内科' : '急诊科', toCode, toDept, codes: kase.codes, reason: kase.reasons[0]!,
      assignee: receiver(toCode, toDept), target, daysAgo,
    });
  };
  const down = (o: { target: ReferralState; daysAgo: number; kase?: DownCase; from?: readonly [string, string]; toCode?: string; author?: Person; assignee?: () => Person; patientId?: string }) => {
    const kase = o.kase ?? pickWeighted(DOWN);
    const [fromCode, fromDept] = o.from ?? rng.pick(kase.fromDept);
    const patientId = o.patientId ?? patientAt(o.toCode ?? rng.weighted([['WSY01', 2], ['WSY02', 2], ['WSY03', 4], ['WSY04', 2], ['WSY05', 2], ['WSY06', 2]] as const));
    const toCode = o.toCode ?? homeTownship(patientId);
    return build({
      direction: 'down', setting: 'outpatient', urgency: 'routine', patientId,
      author: o.author ?? (fromCode === 'RMYY' && fromDept === '呼吸与危重症医学科' ? accountPerson('doctor', 'RMYY') : doctor(fromCode, fromDept)),
      fromCode, fromDept, toCode, toDept: '全科医学科', codes: kase.codes, reason: kase.reason, plan: kase.plan, tasks: kase.tasks,
      assignee: o.assignee ?? townshipDoctor(toCode), target: o.target, daysAgo: o.daysAgo, returnedOnce: rng.chance(0.05), overdueStep: rng.chance(0.05),
    });
  };

  // Scripted: the demo accounts' to-do boxes, and 费建新's referral in progress.
  const xiangyi = () => accountPerson('xiangyi', 'WSY03'), docRmyy = () => accountPerson('doctor', 'RMYY');
  const chest = UP.find((c) => c.key === 'chest')!, copd = UP.find((c) => c.key === 'copd')!;
  // 费建新: sent by 钱伟 from WSY03 to RMYY respiratory (the nodule seen on his chest CT), approved, assigned to 陆志远.
  build({
    direction: 'up', setting: 'outpatient', urgency: 'routine', patientId: feiJianxin, author: xiangyi(), fromCode: 'WSY03', fromDept: '全科医学科',
    toCode: 'RMYY', toDept: '呼吸与危重症医学科', codes: ['R91.x00', 'E11.900'],
    reason: '体检胸部CT示右上肺磨玻璃小结节（约6mm），近2周咳嗽，既往2型糖尿病、高血压。申请呼吸科专家评估结节性质及随访方案。',
    assignee: docRmyy, target: 'receiver_approved', daysAgo: 1,
  });
  // zhuanzhen (WSY03 office): three up-referrals to review, two down-referrals to receive, one arrival to confirm.
  for (const d of [0, 1, 2]) up({ fromCode: 'WSY03', author: xiangyi(), target: 'submitted', daysAgo: d, returnedOnce: false, overdueStep: false });
  for (const d of [0, 2]) down({ toCode: 'WSY03', target: 'sender_approved', daysAgo: d, assignee: xiangyi });
  down({ toCode: 'WSY03', target: 'accepted', daysAgo: 2, assignee: xiangyi });
  // yiwuke (RMYY office): three up-referrals to receive, a down-referral of RMYY to review, an arrival to confirm.
  for (const [d, k] of [[0, chest], [1, copd], [3, chest]] as const) up({ fromCode: rng.pick(['WSY01', 'WSY03', 'WSY05']), kase: k, to: k === copd ? ['RMYY', '呼吸与危重症医学科'] : ['RMYY', '心血管内科'], target: 'sender_approved', daysAgo: d, returnedOnce: false });
  down({ from: ['RMYY', '呼吸与危重症医学科'], kase: DOWN.find((c) => c.key === 'copd')!, author: docRmyy(), target: 'submitted', daysAgo: 0 });
  up({ kase: chest, to: ['RMYY', '心血管内科'], target: 'accepted', daysAgo: 2 });
  // doctor (陆志远, RMYY respiratory): two to accept, one to see arrive, one to close, one of his down-referrals returned.
  for (const d of [0, 1]) up({ kase: copd, to: ['RMYY', '呼吸与危重症医学科'], assignee: docRmyy, target: 'receiver_approved', daysAgo: d });
  up({ kase: copd, to: ['RMYY', '呼吸与危重症医学科'], assignee: docRmyy, target: 'accepted', daysAgo: 3 });
  up({ kase: copd, to: ['RMYY', '呼吸与危重症医学科'], assignee: docRmyy, target: 'arrived', daysAgo: 6 });
  down({ from: ['RMYY', '呼吸与危重症医学科'], kase: DOWN.find((c) => c.key === 'copd')!, author: docRmyy(), target: 'returned', daysAgo: 1 });
  // xiangyi (钱伟, WSY03): his returned referral, a draft, a down-referral to accept, one arrived to close.
  up({ fromCode: 'WSY03', author: xiangyi(), target: 'returned', daysAgo: 1 });
  up({ fromCode: 'WSY03', author: xiangyi(), target: 'draft', daysAgo: 0 });
  down({ toCode: 'WSY03', target: 'receiver_approved', daysAgo: 1, assignee: xiangyi });
  down({ toCode: 'WSY03', target: 'arrived', daysAgo: 4, assignee: xiangyi });
  // Closed down-referrals to WSY03 taken over by 钱伟 (his follow-up tasks, some done).
  for (const d of [12, 25, 40, 70, 110]) down({ toCode: 'WSY03', target: 'closed', daysAgo: d, assignee: xiangyi });

  // The six months at large.
  const RANDOM = 150 - referrals.length;
  for (let k = 0; k < RANDOM; k++) {
    const recent = rng.chance(0.1);
    const target = recent ? rng.weighted(OPEN) : rng.weighted(FINAL);
    const daysAgo = recent ? rng.int(0, 5) : target === 'arrived' ? rng.int(6, 12) : rng.int(8, 180);
    const kind = rng.weighted([['up', 66], ['countyUp', 6], ['down', 28]] as const);
    if (kind === 'up') up({ target, daysAgo });
    else if (kind === 'countyUp') countyUp(target === 'returned' ? 'closed' : target, daysAgo);
    else down({ target, daysAgo });
  }

  // The shared excerpts (共享病历摘要): the patient's latest visit and latest report before the referral was written.
  const patientIds = [...new Set(referrals.map((r) => r.patient_id as string))];
  const entries = [
    ...(await tx.selectFrom('encounter').select(['entry_id', 'patient_id', 'started_at as at']).where('patient_id', 'in', patientIds).where('superseded_at', 'is', null).execute())
      .map((e) => ({ ...e, kind: 'encounter' })),
    ...(await tx.selectFrom('diagnostic_report').select(['entry_id', 'patient_id', 'issued_at as at']).where('patient_id', 'in', patientIds).where('superseded_at', 'is', null).execute())
      .map((e) => ({ ...e, kind: 'report' })),
  ];
  for (const r of referrals) {
    const before = (kind: string) => entries.filter((e) => e.kind === kind && e.patient_id === r.patient_id && e.at < (r.created_at as Date))
      .sort((a, b) => b.at.getTime() - a.at.getTime() || a.entry_id.localeCompare(b.entry_id))[0];
    r.shared_entries = JSON.stringify(['encounter', 'report'].map(before).filter((e) => e).map((e) => ({ kind: e!.kind, id: e!.entry_id })));
  }

  // ——— writing ———
  const insert = async (table: 'user_account' | 'user_role' | 'referral' | 'referral_event' | 'referral_task' | 'care_relation', list: Record<string, unknown>[]) => {
    for (let i = 0; i < list.length; i += BATCH) await tx.insertInto(table).values(list.slice(i, i + BATCH) as never).execute();
  };
  await insert('user_account', newUsers as Record<string, unknown>[]);
  await insert('user_role', newRoles as Record<string, unknown>[]);
  await insert('referral', referrals);
  await insert('referral_event', events);
  await insert('referral_task', tasks);
  await insert('care_relation', care);
  return referrals.length;
}

function fail(what: string): never { throw new Error(`demo referral seed: ${what} not found`); }
