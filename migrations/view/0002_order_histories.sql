-- orderHistories: each customer's orders with order, payment and delivery status, and a
-- timeline of every step, projected from order.*, payment.* and delivery.* events.
CREATE TABLE order_histories (
    order_id        UUID PRIMARY KEY,
    customer_id     UUID NOT NULL,
    status          TEXT NOT NULL,
    payment_status  TEXT NOT NULL,
    delivery_status TEXT NOT NULL,
    total_won       BIGINT NOT NULL,
    lines           JSONB NOT NULL,
    recipient_name  TEXT NOT NULL,
    address         TEXT NOT NULL,
    delivery_date   DATE NOT NULL,
    time_window     TEXT NOT NULL,
    card_message    TEXT,
    card_last4      TEXT NOT NULL,
    placed_at       TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_histories_by_customer ON order_histories (customer_id, placed_at DESC);

CREATE TABLE order_timeline (
    message_id UUID PRIMARY KEY,
    order_id   UUID NOT NULL REFERENCES order_histories (order_id),
    step       TEXT NOT NULL,
    detail     TEXT,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_timeline_by_order ON order_timeline (order_id, at);
