#!/usr/bin/env bash
# Body of `npm test` (after the pretest hook has built and linted): start the shared real clusters, run every
# spec with mocha against the built code in dist/ (the chaos specs start and stop their own chaos
# cluster), stop the clusters even when specs fail, and exit with mocha's code. Extra arguments go to
# mocha, e.g. `npm test -- --grep 'tls cluster'`.
# HIRCLUSTER_KEEP_CLUSTERS=1 leaves the clusters running afterwards (fast edit-test loops; the next start
# finds them healthy and keeps them); stop them with `npm run clusters:stop`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

stop_clusters() {
  # The chaos specs start and stop the chaos cluster themselves; this stops what an interrupted run left,
  # unless another run holds the cluster (its lock).
  local tmp="${HIRCLUSTER_TMP:-/tmp/hircluster}"
  mkdir -p "$tmp"
  flock -n "$tmp/chaos.lock" bash scripts/cluster.sh stop chaos >/dev/null 2>&1 || true
  if [[ "${HIRCLUSTER_KEEP_CLUSTERS:-}" == 1 ]]; then
    echo 'HIRCLUSTER_KEEP_CLUSTERS=1: clusters left running (bash scripts/cluster.sh stop all)'
  else
    bash scripts/cluster.sh stop all
  fi
}
# Installed before start, so a start that fails half way is cleaned up too; Ctrl-C and SIGTERM go through it.
trap stop_clusters EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# `npm run coverage` builds first and passes --no-build; this script never builds (pretest does), so the
# flag is taken off instead of reaching mocha.
args=()
for arg in "$@"; do
  [[ "$arg" == --no-build ]] || args+=("$arg")
done

bash scripts/cluster.sh start all

status=0
npx mocha "${args[@]}" || status=$?
exit "$status"
