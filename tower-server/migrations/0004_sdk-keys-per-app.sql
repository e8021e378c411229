-- Up Migration

-- SDK keys become per-app credentials enforced by NATS and Redis (ADR 0007). A key names its app,
-- the public key of its NATS user (the JWT itself is in the key string only), its Redis ACL user
-- and sha256(secret) (the Redis password hash Tower re-creates the ACL user from; the secret,
-- which is also the NATS user's nkey seed, is never stored).
ALTER TABLE sdk_keys
  ADD COLUMN app_id          bigint NULL REFERENCES apps (id) ON DELETE SET NULL,
  ADD COLUMN nats_public_key text   NULL UNIQUE,
  ADD COLUMN redis_user      text   NULL UNIQUE,
  ADD COLUMN secret_sha256   text   NULL,
  ADD COLUMN note            text   NULL;

-- Keys from before this migration granted nothing NATS or Redis checked: they cannot be turned
-- into credentials (Tower never had their secret), so they are revoked, with a note saying why.
UPDATE sdk_keys
   SET revoked_at = coalesce(revoked_at, now()),
       note = 'created before SDK keys were enforced; create a new key for an app'
 WHERE nats_public_key IS NULL;

-- Every live key has its app and credentials. A key loses its app only when the app is deleted,
-- and the trigger below revokes it first.
ALTER TABLE sdk_keys ADD CONSTRAINT sdk_keys_live_have_credentials CHECK (
  revoked_at IS NOT NULL
  OR (app_id IS NOT NULL AND nats_public_key IS NOT NULL AND redis_user IS NOT NULL
      AND secret_sha256 IS NOT NULL)
);
CREATE INDEX sdk_keys_app_idx ON sdk_keys (app_id);

CREATE FUNCTION sdk_keys_revoke_with_app() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sdk_keys
     SET revoked_at = coalesce(revoked_at, now()),
         note = coalesce(note, 'app ' || OLD.id || ' (' || OLD.title || ') was deleted')
   WHERE app_id = OLD.id;
  RETURN OLD;
END $$;
CREATE TRIGGER apps_delete_revokes_sdk_keys BEFORE DELETE ON apps
  FOR EACH ROW EXECUTE FUNCTION sdk_keys_revoke_with_app();

-- Down Migration

DROP TRIGGER apps_delete_revokes_sdk_keys ON apps;
DROP FUNCTION sdk_keys_revoke_with_app();
DROP INDEX sdk_keys_app_idx;
ALTER TABLE sdk_keys
  DROP CONSTRAINT sdk_keys_live_have_credentials,
  DROP COLUMN note,
  DROP COLUMN secret_sha256,
  DROP COLUMN redis_user,
  DROP COLUMN nats_public_key,
  DROP COLUMN app_id;
