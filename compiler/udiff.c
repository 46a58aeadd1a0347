/*
 * udiff.c — unified diff of two texts (udiff.h).
 *
 * The texts are split into lines (with their '\n'), the common head and
 * tail are skipped, and the rest is compared with Myers' linear-space
 * algorithm ("An O(ND) Difference Algorithm and Its Variations", 1986,
 * section 4b): find the middle snake of the shortest edit script, recurse
 * on both sides of it.  The result is one mark per line, "removed" for a
 * and "added" for b; the hunks are printed from the marks.
 */
#include "udiff.h"

#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Line {
    const char *s;
    size_t len;  /* with its '\n', if it has one */
    uint64_t h;  /* FNV-1a of the bytes: most unequal lines differ here */
} Line;

typedef struct Diff {
    const Line *a, *b;
    char *da, *db;      /* 1: the line of a is removed / of b is added */
    ptrdiff_t *vf, *vb; /* furthest x per diagonal, forward and backward,
                         * indexed from -off to +off */
    ptrdiff_t max_d;
} Diff;

typedef struct Snake {
    ptrdiff_t x0, y0, x1, y1; /* a diagonal run from (x0,y0) to (x1,y1) */
} Snake;

/* Splits text into *n lines (a last line without '\n' counts); NULL with
 * *n = 0 for an empty text, NULL with *n = -1 when out of memory. */
static Line *split(const char *text, size_t len, ptrdiff_t *n)
{
    ptrdiff_t count = 0;
    for (size_t i = 0; i < len; i++)
        count += text[i] == '\n';
    if (len && text[len - 1] != '\n')
        count++;
    *n = count;
    if (!count)
        return NULL;
    Line *v = malloc((size_t)count * sizeof *v);
    if (!v) {
        *n = -1;
        return NULL;
    }
    const char *p = text, *end = text + len;
    for (ptrdiff_t i = 0; i < count; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        uint64_t h = 14695981039346656037u;
        for (size_t k = 0; k < l; k++)
            h = (h ^ (unsigned char)p[k]) * 1099511628211u;
        v[i] = (Line){p, l, h};
        p += l;
    }
    return v;
}

static bool same(const Line *x, const Line *y)
{
    return x->h == y->h && x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

/* The middle snake of a[ax..ax+n) against b[by..by+m) (n, m > 0), in
 * coordinates relative to (ax, by).  False when the shortest edit script
 * is longer than 2 * max_d.  Cost: O((n+m) D), no allocation. */
static bool middle_snake(Diff *df, ptrdiff_t ax, ptrdiff_t n, ptrdiff_t by,
                         ptrdiff_t m, Snake *s)
{
    const Line *a = df->a + ax, *b = df->b + by;
    ptrdiff_t *vf = df->vf, *vb = df->vb;
    ptrdiff_t delta = n - m, dmax = (n + m + 1) / 2;
    bool odd = delta & 1;
    if (dmax > df->max_d)
        dmax = df->max_d;
    vf[1] = vb[1] = 0;
    for (ptrdiff_t d = 0; d <= dmax; d++) {
        /* forward: the furthest reaching path with d edits, per diagonal */
        for (ptrdiff_t k = -d; k <= d; k += 2) {
            ptrdiff_t x = k == -d || (k != d && vf[k - 1] < vf[k + 1])
                              ? vf[k + 1]
                              : vf[k - 1] + 1;
            ptrdiff_t y = x - k, x0 = x, y0 = y;
            while (x < n && y < m && same(&a[x], &b[y]))
                x++, y++;
            vf[k] = x;
            ptrdiff_t kb = delta - k; /* the same diagonal seen backward */
            if (odd && kb >= -(d - 1) && kb <= d - 1 && x + vb[kb] >= n) {
                *s = (Snake){x0, y0, x, y};
                return true;
            }
        }
        /* backward: the same from the ends of both ranges */
        for (ptrdiff_t k = -d; k <= d; k += 2) {
            ptrdiff_t x = k == -d || (k != d && vb[k - 1] < vb[k + 1])
                              ? vb[k + 1]
                              : vb[k - 1] + 1;
            ptrdiff_t y = x - k, x0 = x, y0 = y;
            while (x < n && y < m && same(&a[n - 1 - x], &b[m - 1 - y]))
                x++, y++;
            vb[k] = x;
            ptrdiff_t kf = delta - k;
            if (!odd && kf >= -d && kf <= d && x + vf[kf] >= n) {
                *s = (Snake){n - x, m - y, n - x0, m - y0};
                return true;
            }
        }
    }
    return false;
}

/* Marks the lines of a[ax..ax+n) and b[by..by+m) outside a longest common
 * subsequence (all of them past the cost bound).  Recursion depth about
 * log2 of the edit distance. */
static void compare(Diff *df, ptrdiff_t ax, ptrdiff_t n, ptrdiff_t by,
                    ptrdiff_t m)
{
    while (n > 0 && m > 0 && same(&df->a[ax], &df->b[by]))
        ax++, by++, n--, m--;
    while (n > 0 && m > 0 && same(&df->a[ax + n - 1], &df->b[by + m - 1]))
        n--, m--;
    Snake s;
    if (n == 0 || m == 0 || !middle_snake(df, ax, n, by, m, &s)) {
        memset(df->da + ax, 1, (size_t)n);
        memset(df->db + by, 1, (size_t)m);
        return;
    }
    /* both halves are shorter scripts: ends differ, so D >= 2 here */
    compare(df, ax, s.x0, by, s.y0);
    compare(df, ax + s.x1, n - s.x1, by + s.y1, m - s.y1);
}

static void put_line(Buf *o, char mark, const Line *l)
{
    buf_putc(o, mark);
    buf_put(o, l->s, l->len);
    if (l->len == 0 || l->s[l->len - 1] != '\n')
        buf_puts(o, "\n\\ No newline at end of file\n");
}

/* "-l,n" as diff -u prints it: ",1" left out; an empty range names the
 * line before it. */
static void put_range(Buf *o, char sign, ptrdiff_t first, ptrdiff_t count)
{
    buf_printf(o, "%c%lld", sign, (long long)(count ? first + 1 : first));
    if (count != 1)
        buf_printf(o, ",%lld", (long long)count);
}

/* Prints the hunks of the marked lines.  i and j walk a and b together:
 * at a line of neither side marked they advance together. */
static void hunks(const Diff *df, ptrdiff_t na, ptrdiff_t nb, Buf *o)
{
    const char *da = df->da, *db = df->db;
    ptrdiff_t i = 0, j = 0;
    for (;;) {
        /* the next change */
        ptrdiff_t ci = i, cj = j;
        while (ci < na && cj < nb && !da[ci] && !db[cj])
            ci++, cj++;
        if (ci == na && cj == nb)
            return;
        ptrdiff_t lead = ci - i < UDIFF_CONTEXT ? ci - i : UDIFF_CONTEXT;
        ptrdiff_t si = ci - lead, sj = cj - lead;
        /* the hunk's end: after its last change, before a run of more
         * than 2 * UDIFF_CONTEXT unchanged lines or the end */
        ptrdiff_t ei = ci, ej = cj;
        for (;;) {
            while ((ei < na && da[ei]) || (ej < nb && db[ej])) {
                if (ei < na && da[ei])
                    ei++;
                else
                    ej++;
            }
            ptrdiff_t run = 0;
            while (ei + run < na && ej + run < nb && !da[ei + run] &&
                   !db[ej + run])
                run++;
            if (run > 2 * UDIFF_CONTEXT ||
                (ei + run == na && ej + run == nb)) {
                ptrdiff_t tail = run < UDIFF_CONTEXT ? run : UDIFF_CONTEXT;
                ei += tail;
                ej += tail;
                break;
            }
            ei += run;
            ej += run;
        }
        buf_puts(o, "@@ ");
        put_range(o, '-', si, ei - si);
        buf_putc(o, ' ');
        put_range(o, '+', sj, ej - sj);
        buf_puts(o, " @@\n");
        /* removals before additions within each change, as diff -u */
        ptrdiff_t x = si, y = sj;
        while (x < ei || y < ej) {
            if (x < ei && da[x]) {
                put_line(o, '-', &df->a[x++]);
            } else if (y < ej && db[y]) {
                put_line(o, '+', &df->b[y++]);
            } else {
                put_line(o, ' ', &df->a[x]);
                x++;
                y++;
            }
        }
        i = ei;
        j = ej;
    }
}

int udiff_bounded(const char *a, size_t alen, const char *b, size_t blen,
                  const char *alabel, const char *blabel, ormcc_write_fn write,
                  void *arg, bool *differ, int max_d)
{
    if (differ)
        *differ = false;
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 0;
    if (differ)
        *differ = true;
    Diff df = {0};
    ptrdiff_t na, nb;
    Line *la = split(a, alen, &na), *lb = split(b, blen, &nb);
    int err = ENOMEM;
    if (na < 0 || nb < 0)
        goto out;
    df.a = la;
    df.b = lb;
    df.max_d = max_d > 0 ? max_d : 1;
    ptrdiff_t half = (na + nb + 1) / 2;
    ptrdiff_t off = (half < df.max_d ? half : df.max_d) + 2;
    df.da = calloc((size_t)na + 1, 1);
    df.db = calloc((size_t)nb + 1, 1);
    df.vf = malloc((size_t)(2 * off + 1) * sizeof *df.vf);
    df.vb = malloc((size_t)(2 * off + 1) * sizeof *df.vb);
    if (!df.da || !df.db || !df.vf || !df.vb)
        goto out;
    df.vf += off;
    df.vb += off;
    compare(&df, 0, na, 0, nb);
    df.vf -= off;
    df.vb -= off;
    Buf o;
    buf_stream(&o, write, arg);
    buf_printf(&o, "--- %s\n+++ %s\n", alabel, blabel);
    hunks(&df, na, nb, &o);
    err = buf_finish(&o);
out:
    free(df.da);
    free(df.db);
    free(df.vf);
    free(df.vb);
    free(la);
    free(lb);
    return err;
}

int udiff(const char *a, size_t alen, const char *b, size_t blen,
          const char *alabel, const char *blabel, ormcc_write_fn write,
          void *arg, bool *differ)
{
    return udiff_bounded(a, alen, b, blen, alabel, blabel, write, arg, differ,
                         UDIFF_MAX_D);
}
