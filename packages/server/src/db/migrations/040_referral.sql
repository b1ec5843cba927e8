-- Two-way referral (issue 6). The state machine lives in packages/core/src/referral.ts; this table holds one
-- referral's current state, the append-only referral_event table its history (who, what, when, from, to, note).

CREATE TABLE referral (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,                 -- 转诊单号, e.g. ZZ202611230001
  public_token text NOT NULL UNIQUE,         -- opaque token of the public status page (QR code on the slip)
  direction text NOT NULL CHECK (direction IN ('up','down')),
  setting text NOT NULL CHECK (setting IN ('outpatient','inpatient')),
  urgency text NOT NULL DEFAULT 'routine' CHECK (urgency IN ('routine','urgent','emergency')),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','submitted','returned','sender_approved','receiver_approved','accepted','arrived','no_show','closed','refused','cancelled')),
  status_since timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  patient_id uuid NOT NULL REFERENCES patient(id),
  from_institution_id uuid NOT NULL REFERENCES institution(id),
  from_department_id uuid REFERENCES department(id),
  from_practitioner_id uuid REFERENCES practitioner(id),
  created_by uuid NOT NULL REFERENCES user_account(id),
  to_institution_id uuid NOT NULL REFERENCES institution(id),
  to_department_id uuid REFERENCES department(id),
  assigned_practitioner_id uuid REFERENCES practitioner(id),
  assigned_user_id uuid REFERENCES user_account(id),
  reason text NOT NULL,                      -- 转诊原因 / 病情摘要
  diagnoses jsonb NOT NULL DEFAULT '[]',     -- [{system, code, display}]
  shared_entries jsonb NOT NULL DEFAULT '[]',-- record excerpts shared: [{kind, id}]
  attachments jsonb NOT NULL DEFAULT '[]',   -- [{sha256, name, contentType, size}] in the file store
  insurance_type text,                       -- key of reimbursement_rule
  appointment_id uuid REFERENCES appointment(id),
  plan text,                                 -- down-referral: rehabilitation plan
  summary text,                              -- closing summary sent back to the sender
  thread_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_patient ON referral (patient_id, created_at DESC);
CREATE INDEX referral_from ON referral (from_institution_id, status);
CREATE INDEX referral_to ON referral (to_institution_id, status);
CREATE INDEX referral_assigned ON referral (assigned_user_id, status);
CREATE INDEX referral_status_since ON referral (status, status_since);

CREATE TABLE referral_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  referral_id uuid NOT NULL REFERENCES referral(id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id uuid REFERENCES user_account(id),
  institution_id uuid REFERENCES institution(id),
  action text NOT NULL,
  from_status text,
  to_status text NOT NULL,
  note text,
  detail jsonb
);
CREATE INDEX referral_event_referral ON referral_event (referral_id, id);
CREATE FUNCTION referral_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'referral_event is append-only'; END $$;
CREATE TRIGGER referral_event_no_change BEFORE UPDATE OR DELETE ON referral_event
  FOR EACH ROW EXECUTE FUNCTION referral_event_append_only();

-- Down-referral follow-up tasks: what the primary doctor checks, and when.
CREATE TABLE referral_task (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  referral_id uuid NOT NULL REFERENCES referral(id),
  patient_id uuid NOT NULL REFERENCES patient(id),
  institution_id uuid NOT NULL REFERENCES institution(id),   -- the primary institution that does it
  title text NOT NULL,
  detail text,
  due_date date NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','cancelled')),
  result text,
  done_at timestamptz,
  done_by uuid REFERENCES user_account(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_task_institution ON referral_task (institution_id, status, due_date);
CREATE INDEX referral_task_referral ON referral_task (referral_id);

-- Time limit per step (hours in a state before it is overdue and escalates to the office).
CREATE TABLE referral_time_limit (
  status text PRIMARY KEY,
  hours integer NOT NULL CHECK (hours BETWEEN 1 AND 24 * 60)
);
INSERT INTO referral_time_limit (status, hours) VALUES ('submitted', 24), ('sender_approved', 24), ('receiver_approved', 24), ('accepted', 168);
-- Overdue escalations already sent (one per referral and state entry).
CREATE TABLE referral_escalation (
  referral_id uuid NOT NULL REFERENCES referral(id),
  status text NOT NULL,
  status_since timestamptz NOT NULL,
  escalated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (referral_id, status, status_since)
);

-- Reimbursement per insurance type and institution level (1/2/3): deductible (起付线, yuan) and rate (报销比例).
CREATE TABLE reimbursement_rule (
  insurance_type text NOT NULL,              -- e.g. 'urban_rural_resident' 城乡居民, 'employee' 职工
  level text NOT NULL CHECK (level IN ('1','2','3')),
  deductible numeric(10,2) NOT NULL CHECK (deductible >= 0),
  rate numeric(4,3) NOT NULL CHECK (rate >= 0 AND rate <= 1),
  label text NOT NULL,
  PRIMARY KEY (insurance_type, level)
);
INSERT INTO reimbursement_rule VALUES
  ('urban_rural_resident', '1', 100, 0.90, '城乡居民医保'), ('urban_rural_resident', '2', 400, 0.80, '城乡居民医保'),
  ('urban_rural_resident', '3', 600, 0.60, '城乡居民医保');

-- Down-referral candidates: diagnoses managed at primary level, and how many days stable before a patient qualifies.
CREATE TABLE down_referral_criterion (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code_prefix text NOT NULL,                 -- ICD-10 prefix, e.g. 'I10', 'E11', 'J44', 'Z50'
  label text NOT NULL,
  stable_days integer NOT NULL DEFAULT 3 CHECK (stable_days BETWEEN 0 AND 365),
  active boolean NOT NULL DEFAULT true
);
INSERT INTO down_referral_criterion (code_prefix, label, stable_days) VALUES
  ('I10', '高血压', 3), ('E11', '2型糖尿病', 3), ('J44', '慢性阻塞性肺疾病（稳定期）', 5), ('Z50', '术后康复', 3),
  ('I63', '脑梗死恢复期', 7), ('I25', '慢性缺血性心脏病', 5);
