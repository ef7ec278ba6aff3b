-- A payment's kind was checked with `kind IN ('incoming', ...)`: SQLite codes a CHECK's IN list
-- of five values as a temporary B-tree, opened and filled again for every row inserted (a page
-- zeroed and five inserts; callgrind put it near half of what storing a payment costs beside
-- SQLite's own insert). The same rule as a chain of comparisons is five string compares. SQLite
-- cannot alter a CHECK, so the table is rebuilt with its columns, contents and index as they are.
-- Foreign keys are off while migrations run (see Store::migrate) and checked after.
CREATE TABLE payments_new (
    id                   INTEGER PRIMARY KEY,
    booking_date         TEXT NOT NULL,
    value_date           TEXT,
    amount_minor         INTEGER NOT NULL,
    currency             TEXT NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind = 'incoming' OR kind = 'outgoing' OR kind = 'fee'
                                              OR kind = 'vat_leg' OR kind = 'internal'),
    counterparty_name    TEXT,
    counterparty_address TEXT,
    counterparty_account TEXT,
    account_valid        INTEGER NOT NULL DEFAULT 0,
    title                TEXT NOT NULL,
    tx_type              TEXT,
    bank_ref             TEXT,
    our_account          TEXT,
    source_report_id     INTEGER NOT NULL REFERENCES reports (id),
    source_row           INTEGER NOT NULL,
    -- SHA-256 of the operation's identity and its occurrence number in its statement: the same
    -- operation seen in an overlapping statement has the same fingerprint (see import.rs).
    fingerprint          BLOB NOT NULL UNIQUE,
    created_at           TEXT NOT NULL,
    hold                 INTEGER NOT NULL DEFAULT 0
);
INSERT INTO payments_new (id, booking_date, value_date, amount_minor, currency, kind,
                          counterparty_name, counterparty_address, counterparty_account,
                          account_valid, title, tx_type, bank_ref, our_account, source_report_id,
                          source_row, fingerprint, created_at, hold)
    SELECT id, booking_date, value_date, amount_minor, currency, kind,
           counterparty_name, counterparty_address, counterparty_account,
           account_valid, title, tx_type, bank_ref, our_account, source_report_id,
           source_row, fingerprint, created_at, hold FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
-- Payments a person holds: few, counted by every reconciliation's look at what changed.
CREATE INDEX payments_held ON payments (id) WHERE hold = 1;
