#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on this machine, for the cluster tests and the cluster
# benchmark (never for production: scratch data in a temp folder, durability relaxed).
#
#   bash scripts/galera-cluster.sh start       # idempotent: starts whichever nodes are not running
#   bash scripts/galera-cluster.sh status      # one line per node; exit 1 unless all 3 are Synced
#   bash scripts/galera-cluster.sh stop        # stops every node and removes the data; nothing left running
#   bash scripts/galera-cluster.sh kill N      # SIGKILL node N (fault tests); `start` brings it back
#   bash scripts/galera-cluster.sh install     # apt-get what is missing (mariadb-server, galera-4, rsync); `start` does it too
#
# Node N (1-3) serves SQL on 127.0.0.1:331N (root, empty password), talks Galera on 457N,
# IST on 458N and rsync SST on 459N, all bound to 127.0.0.1; it never touches :3306.
# With no node running, `start` wipes GALERA_DIR and bootstraps a new cluster from node 1;
# with some running, the missing ones join (IST, or a full rsync SST).
#
# As root the nodes run as the `mysql` user: the rsync SST fails as root ("Permission denied").
set -euo pipefail

BASE=${GALERA_DIR:-/tmp/flash-sale-galera}
NODES=(1 2 3)
PROVIDER=${GALERA_PROVIDER:-}
MARIADBD=${MARIADBD:-$(command -v mariadbd || echo /usr/sbin/mariadbd)}

sql_port() { echo $((3310 + $1)); }
group_port() { echo $((4570 + $1)); }
ist_port() { echo $((4580 + $1)); }
sst_port() { echo $((4590 + $1)); }
node_dir() { echo "$BASE/node$1"; }
pid_of() { cat "$(node_dir "$1")/mariadbd.pid" 2>/dev/null || true; }

running() {
  local pid
  pid=$(pid_of "$1")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

query() { mariadb --no-defaults -h127.0.0.1 -P"$(sql_port "$1")" -uroot -N -B -e "$2" 2>/dev/null; }
local_query() { mariadb --no-defaults -S "$(node_dir "$1")/mariadbd.sock" -uroot -N -B -e "$2" 2>/dev/null; }
wsrep_state() { query "$1" "SHOW STATUS LIKE 'wsrep_local_state_comment'" | cut -f2; }

find_provider() {
  if [[ -n $PROVIDER ]]; then echo "$PROVIDER"; return; fi
  local found
  found=$(dpkg -L galera-4 2>/dev/null | grep -m1 'libgalera_smm\.so$' || true)
  [[ -z $found && -f /usr/lib/galera/libgalera_smm.so ]] && found=/usr/lib/galera/libgalera_smm.so
  if [[ -z $found ]]; then
    echo "galera-4 is not installed (apt-get install -y galera-4 mariadb-server rsync)" >&2
    exit 1
  fi
  echo "$found"
}

install_missing_packages() {
  local missing=()
  command -v "$MARIADBD" >/dev/null 2>&1 || missing+=(mariadb-server)
  dpkg -L galera-4 >/dev/null 2>&1 || [[ -n $PROVIDER ]] || missing+=(galera-4)
  command -v rsync >/dev/null 2>&1 || missing+=(rsync)
  command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
  ((${#missing[@]} == 0)) && return
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing: ${missing[*]} (install them: apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "Installing ${missing[*]}..."
  for attempt in 1 2 3 4 5 6; do
    if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then return; fi
    # Another apt-get may hold the lock, or the index may be stale.
    sleep $((attempt * 5))
    apt-get update -qq || true
  done
  exit 1
}

write_config() {
  local n=$1 dir provider run_as addresses=()
  dir=$(node_dir "$n")
  provider=$(find_provider)
  for m in "${NODES[@]}"; do addresses+=("127.0.0.1:$(group_port "$m")"); done
  run_as=$(id -un)
  [[ $(id -u) -eq 0 ]] && run_as=mysql
  cat >"$dir/my.cnf" <<EOF
[mysqld]
user=$run_as
datadir=$dir/data
socket=$dir/mariadbd.sock
pid-file=$dir/mariadbd.pid
log-error=$dir/error.log
port=$(sql_port "$n")
bind-address=127.0.0.1
skip-name-resolve
performance_schema=OFF
# Small: three nodes share a 2-core machine with the shared MariaDB, Redis and the tests.
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
max_connections=300
# What Galera requires.
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
# Certification needs a key on every row; refuse any table without a primary key.
innodb_force_primary_key=ON
wsrep_on=ON
wsrep_provider=$provider
wsrep_cluster_name=flash_sale_local
wsrep_cluster_address=gcomm://$(IFS=,; echo "${addresses[*]}")
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(group_port "$n")
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(group_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=128M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(sst_port "$n")
wsrep_slave_threads=2
EOF
}

prepare_node() {
  local n=$1 dir
  dir=$(node_dir "$n")
  mkdir -p "$dir/data"
  write_config "$n"
  if [[ $(id -u) -eq 0 ]]; then
    chown -R mysql:mysql "$dir"
    chmod 755 "$BASE"
  fi
}

start_node() {
  local n=$1 dir
  dir=$(node_dir "$n")
  prepare_node "$n"
  echo "Starting node $n (SQL port $(sql_port "$n"))${2:+ to bootstrap the cluster}..."
  # setsid: the node outlives the shell (and the Jest process) that started it.
  setsid "$MARIADBD" --defaults-file="$dir/my.cnf" ${2:+--wsrep-new-cluster} </dev/null >>"$dir/stdout.log" 2>&1 &
}

wait_synced() {
  local n=$1
  for _ in $(seq 1 240); do
    [[ $(wsrep_state "$n" || true) == Synced ]] && return 0
    if ! running "$n" && [[ -f $(node_dir "$n")/mariadbd.pid ]]; then
      sleep 0.5
      running "$n" || { echo "node $n exited; last lines of its log:" >&2; tail -n 30 "$(node_dir "$n")/error.log" >&2; return 1; }
    fi
    sleep 0.5
  done
  echo "node $n did not reach Synced within 120 s" >&2
  tail -n 30 "$(node_dir "$n")/error.log" >&2
  return 1
}

bootstrap_fresh() {
  rm -rf "$BASE"
  mkdir -p "$(node_dir 1)/data"
  prepare_node 1
  local run_as=$(id -un)
  [[ $(id -u) -eq 0 ]] && run_as=mysql
  mariadb-install-db --no-defaults --user="$run_as" --datadir="$(node_dir 1)/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$(node_dir 1)/install.log" 2>&1
  start_node 1 bootstrap
  for _ in $(seq 1 120); do
    local_query 1 'SELECT 1' >/dev/null && break
    sleep 0.5
  done
  # Root over TCP from 127.0.0.1 with no password, as the shared MariaDB on :3306 (users replicate).
  local_query 1 "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
  wait_synced 1
}

start() {
  install_missing_packages
  local any=0
  for n in "${NODES[@]}"; do running "$n" && any=1; done
  if ((any == 0)); then bootstrap_fresh; fi
  # Joiners one at a time: each takes its state transfer from a synced donor.
  for n in "${NODES[@]}"; do
    if ! running "$n"; then
      rm -f "$(node_dir "$n")/mariadbd.pid"
      start_node "$n"
    fi
    wait_synced "$n"
  done
  status
}

status() {
  local ok=0
  for n in "${NODES[@]}"; do
    if running "$n"; then
      local state size
      state=$(wsrep_state "$n" || echo unknown)
      size=$(query "$n" "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2 || echo "?")
      echo "node $n: pid $(pid_of "$n"), port $(sql_port "$n"), $state, cluster size ${size:-?}"
      [[ $state == Synced ]] || ok=1
    else
      echo "node $n: not running"
      ok=1
    fi
  done
  return $ok
}

stop_node() {
  local n=$1 pid
  pid=$(pid_of "$n")
  [[ -z $pid ]] && return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  # Joiners first, the node that bootstrapped last; then make sure nothing is left (an SST's rsync daemon included).
  for n in 3 2 1; do stop_node "$n"; done
  pkill -KILL -f -- "--defaults-file=$BASE/" 2>/dev/null || true
  pkill -KILL -f -- "$BASE/node[0-9]/rsync_sst" 2>/dev/null || true
  rm -rf "$BASE"
  echo "Galera cluster stopped"
}

kill_node() {
  local n=${1:?node number}
  local pid
  pid=$(pid_of "$n")
  [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
  while [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "node $n killed"
}

case ${1:-} in
  install) install_missing_packages ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_node "${2:-}" ;;
  *)
    echo "usage: $0 start|stop|status|kill N|install" >&2
    exit 2
    ;;
esac
