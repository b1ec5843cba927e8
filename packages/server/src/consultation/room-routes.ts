/** /api/v1/consultations/:id/room: the video room's join window, participants and ICE servers. */
import { AppError, conflict, CONSULTATION_ROOM_MAX, notFound } from '@yilian/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { callerOf, type Caller } from '../http/context.js';
import { authorize } from '../policy/policy.js';
import { iceServersFor, isRoomParticipant, loadRoomConsultation, roomParticipants, roomPeers, roomWindow } from '../realtime/room.js';

const CONSULTATION = { zh: '会诊单', en: 'Consultation' };

/** The room as a participant sees it before entering: 403 for others, 409 while no time is agreed or it ended. */
export async function getRoom(db: Db, config: Config, caller: Caller, id: string) {
  authorize(caller, 'consultation.read');
  const c = await loadRoomConsultation(db, id);
  if (!c) throw notFound(CONSULTATION, 'id');
  if (!(await isRoomParticipant(db, caller, c)))
    throw new AppError(403, 'not_participant', '您不是本次会诊的参与者，无法进入会诊室', 'You are not a participant of this consultation');
  const w = roomWindow(c);
  if (!w.opensAt) throw conflict('room_closed', '会诊时间尚未确定或会诊已结束，会诊室未开放', 'The room is not open: no agreed time, or the consultation has ended', 'status', { status: c.status });
  const [participants, present] = await Promise.all([roomParticipants(db, c), roomPeers(db, c.id)]);
  const inRoom = new Set(present.map((p) => p.userId));
  return {
    open: w.open, opensAt: w.opensAt, closesAt: w.closesAt, scheduledAt: c.scheduled_at, maxParticipants: CONSULTATION_ROOM_MAX,
    iceServers: iceServersFor(config, caller.userId), iceTransportPolicy: config.iceTransportPolicy,
    participants: participants.map((p) => ({ ...p, inRoom: inRoom.has(p.userId) })),
  };
}

export async function consultationRoomRoutes(appBase: FastifyInstance) {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { db, config } = app;
  app.get('/consultations/:id/room', { schema: { tags: ['consultation'], params: z.object({ id: z.uuid() }) } },
    async (req) => getRoom(db, config, callerOf(req), req.params.id));
}
