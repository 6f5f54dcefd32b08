-- Delivery owns deliveries: who receives what, where and when, and how far it has come.
CREATE TABLE deliveries (
    order_id        UUID PRIMARY KEY,
    delivery_id     UUID NOT NULL UNIQUE,
    customer_id     UUID NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'preparing', 'out_for_delivery',
                        'delivered', 'cancelled')),
    -- NULL while delivery only knows the order was cancelled before it heard of the order.
    recipient_name  TEXT,
    recipient_phone TEXT,
    address         TEXT,
    delivery_date   DATE,
    time_window     TEXT,
    card_message    TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_by_day ON deliveries (delivery_date, time_window) WHERE status <> 'cancelled';

CREATE TABLE delivery_history (
    id       BIGSERIAL PRIMARY KEY,
    order_id UUID NOT NULL REFERENCES deliveries (order_id),
    status   TEXT NOT NULL,
    actor    TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
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
