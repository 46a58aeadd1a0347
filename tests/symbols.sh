#!/bin/sh
# tests/symbols.sh — what the runtime libraries export.  Only ormc_ names:
# an application defining its own read_row, arena_new, sb_put or db_fail
# links against libormc.a and libormc.so.
# Run by tests/run.sh with B (the build directory, relative to ROOT), ROOT,
# TMP, CC and SANFLAGS (the sanitizer flags the libraries were built with)
# set.  Prints "PASS name" or "FAIL name: why" per check.
set -u
# what the runtime's PostgreSQL backend links when it was built with it
# (Makefile HAVE_PG): dlopen, which loads libpq on the first connection
PGLIBS=$(pkg-config --exists libpq 2>/dev/null && echo -ldl)
: "${B:?}" "${ROOT:?}" "${TMP:?}"
CC=${CC:-cc}
SANFLAGS=${SANFLAGS:-}
T=$TMP/symbols
rm -rf "$T"
mkdir -p "$T"
cd "$ROOT" || exit 1

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; }

A=$B/libormc.a
VERSION=$(sed -n 's/^#define ORMC_VERSION "\(.*\)"/\1/p' include/ormc.h)
SO=$B/libormc.so.$VERSION

# defined global symbols, one name a line
nm -g --defined-only "$A" | awk 'NF == 3 { print $3 }' | sort -u >"$T/a.syms"
nm -D --defined-only "$SO" | awk 'NF == 3 { print $3 }' | sort -u >"$T/so.syms"

for lib in a so; do
    file=$A
    [ $lib = so ] && file=$SO
    bad=$(grep -v '^ormc_' "$T/$lib.syms" | tr '\n' ' ')
    if [ ! -s "$T/$lib.syms" ]; then
        fail "$file defines global symbols" "nm found none"
    elif [ -n "$bad" ]; then
        fail "$file: every defined global symbol starts with ormc_" "not: $bad"
    else
        pass "$file: all $(wc -l <"$T/$lib.syms") defined global symbols start with ormc_"
    fi
done

# the shared library exports exactly the names include/ormc.h declares;
# the archive also keeps the runtime's own ormc_ helpers global (hidden)
# (its declarations, without comments)
$CC -std=c11 -E -P include/ormc.h >"$T/api.i"
missing="" extra=""
while IFS= read -r s; do
    if grep -qw "$s" "$T/api.i"; then
        grep -qx "$s" "$T/so.syms" || missing="$missing $s"
    elif grep -qx "$s" "$T/so.syms"; then
        extra="$extra $s"
    fi
done <"$T/a.syms"
if [ -n "$missing$extra" ]; then
    fail "$SO exports the API of include/ormc.h, nothing more" \
        "${missing:+not exported:$missing}${extra:+ exported but private:$extra}"
else
    pass "$SO exports the API of include/ormc.h, nothing more"
fi
grep -qx ormc_open "$T/so.syms" && grep -qx ormc_fetch "$T/so.syms"
[ $? -eq 0 ] && pass "$SO exports ormc_open and ormc_fetch" ||
    fail "$SO exports ormc_open and ormc_fetch"

soname=$(readelf -d "$SO" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libormc.so.${VERSION%%.*}" ]
[ $? -eq 0 ] && pass "$SO has soname libormc.so.${VERSION%%.*}" ||
    fail "$SO has soname libormc.so.${VERSION%%.*}" "soname '$soname'"

# ---- an application with names of its own the runtime uses inside ----
cat >"$T/app.c" <<'EOF'
#include "ormc.h"

#include <stdio.h>

/* names the runtime also defines, privately */
int read_row(int x) { return x + 1; }
void *arena_new(void) { return (void *)0; }
int sb_put(int x) { return 2 * x; }
int db_fail(int x) { return 3 * x; }

int main(void)
{
    ormc_db *db;
    if (ormc_open(":memory:", &db) != ORMC_OK ||
        ormc_exec(db, "CREATE TABLE t (x INTEGER)") != ORMC_OK) {
        printf("error: %s\n", ormc_errmsg(db));
        ormc_close(db);
        return 1;
    }
    ormc_close(db);
    printf("%d %d %d %s\n", read_row(1), sb_put(2), db_fail(3),
           arena_new() ? "?" : "null");
    return 0;
}
EOF
# link APP-NAME LIB-ARGS...: builds $T/APP-NAME from app.c; sets $rc
link() {
    name=$1
    shift
    rc=0
    $CC -std=c11 $SANFLAGS -I"$ROOT/include" "$T/app.c" "$@" -lsqlite3 -lm -lpthread $PGLIBS \
        -o "$T/$name" >"$T/$name.log" 2>&1 || rc=$?
}
link app-static "$A"
if [ $rc -ne 0 ]; then
    fail "an application defining read_row, arena_new, sb_put, db_fail links with libormc.a" \
        "$(head -5 "$T/app-static.log")"
else
    out=$("$T/app-static" 2>&1)
    [ "$out" = "2 4 9 null" ] &&
        pass "an application defining read_row, arena_new, sb_put, db_fail links with libormc.a and runs" ||
        fail "an application defining read_row, arena_new, sb_put, db_fail links with libormc.a and runs" "printed '$out'"
fi

link app-shared -L"$ROOT/$B" -lormc
if [ $rc -ne 0 ]; then
    fail "the same application links with libormc.so" "$(head -5 "$T/app-shared.log")"
else
    out=$(LD_LIBRARY_PATH="$ROOT/$B" "$T/app-shared" 2>&1)
    needed=$(readelf -d "$T/app-shared" | grep -c 'NEEDED.*\[libormc\.so\.0\]')
    [ "$out" = "2 4 9 null" ] && [ "$needed" -eq 1 ] &&
        pass "the same application links with libormc.so (NEEDED libormc.so.0) and runs" ||
        fail "the same application links with libormc.so (NEEDED libormc.so.0) and runs" \
            "printed '$out', NEEDED libormc.so.0 $needed times"
fi

# control: an archive of the runtime's objects as compiled, names not
# localized, clashes with the same application (what the check guards)
rm -f "$T/raw.a"
ar rcs "$T/raw.a" "$B"/runtime/*.o
link app-raw "$T/raw.a"
if [ $rc -ne 0 ] && grep -q "multiple definition of .db_fail'" "$T/app-raw.log"; then
    pass "control: against the runtime's objects unlocalized, the link fails on db_fail"
else
    fail "control: against the runtime's objects unlocalized, the link fails on db_fail" \
        "exit $rc: $(head -3 "$T/app-raw.log")"
fi
# ---- libpq: loaded on the first PostgreSQL connection, never linked ----
if [ -z "$PGLIBS" ]; then
    echo "SKIP libpq is loaded on demand: the runtime was built without PostgreSQL (no libpq-dev)"
    exit 0
fi
cat >"$T/pq.c" <<'EOF'
#include "ormc.h"

#include <stdio.h>
#include <string.h>

/* whether a file whose name holds `what` is mapped into this process */
static int mapped(const char *what)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    int found = 0;
    while (f && fgets(line, sizeof line, f))
        found |= strstr(line, what) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* Opens argv[1] (with argv[2] as a replica when given) and prints the
 * status, whether libpq is mapped, and the message; after a failed open,
 * calls beyond the contract (exec, reconnect) must fail, not crash. */
int main(int argc, char **argv)
{
    ormc_db *db = NULL;
    if (argc != 2 && argc != 3)
        return 2;
    const char *const replicas[] = {argv[argc - 1]};
    int rc = argc == 3 ? ormc_open_replicas(argv[1], replicas, 1, &db)
                       : ormc_open(argv[1], &db);
    printf("%s libpq=%d %s\n", ormc_status_name(rc), mapped("/libpq.so"),
           rc == ORMC_OK ? "" : ormc_errmsg(db));
    if (rc != ORMC_OK && db &&
        (ormc_exec(db, "SELECT 1") == ORMC_OK || ormc_reconnect(db) == ORMC_OK))
        printf("a call on the failed connection succeeded\n");
    ormc_close(db);
    return 0;
}
EOF
rc=0
$CC -std=c11 $SANFLAGS -I"$ROOT/include" "$T/pq.c" "$A" -lsqlite3 -lm -lpthread $PGLIBS \
    -o "$T/pq" >"$T/pq.log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
    fail "a program on libormc.a links without libpq" "$(head -5 "$T/pq.log")"
    exit 0
fi
needed=$(readelf -d "$T/pq" | grep 'NEEDED' | grep -c 'libpq')
out=$(ORMC_LIBPQ= "$T/pq" :memory: 2>&1)
[ "$needed" -eq 0 ] && [ "$out" = "ORMC_OK libpq=0 " ]
[ $? -eq 0 ] && pass "a program that opens only SQLite needs no libpq and never maps it" ||
    fail "a program that opens only SQLite needs no libpq and never maps it" \
        "NEEDED libpq $needed times, printed '$out'"

out=$(ORMC_LIBPQ=/nonexistent/libpq.so.5 "$T/pq" "host=/nonexistent dbname=x" 2>&1)
want="ORMC_ERROR libpq=0 open PostgreSQL connection: PostgreSQL needs libpq, which could not be loaded: /nonexistent/libpq.so.5: cannot open shared object file: No such file or directory (apt-get install libpq5, or set ORMC_LIBPQ to its path)"
[ "$out" = "$want" ]
[ $? -eq 0 ] && pass "ORMC_LIBPQ naming no file: the open fails and says how to get libpq" ||
    fail "ORMC_LIBPQ naming no file: the open fails and says how to get libpq" "printed '$out'"
out=$(ORMC_LIBPQ=/nonexistent/libpq.so.5 "$T/pq" "host=/nonexistent dbname=x" "host=/nonexistent dbname=y" 2>&1)
[ "$out" = "$want" ]
[ $? -eq 0 ] && pass "the same with a replica (ormc_open_replicas)" ||
    fail "the same with a replica (ormc_open_replicas)" "printed '$out'"

notpq=$(ldd "$T/pq" | awk '/libsqlite3/ { print $3 }')
out=$(ORMC_LIBPQ="$notpq" "$T/pq" "host=/nonexistent dbname=x" 2>&1)
want="ORMC_ERROR libpq=0 open PostgreSQL connection: $notpq is not a usable libpq: it has no PQconnectdb"
[ -n "$notpq" ] && [ "$out" = "$want" ]
[ $? -eq 0 ] && pass "ORMC_LIBPQ naming another library: the open fails naming the missing function" ||
    fail "ORMC_LIBPQ naming another library: the open fails naming the missing function" \
        "printed '$out' (library '$notpq')"

out=$(ORMC_LIBPQ= "$T/pq" "host=$T/nosocket port=1 dbname=x" 2>&1)
case "$out" in
"ORMC_ERROR libpq=1 open PostgreSQL connection: connection to server on socket \"$T/nosocket/.s.PGSQL.1\" failed: No such file or directory")
    pass "the first PostgreSQL open loads libpq (and reports libpq's error)" ;;
*) fail "the first PostgreSQL open loads libpq (and reports libpq's error)" "printed '$out'" ;;
esac
exit 0
