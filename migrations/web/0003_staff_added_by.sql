-- Staff add staff: each staff account remembers who added it (the account from the shop's
-- configuration has none).
ALTER TABLE accounts ADD COLUMN added_by TEXT;
