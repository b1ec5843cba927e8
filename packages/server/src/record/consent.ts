/**
 * The patient's consent to share their record (授权共享): with some or all member institutions, for some or all kinds
 * of entries, for a period; revocable at once. Staff record it from a signed form at an institution that cares for
 * the patient; the patient may record and revoke their own. Every change is audited, and the patient's accounts are
 * told when staff record or revoke one.
 */
import { badRequest, conflict, notFound } from '@yilian/core';
import { audit } from '../audit/audit.js';
import type { Db, Reader } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { notify } from '../messaging/notifications.js';
import { authorize } from '../policy/policy.js';
import { accessDenied, assertAccess, auditRead, decideAccess, PATIENT } from './access.js';
import type { ConsentInput, EntryKind } from './schemas.js';

const CONSENT = { zh: '授权', en: 'Consent' };

export interface ConsentView {
  id: string; patientId: string; institutionIds: string[] | null; institutions: { id: string; name: string }[] | null;
  scope: EntryKind[] | null; startsAt: Date; endsAt: Date | null; signedBy: string; documentId: string | null;
  recordedBy: { id: string; displayName: string }; recordedAt: Date;
  revokedAt: Date | null; revokedBy: string | null; revokeReason: string | null;
  /** In force now: not revoked, started, not ended. */
  active: boolean;
}

type ConsentRow = {
  id: string; patient_id: string; institution_ids: string[] | null; scope: string[] | null; starts_at: Date; ends_at: Date | null;
  signed_by: string; document_id: string | null; recorded_by: string; recorded_at: Date; revoked_at: Date | null; revoked_by: string | null;
  revoke_reason: string | null; recorded_by_name: string;
};

async function viewsOf(db: Reader, rows: ConsentRow[]): Promise<ConsentView[]> {
  const ids = [...new Set(rows.flatMap((r) => r.institution_ids ?? []))];
  const names = new Map((ids.length ? await db.selectFrom('institution').select(['id', 'name']).where('id', 'in', ids).execute() : []).map((i) => [i.id, i.name]));
  const now = Date.now();
  return rows.map((r) => ({
    id: r.id, patientId: r.patient_id, institutionIds: r.institution_ids,
    institutions: r.institution_ids ? r.institution_ids.map((id) => ({ id, name: names.get(id) ?? '' })) : null,
    scope: r.scope as EntryKind[] | null, startsAt: r.starts_at, endsAt: r.ends_at, signedBy: r.signed_by, documentId: r.document_id,
    recordedBy: { id: r.recorded_by, displayName: r.recorded_by_name }, recordedAt: r.recorded_at,
    revokedAt: r.revoked_at, revokedBy: r.revoked_by, revokeReason: r.revoke_reason,
    active: !r.revoked_at && new Date(r.starts_at).getTime() <= now && (!r.ends_at || new Date(r.ends_at).getTime() > now),
  }));
}

const consents = (db: Reader) => db.selectFrom('record_consent as c').innerJoin('user_account as u', 'u.id', 'c.recorded_by')
  .selectAll('c').select('u.display_name as recorded_by_name');

/** Live consents (for the access answer): the ones in force now. */
export async function liveConsents(db: Reader, patientId: string): Promise<ConsentView[]> {
  const rows = await consents(db).where('c.patient_id', '=', patientId).where('c.revoked_at', 'is', null)
    .where('c.starts_at', '<=', new Date()).where((eb) => eb.or([eb('c.ends_at', 'is', null), eb('c.ends_at', '>', new Date())]))
    .orderBy('c.recorded_at', 'desc').execute();
  return viewsOf(db, rows);
}

/**
 * Who may record or revoke a consent: the patient for themself; staff with record.consent at an institution that
 * cares for the patient (a consent is signed where the patient is treated; nobody grants themself access).
 */
async function guard(db: Reader, caller: Caller, patientId: string) {
  authorize(caller, 'record.consent', { patientId });
  if (caller.role.role === 'patient') return;
  const d = await decideAccess(db, caller, patientId);
  if (d.via !== 'care')
    throw accessDenied({
      zh: '只有与患者有诊疗关系的机构才能登记或撤销患者的授权',
      en: 'Only an institution that cares for the patient may record or revoke the patient’s consent',
    });
}

/** The patient's accounts, to be told about their record. */
export async function patientAccounts(db: Reader, patientId: string): Promise<string[]> {
  return (await db.selectFrom('user_account').select('id').where('patient_id', '=', patientId).where('active', '=', true).execute()).map((u) => u.id);
}

export async function listConsents(db: Db, caller: Caller, patientId: string): Promise<{ total: number; items: ConsentView[] }> {
  authorize(caller, 'record.consent', { patientId });
  const access = await assertAccess(db, caller, patientId);
  const items = await viewsOf(db, await consents(db).where('c.patient_id', '=', patientId).orderBy('c.recorded_at', 'desc').orderBy('c.id').execute());
  await auditRead(db, caller, patientId, access, { kind: null, detail: { view: 'consents' } });
  return { total: items.length, items };
}

export async function createConsent(db: Db, caller: Caller, patientId: string, input: ConsentInput): Promise<ConsentView> {
  const patient = await db.selectFrom('patient').select(['id', 'merged_into']).where('id', '=', patientId).executeTakeFirst();
  if (!patient) throw notFound(PATIENT, 'id');
  await guard(db, caller, patientId);
  if (patient.merged_into) throw conflict('patient_merged', '该患者记录已被合并', 'This patient record was merged', 'id', { mergedInto: patient.merged_into });
  const startsAt = input.startsAt ? new Date(input.startsAt) : new Date();
  const endsAt = input.endsAt ? new Date(input.endsAt) : null;
  if (endsAt && endsAt <= startsAt) throw badRequest('validation', 'endsAt：结束时间须晚于开始时间', 'endsAt: must be after the start', 'endsAt');
  const institutionIds = input.institutionIds ? [...new Set(input.institutionIds)] : null;
  if (institutionIds) {
    const found = await db.selectFrom('institution').select('id').where('id', 'in', institutionIds).execute();
    if (found.length !== institutionIds.length)
      throw badRequest('unknown_institution', 'institutionIds：包含不存在的机构', 'institutionIds: an institution does not exist', 'institutionIds');
  }
  if (input.documentId && !await db.selectFrom('document').select('id').where('entry_id', '=', input.documentId).where('patient_id', '=', patientId).executeTakeFirst())
    throw badRequest('unknown_reference', 'documentId：该文书不存在或不属于该患者', 'documentId: no such document of this patient', 'documentId');
  return db.transaction().execute(async (tx) => {
    const row = await tx.insertInto('record_consent').values({
      patient_id: patientId, institution_ids: institutionIds, scope: input.scope ? [...new Set(input.scope)] : null,
      starts_at: startsAt, ends_at: endsAt, signed_by: input.signedBy, document_id: input.documentId ?? null, recorded_by: caller.userId,
    }).returning('id').executeTakeFirstOrThrow();
    await audit(tx, actorOf(caller), {
      action: 'record.consent.create', objectType: 'record_consent', objectId: row.id, patientId,
      detail: { institutionIds, scope: input.scope ?? null, startsAt, endsAt, signedBy: input.signedBy },
    });
    if (caller.role.role !== 'patient')
      await notify(tx, {
        userIds: await patientAccounts(tx, patientId), kind: 'record_consent',
        title: { zh: '已登记您的健康档案共享授权', en: 'A consent to share your health record was recorded' },
        body: { zh: `登记机构：${caller.role.institutionName ?? ''}`, en: `Recorded at: ${caller.role.institutionName ?? ''}` },
        link: '/record/consents',
      });
    return (await viewsOf(tx, [await consents(tx).where('c.id', '=', row.id).executeTakeFirstOrThrow()]))[0]!;
  });
}

/** Revocation takes effect at once: the next access check no longer sees the consent. */
export async function revokeConsent(db: Db, caller: Caller, id: string, reason: string): Promise<ConsentView> {
  const c = await db.selectFrom('record_consent').select(['id', 'patient_id', 'revoked_at']).where('id', '=', id).executeTakeFirst();
  if (!c) throw notFound(CONSENT, 'id');
  await guard(db, caller, c.patient_id);
  return db.transaction().execute(async (tx) => {
    const done = await tx.updateTable('record_consent').set({ revoked_at: new Date(), revoked_by: caller.userId, revoke_reason: reason })
      .where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw conflict('already_revoked', '该授权已撤销', 'This consent was already revoked', 'id');
    await audit(tx, actorOf(caller), { action: 'record.consent.revoke', objectType: 'record_consent', objectId: id, patientId: c.patient_id, reason });
    if (caller.role.role !== 'patient')
      await notify(tx, {
        userIds: await patientAccounts(tx, c.patient_id), kind: 'record_consent',
        title: { zh: '您的健康档案共享授权已撤销', en: 'A consent to share your health record was revoked' }, link: '/record/consents',
      });
    return (await viewsOf(tx, [await consents(tx).where('c.id', '=', id).executeTakeFirstOrThrow()]))[0]!;
  });
}
