#!/bin/sh
# compiler/cnames.sh — prints compiler/cnames.inc: every identifier the C11,
# POSIX (XSI, issue 7) and SQLite headers declare or define as a macro, with
# the header that brings it in.  ormc refuses a schema whose generated code
# would declare one of them (sema.c, check_generated_names): a model
# `Timespec` would define timespec_get, a model `Sqlite3Column`
# sqlite3_column_count, and the program would link the wrong function.
#
#   sh compiler/cnames.sh > compiler/cnames.inc     (make cnames)
#
# How: one file including every header goes through `cc -E -dD`, which keeps
# the #defines in place and marks which file each line comes from.  A name
# counts when it is declared at file scope (outside braces and parentheses:
# functions, variables, typedefs), is a struct/union/enum tag, an enumeration
# constant, or a macro (object-like or function-like; #undef removes it).
# Names starting with '_' are left out: C reserves all of '__x' and '_X'
# anyway, and ormc refuses those by rule.  Parameter and member names are
# left out (they are inside parentheses or braces).  A name is attributed to
# the innermost of the headers listed below that it comes from (<time.h> for
# timespec_get, though <threads.h> includes <time.h>; <signal.h> for what
# its bits/ headers declare).  Output sorted
# by strcmp (LC_ALL=C), one entry a line: {"name", KIND, "header"}, KIND
# being D (declared), M (object-like macro), F (function-like macro) or a
# combination.  tests/cli.sh checks the committed file equals this script's
# output on the test machine.
set -eu
CC=${CNAMES_CC:-cc}
export LC_ALL=C
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
HEADERS="assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h
limits.h locale.h math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h
stdbool.h stddef.h stdint.h stdio.h stdlib.h stdnoreturn.h string.h tgmath.h
threads.h time.h uchar.h wchar.h wctype.h
aio.h arpa/inet.h cpio.h dirent.h dlfcn.h fcntl.h fmtmsg.h fnmatch.h ftw.h
glob.h grp.h iconv.h langinfo.h libgen.h monetary.h mqueue.h ndbm.h net/if.h
netdb.h netinet/in.h netinet/tcp.h nl_types.h poll.h pthread.h pwd.h regex.h
sched.h search.h semaphore.h spawn.h strings.h stropts.h sys/ipc.h sys/mman.h
sys/msg.h sys/resource.h sys/select.h sys/sem.h sys/shm.h sys/socket.h
sys/stat.h sys/statvfs.h sys/time.h sys/times.h sys/types.h sys/uio.h sys/un.h
sys/utsname.h sys/wait.h syslog.h tar.h termios.h trace.h ulimit.h unistd.h
utime.h utmpx.h wordexp.h
sqlite3.h"
for h in $HEADERS; do
    # optional in POSIX (ndbm.h, stropts.h, trace.h): included when present
    printf '#if __has_include(<%s>)\n#include <%s>\n#endif\n' "$h" "$h"
done >"$T/all.c"
# the include directories, longest first, to turn paths into header names
$CC -std=c11 -E -Wp,-v -x c /dev/null 2>&1 >/dev/null |
    sed -n '/search starts here/,/End of search list/s/^ \(\/.*\)/\1/p' |
    awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2- >"$T/dirs"
$CC -std=c11 -D_XOPEN_SOURCE=700 -E -dD "$T/all.c" >"$T/all.i"
awk -v dirsfile="$T/dirs" -v main="$T/all.c" -v headers="$HEADERS" '
BEGIN {
    nd = 0
    while ((getline d < dirsfile) > 0) dir[++nd] = d "/"
    split(headers, hl, /[ \n]+/)
    for (i in hl) listed[hl[i]] = 1
    sp = 0
    split("auto break case char const continue default do double else enum " \
          "extern float for goto if inline int long register restrict " \
          "return short signed sizeof static struct switch typedef union " \
          "unsigned void volatile while asm typeof", kw, " ")
    for (i in kw) keyword[kw[i]] = 1
    depth = 0; paren = 0; top = ""
}
function header(path,   i) {
    for (i = 1; i <= nd; i++)
        if (index(path, dir[i]) == 1) return substr(path, length(dir[i]) + 1)
    return path
}
function add(name, kind) {
    if (name ~ /^_/ || name in keyword) return
    if (!(name in kinds)) { kinds[name] = ""; hdr[name] = top }
    if (index(kinds[name], kind) == 0) kinds[name] = kinds[name] kind
}
# line markers: # LINE "FILE" FLAGS (1: entering FILE, 2: back in FILE);
# "top" is the innermost listed header on the include stack
/^# [0-9]+ "/ {
    f = $3; gsub(/"/, "", f)
    if ($4 == "1") file[++sp] = f
    else if ($4 == "2") { while (sp > 0 && file[sp] != f) sp--; if (sp == 0) file[++sp] = f }
    else if (sp == 0 || file[sp] != f) { sp = 1; file[1] = f }
    top = ""
    for (i = sp; i > 0 && top == ""; i--)
        if (file[i] != main && file[i] !~ /^</ && header(file[i]) in listed) top = header(file[i])
    if (top == "" && sp > 0 && file[sp] != main && file[sp] !~ /^</) top = header(file[sp])
    next
}
/^#define / {
    name = $2; fn = (name ~ /\(/); sub(/\(.*/, "", name)
    if (top != "") add(name, fn ? "F" : "M")
    next
}
/^#undef / {
    name = $2
    if (name in kinds) {
        k = kinds[name]; gsub(/[MF]/, "", k)
        if (k == "") delete kinds[name]; else kinds[name] = k
    }
    next
}
/^#/ { next }
{
    line = $0
    gsub(/"([^"\\]|\\.)*"/, " ", line)
    gsub(/\047([^\047\\]|\\.)*\047/, " ", line)
    while (match(line, /[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*|[{}(),;*]/)) {
        t = substr(line, RSTART, RLENGTH)
        line = substr(line, RSTART + RLENGTH)
        if (t == "{") {
            stack[++depth] = (pending_enum ? "enum" : "other")
            pending_enum = 0; enum_next = (stack[depth] == "enum"); prev2 = prev; prev = t; continue
        }
        if (t == "}") { if (depth > 0) depth--; pending_enum = 0; enum_next = 0; prev2 = prev; prev = t; continue }
        if (t == "(") paren++
        else if (t == ")") { if (paren > 0) paren-- }
        else if (t == ";") pending_enum = 0
        else if (t == ",") { if (depth > 0 && stack[depth] == "enum" && paren == 0) enum_next = 1 }
        else if (t ~ /^[A-Za-z_]/ && top != "") {
            if (t == "enum") pending_enum = 1
            if (prev == "struct" || prev == "union" || prev == "enum") add(t, "D")
            else if (depth == 0 && paren == 0) add(t, "D")
            else if (depth == 0 && paren == 1 && prev == "*" && prev2 == "(") add(t, "D")
            else if (depth > 0 && stack[depth] == "enum" && enum_next && paren == 0) add(t, "D")
            enum_next = 0
        }
        prev2 = prev; prev = t
    }
}
END {
    for (n in kinds) {
        k = kinds[n]; s = ""
        if (index(k, "D")) s = s "D"
        if (index(k, "M")) s = s (s == "" ? "" : "|") "M"
        if (index(k, "F")) s = s (s == "" ? "" : "|") "F"
        printf "{\"%s\", %s, \"%s\"},\n", n, s, hdr[n]
    }
}' "$T/all.i" | sort >"$T/table"
echo "/* compiler/cnames.inc — generated by compiler/cnames.sh (make cnames):"
echo " * the identifiers of the C11, POSIX and SQLite headers.  Do not edit. */"
cat "$T/table"
