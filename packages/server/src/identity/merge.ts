/**
 * 合并重复患者 and its undo. A merge moves the merged record's local numbers (and patient accounts) to the survivor,
 * fills the survivor's empty fields from the merged record and marks the merged record `merged`; everything it
 * changed is remembered in patient_merge so that an undo puts both records back as they were.
 */
import { AppError, conflict, notFound, type PatientMergeInput } from '@yilian/core';
import { audit } from '../audit/audit.js';
import { notify } from '../messaging/notifications.js';
import { publishTopic } from '../realtime/bus.js';
import type { Db } from '../db/database.js';
import type { Actor } from '../http/context.js';
import { fieldNames, PATIENT, type DbOrTx, type PatientRow } from './patients.js';

const MERGE = { zh: '合并记录', en: 'Merge' };

/** Survivor fields a merge may fill when they are empty (name, sex and birth date are never empty). */
const FILLABLE = ['resident_id', 'phone', 'insurance_card_no', 'address', 'region_code'] as const;
/** The columns a snapshot keeps and an undo restores. */
const SNAPSHOT = ['resident_id', 'name', 'name_pinyin', 'name_initials', 'sex', 'birth_date', 'phone', 'insurance_card_no',
  'address', 'region_code', 'status', 'merged_into', 'version'] as const;
type Snapshot = Pick<PatientRow, (typeof SNAPSHOT)[number]>;
const snapshot = (p: PatientRow): Snapshot => Object.fromEntries(SNAPSHOT.map((k) => [k, p[k]])) as Snapshot;

export interface MergeView {
  id: string; survivorId: string; survivorName: string; mergedId: string; mergedName: string; reason: string | null;
  movedIdentifierCount: number; filledFields: string[];
  mergedAt: Date; mergedBy: { id: string; username: string | null };
  undoneAt: Date | null; undoneBy: { id: string; username: string | null } | null;
}

/** What the merge filled in: empty on the survivor before, present on the merged record. */
const filledBy = (survivorBefore: Snapshot, mergedBefore: Snapshot) =>
  FILLABLE.filter((f) => survivorBefore[f] == null && mergedBefore[f] != null);

async function lockPair(db: DbOrTx, survivorId: string, mergedId: string) {
  // Locked in id order, so two merges over the same pair cannot deadlock.
  const rows = await db.selectFrom('patient').selectAll().where('id', 'in', [survivorId, mergedId]).orderBy('id').forUpdate().execute();
  const survivor = rows.find((r) => r.id === survivorId), merged = rows.find((r) => r.id === mergedId);
  if (!survivor) throw notFound(PATIENT, 'survivorId');
  if (!merged) throw notFound(PATIENT, 'mergedId');
  return { survivor, merged };
}

const actorUser = (actor: Actor) => {
  if (!actor.userId) throw new AppError(403, 'forbidden', '合并须由已登录的用户执行', 'A merge needs a signed-in user');
  return actor.userId;
};

export async function mergePatients(db: Db, actor: Actor, input: PatientMergeInput): Promise<MergeView> {
  const userId = actorUser(actor);
  if (input.survivorId === input.mergedId)
    throw conflict('merge_self', '不能将患者记录与其自身合并', 'A record cannot be merged with itself', 'mergedId');
  const id = await db.transaction().execute(async (tx) => {
    const { survivor, merged } = await lockPair(tx, input.survivorId, input.mergedId);
    if (survivor.status !== 'active')
      throw conflict('already_merged', '保留的记录已被合并到其他患者', 'The record to keep has itself been merged into another', 'survivorId', { mergedInto: survivor.merged_into });
    if (merged.status !== 'active')
      throw conflict('already_merged', '该记录已被合并过', 'This record has already been merged', 'mergedId', { mergedInto: merged.merged_into });
    if (survivor.resident_id && merged.resident_id)
      throw conflict('resident_id_conflict', '两条记录的身份证号码不同，是不同的人，不能合并',
        'The two records carry different resident IDs, so they are different people and cannot be merged', 'mergedId');

    const survivorBefore = snapshot(survivor), mergedBefore = snapshot(merged);
    const fill = Object.fromEntries(filledBy(survivorBefore, mergedBefore).map((f) => [f, merged[f]]));
    const now = new Date();
    // resident_id is UNIQUE and not deferrable: take it off the merged record before the survivor gets it.
    await tx.updateTable('patient').set({ status: 'merged', merged_into: survivor.id, resident_id: null, version: merged.version + 1, updated_at: now })
      .where('id', '=', merged.id).execute();
    await tx.updateTable('patient').set({ ...fill, version: survivor.version + 1, updated_at: now }).where('id', '=', survivor.id).execute();
    const moved = await tx.updateTable('patient_identifier').set({ patient_id: survivor.id }).where('patient_id', '=', merged.id).returning('id').execute();
    // A patient who signs in with the merged record now sees the one record.
    const accounts = await tx.updateTable('user_account').set({ patient_id: survivor.id }).where('patient_id', '=', merged.id).returning('id').execute();

    const row = await tx.insertInto('patient_merge').values({
      survivor_id: survivor.id, merged_id: merged.id, reason: input.reason, merged_by: userId, merged_at: now,
      moved_identifier_ids: moved.map((m) => m.id), moved_account_ids: accounts.map((a) => a.id),
      survivor_before: JSON.stringify(survivorBefore), merged_before: JSON.stringify(mergedBefore),
    }).returning('id').executeTakeFirstOrThrow();

    const detail = {
      survivorId: survivor.id, mergedId: merged.id, movedIdentifiers: moved.length, movedAccounts: accounts.length,
      filledFields: fieldNames(Object.keys(fill)),
    };
    // One entry per patient, so each one's audit trail shows the merge.
    for (const [patientId, side] of [[survivor.id, 'survivor'], [merged.id, 'merged']] as const)
      await audit(tx, actor, { action: 'patient.merge', objectType: 'patient_merge', objectId: row.id, patientId, reason: input.reason, detail: { ...detail, side } });
    for (const p of [survivor.id, merged.id]) await publishTopic(tx, `patient:${p}`, { type: 'patient.merged', mergeId: row.id });
    return row.id;
  });
  return getMerge(db, id);
}

/**
 * Puts both records back. Fields the merge filled go back to empty unless someone has changed them since; the
 * merged record gets back exactly what it had (its resident ID included), and so do the moved local numbers and
 * accounts. A survivor that was itself merged later must be split off first.
 */
export async function undoMerge(db: Db, actor: Actor, mergeId: string): Promise<MergeView> {
  const userId = actorUser(actor);
  await db.transaction().execute(async (tx) => {
    const m = await tx.selectFrom('patient_merge').selectAll().where('id', '=', mergeId).forUpdate().executeTakeFirst();
    if (!m) throw notFound(MERGE, 'id');
    if (m.undone_at) throw conflict('already_undone', '该合并已撤销过', 'This merge has already been undone', undefined, { undoneAt: m.undone_at });
    const { survivor, merged } = await lockPair(tx, m.survivor_id, m.merged_id);
    if (survivor.status !== 'active')
      throw conflict('survivor_merged', '保留的记录之后又被合并到其他患者，请先撤销那次合并',
        'The record kept by this merge was merged again later; undo that merge first', undefined, { mergedInto: survivor.merged_into });
    if (merged.status !== 'merged' || merged.merged_into !== survivor.id)
      throw conflict('merge_changed', '合并后的记录状态已变化，无法撤销', 'The merged record has changed since; this merge cannot be undone');

    const survivorBefore = m.survivor_before as Snapshot, mergedBefore = m.merged_before as Snapshot;
    const unfill = Object.fromEntries(filledBy(survivorBefore, mergedBefore)
      .filter((f) => survivor[f] === mergedBefore[f]).map((f) => [f, survivorBefore[f]]));
    const now = new Date();
    await tx.updateTable('patient').set({ ...unfill, version: survivor.version + 1, updated_at: now }).where('id', '=', survivor.id).execute();
    if (mergedBefore.resident_id) {
      const holder = await tx.selectFrom('patient').select('id').where('resident_id', '=', mergedBefore.resident_id).executeTakeFirst();
      if (holder)
        throw conflict('resident_id_taken', '该记录原来的身份证号码现已属于另一条记录，无法撤销', 'The resident ID of the merged record is now on another record; the merge cannot be undone', undefined, { holderId: holder.id });
    }
    const { version: _v, ...restore } = mergedBefore;
    await tx.updateTable('patient').set({ ...restore, version: merged.version + 1, updated_at: now }).where('id', '=', merged.id).execute();
    if (m.moved_identifier_ids.length)
      await tx.updateTable('patient_identifier').set({ patient_id: merged.id })
        .where('id', 'in', m.moved_identifier_ids).where('patient_id', '=', survivor.id).execute();
    if (m.moved_account_ids.length)
      await tx.updateTable('user_account').set({ patient_id: merged.id })
        .where('id', 'in', m.moved_account_ids).where('patient_id', '=', survivor.id).execute();
    await tx.updateTable('patient_merge').set({ undone_at: now, undone_by: userId }).where('id', '=', m.id).execute();

    const detail = { survivorId: survivor.id, mergedId: merged.id, restoredFields: fieldNames(Object.keys(unfill)) };
    for (const [patientId, side] of [[survivor.id, 'survivor'], [merged.id, 'merged']] as const)
      await audit(tx, actor, { action: 'patient.merge_undo', objectType: 'patient_merge', objectId: m.id, patientId, detail: { ...detail, side } });
    for (const p of [survivor.id, merged.id]) await publishTopic(tx, `patient:${p}`, { type: 'patient.merge_undone', mergeId: m.id });
    // Whoever made the merge learns that it was undone (no patient data in the text: it may go out by e-mail).
    if (m.merged_by !== userId)
      await notify(tx, {
        userIds: [m.merged_by], kind: 'patient_merge', link: `/patients/${survivor.id}`,
        title: { zh: '您执行的患者合并已被撤销', en: 'A patient merge you made was undone' },
        body: { zh: `撤销人：${actor.username ?? ''}`, en: `Undone by ${actor.username ?? ''}` },
      });
  });
  return getMerge(db, mergeId);
}

function mergeQuery(db: Db) {
  return db.selectFrom('patient_merge as pm')
    .innerJoin('patient as s', 's.id', 'pm.survivor_id')
    .innerJoin('patient as m', 'm.id', 'pm.merged_id')
    .leftJoin('user_account as ub', 'ub.id', 'pm.merged_by')
    .leftJoin('user_account as uu', 'uu.id', 'pm.undone_by')
    .select(['pm.id', 'pm.survivor_id', 's.name as survivor_name', 'pm.merged_id', 'm.name as merged_name', 'pm.reason',
      'pm.moved_identifier_ids', 'pm.survivor_before', 'pm.merged_before', 'pm.merged_at', 'pm.merged_by', 'ub.username as merged_by_username',
      'pm.undone_at', 'pm.undone_by', 'uu.username as undone_by_username']);
}
type MergeRow = Awaited<ReturnType<ReturnType<typeof mergeQuery>['executeTakeFirstOrThrow']>>;

const mergeView = (r: MergeRow): MergeView => ({
  id: r.id, survivorId: r.survivor_id, survivorName: r.survivor_name, mergedId: r.merged_id, mergedName: r.merged_name,
  reason: r.reason, movedIdentifierCount: r.moved_identifier_ids.length,
  filledFields: r.merged_before ? fieldNames(filledBy(r.survivor_before as Snapshot, r.merged_before as Snapshot)) : [],
  mergedAt: r.merged_at, mergedBy: { id: r.merged_by, username: r.merged_by_username },
  undoneAt: r.undone_at, undoneBy: r.undone_by ? { id: r.undone_by, username: r.undone_by_username } : null,
});

export async function getMerge(db: Db, id: string): Promise<MergeView> {
  const r = await mergeQuery(db).where('pm.id', '=', id).executeTakeFirst();
  if (!r) throw notFound(MERGE, 'id');
  return mergeView(r);
}

/** Merge history, newest first; with a patient, the merges that kept or absorbed that patient. */
export async function listMerges(db: Db, q: { patientId?: string; limit?: number; offset?: number }) {
  let sel = mergeQuery(db);
  if (q.patientId) sel = sel.where((eb) => eb.or([eb('pm.survivor_id', '=', q.patientId!), eb('pm.merged_id', '=', q.patientId!)]));
  const [rows, total] = await Promise.all([
    sel.orderBy('pm.merged_at', 'desc').orderBy('pm.id').limit(q.limit ?? 50).offset(q.offset ?? 0).execute(),
    sel.clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(total.n), items: rows.map(mergeView) };
}
