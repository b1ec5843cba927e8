-- 放号规则: when new slots of an institution and category open for booking — `days_ahead` days before the visit at
-- `at_time` (China Standard Time, never between 22:00 and 06:00); the reserved primary-care pool opens
-- `primary_days_earlier` days before that.
CREATE TABLE release_rule (
  institution_id uuid NOT NULL REFERENCES institution(id),
  category text NOT NULL CHECK (category IN ('general','specialist','expert','exam','bed')),
  days_ahead integer NOT NULL CHECK (days_ahead BETWEEN 0 AND 90),
  at_time time NOT NULL CHECK (at_time >= '06:00' AND at_time <= '22:00'),
  primary_days_earlier integer NOT NULL DEFAULT 0 CHECK (primary_days_earlier BETWEEN 0 AND 60),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (institution_id, category)
);
