/** Helpers for the directory's tests: spreadsheets built in memory, multipart uploads, and a before/after snapshot. */
import ExcelJS from 'exceljs';
import type { Db } from '../db/database.js';

/** An .xlsx file whose first sheet holds these rows (the first row is the header). */
export async function xlsxOf(rows: (string | number | null)[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Sheet1');
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** CSV text of these rows (values quoted when they need it). */
export const csvOf = (rows: (string | number)[][]) =>
  rows.map((r) => r.map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v))).join(',')).join('\r\n') + '\r\n';

/** A multipart/form-data body carrying one file in the field `file`, as a browser would send it. */
export async function multipart(filename: string, data: Buffer | string, field = 'file') {
  const form = new FormData();
  form.append(field, new Blob([typeof data === 'string' ? data : new Uint8Array(data)]), filename);
  const req = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: Buffer.from(await req.arrayBuffer()), headers: { 'content-type': req.headers.get('content-type')! } };
}

/** Row counts of the directory's tables and the audit log, to show that a refused request changed nothing. */
export async function snapshot(db: Db) {
  const tables = ['institution', 'consortium', 'consortium_member', 'department', 'practitioner', 'practitioner_role', 'expert', 'audit_log'] as const;
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const stamps = await db.selectFrom('institution').select(['id', 'updated_at']).union(db.selectFrom('department').select(['id', 'updated_at']))
    .union(db.selectFrom('practitioner').select(['id', 'updated_at'])).union(db.selectFrom('consortium').select(['id', 'updated_at'])).execute();
  return { counts, updated: Object.fromEntries(stamps.map((s) => [s.id, new Date(s.updated_at).toISOString()])) };
}
