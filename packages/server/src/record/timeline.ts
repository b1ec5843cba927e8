/**
 * One timeline per patient across institutions (患者360视图): the current entries of every kind, newest first. Each
 * kind is one indexed query limited to offset + limit rows; the branches are merged by UNION ALL and paged once, so
 * the cost follows the page asked for, not the size of the record. A report carries its results (counted, the
 * abnormal ones named); standalone observations taken together (a blood pressure's two values) are one item.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Reader } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { assertAccess, auditRead } from './access.js';
import { lowerBound, recordPatientIds, upperBound } from './entries.js';
import { ENTRY_KINDS, type EntryKind, type TimelineQuery } from './schemas.js';

export interface TimelineItem {
  kind: EntryKind; id: string; version: number; at: Date; institutionId: string | null; institutionName: string | null;
  title: string; summary: string | null; flag: string | null; [extra: string]: unknown;
}

interface Filter { patientIds: string[]; institutionId?: string; from?: Date; to?: Date }

/** `patient_id` of the patient's record: the patient, and the records merged into it. */
const ofPatients = (col: string, ids: string[]) => ids.length === 1 ? sql`${sql.ref(col)} = ${ids[0]}` : sql`${sql.ref(col)} IN (${sql.join(ids)})`;

/** Conditions every branch shares: the patient, current and not withdrawn, and the filters on institution and time. */
function where(at: string, status: string, f: Filter): RawBuilder<unknown> {
  const parts = [
    ofPatients('e.patient_id', f.patientIds), sql`e.superseded_at IS NULL`, sql`e.${sql.ref(status)} <> 'entered-in-error'`,
  ];
  if (f.institutionId) parts.push(sql`e.institution_id = ${f.institutionId}`);
  if (f.from) parts.push(sql`e.${sql.ref(at)} >= ${f.from}`);
  if (f.to) parts.push(sql`e.${sql.ref(at)} < ${f.to}`);
  return sql.join(parts, sql` AND `);
}

const ARROW = sql`CASE o.flag WHEN 'H' THEN '↑' WHEN 'HH' THEN '↑↑' WHEN 'L' THEN '↓' WHEN 'LL' THEN '↓↓' WHEN 'A' THEN '（异常）' ELSE '' END`;
const RESULT = sql`o.name || ' ' || coalesce(o.value_num::text, o.value_text) || coalesce(' ' || o.unit, '') || ${ARROW}`;

/** Per kind: the rows of one branch (kind, id, version, at, institution_id, title, summary, flag, extra) and its count. */
const BRANCHES: Record<EntryKind, { rows(f: Filter, n: number): RawBuilder<unknown>; count(f: Filter): RawBuilder<unknown> }> = {
  encounter: {
    rows: (f, n) => sql`SELECT 'encounter' AS kind, e.entry_id AS id, e.version, e.started_at AS at, e.institution_id,
        CASE e.class WHEN 'outpatient' THEN '门诊' WHEN 'emergency' THEN '急诊' ELSE '住院' END || coalesce(' · ' || d.name, '') AS title,
        e.reason AS summary, NULL::text AS flag,
        jsonb_build_object('class', e.class, 'status', e.status, 'endedAt', e.ended_at, 'departmentName', d.name, 'practitionerName', pr.name) AS extra
      FROM encounter e LEFT JOIN department d ON d.id = e.department_id LEFT JOIN practitioner pr ON pr.id = e.practitioner_id
      WHERE ${where('started_at', 'status', f)} ORDER BY e.started_at DESC, e.entry_id LIMIT ${n}`,
    count: (f) => sql`SELECT count(*) FROM encounter e WHERE ${where('started_at', 'status', f)}`,
  },
  condition: {
    rows: (f, n) => sql`SELECT 'condition' AS kind, e.entry_id AS id, e.version, e.recorded_at AS at, e.institution_id,
        e.display AS title, e.code || CASE WHEN e.is_primary THEN ' · 主要诊断' ELSE '' END AS summary, NULL::text AS flag,
        jsonb_build_object('code', e.code, 'codeSystem', e.code_system, 'category', e.category, 'clinicalStatus', e.clinical_status,
          'verificationStatus', e.verification_status, 'isPrimary', e.is_primary, 'onsetDate', e.onset_date) AS extra
      FROM condition e WHERE ${where('recorded_at', 'verification_status', f)} ORDER BY e.recorded_at DESC, e.entry_id LIMIT ${n}`,
    count: (f) => sql`SELECT count(*) FROM condition e WHERE ${where('recorded_at', 'verification_status', f)}`,
  },
  allergy: {
    rows: (f, n) => sql`SELECT 'allergy' AS kind, e.entry_id AS id, e.version, e.recorded_at AS at, e.institution_id,
        e.substance AS title, e.reaction AS summary, CASE WHEN e.criticality = 'high' THEN 'A' END AS flag,
        jsonb_build_object('category', e.category, 'severity', e.severity, 'criticality', e.criticality, 'clinicalStatus', e.clinical_status) AS extra
      FROM allergy e WHERE ${where('recorded_at', 'verification_status', f)} ORDER BY e.recorded_at DESC, e.entry_id LIMIT ${n}`,
    count: (f) => sql`SELECT count(*) FROM allergy e WHERE ${where('recorded_at', 'verification_status', f)}`,
  },
  medication: {
    rows: (f, n) => sql`SELECT 'medication' AS kind, e.entry_id AS id, e.version, e.authored_at AS at, e.institution_id,
        e.drug AS title, nullif(concat_ws(' ', e.dose, e.route, e.frequency, e.days || '天'), '') AS summary, NULL::text AS flag,
        jsonb_build_object('status', e.status, 'drugCode', e.drug_code) AS extra
      FROM medication_request e WHERE ${where('authored_at', 'status', f)} ORDER BY e.authored_at DESC, e.entry_id LIMIT ${n}`,
    count: (f) => sql`SELECT count(*) FROM medication_request e WHERE ${where('authored_at', 'status', f)}`,
  },
  report: {
    rows: (f, n) => sql`SELECT 'report' AS kind, e.entry_id AS id, e.version, e.issued_at AS at, e.institution_id,
        e.name AS title,
        nullif(concat_ws('；', coalesce(e.conclusion, e.findings), CASE WHEN obs.abnormal > 0 THEN '异常：' || obs.abnormal_text END), '') AS summary,
        CASE WHEN obs.abnormal > 0 THEN 'A' WHEN obs.n > 0 THEN 'N' END AS flag,
        jsonb_build_object('category', e.category, 'modality', e.modality, 'status', e.status, 'observationCount', obs.n, 'abnormalCount', obs.abnormal) AS extra
      FROM diagnostic_report e
      LEFT JOIN LATERAL (
        SELECT count(*) AS n, count(*) FILTER (WHERE o.flag IS NOT NULL AND o.flag <> 'N') AS abnormal,
               string_agg(${RESULT}, '，' ORDER BY o.code) FILTER (WHERE o.flag IS NOT NULL AND o.flag <> 'N') AS abnormal_text
        FROM observation o WHERE o.report_id = e.entry_id AND o.superseded_at IS NULL AND o.patient_id = e.patient_id AND o.status <> 'entered-in-error'
      ) obs ON true
      WHERE ${where('issued_at', 'status', f)} ORDER BY e.issued_at DESC, e.entry_id LIMIT ${n}`,
    count: (f) => sql`SELECT count(*) FROM diagnostic_report e WHERE ${where('issued_at', 'status', f)}`,
  },
  observation: {
    // Standalone results only (a report's are summarised under it), grouped by time, source and category.
    rows: (f, n) => sql`SELECT 'observation' AS kind, (array_agg(o.entry_id ORDER BY o.code, o.entry_id))[1] AS id,
        (array_agg(o.version ORDER BY o.code, o.entry_id))[1] AS version, o.effective_at AS at, o.institution_id,
        CASE WHEN count(*) = 1 THEN min(o.name)
             ELSE CASE o.category WHEN 'vital-signs' THEN '生命体征' WHEN 'home-monitoring' THEN '家庭自测' WHEN 'exam' THEN '体格检查' ELSE '检验结果' END END AS title,
        string_agg(${RESULT}, '；' ORDER BY o.code) AS summary,
        CASE WHEN count(*) = 1 THEN min(o.flag) WHEN bool_or(o.flag IS NOT NULL AND o.flag <> 'N') THEN 'A' WHEN bool_or(o.flag = 'N') THEN 'N' END AS flag,
        jsonb_build_object('category', o.category, 'count', count(*), 'ids', jsonb_agg(o.entry_id ORDER BY o.code, o.entry_id), 'device', min(o.device)) AS extra
      FROM observation o
      WHERE ${whereObs(f)} AND o.report_id IS NULL
      GROUP BY o.effective_at, o.institution_id, o.category ORDER BY o.effective_at DESC, 2 LIMIT ${n}`,
    count: (f) => sql`SELECT count(*) FROM (SELECT 1 FROM observation o WHERE ${whereObs(f)} AND o.report_id IS NULL GROUP BY o.effective_at, o.institution_id, o.category) g`,
  },
  document: {
    rows: (f, n) => sql`SELECT 'document' AS kind, e.entry_id AS id, e.version, e.authored_at AS at, e.institution_id,
        e.title, CASE e.kind WHEN 'discharge_summary' THEN '出院小结' WHEN 'referral_letter' THEN '转诊单' WHEN 'consultation_opinion' THEN '会诊意见'
          WHEN 'consent_form' THEN '知情同意书' WHEN 'scanned' THEN '扫描件' WHEN 'outpatient_record' THEN '门诊病历' ELSE '其他文书' END
          || CASE WHEN att.n > 0 THEN ' · 附件 ' || att.n ELSE '' END AS summary, NULL::text AS flag,
        jsonb_build_object('documentKind', e.kind, 'attachmentCount', att.n) AS extra
      FROM document e LEFT JOIN LATERAL (SELECT count(*) AS n FROM document_attachment a WHERE a.document_id = e.id) att ON true
      WHERE ${where('authored_at', 'status', f)} ORDER BY e.authored_at DESC, e.entry_id LIMIT ${n}`,
    count: (f) => sql`SELECT count(*) FROM document e WHERE ${where('authored_at', 'status', f)}`,
  },
};

/** The observation branch's conditions, on alias o. */
function whereObs(f: Filter): RawBuilder<unknown> {
  const parts = [ofPatients('o.patient_id', f.patientIds), sql`o.superseded_at IS NULL`, sql`o.status <> 'entered-in-error'`];
  if (f.institutionId) parts.push(sql`o.institution_id = ${f.institutionId}`);
  if (f.from) parts.push(sql`o.effective_at >= ${f.from}`);
  if (f.to) parts.push(sql`o.effective_at < ${f.to}`);
  return sql.join(parts, sql` AND `);
}

interface Merged {
  kind: EntryKind; id: string; version: number; at: Date; institution_id: string | null; institution_name: string | null;
  title: string; summary: string | null; flag: string | null; extra: Record<string, unknown> | string;
}

export async function timeline(db: Reader, caller: Caller, patientId: string, q: TimelineQuery): Promise<{ total: number; items: TimelineItem[] }> {
  const access = await assertAccess(db, caller, patientId);
  let kinds: EntryKind[] = q.kind ?? [...ENTRY_KINDS];
  // A consent limited to some kinds shows only those.
  if (access.kinds) kinds = kinds.filter((k) => access.kinds!.includes(k));
  const f: Filter = {
    patientIds: await recordPatientIds(db, patientId), institutionId: q.institutionId,
    from: q.from ? lowerBound(q.from) : undefined, to: q.to ? upperBound(q.to) : undefined,
  };
  const limit = q.limit, offset = q.offset;
  let items: TimelineItem[] = [], total = 0;
  if (kinds.length) {
    const n = offset + limit;
    const union = sql.join(kinds.map((k) => sql`(${BRANCHES[k].rows(f, n)})`), sql` UNION ALL `);
    const counts = sql.join(kinds.map((k) => sql`(${BRANCHES[k].count(f)})`), sql` + `);
    const [rows, count] = await Promise.all([
      sql<Merged>`SELECT t.*, i.name AS institution_name FROM (${union}) t LEFT JOIN institution i ON i.id = t.institution_id
        ORDER BY t.at DESC, t.kind, t.id LIMIT ${limit} OFFSET ${offset}`.execute(db),
      sql<{ n: string }>`SELECT ${counts} AS n`.execute(db),
    ]);
    total = Number(count.rows[0]!.n);
    items = rows.rows.map((r) => ({
      kind: r.kind, id: r.id, version: Number(r.version), at: new Date(r.at), institutionId: r.institution_id, institutionName: r.institution_name,
      title: r.title, summary: r.summary, flag: r.flag, ...(typeof r.extra === 'string' ? JSON.parse(r.extra) : r.extra),
    }));
  }
  await auditRead(db, caller, patientId, access, { kind: null, detail: { view: 'timeline', kinds: q.kind ?? null } });
  return { total, items };
}

/** One lab item (or vital sign) of the patient over time, oldest first, with the catalogue's unit and range. */
export async function trend(db: Reader, caller: Caller, patientId: string, q: { code: string; from?: string; to?: string }) {
  const access = await assertAccess(db, caller, patientId, 'observation');
  let sel = db.selectFrom('observation as o').leftJoin('institution as i', 'i.id', 'o.institution_id')
    .select(['o.entry_id', 'o.effective_at', 'o.value_num', 'o.unit', 'o.flag', 'o.name', 'o.ref_low', 'o.ref_high', 'o.institution_id', 'i.name as institution_name'])
    .where('o.patient_id', 'in', await recordPatientIds(db, patientId)).where('o.code', '=', q.code).where('o.superseded_at', 'is', null)
    .where('o.status', '<>', 'entered-in-error').where('o.value_num', 'is not', null);
  if (q.from) sel = sel.where('o.effective_at', '>=', lowerBound(q.from));
  if (q.to) sel = sel.where('o.effective_at', '<', upperBound(q.to));
  const [rows, item] = await Promise.all([
    sel.orderBy('o.effective_at').limit(2000).execute(),
    db.selectFrom('lab_item').selectAll().where('code', '=', q.code).executeTakeFirst(),
  ]);
  const last = rows.at(-1);
  const n = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));
  await auditRead(db, caller, patientId, access, { kind: 'observation', detail: { view: 'trend', code: q.code } });
  return {
    code: q.code, name: item?.name ?? last?.name ?? null, unit: item?.unit ?? last?.unit ?? null,
    refLow: item ? n(item.ref_low) : n(last?.ref_low), refHigh: item ? n(item.ref_high) : n(last?.ref_high),
    points: rows.map((r) => ({
      id: r.entry_id, at: r.effective_at, value: Number(r.value_num), unit: r.unit, flag: r.flag,
      institutionId: r.institution_id, institutionName: r.institution_name,
    })),
  };
}
