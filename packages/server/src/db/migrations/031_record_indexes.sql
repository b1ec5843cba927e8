-- Shared record (issue 3): the observations of a report (the timeline summarises each report with its results).
CREATE INDEX observation_report ON observation (report_id) WHERE report_id IS NOT NULL AND superseded_at IS NULL;
