#!/usr/bin/env bash
# Real Redis clusters for the integration specs, from redis-server processes (no Docker).
#
#   bash scripts/cluster.sh start|stop|status [CLUSTER|all]     (default: all)
#   bash scripts/cluster.sh topology chaos          and the fault helpers below (chaos cluster only)
#
# Six clusters of 6 nodes each (3 primaries with 1 replica each), hiredis-cluster's test ports and two more:
#   plain  127.0.0.1:7000-7005
#   auth   127.0.0.1:7100-7105   requirepass + masterauth 'secretword'
#   ipv6   [::1]:7200-7205
#   tls    127.0.0.1:7300-7305   TLS only (also the cluster bus and replication); certificates from
#                                scripts/gen-certs.sh; client certificates optional (tls-auth-clients optional)
#   hostnames         127.0.0.1:7500-7505   TLS as tls, with a certificate for DNS:localhost only; every node
#                                           announces the host name localhost (cluster-announce-hostname) and
#                                           host names are the preferred endpoints: CLUSTER SLOTS and MOVED
#                                           say localhost:75xx
#   unknown-endpoint  127.0.0.1:7600-7605   cluster-preferred-endpoint-type unknown-endpoint: CLUSTER SLOTS
#                                           says NIL and MOVED ':76xx' (the host the client asked)
# and one that `all` leaves out, for fault specs and soak runs that break it on purpose:
#   chaos  127.0.0.1:7400-7405   spare ports 7406-7409 for scale-out; nodes save an RDB on SHUTDOWN SAVE so
#                                that `restart` keeps the data
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
ALL_CLUSTERS=(plain auth ipv6 tls hostnames unknown-endpoint)
# Ports 7406-7409 of the chaos cluster: nodes added by scale-out.
CHAOS_SPARE_PORTS=(7406 7407 7408 7409)
# Every wait of a fault helper (a promotion, a failover, a reshard, a restart) is bounded by this.
FAULT_TIMEOUT_S="${HIRCLUSTER_FAULT_TIMEOUT:-60}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
  cat >&2 <<USAGE
usage: $0 start|stop|status [plain|auth|ipv6|tls|hostnames|unknown-endpoint|chaos|all]
                                                (all: every shared cluster, not chaos)
       $0 topology chaos                        one line per node: port, role, its primary or its slots
fault helpers (chaos cluster only; each waits until the cluster is settled again, or fails after
HIRCLUSTER_FAULT_TIMEOUT seconds, default 60):
       $0 kill chaos PORT                       SIGKILL the node
       $0 wait-promotion chaos PORT             after kill: wait until a replica serves PORT's slots
       $0 failover chaos PORT                   CLUSTER FAILOVER on replica PORT; wait until it is primary
       $0 reshard chaos FROM TO N               move N slots (and their keys) from primary FROM to primary TO
       $0 pause chaos PORT [MS]                 SIGSTOP the node; with MS, SIGCONT it MS later
       $0 resume chaos PORT                     SIGCONT the node
       $0 restart chaos                         SHUTDOWN SAVE every node, start them again, wait until healthy
       $0 scale-out chaos PORT [WEIGHT]         start a primary on spare PORT (7406-7409), add it, rebalance
                                                (WEIGHT < 1: it gets that share of an equal part; default 1)
       $0 scale-in chaos PORT                   move primary PORT's slots to the others, remove and stop it
USAGE
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
  hostnames) echo 7500 ;;
  unknown-endpoint) echo 7600 ;;
  chaos) echo 7400 ;;
  esac
}

host_of() { if [[ "$1" == ipv6 ]]; then echo '::1'; else echo '127.0.0.1'; fi; }

# The six ports a cluster is created with.
ports_of() {
  local base
  base="$(base_port "$1")"
  seq "$base" $((base + 5))
}

# Every port a node of the cluster may run on: the chaos cluster's spare ports too.
known_ports_of() {
  ports_of "$1"
  if [[ "$1" == chaos ]]; then printf '%s\n' "${CHAOS_SPARE_PORTS[@]}"; fi
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
  tls | hostnames) args+=(--tls --cacert "$TLS_DIR/ca.crt" --cert "$TLS_DIR/client.crt" --key "$TLS_DIR/client.key") ;;
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
  node_alive "$1" "$2" && echo "$NODE_PID"
  return 0
}

# Status 0 when the node's pid file names a live redis-server, left in NODE_PID; no subshell, so that
# polling every node stays cheap on a busy machine.
node_alive() {
  local pid='' comm=''
  NODE_PID=''
  { read -r pid <"$TMP_ROOT/$1/$2/redis.pid"; } 2>/dev/null || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || return 1
  [[ "$comm" == redis-server ]] && pid_alive "$pid" || return 1
  NODE_PID="$pid"
}

# Read with the shell, no process per look: the fault helpers poll this on busy machines.
pid_alive() {
  local stat=''
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || true
  stat="${stat##*) }" # "pid (comm) state ...": the state follows the command name
  [[ -n "$stat" && "${stat%% *}" != Z ]]
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
    if [[ "$cluster" == tls || "$cluster" == hostnames ]]; then
      local cert=server
      [[ "$cluster" == hostnames ]] && cert=server-name
      echo 'port 0'
      echo "tls-port $port"
      echo "tls-cert-file $TLS_DIR/$cert.crt"
      echo "tls-key-file $TLS_DIR/$cert.key"
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
    if [[ "$cluster" == hostnames ]]; then
      echo 'cluster-announce-hostname localhost'
      echo 'cluster-preferred-endpoint-type hostname'
    fi
    if [[ "$cluster" == unknown-endpoint ]]; then
      echo 'cluster-preferred-endpoint-type unknown-endpoint'
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

# One node's view is healthy when CLUSTER INFO says ok with 6 known nodes (or the number given), CLUSTER
# SLOTS covers all 16384 slots with a primary and at least one replica per range, and replication is up (a
# primary has its replica connected, a replica's link to its primary is up). One redis-cli run asks all
# three: polling is cheap.
node_healthy() { # cluster port [number of nodes, default 6]
  local known="cluster_known_nodes:${3:-6}" meta=1
  # Where the preferred endpoint is not the ip, the metadata holds the ip: two lines ("ip", the address).
  [[ "$1" == hostnames || "$1" == unknown-endpoint ]] && meta=2
  printf 'CLUSTER INFO\nINFO replication\nECHO @@slots\nCLUSTER SLOTS\n' |
    cli "$1" "$2" 2>/dev/null |
    awk -v known="$known" -v meta="$meta" '
      { sub(/\r$/, "") }
      $0 == "@@slots" { in_slots = 1; want = "start"; next }
      !in_slots {
        if ($0 == "cluster_state:ok") state_ok = 1
        if ($0 == known) all_known = 1
        if ($0 == "role:master") primary = 1
        if ($0 == "connected_slaves:1") replica_connected = 1
        if ($0 == "master_link_status:up") link_up = 1
        next
      }
      # CLUSTER SLOTS comes flat, one value a line: start, end, then per node its endpoint (an ip, a host
      # name, or empty for NIL), port, id and `meta` lines of metadata (an empty line for none); a new range
      # starts where an integer comes instead of an endpoint.
      skip > 0 { skip--; next }
      want == "end" { covered += $0 - start + 1; want = "node"; nodes = 0; next }
      /^[0-9]+$/ { if (ranges > 0 && nodes < 2) bad = 1; start = $0; ranges++; want = "end"; next }
      want == "node" { nodes++; skip = 2 + meta; next }
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
  for port in $(known_ports_of "$cluster"); do
    pid="$(node_pid "$cluster" "$port")"
    if [[ -n "$pid" ]]; then
      # A paused chaos node must run again to see the TERM.
      [[ "$cluster" == chaos ]] && kill -CONT "$pid" 2>/dev/null
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
  for port in $(known_ports_of "$cluster"); do rm -rf "$(node_dir "$cluster" "$port")"; done
  rm -f "$TMP_ROOT/$cluster"/*.out
  rmdir --ignore-fail-on-non-empty "$TMP_ROOT/$cluster" 2>/dev/null || true
  log "$cluster: stopped (${#pids[@]} nodes)"
}

print_logs() {
  local cluster="$1" port dir
  for port in $(known_ports_of "$cluster"); do
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
  local cluster="$1" port running=0 first='' state healthy=1 expected=6
  for port in $(known_ports_of "$cluster"); do
    if [[ -n "$(node_pid "$cluster" "$port")" ]]; then
      running=$((running + 1))
      first="${first:-$port}"
    fi
  done
  if ((running == 0)); then
    echo "$cluster: stopped"
    return 0
  fi
  # The chaos cluster may have grown or shrunk: every node that runs must be healthy.
  [[ "$cluster" == chaos ]] && expected=$running
  state="$(cli "$cluster" "$first" CLUSTER INFO 2>/dev/null | tr -d '\r' | grep '^cluster_state:' || true)"
  ((running == expected)) || healthy=0
  for port in $(live_ports "$cluster"); do
    ((healthy)) && ! node_healthy "$cluster" "$port" "$running" && healthy=0
  done
  if ((healthy)); then
    echo "$cluster: running ($running/$expected nodes, ${state:-cluster_state:unknown}, healthy)"
  else
    echo "$cluster: running ($running/$expected nodes, ${state:-cluster_state:unknown}, NOT healthy)"
  fi
}

# --- fault helpers (chaos cluster only) ----------------------------------------------------------------

# Ports whose node process is alive (a paused one included).
live_ports() {
  local port
  for port in $(known_ports_of "$1"); do
    node_alive "$1" "$port" && echo "$port"
  done
  return 0
}

# The first live chaos port other than $1 (a pipe into head would end in SIGPIPE under pipefail).
other_live_port() {
  local port
  for port in $(live_ports chaos); do
    if [[ "$port" != "${1:-}" ]]; then
      echo "$port"
      return 0
    fi
  done
  die "chaos: no other node runs"
}

# CLUSTER NODES as node $1 sees it, one line per node: "id port flags primary-id-or-dash slots...".
nodes_view() {
  cli chaos "$1" CLUSTER NODES 2>/dev/null | tr -d '\r' |
    awk '{ addr = $2; sub(/@.*/, "", addr); sub(/.*:/, "", addr); $2 = addr; $5 = $6 = $7 = $8 = ""; print }' |
    tr -s ' '
}

node_id_of() { # port: the id every node knows it by (asked of a live node, so a killed node's id too)
  local live
  for live in $(live_ports chaos); do
    nodes_view "$live" | awk -v port="$1" '$2 == port { print $1; found = 1 } END { exit !found }' && return 0
  done
  die "chaos: no live node knows a node on port $1"
}

# Settled: every live node says cluster_state:ok with all 16384 slots ok, no slot is open, and all of
# them see the same slot owners. Prints the agreed view. One redis-cli and one awk per node.
settled() {
  local port view='' this
  for port in $(live_ports chaos); do
    this="$(printf 'CLUSTER INFO\nCLUSTER NODES\n' | cli chaos "$port" 2>/dev/null | slot_owners)" || return 1
    [[ -n "$this" && "$this" != *'['* ]] || return 1
    if [[ -z "$view" ]]; then view="$this"; elif [[ "$this" != "$view" ]]; then return 1; fi
  done
  [[ -n "$view" ]] && echo "$view"
}

# CLUSTER INFO + CLUSTER NODES on stdin -> "port ranges..." per primary with slots, in port order (the
# chaos ports); fails unless the state is ok with all slots ok.
slot_owners() {
  awk '
    { sub(/\r$/, "") }
    $0 == "cluster_state:ok" { ok++ }
    $0 == "cluster_slots_ok:16384" { ok++ }
    length($1) == 40 && $1 ~ /^[0-9a-f]+$/ && $3 ~ /master/ && NF > 8 {
      port = $2; sub(/@.*/, "", port); sub(/.*:/, "", port)
      line = port; for (i = 9; i <= NF; i++) line = line " " $i
      owner[port + 0] = line
    }
    END {
      if (ok != 2) exit 1
      for (p = 7400; p <= 7409; p++) if (p in owner) print owner[p]
    }'
}

# Polls `$@` until it succeeds; dies with $what after FAULT_TIMEOUT_S.
wait_for() { # what command...
  local what="$1" deadline=$((SECONDS + FAULT_TIMEOUT_S))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "chaos: $what did not happen within ${FAULT_TIMEOUT_S}s"
    sleep 0.05
  done
}

# Settled, and `port` owns slots (yes) or none (no) in the agreed view.
owns_slots() { # port yes|no
  local view
  view="$(settled)" || return 1
  if [[ "$2" == yes ]]; then grep -q "^$1 " <<<"$view"; else ! grep -q "^$1 " <<<"$view"; fi
}

role_of() { # port: master or slave (awk reads all its input: no SIGPIPE under pipefail)
  cli chaos "$1" INFO replication 2>/dev/null | tr -d '\r' | awk -F: '$1 == "role" { print $2 }'
}

replica_link_up() { # port: a replica whose link to its primary is up
  cli chaos "$1" INFO replication 2>/dev/null | tr -d '\r' |
    awk '$0 == "role:slave" { r = 1 } $0 == "master_link_status:up" { u = 1 } END { exit !(r && u) }'
}

# Every replica among the live nodes has its link up.
replicas_linked() {
  local port
  for port in $(live_ports chaos); do
    [[ "$(role_of "$port")" == slave ]] || continue
    replica_link_up "$port" || return 1
  done
}

elapsed_since() { echo "$(((${EPOCHREALTIME/./} - $1) / 1000))ms"; }

pid_or_die() { # port
  local pid
  pid="$(node_pid chaos "$1")"
  [[ -n "$pid" ]] || die "chaos: no node runs on port $1"
  echo "$pid"
}

# The kill and signal helpers print the moment of the signal (epoch seconds) for the specs' timelines.
fault_kill() { # port
  local pid at
  pid="$(pid_or_die "$1")"
  at="$EPOCHREALTIME"
  kill -KILL "$pid"
  while pid_alive "$pid"; do sleep 0.01; done
  log "chaos: killed node $1 (pid $pid) at $at"
}

fault_wait_promotion() { # port
  local t0="${EPOCHREALTIME/./}"
  wait_for "the promotion of a replica of $1" owns_slots "$1" no
  log "chaos: $1's slots are served by a promoted replica, cluster settled after $(elapsed_since "$t0")"
}

fault_failover() { # replica port
  local t0="${EPOCHREALTIME/./}"
  pid_or_die "$1" >/dev/null
  # A manual failover needs the replica in sync with its primary.
  wait_for "replica $1's link to its primary" replica_link_up "$1"
  [[ "$(cli chaos "$1" CLUSTER FAILOVER | tr -d '\r')" == OK ]] || die "chaos: CLUSTER FAILOVER refused by $1"
  wait_for "the failover to $1" owns_slots "$1" yes
  wait_for "the replicas' links after the failover to $1" replicas_linked
  log "chaos: $1 is primary, cluster settled after $(elapsed_since "$t0")"
}

fault_reshard() { # from to count
  local t0="${EPOCHREALTIME/./}" from_id to_id
  [[ "$3" =~ ^[1-9][0-9]*$ ]] || die "chaos: reshard needs a slot count >= 1, got '$3'"
  wait_for "a settled cluster before resharding" settled
  from_id="$(node_id_of "$1")"
  to_id="$(node_id_of "$2")"
  CLI_TIMEOUT_S="$FAULT_TIMEOUT_S" cli chaos "$1" --cluster reshard "127.0.0.1:$1" --cluster-from "$from_id" \
    --cluster-to "$to_id" --cluster-slots "$3" --cluster-yes >"$TMP_ROOT/chaos/reshard.out" 2>&1 ||
    die "chaos: reshard $1 -> $2 failed: $(tail -n 5 "$TMP_ROOT/chaos/reshard.out")"
  wait_for "a settled cluster after resharding" settled
  log "chaos: moved $3 slots from $1 to $2 in $(elapsed_since "$t0")"
}

fault_signal() { # STOP|CONT port
  local pid at
  pid="$(pid_or_die "$2")"
  at="$EPOCHREALTIME"
  kill -"$1" "$pid"
  log "chaos: sent SIG$1 to node $2 (pid $pid) at $at"
}

# pause with a duration: SIGSTOP, sleep, SIGCONT in one process, so the pause lasts what was asked even
# when starting a shell is slow on a loaded machine.
fault_pause() { # port [ms]
  fault_signal STOP "$1"
  if (($# == 2)); then
    sleep "$(printf '%d.%03d' $(($2 / 1000)) $(($2 % 1000)))"
    fault_signal CONT "$1"
  fi
}

fault_restart() {
  local t0="${EPOCHREALTIME/./}" ports port pid primaries=() replicas=() pids=() count
  mapfile -t ports < <(live_ports chaos)
  count=${#ports[@]}
  ((count > 0)) || die "chaos: no node runs"
  for port in "${ports[@]}"; do
    pids+=("$(node_pid chaos "$port")")
    if [[ "$(role_of "$port")" == master ]]; then
      primaries+=("$port")
    else
      replicas+=("$port")
    fi
  done
  # Primaries first: SHUTDOWN waits for their replicas to catch up, so every acknowledged write is in
  # the RDB files whichever node serves the slots afterwards. The reply is a closed connection.
  for port in "${primaries[@]}"; do cli chaos "$port" SHUTDOWN SAVE >/dev/null 2>&1 & done
  wait
  for port in "${replicas[@]}"; do cli chaos "$port" SHUTDOWN SAVE NOW >/dev/null 2>&1 & done
  wait
  for pid in "${pids[@]}"; do
    while pid_alive "$pid"; do sleep 0.01; done
  done
  for port in "${ports[@]}"; do launch_node chaos "$port" & done
  wait
  for port in "${ports[@]}"; do wait_for "node $port to answer after the restart" cli chaos "$port" PING; done
  wait_for "a settled cluster after the restart" settled
  wait_for "the replicas' links after the restart" replicas_linked
  log "chaos: restarted ${count} nodes, healthy after $(elapsed_since "$t0")"
}

fault_scale_out() { # spare port [weight]
  local t0="${EPOCHREALTIME/./}" port="$1" weight="${2:-1}" seed
  [[ " ${CHAOS_SPARE_PORTS[*]} " == *" $port "* ]] || die "chaos: scale-out takes a spare port (${CHAOS_SPARE_PORTS[*]})"
  [[ -z "$(node_pid chaos "$port")" ]] || die "chaos: a node already runs on port $port"
  port_in_use 127.0.0.1 "$port" && die "chaos: port $port is taken by a process that is not ours"
  wait_for "a settled cluster before scaling out" settled
  seed="$(other_live_port)"
  write_config chaos "$port"
  launch_node chaos "$port"
  wait_for "node $port to answer" cli chaos "$port" PING
  cli chaos "$seed" --cluster add-node "127.0.0.1:$port" "127.0.0.1:$seed" >"$TMP_ROOT/chaos/scale.out" 2>&1 ||
    die "chaos: add-node $port failed: $(tail -n 5 "$TMP_ROOT/chaos/scale.out")"
  wait_for "every node to know node $port" all_know "$port"
  wait_for "a settled cluster with node $port" settled
  # Weight 1 gives the new primary an equal share of the slots; less, a smaller one (a quicker rebalance).
  CLI_TIMEOUT_S="$FAULT_TIMEOUT_S" cli chaos "$seed" --cluster rebalance "127.0.0.1:$seed" \
    --cluster-use-empty-masters --cluster-weight "$(node_id_of "$port")=$weight" \
    >>"$TMP_ROOT/chaos/scale.out" 2>&1 ||
    die "chaos: rebalance onto $port failed: $(tail -n 5 "$TMP_ROOT/chaos/scale.out")"
  wait_for "a settled cluster after the rebalance" owns_slots "$port" yes
  log "chaos: node $port added as a primary and slots rebalanced in $(elapsed_since "$t0")"
}

all_know() { # port: every live node lists it
  local live
  for live in $(live_ports chaos); do
    nodes_view "$live" | awk -v port="$1" '$2 == port { found = 1 } END { exit !found }' || return 1
  done
}

none_know() { # port: no live node lists it
  local live
  for live in $(live_ports chaos); do
    nodes_view "$live" | awk -v port="$1" '$2 == port { found = 1 } END { exit found }' || return 1
  done
}

fault_scale_in() { # primary port
  local t0="${EPOCHREALTIME/./}" port="$1" id seed pid
  pid="$(pid_or_die "$port")"
  wait_for "a settled cluster before scaling in" owns_slots "$port" yes
  id="$(node_id_of "$port")"
  seed="$(other_live_port "$port")"
  # Weight 0 moves every slot of the node to the other primaries, in proportion.
  CLI_TIMEOUT_S="$FAULT_TIMEOUT_S" cli chaos "$seed" --cluster rebalance "127.0.0.1:$seed" \
    --cluster-weight "$id=0" >"$TMP_ROOT/chaos/scale.out" 2>&1 ||
    die "chaos: draining $port failed: $(tail -n 5 "$TMP_ROOT/chaos/scale.out")"
  wait_for "a settled cluster without slots on $port" owns_slots "$port" no
  CLI_TIMEOUT_S="$FAULT_TIMEOUT_S" cli chaos "$seed" --cluster del-node "127.0.0.1:$seed" "$id" \
    >>"$TMP_ROOT/chaos/scale.out" 2>&1 || die "chaos: del-node $port failed: $(tail -n 5 "$TMP_ROOT/chaos/scale.out")"
  kill -TERM "$pid" 2>/dev/null || true
  while pid_alive "$pid"; do sleep 0.01; done
  rm -rf "$(node_dir chaos "$port")"
  wait_for "every node to forget $port" none_know "$port"
  wait_for "a settled cluster after removing $port" settled
  wait_for "the replicas' links after removing $port" replicas_linked
  log "chaos: primary $port drained and removed in $(elapsed_since "$t0")"
}

topology_chaos() {
  local live
  live="$(other_live_port)"
  nodes_view "$live" | awk '
    { id[NR] = $1; port[NR] = $2; flags[NR] = $3; primary[NR] = $4; line[NR] = $0; port_of[$1] = $2 }
    END {
      for (i = 1; i <= NR; i++) {
        role = flags[i] ~ /master/ ? "primary" : "replica"
        state = flags[i] ~ /fail/ ? " fail" : ""
        if (role == "replica") { print port[i], role, port_of[primary[i]] state; continue }
        n = split(line[i], f, " "); slots = ""
        for (j = 5; j <= n; j++) slots = slots " " f[j]
        print port[i], role state slots
      }
    }' | sort -n
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

# The fault helpers: `cluster.sh <action> chaos [args]`.
fault() {
  local action="$1" which="${2:-}"
  [[ "$which" == chaos ]] || die "'$action' acts on the chaos cluster only, never on the shared clusters (got '${which}')"
  shift 2
  command -v redis-cli >/dev/null 2>&1 || die "redis-cli is missing (install redis-tools)"
  [[ -n "$(live_ports chaos)" ]] || die "the chaos cluster is not running (bash scripts/cluster.sh start chaos)"
  local args=0 ports=0 arg
  case "$action" in
  kill | wait-promotion | failover | pause | resume | scale-out | scale-in) args=1 ports=1 ;;
  reshard) args=3 ports=2 ;;
  esac
  # pause takes an optional duration in ms, scale-out an optional weight.
  if [[ "$action" == pause && $# == 2 ]]; then
    [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "chaos: pause takes a duration in ms, got '$2'"
    args=2
  fi
  if [[ "$action" == scale-out && $# == 2 ]]; then
    [[ "$2" =~ ^[0-9]*\.?[0-9]+$ && ! "$2" =~ ^0*\.?0*$ ]] || die "chaos: scale-out takes a weight > 0, got '$2'"
    args=2
  fi
  (($# == args)) || usage
  for arg in "${@:1:ports}"; do [[ "$arg" =~ ^74[0-9][0-9]$ ]] || die "chaos: not a chaos port: '$arg'"; done
  case "$action" in
  kill) fault_kill "$@" ;;
  wait-promotion) fault_wait_promotion "$@" ;;
  failover) fault_failover "$@" ;;
  reshard) fault_reshard "$@" ;;
  pause) fault_pause "$@" ;;
  resume) fault_signal CONT "$@" ;;
  restart) fault_restart ;;
  scale-out) fault_scale_out "$@" ;;
  scale-in) fault_scale_in "$@" ;;
  topology) topology_chaos ;;
  esac
}

main() {
  (($# >= 1)) || usage
  case "$1" in
  kill | wait-promotion | failover | reshard | pause | resume | restart | scale-out | scale-in | topology)
    fault "$@"
    return
    ;;
  esac
  (($# <= 2)) || usage
  local action="$1" which="${2:-all}" clusters=()
  case "$which" in
  all) clusters=("${ALL_CLUSTERS[@]}") ;;
  plain | auth | ipv6 | tls | hostnames | unknown-endpoint | chaos) clusters=("$which") ;;
  *) usage ;;
  esac

  case "$action" in
  start)
    ensure_tools
    mkdir -p "$TMP_ROOT"
    exec 9>"$TMP_ROOT/.lock"
    flock 9
    [[ " ${clusters[*]} " == *' tls '* || " ${clusters[*]} " == *' hostnames '* ]] &&
      bash "$SCRIPT_DIR/gen-certs.sh" 9>&-
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
