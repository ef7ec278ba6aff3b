#!/usr/bin/env bash
# The floor of a reconciliation's writing (issue 19): SQLite alone storing what a run stored.
#
#   benches/reconcile_floor.sh RECONCILED_DB [SKARBNIK_BIN] [RUNS]
#
# RECONCILED_DB is a store left by `skarbnik import` of a statement with its reconciliation
# (benches/side_by_side.sh passes its 1M-row one). From it the script makes the store as it was
# before that reconciliation: no allocations, no review marks, no audit entries after the last
# import, no learned accounts, invoices unpaid. Then it alternates, RUNS times (default 3), on
# fresh copies of that store:
#
# - `skarbnik reconcile` (release build), which decides and stores it all again;
# - the floor: the same rows copied by SQLite itself from RECONCILED_DB, one INSERT … SELECT or
#   UPDATE … FROM per table in one transaction, with skarbnik's settings (WAL, synchronous
#   NORMAL, 32 MiB of page cache, reference checks off as in a reconciliation, the index of
#   allocations by invoice built after the rows as skarbnik builds it for a large run). No rule
#   runs and no row crosses the API one at a time, so no program writing this output can be
#   faster on this schema;
# - the bare floor: the allocations alone, without their reasons, with no audit entry and no
#   review mark: what a store that recorded only the amounts would write;
# - with PARTS=1 in the environment, the floor without each part in turn: the reasons, the
#   audit entries, the review marks (what each costs);
# - the import's own floor: the statement's payments copied the same way into an empty store of
#   the same schema, what SQLite alone takes to store what an import stores.
#
# It prints the medians and the ratio. Beside store-limit (side_by_side.sh), the two floors
# added say how much of an import with its reconciliation is SQLite writing on its one
# connection, which no overlap of parsing and deciding can shorten. Needs the sqlite3 shell.
set -euo pipefail
final=$(realpath "${1:?reconciled database}")
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${2:-$here/target/release/skarbnik}")
runs=${3:-3}
command -v sqlite3 > /dev/null || { echo "reconcile_floor: sqlite3 is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pre="$work/pre.db"
sqlite3 "$final" "VACUUM INTO '$pre'"
triggers=$(sqlite3 "$pre" "SELECT sql || ';' FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'allocations'")
drops=$(sqlite3 "$pre" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'allocations'")
sqlite3 "$pre" <<SQL
BEGIN;
$drops
DELETE FROM allocations;
$triggers
DELETE FROM audit_log WHERE id > (SELECT MAX(id) FROM audit_log WHERE action = 'report.imported');
DELETE FROM payment_reviews;
UPDATE invoices SET allocated_minor = 0, last_paid_on = NULL, paid_off_on = NULL
 WHERE allocated_minor <> 0 OR last_paid_on IS NOT NULL OR paid_off_on IS NOT NULL;
DELETE FROM client_accounts WHERE source LIKE 'payment:%';
DELETE FROM store_state WHERE key = 'reconcile.stamp';
COMMIT;
VACUUM;
SQL
index=$(sqlite3 "$pre" "SELECT sql FROM sqlite_schema WHERE name = 'allocations_by_invoice'")
empty="$work/empty.db"
sqlite3 "$pre" ".schema --nosys" | grep -v '^CREATE TABLE sqlite_' | sqlite3 "$empty"
sqlite3 "$empty" "PRAGMA journal_mode = WAL" > /dev/null
expected=$(sqlite3 "$final" "SELECT COUNT(*) FROM allocations")

# Copies the rows of RECONCILED_DB into a fresh copy of the store before it, leaving out the
# parts named: reasons, audit, reviews (the review marks), or bare (all three).
floor() {
    local reason=reason audit review
    audit="INSERT INTO audit_log SELECT * FROM r.audit_log
             WHERE id > (SELECT MAX(id) FROM r.audit_log WHERE action = 'report.imported') ORDER BY id;"
    review="INSERT INTO payment_reviews SELECT * FROM r.payment_reviews ORDER BY payment_id;"
    for part in "$@"; do
        case $part in
            reasons) reason="''" ;;
            audit) audit="" ;;
            reviews) review="" ;;
            bare) reason="''"; audit=""; review="" ;;
        esac
    done
    sqlite3 "$work/x/var/skarbnik.db" <<SQL
PRAGMA cache_size = -32768; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;
ATTACH '$final' AS r;
BEGIN;
DROP INDEX allocations_by_invoice;
INSERT INTO allocations SELECT id, payment_id, invoice_id, amount_minor, rule, $reason, created_at,
       created_by, booking_date, manual FROM r.allocations ORDER BY id;
$audit
$review
INSERT INTO client_accounts SELECT * FROM r.client_accounts WHERE source LIKE 'payment:%';
$index;
UPDATE invoices SET allocated_minor = f.allocated_minor, last_paid_on = f.last_paid_on, paid_off_on = f.paid_off_on
  FROM r.invoices f WHERE f.id = invoices.id AND f.allocated_minor <> 0;
COMMIT;
SQL
}

# Copies the statement's payments of the store before the reconciliation into an empty store.
payments() {
    rm -rf "$work/y" && mkdir -p "$work/y" && cp "$empty" "$work/y/s.db"
    sqlite3 "$work/y/s.db" <<SQL
PRAGMA cache_size = -32768; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;
ATTACH '$pre' AS p;
BEGIN;
INSERT INTO payments SELECT * FROM p.payments ORDER BY id;
COMMIT;
SQL
}

fresh() { rm -rf "$work/x" && mkdir -p "$work/x/var" && cp "$pre" "$work/x/var/skarbnik.db"; }
timed() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > "$work/s.t"; : > "$work/f.t"; : > "$work/b.t"; : > "$work/p.t"
for _ in $(seq "$runs"); do
    fresh
    (cd "$work/x" && timed "$bin" reconcile) >> "$work/s.t"
    got=$(sqlite3 "$work/x/var/skarbnik.db" "SELECT COUNT(*) FROM allocations")
    [ "$got" = "$expected" ] || { echo "reconcile_floor: skarbnik allocated $got, the store holds $expected" >&2; exit 1; }
    fresh; timed floor >> "$work/f.t"
    fresh; timed floor bare >> "$work/b.t"
    if [ -n "${PARTS:-}" ]; then
        for part in reasons audit reviews; do
            fresh; timed floor "$part" >> "$work/$part.t"
        done
    fi
    timed payments >> "$work/p.t"
done
st=$(median < "$work/s.t"); ft=$(median < "$work/f.t"); bt=$(median < "$work/b.t")
pt=$(median < "$work/p.t")
payments_count=$(sqlite3 "$pre" "SELECT COUNT(*) FROM payments")
printf 'reconciling %s allocations: skarbnik %.2f s | SQLite storing the same output %.2f s (%.2fx) | the allocations alone %.2f s\n' \
    "$expected" "$st" "$ft" "$(echo "$st / $ft" | bc -l)" "$bt"
if [ -n "${PARTS:-}" ]; then
    printf 'the floor without the reasons %.2f s | without the audit entries %.2f s | without the review marks %.2f s\n' \
        "$(median < "$work/reasons.t")" "$(median < "$work/audit.t")" "$(median < "$work/reviews.t")"
fi
printf 'SQLite storing the %s payments alone %.2f s; with the reconciliation'"'"'s output %.2f s\n' \
    "$payments_count" "$pt" "$(echo "$pt + $ft" | bc -l)"
echo "  runs (s): skarbnik $(tr '\n' ' ' < "$work/s.t")| floor $(tr '\n' ' ' < "$work/f.t")| bare $(tr '\n' ' ' < "$work/b.t")| payments $(tr '\n' ' ' < "$work/p.t")"
