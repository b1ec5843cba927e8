/**
 * Input schemas of the shared health record: one per entry kind (used by the REST routes, by createEntry itself, and
 * by the FHIR facade), the correction shape (the full content plus the version being corrected), and the queries.
 */
import { z } from 'zod';
import { page } from '../http/query.js';

export const ENTRY_KINDS = ['encounter', 'condition', 'allergy', 'medication', 'report', 'observation', 'document'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
/** The plural path segment of each kind: /patients/:id/encounters, /record/encounters/:entryId … */
export const KIND_PATHS: Record<EntryKind, string> = {
  encounter: 'encounters', condition: 'conditions', allergy: 'allergies', medication: 'medications',
  report: 'reports', observation: 'observations', document: 'documents',
};

const instant = z.iso.datetime({ offset: true });
const text = (max: number) => z.string().trim().min(1).max(max);
const optText = (max: number) => z.string().trim().max(max).nullish();
const ref = z.uuid().nullish();
/** The source system's own id (HIS visit number …): unique per institution among current versions. */
const identifier = z.string().trim().min(1).max(100).nullish();

export const encounterInput = z.object({
  class: z.enum(['outpatient', 'emergency', 'inpatient']),
  status: z.enum(['planned', 'in-progress', 'finished', 'cancelled', 'entered-in-error']).optional(),
  startedAt: instant, endedAt: instant.nullish(),
  reason: optText(500), departmentId: ref, practitionerId: ref, identifier,
}).strict();

export const conditionInput = z.object({
  /** ICD-10 code; must exist in code_system_concept (in `codeSystem` when given, else in any system). */
  code: text(20), codeSystem: text(60).optional(), display: text(200).optional(),
  category: z.enum(['encounter-diagnosis', 'problem-list-item']).optional(),
  clinicalStatus: z.enum(['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved']).optional(),
  verificationStatus: z.enum(['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error']).optional(),
  isPrimary: z.boolean().optional(), onsetDate: z.iso.date().nullish(), note: optText(2000),
  encounterId: ref, practitionerId: ref, identifier,
  /** When the diagnosis was recorded at the source (FHIR recordedDate); default now, kept across corrections. */
  recordedAt: instant.optional(),
}).strict();

export const allergyInput = z.object({
  substance: text(200), category: z.enum(['food', 'medication', 'environment', 'biologic']).optional(),
  reaction: optText(500), severity: z.enum(['mild', 'moderate', 'severe']).nullish(),
  criticality: z.enum(['low', 'high', 'unable-to-assess']).optional(),
  clinicalStatus: z.enum(['active', 'inactive', 'resolved']).optional(),
  verificationStatus: z.enum(['unconfirmed', 'confirmed', 'refuted', 'entered-in-error']).optional(),
  identifier, recordedAt: instant.optional(),
}).strict();

export const medicationInput = z.object({
  drug: text(200), drugCode: optText(60), dose: optText(60), route: optText(40), frequency: optText(40),
  days: z.number().int().min(0).max(3650).nullish(), quantity: optText(40),
  status: z.enum(['active', 'on-hold', 'cancelled', 'completed', 'stopped', 'entered-in-error']).optional(),
  authoredAt: instant, note: optText(2000), encounterId: ref, practitionerId: ref, identifier,
}).strict();

export const reportInput = z.object({
  category: z.enum(['lab', 'imaging', 'ecg', 'ultrasound', 'endoscopy', 'pathology', 'other']),
  code: optText(60), name: text(200), modality: optText(16), findings: optText(20000), conclusion: optText(5000),
  status: z.enum(['registered', 'partial', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error']).optional(),
  issuedAt: instant, encounterId: ref, practitionerId: ref, identifier,
}).strict();

export const OBSERVATION_FLAGS = ['N', 'H', 'L', 'HH', 'LL', 'A'] as const;
export const observationInput = z.object({
  category: z.enum(['laboratory', 'vital-signs', 'home-monitoring', 'exam']),
  /** lab_item.code (name, unit and reference range default from the catalogue) or a LOINC vital-sign code. */
  code: text(60), name: text(200).optional(),
  valueNum: z.number().finite().nullish(), valueText: optText(500), unit: optText(40),
  refLow: z.number().finite().nullish(), refHigh: z.number().finite().nullish(), refText: optText(200),
  /** Computed from the reference range when left out. */
  flag: z.enum(OBSERVATION_FLAGS).nullish(),
  effectiveAt: instant, device: optText(100),
  status: z.enum(['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error']).optional(),
  encounterId: ref, reportId: ref, identifier,
}).strict();

export const documentInput = z.object({
  kind: z.enum(['discharge_summary', 'referral_letter', 'consultation_opinion', 'consent_form', 'scanned', 'outpatient_record', 'other']),
  title: text(200), text: optText(100000), authoredAt: instant,
  status: z.enum(['current', 'entered-in-error']).optional(),
  encounterId: ref, practitionerId: ref, identifier,
}).strict();

export const entryInputs = {
  encounter: encounterInput, condition: conditionInput, allergy: allergyInput, medication: medicationInput,
  report: reportInput, observation: observationInput, document: documentInput,
} as const satisfies Record<EntryKind, z.ZodObject>;

type DateKey = 'startedAt' | 'endedAt' | 'recordedAt' | 'authoredAt' | 'issuedAt' | 'effectiveAt';
/** Instants as ISO strings or Date objects. */
type WithDates<T> = { [P in keyof T]: P extends DateKey ? T[P] | Date : T[P] };
/** What createEntry takes for each kind (instants as ISO strings or Date objects). */
export type EntryInputs = { [K in EntryKind]: WithDates<z.input<(typeof entryInputs)[K]>> };
export type EntryInput = EntryInputs[EntryKind];

const version = z.number().int().min(1);
/** A correction: the full new content and the version it replaces. */
export const correctionInputs = {
  encounter: encounterInput.extend({ version }), condition: conditionInput.extend({ version }), allergy: allergyInput.extend({ version }),
  medication: medicationInput.extend({ version }), report: reportInput.extend({ version }),
  observation: observationInput.extend({ version }), document: documentInput.extend({ version }),
} as const satisfies Record<EntryKind, z.ZodObject>;
export type CorrectionInputs = { [K in EntryKind]: WithDates<z.input<(typeof correctionInputs)[K]>> };

const yes = z.enum(['true', 'false']).transform((v) => v === 'true');
const day = z.iso.date();
/** `from`/`to` as a date (YYYY-MM-DD: the whole day, China time) or an instant. */
const bound = z.union([instant, day]);

export const entryListQuery = z.object({
  includeSuperseded: yes.optional(), includeWithdrawn: yes.optional(),
  institutionId: z.uuid().optional(), encounterId: z.uuid().optional(),
  category: z.string().trim().min(1).max(40).optional(), code: z.string().trim().min(1).max(60).optional(),
  from: bound.optional(), to: bound.optional(), ...page,
}).strict();
export type EntryListQuery = z.output<typeof entryListQuery>;

export const timelineQuery = z.object({
  institutionId: z.uuid().optional(),
  /** One kind or several, comma-separated. */
  kind: z.string().trim().max(200).transform((s, ctx) => {
    const kinds = s.split(',').map((k) => k.trim()).filter(Boolean);
    const bad = kinds.find((k) => !(ENTRY_KINDS as readonly string[]).includes(k));
    if (bad || !kinds.length) {
      ctx.addIssue({ code: 'custom', message: `未知的记录类型 / unknown kind (${ENTRY_KINDS.join(', ')})` });
      return z.NEVER;
    }
    return kinds as EntryKind[];
  }).optional(),
  from: bound.optional(), to: bound.optional(), ...page,
}).strict();
export type TimelineQuery = z.output<typeof timelineQuery>;

export const trendQuery = z.object({ code: z.string().trim().min(1).max(60), from: bound.optional(), to: bound.optional() }).strict();

export const consentInput = z.object({
  /** Institutions the consent covers; left out or null: every member of the consortium. */
  institutionIds: z.array(z.uuid()).min(1).max(100).nullish(),
  /** Kinds of entries it covers; left out or null: all. */
  scope: z.array(z.enum(ENTRY_KINDS)).min(1).nullish(),
  startsAt: instant.optional(), endsAt: instant.nullish(),
  signedBy: text(100), documentId: z.uuid().nullish(),
}).strict().refine((c) => !c.endsAt || !c.startsAt || Date.parse(c.endsAt) > Date.parse(c.startsAt), {
  message: '结束时间须晚于开始时间 / endsAt must be after startsAt', path: ['endsAt'],
});
export type ConsentInput = z.output<typeof consentInput>;

export const revokeInput = z.object({ reason: text(500) }).strict();
export const breakGlassInput = z.object({
  reason: z.string().trim().min(4, '请填写紧急访问理由（至少4个字）/ give a reason of at least 4 characters').max(500),
}).strict();
export const breakGlassReportQuery = z.object({
  from: bound.optional(), to: bound.optional(), institutionId: z.uuid().optional(),
  reviewed: yes.optional(), ...page,
}).strict();
export const reviewInput = z.object({ note: text(1000) }).strict();
export const accessLogQuery = z.object({ ...page }).strict();
