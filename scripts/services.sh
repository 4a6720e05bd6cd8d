#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis servers the tests use are answering on 127.0.0.1,
# starting the local ones when they are installed but stopped. Exits non-zero, saying why,
# when either cannot be reached: the PostgreSQL run of the tests is never silently skipped.
set -euo pipefail

pg_host=${LMS_TEST_PG_HOST:-127.0.0.1}
pg_port=${LMS_TEST_PG_PORT:-5432}
redis_port=${LMS_TEST_REDIS_PORT:-6379}

pg_up() { pg_isready -q -h "$pg_host" -p "$pg_port"; }
redis_up() { [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]]; }

if ! pg_up; then
  echo "services: PostgreSQL is not answering on $pg_host:$pg_port; trying to start it"
  if command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]]; then
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
  fi
  for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
fi
if ! pg_up; then
  echo "services: PostgreSQL is required on $pg_host:$pg_port (trust auth for user postgres)." >&2
  echo "  Debian: sudo apt-get install postgresql && sudo pg_ctlcluster 15 main start" >&2
  exit 1
fi

if ! redis_up; then
  echo "services: Redis is not answering on 127.0.0.1:$redis_port; trying to start it"
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /tmp/lms-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
      --dir /tmp/lms-redis --logfile /tmp/lms-redis/redis.log || true
  fi
  for _ in $(seq 1 50); do redis_up && break; sleep 0.2; done
fi
if ! redis_up; then
  echo "services: Redis is required on 127.0.0.1:$redis_port. Debian: sudo apt-get install redis-server" >&2
  exit 1
fi
echo "services: PostgreSQL $pg_host:$pg_port and Redis 127.0.0.1:$redis_port are up"
