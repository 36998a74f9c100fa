#!/usr/bin/env bash
# Installs or starts what the tests need: Debian's Chromium, a Redis server, PostgreSQL, nginx.
# With CI=true each one is required; elsewhere a missing one only makes its tests skip.
set -uo pipefail
ci=${CI:-false}
apt_updated=0
fail() { echo "ensure-test-services: $*" >&2; [ "$ci" = "true" ] && exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq >/dev/null 2>&1; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
py() { .venv/bin/python "$@"; }

# Chromium (Playwright's own browser download is not used: Debian's package is).
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "ensure-test-services: installing Chromium"
  apt_install chromium || fail "Chromium is missing and could not be installed"
fi

# The end-to-end suite (tests/e2e) starts servers of its own: nginx (the reverse proxy in
# front of two web processes), redis-server and PostgreSQL's server binaries (initdb).
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "ensure-test-services: installing nginx"
  apt_install nginx || fail "nginx is missing and could not be installed"
fi
if ! command -v redis-server >/dev/null; then
  echo "ensure-test-services: installing redis-server"
  apt_install redis-server || fail "redis-server is missing and could not be installed"
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "ensure-test-services: installing PostgreSQL"
  apt_install postgresql || fail "PostgreSQL's server (initdb) is missing and could not be installed"
fi

# Redis: start one when none answers.
redis_up() { py -c "import redis,sys; redis.Redis.from_url('${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}', socket_connect_timeout=1).ping()" 2>/dev/null; }
if ! redis_up; then
  command -v redis-server >/dev/null || { echo "ensure-test-services: installing redis-server"; apt_install redis-server; }
  if command -v redis-server >/dev/null; then
    echo "ensure-test-services: starting redis-server on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp --logfile /tmp/ouderportaal-redis.log
    for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
  fi
  redis_up || fail "no Redis answers on 127.0.0.1:6379"
fi

# PostgreSQL: start the local cluster when it is installed but not answering.
pg_up() { py -c "import psycopg; psycopg.connect('${PG_TEST_URL:-postgresql://postgres@127.0.0.1:5432/test}', connect_timeout=2).close()" 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "ensure-test-services: starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null
    for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  fi
  pg_up || fail "no PostgreSQL answers at ${PG_TEST_URL:-postgresql://postgres@127.0.0.1:5432/test}"
fi
exit 0
