#!/usr/bin/env bash
# The whole suite on SQLite (browser tests included) and, at the same time, on PostgreSQL
# (all but the browser tests) when one answers, and the end-to-end suite (tests/e2e: the
# Procfile under honcho with servers of its own; mostly waiting for its faults to pass).
# Three runs on two cores: each has its own database, Redis db and ports. Their output is
# shown one after the other; each one's exit status counts.
# Extra arguments go to the SQLite and PostgreSQL runs; the e2e run then only runs with E2E=1.
set -uo pipefail
PG_TEST_URL=${PG_TEST_URL:-postgresql://postgres@127.0.0.1:5432/test}
# The Redis db of each run (override to run beside another checkout's `make test`).
SQLITE_REDIS_URL=${SQLITE_REDIS_URL:-redis://127.0.0.1:6379/15}
PG_REDIS_URL=${PG_REDIS_URL:-redis://127.0.0.1:6379/14}
E2E=${E2E:-$([ $# -eq 0 ] && echo 1 || echo 0)}
py=.venv/bin/python
logs=$(mktemp -d)

e2e_rc=0
e2e_pid=
if [ "$E2E" = "1" ]; then
  $py -m pytest -p no:cacheprovider -m e2e tests/e2e > "$logs/e2e.log" 2>&1 &
  e2e_pid=$!
else
  echo "== e2e suite not run (arguments given; E2E=1 runs it too)" > "$logs/e2e.log"
fi

pg_rc=0
pg_pid=
if $py -c "import psycopg; psycopg.connect('$PG_TEST_URL', connect_timeout=2).close()" 2>/dev/null; then
  TEST_DATABASE_URL=$PG_TEST_URL TEST_REDIS_URL=$PG_REDIS_URL \
    $py -m pytest -p no:cacheprovider -m "not browser and not e2e" "$@" > "$logs/postgres.log" 2>&1 &
  pg_pid=$!
elif [ "${CI:-false}" = "true" ]; then
  echo "PostgreSQL is required in CI and does not answer at $PG_TEST_URL" >&2
  pg_rc=1
else
  echo "== PostgreSQL not reachable: the PostgreSQL run is skipped" > "$logs/postgres.log"
fi

TEST_REDIS_URL=$SQLITE_REDIS_URL $py -m pytest -p no:cacheprovider -m "not postgres_only and not e2e" "$@" \
  > "$logs/sqlite.log" 2>&1
sqlite_rc=$?
if [ -n "$pg_pid" ]; then
  wait "$pg_pid"
  pg_rc=$?
fi
if [ -n "$e2e_pid" ]; then
  wait "$e2e_pid"
  e2e_rc=$?
fi

echo "== pytest on SQLite (all tests, Chromium included): exit $sqlite_rc"
cat "$logs/sqlite.log"
echo "== pytest on PostgreSQL (all but the browser tests, which ran above): exit $pg_rc"
cat "$logs/postgres.log"
echo "== pytest end-to-end (tests/e2e: honcho, own PostgreSQL/Redis/S3/SMTP/nginx, the fault table): exit $e2e_rc"
cat "$logs/e2e.log"
rm -rf "$logs"
# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ] && [ $e2e_rc -eq 0 ]
