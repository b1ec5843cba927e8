/** The one request context: who is calling, in which role and institution, from where. Read here, never re-derived. */
import { unauthorized, type Role } from '@yilian/core';
import type { FastifyRequest } from 'fastify';

export interface RoleGrant { id: string; role: Role; institutionId: string | null; institutionName: string | null }
export interface Caller {
  userId: string; username: string; displayName: string;
  practitionerId: string | null; patientId: string | null;
  role: RoleGrant; roles: RoleGrant[];
  sessionId: string; ip: string;
}

declare module 'fastify' {
  interface FastifyRequest { caller: Caller | null }
}

/** The signed-in caller, or a 401. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw unauthorized();
  return req.caller;
}

/** Who acted, as the audit log records it; also used for unauthenticated events such as failed sign-ins. */
export interface Actor {
  userId: string | null; username: string | null; role: string | null; institutionId: string | null; ip: string | null;
}
export const actorOf = (c: Caller): Actor => ({
  userId: c.userId, username: c.username, role: c.role.role, institutionId: c.role.institutionId, ip: c.ip,
});
