/**
 * POST /fhir with a transaction Bundle: a hospital system's import (a HIS pushing the day's records) in ONE database
 * transaction — all entries or none. Entries are POST (create; conditional with `ifNoneExist`) or PUT (`Type/<id>`,
 * or conditional `Type?identifier=…`: update the match, else create), each through the same module (so the same
 * services, access rules and audit) as a single request. `urn:uuid:` fullUrls are resolved across entries (a Patient
 * created in the bundle referenced by its Observations), and so are conditional references (`Patient?identifier=…`).
 * Re-posting the same bundle changes nothing: matches are found by identifier and unchanged content writes no new
 * version. Any failure rolls everything back and is answered as an OperationOutcome naming the entry.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { AppError } from '@yilian/core';
import type { FastifyRequest } from 'fastify';
import { audit } from '../audit/audit.js';
import type { Db, Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { EXTENSION } from './codes.js';
import { matchOne } from './conditional.js';
import { residentIdsOf } from './patient.js';
import { invalid, unprocessable } from './outcome.js';
import { RESOURCES } from './registry.js';
import { EntryBatchError } from '../record/entries.js';
import type { FhirContext, PreparedCreate, ResourceModule } from './resource.js';

/** At most this many entries per Bundle (413 beyond); the body itself is limited by BUNDLE_BODY_LIMIT. */
export const MAX_ENTRIES = 10_000;
export const BUNDLE_BODY_LIMIT = 64 * 1024 * 1024;

/** The types a transaction may write: the patient index, the shared record and referrals (bookings go through Appointment). */
const TRANSACTION_TYPES = new Set(['Patient', 'Encounter', 'Condition', 'AllergyIntolerance', 'MedicationRequest', 'Observation',
  'DiagnosticReport', 'DocumentReference', 'Consent', 'ServiceRequest', 'Task']);

interface Planned {
  index: number; module: ResourceModule; method: 'POST' | 'PUT'; fullUrl?: string;
  resource: Record<string, unknown>; id?: string; criteria?: string; ifNoneExist?: string;
}

const at = (i: number, e: AppError) => {
  const path = `Bundle.entry[${i}]`;
  const field = !e.field || !/^[A-Z]/.test(e.field) ? path
    : e.field.startsWith('Bundle.entry.') ? `${path}.${e.field.slice('Bundle.entry.'.length)}`
      : `${path}.resource.${e.field.replace(/^[A-Za-z]+\.?/, '')}`.replace(/\.$/, '');
  return new AppError(e.status, e.code, `${path}：${e.zh}`, `${path}: ${e.en}`, field, e.details);
};

function plan(body: unknown): Planned[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as { resourceType?: unknown }).resourceType !== 'Bundle')
    throw invalid('not_a_bundle', '请求体须为 Bundle 资源', 'The body must be a Bundle', 'Bundle');
  const b = body as { type?: unknown; entry?: unknown };
  if (b.type !== 'transaction')
    throw unprocessable('unsupported_bundle_type', `只支持 transaction 类型的 Bundle（收到 ${String(b.type)}）`, `Only transaction Bundles are processed (got ${String(b.type)})`, 'Bundle.type');
  if (b.entry !== undefined && !Array.isArray(b.entry)) throw invalid('validation', 'Bundle.entry 须为数组', 'Bundle.entry must be an array', 'Bundle.entry');
  const entries = (b.entry ?? []) as BundleEntry[];
  if (entries.length > MAX_ENTRIES)
    throw new AppError(413, 'too_many_entries', `一个 Bundle 最多 ${MAX_ENTRIES} 个条目（收到 ${entries.length}），请分批提交`,
      `A Bundle may have at most ${MAX_ENTRIES} entries (got ${entries.length}); send it in parts`, 'Bundle.entry');
  const fullUrls = new Set<string>();
  return entries.map((e, index): Planned => {
    try {
      if (typeof e !== 'object' || e === null) throw invalid('validation', '条目须为对象', 'The entry must be an object');
      const method = e.request?.method, url = e.request?.url;
      if (typeof url !== 'string' || !url) throw invalid('validation', '缺少 request.url', 'request.url is missing', 'Bundle.entry.request.url');
      if (method !== 'POST' && method !== 'PUT')
        throw unprocessable('unsupported_method', `事务中只支持 POST 和 PUT（收到 ${String(method)}）`, `Only POST and PUT are processed in a transaction (got ${String(method)})`, 'Bundle.entry.request.method');
      const m = url.match(/^([A-Z][A-Za-z]+)(?:\/([^/?]+))?(?:\?(.*))?$/);
      const type = m?.[1];
      const module = RESOURCES.find((r) => r.type === type);
      if (!m || !module || !TRANSACTION_TYPES.has(type!))
        throw unprocessable('unsupported_type', `事务中不支持该资源：${url}`, `Not writable in a transaction: ${url}`, 'Bundle.entry.request.url');
      const resource = e.resource as Record<string, unknown> | undefined;
      if (!resource || typeof resource !== 'object') throw invalid('validation', '缺少 resource', 'resource is missing', 'Bundle.entry.resource');
      if (resource.resourceType !== type)
        throw invalid('wrong_resource_type', `resourceType 须为 ${type}（收到 ${String(resource.resourceType)}）`, `resourceType must be ${type} (got ${String(resource.resourceType)})`, 'Bundle.entry.resource');
      if (e.fullUrl) {
        if (fullUrls.has(e.fullUrl)) throw invalid('duplicate_full_url', `fullUrl 重复：${e.fullUrl}`, `Duplicate fullUrl: ${e.fullUrl}`, 'Bundle.entry.fullUrl');
        fullUrls.add(e.fullUrl);
      }
      const p: Planned = { index, module, method, ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}), resource };
      if (method === 'POST') {
        if (m[2] || m[3]) throw invalid('validation', 'POST 的 request.url 须为资源类型', 'request.url of a POST must be the resource type', 'Bundle.entry.request.url');
        if (e.request?.ifNoneExist) p.ifNoneExist = e.request.ifNoneExist;
        if (!module.create) throw unprocessable('unsupported_method', `${type} 不支持创建`, `${type} cannot be created`, 'Bundle.entry.request.method');
      } else {
        if (!module.update) throw unprocessable('unsupported_method', `${type} 不支持更新`, `${type} cannot be updated`, 'Bundle.entry.request.method');
        if (m[2] && !m[3]) p.id = m[2].toLowerCase();
        else if (!m[2] && m[3]) p.criteria = m[3];
        else throw invalid('validation', 'PUT 的 request.url 须为 Type/<id> 或 Type?条件', 'request.url of a PUT must be Type/<id> or Type?criteria', 'Bundle.entry.request.url');
      }
      return p;
    } catch (err) {
      throw err instanceof AppError ? at(index, err) : err;
    }
  });
}

/** Every `reference` string in a resource (deep). */
function references(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) { for (const x of v) if (x !== null && typeof x === 'object') references(x, out); }
  else if (v !== null && typeof v === 'object')
    // for…in over parsed JSON (own keys only): this runs for every node of every resource of a Bundle.
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (k === 'reference' && typeof x === 'string') out.push(x);
      else if (x !== null && typeof x === 'object') references(x, out);
    }
  return out;
}

/** A copy of the resource with references rewritten. */
function rewrite(v: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => rewrite(x, map));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      out[k] = k === 'reference' && typeof x === 'string' ? map(x) : x !== null && typeof x === 'object' ? rewrite(x, map) : x;
    }
    return out;
  }
  return v;
}

/**
 * A report's results that are entries of the same bundle: the link is made from the Observation's side (its
 * observation-report extension), so each result is written once, already linked, after its report.
 */
function resultsInBundle(entries: Planned[]): Map<Planned, Planned> {
  const byUrl = new Map(entries.filter((e) => e.fullUrl).map((e) => [e.fullUrl!, e]));
  const reportOf = new Map<Planned, Planned>();
  for (const e of entries) {
    if (e.module.type !== 'DiagnosticReport') continue;
    for (const r of (e.resource.result ?? []) as { reference?: string }[]) {
      const obs = r?.reference ? byUrl.get(r.reference) : undefined;
      if (obs?.module.type === 'Observation') reportOf.set(obs, e);
    }
  }
  return reportOf;
}

/** Entries in an order where each comes after the entries whose fullUrl it references (original order otherwise). */
function ordered(entries: Planned[], reportOf: Map<Planned, Planned>): Planned[] {
  const byUrl = new Map(entries.filter((e) => e.fullUrl).map((e) => [e.fullUrl!, e]));
  const deps = new Map(entries.map((e) => [e, new Set(references(e.resource).map((r) => byUrl.get(r))
    .filter((d): d is Planned => !!d && d !== e && reportOf.get(d) !== e))]));
  for (const [obs, report] of reportOf) deps.get(obs)!.add(report);
  const done = new Set<Planned>(), out: Planned[] = [];
  let first = 0; // entries before it are all done
  while (out.length < entries.length) {
    while (done.has(entries[first]!)) first++;
    let next: Planned | undefined;
    for (let i = first; i < entries.length && !next; i++) {
      const e = entries[i]!;
      if (!done.has(e) && [...deps.get(e)!].every((d) => done.has(d))) next = e;
    }
    if (!next) {
      const stuck = entries.find((e) => !done.has(e))!;
      throw at(stuck.index, invalid('reference_cycle', '条目之间的引用构成循环', 'The entries reference each other in a cycle'));
    }
    done.add(next); out.push(next);
  }
  return out;
}

interface Outcome { status: '200 OK' | '201 Created'; type: string; id: string; resource: Resource; changed: boolean }

/** The one match of conditional criteria: the module's identifier rule where it has one, else the search. */
async function match(ctx: FhirContext, m: ResourceModule, criteria: string): Promise<string | null> {
  const params = new URLSearchParams(criteria);
  const keys = [...params.keys()];
  if (m.matchIdentifier && keys.length === 1 && keys[0] === 'identifier') {
    const id = await m.matchIdentifier(ctx, params.get('identifier')!);
    if (id !== undefined) return id;
  }
  return (await matchOne(ctx, m, criteria))?.id ?? null;
}

/** The identifier token of criteria that are `identifier=<token>` alone, else undefined. */
function identifierCriteria(criteria: string | undefined): string | undefined {
  if (criteria === undefined) return undefined;
  const params = new URLSearchParams(criteria);
  const keys = [...params.keys()];
  return keys.length === 1 && keys[0] === 'identifier' ? params.get('identifier')! : undefined;
}

/** Batched creates write the entries of these kinds first, in this order: the others check their references to them. */
const WRITTEN_FIRST = ['Patient', 'Encounter'];
const writeRank = (type: string) => (WRITTEN_FIRST.includes(type) ? WRITTEN_FIRST.indexOf(type) : WRITTEN_FIRST.length);

export async function processTransaction(db: Db, caller: Caller, req: FastifyRequest, body: unknown): Promise<Bundle> {
  const entries = plan(body);
  const reportOf = resultsInBundle(entries);
  const order = ordered(entries, reportOf);
  const results = new Map<Planned, Outcome>();
  const full = /return=representation/.test(String(req.headers.prefer ?? ''));
  await db.transaction().execute(async (tx: Tx) => {
    const ctx: FhirContext = { db: tx as unknown as Db, caller, req };
    const resolved = new Map<string, string>();
    const conditionalRefs = new Map<string, string>();

    // Record entries created by the Bundle are written together, per type (one multi-row INSERT), when the next
    // entry could depend on them being in the database, and at the end. Their conditional matches by identifier are
    // looked up for the whole Bundle first, one query per type; an entry whose match an earlier entry of the Bundle
    // could have changed (same type written one by one, or the same identifier) is matched when it comes, as before.
    // Patients matched by resident ID are looked up up front the same way; the new ones are created together too
    // (identity service: createPatients), before the record entries, and before anything that could look for them
    // (a Patient written one by one, a conditional `Patient?…` reference).
    const tokens = new Map(order.map((e) => [e, e.module.matchIdentifiers ? identifierCriteria(e.method === 'POST' ? e.ifNoneExist : e.criteria) : undefined]));
    const tokenOf = (e: Planned) => tokens.get(e);
    const batchable = (e: Planned) => !!e.module.createMany && !!e.module.prepareCreate && !!caller.role.institutionId
      && (e.method === 'POST' ? !e.ifNoneExist || tokenOf(e) !== undefined : tokenOf(e) !== undefined);
    const prematched = new Map<string, Map<string, { identifier: string; id: string | null }>>();
    const tokensOf = new Map<string, Set<string>>();
    for (const e of order) {
      const token = tokenOf(e);
      if (token === undefined) continue;
      if (!tokensOf.has(e.module.type)) tokensOf.set(e.module.type, new Set());
      tokensOf.get(e.module.type)!.add(token);
    }
    for (const [type, tokens] of tokensOf) {
      const m = RESOURCES.find((x) => x.type === type)!;
      prematched.set(type, await m.matchIdentifiers!(ctx, [...tokens]));
    }
    /** Per type: written one by one in this Bundle (prematched answers no longer hold), and the identifiers written. */
    const oneByOne = new Set<string>();
    const written = new Map<string, Set<string>>();
    const pending = new Map<string, { e: Planned; prepared: PreparedCreate }[]>();
    /** Errors already naming their entry (a pending entry's, thrown while another entry was being processed). */
    const placed = new WeakSet<object>();

    /** Writes what is pending (of the given types only, when given). */
    const flush = async (only?: string[]) => {
      const types = [...pending.keys()].filter((t) => !only || only.includes(t)).sort((a, b) => writeRank(a) - writeRank(b));
      for (const type of types) {
        const items = pending.get(type)!;
        pending.delete(type);
        let out: Resource[];
        try {
          out = await items[0]!.e.module.createMany!(ctx, items.map((x) => x.prepared), full);
        } catch (err) {
          if (!(err instanceof EntryBatchError)) throw err;
          if (!(err.error instanceof AppError)) throw err.error;
          const placedError = at(items[err.index]!.e.index, err.error);
          placed.add(placedError);
          throw placedError;
        }
        items.forEach((x, i) => results.set(x.e, { status: '201 Created', type, id: x.prepared.id, resource: out[i]!, changed: true }));
      }
    };

    for (const e of order) {
      try {
        const token = tokenOf(e);
        const pre = token !== undefined && !oneByOne.has(e.module.type) ? prematched.get(e.module.type)?.get(token) : undefined;
        /** The match looked up up front, when nothing written since can have changed it. */
        const usable = pre !== undefined && !written.get(e.module.type)?.has(pre.identifier) ? pre : undefined;
        // Created together later: a batchable create whose match (none) is known and whose conditional references
        // (other than to patients) need nothing pending to be written first.
        const refs = references(e.resource);
        const readsEntries = refs.some((r) => /^[A-Z][A-Za-z]+\?/.test(r) && !r.startsWith('Patient?'));
        const deferred = batchable(e) && (token === undefined ? !oneByOne.has(e.module.type) : usable !== undefined && !usable.id) && !readsEntries;
        // Anything else may read what is pending; a Patient (the patient index: no record entries read) only the
        // pending patients.
        if (!deferred) await flush(e.module.type === 'Patient' && !readsEntries ? ['Patient'] : undefined);
        // References to entries of this bundle (fullUrl) and conditional references (Type?criteria) become Type/<id>.
        for (const r of refs) {
          const cond = r.match(/^([A-Z][A-Za-z]+)\?(.+)$/);
          if (!cond || conditionalRefs.has(r)) continue;
          const m = RESOURCES.find((x) => x.type === cond[1]);
          if (!m) throw invalid('invalid_reference', `无法解析的引用：${r}`, `Cannot resolve the reference ${r}`);
          if (pending.has(m.type)) await flush([m.type]);
          const id = await match(ctx, m, cond[2]!);
          if (!id) throw new AppError(404, 'not_found', `引用的条件没有匹配：${r}`, `No ${cond[1]} matches the reference ${r}`);
          conditionalRefs.set(r, `${cond[1]}/${id}`);
        }
        let source = e.resource;
        if (e.module.type === 'DiagnosticReport') {
          const later = new Set([...reportOf].filter(([, rep]) => rep === e).map(([obs]) => obs.fullUrl));
          source = { ...source, result: ((source.result ?? []) as { reference?: string }[]).filter((r) => !later.has(r?.reference)) };
          if (!(source.result as unknown[]).length) delete source.result;
        }
        const report = reportOf.get(e);
        if (report)
          source = { ...source, extension: [...((source.extension ?? []) as unknown[]).filter((x) => (x as { url?: string })?.url !== EXTENSION.observationReport),
            { url: EXTENSION.observationReport, valueReference: { reference: report.fullUrl } }] };
        const resource = rewrite(source, (r) => resolved.get(r) ?? conditionalRefs.get(r) ?? r) as Record<string, unknown>;
        const m = e.module;
        if (deferred) {
          const prepared = await m.prepareCreate!(ctx, resource);
          const ids = written.get(m.type) ?? new Set<string>();
          written.set(m.type, ids);
          if (prepared.identifier !== null && ids.has(prepared.identifier)) {
            // Two creates with one identifier: the second must see the first (write what is pending, match again).
            await flush();
            oneByOne.add(m.type);
          } else {
            if (prepared.identifier !== null) ids.add(prepared.identifier);
            if (!pending.has(m.type)) pending.set(m.type, []);
            pending.get(m.type)!.push({ e, prepared });
            if (e.fullUrl) resolved.set(e.fullUrl, `${m.type}/${prepared.id}`);
            continue;
          }
        }
        if (m.createMany) oneByOne.add(m.type);
        let out: Outcome;
        const existing = usable ? usable.id : e.method === 'POST'
          ? (e.ifNoneExist ? await match(ctx, m, e.ifNoneExist) : null)
          : e.criteria !== undefined ? await match(ctx, m, e.criteria) : e.id ?? null;
        if (m.type === 'Patient') {
          // An update may change a resident ID: later matches are looked up one by one again.
          if (existing) oneByOne.add(m.type);
          else written.set(m.type, new Set([...written.get(m.type) ?? [], ...residentIdsOf(resource)]));
        }
        if (e.method === 'POST' && existing) {
          out = { status: '200 OK', type: m.type, id: existing, resource: await m.read(ctx, existing), changed: false };
        } else if (existing) {
          const before = await m.read(ctx, existing);
          const after = await m.update!(ctx, existing, { ...resource, id: existing });
          out = { status: '200 OK', type: m.type, id: existing, resource: after, changed: before.meta?.versionId !== after.meta?.versionId || before.meta?.lastUpdated !== after.meta?.lastUpdated };
        } else {
          const { resource: created } = await m.create!(ctx, resource);
          out = { status: '201 Created', type: m.type, id: created.id!, resource: created, changed: true };
        }
        results.set(e, out);
        if (e.fullUrl) resolved.set(e.fullUrl, `${out.type}/${out.id}`);
      } catch (err) {
        throw err instanceof AppError && !placed.has(err) ? at(e.index, err) : err;
      }
    }
    await flush();
    const counts = { entries: entries.length, created: 0, updated: 0, unchanged: 0 };
    for (const r of results.values()) {
      if (r.status === '201 Created') counts.created++;
      else if (r.changed) counts.updated++;
      else counts.unchanged++;
    }
    await audit(tx, actorOf(caller), { action: 'fhir.transaction', objectType: 'bundle', detail: counts });
  });
  return {
    resourceType: 'Bundle', type: 'transaction-response',
    entry: entries.map((e) => {
      const r = results.get(e)!;
      return {
        ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}),
        ...(full ? { resource: r.resource } : {}),
        response: {
          status: r.status, location: `${r.type}/${r.id}`,
          ...(r.resource.meta?.versionId ? { etag: `W/"${r.resource.meta.versionId}"` } : {}),
          ...(r.resource.meta?.lastUpdated ? { lastModified: r.resource.meta.lastUpdated } : {}),
        },
      };
    }),
  };
}
