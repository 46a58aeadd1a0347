/*
 * test_types.c — every column type through the generated API of
 * tests/exec/types.orm: CRUD round trips with and without NULLs, defaults,
 * value validation (text(N), UTF-8, NaN, NOT NULL, no value behind a true
 * _null flag) with nothing written on error, hostile strings, SQL keywords
 * as names, and `on delete restrict`.
 */
#include "testutil.h"

#include "types.orm.h"

#include <float.h>
#include <math.h>
#include <time.h>

static int setup(void **state) { return fixture_setup(state, types_schema_create); }
static int teardown(void **state) { return fixture_teardown(state); }

/* ---- helpers ---- */

static const unsigned char BLOB_BYTES[] = {'a', 0, 'b', 0, 0, 0xff, 'c', 0};

/* An Item with every field, nullable ones included, set to a non-NULL value. */
static void fill_item(Item *it)
{
    item_init(it);
    it->i = -42;
    it->r = 0.1;
    it->flag = true;
    it->t = "plain text";
    it->code = "abcde";
    it->data = (ormc_blob){BLOB_BYTES, sizeof BLOB_BYTES};
    it->at = 1700000000;
    /* init leaves nullable fields NULL: clear the flags to store values */
    it->ni_null = it->nr_null = it->nflag_null = it->nat_null = false;
    it->ni = 7;
    it->nr = -2.75;
    it->nflag = false; /* a non-NULL false must stay distinct from NULL */
    it->nt = "nullable text";
    it->ncode = "xyz";
    it->ndata = (ormc_blob){"\x01\x02\x00\x03", 4};
    it->nat = -86400;
}

/* An Item whose nullable fields are all NULL. */
static void null_item(Item *it)
{
    item_init(it);
    /* what init must give: every nullable field NULL */
    assert_true(it->ni_null && it->nr_null && it->nflag_null && it->nat_null);
    assert_null(it->nt);
    assert_null(it->ncode);
    assert_null(it->ndata.data);
    it->i = 1;
    it->r = 1.5;
    it->flag = false;
    it->t = "t";
    it->code = "c";
    it->data = (ormc_blob){"", 0};
    it->at = 0;
    it->ni_null = true;
    it->nr_null = true;
    it->nflag_null = true;
    it->nt = NULL;
    it->ncode = NULL;
    it->ndata = (ormc_blob){NULL, 0};
    it->nat_null = true;
}

static void assert_blob_equal(ormc_blob got, ormc_blob want)
{
    if (want.data == NULL) {
        assert_null(got.data);
        assert_int_equal(got.size, 0);
        return;
    }
    assert_non_null(got.data);
    assert_int_equal(got.size, want.size);
    if (want.size)
        assert_memory_equal(got.data, want.data, want.size);
}

static void assert_opt_string(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

/* Every member of got equals want, NULL flags and NULL pointers included. */
static void assert_item_equal(const Item *got, const Item *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->i, want->i);
    assert_double_exact(got->r, want->r);
    assert_int_equal(got->flag, want->flag);
    assert_string_equal(got->t, want->t);
    assert_string_equal(got->code, want->code);
    assert_blob_equal(got->data, want->data);
    assert_int_equal(got->at, want->at);

    assert_int_equal(got->ni_null, want->ni_null);
    assert_int_equal(got->ni, want->ni_null ? 0 : want->ni);
    assert_int_equal(got->nr_null, want->nr_null);
    assert_double_exact(got->nr, want->nr_null ? 0.0 : want->nr);
    assert_int_equal(got->nflag_null, want->nflag_null);
    assert_int_equal(got->nflag, want->nflag_null ? false : want->nflag);
    assert_opt_string(got->nt, want->nt);
    assert_opt_string(got->ncode, want->ncode);
    assert_blob_equal(got->ndata, want->ndata);
    assert_int_equal(got->nat_null, want->nat_null);
    assert_int_equal(got->nat, want->nat_null ? 0 : want->nat);
}

static int64_t item_rows(ormc_db *db)
{
    int64_t n = -1;
    assert_ok(db, item_count(db, NULL, &n));
    return n;
}

/* Inserts `it`, expecting ORMC_INVALID with `msg`, and checks that nothing
 * was written and no SQL ran (validation comes before any statement). */
static void assert_insert_rejected(fixture *f, Item *it, const char *msg)
{
    int64_t before = item_rows(f->db);
    counts_reset(f);
    int64_t id = it->id;
    assert_status(f->db, item_insert(f->db, it), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, msg);
    assert_int_equal(it->id, id); /* not touched */
    assert_queries(f, 0);
    assert_int_equal(item_rows(f->db), before);
}

/* ---- CRUD round trips ---- */

static void test_roundtrip_every_type_non_null(void **state)
{
    fixture *f = *state;
    Item it;
    fill_item(&it);
    assert_ok(f->db, item_insert(f->db, &it));
    assert_int_equal(it.id, 1);
    assert_queries(f, 1);
    assert_sql(f, 0,
               "INSERT INTO \"item\" (\"i\", \"r\", \"flag\", \"t\", \"code\", "
               "\"data\", \"at\", \"ni\", \"nr\", \"nflag\", \"nt\", \"ncode\", "
               "\"ndata\", \"nat\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
               "?13, ?14)");

    counts_reset(f);
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"i\", t0.\"r\", t0.\"flag\", t0.\"t\", "
               "t0.\"code\", t0.\"data\", t0.\"at\", t0.\"ni\", t0.\"nr\", "
               "t0.\"nflag\", t0.\"nt\", t0.\"ncode\", t0.\"ndata\", t0.\"nat\" "
               "FROM \"item\" AS t0 WHERE t0.\"id\" = ?1");
    assert_non_null(got);
    assert_item_equal(got, &it);
    /* the object owns copies, not the caller's pointers */
    assert_ptr_not_equal(got->t, it.t);
    assert_ptr_not_equal(got->data.data, it.data.data);
    item_free(got);
    assert_string_equal(ormc_errmsg(f->db), "");
    assert_int_equal(ormc_errcode(f->db), ORMC_OK);
}

static void test_roundtrip_every_type_null(void **state)
{
    fixture *f = *state;
    Item it;
    null_item(&it);
    assert_ok(f->db, item_insert(f->db, &it));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_item_equal(got, &it);
    assert_true(got->ni_null && got->nr_null && got->nflag_null &&
                got->nat_null);
    assert_null(got->nt);
    assert_null(got->ncode);
    assert_null(got->ndata.data);
    /* the non-null empty blob is not NULL */
    assert_non_null(got->data.data);
    assert_int_equal(got->data.size, 0);
    item_free(got);

    /* NULL filters see exactly this row's NULLs */
    ItemQuery q;
    item_query_init(&q);
    item_where_ni_null(&q, true);
    item_where_nr_null(&q, true);
    item_where_nflag_null(&q, true);
    item_where_nt_null(&q, true);
    item_where_ncode_null(&q, true);
    item_where_ndata_null(&q, true);
    item_where_nat_null(&q, true);
    int64_t n = -1;
    assert_ok(f->db, item_count(f->db, &q, &n));
    assert_int_equal(n, 1);
    item_query_init(&q);
    item_where_ndata_null(&q, false);
    assert_ok(f->db, item_count(f->db, &q, &n));
    assert_int_equal(n, 0);
}

static void test_update_null_and_back(void **state)
{
    fixture *f = *state;
    Item it, other;
    fill_item(&it);
    assert_ok(f->db, item_insert(f->db, &it));
    fill_item(&other);
    other.t = "the other row";
    assert_ok(f->db, item_insert(f->db, &other));

    /* non-NULL -> NULL, and new values for the rest */
    Item upd;
    null_item(&upd);
    upd.id = it.id;
    upd.i = INT64_C(123456789012);
    upd.r = -1e-300;
    upd.flag = true;
    upd.t = "updated";
    upd.code = "\xc3\xa9t\xc3\xa9!"; /* "été!" */
    upd.data = (ormc_blob){"\0\0\0", 3};
    upd.at = 42;
    counts_reset(f);
    assert_ok(f->db, item_update(f->db, &upd));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "UPDATE \"item\" SET \"i\" = ?1, \"r\" = ?2, \"flag\" = ?3, \"t\" "
               "= ?4, \"code\" = ?5, \"data\" = ?6, \"at\" = ?7, \"ni\" = ?8, \"nr\" "
               "= ?9, \"nflag\" = ?10, \"nt\" = ?11, \"ncode\" = ?12, \"ndata\" = ?13, "
               "\"nat\" = ?14 WHERE \"id\" = ?15");
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_item_equal(got, &upd);
    item_free(got);

    /* NULL -> non-NULL again */
    fill_item(&upd);
    upd.id = it.id;
    upd.nflag = true;
    upd.ndata = (ormc_blob){"", 0}; /* empty but not NULL */
    assert_ok(f->db, item_update(f->db, &upd));
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_item_equal(got, &upd);
    assert_non_null(got->ndata.data);
    assert_int_equal(got->ndata.size, 0);
    item_free(got);

    /* the other row was not touched */
    assert_ok(f->db, item_get(f->db, other.id, &got));
    assert_item_equal(got, &other);
    item_free(got);
}

/* Inserts a full and an all-NULL Item, updates one with the other's
 * values and back, and reads each back exactly. */
static void writes_read_back(fixture *f)
{
    Item full, none;
    fill_item(&full);
    null_item(&none);
    assert_ok(f->db, item_insert(f->db, &full));
    assert_ok(f->db, item_insert(f->db, &none));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, full.id, &got));
    assert_item_equal(got, &full);
    item_free(got);
    assert_ok(f->db, item_get(f->db, none.id, &got));
    assert_item_equal(got, &none);
    item_free(got);
    Item upd = full; /* full's values into none's row */
    upd.id = none.id;
    upd.t = "updated";
    assert_ok(f->db, item_update(f->db, &upd));
    assert_ok(f->db, item_get(f->db, none.id, &got));
    assert_item_equal(got, &upd);
    item_free(got);
    null_item(&upd); /* and NULL again */
    upd.id = none.id;
    assert_ok(f->db, item_update(f->db, &upd));
    assert_ok(f->db, item_get(f->db, none.id, &got));
    assert_item_equal(got, &upd);
    item_free(got);
}

/* The three ways a row's fields are bound write the same rows: the
 * backend's own loop (bind_fields: PostgreSQL's), Item's generated binder
 * (item_model.bind, over the backend's binds), and the runtime's loop
 * over the field descriptors (row_bind over bind_*). */
static void test_bind_loop_matches_binder(void **state)
{
    fixture *f = *state;
    assert_non_null(item_model.bind);
    assert_non_null(test_base()->binds);
    if (test_pg())
        assert_non_null(test_base()->bind_fields);
    writes_read_back(f); /* as the backend comes */
    spy_backend.bind_fields = NULL;
    writes_read_back(f); /* the generated binder */
    spy_backend.binds = NULL;
    writes_read_back(f); /* the descriptor loop */
    spy_backend.binds = test_base()->binds;
    spy_backend.bind_fields = test_base()->bind_fields;
    assert_int_equal(item_rows(f->db), 6);
}

static void test_delete_then_get_not_found(void **state)
{
    fixture *f = *state;
    Item it;
    fill_item(&it);
    assert_ok(f->db, item_insert(f->db, &it));
    counts_reset(f);
    assert_ok(f->db, item_delete(f->db, it.id));
    assert_queries(f, 1);
    assert_sql(f, 0, "DELETE FROM \"item\" WHERE \"id\" = ?1");

    Item *got = (Item *)&it; /* must be reset to NULL */
    assert_status(f->db, item_get(f->db, it.id, &got), ORMC_NOT_FOUND);
    assert_null(got);
    assert_error(f->db, ORMC_NOT_FOUND, "Item.get: no row with id 1");

    assert_status(f->db, item_delete(f->db, it.id), ORMC_NOT_FOUND);
    assert_error(f->db, ORMC_NOT_FOUND, "Item.delete: no row with id 1");
    assert_status(f->db, item_update(f->db, &it), ORMC_NOT_FOUND);
    assert_error(f->db, ORMC_NOT_FOUND, "Item.update: no row with id 1");
    assert_int_equal(item_rows(f->db), 0);
}

/* ---- defaults ---- */

static void test_init_applies_defaults(void **state)
{
    fixture *f = *state;
    Defaults d;
    memset(&d, 0x5a, sizeof d); /* init must overwrite everything */
    int64_t before = (int64_t)time(NULL);
    defaults_init(&d);
    int64_t after = (int64_t)time(NULL);

    assert_int_equal(d.id, 0);
    assert_int_equal(d.di, 42);
    assert_true(d.dmin == INT64_MIN);
    assert_true(d.dmax == INT64_MAX);
    assert_double_exact(d.dr, 2.5);
    assert_double_exact(d.drneg, -0.125);
    assert_double_exact(d.drint, 3.0);
    assert_true(d.dyes);
    assert_false(d.dno);
    assert_string_equal(d.ds, "it's a \"quoted\"\tdefault");
    assert_string_equal(d.dshort, "h\xc3\xa9llo");
    assert_in_range(d.dnow, before, after + 1);
    assert_int_equal(d.dfixed, 86400);
    assert_false(d.ni_null);
    assert_int_equal(d.ni, 7);
    /* `default null` and no default both mean NULL, as in the DDL */
    assert_true(d.nnull_null);
    assert_int_equal(d.nnull, 0);
    assert_true(d.nreal_null);
    assert_false(d.nnow_null);
    assert_in_range(d.nnow, before, after + 1);
    assert_string_equal(d.ntext, "x");
    assert_false(d.nbool_null);
    assert_false(d.nbool);
    assert_in_range(ormc_now(), before, (int64_t)time(NULL) + 1);

    /* defaults_init writes out what the runtime's descriptor-driven
     * ormc_object_init computes, field for field (the clock aside) */
    Defaults r;
    memset(&r, 0x5a, sizeof r);
    ormc_object_init(&defaults_model, &r);
    assert_int_equal(r.id, d.id);
    assert_int_equal(r.di, d.di);
    assert_true(r.dmin == d.dmin && r.dmax == d.dmax);
    assert_double_exact(r.dr, d.dr);
    assert_double_exact(r.drneg, d.drneg);
    assert_double_exact(r.drint, d.drint);
    assert_true(r.dyes == d.dyes && r.dno == d.dno);
    assert_string_equal(r.ds, d.ds);
    assert_string_equal(r.dshort, d.dshort);
    assert_in_range(r.dnow, before, (int64_t)time(NULL) + 1);
    assert_int_equal(r.dfixed, d.dfixed);
    assert_true(r.ni_null == d.ni_null && r.ni == d.ni);
    assert_true(r.nnull_null == d.nnull_null && r.nnull == d.nnull);
    assert_true(r.nreal_null == d.nreal_null);
    assert_double_exact(r.nreal, d.nreal);
    assert_true(r.nnow_null == d.nnow_null);
    assert_string_equal(r.ntext, d.ntext);
    assert_true(r.nbool_null == d.nbool_null && r.nbool == d.nbool);

    /* the defaults survive a round trip unchanged */
    assert_ok(f->db, defaults_insert(f->db, &d));
    Defaults *got = NULL;
    assert_ok(f->db, defaults_get(f->db, d.id, &got));
    assert_true(got->dmin == INT64_MIN);
    assert_true(got->dmax == INT64_MAX);
    assert_int_equal(got->di, 42);
    assert_double_exact(got->dr, 2.5);
    assert_double_exact(got->drneg, -0.125);
    assert_double_exact(got->drint, 3.0);
    assert_true(got->dyes);
    assert_false(got->dno);
    assert_string_equal(got->ds, d.ds);
    assert_string_equal(got->dshort, d.dshort);
    assert_int_equal(got->dnow, d.dnow);
    assert_int_equal(got->dfixed, 86400);
    assert_int_equal(got->ni, 7);
    assert_false(got->ni_null);
    assert_true(got->nnull_null);
    assert_true(got->nreal_null);
    assert_int_equal(got->nnow, d.nnow);
    assert_string_equal(got->ntext, "x");
    assert_false(got->nbool_null);
    defaults_free(got);
}

/* ---- exact values ---- */

static void test_blob_nul_bytes_and_empty(void **state)
{
    fixture *f = *state;
    /* every byte value, NULs included, in a blob larger than a page */
    enum { BIG = 70000 };
    unsigned char *big = malloc(BIG);
    assert_non_null(big);
    for (size_t k = 0; k < BIG; k++)
        big[k] = (unsigned char)(k * 7 + k / 256);
    Item it;
    fill_item(&it);
    it.data = (ormc_blob){big, BIG};
    it.ndata = (ormc_blob){"", 0};
    assert_ok(f->db, item_insert(f->db, &it));
    Item it2;
    fill_item(&it2);
    it2.data = (ormc_blob){"\0", 1};
    it2.ndata = (ormc_blob){"\0\0x\0", 4};
    assert_ok(f->db, item_insert(f->db, &it2));

    ItemList l = {0};
    assert_ok(f->db, item_fetch(f->db, NULL, &l));
    assert_int_equal(l.count, 2);
    assert_item_equal(&l.items[0], &it);
    assert_item_equal(&l.items[1], &it2);
    assert_non_null(l.items[0].ndata.data);
    assert_int_equal(l.items[0].ndata.size, 0);
    item_list_free(&l);
    free(big);

    /* a blob with a size but no data is refused */
    Item bad;
    fill_item(&bad);
    bad.data = (ormc_blob){NULL, 3};
    assert_insert_rejected(f, &bad, "Item.data: blob has size 3 but no data");
    /* for a nullable blob, NULL data is SQL NULL whatever the size says */
    fill_item(&bad);
    bad.ndata = (ormc_blob){NULL, 1};
    assert_ok(f->db, item_insert(f->db, &bad));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, bad.id, &got));
    assert_null(got->ndata.data);
    assert_int_equal(got->ndata.size, 0);
    item_free(got);
}

static void test_int64_extremes(void **state)
{
    fixture *f = *state;
    Item lo, hi;
    fill_item(&lo);
    lo.i = INT64_MIN;
    lo.ni = INT64_MIN;
    lo.at = INT64_MIN;
    lo.nat = INT64_MIN;
    fill_item(&hi);
    hi.i = INT64_MAX;
    hi.ni = INT64_MAX;
    hi.at = INT64_MAX;
    hi.nat = INT64_MAX;
    assert_ok(f->db, item_insert(f->db, &lo));
    assert_ok(f->db, item_insert(f->db, &hi));

    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, lo.id, &got));
    assert_true(got->i == INT64_MIN && got->ni == INT64_MIN);
    assert_true(got->at == INT64_MIN && got->nat == INT64_MIN);
    assert_item_equal(got, &lo);
    item_free(got);
    assert_ok(f->db, item_get(f->db, hi.id, &got));
    assert_true(got->i == INT64_MAX && got->ni == INT64_MAX);
    assert_true(got->at == INT64_MAX && got->nat == INT64_MAX);
    assert_item_equal(got, &hi);
    item_free(got);

    /* filters compare them exactly, too */
    ItemQuery q;
    item_query_init(&q);
    item_where_i(&q, ORMC_EQ, INT64_MIN);
    ItemList l = {0};
    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, lo.id);
    item_list_free(&l);
    item_query_init(&q);
    item_where_at(&q, ORMC_GT, INT64_MAX - 1);
    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, hi.id);
    item_list_free(&l);

    /* min/max of the extremes; the sum overflows int64 and must fail */
    ormc_int_stats st;
    item_query_init(&q);
    item_where_id(&q, ORMC_EQ, lo.id);
    assert_ok(f->db, item_aggregate_i(f->db, &q, &st));
    assert_int_equal(st.count, 1);
    assert_true(st.sum == INT64_MIN && st.min == INT64_MIN &&
                st.max == INT64_MIN);
    Item lo2 = lo;
    assert_ok(f->db, item_insert(f->db, &lo2));
    assert_status(f->db, item_aggregate_i(f->db, NULL, &st), ORMC_ERROR);
    assert_error_db(f->db, ORMC_ERROR, "Item.aggregate: integer overflow",
                    "Item.aggregate: bigint out of range");
    assert_int_equal(st.count, 0);
}

static void test_real_values_exact(void **state)
{
    fixture *f = *state;
    const double vals[] = {0.1, 0.0, DBL_MAX, -DBL_MAX, DBL_MIN,
                           4.9406564584124654e-324, 1.0 / 3.0, INFINITY,
                           -INFINITY, 9007199254740993.0};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
        Item it;
        fill_item(&it);
        it.r = vals[k];
        it.nr = vals[k] == 0.0 ? 0.0 : -vals[k]; /* no -0.0, see below */
        assert_ok(f->db, item_insert(f->db, &it));
        Item *got = NULL;
        assert_ok(f->db, item_get(f->db, it.id, &got));
        assert_double_exact(got->r, vals[k]);
        assert_double_exact(got->nr, it.nr);
        assert_false(got->nr_null);
        item_free(got);
    }
    /* SQLite stores an integral REAL as an integer, so -0.0 reads back as
     * +0.0: equal in value, not in sign bit */
    Item it;
    fill_item(&it);
    it.r = -0.0;
    assert_ok(f->db, item_insert(f->db, &it));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_true(got->r == 0.0);
    item_free(got);
}

/* ---- validation: nothing written on error ---- */

/* ormc_text_ok, the generated checkers' text test: what check_field
 * accepts (not NULL, valid UTF-8, at most max characters, 0 no limit). */
static void test_text_ok(void **state)
{
    (void)state;
    assert_false(ormc_text_ok(NULL, 0));
    assert_true(ormc_text_ok("", 0));
    assert_true(ormc_text_ok("", 1));
    assert_true(ormc_text_ok("abc", 3));
    assert_false(ormc_text_ok("abc", 2));
    assert_true(ormc_text_ok("abc", 0));
    /* characters, not bytes: 5 in 11 */
    assert_true(ormc_text_ok("\346\227\245\346\234\254\350\252\236ab", 5));
    assert_false(ormc_text_ok("\346\227\245\346\234\254\350\252\236ab", 4));
    /* 40 ASCII bytes: the word-at-a-time paths, at the limit and past it */
    const char *forty = "0123456789012345678901234567890123456789";
    assert_true(ormc_text_ok(forty, 40));
    assert_false(ormc_text_ok(forty, 39));
    /* not UTF-8: a lone continuation byte, an overlong '/', a surrogate */
    assert_false(ormc_text_ok("ab\x80", 0));
    assert_false(ormc_text_ok("\xc0\xaf", 0));
    assert_false(ormc_text_ok("\xed\xa0\x80", 0));
    assert_false(ormc_text_ok("0123456789012345678901234567890123456789\xff",
                              0));
}

static void test_text_n_multibyte_boundary(void **state)
{
    fixture *f = *state;
    /* exactly 5 characters in 11, 20 and 5 bytes */
#define CLEF "\xf0\x9d\x84\x9e" /* U+1D11E, 4 bytes */
    const char *ok5[] = {"\346\227\245\346\234\254\350\252\236ab", /* 日本語ab */
                         (CLEF CLEF CLEF CLEF CLEF), "abcde", ""};
#undef CLEF
    for (size_t k = 0; k < 4; k++) {
        Item it;
        fill_item(&it);
        it.code = ok5[k];
        it.ncode = ok5[k];
        assert_ok(f->db, item_insert(f->db, &it));
        Item *got = NULL;
        assert_ok(f->db, item_get(f->db, it.id, &got));
        assert_string_equal(got->code, ok5[k]);
        assert_string_equal(got->ncode, ok5[k]);
        item_free(got);
    }
    assert_int_equal(item_rows(f->db), 4);

    /* 6 characters (12 bytes) is one too many, for insert and update */
    Item it;
    fill_item(&it);
    it.code = "\346\227\245\346\234\254\350\252\236abc"; /* 日本語abc */
    assert_insert_rejected(f, &it,
                           "Item.code: text has 6 characters, at most 5 "
                           "allowed");
    fill_item(&it);
    it.ncode = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"; /* 6 x é */
    assert_insert_rejected(f, &it,
                           "Item.ncode: text has 6 characters, at most 5 "
                           "allowed");

    /* ASCII of 8 to 31 bytes is counted from its words: each byte one */
    const char *ascii[] = {"abcdefgh", "abcdefghijklmnop",
                           "abcdefghijklmnopqrstuvwxyz01234"};
    for (size_t k = 0; k < 3; k++) {
        char want[96];
        snprintf(want, sizeof want,
                 "Item.code: text has %zu characters, at most 5 allowed",
                 strlen(ascii[k]));
        fill_item(&it);
        it.code = ascii[k];
        assert_insert_rejected(f, &it, want);
    }

    fill_item(&it);
    it.id = 1;
    it.code = "abcdef";
    counts_reset(f);
    assert_status(f->db, item_update(f->db, &it), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Item.code: text has 6 characters, at most 5 allowed");
    assert_queries(f, 0);
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, 1, &got));
    assert_string_equal(got->code, ok5[0]); /* unchanged */
    item_free(got);
}

static void test_invalid_utf8_rejected(void **state)
{
    fixture *f = *state;
    const char *bad[] = {
        "\xff",                 /* never valid */
        "ok\xc3",               /* truncated sequence */
        "\xc0\xaf",             /* overlong '/' */
        "\xe0\x80\xaf",         /* overlong, 3 bytes */
        "\xed\xa0\x80",         /* UTF-16 surrogate */
        "\xf4\x90\x80\x80",     /* above U+10FFFF */
        "a\x80z",               /* stray continuation byte */
        "\346\227a",            /* continuation missing */
    };
    Item keep;
    fill_item(&keep);
    assert_ok(f->db, item_insert(f->db, &keep));
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        Item it;
        fill_item(&it);
        it.t = bad[k];
        assert_insert_rejected(f, &it, "Item.t: text is not valid UTF-8");
        fill_item(&it);
        it.nt = bad[k];
        assert_insert_rejected(f, &it, "Item.nt: text is not valid UTF-8");
    }
    /* valid edge cases are accepted */
    Item it;
    fill_item(&it);
    it.t = "\x7f\xc2\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf"; /* U+7F U+80 U+FFFF U+10FFFF */
    assert_ok(f->db, item_insert(f->db, &it));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_string_equal(got->t, it.t);
    item_free(got);
}

static void test_nan_rejected(void **state)
{
    fixture *f = *state;
    Item it;
    fill_item(&it);
    it.r = NAN;
    assert_insert_rejected(f, &it, "Item.r: NaN cannot be stored");
    fill_item(&it);
    it.nr = -NAN;
    assert_insert_rejected(f, &it, "Item.nr: NaN cannot be stored");

    /* a NaN behind a NULL flag is a value behind the flag: refused */
    fill_item(&it);
    it.nr = NAN;
    it.nr_null = true;
    assert_insert_rejected(f, &it,
                           "Item.nr: nr_null is true but the value is NaN, "
                           "which cannot be stored (set nr = 0 to store "
                           "NULL)");
    it.nr = 0;
    assert_ok(f->db, item_insert(f->db, &it));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_true(got->nr_null);
    assert_double_exact(got->nr, 0.0);
    item_free(got);

    /* update with NaN leaves the row as it was */
    it.nr = NAN;
    it.nr_null = false;
    counts_reset(f);
    assert_status(f->db, item_update(f->db, &it), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID, "Item.nr: NaN cannot be stored");
    assert_queries(f, 0);
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_true(got->nr_null);
    item_free(got);
}

static void test_null_for_not_nullable_text_rejected(void **state)
{
    fixture *f = *state;
    Item it;
    fill_item(&it);
    it.t = NULL;
    assert_insert_rejected(f, &it,
                           "Item.t: NULL given for a field that is not "
                           "nullable");
    fill_item(&it);
    it.code = NULL;
    assert_insert_rejected(f, &it,
                           "Item.code: NULL given for a field that is not "
                           "nullable");
    /* the first bad field is the one reported */
    fill_item(&it);
    it.t = NULL;
    it.r = NAN;
    assert_insert_rejected(f, &it, "Item.r: NaN cannot be stored");
    assert_int_equal(item_rows(f->db), 0);
}

/* A value behind a true <name>_null flag: no silent NULL.  Every nullable
 * int, real, bool and datetime whose flag is true must hold 0 (+0.0 bit for
 * bit, false); anything else is refused before any SQL, on insert, update
 * and insert_many alike, and the row is left as it was. */
static void test_value_behind_null_flag_rejected(void **state)
{
    fixture *f = *state;
    Item it;

    /* item_init leaves every flag true and every value 0: NULLs, accepted */
    item_init(&it);
    it.t = "t";
    it.code = "c";
    assert_ok(f->db, item_insert(f->db, &it));
    Item *got = NULL;
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_true(got->ni_null && got->nr_null && got->nflag_null &&
                got->nat_null);
    item_free(got);

    /* each type: the flag still true, a value set */
    fill_item(&it); /* flags false, values set */
    it.ni_null = true;
    assert_insert_rejected(f, &it,
                           "Item.ni: ni_null is true but the value is 7 (set "
                           "ni_null = false to store 7, or ni = 0 to store "
                           "NULL)");
    fill_item(&it);
    it.nr_null = true;
    assert_insert_rejected(f, &it,
                           "Item.nr: nr_null is true but the value is -2.75 "
                           "(set nr_null = false to store -2.75, or nr = 0 "
                           "to store NULL)");
    fill_item(&it);
    it.nr_null = true;
    it.nr = 0.1; /* printed with all 17 digits */
    assert_insert_rejected(f, &it,
                           "Item.nr: nr_null is true but the value is "
                           "0.10000000000000001 (set nr_null = false to store "
                           "0.10000000000000001, or nr = 0 to store NULL)");
    fill_item(&it);
    it.nr_null = true;
    it.nr = -0.0; /* not +0.0 bit for bit: a value */
    assert_insert_rejected(f, &it,
                           "Item.nr: nr_null is true but the value is -0 (set "
                           "nr_null = false to store -0, or nr = 0 to store "
                           "NULL)");
    fill_item(&it);
    it.nflag_null = true;
    it.nflag = true;
    assert_insert_rejected(f, &it,
                           "Item.nflag: nflag_null is true but the value is "
                           "true (set nflag_null = false to store true, or "
                           "nflag = false to store NULL)");
    fill_item(&it);
    it.nat_null = true;
    assert_insert_rejected(f, &it,
                           "Item.nat: nat_null is true but the value is -86400 "
                           "(set nat_null = false to store -86400, or nat = 0 "
                           "to store NULL)");
    /* the first such field is the one reported */
    item_init(&it);
    it.t = "t";
    it.code = "c";
    it.nat = 1;
    it.ni = INT64_MIN;
    assert_insert_rejected(f, &it,
                           "Item.ni: ni_null is true but the value is "
                           "-9223372036854775808 (set ni_null = false to store "
                           "-9223372036854775808, or ni = 0 to store NULL)");

    /* a flag set true with its value cleared is a NULL: accepted */
    fill_item(&it);
    it.ni_null = it.nr_null = it.nflag_null = it.nat_null = true;
    it.ni = 0;
    it.nr = 0.0;
    it.nflag = false;
    it.nat = 0;
    assert_ok(f->db, item_insert(f->db, &it));
    assert_int_equal(item_rows(f->db), 2);

    /* update: refused, no SQL, row unchanged */
    fill_item(&it);
    assert_ok(f->db, item_insert(f->db, &it));
    Item upd = it;
    upd.ni = 99;
    upd.ni_null = true;
    counts_reset(f);
    assert_status(f->db, item_update(f->db, &upd), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Item.ni: ni_null is true but the value is 99 (set ni_null = "
                 "false to store 99, or ni = 0 to store NULL)");
    assert_queries(f, 0);
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_item_equal(got, &it);
    item_free(got);

    /* an object read back with a NULL satisfies the rule: get, update */
    null_item(&upd);
    upd.id = it.id;
    assert_ok(f->db, item_update(f->db, &upd));
    assert_ok(f->db, item_get(f->db, it.id, &got));
    assert_ok(f->db, item_update(f->db, got));
    item_free(got);

    /* insert_many: refused before any SQL, all ids 0, nothing written */
    Item two[2];
    fill_item(&two[0]);
    fill_item(&two[1]);
    two[1].nflag_null = true;
    two[1].nflag = true;
    int64_t before = item_rows(f->db);
    counts_reset(f);
    assert_status(f->db, item_insert_many(f->db, two, 2), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Item.nflag: nflag_null is true but the value is true (set "
                 "nflag_null = false to store true, or nflag = false to store "
                 "NULL) (item 1 of 2; nothing written)");
    assert_queries(f, 0);
    assert_int_equal(two[0].id, 0);
    assert_int_equal(two[1].id, 0);
    assert_int_equal(item_rows(f->db), before);
}

/* A table not made by this schema (no NOT NULLs) holding NULL in a NOT
 * NULL blob or text: a data error naming model, field and row id, never
 * an empty blob, an empty string or "out of memory". */
/* The schema check on this engine (SQLite, or PostgreSQL's
 * information_schema under ORMC_TEST_PG): every type's column matches
 * the engine's name for it; a dropped column is named. */
static void test_schema_check_every_type(void **state)
{
    fixture *f = *state;
    assert_ok(f->db, types_schema_check(f->db));
    assert_ok(f->db, types_schema_open(f->db, ORMC_CREATE_IF_MISSING));
    assert_ok(f->db, ormc_exec(f->db, "ALTER TABLE item DROP COLUMN ndata"));
    assert_status(f->db, types_schema_check(f->db), ORMC_ERROR);
    assert_string_equal(ormc_errmsg(f->db),
                        "schema types: table item has no column ndata: "
                        "migrate with ormc diff");
}

static int setup_bare(void **state) { return fixture_setup(state, NULL); }

/* Item's table as a foreign database may hold it: NULLs allowed in
 * every column (SQLite: untyped columns; PostgreSQL: typed, without the
 * NOT NULLs). */
static void make_foreign_item_table(ormc_db *db)
{
    assert_ok(db,
              ormc_exec(db,
                        test_pg()
                            ? "CREATE TABLE \"item\" (\"id\" BIGINT PRIMARY "
                              "KEY, \"i\" BIGINT, \"r\" DOUBLE PRECISION, "
                              "\"flag\" BOOLEAN, \"t\" TEXT, \"code\" TEXT, "
                              "\"data\" BYTEA, \"at\" BIGINT, \"ni\" BIGINT, "
                              "\"nr\" DOUBLE PRECISION, \"nflag\" BOOLEAN, "
                              "\"nt\" TEXT, \"ncode\" TEXT, \"ndata\" BYTEA, "
                              "\"nat\" BIGINT)"
                            : "CREATE TABLE \"item\" (\"id\" INTEGER PRIMARY "
                              "KEY, \"i\", \"r\", \"flag\", \"t\", \"code\", "
                              "\"data\", \"at\", \"ni\", \"nr\", \"nflag\", "
                              "\"nt\", \"ncode\", \"ndata\", \"nat\")"));
}

static void test_null_in_not_null_blob_is_a_data_error(void **state)
{
    fixture *f = *state;
    make_foreign_item_table(f->db);
    const char *no = test_pg() ? "false" : "0";
    const char *empty = test_pg() ? "'\\x'::bytea" : "x''";
    const char *zero = test_pg() ? "'\\x00'::bytea" : "x'00'";
    char ins[512];
    snprintf(ins, sizeof ins,
             "INSERT INTO \"item\" VALUES "
             "(1, 1, 1.5, %s, 't', 'c', NULL, 0, NULL, NULL, NULL, NULL, "
             "NULL, NULL, NULL), "
             "(2, 1, 1.5, %s, 't', 'c', %s, 0, NULL, NULL, NULL, NULL, "
             "NULL, NULL, NULL), "
             "(3, 1, 1.5, %s, NULL, 'c', %s, 0, NULL, NULL, NULL, NULL, "
             "NULL, NULL, NULL)",
             no, no, empty, no, zero);
    assert_ok(f->db, ormc_exec(f->db, ins));
    Item *got = NULL;
    assert_status(f->db, item_get(f->db, 1, &got), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Item.get: Item.data is NULL in the row with id 1, but the "
                 "schema says NOT NULL (a damaged or foreign database?)");
    assert_null(got);
    assert_status(f->db, item_get(f->db, 3, &got), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Item.get: Item.t is NULL in the row with id 3, but the "
                 "schema says NOT NULL (a damaged or foreign database?)");
    assert_null(got);
    /* an empty blob is not NULL: it reads back empty, data non-NULL */
    assert_ok(f->db, item_get(f->db, 2, &got));
    assert_non_null(got->data.data);
    assert_int_equal(got->data.size, 0);
    assert_null(got->ndata.data);
    item_free(got);

    ItemList l = {0};
    assert_status(f->db, item_fetch(f->db, NULL, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Item.fetch: Item.data is NULL in the row with id 1, but the "
                 "schema says NOT NULL (a damaged or foreign database?)");
    assert_null(l.items);
    assert_int_equal(l.count, 0);
}

/* A fetch of many rows (PostgreSQL reads them a block of rows and one
 * field at a time): every value of every type read back exactly, NULLs
 * where they are, and of two damaged rows the first in row order is the
 * one reported, though its bad field comes after the other's. */
static void test_many_rows_every_type_and_first_bad_row(void **state)
{
    fixture *f = *state;
    make_foreign_item_table(f->db);
    enum { N = 200 };
    bool pg = test_pg();
    char *ins = malloc(N * 200 + 64);
    assert_non_null(ins);
    size_t at = (size_t)sprintf(ins, "INSERT INTO \"item\" VALUES ");
    for (int k = 1; k <= N; k++) {
        char ni[24], nr[24], nat[24], nt[24];
        snprintf(ni, sizeof ni, k % 3 ? "NULL" : "%d", -k);
        snprintf(nr, sizeof nr, k % 5 ? "NULL" : "%d.5", k);
        snprintf(nat, sizeof nat, k % 7 ? "NULL" : "%d", k * 7);
        snprintf(nt, sizeof nt, k % 2 ? "NULL" : "'n%d'", k);
        at += (size_t)sprintf(
            ins + at,
            "%s(%d, %lld, %d.25, %s, %s, 'c%d', %s, %d, %s, %s, %s, %s, "
            "NULL, %s, %s)",
            k > 1 ? ", " : "", k, (long long)k * 3000000000LL, k,
            (k % 2 ? (pg ? "true" : "1") : (pg ? "false" : "0")),
            k == 170 ? "NULL" : "'t'", k % 100,
            k == 150 ? "NULL" : (pg ? "'\\x0102'::bytea" : "x'0102'"),
            k * 1000, ni, nr,
            k % 4 ? "NULL" : (pg ? "true" : "1"), nt,
            k % 6 ? "NULL" : (pg ? "'\\x00'::bytea" : "x'00'"), nat);
    }
    assert_ok(f->db, ormc_exec(f->db, ins));
    free(ins);

    ItemQuery q;
    item_query_init(&q);
    item_order_by(&q, ITEM_ID.path, ORMC_ASC);
    ItemList l = {0};
    assert_status(f->db, item_fetch(f->db, &q, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Item.fetch: Item.data is NULL in the row with id 150, but "
                 "the schema says NOT NULL (a damaged or foreign database?)");
    assert_null(l.items);
    assert_ok(f->db, ormc_exec(f->db, pg ? "UPDATE \"item\" SET \"data\" = "
                                           "'\\x0102'::bytea WHERE \"id\" = 150"
                                         : "UPDATE \"item\" SET \"data\" = "
                                           "x'0102' WHERE \"id\" = 150"));
    assert_status(f->db, item_fetch(f->db, &q, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "Item.fetch: Item.t is NULL in the row with id 170, but "
                 "the schema says NOT NULL (a damaged or foreign database?)");
    assert_ok(f->db, ormc_exec(f->db, "UPDATE \"item\" SET \"t\" = 't' "
                                      "WHERE \"id\" = 170"));

    assert_ok(f->db, item_fetch(f->db, &q, &l));
    assert_int_equal(l.count, N);
    for (int k = 1; k <= N; k++) {
        const Item *it = &l.items[k - 1];
        char want[16];
        assert_int_equal(it->id, k);
        assert_int_equal(it->i, (int64_t)k * 3000000000LL);
        assert_true(it->r == k + 0.25);
        assert_int_equal(it->flag, k % 2 == 1);
        assert_string_equal(it->t, "t");
        snprintf(want, sizeof want, "c%d", k % 100);
        assert_string_equal(it->code, want);
        assert_int_equal(it->data.size, 2);
        assert_memory_equal(it->data.data, "\x01\x02", 2);
        assert_int_equal(it->at, k * 1000);
        assert_int_equal(it->ni_null, k % 3 != 0);
        assert_int_equal(it->ni, k % 3 ? 0 : -k);
        assert_int_equal(it->nr_null, k % 5 != 0);
        assert_true(it->nr == (k % 5 ? 0 : k + 0.5));
        assert_int_equal(it->nflag_null, k % 4 != 0);
        assert_int_equal(it->nflag, k % 4 == 0);
        if (k % 2) {
            assert_null(it->nt);
        } else {
            snprintf(want, sizeof want, "n%d", k);
            assert_string_equal(it->nt, want);
        }
        assert_null(it->ncode);
        assert_int_equal(it->ndata.size, k % 6 ? 0 : 1);
        if (k % 6)
            assert_null(it->ndata.data);
        else
            assert_memory_equal(it->ndata.data, "\0", 1);
        assert_int_equal(it->nat_null, k % 7 != 0);
        assert_int_equal(it->nat, k % 7 ? 0 : k * 7);
    }
    item_list_free(&l);
    item_query_free(&q);
}

/* ---- hostile strings ---- */

static void test_hostile_strings_verbatim(void **state)
{
    fixture *f = *state;
    const char *evil[] = {
        "'); DROP TABLE item; --",
        "Robert\"); DROP TABLE \"item\"; --",
        "x' OR '1'='1",
        "; DELETE FROM item WHERE 1=1; SELECT '",
        "/* comment */ -- line\n\tSELECT * FROM sqlite_master;",
        "%s%n%d \\ \\\\ ? ?1 :name @x $y",
    };
    size_t n = sizeof evil / sizeof evil[0];
    int64_t ids[8];
    for (size_t k = 0; k < n; k++) {
        Item it;
        fill_item(&it);
        it.t = evil[k];
        it.nt = evil[k];
        it.ncode = "';--"; /* 4 characters */
        assert_ok(f->db, item_insert(f->db, &it));
        ids[k] = it.id;
    }
    for (size_t k = 0; k < n; k++) {
        Item *got = NULL;
        assert_ok(f->db, item_get(f->db, ids[k], &got));
        assert_string_equal(got->t, evil[k]);
        assert_string_equal(got->nt, evil[k]);
        assert_string_equal(got->ncode, "';--");
        item_free(got);

        /* and a filter on the same text finds exactly that row */
        ItemQuery q;
        item_query_init(&q);
        item_where_t(&q, ORMC_EQ, evil[k]);
        ItemList l = {0};
        assert_ok(f->db, item_fetch(f->db, &q, &l));
        assert_int_equal(l.count, 1);
        assert_int_equal(l.items[0].id, ids[k]);
        item_list_free(&l);
    }
    ItemQuery q;
    item_query_init(&q);
    item_where_nt_in(&q, evil, n);
    int64_t cnt = -1;
    assert_ok(f->db, item_count(f->db, &q, &cnt));
    assert_int_equal(cnt, (int64_t)n);
    /* the table is still there and still complete */
    assert_int_equal(item_rows(f->db), (int64_t)n);
    Item more;
    fill_item(&more);
    assert_ok(f->db, item_insert(f->db, &more));
    assert_int_equal(more.id, (int64_t)n + 1);
}

static void test_sql_keyword_names(void **state)
{
    fixture *f = *state;
    struct { int64_t order; const char *group; bool sel; const char *from;
             bool where_null; int64_t where; } rows[] = {
        {1, "b", true, "x", false, 10},
        {3, "a", false, NULL, true, 0},
        {3, "b", true, "select", false, -1},
        {2, "c", false, "from", false, 10},
    };
    for (size_t k = 0; k < 4; k++) {
        Keyword kw;
        keyword_init(&kw);
        kw.order = rows[k].order;
        kw.group = rows[k].group;
        kw.select = rows[k].sel;
        kw.from = rows[k].from;
        kw.where_null = rows[k].where_null;
        kw.where = rows[k].where;
        assert_ok(f->db, keyword_insert(f->db, &kw));
        assert_int_equal(kw.id, (int64_t)k + 1);
    }
    /* default order @order(-order, group), then id */
    counts_reset(f);
    KeywordList l = {0};
    assert_ok(f->db, keyword_fetch(f->db, NULL, &l));
    assert_queries(f, 1);
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"order\", t0.\"group\", t0.\"select\", "
               "t0.\"from\", t0.\"where\" FROM \"keyword\" AS t0 ORDER BY "
               "t0.\"order\" DESC, t0.\"group\", t0.\"id\"");
    assert_int_equal(l.count, 4);
    const int64_t want_ids[] = {2, 3, 4, 1};
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(l.items[k].id, want_ids[k]);
    assert_null(l.items[0].from);
    assert_true(l.items[0].where_null);
    assert_string_equal(l.items[1].from, "select");
    assert_int_equal(l.items[1].where, -1);
    assert_true(l.items[1].select);
    keyword_list_free(&l);

    /* filters on keyword columns */
    KeywordQuery q;
    keyword_query_init(&q);
    keyword_where_group(&q, ORMC_EQ, "b");
    keyword_where_select(&q, ORMC_EQ, true);
    keyword_where_where_null(&q, false);
    keyword_where_order(&q, ORMC_GE, 2);
    counts_reset(f);
    assert_ok(f->db, keyword_fetch(f->db, &q, &l));
    assert_sql(f, 0,
               "SELECT t0.\"id\", t0.\"order\", t0.\"group\", t0.\"select\", "
               "t0.\"from\", t0.\"where\" FROM \"keyword\" AS t0 WHERE "
               "t0.\"where\" IS NOT NULL AND t0.\"group\" = ?1 AND "
               "t0.\"select\" = ?2 AND t0.\"order\" >= ?3 ORDER BY "
               "t0.\"order\" DESC, t0.\"group\", t0.\"id\"");
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].id, 3);
    keyword_list_free(&l);

    ormc_int_stats st;
    assert_ok(f->db, keyword_aggregate_order(f->db, NULL, &st));
    assert_int_equal(st.count, 4);
    assert_int_equal(st.sum, 9);
    assert_int_equal(st.min, 1);
    assert_int_equal(st.max, 3);
    assert_ok(f->db, keyword_aggregate_where(f->db, NULL, &st));
    assert_int_equal(st.count, 3);
    assert_int_equal(st.sum, 19);

    /* update and delete through keyword columns */
    Keyword *got = NULL;
    assert_ok(f->db, keyword_get(f->db, 2, &got));
    Keyword kw = *got; /* its strings live in got: free it after use */
    kw.from = "group by";
    kw.where_null = false;
    kw.where = 99;
    assert_ok(f->db, keyword_update(f->db, &kw));
    keyword_free(got);
    assert_ok(f->db, keyword_get(f->db, 2, &got));
    assert_string_equal(got->from, "group by");
    assert_int_equal(got->where, 99);
    assert_false(got->where_null);
    keyword_free(got);
    assert_ok(f->db, keyword_delete(f->db, 2));
    int64_t n = -1;
    assert_ok(f->db, keyword_count(f->db, NULL, &n));
    assert_int_equal(n, 3);
}

/* ---- on delete restrict ---- */

static int64_t add_parent(ormc_db *db, const char *name)
{
    Parent p;
    parent_init(&p);
    p.name = name;
    assert_ok(db, parent_insert(db, &p));
    return p.id;
}

static void test_restrict_is_the_default(void **state)
{
    fixture *f = *state;
    int64_t p1 = add_parent(f->db, "p1"), p2 = add_parent(f->db, "p2");
    Child c;
    child_init(&c);
    c.parent_id = p1;
    c.name = "kid";
    assert_ok(f->db, child_insert(f->db, &c));

    counts_reset(f);
    assert_status(f->db, parent_delete(f->db, p1), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Parent.delete: FOREIGN KEY constraint failed",
                    "Parent.delete: update or delete on table \"parent\" "
                    "violates foreign key constraint \"child_parent_id_fkey\" "
                    "on table \"child\"");
    assert_queries(f, 1);
    /* nothing was deleted */
    Parent *p = NULL;
    assert_ok(f->db, parent_get(f->db, p1, &p));
    assert_string_equal(p->name, "p1");
    parent_free(p);
    int64_t n = -1;
    assert_ok(f->db, child_count(f->db, NULL, &n));
    assert_int_equal(n, 1);

    /* a parent without children goes; once the child is gone, so can p1 */
    assert_ok(f->db, parent_delete(f->db, p2));
    assert_ok(f->db, child_delete(f->db, c.id));
    assert_ok(f->db, parent_delete(f->db, p1));
    assert_ok(f->db, parent_count(f->db, NULL, &n));
    assert_int_equal(n, 0);

    /* a child pointing nowhere is refused */
    c.parent_id = 999;
    assert_status(f->db, child_insert(f->db, &c), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Child.insert: FOREIGN KEY constraint failed",
                    "Child.insert: insert or update on table \"child\" "
                    "violates foreign key constraint \"child_parent_id_fkey\"");
    assert_ok(f->db, child_count(f->db, NULL, &n));
    assert_int_equal(n, 0);
}

static void test_restrict_explicit_nullable(void **state)
{
    fixture *f = *state;
    int64_t p1 = add_parent(f->db, "p1");
    Pet owned, stray;
    pet_init(&owned);
    assert_true(owned.owner_null); /* init: no owner */
    owned.owner_null = false;
    owned.owner_id = p1;
    owned.name = "rex";
    assert_ok(f->db, pet_insert(f->db, &owned));
    pet_init(&stray);
    stray.owner_null = true;
    stray.name = "stray";
    assert_ok(f->db, pet_insert(f->db, &stray));

    assert_status(f->db, parent_delete(f->db, p1), ORMC_CONSTRAINT);
    assert_error_db(f->db, ORMC_CONSTRAINT,
                    "Parent.delete: FOREIGN KEY constraint failed",
                    "Parent.delete: update or delete on table \"parent\" "
                    "violates foreign key constraint \"pet_owner_id_fkey\" "
                    "on table \"pet\"");
    int64_t n = -1;
    assert_ok(f->db, parent_count(f->db, NULL, &n));
    assert_int_equal(n, 1);
    assert_ok(f->db, pet_count(f->db, NULL, &n));
    assert_int_equal(n, 2);

    /* releasing the pet (owner -> NULL) lets the parent go; the flag alone
     * is refused while owner_id still names the parent */
    owned.owner_null = true;
    assert_status(f->db, pet_update(f->db, &owned), ORMC_INVALID);
    assert_error(f->db, ORMC_INVALID,
                 "Pet.owner_id: owner_null is true but the value is 1 (set "
                 "owner_null = false to store 1, or owner_id = 0 to store "
                 "NULL)");
    owned.owner_id = 0;
    assert_ok(f->db, pet_update(f->db, &owned));
    assert_ok(f->db, parent_delete(f->db, p1));
    Pet *got = NULL;
    assert_ok(f->db, pet_get(f->db, owned.id, &got));
    assert_true(got->owner_null);
    assert_int_equal(got->owner_id, 0);
    pet_free(got);
}

/* A model with no fields: insert uses DEFAULT VALUES, update and get work. */
static void test_model_without_fields(void **state)
{
    fixture *f = *state;
    Marker a, b;
    marker_init(&a);
    marker_init(&b);
    assert_ok(f->db, marker_insert(f->db, &a));
    assert_ok(f->db, marker_insert(f->db, &b));
    assert_int_equal(a.id, 1);
    assert_int_equal(b.id, 2);
    assert_ok(f->db, marker_update(f->db, &b));
    Marker *got = NULL;
    assert_ok(f->db, marker_get(f->db, 2, &got));
    assert_int_equal(got->id, 2);
    marker_free(got);
    int64_t n = -1;
    assert_ok(f->db, marker_count(f->db, NULL, &n));
    assert_int_equal(n, 2);
}

/* One row of a raw query, each column read as int, real and text. */
typedef struct any_row {
    int64_t i[4];
    double r[4];
    char t[4][32];
} any_row;

static int read_any(void *ctx, const ormc_row *row)
{
    any_row *a = ctx;
    for (int c = 0; c < 4; c++) {
        size_t n = 0;
        const char *t = ormc_row_text(row, c, &n);
        a->i[c] = ormc_row_int(row, c);
        a->r[c] = ormc_row_real(row, c);
        snprintf(a->t[c], sizeof a->t[c], "%.*s", (int)n, t ? t : "");
    }
    return 0;
}

/* A column reads the same whichever way it is asked for, on either
 * backend (PostgreSQL's rows of bigint and double precision come in
 * binary: their text is written by the backend, as the server would). */
static void test_raw_columns_read_any_way(void **state)
{
    fixture *f = *state;
    any_row a;
    memset(&a, 0, sizeof a);
    assert_ok(f->db, ormc_raw_query(f->db,
                                    "SELECT CAST(-42 AS BIGINT), CAST(2.5 AS "
                                    "DOUBLE PRECISION), CAST(0.1 AS DOUBLE "
                                    "PRECISION), CAST('17x' AS TEXT)",
                                    NULL, 0, read_any, &a));
    assert_int_equal(a.i[0], -42);
    assert_true(a.r[0] == -42.0);
    assert_string_equal(a.t[0], "-42");
    assert_int_equal(a.i[1], 2);
    assert_true(a.r[1] == 2.5);
    assert_string_equal(a.t[1], "2.5");
    assert_int_equal(a.i[2], 0);
    assert_true(a.r[2] == 0.1);
    assert_string_equal(a.t[2], "0.1");
    assert_int_equal(a.i[3], 17);
    assert_true(a.r[3] == 17.0);
    assert_string_equal(a.t[3], "17x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_roundtrip_every_type_non_null),
        T(test_schema_check_every_type),
        T(test_roundtrip_every_type_null),
        T(test_update_null_and_back),
        T(test_bind_loop_matches_binder),
        T(test_delete_then_get_not_found),
        T(test_init_applies_defaults),
        T(test_blob_nul_bytes_and_empty),
        T(test_int64_extremes),
        T(test_real_values_exact),
        T(test_text_ok),
        T(test_text_n_multibyte_boundary),
        T(test_invalid_utf8_rejected),
        T(test_nan_rejected),
        T(test_null_for_not_nullable_text_rejected),
        T(test_value_behind_null_flag_rejected),
        cmocka_unit_test_setup_teardown(
            test_null_in_not_null_blob_is_a_data_error, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(
            test_many_rows_every_type_and_first_bad_row, setup_bare,
            teardown),
        T(test_hostile_strings_verbatim),
        T(test_sql_keyword_names),
        T(test_restrict_is_the_default),
        T(test_restrict_explicit_nullable),
        T(test_model_without_fields),
        T(test_raw_columns_read_any_way),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
