-- Patient search that stays fast with a million residents and broad queries (a surname alone, 'zs', 'w').
--
-- Every pinyin / initials variant of an active patient's name gets a row of its own in patient_search_key
-- (单田芳 → dantianfang, dtf, shantianfang, stf). A prefix search is one range scan of one index, which returns
-- the keys in order; results are ordered by the key that matched, so LIMIT stops after a page instead of fetching
-- and sorting every match, and the total is counted from the index alone. (Before, the search OR-ed four LIKEs
-- over name_pinyin / name_initials and read every matching patient.)
-- `prev` is the patient's next smaller key (NULL for the smallest). A patient matching through several keys
-- ('s' finds both shantianfang and stf) is listed once, at its smallest matching key: the row whose prev does not
-- match. Keys are in the "C" collation: byte order, and LIKE 'x%' is a range of a plain btree index.
-- pg_trgm is not needed (it is not in PGlite).
CREATE TABLE patient_search_key (
  patient_id uuid NOT NULL REFERENCES patient(id) ON DELETE CASCADE,
  key text COLLATE "C" NOT NULL,
  prev text COLLATE "C",
  PRIMARY KEY (patient_id, key)
);
CREATE INDEX patient_search_key_key ON patient_search_key (key, patient_id) INCLUDE (prev);

-- The distinct non-empty variants of both columns.
CREATE FUNCTION patient_search_keys(pinyin text, initials text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT k FROM unnest(string_to_array(pinyin, ' ') || string_to_array(initials, ' ')) AS k WHERE k <> ''
$$;

-- Kept by triggers, so that every writer (registration, edits, merge and its undo, the seed, bulk loads, tests)
-- maintains the keys without knowing about them. Inserts are handled once per statement, for bulk loads.
-- Only active patients have keys: merged records are not found.
CREATE FUNCTION patient_search_key_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO patient_search_key (patient_id, key, prev)
    SELECT id, k, lag(k) OVER (PARTITION BY id ORDER BY k)
    FROM (SELECT n.id, k COLLATE "C" AS k FROM new_patient n, patient_search_keys(n.name_pinyin, n.name_initials) AS k
          WHERE n.status = 'active') s;
  RETURN NULL;
END $$;
CREATE TRIGGER patient_search_key_insert AFTER INSERT ON patient
  REFERENCING NEW TABLE AS new_patient FOR EACH STATEMENT EXECUTE FUNCTION patient_search_key_insert();

CREATE FUNCTION patient_search_key_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM patient_search_key WHERE patient_id = OLD.id;
  IF NEW.status = 'active' THEN
    INSERT INTO patient_search_key (patient_id, key, prev)
      SELECT NEW.id, k, lag(k) OVER (ORDER BY k)
      FROM (SELECT k COLLATE "C" AS k FROM patient_search_keys(NEW.name_pinyin, NEW.name_initials) AS k) s;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER patient_search_key_update AFTER UPDATE OF name_pinyin, name_initials, status ON patient FOR EACH ROW
  WHEN (OLD.name_pinyin IS DISTINCT FROM NEW.name_pinyin OR OLD.name_initials IS DISTINCT FROM NEW.name_initials
        OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION patient_search_key_update();

INSERT INTO patient_search_key (patient_id, key, prev)
  SELECT id, k, lag(k) OVER (PARTITION BY id ORDER BY k)
  FROM (SELECT p.id, k COLLATE "C" AS k FROM patient p, patient_search_keys(p.name_pinyin, p.name_initials) AS k
        WHERE p.status = 'active') s;

-- Names in characters, the same way: active patients in byte order of the name, then id.
CREATE INDEX patient_name_active ON patient (name COLLATE "C", id) WHERE status = 'active';

-- Superseded: these served only the search, which now uses the two indexes above.
DROP INDEX patient_name;
DROP INDEX patient_name_pinyin;
DROP INDEX patient_name_initials;
DROP INDEX patient_name_pinyin_alt;
DROP INDEX patient_name_initials_alt;
