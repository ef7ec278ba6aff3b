-- Subscription invoicing (issue 17).

-- A report may now also be a subscriptions list or a KSeF receipt (UPO): the kind's CHECK is
-- widened by rebuilding the table (SQLite cannot alter a CHECK). Foreign keys are off while
-- migrations run (see Store::migrate) and checked after.
CREATE TABLE reports_new (
    id                 INTEGER PRIMARY KEY,
    file_name          TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    sender             TEXT,
    kind               TEXT CHECK (kind IN ('statement', 'receivables', 'subscriptions', 'ksef_receipt')),
    profile            TEXT,
    received_at        TEXT NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('imported', 'refused')),
    detail             TEXT,
    rows_read          INTEGER NOT NULL DEFAULT 0,
    new_count          INTEGER NOT NULL DEFAULT 0,
    known_count        INTEGER NOT NULL DEFAULT 0,
    updated_count      INTEGER NOT NULL DEFAULT 0,
    states_outstanding INTEGER NOT NULL DEFAULT 0
);
INSERT INTO reports_new (id, file_name, sha256, sender, kind, profile, received_at, outcome, detail,
                         rows_read, new_count, known_count, updated_count, states_outstanding)
    SELECT id, file_name, sha256, sender, kind, profile, received_at, outcome, detail,
           rows_read, new_count, known_count, updated_count, states_outstanding FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_sha256 ON reports (sha256);
CREATE UNIQUE INDEX reports_imported_once ON reports (sha256) WHERE outcome = 'imported';

-- Where an invoice came from: a report ('report') or issued by skarbnik ('issued').
ALTER TABLE invoices ADD COLUMN source TEXT NOT NULL DEFAULT 'report';
-- The number KSeF gave the invoice (from its UPO, or the invoice as downloaded from KSeF).
ALTER TABLE invoices ADD COLUMN ksef_number TEXT;

-- The buyer's address, for the invoices skarbnik issues.
ALTER TABLE clients ADD COLUMN address_line1 TEXT;
ALTER TABLE clients ADD COLUMN address_line2 TEXT;
ALTER TABLE clients ADD COLUMN country TEXT;

CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY,
    -- The list's own id, else client|service|start: a list mailed again updates, never doubles.
    reference  TEXT NOT NULL UNIQUE,
    client_id  INTEGER NOT NULL REFERENCES clients (id),
    -- The terms (billing::plan::Plan) as JSON; prices are decimal strings.
    plan       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'cancelled')),
    source     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX subscriptions_client ON subscriptions (client_id);

-- A price or quantity that holds for the periods starting on or after from_date.
CREATE TABLE subscription_changes (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    from_date       TEXT NOT NULL,
    unit_net        TEXT,
    quantity        TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX subscription_changes_sub ON subscription_changes (subscription_id, from_date);

-- Exactly one invoice per (subscription, period): the key is written in the same transaction as
-- the invoice and its mail.
CREATE TABLE billed_periods (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    invoice_id      INTEGER NOT NULL REFERENCES invoices (id),
    PRIMARY KEY (subscription_id, period_start)
);
CREATE INDEX billed_periods_invoice ON billed_periods (invoice_id);

-- Numbering series: the last number given per counter (series + month or year), taken inside
-- the transaction that writes the invoice, so numbers have no gaps and no repeats.
CREATE TABLE invoice_counters (
    counter TEXT PRIMARY KEY,
    last    INTEGER NOT NULL
);

-- What skarbnik issued: invoices and corrections, with the document they were rendered from.
-- The XML and PDF are kept in invoice_documents (of the invoice, or of the corrected invoice).
CREATE TABLE issued_documents (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('invoice', 'correction')),
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
    client_id   INTEGER NOT NULL REFERENCES clients (id),
    issue_date  TEXT NOT NULL,
    currency    TEXT NOT NULL,
    -- For a correction: the change it makes.
    gross_minor INTEGER NOT NULL,
    document    TEXT NOT NULL,
    ksef_number TEXT,
    -- Where the client's copy was mailed (JSON list; empty: no address on file).
    mailed_to   TEXT NOT NULL DEFAULT '[]',
    -- When it went to accounting in a run's summary (with its files); NULL: not yet.
    reported_at TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX issued_documents_invoice ON issued_documents (invoice_id);
CREATE INDEX issued_documents_issue_date ON issued_documents (issue_date);
CREATE INDEX issued_documents_unreported ON issued_documents (id) WHERE reported_at IS NULL;
