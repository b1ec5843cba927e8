/** Shapes of the API replies the web app reads (docs/api.md). */
import type { Role, Sex } from '@yilian/core';

export interface RoleGrant {
  id: string; role: Role; institutionId: string | null; institutionName: string | null;
  label?: { zh: string; en: string };
}
export interface Me {
  userId: string; username: string; displayName: string;
  practitionerId: string | null; patientId: string | null;
  role: RoleGrant; roles: RoleGrant[];
  totpEnabled?: boolean;
}
export interface DemoAccount {
  username: string; password: string; role: Role; institutionCode?: string | null;
  institutionName?: string | null; displayName: string; descriptionZh?: string; descriptionEn?: string;
}

export interface Ref { id: string; name: string }
export interface Consortium {
  id: string; name: string; kind: string; leadInstitutionId: string | null; leadInstitutionName: string | null;
  regionCode: string | null; description: string | null; active: boolean; memberCount?: number;
  members?: Institution[];
}
export interface Institution {
  id: string; code: string; name: string; shortName: string | null; level: string; grade: string | null; type: string;
  regionCode: string; address: string | null; phone: string | null; active: boolean; consortia?: Ref[];
  departments?: Department[];
}
export interface Department {
  id: string; institutionId: string; institutionName?: string; code: string | null; name: string;
  specialty: string | null; active: boolean;
}
export interface PractitionerRole {
  institutionId: string; institutionName?: string; departmentId: string | null; departmentName?: string | null;
}
export interface Practitioner {
  id: string; name: string; sex: Sex; title: string; specialty: string | null; phone: string | null;
  licenseNo: string | null; active: boolean; isExpert?: boolean; roles: PractitionerRole[];
  expert?: Expert | null;
}
export interface Expert {
  practitionerId: string; name: string; title: string; specialty: string; services: string[];
  availability: string | null; active: boolean; institutions?: Ref[];
}
export interface ImportReport {
  dryRun: boolean; total: number; created: number; updated: number;
  errors: { row: number; field?: string | null; zh: string; en: string }[];
}

export interface PatientSummary {
  id: string; name: string; sex: Sex | null; birthDate: string | null; age: number | null;
  residentIdMasked: string | null; phoneMasked: string | null; regionCode: string | null; status: string;
  /** On likely-duplicate candidates: why they look alike (name_birth_sex, pinyin_birth, phone, insurance_card). */
  reasons?: string[];
}
export interface PatientIdentifier { id: string; institutionId: string; institutionName?: string | null; kind?: string | null; value: string }
export interface Patient {
  id: string; name: string; sex: Sex | null; birthDate: string | null; age?: number | null;
  residentId: string | null; phone: string | null; insuranceCardNo?: string | null; address?: string | null;
  regionCode?: string | null; status: string; version?: number; createdAt?: string; updatedAt?: string;
  identifiers?: PatientIdentifier[];
  mergedInto?: string | { id: string; name?: string } | null;
}
export interface Merge {
  id: string; survivorId: string; mergedId: string; reason: string;
  survivorName?: string; mergedName?: string;
  mergedAt?: string; mergedBy?: { id: string; username: string | null } | null;
  undoneAt?: string | null; undoneBy?: { id: string; username: string | null } | null;
}

export interface AuditEntry {
  seq: number; at: string; userId: string | null; username: string | null; role: string | null;
  institutionId: string | null; institutionName: string | null; action: string; objectType: string | null;
  objectId: string | null; patientId: string | null; clientIp: string | null; reason: string | null;
  outcome: string; detail?: unknown;
}
export interface AuditVerify { ok: boolean; checked: number; firstBroken?: { seq: number; reason: string } }

/** An account as the administration list shows it (GET /users). */
export interface UserAccount {
  id: string; username: string; displayName: string; practitionerId: string | null; patientId: string | null;
  active: boolean; totpEnabled: boolean; lockedUntil: string | null; createdAt?: string;
  roles: RoleGrant[];
}

/** An API token of an account (the secret itself is shown only when issued). */
export interface ApiToken {
  id: string; name: string; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null;
}
