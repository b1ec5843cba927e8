-- Messaging and notifications (issue 5): encrypted file store index, chat threads and messages, the
-- notification centre with its outbound queue, and the per-person event log that the WebSocket replays.

-- Contact addresses for outbound notifications (e-mail, SMS); optional.
ALTER TABLE user_account ADD COLUMN email text;
ALTER TABLE user_account ADD COLUMN phone text;

-- One row per stored file, named by the SHA-256 of its plaintext (the bytes on disk are encrypted).
CREATE TABLE file_object (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL CHECK (size >= 0),
  content_type text NOT NULL,
  original_name text,
  created_by uuid NOT NULL REFERENCES user_account(id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Who uploaded a file: the same content uploaded by two people is stored once, and each may read it back.
CREATE TABLE file_upload (
  file_id text NOT NULL REFERENCES file_object(sha256),
  user_id uuid NOT NULL REFERENCES user_account(id),
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (file_id, user_id)
);

CREATE TABLE thread (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('direct','case')),
  case_type text,
  case_id uuid,
  patient_id uuid REFERENCES patient(id),
  title text,
  -- 'userA:userB' (sorted) for a direct thread, so the same two people always get the same thread.
  direct_key text UNIQUE,
  created_by uuid NOT NULL REFERENCES user_account(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz,
  CHECK ((kind = 'direct') = (direct_key IS NOT NULL)),
  CHECK ((kind = 'case') = (case_type IS NOT NULL AND case_id IS NOT NULL)),
  UNIQUE (case_type, case_id)
);
CREATE INDEX thread_patient ON thread(patient_id);

CREATE TABLE thread_participant (
  thread_id uuid NOT NULL REFERENCES thread(id),
  user_id uuid NOT NULL REFERENCES user_account(id),
  joined_at timestamptz NOT NULL DEFAULT now(),
  last_read_message_id bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX thread_participant_user ON thread_participant(user_id);

CREATE TABLE message (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  thread_id uuid NOT NULL REFERENCES thread(id),
  sender_id uuid NOT NULL REFERENCES user_account(id),
  kind text NOT NULL CHECK (kind IN ('text','image','voice','file','system')),
  body text,
  file_id text REFERENCES file_object(sha256),
  reply_to bigint REFERENCES message(id),
  client_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind IN ('text','system') OR file_id IS NOT NULL),
  CHECK (kind NOT IN ('text','system') OR body IS NOT NULL),
  -- A client's retry of the same send (same clientId) finds the first message instead of posting twice.
  UNIQUE (sender_id, client_id)
);
CREATE INDEX message_thread ON message(thread_id, id);
CREATE INDEX message_file ON message(file_id) WHERE file_id IS NOT NULL;

CREATE TABLE notification (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES user_account(id),
  kind text NOT NULL,
  title_zh text NOT NULL,
  title_en text NOT NULL,
  body_zh text,
  body_en text,
  link text,
  case_type text,
  case_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz
);
CREATE INDEX notification_user ON notification(user_id, id);
CREATE INDEX notification_unread ON notification(user_id) WHERE read_at IS NULL;

-- What went out (or would have) through a notifier: e-mail, SMS, WeChat, or only the log.
CREATE TABLE outbound_message (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notification_id bigint REFERENCES notification(id),
  channel text NOT NULL CHECK (channel IN ('email','sms','wechat','log')),
  recipient text NOT NULL,
  subject text,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','recorded','sent','failed')),
  attempts integer NOT NULL DEFAULT 0,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  claimed_at timestamptz,
  sent_at timestamptz
);
CREATE INDEX outbound_message_pending ON outbound_message(created_at) WHERE status IN ('pending','sending');

-- Durable per-person events: the WebSocket pushes them live and replays them after a reconnect. created_at is
-- the insertion time (clock_timestamp, not the transaction start), which bounds how late a lower id can commit.
CREATE TABLE event_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  batch uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX event_log_user ON event_log(user_id, id);
CREATE INDEX event_log_batch ON event_log(batch);
CREATE INDEX event_log_created ON event_log(created_at);
