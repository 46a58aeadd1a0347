#!/bin/sh
# tests/install.sh — `make install` into a temporary DESTDIR with
# PREFIX=/usr, then the examples/build program built outside the
# repository twice, with make (examples/build/Makefile) and with CMake
# (examples/build/CMakeLists.txt), from only the installed ormc and
# `pkg-config --cflags --libs ormc` (PKG_CONFIG_PATH and
# PKG_CONFIG_SYSROOT_DIR pointing into the DESTDIR); rebuilds after an
# unchanged and a changed schema; `make uninstall`.
# Run by tests/run.sh with B (the build directory, relative to ROOT), ROOT,
# TMP, CC, SANITIZE and SANFLAGS set.  Prints "PASS name" or
# "FAIL name: why" per check; "info: skipped: ..." when cmake is missing.
set -u
: "${B:?}" "${ROOT:?}" "${TMP:?}"
CC=${CC:-cc}
SANFLAGS=${SANFLAGS:-}
MAKE=${MAKE:-make}
T=$TMP/install
D=$T/dest
rm -rf "$T"
mkdir -p "$T"
cd "$ROOT" || exit 1

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; }
check() { # check NAME STATUS [why]
    if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1" "${3:-}"; fi
}
# stamps DIR FILE...: "<mtime to the nanosecond> <name>" per file, in ls's order
stamps() { (cd "$1" && shift && ls -l --time-style=+%s.%N "$@" | awk '{print $6, $7}'); }

VERSION=$(sed -n 's/^#define ORMC_VERSION "\(.*\)"/\1/p' include/ormc.h)

# ---- the installed tree ----
rc=0
$MAKE --no-print-directory install B="$B" SANITIZE="${SANITIZE:-}" CC="$CC" \
    DESTDIR="$D" PREFIX=/usr >"$T/install.log" 2>&1 || rc=$?
(cd "$D" && find . \( -type f -o -type l \) | sort) >"$T/tree"
cat >"$T/want.tree" <<EOF
./usr/bin/ormc
./usr/include/ormc.h
./usr/lib/libormc.a
./usr/lib/libormc.so
./usr/lib/libormc.so.0
./usr/lib/libormc.so.$VERSION
./usr/lib/pkgconfig/ormc.pc
./usr/share/man/man1/ormc.1
EOF
[ "$rc" -eq 0 ] && cmp -s "$T/want.tree" "$T/tree"
check "make install DESTDIR=... PREFIX=/usr installs exactly ormc, the libraries, ormc.h, ormc.pc, ormc.1" $? \
    "exit $rc: $(tail -3 "$T/install.log") $(diff "$T/want.tree" "$T/tree" | tr '\n' ' ')"

[ "$(readlink "$D/usr/lib/libormc.so")" = libormc.so.0 ] &&
    [ "$(readlink "$D/usr/lib/libormc.so.0")" = "libormc.so.$VERSION" ] &&
    [ ! -L "$D/usr/lib/libormc.so.$VERSION" ] && [ -x "$D/usr/bin/ormc" ] &&
    [ "$(stat -c %a "$D/usr/include/ormc.h")" = 644 ]
check "libormc.so -> libormc.so.0 -> libormc.so.$VERSION; ormc executable, ormc.h 0644" $? \
    "$(ls -l "$D/usr/lib" | tr '\n' ' ')"

cmp -s include/ormc.h "$D/usr/include/ormc.h" && cmp -s "$B/libormc.a" "$D/usr/lib/libormc.a"
check "the installed ormc.h and libormc.a are the built ones" $?

# pkg-config, as a build outside the tree calls it
PC="env PKG_CONFIG_PATH=$D/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D pkg-config"
if ! command -v pkg-config >/dev/null 2>&1; then
    fail "pkg-config is installed (make deps installs it)"
else
    flags=$($PC --cflags --libs ormc 2>&1 | sed 's/ *$//')
    [ "$flags" = "-I$D/usr/include -L$D/usr/lib -lormc" ]
    check "pkg-config --cflags --libs ormc: -I$D/usr/include -L$D/usr/lib -lormc" $? "'$flags'"
    static=$($PC --static --libs ormc 2>&1 | sed 's/ *$//')
    # (and dlopen's when the runtime was built with PostgreSQL: it loads
    # libpq itself, on the first connection)
    want="-L$D/usr/lib -lormc -lsqlite3 -lm -lpthread"
    pkg-config --exists libpq 2>/dev/null && want="$want -ldl"
    [ "$static" = "$want" ]
    check "pkg-config --static --libs ormc adds -lsqlite3 -lm -lpthread (-ldl), never -lpq" $? "'$static'"
    mv=$($PC --modversion ormc 2>&1)
    [ "$mv" = "$VERSION" ] && [ "$("$D/usr/bin/ormc" --version)" = "ormc $VERSION" ]
    check "pkg-config --modversion ormc is ormc --version's, $VERSION" $? "'$mv'"
fi

# the man page documents every option of ormc --help and its sections
missing=""
for opt in $("$D/usr/bin/ormc" --help | sed -n 's/^  \(-[^ ,]*\).*/\1/p'); do
    grep -q "^\.B[IR]* .*$(echo "$opt" | sed 's/-/\\\\-/g')" "$D/usr/share/man/man1/ormc.1" ||
        missing="$missing $opt"
done
for sec in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
    grep -q "^\.SH \"*$sec\"*$" "$D/usr/share/man/man1/ormc.1" || missing="$missing [$sec]"
done
[ -z "$missing" ]
check "ormc(1) documents every option of ormc --help, and has its sections" $? "missing:$missing"
if command -v groff >/dev/null 2>&1; then
    warn=$(groff -man -Tutf8 -ww -z "$D/usr/share/man/man1/ormc.1" 2>&1)
    [ -z "$warn" ]
    check "ormc(1) renders without a groff warning" $? "$warn"
else
    echo "info: skipped: rendering ormc(1) (groff is not installed)"
fi

# ---- out of the tree, with make ----
cd "$T" || exit 1
export PKG_CONFIG_PATH="$D/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
export LD_LIBRARY_PATH="$D/usr/lib"
ORMC="$D/usr/bin/ormc"
want="bread 2.25 at Market
tea 4.50 at Corner
Corner: 1 items
Market: 2 items"
M="$T/make"
mkdir "$M"
cp "$ROOT/examples/build/Makefile" "$ROOT/examples/build/app.c" "$ROOT/examples/build/store.orm" "$M/"
# mk LOG ARGS...: make in $M with the installed tools; sets $rc
mk() {
    log=$1
    shift
    rc=0
    $MAKE --no-print-directory -C "$M" ORMC="$ORMC" CC="$CC" \
        CFLAGS="-O2 -g $SANFLAGS" LDFLAGS="$SANFLAGS" "$@" >"$T/$log" 2>&1 || rc=$?
}
mk make1.log
out=$("$M/app" 2>&1)
[ "$rc" -eq 0 ] && [ "$out" = "$want" ] && ! grep -q "$ROOT" "$T/make1.log"
check "make: examples/build builds outside the tree from the installed ormc and pkg-config, and runs" $? \
    "exit $rc: $(tail -5 "$T/make1.log") / printed: $out"

needed=$(readelf -d "$M/app" 2>/dev/null | grep -c 'NEEDED.*\[libormc\.so\.0\]')
[ "$(cat "$M/gen/store.orm.d" 2>/dev/null)" = "gen/store.orm.h gen/store.orm.c: store.orm" ] &&
    [ "$needed" -eq 1 ]
check "make: ormc -MF wrote gen/store.orm.d; app links libormc.so.0" $? \
    "$(cat "$M/gen/store.orm.d" 2>&1), NEEDED $needed"

rc=0
$MAKE --no-print-directory -q -C "$M" ORMC="$ORMC" CC="$CC" CFLAGS="-O2 -g $SANFLAGS" \
    LDFLAGS="$SANFLAGS" app >/dev/null 2>&1 || rc=$?
check "make: a second make has nothing to do" "$rc" "make -q exit $rc"

# a schema edit that changes no generated byte: ormc runs, nothing else
before=$(stamps "$M" gen/store.orm.h gen/store.orm.c gen/store.orm.d gen/store.orm.o app.o app)
sleep 1
echo "// a comment changes no generated code" >>"$M/store.orm"
mk make2.log
after=$(stamps "$M" gen/store.orm.h gen/store.orm.c gen/store.orm.d gen/store.orm.o app.o app)
[ "$rc" -eq 0 ] && grep -q "ormc -o gen -MF gen/store.orm.d store.orm" "$T/make2.log" &&
    ! grep -q -- "-c " "$T/make2.log" && [ "$before" = "$after" ]
check "make: an edit that changes no generated code reruns ormc, rebuilds nothing" $? \
    "exit $rc: $(cat "$T/make2.log" | tr '\n' ' ')"

# a real schema change rebuilds what depends on it
before=$(stamps "$M" gen/store.orm.h gen/store.orm.c gen/store.orm.o app.o app)
sleep 1
sed -i 's/^    price   real$/    price   real\n    stock   int         default 0/' "$M/store.orm"
mk make3.log
after=$(stamps "$M" gen/store.orm.h gen/store.orm.c gen/store.orm.o app.o app)
out=$("$M/app" 2>&1)
# (every one of the five stamps changed)
same=$(printf '%s\n%s\n' "$before" "$after" | sort | uniq -d | wc -l)
[ "$rc" -eq 0 ] && grep -q "stock" "$M/gen/store.orm.h" && [ "$out" = "$want" ] &&
    [ "$same" -eq 0 ]
check "make: a schema change regenerates the code and relinks app" $? \
    "exit $rc: $(tail -5 "$T/make3.log") / printed: $out"

mk check1.log check-generated
rc1=$rc
echo "/* edited by hand */" >>"$M/gen/store.orm.c"
mk check2.log check-generated
[ "$rc1" -eq 0 ] && [ "$rc" -ne 0 ] && grep -q "^-/\* edited by hand \*/$" "$T/check2.log" &&
    grep -q "^ormc: gen/store.orm.c is out of date$" "$T/check2.log"
check "make check-generated: passes on fresh code, fails with the diff on an edited file" $? \
    "exits $rc1 and $rc: $(head -5 "$T/check2.log")"

# ---- out of the tree, with CMake ----
# cmake_example NAME GENERATOR: configures and builds examples/build in
# $T/NAME with GENERATOR, runs it, rebuilds after no change, after an edit
# that changes no generated code and after a schema change
cmake_example() {
    name=$1 gen=$2
    C="$T/$name"
    mkdir "$C"
    cp "$ROOT/examples/build/CMakeLists.txt" "$ROOT/examples/build/app.c" \
        "$ROOT/examples/build/store.orm" "$C/"
    rc=0
    (cd "$C" && cmake -S . -B out -G "$gen" -DORMC="$ORMC" -DCMAKE_C_COMPILER="$CC" \
        -DCMAKE_C_FLAGS="$SANFLAGS" && cmake --build out) >"$T/$name.1.log" 2>&1 || rc=$?
    out=$("$C/out/app" 2>&1)
    [ "$rc" -eq 0 ] && [ "$out" = "$want" ] && ! grep -q "$ROOT" "$C/out/CMakeCache.txt"
    check "$name: examples/build builds outside the tree (add_custom_command with DEPFILE) and runs" $? \
        "exit $rc: $(tail -8 "$T/$name.1.log") / printed: $out"

    rc=0
    cmake --build "$C/out" >"$T/$name.2.log" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] && ! grep -q "Building C object\|Linking\|ormc store.orm" "$T/$name.2.log"
    check "$name: a second build does nothing" $? "exit $rc: $(cat "$T/$name.2.log" | tr '\n' ' ')"

    before=$(stamps "$C/out" gen/store.orm.h gen/store.orm.c app)
    sleep 1
    echo "// a comment changes no generated code" >>"$C/store.orm"
    rc=0
    cmake --build "$C/out" >"$T/$name.3.log" 2>&1 || rc=$?
    after=$(stamps "$C/out" gen/store.orm.h gen/store.orm.c app)
    if [ "$gen" = Ninja ]; then
        [ "$rc" -eq 0 ] && grep -q "ormc store.orm" "$T/$name.3.log" &&
            ! grep -q "Building C object\|Linking" "$T/$name.3.log" && [ "$before" = "$after" ]
        check "$name: an edit that changes no generated code reruns ormc, rebuilds nothing" $? \
            "exit $rc: $(cat "$T/$name.3.log" | tr '\n' ' ')"
    else
        # (the Makefile generators touch the second output, store.orm.c)
        [ "$rc" -eq 0 ] && grep -q "ormc store.orm" "$T/$name.3.log" &&
            ! grep -q "Building C object CMakeFiles/app.dir/app.c.o" "$T/$name.3.log" &&
            [ "$(echo "$before" | grep store.orm.h)" = "$(echo "$after" | grep store.orm.h)" ]
        check "$name: an edit that changes no generated code reruns ormc, leaves store.orm.h alone, recompiles no app.c" $? \
            "exit $rc: $(cat "$T/$name.3.log" | tr '\n' ' ')"
    fi

    sed -i 's/^    price   real$/    price   real\n    stock   int         default 0/' "$C/store.orm"
    rc=0
    cmake --build "$C/out" >"$T/$name.4.log" 2>&1 || rc=$?
    out=$("$C/out/app" 2>&1)
    [ "$rc" -eq 0 ] && grep -q "Building C object CMakeFiles/app.dir/app.c.o" "$T/$name.4.log" &&
        grep -q "Linking" "$T/$name.4.log" &&
        grep -q "stock" "$C/out/gen/store.orm.h" && [ "$out" = "$want" ]
    check "$name: a schema change regenerates the code and rebuilds app" $? \
        "exit $rc: $(tail -5 "$T/$name.4.log") / printed: $out"
}
if command -v cmake >/dev/null 2>&1; then
    cmake_example cmake "Unix Makefiles"
    if command -v ninja >/dev/null 2>&1; then
        cmake_example cmake-ninja Ninja
    else
        echo "info: skipped: the CMake example with Ninja (ninja is not installed)"
    fi
else
    echo "info: skipped: the CMake example (cmake is not installed; make deps installs it)"
fi

# ---- make help: every target of the Makefile ----
cd "$ROOT" || exit 1
phony=$(awk '/^\.PHONY:/ { p = 1; sub(/^\.PHONY:/, "") }
             p { c = /\\$/; sub(/\\$/, ""); print; p = c }' Makefile | tr ' ' '\n' | grep . | sort -u)
$MAKE --no-print-directory -s help >"$T/help" 2>&1
missing=""
for t in $phony; do
    grep -q "^  $t  *[^ ]" "$T/help" || missing="$missing $t"
done
[ -n "$phony" ] && [ -z "$missing" ] && [ "$(grep -c '^  ' "$T/help")" -eq "$(echo "$phony" | wc -l)" ]
check "make help lists each of the Makefile's $(echo "$phony" | wc -l) targets on one line" $? \
    "missing:$missing; $(grep -c '^  ' "$T/help") lines"

# ---- uninstall ----
rc=0
$MAKE --no-print-directory uninstall B="$B" SANITIZE="${SANITIZE:-}" DESTDIR="$D" PREFIX=/usr \
    >"$T/uninstall.log" 2>&1 || rc=$?
left=$(cd "$D" && find . \( -type f -o -type l \) | tr '\n' ' ')
[ "$rc" -eq 0 ] && [ -z "$left" ]
check "make uninstall removes every installed file and link" $? "exit $rc, left: $left"
exit 0
