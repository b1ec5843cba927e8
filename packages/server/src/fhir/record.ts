/**
 * The shared record's entries as FHIR resources (Encounter, Condition, AllergyIntolerance, MedicationRequest,
 * Observation, DiagnosticReport, DocumentReference): one module factory over record/entries.ts. The resource id is
 * the entry (logical) id, meta.versionId its version.
 *
 * - read: getEntry (record access check + `record.read` audit, as REST).
 * - search: SQL on the entry's table (current versions) for the FHIR parameters, with the access check per patient
 *   before anything is returned (assertAccess: 403 record_access_denied + a denied audit entry, as REST) and one
 *   `record.read` audit entry per patient and search (auditRead, as listEntries writes it).
 * - create: createEntry at the caller's institution; update (PUT): correctEntry with the current version, or
 *   nothing when the content is unchanged (so a re-sent import makes no new version).
 */
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { AppError, notFound } from '@yilian/core';
import type { SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import { inTx, type Reader, type Tx } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Caller } from '../http/context.js';
import { assertAccess, auditRead } from '../record/access.js';
import {
  correctEntry, createEntries, createEntry, EntryBatchError, findCurrentByIdentifier, getEntry, viewsOf, viewsOfVersions, type EntryView,
} from '../record/entries.js';
import { entryInputs, type EntryInputs, type EntryKind } from '../record/schemas.js';
import { CANONICAL, EXTENSION, IDENTIFIER_SYSTEM } from './codes.js';
import { refId, tokenValue } from './mapping.js';
import { invalid } from './outcome.js';
import { parseResource, type FhirContext, type PreparedCreate, type ResourceModule } from './resource.js';
import { baseUrl, dateBounds, isUuid, pageOf, referenceId, single, type SearchParamDef, type SearchRequest } from './search.js';

export type EntryTable = 'encounter' | 'condition' | 'allergy' | 'medication_request' | 'diagnostic_report' | 'observation' | 'document';
type Row = Record<string, any> & { id: string; entry_id: string; version: number; patient_id: string; institution_id: string | null };
type Query = SelectQueryBuilder<Database & { e: Row }, 'e', object>;

/** What a mapping needs besides the view: institution codes (identifiers), the base URL (attachment links). */
export interface MapContext { base: string; apiBase: string; codes: Map<string, string>; extra: Map<string, unknown> }

export interface ClinicalSpec<T extends Resource, K extends EntryKind> {
  type: T['resourceType']; kind: K; table: EntryTable; label: { zh: string; en: string }; documentation: string;
  /** The status column (withdrawn = entered-in-error) and the date parameters → columns. */
  statusColumn: string;
  dates: Record<string, { column: string; documentation: string }>;
  /** Token parameters of the type: the SQL condition for one value, or null when it can match nothing. */
  tokens: Record<string, { documentation: string; where(q: Query, v: string): Query | null }>;
  /** Does the table have encounter_id (the `encounter` parameter)? */
  hasEncounter: boolean;
  /** REST field → FHIRPath, for the service's errors. */
  paths: Record<string, string>;
  /** Extra data for a page of views (lab item LOINC codes, report results …). */
  prepare?(db: Reader, views: EntryView[]): Promise<Map<string, unknown>>;
  toFhir(v: EntryView, m: MapContext): T;
  /** The service input from the resource (the patient reference resolved by the caller of fromFhir). */
  fromFhir(r: any, db: Reader): Promise<Record<string, unknown>>;
  /** After a create or update in the same transaction (DiagnosticReport links its result Observations). */
  afterWrite?(tx: Tx, caller: Caller, view: EntryView, r: any): Promise<void>;
}

// ——— identifiers: the `identifier` column holds `system|value` when the source gave a system, else the value ———

export function identifierOf(stored: string | null, institutionCode: string | undefined) {
  if (!stored) return undefined;
  const i = stored.lastIndexOf('|');
  if (i > 0) return [{ system: stored.slice(0, i), value: stored.slice(i + 1) }];
  return [{ system: IDENTIFIER_SYSTEM.source(institutionCode ?? 'unknown'), value: stored }];
}

/** The stored form of an incoming identifier list (the first one), or undefined. Ours (…/sid/source/…) is the bare value. */
export function storedIdentifier(ids: { system?: string; value?: string }[] | undefined, path: string): string | undefined {
  const id = ids?.find((i) => i.value);
  if (!id) return undefined;
  const stored = id.system && !id.system.startsWith(`${CANONICAL}/sid/source/`) ? `${id.system}|${id.value}` : id.value!;
  if (stored.length > 100) throw invalid('validation', `${path}：system 与 value 合计不超过100个字符`, `${path}: system and value together take at most 100 characters`, path);
  return stored;
}

function identifierWhere(q: Query, value: string): Query {
  const t = tokenValue(value);
  if (t.system?.startsWith(`${CANONICAL}/sid/source/`)) {
    const code = t.system.slice(`${CANONICAL}/sid/source/`.length);
    return q.where('e.identifier', '=', t.code).where('e.institution_id', 'in', (eb: any) => eb.selectFrom('institution').select('id').where('code', '=', code));
  }
  if (t.system) return q.where('e.identifier', '=', `${t.system}|${t.code}`);
  return q.where((eb) => eb.or([eb('e.identifier', '=', t.code), eb('e.identifier', 'like', `%|${t.code.replace(/[\\%_]/g, (c) => `\\${c}`)}`)]));
}

// ——— shared pieces of mappings ———

export const versionMeta = (v: EntryView) => ({ versionId: String(v.version), lastUpdated: new Date(v.recordedAt).toISOString() });
export const subjectRef = (v: EntryView) => ({ reference: `Patient/${v.patientId}` });
export const institutionRef = (v: EntryView) => (v.institutionId ? { reference: `Organization/${v.institutionId}`, ...(v.institutionName ? { display: v.institutionName } : {}) } : undefined);
export const practitionerRef = (v: EntryView) => (v.practitionerId ? { reference: `Practitioner/${v.practitionerId}`, ...(v.practitionerName ? { display: v.practitionerName as string } : {}) } : undefined);
export const encounterRef = (v: EntryView) => (v.encounterId ? { reference: `Encounter/${v.encounterId}` } : undefined);
export const versionExtension = (v: EntryView) => ({ url: EXTENSION.entryVersion, valueInteger: v.version });

/** The patient an incoming resource is about (`subject` or `patient`), as an id. */
export function patientOf(r: any, type: string, element: 'subject' | 'patient' = 'subject'): string {
  return refId(r?.[element]?.reference, ['Patient'], `${type}.${element}`, { zh: '患者', en: 'Patient' });
}
export const optionalRef = (ref: { reference?: string } | undefined, types: string[], path: string, label: { zh: string; en: string }) =>
  ref?.reference ? refId(ref.reference, types, path, label) : undefined;

/** The service's field names become FHIRPaths in the errors under /fhir. */
function pathed(paths: Record<string, string>, type: string, e: unknown): unknown {
  if (e instanceof AppError && e.field && !/^[A-Z]/.test(e.field)) {
    const path = paths[e.field] ?? paths[e.field.split('.')[0]!] ?? type;
    return new AppError(e.status, e.code, e.zh.replace(/^[A-Za-z.]+：/, `${path}：`), e.en.replace(/^[A-Za-z.]+:/, `${path}:`), path, e.details);
  }
  return e;
}
async function withPaths<T>(paths: Record<string, string>, type: string, f: () => Promise<T>): Promise<T> {
  try { return await f(); } catch (e) { throw pathed(paths, type, e); }
}

const sameValue = (a: unknown, b: unknown): boolean => {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a instanceof Date || b instanceof Date) return Date.parse(String(a instanceof Date ? a.toISOString() : a)) === Date.parse(String(b instanceof Date ? b.toISOString() : b));
  if (typeof a === 'string' && typeof b === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(a) && /^\d{4}-\d{2}-\d{2}T/.test(b)) return Date.parse(a) === Date.parse(b);
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return a === b;
};

/** True when every field the incoming input states equals the current version's (fields left out have no say). */
export function unchanged(current: EntryView, input: Record<string, unknown>): boolean {
  return Object.entries(input).every(([k, v]) => v === undefined || sameValue(k === 'recordedAt' ? current.recordedAt : current[k], v));
}

/** The element checks are the mapping's (built once: a zod schema compiles itself on first use). */
const anyObject = z.looseObject({});

export function clinicalModule<T extends Resource, K extends EntryKind>(spec: ClinicalSpec<T, K>): ResourceModule<T> {
  const common: SearchParamDef[] = [
    { name: 'patient', type: 'reference', documentation: 'Patient/<id> (or `subject`): required unless _id or identifier is given' },
    { name: 'subject', type: 'reference', documentation: 'Patient/<id>, as `patient`' },
    { name: '_id', type: 'token', documentation: 'the entry id' },
    { name: 'identifier', type: 'token', documentation: 'the source system\'s id: system|value (as sent), or value' },
    { name: 'status', type: 'token', documentation: 'the status code; entered-in-error (withdrawn) entries are listed only when asked for' },
    ...(spec.hasEncounter ? [{ name: 'encounter', type: 'reference' as const, documentation: 'Encounter/<id>' }] : []),
    ...Object.entries(spec.dates).map(([name, d]) => ({ name, type: 'date' as const, documentation: `${d.documentation}; prefixes eq, ge, gt, le, lt; repeat to AND` })),
    ...Object.entries(spec.tokens).map(([name, d]) => ({ name, type: 'token' as const, documentation: d.documentation })),
  ];

  const select = (db: Reader): Query => (db.selectFrom(`${spec.table} as e` as 'encounter as e') as unknown as Query)
    .leftJoin('institution as inst', 'inst.id', 'e.institution_id' as never)
    .leftJoin('user_account as rec', 'rec.id', 'e.recorded_by' as never)
    .selectAll('e').select(['inst.name as institution_name', 'rec.display_name as recorded_by_name'] as never) as unknown as Query;

  async function mapContext(db: Reader, req: FhirContext['req'], views: EntryView[]): Promise<MapContext> {
    const instIds = [...new Set(views.map((v) => v.institutionId).filter((x): x is string => !!x))];
    const codes = new Map(instIds.length ? (await db.selectFrom('institution').select(['id', 'code']).where('id', 'in', instIds).execute()).map((i) => [i.id, i.code]) : []);
    const base = baseUrl(req);
    return { base, apiBase: base.replace(/\/fhir$/, '/api/v1'), codes, extra: spec.prepare ? await spec.prepare(db, views) : new Map() };
  }
  const toResources = async (db: Reader, req: FhirContext['req'], views: EntryView[]) => {
    const m = await mapContext(db, req, views);
    return views.map((v) => spec.toFhir(v, m));
  };

  /** The current version of an entry, unchecked (for writes, which check the institution themselves). */
  async function current(db: Reader, entryId: string): Promise<EntryView | null> {
    const row = await select(db).where('e.entry_id', '=', entryId).where('e.superseded_at', 'is', null).executeTakeFirst() as Row | undefined;
    return row ? (await viewsOf(db, spec.kind, [row as never]))[0]! : null;
  }

  /** The incoming resource checked and mapped: its patient and the service input (nothing written yet). */
  async function incoming(ctx: FhirContext, body: unknown) {
    const r = parseResource(spec.type, body, anyObject);
    const patientId = patientOf(r, spec.type, spec.type === 'AllergyIntolerance' ? 'patient' : 'subject');
    const input = await withPaths(spec.paths, spec.type, () => spec.fromFhir(r, ctx.db));
    const parsed = entryInputs[spec.kind].safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.');
      const path = spec.paths[field] ?? spec.paths[String(issue.path[0])] ?? spec.type;
      throw invalid('validation', `${path}：值不正确`, `${path}: ${issue.message}`, path);
    }
    return { r, patientId, input };
  }

  async function write(ctx: FhirContext, body: unknown, entryId: string | null): Promise<{ view: EntryView; changed: boolean }> {
    const { r, patientId, input } = await incoming(ctx, body);
    return inTx(ctx.db, async (tx) => withPaths(spec.paths, spec.type, async () => {
      if (entryId === null) {
        const view = await createEntry(tx, ctx.caller, spec.kind, patientId, input as EntryInputs[K]);
        await spec.afterWrite?.(tx, ctx.caller, view, r);
        return { view, changed: true };
      }
      const cur = await current(tx, entryId);
      if (!cur) throw notFound(spec.label);
      if (cur.patientId !== patientId)
        throw new AppError(422, 'patient_mismatch', `${spec.type}.subject 不能改为其他患者`, `${spec.type}: an entry cannot move to another patient`, `${spec.type}.subject`);
      let view = cur, changed = false;
      if (!unchanged(cur, input as Record<string, unknown>)) {
        // A result keeps its report unless the resource names another (the report owns the link: DiagnosticReport.result).
        const keep = spec.kind === 'observation' && (input as { reportId?: unknown }).reportId === undefined ? { reportId: cur.reportId as string | null } : {};
        view = await correctEntry(tx, ctx.caller, spec.kind, entryId, { ...input, ...keep, version: cur.version } as never);
        changed = true;
      }
      await spec.afterWrite?.(tx, ctx.caller, view, r);
      return { view, changed };
    }));
  }

  return {
    type: spec.type,
    label: spec.label,
    documentation: spec.documentation,
    searchParams: common,
    conditionalCreate: true,
    versioned: true,

    async read({ db, caller, req }, id) {
      const view = await getEntry(db, caller, spec.kind, id);
      return (await toResources(db, req, [view]))[0]!;
    },

    async search({ db, caller, req }, s: SearchRequest) {
      const empty = { resources: [], hasMore: false };
      const p = single(s, 'patient'), subj = single(s, 'subject');
      if (p !== undefined && subj !== undefined && p !== subj) return empty;
      const patientParam = p ?? subj;
      const id = single(s, '_id'), identifier = single(s, 'identifier');
      if (patientParam === undefined && id === undefined && identifier === undefined)
        throw invalid('patient_required', `检索 ${spec.type} 须指定 patient（或 _id、identifier）`, `Searching ${spec.type} needs patient (or _id, identifier)`);
      let q = select(db).where('e.superseded_at', 'is', null);
      let patientId: string | null = null;
      if (patientParam !== undefined) {
        patientId = referenceId('patient', patientParam, ['Patient']);
        if (!patientId) return empty;
      }
      // Access first, as REST: a caller without a care relationship, consent or break-glass gets 403 (audited).
      const access = patientId ? await assertAccess(db, caller, patientId, spec.kind) : null;
      if (patientId) q = q.where('e.patient_id', '=', patientId);
      if (id !== undefined) { if (!isUuid(id)) return empty; q = q.where('e.entry_id', '=', id.toLowerCase()); }
      if (identifier !== undefined) q = identifierWhere(q, identifier);
      const status = single(s, 'status');
      if (status !== undefined) q = q.where(`e.${spec.statusColumn}` as 'e.id', '=', tokenValue(status).code);
      else q = q.where(`e.${spec.statusColumn}` as 'e.id', 'is distinct from', 'entered-in-error');
      if (spec.hasEncounter) {
        const enc = single(s, 'encounter');
        if (enc !== undefined) {
          const eid = referenceId('encounter', enc, ['Encounter']);
          if (!eid) return empty;
          q = q.where('e.encounter_id' as 'e.id', '=', eid);
        }
      }
      for (const [name, d] of Object.entries(spec.dates)) {
        const values = s.params.get(name);
        if (!values) continue;
        const b = dateBounds(name, values);
        if (b.empty) return empty;
        if (b.from) q = q.where(`e.${d.column}` as 'e.id', '>=', b.from as never);
        if (b.to) q = q.where(`e.${d.column}` as 'e.id', '<', b.to as never);
      }
      for (const [name, d] of Object.entries(spec.tokens)) {
        const v = single(s, name);
        if (v === undefined) continue;
        const next = d.where(q, v);
        if (!next) return empty;
        q = next;
      }
      const at = Object.values(spec.dates)[0]!.column;
      const rows = await q.orderBy(`e.${at}` as 'e.id', 'desc').orderBy('e.entry_id').limit(s.count + 1).offset(s.offset).execute() as Row[];
      const page = pageOf(rows, s.count);
      // Without a patient parameter (by _id or identifier), every patient found is checked before anything is shown.
      const patients = [...new Set(page.rows.map((r) => r.patient_id))];
      const decisions = new Map<string, Awaited<ReturnType<typeof assertAccess>>>();
      if (access && patientId) decisions.set(patientId, access);
      for (const pid of patients) if (!decisions.has(pid)) decisions.set(pid, await assertAccess(db, caller, pid, spec.kind));
      const views = await viewsOf(db, spec.kind, page.rows as never);
      for (const [pid, d] of decisions)
        await auditRead(db, caller, pid, d, { kind: spec.kind, detail: { count: views.filter((v) => v.patientId === pid).length, channel: 'fhir' } });
      return { resources: await toResources(db, req, views), hasMore: page.hasMore };
    },

    async matchIdentifier({ db, caller }, token) {
      if (!caller.role.institutionId) return undefined;
      const t = tokenValue(token);
      const stored = storedIdentifier([{ ...(t.system ? { system: t.system } : {}), value: t.code }], `${spec.type}.identifier`);
      if (!stored) return undefined;
      return (await findCurrentByIdentifier(db, spec.kind, caller.role.institutionId, stored))?.id ?? null;
    },

    // Transaction Bundles: many creates written together (types whose writes have no follow-up of their own).
    ...(spec.afterWrite ? {} : {
      async prepareCreate(ctx: FhirContext, body: unknown): Promise<PreparedCreate> {
        const { patientId, input } = await incoming(ctx, body);
        return { patientId, input, id: randomUUID(), identifier: (input as { identifier?: string | null }).identifier ?? null };
      },
      async createMany(ctx: FhirContext, items: PreparedCreate[], representation: boolean): Promise<Resource[]> {
        if (!ctx.db.isTransaction) throw new Error('createMany runs in a transaction');
        let created;
        try {
          created = await createEntries(ctx.db as unknown as Tx, ctx.caller, spec.kind,
            items.map((p) => ({ patientId: p.patientId, input: p.input as EntryInputs[K], id: p.id })));
        } catch (err) {
          if (err instanceof EntryBatchError) throw new EntryBatchError(err.index, pathed(spec.paths, spec.type, err.error));
          throw err;
        }
        if (representation) return toResources(ctx.db, ctx.req, await viewsOfVersions(ctx.db, spec.kind, created.map((c) => c.id)));
        // A transaction-response needs only the location, version and time: nothing is read back.
        return created.map((c) => ({ resourceType: spec.type, id: c.id, meta: { versionId: '1', lastUpdated: new Date(c.recordedAt).toISOString() } }) as Resource);
      },
      async matchIdentifiers({ db, caller }: FhirContext, tokens: string[]): Promise<Map<string, { identifier: string; id: string | null }>> {
        const out = new Map<string, { identifier: string; id: string | null }>();
        if (!caller.role.institutionId || !tokens.length) return out;
        const stored = new Map<string, string>();
        for (const token of tokens) {
          const t = tokenValue(token);
          try {
            const v = storedIdentifier([{ ...(t.system ? { system: t.system } : {}), value: t.code }], `${spec.type}.identifier`);
            if (v) stored.set(token, v);
          } catch { /* left to matchIdentifier, which reports it */ }
        }
        if (!stored.size) return out;
        const rows = await (db.selectFrom(`${spec.table} as e` as 'encounter as e') as unknown as Query)
          .select(['e.entry_id', 'e.identifier'] as never).where('e.institution_id', '=', caller.role.institutionId)
          .where('e.identifier', 'in', [...new Set(stored.values())]).where('e.superseded_at', 'is', null).execute() as { entry_id: string; identifier: string }[];
        const found = new Map<string, string>();
        for (const row of rows) if (!found.has(row.identifier)) found.set(row.identifier, row.entry_id);
        for (const [token, v] of stored) out.set(token, { identifier: v, id: found.get(v) ?? null });
        return out;
      },
    }),

    async create(ctx, body) {
      const { view } = await write(ctx, body, null);
      return { resource: (await toResources(ctx.db, ctx.req, [view]))[0]!, replayed: null };
    },

    async update(ctx, id, body) {
      const r = body as { id?: unknown };
      if (typeof r?.id !== 'string' || r.id.toLowerCase() !== id)
        throw invalid('id_mismatch', `${spec.type}.id 须与地址中的 id 一致`, `${spec.type}.id must equal the id in the URL`, `${spec.type}.id`);
      const { view } = await write(ctx, body, id);
      return (await toResources(ctx.db, ctx.req, [view]))[0]!;
    },
  };
}
