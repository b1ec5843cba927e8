/**
 * 会诊意见: an accepted expert's written opinion — drafted, then signed by re-entering the password. A signed version
 * is locked by the database; a correction is a new version that supersedes it. The signed opinion is filed in the
 * shared record as a `consultation_opinion` document (a correction corrects that document).
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { AppError, badRequest, forbidden, notFound, type ConsultationState } from '@yilian/core';
import { audit } from '../audit/audit.js';
import { verifyPassword } from '../auth/password.js';
import { diagnosesOf } from '../codes/codes.js';
import { joinTx, type Db, type Reader, type Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { correctEntry, createEntry } from '../record/entries.js';
import { createReferral } from '../referral/referrals.js';
import {
  announceConsultation, checkInstitution, consultationNotice, coordinators, event, invitationOf, loadConsultation,
  stateConflict, type ConsultationRow,
} from './common.js';

export interface OpinionInput {
  findings: string; diagnoses: { code: string; system?: string | undefined }[]; recommendations: string; refer: boolean;
  referInstitutionId?: string | null | undefined; referDepartmentId?: string | null | undefined; referNote?: string | null | undefined;
}
const OPINION = { zh: '会诊意见', en: 'Consultation opinion' };
/** States in which opinions are written: once scheduled, and corrections after they were forwarded. */
const WRITABLE: ConsultationState[] = ['scheduled', 'answered'];

export type OpinionRow = Awaited<ReturnType<typeof opinionRows>>[number];
export const opinionRows = (db: Reader, consultationId: string) =>
  db.selectFrom('consultation_opinion as o').innerJoin('practitioner as p', 'p.id', 'o.practitioner_id').selectAll('o')
    .select(['p.name as practitioner_name', 'p.title as practitioner_title']).where('o.consultation_id', '=', consultationId)
    .orderBy('p.name').orderBy('o.version', 'desc').execute();

export const opinionView = (o: OpinionRow | (Omit<OpinionRow, 'practitioner_name' | 'practitioner_title'> & { practitioner_name?: string; practitioner_title?: string })) => ({
  id: o.id, consultationId: o.consultation_id, practitionerId: o.practitioner_id, practitionerName: o.practitioner_name ?? null,
  practitionerTitle: o.practitioner_title ?? null, userId: o.user_id, version: o.version, findings: o.findings, diagnoses: o.diagnoses,
  recommendations: o.recommendations, refer: o.refer, referInstitutionId: o.refer_institution_id, referDepartmentId: o.refer_department_id,
  referNote: o.refer_note, status: o.status, signedAt: o.signed_at, signatureHash: o.signature_hash, signatureFileId: o.signature_file_id,
  supersedes: o.supersedes, documentId: o.document_id, createdAt: o.created_at, updatedAt: o.updated_at,
});

/** The caller must be an expert who accepted, and the consultation at a stage where opinions are written. */
async function acceptedExpert(tx: Tx, caller: Caller, c: ConsultationRow) {
  const inv = await invitationOf(tx, c.id, caller.userId);
  if (!inv || inv.status !== 'accepted') throw forbidden('只有已接受邀请的专家可以出具会诊意见', 'Only an expert who accepted the invitation writes an opinion');
  if (!WRITABLE.includes(c.status as ConsultationState)) throw stateConflict(c.status, '出具会诊意见', 'Writing an opinion');
  return inv;
}

/** PUT /consultations/:id/opinion: the caller's draft (a new version after a signed one). */
export async function saveDraft(db: Db, caller: Caller, id: string, input: OpinionInput) {
  if (input.refer && !input.referInstitutionId)
    throw badRequest('missing_field', '建议转诊须选择转往机构', 'A referral advice names the institution (referInstitutionId)', 'referInstitutionId');
  return db.transaction().execute(async (tx) => {
    const c = await loadConsultation(tx, id, true);
    const inv = await acceptedExpert(tx, caller, c);
    if (input.referInstitutionId) await checkInstitution(tx, input.referInstitutionId, 'referInstitutionId', input.referDepartmentId, 'referDepartmentId');
    const content = {
      findings: input.findings, diagnoses: JSON.stringify(await diagnosesOf(tx, input.diagnoses)), recommendations: input.recommendations,
      refer: input.refer, refer_institution_id: input.refer ? input.referInstitutionId ?? null : null,
      refer_department_id: input.refer ? input.referDepartmentId ?? null : null, refer_note: input.refer ? input.referNote ?? null : null,
    };
    const mine = tx.selectFrom('consultation_opinion').selectAll().where('consultation_id', '=', id).where('practitioner_id', '=', inv.practitioner_id);
    const draft = await mine.where('status', '=', 'draft').executeTakeFirst();
    let row;
    if (draft) {
      row = await tx.updateTable('consultation_opinion').set({ ...content, updated_at: new Date() }).where('id', '=', draft.id).returningAll().executeTakeFirstOrThrow();
    } else {
      const last = await mine.orderBy('version', 'desc').limit(1).executeTakeFirst();
      row = await tx.insertInto('consultation_opinion').values({
        ...content, consultation_id: id, practitioner_id: inv.practitioner_id, user_id: caller.userId, version: (last?.version ?? 0) + 1,
        supersedes: last?.status === 'signed' ? last.id : null,
      }).returningAll().executeTakeFirstOrThrow();
    }
    await audit(tx, actorOf(caller), { action: 'consultation.opinion_draft', objectType: 'consultation', objectId: id, patientId: c.patient_id, detail: { opinionId: row.id, version: row.version } });
    return opinionView(row);
  });
}

/** Keys sorted at every level: the same content always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object' && !(v instanceof Date))
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** What a signature covers. */
export const signedContent = (o: { consultation_id: string; practitioner_id: string; version: number; findings: string; diagnoses: unknown; recommendations: string; refer: boolean; refer_institution_id: string | null; refer_department_id: string | null; refer_note: string | null }, signedAt: Date) => ({
  consultationId: o.consultation_id, practitionerId: o.practitioner_id, version: o.version, findings: o.findings, diagnoses: o.diagnoses,
  recommendations: o.recommendations, refer: o.refer, referInstitutionId: o.refer_institution_id, referDepartmentId: o.refer_department_id,
  referNote: o.refer_note, signedAt: signedAt.toISOString(),
});

const documentText = (o: OpinionRow | { findings: string; diagnoses: { code: string; display: string }[]; recommendations: string; refer: boolean; refer_note: string | null }) => [
  `会诊所见：${o.findings}`,
  o.diagnoses.length ? `诊断：${o.diagnoses.map((d) => `${d.display}（${d.code}）`).join('；')}` : null,
  `诊疗建议：${o.recommendations}`,
  o.refer ? `建议转诊${o.refer_note ? `：${o.refer_note}` : ''}` : null,
].filter(Boolean).join('\n');

/** POST /consultations/:id/opinion/sign: re-entering the password signs the caller's draft. */
export async function signOpinion(db: Db, caller: Caller, id: string, input: { password: string; signatureFileId?: string | undefined }) {
  const user = await db.selectFrom('user_account').select('password_hash').where('id', '=', caller.userId).executeTakeFirstOrThrow();
  if (!user.password_hash || !await verifyPassword(user.password_hash, input.password))
    throw new AppError(403, 'wrong_password', '密码不正确，签名未完成', 'Wrong password; the opinion was not signed', 'password');
  return db.transaction().execute(async (tx) => {
    const c = await loadConsultation(tx, id, true);
    const inv = await acceptedExpert(tx, caller, c);
    const draft = await tx.selectFrom('consultation_opinion').selectAll().where('consultation_id', '=', id).where('practitioner_id', '=', inv.practitioner_id)
      .where('status', '=', 'draft').executeTakeFirst();
    if (!draft) throw notFound({ zh: '待签署的会诊意见草稿', en: 'Draft opinion to sign' }, 'opinion');
    if (input.signatureFileId && !await tx.selectFrom('file_upload').select('file_id').where('file_id', '=', input.signatureFileId).where('user_id', '=', caller.userId).executeTakeFirst())
      throw notFound({ zh: '签名图片', en: 'Signature image' }, 'signatureFileId');
    const previous = await tx.selectFrom('consultation_opinion').selectAll().where('consultation_id', '=', id).where('practitioner_id', '=', inv.practitioner_id)
      .where('status', '=', 'signed').executeTakeFirst();
    const signedAt = new Date();
    const hash = createHash('sha256').update(canonicalJson(signedContent(draft, signedAt))).digest('hex');
    // The shared record: the first signature files the document, a correction corrects it.
    const meta = {
      kind: 'consultation_opinion' as const, title: `远程会诊意见 ${c.code}`, text: documentText(draft), authoredAt: signedAt,
      practitionerId: inv.practitioner_id,
    };
    let documentId: string;
    if (previous?.document_id) {
      const cur = await tx.selectFrom('document').select('version').where('entry_id', '=', previous.document_id).where('superseded_at', 'is', null).executeTakeFirstOrThrow();
      documentId = (await correctEntry(tx, caller, 'document', previous.document_id, { ...meta, version: cur.version })).id;
    } else {
      documentId = (await createEntry(tx, caller, 'document', c.patient_id, meta)).id;
    }
    if (previous) await tx.updateTable('consultation_opinion').set({ status: 'superseded', updated_at: new Date() }).where('id', '=', previous.id).execute();
    const signed = await tx.updateTable('consultation_opinion').set({
      status: 'signed', signed_at: signedAt, signature_hash: hash, signature_file_id: input.signatureFileId ?? null, document_id: documentId,
      supersedes: previous?.id ?? null, updated_at: signedAt,
    }).where('id', '=', draft.id).returningAll().executeTakeFirstOrThrow();
    const updated = await tx.updateTable('consultation').set({ version: c.version + 1, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const detail = { opinionId: signed.id, version: signed.version, signatureHash: hash, documentId, ...(previous ? { supersedes: previous.id } : {}) };
    await event(tx, caller, id, 'opinion_sign', c.status, c.status, null, detail);
    await audit(tx, actorOf(caller), { action: 'consultation.opinion_sign', objectType: 'consultation', objectId: id, patientId: c.patient_id, detail });
    if (c.status === 'answered' && previous)
      await consultationNotice(tx, c, [c.created_by], caller.userId, { zh: '会诊意见已被专家更正，请查看', en: 'An expert corrected the consultation opinion' });
    else
      await consultationNotice(tx, c, await coordinators(tx, c.centre_institution_id), caller.userId, { zh: '专家已签署会诊意见', en: 'An expert signed the consultation opinion' });
    await announceConsultation(tx, updated);
    return opinionView(signed);
  });
}

/**
 * POST /consultations/:id/referral: one click from an opinion that advises referral to a draft up-referral by the
 * applicant, to the opinion's institution, with its diagnoses and reason and the opinion document shared.
 */
export async function referralFromOpinion(db: Db, caller: Caller, id: string, input: { opinionId?: string | undefined }) {
  return db.transaction().execute(async (tx) => {
    // Locked: two clicks at once make one referral.
    const c = await loadConsultation(tx, id, true);
    if (caller.userId !== c.created_by) throw forbidden('只有申请医生可以据会诊意见发起转诊', 'Only the applicant starts a referral from the opinion');
    if (!['answered', 'closed'].includes(c.status)) throw stateConflict(c.status, '据会诊意见转诊', 'A referral from the opinion');
    let q = tx.selectFrom('consultation_opinion').selectAll().where('consultation_id', '=', id).where('status', '=', 'signed');
    q = input.opinionId ? q.where('id', '=', input.opinionId) : q.where('refer', '=', true).orderBy('signed_at', 'desc').limit(1);
    const o = await q.executeTakeFirst();
    if (!o) throw notFound(OPINION, input.opinionId ? 'opinionId' : 'opinion');
    if (!o.refer || !o.refer_institution_id) throw badRequest('no_refer_advice', '该会诊意见未建议转诊', 'This opinion does not advise a referral', 'opinionId');
    // One click, one referral: a second click returns the referral already made from this opinion while it is live.
    const made = await tx.selectFrom('consultation_event as e').innerJoin('referral as r', (j) => j.on(sql`r.id::text`, '=', sql`e.detail->>'referralId'`))
      .select('r.id').where('e.consultation_id', '=', id).where('e.action', '=', 'referral').where(sql<boolean>`e.detail->>'opinionId' = ${o.id}`)
      .where('r.status', 'not in', ['cancelled', 'refused']).orderBy('e.id', 'desc').limit(1).executeTakeFirst();
    if (made) return { referralId: made.id, created: false };
    const diagnoses = (o.diagnoses.length ? o.diagnoses : c.diagnoses).map((d) => ({ code: d.code, system: d.system }));
    if (!diagnoses.length) throw badRequest('missing_field', '会诊意见与申请均无诊断', 'Neither the opinion nor the request has a diagnosis', 'diagnoses');
    // The referral module writes the referral (its checks, history, audit) inside this transaction.
    const referral = await createReferral(joinTx(tx), caller, {
      direction: 'up', setting: 'outpatient', patientId: c.patient_id, toInstitutionId: o.refer_institution_id, toDepartmentId: o.refer_department_id,
      reason: `远程会诊 ${c.code} 专家建议转诊：${o.refer_note ?? o.recommendations}`.slice(0, 4000), diagnoses,
      sharedEntries: o.document_id ? [{ kind: 'document', id: o.document_id }] : [],
    });
    await event(tx, caller, id, 'referral', c.status, c.status, null, { referralId: referral.id, opinionId: o.id });
    await audit(tx, actorOf(caller), { action: 'consultation.referral', objectType: 'consultation', objectId: id, patientId: c.patient_id, detail: { referralId: referral.id, opinionId: o.id } });
    return { referralId: referral.id, created: true };
  });
}
