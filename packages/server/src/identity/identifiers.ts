/** Links an institution's local patient number (门诊号/住院号/就诊卡号) to the one patient of the consortium. */
import { notFound, type PatientIdentifierInput } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import type { Actor } from '../http/context.js';
import {
  ensureInstitution, ensureNewIdentifier, mergedRecord, PATIENT, translateUniqueViolation, type IdentifierView,
} from './patients.js';

export async function linkIdentifier(db: Db, actor: Actor, patientId: string, input: PatientIdentifierInput): Promise<IdentifierView> {
  const kind = input.kind ?? 'local_mrn';
  try {
    return await db.transaction().execute(async (tx) => {
      const p = await tx.selectFrom('patient').selectAll().where('id', '=', patientId).forUpdate().executeTakeFirst();
      if (!p) throw notFound(PATIENT, 'id');
      if (p.status === 'merged') throw mergedRecord(p);
      const institution = await ensureInstitution(tx, input.institutionId, 'institutionId');
      await ensureNewIdentifier(tx, input.institutionId, kind, input.value, 'value');
      const row = await tx.insertInto('patient_identifier')
        .values({ patient_id: patientId, institution_id: input.institutionId, kind, value: input.value })
        .returningAll().executeTakeFirstOrThrow();
      await audit(tx, actor, {
        action: 'patient.link_local_number', objectType: 'patient_identifier', objectId: row.id, patientId,
        detail: { institutionId: input.institutionId, kind },
      });
      return { id: row.id, institutionId: row.institution_id, institutionName: institution.name, kind: row.kind, value: row.value, createdAt: row.created_at };
    });
  } catch (err) {
    throw await translateUniqueViolation(db, err, null);
  }
}
