#!/usr/bin/env bash
# Tracking benchmark: sustained durable impressions/s against a running release server,
# load from wrk (Debian package) with valid, distinct serve tokens, next to the same load on
# the server's static /ping route (the ceiling). Then counts rows: every 2xx must be one row.
# SQLite always; PostgreSQL too with BENCH_POSTGRES_URL.
# Usage: bench/tracking.sh [SECONDS] [CONNECTIONS]   (defaults 10, 64)
source "$(dirname "$0")/lib.sh"
seconds=${1:-10}
connections=${2:-64}
command -v wrk >/dev/null || { echo "FAIL: wrk is required (apt-get install wrk)" >&2; exit 1; }
export RTBCAT_TRACKING_REQUESTS_PER_MINUTE=1000000000

cat >"$work/impressions.lua" <<'LUA'
-- Each thread posts its own slice of the token file: every request is a distinct serve.
local threads, counter = {}, 0
function setup(thread) counter = counter + 1; thread:set("id", counter); table.insert(threads, thread) end
function init(args)
  tokens, n = {}, 0
  local total = tonumber(args[2])
  local i = 0
  for line in io.lines(args[1]) do
    i = i + 1
    if i % total == id - 1 then n = n + 1; tokens[n] = line end
  end
  next_token, ok = 0, 0
end
function request()
  next_token = next_token + 1
  return wrk.format("POST", "/api/impression", {["Content-Type"] = "text/plain",
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}, tokens[next_token])
end
function response(status) if status >= 200 and status < 300 then ok = ok + 1 end end
function done(summary, latency, requests)
  local ok_total = 0
  for _, t in ipairs(threads) do ok_total = ok_total + t:get("ok") end
  io.write(string.format("RESULT requests=%d ok=%d p50_ms=%.2f p99_ms=%.2f seconds=%.3f\n",
    summary.requests, ok_total, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
LUA

run_backend() { # label database_url(or empty for SQLite)
  local label=$1 url=$2 dir=$work/$1
  mkdir -p "$dir"
  if [ -n "$url" ]; then export DATABASE_URL=$url; else unset DATABASE_URL; fi
  export RTBCAT_DATA_DIR=$dir
  "$bin" demo --rows 0 --popup-impressions 0 >/dev/null
  "$bin" popup tokens --property mff --count 1500000 >"$dir/tokens.txt"
  start_server "$dir/serve.log"
  local ping
  ping=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$addr/ping" | awk '/Requests\/sec/ {print $2}')
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/impressions.lua" "$addr" -- "$dir/tokens.txt" 2 | grep RESULT)
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  local rows
  if [ -n "$url" ]; then
    rows=$(psql -Atq "$url" -c "SELECT COUNT(*) FROM popup_events WHERE kind = 'impression'")
  else
    rows=$(sqlite3 "$dir/rtbcat.db" "SELECT COUNT(*) FROM popup_events WHERE kind = 'impression'")
  fi
  python3 - "$label" "$ping" "$out" "$rows" "$connections" <<'PY'
import sys
label, ping, out, rows, connections = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
f = dict(kv.split("=") for kv in out.split()[1:])
rate = int(f["ok"]) / float(f["seconds"])
print(f"{label}: static /ping {ping:,.0f} req/s; tracked impressions {rate:,.0f}/s durable "
      f"(p50 {float(f['p50_ms']):.2f} ms, p99 {float(f['p99_ms']):.2f} ms); ratio {rate / ping:.2f} "
      f"(aim >= 20,000/s, p99 < 20 ms, ratio >= 0.5)")
# wrk stops with up to one request per connection in flight: the server may commit those
# after wrk stopped listening, so rows may exceed the 2xx count by at most that many.
ok = int(f["ok"])
good = ok <= rows <= ok + connections
verdict = "every 2xx is a row" if good else "MISMATCH"
print(f"{label}: {f['requests']} requests, {ok} answered 2xx, {rows} impression rows "
      f"({rows - ok} committed while wrk was stopping) -> {verdict}")
sys.exit(0 if good else 1)
PY
}

echo "== SQLite"
run_backend sqlite ""
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  echo "== PostgreSQL"
  db=rtbcat_track_$$
  psql -q "$BENCH_POSTGRES_URL" -c "CREATE DATABASE $db"
  run_backend postgres "${BENCH_POSTGRES_URL%/*}/$db"
  psql -q "$BENCH_POSTGRES_URL" -c "DROP DATABASE $db WITH (FORCE)"
fi
