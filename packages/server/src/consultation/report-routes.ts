/** GET /consultations/report: the consultation report as JSON, or as an Excel file with `format=xlsx`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { badRequest } from '@yilian/core';
import { callerOf } from '../http/context.js';
import { XLSX_TYPE } from '../referral/report-routes.js';
import { CONSULTATION_REPORT_GROUPS, consultationReport, consultationReportFileName, consultationReportWorkbook } from './report.js';

const DAY = 86_400_000;
/** A day in China time, as YYYY-MM-DD. */
const chinaDay = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

const query = z.object({
  from: z.iso.date().optional(), to: z.iso.date().optional(),
  institutionId: z.uuid().optional(),
  groupBy: z.enum(CONSULTATION_REPORT_GROUPS).default('kind'),
  format: z.enum(['json', 'xlsx']).default('json'),
}).strict();

export async function consultationReportRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  app.get('/consultations/report', { schema: { tags: ['consultations'], querystring: query } }, async (req, reply) => {
    const q = req.query;
    // Default period: the last 6 months up to today (China time).
    const to = q.to ?? chinaDay(Date.now());
    const from = q.from ?? chinaDay(new Date(`${to}T00:00:00+08:00`).getTime() - 182 * DAY);
    if (from > to) throw badRequest('invalid_period', '开始日期不能晚于结束日期', 'The start date must not be after the end date', 'from');
    const report = await consultationReport(app.db, callerOf(req), { from, to, groupBy: q.groupBy, ...(q.institutionId ? { institutionId: q.institutionId } : {}) });
    if (q.format === 'json') return report;
    return reply
      .header('content-type', XLSX_TYPE)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(consultationReportFileName(report))}`)
      .send(await consultationReportWorkbook(report));
  });
}
