-- Up Migration

-- Flag versions come from one global sequence: every change to any flag takes the next value.
-- So a flag's version only ever grows, and a flag deleted and re-created under the same key
-- still gets versions above every version its predecessor published (SDKs and the relay drop
-- entries whose version is not newer than what they hold).
CREATE SEQUENCE flag_version_seq;

CREATE TABLE apps (
  id          bigserial PRIMARY KEY,
  title       text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE flags (
  id                            bigserial PRIMARY KEY,
  app_id                        bigint      NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  key                           text        NOT NULL CHECK (key ~ '^[A-Za-z0-9_-]{1,64}$'),
  title                         text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description                   text        NOT NULL DEFAULT '',
  active                        boolean     NOT NULL DEFAULT false,
  rollout_percentage            numeric(4, 1) NOT NULL DEFAULT 100 CHECK (rollout_percentage BETWEEN 0 AND 100),
  whitelist                     text[]      NOT NULL DEFAULT '{}',
  salt                          text        NOT NULL,
  -- circuit settings (defaults mirror DEFAULT_CIRCUIT_SETTINGS in @tailslide/contracts)
  circuit_enabled               boolean     NOT NULL DEFAULT true,
  error_threshold_percentage    numeric(5, 2) NOT NULL DEFAULT 50 CHECK (error_threshold_percentage BETWEEN 0 AND 100),
  minimum_requests              integer     NOT NULL DEFAULT 20 CHECK (minimum_requests >= 1),
  window_ms                     integer     NOT NULL DEFAULT 30000 CHECK (window_ms >= 1000),
  recovery_delay_ms             integer     NOT NULL DEFAULT 30000 CHECK (recovery_delay_ms >= 0),
  recovery_profile              text        NOT NULL DEFAULT 'linear' CHECK (recovery_profile IN ('linear', 'exponential')),
  initial_recovery_percentage   numeric(5, 2) NOT NULL DEFAULT 10 CHECK (initial_recovery_percentage > 0 AND initial_recovery_percentage <= 100),
  recovery_increment_percentage numeric(6, 2) NOT NULL DEFAULT 10 CHECK (recovery_increment_percentage > 0 AND recovery_increment_percentage <= 1000),
  recovery_step_ms              integer     NOT NULL DEFAULT 30000 CHECK (recovery_step_ms >= 1000),
  slow_call_ms                  integer     NULL CHECK (slow_call_ms IS NULL OR slow_call_ms >= 1),
  -- circuit state, driven by Airbag's events and manual toggles
  circuit_state                 text        NOT NULL DEFAULT 'closed' CHECK (circuit_state IN ('closed', 'open', 'recovering')),
  recovery_percentage           numeric(5, 2) NOT NULL DEFAULT 100 CHECK (recovery_percentage BETWEEN 0 AND 100),
  circuit_changed_at            timestamptz NOT NULL DEFAULT now(),
  version                       bigint      NOT NULL DEFAULT nextval('flag_version_seq'),
  created_at                    timestamptz NOT NULL DEFAULT now(),
  updated_at                    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, key)
);

-- Append-only: no UPDATE or DELETE (enforced by a trigger). app_id / flag_key are plain
-- values, not foreign keys, so the history of a deleted app or flag survives it.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text        NOT NULL,
  action      text        NOT NULL,
  entity_type text        NOT NULL CHECK (entity_type IN ('app', 'flag', 'sdk_key', 'webhook', 'user')),
  entity_id   text        NOT NULL,
  app_id      bigint      NULL,
  flag_key    text        NULL,
  before      jsonb       NULL,
  after       jsonb       NULL,
  reason      text        NULL,
  request_id  text        NULL
);
CREATE INDEX audit_log_app_idx ON audit_log (app_id, flag_key, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- One row per flag change still to be published to the KV. The relay publishes the flag's
-- current state (not a snapshot), so rows only say "this key changed".
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  app_id      bigint      NOT NULL,
  flag_key    text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Ids of circuit events already handled, so a redelivery is applied once.
CREATE TABLE applied_circuit_events (
  event_id    text PRIMARY KEY,
  app_id      bigint      NOT NULL,
  flag_key    text        NOT NULL,
  outcome     text        NOT NULL CHECK (outcome IN ('applied', 'stale', 'unknown_flag', 'invalid_transition')),
  applied_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sdk_keys (
  id          bigserial PRIMARY KEY,
  name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  prefix      text        NOT NULL,
  key_hash    text        NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz NULL
);

CREATE TABLE webhooks (
  id          bigserial PRIMARY KEY,
  name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  url         text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE flag_alert_webhooks (
  flag_id     bigint NOT NULL REFERENCES flags (id) ON DELETE CASCADE,
  webhook_id  bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  PRIMARY KEY (flag_id, webhook_id)
);
CREATE INDEX flag_alert_webhooks_webhook_idx ON flag_alert_webhooks (webhook_id);

-- Alert deliveries are queued in the transaction that applies the circuit event and sent
-- afterwards, so a slow or failing webhook never delays the flag change.
CREATE TABLE alert_deliveries (
  id                bigserial PRIMARY KEY,
  webhook_id        bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id          text        NOT NULL,
  event_type        text        NOT NULL,
  app_id            bigint      NOT NULL,
  flag_key          text        NOT NULL,
  payload           jsonb       NOT NULL,
  status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts          integer     NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  last_status_code  integer     NULL,
  last_error        text        NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  completed_at      timestamptz NULL,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at) WHERE status = 'pending';

-- Down Migration
DROP TABLE alert_deliveries;
DROP TABLE flag_alert_webhooks;
DROP TABLE webhooks;
DROP TABLE sdk_keys;
DROP TABLE applied_circuit_events;
DROP TABLE outbox;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION audit_log_is_append_only();
DROP TABLE audit_log;
DROP TABLE flags;
DROP TABLE apps;
DROP SEQUENCE flag_version_seq;
