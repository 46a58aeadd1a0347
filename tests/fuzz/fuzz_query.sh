#!/bin/sh
# tests/fuzz/fuzz_query.sh BUILD_DIR SECONDS — runs the differential query
# harness BUILD_DIR/fuzz_query (tests/fuzz/fuzz_query.c) for SECONDS
# seconds, one worker.
#
# The corpus (BUILD_DIR/corpus_query, kept between runs, not committed) is
# seeded with tests/fuzz/seeds_query/ and every past finding
# (tests/fuzz/regress_query/).  A mismatch with the evaluator, a crash, a
# leak, a timeout (10 s) or out-of-memory (2 GB) writes the input to
# BUILD_DIR/artifacts_query/ and fails; the harness prints the query, the
# SQL and both id lists.  Replay one with
# `BUILD_DIR/fuzz_query FILE`, minimize it with
# `BUILD_DIR/fuzz_query -minimize_crash=1 -runs=100000 FILE`, and once the
# runtime is fixed add it to tests/fuzz/regress_query/.  Extra libFuzzer
# flags can be given in FUZZ_FLAGS.
set -u
B=$1
SECS=$2
mkdir -p "$B/corpus_query" "$B/seeds_query" "$B/artifacts_query"
rm -f "$B/seeds_query"/*
n=0
for f in tests/fuzz/seeds_query/* tests/fuzz/regress_query/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    cp "$f" "$B/seeds_query/$n-$(basename "$f")"
done
echo "fuzz_query: $n seed files, corpus $B/corpus_query ($(ls "$B/corpus_query" | wc -l) files), $SECS s"
"$B/fuzz_query" -max_total_time="$SECS" -max_len=1024 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$B/artifacts_query/" ${FUZZ_FLAGS:-} \
    "$B/corpus_query" "$B/seeds_query"
rc=$?
if [ $rc -ne 0 ]; then
    echo "fuzz_query: FAILED (status $rc); the input is in $B/artifacts_query/:" >&2
    ls -t "$B/artifacts_query" | head -5 >&2
fi
exit $rc
