/**
 * Referral report (转诊统计): per sending institution, sending department or month — up and down counts, the down
 * share, how many were accepted, hours from submission to acceptance and from acceptance to closing (median and
 * average), outcomes, and steps that overran their time limit (referral_time_limit). Read from the referral and
 * referral_event tables only, so it counts whatever the workflow wrote.
 *
 * - A referral is counted in the period of its creation (China time) once it left the draft state.
 * - Groups are by the sending side: an up-referral belongs to the township that sent it, a down-referral to the
 *   hospital that sent it down — the consortium's "how much does each member send up, how much comes back down".
 * - An overdue step is an event that left a limited state later than the limit allows, or a referral still in a
 *   limited state past it (at `now`).
 */
import { REFERRAL_STATE_LABELS } from '@yilian/core';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Caller } from '../http/context.js';
import { authorize, institutionLimit } from '../policy/policy.js';

export type ReportGroupBy = 'institution' | 'department' | 'month';

export interface ReportQuery {
  /** YYYY-MM-DD, China time, inclusive. */
  from: string;
  to: string;
  institutionId?: string;
  groupBy: ReportGroupBy;
}

export interface HoursStat { median: number | null; average: number | null }
export interface ReportRow {
  key: string | null; label: string;
  up: number; down: number; downShare: number | null;
  accepted: number; submitToAccept: HoursStat; acceptToClose: HoursStat;
  closed: number; refused: number; cancelled: number; overdueSteps: number;
}
export interface ReferralReport {
  from: string; to: string; groupBy: ReportGroupBy; institutionId: string | null;
  groups: ReportRow[]; total: ReportRow;
}

const DAY = 86_400_000;
/** The instant a China-time day starts. */
const dayStart = (d: string) => new Date(`${d}T00:00:00+08:00`);

const MONTH = sql`to_char(per.created_at AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM')`;
const GROUP = {
  institution: { key: sql`fi.id::text`, label: sql`fi.name`, order: sql`fi.level DESC, fi.code` },
  department: {
    key: sql`coalesce(fd.id::text, fi.id::text || ':')`,
    label: sql`fi.name || ' ' || coalesce(fd.name, '（未指定科室）')`,
    order: sql`fi.level DESC, fi.code, coalesce(fd.name, '')`,
  },
  // Month of creation in China time (timestamptz shifted by +8 h read as UTC: no time-zone data needed).
  month: { key: MONTH, label: MONTH, order: MONTH },
} as const;

interface Raw {
  grouped: number; key: string | null; label: string | null;
  up: string; down: string; accepted: string; closed: string; refused: string; cancelled: string; overdue: string | null;
  accept_median: number | string | null; accept_avg: number | string | null; close_median: number | string | null; close_avg: number | string | null;
}

const hours = (v: number | string | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);

function rowOf(r: Raw): ReportRow {
  const up = Number(r.up), down = Number(r.down);
  return {
    key: r.key, label: r.label ?? '',
    up, down, downShare: up + down ? Math.round((down / (up + down)) * 1000) / 1000 : null,
    accepted: Number(r.accepted),
    submitToAccept: { median: hours(r.accept_median), average: hours(r.accept_avg) },
    acceptToClose: { median: hours(r.close_median), average: hours(r.close_avg) },
    closed: Number(r.closed), refused: Number(r.refused), cancelled: Number(r.cancelled), overdueSteps: Number(r.overdue ?? 0),
  };
}

/**
 * The report for the caller: institution admins see only referrals their institution sent, or received once the
 * sending office approved them (the referral services' visibility rule).
 */
export async function referralReport(db: Db, caller: Caller, q: ReportQuery, now = new Date()): Promise<ReferralReport> {
  authorize(caller, 'referral.report', q.institutionId ? { institutionId: q.institutionId } : {});
  const institutionId = q.institutionId ?? institutionLimit(caller, 'referral.report');
  const from = dayStart(q.from), to = new Date(dayStart(q.to).getTime() + DAY);
  const g = GROUP[q.groupBy];
  const { rows } = await sql<Raw>`
    WITH r AS (
      SELECT id, direction, status, status_since, from_institution_id, from_department_id, created_at
      FROM referral
      WHERE status <> 'draft' AND created_at >= ${from} AND created_at < ${to}
        ${institutionId ? sql`AND (from_institution_id = ${institutionId} OR (to_institution_id = ${institutionId}
          AND EXISTS (SELECT 1 FROM referral_event a WHERE a.referral_id = referral.id AND a.action = 'sender_approve')))` : sql``}
    ), ev AS (
      SELECT e.referral_id, e.at, e.action, e.from_status, e.to_status,
             lag(e.at) OVER (PARTITION BY e.referral_id ORDER BY e.at, e.id) AS entered
      FROM referral_event e JOIN r ON r.id = e.referral_id
    ), steps AS (
      SELECT r.id,
        min(ev.at) FILTER (WHERE ev.to_status = 'submitted') AS submitted_at,
        min(ev.at) FILTER (WHERE ev.action = 'accept') AS accepted_at,
        min(ev.at) FILTER (WHERE ev.to_status = 'closed') AS closed_at,
        count(l.status) FILTER (WHERE ev.entered IS NOT NULL AND ev.at > ev.entered + l.hours * interval '1 hour') AS late
      FROM r LEFT JOIN ev ON ev.referral_id = r.id LEFT JOIN referral_time_limit l ON l.status = ev.from_status
      GROUP BY r.id
    ), per AS (
      SELECT r.*, s.submitted_at, s.accepted_at, s.closed_at,
        s.late + (SELECT count(*) FROM referral_time_limit l WHERE l.status = r.status AND ${now} > r.status_since + l.hours * interval '1 hour') AS overdue,
        extract(epoch FROM s.accepted_at - s.submitted_at) / 3600 AS accept_h,
        extract(epoch FROM s.closed_at - s.accepted_at) / 3600 AS close_h
      FROM r JOIN steps s ON s.id = r.id
    ), keyed AS (
      SELECT per.*, ${g.key} AS key, ${g.label} AS label, row_number() OVER (ORDER BY ${g.order}) AS ord
      FROM per JOIN institution fi ON fi.id = per.from_institution_id LEFT JOIN department fd ON fd.id = per.from_department_id
    )
    SELECT grouping(key) AS grouped, key, label, min(ord) AS ord,
      count(*) FILTER (WHERE direction = 'up') AS up, count(*) FILTER (WHERE direction = 'down') AS down,
      count(accepted_at) AS accepted,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY accept_h) AS accept_median, avg(accept_h) AS accept_avg,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY close_h) AS close_median, avg(close_h) AS close_avg,
      count(*) FILTER (WHERE status = 'closed') AS closed, count(*) FILTER (WHERE status = 'refused') AS refused,
      count(*) FILTER (WHERE status = 'cancelled') AS cancelled, sum(overdue) AS overdue
    FROM keyed
    GROUP BY GROUPING SETS ((key, label), ())
    ORDER BY grouping(key), min(ord), key`.execute(db);
  const groups = rows.filter((r) => Number(r.grouped) === 0).map(rowOf);
  const totalRaw = rows.find((r) => Number(r.grouped) === 1);
  const total = totalRaw ? { ...rowOf(totalRaw), key: null, label: '合计' } : emptyTotal();
  return { from: q.from, to: q.to, groupBy: q.groupBy, institutionId, groups, total };
}

const emptyTotal = (): ReportRow => ({
  key: null, label: '合计', up: 0, down: 0, downShare: null, accepted: 0, submitToAccept: { median: null, average: null },
  acceptToClose: { median: null, average: null }, closed: 0, refused: 0, cancelled: 0, overdueSteps: 0,
});

const GROUP_TITLES: Record<ReportGroupBy, { sheet: string; column: string }> = {
  institution: { sheet: '按机构', column: '转出机构' },
  department: { sheet: '按科室', column: '转出机构及科室' },
  month: { sheet: '按月份', column: '月份' },
};

/** The report as an Excel workbook: one sheet for the grouping (Chinese headers, a total row), one explaining it. */
export async function reportWorkbook(report: ReferralReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const t = GROUP_TITLES[report.groupBy];
  const sheet = wb.addWorksheet(t.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = [
    { header: t.column, key: 'label', width: 30 },
    { header: '上转（例）', key: 'up', width: 11 }, { header: '下转（例）', key: 'down', width: 11 },
    { header: '下转占比', key: 'downShare', width: 10, style: { numFmt: '0.0%' } },
    { header: '已接诊（例）', key: 'accepted', width: 12 },
    { header: '提交→接诊 中位（小时）', key: 'am', width: 20 }, { header: '提交→接诊 平均（小时）', key: 'aa', width: 20 },
    { header: '接诊→完成 中位（小时）', key: 'cm', width: 20 }, { header: '接诊→完成 平均（小时）', key: 'ca', width: 20 },
    { header: `${REFERRAL_STATE_LABELS.closed.zh}（例）`, key: 'closed', width: 11 },
    { header: `${REFERRAL_STATE_LABELS.refused.zh}（例）`, key: 'refused', width: 11 },
    { header: `${REFERRAL_STATE_LABELS.cancelled.zh}（例）`, key: 'cancelled', width: 11 },
    { header: '超时环节（次）', key: 'overdue', width: 14 },
  ];
  sheet.getRow(1).font = { bold: true };
  const add = (r: ReportRow) => sheet.addRow({
    label: r.label, up: r.up, down: r.down, downShare: r.downShare, accepted: r.accepted,
    am: r.submitToAccept.median, aa: r.submitToAccept.average, cm: r.acceptToClose.median, ca: r.acceptToClose.average,
    closed: r.closed, refused: r.refused, cancelled: r.cancelled, overdue: r.overdueSteps,
  });
  for (const r of report.groups) add(r);
  add(report.total).font = { bold: true };
  const help = wb.addWorksheet('说明');
  help.columns = [{ header: '项目', width: 16 }, { header: '说明', width: 90 }];
  help.getRow(1).font = { bold: true };
  help.addRows([
    ['统计期间', `${report.from} 至 ${report.to}（按转诊单创建日期，北京时间；不含草稿）`],
    ['分组', '按转出方（上转为发起的基层机构，下转为发起的上级医院）'],
    ['超时环节', '某一环节停留时间超过转诊时限设置（已离开该环节或至今仍停留）'],
  ]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const reportFileName = (r: ReferralReport) => `转诊统计_${GROUP_TITLES[r.groupBy].sheet}_${r.from}_${r.to}.xlsx`;
