#!/usr/bin/env bash
# Catalog benchmarks on the release binary and a fresh SQLite database:
#  - `rtbcat import creatives` of a 652-creative file (cold and repeat), wall time;
#  - `GET /creatives` latency (p50/p95/p99) with 10,000 creatives, over keep-alive HTTP.
# Usage: bench/catalog.sh [CREATIVES] [REQUESTS]   (defaults 10000, 400)
source "$(dirname "$0")/lib.sh"
creatives=${1:-10000}
requests=${2:-400}

export RTBCAT_DATA_DIR=$work/data
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
start_server "$work/serve.log"

python3 bench/latency.py "$addr" "$token" "$requests" 50 \
  "/creatives?slim=true" \
  "/creatives?slim=true&page=50" \
  "/creatives?slim=true&format=VIDEO&status=APPROVED" \
  "/creatives?slim=true&search=puzzle" \
  "/creatives" \
  "/creatives?slim=true&page_size=10000"
