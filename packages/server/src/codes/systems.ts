/** The code systems Yilian knows by name, and the code formats it checks on import (see docs/operations.md "Code systems"). */

/** 疾病分类与代码国家临床版 2.0, loaded from the official file with `npm run codes:import`. */
export const ICD10_CN_CLINICAL = 'icd10-cn-clinical-2.0';
/** The project's own list of common diagnoses (codes/icd10-common.ts), loaded at every start. */
export const ICD10_YILIAN_COMMON = 'icd10-yilian-common';
export const ICD10_YILIAN_COMMON_VERSION = 'yilian-2026';

/** Clinical Edition 2.0 diagnosis codes: `I10.x00`, `E11.900`, `F31.000x001`, and bare categories `I10`. */
export const ICD10_CLINICAL_RE = /^[A-Z]\d{2}(\.[\dx]\d{2}(x\d{3})?)?$/;
/** 手术操作分类代码国家临床版 3.0 (ICD-9-CM-3): `36.0601`, `81.5100x001`. */
export const ICD9CM3_CLINICAL_RE = /^\d{2}\.\d{2,4}(x\d{3})?$/;
/** Any other system: letters, digits and `.-_x`, up to 40 characters. */
export const GENERIC_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

/** The format check for codes of a system. */
export function codeFormatOf(system: string): RegExp {
  if (system.startsWith('icd10-')) return ICD10_CLINICAL_RE;
  if (system.startsWith('icd9cm3-')) return ICD9CM3_CLINICAL_RE;
  return GENERIC_CODE_RE;
}

/**
 * A code as typed in a file or a search box, in the stored spelling: half-width, no spaces; for ICD codes the
 * chapter letter upper case and the placeholder `x` lower case (`i10.X00` → `I10.x00`).
 */
export function normaliseCode(system: string, raw: string): string {
  const s = raw.normalize('NFKC').replace(/\s+/g, '');
  if (system.startsWith('icd10-') || system.startsWith('icd9cm3-')) return s.slice(0, 1).toUpperCase() + s.slice(1).toLowerCase();
  return s;
}

/** The code an extension code refines (`I10.x00x002` → `I10.x00`), else null. */
export const parentOf = (code: string): string | null => code.match(/^(.+)x\d{3}$/)?.[1] ?? null;
