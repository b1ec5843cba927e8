/**
 * Reading the office's spreadsheets (.xlsx, or .csv in UTF-8 or the GBK that Chinese Excel saves) into rows keyed
 * by column, and writing the import templates.
 */
import { Readable } from 'node:stream';
import { AppError, badRequest } from '@yilian/core';
import ExcelJS from 'exceljs';

export interface Column {
  /** The field the column fills; import errors name it. */
  key: string;
  /** The Chinese header of the column in the file. */
  header: string;
  required?: boolean;
  /** The value in the template's example row. */
  example: string;
  /** What may be written, shown on the template's instructions sheet. */
  note?: string;
  /** Text columns keep leading zeros and long digit strings as typed. */
  text?: boolean;
}

export interface SheetRow { row: number; cells: Record<string, string> }

export const MAX_ROWS = 5000;

export const unsupportedFileType = () => new AppError(415, 'unsupported_file_type', '只支持 Excel（.xlsx）或 CSV（.csv）文件；.xls 请另存为 .xlsx',
  'Only Excel (.xlsx) or CSV (.csv) files are accepted; save .xls files as .xlsx', 'file');

/** CSV bytes as text: UTF-8 (with or without BOM) when valid, else GBK as saved by Chinese Excel. */
function decodeCsv(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gbk').decode(buf);
  }
}

/** The worksheets of an uploaded .xlsx, or the one sheet of a .csv; anything else is refused (415). */
export async function loadWorkbook(buf: Buffer, filename: string): Promise<ExcelJS.Worksheet[]> {
  const ext = filename.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  const workbook = new ExcelJS.Workbook();
  if (ext === 'xlsx') {
    // An .xlsx is a zip archive: anything else under that name is refused before the parser sees it.
    if (buf.subarray(0, 4).toString('binary') !== 'PK\x03\x04') throw unsupportedFileType();
    try {
      await workbook.xlsx.load(buf as unknown as ArrayBuffer);
    } catch {
      throw badRequest('unreadable_file', '无法读取该 Excel 文件，请确认文件未损坏', 'The Excel file cannot be read; check that it is not damaged', 'file');
    }
    return workbook.worksheets;
  }
  if (ext === 'csv') {
    if (buf.includes(0)) throw unsupportedFileType(); // binary content under a .csv name
    // Every value stays the text that was typed (no number or date guessing: codes and phones keep their digits).
    return [await workbook.csv.read(Readable.from([decodeCsv(buf)]), { map: (v: string) => v })];
  }
  throw unsupportedFileType();
}

async function loadWorksheet(buf: Buffer, filename: string): Promise<ExcelJS.Worksheet> {
  const sheet = (await loadWorkbook(buf, filename))[0];
  if (!sheet) throw badRequest('empty_file', '文件中没有工作表', 'The file has no worksheet', 'file');
  return sheet;
}

const normaliseHeader = (h: string) => h.replace(/[\s*＊]/g, '').replace(/[（(]必填[)）]/, '');

/**
 * The data rows of the first sheet, keyed by column key. The header row is the first row; columns are found by
 * their Chinese header (or the field name); unknown columns are ignored; blank rows are skipped.
 */
export async function readRows(buf: Buffer, filename: string, columns: Column[]): Promise<SheetRow[]> {
  const sheet = await loadWorksheet(buf, filename);
  const header = sheet.getRow(1);
  const positions = new Map<string, number>();
  header.eachCell((cell, col) => {
    const text = normaliseHeader(cell.text ?? '');
    const column = columns.find((c) => c.header === text || c.key.toLowerCase() === text.toLowerCase());
    if (column && !positions.has(column.key)) positions.set(column.key, col);
  });
  const missing = columns.filter((c) => c.required && !positions.has(c.key)).map((c) => c.header);
  if (missing.length)
    throw badRequest('missing_columns', `文件首行缺少必需的列：${missing.join('、')}`, `The header row lacks required columns: ${missing.join(', ')}`, 'file', { missing });
  if (sheet.rowCount - 1 > MAX_ROWS)
    throw badRequest('too_many_rows', `一次最多导入${MAX_ROWS}行，请分批导入`, `At most ${MAX_ROWS} rows per import; split the file`, 'file');
  const rows: SheetRow[] = [];
  sheet.eachRow((row, number) => {
    if (number === 1) return;
    const cells: Record<string, string> = {};
    for (const [key, col] of positions) {
      const text = (row.getCell(col).text ?? '').trim();
      if (text) cells[key] = text;
    }
    if (Object.keys(cells).length) rows.push({ row: number, cells });
  });
  return rows;
}

/** A template: the header row and one example row, and a sheet explaining each column. */
export async function buildTemplate(sheetName: string, columns: Column[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c.header, key: c.key, width: Math.max(12, c.example.length * 2 + 4), style: c.text ? { numFmt: '@' } : {} }));
  sheet.addRow(Object.fromEntries(columns.map((c) => [c.key, c.example])));
  const head = sheet.getRow(1);
  head.font = { bold: true };
  columns.forEach((c, i) => {
    if (c.required) head.getCell(i + 1).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFDE9D9' } };
  });
  const help = workbook.addWorksheet('填写说明');
  help.columns = [{ header: '列名', width: 16 }, { header: '必填', width: 8 }, { header: '说明', width: 90 }];
  help.getRow(1).font = { bold: true };
  for (const c of columns) help.addRow([c.header, c.required ? '是' : '', c.note ?? '']);
  help.addRow([]);
  help.addRow(['', '', '第一行为列名，请勿修改；示例行可删除或覆盖。每行一条记录。']);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
