-- A member of staff removed by a colleague: the account stays (its name is in histories) but
-- can no longer sign in, and every session it had ends (the generation moves on).
ALTER TABLE accounts ADD COLUMN removed_at TIMESTAMPTZ, ADD COLUMN removed_by TEXT;
