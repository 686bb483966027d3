#!/usr/bin/env bash
# A 3-master Redis Cluster on this machine (no replicas, no persistence), for the cluster
# tests and the cluster benchmark. It never touches the Redis on :6379.
#
#   bash scripts/redis-cluster.sh start          # idempotent: starts whichever masters are not running
#   bash scripts/redis-cluster.sh stop           # stops all three and removes their folders
#   bash scripts/redis-cluster.sh status         # exit 1 unless all three answer and the cluster is ok
#   bash scripts/redis-cluster.sh stop-node PORT # stops one master (fault tests); `start` brings it back
#   bash scripts/redis-cluster.sh install        # apt-get redis-server if missing; `start` does it too
#
# Masters on 127.0.0.1:7001-7003, each in REDIS_CLUSTER_DIR/<port> with its nodes.conf, so a
# stopped master comes back with its id and its slots (and an empty dataset). With no master
# running, `start` wipes the folder and creates a new cluster. A missing master leaves only
# its own slots unserved (cluster-require-full-coverage no): the others keep answering.
set -euo pipefail

BASE=${REDIS_CLUSTER_DIR:-/tmp/flash-sale-redis-cluster}
PORTS=(7001 7002 7003)

pid_of() { cat "$BASE/$1/redis.pid" 2>/dev/null || true; }
running() {
  local pid
  pid=$(pid_of "$1")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}
cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }

install_missing_packages() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return
  if [[ $(id -u) -ne 0 ]]; then
    echo "redis-server is not installed (apt-get install -y redis-server)" >&2
    exit 1
  fi
  for attempt in 1 2 3 4 5 6; do
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools && return
    sleep $((attempt * 5))
    apt-get update -qq || true
  done
  exit 1
}

start_master() {
  local port=$1 dir="$BASE/$1"
  mkdir -p "$dir"
  rm -f "$dir/redis.pid"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --cluster-require-full-coverage no --save '' --appendonly no
  for _ in $(seq 1 100); do
    [[ $(cli "$port" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.1
  done
  echo "redis on $port did not answer" >&2
  return 1
}

cluster_ok() {
  for port in "${PORTS[@]}"; do
    cli "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

wait_cluster_ok() {
  for _ in $(seq 1 200); do
    cluster_ok && return 0
    sleep 0.1
  done
  echo "the Redis Cluster did not reach cluster_state:ok within 20 s" >&2
  return 1
}

start() {
  install_missing_packages
  local any=0
  for port in "${PORTS[@]}"; do running "$port" && any=1; done
  if ((any == 0)); then
    rm -rf "$BASE"
    for port in "${PORTS[@]}"; do start_master "$port"; done
    local nodes=()
    for port in "${PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$BASE/create.log"
  else
    for port in "${PORTS[@]}"; do running "$port" || start_master "$port"; done
  fi
  wait_cluster_ok
  status
}

status() {
  local ok=0
  for port in "${PORTS[@]}"; do
    if running "$port"; then
      echo "master 127.0.0.1:$port: pid $(pid_of "$port"), $(cli "$port" cluster info | grep '^cluster_state' | tr -d '\r')"
    else
      echo "master 127.0.0.1:$port: not running"
      ok=1
    fi
  done
  cluster_ok || ok=1
  return $ok
}

stop_master() {
  local port=$1 pid
  pid=$(pid_of "$port")
  [[ -z $pid ]] && return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  for port in "${PORTS[@]}"; do stop_master "$port"; done
  rm -rf "$BASE"
  echo "Redis Cluster stopped"
}

case ${1:-} in
  install) install_missing_packages ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  stop-node) stop_master "${2:?port}" && echo "master ${2} stopped" ;;
  *)
    echo "usage: $0 start|stop|status|stop-node PORT|install" >&2
    exit 2
    ;;
esac
