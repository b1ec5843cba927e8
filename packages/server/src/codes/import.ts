/**
 * Loading an official code file (疾病分类与代码国家临床版 2.0 as published: .xlsx, or .csv saved from it). The
 * header row is found by its column names, wherever it is in the first rows; every code is checked against the
 * system's format; dagger/asterisk pairs (`A17.000†` + `G01.x00*`) become two concepts. Rows that pass are upserted
 * in one transaction with one audit entry; the others are reported with their row number.
 */
import { AppError, badRequest } from '@yilian/core';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Actor, type Caller } from '../http/context.js';
import { loadWorkbook } from '../directory/spreadsheet.js';
import { authorize } from '../policy/policy.js';
import { initialsOf, upsertConcepts, type ConceptRow } from './codes.js';
import { codeFormatOf, ICD10_CN_CLINICAL, ICD10_YILIAN_COMMON, normaliseCode, parentOf } from './systems.js';

/** The largest file accepted (the full clinical edition is a few MB). */
export const CODE_FILE_LIMIT_BYTES = 20 * 1024 * 1024;
/** At most this many refused rows are listed (all are counted). */
export const REFUSED_LISTED = 100;
const BATCH = 1000;

export const SYSTEM_RE = /^[a-z0-9][a-z0-9.-]{1,63}$/;
export const codeImportQuery = z.object({
  system: z.string().trim().regex(SYSTEM_RE, 'system: lower-case letters, digits, "." and "-"').default(ICD10_CN_CLINICAL),
  version: z.string().trim().min(1).max(40).optional(),
}).strict();

export interface CodeImportOptions { filename: string; system?: string; version?: string }
export interface RefusedRow { row: number; code: string; reason: string; zh: string; en: string }
export interface CodeImportResult {
  system: string; version: string | null;
  /** Data rows read (blank rows are skipped). */
  read: number;
  /** Concepts new to the system, changed, and already as in the file. */
  added: number; updated: number; unchanged: number;
  /** The first REFUSED_LISTED refused rows; `refusedCount` counts them all. */
  refused: RefusedRow[]; refusedCount: number;
}

const HEADERS = {
  code: ['主要编码', '疾病编码', '诊断编码', '疾病代码', '编码', '代码', 'code'],
  name: ['疾病名称', '诊断名称', '名称', 'name', 'display'],
  additional: ['附加编码', '附加代码', '星号编码'],
} as const;
type Field = keyof typeof HEADERS;
const HEADER_SEARCH_ROWS = 20;

const normaliseHeader = (h: string) => h.normalize('NFKC').replace(/[\s*]/g, '').toLowerCase();

/** The first sheet with a header row naming a code and a name column, and where its columns are. */
function findHeader(sheets: ExcelJS.Worksheet[]): { sheet: ExcelJS.Worksheet; row: number; columns: Partial<Record<Field, number>> } {
  for (const sheet of sheets) {
    for (let r = 1; r <= Math.min(sheet.rowCount, HEADER_SEARCH_ROWS); r++) {
      const texts = new Map<string, number>();
      sheet.getRow(r).eachCell((cell, col) => {
        const t = normaliseHeader(cell.text ?? '');
        if (t && !texts.has(t)) texts.set(t, col);
      });
      const columns: Partial<Record<Field, number>> = {};
      for (const field of Object.keys(HEADERS) as Field[]) {
        const name = HEADERS[field].find((h) => texts.has(h));
        if (name) columns[field] = texts.get(name);
      }
      if (columns.code && columns.name) return { sheet, row: r, columns };
    }
  }
  throw badRequest('missing_columns', '未找到表头：需要“主要编码”（或“疾病编码”“编码”）和“疾病名称”（或“名称”）两列',
    'No header row found: the file needs a code column (主要编码, 疾病编码 or 编码) and a name column (疾病名称 or 名称)', 'file');
}

const REASONS = {
  missing_code: ['缺少编码', 'The code is missing'],
  missing_name: ['缺少疾病名称', 'The name is missing'],
  name_too_long: ['疾病名称超过200字', 'The name is longer than 200 characters'],
  bad_format: ['编码格式不正确', 'The code does not have the format of this code system'],
  bad_additional_code: ['附加编码（星号编码）格式不正确', 'The additional (asterisk) code does not have the format of this code system'],
  duplicate: ['与前面的行编码重复', 'The same code is on an earlier row'],
} as const;

/**
 * A main-code cell split into its dagger code and, when the pair is written in one cell (`A17.0†G01*`), the
 * asterisk code; `+` is accepted for `†` as some copies of the file write it.
 */
function splitPair(cell: string): { main: string; asterisk?: string; isAsterisk: boolean } {
  const m = cell.match(/^([^†+*]+)[†+]([^†+*]*)\*?$/);
  if (m) return { main: m[1]!, asterisk: m[2] || undefined, isAsterisk: false };
  if (cell.endsWith('*')) return { main: cell.slice(0, -1), isAsterisk: true };
  return { main: cell, isAsterisk: false };
}

/** Import by a signed-in caller: `code.manage`. */
export async function importIcd10(db: Db, caller: Caller, buffer: Buffer, opts: CodeImportOptions): Promise<CodeImportResult> {
  authorize(caller, 'code.manage');
  return importCodeFile(db, actorOf(caller), buffer, opts);
}

/** The import itself, for a caller already allowed (the route) or the command line. */
export async function importCodeFile(db: Db, actor: Actor, buffer: Buffer, opts: CodeImportOptions): Promise<CodeImportResult> {
  const parsed = codeImportQuery.safeParse({ system: opts.system, version: opts.version });
  if (!parsed.success)
    throw badRequest('invalid_value', '编码体系名称或版本格式不正确', 'The system name or version is malformed', String(parsed.error.issues[0]?.path[0] ?? 'system'));
  const { system, version } = parsed.data;
  if (system === ICD10_YILIAN_COMMON)
    throw badRequest('reserved_system', `“${ICD10_YILIAN_COMMON}”是项目自带的常用诊断表，不能导入`, `${ICD10_YILIAN_COMMON} is the project's own list and cannot be imported into`, 'system');
  const format = codeFormatOf(system);
  const { sheet, row: headerRow, columns } = findHeader(await loadWorkbook(buffer, opts.filename));

  const refused: RefusedRow[] = [];
  const refuse = (row: number, code: string, reason: keyof typeof REASONS) =>
    refused.push({ row, code, reason, zh: REASONS[reason][0], en: REASONS[reason][1] });
  const concepts = new Map<string, { row: number; concept: ConceptRow }>();
  const asterisks = new Map<string, ConceptRow>();
  const concept = (code: string, display: string, extra: Record<string, unknown> | null): ConceptRow => ({
    system, code, display, display_en: null, initials: initialsOf(display), parent: parentOf(code), version: version ?? null, demo: false,
    extra: extra ? JSON.stringify(extra) : null,
  });
  let read = 0;
  sheet.eachRow((r, number) => {
    if (number <= headerRow) return;
    const text = (field: Field) => (columns[field] ? (r.getCell(columns[field]).text ?? '').trim() : '');
    const rawCode = text('code').replace(/\s+/g, '');
    const name = text('name');
    const rawAdditional = text('additional').replace(/\s+/g, '');
    if (!rawCode && !name && !rawAdditional) return;
    read++;
    if (!rawCode) return refuse(number, '', 'missing_code');
    const pair = splitPair(rawCode.normalize('NFKC').replace(/＋/g, '+'));
    const code = normaliseCode(system, pair.main);
    const additionalRaw = pair.asterisk ?? rawAdditional.replace(/\*$/, '');
    const additional = additionalRaw ? normaliseCode(system, additionalRaw.replace(/\*$/, '')) : undefined;
    if (!format.test(code)) return refuse(number, rawCode, 'bad_format');
    if (additional && !format.test(additional)) return refuse(number, rawCode, 'bad_additional_code');
    if (!name) return refuse(number, code, 'missing_name');
    if (name.length > 200) return refuse(number, code, 'name_too_long');
    if (concepts.has(code)) return refuse(number, code, 'duplicate');
    const extra = additional ? { asterisk: additional } : pair.isAsterisk ? { asteriskCode: true } : null;
    concepts.set(code, { row: number, concept: concept(code, name, extra) });
    // The asterisk code of a pair is a concept too; named after the first pair it is in, unless it has a row of its own.
    if (additional && !asterisks.has(additional)) asterisks.set(additional, concept(additional, name, { asteriskCode: true, daggerExample: code }));
  });
  const pairsOnly = [...asterisks.values()].filter((a) => !concepts.has(a.code));

  const result = await db.transaction().execute(async (tx) => {
    let added = 0, updated = 0;
    const rows = [...concepts.values()].map((c) => c.concept);
    for (let i = 0; i < rows.length; i += BATCH) {
      const r = await upsertConcepts(tx, rows.slice(i, i + BATCH));
      added += r.added; updated += r.updated;
    }
    // An asterisk code already known (from an earlier file, or with its own name) keeps what it has.
    for (let i = 0; i < pairsOnly.length; i += BATCH) added += (await upsertConcepts(tx, pairsOnly.slice(i, i + BATCH), 'nothing')).added;
    const total = rows.length + pairsOnly.length;
    const counts = { read, added, updated, unchanged: total - added - updated, refusedCount: refused.length };
    if (total)
      await audit(tx, actor, {
        action: 'code.import', objectType: 'code_system', objectId: system,
        detail: { system, version: version ?? null, file: opts.filename.slice(0, 120), ...counts },
      });
    return counts;
  });
  return { system, version: version ?? null, ...result, refused: refused.slice(0, REFUSED_LISTED) };
}
