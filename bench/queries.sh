#!/usr/bin/env bash
# Performance-query benchmarks on the release binary with a large fact table (SQLite):
#  - `rtbcat demo --rows N` (default 10,000,000 hourly facts over 30 days), wall time;
#  - `GET /creatives?sort=spend&period=7d` p50/p95 (aim p95 < 100 ms);
#  - `GET /api/performance/metrics/{id}` p95 for the top spender (aim < 20 ms), by date
#    (read from the daily rollup) and by hour and device (read from the facts);
#  - each listing's first request after the start, once the server summed its default
#    windows ahead (printed apart: "first").
# Usage: bench/queries.sh [ROWS] [REQUESTS]   (defaults 10000000, 200)
source "$(dirname "$0")/lib.sh"
rows=${1:-10000000}
requests=${2:-200}
export RTBCAT_DATA_DIR=$work/data
unset DATABASE_URL

start=$(date +%s.%N)
"$bin" demo --rows "$rows" --popup-impressions 0 >"$work/demo.log"
end=$(date +%s.%N)
facts=$(sqlite3 "$work/data/rtbcat.db" "SELECT SUM(fact_rows) FROM performance_daily")
python3 -c "s=$end-$start; print(f'demo: {$facts:,} facts written in {s:.1f} s ({$facts / s:,.0f} rows/s), database {$(stat -c %s "$work/data/rtbcat.db") / 1e9:.2f} GB')"

RTBCAT_PASSWORD=bench-password-123 "$bin" user add bench@example.com --role viewer >/dev/null
token=$("$bin" token create --user bench@example.com 2>/dev/null)
# The server sums the listing's default windows ahead at start: wait for that (as a user
# opening the listing a few seconds after a start would), and print what it took.
RUST_LOG=warn,rtbcat_web=info start_server "$work/serve.log"
for _ in $(seq 300); do grep -q "listing windows summed ahead" "$work/serve.log" && break; sleep 0.1; done
# (The log's field names carry colour codes: strip them.)
summed=$(sed 's/\x1b\[[0-9;]*m//g' "$work/serve.log" | grep -o 'windows=[0-9]* elapsed_ms=[0-9]*' | head -1 || true)
echo "listing windows summed ahead at start: ${summed:-not seen in the log within 30 s}"
top=$(curl -sf -H "Authorization: Bearer $token" "$addr/creatives?sort=spend&period=7d&slim=true&page_size=1" |
  python3 -c "import json, sys; print(json.load(sys.stdin)['items'][0]['creative_id'])")

python3 bench/latency.py "$addr" "$token" "$requests" 100 \
  "/creatives?sort=spend&period=7d" \
  "/creatives?sort=spend&period=7d&slim=true" \
  "/creatives?sort=cpc&period=30d&slim=true" \
  "/creatives?sort=spend&period=all&geo=BR&slim=true"
python3 bench/latency.py "$addr" "$token" "$requests" 20 \
  "/api/performance/metrics/$top" \
  "/api/performance/metrics/$top?group_by=country" \
  "/api/performance/metrics/$top?group_by=hour" \
  "/api/performance/metrics/$top?group_by=device&start_date=2000-01-01"
