-- The florist's lookups: an order by its recipient's phone (digits only) or by its short
-- number (the last eight hex digits of its id, as customers see it), a day's deliveries, and
-- a day at a glance from the timeline. Orders projected before this column have no phone.
-- The timeline also keeps which member of staff took a step (sending out, delivering).
ALTER TABLE order_histories ADD COLUMN recipient_phone TEXT;
CREATE INDEX order_histories_by_phone ON order_histories (recipient_phone);
CREATE INDEX order_histories_by_short_number ON order_histories (right(order_id::text, 8));
CREATE INDEX order_histories_by_delivery_date ON order_histories (delivery_date);
CREATE INDEX order_timeline_by_time ON order_timeline (at);
ALTER TABLE order_timeline ADD COLUMN by_staff TEXT;
