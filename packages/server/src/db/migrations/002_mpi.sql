-- Master patient index (患者主索引): search indexes and what an undoable merge needs to remember.

-- name_pinyin / name_initials hold one or two space-separated variants (surname mode, plain mode: 'stf dtf').
-- The first variant is served by the foundation's text_pattern_ops indexes; these serve the second, so a
-- prefix search is two index range scans instead of a '% q%' scan of the whole table (pg_trgm is not in PGlite).
CREATE INDEX patient_name_pinyin_alt ON patient (split_part(name_pinyin, ' ', 2) text_pattern_ops);
CREATE INDEX patient_name_initials_alt ON patient (split_part(name_initials, ' ', 2) text_pattern_ops);

-- Search by a local patient number (门诊号/住院号/就诊卡号) of any institution.
CREATE INDEX patient_identifier_value ON patient_identifier (value);

CREATE INDEX patient_merge_survivor ON patient_merge (survivor_id);
CREATE INDEX patient_merge_merged ON patient_merge (merged_id);

-- The merged record's state before the merge (its resident ID may move to the survivor), and the user accounts
-- (patient role) that were pointed from the merged record to the survivor; both are put back by an undo.
ALTER TABLE patient_merge ADD COLUMN merged_before jsonb;
ALTER TABLE patient_merge ADD COLUMN moved_account_ids uuid[] NOT NULL DEFAULT '{}';
