/** One patient of the master patient index (患者主索引): create, read, update, and the shapes the API returns. */
import { randomUUID } from 'node:crypto';
import {
  badRequest, conflict, maskPhone, maskResidentId, nameSearchKeys, notFound, parseResidentId,
  type PatientInput, type PatientPatch, type ResidentIdInfo, type Sex,
} from '@yilian/core';
import { sql, type Selectable, type Transaction, type Updateable } from 'kysely';
import { audit } from '../audit/audit.js';
import { publishTopic } from '../realtime/bus.js';
import { joinTx, type Db } from '../db/database.js';
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
 * A new patient's input checked (resident ID per GB 11643, sex and birth date agreeing with it or given without one,
 * birth date in range) and turned into the row's values with the name's pinyin keys: createPatient's checks that
 * need no database (a 400 naming the field).
 */
export function newPatientValues(input: PatientInput) {
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
  return { values, keys, birthDate };
}

/**
 * 建档: registers a patient. The resident ID is checked (GB 11643) and gives the birth date and sex when they are
 * not typed in; a resident ID already on file is refused, and a likely duplicate (same name + birth date + sex,
 * same pinyin + birth date, same phone or insurance card) is refused with the candidates unless the user has
 * confirmed it is a different person.
 */
export async function createPatient(db: Db, actor: Actor, input: PatientInput, id?: string): Promise<PatientDetail> {
  const { values: checked, keys, birthDate } = newPatientValues(input);
  const values = id ? { id, ...checked } : checked;

  try {
    return await db.transaction().execute(async (tx) => {
      if (values.resident_id) await ensureNewResidentId(tx, values.resident_id);
      const local = input.localNumber;
      if (local) {
        await ensureInstitution(tx, local.institutionId, 'localNumber.institutionId');
        await ensureNewIdentifier(tx, local.institutionId, 'local_mrn', local.number, 'localNumber.number');
      }
      const candidates = await findLikelyDuplicates(tx, { ...checked, namePinyin: keys.pinyin, birthDate, insuranceCardNo: values.insurance_card_no });
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
          fields: fieldNames(Object.keys(checked).filter((k) => checked[k as keyof typeof checked] !== null)),
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

/** The write of item `index` of a batch of new patients failed with `error` (what createPatient would have thrown). */
export class PatientBatchError extends Error {
  constructor(readonly index: number, readonly error: unknown) { super(error instanceof Error ? error.message : String(error)); }
}

/**
 * One new patient of a batch: the input, optionally the id to give it (known before it is written), and optionally
 * newPatientValues(input) when the caller has already checked it (not computed twice: the pinyin keys cost).
 */
export interface NewPatient { input: PatientInput; id?: string; checked?: ReturnType<typeof newPatientValues> }

/** Rows per multi-row INSERT (PostgreSQL takes at most 65,535 parameters per statement). */
const PATIENT_INSERT_CHUNK = 500;

/** Would `b` be a likely duplicate of `a` (findLikelyDuplicates' rule, for two patients not yet written)? */
function likelySame(a: ReturnType<typeof newPatientValues>['values'], b: ReturnType<typeof newPatientValues>['values']) {
  const pa = a.name_pinyin.split(' ').filter(Boolean);
  return (a.birth_date === b.birth_date && ((a.name === b.name && a.sex === b.sex) || b.name_pinyin.split(' ').some((v) => v && pa.includes(v))))
    || (!!a.phone && a.phone === b.phone) || (!!a.insurance_card_no && a.insurance_card_no === b.insurance_card_no);
}

/**
 * 建档 of several patients in an open transaction (a FHIR transaction Bundle's new patients): the same checks,
 * rows, local numbers, pinyin search keys (the patient table's statement trigger) and `patient.create` audit
 * entries as createPatient for each, in order — but written together: one query checks every resident ID on file and
 * every likely duplicate (plus one for the institutions and one for the local numbers, when there are some), then
 * one multi-row INSERT of the patients and one of their local numbers. Nothing is read back. Whenever a batch is not
 * the plain case — a check fails, a likely duplicate (on file or within the batch) would have to be refused or
 * confirmed, two items share a resident ID or local number — nothing has been written yet, and the items are created
 * one by one by createPatient, so the outcome and the error are exactly its own. A failure is a PatientBatchError
 * naming the item.
 */
export async function createPatients(tx: Transaction<Database>, actor: Actor, items: NewPatient[]): Promise<PatientDetail[]> {
  if (!items.length) return [];
  const checked = items.map((it, i) => {
    try { return (it.checked ?? newPatientValues(it.input)).values; } catch (err) { throw new PatientBatchError(i, err); }
  });
  const oneByOne = async () => {
    const db = joinTx(tx), out: PatientDetail[] = [];
    for (let i = 0; i < items.length; i++) {
      try { out.push(await createPatient(db, actor, items[i]!.input, items[i]!.id)); } catch (err) { throw new PatientBatchError(i, err); }
    }
    return out;
  };
  if (items.length === 1) return oneByOne();

  // Within the batch: a resident ID or local number twice, or a likely duplicate of an earlier item.
  const residentIds = checked.map((v) => v.resident_id).filter((r): r is string => !!r);
  const locals = items.map((it) => it.input.localNumber).filter((l): l is NonNullable<typeof l> => !!l);
  if (new Set(residentIds).size < residentIds.length || new Set(locals.map((l) => `${l.institutionId}|${l.number}`)).size < locals.length)
    return oneByOne();
  for (let j = 1; j < checked.length; j++) for (let i = 0; i < j; i++) if (likelySame(checked[i]!, checked[j]!)) return oneByOne();

  // On file: a resident ID (any status, as ensureNewResidentId) or a likely duplicate (active, as findLikelyDuplicates).
  const phones = checked.map((v) => v.phone).filter((x): x is string => !!x);
  const cards = checked.map((v) => v.insurance_card_no).filter((x): x is string => !!x);
  const clash = await tx.selectFrom('patient').select('id').where((eb) => eb.or([
    ...(residentIds.length ? [eb('resident_id', 'in', residentIds)] : []),
    eb.and([eb('status', '=', 'active'), eb.or([
      ...checked.map((v) => eb.and([
        eb('birth_date', '=', v.birth_date),
        eb.or([
          eb.and([eb('name', '=', v.name), eb('sex', '=', v.sex)]),
          sql<boolean>`string_to_array(name_pinyin, ' ') && ${`{${v.name_pinyin.split(' ').filter(Boolean).join(',')}}`}::text[]`,
        ]),
      ])),
      ...(phones.length ? [eb('phone', 'in', phones)] : []),
      ...(cards.length ? [eb('insurance_card_no', 'in', cards)] : []),
    ])]),
  ])).limit(1).executeTakeFirst();
  if (clash) return oneByOne();

  const institutions = new Map<string, string>();
  if (locals.length) {
    const instIds = [...new Set(locals.map((l) => l.institutionId))];
    for (const r of await tx.selectFrom('institution').select(['id', 'name']).where('id', 'in', instIds).execute()) institutions.set(r.id, r.name);
    if (institutions.size < instIds.length) return oneByOne();
    const taken = await tx.selectFrom('patient_identifier').select(['institution_id', 'value']).where('kind', '=', 'local_mrn')
      .where('institution_id', 'in', instIds).where('value', 'in', [...new Set(locals.map((l) => l.number))]).execute();
    const takenKeys = new Set(taken.map((r) => `${r.institution_id}|${r.value}`));
    if (locals.some((l) => takenKeys.has(`${l.institutionId}|${l.number}`))) return oneByOne();
  }

  const rows: PatientRow[] = [];
  const idents: { id: string; patient_id: string; institution_id: string; kind: string; value: string; created_at: Date }[] = [];
  try {
    const values = checked.map((v, i) => ({ id: items[i]!.id ?? randomUUID(), ...v }));
    const stored = new Map<string, PatientRow>();
    for (let i = 0; i < values.length; i += PATIENT_INSERT_CHUNK)
      for (const r of await tx.insertInto('patient').values(values.slice(i, i + PATIENT_INSERT_CHUNK)).returningAll().execute()) stored.set(r.id, r);
    rows.push(...values.map((v) => stored.get(v.id)!));
    const links = rows.flatMap((r, i) => {
      const l = items[i]!.input.localNumber;
      return l ? [{ patient_id: r.id, institution_id: l.institutionId, kind: 'local_mrn', value: l.number }] : [];
    });
    for (let i = 0; i < links.length; i += PATIENT_INSERT_CHUNK)
      idents.push(...await tx.insertInto('patient_identifier').values(links.slice(i, i + PATIENT_INSERT_CHUNK))
        .returning(['id', 'patient_id', 'institution_id', 'kind', 'value', 'created_at']).execute());
  } catch (err) {
    // Another transaction wrote the same resident ID or local number since the check: the 409 the check gives.
    const e = err as { code?: string; constraint?: string; detail?: string };
    if (e?.code === '23505' && e.constraint === 'patient_resident_id_key') {
      const i = checked.findIndex((v) => v.resident_id && e.detail?.includes(`(${v.resident_id})`));
      throw new PatientBatchError(Math.max(0, i), conflict('duplicate_resident_id', '该身份证号码已建档，请直接使用已有记录', 'A patient with this resident ID already exists; use that record', 'residentId'));
    }
    if (e?.code === '23505' && e.constraint === 'patient_identifier_institution_id_kind_value_key') {
      const i = items.findIndex((it) => it.input.localNumber && e.detail?.includes(it.input.localNumber.number));
      throw new PatientBatchError(Math.max(0, i), conflict('duplicate_identifier', '该机构的这个患者编号已关联到患者', 'This institution number is already linked to a patient', 'value'));
    }
    throw err;
  }
  // The entries go in at commit with the transaction's others, in one INSERT (audit.ts).
  for (let i = 0; i < rows.length; i++) {
    const local = items[i]!.input.localNumber, v = checked[i]!;
    await audit(tx, actor, {
      action: 'patient.create', objectType: 'patient', objectId: rows[i]!.id, patientId: rows[i]!.id,
      detail: {
        fields: fieldNames(Object.keys(v).filter((k) => v[k as keyof typeof v] !== null)),
        ...(local ? { localNumberInstitutionId: local.institutionId } : {}),
      },
    });
  }
  return rows.map((r) => ({
    id: r.id, residentId: r.resident_id, name: r.name, sex: r.sex, birthDate: r.birth_date, age: ageOn(r.birth_date),
    phone: r.phone, insuranceCardNo: r.insurance_card_no, address: r.address, regionCode: r.region_code,
    status: r.status, mergedInto: r.merged_into, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
    identifiers: idents.filter((x) => x.patient_id === r.id).map((x) => ({
      id: x.id, institutionId: x.institution_id, institutionName: institutions.get(x.institution_id)!, kind: x.kind, value: x.value, createdAt: x.created_at,
    })),
  }));
}
