/**
 * Break-glass (紧急访问): a practitioner without care relationship or consent opens a record in an emergency. The
 * reason is mandatory; the grant lasts four hours; the grant and every read under it are flagged in the audit log;
 * the patient and the institution's admins are told at once, and the admins review each grant on the report.
 */
import { conflict, notFound } from '@yilian/core';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Db, Reader } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { notify } from '../messaging/notifications.js';
import { authorize, institutionLimit } from '../policy/policy.js';
import { PATIENT } from './access.js';
import { patientAccounts } from './consent.js';
import { lowerBound, upperBound } from './entries.js';

export const BREAK_GLASS_HOURS = 4;
const GRANT = { zh: '紧急访问记录', en: 'Break-glass grant' };

export interface BreakGlassView {
  id: string; userId: string; username: string; displayName: string; institutionId: string | null; institutionName: string | null;
  patientId: string; patientName: string; reason: string; grantedAt: Date; expiresAt: Date; active: boolean;
  /** Reads of the record made under this grant (flagged in the audit log). */
  readCount: number;
  reviewedAt: Date | null; reviewedBy: { id: string; displayName: string } | null; reviewNote: string | null;
}

type GrantRow = {
  id: string; user_id: string; username: string; display_name: string; institution_id: string | null; institution_name: string | null;
  patient_id: string; patient_name: string; reason: string; granted_at: Date; expires_at: Date; read_count: string | number;
  reviewed_at: Date | null; reviewed_by: string | null; reviewer_name: string | null; review_note: string | null;
};

const viewOf = (r: GrantRow): BreakGlassView => ({
  id: r.id, userId: r.user_id, username: r.username, displayName: r.display_name, institutionId: r.institution_id, institutionName: r.institution_name,
  patientId: r.patient_id, patientName: r.patient_name, reason: r.reason, grantedAt: new Date(r.granted_at), expiresAt: new Date(r.expires_at),
  active: new Date(r.expires_at).getTime() > Date.now(), readCount: Number(r.read_count),
  reviewedAt: r.reviewed_at, reviewedBy: r.reviewed_by ? { id: r.reviewed_by, displayName: r.reviewer_name ?? '' } : null, reviewNote: r.review_note,
});

interface ReportFilter { id?: string; institutionId?: string | null; from?: Date; to?: Date; reviewed?: boolean; limit: number; offset: number }

async function grants(db: Reader, f: ReportFilter): Promise<{ total: number; rows: GrantRow[] }> {
  const conds = [sql`true`];
  if (f.id) conds.push(sql`b.id = ${f.id}`);
  if (f.institutionId) conds.push(sql`b.institution_id = ${f.institutionId}`);
  if (f.from) conds.push(sql`b.granted_at >= ${f.from}`);
  if (f.to) conds.push(sql`b.granted_at < ${f.to}`);
  if (f.reviewed !== undefined) conds.push(f.reviewed ? sql`b.reviewed_at IS NOT NULL` : sql`b.reviewed_at IS NULL`);
  const where = sql.join(conds, sql` AND `);
  const [rows, count] = await Promise.all([
    sql<GrantRow>`
      SELECT b.*, u.username, u.display_name, i.name AS institution_name, p.name AS patient_name, rv.display_name AS reviewer_name,
        (SELECT count(*) FROM audit_log a WHERE a.patient_id = b.patient_id AND a.at >= b.granted_at AND a.at <= b.expires_at
           AND a.user_id = b.user_id AND a.action = 'record.read' AND a.detail->>'breakGlassId' = b.id::text) AS read_count
      FROM break_glass b JOIN user_account u ON u.id = b.user_id JOIN patient p ON p.id = b.patient_id
      LEFT JOIN institution i ON i.id = b.institution_id LEFT JOIN user_account rv ON rv.id = b.reviewed_by
      WHERE ${where} ORDER BY b.granted_at DESC, b.id LIMIT ${f.limit} OFFSET ${f.offset}`.execute(db),
    sql<{ n: string }>`SELECT count(*) AS n FROM break_glass b WHERE ${where}`.execute(db),
  ]);
  return { total: Number(count.rows[0]!.n), rows: rows.rows };
}

/** Opens the record for four hours. Allowed also when the caller already has access: the reason is what counts. */
export async function breakGlass(db: Db, caller: Caller, patientId: string, reason: string): Promise<BreakGlassView> {
  authorize(caller, 'record.break_glass', { patientId });
  const patient = await db.selectFrom('patient').select('id').where('id', '=', patientId).executeTakeFirst();
  if (!patient) throw notFound(PATIENT, 'id');
  const id = await db.transaction().execute(async (tx) => {
    const row = await tx.insertInto('break_glass').values({
      user_id: caller.userId, institution_id: caller.role.institutionId, patient_id: patientId, reason,
      expires_at: new Date(Date.now() + BREAK_GLASS_HOURS * 3_600_000),
    }).returning(['id', 'expires_at']).executeTakeFirstOrThrow();
    await audit(tx, actorOf(caller), {
      action: 'record.break_glass', objectType: 'break_glass', objectId: row.id, patientId, reason, outcome: 'ok',
      detail: { breakGlass: true, expiresAt: row.expires_at, hours: BREAK_GLASS_HOURS },
    });
    // Patient data stays out of these texts (they also go out by SMS / e-mail).
    await notify(tx, {
      userIds: await patientAccounts(tx, patientId), kind: 'record_break_glass',
      title: { zh: '您的健康档案被紧急访问', en: 'Your health record was opened in an emergency' },
      body: { zh: `访问机构：${caller.role.institutionName ?? ''}；可在“访问记录”中查看`, en: `By: ${caller.role.institutionName ?? ''}; see the access log` },
      link: '/record/access-log',
    });
    if (caller.role.institutionId) {
      const admins = await tx.selectFrom('user_role as r').innerJoin('user_account as u', 'u.id', 'r.user_id').select('u.id')
        .where('r.role', '=', 'institution_admin').where('r.institution_id', '=', caller.role.institutionId).where('u.active', '=', true).execute();
      await notify(tx, {
        userIds: admins.map((a) => a.id), kind: 'record_break_glass',
        title: { zh: '本机构人员使用了紧急访问，请复核', en: 'A colleague used break-glass access; please review' },
        body: { zh: `访问人：${caller.displayName}`, en: `By: ${caller.displayName}` },
        link: '/record/break-glass',
      });
    }
    return row.id;
  });
  return viewOf((await grants(db, { id, limit: 1, offset: 0 })).rows[0]!);
}

export interface ReportQuery { from?: string; to?: string; institutionId?: string; reviewed?: boolean; limit: number; offset: number }

/** The report of emergency accesses: institution admins see their own institution's staff's grants. */
export async function breakGlassReport(db: Db, caller: Caller, q: ReportQuery): Promise<{ total: number; items: BreakGlassView[] }> {
  authorize(caller, 'record.break_glass_review', q.institutionId ? { institutionId: q.institutionId } : {});
  const institutionId = q.institutionId ?? institutionLimit(caller, 'record.break_glass_review');
  const { total, rows } = await grants(db, {
    institutionId, from: q.from ? lowerBound(q.from) : undefined, to: q.to ? upperBound(q.to) : undefined,
    reviewed: q.reviewed, limit: q.limit, offset: q.offset,
  });
  await audit(db, actorOf(caller), { action: 'record.break_glass.report', objectType: 'break_glass', detail: { institutionId, shown: rows.length } });
  return { total, items: rows.map(viewOf) };
}

export async function reviewBreakGlass(db: Db, caller: Caller, id: string, note: string): Promise<BreakGlassView> {
  const g = await db.selectFrom('break_glass').select(['id', 'institution_id', 'patient_id', 'reviewed_at']).where('id', '=', id).executeTakeFirst();
  if (!g) throw notFound(GRANT, 'id');
  authorize(caller, 'record.break_glass_review', { institutionId: g.institution_id });
  await db.transaction().execute(async (tx) => {
    const done = await tx.updateTable('break_glass').set({ reviewed_at: new Date(), reviewed_by: caller.userId, review_note: note })
      .where('id', '=', id).where('reviewed_at', 'is', null).executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw conflict('already_reviewed', '该紧急访问已复核', 'This grant was already reviewed', 'id');
    await audit(tx, actorOf(caller), { action: 'record.break_glass.review', objectType: 'break_glass', objectId: id, patientId: g.patient_id, detail: { note } });
  });
  return viewOf((await grants(db, { id, limit: 1, offset: 0 })).rows[0]!);
}
