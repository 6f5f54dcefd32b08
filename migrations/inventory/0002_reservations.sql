-- Stock held for orders until they are paid (committed), rejected or cancelled (released), or
-- left unpaid past their expiry (released by the expiry worker).
ALTER TABLE products ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0);
ALTER TABLE products ADD CONSTRAINT reserved_within_stock CHECK (reserved <= on_hand);

CREATE TABLE reservations (
    order_id   UUID PRIMARY KEY,
    status     TEXT NOT NULL CHECK (status IN ('held', 'committed', 'released', 'restored')),
    total_won  BIGINT NOT NULL CHECK (total_won > 0),
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reservations_expiring ON reservations (expires_at) WHERE status = 'held';

CREATE TABLE reservation_lines (
    order_id       UUID NOT NULL REFERENCES reservations (order_id),
    product_id     UUID NOT NULL REFERENCES products (id),
    slug           TEXT NOT NULL,
    name_ko        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    unit_price_won BIGINT NOT NULL CHECK (unit_price_won > 0),
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);

ALTER TABLE stock_movements ADD COLUMN order_id UUID;

-- Every message this context applied, recorded in the same transaction (see messaging::consumer).
CREATE TABLE inbox (
    message_id  UUID PRIMARY KEY,
    kind        TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
