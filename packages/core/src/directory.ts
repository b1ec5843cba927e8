/** Vocabularies of the consortium directory (SPEC.md section 2), each with Chinese and English labels. */
type Labels<K extends string> = Record<K, { zh: string; en: string }>;
const keys = <K extends string>(l: Labels<K>) => Object.keys(l) as [K, ...K[]];

export const CONSORTIUM_KINDS = {
  city_group: { zh: '城市医疗集团', en: 'City medical group' },
  county_community: { zh: '县域医共体', en: 'County medical community' },
  specialty_alliance: { zh: '专科联盟', en: 'Specialty alliance' },
  telemedicine_network: { zh: '远程医疗协作网', en: 'Telemedicine network' },
} satisfies Labels<string>;
export const INSTITUTION_LEVELS = {
  '3': { zh: '三级', en: 'Tertiary' }, '2': { zh: '二级', en: 'Secondary' },
  '1': { zh: '一级', en: 'Primary' }, '0': { zh: '未定级', en: 'Ungraded' },
} satisfies Labels<string>;
export const INSTITUTION_GRADES = {
  甲: { zh: '甲等', en: 'Grade A' }, 乙: { zh: '乙等', en: 'Grade B' }, 丙: { zh: '丙等', en: 'Grade C' },
} satisfies Labels<string>;
export const INSTITUTION_TYPES = {
  general_hospital: { zh: '综合医院', en: 'General hospital' },
  specialty_hospital: { zh: '专科医院', en: 'Specialty hospital' },
  tcm_hospital: { zh: '中医院', en: 'TCM hospital' },
  maternal_child: { zh: '妇幼保健院', en: 'Maternal and child health hospital' },
  community_center: { zh: '社区卫生服务中心', en: 'Community health centre' },
  community_station: { zh: '社区卫生服务站', en: 'Community health station' },
  township_hospital: { zh: '乡镇卫生院', en: 'Township hospital' },
  village_clinic: { zh: '村卫生室', en: 'Village clinic' },
  rehabilitation: { zh: '康复医院', en: 'Rehabilitation hospital' },
  nursing_home: { zh: '护理院', en: 'Nursing home' },
} satisfies Labels<string>;
export const TITLES = {
  chief_physician: { zh: '主任医师', en: 'Chief physician' },
  associate_chief_physician: { zh: '副主任医师', en: 'Associate chief physician' },
  attending_physician: { zh: '主治医师', en: 'Attending physician' },
  resident_physician: { zh: '住院医师', en: 'Resident physician' },
  assistant_physician: { zh: '执业助理医师', en: 'Assistant physician' },
  rural_doctor: { zh: '乡村医生', en: 'Rural doctor' },
  chief_technician: { zh: '主任技师', en: 'Chief technician' },
  associate_chief_technician: { zh: '副主任技师', en: 'Associate chief technician' },
  supervisor_technician: { zh: '主管技师', en: 'Supervising technician' },
  chief_nurse: { zh: '主任护师', en: 'Chief nurse' },
  supervisor_nurse: { zh: '主管护师', en: 'Supervising nurse' },
  nurse: { zh: '护师', en: 'Nurse' },
} satisfies Labels<string>;
/** Titles that qualify for the expert pool: 副主任医师 or above (and the technician equivalents). */
export const SENIOR_TITLES = ['chief_physician', 'associate_chief_physician', 'chief_technician', 'associate_chief_technician'];
export const SPECIALTIES = {
  internal: { zh: '内科', en: 'Internal medicine' }, cardiology: { zh: '心内科', en: 'Cardiology' },
  respiratory: { zh: '呼吸内科', en: 'Respiratory medicine' }, endocrinology: { zh: '内分泌科', en: 'Endocrinology' },
  neurology: { zh: '神经内科', en: 'Neurology' }, general_surgery: { zh: '普外科', en: 'General surgery' },
  orthopedics: { zh: '骨科', en: 'Orthopedics' }, obstetrics_gynecology: { zh: '妇产科', en: 'Obstetrics and gynaecology' },
  pediatrics: { zh: '儿科', en: 'Paediatrics' }, radiology: { zh: '影像科', en: 'Radiology' },
  ecg: { zh: '心电', en: 'ECG' }, pathology: { zh: '病理', en: 'Pathology' }, emergency: { zh: '急诊科', en: 'Emergency' },
  tcm: { zh: '中医科', en: 'Traditional Chinese medicine' }, general_practice: { zh: '全科', en: 'General practice' },
  rehabilitation: { zh: '康复科', en: 'Rehabilitation' }, laboratory: { zh: '检验科', en: 'Laboratory' },
  public_health: { zh: '公共卫生', en: 'Public health' }, nursing: { zh: '护理', en: 'Nursing' },
} satisfies Labels<string>;
export const EXPERT_SERVICES = {
  consultation: { zh: '远程会诊', en: 'Remote consultation' }, imaging_reading: { zh: '影像诊断', en: 'Imaging reading' },
  ecg_reading: { zh: '心电诊断', en: 'ECG reading' }, pathology: { zh: '病理诊断', en: 'Pathology' },
  teaching: { zh: '远程教学', en: 'Teaching' },
} satisfies Labels<string>;

export const consortiumKinds = keys(CONSORTIUM_KINDS);
export const institutionLevels = keys(INSTITUTION_LEVELS);
export const institutionGrades = keys(INSTITUTION_GRADES);
export const institutionTypes = keys(INSTITUTION_TYPES);
export const titles = keys(TITLES);
export const specialties = keys(SPECIALTIES);
export const expertServices = keys(EXPERT_SERVICES);
