/**
 * Two-way referral (双向转诊): writing a referral and its edits. The steps after submission are actions.ts, driven
 * by the state machine in @yilian/core.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, conflict, forbidden, notFound } from '@yilian/core';
import { audit } from '../audit/audit.js';
import { diagnosesOf } from '../codes/codes.js';
import type { Db, Reader, Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { KINDS } from '../record/entries.js';
import type { EntryKind } from '../record/schemas.js';
import { announceReferral, event, loadReferral, referralView, type TaskInput } from './common.js';
import { applyAction } from './actions.js';

export interface ReferralInput {
  direction: 'up' | 'down'; setting: 'outpatient' | 'inpatient'; urgency?: 'routine' | 'urgent' | 'emergency'; patientId: string;
  toInstitutionId: string; toDepartmentId?: string | null; reason: string; diagnoses: { code: string; system?: string }[];
  sharedEntries?: { kind: EntryKind; id: string }[]; insuranceType?: string | null; plan?: string | null; tasks?: TaskInput[]; submit?: boolean;
  /** The sending system's own identifier ("system|value", FHIR ServiceRequest.identifier): unique per sending institution. */
  sourceIdentifier?: string | null;
}
export type ReferralEdit = Partial<Omit<ReferralInput, 'patientId' | 'submit' | 'sourceIdentifier'>> & { version: number };

const levelOf = (level: string) => Number(level === '0' ? '1' : level);
/** Receivers of down-referrals besides lower levels: rehabilitation and nursing institutions. */
const CARE_TYPES = ['rehabilitation_hospital', 'nursing_home', 'rehabilitation', 'nursing'];

/** Checks the target institution fits the direction: up to a higher level, down to a lower one (or rehabilitation/nursing). */
async function checkTarget(db: Reader, fromId: string, toId: string, direction: 'up' | 'down', toDepartmentId?: string | null) {
  if (fromId === toId) throw badRequest('same_institution', '不能转诊到本机构', 'A referral goes to another institution', 'toInstitutionId');
  const rows = await db.selectFrom('institution').select(['id', 'level', 'type', 'active']).where('id', 'in', [fromId, toId]).execute();
  const from = rows.find((x) => x.id === fromId);
  const to = rows.find((x) => x.id === toId);
  if (!from || !to || !to.active) throw notFound({ zh: '接收机构', en: 'Receiving institution' }, 'toInstitutionId');
  const ok = direction === 'up' ? levelOf(to.level) > levelOf(from.level) : levelOf(to.level) < levelOf(from.level) || CARE_TYPES.includes(to.type);
  if (!ok) throw badRequest('direction_mismatch', direction === 'up' ? '上转须转往更高级别的机构' : '下转须转往更低级别或康复、护理机构',
    direction === 'up' ? 'An up-referral goes to a higher-level institution' : 'A down-referral goes to a lower-level, rehabilitation or nursing institution', 'toInstitutionId');
  if (toDepartmentId && !await db.selectFrom('department').select('id').where('id', '=', toDepartmentId).where('institution_id', '=', toId).executeTakeFirst())
    throw badRequest('department_not_here', '科室不属于接收机构', 'The department is not of the receiving institution', 'toDepartmentId');
}

/** The shared excerpts must be current entries of this patient's record. */
async function checkShared(db: Reader, patientId: string, list: { kind: EntryKind; id: string }[]) {
  for (const [i, e] of list.entries()) {
    const table = KINDS[e.kind].table;
    const row = await db.selectFrom(table as 'encounter').select('entry_id').where('entry_id', '=', e.id).where('patient_id', '=', patientId)
      .where('superseded_at', 'is', null).executeTakeFirst();
    if (!row) throw badRequest('shared_entry_not_found', '共享的档案内容不存在或不属于该患者', 'A shared record entry does not exist or is not this patient’s', `sharedEntries.${i}`);
  }
}

async function nextCode(tx: Tx): Promise<string> {
  const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const prefix = `ZZ${day}`;
  const last = await tx.selectFrom('referral').select('code').where('code', 'like', `${prefix}%`).orderBy('code', 'desc').limit(1).executeTakeFirst();
  const n = last ? Number(last.code.slice(prefix.length)) + 1 : 1;
  return `${prefix}${String(n).padStart(4, '0')}`;
}

/** A referral written by the sending doctor at their institution: a draft, or submitted at once. */
export async function createReferral(db: Db, caller: Caller, input: ReferralInput) {
  authorize(caller, 'referral.create', { institutionId: caller.role.institutionId });
  const from = caller.role.institutionId;
  if (!from) throw forbidden('当前角色不属于任何机构', 'Your current role has no institution');
  if (input.direction === 'up' && (input.plan || input.tasks?.length))
    throw badRequest('plan_for_down_only', '康复方案和随访任务仅用于下转', 'A plan and follow-up tasks belong to down-referrals', 'plan');
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await db.transaction().execute(async (tx) => {
        const patient = await tx.selectFrom('patient').select(['id', 'status']).where('id', '=', input.patientId).executeTakeFirst();
        if (!patient) throw notFound({ zh: '患者', en: 'Patient' }, 'patientId');
        if (patient.status === 'merged') throw conflict('patient_merged', '该患者档案已合并，请使用合并后的档案', 'This patient record was merged; use the surviving record', 'patientId');
        if (input.sourceIdentifier) {
          const same = await tx.selectFrom('referral').select(['id', 'code']).where('from_institution_id', '=', from)
            .where('source_identifier', '=', input.sourceIdentifier).executeTakeFirst();
          if (same) throw conflict('duplicate', `identifier：本机构已有该标识的转诊单（${same.code}）`,
            `identifier: your institution already has a referral with this identifier (${same.code})`, 'identifier', { id: same.id, code: same.code });
        }
        await checkTarget(tx, from, input.toInstitutionId, input.direction, input.toDepartmentId);
        await checkShared(tx, input.patientId, input.sharedEntries ?? []);
        if (input.insuranceType && !await tx.selectFrom('reimbursement_rule').select('level').where('insurance_type', '=', input.insuranceType).executeTakeFirst())
          throw badRequest('unknown_insurance', '未知的医保类型', 'Unknown insurance type', 'insuranceType');
        const dept = caller.practitionerId ? await tx.selectFrom('practitioner_role').select('department_id')
          .where('practitioner_id', '=', caller.practitionerId).where('institution_id', '=', from).executeTakeFirst() : undefined;
        const r = await tx.insertInto('referral').values({
          code: await nextCode(tx), public_token: randomBytes(18).toString('base64url'), direction: input.direction, setting: input.setting,
          urgency: input.urgency ?? 'routine', patient_id: input.patientId, from_institution_id: from, from_department_id: dept?.department_id ?? null,
          from_practitioner_id: caller.practitionerId, created_by: caller.userId, to_institution_id: input.toInstitutionId,
          to_department_id: input.toDepartmentId ?? null, reason: input.reason, diagnoses: JSON.stringify(await diagnosesOf(tx, input.diagnoses)),
          shared_entries: JSON.stringify(input.sharedEntries ?? []), insurance_type: input.insuranceType ?? null, plan: input.plan ?? null,
          source_identifier: input.sourceIdentifier ?? null,
        }).returningAll().executeTakeFirstOrThrow();
        // The follow-up tasks wait in the creation event until the primary institution accepts the patient.
        await event(tx, caller, r.id, 'create', null, 'draft', null, { tasks: input.tasks ?? [] });
        await audit(tx, actorOf(caller), { action: 'referral.create', objectType: 'referral', objectId: r.id, patientId: r.patient_id, detail: { direction: r.direction, toInstitutionId: r.to_institution_id } });
        if (!input.submit) { await announceReferral(tx, r); return r; }
        return applyAction(tx, caller, r, 'submit', { version: r.version });
      });
      return referralView(created);
    } catch (err) {
      if ((err as { code?: string }).code === '23505' && attempt < 3) continue; // two referrals took the same code
      throw err;
    }
  }
}

/** Edits a draft or returned referral (author). */
export async function editReferral(db: Db, caller: Caller, id: string, input: ReferralEdit) {
  return db.transaction().execute(async (tx) => {
    const r = await loadReferral(tx, id, true);
    if (caller.userId !== r.created_by) throw forbidden('只有申请医生可以修改转诊单', 'Only the referring doctor edits the referral');
    if (!['draft', 'returned'].includes(r.status))
      throw conflict('invalid_transition', `转诊单当前状态（${r.status}）不能修改`, `The referral cannot be edited while ${r.status}`, 'id', { status: r.status });
    if (r.version !== input.version) throw conflict('version_conflict', '转诊单已被他人修改，请刷新后重试', 'The referral was changed meanwhile; reload and retry', 'version', { version: r.version });
    const direction = input.direction ?? r.direction;
    const to = input.toInstitutionId ?? r.to_institution_id;
    if (input.direction || input.toInstitutionId || input.toDepartmentId) await checkTarget(tx, r.from_institution_id, to, direction, input.toDepartmentId);
    if (input.sharedEntries) await checkShared(tx, r.patient_id, input.sharedEntries);
    const updated = await tx.updateTable('referral').set({
      ...(input.direction ? { direction } : {}), ...(input.setting ? { setting: input.setting } : {}), ...(input.urgency ? { urgency: input.urgency } : {}),
      ...(input.toInstitutionId ? { to_institution_id: to, to_department_id: input.toDepartmentId ?? null } : input.toDepartmentId !== undefined ? { to_department_id: input.toDepartmentId } : {}),
      ...(input.reason ? { reason: input.reason } : {}), ...(input.diagnoses ? { diagnoses: JSON.stringify(await diagnosesOf(tx, input.diagnoses)) } : {}),
      ...(input.sharedEntries ? { shared_entries: JSON.stringify(input.sharedEntries) } : {}),
      ...(input.insuranceType !== undefined ? { insurance_type: input.insuranceType } : {}), ...(input.plan !== undefined ? { plan: input.plan } : {}),
      version: r.version + 1, updated_at: new Date(),
    }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await event(tx, caller, id, 'edit', r.status, r.status, null, input.tasks ? { tasks: input.tasks } : undefined);
    await audit(tx, actorOf(caller), { action: 'referral.edit', objectType: 'referral', objectId: id, patientId: r.patient_id, detail: { fields: Object.keys(input).filter((k) => k !== 'version') } });
    await announceReferral(tx, updated);
    return referralView(updated);
  });
}

