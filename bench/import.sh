#!/usr/bin/env bash
# Performance-import benchmark: rows/s of `rtbcat import performance` (validating and
# upserting) against the databases' own bulk loaders on the same file, measured here:
#  - SQLite: `sqlite3 .import --csv` into a plain table, and into a table with a unique
#    index over the fact's key as ours has (the real limit of a keyed load);
#  - PostgreSQL: `psql \copy` into a plain table and into a keyed one (set
#    BENCH_POSTGRES_URL to run it).
# Peak memory of the importer from /usr/bin/time. Usage: bench/import.sh [ROWS] (1000000)
source "$(dirname "$0")/lib.sh"
rows=${1:-1000000}
unset DATABASE_URL

python3 bench/seed_facts.py "$work" "$rows"
echo "files: $rows rows each; seed $(du -h "$work/seed.csv" | cut -f1), Authorized Buyers $(du -h "$work/ab.csv" | cut -f1)"

RTBCAT_DATA_DIR=$work/catalog "$bin" demo >/dev/null

# Every timed load, ours and the baselines, starts with nothing unwritten in the page cache:
# the files written before it (the seed files, the previous loads' databases, hundreds of MB)
# would otherwise be written back during it and stall its writes and syncs, so that whatever
# ran later was measured on a busier disk (the SQLite ratio swung 0.44–0.93 across runs).
settle() { sync; }

measure() { # label data_dir file — a new data dir starts from the demo catalog
  local label=$1 dir=$2 file=$3
  [ -d "$dir" ] || cp -r "$work/catalog" "$dir"
  settle
  local start end
  start=$(date +%s.%N)
  RTBCAT_DATA_DIR=$dir /usr/bin/time -f "%M" -o "$work/mem" "$bin" import performance --json "$file" >"$work/report.json"
  end=$(date +%s.%N)
  python3 - "$label" "$start" "$end" "$work/mem" "$work/report.json" "$rows" <<'PY'
import json, sys
label, start, end, mem, report, rows = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
r = json.load(open(report))
secs = end - start
print(f"{label:<40} {rows / secs:>10,.0f} rows/s  ({secs:.2f} s, imported {r['imported']}, skipped {r['skipped']}, peak {int(open(mem).read().split()[-1]) / 1024:.0f} MB)")
open(report + ".rate", "w").write(str(rows / secs))
PY
}

rate_of() { # COMMAND… — runs it quietly and prints $rows over its wall time (rows/s)
  settle
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  python3 -c "print($rows / ($end - $start))"
}

echo "== SQLite"
# The headline ratio, where the host's noise cancels out: the plain load and our imports of
# both files in turns, IMPORT_ROUNDS rounds (3 unless set), each into a new database; each
# round's figures and ratios, then the medians. (One run of each swung the ratio
# 0.70–0.98 within the hour; `sqlite3 .import` alone ranged 316–463k rows/s.)
rounds=${IMPORT_ROUNDS:-3}
plain_rates=() seed_rates=() ab_rates=()
for round in $(seq "$rounds"); do
  plain_rates+=("$(rate_of sqlite3 "$work/plain$round.db" ".import --csv $work/seed.csv perf_plain")")
  python3 -c "print(f\"{'round $round: sqlite3 .import --csv':<40} {${plain_rates[-1]}:>10,.0f} rows/s\")"
  measure "round $round: rtbcat import, seed CSV" "$work/seed$round" "$work/seed.csv"
  seed_rates+=("$(cat "$work/report.json.rate")")
  measure "round $round: rtbcat import, AB report" "$work/ab$round" "$work/ab.csv"
  ab_rates+=("$(cat "$work/report.json.rate")")
  [ "$round" = 1 ] || rm -rf "$work/plain$round.db" "$work/seed$round" "$work/ab$round"
done
median() { python3 -c 'import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }
baseline=$(median "${plain_rates[@]}")
seed_rate=$(median "${seed_rates[@]}")
ab_rate=$(median "${ab_rates[@]}")
mv "$work/plain1.db" "$work/baseline.db"
python3 -c "print(f\"{'sqlite3 .import --csv (baseline, median)':<40} {$baseline:>10,.0f} rows/s\")"
python3 -c "print(f\"{'rtbcat import, seed CSV (median)':<40} {$seed_rate:>10,.0f} rows/s\")"
python3 -c "print(f\"{'rtbcat import, AB report (median)':<40} {$ab_rate:>10,.0f} rows/s\")"
# The real limit: sqlite3's own insert of the same rows into a table keyed as ours is (a
# rowid table with a unique index over the fact's key), so the index's cost is on both sides.
sqlite3 "$work/keyed.db" "CREATE TABLE perf_keyed (creative_id TEXT, date TEXT, hour INT, impressions INT, clicks INT, spend TEXT, geography TEXT, device_type TEXT, UNIQUE (creative_id, date, hour, geography, device_type))"
keyed_baseline=$(rate_of sqlite3 "$work/keyed.db" ".import --csv --skip 1 $work/seed.csv perf_keyed")
python3 -c "print(f\"{'sqlite3 .import into a keyed table':<40} {$keyed_baseline:>10,.0f} rows/s\")"
# SQLite's fastest way into a table shaped as ours (WITHOUT ROWID, the same 7-column key):
# the plain load above, then one INSERT … SELECT. Its time is the plain load's plus the
# insert's, so it is what sqlite3 itself needs to get these rows keyed, CSV parsing included.
sqlite3 "$work/baseline.db" "CREATE TABLE perf_facts (creative_id TEXT NOT NULL, date TEXT NOT NULL, hour INTEGER NOT NULL, country TEXT NOT NULL, device TEXT NOT NULL, placement TEXT NOT NULL DEFAULT '', seat_id TEXT NOT NULL DEFAULT '', impressions INTEGER NOT NULL, clicks INTEGER NOT NULL, spend_micros INTEGER NOT NULL, reached_queries INTEGER, bids INTEGER, PRIMARY KEY (creative_id, date, hour, country, device, placement, seat_id)) WITHOUT ROWID"
# The plain table's rows into the keyed one, as ours are converted (spend to micros).
into_our_key() { # SOURCE_TABLE
  echo "PRAGMA cache_size = -65536; INSERT INTO perf_facts SELECT creative_id, date, CAST(hour AS INTEGER), geography, device_type, '', '', impressions, clicks, CAST(ROUND(spend * 1000000) AS INTEGER), NULL, NULL FROM $1 WHERE true ON CONFLICT DO NOTHING"
}
insert_rate=$(rate_of sqlite3 "$work/baseline.db" "$(into_our_key perf_plain)")
facts_baseline=$(python3 -c "print(1 / (1 / $baseline + 1 / $insert_rate))")
python3 -c "print(f\"{'sqlite3 .import + INSERT…SELECT, our key':<40} {$facts_baseline:>10,.0f} rows/s  (the INSERT alone {$insert_rate:,.0f} rows/s)\")"
# A larger page (fewer, wider b-tree nodes) for the same rows, in file order, into the same
# key: SQLite's default, 4096 bytes, is ours.
facts_table=$(sqlite3 "$work/baseline.db" "SELECT sql FROM sqlite_schema WHERE name = 'perf_facts'")
for page in 4096 16384 65536; do
  sqlite3 "$work/page$page.db" "PRAGMA page_size = $page; PRAGMA journal_mode = WAL; $facts_table" >/dev/null
  page_rate=$(rate_of sqlite3 "$work/page$page.db" "ATTACH '$work/baseline.db' AS plain; $(into_our_key plain.perf_plain)")
  [ "$page" = 4096 ] && default_page_rate=$page_rate
  python3 -c "print(f\"{'  INSERT…SELECT, $page-byte pages':<40} {$page_rate:>10,.0f} rows/s  ({$page_rate / $default_page_rate:.2f} x 4096-byte pages)\")"
done
measure "rtbcat re-import (all updates)" "$work/seed1" "$work/seed.csv"
# The headline is the median of the rounds' own ratios: each pairs loads run minutes apart, so
# the host's speed cancels in it better than in the ratio of the medians.
python3 - "$rounds" "${plain_rates[*]}" "${seed_rates[*]}" "${ab_rates[*]}" <<'PY'
import statistics, sys
rounds = int(sys.argv[1])
plain, seed, ab = ([float(v) for v in a.split()] for a in sys.argv[2:5])
each = ", ".join(f"{s / p:.2f} / {a / p:.2f}" for p, s, a in zip(plain, seed, ab))
print(f"ratio to sqlite3 .import in each round (seed / Authorized Buyers): {each}")
seed_ratio = statistics.median(s / p for p, s in zip(plain, seed))
ab_ratio = statistics.median(a / p for p, a in zip(plain, ab))
print(f"ratio to sqlite3 .import, median of {rounds} rounds: seed {seed_ratio:.2f}, Authorized Buyers {ab_ratio:.2f} "
      f"(aim >= 0.8; 300,000 rows/s)")
PY
python3 -c "print(f'ratio to sqlite3 into a keyed table: seed {$seed_rate / $keyed_baseline:.2f}, Authorized Buyers {$ab_rate / $keyed_baseline:.2f}')"
python3 -c "print(f'ratio to sqlite3 .import + INSERT…SELECT into our key: seed {$seed_rate / $facts_baseline:.2f}, Authorized Buyers {$ab_rate / $facts_baseline:.2f}')"

if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  echo "== PostgreSQL"
  db=rtbcat_bench_$$
  psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $db"
  url=${BENCH_POSTGRES_URL%/*}/$db
  psql -q "$url" -c "CREATE TABLE perf_plain (creative_id TEXT, date TEXT, hour INT, impressions BIGINT, clicks BIGINT, spend TEXT, geography TEXT, device_type TEXT)"
  pg_baseline=$(rate_of psql -q "$url" -c "\\copy perf_plain FROM '$work/seed.csv' WITH (FORMAT csv, HEADER true)")
  python3 -c "print('{:<40} {:>10,.0f} rows/s'.format('psql copy (baseline)', $pg_baseline))"
  psql -q "$url" -c "CREATE TABLE perf_keyed (LIKE perf_plain, UNIQUE (creative_id, date, hour, geography, device_type))"
  pg_keyed=$(rate_of psql -q "$url" -c "\\copy perf_keyed FROM '$work/seed.csv' WITH (FORMAT csv, HEADER true)")
  python3 -c "print('{:<40} {:>10,.0f} rows/s'.format('psql copy into a keyed table', $pg_keyed))"
  DATABASE_URL=$url RTBCAT_DATA_DIR=$work/pgcat "$bin" demo >/dev/null
  settle
  start=$(date +%s.%N)
  DATABASE_URL=$url /usr/bin/time -f "%M" -o "$work/mem" "$bin" import performance --json "$work/seed.csv" >"$work/report.json"
  end=$(date +%s.%N)
  python3 -c "r=$rows/($end-$start); print('{:<40} {:>10,.0f} rows/s  peak {:.0f} MB; ratio to psql copy {:.2f}, to copy into a keyed table {:.2f}'.format('rtbcat import, seed CSV (PostgreSQL)', r, $(tail -1 "$work/mem")/1024, r/$pg_baseline, r/$pg_keyed))"
  # The same file again: its days are stored, so every row is an upsert.
  settle
  start=$(date +%s.%N)
  DATABASE_URL=$url "$bin" import performance --json "$work/seed.csv" >"$work/report.json"
  end=$(date +%s.%N)
  python3 -c "r=$rows/($end-$start); print('{:<40} {:>10,.0f} rows/s; ratio to psql copy {:.2f}, to copy into a keyed table {:.2f}'.format('rtbcat re-import (updates, PostgreSQL)', r, r/$pg_baseline, r/$pg_keyed))"
  psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE $db WITH (FORCE)"
fi
