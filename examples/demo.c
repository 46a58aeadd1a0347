/*
 * demo.c — Django's four QuerySet techniques with ormc, against the naive
 * N+1 loops they replace, on a fresh SQLite file.
 *
 *   make demo            (runs build/demo build/demo.db)
 *
 * Seeds deterministic data (300 authors, 1,000 books, 2,000 blogs, 10,000
 * comments), then for each technique prints a few rows, and the naive and
 * the ormc version side by side with their statement counts and times.
 * It checks its own statement counts and results: any mismatch exits 1.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "blog.orm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { AUTHORS = 300, BOOKS = 1000, BLOGS = 2000, COMMENTS = 10000 };

static int failures;

/* Stops the demo on an unexpected database error. */
static void check(ormc_db *db, int rc, const char *what)
{
    if (rc != ORMC_OK) {
        fprintf(stderr, "demo: %s failed: %s (%s)\n", what, ormc_errmsg(db),
                ormc_status_name(rc));
        exit(1);
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(uint64_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 2685821657736338717ull) % n;
}

static const char *const WORDS[] = {
    "query", "index", "join", "table", "cache", "row", "schema", "commit",
    "lock", "page", "tree", "plan", "scan", "merge", "batch", "shard"};

/* A sentence of `n` random words in buf. */
static const char *words(char *buf, size_t size, int n)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strncat(buf, " ", size - strlen(buf) - 1);
        strncat(buf, WORDS[rnd(16)], size - strlen(buf) - 1);
    }
    buf[0] = (char)(buf[0] - 32);
    return buf;
}

static void seed(ormc_db *db)
{
    char name[64], email[64], text[256];
    check(db, ormc_begin(db), "begin");
    for (int i = 0; i < AUTHORS; i++) {
        Author a;
        author_init(&a);
        snprintf(name, sizeof name, "Author %03d", i + 1);
        snprintf(email, sizeof email, "author%03d@example.org", i + 1);
        a.name = name;
        a.email = email;
        check(db, author_insert(db, &a), "author_insert");
    }
    for (int i = 0; i < BOOKS; i++) {
        Book b;
        book_init(&b);
        b.title = words(text, sizeof text, 3 + (int)rnd(4));
        b.author_id = 1 + (int64_t)rnd(AUTHORS);
        b.price = 5 + (double)rnd(4000) / 100;
        b.pages = 50 + (int64_t)rnd(900);
        check(db, book_insert(db, &b), "book_insert");
    }
    for (int i = 0; i < BLOGS; i++) {
        Blog b;
        blog_init(&b);
        b.title = words(text, sizeof text, 2 + (int)rnd(5));
        b.author_id = 1 + (int64_t)rnd(AUTHORS);
        b.editor_null = rnd(3) == 0;
        b.editor_id = b.editor_null ? 0 : 1 + (int64_t)rnd(AUTHORS);
        b.created = 1700000000 + (int64_t)i * 3600;
        b.rating_null = rnd(4) == 0;
        double rating = (double)(1 + rnd(50)) / 10; /* drawn either way */
        b.rating = b.rating_null ? 0 : rating; /* NULL: the value stays 0 */
        check(db, blog_insert(db, &b), "blog_insert");
    }
    for (int i = 0; i < COMMENTS; i++) {
        Comment c;
        comment_init(&c);
        c.blog_id = 1 + (int64_t)rnd(BLOGS);
        c.content = words(text, sizeof text, 8 + (int)rnd(20));
        c.score = (int64_t)rnd(11);
        check(db, comment_insert(db, &c), "comment_insert");
    }
    check(db, ormc_commit(db), "commit");
}

/* One measured run: statements and milliseconds since `start`. */
typedef struct Run {
    uint64_t statements;
    double ms;
} Run;

static Run finish(ormc_db *db, double start)
{
    Run r = {ormc_query_count(db), now_ms() - start};
    return r;
}

static void start(ormc_db *db, double *t)
{
    ormc_reset_counts(db);
    *t = now_ms();
}

/* Prints naive vs ormc and checks the statement counts. */
static void compare(const char *what, Run naive, uint64_t naive_expect,
                    const char *call, Run orm, uint64_t orm_expect)
{
    printf("  %-24s: %5llu statements %8.2f ms\n", "naive loop",
           (unsigned long long)naive.statements, naive.ms);
    printf("  %-24s: %5llu statement%s %7.2f ms   (%.0fx fewer statements, "
           "%.1fx faster)\n",
           call, (unsigned long long)orm.statements,
           orm.statements == 1 ? " " : "s", orm.ms,
           (double)naive.statements / (double)orm.statements,
           orm.ms > 0 ? naive.ms / orm.ms : 0.0);
    if (naive.statements != naive_expect || orm.statements != orm_expect) {
        printf("  MISMATCH in %s: expected %llu and %llu statements\n", what,
               (unsigned long long)naive_expect,
               (unsigned long long)orm_expect);
        failures++;
    }
}

static void expect_equal(const char *what, long long naive, long long orm)
{
    if (naive != orm) {
        printf("  MISMATCH in %s: naive %lld, ormc %lld\n", what, naive, orm);
        failures++;
    }
}

/* select_related: every book with its author. */
static void demo_select_related(ormc_db *db)
{
    double t;
    printf("\n1. select_related — books with their author\n");
    start(db, &t);
    BookList books;
    check(db, book_fetch(db, NULL, &books), "book_fetch");
    long long naive_sum = 0;
    for (size_t i = 0; i < books.count; i++) {
        Author *a;
        check(db, author_get(db, books.items[i].author_id, &a), "author_get");
        naive_sum += (long long)strlen(a->name);
        author_free(a);
    }
    Run naive = finish(db, t);
    book_list_free(&books);

    start(db, &t);
    BookQuery q;
    book_query_init(&q);
    book_with_author(&q);
    check(db, book_fetch(db, &q, &books), "book_fetch with_author");
    Run orm = finish(db, t);
    long long orm_sum = 0;
    for (size_t i = 0; i < books.count; i++)
        orm_sum += (long long)strlen(books.items[i].author->name);
    for (size_t i = 0; i < 3; i++)
        printf("  \"%s\" by %s\n", books.items[i].title,
               books.items[i].author->name);
    compare("select_related", naive, BOOKS + 1, "book_with_author", orm, 1);
    expect_equal("author names", naive_sum, orm_sum);
    book_list_free(&books);
}

/* prefetch_related: every blog with its comments. */
static void demo_prefetch_related(ormc_db *db)
{
    double t;
    printf("\n2. prefetch_related — blogs with their comments\n");
    start(db, &t);
    BlogList blogs;
    check(db, blog_fetch(db, NULL, &blogs), "blog_fetch");
    long long naive_n = 0;
    for (size_t i = 0; i < blogs.count; i++) {
        CommentQuery cq;
        CommentList comments;
        comment_query_init(&cq);
        comment_where_blog_id(&cq, ORMC_EQ, blogs.items[i].id);
        check(db, comment_fetch(db, &cq, &comments), "comment_fetch");
        naive_n += (long long)comments.count;
        comment_list_free(&comments);
    }
    Run naive = finish(db, t);
    blog_list_free(&blogs);

    start(db, &t);
    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_comments(&q);
    check(db, blog_fetch(db, &q, &blogs), "blog_fetch prefetch");
    Run orm = finish(db, t);
    long long orm_n = 0;
    for (size_t i = 0; i < blogs.count; i++)
        orm_n += (long long)blogs.items[i].rel->comments.count;
    for (size_t i = 0; i < 3; i++) {
        const Blog *b = &blogs.items[i];
        printf("  \"%s\": %zu comments%s%s%s\n", b->title, b->rel->comments.count,
               b->rel->comments.count ? ", first: \"" : "",
               b->rel->comments.count ? b->rel->comments.items[0]->content : "",
               b->rel->comments.count ? "\"" : "");
    }
    compare("prefetch_related", naive, BLOGS + 1, "blog_prefetch_comments",
            orm, 2);
    expect_equal("comments", naive_n, orm_n);
    expect_equal("comments total", COMMENTS, orm_n);
    blog_list_free(&blogs);
}

/* annotate(Count): every blog with its number of comments. */
static void demo_annotate(ormc_db *db)
{
    double t;
    printf("\n3. annotate(Count) — blogs with their comment count\n");
    start(db, &t);
    BlogList blogs;
    check(db, blog_fetch(db, NULL, &blogs), "blog_fetch");
    long long naive_n = 0;
    for (size_t i = 0; i < blogs.count; i++) {
        CommentQuery cq;
        int64_t n;
        comment_query_init(&cq);
        comment_where_blog_id(&cq, ORMC_EQ, blogs.items[i].id);
        check(db, comment_count(db, &cq, &n), "comment_count");
        naive_n += n;
    }
    Run naive = finish(db, t);
    blog_list_free(&blogs);

    start(db, &t);
    BlogQuery q;
    blog_query_init(&q);
    blog_count_comments(&q);
    check(db, blog_fetch(db, &q, &blogs), "blog_fetch count");
    Run orm = finish(db, t);
    long long orm_n = 0;
    for (size_t i = 0; i < blogs.count; i++)
        orm_n += blogs.items[i].rel->comments_count;
    for (size_t i = 0; i < 3; i++)
        printf("  \"%s\": %lld comments\n", blogs.items[i].title,
               (long long)blogs.items[i].rel->comments_count);
    compare("annotate", naive, BLOGS + 1, "blog_count_comments", orm, 1);
    expect_equal("comment counts", naive_n, orm_n);
    blog_list_free(&blogs);
}

/* aggregate: total and statistics of comment scores. */
static void demo_aggregate(ormc_db *db)
{
    double t;
    printf("\n4. aggregate — comment total and score statistics\n");
    start(db, &t);
    CommentList all;
    check(db, comment_fetch(db, NULL, &all), "comment_fetch");
    long long naive_sum = 0;
    for (size_t i = 0; i < all.count; i++)
        naive_sum += all.items[i].score;
    long long naive_total = (long long)all.count;
    Run naive = finish(db, t);
    comment_list_free(&all);

    start(db, &t);
    int64_t total;
    check(db, comment_count(db, NULL, &total), "comment_count");
    Run orm = finish(db, t);
    printf("  Comment total: %lld   (comment_count(db, NULL, &total))\n",
           (long long)total);
    ormc_int_stats s;
    check(db, comment_aggregate_score(db, NULL, &s), "aggregate");
    printf("  score: count %lld, sum %lld, avg %.3f, min %lld, max %lld\n",
           (long long)s.count, (long long)s.sum, s.avg, (long long)s.min,
           (long long)s.max);
    printf("  (naive: fetch every comment and count in C)\n");
    compare("aggregate", naive, 1, "comment_count", orm, 1);
    expect_equal("comment total", naive_total, total);
    expect_equal("score sum", naive_sum, s.sum);
}

/* All four at once: a filtered, ordered page with everything loaded. */
static void demo_combined(ormc_db *db)
{
    double t;
    printf("\n5. all together — newest 5 rated blogs of author 7, with author, "
           "editor,\n   comments and comment count\n");
    start(db, &t);
    BlogQuery q;
    BlogList blogs;
    blog_query_init(&q);
    blog_where_author_id(&q, ORMC_EQ, 7);
    blog_where_rating_null(&q, false);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_limit(&q, 5);
    blog_with_author(&q);
    blog_with_editor(&q);
    blog_prefetch_comments(&q);
    blog_count_comments(&q);
    check(db, blog_fetch(db, &q, &blogs), "blog_fetch combined");
    Run orm = finish(db, t);
    for (size_t i = 0; i < blogs.count; i++) {
        const Blog *b = &blogs.items[i];
        printf("  #%lld \"%s\" by %s, editor %s, rating %.1f, %lld comments "
               "(%zu loaded)\n",
               (long long)b->id, b->title, b->author->name,
               b->editor ? b->editor->name : "(none)", b->rating,
               (long long)b->rel->comments_count, b->rel->comments.count);
        expect_equal("loaded vs counted", b->rel->comments_count,
                     (long long)b->rel->comments.count);
    }
    printf("  %llu statements, %.2f ms\n", (unsigned long long)orm.statements,
           orm.ms);
    if (orm.statements != 2) {
        printf("  MISMATCH: expected 2 statements\n");
        failures++;
    }
    blog_list_free(&blogs);
}

/* Whether s contains the lowercase ASCII word w, ignoring ASCII case. */
static bool icontains_ascii(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; *s; s++) {
        size_t k = 0;
        while (k < n && s[k] && (s[k] | 0x20) == w[k])
            k++;
        if (k == n)
            return true;
    }
    return false;
}

/* Filters across relations and OR / NOT: Django's
 *   Blog.objects.filter(author__name__startswith="Author 00")
 *       .filter(Q(editor__isnull=True) | Q(rating__gte=4))
 *       .exclude(title__icontains="row")
 * naively: every blog, then each one's author looked up and tested in C. */
static void demo_query_language(ormc_db *db)
{
    double t;
    printf("\n6. filters across relations, OR and NOT — blogs of authors "
           "001-009, without an\n   editor or rated >= 4, but not with "
           "\"row\" in the title\n");
    start(db, &t);
    BlogList blogs;
    check(db, blog_fetch(db, NULL, &blogs), "blog_fetch");
    long long naive_n = 0;
    for (size_t i = 0; i < blogs.count; i++) {
        const Blog *b = &blogs.items[i];
        Author *a;
        check(db, author_get(db, b->author_id, &a), "author_get");
        bool who = strncmp(a->name, "Author 00", 9) == 0;
        bool ok = b->editor_null || (!b->rating_null && b->rating >= 4);
        naive_n += who && ok && !icontains_ascii(b->title, "row");
        author_free(a);
    }
    blog_list_free(&blogs);
    Run naive = finish(db, t);

    start(db, &t);
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_STARTSWITH,
                     "Author 00");
    blog_or(&q);
    blog_filter_null(&q, BLOG_EDITOR_ID.path, true);
    blog_filter_real(&q, BLOG_RATING, ORMC_GE, 4);
    blog_end(&q);
    blog_not(&q);
    blog_filter_text(&q, BLOG_TITLE, ORMC_ICONTAINS, "row");
    blog_end(&q);
    check(db, blog_fetch(db, &q, &blogs), "blog_fetch query language");
    Run orm = finish(db, t);
    long long orm_n = (long long)blogs.count;
    printf("  %lld blogs\n", orm_n);
    blog_list_free(&blogs);
    blog_query_free(&q);
    compare("query language", naive, 1 + BLOGS, "blog_fetch", orm, 1);
    expect_equal("matching blogs", naive_n, orm_n);
}

/* A write over many rows: Django's
 *   Comment.objects.filter(blog__author_id=7).update(score=F("score") + 1)
 * naively: fetch the comments, then update each one. */
static void demo_bulk_update(ormc_db *db)
{
    double t;
    printf("\n7. update over a query — every comment on author 7's blogs "
           "scores one more\n");
    ormc_int_stats before, after;
    CommentQuery q;
    comment_query_init(&q);
    comment_filter_int(&q, comment_via_blog_int(BLOG_AUTHOR_ID), ORMC_EQ, 7);
    check(db, comment_aggregate_score(db, &q, &before), "aggregate");

    start(db, &t);
    CommentList comments;
    check(db, comment_fetch(db, &q, &comments), "comment_fetch");
    for (size_t i = 0; i < comments.count; i++) {
        Comment c = comments.items[i];
        c.score++;
        check(db, comment_update(db, &c), "comment_update");
    }
    long long naive_n = (long long)comments.count;
    comment_list_free(&comments);
    Run naive = finish(db, t);

    start(db, &t);
    comment_set_add_int(&q, COMMENT_SCORE, 1);
    int64_t changed = 0;
    check(db, comment_update_where(db, &q, &changed), "comment_update_where");
    Run orm = finish(db, t);
    printf("  %lld comments changed\n", (long long)changed);
    compare("bulk update", naive, 1 + (uint64_t)naive_n, "comment_update_where",
            orm, 1);
    expect_equal("changed rows", naive_n, changed);
    comment_query_init(&q);
    comment_filter_int(&q, comment_via_blog_int(BLOG_AUTHOR_ID), ORMC_EQ, 7);
    check(db, comment_aggregate_score(db, &q, &after), "aggregate");
    expect_equal("score sum, +1 twice per comment", before.sum + 2 * naive_n,
                 after.sum);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "demo.db";
    char side[512];
    remove(path); /* a fresh file every run */
    snprintf(side, sizeof side, "%s-journal", path);
    remove(side);
    ormc_db *db;
    if (ormc_open(path, &db) != ORMC_OK) {
        fprintf(stderr, "demo: %s\n", ormc_errmsg(db));
        ormc_close(db);
        return 1;
    }
    check(db, blog_schema_create(db), "blog_schema_create");
    double t0 = now_ms();
    seed(db);
    printf("ormc demo on %s: seeded %d authors, %d books, %d blogs, %d "
           "comments in %.0f ms\n",
           path, AUTHORS, BOOKS, BLOGS, COMMENTS, now_ms() - t0);
    demo_select_related(db);
    demo_prefetch_related(db);
    demo_annotate(db);
    demo_aggregate(db);
    demo_combined(db);
    demo_query_language(db);
    demo_bulk_update(db);
    ormc_close(db);
    if (failures) {
        printf("\ndemo: %d check%s FAILED\n", failures,
               failures == 1 ? "" : "s");
        return 1;
    }
    printf("\ndemo: all statement counts and results check out\n");
    return 0;
}
