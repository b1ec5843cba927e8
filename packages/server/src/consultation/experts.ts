/**
 * The expert pool (专家库) for the consultation centre: who can be invited, with how busy they are (`openLoad`:
 * standing invitations and accepted consultations not yet answered) and how fast they answer (`avgResponseMinutes`:
 * invitation → first signed opinion, last 180 days).
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { contains } from '../http/query.js';
import { authorize } from '../policy/policy.js';

export interface ExpertQuery {
  specialty?: string | undefined; title?: string | undefined; institutionId?: string | undefined; q?: string | undefined; consultationId?: string | undefined;
}

export async function expertPool(db: Db, caller: Caller, q: ExpertQuery) {
  authorize(caller, 'consultation.centre');
  const like = q.q ? contains(q.q) : null;
  const { rows } = await sql<{
    practitioner_id: string; name: string; title: string; specialty: string; services: string[]; availability: string | null;
    institution_id: string | null; institution_name: string | null; institution_level: string | null; department_id: string | null; department_name: string | null;
    user_id: string | null; open_load: string; avg_response: string | number | null; invited: string | null;
  }>`
    SELECT e.practitioner_id, p.name, p.title, e.specialty, e.services, e.availability,
      r.institution_id, i.name AS institution_name, i.level AS institution_level, r.department_id, d.name AS department_name,
      (SELECT u.id FROM user_account u WHERE u.practitioner_id = p.id AND u.active ORDER BY u.created_at LIMIT 1) AS user_id,
      (SELECT count(*) FROM consultation_expert x JOIN consultation c ON c.id = x.consultation_id
        WHERE x.practitioner_id = p.id AND c.answered_at IS NULL AND c.status NOT IN ('closed', 'cancelled', 'expired')
          AND (x.status = 'accepted' OR (x.status = 'invited' AND c.status = 'inviting'))) AS open_load,
      (SELECT avg(extract(epoch FROM s.signed - x.invited_at) / 60) FROM consultation_expert x
        JOIN LATERAL (SELECT min(o.signed_at) AS signed FROM consultation_opinion o
          WHERE o.consultation_id = x.consultation_id AND o.practitioner_id = x.practitioner_id AND o.signed_at IS NOT NULL) s ON s.signed IS NOT NULL
        WHERE x.practitioner_id = p.id AND x.invited_at > now() - interval '180 days') AS avg_response,
      ${q.consultationId ? sql`(SELECT x.status FROM consultation_expert x WHERE x.consultation_id = ${q.consultationId} AND x.practitioner_id = p.id)` : sql`NULL`} AS invited
    FROM expert e
    JOIN practitioner p ON p.id = e.practitioner_id AND p.active
    LEFT JOIN LATERAL (SELECT pr.institution_id, pr.department_id FROM practitioner_role pr
      WHERE pr.practitioner_id = p.id AND pr.active ORDER BY pr.id LIMIT 1) r ON true
    LEFT JOIN institution i ON i.id = r.institution_id
    LEFT JOIN department d ON d.id = r.department_id
    WHERE e.active
      ${q.specialty ? sql`AND (e.specialty = ${q.specialty} OR d.specialty = ${q.specialty} OR d.name = ${q.specialty})` : sql``}
      ${q.title ? sql`AND p.title = ${q.title}` : sql``}
      ${q.institutionId ? sql`AND r.institution_id = ${q.institutionId}` : sql``}
      ${like ? sql`AND (p.name ILIKE ${like} OR p.name_pinyin ILIKE ${like} OR p.name_initials ILIKE ${like} OR d.name ILIKE ${like})` : sql``}
    ORDER BY i.level DESC NULLS LAST, i.name, d.name NULLS LAST, p.name
    LIMIT 200`.execute(db);
  return {
    items: rows.map((r) => ({
      practitionerId: r.practitioner_id, userId: r.user_id, name: r.name, title: r.title, specialty: r.specialty, services: r.services,
      availability: r.availability, institutionId: r.institution_id, institutionName: r.institution_name, departmentId: r.department_id,
      departmentName: r.department_name, openLoad: Number(r.open_load),
      avgResponseMinutes: r.avg_response === null ? null : Math.round(Number(r.avg_response)), invited: r.invited,
    })),
  };
}
