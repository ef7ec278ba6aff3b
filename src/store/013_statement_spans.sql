-- Where each statement's operations are, so that a new statement can be held against the other
-- exports of the same days without an index over a million payments (see
-- services::other_exports): the days its operations were booked on, and the ids of the payments
-- it stored. A statement's payments are stored in one transaction with nothing else, so their
-- ids are one run. `refs` counts those that carry the bank's reference: a statement of the same
-- export whose operations are identified the same way need not be read.
ALTER TABLE reports ADD COLUMN oldest_booking TEXT;
ALTER TABLE reports ADD COLUMN refs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN first_payment INTEGER;
ALTER TABLE reports ADD COLUMN last_payment INTEGER;
UPDATE reports
   SET oldest_booking = s.oldest,
       newest_booking = COALESCE(reports.newest_booking, s.newest),
       first_payment = s.first,
       last_payment = s.last,
       refs = s.refs
  FROM (SELECT source_report_id AS report, MIN(booking_date) AS oldest, MAX(booking_date) AS newest,
               MIN(id) AS first, MAX(id) AS last, SUM(bank_ref IS NOT NULL) AS refs
          FROM payments GROUP BY source_report_id) AS s
 WHERE s.report = reports.id AND reports.kind = 'statement';
