#!/bin/sh
# tests/fuzz/fuzz.sh BUILD_DIR SECONDS — runs the libFuzzer harness
# BUILD_DIR/fuzz_compile for SECONDS seconds, one worker.
#
# The corpus (BUILD_DIR/corpus, kept between runs, not committed) is seeded
# with every schema of the tests and examples and every past finding
# (tests/fuzz/regress/).  A crash, leak, timeout (10 s) or out-of-memory
# (2 GB) writes the input to BUILD_DIR/artifacts/ and fails; minimize it
# with `BUILD_DIR/fuzz_compile -minimize_crash=1 -runs=100000 FILE`, fix the
# compiler, and add it to tests/fuzz/regress/ under a name saying what it
# was.  Extra libFuzzer flags can be given in FUZZ_FLAGS.
set -u
B=$1
SECS=$2
mkdir -p "$B/corpus" "$B/seeds" "$B/artifacts"
rm -f "$B/seeds"/*
n=0
for f in tests/golden/*/*.orm examples/*.orm tests/exec/*.orm tests/fuzz/regress/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    cp "$f" "$B/seeds/$n-$(basename "$f")"
done
echo "fuzz: $n seed files, corpus $B/corpus ($(ls "$B/corpus" | wc -l) files), $SECS s"
"$B/fuzz_compile" -max_total_time="$SECS" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -dict=tests/fuzz/orm.dict -print_final_stats=1 \
    -artifact_prefix="$B/artifacts/" ${FUZZ_FLAGS:-} "$B/corpus" "$B/seeds"
rc=$?
if [ $rc -ne 0 ]; then
    echo "fuzz: FAILED (status $rc); the input is in $B/artifacts/:" >&2
    ls -t "$B/artifacts" | head -5 >&2
fi
exit $rc
