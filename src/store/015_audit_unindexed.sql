-- The audit log is written by every decision and read only newest first (by its id, in
-- `Store::audit_log`): nothing in skarbnik looks it up by subject. Its index by subject cost a
-- B-tree insert for every entry, in the text order of subjects ("payment:10" before
-- "payment:9"), nowhere near the order they are written: a year's statement writes a million
-- entries, and the index took 4.4 thousand of the 9.4 thousand instructions of storing each
-- (callgrind) and 25 MB of pages. An auditor asking about one subject reads the table through
-- (0.2-0.3 s at a million entries); a feature that asks often would add an index fitted to it.
DROP INDEX IF EXISTS audit_log_subject;
