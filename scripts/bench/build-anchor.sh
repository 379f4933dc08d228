#!/usr/bin/env bash
# Builds the C anchor of `npm run bench` (anchor-sync.c, anchor-async.c: hiredis and libevent) into
# dist/anchor/. As root on Debian it installs libhiredis-dev and libevent-dev with apt-get when they are
# missing (as scripts/cluster.sh does for redis-server). When the anchor cannot be built it says why in one
# line, removes any old binaries and exits 0: the bench then skips the C rows and runs the rest.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=dist/anchor
SRC=scripts/bench

skip() {
  echo "bench: C anchor skipped: $*"
  rm -f "$OUT/anchor-sync" "$OUT/anchor-async"
  exit 0
}

have_headers() {
  [[ -f /usr/include/hiredis/hiredis.h && -f /usr/include/hiredis/adapters/libevent.h && -f /usr/include/event2/event.h ]]
}

command -v cc >/dev/null 2>&1 || skip "no C compiler (cc) in PATH"
if ! have_headers; then
  if [[ -f /etc/debian_version && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing libhiredis-dev libevent-dev with apt-get for the C anchor"
    { apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libhiredis-dev libevent-dev \
        >/dev/null; } || skip "apt-get install libhiredis-dev libevent-dev failed"
  fi
  have_headers || skip "hiredis or libevent headers missing (Debian: apt-get install libhiredis-dev libevent-dev)"
fi

mkdir -p "$OUT"
cc -O2 -Wall -o "$OUT/anchor-sync" "$SRC/anchor-sync.c" "$SRC/anchor-common.c" -lhiredis ||
  skip "cc failed on anchor-sync.c"
cc -O2 -Wall -o "$OUT/anchor-async" "$SRC/anchor-async.c" "$SRC/anchor-common.c" -lhiredis -levent ||
  skip "cc failed on anchor-async.c"
