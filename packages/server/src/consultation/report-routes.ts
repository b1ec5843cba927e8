/** /api/v1/consultations/report: consultation reports (JSON and Excel). */
import type { FastifyInstance } from 'fastify';

export async function consultationReportRoutes(_app: FastifyInstance) {}
