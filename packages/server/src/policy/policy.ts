/**
 * The one place that answers "may this person do this action on this object". Every route asks it.
 * Permissions come from the table in @yilian/core (roles.ts); this adds the object's scope.
 */
import { forbidden, grantFor, type Action } from '@yilian/core';
import type { Caller } from '../http/context.js';

export interface Target {
  /** The institution the object belongs to (or all the institutions it belongs to). */
  institutionId?: string | null | readonly (string | null)[];
  /** The patient the object is about. */
  patientId?: string | null;
}

export function can(caller: Caller, action: Action, target: Target = {}): boolean {
  const scope = grantFor(caller.role.role, action);
  if (!scope) return false;
  if (scope === 'any') return true;
  if (scope === 'self') return !!caller.patientId && target.patientId === caller.patientId;
  // own_institution: an object outside the caller's institution is refused; no object yet (a list, a create
  // whose institution is in the body) is allowed and the service narrows to the caller's institution.
  if (target.institutionId === undefined) return true;
  const ids = Array.isArray(target.institutionId) ? target.institutionId : [target.institutionId];
  return ids.includes(caller.role.institutionId);
}

export function authorize(caller: Caller, action: Action, target: Target = {}): void {
  if (!can(caller, action, target))
    throw forbidden(
      `当前角色无权执行该操作（${action}）`,
      `Your current role may not do this (${action})`,
      { action, role: caller.role.role },
    );
}

/** For list endpoints: the institution a caller with only own-institution scope is limited to, or null for all. */
export function institutionLimit(caller: Caller, action: Action): string | null {
  return grantFor(caller.role.role, action) === 'own_institution' ? caller.role.institutionId : null;
}
