/**
 * Conditional interactions by search: `If-None-Exist: identifier=…` on create, and in a transaction Bundle the
 * entries' `ifNoneExist` and `PUT Type?identifier=…`. The criteria are an ordinary search of the type (same
 * parameters, same access checks); more than one match is 412, as FHIR prescribes.
 */
import type { Resource } from '@medplum/fhirtypes';
import { AppError } from '@yilian/core';
import type { FhirContext, ResourceModule } from './resource.js';
import { parseSearch } from './search.js';

/** The one resource the criteria (a query string, without `?`) match, or null; 412 for several. */
export async function matchOne(ctx: FhirContext, m: ResourceModule, criteria: string): Promise<Resource | null> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(criteria.replace(/^\?/, ''))) {
    const prev = query[k];
    query[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  if (!Object.keys(query).length)
    throw new AppError(400, 'invalid_condition', '条件操作须给出检索条件', 'A conditional interaction needs search criteria');
  const s = parseSearch(query, m.searchParams);
  const page = await m.search(ctx, { ...s, count: 2, offset: 0 });
  if (page.resources.length > 1)
    throw new AppError(412, 'multiple_matches', `条件 ${criteria} 匹配到多个 ${m.type}`, `The criteria ${criteria} match more than one ${m.type}`);
  return page.resources[0] ?? null;
}
