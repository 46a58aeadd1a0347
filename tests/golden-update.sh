#!/bin/sh
# tests/golden-update.sh ORMC — regenerates the expected files of every
# golden case from the current compiler.  Read `git diff tests/golden`
# before committing: every change there is a change users will see.
set -u
ORMC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
for dir in tests/golden/*/; do
    orm=$(cd "$dir" && ls *.orm)
    if [ -f "$dir/expected.stderr" ]; then
        (cd "$dir" && "$ORMC" -o "$(mktemp -d)" "$orm" 2>expected.stderr)
        echo "updated $dir/expected.stderr"
    else
        (cd "$dir" && "$ORMC" -o . "$orm") && echo "updated $dir$orm.{h,c}"
    fi
done
