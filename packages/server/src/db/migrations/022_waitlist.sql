-- 候补: patients waiting for a slot of a resource within a time window. When a slot of the resource is freed
-- (cancel, reschedule) it is booked automatically for the first waiting patient whose window covers it.
CREATE TABLE waitlist_entry (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  resource_id uuid NOT NULL REFERENCES schedule_resource(id),
  patient_id uuid NOT NULL REFERENCES patient(id),
  added_by uuid NOT NULL REFERENCES user_account(id),
  added_for_institution_id uuid REFERENCES institution(id),
  channel text NOT NULL CHECK (channel IN ('doctor','family_doctor','patient','referral','fhir')),
  earliest timestamptz,
  latest timestamptz,
  status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','booked','cancelled')),
  appointment_id uuid REFERENCES appointment(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (latest IS NULL OR earliest IS NULL OR latest > earliest)
);
CREATE UNIQUE INDEX waitlist_one_per_patient ON waitlist_entry(resource_id, patient_id) WHERE status = 'waiting';
CREATE INDEX waitlist_queue ON waitlist_entry(resource_id, created_at) WHERE status = 'waiting';
