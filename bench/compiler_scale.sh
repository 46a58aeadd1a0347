#!/bin/sh
# bench/compiler_scale.sh [--smoke] [--runs N] [--sizes "N..."] ORMC
#
# How the ormc compiler scales with the size of a schema.  Generates
# deterministic schemas of 100, 1,000 and 10,000 models with
# bench/genschema.py (in a temporary directory), compiles each with ORMC
# (an -O2 build) several times, and prints a markdown table on stdout:
# wall time (best and median of the runs, the whole process including
# writing both files), CPU time, peak RSS, wall time per model, input size
# and output size (bytes of NAME.orm.h + NAME.orm.c), then how time grows
# from one size to the next (10x the models should take ~10x the time).
#
#   --smoke       100 models, one run: a quick check for CI
#   --runs N      timed runs per size (default 5; one untimed warm-up run
#                 comes first)
#   --sizes "..." model counts (default "100 1000 10000")
#
# Needs python3 (standard library only) to generate the schemas, and a C
# compiler (CC, default cc) to build bench/runstat.c, which times each run:
# wall clock, and user/sys time and peak RSS of that one child (wait4).
# Exit status 0, or 1 when ORMC fails on a schema or a generated file is
# missing.
set -eu

runs=5
sizes="100 1000 10000"
smoke=0
ormc=""
while [ $# -gt 0 ]; do
    case $1 in
    --smoke) smoke=1; runs=1; sizes=100 ;;
    --runs) runs=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    -*) echo "compiler_scale.sh: unknown option $1" >&2; exit 2 ;;
    *) ormc=$1 ;;
    esac
    shift
done
if [ -z "$ormc" ] || [ ! -x "$ormc" ]; then
    echo "usage: sh bench/compiler_scale.sh [--smoke] [--runs N] [--sizes \"N...\"] ORMC" >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || {
    echo "compiler_scale.sh: needs python3 (apt-get install python3)" >&2
    exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
case $ormc in /*) ;; *) ormc=$(pwd)/$ormc ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# runstat (bench/runstat.c) times one run: built here, with the C compiler
# that builds ormc, so nothing beyond a C toolchain and python3 is needed
${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 \
    -o "$tmp/runstat" "$here/runstat.c"

# stat COLUMN FILE: "best median" of a column of numbers
stat() {
    sort -g -k"$1" "$2" | awk -v c="$1" '{ v[NR] = $c }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%s %s\n", v[1], m }'
}

# bytes FILE...: total size
bytes() { cat "$@" | wc -c | tr -d ' '; }

rows=$tmp/rows
: >"$rows"
for n in $sizes; do
    dir=$tmp/m$n
    mkdir -p "$dir/out"
    orm=$dir/scale$n.orm
    python3 "$here/genschema.py" "$n" >"$orm"
    [ "$smoke" = 1 ] || "$ormc" -o "$dir/out" "$orm" # warm-up, untimed
    i=0
    while [ "$i" -lt "$runs" ]; do
        rm -f "$dir/out/"*
        "$tmp/runstat" "$dir/times" "$ormc" -o "$dir/out" "$orm" || exit 1
        i=$((i + 1))
    done
    for f in "$dir/out/scale$n.orm.h" "$dir/out/scale$n.orm.c"; do
        [ -s "$f" ] || { echo "compiler_scale.sh: $f was not written" >&2; exit 1; }
    done
    in_bytes=$(bytes "$orm")
    out_bytes=$(bytes "$dir/out/scale$n.orm.h" "$dir/out/scale$n.orm.c")
    wall=$(stat 1 "$dir/times")
    awk '{ print $2 + $3 }' "$dir/times" >"$dir/cpu"
    cpu=$(stat 1 "$dir/cpu")
    rss=$(stat 4 "$dir/times")
    echo "$n $in_bytes $out_bytes $wall $cpu $rss" >>"$rows"
done

awk -v runs="$runs" '
function human(b) {
    if (b >= 1048576) return sprintf("%.1f MB", b / 1048576);
    if (b >= 1024) return sprintf("%.0f KB", b / 1024);
    return b " B";
}
function ms(s) { return s < 0.1 ? sprintf("%.1f ms", s * 1000) : sprintf("%.0f ms", s * 1000); }
BEGIN {
    printf "### ormc compile time vs schema size\n\n";
    printf "Best and median of %d run%s; wall = the whole `ormc -o DIR FILE.orm` ", runs, (runs == 1 ? "" : "s");
    printf "process, writing both files; CPU = user + sys; RSS = peak resident set; ";
    printf "output = NAME.orm.h + NAME.orm.c.\n\n";
    printf "| models | input | output | wall (best) | wall (median) | CPU (median) | peak RSS | wall per model | output per model |\n";
    printf "|-------:|------:|-------:|------------:|--------------:|-------------:|---------:|---------------:|-----------------:|\n";
}
{
    n[NR] = $1; best[NR] = $4;
    printf "| %d | %s | %s | %s | %s | %s | %.1f MB | %.1f µs | %.1f KB |\n",
        $1, human($2), human($3), ms($4), ms($5), ms($7), $9 / 1024,
        $4 / $1 * 1e6, $3 / $1 / 1024;
}
END {
    if (NR > 1) {
        printf "\nGrowth (best wall time): ";
        for (i = 2; i <= NR; i++)
            printf "%s%dx the models -> %.1fx the time", (i > 2 ? "; " : ""),
                n[i] / n[i - 1], best[i] / best[i - 1];
        printf " (linear: the same factor).\n";
    }
}' "$rows"
