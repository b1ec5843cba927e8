/**
 * 检验项目: the project's catalogue of common lab items, with UCUM units, adult reference ranges (the Chinese
 * industry standards WS/T 404 and WS/T 405 where they give one, else common textbook values; each laboratory's own
 * range, sent with a result, takes precedence) and LOINC codes only where we are sure of them (else null) — plus
 * the 13 LOINC vital-sign codes of FHIR R4 (observation-vitalsignresult) and a glucometer reading, used for home
 * monitoring. Vital signs use their LOINC code as `code`.
 */
export interface LabItemSeed {
  code: string;
  name: string;
  panel: string;
  /** UCUM; null for qualitative results (阴性/阳性). */
  unit: string | null;
  refLow: number | null;
  refHigh: number | null;
  loinc: string | null;
  /** Where men and women differ (WS/T 405): the stored range spans both; these are the ranges per sex. */
  bySex?: { male: [number, number]; female: [number, number] };
}

const item = (code: string, name: string, panel: string, unit: string | null, refLow: number | null, refHigh: number | null, loinc: string | null,
  bySex?: LabItemSeed['bySex']): LabItemSeed => ({ code, name, panel, unit, refLow, refHigh, loinc, ...(bySex ? { bySex } : {}) });

const CBC = '血常规';
const LIVER = '肝功能';
const KIDNEY = '肾功能';
const GLUCOSE = '血糖';
const LIPIDS = '血脂';
const ELECTROLYTES = '电解质';
const THYROID = '甲状腺功能';
const COAG = '凝血功能';
const URINE = '尿常规';
const INFLAMMATION = '炎症指标';
const CARDIAC = '心肌标志物';
const TUMOUR = '肿瘤标志物';
const OTHER = '其他';
export const VITALS = '生命体征';

export const LAB_ITEMS: readonly LabItemSeed[] = [
  // 血常规 (WS/T 405-2012)
  item('WBC', '白细胞计数', CBC, '10*9/L', 3.5, 9.5, '6690-2'),
  item('RBC', '红细胞计数', CBC, '10*12/L', 3.8, 5.8, '789-8', { male: [4.3, 5.8], female: [3.8, 5.1] }),
  item('HGB', '血红蛋白', CBC, 'g/L', 115, 175, '718-7', { male: [130, 175], female: [115, 150] }),
  item('HCT', '红细胞压积', CBC, '%', 35, 50, '4544-3', { male: [40, 50], female: [35, 45] }),
  item('MCV', '平均红细胞体积', CBC, 'fL', 82, 100, '787-2'),
  item('MCH', '平均红细胞血红蛋白含量', CBC, 'pg', 27, 34, '785-6'),
  item('MCHC', '平均红细胞血红蛋白浓度', CBC, 'g/L', 316, 354, '786-4'),
  item('PLT', '血小板计数', CBC, '10*9/L', 125, 350, '777-3'),
  item('NEUT%', '中性粒细胞百分比', CBC, '%', 40, 75, '770-8'),
  item('LYMPH%', '淋巴细胞百分比', CBC, '%', 20, 50, '736-9'),
  item('MONO%', '单核细胞百分比', CBC, '%', 3, 10, '5905-5'),
  item('EO%', '嗜酸性粒细胞百分比', CBC, '%', 0.4, 8, '713-8'),
  item('BASO%', '嗜碱性粒细胞百分比', CBC, '%', 0, 1, '706-2'),
  item('NEUT#', '中性粒细胞绝对值', CBC, '10*9/L', 1.8, 6.3, '751-8'),
  item('LYMPH#', '淋巴细胞绝对值', CBC, '10*9/L', 1.1, 3.2, '731-0'),
  // 肝功能 (WS/T 404.1, 404.2, 404.4)
  item('ALT', '丙氨酸氨基转移酶', LIVER, 'U/L', 7, 50, '1742-6', { male: [9, 50], female: [7, 40] }),
  item('AST', '天门冬氨酸氨基转移酶', LIVER, 'U/L', 13, 40, '1920-8', { male: [15, 40], female: [13, 35] }),
  item('TBIL', '总胆红素', LIVER, 'umol/L', 0, 26, '1975-2'),
  item('DBIL', '直接胆红素', LIVER, 'umol/L', 0, 8, '1968-7'),
  item('TP', '总蛋白', LIVER, 'g/L', 65, 85, '2885-2'),
  item('ALB', '白蛋白', LIVER, 'g/L', 40, 55, '1751-7'),
  item('GGT', 'γ-谷氨酰转移酶', LIVER, 'U/L', 7, 60, '2324-2', { male: [10, 60], female: [7, 45] }),
  item('ALP', '碱性磷酸酶', LIVER, 'U/L', 35, 125, '6768-6', { male: [45, 125], female: [35, 100] }),
  // 肾功能
  item('CREA', '肌酐', KIDNEY, 'umol/L', 41, 111, '14682-9', { male: [57, 111], female: [41, 81] }),
  item('UREA', '尿素', KIDNEY, 'mmol/L', 2.6, 8.8, null),
  item('UA', '尿酸', KIDNEY, 'umol/L', 155, 428, '14933-6', { male: [208, 428], female: [155, 357] }),
  item('EGFR', '估算肾小球滤过率', KIDNEY, 'mL/min/{1.73_m2}', 90, null, '62238-1'),
  item('CYSC', '胱抑素C', KIDNEY, 'mg/L', 0.6, 1.2, '33863-2'),
  item('UACR', '尿白蛋白/肌酐比值', KIDNEY, 'mg/g', 0, 30, '9318-7'),
  // 血糖
  item('GLU', '葡萄糖', GLUCOSE, 'mmol/L', 3.9, 6.1, '14749-6'),
  item('FPG', '空腹血糖', GLUCOSE, 'mmol/L', 3.9, 6.1, '14771-0'),
  item('2HPG', '餐后2小时血糖', GLUCOSE, 'mmol/L', null, 7.8, null),
  item('HBA1C', '糖化血红蛋白', GLUCOSE, '%', 4, 6, '4548-4'),
  // 血脂 (中国成人血脂异常防治指南: desirable levels)
  item('TC', '总胆固醇', LIPIDS, 'mmol/L', null, 5.2, '14647-2'),
  item('TG', '甘油三酯', LIPIDS, 'mmol/L', null, 1.7, '14927-8'),
  item('LDL-C', '低密度脂蛋白胆固醇', LIPIDS, 'mmol/L', null, 3.4, '22748-8'),
  item('HDL-C', '高密度脂蛋白胆固醇', LIPIDS, 'mmol/L', 1.0, null, '14646-4'),
  // 电解质 (WS/T 404.3, 404.6)
  item('K', '钾', ELECTROLYTES, 'mmol/L', 3.5, 5.3, '2823-3'),
  item('NA', '钠', ELECTROLYTES, 'mmol/L', 137, 147, '2951-2'),
  item('CL', '氯', ELECTROLYTES, 'mmol/L', 99, 110, '2075-0'),
  item('CA', '钙', ELECTROLYTES, 'mmol/L', 2.11, 2.52, '2000-8'),
  item('MG', '镁', ELECTROLYTES, 'mmol/L', 0.75, 1.02, '2601-3'),
  item('P', '无机磷', ELECTROLYTES, 'mmol/L', 0.85, 1.51, '14879-1'),
  item('CO2', '总二氧化碳', ELECTROLYTES, 'mmol/L', 22, 29, '2028-9'),
  // 甲状腺功能
  item('TSH', '促甲状腺激素', THYROID, 'm[IU]/L', 0.27, 4.2, '3016-3'),
  item('FT3', '游离三碘甲状腺原氨酸', THYROID, 'pmol/L', 3.1, 6.8, null),
  item('FT4', '游离甲状腺素', THYROID, 'pmol/L', 12, 22, '14920-3'),
  // 凝血功能
  item('PT', '凝血酶原时间', COAG, 's', 11, 13.5, '5902-2'),
  item('INR', '国际标准化比值', COAG, '{INR}', 0.8, 1.2, '6301-6'),
  item('APTT', '活化部分凝血活酶时间', COAG, 's', 25, 35, '3173-2'),
  item('FIB', '纤维蛋白原', COAG, 'g/L', 2, 4, '3255-7'),
  item('DDIMER', 'D-二聚体', COAG, 'mg/L{FEU}', 0, 0.5, '48065-7'),
  // 尿常规
  item('U-PH', '尿酸碱度', URINE, '[pH]', 4.5, 8, '5803-2'),
  item('U-SG', '尿比重', URINE, '1', 1.003, 1.03, '5811-5'),
  item('U-PRO', '尿蛋白', URINE, null, null, null, '20454-5'),
  item('U-GLU', '尿葡萄糖', URINE, null, null, null, '25428-4'),
  item('U-KET', '尿酮体', URINE, null, null, null, '2514-8'),
  item('U-BLD', '尿隐血', URINE, null, null, null, '5794-3'),
  item('U-LEU', '尿白细胞酯酶', URINE, null, null, null, '5799-2'),
  item('U-NIT', '尿亚硝酸盐', URINE, null, null, null, '5802-4'),
  item('U-RBC', '尿红细胞（镜检）', URINE, '/[HPF]', 0, 3, null),
  item('U-WBC', '尿白细胞（镜检）', URINE, '/[HPF]', 0, 5, null),
  // 炎症指标
  item('CRP', 'C反应蛋白', INFLAMMATION, 'mg/L', 0, 10, '1988-5'),
  item('HSCRP', '超敏C反应蛋白', INFLAMMATION, 'mg/L', 0, 3, '30522-7'),
  item('PCT', '降钙素原', INFLAMMATION, 'ng/mL', 0, 0.05, '33959-8'),
  item('ESR', '红细胞沉降率', INFLAMMATION, 'mm/h', 0, 20, '4537-7', { male: [0, 15], female: [0, 20] }),
  // 心肌标志物、心衰
  item('BNP', 'B型钠尿肽', CARDIAC, 'pg/mL', 0, 100, '30934-4'),
  item('NT-PROBNP', 'N末端B型钠尿肽前体', CARDIAC, 'pg/mL', 0, 125, '33762-6'),
  item('CTNI', '心肌肌钙蛋白I', CARDIAC, 'ng/mL', 0, 0.04, '10839-9'),
  item('CK', '肌酸激酶', CARDIAC, 'U/L', 40, 310, '2157-6'),
  item('CK-MB', '肌酸激酶同工酶', CARDIAC, 'ng/mL', 0, 5, null),
  item('LDH', '乳酸脱氢酶', CARDIAC, 'U/L', 120, 250, '2532-0'),
  // 肿瘤标志物
  item('AFP', '甲胎蛋白', TUMOUR, 'ng/mL', 0, 7, '1834-1'),
  item('CEA', '癌胚抗原', TUMOUR, 'ng/mL', 0, 5, '2039-6'),
  item('PSA', '前列腺特异性抗原', TUMOUR, 'ng/mL', 0, 4, '2857-1'),
  // 其他
  item('HBSAG', '乙型肝炎表面抗原', OTHER, null, null, null, '5196-1'),
  item('FER', '铁蛋白', OTHER, 'ug/L', 15, 200, '2276-4', { male: [30, 400], female: [15, 150] }),
  item('VB12', '维生素B12', OTHER, 'pg/mL', 200, 900, '2132-9'),
  item('FOL', '叶酸', OTHER, 'ng/mL', 3, 17, '2284-8'),
  item('HCY', '同型半胱氨酸', OTHER, 'umol/L', 5, 15, '13965-9'),
  item('AMY', '淀粉酶', OTHER, 'U/L', 35, 135, '1798-8'),

  // 生命体征 (FHIR R4 observation-vitalsignresult) and home monitoring
  item('85353-1', '生命体征组套', VITALS, null, null, null, '85353-1'),
  item('85354-9', '血压组套', VITALS, null, null, null, '85354-9'),
  item('8480-6', '收缩压', VITALS, 'mm[Hg]', 90, 139, '8480-6'),
  item('8462-4', '舒张压', VITALS, 'mm[Hg]', 60, 89, '8462-4'),
  item('8478-0', '平均动脉压', VITALS, 'mm[Hg]', 70, 105, '8478-0'),
  item('8867-4', '心率', VITALS, '/min', 60, 100, '8867-4'),
  item('9279-1', '呼吸频率', VITALS, '/min', 12, 20, '9279-1'),
  item('8310-5', '体温', VITALS, 'Cel', 36.0, 37.3, '8310-5'),
  item('2708-6', '血氧饱和度', VITALS, '%', 95, 100, '2708-6'),
  item('29463-7', '体重', VITALS, 'kg', null, null, '29463-7'),
  item('8302-2', '身高', VITALS, 'cm', null, null, '8302-2'),
  item('9843-4', '头围', VITALS, 'cm', null, null, '9843-4'),
  item('39156-5', '体重指数', VITALS, 'kg/m2', 18.5, 23.9, '39156-5'),
  item('14743-9', '指尖血糖（自测）', VITALS, 'mmol/L', 3.9, 7.8, '14743-9'),
];
