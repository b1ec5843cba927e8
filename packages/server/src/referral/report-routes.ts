/** GET /referrals/report: the referral report as JSON, or as an Excel file with `format=xlsx`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { referralReport, reportFileName, reportWorkbook } from './report.js';

const DAY = 86_400_000;
/** Today in China time, as YYYY-MM-DD. */
const chinaDay = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

const query = z.object({
  from: z.iso.date().optional(), to: z.iso.date().optional(),
  institutionId: z.uuid().optional(),
  groupBy: z.enum(['institution', 'department', 'month']).default('institution'),
  format: z.enum(['json', 'xlsx']).default('json'),
}).strict();

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export async function referralReportRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  app.get('/referrals/report', { schema: { tags: ['referrals'], querystring: query } }, async (req, reply) => {
    const q = req.query;
    // Default period: the last 6 months up to today (China time).
    const to = q.to ?? chinaDay(Date.now());
    const from = q.from ?? chinaDay(new Date(`${to}T00:00:00+08:00`).getTime() - 182 * DAY);
    const report = await referralReport(app.db, callerOf(req), { from, to, groupBy: q.groupBy, ...(q.institutionId ? { institutionId: q.institutionId } : {}) });
    if (q.format === 'json') return report;
    return reply
      .header('content-type', XLSX_TYPE)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(reportFileName(report))}`)
      .send(await reportWorkbook(report));
  });
}
