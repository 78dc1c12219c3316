# Shared by the bench scripts and the API fuzzing (source it first): the release build (or
# BENCH_BIN), a work dir removed on exit (stopping a server started with start_server), quiet
# logs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# BENCH_BIN=path runs another build instead (a before/after comparison in one sitting).
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$(realpath "$BENCH_BIN")
else
  cargo build --release --quiet
  bin=$PWD/target/release/rtbcat
fi
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export RUST_LOG=warn

# start_server LOG [LAUNCHER…] — `rtbcat serve` on a free port with the current environment,
# run through LAUNCHER when given (e.g. valgrind); sets server_pid and addr
# (http://127.0.0.1:PORT) once it listens, and fails if it does not within 60 s.
start_server() {
  local log=$1
  shift
  "$@" "$bin" serve --addr 127.0.0.1:0 >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do grep -q "listening on" "$log" && break; sleep 0.1; done
  addr=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
  [ -n "$addr" ] || { echo "FAIL: the server did not start; its log:" >&2; cat "$log" >&2; exit 1; }
}
