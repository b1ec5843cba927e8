/**
 * Remote consultation (远程会诊): writing a request and its edits. The steps after it are actions.ts, driven by the
 * state machine in @yilian/core.
 */
import { badRequest, conflict, forbidden, notFound, type ConsultationKind, type ConsultationMaterialType } from '@yilian/core';
import { audit } from '../audit/audit.js';
import { diagnosesOf } from '../codes/codes.js';
import type { Db, Reader, Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { KINDS } from '../record/entries.js';
import type { EntryKind } from '../record/schemas.js';
import { announceConsultation, checkInstitution, consultationView, event, loadConsultation, nextCode, stateConflict, versionConflict } from './common.js';

export interface ConsultationInput {
  kind: ConsultationKind; materialType?: ConsultationMaterialType | null | undefined; patientId: string; centreInstitutionId?: string | undefined;
  requestedSpecialty?: string | null | undefined; requestedExpertIds?: string[] | undefined; purpose: string; summary: string;
  diagnoses: { code: string; system?: string | undefined }[]; sharedEntries?: { kind: EntryKind; id: string }[] | undefined; durationMinutes?: number | undefined;
}
export type ConsultationEdit = Partial<Omit<ConsultationInput, 'patientId'>> & { version: number };

/** States in which the applicant may still change the request. */
export const EDITABLE = ['draft', 'returned', 'supplementing'];

/** A material-only reading says what it reads; other kinds say nothing of it. */
function checkMaterial(kind: ConsultationKind, materialType: string | null | undefined) {
  if (kind === 'material' && !materialType)
    throw badRequest('missing_field', '资料会诊须注明资料类型（影像/病理/心电）', 'A material-only consultation needs materialType', 'materialType');
  if (kind !== 'material' && materialType)
    throw badRequest('material_for_material_only', '只有资料会诊注明资料类型', 'Only a material-only consultation has a materialType', 'materialType');
}

/** The shared excerpts must be current entries of this patient's record. */
async function checkShared(db: Reader, patientId: string, list: { kind: EntryKind; id: string }[]) {
  for (const [i, e] of list.entries()) {
    const row = await db.selectFrom(KINDS[e.kind].table as 'encounter').select('entry_id').where('entry_id', '=', e.id).where('patient_id', '=', patientId)
      .where('superseded_at', 'is', null).executeTakeFirst();
    if (!row) throw badRequest('shared_entry_not_found', '共享的档案内容不存在或不属于该患者', 'A shared record entry does not exist or is not this patient’s', `sharedEntries.${i}`);
  }
}

async function checkRequestedExperts(db: Reader, ids: string[]) {
  if (!ids.length) return;
  const found = await db.selectFrom('practitioner').select('id').where('id', 'in', ids).where('active', '=', true).execute();
  const known = new Set(found.map((p) => p.id));
  const i = ids.findIndex((id) => !known.has(id));
  if (i >= 0) throw notFound({ zh: '申请的专家', en: 'Requested expert' }, `requestedExpertIds.${i}`);
}

/** The consultation centre by default: the lead (level 3) hospital of a consortium the applicant's institution belongs to. */
async function defaultCentre(db: Reader, institutionId: string): Promise<string> {
  const row = await db.selectFrom('consortium_member as m').innerJoin('consortium as k', 'k.id', 'm.consortium_id')
    .innerJoin('institution as i', 'i.id', 'k.lead_institution_id').select('i.id')
    .where('m.institution_id', '=', institutionId).where('k.active', '=', true).where('i.active', '=', true)
    .orderBy('i.level', 'desc').orderBy('i.code').limit(1).executeTakeFirst();
  if (!row) throw badRequest('centre_required', '本机构不属于有牵头医院的医联体，请选择会诊中心', 'Your institution has no lead hospital; choose the consultation centre', 'centreInstitutionId');
  return row.id;
}

/** A draft consultation by the attending doctor at their institution. */
export async function createConsultation(db: Db, caller: Caller, input: ConsultationInput) {
  authorize(caller, 'consultation.create', { institutionId: caller.role.institutionId });
  const from = caller.role.institutionId;
  if (!from) throw forbidden('当前角色不属于任何机构', 'Your current role has no institution');
  checkMaterial(input.kind, input.materialType);
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await db.transaction().execute(async (tx) => {
        const patient = await tx.selectFrom('patient').select(['id', 'status']).where('id', '=', input.patientId).executeTakeFirst();
        if (!patient) throw notFound({ zh: '患者', en: 'Patient' }, 'patientId');
        if (patient.status === 'merged') throw conflict('patient_merged', '该患者档案已合并，请使用合并后的档案', 'This patient record was merged; use the surviving record', 'patientId');
        const centre = input.centreInstitutionId ?? await defaultCentre(tx, from);
        await checkInstitution(tx, centre, 'centreInstitutionId');
        await checkShared(tx, input.patientId, input.sharedEntries ?? []);
        await checkRequestedExperts(tx, input.requestedExpertIds ?? []);
        const dept = caller.practitionerId ? await tx.selectFrom('practitioner_role').select('department_id')
          .where('practitioner_id', '=', caller.practitionerId).where('institution_id', '=', from).executeTakeFirst() : undefined;
        const c = await tx.insertInto('consultation').values({
          code: await nextCode(tx), kind: input.kind, material_type: input.materialType ?? null, patient_id: input.patientId,
          from_institution_id: from, from_department_id: dept?.department_id ?? null, from_practitioner_id: caller.practitionerId,
          created_by: caller.userId, centre_institution_id: centre, requested_specialty: input.requestedSpecialty ?? null,
          requested_expert_ids: input.requestedExpertIds ?? [], purpose: input.purpose, summary: input.summary,
          diagnoses: JSON.stringify(await diagnosesOf(tx, input.diagnoses)), shared_entries: JSON.stringify(input.sharedEntries ?? []),
          ...(input.durationMinutes ? { duration_minutes: input.durationMinutes } : {}),
        }).returningAll().executeTakeFirstOrThrow();
        await event(tx, caller, c.id, 'create', null, 'draft');
        await audit(tx, actorOf(caller), { action: 'consultation.create', objectType: 'consultation', objectId: c.id, patientId: c.patient_id, detail: { kind: c.kind, centreInstitutionId: centre } });
        await announceConsultation(tx, c);
        return c;
      });
      return consultationView(created);
    } catch (err) {
      if ((err as { code?: string }).code === '23505' && attempt < 3) continue; // two requests took the same code
      throw err;
    }
  }
}

/** Edits by the applicant while the request is a draft, returned, or waiting for supplements. */
export async function editConsultation(db: Db, caller: Caller, id: string, input: ConsultationEdit) {
  return db.transaction().execute(async (tx: Tx) => {
    const c = await loadConsultation(tx, id, true);
    if (caller.userId !== c.created_by) throw forbidden('只有申请医生可以修改会诊申请', 'Only the applicant edits the consultation');
    if (!EDITABLE.includes(c.status)) throw stateConflict(c.status, '修改', 'Editing');
    if (c.version !== input.version) throw versionConflict(c.version);
    const kind = input.kind ?? c.kind;
    const materialType = input.materialType !== undefined ? input.materialType : kind === 'material' ? c.material_type : null;
    checkMaterial(kind, materialType);
    // Once the centre holds it, the kind (and with it the time limit) and the centre stay.
    if (c.received_at && input.kind && input.kind !== c.kind) throw stateConflict(c.status, '更改会诊类型', 'Changing the kind');
    if (c.received_at && input.centreInstitutionId && input.centreInstitutionId !== c.centre_institution_id) throw stateConflict(c.status, '更改会诊中心', 'Changing the centre');
    if (input.centreInstitutionId) await checkInstitution(tx, input.centreInstitutionId, 'centreInstitutionId');
    if (input.sharedEntries) await checkShared(tx, c.patient_id, input.sharedEntries);
    if (input.requestedExpertIds) await checkRequestedExperts(tx, input.requestedExpertIds);
    const updated = await tx.updateTable('consultation').set({
      kind, material_type: materialType ?? null,
      ...(input.centreInstitutionId ? { centre_institution_id: input.centreInstitutionId } : {}),
      ...(input.requestedSpecialty !== undefined ? { requested_specialty: input.requestedSpecialty } : {}),
      ...(input.requestedExpertIds ? { requested_expert_ids: input.requestedExpertIds } : {}),
      ...(input.purpose ? { purpose: input.purpose } : {}), ...(input.summary ? { summary: input.summary } : {}),
      ...(input.diagnoses ? { diagnoses: JSON.stringify(await diagnosesOf(tx, input.diagnoses)) } : {}),
      ...(input.sharedEntries ? { shared_entries: JSON.stringify(input.sharedEntries) } : {}),
      ...(input.durationMinutes ? { duration_minutes: input.durationMinutes } : {}),
      version: c.version + 1, updated_at: new Date(),
    }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const fields = Object.keys(input).filter((k) => k !== 'version');
    await event(tx, caller, id, 'update', c.status, c.status, null, { fields });
    await audit(tx, actorOf(caller), { action: 'consultation.update', objectType: 'consultation', objectId: id, patientId: c.patient_id, detail: { fields } });
    await announceConsultation(tx, updated);
    return consultationView(updated);
  });
}
