-- Several audit hash chains instead of one. A transaction appends its entries, just before it commits, to the first
-- chain whose lock is free, so unrelated commits no longer wait for each other (and PostgreSQL can flush their WAL
-- together). Each chain is hash-linked on its own by (chain, chain_seq); seq stays the log's order across chains,
-- now drawn from a sequence. The entries written before this migration are chain 0, with chain_seq = seq, so their
-- hashes still verify.
ALTER TABLE audit_log ADD COLUMN chain smallint NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN chain_seq bigint;
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE audit_log SET chain_seq = seq;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;
ALTER TABLE audit_log ALTER COLUMN chain_seq SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN chain DROP DEFAULT;
CREATE UNIQUE INDEX audit_log_chain ON audit_log(chain, chain_seq);

CREATE SEQUENCE audit_log_seq OWNED BY audit_log.seq;
SELECT setval('audit_log_seq', COALESCE((SELECT max(seq) FROM audit_log), 0) + 1, false);
ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq');

-- Takes the lock of one of `chains` chains — the first free one from `start` on, or, when all are taken, waits for
-- `start`'s — and returns that chain's last entry (chain_seq 0 and no hash for an empty chain). The lock is held
-- until the transaction ends. A VOLATILE PL/pgSQL function takes a fresh snapshot for each statement, so the read
-- after the lock sees what the previous holder committed.
DROP FUNCTION audit_chain_tail();
CREATE FUNCTION audit_chain_tail(chains int, start int) RETURNS TABLE (chain int, chain_seq bigint, hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  c int := -1;
BEGIN
  FOR i IN 0 .. chains - 1 LOOP
    IF pg_try_advisory_xact_lock(727002, (start + i) % chains) THEN
      c := (start + i) % chains;
      EXIT;
    END IF;
  END LOOP;
  IF c < 0 THEN
    c := start % chains;
    PERFORM pg_advisory_xact_lock(727002, c);
  END IF;
  RETURN QUERY
    SELECT c, COALESCE(t.chain_seq, 0)::bigint, t.hash
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (SELECT b.chain_seq, b.hash FROM audit_log b WHERE b.chain = c ORDER BY b.chain_seq DESC LIMIT 1) AS t ON true;
END $$;
