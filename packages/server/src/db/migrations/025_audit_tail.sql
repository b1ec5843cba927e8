-- The audit chain's tail, read under the chain lock in one round trip. A VOLATILE PL/pgSQL function takes a fresh
-- snapshot for each statement, so the SELECT after the lock sees the entry the previous lock holder committed.
CREATE FUNCTION audit_chain_tail() RETURNS TABLE (seq bigint, hash text) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(727002);
  RETURN QUERY SELECT a.seq, a.hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
END $$;
