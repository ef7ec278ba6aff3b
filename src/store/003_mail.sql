-- The mail daemon: inbound messages, the outbox, mailbox positions, client correspondence.

-- Every inbound message the daemon has handled, keyed by where it was found (IMAP folder,
-- UIDVALIDITY and UID, or a Maildir file's unique name) so a crash before the message is moved
-- never processes it twice.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    source_key  TEXT NOT NULL UNIQUE,
    -- The same bytes found again under another key (a changed UIDVALIDITY) are not processed twice.
    raw_sha256  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    sender      TEXT,
    subject     TEXT,
    class       TEXT NOT NULL,
    client_id   INTEGER REFERENCES clients (id),
    disposition TEXT NOT NULL,
    detail      TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_sender ON messages (sender);
CREATE INDEX messages_raw_sha256 ON messages (raw_sha256);

-- Outgoing mail. A row is written in the same transaction as the decision that causes it, under
-- a unique key (the triggering Message-ID + purpose, invoice + step, ...), so a decision taken
-- twice still sends once. `raw` is the message as the recipients see it (no Bcc header);
-- `envelope_to` adds the hidden recipients (archive, our own confirmation copy).
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    purpose          TEXT NOT NULL,
    message_id       TEXT NOT NULL UNIQUE,
    recipients       TEXT NOT NULL,
    envelope_to      TEXT NOT NULL,
    subject          TEXT NOT NULL,
    raw              BLOB NOT NULL,
    client_id        INTEGER REFERENCES clients (id),
    in_reply_to      TEXT,
    -- For replies: the address answered, to rate-limit replies per sender.
    reply_address    TEXT,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    attempt_started_at TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    confirmed_at     TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_reply_address ON outbox (reply_address, created_at);

-- Where the IMAP reader stands in a folder; a changed UIDVALIDITY resets it.
CREATE TABLE mailbox_state (
    folder      TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL
);

-- What clients wrote to us (replies to our mails), for their history and the dunning pause.
CREATE TABLE client_messages (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients (id),
    message_id  TEXT NOT NULL,
    sender      TEXT,
    subject     TEXT,
    kind        TEXT NOT NULL,
    excerpt     TEXT,
    received_at TEXT NOT NULL,
    UNIQUE (client_id, message_id)
);

-- A reminder address that bounced: kept (a person decides) but flagged.
ALTER TABLE client_emails ADD COLUMN bounced_at TEXT;
ALTER TABLE client_emails ADD COLUMN bounce_reason TEXT;
