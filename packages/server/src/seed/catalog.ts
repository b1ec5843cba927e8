/**
 * The demo consortium as data: 德清县 county medical community (县域医共体) led by a tertiary hospital in 湖州市 —
 * 21 institutions, their departments and staff. Region codes are real (regions.ts); village names are invented,
 * placed under the real township codes; hospital names are illustrative.
 */
import { CITY, CITY_DISTRICT, COUNTY, PROVINCE, TOWNSHIPS, type TownshipName } from './regions.js';

export const township = (name: TownshipName) => TOWNSHIPS.find((t) => t.name === name)!;
const PLACE = `${PROVINCE.name}${CITY.name}${COUNTY.name}`;

export const CONSORTIUM = {
  name: `${COUNTY.name}县域医共体`,
  kind: 'county_community',
  regionCode: COUNTY.code,
  description: `以${CITY.name}人民医院为牵头单位，${COUNTY.name}人民医院、${COUNTY.name}中医院、6家乡镇卫生院/社区卫生服务中心和12家村卫生室组成的县域医疗共同体（演示数据）。`,
};

export interface InstitutionSpec {
  code: string; name: string; shortName: string; level: '3' | '2' | '1' | '0'; grade: '甲' | '乙' | null; type: string;
  regionCode: string; address: string; phone: string; departments: [name: string, code: string, specialty: string][];
}

const TERTIARY_DEPTS: InstitutionSpec['departments'] = [
  ['心血管内科', 'XXGNK', 'cardiology'], ['呼吸与危重症医学科', 'HXZZK', 'respiratory'], ['内分泌科', 'NFMK', 'endocrinology'],
  ['神经内科', 'SJNK', 'neurology'], ['消化内科', 'XHNK', 'internal'], ['普外科', 'PWK', 'general_surgery'],
  ['骨科', 'GK', 'orthopedics'], ['妇产科', 'FCK', 'obstetrics_gynecology'], ['儿科', 'EK', 'pediatrics'],
  ['急诊科', 'JZK', 'emergency'], ['影像科', 'YXK', 'radiology'], ['心电图室', 'XDTS', 'ecg'], ['病理科', 'BLK', 'pathology'],
  ['检验科', 'JYK', 'laboratory'], ['康复医学科', 'KFYXK', 'rehabilitation'], ['全科医学科', 'QKYXK', 'general_practice'],
];
const COUNTY_DEPTS: InstitutionSpec['departments'] = [
  ['内科', 'NK', 'internal'], ['普外科', 'PWK', 'general_surgery'], ['骨科', 'GK', 'orthopedics'],
  ['妇产科', 'FCK', 'obstetrics_gynecology'], ['儿科', 'EK', 'pediatrics'], ['急诊科', 'JZK', 'emergency'],
  ['医学影像科', 'YXYXK', 'radiology'], ['心电图室', 'XDTS', 'ecg'], ['检验科', 'JYK', 'laboratory'], ['康复医学科', 'KFYXK', 'rehabilitation'],
];
const TCM_DEPTS: InstitutionSpec['departments'] = [
  ['中医内科', 'ZYNK', 'tcm'], ['针灸推拿科', 'ZJTNK', 'tcm'], ['中医骨伤科', 'ZYGSK', 'orthopedics'],
  ['中医妇科', 'ZYFK', 'obstetrics_gynecology'], ['中医儿科', 'ZYEK', 'pediatrics'], ['治未病科', 'ZWBK', 'tcm'],
  ['康复科', 'KFK', 'rehabilitation'], ['外科', 'WK', 'general_surgery'], ['放射科', 'FSK', 'radiology'], ['检验科', 'JYK', 'laboratory'],
];
const TOWNSHIP_DEPTS: InstitutionSpec['departments'] = [
  ['全科医学科', 'QK', 'general_practice'], ['中医科', 'ZYK', 'tcm'], ['预防保健科', 'YFBJK', 'public_health'],
  ['公共卫生科', 'GGWSK', 'public_health'], ['护理部', 'HLB', 'nursing'],
];

/** The six township-level institutions and the two village clinics under each. */
const GRASSROOTS: { code: string; township: TownshipName; name: string; type: string; grade: '甲' | '乙'; street: string; villages: [string, string] }[] = [
  { code: 'WSY01', township: '武康街道', name: '武康街道社区卫生服务中心', type: 'community_center', grade: '甲', street: '英溪南路88号', villages: ['上柏村', '塘泾村'] },
  { code: 'WSY02', township: '舞阳街道', name: '舞阳街道社区卫生服务中心', type: 'community_center', grade: '乙', street: '舞阳街126号', villages: ['城山村', '塔山村'] },
  { code: 'WSY03', township: '新市镇', name: '新市镇中心卫生院', type: 'township_hospital', grade: '甲', street: '新市镇仙潭路55号', villages: ['宋市村', '蔡界村'] },
  { code: 'WSY04', township: '乾元镇', name: '乾元镇卫生院', type: 'township_hospital', grade: '甲', street: '乾元镇北门街18号', villages: ['联合村', '齐星村'] },
  { code: 'WSY05', township: '钟管镇', name: '钟管镇卫生院', type: 'township_hospital', grade: '乙', street: '钟管镇工业大道9号', villages: ['干山村', '沈家墩村'] },
  { code: 'WSY06', township: '莫干山镇', name: '莫干山镇卫生院', type: 'township_hospital', grade: '乙', street: '莫干山镇庾村路2号', villages: ['仙潭村', '劳岭村'] },
];

/** Villages (村) and communities (社区) of each township, used in residents' addresses. Invented names. */
export const LOCALITIES: Record<TownshipName, { villages: string[]; communities: string[] }> = {
  武康街道: { villages: ['上柏村', '塘泾村', '三桥村'], communities: ['英溪社区', '城西社区', '千秋社区'] },
  舞阳街道: { villages: ['城山村', '塔山村', '山民村'], communities: ['舞阳社区', '春晖社区'] },
  阜溪街道: { villages: ['龙胜村', '五四村', '郭肇村'], communities: ['阜溪社区'] },
  下渚湖街道: { villages: ['二都村', '和睦村', '沿河村'], communities: ['下渚湖社区'] },
  康乾街道: { villages: ['乾龙村', '康宁村', '雷后村'], communities: ['康乾社区'] },
  乾元镇: { villages: ['联合村', '齐星村', '明星村', '金火村'], communities: ['城关社区'] },
  新市镇: { villages: ['宋市村', '蔡界村', '士林村', '孟溪村', '白彪村'], communities: ['新市社区'] },
  洛舍镇: { villages: ['砂村村', '东衡村', '张陆湾村'], communities: [] },
  钟管镇: { villages: ['钟管村', '干山村', '沈家墩村', '曲溪村'], communities: [] },
  雷甸镇: { villages: ['洋北村', '东新村', '杨墩村'], communities: [] },
  禹越镇: { villages: ['三林村', '高桥村', '天皇殿村'], communities: [] },
  新安镇: { villages: ['新桥村', '勤劳村', '百富兜村'], communities: [] },
  莫干山镇: { villages: ['劳岭村', '仙潭村', '后坞村', '筏头村'], communities: [] },
};

export const INSTITUTIONS: InstitutionSpec[] = [
  {
    code: 'RMYY', name: `${CITY.name}人民医院`, shortName: '市人民医院', level: '3', grade: '甲', type: 'general_hospital',
    regionCode: CITY_DISTRICT.code, address: `${PROVINCE.name}${CITY.name}${CITY_DISTRICT.name}红旗路158号`, phone: '0572-2023000',
    departments: TERTIARY_DEPTS,
  },
  {
    code: 'XRMYY', name: `${COUNTY.name}人民医院`, shortName: '县人民医院', level: '2', grade: '甲', type: 'general_hospital',
    regionCode: township('武康街道').code, address: `${PLACE}武康街道英溪北路120号`, phone: '0572-8012120', departments: COUNTY_DEPTS,
  },
  {
    code: 'XZYY', name: `${COUNTY.name}中医院`, shortName: '县中医院', level: '2', grade: '甲', type: 'tcm_hospital',
    regionCode: township('武康街道').code, address: `${PLACE}武康街道永安街66号`, phone: '0572-8082266', departments: TCM_DEPTS,
  },
  ...GRASSROOTS.map((g, i): InstitutionSpec => ({
    code: g.code, name: g.name, shortName: g.name.replace(/社区卫生服务中心$/, '社区中心'), level: '1', grade: g.grade, type: g.type,
    regionCode: township(g.township).code, address: `${PLACE}${g.township.endsWith('街道') ? g.township : ''}${g.street}`,
    phone: `0572-84${String(21 + i * 7).padStart(2, '0')}${String(100 + i * 37).slice(-3)}`, departments: TOWNSHIP_DEPTS,
  })),
  ...GRASSROOTS.flatMap((g, i) => g.villages.map((v, j): InstitutionSpec => ({
    code: `CWS${String(i * 2 + j + 1).padStart(2, '0')}`, name: `${g.township}${v}卫生室`, shortName: `${v}卫生室`,
    level: '0', grade: null, type: 'village_clinic', regionCode: township(g.township).code,
    address: `${PLACE}${g.township}${v}村委会旁`, phone: `0572-84${String(60 + i * 5 + j).padStart(2, '0')}${String(300 + i * 41 + j * 7).slice(-3)}`,
    departments: [['全科', 'QK', 'general_practice']],
  }))),
];

/** The township each grassroots institution serves (for residents' local patient numbers). */
export const SERVED_TOWNSHIP: Record<string, string> = Object.fromEntries([
  ...GRASSROOTS.map((g) => [g.code, township(g.township).code]),
]);
/** Village clinic code → [township, village]. */
export const VILLAGE_CLINICS: Record<string, [TownshipName, string]> = Object.fromEntries(
  GRASSROOTS.flatMap((g, i) => g.villages.map((v, j) => [`CWS${String(i * 2 + j + 1).padStart(2, '0')}`, [g.township, v]])),
);

export interface ExpertSpec { specialty: string; services: string[]; availability: string }
export interface StaffSpec {
  institution: string; department: string; title: string; specialty?: string; name?: string; sex?: 'male' | 'female';
  expert?: ExpertSpec;
  /** 多点执业: further institution and department. */
  also?: [institution: string, department: string];
}

const consult = (specialty: string, availability: string, extra: string[] = []): ExpertSpec =>
  ({ specialty, services: ['consultation', ...extra, 'teaching'], availability });

/** The staff, department by department. Names not given are generated. */
export const STAFF: StaffSpec[] = [
  // 市人民医院 (tertiary)
  { institution: 'RMYY', department: '心血管内科', title: 'chief_physician', name: '沈国平', sex: 'male', expert: consult('cardiology', '周二、周四下午', ['ecg_reading']) },
  { institution: 'RMYY', department: '心血管内科', title: 'associate_chief_physician', expert: consult('cardiology', '周一、周三上午'), also: ['XRMYY', '内科'] },
  { institution: 'RMYY', department: '心血管内科', title: 'attending_physician' },
  { institution: 'RMYY', department: '心血管内科', title: 'resident_physician' },
  { institution: 'RMYY', department: '呼吸与危重症医学科', title: 'chief_physician', expert: consult('respiratory', '周三下午') },
  { institution: 'RMYY', department: '呼吸与危重症医学科', title: 'associate_chief_physician', name: '陆志远', sex: 'male', expert: consult('respiratory', '周一、周五下午'), also: ['XRMYY', '内科'] },
  { institution: 'RMYY', department: '呼吸与危重症医学科', title: 'attending_physician' },
  { institution: 'RMYY', department: '内分泌科', title: 'chief_physician', expert: consult('endocrinology', '周四全天') },
  { institution: 'RMYY', department: '内分泌科', title: 'attending_physician' },
  { institution: 'RMYY', department: '神经内科', title: 'associate_chief_physician', expert: consult('neurology', '周二上午') },
  { institution: 'RMYY', department: '神经内科', title: 'attending_physician' },
  { institution: 'RMYY', department: '消化内科', title: 'associate_chief_physician', expert: consult('internal', '周一下午、周五上午') },
  { institution: 'RMYY', department: '消化内科', title: 'attending_physician' },
  { institution: 'RMYY', department: '普外科', title: 'chief_physician', expert: consult('general_surgery', '周三上午') },
  { institution: 'RMYY', department: '普外科', title: 'associate_chief_physician', expert: consult('general_surgery', '周二、周五下午'), also: ['XRMYY', '普外科'] },
  { institution: 'RMYY', department: '普外科', title: 'attending_physician' },
  { institution: 'RMYY', department: '骨科', title: 'chief_physician', expert: consult('orthopedics', '周四下午') },
  { institution: 'RMYY', department: '骨科', title: 'associate_chief_physician', expert: consult('orthopedics', '周一上午'), also: ['XZYY', '中医骨伤科'] },
  { institution: 'RMYY', department: '骨科', title: 'attending_physician' },
  { institution: 'RMYY', department: '妇产科', title: 'chief_physician', sex: 'female', expert: consult('obstetrics_gynecology', '周二下午') },
  { institution: 'RMYY', department: '妇产科', title: 'attending_physician', sex: 'female' },
  { institution: 'RMYY', department: '妇产科', title: 'supervisor_nurse', sex: 'female' },
  { institution: 'RMYY', department: '儿科', title: 'associate_chief_physician', expert: consult('pediatrics', '周三、周五上午') },
  { institution: 'RMYY', department: '儿科', title: 'attending_physician' },
  { institution: 'RMYY', department: '急诊科', title: 'associate_chief_physician' },
  { institution: 'RMYY', department: '急诊科', title: 'attending_physician' },
  { institution: 'RMYY', department: '影像科', title: 'chief_physician', expert: { specialty: 'radiology', services: ['imaging_reading', 'consultation', 'teaching'], availability: '周一至周五 8:00-17:00' } },
  { institution: 'RMYY', department: '影像科', title: 'associate_chief_physician', name: '姚静', sex: 'female', expert: { specialty: 'radiology', services: ['imaging_reading', 'consultation'], availability: '工作日全天，急诊片2小时内出报告' } },
  { institution: 'RMYY', department: '影像科', title: 'attending_physician' },
  { institution: 'RMYY', department: '心电图室', title: 'associate_chief_physician', expert: { specialty: 'ecg', services: ['ecg_reading', 'teaching'], availability: '每日 8:00-20:00' } },
  { institution: 'RMYY', department: '心电图室', title: 'attending_physician' },
  { institution: 'RMYY', department: '病理科', title: 'chief_physician', expert: { specialty: 'pathology', services: ['pathology', 'consultation'], availability: '周一至周五，常规切片3个工作日' } },
  { institution: 'RMYY', department: '病理科', title: 'attending_physician' },
  { institution: 'RMYY', department: '检验科', title: 'chief_technician', specialty: 'laboratory' },
  { institution: 'RMYY', department: '检验科', title: 'supervisor_technician', specialty: 'laboratory' },
  { institution: 'RMYY', department: '康复医学科', title: 'attending_physician' },
  { institution: 'RMYY', department: '全科医学科', title: 'associate_chief_physician', also: ['WSY03', '全科医学科'] },
  { institution: 'RMYY', department: '全科医学科', title: 'attending_physician' },
  // 县人民医院 (secondary)
  { institution: 'XRMYY', department: '内科', title: 'associate_chief_physician', expert: consult('internal', '周二全天') },
  { institution: 'XRMYY', department: '内科', title: 'attending_physician' },
  { institution: 'XRMYY', department: '内科', title: 'resident_physician' },
  { institution: 'XRMYY', department: '普外科', title: 'associate_chief_physician', expert: consult('general_surgery', '周四上午') },
  { institution: 'XRMYY', department: '普外科', title: 'attending_physician' },
  { institution: 'XRMYY', department: '骨科', title: 'attending_physician' },
  { institution: 'XRMYY', department: '妇产科', title: 'associate_chief_physician', sex: 'female', expert: consult('obstetrics_gynecology', '周一、周三下午') },
  { institution: 'XRMYY', department: '儿科', title: 'attending_physician' },
  { institution: 'XRMYY', department: '急诊科', title: 'attending_physician' },
  { institution: 'XRMYY', department: '医学影像科', title: 'associate_chief_physician', expert: { specialty: 'radiology', services: ['imaging_reading'], availability: '周一至周六 8:00-17:00' } },
  { institution: 'XRMYY', department: '医学影像科', title: 'attending_physician' },
  { institution: 'XRMYY', department: '心电图室', title: 'attending_physician' },
  { institution: 'XRMYY', department: '检验科', title: 'supervisor_technician', specialty: 'laboratory' },
  { institution: 'XRMYY', department: '康复医学科', title: 'resident_physician' },
  // 县中医院 (secondary, TCM)
  { institution: 'XZYY', department: '中医内科', title: 'chief_physician', expert: consult('tcm', '周三、周六上午') },
  { institution: 'XZYY', department: '中医内科', title: 'attending_physician' },
  { institution: 'XZYY', department: '针灸推拿科', title: 'attending_physician' },
  { institution: 'XZYY', department: '中医骨伤科', title: 'associate_chief_physician' },
  { institution: 'XZYY', department: '中医妇科', title: 'attending_physician', sex: 'female' },
  { institution: 'XZYY', department: '中医儿科', title: 'resident_physician' },
  { institution: 'XZYY', department: '治未病科', title: 'attending_physician' },
  { institution: 'XZYY', department: '外科', title: 'attending_physician' },
  { institution: 'XZYY', department: '放射科', title: 'attending_physician' },
  // 新市镇中心卫生院 (the demo township: 乡医, 家庭医生 and 转诊办 accounts are here)
  { institution: 'WSY03', department: '全科医学科', title: 'attending_physician', name: '钱伟', sex: 'male' },
  { institution: 'WSY03', department: '全科医学科', title: 'attending_physician', name: '吴丽华', sex: 'female' },
  { institution: 'WSY03', department: '中医科', title: 'resident_physician' },
  { institution: 'WSY03', department: '公共卫生科', title: 'assistant_physician' },
  { institution: 'WSY03', department: '护理部', title: 'supervisor_nurse', sex: 'female' },
  // the other township hospitals / community health centres
  ...['WSY01', 'WSY02', 'WSY04', 'WSY05', 'WSY06'].flatMap((code, i): StaffSpec[] => [
    { institution: code, department: '全科医学科', title: 'attending_physician' },
    { institution: code, department: i % 2 ? '预防保健科' : '中医科', title: i % 2 ? 'assistant_physician' : 'resident_physician' },
  ]),
  // village clinics: one rural doctor each
  ...Object.keys(VILLAGE_CLINICS).map((code): StaffSpec => ({ institution: code, department: '全科', title: 'rural_doctor', specialty: 'general_practice' })),
];
