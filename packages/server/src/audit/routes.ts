/** Audit log search (admins) and chain verification. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { callerOf } from '../http/context.js';
import { page } from '../http/query.js';
import { authorize, institutionLimit } from '../policy/policy.js';
import { auditHeads, verifyAuditChain } from './audit.js';

const query = z.object({
  userId: z.uuid().optional(), username: z.string().max(60).optional(), action: z.string().max(60).optional(),
  patientId: z.uuid().optional(), objectId: z.string().max(80).optional(), outcome: z.enum(['ok', 'denied', 'failed']).optional(),
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(), to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  ...page,
}).strict();

export async function auditRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  app.get('/', { schema: { tags: ['audit'], querystring: query } }, async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'audit.read');
    const q = req.query;
    let sel = app.db.selectFrom('audit_log').leftJoin('institution', 'institution.id', 'audit_log.institution_id');
    const limitTo = institutionLimit(caller, 'audit.read');
    if (limitTo) sel = sel.where('audit_log.institution_id', '=', limitTo);
    if (q.userId) sel = sel.where('audit_log.user_id', '=', q.userId);
    if (q.username) sel = sel.where('audit_log.username', '=', q.username);
    if (q.action) sel = sel.where('audit_log.action', 'like', `${q.action}%`);
    if (q.patientId) sel = sel.where('audit_log.patient_id', '=', q.patientId);
    if (q.objectId) sel = sel.where('audit_log.object_id', '=', q.objectId);
    if (q.outcome) sel = sel.where('audit_log.outcome', '=', q.outcome);
    if (q.from) sel = sel.where('audit_log.at', '>=', new Date(q.from));
    if (q.to) sel = sel.where('audit_log.at', '<', new Date(q.to.length === 10 ? `${q.to}T23:59:59.999+08:00` : q.to));
    const [rows, total] = await Promise.all([
      sel.select(['audit_log.seq', 'audit_log.at', 'audit_log.user_id', 'audit_log.username', 'audit_log.role', 'audit_log.institution_id',
        'institution.name as institution_name', 'audit_log.action', 'audit_log.object_type', 'audit_log.object_id', 'audit_log.patient_id',
        'audit_log.client_ip', 'audit_log.reason', 'audit_log.outcome', 'audit_log.detail'])
        .orderBy('audit_log.seq', 'desc').limit(q.limit).offset(q.offset).execute(),
      sel.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      total: Number(total.n),
      items: rows.map((r) => ({
        seq: Number(r.seq), at: r.at, userId: r.user_id, username: r.username, role: r.role, institutionId: r.institution_id,
        institutionName: r.institution_name, action: r.action, objectType: r.object_type, objectId: r.object_id,
        patientId: r.patient_id, clientIp: r.client_ip, reason: r.reason, outcome: r.outcome, detail: r.detail,
      })),
    };
  });

  app.get('/verify', { schema: { tags: ['audit'] } }, async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'audit.read');
    return verifyAuditChain(app.db);
  });

  app.get('/heads', { schema: { tags: ['audit'] } }, async (req) => {
    const caller = callerOf(req);
    authorize(caller, 'audit.read');
    return { at: new Date(), heads: await auditHeads(app.db) };
  });
}
