/*
 * test_relations.c — relations in depth on examples/library.orm:
 * many-to-many through an implicit join table (Book.tags, Reader.friends)
 * and through a model (Book.authors through Credit), both directions;
 * their prefetch (one statement, children shared between parents), counts,
 * filters (EXISTS: each parent once), links (add / set / remove / clear),
 * nested and per-parent-limited prefetch over them, and self relations.
 * Expectations come from the rows the test inserted.
 */
#include "testutil.h"
#include "library.orm.h"

static int setup(void **state) { return fixture_setup(state, library_schema_create); }
static int teardown(void **state) { return fixture_teardown(state); }

/* ---- the data ---- */

enum { NP = 3, NA = 4, NT = 5, NB = 6, NR = 3 };

/* tags by name: classic, fantasy, poetry, sci-fi, unused */
static const char *const TAGS[NT] = {"classic", "fantasy", "poetry", "sci-fi",
                                     "unused"};
/* book b's tags (indexes into TAGS), -1 ends */
static const int BOOK_TAGS[NB][4] = {
    {0, 2, -1}, {1, -1}, {0, 1, 3, -1}, {-1}, {3, -1}, {0, -1}};
/* book b's credited authors and roles, -1 ends */
static const int BOOK_AUTHORS[NB][3] = {
    {0, -1}, {1, 0, -1}, {2, -1}, {0, 3, -1}, {-1}, {1, -1}};

typedef struct lib {
    int64_t pub[NP], author[NA], tag[NT], book[NB], reader[NR];
} lib;

static void make_lib(ormc_db *db, lib *w)
{
    static const char *const pubs[NP] = {"Acme", "Beta", "Cobalt"};
    static const char *const authors[NA] = {"Ann", "Bo", "Cy", "Di"};
    static const int mentor[NA] = {-1, 0, 0, 1};
    for (int i = 0; i < NP; i++) {
        Publisher p;
        publisher_init(&p);
        p.name = pubs[i];
        assert_ok(db, publisher_insert(db, &p));
        w->pub[i] = p.id;
    }
    for (int i = 0; i < NA; i++) {
        Author a;
        author_init(&a);
        a.name = authors[i];
        if (mentor[i] >= 0) {
            a.mentor_id = w->author[mentor[i]];
            a.mentor_null = false;
        }
        assert_ok(db, author_insert(db, &a));
        w->author[i] = a.id;
    }
    /* tags inserted in reverse name order, so id order is not name order */
    for (int i = NT - 1; i >= 0; i--) {
        Tag t;
        tag_init(&t);
        t.name = TAGS[i];
        assert_ok(db, tag_insert(db, &t));
        w->tag[i] = t.id;
    }
    for (int b = 0; b < NB; b++) {
        Book k;
        book_init(&k);
        k.title = (const char *[]){"B0", "B1", "B2", "B3", "B4", "B5"}[b];
        k.publisher_id = w->pub[b % 2];
        k.price = 10 + b;
        k.published = 1000 * b;
        assert_ok(db, book_insert(db, &k));
        w->book[b] = k.id;
        int64_t ids[4];
        size_t n = 0;
        for (; BOOK_TAGS[b][n] >= 0; n++)
            ids[n] = w->tag[BOOK_TAGS[b][n]];
        assert_ok(db, book_add_tags(db, k.id, ids, n));
        for (int j = 0; BOOK_AUTHORS[b][j] >= 0; j++) {
            Credit c;
            credit_init(&c);
            c.book_id = k.id;
            c.author_id = w->author[BOOK_AUTHORS[b][j]];
            if (j)
                c.role = "editor";
            assert_ok(db, credit_insert(db, &c));
        }
    }
    for (int i = 0; i < NR; i++) {
        Reader r;
        reader_init(&r);
        r.name = (const char *[]){"R0", "R1", "R2"}[i];
        r.email = (const char *[]){"r0@x", "r1@x", "r2@x"}[i];
        assert_ok(db, reader_insert(db, &r));
        w->reader[i] = r.id;
    }
    /* R0 -> R1, R2; R1 -> R0 (a direction each: not symmetric) */
    assert_ok(db, reader_add_friends(db, w->reader[0],
                                     (int64_t[]){w->reader[1], w->reader[2]},
                                     2));
    assert_ok(db, reader_add_friends(db, w->reader[1],
                                     (int64_t[]){w->reader[0]}, 1));
}

/* Whether book b has tag t. */
static bool has_tag(int b, int t)
{
    for (int j = 0; BOOK_TAGS[b][j] >= 0; j++)
        if (BOOK_TAGS[b][j] == t)
            return true;
    return false;
}

static int book_index(const lib *w, int64_t id)
{
    for (int b = 0; b < NB; b++)
        if (w->book[b] == id)
            return b;
    fail_msg("book %lld was not inserted", (long long)id);
    return -1;
}

/* Book b's list holds exactly its tags, in name order. */
static void check_tags(const lib *w, int b, const Book *k)
{
    assert_non_null(k->rel);
    size_t n = 0;
    for (int t = 0; t < NT; t++) /* TAGS is in name order */
        if (has_tag(b, t)) {
            assert_true(n < k->rel->tags.count);
            assert_int_equal(k->rel->tags.items[n]->id, w->tag[t]);
            assert_string_equal(k->rel->tags.items[n]->name, TAGS[t]);
            n++;
        }
    assert_int_equal(k->rel->tags.count, n);
    if (!n)
        assert_null(k->rel->tags.items);
}

#define TAG_CHILD_SQL                                                        \
    "SELECT t0.\"id\", t0.\"name\", t1.\"book_id\" AS ormc_p FROM \"tag\" "  \
    "AS t0 JOIN \"book_tags\" AS t1 ON t1.\"tag_id\" = t0.\"id\""

/* books -> tags and tags -> books: 2 statements each; a tag shared by
 * several books is one object. */
static void test_m2m_prefetch_both_ways(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    BookQuery q;
    book_query_init(&q);
    book_prefetch_tags(&q);
    BookList l;
    counts_reset(f);
    assert_ok(f->db, book_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 1, TAG_CHILD_SQL " ORDER BY t0.\"name\", t0.\"id\"");
    assert_int_equal(l.count, NB);
    for (int b = 0; b < NB; b++)
        check_tags(&w, b, &l.items[b]);
    /* "classic" under B0, B2 and B5 is one Tag */
    const Tag *c0 = l.items[0].rel->tags.items[0];
    assert_string_equal(c0->name, "classic");
    assert_ptr_equal(l.items[2].rel->tags.items[0], c0);
    assert_ptr_equal(l.items[5].rel->tags.items[0], c0);
    book_list_free(&l);
    book_query_free(&q);

    /* the other way: each tag's books, by id */
    TagQuery tq;
    tag_query_init(&tq);
    tag_prefetch_books(&tq);
    TagList tl;
    counts_reset(f);
    assert_ok(f->db, tag_fetch(f->db, &tq, &tl));
    assert_queries(f, 2);
    assert_sql(f, 1, "SELECT t0.\"id\", t0.\"title\", t0.\"publisher_id\", "
                     "t0.\"price\", t0.\"published\", t1.\"tag_id\" AS ormc_p "
                     "FROM \"book\" AS t0 JOIN \"book_tags\" AS t1 ON "
                     "t1.\"book_id\" = t0.\"id\" ORDER BY t0.\"id\"");
    assert_int_equal(tl.count, NT);
    for (int t = 0; t < NT; t++) {
        const Tag *tg = &tl.items[t]; /* default order: name */
        assert_string_equal(tg->name, TAGS[t]);
        size_t n = 0;
        for (int b = 0; b < NB; b++)
            if (has_tag(b, t)) {
                assert_true(n < tg->rel->books.count);
                assert_int_equal(tg->rel->books.items[n++]->id, w.book[b]);
            }
        assert_int_equal(tg->rel->books.count, n);
    }
    tag_list_free(&tl);
    tag_query_free(&tq);
}

/* Filtered parents: the join table's column against the parent query;
 * a child query orders and filters the tags. */
static void test_m2m_filtered(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    TagQuery tq;
    tag_query_init(&tq);
    tag_where_name(&tq, ORMC_NE, "classic");
    tag_order_by(&tq, TAG_NAME.path, ORMC_DESC);
    BookQuery q;
    book_query_init(&q);
    book_where_price(&q, ORMC_GE, 12);
    book_prefetch_tags_from(&q, &tq);
    BookList l;
    counts_reset(f);
    assert_ok(f->db, book_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 1, TAG_CHILD_SQL " WHERE t1.\"book_id\" IN (SELECT "
                     "t2.\"id\" FROM \"book\" AS t2 WHERE t2.\"price\" >= ?1) "
                     "AND t0.\"name\" <> ?2 ORDER BY t1.\"book_id\", "
                     "t0.\"name\" DESC, t0.\"id\"");
    assert_int_equal(l.count, NB - 2);
    for (size_t i = 0; i < l.count; i++) {
        int b = book_index(&w, l.items[i].id);
        assert_true(b >= 2);
        size_t n = 0;
        for (int t = NT - 1; t >= 1; t--) /* name desc, no classic */
            if (has_tag(b, t))
                assert_string_equal(l.items[i].rel->tags.items[n++]->name,
                                    TAGS[t]);
        assert_int_equal(l.items[i].rel->tags.count, n);
    }
    book_list_free(&l);
    book_query_free(&q);
    tag_query_free(&tq);
}

/* Through a model: the authors of each book (Credit rows), and the
 * Credit rows themselves with their author. */
static void test_m2m_through(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    BookQuery q;
    book_query_init(&q);
    book_prefetch_authors(&q);
    CreditQuery cq;
    credit_query_init(&cq);
    credit_with_author(&cq);
    book_prefetch_credits_from(&q, &cq);
    BookList l;
    counts_reset(f);
    assert_ok(f->db, book_fetch(f->db, &q, &l));
    assert_queries(f, 3);
    assert_sql(f, 1, "SELECT t0.\"id\", t0.\"name\", t0.\"mentor_id\", "
                     "t1.\"book_id\" AS ormc_p FROM \"author\" AS t0 JOIN "
                     "\"credit\" AS t1 ON t1.\"author_id\" = t0.\"id\" ORDER "
                     "BY t0.\"id\"");
    for (int b = 0; b < NB; b++) {
        const Book *k = &l.items[b];
        size_t n = 0;
        /* authors in id order; credits in id order (insertion order) */
        for (int a = 0; a < NA; a++)
            for (int j = 0; BOOK_AUTHORS[b][j] >= 0; j++)
                if (BOOK_AUTHORS[b][j] == a)
                    assert_int_equal(k->rel->authors.items[n++]->id,
                                     w.author[a]);
        assert_int_equal(k->rel->authors.count, n);
        assert_int_equal(k->rel->credits.count, n);
        for (size_t j = 0; j < n; j++) {
            const Credit *c = k->rel->credits.items[j];
            assert_int_equal(c->book_id, w.book[b]);
            assert_int_equal(c->author->id, w.author[BOOK_AUTHORS[b][j]]);
            assert_string_equal(c->role, j ? "editor" : "author");
        }
    }
    book_list_free(&l);
    book_query_free(&q);
    credit_query_free(&cq);

    /* add and set are for implicit join tables: a Credit has a role */
    counts_reset(f);
    assert_status(f->db,
                  ormc_link(f->db, &book_model, 3, ORMC_LINK_ADD, w.book[4],
                            &w.author[0], 1),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Book.add_authors: the links are rows of a model with "
                 "fields of its own (credit): insert those rows instead");
    assert_queries(f, 0);
    /* remove works: B1 loses its editor */
    assert_ok(f->db, book_remove_authors(f->db, w.book[1], &w.author[0], 1));
    assert_queries(f, 1);
    int64_t n;
    CreditQuery all;
    credit_query_init(&all);
    credit_where_book_id(&all, ORMC_EQ, w.book[1]);
    assert_ok(f->db, credit_count(f->db, &all, &n));
    assert_int_equal(n, 1);
    credit_query_free(&all);
}

/* Counts over a many-to-many and a reverse relation in one statement,
 * neither multiplying the other. */
static void test_m2m_counts(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    for (int i = 0; i < 3; i++) { /* B2 gets 3 reviews */
        Review r;
        review_init(&r);
        r.book_id = w.book[2];
        r.reader_id = w.reader[i];
        r.stars = i + 3;
        r.body = "ok";
        assert_ok(f->db, review_insert(f->db, &r));
    }
    BookQuery q;
    book_query_init(&q);
    book_count_tags(&q);
    book_count_reviews(&q);
    book_count_authors(&q);
    BookList l;
    counts_reset(f);
    assert_ok(f->db, book_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_sql(f, 0, "SELECT t0.\"id\", t0.\"title\", t0.\"publisher_id\", "
                     "t0.\"price\", t0.\"published\", (SELECT COUNT(*) FROM "
                     "\"book_tags\" AS t1 WHERE t1.\"book_id\" = t0.\"id\"), "
                     "(SELECT COUNT(*) FROM \"review\" AS t2 WHERE "
                     "t2.\"book_id\" = t0.\"id\"), (SELECT COUNT(*) FROM "
                     "\"credit\" AS t3 WHERE t3.\"book_id\" = t0.\"id\") FROM "
                     "\"book\" AS t0 ORDER BY t0.\"id\"");
    for (int b = 0; b < NB; b++) {
        int64_t nt = 0, na = 0;
        while (BOOK_TAGS[b][nt] >= 0)
            nt++;
        while (BOOK_AUTHORS[b][na] >= 0)
            na++;
        assert_int_equal(l.items[b].rel->tags_count, nt);
        assert_int_equal(l.items[b].rel->authors_count, na);
        assert_int_equal(l.items[b].rel->reviews_count, b == 2 ? 3 : 0);
        assert_int_equal(l.items[b].rel->tags.count, 0); /* not prefetched */
    }
    book_list_free(&l);
    book_query_free(&q);
}

/* Runs q and checks that it selects exactly the books want[0..n), in id
 * order, each once. */
static void expect_books(fixture *f, BookQuery *q, const lib *w,
                         const int *want, size_t n)
{
    BookList l;
    counts_reset(f);
    assert_ok(f->db, book_fetch(f->db, q, &l));
    assert_queries(f, 1);
    assert_int_equal(l.count, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(l.items[i].id, w->book[want[i]]);
    book_list_free(&l);
    book_query_free(q);
}

/* Filters through a many-to-many relation: EXISTS, each book once. */
static void test_m2m_filters(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    BookQuery q;

    /* books tagged classic or fantasy: B2 has both and is there once */
    book_query_init(&q);
    static const char *const cf[] = {"classic", "fantasy"};
    book_filter_text_in(&q, book_via_tags_text(TAG_NAME), ORMC_IN, cf, 2);
    BookList l;
    counts_reset(f);
    assert_ok(f->db, book_fetch(f->db, &q, &l));
    assert_sql(f, 0, "SELECT t0.\"id\", t0.\"title\", t0.\"publisher_id\", "
                     "t0.\"price\", t0.\"published\" FROM \"book\" AS t0 WHERE "
                     "EXISTS (SELECT 1 FROM \"book_tags\" AS t2 JOIN \"tag\" "
                     "AS t1 ON t1.\"id\" = t2.\"tag_id\" WHERE t2.\"book_id\" "
                     "= t0.\"id\" AND t1.\"name\" IN (SELECT value FROM "
                     "ormc_array(?1))) ORDER BY t0.\"id\"");
    book_list_free(&l);
    expect_books(f, &q, &w, (int[]){0, 1, 2, 5}, 4);

    /* one AND group: the same tag must be classic and fantasy: none */
    book_query_init(&q);
    book_filter_text(&q, book_via_tags_text(TAG_NAME), ORMC_EQ, "classic");
    book_filter_text(&q, book_via_tags_text(TAG_NAME), ORMC_EQ, "fantasy");
    expect_books(f, &q, &w, NULL, 0);

    /* two groups: some tag is classic and some tag is fantasy: B2 */
    book_query_init(&q);
    book_and(&q);
    book_filter_text(&q, book_via_tags_text(TAG_NAME), ORMC_EQ, "classic");
    book_end(&q);
    book_and(&q);
    book_filter_text(&q, book_via_tags_text(TAG_NAME), ORMC_EQ, "fantasy");
    book_end(&q);
    expect_books(f, &q, &w, (int[]){2}, 1);

    /* exclude(tags__name="classic"): B1, B3 (no tags at all), B4 */
    book_query_init(&q);
    book_not(&q);
    book_filter_text(&q, book_via_tags_text(TAG_NAME), ORMC_EQ, "classic");
    book_end(&q);
    expect_books(f, &q, &w, (int[]){1, 3, 4}, 3);

    /* no tags: tags__isnull=True */
    book_query_init(&q);
    book_filter_null(&q, book_via_tags(TAG_ID.path), true);
    expect_books(f, &q, &w, (int[]){3}, 1);

    /* through the model: books credited to Ann (as author or editor) */
    book_query_init(&q);
    book_filter_text(&q, book_via_authors_text(AUTHOR_NAME), ORMC_EQ, "Ann");
    expect_books(f, &q, &w, (int[]){0, 1, 3}, 3);

    /* the other way, two steps: tags of books published by Beta */
    TagQuery tq;
    tag_query_init(&tq);
    tag_filter_text(&tq, tag_via_books_text(book_via_publisher_text(
                             PUBLISHER_NAME)),
                    ORMC_EQ, "Beta");
    TagList tl;
    counts_reset(f);
    assert_ok(f->db, tag_fetch(f->db, &tq, &tl));
    /* Beta: B1 (fantasy), B3 (none), B5 (classic) */
    assert_int_equal(tl.count, 2);
    assert_string_equal(tl.items[0].name, "classic");
    assert_string_equal(tl.items[1].name, "fantasy");
    tag_list_free(&tl);
    tag_query_free(&tq);
}

/* Reads book b's tag ids from the join table, by tag id. */
static size_t linked_tags(fixture *f, int64_t book, int64_t *out)
{
    TagQuery q;
    tag_query_init(&q);
    tag_filter_int(&q, tag_via_books_int(BOOK_ID), ORMC_EQ, book);
    tag_order_by(&q, TAG_ID.path, ORMC_ASC);
    TagList l;
    assert_ok(f->db, tag_fetch(f->db, &q, &l));
    for (size_t i = 0; i < l.count; i++)
        out[i] = l.items[i].id;
    size_t n = l.count;
    tag_list_free(&l);
    tag_query_free(&q);
    return n;
}

static void test_m2m_links(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    int64_t b3 = w.book[3], got[NT];
    int64_t c = w.tag[0], fa = w.tag[1], po = w.tag[2], sf = w.tag[3];

    /* add: duplicates and links already there are left alone */
    counts_reset(f);
    assert_ok(f->db, book_add_tags(f->db, b3, (int64_t[]){sf, c, sf}, 3));
    assert_queries(f, 1);
    assert_sql(f, 0, "INSERT INTO \"book_tags\" (\"book_id\", \"tag_id\") "
                     "SELECT ?1, value FROM (SELECT value FROM "
                     "ormc_array(?2)) AS ta WHERE true ON CONFLICT DO NOTHING");
    assert_ok(f->db, book_add_tags(f->db, b3, (int64_t[]){c, po}, 2));
    assert_int_equal(linked_tags(f, b3, got), 3);
    assert_int_equal(got[0], sf < c ? sf : c); /* ids: reverse name order */

    /* an unknown tag: nothing added */
    counts_reset(f);
    assert_status(f->db, book_add_tags(f->db, b3, (int64_t[]){fa, 999}, 2),
                  ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Book.add_tags: FOREIGN KEY constraint failed",
                    "Book.add_tags: insert or update on table \"book_tags\" "
                    "violates foreign key constraint "
                    "\"book_tags_tag_id_fkey\"");
    assert_int_equal(linked_tags(f, b3, got), 3);

    /* remove */
    counts_reset(f);
    assert_ok(f->db, book_remove_tags(f->db, b3, (int64_t[]){po, fa}, 2));
    assert_queries(f, 1);
    assert_sql(f, 0, "DELETE FROM \"book_tags\" WHERE \"book_id\" = ?1 AND "
                     "\"tag_id\" IN (SELECT value FROM ormc_array(?2))");
    assert_int_equal(linked_tags(f, b3, got), 2);

    /* set: exactly these, 2 statements */
    counts_reset(f);
    assert_ok(f->db, book_set_tags(f->db, b3, (int64_t[]){fa, c}, 2));
    assert_queries(f, 2);
    assert_sql(f, 0, "DELETE FROM \"book_tags\" WHERE \"book_id\" = ?1 AND "
                     "\"tag_id\" NOT IN (SELECT value FROM ormc_array(?2))");
    assert_int_equal(linked_tags(f, b3, got), 2);
    assert_true((got[0] == fa && got[1] == c) || (got[0] == c && got[1] == fa));

    /* a set that fails changes nothing */
    assert_status(f->db, book_set_tags(f->db, b3, (int64_t[]){po, 999}, 2),
                  ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Book.set_tags: FOREIGN KEY constraint failed",
                    "Book.set_tags: insert or update on table \"book_tags\" "
                    "violates foreign key constraint "
                    "\"book_tags_tag_id_fkey\"");
    assert_int_equal(linked_tags(f, b3, got), 2);
    assert_false(ormc_in_transaction(f->db));

    /* clear */
    counts_reset(f);
    assert_ok(f->db, book_clear_tags(f->db, b3));
    assert_queries(f, 1);
    assert_sql(f, 0, "DELETE FROM \"book_tags\" WHERE \"book_id\" = ?1");
    assert_int_equal(linked_tags(f, b3, got), 0);

    /* the other side: tag -> books, and 0 ids */
    assert_ok(f->db, tag_add_books(f->db, po, (int64_t[]){b3}, 1));
    assert_int_equal(linked_tags(f, b3, got), 1);
    assert_int_equal(got[0], po);
    assert_ok(f->db, tag_set_books(f->db, po, NULL, 0));
    assert_int_equal(linked_tags(f, b3, got), 0);

    /* deleting a book deletes its links (ON DELETE CASCADE) */
    assert_ok(f->db, book_delete(f->db, w.book[4]));
    int64_t n;
    BookQuery q;
    book_query_init(&q);
    book_filter_text(&q, book_via_tags_text(TAG_NAME), ORMC_EQ, "sci-fi");
    assert_ok(f->db, book_count(f->db, &q, &n));
    assert_int_equal(n, 1); /* B2 */
    book_query_free(&q);
}

/* Relations to the model itself: a nullable foreign key (mentor) and a
 * many-to-many (friends), each seen from both sides. */
static void test_self_relations(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    AuthorQuery q;
    author_query_init(&q);
    author_with_mentor(&q);
    author_prefetch_mentees(&q);
    AuthorList l;
    counts_reset(f);
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 0, "SELECT t0.\"id\", t0.\"name\", t0.\"mentor_id\", "
                     "t1.\"id\", t1.\"name\", t1.\"mentor_id\" FROM \"author\" "
                     "AS t0 LEFT JOIN \"author\" AS t1 ON t1.\"id\" = "
                     "t0.\"mentor_id\" ORDER BY t0.\"id\"");
    assert_null(l.items[0].mentor);
    assert_string_equal(l.items[1].mentor->name, "Ann");
    assert_string_equal(l.items[3].mentor->name, "Bo");
    assert_int_equal(l.items[0].rel->mentees.count, 2);
    assert_string_equal(l.items[0].rel->mentees.items[0]->name, "Bo");
    assert_string_equal(l.items[0].rel->mentees.items[1]->name, "Cy");
    assert_int_equal(l.items[1].rel->mentees.count, 1);
    assert_int_equal(l.items[2].rel->mentees.count, 0);
    author_list_free(&l);
    /* on delete set null: Ann's mentees keep their rows */
    assert_ok(f->db, author_delete(f->db, w.author[0]));
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_int_equal(l.count, NA - 1);
    assert_true(l.items[0].mentor_null);
    assert_null(l.items[0].mentor);
    author_list_free(&l);
    author_query_free(&q);

    ReaderQuery rq;
    reader_query_init(&rq);
    reader_prefetch_friends(&rq);
    reader_prefetch_friend_of(&rq);
    ReaderList rl;
    counts_reset(f);
    assert_ok(f->db, reader_fetch(f->db, &rq, &rl));
    assert_queries(f, 3);
    assert_sql(f, 2, "SELECT t0.\"id\", t0.\"name\", t0.\"email\", "
                     "t1.\"to_reader_id\" AS ormc_p FROM \"reader\" AS t0 JOIN "
                     "\"reader_friends\" AS t1 ON t1.\"from_reader_id\" = "
                     "t0.\"id\" ORDER BY t0.\"id\"");
    const Reader *r0 = &rl.items[0], *r1 = &rl.items[1], *r2 = &rl.items[2];
    /* the children are objects of their own (as in Django), not the
     * parent rows */
    assert_int_equal(r0->rel->friends.count, 2);
    assert_int_equal(r0->rel->friends.items[0]->id, r1->id);
    assert_string_equal(r0->rel->friends.items[1]->email, r2->email);
    assert_ptr_not_equal(r0->rel->friends.items[0], r1);
    assert_int_equal(r1->rel->friends.count, 1);
    assert_int_equal(r1->rel->friends.items[0]->id, r0->id);
    assert_int_equal(r2->rel->friends.count, 0);
    assert_int_equal(r0->rel->friend_of.count, 1); /* R1 */
    assert_int_equal(r2->rel->friend_of.count, 1); /* R0 */
    assert_int_equal(r2->rel->friend_of.items[0]->id, w.reader[0]);
    reader_list_free(&rl);
    reader_query_free(&rq);
}

/* publishers -> books (newest first) -> tags: 3 statements; filtered, the
 * tags' statement binds the books' ids as one array. */
static void test_nested_through_m2m(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    BookQuery bq;
    book_query_init(&bq);
    book_order_by(&bq, BOOK_PUBLISHED.path, ORMC_DESC);
    book_prefetch_tags(&bq);
    PublisherQuery q;
    publisher_query_init(&q);
    publisher_where_name(&q, ORMC_NE, "Beta");
    publisher_prefetch_books_from(&q, &bq);
    PublisherList l;
    counts_reset(f);
    assert_ok(f->db, publisher_fetch(f->db, &q, &l));
    assert_queries(f, 3);
    assert_sql(f, 2, TAG_CHILD_SQL " WHERE t1.\"book_id\" IN (SELECT value "
                     "FROM ormc_array(?1)) ORDER BY t1.\"book_id\", "
                     "t0.\"name\", t0.\"id\"");
    assert_int_equal(l.count, 2); /* Acme, Cobalt */
    const Publisher *acme = &l.items[0];
    assert_int_equal(acme->rel->books.count, 3); /* B4, B2, B0 */
    for (int i = 0; i < 3; i++) {
        const Book *k = acme->rel->books.items[i];
        int b = 4 - 2 * i;
        assert_int_equal(k->id, w.book[b]);
        check_tags(&w, b, k);
    }
    assert_int_equal(l.items[1].rel->books.count, 0);
    publisher_list_free(&l);
    publisher_query_free(&q);
    book_query_free(&bq);
}

/* The 2 most expensive books of each tag: a window over the join table. */
static void test_m2m_per_parent_limit(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    BookQuery bq;
    book_query_init(&bq);
    book_order_by(&bq, BOOK_PRICE.path, ORMC_DESC);
    book_limit(&bq, 2);
    TagQuery q;
    tag_query_init(&q);
    tag_prefetch_books_from(&q, &bq);
    TagList l;
    counts_reset(f);
    assert_ok(f->db, tag_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_sql(f, 1, "SELECT t0.\"id\", t0.\"title\", t0.\"publisher_id\", "
                     "t0.\"price\", t0.\"published\", tp.\"id\" AS ormc_p FROM "
                     "\"tag\" AS tp JOIN \"book\" AS t0 ON t0.\"id\" IN (SELECT "
                     "t2.\"book_id\" FROM \"book_tags\" AS t2 JOIN \"book\" AS "
                     "t1 ON t1.\"id\" = t2.\"book_id\" WHERE t2.\"tag_id\" = "
                     "tp.\"id\" ORDER BY t1.\"price\" DESC, t1.\"id\" LIMIT ?1) "
                     "ORDER BY tp.\"id\", t0.\"price\" DESC, "
                     "t0.\"id\"");
    for (int t = 0; t < NT; t++) {
        /* books with tag t by price desc (price grows with b) */
        int want[NB], n = 0;
        for (int b = NB - 1; b >= 0 && n < 2; b--)
            if (has_tag(b, t))
                want[n++] = b;
        assert_int_equal(l.items[t].rel->books.count, n);
        for (int i = 0; i < n; i++)
            assert_int_equal(l.items[t].rel->books.items[i]->id,
                             w.book[want[i]]);
    }
    tag_list_free(&l);
    tag_query_free(&q);
    book_query_free(&bq);
}

/* 100,000 books, each with 1 or 2 of 3 tags: still 2 statements, and 3
 * Tag objects in all. */
static void test_m2m_100000_parents(void **state)
{
    fixture *f = *state;
    Publisher p;
    publisher_init(&p);
    p.name = "Big";
    assert_ok(f->db, publisher_insert(f->db, &p));
    int64_t tags[3];
    for (int i = 0; i < 3; i++) {
        Tag t;
        tag_init(&t);
        t.name = (const char *[]){"a", "b", "c"}[i];
        assert_ok(f->db, tag_insert(f->db, &t));
        tags[i] = t.id;
    }
    enum { N = 100000 };
    Book *bs = calloc(N, sizeof *bs);
    assert_non_null(bs);
    for (int i = 0; i < N; i++) {
        book_init(&bs[i]);
        bs[i].title = "t";
        bs[i].publisher_id = p.id;
    }
    assert_ok(f->db, book_insert_many(f->db, bs, N));
    /* each tag's books in one statement: a -> even, b -> every third,
     * c -> the rest */
    int64_t *ids = calloc(N, sizeof *ids);
    assert_non_null(ids);
    for (int t = 0; t < 3; t++) {
        size_t n = 0;
        for (int i = 0; i < N; i++)
            if ((t == 0 && i % 2 == 0) || (t == 1 && i % 3 == 0) ||
                (t == 2 && i % 2 && i % 3))
                ids[n++] = bs[i].id;
        counts_reset(f);
        assert_ok(f->db, tag_add_books(f->db, tags[t], ids, n));
        assert_queries(f, 1);
    }
    BookQuery q;
    book_query_init(&q);
    book_prefetch_tags(&q);
    BookList l;
    counts_reset(f);
    assert_ok(f->db, book_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_int_equal(l.count, N);
    const Tag *seen[3] = {NULL, NULL, NULL};
    for (int i = 0; i < N; i++) {
        const Book *k = &l.items[i];
        size_t want = (i % 2 == 0) + (i % 3 == 0) + (i % 2 && i % 3);
        assert_int_equal(k->rel->tags.count, want);
        for (size_t j = 0; j < want; j++) {
            const Tag *t = k->rel->tags.items[j];
            int ti = (int)(t->name[0] - 'a');
            if (!seen[ti])
                seen[ti] = t;
            assert_ptr_equal(seen[ti], t); /* one object per tag */
        }
    }
    book_list_free(&l);
    book_query_free(&q);
    free(ids);
    free(bs);
}


/* One-to-one: Card.reader is a unique, nullable foreign key.  Both sides
 * load with select_related (LEFT JOINs: either side may be missing),
 * filter and order through it, and a second card for one reader is a
 * constraint error. */
static void test_one_to_one(void **state)
{
    fixture *f = *state;
    lib w;
    make_lib(f->db, &w);
    static const char *const nums[] = {"A-2", "B-1", "C-9"};
    int64_t card[3];
    for (int i = 0; i < 3; i++) { /* R0 and R2 get cards; C-9 has none */
        Card c;
        card_init(&c);
        c.number = nums[i];
        if (i < 2) {
            c.reader_id = w.reader[i ? 2 : 0];
            c.reader_null = false;
        }
        assert_ok(f->db, card_insert(f->db, &c));
        card[i] = c.id;
    }
    Card dup;
    card_init(&dup);
    dup.number = "D-0";
    dup.reader_id = w.reader[0];
    dup.reader_null = false;
    assert_status(f->db, card_insert(f->db, &dup), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Card.insert: UNIQUE constraint failed: card.reader_id",
                    "Card.insert: duplicate key value violates unique "
                    "constraint \"card_reader_id_key\"");

    ReaderQuery q;
    reader_query_init(&q);
    reader_with_card(&q);
    reader_order_by(&q, reader_via_card_text(CARD_NUMBER).path, ORMC_DESC);
    ReaderList l;
    counts_reset(f);
    assert_ok(f->db, reader_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_sql(f, 0, "SELECT t0.\"id\", t0.\"name\", t0.\"email\", "
                     "t1.\"id\", t1.\"number\", t1.\"reader_id\" FROM "
                     "\"reader\" AS t0 LEFT JOIN \"card\" AS t1 ON "
                     "t1.\"reader_id\" = t0.\"id\" ORDER BY t1.\"number\" "
                     "DESC, t0.\"id\"");
    assert_int_equal(l.count, NR);
    assert_int_equal(l.items[0].id, w.reader[2]); /* B-1 */
    assert_string_equal(l.items[0].card->number, "B-1");
    assert_int_equal(l.items[0].card->reader_id, w.reader[2]);
    assert_int_equal(l.items[1].id, w.reader[0]); /* */
    assert_int_equal(l.items[1].card->id, card[0]);
    assert_int_equal(l.items[2].id, w.reader[1]); /* no card: NULLs last */
    assert_null(l.items[2].card);
    reader_list_free(&l);
    reader_query_free(&q);

    /* filters through it: a card starting with "A"; exclude() of that
     * keeps the reader without a card */
    reader_query_init(&q);
    reader_filter_text(&q, reader_via_card_text(CARD_NUMBER),
                       ORMC_STARTSWITH, "A");
    counts_reset(f);
    assert_ok(f->db, reader_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, w.reader[0]);
    assert_null(l.items[0].card); /* not asked for */
    reader_list_free(&l);
    reader_query_free(&q);
    reader_query_init(&q);
    reader_not(&q);
    reader_filter_text(&q, reader_via_card_text(CARD_NUMBER),
                       ORMC_STARTSWITH, "A");
    reader_end(&q);
    assert_ok(f->db, reader_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 2);
    assert_int_equal(l.items[0].id, w.reader[1]);
    assert_int_equal(l.items[1].id, w.reader[2]);
    reader_list_free(&l);
    reader_query_free(&q);
    /* no card at all */
    reader_query_init(&q);
    reader_filter_null(&q, reader_via_card(CARD_ID.path), true);
    assert_ok(f->db, reader_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, w.reader[1]);
    reader_list_free(&l);
    reader_query_free(&q);

    /* the forward side, optional too; and a chain through both sides:
     * each card's reader with the reader's card (the same row again) */
    ReaderQuery rq;
    reader_query_init(&rq);
    reader_with_card(&rq);
    CardQuery cq;
    card_query_init(&cq);
    card_with_reader_from(&cq, &rq);
    CardList cl;
    counts_reset(f);
    assert_ok(f->db, card_fetch(f->db, &cq, &cl));
    assert_sql(f, 0, "SELECT t0.\"id\", t0.\"number\", t0.\"reader_id\", "
                     "t1.\"id\", t1.\"name\", t1.\"email\", t2.\"id\", "
                     "t2.\"number\", t2.\"reader_id\" FROM \"card\" AS t0 "
                     "LEFT JOIN \"reader\" AS t1 ON t1.\"id\" = "
                     "t0.\"reader_id\" LEFT JOIN \"card\" AS t2 ON "
                     "t2.\"reader_id\" = t1.\"id\" ORDER BY t0.\"id\"");
    assert_int_equal(cl.count, 3);
    assert_int_equal(cl.items[0].reader->id, w.reader[0]);
    assert_int_equal(cl.items[0].reader->card->id, card[0]);
    assert_int_equal(cl.items[1].reader->card->id, card[1]);
    assert_null(cl.items[2].reader);
    card_list_free(&cl);
    card_query_free(&cq);
    reader_query_free(&rq);

    /* on delete set null: the card stays, unassigned */
    assert_ok(f->db, reader_delete(f->db, w.reader[2]));
    Card *c1;
    assert_ok(f->db, card_get(f->db, card[1], &c1));
    assert_true(c1->reader_null);
    card_free(c1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_m2m_prefetch_both_ways),
        T(test_m2m_filtered),
        T(test_m2m_through),
        T(test_m2m_counts),
        T(test_m2m_filters),
        T(test_m2m_links),
        T(test_self_relations),
        T(test_nested_through_m2m),
        T(test_m2m_per_parent_limit),
        T(test_m2m_100000_parents),
        T(test_one_to_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
