-- Up Migration

-- Relative circuits (ADR 0009): a flag may trip only when its on-arm fails worse than its off-arm
-- (the control) by a margin in percentage points. Existing flags stay absolute.
ALTER TABLE flags
  ADD COLUMN circuit_mode text NOT NULL DEFAULT 'absolute'
    CHECK (circuit_mode IN ('absolute', 'relative')),
  ADD COLUMN relative_margin_points numeric(5, 2) NOT NULL DEFAULT 10
    CHECK (relative_margin_points > 0 AND relative_margin_points <= 100);

-- Down Migration
ALTER TABLE flags DROP COLUMN relative_margin_points, DROP COLUMN circuit_mode;
