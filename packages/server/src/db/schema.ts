/** Kysely table types, written by hand to match migrations/*.sql. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, never, never>;
/** A `date` column, read as 'YYYY-MM-DD' text (see the type parsers in database.ts). */
type DateText = ColumnType<string, string, string>;
type Json = ColumnType<unknown, string, string>;

export interface InstitutionTable {
  id: Generated<string>; code: string; name: string; short_name: string | null; level: string; grade: string | null;
  type: string; region_code: string; address: string | null; phone: string | null; active: Generated<boolean>;
  created_at: CreatedAt; updated_at: Timestamp;
}
export interface ConsortiumTable {
  id: Generated<string>; name: string; kind: string; lead_institution_id: string | null; region_code: string | null;
  description: string | null; active: Generated<boolean>; created_at: CreatedAt; updated_at: Timestamp;
}
export interface ConsortiumMemberTable { consortium_id: string; institution_id: string; joined_at: Timestamp }
export interface DepartmentTable {
  id: Generated<string>; institution_id: string; code: string | null; name: string; specialty: string | null;
  active: Generated<boolean>; created_at: CreatedAt; updated_at: Timestamp;
}
export interface PractitionerTable {
  id: Generated<string>; name: string; name_pinyin: string; name_initials: string; sex: string; title: string;
  specialty: string | null; phone: string | null; license_no: string | null; active: Generated<boolean>;
  created_at: CreatedAt; updated_at: Timestamp;
}
export interface PractitionerRoleTable {
  id: Generated<string>; practitioner_id: string; institution_id: string; department_id: string | null; active: Generated<boolean>;
}
export interface ExpertTable {
  practitioner_id: string; specialty: string; services: string[]; availability: string | null; active: Generated<boolean>;
  created_at: CreatedAt; updated_at: Timestamp;
}
export interface PatientTable {
  id: Generated<string>; resident_id: string | null; name: string; name_pinyin: string; name_initials: string; sex: string;
  birth_date: DateText; phone: string | null; insurance_card_no: string | null; address: string | null;
  region_code: string | null; status: Generated<string>; merged_into: string | null; version: Generated<number>;
  created_at: CreatedAt; updated_at: Timestamp;
}
/** 003_search_keys.sql: one row per pinyin / initials variant of an active patient's name, kept by triggers on patient. */
export interface PatientSearchKeyTable { patient_id: string; key: string; prev: string | null }
export interface PatientIdentifierTable {
  id: Generated<string>; patient_id: string; institution_id: string; kind: Generated<string>; value: string; created_at: CreatedAt;
}
export interface PatientMergeTable {
  id: Generated<string>; survivor_id: string; merged_id: string; reason: string | null; moved_identifier_ids: Generated<string[]>;
  survivor_before: Json; merged_by: string; merged_at: Timestamp; undone_by: string | null; undone_at: Timestamp | null;
  /** 002_mpi.sql */
  merged_before: Json | null; moved_account_ids: Generated<string[]>;
}
export interface UserAccountTable {
  id: Generated<string>; username: string; display_name: string; password_hash: string; practitioner_id: string | null;
  patient_id: string | null; failed_attempts: Generated<number>; locked_until: Timestamp | null; totp_secret: string | null;
  totp_enabled: Generated<boolean>; password_changed_at: Timestamp; active: Generated<boolean>; created_at: CreatedAt;
  /** 010_messaging.sql: addresses for outbound notifications. */
  email: ColumnType<string | null, string | null | undefined, string | null>;
  phone: ColumnType<string | null, string | null | undefined, string | null>;
}
export interface UserRoleTable { id: Generated<string>; user_id: string; role: string; institution_id: string | null }
export interface SessionTable {
  token_hash: string; user_id: string; active_role_id: string | null; created_at: Timestamp;
  last_seen_at: Timestamp; expires_at: Timestamp; client_ip: string | null; revoked_at: Timestamp | null;
}
export interface AuditLogTable {
  seq: Generated<string | number>; chain: number; chain_seq: string | number; at: Timestamp; user_id: string | null; username: string | null; role: string | null;
  institution_id: string | null; action: string; object_type: string | null; object_id: string | null;
  patient_id: string | null; client_ip: string | null; reason: string | null; outcome: string; detail: Json | null;
  prev_hash: string; hash: string;
}
export interface IdempotencyKeyTable {
  key: string; user_id: string; route: string; status: number; body: Json; created_at: Timestamp;
}

// ——— 010_messaging.sql ———
/** bigint identity columns: pg returns them as strings. */
type BigId = ColumnType<string, never, never>;
export interface FileObjectTable {
  sha256: string; size: ColumnType<string, number, number>; content_type: string; original_name: string | null; created_by: string; created_at: CreatedAt;
}
export interface FileUploadTable { file_id: string; user_id: string; name: string | null; created_at: CreatedAt }
export interface ThreadTable {
  id: Generated<string>; kind: 'direct' | 'case'; case_type: string | null; case_id: string | null; patient_id: string | null;
  title: string | null; direct_key: string | null; created_by: string; created_at: CreatedAt; last_message_at: Timestamp | null;
}
export interface ThreadParticipantTable {
  thread_id: string; user_id: string; joined_at: CreatedAt; last_read_message_id: ColumnType<string, number | string | undefined, number | string>;
}
export interface MessageTable {
  id: BigId; thread_id: string; sender_id: string; kind: string; body: string | null; file_id: string | null;
  reply_to: ColumnType<string | null, number | string | null | undefined, never>; client_id: string | null; created_at: CreatedAt;
}
export interface NotificationTable {
  id: BigId; user_id: string; kind: string; title_zh: string; title_en: string; body_zh: string | null; body_en: string | null;
  link: string | null; case_type: string | null; case_id: string | null; created_at: CreatedAt; read_at: Timestamp | null;
}
export interface OutboundMessageTable {
  id: BigId; notification_id: ColumnType<string | null, number | string | null, never>; channel: string; recipient: string;
  subject: string | null; body: string; status: Generated<string>; attempts: Generated<number>; error: string | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>; claimed_at: Timestamp | null; sent_at: Timestamp | null;
}
export interface EventLogTable {
  id: BigId; recipients: string[]; type: string; data: Json; batch: string; created_at: CreatedAt;
}

export interface ApiTokenTable {
  id: Generated<string>; user_id: string; name: string; token_hash: string; created_by: string; created_at: CreatedAt;
  expires_at: Timestamp | null; last_used_at: Timestamp | null; revoked_at: Timestamp | null;
}

// ——— 020_scheduling.sql ———
export type SlotCategory = 'general' | 'specialist' | 'expert' | 'exam' | 'bed';
export interface QuotaRuleTable {
  institution_id: string; category: SlotCategory; primary_share: ColumnType<string, number | string, number | string>;
  return_lead_minutes: number; updated_at: Timestamp;
}
export interface ScheduleResourceTable {
  id: Generated<string>; institution_id: string; department_id: string | null; kind: 'doctor' | 'exam' | 'bed';
  practitioner_id: string | null; name: string; exam_type: string | null; ward: string | null; active: Generated<boolean>; created_at: CreatedAt;
}
export interface SlotTable {
  id: Generated<string>; resource_id: string; starts_at: Timestamp; ends_at: Timestamp; category: SlotCategory;
  pool: ColumnType<'public' | 'primary' | 'referral', 'public' | 'primary' | 'referral' | undefined, 'public' | 'primary' | 'referral'>;
  primary_returns_at: Timestamp | null; opens_at: Timestamp;
  status: ColumnType<'free' | 'busy' | 'blocked', 'free' | 'busy' | 'blocked' | undefined, 'free' | 'busy' | 'blocked'>; created_at: CreatedAt;
}
export interface ReleaseRuleTable {
  institution_id: string; category: SlotCategory; days_ahead: number; at_time: string; primary_days_earlier: number; updated_at: Timestamp;
}
export interface WaitlistEntryTable {
  id: Generated<string>; resource_id: string; patient_id: string; added_by: string; added_for_institution_id: string | null;
  channel: 'doctor' | 'family_doctor' | 'patient' | 'referral' | 'fhir'; earliest: Timestamp | null; latest: Timestamp | null;
  status: ColumnType<'waiting' | 'booked' | 'cancelled', 'waiting' | 'booked' | 'cancelled' | undefined, 'waiting' | 'booked' | 'cancelled'>;
  appointment_id: string | null; created_at: CreatedAt;
}
export type AppointmentStatus = 'booked' | 'cancelled' | 'checked_in' | 'no_show' | 'completed';
export interface AppointmentTable {
  id: Generated<string>; slot_id: string; patient_id: string; booked_by: string; booked_for_institution_id: string | null;
  channel: 'doctor' | 'family_doctor' | 'patient' | 'referral' | 'fhir';
  status: ColumnType<AppointmentStatus, AppointmentStatus | undefined, AppointmentStatus>;
  reason: string | null; created_at: CreatedAt; cancelled_at: Timestamp | null; replaces_id: ColumnType<string | null, string | null | undefined, string | null>;
}
// ——— 023_schedule_templates.sql ———
export type WeeklyTemplate = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', string[]>>;
export interface ScheduleTemplateTable {
  resource_id: string; category: SlotCategory; weekly: ColumnType<WeeklyTemplate, string, string>;
  referral_per_day: number; horizon_days: number; generated_through: ColumnType<string | null, string | null | undefined, string | null>;
  updated_by: string | null; updated_at: Timestamp;
}
export interface ScheduleExceptionTable {
  id: Generated<string>; institution_id: string; date: ColumnType<string, string, string>; name: string; created_by: string | null; created_at: CreatedAt;
}
export interface AppointmentEventTable {
  id: BigId; appointment_id: string; at: ColumnType<Date, Date | undefined, never>; user_id: string | null; from_status: string | null; to_status: string; note: string | null;
}

// ——— 030_record.sql ———
export interface CodeSystemConceptTable {
  system: string; code: string; display: string; display_en: string | null; initials: ColumnType<string, string | undefined, string>;
  parent: string | null; version: string | null; demo: ColumnType<boolean, boolean | undefined, boolean>;
  active: ColumnType<boolean, boolean | undefined, boolean>; extra: unknown | null;
}
export interface LabItemTable {
  code: string; name: string; panel: string | null; unit: string | null;
  ref_low: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  ref_high: ColumnType<string | null, number | string | null | undefined, number | string | null>; loinc: string | null;
}
/** Columns every versioned clinical table has (see 030_record.sql). */
interface Versioned {
  id: Generated<string>; entry_id: string; version: ColumnType<number, number | undefined, never>;
  superseded_at: ColumnType<Date | null, never, Date>; superseded_by: ColumnType<string | null, never, string>;
  patient_id: string; identifier: string | null;
  recorded_by: string | null; recorded_at: ColumnType<Date, Date | undefined, never>;
}
export type EncounterClass = 'outpatient' | 'emergency' | 'inpatient';
export interface EncounterTable extends Versioned {
  institution_id: string; department_id: string | null; practitioner_id: string | null; class: EncounterClass;
  status: ColumnType<string, string | undefined, never>; started_at: Date; ended_at: Date | null; reason: string | null;
}
export interface ConditionTable extends Versioned {
  institution_id: string; encounter_id: string | null; practitioner_id: string | null; code_system: string; code: string; display: string;
  category: ColumnType<string, string | undefined, never>; clinical_status: ColumnType<string, string | undefined, never>;
  verification_status: ColumnType<string, string | undefined, never>; is_primary: ColumnType<boolean, boolean | undefined, never>;
  onset_date: ColumnType<string | null, string | null | undefined, never>; note: string | null;
}
export interface AllergyTable extends Versioned {
  institution_id: string; substance: string; category: ColumnType<string, string | undefined, never>; reaction: string | null;
  severity: string | null; criticality: ColumnType<string, string | undefined, never>;
  clinical_status: ColumnType<string, string | undefined, never>; verification_status: ColumnType<string, string | undefined, never>;
}
export interface MedicationRequestTable extends Versioned {
  institution_id: string; encounter_id: string | null; practitioner_id: string | null; drug: string; drug_code: string | null;
  dose: string | null; route: string | null; frequency: string | null; days: number | null; quantity: string | null;
  status: ColumnType<string, string | undefined, never>; authored_at: Date; note: string | null;
}
export interface DiagnosticReportTable extends Versioned {
  institution_id: string; encounter_id: string | null; practitioner_id: string | null;
  category: 'lab' | 'imaging' | 'ecg' | 'ultrasound' | 'endoscopy' | 'pathology' | 'other'; code: string | null; name: string;
  modality: string | null; findings: string | null; conclusion: string | null; status: ColumnType<string, string | undefined, never>; issued_at: Date;
}
export interface ObservationTable extends Versioned {
  institution_id: string | null; encounter_id: string | null; report_id: string | null;
  category: 'laboratory' | 'vital-signs' | 'home-monitoring' | 'exam'; code: string; name: string;
  value_num: ColumnType<string | null, number | string | null | undefined, never>; value_text: string | null; unit: string | null;
  ref_low: ColumnType<string | null, number | string | null | undefined, never>; ref_high: ColumnType<string | null, number | string | null | undefined, never>;
  ref_text: string | null; flag: string | null; effective_at: Date; device: string | null; status: ColumnType<string, string | undefined, never>;
}
export type DocumentKind = 'discharge_summary' | 'referral_letter' | 'consultation_opinion' | 'consent_form' | 'scanned' | 'outpatient_record' | 'other';
export interface DocumentTable extends Versioned {
  institution_id: string; encounter_id: string | null; practitioner_id: string | null; kind: DocumentKind; title: string; text: string | null;
  authored_at: Date; status: ColumnType<string, string | undefined, never>;
}
export interface DocumentAttachmentTable {
  document_id: string; position: number; file_sha256: string; name: string; content_type: string; size: ColumnType<string, number, never>;
}
export interface CareRelationTable {
  id: Generated<string>; patient_id: string; institution_id: string; kind: 'referral' | 'consultation' | 'contract' | 'treatment';
  source_id: string | null; starts_at: ColumnType<Date, Date | undefined, Date>; ends_at: Date | null; created_at: CreatedAt;
}
export interface RecordConsentTable {
  id: Generated<string>; patient_id: string; institution_ids: string[] | null; scope: string[] | null;
  starts_at: ColumnType<Date, Date | undefined, never>; ends_at: ColumnType<Date | null, Date | null | undefined, never>; signed_by: string;
  document_id: string | null; recorded_by: string; recorded_at: CreatedAt;
  revoked_at: Date | null; revoked_by: string | null; revoke_reason: string | null;
}
export interface BreakGlassTable {
  id: Generated<string>; user_id: string; institution_id: string | null; patient_id: string; reason: string;
  granted_at: CreatedAt; expires_at: Date; reviewed_at: Date | null; reviewed_by: string | null; review_note: string | null;
}
export interface ApiClientTable {
  id: Generated<string>; client_id: string; secret_hash: string; name: string; institution_id: string; user_id: string;
  created_by: string | null; created_at: CreatedAt; revoked_at: Date | null; last_used_at: Date | null;
}
export interface OauthTokenTable { token_hash: string; client_id: string; issued_at: CreatedAt; expires_at: Date }

// ——— 040_referral.sql ———
export interface ReferralTable {
  id: Generated<string>; code: string; public_token: string; direction: 'up' | 'down'; setting: 'outpatient' | 'inpatient';
  urgency: ColumnType<'routine' | 'urgent' | 'emergency', 'routine' | 'urgent' | 'emergency' | undefined, 'routine' | 'urgent' | 'emergency'>;
  status: ColumnType<string, string | undefined, string>; status_since: ColumnType<Date, Date | undefined, Date>;
  version: ColumnType<number, number | undefined, number>; patient_id: string; from_institution_id: string; from_department_id: string | null;
  from_practitioner_id: string | null; created_by: string; to_institution_id: string; to_department_id: string | null;
  assigned_practitioner_id: string | null; assigned_user_id: string | null; reason: string;
  diagnoses: ColumnType<{ system: string; code: string; display: string }[], string | undefined, string>;
  shared_entries: ColumnType<{ kind: string; id: string }[], string | undefined, string>;
  attachments: ColumnType<{ sha256: string; name: string; contentType: string; size: number }[], string | undefined, string>;
  insurance_type: string | null; appointment_id: string | null; plan: string | null; summary: string | null; thread_id: string | null;
  source_identifier: string | null;
  created_at: CreatedAt; updated_at: ColumnType<Date, Date | undefined, Date>;
}
export interface ReferralEventTable {
  id: BigId; referral_id: string; at: ColumnType<Date, Date | undefined, never>; user_id: string | null; institution_id: string | null;
  action: string; from_status: string | null; to_status: string; note: string | null; detail: unknown | null;
}
export interface ReferralTaskTable {
  id: Generated<string>; referral_id: string; patient_id: string; institution_id: string; title: string; detail: string | null;
  due_date: ColumnType<string, string, string>; status: ColumnType<'open' | 'done' | 'cancelled', 'open' | 'done' | 'cancelled' | undefined, 'open' | 'done' | 'cancelled'>;
  result: string | null; done_at: Date | null; done_by: string | null; created_at: CreatedAt;
}
export interface ReferralTimeLimitTable { status: string; hours: number }
export interface ReferralEscalationTable { referral_id: string; status: string; status_since: Date; escalated_at: CreatedAt }
export interface ReimbursementRuleTable {
  insurance_type: string; level: '1' | '2' | '3'; deductible: ColumnType<string, number | string, number | string>;
  rate: ColumnType<string, number | string, number | string>; label: string;
}
export interface DownReferralCriterionTable {
  id: Generated<string>; code_prefix: string; label: string; stable_days: ColumnType<number, number | undefined, number>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
}

// ——— 050_consultation.sql ———
type Coded = { system: string; code: string; display: string };
type FileRef = { sha256: string; name: string; contentType: string; size: number };
export interface ConsultationTable {
  id: Generated<string>; code: string; kind: 'routine' | 'urgent' | 'mdt' | 'material';
  material_type: 'imaging' | 'pathology' | 'ecg' | null;
  status: ColumnType<string, string | undefined, string>; status_since: ColumnType<Date, Date | undefined, Date>;
  version: ColumnType<number, number | undefined, number>; patient_id: string; from_institution_id: string;
  from_department_id: string | null; from_practitioner_id: string | null; created_by: string; centre_institution_id: string;
  requested_specialty: string | null; requested_expert_ids: ColumnType<string[], string[] | undefined, string[]>;
  purpose: string; summary: string;
  diagnoses: ColumnType<Coded[], string | undefined, string>;
  shared_entries: ColumnType<{ kind: string; id: string }[], string | undefined, string>;
  attachments: ColumnType<FileRef[], string | undefined, string>;
  urgent_reason: string | null; supplements_requested: ColumnType<string[], string | undefined, string>;
  scheduled_at: Date | null; duration_minutes: ColumnType<number, number | undefined, number>;
  received_at: Date | null; due_at: Date | null; answered_at: Date | null; rating: number | null; rating_comment: string | null;
  cancel_reason: string | null; thread_id: string | null; quick_consult_id: string | null;
  created_at: CreatedAt; updated_at: ColumnType<Date, Date | undefined, Date>;
}
export interface ConsultationConsentTable {
  id: Generated<string>; consultation_id: string; signer_name: string;
  relation: 'self' | 'spouse' | 'parent' | 'child' | 'sibling' | 'guardian' | 'other'; signed_at: Date; file_id: string;
  method: 'drawn' | 'scan'; recorded_by: string; document_id: string | null; created_at: CreatedAt;
}
export interface ConsultationExpertTable {
  consultation_id: string; practitioner_id: string; user_id: string; institution_id: string;
  status: ColumnType<'invited' | 'accepted' | 'declined' | 'withdrawn', 'invited' | 'accepted' | 'declined' | 'withdrawn' | undefined, 'invited' | 'accepted' | 'declined' | 'withdrawn'>;
  invited_at: ColumnType<Date, Date | undefined, Date>; replied_at: Date | null; reply_note: string | null;
}
export interface ConsultationOpinionTable {
  id: Generated<string>; consultation_id: string; practitioner_id: string; user_id: string;
  version: ColumnType<number, number | undefined, number>; findings: string; diagnoses: ColumnType<Coded[], string | undefined, string>;
  recommendations: string; refer: ColumnType<boolean, boolean | undefined, boolean>; refer_institution_id: string | null;
  refer_department_id: string | null; refer_note: string | null;
  status: ColumnType<'draft' | 'signed' | 'superseded', 'draft' | 'signed' | 'superseded' | undefined, 'draft' | 'signed' | 'superseded'>;
  signed_at: Date | null; signature_hash: string | null; signature_file_id: string | null; supersedes: string | null;
  document_id: string | null; created_at: CreatedAt; updated_at: ColumnType<Date, Date | undefined, Date>;
}
export interface ConsultationEventTable {
  id: BigId; consultation_id: string; at: ColumnType<Date, Date | undefined, never>; user_id: string | null; institution_id: string | null;
  action: string; from_status: string | null; to_status: string; note: string | null; detail: unknown | null;
}
export interface ConsultationTimeLimitTable { kind: 'routine' | 'urgent' | 'mdt' | 'material'; minutes: number }
export interface ConsultationEscalationTable { consultation_id: string; due_at: Date; escalated_at: CreatedAt }
export interface QuickConsultTable {
  id: Generated<string>; code: string;
  status: ColumnType<'open' | 'answered' | 'converted' | 'closed', 'open' | 'answered' | 'converted' | 'closed' | undefined, 'open' | 'answered' | 'converted' | 'closed'>;
  status_since: ColumnType<Date, Date | undefined, Date>; asker_user_id: string; asker_institution_id: string;
  expert_practitioner_id: string; expert_user_id: string; patient_id: string | null; subject: string; thread_id: string;
  answered_at: Date | null; converted_to_type: 'consultation' | 'referral' | null; converted_to_id: string | null;
  created_at: CreatedAt; updated_at: ColumnType<Date, Date | undefined, Date>;
}
export interface ConsultationRoomPresenceTable {
  consultation_id: string; peer_id: string; user_id: string; joined_at: CreatedAt; seen_at: ColumnType<Date, Date | undefined, Date>;
}

export interface Database {
  api_token: ApiTokenTable;
  institution: InstitutionTable; consortium: ConsortiumTable; consortium_member: ConsortiumMemberTable;
  department: DepartmentTable; practitioner: PractitionerTable; practitioner_role: PractitionerRoleTable;
  expert: ExpertTable; patient: PatientTable; patient_identifier: PatientIdentifierTable; patient_merge: PatientMergeTable;
  patient_search_key: PatientSearchKeyTable;
  user_account: UserAccountTable; user_role: UserRoleTable; user_session: SessionTable; audit_log: AuditLogTable;
  idempotency_key: IdempotencyKeyTable;
  file_object: FileObjectTable; file_upload: FileUploadTable; thread: ThreadTable; thread_participant: ThreadParticipantTable;
  message: MessageTable; notification: NotificationTable; outbound_message: OutboundMessageTable; event_log: EventLogTable;
  quota_rule: QuotaRuleTable; schedule_resource: ScheduleResourceTable; slot: SlotTable; appointment: AppointmentTable;
  appointment_event: AppointmentEventTable; release_rule: ReleaseRuleTable;
  waitlist_entry: WaitlistEntryTable; schedule_template: ScheduleTemplateTable; schedule_exception: ScheduleExceptionTable;
  code_system_concept: CodeSystemConceptTable; lab_item: LabItemTable; encounter: EncounterTable; condition: ConditionTable;
  allergy: AllergyTable; medication_request: MedicationRequestTable; diagnostic_report: DiagnosticReportTable;
  observation: ObservationTable; document: DocumentTable; document_attachment: DocumentAttachmentTable;
  care_relation: CareRelationTable; record_consent: RecordConsentTable; break_glass: BreakGlassTable;
  api_client: ApiClientTable; oauth_token: OauthTokenTable;
  referral: ReferralTable; referral_event: ReferralEventTable; referral_task: ReferralTaskTable; referral_time_limit: ReferralTimeLimitTable;
  referral_escalation: ReferralEscalationTable; reimbursement_rule: ReimbursementRuleTable; down_referral_criterion: DownReferralCriterionTable;
  consultation: ConsultationTable; consultation_consent: ConsultationConsentTable; consultation_expert: ConsultationExpertTable;
  consultation_opinion: ConsultationOpinionTable; consultation_event: ConsultationEventTable;
  consultation_time_limit: ConsultationTimeLimitTable; consultation_escalation: ConsultationEscalationTable;
  quick_consult: QuickConsultTable; consultation_room_presence: ConsultationRoomPresenceTable;
}
