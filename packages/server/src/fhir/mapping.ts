/** Small mapping helpers shared by the facade's modules: names, token values, references to our own resources. */
import type { HumanName } from '@medplum/fhirtypes';
import { notFound } from '@yilian/core';
import { invalid } from './outcome.js';
import { isUuid } from './search.js';

/** 复姓: two-character surnames, so family/given split right (欧阳娜娜 → 欧阳 + 娜娜). */
const COMPOUND_SURNAMES = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '轩辕', '令狐', '端木', '独孤', '南宫', '西门', '百里', '呼延', '万俟', '闻人', '澹台', '申屠'];

/** A Chinese name as HumanName: `text` the whole name, family the surname, given the rest. */
export function chineseName(name: string, use: HumanName['use'] = 'official'): HumanName {
  const n = name.trim();
  if (!/^\p{Script=Han}{2,}$/u.test(n)) return { use, text: n };
  const surname = COMPOUND_SURNAMES.find((s) => n.startsWith(s) && n.length > 2) ?? n[0]!;
  return { use, text: n, family: surname, given: [n.slice(surname.length)] };
}

/** The one name of an incoming HumanName list: its text, else family + given (Chinese order, no spaces between Han). */
export function nameFrom(names: { text?: string; family?: string; given?: string[]; use?: string }[] | undefined): string | undefined {
  const n = names?.find((x) => x.use === 'official') ?? names?.[0];
  if (!n) return undefined;
  if (n.text?.trim()) return n.text.trim();
  const parts = [n.family ?? '', ...(n.given ?? [])].map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return undefined;
  return parts.every((p) => /^\p{Script=Han}+$/u.test(p)) ? parts.join('') : parts.join(' ');
}

/** A token search value: `code`, `system|code` or `|code` (no system). */
export function tokenValue(v: string): { system?: string; code: string; noSystem?: boolean } {
  const i = v.indexOf('|');
  if (i < 0) return { code: v };
  if (i === 0) return { code: v.slice(1), noSystem: true };
  return { system: v.slice(0, i), code: v.slice(i + 1) };
}

/** The id a reference of one of the given types carries (`Type/<id>`, or an absolute URL ending so). */
export function refId(reference: string | undefined, types: readonly string[], path: string, label: { zh: string; en: string }): string {
  const m = reference?.match(/^(?:.*\/)?([A-Za-z]+)\/([^/]+)$/);
  if (!m || !types.includes(m[1]!)) throw invalid('invalid_reference', `${path} 须为 ${types.join('/')}/<id>`, `${path} must be ${types.join(' or ')}/<id>`, path);
  if (!isUuid(m[2]!)) throw notFound(label, path);
  return m[2]!.toLowerCase();
}

export const ref = (type: string, id: string, display?: string | null): { reference: string; display?: string } =>
  ({ reference: `${type}/${id}`, ...(display ? { display } : {}) });

export const iso = (d: Date | string) => new Date(d).toISOString();
