/**
 * Likely duplicates (疑似重复患者): same name + birth date + sex, same name in pinyin + birth date (张三 typed as 章三),
 * same mobile, or same medical-insurance card. Only active records are candidates.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { findPatient, summaryOf, type DbOrTx, type PatientSummary } from './patients.js';

export type DuplicateReason = 'name_birth_sex' | 'pinyin_birth' | 'phone' | 'insurance_card';
export interface DuplicateCandidate extends PatientSummary { reasons: DuplicateReason[] }

export interface DuplicateProbe {
  /** The record itself, when looking for duplicates of one already on file. */
  id?: string;
  name: string; namePinyin: string; sex: string; birthDate: string;
  phone?: string | null; insuranceCardNo?: string | null;
}

const variants = (keys: string) => keys.split(' ').filter(Boolean);

export async function findLikelyDuplicates(db: DbOrTx, p: DuplicateProbe, limit = 20): Promise<DuplicateCandidate[]> {
  const pinyin = variants(p.namePinyin);
  // Each branch is served by its own index (birth date, phone, insurance card).
  const rows = await db.selectFrom('patient').selectAll()
    .where('status', '=', 'active')
    .$if(!!p.id, (q) => q.where('id', '<>', p.id!))
    .where((eb) => eb.or([
      eb.and([
        eb('birth_date', '=', p.birthDate),
        eb.or([
          eb.and([eb('name', '=', p.name), eb('sex', '=', p.sex)]),
          sql<boolean>`string_to_array(name_pinyin, ' ') && ${`{${pinyin.join(',')}}`}::text[]`,
        ]),
      ]),
      ...(p.phone ? [eb('phone', '=', p.phone)] : []),
      ...(p.insuranceCardNo ? [eb('insurance_card_no', '=', p.insuranceCardNo)] : []),
    ]))
    .orderBy('name_pinyin').orderBy('id').limit(200).execute();

  return rows.map((r) => {
    const reasons: DuplicateReason[] = [];
    if (r.birth_date === p.birthDate) {
      if (r.name === p.name && r.sex === p.sex) reasons.push('name_birth_sex');
      else if (variants(r.name_pinyin).some((v) => pinyin.includes(v))) reasons.push('pinyin_birth');
    }
    if (p.phone && r.phone === p.phone) reasons.push('phone');
    if (p.insuranceCardNo && r.insurance_card_no === p.insuranceCardNo) reasons.push('insurance_card');
    return { ...summaryOf(r), reasons };
  }).sort((a, b) => b.reasons.length - a.reasons.length).slice(0, limit);
}

/** Likely duplicates of a record already on file. */
export async function duplicatesOf(db: Db, id: string): Promise<{ total: number; items: DuplicateCandidate[] }> {
  const p = await findPatient(db, id);
  const items = await findLikelyDuplicates(db, {
    id: p.id, name: p.name, namePinyin: p.name_pinyin, sex: p.sex, birthDate: p.birth_date, phone: p.phone, insuranceCardNo: p.insurance_card_no,
  });
  return { total: items.length, items };
}
