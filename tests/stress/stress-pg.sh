#!/bin/sh
# tests/stress/stress-pg.sh BUILD_DIR [SECONDS] — make stress-pg: the
# stress program (tests/stress/stress.c) on a throwaway PostgreSQL server
# (tests/pg/cluster.sh: initdb in a temporary directory, a Unix socket
# there, run as the postgres user when started by root), stopped at the end
# even when the test fails.  Exits with the program's status.
set -u
B=${1:-build}
secs=${2:-10}
dir=$(mktemp -d)
trap 'sh tests/pg/cluster.sh stop "$dir/pg" >/dev/null 2>&1; rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM HUP
# a port of its own: several runs may share the machine
port=$((40000 + $$ % 10000))
conn=$(sh tests/pg/cluster.sh start "$dir/pg" $port) || {
    echo "stress-pg: the PostgreSQL server did not start (apt-get install postgresql)" >&2
    echo "0 passed, 1 failed"
    exit 1
}
conn=$(echo "$conn" | tail -1)
"$B/tests/stress" "$conn" "$secs"
