-- Up Migration

-- Audit rows store what changed (field, before, after) instead of two whole entities: a flag with
-- a large whitelist made every row of its history megabytes long. Tower computes `changes` (with
-- long values shortened) when it appends; rows written before this migration are converted here
-- to their changed top-level fields, each value over 200 characters replaced by a note.
ALTER TABLE audit_log ADD COLUMN changes jsonb NOT NULL DEFAULT '[]';

ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE audit_log l SET changes = coalesce((
  SELECT jsonb_agg(
           jsonb_build_object(
             'field', k,
             'before', CASE WHEN length(b::text) > 200 THEN to_jsonb('(' || length(b::text) || ' characters, not kept)') ELSE b END,
             'after',  CASE WHEN length(a::text) > 200 THEN to_jsonb('(' || length(a::text) || ' characters, not kept)') ELSE a END)
           ORDER BY k)
  FROM (
    SELECT coalesce(bb.key, aa.key) AS k, bb.value AS b, aa.value AS a
    FROM jsonb_each(CASE WHEN jsonb_typeof(l.before) = 'object' THEN l.before ELSE '{}' END) bb
    FULL OUTER JOIN jsonb_each(CASE WHEN jsonb_typeof(l.after) = 'object' THEN l.after ELSE '{}' END) aa
      ON bb.key = aa.key
  ) d
  WHERE k NOT IN ('version', 'updatedAt') AND d.b IS DISTINCT FROM d.a
), '[]')
WHERE l.before IS NOT NULL OR l.after IS NOT NULL;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;

ALTER TABLE audit_log DROP COLUMN before, DROP COLUMN after;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_entity_type_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_entity_type_check
  CHECK (entity_type IN ('app', 'flag', 'sdk_key', 'webhook', 'user', 'api_token'));

-- Down Migration
ALTER TABLE audit_log DROP CONSTRAINT audit_log_entity_type_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_entity_type_check
  CHECK (entity_type IN ('app', 'flag', 'sdk_key', 'webhook', 'user'));
ALTER TABLE audit_log ADD COLUMN before jsonb NULL, ADD COLUMN after jsonb NULL;
ALTER TABLE audit_log DROP COLUMN changes;
