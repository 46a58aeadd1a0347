/*
 * test_hostile.c — hostile values and hostile names (issue 5), filling the
 * gaps test_types.c leaves:
 *
 *   values  SQL and format-string payloads through insert, update, get,
 *           every filter kind and _in lists; 1 MiB strings and blobs; NUL
 *           bytes; invalid UTF-8 (overlong, surrogates, CESU-8, 5/6-byte
 *           forms) refused in insert and update; text(N) counted in code
 *           points (4-byte and combining sequences) and agreeing with the SQL
 *           CHECK; +-Inf in filters and aggregates, NaN refused in filters,
 *           -0.0; int64 extremes in _in lists, limit and offset.
 *   names   tests/exec/hostile.orm: SQL keywords as table, column, option and
 *           relation names, libc function names and generated-helper names as
 *           fields, run through insert, get, update, delete, filters, order,
 *           with, prefetch, count and aggregates.
 *
 * Every statement any test runs passes through a trace hook that fails the
 * test if the SQL text contains a quote, a semicolon, a comment or anything
 * of a payload: values are bound, never spliced into SQL.
 *
 * The C library headers are included before the generated ones on purpose:
 * members named printf, malloc, time, free, strlen, exit must not clash.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "hostile.orm.h"
#include "types.orm.h"

/* ---- the SQL guard: no value ever reaches the SQL text ---- */

static const char *const FORBIDDEN[] = {"'", ";", "--", "/*", "%", "\\",
                                        "DROP", "PWN", "OR 1", "\n"};
static size_t guard_violations;
static bool guard_raw; /* a test runs its own SQL with ormc_exec */

static void guard_hook(void *ctx, const char *sql)
{
    trace_hook(ctx, sql);
    if (guard_raw)
        return;
    for (size_t i = 0; i < sizeof FORBIDDEN / sizeof FORBIDDEN[0]; i++)
        if (strstr(sql, FORBIDDEN[i])) {
            print_error("SQL text contains '%s': %s\n", FORBIDDEN[i], sql);
            guard_violations++;
        }
}

static int create_both(ormc_db *db)
{
    int rc = types_schema_create(db);
    return rc == ORMC_OK ? hostile_schema_create(db) : rc;
}

static int setup(void **state)
{
    int rc = fixture_setup(state, create_both);
    if (rc == 0) {
        fixture *f = *state;
        ormc_set_trace(f->db, guard_hook, &f->trace);
    }
    guard_violations = 0;
    guard_raw = false;
    return rc;
}

static int teardown(void **state)
{
    size_t v = guard_violations;
    fixture_teardown(state);
    assert_int_equal(v, 0);
    return 0;
}

/* ---- helpers ---- */

static void item_fill(Item *it)
{
    item_init(it);
    it->i = 1;
    it->r = 0.5;
    it->t = "t";
    it->code = "c";
    it->data = (ormc_blob){"", 0};
}

static int64_t item_rows(ormc_db *db, const ItemQuery *q)
{
    int64_t n = -1;
    assert_ok(db, item_count(db, q, &n));
    return n;
}

/* Inserts and updates with `it` must both be refused with exactly `msg`,
 * before any SQL, leaving the table as it was. */
static void assert_write_refused(fixture *f, Item *it, const char *msg)
{
    int64_t before = item_rows(f->db, NULL);
    counts_reset(f);
    assert_status(f->db, item_insert(f->db, it), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, msg);
    it->id = 1;
    assert_status(f->db, item_update(f->db, it), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, msg);
    assert_queries(f, 0);
    assert_int_equal(item_rows(f->db, NULL), before);
}

/* The payloads: SQL injection, comments, format strings, placeholders,
 * quotes of every kind, control characters, empty. */
static const char *const EVIL[] = {
    "'); DROP TABLE item; --",
    "Robert'); DROP TABLE \"item\";-- PWN",
    "\"; DROP TABLE \"select\"; --",
    "' OR 1=1 --",
    "x' OR '1'='1",
    "1; DELETE FROM item",
    "/* */ -- \n SELECT * FROM sqlite_master;",
    "*/ DROP TABLE item /*",
    "%s%s%s%n%n%d %x %p %%",
    "\\'; \\\"; \\\\",
    "? ?1 ?999 :a @a $a",
    "`backtick` [bracket]",
    "\x01\x02\x1b[31m\x7f\t\r\n",
    "'",
    "\"",
    ";",
    "--",
    "",
};
#define NEVIL (sizeof EVIL / sizeof EVIL[0])

/* ---- values ---- */

static void test_payloads_roundtrip_everywhere(void **state)
{
    fixture *f = *state;
    int64_t ids[NEVIL];
    for (size_t k = 0; k < NEVIL; k++) {
        Item it;
        item_fill(&it);
        it.i = (int64_t)k;
        it.t = EVIL[k];
        it.nt = EVIL[k];
        it.data = (ormc_blob){EVIL[k], strlen(EVIL[k])};
        assert_ok(f->db, item_insert(f->db, &it));
        ids[k] = it.id;
    }
    for (size_t k = 0; k < NEVIL; k++) {
        Item *got = NULL;
        assert_ok(f->db, item_get(f->db, ids[k], &got));
        assert_string_equal(got->t, EVIL[k]);
        assert_string_equal(got->nt, EVIL[k]);
        assert_int_equal(got->data.size, strlen(EVIL[k]));
        assert_memory_equal(got->data.data, EVIL[k], strlen(EVIL[k]));
        item_free(got);

        /* = finds exactly that row, <> every other */
        ItemQuery q;
        item_query_init(&q);
        item_where_t(&q, ORMC_EQ, EVIL[k]);
        ItemList l = {0};
        assert_ok(f->db, item_fetch(f->db, &q, &l));
        assert_int_equal(l.count, 1);
        assert_int_equal(l.items[0].id, ids[k]);
        item_list_free(&l);
        item_query_init(&q);
        item_where_nt(&q, ORMC_NE, EVIL[k]);
        assert_int_equal(item_rows(f->db, &q), (int64_t)NEVIL - 1);
    }
    /* an _in list of all of them, in a prefetching, counting query shape */
    ItemQuery q;
    item_query_init(&q);
    item_where_t_in(&q, EVIL, NEVIL);
    item_where_nt_in(&q, EVIL, NEVIL);
    item_order_by(&q, ITEM_T.path, ORMC_DESC);
    item_limit(&q, 100);
    assert_int_equal(item_rows(f->db, &q), (int64_t)NEVIL);

    /* update every row to the next payload, then read them back */
    for (size_t k = 0; k < NEVIL; k++) {
        Item it;
        item_fill(&it);
        it.id = ids[k];
        it.t = EVIL[(k + 1) % NEVIL];
        it.nt = NULL;
        assert_ok(f->db, item_update(f->db, &it));
    }
    for (size_t k = 0; k < NEVIL; k++) {
        Item *got = NULL;
        assert_ok(f->db, item_get(f->db, ids[k], &got));
        assert_string_equal(got->t, EVIL[(k + 1) % NEVIL]);
        assert_null(got->nt);
        item_free(got);
    }
    /* the table is whole and still takes rows with the next id */
    assert_int_equal(item_rows(f->db, NULL), (int64_t)NEVIL);
    Item more;
    item_fill(&more);
    assert_ok(f->db, item_insert(f->db, &more));
    assert_int_equal(more.id, ids[NEVIL - 1] + 1);
    assert_ok(f->db, item_delete(f->db, more.id));
}

static void test_injection_filters_match_nothing(void **state)
{
    fixture *f = *state;
    for (int k = 0; k < 3; k++) {
        Item it;
        item_fill(&it);
        it.t = k == 0 ? "a" : k == 1 ? "b" : "1";
        assert_ok(f->db, item_insert(f->db, &it));
    }
    /* classic tautologies are just strings no row holds; invalid UTF-8
     * (which no row can hold either) is refused before any SQL */
    const char *taut[] = {"x' OR '1'='1", "' OR 1=1 --", "a' --",
                          "a'; DROP TABLE item; --", "\xff\xfe", "a\xc0\xaf"};
    for (size_t k = 0; k < sizeof taut / sizeof taut[0]; k++) {
        ItemQuery q;
        item_query_init(&q);
        item_where_t(&q, ORMC_EQ, taut[k]);
        ItemList l = {0};
        if (k >= 4) {
            assert_status(f->db, item_fetch(f->db, &q, &l), ORMC_INVALID);
            assert_error(f->db, ORMC_INVALID, "Item.fetch: text value in a "
                                              "filter is not valid UTF-8");
            continue;
        }
        assert_ok(f->db, item_fetch(f->db, &q, &l));
        assert_int_equal(l.count, 0);
        item_list_free(&l);
        item_query_init(&q);
        item_where_t(&q, ORMC_NE, taut[k]);
        assert_int_equal(item_rows(f->db, &q), 3);
    }
    ItemQuery q;
    item_query_init(&q);
    item_where_t_in(&q, taut, 4);
    assert_int_equal(item_rows(f->db, &q), 0);
    /* a payload as a comparison bound is compared byte by byte */
    item_query_init(&q);
    item_where_t(&q, ORMC_LT, "' OR 1=1 --"); /* '\'' < '1' < 'a' */
    assert_int_equal(item_rows(f->db, &q), 0);
    item_query_init(&q);
    item_where_t(&q, ORMC_GT, "1'; DROP TABLE item; --"); /* > "1" */
    assert_int_equal(item_rows(f->db, &q), 2);
    /* and nothing was dropped or deleted */
    assert_int_equal(item_rows(f->db, NULL), 3);
}

static void test_megabyte_values(void **state)
{
    fixture *f = *state;
    enum { MB = 1 << 20 };
    /* 1 MiB of text: ASCII, 2-, 3- and 4-byte characters and payloads */
    static const char *const parts[] = {"abc'; --", "\xc3\xa9", "\xe6\x97\xa5",
                                        "\xf0\x9f\x98\x80", "%n\"\\"};
    char *text = malloc(MB + 1);
    unsigned char *blob = malloc(MB), *zeros = calloc(MB, 1);
    assert_non_null(text);
    assert_non_null(blob);
    assert_non_null(zeros);
    size_t len = 0;
    for (size_t p = 0;; p++) {
        const char *s = parts[p % 5];
        size_t n = strlen(s);
        if (len + n > MB)
            break;
        memcpy(text + len, s, n);
        len += n;
    }
    text[len] = '\0';
    for (size_t k = 0; k < MB; k++)
        blob[k] = (unsigned char)(k ^ (k >> 8) ^ (k >> 16));

    Item it;
    item_fill(&it);
    it.t = text;
    it.nt = text;
    it.data = (ormc_blob){blob, MB};
    it.ndata = (ormc_blob){zeros, MB}; /* only NUL bytes */
    assert_ok(f->db, item_insert(f->db, &it));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_int_equal(strlen(got->t), len);
    assert_memory_equal(got->t, text, len + 1);
    assert_string_equal(got->nt, text);
    assert_int_equal(got->data.size, MB);
    assert_memory_equal(got->data.data, blob, MB);
    assert_int_equal(got->ndata.size, MB);
    assert_memory_equal(got->ndata.data, zeros, MB);
    item_free(got);

    /* a 1 MiB filter value finds the row */
    ItemQuery q;
    item_query_init(&q);
    item_where_t(&q, ORMC_EQ, text);
    ItemList l = {0};
    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].data.size, MB);
    item_list_free(&l);

    /* one bad byte at the very end is found */
    text[len - 1] = '\xff';
    item_fill(&it);
    it.t = text;
    assert_write_refused(f, &it, "Item.t: text is not valid UTF-8");
    text[len - 1] = 'x';
    /* and text(5) counts the whole megabyte */
    item_fill(&it);
    memset(text, 'a', MB);
    text[MB] = '\0';
    it.code = text;
    assert_write_refused(f, &it,
                         "Item.code: text has 1048576 characters, at most 5 "
                         "allowed");
    free(text);
    free(blob);
    free(zeros);
}

static void test_nul_bytes(void **state)
{
    fixture *f = *state;
    /* text is a C string: it ends at the first NUL (use a blob for binary) */
    static const char with_nul[] = "visible\0hidden'; DROP TABLE item; --";
    Item it;
    item_fill(&it);
    it.t = with_nul;
    it.data = (ormc_blob){with_nul, sizeof with_nul}; /* blobs keep them */
    it.ndata = (ormc_blob){"\0", 1};
    assert_ok(f->db, item_insert(f->db, &it));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_string_equal(got->t, "visible");
    assert_int_equal(got->data.size, sizeof with_nul);
    assert_memory_equal(got->data.data, with_nul, sizeof with_nul);
    assert_int_equal(got->ndata.size, 1);
    assert_int_equal(((const char *)got->ndata.data)[0], 0);
    item_free(got);

    /* empty blob, NULL blob and a blob of one NUL are three values */
    Item e;
    item_fill(&e);
    e.ndata = (ormc_blob){"", 0};
    assert_ok(f->db, item_insert(f->db, &e));
    Item n;
    item_fill(&n);
    n.ndata = (ormc_blob){NULL, 0};
    assert_ok(f->db, item_insert(f->db, &n));
    ItemQuery q;
    item_query_init(&q);
    item_where_ndata_null(&q, true);
    ItemList l = {0};
    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, n.id);
    assert_null(l.items[0].ndata.data);
    item_list_free(&l);
    assert_ok(f->db, item_get(f->db, e.id, &got));
    assert_non_null(got->ndata.data);
    assert_int_equal(got->ndata.size, 0);
    item_free(got);
}

static void test_invalid_utf8_refused(void **state)
{
    fixture *f = *state;
    /* the forms test_types.c does not try */
    const char *bad[] = {
        "\xc0\x80",                 /* overlong NUL ("modified UTF-8") */
        "\xc1\xbf",                 /* overlong, 2 bytes */
        "\xf0\x8f\xbf\xbf",         /* overlong, 4 bytes */
        "\xed\xbf\xbf",             /* low surrogate U+DFFF */
        "\xed\xa0\xbd\xed\xb2\xa9", /* CESU-8 surrogate pair */
        "\xf5\x80\x80\x80",         /* lead byte above U+10FFFF */
        "\xf8\x88\x80\x80\x80",     /* old 5-byte form */
        "\xfc\x84\x80\x80\x80\x80", /* old 6-byte form */
        "\xfe",
        "ok\xf0\x9f\x98",           /* 4-byte sequence cut at the end */
        "\xe2\x82",                 /* 3-byte sequence cut */
        /* after and inside the 32- and 8-byte ASCII strides */
        "0123456789abcdef0123456789abcdef01234567\xc0\x80",
        "0123456789abcdef\3760123456789abcdef0123456789abcdef", /* \376 = 0xfe */
        "0123456789abcdef0123456789abcdef0123\xed\xbf\xbf",
        /* in the words of a short text (8 to 31 bytes): first, inside, in
         * the overlapping last word, the very last byte */
        "\xff" "0123456789",
        "01234567\xc0\x80" "abcdefgh",
        "0123456789abcdef0123456\xe2\x82",
        "0123456789abcdefghijklmnopqrst\x80",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        Item it;
        item_fill(&it);
        it.t = bad[k];
        assert_write_refused(f, &it, "Item.t: text is not valid UTF-8");
        item_fill(&it);
        it.ncode = bad[k];
        assert_write_refused(f, &it, "Item.ncode: text is not valid UTF-8");
    }
    /* a BOM and U+FFFD are ordinary valid characters */
    Item it;
    item_fill(&it);
    it.t = "\xef\xbb\xbfhi\xef\xbf\xbd";
    it.code = "\xef\xbb\xbf\xef\xbf\xbd"; /* 2 characters */
    assert_ok(f->db, item_insert(f->db, &it));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_string_equal(got->t, it.t);
    assert_string_equal(got->code, it.code);
    item_free(got);
}

static void test_text_n_counts_code_points(void **state)
{
    fixture *f = *state;
#define EMOJI "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes */
#define ACUTE "e\xcc\x81"        /* e + combining acute: 2 code points */
    Item it;
    item_fill(&it);
    it.code = EMOJI EMOJI EMOJI EMOJI EMOJI; /* 5 code points, 20 bytes */
    assert_ok(f->db, item_insert(f->db, &it));
    item_fill(&it);
    it.code = ACUTE ACUTE "x"; /* looks like 3 letters, is 5 code points */
    assert_ok(f->db, item_insert(f->db, &it));

    item_fill(&it);
    it.code = EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI;
    assert_write_refused(f, &it,
                         "Item.code: text has 6 characters, at most 5 "
                         "allowed");
    item_fill(&it);
    it.code = ACUTE ACUTE ACUTE; /* 3 letters on screen, 6 code points */
    assert_write_refused(f, &it,
                         "Item.code: text has 6 characters, at most 5 "
                         "allowed");
    item_fill(&it);
    /* counted in 32- and 8-byte ASCII strides, then one by one */
    it.code = "0123456789abcdef0123456789abcdef0123456789abc" EMOJI "xyz";
    assert_write_refused(f, &it,
                         "Item.code: text has 49 characters, at most 5 "
                         "allowed");

    /* the SQL CHECK counts the same way: 5 code points pass, 6 fail */
    guard_raw = true;
    /* (an empty blob and false, spelled for both databases) */
#define ROW(code) "INSERT INTO \"item\" (\"i\", \"r\", \"flag\", \"t\", " \
                  "\"code\", \"data\", \"at\") VALUES (0, 0, false, 't', '" \
                  code "', '', 0)"
    assert_ok(f->db, ormc_exec(f->db, ROW(EMOJI EMOJI EMOJI EMOJI EMOJI)));
    assert_status(f->db,
                  ormc_exec(f->db, ROW(EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI)),
                  ORMC_CONSTRAINT);
#undef ROW
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "exec: CHECK constraint failed: length(\"code\") <= 5",
                    "exec: new row for relation \"item\" violates check "
                    "constraint \"item_code_check\"");
    guard_raw = false;
    assert_int_equal(item_rows(f->db, NULL), 3);
#undef EMOJI
#undef ACUTE
}

static void test_reals_inf_nan_negative_zero(void **state)
{
    fixture *f = *state;
    const double vals[] = {INFINITY, -INFINITY, DBL_MAX, -DBL_TRUE_MIN, -0.0};
    int64_t ids[5];
    for (size_t k = 0; k < 5; k++) {
        Item it;
        item_fill(&it);
        it.r = vals[k];
        it.nr = vals[k];
        it.nr_null = false;
        assert_ok(f->db, item_insert(f->db, &it));
        ids[k] = it.id;
    }
    /* infinities compare beyond every finite value */
    ItemQuery q;
    item_query_init(&q);
    item_where_r(&q, ORMC_GT, DBL_MAX);
    ItemList l = {0};
    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, ids[0]);
    assert_true(isinf(l.items[0].r) && l.items[0].r > 0);
    item_list_free(&l);
    item_query_init(&q);
    item_where_nr(&q, ORMC_LT, -DBL_MAX);
    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, ids[1]);
    item_list_free(&l);
    item_query_init(&q);
    item_where_r(&q, ORMC_EQ, -DBL_TRUE_MIN); /* the smallest subnormal */
    assert_int_equal(item_rows(f->db, &q), 1);

    /* -0.0 equals 0.0 in SQL, and reads back as +0.0 on SQLite (it stores
     * an integral REAL as an integer), as -0.0 on PostgreSQL */
    item_query_init(&q);
    item_where_r(&q, ORMC_EQ, 0.0);
    assert_int_equal(item_rows(f->db, &q), 1);
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, ids[4], &got));
    assert_true(got->r == 0.0 && !signbit(got->r) == !test_pg());
    item_free(got);

    /* a NaN filter is a misuse, refused before any SQL */
    item_query_init(&q);
    item_where_r(&q, ORMC_EQ, NAN);
    counts_reset(f);
    assert_status(f->db, item_fetch(f->db, &q, &l), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Item.fetch: NaN value in a filter");
    int64_t n = -1;
    assert_status(f->db, item_count(f->db, &q, &n), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Item.count: NaN value in a filter");
    assert_queries(f, 0);

    /* aggregates: +Inf + -Inf is NaN, not 0 */
    ormc_real_stats st;
    assert_ok(f->db, item_aggregate_r(f->db, NULL, &st));
    assert_int_equal(st.count, 5);
    assert_false(st.is_null);
    assert_true(isnan(st.sum));
    assert_true(isnan(st.avg));
    assert_true(isinf(st.min) && st.min < 0);
    assert_true(isinf(st.max) && st.max > 0);
    item_query_init(&q);
    item_where_r(&q, ORMC_GE, 0.0); /* +Inf, DBL_MAX, 0 */
    assert_ok(f->db, item_aggregate_r(f->db, &q, &st));
    assert_int_equal(st.count, 3);
    assert_true(isinf(st.sum) && st.sum > 0);
    /* (PostgreSQL keeps the sign of -0.0) */
    assert_double_exact(st.min, test_pg() ? -0.0 : 0.0);
}

static void test_int64_extremes_in_queries(void **state)
{
    fixture *f = *state;
    const int64_t vals[] = {INT64_MIN, -1, 0, INT64_MAX};
    for (size_t k = 0; k < 4; k++) {
        Item it;
        item_fill(&it);
        it.i = vals[k];
        it.at = vals[3 - k];
        assert_ok(f->db, item_insert(f->db, &it));
    }
    ItemQuery q;
    item_query_init(&q);
    const int64_t ext[] = {INT64_MAX, INT64_MIN};
    item_where_i_in(&q, ext, 2);
    item_order_by(&q, ITEM_I.path, ORMC_ASC);
    ItemList l = {0};
    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 2);
    assert_true(l.items[0].i == INT64_MIN && l.items[0].at == INT64_MAX);
    assert_true(l.items[1].i == INT64_MAX && l.items[1].at == INT64_MIN);
    item_list_free(&l);
    /* the largest limit is no limit; the largest offset skips everything */
    item_query_init(&q);
    item_limit(&q, INT64_MAX);
    assert_int_equal(item_rows(f->db, &q), 4);
    item_offset(&q, INT64_MAX);
    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 0);
    item_list_free(&l);
    /* ids that cannot exist */
    Item dummy;
    Item *got = &dummy;
    assert_status(f->db, item_get(f->db, INT64_MIN, &got), ORMC_NOT_FOUND);
    assert_null(got);
    assert_error(f->db, ORMC_NOT_FOUND,
                 "Item.get: no row with id -9223372036854775808");
    assert_status(f->db, item_delete(f->db, INT64_MAX), ORMC_NOT_FOUND);
    ormc_int_stats st;
    assert_ok(f->db, item_aggregate_at(f->db, NULL, &st));
    assert_true(st.min == INT64_MIN && st.max == INT64_MAX);
}

/* ---- names: tests/exec/hostile.orm ---- */

static int64_t add_select(ormc_db *db, const char *from, int64_t where,
                          int64_t order, int64_t count)
{
    Select s;
    select_init(&s);
    s.from = from;
    s.where = where;
    s.where_null = false;
    s.group = "group by";
    s.order = order;
    s.table = (ormc_blob){"x", 1};
    s.values = 0.25 * (double)order;
    s.values_null = false;
    s.count = count;
    s.printf = "%s%n";
    s.malloc = 4096;
    s.malloc_null = false;
    s.time = 86400;
    assert_ok(db, select_insert(db, &s));
    return s.id;
}

static int64_t add_from(ormc_db *db, int64_t select, int64_t join, bool has_join,
                        int64_t limit)
{
    From r;
    from_init(&r);
    r.select_id = select;
    r.join_id = join;
    r.join_null = !has_join;
    r.limit = limit;
    r.offset = -limit;
    r.fetch = limit % 2 == 0;
    r.query = "SELECT";
    r.strlen = limit * 10;
    r.strlen_null = false;
    assert_ok(db, from_insert(db, &r));
    return r.id;
}

static void test_keyword_schema_crud(void **state)
{
    fixture *f = *state;
    int64_t s1 = add_select(f->db, "a", 1, 5, 10);
    int64_t s2 = add_select(f->db, "b", 2, 7, 20);
    int64_t s3 = add_select(f->db, "c", 3, 7, 30);
    /* @unique(from, where) */
    Select dup;
    select_init(&dup);
    dup.from = "a";
    dup.where = 1;
    dup.where_null = false;
    assert_status(f->db, select_insert(f->db, &dup), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Select.insert: UNIQUE constraint failed: select.from, "
                    "select.where",
                    "Select.insert: duplicate key value violates unique "
                    "constraint \"select_from_where_uniq\"");
    /* text(10) on a column named from */
    dup.from = "0123456789X";
    assert_status(f->db, select_insert(f->db, &dup), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Select.from: text has 11 characters, at most 10 allowed");

    /* get, update, get: every keyword and libc-named column */
    Select *got = NULL;
    assert_ok(f->db, select_get(f->db, s2, &got));
    assert_string_equal(got->from, "b");
    assert_int_equal(got->where, 2);
    assert_string_equal(got->group, "group by");
    assert_int_equal(got->order, 7);
    assert_int_equal(got->table.size, 1);
    assert_double_exact(got->values, 1.75);
    assert_int_equal(got->count, 20);
    assert_string_equal(got->printf, "%s%n");
    assert_int_equal(got->malloc, 4096);
    assert_int_equal(got->time, 86400);
    Select s = *got;
    s.group = NULL;
    s.printf = NULL;
    s.count = -1;
    s.where_null = true;
    s.where = 0; /* a value behind a true flag is refused */
    assert_ok(f->db, select_update(f->db, &s));
    select_free(got);
    assert_ok(f->db, select_get(f->db, s2, &got));
    assert_null(got->group);
    assert_null(got->printf);
    assert_int_equal(got->count, -1);
    assert_true(got->where_null);
    select_free(got);

    /* default order @order(-order, from), then id; filters on keywords */
    counts_reset(f);
    SelectList sl = {0};
    assert_ok(f->db, select_fetch(f->db, NULL, &sl));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"from\", t0.\"where\", t0.\"group\", "
               "t0.\"order\", t0.\"table\", t0.\"values\", t0.\"count\", "
               "t0.\"printf\", t0.\"malloc\", t0.\"time\" FROM \"select\" AS "
               "t0 ORDER BY t0.\"order\" DESC, t0.\"from\", t0.\"id\"");
    assert_int_equal(sl.count, 3);
    assert_int_equal(sl.items[0].id, s2);
    assert_int_equal(sl.items[1].id, s3);
    assert_int_equal(sl.items[2].id, s1);
    select_list_free(&sl);

    SelectQuery q;
    select_query_init(&q);
    select_where_order(&q, ORMC_EQ, 7);
    select_where_where_null(&q, false);
    select_where_group(&q, ORMC_EQ, "group by");
    select_where_count(&q, ORMC_GE, 0);
    const char *froms[] = {"c", "'); DROP TABLE \"select\"; --"};
    select_where_from_in(&q, froms, 2);
    counts_reset(f);
    int64_t n = -1;
    assert_ok(f->db, select_count(f->db, &q, &n));
    assert_int_equal(n, 1);
    assert_sql(f, 0,
               "SELECT COUNT(*) FROM \"select\" AS t0 WHERE t0.\"where\" IS "
               "NOT NULL AND t0.\"order\" = ?1 AND t0.\"group\" = ?2 AND "
               "t0.\"count\" >= ?3 AND t0.\"from\" IN (SELECT value FROM "
               "ormc_array(?4))");

    /* aggregates over columns named count, order, values and time */
    ormc_int_stats st;
    assert_ok(f->db, select_aggregate_count(f->db, NULL, &st));
    assert_true(st.count == 3 && st.sum == 39 && st.min == -1 && st.max == 30);
    assert_ok(f->db, select_aggregate_time(f->db, NULL, &st));
    assert_int_equal(st.sum, 3 * 86400);
    ormc_real_stats rst;
    assert_ok(f->db, select_aggregate_values(f->db, NULL, &rst));
    assert_double_exact(rst.sum, 1.25 + 1.75 + 1.75);

    /* delete by id from the table named select */
    assert_ok(f->db, select_delete(f->db, s3));
    assert_ok(f->db, select_count(f->db, NULL, &n));
    assert_int_equal(n, 2);
}

static void test_keyword_schema_relations(void **state)
{
    fixture *f = *state;
    int64_t s1 = add_select(f->db, "a", 1, 1, 0);
    int64_t s2 = add_select(f->db, "b", 2, 2, 0);
    int64_t r1 = add_from(f->db, s1, s2, true, 3);
    int64_t r2 = add_from(f->db, s1, 0, false, 4);
    int64_t r3 = add_from(f->db, s2, s1, true, 5);

    /* select_related through "where".join_id into "select", LEFT JOIN */
    FromQuery fq;
    from_query_init(&fq);
    from_with_select(&fq);
    from_with_join(&fq);
    from_order_by(&fq, FROM_LIMIT.path, ORMC_DESC);
    counts_reset(f);
    FromList fl = {0};
    assert_ok(f->db, from_fetch(f->db, &fq, &fl));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"select_id\", t0.\"join_id\", "
               "t0.\"limit\", t0.\"offset\", t0.\"fetch\", t0.\"query\", "
               "t0.\"init\", t0.\"free\", t0.\"strlen\", t0.\"exit\", "
               "t1.\"id\", t1.\"from\", t1.\"where\", t1.\"group\", "
               "t1.\"order\", t1.\"table\", t1.\"values\", t1.\"count\", "
               "t1.\"printf\", t1.\"malloc\", t1.\"time\", t2.\"id\", "
               "t2.\"from\", t2.\"where\", t2.\"group\", t2.\"order\", "
               "t2.\"table\", t2.\"values\", t2.\"count\", t2.\"printf\", "
               "t2.\"malloc\", t2.\"time\" FROM \"where\" AS t0 JOIN "
               "\"select\" AS t1 ON t1.\"id\" = t0.\"select_id\" LEFT JOIN "
               "\"select\" AS t2 ON t2.\"id\" = t0.\"join_id\" ORDER BY "
               "t0.\"limit\" DESC, t0.\"id\"");
    assert_int_equal(fl.count, 3);
    assert_int_equal(fl.items[0].id, r3);
    assert_string_equal(fl.items[0].select->from, "b");
    assert_string_equal(fl.items[0].join->from, "a");
    assert_int_equal(fl.items[1].id, r2);
    assert_null(fl.items[1].join);
    assert_true(fl.items[1].join_null);
    assert_int_equal(fl.items[2].id, r1);
    assert_int_equal(fl.items[2].offset, -3);
    assert_string_equal(fl.items[2].query, "SELECT");
    assert_true(fl.items[2].init_null && fl.items[2].free_null &&
                fl.items[2].exit_null);
    assert_int_equal(fl.items[2].strlen, 30);
    from_list_free(&fl);

    /* prefetch and count both reverse relations, filtered: 3 statements */
    SelectQuery q;
    select_query_init(&q);
    select_where_from(&q, ORMC_NE, "'; --");
    select_prefetch_exists(&q);
    select_prefetch_having(&q);
    select_count_exists(&q);
    select_count_having(&q);
    counts_reset(f);
    SelectList sl = {0};
    assert_ok(f->db, select_fetch(f->db, &q, &sl));
    assert_queries(f, 3);
    assert_sql(f, 1,
               "SELECT t0.\"id\", t0.\"select_id\", t0.\"join_id\", "
               "t0.\"limit\", t0.\"offset\", t0.\"fetch\", t0.\"query\", "
               "t0.\"init\", t0.\"free\", t0.\"strlen\", t0.\"exit\" FROM "
               "\"where\" AS t0 WHERE t0.\"select_id\" IN (SELECT t1.\"id\" "
               "FROM \"select\" AS t1 WHERE t1.\"from\" <> ?1) ORDER BY "
               "t0.\"select_id\", t0.\"id\"");
    assert_int_equal(sl.count, 2);
    /* default order: -order, so s2 first */
    assert_int_equal(sl.items[0].id, s2);
    assert_int_equal(sl.items[0].rel->exists.count, 1);
    assert_int_equal(sl.items[0].rel->exists_count, 1);
    assert_int_equal(sl.items[0].rel->exists.items[0]->id, r3);
    assert_int_equal(sl.items[0].rel->having.count, 1);
    assert_int_equal(sl.items[0].rel->having_count, 1);
    assert_int_equal(sl.items[0].rel->having.items[0]->id, r1);
    assert_int_equal(sl.items[1].id, s1);
    assert_int_equal(sl.items[1].rel->exists.count, 2);
    assert_int_equal(sl.items[1].rel->exists_count, 2);
    assert_int_equal(sl.items[1].rel->having_count, 1);
    select_list_free(&sl);

    /* on delete set null (join) and cascade (select) */
    assert_ok(f->db, select_delete(f->db, s2));
    From *got = NULL;
    assert_ok(f->db, from_get(f->db, r1, &got));
    assert_true(got->join_null);
    from_free(got);
    assert_status(f->db, from_get(f->db, r3, &got), ORMC_NOT_FOUND);
    int64_t n = -1;
    assert_ok(f->db, from_count(f->db, NULL, &n));
    assert_int_equal(n, 2);
}

static void test_reverse_named_count(void **state)
{
    fixture *f = *state;
    Table t;
    table_init(&t);
    t.primary = "key";
    assert_ok(f->db, table_insert(f->db, &t));
    for (int k = 0; k < 3; k++) {
        Values v;
        values_init(&v);
        v.table_id = t.id;
        v.distinct = k;
        assert_ok(f->db, values_insert(f->db, &v));
    }
    /* member count (a ValuesList) and count_count, functions
     * table_prefetch_count, table_count_count and table_count */
    TableQuery q;
    table_query_init(&q);
    table_prefetch_count(&q);
    table_count_count(&q);
    TableList l = {0};
    assert_ok(f->db, table_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].rel->count.count, 3);
    assert_int_equal(l.items[0].rel->count_count, 3);
    assert_int_equal(l.items[0].rel->count.items[2]->distinct, 2);
    table_list_free(&l);
    int64_t n = -1;
    assert_ok(f->db, table_count(f->db, NULL, &n));
    assert_int_equal(n, 1);
    ormc_int_stats st;
    assert_ok(f->db, values_aggregate_distinct(f->db, NULL, &st));
    assert_int_equal(st.sum, 3);
    /* the libc functions themselves are still callable next to the members */
    char *p = malloc(strlen("ok") + 1);
    assert_non_null(p);
    snprintf(p, 3, "%s", "ok");
    assert_string_equal(p, "ok");
    free(p);
    assert_true(time(NULL) > 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_payloads_roundtrip_everywhere),
        T(test_injection_filters_match_nothing),
        T(test_megabyte_values),
        T(test_nul_bytes),
        T(test_invalid_utf8_refused),
        T(test_text_n_counts_code_points),
        T(test_reals_inf_nan_negative_zero),
        T(test_int64_extremes_in_queries),
        T(test_keyword_schema_crud),
        T(test_keyword_schema_relations),
        T(test_reverse_named_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
