/*
 * library_demo.c — relations in depth with ormc on examples/library.orm:
 * a nested prefetch, a many-to-many prefetch, a per-parent limit and
 * "the books of each order's lines", each against the naive loop it
 * replaces, with their statement counts.
 *
 *   make demo            (runs build/library_demo build/library.db after
 *                         the blog demo)
 *
 * Seeds deterministic data, prints a few rows of each case, and checks
 * its own statement counts and results: any mismatch exits 1.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "library.orm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    PUBLISHERS = 20, AUTHORS = 200, BOOKS = 2000, TAGS = 50,
    TAGS_PER_BOOK = 3, READERS = 500, REVIEWS = 10000, ORDERS = 1000,
    LINES_PER_ORDER = 3
};

static int failures;

static void check(ormc_db *db, int rc, const char *what)
{
    if (rc != ORMC_OK) {
        fprintf(stderr, "library_demo: %s: %s\n", what, ormc_errmsg(db));
        exit(1);
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(uint64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

static int64_t ids_pub[PUBLISHERS], ids_author[AUTHORS], ids_book[BOOKS],
    ids_tag[TAGS], ids_reader[READERS];

static void seed(ormc_db *db)
{
    char name[64];
    check(db, ormc_begin(db), "begin");
    for (int i = 0; i < PUBLISHERS; i++) {
        Publisher p;
        publisher_init(&p);
        snprintf(name, sizeof name, "Publisher %02d", i);
        p.name = name;
        check(db, publisher_insert(db, &p), "publisher_insert");
        ids_pub[i] = p.id;
    }
    for (int i = 0; i < AUTHORS; i++) {
        Author a;
        author_init(&a);
        snprintf(name, sizeof name, "Author %03d", i);
        a.name = name;
        if (i >= 10) { /* the first ten mentor the others */
            a.mentor_id = ids_author[i % 10];
            a.mentor_null = false;
        }
        check(db, author_insert(db, &a), "author_insert");
        ids_author[i] = a.id;
    }
    for (int i = 0; i < TAGS; i++) {
        Tag t;
        tag_init(&t);
        snprintf(name, sizeof name, "tag-%02d", i);
        t.name = name;
        check(db, tag_insert(db, &t), "tag_insert");
        ids_tag[i] = t.id;
    }
    for (int i = 0; i < BOOKS; i++) {
        Book b;
        book_init(&b);
        snprintf(name, sizeof name, "Book %04d", i);
        b.title = name;
        b.publisher_id = ids_pub[rnd(PUBLISHERS)];
        b.price = 5 + (double)rnd(4000) / 100;
        b.published = 1600000000 + (int64_t)rnd(100000000);
        check(db, book_insert(db, &b), "book_insert");
        ids_book[i] = b.id;
        int64_t t[TAGS_PER_BOOK];
        for (int k = 0; k < TAGS_PER_BOOK; k++) /* duplicates are ignored */
            t[k] = ids_tag[rnd(TAGS)];
        check(db, book_add_tags(db, b.id, t, TAGS_PER_BOOK), "book_add_tags");
        Credit c;
        credit_init(&c);
        c.book_id = b.id;
        c.author_id = ids_author[rnd(AUTHORS)];
        check(db, credit_insert(db, &c), "credit_insert");
    }
    for (int i = 0; i < READERS; i++) {
        Reader r;
        reader_init(&r);
        char email[64];
        snprintf(name, sizeof name, "Reader %03d", i);
        snprintf(email, sizeof email, "reader%03d@example.org", i);
        r.name = name;
        r.email = email;
        check(db, reader_insert(db, &r), "reader_insert");
        ids_reader[i] = r.id;
    }
    for (int i = 0; i < REVIEWS; i++) {
        Review r;
        review_init(&r);
        r.book_id = ids_book[rnd(BOOKS)];
        r.reader_id = ids_reader[rnd(READERS)];
        r.stars = 1 + (int64_t)rnd(5);
        r.body = "a review";
        r.created = 1700000000 + i; /* newer with each one */
        check(db, review_insert(db, &r), "review_insert");
    }
    for (int i = 0; i < ORDERS; i++) {
        Order o;
        order_init(&o);
        o.reader_id = ids_reader[rnd(READERS)];
        check(db, order_insert(db, &o), "order_insert");
        for (int k = 0; k < LINES_PER_ORDER; k++) {
            Line l;
            line_init(&l);
            l.order_id = o.id;
            l.book_id = ids_book[rnd(BOOKS)];
            l.qty = 1 + (int64_t)rnd(3);
            check(db, line_insert(db, &l), "line_insert");
        }
    }
    check(db, ormc_commit(db), "commit");
}

typedef struct Run {
    uint64_t statements;
    double ms;
} Run;

static void start(ormc_db *db, double *t)
{
    ormc_reset_counts(db);
    *t = now_ms();
}

static Run finish(ormc_db *db, double t)
{
    Run r = {ormc_query_count(db), now_ms() - t};
    return r;
}

static void compare(const char *what, Run naive, uint64_t naive_expect,
                    const char *call, Run orm, uint64_t orm_expect)
{
    printf("  %-30s: %6llu statements %8.2f ms\n", "naive loop",
           (unsigned long long)naive.statements, naive.ms);
    printf("  %-30s: %6llu statements %8.2f ms   (%.0fx fewer statements, "
           "%.1fx faster)\n",
           call, (unsigned long long)orm.statements, orm.ms,
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

/* A checksum of a tag list: ids weighted by position. */
static long long tags_sum(const TagList *l)
{
    long long s = 0;
    for (size_t i = 0; i < l->count; i++)
        s += (long long)(i + 1) * l->items[i].id;
    return s;
}

/* Every book's tags: a query per book, against one prefetch. */
static void demo_many_to_many(ormc_db *db)
{
    double t;
    printf("\n8. many-to-many — every book with its tags (book.tags.all())\n");
    start(db, &t);
    BookList books;
    check(db, book_fetch(db, NULL, &books), "book_fetch");
    long long naive_sum = 0;
    for (size_t i = 0; i < books.count; i++) {
        TagQuery tq;
        tag_query_init(&tq);
        tag_filter_int(&tq, tag_via_books_int(BOOK_ID), ORMC_EQ,
                       books.items[i].id);
        TagList tags;
        check(db, tag_fetch(db, &tq, &tags), "tag_fetch");
        naive_sum += tags_sum(&tags);
        tag_list_free(&tags);
    }
    Run naive = finish(db, t);
    book_list_free(&books);

    start(db, &t);
    BookQuery q;
    book_query_init(&q);
    book_prefetch_tags(&q);
    check(db, book_fetch(db, &q, &books), "book_fetch prefetch_tags");
    Run orm = finish(db, t);
    long long orm_sum = 0, links = 0;
    for (size_t i = 0; i < books.count; i++) {
        const TagRefs *r = &books.items[i].rel->tags;
        for (size_t k = 0; k < r->count; k++)
            orm_sum += (long long)(k + 1) * r->items[k]->id;
        links += (long long)r->count;
    }
    for (size_t i = 0; i < 2; i++) {
        const Book *b = &books.items[i];
        printf("  \"%s\":", b->title);
        for (size_t k = 0; k < b->rel->tags.count; k++)
            printf(" %s", b->rel->tags.items[k]->name);
        printf("\n");
    }
    printf("  %lld links, %d Tag objects shared by the lists\n", links, TAGS);
    compare("many-to-many", naive, BOOKS + 1, "book_prefetch_tags", orm, 2);
    expect_equal("tags of every book", naive_sum, orm_sum);
    book_list_free(&books);

    /* links: set one book's tags, one array, 2 statements */
    start(db, &t);
    int64_t keep[] = {ids_tag[0], ids_tag[1], ids_tag[2], ids_tag[3]};
    check(db, book_set_tags(db, ids_book[0], keep, 4), "book_set_tags");
    Run set = finish(db, t);
    printf("  book_set_tags(4 tags)         : %6llu statements (Django's "
           "tags.set(): 1 select + 1 delete + 1 insert)\n",
           (unsigned long long)set.statements);
    if (set.statements != 2) {
        printf("  MISMATCH in set_tags: %llu statements\n",
               (unsigned long long)set.statements);
        failures++;
    }
}

/* publishers -> books -> tags and reviews: one statement per level. */
static void demo_nested(ormc_db *db)
{
    double t;
    printf("\n9. nested prefetch — publishers -> books -> tags + reviews\n");
    start(db, &t);
    PublisherList pubs;
    check(db, publisher_fetch(db, NULL, &pubs), "publisher_fetch");
    long long naive_books = 0, naive_reviews = 0, naive_tags = 0;
    for (size_t i = 0; i < pubs.count; i++) {
        BookQuery bq;
        book_query_init(&bq);
        book_where_publisher_id(&bq, ORMC_EQ, pubs.items[i].id);
        BookList books;
        check(db, book_fetch(db, &bq, &books), "book_fetch");
        naive_books += (long long)books.count;
        for (size_t k = 0; k < books.count; k++) {
            ReviewQuery rq;
            review_query_init(&rq);
            review_where_book_id(&rq, ORMC_EQ, books.items[k].id);
            ReviewList rl;
            check(db, review_fetch(db, &rq, &rl), "review_fetch");
            naive_reviews += (long long)rl.count;
            review_list_free(&rl);
            TagQuery tq;
            tag_query_init(&tq);
            tag_filter_int(&tq, tag_via_books_int(BOOK_ID), ORMC_EQ,
                           books.items[k].id);
            TagList tl;
            check(db, tag_fetch(db, &tq, &tl), "tag_fetch");
            naive_tags += (long long)tl.count;
            tag_list_free(&tl);
        }
        book_list_free(&books);
    }
    Run naive = finish(db, t);
    publisher_list_free(&pubs);

    start(db, &t);
    BookQuery bq;
    book_query_init(&bq);
    book_prefetch_tags(&bq);
    book_prefetch_reviews(&bq);
    PublisherQuery q;
    publisher_query_init(&q);
    publisher_prefetch_books_from(&q, &bq);
    check(db, publisher_fetch(db, &q, &pubs), "publisher_fetch nested");
    Run orm = finish(db, t);
    long long books_n = 0, reviews_n = 0, tags_n = 0;
    for (size_t i = 0; i < pubs.count; i++)
        for (size_t k = 0; k < pubs.items[i].rel->books.count; k++) {
            const Book *b = pubs.items[i].rel->books.items[k];
            books_n++;
            reviews_n += (long long)b->rel->reviews.count;
            tags_n += (long long)b->rel->tags.count;
        }
    const Publisher *p = &pubs.items[0];
    printf("  %s: %zu books; the first, \"%s\", has %zu reviews and %zu "
           "tags\n",
           p->name, p->rel->books.count, p->rel->books.items[0]->title,
           p->rel->books.items[0]->rel->reviews.count,
           p->rel->books.items[0]->rel->tags.count);
    compare("nested prefetch", naive, 1 + PUBLISHERS + 2 * BOOKS,
            "publisher_prefetch_books_from", orm, 4);
    expect_equal("books", naive_books, books_n);
    expect_equal("reviews", naive_reviews, reviews_n);
    expect_equal("reviews total", REVIEWS, reviews_n);
    expect_equal("tags", naive_tags, tags_n);
    publisher_list_free(&pubs);
    publisher_query_free(&q);
    book_query_free(&bq);
}

/* The 3 newest reviews of every book: LIMIT 3 per book, or one window. */
static void demo_per_parent_limit(ormc_db *db)
{
    double t;
    printf("\n10. per-parent limit — the 3 newest reviews of every book\n");
    start(db, &t);
    BookList books;
    check(db, book_fetch(db, NULL, &books), "book_fetch");
    long long naive_sum = 0;
    for (size_t i = 0; i < books.count; i++) {
        ReviewQuery rq;
        review_query_init(&rq);
        review_where_book_id(&rq, ORMC_EQ, books.items[i].id);
        review_order_by(&rq, REVIEW_CREATED.path, ORMC_DESC);
        review_limit(&rq, 3);
        ReviewList rl;
        check(db, review_fetch(db, &rq, &rl), "review_fetch");
        for (size_t k = 0; k < rl.count; k++)
            naive_sum += (long long)(k + 1) * rl.items[k].id;
        review_list_free(&rl);
    }
    Run naive = finish(db, t);
    book_list_free(&books);

    start(db, &t);
    ReviewQuery rq;
    review_query_init(&rq);
    review_order_by(&rq, REVIEW_CREATED.path, ORMC_DESC);
    review_limit(&rq, 3);
    BookQuery q;
    book_query_init(&q);
    book_prefetch_reviews_from(&q, &rq);
    book_count_reviews(&q);
    check(db, book_fetch(db, &q, &books), "book_fetch newest reviews");
    Run orm = finish(db, t);
    long long orm_sum = 0;
    for (size_t i = 0; i < books.count; i++) {
        const ReviewRefs *r = &books.items[i].rel->reviews;
        for (size_t k = 0; k < r->count; k++)
            orm_sum += (long long)(k + 1) * r->items[k]->id;
    }
    const Book *b = &books.items[0];
    printf("  \"%s\": %lld reviews, the newest %zu shown\n", b->title,
           (long long)b->rel->reviews_count, b->rel->reviews.count);
    compare("per-parent limit", naive, BOOKS + 1, "book_prefetch_reviews_from",
            orm, 2);
    expect_equal("newest reviews", naive_sum, orm_sum);
    book_list_free(&books);
    book_query_free(&q);
    review_query_free(&rq);
}

/* The first workaround: the books of each order's lines. */
static void demo_order_lines(ormc_db *db)
{
    double t;
    printf("\n11. chains — each order with its lines and each line's book "
           "and publisher\n");
    start(db, &t);
    OrderList orders;
    check(db, order_fetch(db, NULL, &orders), "order_fetch");
    double naive_total = 0;
    for (size_t i = 0; i < orders.count; i++) {
        LineQuery lq;
        line_query_init(&lq);
        line_where_order_id(&lq, ORMC_EQ, orders.items[i].id);
        LineList lines;
        check(db, line_fetch(db, &lq, &lines), "line_fetch");
        for (size_t k = 0; k < lines.count; k++) {
            Book *bk;
            check(db, book_get(db, lines.items[k].book_id, &bk), "book_get");
            Publisher *p;
            check(db, publisher_get(db, bk->publisher_id, &p), "publisher_get");
            naive_total += bk->price * (double)lines.items[k].qty +
                           (double)strlen(p->name);
            publisher_free(p);
            book_free(bk);
        }
        line_list_free(&lines);
    }
    Run naive = finish(db, t);
    order_list_free(&orders);

    start(db, &t);
    BookQuery bq;
    book_query_init(&bq);
    book_with_publisher(&bq);
    LineQuery lq;
    line_query_init(&lq);
    line_with_book_from(&lq, &bq);
    OrderQuery q;
    order_query_init(&q);
    order_prefetch_lines_from(&q, &lq);
    check(db, order_fetch(db, &q, &orders), "order_fetch lines");
    Run orm = finish(db, t);
    double orm_total = 0;
    for (size_t i = 0; i < orders.count; i++)
        for (size_t k = 0; k < orders.items[i].rel->lines.count; k++) {
            const Line *l = orders.items[i].rel->lines.items[k];
            orm_total += l->book->price * (double)l->qty +
                         (double)strlen(l->book->publisher->name);
        }
    const Line *l = orders.items[0].rel->lines.items[0];
    printf("  order %lld: %zu lines, the first %lld x \"%s\" (%s)\n",
           (long long)orders.items[0].id, orders.items[0].rel->lines.count,
           (long long)l->qty, l->book->title, l->book->publisher->name);
    compare("order lines", naive, 1 + ORDERS + 2 * ORDERS * LINES_PER_ORDER,
            "order_prefetch_lines_from", orm, 2);
    expect_equal("order totals (cents)", (long long)(naive_total * 100 + 0.5),
                 (long long)(orm_total * 100 + 0.5));
    order_list_free(&orders);
    order_query_free(&q);
    line_query_free(&lq);
    book_query_free(&bq);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "library.db";
    char side[512];
    remove(path); /* a fresh file every run */
    snprintf(side, sizeof side, "%s-journal", path);
    remove(side);
    ormc_db *db;
    if (ormc_open(path, &db) != ORMC_OK) {
        fprintf(stderr, "library_demo: %s\n", ormc_errmsg(db));
        ormc_close(db);
        return 1;
    }
    check(db, library_schema_create(db), "library_schema_create");
    double t0 = now_ms();
    seed(db);
    printf("\normc library demo on %s: seeded %d publishers, %d authors, %d "
           "books (%d tags each), %d readers, %d reviews, %d orders of %d "
           "lines in %.0f ms\n",
           path, PUBLISHERS, AUTHORS, BOOKS, TAGS_PER_BOOK, READERS, REVIEWS,
           ORDERS, LINES_PER_ORDER, now_ms() - t0);
    demo_many_to_many(db);
    demo_nested(db);
    demo_per_parent_limit(db);
    demo_order_lines(db);
    ormc_close(db);
    if (failures) {
        printf("\nlibrary_demo: %d check%s FAILED\n", failures,
               failures == 1 ? "" : "s");
        return 1;
    }
    printf("\nlibrary_demo: all statement counts and results check out\n");
    return 0;
}
