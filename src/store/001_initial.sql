-- Money is INTEGER minor units (grosze), never REAL. Dates are ISO text (YYYY-MM-DD), timestamps
-- RFC 3339 UTC text.

CREATE TABLE reports (
    id            INTEGER PRIMARY KEY,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    sender        TEXT,
    kind          TEXT CHECK (kind IN ('statement', 'receivables')),
    profile       TEXT,
    received_at   TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('imported', 'refused')),
    detail        TEXT,
    rows_read     INTEGER NOT NULL DEFAULT 0,
    new_count     INTEGER NOT NULL DEFAULT 0,
    known_count   INTEGER NOT NULL DEFAULT 0,
    updated_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_sha256 ON reports (sha256);
-- A file is imported once; a refused one may be tried again (e.g. after adding a profile).
CREATE UNIQUE INDEX reports_imported_once ON reports (sha256) WHERE outcome = 'imported';

CREATE TABLE clients (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    nip             TEXT,
    nip_valid       INTEGER NOT NULL DEFAULT 0,
    language        TEXT NOT NULL DEFAULT 'pl' CHECK (language IN ('pl', 'en')),
    account_manager TEXT,
    paused_until    TEXT,
    notes           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX clients_valid_nip ON clients (nip) WHERE nip_valid = 1;
CREATE INDEX clients_name_key ON clients (name_key);

CREATE TABLE client_accounts (
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    account   TEXT NOT NULL,
    source    TEXT NOT NULL,
    PRIMARY KEY (client_id, account)
);
CREATE INDEX client_accounts_account ON client_accounts (account);

CREATE TABLE client_emails (
    client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    email     TEXT NOT NULL,
    purpose   TEXT NOT NULL DEFAULT 'reminders',
    source    TEXT NOT NULL,
    PRIMARY KEY (client_id, email)
);

CREATE TABLE invoices (
    id                         INTEGER PRIMARY KEY,
    number                     TEXT NOT NULL,
    number_key                 TEXT NOT NULL UNIQUE,
    client_id                  INTEGER NOT NULL REFERENCES clients (id),
    issue_date                 TEXT,
    due_date                   TEXT,
    currency                   TEXT NOT NULL,
    gross_minor                INTEGER NOT NULL,
    reported_outstanding_minor INTEGER,
    source_report_id           INTEGER REFERENCES reports (id),
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL
);
CREATE INDEX invoices_client ON invoices (client_id);

CREATE TABLE payments (
    id                   INTEGER PRIMARY KEY,
    booking_date         TEXT NOT NULL,
    value_date           TEXT,
    amount_minor         INTEGER NOT NULL,
    currency             TEXT NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('incoming', 'outgoing', 'fee', 'vat_leg', 'internal')),
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
    created_at           TEXT NOT NULL
);

CREATE TABLE allocations (
    id           INTEGER PRIMARY KEY,
    payment_id   INTEGER NOT NULL REFERENCES payments (id),
    invoice_id   INTEGER NOT NULL REFERENCES invoices (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    rule         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    UNIQUE (payment_id, invoice_id)
);
CREATE INDEX allocations_invoice ON allocations (invoice_id);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    detail  TEXT
);
CREATE INDEX audit_log_subject ON audit_log (subject);
