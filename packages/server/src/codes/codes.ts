/**
 * Code systems (ICD-10 diagnoses, lab items): the project's own lists loaded at every start, search by code,
 * Chinese name or pinyin initials, and lookup. Importing the official file is in import.ts.
 */
import { nameSearchKeys, notFound } from '@yilian/core';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db, Reader } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { contains, startsWith } from '../http/query.js';
import { ICD10_COMMON } from './icd10-common.js';
import { LAB_ITEMS } from './lab-items.js';
import { ICD10_CN_CLINICAL, ICD10_YILIAN_COMMON, ICD10_YILIAN_COMMON_VERSION, normaliseCode, parentOf } from './systems.js';

export interface ConceptRow {
  system: string; code: string; display: string; display_en: string | null; initials: string;
  parent: string | null; version: string | null; demo: boolean; extra: string | null;
}

/** Pinyin initials of a Chinese name, lower case; both readings where they differ (`单纯性…` → `scx… dcx…`). */
export const initialsOf = (display: string) => nameSearchKeys(display).initials;

let commonRows: ConceptRow[] | undefined;
/** The project's list as rows, initials computed once per process. */
function commonConcepts(): ConceptRow[] {
  commonRows ??= ICD10_COMMON.map(([code, display, displayEn]) => ({
    system: ICD10_YILIAN_COMMON, code, display, display_en: displayEn, initials: initialsOf(display),
    parent: parentOf(code), version: ICD10_YILIAN_COMMON_VERSION, demo: false, extra: null,
  }));
  return commonRows;
}

/**
 * Upserts concepts; rows whose content is unchanged are not touched. Returns how many were added and how many
 * changed (the rest were already as given).
 */
export async function upsertConcepts(db: Reader, rows: ConceptRow[], onConflict: 'update' | 'nothing' = 'update'): Promise<{ added: number; updated: number }> {
  if (!rows.length) return { added: 0, updated: 0 };
  const insert = db.insertInto('code_system_concept').values(rows.map((r) => ({ ...r, active: true })));
  const upsert = onConflict === 'nothing'
    ? insert.onConflict((oc) => oc.columns(['system', 'code']).doNothing())
    : insert.onConflict((oc) => oc.columns(['system', 'code']).doUpdateSet({
      display: sql`excluded.display`, display_en: sql`excluded.display_en`, initials: sql`excluded.initials`, parent: sql`excluded.parent`,
      version: sql`excluded.version`, demo: sql`excluded.demo`, active: true, extra: sql`excluded.extra`,
    }).where(sql<boolean>`(code_system_concept.display, code_system_concept.display_en, code_system_concept.initials, code_system_concept.parent,
        code_system_concept.version, code_system_concept.demo, code_system_concept.active, code_system_concept.extra)
      IS DISTINCT FROM (excluded.display, excluded.display_en, excluded.initials, excluded.parent, excluded.version, excluded.demo, true, excluded.extra)`));
  // xmax = 0: the row was inserted, not updated.
  const done = await upsert.returning(sql<boolean>`(xmax = 0)`.as('inserted')).execute();
  const added = done.filter((r) => r.inserted).length;
  return { added, updated: done.length - added };
}

/**
 * Loads the project's diagnosis list and lab item catalogue (idempotent: unchanged rows are left alone). Codes
 * dropped from the list are marked inactive, not deleted: recorded diagnoses may use them.
 */
export async function ensureCodeData(db: Db): Promise<{ added: number; updated: number; labItems: number }> {
  return db.transaction().execute(async (tx) => {
    const rows = commonConcepts();
    const r = await upsertConcepts(tx, rows);
    await tx.updateTable('code_system_concept').set({ active: false })
      .where('system', '=', ICD10_YILIAN_COMMON).where('active', '=', true).where('code', 'not in', rows.map((c) => c.code)).execute();
    const labs = await tx.insertInto('lab_item').values(LAB_ITEMS.map((i) => ({
      code: i.code, name: i.name, panel: i.panel, unit: i.unit, ref_low: i.refLow, ref_high: i.refHigh, loinc: i.loinc,
    }))).onConflict((oc) => oc.column('code').doUpdateSet({
      name: sql`excluded.name`, panel: sql`excluded.panel`, unit: sql`excluded.unit`, ref_low: sql`excluded.ref_low`,
      ref_high: sql`excluded.ref_high`, loinc: sql`excluded.loinc`,
    }).where(sql<boolean>`(lab_item.name, lab_item.panel, lab_item.unit, lab_item.ref_low, lab_item.ref_high, lab_item.loinc)
      IS DISTINCT FROM (excluded.name, excluded.panel, excluded.unit, excluded.ref_low, excluded.ref_high, excluded.loinc)`))
      .returning('code').execute();
    return { ...r, labItems: labs.length };
  });
}

// ——— search 检索 ———

/** Diagnoses with their display names from the code systems (ICD-10 by default). */
export async function diagnosesOf(db: Reader, list: { code: string; system?: string | undefined }[]) {
  const out = [];
  for (const d of list) {
    const system = d.system ?? 'icd10';
    const c = await db.selectFrom('code_system_concept').select('display').where('system', '=', system).where('code', '=', d.code).executeTakeFirst();
    out.push({ system, code: d.code, display: c?.display ?? d.code });
  }
  return out;
}

export const codeSearchQuery = z.object({
  /** A system name, or `all`; absent: the clinical edition when loaded, else the project's list. */
  system: z.string().trim().min(1).max(64).optional(),
  q: z.string().trim().max(100).default(''),
  limit: z.coerce.number().int().min(1).max(100).default(20),
}).strict();
export type CodeSearchQuery = z.input<typeof codeSearchQuery>;

export interface Concept {
  system: string; code: string; display: string; displayEn: string | null; parent: string | null; version: string | null; demo: boolean;
  extra: unknown;
}
/** How an item matched, best first. */
export type MatchKind = 'code' | 'code_prefix' | 'initials' | 'name' | 'initials_within';
const MATCHES: MatchKind[] = ['code', 'code_prefix', 'initials', 'name', 'initials_within'];

const conceptOf = (r: { system: string; code: string; display: string; display_en: string | null; parent: string | null; version: string | null; demo: boolean; extra: unknown }): Concept => ({
  system: r.system, code: r.code, display: r.display, displayEn: r.display_en, parent: r.parent, version: r.version, demo: r.demo,
  extra: typeof r.extra === 'string' ? JSON.parse(r.extra) : r.extra ?? null,
});

/** The diagnosis system searches use by default: the official clinical edition once loaded, else the project's list. */
export async function defaultSystem(db: Reader): Promise<string> {
  const loaded = await db.selectFrom('code_system_concept').select('code').where('system', '=', ICD10_CN_CLINICAL).where('active', '=', true).limit(1).executeTakeFirst();
  return loaded ? ICD10_CN_CLINICAL : ICD10_YILIAN_COMMON;
}

/**
 * Active concepts matching `q`, ranked: the exact code, codes starting with it (case-insensitive: `i10` finds
 * `I10.x00`), names whose pinyin initials start with it (`gxy` → 高血压), names containing it, and last names whose
 * initials contain it (`tnb` → 2型糖尿病); within a rank, shorter names first, then by code. Any signed-in caller.
 */
export async function searchCodes(db: Db, _caller: Caller, query: CodeSearchQuery) {
  const { q, limit, system: asked } = codeSearchQuery.parse(query);
  const system = asked ?? await defaultSystem(db);
  const lower = normaliseCode(system === 'all' ? '' : system, q).toLowerCase();
  const letters = /^[a-z]+$/i.test(q) ? q.toLowerCase() : null;
  const whens = [sql`WHEN lower(code) = ${lower} THEN 0`, sql`WHEN lower(code) LIKE ${startsWith(lower)} THEN 1`];
  if (letters) whens.push(sql`WHEN initials LIKE ${startsWith(letters)} OR initials LIKE ${`% ${startsWith(letters)}`} THEN 2`);
  whens.push(sql`WHEN display LIKE ${contains(q)} THEN 3`);
  if (letters && letters.length >= 2) whens.push(sql`WHEN initials LIKE ${contains(letters)} THEN 4`);
  const rank = sql<number>`CASE ${sql.join(whens, sql` `)} END`;
  let select = db.selectFrom('code_system_concept')
    .select(['system', 'code', 'display', 'display_en', 'parent', 'version', 'demo', 'extra', (q ? rank : sql<number>`NULL`).as('rank')])
    .where('active', '=', true);
  if (system !== 'all') select = select.where('system', '=', system);
  if (q) select = select.where(sql<boolean>`${rank} IS NOT NULL`)
    .orderBy(rank).orderBy(sql`CASE WHEN ${rank} >= 2 THEN length(display) ELSE 0 END`);
  const rows = await select.orderBy('code').orderBy('system').limit(limit).execute();
  return {
    system, q,
    items: rows.map((r) => ({ ...conceptOf(r), match: q ? MATCHES[Number(r.rank)]! : null })),
  };
}

export const codeParams = z.object({ system: z.string().trim().min(1).max(64), code: z.string().trim().min(1).max(40) }).strict();

/** One concept by system and code (also inactive ones: old records still name them). */
export async function getCode(db: Db, _caller: Caller, system: string, code: string): Promise<Concept & { active: boolean }> {
  const row = await db.selectFrom('code_system_concept')
    .select(['system', 'code', 'display', 'display_en', 'parent', 'version', 'demo', 'extra', 'active'])
    .where('system', '=', system).where('code', '=', normaliseCode(system, code)).executeTakeFirst();
  if (!row) throw notFound({ zh: '编码', en: 'Code' }, 'code');
  return { ...conceptOf(row), active: row.active };
}

// ——— lab items 检验项目 ———

export const labItemQuery = z.object({ q: z.string().trim().max(100).optional() }).strict();

export interface LabItem {
  code: string; name: string; panel: string | null; unit: string | null; refLow: number | null; refHigh: number | null; loinc: string | null;
}
const order = new Map(LAB_ITEMS.map((i, n) => [i.code, n]));

/**
 * The lab item catalogue, in the order of the shipped list (panels together): all, or those whose code or LOINC
 * code is `q` or starts with it (case-insensitive), or whose name or panel contains it. Any signed-in caller.
 */
export async function listLabItems(db: Db, _caller: Caller, query: z.input<typeof labItemQuery> = {}): Promise<{ items: LabItem[] }> {
  const q = query.q?.trim();
  let select = db.selectFrom('lab_item').selectAll();
  if (q) select = select.where((eb) => eb.or([
    eb(sql`lower(code)`, 'like', startsWith(q.toLowerCase())), eb('loinc', '=', q),
    eb('name', 'like', contains(q)), eb('panel', 'like', contains(q)),
  ]));
  const rows = await select.orderBy('code').execute();
  const items = rows.map((r) => ({
    code: r.code, name: r.name, panel: r.panel, unit: r.unit, loinc: r.loinc,
    refLow: r.ref_low === null ? null : Number(r.ref_low), refHigh: r.ref_high === null ? null : Number(r.ref_high),
  }));
  items.sort((a, b) => (order.get(a.code) ?? 1e9) - (order.get(b.code) ?? 1e9));
  return { items };
}
