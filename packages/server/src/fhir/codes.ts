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
  institutionLevel: `${CANONICAL}/CodeSystem/institution-level`,
  institutionType: `${CANONICAL}/CodeSystem/institution-type`,
  practitionerTitle: `${CANONICAL}/CodeSystem/practitioner-title`,
  specialty: `${CANONICAL}/CodeSystem/specialty`,
  encounterClass: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  /** Home monitoring (家庭自测) is not an HL7 observation category: ours, next to vital-signs. */
  observationCategoryLocal: `${CANONICAL}/CodeSystem/observation-category`,
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  /** Lab items of the platform's catalogue (lab_item.code). */
  labItem: `${CANONICAL}/CodeSystem/lab-item`,
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  diagnosticServiceSection: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  reportCategoryLocal: `${CANONICAL}/CodeSystem/report-category`,
  reportCode: `${CANONICAL}/CodeSystem/report-code`,
  documentKind: `${CANONICAL}/CodeSystem/document-kind`,
  drug: `${CANONICAL}/CodeSystem/drug`,
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  consentCategory: 'http://loinc.org',
  consentAction: 'http://terminology.hl7.org/CodeSystem/consentaction',
  recordKind: `${CANONICAL}/CodeSystem/record-kind`,
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
} as const;

/**
 * Identifier systems. The resident ID (居民身份证号码) is the national one; the rest are ours: institution codes,
 * practitioner licence numbers, and each institution's local patient numbers (门诊号/住院号/就诊卡号) per kind.
 */
export const IDENTIFIER_SYSTEM = {
  residentId: 'urn:oid:2.16.156.10011.1.3',
  institutionCode: `${CANONICAL}/sid/institution-code`,
  practitionerLicense: `${CANONICAL}/sid/practitioner-license`,
  /** `…/sid/patient-number/<institution code>/<kind>` (kind: local_mrn, outpatient_no, inpatient_no, visit_card, other). */
  patientNumber: (institutionCode: string, kind: string) => `${CANONICAL}/sid/patient-number/${institutionCode}/${kind}`,
  /** A record entry's source id sent without a system (REST `identifier`): `…/sid/source/<institution code>`. */
  source: (institutionCode: string) => `${CANONICAL}/sid/source/${institutionCode}`,
} as const;

/**
 * Diagnoses: ICD-10 国家临床版 2.0 (the national clinical edition, 国家卫生健康委/医保局) has no published FHIR URI, so
 * it gets one under our canonical base; the project's demo list (icd10-yilian-demo) is named as its own system.
 * Codes of other systems keep the URI of their code_system_concept system id under `…/CodeSystem/`.
 */
export const ICD10_CN_CLINICAL = `${CANONICAL}/CodeSystem/icd10-cn-clinical-2.0`;
export const conditionCodeSystemUri = (system: string) =>
  system === 'icd10-cn-clinical-2.0' ? ICD10_CN_CLINICAL : system.startsWith('http') || system.startsWith('urn:') ? system : `${CANONICAL}/CodeSystem/${system}`;
/** The code_system_concept system id of a FHIR coding system URI (the inverse of conditionCodeSystemUri). */
export const conditionCodeSystemId = (uri: string) =>
  uri === ICD10_CN_CLINICAL ? 'icd10-cn-clinical-2.0' : uri.startsWith(`${CANONICAL}/CodeSystem/`) ? uri.slice(`${CANONICAL}/CodeSystem/`.length) : uri;

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
  /** Patient (create): the sender has checked the likely-duplicate candidates and this is someone else (valueBoolean). */
  confirmNotDuplicate: `${CANONICAL}/StructureDefinition/confirm-not-duplicate`,
  /** Record entries: the version of the logical entry this resource shows (valueInteger). */
  entryVersion: `${CANONICAL}/StructureDefinition/entry-version`,
  /** Consent: the kinds of record entries covered (valueCode, repeated). */
  consentRecordKind: `${CANONICAL}/StructureDefinition/consent-record-kind`,
  /** Observation: the device of a home measurement (家用血压计 …), valueString. */
  device: `${CANONICAL}/StructureDefinition/observation-device`,
  /** Observation: the DiagnosticReport it is a result of (valueReference); DiagnosticReport.result lists the same link. */
  observationReport: `${CANONICAL}/StructureDefinition/observation-report`,
  /** Condition: the main diagnosis of its encounter (主要诊断), valueBoolean. */
  conditionPrimary: `${CANONICAL}/StructureDefinition/condition-primary`,
  /** DiagnosticReport: the findings (检查所见) besides the conclusion, valueString. */
  reportFindings: `${CANONICAL}/StructureDefinition/report-findings`,
  /** MedicationRequest: the quantity to dispense as written (28片) when it is not a number and unit, valueString. */
  dispenseQuantity: `${CANONICAL}/StructureDefinition/dispense-quantity`,
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
