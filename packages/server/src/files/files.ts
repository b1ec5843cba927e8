/**
 * Uploaded files: checked (type allow-list, magic bytes), stored encrypted, and read back only by those allowed —
 * whoever uploaded them, or a participant of a thread where they were posted. Other capabilities (attachments,
 * consent scans) reuse the store and add their own rules to `mayRead`.
 */
import { AppError, notFound } from '@yilian/core';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Db } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { FileStoreError, type FileStore } from './store.js';
import { checkedContentType } from './types.js';

const FILE = { zh: '文件', en: 'File' };
export interface FileView { id: string; size: number; contentType: string; name: string | null }
export interface Upload { filename: string; mimetype: string; data: Buffer }

export async function uploadFile(db: Db, store: FileStore, caller: Caller, upload: Upload): Promise<FileView> {
  if (!upload.data.length) throw new AppError(400, 'empty_file', '文件为空', 'The file is empty', 'file');
  const contentType = checkedContentType(upload.mimetype, upload.data);
  const name = upload.filename.slice(0, 200) || null;
  // Written before the transaction: a file whose row then fails to commit is an unreferenced blob, never a row
  // pointing at nothing.
  const { sha256, size } = await store.put(upload.data);
  return db.transaction().execute(async (tx) => {
    await tx.insertInto('file_object').values({ sha256, size, content_type: contentType, original_name: name, created_by: caller.userId })
      .onConflict((oc) => oc.column('sha256').doNothing()).execute();
    await tx.insertInto('file_upload').values({ file_id: sha256, user_id: caller.userId, name })
      .onConflict((oc) => oc.columns(['file_id', 'user_id']).doUpdateSet({ name })).execute();
    await audit(tx, actorOf(caller), { action: 'file.upload', objectType: 'file', objectId: sha256, detail: { size, contentType } });
    const stored = await tx.selectFrom('file_object').select(['content_type']).where('sha256', '=', sha256).executeTakeFirstOrThrow();
    return { id: sha256, size, contentType: stored.content_type, name };
  });
}

/**
 * Whether `userId` may read the file, and the patient it is about when it was posted in a patient's thread. The
 * uploader may; so may every participant of a thread where it was posted.
 */
export async function fileAccess(db: Db, userId: string, fileId: string): Promise<{ allowed: boolean; patientId: string | null }> {
  const r = await sql<{ uploaded: boolean; patient_id: string | null; posted: boolean }>`
    SELECT EXISTS (SELECT 1 FROM file_upload WHERE file_id = ${fileId} AND user_id = ${userId}) AS uploaded,
           posted.patient_id, posted.thread_id IS NOT NULL AS posted
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT t.id AS thread_id, t.patient_id FROM message m
      JOIN thread t ON t.id = m.thread_id
      JOIN thread_participant p ON p.thread_id = m.thread_id AND p.user_id = ${userId}
      WHERE m.file_id = ${fileId} ORDER BY t.patient_id NULLS LAST LIMIT 1) posted ON true`.execute(db);
  const row = r.rows[0]!;
  return { allowed: row.uploaded || row.posted, patientId: row.patient_id };
}

/** The decrypted file for someone allowed to read it; unknown and not-allowed look the same (404). */
export async function readFile(db: Db, store: FileStore, caller: Caller, id: string) {
  const file = await db.selectFrom('file_object').selectAll().where('sha256', '=', id).executeTakeFirst();
  if (!file) throw notFound(FILE, 'id');
  const access = await fileAccess(db, caller.userId, id);
  if (!access.allowed) throw notFound(FILE, 'id');
  let data: Buffer;
  try {
    data = await store.get(id);
  } catch (err) {
    if (err instanceof FileStoreError && err.reason === 'missing') throw new AppError(410, 'file_missing', '文件内容已丢失', 'The file content is missing from the store', 'id');
    if (err instanceof FileStoreError) throw new AppError(500, 'file_corrupt', '文件校验失败，已拒绝读取', 'The file failed its integrity check and was not served', 'id');
    throw err;
  }
  await audit(db, actorOf(caller), { action: 'file.read', objectType: 'file', objectId: id, patientId: access.patientId });
  const upload = await db.selectFrom('file_upload').select('name').where('file_id', '=', id).where('user_id', '=', caller.userId).executeTakeFirst();
  return { data, contentType: file.content_type, name: upload?.name ?? file.original_name };
}
