/**
 * FHIR search plumbing shared by every resource module: the query string checked against the type's declared
 * parameters, paging (_count, _offset), reference / token / date values turned into what the SQL needs, and the
 * searchset Bundle with self and next links.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FastifyRequest } from 'fastify';
import { invalid } from './outcome.js';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

export interface SearchParamDef {
  name: string;
  type: 'reference' | 'token' | 'date' | 'string';
  /** A canonical SearchParameter URL for parameters of our own (not in the FHIR spec). */
  definition?: string;
  documentation: string;
}

export interface SearchRequest {
  /** Parameter → its values (a repeated parameter gives several, ANDed). */
  params: Map<string, string[]>;
  count: number;
  offset: number;
}

/** Parameters every search accepts besides the type's own. */
const COMMON = new Set(['_count', '_offset', '_format']);

function intParam(name: string, raw: string | undefined, dflt: number, max: number): number {
  if (raw === undefined) return dflt;
  if (!/^\d{1,9}$/.test(raw)) throw invalid('invalid_search_value', `${name} 须为非负整数`, `${name} must be a non-negative integer`);
  return Math.min(Number(raw), max);
}

/**
 * Checks the query against the declared parameters: unknown parameters and modifiers (`status:not`) are refused
 * (strict handling: a typo never silently widens a search). `_count` defaults to 20 and is capped at 200.
 */
export function parseSearch(query: unknown, defs: readonly SearchParamDef[]): SearchRequest {
  const params = new Map<string, string[]>();
  const known = new Set(defs.map((d) => d.name));
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const values = ([] as unknown[]).concat(value).map(String);
    if (!known.has(key) && !COMMON.has(key))
      throw invalid('unknown_search_param', `不支持的检索参数：${key}（支持：${defs.map((d) => d.name).join(', ')}）`,
        `Unsupported search parameter: ${key} (supported: ${defs.map((d) => d.name).join(', ')})`);
    if (COMMON.has(key) && values.length > 1) throw invalid('invalid_search_value', `${key} 只能出现一次`, `${key} may be given only once`);
    params.set(key, values);
  }
  const format = params.get('_format')?.[0];
  if (format !== undefined && !['json', 'application/json', 'application/fhir+json'].includes(format))
    throw invalid('unsupported_format', '仅支持 JSON 格式', 'Only JSON is supported (_format=json)');
  const count = intParam('_count', params.get('_count')?.[0], DEFAULT_COUNT, MAX_COUNT);
  const offset = intParam('_offset', params.get('_offset')?.[0], 0, 1_000_000);
  for (const k of COMMON) params.delete(k);
  return { params, count: count || DEFAULT_COUNT, offset };
}

/** The single value of a parameter that may not be repeated or comma-listed, or undefined. */
export function single(req: SearchRequest, name: string): string | undefined {
  const v = req.params.get(name);
  if (!v) return undefined;
  if (v.length > 1 || v[0]!.includes(','))
    throw invalid('invalid_search_value', `检索参数 ${name} 只支持一个值`, `Search parameter ${name} takes a single value`);
  if (!v[0]) throw invalid('invalid_search_value', `检索参数 ${name} 不能为空`, `Search parameter ${name} may not be empty`);
  return v[0];
}

/**
 * The id of a reference value (`Type/<id>`, a bare `<id>` or an absolute URL ending in `Type/<id>`), or null when
 * the id cannot exist here (not a UUID: the search matches nothing). Another type is a 400.
 */
export function referenceId(name: string, value: string, types: readonly string[]): string | null {
  const m = value.match(/^(?:.*\/)?([A-Za-z]+)\/([^/]+)$/);
  if (m && !types.includes(m[1]!))
    throw invalid('invalid_search_value', `检索参数 ${name} 须引用 ${types.join('/')}`, `Search parameter ${name} must refer to ${types.join(' or ')}`);
  const id = m ? m[2]! : value;
  return isUuid(id) ? id.toLowerCase() : null;
}

export function booleanToken(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid('invalid_search_value', `检索参数 ${name} 须为 true 或 false`, `Search parameter ${name} must be true or false`);
}

/** Wall-clock values without a zone are China Standard Time. */
const TZ = '+08:00';
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The instant range [lower, upper) a FHIR date/dateTime value stands for, by its precision. */
export function dateRange(name: string, value: string): { lower: Date; upper: Date } {
  const m = value.match(DATE);
  const bad = () => invalid('invalid_search_value', `检索参数 ${name} 的日期格式不正确：${value}`, `Search parameter ${name} has an invalid date: ${value}`);
  if (!m) throw bad();
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const z = zone ?? TZ;
  const at = (yy: number, mm = 1, dd = 1, hh = 0, mn = 0, ss = 0, ms = 0) => {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    return new Date(`${p(yy, 4)}-${p(mm)}-${p(dd)}T${p(hh)}:${p(mn)}:${p(ss)}.${p(ms, 3)}${z}`);
  };
  const Y = Number(y), M = mo ? Number(mo) : undefined, D = d ? Number(d) : undefined;
  let lower: Date, upper: Date;
  if (M === undefined) { lower = at(Y); upper = at(Y + 1); }
  else if (D === undefined) { lower = at(Y, M); upper = M === 12 ? at(Y + 1, 1) : at(Y, M + 1); }
  else if (h === undefined) { lower = at(Y, M, D); upper = new Date(lower.getTime() + 86_400_000); }
  else {
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
    lower = at(Y, M, D, Number(h), Number(mi), s ? Number(s) : 0, ms);
    upper = new Date(lower.getTime() + (frac ? 1 : s ? 1000 : 60_000));
  }
  // Reject values that roll over (2026-02-30, 25:00) or do not parse.
  if (Number.isNaN(lower.getTime()) || (M !== undefined && (M < 1 || M > 12)) || (D !== undefined && new Date(Date.UTC(Y, M! - 1, D)).getUTCDate() !== D)
    || (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)))) throw bad();
  return { lower, upper };
}

/**
 * A date parameter (each value `[prefix]date`, prefixes eq, ge, gt, le, lt; repeats ANDed) as the half-open range
 * [from, to) of the instants it admits; `empty` when no instant can match. gt/le compare with the end of the
 * value's precision: `start=gt2026-03-01` means from 2026-03-02 (China time).
 */
export function dateBounds(name: string, values: readonly string[]): { from?: Date; to?: Date; empty: boolean } {
  let from: Date | undefined, to: Date | undefined;
  const notBefore = (d: Date) => { if (!from || d > from) from = d; };
  const before = (d: Date) => { if (!to || d < to) to = d; };
  for (const raw of values) {
    if (raw.includes(',')) throw invalid('invalid_search_value', `检索参数 ${name} 不支持逗号分隔的多个值`, `Search parameter ${name} does not take comma-separated values`);
    const m = raw.match(/^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/)!;
    const prefix = m[1] ?? 'eq';
    const r = dateRange(name, m[2]!);
    switch (prefix) {
      case 'eq': notBefore(r.lower); before(r.upper); break;
      case 'ge': notBefore(r.lower); break;
      case 'gt': notBefore(r.upper); break;
      case 'lt': before(r.lower); break;
      case 'le': before(r.upper); break;
      default: throw invalid('invalid_search_value', `检索参数 ${name} 不支持前缀 ${prefix}（支持 eq, ge, gt, le, lt）`,
        `Search parameter ${name} does not support the prefix ${prefix} (eq, ge, gt, le, lt are supported)`);
    }
  }
  return { from, to, empty: !!(from && to && from >= to) };
}

/** The facade's base URL as the client reached it (behind a proxy: X-Forwarded-Proto/Host, trustProxy is on). */
export const baseUrl = (req: FastifyRequest) => `${req.protocol}://${req.host}/fhir`;

export interface SearchPage<T extends Resource> { resources: T[]; hasMore: boolean; total?: number }

/** The searchset Bundle: entries with full URLs, `total` when the module counted, links self and (if more) next. */
export function searchBundle<T extends Resource>(req: FastifyRequest, type: string, s: SearchRequest, page: SearchPage<T>): Bundle<T> {
  const base = baseUrl(req);
  const link = (offset: number) => {
    const q = new URLSearchParams();
    for (const [k, vs] of s.params) for (const v of vs) q.append(k, v);
    q.set('_count', String(s.count));
    q.set('_offset', String(offset));
    return `${base}/${type}?${q.toString()}`;
  };
  return {
    resourceType: 'Bundle', type: 'searchset',
    ...(page.total !== undefined ? { total: page.total } : {}),
    link: [{ relation: 'self', url: link(s.offset) }, ...(page.hasMore ? [{ relation: 'next', url: link(s.offset + s.count) }] : [])],
    entry: page.resources.map((resource) => ({ fullUrl: `${base}/${type}/${resource.id}`, resource, search: { mode: 'match' as const } })),
  };
}

/** Rows fetched with limit count + 1: the page and whether another follows. */
export const pageOf = <T>(rows: T[], count: number) => ({ rows: rows.slice(0, count), hasMore: rows.length > count });
