-- An unpaid reservation past its time is announced (inventory.reservation_expired) but keeps
-- its stock until the order answers: order.rejected frees it, a payment that won the race
-- sells it. Releasing at once lost stock when a payment was approved at the same moment.
ALTER TABLE reservations ADD COLUMN expiry_announced BOOLEAN NOT NULL DEFAULT false;
DROP INDEX reservations_expiring;
CREATE INDEX reservations_expiring ON reservations (expires_at)
    WHERE status = 'held' AND NOT expiry_announced;
