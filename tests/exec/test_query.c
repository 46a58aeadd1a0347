/*
 * test_query.c — the query language on examples/blog.orm: paths along
 * relations (forward and reverse), AND / OR / NOT groups, every lookup,
 * NULLs, ordering along paths, first / exists / count / aggregates.
 *
 * Every case runs the query through the generated API and checks:
 *   - the ids, in order, against a reference query written by hand in
 *     plain SQL (other constructs than ormc's: substr, instr, lower, IN
 *     subqueries), run on the same connection;
 *   - exactly one statement;
 *   - its query plan (EXPLAIN QUERY PLAN): no table but the queried one
 *     (t0) is scanned in full: a join, EXISTS or IN along a declared
 *     relation or an indexed field always searches an index.
 */
#include "blogutil.h"

#include <math.h>

/* ---- the raw connection under ormc's, for reference SQL and plans ---- */

static sqlite3 *raw;
static ormc_backend raw_backend;

static int raw_open(const char *path, void **conn)
{
    int rc = ormc_sqlite_backend.open(path, conn);
    raw = *conn;
    return rc;
}

static int open_raw(const char *path, ormc_db **out)
{
    raw_backend = ormc_sqlite_backend;
    raw_backend.open = raw_open;
    raw_backend.prepare = plan_prepare;
    return ormc_open_backend(path, &raw_backend, out);
}

/* The ids `sql` returns (first column), in its order, into ids[]; returns
 * how many. */
static size_t ref_ids(const char *sql, int64_t *ids, size_t max)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) != SQLITE_OK) {
        print_error("reference SQL: %s\n  %s\n", sqlite3_errmsg(raw), sql);
        fail();
    }
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_true(n < max);
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

/* Fails when the plan of `sql` scans a table in full inside a loop
 * (testutil.h's plan_problem), or, with `no_sort`, when the statement
 * sorts its rows in a temporary tree. */
static void check_plan(const char *sql, bool no_sort)
{
    const char *why = plan_problem(raw, sql, strlen(sql), no_sort);
    if (why) {
        print_error("query plan: %s\n  of: %s\n", why, sql);
        fail();
    }
}

/* ---- the data ----
 * authors: Ann, bob, Émile, "Zo%_*?[\" (every pattern character), Dan
 * blogs (title, author, editor, created, rating): see setup
 * comments: spread unevenly; some blogs have none */

enum { ANN = 1, BOB, EMILE, ZOE, DAN };

static int64_t B[11]; /* blog ids, 1-based by construction order */

static int64_t at(int y, int m, int d)
{
    /* days from civil, as in the runtime but written again here */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return (era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468) *
           86400;
}

static int64_t blog(ormc_db *db, const char *title, int64_t author,
                    int64_t editor, int64_t created, double rating)
{
    Blog b;
    blog_init(&b);
    b.title = title;
    b.author_id = author;
    b.editor_null = editor == 0;
    b.editor_id = editor;
    b.created = created;
    b.rating_null = isnan(rating);
    b.rating = isnan(rating) ? 0 : rating;
    assert_ok(db, blog_insert(db, &b));
    return b.id;
}

static void comment(ormc_db *db, int64_t blog_id, const char *content,
                    int64_t score)
{
    Comment c;
    comment_init(&c);
    c.blog_id = blog_id;
    c.content = content;
    c.score = score;
    assert_ok(db, comment_insert(db, &c));
}

/* On PostgreSQL: the same data in a SQLite database beside it, where the
 * reference SQL and the plan checks run (the statements traced on the
 * server, respelled as SQLite's by testutil.h, must plan well there). */
static ormc_db *ref_db;
static ormc_db *live_db; /* the database under test */

static int open_test(const char *path, ormc_db **out)
{
    if (test_pg())
        return ormc_open_backend(path, &ormc_pg_backend, out);
    return open_raw(path, out);
}

static void fill(ormc_db *db);

static int setup(void **state)
{
    if (fixture_open(state, blog_schema_create, open_test))
        return -1;
    fixture *f = *state;
    if (test_pg()) {
        if (open_raw(":memory:", &ref_db) != ORMC_OK ||
            blog_schema_create(ref_db) != ORMC_OK)
            return -1;
        fill(ref_db);
    }
    fill(f->db);
    live_db = f->db;
    counts_reset(f);
    return 0;
}

static void fill(ormc_db *db)
{
    assert_int_equal(add_author(db, "Ann", "ann@example.org"), ANN);
    assert_int_equal(add_author(db, "bob", "BOB@Example.ORG"), BOB);
    assert_int_equal(add_author(db, "\xc3\x89mile", "emile@x.fr"), EMILE);
    assert_int_equal(add_author(db, "Zo%_*?[\\", "zoe@x.org"), ZOE);
    assert_int_equal(add_author(db, "Dan", "dan@x.org"), DAN);
    B[1] = blog(db, "Alpha", ANN, 0, at(2023, 12, 31) + 86399, 4.5);
    B[2] = blog(db, "beta", ANN, BOB, at(2024, 1, 1), NAN);
    B[3] = blog(db, "Gamma 100%", BOB, ANN, at(2024, 2, 29) + 3600, 2.0);
    B[4] = blog(db, "delta_x", BOB, 0, at(2024, 3, 1), 3.0);
    B[5] = blog(db, "Epsilon*", EMILE, EMILE, at(2025, 6, 15), 5.0);
    B[6] = blog(db, "zeta?", ZOE, DAN, at(1969, 12, 31), -1.0);
    B[7] = blog(db, "eta[x]", ZOE, 0, at(2024, 2, 1), NAN);
    B[8] = blog(db, "theta\\", DAN, ZOE, at(2024, 12, 31), 3.0);
    B[9] = blog(db, "\xc3\xa9t\xc3\xa9", DAN, 0, at(2026, 1, 1), 1.0);
    B[10] = blog(db, "ALPHA", EMILE, BOB, at(2024, 2, 29), INFINITY);
    /* comments: blog 1 has a high score and "good" in different comments,
     * blog 2 has both in one, blog 3 has many high scores, 4..10 vary */
    comment(db, B[1], "good read", 1);
    comment(db, B[1], "meh", 9);
    comment(db, B[2], "good and high", 8);
    comment(db, B[3], "x", 5);
    comment(db, B[3], "y", 6);
    comment(db, B[3], "z", 7);
    comment(db, B[5], "GOOD", 4);
    comment(db, B[6], "100% good", 0);
    comment(db, B[8], "bad", -3);
    comment(db, B[8], "good_ish", 2);
}

static int teardown(void **state)
{
    raw = NULL;
    ormc_close(ref_db);
    ref_db = NULL;
    return fixture_teardown(state);
}

/* Runs q: the ids in order must be the reference SQL's, in 1 statement
 * with a plan that scans nothing but t0.  Frees q. */
#define EXPECT(f, q, ref_sql) expect_blogs(f, q, ref_sql, __LINE__)

static void expect_blogs(fixture *f, BlogQuery *q, const char *ref_sql,
                         int line)
{
    int64_t want[64];
    size_t n = ref_ids(ref_sql, want, 64);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, q, &l));
    assert_queries(f, 1);
    check_plan(f->trace.sql[0], false);
    bool same = l.count == n;
    for (size_t i = 0; same && i < n; i++)
        same = l.items[i].id == want[i];
    if (!same) {
        print_error("line %d: %zu rows, expected %zu\n  got:     ", line,
                    l.count, n);
        for (size_t i = 0; i < l.count; i++)
            print_error(" %lld", (long long)l.items[i].id);
        print_error("\n  expected:");
        for (size_t i = 0; i < n; i++)
            print_error(" %lld", (long long)want[i]);
        print_error("\n  sql: %s\n", f->trace.sql[0]);
        blog_list_free(&l);
        fail();
    }
    /* count and exists agree with the rows, in one statement each */
    int64_t c = -1;
    bool e = !n;
    counts_reset(f);
    assert_ok(f->db, blog_count(f->db, q, &c));
    assert_int_equal(c, (int64_t)n);
    assert_ok(f->db, blog_exists(f->db, q, &e));
    assert_int_equal(e, n > 0);
    assert_queries(f, 2);
    check_plan(f->trace.sql[0], false);
    check_plan(f->trace.sql[1], false);
    blog_list_free(&l);
    blog_query_free(q);
}

/* ---- forward paths ---- */

static void test_forward_paths(void **state)
{
    fixture *f = *state;
    BlogQuery q;

    /* blog.author.name startswith "A" (Django: author__name__startswith) */
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_STARTSWITH,
                     "A");
    EXPECT(f, &q, "SELECT b.id FROM blog b WHERE b.author_id IN (SELECT id "
                  "FROM author WHERE substr(name, 1, 1) = 'A') ORDER BY b.id");
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_STARTSWITH,
                     "A");
    BlogList l0 = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l0));
    blog_list_free(&l0);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"editor_id\", t0.\"created\", t0.\"rating\" FROM \"blog\" "
               "AS t0 WHERE t0.\"author_id\" IN (SELECT t1.\"id\" FROM "
               "\"author\" AS t1 WHERE t1.\"name\" GLOB ?1) ORDER BY t0.\"id\"");
    blog_query_free(&q);

    /* a nullable link: no editor is no match */
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_editor_text(AUTHOR_EMAIL), ORMC_IENDSWITH,
                     "EXAMPLE.org");
    EXPECT(f, &q, "SELECT b.id FROM blog b JOIN author e ON e.id = "
                  "b.editor_id WHERE lower(e.email) LIKE '%example.org' "
                  "ORDER BY b.id");

    /* a filter and a with_ load through the same relation: the load joins,
     * the filter is a semi-join */
    blog_query_init(&q);
    blog_with_editor(&q);
    blog_filter_text(&q, blog_via_editor_text(AUTHOR_NAME), ORMC_EQ, "bob");
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"editor_id\", t0.\"created\", t0.\"rating\", t1.\"id\", "
               "t1.\"name\", t1.\"email\" FROM \"blog\" AS t0 LEFT JOIN "
               "\"author\" AS t1 ON t1.\"id\" = t0.\"editor_id\" WHERE "
               "t0.\"editor_id\" IN (SELECT t2.\"id\" FROM \"author\" AS t2 "
               "WHERE t2.\"name\" = ?1) ORDER BY t0.\"id\"");
    assert_int_equal(l.count, 2);
    assert_int_equal(l.items[0].id, B[2]);
    assert_int_equal(l.items[1].id, B[10]);
    assert_string_equal(l.items[1].editor->name, "bob");
    blog_list_free(&l);
    blog_query_free(&q);

    /* two steps: comments whose blog's author is Dan, ordered by the
     * blog's title descending (Django: blog__author__name, -blog__title) */
    CommentQuery cq;
    comment_query_init(&cq);
    comment_filter_text(&cq,
                        comment_via_blog_text(blog_via_author_text(AUTHOR_NAME)),
                        ORMC_EQ, "Dan");
    comment_order_by(&cq, comment_via_blog(BLOG_TITLE.path), ORMC_DESC);
    CommentList cl = {0};
    counts_reset(f);
    assert_ok(f->db, comment_fetch(f->db, &cq, &cl));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"blog_id\", t0.\"content\", "
               "t0.\"score\" FROM \"comment\" AS t0 JOIN \"blog\" AS t1 ON "
               "t1.\"id\" = t0.\"blog_id\" WHERE t0.\"blog_id\" IN (SELECT "
               "t2.\"id\" FROM \"blog\" AS t2 WHERE t2.\"author_id\" IN "
               "(SELECT t3.\"id\" FROM \"author\" AS t3 WHERE t3.\"name\" = "
               "?1)) ORDER BY t1.\"title\" DESC, t0.\"id\"");
    check_plan(f->trace.sql[0], false);
    assert_int_equal(cl.count, 2);
    assert_string_equal(cl.items[0].content, "bad");
    assert_string_equal(cl.items[1].content, "good_ish");
    comment_list_free(&cl);
    comment_query_free(&cq);
}

/* ---- groups and NULLs ---- */

static void test_or_not_and_nulls(void **state)
{
    fixture *f = *state;
    BlogQuery q;

    /* Q(rating__gte=4) | Q(title__istartswith="al") */
    blog_query_init(&q);
    blog_or(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_GE, 4);
    blog_filter_text(&q, BLOG_TITLE, ORMC_ISTARTSWITH, "al");
    blog_end(&q);
    EXPECT(f, &q, "SELECT id FROM blog WHERE rating >= 4 OR lower(substr("
                  "title, 1, 2)) = 'al' ORDER BY id");

    /* exclude(rating__lt=3): NULL ratings are kept (Django's exclude) */
    blog_query_init(&q);
    blog_not(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_LT, 3);
    blog_end(&q);
    EXPECT(f, &q, "SELECT id FROM blog WHERE rating IS NULL OR rating >= 3 "
                  "ORDER BY id");
    /* but rating != 3 (ORMC_NE) is false on NULL, like SQL and filter() */
    blog_query_init(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_NE, 3);
    EXPECT(f, &q, "SELECT id FROM blog WHERE rating IS NOT NULL AND "
                  "rating <> 3 ORDER BY id");

    /* exclude(editor__name="bob"): blogs without an editor are kept */
    blog_query_init(&q);
    blog_not(&q);
    blog_filter_text(&q, blog_via_editor_text(AUTHOR_NAME), ORMC_EQ, "bob");
    blog_end(&q);
    EXPECT(f, &q, "SELECT id FROM blog WHERE editor_id IS NULL OR editor_id "
                  "NOT IN (SELECT id FROM author WHERE name = 'bob') ORDER "
                  "BY id");
    blog_query_init(&q);
    blog_not(&q);
    blog_filter_text(&q, blog_via_editor_text(AUTHOR_NAME), ORMC_EQ, "bob");
    blog_end(&q);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"editor_id\", t0.\"created\", t0.\"rating\" FROM \"blog\" "
               "AS t0 WHERE (t0.\"editor_id\" IN (SELECT t1.\"id\" FROM "
               "\"author\" AS t1 WHERE t1.\"name\" = ?1)) IS NOT TRUE ORDER "
               "BY t0.\"id\"");
    blog_list_free(&l);
    blog_query_free(&q);
    /* NOT over NOT NULL columns stays a plain NOT */
    blog_query_init(&q);
    blog_not(&q);
    blog_filter_text(&q, BLOG_TITLE, ORMC_CONTAINS, "a");
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_EQ, ANN);
    blog_end(&q);
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"editor_id\", t0.\"created\", t0.\"rating\" FROM \"blog\" "
               "AS t0 WHERE NOT (t0.\"author_id\" = ?2 AND t0.\"title\" GLOB "
               "?1) ORDER BY t0.\"id\"");
    blog_list_free(&l);
    blog_query_init(&q);
    blog_not(&q);
    blog_filter_text(&q, BLOG_TITLE, ORMC_CONTAINS, "a");
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_EQ, ANN);
    blog_end(&q);
    EXPECT(f, &q, "SELECT id FROM blog WHERE NOT (instr(title, 'a') > 0 AND "
                  "author_id = 1) ORDER BY id");

    /* nested: (author = Ann OR (NOT editor IS NULL AND rating > 2)) AND
     * created in 2024 */
    blog_query_init(&q);
    blog_or(&q);
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_EQ, ANN);
    blog_and(&q);
    blog_not(&q);
    blog_filter_null(&q, BLOG_EDITOR_ID.path, true);
    blog_end(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_GT, 2);
    blog_end(&q);
    blog_end(&q);
    blog_filter_year(&q, BLOG_CREATED, 2024);
    EXPECT(f, &q, "SELECT id FROM blog WHERE (author_id = 1 OR (editor_id IS "
                  "NOT NULL AND rating > 2)) AND strftime('%Y', created, "
                  "'unixepoch') = '2024' ORDER BY id");

    /* empty groups: AND is true, OR is false */
    blog_query_init(&q);
    blog_and(&q);
    blog_end(&q);
    EXPECT(f, &q, "SELECT id FROM blog ORDER BY id");
    blog_query_init(&q);
    blog_or(&q);
    blog_end(&q);
    EXPECT(f, &q, "SELECT id FROM blog WHERE 0 ORDER BY id");

    /* is null through a nullable relation: editor__isnull */
    blog_query_init(&q);
    blog_filter_null(&q, blog_via_editor(AUTHOR_NAME.path), true);
    EXPECT(f, &q, "SELECT id FROM blog WHERE editor_id IS NULL ORDER BY id");
}

/* ---- reverse relations: EXISTS, each parent once ---- */

static void test_reverse_paths(void **state)
{
    fixture *f = *state;
    BlogQuery q;

    /* blogs with a comment scoring > 4: blog 3 has three, listed once */
    blog_query_init(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 4);
    EXPECT(f, &q, "SELECT id FROM blog WHERE id IN (SELECT blog_id FROM "
                  "comment WHERE score > 4) ORDER BY id");
    blog_query_init(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 4);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"editor_id\", t0.\"created\", t0.\"rating\" FROM \"blog\" "
               "AS t0 WHERE EXISTS (SELECT 1 FROM \"comment\" AS t1 WHERE "
               "t1.\"blog_id\" = t0.\"id\" AND t1.\"score\" > ?1) ORDER BY "
               "t0.\"id\"");
    assert_int_equal(l.count, 3);
    blog_list_free(&l);
    blog_query_free(&q);

    /* one AND group: the same comment must score > 4 and contain "good"
     * (Django: filter(comments__score__gt=4, comments__content__contains=
     * "good")): only blog 2 */
    blog_query_init(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 4);
    blog_filter_text(&q, blog_via_comments_text(COMMENT_CONTENT),
                     ORMC_CONTAINS, "good");
    EXPECT(f, &q, "SELECT id FROM blog b WHERE EXISTS (SELECT 1 FROM comment "
                  "c WHERE c.blog_id = b.id AND c.score > 4 AND "
                  "instr(c.content, 'good') > 0) ORDER BY id");
    /* separate groups: any comment for each (Django: two filter() calls):
     * blogs 1 and 2 */
    blog_query_init(&q);
    blog_and(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 4);
    blog_end(&q);
    blog_and(&q);
    blog_filter_text(&q, blog_via_comments_text(COMMENT_CONTENT),
                     ORMC_CONTAINS, "good");
    blog_end(&q);
    EXPECT(f, &q, "SELECT id FROM blog b WHERE id IN (SELECT blog_id FROM "
                  "comment WHERE score > 4) AND id IN (SELECT blog_id FROM "
                  "comment WHERE instr(content, 'good') > 0) ORDER BY id");

    /* comments__isnull=True: blogs without any comment; False: with some */
    blog_query_init(&q);
    blog_filter_null(&q, blog_via_comments(COMMENT_ID.path), true);
    EXPECT(f, &q, "SELECT id FROM blog WHERE id NOT IN (SELECT blog_id FROM "
                  "comment) ORDER BY id");
    blog_query_init(&q);
    blog_filter_null(&q, blog_via_comments(COMMENT_ID.path), false);
    EXPECT(f, &q, "SELECT id FROM blog WHERE id IN (SELECT blog_id FROM "
                  "comment) ORDER BY id");

    /* exclude(comments__score__gt=4): blogs without such a comment,
     * blogs without comments included */
    blog_query_init(&q);
    blog_not(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 4);
    blog_end(&q);
    EXPECT(f, &q, "SELECT id FROM blog WHERE id NOT IN (SELECT blog_id FROM "
                  "comment WHERE score > 4) ORDER BY id");

    /* two levels, reverse then forward inside: authors who wrote a blog
     * that has a comment containing "good" and whose editor is bob */
    AuthorQuery aq;
    author_query_init(&aq);
    author_filter_text(
        &aq, author_via_blogs_text(blog_via_comments_text(COMMENT_CONTENT)),
        ORMC_ICONTAINS, "GOOD");
    AuthorList al = {0};
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &aq, &al));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"name\", t0.\"email\" FROM \"author\" AS "
               "t0 WHERE EXISTS (SELECT 1 FROM \"blog\" AS t1 WHERE "
               "t1.\"author_id\" = t0.\"id\" AND EXISTS (SELECT 1 FROM "
               "\"comment\" AS t2 WHERE t2.\"blog_id\" = t1.\"id\" AND "
               "t2.\"content\" LIKE ?1 ESCAPE '\\')) ORDER BY t0.\"id\"");
    check_plan(f->trace.sql[0], false);
    int64_t want[8];
    size_t n = ref_ids("SELECT id FROM author WHERE id IN (SELECT author_id "
                       "FROM blog WHERE id IN (SELECT blog_id FROM comment "
                       "WHERE lower(content) LIKE '%good%')) ORDER BY id",
                       want, 8);
    assert_int_equal(al.count, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(al.items[i].id, want[i]);
    author_list_free(&al);
    author_query_free(&aq);

    /* forward then reverse: comments on blogs of an author who has a blog
     * rated 5 (comment.blog.author.blogs.rating) */
    CommentQuery cq;
    comment_query_init(&cq);
    comment_filter_real(
        &cq,
        comment_via_blog_real(
            blog_via_author_real(author_via_blogs_real(BLOG_RATING))),
        ORMC_EQ, 5);
    CommentList cl = {0};
    counts_reset(f);
    assert_ok(f->db, comment_fetch(f->db, &cq, &cl));
    check_plan(f->trace.sql[0], false);
    n = ref_ids("SELECT c.id FROM comment c JOIN blog b ON b.id = c.blog_id "
                "WHERE b.author_id IN (SELECT author_id FROM blog WHERE "
                "rating = 5) ORDER BY c.id",
                want, 8);
    assert_int_equal(cl.count, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(cl.items[i].id, want[i]);
    comment_list_free(&cl);
    comment_query_free(&cq);
}

/* ---- lookups ---- */

static void test_text_lookups(void **state)
{
    fixture *f = *state;
    BlogQuery q;
    /* every pattern character matches itself */
    static const struct {
        ormc_op op;
        const char *v;
        const char *ref;
    } cases[] = {
        {ORMC_CONTAINS, "%", "instr(title, '%') > 0"},
        {ORMC_CONTAINS, "_", "instr(title, '_') > 0"},
        {ORMC_CONTAINS, "*", "instr(title, '*') > 0"},
        {ORMC_CONTAINS, "?", "instr(title, '?') > 0"},
        {ORMC_CONTAINS, "[x]", "instr(title, '[x]') > 0"},
        {ORMC_CONTAINS, "\\", "instr(title, '\\') > 0"},
        {ORMC_ENDSWITH, "a", "substr(title, -1) = 'a'"},
        {ORMC_STARTSWITH, "al", "substr(title, 1, 2) = 'al'"},
        {ORMC_ISTARTSWITH, "al", "lower(substr(title, 1, 2)) = 'al'"},
        {ORMC_ICONTAINS, "A_", "instr(lower(title), 'a_') > 0"},
        {ORMC_ICONTAINS, "100%", "instr(lower(title), '100%') > 0"},
        {ORMC_IENDSWITH, "TA?", "lower(substr(title, -3)) = 'ta?'"},
        {ORMC_IEXACT, "alpha", "lower(title) = 'alpha'"},
        /* case is ASCII only: \xc3\x89 (É) is not \xc3\xa9 (é) */
        {ORMC_IEXACT, "\xc3\x89T\xc3\x89", "0"},
        {ORMC_IEXACT, "\xc3\xa9T\xc3\xa9", "id = 9"},
        {ORMC_ICONTAINS, "", "1"},
        {ORMC_LT, "b", "title < 'b'"},
        {ORMC_GE, "delta_x", "title >= 'delta_x'"},
    };
    char ref[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        blog_query_init(&q);
        blog_filter_text(&q, BLOG_TITLE, cases[i].op, cases[i].v);
        snprintf(ref, sizeof ref, "SELECT id FROM blog WHERE %s ORDER BY id",
                 cases[i].ref);
        EXPECT(f, &q, ref);
    }
    /* authors: Émile is found by its exact bytes only */
    AuthorQuery aq;
    author_query_init(&aq);
    author_filter_text(&aq, AUTHOR_NAME, ORMC_ISTARTSWITH, "\xc3\xa9");
    AuthorList al = {0};
    assert_ok(f->db, author_fetch(f->db, &aq, &al));
    assert_int_equal(al.count, 0);
    author_list_free(&al);
    author_query_init(&aq);
    author_filter_text(&aq, AUTHOR_NAME, ORMC_ICONTAINS, "%_*?[\\");
    assert_ok(f->db, author_fetch(f->db, &aq, &al));
    assert_int_equal(al.count, 1);
    assert_int_equal(al.items[0].id, ZOE);
    author_list_free(&al);
}

static void test_in_range_calendar(void **state)
{
    fixture *f = *state;
    BlogQuery q;
    const int64_t authors[] = {BOB, DAN, 999};
    blog_query_init(&q);
    blog_filter_int_in(&q, BLOG_AUTHOR_ID, ORMC_IN, authors, 3);
    EXPECT(f, &q, "SELECT id FROM blog WHERE author_id IN (2, 5, 999) ORDER "
                  "BY id");
    blog_query_init(&q);
    blog_filter_int_in(&q, BLOG_AUTHOR_ID, ORMC_NOT_IN, authors, 3);
    EXPECT(f, &q, "SELECT id FROM blog WHERE author_id NOT IN (2, 5) ORDER "
                  "BY id");
    /* NOT IN on a nullable column: NULL is no match */
    blog_query_init(&q);
    blog_filter_int_in(&q, BLOG_EDITOR_ID, ORMC_NOT_IN, authors, 3);
    EXPECT(f, &q, "SELECT id FROM blog WHERE editor_id IS NOT NULL AND "
                  "editor_id NOT IN (2, 5) ORDER BY id");
    /* empty arrays: IN nothing, NOT IN everything non-NULL */
    blog_query_init(&q);
    blog_filter_int_in(&q, BLOG_AUTHOR_ID, ORMC_IN, NULL, 0);
    EXPECT(f, &q, "SELECT id FROM blog WHERE 0 ORDER BY id");
    blog_query_init(&q);
    blog_filter_real_in(&q, BLOG_RATING, ORMC_NOT_IN, NULL, 0);
    EXPECT(f, &q, "SELECT id FROM blog WHERE rating IS NOT NULL ORDER BY id");
    /* reals, +Inf included, exactly */
    const double ratings[] = {4.5, INFINITY, -1.0, 0.1};
    blog_query_init(&q);
    blog_filter_real_in(&q, BLOG_RATING, ORMC_IN, ratings, 4);
    EXPECT(f, &q, "SELECT id FROM blog WHERE rating IN (4.5, 9e999, -1.0) "
                  "ORDER BY id");
    /* texts, quotes and backslashes included; through a relation */
    const char *names[] = {"bob", "Zo%_*?[\\", "x\"y", "Ann"};
    blog_query_init(&q);
    blog_filter_text_in(&q, blog_via_author_text(AUTHOR_NAME), ORMC_IN, names,
                        4);
    EXPECT(f, &q, "SELECT id FROM blog WHERE author_id IN (1, 2, 4) ORDER BY "
                  "id");
    /* ranges */
    blog_query_init(&q);
    blog_filter_real_range(&q, BLOG_RATING, 2.0, 4.5);
    EXPECT(f, &q, "SELECT id FROM blog WHERE rating >= 2 AND rating <= 4.5 "
                  "ORDER BY id");
    blog_query_init(&q);
    blog_filter_int_range(&q, BLOG_AUTHOR_ID, BOB, ZOE);
    EXPECT(f, &q, "SELECT id FROM blog WHERE author_id BETWEEN 2 AND 4 "
                  "ORDER BY id");
    /* calendar lookups (UTC): 2024, Feb 2024, 29 Feb 2024, 31 Dec 1969 */
    blog_query_init(&q);
    blog_filter_year(&q, BLOG_CREATED, 2024);
    EXPECT(f, &q, "SELECT id FROM blog WHERE strftime('%Y', created, "
                  "'unixepoch') = '2024' ORDER BY id");
    blog_query_init(&q);
    blog_filter_month(&q, BLOG_CREATED, 2024, 2);
    EXPECT(f, &q, "SELECT id FROM blog WHERE strftime('%Y-%m', created, "
                  "'unixepoch') = '2024-02' ORDER BY id");
    blog_query_init(&q);
    blog_filter_day(&q, BLOG_CREATED, 2024, 2, 29);
    EXPECT(f, &q, "SELECT id FROM blog WHERE date(created, 'unixepoch') = "
                  "'2024-02-29' ORDER BY id");
    blog_query_init(&q);
    blog_filter_day(&q, BLOG_CREATED, 1969, 12, 31);
    EXPECT(f, &q, "SELECT id FROM blog WHERE date(created, 'unixepoch') = "
                  "'1969-12-31' ORDER BY id");
    blog_query_init(&q);
    blog_filter_time(&q, BLOG_CREATED, ORMC_LT, 0);
    EXPECT(f, &q, "SELECT id FROM blog WHERE created < 0 ORDER BY id");
    /* a day that does not exist is refused */
    blog_query_init(&q);
    blog_filter_day(&q, BLOG_CREATED, 2023, 2, 29);
    BlogList l = {0};
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Blog.fetch: no such day");
    blog_query_init(&q);
    blog_filter_month(&q, BLOG_CREATED, 2024, 13);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Blog.fetch: month out of range (1-12)");
    /* lookups a type does not take */
    blog_query_init(&q);
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_CONTAINS, 1);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.fetch: a lookup this field's type does not take");
    blog_query_init(&q);
    blog_filter_text(&q, BLOG_TITLE, ORMC_IN, "x");
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Blog.fetch: ORMC_IN and ORMC_NOT_IN "
                                      "go to the _in filters");
    blog_query_init(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_BETWEEN, 1);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.fetch: ORMC_BETWEEN goes to the _range filters");
    const char *bad_utf8[] = {"ok", "\xed\xa0\x80"}; /* a surrogate */
    blog_query_init(&q);
    blog_filter_text_in(&q, BLOG_TITLE, ORMC_IN, bad_utf8, 2);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.fetch: text value in a filter is not valid UTF-8");
    blog_query_init(&q);
    blog_filter_text(&q, BLOG_TITLE, ORMC_CONTAINS, "\xc3");
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.fetch: text value in a filter is not valid UTF-8");
    blog_query_init(&q);
    blog_filter_int_in(&q, BLOG_AUTHOR_ID, ORMC_EQ, authors, 3);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.fetch: an _in filter takes ORMC_IN or ORMC_NOT_IN");
}

/* The ends of int64 and negative numbers go through an _in array exactly. */
static void test_in_int64_ends(void **state)
{
    fixture *f = *state;
    comment(f->db, B[4], "min", INT64_MIN);
    comment(f->db, B[4], "max", INT64_MAX);
    comment(f->db, B[4], "minus one", -1);
    const int64_t v[] = {INT64_MAX, -1, INT64_MIN, -9, 1000000007};
    CommentQuery q;
    comment_query_init(&q);
    comment_filter_int_in(&q, COMMENT_SCORE, ORMC_IN, v, 5);
    CommentList l = {0};
    assert_ok(f->db, comment_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 3);
    assert_string_equal(l.items[0].content, "min");
    assert_string_equal(l.items[1].content, "max");
    assert_string_equal(l.items[2].content, "minus one");
    comment_list_free(&l);
}

/* One million values in one array parameter: one statement. */
static void test_in_million(void **state)
{
    fixture *f = *state;
    size_t n = 1000000;
    int64_t *ids = malloc(n * sizeof *ids);
    assert_non_null(ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = (int64_t)(n - i); /* 1,000,000 .. 1 */
    CommentQuery q;
    comment_query_init(&q);
    comment_filter_int_in(&q, COMMENT_ID, ORMC_IN, ids, n);
    CommentList l = {0};
    counts_reset(f);
    assert_ok(f->db, comment_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_int_equal(l.count, 10);
    check_plan(f->trace.sql[0], false);
    comment_list_free(&l);
    int64_t c = -1;
    comment_query_init(&q);
    comment_filter_int_in(&q, COMMENT_ID, ORMC_NOT_IN, ids, n);
    assert_ok(f->db, comment_count(f->db, &q, &c));
    assert_int_equal(c, 0);
    free(ids);
}

/* ---- ordering along paths, NULLs first ascending ---- */

static void test_order_by_paths(void **state)
{
    fixture *f = *state;
    BlogQuery q;
    blog_query_init(&q);
    blog_order_by(&q, blog_via_editor(AUTHOR_NAME.path), ORMC_ASC);
    EXPECT(f, &q, "SELECT b.id FROM blog b LEFT JOIN author e ON e.id = "
                  "b.editor_id ORDER BY e.name IS NOT NULL, e.name, b.id");
    blog_query_init(&q);
    blog_order_by(&q, blog_via_editor(AUTHOR_NAME.path), ORMC_DESC);
    blog_order_by(&q, BLOG_RATING.path, ORMC_DESC);
    EXPECT(f, &q, "SELECT b.id FROM blog b LEFT JOIN author e ON e.id = "
                  "b.editor_id ORDER BY e.name IS NULL, e.name DESC, "
                  "b.rating IS NULL, b.rating DESC, b.id");
    /* the order joins, the filter on the same relation is a semi-join */
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_EMAIL), ORMC_ICONTAINS,
                     "example");
    blog_order_by(&q, blog_via_author(AUTHOR_NAME.path), ORMC_DESC);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"editor_id\", t0.\"created\", t0.\"rating\" FROM \"blog\" "
               "AS t0 JOIN \"author\" AS t1 ON t1.\"id\" = t0.\"author_id\" "
               "WHERE t0.\"author_id\" IN (SELECT t2.\"id\" FROM \"author\" "
               "AS t2 WHERE t2.\"email\" LIKE ?1 ESCAPE '\\') ORDER BY "
               "t1.\"name\" DESC, t0.\"id\"");
    assert_int_equal(l.count, 4);
    assert_int_equal(l.items[0].id, B[3]); /* bob */
    assert_int_equal(l.items[3].id, B[2]); /* Ann */
    blog_list_free(&l);
    blog_query_free(&q);
}

/* ---- first, exists, count, aggregates and prefetch with paths ---- */

static void test_first_exists_aggregate_prefetch(void **state)
{
    fixture *f = *state;
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "bob");
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_with_author(&q);
    blog_prefetch_comments(&q);
    Blog *b = NULL;
    counts_reset(f);
    assert_ok(f->db, blog_first(f->db, &q, &b));
    assert_queries(f, 2);
    assert_int_equal(b->id, B[4]);
    assert_string_equal(b->author->name, "bob");
    assert_int_equal(b->rel->comments.count, 0);
    check_plan(f->trace.sql[1], true);
    blog_free(b);
    blog_offset(&q, 1);
    assert_ok(f->db, blog_first(f->db, &q, &b));
    assert_int_equal(b->id, B[3]);
    assert_int_equal(b->rel->comments.count, 3);
    assert_int_equal(b->rel->comments.items[2]->score, 7);
    blog_free(b);
    blog_offset(&q, 2);
    b = (Blog *)&q;
    assert_status(f->db, blog_first(f->db, &q, &b), ORMC_NOT_FOUND);
    assert_error(f->db, ORMC_NOT_FOUND, "Blog.first: no row");
    assert_null(b);
    blog_query_free(&q);

    /* the prefetch child query of filtered parents: grouped by the
     * foreign key's index, no sort */
    blog_query_init(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GE, 0);
    blog_prefetch_comments(&q);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 1,
               "SELECT t0.\"id\", t0.\"blog_id\", t0.\"content\", "
               "t0.\"score\" FROM \"comment\" AS t0 WHERE t0.\"blog_id\" IN "
               "(SELECT t1.\"id\" FROM \"blog\" AS t1 WHERE EXISTS (SELECT 1 "
               "FROM \"comment\" AS t2 WHERE t2.\"blog_id\" = t1.\"id\" AND "
               "t2.\"score\" >= ?1)) ORDER BY t0.\"blog_id\", t0.\"id\"");
    check_plan(f->trace.sql[0], false);
    check_plan(f->trace.sql[1], true);
    assert_int_equal(l.count, 6); /* blogs 1, 2, 3, 5, 6, 8 */
    assert_int_equal(l.items[2].rel->comments.count, 3);
    blog_list_free(&l);
    blog_query_free(&q);

    /* aggregate over a path-filtered query */
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "Ann");
    ormc_real_stats rs;
    counts_reset(f);
    assert_ok(f->db, blog_aggregate_rating(f->db, &q, &rs));
    assert_queries(f, 1);
    assert_int_equal(rs.count, 1);
    assert_double_exact(rs.sum, 4.5);
    blog_query_free(&q);
    bool e = true;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "nobody");
    assert_ok(f->db, blog_exists(f->db, &q, &e));
    assert_false(e);
    assert_sql(f, 1,
               "SELECT EXISTS (SELECT 1 FROM \"blog\" AS t0 WHERE "
               "t0.\"author_id\" IN (SELECT t1.\"id\" FROM \"author\" AS t1 "
               "WHERE t1.\"name\" = ?1))");
}

/* ---- writes over a query and by key ---- */

/* ref_ids for the tests that write: on PostgreSQL the reference data
 * beside it does not see the writes, so the (portable) reference SQL runs
 * on the server itself, through ormc_raw_query. */
static int take_id(void *ctx, const ormc_row *row)
{
    int64_t **p = ctx;
    *(*p)++ = ormc_row_int(row, 0);
    return 0;
}

static size_t live_ids(const char *sql, int64_t *ids, size_t max)
{
    if (!test_pg())
        return ref_ids(sql, ids, max);
    int64_t *p = ids;
    assert_ok(live_db, ormc_raw_query(live_db, sql, NULL, 0, take_id, &p));
    assert_true((size_t)(p - ids) <= max);
    return (size_t)(p - ids);
}

static void test_update_where(void **state)
{
    fixture *f = *state;
    /* bob's blogs: rating + 1.5 and a new title (Django: filter(author__
     * name="bob").update(rating=F("rating") + 1.5, title="x")) */
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "bob");
    blog_set_add_real(&q, BLOG_RATING, 1.5);
    blog_set_text(&q, BLOG_TITLE, "x");
    int64_t n = -1;
    counts_reset(f);
    assert_ok(f->db, blog_update_where(f->db, &q, &n));
    assert_queries(f, 1);
    assert_int_equal(n, 2);
    assert_sql(f, 0,
               "UPDATE \"blog\" SET \"rating\" = \"rating\" + ?2, \"title\" = "
               "?3 WHERE \"id\" IN (SELECT t0.\"id\" FROM \"blog\" AS t0 "
               "WHERE t0.\"author_id\" IN (SELECT t1.\"id\" FROM \"author\" "
               "AS t1 WHERE t1.\"name\" = ?1))");
    check_plan(f->trace.sql[0], false);
    blog_query_free(&q);
    int64_t want[4];
    assert_int_equal(live_ids("SELECT id FROM blog WHERE title = 'x' AND "
                             "rating IN (3.5, 4.5) ORDER BY id",
                             want, 4),
                     2);
    assert_int_equal(want[0], B[3]);
    assert_int_equal(want[1], B[4]);

    /* the 2 newest blogs with a rating: rating * 2; NULL stays NULL */
    blog_query_init(&q);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_limit(&q, 2);
    blog_set_mul_real(&q, BLOG_RATING, 2);
    assert_ok(f->db, blog_update_where(f->db, &q, &n));
    assert_int_equal(n, 2); /* blogs 9 (1.0) and 5 (5.0) */
    assert_int_equal(live_ids("SELECT id FROM blog WHERE (id = 9 AND rating = "
                             "2) OR (id = 5 AND rating = 10)",
                             want, 4),
                     2);
    /* set NULL, and a reverse path: blogs with a comment scoring > 8 */
    blog_query_init(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 8);
    blog_set_null(&q, BLOG_EDITOR_ID.path);
    assert_ok(f->db, blog_update_where(f->db, &q, &n));
    assert_int_equal(n, 1);
    assert_int_equal(live_ids("SELECT id FROM blog WHERE id = 1 AND editor_id "
                             "IS NULL",
                             want, 4),
                     1);
    /* every row when there is no filter */
    CommentQuery cq;
    comment_query_init(&cq);
    comment_set_add_int(&cq, COMMENT_SCORE, -100);
    counts_reset(f);
    assert_ok(f->db, comment_update_where(f->db, &cq, &n));
    assert_sql(f, 0, "UPDATE \"comment\" SET \"score\" = \"score\" + ?1");
    assert_int_equal(n, 10);
    assert_int_equal(live_ids("SELECT count(*) FROM comment WHERE score < -90",
                             want, 4),
                     1);
    assert_int_equal(want[0], 10);

    /* a violation changes nothing: two authors cannot share an email */
    AuthorQuery aq;
    author_query_init(&aq);
    author_filter_int(&aq, AUTHOR_ID, ORMC_LE, BOB);
    author_set_text(&aq, AUTHOR_EMAIL, "same@x.org");
    assert_status(f->db, author_update_where(f->db, &aq, &n),
                  ORMC_CONSTRAINT);
    assert_int_equal(n, 0);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                 "Author.update_where: UNIQUE constraint failed: "
                 "author.email",
                    "Author.update_where: duplicate key value violates "
                    "unique constraint \"author_email_key\"");
    assert_int_equal(live_ids("SELECT count(*) FROM author WHERE email = "
                             "'same@x.org'",
                             want, 4),
                     1);
    assert_int_equal(want[0], 0);

    /* misuse, before any SQL */
    static const char *const msgs[] = {
        "Blog.update_where: nothing to set",
        ("Blog.update_where: a set through a relation (set the related "
         "model's own query)"),
        "Blog.update_where: a set of the id",
        "Blog.update_where: a set to NULL of a field that is not nullable",
        "Blog.update_where: text longer than the field's text(N)",
        "Blog.update_where: NaN cannot be stored",
        "Blog.update_where: text is not valid UTF-8",
    };
    char long_title[202];
    memset(long_title, 'a', 201);
    long_title[201] = '\0';
    for (int k = 0; k < 7; k++) {
        blog_query_init(&q);
        switch (k) {
        case 0: blog_filter_int(&q, BLOG_ID, ORMC_EQ, 1); break;
        case 1: blog_set_text(&q, blog_via_author_text(AUTHOR_NAME), "x"); break;
        case 2: blog_set_int(&q, BLOG_ID, 5); break;
        case 3: blog_set_null(&q, BLOG_TITLE.path); break;
        case 4: blog_set_text(&q, BLOG_TITLE, long_title); break;
        case 5: blog_set_real(&q, BLOG_RATING, NAN); break;
        case 6: blog_set_text(&q, BLOG_TITLE, "\xc3"); break;
        }
        counts_reset(f);
        assert_status(f->db, blog_update_where(f->db, &q, &n), ORMC_INVALID);
        assert_error(f->db, ORMC_INVALID, msgs[k]);
        assert_queries(f, 0);
    }
}

static void test_delete_where(void **state)
{
    fixture *f = *state;
    /* comments of Dan's blogs scoring under 3 */
    CommentQuery q;
    comment_query_init(&q);
    comment_filter_text(&q,
                        comment_via_blog_text(blog_via_author_text(AUTHOR_NAME)),
                        ORMC_EQ, "Dan");
    comment_filter_int(&q, COMMENT_SCORE, ORMC_LT, 3);
    int64_t n = -1;
    counts_reset(f);
    assert_ok(f->db, comment_delete_where(f->db, &q, &n));
    assert_queries(f, 1);
    assert_int_equal(n, 2);
    assert_sql(f, 0,
               "DELETE FROM \"comment\" WHERE \"id\" IN (SELECT t0.\"id\" "
               "FROM \"comment\" AS t0 WHERE t0.\"score\" < ?2 AND "
               "t0.\"blog_id\" IN (SELECT t1.\"id\" FROM \"blog\" AS t1 WHERE "
               "t1.\"author_id\" IN (SELECT t2.\"id\" FROM \"author\" AS t2 "
               "WHERE t2.\"name\" = ?1)))");
    int64_t want[4];
    assert_int_equal(live_ids("SELECT count(*) FROM comment", want, 4), 1);
    assert_int_equal(want[0], 8);
    /* blogs of Zoë: their comments cascade; only blogs are counted */
    BlogQuery bq;
    blog_query_init(&bq);
    blog_filter_int(&bq, BLOG_AUTHOR_ID, ORMC_EQ, ZOE);
    assert_ok(f->db, blog_delete_where(f->db, &bq, &n));
    assert_int_equal(n, 2);
    assert_int_equal(live_ids("SELECT count(*) FROM comment", want, 4), 1);
    assert_int_equal(want[0], 7);
    /* a set term on a delete is a mistake */
    blog_query_init(&bq);
    blog_set_int(&bq, BLOG_AUTHOR_ID, 1);
    assert_status(f->db, blog_delete_where(f->db, &bq, &n), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.delete_where: a delete has nothing to set");
}

static void test_update_fields(void **state)
{
    fixture *f = *state;
    Blog *b = NULL;
    assert_ok(f->db, blog_get(f->db, B[2], &b));
    Blog w = *b;
    w.title = "renamed";
    w.rating_null = false;
    w.rating = 7;
    w.author_id = DAN; /* not listed: not written */
    counts_reset(f);
    assert_ok(f->db, blog_update_fields(f->db, &w,
                                        (const BlogPath[]){BLOG_TITLE.path,
                                                           BLOG_RATING.path},
                                        2));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "UPDATE \"blog\" SET \"title\" = ?1, \"rating\" = ?2 WHERE "
               "\"id\" = ?3");
    int64_t want[2];
    assert_int_equal(live_ids("SELECT author_id FROM blog WHERE id = 2 AND "
                             "title = 'renamed' AND rating = 7",
                             want, 2),
                     1);
    assert_int_equal(want[0], ANN);
    /* the same fields again: the same statement, nothing prepared */
    counts_reset(f);
    assert_ok(f->db, blog_update_fields(f->db, &w,
                                        (const BlogPath[]){BLOG_TITLE.path,
                                                           BLOG_RATING.path},
                                        2));
    assert_int_equal(ormc_prepare_count(f->db), 0);
    /* refusals */
    w.id = 999;
    assert_status(f->db,
                  blog_update_fields(f->db, &w,
                                     (const BlogPath[]){BLOG_TITLE.path}, 1),
                  ORMC_NOT_FOUND);
    assert_error(f->db, ORMC_NOT_FOUND,
                 "Blog.update_fields: no row with id 999");
    w.id = B[2];
    assert_status(f->db,
                  blog_update_fields(f->db, &w,
                                     (const BlogPath[]){BLOG_TITLE.path,
                                                        BLOG_TITLE.path},
                                     2),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.update_fields: field 'title' listed twice");
    assert_status(f->db,
                  blog_update_fields(
                      f->db, &w,
                      (const BlogPath[]){blog_via_author(AUTHOR_NAME.path)}, 1),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.update_fields: fields[0] is not a field of Blog itself "
                 "(nor its id)");
    w.title = NULL;
    assert_status(f->db,
                  blog_update_fields(f->db, &w,
                                     (const BlogPath[]){BLOG_TITLE.path}, 1),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.title: NULL given for a field that is not nullable");
    assert_status(f->db, blog_update_fields(f->db, &w, NULL, 0),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Blog.update_fields: no fields to update");
    blog_free(b);
}

static void test_unique_keys(void **state)
{
    fixture *f = *state;
    Author *a = NULL;
    counts_reset(f);
    assert_ok(f->db, author_get_by_email(f->db, "zoe@x.org", &a));
    assert_queries(f, 1);
    assert_int_equal(a->id, ZOE);
    author_free(a);
    a = (Author *)f;
    assert_status(f->db, author_get_by_email(f->db, "nobody@x.org", &a),
                  ORMC_NOT_FOUND);
    assert_null(a);
    assert_error(f->db, ORMC_NOT_FOUND, "Author.get: no row");

    /* upsert: inserts, then updates the same row (1 statement each) */
    Author n;
    author_init(&n);
    n.name = "Eve";
    n.email = "eve@x.org";
    counts_reset(f);
    assert_ok(f->db, author_upsert_by_email(f->db, &n));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "INSERT INTO \"author\" (\"name\", \"email\") VALUES (?1, ?2) ON "
               "CONFLICT (\"email\") DO UPDATE SET \"name\" = "
               "excluded.\"name\" RETURNING \"id\"");
    int64_t eve = n.id;
    assert_int_equal(eve, DAN + 1);
    Author m;
    author_init(&m);
    m.name = "Eve Two";
    m.email = "eve@x.org";
    assert_ok(f->db, author_upsert_by_email(f->db, &m));
    assert_int_equal(m.id, eve);
    int64_t want[2];
    assert_int_equal(live_ids("SELECT count(*) FROM author WHERE name = "
                             "'Eve Two'",
                             want, 2),
                     1);
    assert_int_equal(want[0], 1);
    m.name = NULL;
    assert_status(f->db, author_upsert_by_email(f->db, &m), ORMC_INVALID);

    /* get_or_create: found in 1 statement, created in 2 */
    Author d;
    author_init(&d);
    d.name = "Other name";
    d.email = "ann@example.org";
    bool created = true;
    counts_reset(f);
    assert_ok(f->db, author_get_or_create_by_email(f->db, &d, &a, &created));
    assert_queries(f, 1);
    assert_false(created);
    assert_int_equal(a->id, ANN);
    assert_string_equal(a->name, "Ann");
    author_free(a);
    d.email = "new@x.org";
    counts_reset(f);
    assert_ok(f->db, author_get_or_create_by_email(f->db, &d, &a, &created));
    assert_queries(f, 2);
    assert_true(created);
    assert_string_equal(a->name, "Other name");
    assert_string_equal(a->email, "new@x.org");
    /* (the upsert that updated took an id of AUTOINCREMENT's too) */
    assert_true(a->id > eve);
    assert_int_equal(live_ids("SELECT id FROM author WHERE email = 'new@x.org'",
                             want, 2),
                     1);
    assert_int_equal(want[0], a->id);
    assert_sql(f, 1,
               "INSERT INTO \"author\" (\"name\", \"email\") VALUES (?1, ?2) ON "
               "CONFLICT (\"email\") DO NOTHING RETURNING \"id\", \"name\", "
               "\"email\"");
    author_free(a);
    /* Django's get(): more than one row is an error */
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_EQ, ANN);
    Blog *b = (Blog *)f;
    assert_status(f->db, blog_get_where(f->db, &q, &b), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Blog.get: more than one row matches");
    assert_null(b);
    blog_where_title(&q, ORMC_EQ, "beta");
    assert_ok(f->db, blog_get_where(f->db, &q, &b));
    assert_int_equal(b->id, B[2]);
    blog_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_forward_paths),
        T(test_or_not_and_nulls),
        T(test_reverse_paths),
        T(test_text_lookups),
        T(test_in_range_calendar),
        T(test_in_int64_ends),
        T(test_in_million),
        T(test_order_by_paths),
        T(test_first_exists_aggregate_prefetch),
        T(test_update_where),
        T(test_delete_where),
        T(test_update_fields),
        T(test_unique_keys),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
