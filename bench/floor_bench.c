/*
 * floor_bench.c — contestant 4, the floor: the same SQL as hand_bench.c
 * (bench/sql.h), each statement prepared once and stepped with sqlite3_step,
 * every column read with sqlite3_column_*, but nothing copied or kept: the
 * values only go into the running checksum.  No result is materialised, so
 * no ORM or hand-written loader can be faster than this on these queries;
 * what is left is SQLite's own cost.  (W6 inserts exactly as hand_bench.c
 * does: binding with SQLITE_STATIC is already the floor.)
 *
 * Usage: floor_bench DBFILE WORKLOAD RUNS   (see harness.h, bench/README.md)
 */
#include "checksum.h"
#include "harness.h"
#include "rawdb.h"
#include "sql.h"

#include <stdlib.h>
#include <string.h>

typedef struct ctx {
    rawdb r;
    sqlite3_stmt *st, *st2, *st3;
    uint64_t sum; /* checksum of the last run, computed while stepping */
    int64_t *w10_ids;
    size_t w10_n;
    int w10_json;          /* W10p: one JSON array parameter */
    char *json;
    size_t json_cap;
} ctx;

static int c_open(const char *path, void **out)
{
    ctx *c = calloc(1, sizeof *c);
    *out = c;
    return c ? rawdb_open(&c->r, path) : -1;
}

static void c_close(void *p)
{
    ctx *c = p;
    if (!c)
        return;
    sqlite3_finalize(c->st);
    sqlite3_finalize(c->st2);
    sqlite3_finalize(c->st3);
    free(c->w10_ids);
    free(c->json);
    rawdb_close(&c->r);
    free(c);
}

static uint64_t c_statements(void *p) { return ((ctx *)p)->r.executed; }

static const char *c_errmsg(void *p) { return p ? ((ctx *)p)->r.err : "out of memory"; }

static int sum_check(void *p, uint64_t *sum)
{
    *sum = ((ctx *)p)->sum;
    return 0;
}

static uint64_t col_text(uint64_t h, sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return ck_text(h, s, (size_t)sqlite3_column_bytes(st, i));
}

static uint64_t col_int(uint64_t h, sqlite3_stmt *st, int i)
{
    return ck(h, (uint64_t)sqlite3_column_int64(st, i));
}

/* Columns i..i+2 of AUTHOR_COLS. */
static uint64_t author(uint64_t h, sqlite3_stmt *st, int i)
{
    h = col_int(h, st, i);
    h = col_text(h, st, i + 1);
    return col_text(h, st, i + 2);
}

/* Columns 0..4 of BOOK_COLS. */
static uint64_t book(uint64_t h, sqlite3_stmt *st)
{
    h = col_int(h, st, 0);
    h = col_text(h, st, 1);
    h = col_int(h, st, 2);
    h = ck_real(h, sqlite3_column_double(st, 3));
    return col_int(h, st, 4);
}

/* Columns 0..5 of BLOG_COLS. */
static uint64_t blog(uint64_t h, sqlite3_stmt *st)
{
    h = col_int(h, st, 0);
    h = col_text(h, st, 1);
    h = col_int(h, st, 2);
    h = sqlite3_column_type(st, 3) == SQLITE_NULL ? ck(h, CK_NULL)
                                                   : col_int(h, st, 3);
    h = col_int(h, st, 4);
    return sqlite3_column_type(st, 5) == SQLITE_NULL
               ? ck(h, CK_NULL)
               : ck_real(h, sqlite3_column_double(st, 5));
}

/* Ends one execution: 0 if it ran to SQLITE_DONE. */
static int done(ctx *c, sqlite3_stmt *st, int rc, const char *what)
{
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : rawdb_fail(&c->r, what);
}

/* ---- W0: books, one author query per book; W0sr: the join ---- */

static int w0_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W0_BOOKS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W0_AUTHOR, &c->st2);
}

/* Like hand_bench.c and ormc, the book statement is finished before the
 * author queries run (each then is its own read transaction): the floor
 * keeps only the author ids it must look up, and the checksum of each
 * book's columns to combine with its author's. */
static int w0_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st, *as = c->st2;
    int64_t ids[BENCH_W0_BOOKS];
    uint64_t hbook[BENCH_W0_BOOKS];
    size_t n = 0;
    int rc;
    sqlite3_bind_int(st, 1, BENCH_W0_BOOKS);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < BENCH_W0_BOOKS) {
        hbook[n] = book(CK_SEED, st);
        ids[n++] = sqlite3_column_int64(st, 2);
    }
    if (done(c, st, rc, SQL_W0_BOOKS))
        return -1;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(as, 1, ids[i]);
        c->r.executed++;
        if (sqlite3_step(as) != SQLITE_ROW)
            return done(c, as, SQLITE_ERROR, SQL_W0_AUTHOR);
        h = author(ck(h, hbook[i]), as, 0);
        sqlite3_reset(as);
    }
    c->sum = h;
    return 0;
}

static int w0sr_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W0SR, &c->st);
}

static int w0sr_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t h = CK_SEED;
    int rc;
    sqlite3_bind_int(st, 1, BENCH_W0_BOOKS);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        h = author(ck(h, book(CK_SEED, st)), st, 5);
    c->sum = h;
    return done(c, st, rc, SQL_W0SR);
}

/* ---- W1 and W5: blogs with their author ---- */

static int blogs_author_run(ctx *c, sqlite3_stmt *st, const char *what)
{
    uint64_t h = CK_SEED;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        h = author(blog(h, st), st, 6);
    c->sum = h;
    return done(c, st, rc, what);
}

static int w1_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W1, &c->st);
}

static int w1_run(void *p)
{
    ctx *c = p;
    return blogs_author_run(c, c->st, SQL_W1);
}

static int w5_prepare(void *p)
{
    ctx *c = p;
    return rawdb_sizes(&c->r) || rawdb_prepare_w5(&c->r, &c->st);
}

static int w5_run(void *p)
{
    ctx *c = p;
    for (int k = 0; k < BENCH_W5_AUTHORS; k++)
        sqlite3_bind_int64(c->st, k + 1, c->r.w5_ids[k]);
    sqlite3_bind_int(c->st, BENCH_W5_AUTHORS + 1, BENCH_W5_LIMIT);
    return blogs_author_run(c, c->st, "W5");
}

/* ---- W2: blogs, then comments ordered by blog ---- */

static int w2_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W2_BLOGS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W2_COMMENTS, &c->st2);
}

static int w2_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t hb = CK_SEED, hc = 0;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        hb = blog(hb, st);
    if (done(c, st, rc, SQL_W2_BLOGS))
        return -1;
    st = c->st2;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) /* parent = blog_id */
        hc += ck_child((uint64_t)sqlite3_column_int64(st, 1),
                       (uint64_t)sqlite3_column_int64(st, 0),
                       (const char *)sqlite3_column_text(st, 2),
                       (size_t)sqlite3_column_bytes(st, 2),
                       (uint64_t)sqlite3_column_int64(st, 3));
    c->sum = ck(hb, hc);
    return done(c, st, rc, SQL_W2_COMMENTS);
}

/* ---- W3: blogs with their comment count ---- */

static int w3_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W3, &c->st);
}

static int w3_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t h = CK_SEED;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        h = col_int(blog(h, st), st, 6);
    c->sum = h;
    return done(c, st, rc, SQL_W3);
}

/* ---- W4: aggregate ---- */

static int w4_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W4, &c->st);
}

static int w4_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t h = CK_SEED;
    c->r.executed++;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        h = col_int(h, st, 0);
        h = col_int(h, st, 1);
        h = ck_real(h, sqlite3_column_double(st, 2));
        h = col_int(h, st, 3);
        h = col_int(h, st, 4);
        rc = sqlite3_step(st);
    }
    c->sum = h;
    return done(c, st, rc, SQL_W4);
}

/* ---- W7: blogs by author name, with author; W8: OR / NOT ---- */

static int w7_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W7, &c->st);
}

static int w7_run(void *p)
{
    ctx *c = p;
    sqlite3_bind_text(c->st, 1, BENCH_W7_LETTER "*", -1, SQLITE_STATIC);
    return blogs_author_run(c, c->st, SQL_W7);
}

static int w8_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W8, &c->st);
}

static int w8_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t h = CK_SEED;
    int rc;
    sqlite3_bind_double(st, 1, BENCH_W8_RATING);
    sqlite3_bind_text(st, 2, "*" BENCH_W8_TITLE "*", -1, SQLITE_STATIC);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        h = blog(h, st);
    c->sum = h;
    return done(c, st, rc, SQL_W8);
}

/* ---- W9 / W9n: shared with hand_bench.c (rawdb.c) ---- */

static int w9_prepare(void *p) { return rawdb_w9_prepare(&((ctx *)p)->r); }
static int w9_run(void *p) { return rawdb_w9_run(&((ctx *)p)->r); }
static int w9n_run(void *p) { return rawdb_w9n_run(&((ctx *)p)->r); }
static int w9_check(void *p, uint64_t *sum) { return rawdb_w9_check(&((ctx *)p)->r, sum); }
static void w9_release(void *p) { rawdb_w9_release(&((ctx *)p)->r); }

/* ---- W10: comments of 100,000 ids, sent as one JSON array ---- */

static int w10_prepare_n(ctx *c, size_t n)
{
    int64_t ncomments;
    if (rawdb_ncomments(&c->r, &ncomments) ||
        rawdb_prepare_w10(&c->r, n, &c->st, &c->w10_json))
        return -1;
    c->w10_ids = malloc(n * sizeof *c->w10_ids);
    if (!c->w10_ids)
        return -1;
    for (size_t k = 0; k < n; k++)
        c->w10_ids[k] = bench_w10_id((int64_t)k, ncomments);
    c->w10_n = n;
    return 0;
}

static int w10_prepare(void *p) { return w10_prepare_n(p, BENCH_W10_IDS); }
static int w10p_prepare(void *p) { return w10_prepare_n(p, BENCH_W10P_IDS); }

static int w10_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    if (rawdb_bind_w10(&c->r, st, c->w10_json, c->w10_ids, c->w10_n,
                       &c->json, &c->json_cap))
        return -1;
    uint64_t h = CK_SEED;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        h = rawdb_ck_comment(h, sqlite3_column_int64(st, 0),
                             sqlite3_column_int64(st, 1),
                             (const char *)sqlite3_column_text(st, 2),
                             (size_t)sqlite3_column_bytes(st, 2),
                             sqlite3_column_int64(st, 3));
    c->sum = h;
    return done(c, st, rc, "W10");
}

/* ---- W11: blogs of a date range, then their comments ---- */

static int w11_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W11_BLOGS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W11_COMMENTS, &c->st2);
}

static int w11_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t hb = CK_SEED, hc = 0;
    int rc;
    sqlite3_bind_int64(st, 1, BENCH_W11_LO);
    sqlite3_bind_int64(st, 2, BENCH_W11_HI);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        hb = blog(hb, st);
    if (done(c, st, rc, SQL_W11_BLOGS))
        return -1;
    st = c->st2;
    sqlite3_bind_int64(st, 1, BENCH_W11_LO);
    sqlite3_bind_int64(st, 2, BENCH_W11_HI);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) /* parent = blog_id */
        hc += ck_child((uint64_t)sqlite3_column_int64(st, 1),
                       (uint64_t)sqlite3_column_int64(st, 0),
                       (const char *)sqlite3_column_text(st, 2),
                       (size_t)sqlite3_column_bytes(st, 2),
                       (uint64_t)sqlite3_column_int64(st, 3));
    c->sum = ck(hb, hc);
    return done(c, st, rc, SQL_W11_COMMENTS);
}

/* ---- W12: authors, blogs, comments (3 statements, every row) ---- */

static int w12_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W12_AUTHORS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W12_BLOGS, &c->st2) ||
           rawdb_prepare(&c->r, SQL_W12_COMMENTS, &c->st3);
}

/* The floor keeps one count per parent, indexed by its id (the parents
 * came in id order, so the last id is the largest): a child's place in
 * its parent's list is that count, as it streams in id order (ck_nth). */
static int w12_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t h = CK_SEED, sb = 0, sc = 0;
    uint32_t *na = NULL, *nb = NULL;
    int64_t amax = 0, bmax = 0;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        amax = sqlite3_column_int64(st, 0);
        h = author(h, st, 0);
    }
    if (done(c, st, rc, SQL_W12_AUTHORS))
        return -1;
    st = c->st2;
    if (!(na = calloc((size_t)amax + 1, sizeof *na)))
        return rawdb_fail(&c->r, "out of memory");
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t a = sqlite3_column_int64(st, 2);
        bmax = sqlite3_column_int64(st, 0);
        if (a >= 1 && a <= amax)
            sb += ck_nth((uint64_t)a, na[a]++, blog(CK_SEED, st));
    }
    free(na);
    if (done(c, st, rc, SQL_W12_BLOGS))
        return -1;
    st = c->st3;
    if (!(nb = calloc((size_t)bmax + 1, sizeof *nb)))
        return rawdb_fail(&c->r, "out of memory");
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(st, 1);
        if (b >= 1 && b <= bmax)
            sc += ck_nth((uint64_t)b, nb[b]++,
                         rawdb_ck_comment(CK_SEED, sqlite3_column_int64(st, 0), b,
                                          (const char *)sqlite3_column_text(st, 2),
                                          (size_t)sqlite3_column_bytes(st, 2),
                                          sqlite3_column_int64(st, 3)));
    }
    free(nb);
    c->sum = ck(ck(h, sb), sc);
    return done(c, st, rc, SQL_W12_COMMENTS);
}

/* ---- W13: every blog, then its 3 newest comments (2 statements) ---- */

static int w13_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W13_BLOGS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W13_COMMENTS, &c->st2);
}

/* The comments arrive grouped by blog, in order: a child's place in its
 * blog's list is the number of its blog's rows before it. */
static int w13_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t h = CK_SEED, sc = 0;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        h = blog(h, st);
    if (done(c, st, rc, SQL_W13_BLOGS))
        return -1;
    st = c->st2;
    sqlite3_bind_int(st, 1, BENCH_W13_PER_BLOG);
    c->r.executed++;
    int64_t prev = -1;
    uint64_t place = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(st, 1);
        place = b == prev ? place + 1 : 0;
        prev = b;
        sc += ck_nth((uint64_t)b, place,
                     rawdb_ck_comment(CK_SEED, sqlite3_column_int64(st, 0), b,
                                      (const char *)sqlite3_column_text(st, 2),
                                      (size_t)sqlite3_column_bytes(st, 2),
                                      sqlite3_column_int64(st, 3)));
    }
    c->sum = ck(h, sc);
    return done(c, st, rc, SQL_W13_COMMENTS);
}

/* ---- W14: every blog, then every link with its tag (2 statements) ---- */

static int w14_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W14_BLOGS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W14_TAGS, &c->st2);
}

/* The links stream in tag id order: a tag's place in its blog's list is
 * the number of that blog's links before it (one count per blog, indexed
 * by its id, as W12).  A tag's columns are read on its first row (its
 * links come together), as hand C and ormc read them. */
static int w14_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint64_t h = CK_SEED, s = 0;
    uint32_t *nb = NULL;
    int64_t bmax = 0;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bmax = sqlite3_column_int64(st, 0);
        h = blog(h, st);
    }
    if (done(c, st, rc, SQL_W14_BLOGS))
        return -1;
    if (!(nb = calloc((size_t)bmax + 1, sizeof *nb)))
        return rawdb_fail(&c->r, "out of memory");
    st = c->st2;
    c->r.executed++;
    int64_t tid = 0;
    uint64_t t = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(st, 2), id = sqlite3_column_int64(st, 0);
        if (id != tid || !t) { /* a tag's first row: its columns */
            tid = id;
            t = ck_text(ck(CK_SEED, (uint64_t)id),
                        (const char *)sqlite3_column_text(st, 1),
                        (size_t)sqlite3_column_bytes(st, 1));
        }
        if (b >= 1 && b <= bmax)
            s += ck_nth((uint64_t)b, nb[b]++, t);
    }
    free(nb);
    c->sum = ck(h, s);
    return done(c, st, rc, SQL_W14_TAGS);
}

/* ---- W6: shared with hand_bench.c (rawdb.c) ---- */

static int w6_prepare(void *p) { return rawdb_w6_prepare(&((ctx *)p)->r); }
static int w6_run(void *p) { return rawdb_w6_run(&((ctx *)p)->r); }
static int w6_check(void *p, uint64_t *sum) { return rawdb_w6_check(&((ctx *)p)->r, sum); }
static void w6_release(void *p) { rawdb_w6_release(&((ctx *)p)->r); }

static const bench_workload workloads[] = {
    {"W0", w0_prepare, w0_run, sum_check, NULL},
    {"W0sr", w0sr_prepare, w0sr_run, sum_check, NULL},
    {"W1", w1_prepare, w1_run, sum_check, NULL},
    {"W2", w2_prepare, w2_run, sum_check, NULL},
    {"W3", w3_prepare, w3_run, sum_check, NULL},
    {"W4", w4_prepare, w4_run, sum_check, NULL},
    {"W5", w5_prepare, w5_run, sum_check, NULL},
    {"W6", w6_prepare, w6_run, w6_check, w6_release},
    {"W7", w7_prepare, w7_run, sum_check, NULL},
    {"W8", w8_prepare, w8_run, sum_check, NULL},
    {"W9", w9_prepare, w9_run, w9_check, w9_release},
    {"W9n", w9_prepare, w9n_run, w9_check, w9_release},
    {"W10", w10_prepare, w10_run, sum_check, NULL},
    {"W10p", w10p_prepare, w10_run, sum_check, NULL},
    {"W11", w11_prepare, w11_run, sum_check, NULL},
    {"W12", w12_prepare, w12_run, sum_check, NULL},
    {"W13", w13_prepare, w13_run, sum_check, NULL},
    {"W14", w14_prepare, w14_run, sum_check, NULL},
};

int main(int argc, char **argv)
{
    static const bench_contestant c = {
        "floor", workloads, sizeof workloads / sizeof *workloads,
        c_open, c_close, c_statements, c_errmsg};
    return bench_main(argc, argv, &c);
}
