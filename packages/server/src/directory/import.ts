/**
 * Bulk import of institutions (upserted by 机构编码) and practitioners (upserted by 执业证号) from the office's
 * spreadsheets. Every row is checked — format, vocabulary, references, and the caller's right to change it — and
 * its problems reported with the spreadsheet row number. A file with any error writes nothing unless `partial`;
 * what is written is written in one transaction with one audit entry.
 */
import {
  INSTITUTION_GRADES, INSTITUTION_LEVELS, INSTITUTION_TYPES, institutionInput, practitionerInput,
  SPECIALTIES, TITLES,
} from '@yilian/core';
import type { ZodError } from 'zod';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { validationError } from '../http/errors.js';
import { authorize, can } from '../policy/policy.js';
import { given, type Tx } from './common.js';
import { insertDepartment } from './departments.js';
import { insertPractitioner, isSenior, practitionerColumns } from './practitioners.js';
import { buildTemplate, readRows, type Column, type SheetRow } from './spreadsheet.js';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
export const importQuery = z.object({ dryRun: bool.default(false), partial: bool.default(false) }).strict();
export type ImportOptions = z.infer<typeof importQuery>;

export interface RowError { row: number; field: string; column: string; zh: string; en: string }
export interface ImportResult {
  dryRun: boolean; partial: boolean; total: number; created: number; updated: number;
  /** Rows not written: those with errors, or all rows when an error stopped the whole file. */
  skipped: number;
  errors: RowError[];
}
export interface Upload { filename: string; data: Buffer }

type Labels = Record<string, { zh: string; en: string }>;
/** The Chinese labels of a vocabulary, for messages; levels from the top (三级) down. */
const listOf = (labels: Labels) =>
  (labels === INSTITUTION_LEVELS ? ['3', '2', '1', '0'] : Object.keys(labels)).map((k) => labels[k]!.zh).join('、');
/** A vocabulary value from its key, Chinese label or English label. */
function fromLabel(labels: Labels, value: string): string | undefined {
  const v = value.trim();
  return Object.keys(labels).find((k) => k === v || labels[k]!.zh === v || labels[k]!.en.toLowerCase() === v.toLowerCase());
}
/** 、，,；; and line breaks separate several values in one cell. */
const splitList = (v: string | undefined) => (v ?? '').split(/[、，,；;\n]/).map((s) => s.trim()).filter(Boolean);

const SEP = '多个用“、”分隔';

export const INSTITUTION_COLUMNS: Column[] = [
  { key: 'code', header: '机构编码', required: true, example: 'H330521001', text: true, note: '字母、数字、-、_，2-40位；已存在的编码将更新该机构' },
  { key: 'name', header: '机构名称', required: true, example: '城南县人民医院' },
  { key: 'shortName', header: '简称', example: '县医院' },
  { key: 'level', header: '级别', required: true, example: '二级', note: `${listOf(INSTITUTION_LEVELS)}（也可填“二级甲等”）` },
  { key: 'grade', header: '等级', example: '甲', note: '甲、乙、丙；未定级机构不填' },
  { key: 'type', header: '类型', required: true, example: '综合医院', note: listOf(INSTITUTION_TYPES) },
  { key: 'regionCode', header: '行政区划代码', required: true, example: '330521', text: true, note: '6位县级或9位乡级代码（GB/T 2260）' },
  { key: 'address', header: '地址', example: '城南县人民路1号' },
  { key: 'phone', header: '电话', example: '0572-1234567', text: true },
  { key: 'consortia', header: '所属医联体', example: '', note: `已有医联体的名称，${SEP}` },
];

export const PRACTITIONER_COLUMNS: Column[] = [
  { key: 'name', header: '姓名', required: true, example: '王建国' },
  { key: 'sex', header: '性别', required: true, example: '男', note: '男、女' },
  { key: 'title', header: '职称', required: true, example: '副主任医师', note: listOf(TITLES) },
  { key: 'specialty', header: '专业', example: '心内科', note: listOf(SPECIALTIES) },
  { key: 'phone', header: '手机', example: '13800001234', text: true, note: '11位手机号' },
  { key: 'licenseNo', header: '执业证号', required: true, example: '110330521000001', text: true, note: '医师执业证书编码；已存在的证号将更新该人员' },
  { key: 'institutionCodes', header: '执业机构编码', required: true, example: 'H330521001', text: true, note: `多点执业时${SEP}` },
  { key: 'departments', header: '科室', example: '心内科', note: `与执业机构依次对应，${SEP}；机构中没有的科室将自动建立` },
];

class RowProblems {
  readonly errors: RowError[] = [];
  readonly rowsWithErrors = new Set<number>();
  constructor(private readonly columns: Column[]) {}
  add(row: number, key: string, zh: string, en: string) {
    // One message per cell: a blank required cell is not also reported as the wrong type.
    if (this.errors.some((e) => e.row === row && e.field === key)) return;
    const c = this.columns.find((x) => x.key === key)!;
    this.errors.push({ row, field: key, column: c.header, zh: `${c.header}：${zh}`, en: `${c.header} (${key}): ${en}` });
    this.rowsWithErrors.add(row);
  }
  /** Zod's issues on a row, under the columns they concern. */
  addZod(row: number, error: ZodError, keyOf: (field: string) => string = (f) => f) {
    for (const i of validationError(error).details as { field: string; zh: string; en: string }[]) this.add(row, keyOf(i.field), i.zh, i.en);
  }
  has(row: number) { return this.rowsWithErrors.has(row); }
}

/** Whether rows are written, and what the result says. */
function outcome(opts: ImportOptions, rows: SheetRow[], problems: RowProblems) {
  const write = !opts.dryRun && (opts.partial || problems.errors.length === 0);
  const bad = rows.filter((r) => problems.has(r.row)).length;
  return { write, skipped: !opts.dryRun && !write ? rows.length : bad };
}

// ——— institutions ———

const institutionRow = institutionInput.omit({ consortiumIds: true });

export async function importInstitutions(db: Db, caller: Caller, upload: Upload, opts: ImportOptions): Promise<ImportResult> {
  authorize(caller, 'directory.import');
  const rows = await readRows(upload.data, upload.filename, INSTITUTION_COLUMNS);
  const problems = new RowProblems(INSTITUTION_COLUMNS);
  return db.transaction().execute(async (tx) => {
    const codes = rows.map((r) => r.cells.code).filter((c): c is string => !!c);
    const existing = new Map((codes.length ? await tx.selectFrom('institution').select(['id', 'code']).where('code', 'in', codes).execute() : [])
      .map((r) => [r.code, r.id]));
    const consortia = new Map((await tx.selectFrom('consortium').select(['id', 'name']).execute()).map((r) => [r.name, r.id]));
    const members = new Set((existing.size ? await tx.selectFrom('consortium_member').select(['consortium_id', 'institution_id'])
      .where('institution_id', 'in', [...existing.values()]).execute() : []).map((m) => `${m.consortium_id}|${m.institution_id}`));

    const seen = new Map<string, number>();
    const parsed: { row: number; input: z.infer<typeof institutionRow>; consortiumIds: string[]; id?: string }[] = [];
    for (const { row, cells } of rows) {
      const value: Record<string, string | undefined> = { ...cells };
      delete value.consortia;
      // “三级甲等” in one cell gives both level and grade.
      const combined = cells.level?.match(/^(.+级)(甲|乙|丙)等?$/);
      if (combined && !cells.grade) { value.level = combined[1]; value.grade = combined[2]; }
      for (const [key, labels] of [['level', INSTITUTION_LEVELS], ['grade', INSTITUTION_GRADES], ['type', INSTITUTION_TYPES]] as const) {
        const v = value[key];
        if (v === undefined) continue;
        const k = fromLabel(labels, v) ?? (key === 'grade' ? fromLabel(labels, `${v}等`) : undefined);
        if (k) value[key] = k;
        else problems.add(row, key, `无法识别“${v}”，可填：${listOf(labels)}`, `“${v}” is not one of ${Object.values(labels).map((l) => l.en).join(', ')}`);
      }
      for (const c of INSTITUTION_COLUMNS) if (c.required && !cells[c.key]) problems.add(row, c.key, '必填', 'required');
      const r = institutionRow.safeParse(value);
      if (!r.success) problems.addZod(row, r.error);
      const consortiumIds: string[] = [];
      for (const name of splitList(cells.consortia)) {
        const id = consortia.get(name);
        if (id) consortiumIds.push(id);
        else problems.add(row, 'consortia', `医联体“${name}”不存在`, `There is no consortium named ${name}`);
      }
      // A code twice in one file is reported on the later row, whatever else is wrong with the first.
      const code = cells.code;
      if (code && seen.has(code)) problems.add(row, 'code', `与第${seen.get(code)}行的机构编码重复`, `Same code as row ${seen.get(code)}`);
      else if (code) seen.set(code, row);
      if (!r.success || problems.has(row)) continue;
      const input = r.data;
      if (input.level === '0' && input.grade) {
        problems.add(row, 'grade', '未定级机构不能有等级', 'An ungraded institution cannot have a grade'); continue;
      }
      const id = existing.get(input.code);
      if (id ? !can(caller, 'institution.update', { institutionId: id }) : !can(caller, 'institution.create')) {
        if (id) problems.add(row, 'code', '当前角色无权修改该机构', 'Your current role may not change this institution');
        else problems.add(row, 'code', '当前角色无权新增机构', 'Your current role may not create institutions');
        continue;
      }
      const joining = consortiumIds.filter((c) => !id || !members.has(`${c}|${id}`));
      if (joining.length && !can(caller, 'consortium.manage')) {
        problems.add(row, 'consortia', '只有医联体办公室可以调整成员单位', 'Only the consortium office may change membership'); continue;
      }
      parsed.push({ row, input, consortiumIds, id });
    }

    const { write, skipped } = outcome(opts, rows, problems);
    const valid = parsed.filter((p) => !problems.has(p.row));
    const created = valid.filter((p) => !p.id).length;
    const result = (n: { created: number; updated: number }): ImportResult => ({
      dryRun: opts.dryRun, partial: opts.partial, total: rows.length, ...n, skipped, errors: problems.errors,
    });
    if (!write) return result(opts.dryRun ? { created, updated: valid.length - created } : { created: 0, updated: 0 });

    for (const p of valid) {
      const i = p.input;
      let id = p.id;
      if (id) {
        // Blank optional cells leave the stored value as it is.
        const set = given({ name: i.name, short_name: i.shortName, level: i.level, grade: i.grade, type: i.type, region_code: i.regionCode, address: i.address, phone: i.phone });
        await tx.updateTable('institution').set({ ...set, updated_at: new Date() }).where('id', '=', id).execute();
      } else {
        id = (await tx.insertInto('institution').values({
          code: i.code, name: i.name, short_name: i.shortName ?? null, level: i.level, grade: i.grade ?? null, type: i.type,
          region_code: i.regionCode, address: i.address ?? null, phone: i.phone ?? null,
        }).returning('id').executeTakeFirstOrThrow()).id;
      }
      if (p.consortiumIds.length)
        await tx.insertInto('consortium_member').values(p.consortiumIds.map((c) => ({ consortium_id: c, institution_id: id! })))
          .onConflict((oc) => oc.doNothing()).execute();
    }
    const counts = { created, updated: valid.length - created };
    if (valid.length)
      await audit(tx, actorOf(caller), {
        action: 'directory.import.institutions', objectType: 'import',
        detail: { file: upload.filename.slice(0, 120), total: rows.length, ...counts, skipped, partial: opts.partial },
      });
    return result(counts);
  });
}
// ——— practitioners ———

const practitionerRow = practitionerInput.omit({ roles: true }).extend({ licenseNo: z.string().trim().min(1).max(40) });
const SEXES: Labels = { male: { zh: '男', en: 'male' }, female: { zh: '女', en: 'female' } };

interface ParsedPractitioner {
  row: number;
  input: z.infer<typeof practitionerRow>;
  roles: { institutionId: string; department?: { id?: string; name: string } }[];
  id?: string;
}

export async function importPractitioners(db: Db, caller: Caller, upload: Upload, opts: ImportOptions): Promise<ImportResult & { departmentsCreated: number }> {
  authorize(caller, 'directory.import');
  const rows = await readRows(upload.data, upload.filename, PRACTITIONER_COLUMNS);
  const problems = new RowProblems(PRACTITIONER_COLUMNS);
  return db.transaction().execute(async (tx) => {
    const codes = [...new Set(rows.flatMap((r) => splitList(r.cells.institutionCodes)))];
    const institutions = new Map((codes.length ? await tx.selectFrom('institution').select(['id', 'code', 'active']).where('code', 'in', codes).execute() : [])
      .map((r) => [r.code, r]));
    const instIds = [...institutions.values()].map((i) => i.id);
    const departments = new Map((instIds.length ? await tx.selectFrom('department').select(['id', 'institution_id', 'name'])
      .where('institution_id', 'in', instIds).execute() : []).map((d) => [`${d.institution_id}|${d.name}`, d.id]));
    const licenses = rows.map((r) => r.cells.licenseNo).filter((l): l is string => !!l);
    const existing = new Map((licenses.length ? await tx.selectFrom('practitioner').select(['id', 'license_no', 'title'])
      .where('license_no', 'in', licenses).execute() : []).map((p) => [p.license_no!, p]));
    const existingIds = [...existing.values()].map((p) => p.id);
    const currentRoles = existingIds.length ? await tx.selectFrom('practitioner_role').select(['practitioner_id', 'institution_id', 'department_id'])
      .where('practitioner_id', 'in', existingIds).where('active', '=', true).execute() : [];
    const activeExperts = new Set((existingIds.length ? await tx.selectFrom('expert').select('practitioner_id')
      .where('practitioner_id', 'in', existingIds).where('active', '=', true).execute() : []).map((e) => e.practitioner_id));

    const seen = new Map<string, number>();
    const parsed: ParsedPractitioner[] = [];
    for (const { row, cells } of rows) {
      const value: Record<string, string | undefined> = { name: cells.name, phone: cells.phone, licenseNo: cells.licenseNo };
      for (const [key, labels] of [['sex', SEXES], ['title', TITLES], ['specialty', SPECIALTIES]] as const) {
        const v = cells[key];
        if (v === undefined) continue;
        const k = fromLabel(labels, v) ?? (key === 'sex' ? ({ m: 'male', f: 'female', 男性: 'male', 女性: 'female' } as Record<string, string>)[v.toLowerCase()] : undefined);
        if (k) value[key] = k;
        else problems.add(row, key, `无法识别“${v}”，可填：${listOf(labels)}`, `“${v}” is not one of ${Object.values(labels).map((l) => l.en).join(', ')}`);
      }
      for (const c of PRACTITIONER_COLUMNS) if (c.required && !cells[c.key]) problems.add(row, c.key, '必填', 'required');
      const r = practitionerRow.safeParse(value);
      if (!r.success) problems.addZod(row, r.error);

      // Where they practise: institution codes, with departments in the same order.
      const instCodes = splitList(cells.institutionCodes);
      const deptNames = splitList(cells.departments);
      if (deptNames.length > Math.max(instCodes.length, 1))
        problems.add(row, 'departments', '科室数多于执业机构数', 'More departments than institutions');
      const roles: ParsedPractitioner['roles'] = [];
      instCodes.forEach((code, i) => {
        const inst = institutions.get(code);
        if (!inst) return problems.add(row, 'institutionCodes', `机构编码“${code}”不存在`, `There is no institution with code ${code}`);
        if (roles.some((x) => x.institutionId === inst.id))
          return problems.add(row, 'institutionCodes', `机构编码“${code}”重复`, `Institution ${code} appears twice`);
        if (!can(caller, 'practitioner.manage', { institutionId: inst.id }))
          return problems.add(row, 'institutionCodes', `当前角色无权管理机构“${code}”的人员`, `Your current role may not manage the staff of ${code}`);
        const name = deptNames[i];
        roles.push({ institutionId: inst.id, department: name ? { id: departments.get(`${inst.id}|${name}`), name } : undefined });
      });
      const license = cells.licenseNo;
      if (license && seen.has(license))
        problems.add(row, 'licenseNo', `与第${seen.get(license)}行的执业证号重复`, `Same licence number as row ${seen.get(license)}`);
      else if (license) seen.set(license, row);
      if (!r.success || problems.has(row)) continue;
      const input = r.data;
      const current = existing.get(input.licenseNo);
      if (current) {
        // Changing someone already registered needs the right over where they practise now (as PATCH does).
        const theirs = currentRoles.filter((c) => c.practitioner_id === current.id).map((c) => c.institution_id);
        if (!can(caller, 'practitioner.manage', { institutionId: theirs })) {
          problems.add(row, 'licenseNo', '该执业证号属于其他机构的人员，请联系医联体办公室', 'This licence number belongs to staff of another institution; ask the consortium office'); continue;
        }
        if (activeExperts.has(current.id) && !isSenior(input.title)) {
          problems.add(row, 'title', '该医生在专家库中，职称须为副主任医师及以上', 'This practitioner is in the expert pool, which needs 副主任医师 or above'); continue;
        }
      }
      parsed.push({ row, input, roles, id: current?.id });
    }

    const { write, skipped } = outcome(opts, rows, problems);
    const valid = parsed.filter((p) => !problems.has(p.row));
    const created = valid.filter((p) => !p.id).length;
    const newDepartments = new Set(valid.flatMap((p) => p.roles.filter((r) => r.department && !r.department.id).map((r) => `${r.institutionId}|${r.department!.name}`)));
    const result = (n: { created: number; updated: number; departmentsCreated: number }) => ({
      dryRun: opts.dryRun, partial: opts.partial, total: rows.length, ...n, skipped, errors: problems.errors,
    });
    if (!write)
      return result(opts.dryRun ? { created, updated: valid.length - created, departmentsCreated: newDepartments.size } : { created: 0, updated: 0, departmentsCreated: 0 });

    for (const key of newDepartments) {
      const [institutionId, name] = key.split('|') as [string, string];
      departments.set(key, (await insertDepartment(tx, { institutionId, name })).id);
    }
    for (const p of valid) await savePractitioner(tx, p, departments, currentRoles);
    const counts = { created, updated: valid.length - created, departmentsCreated: newDepartments.size };
    if (valid.length)
      await audit(tx, actorOf(caller), {
        action: 'directory.import.practitioners', objectType: 'import',
        detail: { file: upload.filename.slice(0, 120), total: rows.length, ...counts, skipped, partial: opts.partial },
      });
    return result(counts);
  });
}

/** Creates or updates one practitioner; their roles at institutions not in the row are kept (多点执业). */
async function savePractitioner(tx: Tx, p: ParsedPractitioner, departments: Map<string, string>, currentRoles: { practitioner_id: string; institution_id: string; department_id: string | null }[]) {
  let id = p.id;
  if (id) {
    // Blank optional cells leave the stored value as it is.
    const set = practitionerColumns(given(p.input));
    await tx.updateTable('practitioner').set({ ...set, updated_at: new Date() }).where('id', '=', id).execute();
  } else id = (await insertPractitioner(tx, p.input)).id;
  for (const r of p.roles) {
    const current = currentRoles.find((c) => c.practitioner_id === id && c.institution_id === r.institutionId);
    const departmentId = r.department ? departments.get(`${r.institutionId}|${r.department.name}`)! : current?.department_id ?? null;
    await tx.insertInto('practitioner_role').values({ practitioner_id: id, institution_id: r.institutionId, department_id: departmentId })
      .onConflict((oc) => oc.columns(['practitioner_id', 'institution_id']).doUpdateSet({ active: true, department_id: departmentId }))
      .execute();
  }
}

export const importTemplate = (kind: 'institutions' | 'practitioners') =>
  kind === 'institutions' ? buildTemplate('医疗机构', INSTITUTION_COLUMNS) : buildTemplate('医务人员', PRACTITIONER_COLUMNS);
