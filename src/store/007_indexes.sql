-- The dunning snapshot links a payment waiting for review to a client through the invoice numbers
-- it names: without this index each lookup scanned every invoice (`overdue` and `remind` took
-- 612 s and 646 s on 1M payments and 100k invoices; issue 19).
CREATE INDEX IF NOT EXISTS invoices_number ON invoices (number);
