-- A call to the card processor is recorded as an intent before it is made, with no transaction
-- open during the call (see payment::domain): 'charging', 'voiding' and 'refunding' are those
-- intents. `ended` says the order ended while a charge was in flight (the void then settles the
-- payment as cancelled rather than declined).
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN
    ('charging', 'approved', 'declined', 'voiding', 'cancelled', 'refunding', 'refunded'));
ALTER TABLE payments ADD COLUMN ended BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX payments_unsettled ON payments (order_id)
    WHERE status IN ('charging', 'voiding', 'refunding');
