/** Shapes of the scheduling API (docs/api.md, "Scheduling") and the small calls the pages share. */
import dayjs, { type Dayjs } from 'dayjs';
import { ApiError, api, get } from '../../api';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const RESOURCE_KINDS = ['doctor', 'exam', 'bed'] as const;
export const EXAM_TYPES = ['CT', 'MRI', 'PET-CT', 'US', 'DR', 'ECG'] as const;
export const CATEGORIES = ['general', 'specialist', 'expert', 'exam', 'bed'] as const;
export type Category = (typeof CATEGORIES)[number];
export const APPOINTMENT_STATUSES = ['booked', 'checked_in', 'completed', 'no_show', 'cancelled'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** Half-hour start times a template may use: 07:00 … 21:30. */
export const TEMPLATE_TIMES = Array.from({ length: 30 }, (_, i) => `${String(7 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

export interface Resource {
  id: string; institutionId: string; departmentId: string | null; kind: 'doctor' | 'exam' | 'bed'; practitionerId: string | null;
  name: string; examType: string | null; ward: string | null; active: boolean;
  /** Not (yet) in the server's answer; shown when it comes. */
  institutionName?: string; departmentName?: string;
}

export interface Slot {
  id: string; resourceId: string; startsAt: string; endsAt: string; category: Category; pool: 'public' | 'primary' | 'referral';
  primaryReturnsAt: string | null; opensAt: string; status: 'free' | 'busy' | 'blocked';
}

export interface Template {
  category: Category; weekly: Partial<Record<Weekday, string[]>>; referralPerDay: number; horizonDays: number | null;
  generatedThrough?: string | null; updatedAt?: string | null;
}

export interface Appointment {
  id: string; slotId: string; patientId: string; bookedBy: string; bookedForInstitutionId: string | null;
  channel: string; status: AppointmentStatus; reason: string | null; createdAt: string; cancelledAt: string | null;
  startsAt?: string; endsAt?: string; resourceId?: string; resourceName?: string; institutionId?: string; patientName?: string;
  replacesId?: string | null;
}

export interface AppointmentDetail extends Appointment {
  history: { at: string; userId: string | null; from: string | null; to: string; note: string | null }[];
}

export interface ClosureDay { id: string; institutionId: string; date: string; name: string; createdAt?: string }

export interface QuotaRow {
  institutionId: string; institutionName: string; slots: number; reserved: number; reservedShare: number | null;
  bookedByPrimary: number; returned: number; checkedIn: number; noShow: number; onTime: number; onTimeRate: number | null;
}

/** Actions on an appointment and the states they start from (the server's transition table). */
export const ACTIONS: Record<'checkIn' | 'noShow' | 'complete' | 'cancel' | 'reschedule', { path: string; from: AppointmentStatus[] }> = {
  checkIn: { path: 'check-in', from: ['booked'] },
  noShow: { path: 'no-show', from: ['booked'] },
  complete: { path: 'complete', from: ['checked_in'] },
  cancel: { path: 'cancel', from: ['booked'] },
  reschedule: { path: 'reschedule', from: ['booked'] },
};

export const STATUS_COLORS: Record<string, string> = {
  booked: 'processing', checked_in: 'cyan', completed: 'success', no_show: 'warning', cancelled: 'default',
};

/** GET that answers undefined when the endpoint does not exist on this server yet (404 no_route, not a missing record). */
export async function getOptional<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T | undefined> {
  try {
    return await get<T>(path, query);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.code === 'no_route') return undefined;
    throw e;
  }
}

/** The instant a local calendar day starts, as the API wants it (ISO with offset). */
export const dayStart = (d: Dayjs) => d.startOf('day').format('YYYY-MM-DDTHH:mm:ssZ');

export function loadSlots(resourceId: string, from: Dayjs, to: Dayjs, status?: 'free', extra: Record<string, string | boolean> = {}) {
  return get<{ items: Slot[] }>('scheduling/slots', { resourceId, from: dayStart(from), to: dayStart(to), status, limit: 500, ...extra });
}

/** Books a slot; the key stays the same for every retry of one dialog, so a retry never books twice. */
export function bookSlot(input: { slotId: string; patientId: string; reason?: string; greenChannel?: boolean }, key: string) {
  const body: Record<string, unknown> = { slotId: input.slotId, patientId: input.patientId };
  if (input.reason) body.reason = input.reason;
  if (input.greenChannel) body.greenChannel = true;
  return api<Appointment>('scheduling/appointments', { method: 'POST', body, headers: { 'Idempotency-Key': key } });
}

/** A random key per dialog; falls back where crypto.randomUUID is missing (plain http on a LAN address). */
export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

export const hhmm = (iso: string) => dayjs(iso).format('HH:mm');
export const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
