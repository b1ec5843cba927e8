-- Stored weekly templates (出诊模板), closure days (节假日/停诊日) and links between rebooked appointments (issue 4).

-- One template per resource: weekday → wall-clock start times (China Standard Time), the category of its slots, how
-- many places per day are reserved for referrals (绿色通道), and how far ahead slots are rolled forward automatically.
CREATE TABLE schedule_template (
  resource_id uuid PRIMARY KEY REFERENCES schedule_resource(id),
  category text NOT NULL CHECK (category IN ('general','specialist','expert','exam','bed')),
  weekly jsonb NOT NULL,
  referral_per_day integer NOT NULL DEFAULT 0 CHECK (referral_per_day BETWEEN 0 AND 48),
  horizon_days integer NOT NULL DEFAULT 14 CHECK (horizon_days BETWEEN 1 AND 92),
  -- The last visit date (CST) slots were made for, so the roller continues from there.
  generated_through date,
  updated_by uuid REFERENCES user_account(id),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A day an institution does not see patients: no slots are made, and slots already made that day are stopped.
CREATE TABLE schedule_exception (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  institution_id uuid NOT NULL REFERENCES institution(id),
  date date NOT NULL,
  name text NOT NULL,
  created_by uuid REFERENCES user_account(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (institution_id, date)
);

-- A booking made to replace one cancelled by stop-clinic or rescheduling points at the one it replaces.
ALTER TABLE appointment ADD COLUMN replaces_id uuid REFERENCES appointment(id);
