-- Issue 19: storing the matches of a year's statement. Every index on allocations is written by
-- every match. This one repeated the first column of UNIQUE (payment_id, invoice_id), which
-- answers every lookup by payment as well.
DROP INDEX IF EXISTS allocations_payment;
-- An INSERT that fires a trigger writes two tables in one statement, so SQLite keeps a
-- statement journal for it: a copy of every page it touches, a third of the cost of a match.
-- `Tx::insert_allocation`, the one writer of allocations, now updates the invoice's figures
-- itself in the same transaction (the same expressions as this trigger had). Deleting or
-- changing an allocation is rare and keeps its triggers.
DROP TRIGGER IF EXISTS allocations_paid_insert;
