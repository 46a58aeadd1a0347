#!/bin/sh
# tests/cli.sh — checks the `ormc` command line: options, exit statuses,
# what is (not) written, determinism and the generated header's ABI check.
# Run by tests/run.sh with ORMC (absolute path of the compiler), ROOT (the
# repository) and TMP (a scratch directory) set.  Prints "PASS name" or
# "FAIL name" per check, and "info: ..." lines that are not checks.
set -u
: "${ORMC:?ORMC must name the compiler}" "${ROOT:?}" "${TMP:?}"
CC=${CC:-cc}
T=$TMP/cli
rm -rf "$T"
mkdir -p "$T"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; }
check() { # check NAME CONDITION-STATUS [why]
    if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1" "${3:-}"; fi
}
# run OUT ERR ARGS...: runs ormc, sets $rc
run() {
    o=$1 e=$2
    shift 2
    rc=0
    "$ORMC" "$@" >"$o" 2>"$e" || rc=$?
}
# empty DIR: true when DIR holds no file at all (hidden ones included)
empty() { [ -z "$(ls -A "$1")" ]; }

cat >"$T/good.orm" <<'EOF'
model Author {
    name    text(100)
}

model Book {
    title   text(200)
    author  Author      related books  on delete cascade
}
EOF
cat >"$T/other.orm" <<'EOF'
model Tag {
    label   text(40)    unique
}
EOF
cat >"$T/bad.orm" <<'EOF'
model Author {
    name    txt(100)
}
EOF

# ---- options ----
run "$T/out" "$T/err" --version
[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "ormc 0.1.0" ]
check "--version prints 'ormc 0.1.0', exit 0" $? "exit $rc, printed '$(cat "$T/out")'"

run "$T/out" "$T/err" --help
[ "$rc" -eq 0 ] && grep -q "usage:" "$T/out"
check "--help exits 0 and prints the usage" $? "exit $rc"

run "$T/out" "$T/err"
[ "$rc" -eq 2 ] && grep -q "usage:" "$T/err" && [ ! -s "$T/out" ]
check "no arguments: exit 2, usage on stderr" $? "exit $rc"

run "$T/out" "$T/err" --frobnicate "$T/good.orm"
[ "$rc" -eq 2 ] && grep -q "unknown option '--frobnicate'" "$T/err"
check "unknown option: exit 2" $? "exit $rc"

run "$T/out" "$T/err" -o
[ "$rc" -eq 2 ] && grep -q -- "-o needs a directory" "$T/err"
check "-o without a directory: exit 2" $? "exit $rc"

# ---- inputs and outputs ----
mkdir "$T/o1"
run "$T/out" "$T/err" -o "$T/o1" "$T/no-such.orm"
[ "$rc" -eq 2 ] && grep -q "cannot open $T/no-such.orm" "$T/err" && empty "$T/o1"
check "missing input file: exit 2, 'cannot open'" $? "exit $rc: $(cat "$T/err")"

run "$T/out" "$T/err" -o "$T/no-such-dir" "$T/good.orm"
[ "$rc" -eq 2 ] && [ ! -e "$T/no-such-dir" ] && grep -q "cannot write" "$T/err"
check "-o to a missing directory: exit 2, nothing written" $? "exit $rc: $(cat "$T/err")"

mkdir "$T/o2"
run "$T/out" "$T/err" -o "$T/o2" "$T/bad.orm"
[ "$rc" -eq 1 ] && empty "$T/o2" && grep -q "bad.orm:2:13: error: unknown type 'txt'" "$T/err" &&
    grep -q "^ormc: 1 error; no files written$" "$T/err"
check "schema error: exit 1, diagnostics, no files" $? "exit $rc: $(cat "$T/err")"

mkdir "$T/o3"
run "$T/out" "$T/err" -o "$T/o3" "$T/good.orm" "$T/bad.orm"
[ "$rc" -eq 1 ] && empty "$T/o3"
check "two inputs, one bad: exit 1, no file written for either" $? "exit $rc: $(ls -A "$T/o3")"

mkdir "$T/o3b"
run "$T/out" "$T/err" -o "$T/o3b" "$T/good.orm" "$T/no-such.orm"
[ "$rc" -eq 2 ] && empty "$T/o3b"
check "two inputs, one missing: exit 2, no file written" $? "exit $rc: $(ls -A "$T/o3b")"

mkdir "$T/o4"
run "$T/out" "$T/err" -o "$T/o4" "$T/good.orm" "$T/other.orm"
[ "$rc" -eq 0 ] && [ -s "$T/o4/good.orm.h" ] && [ -s "$T/o4/good.orm.c" ] &&
    [ -s "$T/o4/other.orm.h" ] && [ -s "$T/o4/other.orm.c" ] && [ ! -s "$T/err" ]
check "two good inputs: both written, nothing on stderr" $? "exit $rc: $(ls -A "$T/o4")"

[ "$(cd "$T/o4" && ls -A | tr '\n' ' ')" = "good.orm.c good.orm.h other.orm.c other.orm.h " ]
check "outputs are named NAME.orm.h and NAME.orm.c, no temporary left" $? "$(ls -A "$T/o4")"

mkdir "$T/o4b" "$T/sub"
cp "$T/good.orm" "$T/sub/good.orm"
run "$T/out" "$T/err" -o "$T/o4b" "$T/good.orm" "$T/sub/good.orm"
[ "$rc" -eq 2 ] && empty "$T/o4b" && grep -q "would both write good.orm.h" "$T/err"
check "two inputs with the same name: exit 2, nothing written" $? "exit $rc: $(cat "$T/err")"

mkdir "$T/o5"
run "$T/out" "$T/err" "$T/good.orm" -o "$T/o5"
[ "$rc" -eq 0 ] && [ -s "$T/o5/good.orm.h" ] && [ -s "$T/o5/good.orm.c" ]
check "options may follow the files" $? "exit $rc: $(cat "$T/err")"

mkdir "$T/o6"
(cd "$T" && "$ORMC" good.orm) >"$T/out" 2>"$T/err" && mv "$T/good.orm.h" "$T/good.orm.c" "$T/o6/"
check "without -o, outputs go to the current directory" $? "$(cat "$T/err")"

# ---- determinism ----
mkdir "$T/d1" "$T/d2"
"$ORMC" -o "$T/d1" "$ROOT/examples/blog.orm" "$T/good.orm" 2>"$T/err" &&
    "$ORMC" -o "$T/d2" "$ROOT/examples/blog.orm" "$T/good.orm" 2>>"$T/err" &&
    cmp "$T/d1/blog.orm.h" "$T/d2/blog.orm.h" && cmp "$T/d1/blog.orm.c" "$T/d2/blog.orm.c" &&
    cmp "$T/d1/good.orm.h" "$T/d2/good.orm.h" && cmp "$T/d1/good.orm.c" "$T/d2/good.orm.c" &&
    cmp "$T/d1/good.orm.h" "$T/o4/good.orm.h" && cmp "$T/d1/good.orm.c" "$T/o4/good.orm.c"
check "running twice gives byte-identical output" $? "$(cat "$T/err")"

# ---- the generated header refuses a runtime of another ABI ----
mkdir "$T/abi"
cat >"$T/abi/ormc.h" <<'EOF'
/* a runtime header of a future, incompatible ABI */
#define ORMC_ABI_VERSION 999
EOF
printf '#include "good.orm.h"\n' >"$T/abi/use.c"
cp "$T/o4/good.orm.h" "$T/abi/"
rc=0
$CC -std=c11 -fsyntax-only -I"$T/abi" "$T/abi/use.c" >"$T/abi/log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && grep "#error\|error:" "$T/abi/log" | grep -q "ABI"
check "generated header fails with an #error naming the ABI on ORMC_ABI_VERSION 999" $? \
    "exit $rc: $(head -3 "$T/abi/log")"
mkdir "$T/abi-ok"
cp "$T/abi/use.c" "$T/abi/good.orm.h" "$T/abi-ok/"
rc=0
$CC -std=c11 -fsyntax-only -I"$ROOT/include" "$T/abi-ok/use.c" >"$T/abi/log2" 2>&1 || rc=$?
[ "$rc" -eq 0 ]
check "the same header compiles against the real ormc.h" $? "$(head -3 "$T/abi/log2")"

# ---- informational: compile time ----
runs=20
if start=$(date +%s%N 2>/dev/null) && [ "${start#*N}" = "$start" ]; then
    i=0
    while [ $i -lt $runs ]; do
        "$ORMC" -o "$T/d1" "$ROOT/examples/blog.orm" || break
        i=$((i + 1))
    done
    end=$(date +%s%N)
    us=$(( (end - start) / 1000 / runs ))
    echo "info: examples/blog.orm compiles in $((us / 1000)).$(printf '%03d' $((us % 1000))) ms (average of $runs runs, process start included)"
else
    echo "info: compile time not measured (date +%s%N unsupported)"
fi
exit 0
