-- Restock requests already applied, by the id the client gave them: a retry after a lost reply
-- is recognized and adds nothing twice.
CREATE TABLE restock_requests (
    request_id UUID PRIMARY KEY,
    slug       TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
