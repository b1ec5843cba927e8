/**
 * Who may read a patient's shared record, and why (SPEC §4.2): the patient their own; staff when their institution
 * has a care relationship with the patient, when the patient consented to sharing with it, or under a live
 * break-glass grant. The role grant (record.read) is the first gate. One query answers the rest.
 */
import { AppError, notFound } from '@yilian/core';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Reader } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { authorize, can } from '../policy/policy.js';
import type { EntryKind } from './schemas.js';

export type { EntryKind } from './schemas.js';
export type AccessVia = 'self' | 'care' | 'consent' | 'break_glass';

export interface AccessDecision {
  allowed: boolean; via: AccessVia | null; reason: { zh: string; en: string }; breakGlassUntil: Date | null;
  /** The kinds the decision covers: null = all; a consent limited in scope (and asked without a kind) lists its kinds. */
  kinds: EntryKind[] | null;
  /** The live break-glass grant used (or available), for the audit entry. */
  breakGlass: { id: string; reason: string } | null;
}

export const PATIENT = { zh: '患者', en: 'Patient' };

const REASONS = {
  role: { zh: '当前角色不能查看健康档案', en: 'Your current role may not read health records' },
  self: { zh: '本人档案', en: 'Your own record' },
  notSelf: { zh: '患者只能查看本人的档案', en: 'Patients may read only their own record' },
  care: { zh: '本机构与该患者有诊疗关系（就诊、预约、转诊、会诊或签约）', en: 'Your institution cares for this patient (encounter, appointment, referral, consultation or contract)' },
  consent: { zh: '患者已授权本机构查阅档案', en: 'The patient consented to sharing the record with your institution' },
  consentPartial: { zh: '患者已授权本机构查阅部分档案内容', en: 'The patient consented to sharing part of the record with your institution' },
  breakGlass: { zh: '紧急访问（已记录理由，将被审计和复核）', en: 'Emergency (break-glass) access: the reason is recorded, audited and reviewed' },
  denied: {
    zh: '本机构与该患者没有诊疗关系，患者也未授权共享档案。请取得患者的书面同意（授权共享），或在紧急情况下使用“紧急访问”（须填写理由，访问将被记录并复核）。',
    en: 'Your institution has no care relationship with this patient and the patient has not consented to sharing. Ask for the patient’s consent, or in an emergency use break-glass access (a reason is required; the access is logged and reviewed).',
  },
  deniedKind: {
    zh: '患者的授权不包括这类档案内容。请取得患者同意扩大授权范围，或在紧急情况下使用“紧急访问”（须填写理由）。',
    en: 'The patient’s consent does not cover this part of the record. Ask the patient to extend it, or in an emergency use break-glass access (a reason is required).',
  },
} as const;

interface Facts {
  patient: boolean; care: boolean; consent_scopes: (string[] | null)[] | null;
  bg_id: string | null; bg_reason: string | null; bg_until: Date | null;
}

/**
 * The facts behind a staff caller's access, in one statement: a care relationship of the institution (the patient
 * was seen there — an encounter —, has a live appointment at it, or a live care_relation row: referral, consultation,
 * contract), the live consents that cover the institution,
 * and this user's live break-glass grant. Every part runs on an index of the patient.
 */
async function facts(db: Reader, patientId: string, institutionId: string | null, userId: string): Promise<Facts> {
  const inst = institutionId;
  const entryAt = (table: string) => sql`EXISTS (SELECT 1 FROM ${sql.table(table)} e WHERE e.patient_id = p.id AND e.institution_id = ${inst} AND e.superseded_at IS NULL)`;
  const r = await sql<Facts>`
    SELECT true AS patient,
      (${inst}::uuid IS NOT NULL AND (
        ${entryAt('encounter')}
        OR EXISTS (SELECT 1 FROM appointment a JOIN slot s ON s.id = a.slot_id JOIN schedule_resource r ON r.id = s.resource_id
                   WHERE a.patient_id = p.id AND a.status <> 'cancelled' AND r.institution_id = ${inst})
        OR EXISTS (SELECT 1 FROM care_relation c WHERE c.patient_id = p.id AND c.institution_id = ${inst}
                   AND c.starts_at <= now() AND (c.ends_at IS NULL OR c.ends_at > now()))
      )) AS care,
      (SELECT jsonb_agg(rc.scope) FROM record_consent rc
        WHERE rc.patient_id = p.id AND rc.revoked_at IS NULL AND rc.starts_at <= now() AND (rc.ends_at IS NULL OR rc.ends_at > now())
          AND ${inst}::uuid IS NOT NULL AND (rc.institution_ids IS NULL OR ${inst}::uuid = ANY (rc.institution_ids))) AS consent_scopes,
      bg.id AS bg_id, bg.reason AS bg_reason, bg.expires_at AS bg_until
    FROM patient p
    LEFT JOIN LATERAL (SELECT b.id, b.reason, b.expires_at FROM break_glass b
      WHERE b.user_id = ${userId} AND b.patient_id = p.id AND b.expires_at > now() ORDER BY b.expires_at DESC LIMIT 1) bg ON true
    WHERE p.id = ${patientId}`.execute(db);
  return r.rows[0] ?? { patient: false, care: false, consent_scopes: null, bg_id: null, bg_reason: null, bg_until: null };
}

/** The full decision (with the kinds covered and the break-glass grant), for the record's own services. */
export async function decideAccess(db: Reader, caller: Caller, patientId: string, kind?: EntryKind): Promise<AccessDecision> {
  const none = { breakGlassUntil: null, kinds: null, breakGlass: null };
  if (!can(caller, 'record.read', { patientId }))
    return { allowed: false, via: null, reason: caller.role.role === 'patient' ? REASONS.notSelf : REASONS.role, ...none };
  if (caller.role.role === 'patient') {
    if (!await db.selectFrom('patient').select('id').where('id', '=', patientId).executeTakeFirst()) throw notFound(PATIENT, 'id');
    return { allowed: true, via: 'self', reason: REASONS.self, ...none };
  }
  const f = await facts(db, patientId, caller.role.institutionId, caller.userId);
  if (!f.patient) throw notFound(PATIENT, 'id');
  const breakGlass = f.bg_id ? { id: f.bg_id, reason: f.bg_reason! } : null;
  const breakGlassUntil = f.bg_until ? new Date(f.bg_until) : null;
  if (f.care) return { allowed: true, via: 'care', reason: REASONS.care, breakGlassUntil, kinds: null, breakGlass };
  const scopes = (f.consent_scopes ?? []).map((s) => (s === null ? null : (s as EntryKind[])));
  const full = scopes.some((s) => s === null);
  const covered: EntryKind[] = [...new Set(scopes.flatMap((s) => s ?? []))];
  if (full || (kind && covered.includes(kind)))
    return { allowed: true, via: 'consent', reason: REASONS.consent, breakGlassUntil, kinds: null, breakGlass };
  if (breakGlass) return { allowed: true, via: 'break_glass', reason: REASONS.breakGlass, breakGlassUntil, kinds: null, breakGlass };
  if (!kind && covered.length) return { allowed: true, via: 'consent', reason: REASONS.consentPartial, breakGlassUntil, kinds: covered, breakGlass };
  return { allowed: false, via: null, reason: covered.length ? REASONS.deniedKind : REASONS.denied, breakGlassUntil, kinds: null, breakGlass };
}

/** May `caller` read this patient's record (or one kind of entry of it), and why. Never throws for a refusal. */
export async function recordAccess(db: Reader, caller: Caller, patientId: string, kind?: EntryKind): Promise<{
  allowed: boolean; via: AccessVia | null; reason: { zh: string; en: string }; breakGlassUntil: Date | null;
}> {
  const d = await decideAccess(db, caller, patientId, kind);
  return { allowed: d.allowed, via: d.via, reason: d.reason, breakGlassUntil: d.breakGlassUntil };
}

export const accessDenied = (reason: { zh: string; en: string }, details?: unknown) =>
  new AppError(403, 'record_access_denied', reason.zh, reason.en, undefined, details);

/**
 * The decision, or a refusal: 403 `forbidden` when the role may not read records at all, 403 `record_access_denied`
 * (naming the way out: consent or break-glass) otherwise. The refusal is written to the audit log.
 */
export async function assertAccess(db: Reader, caller: Caller, patientId: string, kind?: EntryKind): Promise<AccessDecision> {
  if (!can(caller, 'record.read', { patientId })) {
    await auditDenied(db, caller, patientId, kind);
    authorize(caller, 'record.read', { patientId });
  }
  const d = await decideAccess(db, caller, patientId, kind);
  if (!d.allowed) {
    await auditDenied(db, caller, patientId, kind);
    throw accessDenied(d.reason, { ways: ['consent', 'break_glass'] });
  }
  return d;
}

/** As assertAccess, returning how access was granted. */
export async function assertRecordAccess(db: Reader, caller: Caller, patientId: string, kind?: EntryKind): Promise<AccessVia> {
  return (await assertAccess(db, caller, patientId, kind)).via!;
}

async function auditDenied(db: Reader, caller: Caller, patientId: string, kind?: EntryKind) {
  // A refusal inside someone's transaction would roll back with it; it is written on its own.
  if (db.isTransaction) return;
  await audit(db, actorOf(caller), {
    action: 'record.read', outcome: 'denied', objectType: 'patient', objectId: patientId, patientId, detail: { via: null, kind: kind ?? null },
  });
}

/**
 * One audit entry for one read of the record: `record.read` with how access was granted; a break-glass read is
 * flagged (detail.breakGlass, and the grant's reason as the entry's reason).
 */
export async function auditRead(db: Reader, caller: Caller, patientId: string, d: AccessDecision, what: {
  kind?: EntryKind | null; objectType?: string; objectId?: string | null; detail?: Record<string, unknown>;
}): Promise<void> {
  const bg = d.via === 'break_glass';
  await audit(db, actorOf(caller), {
    action: 'record.read', objectType: what.objectType ?? 'patient', objectId: what.objectId ?? patientId, patientId,
    reason: bg ? d.breakGlass?.reason ?? null : null,
    detail: { via: d.via, kind: what.kind ?? null, ...(bg ? { breakGlass: true, breakGlassId: d.breakGlass?.id } : {}), ...what.detail },
  });
}
