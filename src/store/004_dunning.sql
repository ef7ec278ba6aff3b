-- Dunning: per-client settings, reminder history, one-off notices.

-- A strategic client gets no reminders (staff get an internal notice instead).
ALTER TABLE clients ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;
-- Paused with no end date (`paused_until` holds a dated pause).
ALTER TABLE clients ADD COLUMN paused_indefinitely INTEGER NOT NULL DEFAULT 0;
-- The client's own step offsets, JSON array of days relative to the due date, e.g. [-5, 3, 14].
ALTER TABLE clients ADD COLUMN step_offsets TEXT;
-- A per-client payment link (overrides the `[dunning] payment_link` template).
ALTER TABLE clients ADD COLUMN payment_link TEXT;
-- A paused invoice gets no reminders (a dispute, a promise kept by phone).
ALTER TABLE invoices ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;

-- Every (invoice, step) ever decided. The primary key is the guarantee that an invoice never gets
-- the same step twice; the row is written in the same transaction as the outbox row it belongs to.
CREATE TABLE reminder_items (
    invoice_id      INTEGER NOT NULL REFERENCES invoices (id),
    step            TEXT NOT NULL,
    client_id       INTEGER NOT NULL REFERENCES clients (id),
    -- 'reminder': mailed to the client; 'internal': the client is excluded, staff were told.
    kind            TEXT NOT NULL CHECK (kind IN ('reminder', 'internal')),
    outbox_key      TEXT NOT NULL,
    remaining_minor INTEGER NOT NULL,
    planned_on      TEXT NOT NULL,
    PRIMARY KEY (invoice_id, step)
);
CREATE INDEX reminder_items_client ON reminder_items (client_id);

-- One-off decisions that must not repeat: a payment confirmation (ref = payment id), an
-- escalation (ref = invoice id), a "no address" notice (ref = invoice id), a stale-statement
-- notice (ref = the newest statement date).
CREATE TABLE notices (
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    outbox_key TEXT,
    at         TEXT NOT NULL,
    PRIMARY KEY (kind, ref)
);
