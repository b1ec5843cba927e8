/**
 * Documents with attachments (出院小结、转诊单、扫描件 …): the files go into the encrypted, content-addressed store
 * and are listed per document version; they are served, decrypted, only to those who may read the record.
 */
import { AppError, notFound } from '@yilian/core';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { FileStoreError, type FileStore } from '../files/store.js';
import { ALLOWED_TYPES } from '../files/types.js';
import { assertAccess, auditRead } from './access.js';
import { createEntry, KINDS, type EntryView } from './entries.js';
import type { EntryInputs } from './schemas.js';

export const MAX_ATTACHMENTS = 10;
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
/** Attachments are PDFs or photos/scans; the type is read from the bytes, whatever the upload claims. */
const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;

export interface AttachmentUpload { filename: string; data: Buffer }

export const attachmentTooLarge = () =>
  new AppError(413, 'attachment_too_large', '单个附件不能超过 20 MB', 'Each attachment may be at most 20 MB', 'file', { maxBytes: MAX_ATTACHMENT_BYTES });

/** The attachment's real type from its first bytes, or 415. */
export function attachmentType(data: Buffer, name: string): string {
  const type = ATTACHMENT_TYPES.find((t) => ALLOWED_TYPES[t]!(data));
  if (!type)
    throw new AppError(415, 'unsupported_media_type', `附件只能是 PDF、JPEG 或 PNG 文件（${name || '未命名'}）`,
      `Attachments must be PDF, JPEG or PNG files (${name || 'unnamed'})`, 'file', { allowed: ATTACHMENT_TYPES });
  return type;
}

/** A document entry and its attachments, in one transaction; the files are stored first (an orphan blob at worst). */
export async function createDocument(db: Db, store: FileStore, caller: Caller, patientId: string, meta: EntryInputs['document'], files: AttachmentUpload[]): Promise<EntryView> {
  if (!files.length) throw new AppError(400, 'file_required', '请至少上传一个附件（字段名 file）', 'Attach at least one file (field "file")', 'file');
  if (files.length > MAX_ATTACHMENTS)
    throw new AppError(400, 'too_many_files', `附件不能超过 ${MAX_ATTACHMENTS} 个`, `At most ${MAX_ATTACHMENTS} attachments`, 'file');
  const checked = files.map((f) => {
    if (!f.data.length) throw new AppError(400, 'empty_file', `附件为空（${f.filename}）`, `An attachment is empty (${f.filename})`, 'file');
    if (f.data.length > MAX_ATTACHMENT_BYTES) throw attachmentTooLarge();
    return { ...f, contentType: attachmentType(f.data, f.filename) };
  });
  return db.transaction().execute(async (tx) => {
    // Entry first: it checks the caller's right to write and the content before anything is stored.
    const doc = await createEntry(tx, caller, 'document', patientId, meta);
    const stored = [];
    for (const [i, f] of checked.entries()) {
      const { sha256, size } = await store.put(f.data);
      await tx.insertInto('file_object').values({ sha256, size, content_type: f.contentType, original_name: f.filename.slice(0, 200) || null, created_by: caller.userId })
        .onConflict((oc) => oc.column('sha256').doNothing()).execute();
      stored.push({ document_id: doc.versionId, position: i + 1, file_sha256: sha256, name: f.filename.slice(0, 200) || `附件${i + 1}`, content_type: f.contentType, size });
    }
    await tx.insertInto('document_attachment').values(stored).execute();
    return { ...doc, attachments: stored.map((a) => ({ position: a.position, name: a.name, contentType: a.content_type, size: a.size })) };
  });
}

/** The decrypted attachment of a document's current version (or of `version`), for someone who may read the record. */
export async function readAttachment(db: Db, store: FileStore, caller: Caller, entryId: string, position: number, version?: number) {
  let q = db.selectFrom('document as d').select(['d.id', 'd.patient_id', 'd.version']).where('d.entry_id', '=', entryId);
  q = version === undefined ? q.where('d.superseded_at', 'is', null) : q.where('d.version', '=', version);
  const doc = await q.executeTakeFirst();
  if (!doc) throw notFound(KINDS.document.label, 'entryId');
  const access = await assertAccess(db, caller, doc.patient_id, 'document');
  const att = await db.selectFrom('document_attachment').selectAll().where('document_id', '=', doc.id).where('position', '=', position).executeTakeFirst();
  if (!att) throw notFound({ zh: '附件', en: 'Attachment' }, 'position');
  let data: Buffer;
  try {
    data = await store.get(att.file_sha256);
  } catch (err) {
    if (err instanceof FileStoreError && err.reason === 'missing') throw new AppError(410, 'file_missing', '文件内容已丢失', 'The file content is missing from the store', 'position');
    if (err instanceof FileStoreError) throw new AppError(500, 'file_corrupt', '文件校验失败，已拒绝读取', 'The file failed its integrity check and was not served', 'position');
    throw err;
  }
  await auditRead(db, caller, doc.patient_id, access, { kind: 'document', objectType: 'document', objectId: entryId, detail: { attachment: position, version: doc.version } });
  return { data, contentType: att.content_type, name: att.name };
}
