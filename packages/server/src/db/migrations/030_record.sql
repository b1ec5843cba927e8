-- Shared health record (issue 3): encounters, diagnoses, allergies, medication orders, observations (lab results,
-- vital signs, home monitoring), diagnostic reports, documents with attachments; code systems (ICD-10); care
-- relationships, consents and break-glass access; OAuth API clients.
--
-- Versioning: every clinical row is one version of one logical entry. `id` is the version's id, `entry_id` the
-- logical id (the first version's id, and the FHIR resource id). A correction inserts a new version and marks the
-- old one superseded; nothing is deleted (triggers forbid it). `identifier` is the source system's own id (e.g. the
-- HIS visit number), unique per institution among current versions, so imports are idempotent.

CREATE TABLE code_system_concept (
  system text NOT NULL,            -- e.g. 'icd10-cn-clinical-2.0', 'icd10-yilian-demo', 'lab-local'
  code text NOT NULL,
  display text NOT NULL,           -- Chinese name
  display_en text,
  initials text NOT NULL DEFAULT '', -- pinyin initials of the Chinese name, lower case
  parent text,
  version text,
  demo boolean NOT NULL DEFAULT false,
  active boolean NOT NULL DEFAULT true,
  extra jsonb,
  PRIMARY KEY (system, code)
);
CREATE INDEX code_system_concept_code ON code_system_concept (code text_pattern_ops);
CREATE INDEX code_system_concept_initials ON code_system_concept (initials text_pattern_ops);

-- Lab items (检验项目) with units and default reference ranges; `loinc` where known.
CREATE TABLE lab_item (
  code text PRIMARY KEY,
  name text NOT NULL,
  panel text,
  unit text,
  ref_low numeric,
  ref_high numeric,
  loinc text
);

CREATE TABLE encounter (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  superseded_at timestamptz,
  superseded_by uuid,
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  department_id uuid REFERENCES department(id),
  practitioner_id uuid REFERENCES practitioner(id),
  class text NOT NULL CHECK (class IN ('outpatient','emergency','inpatient')),
  status text NOT NULL DEFAULT 'finished' CHECK (status IN ('planned','in-progress','finished','cancelled','entered-in-error')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  reason text,
  identifier text,
  recorded_by uuid REFERENCES user_account(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entry_id, version),
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);

CREATE TABLE condition (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  superseded_at timestamptz,
  superseded_by uuid,
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  encounter_id uuid,               -- entry_id of the encounter
  practitioner_id uuid REFERENCES practitioner(id),
  code_system text NOT NULL,
  code text NOT NULL,
  display text NOT NULL,
  category text NOT NULL DEFAULT 'encounter-diagnosis' CHECK (category IN ('encounter-diagnosis','problem-list-item')),
  clinical_status text NOT NULL DEFAULT 'active' CHECK (clinical_status IN ('active','recurrence','relapse','inactive','remission','resolved')),
  verification_status text NOT NULL DEFAULT 'confirmed' CHECK (verification_status IN ('unconfirmed','provisional','differential','confirmed','refuted','entered-in-error')),
  is_primary boolean NOT NULL DEFAULT false,
  onset_date date,
  note text,
  identifier text,
  recorded_by uuid REFERENCES user_account(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entry_id, version)
);

CREATE TABLE allergy (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  superseded_at timestamptz,
  superseded_by uuid,
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  substance text NOT NULL,
  category text NOT NULL DEFAULT 'medication' CHECK (category IN ('food','medication','environment','biologic')),
  reaction text,
  severity text CHECK (severity IN ('mild','moderate','severe')),
  criticality text NOT NULL DEFAULT 'unable-to-assess' CHECK (criticality IN ('low','high','unable-to-assess')),
  clinical_status text NOT NULL DEFAULT 'active' CHECK (clinical_status IN ('active','inactive','resolved')),
  verification_status text NOT NULL DEFAULT 'confirmed' CHECK (verification_status IN ('unconfirmed','confirmed','refuted','entered-in-error')),
  identifier text,
  recorded_by uuid REFERENCES user_account(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entry_id, version)
);

CREATE TABLE medication_request (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  superseded_at timestamptz,
  superseded_by uuid,
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  encounter_id uuid,
  practitioner_id uuid REFERENCES practitioner(id),
  drug text NOT NULL,              -- 通用名 and strength, e.g. '苯磺酸氨氯地平片 5mg'
  drug_code text,
  dose text,                       -- '5 mg'
  route text,                      -- '口服'
  frequency text,                  -- 'qd'
  days integer CHECK (days IS NULL OR days BETWEEN 0 AND 3650),
  quantity text,                   -- '28片'
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','on-hold','cancelled','completed','stopped','entered-in-error')),
  authored_at timestamptz NOT NULL,
  note text,
  identifier text,
  recorded_by uuid REFERENCES user_account(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entry_id, version)
);

CREATE TABLE diagnostic_report (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  superseded_at timestamptz,
  superseded_by uuid,
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  encounter_id uuid,
  practitioner_id uuid REFERENCES practitioner(id),
  category text NOT NULL CHECK (category IN ('lab','imaging','ecg','ultrasound','endoscopy','pathology','other')),
  code text,
  name text NOT NULL,              -- '血常规', '胸部CT平扫'
  modality text,                   -- DICOM modality for imaging: CT, MR, DX, US …
  findings text,                   -- 检查所见
  conclusion text,                 -- 诊断意见 / 结论
  status text NOT NULL DEFAULT 'final' CHECK (status IN ('registered','partial','preliminary','final','amended','corrected','cancelled','entered-in-error')),
  issued_at timestamptz NOT NULL,
  identifier text,
  recorded_by uuid REFERENCES user_account(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entry_id, version)
);

CREATE TABLE observation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  superseded_at timestamptz,
  superseded_by uuid,
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid REFERENCES institution(id),  -- null for home monitoring without an institution
  encounter_id uuid,
  report_id uuid,                  -- entry_id of the diagnostic report it belongs to
  category text NOT NULL CHECK (category IN ('laboratory','vital-signs','home-monitoring','exam')),
  code text NOT NULL,              -- lab_item.code or a LOINC vital-sign code
  name text NOT NULL,
  value_num numeric,
  value_text text,
  unit text,
  ref_low numeric,
  ref_high numeric,
  ref_text text,
  flag text CHECK (flag IN ('N','H','L','HH','LL','A')),
  effective_at timestamptz NOT NULL,
  device text,                     -- home monitoring: '家用血压计'
  status text NOT NULL DEFAULT 'final' CHECK (status IN ('registered','preliminary','final','amended','corrected','cancelled','entered-in-error')),
  identifier text,
  recorded_by uuid REFERENCES user_account(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entry_id, version),
  CHECK (value_num IS NOT NULL OR value_text IS NOT NULL)
);

CREATE TABLE document (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id uuid NOT NULL,
  version integer NOT NULL DEFAULT 1,
  superseded_at timestamptz,
  superseded_by uuid,
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  encounter_id uuid,
  practitioner_id uuid REFERENCES practitioner(id),
  kind text NOT NULL CHECK (kind IN ('discharge_summary','referral_letter','consultation_opinion','consent_form','scanned','outpatient_record','other')),
  title text NOT NULL,
  text text,
  authored_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'current' CHECK (status IN ('current','entered-in-error')),
  identifier text,
  recorded_by uuid REFERENCES user_account(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entry_id, version)
);

-- Attachments of a document version: files in the encrypted, content-addressed store.
CREATE TABLE document_attachment (
  document_id uuid NOT NULL REFERENCES document(id),
  position integer NOT NULL,
  file_sha256 text NOT NULL,
  name text NOT NULL,
  content_type text NOT NULL,
  size bigint NOT NULL,
  PRIMARY KEY (document_id, position)
);

-- Indexes: per patient, current versions, by time (the timeline); per source identifier (imports).
CREATE INDEX encounter_patient ON encounter (patient_id, started_at DESC) WHERE superseded_at IS NULL;
CREATE INDEX condition_patient ON condition (patient_id, recorded_at DESC) WHERE superseded_at IS NULL;
CREATE INDEX allergy_patient ON allergy (patient_id) WHERE superseded_at IS NULL;
CREATE INDEX medication_request_patient ON medication_request (patient_id, authored_at DESC) WHERE superseded_at IS NULL;
CREATE INDEX diagnostic_report_patient ON diagnostic_report (patient_id, issued_at DESC) WHERE superseded_at IS NULL;
CREATE INDEX observation_patient ON observation (patient_id, effective_at DESC) WHERE superseded_at IS NULL;
CREATE INDEX observation_patient_code ON observation (patient_id, code, effective_at) WHERE superseded_at IS NULL;
CREATE INDEX document_patient ON document (patient_id, authored_at DESC) WHERE superseded_at IS NULL;
CREATE UNIQUE INDEX encounter_identifier ON encounter (institution_id, identifier) WHERE identifier IS NOT NULL AND superseded_at IS NULL;
CREATE UNIQUE INDEX condition_identifier ON condition (institution_id, identifier) WHERE identifier IS NOT NULL AND superseded_at IS NULL;
CREATE UNIQUE INDEX allergy_identifier ON allergy (institution_id, identifier) WHERE identifier IS NOT NULL AND superseded_at IS NULL;
CREATE UNIQUE INDEX medication_request_identifier ON medication_request (institution_id, identifier) WHERE identifier IS NOT NULL AND superseded_at IS NULL;
CREATE UNIQUE INDEX diagnostic_report_identifier ON diagnostic_report (institution_id, identifier) WHERE identifier IS NOT NULL AND superseded_at IS NULL;
CREATE UNIQUE INDEX observation_identifier ON observation (institution_id, identifier) WHERE identifier IS NOT NULL AND superseded_at IS NULL;
CREATE UNIQUE INDEX document_identifier ON document (institution_id, identifier) WHERE identifier IS NOT NULL AND superseded_at IS NULL;
CREATE INDEX encounter_entry ON encounter (entry_id);
CREATE INDEX condition_entry ON condition (entry_id);
CREATE INDEX allergy_entry ON allergy (entry_id);
CREATE INDEX medication_request_entry ON medication_request (entry_id);
CREATE INDEX diagnostic_report_entry ON diagnostic_report (entry_id);
CREATE INDEX observation_entry ON observation (entry_id);
CREATE INDEX document_entry ON document (entry_id);

-- Versions are never deleted, and only the supersession columns of a version may ever change (once).
CREATE FUNCTION record_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME; END IF;
  IF OLD.superseded_at IS NOT NULL THEN RAISE EXCEPTION 'a superseded version of % is final', TG_TABLE_NAME; END IF;
  IF (to_jsonb(NEW) - 'superseded_at' - 'superseded_by') <> (to_jsonb(OLD) - 'superseded_at' - 'superseded_by') THEN
    RAISE EXCEPTION 'a version of % is never changed: write a new version', TG_TABLE_NAME;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER encounter_versions BEFORE UPDATE OR DELETE ON encounter FOR EACH ROW EXECUTE FUNCTION record_version_guard();
CREATE TRIGGER condition_versions BEFORE UPDATE OR DELETE ON condition FOR EACH ROW EXECUTE FUNCTION record_version_guard();
CREATE TRIGGER allergy_versions BEFORE UPDATE OR DELETE ON allergy FOR EACH ROW EXECUTE FUNCTION record_version_guard();
CREATE TRIGGER medication_request_versions BEFORE UPDATE OR DELETE ON medication_request FOR EACH ROW EXECUTE FUNCTION record_version_guard();
CREATE TRIGGER diagnostic_report_versions BEFORE UPDATE OR DELETE ON diagnostic_report FOR EACH ROW EXECUTE FUNCTION record_version_guard();
CREATE TRIGGER observation_versions BEFORE UPDATE OR DELETE ON observation FOR EACH ROW EXECUTE FUNCTION record_version_guard();
CREATE TRIGGER document_versions BEFORE UPDATE OR DELETE ON document FOR EACH ROW EXECUTE FUNCTION record_version_guard();

-- Care relationships that are not visible in the record itself (a referral, a consultation, a family-doctor
-- contract): the workflows that create them insert a row here. Encounters and appointments at an institution count
-- without a row (see record/access.ts).
CREATE TABLE care_relation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  kind text NOT NULL CHECK (kind IN ('referral','consultation','contract','treatment')),
  source_id uuid,
  starts_at timestamptz NOT NULL DEFAULT now(),
  ends_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX care_relation_patient ON care_relation (patient_id, institution_id);

-- The patient's consent to share their record with institutions (all consortium members when `institution_ids` is
-- null), for some kinds of entries (all when `scope` is null), for a period; revocable.
CREATE TABLE record_consent (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_ids uuid[],
  scope text[],
  starts_at timestamptz NOT NULL DEFAULT now(),
  ends_at timestamptz,
  signed_by text NOT NULL,         -- '本人', or the next of kin's name and relation
  document_id uuid,                -- entry_id of the signed consent form, if scanned
  recorded_by uuid NOT NULL REFERENCES user_account(id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_by uuid REFERENCES user_account(id),
  revoke_reason text,
  CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX record_consent_patient ON record_consent (patient_id);

-- Break-glass (紧急访问): a practitioner without care relationship or consent reads a record in an emergency, with
-- a mandatory reason; access lasts until `expires_at`, and every such grant is on the admin report.
CREATE TABLE break_glass (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES user_account(id),
  institution_id uuid REFERENCES institution(id),
  patient_id uuid NOT NULL REFERENCES patient(id),
  reason text NOT NULL CHECK (length(trim(reason)) >= 4),
  granted_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  reviewed_at timestamptz,
  reviewed_by uuid REFERENCES user_account(id),
  review_note text
);
CREATE INDEX break_glass_user_patient ON break_glass (user_id, patient_id, expires_at);
CREATE INDEX break_glass_granted ON break_glass (granted_at DESC);

-- OAuth 2.0 client credentials (SMART backend services style): each client belongs to one institution and acts
-- with that institution's rights through its service account (a user_account with role system_client).
CREATE TABLE api_client (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  client_id text NOT NULL UNIQUE,
  secret_hash text NOT NULL,
  name text NOT NULL,
  institution_id uuid NOT NULL REFERENCES institution(id),
  user_id uuid NOT NULL REFERENCES user_account(id),
  created_by uuid REFERENCES user_account(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE TABLE oauth_token (
  token_hash text PRIMARY KEY,
  client_id uuid NOT NULL REFERENCES api_client(id),
  issued_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX oauth_token_client ON oauth_token (client_id);
