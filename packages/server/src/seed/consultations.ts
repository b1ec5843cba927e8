/**
 * Demo remote consultations (issue 7), written in the demo seed's transaction after the referrals: about 60
 * consultations over the last months from the township hospitals and the county hospital to the consultation centre
 * of 湖州市人民医院 (RMYY, the `huizhen` coordinator), and quick online consults (移动问诊) —
 *
 * - every kind (routine, urgent, MDT, material-only imaging / ECG / pathology) and every state; each history in
 *   consultation_event a walk of the core state machine (CONSULTATION_TRANSITIONS), each step by a user who may take
 *   it: the applicant, the department head and medical office of the applicant's institution, the centre, the experts;
 * - a signed informed consent (a small generated signature PNG in the file store, when one is given) for every
 *   request that left the draft state; invitations of experts from the expert pool, signed opinions (with the sha256
 *   of their content) for the answered and closed ones, ratings; answer times mostly within the limit, a few late,
 *   some still unanswered past their due time (with the escalation the sweep would have sent);
 * - to-do items for the demo accounts: `huizhen` (received, accepted, inviting, scheduled with every opinion signed),
 *   `doctor` (陆志远: open invitations, opinions to write), `xiangyi` (钱伟: answered ones to confirm, supplements asked
 *   for, a returned one, a draft), his department head `demo.wsy03.head`, his medical office `zhuanzhen`; and one
 *   consultation of the demo patient 费建新 scheduled today, its video room open now;
 * - quick consults in each state, each with its case thread and a few messages.
 *
 * Accounts made here (demo password): a department head per applicant institution (`demo.<code>.head`), an office
 * where none exists yet (`demo.<code>.office`), a doctor where an institution has none (`demo.<code>.<n>`), and one
 * per pool expert who has none (`demo.expert.<n>`). Deterministic for a given `now`. Consultations that reached the
 * centre have their case thread (applicant, centre, experts) with a first exchange. Not seeded: attachments, the
 * consent and opinion documents in the shared record, room presence.
 */
import {
  CONSULTATION_DEFAULT_LIMIT_MINUTES, CONSULTATION_TRANSITIONS, type ConsultationAction, type ConsultationKind,
  type ConsultationMaterialType, type ConsultationState, type QuickConsultState,
} from '@yilian/core';
import { sql } from 'kysely';
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { canonical } from '../audit/audit.js';
import { ICD10_COMMON } from '../codes/icd10-common.js';
import { ICD10_YILIAN_COMMON } from '../codes/systems.js';
import type { Tx } from '../db/database.js';
import type { FileStore } from '../files/store.js';
import type { DemoRows } from './build.js';
import { Rng } from './random.js';

const MIN = 60_000, HOUR = 60 * MIN, DAY = 24 * HOUR;
const CST = 8 * HOUR;

interface Person { userId: string; practitionerId: string | null; instId: string; name: string }

const dx = (code: string) => {
  const c = ICD10_COMMON.find(([k]) => k === code);
  if (!c) throw new Error(`demo consultation seed: diagnosis ${code} not in codes/icd10-common.ts`);
  return { system: ICD10_YILIAN_COMMON, code, display: c[1] };
};

/** A clinical question: what the applicant asks, of which specialty, and what the experts answer. */
interface Topic {
  key: string; specialty: string; specialtyZh: string; codes: string[]; purpose: string; summaries: string[];
  findings: string; recommendations: string; refer?: boolean;
  material?: ConsultationMaterialType;
  /** MDT: the specialties invited. */
  mdt?: string[];
}
const TOPICS: Topic[] = [
  { key: 'chest', specialty: 'cardiology', specialtyZh: '心血管内科', codes: ['I20.000'], purpose: '明确胸痛原因，评估是否需冠脉造影',
    summaries: [
      '男，62岁，反复胸闷胸痛1周，活动后加重，休息5分钟可缓解。心电图示V4–V6导联ST段压低0.1mV，肌钙蛋白阴性。既往高血压10年。',
      '女，58岁，胸骨后压榨样疼痛3天，夜间发作2次，含服硝酸甘油可缓解。心电图T波倒置，心肌酶正常。',
    ],
    findings: '结合症状及心电图动态改变，考虑不稳定型心绞痛，中危。', recommendations: '双联抗血小板+他汀强化治疗，尽快行冠脉CTA或冠脉造影；症状加重立即急诊。', refer: true },
  { key: 'af', specialty: 'cardiology', specialtyZh: '心血管内科', codes: ['I48.x00'], purpose: '房颤抗凝方案及心室率控制',
    summaries: ['女，71岁，心悸2周，心电图示心房颤动，心室率110次/分，CHA2DS2-VASc 4分，HAS-BLED 2分。'],
    findings: '持续性心房颤动，卒中高危。', recommendations: '利伐沙班15mg qd抗凝，美托洛尔缓释片47.5mg qd控制心室率，1个月后复查心电图及肾功能。' },
  { key: 'nodule', specialty: 'respiratory', specialtyZh: '呼吸与危重症医学科', codes: ['R91.x00'], purpose: '肺结节性质判断及随访方案',
    summaries: [
      '男，66岁，体检胸部CT示右上肺磨玻璃结节约6mm，近2周咳嗽，无咯血，吸烟30年。',
      '女，55岁，胸部CT示左下肺实性结节8mm，边缘毛刺，无症状。',
    ],
    findings: '右上肺纯磨玻璃结节，恶性风险低至中等。', recommendations: '3个月后复查薄层胸部CT；如结节增大或实性成分增加，行PET-CT或胸腔镜活检。' },
  { key: 'copd', specialty: 'respiratory', specialtyZh: '呼吸与危重症医学科', codes: ['J44.100'], purpose: '慢阻肺急性加重治疗方案调整',
    summaries: ['男，74岁，慢阻肺病史12年，近5天咳嗽咳痰加重、气促，静息SpO2 89%，本院抗感染3天效果欠佳。'],
    findings: '慢阻肺急性加重（中度），合并细菌感染可能。', recommendations: '改用哌拉西林他唑巴坦，雾化布地奈德+异丙托溴铵；SpO2<88%或出现嗜睡建议转上级医院无创通气。', refer: true },
  { key: 'dm', specialty: 'endocrinology', specialtyZh: '内分泌科', codes: ['E11.900'], purpose: '2型糖尿病降糖方案调整',
    summaries: ['女，63岁，2型糖尿病8年，二甲双胍+格列美脲治疗，空腹血糖11–14mmol/L，HbA1c 9.6%。'],
    findings: '2型糖尿病，口服药继发失效。', recommendations: '加用甘精胰岛素10U睡前起始，每3天按空腹血糖调整2U；停用格列美脲；筛查眼底及尿微量白蛋白。' },
  { key: 'tia', specialty: 'neurology', specialtyZh: '神经内科', codes: ['G45.900'], purpose: '短暂性脑缺血发作的评估与二级预防',
    summaries: ['男，69岁，1天内2次发作右手无力伴言语不清，每次持续约10分钟后完全缓解，ABCD2评分5分。'],
    findings: 'TIA，高危。', recommendations: '阿司匹林+氯吡格雷双抗21天，阿托伐他汀40mg；48小时内完善头颅MRI及颈动脉超声，建议上转卒中中心评估。', refer: true },
  { key: 'gallstone', specialty: 'general_surgery', specialtyZh: '普外科', codes: ['K80.100'], purpose: '胆囊结石手术指征评估',
    summaries: ['女，52岁，反复右上腹痛半年，进食油腻后加重，B超示胆囊多发结石，最大1.8cm，胆囊壁增厚。'],
    findings: '胆囊结石伴慢性胆囊炎，有症状。', recommendations: '建议择期腹腔镜胆囊切除术，可预约普外科门诊。', refer: true },
  { key: 'hip', specialty: 'orthopedics', specialtyZh: '骨科', codes: ['S72.000'], purpose: '股骨颈骨折治疗方式选择',
    summaries: ['女，78岁，跌倒后右髋痛不能站立，X线示右股骨颈骨折（Garden III型），既往高血压。'],
    findings: '右股骨颈骨折 Garden III 型。', recommendations: '建议尽早行人工髋关节置换术，术前评估心肺功能。', refer: true },
  { key: 'ct', specialty: 'radiology', specialtyZh: '影像科', codes: ['R91.x00'], material: 'imaging', purpose: '胸部CT阅片会诊',
    summaries: ['胸部CT：右肺上叶尖段见约9mm部分实性结节，实性成分约4mm，请协助判断性质。'],
    findings: '右肺上叶尖段部分实性结节，Lung-RADS 4A。', recommendations: '建议3个月后薄层CT复查，必要时PET-CT。' },
  { key: 'ecg', specialty: 'ecg', specialtyZh: '心电图室', codes: ['I49.400'], material: 'ecg', purpose: '动态心电图报告会诊',
    summaries: ['24小时动态心电图：频发室性早搏约12000次/24h，部分呈二联律，患者心悸明显。'],
    findings: '频发室性早搏，单源，无持续性室速。', recommendations: '完善心脏超声；症状明显可予美托洛尔，负荷>10%可考虑射频消融评估。' },
  { key: 'biopsy', specialty: 'pathology', specialtyZh: '病理科', codes: ['K29.400'], material: 'pathology', purpose: '胃镜活检病理会诊',
    summaries: ['胃镜：胃窦黏膜粗糙，活检4块，本院病理示慢性萎缩性胃炎伴肠化，局灶异型增生待排。'],
    findings: '慢性萎缩性胃炎伴中度肠上皮化生，局灶低级别上皮内瘤变。', recommendations: '建议6个月内复查胃镜并精准活检，根除幽门螺杆菌。' },
  { key: 'mdt-lung', specialty: 'respiratory', specialtyZh: '肺癌多学科', codes: ['C34.900'], mdt: ['respiratory', 'radiology', 'general_surgery'],
    purpose: '肺占位多学科会诊：诊断与治疗路径',
    summaries: ['男，67岁，咳嗽2月伴痰中带血，胸部CT示右肺上叶3.2cm分叶状肿块，纵隔淋巴结肿大，CEA 12ng/mL。'],
    findings: '右肺上叶占位，考虑中央型肺癌可能，cT2aN2M0待病理证实。', recommendations: '支气管镜活检+EBUS明确病理及分期，完善头颅MRI、骨扫描；病理明确后再行MDT制定治疗方案。', refer: true },
  { key: 'mdt-hf', specialty: 'cardiology', specialtyZh: '心衰多学科', codes: ['I50.000'], mdt: ['cardiology', 'endocrinology', 'respiratory'],
    purpose: '心力衰竭合并糖尿病、慢阻肺的综合治疗',
    summaries: ['男，76岁，反复气促水肿1年，近1周加重，BNP 1860pg/mL，EF 35%，合并2型糖尿病、慢阻肺。'],
    findings: '射血分数降低的心力衰竭（NYHA III级），多病共存。', recommendations: '沙库巴曲缬沙坦+美托洛尔+螺内酯+达格列净，利尿减轻容量负荷；监测肾功能及血钾，2周后随访。' },
];
const topic = (key: string) => TOPICS.find((t) => t.key === key)!;

const RETURN_REASONS = ['会诊目的不明确，请补充具体问题', '请补充近期检查结果后再提交', '病情摘要过于简略，请补充现病史及诊疗经过'];
const SUPPLEMENTS = [['近3天心电图', '肌钙蛋白及心肌酶'], ['胸部CT原始影像（DICOM）'], ['血常规、肝肾功能'], ['既往用药清单', '近期血糖记录']];
const CANCEL_REASONS = ['患者病情好转，暂不需要会诊', '患者家属要求转往上级医院直接就诊', '患者已自行前往上级医院'];
const DECLINE_REASONS = ['该时段有手术安排，请邀请其他专家', '本人外出学术会议，无法参加'];
const RATING_COMMENTS = ['专家意见详细，指导性强', '响应及时，非常感谢', '意见明确，已按建议处理', '会诊安排顺利', null, null];
const URGENT_REASONS = ['胸痛持续不缓解，心电图动态改变，需立即会诊', '患者病情危重，需专家立即指导抢救'];
const RELATIVES: ['spouse' | 'child', string][] = [['spouse', '配偶'], ['child', '子女']];

/** A small grayscale PNG of a hand-written-looking stroke (a signature), different per `seed`. */
export function signaturePng(seed: number): Buffer {
  const w = 240, h = 80, rng = new Rng(seed);
  const px = Buffer.alloc((w + 1) * h, 255);
  for (let y = 0; y < h; y++) px[y * (w + 1)] = 0; // filter byte: none
  const a = [rng.int(8, 20), rng.int(4, 14), rng.int(2, 8)], f = [rng.int(2, 5) / 100, rng.int(6, 11) / 100, rng.int(12, 20) / 100];
  for (let x = 20; x < w - 20; x++) {
    const y = Math.round(h / 2 + a[0]! * Math.sin(x * f[0]!) + a[1]! * Math.sin(x * f[1]! + 1) + a[2]! * Math.cos(x * f[2]!));
    for (let dy = -1; dy <= 1; dy++) for (let dx2 = 0; dx2 <= 1; dx2++) {
      const yy = Math.min(h - 1, Math.max(0, y + dy));
      px[yy * (w + 1) + 1 + Math.min(w - 1, x + dx2)] = 20;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 0; // 8-bit grayscale
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(px)), chunk('IEND', Buffer.alloc(0))]);
}

export interface ConsultationSeedSummary { consultations: number; quickConsults: number }

/** Writes the demo consultations and quick consults; `now` anchors the months; `files` stores the consent images. */
export async function seedConsultations(tx: Tx, rows: DemoRows, now = Date.now(), files?: FileStore): Promise<ConsultationSeedSummary> {
  const rng = new Rng(4040);
  const ids = new Rng(4041);
  // Case threads (consultations that reached the centre, and quick consults), their people and messages.
  const threads: Record<string, unknown>[] = [], participants: Record<string, unknown>[] = [], messages: Record<string, unknown>[] = [];
  const threadIds = new Map<string, string>();
  const threadIdOf = (caseId: string) => threadIds.get(caseId) ?? threadIds.set(caseId, ids.uuid()).get(caseId)!;
  const inst = (code: string) => rows.institution.find((i) => i.code === code) ?? fail(`institution ${code}`);
  const instCode = new Map(rows.institution.map((i) => [i.id as string, i.code]));
  const practitioners = new Map(rows.practitioner.map((p) => [p.id as string, p]));
  const passwordHash = rows.user_account.find((u) => u.username === 'doctor')!.password_hash;

  // ——— accounts as the referral seed left them (it adds some of its own) ———
  const existing = await tx.selectFrom('user_account as u').innerJoin('user_role as r', 'r.user_id', 'u.id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.practitioner_id', 'r.role', 'r.institution_id']).orderBy('u.username').execute();
  const newUsers: Record<string, unknown>[] = [], newRoles: Record<string, unknown>[] = [];
  const usernames = new Set(existing.map((u) => u.username));
  const addAccount = (username: string, displayName: string, role: string, code: string, practitionerId: string | null): Person => {
    const id = ids.uuid();
    newUsers.push({ id, username, display_name: displayName, password_hash: passwordHash, practitioner_id: practitionerId, patient_id: null });
    newRoles.push({ id: ids.uuid(), user_id: id, role, institution_id: inst(code).id });
    usernames.add(username);
    existing.push({ id, username, display_name: displayName, practitioner_id: practitionerId, role, institution_id: inst(code).id as string });
    return { userId: id, practitionerId, instId: inst(code).id as string, name: displayName };
  };
  const account = (username: string, code: string): Person => {
    const u = existing.find((a) => a.username === username) ?? fail(`account ${username}`);
    return { userId: u.id, practitionerId: u.practitioner_id, instId: inst(code).id as string, name: u.display_name };
  };
  const withRole = (code: string, roles: string[]) => existing.filter((a) => a.institution_id === inst(code).id && roles.includes(a.role));
  const shortName = (code: string) => inst(code).short_name ?? inst(code).name;

  const offices = new Map<string, Person>();
  const office = (code: string): Person => {
    if (!offices.has(code)) {
      const found = withRole(code, ['institution_admin'])[0];
      offices.set(code, found ? account(found.username, code) : addAccount(`demo.${code.toLowerCase()}.office`, `${shortName(code)}医务科`, 'institution_admin', code, null));
    }
    return offices.get(code)!;
  };
  /** The department head who agrees to the township's requests: at 新市镇中心卫生院 the senior GP of RMYY who also practises there. */
  const heads = new Map<string, Person>();
  const head = (code: string): Person => {
    if (!heads.has(code)) {
      const found = withRole(code, ['dept_head'])[0];
      let p: Person;
      if (found) p = account(found.username, code);
      else {
        const senior = rows.practitioner_role.filter((r) => r.institution_id === inst(code).id)
          .map((r) => practitioners.get(r.practitioner_id)!).find((x) => /chief_physician/.test(x.title));
        p = addAccount(`demo.${code.toLowerCase()}.head`, senior ? `${senior.name}（${shortName(code)}科主任）` : `${shortName(code)}科主任`, 'dept_head', code, (senior?.id as string) ?? null);
      }
      heads.set(code, p);
    }
    return heads.get(code)!;
  };
  const applicants = (code: string): Person[] => {
    if (code === 'WSY03') return [account('xiangyi', 'WSY03'), account('xiangyi', 'WSY03'), account('xiangyi', 'WSY03'), account('jiating', 'WSY03')];
    const list = withRole(code, ['doctor']).filter((a) => a.practitioner_id);
    if (list.length) return list.map((a) => account(a.username, code));
    const p = rows.practitioner_role.filter((r) => r.institution_id === inst(code).id).map((r) => practitioners.get(r.practitioner_id)!)
      .find((x) => !/nurse|technician/.test(x.title)) ?? fail(`physician at ${code}`);
    let n = 1;
    while (usernames.has(`demo.${code.toLowerCase()}.${n}`)) n++;
    return [addAccount(`demo.${code.toLowerCase()}.${n}`, `${p.name}（${shortName(code)}）`, 'doctor', code, p.id as string)];
  };
  const applicantCache = new Map<string, Person[]>();
  const applicant = (code: string) => rng.pick(applicantCache.get(code) ?? applicantCache.set(code, applicants(code)).get(code)!);
  const centre = account('huizhen', 'RMYY');
  const RMYY = inst('RMYY').id as string;

  // ——— the expert pool, each with an account ———
  let expertN = 0;
  const expertsBySpecialty = new Map<string, Person[]>();
  for (const e of rows.expert) {
    const p = practitioners.get(e.practitioner_id)!;
    const role = rows.practitioner_role.find((r) => r.practitioner_id === p.id)!;
    const code = instCode.get(role.institution_id)!;
    const has = existing.find((a) => a.practitioner_id === p.id && ['doctor', 'dept_head', 'reading_physician'].includes(a.role));
    let person: Person;
    if (has) person = { userId: has.id, practitionerId: p.id as string, instId: role.institution_id, name: has.display_name };
    else {
      const dept = rows.department.find((d) => d.id === role.department_id)?.name ?? '';
      const reader = ['radiology', 'ecg', 'pathology'].includes(e.specialty);
      person = addAccount(`demo.expert.${++expertN}`, `${p.name}（${shortName(code)}${dept}）`, reader ? 'reading_physician' : 'doctor', code, p.id as string);
      person.instId = role.institution_id;
    }
    person.practitionerId = p.id as string;
    const list = expertsBySpecialty.get(e.specialty) ?? expertsBySpecialty.set(e.specialty, []).get(e.specialty)!;
    list.push(person);
  }
  const luZhiyuan = account('doctor', 'RMYY');
  const expertsFor = (specialty: string, n = 1, prefer?: Person): Person[] => {
    const pool = expertsBySpecialty.get(specialty) ?? fail(`experts of ${specialty}`);
    const out: Person[] = prefer ? [prefer] : [];
    for (const p of [...pool].sort(() => rng.next() - 0.5)) if (out.length < n && !out.some((o) => o.userId === p.userId)) out.push(p);
    return out;
  };

  // ——— patients: residents with a local number at the applicant's institution ———
  const feiId = existing.find((a) => a.username === 'patient')!;
  const feiPatientId = (await tx.selectFrom('user_account').select('patient_id').where('id', '=', feiId.id).executeTakeFirstOrThrow()).patient_id!;
  const patientsAt = new Map<string, string[]>();
  const eligible = new Set(rows.patient.filter((p) => p.resident_id && p.id !== feiPatientId && p.birth_date < '1976-01-01').map((p) => p.id as string));
  for (const pi of rows.patient_identifier) {
    if (!eligible.has(pi.patient_id)) continue;
    const list = patientsAt.get(pi.institution_id) ?? patientsAt.set(pi.institution_id, []).get(pi.institution_id)!;
    if (!list.includes(pi.patient_id)) list.push(pi.patient_id);
  }
  const patientAt = (code: string) => rng.pick(patientsAt.get(inst(code).id as string) ?? fail(`residents of ${code}`));
  const patientNames = new Map(rows.patient.map((p) => [p.id as string, p.name]));

  // ——— building ———
  const consultations: Record<string, unknown>[] = [], events: Record<string, unknown>[] = [], consents: Record<string, unknown>[] = [];
  const experts: Record<string, unknown>[] = [], opinions: Record<string, unknown>[] = [], care: Record<string, unknown>[] = [];
  const escalations: Record<string, unknown>[] = [], fileRows = new Map<string, { data: Buffer; by: string }>();
  const codeSeq = new Map<string, number>();
  const cstDay = (ms: number) => new Date(ms + CST).toISOString().slice(0, 10);
  const workday = (daysAgo: number) => {
    const midnight = Math.floor((now + CST) / DAY) * DAY - CST - Math.floor(daysAgo) * DAY;
    return midnight + rng.int(8 * 60, 16 * 60) * MIN;
  };
  const m = (lo: number, hi: number) => rng.int(lo, hi) * MIN;

  interface Spec {
    kind: ConsultationKind; topic: Topic; fromCode: string; applicant?: Person; patientId?: string; target: ConsultationState;
    daysAgo: number; experts?: Person[];
    /** Returned once by the department head or the office before going on. */
    returnedOnce?: boolean; supplementOnce?: boolean; declineOnce?: boolean;
    /** Answered after its due time; or (unanswered) left past it. */
    late?: boolean;
    /** For `scheduled`: the opinions signed so far (all, some, none) and whether the session is still to come. */
    opinions?: 'all' | 'some' | 'none';
    /** For `inviting`: how many of the invited experts accepted already. */
    acceptedSoFar?: number;
    /** Where a cancelled or expired one stopped. */
    stopAt?: ConsultationState;
    /** The agreed time, overriding the built one (the demo patient's consultation today). */
    scheduledAt?: number;
  }

  const build = (s: Spec): string => {
    const id = ids.uuid();
    const author = s.applicant ?? applicant(s.fromCode);
    const t0 = workday(s.daysAgo);
    const urgent = s.kind === 'urgent';
    let t = t0, state = 'draft' as ConsultationState, version = 1;
    const ev: { action: string; at: number; by: Person | null; from: ConsultationState | null; to: ConsultationState; note?: string; detail?: Record<string, unknown> }[] = [];
    const push = (action: string, gap: number, by: Person | null, to: ConsultationState, note?: string, detail?: Record<string, unknown>) => {
      t += gap;
      ev.push({ action, at: t, by, from: action === 'create' ? null : state, to, ...(note ? { note } : {}), ...(detail ? { detail } : {}) });
      if (to !== state || CONSULTATION_TRANSITIONS[action as ConsultationAction]) version++;
      state = to;
    };
    const step = (action: ConsultationAction, gap: number, by: Person, note?: string, detail?: Record<string, unknown>, to?: ConsultationState) => {
      const tr = CONSULTATION_TRANSITIONS[action];
      if (!tr.from.includes(state) || (tr.kinds && !tr.kinds.includes(s.kind))) throw new Error(`demo consultation seed: ${action} from ${state}`);
      push(action, gap, by, to ?? tr.to ?? state, note, detail);
    };
    const done = () => state === s.target || (s.stopAt !== undefined && state === s.stopAt);
    const chosen = s.experts ?? (s.topic.mdt ? s.topic.mdt.flatMap((sp) => expertsFor(sp, 1)) : expertsFor(s.topic.specialty, s.kind === 'routine' && rng.chance(0.2) ? 2 : 1));
    const invitations = new Map<string, { p: Person; status: string; invitedAt: number; repliedAt: number | null; note: string | null }>();
    let received: number | null = null, due: number | null = null, scheduled: number | null = null, answered: number | null = null;
    let supplements: string[] = [], rating: number | null = null, ratingComment: string | null = null, cancelReason: string | null = null;
    const signed: { p: Person; at: number }[] = [];
    const duration = urgent ? 10 : s.kind === 'mdt' ? 90 : s.kind === 'material' ? 30 : 60;

    push('create', 0, author, 'draft');
    const withConsent = s.target !== 'draft' || rng.chance(0.5);
    if (withConsent) push('consent', m(5, 30), author, 'draft');
    const live = () => !done();
    if (s.target !== 'draft') {
      if (urgent) step('submit_urgent', m(5, 15), author, rng.pick(URGENT_REASONS));
      else {
        step('submit', m(10, 90), author);
        if (s.returnedOnce || s.target === 'returned') {
          if (rng.chance(0.5)) step('dept_return', m(30, 300), head(s.fromCode), rng.pick(RETURN_REASONS));
          else { step('dept_approve', m(30, 300), head(s.fromCode)); step('office_return', m(30, 300), office(s.fromCode), rng.pick(RETURN_REASONS)); }
          if (live()) step('submit', m(60, 600), author);
        }
        if (live()) step('dept_approve', m(30, 360), head(s.fromCode));
        if (live()) step('office_approve', m(30, 480), office(s.fromCode));
      }
      if (state === 'received') { received = t; due = t + CONSULTATION_DEFAULT_LIMIT_MINUTES[s.kind] * MIN; }
      if (live() && (s.supplementOnce || s.target === 'supplementing')) {
        supplements = rng.pick(SUPPLEMENTS);
        step('request_supplements', urgent ? m(2, 5) : m(30, 240), centre, undefined, { supplements });
        if (live()) step('resubmit', m(120, 1200), author);
      }
      if (live()) step('accept', urgent ? m(1, 3) : s.late ? m(600, 1500) : m(20, 180), centre);
      if (live()) {
        const proposed = urgent ? m(5, 8) : s.late ? m(50 * 60, 60 * 60) : m(4 * 60, 26 * 60);
        const first = s.declineOnce ? chosen.slice(0, 1) : chosen;
        step('invite', urgent ? m(1, 3) : m(20, 120), centre, undefined, { experts: first.map((p) => p.practitionerId) });
        scheduled = t + proposed;
        for (const p of first) invitations.set(p.userId, { p, status: 'invited', invitedAt: t, repliedAt: null, note: null });
        if (s.declineOnce) {
          const who = first[0]!, reason = rng.pick(DECLINE_REASONS);
          step('expert_decline', m(20, 120), who, reason);
          Object.assign(invitations.get(who.userId)!, { status: 'declined', repliedAt: t, note: reason });
          const other = [...expertsFor(s.topic.specialty, 3), ...expertsFor('internal', 2)].find((p) => p.userId !== who.userId && !chosen.some((c) => c.userId === p.userId)) ?? fail(`a second ${s.topic.specialty} expert`);
          chosen.splice(0, 1, other);
          step('invite', m(10, 60), centre, undefined, { experts: chosen.map((p) => p.practitionerId) });
          for (const p of chosen) if (!invitations.has(p.userId)) invitations.set(p.userId, { p, status: 'invited', invitedAt: t, repliedAt: null, note: null });
        }
        const accepting = s.target === 'inviting' ? chosen.slice(0, s.acceptedSoFar ?? 0) : chosen;
        for (const [i, p] of accepting.entries()) {
          if (s.target !== 'inviting' && done()) break;
          const last = i === chosen.length - 1;
          step('expert_accept', urgent ? m(1, 2) : m(10, 150), p, undefined, undefined, last ? 'scheduled' : 'inviting');
          Object.assign(invitations.get(p.userId)!, { status: 'accepted', repliedAt: t });
        }
        if (state === 'scheduled' && scheduled <= t) scheduled = t + (urgent ? m(2, 4) : m(60, 240));
      }
      // The session, then each expert's signed opinion.
      const wantOpinions = state === 'scheduled' && (s.target !== 'scheduled' || s.opinions !== 'none') && !(s.stopAt === 'scheduled');
      if (wantOpinions) {
        const n = s.target === 'scheduled' && s.opinions === 'some' ? chosen.length - 1 : chosen.length;
        t = scheduled! + duration * MIN;
        for (const p of chosen.slice(0, n)) {
          t += urgent ? m(1, 2) : m(15, 120);
          ev.push({ action: 'opinion_sign', at: t, by: p, from: 'scheduled', to: 'scheduled' });
          signed.push({ p, at: t });
        }
        if (live()) { step('forward', urgent ? m(1, 2) : m(10, 60), centre); answered = t; }
        if (live()) {
          rating = rng.weighted([[5, 6], [4, 3], [3, 1]] as const); ratingComment = rng.pick(RATING_COMMENTS);
          step('confirm', m(60, 36 * 60), author, ratingComment ?? undefined, { rating });
        }
      }
      if (s.target === 'cancelled') {
        cancelReason = rng.pick(CANCEL_REASONS);
        const byCentre = ['received', 'accepted', 'inviting', 'scheduled'].includes(state) && rng.chance(0.4);
        step('cancel', m(60, 24 * 60), byCentre ? centre : author, cancelReason);
        for (const inv of invitations.values()) if (inv.status !== 'declined') inv.status = 'withdrawn';
      }
      if (s.target === 'expired') {
        t += 14 * DAY + m(1, 60);
        ev.push({ action: 'expire', at: t, by: null, from: state, to: 'expired', note: '超过14天未安排，自动过期' });
        state = 'expired'; version++;
      }
    }
    if (state !== s.target) throw new Error(`demo consultation seed: reached ${state}, wanted ${s.target}`);

    // Never in the future: shift the whole history back so its last step is at least 20 minutes ago.
    const over = t - (now - 20 * MIN);
    const shift = over > 0 ? over + m(0, 120) : 0;
    const at = (x: number | null) => (x === null ? null : new Date(x - shift));
    for (const e of ev) e.at -= shift;
    // Unanswered past its due time: the sweep's escalation (once), as it would have happened.
    if (due !== null && answered === null && state !== 'cancelled' && due - shift < now) {
      const escalated = due - shift + MIN;
      const then = ev.filter((e) => e.at <= escalated).at(-1)!.to;
      ev.push({ action: 'escalate', at: escalated, by: null, from: then, to: then, note: '超过应答时限未答复，已提醒会诊中心' });
      escalations.push({ consultation_id: id, due_at: at(due), escalated_at: new Date(escalated) });
      ev.sort((a, b) => a.at - b.at);
    }
    const created = t0 - shift;
    const statusSince = ev.filter((e) => e.from !== e.to || e.action === 'create').at(-1)!.at;
    const day = cstDay(created).replaceAll('-', '');
    const seq = (codeSeq.get(day) ?? 0) + 1;
    codeSeq.set(day, seq);
    const patientId = s.patientId ?? patientAt(s.fromCode);
    const fromDept = rows.department.find((d) => d.institution_id === inst(s.fromCode).id && /全科|内科/.test(d.name));
    const scheduledAt = s.scheduledAt ?? (scheduled === null ? null : scheduled - shift);
    consultations.push({
      id, code: `HZ${day}${String(seq).padStart(4, '0')}`, kind: s.kind, material_type: s.topic.material ?? null, status: state,
      status_since: new Date(statusSince), version, patient_id: patientId, from_institution_id: inst(s.fromCode).id,
      from_department_id: fromDept?.id ?? null, from_practitioner_id: author.practitionerId, created_by: author.userId,
      centre_institution_id: RMYY, requested_specialty: s.topic.specialtyZh, requested_expert_ids: [], purpose: s.topic.purpose,
      summary: rng.pick(s.topic.summaries), diagnoses: JSON.stringify(s.topic.codes.map(dx)), shared_entries: '[]', attachments: '[]',
      urgent_reason: urgent ? ev.find((e) => e.action === 'submit_urgent')?.note ?? null : null,
      supplements_requested: JSON.stringify(supplements), scheduled_at: scheduledAt === null ? null : new Date(scheduledAt),
      duration_minutes: duration, received_at: at(received), due_at: at(due), answered_at: at(answered), rating, rating_comment: rating ? ratingComment : null,
      cancel_reason: cancelReason, thread_id: received === null ? null : threadIdOf(id), quick_consult_id: null, created_at: new Date(created), updated_at: new Date(ev.at(-1)!.at),
    });
    // The case chat opens when the request reaches the centre (as actions.ts does): applicant, centre, experts.
    if (received !== null) {
      const threadId = threadIdOf(id);
      const opened = received - shift;
      threads.push({ id: threadId, kind: 'case', case_type: 'consultation', case_id: id, patient_id: patientId, title: `会诊 HZ${day}${String(seq).padStart(4, '0')}`, created_by: author.userId, created_at: new Date(opened) });
      const people = new Set([author.userId, centre.userId, ...[...invitations.values()].filter((i) => i.status !== 'withdrawn').map((i) => i.p.userId)]);
      for (const userId of people) participants.push({ thread_id: threadId, user_id: userId, joined_at: new Date(opened) });
      const said = [
        { by: centre.userId, at: opened + 5 * MIN, body: '资料已收到，正在预审。' },
        { by: author.userId, at: opened + 9 * MIN, body: '好的，患者目前生命体征平稳，等待安排专家。' },
      ].filter((x) => x.at < now - 20 * MIN);
      for (const x of said) messages.push({ thread_id: threadId, sender_id: x.by, kind: 'text', body: x.body, created_at: new Date(x.at) });
      threads.at(-1)!.last_message_at = new Date(said.at(-1)?.at ?? opened);
    }
    for (const e of ev)
      events.push({
        consultation_id: id, at: new Date(e.at), user_id: e.by?.userId ?? null, institution_id: e.by?.instId ?? null, action: e.action,
        from_status: e.from, to_status: e.to, note: e.note ?? null, detail: e.detail ? JSON.stringify(e.detail) : null,
      });
    const consentEvent = ev.find((e) => e.action === 'consent');
    if (consentEvent) {
      const self = rng.chance(0.6);
      const [relation, relZh] = self ? ['self', '本人'] as const : rng.pick(RELATIVES);
      const png = signaturePng(4100 + consultations.length);
      const sha = createHash('sha256').update(png).digest('hex');
      fileRows.set(sha, { data: png, by: author.userId });
      const name = patientNames.get(patientId) ?? '患者';
      consents.push({
        id: ids.uuid(), consultation_id: id, signer_name: self ? name : `${rng.pick(['沈秀英', '朱建华', '姚丽', '陈伟', '费国强'])}（${relZh}）`,
        relation, signed_at: new Date(consentEvent.at), file_id: sha, method: 'drawn', recorded_by: author.userId, document_id: null, created_at: new Date(consentEvent.at),
      });
    }
    for (const inv of invitations.values())
      experts.push({
        consultation_id: id, practitioner_id: inv.p.practitionerId, user_id: inv.p.userId, institution_id: inv.p.instId, status: inv.status,
        invited_at: new Date(inv.invitedAt - shift), replied_at: at(inv.repliedAt), reply_note: inv.note,
      });
    for (const o of signed) {
      const content = {
        findings: s.topic.findings, diagnoses: s.topic.codes.map(dx), recommendations: s.topic.recommendations, refer: !!s.topic.refer,
        referInstitutionId: s.topic.refer ? RMYY : null, referDepartmentId: null, referNote: null,
      };
      opinions.push({
        id: ids.uuid(), consultation_id: id, practitioner_id: o.p.practitionerId, user_id: o.p.userId, version: 1,
        findings: content.findings, diagnoses: JSON.stringify(content.diagnoses), recommendations: content.recommendations, refer: content.refer,
        refer_institution_id: content.referInstitutionId, refer_department_id: null, refer_note: null, status: 'signed',
        signed_at: new Date(o.at - shift), signature_hash: createHash('sha256').update(canonical(content)).digest('hex'),
        signature_file_id: null, supersedes: null, document_id: null, created_at: new Date(o.at - shift - 10 * MIN), updated_at: new Date(o.at - shift),
      });
    }
    if (received !== null) {
      const ended = ['closed', 'cancelled', 'expired'].includes(state) ? new Date(ev.at(-1)!.at) : null;
      care.push({ id: ids.uuid(), patient_id: patientId, institution_id: RMYY, kind: 'consultation', source_id: id, starts_at: at(received), ends_at: ended });
    }
    return id;
  };

  // ——— scripted: the demo accounts' work ———
  const xiangyi = account('xiangyi', 'WSY03');
  const wsy03 = { fromCode: 'WSY03', applicant: xiangyi };
  // 费建新: his lung nodule, scheduled today — the room is open now (30 minutes before the agreed time until 4 hours after).
  const roomAt = Math.ceil((now + 15 * MIN) / (5 * MIN)) * 5 * MIN;
  build({ ...wsy03, kind: 'routine', topic: topic('nodule'), patientId: feiPatientId, target: 'scheduled', daysAgo: 2, opinions: 'none',
    experts: [luZhiyuan, ...expertsFor('radiology', 1)], scheduledAt: roomAt });
  // doctor (陆志远): open invitations, and a session held whose opinion he still has to write.
  build({ kind: 'routine', topic: topic('copd'), fromCode: 'WSY01', target: 'inviting', daysAgo: 1, experts: [luZhiyuan] });
  build({ kind: 'routine', topic: topic('nodule'), fromCode: 'WSY05', target: 'inviting', daysAgo: 0, experts: [luZhiyuan] });
  build({ kind: 'mdt', topic: topic('mdt-lung'), fromCode: 'XRMYY', target: 'inviting', daysAgo: 1, acceptedSoFar: 1,
    experts: [...expertsFor('radiology', 1), luZhiyuan, ...expertsFor('general_surgery', 1)] });
  build({ kind: 'routine', topic: topic('copd'), fromCode: 'WSY02', target: 'scheduled', daysAgo: 4, opinions: 'none', experts: [luZhiyuan] });
  // huizhen (the centre): to pre-review, to arrange, waiting for experts, opinions all signed to forward; overdue ones.
  build({ ...wsy03, kind: 'routine', topic: topic('dm'), target: 'received', daysAgo: 0 });
  build({ kind: 'urgent', topic: topic('chest'), fromCode: 'WSY04', target: 'received', daysAgo: 0 });
  build({ kind: 'routine', topic: topic('gallstone'), fromCode: 'WSY06', target: 'received', daysAgo: 3, late: true });
  build({ kind: 'material', topic: topic('ct'), fromCode: 'WSY02', target: 'accepted', daysAgo: 1 });
  build({ kind: 'routine', topic: topic('af'), fromCode: 'XRMYY', target: 'accepted', daysAgo: 4, late: true });
  build({ kind: 'routine', topic: topic('tia'), fromCode: 'WSY05', target: 'inviting', daysAgo: 1, declineOnce: true });
  build({ kind: 'routine', topic: topic('chest'), fromCode: 'WSY01', target: 'scheduled', daysAgo: 3, opinions: 'all' });
  build({ kind: 'mdt', topic: topic('mdt-hf'), fromCode: 'XRMYY', target: 'scheduled', daysAgo: 5, opinions: 'all' });
  build({ fromCode: 'WSY03', applicant: account('jiating', 'WSY03'), kind: 'routine', topic: topic('nodule'), target: 'scheduled', daysAgo: 2, opinions: 'some',
    experts: [...expertsFor('radiology', 1), luZhiyuan] });
  build({ kind: 'material', topic: topic('ecg'), fromCode: 'WSY06', target: 'scheduled', daysAgo: 1, opinions: 'none' });
  // xiangyi (钱伟): opinions to confirm and rate, supplements to add, a returned request, a draft; his head and office.
  build({ ...wsy03, kind: 'routine', topic: topic('chest'), target: 'answered', daysAgo: 3 });
  build({ ...wsy03, kind: 'material', topic: topic('biopsy'), target: 'answered', daysAgo: 5 });
  build({ ...wsy03, kind: 'routine', topic: topic('copd'), target: 'supplementing', daysAgo: 1 });
  build({ ...wsy03, kind: 'routine', topic: topic('dm'), target: 'supplementing', daysAgo: 2 });
  build({ ...wsy03, kind: 'routine', topic: topic('gallstone'), target: 'returned', daysAgo: 1 });
  build({ ...wsy03, kind: 'routine', topic: topic('hip'), target: 'draft', daysAgo: 0 });
  build({ ...wsy03, kind: 'routine', topic: topic('af'), target: 'submitted', daysAgo: 0 });
  build({ fromCode: 'WSY03', applicant: account('jiating', 'WSY03'), kind: 'routine', topic: topic('dm'), target: 'submitted', daysAgo: 1 });
  build({ ...wsy03, kind: 'mdt', topic: topic('mdt-hf'), target: 'dept_approved', daysAgo: 1 });
  build({ ...wsy03, kind: 'routine', topic: topic('tia'), target: 'dept_approved', daysAgo: 0 });

  // ——— the months at large: every kind and final state, a few live ones elsewhere ———
  const FROM: readonly (readonly [string, number])[] = [['WSY01', 2], ['WSY02', 2], ['WSY03', 3], ['WSY04', 2], ['WSY05', 2], ['WSY06', 2], ['XRMYY', 2]];
  const KINDS: readonly (readonly [ConsultationKind, number])[] = [['routine', 10], ['urgent', 4], ['mdt', 2], ['material', 4]];
  const topicFor = (kind: ConsultationKind) => rng.pick(TOPICS.filter((x) => (kind === 'material' ? x.material : kind === 'mdt' ? x.mdt : !x.material && !x.mdt)
    && (kind !== 'urgent' || ['chest', 'tia', 'copd'].includes(x.key))));
  const random = (target: ConsultationState, daysAgo: number, extra: Partial<Spec> = {}) => {
    const kind = extra.kind ?? rng.weighted(KINDS);
    build({ returnedOnce: rng.chance(0.08), supplementOnce: rng.chance(0.12), ...extra, kind, topic: topicFor(kind), fromCode: rng.weighted(FROM), target, daysAgo });
  };
  for (const stopAt of ['submitted', 'received', 'inviting'] as const) random('cancelled', rng.int(5, 120), { stopAt, kind: stopAt === 'submitted' ? 'routine' : undefined });
  for (const stopAt of ['received', 'accepted'] as const) random('expired', rng.int(30, 150), { stopAt, kind: 'routine' });
  random('draft', 2, { kind: 'routine' });
  random('submitted', 1, { kind: 'routine' });
  random('dept_approved', 2, { kind: 'mdt' });
  random('returned', 3, { kind: 'routine' });
  random('answered', 2);
  random('answered', 4, { kind: 'urgent' });
  for (let k = consultations.length; k < 60; k++) {
    const daysAgo = rng.int(6, 150);
    random('closed', daysAgo, { late: rng.chance(0.12), declineOnce: rng.chance(0.06) });
  }

  // ——— quick consults (移动问诊) ———
  const quick: Record<string, unknown>[] = [];
  const zhuren = account('zhuren', 'RMYY');
  const draftConsultation = consultations.find((c) => c.status === 'draft' && c.created_by === xiangyi.userId)!;
  const draftReferral = await tx.selectFrom('referral').select(['id', 'patient_id']).where('created_by', '=', xiangyi.userId).where('status', '=', 'draft').limit(1).executeTakeFirst();
  interface QuickSpec { asker: Person; expert: Person; status: QuickConsultState; subject: string; lines: [0 | 1, string][]; hoursAgo: number; patientId?: string | null; converted?: { type: 'consultation' | 'referral'; id: string } }
  const QUICK: QuickSpec[] = [
    { asker: xiangyi, expert: luZhiyuan, status: 'open', hoursAgo: 2, subject: '慢阻肺患者夜间憋醒，是否需要调整吸入药？', patientId: patientAt('WSY03'),
      lines: [[0, '患者男，72岁，慢阻肺，目前用噻托溴铵，近1周夜间憋醒2次，SpO2 92%，是否需要加用ICS/LABA？']] },
    { asker: account('jiating', 'WSY03'), expert: zhuren, status: 'open', hoursAgo: 5, subject: '血压控制不佳，联合用药请教',
      lines: [[0, '患者女，66岁，氨氯地平+厄贝沙坦治疗下家庭血压仍150/95左右，下一步加哪类药物更合适？']] },
    { asker: xiangyi, expert: zhuren, status: 'answered', hoursAgo: 26, subject: '心电图ST段压低请教', patientId: patientAt('WSY03'),
      lines: [[0, '患者男，61岁，活动后胸闷，心电图V4–V6 ST段压低0.1mV，肌钙蛋白阴性，基层如何处理？'],
        [1, '考虑不稳定型心绞痛可能，先给予阿司匹林+他汀，避免剧烈活动，建议尽快转我院心内科门诊行冠脉CTA。'], [0, '好的，谢谢沈主任！']] },
    { asker: applicant('WSY01'), expert: luZhiyuan, status: 'answered', hoursAgo: 50, subject: '肺部小结节随访间隔',
      lines: [[0, '体检发现右上肺5mm磨玻璃结节，患者很焦虑，多久复查合适？'], [1, '5mm纯磨玻璃结节恶性风险很低，建议12个月后复查低剂量CT即可，做好解释。']] },
    { asker: xiangyi, expert: luZhiyuan, status: 'converted', hoursAgo: 30, subject: '髋部疼痛老人是否需要会诊', patientId: draftConsultation.patient_id as string,
      converted: { type: 'consultation', id: draftConsultation.id as string },
      lines: [[0, '老人跌倒后髋部疼痛，X线可疑股骨颈骨折，是否走正式会诊？'], [1, '建议发起正式会诊，由骨科专家阅片后决定手术方式。']] },
    ...(draftReferral ? [{ asker: xiangyi, expert: zhuren, status: 'converted' as const, hoursAgo: 20, subject: '胸痛患者转诊咨询', patientId: draftReferral.patient_id,
      converted: { type: 'referral' as const, id: draftReferral.id },
      lines: [[0, '患者胸痛反复发作，基层无冠脉检查条件，是否上转？'], [1, '建议上转我院心内科，我这边安排门诊。']] as [0 | 1, string][] }] : []),
    { asker: applicant('WSY05'), expert: expertsFor('endocrinology')[0]!, status: 'closed', hoursAgo: 24 * 9, subject: '胰岛素起始剂量',
      lines: [[0, '2型糖尿病患者HbA1c 9.8%，准备起始基础胰岛素，剂量怎么定？'], [1, '按0.1–0.2U/kg起始，睡前甘精胰岛素，每3天根据空腹血糖调整2U。'], [0, '明白，谢谢。']] },
    { asker: account('jiating', 'WSY03'), expert: luZhiyuan, status: 'closed', hoursAgo: 24 * 15, subject: '慢阻肺稳定期疫苗接种',
      lines: [[0, '慢阻肺稳定期患者需要接种哪些疫苗？'], [1, '建议每年接种流感疫苗，并接种肺炎球菌疫苗。']] },
  ];
  const stateLine: Record<QuickConsultState, { zh: string; en: string }> = {
    open: { zh: '', en: '' }, answered: { zh: '已答复', en: 'answered' }, converted: { zh: '已转为远程会诊申请（草稿）', en: 'converted it into a draft consultation request' },
    closed: { zh: '结束了问诊', en: 'closed the consult' },
  };
  const qSeq = new Map<string, number>();
  for (const q of QUICK) {
    const id = ids.uuid(), threadId = ids.uuid();
    let t = now - q.hoursAgo * HOUR;
    const created = t;
    const day = cstDay(created).replaceAll('-', '');
    const seq = (qSeq.get(day) ?? 0) + 1;
    qSeq.set(day, seq);
    threads.push({ id: threadId, kind: 'case', case_type: 'quick_consult', case_id: id, patient_id: q.patientId ?? null, title: q.subject, created_by: q.asker.userId, created_at: new Date(created) });
    let answeredAt: number | null = null, lastAnswer = 0;
    const threadMessages: Record<string, unknown>[] = [];
    for (const [who, body] of q.lines) {
      t += m(3, 90);
      if (t > now - 5 * MIN) t = now - 5 * MIN;
      threadMessages.push({ thread_id: threadId, sender_id: (who ? q.expert : q.asker).userId, kind: 'text', body, created_at: new Date(t) });
      if (who && answeredAt === null) answeredAt = t;
      if (who) lastAnswer = t;
    }
    if (q.status !== 'open') {
      t = Math.min(t + m(5, 60), now - 2 * MIN);
      const actor = q.status === 'answered' ? q.expert : q.status === 'converted' ? q.expert : q.asker;
      const line = q.converted?.type === 'referral' ? { zh: '已转为转诊单（草稿）', en: 'converted it into a draft referral' } : stateLine[q.status];
      threadMessages.push({ thread_id: threadId, sender_id: actor.userId, kind: 'system', body: JSON.stringify({ zh: `${actor.name} ${line.zh}`, en: `${actor.name} ${line.en}` }), created_at: new Date(q.status === 'answered' ? lastAnswer + MIN : t) });
    }
    messages.push(...threadMessages);
    const last = Math.max(...threadMessages.map((x) => (x.created_at as Date).getTime()));
    threads.at(-1)!.last_message_at = new Date(last);
    // The asker has read everything; the expert has read up to the question of an open consult only.
    participants.push({ thread_id: threadId, user_id: q.asker.userId, joined_at: new Date(created) }, { thread_id: threadId, user_id: q.expert.userId, joined_at: new Date(created) });
    quick.push({
      id, code: `WZ${day}${String(seq).padStart(4, '0')}`, status: q.status, status_since: new Date(q.status === 'open' ? created : last),
      asker_user_id: q.asker.userId, asker_institution_id: q.asker.instId, expert_practitioner_id: q.expert.practitionerId, expert_user_id: q.expert.userId,
      patient_id: q.patientId ?? null, subject: q.subject, thread_id: threadId, answered_at: answeredAt === null ? null : new Date(answeredAt),
      converted_to_type: q.converted?.type ?? null, converted_to_id: q.converted?.id ?? null, created_at: new Date(created), updated_at: new Date(last),
    });
    if (q.converted?.type === 'consultation') draftConsultation.quick_consult_id = id;
  }

  // ——— writing ———
  const BATCH = 300;
  const insert = async (table: string, list: Record<string, unknown>[]) => {
    for (let i = 0; i < list.length; i += BATCH) await tx.insertInto(table as 'consultation').values(list.slice(i, i + BATCH) as never).execute();
  };
  await insert('user_account', newUsers);
  await insert('user_role', newRoles);
  const fileList = [...fileRows.entries()];
  for (const [, f] of fileList) if (files) await files.put(f.data);
  await insert('file_object', fileList.map(([sha, f]) => ({ sha256: sha, size: f.data.length, content_type: 'image/png', original_name: '知情同意书签名.png', created_by: f.by })));
  await insert('file_upload', fileList.map(([sha, f]) => ({ file_id: sha, user_id: f.by, name: '知情同意书签名.png' })));
  await insert('consultation', consultations);
  await insert('consultation_consent', consents);
  await insert('consultation_expert', experts);
  await insert('consultation_opinion', opinions);
  await insert('consultation_event', events);
  await insert('consultation_escalation', escalations);
  await insert('care_relation', care);
  await insert('thread', threads);
  await insert('thread_participant', participants);
  // Messages in time order, so ids follow the conversation.
  messages.sort((a, b) => (a.created_at as Date).getTime() - (b.created_at as Date).getTime());
  await insert('message', messages);
  // Read receipts: each participant has read what they sent and everything before it.
  await sql`UPDATE thread_participant p SET last_read_message_id = coalesce((SELECT max(m.id) FROM message m WHERE m.thread_id = p.thread_id AND m.sender_id = p.user_id), 0)
    WHERE p.thread_id = ANY(${threads.map((x) => x.id as string)}::uuid[])`.execute(tx);
  await insert('quick_consult', quick);
  return { consultations: consultations.length, quickConsults: quick.length };
}

function fail(what: string): never { throw new Error(`demo consultation seed: ${what} not found`); }
