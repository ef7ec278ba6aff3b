-- Client conversations: what each reply said and what was done, and the holds it put on invoices.
ALTER TABLE client_messages ADD COLUMN intent TEXT;
-- JSON: [{"intent": "...", "phrase": "..."}], the client's own words for each intent found.
ALTER TABLE client_messages ADD COLUMN evidence TEXT;
-- JSON: invoice ids the reply is about.
ALTER TABLE client_messages ADD COLUMN invoice_ids TEXT;
ALTER TABLE client_messages ADD COLUMN promised TEXT;
-- What skarbnik did about it, in words for people (staff language).
ALTER TABLE client_messages ADD COLUMN action TEXT;

CREATE TABLE invoice_holds (
    id         INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    kind       TEXT NOT NULL CHECK (kind IN ('dispute', 'promise', 'paid_claim')),
    since      TEXT NOT NULL,
    -- promise: the promised day; paid_claim: the last day it waits; NULL for a dispute.
    until      TEXT,
    -- The client's Message-ID, or the person who set it.
    source     TEXT NOT NULL,
    note       TEXT,
    created_at TEXT NOT NULL,
    ended_at   TEXT,
    ended_by   TEXT,
    outcome    TEXT CHECK (outcome IN ('resolved', 'cancelled', 'kept', 'broken', 'expired')),
    reason     TEXT
);
CREATE UNIQUE INDEX invoice_holds_open ON invoice_holds (invoice_id, kind) WHERE ended_at IS NULL;
CREATE INDEX invoice_holds_invoice ON invoice_holds (invoice_id);

-- A receivables list that states outstanding amounts is fresh data as of the day it came.
ALTER TABLE reports ADD COLUMN states_outstanding INTEGER NOT NULL DEFAULT 0;

-- Invoice documents skarbnik holds (a KSeF XML it imported), sent when a client asks for a copy.
CREATE TABLE invoice_documents (
    id           INTEGER PRIMARY KEY,
    invoice_id   INTEGER NOT NULL REFERENCES invoices (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (invoice_id, sha256)
);
