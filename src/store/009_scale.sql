-- Issue 19: the store at a million payments. Every listing, the dunning snapshot and the matcher
-- read what was paid on each invoice; joining each allocation to its payment for the booking day
-- and for whether it was recorded by hand made them random reads over the whole payments table
-- (8.7 s for 100k invoices with 900k allocations). Both facts are fixed once the payment exists,
-- so the allocation carries them and one covering index answers by invoice.
ALTER TABLE allocations ADD COLUMN booking_date TEXT;
ALTER TABLE allocations ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;
UPDATE allocations SET
    booking_date = (SELECT p.booking_date FROM payments p WHERE p.id = allocations.payment_id),
    manual = COALESCE((SELECT r.profile = 'manual' FROM payments p JOIN reports r ON r.id = p.source_report_id
                       WHERE p.id = allocations.payment_id), 0);
DROP INDEX IF EXISTS allocations_invoice;
CREATE INDEX allocations_by_invoice ON allocations (invoice_id, booking_date, amount_minor, manual, payment_id);
-- Payments waiting for a person: few among many, read by every dunning round and listing.
CREATE INDEX payments_in_review ON payments (id) WHERE review_reason IS NOT NULL;
-- The newest booking day a statement holds, for the dunning's "how fresh is the bank data"
-- without reading every payment.
ALTER TABLE reports ADD COLUMN newest_booking TEXT;
UPDATE reports SET newest_booking =
    (SELECT MAX(p.booking_date) FROM payments p WHERE p.source_report_id = reports.id)
 WHERE kind = 'statement';
-- Small facts the store keeps about itself (what reconciliation last saw).
CREATE TABLE store_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Payments a person holds: few, counted by every reconciliation's look at what changed.
CREATE INDEX payments_held ON payments (id) WHERE hold = 1;
