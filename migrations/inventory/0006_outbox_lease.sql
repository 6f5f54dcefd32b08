-- The relay claims a batch for a while instead of holding a transaction open while RabbitMQ
-- confirms it (see messaging::outbox); a relay that dies holding a claim loses it when it runs out.
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ;
