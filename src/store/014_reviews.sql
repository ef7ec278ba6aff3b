-- Payments waiting for a person, in a table of their own (issue 19). Kept as two columns of
-- payments, each review a reconciliation set or cleared rewrote the payment's page: a year's
-- statement puts a tenth of a million payments in review, one in ten rows, which is nearly every
-- page of the largest table, written once in the transaction and again at the checkpoint. Here
-- a review is a short row of its own.
--
-- The payment's booking day and account are copied (a payment never changes once stored): the
-- review listing pages in booking order, and the dunning links a review to a client by that
-- account, without a lookup into the payments for each of a hundred thousand reviews. Only
-- incoming payments are reviewed; `payments.hold` stays where it is (a person's decision, set
-- rarely, and read by every reconciliation with the rest of the payment).
CREATE TABLE payment_reviews (
    payment_id   INTEGER PRIMARY KEY REFERENCES payments(id) ON DELETE CASCADE,
    booking_date TEXT,
    account      TEXT,
    reason       TEXT NOT NULL,
    candidates   TEXT
);
INSERT INTO payment_reviews (payment_id, booking_date, account, reason, candidates)
    SELECT id, booking_date, counterparty_account, review_reason, review_candidates
      FROM payments WHERE review_reason IS NOT NULL;
CREATE INDEX payment_reviews_by_day ON payment_reviews (booking_date, payment_id);
DROP INDEX IF EXISTS payments_in_review;
ALTER TABLE payments DROP COLUMN review_reason;
ALTER TABLE payments DROP COLUMN review_candidates;
