/** One patient of the master patient index (患者主索引): create, read, update, and the shapes the API returns. */
import {
  badRequest, conflict, maskPhone, maskResidentId, nameSearchKeys, notFound, parseResidentId,
  type PatientInput, type PatientPatch, type ResidentIdInfo, type Sex,
} from '@yilian/core';
import type { Selectable, Transaction, Updateable } from 'kysely';
import { audit } from '../audit/audit.js';
import { publishTopic } from '../realtime/bus.js';
import type { Db } from '../db/database.js';
import type { Database, PatientTable } from '../db/schema.js';
import type { Actor } from '../http/context.js';
import { findLikelyDuplicates } from './duplicates.js';

export type PatientRow = Selectable<PatientTable>;
export type DbOrTx = Db | Transaction<Database>;

export const PATIENT = { zh: '患者', en: 'Patient' };
export const INSTITUTION = { zh: '机构', en: 'Institution' };

/** Today's date in China, where every birthday of the consortium is counted. */
// One formatter for the process: creating one costs more than a search (a page of 50 ages took ~3 ms).
const chinaDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' });
export const todayInChina = () => chinaDate.format(new Date());

export function ageOn(birthDate: string, today = todayInChina()): number {
  const years = Number(today.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return today.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/** A patient as lists show it: the resident ID and phone masked, never the raw values. */
export interface PatientSummary {
  id: string; name: string; sex: string; birthDate: string; age: number;
  residentIdMasked: string | null; phoneMasked: string | null; regionCode: string | null; status: string;
}
export const summaryOf = (p: Pick<PatientRow, 'id' | 'name' | 'sex' | 'birth_date' | 'resident_id' | 'phone' | 'region_code' | 'status'>): PatientSummary => ({
  id: p.id, name: p.name, sex: p.sex, birthDate: p.birth_date, age: ageOn(p.birth_date),
  residentIdMasked: maskResidentId(p.resident_id), phoneMasked: maskPhone(p.phone), regionCode: p.region_code, status: p.status,
});

export interface IdentifierView {
  id: string; institutionId: string; institutionName: string; kind: string; value: string; createdAt: Date;
}
/** A single record in full (shown only on the audited detail view). */
export interface PatientDetail {
  id: string; residentId: string | null; name: string; sex: string; birthDate: string; age: number;
  phone: string | null; insuranceCardNo: string | null; address: string | null; regionCode: string | null;
  status: string; mergedInto: string | null; version: number; createdAt: Date; updatedAt: Date;
  identifiers: IdentifierView[];
}

export async function identifiersOf(db: DbOrTx, patientId: string): Promise<IdentifierView[]> {
  return db.selectFrom('patient_identifier as i').innerJoin('institution as n', 'n.id', 'i.institution_id')
    .select(['i.id', 'i.institution_id as institutionId', 'n.name as institutionName', 'i.kind', 'i.value', 'i.created_at as createdAt'])
    .where('i.patient_id', '=', patientId).orderBy('i.created_at').orderBy('i.id').execute();
}

export async function detailOf(db: DbOrTx, p: PatientRow): Promise<PatientDetail> {
  return {
    id: p.id, residentId: p.resident_id, name: p.name, sex: p.sex, birthDate: p.birth_date, age: ageOn(p.birth_date),
    phone: p.phone, insuranceCardNo: p.insurance_card_no, address: p.address, regionCode: p.region_code,
    status: p.status, mergedInto: p.merged_into, version: p.version, createdAt: p.created_at, updatedAt: p.updated_at,
    identifiers: await identifiersOf(db, p.id),
  };
}

/** The row, or a 404. */
export async function findPatient(db: DbOrTx, id: string, field = 'id'): Promise<PatientRow> {
  const p = await db.selectFrom('patient').selectAll().where('id', '=', id).executeTakeFirst();
  if (!p) throw notFound(PATIENT, field);
  return p;
}

/** The full record without auditing: for services that audit their own access. */
export async function getPatient(db: DbOrTx, id: string): Promise<PatientDetail> {
  return detailOf(db, await findPatient(db, id));
}

/** The full record for a person: the read is written to the audit log before anything is returned. */
export async function readPatient(db: Db, actor: Actor, id: string): Promise<PatientDetail> {
  const detail = await getPatient(db, id);
  await audit(db, actor, { action: 'patient.read', objectType: 'patient', objectId: id, patientId: id });
  return detail;
}

/** Parses a resident ID or refuses it with the parser's reason (length, characters, province, birth date, checksum). */
export function checkResidentId(raw: string): ResidentIdInfo {
  const r = parseResidentId(raw);
  if (!r.ok) throw badRequest('invalid_resident_id', r.zh, r.en, 'residentId', { problem: r.problem });
  return r.value;
}

const SEX_ZH: Record<Sex, string> = { male: '男', female: '女' };
const mismatch = (field: 'sex' | 'birthDate', id: ResidentIdInfo) => field === 'sex'
  ? badRequest('resident_id_mismatch', `性别与身份证号码不符（身份证号码为${SEX_ZH[id.sex]}性）`, `Sex does not match the resident ID, which says ${id.sex}`, 'sex')
  : badRequest('resident_id_mismatch', `出生日期与身份证号码不符（身份证号码为${id.birthDate}）`, `Birth date does not match the resident ID, which says ${id.birthDate}`, 'birthDate');

function checkBirthDate(birthDate: string) {
  if (birthDate > todayInChina() || birthDate < '1900-01-01')
    throw badRequest('validation', 'birthDate：出生日期须在1900-01-01至今天之间', 'birthDate: must be between 1900-01-01 and today', 'birthDate');
}

export const duplicateResidentId = (existingId: string) => conflict('duplicate_resident_id',
  '该身份证号码已建档，请直接使用已有记录', 'A patient with this resident ID already exists; use that record', 'residentId', { existingId });

async function ensureNewResidentId(db: DbOrTx, residentId: string, self?: string) {
  let q = db.selectFrom('patient').select('id').where('resident_id', '=', residentId);
  if (self) q = q.where('id', '<>', self);
  const existing = await q.executeTakeFirst();
  if (existing) throw duplicateResidentId(existing.id);
}

export async function ensureInstitution(db: DbOrTx, id: string, field: string) {
  const row = await db.selectFrom('institution').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(INSTITUTION, field);
  return row;
}

export async function ensureNewIdentifier(db: DbOrTx, institutionId: string, kind: string, value: string, field: string) {
  const existing = await db.selectFrom('patient_identifier').select(['patient_id']).where('institution_id', '=', institutionId)
    .where('kind', '=', kind).where('value', '=', value).executeTakeFirst();
  if (existing) throw conflict('duplicate_identifier', '该机构的这个患者编号已关联到患者', 'This institution number is already linked to a patient', field, { patientId: existing.patient_id });
}

/**
 * A unique-constraint race (another request wrote the same resident ID or local number between our check and our
 * insert) turned into the same 409 the check gives.
 */
export async function translateUniqueViolation(db: Db, err: unknown, residentId: string | null | undefined): Promise<unknown> {
  const e = err as { code?: string; constraint?: string };
  if (e?.code !== '23505') return err;
  if (e.constraint === 'patient_resident_id_key' && residentId) {
    const existing = await db.selectFrom('patient').select('id').where('resident_id', '=', residentId).executeTakeFirst();
    if (existing) return duplicateResidentId(existing.id);
  }
  if (e.constraint === 'patient_identifier_institution_id_kind_value_key')
    return conflict('duplicate_identifier', '该机构的这个患者编号已关联到患者', 'This institution number is already linked to a patient', 'value');
  return err;
}

/** Field names (never values) of what a write set, for the audit log. */
const COLUMN_FIELDS: Record<string, string> = {
  resident_id: 'residentId', name: 'name', sex: 'sex', birth_date: 'birthDate', phone: 'phone',
  insurance_card_no: 'insuranceCardNo', address: 'address', region_code: 'regionCode',
};
export const fieldNames = (columns: string[]) => columns.filter((c) => c in COLUMN_FIELDS).map((c) => COLUMN_FIELDS[c]!);

/**
 * 建档: registers a patient. The resident ID is checked (GB 11643) and gives the birth date and sex when they are
 * not typed in; a resident ID already on file is refused, and a likely duplicate (same name + birth date + sex,
 * same pinyin + birth date, same phone or insurance card) is refused with the candidates unless the user has
 * confirmed it is a different person.
 */
export async function createPatient(db: Db, actor: Actor, input: PatientInput): Promise<PatientDetail> {
  const idInfo = input.residentId ? checkResidentId(input.residentId) : null;
  if (idInfo && input.sex && input.sex !== idInfo.sex) throw mismatch('sex', idInfo);
  if (idInfo && input.birthDate && input.birthDate !== idInfo.birthDate) throw mismatch('birthDate', idInfo);
  const sex = idInfo?.sex ?? input.sex;
  const birthDate = idInfo?.birthDate ?? input.birthDate;
  if (!sex) throw badRequest('validation', 'sex：没有身份证号码时须填写性别', 'sex: required when there is no resident ID', 'sex');
  if (!birthDate) throw badRequest('validation', 'birthDate：没有身份证号码时须填写出生日期', 'birthDate: required when there is no resident ID', 'birthDate');
  checkBirthDate(birthDate);
  const keys = nameSearchKeys(input.name);
  const values = {
    resident_id: idInfo?.id ?? null, name: input.name, name_pinyin: keys.pinyin, name_initials: keys.initials, sex,
    birth_date: birthDate, phone: input.phone ?? null, insurance_card_no: input.insuranceCardNo || null,
    address: input.address || null, region_code: input.regionCode ?? null,
  };

  try {
    return await db.transaction().execute(async (tx) => {
      if (values.resident_id) await ensureNewResidentId(tx, values.resident_id);
      const local = input.localNumber;
      if (local) {
        await ensureInstitution(tx, local.institutionId, 'localNumber.institutionId');
        await ensureNewIdentifier(tx, local.institutionId, 'local_mrn', local.number, 'localNumber.number');
      }
      const candidates = await findLikelyDuplicates(tx, { ...values, namePinyin: keys.pinyin, birthDate, insuranceCardNo: values.insurance_card_no });
      if (candidates.length && !input.confirmNotDuplicate)
        throw conflict('likely_duplicate', '可能与已建档的患者重复，请核对候选记录；确认不是同一人后可继续建档',
          'This may be a patient already on file; check the candidates, or confirm it is a different person to create anyway',
          undefined, { candidates });

      const row = await tx.insertInto('patient').values(values).returningAll().executeTakeFirstOrThrow();
      if (local)
        await tx.insertInto('patient_identifier').values({ patient_id: row.id, institution_id: local.institutionId, kind: 'local_mrn', value: local.number }).execute();
      await audit(tx, actor, {
        action: 'patient.create', objectType: 'patient', objectId: row.id, patientId: row.id,
        detail: {
          fields: fieldNames(Object.keys(values).filter((k) => values[k as keyof typeof values] !== null)),
          ...(local ? { localNumberInstitutionId: local.institutionId } : {}),
          // The user saw these candidates and said it is someone else: keep who was set aside.
          ...(candidates.length ? { notDuplicateOf: candidates.map((c) => c.id) } : {}),
        },
      });
      return detailOf(tx, row);
    });
  } catch (err) {
    throw await translateUniqueViolation(db, err, values.resident_id);
  }
}

export const mergedRecord = (p: PatientRow) => conflict('merged', '该记录已合并到其他患者，请在合并后的记录上操作',
  'This record has been merged into another; work on that record', undefined, { mergedInto: p.merged_into });

/**
 * Updates a record; with `version` the change is refused (409 stale) when someone changed the record since the
 * caller read it. A new resident ID is checked again, and sex and birth date must agree with the ID.
 */
export async function updatePatient(db: Db, actor: Actor, id: string, patch: PatientPatch): Promise<PatientDetail> {
  const newIdInfo = patch.residentId ? checkResidentId(patch.residentId) : null;
  let residentIdForRace: string | null = null;
  try {
    return await db.transaction().execute(async (tx) => {
      const cur = await tx.selectFrom('patient').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!cur) throw notFound(PATIENT, 'id');
      if (cur.status === 'merged') throw mergedRecord(cur);
      if (patch.version !== undefined && patch.version !== cur.version)
        throw conflict('stale', '该记录已被他人修改，请刷新后再改', 'Someone changed this record since you read it; reload and try again', 'version', { currentVersion: cur.version });

      const residentId = patch.residentId === undefined ? cur.resident_id : newIdInfo?.id ?? null;
      const idChanged = residentId !== cur.resident_id;
      const current = cur.resident_id ? parseResidentId(cur.resident_id) : null;
      const idInfo = newIdInfo ?? (patch.residentId === undefined && current?.ok ? current.value : null);
      let sex = patch.sex ?? cur.sex, birthDate = patch.birthDate ?? cur.birth_date;
      if (idInfo) {
        if (patch.sex && patch.sex !== idInfo.sex) throw mismatch('sex', idInfo);
        if (patch.birthDate && patch.birthDate !== idInfo.birthDate) throw mismatch('birthDate', idInfo);
        if (idChanged) { sex = idInfo.sex; birthDate = idInfo.birthDate; }
      }
      if (patch.birthDate) checkBirthDate(birthDate);
      if (idChanged && residentId) { residentIdForRace = residentId; await ensureNewResidentId(tx, residentId, id); }

      const next: Partial<PatientRow> = {
        resident_id: residentId, sex, birth_date: birthDate,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.phone !== undefined ? { phone: patch.phone ?? null } : {}),
        ...(patch.insuranceCardNo !== undefined ? { insurance_card_no: patch.insuranceCardNo || null } : {}),
        ...(patch.address !== undefined ? { address: patch.address || null } : {}),
        ...(patch.regionCode !== undefined ? { region_code: patch.regionCode ?? null } : {}),
      };
      const changed = (Object.keys(next) as (keyof PatientRow)[]).filter((k) => next[k] !== cur[k]);
      if (!changed.length) return detailOf(tx, cur);
      const set: Updateable<PatientTable> = Object.fromEntries(changed.map((k) => [k, next[k]]));
      if (changed.includes('name')) {
        const keys = nameSearchKeys(next.name!);
        set.name_pinyin = keys.pinyin; set.name_initials = keys.initials;
      }
      const row = await tx.updateTable('patient').set({ ...set, version: cur.version + 1, updated_at: new Date() })
        .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await audit(tx, actor, { action: 'patient.update', objectType: 'patient', objectId: id, patientId: id, detail: { fields: fieldNames(changed), version: row.version } });
      // Pages showing this record refetch it (sent at commit).
      await publishTopic(tx, `patient:${id}`, { type: 'patient.updated', version: row.version });
      return detailOf(tx, row);
    });
  } catch (err) {
    throw await translateUniqueViolation(db, err, residentIdForRace);
  }
}
