/**
 * Versioned entries of the shared record (电子健康档案): one generic set of operations over the seven clinical tables.
 * Every row is one version of one logical entry (`entry_id`); a correction supersedes the current version and
 * inserts the next one, so nothing is ever changed in place or deleted (the tables' triggers make sure of it).
 * Write functions take the caller's transaction: the FHIR facade and Bundle import run several in one.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, forbidden, notFound } from '@yilian/core';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Reader, Tx } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { validationError } from '../http/errors.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize, can } from '../policy/policy.js';
import { publishTopic, TOPICS_CHANNEL } from '../realtime/bus.js';
import { assertAccess, auditRead } from './access.js';
import {
  correctionInputs, entryInputs, type CorrectionInputs, type EntryInputs, type EntryKind, type EntryListQuery,
} from './schemas.js';

export type { EntryKind } from './schemas.js';

type Table = 'encounter' | 'condition' | 'allergy' | 'medication_request' | 'diagnostic_report' | 'observation' | 'document';
/** A row of any of the tables, as selected. */
type Row = Record<string, any> & { id: string; entry_id: string; version: number; patient_id: string; institution_id: string | null };

interface KindSpec {
  table: Table; label: { zh: string; en: string };
  /** The clinical time of an entry: what lists and the timeline order by. */
  at: string;
  /** The column whose value 'entered-in-error' withdraws the entry. */
  status: string;
  /** The column the `category` filter applies to, if any. */
  category: string | null;
  /** The column the `code` filter applies to, if any. */
  code: string | null;
  /** Kind fields of a view. */
  fields(r: Row): Record<string, unknown>;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export const KINDS: Record<EntryKind, KindSpec> = {
  encounter: {
    table: 'encounter', label: { zh: '就诊记录', en: 'Encounter' }, at: 'started_at', status: 'status', category: 'class', code: null,
    fields: (r) => ({ class: r.class, status: r.status, startedAt: r.started_at, endedAt: r.ended_at, reason: r.reason, departmentId: r.department_id, practitionerId: r.practitioner_id }),
  },
  condition: {
    table: 'condition', label: { zh: '诊断', en: 'Condition' }, at: 'recorded_at', status: 'verification_status', category: 'category', code: 'code',
    fields: (r) => ({
      codeSystem: r.code_system, code: r.code, display: r.display, category: r.category, clinicalStatus: r.clinical_status,
      verificationStatus: r.verification_status, isPrimary: r.is_primary, onsetDate: r.onset_date, note: r.note,
      encounterId: r.encounter_id, practitionerId: r.practitioner_id,
    }),
  },
  allergy: {
    table: 'allergy', label: { zh: '过敏史', en: 'Allergy' }, at: 'recorded_at', status: 'verification_status', category: 'category', code: null,
    fields: (r) => ({
      substance: r.substance, category: r.category, reaction: r.reaction, severity: r.severity, criticality: r.criticality,
      clinicalStatus: r.clinical_status, verificationStatus: r.verification_status,
    }),
  },
  medication: {
    table: 'medication_request', label: { zh: '用药医嘱', en: 'Medication' }, at: 'authored_at', status: 'status', category: null, code: 'drug_code',
    fields: (r) => ({
      drug: r.drug, drugCode: r.drug_code, dose: r.dose, route: r.route, frequency: r.frequency, days: r.days, quantity: r.quantity,
      status: r.status, authoredAt: r.authored_at, note: r.note, encounterId: r.encounter_id, practitionerId: r.practitioner_id,
    }),
  },
  report: {
    table: 'diagnostic_report', label: { zh: '检查检验报告', en: 'Diagnostic report' }, at: 'issued_at', status: 'status', category: 'category', code: 'code',
    fields: (r) => ({
      category: r.category, code: r.code, name: r.name, modality: r.modality, findings: r.findings, conclusion: r.conclusion,
      status: r.status, issuedAt: r.issued_at, encounterId: r.encounter_id, practitionerId: r.practitioner_id,
    }),
  },
  observation: {
    table: 'observation', label: { zh: '检验/观察结果', en: 'Observation' }, at: 'effective_at', status: 'status', category: 'category', code: 'code',
    fields: (r) => ({
      category: r.category, code: r.code, name: r.name, valueNum: num(r.value_num), valueText: r.value_text, unit: r.unit,
      refLow: num(r.ref_low), refHigh: num(r.ref_high), refText: r.ref_text, flag: r.flag, effectiveAt: r.effective_at, device: r.device,
      status: r.status, encounterId: r.encounter_id, reportId: r.report_id,
    }),
  },
  document: {
    table: 'document', label: { zh: '文书', en: 'Document' }, at: 'authored_at', status: 'status', category: 'kind', code: null,
    fields: (r) => ({ kind: r.kind, title: r.title, text: r.text, authoredAt: r.authored_at, status: r.status, encounterId: r.encounter_id, practitionerId: r.practitioner_id }),
  },
};

export interface AttachmentView { position: number; name: string; contentType: string; size: number }
export interface EntryView {
  /** Which of the seven kinds (named so that a document's own `kind` — discharge summary … — keeps its name). */
  entryKind: EntryKind;
  /** The entry (logical) id: the same across versions, and the FHIR resource id. */
  id: string; versionId: string; version: number; current: boolean; supersededAt: Date | null; supersededBy: string | null;
  patientId: string; institutionId: string | null; institutionName: string | null; identifier: string | null;
  recordedBy: string | null; recordedByName: string | null; recordedAt: Date;
  practitionerName?: string | null; departmentName?: string | null;
  attachments?: AttachmentView[];
  [field: string]: unknown;
}

/** Rows of one kind's table, with the names a view shows. */
const selectRows = (db: Reader, kind: EntryKind) =>
  (db.selectFrom(`${KINDS[kind].table} as e` as 'encounter as e') as unknown as SelectQueryBuilder<Database & { e: Row }, 'e', object>)
    .leftJoin('institution as inst', 'inst.id', 'e.institution_id')
    .leftJoin('user_account as rec', 'rec.id', 'e.recorded_by')
    .selectAll('e').select(['inst.name as institution_name', 'rec.display_name as recorded_by_name']).$castTo<Row>();

/** Views of rows, with practitioner and department names and (documents) attachments, in a few batched queries. */
export async function viewsOf(db: Reader, kind: EntryKind, rows: Row[]): Promise<EntryView[]> {
  if (!rows.length) return [];
  const practitionerIds = [...new Set(rows.map((r) => r.practitioner_id).filter(Boolean))] as string[];
  const departmentIds = [...new Set(rows.map((r) => r.department_id).filter(Boolean))] as string[];
  const [practitioners, departments, attachments] = await Promise.all([
    practitionerIds.length ? db.selectFrom('practitioner').select(['id', 'name']).where('id', 'in', practitionerIds).execute() : [],
    departmentIds.length ? db.selectFrom('department').select(['id', 'name']).where('id', 'in', departmentIds).execute() : [],
    kind === 'document'
      ? db.selectFrom('document_attachment').select(['document_id', 'position', 'name', 'content_type', 'size'])
        .where('document_id', 'in', rows.map((r) => r.id)).orderBy('document_id').orderBy('position').execute()
      : [],
  ]);
  const pName = new Map(practitioners.map((p) => [p.id, p.name]));
  const dName = new Map(departments.map((d) => [d.id, d.name]));
  return rows.map((r) => ({
    entryKind: kind, id: r.entry_id, versionId: r.id, version: r.version, current: r.superseded_at === null,
    supersededAt: r.superseded_at, supersededBy: r.superseded_by,
    patientId: r.patient_id, institutionId: r.institution_id, institutionName: r.institution_name ?? null, identifier: r.identifier,
    recordedBy: r.recorded_by, recordedByName: r.recorded_by_name ?? null, recordedAt: r.recorded_at,
    ...KINDS[kind].fields(r),
    ...('practitioner_id' in r ? { practitionerName: r.practitioner_id ? pName.get(r.practitioner_id) ?? null : null } : {}),
    ...('department_id' in r ? { departmentName: r.department_id ? dName.get(r.department_id) ?? null : null } : {}),
    ...(kind === 'document' ? {
      attachments: attachments.filter((a) => a.document_id === r.id)
        .map((a) => ({ position: a.position, name: a.name, contentType: a.content_type, size: Number(a.size) })),
    } : {}),
  }));
}

const viewOfVersion = async (db: Reader, kind: EntryKind, versionId: string) =>
  (await viewsOf(db, kind, [await selectRows(db, kind).where('e.id', '=', versionId).executeTakeFirstOrThrow()]))[0]!;

// ——— writing ———

/** Dates given as Date objects (the FHIR mapping) become the ISO strings the schemas take. */
const isoDates = (input: object) =>
  Object.fromEntries(Object.entries(input).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input && typeof input === 'object' && !Array.isArray(input) ? isoDates(input) : input);
  if (!r.success) throw validationError(r.error);
  return r.data;
}

const withdrawnStatus = 'entered-in-error';
const date = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));

/** The patient, if it exists and is not merged into another. */
async function livePatient(tx: Reader, patientId: string) {
  const p = await tx.selectFrom('patient').select(['id', 'status', 'merged_into']).where('id', '=', patientId).executeTakeFirst();
  if (!p) throw notFound({ zh: '患者', en: 'Patient' }, 'patientId');
  if (p.merged_into || p.status === 'merged')
    throw conflict('patient_merged', '该患者记录已被合并，请在保留的记录上操作', 'This patient record was merged; use the record it was merged into', 'patientId', { mergedInto: p.merged_into });
  return p;
}

/** A referenced encounter or report must be an entry of the same patient. */
async function checkRef(tx: Tx, table: 'encounter' | 'diagnostic_report', entryId: string | null | undefined, patientId: string, field: string) {
  if (!entryId) return;
  // Entries are never deleted and never change patient: once seen in a transaction, an entry stays valid for it.
  const known = stateOf(tx).known, key = `${table}:${entryId}:${patientId}`;
  if (known.has(key)) return;
  const hit = await tx.selectFrom(table).select('id').where('entry_id', '=', entryId).where('patient_id', '=', patientId).limit(1).executeTakeFirst();
  if (hit) known.add(key);
  if (!hit)
    throw badRequest('unknown_reference', `${field}：引用的${table === 'encounter' ? '就诊记录' : '报告'}不存在或不属于该患者`,
      `${field}: the referenced ${table === 'encounter' ? 'encounter' : 'report'} does not exist or belongs to another patient`, field);
}

/** The observation's flag from its reference range (H/L/N), when the source did not give one. */
export function flagFor(value: number | null | undefined, low: number | null | undefined, high: number | null | undefined): string | null {
  if (value === null || value === undefined || (low == null && high == null)) return null;
  if (low != null && value < low) return 'L';
  if (high != null && value > high) return 'H';
  return 'N';
}

type Parsed = { [K in EntryKind]: z.output<(typeof entryInputs)[K]> };

/** The kind's columns of a new version, after the checks that need the database. */
async function columnsOf(tx: Tx, kind: EntryKind, patientId: string, input: Parsed[EntryKind], previous: Row | null): Promise<Record<string, unknown>> {
  const i = input as Record<string, any>;
  if ('encounterId' in i) await checkRef(tx, 'encounter', i.encounterId, patientId, 'encounterId');
  switch (kind) {
    case 'encounter': {
      const e = input as Parsed['encounter'];
      if (e.endedAt && Date.parse(e.endedAt) < Date.parse(e.startedAt))
        throw badRequest('ended_before_started', 'endedAt：结束时间早于开始时间', 'endedAt: the encounter ends before it starts', 'endedAt');
      return {
        class: e.class, status: e.status, started_at: date(e.startedAt), ended_at: date(e.endedAt) ?? null, reason: e.reason ?? null,
        department_id: e.departmentId ?? null, practitioner_id: e.practitionerId ?? null,
      };
    }
    case 'condition': {
      const c = input as Parsed['condition'];
      let q = tx.selectFrom('code_system_concept').select(['system', 'code', 'display']).where('code', '=', c.code);
      if (c.codeSystem) q = q.where('system', '=', c.codeSystem);
      const concept = await q.orderBy('demo').orderBy('system').limit(1).executeTakeFirst();
      if (!concept)
        throw badRequest('unknown_code', `code：未知的诊断编码 ${c.code}${c.codeSystem ? `（${c.codeSystem}）` : ''}`, `code: unknown diagnosis code ${c.code}${c.codeSystem ? ` (${c.codeSystem})` : ''}`, 'code');
      return {
        code_system: concept.system, code: concept.code, display: c.display ?? concept.display, category: c.category,
        clinical_status: c.clinicalStatus, verification_status: c.verificationStatus, is_primary: c.isPrimary, onset_date: c.onsetDate ?? null,
        note: c.note ?? null, encounter_id: c.encounterId ?? null, practitioner_id: c.practitionerId ?? null,
        // The recorded date is clinical (FHIR recordedDate): a correction keeps it unless it gives a new one.
        recorded_at: date(c.recordedAt) ?? previous?.recorded_at,
      };
    }
    case 'allergy': {
      const a = input as Parsed['allergy'];
      return {
        substance: a.substance, category: a.category, reaction: a.reaction ?? null, severity: a.severity ?? null, criticality: a.criticality,
        clinical_status: a.clinicalStatus, verification_status: a.verificationStatus, recorded_at: date(a.recordedAt) ?? previous?.recorded_at,
      };
    }
    case 'medication': {
      const m = input as Parsed['medication'];
      return {
        drug: m.drug, drug_code: m.drugCode ?? null, dose: m.dose ?? null, route: m.route ?? null, frequency: m.frequency ?? null,
        days: m.days ?? null, quantity: m.quantity ?? null, status: m.status, authored_at: date(m.authoredAt), note: m.note ?? null,
        encounter_id: m.encounterId ?? null, practitioner_id: m.practitionerId ?? null,
      };
    }
    case 'report': {
      const r = input as Parsed['report'];
      return {
        category: r.category, code: r.code ?? null, name: r.name, modality: r.modality ?? null, findings: r.findings ?? null,
        conclusion: r.conclusion ?? null, status: r.status, issued_at: date(r.issuedAt), encounter_id: r.encounterId ?? null,
        practitioner_id: r.practitionerId ?? null,
      };
    }
    case 'observation': {
      const o = input as Parsed['observation'];
      await checkRef(tx, 'diagnostic_report', o.reportId, patientId, 'reportId');
      if ((o.valueNum === null || o.valueNum === undefined) && !o.valueText)
        throw badRequest('value_required', 'valueNum：请填写结果（数值或文字）', 'valueNum: give the result, as a number or as text', 'valueNum');
      // Name, unit and reference range default from the lab catalogue (the range only for the catalogue's unit).
      const item = (await labItems(tx, [o.code])).get(o.code);
      const unit = o.unit ?? item?.unit ?? null;
      const sameUnit = !!item && (!o.unit || o.unit === item.unit);
      const refLow = o.refLow !== undefined ? o.refLow : sameUnit ? num(item!.ref_low) : null;
      const refHigh = o.refHigh !== undefined ? o.refHigh : sameUnit ? num(item!.ref_high) : null;
      const name = o.name ?? item?.name;
      if (!name) throw badRequest('name_required', 'name：未知的项目编码，请填写项目名称', 'name: unknown item code; give the name', 'name');
      return {
        category: o.category, code: o.code, name, value_num: o.valueNum ?? null, value_text: o.valueText ?? null, unit,
        ref_low: refLow ?? null, ref_high: refHigh ?? null, ref_text: o.refText ?? null,
        flag: o.flag !== undefined ? o.flag : flagFor(o.valueNum, refLow, refHigh),
        effective_at: date(o.effectiveAt), device: o.device ?? null, status: o.status, encounter_id: o.encounterId ?? null, report_id: o.reportId ?? null,
      };
    }
    case 'document': {
      const d = input as Parsed['document'];
      return {
        kind: d.kind, title: d.title, text: d.text ?? null, authored_at: date(d.authoredAt), status: d.status,
        encounter_id: d.encounterId ?? null, practitioner_id: d.practitionerId ?? null,
      };
    }
  }
}

/** Home monitoring (家庭自测) by the patient: an observation of category home-monitoring, without an institution. */
const isHomeMonitoring = (caller: Caller, kind: EntryKind, patientId: string, input: { category?: unknown }) =>
  caller.role.role === 'patient' && kind === 'observation' && input.category === 'home-monitoring' && caller.patientId === patientId;

/** The institution an entry written by `caller` belongs to (null: the patient's own home monitoring). */
function writerInstitution(caller: Caller, kind: EntryKind, patientId: string, input: { category?: unknown }): string | null {
  if (isHomeMonitoring(caller, kind, patientId, input)) return null;
  authorize(caller, 'record.write', { institutionId: caller.role.institutionId });
  if (!caller.role.institutionId) throw forbidden('当前角色不属于任何机构，不能书写档案', 'Your current role has no institution to write the record for');
  return caller.role.institutionId;
}

/** The object without its undefined properties (a loop: it runs for every row of a Bundle's multi-row INSERTs). */
function omitUndefined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

async function announce(tx: Tx, patientId: string, kind: EntryKind, entryId: string, version: number) {
  await publishTopic(tx, `patient:${patientId}`, { type: 'record.changed', kind, id: entryId, version });
}

/**
 * What a transaction of writes has learnt so far (one caller per transaction; a patient does not get merged and
 * access is not withdrawn inside it, entries are never deleted): the checks that passed, the entries known to exist
 * (`table:entry_id:patient_id`), the patients the caller's institution saw in it (an encounter written: a care
 * relationship), and the lab catalogue items looked up. An import of many entries per patient asks once.
 */
interface TxState { passed: Set<string>; known: Set<string>; cared: Set<string>; labItems: Map<string, LabItem | undefined> }
type LabItem = { code: string; name: string; unit: string | null; ref_low: unknown; ref_high: unknown };
const states = new WeakMap<Tx, TxState>();
function stateOf(tx: Tx): TxState {
  let s = states.get(tx);
  if (!s) states.set(tx, s = { passed: new Set(), known: new Set(), cared: new Set(), labItems: new Map() });
  return s;
}
async function once(tx: Tx, key: string, check: () => Promise<unknown>) {
  const done = stateOf(tx).passed;
  if (done.has(key)) return;
  await check();
  done.add(key);
}

/** The lab catalogue's items of these codes (one query for those not looked up yet in the transaction). */
async function labItems(tx: Tx, codes: string[]): Promise<Map<string, LabItem | undefined>> {
  const cache = stateOf(tx).labItems;
  const missing = [...new Set(codes)].filter((c) => !cache.has(c));
  if (missing.length) {
    const rows = await tx.selectFrom('lab_item').select(['code', 'name', 'unit', 'ref_low', 'ref_high']).where('code', 'in', missing).execute();
    for (const c of missing) cache.set(c, rows.find((r) => r.code === c) as LabItem | undefined);
  }
  return cache;
}

/** The patients, each checked as livePatient does, in one query for those not checked yet in the transaction. */
async function livePatients(tx: Tx, patientIds: string[]): Promise<void> {
  const passed = stateOf(tx).passed;
  const ids = [...new Set(patientIds)].filter((id) => !passed.has(`live:${id}`));
  if (!ids.length) return;
  if (ids.length === 1) {
    try { await livePatient(tx, ids[0]!); } catch (err) { throw new EntryBatchError(patientIds.indexOf(ids[0]!), err); }
    passed.add(`live:${ids[0]}`);
    return;
  }
  const rows = await tx.selectFrom('patient').select(['id', 'status', 'merged_into']).where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const id of ids) {
    const p = byId.get(id);
    if (!p) throw new EntryBatchError(patientIds.indexOf(id), notFound({ zh: '患者', en: 'Patient' }, 'patientId'));
    if (p.merged_into || p.status === 'merged')
      throw new EntryBatchError(patientIds.indexOf(id), conflict('patient_merged', '该患者记录已被合并，请在保留的记录上操作',
        'This patient record was merged; use the record it was merged into', 'patientId', { mergedInto: p.merged_into }));
    passed.add(`live:${id}`);
  }
}

/** The write of item `index` of a batch failed with `error` (what a single write would have thrown). */
export class EntryBatchError extends Error {
  constructor(readonly index: number, readonly error: unknown) { super(error instanceof Error ? error.message : String(error)); }
}

/** One new entry of a batch: the patient, the input, and optionally the id to give it (known before it is written). */
export interface NewEntry<K extends EntryKind> { patientId: string; input: EntryInputs[K]; id?: string }
/** What a batch write reports of each entry (version 1), without reading it back. */
export interface CreatedEntry { id: string; version: 1; patientId: string; institutionId: string | null; recordedAt: Date }

/** Rows per multi-row INSERT (PostgreSQL takes at most 65,535 parameters per statement). */
const INSERT_CHUNK = 500;
/** NOTIFY payloads are limited to 8000 bytes: the ids of one live notice stay below that. */
const IDS_PER_NOTICE = 150;

/**
 * New entries of one kind (version 1 each) at the caller's institution, with the same checks, audit entries and
 * live notices as createEntry, written together: the patients are checked in one query, access is decided once per
 * patient, the lab items are looked up once, the rows go in one multi-row INSERT, and the live notices (one per
 * patient) in one statement. Nothing is read back. A failure is an EntryBatchError naming the item.
 */
export async function createEntries<K extends EntryKind>(tx: Tx, caller: Caller, kind: K, items: NewEntry<K>[]): Promise<CreatedEntry[]> {
  if (!items.length) return [];
  const state = stateOf(tx);
  const spec = KINDS[kind];
  const each = async <T>(f: (item: NewEntry<K>, i: number) => Promise<T> | T): Promise<T[]> => {
    const out: T[] = [];
    for (let i = 0; i < items.length; i++) {
      try { out.push(await f(items[i]!, i)); } catch (err) { throw err instanceof EntryBatchError ? err : new EntryBatchError(i, err); }
    }
    return out;
  };
  const parsed = await each((it) => parse(entryInputs[kind] as z.ZodType, it.input) as Parsed[K]);
  const institutions = await each((it, i) => writerInstitution(caller, kind, it.patientId, parsed[i] as { category?: unknown }));
  await livePatients(tx, items.map((it) => it.patientId));
  // Seeing the patient (an encounter) is what starts a care relationship; everything else is written into a record
  // the caller may read — so writing cannot be used to open a record (e.g. by filing a consent scan).
  if (kind !== 'encounter' && caller.role.role !== 'patient')
    await each(async (it) => {
      // An encounter the caller's institution wrote in this transaction is a care relationship (the first fact
      // decideAccess looks for), so the decision is known without asking the database.
      if (state.cared.has(it.patientId) && can(caller, 'record.read', { patientId: it.patientId })) return;
      await once(tx, `access:${it.patientId}:${kind}`, () => assertAccess(tx, caller, it.patientId, kind));
    });
  if (kind === 'observation') await labItems(tx, parsed.map((p) => (p as Parsed['observation']).code));
  const columns = await each((it, i) => columnsOf(tx, kind, it.patientId, parsed[i]!, null));
  const rows = items.map((it, i) => {
    const id = it.id ?? randomUUID();
    return omitUndefined({
      ...columns[i], id, entry_id: id, version: 1, patient_id: it.patientId, institution_id: institutions[i],
      identifier: parsed[i]!.identifier ?? null, recorded_by: caller.userId,
    });
  });
  const stored: { id: string; recorded_at: Date }[] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK)
    stored.push(...await (tx.insertInto(spec.table as 'encounter') as any).values(rows.slice(i, i + INSERT_CHUNK)).returning(['id', 'recorded_at']).execute());
  const recordedAt = new Map(stored.map((r) => [r.id, r.recorded_at]));
  const created = rows.map((r, i): CreatedEntry => ({
    id: r.id as string, version: 1, patientId: items[i]!.patientId, institutionId: institutions[i]!, recordedAt: recordedAt.get(r.id as string)!,
  }));
  for (const c of created) {
    if (kind === 'encounter' || kind === 'report') state.known.add(`${spec.table}:${c.id}:${c.patientId}`);
    if (kind === 'encounter' && c.institutionId && c.institutionId === caller.role.institutionId) state.cared.add(c.patientId);
  }
  // One audit entry per patient (and institution): a single entry names it as objectId, as createEntry always did;
  // several are listed in detail.ids (objectId null).
  const groups = new Map<string, CreatedEntry[]>();
  for (const c of created) {
    const key = `${c.patientId}:${c.institutionId}`;
    const g = groups.get(key);
    if (g) g.push(c); else groups.set(key, [c]);
  }
  for (const g of groups.values()) {
    const { patientId, institutionId } = g[0]!;
    await audit(tx, actorOf(caller), g.length === 1
      ? { action: `record.${kind}.create`, objectType: kind, objectId: g[0]!.id, patientId, detail: { version: 1, institutionId } }
      : { action: `record.${kind}.create`, objectType: kind, objectId: null, patientId, detail: { version: 1, institutionId, count: g.length, ids: g.map((c) => c.id) } });
  }
  await announceMany(tx, kind, created);
  return created;
}

/**
 * The live notices of new entries: per patient one `record.changed` — as announce() for a single entry, else
 * naming the entries (`ids`) — all sent by one statement.
 */
async function announceMany(tx: Tx, kind: EntryKind, created: CreatedEntry[]) {
  const byPatient = new Map<string, string[]>();
  for (const c of created) {
    const ids = byPatient.get(c.patientId);
    if (ids) ids.push(c.id); else byPatient.set(c.patientId, [c.id]);
  }
  const payloads: string[] = [];
  for (const [patientId, ids] of byPatient) {
    const topic = `patient:${patientId}`;
    if (ids.length === 1) { payloads.push(JSON.stringify({ topic, event: { type: 'record.changed', kind, id: ids[0], version: 1 } })); continue; }
    for (let i = 0; i < ids.length; i += IDS_PER_NOTICE)
      payloads.push(JSON.stringify({ topic, event: { type: 'record.changed', kind, id: ids[i], ids: ids.slice(i, i + IDS_PER_NOTICE), version: 1 } }));
  }
  if (payloads.length === 1) { await sql`SELECT pg_notify(${TOPICS_CHANNEL}, ${payloads[0]})`.execute(tx); return; }
  await sql`SELECT pg_notify(${TOPICS_CHANNEL}, p) FROM jsonb_array_elements_text(${JSON.stringify(payloads)}::jsonb) AS p`.execute(tx);
}

/** A new entry (version 1) at the caller's institution. */
export async function createEntry<K extends EntryKind>(tx: Tx, caller: Caller, kind: K, patientId: string, input: EntryInputs[K]): Promise<EntryView> {
  let created: CreatedEntry[];
  try { created = await createEntries(tx, caller, kind, [{ patientId, input }]); } catch (err) { throw err instanceof EntryBatchError ? err.error : err; }
  return viewOfVersion(tx, kind, created[0]!.id);
}

/** Views of entries by version id (the batch's read-back, when a caller needs the stored entries), in that order. */
export async function viewsOfVersions(db: Reader, kind: EntryKind, versionIds: string[]): Promise<EntryView[]> {
  if (!versionIds.length) return [];
  const rows = await selectRows(db, kind).where('e.id', 'in', versionIds).execute();
  const views = await viewsOf(db, kind, rows);
  const byId = new Map(views.map((v) => [v.versionId, v]));
  return versionIds.map((id) => byId.get(id)!);
}

/**
 * A correction: the full new content of the entry as `version + 1`; the current version is marked superseded (the
 * only change the tables allow). 409 `version_conflict` when `version` is not the current one. Withdrawing an entry
 * is a correction to status `entered-in-error`.
 */
export async function correctEntry<K extends EntryKind>(tx: Tx, caller: Caller, kind: K, entryId: string, input: CorrectionInputs[K]): Promise<EntryView> {
  const parsed = parse(correctionInputs[kind] as z.ZodType, input) as Parsed[K] & { version: number };
  const spec = KINDS[kind];
  const current = await (tx.selectFrom(spec.table as 'encounter').selectAll() as any)
    .where('entry_id', '=', entryId).where('superseded_at', 'is', null).forUpdate().executeTakeFirst() as Row | undefined;
  if (!current) throw notFound(spec.label, 'entryId');
  if (current.institution_id === null) {
    // Home monitoring: only the patient corrects their own readings, and they stay home monitoring.
    if (!isHomeMonitoring(caller, kind, current.patient_id, parsed as { category?: unknown }))
      throw forbidden('家庭自测记录只能由患者本人更正', 'Home-monitoring readings are corrected by the patient only');
  } else {
    authorize(caller, 'record.write', { institutionId: current.institution_id });
  }
  if (parsed.version !== current.version)
    throw conflict('version_conflict', `该记录已被修改（当前为第 ${current.version} 版），请刷新后再更正`,
      `The entry has changed since you read it (current version ${current.version}); reload and correct again`, 'version', { currentVersion: current.version });
  await livePatient(tx, current.patient_id);
  if (caller.role.role !== 'patient') await assertAccess(tx, caller, current.patient_id, kind);
  const columns = await columnsOf(tx, kind, current.patient_id, parsed, current);
  const id = randomUUID();
  const version = current.version + 1;
  await (tx.updateTable(spec.table as 'encounter') as any).set({ superseded_at: new Date(), superseded_by: id }).where('id', '=', current.id).execute();
  await (tx.insertInto(spec.table as 'encounter') as any).values(omitUndefined({
    ...columns, id, entry_id: entryId, version, patient_id: current.patient_id, institution_id: current.institution_id,
    identifier: parsed.identifier ?? null, recorded_by: caller.userId,
  })).execute();
  // Attachments stay with the document: the new version lists the same files.
  if (kind === 'document')
    await sql`INSERT INTO document_attachment (document_id, position, file_sha256, name, content_type, size)
      SELECT ${id}, position, file_sha256, name, content_type, size FROM document_attachment WHERE document_id = ${current.id}`.execute(tx);
  const withdrawn = (columns[spec.status] ?? null) === withdrawnStatus;
  await audit(tx, actorOf(caller), {
    action: `record.${kind}.correct`, objectType: kind, objectId: entryId, patientId: current.patient_id,
    detail: { version, previousVersion: current.version, ...(withdrawn ? { withdrawn: true } : {}) },
  });
  await announce(tx, current.patient_id, kind, entryId, version);
  return viewOfVersion(tx, kind, id);
}

/** The current version of the entry a source system knows by `identifier` at an institution (idempotent imports). */
export async function findCurrentByIdentifier(db: Reader, kind: EntryKind, institutionId: string, identifier: string): Promise<EntryView | null> {
  const row = await selectRows(db, kind).where('e.institution_id', '=', institutionId).where('e.identifier', '=', identifier)
    .where('e.superseded_at', 'is', null).executeTakeFirst();
  return row ? (await viewsOf(db, kind, [row]))[0]! : null;
}

// ——— reading (every read is checked against record access and audited) ———

/** One entry: its current version, or the version asked for. */
export async function getEntry(db: Reader, caller: Caller, kind: EntryKind, entryId: string, opts: { version?: number } = {}): Promise<EntryView> {
  let q = selectRows(db, kind).where('e.entry_id', '=', entryId);
  q = opts.version === undefined ? q.where('e.superseded_at', 'is', null) : q.where('e.version', '=', opts.version);
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(KINDS[kind].label, opts.version === undefined ? 'entryId' : 'version');
  const access = await assertAccess(db, caller, row.patient_id, kind);
  const [view] = await viewsOf(db, kind, [row]);
  await auditRead(db, caller, row.patient_id, access, { kind, objectType: kind, objectId: entryId, detail: { version: row.version } });
  return view!;
}

/** Every version of one entry, oldest first. */
export async function entryHistory(db: Reader, caller: Caller, kind: EntryKind, entryId: string): Promise<{ total: number; items: EntryView[] }> {
  const rows = await selectRows(db, kind).where('e.entry_id', '=', entryId).orderBy('e.version').execute();
  if (!rows.length) throw notFound(KINDS[kind].label, 'entryId');
  const access = await assertAccess(db, caller, rows[0]!.patient_id, kind);
  const items = await viewsOf(db, kind, rows);
  await auditRead(db, caller, rows[0]!.patient_id, access, { kind, objectType: kind, objectId: entryId, detail: { history: true } });
  return { total: items.length, items };
}

/** China Standard Time: a bare date means that whole day there. */
export function lowerBound(v: string): Date { return new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00+08:00` : v); }
/** Exclusive upper bound: the day after a bare date, just after an instant. */
export function upperBound(v: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return new Date(Date.parse(`${v}T00:00:00+08:00`) + 86_400_000);
  return new Date(Date.parse(v) + 1);
}

export type ListFilters = Partial<Omit<EntryListQuery, 'limit' | 'offset'>> & { limit?: number; offset?: number };

/**
 * The ids whose entries make up a patient's record: the patient, and the records merged into it (their entries
 * stay where they were written — versions are never rewritten — and are read through the survivor).
 */
export async function recordPatientIds(db: Reader, patientId: string): Promise<string[]> {
  const merged = await db.selectFrom('patient').select('id').where('merged_into', '=', patientId).execute();
  return [patientId, ...merged.map((m) => m.id)];
}

/** The patient's entries of one kind, newest first: current versions (old versions too with includeSuperseded). */
export async function listEntries(db: Reader, caller: Caller, kind: EntryKind, patientId: string, filters: ListFilters = {}): Promise<{ total: number; items: EntryView[] }> {
  const access = await assertAccess(db, caller, patientId, kind);
  const spec = KINDS[kind];
  const col = (c: string) => `e.${c}` as 'e.id';
  let q = selectRows(db, kind).where('e.patient_id', 'in', await recordPatientIds(db, patientId));
  if (!filters.includeSuperseded) q = q.where('e.superseded_at', 'is', null);
  if (!filters.includeWithdrawn) q = q.where(col(spec.status), 'is distinct from', withdrawnStatus);
  if (filters.institutionId) q = q.where('e.institution_id', '=', filters.institutionId);
  if (filters.encounterId && kind !== 'encounter' && kind !== 'allergy') q = q.where(col('encounter_id'), '=', filters.encounterId);
  if (filters.category) {
    if (!spec.category) throw badRequest('filter_not_supported', `category：${spec.label.zh}不能按类别筛选`, `category: ${spec.label.en} entries have no category`, 'category');
    q = q.where(col(spec.category), '=', filters.category);
  }
  if (filters.code) {
    if (!spec.code) throw badRequest('filter_not_supported', `code：${spec.label.zh}不能按编码筛选`, `code: ${spec.label.en} entries have no code`, 'code');
    q = q.where(col(spec.code), '=', filters.code);
  }
  if (filters.from) q = q.where(col(spec.at), '>=', lowerBound(filters.from) as never);
  if (filters.to) q = q.where(col(spec.at), '<', upperBound(filters.to) as never);
  const limit = filters.limit ?? 50, offset = filters.offset ?? 0;
  const [rows, total] = await Promise.all([
    q.orderBy(col(spec.at), 'desc').orderBy('e.entry_id').orderBy('e.version', 'desc').limit(limit).offset(offset).execute(),
    q.clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const items = await viewsOf(db, kind, rows);
  await auditRead(db, caller, patientId, access, { kind, detail: { count: items.length } });
  return { total: Number(total.n), items };
}
