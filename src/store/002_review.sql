-- Reconciliation state of a payment that is not (fully) allocated.
ALTER TABLE payments ADD COLUMN review_reason TEXT;
-- JSON array of candidate invoice numbers.
ALTER TABLE payments ADD COLUMN review_candidates TEXT;
-- Set when a person unmatched the payment: automatic reconciliation leaves it alone.
ALTER TABLE payments ADD COLUMN hold INTEGER NOT NULL DEFAULT 0;
CREATE INDEX allocations_payment ON allocations (payment_id);
