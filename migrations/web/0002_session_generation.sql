-- Every session remembers the generation of its account it was signed in under; changing the
-- password or signing out everywhere moves the generation on, which ends every older session.
ALTER TABLE accounts ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;
