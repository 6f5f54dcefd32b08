-- Inventory owns the catalog: products, their price and stock, and an audit of every stock change.
CREATE TABLE products (
    id             UUID PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name_ko        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_ko TEXT NOT NULL,
    description_en TEXT NOT NULL,
    price_won      BIGINT NOT NULL CHECK (price_won > 0),
    on_hand        INTEGER NOT NULL CHECK (on_hand >= 0),
    picture        TEXT NOT NULL,
    -- Grows by one with every change; consumers of ProductChanged keep the highest.
    revision       BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE stock_movements (
    id            BIGSERIAL PRIMARY KEY,
    product_id    UUID NOT NULL REFERENCES products (id),
    delta         INTEGER NOT NULL,
    on_hand_after INTEGER NOT NULL CHECK (on_hand_after >= 0),
    reason        TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX stock_movements_by_product ON stock_movements (product_id, at);

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
