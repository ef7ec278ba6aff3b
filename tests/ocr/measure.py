#!/usr/bin/env python3
"""OCR accuracy on our own PDF fixtures (issue 18): each text PDF is rendered to an image-only PDF
at 200 and 300 dpi with mild noise and a 0.4° skew (fixtures/reports/make_scan_fixtures.py), both
are imported into fresh databases, and each scanned row is compared with its text row on the
fields that must never be wrong: dates, amounts, NIPs and invoice numbers. A row is "right" when all
of them equal, "flagged" when the file was refused or the row skipped (a person looks), and
"wrong" when it was stored with a different value.

  cargo build --release && python3 tests/ocr/measure.py target/release/skarbnik
"""
import json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/skarbnik"))
PDFS = ["pdf/naleznosci.pdf", "pdf/naleznosci-skroty.pdf", "pdf/wyciag.pdf"]

def run(args, cwd):
    return subprocess.run([BIN] + args, cwd=cwd, capture_output=True, text=True)

def rows(pdf):
    with tempfile.TemporaryDirectory() as d:
        out = json.loads(run(["import", pdf, "--json"], d).stdout or "{}")
        refused = bool(out.get("refused"))
        inv = json.loads(run(["invoices", "--json"], d).stdout or "[]")
        pay = json.loads(run(["payments", "--json"], d).stdout or "[]")
        key = lambda t: " ".join(w for w in t.split() if re.search(r"\d+/\d+", w))
        r = [("inv", i["number"], i.get("nip"), i.get("issue_date"), i.get("due_date"), i["gross"], i.get("outstanding")) for i in inv]
        r += [("pay", p.get("date") or p.get("booking_date"), p["amount"], key(p["title"])) for p in pay]
        return refused, sorted(r, key=str)

def main():
    scans = os.path.join(ROOT, "fixtures/reports")
    total = {}
    for dpi in (200, 300):
        right = flagged = wrong = 0
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.executable, "make_scan_fixtures.py", out, str(dpi)] + PDFS, cwd=scans, check=True)
            for f in PDFS:
                _, text = rows(os.path.join(scans, f))
                refused, scan = rows(os.path.join(out, os.path.basename(f)))
                for t in text:
                    if refused or not scan:
                        flagged += 1
                    elif t in scan:
                        right += 1
                    else:
                        wrong += 1
                        print(f"  {dpi} dpi {f}: {t} not read as such", file=sys.stderr)
        n = right + flagged + wrong
        total[dpi] = (right, flagged, wrong, n)
        print(f"{dpi} dpi: {n} rows: {right} right ({100*right/max(n,1):.1f}%), {flagged} flagged for a person, {wrong} wrong")
    return 0 if all(w == 0 for _, _, w, _ in total.values()) else 1

sys.exit(main())
