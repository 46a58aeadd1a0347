/*
 * ormc_bench.c — contestant 1: the code ormc generates from examples/blog.orm
 * ($(B)/gen/blog.orm.h), used as an application would.
 *
 * Usage: ormc_bench DBFILE WORKLOAD RUNS   (see harness.h, bench/README.md)
 */
#include "blog.orm.h"
#include "checksum.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
    ormc_db *db;
    int64_t nauthors, nblogs;
    AuthorList authors_l;/* W12 */
    BookList books;      /* W0, W0sr */
    Author **authors;    /* W0: one author_get per book */
    BlogList blogs;      /* W1, W2, W3, W5, W7..W9n, W11, W13, W14 */
    ormc_int_stats stats;/* W4 */
    bench_w6_input w6;   /* W6 */
    int64_t w6_before;   /* W6: largest comment id before the inserts */
    CommentList comments;/* W10 */
    int64_t *w10_ids;    /* W10: the ids (input, untimed) */
    size_t w10_n;
    int64_t w9_max, w9_changed; /* W9, W9n */
} ctx;

static int ok(int rc) { return rc == ORMC_OK ? 0 : -1; }

static int c_open(const char *path, void **out)
{
    ctx *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return -1;
    return ok(ormc_open(path, &c->db));
}

static void c_close(void *p)
{
    ctx *c = p;
    if (!c)
        return;
    bench_w6_free(&c->w6);
    free(c->w10_ids);
    ormc_close(c->db);
    free(c);
}

static uint64_t c_statements(void *p) { return ormc_query_count(((ctx *)p)->db); }

static char order_msg[96]; /* set by W2's check */

static const char *c_errmsg(void *p)
{
    if (order_msg[0])
        return order_msg;
    return p ? ormc_errmsg(((ctx *)p)->db) : "out of memory";
}

static uint64_t ck_str(uint64_t h, const char *s)
{
    return ck_text(h, s, strlen(s));
}

static uint64_t ck_author(uint64_t h, const Author *a)
{
    h = ck(h, (uint64_t)a->id);
    h = ck_str(h, a->name);
    return ck_str(h, a->email);
}

static uint64_t ck_book(uint64_t h, const Book *b)
{
    h = ck(h, (uint64_t)b->id);
    h = ck_str(h, b->title);
    h = ck(h, (uint64_t)b->author_id);
    h = ck_real(h, b->price);
    return ck(h, (uint64_t)b->pages);
}

static uint64_t ck_blog(uint64_t h, const Blog *b)
{
    h = ck(h, (uint64_t)b->id);
    h = ck_str(h, b->title);
    h = ck(h, (uint64_t)b->author_id);
    h = ck(h, b->editor_null ? CK_NULL : (uint64_t)b->editor_id);
    h = ck(h, (uint64_t)b->created);
    return b->rating_null ? ck(h, CK_NULL) : ck_real(h, b->rating);
}

/* Counts authors and blogs (untimed, for the W5/W6 inputs). */
static int sizes(ctx *c)
{
    return ok(author_count(c->db, NULL, &c->nauthors)) ||
           ok(blog_count(c->db, NULL, &c->nblogs));
}

/* ---- W0: the naive N+1 loop: 1,000 books, then author_get per book ---- */

static int w0_run(void *p)
{
    ctx *c = p;
    BookQuery q;
    book_query_init(&q);
    book_limit(&q, BENCH_W0_BOOKS);
    if (book_fetch(c->db, &q, &c->books) != ORMC_OK)
        return -1;
    c->authors = calloc(c->books.count ? c->books.count : 1, sizeof *c->authors);
    if (!c->authors)
        return -1;
    for (size_t i = 0; i < c->books.count; i++)
        if (author_get(c->db, c->books.items[i].author_id, &c->authors[i]) !=
            ORMC_OK)
            return -1;
    return 0;
}

static int w0_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->books.count; i++) {
        h = ck(h, ck_book(CK_SEED, &c->books.items[i]));
        h = ck_author(h, c->authors[i]);
    }
    *sum = h;
    return 0;
}

static void w0_release(void *p)
{
    ctx *c = p;
    if (c->authors)
        for (size_t i = 0; i < c->books.count; i++)
            author_free(c->authors[i]);
    free(c->authors);
    c->authors = NULL;
    book_list_free(&c->books);
}

/* ---- W0sr: the same 1,000 books with book_with_author ---- */

static int w0sr_run(void *p)
{
    ctx *c = p;
    BookQuery q;
    book_query_init(&q);
    book_limit(&q, BENCH_W0_BOOKS);
    book_with_author(&q);
    return ok(book_fetch(c->db, &q, &c->books));
}

static int w0sr_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->books.count; i++) {
        h = ck(h, ck_book(CK_SEED, &c->books.items[i]));
        h = ck_author(h, c->books.items[i].author);
    }
    *sum = h;
    return 0;
}

static void books_release(void *p) { book_list_free(&((ctx *)p)->books); }

/* ---- W1: select_related, all blogs with their author ---- */

static int w1_run(void *p)
{
    ctx *c = p;
    BlogQuery q;
    blog_query_init(&q);
    blog_with_author(&q);
    return ok(blog_fetch(c->db, &q, &c->blogs));
}

static int blogs_author_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->blogs.count; i++) {
        h = ck_blog(h, &c->blogs.items[i]);
        h = ck_author(h, c->blogs.items[i].author);
    }
    *sum = h;
    return 0;
}

static void blogs_release(void *p) { blog_list_free(&((ctx *)p)->blogs); }

/* ---- W2: prefetch_related, all blogs with their comments ---- */

static int w2_run(void *p)
{
    ctx *c = p;
    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_comments(&q);
    return ok(blog_fetch(c->db, &q, &c->blogs));
}

static int order_error(ctx *c, int64_t blog)
{
    (void)c;
    snprintf(order_msg, sizeof order_msg,
             "blog %lld: comments not in ascending id order", (long long)blog);
    return -1;
}

static int w2_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t hb = CK_SEED, hc = 0;
    for (size_t i = 0; i < c->blogs.count; i++) {
        const Blog *b = &c->blogs.items[i];
        hb = ck_blog(hb, b);
        for (size_t k = 0; k < b->rel->comments.count; k++) {
            const Comment *m = b->rel->comments.items[k];
            if (k && m->id <= b->rel->comments.items[k - 1]->id)
                return order_error(c, b->id);
            hc += ck_child((uint64_t)b->id, (uint64_t)m->id, m->content,
                           strlen(m->content), (uint64_t)m->score);
        }
    }
    *sum = ck(hb, hc);
    return 0;
}

/* ---- W3: annotate(Count), all blogs with their comment count ---- */

static int w3_run(void *p)
{
    ctx *c = p;
    BlogQuery q;
    blog_query_init(&q);
    blog_count_comments(&q);
    return ok(blog_fetch(c->db, &q, &c->blogs));
}

static int w3_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->blogs.count; i++) {
        h = ck_blog(h, &c->blogs.items[i]);
        h = ck(h, (uint64_t)c->blogs.items[i].rel->comments_count);
    }
    *sum = h;
    return 0;
}

/* ---- W4: aggregate over comment.score ---- */

static int w4_run(void *p)
{
    ctx *c = p;
    return ok(comment_aggregate_score(c->db, NULL, &c->stats));
}

static int w4_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    h = ck(h, (uint64_t)c->stats.count);
    h = ck(h, (uint64_t)c->stats.sum);
    h = ck_real(h, c->stats.avg);
    h = ck(h, (uint64_t)c->stats.min);
    *sum = ck(h, (uint64_t)c->stats.max);
    return 0;
}

/* ---- W5: blogs of 50 authors, newest first, 100 rows, with author ---- */

static int64_t w5_ids[BENCH_W5_AUTHORS];

static int w5_prepare(void *p)
{
    ctx *c = p;
    if (sizes(c))
        return -1;
    for (int64_t k = 0; k < BENCH_W5_AUTHORS; k++)
        w5_ids[k] = bench_w5_author_id(k, c->nauthors);
    return 0;
}

static int w5_run(void *p)
{
    ctx *c = p;
    BlogQuery q;
    blog_query_init(&q);
    blog_where_author_id_in(&q, w5_ids, BENCH_W5_AUTHORS);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_limit(&q, BENCH_W5_LIMIT);
    blog_with_author(&q);
    return ok(blog_fetch(c->db, &q, &c->blogs));
}

/* ---- W6: 100,000 comment_insert in one transaction, rolled back ---- */

static int w6_prepare(void *p)
{
    ctx *c = p;
    if (sizes(c))
        return -1;
    CommentQuery q;
    CommentList last;
    comment_query_init(&q);
    comment_order_by(&q, COMMENT_ID.path, ORMC_DESC);
    comment_limit(&q, 1);
    if (comment_fetch(c->db, &q, &last) != ORMC_OK)
        return -1;
    c->w6_before = last.count ? last.items[0].id : 0;
    comment_list_free(&last);
    return bench_w6_build(&c->w6, c->nblogs);
}

static int w6_run(void *p)
{
    ctx *c = p;
    if (ormc_begin(c->db) != ORMC_OK)
        return -1;
    for (size_t i = 0; i < BENCH_W6_ROWS; i++) {
        Comment m;
        comment_init(&m);
        m.blog_id = c->w6.blog_id[i];
        m.content = c->w6.content[i];
        m.score = c->w6.score[i];
        if (comment_insert(c->db, &m) != ORMC_OK)
            return -1;
    }
    return 0;
}

/* Reads the inserted rows back (inside the open transaction), 10,000 at a
 * time so the check does not raise the peak RSS of the run. */
static int w6_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    int64_t last = c->w6_before;
    for (;;) {
        CommentQuery q;
        CommentList rows;
        comment_query_init(&q);
        comment_where_id(&q, ORMC_GT, last);
        comment_limit(&q, 10000);
        if (comment_fetch(c->db, &q, &rows) != ORMC_OK)
            return -1;
        for (size_t i = 0; i < rows.count; i++) {
            const Comment *m = &rows.items[i];
            h = ck(h, (uint64_t)m->id);
            h = ck(h, (uint64_t)m->blog_id);
            h = ck_str(h, m->content);
            h = ck(h, (uint64_t)m->score);
            last = m->id;
        }
        size_t n = rows.count;
        comment_list_free(&rows);
        if (n == 0)
            break;
    }
    *sum = h;
    return 0;
}

static void w6_release(void *p)
{
    ctx *c = p;
    if (ormc_in_transaction(c->db))
        ormc_rollback(c->db);
}

/* ---- W7: blogs whose author's name starts with a letter, with author ---- */

static int w7_run(void *p)
{
    ctx *c = p;
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_STARTSWITH,
                     BENCH_W7_LETTER);
    blog_with_author(&q);
    int rc = blog_fetch(c->db, &q, &c->blogs);
    blog_query_free(&q);
    return ok(rc);
}

/* ---- W8: (rating >= 4 OR title contains "zz") AND NOT (editor IS NULL) ---- */

static int w8_run(void *p)
{
    ctx *c = p;
    BlogQuery q;
    blog_query_init(&q);
    blog_or(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_GE, BENCH_W8_RATING);
    blog_filter_text(&q, BLOG_TITLE, ORMC_CONTAINS, BENCH_W8_TITLE);
    blog_end(&q);
    blog_not(&q);
    blog_filter_null(&q, BLOG_EDITOR_ID.path, true);
    blog_end(&q);
    int rc = blog_fetch(c->db, &q, &c->blogs);
    blog_query_free(&q);
    return ok(rc);
}

static int blogs_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->blogs.count; i++)
        h = ck_blog(h, &c->blogs.items[i]);
    *sum = h;
    return 0;
}

/* ---- W9: rating + 0.5 on the blogs of the first tenth of the authors:
 * one blog_update_where; W9n: the naive loop, blog_fetch then blog_update
 * per row.  Inside a transaction rolled back by release. ---- */

static int w9_prepare(void *p)
{
    ctx *c = p;
    if (sizes(c))
        return -1;
    c->w9_max = bench_w9_max_author(c->nauthors);
    return 0;
}

static int w9_run(void *p)
{
    ctx *c = p;
    if (ormc_begin(c->db) != ORMC_OK)
        return -1;
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_LE, c->w9_max);
    blog_set_add_real(&q, BLOG_RATING, BENCH_W9_DELTA);
    int rc = blog_update_where(c->db, &q, &c->w9_changed);
    blog_query_free(&q);
    return ok(rc);
}

static int w9n_run(void *p)
{
    ctx *c = p;
    if (ormc_begin(c->db) != ORMC_OK)
        return -1;
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_LE, c->w9_max);
    int rc = blog_fetch(c->db, &q, &c->blogs);
    blog_query_free(&q);
    if (rc != ORMC_OK)
        return -1;
    for (size_t i = 0; i < c->blogs.count; i++) {
        Blog *b = &c->blogs.items[i];
        if (!b->rating_null)
            b->rating += BENCH_W9_DELTA;
        if (blog_update(c->db, b) != ORMC_OK)
            return -1;
    }
    c->w9_changed = (int64_t)c->blogs.count;
    return 0;
}

static int w9_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    ormc_real_stats some, all;
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_LE, c->w9_max);
    int rc = blog_aggregate_rating(c->db, &q, &some);
    blog_query_free(&q);
    if (rc != ORMC_OK || blog_aggregate_rating(c->db, NULL, &all) != ORMC_OK)
        return -1;
    uint64_t h = ck(CK_SEED, (uint64_t)c->w9_changed);
    h = ck(h, (uint64_t)some.count);
    h = ck_real(h, some.count ? some.sum : 0.0);
    h = ck(h, (uint64_t)all.count);
    *sum = ck_real(h, all.count ? all.sum : 0.0);
    return 0;
}

static void w9_release(void *p)
{
    ctx *c = p;
    blog_list_free(&c->blogs);
    if (ormc_in_transaction(c->db))
        ormc_rollback(c->db);
}

/* ---- W10: comments whose id is in a list of 100,000 ---- */

static int w10_prepare_n(ctx *c, size_t n)
{
    int64_t ncomments;
    if (comment_count(c->db, NULL, &ncomments) != ORMC_OK)
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
    CommentQuery q;
    comment_query_init(&q);
    comment_filter_int_in(&q, COMMENT_ID, ORMC_IN, c->w10_ids, c->w10_n);
    int rc = comment_fetch(c->db, &q, &c->comments);
    comment_query_free(&q);
    return ok(rc);
}

static int w10_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->comments.count; i++) {
        const Comment *m = &c->comments.items[i];
        h = ck(h, (uint64_t)m->id);
        h = ck(h, (uint64_t)m->blog_id);
        h = ck_str(h, m->content);
        h = ck(h, (uint64_t)m->score);
    }
    *sum = h;
    return 0;
}

static void comments_release(void *p) { comment_list_free(&((ctx *)p)->comments); }

/* ---- W11: blogs of a date range with their comments prefetched ---- */

static int w11_run(void *p)
{
    ctx *c = p;
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_time_range(&q, BLOG_CREATED, BENCH_W11_LO, BENCH_W11_HI);
    blog_prefetch_comments(&q);
    int rc = blog_fetch(c->db, &q, &c->blogs);
    blog_query_free(&q);
    return ok(rc);
}

/* ---- W12: nested prefetch, authors -> blogs -> comments (3 statements) ---- */

static uint64_t ck_comment(const Comment *m)
{
    uint64_t h = ck(CK_SEED, (uint64_t)m->id);
    h = ck(h, (uint64_t)m->blog_id);
    h = ck_str(h, m->content);
    return ck(h, (uint64_t)m->score);
}

/* The children of b, each at its place: ck_nth over b->rel->comments. */
static uint64_t ck_comments_of(const Blog *b)
{
    uint64_t s = 0;
    for (size_t k = 0; k < b->rel->comments.count; k++)
        s += ck_nth((uint64_t)b->id, k, ck_comment(b->rel->comments.items[k]));
    return s;
}

static int w12_run(void *p)
{
    ctx *c = p;
    BlogQuery bq;
    blog_query_init(&bq);
    blog_prefetch_comments(&bq);
    AuthorQuery q;
    author_query_init(&q);
    author_prefetch_blogs_from(&q, &bq);
    int rc = author_fetch(c->db, &q, &c->authors_l);
    author_query_free(&q);
    blog_query_free(&bq);
    return ok(rc);
}

static int w12_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED, sb = 0, sc = 0;
    for (size_t i = 0; i < c->authors_l.count; i++) {
        const Author *a = &c->authors_l.items[i];
        h = ck_author(h, a);
        for (size_t k = 0; k < a->rel->blogs.count; k++) {
            const Blog *b = a->rel->blogs.items[k];
            sb += ck_nth((uint64_t)a->id, k, ck_blog(CK_SEED, b));
            sc += ck_comments_of(b);
        }
    }
    *sum = ck(ck(h, sb), sc);
    return 0;
}

static void authors_release(void *p) { author_list_free(&((ctx *)p)->authors_l); }

/* ---- W13: every blog with its 3 newest comments (2 statements) ---- */

static int w13_run(void *p)
{
    ctx *c = p;
    CommentQuery cq;
    comment_query_init(&cq);
    comment_order_by(&cq, COMMENT_ID.path, ORMC_DESC);
    comment_limit(&cq, BENCH_W13_PER_BLOG);
    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_comments_from(&q, &cq);
    int rc = blog_fetch(c->db, &q, &c->blogs);
    blog_query_free(&q);
    comment_query_free(&cq);
    return ok(rc);
}

static int w13_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED, sc = 0;
    for (size_t i = 0; i < c->blogs.count; i++) {
        h = ck_blog(h, &c->blogs.items[i]);
        sc += ck_comments_of(&c->blogs.items[i]);
    }
    *sum = ck(h, sc);
    return 0;
}

/* ---- W14: many-to-many, every blog with its tags (2 statements) ---- */

static int w14_run(void *p)
{
    ctx *c = p;
    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_tags(&q);
    int rc = blog_fetch(c->db, &q, &c->blogs);
    blog_query_free(&q);
    return ok(rc);
}

/* Each blog, then the ck_nth sum over each blog's tags (id order). */
static int w14_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED, st = 0;
    for (size_t i = 0; i < c->blogs.count; i++) {
        const Blog *b = &c->blogs.items[i];
        h = ck_blog(h, b);
        for (size_t k = 0; k < b->rel->tags.count; k++) {
            const Tag *t = b->rel->tags.items[k];
            st += ck_nth((uint64_t)b->id, k, ck_str(ck(CK_SEED, (uint64_t)t->id),
                                                    t->name));
        }
    }
    *sum = ck(h, st);
    return 0;
}

static const bench_workload workloads[] = {
    {"W0", NULL, w0_run, w0_check, w0_release},
    {"W0sr", NULL, w0sr_run, w0sr_check, books_release},
    {"W1", NULL, w1_run, blogs_author_check, blogs_release},
    {"W2", NULL, w2_run, w2_check, blogs_release},
    {"W3", NULL, w3_run, w3_check, blogs_release},
    {"W4", NULL, w4_run, w4_check, NULL},
    {"W5", w5_prepare, w5_run, blogs_author_check, blogs_release},
    {"W6", w6_prepare, w6_run, w6_check, w6_release},
    {"W7", NULL, w7_run, blogs_author_check, blogs_release},
    {"W8", NULL, w8_run, blogs_check, blogs_release},
    {"W9", w9_prepare, w9_run, w9_check, w9_release},
    {"W9n", w9_prepare, w9n_run, w9_check, w9_release},
    {"W10", w10_prepare, w10_run, w10_check, comments_release},
    {"W10p", w10p_prepare, w10_run, w10_check, comments_release},
    {"W11", NULL, w11_run, w2_check, blogs_release},
    {"W12", NULL, w12_run, w12_check, authors_release},
    {"W13", NULL, w13_run, w13_check, blogs_release},
    {"W14", NULL, w14_run, w14_check, blogs_release},
};

int main(int argc, char **argv)
{
    static const bench_contestant c = {
        "ormc", workloads, sizeof workloads / sizeof *workloads,
        c_open, c_close, c_statements, c_errmsg};
    return bench_main(argc, argv, &c);
}
