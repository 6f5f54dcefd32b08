-- Order owns orders: their lines, recipient, delivery request and the history of their status.
CREATE TABLE orders (
    id               UUID PRIMARY KEY,
    customer_id      UUID NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('placed', 'paid', 'preparing',
                         'out_for_delivery', 'delivered', 'rejected', 'cancelled')),
    total_won        BIGINT NOT NULL CHECK (total_won > 0),
    recipient_name   TEXT NOT NULL,
    recipient_phone  TEXT NOT NULL,
    address          TEXT NOT NULL,
    delivery_date    DATE NOT NULL,
    time_window      TEXT NOT NULL CHECK (time_window IN ('morning', 'afternoon', 'evening')),
    card_message     TEXT,
    card_last4       TEXT NOT NULL,
    rejection_reason TEXT,
    placed_at        TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_by_customer ON orders (customer_id, placed_at DESC);

CREATE TABLE order_lines (
    order_id       UUID NOT NULL REFERENCES orders (id),
    product_id     UUID NOT NULL,
    slug           TEXT NOT NULL,
    name_ko        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    unit_price_won BIGINT NOT NULL CHECK (unit_price_won > 0),
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);

CREATE TABLE order_history (
    id       BIGSERIAL PRIMARY KEY,
    order_id UUID NOT NULL REFERENCES orders (id),
    status   TEXT NOT NULL,
    note     TEXT,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX order_history_by_order ON order_history (order_id, id);

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
