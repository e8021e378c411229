-- Up Migration

-- People who sign in. Emails are unique whatever their case; the password hash is argon2id (PHC
-- string, parameters inside, so they can be raised later and old hashes still verify).
CREATE TABLE users (
  id             bigserial PRIMARY KEY,
  email          text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
  password_hash  text        NOT NULL,
  role           text        NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
  disabled       boolean     NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_login_at  timestamptz NULL
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

-- Browser sessions. The cookie holds a 256-bit random secret; only its SHA-256 is stored, so a
-- copy of this table cannot be replayed. A session ends at expires_at (absolute), after the idle
-- timeout since last_seen_at, or when revoked (logout, password change, user disabled).
CREATE TABLE sessions (
  secret_hash   text        PRIMARY KEY,
  user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- API tokens for automation (`Authorization: Bearer tst_…`), stored as SHA-256 of the secret.
-- Revoked tokens are kept (revoked_at) so the audit log's `token:<name>` still names one row.
CREATE TABLE api_tokens (
  id            bigserial PRIMARY KEY,
  name          text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  role          text        NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
  secret_hash   text        NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text        NOT NULL,
  last_used_at  timestamptz NULL,
  revoked_at    timestamptz NULL
);
CREATE UNIQUE INDEX api_tokens_live_name_idx ON api_tokens (name) WHERE revoked_at IS NULL;

-- Failed logins per account and per client address, in fixed windows, shared by every Tower.
CREATE TABLE login_failures (
  key           text        PRIMARY KEY,
  window_start  timestamptz NOT NULL,
  failures      integer     NOT NULL
);

-- Down Migration
DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
