import type { FastifyInstance } from 'fastify';
export async function directoryRoutes(_app: FastifyInstance) {}
