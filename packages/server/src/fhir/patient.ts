/**
 * Patient ↔ patient (患者主索引) with its local numbers (patient_identifier). Read, search, create and update go
 * through the identity service (readPatient, createPatient, updatePatient) and the same permission checks as
 * /api/v1/patients, so resident-ID validation, the duplicate checks, the audit entries (patient.read, .search,
 * .create, .update) and merges are those of the REST API.
 */
import { randomUUID } from 'node:crypto';
import type { Identifier, Patient, Resource } from '@medplum/fhirtypes';
import { AppError, patientInput, type Action, type PatientInput } from '@yilian/core';
import { sql } from 'kysely';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db, Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { startsWith } from '../http/query.js';
import { createPatient, createPatients, newPatientValues, PatientBatchError, readPatient, updatePatient, type PatientDetail } from '../identity/patients.js';
import { EntryBatchError } from '../record/entries.js';
import { classifyQuery } from '../identity/search.js';
import { authorize, can, type Target } from '../policy/policy.js';
import { CANONICAL, CODE_SYSTEM, EXTENSION, IDENTIFIER_SYSTEM } from './codes.js';
import { chineseName, nameFrom, tokenValue } from './mapping.js';
import { invalid, unprocessable } from './outcome.js';
import { parseResource, type FhirContext, type PreparedCreate, type ResourceModule } from './resource.js';
import { dateBounds, isUuid, pageOf, single, type SearchParamDef } from './search.js';

const LABEL = { zh: '患者', en: 'Patient' };
const PATIENT_NUMBER_PREFIX = `${CANONICAL}/sid/patient-number/`;

const SEARCH: SearchParamDef[] = [
  { name: '_id', type: 'token', documentation: 'the patient id' },
  { name: 'identifier', type: 'token', documentation: `${IDENTIFIER_SYSTEM.residentId}|<resident ID> (居民身份证), ${PATIENT_NUMBER_PREFIX}<institution code>/<kind>|<number> (local number), or a bare value (either)` },
  { name: 'name', type: 'string', documentation: 'name starting with, in characters (王建) or pinyin / initials (wangjian, wj)' },
  { name: 'birthdate', type: 'date', documentation: 'birth date; prefixes eq, ge, gt, le, lt' },
  { name: 'phone', type: 'token', documentation: 'mobile number (exact)' },
  { name: 'gender', type: 'token', documentation: 'male | female' },
];

/** createPatient/updatePatient open their own transaction; inside a transaction Bundle they must join the open one. */
export function joinTransaction(db: Db): Db {
  if (!db.isTransaction) return db;
  const tx = db as unknown as Tx;
  return new Proxy(tx, {
    get(target, p) {
      if (p === 'transaction') return () => ({ execute: <T>(f: (t: Tx) => Promise<T>) => f(target) });
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as unknown as Db;
}

/** authorize(), with a refusal written to the audit log first — as the REST routes do for patient data. */
async function guard(db: Db, caller: Caller, action: Action, target: Target = {}) {
  if (!can(caller, action, target))
    await audit(db, actorOf(caller), { action, outcome: 'denied', objectType: 'patient', objectId: target.patientId ?? null, patientId: target.patientId ?? null });
  authorize(caller, action, target);
}

type PatientView = Pick<PatientDetail, 'id' | 'residentId' | 'name' | 'sex' | 'birthDate' | 'phone' | 'address' | 'regionCode' | 'status' | 'mergedInto' | 'updatedAt' | 'identifiers'>;

export function toPatient(p: PatientView, institutionCodes: Map<string, string>): Patient {
  const identifier: Identifier[] = [];
  if (p.residentId) identifier.push({
    use: 'official', system: IDENTIFIER_SYSTEM.residentId, value: p.residentId,
    type: { coding: [{ system: CODE_SYSTEM.identifierType, code: 'NI', display: 'National unique individual identifier' }], text: '居民身份证' },
  });
  for (const i of p.identifiers) {
    const code = institutionCodes.get(i.institutionId);
    if (!code) continue;
    identifier.push({
      use: 'usual', system: IDENTIFIER_SYSTEM.patientNumber(code, i.kind), value: i.value,
      type: { coding: [{ system: CODE_SYSTEM.identifierType, code: 'MR', display: 'Medical record number' }] },
      assigner: { reference: `Organization/${i.institutionId}`, display: i.institutionName },
    });
  }
  return {
    resourceType: 'Patient', id: p.id,
    meta: { lastUpdated: new Date(p.updatedAt).toISOString() },
    ...(identifier.length ? { identifier } : {}),
    active: p.status === 'active',
    name: [chineseName(p.name)],
    ...(p.phone ? { telecom: [{ system: 'phone', value: p.phone, use: 'mobile' }] } : {}),
    gender: p.sex === 'female' ? 'female' : 'male',
    birthDate: p.birthDate,
    ...(p.address || p.regionCode ? { address: [{ use: 'home', ...(p.address ? { text: p.address } : {}), ...(p.regionCode ? { district: p.regionCode } : {}), country: 'CN' }] } : {}),
    // A merged record points to the one that survived.
    ...(p.mergedInto ? { link: [{ other: { reference: `Patient/${p.mergedInto}` }, type: 'replaced-by' }] } : {}),
  };
}

async function codesOf(db: Db, ids: string[]) {
  if (!ids.length) return new Map<string, string>();
  const rows = await db.selectFrom('institution').select(['id', 'code']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r.code]));
}

/** The resource for a detail the identity service returned. */
async function fromDetail(db: Db, d: PatientDetail) {
  return toPatient(d, await codesOf(db, d.identifiers.map((i) => i.institutionId)));
}

const incoming = z.looseObject({
  identifier: z.array(z.looseObject({ system: z.string().optional(), value: z.string().optional() })).optional(),
  name: z.array(z.looseObject({ text: z.string().optional(), family: z.string().optional(), given: z.array(z.string()).optional(), use: z.string().optional() }))
    .min(1, '须有姓名 / a name is required'),
  gender: z.string().optional(),
  birthDate: z.string().optional(),
  telecom: z.array(z.looseObject({ system: z.string().optional(), value: z.string().optional() })).optional(),
  address: z.array(z.looseObject({ text: z.string().optional(), line: z.array(z.string()).optional(), city: z.string().optional(), district: z.string().optional(), state: z.string().optional() })).optional(),
  extension: z.array(z.looseObject({ url: z.string(), valueBoolean: z.boolean().optional() })).optional(),
});
type Incoming = z.infer<typeof incoming>;

/** Service field → FHIRPath, so errors name the element of the resource. */
const PATHS: Record<string, string> = {
  residentId: 'Patient.identifier', name: 'Patient.name', sex: 'Patient.gender', birthDate: 'Patient.birthDate', phone: 'Patient.telecom',
  address: 'Patient.address', regionCode: 'Patient.address.district', localNumber: 'Patient.identifier', 'localNumber.number': 'Patient.identifier',
  'localNumber.institutionId': 'Patient.identifier', insuranceCardNo: 'Patient.identifier', id: 'Patient.id',
};
function patientPath(e: unknown): unknown {
  if (e instanceof AppError && e.field && PATHS[e.field] && !e.field.startsWith('Patient'))
    return new AppError(e.status, e.code, e.zh.replace(/^[A-Za-z.]+：/, `${PATHS[e.field]}：`), e.en.replace(/^[A-Za-z.]+:/, `${PATHS[e.field]}:`), PATHS[e.field], e.details);
  return e;
}
export async function patientFields<T>(f: () => Promise<T>): Promise<T> {
  try { return await f(); } catch (e) { throw patientPath(e); }
}

/** The local number an identifier names (…/sid/patient-number/<code>/<kind>), or null when it is not one of ours. */
function localNumberSystem(system: string | undefined): { code: string; kind: string } | null {
  if (!system?.startsWith(PATIENT_NUMBER_PREFIX)) return null;
  const [code, kind] = system.slice(PATIENT_NUMBER_PREFIX.length).split('/');
  return code && kind ? { code, kind } : null;
}

/** The service's input from an incoming Patient (the fields FHIR carries; validation is the service's schema). */
async function toInput(db: Db, caller: Caller, r: Incoming): Promise<PatientInput & { localNumber?: { institutionId: string; number: string } }> {
  const resident = (r.identifier ?? []).filter((i) => i.system === IDENTIFIER_SYSTEM.residentId);
  if (resident.length > 1) throw invalid('validation', 'Patient.identifier：只能有一个居民身份证号码', 'Patient.identifier: at most one resident ID', 'Patient.identifier');
  const locals = (r.identifier ?? []).map((i) => ({ i, sys: localNumberSystem(i.system) })).filter((x) => x.sys);
  if (locals.length > 1) throw unprocessable('validation', 'Patient.identifier：建档时只能关联一个本机构患者编号', 'Patient.identifier: at most one local number on create', 'Patient.identifier');
  let localNumber: { institutionId: string; number: string } | undefined;
  if (locals[0]) {
    const { i, sys } = locals[0];
    if (sys!.kind !== 'local_mrn')
      throw unprocessable('unsupported_identifier', 'Patient.identifier：建档时只能关联 local_mrn 编号，其他编号请用 REST 接口关联', 'Patient.identifier: only local_mrn numbers can be linked on create; link others through the REST API', 'Patient.identifier');
    const inst = await db.selectFrom('institution').select('id').where('code', '=', sys!.code).executeTakeFirst();
    if (!inst) throw invalid('unknown_institution', `Patient.identifier：未知的机构编码 ${sys!.code}`, `Patient.identifier: unknown institution code ${sys!.code}`, 'Patient.identifier');
    await guard(db, caller, 'patient.link_local_number', { institutionId: inst.id });
    localNumber = { institutionId: inst.id, number: i.value ?? '' };
  }
  const gender = r.gender;
  if (gender !== undefined && gender !== 'male' && gender !== 'female')
    throw unprocessable('unsupported_gender', 'Patient.gender：性别须为 male 或 female', 'Patient.gender: must be male or female', 'Patient.gender');
  const phone = r.telecom?.find((t) => t.system === 'phone' || t.system === 'sms')?.value;
  const a = r.address?.[0];
  const address = a ? (a.text ?? [a.state, a.city, ...(a.line ?? [])].filter(Boolean).join('')) || null : null;
  const raw = {
    residentId: resident[0]?.value ?? null,
    name: nameFrom(r.name) ?? '',
    ...(gender ? { sex: gender } : {}),
    ...(r.birthDate !== undefined ? { birthDate: r.birthDate } : {}),
    phone: phone ?? null,
    address,
    regionCode: a?.district && /^\d{6}(\d{3})?$/.test(a.district) ? a.district : null,
    ...(localNumber ? { localNumber } : {}),
    ...(r.extension?.some((e) => e.url === EXTENSION.confirmNotDuplicate && e.valueBoolean) ? { confirmNotDuplicate: true } : {}),
  };
  const parsed = patientInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    const path = PATHS[field] ?? PATHS[String(issue.path[0])] ?? 'Patient';
    throw invalid('validation', `${path}：值不正确`, `${path}: ${issue.message}`, path);
  }
  return parsed.data;
}

async function readOne(db: Db, caller: Caller, id: string) {
  await guard(db, caller, 'patient.read', { patientId: id });
  return fromDetail(db, await readPatient(db, actorOf(caller), id));
}

/** What prepareCreate checked of an input, for createMany (the same object: nothing can have changed it between). */
const checkedInputs = new WeakMap<object, ReturnType<typeof newPatientValues>>();

export const patientModule: ResourceModule<Patient> = {
  type: 'Patient',
  label: LABEL,
  documentation: 'A person of the master patient index (患者主索引): resident ID (urn:oid:2.16.156.10011.1.3) and local numbers as identifiers. Create and update go through the identity service (resident-ID check, duplicate check).',
  searchParams: SEARCH,
  conditionalCreate: true,

  read: ({ db, caller }, id) => readOne(db, caller, id),

  async search({ db, caller }, s) {
    await guard(db, caller, 'patient.search');
    const empty = { resources: [], hasMore: false };
    let q = db.selectFrom('patient as p').where('p.status', '=', 'active');
    const id = single(s, '_id'), identifier = single(s, 'identifier'), name = single(s, 'name'), phone = single(s, 'phone'), gender = single(s, 'gender');
    if (id !== undefined) { if (!isUuid(id)) return empty; q = q.where('p.id', '=', id.toLowerCase()); }
    if (identifier !== undefined) {
      const t = tokenValue(identifier);
      const local = localNumberSystem(t.system);
      if (t.system === IDENTIFIER_SYSTEM.residentId) q = q.where('p.resident_id', '=', t.code.toUpperCase());
      else if (local)
        q = q.where('p.id', 'in', db.selectFrom('patient_identifier as pi').innerJoin('institution as i', 'i.id', 'pi.institution_id')
          .select('pi.patient_id').where('i.code', '=', local.code).where('pi.kind', '=', local.kind).where('pi.value', '=', t.code));
      else if (!t.system)
        q = q.where((eb) => eb.or([eb('p.resident_id', '=', t.code.toUpperCase()),
          eb('p.id', 'in', db.selectFrom('patient_identifier').select('patient_id').where('value', '=', t.code))]));
      else return empty;
    }
    if (name !== undefined) {
      // What was typed decides how it matches, as in the REST search box: characters on the name, else the
      // pinyin / initials keys of identity/search.ts.
      const { kind, text } = classifyQuery(name);
      if (kind === 'name') q = q.where(sql<boolean>`p.name COLLATE "C" LIKE ${startsWith(text)}`);
      else if (kind === 'pinyin') q = q.where('p.id', 'in', db.selectFrom('patient_search_key').select('patient_id').where('key', 'like', startsWith(text)));
      else return empty;
    }
    if (phone !== undefined) q = q.where('p.phone', '=', tokenValue(phone).code);
    if (gender !== undefined) {
      const g = tokenValue(gender).code;
      if (g !== 'male' && g !== 'female') return empty;
      q = q.where('p.sex', '=', g);
    }
    const birth = s.params.get('birthdate');
    if (birth) {
      const b = dateBounds('birthdate', birth);
      if (b.empty) return empty;
      // A birth date stands for its day (China time): it matches when that day starts within the range.
      const day = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
      const startOf = (d: Date) => { const s0 = day(d); return new Date(`${s0}T00:00:00+08:00`).getTime() === d.getTime() ? s0 : day(new Date(d.getTime() + 86_400_000)); };
      if (b.from) q = q.where(sql<boolean>`p.birth_date >= ${startOf(b.from)}::date`);
      if (b.to) q = q.where(sql<boolean>`p.birth_date < ${startOf(b.to)}::date`);
    }
    const rows = await q.select('p.id').orderBy(sql`p.name COLLATE "C"`).orderBy('p.id').limit(s.count + 1).offset(s.offset).execute();
    const page = pageOf(rows, s.count);
    const ids = page.rows.map((r) => r.id);
    await audit(db, actorOf(caller), {
      action: 'patient.search', objectType: 'patient',
      detail: { kind: 'fhir', params: [...s.params.keys()], ...(name && classifyQuery(name).kind !== 'none' ? { q: name } : {}), shown: ids },
    });
    // REST lists mask the resident ID and phone and a full record is an audited read; a FHIR searchset carries full
    // records, so each one shown is audited as read.
    for (const pid of ids) await audit(db, actorOf(caller), { action: 'patient.read', objectType: 'patient', objectId: pid, patientId: pid, detail: { via: 'fhir_search' } });
    return { resources: await loadMany(db, ids), hasMore: page.hasMore };
  },

  /**
   * Conditional matches by resident ID (`identifier=urn:oid:2.16.156.10011.1.3|…`) of many tokens in one query, as
   * the search answers each — the same permission, the same `patient.search` entry and `patient.read` entries for
   * what it shows. Other tokens, several matches (412) and a refused search are left to the search.
   */
  async matchIdentifiers({ db, caller }, tokens) {
    const out = new Map<string, { identifier: string; id: string | null }>();
    if (!can(caller, 'patient.search')) return out;
    const ids = new Map<string, string>();
    for (const token of tokens) {
      const t = tokenValue(token);
      if (t.system === IDENTIFIER_SYSTEM.residentId && t.code) ids.set(token, t.code.toUpperCase());
    }
    if (!ids.size) return out;
    const rows = await db.selectFrom('patient').select(['id', 'resident_id']).where('status', '=', 'active')
      .where('resident_id', 'in', [...new Set(ids.values())]).execute();
    for (const [token, rid] of ids) {
      const found = rows.filter((r) => r.resident_id === rid).map((r) => r.id);
      if (found.length > 1) continue;
      await audit(db, actorOf(caller), { action: 'patient.search', objectType: 'patient', detail: { kind: 'fhir', params: ['identifier'], shown: found } });
      for (const pid of found) await audit(db, actorOf(caller), { action: 'patient.read', objectType: 'patient', objectId: pid, patientId: pid, detail: { via: 'fhir_search' } });
      out.set(token, { identifier: rid, id: found[0] ?? null });
    }
    return out;
  },

  async create({ db, caller }, body) {
    await guard(db, caller, 'patient.create');
    const r = parseResource('Patient', body, incoming);
    const input = await toInput(db, caller, r);
    const d = await patientFields(() => createPatient(joinTransaction(db), actorOf(caller), input));
    return { resource: await fromDetail(db, d), replayed: null };
  },

  /**
   * Transaction Bundles: a new patient checked and mapped as create() does (permission, identifiers, the service's
   * checks that need no database), then written with the Bundle's other new patients by createPatients (resident
   * IDs and likely duplicates checked in one query, one INSERT; one by one as createPatient whenever a batch is not
   * the plain case). The answer is the id and meta only, unless `representation`.
   */
  async prepareCreate({ db, caller }: FhirContext, body: unknown): Promise<PreparedCreate> {
    await guard(db, caller, 'patient.create');
    const r = parseResource('Patient', body, incoming);
    const input = await toInput(db, caller, r);
    const checked = await patientFields(async () => newPatientValues(input));
    checkedInputs.set(input, checked);
    const id = randomUUID();
    const { values } = checked;
    return { patientId: id, input, id, identifier: values.resident_id };
  },

  async createMany({ db, caller }: FhirContext, items: PreparedCreate[], representation: boolean): Promise<Resource[]> {
    if (!db.isTransaction) throw new Error('createMany runs in a transaction');
    let created: PatientDetail[];
    try {
      created = await createPatients(db as unknown as Tx, actorOf(caller), items.map((p) => ({ input: p.input as PatientInput, id: p.id, checked: checkedInputs.get(p.input) })));
    } catch (err) {
      if (err instanceof PatientBatchError) throw new EntryBatchError(err.index, patientPath(err.error));
      throw err;
    }
    if (!representation) return created.map((d) => ({ resourceType: 'Patient', id: d.id, meta: { lastUpdated: new Date(d.updatedAt).toISOString() } }) as Resource);
    const codes = await codesOf(db, created.flatMap((d) => d.identifiers.map((i) => i.institutionId)));
    return created.map((d) => toPatient(d, codes));
  },

  async update({ db, caller }, id, body) {
    await guard(db, caller, 'patient.update', { patientId: id });
    const r = parseResource('Patient', body, incoming.extend({ id: z.string('须提供与地址一致的 id / id is required and must match the URL') }));
    if (r.id.toLowerCase() !== id) throw invalid('id_mismatch', 'Patient.id 须与地址中的 id 一致', 'Patient.id must equal the id in the URL', 'Patient.id');
    const input = await toInput(db, caller, { ...r, identifier: (r.identifier ?? []).filter((i) => i.system === IDENTIFIER_SYSTEM.residentId) });
    // A full update: what the resource leaves out is cleared — except the resident ID, which FHIR cannot remove.
    const { localNumber: _l, confirmNotDuplicate: _c, residentId, ...rest } = input;
    const d = await patientFields(() => updatePatient(joinTransaction(db), actorOf(caller), id, {
      ...rest, phone: rest.phone ?? null, address: rest.address ?? null, regionCode: rest.regionCode ?? null,
      ...(residentId ? { residentId } : {}),
    }));
    return fromDetail(db, d);
  },
};

/** The resident IDs an incoming Patient states (as stored: upper case). */
export function residentIdsOf(resource: unknown): string[] {
  const ids = (resource as { identifier?: { system?: unknown; value?: unknown }[] } | null)?.identifier;
  return Array.isArray(ids) ? ids.filter((i) => i?.system === IDENTIFIER_SYSTEM.residentId && typeof i.value === 'string').map((i) => (i.value as string).toUpperCase()) : [];
}

/** Patients by id (search results: the page's rows with their local numbers), in the order given. */
async function loadMany(db: Db, ids: string[]): Promise<Patient[]> {
  if (!ids.length) return [];
  const [rows, idents] = await Promise.all([
    db.selectFrom('patient').selectAll().where('id', 'in', ids).execute(),
    db.selectFrom('patient_identifier as i').innerJoin('institution as n', 'n.id', 'i.institution_id')
      .select(['i.id', 'i.patient_id', 'i.institution_id as institutionId', 'n.name as institutionName', 'n.code', 'i.kind', 'i.value', 'i.created_at as createdAt'])
      .where('i.patient_id', 'in', ids).orderBy('i.created_at').orderBy('i.id').execute(),
  ]);
  const codes = new Map(idents.map((i) => [i.institutionId, i.code]));
  const byId = new Map(rows.map((p) => [p.id, p]));
  return ids.map((id) => byId.get(id)!).filter(Boolean).map((p) => toPatient({
    id: p.id, residentId: p.resident_id, name: p.name, sex: p.sex, birthDate: p.birth_date, phone: p.phone, address: p.address,
    regionCode: p.region_code, status: p.status, mergedInto: p.merged_into, updatedAt: p.updated_at,
    identifiers: idents.filter((i) => i.patient_id === p.id),
  }, codes));
}
