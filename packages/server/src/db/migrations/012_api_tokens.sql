-- API tokens for system clients (an interface engine, a device gateway): issued by an admin for one account, sent
-- as `Authorization: Bearer <token>`; the client acts as that account (its roles and institution). Only the
-- SHA-256 of the token is stored.
CREATE TABLE api_token (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES user_account(id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_by uuid NOT NULL REFERENCES user_account(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_token_user ON api_token(user_id);
