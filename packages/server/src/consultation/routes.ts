/** /api/v1: remote consultations (/consultations) and their configuration (/consultation-config). */
import type { FastifyInstance } from 'fastify';

export async function consultationRoutes(_app: FastifyInstance) {}
