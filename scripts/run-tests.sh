#!/usr/bin/env bash
# The whole suite on SQLite (browser tests included), then on PostgreSQL when one answers.
set -uo pipefail
PG_TEST_URL=${PG_TEST_URL:-postgresql://postgres@127.0.0.1:5432/test}
py=.venv/bin/python

echo "== pytest on SQLite (all tests, Chromium included)"
$py -m pytest -m "not postgres_only" "$@"
sqlite_rc=$?

pg_rc=0
if $py -c "import psycopg; psycopg.connect('$PG_TEST_URL', connect_timeout=2).close()" 2>/dev/null; then
  echo "== pytest on PostgreSQL (all but the browser tests, which ran above)"
  TEST_DATABASE_URL=$PG_TEST_URL TEST_REDIS_URL=redis://127.0.0.1:6379/14 $py -m pytest -m "not browser" "$@"
  pg_rc=$?
elif [ "${CI:-false}" = "true" ]; then
  echo "PostgreSQL is required in CI and does not answer at $PG_TEST_URL" >&2
  pg_rc=1
else
  echo "== PostgreSQL not reachable: skipped the PostgreSQL run"
fi

# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ]
