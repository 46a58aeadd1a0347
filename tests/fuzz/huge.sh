#!/bin/sh
# tests/fuzz/huge.sh ORMC — compiles generated huge schemas and checks that
# each ends with exit status 0 (compiled) or 1 (schema errors), never a
# signal, within TIME_LIMIT seconds (default 10) and MEM_LIMIT_MB of peak
# resident memory (default 1024).  Prints the time and peak RSS of each,
# and ends with one line "N passed, N failed".
set -u
ORMC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TIME_LIMIT=${TIME_LIMIT:-10}
MEM_LIMIT_MB=${MEM_LIMIT_MB:-1024}
PASS=0
FAIL=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/out"

# run NAME EXPECTED_STATUS [SECONDS]: compiles $TMP/in.orm (made by the
# caller).  EXPECTED_STATUS is 0, 1 or "any" (0 or 1); SECONDS replaces
# TIME_LIMIT for a case whose output alone is hundreds of megabytes.
run() {
    name=$1
    want=$2
    limit=${3:-$TIME_LIMIT}
    size=$(wc -c < "$TMP/in.orm")
    rm -f "$TMP/out"/*
    # the hard timeout is well past the limit so a slow case is measured
    /usr/bin/time -f '%e %M' -o "$TMP/time" \
        timeout -s KILL $((limit * 3)) "$ORMC" -o "$TMP/out" "$TMP/in.orm" \
        >"$TMP/stdout" 2>"$TMP/stderr"
    status=$?
    # /usr/bin/time reports "Command terminated by signal N" for a signal
    sig=$(sed -n 's/^Command terminated by signal \([0-9]*\)/\1/p' "$TMP/time")
    set -- $(tail -1 "$TMP/time")
    secs=$1
    mb=$(( $2 / 1024 ))
    why=""
    if [ -n "$sig" ]; then
        why="killed by signal $sig"
    elif [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
        why="exit status $status"
    elif [ "$want" != any ] && [ "$status" -ne "$want" ]; then
        why="exit status $status, expected $want"
    elif [ "$(echo "$secs $limit" | awk '{print ($1 > $2)}')" = 1 ]; then
        why="took $secs s, limit $limit s"
    elif [ "$mb" -gt "$MEM_LIMIT_MB" ]; then
        why="peak RSS $mb MB, limit $MEM_LIMIT_MB MB"
    elif [ "$status" -eq 1 ] && ! grep -q 'error' "$TMP/stderr"; then
        why="exit status 1 without an error message"
    fi
    line="$name: $size bytes in, exit $status, $secs s, $mb MB"
    if [ -z "$why" ]; then
        PASS=$((PASS + 1))
        echo "PASS $line"
    else
        FAIL=$((FAIL + 1))
        echo "FAIL $line: $why"
        head -c 600 "$TMP/stderr"
    fi
}

# gen AWK_PROGRAM: writes the program's output to $TMP/in.orm
gen() {
    awk "BEGIN { $1 }" > "$TMP/in.orm"
}

# 10 MB of valid models (45,000 models of 8 fields): about 500 MB of C
# is written, so this one may take longer
gen 'for (i = 0; i < 45000; i++) {
         printf "model M%d {\n", i
         for (j = 0; j < 8; j++) printf "    f%d text(100) unique\n", j
         printf "}\n" }'
run "10 MB schema, 45000 models" 0 $((TIME_LIMIT * 6))

# 10 MB comment around one model
gen 'print "model A { x int }"; printf "/*";
     for (i = 0; i < 200000; i++) printf "comment comment comment comment comment \n";
     print "*/"'
run "10 MB block comment" 0

# 10,000 '/*' inside one comment (comments do not nest), then one '*/'
gen 'print "model A { x int }";
     for (i = 0; i < 10000; i++) printf "/* "; print "*/"'
run "10000 nested-looking '/*' then '*/'" 0

# 10,000 '/*' with no '*/'
gen 'print "model A { x int }"; for (i = 0; i < 10000; i++) print "/*"'
run "10000 unterminated '/*'" 1

# 10,000 '*/' outside comments
gen 'print "model A { x int }"; for (i = 0; i < 10000; i++) print "x */"'
run "10000 stray '*/'" 1

# 100,000 '//' comment lines
gen 'print "model A { x int }"; for (i = 0; i < 100000; i++) print "// /* // */ comment"'
run "100000 '//' lines" 0

# one model with 100,000 fields
gen 'print "model A {"; for (i = 0; i < 100000; i++) printf "    f%d int\n", i; print "}"'
run "100000 fields" 0

# one model with 100,000 fields of every kind, with modifiers
gen 'print "model A {"
     for (i = 0; i < 20000; i++) {
         printf "    a%d int? index default -%d\n", i, i
         printf "    b%d text(50) unique default \"x\\t%d\"\n", i, i
         printf "    c%d real default 1e%d\n", i, i % 300
         printf "    d%d datetime default now\n", i
         printf "    e%d blob?\n", i }
     print "}"'
run "100000 fields with modifiers" 0

# 100,000 relations to one model
gen 'print "model A { x int }"; print "model B {";
     for (i = 0; i < 100000; i++) printf "    r%d A? related rel%d on delete set null\n", i, i
     print "}"'
run "100000 relations to one model" 0

# 100,000 relations with no 'related' name, all reverses clash
gen 'print "model A { x int }"; print "model B {";
     for (i = 0; i < 100000; i++) printf "    r%d A\n", i
     print "}"'
run "100000 relations with the same reverse name" 1

# @index over 100,000 fields, and 10,000 two-field @index options
gen 'print "model A {"; for (i = 0; i < 100000; i++) printf "    f%d int index\n", i;
     printf "    @index(f0"; for (i = 1; i < 100000; i++) printf ", f%d", i; print ")"
     for (i = 0; i < 10000; i++) printf "    @index(f%d, f%d)\n", i, i + 1
     print "}"'
run "100000 indexes, a 100000-field @index" any

# @order and @index naming unknown fields 100,000 times
gen 'print "model A { x int"; printf "    @order(";
     for (i = 0; i < 100000; i++) printf "-nope%d, ", i; print "x)"
     printf "    @index("; for (i = 0; i < 100000; i++) printf "x, "; print "x)"
     print "}"'
run "@order and @index with 100000 arguments" 1

# 10,000 models
gen 'for (i = 0; i < 10000; i++) printf "model M%d { f M%d? related back%d }\n", i, (i + 1) % 10000, i'
run "10000 models in a relation cycle" 0

# a 1 MB identifier, as a model name, a field name, a type and an option
gen 'printf "model "; for (i = 0; i < 1000000; i++) printf "A"; print " { x int }"'
run "1 MB model name" 1
gen 'printf "model A { "; for (i = 0; i < 1000000; i++) printf "x"; print " int }"'
run "1 MB field name" 1
gen 'printf "model A { x "; for (i = 0; i < 1000000; i++) printf "T"; print " }"'
run "1 MB type name" 1
gen 'printf "model A { x int @"; for (i = 0; i < 1000000; i++) printf "o"; print " }"'
run "1 MB option name" 1
gen 'printf "model A { x text default \""; for (i = 0; i < 1000000; i++) printf "s"; print "\" }"'
run "1 MB string default" 0
gen 'printf "model A { x int default "; for (i = 0; i < 1000000; i++) printf "9"; print " }"'
run "1 MB integer literal" 1
gen 'printf "model A { x real default 1."; for (i = 0; i < 1000000; i++) printf "5"; print " }"'
run "1 MB real literal" 0
gen 'printf "model A { x text("; for (i = 0; i < 1000000; i++) printf "9"; print ") }"'
run "1 MB text length" 1
gen 'printf "model A { x int } "; for (i = 0; i < 1000000; i++) printf "\303\251"; print ""'
run "1 MB non-ASCII name" 1

# 10,000 errors in one file (the compiler stops after 50)
gen 'for (i = 0; i < 10000; i++) printf "model m%d { f%d txt }\n", i, i'
run "10000 errors" 1
gen 'print "model A { x int }"; for (i = 0; i < 1000000; i++) printf ";"; print ""'
run "1000000 stray characters" 1
gen 'print "model A { x int }"; for (i = 0; i < 1000000; i++) printf "*"; print ""'
run "1000000 '*'" 1
gen 'print "model A {"; for (i = 0; i < 100000; i++) print "    x int unique unique ? ?"; print "}"'
run "100000 repeated modifiers" 1

# deeply nested and unbalanced braces and parentheses
gen 'for (i = 0; i < 100000; i++) printf "{"'
run "100000 '{'" 1
gen 'for (i = 0; i < 100000; i++) printf "}"'
run "100000 '}'" 1
gen 'for (i = 0; i < 100000; i++) printf "model A {"'
run "100000 unclosed models" 1
gen 'printf "model A { x text"; for (i = 0; i < 100000; i++) printf "("; print ""'
run "100000 '('" 1
gen 'printf "model A { x int "; for (i = 0; i < 100000; i++) printf "? "; print "}"'
run "100000 '?'" 1
gen 'printf "model A { x int @index"; for (i = 0; i < 100000; i++) printf "(x, "; print "}"'
run "100000 '@index('" 1

# very long lines: a 10 MB one-line schema (600 MB of C), and an error at
# the end of a 10 MB line
gen 'printf "model A {"; for (i = 0; i < 1000000; i++) printf " f%d int", i; print " }"'
run "10 MB line, 1000000 fields" any $((TIME_LIMIT * 6))
gen 'printf "model A {"; for (i = 0; i < 1000000; i++) printf "          "; print " x txt }"'
run "10 MB line, error at its end" 1

# NUL bytes and CRs
gen 'for (i = 0; i < 1000000; i++) printf "%c", 0'
run "1 MB of NUL bytes" 1
gen 'printf "model A { x text default \""; for (i = 0; i < 100000; i++) printf "%c", 0; print "\" }"'
run "NUL bytes in a string" 1
gen 'for (i = 0; i < 1000000; i++) printf "\r"; print "model A { x int }"'
run "1000000 CRs" 0

# past the 64 MiB input limit
head -c 67108865 /dev/zero | tr '\0' ' ' > "$TMP/in.orm"
run "64 MiB + 1 byte" 1

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
