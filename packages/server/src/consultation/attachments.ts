/**
 * Consultation material (history, exam data, ECG, images: PDF/JPEG/PNG/DICOM ≤ 50 MB) in the encrypted file store,
 * listed on the consultation and read by whoever may see it (experts have no thread with the file before invitation).
 */
import { AppError, forbidden, notFound } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db, Tx } from '../db/database.js';
import type { FileStore } from '../files/store.js';
import { checkedContentType } from '../files/types.js';
import { actorOf, type Caller } from '../http/context.js';
import { announceConsultation, assertCanRead, consultationView, event, loadConsultation, stateConflict } from './common.js';
import { EDITABLE } from './consultations.js';

export const ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024;
const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'application/dicom'];
const FILE = { zh: '附件', en: 'Attachment' };

export interface Upload { filename: string; mimetype: string; data: Buffer }

/** Checks the type (by its bytes) and puts the file in the store; the rows follow in the caller's transaction. */
export async function storeUpload(store: FileStore, upload: Upload, types: string[], what: { zh: string; en: string }) {
  if (!upload.data.length) throw new AppError(400, 'empty_file', '文件为空', 'The file is empty', 'file');
  const contentType = checkedContentType(upload.mimetype, upload.data);
  if (!types.includes(contentType))
    throw new AppError(415, 'unsupported_media_type', `${what.zh}格式不支持`, `${what.en}: this file type is not accepted`, 'file', { allowed: types });
  const { sha256, size } = await store.put(upload.data);
  return { sha256, size, contentType, name: upload.filename.slice(0, 200) || 'file' };
}

/** The file_object row (once per content) and the uploader's file_upload row. */
export async function fileRows(tx: Tx, caller: Caller, f: { sha256: string; size: number; contentType: string; name: string }) {
  await tx.insertInto('file_object').values({ sha256: f.sha256, size: f.size, content_type: f.contentType, original_name: f.name, created_by: caller.userId })
    .onConflict((oc) => oc.column('sha256').doNothing()).execute();
  await tx.insertInto('file_upload').values({ file_id: f.sha256, user_id: caller.userId, name: f.name })
    .onConflict((oc) => oc.columns(['file_id', 'user_id']).doUpdateSet({ name: f.name })).execute();
}

/** Adds material to the request (its applicant), while it can still be changed. */
export async function attachFile(db: Db, store: FileStore, caller: Caller, id: string, upload: Upload) {
  const c0 = await loadConsultation(db, id);
  if (caller.userId !== c0.created_by) throw forbidden('只有申请医生可以添加会诊资料', 'Only the applicant adds material');
  const f = await storeUpload(store, upload, ATTACHMENT_TYPES, { zh: '会诊资料须为 PDF、JPEG、PNG 或 DICOM；', en: 'Consultation material must be PDF, JPEG, PNG or DICOM' });
  return db.transaction().execute(async (tx) => {
    const c = await loadConsultation(tx, id, true);
    if (!EDITABLE.includes(c.status)) throw stateConflict(c.status, '添加资料', 'Adding material');
    await fileRows(tx, caller, f);
    const attachments = [...c.attachments.filter((a) => a.sha256 !== f.sha256), { sha256: f.sha256, name: f.name, contentType: f.contentType, size: f.size }];
    const updated = await tx.updateTable('consultation').set({ attachments: JSON.stringify(attachments), version: c.version + 1, updated_at: new Date() })
      .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await event(tx, caller, id, 'attach', c.status, c.status, null, { sha256: f.sha256, name: f.name });
    await audit(tx, actorOf(caller), { action: 'consultation.attach', objectType: 'consultation', objectId: id, patientId: c.patient_id, detail: { sha256: f.sha256, size: f.size, contentType: f.contentType } });
    await announceConsultation(tx, updated);
    return consultationView(updated);
  });
}

/** One attachment's (or the consent form's) bytes for someone who may see the consultation. */
export async function readAttachment(db: Db, store: FileStore, caller: Caller, id: string, sha256: string) {
  const c = await loadConsultation(db, id);
  await assertCanRead(db, caller, c);
  let a: { name: string; contentType: string } | undefined = c.attachments.find((x) => x.sha256 === sha256);
  if (!a) {
    const consent = await db.selectFrom('consultation_consent as cc').innerJoin('file_object as f', 'f.sha256', 'cc.file_id')
      .select(['f.content_type', 'f.original_name']).where('cc.consultation_id', '=', id).where('cc.file_id', '=', sha256).executeTakeFirst();
    if (consent) a = { name: consent.original_name ?? 'consent', contentType: consent.content_type };
  }
  if (!a) throw notFound(FILE, 'fileId');
  const data = await store.get(sha256);
  await audit(db, actorOf(caller), { action: 'consultation.attachment.read', objectType: 'consultation', objectId: id, patientId: c.patient_id, detail: { sha256 } });
  return { data, contentType: a.contentType, name: a.name };
}
