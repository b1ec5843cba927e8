/**
 * Patient search: one box that understands what was typed — a resident ID, a mobile, a local patient number,
 * a name in characters, or a name in pinyin / initials (zhangsan, zs). Merged records are not found; their
 * identifiers and resident ID live on the surviving record.
 *
 * Built for a million residents and broad queries (a surname alone, 'zs'): prefix matches come in the order of
 * the index that finds them (the name, or the pinyin / initials key that matched, in byte order), so a page is read
 * straight off the index and LIMIT stops early; the total is counted only up to TOTAL_CAP.
 */
import { MOBILE_RE, type PatientSearchQuery } from '@yilian/core';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import { startsWith } from '../http/query.js';
import { summaryOf, type PatientSummary } from './patients.js';

export type SearchKind = 'resident_id' | 'phone' | 'local_number' | 'name' | 'pinyin' | 'none';

/** Totals are counted up to this many matches (or to the end of the requested page, if further); beyond, `totalCapped`. */
export const TOTAL_CAP = 1000;

/** What the query text is. Names and pinyin are also tried as local patient numbers. */
export function classifyQuery(q: string | undefined): { kind: SearchKind; text: string } {
  const t = (q ?? '').trim();
  if (!t) return { kind: 'none', text: '' };
  if (/^\d{17}[\dXx]$/.test(t)) return { kind: 'resident_id', text: t.toUpperCase() };
  if (MOBILE_RE.test(t)) return { kind: 'phone', text: t };
  if (/\p{Script=Han}/u.test(t)) return { kind: 'name', text: t.replace(/\s+/g, '') };
  if (/^[A-Za-z][A-Za-z\s']*$/.test(t)) return { kind: 'pinyin', text: t.toLowerCase().replace(/[\s']+/g, '') };
  return { kind: 'local_number', text: t };
}


/**
 * How a kind of query matches. `exact`: the ids of exact matches (few), listed first. `prefix`: the prefix matches,
 * read in the order of an index on (key, id) so that ORDER BY key, id LIMIT n reads n entries: names on `patient p`
 * itself, pinyin and initials on `patient_search_key k` (one row per variant, only for active patients).
 */
interface Plan {
  exact?: RawBuilder<unknown>;
  prefix?: { table: 'patient' | 'key'; match: RawBuilder<unknown>; key: RawBuilder<unknown> };
}

const byName = sql`p.name COLLATE "C"`; // patient_name_active (003_search_keys.sql)

function planFor(kind: SearchKind, text: string, raw: string): Plan {
  const localNumber = sql`SELECT patient_id FROM patient_identifier WHERE value = ${raw}`;
  switch (kind) {
    case 'none': return { prefix: { table: 'patient', match: sql`TRUE`, key: byName } };
    case 'resident_id': return { exact: sql`SELECT id FROM patient WHERE resident_id = ${text}` };
    case 'phone': return { exact: sql`SELECT id FROM patient WHERE phone = ${text}` };
    case 'local_number': return { exact: localNumber };
    // The exact name sorts first among the prefix matches by itself ('张三' < '张三丰').
    case 'name': return { exact: localNumber, prefix: { table: 'patient', match: sql`${byName} LIKE ${startsWith(text)}`, key: byName } };
    case 'pinyin': {
      // A patient matching through several keys is listed once, at the smallest: the row whose `prev` (the
      // patient's next smaller key) does not match. The exact key sorts first by itself ('zs' < 'zsf').
      const p = startsWith(text);
      return { exact: localNumber, prefix: { table: 'key', match: sql`k.key LIKE ${p} AND (k.prev IS NULL OR k.prev NOT LIKE ${p})`, key: sql`k.key` } };
    }
  }
}

export interface SearchResult {
  kind: SearchKind;
  /** The number of matches, or TOTAL_CAP (at least the end of the page asked for) when `totalCapped`: there are more. */
  total: number;
  totalCapped: boolean;
  items: PatientSummary[];
}

type Row = { id: string; name: string; sex: string; birth_date: string; resident_id: string | null; phone: string | null; region_code: string | null; status: string };
const COLUMNS = sql`p.id, p.name, p.sex, p.birth_date, p.resident_id, p.phone, p.region_code, p.status`;

/**
 * Active patients matching the query: exact matches first (local patient number, resident ID, mobile; by name),
 * then prefix matches in the order of the name (characters) or of the matched pinyin / initials key, so an exact
 * name or key comes first among them; ties by id.
 */
export async function searchPatients(db: Db, query: Partial<PatientSearchQuery>): Promise<SearchResult> {
  const { kind, text } = classifyQuery(query.q);
  const limit = query.limit ?? 50, offset = query.offset ?? 0;
  const filters = [sql`p.status = 'active'`];
  if (query.birthDate) filters.push(sql`p.birth_date = ${query.birthDate}`);
  if (query.sex) filters.push(sql`p.sex = ${query.sex}`);
  const where = sql.join(filters, sql` AND `);
  const { exact, prefix } = planFor(kind, text, (query.q ?? '').trim());
  const cap = Math.max(TOTAL_CAP, offset + limit);
  const exactRows = exact && sql`FROM patient p WHERE p.id IN (${exact}) AND ${where}`;
  // Prefix matches, less those found exactly (listed once, with those), in index order: `page` up to the end of the
  // page, `counted` up to the cap. On the key table without filters on the patient, the index alone decides (only
  // active patients have keys) and the patient is read for the page only. The ORDER BY also keeps the count on
  // the index, which a LIMIT alone does not always do when the filters leave most of the matches.
  let page: RawBuilder<unknown> | undefined, counted: RawBuilder<unknown> | undefined;
  if (prefix) {
    const id = prefix.table === 'key' ? sql`k.patient_id` : sql`p.id`;
    const match = exact ? sql`${prefix.match} AND ${id} NOT IN (${exact})` : prefix.match;
    const end = offset + limit;
    if (prefix.table === 'key' && filters.length === 1) {
      const keys = (n: number) => sql`SELECT k.patient_id, k.key FROM patient_search_key k WHERE ${match} ORDER BY k.key, k.patient_id LIMIT ${n}`;
      page = sql`SELECT ${COLUMNS}, 1 AS rank, k.key FROM (${keys(end)}) k JOIN patient p ON p.id = k.patient_id WHERE ${where}`;
      counted = sql`SELECT 1 FROM (${keys(cap + 1)}) k`;
    } else {
      const from = prefix.table === 'key' ? sql`patient_search_key k JOIN patient p ON p.id = k.patient_id` : sql`patient p`;
      const ordered = (columns: RawBuilder<unknown>, n: number) =>
        sql`SELECT ${columns} FROM ${from} WHERE ${match} AND ${where} ORDER BY ${prefix.key}, ${id} LIMIT ${n}`;
      page = ordered(sql`${COLUMNS}, 1 AS rank, ${prefix.key} AS key`, end);
      counted = ordered(sql`1`, cap + 1);
    }
  }

  // The prefix branch is cut at the end of the page before the union, so only that many entries are read.
  const branches: RawBuilder<unknown>[] = [];
  if (exactRows) branches.push(sql`SELECT ${COLUMNS}, 0 AS rank, ${byName} AS key ${exactRows}`);
  if (page) branches.push(sql`(${page})`);
  const rows = (await sql<Row>`SELECT id, name, sex, birth_date, resident_id, phone, region_code, status
    FROM (${sql.join(branches, sql` UNION ALL `)}) r ORDER BY rank, key, id LIMIT ${limit} OFFSET ${offset}`.execute(db)).rows;

  // A page that is not full ends the list: its end is the total, without counting.
  if (rows.length < limit && (rows.length > 0 || offset === 0))
    return { kind, total: offset + rows.length, totalCapped: false, items: rows.map(summaryOf) };

  const counts: RawBuilder<unknown>[] = [];
  if (exactRows) counts.push(sql`(SELECT 1 ${exactRows})`);
  if (counted) counts.push(sql`(${counted})`);
  const count = await sql<{ n: string | number }>`SELECT count(*) AS n
    FROM (SELECT 1 FROM (${sql.join(counts, sql` UNION ALL `)}) u LIMIT ${cap + 1}) c`.execute(db);
  const n = Number(count.rows[0]?.n ?? 0);
  return { kind, total: Math.min(n, cap), totalCapped: n > cap, items: rows.map(summaryOf) };
}
