#!/bin/sh
# examples/demo-pg.sh BUILD_DIR — make demo-pg: both demos on a throwaway
# PostgreSQL server (tests/pg/cluster.sh: initdb in a temporary directory,
# a Unix socket there, stopped at the end), one database each.  The same
# programs as make demo; they print the same statement counts.
set -u
B=${1:-build}
dir=$(mktemp -d)
trap 'sh tests/pg/cluster.sh stop "$dir/pg" >/dev/null 2>&1; rm -rf "$dir"' EXIT
conn=$(sh tests/pg/cluster.sh start "$dir/pg" 54398) || {
    echo "demo-pg: the PostgreSQL server did not start (apt-get install postgresql)" >&2
    exit 1
}
conn=$(echo "$conn" | tail -1)
# JIT off, as for the bench's databases (bench/README.md): the demo times
# statements on tables it has just filled, which autovacuum has not yet
# analyzed, and PostgreSQL 15's default jit = on then compiled the
# per-parent limit's statement (12 ms of 30) on row estimates it lacked
psql -q "$conn" -c "CREATE DATABASE demo" -c "CREATE DATABASE library" \
    -c "ALTER DATABASE demo SET jit = off" \
    -c "ALTER DATABASE library SET jit = off" || exit 1
base=${conn% dbname=*}
"$B/demo" "$base dbname=demo" && "$B/library_demo" "$base dbname=library"
