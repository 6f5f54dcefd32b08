-- Order ids that will never be stored: stock was reserved for them but placing the order did
-- not finish (a lost reply, a failed insert), and their reservation ran out or was given up.
-- Placing such an order later is refused, so an order is either stored or abandoned, never both
-- (both sides take the same advisory lock on the order id; see order::store).
CREATE TABLE abandoned_orders (
    order_id UUID PRIMARY KEY,
    reason   TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
