-- Corrections applied to invoices, by the correction's own number. A correction changes its
-- invoice's gross by a difference, so applying it twice counts it twice: the same correction
-- arriving again (downloaded from KSeF once more, forwarded by the accountant, inside another
-- package) must change nothing. Corrections applied before this migration are not listed here:
-- their audit entries ("invoice.corrected") say which they were.
CREATE TABLE corrections (
    id          INTEGER PRIMARY KEY,
    number_key  TEXT NOT NULL UNIQUE,
    invoice_id  INTEGER NOT NULL REFERENCES invoices(id),
    delta_minor INTEGER NOT NULL,
    report_id   INTEGER REFERENCES reports(id),
    created_at  TEXT NOT NULL
);
