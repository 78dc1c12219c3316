#!/usr/bin/env bash
# Tracking benchmark: sustained durable impressions/s against a running release server,
# load from wrk (Debian package) with valid, distinct serve tokens, next to the same load on
# the server's static /ping route (the ceiling). Then counts rows: every 2xx must be one row.
# Then the same again with an A/B test running on the property's thank-you placement and
# learning rotation on the property (set up over the API, as a user would): serving
# (GET /api/offers, visitors spread over both placements so both paths run) and impressions
# (each carrying its experiment arm), printed next to the plain figures of the same run.
# SQLite always; PostgreSQL too with BENCH_POSTGRES_URL.
# Usage: bench/tracking.sh [SECONDS] [CONNECTIONS]   (defaults 10, 64)
source "$(dirname "$0")/lib.sh"
seconds=${1:-10}
connections=${2:-64}
command -v wrk >/dev/null || { echo "FAIL: wrk is required (apt-get install wrk)" >&2; exit 1; }
export RTBCAT_TRACKING_REQUESTS_PER_MINUTE=1000000000

cat >"$work/impressions.lua" <<'LUA'
-- Each thread posts its own slice of the token file: every request is a distinct serve.
-- Tokens are read from the file as they are sent, not loaded ahead: a table of a million
-- strings made wrk's garbage collector pause its threads and inflated the measured p99.
local threads, counter = {}, 0
function setup(thread) counter = counter + 1; thread:set("id", counter); table.insert(threads, thread) end
function init(args)
  file, total, line_number, ok = io.open(args[1]), tonumber(args[2]), 0, 0
end
function next_token()
  while true do
    local line = file:read("*l")
    if not line then return "" end
    line_number = line_number + 1
    if line_number % total == id - 1 then return line end
  end
end
function request()
  return wrk.format("POST", "/api/impression", {["Content-Type"] = "text/plain",
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}, next_token())
end
function response(status) if status >= 200 and status < 300 then ok = ok + 1 end end
function done(summary, latency, requests)
  local ok_total = 0
  for _, t in ipairs(threads) do ok_total = ok_total + t:get("ok") end
  io.write(string.format("RESULT requests=%d ok=%d p50_ms=%.2f p99_ms=%.2f seconds=%.3f\n",
    summary.requests, ok_total, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
LUA

cat >"$work/serve.lua" <<'LUA'
-- Each request is a new visitor (its own id), half on the thank-you placement (the
-- experiment decides), half on exit intent (the learned split decides).
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", counter) end
function init(args) n, ok = 0, 0 end
function request()
  n = n + 1
  local placement = (n % 2 == 0) and "thankyou" or "exit-intent"
  return wrk.format("GET", "/api/offers/mff?placement=" .. placement .. "&session=s" .. id .. "x" .. n ..
    "&visitor=v" .. id .. "x" .. n, {["Origin"] = "https://modefreefinds.com",
    ["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"})
end
function response(status, headers, body) if status == 200 and body:find('"offer_id"') then ok = ok + 1 end end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d p50_ms=%.2f p99_ms=%.2f seconds=%.3f\n",
    summary.requests, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
LUA

serve_load() { # → "RESULT …" for the serving route
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/serve.lua" "$addr" | grep RESULT
}

impression_load() { # tokens_file → "RESULT …"
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/impressions.lua" "$addr" -- "$1" 2 | grep RESULT
}

# learning_on — over the API with a fresh editor token: an experiment (the property's first
# two offers, 50/50) started on mff's thank-you placement, and learning rotation on mff.
learning_on() {
  RTBCAT_PASSWORD='bench password long enough' "$bin" user add bench@example.com --role editor >/dev/null
  local token property offers
  token=$("$bin" token create --user bench@example.com --label bench 2>/dev/null | tail -1)
  property=$(curl -sf -H "Authorization: Bearer $token" "$addr/api/properties" |
    python3 -c 'import json,sys; print(next(p["id"] for p in json.load(sys.stdin) if p["code"] == "mff"))')
  offers=$(curl -sf -H "Authorization: Bearer $token" "$addr/api/campaigns" |
    python3 -c 'import json,sys; print(" ".join(str(o["id"]) for o in json.load(sys.stdin) if "mff" in o["properties"] and o["active"]))')
  set -- $offers
  local experiment
  experiment=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$addr/api/experiments" -d \
    "{\"name\":\"bench\",\"property_id\":$property,\"placement\":\"thankyou\",\"arms\":[{\"label\":\"control\",\"offer_id\":$1},{\"label\":\"challenger\",\"offer_id\":$2,\"title\":\"Last chance\"}]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -X POST "$addr/api/experiments/$experiment/start"
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -X PUT \
    "$addr/api/properties/$property/rotation" -d '{"mode":"learning","floor":0.1,"burn_in":100}'
  echo "experiment $experiment on offers $1 and $2, learning rotation on property $property"
}

run_backend() { # label database_url(or empty for SQLite)
  local label=$1 url=$2 dir=$work/$1
  mkdir -p "$dir"
  if [ -n "$url" ]; then export DATABASE_URL=$url; else unset DATABASE_URL; fi
  export RTBCAT_DATA_DIR=$dir
  "$bin" demo --rows 0 --popup-impressions 0 >/dev/null
  "$bin" popup tokens --property mff --count 1500000 >"$dir/tokens.txt"
  # The token files (230 MB here) and the previous backend's database are still in the page
  # cache, unwritten: written back during a load, they stall its log flushes (see docs/popups.md).
  sync
  start_server "$dir/serve.log"
  local ping
  ping=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$addr/ping" | awk '/Requests\/sec/ {print $2}')
  local out serve_plain serve_learning learning_out note
  out=$(impression_load "$dir/tokens.txt")
  serve_plain=$(serve_load)
  note=$(learning_on)
  # Enough for 60,000 impressions/s over the run.
  "$bin" popup tokens --property mff --count $((seconds * 60000)) >"$dir/tokens-arm.txt"
  sync
  serve_learning=$(serve_load)
  learning_out=$(impression_load "$dir/tokens-arm.txt")
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  local rows
  if [ -n "$url" ]; then
    rows=$(psql -Atq "$url" -c "SELECT COUNT(*) FROM popup_events WHERE kind = 'impression'")
  else
    rows=$(sqlite3 "$dir/rtbcat.db" "SELECT COUNT(*) FROM popup_events WHERE kind = 'impression'")
  fi
  echo "$label: $note"
  python3 - "$label" "$ping" "$out" "$rows" "$connections" "$serve_plain" "$serve_learning" "$learning_out" <<'PY'
import sys
label, ping, out, rows, connections = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
parse = lambda text: dict(kv.split("=") for kv in text.split()[1:])
f = parse(out)
rate = int(f["ok"]) / float(f["seconds"])
print(f"{label}: static /ping {ping:,.0f} req/s; tracked impressions {rate:,.0f}/s durable "
      f"(p50 {float(f['p50_ms']):.2f} ms, p99 {float(f['p99_ms']):.2f} ms); ratio {rate / ping:.2f} "
      f"(aim >= 20,000/s, p99 < 20 ms, ratio >= 0.5)")
plain, learning, with_arm = parse(sys.argv[6]), parse(sys.argv[7]), parse(sys.argv[8])
serve = lambda g: int(g["requests"]) / float(g["seconds"])
arm_rate = int(with_arm["ok"]) / float(with_arm["seconds"])
print(f"{label}: serving {serve(plain):,.0f}/s (p99 {float(plain['p99_ms']):.2f} ms) plain; "
      f"{serve(learning):,.0f}/s (p99 {float(learning['p99_ms']):.2f} ms) with the experiment and learning "
      f"rotation; ratio {serve(learning) / serve(plain):.2f}")
print(f"{label}: impressions {rate:,.0f}/s (p99 {float(f['p99_ms']):.2f} ms) plain; {arm_rate:,.0f}/s "
      f"(p99 {float(with_arm['p99_ms']):.2f} ms) each with its experiment arm; ratio {arm_rate / rate:.2f}")
# wrk stops with up to one request per connection in flight: the server may commit those
# after wrk stopped listening, so rows may exceed the 2xx count by at most that many.
ok = int(f["ok"]) + int(with_arm["ok"])
good = ok <= rows <= ok + 2 * connections
verdict = "every 2xx is a row" if good else "MISMATCH"
print(f"{label}: {int(f['requests']) + int(with_arm['requests'])} impression requests, {ok} answered 2xx, {rows} impression rows "
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
