/** Audit rows as the contract names them (camelCase), whichever casing the server sends. */
import type { AuditEntry } from '../../types';

const pick = (r: Record<string, unknown>, camel: string, snake: string) => (r[camel] ?? r[snake] ?? null) as string | null;

export function normalizeAudit(r: Record<string, unknown>): AuditEntry {
  return {
    seq: Number(r.seq),
    at: String(r.at ?? ''),
    userId: pick(r, 'userId', 'user_id'),
    username: pick(r, 'username', 'username'),
    role: pick(r, 'role', 'role'),
    institutionId: pick(r, 'institutionId', 'institution_id'),
    institutionName: pick(r, 'institutionName', 'institution_name'),
    action: String(r.action ?? ''),
    objectType: pick(r, 'objectType', 'object_type'),
    objectId: pick(r, 'objectId', 'object_id'),
    patientId: pick(r, 'patientId', 'patient_id'),
    clientIp: pick(r, 'clientIp', 'client_ip') ?? pick(r, 'ip', 'ip'),
    reason: pick(r, 'reason', 'reason'),
    outcome: String(r.outcome ?? 'ok'),
    detail: r.detail,
  };
}
