#!/usr/bin/env bash
# `npm run bench` after the build: the codec and timer figures, then the cluster figures against the plain cluster
# (started here when it is not running, and stopped again afterwards only if this script started it), with the
# C anchor (hiredis) built first; when it cannot be built, its rows are left out and the rest still runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bench/build-anchor.sh
node dist/scripts/bench/codec.js
node dist/scripts/bench/timers.js
started=0
if ! bash scripts/cluster.sh status plain | grep -q 'cluster_state:ok'; then
  bash scripts/cluster.sh start plain
  started=1
fi
status=0
node dist/scripts/bench/index.js || status=$?
[[ $started == 1 ]] && bash scripts/cluster.sh stop plain
exit "$status"
