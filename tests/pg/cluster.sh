#!/bin/sh
# tests/pg/cluster.sh start DIR [PORT] | stop DIR — a private throwaway
# PostgreSQL cluster for the tests
#   replica DIR PRIMARY_DIR PRIMARY_PORT PORT   a streaming replica of it
#                                 (pg_basebackup -R, a fast checkpoint:
#                                 the default spread one waits minutes),
#                                 started on PORT
#   halt DIR                      stops a server, keeping its files
# : initdb into DIR/data, a server that
# listens only on a Unix socket in DIR (no TCP), trust authentication,
# locale C, durability off (fsync, full-page writes: a crash loses a
# test's data, nothing else).  Run as root, the server runs as the
# `postgres` user (or `nobody`), which PostgreSQL requires.
#
# start prints the connection string on its last line of stdout, e.g.
#   host=/tmp/x port=54329 user=ormc dbname=postgres
# and exits 0; exit status 77 when no server binaries are installed (the
# caller reports its tests as skipped), 1 when the server fails to start
# (its log is printed).
set -u
cmd=${1:-}
dir=${2:-}
port=${3:-54329}
[ -n "$cmd" ] && [ -n "$dir" ] || {
    echo "usage: $0 start|stop DIR [PORT]" >&2
    exit 2
}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
    exit 77
fi

# As root, the server runs as `postgres` (or `nobody`), which owns DIR;
# its parent (a mktemp -d of the caller, mode 700) becomes traversable,
# not readable, so that user can reach DIR.
user=postgres
id postgres >/dev/null 2>&1 || user=nobody

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

# Creates DIR for the server's user.
make_dir() {
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$user" "$dir"
        chmod o+x "$(dirname "$dir")"
    fi
}

case $cmd in
start)
    make_dir
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U ormc -E UTF8 \
        --locale=C -N >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -p $port -c listen_addresses= -c fsync=off \
-c full_page_writes=off -c synchronous_commit=off -c wal_level=replica \
-c max_wal_senders=4 -c max_connections=60" start >/dev/null 2>&1 || {
        cat "$dir/server.log" >&2
        exit 1
    }
    echo "host=$dir port=$port user=ormc dbname=postgres"
    ;;
replica)
    pdir=${3:-}
    pport=${4:-}
    port=${5:-}
    make_dir
    as_owner "$bin/pg_basebackup" -h "$pdir" -p "$pport" -U ormc -c fast \
        -D "$dir/data" -R -X stream >"$dir/basebackup.log" 2>&1 || {
        cat "$dir/basebackup.log" >&2
        exit 1
    }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -p $port -c listen_addresses= -c fsync=off \
-c hot_standby=on" start >/dev/null 2>&1 || {
        cat "$dir/server.log" >&2
        exit 1
    }
    echo "host=$dir port=$port user=ormc dbname=postgres"
    ;;
halt)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate \
        -w stop >/dev/null 2>&1
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
