#!/usr/bin/env bash
# Fuzzes the JSON API from its own OpenAPI document with schemathesis (PyPI), against a real
# `rtbcat serve` on SQLite and on PostgreSQL, as anonymous, viewer, editor and admin: every
# answer must be below 500 and match the schema the document gives for its status.
#
#   tests/api-fuzz/run.sh [sqlite|postgres|both] [EXAMPLES]
#
# EXAMPLES is the most cases per operation and role (default 30). FUZZ_SEED fixes the
# random seed (printed on every run, so a failure can be replayed). PostgreSQL comes from
# RTBCAT_TEST_POSTGRES_URL (a superuser; a scratch database is made and dropped).
set -euo pipefail
backends=${1:-both}
examples=${2:-30}
seed=${FUZZ_SEED:-$RANDOM$RANDOM}
pg_url=${RTBCAT_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export PGOPTIONS="-c client_min_messages=warning" # no NOTICE for DROP … IF EXISTS

command -v st >/dev/null 2>&1 || {
  echo "FAIL: schemathesis is required (pip install schemathesis)" >&2
  exit 1
}
# `st` through a wrapper that works around a CPython 3.11 thread race in ast.parse (see st.py).
st_py=$(cd "$(dirname "$0")" && pwd)/st.py
# The release build, $bin, $work, start_server and the cleanup on exit.
source "$(dirname "$0")/../../bench/lib.sh"
database=
trap '[ -n "$database" ] && psql -Atq "$pg_url" -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1; cleanup' EXIT
export RTBCAT_TRACKING_REQUESTS_PER_MINUTE=100000000 RTBCAT_PASSWORD="fuzz password 0123456789"
echo "api fuzz: seed $seed, at most $examples cases per operation and role"

# Operations that would take the fuzzing admin's own access away (revoke its token, disable
# or demote accounts): fuzzed last, after every other operation has run as every role.
account_ops='^/api/(tokens|users)/\{id\}$'
failures=0

total_cases=0
runs=0
fuzz() { # LABEL ARGS… — one schemathesis run; a line of summary, the whole log on failure
  local label=$1 outcome=passed cases
  shift
  # From the work dir: schemathesis keeps a cache of its own under the current directory.
  if ! (cd "$work" && python3 "$st_py" --no-color run "$addr/openapi.json" --checks not_a_server_error,response_schema_conformance \
    --max-examples "$examples" --seed "$seed" --workers 2 --request-timeout 30 \
    --suppress-health-check all --phases examples,coverage,fuzzing "$@" >"$work/$label.log" 2>&1); then
    outcome=FAILED
    failures=$((failures + 1))
    cat "$work/$label.log"
  fi
  cases=$(grep -Eo '[0-9]+ generated' "$work/$label.log" | grep -Eo '[0-9]+' | tail -1)
  total_cases=$((total_cases + ${cases:-0}))
  runs=$((runs + 1))
  printf '%-28s %6s cases  %s\n' "$label" "${cases:-?}" "$outcome"
}

run_backend() {
  local backend=$1
  rm -rf "$work/data"
  mkdir -p "$work/data"
  export RTBCAT_DATA_DIR=$work/data
  unset DATABASE_URL
  if [ "$backend" = postgres ]; then
    database=rtbcat_fuzz_$$
    psql -Atq "$pg_url" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" >/dev/null
    export DATABASE_URL=${pg_url%/*}/$database
  fi
  "$bin" demo --creatives 300 --rows 20000 --popup-impressions 500 >/dev/null
  declare -A tokens
  for role in viewer editor admin; do
    "$bin" user add "$role@fuzz.test" --role "$role" >/dev/null
    tokens[$role]=$("$bin" token create --user "$role@fuzz.test" --label fuzz 2>/dev/null | grep -Eo '[A-Za-z0-9_.-]{32,}' | head -1)
    [ -n "${tokens[$role]}" ] || { echo "FAIL: no token for $role" >&2; exit 1; }
  done
  start_server "$work/server-$backend.log"
  [ -n "$addr" ] || { cat "$work/server-$backend.log"; echo "FAIL: the server did not start" >&2; exit 1; }

  fuzz "$backend-anonymous" --exclude-path-regex "$account_ops"
  for role in viewer editor admin; do
    fuzz "$backend-$role" -H "Authorization: Bearer ${tokens[$role]}" --exclude-path-regex "$account_ops"
  done
  fuzz "$backend-admin-accounts" -H "Authorization: Bearer ${tokens[admin]}" --include-path-regex "$account_ops"

  if grep -E ' (ERROR|panicked)' "$work/server-$backend.log"; then
    echo "FAIL: the server logged errors while fuzzed on $backend" >&2
    failures=$((failures + 1))
  fi
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  if [ "$backend" = postgres ]; then
    psql -Atq "$pg_url" -c "DROP DATABASE IF EXISTS $database" >/dev/null
    database=
  fi
}

case $backends in
  sqlite | postgres) run_backend "$backends" ;;
  both) run_backend sqlite && run_backend postgres ;;
  *) echo "usage: $0 [sqlite|postgres|both] [EXAMPLES]" >&2; exit 2 ;;
esac

echo "api fuzz: $total_cases cases in $runs runs, $failures failing; seed $seed"
[ "$failures" -eq 0 ]
