/** Test fixtures for the shared record: a few ICD-10 codes and lab items, and entries written directly. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';

/** The codes the record tests use (the real ICD-10 list is loaded by codes/). */
export async function loadTestCodes(db: Db) {
  await db.insertInto('code_system_concept').values([
    { system: 'icd10-test', code: 'I10.x00', display: '高血压', initials: 'gxy' },
    { system: 'icd10-test', code: 'E11.900', display: '2型糖尿病', initials: 'xtnb' },
    { system: 'icd10-test', code: 'J18.900', display: '肺炎', initials: 'fy' },
  ]).onConflict((oc) => oc.doNothing()).execute();
  await db.insertInto('lab_item').values([
    { code: 'T-HGB', name: '血红蛋白', panel: '血常规', unit: 'g/L', ref_low: 130, ref_high: 175 },
    { code: 'T-GLU', name: '空腹血糖', panel: '生化', unit: 'mmol/L', ref_low: 3.9, ref_high: 6.1 },
    { code: 'T-WBC', name: '白细胞计数', panel: '血常规', unit: '10^9/L', ref_low: 3.5, ref_high: 9.5 },
  ]).onConflict((oc) => oc.doNothing()).execute();
}

/** An encounter of the patient at the institution, written directly (a care relationship for access tests). */
export async function makeEncounter(db: Db, patientId: string, institutionId: string, startedAt = new Date()) {
  const id = randomUUID();
  await db.insertInto('encounter').values({ id, entry_id: id, patient_id: patientId, institution_id: institutionId, class: 'outpatient', started_at: startedAt }).execute();
  return id;
}
