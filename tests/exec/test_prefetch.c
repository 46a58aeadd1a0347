/*
 * test_prefetch.c — prefetch_related in depth on examples/blog.orm:
 * Prefetch(queryset=...) with the whole query language on the child
 * query (filters, order, with_, counts), per-parent limits (window
 * functions), nested prefetch (authors -> blogs -> comments, one
 * statement per level), the Rel block layout, the errors of a child
 * query, and annotations over relation paths (Count, Sum, Avg, Min, Max
 * of blogs__comments__score and the like) against reference SQL.  Every expectation is computed from the rows the test inserted,
 * not read back from the database.
 */
#include "blogutil.h"

static int setup(void **state) { return fixture_setup(state, blog_schema_create); }
static int teardown(void **state) { return fixture_teardown(state); }

/* ---- the data: authors, their blogs, the blogs' comments ---- */

#define NA 6
#define MAXB 16
#define MAXC 64

typedef struct world {
    int64_t author[NA];
    int nb;
    int64_t blog[MAXB];
    int blog_author[MAXB];   /* index into author[] */
    int blog_editor[MAXB];   /* index, or -1 */
    int nc;
    int64_t comment[MAXC];
    int comment_blog[MAXC];  /* index into blog[] */
    int64_t score[MAXC];
} world;

/* Author a writes a % 4 blogs; blog k has (2k) % 5 comments, scored
 * (7k + 3j) % 10; every second blog has an editor. */
static void make_world(ormc_db *db, world *w)
{
    static const char *const names[NA] = {"Ann", "Bob", "Cy", "Di", "Ed",
                                          "Flo"};
    char email[32];
    memset(w, 0, sizeof *w);
    for (int a = 0; a < NA; a++) {
        snprintf(email, sizeof email, "%s@x", names[a]);
        w->author[a] = add_author(db, names[a], email);
    }
    for (int a = 0; a < NA; a++)
        for (int j = 0; j < a % 4; j++) {
            int k = w->nb++;
            Blog b;
            blog_init(&b);
            b.title = "t";
            b.author_id = w->author[a];
            w->blog_author[k] = a;
            w->blog_editor[k] = k % 2 ? (a + 1) % NA : -1;
            if (k % 2) {
                b.editor_id = w->author[(a + 1) % NA];
                b.editor_null = false;
            }
            assert_ok(db, blog_insert(db, &b));
            w->blog[k] = b.id;
        }
    for (int k = 0; k < w->nb; k++)
        for (int j = 0; j < (2 * k) % 5; j++) {
            int c = w->nc++;
            Comment cm;
            comment_init(&cm);
            cm.blog_id = w->blog[k];
            cm.content = "c";
            cm.score = (7 * k + 3 * j) % 10;
            assert_ok(db, comment_insert(db, &cm));
            w->comment[c] = cm.id;
            w->comment_blog[c] = k;
            w->score[c] = cm.score;
        }
}

/* The comments of blog k with score >= min, by score desc then id (the
 * order of the filtered prefetch below), from index `from`, at most
 * `lim` (-1: all); returns their number. */
static size_t want_comments(const world *w, int k, int64_t min, int from,
                            int lim, int64_t *out)
{
    int64_t ids[MAXC], sc[MAXC];
    size_t n = 0;
    for (int c = 0; c < w->nc; c++)
        if (w->comment_blog[c] == k && w->score[c] >= min) {
            size_t i = n++;
            /* insertion sort: score desc, id asc */
            while (i > 0 && (sc[i - 1] < w->score[c] ||
                             (sc[i - 1] == w->score[c] &&
                              ids[i - 1] > w->comment[c]))) {
                ids[i] = ids[i - 1];
                sc[i] = sc[i - 1];
                i--;
            }
            ids[i] = w->comment[c];
            sc[i] = w->score[c];
        }
    size_t m = 0;
    for (size_t i = (size_t)from; i < n && (lim < 0 || m < (size_t)lim); i++)
        out[m++] = ids[i];
    return m;
}

/* The index of blog id `id` in w. */
static int blog_index(const world *w, int64_t id)
{
    for (int k = 0; k < w->nb; k++)
        if (w->blog[k] == id)
            return k;
    fail_msg("blog %lld was not inserted", (long long)id);
    return -1;
}

/* Every comment of blog k, by id: exactly c's list. */
static void check_all_comments(const world *w, int k, const Blog *b)
{
    assert_non_null(b->rel);
    size_t n = 0;
    for (int c = 0; c < w->nc; c++)
        if (w->comment_blog[c] == k) {
            assert_true(n < b->rel->comments.count);
            const Comment *cm = b->rel->comments.items[n++];
            assert_int_equal(cm->id, w->comment[c]);
            assert_int_equal(cm->blog_id, w->blog[k]);
            assert_int_equal(cm->score, w->score[c]);
        }
    assert_int_equal(b->rel->comments.count, n);
    if (!n)
        assert_null(b->rel->comments.items);
}

/* The blogs of author a, by id, each with every comment. */
static void check_author_tree(const world *w, int a, const Author *au)
{
    assert_int_equal(au->id, w->author[a]);
    assert_non_null(au->rel);
    size_t n = 0;
    for (int k = 0; k < w->nb; k++)
        if (w->blog_author[k] == a) {
            assert_true(n < au->rel->blogs.count);
            const Blog *b = au->rel->blogs.items[n++];
            assert_int_equal(b->id, w->blog[k]);
            assert_int_equal(b->author_id, w->author[a]);
            check_all_comments(w, k, b);
        }
    assert_int_equal(au->rel->blogs.count, n);
    /* not asked for: empty */
    assert_int_equal(au->rel->edited_blogs.count, 0);
    assert_int_equal(au->rel->blogs_count, 0);
}

#define AUTHOR_SQL_COLS "SELECT t0.\"id\", t0.\"name\", t0.\"email\""
#define AUTHOR_SQL AUTHOR_SQL_COLS " FROM \"author\" AS t0"
#define BLOG_COLS                                                            \
    "t0.\"id\", t0.\"title\", t0.\"author_id\", t0.\"editor_id\", "          \
    "t0.\"created\", t0.\"rating\""
#define COMMENT_COLS                                                         \
    "t0.\"id\", t0.\"blog_id\", t0.\"content\", t0.\"score\""

/* authors -> blogs -> comments over every row: one statement per level,
 * none of them with a WHERE (every parent is loaded). */
static void test_nested_all_rows(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    BlogQuery bq;
    blog_query_init(&bq);
    blog_prefetch_comments(&bq);
    AuthorQuery q;
    author_query_init(&q);
    author_prefetch_blogs_from(&q, &bq);
    AuthorList l;
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 3);
    assert_sql(f, 0, AUTHOR_SQL " ORDER BY t0.\"id\"");
    assert_sql(f, 1, "SELECT " BLOG_COLS " FROM \"blog\" AS t0 ORDER BY t0.\"id\"");
    assert_sql(f, 2, "SELECT " COMMENT_COLS " FROM \"comment\" AS t0 ORDER BY t0.\"id\"");
    assert_int_equal(l.count, NA);
    for (int a = 0; a < NA; a++)
        check_author_tree(&w, a, &l.items[a]);
    author_list_free(&l);
    author_query_free(&q);
    blog_query_free(&bq);
}

/* A filtered parent query: level 1 is a semi-join on it, level 2 binds the
 * loaded blogs' ids as ONE array parameter. */
static void test_nested_filtered_ids_array(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    BlogQuery bq;
    blog_query_init(&bq);
    blog_prefetch_comments(&bq);
    AuthorQuery q;
    author_query_init(&q);
    static const char *const names[] = {"Di", "Cy"};
    author_where_name_in(&q, names, 2);
    author_prefetch_blogs_from(&q, &bq);
    AuthorList l;
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 3);
    assert_sql(f, 1, "SELECT " BLOG_COLS " FROM \"blog\" AS t0 WHERE "
                     "t0.\"author_id\" IN (SELECT t1.\"id\" FROM \"author\" AS "
                     "t1 WHERE t1.\"name\" IN (SELECT value FROM "
                     "ormc_array(?1))) ORDER BY t0.\"author_id\", t0.\"id\"");
    assert_sql(f, 2, "SELECT " COMMENT_COLS " FROM \"comment\" AS t0 WHERE "
                     "t0.\"blog_id\" IN (SELECT value FROM ormc_array(?1)) "
                     "ORDER BY t0.\"blog_id\", t0.\"id\"");
    assert_int_equal(l.count, 2);
    check_author_tree(&w, 2, &l.items[0]); /* Cy, by id */
    check_author_tree(&w, 3, &l.items[1]); /* Di */
    author_list_free(&l);

    /* the same query again: the same three statements, none prepared */
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 3);
    assert_int_equal(ormc_prepare_count(f->db), 0);
    check_author_tree(&w, 3, &l.items[1]);
    author_list_free(&l);
    author_query_free(&q);
    blog_query_free(&bq);
}

/* Prefetch(queryset=...): a filter and an order on the child query. */
static void test_filtered_ordered_prefetch(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    CommentQuery cq;
    comment_query_init(&cq);
    comment_where_score(&cq, ORMC_GE, 4);
    comment_order_by(&cq, COMMENT_SCORE.path, ORMC_DESC);
    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_comments_from(&q, &cq);
    BlogList l;
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 1, "SELECT " COMMENT_COLS " FROM \"comment\" AS t0 WHERE "
                     "t0.\"score\" >= ?1 ORDER BY t0.\"score\" DESC, t0.\"id\"");
    assert_int_equal(l.count, w.nb);
    size_t total = 0;
    for (size_t i = 0; i < l.count; i++) {
        int k = blog_index(&w, l.items[i].id);
        int64_t ids[MAXC];
        size_t n = want_comments(&w, k, 4, 0, -1, ids);
        assert_int_equal(l.items[i].rel->comments.count, n);
        for (size_t j = 0; j < n; j++) {
            assert_int_equal(l.items[i].rel->comments.items[j]->id, ids[j]);
            assert_true(l.items[i].rel->comments.items[j]->score >= 4);
        }
        total += n;
    }
    assert_true(total > 3); /* the data has some of them */
    blog_list_free(&l);
    blog_query_free(&q);
    comment_query_free(&cq);
}

/* "The 2 best comments of each blog": ROW_NUMBER() per blog, one
 * statement whatever the number of blogs; offset and limit 0 too. */
#define PER_PARENT_SQL(window)                                             \
    "SELECT " COMMENT_COLS " FROM (SELECT t1.\"id\" FROM \"blog\" AS t1 "   \
    "WHERE t1.\"id\" >= ?1) AS tp JOIN \"comment\" AS t0 ON t0.\"id\" IN " \
    "(SELECT t2.\"id\" FROM \"comment\" AS t2 WHERE t2.\"blog_id\" = "     \
    "tp.\"id\" ORDER BY t2.\"score\" DESC, t2.\"id\"" window ") ORDER BY " \
    "tp.\"id\", t0.\"score\" DESC, t0.\"id\""
static void test_per_parent_limit(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    static const struct {
        int64_t offset, limit;
    } cases[] = {{0, 2}, {1, 1}, {1, -1}, {0, 0}, {3, 5}, {0, 100}};
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        CommentQuery cq;
        comment_query_init(&cq);
        comment_order_by(&cq, COMMENT_SCORE.path, ORMC_DESC);
        if (cases[t].limit >= 0)
            comment_limit(&cq, cases[t].limit);
        comment_offset(&cq, cases[t].offset);
        BlogQuery q;
        blog_query_init(&q);
        blog_where_id(&q, ORMC_GE, w.blog[1]); /* a filtered parent set */
        blog_prefetch_comments_from(&q, &cq);
        BlogList l;
        counts_reset(f);
        assert_ok(f->db, blog_fetch(f->db, &q, &l));
        assert_queries(f, 2);
        /* OFFSET only where there is one */
        if (cases[t].offset || cases[t].limit >= 0)
            assert_sql(f, 1,
                       cases[t].offset
                           ? PER_PARENT_SQL(" LIMIT ?2 OFFSET ?3")
                           : PER_PARENT_SQL(" LIMIT ?2"));
        assert_int_equal(l.count, w.nb - 1);
        for (size_t i = 0; i < l.count; i++) {
            int k = blog_index(&w, l.items[i].id);
            int64_t ids[MAXC];
            size_t n = want_comments(&w, k, INT64_MIN, (int)cases[t].offset,
                                     (int)cases[t].limit, ids);
            assert_int_equal(l.items[i].rel->comments.count, n);
            for (size_t j = 0; j < n; j++)
                assert_int_equal(l.items[i].rel->comments.items[j]->id,
                                 ids[j]);
        }
        blog_list_free(&l);
        blog_query_free(&q);
        comment_query_free(&cq);
    }
}

/* The child query's with_ loads and counts are read with the children;
 * the child query's own prefetch makes the children's Rel blocks. */
static void test_children_with_related_and_counts(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    BlogQuery bq;
    blog_query_init(&bq);
    blog_with_editor(&bq);
    blog_with_author(&bq);
    blog_count_comments(&bq);
    AuthorQuery q;
    author_query_init(&q);
    author_prefetch_blogs_from(&q, &bq);
    AuthorList l;
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    for (int a = 0; a < NA; a++) {
        const Author *au = &l.items[a];
        size_t n = 0;
        for (int k = 0; k < w.nb; k++) {
            if (w.blog_author[k] != a)
                continue;
            const Blog *b = au->rel->blogs.items[n++];
            assert_int_equal(b->id, w.blog[k]);
            assert_non_null(b->author);
            assert_int_equal(b->author->id, w.author[a]);
            if (w.blog_editor[k] < 0) {
                assert_null(b->editor);
            } else {
                assert_non_null(b->editor);
                assert_int_equal(b->editor->id, w.author[w.blog_editor[k]]);
            }
            int64_t cnt = 0;
            for (int c = 0; c < w.nc; c++)
                cnt += w.comment_blog[c] == k;
            assert_non_null(b->rel);
            assert_int_equal(b->rel->comments_count, cnt);
            assert_int_equal(b->rel->comments.count, 0); /* not prefetched */
        }
        assert_int_equal(au->rel->blogs.count, n);
    }
    author_list_free(&l);

    /* without a prefetch or count, a child has no Rel block */
    author_prefetch_blogs(&q); /* replaces the child query */
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 1, "SELECT " BLOG_COLS " FROM \"blog\" AS t0 ORDER BY t0.\"id\"");
    for (size_t i = 0; i < l.count; i++)
        for (size_t j = 0; j < l.items[i].rel->blogs.count; j++) {
            assert_null(l.items[i].rel->blogs.items[j]->rel);
            assert_null(l.items[i].rel->blogs.items[j]->editor);
        }
    author_list_free(&l);
    author_query_free(&q);
    blog_query_free(&bq);
}

/* first() and get() run the nested prefetch of their one row. */
static void test_first_with_nested_prefetch(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    BlogQuery bq;
    blog_query_init(&bq);
    blog_prefetch_comments(&bq);
    AuthorQuery q;
    author_query_init(&q);
    author_where_name(&q, ORMC_EQ, "Di");
    author_prefetch_blogs_from(&q, &bq);
    Author *a = NULL;
    counts_reset(f);
    assert_ok(f->db, author_first(f->db, &q, &a));
    assert_queries(f, 3);
    check_author_tree(&w, 3, a);
    author_free(a);
    author_query_free(&q);
    blog_query_free(&bq);
}

/* A child query's misuse is the run's ORMC_INVALID, before any SQL. */
static void test_child_query_errors(void **state)
{
    fixture *f = *state;
    AuthorList l;
    AuthorQuery q;
    BlogQuery bq;

    /* a child query of another model */
    CommentQuery cq;
    comment_query_init(&cq);
    author_query_init(&q);
    ormc_prefetch_from(&q.q, 1, &cq.q); /* blogs, given comments */
    counts_reset(f);
    assert_status(f->db, author_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.fetch: a prefetch whose child query is of another "
                 "model");
    assert_queries(f, 0);
    author_query_free(&q);

    /* its own misuse, named with the relation */
    blog_query_init(&bq);
    blog_limit(&bq, -1);
    author_query_init(&q);
    author_prefetch_blogs_from(&q, &bq);
    assert_status(f->db, author_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.fetch: prefetch blogs: negative limit");
    assert_queries(f, 0);
    author_query_free(&q);
    blog_query_free(&bq);

    /* a group left open */
    blog_query_init(&bq);
    blog_or(&bq);
    author_query_init(&q);
    author_prefetch_blogs_from(&q, &bq);
    assert_status(f->db, author_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.fetch: prefetch blogs: 1 group not closed with "
                 "ormc_end");
    blog_query_free(&bq);

    /* set terms mean nothing to a fetch */
    blog_query_init(&bq);
    blog_set_text(&bq, BLOG_TITLE, "x");
    assert_status(f->db, author_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.fetch: prefetch blogs: a child query with set terms");
    assert_queries(f, 0);
    author_query_free(&q);
    blog_query_free(&bq);
    comment_query_free(&cq);
}

/* 120,000 blogs under filtered authors, and their comments: the second
 * level binds 120,000 ids as one parameter. */
static void test_nested_120000_parents(void **state)
{
    fixture *f = *state;
    int64_t a1 = add_author(f->db, "A", "a@x");
    int64_t a2 = add_author(f->db, "B", "b@x");
    enum { N = 120000 };
    Blog *bs = calloc(N, sizeof *bs);
    assert_non_null(bs);
    for (int i = 0; i < N; i++) {
        blog_init(&bs[i]);
        bs[i].title = "t";
        bs[i].author_id = i % 3 ? a1 : a2;
    }
    assert_ok(f->db, blog_insert_many(f->db, bs, N));
    /* one comment on every blog of a1 whose index is a multiple of 4 */
    size_t nc = 0;
    Comment *cs = calloc(N / 4 + 1, sizeof *cs);
    assert_non_null(cs);
    for (int i = 0; i < N; i += 4)
        if (i % 3) {
            comment_init(&cs[nc]);
            cs[nc].blog_id = bs[i].id;
            cs[nc].content = "c";
            cs[nc].score = i;
            nc++;
        }
    assert_ok(f->db, comment_insert_many(f->db, cs, nc));
    BlogQuery bq;
    blog_query_init(&bq);
    blog_prefetch_comments(&bq);
    AuthorQuery q;
    author_query_init(&q);
    author_where_email(&q, ORMC_EQ, "a@x");
    author_prefetch_blogs_from(&q, &bq);
    AuthorList l;
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 3);
    assert_int_equal(l.count, 1);
    const Author *au = &l.items[0];
    assert_int_equal(au->rel->blogs.count, N - N / 3);
    size_t seen = 0, j = 0;
    for (int i = 0; i < N; i++) {
        if (!(i % 3))
            continue;
        const Blog *b = au->rel->blogs.items[j++];
        assert_int_equal(b->id, bs[i].id);
        size_t want = i % 4 == 0;
        assert_int_equal(b->rel->comments.count, want);
        if (want) {
            assert_int_equal(b->rel->comments.items[0]->score, i);
            seen++;
        }
    }
    assert_int_equal(seen, nc);
    author_list_free(&l);
    author_query_free(&q);
    blog_query_free(&bq);
    free(bs);
    free(cs);
}


/* select_related("blog__author", "blog__editor") in one statement: the
 * two relations to Author get their own aliases; comments of one blog
 * share the Blog, and so its author. */
static void test_select_related_chain(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    BlogQuery bq;
    blog_query_init(&bq);
    blog_with_author(&bq);
    blog_with_editor(&bq);
    CommentQuery q;
    comment_query_init(&q);
    comment_with_blog_from(&q, &bq);
    comment_order_by(&q,
                     comment_via_blog_text(blog_via_author_text(AUTHOR_NAME))
                         .path,
                     ORMC_ASC);
    CommentList l;
    counts_reset(f);
    assert_ok(f->db, comment_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_sql(f, 0, "SELECT " COMMENT_COLS ", t1.\"id\", t1.\"title\", "
                     "t1.\"author_id\", t1.\"editor_id\", t1.\"created\", "
                     "t1.\"rating\", t2.\"id\", t2.\"name\", t2.\"email\", "
                     "t3.\"id\", t3.\"name\", t3.\"email\" FROM "
                     "\"comment\" AS t0 JOIN \"blog\" AS t1 ON t1.\"id\" = "
                     "t0.\"blog_id\" JOIN \"author\" AS t2 ON t2.\"id\" = "
                     "t1.\"author_id\" LEFT JOIN \"author\" AS t3 ON "
                     "t3.\"id\" = t1.\"editor_id\" ORDER BY t2.\"name\", "
                     "t0.\"id\"");
    assert_int_equal(l.count, w.nc);
    for (size_t i = 0; i < l.count; i++) {
        const Comment *c = &l.items[i];
        int k = blog_index(&w, c->blog_id);
        assert_non_null(c->blog);
        assert_int_equal(c->blog->id, w.blog[k]);
        assert_non_null(c->blog->author);
        assert_int_equal(c->blog->author->id, w.author[w.blog_author[k]]);
        if (w.blog_editor[k] < 0)
            assert_null(c->blog->editor);
        else
            assert_int_equal(c->blog->editor->id,
                             w.author[w.blog_editor[k]]);
        for (size_t j = 0; j < i; j++) /* one Blog per blog */
            if (l.items[j].blog_id == c->blog_id)
                assert_ptr_equal(l.items[j].blog, c->blog);
        if (i) /* ordered by the blog's author's name */
            assert_true(strcmp(l.items[i - 1].blog->author->name,
                               c->blog->author->name) <= 0);
    }
    comment_list_free(&l);

    /* the same chain on prefetched children: authors -> blogs -> comments
     * each with its blog's editor */
    BlogQuery eq;
    blog_query_init(&eq);
    blog_with_editor(&eq);
    CommentQuery cq;
    comment_query_init(&cq);
    comment_with_blog_from(&cq, &eq);
    BlogQuery mid;
    blog_query_init(&mid);
    blog_prefetch_comments_from(&mid, &cq);
    AuthorQuery aq;
    author_query_init(&aq);
    author_prefetch_blogs_from(&aq, &mid);
    AuthorList al;
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &aq, &al));
    assert_queries(f, 3);
    size_t seen = 0;
    for (size_t a = 0; a < al.count; a++)
        for (size_t j = 0; j < al.items[a].rel->blogs.count; j++) {
            const Blog *b = al.items[a].rel->blogs.items[j];
            for (size_t k = 0; k < b->rel->comments.count; k++) {
                const Comment *c = b->rel->comments.items[k];
                assert_int_equal(c->blog->id, b->id);
                int bi = blog_index(&w, b->id);
                if (w.blog_editor[bi] < 0)
                    assert_null(c->blog->editor);
                else
                    assert_int_equal(c->blog->editor->id,
                                     w.author[w.blog_editor[bi]]);
                seen++;
            }
        }
    assert_int_equal(seen, w.nc);
    author_list_free(&al);
    author_query_free(&aq);
    blog_query_free(&mid);
    comment_query_free(&cq);
    blog_query_free(&eq);

    /* a select_related child query holds with_ loads only */
    blog_where_title(&bq, ORMC_EQ, "t");
    counts_reset(f);
    assert_status(f->db, comment_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Comment.fetch: with blog: a select_related child query "
                 "may hold with_ loads only");
    assert_queries(f, 0);
    comment_query_free(&q);
    blog_query_free(&bq);
}


/* annotate(Count("blogs", filter=Q(...))): counts of filtered children,
 * several at once, their parameters after the query's own (and after its
 * limit and offset), on the main rows and on prefetched children. */
static void test_filtered_counts(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    /* blogs with an editor and a comment scoring >= 5 */
    BlogQuery bq;
    blog_query_init(&bq);
    blog_filter_null(&bq, BLOG_EDITOR_ID.path, false);
    blog_filter_int(&bq, blog_via_comments_int(COMMENT_SCORE), ORMC_GE, 5);
    AuthorQuery q;
    author_query_init(&q);
    author_where_name(&q, ORMC_NE, "Ann");
    author_count_blogs_from(&q, &bq);
    author_count_edited_blogs(&q);
    author_limit(&q, 4);
    author_offset(&q, 1);
    AuthorList l;
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_sql(f, 0, AUTHOR_SQL_COLS ", (SELECT COUNT(*) FROM \"blog\" AS t1 "
                     "WHERE t1.\"author_id\" = t0.\"id\" AND "
                     "t1.\"editor_id\" IS NOT NULL AND EXISTS (SELECT 1 FROM "
                     "\"comment\" AS t2 WHERE t2.\"blog_id\" = t1.\"id\" AND "
                     "t2.\"score\" >= ?4)), (SELECT COUNT(*) FROM \"blog\" AS "
                     "t3 WHERE t3.\"editor_id\" = t0.\"id\") FROM \"author\" "
                     "AS t0 WHERE t0.\"name\" <> ?1 ORDER BY t0.\"id\" LIMIT ?2 "
                     "OFFSET ?3");
    assert_int_equal(l.count, 4); /* Cy, Di, Ed, Flo */
    for (size_t i = 0; i < l.count; i++) {
        int a = (int)i + 2;
        assert_int_equal(l.items[i].id, w.author[a]);
        int64_t want = 0, edited = 0;
        for (int k = 0; k < w.nb; k++) {
            edited += w.blog_editor[k] == a;
            if (w.blog_author[k] != a || w.blog_editor[k] < 0)
                continue;
            bool good = false;
            for (int c = 0; c < w.nc; c++)
                good |= w.comment_blog[c] == k && w.score[c] >= 5;
            want += good;
        }
        assert_int_equal(l.items[i].rel->blogs_count, want);
        assert_int_equal(l.items[i].rel->edited_blogs_count, edited);
    }
    author_list_free(&l);

    /* on prefetched children, under a per-parent limit: each author's
     * newest blog with its number of comments scoring >= 5 */
    CommentQuery cq;
    comment_query_init(&cq);
    comment_where_score(&cq, ORMC_GE, 5);
    BlogQuery kids;
    blog_query_init(&kids);
    blog_order_by(&kids, BLOG_ID.path, ORMC_DESC);
    blog_limit(&kids, 1);
    blog_count_comments_from(&kids, &cq);
    AuthorQuery aq;
    author_query_init(&aq);
    author_prefetch_blogs_from(&aq, &kids);
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &aq, &l));
    assert_queries(f, 2);
    assert_sql(f, 1, "SELECT " BLOG_COLS ", (SELECT COUNT(*) FROM "
                     "\"comment\" AS t2 WHERE t2.\"blog_id\" = t0.\"id\" AND "
                     "t2.\"score\" >= ?2) FROM \"author\" AS tp JOIN \"blog\" "
                     "AS t0 ON t0.\"id\" IN (SELECT t1.\"id\" FROM \"blog\" AS "
                     "t1 WHERE t1.\"author_id\" = tp.\"id\" ORDER BY t1.\"id\" "
                     "DESC LIMIT ?1) ORDER BY tp.\"id\", t0.\"id\" "
                     "DESC");
    for (int a = 0; a < NA; a++) {
        int newest = -1;
        for (int k = 0; k < w.nb; k++)
            if (w.blog_author[k] == a)
                newest = k;
        const Author *au = &l.items[a];
        assert_int_equal(au->rel->blogs.count, newest >= 0);
        if (newest < 0)
            continue;
        const Blog *b = au->rel->blogs.items[0];
        assert_int_equal(b->id, w.blog[newest]);
        int64_t want = 0;
        for (int c = 0; c < w.nc; c++)
            want += w.comment_blog[c] == newest && w.score[c] >= 5;
        assert_int_equal(b->rel->comments_count, want);
    }
    author_list_free(&l);

    /* a count's child query holds filters only */
    comment_order_by(&cq, COMMENT_ID.path, ORMC_ASC);
    assert_status(f->db, author_fetch(f->db, &aq, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.fetch: count comments: a count's child query may "
                 "hold filters only");
    author_query_free(&aq);
    author_query_free(&q);
    blog_query_free(&kids);
    blog_query_free(&bq);
    comment_query_free(&cq);
}

/* ---- annotations over relation paths ---- */

/* The reference values of one row, as the reference SQL gave them. */
typedef struct ref_row {
    int64_t id;
    bool null[8];
    int64_t i[8];
    double r[8];
} ref_row;

typedef struct ref_rows {
    ref_row row[64];
    int n;
} ref_rows;

/* Reads a row of reference SQL: the id, then values (ints or reals). */
static int ref_read(void *ctx, const ormc_row *row)
{
    ref_rows *rr = ctx;
    assert_true(rr->n < 64);
    ref_row *r = &rr->row[rr->n++];
    r->id = ormc_row_int(row, 0);
    for (int c = 1; c < ormc_row_count(row) && c <= 8; c++) {
        r->null[c - 1] = ormc_row_is_null(row, c);
        r->i[c - 1] = ormc_row_int(row, c);
        r->r[c - 1] = ormc_row_real(row, c);
    }
    return 0;
}

/* Runs reference SQL (one row per parent, ordered by id) into rr. */
static void reference(ormc_db *db, const char *sql, ref_rows *rr)
{
    memset(rr, 0, sizeof *rr);
    assert_ok(db, ormc_raw_query(db, sql, NULL, 0, ref_read, rr));
}

/* The row of id `id` in rr. */
static const ref_row *ref_of(const ref_rows *rr, int64_t id)
{
    for (int i = 0; i < rr->n; i++)
        if (rr->row[i].id == id)
            return &rr->row[i];
    fail_msg("no reference row for id %lld", (long long)id);
    return NULL;
}

/* Annotation v equals column c of reference row r: NULL as NULL, else
 * the int (real: the real) value. */
static void assert_annot(const ormc_annot *v, const ref_row *r, int c,
                         bool real)
{
    assert_int_equal(v->is_null, r->null[c]);
    if (r->null[c])
        return;
    if (real)
        assert_true(v->r == r->r[c]);
    else
        assert_int_equal(v->i, r->i[c]);
}

/* Tags on the world's blogs: blog k has tags t with (k + t) % 3 == 0 of
 * three tags; blogs k % 3 == 0 get a rating of k / 2.  Returns nothing. */
static void tag_world(ormc_db *db, const world *w)
{
    static const char *const names[3] = {"go", "c", "sql"};
    int64_t tag[3];
    for (int t = 0; t < 3; t++) {
        Tag g;
        tag_init(&g);
        g.name = names[t];
        assert_ok(db, tag_insert(db, &g));
        tag[t] = g.id;
    }
    for (int k = 0; k < w->nb; k++) {
        int64_t ids[3];
        size_t n = 0;
        for (int t = 0; t < 3; t++)
            if ((k + t) % 3 == 0 || (k % 2 && t == 2))
                ids[n++] = tag[t];
        assert_ok(db, blog_add_tags(db, w->blog[k], ids, n));
    }
    assert_ok(db, ormc_raw_exec(db, "UPDATE blog SET rating = id / 2.0 "
                                    "WHERE id % 3 = 0", NULL, 0, NULL));
}

/* Count("blogs__comments"), Sum, Avg, Min and Max of
 * "blogs__comments__score", Avg("edited_blogs__rating") and
 * Count("blogs__tags"), with a plain count, on a filtered page of
 * authors: one statement, a correlated subquery each, every value equal
 * to reference SQL (LEFT JOIN ... GROUP BY, one path per statement, so
 * nothing multiplies), NULL where no row was reached. */
static void test_annotations_over_paths(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    tag_world(f->db, &w);
    AuthorQuery q;
    author_query_init(&q);
    author_where_name(&q, ORMC_NE, "Bob");
    AuthorIntPath score = author_via_blogs_int(blog_via_comments_int(COMMENT_SCORE));
    assert_int_equal(author_annotate(&q, ORMC_COUNT,
                                     author_via_blogs_int(blog_via_comments_int(
                                         COMMENT_ID)).path), 0);
    assert_int_equal(author_annotate(&q, ORMC_SUM, score.path), 1);
    assert_int_equal(author_annotate(&q, ORMC_AVG, score.path), 2);
    assert_int_equal(author_annotate(&q, ORMC_MIN, score.path), 3);
    assert_int_equal(author_annotate(&q, ORMC_MAX, score.path), 4);
    assert_int_equal(author_annotate(&q, ORMC_AVG,
                                     author_via_edited_blogs_real(BLOG_RATING)
                                         .path), 5);
    assert_int_equal(author_annotate(&q, ORMC_COUNT,
                                     author_via_blogs_int(blog_via_tags_int(
                                         TAG_ID)).path), 6);
    author_count_blogs(&q);
    author_limit(&q, 10);
    AuthorList l;
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_sql(f, 0,
               AUTHOR_SQL_COLS ", (SELECT COUNT(*) FROM \"blog\" AS t1 WHERE "
               "t1.\"author_id\" = t0.\"id\"), (SELECT COUNT(*) FROM \"blog\" "
               "AS t2 JOIN \"comment\" AS t3 ON t3.\"blog_id\" = t2.\"id\" "
               "WHERE t2.\"author_id\" = t0.\"id\"), (SELECT SUM(t5.\"score\") "
               "FROM \"blog\" AS t4 JOIN \"comment\" AS t5 ON t5.\"blog_id\" = "
               "t4.\"id\" WHERE t4.\"author_id\" = t0.\"id\"), (SELECT "
               "AVG(t7.\"score\") FROM \"blog\" AS t6 JOIN \"comment\" AS t7 "
               "ON t7.\"blog_id\" = t6.\"id\" WHERE t6.\"author_id\" = "
               "t0.\"id\"), (SELECT MIN(t9.\"score\") FROM \"blog\" AS t8 JOIN "
               "\"comment\" AS t9 ON t9.\"blog_id\" = t8.\"id\" WHERE "
               "t8.\"author_id\" = t0.\"id\"), (SELECT MAX(t11.\"score\") FROM "
               "\"blog\" AS t10 JOIN \"comment\" AS t11 ON t11.\"blog_id\" = "
               "t10.\"id\" WHERE t10.\"author_id\" = t0.\"id\"), (SELECT "
               "AVG(t12.\"rating\") FROM \"blog\" AS t12 WHERE "
               "t12.\"editor_id\" = t0.\"id\"), (SELECT COUNT(*) FROM \"blog\" "
               "AS t13 JOIN \"blog_tags\" AS t15 ON t15.\"blog_id\" = t13.\"id\" "
               "JOIN \"tag\" AS t14 ON t14.\"id\" = t15.\"tag_id\" WHERE "
               "t13.\"author_id\" = t0.\"id\") FROM \"author\" AS t0 WHERE "
               "t0.\"name\" <> ?1 ORDER BY t0.\"id\" LIMIT ?2");
    ref_rows cs, ed, tg;
    reference(f->db,
              "SELECT a.id, COUNT(c.id), SUM(c.score), AVG(c.score), "
              "MIN(c.score), MAX(c.score), COUNT(DISTINCT b.id) FROM author a "
              "LEFT JOIN blog b ON b.author_id = a.id LEFT JOIN comment c ON "
              "c.blog_id = b.id GROUP BY a.id ORDER BY a.id",
              &cs);
    reference(f->db,
              "SELECT a.id, AVG(b.rating) FROM author a LEFT JOIN blog b ON "
              "b.editor_id = a.id GROUP BY a.id ORDER BY a.id",
              &ed);
    reference(f->db,
              "SELECT a.id, COUNT(bt.tag_id) FROM author a LEFT JOIN blog b "
              "ON b.author_id = a.id LEFT JOIN blog_tags bt ON bt.blog_id = "
              "b.id GROUP BY a.id ORDER BY a.id",
              &tg);
    assert_int_equal(l.count, NA - 1);
    bool zero = false, null_sum = false, null_avg = false, some_avg = false;
    for (size_t i = 0; i < l.count; i++) {
        const Author *a = &l.items[i];
        const ormc_annot *v = author_annotations(a);
        assert_non_null(v);
        const ref_row *rc = ref_of(&cs, a->id), *re = ref_of(&ed, a->id),
                      *rt = ref_of(&tg, a->id);
        assert_annot(&v[0], rc, 0, false);
        assert_annot(&v[1], rc, 1, false);
        assert_annot(&v[2], rc, 2, true);
        assert_annot(&v[3], rc, 3, false);
        assert_annot(&v[4], rc, 4, false);
        assert_annot(&v[5], re, 0, true);
        assert_annot(&v[6], rt, 0, false);
        assert_int_equal(a->rel->blogs_count, rc->i[5]);
        assert_false(v[0].is_null); /* a count is never NULL */
        zero |= v[0].i == 0;
        null_sum |= v[1].is_null;
        null_avg |= v[5].is_null;
        some_avg |= !v[5].is_null;
    }
    /* the data reaches the edge cases: no comments, no edited blog with a
     * rating, and some with */
    assert_true(zero && null_sum && null_avg && some_avg);
    author_list_free(&l);

    /* a query without annotations: no annotations on its rows */
    AuthorQuery plain;
    author_query_init(&plain);
    author_count_blogs(&plain);
    assert_ok(f->db, author_fetch(f->db, &plain, &l));
    assert_null(author_annotations(&l.items[0]));
    assert_null(author_annotations(NULL));
    author_list_free(&l);
    author_query_free(&plain);
    author_query_free(&q);
}

/* Annotations on prefetched children (in their child query) and through
 * a foreign key after the to-many step; same kinds and field through
 * other relations are other statements; first(); misuse. */
static void test_annotations_children_and_errors(void **state)
{
    fixture *f = *state;
    world w;
    make_world(f->db, &w);
    tag_world(f->db, &w);
    /* each blog: its number of tags, the total score of its comments, and
     * the number of blogs sharing a tag with it (tags -> blogs) whose
     * editor is Ann (through a foreign key after the to-many steps) */
    BlogQuery kids;
    blog_query_init(&kids);
    blog_annotate(&kids, ORMC_COUNT, blog_via_tags_int(TAG_ID).path);
    blog_annotate(&kids, ORMC_SUM, blog_via_comments_int(COMMENT_SCORE).path);
    blog_annotate(&kids, ORMC_MIN,
                  blog_via_tags_text(tag_via_blogs_text(blog_via_editor_text(
                                         AUTHOR_NAME))).path);
    AuthorQuery q;
    author_query_init(&q);
    author_prefetch_blogs_from(&q, &kids);
    AuthorList l;
    assert_status(f->db, author_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.fetch: prefetch blogs: an annotation's sum, average, "
                 "minimum or maximum of a field that is not int, real or "
                 "datetime");
    blog_query_free(&kids);
    blog_query_init(&kids);
    blog_annotate(&kids, ORMC_COUNT, blog_via_tags_int(TAG_ID).path);
    blog_annotate(&kids, ORMC_SUM, blog_via_comments_int(COMMENT_SCORE).path);
    blog_annotate(&kids, ORMC_COUNT,
                  blog_via_tags_text(tag_via_blogs_text(blog_via_editor_text(
                                         AUTHOR_NAME))).path);
    author_prefetch_blogs_from(&q, &kids);
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 1,
               "SELECT " BLOG_COLS ", (SELECT COUNT(*) FROM \"blog_tags\" AS "
               "t2 JOIN \"tag\" AS t1 ON t1.\"id\" = t2.\"tag_id\" WHERE "
               "t2.\"blog_id\" = t0.\"id\"), (SELECT SUM(t3.\"score\") FROM "
               "\"comment\" AS t3 WHERE t3.\"blog_id\" = t0.\"id\"), (SELECT "
               "COUNT(*) FROM \"blog_tags\" AS t5 JOIN \"tag\" AS t4 ON "
               "t4.\"id\" = t5.\"tag_id\" JOIN \"blog_tags\" AS t7 ON "
               "t7.\"tag_id\" = t4.\"id\" JOIN \"blog\" AS t6 ON t6.\"id\" = "
               "t7.\"blog_id\" JOIN \"author\" AS t8 ON t8.\"id\" = "
               "t6.\"editor_id\" WHERE t5.\"blog_id\" = t0.\"id\") FROM "
               "\"blog\" AS t0 ORDER BY t0.\"id\"");
    ref_rows rb;
    reference(f->db,
              "SELECT b.id, (SELECT COUNT(*) FROM blog_tags x WHERE x.blog_id "
              "= b.id), (SELECT COALESCE(SUM(c.score), 0) FROM comment c WHERE "
              "c.blog_id "
              "= b.id), (SELECT COUNT(c.id) FROM comment c WHERE c.blog_id = "
              "b.id), (SELECT COUNT(*) FROM blog_tags x JOIN blog_tags y ON "
              "y.tag_id = x.tag_id JOIN blog o ON o.id = y.blog_id WHERE "
              "x.blog_id = b.id AND o.editor_id IS NOT NULL) FROM blog b "
              "ORDER BY b.id",
              &rb);
    assert_int_equal(rb.n, w.nb);
    size_t seen = 0;
    for (size_t i = 0; i < l.count; i++)
        for (size_t k = 0; k < l.items[i].rel->blogs.count; k++) {
            const Blog *b = l.items[i].rel->blogs.items[k];
            const ormc_annot *v = blog_annotations(b);
            const ref_row *r = ref_of(&rb, b->id);
            assert_non_null(v);
            assert_int_equal(v[0].i, r->i[0]);
            /* SUM of no comments is NULL (the reference's COALESCE: 0) */
            assert_int_equal(v[1].is_null, r->i[2] == 0);
            if (!v[1].is_null)
                assert_int_equal(v[1].i, (int64_t)r->r[1]);
            assert_int_equal(v[2].i, r->i[3]);
            seen++;
        }
    assert_int_equal(seen, (size_t)w.nb);
    /* the authors themselves asked for none */
    assert_null(author_annotations(&l.items[0]));
    author_list_free(&l);

    /* on the children of a many-to-many prefetch (the parent's column
     * comes after the annotations): each blog's tags, each tag with its
     * number of blogs and their comments' best score */
    TagQuery tq;
    tag_query_init(&tq);
    tag_annotate(&tq, ORMC_COUNT, tag_via_blogs_int(BLOG_ID).path);
    tag_annotate(&tq, ORMC_MAX,
                 tag_via_blogs_int(blog_via_comments_int(COMMENT_SCORE)).path);
    BlogQuery bt;
    blog_query_init(&bt);
    blog_prefetch_tags_from(&bt, &tq);
    BlogList bl;
    counts_reset(f);
    assert_ok(f->db, blog_fetch(f->db, &bt, &bl));
    assert_queries(f, 2);
    assert_sql(f, 1,
               "SELECT t0.\"id\", t0.\"name\", (SELECT COUNT(*) FROM "
               "\"blog_tags\" AS t3 JOIN \"blog\" AS t2 ON t2.\"id\" = "
               "t3.\"blog_id\" WHERE t3.\"tag_id\" = t0.\"id\"), (SELECT "
               "MAX(t6.\"score\") FROM \"blog_tags\" AS t5 JOIN \"blog\" AS "
               "t4 ON t4.\"id\" = t5.\"blog_id\" JOIN \"comment\" AS t6 ON "
               "t6.\"blog_id\" = t4.\"id\" WHERE t5.\"tag_id\" = t0.\"id\"), "
               "t1.\"blog_id\" AS ormc_p FROM \"tag\" AS t0 JOIN \"blog_tags\" "
               "AS t1 ON t1.\"tag_id\" = t0.\"id\" ORDER BY t0.\"id\"");
    ref_rows rt, rl;
    reference(f->db,
              "SELECT t.id, COUNT(x.blog_id), MAX(c.score) FROM tag t LEFT "
              "JOIN blog_tags x ON x.tag_id = t.id LEFT JOIN comment c ON "
              "c.blog_id = x.blog_id GROUP BY t.id ORDER BY t.id",
              &rt);
    reference(f->db,
              "SELECT t.id, COUNT(*) FROM tag t JOIN blog_tags x ON x.tag_id "
              "= t.id GROUP BY t.id ORDER BY t.id",
              &rl);
    assert_int_equal(bl.count, (size_t)w.nb);
    size_t links = 0;
    for (size_t i = 0; i < bl.count; i++) {
        const Blog *b = &bl.items[i];
        for (size_t k = 0; k < b->rel->tags.count; k++) {
            const Tag *t = b->rel->tags.items[k];
            const ormc_annot *v = tag_annotations(t);
            assert_non_null(v);
            assert_int_equal(v[0].i, ref_of(&rl, t->id)->i[0]);
            assert_annot(&v[1], ref_of(&rt, t->id), 1, false);
            if (k)
                assert_true(t->id > b->rel->tags.items[k - 1]->id);
            links++;
        }
    }
    ref_rows rn; /* the number of links, as the "id" of one row */
    reference(f->db, "SELECT COUNT(*) FROM blog_tags", &rn);
    assert_int_equal(links, (size_t)rn.row[0].id);
    blog_list_free(&bl);
    blog_query_free(&bt);
    tag_query_free(&tq);

    /* under a per-parent limit: each author's newest blog with the total
     * score of its comments */
    BlogQuery newest;
    blog_query_init(&newest);
    blog_order_by(&newest, BLOG_ID.path, ORMC_DESC);
    blog_limit(&newest, 1);
    blog_annotate(&newest, ORMC_SUM, blog_via_comments_int(COMMENT_SCORE).path);
    AuthorQuery nq;
    author_query_init(&nq);
    author_prefetch_blogs_from(&nq, &newest);
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &nq, &l));
    assert_queries(f, 2);
    ref_rows rs;
    reference(f->db,
              "SELECT b.id, (SELECT SUM(c.score) FROM comment c WHERE "
              "c.blog_id = b.id) FROM blog b WHERE b.id = (SELECT MAX(o.id) "
              "FROM blog o WHERE o.author_id = b.author_id) ORDER BY b.id",
              &rs);
    size_t got = 0;
    for (size_t i = 0; i < l.count; i++)
        for (size_t k = 0; k < l.items[i].rel->blogs.count; k++) {
            const Blog *b = l.items[i].rel->blogs.items[k];
            assert_annot(&blog_annotations(b)[0], ref_of(&rs, b->id), 0,
                         false);
            got++;
        }
    assert_int_equal(got, (size_t)rs.n);
    author_list_free(&l);
    author_query_free(&nq);
    blog_query_free(&newest);

    /* AVG of rating through blogs, then through edited_blogs: the same
     * kind and field through another relation is another statement */
    AuthorQuery a1, a2;
    author_query_init(&a1);
    author_annotate(&a1, ORMC_AVG, author_via_blogs_real(BLOG_RATING).path);
    author_query_init(&a2);
    author_annotate(&a2, ORMC_AVG,
                    author_via_edited_blogs_real(BLOG_RATING).path);
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &a1, &l));
    author_list_free(&l);
    assert_ok(f->db, author_fetch(f->db, &a2, &l));
    assert_queries(f, 2);
    assert_true(strstr(f->trace.sql[0], "t1.\"author_id\" = t0.\"id\""));
    assert_true(strstr(f->trace.sql[1], "t1.\"editor_id\" = t0.\"id\""));
    author_list_free(&l);

    /* first(): the row keeps its annotations */
    Author *one;
    author_where_name(&a2, ORMC_EQ, "Ann");
    assert_ok(f->db, author_first(f->db, &a2, &one));
    const ormc_annot *v = author_annotations(one);
    assert_non_null(v);
    ref_rows ra;
    reference(f->db,
              "SELECT a.id, AVG(b.rating) FROM author a LEFT JOIN blog b ON "
              "b.editor_id = a.id WHERE a.name = 'Ann' GROUP BY a.id",
              &ra);
    assert_annot(&v[0], ref_of(&ra, one->id), 0, true);
    author_free(one);

    /* misuse: a path that starts with a foreign key or at the row, an
     * annotation in a count's child query */
    AuthorQuery bad;
    author_query_init(&bad);
    assert_int_equal(author_annotate(&bad, ORMC_SUM, AUTHOR_ID.path), SIZE_MAX);
    assert_status(f->db, author_fetch(f->db, &bad, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.fetch: an annotation whose path does not start with "
                 "a to-many relation");
    author_query_free(&bad);
    BlogQuery cb;
    blog_query_init(&cb);
    blog_annotate(&cb, ORMC_COUNT, blog_via_comments_int(COMMENT_ID).path);
    author_query_init(&bad);
    author_count_blogs_from(&bad, &cb);
    assert_status(f->db, author_fetch(f->db, &bad, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Author.fetch: count blogs: a count's child query may hold "
                 "filters only");
    author_query_free(&bad);
    blog_query_free(&cb);
    author_query_free(&a1);
    author_query_free(&a2);
    author_query_free(&q);
    blog_query_free(&kids);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_nested_all_rows),
        T(test_nested_filtered_ids_array),
        T(test_filtered_ordered_prefetch),
        T(test_per_parent_limit),
        T(test_children_with_related_and_counts),
        T(test_first_with_nested_prefetch),
        T(test_child_query_errors),
        T(test_nested_120000_parents),
        T(test_select_related_chain),
        T(test_filtered_counts),
        T(test_annotations_over_paths),
        T(test_annotations_children_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
