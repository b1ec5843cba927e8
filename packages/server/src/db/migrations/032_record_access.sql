-- Shared record (issue 3): the care-relationship check asks "any current observation of this patient at this
-- institution?"; observations are the many rows of a record (lab results, home monitoring), so they get an index for it.
CREATE INDEX observation_patient_institution ON observation (patient_id, institution_id) WHERE superseded_at IS NULL;
