#!/usr/bin/env bash
# Waste benchmark on SQLite: 30 days of the bidder's traffic at 100 sizes × 200 countries ×
# 4 devices a day (2.4M rows) plus the funnel report by geo for the same days, imported
# with `rtbcat import performance`; then
#  - the import's wall time, and the cost of the size rollup in it: the rebuild the import
#    runs for the file's days, run again alone with sqlite3 on the imported database;
#  - GET /analytics/waste and /analytics/funnel?by=geo over 7 and 30 days: p50/p95
#    (aim p95 < 200 ms).
# Usage: bench/waste.sh [DAYS] [REQUESTS]   (defaults 30, 100)
source "$(dirname "$0")/lib.sh"
days=${1:-30}
requests=${2:-100}
unset DATABASE_URL

python3 - "$work" "$days" <<'PY'
import random, sys
work, days = sys.argv[1], int(sys.argv[2])
rng = random.Random(11)
codes = ("AD AE AF AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CF CG CH CI "
         "CL CM CN CO CR CU CV CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FM FR GA GB GD GE GH GM GN GQ GR GT "
         "GW GY HN HR HT HU ID IE IL IN IQ IR IS IT JM JO JP KE KG KH KI KM KN KP KR KW KZ LA LB LC LI LK LR LS LT "
         "LU LV LY MA MC MD ME MG MH MK ML MM MN MR MT MU MV MW MX MY MZ NA NE NG NI NL NO NP NR NZ OM PA PE PG PH "
         "PK PL PT PW PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SY SZ TD TG TH TJ TL TM TN "
         "TO TR TT TV TZ UA UG US UY UZ VA VC VE VN VU WS YE ZA ZM ZW HK TW PR BM KY AW").split()[:200]
assert len(codes) == 200, len(codes)
sizes = [f"{w}x{h}" for w in (120, 160, 234, 250, 300, 320, 336, 468, 728, 970) for h in (50, 60, 90, 100, 250, 280, 480, 600, 1050, 1024)]
devices = ["mobile", "desktop", "tablet", "ctv"]
with open(f"{work}/traffic.csv", "w") as out:
    out.write("date,size,format,country,device,requests\n")
    for d in range(days):
        date = f"2026-10-{1 + d:02d}" if d < 31 else f"2026-11-{d - 30:02d}"
        for size in sizes:
            for c in codes:
                for dev in devices:
                    out.write(f"{date},{size},HTML,{c},{dev},{rng.randint(1, 5000)}\n")
with open(f"{work}/funnel.csv", "w") as out:
    out.write("Day,Country,Platform,Bid requests,Inventory matches,Successful responses,Bids,Bids in auction,Auctions won,Impressions\n")
    for d in range(days):
        date = f"2026-10-{1 + d:02d}" if d < 31 else f"2026-11-{d - 30:02d}"
        for c in codes:
            for dev in ("High-end mobile devices", "Desktop", "Tablets", "Connected TV"):
                r = rng.randint(10000, 900000)
                b = r // rng.randint(4, 40)
                out.write(f"{date},{c},{dev},{r},{r * 8 // 10},{r * 6 // 10},{b},{b * 9 // 10},{b // 5},{b // 6}\n")
PY
lines=$(($(wc -l <"$work/traffic.csv") - 1))
echo "traffic: ${lines} rows ($(du -h "$work/traffic.csv" | cut -f1)), funnel by geo: $(($(wc -l <"$work/funnel.csv") - 1)) rows"

start=$(date +%s.%N)
RTBCAT_DATA_DIR=$work/data "$bin" import performance "$work/traffic.csv" >"$work/import.log"
end=$(date +%s.%N)
# The rebuild the import ran for these days (same SQL: crates/store/src/bidder/waste/mod.rs).
rollup_start=$(date +%s.%N)
sqlite3 "$work/data/rtbcat.db" "BEGIN; DELETE FROM traffic_size_daily;
  INSERT INTO traffic_size_daily (date, size, seat_id, requests)
  SELECT date, size, seat_id, CAST(COALESCE(SUM(requests), 0) AS BIGINT) FROM rtb_traffic
  WHERE kind = 'traffic' AND size <> '' GROUP BY date, size, seat_id; COMMIT;"
rollup_end=$(date +%s.%N)
python3 -c "
total, rollup, n = $end - $start, $rollup_end - $rollup_start, $lines
print(f'import: {total:.2f} s ({n / total:,.0f} rows/s); size rollup rebuild alone: {rollup:.2f} s = {rollup / total * 100:.0f}% of the import')"
RTBCAT_DATA_DIR=$work/data "$bin" import performance "$work/funnel.csv" >/dev/null

export RTBCAT_DATA_DIR=$work/data
RTBCAT_PASSWORD=bench-password-123 "$bin" user add bench@example.com --role viewer >/dev/null
token=$("$bin" token create --user bench@example.com 2>/dev/null)
start_server "$work/serve.log"
python3 bench/latency.py "$addr" "$token" "$requests" 200 \
  "/analytics/waste?days=30" \
  "/analytics/waste?days=7" \
  "/analytics/funnel?by=geo&days=30" \
  "/analytics/funnel?days=7"
python3 bench/latency.py "$addr" "$token" 20 200 "/analytics/size-coverage?days=30&format=csv"
