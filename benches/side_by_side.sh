#!/usr/bin/env bash
# Streaming import beside its floor (issue 19), in one sitting: A B A B, medians, peak memory.
#
#   benches/side_by_side.sh FLOOR_BIN GEN_BANK_PY [ROWS...]
#
# FLOOR_BIN is store-limit built from ../shared/perf (copy it somewhere writable and
# `cargo build --release`); GEN_BANK_PY is ../shared/perf/gen_bank.py. Nothing here is read at
# build or test time. For each ROWS (default 100000 1000000) it generates the statement and an ERP
# list of 100,000 invoices, then alternates store-limit and `skarbnik import` (release build,
# default settings: parsing in the worker) on fresh databases, three times each, and prints the
# medians of wall time and of peak memory, every run's time, and the ratios of the fastest runs. skarbnik's figures are given twice: the statement
# alone on an empty database (what store-limit does), and after the ERP list, with the
# reconciliation against 100,000 open invoices that every import ends with. Peak memory is
# the parent's and the worker's, each read from /proc by a sampler and added (GNU time would
# give only the larger of the two), and each reconciliation's split is printed (loading,
# deciding, storing, building the index, in ms). Then it times the store's listings on the 1M
# database, and, where sqlite3 is installed, reconciliation beside the floor of its own writing
# (benches/reconcile_floor.sh).
set -euo pipefail
floor=${1:?store-limit binary}
gen=${2:?gen_bank.py}
shift 2
rows=("${@:-100000 1000000}")
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/target/release/skarbnik"
[ -x "$bin" ] || (cd "$here" && cargo build --release --locked)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command, sampling the summed RSS of it and its children every 50 ms; prints
# "seconds peak_MB".
measure() {
    local start end peak=0 pid
    start=$(date +%s.%N)
    "$@" > "$work/out.txt" 2> "$work/err.txt" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        local sum=0
        for p in $pid $(pgrep -P "$pid" || true); do
            local kb
            kb=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
            sum=$((sum + ${kb:-0}))
        done
        [ "$sum" -gt "$peak" ] && peak=$sum
        sleep 0.05
    done
    wait "$pid" || true
    end=$(date +%s.%N)
    echo "$(echo "$end - $start" | bc) $((peak / 1024))"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for n in ${rows[@]}; do
    data="$work/data-$n"
    mkdir -p "$data"
    python3 "$gen" "$n" 100000 "$data" > /dev/null
    bank="$data/bank_$n.csv"
    erp="$data/erp_100000.csv"
    : > "$work/f.t"; : > "$work/f.m"; : > "$work/s.t"; : > "$work/s.m"; : > "$work/r.t"; : > "$work/r.m"
    for i in 1 2 3; do
        read -r t m < <(measure "$floor" "$bank" "$work/floor.db")
        echo "$t" >> "$work/f.t"; echo "$m" >> "$work/f.m"
        rm -rf "$work/s"; mkdir -p "$work/s"
        read -r t m < <(cd "$work/s" && measure "$bin" import "$bank")
        echo "$t" >> "$work/s.t"; echo "$m" >> "$work/s.m"
        rm -rf "$work/r"; mkdir -p "$work/r"
        (cd "$work/r" && "$bin" import "$erp" > /dev/null)
        read -r t m < <(cd "$work/r" && SKARBNIK_LOG=skarbnik::services::reconcile=debug measure "$bin" import "$bank")
        echo "$t" >> "$work/r.t"; echo "$m" >> "$work/r.m"
        # The reconciliation's split (load, decide, store, index build, ms) of this run.
        sed 's/\x1b\[[0-9;]*m//g' "$work/err.txt" | grep -o 'load_ms=.*total_ms=[0-9]*' >> "$work/split.txt" || true
    done
    ft=$(median < "$work/f.t"); fm=$(median < "$work/f.m")
    st=$(median < "$work/s.t"); sm=$(median < "$work/s.m")
    rt=$(median < "$work/r.t"); rm_=$(median < "$work/r.m")
    printf '%s rows: store-limit %.2f s %s MB | skarbnik %.2f s %s MB (%.1fx) | with reconciliation vs 100k invoices %.2f s %s MB (%.1fx)\n' \
        "$n" "$ft" "$fm" "$st" "$sm" "$(echo "$st / $ft" | bc -l)" "$rt" "$rm_" "$(echo "$rt / $ft" | bc -l)"
    # Every run, and the ratios of the fastest runs: on a shared host the same binary's time
    # moves by a third between minutes, and the fastest run of each is the least disturbed.
    fb=$(sort -n "$work/f.t" | head -1); sb=$(sort -n "$work/s.t" | head -1); rb=$(sort -n "$work/r.t" | head -1)
    printf '  runs (s): store-limit %s | skarbnik %s | with reconciliation %s\n' \
        "$(tr '\n' ' ' < "$work/f.t")" "$(tr '\n' ' ' < "$work/s.t")" "$(tr '\n' ' ' < "$work/r.t")"
    printf '  fastest runs: store-limit %.2f s | skarbnik %.2f s (%.1fx) | with reconciliation %.2f s (%.1fx)\n' \
        "$fb" "$sb" "$(echo "$sb / $fb" | bc -l)" "$rb" "$(echo "$rb / $fb" | bc -l)"
    sed 's/^/  reconciliation: /' "$work/split.txt"
    : > "$work/split.txt"
done

# The store as it grows: the database left by the last import with reconciliation.
cd "$work/r"
for cmd in "invoices --status unpaid --json" "payments --status review --json" "overdue" \
           "remind --dry-run --json" "reconcile"; do
    read -r t m < <(measure "$bin" $cmd)
    printf '  %-36s %.2f s %s MB\n' "$cmd" "$t" "$m"
done

# The floor of the reconciliation's own writing, on that same database (needs sqlite3).
if command -v sqlite3 > /dev/null; then
    bash "$here/benches/reconcile_floor.sh" "$work/r/var/skarbnik.db" "$bin"
fi
