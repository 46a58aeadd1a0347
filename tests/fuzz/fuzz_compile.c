/*
 * fuzz_compile.c — libFuzzer harness over the compiler library.
 *
 * Feeds arbitrary bytes to ormcc_compile and checks what must hold for
 * every input, beyond "no crash, no leak, no hang" (the sanitizers and
 * libFuzzer catch those):
 *   - the return value is the number of "error:" diagnostics printed
 *     (at most MAX_ERRORS, 50), each "fuzz.orm:LINE:COL: error: ..." with
 *     LINE and COL inside the input;
 *   - on errors *out is empty; on success both files are present, their
 *     `len` is their length, and they contain no NUL byte;
 *   - a successful compile prints nothing, or only warnings (a cycle of
 *     required relations): its diagnostics start with a
 *     "fuzz.orm:LINE:COL: warning: " line;
 *   - a successful compile is deterministic: compiling again gives
 *     byte-identical files.
 * A broken invariant abort()s, which libFuzzer reports as a crash.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`; tests/fuzz/replay.c
 * runs the same function over files for `make test` (no libFuzzer).
 */
#define _POSIX_C_SOURCE 200809L
#include "ormcc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH "fuzz.orm"

static void fail(const char *why, const char *diag)
{
    fprintf(stderr, "fuzz_compile: invariant broken: %s\n", why);
    if (diag)
        fprintf(stderr, "---- diagnostics ----\n%s", diag);
    abort();
}

/* Number of lines and the length of the longest one, counting as the
 * compiler does (lines end at '\n'). */
static void measure(const uint8_t *d, size_t n, long *lines, long *longest)
{
    long l = 1, cur = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\n') {
            l++;
            cur = 0;
        } else if (++cur > max) {
            max = cur;
        }
    }
    *lines = l;
    *longest = max;
}

/* Counts "fuzz.orm:L:C: error: " lines of `diag`, checking each position
 * lies inside the input (a column may be one past the end of its line). */
static int count_errors(const char *diag, const uint8_t *d, size_t n)
{
    long lines, longest;
    measure(d, n, &lines, &longest);
    int count = 0;
    const char *p = diag;
    while (*p) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            fail("diagnostics do not end with a newline", diag);
        if (strncmp(p, PATH ":", sizeof PATH) == 0 &&
            p[sizeof PATH] >= '0' && p[sizeof PATH] <= '9') {
            char *end;
            long line = strtol(p + sizeof PATH, &end, 10);
            long col = *end == ':' ? strtol(end + 1, &end, 10) : -1;
            if (line < 1 || line > lines || col < 1 || col > longest + 1)
                fail("diagnostic position outside the input", diag);
            if (strncmp(end, ": error: ", 9) == 0)
                count++;
            else if (strncmp(end, ": note: ", 8) != 0 &&
                     strncmp(end, ": warning: ", 11) != 0)
                fail("malformed diagnostic line", diag);
        }
        p = eol + 1;
    }
    return count;
}

/* Whether diag's first line is "fuzz.orm:L:C: warning: ..." (count_errors
 * has checked the form of every positioned line). */
static bool starts_with_warning(const char *diag)
{
    const char *eol = strchr(diag, '\n');
    const char *w = strstr(diag, ": warning: ");
    return strncmp(diag, PATH ":", sizeof PATH) == 0 && w && w < eol;
}

static void check_file(const ormcc_file *f, const char *name)
{
    if (!f->name || strcmp(f->name, name) != 0)
        fail("output file misnamed", NULL);
    if (!f->data || f->len == 0)
        fail("output file empty", NULL);
    if (memchr(f->data, '\0', f->len) || f->data[f->len] != '\0')
        fail("output length wrong or output contains a NUL byte", NULL);
}

static bool same_file(const ormcc_file *a, const ormcc_file *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *diag = NULL;
    size_t diaglen = 0;
    FILE *f = open_memstream(&diag, &diaglen);
    if (!f)
        abort();
    ormcc_output out;
    int n = ormcc_compile(PATH, (const char *)data, size, f, &out);
    fclose(f);
    if (n < 0 || n > 50)
        fail("error count out of range", diag);
    if (count_errors(diag, data, size) != n)
        fail("return value differs from the errors printed", diag);
    if (n > 0) {
        if (out.header.name || out.header.data || out.source.name ||
            out.source.data)
            fail("output despite errors", diag);
    } else {
        if (diaglen != 0 && !starts_with_warning(diag))
            fail("diagnostics other than warnings for a successful compile",
                 diag);
        check_file(&out.header, PATH ".h");
        check_file(&out.source, PATH ".c");
        ormcc_output again;
        if (ormcc_compile(PATH, (const char *)data, size, NULL, &again) != 0)
            fail("second compile failed", NULL);
        if (!same_file(&out.header, &again.header) ||
            !same_file(&out.source, &again.source))
            fail("output is not deterministic", NULL);
        ormcc_output_free(&again);
    }
    ormcc_output_free(&out);
    free(diag);
    return 0;
}
