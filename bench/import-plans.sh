#!/usr/bin/env bash
# The PostgreSQL import's query plans, as PostgreSQL ran them (EXPLAIN ANALYZE, BUFFERS, by
# the auto_explain module, for statements over 100 ms), and every statement's duration, for
# the three ways an import gets in:
#   1. new days: the file's days are not stored yet (COPY into a load table, keyed in one
#      sorted pass, attached as a partition);
#   2. the same file again: its days' partitions are replaced set-wise;
#   3. the row-by-row upsert (`INSERT … ON CONFLICT`, how every import went before issue 16,
#      and still the way for a file holding a key twice): the same file with its first
#      row repeated at the end.
# Needs BENCH_POSTGRES_URL as a superuser (it loads auto_explain for a database of its own)
# and the server's log file readable here (BENCH_POSTGRES_LOG, default the Debian cluster's).
# Usage: bench/import-plans.sh [ROWS] (1000000)
source "$(dirname "$0")/lib.sh"
rows=${1:-1000000}
: "${BENCH_POSTGRES_URL:?set BENCH_POSTGRES_URL (a superuser URL)}"
server_log=${BENCH_POSTGRES_LOG:-$(ls /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -1)}
[ -r "$server_log" ] || { echo "FAIL: the PostgreSQL server log is not readable (set BENCH_POSTGRES_LOG)" >&2; exit 1; }

python3 bench/seed_facts.py "$work" "$rows"
{ cat "$work/seed.csv"; sed -n 2p "$work/seed.csv"; } >"$work/twice.csv"

db=rtbcat_plans_$$
psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $db"
trap 'psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; cleanup' EXIT
for setting in "session_preload_libraries = 'auto_explain'" "auto_explain.log_min_duration = '100ms'" \
  "auto_explain.log_analyze = on" "auto_explain.log_buffers = on" "auto_explain.log_timing = on" \
  "auto_explain.log_nested_statements = on" "log_min_duration_statement = 100"; do
  psql -q "$BENCH_POSTGRES_URL" -c "ALTER DATABASE $db SET $setting"
done
export DATABASE_URL=${BENCH_POSTGRES_URL%/*}/$db RTBCAT_DATA_DIR=$work/pg
"$bin" demo --rows 0 --popup-impressions 0 >/dev/null

load() { # label file
  local from
  from=$(stat -c %s "$server_log")
  local start end
  start=$(date +%s.%N)
  "$bin" import performance --json "$2" >"$work/report.json"
  end=$(date +%s.%N)
  python3 - "$1" "$start" "$end" "$work/report.json" "$rows" <<'PY'
import json, sys
label, start, end, report, rows = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
r = json.load(open(report))
print(f"\n======== {label}: {rows / (end - start):,.0f} rows/s ({end - start:.2f} s; imported {r['imported']}, updated {r.get('updated', '?')})")
PY
  sleep 1 # the server writes its log after answering
  # The statements of this import (the log is shared: other databases' lines are left out).
  tail -c +"$((from + 1))" "$server_log" | python3 -c '
import re, sys
db = sys.argv[1]
blocks, current = [], None
for line in sys.stdin:
    if re.match(r"^\d{4}-\d\d-\d\d ", line):
        current = [line]
        blocks.append(current)
    elif current is not None:
        current.append(line)
for block in blocks:
    head = block[0]
    if f"@{db} " not in head or "duration:" not in head:
        continue
    text = "".join(block)
    text = re.sub(r"^\S+ \S+ \S+ \[\d+\] \S+ ", "", text)
    print(text.rstrip()[:6000])
    print()
' "$db"
}

load "1. new days" "$work/seed.csv"
load "2. the same days again (partitions replaced)" "$work/seed.csv"
load "3. a key twice in the file (row by row, as before issue 16)" "$work/twice.csv"
