/**
 * Referral attachments (PDF/JPEG/PNG ≤ 20 MB): kept in the encrypted file store, listed on the referral, and read
 * by whoever may see the referral (the receiving office has no thread with the file, so files/ would refuse it).
 */
import { AppError, conflict, forbidden, notFound } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import type { FileStore } from '../files/store.js';
import { checkedContentType } from '../files/types.js';
import { actorOf, type Caller } from '../http/context.js';
import { announceReferral, assertCanRead, loadReferral, referralView } from './common.js';

export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;
const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'];
const FILE = { zh: '附件', en: 'Attachment' };

/** Adds a file to a draft or returned referral (its author). */
export async function attachFile(db: Db, store: FileStore, caller: Caller, id: string, upload: { filename: string; mimetype: string; data: Buffer }) {
  const r0 = await loadReferral(db, id);
  if (caller.userId !== r0.created_by) throw forbidden('只有申请医生可以添加附件', 'Only the referring doctor adds attachments');
  if (!upload.data.length) throw new AppError(400, 'empty_file', '文件为空', 'The file is empty', 'file');
  const contentType = checkedContentType(upload.mimetype, upload.data);
  if (!ATTACHMENT_TYPES.includes(contentType))
    throw new AppError(415, 'unsupported_media_type', '转诊附件须为 PDF、JPEG 或 PNG', 'Referral attachments must be PDF, JPEG or PNG', 'file');
  const { sha256, size } = await store.put(upload.data);
  const name = upload.filename.slice(0, 200) || 'attachment';
  return db.transaction().execute(async (tx) => {
    const r = await loadReferral(tx, id, true);
    if (!['draft', 'returned'].includes(r.status))
      throw conflict('invalid_transition', `转诊单当前状态（${r.status}）不能添加附件`, `Attachments cannot be added while the referral is ${r.status}`, 'id', { status: r.status });
    await tx.insertInto('file_object').values({ sha256, size, content_type: contentType, original_name: name, created_by: caller.userId })
      .onConflict((oc) => oc.column('sha256').doNothing()).execute();
    await tx.insertInto('file_upload').values({ file_id: sha256, user_id: caller.userId, name })
      .onConflict((oc) => oc.columns(['file_id', 'user_id']).doUpdateSet({ name })).execute();
    const attachments = [...r.attachments.filter((a) => a.sha256 !== sha256), { sha256, name, contentType, size }];
    const updated = await tx.updateTable('referral').set({ attachments: JSON.stringify(attachments), version: r.version + 1, updated_at: new Date() })
      .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await tx.insertInto('referral_event').values({ referral_id: id, user_id: caller.userId, institution_id: caller.role.institutionId, action: 'attach', from_status: r.status, to_status: r.status, detail: JSON.stringify({ sha256, name }) }).execute();
    await audit(tx, actorOf(caller), { action: 'referral.attach', objectType: 'referral', objectId: id, patientId: r.patient_id, detail: { sha256, size, contentType } });
    await announceReferral(tx, updated);
    return referralView(updated);
  });
}

/** One attachment's bytes for someone who may see the referral. */
export async function readAttachment(db: Db, store: FileStore, caller: Caller, id: string, sha256: string) {
  const r = await loadReferral(db, id);
  await assertCanRead(db, caller, r);
  const a = r.attachments.find((x) => x.sha256 === sha256);
  if (!a) throw notFound(FILE, 'fileId');
  const data = await store.get(sha256);
  await audit(db, actorOf(caller), { action: 'referral.attachment.read', objectType: 'referral', objectId: id, patientId: r.patient_id, detail: { sha256 } });
  return { data, contentType: a.contentType, name: a.name };
}
