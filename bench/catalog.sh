#!/usr/bin/env bash
# Catalog benchmarks on the release binary and a fresh SQLite database:
#  - `rtbcat import creatives` of a 652-creative file (cold and repeat), wall time;
#  - `GET /creatives` latency (p50/p95/p99) with 10,000 creatives, over keep-alive HTTP.
# Usage: bench/catalog.sh [CREATIVES] [REQUESTS]   (defaults 10000, 400)
set -euo pipefail
cd "$(dirname "$0")/.."
creatives=${1:-10000}
requests=${2:-400}

cargo build --release --quiet
bin=$PWD/target/release/rtbcat
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export RTBCAT_DATA_DIR=$work/data RUST_LOG=warn
unset DATABASE_URL

echo "== import creatives (652-creative API export)"
python3 - "$bin" "$work" <<'PY'
import json, os, subprocess, sys, time
binary, work = sys.argv[1], sys.argv[2]
env = dict(os.environ, RTBCAT_DATA_DIR=os.path.join(work, "import"))
# The demo generator writes the file users would get from creatives.list.
subprocess.run([binary, "demo", "--creatives", "652", "--seed", "7"], env=dict(env, RTBCAT_DATA_DIR=os.path.join(work, "gen")), check=True, capture_output=True)
import sqlite3
rows = sqlite3.connect(os.path.join(work, "gen", "rtbcat.db")).execute("SELECT raw_json FROM creatives").fetchall()
path = os.path.join(work, "creatives.json")
with open(path, "w") as f:
    json.dump({"creatives": [json.loads(r[0]) for r in rows], "nextPageToken": ""}, f)
print(f"file: {len(rows)} creatives, {os.path.getsize(path) / 1e6:.2f} MB")
for label in ("first import (all new)", "second import (unchanged)"):
    start = time.perf_counter()
    out = subprocess.run([binary, "import", "creatives", "--json", path], env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    report = json.loads(out.stdout)
    print(f"{label}: {wall * 1000:.0f} ms wall (process start to exit), inserted {report['inserted']}, unchanged {report['unchanged']}")
PY

echo "== GET /creatives with $creatives creatives"
"$bin" demo --creatives "$creatives" >/dev/null
RTBCAT_PASSWORD=bench-password-123 "$bin" user add bench@example.com --role viewer >/dev/null
token=$("$bin" token create --user bench@example.com 2>/dev/null)
"$bin" serve --addr 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
addr=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)

python3 - "$addr" "$token" "$requests" <<'PY'
import http.client, statistics, sys, time, urllib.parse
addr, token, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
host = urllib.parse.urlparse(addr)
conn = http.client.HTTPConnection(host.hostname, host.port)
headers = {"Authorization": f"Bearer {token}"}
def measure(path, n):
    times = []
    size = 0
    for i in range(n + 20):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status == 200, (path, response.status, body[:200])
        if i >= 20:  # warm-up excluded
            times.append(elapsed)
            size = len(body)
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
    print(f"{path:<58} p50 {q(0.50):7.2f} ms  p95 {q(0.95):7.2f} ms  p99 {q(0.99):7.2f} ms  ({size / 1024:.0f} KiB)")
    return q(0.95)
p95 = measure("/creatives?slim=true", requests)
measure("/creatives?slim=true&page=50", requests)
measure("/creatives?slim=true&format=VIDEO&status=APPROVED", requests)
measure("/creatives?slim=true&search=puzzle", requests)
measure("/creatives", requests)
measure("/creatives?slim=true&page_size=10000", max(20, requests // 10))
print(f"target: GET /creatives?slim=true p95 < 50 ms -> {'met' if p95 < 50 else 'MISSED'} ({p95:.2f} ms)")
PY
