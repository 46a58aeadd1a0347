/*
 * shapes.c — prints the SQL the runtime renders for each query shape of
 * the blog schema, as a Markdown table (shape -> SQL), so that a change of
 * the renderer or a new dialect shows up as a diff of
 * tests/sql/shapes.md (tests/run.sh compares; make golden-update
 * rewrites it: read the diff).
 *
 * Each shape runs for real on an empty in-memory database; the trace hook
 * records the SQL of every statement it sends.  With a PostgreSQL
 * connection string as its argument, the same on that server (schema
 * "public" emptied first): tests/sql/shapes_pg.md.
 */
#include "blog.orm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *shape;
static int failures;

static void trace(void *ctx, const char *sql)
{
    (void)ctx;
    printf("| %s | `%s` |\n", shape, sql);
}

/* Reports a run that failed: a shape must render and run. */
static void check(ormc_db *db, int rc)
{
    if (rc != ORMC_OK && rc != ORMC_NOT_FOUND) {
        fprintf(stderr, "%s: %s: %s\n", shape, ormc_status_name(rc),
                ormc_errmsg(db));
        failures++;
    }
}

#define SHAPE(name) shape = (name)

static void fetch(ormc_db *db, BlogQuery *q)
{
    BlogList l;
    check(db, blog_fetch(db, q, &l));
    blog_list_free(&l);
    blog_query_free(q);
}

int main(int argc, char **argv)
{
    ormc_db *db;
    const char *pg = argc > 1 ? argv[1] : NULL;
    if (ormc_open(pg ? pg : ":memory:", &db) != ORMC_OK ||
        (pg && (ormc_exec(db, "DROP SCHEMA IF EXISTS public CASCADE") ||
                ormc_exec(db, "CREATE SCHEMA public"))) ||
        blog_schema_create(db) != ORMC_OK) {
        fprintf(stderr, "setup: %s\n", ormc_errmsg(db));
        ormc_close(db);
        return 1;
    }
    ormc_set_trace(db, trace, NULL);
    printf("| shape | SQL (%s) |\n|---|---|\n", pg ? "PostgreSQL" : "SQLite");
    BlogQuery q;
    static const int64_t ids[] = {1, 2, 3};
    static const char *const titles[] = {"a", "b"};
    static const double ratings[] = {1.5, 2.5};

    SHAPE("all rows");
    blog_query_init(&q);
    fetch(db, &q);
    struct {
        const char *name;
        ormc_op op;
    } text_ops[] = {
        {"text eq", ORMC_EQ},          {"text ne", ORMC_NE},
        {"text lt", ORMC_LT},          {"text contains", ORMC_CONTAINS},
        {"text startswith", ORMC_STARTSWITH},
        {"text endswith", ORMC_ENDSWITH},
        {"text iexact", ORMC_IEXACT},  {"text icontains", ORMC_ICONTAINS},
        {"text istartswith", ORMC_ISTARTSWITH},
        {"text iendswith", ORMC_IENDSWITH},
    };
    for (size_t i = 0; i < sizeof text_ops / sizeof *text_ops; i++) {
        SHAPE(text_ops[i].name);
        blog_query_init(&q);
        blog_filter_text(&q, BLOG_TITLE, text_ops[i].op, "x");
        fetch(db, &q);
    }
    SHAPE("int in (any length)");
    blog_query_init(&q);
    blog_filter_int_in(&q, BLOG_AUTHOR_ID, ORMC_IN, ids, 3);
    fetch(db, &q);
    SHAPE("int not in, nullable");
    blog_query_init(&q);
    blog_filter_int_in(&q, BLOG_EDITOR_ID, ORMC_NOT_IN, ids, 3);
    fetch(db, &q);
    SHAPE("text in");
    blog_query_init(&q);
    blog_filter_text_in(&q, BLOG_TITLE, ORMC_IN, titles, 2);
    fetch(db, &q);
    SHAPE("real in");
    blog_query_init(&q);
    blog_filter_real_in(&q, BLOG_RATING, ORMC_IN, ratings, 2);
    fetch(db, &q);
    SHAPE("real range");
    blog_query_init(&q);
    blog_filter_real_range(&q, BLOG_RATING, 1, 2);
    fetch(db, &q);
    SHAPE("year");
    blog_query_init(&q);
    blog_filter_year(&q, BLOG_CREATED, 2024);
    fetch(db, &q);
    SHAPE("is null");
    blog_query_init(&q);
    blog_filter_null(&q, BLOG_RATING.path, true);
    fetch(db, &q);
    SHAPE("forward path");
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "x");
    fetch(db, &q);
    SHAPE("nullable forward path");
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_editor_text(AUTHOR_NAME), ORMC_EQ, "x");
    fetch(db, &q);
    SHAPE("path shared by filter, order and with_");
    blog_query_init(&q);
    blog_with_author(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "x");
    blog_order_by(&q, blog_via_author(AUTHOR_EMAIL.path), ORMC_DESC);
    fetch(db, &q);
    SHAPE("two-step path");
    CommentQuery cq;
    comment_query_init(&cq);
    comment_filter_text(&cq,
                        comment_via_blog_text(blog_via_author_text(AUTHOR_NAME)),
                        ORMC_EQ, "x");
    CommentList cl;
    check(db, comment_fetch(db, &cq, &cl));
    comment_list_free(&cl);
    SHAPE("reverse path (EXISTS)");
    blog_query_init(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 3);
    fetch(db, &q);
    SHAPE("reverse path, same child (one EXISTS)");
    blog_query_init(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 3);
    blog_filter_text(&q, blog_via_comments_text(COMMENT_CONTENT),
                     ORMC_CONTAINS, "x");
    fetch(db, &q);
    SHAPE("reverse path, any child (two EXISTS)");
    blog_query_init(&q);
    blog_and(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 3);
    blog_end(&q);
    blog_and(&q);
    blog_filter_text(&q, blog_via_comments_text(COMMENT_CONTENT),
                     ORMC_CONTAINS, "x");
    blog_end(&q);
    fetch(db, &q);
    SHAPE("no children (isnull through reverse)");
    blog_query_init(&q);
    blog_filter_null(&q, blog_via_comments(COMMENT_ID.path), true);
    fetch(db, &q);
    SHAPE("nested reverse paths");
    AuthorQuery aq;
    author_query_init(&aq);
    author_filter_int(&aq, author_via_blogs_int(blog_via_comments_int(COMMENT_SCORE)),
                      ORMC_GT, 3);
    AuthorList al;
    check(db, author_fetch(db, &aq, &al));
    author_list_free(&al);
    SHAPE("or");
    blog_query_init(&q);
    blog_or(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_GE, 4);
    blog_filter_text(&q, BLOG_TITLE, ORMC_CONTAINS, "x");
    blog_end(&q);
    fetch(db, &q);
    SHAPE("not, NOT NULL columns");
    blog_query_init(&q);
    blog_not(&q);
    blog_filter_text(&q, BLOG_TITLE, ORMC_EQ, "x");
    blog_end(&q);
    fetch(db, &q);
    SHAPE("not, nullable column");
    blog_query_init(&q);
    blog_not(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_LT, 3);
    blog_end(&q);
    fetch(db, &q);
    SHAPE("empty or");
    blog_query_init(&q);
    blog_or(&q);
    blog_end(&q);
    fetch(db, &q);
    SHAPE("with_, count_, order, limit");
    blog_query_init(&q);
    blog_with_author(&q);
    blog_with_editor(&q);
    blog_count_comments(&q);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_limit(&q, 10);
    fetch(db, &q);
    SHAPE("prefetch, all parents");
    blog_query_init(&q);
    blog_prefetch_comments(&q);
    fetch(db, &q);
    SHAPE("prefetch, filtered parents");
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "x");
    blog_prefetch_comments(&q);
    fetch(db, &q);
    SHAPE("prefetch, a page of parents");
    blog_query_init(&q);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_limit(&q, 10);
    blog_prefetch_comments(&q);
    fetch(db, &q);
    SHAPE("prefetch, the next page of parents (an offset)");
    blog_query_init(&q);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_limit(&q, 10);
    blog_offset(&q, 10);
    blog_prefetch_comments(&q);
    fetch(db, &q);
    SHAPE("an offset without a limit");
    blog_query_init(&q);
    blog_offset(&q, 5);
    fetch(db, &q);
    SHAPE("prefetch, nullable foreign key");
    author_query_init(&aq);
    author_prefetch_edited_blogs(&aq);
    check(db, author_fetch(db, &aq, &al));
    author_list_free(&al);
    SHAPE("prefetch from a child query: filter, order, with_, count");
    BlogQuery sub;
    blog_query_init(&sub);
    blog_filter_real(&sub, BLOG_RATING, ORMC_GE, 3.0);
    blog_order_by(&sub, blog_via_editor_text(AUTHOR_NAME).path, ORMC_ASC);
    blog_with_editor(&sub);
    blog_count_comments(&sub);
    author_query_init(&aq);
    author_prefetch_blogs_from(&aq, &sub);
    check(db, author_fetch(db, &aq, &al));
    author_list_free(&al);
    blog_query_free(&sub);
    SHAPE("prefetch per parent: 3 newest comments of each blog");
    /* cq declared above */
    comment_query_init(&cq);
    comment_order_by(&cq, COMMENT_ID.path, ORMC_DESC);
    comment_limit(&cq, 3);
    blog_query_init(&q);
    blog_filter_text(&q, BLOG_TITLE, ORMC_STARTSWITH, "a");
    blog_prefetch_comments_from(&q, &cq);
    fetch(db, &q);
    SHAPE("select_related chain: comment -> blog -> author and editor");
    blog_query_init(&sub);
    blog_with_author(&sub);
    blog_with_editor(&sub);
    comment_query_init(&cq);
    comment_with_blog_from(&cq, &sub);
    {
        CommentList cl;
        check(db, comment_fetch(db, &cq, &cl));
        comment_list_free(&cl);
    }
    comment_query_free(&cq);
    blog_query_free(&sub);
    SHAPE("nested prefetch, all rows: authors, blogs, comments");
    blog_query_init(&sub);
    blog_prefetch_comments(&sub);
    author_query_init(&aq);
    author_prefetch_blogs_from(&aq, &sub);
    check(db, author_fetch(db, &aq, &al));
    author_list_free(&al);
    SHAPE("nested prefetch, filtered: the blogs' ids as one array");
    author_where_email(&aq, ORMC_EQ, "x");
    check(db, author_fetch(db, &aq, &al));
    author_list_free(&al);
    blog_query_free(&sub);
    comment_query_free(&cq);
    SHAPE("many-to-many prefetch, all rows: blogs with their tags");
    blog_query_init(&q);
    blog_prefetch_tags(&q);
    fetch(db, &q);
    SHAPE("annotations over paths: count and sum through blogs -> comments, "
          "max through blogs -> tags, avg of a nullable field");
    author_query_init(&aq);
    author_annotate(&aq, ORMC_COUNT,
                    author_via_blogs_int(blog_via_comments_int(COMMENT_ID)).path);
    author_annotate(&aq, ORMC_SUM,
                    author_via_blogs_int(blog_via_comments_int(COMMENT_SCORE)).path);
    author_annotate(&aq, ORMC_MAX,
                    author_via_blogs_int(blog_via_tags_int(TAG_ID)).path);
    author_annotate(&aq, ORMC_AVG, author_via_edited_blogs_real(BLOG_RATING).path);
    author_count_blogs(&aq);
    check(db, author_fetch(db, &aq, &al));
    author_list_free(&al);
    SHAPE("annotation through a foreign key after the to-many step");
    blog_query_init(&q);
    blog_annotate(&q, ORMC_COUNT,
                  blog_via_tags_text(tag_via_blogs_text(blog_via_editor_text(AUTHOR_NAME))).path);
    fetch(db, &q);
    int64_t n;
    bool e;
    SHAPE("count");
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "x");
    check(db, blog_count(db, &q, &n));
    SHAPE("count of a page");
    blog_limit(&q, 5);
    check(db, blog_count(db, &q, &n));
    SHAPE("exists");
    blog_query_init(&q);
    blog_filter_text(&q, BLOG_TITLE, ORMC_EQ, "x");
    check(db, blog_exists(db, &q, &e));
    SHAPE("aggregate, nullable field");
    ormc_real_stats rs;
    check(db, blog_aggregate_rating(db, &q, &rs));
    SHAPE("aggregate, NOT NULL field, of a page");
    BookQuery bq;
    book_query_init(&bq);
    book_limit(&bq, 5);
    ormc_int_stats is;
    check(db, book_aggregate_pages(db, &bq, &is));
    SHAPE("first");
    Blog *b;
    check(db, blog_first(db, &q, &b));
    SHAPE("get_by unique key");
    Author *a;
    check(db, author_get_by_email(db, "x", &a));
    SHAPE("update over a query");
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "x");
    blog_set_add_real(&q, BLOG_RATING, 1);
    blog_set_text(&q, BLOG_TITLE, "y");
    blog_set_null(&q, BLOG_EDITOR_ID.path);
    check(db, blog_update_where(db, &q, &n));
    SHAPE("update of every row");
    blog_query_init(&q);
    blog_set_mul_real(&q, BLOG_RATING, 2);
    check(db, blog_update_where(db, &q, &n));
    SHAPE("delete over a query");
    comment_query_init(&cq);
    comment_filter_int(&cq, COMMENT_SCORE, ORMC_LT, 0);
    check(db, comment_delete_where(db, &cq, &n));
    Author au;
    author_init(&au);
    au.name = "x";
    au.email = "x@x";
    SHAPE("upsert by unique key");
    check(db, author_upsert_by_email(db, &au));
    Blog bl;
    blog_init(&bl);
    bl.title = "t";
    bl.author_id = au.id;
    SHAPE("insert");
    check(db, blog_insert(db, &bl));
    SHAPE("update of named fields");
    check(db, blog_update_fields(db, &bl,
                                 (const BlogPath[]){BLOG_TITLE.path,
                                                    BLOG_RATING.path},
                                 2));
    SHAPE("get_or_create by unique key");
    au.email = "y@y";
    bool created;
    check(db, author_get_or_create_by_email(db, &au, &a, &created));
    author_free(a);
    ormc_close(db);
    return failures ? 1 : 0;
}
