/** What a resource module of the facade is (see registry.ts), and the parsing of incoming resources. */
import { AppError } from '@yilian/core';
import type { Resource } from '@medplum/fhirtypes';
import type { FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { invalid } from './outcome.js';
import type { SearchPage, SearchParamDef, SearchRequest } from './search.js';

export interface FhirContext { db: Db; caller: Caller; req: FastifyRequest }

/** A create checked and mapped for a batch write: the patient, the service input, the id it will get, its stored identifier. */
export interface PreparedCreate { patientId: string; input: Record<string, unknown>; id: string; identifier: string | null }

export interface ResourceModule<T extends Resource = Resource> {
  type: T['resourceType'];
  /** For "not found" messages. */
  label: { zh: string; en: string };
  /** One line for the CapabilityStatement. */
  documentation: string;
  searchParams: readonly SearchParamDef[];
  /** POST with `If-None-Exist: <search>` (and transaction entries with ifNoneExist) returns the one match instead of creating. */
  conditionalCreate?: boolean;
  /** Resources carry meta.versionId (record entries: corrections are new versions). */
  versioned?: boolean;
  /**
   * Conditional matching by `identifier=<token>` alone where the type has a sharper rule than its search (record
   * entries: the source id is unique per institution, so only the caller's institution's entry matches). Returns
   * the id, or null; undefined when the rule does not apply (then the search decides).
   */
  matchIdentifier?(ctx: FhirContext, token: string): Promise<string | null | undefined>;
  /**
   * Transaction Bundles (record entries): a create checked and mapped as create() would, without writing it
   * (errors as create() throws them); createMany then writes such creates together — same checks, audit entries and
   * live notices as create() each — and answers each with its id and meta only, unless `representation`. A failure
   * of createMany is an EntryBatchError naming the item. matchIdentifiers is matchIdentifier for many tokens in one
   * query: per token its stored identifier and the match (tokens it cannot decide are left out of the map).
   */
  prepareCreate?(ctx: FhirContext, body: unknown): Promise<PreparedCreate>;
  createMany?(ctx: FhirContext, items: PreparedCreate[], representation: boolean): Promise<Resource[]>;
  matchIdentifiers?(ctx: FhirContext, tokens: string[]): Promise<Map<string, { identifier: string; id: string | null }>>;
  read(ctx: FhirContext, id: string): Promise<T>;
  search(ctx: FhirContext, s: SearchRequest): Promise<SearchPage<T>>;
  /** `replayed`: the answer to an earlier identical request (Idempotency-Key / If-None-Exist). */
  create?(ctx: FhirContext, body: unknown): Promise<{ resource: T; replayed: 'idempotency-key' | 'if-none-exist' | null }>;
  /** Full update (PUT); PATCH applies the JSON Patch to the current resource and comes here too. */
  update?(ctx: FhirContext, id: string, body: unknown): Promise<T>;
}

/**
 * Checks an incoming resource's type and the elements the module reads (a zod schema, unknown elements allowed as
 * FHIR allows them); a failure is a 400 naming the element by FHIRPath (`Appointment.slot[0].reference`).
 */
export function parseResource<T>(type: string, body: unknown, schema: ZodType<T>): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('not_a_resource', `请求体须为 ${type} 资源（JSON 对象）`, `The body must be a ${type} resource (a JSON object)`, type);
  const rt = (body as { resourceType?: unknown }).resourceType;
  if (rt !== type)
    throw invalid('wrong_resource_type', `resourceType 须为 ${type}（收到 ${String(rt)}）`, `resourceType must be ${type} (got ${String(rt)})`, `${type}.resourceType`);
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${String(k)}`), type);
  const custom = issue.message.includes(' / ') ? issue.message.split(' / ') : null;
  throw new AppError(400, 'validation', `${path}：${custom?.[0] ?? '值不正确'}`, `${path}: ${custom?.[1] ?? issue.message}`, path);
}
