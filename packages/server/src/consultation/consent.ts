/**
 * 知情同意: the patient's (or next of kin's) signed consent to the remote consultation — a signature drawn on screen
 * (PNG) or a photo/scan of the paper form — kept in the file store and filed in the shared record as a
 * `consent_form` document. Submitting a request needs one (actions.ts).
 */
import { CONSENT_RELATION_LABELS, forbidden, type ConsentRelation } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import type { FileStore } from '../files/store.js';
import { actorOf, type Caller } from '../http/context.js';
import { createEntry } from '../record/entries.js';
import { announceConsultation, event, loadConsultation, stateConflict } from './common.js';
import { fileRows, storeUpload, type Upload } from './attachments.js';
import { EDITABLE } from './consultations.js';

export const CONSENT_MAX_BYTES = 10 * 1024 * 1024;
const CONSENT_TYPES = ['image/png', 'image/jpeg', 'application/pdf'];

export interface ConsentInput { signerName: string; relation: ConsentRelation; signedAt?: string | undefined; method: 'drawn' | 'scan' }

export const consentView = (r: { id: string; signer_name: string; relation: string; signed_at: Date; method: string; file_id: string; document_id: string | null; recorded_by: string; created_at: Date }) => ({
  id: r.id, signerName: r.signer_name, relation: r.relation, relationLabel: CONSENT_RELATION_LABELS[r.relation as ConsentRelation],
  signedAt: r.signed_at, method: r.method, fileId: r.file_id, documentId: r.document_id, recordedBy: r.recorded_by, createdAt: r.created_at,
});

/** Records the signed consent (the applicant, before submitting or while it can still be changed). */
export async function recordConsent(db: Db, store: FileStore, caller: Caller, id: string, input: ConsentInput, upload: Upload) {
  const c0 = await loadConsultation(db, id);
  if (caller.userId !== c0.created_by) throw forbidden('只有申请医生可以登记知情同意', 'Only the applicant records the consent');
  const f = await storeUpload(store, upload, CONSENT_TYPES, { zh: '知情同意书须为 PNG、JPEG 或 PDF；', en: 'The consent form must be PNG, JPEG or PDF' });
  const signedAt = input.signedAt ? new Date(input.signedAt) : new Date();
  return db.transaction().execute(async (tx) => {
    const c = await loadConsultation(tx, id, true);
    if (!EDITABLE.includes(c.status)) throw stateConflict(c.status, '登记知情同意', 'Recording the consent');
    await fileRows(tx, caller, f);
    const relation = CONSENT_RELATION_LABELS[input.relation].zh;
    // The form in the shared record, written by the applicant's institution (which cares for the patient).
    const doc = await createEntry(tx, caller, 'document', c.patient_id, {
      kind: 'consent_form', title: `远程会诊知情同意书 ${c.code}`, authoredAt: signedAt,
      text: `签署人：${input.signerName}（${relation}）；签署方式：${input.method === 'drawn' ? '屏幕手写签名' : '纸质签署扫描件'}；会诊单号：${c.code}`,
      ...(caller.practitionerId ? { practitionerId: caller.practitionerId } : {}),
    });
    await tx.insertInto('document_attachment').values({ document_id: doc.versionId, position: 1, file_sha256: f.sha256, name: f.name, content_type: f.contentType, size: f.size }).execute();
    const row = await tx.insertInto('consultation_consent').values({
      consultation_id: id, signer_name: input.signerName, relation: input.relation, signed_at: signedAt, file_id: f.sha256,
      method: input.method, recorded_by: caller.userId, document_id: doc.id,
    }).returningAll().executeTakeFirstOrThrow();
    const updated = await tx.updateTable('consultation').set({ version: c.version + 1, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await event(tx, caller, id, 'consent', c.status, c.status, null, { consentId: row.id, documentId: doc.id, relation: input.relation, method: input.method });
    await audit(tx, actorOf(caller), { action: 'consultation.consent', objectType: 'consultation', objectId: id, patientId: c.patient_id, detail: { consentId: row.id, documentId: doc.id, sha256: f.sha256 } });
    await announceConsultation(tx, updated);
    return { ...consentView(row), consultationVersion: updated.version };
  });
}
