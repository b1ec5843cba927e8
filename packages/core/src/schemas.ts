/** Request bodies of the API, shared by the server (validation, OpenAPI) and the web app (forms). */
import { z } from 'zod';
import { consortiumKinds, expertServices, institutionGrades, institutionLevels, institutionTypes, specialties, titles } from './directory.js';
import { MOBILE_RE } from './phone.js';
import { ROLES } from './roles.js';

export const id = z.uuid();
export const regionCode = z.string().regex(/^\d{6}(\d{3})?$/, '6位县级或9位乡级行政区划代码 / 6-digit county or 9-digit township code');
export const mobile = z.string().regex(MOBILE_RE, '手机号码格式不正确 / not a mainland mobile number');
export const isoDate = z.iso.date();
export const sex = z.enum(['male', 'female']);

export const consortiumInput = z.object({
  name: z.string().trim().min(2).max(100),
  kind: z.enum(consortiumKinds),
  leadInstitutionId: id.nullish(),
  regionCode: regionCode.nullish(),
  description: z.string().max(2000).nullish(),
}).strict();

export const institutionInput = z.object({
  code: z.string().trim().min(2).max(40).regex(/^[A-Za-z0-9_-]+$/),
  name: z.string().trim().min(2).max(100),
  shortName: z.string().trim().max(40).nullish(),
  level: z.enum(institutionLevels),
  grade: z.enum(institutionGrades).nullish(),
  type: z.enum(institutionTypes),
  regionCode,
  address: z.string().max(200).nullish(),
  phone: z.string().max(30).nullish(),
  consortiumIds: z.array(id).max(20).optional(),
}).strict();

export const departmentInput = z.object({
  institutionId: id,
  code: z.string().trim().max(40).nullish(),
  name: z.string().trim().min(1).max(60),
  specialty: z.enum(specialties).nullish(),
}).strict();

export const practitionerInput = z.object({
  name: z.string().trim().min(2).max(40),
  sex,
  title: z.enum(titles),
  specialty: z.enum(specialties).nullish(),
  phone: mobile.nullish(),
  licenseNo: z.string().trim().max(40).nullish(),
  roles: z.array(z.object({ institutionId: id, departmentId: id.nullish() }).strict()).min(1).max(10),
}).strict();

export const expertInput = z.object({
  practitionerId: id,
  specialty: z.enum(specialties),
  services: z.array(z.enum(expertServices)).min(1),
  availability: z.string().max(200).nullish(),
}).strict();

export const patientInput = z.object({
  residentId: z.string().trim().max(30).nullish(),
  name: z.string().trim().min(1).max(40),
  sex: sex.optional(),
  birthDate: isoDate.optional(),
  phone: mobile.nullish(),
  insuranceCardNo: z.string().trim().max(40).nullish(),
  address: z.string().max(200).nullish(),
  regionCode: regionCode.nullish(),
  localNumber: z.object({ institutionId: id, number: z.string().trim().min(1).max(40) }).strict().optional(),
  /** Set after the user has seen the likely-duplicate warning and still wants a new record. */
  confirmNotDuplicate: z.boolean().optional(),
}).strict();
export const patientUpdate = patientInput.omit({ localNumber: true, confirmNotDuplicate: true }).partial().strict();

export const loginInput = z.object({
  username: z.string().trim().min(1).max(60),
  password: z.string().min(1).max(200),
  totp: z.string().regex(/^\d{6}$/).optional(),
}).strict();
export const passwordChangeInput = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(10, '至少10位 / at least 10 characters').max(200),
}).strict();
export const roleAssignment = z.object({ role: z.enum(ROLES), institutionId: id.nullish() }).strict();

export type ConsortiumInput = z.infer<typeof consortiumInput>;
export type InstitutionInput = z.infer<typeof institutionInput>;
export type DepartmentInput = z.infer<typeof departmentInput>;
export type PractitionerInput = z.infer<typeof practitionerInput>;
export type ExpertInput = z.infer<typeof expertInput>;
export type PatientInput = z.infer<typeof patientInput>;
export type PatientUpdate = z.infer<typeof patientUpdate>;

// Directory updates (PATCH): any subset of the create fields. A department stays in its institution and an expert
// entry stays with its practitioner.
export const consortiumUpdate = consortiumInput.partial().strict();
export const institutionUpdate = institutionInput.partial().strict();
export const departmentUpdate = departmentInput.omit({ institutionId: true }).partial().strict();
export const practitionerUpdate = practitionerInput.partial().strict();
export const expertUpdate = expertInput.omit({ practitionerId: true }).partial().strict();
export const consortiumMemberInput = z.object({ institutionId: id }).strict();
export type ConsortiumUpdate = z.infer<typeof consortiumUpdate>;
export type InstitutionUpdate = z.infer<typeof institutionUpdate>;
export type DepartmentUpdate = z.infer<typeof departmentUpdate>;
export type PractitionerUpdate = z.infer<typeof practitionerUpdate>;
export type ExpertUpdate = z.infer<typeof expertUpdate>;

/** Master patient index (患者主索引): search, local numbers, version-checked update, merge. */
export const patientIdentifierKinds = ['local_mrn', 'outpatient_no', 'inpatient_no', 'visit_card', 'other'] as const;
export const patientSearchQuery = z.object({
  q: z.string().trim().max(60).optional(),
  birthDate: isoDate.optional(),
  sex: sex.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
}).strict();
export const patientPatch = patientUpdate.extend({
  /** The version the client last read; when given and no longer current the update is refused (409 stale). */
  version: z.number().int().min(1).optional(),
}).strict();
export const patientIdentifierInput = z.object({
  institutionId: id,
  kind: z.enum(patientIdentifierKinds).default('local_mrn'),
  value: z.string().trim().min(1).max(40),
}).strict();
export const patientMergeInput = z.object({
  survivorId: id,
  mergedId: id,
  reason: z.string().trim().min(1).max(500),
}).strict();
export const patientMergeListQuery = z.object({
  patientId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
}).strict();
export type PatientSearchQuery = z.infer<typeof patientSearchQuery>;
export type PatientPatch = z.infer<typeof patientPatch>;
export type PatientIdentifierInput = z.infer<typeof patientIdentifierInput>;
export type PatientMergeInput = z.infer<typeof patientMergeInput>;
