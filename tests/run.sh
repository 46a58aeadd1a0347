#!/bin/sh
# tests/run.sh BUILD_DIR EXEC_TEST... — runs every test of ormc and ends with
# one line "N passed, N failed".  Exit status 1 if anything failed.
#
#   golden   tests/golden/<case>/: one NAME.orm; a success case holds the
#            expected NAME.orm.h and NAME.orm.c, which must also compile with
#            gcc and clang (-std=c11 -Wall -Wextra -Wpedantic -Werror) and the
#            header as C++; an error case holds expected.stderr (exact text),
#            exit status 1 and no file written.  Schemas that NAME.orm
#            imports live in subdirectories of the case (only NAME.orm is
#            compiled and compared; their headers are generated beside, for
#            the compile checks).
#   sql      tests/sql/shapes.md: the SQL rendered for each query shape.
#   typed    tests/typed/*.c: the typed API refuses, at compile time with
#            gcc and clang, a path of another model or type (WRONG lines).
#   cli      tests/cli.sh: options, exit codes, determinism, ABI check.
#   symbols  tests/symbols.sh: libormc.a and libormc.so export only ormc_
#            names; an application with its own read_row links.
#   install  tests/install.sh: make install into a DESTDIR, the
#            examples/build program built outside the tree with make and
#            CMake from the installed ormc and pkg-config, make uninstall.
#   fuzz     each tests/fuzz/regress/ file through BUILD_DIR/tests/fuzz_replay
#            (no crash, no leak, the harness's invariants hold); each
#            tests/fuzz/seeds_query/ and tests/fuzz/regress_query/ file
#            through BUILD_DIR/tests/fuzz_query_replay (the query harness:
#            rows equal to its evaluator's).
#   exec     cmocka programs (BUILD_DIR/tests/NAME), counted per test case;
#            with VALGRIND=1 each runs under valgrind (any error or leak
#            fails it).
#   pg/exec  the programs of $PG_EXEC_TESTS again on PostgreSQL: a
#            throwaway server started here (tests/pg/cluster.sh) and
#            stopped at the end; SKIP when no server is installed.
#            Skipped cases are listed (SKIP) and counted apart.
set -u
VALGRIND=${VALGRIND:-0}
VG=""
if [ "$VALGRIND" = 1 ]; then
    VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
fi
B=$1
shift
ORMC=$(pwd)/$B/ormc
ROOT=$(pwd)
PASS=0
FAIL=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# a run interrupted or killed still runs the EXIT trap (which stops the
# PostgreSQL cluster below): the shell runs it on exit, not on a signal
trap 'exit 130' INT
trap 'exit 143' TERM

pass() { PASS=$((PASS + 1)); echo "PASS $1"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $1"; }

# ---- golden ----
# the schemas of examples/ are golden cases too: the copies must not drift
for ex in blog library; do
    if cmp -s "examples/$ex.orm" "tests/golden/$ex/$ex.orm"; then
        pass "golden/$ex: the same schema as examples/$ex.orm"
    else
        fail "golden/$ex: tests/golden/$ex/$ex.orm differs from examples/$ex.orm"
    fi
done
for dir in tests/golden/*/; do
    case=$(basename "$dir")
    orm=$(cd "$dir" && ls *.orm)
    out="$TMP/golden-$case"
    mkdir -p "$out"
    status=0
    (cd "$dir" && "$ORMC" -o "$out" "$orm") >"$out.stdout" 2>"$out.stderr" || status=$?
    if [ -f "$dir/expected.stderr" ]; then
        if [ "$status" -ne 1 ]; then
            fail "golden/$case: exit status $status, expected 1"
        elif ! diff -u "$dir/expected.stderr" "$out.stderr"; then
            fail "golden/$case: stderr differs"
        elif [ -n "$(ls -A "$out")" ]; then
            fail "golden/$case: files written despite errors: $(ls -A "$out")"
        else
            pass "golden/$case"
        fi
        continue
    fi
    if [ "$status" -ne 0 ]; then
        cat "$out.stderr"
        fail "golden/$case: exit status $status"
        continue
    fi
    # the headers of the schemas it imports, for the compile checks
    rm -rf "$out.deps" && mkdir -p "$out.deps"
    for dep in $(cd "$dir" && find . -mindepth 2 -name '*.orm' | sort); do
        (cd "$dir" && "$ORMC" -o "$out.deps" "$dep") ||
            fail "golden/$case: imported $dep does not compile"
    done
    ok=1
    for f in "$orm.h" "$orm.c"; do
        diff -u "$dir/$f" "$out/$f" || { ok=0; echo "  $f differs (make golden-update regenerates; read the diff)"; }
    done
    [ $ok -eq 1 ] && pass "golden/$case" || fail "golden/$case"
    for cc in gcc clang; do
        if command -v $cc >/dev/null 2>&1; then
            if $cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$ROOT/include" \
                -I"$out" -I"$out.deps" -c "$out/$orm.c" -o "$TMP/$case.$cc.o"; then
                pass "golden/$case: generated code compiles with $cc"
            else
                fail "golden/$case: generated code compiles with $cc"
            fi
        fi
    done
    if command -v g++ >/dev/null 2>&1; then
        printf '#include "%s.h"\n' "$orm" > "$TMP/$case.cpp"
        if g++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only -I"$ROOT/include" \
            -I"$out" -I"$out.deps" "$TMP/$case.cpp"; then
            pass "golden/$case: header compiles as C++"
        else
            fail "golden/$case: header compiles as C++"
        fi
    fi
done

# ---- SQL of every query shape ----
# BUILD_DIR/tests/sql_shapes prints the table shape -> SQL; it must equal
# tests/sql/shapes.md (make golden-update rewrites it: read the diff).
if [ -x "$B/tests/sql_shapes" ]; then
    if $VG "$B/tests/sql_shapes" >"$TMP/shapes.md" 2>"$TMP/shapes.err" &&
        diff -u tests/sql/shapes.md "$TMP/shapes.md"; then
        pass "sql/shapes"
    else
        cat "$TMP/shapes.err"
        fail "sql/shapes (make golden-update regenerates; read the diff)"
    fi
fi

# ---- typed API: compile-fail tests ----
# tests/typed/*.c against the generated blog API: ok.c must compile clean;
# every other file holds one wrong call, marked WRONG, which must be a
# compile-time diagnostic at that line with gcc and with clang
# (-std=c11 -Wall -Wextra -Werror: a warning counts).
GEN_BLOG="$TMP/typed-gen"
mkdir -p "$GEN_BLOG"
if "$ORMC" -o "$GEN_BLOG" examples/blog.orm >/dev/null 2>&1; then
    for src in tests/typed/*.c; do
        name="typed/$(basename "$src" .c)"
        line=$(grep -n 'WRONG' "$src" | head -1 | cut -d: -f1)
        for cc in gcc clang; do
            command -v $cc >/dev/null 2>&1 || continue
            log="$TMP/typed.$cc.log"
            if $cc -std=c11 -Wall -Wextra -Werror -I"$ROOT/include" \
                -I"$GEN_BLOG" -c "$src" -o "$TMP/typed.o" >"$log" 2>&1; then
                if [ -z "$line" ]; then
                    pass "$name: compiles with $cc"
                else
                    fail "$name: $cc accepted the wrong call at line $line"
                fi
            elif [ -z "$line" ]; then
                cat "$log"
                fail "$name: compiles with $cc"
            elif grep -q "$(basename "$src"):$line:[0-9]*: error" "$log"; then
                pass "$name: $cc refuses line $line"
            else
                cat "$log"
                fail "$name: $cc failed, but not at line $line"
            fi
        done
    done
else
    fail "typed: ormc could not compile examples/blog.orm"
fi

# ---- scripts: cli, symbols, install ----
# script NAME: runs tests/NAME.sh, counting its "PASS x" / "FAIL x" lines
# ("SKIP x: why" is listed and counted apart)
SKIPPED=0
script() {
    while IFS= read -r line; do
        case "$line" in
            PASS\ *) pass "$1/${line#PASS }" ;;
            FAIL\ *) fail "$1/${line#FAIL }" ;;
            SKIP\ *)
                echo "SKIP $1/${line#SKIP }"
                SKIPPED=$((SKIPPED + 1))
                ;;
            *) echo "$line" ;;
        esac
    done <<EOT
$(ORMC="$ORMC" ROOT="$ROOT" TMP="$TMP" B="$B" sh "tests/$1.sh" 2>&1)
EOT
}
script cli
script symbols
script install

# ---- fuzz regressions ----
# every input the fuzzer ever broke the compiler with (tests/fuzz/regress/),
# through the fuzz harness's checks (tests/fuzz/fuzz_compile.c)
for f in tests/fuzz/regress/*; do
    [ -f "$f" ] || continue
    name="fuzz/$(basename "$f")"
    if $VG "$B/tests/fuzz_replay" "$f" >"$TMP/replay.log" 2>&1; then
        pass "$name"
    else
        head -40 "$TMP/replay.log"
        fail "$name"
    fi
done

# every seed and past finding of the query harness (tests/fuzz/fuzz_query.c)
for f in tests/fuzz/seeds_query/* tests/fuzz/regress_query/*; do
    [ -f "$f" ] || continue
    name="fuzz-query/$(basename "$(dirname "$f")")/$(basename "$f")"
    if $VG "$B/tests/fuzz_query_replay" "$f" >"$TMP/replay.log" 2>&1; then
        pass "$name"
    else
        head -40 "$TMP/replay.log"
        fail "$name"
    fi
done

# ---- exec (cmocka, TAP output: one "ok"/"not ok" line per test) ----
# run_exec PREFIX TEST...: each test program, its cases counted; a case
# cmocka skipped ("not ok N # SKIP") or a program that skips whole
# ("1..0 # SKIP why") is reported SKIP and counted apart, never passed.
run_exec() {
    prefix=$1
    shift
    for t in "$@"; do
        bin=$B/tests/$t
        log="$TMP/$t.log"
        (cd "$TMP" && CMOCKA_MESSAGE_OUTPUT=TAP $VG "$ROOT/$bin") >"$log" 2>&1
        rc=$?
        plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log" | head -1)
        why=$(sed -n 's/^1\.\.0 # SKIP \(.*\)/\1/p' "$log" | head -1)
        if [ -n "$why" ] && [ $rc -eq 0 ]; then
            echo "SKIP $prefix$t: $why"
            SKIPPED=$((SKIPPED + 1))
            continue
        fi
        ok=$(grep -c '^ok ' "$log")
        notok=$(grep '^not ok ' "$log" | grep -vc ' # SKIP ')
        skip=$(grep -c '^not ok [0-9]* # SKIP ' "$log")
        grep -E '^(ok|not ok) ' "$log" | sed "s|^ok [0-9]* - |PASS $prefix$t: |; s|^not ok [0-9]* # SKIP |SKIP $prefix$t: |; s|^not ok [0-9]* - |FAIL $prefix$t: |"
        PASS=$((PASS + ok))
        FAIL=$((FAIL + notok))
        SKIPPED=$((SKIPPED + skip))
        missing=$(( ${plan:-0} - ok - notok - skip ))
        if [ -z "$plan" ] || [ "$missing" -gt 0 ] || { [ $rc -ne 0 ] && [ "$notok" -eq 0 ]; }; then
            echo "---- $prefix$t exited with status $rc; its output: ----"
            cat "$log"
            FAIL=$((FAIL + (missing > 0 ? missing : 1)))
        elif [ "$notok" -gt 0 ]; then
            grep -v -E '^(ok|not ok) ' "$log" | head -50
        fi
    done
}
run_exec "" "$@"

# ---- exec on PostgreSQL ----
# The same programs against a throwaway server (tests/pg/cluster.sh, on a
# Unix socket in $TMP), each case on a freshly emptied schema.  No server
# installed: reported as skipped.  PG_TESTS=0 leaves them out (said so).
if [ "${PG_TESTS:-1}" = 0 ]; then
    echo "SKIP pg: PG_TESTS=0"
    SKIPPED=$((SKIPPED + 1))
else
    pgdir=$TMP/pg
    trap 'sh tests/pg/cluster.sh stop "$TMP/pgr" >/dev/null 2>&1; sh tests/pg/cluster.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
    # a port of its own: several runs may share the machine
    pgport=$((50000 + $$ % 10000))
    conn=$(sh tests/pg/cluster.sh start "$pgdir" $pgport 2>"$TMP/pg.err")
    st=$?
    if [ $st -eq 0 ]; then
        ORMC_TEST_PG=$(echo "$conn" | tail -1)
        export ORMC_TEST_PG
        run_exec pg/ ${PG_EXEC_TESTS:-}
        # read replicas: a streaming replica of this server
        # (pg_basebackup), which the last test stops mid-run
        rdir=$TMP/pgr
        if rconn=$(sh tests/pg/cluster.sh replica "$rdir" "$pgdir" $pgport \
            $((pgport + 1)) 2>"$TMP/pgr.err"); then
            ORMC_TEST_PG_REPLICA=$(echo "$rconn" | tail -1)
            ORMC_TEST_PG_REPLICA_HALT="sh $ROOT/tests/pg/cluster.sh halt $rdir"
            export ORMC_TEST_PG_REPLICA ORMC_TEST_PG_REPLICA_HALT
            run_exec pg/ test_replica
            unset ORMC_TEST_PG_REPLICA ORMC_TEST_PG_REPLICA_HALT
            sh tests/pg/cluster.sh stop "$rdir"
        else
            fail "pg/replica: the streaming replica did not start:"
            cat "$TMP/pgr.err"
        fi
        if $VG "$B/tests/sql_shapes" "$ORMC_TEST_PG" >"$TMP/shapes_pg.md" \
            2>"$TMP/shapes.err" &&
            diff -u tests/sql/shapes_pg.md "$TMP/shapes_pg.md"; then
            pass "pg/sql/shapes"
        else
            cat "$TMP/shapes.err"
            fail "pg/sql/shapes (make golden-update regenerates; read the diff)"
        fi
        unset ORMC_TEST_PG
        sh tests/pg/cluster.sh stop "$pgdir"
    elif [ $st -eq 77 ]; then
        echo "SKIP pg: $(cat "$TMP/pg.err")"
        SKIPPED=$((SKIPPED + 1))
    else
        fail "pg: the throwaway PostgreSQL server did not start:"
        cat "$TMP/pg.err"
    fi
fi

[ "$SKIPPED" -gt 0 ] && echo "$SKIPPED skipped (listed above as SKIP)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
