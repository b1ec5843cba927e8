/**
 * 访问记录: who read or changed a patient's record, when, from which institution and why — read from the audit log,
 * so it is exactly what was recorded. The patient sees their own; staff need access to the record.
 */
import { ROLE_LABELS, type Role } from '@yilian/core';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { assertAccess, auditRead } from './access.js';

export interface AccessLogItem {
  seq: number; at: Date; action: string; outcome: string;
  user: { id: string | null; username: string | null; displayName: string | null };
  role: string | null; roleLabel: { zh: string; en: string } | null;
  institutionId: string | null; institutionName: string | null;
  objectType: string | null; objectId: string | null;
  via: string | null; kind: string | null; breakGlass: boolean; reason: string | null;
}

export async function accessLog(db: Db, caller: Caller, patientId: string, page: { limit: number; offset: number }): Promise<{ total: number; items: AccessLogItem[] }> {
  const access = await assertAccess(db, caller, patientId);
  const base = db.selectFrom('audit_log as a').where('a.patient_id', '=', patientId);
  const [rows, total] = await Promise.all([
    base.leftJoin('user_account as u', 'u.id', 'a.user_id').leftJoin('institution as i', 'i.id', 'a.institution_id')
      .select(['a.seq', 'a.at', 'a.action', 'a.outcome', 'a.user_id', 'a.username', 'u.display_name', 'a.role', 'a.institution_id', 'i.name as institution_name',
        'a.object_type', 'a.object_id', 'a.reason', 'a.detail'])
      .orderBy('a.at', 'desc').orderBy('a.seq', 'desc').limit(page.limit).offset(page.offset).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  await auditRead(db, caller, patientId, access, { kind: null, detail: { view: 'access_log' } });
  return {
    total: Number(total.n),
    items: rows.map((r) => {
      const d = (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail ?? {}) as Record<string, unknown>;
      return {
        seq: Number(r.seq), at: r.at, action: r.action, outcome: r.outcome,
        user: { id: r.user_id, username: r.username, displayName: r.display_name },
        role: r.role, roleLabel: r.role && r.role in ROLE_LABELS ? ROLE_LABELS[r.role as Role] : null,
        institutionId: r.institution_id, institutionName: r.institution_name, objectType: r.object_type, objectId: r.object_id,
        via: typeof d.via === 'string' ? d.via : null, kind: typeof d.kind === 'string' ? d.kind : null,
        breakGlass: d.breakGlass === true || r.action === 'record.break_glass', reason: r.reason,
      };
    }),
  };
}
