/*
 * test_diff.c — the unified diff of `ormc --check` (compiler/udiff.h):
 * exact text for the shapes diff -u prints (hunks, context, merged and
 * split hunks, empty sides, a last line without '\n'), then thousands of
 * random pairs: applying the diff to a gives b, and the diff removes and
 * adds exactly the lines outside a longest common subsequence (computed
 * here by dynamic programming).  With the cost bound at 1 or 2, the diff
 * may be longer but must still apply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udiff.h"

/* A sink collecting the diff, or failing with `fail` on its first call. */
typedef struct Out {
    char *s;
    size_t len, cap;
    int fail;
} Out;

static int collect(void *arg, const char *data, size_t len)
{
    Out *o = arg;
    if (o->fail)
        return o->fail;
    if (o->len + len + 1 > o->cap) {
        o->cap = (o->len + len + 1) * 2;
        o->s = realloc(o->s, o->cap);
        assert_non_null(o->s);
    }
    memcpy(o->s + o->len, data, len);
    o->len += len;
    o->s[o->len] = 0;
    return 0;
}

/* The diff of a and b as a string ("" when equal); frees nothing. */
static char *diff_bounded(const char *a, const char *b, int max_d, bool *differ)
{
    Out o = {0};
    assert_int_equal(udiff_bounded(a, strlen(a), b, strlen(b), "old", "new",
                                   collect, &o, differ, max_d),
                     0);
    return o.s ? o.s : calloc(1, 1);
}

static char *diff(const char *a, const char *b)
{
    bool differ;
    char *d = diff_bounded(a, b, UDIFF_MAX_D, &differ);
    assert_int_equal(differ, strcmp(a, b) != 0);
    return d;
}

static void expect(const char *a, const char *b, const char *want)
{
    char *got = diff(a, b);
    assert_string_equal(got, want);
    free(got);
}

static void test_equal_texts_give_nothing(void **state)
{
    (void)state;
    expect("", "", "");
    expect("a\nb\n", "a\nb\n", "");
    expect("no newline", "no newline", "");
}

static void test_one_changed_line(void **state)
{
    (void)state;
    expect("a\nb\nc\n", "a\nB\nc\n",
           "--- old\n+++ new\n"
           "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    expect("x\n", "y\n", "--- old\n+++ new\n@@ -1 +1 @@\n-x\n+y\n");
}

static void test_empty_sides(void **state)
{
    (void)state;
    expect("", "a\nb\n", "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n");
    expect("a\nb\n", "", "--- old\n+++ new\n@@ -1,2 +0,0 @@\n-a\n-b\n");
}

static void test_no_newline_at_end(void **state)
{
    (void)state;
    expect("a\nb", "a\nb\n",
           "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n"
           "\\ No newline at end of file\n+b\n");
    expect("a\n", "a\nb",
           "--- old\n+++ new\n@@ -1 +1,2 @@\n a\n+b\n"
           "\\ No newline at end of file\n");
}

/* "l1\n" ... "l<n>\n", line k (1-based) replaced by "X<k>\n" for each k
 * in changed[] (0-terminated) */
static char *lines(int n, const int *changed)
{
    char *s = malloc((size_t)n * 8 + 1), *p = s;
    for (int i = 1; i <= n; i++) {
        bool x = false;
        for (const int *c = changed; c && *c; c++)
            x |= *c == i;
        p += sprintf(p, "%s%d\n", x ? "X" : "l", i);
    }
    return s;
}

static void test_context_and_hunks(void **state)
{
    (void)state;
    char *a = lines(30, NULL);
    /* 6 unchanged lines between two changes: one hunk */
    char *b = lines(30, (int[]){5, 12, 0});
    expect(a, b,
           "--- old\n+++ new\n@@ -2,14 +2,14 @@\n"
           " l2\n l3\n l4\n-l5\n+X5\n l6\n l7\n l8\n l9\n l10\n l11\n"
           "-l12\n+X12\n l13\n l14\n l15\n");
    free(b);
    /* 7 unchanged lines between them: two hunks */
    b = lines(30, (int[]){5, 13, 0});
    expect(a, b,
           "--- old\n+++ new\n"
           "@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+X5\n l6\n l7\n l8\n"
           "@@ -10,7 +10,7 @@\n"
           " l10\n l11\n l12\n-l13\n+X13\n l14\n l15\n l16\n");
    free(b);
    /* changes at both ends: context clipped by the ends */
    b = lines(30, (int[]){1, 30, 0});
    expect(a, b,
           "--- old\n+++ new\n"
           "@@ -1,4 +1,4 @@\n-l1\n+X1\n l2\n l3\n l4\n"
           "@@ -27,4 +27,4 @@\n l27\n l28\n l29\n-l30\n+X30\n");
    free(b);
    free(a);
}

static void test_write_error_is_returned(void **state)
{
    (void)state;
    Out o = {.fail = ENOSPC};
    bool differ;
    assert_int_equal(udiff("a\n", 2, "b\n", 2, "old", "new", collect, &o,
                           &differ),
                     ENOSPC);
    assert_true(differ);
    assert_null(o.s);
}

/* ---- random pairs ---- */

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

/* Up to 40 lines over a small alphabet, so that lines repeat. */
static char *random_text(unsigned *seed)
{
    int n = (int)(rnd(seed) % 41);
    char *s = malloc((size_t)n * 2 + 1), *p = s;
    for (int i = 0; i < n; i++) {
        *p++ = (char)('a' + rnd(seed) % 5);
        *p++ = '\n';
    }
    *p = 0;
    if (p > s && rnd(seed) % 5 == 0)
        p[-1] = 0; /* a last line without '\n' */
    return s;
}

/* Splits s into lines ("x\n", or "x" for an unterminated last line). */
static int split(const char *s, const char **v, size_t *len)
{
    int n = 0;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t l = nl ? (size_t)(nl - s) + 1 : strlen(s);
        v[n] = s;
        len[n++] = l;
        s += l;
    }
    return n;
}

/* "-l[,n]" or "+l[,n]" at *p (n defaults to 1); advances *p. */
static void range(const char **p, char sign, long *first, long *count)
{
    assert_int_equal(**p, sign);
    char *end;
    *first = strtol(*p + 1, &end, 10);
    *count = 1;
    if (*end == ',')
        *count = strtol(end + 1, &end, 10);
    *p = end;
}

/* Applies the unified diff d to a, checking every hunk header, context
 * and removed line; returns the result and counts the removed and added
 * lines. */
static char *apply(const char *a, const char *d, int *removed, int *added)
{
    const char *al[64];
    size_t alen[64];
    int na = split(a, al, alen), ai = 0;
    long bi = 0; /* lines of b written so far */
    char *out = calloc(1, strlen(a) + strlen(d) + 1);
    size_t olen = 0;
    *removed = *added = 0;
    if (*d) {
        assert_true(strncmp(d, "--- old\n+++ new\n", 16) == 0);
        d += 16;
    }
    while (*d) {
        long as, an, bs, bn;
        assert_true(strncmp(d, "@@ ", 3) == 0);
        d += 3;
        range(&d, '-', &as, &an);
        assert_int_equal(*d++, ' ');
        range(&d, '+', &bs, &bn);
        assert_true(strncmp(d, " @@\n", 4) == 0);
        d += 4;
        long first = an ? as - 1 : as;
        assert_true(first >= ai);
        while (ai < first) { /* unchanged lines between hunks */
            memcpy(out + olen, al[ai], alen[ai]);
            olen += alen[ai++];
            bi++;
        }
        assert_int_equal(bn ? bs - 1 : bs, bi);
        long seen_a = 0, seen_b = 0;
        while (*d && *d != '@') {
            const char *nl = strchr(d, '\n');
            assert_non_null(nl);
            char kind = *d;
            assert_true(kind == ' ' || kind == '-' || kind == '+');
            /* the line as it was: its text, and its '\n' unless a
             * "\ No newline" line follows */
            bool unterminated = strncmp(nl + 1, "\\ No", 4) == 0;
            size_t len = (size_t)(nl - d - 1) + !unterminated;
            if (kind != '+') {
                assert_true(ai < na);
                assert_int_equal(alen[ai], len);
                assert_memory_equal(al[ai], d + 1, len);
                ai++;
                seen_a++;
            }
            if (kind != '-') {
                memcpy(out + olen, d + 1, len);
                olen += len;
                seen_b++;
                bi++;
            }
            *removed += kind == '-';
            *added += kind == '+';
            d = nl + 1;
            if (unterminated) {
                static const char mark[] = "\\ No newline at end of file\n";
                assert_true(strncmp(d, mark, sizeof mark - 1) == 0);
                d += sizeof mark - 1;
            }
        }
        assert_int_equal(seen_a, an);
        assert_int_equal(seen_b, bn);
    }
    while (ai < na) {
        memcpy(out + olen, al[ai], alen[ai]);
        olen += alen[ai++];
    }
    out[olen] = 0;
    return out;
}

/* The length of a longest common subsequence of the lines of a and b. */
static int lcs(const char *a, const char *b)
{
    const char *al[64], *bl[64];
    size_t alen[64], blen[64];
    int na = split(a, al, alen), nb = split(b, bl, blen);
    static int t[65][65];
    for (int i = na; i >= 0; i--)
        for (int j = nb; j >= 0; j--)
            if (i == na || j == nb)
                t[i][j] = 0;
            else if (alen[i] == blen[j] && memcmp(al[i], bl[j], alen[i]) == 0)
                t[i][j] = 1 + t[i + 1][j + 1];
            else
                t[i][j] = t[i + 1][j] > t[i][j + 1] ? t[i + 1][j] : t[i][j + 1];
    return t[0][0];
}

static void test_random_pairs_apply_and_are_minimal(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int round = 0; round < 5000; round++) {
        char *a = random_text(&seed), *b = random_text(&seed);
        const char *v[64];
        size_t l[64];
        int na = split(a, v, l), nb = split(b, v, l);
        int max_d = round % 3 == 0 ? (int)(rnd(&seed) % 2) + 1 : UDIFF_MAX_D;
        bool differ;
        char *d = diff_bounded(a, b, max_d, &differ);
        assert_int_equal(differ, strcmp(a, b) != 0);
        int removed, added;
        char *got = apply(a, d, &removed, &added);
        if (strcmp(got, b) != 0)
            fail_msg("round %d: applying\n%s\nto\n%s\ngave\n%s\nnot\n%s", round,
                     d, a, got, b);
        if (max_d == UDIFF_MAX_D) {
            int common = lcs(a, b);
            assert_int_equal(removed, na - common);
            assert_int_equal(added, nb - common);
        }
        free(got);
        free(d);
        free(a);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_texts_give_nothing),
        cmocka_unit_test(test_one_changed_line),
        cmocka_unit_test(test_empty_sides),
        cmocka_unit_test(test_no_newline_at_end),
        cmocka_unit_test(test_context_and_hunks),
        cmocka_unit_test(test_write_error_is_returned),
        cmocka_unit_test(test_random_pairs_apply_and_are_minimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
