-- Foundation: directory, accounts and sessions, master patient index, audit log.

CREATE TABLE institution (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  short_name text,
  level text NOT NULL CHECK (level IN ('3','2','1','0')),
  grade text CHECK (grade IN ('甲','乙','丙')),
  type text NOT NULL,
  region_code text NOT NULL CHECK (region_code ~ '^[0-9]{6}([0-9]{3})?$'),
  address text,
  phone text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consortium (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  kind text NOT NULL,
  lead_institution_id uuid REFERENCES institution(id),
  region_code text,
  description text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consortium_member (
  consortium_id uuid NOT NULL REFERENCES consortium(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consortium_id, institution_id)
);
CREATE INDEX consortium_member_institution ON consortium_member(institution_id);

CREATE TABLE department (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  institution_id uuid NOT NULL REFERENCES institution(id),
  code text,
  name text NOT NULL,
  specialty text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (institution_id, name)
);

CREATE TABLE practitioner (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  name_pinyin text NOT NULL,
  name_initials text NOT NULL,
  sex text NOT NULL CHECK (sex IN ('male','female')),
  title text NOT NULL,
  specialty text,
  phone text,
  license_no text UNIQUE,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- 多点执业: one practitioner may practise at several member institutions.
CREATE TABLE practitioner_role (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  department_id uuid REFERENCES department(id),
  active boolean NOT NULL DEFAULT true,
  UNIQUE (practitioner_id, institution_id)
);
CREATE INDEX practitioner_role_institution ON practitioner_role(institution_id);

-- 专家库: practitioners of 副主任医师 or above.
CREATE TABLE expert (
  practitioner_id uuid PRIMARY KEY REFERENCES practitioner(id),
  specialty text NOT NULL,
  services text[] NOT NULL,
  availability text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE patient (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resident_id text UNIQUE,
  name text NOT NULL,
  name_pinyin text NOT NULL,
  name_initials text NOT NULL,
  sex text NOT NULL CHECK (sex IN ('male','female')),
  birth_date date NOT NULL,
  phone text,
  insurance_card_no text,
  address text,
  region_code text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','merged')),
  merged_into uuid REFERENCES patient(id),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX patient_phone ON patient(phone);
CREATE INDEX patient_name ON patient(name text_pattern_ops);
CREATE INDEX patient_name_pinyin ON patient(name_pinyin text_pattern_ops);
CREATE INDEX patient_name_initials ON patient(name_initials text_pattern_ops);
CREATE INDEX patient_birth ON patient(birth_date, sex);
CREATE INDEX patient_insurance ON patient(insurance_card_no);

-- Local patient numbers (门诊号/住院号/就诊卡号) of each institution, linked to the one patient.
CREATE TABLE patient_identifier (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  kind text NOT NULL DEFAULT 'local_mrn',
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (institution_id, kind, value)
);
CREATE INDEX patient_identifier_patient ON patient_identifier(patient_id);

CREATE TABLE patient_merge (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  survivor_id uuid NOT NULL REFERENCES patient(id),
  merged_id uuid NOT NULL REFERENCES patient(id),
  reason text,
  moved_identifier_ids uuid[] NOT NULL DEFAULT '{}',
  survivor_before jsonb NOT NULL,
  merged_by uuid NOT NULL,
  merged_at timestamptz NOT NULL DEFAULT now(),
  undone_by uuid,
  undone_at timestamptz
);

CREATE TABLE user_account (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  password_hash text NOT NULL,
  practitioner_id uuid REFERENCES practitioner(id),
  patient_id uuid REFERENCES patient(id),
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  totp_secret text,
  totp_enabled boolean NOT NULL DEFAULT false,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_role (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES user_account(id),
  role text NOT NULL,
  institution_id uuid REFERENCES institution(id),
  UNIQUE (user_id, role, institution_id)
);

CREATE TABLE user_session (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES user_account(id),
  active_role_id uuid REFERENCES user_role(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  client_ip text,
  revoked_at timestamptz
);
CREATE INDEX user_session_by_user ON user_session(user_id);

-- Append-only, hash-chained: each entry carries the hash of the one before.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  user_id uuid,
  username text,
  role text,
  institution_id uuid,
  action text NOT NULL,
  object_type text,
  object_id text,
  patient_id uuid,
  client_ip text,
  reason text,
  outcome text NOT NULL DEFAULT 'ok',
  detail jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_user ON audit_log(user_id, at);
CREATE INDEX audit_log_patient ON audit_log(patient_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE idempotency_key (
  key text NOT NULL,
  user_id uuid NOT NULL,
  route text NOT NULL,
  status integer NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
