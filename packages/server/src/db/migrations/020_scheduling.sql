-- Appointments and slot sharing (issue 4): bookable resources, 30-minute slots, primary-care quota, appointments.

-- 号源下沉: per institution and slot category, the share of slots reserved for primary institutions and family
-- doctors (floor 20 %) and how long before the visit an unbooked reserved slot returns to the public pool.
CREATE TABLE quota_rule (
  institution_id uuid NOT NULL REFERENCES institution(id),
  category text NOT NULL CHECK (category IN ('general','specialist','expert','exam','bed')),
  primary_share numeric(4,3) NOT NULL CHECK (primary_share >= 0.2 AND primary_share <= 1),
  return_lead_minutes integer NOT NULL CHECK (return_lead_minutes >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (institution_id, category)
);

CREATE TABLE schedule_resource (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  institution_id uuid NOT NULL REFERENCES institution(id),
  department_id uuid REFERENCES department(id),
  kind text NOT NULL CHECK (kind IN ('doctor','exam','bed')),
  practitioner_id uuid REFERENCES practitioner(id),
  name text NOT NULL,
  exam_type text CHECK (exam_type IN ('CT','MRI','PET-CT','US','DR','ECG')),
  ward text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'doctor' OR practitioner_id IS NOT NULL),
  CHECK (kind <> 'exam' OR exam_type IS NOT NULL)
);
CREATE INDEX schedule_resource_institution ON schedule_resource(institution_id);

CREATE TABLE slot (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_id uuid NOT NULL REFERENCES schedule_resource(id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  category text NOT NULL CHECK (category IN ('general','specialist','expert','exam','bed')),
  pool text NOT NULL DEFAULT 'public' CHECK (pool IN ('public','primary','referral')),
  primary_returns_at timestamptz,
  opens_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'free' CHECK (status IN ('free','busy','blocked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  CHECK (extract(epoch FROM starts_at)::bigint % 1800 = 0),
  CHECK (extract(epoch FROM (ends_at - starts_at))::bigint % 1800 = 0),
  UNIQUE (resource_id, starts_at)
);
CREATE INDEX slot_resource_time ON slot(resource_id, starts_at);

CREATE TABLE appointment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slot_id uuid NOT NULL REFERENCES slot(id),
  patient_id uuid NOT NULL REFERENCES patient(id),
  booked_by uuid NOT NULL REFERENCES user_account(id),
  booked_for_institution_id uuid REFERENCES institution(id),
  channel text NOT NULL CHECK (channel IN ('doctor','family_doctor','patient','referral','fhir')),
  status text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked','cancelled','checked_in','no_show','completed')),
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  cancelled_at timestamptz
);
-- A slot holds at most one live appointment, whatever the code does: the last line of defence against overbooking.
CREATE UNIQUE INDEX appointment_one_live_per_slot ON appointment(slot_id) WHERE status IN ('booked','checked_in','completed');
CREATE INDEX appointment_patient ON appointment(patient_id, created_at);

CREATE TABLE appointment_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  appointment_id uuid NOT NULL REFERENCES appointment(id),
  at timestamptz NOT NULL DEFAULT now(),
  user_id uuid REFERENCES user_account(id),
  from_status text,
  to_status text NOT NULL,
  note text
);
CREATE INDEX appointment_event_appointment ON appointment_event(appointment_id, id);

CREATE FUNCTION appointment_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'appointment_event is append-only'; END $$;
CREATE TRIGGER appointment_event_no_change BEFORE UPDATE OR DELETE ON appointment_event
  FOR EACH ROW EXECUTE FUNCTION appointment_event_append_only();
