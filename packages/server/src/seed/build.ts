/**
 * Builds every row of the demo consortium in memory — deterministic (seeded PRNG, fixed reference date, ids drawn
 * from the PRNG too), so two runs give identical data. demo.ts writes the rows.
 *
 * Deliberate likely-duplicate residents (same name, birth date and sex; the second record has no resident ID and
 * was registered at another institution with its own local number) — for demonstrating patient merge:
 *   1. 徐桂英  female 1948-09-03  新市镇蔡界村    — duplicate registered at the 蔡界村 village clinic (CWS06), same mobile
 *   2. 朱金根  male   1952-01-17  莫干山镇仙潭村  — duplicate registered at 莫干山镇卫生院 (WSY06), no mobile
 *   3. 陈梓涵  female 2019-06-08  武康街道英溪社区 — duplicate registered at the county hospital (XRMYY), a parent's mobile
 * The patient demo account belongs to 费建新 (male, 1958-04-16, 新市镇宋市村), a resident with a resident ID.
 */
import { makeResidentId, nameSearchKeys, type Sex } from '@yilian/core';
import type { Insertable } from 'kysely';
import type { Database } from '../db/schema.js';
import { DEMO_ACCOUNTS } from './accounts.js';
import { CONSORTIUM, INSTITUTIONS, LOCALITIES, SERVED_TOWNSHIP, STAFF, VILLAGE_CLINICS } from './catalog.js';
import { personName } from './names.js';
import { MobilePool, Rng } from './random.js';
import { CITY, COUNTY, PROVINCE, TOWNSHIPS, type TownshipName } from './regions.js';

export const DEMO_SEED = 2026;
/** Ages are counted back from this date (not from today), so the data does not change from day to day. */
export const REFERENCE_DATE = '2026-06-30';
export const DEMO_RESIDENTS = 2000;

type Row<T extends keyof Database> = Insertable<Database[T]>;
export interface DemoRows {
  institution: Row<'institution'>[]; consortium: Row<'consortium'>[]; consortium_member: Row<'consortium_member'>[];
  department: Row<'department'>[]; practitioner: Row<'practitioner'>[]; practitioner_role: Row<'practitioner_role'>[];
  expert: Row<'expert'>[]; patient: Row<'patient'>[]; patient_identifier: Row<'patient_identifier'>[];
  user_account: Row<'user_account'>[]; user_role: Row<'user_role'>[];
}

const PLACE = `${PROVINCE.name}${CITY.name}${COUNTY.name}`;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function buildDemoRows(passwordHash: string): DemoRows {
  const rng = new Rng(DEMO_SEED);
  const ids = new Rng(DEMO_SEED + 1);
  const mobiles = new MobilePool(rng);

  // Institutions, consortium, departments
  const institution = INSTITUTIONS.map((s) => ({
    id: ids.uuid(), code: s.code, name: s.name, short_name: s.shortName, level: s.level, grade: s.grade, type: s.type,
    region_code: s.regionCode, address: s.address, phone: s.phone,
  }));
  const instId = (code: string) => institution.find((i) => i.code === code)?.id ?? fail(`institution ${code}`);
  const consortiumId = ids.uuid();
  const consortium = [{
    id: consortiumId, name: CONSORTIUM.name, kind: CONSORTIUM.kind, lead_institution_id: instId('RMYY'),
    region_code: CONSORTIUM.regionCode, description: CONSORTIUM.description,
  }];
  const consortium_member = institution.map((i) => ({ consortium_id: consortiumId, institution_id: i.id }));
  const department = INSTITUTIONS.flatMap((s) => s.departments.map(([name, code, specialty]) => ({
    id: ids.uuid(), institution_id: instId(s.code), code, name, specialty,
  })));
  const dept = (instCode: string, name: string) => {
    const iid = instId(instCode);
    return department.find((d) => d.institution_id === iid && d.name === name) ?? fail(`department ${instCode}/${name}`);
  };

  // Practitioners
  const practitioner: DemoRows['practitioner'] = [];
  const practitioner_role: DemoRows['practitioner_role'] = [];
  const expert: DemoRows['expert'] = [];
  const usedNames = new Set(STAFF.flatMap((s) => (s.name ? [s.name] : [])));
  const usedLicences = new Set<string>();
  const licence = (make: () => string) => { for (;;) { const l = make(); if (!usedLicences.has(l)) { usedLicences.add(l); return l; } } };
  for (const s of STAFF) {
    const d = dept(s.institution, s.department);
    const nurse = s.title.endsWith('nurse');
    const technician = s.title.endsWith('technician');
    const sex: Sex = s.sex ?? (nurse ? 'female' : rng.chance(0.55) ? 'male' : 'female');
    const birthYear = s.title === 'rural_doctor' ? rng.int(1958, 1978)
      : s.title.startsWith('chief') ? rng.int(1964, 1974) : s.title.startsWith('associate') ? rng.int(1970, 1982)
      : s.title.includes('attending') || s.title.startsWith('supervisor') ? rng.int(1980, 1990) : rng.int(1990, 1998);
    let name = s.name;
    while (!name || (!s.name && usedNames.has(name))) name = personName(rng, sex, birthYear);
    usedNames.add(name);
    const tcm = s.institution === 'XZYY' || d.specialty === 'tcm';
    const licenceNo = technician ? null
      : nurse ? licence(() => `20${birthYear + 22}33${rng.digits(4)}`)
      : s.title === 'rural_doctor' ? licence(() => `XC${COUNTY.code}${rng.digits(6)}`)
      : licence(() => `${s.title === 'assistant_physician' ? 2 : 1}${tcm ? 2 : 1}0${PROVINCE.code}05${rng.digits(8)}`);
    const keys = nameSearchKeys(name);
    const id = ids.uuid();
    practitioner.push({
      id, name, name_pinyin: keys.pinyin, name_initials: keys.initials, sex, title: s.title,
      specialty: s.specialty ?? d.specialty, phone: mobiles.next(), license_no: licenceNo,
    });
    practitioner_role.push({ id: ids.uuid(), practitioner_id: id, institution_id: d.institution_id, department_id: d.id });
    if (s.also) {
      const d2 = dept(...s.also);
      practitioner_role.push({ id: ids.uuid(), practitioner_id: id, institution_id: d2.institution_id, department_id: d2.id });
    }
    if (s.expert) expert.push({ practitioner_id: id, specialty: s.expert.specialty, services: s.expert.services, availability: s.expert.availability });
  }

  // Residents
  const patient: DemoRows['patient'] = [];
  const patient_identifier: DemoRows['patient_identifier'] = [];
  const residentIds = new Set<string>();
  const mrnCounters = new Map<string, number>();
  const mrn = (code: string) => {
    const n = (mrnCounters.get(code) ?? 0) + 1;
    mrnCounters.set(code, n);
    if (code === 'RMYY') return String(20_150_000 + n * 13);
    if (code === 'XRMYY') return `MZ${String(1_000_000 + n * 7)}`;
    if (code === 'XZYY') return `ZY${String(500_000 + n * 3)}`;
    return `${code.slice(0, 1)}${code.slice(-2)}${String(n).padStart(6, '0')}`;
  };
  const link = (patientId: string, code: string) =>
    patient_identifier.push({ id: ids.uuid(), patient_id: patientId, institution_id: instId(code), kind: 'local_mrn', value: mrn(code) });
  const clinicOf = (town: TownshipName, village: string) =>
    Object.entries(VILLAGE_CLINICS).find(([, [t, v]]) => t === town && v === village)?.[0];
  const townshipCode = (town: TownshipName) => TOWNSHIPS.find((t) => t.name === town)!.code;

  const TOWN_WEIGHTS: [TownshipName, number][] = [
    ['武康街道', 22], ['舞阳街道', 10], ['阜溪街道', 8], ['下渚湖街道', 6], ['康乾街道', 6], ['乾元镇', 9], ['新市镇', 12],
    ['洛舍镇', 4], ['钟管镇', 6], ['雷甸镇', 5], ['禹越镇', 4], ['新安镇', 4], ['莫干山镇', 4],
  ];
  const AGE_BANDS: [[number, number], number][] = [[[0, 6], 6], [[7, 17], 9], [[18, 39], 17], [[40, 59], 27], [[60, 79], 33], [[80, 95], 8]];
  const ESTATES = ['阳光花园', '金色家园', '英溪苑', '城北新村', '馨苑小区', '锦绣华庭', '和园', '翠苑'];
  const refMs = Date.parse(`${REFERENCE_DATE}T00:00:00Z`);

  interface Person { name?: string; sex?: Sex; birthDate?: string; town?: TownshipName; locality?: string; residentId?: boolean; phone?: string | null }
  const addPerson = (p: Person) => {
    const age = rng.int(...rng.weighted(AGE_BANDS));
    const birthDate = p.birthDate ?? iso(Date.UTC(Number(REFERENCE_DATE.slice(0, 4)) - age, 5, 30) - rng.int(0, 364) * DAY);
    const birthYear = Number(birthDate.slice(0, 4));
    const sex: Sex = p.sex ?? (rng.chance(refAge(birthDate) >= 75 ? 0.58 : 0.5) ? 'female' : 'male');
    const name = p.name ?? personName(rng, sex, birthYear);
    const town = p.town ?? rng.weighted(TOWN_WEIGHTS);
    const loc = LOCALITIES[town];
    const inCommunity = p.locality ? p.locality.endsWith('社区') : loc.communities.length > 0 && rng.chance(town.endsWith('街道') ? 0.7 : 0.25);
    const locality = p.locality ?? (inCommunity ? rng.pick(loc.communities) : rng.pick(loc.villages));
    const address = inCommunity
      ? `${PLACE}${town}${locality}${rng.pick(ESTATES)}${rng.int(1, 24)}幢${rng.int(1, 4)}单元${rng.int(1, 18)}0${rng.int(1, 4)}室`
      : `${PLACE}${town}${locality}${rng.int(1, 12)}组${rng.int(1, 88)}号`;
    let residentId: string | null = null;
    if (p.residentId !== false) {
      do residentId = makeResidentId(COUNTY.code, birthDate, sex, rng.int(0, 499));
      while (residentIds.has(residentId));
      residentIds.add(residentId);
    }
    const elderly = refAge(birthDate) >= 60;
    const phone = p.phone !== undefined ? p.phone : refAge(birthDate) >= 85 && rng.chance(0.25) ? null : rng.chance(0.97) ? mobiles.next() : null;
    const keys = nameSearchKeys(name);
    const row = {
      id: ids.uuid(), resident_id: residentId, name, name_pinyin: keys.pinyin, name_initials: keys.initials, sex, birth_date: birthDate,
      phone, insurance_card_no: rng.chance(0.93) ? `${rng.pick([...'ABCDEFGH'])}${rng.digits(8)}` : null,
      address, region_code: townshipCode(town),
    };
    patient.push(row);
    return { row, town, locality, elderly };
  };
  const refAge = (birthDate: string) => Math.floor((refMs - Date.parse(`${birthDate}T00:00:00Z`)) / (365.25 * DAY));
  /** Local numbers at the institutions a resident would visit: their township's hospital and village clinic, the county hospitals, now and then the city hospital. */
  const localNumbers = ({ row, town, locality, elderly }: ReturnType<typeof addPerson>) => {
    const grassroots = Object.entries(SERVED_TOWNSHIP).find(([, t]) => t === row.region_code)?.[0];
    if (grassroots && rng.chance(0.65)) link(row.id, grassroots);
    const clinic = clinicOf(town, locality);
    if (clinic && rng.chance(0.45)) link(row.id, clinic);
    if (rng.chance(elderly ? 0.4 : 0.28)) link(row.id, 'XRMYY');
    if (rng.chance(0.12)) link(row.id, 'XZYY');
    if (rng.chance(elderly ? 0.18 : 0.1)) link(row.id, 'RMYY');
  };

  const accountResident = addPerson({ name: '费建新', sex: 'male', birthDate: '1958-04-16', town: '新市镇', locality: '宋市村' });
  link(accountResident.row.id, 'WSY03');
  link(accountResident.row.id, 'XRMYY');
  link(accountResident.row.id, 'RMYY');
  const DUPLICATES: [Person, string][] = [
    [{ name: '徐桂英', sex: 'female', birthDate: '1948-09-03', town: '新市镇', locality: '蔡界村' }, 'CWS06'],
    [{ name: '朱金根', sex: 'male', birthDate: '1952-01-17', town: '莫干山镇', locality: '仙潭村' }, 'WSY06'],
    [{ name: '陈梓涵', sex: 'female', birthDate: '2019-06-08', town: '武康街道', locality: '英溪社区' }, 'XRMYY'],
  ];
  const originals = DUPLICATES.map(([p]) => addPerson(p));
  for (const o of originals) localNumbers(o);
  while (patient.length < DEMO_RESIDENTS - DUPLICATES.length) localNumbers(addPerson({}));
  DUPLICATES.forEach(([p, where], i) => {
    const original = originals[i]!.row;
    const dup = addPerson({ ...p, residentId: false, phone: i === 0 ? original.phone : i === 1 ? null : undefined });
    link(dup.row.id, where);
  });

  // Accounts (the password hashed once, by the caller)
  const user_account: DemoRows['user_account'] = [];
  const user_role: DemoRows['user_role'] = [];
  for (const a of DEMO_ACCOUNTS) {
    const id = ids.uuid();
    const practitionerId = a.practitionerName ? practitioner.find((p) => p.name === a.practitionerName)?.id ?? fail(`practitioner ${a.practitionerName}`) : null;
    const patientId = a.patientName ? accountResident.row.id : null;
    user_account.push({ id, username: a.username, display_name: a.displayName, password_hash: passwordHash, practitioner_id: practitionerId, patient_id: patientId });
    for (const r of [{ role: a.role, institutionCode: a.institutionCode }, ...(a.extraRoles ?? [])])
      user_role.push({ id: ids.uuid(), user_id: id, role: r.role, institution_id: r.institutionCode ? instId(r.institutionCode) : null });
  }

  return { institution, consortium, consortium_member, department, practitioner, practitioner_role, expert, patient, patient_identifier, user_account, user_role };
}

function fail(what: string): never { throw new Error(`demo seed: ${what} not found`); }
