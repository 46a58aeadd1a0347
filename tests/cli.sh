#!/bin/sh
# tests/cli.sh — checks the `ormc` command line: options, exit statuses,
# what is (not) written, determinism and the generated header's ABI check.
# Run by tests/run.sh with ORMC (absolute path of the compiler), ROOT (the
# repository), TMP (a scratch directory) and B (the build directory, for
# libormc.a; SANFLAGS the flags it was built with) set.  Prints "PASS name" or
# "FAIL name" per check, and "info: ..." lines that are not checks.
set -u
# what the runtime's PostgreSQL backend links when it was built with it
# (Makefile HAVE_PG): dlopen, which loads libpq on the first connection
PGLIBS=$(pkg-config --exists libpq 2>/dev/null && echo -ldl)
: "${ORMC:?ORMC must name the compiler}" "${ROOT:?}" "${TMP:?}" "${B:?}"
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

# ---- -MF: a make-style depfile ----
mkdir "$T/m1"
run "$T/out" "$T/err" -o "$T/m1" -MF "$T/m1/deps.d" "$T/good.orm" "$T/other.orm"
printf '%s\n' "$T/m1/good.orm.h $T/m1/good.orm.c: $T/good.orm" \
    "$T/m1/other.orm.h $T/m1/other.orm.c: $T/other.orm" >"$T/want.d"
[ "$rc" -eq 0 ] && cmp -s "$T/want.d" "$T/m1/deps.d" && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]
check "-MF FILE: one line per schema, its two outputs depend on it" $? \
    "exit $rc: $(cat "$T/err" "$T/m1/deps.d")"

mkdir "$T/m2"
cp "$T/good.orm" "$T/m2/"
(cd "$T/m2" && "$ORMC" -MFgood.d good.orm) >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$T/m2/good.d")" = "good.orm.h good.orm.c: good.orm" ]
check "-MFFILE (attached) and no -o: names relative to the current directory" $? \
    "exit $rc: $(cat "$T/err" "$T/m2/good.d")"

mkdir -p "$T/m3/a dir" "$T/m3/c\$x#y"
cp "$T/good.orm" "$T/m3/c\$x#y/"
(cd "$T/m3" && "$ORMC" -o "a dir" -MF "a dir/d" 'c$x#y/good.orm') >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$T/m3/a dir/d")" = 'a\ dir/good.orm.h a\ dir/good.orm.c: c$$x\#y/good.orm' ]
check "-MF escapes a space and '#' with a backslash, '\$' as '\$\$'" $? \
    "exit $rc: $(cat "$T/err" "$T/m3/a dir/d")"

# ---- imports: the depfile names them, -I searches ----
# app/shop.orm imports lib/catalog.orm (relative to its own directory),
# which imports units.orm from an -I directory; catalog.orm is also
# imported by app/extra.orm, which shop.orm imports (read once).
mkdir -p "$T/i/app" "$T/i/lib" "$T/i/inc" "$T/i/out"
printf 'import "units.orm"\nmodel Product {\n    unit  Unit\n}\n' \
    >"$T/i/lib/catalog.orm"
printf 'model Unit {\n    symbol  text\n}\n' >"$T/i/inc/units.orm"
printf 'import "../lib/catalog.orm"\nmodel Extra {\n    p  Product\n}\n' \
    >"$T/i/app/extra.orm"
printf 'import "../lib/catalog.orm"\nimport "extra.orm"\nmodel Order {\n    product  Product\n    extra  Extra?\n}\n' \
    >"$T/i/app/shop.orm"
(cd "$T/i" && "$ORMC" -o out -I inc -MF out/deps.d app/shop.orm) >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$T/i/out/deps.d")" = \
    "out/shop.orm.h out/shop.orm.c: app/shop.orm lib/catalog.orm inc/units.orm app/extra.orm" ] &&
    [ "$(ls "$T/i/out")" = "deps.d
shop.orm.c
shop.orm.h" ]
check "-MF lists the imported files (transitively, once each, -I found); only the named schema is written" $? \
    "exit $rc: $(cat "$T/err" "$T/i/out/deps.d")"

(cd "$T/i" && "$ORMC" -o out app/shop.orm) >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "^lib/catalog.orm:1:8: error: imported file 'units.orm' not found: looked for 'lib/units.orm'$" "$T/err"
check "without -I the import is not found, reported in the imported file" $? \
    "exit $rc: $(cat "$T/err")"

(cd "$T/i" && "$ORMC" -Iinc -o out -I lib --emit-sql app/shop.orm) >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^CREATE TABLE "order"' "$T/out" && ! grep -q 'CREATE TABLE "\(unit\|product\|extra\)"' "$T/out"
check "-IDIR (attached), repeated; --emit-sql prints only the schema's own tables" $? \
    "exit $rc: $(cat "$T/err" "$T/out")"

run "$T/out" "$T/err" "$T/good.orm" -I
[ "$rc" -eq 2 ] && grep -q "^ormc: -I needs a directory$" "$T/err"
check "-I without a directory: exit 2" $? "exit $rc: $(head -1 "$T/err")"

run "$T/out" "$T/err" "$T/good.orm" -MF
[ "$rc" -eq 2 ] && grep -q "^ormc: -MF needs a file name$" "$T/err"
check "-MF without a file: exit 2" $? "exit $rc: $(head -1 "$T/err")"

mkdir "$T/m4"
run "$T/out" "$T/err" -o "$T/m4" -MF "$T/m4/bad.d" "$T/bad.orm"
[ "$rc" -eq 1 ] && empty "$T/m4"
check "-MF with a schema error: exit 1, no depfile" $? "exit $rc: $(ls -A "$T/m4")"

mkdir "$T/m5"
run "$T/out" "$T/err" -o "$T/m5" -MF "$T/no-such-dir/x.d" "$T/good.orm"
[ "$rc" -eq 2 ] && empty "$T/m5" && grep -q "cannot write $T/no-such-dir/x.d" "$T/err"
check "-MF into a missing directory: exit 2, no output written either" $? \
    "exit $rc: $(ls -A "$T/m5") $(cat "$T/err")"

mkdir "$T/m6" "$T/m6/a
b"
cp "$T/good.orm" "$T/m6/a
b/good.orm"
run "$T/out" "$T/err" -o "$T/m6" -MF "$T/m6/x.d" "$T/m6/a
b/good.orm"
[ "$rc" -eq 2 ] && [ -z "$(find "$T/m6" -name '*.orm.[ch]' -o -name x.d)" ] &&
    grep -q "a depfile cannot name a path with a line break: $T/m6/a\\\\nb/good.orm" "$T/err"
check "-MF naming a path with a line break: exit 2, nothing written" $? \
    "exit $rc: $(ls -A "$T/m6" | tr '\n' ' ') $(cat "$T/err" | tr '\n' ' ')"

# ---- outputs rewritten only when their content changes ----
# years DIR FILE...: the modification years of the files, in ls's order
years() { (cd "$1" && shift && ls -l --time-style=+%Y "$@" | awk '{print $6}' | tr '\n' ' '); }
mkdir "$T/u"
cp "$T/good.orm" "$T/u/good.orm"
"$ORMC" -o "$T/u" -MF "$T/u/good.d" "$T/u/good.orm" 2>"$T/err"
touch -d '2000-01-01 00:00:00' "$T/u/good.orm.h" "$T/u/good.orm.c" "$T/u/good.d"
ls -i "$T/u" >"$T/u.inodes"
run "$T/out" "$T/err" -o "$T/u" -MF "$T/u/good.d" "$T/u/good.orm"
stamps=$(years "$T/u" good.d good.orm.c good.orm.h)
[ "$rc" -eq 0 ] && [ "$stamps" = "2000 2000 2000 " ] &&
    ls -i "$T/u" | cmp -s - "$T/u.inodes" &&
    [ "$(cd "$T/u" && ls -A | tr '\n' ' ')" = "good.d good.orm good.orm.c good.orm.h " ]
check "an unchanged schema leaves its outputs and depfile untouched (mtime, inode), no temporary left" $? \
    "exit $rc, years $stamps, $(ls -A "$T/u")"

printf 'model Extra {\n    n int\n}\n' >>"$T/u/good.orm"
run "$T/out" "$T/err" -o "$T/u" -MF "$T/u/good.d" "$T/u/good.orm"
stamps=$(years "$T/u" good.d good.orm.c good.orm.h)
[ "$rc" -eq 0 ] && [ "$stamps" = "2000 $(date +%Y) $(date +%Y) " ] && grep -q "struct Extra" "$T/u/good.orm.h"
check "a changed schema rewrites both outputs, not the unchanged depfile" $? "exit $rc, years $stamps"

# ---- --check: the files in DIR against what the schemas produce ----
mkdir "$T/c"
cp "$T/good.orm" "$T/other.orm" "$T/c/"
(cd "$T/c" && "$ORMC" good.orm other.orm) 2>"$T/err"
touch -d '2000-01-01 00:00:00' "$T/c"/*.orm.[ch]
(cd "$T/c" && "$ORMC" --check good.orm other.orm) >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]
check "--check, files up to date: exit 0, silent" $? "exit $rc: $(head -3 "$T/out" "$T/err")"

# a local edit at the end of good.orm.c: the diff removes it, with the
# generated file's last three lines as context
n=$(wc -l <"$T/c/good.orm.c")
{
    printf -- '--- good.orm.c\n+++ good.orm.c\n@@ -%d,4 +%d,3 @@\n' $((n - 2)) $((n - 2))
    tail -n 3 "$T/c/good.orm.c" | sed 's/^/ /'
    printf -- '-/* local edit */\n'
} >"$T/want.diff"
echo '/* local edit */' >>"$T/c/good.orm.c"
touch -d '2000-01-01 00:00:00' "$T/c/good.orm.c"
(cd "$T/c" && "$ORMC" --check good.orm other.orm) >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] && cmp -s "$T/want.diff" "$T/out" &&
    [ "$(cat "$T/err")" = "ormc: good.orm.c is out of date" ]
check "--check, an edited file: exit 1, its exact unified diff on stdout, its name on stderr" $? \
    "exit $rc: $(diff "$T/want.diff" "$T/out" | head -10) $(cat "$T/err")"

stamps=$(years "$T/c" good.orm.c good.orm.h other.orm.c other.orm.h)
[ "$stamps" = "2000 2000 2000 2000 " ] && [ "$(tail -n 1 "$T/c/good.orm.c")" = "/* local edit */" ] &&
    [ "$(cd "$T/c" && ls -A | tr '\n' ' ')" = "good.orm good.orm.c good.orm.h other.orm other.orm.c other.orm.h " ]
check "--check writes nothing" $? "years $stamps, $(ls -A "$T/c")"

# a schema change: as many lines removed and added as diff -u finds
# between the files and what ormc writes now (both are shortest; where
# several are, they may differ in which blank line moves), and the diff
# brings the files up to date
mkdir "$T/c2"
sed 's/title   text(200)/title   text(150)\n    pages   int/' "$T/good.orm" >"$T/c/good.orm"
"$ORMC" -o "$T/c2" "$T/c/good.orm" 2>"$T/err"
{
    diff -u --label good.orm.h --label good.orm.h "$T/c/good.orm.h" "$T/c2/good.orm.h"
    diff -u --label good.orm.c --label good.orm.c "$T/c/good.orm.c" "$T/c2/good.orm.c"
} >"$T/want.diff"
(cd "$T/c" && "$ORMC" --check good.orm other.orm) >"$T/out" 2>"$T/err"
rc=$?
# changes FILE: "<lines removed> <lines added>" by a diff
changes() {
    printf '%s %s' "$(grep -c '^-\([^-]\|$\)' "$1")" "$(grep -c '^+\([^+]\|$\)' "$1")"
}
[ "$rc" -eq 1 ] && [ -s "$T/want.diff" ] && [ "$(changes "$T/out")" = "$(changes "$T/want.diff")" ] &&
    [ "$(grep -c '^--- \|^+++ ' "$T/out")" -eq 4 ] &&
    [ "$(cat "$T/err")" = "ormc: good.orm.h is out of date
ormc: good.orm.c is out of date" ]
check "--check after a schema change: exit 1, as many lines removed and added as diff -u" $? \
    "exit $rc: $(changes "$T/out") vs diff -u's $(changes "$T/want.diff"); $(cat "$T/err")"
if command -v patch >/dev/null 2>&1; then
    (cd "$T/c" && patch -s -p0 <"$T/out") >"$T/err" 2>&1 &&
        (cd "$T/c" && "$ORMC" --check good.orm other.orm) >"$T/out" 2>>"$T/err"
    check "--check's diff, applied with patch, brings the files up to date" $? "$(head -3 "$T/err")"
else
    echo "info: skipped: --check's diff applied with patch (patch is not installed)"
fi

rm "$T/c/other.orm.c"
(cd "$T/c" && "$ORMC" --check other.orm) >"$T/out" 2>"$T/err"
rc=$?
n=$(wc -l <"$T/o4/other.orm.c")
[ "$rc" -eq 1 ] &&
    [ "$(head -n 3 "$T/out")" = "--- /dev/null
+++ other.orm.c
@@ -0,0 +1,$n @@" ] && [ "$(tail -n +4 "$T/out")" = "$(sed 's/^/+/' "$T/o4/other.orm.c")" ] &&
    [ "$(cat "$T/err")" = "ormc: other.orm.c is missing" ] && [ ! -e "$T/c/other.orm.c" ]
check "--check, a missing file: exit 1, a diff from /dev/null, nothing written" $? \
    "exit $rc: $(head -3 "$T/out") $(cat "$T/err")"

mkdir "$T/c3"
run "$T/out" "$T/err" -o "$T/c3" -MF "$T/c3/x.d" --check "$T/bad.orm"
[ "$rc" -eq 1 ] && empty "$T/c3" && grep -q "unknown type 'txt'" "$T/err" && [ ! -s "$T/out" ]
check "--check on a schema with errors: exit 1, diagnostics, nothing written" $? "exit $rc"

run "$T/out" "$T/err" -o "$T/c3" -MF "$T/c3/x.d" --check "$T/good.orm"
[ "$rc" -eq 1 ] && empty "$T/c3"
check "--check with -MF writes no depfile" $? "exit $rc: $(ls -A "$T/c3")"

# ---- --emit-sql: the DDL ----
mkdir "$T/e"
(cd "$T/e" && "$ORMC" --emit-sql "$T/good.orm") >"$T/out" 2>"$T/err"
rc=$?
cat >"$T/want.sql" <<'EOF'
CREATE TABLE "author" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "name" TEXT NOT NULL CHECK (length("name") <= 100)
);
CREATE TABLE "book" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "title" TEXT NOT NULL CHECK (length("title") <= 200),
  "author_id" INTEGER NOT NULL REFERENCES "author" ("id") ON DELETE CASCADE
);
CREATE INDEX "book_author_id_idx" ON "book" ("author_id");
EOF
[ "$rc" -eq 0 ] && cmp -s "$T/want.sql" "$T/out" && [ ! -s "$T/err" ] && empty "$T/e"
check "--emit-sql prints the DDL, each statement ending with ';', writes no file" $? \
    "exit $rc: $(diff "$T/want.sql" "$T/out") $(cat "$T/err") $(ls -A "$T/e")"

run "$T/out" "$T/err" --emit-sql "$T/good.orm" "$T/other.orm"
[ "$rc" -eq 0 ] && [ "$(head -n 10 "$T/out")" = "$(cat "$T/want.sql")" ] &&
    [ "$(tail -n +11 "$T/out")" = 'CREATE TABLE "tag" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "label" TEXT NOT NULL UNIQUE CHECK (length("label") <= 40)
);' ]
check "--emit-sql with two schemas: both, in order" $? "exit $rc: $(cat "$T/out")"

run "$T/out" "$T/err" --emit-sql --check "$T/good.orm"
[ "$rc" -eq 2 ] && grep -q "^ormc: --check and --emit-sql exclude each other$" "$T/err"
check "--emit-sql with --check: exit 2" $? "exit $rc: $(head -1 "$T/err")"

run "$T/out" "$T/err" --emit-sql "$T/bad.orm"
[ "$rc" -eq 1 ] && [ ! -s "$T/out" ]
check "--emit-sql on a schema with errors: exit 1, nothing on stdout" $? "exit $rc"

# the statements are the ones good_schema_create runs: what SQLite keeps
# in sqlite_master after it, in order
cat >"$T/e/ddl.c" <<'EOF'
#include "good.orm.h"

#include <stdio.h>

static int print(void *ctx, const ormc_row *row)
{
    (void)ctx;
    printf("%s;\n", ormc_row_text(row, 0, NULL));
    return 0;
}

int main(void)
{
    ormc_db *db;
    int rc = ormc_open(":memory:", &db);
    if (rc == ORMC_OK)
        rc = good_schema_create(db);
    if (rc == ORMC_OK)
        rc = ormc_raw_query(db, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"
                                " AND name NOT IN ('sqlite_sequence', 'ormc_meta') ORDER BY rowid",
                            NULL, 0, print, NULL);
    if (rc != ORMC_OK)
        fprintf(stderr, "%s\n", ormc_errmsg(db));
    ormc_close(db);
    return rc != ORMC_OK;
}
EOF
rc=0
$CC -std=c11 ${SANFLAGS:-} -I"$ROOT/include" -I"$T/o4" "$T/e/ddl.c" "$T/o4/good.orm.c" \
    "$ROOT/$B/libormc.a" -lsqlite3 -lm -lpthread $PGLIBS -o "$T/e/ddl" >"$T/e/log" 2>&1 &&
    "$T/e/ddl" >"$T/e/created.sql" 2>>"$T/e/log" || rc=$?
[ "$rc" -eq 0 ] && cmp -s "$T/want.sql" "$T/e/created.sql"
check "--emit-sql prints what schema create runs (sqlite_master after it)" $? \
    "exit $rc: $(head -5 "$T/e/log") $(diff "$T/want.sql" "$T/e/created.sql")"

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

# ---- generated names: the header table, file names ----
# compiler/cnames.inc is what compiler/cnames.sh makes of this machine's
# headers (make cnames regenerates it; a difference means the headers moved)
rc=0
(cd "$ROOT" && sh compiler/cnames.sh) >"$T/cnames.inc" 2>"$T/cnames.log" || rc=$?
[ "$rc" -eq 0 ] && cmp -s "$T/cnames.inc" "$ROOT/compiler/cnames.inc"
check "compiler/cnames.inc is what compiler/cnames.sh produces here (make cnames)" $? \
    "exit $rc: $(head -3 "$T/cnames.log") $(diff "$ROOT/compiler/cnames.inc" "$T/cnames.inc" | head -5)"

# a file name that the generated #include "NAME.h" cannot spell: refused,
# with the name escaped in the message
mkdir "$T/fn"
nfiles() { set -- "$1"/*; echo $#; } # the files of a directory
fn_check() { # fn_check FILE-NAME ESCAPED WHY LABEL
    printf 'model A {\n    x int\n}\n' >"$T/fn/$1"
    run "$T/fn/out" "$T/fn/err" -o "$T/fn" "$1"
    printf "%s:1:1: error: the file name '%s' cannot name the generated files: %s; rename the file\n    model A {\n    ^\normc: 1 error; no files written\n" \
        "$1" "$2" "$3" >"$T/fn/want"
    [ "$rc" -eq 1 ] && cmp -s "$T/fn/want" "$T/fn/err" && [ "$(nfiles "$T/fn")" -eq 4 ]
    check "a file name with $4 is refused, named with escapes" $? "exit $rc: $(diff "$T/fn/want" "$T/fn/err")"
    rm -f "$T/fn/$1"
}
(cd "$T/fn" && fn_check 'a"b.orm' 'a\"b.orm' "a '\"' would end the string of the generated #include" "a quote")
(cd "$T/fn" && fn_check 'a\b.orm' 'a\\b.orm' "a '\\' is an escape in the generated #include (it is not a directory separator: use '/')" "a backslash")
(cd "$T/fn" && fn_check 'a??-b.orm' 'a??-b.orm' "'??' starts a C trigraph ('??/' reads as '\\') in the generated #include" "a trigraph")
(cd "$T/fn" && fn_check "$(printf 'a\nb.orm')" 'a\nb.orm' "a control character cannot be written in the generated #include" "a line break")

# a field ends at the end of its line; an option's arguments may span lines,
# a '{' may stand on the line after 'model', a model may be one line
mkdir "$T/lines"
cat >"$T/lines/lines.orm" <<'EOF'
model A { x int }
model B
{
    y int
    z A?    related bs
    @index(y,
           z)
}
EOF
run "$T/lines/out" "$T/lines/err" -o "$T/lines" "$T/lines/lines.orm"
[ "$rc" -eq 0 ] && [ ! -s "$T/lines/err" ] && [ -f "$T/lines/lines.orm.h" ]
check "fields end at line ends; options span lines; one-line models compile" $? "exit $rc: $(head -5 "$T/lines/err")"

# ---- warnings: files written, exit status 0 ----
mkdir "$T/w"
cat >"$T/w/cycle.orm" <<'EOF'
model Author {
    name   text
    book   Book       related authors
}

model Book {
    author Author     related books
}

model Node {
    parent Node       related children
}
EOF
cat >"$T/w/want" <<'EOF'
cycle.orm:3:5: warning: required relations form a cycle (Author.book -> Book.author -> Author): no row of these models can ever be inserted, as each needs a row of the next first; make one of them nullable with '?'
        book   Book       related authors
        ^
cycle.orm:11:5: warning: required relation Node.parent leads back to Node: no row of Node can ever be inserted, as each needs another first; make it nullable with '?'
        parent Node       related children
        ^
EOF
(cd "$T/w" && run out err -o . cycle.orm && echo "$rc" >rc)
[ "$(cat "$T/w/rc")" -eq 0 ] && cmp -s "$T/w/want" "$T/w/err" && [ -f "$T/w/cycle.orm.h" ] && [ -f "$T/w/cycle.orm.c" ]
check "a cycle of required relations: exact warnings, files written, exit 0" $? \
    "exit $(cat "$T/w/rc"): $(diff "$T/w/want" "$T/w/err")"

# ---- --diagnostics=json, --color ----
mkdir "$T/dj"
cat >"$T/dj/d.orm" <<'EOF'
model A {
    x txet
    "y" int
}
model A {
    z int
}
EOF
cat >"$T/dj/want" <<'EOF'
{"file":"d.orm","line":3,"column":5,"severity":"error","message":"syntax error: unexpected string '\"y\"'; expected a field name, an option (e.g. @index) or '}'"}
{"file":"d.orm","line":5,"column":7,"severity":"error","message":"duplicate model 'A'"}
{"file":"d.orm","line":1,"column":7,"severity":"note","message":"'A' first defined here"}
{"file":"d.orm","line":2,"column":7,"severity":"error","message":"unknown type 'txet'; did you mean 'text'?"}
EOF
(cd "$T/dj" && run out err --diagnostics=json -o . d.orm && echo "$rc" >rc)
[ "$(cat "$T/dj/rc")" -eq 1 ] && cmp -s "$T/dj/want" "$T/dj/err" && [ ! -e "$T/dj/d.orm.h" ]
check "--diagnostics=json: one object per line, exact, no summary line, exit 1" $? \
    "exit $(cat "$T/dj/rc"): $(diff "$T/dj/want" "$T/dj/err")"
(cd "$T/w" && run out err --diagnostics=json -o . cycle.orm && echo "$rc" >rc)
[ "$(cat "$T/w/rc")" -eq 0 ] && [ "$(grep -c '^{"file":"cycle.orm","line":[0-9]*,"column":5,"severity":"warning","message":"required relation' "$T/w/err")" -eq 2 ] &&
    [ "$(wc -l <"$T/w/err")" -eq 2 ]
check "--diagnostics=json: warnings as objects, exit 0" $? "exit $(cat "$T/w/rc"): $(cat "$T/w/err")"

# colours as gcc's: bold position, red error, magenta warning, cyan note,
# green caret
E=$(printf '\033')
cat >"$T/dj/d2.orm" <<'EOF'
model A {
    x txet
}
EOF
printf '%s[1md2.orm:2:7: %s[0m%s[1;31merror:%s[0m unknown type '"'"'txet'"'"'; did you mean '"'"'text'"'"'?\n        x txet\n          %s[1;32m^%s[0m\normc: 1 error; no files written\n' \
    "$E" "$E" "$E" "$E" "$E" "$E" >"$T/dj/want-color"
printf "d2.orm:2:7: error: unknown type 'txet'; did you mean 'text'?\n        x txet\n          ^\normc: 1 error; no files written\n" >"$T/dj/want-plain"
(cd "$T/dj" && run out err --color=always -o . d2.orm)
cmp -s "$T/dj/want-color" "$T/dj/err"
check "--color=always: ANSI colours, exact bytes" $? "$(od -c "$T/dj/err" | head -5)"
(cd "$T/w" && run out err --color -o . cycle.orm)
[ "$(grep -c "^${E}\[1mcycle.orm:[0-9]*:5: ${E}\[0m${E}\[1;35mwarning:${E}\[0m " "$T/w/err")" -eq 2 ]
check "--color alone is always; a warning is magenta" $? "$(od -c "$T/w/err" | head -3)"
(cd "$T/dj" && run out err --color=never -o . d2.orm)
cmp -s "$T/dj/want-plain" "$T/dj/err"
check "--color=never: plain text" $? "$(od -c "$T/dj/err" | head -3)"
(cd "$T/dj" && run out err --color=auto -o . d2.orm)
cmp -s "$T/dj/want-plain" "$T/dj/err"
check "--color=auto, stderr not a terminal: plain text" $? "$(od -c "$T/dj/err" | head -3)"
(cd "$T/dj" && run out err --color=always --diagnostics=json -o . d2.orm)
[ "$(cat "$T/dj/err")" = '{"file":"d2.orm","line":2,"column":7,"severity":"error","message":"unknown type '"'"'txet'"'"'; did you mean '"'"'text'"'"'?"}' ]
check "--diagnostics=json is never coloured" $? "$(cat "$T/dj/err")"
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    # script(1) runs the command on a pseudo-terminal (its CR LF line ends)
    (cd "$T/dj" && script -qec "'$ORMC' -o . d2.orm" /dev/null) >"$T/dj/tty" 2>&1
    tr -d '\r' <"$T/dj/tty" | cmp -s "$T/dj/want-color" -
    check "--color=auto (the default), stderr a terminal: coloured" $? "$(od -c "$T/dj/tty" | head -5)"
else
    echo "info: --color=auto on a terminal not checked (no script(1))"
fi
for bad in --diagnostics=xml --color=sometimes; do
    run "$T/out" "$T/err" "$bad" "$T/good.orm"
    [ "$rc" -eq 2 ] && grep -q "^ormc: --[a-z]* takes .*, not '${bad#*=}'$" "$T/err"
    check "$bad: usage error, exit 2" $? "exit $rc: $(head -1 "$T/err")"
done

# ---- ormc diff OLD.orm NEW.orm (the scripts run in test_migrate) ----
mkdir -p "$T/diff"
cat >"$T/diff/old.orm" <<'EOF'
model Book {
    title   text(200)
    rating  real?
}
EOF
cat >"$T/diff/new.orm" <<'EOF'
model Book {
    title   text(200)   index
    score   real?
    pages   int         default 0
}
EOF
cat >"$T/diff/strict.orm" <<'EOF'
model Book {
    title   text(200)
    rating  real?
    stock   int
}
EOF
run "$T/diff/out" "$T/diff/err" diff "$T/diff/old.orm" "$T/diff/new.orm"
printf '%s\n' \
    "ormc diff: dropping field Book.rating loses its data; pass --force to drop it, or --rename Book.rating=score if it was renamed" \
    "ormc diff: 1 step refused; no script written" >"$T/diff/want"
[ "$rc" -eq 1 ] && cmp -s "$T/diff/err" "$T/diff/want" && [ ! -s "$T/diff/out" ]
check "diff: a dropped field is refused (exit 1, exact text with the rename hint, no script)" $? \
    "exit $rc: $(cat "$T/diff/err")"
run "$T/diff/out" "$T/diff/err" diff "$T/diff/old.orm" "$T/diff/strict.orm"
printf '%s\n' \
    "ormc diff: new field Book.stock is NOT NULL without a default: the rows already there need a value; give it one (\`default ...\`) or make it nullable (\`stock int?\`)" \
    "ormc diff: 1 step refused; no script written" >"$T/diff/want"
[ "$rc" -eq 1 ] && cmp -s "$T/diff/err" "$T/diff/want" && [ ! -s "$T/diff/out" ]
check "diff: a new NOT NULL field without a default is refused (exact text)" $? \
    "exit $rc: $(cat "$T/diff/err")"
run "$T/diff/out" "$T/diff/err" diff --force "$T/diff/old.orm" "$T/diff/strict.orm"
[ "$rc" -eq 1 ] && grep -q "stock is NOT NULL without a default" "$T/diff/err"
check "diff: --force does not add a NOT NULL field without a default" $? "exit $rc"
run "$T/diff/out" "$T/diff/err" diff --rename Book.rating=score "$T/diff/old.orm" "$T/diff/new.orm"
[ "$rc" -eq 0 ] && [ ! -s "$T/diff/err" ] &&
    grep -qx 'ALTER TABLE "book" RENAME COLUMN "rating" TO "score";' "$T/diff/out" &&
    grep -qx 'ALTER TABLE "book" ADD COLUMN "pages" INTEGER NOT NULL DEFAULT 0;' "$T/diff/out" &&
    grep -qx 'CREATE INDEX "book_title_idx" ON "book" ("title");' "$T/diff/out" &&
    [ "$(sed -n '/^PRAGMA foreign_keys = OFF;$/=' "$T/diff/out")" -lt \
      "$(sed -n '/^BEGIN;$/=' "$T/diff/out")" ] &&
    [ "$(tail -2 "$T/diff/out" | head -1)" = "COMMIT;" ] &&
    [ "$(tail -1 "$T/diff/out")" = "PRAGMA foreign_keys = ON;" ]
check "diff --rename: RENAME COLUMN, ADD COLUMN, CREATE INDEX; foreign keys off before BEGIN, on after COMMIT" $? \
    "exit $rc: $(cat "$T/diff/err")"
run "$T/diff/out2" "$T/diff/err" diff --rename=Book.rating=score "$T/diff/old.orm" "$T/diff/new.orm"
[ "$rc" -eq 0 ] && cmp -s "$T/diff/out" "$T/diff/out2"
check "diff: deterministic (--rename SPEC or --rename=SPEC)" $? "exit $rc"
# the same fingerprint as the descriptor the new schema generates
mkdir -p "$T/diff/gen"
"$ORMC" -o "$T/diff/gen" "$T/diff/new.orm"
fp=$(sed -n 's|^    "\([0-9a-f]\{16\}\)" /\* fingerprint of the DDL \*/$|\1|p' "$T/diff/gen/new.orm.c")
[ -n "$fp" ] &&
    grep -qx "INSERT INTO \"ormc_meta\" (\"schema\", \"fingerprint\") VALUES ('new', '$fp');" "$T/diff/out"
check "diff: the script ends by recording NEW's fingerprint, the descriptor's ($fp)" $?
# PostgreSQL's script of the same diff, exactly
run "$T/diff/out" "$T/diff/err" diff --dialect postgresql --rename Book.rating=score "$T/diff/old.orm" "$T/diff/new.orm"
cat >"$T/diff/want" <<EOF
-- ormc diff $T/diff/old.orm $T/diff/new.orm (PostgreSQL)
-- Moves a database of schema old (fingerprint cffba29d82ea4ab7)
-- to schema new (fingerprint e33188b0d27ffc4d).
-- Run it whole, stopping at the first error (psql -v ON_ERROR_STOP=1 -f,
-- or one PQexec): it is one transaction, and PostgreSQL's DDL is
-- transactional, so after an error nothing has changed (roll the
-- aborted transaction back, or close the connection).  Constraints
-- are named as PostgreSQL names them (<table>_<column>_key, _check,
-- _fkey).  Check the database with the old schema's _schema_check first.
BEGIN;
-- Book.score: renamed from rating
ALTER TABLE "book" RENAME COLUMN "rating" TO "score";
-- Book.pages: new field
ALTER TABLE "book" ADD COLUMN "pages" BIGINT NOT NULL DEFAULT 0;
CREATE INDEX "book_title_idx" ON "book" ("title");
-- the database now holds the new schema
CREATE TABLE IF NOT EXISTS "ormc_meta" (
  "schema" TEXT PRIMARY KEY NOT NULL,
  "fingerprint" TEXT NOT NULL
);
DELETE FROM "ormc_meta" WHERE "schema" IN ('old', 'new');
INSERT INTO "ormc_meta" ("schema", "fingerprint") VALUES ('new', 'e33188b0d27ffc4d');
COMMIT;
EOF
[ "$rc" -eq 0 ] && [ ! -s "$T/diff/err" ] && cmp -s "$T/diff/out" "$T/diff/want"
check "diff --dialect postgresql: the exact script (ALTER TABLE, one transaction, no pragmas)" $? \
    "exit $rc: $(cat "$T/diff/err"; diff "$T/diff/want" "$T/diff/out")"
run "$T/diff/out" "$T/diff/err" diff --dialect postgresql "$T/diff/old.orm" "$T/diff/new.orm"
printf '%s\n' \
    "ormc diff: dropping field Book.rating loses its data; pass --force to drop it, or --rename Book.rating=score if it was renamed" \
    "ormc diff: 1 step refused; no script written" >"$T/diff/want"
[ "$rc" -eq 1 ] && cmp -s "$T/diff/err" "$T/diff/want" && [ ! -s "$T/diff/out" ]
check "diff --dialect postgresql: the same refusals as SQLite's (exact text)" $? \
    "exit $rc: $(cat "$T/diff/err")"
run "$T/diff/out" "$T/diff/err" diff --dialect mysql "$T/diff/old.orm" "$T/diff/new.orm"
[ "$rc" -eq 2 ] && head -1 "$T/diff/err" | grep -qx "ormc diff: unknown dialect 'mysql'"
check "diff --dialect mysql: exit 2, exact usage error" $? "exit $rc: $(head -1 "$T/diff/err")"
run "$T/diff/out" "$T/diff/err" diff --force "$T/diff/old.orm" "$T/diff/new.orm"
[ "$rc" -eq 0 ] && grep -qx -- "-- hint: Book.rating is dropped and Book.score added, both real: if it was renamed, run ormc diff with --rename Book.rating=score instead to keep its data" "$T/diff/out" &&
    grep -qx 'DROP TABLE "book";' "$T/diff/out" && grep -qx 'ALTER TABLE "ormc_new_book" RENAME TO "book";' "$T/diff/out"
check "diff --force: drops the field with the 12-step rebuild, with the rename hint in a comment" $? \
    "exit $rc: $(cat "$T/diff/err")"
run "$T/diff/out" "$T/diff/err" diff "$T/diff/old.orm"
[ "$rc" -eq 2 ] && head -1 "$T/diff/err" | grep -qx "ormc diff: needs two schemas, OLD.orm and NEW.orm"
check "diff with one schema: exit 2, exact usage error" $? "exit $rc: $(head -1 "$T/diff/err")"
run "$T/diff/out" "$T/diff/err" diff --rename Book.rating "$T/diff/old.orm" "$T/diff/new.orm"
[ "$rc" -eq 2 ] && head -1 "$T/diff/err" | grep -qx "ormc diff: --rename takes MODEL.OLD=NEW, not 'Book.rating'"
check "diff --rename without =NEW: exit 2, exact usage error" $? "exit $rc: $(head -1 "$T/diff/err")"
printf 'model Book {\n    title text(\n}\n' >"$T/diff/bad.orm"
run "$T/diff/out" "$T/diff/err" diff "$T/diff/old.orm" "$T/diff/bad.orm"
[ "$rc" -eq 1 ] && grep -q "bad.orm:.*error" "$T/diff/err" && [ ! -s "$T/diff/out" ]
check "diff: a schema error exits 1 with its diagnostic, no script" $? "exit $rc"

cat >"$T/diff/narrow-old.orm" <<'EOF'
model Note {
    title   text(200)
    n       text
    due     int?
}
EOF
cat >"$T/diff/narrow-new.orm" <<'EOF'
model Note {
    title   text(100)
    n       int
    due     int
}
EOF
run "$T/diff/out" "$T/diff/err" diff "$T/diff/narrow-old.orm" "$T/diff/narrow-new.orm"
printf '%s\n' \
    "ormc diff: field Note.title narrows from text(200) to text(100): longer values would not fit; pass --force to cut them to 100 characters" \
    "ormc diff: field Note.n changes type from text to int: values may be lost; pass --force to convert them" \
    "ormc diff: field Note.due becomes NOT NULL: rows holding NULL would not fit; give it a default to store instead, or pass --force (the script then fails if there are such rows)" \
    "ormc diff: 3 steps refused; no script written" >"$T/diff/want"
[ "$rc" -eq 1 ] && cmp -s "$T/diff/err" "$T/diff/want" && [ ! -s "$T/diff/out" ]
check "diff: narrowing a text, changing a type, NOT NULL without a default: refused (exact text)" $? \
    "exit $rc: $(cat "$T/diff/err")"
run "$T/diff/out" "$T/diff/err" diff --force "$T/diff/narrow-old.orm" "$T/diff/narrow-new.orm"
[ "$rc" -eq 0 ] &&
    grep -qx '  SELECT "id", substr("title", 1, 100), "n", "due" FROM "note";' "$T/diff/out"
check "diff --force: the rebuild cuts the text to its new length" $? "exit $rc: $(cat "$T/diff/err")"

# ---- ormc inspect DB (the output's details: tests/exec/test_inspect.c) ----
mkdir -p "$T/ins"
cat >"$T/ins/mk.c" <<'EOF'
#include <sqlite3.h>
#include <stdio.h>
/* mk DB SCRIPT: runs SCRIPT into a new database DB */
int main(int argc, char **argv)
{
    static char sql[1 << 16];
    FILE *f = argc == 3 ? fopen(argv[2], "rb") : NULL;
    if (f) {
        fread(sql, 1, sizeof sql - 1, f);
        fclose(f);
    }
    sqlite3 *db = NULL;
    char *err = NULL;
    if (!f || sqlite3_open(argv[1], &db) != SQLITE_OK ||
        sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "mk: %s\n", err ? err : "cannot");
        return 1;
    }
    sqlite3_close(db);
    return 0;
}
EOF
rc=0
$CC -std=c11 ${SANFLAGS:-} "$T/ins/mk.c" -lsqlite3 -o "$T/ins/mk" >"$T/ins/log" 2>&1 &&
    "$T/ins/mk" "$T/ins/chinook.db" "$ROOT/tests/inspect/chinook.sql" >>"$T/ins/log" 2>&1 || rc=$?
check "inspect: the Chinook database is made from tests/inspect/chinook.sql" $rc "$(cat "$T/ins/log")"
run "$T/ins/chinook.orm" "$T/ins/err" inspect "$T/ins/chinook.db"
[ "$rc" -eq 0 ] && [ ! -s "$T/ins/err" ] && cmp -s "$T/ins/chinook.orm" "$ROOT/tests/inspect/chinook.orm"
check "inspect: prints exactly tests/inspect/chinook.orm (exit 0, nothing on stderr)" $? \
    "exit $rc: $(cat "$T/ins/err") $(diff "$ROOT/tests/inspect/chinook.orm" "$T/ins/chinook.orm" | head -10)"
mkdir -p "$T/ins/o"
run "$T/ins/out" "$T/ins/err" -o "$T/ins/o" "$T/ins/chinook.orm"
[ "$rc" -eq 0 ] && [ -f "$T/ins/o/chinook.orm.c" ]
check "inspect: its output compiles with ormc" $? "exit $rc: $(cat "$T/ins/err")"
run "$T/ins/out" "$T/ins/err" inspect
[ "$rc" -eq 2 ] && [ "$(head -1 "$T/ins/err")" = "ormc inspect: name a database file" ]
check "inspect: no database is a usage error (exit 2, exact text)" $? "exit $rc: $(cat "$T/ins/err")"
run "$T/ins/out" "$T/ins/err" inspect "$T/ins/nope.db"
[ "$rc" -eq 1 ] && [ ! -e "$T/ins/nope.db" ] && [ ! -s "$T/ins/out" ] &&
    [ "$(cat "$T/ins/err")" = "ormc inspect: cannot open $T/ins/nope.db: unable to open database file" ]
check "inspect: a missing file is not created (exit 1, exact text)" $? "exit $rc: $(cat "$T/ins/err")"
run "$T/ins/out" "$T/ins/err" inspect "$ROOT/tests/inspect/chinook.sql"
[ "$rc" -eq 1 ] && [ ! -s "$T/ins/out" ] &&
    [ "$(cat "$T/ins/err")" = "ormc inspect: cannot read the database: file is not a database" ]
check "inspect: a file that is not a database (exit 1, exact text)" $? "exit $rc: $(cat "$T/ins/err")"

# @column and @id rename the columns, on both dialects
printf 'model A {\n    name text\n}\n' >"$T/ins/c1.orm"
printf 'model A {\n    name text @column("Name")\n    @id("AId")\n}\n' >"$T/ins/c2.orm"
printf '%s\n' '-- A.id: column renamed from id' 'ALTER TABLE "a" RENAME COLUMN "id" TO "AId";' \
    '-- A.name: column renamed from name' 'ALTER TABLE "a" RENAME COLUMN "name" TO "Name";' >"$T/ins/cwant"
for d in sqlite postgresql; do
    run "$T/ins/cout" "$T/ins/err" diff --dialect $d "$T/ins/c1.orm" "$T/ins/c2.orm"
    grep -e '^ALTER' -e '^-- A\.' "$T/ins/cout" >"$T/ins/cgot"
    [ "$rc" -eq 0 ] && cmp -s "$T/ins/cwant" "$T/ins/cgot"
    check "diff ($d): @column and @id rename the columns (exact statements)" $? \
        "exit $rc: $(cat "$T/ins/err") $(cat "$T/ins/cgot")"
done

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
# ---- make deps on a machine without apt-get ----
# .ci/deps with a PATH that has sh and the probes' tools but no compiler,
# flex, bison, pkg-config, cmake or apt-get: it names each, exit 1
mkdir -p "$T/noapt"
for c in sh dirname cat id ls dpkg; do
    p=$(command -v $c) && ln -sf "$p" "$T/noapt/$c"
done
cat >"$T/noapt.want" <<'EOF'
ormc: missing build dependencies: gcc flex bison pkg-config cmake
ormc: this machine has no apt-get; install them yourself, then rerun:
  gcc: a C11 compiler (gcc or clang)
  flex: flex
  bison: bison
  pkg-config: pkg-config (Fedora: pkgconf; macOS: brew install pkg-config)
  cmake: cmake
EOF
rc=0
(cd "$ROOT" && PATH="$T/noapt" sh .ci/deps) >"$T/noapt.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && cmp -s "$T/noapt.want" "$T/noapt.out"
check "make deps without apt-get names what to install, exit 1" $? "exit $rc: $(diff "$T/noapt.want" "$T/noapt.out")"

exit 0
