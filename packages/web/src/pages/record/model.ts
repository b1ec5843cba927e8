/** Shapes of the shared-record API (docs/api.md, "Shared health record") and the helpers the record pages share. */
import dayjs from 'dayjs';
import { api } from '../../api';

/** Entry kinds as the API names them in the timeline (`kind`) … */
export const ENTRY_KINDS = ['encounter', 'condition', 'allergy', 'medication', 'report', 'observation', 'document'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
/** … and as path segments (`/patients/:id/{segment}`, `/record/{segment}/:entryId/history`). */
export const KIND_PATH: Record<EntryKind, string> = {
  encounter: 'encounters', condition: 'conditions', allergy: 'allergies', medication: 'medications',
  report: 'reports', observation: 'observations', document: 'documents',
};
/** The timeline filter: the seven kinds, plus home monitoring (家庭监测: observations of that category). */
export const FILTER_KINDS = ['encounter', 'condition', 'allergy', 'medication', 'report', 'observation', 'document', 'home'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

export const KIND_COLORS: Record<string, string> = {
  encounter: 'blue', condition: 'purple', allergy: 'red', medication: 'cyan', report: 'geekblue', observation: 'green',
  document: 'gold', home: 'lime',
};

/** One line of the timeline: every kind has these; the rest depends on the kind. */
export interface TimelineEntry {
  kind: EntryKind; id: string; entryId?: string; version: number; at: string;
  institutionId: string | null; institutionName: string | null;
  title: string; summary?: string | null; flag?: string | null;
  category?: string | null; supersededAt?: string | null;
  /** Observations grouped per report/time: the items of the group, when the server sends them. */
  items?: Observation[]; count?: number; abnormal?: number;
  [key: string]: unknown;
}

/** An entry version as the per-kind lists and the history return it (columns in camelCase). */
export interface EntryVersion {
  /** The entry (logical) id, the same across versions; `versionId` is the version's own. */
  id: string; entryId?: string; versionId?: string; current?: boolean; version: number; supersededAt?: string | null; supersededBy?: string | null;
  patientId?: string; institutionId: string | null; institutionName?: string | null;
  recordedAt?: string; recordedBy?: string | null; recordedByName?: string | null; practitionerName?: string | null;
  [key: string]: unknown;
}

export interface Observation extends EntryVersion {
  category: string; code: string; name: string; valueNum?: number | string | null; valueText?: string | null; unit?: string | null;
  refLow?: number | string | null; refHigh?: number | string | null; refText?: string | null; flag?: string | null;
  effectiveAt: string; reportId?: string | null; device?: string | null;
}

export interface Attachment { position: number; name: string; contentType: string; size: number }

export interface Trend {
  code: string; name: string; unit: string | null; refLow: number | null; refHigh: number | null;
  points: { at: string; value: number | null; flag: string | null; institutionName: string | null }[];
}

export interface Access {
  allowed: boolean; via: 'self' | 'care' | 'consent' | 'break_glass' | null; reason?: { zh: string; en: string } | null;
  breakGlassUntil?: string | null; consents?: Consent[];
}

export interface Consent {
  id: string; patientId?: string; institutionIds: string[] | null; institutions?: { id: string; name: string }[] | null; scope: string[] | null;
  startsAt: string; endsAt: string | null; signedBy: string; documentId: string | null;
  recordedAt?: string; recordedBy?: { id: string; displayName: string } | null; revokedAt: string | null; revokeReason?: string | null; active?: boolean;
}

export type ConsentState = 'active' | 'expired' | 'revoked' | 'pending';
export function consentState(c: Consent, now = dayjs()): ConsentState {
  if (c.revokedAt) return 'revoked';
  if (c.endsAt && dayjs(c.endsAt).isBefore(now)) return 'expired';
  if (dayjs(c.startsAt).isAfter(now)) return 'pending';
  return 'active';
}
export const CONSENT_COLORS: Record<ConsentState, string> = { active: 'success', expired: 'default', revoked: 'error', pending: 'processing' };

export interface LabItem { code: string; name: string; panel?: string | null; unit?: string | null; refLow?: number | string | null; refHigh?: number | string | null }
export interface CodeConcept { system?: string; code: string; display: string; displayEn?: string | null; initials?: string }

/** A value the server may send as a numeric string (PostgreSQL numeric). */
export const num = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/** 3.5–5.5, ≥ 3.5, ≤ 5.5 or the text range. */
export function refRange(low: unknown, high: unknown, text?: string | null): string {
  const l = num(low); const h = num(high);
  if (l !== null && h !== null) return `${l}–${h}`;
  if (l !== null) return `≥ ${l}`;
  if (h !== null) return `≤ ${h}`;
  return text ?? '';
}

/** Lab flags: H/HH up, L/LL down, A abnormal; N or none is normal. */
export const isAbnormal = (flag: string | null | undefined) => !!flag && flag !== 'N';
export const flagArrow = (flag: string | null | undefined) =>
  flag === 'H' ? '↑' : flag === 'HH' ? '↑↑' : flag === 'L' ? '↓' : flag === 'LL' ? '↓↓' : flag === 'A' ? '!' : '';

/** The logical id of an entry (the timeline and lists may name it `entryId` or `id`). */
export const entryIdOf = (e: { id: string; entryId?: string }) => e.entryId ?? e.id;

export const fmtMinute = (iso: string | null | undefined) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '');

/** The URL that streams one attachment (the session cookie goes with it: same origin). */
export const attachmentUrl = (documentEntryId: string, position: number) =>
  `/api/v1/record/documents/${documentEntryId}/attachments/${position}`;

export const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'];
export const ATTACHMENT_MAX = 20 * 1024 * 1024;

/** A document entry with its files (multipart: `meta` JSON + `file` parts); answers the new entry. */
export async function uploadDocument(patientId: string, meta: Record<string, unknown>, files: File[]): Promise<EntryVersion> {
  if (!files.length) return api<EntryVersion>(`patients/${patientId}/documents`, { method: 'POST', body: meta });
  const body = new FormData();
  body.append('meta', JSON.stringify(meta));
  for (const f of files) body.append('file', f, f.name);
  return api<EntryVersion>(`patients/${patientId}/documents`, { method: 'POST', body });
}

/** Why a file cannot be attached (type or size), or null. */
export function attachmentProblem(f: { type?: string; size?: number; name: string }): 'type' | 'size' | null {
  const type = f.type || (/\.pdf$/i.test(f.name) ? 'application/pdf' : /\.jpe?g$/i.test(f.name) ? 'image/jpeg' : /\.png$/i.test(f.name) ? 'image/png' : '');
  if (!ATTACHMENT_TYPES.includes(type)) return 'type';
  if ((f.size ?? 0) > ATTACHMENT_MAX) return 'size';
  return null;
}
