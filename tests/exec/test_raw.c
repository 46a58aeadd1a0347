/*
 * test_raw.c — raw SQL through examples/blog.orm: ormc_raw_exec,
 * ormc_raw_query, ormc_raw_fetch, the ormc_row accessors, and ormc_exec's
 * refusal of statements that return rows.  Every test pins the rows, the
 * statement and prepare counts, the traced SQL and the exact messages.
 */
#include "testutil.h"

#include "blog.orm.h"
#include "blogutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state) { return fixture_setup(state, blog_schema_create); }
static int setup_spy(void **state) { return fixture_setup_spy(state, blog_schema_create); }
static int teardown(void **state) { return fixture_teardown(state); }

#define NPARAMS(a) (sizeof(a) / sizeof((a)[0]))

static int64_t author_count_all(fixture *f)
{
    int64_t n = -1;
    assert_ok(f->db, author_count(f->db, NULL, &n));
    return n;
}

static int64_t comment_count_all(fixture *f)
{
    int64_t n = -1;
    assert_ok(f->db, comment_count(f->db, NULL, &n));
    return n;
}

/* ---- rendering rows as text ---- */

typedef struct sink {
    char buf[4096];
    size_t len;
    size_t rows;
    size_t stop_after; /* 0: never stop */
} sink;

static void put(sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->buf + s->len, sizeof s->buf - s->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof s->buf - s->len);
    s->len += (size_t)n;
}

/* Every column as name=value: NULL, or the text of the value, or for a
 * column named "b" its bytes in hex; rows end with '\n'. */
static int render_row(void *ctx, const ormc_row *row)
{
    sink *s = ctx;
    for (int c = 0; c < ormc_row_count(row); c++) {
        const char *name = ormc_row_name(row, c);
        assert_non_null(name);
        put(s, "%s%s=", c ? "|" : "", name);
        if (ormc_row_is_null(row, c)) {
            put(s, "NULL");
        } else if (strcmp(name, "b") == 0) {
            ormc_blob b = ormc_row_blob(row, c);
            assert_non_null(b.data);
            put(s, "x'");
            for (size_t i = 0; i < b.size; i++)
                put(s, "%02x", ((const unsigned char *)b.data)[i]);
            put(s, "'");
        } else {
            size_t n = 0;
            const char *t = ormc_row_text(row, c, &n);
            assert_non_null(t);
            assert_int_equal(strlen(t), n);
            put(s, "%s", t);
        }
    }
    put(s, "\n");
    s->rows++;
    return s->stop_after && s->rows >= s->stop_after;
}

/* Runs sql with params through render_row; fails the test on error. */
static const char *query_text(ormc_db *db, sink *s, const char *sql,
                              const ormc_value *p, size_t n)
{
    memset(s, 0, sizeof *s);
    assert_ok(db, ormc_raw_query(db, sql, p, n, render_row, s));
    return s->buf;
}

/* A seeded blog database: Ann (1) and Bob (2); blogs 1 "First" (Ann,
 * edited by Bob, rating 4.5), 2 "Second" (Ann, no editor, no rating), 3
 * "Third" (Bob, edited by Ann, rating 3); comments on blogs 1 and 3. */
static void seed(fixture *f)
{
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    int64_t bob = add_author(f->db, "Bob", "bob@example.com");
    const char *titles[] = {"First", "Second", "Third"};
    for (int i = 0; i < 3; i++) {
        Blog b;
        blog_init(&b);
        b.title = titles[i];
        b.author_id = i < 2 ? ann : bob;
        b.editor_id = i == 0 ? bob : i == 2 ? ann : 0;
        b.editor_null = i == 1;
        b.created = 1000 * (i + 1);
        b.rating = i == 0 ? 4.5 : i == 2 ? 3.0 : 0;
        b.rating_null = i == 1;
        assert_ok(f->db, blog_insert(f->db, &b));
    }
    const char *texts[] = {"nice", "meh", "wow"};
    const int64_t blogs[] = {1, 1, 3}, scores[] = {3, 1, 5};
    for (int i = 0; i < 3; i++) {
        Comment c;
        comment_init(&c);
        c.blog_id = blogs[i];
        c.content = texts[i];
        c.score = scores[i];
        assert_ok(f->db, comment_insert(f->db, &c));
    }
    counts_reset(f);
}

/* ---- typed parameters ---- */

#define VALS_INSERT "INSERT INTO vals VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
#define VALS_SELECT                                                          \
    "SELECT typeof(i) AS ti, i, r, t, b, typeof(n) AS tn, flag, at, "        \
    "length(t) AS tlen, typeof(b) AS tb FROM vals ORDER BY rowid"

static void test_params_every_type(void **state)
{
    fixture *f = *state;
    assert_ok(f->db, ormc_exec(f->db, "CREATE TABLE vals (i, r, t, b, n, "
                                      "flag, at)"));
    static const unsigned char bytes[] = {0, 'a', 0, 0xff, 0x80, 0};
    ormc_value p[] = {ormc_int(INT64_MIN), ormc_real(0.1),
                      ormc_text("h\xc3\xa9llo, 'quoted'"),
                      ormc_blob_v(bytes, sizeof bytes), ormc_null(),
                      ormc_bool(true), ormc_int(86400)};
    p[6].type = ORMC_T_DATETIME;
    counts_reset(f);
    int64_t changes = -1;
    assert_ok(f->db, ormc_raw_exec(f->db,
                                   "INSERT INTO vals VALUES (?, ?, ?, ?, ?, "
                                   "?, ?)",
                                   p, NPARAMS(p), &changes));
    assert_int_equal(changes, 1);
    /* the NULL forms of text and blob, an empty text and an empty blob */
    ormc_value q[] = {ormc_int(-1), ormc_real(-0.0), ormc_text(NULL),
                      ormc_blob_v(NULL, 0), ormc_int(0), ormc_bool(false),
                      ormc_int(0)};
    assert_ok(f->db, ormc_raw_exec(f->db,
                                   "INSERT INTO vals VALUES (?, ?, ?, ?, ?, "
                                   "?, ?)",
                                   q, NPARAMS(q), NULL));
    ormc_value e[] = {ormc_int(0), ormc_real(1e300), ormc_text(""),
                      ormc_blob_v("", 0), ormc_null(), ormc_null(),
                      ormc_null()};
    assert_ok(f->db, ormc_raw_exec(f->db,
                                   "INSERT INTO vals VALUES (?, ?, ?, ?, ?, "
                                   "?, ?)",
                                   e, NPARAMS(e), &changes));
    assert_int_equal(changes, 1);
    assert_queries(f, 3);
    assert_int_equal(ormc_prepare_count(f->db), 1); /* one text, cached */
    assert_sql(f, 2, "INSERT INTO vals VALUES (?, ?, ?, ?, ?, ?, ?)");

    sink s;
    assert_string_equal(
        query_text(f->db, &s, VALS_SELECT, NULL, 0),
        "ti=integer|i=-9223372036854775808|r=0.1|t=h\xc3\xa9llo, 'quoted'|"
        "b=x'006100ff8000'|tn=null|flag=1|at=86400|tlen=15|tb=blob\n"
        "ti=integer|i=-1|r=0.0|t=NULL|b=NULL|tn=integer|flag=0|at=0|"
        "tlen=NULL|tb=null\n"
        "ti=integer|i=0|r=1.0e+300|t=|b=x''|tn=null|flag=NULL|at=NULL|"
        "tlen=0|tb=blob\n");
    assert_int_equal(s.rows, 3);
    /* the blob kept its NUL bytes: 6 bytes, not 0 or 1 */
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT length(b) AS n FROM vals WHERE "
                                   "b = ?",
                                   (ormc_value[]){ormc_blob_v(bytes, 6)}, 1),
                        "n=6\n");
    /* reals come back bit for bit */
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT count(*) AS n FROM vals WHERE r "
                                   "= ? AND i = ?",
                                   (ormc_value[]){ormc_real(0.1),
                                                  ormc_int(INT64_MIN)},
                                   2),
                        "n=1\n");
}

static int typed_row(void *ctx, const ormc_row *row)
{
    int *seen = ctx;
    (*seen)++;
    assert_int_equal(ormc_row_count(row), 6);
    assert_int_equal(ormc_row_int(row, 0), INT64_MAX);
    assert_double_exact(ormc_row_real(row, 1), 0.1);
    size_t n = 99;
    const char *t = ormc_row_text(row, 2, &n);
    assert_int_equal(n, 3); /* a text with a NUL byte inside */
    assert_memory_equal(t, "a\0b", 4);
    /* NULL, and an empty text that is not NULL */
    assert_true(ormc_row_is_null(row, 3));
    assert_null(ormc_row_text(row, 3, &n));
    assert_int_equal(n, 0);
    assert_int_equal(ormc_row_int(row, 3), 0);
    assert_double_exact(ormc_row_real(row, 3), 0.0);
    ormc_blob b = ormc_row_blob(row, 3);
    assert_null(b.data);
    assert_int_equal(b.size, 0);
    assert_false(ormc_row_is_null(row, 4));
    t = ormc_row_text(row, 4, NULL);
    assert_non_null(t);
    assert_string_equal(t, "");
    b = ormc_row_blob(row, 5);
    assert_non_null(b.data);
    assert_int_equal(b.size, 0);
    /* conversions as SQLite does them */
    assert_string_equal(ormc_row_text(row, 0, NULL), "9223372036854775807");
    assert_int_equal(ormc_row_int(row, 2), 0);
    /* names, and columns out of range read as NULL */
    assert_string_equal(ormc_row_name(row, 0), "big");
    assert_string_equal(ormc_row_name(row, 5), "x''");
    for (int c = -1; c <= 6; c += 7) {
        assert_null(ormc_row_name(row, c));
        assert_true(ormc_row_is_null(row, c));
        assert_int_equal(ormc_row_int(row, c), 0);
        assert_double_exact(ormc_row_real(row, c), 0.0);
        assert_null(ormc_row_text(row, c, &n));
        assert_int_equal(n, 0);
        assert_null(ormc_row_blob(row, c).data);
    }
    return 0;
}

static void test_row_accessors(void **state)
{
    fixture *f = *state;
    int seen = 0;
    assert_ok(f->db, ormc_raw_query(f->db,
                                    "SELECT ? AS big, ?, "
                                    "CAST(x'610062' AS TEXT), NULL, '', x''",
                                    (ormc_value[]){ormc_int(INT64_MAX),
                                                   ormc_real(0.1)},
                                    2, typed_row, &seen));
    assert_int_equal(seen, 1);
    assert_queries(f, 1);
}

/* ---- injection: values never reach the SQL text ---- */

#define PAYLOAD "x'); DROP TABLE author; --"

static void test_injection_payload_is_a_value(void **state)
{
    fixture *f = *state;
    seed(f);
    ormc_value p[] = {ormc_text(PAYLOAD), ormc_text(PAYLOAD "@example.com")};
    int64_t changes = 0;
    assert_ok(f->db, ormc_raw_exec(f->db,
                                   "INSERT INTO author (name, email) VALUES "
                                   "(?, ?)",
                                   p, 2, &changes));
    assert_int_equal(changes, 1);
    sink s;
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT id, name FROM author WHERE email "
                                   "= ?",
                                   &p[1], 1),
                        "id=3|name=" PAYLOAD "\n");
    /* the table is still there, with its three rows */
    assert_int_equal(s.rows, 1);
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT count(*) AS n FROM author", NULL,
                                   0),
                        "n=3\n");
    assert_queries(f, 3);
    for (size_t i = 0; i < f->trace.n; i++)
        assert_null(strstr(f->trace.sql[i], "DROP"));
    assert_sql(f, 0, "INSERT INTO author (name, email) VALUES (?, ?)");
    assert_sql(f, 1, "SELECT id, name FROM author WHERE email = ?");
    /* and the generated API reads it back the same */
    Author *a = NULL;
    assert_ok(f->db, author_get(f->db, 3, &a));
    assert_string_equal(a->name, PAYLOAD);
    author_free(a);
}

/* ---- refusals before any SQL runs ---- */

/* The last call failed with ORMC_INVALID and exactly msg, and ran nothing. */
#define assert_refused(fx, expr, msg)                                        \
    do {                                                                     \
        counts_reset(fx);                                                    \
        assert_status((fx)->db, (expr), ORMC_INVALID);                       \
        assert_error((fx)->db, ORMC_INVALID, (msg));                         \
        assert_queries((fx), 0);                                             \
    } while (0)

static void test_wrong_param_count(void **state)
{
    fixture *f = *state;
    seed(f);
    ormc_value p[] = {ormc_text("Zed"), ormc_text("zed@example.com"),
                      ormc_int(1)};
    const char *ins = "INSERT INTO author (name, email) VALUES (?, ?)";
    assert_refused(f, ormc_raw_exec(f->db, ins, p, 1, NULL),
                   "raw_exec: the statement has 2 parameters, 1 given");
    /* compiled (and cached) to know its count, but not run */
    assert_int_equal(ormc_prepare_count(f->db), 1);
    assert_refused(f, ormc_raw_exec(f->db, ins, p, 3, NULL),
                   "raw_exec: the statement has 2 parameters, 3 given");
    assert_int_equal(ormc_prepare_count(f->db), 0); /* from the cache */
    assert_refused(f, ormc_raw_exec(f->db, ins, NULL, 0, NULL),
                   "raw_exec: the statement has 2 parameters, 0 given");
    sink s = {0};
    assert_refused(f,
                   ormc_raw_query(f->db, "SELECT * FROM author WHERE id = ?",
                                  NULL, 0, render_row, &s),
                   "raw_query: the statement has 1 parameter, 0 given");
    assert_refused(f,
                   ormc_raw_query(f->db, "SELECT ?2", p, 1, render_row, &s),
                   "raw_query: the statement has 2 parameters, 1 given");
    ormc_list l;
    assert_refused(f,
                   ormc_raw_fetch(f->db, &comment_model,
                                  "SELECT * FROM comment", p, 1, &l),
                   "Comment.raw_fetch: the statement has 0 parameters, 1 "
                   "given");
    assert_null(l.items);
    assert_int_equal(s.rows, 0);
    assert_int_equal(author_count_all(f), 2);
}

static void test_invalid_values(void **state)
{
    fixture *f = *state;
    const char *sel = "SELECT ?, ?";
    sink s = {0};
    ormc_value p[2] = {ormc_int(1), ormc_real(NAN)};
    assert_refused(f, ormc_raw_query(f->db, sel, p, 2, render_row, &s),
                   "raw_query: parameter 2: NaN cannot be stored");
    p[1] = ormc_text("caf\xe9"); /* Latin-1, not UTF-8 */
    assert_refused(f, ormc_raw_exec(f->db, sel, p, 2, NULL),
                   "raw_exec: parameter 2: text is not valid UTF-8");
    p[0] = ormc_text("\xed\xa0\x80"); /* a surrogate */
    assert_refused(f, ormc_raw_exec(f->db, sel, p, 2, NULL),
                   "raw_exec: parameter 1: text is not valid UTF-8");
    p[0] = ormc_blob_v(NULL, 3);
    ormc_list l;
    assert_refused(f, ormc_raw_fetch(f->db, &author_model, sel, p, 2, &l),
                   "Author.raw_fetch: parameter 1: blob has size 3 but no "
                   "data");
    p[0].type = 42;
    assert_refused(f, ormc_raw_exec(f->db, sel, p, 2, NULL),
                   "raw_exec: parameter 1: unknown type 42");
    assert_refused(f, ormc_raw_exec(f->db, sel, NULL, 2, NULL),
                   "raw_exec: 2 parameters announced, params is NULL");
    /* none of them got as far as compiling the statement */
    assert_int_equal(ormc_prepare_count(f->db), 0);
    assert_int_equal(s.rows, 0);
}

static void test_no_statement_or_several(void **state)
{
    fixture *f = *state;
    seed(f);
    sink s = {0};
    assert_refused(f, ormc_raw_exec(f->db, NULL, NULL, 0, NULL),
                   "raw_exec: no SQL statement");
    assert_refused(f, ormc_raw_exec(f->db, " ; -- nothing\n/* here */",
                                    NULL, 0, NULL),
                   "raw_exec: no SQL statement");
    assert_refused(f, ormc_exec(f->db, ""), "exec: no SQL statement");
    assert_refused(f,
                   ormc_raw_query(f->db, "SELECT 1", NULL, 0, NULL, NULL),
                   "raw_query: no row callback");
    /* a second statement is never run */
    assert_refused(f,
                   ormc_raw_exec(f->db,
                                 "DELETE FROM comment WHERE id = ?; DELETE "
                                 "FROM comment",
                                 (ormc_value[]){ormc_int(1)}, 1, NULL),
                   "raw_exec: more than one statement; run them one at a "
                   "time");
    assert_refused(f, ormc_exec(f->db, "DELETE FROM comment; DELETE FROM "
                                       "blog"),
                   "exec: more than one statement; run them one at a time");
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT count(*) AS n FROM comment", NULL,
                                   0),
                        "n=3\n");
    /* trailing semicolons, blanks and comments are not a statement */
    counts_reset(f);
    int64_t changes = -1;
    assert_ok(f->db, ormc_raw_exec(f->db,
                                   "DELETE FROM comment WHERE id = ?; ;\n"
                                   "-- done\n/* really */ ",
                                   (ormc_value[]){ormc_int(2)}, 1,
                                   &changes));
    assert_int_equal(changes, 1);
    assert_queries(f, 1);
}

/* ---- ormc_raw_exec ---- */

static void test_raw_exec_refuses_rows(void **state)
{
    fixture *f = *state;
    seed(f);
    int64_t changes = -1;
    assert_refused(f, ormc_raw_exec(f->db, "SELECT * FROM author", NULL, 0,
                                    &changes),
                   "raw_exec: the statement returns rows; use "
                   "ormc_raw_query or ormc_raw_fetch");
    assert_int_equal(changes, 0);
    /* a write that returns rows is refused too, and does not run */
    assert_refused(f,
                   ormc_raw_exec(f->db,
                                 "DELETE FROM comment WHERE score > ? "
                                 "RETURNING id",
                                 (ormc_value[]){ormc_int(0)}, 1, &changes),
                   "raw_exec: the statement returns rows; use "
                   "ormc_raw_query or ormc_raw_fetch");
    assert_refused(f,
                   ormc_exec(f->db,
                             "UPDATE author SET name = 'X' RETURNING id"),
                   "exec: the statement returns rows; use ormc_raw_query "
                   "or ormc_raw_fetch");
    assert_refused(f, ormc_exec(f->db, "SELECT 1"),
                   "exec: the statement returns rows; use ormc_raw_query "
                   "or ormc_raw_fetch");
    sink s;
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT (SELECT count(*) FROM comment) "
                                   "AS c, (SELECT group_concat(name) FROM "
                                   "author) AS a",
                                   NULL, 0),
                        "c=3|a=Ann,Bob\n");
    /* the same statement as a query does run: RETURNING gives the ids */
    assert_string_equal(query_text(f->db, &s,
                                   "DELETE FROM comment WHERE score > ? "
                                   "RETURNING id",
                                   (ormc_value[]){ormc_int(2)}, 1),
                        "id=1\nid=3\n");
}

static void test_raw_exec_changes(void **state)
{
    fixture *f = *state;
    seed(f);
    int64_t changes = -1;
    assert_ok(f->db, ormc_raw_exec(f->db,
                                   "UPDATE blog SET rating = ? WHERE "
                                   "author_id = ?",
                                   (ormc_value[]){ormc_real(2.5),
                                                  ormc_int(1)},
                                   2, &changes));
    assert_int_equal(changes, 2);
    /* no row matched: 0 */
    assert_ok(f->db, ormc_raw_exec(f->db,
                                   "UPDATE blog SET rating = ? WHERE id = ?",
                                   (ormc_value[]){ormc_real(1), ormc_int(99)},
                                   2, &changes));
    assert_int_equal(changes, 0);
    /* DDL changes no rows, whatever the last write changed */
    assert_ok(f->db, ormc_raw_exec(f->db,
                                   "UPDATE comment SET score = score + 1",
                                   NULL, 0, &changes));
    assert_int_equal(changes, 3);
    assert_ok(f->db, ormc_raw_exec(f->db, "CREATE TABLE t (x)", NULL, 0,
                                   &changes));
    assert_int_equal(changes, 0);
    /* a delete counts its own rows, not those of on delete cascade */
    assert_ok(f->db, ormc_raw_exec(f->db, "DELETE FROM author WHERE id = ?",
                                   (ormc_value[]){ormc_int(1)}, 1, &changes));
    assert_int_equal(changes, 1);
    assert_queries(f, 5);
    assert_sql(f, 4, "DELETE FROM author WHERE id = ?");
    sink s;
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT id, rating, author_id FROM blog",
                                   NULL, 0),
                        "id=3|rating=3.0|author_id=2\n");
}

static void test_raw_exec_errors(void **state)
{
    fixture *f = *state;
    seed(f);
    counts_reset(f);
    int64_t changes = -1;
    assert_status(f->db,
                  ormc_raw_exec(f->db,
                                "INSERT INTO author (name, email) VALUES "
                                "(?, ?)",
                                (ormc_value[]){ormc_text("Ann 2"),
                                               ormc_text("ann@example.com")},
                                2, &changes),
                  ORMC_CONSTRAINT);
    assert_error(f->db, ORMC_CONSTRAINT,
                 "raw_exec: UNIQUE constraint failed: author.email");
    assert_int_equal(changes, 0);
    assert_queries(f, 1); /* it ran, and failed */
    counts_reset(f);
    assert_status(f->db, ormc_raw_exec(f->db, "UPDATE nope SET x = 1", NULL,
                                       0, NULL),
                  ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "raw_exec: no such table: nope");
    sink s = {0};
    assert_status(f->db, ormc_raw_query(f->db, "SELEC 1", NULL, 0,
                                        render_row, &s),
                  ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "raw_query: near \"SELEC\": syntax error");
    ormc_list l;
    assert_status(f->db, ormc_raw_fetch(f->db, &author_model,
                                        "SELECT id, name FROM nope", NULL, 0,
                                        &l),
                  ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Author.raw_fetch: no such table: nope");
    assert_queries(f, 0); /* none of them compiled */
    /* a success clears the last error */
    assert_ok(f->db, ormc_raw_exec(f->db, "DELETE FROM comment", NULL, 0,
                                   NULL));
    assert_error(f->db, ORMC_OK, "");
}

/* ---- ormc_exec ---- */

static void test_exec_rules(void **state)
{
    fixture *f = *state;
    seed(f);
    /* PRAGMAs answer with a row, which ormc_exec discards */
    assert_ok(f->db, ormc_exec(f->db, "PRAGMA user_version = 7"));
    assert_ok(f->db, ormc_exec(f->db, "  /* set */ pragma journal_mode = "
                                      "WAL"));
    assert_ok(f->db, ormc_exec(f->db, "PRAGMA user_version"));
    assert_queries(f, 3);
    assert_sql(f, 1, "  /* set */ pragma journal_mode = WAL");
    sink s;
    assert_string_equal(query_text(f->db, &s, "PRAGMA user_version", NULL, 0),
                        "user_version=7\n");
    /* a word that starts with "pragma" is not the PRAGMA keyword */
    assert_refused(f, ormc_exec(f->db, "SELECT 1 AS pragma"),
                   "exec: the statement returns rows; use ormc_raw_query "
                   "or ormc_raw_fetch");
    assert_refused(f, ormc_exec(f->db, "WITH pragmas AS (SELECT 1) SELECT "
                                       "* FROM pragmas"),
                   "exec: the statement returns rows; use ormc_raw_query "
                   "or ormc_raw_fetch");
    /* DDL and writes work as before; running it again reuses the cache */
    counts_reset(f);
    assert_ok(f->db, ormc_exec(f->db, "DELETE FROM comment WHERE score = 1"));
    assert_ok(f->db, ormc_exec(f->db, "DELETE FROM comment WHERE score = 1"));
    assert_queries(f, 2);
    assert_int_equal(ormc_prepare_count(f->db), 1);
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT group_concat(content) AS c FROM "
                                   "comment",
                                   NULL, 0),
                        "c=nice,wow\n");
}

/* ---- ormc_raw_query ---- */

static void test_raw_query_rows(void **state)
{
    fixture *f = *state;
    seed(f);
    /* what the query language cannot say: a grouped join with HAVING */
    const char *sql =
        "SELECT a.name AS author, count(c.id) AS comments, "
        "sum(c.score) AS score, max(b.rating) AS best "
        "FROM author a JOIN blog b ON b.author_id = a.id "
        "LEFT JOIN comment c ON c.blog_id = b.id "
        "GROUP BY a.id HAVING count(c.id) >= ? ORDER BY a.name";
    sink s;
    assert_string_equal(query_text(f->db, &s, sql,
                                   (ormc_value[]){ormc_int(1)}, 1),
                        "author=Ann|comments=2|score=4|best=4.5\n"
                        "author=Bob|comments=1|score=5|best=3.0\n");
    assert_queries(f, 1);
    assert_sql(f, 0, sql);
    assert_int_equal(ormc_prepare_count(f->db), 1);
    assert_string_equal(query_text(f->db, &s, sql,
                                   (ormc_value[]){ormc_int(2)}, 1),
                        "author=Ann|comments=2|score=4|best=4.5\n");
    assert_queries(f, 2);
    assert_int_equal(ormc_prepare_count(f->db), 1); /* cached */
    /* no rows: fn is never called */
    assert_string_equal(query_text(f->db, &s, sql,
                                   (ormc_value[]){ormc_int(3)}, 1),
                        "");
    assert_int_equal(s.rows, 0);
    /* a statement without rows runs too */
    assert_string_equal(query_text(f->db, &s,
                                   "UPDATE comment SET score = 0", NULL, 0),
                        "");
    assert_string_equal(query_text(f->db, &s,
                                   "SELECT sum(score) AS s FROM comment",
                                   NULL, 0),
                        "s=0\n");
    assert_queries(f, 5);
}

static void test_raw_query_early_stop(void **state)
{
    fixture *f = *state;
    seed(f);
    const char *sql = "SELECT id, content FROM comment ORDER BY id";
    sink s = {.stop_after = 2};
    assert_ok(f->db, ormc_raw_query(f->db, sql, NULL, 0, render_row, &s));
    assert_string_equal(s.buf, "id=1|content=nice\nid=2|content=meh\n");
    assert_int_equal(s.rows, 2);
    assert_error(f->db, ORMC_OK, "");
    assert_queries(f, 1);
    /* stopped after the first row, the statement starts over next time */
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_ok(f->db, ormc_raw_query(f->db, sql, NULL, 0, render_row, &s));
    assert_string_equal(s.buf, "id=1|content=nice\n");
    assert_string_equal(query_text(f->db, &s, sql, NULL, 0),
                        "id=1|content=nice\nid=2|content=meh\n"
                        "id=3|content=wow\n");
    assert_queries(f, 3);
    assert_int_equal(ormc_prepare_count(f->db), 1);
    /* the generated API still works on the connection */
    int64_t n = -1;
    assert_ok(f->db, comment_count(f->db, NULL, &n));
    assert_int_equal(n, 3);
}

/* ---- ormc_raw_fetch ---- */

static void test_raw_fetch_blogs(void **state)
{
    fixture *f = *state;
    seed(f);
    /* blogs with more comments than ? whose author wrote another blog */
    const char *sql =
        "SELECT b.* FROM blog b WHERE (SELECT count(*) FROM comment c "
        "WHERE c.blog_id = b.id) >= ? OR b.editor_id IS NULL ORDER BY "
        "b.created DESC";
    BlogList l;
    assert_ok(f->db, ormc_raw_fetch(f->db, &blog_model, sql,
                                    (ormc_value[]){ormc_int(2)}, 1,
                                    (ormc_list *)&l));
    assert_queries(f, 1);
    assert_sql(f, 0, sql);
    assert_non_null(l.owner);
    assert_int_equal(l.count, 2);
    const Blog *b = &l.items[0];
    assert_int_equal(b->id, 2);
    assert_string_equal(b->title, "Second");
    assert_int_equal(b->author_id, 1);
    assert_true(b->editor_null);
    assert_int_equal(b->created, 2000);
    assert_true(b->rating_null);
    assert_null(b->author);
    assert_null(b->editor);
    assert_null(b->rel); /* no prefetch or count results */
    b = &l.items[1];
    assert_int_equal(b->id, 1);
    assert_string_equal(b->title, "First");
    assert_false(b->editor_null);
    assert_int_equal(b->editor_id, 2);
    assert_false(b->rating_null);
    assert_double_exact(b->rating, 4.5);
    /* the same rows as the generated fetch reads */
    Blog *g = NULL;
    assert_ok(f->db, blog_get(f->db, 1, &g));
    assert_string_equal(g->title, b->title);
    assert_int_equal(g->created, b->created);
    blog_free(g);
    blog_list_free(&l);
    assert_null(l.owner);
}

static void test_raw_fetch_comments(void **state)
{
    fixture *f = *state;
    seed(f);
    CommentList l;
    assert_ok(f->db, ormc_raw_fetch(f->db, &comment_model,
                                    "SELECT id, blog_id, upper(content), "
                                    "score * 10 FROM comment WHERE content "
                                    "LIKE ? ORDER BY score",
                                    (ormc_value[]){ormc_text("%e%")}, 1,
                                    (ormc_list *)&l));
    assert_int_equal(l.count, 2);
    assert_int_equal(l.items[0].id, 2);
    assert_int_equal(l.items[0].blog_id, 1);
    assert_string_equal(l.items[0].content, "MEH");
    assert_int_equal(l.items[0].score, 10);
    assert_null(l.items[0].blog);
    assert_int_equal(l.items[1].id, 1);
    assert_string_equal(l.items[1].content, "NICE");
    assert_int_equal(l.items[1].score, 30);
    /* the result outlives the connection */
    ormc_close(f->db);
    f->db = NULL;
    assert_string_equal(l.items[1].content, "NICE");
    comment_list_free(&l);
}

static void test_raw_fetch_many_rows(void **state)
{
    fixture *f = *state;
    seed(f);
    /* 1000 rows: the row array grows several times */
    CommentList l;
    assert_ok(f->db, ormc_raw_fetch(f->db, &comment_model,
                                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                                    "ALL SELECT i + 1 FROM n WHERE i < ?) "
                                    "SELECT i, 1, 'c' || i, -i FROM n",
                                    (ormc_value[]){ormc_int(1000)}, 1,
                                    (ormc_list *)&l));
    assert_int_equal(l.count, 1000);
    for (size_t i = 0; i < l.count; i++) {
        char want[32];
        snprintf(want, sizeof want, "c%zu", i + 1);
        assert_int_equal(l.items[i].id, (int64_t)i + 1);
        assert_string_equal(l.items[i].content, want);
        assert_int_equal(l.items[i].score, -(int64_t)i - 1);
    }
    comment_list_free(&l);
    assert_queries(f, 1);
}

static void test_raw_fetch_zero_rows(void **state)
{
    fixture *f = *state;
    seed(f);
    BlogList l;
    memset(&l, 0xa5, sizeof l);
    assert_ok(f->db, ormc_raw_fetch(f->db, &blog_model,
                                    "SELECT * FROM blog WHERE id > ?",
                                    (ormc_value[]){ormc_int(100)}, 1,
                                    (ormc_list *)&l));
    assert_int_equal(l.count, 0);
    assert_null(l.items);
    assert_non_null(l.owner); /* a valid, freeable result, as ormc_fetch's */
    blog_list_free(&l);
    assert_queries(f, 1);
}

static void test_raw_fetch_refusals(void **state)
{
    fixture *f = *state;
    seed(f);
    BlogList l;
    memset(&l, 0xa5, sizeof l);
    assert_refused(f,
                   ormc_raw_fetch(f->db, &blog_model,
                                  "SELECT id, title FROM blog", NULL, 0,
                                  (ormc_list *)&l),
                   "Blog.raw_fetch: the statement returns 2 columns, Blog "
                   "has 6: id, title, author_id, editor_id, created, rating");
    assert_null(l.items);
    assert_int_equal(l.count, 0);
    assert_null(l.owner);
    assert_refused(f,
                   ormc_raw_fetch(f->db, &author_model,
                                  "DELETE FROM comment", NULL, 0,
                                  (ormc_list *)&l),
                   "Author.raw_fetch: the statement returns 0 columns, "
                   "Author has 3: id, name, email");
    /* a NULL where the struct cannot hold one: found on the row, nothing
     * returned */
    counts_reset(f);
    memset(&l, 0xa5, sizeof l);
    assert_status(f->db,
                  ormc_raw_fetch(f->db, &blog_model,
                                 "SELECT id, CASE id WHEN 3 THEN NULL ELSE "
                                 "title END, author_id, editor_id, created, "
                                 "rating FROM blog ORDER BY id",
                                 NULL, 0, (ormc_list *)&l),
                  ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Blog.raw_fetch: row 3: column 2 is NULL, but Blog.title "
                 "is not nullable");
    assert_null(l.items);
    assert_null(l.owner);
    assert_queries(f, 1); /* it ran */
    assert_int_equal(comment_count_all(f), 3);
}

/* ---- backend faults (spy backend of testutil.h) ---- */

static void test_fault_step(void **state)
{
    fixture *f = *state;
    seed(f);
    /* a query that fails on its 3rd row: the first two were seen */
    spy.fail_step_at = 3;
    sink s = {0};
    assert_status(f->db,
                  ormc_raw_query(f->db, "SELECT id FROM comment ORDER BY id",
                                 NULL, 0, render_row, &s),
                  ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "raw_query: injected fault");
    assert_string_equal(s.buf, "id=1\nid=2\n");
    spy_reset();
    spy.fail_step_at = 2;
    spy.fail_code = ORMC_BUSY;
    CommentList l;
    assert_status(f->db,
                  ormc_raw_fetch(f->db, &comment_model,
                                 "SELECT * FROM comment", NULL, 0,
                                 (ormc_list *)&l),
                  ORMC_BUSY);
    assert_error(f->db, ORMC_BUSY, "Comment.raw_fetch: injected fault");
    assert_null(l.items);
    assert_null(l.owner);
    spy_reset();
    spy.fail_prepare_at = 1;
    assert_status(f->db, ormc_raw_exec(f->db, "DELETE FROM comment", NULL, 0,
                                       NULL),
                  ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "raw_exec: injected fault");
    assert_int_equal(comment_count_all(f), 3);
    /* recovered: the statements work and were reset */
    spy_reset();
    assert_ok(f->db, ormc_raw_fetch(f->db, &comment_model,
                                    "SELECT * FROM comment", NULL, 0,
                                    (ormc_list *)&l));
    assert_int_equal(l.count, 3);
    comment_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_params_every_type),
        T(test_row_accessors),
        T(test_injection_payload_is_a_value),
        T(test_wrong_param_count),
        T(test_invalid_values),
        T(test_no_statement_or_several),
        T(test_raw_exec_refuses_rows),
        T(test_raw_exec_changes),
        T(test_raw_exec_errors),
        T(test_exec_rules),
        T(test_raw_query_rows),
        T(test_raw_query_early_stop),
        T(test_raw_fetch_blogs),
        T(test_raw_fetch_comments),
        T(test_raw_fetch_many_rows),
        T(test_raw_fetch_zero_rows),
        T(test_raw_fetch_refusals),
        cmocka_unit_test_setup_teardown(test_fault_step, setup_spy, teardown),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
