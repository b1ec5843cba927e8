/**
 * The demo accounts: one per role of SPEC.md §3, all with the same password. The README and the login page list
 * them from here. `doctor` also holds a second doctor role at the county hospital (多点执业), to show role switching.
 */
import type { Role } from '@yilian/core';

export const DEMO_PASSWORD = 'Yilian@2026';

export interface DemoAccount {
  username: string;
  password: string;
  role: Role;
  /** Code of the institution the role is held at; absent for roles without an institution. */
  institutionCode?: string;
  displayName: string;
  descriptionZh: string;
  descriptionEn: string;
  /** Further roles of the same account (role switching). */
  extraRoles?: { role: Role; institutionCode?: string }[];
  /** Name of the demo practitioner the account belongs to, if any. */
  practitionerName?: string;
  /** Name of the demo resident the account belongs to (patient role). */
  patientName?: string;
}

const P = DEMO_PASSWORD;
export const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    username: 'admin', password: P, role: 'consortium_admin', institutionCode: 'RMYY', displayName: '徐海峰（医共体办公室）',
    descriptionZh: '医共体办公室管理员：管理医共体、成员机构、专家库、收费与号源配额，查看全部指标',
    descriptionEn: 'Consortium office: manages the consortium, member institutions, expert pool, fees and quotas; sees all KPIs',
  },
  {
    username: 'yiwuke', password: P, role: 'institution_admin', institutionCode: 'RMYY', displayName: '朱敏（湖州市人民医院医务科）',
    descriptionZh: '三级医院医务科：审核本院会诊与转诊申请，指派接诊医生，管理排班与号源',
    descriptionEn: 'Medical affairs office of the tertiary hospital: approves consultations and referrals, assigns doctors, manages schedules',
  },
  {
    username: 'zhuanzhen', password: P, role: 'institution_admin', institutionCode: 'WSY03', displayName: '费晓燕（新市镇中心卫生院转诊办）',
    descriptionZh: '乡镇卫生院转诊办：审核本院上转/下转申请，管理本院号源',
    descriptionEn: 'Referral office of a township hospital: approves its referrals up and down, manages its slots',
  },
  {
    username: 'zhuren', password: P, role: 'dept_head', institutionCode: 'RMYY', displayName: '沈国平（心血管内科主任）',
    practitionerName: '沈国平',
    descriptionZh: '心血管内科科主任（主任医师）：审批本科室的会诊申请',
    descriptionEn: 'Head of cardiology at the tertiary hospital (chief physician): approves the department’s consultation requests',
  },
  {
    username: 'doctor', password: P, role: 'doctor', institutionCode: 'RMYY', displayName: '陆志远（呼吸与危重症医学科）',
    practitionerName: '陆志远', extraRoles: [{ role: 'doctor', institutionCode: 'XRMYY' }],
    descriptionZh: '三级医院医生（副主任医师），同时在德清县人民医院多点执业：可切换角色；发起会诊、转诊、预约，书写意见',
    descriptionEn: 'Doctor at the tertiary hospital who also practises at the county hospital (switch roles); creates consultations, referrals, bookings',
  },
  {
    username: 'xiangyi', password: P, role: 'doctor', institutionCode: 'WSY03', displayName: '钱伟（新市镇中心卫生院全科）',
    practitionerName: '钱伟',
    descriptionZh: '乡镇卫生院全科医生：向上级医院申请会诊与转诊',
    descriptionEn: 'General practitioner at a township hospital: requests consultations and referrals upward',
  },
  {
    username: 'huizhen', password: P, role: 'consult_coordinator', institutionCode: 'RMYY', displayName: '陈婷（远程会诊中心）',
    descriptionZh: '会诊中心协调员：预审资料、要求补充、选择专家、安排会诊',
    descriptionEn: 'Consultation-centre coordinator: pre-reviews material, asks for more, picks experts, schedules sessions',
  },
  {
    username: 'yingxiang', password: P, role: 'reading_physician', institutionCode: 'RMYY', displayName: '姚静（影像科）',
    practitionerName: '姚静',
    descriptionZh: '影像科诊断医生（副主任医师）：从工作列表阅片，书写并签发报告',
    descriptionEn: 'Reading physician in radiology (associate chief): reads studies from the worklist, writes and signs reports',
  },
  {
    username: 'jiating', password: P, role: 'family_doctor', institutionCode: 'WSY03', displayName: '吴丽华（家庭医生团队）',
    practitionerName: '吴丽华',
    descriptionZh: '家庭医生团队成员：签约居民，随访慢病患者，发起转诊',
    descriptionEn: 'Family-doctor team member: contracts residents, follows up chronic patients, refers',
  },
  {
    username: 'patient', password: P, role: 'patient', displayName: '费建新（居民）',
    patientName: '费建新',
    descriptionZh: '患者/家属：签署知情同意，预约，查看本人病历、转诊进度和报告，上传居家测量数据',
    descriptionEn: 'Patient or relative: signs consent, books, sees own record, referral progress and reports, uploads home readings',
  },
  {
    username: 'jianguan', password: P, role: 'regulator', displayName: '蔡振华（德清县卫生健康局）',
    descriptionZh: '监管（卫健委）：只读查看各医联体的运行指标',
    descriptionEn: 'Regulator (health commission): read-only dashboards across consortia',
  },
];
