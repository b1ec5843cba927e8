/** Small factories for tests: rows written directly, with sensible defaults. */
import { makeResidentId, nameSearchKeys, type Role } from '@yilian/core';
import { sql } from 'kysely';
import { hashPassword } from '../auth/password.js';
import type { Db } from '../db/database.js';
import { TEST_PASSWORD } from './harness.js';

let counter = 0;
const next = () => ++counter;
let passwordHash: Promise<string> | undefined;

export async function makeInstitution(db: Db, o: Partial<{ code: string; name: string; level: string; grade: string | null; type: string; regionCode: string }> = {}) {
  const n = next();
  return db.insertInto('institution').values({
    code: o.code ?? `INST${n}`, name: o.name ?? `测试医院${n}`, level: o.level ?? '3', grade: o.grade === undefined ? '甲' : o.grade,
    type: o.type ?? 'general_hospital', region_code: o.regionCode ?? '330521',
  }).returningAll().executeTakeFirstOrThrow();
}

export async function makeDepartment(db: Db, institutionId: string, name = `内科${next()}`, specialty: string | null = 'internal') {
  return db.insertInto('department').values({ institution_id: institutionId, name, specialty }).returningAll().executeTakeFirstOrThrow();
}

export async function makePractitioner(db: Db, institutionId: string, o: Partial<{ name: string; title: string; specialty: string; departmentId: string }> = {}) {
  const name = o.name ?? `李医生${next()}`;
  const keys = nameSearchKeys(name);
  const p = await db.insertInto('practitioner').values({
    name, name_pinyin: keys.pinyin, name_initials: keys.initials, sex: 'male', title: o.title ?? 'attending_physician',
    specialty: o.specialty ?? 'internal',
  }).returningAll().executeTakeFirstOrThrow();
  await db.insertInto('practitioner_role').values({ practitioner_id: p.id, institution_id: institutionId, department_id: o.departmentId ?? null }).execute();
  return p;
}

export async function makePatient(db: Db, o: Partial<{ name: string; sex: 'male' | 'female'; birthDate: string; phone: string | null; residentId: string | null }> = {}) {
  const n = next();
  const name = o.name ?? `王患者${n}`;
  const sex = o.sex ?? 'male';
  const birthDate = o.birthDate ?? '1960-05-0' + ((n % 9) + 1);
  const keys = nameSearchKeys(name);
  return db.insertInto('patient').values({
    name, name_pinyin: keys.pinyin, name_initials: keys.initials, sex, birth_date: birthDate,
    resident_id: o.residentId === undefined ? makeResidentId('330521', birthDate, sex, n) : o.residentId,
    phone: o.phone === undefined ? `139${String(10000000 + n).slice(-8)}` : o.phone,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function makeUser(db: Db, username: string, roles: { role: Role; institutionId: string | null }[], o: Partial<{ practitionerId: string; patientId: string; displayName: string }> = {}) {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const u = await db.insertInto('user_account').values({
    username, display_name: o.displayName ?? username, password_hash: await passwordHash,
    practitioner_id: o.practitionerId ?? null, patient_id: o.patientId ?? null,
  }).returningAll().executeTakeFirstOrThrow();
  for (const r of roles) await db.insertInto('user_role').values({ user_id: u.id, role: r.role, institution_id: r.institutionId }).execute();
  return u;
}

/**
 * A small consortium: a tertiary hospital (upper) and a township hospital (lower), one user per role — usernames are
 * the role names, with `_lower` for the second institution's admin and doctor — and one patient with an account.
 */
export async function makeWorld(db: Db) {
  const upper = await makeInstitution(db, { code: 'UPPER', name: '市人民医院', level: '3', grade: '甲' });
  const lower = await makeInstitution(db, { code: 'LOWER', name: '城关镇卫生院', level: '1', grade: null, type: 'township_hospital' });
  const consortium = await db.insertInto('consortium').values({ name: '测试医共体', kind: 'county_community', lead_institution_id: upper.id })
    .returningAll().executeTakeFirstOrThrow();
  await db.insertInto('consortium_member').values([{ consortium_id: consortium.id, institution_id: upper.id }, { consortium_id: consortium.id, institution_id: lower.id }]).execute();
  const dept = await makeDepartment(db, upper.id, '心内科', 'cardiology');
  const doctorP = await makePractitioner(db, upper.id, { name: '张明', departmentId: dept.id });
  const lowerDoctorP = await makePractitioner(db, lower.id, { name: '赵乡', title: 'rural_doctor', specialty: 'general_practice' });
  const patient = await makePatient(db, { name: '陈患者' });
  const users = {
    consortium_admin: await makeUser(db, 'consortium_admin', [{ role: 'consortium_admin', institutionId: upper.id }]),
    institution_admin: await makeUser(db, 'institution_admin', [{ role: 'institution_admin', institutionId: upper.id }]),
    institution_admin_lower: await makeUser(db, 'institution_admin_lower', [{ role: 'institution_admin', institutionId: lower.id }]),
    dept_head: await makeUser(db, 'dept_head', [{ role: 'dept_head', institutionId: upper.id }]),
    doctor: await makeUser(db, 'doctor', [{ role: 'doctor', institutionId: upper.id }], { practitionerId: doctorP.id }),
    doctor_lower: await makeUser(db, 'doctor_lower', [{ role: 'doctor', institutionId: lower.id }], { practitionerId: lowerDoctorP.id }),
    consult_coordinator: await makeUser(db, 'consult_coordinator', [{ role: 'consult_coordinator', institutionId: upper.id }]),
    reading_physician: await makeUser(db, 'reading_physician', [{ role: 'reading_physician', institutionId: upper.id }]),
    family_doctor: await makeUser(db, 'family_doctor', [{ role: 'family_doctor', institutionId: lower.id }]),
    patient: await makeUser(db, 'patient', [{ role: 'patient', institutionId: null }], { patientId: patient.id }),
    regulator: await makeUser(db, 'regulator', [{ role: 'regulator', institutionId: null }]),
    system_client: await makeUser(db, 'system_client', [{ role: 'system_client', institutionId: upper.id }]),
  };
  return { upper, lower, consortium, dept, doctorP, lowerDoctorP, patient, users };
}

/** A fingerprint of each table's whole content, to prove that a refused request changed nothing. */
export async function tableHashes(db: Db, tables: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of tables)
    out[table] = (await sql<{ h: string | null }>`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM ${sql.table(table)} t`.execute(db)).rows[0]?.h ?? '';
  return out;
}
