/** What the directory's service files share: query-string pieces, the names of things for errors, and small SQL helpers. */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Reader, Tx } from '../db/database.js';
import { contains, page, startsWith } from '../http/query.js';

export type { Reader, Tx };

export const idParams = z.object({ id: z.uuid() }).strict();

/** `?active=true|false`; absent means both. */
export const activeFilter = z.enum(['true', 'false']).transform((v) => v === 'true').optional();
export { contains, page, startsWith };
export interface Page { limit: number; offset: number }
export interface List<T> { total: number; items: T[] }

/** Names of the directory's objects, for `notFound` and messages. */
export const THING = {
  consortium: { zh: '医联体', en: 'Consortium' },
  institution: { zh: '医疗机构', en: 'Institution' },
  department: { zh: '科室', en: 'Department' },
  practitioner: { zh: '医务人员', en: 'Practitioner' },
  expert: { zh: '专家', en: 'Expert' },
} as const;


/**
 * A column holding space-separated variants (name_pinyin, name_initials: "shantianfang dantianfang") matched by
 * prefix of any variant.
 */
export const variantStartsWith = (column: string, q: string) => {
  const ref = sql.ref(column);
  return sql<boolean>`(${ref} LIKE ${startsWith(q)} OR ${ref} LIKE ${`% ${startsWith(q)}`})`;
};

export const countOf = (row: { n: string | number | bigint } | undefined) => Number(row?.n ?? 0);

const SENSITIVE = new Set(['phone', 'licenseNo']);
/** What a change touched, for the audit log: values as given, but phone and licence numbers hidden. */
export function auditedChanges(patch: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, SENSITIVE.has(k) ? (v == null ? null : '***') : v]));
}

/** Keys of `patch` that were given (undefined means "leave as is"). */
export const given = <T extends object>(patch: T) =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
