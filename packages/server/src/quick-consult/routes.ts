/** /api/v1/quick-consults: quick online consults (移动问诊). */
import type { FastifyInstance } from 'fastify';

export async function quickConsultRoutes(_app: FastifyInstance) {}
