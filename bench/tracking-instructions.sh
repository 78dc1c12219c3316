#!/usr/bin/env bash
# The server's own work per tracked impression, counted in instructions (valgrind's
# callgrind), next to the same server's `/ping` in the same process. Wall-clock rates on this
# machine swing with the host (the same binary gave 10–35k impressions/s within an hour);
# instruction counts repeat for the same binary and inputs whatever else the machine does,
# so a change to the request path shows here even when `bench/tracking.sh` cannot see it.
# Counts user space only: the kernel's socket and fsync work is not in them. SQLite on disk,
# REQUESTS of each kind from 32 keep-alive connections (so the writer groups events as under
# load), after a warm-up. Valgrind's CPU model hides SHA-NI, so SHA-256 runs in software
# here; its instructions are printed apart and left out of the second ratio.
# Usage: bench/tracking-instructions.sh [REQUESTS]   (default 4000)
source "$(dirname "$0")/lib.sh"
requests=${1:-4000}
for tool in valgrind callgrind_control callgrind_annotate; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is required (apt-get install valgrind)" >&2; exit 1; }
done
unset DATABASE_URL
export RTBCAT_DATA_DIR=$work/data RTBCAT_TRACKING_REQUESTS_PER_MINUTE=1000000000
"$bin" demo --rows 0 --popup-impressions 0 >/dev/null
"$bin" popup tokens --property mff --count $((requests + 500)) >"$work/tokens.txt"

cat >"$work/drive.py" <<'PY'
# drive.py HOST:PORT PATH TOKENS FIRST COUNT CONNECTIONS: COUNT requests (tokens FIRST.. of the
# file for impressions), spread over CONNECTIONS keep-alive connections; fails on any non-2xx.
import http.client, sys, threading
host, path, tokens, first, count, connections = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:7])
lines = open(tokens).read().split()[first:first + count]
headers = {"Content-Type": "text/plain", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}
failures = []
def connection(k):
    c = http.client.HTTPConnection(host)
    for i in range(k, count, connections):
        if path == "/ping":
            c.request("GET", path, headers=headers)
        else:
            c.request("POST", path, body=lines[i], headers=headers)
        r = c.getresponse(); r.read()
        if not 200 <= r.status < 300:
            failures.append(r.status)
threads = [threading.Thread(target=connection, args=(k,)) for k in range(connections)]
[t.start() for t in threads]; [t.join() for t in threads]
if failures:
    sys.exit(f"FAIL: {len(failures)} of {count} {path} requests answered {failures[0]}")
PY

start_server "$work/serve.log" valgrind --tool=callgrind --fair-sched=yes --callgrind-out-file="$work/callgrind.%p"
drive() { python3 "$work/drive.py" "${addr#http://}" "$@"; }
drive /ping "$work/tokens.txt" 0 500 8
drive /api/impression "$work/tokens.txt" 0 500 8
callgrind_control --zero "$server_pid" >/dev/null 2>&1
drive /ping "$work/tokens.txt" 0 "$requests" 32
callgrind_control --dump=ping "$server_pid" >/dev/null 2>&1
drive /api/impression "$work/tokens.txt" 500 "$requests" 32
callgrind_control --dump=impressions "$server_pid" >/dev/null 2>&1
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=

rows=$(sqlite3 "$RTBCAT_DATA_DIR/rtbcat.db" "SELECT COUNT(*) FROM popup_events WHERE kind = 'impression'")
[ "$rows" -eq $((requests + 500)) ] || { echo "FAIL: $rows impression rows for $((requests + 500)) impressions" >&2; exit 1; }
# dump_for TRIGGER → the profile file callgrind wrote for that dump.
dump_for() { grep -l "^desc: Trigger: .*$1\$" "$work"/callgrind.* | head -1; }
total() { awk '/^summary:/ { print $2 }' "$1"; }
sha() { callgrind_annotate --threshold=100 "$1" 2>/dev/null | awk '/sha2::sha256::soft::compress/ { gsub(",", "", $1); print $1; exit }'; }
ping_file=$(dump_for ping); impression_file=$(dump_for impressions)
python3 - "$requests" "$(total "$ping_file")" "$(total "$impression_file")" "$(sha "$impression_file")" <<'PY'
import sys
n, ping, impressions, sha = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4] or 0)
p, i, s = ping / n, impressions / n, sha / n
print(f"instructions per request, {n} of each, 32 connections, SQLite:")
print(f"  /ping {p:,.0f}; tracked impression {i:,.0f} (of which SHA-256 in software {s:,.0f}); "
      f"ratio /ping : impression {p / i:.2f}, {p / (i - s):.2f} without the software SHA-256")
PY
echo "every impression stored: $rows rows"
