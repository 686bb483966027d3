#!/usr/bin/env bash
# Makes sure MariaDB (127.0.0.1:3306, root, empty password) and Redis (127.0.0.1:6379)
# answer, starting them if they are installed but stopped. Used by .ci/run; harmless to
# run by hand. On a machine with neither: apt-get install -y mariadb-server redis-server.
set -euo pipefail

wait_for() {
  local name=$1 check=$2
  for _ in $(seq 1 60); do
    if eval "$check" >/dev/null 2>&1; then
      echo "$name is up"
      return 0
    fi
    sleep 0.5
  done
  echo "$name did not answer within 30 s" >&2
  return 1
}

mariadb_up() { mariadb-admin -h127.0.0.1 -uroot ping; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG; }

if ! mariadb_up >/dev/null 2>&1; then
  echo "Starting MariaDB..."
  if ! start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd 2>/dev/null; then
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    (/usr/sbin/mariadbd --user=mysql >/tmp/mariadbd.log 2>&1 &)
  fi
fi
wait_for MariaDB mariadb_up

if ! redis_up >/dev/null 2>&1; then
  echo "Starting Redis..."
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for Redis redis_up
