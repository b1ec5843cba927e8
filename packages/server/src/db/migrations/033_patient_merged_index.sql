-- The records merged into a patient, found from the survivor (the shared record shows their entries too).
CREATE INDEX patient_merged_into ON patient (merged_into) WHERE merged_into IS NOT NULL;
