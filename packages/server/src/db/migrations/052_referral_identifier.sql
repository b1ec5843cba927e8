-- The sending system's own identifier of a referral (a ServiceRequest.identifier other than the referral code, kept
-- as "system|value"): a HIS that posts the same request again finds it (If-None-Exist: identifier=…, or a
-- transaction entry's ifNoneExist) instead of creating a second referral. Unique per sending institution.
ALTER TABLE referral ADD COLUMN source_identifier text;
CREATE UNIQUE INDEX referral_source_identifier ON referral (from_institution_id, source_identifier) WHERE source_identifier IS NOT NULL;
