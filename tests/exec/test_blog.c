/*
 * test_blog.c — the generated API of examples/blog.orm against SQLite:
 * constraints and NOT_FOUND, on-delete actions, select_related, prefetch
 * (small, 100,000 parents, filtered), annotate(Count), every filter, order,
 * limit/offset, count and aggregates, and builder misuse.  Statement counts
 * and SQL text are asserted exactly; the spy backend (testutil.h) counts the
 * rows SQLite really returned.
 */
#include "testutil.h"

#include "blog.orm.h"
#include "blogutil.h"

#include <math.h>

static int setup(void **state) { return fixture_setup_spy(state, blog_schema_create); }
static int teardown(void **state) { return fixture_teardown(state); }

/* ---- helpers ---- */


static int64_t add_book(ormc_db *db, const char *title, int64_t author,
                        double price, int64_t pages)
{
    Book b;
    book_init(&b);
    b.title = title;
    b.author_id = author;
    b.price = price;
    b.pages = pages;
    assert_ok(db, book_insert(db, &b));
    return b.id;
}

/* editor 0: none; rating NAN: NULL. */
static int64_t add_blog(ormc_db *db, const char *title, int64_t author,
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

static int64_t add_comment(ormc_db *db, int64_t blog, const char *content,
                           int64_t score)
{
    Comment c;
    comment_init(&c);
    c.blog_id = blog;
    c.content = content;
    c.score = score;
    assert_ok(db, comment_insert(db, &c));
    return c.id;
}

/* Row counts of whole tables, through the generated count functions. */
#define DEFINE_ROWS(fn, prefix)                                              \
    static int64_t fn(ormc_db *db)                                           \
    {                                                                        \
        int64_t n = -1;                                                      \
        assert_ok(db, prefix##_count(db, NULL, &n));                         \
        return n;                                                            \
    }
DEFINE_ROWS(N_AUTHORS, author)
DEFINE_ROWS(N_BLOGS, blog)
DEFINE_ROWS(N_COMMENTS, comment)

/* Runs q over books and checks the ids, in order. */
static void assert_book_ids(fixture *f, const BookQuery *q, const int64_t *want,
                            size_t n)
{
    BookList l = {0};
    assert_ok(f->db, book_fetch(f->db, q, &l));
    if (l.count != n) {
        print_error("fetched %zu books, expected %zu\n", l.count, n);
        book_list_free(&l);
        fail();
    }
    for (size_t k = 0; k < n; k++)
        assert_int_equal(l.items[k].id, want[k]);
    book_list_free(&l);
}
#define BOOK_IDS(f, q, ...)                                                  \
    do {                                                                     \
        const int64_t want_[] = {__VA_ARGS__};                               \
        assert_book_ids(f, q, want_, sizeof want_ / sizeof want_[0]);        \
    } while (0)
#define NO_BOOKS(f, q) assert_book_ids(f, q, NULL, 0)

#define BLOG_COLS                                                            \
    "t0.\"id\", t0.\"title\", t0.\"author_id\", t0.\"editor_id\", "          \
    "t0.\"created\", t0.\"rating\""
#define COMMENT_SELECT                                                       \
    "SELECT t0.\"id\", t0.\"blog_id\", t0.\"content\", t0.\"score\" FROM "   \
    "\"comment\" AS t0"

/* ---- constraints and missing rows ---- */

static void test_unique_violation(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t bob = add_author(f->db, "Bob", "bob@example.com");

    Author dup;
    author_init(&dup);
    dup.name = "Impostor";
    dup.email = "ann@example.com";
    counts_reset(f);
    assert_status(f->db, author_insert(f->db, &dup), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Author.insert: UNIQUE constraint failed: author.email",
                    "Author.insert: duplicate key value violates unique "
                    "constraint \"author_email_key\"");
    assert_int_equal(dup.id, 0);
    assert_queries(f, 1);
    assert_int_equal(N_AUTHORS(f->db), 2);

    /* an update into the same email fails and leaves the row as it was */
    Author *b = NULL;
    assert_ok(f->db, author_get(f->db, bob, &b));
    Author upd = *b;
    upd.email = "ann@example.com";
    upd.name = "Bobby";
    assert_status(f->db, author_update(f->db, &upd), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Author.update: UNIQUE constraint failed: author.email",
                    "Author.update: duplicate key value violates unique "
                    "constraint \"author_email_key\"");
    author_free(b);
    assert_ok(f->db, author_get(f->db, bob, &b));
    assert_string_equal(b->name, "Bob");
    assert_string_equal(b->email, "bob@example.com");
    author_free(b);

    /* the next successful call clears the error */
    assert_int_equal(ormc_errcode(f->db), ORMC_OK);
    assert_string_equal(ormc_errmsg(f->db), "");
    assert_ok(f->db, author_get(f->db, ann, &b));
    assert_string_equal(b->email, "ann@example.com");
    author_free(b);

    /* a foreign key to nowhere is the database's to refuse */
    Blog g;
    blog_init(&g);
    g.title = "t";
    g.author_id = 12345;
    assert_status(f->db, blog_insert(f->db, &g), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Blog.insert: FOREIGN KEY constraint failed",
                    "Blog.insert: insert or update on table \"blog\" violates "
                    "foreign key constraint \"blog_author_id_fkey\"");
    assert_int_equal(N_BLOGS(f->db), 0);
}

static void test_missing_id_not_found(void **state)
{
    fixture *f = *state;
    add_author(f->db, "Ann", "ann@example.com");
    counts_reset(f);

    Author *a = (Author *)f; /* must become NULL */
    assert_status(f->db, author_get(f->db, 42, &a), ORMC_NOT_FOUND);
    assert_null(a);
    assert_error(f->db, ORMC_NOT_FOUND, "Author.get: no row with id 42");

    assert_status(f->db, author_delete(f->db, 42), ORMC_NOT_FOUND);
    assert_error(f->db, ORMC_NOT_FOUND, "Author.delete: no row with id 42");

    Author upd;
    author_init(&upd);
    upd.id = 42;
    upd.name = "Ghost";
    upd.email = "ghost@example.com";
    assert_status(f->db, author_update(f->db, &upd), ORMC_NOT_FOUND);
    assert_error(f->db, ORMC_NOT_FOUND, "Author.update: no row with id 42");

    Blog *g = NULL;
    assert_status(f->db, blog_get(f->db, -1, &g), ORMC_NOT_FOUND);
    assert_error(f->db, ORMC_NOT_FOUND, "Blog.get: no row with id -1");
    assert_null(g);
    assert_status(f->db, comment_delete(f->db, 0), ORMC_NOT_FOUND);
    assert_error(f->db, ORMC_NOT_FOUND, "Comment.delete: no row with id 0");

    assert_queries(f, 5); /* one statement each, nothing more */
    assert_int_equal(N_AUTHORS(f->db), 1);
}

/* ---- on delete ---- */

static void test_cascade_delete_author(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t bob = add_author(f->db, "Bob", "bob@example.com");
    add_book(f->db, "A1", ann, 1, 1);
    add_book(f->db, "A2", ann, 2, 2);
    int64_t b3 = add_book(f->db, "B1", bob, 3, 3);
    int64_t g1 = add_blog(f->db, "ann-1", ann, bob, 1, NAN);
    int64_t g2 = add_blog(f->db, "ann-2", ann, 0, 2, NAN);
    int64_t g3 = add_blog(f->db, "bob-1", bob, ann, 3, 1.0); /* Ann edits */
    int64_t g4 = add_blog(f->db, "bob-2", bob, 0, 4, NAN);
    add_comment(f->db, g1, "c1", 0);
    add_comment(f->db, g1, "c2", 0);
    add_comment(f->db, g2, "c3", 0);
    int64_t c4 = add_comment(f->db, g3, "c4", 0);

    counts_reset(f);
    assert_ok(f->db, author_delete(f->db, ann));
    assert_queries(f, 1);
    assert_sql(f, 0, "DELETE FROM \"author\" WHERE \"id\" = ?1");

    /* Ann's books, blogs and their comments went with her */
    BookList books = {0};
    assert_ok(f->db, book_fetch(f->db, NULL, &books));
    assert_int_equal(books.count, 1);
    assert_int_equal(books.items[0].id, b3);
    book_list_free(&books);
    BlogList blogs = {0};
    assert_ok(f->db, blog_fetch(f->db, NULL, &blogs));
    assert_int_equal(blogs.count, 2);
    assert_int_equal(blogs.items[0].id, g3);
    assert_int_equal(blogs.items[1].id, g4);
    /* the blog she only edited stays, with its editor set NULL */
    assert_true(blogs.items[0].editor_null);
    assert_int_equal(blogs.items[0].editor_id, 0);
    assert_int_equal(blogs.items[0].author_id, bob);
    blog_list_free(&blogs);
    CommentList cl = {0};
    assert_ok(f->db, comment_fetch(f->db, NULL, &cl));
    assert_int_equal(cl.count, 1);
    assert_int_equal(cl.items[0].id, c4);
    comment_list_free(&cl);
    assert_int_equal(N_AUTHORS(f->db), 1);

    /* deleting a blog takes its comments too */
    assert_ok(f->db, blog_delete(f->db, g3));
    assert_int_equal(N_COMMENTS(f->db), 0);
    assert_int_equal(N_BLOGS(f->db), 1);
}

static void test_set_null_delete_editor(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t ed = add_author(f->db, "Ed", "ed@example.com");
    int64_t g1 = add_blog(f->db, "one", ann, ed, 100, 2.5);
    int64_t g2 = add_blog(f->db, "two", ann, ed, 200, NAN);
    add_blog(f->db, "three", ann, ann, 300, NAN);
    add_comment(f->db, g1, "kept", 1);

    assert_ok(f->db, author_delete(f->db, ed));
    assert_int_equal(N_BLOGS(f->db), 3);
    assert_int_equal(N_COMMENTS(f->db), 1);
    Blog *g = NULL;
    assert_ok(f->db, blog_get(f->db, g1, &g));
    assert_true(g->editor_null);
    assert_int_equal(g->editor_id, 0);
    assert_null(g->editor);
    assert_int_equal(g->author_id, ann);
    assert_string_equal(g->title, "one");
    assert_int_equal(g->created, 100);
    assert_false(g->rating_null);
    assert_double_exact(g->rating, 2.5);
    blog_free(g);

    BlogQuery q;
    blog_query_init(&q);
    blog_where_editor_null(&q, true);
    int64_t n = -1;
    assert_ok(f->db, blog_count(f->db, &q, &n));
    assert_int_equal(n, 2);
    blog_query_init(&q);
    blog_where_editor_id(&q, ORMC_EQ, ann);
    assert_ok(f->db, blog_count(f->db, &q, &n));
    assert_int_equal(n, 1);
    (void)g2;
}

/* The mistake this rule exists for: blog_init leaves editor_null true, and
 * setting editor_id alone used to store NULL and return OK.  The flag of a
 * relation's <name>_id field is <name>_null. */
static void test_editor_id_behind_editor_null_rejected(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t ed = add_author(f->db, "Ed", "ed@example.com");
    Blog b;
    blog_init(&b);
    assert_true(b.editor_null);
    b.title = "t";
    b.author_id = ann;
    b.editor_id = ed;
    counts_reset(f);
    assert_status(f->db, blog_insert(f->db, &b), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.editor_id: editor_null is true but the value is 2 (set "
                 "editor_null = false to store 2, or editor_id = 0 to store "
                 "NULL)");
    assert_queries(f, 0);
    assert_int_equal(b.id, 0);
    assert_int_equal(N_BLOGS(f->db), 0);

    /* rating too (a plain nullable real) */
    b.editor_null = false;
    b.rating = 4.5;
    assert_status(f->db, blog_insert(f->db, &b), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.rating: rating_null is true but the value is 4.5 (set "
                 "rating_null = false to store 4.5, or rating = 0 to store "
                 "NULL)");
    b.rating_null = false;
    assert_ok(f->db, blog_insert(f->db, &b));

    /* update: clearing the editor needs the value cleared too */
    b.editor_null = true;
    counts_reset(f);
    assert_status(f->db, blog_update(f->db, &b), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.editor_id: editor_null is true but the value is 2 (set "
                 "editor_null = false to store 2, or editor_id = 0 to store "
                 "NULL)");
    assert_queries(f, 0);
    Blog *g = NULL;
    assert_ok(f->db, blog_get(f->db, b.id, &g));
    assert_false(g->editor_null);
    assert_int_equal(g->editor_id, ed);
    blog_free(g);
    b.editor_id = 0;
    assert_ok(f->db, blog_update(f->db, &b));
    assert_ok(f->db, blog_get(f->db, b.id, &g));
    assert_true(g->editor_null);
    blog_free(g);
}

/* ---- select_related ---- */

static void test_select_related_book_with_author(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t bob = add_author(f->db, "Bob", "bob@example.com");
    add_author(f->db, "Cy", "cy@example.com"); /* no books */
    add_book(f->db, "b1", bob, 10.5, 100);
    add_book(f->db, "b2", ann, 20.0, 200);
    add_book(f->db, "b3", bob, 5.25, 50);

    BookQuery q;
    book_query_init(&q);
    book_with_author(&q);
    BookList l = {0};
    counts_reset(f);
    assert_ok(f->db, book_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"price\", t0.\"pages\", t1.\"id\", t1.\"name\", "
               "t1.\"email\" FROM \"book\" AS t0 JOIN \"author\" AS t1 ON "
               "t1.\"id\" = t0.\"author_id\" ORDER BY t0.\"id\"");
    assert_int_equal(spy.rows, 3);
    assert_int_equal(l.count, 3);
    const int64_t want_author[] = {bob, ann, bob};
    const char *want_name[] = {"Bob", "Ann", "Bob"};
    for (size_t k = 0; k < 3; k++) {
        Book *b = &l.items[k];
        assert_int_equal(b->author_id, want_author[k]);
        assert_non_null(b->author);
        assert_int_equal(b->author->id, want_author[k]);
        assert_string_equal(b->author->name, want_name[k]);
        /* the related object is a plain row: no prefetch results */
        assert_null(b->author->rel);
    }
    assert_string_equal(l.items[0].author->email, "bob@example.com");
    assert_string_equal(l.items[1].author->email, "ann@example.com");
    /* rows naming the same author share its one copy */
    assert_ptr_equal(l.items[0].author, l.items[2].author);
    assert_ptr_not_equal(l.items[0].author, l.items[1].author);
    assert_double_exact(l.items[2].price, 5.25);
    assert_int_equal(l.items[2].pages, 50);
    book_list_free(&l);
    assert_null(l.items);
    assert_int_equal(l.count, 0);
    assert_null(l.owner);

    /* without with_author the pointer stays NULL */
    assert_ok(f->db, book_fetch(f->db, NULL, &l));
    assert_int_equal(l.count, 3);
    for (size_t k = 0; k < 3; k++)
        assert_null(l.items[k].author);
    book_list_free(&l);

    /* under a limit (the identity map is sized from it up front, up to a
     * cap) rows still share their author */
    const int64_t limits[] = {2, 3, 1000000};
    const size_t want_count[] = {2, 3, 3};
    for (size_t i = 0; i < 3; i++) {
        book_query_init(&q);
        book_with_author(&q);
        book_limit(&q, limits[i]);
        assert_ok(f->db, book_fetch(f->db, &q, &l));
        assert_int_equal(l.count, want_count[i]);
        assert_string_equal(l.items[0].author->name, "Bob");
        assert_string_equal(l.items[1].author->name, "Ann");
        assert_int_equal(l.items[1].author->id, ann);
        if (l.count == 3)
            assert_ptr_equal(l.items[0].author, l.items[2].author);
        book_list_free(&l);
    }
}

static void test_with_editor_null_keeps_row(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t ed = add_author(f->db, "Ed", "ed@example.com");
    add_blog(f->db, "edited", ann, ed, 1, NAN);
    add_blog(f->db, "unedited", ann, 0, 2, NAN);
    add_blog(f->db, "self", ann, ann, 3, NAN);

    BlogQuery q;
    blog_query_init(&q);
    blog_with_editor(&q);
    blog_with_author(&q);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "SELECT " BLOG_COLS ", t1.\"id\", t1.\"name\", t1.\"email\", "
               "t2.\"id\", t2.\"name\", t2.\"email\" FROM \"blog\" AS t0 LEFT "
               "JOIN \"author\" AS t1 ON t1.\"id\" = t0.\"editor_id\" JOIN "
               "\"author\" AS t2 ON t2.\"id\" = t0.\"author_id\" ORDER BY "
               "t0.\"id\"");
    assert_int_equal(l.count, 3);
    assert_non_null(l.items[0].editor);
    assert_int_equal(l.items[0].editor->id, ed);
    assert_string_equal(l.items[0].editor->name, "Ed");
    assert_false(l.items[0].editor_null);

    assert_string_equal(l.items[1].title, "unedited");
    assert_null(l.items[1].editor);
    assert_true(l.items[1].editor_null);
    assert_non_null(l.items[1].author); /* the other join still loaded */
    assert_string_equal(l.items[1].author->name, "Ann");

    assert_non_null(l.items[2].editor);
    assert_string_equal(l.items[2].editor->email, "ann@example.com");
    for (size_t k = 0; k < 3; k++) {
        assert_non_null(l.items[k].author);
        assert_int_equal(l.items[k].author->id, ann);
    }
    blog_list_free(&l);

    /* a comment with its blog (a non-null relation: inner JOIN) */
    add_comment(f->db, 2, "hi", 5);
    CommentQuery cq;
    comment_query_init(&cq);
    comment_with_blog(&cq);
    CommentList cl = {0};
    assert_ok(f->db, comment_fetch(f->db, &cq, &cl));
    assert_int_equal(cl.count, 1);
    assert_non_null(cl.items[0].blog);
    assert_string_equal(cl.items[0].blog->title, "unedited");
    assert_true(cl.items[0].blog->editor_null);
    assert_null(cl.items[0].blog->author); /* one level only */
    comment_list_free(&cl);
}

/* ---- prefetch ---- */

static void test_prefetch_comments(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t g1 = add_blog(f->db, "g1", ann, 0, 1, NAN);
    int64_t g2 = add_blog(f->db, "g2", ann, 0, 2, NAN);
    int64_t g3 = add_blog(f->db, "g3", ann, 0, 3, NAN);
    /* interleaved, so stitching must regroup them */
    int64_t c1 = add_comment(f->db, g3, "g3-a", 31);
    int64_t c2 = add_comment(f->db, g1, "g1-a", 11);
    int64_t c3 = add_comment(f->db, g3, "g3-b", 32);
    int64_t c4 = add_comment(f->db, g1, "g1-b", 12);
    int64_t c5 = add_comment(f->db, g1, "g1-c", 13);

    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_comments(&q);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 0, "SELECT " BLOG_COLS " FROM \"blog\" AS t0 ORDER BY t0.\"id\"");
    assert_sql(f, 1, COMMENT_SELECT " ORDER BY t0.\"id\"");
    assert_int_equal(spy.rows, 3 + 5);
    assert_int_equal(l.count, 3);

    const Blog *b1 = &l.items[0], *b2 = &l.items[1], *b3 = &l.items[2];
    assert_int_equal(b1->id, g1);
    assert_int_equal(b1->rel->comments.count, 3);
    const int64_t ids1[] = {c2, c4, c5};
    const char *txt1[] = {"g1-a", "g1-b", "g1-c"};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(b1->rel->comments.items[k]->id, ids1[k]);
        assert_int_equal(b1->rel->comments.items[k]->blog_id, g1);
        assert_string_equal(b1->rel->comments.items[k]->content, txt1[k]);
        assert_int_equal(b1->rel->comments.items[k]->score, (int64_t)(11 + k));
        assert_null(b1->rel->comments.items[k]->blog);
    }
    assert_int_equal(b2->id, g2);
    assert_int_equal(b2->rel->comments.count, 0);
    assert_null(b2->rel->comments.items);
    assert_int_equal(b3->rel->comments.count, 2);
    assert_int_equal(b3->rel->comments.items[0]->id, c1);
    assert_int_equal(b3->rel->comments.items[1]->id, c3);
    assert_string_equal(b3->rel->comments.items[1]->content, "g3-b");
    /* no count was asked for */
    assert_int_equal(b1->rel->comments_count, 0);
    blog_list_free(&l);

    /* prefetch over no parents still costs exactly one extra statement */
    blog_where_id(&q, ORMC_GT, 100);
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_int_equal(l.count, 0);
    assert_int_equal(spy.rows, 0);
    blog_list_free(&l);
}

static void test_prefetch_100000_parents(void **state)
{
    fixture *f = *state;
    enum { N = 100000 };
    assert_ok(f->db, ormc_begin(f->db));
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    char title[32];
    for (int64_t k = 1; k <= N; k++) {
        snprintf(title, sizeof title, "blog %lld", (long long)k);
        assert_int_equal(add_blog(f->db, title, ann, 0, k, NAN), k);
    }
    /* blog k gets k % 3 comments, added in two passes over all blogs so a
     * blog's comments are far apart in the table */
    int64_t total = 0;
    for (int pass = 1; pass <= 2; pass++)
        for (int64_t k = 1; k <= N; k++)
            if (k % 3 >= pass) {
                add_comment(f->db, k, pass == 1 ? "first" : "second",
                            k * 10 + pass);
                total++;
            }
    assert_ok(f->db, ormc_commit(f->db));
    assert_int_equal(total, 100000);

    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_comments(&q);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_int_equal(spy.rows, N + total);
    assert_int_equal(l.count, N);
    int64_t seen = 0;
    for (int64_t k = 1; k <= N; k++) {
        const Blog *b = &l.items[k - 1];
        if (b->id != k || b->created != k ||
            b->rel->comments.count != (size_t)(k % 3)) {
            print_error("blog %lld: id %lld, created %lld, %zu comments\n",
                        (long long)k, (long long)b->id, (long long)b->created,
                        b->rel->comments.count);
            fail();
        }
        int64_t prev = 0;
        for (size_t j = 0; j < b->rel->comments.count; j++) {
            const Comment *c = b->rel->comments.items[j];
            if (c->blog_id != k || c->score != k * 10 + (int64_t)j + 1 ||
                c->id <= prev) {
                print_error("blog %lld comment %zu: blog_id %lld score %lld\n",
                            (long long)k, j, (long long)c->blog_id,
                            (long long)c->score);
                fail();
            }
            prev = c->id;
            seen++;
        }
    }
    assert_int_equal(seen, total);
    char want[32];
    snprintf(want, sizeof want, "blog %d", N);
    assert_string_equal(l.items[N - 1].title, want);
    assert_string_equal(l.items[N - 1].rel->comments.items[0]->content, "first");
    blog_list_free(&l);

    int64_t n = -1;
    assert_ok(f->db, comment_count(f->db, NULL, &n));
    assert_int_equal(n, total);
}

static void test_prefetch_filtered_limited_parents(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t bob = add_author(f->db, "Bob", "bob@example.com");
    int64_t g[7];
    const int64_t author[7] = {0, ann, bob, ann, ann, bob, ann};
    const int ncomments[7] = {0, 1, 2, 1, 2, 1, 0};
    char text[16];
    for (int i = 1; i <= 6; i++) {
        snprintf(text, sizeof text, "g%d", i);
        g[i] = add_blog(f->db, text, author[i], 0, i, NAN);
    }
    for (int i = 1; i <= 6; i++)
        for (int j = 0; j < ncomments[i]; j++) {
            snprintf(text, sizeof text, "g%d-%d", i, j);
            add_comment(f->db, g[i], text, i * 10 + j);
        }

    /* Ann's blogs, newest id first, skipping one, two of them: g4, g3 */
    BlogQuery q;
    blog_query_init(&q);
    blog_where_author_id(&q, ORMC_EQ, ann);
    blog_order_by(&q, BLOG_ID.path, ORMC_DESC);
    blog_offset(&q, 1);
    blog_limit(&q, 2);
    blog_prefetch_comments(&q);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 0,
               "SELECT " BLOG_COLS " FROM \"blog\" AS t0 WHERE "
               "t0.\"author_id\" = ?1 ORDER BY t0.\"id\" DESC LIMIT ?2 OFFSET ?3");
    assert_sql(f, 1,
               COMMENT_SELECT " WHERE t0.\"blog_id\" IN (SELECT t1.\"id\" FROM "
               "\"blog\" AS t1 WHERE t1.\"author_id\" = ?1 ORDER BY t1.\"id\" "
               "DESC LIMIT ?2 OFFSET ?3) ORDER BY t0.\"blog_id\", t0.\"id\"");
    /* only the children of those two parents came back from SQLite */
    assert_int_equal(spy.rows, 2 + (2 + 1));
    assert_int_equal(l.count, 2);
    assert_int_equal(l.items[0].id, g[4]);
    assert_int_equal(l.items[1].id, g[3]);
    assert_int_equal(l.items[0].rel->comments.count, 2);
    assert_string_equal(l.items[0].rel->comments.items[0]->content, "g4-0");
    assert_string_equal(l.items[0].rel->comments.items[1]->content, "g4-1");
    assert_int_equal(l.items[1].rel->comments.count, 1);
    assert_string_equal(l.items[1].rel->comments.items[0]->content, "g3-0");
    assert_int_equal(l.items[1].rel->comments.items[0]->blog_id, g[3]);
    blog_list_free(&l);

    /* filters without a window: the sub-select is not ordered */
    const char *titles[] = {"g2", "g5", "nope"};
    blog_query_init(&q);
    blog_where_title_in(&q, titles, 3);
    blog_prefetch_comments(&q);
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 1,
               COMMENT_SELECT " WHERE t0.\"blog_id\" IN (SELECT t1.\"id\" FROM "
               "\"blog\" AS t1 WHERE t1.\"title\" IN (SELECT value FROM "
               "ormc_array(?1))) ORDER BY t0.\"blog_id\", t0.\"id\"");
    assert_int_equal(spy.rows, 2 + (2 + 1));
    assert_int_equal(l.count, 2);
    assert_int_equal(l.items[0].rel->comments.count, 2);
    assert_string_equal(l.items[0].rel->comments.items[1]->content, "g2-1");
    assert_int_equal(l.items[1].rel->comments.count, 1);
    assert_string_equal(l.items[1].rel->comments.items[0]->content, "g5-0");
    blog_list_free(&l);
}

/* ---- annotate(Count) ---- */

static void test_several_counts_no_join_multiplication(void **state)
{
    fixture *f = *state;
    int64_t a = add_author(f->db, "A", "a@example.com");
    int64_t b = add_author(f->db, "B", "b@example.com");
    int64_t c = add_author(f->db, "C", "c@example.com");
    add_book(f->db, "a1", a, 1, 1);
    add_book(f->db, "a2", a, 1, 1);
    add_book(f->db, "a3", a, 1, 1);
    add_book(f->db, "c1", c, 1, 1);
    add_blog(f->db, "ga1", a, b, 1, NAN);
    add_blog(f->db, "ga2", a, b, 2, NAN);
    add_blog(f->db, "gb1", b, a, 3, NAN);

    AuthorQuery q;
    author_query_init(&q);
    author_count_books(&q);
    author_count_blogs(&q);
    author_count_edited_blogs(&q);
    author_count_books(&q); /* asking twice changes nothing */
    AuthorList l = {0};
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"name\", t0.\"email\", (SELECT COUNT(*) "
               "FROM \"book\" AS t1 WHERE t1.\"author_id\" = t0.\"id\"), (SELECT "
               "COUNT(*) FROM \"blog\" AS t2 WHERE t2.\"author_id\" = t0.\"id\"), "
               "(SELECT COUNT(*) FROM \"blog\" AS t3 WHERE t3.\"editor_id\" = "
               "t0.\"id\") FROM \"author\" AS t0 ORDER BY t0.\"id\"");
    assert_int_equal(l.count, 3);
    const int64_t books[] = {3, 0, 1}, blogs[] = {2, 1, 0}, edited[] = {1, 2, 0};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(l.items[k].rel->books_count, books[k]);
        assert_int_equal(l.items[k].rel->blogs_count, blogs[k]);
        assert_int_equal(l.items[k].rel->edited_blogs_count, edited[k]);
        /* counting does not load the lists */
        assert_int_equal(l.items[k].rel->books.count, 0);
    }
    author_list_free(&l);

    /* and all three prefetched at once: 1 + 3 statements */
    author_query_init(&q);
    author_prefetch_books(&q);
    author_prefetch_blogs(&q);
    author_prefetch_edited_blogs(&q);
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 4);
    assert_sql(f, 3,
               "SELECT " BLOG_COLS " FROM \"blog\" AS t0 WHERE "
               "t0.\"editor_id\" IS NOT NULL ORDER BY t0.\"id\"");
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(l.items[k].rel->books.count, (size_t)books[k]);
        assert_int_equal(l.items[k].rel->blogs.count, (size_t)blogs[k]);
        assert_int_equal(l.items[k].rel->edited_blogs.count, (size_t)edited[k]);
    }
    assert_string_equal(l.items[0].rel->books.items[2]->title, "a3");
    assert_string_equal(l.items[1].rel->edited_blogs.items[1]->title, "ga2");
    assert_string_equal(l.items[0].rel->edited_blogs.items[0]->title, "gb1");
    assert_string_equal(l.items[2].rel->books.items[0]->title, "c1");
    author_list_free(&l);
    (void)c;
}

/* ---- everything at once ---- */

static void test_everything_combined(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t bob = add_author(f->db, "Bob", "bob@example.com");
    int64_t cy = add_author(f->db, "Cy", "cy@example.com");
    int64_t g1 = add_blog(f->db, "alpha", ann, cy, 1000, 4.5);
    int64_t g2 = add_blog(f->db, "beta", bob, 0, 3000, 3.0);
    int64_t g3 = add_blog(f->db, "gamma", ann, 0, 3000, NAN);
    int64_t g4 = add_blog(f->db, "delta", ann, bob, 3000, 5.0);
    int64_t g5 = add_blog(f->db, "eps", bob, cy, 5000, 1.0);
    int64_t g6 = add_blog(f->db, "zeta", ann, cy, 6000, 2.0);
    add_blog(f->db, "cy's", cy, ann, 9000, 1.0); /* filtered out by author */
    add_comment(f->db, g4, "d1", 1);
    add_comment(f->db, g1, "a1", 1);
    add_comment(f->db, g5, "e1", 1);
    add_comment(f->db, g4, "d2", 2);
    add_comment(f->db, g1, "a2", 2);
    add_comment(f->db, g3, "c1", 1);
    add_comment(f->db, g6, "z1", 1);
    add_comment(f->db, g4, "d3", 3);

    const int64_t authors[] = {ann, bob};
    BlogQuery q;
    blog_query_init(&q);
    blog_with_author(&q);
    blog_with_editor(&q);
    blog_prefetch_comments(&q);
    blog_count_comments(&q);
    blog_where_author_id_in(&q, authors, 2);
    blog_where_rating_null(&q, false);
    blog_where_created(&q, ORMC_GE, 1000);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_order_by(&q, BLOG_TITLE.path, ORMC_ASC);
    blog_limit(&q, 3);
    blog_offset(&q, 1);
    /* candidates by created desc, title: zeta, eps, beta, delta, alpha;
     * offset 1, limit 3: eps, beta, delta */
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 0,
               "SELECT " BLOG_COLS ", t1.\"id\", t1.\"name\", t1.\"email\", "
               "t2.\"id\", t2.\"name\", t2.\"email\", (SELECT COUNT(*) FROM "
               "\"comment\" AS t3 WHERE t3.\"blog_id\" = t0.\"id\") FROM "
               "\"blog\" AS t0 JOIN \"author\" AS t1 ON t1.\"id\" = "
               "t0.\"author_id\" LEFT JOIN \"author\" AS t2 ON t2.\"id\" = "
               "t0.\"editor_id\" WHERE t0.\"rating\" IS NOT NULL AND "
               "t0.\"created\" >= ?2 AND t0.\"author_id\" IN (SELECT value "
               "FROM ormc_array(?1)) ORDER BY t0.\"created\" DESC, "
               "t0.\"title\", t0.\"id\" LIMIT ?3 OFFSET ?4");
    assert_sql(f, 1,
               COMMENT_SELECT " WHERE t0.\"blog_id\" IN (SELECT t1.\"id\" FROM "
               "\"blog\" AS t1 WHERE t1.\"rating\" IS NOT NULL AND "
               "t1.\"created\" >= ?2 AND t1.\"author_id\" IN (SELECT value "
               "FROM ormc_array(?1)) ORDER BY t1.\"created\" DESC, "
               "t1.\"title\", t1.\"id\" LIMIT ?3 OFFSET ?4) ORDER BY "
               "t0.\"blog_id\", t0.\"id\"");
    assert_int_equal(spy.rows, 3 + (1 + 0 + 3));
    assert_int_equal(l.count, 3);

    const Blog *e = &l.items[0], *b = &l.items[1], *d = &l.items[2];
    assert_int_equal(e->id, g5);
    assert_string_equal(e->author->name, "Bob");
    assert_string_equal(e->editor->name, "Cy");
    assert_int_equal(e->rel->comments_count, 1);
    assert_int_equal(e->rel->comments.count, 1);
    assert_string_equal(e->rel->comments.items[0]->content, "e1");
    assert_double_exact(e->rating, 1.0);

    assert_int_equal(b->id, g2);
    assert_string_equal(b->author->name, "Bob");
    assert_null(b->editor);
    assert_true(b->editor_null);
    assert_int_equal(b->rel->comments_count, 0);
    assert_int_equal(b->rel->comments.count, 0);

    assert_int_equal(d->id, g4);
    assert_int_equal(d->author->id, ann);
    assert_int_equal(d->editor->id, bob);
    assert_int_equal(d->rel->comments_count, 3);
    assert_int_equal(d->rel->comments.count, 3);
    assert_string_equal(d->rel->comments.items[0]->content, "d1");
    assert_string_equal(d->rel->comments.items[1]->content, "d2");
    assert_string_equal(d->rel->comments.items[2]->content, "d3");
    assert_int_equal(d->created, 3000);
    blog_list_free(&l);

    /* the same query counted: the window applies */
    int64_t n = -1;
    assert_ok(f->db, blog_count(f->db, &q, &n));
    assert_int_equal(n, 3);
    blog_query_free(&q); /* 9 terms: spilled to the heap */
}

/* ---- filters, order, limit, offset ---- */

/* Books 1..5: titles apple, banana, cherry, Banana, date; prices 9.75, 10,
 * 10.25, 0.5, 10; pages 100, 200, 200, 300, 50. */
static void add_five_books(ormc_db *db)
{
    int64_t a = add_author(db, "Ann", "ann@example.com");
    int64_t b = add_author(db, "Bob", "bob@example.com");
    add_book(db, "apple", a, 9.75, 100);
    add_book(db, "banana", a, 10.0, 200);
    add_book(db, "cherry", b, 10.25, 200);
    add_book(db, "Banana", b, 0.5, 300);
    add_book(db, "date", a, 10.0, 50);
}

static void test_filter_int_ops(void **state)
{
    fixture *f = *state;
    add_five_books(f->db);
    BookQuery q;
    book_query_init(&q);
    book_where_pages(&q, ORMC_EQ, 200);
    counts_reset(f);
    BOOK_IDS(f, &q, 2, 3);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"price\", t0.\"pages\" FROM \"book\" AS t0 WHERE "
               "t0.\"pages\" = ?1 ORDER BY t0.\"id\"");
    book_query_init(&q);
    book_where_pages(&q, ORMC_NE, 200);
    counts_reset(f);
    BOOK_IDS(f, &q, 1, 4, 5);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"price\", t0.\"pages\" FROM \"book\" AS t0 WHERE "
               "t0.\"pages\" <> ?1 ORDER BY t0.\"id\"");
    book_query_init(&q);
    book_where_pages(&q, ORMC_LT, 200);
    BOOK_IDS(f, &q, 1, 5);
    book_query_init(&q);
    book_where_pages(&q, ORMC_LE, 200);
    BOOK_IDS(f, &q, 1, 2, 3, 5);
    book_query_init(&q);
    book_where_pages(&q, ORMC_GT, 200);
    BOOK_IDS(f, &q, 4);
    book_query_init(&q);
    book_where_pages(&q, ORMC_GE, 200);
    BOOK_IDS(f, &q, 2, 3, 4);
    /* ANDed: 100 < pages <= 200 */
    book_query_init(&q);
    book_where_pages(&q, ORMC_GT, 100);
    book_where_pages(&q, ORMC_LE, 200);
    BOOK_IDS(f, &q, 2, 3);
    book_query_init(&q);
    book_where_id(&q, ORMC_NE, 3);
    book_where_author_id(&q, ORMC_EQ, 2);
    BOOK_IDS(f, &q, 4);
}

static void test_filter_real_and_text_ops(void **state)
{
    fixture *f = *state;
    add_five_books(f->db);
    BookQuery q;
    book_query_init(&q);
    book_where_price(&q, ORMC_EQ, 10.0);
    BOOK_IDS(f, &q, 2, 5);
    book_query_init(&q);
    book_where_price(&q, ORMC_NE, 10.0);
    BOOK_IDS(f, &q, 1, 3, 4);
    book_query_init(&q);
    book_where_price(&q, ORMC_LT, 10.0);
    BOOK_IDS(f, &q, 1, 4);
    book_query_init(&q);
    book_where_price(&q, ORMC_LE, 10.0);
    BOOK_IDS(f, &q, 1, 2, 4, 5);
    book_query_init(&q);
    book_where_price(&q, ORMC_GT, 10.0);
    BOOK_IDS(f, &q, 3);
    book_query_init(&q);
    book_where_price(&q, ORMC_GE, 10.0);
    BOOK_IDS(f, &q, 2, 3, 5);

    /* text compares bytewise: "Banana" < "apple" < "banana" */
    book_query_init(&q);
    book_where_title(&q, ORMC_EQ, "banana");
    BOOK_IDS(f, &q, 2);
    book_query_init(&q);
    book_where_title(&q, ORMC_NE, "banana");
    BOOK_IDS(f, &q, 1, 3, 4, 5);
    book_query_init(&q);
    book_where_title(&q, ORMC_LT, "banana");
    BOOK_IDS(f, &q, 1, 4);
    book_query_init(&q);
    book_where_title(&q, ORMC_LE, "banana");
    BOOK_IDS(f, &q, 1, 2, 4);
    book_query_init(&q);
    book_where_title(&q, ORMC_GT, "banana");
    BOOK_IDS(f, &q, 3, 5);
    book_query_init(&q);
    book_where_title(&q, ORMC_GE, "banana");
    BOOK_IDS(f, &q, 2, 3, 5);
    book_query_init(&q);
    book_where_title(&q, ORMC_EQ, "no such title");
    NO_BOOKS(f, &q);
}

static void test_filter_null(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    add_blog(f->db, "g1", ann, ann, 1, 1.5);
    add_blog(f->db, "g2", ann, 0, 2, NAN);
    add_blog(f->db, "g3", ann, 0, 3, 0.0);
    add_blog(f->db, "g4", ann, ann, 4, NAN);
    BlogQuery q;
    BlogList l = {0};
    struct { bool editor, rating; bool is_null; int64_t want[4]; size_t n; } cases[] = {
        {true, false, true, {2, 3}, 2},
        {true, false, false, {1, 4}, 2},
        {false, true, true, {2, 4}, 2},
        {false, true, false, {1, 3}, 2},
    };
    for (size_t k = 0; k < 4; k++) {
        blog_query_init(&q);
        if (cases[k].editor)
            blog_where_editor_null(&q, cases[k].is_null);
        else
            blog_where_rating_null(&q, cases[k].is_null);
        assert_ok(f->db, blog_fetch(f->db, &q, &l));
        assert_int_equal(l.count, cases[k].n);
        for (size_t j = 0; j < cases[k].n; j++)
            assert_int_equal(l.items[j].id, cases[k].want[j]);
        blog_list_free(&l);
    }
    blog_query_init(&q);
    blog_where_editor_null(&q, true);
    blog_where_rating_null(&q, true);
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_sql(f, 0,
               "SELECT " BLOG_COLS " FROM \"blog\" AS t0 WHERE "
               "t0.\"editor_id\" IS NULL AND t0.\"rating\" IS NULL ORDER BY "
               "t0.\"id\"");
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, 2);
    assert_true(l.items[0].rating_null);
    blog_list_free(&l);
    /* a comparison never matches NULL */
    blog_query_init(&q);
    blog_where_rating(&q, ORMC_NE, 1.5);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, 3);
    blog_list_free(&l);
}

static void test_filter_in(void **state)
{
    fixture *f = *state;
    add_five_books(f->db);
    BookQuery q;
    const int64_t pages[] = {200, 50, 999};
    book_query_init(&q);
    book_where_pages_in(&q, pages, 3);
    counts_reset(f);
    BOOK_IDS(f, &q, 2, 3, 5);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"price\", t0.\"pages\" FROM \"book\" AS t0 WHERE "
               "t0.\"pages\" IN (SELECT value FROM ormc_array(?1)) ORDER BY "
               "t0.\"id\"");
    const int64_t one[] = {4};
    book_query_init(&q);
    book_where_id_in(&q, one, 1);
    BOOK_IDS(f, &q, 4);

    const char *titles[] = {"date", "apple", "Apple", "nope"};
    book_query_init(&q);
    book_where_title_in(&q, titles, 4);
    BOOK_IDS(f, &q, 1, 5);
    /* a NULL in the array is refused (IS NULL says it), before any SQL */
    const char *with_null[] = {"cherry", NULL};
    book_query_init(&q);
    book_where_title_in(&q, with_null, 2);
    BookList bl = {0};
    assert_status(f->db, book_fetch(f->db, &q, &bl), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Book.fetch: NULL text value in an "
                                      "_in filter (use the _null filter)");

    /* an empty IN list matches nothing, int or text, and counts 0 */
    book_query_init(&q);
    book_where_pages_in(&q, pages, 0);
    counts_reset(f);
    NO_BOOKS(f, &q);
    assert_queries(f, 1);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"price\", t0.\"pages\" FROM \"book\" AS t0 WHERE "
               "t0.\"pages\" IN (SELECT value FROM ormc_array(?1)) ORDER BY "
               "t0.\"id\"");
    int64_t n = -1;
    assert_ok(f->db, book_count(f->db, &q, &n));
    assert_int_equal(n, 0);
    book_query_init(&q);
    book_where_title_in(&q, NULL, 0);
    NO_BOOKS(f, &q);
    /* an empty IN ANDed with other filters still matches nothing */
    book_query_init(&q);
    book_where_pages(&q, ORMC_GT, 0);
    book_where_author_id_in(&q, NULL, 0);
    book_where_price(&q, ORMC_GT, 0);
    NO_BOOKS(f, &q);
}

static void test_order_limit_offset(void **state)
{
    fixture *f = *state;
    add_five_books(f->db);
    BookQuery q;
    /* price desc, then title asc for the two 10.0 books */
    book_query_init(&q);
    book_order_by(&q, BOOK_PRICE.path, ORMC_DESC);
    book_order_by(&q, BOOK_TITLE.path, ORMC_ASC);
    counts_reset(f);
    BOOK_IDS(f, &q, 3, 2, 5, 1, 4);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"price\", t0.\"pages\" FROM \"book\" AS t0 ORDER BY "
               "t0.\"price\" DESC, t0.\"title\", t0.\"id\"");
    /* pages asc, title desc */
    book_query_init(&q);
    book_order_by(&q, BOOK_PAGES.path, ORMC_ASC);
    book_order_by(&q, BOOK_TITLE.path, ORMC_DESC);
    BOOK_IDS(f, &q, 5, 1, 3, 2, 4);
    /* ties broken by id */
    book_query_init(&q);
    book_order_by(&q, BOOK_PAGES.path, ORMC_ASC);
    BOOK_IDS(f, &q, 5, 1, 2, 3, 4);
    book_query_init(&q);
    book_order_by(&q, BOOK_PAGES.path, ORMC_DESC);
    BOOK_IDS(f, &q, 4, 2, 3, 1, 5);
    /* id desc: no redundant id term */
    book_query_init(&q);
    book_order_by(&q, BOOK_ID.path, ORMC_DESC);
    counts_reset(f);
    BOOK_IDS(f, &q, 5, 4, 3, 2, 1);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"price\", t0.\"pages\" FROM \"book\" AS t0 ORDER BY "
               "t0.\"id\" DESC");

    book_query_init(&q);
    book_limit(&q, 2);
    counts_reset(f);
    BOOK_IDS(f, &q, 1, 2);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"title\", t0.\"author_id\", "
               "t0.\"price\", t0.\"pages\" FROM \"book\" AS t0 ORDER BY "
               "t0.\"id\" LIMIT ?1");
    book_offset(&q, 2);
    BOOK_IDS(f, &q, 3, 4);
    book_query_init(&q);
    book_offset(&q, 3); /* offset alone */
    BOOK_IDS(f, &q, 4, 5);
    book_query_init(&q);
    book_limit(&q, 0);
    NO_BOOKS(f, &q);
    book_query_init(&q);
    book_offset(&q, 10);
    NO_BOOKS(f, &q);
    /* window over a filtered, ordered set */
    book_query_init(&q);
    book_where_author_id(&q, ORMC_EQ, 1);
    book_order_by(&q, BOOK_TITLE.path, ORMC_DESC);
    book_limit(&q, 2);
    book_offset(&q, 1);
    BOOK_IDS(f, &q, 2, 1); /* date, banana, apple -> banana, apple */
}

/* ---- count and aggregates ---- */

static void test_count_with_filters(void **state)
{
    fixture *f = *state;
    add_five_books(f->db);
    int64_t n = -1;
    counts_reset(f);
    assert_ok(f->db, book_count(f->db, NULL, &n));
    assert_int_equal(n, 5);
    assert_queries(f, 1);
    assert_sql(f, 0, "SELECT COUNT(*) FROM \"book\" AS t0");

    BookQuery q;
    book_query_init(&q);
    book_where_pages(&q, ORMC_GE, 200);
    counts_reset(f);
    assert_ok(f->db, book_count(f->db, &q, &n));
    assert_int_equal(n, 3);
    assert_sql(f, 0,
               "SELECT COUNT(*) FROM \"book\" AS t0 WHERE t0.\"pages\" >= ?1");
    book_limit(&q, 2);
    counts_reset(f);
    assert_ok(f->db, book_count(f->db, &q, &n));
    assert_int_equal(n, 2);
    assert_sql(f, 0,
               "SELECT COUNT(*) FROM (SELECT 1 FROM \"book\" AS t0 WHERE "
               "t0.\"pages\" >= ?1 ORDER BY t0.\"id\" LIMIT ?2) AS tq");
    book_limit(&q, 10);
    book_offset(&q, 2);
    assert_ok(f->db, book_count(f->db, &q, &n));
    assert_int_equal(n, 1);
    book_query_init(&q);
    book_where_title(&q, ORMC_LT, "b");
    book_where_price(&q, ORMC_LT, 5.0);
    assert_ok(f->db, book_count(f->db, &q, &n));
    assert_int_equal(n, 1); /* Banana */
    book_query_init(&q);
    book_where_title(&q, ORMC_EQ, "zzz");
    n = -1;
    assert_ok(f->db, book_count(f->db, &q, &n));
    assert_int_equal(n, 0);
}

static void test_aggregates_empty(void **state)
{
    fixture *f = *state;
    ormc_int_stats is;
    ormc_real_stats rs;
    memset(&is, 0x7f, sizeof is);
    counts_reset(f);
    assert_ok(f->db, book_aggregate_pages(f->db, NULL, &is));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "SELECT COUNT(*), SUM(t0.\"pages\"), "
               "AVG(t0.\"pages\"), MIN(t0.\"pages\"), MAX(t0.\"pages\") FROM "
               "\"book\" AS t0");
    assert_int_stats(is, 0, 0, 0.0, 0, 0);

    memset(&rs, 0x7f, sizeof rs);
    assert_ok(f->db, book_aggregate_price(f->db, NULL, &rs));
    assert_real_stats(rs, 0, 0.0, 0.0, 0.0, 0.0);

    memset(&is, 0x7f, sizeof is);
    assert_ok(f->db, blog_aggregate_created(f->db, NULL, &is));
    assert_int_equal(is.count, 0);
    assert_true(is.is_null);
    assert_int_equal(is.sum, 0);
    assert_int_equal(is.min, 0);
    assert_int_equal(is.max, 0);

    /* a non-empty table filtered to nothing is empty too */
    add_five_books(f->db);
    BookQuery q;
    book_query_init(&q);
    book_where_pages(&q, ORMC_GT, 1000);
    assert_ok(f->db, book_aggregate_pages(f->db, &q, &is));
    assert_int_equal(is.count, 0);
    assert_true(is.is_null);
    assert_int_equal(is.sum, 0);
    /* and so is a rating column that is all NULL */
    int64_t ann = add_author(f->db, "Cy", "cy@example.com");
    add_blog(f->db, "g", ann, 0, 5, NAN);
    assert_ok(f->db, blog_aggregate_rating(f->db, NULL, &rs));
    assert_int_equal(rs.count, 0);
    assert_true(rs.is_null);
    assert_double_exact(rs.sum, 0.0);
}

static void test_aggregates_values(void **state)
{
    fixture *f = *state;
    add_five_books(f->db);
    ormc_int_stats is;
    assert_ok(f->db, book_aggregate_pages(f->db, NULL, &is));
    assert_int_stats(is, 5, 850, 170.0, 50, 300);

    ormc_real_stats rs;
    assert_ok(f->db, book_aggregate_price(f->db, NULL, &rs));
    assert_real_stats(rs, 5, 40.5, 40.5 / 5, 0.5, 10.25);

    /* filtered, and windowed (first two by id: 100 + 200 pages) */
    BookQuery q;
    book_query_init(&q);
    book_where_author_id(&q, ORMC_EQ, 2);
    assert_ok(f->db, book_aggregate_pages(f->db, &q, &is));
    assert_int_equal(is.count, 2);
    assert_int_equal(is.sum, 500);
    assert_double_exact(is.avg, 250.0);
    assert_int_equal(is.min, 200);
    assert_int_equal(is.max, 300);
    book_query_init(&q);
    book_limit(&q, 2);
    counts_reset(f);
    assert_ok(f->db, book_aggregate_pages(f->db, &q, &is));
    assert_sql(f, 0,
               "SELECT COUNT(*), SUM(tq.v), AVG(tq.v), MIN(tq.v), MAX(tq.v) "
               "FROM (SELECT t0.\"pages\" AS v FROM \"book\" AS t0 ORDER BY "
               "t0.\"id\" LIMIT ?1) AS tq");
    assert_int_equal(is.count, 2);
    assert_int_equal(is.sum, 300);
    assert_int_equal(is.max, 200);

    /* datetime, and a nullable real where only non-NULL values count */
    int64_t ann = add_author(f->db, "Cy", "cy@example.com");
    add_blog(f->db, "g1", ann, 0, 1000, 4.5);
    add_blog(f->db, "g2", ann, 0, 2000, NAN);
    add_blog(f->db, "g3", ann, 0, 4000, 2.5);
    assert_ok(f->db, blog_aggregate_created(f->db, NULL, &is));
    assert_int_stats(is, 3, 7000, 7000 / 3.0, 1000, 4000);
    assert_ok(f->db, blog_aggregate_rating(f->db, NULL, &rs));
    assert_real_stats(rs, 2, 7.0, 3.5, 2.5, 4.5);

    /* the generic entry point refuses a field of the wrong type */
    assert_status(f->db,
                  ormc_aggregate_int(f->db, &book_model, NULL,
                                     BOOK_FIELD_PRICE, &is),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Book.aggregate: field 'price' is not int or datetime");
    assert_status(f->db,
                  ormc_aggregate_real(f->db, &book_model, NULL,
                                      BOOK_FIELD_TITLE, &rs),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Book.aggregate: field 'title' is not real");
}

static void test_comment_count_null_query(void **state)
{
    fixture *f = *state;
    int64_t total = -1;
    assert_ok(f->db, comment_count(f->db, NULL, &total));
    assert_int_equal(total, 0);
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t g = add_blog(f->db, "g", ann, 0, 1, NAN);
    for (int k = 0; k < 7; k++)
        add_comment(f->db, g, "c", k);
    counts_reset(f);
    assert_ok(f->db, comment_count(f->db, NULL, &total));
    assert_int_equal(total, 7);
    assert_queries(f, 1);
}

/* ---- builder misuse ---- */

static void test_builder_no_caps_and_unclosed_groups(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t g = add_blog(f->db, "g", ann, 0, 1, NAN);
    add_blog(f->db, "h", ann, 0, 2, NAN);

    /* 900 filters and 100 order terms: no cap of ormc's, one statement
     * (SQLite's own limit is an expression depth of 1,000) */
    BlogQuery q;
    blog_query_init(&q);
    for (int k = 0; k < 900; k++)
        blog_where_id(&q, ORMC_LE, g + k);
    for (int k = 0; k < 100; k++)
        blog_order_by(&q, BLOG_TITLE.path, ORMC_ASC);
    assert_non_null(q.q.heap); /* spilled past ORMC_QUERY_INLINE */
    assert_int_equal(q.q.nterms, 1000);
    BlogList l = {0};
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, g);
    blog_list_free(&l);
    blog_query_free(&q);
    assert_null(q.q.heap);
    assert_int_equal(q.q.nterms, 0);
    blog_query_free(&q); /* twice is harmless */
    blog_query_free(NULL);

    /* an unclosed group: refused by every run, before any SQL */
    blog_query_init(&q);
    blog_or(&q);
    blog_where_id(&q, ORMC_EQ, g);
    blog_not(&q);
    l.items = (Blog *)&q; /* garbage the fetch must clear */
    l.count = 99;
    counts_reset(f);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.fetch: 2 groups not closed with ormc_end");
    assert_null(l.items);
    assert_int_equal(l.count, 0);
    assert_null(l.owner);
    blog_end(&q);
    int64_t n = -1;
    assert_status(f->db, blog_count(f->db, &q, &n), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.count: 1 group not closed with ormc_end");
    assert_int_equal(n, 0);
    ormc_real_stats rs;
    assert_status(f->db, blog_aggregate_rating(f->db, &q, &rs), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.aggregate: 1 group not closed with ormc_end");
    bool there = true;
    assert_status(f->db, blog_exists(f->db, &q, &there), ORMC_INVALID);
    assert_false(there);
    Blog *one = (Blog *)&q;
    assert_status(f->db, blog_first(f->db, &q, &one), ORMC_INVALID);
    assert_null(one);
    /* one end too many */
    blog_end(&q);
    blog_end(&q);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.fetch: ormc_end without an open group");
    /* no SQL ran, nothing was even prepared */
    assert_queries(f, 0);
    assert_int_equal(ormc_prepare_count(f->db), 0);
    assert_int_equal(spy.prepares + spy.steps, 0);
}

static void test_builder_misuse_other(void **state)
{
    fixture *f = *state;
    BlogQuery q;
    BlogList l = {0};
    struct { const char *msg; } want[] = {
        {"Blog.fetch: negative limit"},
        {"Blog.fetch: negative offset"},
        {"Blog.fetch: unknown sort direction"},
        {"Blog.fetch: order_by through a reverse relation (many rows per "
         "row)"},
        {"Blog.fetch: NULL text value in a filter (use the _null filter)"},
        {"Blog.fetch: negative limit"},
        {"Blog.fetch: unknown lookup"},
    };
    for (int k = 0; k < 7; k++) {
        blog_query_init(&q);
        switch (k) {
        case 0: blog_limit(&q, -1); break;
        case 1: blog_offset(&q, -5); break;
        case 2: blog_order_by(&q, BLOG_TITLE.path, (ormc_dir)7); break;
        case 3:
            blog_order_by(&q, blog_via_comments(COMMENT_SCORE.path), ORMC_ASC);
            break;
        case 4: blog_where_title(&q, ORMC_EQ, NULL); break;
        case 5: /* the first misuse is the one reported */
            blog_limit(&q, -1);
            blog_where_title(&q, ORMC_EQ, NULL);
            break;
        case 6: blog_where_rating(&q, (ormc_op)42, 1.0); break;
        }
        counts_reset(f);
        assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
        assert_error(f->db, ORMC_INVALID, want[k].msg);
        assert_queries(f, 0);
    }
    /* a query built for another model */
    BookQuery bq;
    book_query_init(&bq);
    ormc_list ol;
    assert_status(f->db, ormc_fetch(f->db, &blog_model, &bq.q, &ol),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.fetch: query was not initialised for this model");
    assert_null(ol.items);
    /* a relation index out of range */
    blog_query_init(&q);
    ormc_with(&q.q, 2);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Blog.fetch: unknown relation");
    /* paths built by hand through the generic API: another model's, one
     * past the fields, one whose type is not the field's */
    const ormc_path bad[] = {
        COMMENT_SCORE.path.p,
        {&blog_model, 6, ORMC_T_INT, 0, {0}},
        {&blog_model, BLOG_FIELD_TITLE, ORMC_T_INT, 0, {0}},
        {&blog_model, BLOG_FIELD_TITLE, ORMC_T_TEXT, 1, {5}},
    };
    const char *const bad_msg[] = {
        "Blog.fetch: a path of another model",
        "Blog.fetch: broken path (a step or field the model does not have)",
        "Blog.fetch: broken path (a step or field the model does not have)",
        "Blog.fetch: broken path (a step or field the model does not have)",
    };
    for (int k = 0; k < 4; k++) {
        blog_query_init(&q);
        ormc_where_int(&q.q, &bad[k], ORMC_EQ, 1);
        assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_INVALID);
        assert_error(f->db, ORMC_INVALID, bad_msg[k]);
    }
    assert_queries(f, 0);
}

/* ---- insert_many: all or nothing ---- */

static void fill_comments(Comment *c, size_t n, int64_t blog)
{
    for (size_t i = 0; i < n; i++) {
        comment_init(&c[i]);
        c[i].blog_id = blog;
        c[i].content = i % 2 ? "odd" : "even";
        c[i].score = (int64_t)i;
    }
}

static void test_insert_many(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t blog = add_blog(f->db, "b", ann, 0, 1, NAN);
    Comment c[5];

    /* success: n statements, one prepare, ids in order, rows present */
    fill_comments(c, 5, blog);
    counts_reset(f);
    assert_ok(f->db, comment_insert_many(f->db, c, 5));
    assert_queries(f, 5);
    assert_int_equal(spy.prepares, 1);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(c[i].id, c[0].id + (int64_t)i);
    assert_int_equal(N_COMMENTS(f->db), 5);
    assert_false(ormc_in_transaction(f->db));
    Comment *got = NULL;
    assert_ok(f->db, comment_get(f->db, c[3].id, &got));
    assert_string_equal(got->content, "odd");
    assert_int_equal(got->score, 3);
    comment_free(got);

    /* n = 0 is a no-op that succeeds */
    counts_reset(f);
    assert_ok(f->db, comment_insert_many(f->db, c, 0));
    assert_queries(f, 0);

    /* an invalid item: refused before any SQL, nothing written, ids 0 */
    fill_comments(c, 5, blog);
    c[3].content = "\xff";
    counts_reset(f);
    assert_status(f->db, comment_insert_many(f->db, c, 5), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Comment.content: text is not valid UTF-8 (item 3 of 5; "
                 "nothing written)");
    assert_queries(f, 0);
    assert_int_equal(N_COMMENTS(f->db), 5);

    /* the database refuses item 2 (no such blog): items 0 and 1 are undone */
    fill_comments(c, 5, blog);
    c[2].blog_id = 999;
    counts_reset(f);
    assert_status(f->db, comment_insert_many(f->db, c, 5), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Comment.insert_many: FOREIGN KEY constraint failed",
                    "Comment.insert_many: insert or update on table "
                    "\"comment\" violates foreign key constraint "
                    "\"comment_blog_id_fkey\"");
    assert_queries(f, 3);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(c[i].id, 0);
    assert_int_equal(N_COMMENTS(f->db), 5);
    assert_false(ormc_in_transaction(f->db));

    /* a failed step in the middle (injected): same, nothing half-done */
    fill_comments(c, 5, blog);
    counts_reset(f);
    spy.fail_step_at = 4;
    assert_status(f->db, comment_insert_many(f->db, c, 5), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Comment.insert_many: injected fault");
    assert_int_equal(c[0].id, 0);
    assert_int_equal(N_COMMENTS(f->db), 5);
    assert_false(ormc_in_transaction(f->db));
}

/* n authors named <tag><i> with emails <tag><i>@example.com. */
static void fill_authors(Author *a, size_t n, char names[][8],
                         char emails[][24], char tag)
{
    for (size_t i = 0; i < n; i++) {
        author_init(&a[i]);
        snprintf(names[i], 8, "%c%zu", tag, i);
        snprintf(emails[i], 24, "%c%zu@example.com", tag, i);
        a[i].name = names[i];
        a[i].email = emails[i];
    }
}

/* The authors table as "id name email;" rows, for before/after checks. */
static void dump_authors(ormc_db *db, char *out, size_t size)
{
    AuthorList l = {0};
    assert_ok(db, author_fetch(db, NULL, &l));
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l.count; i++) {
        int k = snprintf(out + len, size - len, "%lld %s %s;",
                         (long long)l.items[i].id, l.items[i].name,
                         l.items[i].email);
        assert_true(k > 0 && (size_t)k < size - len);
        len += (size_t)k;
    }
    author_list_free(&l);
}

/* The promise of insert_many: on any failure every one of the n ids is 0,
 * even ids a previous successful call left in the array, and even ids of
 * items after the failing one. */
static void test_insert_many_failure_zeroes_every_id(void **state)
{
    fixture *f = *state;
    Author a[5];
    char names[5][8], emails[5][24];
    char before[512], after[512];

    /* a successful call sets every id */
    fill_authors(a, 5, names, emails, 'a');
    assert_ok(f->db, author_insert_many(f->db, a, 5));
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(a[i].id, (int64_t)i + 1);
    dump_authors(f->db, before, sizeof before);
    assert_string_equal(before,
                        "1 a0 a0@example.com;2 a1 a1@example.com;"
                        "3 a2 a2@example.com;4 a3 a3@example.com;"
                        "5 a4 a4@example.com;");

    /* validation refuses item 2 of the same array: ids 1..5 are cleared */
    fill_authors(a, 5, names, emails, 'b');
    for (size_t i = 0; i < 5; i++)
        a[i].id = (int64_t)i + 1; /* as the successful call left them */
    a[2].name = "\xc3"; /* cut short */
    counts_reset(f);
    assert_status(f->db, author_insert_many(f->db, a, 5), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.name: text is not valid UTF-8 (item 2 of 5; "
                 "nothing written)");
    assert_queries(f, 0);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(a[i].id, 0);
    dump_authors(f->db, after, sizeof after);
    assert_string_equal(after, before);

    /* the database refuses item 3 (UNIQUE email) after items 0..2 went in:
     * they are undone, and all five ids are 0, item 4's included */
    fill_authors(a, 5, names, emails, 'c');
    assert_ok(f->db, author_insert_many(f->db, a, 5));
    assert_int_equal(a[0].id, 6);
    assert_int_equal(a[4].id, 10);
    dump_authors(f->db, before, sizeof before);
    fill_authors(a, 5, names, emails, 'd');
    for (size_t i = 0; i < 5; i++)
        a[i].id = (int64_t)i + 6;
    a[3].email = "a1@example.com";
    counts_reset(f);
    assert_status(f->db, author_insert_many(f->db, a, 5), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Author.insert_many: UNIQUE constraint failed: "
                    "author.email",
                    "Author.insert_many: duplicate key value violates "
                    "unique constraint \"author_email_key\"");
    assert_queries(f, 4);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(a[i].id, 0);
    dump_authors(f->db, after, sizeof after);
    assert_string_equal(after, before);
    assert_false(ormc_in_transaction(f->db));

    /* a failed step on the last item (injected): ids 0..3 were set by this
     * very call, and are cleared with the rest */
    fill_authors(a, 5, names, emails, 'e');
    counts_reset(f);
    spy.fail_step_at = 5;
    assert_status(f->db, author_insert_many(f->db, a, 5), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Author.insert_many: injected fault");
    assert_queries(f, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(a[i].id, 0);
    dump_authors(f->db, after, sizeof after);
    assert_string_equal(after, before);
    assert_false(ormc_in_transaction(f->db));
}

static void test_insert_many_inside_transaction(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t blog = add_blog(f->db, "b", ann, 0, 1, NAN);
    Comment c[3];

    /* a failure rolls back to its savepoint: the caller's earlier insert and
     * transaction survive, and the caller decides */
    assert_ok(f->db, ormc_begin(f->db));
    add_comment(f->db, blog, "before", 1);
    fill_comments(c, 3, blog);
    c[1].blog_id = 999;
    assert_status(f->db, comment_insert_many(f->db, c, 3), ORMC_CONSTRAINT);
    assert_true(ormc_in_transaction(f->db));
    assert_int_equal(N_COMMENTS(f->db), 1);
    fill_comments(c, 3, blog);
    assert_ok(f->db, comment_insert_many(f->db, c, 3));
    assert_true(ormc_in_transaction(f->db));
    assert_int_equal(N_COMMENTS(f->db), 4);
    assert_ok(f->db, ormc_rollback(f->db));
    assert_int_equal(N_COMMENTS(f->db), 0);

    assert_ok(f->db, ormc_begin(f->db));
    assert_ok(f->db, comment_insert_many(f->db, c, 3));
    assert_ok(f->db, ormc_commit(f->db));
    assert_int_equal(N_COMMENTS(f->db), 3);
}

/* ---- a foreign database: NULL in a NOT NULL column ---- */

/* No schema: the test creates its own tables. */
static int setup_bare(void **state) { return fixture_setup_spy(state, NULL); }

/* The blog schema's tables as another program might have made them: the
 * same columns, without the NOT NULLs, holding NULLs where ormc's schema
 * says NOT NULL: author 3's name, blog 7's title, comment 4's content.
 * Portable SQL: on PostgreSQL the INTEGER columns are int4 and the REAL
 * one float4, which the backend reads through its other-type paths. */
static void make_foreign_blog_db(ormc_db *db)
{
    static const char *const sql[] = {
        "CREATE TABLE \"author\" (\"id\" INTEGER PRIMARY KEY, \"name\" TEXT, "
        "\"email\" TEXT)",
        "CREATE TABLE \"blog\" (\"id\" INTEGER PRIMARY KEY, \"title\" TEXT, "
        "\"author_id\" INTEGER, \"editor_id\" INTEGER, \"created\" INTEGER, "
        "\"rating\" REAL)",
        "CREATE TABLE \"comment\" (\"id\" INTEGER PRIMARY KEY, \"blog_id\" "
        "INTEGER, \"content\" TEXT, \"score\" INTEGER)",
        "INSERT INTO \"author\" VALUES (1, 'Ann', 'ann@example.com'), "
        "(3, NULL, 'nameless@example.com')",
        "INSERT INTO \"blog\" VALUES (7, NULL, 1, NULL, 100, NULL), "
        "(8, 'fine', 1, 3, 200, 2.5), (9, 'also fine', 1, NULL, 300, NULL)",
        "INSERT INTO \"comment\" VALUES (4, 8, NULL, 0), (5, 9, 'ok', 1)",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        assert_ok(db, ormc_exec(db, sql[i]));
}

#define NOT_NULL_TAIL ", but the schema says NOT NULL (a damaged or foreign " \
                      "database?)"

static void test_null_in_not_null_text_is_a_data_error(void **state)
{
    fixture *f = *state;
    make_foreign_blog_db(f->db);

    /* get of the damaged row: ORMC_ERROR naming model, field and id */
    Blog *g = (Blog *)&g; /* must come back NULL */
    counts_reset(f);
    assert_status(f->db, blog_get(f->db, 7, &g), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Blog.get: Blog.title is NULL in the row with id 7"
                 NOT_NULL_TAIL);
    assert_null(g);
    assert_queries(f, 1);
    /* the rows around it read fine */
    assert_ok(f->db, blog_get(f->db, 8, &g));
    assert_string_equal(g->title, "fine");
    blog_free(g);

    /* fetch over all rows meets it at the first row */
    BlogList l;
    memset(&l, 0xa5, sizeof l);
    assert_status(f->db, blog_fetch(f->db, NULL, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Blog.fetch: Blog.title is NULL in the row with id 7"
                 NOT_NULL_TAIL);
    assert_null(l.items);
    assert_int_equal(l.count, 0);
    assert_null(l.owner);

    /* a select_related object: the related model's name and id */
    BlogQuery q;
    blog_query_init(&q);
    blog_where_id(&q, ORMC_GE, 8);
    blog_with_editor(&q);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Blog.fetch: Author.name is NULL in the row with id 3"
                 NOT_NULL_TAIL);
    assert_null(l.items);

    /* a prefetched child: the prefetch statement names it */
    blog_query_init(&q);
    blog_where_id(&q, ORMC_GE, 8);
    blog_prefetch_comments(&q);
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Blog.prefetch_comments: Comment.content is NULL in the row "
                 "with id 4" NOT_NULL_TAIL);
    assert_null(l.items);
    assert_false(ormc_in_transaction(f->db));

    /* without the damaged rows everything works on the same connection */
    blog_query_init(&q);
    blog_where_id(&q, ORMC_EQ, 9);
    blog_prefetch_comments(&q);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].rel->comments.count, 1);
    assert_string_equal(l.items[0].rel->comments.items[0]->content, "ok");
    blog_list_free(&l);
}

/* column_text returning NULL for a value that is not NULL is the backend
 * running out of memory: still ORMC_NOMEM, never the data error. */
static const char *oom_column_text(void *stmt, int col, size_t *n)
{
    (void)stmt, (void)col;
    *n = 0;
    return NULL;
}

/* The same failure seen by a generated row reader (blog_read): the
 * backend's text function reports it. */
static int oom_read_text(void *stmt, int col, ormc_result *res,
                         const char **out)
{
    (void)stmt, (void)col, (void)res;
    *out = NULL;
    return ORMC_NOMEM;
}

/* blog_get and blog_fetch of the blog `id` fail with ORMC_NOMEM and
 * "Blog.get/fetch: out of memory", and return nothing. */
static void assert_blog_reads_nomem(fixture *f, int64_t id)
{
    Blog *g = NULL;
    assert_status(f->db, blog_get(f->db, id, &g), ORMC_NOMEM);
    assert_error(f->db, ORMC_NOMEM, "Blog.get: out of memory");
    assert_null(g);
    BlogList l = {0};
    assert_status(f->db, blog_fetch(f->db, NULL, &l), ORMC_NOMEM);
    assert_error(f->db, ORMC_NOMEM, "Blog.fetch: out of memory");
    assert_null(l.items);
}

static void test_column_text_oom_stays_nomem(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t id = add_blog(f->db, "t", ann, 0, 1, NAN);
    /* rows a row at a time (PostgreSQL's read_rows reads a fetch's in
     * blocks: its own text copy, not these functions) */
    spy_backend.read_rows = NULL;
    /* the runtime's loop over the field descriptors */
    spy_backend.column_text = oom_column_text;
    spy_backend.read_fields = NULL; /* rows read through column_text, */
    spy_backend.cols = NULL;        /* not by Blog's generated reader */
    assert_blog_reads_nomem(f, id);
    spy_backend.column_text = test_base()->column_text;
    Blog *g = NULL;
    assert_ok(f->db, blog_get(f->db, id, &g));
    blog_free(g);
    spy_backend.read_fields = test_base()->read_fields;
    assert_ok(f->db, blog_get(f->db, id, &g));
    blog_free(g);
    /* Blog's generated reader */
    ormc_cols oom_cols = *test_base()->cols;
    oom_cols.text = oom_read_text;
    spy_backend.cols = &oom_cols;
    assert_blog_reads_nomem(f, id);
    spy_backend.cols = test_base()->cols;
    spy_backend.read_rows = test_base()->read_rows;
    assert_ok(f->db, blog_get(f->db, id, &g));
    assert_string_equal(g->title, "t");
    blog_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_unique_violation),
        T(test_missing_id_not_found),
        T(test_cascade_delete_author),
        T(test_set_null_delete_editor),
        T(test_editor_id_behind_editor_null_rejected),
        T(test_select_related_book_with_author),
        T(test_with_editor_null_keeps_row),
        T(test_prefetch_comments),
        T(test_prefetch_100000_parents),
        T(test_prefetch_filtered_limited_parents),
        T(test_several_counts_no_join_multiplication),
        T(test_everything_combined),
        T(test_filter_int_ops),
        T(test_filter_real_and_text_ops),
        T(test_filter_null),
        T(test_filter_in),
        T(test_order_limit_offset),
        T(test_count_with_filters),
        T(test_aggregates_empty),
        T(test_aggregates_values),
        T(test_comment_count_null_query),
        T(test_builder_no_caps_and_unclosed_groups),
        T(test_builder_misuse_other),
        T(test_insert_many),
        T(test_insert_many_inside_transaction),
        T(test_insert_many_failure_zeroes_every_id),
        cmocka_unit_test_setup_teardown(
            test_null_in_not_null_text_is_a_data_error, setup_bare, teardown),
        T(test_column_text_oom_stays_nomem),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
