/*
 * test_inspect.c — `ormc inspect` on an existing database: the Chinook
 * layout of tests/inspect/chinook.sql (its tables, CamelCase columns,
 * NVARCHAR and NUMERIC types, foreign keys, a composite primary key).
 *
 *   - inspect_db (what `ormc inspect` prints) gives exactly
 *     tests/inspect/chinook.orm, the schema this program was compiled
 *     with (the Makefile generates chinook.orm.[ch] from that file);
 *   - that generated code reads the database as the script made it: rows,
 *     nulls, select_related, prefetch, filters across relations, a self
 *     relation, and writes through @id / @column names (rolled back).
 *
 * The database is made once per run in a temporary directory, from the
 * script, with SQLite itself; each test opens it with plan-checked
 * statements (testutil.h).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "testutil.h"
#include "chinook.orm.h"
#include "edge.orm.h"
#include "inspect.h"

#include <unistd.h>

static char dir[] = "/tmp/ormc_inspect_XXXXXX";
static char dbpath[sizeof dir + 16], edgepath[sizeof dir + 16];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    while (s) {
        n += fread(s + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        char *t = realloc(s, cap * 2);
        if (!t) {
            free(s);
            s = NULL;
            break;
        }
        s = t;
        cap *= 2;
    }
    fclose(f);
    if (s)
        s[n] = 0;
    return s;
}

/* Runs the script INSPECT_DIR/name into a new database at path. */
static int make_db(const char *name, const char *path)
{
    char script[256];
    snprintf(script, sizeof script, "%s/%s", INSPECT_DIR, name);
    char *sql = slurp(script);
    sqlite3 *db = NULL;
    char *err = NULL;
    int rc = sql && sqlite3_open(path, &db) == SQLITE_OK &&
                     sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK
                 ? 0
                 : -1;
    if (rc)
        fprintf(stderr, "%s: %s\n", name, err ? err : "cannot read");
    sqlite3_free(err);
    sqlite3_close(db);
    free(sql);
    return rc;
}

/* The databases, made from tests/inspect/chinook.sql and edge.sql. */
static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/chinook.db", dir);
    snprintf(edgepath, sizeof edgepath, "%s/edge.db", dir);
    return make_db("chinook.sql", dbpath) || make_db("edge.sql", edgepath)
               ? -1
               : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(dbpath);
    unlink(edgepath);
    rmdir(dir);
    return 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || plan_open(dbpath, &f->db) != ORMC_OK) {
        free(f);
        return -1;
    }
    ormc_set_trace(f->db, trace_hook, &f->trace);
    ormc_reset_counts(f->db);
    *state = f;
    return 0;
}

static int teardown(void **state) { return fixture_teardown(state); }

/* ---- the schema ---- */

static void test_output_is_the_golden_schema(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    assert_int_equal(inspect_db(dbpath, &out, &err), 0);
    assert_null(err);
    char *want = slurp(INSPECT_DIR "/chinook.orm");
    assert_non_null(want);
    assert_string_equal(out, want);
    free(out);
    free(want);
}

/* What it cannot map: comments, renamed keywords, the rowid as id; the
 * output compiles (the Makefile generated edge.orm.[ch] from it) and
 * reads the row the script inserted. */
static void test_edge_cases(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    assert_int_equal(inspect_db(edgepath, &out, &err), 0);
    char *want = slurp(INSPECT_DIR "/edge.orm");
    assert_non_null(want);
    assert_string_equal(out, want);
    free(out);
    free(want);

    ormc_db *db = NULL;
    assert_int_equal(ormc_open(edgepath, &db), ORMC_OK);
    BlogPostQuery q;
    blog_post_query_init(&q);
    blog_post_with_author(&q);
    BlogPost *p = NULL;
    assert_ok(db, blog_post_get_where(db, &q, &p));
    blog_post_query_free(&q);
    assert_int_equal(p->id, 1);
    assert_string_equal(p->body, "hello");
    assert_false(p->published);
    assert_true(p->rating == 2.5);
    assert_int_equal(p->views, 3);
    assert_int_equal(strlen(p->created), 19); /* CURRENT_TIMESTAMP */
    assert_int_equal(p->data.size, 2);
    assert_memory_equal(p->data.data, "\x00\xff", 2);
    assert_null(p->anything.data);
    assert_true(p->int__null);
    assert_string_equal(p->author->name, "Ann");
    assert_int_equal(p->author->id_, 10);
    assert_int_equal(p->editor_id, 1);
    blog_post_free(p);
    Category c;
    category_init(&c);
    c.id_ = 7;
    c.id__null = false;
    assert_ok(db, category_insert(db, &c));
    assert_int_equal(c.id, 1); /* the rowid */
    Category *got = NULL;
    assert_ok(db, category_get(db, 1, &got));
    assert_int_equal(got->id_, 7);
    category_free(got);
    ormc_close(db);
}

static void test_not_a_database(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    assert_int_equal(inspect_db(INSPECT_DIR "/chinook.sql", &out, &err), 1);
    assert_null(out);
    assert_string_equal(err, "cannot read the database: file is not a "
                             "database");
    free(err);
    assert_int_equal(inspect_db("/nonexistent/x.db", &out, &err), 1);
    assert_string_equal(err, "cannot open /nonexistent/x.db: unable to "
                             "open database file");
    free(err);
}

/* ---- reading ---- */

static void test_rows_and_nulls(void **state)
{
    fixture *fx = *state;
    ArtistList artists;
    assert_ok(fx->db, artist_fetch(fx->db, NULL, &artists));
    assert_int_equal(artists.count, 4);
    static const char *const names[] = {"AC/DC", "Accept", "Aerosmith",
                                        "Antônio Carlos Jobim"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(artists.items[i].id, (int64_t)i + 1);
        assert_string_equal(artists.items[i].name, names[i]);
    }
    artist_list_free(&artists);

    Track *t = NULL;
    assert_ok(fx->db, track_get(fx->db, 3, &t));
    assert_string_equal(t->name, "Fast As a Shark");
    assert_int_equal(t->album_id, 3);
    assert_false(t->album_null);
    assert_int_equal(t->media_type_id, 2);
    assert_string_equal(t->composer,
                        "F. Baltes, S. Kaufman, U. Dirkscneider & W. Hoffman");
    assert_int_equal(t->milliseconds, 230619);
    assert_int_equal(t->bytes, 3990994);
    assert_true(t->unit_price == 0.99);
    track_free(t);

    assert_ok(fx->db, track_get(fx->db, 7, &t));
    assert_true(t->album_null);
    assert_true(t->genre_null);
    assert_true(t->bytes_null);
    assert_null(t->composer);
    assert_true(t->unit_price == 1.99);
    track_free(t);

    Invoice *inv = NULL;
    assert_ok(fx->db, invoice_get(fx->db, 2, &inv));
    assert_int_equal(inv->customer_id, 1);
    assert_string_equal(inv->invoice_date, "2009-01-02 00:00:00");
    assert_string_equal(inv->billing_city, "São José dos Campos");
    assert_true(inv->total == 3.96);
    invoice_free(inv);
    assert_queries(fx, 4);
}

static void test_select_related(void **state)
{
    fixture *fx = *state;
    TrackQuery q;
    track_query_init(&q);
    track_with_album(&q);
    track_with_genre(&q);
    track_order_by(&q, TRACK_ID.path, ORMC_ASC);
    TrackList l;
    assert_ok(fx->db, track_fetch(fx->db, &q, &l));
    track_query_free(&q);
    assert_int_equal(l.count, 7);
    assert_string_equal(l.items[0].album->title,
                        "For Those About To Rock We Salute You");
    assert_int_equal(l.items[0].album->artist_id, 1);
    assert_string_equal(l.items[0].genre->name, "Rock");
    assert_string_equal(l.items[5].album->title, "Warner 25 Anos");
    assert_string_equal(l.items[5].genre->name, "Jazz");
    assert_null(l.items[6].album);
    assert_null(l.items[6].genre);
    track_list_free(&l);
    assert_queries(fx, 1);
}

static void test_prefetch(void **state)
{
    fixture *fx = *state;
    ArtistQuery q;
    artist_query_init(&q);
    artist_prefetch_albums(&q);
    ArtistList l;
    assert_ok(fx->db, artist_fetch(fx->db, &q, &l));
    artist_query_free(&q);
    assert_int_equal(l.count, 4);
    AlbumRefs *acdc = &l.items[0].rel->albums;
    assert_int_equal(acdc->count, 2);
    assert_string_equal(acdc->items[0]->title,
                        "For Those About To Rock We Salute You");
    assert_string_equal(acdc->items[1]->title, "Let There Be Rock");
    assert_int_equal(l.items[1].rel->albums.count, 2);
    assert_int_equal(l.items[2].rel->albums.count, 0); /* Aerosmith */
    assert_int_equal(l.items[3].rel->albums.count, 1);
    artist_list_free(&l);
    assert_queries(fx, 2);

    /* invoices of each customer, and their lines with tracks */
    ormc_reset_counts(fx->db);
    trace_clear(&fx->trace);
    InvoiceQuery lines;
    invoice_query_init(&lines);
    invoice_prefetch_invoice_lines(&lines);
    CustomerQuery c;
    customer_query_init(&c);
    customer_prefetch_invoices_from(&c, &lines);
    CustomerList cl;
    assert_ok(fx->db, customer_fetch(fx->db, &c, &cl));
    customer_query_free(&c);
    invoice_query_free(&lines);
    assert_int_equal(cl.count, 3);
    assert_string_equal(cl.items[1].email, "leonekohler@surfeu.de");
    InvoiceRefs *inv = &cl.items[1].rel->invoices;
    assert_int_equal(inv->count, 2);
    assert_int_equal(inv->items[0]->id, 1);
    assert_int_equal(inv->items[0]->rel->invoice_lines.count, 2);
    assert_int_equal(inv->items[0]->rel->invoice_lines.items[1]->track_id, 4);
    assert_int_equal(inv->items[1]->rel->invoice_lines.count, 1);
    assert_int_equal(cl.items[2].rel->invoices.count, 0);
    customer_list_free(&cl);
    assert_queries(fx, 3);
}

static void test_filters_and_self_relation(void **state)
{
    fixture *fx = *state;
    /* the tracks of Accept's albums, across two relations */
    TrackQuery q;
    track_query_init(&q);
    track_filter_text(&q, track_via_album_text(album_via_artist_text(
                              ARTIST_NAME)),
                      ORMC_EQ, "Accept");
    track_order_by(&q, TRACK_NAME.path, ORMC_ASC);
    TrackList l;
    assert_ok(fx->db, track_fetch(fx->db, &q, &l));
    track_query_free(&q);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.items[0].name, "Balls to the Wall");
    assert_string_equal(l.items[1].name, "Fast As a Shark");
    assert_string_equal(l.items[2].name, "Restless and Wild");
    track_list_free(&l);

    /* Employee.reports_to, both ways */
    EmployeeQuery e;
    employee_query_init(&e);
    employee_with_reports_to(&e);
    employee_prefetch_employees(&e);
    employee_prefetch_customers(&e);
    EmployeeList el;
    assert_ok(fx->db, employee_fetch(fx->db, &e, &el));
    employee_query_free(&e);
    assert_int_equal(el.count, 3);
    assert_null(el.items[0].reports_to);
    assert_string_equal(el.items[1].reports_to->last_name, "Adams");
    assert_string_equal(el.items[2].reports_to->first_name, "Nancy");
    assert_int_equal(el.items[0].rel->employees.count, 1);
    assert_string_equal(el.items[0].rel->employees.items[0]->last_name,
                        "Edwards");
    assert_int_equal(el.items[2].rel->customers.count, 2);
    assert_string_equal(el.items[2].rel->customers.items[1]->last_name,
                        "Köhler");
    employee_list_free(&el);
    assert_queries(fx, 4);
}

/* ---- writing through the mapped names ---- */

static void test_writes(void **state)
{
    fixture *fx = *state;
    assert_ok(fx->db, ormc_begin(fx->db));
    Artist a;
    artist_init(&a);
    a.name = "Miles Davis";
    assert_ok(fx->db, artist_insert(fx->db, &a));
    assert_int_equal(a.id, 5); /* the next ArtistId */
    Album b;
    album_init(&b);
    b.title = "Kind of Blue";
    b.artist_id = a.id;
    assert_ok(fx->db, album_insert(fx->db, &b));
    assert_int_equal(b.id, 6);
    Track t;
    track_init(&t);
    assert_true(t.unit_price == 0.99); /* the table's DEFAULT */
    t.name = "So What";
    t.album_id = b.id;
    t.album_null = false;
    t.media_type_id = 1;
    t.milliseconds = 562000;
    assert_ok(fx->db, track_insert(fx->db, &t));
    PlaylistTrack pt;
    playlist_track_init(&pt);
    pt.playlist_id = 2;
    pt.track_id = t.id;
    assert_ok(fx->db, playlist_track_insert(fx->db, &pt));
    assert_int_equal(pt.id, 5); /* the rowid */

    AlbumQuery q;
    album_query_init(&q);
    album_where_id(&q, ORMC_EQ, b.id);
    album_with_artist(&q);
    album_prefetch_tracks(&q);
    Album *got = NULL;
    assert_ok(fx->db, album_get_where(fx->db, &q, &got));
    album_query_free(&q);
    assert_string_equal(got->artist->name, "Miles Davis");
    assert_int_equal(got->rel->tracks.count, 1);
    assert_string_equal(got->rel->tracks.items[0]->name, "So What");
    album_free(got);

    /* the database's own foreign key (NO ACTION) still holds */
    assert_int_equal(artist_delete(fx->db, a.id), ORMC_CONSTRAINT);
    assert_ok(fx->db, ormc_rollback(fx->db));
    int64_t n = 0;
    assert_ok(fx->db, artist_count(fx->db, NULL, &n));
    assert_int_equal(n, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_is_the_golden_schema),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_not_a_database),
        cmocka_unit_test_setup_teardown(test_rows_and_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_related, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters_and_self_relation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
