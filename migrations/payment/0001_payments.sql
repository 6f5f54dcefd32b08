-- Payment owns charges and refunds. Only the last four digits of a card are ever stored.
CREATE TABLE payments (
    order_id    UUID PRIMARY KEY,
    payment_id  UUID NOT NULL UNIQUE,
    customer_id UUID NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('approved', 'declined', 'cancelled', 'refunded')),
    -- NULL for an order cancelled before it was ever charged.
    amount_won  BIGINT CHECK (amount_won > 0),
    last4       TEXT CHECK (last4 ~ '^[0-9]{4}$'),
    charge_id   TEXT,
    reason      TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX payments_by_customer ON payments (customer_id, created_at DESC);

CREATE TABLE refunds (
    payment_id UUID PRIMARY KEY REFERENCES payments (payment_id),
    order_id   UUID NOT NULL,
    amount_won BIGINT NOT NULL CHECK (amount_won > 0),
    refund_id  TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Charge attempts that got no answer, kept outside the charging transaction (which rolls back
-- on a timeout) so that a processor that never answers ends in a decline, not a loop.
CREATE TABLE charge_attempts (
    order_id UUID PRIMARY KEY,
    attempts INTEGER NOT NULL
);

-- Messages staged in the same transaction as the change they describe (see messaging::outbox).
CREATE TABLE outbox (
    position       BIGSERIAL PRIMARY KEY,
    message_id     UUID NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    correlation_id TEXT,
    traceparent    TEXT,
    body           JSONB NOT NULL,
    published_at   TIMESTAMPTZ
);
CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL;

-- Every message this context applied (see messaging::consumer).
CREATE TABLE inbox (
    message_id  UUID PRIMARY KEY,
    kind        TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
