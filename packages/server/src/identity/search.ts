/**
 * Patient search: one box that understands what was typed — a resident ID, a mobile, a local patient number,
 * a name in characters, or a name in pinyin / initials (zhangsan, zs). Merged records are not found; their
 * identifiers and resident ID live on the surviving record.
 */
import { MOBILE_RE, type PatientSearchQuery } from '@yilian/core';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import { summaryOf, type PatientSummary } from './patients.js';

export type SearchKind = 'resident_id' | 'phone' | 'local_number' | 'name' | 'pinyin' | 'none';

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

const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, '\\$&')}%`;

/** Candidate ids with a rank (0 exact, 1 prefix) — one branch per way the text can match, each on an index. */
function hits(kind: SearchKind, text: string, raw: string): RawBuilder<unknown>[] {
  switch (kind) {
    case 'none': return [];
    case 'resident_id': return [sql`SELECT id, 0 AS rank FROM patient WHERE resident_id = ${text}`];
    case 'phone': return [sql`SELECT id, 0 AS rank FROM patient WHERE phone = ${text}`];
  }
  const branches = [sql`SELECT patient_id AS id, 0 AS rank FROM patient_identifier WHERE value = ${raw}`];
  if (kind === 'name')
    branches.push(sql`SELECT id, CASE WHEN name = ${text} THEN 0 ELSE 1 END AS rank FROM patient WHERE name LIKE ${likePrefix(text)}`);
  if (kind === 'pinyin') {
    // The columns hold at most two variants ('stf dtf'); split_part(…, 2) is indexed in 002_mpi.sql.
    const p = likePrefix(text);
    branches.push(sql`SELECT id, CASE WHEN ${text} = ANY(string_to_array(name_pinyin, ' ') || string_to_array(name_initials, ' ')) THEN 0 ELSE 1 END AS rank
      FROM patient WHERE name_pinyin LIKE ${p} OR split_part(name_pinyin, ' ', 2) LIKE ${p}
        OR name_initials LIKE ${p} OR split_part(name_initials, ' ', 2) LIKE ${p}`);
  }
  return branches;
}

export interface SearchResult { kind: SearchKind; total: number; items: PatientSummary[] }

/** Active patients matching the query, most exact first, then in pinyin order of the name. */
export async function searchPatients(db: Db, query: Partial<PatientSearchQuery>): Promise<SearchResult> {
  const { kind, text } = classifyQuery(query.q);
  const limit = query.limit ?? 50, offset = query.offset ?? 0;
  const filters = [sql`p.status = 'active'`];
  if (query.birthDate) filters.push(sql`p.birth_date = ${query.birthDate}`);
  if (query.sex) filters.push(sql`p.sex = ${query.sex}`);
  const where = sql.join(filters, sql` AND `);
  const from = kind === 'none'
    ? sql`patient p CROSS JOIN (SELECT 1 AS rank) h`
    : sql`(SELECT id, min(rank) AS rank FROM (${sql.join(hits(kind, text, (query.q ?? '').trim()), sql` UNION ALL `)}) u GROUP BY id) h
          JOIN patient p ON p.id = h.id`;

  type Row = { id: string; name: string; sex: string; birth_date: string; resident_id: string | null; phone: string | null; region_code: string | null; status: string };
  const [rows, count] = await Promise.all([
    sql<Row>`SELECT p.id, p.name, p.sex, p.birth_date, p.resident_id, p.phone, p.region_code, p.status
      FROM ${from} WHERE ${where} ORDER BY h.rank, p.name_pinyin, p.id LIMIT ${limit} OFFSET ${offset}`.execute(db),
    sql<{ n: string | number }>`SELECT count(*) AS n FROM ${from} WHERE ${where}`.execute(db),
  ]);
  return { kind, total: Number(count.rows[0]?.n ?? 0), items: rows.rows.map(summaryOf) };
}
