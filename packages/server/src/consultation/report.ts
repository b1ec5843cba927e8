/**
 * Consultation report (会诊统计): per kind, applicant institution, applicant department, expert or month — how many
 * requests, how they ended, how many were answered within the time limit, how many overran it, response minutes
 * (mean and p90, from reaching the centre to the opinions forwarded) and the applicants' ratings. Read from the
 * consultation tables only, so it counts whatever the workflow (or the seed) wrote.
 *
 * - A consultation is counted in the period of its creation (China time) once it left the draft state.
 * - Overdue: its `due_at` passed unanswered (unless it was cancelled), or it was answered after `due_at`.
 * - By expert: every consultation counts once for each expert who accepted the invitation, so the groups add up to
 *   more than the total; the total counts each consultation once.
 * - Scope: a centre coordinator or medical office sees consultations its institution handled as the centre or sent
 *   as the applicant; the consortium office and the regulator see all.
 */
import { CONSULTATION_KIND_LABELS, CONSULTATION_KINDS, type ConsultationKind } from '@yilian/core';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { authorize, institutionLimit } from '../policy/policy.js';

export const CONSULTATION_REPORT_GROUPS = ['kind', 'institution', 'department', 'expert', 'month'] as const;
export type ConsultationReportGroupBy = (typeof CONSULTATION_REPORT_GROUPS)[number];

export interface ConsultationReportQuery {
  /** YYYY-MM-DD, China time, inclusive. */
  from: string;
  to: string;
  institutionId?: string;
  groupBy: ConsultationReportGroupBy;
}

export interface ConsultationReportRow {
  key: string | null; label: string;
  count: number; closed: number; cancelled: number; expired: number;
  answered: number; answeredInLimit: number; overdue: number;
  /** Reaching the centre → opinions forwarded, minutes. */
  responseMinutes: { mean: number | null; p90: number | null };
  /** The time limit the requests had (due − received), mean minutes: the yardstick for the response. */
  limitMinutes: number | null;
  /** Consultations with at least one signed opinion (by expert: signed by that expert). */
  signedOpinions: number;
  rating: { mean: number | null; count: number };
}
export interface ConsultationReport {
  from: string; to: string; groupBy: ConsultationReportGroupBy; institutionId: string | null;
  groups: ConsultationReportRow[]; total: ConsultationReportRow;
}

const DAY = 86_400_000;
/** The instant a China-time day starts. */
const dayStart = (d: string) => new Date(`${d}T00:00:00+08:00`);

// Month of creation in China time (timestamptz shifted by +8 h read as UTC: no time-zone data needed).
const MONTH = sql`to_char(per.created_at AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM')`;
const KIND_ORDER = sql.raw(`ARRAY[${CONSULTATION_KINDS.map((k) => `'${k}'`).join(',')}]::text[]`);

/** Key, label and order of each grouping; `join` brings in what the label needs. */
const GROUP = {
  kind: { join: sql``, key: sql`per.kind`, label: sql`per.kind`, order: sql`array_position(${KIND_ORDER}, per.kind)` },
  institution: {
    join: sql`JOIN institution fi ON fi.id = per.from_institution_id`,
    key: sql`fi.id::text`, label: sql`fi.name`, order: sql`fi.level DESC, fi.code`,
  },
  department: {
    join: sql`JOIN institution fi ON fi.id = per.from_institution_id LEFT JOIN department fd ON fd.id = per.from_department_id`,
    key: sql`coalesce(fd.id::text, fi.id::text || ':')`,
    label: sql`fi.name || ' ' || coalesce(fd.name, '（未指定科室）')`,
    order: sql`fi.level DESC, fi.code, coalesce(fd.name, '')`,
  },
  expert: {
    join: sql`JOIN consultation_expert ce ON ce.consultation_id = per.id AND ce.status = 'accepted'
      JOIN practitioner ep ON ep.id = ce.practitioner_id JOIN institution ei ON ei.id = ce.institution_id`,
    key: sql`ep.id::text`, label: sql`ep.name || '（' || ei.name || '）'`, order: sql`ei.level DESC, ei.code, ep.name`,
  },
  month: { join: sql``, key: MONTH, label: MONTH, order: MONTH },
} as const;

interface Raw {
  total: number; key: string | null; label: string | null;
  count: string; closed: string; cancelled: string; expired: string; answered: string; in_limit: string; overdue: string;
  resp_mean: number | string | null; resp_p90: number | string | null; limit_mean: number | string | null;
  signed: string; rating_mean: number | string | null; rating_count: string;
}

const round = (v: number | string | null, digits = 0) => (v === null ? null : Math.round(Number(v) * 10 ** digits) / 10 ** digits);

function rowOf(r: Raw, groupBy: ConsultationReportGroupBy): ConsultationReportRow {
  const label = groupBy === 'kind' && r.key ? CONSULTATION_KIND_LABELS[r.key as ConsultationKind]?.zh ?? r.key : r.label ?? '';
  return {
    key: r.key, label,
    count: Number(r.count), closed: Number(r.closed), cancelled: Number(r.cancelled), expired: Number(r.expired),
    answered: Number(r.answered), answeredInLimit: Number(r.in_limit), overdue: Number(r.overdue),
    responseMinutes: { mean: round(r.resp_mean, 1), p90: round(r.resp_p90, 1) },
    limitMinutes: round(r.limit_mean, 1), signedOpinions: Number(r.signed),
    rating: { mean: round(r.rating_mean, 2), count: Number(r.rating_count) },
  };
}

export async function consultationReport(db: Db, caller: Caller, q: ConsultationReportQuery, now = new Date()): Promise<ConsultationReport> {
  authorize(caller, 'consultation.report', q.institutionId ? { institutionId: q.institutionId } : {});
  const institutionId = q.institutionId ?? institutionLimit(caller, 'consultation.report');
  const from = dayStart(q.from), to = new Date(dayStart(q.to).getTime() + DAY);
  const g = GROUP[q.groupBy];
  // By expert, "signed" means that expert signed; otherwise any expert of the consultation.
  const signedBy = q.groupBy === 'expert' ? sql`AND o.practitioner_id = ce.practitioner_id` : sql``;
  const aggregates = (signed: ReturnType<typeof sql>) => sql`
      count(*) AS count,
      count(*) FILTER (WHERE status = 'closed') AS closed,
      count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
      count(*) FILTER (WHERE status = 'expired') AS expired,
      count(answered_at) AS answered,
      count(*) FILTER (WHERE in_limit) AS in_limit,
      count(*) FILTER (WHERE overdue) AS overdue,
      avg(resp_min) AS resp_mean,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY resp_min) AS resp_p90,
      avg(limit_min) AS limit_mean,
      count(*) FILTER (WHERE ${signed}) AS signed,
      avg(rating) AS rating_mean, count(rating) AS rating_count`;
  const { rows } = await sql<Raw>`
    WITH per AS (
      SELECT c.id, c.kind, c.status, c.created_at, c.from_institution_id, c.from_department_id, c.rating, c.answered_at,
        extract(epoch FROM c.answered_at - c.received_at) / 60 AS resp_min,
        extract(epoch FROM c.due_at - c.received_at) / 60 AS limit_min,
        coalesce(c.answered_at <= c.due_at, false) AS in_limit,
        coalesce(c.answered_at > c.due_at OR (c.answered_at IS NULL AND c.status <> 'cancelled' AND c.due_at < ${now}), false) AS overdue
      FROM consultation c
      WHERE c.status <> 'draft' AND c.created_at >= ${from} AND c.created_at < ${to}
        ${institutionId ? sql`AND (c.centre_institution_id = ${institutionId} OR c.from_institution_id = ${institutionId})` : sql``}
    ), keyed AS (
      SELECT per.*, ${g.key} AS key, ${g.label} AS label, dense_rank() OVER (ORDER BY ${g.order}) AS ord
        ${q.groupBy === 'expert' ? sql`, EXISTS (SELECT 1 FROM consultation_opinion o WHERE o.consultation_id = per.id AND o.status <> 'draft' ${signedBy}) AS has_signed`
          : sql`, EXISTS (SELECT 1 FROM consultation_opinion o WHERE o.consultation_id = per.id AND o.status <> 'draft') AS has_signed`}
      FROM per ${g.join}
    )
    SELECT 0 AS total, key, label, min(ord) AS ord, ${aggregates(sql`has_signed`)}
    FROM keyed GROUP BY key, label
    UNION ALL
    SELECT 1, NULL, NULL, 0, ${aggregates(sql`EXISTS (SELECT 1 FROM consultation_opinion o WHERE o.consultation_id = per.id AND o.status <> 'draft')`)}
    FROM per
    ORDER BY 1, 4, 2`.execute(db);
  const groups = rows.filter((r) => Number(r.total) === 0).map((r) => rowOf(r, q.groupBy));
  const totalRaw = rows.find((r) => Number(r.total) === 1)!;
  return { from: q.from, to: q.to, groupBy: q.groupBy, institutionId, groups, total: { ...rowOf(totalRaw, q.groupBy), key: null, label: '合计' } };
}

const GROUP_TITLES: Record<ConsultationReportGroupBy, { sheet: string; column: string }> = {
  kind: { sheet: '按会诊类型', column: '会诊类型' },
  institution: { sheet: '按申请机构', column: '申请机构' },
  department: { sheet: '按申请科室', column: '申请机构及科室' },
  expert: { sheet: '按专家', column: '会诊专家' },
  month: { sheet: '按月份', column: '月份' },
};

/** The report as an Excel workbook: one sheet for the grouping (Chinese headers, a total row), one explaining it. */
export async function consultationReportWorkbook(report: ConsultationReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const t = GROUP_TITLES[report.groupBy];
  const sheet = wb.addWorksheet(t.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = [
    { header: t.column, key: 'label', width: 30 },
    { header: '会诊（例）', key: 'count', width: 11 },
    { header: '已完成（例）', key: 'closed', width: 12 }, { header: '已取消（例）', key: 'cancelled', width: 12 },
    { header: '已过期（例）', key: 'expired', width: 12 }, { header: '已出意见（例）', key: 'answered', width: 14 },
    { header: '时限内答复（例）', key: 'inLimit', width: 16 }, { header: '超时（例）', key: 'overdue', width: 11 },
    { header: '平均响应（分钟）', key: 'respMean', width: 16 }, { header: 'P90 响应（分钟）', key: 'respP90', width: 16 },
    { header: '平均时限（分钟）', key: 'limit', width: 16 }, { header: '已签署意见（例）', key: 'signed', width: 16 },
    { header: '平均评分', key: 'ratingMean', width: 10 }, { header: '评价数', key: 'ratingCount', width: 9 },
  ];
  sheet.getRow(1).font = { bold: true };
  const add = (r: ConsultationReportRow) => sheet.addRow({
    label: r.label, count: r.count, closed: r.closed, cancelled: r.cancelled, expired: r.expired, answered: r.answered,
    inLimit: r.answeredInLimit, overdue: r.overdue, respMean: r.responseMinutes.mean, respP90: r.responseMinutes.p90,
    limit: r.limitMinutes, signed: r.signedOpinions, ratingMean: r.rating.mean, ratingCount: r.rating.count,
  });
  for (const r of report.groups) add(r);
  add(report.total).font = { bold: true };
  const help = wb.addWorksheet('说明');
  help.columns = [{ header: '项目', width: 16 }, { header: '说明', width: 90 }];
  help.getRow(1).font = { bold: true };
  help.addRows([
    ['统计期间', `${report.from} 至 ${report.to}（按会诊申请创建日期，北京时间；不含草稿）`],
    ['响应时间', '从申请到达会诊中心至会诊意见转发给申请方，单位分钟；P90 为 90% 的会诊在此时间内答复'],
    ['时限内答复', '意见转发时间不晚于应答时限（急会诊默认 30 分钟，其他 48 小时，可配置）'],
    ['超时', '超过应答时限仍未答复（已取消的除外），或答复晚于时限'],
    ['按专家', '每例会诊计入每位接受邀请的专家，各组之和可大于合计'],
  ]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const consultationReportFileName = (r: ConsultationReport) => `会诊统计_${GROUP_TITLES[r.groupBy].sheet}_${r.from}_${r.to}.xlsx`;
