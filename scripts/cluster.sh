#!/usr/bin/env bash
# Real Redis clusters for the integration specs, from redis-server processes (no Docker).
#
#   bash scripts/cluster.sh start|stop|status [plain|auth|ipv6|tls|all]     (default: all)
#
# Four clusters of 6 nodes each (3 primaries with 1 replica each), hiredis-cluster's test ports:
#   plain  127.0.0.1:7000-7005
#   auth   127.0.0.1:7100-7105   requirepass + masterauth 'secretword'
#   ipv6   [::1]:7200-7205
#   tls    127.0.0.1:7300-7305   TLS only (also the cluster bus and replication); certificates from
#                                scripts/gen-certs.sh; client certificates optional (tls-auth-clients optional)
# Every node lives in ${HIRCLUSTER_TMP:-/tmp/hircluster}/<cluster>/<port>/ (redis.conf, pid file, log, nodes.conf).
# start is idempotent: a healthy cluster is left alone, a broken or half-started one is removed and made again.
# It returns once every node says cluster_state:ok, sees all 16384 slots served by a primary with a replica,
# and every replica's link to its primary is up. stop signals only the pids from our pid files, waits for them
# to exit, then removes the node folders. Needs redis-server 7 (Debian 12's 7.0.15 is built with TLS).
set -euo pipefail

TMP_ROOT="${HIRCLUSTER_TMP:-/tmp/hircluster}"
TLS_DIR="$TMP_ROOT/tls"
PASSWORD='secretword'
START_TIMEOUT_S="${HIRCLUSTER_START_TIMEOUT:-60}"
STOP_TIMEOUT_S=10
ALL_CLUSTERS=(plain auth ipv6 tls)
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  echo "usage: $0 start|stop|status [plain|auth|ipv6|tls|all]" >&2
  exit 2
}

log() { echo "$*"; }
die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

base_port() {
  case "$1" in
  plain) echo 7000 ;;
  auth) echo 7100 ;;
  ipv6) echo 7200 ;;
  tls) echo 7300 ;;
  esac
}

host_of() { if [[ "$1" == ipv6 ]]; then echo '::1'; else echo '127.0.0.1'; fi; }

ports_of() {
  local base
  base="$(base_port "$1")"
  seq "$base" $((base + 5))
}

# redis-cli with the cluster's host, password and TLS options, e.g. `cli tls 7300 CLUSTER INFO`.
# Each call is bounded by CLI_TIMEOUT_S so that a stuck node cannot hang the script.
CLI_TIMEOUT_S=5
cli() {
  local cluster="$1" port="$2"
  shift 2
  local args=(-h "$(host_of "$cluster")" -p "$port")
  case "$cluster" in
  auth) args+=(-a "$PASSWORD" --no-auth-warning) ;;
  tls) args+=(--tls --cacert "$TLS_DIR/ca.crt" --cert "$TLS_DIR/client.crt" --key "$TLS_DIR/client.key") ;;
  esac
  timeout "$CLI_TIMEOUT_S" redis-cli "${args[@]}" "$@"
}

# --- prerequisites -----------------------------------------------------------------------------------------

ensure_tools() {
  local missing=()
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    missing+=(redis-server redis-tools)
  fi
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if ((${#missing[@]} == 0)); then
    check_version
    return 0
  fi

  if [[ -f /etc/debian_version && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]} with apt-get"
    # The Debian package would start its own service on port 6379; we never use it (our nodes are our own
    # processes), so keep apt from starting it by a temporary policy-rc.d when the machine has none.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e "$policy" ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod 755 "$policy"
      made_policy=1
    fi
    local rc=0
    {
      apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    } || rc=$?
    ((made_policy)) && rm -f "$policy"
    ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
    check_version
    return 0
  fi
  die "redis-server, redis-cli or openssl not found in PATH (packages: ${missing[*]}). Install Redis 7 built" \
    "with TLS and openssl, e.g. on Debian/Ubuntu: apt-get install redis-server redis-tools openssl" \
    "(run as root on Debian/Ubuntu, this script does that itself)"
}

# The node configs use Redis 7 settings (enable-debug-command) and CLUSTER SLOTS' Redis 7 reply shape.
check_version() {
  local version
  command -v redis-server >/dev/null 2>&1 || die "redis-server is still not in PATH ($PATH)"
  version="$(redis-server --version | sed -n 's/.* v=\([0-9][0-9.]*\).*/\1/p')"
  [[ "${version%%.*}" =~ ^[0-9]+$ ]] && ((${version%%.*} >= 7)) ||
    die "redis-server ${version:-of unknown version} at $(command -v redis-server) is too old: Redis 7 or newer is needed"
}

# --- processes ---------------------------------------------------------------------------------------------

node_dir() { echo "$TMP_ROOT/$1/$2"; }

# The pid from a node's pid file when that process is alive and is a redis-server; empty otherwise.
# A zombie (exited, not yet reaped by its parent) counts as gone.
node_pid() {
  local file pid state
  file="$(node_dir "$1" "$2")/redis.pid"
  [[ -s "$file" ]] || return 0
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  [[ -r "/proc/$pid/comm" && "$(<"/proc/$pid/comm")" == redis-server ]] || return 0
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z ]] || return 0
  echo "$pid"
}

pid_alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z ]]
}

port_in_use() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

write_config() { # cluster port
  local cluster="$1" port="$2" dir
  dir="$(node_dir "$cluster" "$port")"
  mkdir -p "$dir"
  {
    echo "bind $(host_of "$cluster")"
    if [[ "$cluster" == tls ]]; then
      echo 'port 0'
      echo "tls-port $port"
      echo "tls-cert-file $TLS_DIR/server.crt"
      echo "tls-key-file $TLS_DIR/server.key"
      echo "tls-ca-cert-file $TLS_DIR/ca.crt"
      echo 'tls-cluster yes'
      echo 'tls-replication yes'
      # Clients may connect without a certificate (server-verified TLS, the common setup); one that presents
      # a certificate must be signed by our CA (mutual TLS).
      echo 'tls-auth-clients optional'
    else
      echo "port $port"
    fi
    if [[ "$cluster" == auth ]]; then
      echo "requirepass $PASSWORD"
      echo "masterauth $PASSWORD"
    fi
    echo 'cluster-enabled yes'
    echo 'cluster-config-file nodes.conf'
    echo 'cluster-node-timeout 2000'
    echo 'appendonly no'
    echo 'save ""'
    # Replicas sync at once instead of after the default 5 s wait for more replicas.
    echo 'repl-diskless-sync-delay 0'
    # CLUSTER SLOTS hides a replica while its replication offset is 0, and on an idle primary only the
    # replication PING moves it: every 1 s instead of 10 s lets a fresh cluster show its replicas sooner.
    echo 'repl-ping-replica-period 1'
    # DEBUG SLEEP and friends for fault specs; only local connections may use it.
    echo 'enable-debug-command local'
    echo 'daemonize yes'
    echo "pidfile $dir/redis.pid"
    echo "logfile $dir/redis.log"
    echo "dir $dir"
  } >"$dir/redis.conf"
}

launch_node() { # cluster port
  local dir
  dir="$(node_dir "$1" "$2")"
  # fd 9 is our lock: the daemon must not inherit it, or it would hold the lock for its whole life.
  redis-server "$dir/redis.conf" </dev/null >"$dir/launch.out" 2>&1 9>&- ||
    die "redis-server for $1 node $2 failed to launch: $(tail -n 5 "$dir/launch.out")"
}

# --- health ------------------------------------------------------------------------------------------------

# One node's view is healthy when CLUSTER INFO says ok with 6 known nodes, CLUSTER SLOTS covers all 16384 slots
# with a primary and at least one replica per range, and replication is up (a primary has its replica
# connected, a replica's link to its primary is up). One redis-cli run asks all three: polling is cheap.
node_healthy() { # cluster port
  printf 'CLUSTER INFO\nINFO replication\nECHO @@slots\nCLUSTER SLOTS\n' |
    cli "$1" "$2" 2>/dev/null |
    awk '
      { sub(/\r$/, "") }
      $0 == "@@slots" { in_slots = 1; want = "start"; next }
      !in_slots {
        if ($0 == "cluster_state:ok") state_ok = 1
        if ($0 == "cluster_known_nodes:6") all_known = 1
        if ($0 == "role:master") primary = 1
        if ($0 == "connected_slaves:1") replica_connected = 1
        if ($0 == "master_link_status:up") link_up = 1
        next
      }
      # CLUSTER SLOTS comes flat, one value a line: start, end, then per node ip, port, id and an empty
      # line for the (empty) metadata; a new range starts where an integer comes instead of an ip.
      skip > 0 { skip--; next }
      want == "end" { covered += $0 - start + 1; want = "node"; nodes = 0; next }
      /^[0-9]+$/ { if (ranges > 0 && nodes < 2) bad = 1; start = $0; ranges++; want = "end"; next }
      want == "node" { nodes++; skip = 3; next }
      { bad = 1 }
      END {
        if (ranges > 0 && nodes < 2) bad = 1
        replication_ok = primary ? replica_connected : link_up
        exit !(state_ok && all_known && replication_ok && !bad && covered == 16384)
      }
    '
}

cluster_healthy() {
  local port
  for port in $(ports_of "$1"); do
    [[ -n "$(node_pid "$1" "$port")" ]] || return 1
    node_healthy "$1" "$port" || return 1
  done
}

# --- commands ----------------------------------------------------------------------------------------------

stop_cluster() {
  local cluster="$1" port pid pids=() deadline
  for port in $(ports_of "$cluster"); do
    pid="$(node_pid "$cluster" "$port")"
    if [[ -n "$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT_S))
  for pid in "${pids[@]}"; do
    while pid_alive "$pid"; do
      if ((SECONDS >= deadline)); then
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.1
        break
      fi
      sleep 0.05
    done
  done
  # Only the node folders: $TMP_ROOT/tls also holds the certificates.
  for port in $(ports_of "$cluster"); do rm -rf "$(node_dir "$cluster" "$port")"; done
  rm -f "$TMP_ROOT/$cluster/create.out"
  rmdir --ignore-fail-on-non-empty "$TMP_ROOT/$cluster" 2>/dev/null || true
  log "$cluster: stopped (${#pids[@]} nodes)"
}

print_logs() {
  local cluster="$1" port dir
  for port in $(ports_of "$cluster"); do
    dir="$(node_dir "$cluster" "$port")"
    [[ -f "$dir/redis.log" ]] || continue
    echo "--- $cluster node $port: last lines of $dir/redis.log" >&2
    tail -n 8 "$dir/redis.log" >&2
  done
}

start_cluster() {
  local cluster="$1" host port pid t0 deadline addrs=() create_args=()
  t0=$SECONDS
  if cluster_healthy "$cluster"; then
    log "$cluster: already running"
    return 0
  fi
  if [[ -n "$(compgen -G "$TMP_ROOT/$cluster/7[0-9][0-9][0-9]" || true)" ]]; then
    log "$cluster: not healthy, removing the old nodes"
    stop_cluster "$cluster" >/dev/null
  fi

  host="$(host_of "$cluster")"
  for port in $(ports_of "$cluster"); do
    port_in_use "$host" "$port" &&
      die "$cluster: port $port on $host is taken by a process without a pid file of ours (stop it first)"
    port_in_use "$host" $((port + 10000)) &&
      die "$cluster: cluster bus port $((port + 10000)) on $host is taken by a process without a pid file of ours"
  done

  local launches=()
  for port in $(ports_of "$cluster"); do
    write_config "$cluster" "$port"
    launch_node "$cluster" "$port" &
    launches+=($!)
    addrs+=("$host:$port")
  done
  for pid in "${launches[@]}"; do wait "$pid" || die "$cluster: a node failed to launch"; done

  # Wait until every node answers before joining them.
  deadline=$((SECONDS + START_TIMEOUT_S))
  for port in $(ports_of "$cluster"); do
    until [[ "$(cli "$cluster" "$port" PING 2>/dev/null)" == PONG ]]; do
      if ((SECONDS >= deadline)); then
        print_logs "$cluster"
        die "$cluster: node $port did not answer PING within ${START_TIMEOUT_S}s"
      fi
      sleep 0.05
    done
  done

  create_args=(--cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes)
  if ! CLI_TIMEOUT_S="$START_TIMEOUT_S" cli "$cluster" "$(base_port "$cluster")" "${create_args[@]}" \
    >"$TMP_ROOT/$cluster/create.out" 2>&1; then
    cat "$TMP_ROOT/$cluster/create.out" >&2
    print_logs "$cluster"
    die "$cluster: redis-cli --cluster create failed"
  fi

  for port in $(ports_of "$cluster"); do
    until node_healthy "$cluster" "$port"; do
      if ((SECONDS >= deadline)); then
        print_logs "$cluster"
        die "$cluster: node $port not healthy within ${START_TIMEOUT_S}s (cluster_state, slots or replication)"
      fi
      sleep 0.1
    done
  done
  log "$cluster: started on $host:$(base_port "$cluster")-$(($(base_port "$cluster") + 5)) in $((SECONDS - t0))s"
}

status_cluster() {
  local cluster="$1" port running=0 state
  for port in $(ports_of "$cluster"); do
    [[ -n "$(node_pid "$cluster" "$port")" ]] && running=$((running + 1))
  done
  if ((running == 0)); then
    echo "$cluster: stopped"
    return 0
  fi
  state="$(cli "$cluster" "$(base_port "$cluster")" CLUSTER INFO 2>/dev/null | tr -d '\r' |
    grep '^cluster_state:' || true)"
  if ((running == 6)) && cluster_healthy "$cluster"; then
    echo "$cluster: running (6/6 nodes, ${state:-cluster_state:unknown}, healthy)"
  else
    echo "$cluster: running ($running/6 nodes, ${state:-cluster_state:unknown}, NOT healthy)"
  fi
}

# Runs `$1_cluster` for every cluster in parallel, each line prefixed with the cluster's name; fails if one did.
run_parallel() {
  local action="$1" cluster pids=() failed=0 i=0
  shift
  for cluster in "$@"; do
    ( "${action}_cluster" "$cluster" 2>&1 | sed -u "s/^/[$cluster] /") &
    pids+=($!)
  done
  for cluster in "$@"; do
    wait "${pids[$i]}" || failed=1
    i=$((i + 1))
  done
  return "$failed"
}

main() {
  (($# >= 1 && $# <= 2)) || usage
  local action="$1" which="${2:-all}" clusters=()
  case "$which" in
  all) clusters=("${ALL_CLUSTERS[@]}") ;;
  plain | auth | ipv6 | tls) clusters=("$which") ;;
  *) usage ;;
  esac

  case "$action" in
  start)
    ensure_tools
    mkdir -p "$TMP_ROOT"
    exec 9>"$TMP_ROOT/.lock"
    flock 9
    [[ " ${clusters[*]} " == *' tls '* ]] && bash "$SCRIPT_DIR/gen-certs.sh" 9>&-
    if ! run_parallel start "${clusters[@]}"; then
      die "start failed (see above); logs are in $TMP_ROOT/<cluster>/<port>/redis.log"
    fi
    ;;
  stop)
    mkdir -p "$TMP_ROOT"
    exec 9>"$TMP_ROOT/.lock"
    flock 9
    run_parallel stop "${clusters[@]}"
    ;;
  status)
    command -v redis-cli >/dev/null 2>&1 || die "redis-cli is missing (install redis-tools)"
    for cluster in "${clusters[@]}"; do status_cluster "$cluster"; done
    ;;
  *) usage ;;
  esac
}

main "$@"
