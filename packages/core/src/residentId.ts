/** 居民身份证号码 (GB 11643-1999): parsing with a reason for every refusal, and masking. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';
const PROVINCES = new Set(
  '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82'.split(' '),
);

export type Sex = 'male' | 'female';
export interface ResidentIdInfo { id: string; areaCode: string; birthDate: string; sex: Sex }
export type ResidentIdProblem = 'length' | 'characters' | 'province' | 'birth_date' | 'checksum';
export type ResidentIdResult = { ok: true; value: ResidentIdInfo } | { ok: false; problem: ResidentIdProblem; zh: string; en: string };

export const residentIdCheckChar = (first17: string) =>
  CHECK_CHARS[[...first17].reduce((sum, ch, i) => sum + Number(ch) * WEIGHTS[i]!, 0) % 11]!;

export function parseResidentId(raw: string, today = new Date()): ResidentIdResult {
  const id = raw.trim().toUpperCase();
  const fail = (problem: ResidentIdProblem, zh: string, en: string): ResidentIdResult => ({ ok: false, problem, zh, en });
  if (id.length !== 18) return fail('length', `身份证号码应为18位，实际为${id.length}位`, `A resident ID has 18 characters, this one has ${id.length}`);
  if (!/^\d{17}[\dX]$/.test(id)) return fail('characters', '身份证号码前17位须为数字，末位为数字或X', 'The first 17 characters must be digits and the last a digit or X');
  if (!PROVINCES.has(id.slice(0, 2))) return fail('province', `身份证号码前两位（省级代码${id.slice(0, 2)}）无效`, `The province code ${id.slice(0, 2)} (first two digits) does not exist`);
  const y = Number(id.slice(6, 10)), m = Number(id.slice(10, 12)), d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || date > today)
    return fail('birth_date', `身份证号码中的出生日期（第7-14位 ${id.slice(6, 14)}）无效`, `The birth date in digits 7-14 (${id.slice(6, 14)}) is not a valid past date`);
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17])
    return fail('checksum', '身份证号码校验位（第18位）不正确，请核对号码', 'The check character (18th) does not match; please check the number');
  return { ok: true, value: { id, areaCode: id.slice(0, 6), birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`, sex: Number(id[16]) % 2 ? 'male' : 'female' } };
}

/** Builds a valid ID for demo and test data from a county code, a birth date and sex. */
export function makeResidentId(areaCode: string, birthDate: string, sex: Sex, seq: number): string {
  const order = String(((seq % 500) * 2 + (sex === 'male' ? 1 : 0)) % 1000).padStart(3, '0');
  const first17 = areaCode + birthDate.replaceAll('-', '') + order;
  return first17 + residentIdCheckChar(first17);
}

/** Masks an ID for lists and logs as the spec shows: 110***********1234. */
export const maskResidentId = (id: string | null | undefined) =>
  id ? id.slice(0, 3) + '*'.repeat(Math.max(0, id.length - 7)) + id.slice(-4) : id ?? null;
