/** Roles (SPEC.md section 3) and the one permission table: which role may do which action, and in what scope. */
export const ROLES = [
  'consortium_admin', 'institution_admin', 'dept_head', 'doctor', 'consult_coordinator',
  'reading_physician', 'family_doctor', 'patient', 'regulator', 'system_client',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, { zh: string; en: string }> = {
  consortium_admin: { zh: '医联体管理员', en: 'Consortium office' },
  institution_admin: { zh: '机构管理员（医务科/转诊办）', en: 'Institution admin' },
  dept_head: { zh: '科主任', en: 'Department head' },
  doctor: { zh: '医生', en: 'Doctor' },
  consult_coordinator: { zh: '会诊中心', en: 'Consultation centre' },
  reading_physician: { zh: '诊断医生', en: 'Reading physician' },
  family_doctor: { zh: '家庭医生团队', en: 'Family-doctor team' },
  patient: { zh: '患者/家属', en: 'Patient or relative' },
  regulator: { zh: '监管（卫健委）', en: 'Regulator' },
  system_client: { zh: '系统接口（HIS 等）', en: 'System client (HIS …)' },
};

/**
 * Scope of a grant: `any` — every object; `own_institution` — objects of the institution the role is held at;
 * `self` — the caller's own patient record (patient role).
 */
export type Scope = 'any' | 'own_institution' | 'self';

const CLINICAL: Role[] = ['institution_admin', 'dept_head', 'doctor', 'consult_coordinator', 'reading_physician', 'family_doctor'];
const STAFF: Role[] = ['consortium_admin', ...CLINICAL, 'regulator'];
const all = (roles: Role[], scope: Scope = 'any') => Object.fromEntries(roles.map((r) => [r, scope])) as Partial<Record<Role, Scope>>;

export const PERMISSIONS = {
  'directory.read': all([...STAFF, 'system_client']),
  'consortium.manage': { consortium_admin: 'any' },
  'institution.create': { consortium_admin: 'any' },
  'institution.update': { consortium_admin: 'any', institution_admin: 'own_institution' },
  'institution.deactivate': { consortium_admin: 'any' },
  'department.manage': { consortium_admin: 'any', institution_admin: 'own_institution' },
  'practitioner.manage': { consortium_admin: 'any', institution_admin: 'own_institution' },
  'expert.manage': { consortium_admin: 'any' },
  'directory.import': { consortium_admin: 'any', institution_admin: 'own_institution' },
  // The consortium office keeps the master patient index clean (merges), so it finds and reads demographics too.
  'patient.search': all(['consortium_admin', ...CLINICAL, 'system_client']),
  'patient.read': { ...all(['consortium_admin', ...CLINICAL, 'system_client']), patient: 'self' },
  'patient.create': all(['institution_admin', 'dept_head', 'doctor', 'family_doctor', 'system_client']),
  'patient.update': { ...all(['institution_admin', 'dept_head', 'doctor', 'family_doctor', 'system_client']), patient: 'self' },
  'patient.merge': { consortium_admin: 'any', institution_admin: 'any' },
  'patient.link_local_number': all(['institution_admin', 'dept_head', 'doctor', 'family_doctor', 'system_client'], 'own_institution'),
  'audit.read': { consortium_admin: 'any', institution_admin: 'own_institution' },
  'user.manage': { consortium_admin: 'any', institution_admin: 'own_institution' },
  // Chat between practitioners and about cases; patients and the regulator do not take part (yet).
  'message.use': all(['consortium_admin', ...CLINICAL]),
  'file.upload': all(['consortium_admin', ...CLINICAL]),
  /** Schedules: bookable resources, slot generation, primary-care quota rules of an institution. */
  'schedule.manage': { consortium_admin: 'any', institution_admin: 'own_institution' },
  /** Slots and their availability; patients look for slots to book for themselves. */
  'schedule.read': { ...all([...STAFF, 'system_client']), patient: 'any' },
  /** Booking a slot for a patient (doctors, family doctors, institution admins) or for oneself (patient). */
  'appointment.book': { ...all(['institution_admin', 'doctor', 'family_doctor', 'system_client']), patient: 'self' },
  /** Cancelling a booking: those who may book, the patient for their own bookings. */
  'appointment.cancel': { ...all(['institution_admin', 'doctor', 'family_doctor', 'system_client']), patient: 'self' },
  /** Seeing appointments and waitlists: staff who book or receive patients across the consortium; the patient their own. */
  'appointment.read': { ...all(['consortium_admin', 'institution_admin', 'dept_head', 'doctor', 'family_doctor', 'consult_coordinator', 'system_client']), patient: 'self' },
  /** Quota (号源下沉) and attendance reports per institution and period. */
  'schedule.report': { consortium_admin: 'any', regulator: 'any', institution_admin: 'own_institution' },
  /** Check-in and no-show marking, at the institution that owns the slot. */
  'appointment.attend': all(['institution_admin', 'dept_head', 'doctor'], 'own_institution'),
  /**
   * Reading a patient's shared record: the role grant is the first gate; record/access.ts then demands a care
   * relationship of the caller's institution, the patient's consent, or break-glass (the patient: their own).
   */
  'record.read': { ...all([...CLINICAL, 'system_client']), patient: 'self' },
  /** Writing record entries (and corrections) at the caller's own institution. */
  'record.write': all(['institution_admin', 'dept_head', 'doctor', 'family_doctor', 'reading_physician', 'system_client'], 'own_institution'),
  /** Recording or revoking a patient's consent to share their record (staff on paper, or the patient themself). */
  'record.consent': { ...all(['institution_admin', 'dept_head', 'doctor', 'family_doctor']), patient: 'self' },
  /** Emergency access (break-glass) with a mandatory reason. */
  'record.break_glass': all(['dept_head', 'doctor', 'family_doctor', 'consult_coordinator', 'reading_physician']),
  /** The break-glass report and its review. */
  'record.break_glass_review': { consortium_admin: 'any', institution_admin: 'own_institution', regulator: 'any' },
  /** OAuth API clients (HIS, LIS, PACS …) of an institution. */
  'api_client.manage': { consortium_admin: 'any', institution_admin: 'own_institution' },
  /** Loading code systems (the official ICD-10 clinical edition). */
  'code.manage': { consortium_admin: 'any' },
  /** Writing a referral (up or down) from the caller's institution; the state machine decides each later step. */
  'referral.create': all(['dept_head', 'doctor', 'family_doctor', 'system_client'], 'own_institution'),
  /** Seeing referrals: the sides' staff (scoped by the server to referrals of their institution), the patient their own. */
  'referral.read': { ...all(['consortium_admin', 'regulator', ...CLINICAL, 'system_client']), patient: 'self' },
  /** The referral office's steps (转诊办/医务科): approve, return, assign, forward, refuse — at its own institution. */
  'referral.office': { institution_admin: 'own_institution' },
  /** Referral reports per institution, department and month. */
  'referral.report': { consortium_admin: 'any', regulator: 'any', institution_admin: 'own_institution' },
  /** Time limits, reimbursement table, down-referral criteria. */
  'referral.configure': { consortium_admin: 'any' },
  /** Applying for a remote consultation (and recording the patient's consent) from the caller's institution. */
  'consultation.create': all(['dept_head', 'doctor', 'family_doctor'], 'own_institution'),
  /** Seeing consultations: the sides' staff and invited experts (scoped by the server), the patient their own. */
  'consultation.read': { ...all(['consortium_admin', 'regulator', ...CLINICAL]), patient: 'self' },
  /** The consultation centre's steps (pre-review, supplements, experts, time, forwarding) at its own institution. */
  'consultation.centre': { consult_coordinator: 'own_institution' },
  /** Consultation reports and the overdue list. */
  'consultation.report': { consortium_admin: 'any', regulator: 'any', institution_admin: 'own_institution', consult_coordinator: 'own_institution' },
  /** Answer time limits per kind. */
  'consultation.configure': { consortium_admin: 'any' },
  /** Quick online consult (移动问诊) between consortium doctors and experts. */
  'quick_consult.use': all(['dept_head', 'doctor', 'family_doctor', 'reading_physician']),
  /** What the notifiers sent or recorded (e-mail, SMS …), recipients masked. */
  'outbound.read': { consortium_admin: 'any' },
} satisfies Record<string, Partial<Record<Role, Scope>>>;

export type Action = keyof typeof PERMISSIONS;
export const ACTIONS = Object.keys(PERMISSIONS) as Action[];

/** The scope in which `role` may perform `action`, or null when it may not at all. */
export const grantFor = (role: Role, action: Action): Scope | null =>
  (PERMISSIONS[action] as Partial<Record<Role, Scope>>)[role] ?? null;
