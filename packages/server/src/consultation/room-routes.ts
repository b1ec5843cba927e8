/** /api/v1/consultations/:id/room: the video room's join window, participants and ICE servers. */
import type { FastifyInstance } from 'fastify';

export async function consultationRoomRoutes(_app: FastifyInstance) {}
