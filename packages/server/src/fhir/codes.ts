/**
 * The facade's own code systems and extensions, and the domain ↔ FHIR code maps. URLs hang off one canonical base
 * (`.example` is reserved, RFC 2606: change CANONICAL once the consortium has a published FHIR base).
 */
import type { AppointmentStatus, SlotCategory } from '../db/schema.js';

export const CANONICAL = 'https://yilian.example/fhir';

export const CODE_SYSTEM = {
  /** AppError codes (slot_full, forbidden, …), in OperationOutcome.issue.details.coding. */
  error: `${CANONICAL}/CodeSystem/error`,
  resourceKind: `${CANONICAL}/CodeSystem/schedule-kind`,
  examType: `${CANONICAL}/CodeSystem/exam-type`,
  slotCategory: `${CANONICAL}/CodeSystem/slot-category`,
  slotPool: `${CANONICAL}/CodeSystem/slot-pool`,
  bookingChannel: `${CANONICAL}/CodeSystem/booking-channel`,
} as const;

export const EXTENSION = {
  /** The institution (Organization) a Schedule, Slot or Appointment belongs to. */
  institution: `${CANONICAL}/StructureDefinition/institution`,
  /** Slot: the pool it is in (public, primary = 基层预留, referral = 转诊预留). */
  slotPool: `${CANONICAL}/StructureDefinition/slot-pool`,
  /** Slot: when it opens for booking (放号时间). */
  slotOpensAt: `${CANONICAL}/StructureDefinition/slot-opens-at`,
  /** Slot: when an unbooked primary-pool slot returns to the public pool. */
  slotPrimaryReturnsAt: `${CANONICAL}/StructureDefinition/slot-primary-returns-at`,
  /** Appointment: through whom it was booked (doctor, family doctor, patient, referral, fhir). */
  bookingChannel: `${CANONICAL}/StructureDefinition/booking-channel`,
} as const;

/** Search parameters of our own (not in the FHIR spec), named in the CapabilityStatement. */
export const SEARCH_PARAMETER = (type: string, name: string) => `${CANONICAL}/SearchParameter/${type}-${name}`;

export const RESOURCE_KIND: Record<'doctor' | 'exam' | 'bed', { zh: string; en: string }> = {
  doctor: { zh: '医生出诊', en: 'Doctor clinic' },
  exam: { zh: '检查', en: 'Examination' },
  bed: { zh: '床位', en: 'Bed' },
};

export const SLOT_CATEGORY: Record<SlotCategory, { zh: string; en: string }> = {
  general: { zh: '普通号', en: 'General' },
  specialist: { zh: '专科号', en: 'Specialist' },
  expert: { zh: '专家号', en: 'Expert' },
  exam: { zh: '检查', en: 'Examination' },
  bed: { zh: '床位', en: 'Bed' },
};

export const SLOT_POOL: Record<'public' | 'primary' | 'referral', { zh: string; en: string }> = {
  public: { zh: '公共号池', en: 'Public pool' },
  primary: { zh: '基层预留', en: 'Reserved for primary care' },
  referral: { zh: '转诊预留', en: 'Reserved for referrals' },
};

/** slot.status → Slot.status: a blocked slot (停诊/锁定) is busy-unavailable. */
export const SLOT_STATUS = { free: 'free', busy: 'busy', blocked: 'busy-unavailable' } as const;
export const SLOT_STATUS_FROM_FHIR: Record<string, 'free' | 'busy' | 'blocked'> = { free: 'free', busy: 'busy', 'busy-unavailable': 'blocked' };

/** appointment.status → Appointment.status. */
export const APPOINTMENT_STATUS: Record<AppointmentStatus, 'booked' | 'checked-in' | 'fulfilled' | 'cancelled' | 'noshow'> = {
  booked: 'booked', checked_in: 'checked-in', completed: 'fulfilled', cancelled: 'cancelled', no_show: 'noshow',
};
/** Appointment.status → appointment.status; `arrived` is read as checked in, like `checked-in`. */
export const APPOINTMENT_STATUS_FROM_FHIR: Record<string, AppointmentStatus> = {
  booked: 'booked', 'checked-in': 'checked_in', arrived: 'checked_in', fulfilled: 'completed', cancelled: 'cancelled', noshow: 'no_show',
};
/** Which state change of the scheduling service reaches a target FHIR status from `booked`/`checked_in`. */
export const TRANSITION_TO: Partial<Record<AppointmentStatus, 'cancel' | 'check_in' | 'no_show' | 'complete'>> = {
  cancelled: 'cancel', checked_in: 'check_in', no_show: 'no_show', completed: 'complete',
};
