-- Remote consultation (issue 7). The state machine lives in packages/core/src/consultation.ts; `consultation` holds
-- one request's current state, the append-only `consultation_event` its history (who, what, when, from, to, note).

CREATE TABLE consultation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,                 -- 会诊单号, e.g. HZ202611230001
  kind text NOT NULL CHECK (kind IN ('routine','urgent','mdt','material')),
  material_type text CHECK (material_type IN ('imaging','pathology','ecg')),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','submitted','dept_approved','returned','received','supplementing','accepted','inviting','scheduled','answered','closed','cancelled','expired')),
  status_since timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  patient_id uuid NOT NULL REFERENCES patient(id),
  -- The applicant side: the attending doctor's institution and department.
  from_institution_id uuid NOT NULL REFERENCES institution(id),
  from_department_id uuid REFERENCES department(id),
  from_practitioner_id uuid REFERENCES practitioner(id),
  created_by uuid NOT NULL REFERENCES user_account(id),
  -- The institution whose consultation centre handles it (typically the consortium's lead hospital).
  centre_institution_id uuid NOT NULL REFERENCES institution(id),
  requested_specialty text,                  -- 申请会诊科室/专业, e.g. '心血管内科'
  requested_expert_ids uuid[] NOT NULL DEFAULT '{}', -- practitioners the applicant asks for (the centre decides)
  purpose text NOT NULL,                     -- 会诊目的
  summary text NOT NULL,                     -- 病情摘要 (history, findings so far)
  diagnoses jsonb NOT NULL DEFAULT '[]',     -- preliminary diagnoses [{system, code, display}]
  shared_entries jsonb NOT NULL DEFAULT '[]',-- record excerpts shared with the centre and experts: [{kind, id}]
  attachments jsonb NOT NULL DEFAULT '[]',   -- [{sha256, name, contentType, size}] in the file store
  urgent_reason text,                        -- why an urgent request skips the department head and office
  supplements_requested jsonb NOT NULL DEFAULT '[]', -- the centre's list of what is missing (strings)
  scheduled_at timestamptz,                  -- the agreed (or proposed, while inviting) time
  duration_minutes integer NOT NULL DEFAULT 60 CHECK (duration_minutes BETWEEN 10 AND 480),
  received_at timestamptz,                   -- first time it reached the centre: the answer clock starts here
  due_at timestamptz,                        -- received_at + the kind's time limit
  answered_at timestamptz,                   -- opinions forwarded to the applicant
  rating integer CHECK (rating BETWEEN 1 AND 5),
  rating_comment text,
  cancel_reason text,
  thread_id uuid,
  quick_consult_id uuid,                     -- when converted from a quick online consult
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consultation_patient ON consultation (patient_id, created_at DESC);
CREATE INDEX consultation_from ON consultation (from_institution_id, status);
CREATE INDEX consultation_centre ON consultation (centre_institution_id, status);
CREATE INDEX consultation_created_by ON consultation (created_by, status);
CREATE INDEX consultation_due ON consultation (due_at) WHERE answered_at IS NULL;
CREATE INDEX consultation_status_since ON consultation (status, status_since);

-- 知情同意: who signed, relation, when, and the signed form (drawn signature PNG, or a photo/scan) in the file store.
CREATE TABLE consultation_consent (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  consultation_id uuid NOT NULL REFERENCES consultation(id),
  signer_name text NOT NULL,
  relation text NOT NULL CHECK (relation IN ('self','spouse','parent','child','sibling','guardian','other')),
  signed_at timestamptz NOT NULL,
  file_id text NOT NULL REFERENCES file_object(sha256),
  method text NOT NULL CHECK (method IN ('drawn','scan')),
  recorded_by uuid NOT NULL REFERENCES user_account(id),
  document_id uuid,                          -- the consent form in the shared record
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consultation_consent_consultation ON consultation_consent (consultation_id);

-- An invited expert: one row per consultation and practitioner; the reply and who they are as a user.
CREATE TABLE consultation_expert (
  consultation_id uuid NOT NULL REFERENCES consultation(id),
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  user_id uuid NOT NULL REFERENCES user_account(id),
  institution_id uuid NOT NULL REFERENCES institution(id),
  status text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited','accepted','declined','withdrawn')),
  invited_at timestamptz NOT NULL DEFAULT now(),
  replied_at timestamptz,
  reply_note text,
  PRIMARY KEY (consultation_id, practitioner_id)
);
CREATE INDEX consultation_expert_user ON consultation_expert (user_id, status);

-- 会诊意见: versioned and signed. A signed version is locked (trigger); a correction is a new version superseding it.
CREATE TABLE consultation_opinion (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  consultation_id uuid NOT NULL REFERENCES consultation(id),
  practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  user_id uuid NOT NULL REFERENCES user_account(id),
  version integer NOT NULL DEFAULT 1,
  findings text NOT NULL,                    -- 会诊所见
  diagnoses jsonb NOT NULL DEFAULT '[]',     -- [{system, code, display}] ICD-10
  recommendations text NOT NULL,             -- 诊疗建议
  refer boolean NOT NULL DEFAULT false,      -- 是否建议转诊
  refer_institution_id uuid REFERENCES institution(id),
  refer_department_id uuid REFERENCES department(id),
  refer_note text,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','signed','superseded')),
  signed_at timestamptz,
  signature_hash text,                       -- sha256 of the signed content (canonical JSON), shown on the report
  signature_file_id text REFERENCES file_object(sha256), -- optional drawn signature image
  supersedes uuid REFERENCES consultation_opinion(id),
  document_id uuid,                          -- the opinion in the shared record
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (consultation_id, practitioner_id, version)
);
CREATE INDEX consultation_opinion_consultation ON consultation_opinion (consultation_id, practitioner_id, version DESC);
-- One draft at most per expert and consultation.
CREATE UNIQUE INDEX consultation_opinion_one_draft ON consultation_opinion (consultation_id, practitioner_id) WHERE status = 'draft';
CREATE FUNCTION consultation_opinion_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN RAISE EXCEPTION 'a signed consultation opinion cannot be deleted'; END IF;
    RETURN OLD;
  END IF;
  -- A signed version changes only to 'superseded' (when its correction is signed); nothing else of it changes.
  IF OLD.status = 'signed' AND NOT (NEW.status = 'superseded' AND (to_jsonb(NEW) - 'status' - 'updated_at') = (to_jsonb(OLD) - 'status' - 'updated_at')) THEN
    RAISE EXCEPTION 'a signed consultation opinion is locked';
  END IF;
  IF OLD.status = 'superseded' THEN RAISE EXCEPTION 'a superseded consultation opinion is locked'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER consultation_opinion_lock BEFORE UPDATE OR DELETE ON consultation_opinion
  FOR EACH ROW EXECUTE FUNCTION consultation_opinion_locked();

CREATE TABLE consultation_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  consultation_id uuid NOT NULL REFERENCES consultation(id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id uuid REFERENCES user_account(id),
  institution_id uuid REFERENCES institution(id),
  action text NOT NULL,                      -- a state-machine action, or 'create', 'update', 'consent', 'opinion_sign',
                                             -- 'room_join', 'room_leave', 'escalate', 'expire' …
  from_status text,
  to_status text NOT NULL,
  note text,
  detail jsonb
);
CREATE INDEX consultation_event_consultation ON consultation_event (consultation_id, id);
CREATE FUNCTION consultation_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'consultation_event is append-only'; END $$;
CREATE TRIGGER consultation_event_no_change BEFORE UPDATE OR DELETE ON consultation_event
  FOR EACH ROW EXECUTE FUNCTION consultation_event_append_only();

-- Time to answer per kind (minutes from reaching the centre to the opinions forwarded); configurable.
CREATE TABLE consultation_time_limit (
  kind text PRIMARY KEY CHECK (kind IN ('routine','urgent','mdt','material')),
  minutes integer NOT NULL CHECK (minutes BETWEEN 5 AND 60 * 24 * 30)
);
INSERT INTO consultation_time_limit (kind, minutes) VALUES ('urgent', 30), ('routine', 2880), ('mdt', 2880), ('material', 2880);
-- Overdue escalations already sent (one per consultation and due time).
CREATE TABLE consultation_escalation (
  consultation_id uuid NOT NULL REFERENCES consultation(id),
  due_at timestamptz NOT NULL,
  escalated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consultation_id, due_at)
);

-- 移动问诊: a doctor asks an expert directly in a chat-style case (the chat is a case thread, kind 'quick_consult').
CREATE TABLE quick_consult (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,                 -- e.g. WZ202611230001
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','answered','converted','closed')),
  status_since timestamptz NOT NULL DEFAULT now(),
  asker_user_id uuid NOT NULL REFERENCES user_account(id),
  asker_institution_id uuid NOT NULL REFERENCES institution(id),
  expert_practitioner_id uuid NOT NULL REFERENCES practitioner(id),
  expert_user_id uuid NOT NULL REFERENCES user_account(id),
  patient_id uuid REFERENCES patient(id),
  subject text NOT NULL,
  thread_id uuid NOT NULL,
  answered_at timestamptz,
  converted_to_type text CHECK (converted_to_type IN ('consultation','referral')),
  converted_to_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quick_consult_asker ON quick_consult (asker_user_id, status);
CREATE INDEX quick_consult_expert ON quick_consult (expert_user_id, status);

-- Video room: who is in which consultation's room now (a row per socket; the server drops rows of closed sockets).
CREATE TABLE consultation_room_presence (
  consultation_id uuid NOT NULL REFERENCES consultation(id),
  peer_id text NOT NULL,                     -- random per join (one user may rejoin from another tab)
  user_id uuid NOT NULL REFERENCES user_account(id),
  joined_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consultation_id, peer_id)
);
