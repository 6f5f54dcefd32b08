-- Every price change, with who made it and why, beside the stock movements: together they are
-- a product's history on the staff inventory page.
CREATE TABLE price_changes (
    id           BIGSERIAL PRIMARY KEY,
    product_id   UUID NOT NULL REFERENCES products (id),
    price_before BIGINT NOT NULL CHECK (price_before > 0),
    price_after  BIGINT NOT NULL CHECK (price_after > 0),
    reason       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX price_changes_by_product ON price_changes (product_id, at);
