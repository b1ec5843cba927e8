/**
 * Shapes of the referral API (docs/api.md, "Two-way referral") and the buttons a caller gets. The server is the
 * judge of every step; where it does not say `allowedActions`, the buttons come from the state machine in
 * @yilian/core (the from-states and the actor of each action), never from a workflow written here.
 */
import {
  REFERRAL_ACTOR_ROLES, REFERRAL_TRANSITIONS, actionsFrom, type ReferralAction, type ReferralActor, type ReferralState,
} from '@yilian/core';
import type { Me } from '../../types';

export type Direction = 'up' | 'down';
export const SETTINGS = ['outpatient', 'inpatient'] as const;
export const URGENCIES = ['routine', 'urgent', 'emergency'] as const;
/** Seeded reimbursement rules (the server refuses unknown types; the consortium office may add more). */
export const INSURANCE_TYPES = ['urban_rural_resident'] as const;
export const BOXES = ['todo', 'sent', 'received', 'all'] as const;
export type Box = (typeof BOXES)[number];

export interface Diagnosis { code: string; system?: string; display?: string | null }
export interface SharedEntry { kind: string; id: string; title?: string | null; at?: string | null; summary?: string | null; institutionName?: string | null }
export interface Attachment { sha256?: string; id?: string; name: string; contentType?: string; size?: number; url?: string }
export interface ReferralTask {
  id: string; referralId?: string; patientId?: string; patientName?: string | null; institutionId?: string; title: string; detail?: string | null;
  dueDate: string; status: 'open' | 'done' | 'cancelled'; result?: string | null; doneAt?: string | null; referralCode?: string | null;
}
export interface ReferralEvent {
  id: string | number; at: string; userId?: string | null; userName?: string | null; institutionId?: string | null; institutionName?: string | null;
  action: string; from?: string | null; to?: string | null; fromStatus?: string | null; toStatus?: string | null; note?: string | null; detail?: Record<string, unknown> | null;
}
export interface ChainLink { institutionId: string; name?: string | null; institutionName?: string | null; at?: string | null; reason?: string | null }
export interface InsuranceRow { level: string; deductible: number; rate: number; outOfPocket: number; label?: string | null }

export interface Referral {
  id: string; code: string; publicToken?: string | null; direction: Direction; setting: string; urgency: string; status: ReferralState;
  statusSince?: string | null; version: number; patientId: string; patientName?: string | null;
  fromInstitutionId: string; fromInstitutionName?: string | null; fromDepartmentId?: string | null; fromDepartmentName?: string | null;
  fromPractitionerName?: string | null; createdBy?: string | null; createdByName?: string | null;
  toInstitutionId: string; toInstitutionName?: string | null; toDepartmentId?: string | null; toDepartmentName?: string | null;
  assignedUserId?: string | null; assignedName?: string | null;
  reason: string; diagnoses: Diagnosis[]; sharedEntries: SharedEntry[]; attachments: Attachment[]; insuranceType?: string | null;
  appointmentId?: string | null; appointmentAt?: string | null; plan?: string | null; summary?: string | null; threadId?: string | null;
  createdAt: string; updatedAt?: string | null; overdue?: boolean; dueAt?: string | null;
  events?: ReferralEvent[]; chain?: ChainLink[]; tasks?: ReferralTask[]; allowedActions?: (ReferralAction | { action: ReferralAction })[];
  patient?: { id: string; name: string; sex?: string | null; birthDate?: string | null } | null;
  sharedExcerpts?: (SharedEntry & Record<string, unknown>)[]; taskProgress?: { total: number; done: number };
  appointment?: { id: string; status: string; startsAt: string; endsAt?: string } | null; statusLabel?: { zh: string; en: string };
  insurance?: InsuranceRow[] | { rows?: InsuranceRow[]; items?: InsuranceRow[]; amount?: number } | null;
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** The server may answer in snake_case (plain columns) or camelCase; read both. */
export function camelize<T>(v: unknown): T {
  if (Array.isArray(v)) return v.map((x) => camelize(x)) as T;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [camel(k), camelize(x)])) as T;
  }
  return v as T;
}

/** A referral from any reply shape (`{referral: {...}}` or the record), lists defaulted. */
export function toReferral(reply: unknown): Referral {
  const r = camelize<Record<string, unknown>>(reply);
  const inner = (r.referral && typeof r.referral === 'object' ? { ...r, ...(r.referral as object) } : r) as Partial<Referral> & Record<string, unknown>;
  return {
    ...inner,
    diagnoses: inner.diagnoses ?? [], sharedEntries: inner.sharedEntries ?? [], attachments: inner.attachments ?? [],
    version: inner.version ?? 1,
  } as Referral;
}

export function insuranceRows(r: Pick<Referral, 'insurance'> | undefined | null): InsuranceRow[] {
  const i = r?.insurance;
  if (!i) return [];
  const rows = Array.isArray(i) ? i : (i as { levels?: InsuranceRow[] }).levels ?? i.rows ?? i.items ?? [];
  return rows.map((x) => ({ ...x, deductible: Number(x.deductible), rate: Number(x.rate), outOfPocket: Number(x.outOfPocket) }));
}

/** The actors the caller could be on this referral (the server checks the institution and assignment for real). */
export function actorsOf(me: Me, r: Referral): ReferralActor[] {
  const inst = me.role.institutionId;
  const role = me.role.role;
  const can = (a: ReferralActor) => (REFERRAL_ACTOR_ROLES[a] as readonly string[]).includes(role);
  const out: ReferralActor[] = [];
  if (can('author') && r.createdBy === me.userId) out.push('author');
  if (can('sending_office') && inst === r.fromInstitutionId) out.push('sending_office');
  if (can('receiving_office') && inst === r.toInstitutionId) out.push('receiving_office');
  if (can('assigned_doctor') && r.assignedUserId === me.userId) out.push('assigned_doctor');
  if (can('receiving_staff') && inst === r.toInstitutionId) out.push('receiving_staff');
  return out;
}

/** The buttons: what the server allows, or the state machine's actions from this state for the caller's actors. */
export function callerActions(me: Me, r: Referral): ReferralAction[] {
  // The server answers `[{action, label, needs}]` (or plain names); it knows the assignment and the chain.
  if (Array.isArray(r.allowedActions)) return (r.allowedActions as unknown[]).map((a) => (typeof a === 'string' ? a : (a as { action: string }).action) as ReferralAction);
  const actors = actorsOf(me, r);
  return actionsFrom(r.status).filter((a) => actors.includes(REFERRAL_TRANSITIONS[a].actor));
}

export const STATE_COLORS: Record<ReferralState, string> = {
  draft: 'default', submitted: 'processing', returned: 'warning', sender_approved: 'processing', receiver_approved: 'processing',
  accepted: 'cyan', arrived: 'green', no_show: 'orange', closed: 'success', refused: 'error', cancelled: 'default',
};

/** Follow-up presets for down-referrals (高血压 / 糖尿病 management at primary level). */
export const TASK_PRESETS: Record<'hypertension' | 'diabetes' | 'rehab', { titleKey: string; dueInDays: number }[]> = {
  hypertension: [
    { titleKey: 'referral.preset.bp2w', dueInDays: 14 }, { titleKey: 'referral.preset.bp1m', dueInDays: 30 }, { titleKey: 'referral.preset.bp3m', dueInDays: 90 },
  ],
  diabetes: [
    { titleKey: 'referral.preset.glu2w', dueInDays: 14 }, { titleKey: 'referral.preset.hba1c3m', dueInDays: 90 }, { titleKey: 'referral.preset.eye1y', dueInDays: 365 },
  ],
  rehab: [{ titleKey: 'referral.preset.rehab1w', dueInDays: 7 }, { titleKey: 'referral.preset.rehab1m', dueInDays: 30 }],
};

/** Workbench counts: whatever keys the server uses for 待审核 / 待接收 / 待到诊 / 随访任务. */
export interface Counts { review?: number; accept?: number; arrival?: number; tasks?: number; todo?: number; overdue?: number }
export function toCounts(reply: unknown): Counts {
  const c = camelize<Record<string, unknown>>(reply ?? {});
  const n = (...keys: string[]) => { for (const k of keys) if (typeof c[k] === 'number') return c[k] as number; return undefined; };
  return {
    review: n('review', 'toReview', 'pendingReview', 'submitted'),
    accept: n('accept', 'toAccept', 'pendingAccept', 'receiverApproved'),
    arrival: n('arrival', 'toArrive', 'pendingArrival', 'accepted'),
    tasks: n('tasks', 'followUp', 'followUps', 'openTasks'),
    todo: n('todo', 'total'),
    overdue: n('overdue'),
  };
}

export const publicUrl = (token: string) => `${window.location.origin}/r/${token}`;
