-- One event row per batch with its recipients, instead of one row per person: a message to a thread of 1,000
-- people writes one row (and 1,000 GIN keys) rather than 1,000 copies of the message. Events are transient
-- delivery records (the REST API holds the truth), so the old rows are not carried over.
DROP TABLE event_log;
CREATE TABLE event_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipients uuid[] NOT NULL CHECK (cardinality(recipients) > 0),
  type text NOT NULL,
  data jsonb NOT NULL,
  batch uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX event_log_recipients ON event_log USING gin (recipients);
CREATE INDEX event_log_batch ON event_log(batch);
CREATE INDEX event_log_created ON event_log(created_at);
