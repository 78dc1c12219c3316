#!/usr/bin/env bash
# Soak: MINUTES of mixed load against one release server on SQLite (PostgreSQL too with
# BENCH_POSTGRES_URL): each minute, tracking (serves and impression beacons, cycling through
# a pool of tokens, so repeats exercise the exactly-once path), API and page reads, and a
# performance import every 20 seconds. Prints a line a minute (server memory, p99 of
# tracking and of reads, errors) and a summary: memory growth, p99 drift, errors.
# Not part of every CI run; run it before a release:  bench/soak.sh [MINUTES]  (default 10)
# SOAK_BACKENDS=postgres (or sqlite) picks one.
source "$(dirname "$0")/lib.sh"
minutes=${1:-10}
command -v wrk >/dev/null || { echo "FAIL: wrk is required (apt-get install wrk)" >&2; exit 1; }
export RTBCAT_TRACKING_REQUESTS_PER_MINUTE=1000000000

cat >"$work/beacons.lua" <<'LUA'
-- Impression beacons, cycling through the token file (a repeat is counted once).
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", counter) end
function init(args)
  tokens, n = {}, 0
  for line in io.lines(args[1]) do n = n + 1; tokens[n] = line end
  next_token, errors = id * 7919 % n, 0
end
function request()
  next_token = next_token % n + 1
  return wrk.format("POST", "/api/impression", {["Content-Type"] = "text/plain",
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}, tokens[next_token])
end
function response(status) if status >= 300 then errors = errors + 1 end end
LUA

cat >"$work/reads.lua" <<'LUA'
-- API and page reads as a dashboard user makes them.
local paths = {"/creatives?sort=spend&page_size=50", "/api/analytics/mff?group_by=day", "/campaigns?period=30d",
  "/opportunities", "/api/analytics/all/realtime", "/analytics/waste?days=7"}
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", counter) end
function init(args) token, i, errors = args[1], id, 0 end
function request()
  i = i + 1
  return wrk.format("GET", paths[i % #paths + 1], {["Authorization"] = "Bearer " .. token})
end
function response(status) if status >= 300 then errors = errors + 1 end end
LUA

# done() runs once per wrk; the per-thread error counts are summed there.
for script in beacons reads; do
  cat >>"$work/$script.lua" <<'LUA'
local threads = {}
local setup_first = setup
function setup(thread) setup_first(thread); table.insert(threads, thread) end
function done(summary, latency)
  local e = 0
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("RESULT requests=%d errors=%d p99_ms=%.2f seconds=%.3f\n",
    summary.requests, e + summary.errors.connect + summary.errors.timeout,
    latency:percentile(99) / 1000, summary.duration / 1e6))
end
LUA
done

soak_backend() { # label database_url(or empty)
  local label=$1 url=$2 dir=$work/$1
  mkdir -p "$dir"
  if [ -n "$url" ]; then export DATABASE_URL=$url; else unset DATABASE_URL; fi
  export RTBCAT_DATA_DIR=$dir
  "$bin" demo --rows 20000 >/dev/null
  RTBCAT_PASSWORD='soak password long enough' "$bin" user add soak@example.com --role editor >/dev/null
  local token
  token=$("$bin" token create --user soak@example.com --label soak 2>/dev/null | tail -1)
  "$bin" popup tokens --property mff --count 300000 >"$dir/tokens.txt"
  printf '#Day,Creative ID,Creative Size,Country,Impressions,Clicks,Spend\n' >"$dir/import.csv"
  for i in $(seq 1 2000); do printf '11/%d/26,soak-%d,300x250,Brazil,%d,%d,$%d.00\n' $((i % 28 + 1)) $((i % 50)) $((i * 3)) $((i % 7)) $((i % 9)) >>"$dir/import.csv"; done
  start_server "$dir/serve.log"
  local rss_start="" p99_track_first="" p99_read_first="" total=0 errors=0 imports_ok=0 imports=0
  local rss track reads
  for minute in $(seq 1 "$minutes"); do
    ( for _ in 1 2 3; do
        sleep 20
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
          -F "file=@$dir/import.csv" "$addr/api/performance/import")
        echo "$code" >>"$dir/imports.txt"
      done ) &
    local importer=$!
    wrk -t1 -c8 -d60s -s "$work/beacons.lua" "$addr" -- "$dir/tokens.txt" >"$dir/track.out" &
    local tracker=$!
    reads=$(wrk -t1 -c4 -d60s -s "$work/reads.lua" "$addr" -- "$token" | grep RESULT)
    wait "$tracker"; wait "$importer"
    track=$(grep RESULT "$dir/track.out")
    rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server_pid/status")
    local f r
    f=$(python3 -c 'import sys; d=dict(kv.split("=") for kv in sys.argv[1].split()[1:]); print(d["requests"], d["errors"], d["p99_ms"])' "$track")
    r=$(python3 -c 'import sys; d=dict(kv.split("=") for kv in sys.argv[1].split()[1:]); print(d["requests"], d["errors"], d["p99_ms"])' "$reads")
    set -- $f $r
    total=$((total + $1 + $4)); errors=$((errors + $2 + $5))
    [ -z "$rss_start" ] && rss_start=$rss && p99_track_first=$3 && p99_read_first=$6
    echo "$label minute $minute: rss ${rss} MB; tracking $1 requests p99 $3 ms ($2 errors); reads $4 requests p99 $6 ms ($5 errors)"
    p99_track_last=$3; p99_read_last=$6
  done
  imports=$(wc -l <"$dir/imports.txt"); imports_ok=$(grep -c '^200$' "$dir/imports.txt" || true)
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  python3 - "$label" "$minutes" "$rss_start" "$rss" "$p99_track_first" "$p99_track_last" "$p99_read_first" \
    "$p99_read_last" "$total" "$errors" "$imports" "$imports_ok" <<'PY'
import sys
label, minutes = sys.argv[1], sys.argv[2]
rss0, rss1 = int(sys.argv[3]), int(sys.argv[4])
t0, t1, r0, r1 = map(float, sys.argv[5:9])
total, errors, imports, imports_ok = map(int, sys.argv[9:13])
print(f"{label} soak, {minutes} min: memory {rss0} -> {rss1} MB ({(rss1 - rss0) / max(rss0, 1):+.0%}); "
      f"tracking p99 {t0:.1f} -> {t1:.1f} ms; reads p99 {r0:.1f} -> {r1:.1f} ms; "
      f"{errors} errors in {total:,} requests; imports {imports_ok}/{imports} ok")
sys.exit(0 if errors == 0 and imports_ok == imports else 1)
PY
}

# SOAK_BACKENDS=postgres soaks PostgreSQL alone (BENCH_POSTGRES_URL must be set).
backends=${SOAK_BACKENDS:-sqlite postgres}
if [ -n "${SOAK_BACKENDS:-}" ] && [[ " $backends " == *" postgres "* ]] && [ -z "${BENCH_POSTGRES_URL:-}" ]; then
  echo "FAIL: SOAK_BACKENDS asks for PostgreSQL; set BENCH_POSTGRES_URL" >&2
  exit 1
fi
if [[ " $backends " == *" sqlite "* ]]; then
  echo "== SQLite"
  soak_backend sqlite ""
fi
if [[ " $backends " == *" postgres "* ]] && [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  echo "== PostgreSQL"
  db=rtbcat_soak_$$
  psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $db"
  soak_backend postgres "${BENCH_POSTGRES_URL%/*}/$db"
  psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE $db WITH (FORCE)"
fi
