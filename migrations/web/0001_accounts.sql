-- The web role owns accounts (sessions live in the tower_sessions schema, created by its store).
CREATE TABLE accounts (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    name          TEXT NOT NULL,
    -- Argon2id PHC string; never the password.
    password_hash TEXT NOT NULL,
    staff         BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
