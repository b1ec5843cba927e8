/**
 * Shapes of the remote consultation API (docs/api.md, "Remote consultation") and the buttons a caller gets. The server
 * is the judge of every step; its `allowedActions` draw the buttons, and only when it does not send them does the
 * state machine in @yilian/core (from-states, kinds and actors) stand in — never a workflow written here.
 */
import {
  CONSULTATION_ACTOR_ROLES, CONSULTATION_FINAL, consultationActionsFrom, CONSULTATION_TRANSITIONS,
  type ConsultationAction, type ConsultationActor, type ConsultationKind, type ConsultationState, type ConsentRelation,
} from '@yilian/core';
import type { Me } from '../../types';
import { camelize, type Attachment, type Diagnosis, type SharedEntry } from '../referral/model';

export { camelize };
export type { Attachment, Diagnosis, SharedEntry };

export const BOXES = ['todo', 'mine', 'centre', 'invited', 'institution', 'all'] as const;
export type Box = (typeof BOXES)[number];

export interface Consent { id?: string; signerName: string; relation: ConsentRelation; signedAt: string; method: 'drawn' | 'scan'; fileId: string; url?: string | null; recordedByName?: string | null }
export interface InvitedExpert {
  practitionerId: string; userId?: string | null; name?: string | null; practitionerName?: string | null; title?: string | null;
  institutionId?: string | null; institutionName?: string | null; departmentName?: string | null; specialty?: string | null;
  status: 'invited' | 'accepted' | 'declined' | 'withdrawn'; invitedAt?: string | null; repliedAt?: string | null; replyNote?: string | null;
}
export interface Opinion {
  id: string; practitionerId: string; userId?: string | null; practitionerName?: string | null; expertName?: string | null; name?: string | null;
  title?: string | null; practitionerTitle?: string | null; institutionName?: string | null; departmentName?: string | null;
  version: number; findings: string; diagnoses: Diagnosis[]; recommendations: string; refer: boolean;
  referInstitutionId?: string | null; referInstitutionName?: string | null; referDepartmentId?: string | null; referDepartmentName?: string | null; referNote?: string | null;
  status: 'draft' | 'signed' | 'superseded'; signedAt?: string | null; signatureHash?: string | null; signatureFileId?: string | null; createdAt?: string | null;
}
export interface ConsultationEvent {
  id: string | number; at: string; userId?: string | null; userName?: string | null; institutionName?: string | null;
  action: string; from?: string | null; to?: string | null; fromStatus?: string | null; toStatus?: string | null; note?: string | null; detail?: Record<string, unknown> | null;
}
export interface Room { open: boolean; opensAt?: string | null; closesAt?: string | null }
export interface PatientBrief { id: string; name: string; sex?: string | null; birthDate?: string | null; age?: number | null; residentIdMasked?: string | null; residentId?: string | null }

export interface Consultation {
  id: string; code: string; kind: ConsultationKind; materialType?: string | null; status: ConsultationState; statusSince?: string | null; version: number;
  patientId: string; patientName?: string | null; patient?: PatientBrief | null;
  fromInstitutionId: string; fromInstitutionName?: string | null; fromDepartmentId?: string | null; fromDepartmentName?: string | null;
  fromPractitionerName?: string | null; createdBy?: string | null; createdByName?: string | null;
  centreInstitutionId: string; centreInstitutionName?: string | null;
  requestedSpecialty?: string | null; requestedExpertIds?: string[];
  purpose: string; summary: string; diagnoses: Diagnosis[]; sharedEntries: SharedEntry[]; sharedExcerpts?: (SharedEntry & Record<string, unknown>)[];
  attachments: Attachment[]; urgentReason?: string | null; supplementsRequested: string[];
  scheduledAt?: string | null; durationMinutes?: number | null; receivedAt?: string | null; dueAt?: string | null; answeredAt?: string | null;
  rating?: number | null; ratingComment?: string | null; cancelReason?: string | null; threadId?: string | null;
  createdAt: string; updatedAt?: string | null; overdue?: boolean;
  consent?: Consent | null; experts: InvitedExpert[]; opinions: Opinion[]; events: ConsultationEvent[];
  allowedActions?: (ConsultationAction | { action: ConsultationAction })[]; room?: Room | null; myOpinion?: Opinion | null;
  myInvitation?: { practitionerId: string; status: InvitedExpert['status'] } | null;
}

/** A consultation from any reply shape (`{consultation: {...}}` or the record), lists defaulted. */
export function toConsultation(reply: unknown): Consultation {
  const r = camelize<Record<string, unknown>>(reply);
  const inner = (r.consultation && typeof r.consultation === 'object' ? { ...r, ...(r.consultation as object) } : r) as Partial<Consultation> & Record<string, unknown>;
  const patient = inner.patient ?? null;
  const experts = inner.experts ?? [];
  // Opinions name the expert; the title and institution come from the invitation.
  const withExpert = (o: Opinion): Opinion => {
    const e = experts.find((x) => x.practitionerId === o.practitionerId);
    return { ...o, diagnoses: o.diagnoses ?? [], title: o.title ?? o.practitionerTitle ?? e?.title ?? null, institutionName: o.institutionName ?? e?.institutionName ?? null, departmentName: o.departmentName ?? e?.departmentName ?? null };
  };
  return {
    ...inner,
    patientName: inner.patientName ?? patient?.name ?? null,
    diagnoses: inner.diagnoses ?? [], sharedEntries: inner.sharedEntries ?? [], attachments: inner.attachments ?? [],
    supplementsRequested: inner.supplementsRequested ?? [], experts, opinions: (inner.opinions ?? []).map(withExpert), events: (inner.events ?? []).map((e) => ({ ...e, fromStatus: e.fromStatus ?? e.from, toStatus: e.toStatus ?? e.to })),
    myOpinion: inner.myOpinion ? withExpert(inner.myOpinion) : null,
    version: inner.version ?? 1,
  } as Consultation;
}

/** The actors the caller could be on this consultation (the server checks institution and invitation for real). */
export function actorsOf(me: Me, c: Consultation): ConsultationActor[] {
  const inst = me.role.institutionId;
  const can = (a: ConsultationActor) => (CONSULTATION_ACTOR_ROLES[a] as readonly string[]).includes(me.role.role);
  const out: ConsultationActor[] = [];
  const applicant = c.createdBy === me.userId;
  if (can('applicant') && applicant) out.push('applicant');
  if (can('dept_head') && inst === c.fromInstitutionId) out.push('dept_head');
  if (can('medical_office') && inst === c.fromInstitutionId) out.push('medical_office');
  if (can('centre') && inst === c.centreInstitutionId) out.push('centre');
  if (can('invited_expert') && myInvitation(me, c)?.status === 'invited') out.push('invited_expert');
  if (can('applicant_or_centre') && (applicant || (me.role.role === 'consult_coordinator' && inst === c.centreInstitutionId))) out.push('applicant_or_centre');
  return out;
}

/** The buttons: what the server allows, else the state machine's actions from this state for the caller's actors. */
export function callerActions(me: Me, c: Consultation): ConsultationAction[] {
  if (Array.isArray(c.allowedActions)) return (c.allowedActions as unknown[]).map((a) => (typeof a === 'string' ? a : (a as { action: string }).action) as ConsultationAction);
  const actors = actorsOf(me, c);
  return consultationActionsFrom(c.status, c.kind).filter((a) => actors.includes(CONSULTATION_TRANSITIONS[a].actor));
}

/** The caller's own invitation, by user or by practitioner. */
export function myInvitation(me: Me, c: Pick<Consultation, 'experts' | 'myInvitation'>): InvitedExpert | undefined {
  const mine = c.myInvitation && c.experts.find((e) => e.practitionerId === c.myInvitation!.practitionerId);
  if (mine) return { ...mine, status: c.myInvitation!.status };
  return c.experts.find((e) => (e.userId && e.userId === me.userId) || (me.practitionerId && e.practitionerId === me.practitionerId));
}

export const isFinal = (s: ConsultationState) => CONSULTATION_FINAL.includes(s);
/** Past its answer time and not yet answered. */
export const isOverdue = (c: Pick<Consultation, 'overdue' | 'dueAt' | 'answeredAt' | 'status'>) =>
  c.overdue ?? (!!c.dueAt && !c.answeredAt && !isFinal(c.status) && c.status !== 'answered' && Date.parse(c.dueAt) < Date.now());

export const STATE_COLORS: Record<ConsultationState, string> = {
  draft: 'default', submitted: 'processing', dept_approved: 'processing', returned: 'warning', received: 'processing',
  supplementing: 'orange', accepted: 'cyan', inviting: 'cyan', scheduled: 'blue', answered: 'green', closed: 'success',
  cancelled: 'default', expired: 'default',
};
export const KIND_COLORS: Record<ConsultationKind, string> = { routine: 'blue', urgent: 'red', mdt: 'purple', material: 'geekblue' };

export const expertName = (x: { name?: string | null; practitionerName?: string | null; expertName?: string | null; practitionerId?: string }) =>
  x.name ?? x.practitionerName ?? x.expertName ?? x.practitionerId?.slice(0, 8) ?? '';

/** The latest signed version of each expert's opinion, and the earlier ones as its history. */
export function opinionsByExpert(opinions: Opinion[]): { latest: Opinion; history: Opinion[] }[] {
  const by = new Map<string, Opinion[]>();
  for (const o of opinions) if (o.status !== 'draft') by.set(o.practitionerId, [...(by.get(o.practitionerId) ?? []), o]);
  return [...by.values()].map((list) => {
    const sorted = [...list].sort((a, b) => b.version - a.version);
    const latest = sorted.find((o) => o.status === 'signed') ?? sorted[0]!;
    return { latest, history: sorted.filter((o) => o !== latest) };
  });
}

/** Workbench counts (GET /consultations/counts). */
export const COUNT_KEYS = ['approve', 'office', 'review', 'arrange', 'invitations', 'opinions', 'forward', 'confirm', 'supplements', 'quick', 'overdue', 'todo'] as const;
export type CountKey = (typeof COUNT_KEYS)[number];
export type Counts = Partial<Record<CountKey, number>>;
export function toCounts(reply: unknown): Counts {
  const c = camelize<Record<string, unknown>>(reply ?? {});
  return Object.fromEntries(COUNT_KEYS.filter((k) => typeof c[k] === 'number').map((k) => [k, c[k] as number])) as Counts;
}

/** The expert pool row (GET /consultations/experts). */
export interface PoolExpert {
  practitionerId: string; userId?: string | null; name: string; title?: string | null; institutionId?: string | null; institutionName?: string | null;
  departmentName?: string | null; specialty?: string | null; services?: string[]; availability?: string | null;
  openLoad?: number | null; avgResponseMinutes?: number | null; invited?: boolean | string | null;
}

/** The applicant's name: the server's, else whoever created it (the first event). */
export const applicantName = (c: Consultation) => c.createdByName ?? c.fromPractitionerName ?? c.events.find((e) => e.action === 'create')?.userName ?? null;

export const shortHash = (h?: string | null) => (h ? `${h.slice(0, 8)}…${h.slice(-4)}` : '');
export const attachmentUrl = (id: string, a: Attachment) => a.url ?? `/api/v1/consultations/${id}/attachments/${a.sha256 ?? a.id}`;
export const fileUrl = (id: string, fileId: string) => `/api/v1/consultations/${id}/attachments/${fileId}`;
