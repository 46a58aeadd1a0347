/*
 * test_migrate.c — schema checks and ormc diff, end to end.
 *
 * Every migration test creates a database with the generated code of
 * tests/migrate/mig_base.orm, fills it, checks that the program of the
 * new schema refuses it with the exact message, applies the script of
 * `ormc diff mig_base.orm mig_X.orm` (made by the compiler library, run
 * through the sqlite3 library in one sqlite3_exec, as a user's runner
 * would), then checks row by row that the data survived, that every
 * foreign key holds, that the new schema's check passes and the old one's
 * fails with the exact message, and that the new generated code writes.
 * The schemas' models have other names in each file (ShopA, ShopB, ...)
 * with the same tables (@table), so all of them link into this program.
 *
 * With ORMC_TEST_PG set (tests/run.sh starts a throwaway server) every
 * migration runs on that server instead, each on a freshly emptied schema
 * "public", with the PostgreSQL script (`ormc diff --dialect postgresql`)
 * applied whole in one libpq PQexec (as a user's runner would); the rows are
 * read back through ormc_raw_query.  The SQLite-only cases are skipped.
 */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "ormcc.h"

#include "mig_add.orm.h"
#include "mig_alter.orm.h"
#include "mig_base.orm.h"
#include "mig_drop.orm.h"
#include "mig_index.orm.h"
#include "mig_m2m.orm.h"
#include "mig_rebuild.orm.h"
#include "mig_rename.orm.h"
#include "mig_retype.orm.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifdef ORMC_HAVE_PG
#include <libpq-fe.h>
#endif

#ifndef MIG_DIR
#error "build with -DMIG_DIR='\"/path/to/tests/migrate\"'"
#endif

static char tmpdir[] = "/tmp/ormc-migrate-XXXXXX";

static bool on_pg(void) { return test_pg() != NULL; }

/* tmpdir/name, in a static buffer (one at a time). */
static const char *tmp_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

typedef struct Mem {
    char *s;
    size_t len;
} Mem;

static int mem_write(void *arg, const char *data, size_t len)
{
    Mem *m = arg;
    char *s = realloc(m->s, m->len + len + 1);
    if (!s)
        return 12;
    memcpy(s + m->len, data, len);
    m->s = s;
    m->len += len;
    m->s[m->len] = '\0';
    return 0;
}

static ormcc_unit *unit_of(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.orm", MIG_DIR, name);
    size_t len;
    char *text = slurp(path, &len);
    ormcc_unit *u = NULL;
    assert_int_equal(ormcc_check(path, text, len, stderr, &u), 0);
    free(text);
    return u;
}

/* `ormc diff mig_base.orm NEW.orm` with options o: the script, or NULL
 * when refused (the messages then in *diag when diag is not NULL).  The
 * dialect is o's when it says PostgreSQL, else the database's under
 * test. */
static char *diff_script(const char *to, const ormcc_diff_options *o,
                         char **diag)
{
    ormcc_unit *a = unit_of("mig_base"), *b = unit_of(to);
    FILE *err = tmpfile();
    assert_non_null(err);
    Mem m = {0};
    int werr = 0;
    ormcc_diff_options opt = o ? *o : (ormcc_diff_options){0};
    if (!o || o->dialect == ORMCC_SQLITE)
        opt.dialect = on_pg() ? ORMCC_POSTGRESQL : ORMCC_SQLITE;
    int refused = ormcc_diff(a, b, &opt, err, mem_write, &m, &werr);
    assert_int_equal(werr, 0);
    if (diag) {
        size_t n = (size_t)ftell(err);
        rewind(err);
        *diag = calloc(1, n + 1);
        assert_int_equal(fread(*diag, 1, n, err), n);
    }
    fclose(err);
    ormcc_unit_free(a);
    ormcc_unit_free(b);
    if (refused) {
        assert_null(m.s);
        return NULL;
    }
    return m.s;
}

/* The rows of `sql` as "a|b|c\n" lines, NULL as "NULL". */
static char *dump(sqlite3 *conn, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK);
    Mem m = {0};
    mem_write(&m, "", 0);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            if (i)
                mem_write(&m, "|", 1);
            v = v ? v : "NULL";
            mem_write(&m, v, strlen(v));
        }
        mem_write(&m, "\n", 1);
    }
    sqlite3_finalize(st);
    return m.s;
}

static void assert_dump(sqlite3 *conn, const char *sql, const char *want)
{
    char *got = dump(conn, sql);
    assert_string_equal(got, want);
    free(got);
}

/* ---- the database under test: a SQLite file, or the server ---- */

/* The database `file` (SQLite: tmp_path(file); PostgreSQL: the server),
 * opened with ormc. */
static ormc_db *open_db(const char *file)
{
    ormc_db *db;
    if (on_pg())
        assert_ok(db, ormc_open_backend(test_pg(), &ormc_pg_backend, &db));
    else
        assert_ok(db, ormc_open(tmp_path(file), &db));
    return db;
}

/* open_db of an empty database: the file removed, or schema "public"
 * dropped and made again. */
static ormc_db *open_fresh(const char *file)
{
    if (!on_pg())
        remove(tmp_path(file));
    ormc_db *db = open_db(file);
    if (on_pg()) {
        assert_ok(db, ormc_exec(db, "DROP SCHEMA IF EXISTS public CASCADE"));
        assert_ok(db, ormc_exec(db, "CREATE SCHEMA public"));
    }
    return db;
}

static int row_line(void *ctx, const ormc_row *row)
{
    Mem *m = ctx;
    for (int i = 0; i < ormc_row_count(row); i++) {
        size_t n = 4;
        const char *v = ormc_row_is_null(row, i) ? "NULL"
                                                 : ormc_row_text(row, i, &n);
        if (i)
            mem_write(m, "|", 1);
        mem_write(m, v, n);
    }
    mem_write(m, "\n", 1);
    return 0;
}

/* The rows of `sql` on db as dump makes them. */
static char *dump_db(ormc_db *db, const char *sql)
{
    Mem m = {0};
    mem_write(&m, "", 0);
    assert_ok(db, ormc_raw_query(db, sql, NULL, 0, row_line, &m));
    return m.s;
}

#ifdef ORMC_HAVE_PG
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}
#endif

/* Runs `script` whole in one PQexec on a new connection to the server.
 * Returns NULL, or the server's message (malloc'd). */
static char *pg_apply(const char *script)
{
#ifdef ORMC_HAVE_PG
    PGconn *c = PQconnectdb(test_pg());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQsetNoticeProcessor(c, quiet, NULL); /* "ormc_meta already exists" */
    PGresult *r = PQexec(c, script);
    char *err = NULL;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        err = strdup(m ? m : PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c); /* rolls an aborted transaction back */
    return err;
#else
    (void)script;
    return strdup("built without libpq");
#endif
}

/* Two shops, four items (two prices NULL), and a fifth item deleted, so
 * the table's AUTOINCREMENT sequence (5) is ahead of its largest id (4). */
static void fill_base(ormc_db *db)
{
    const char *shops[] = {"North", "South"};
    for (int i = 0; i < 2; i++) {
        ShopA s;
        shop_a_init(&s);
        s.name = shops[i];
        assert_ok(db, shop_a_insert(db, &s));
    }
    struct { int64_t shop; const char *title; double price; const char *code; }
    items[] = {{1, "Pen", 1.5, "P1"}, {1, "Ink", -1, "I1"},
               {2, "Pad", 2.25, "D1"}, {2, "Cap", -1, "C1"},
               {1, "Gone", 9, "G1"}};
    for (int i = 0; i < 5; i++) {
        ItemA it;
        item_a_init(&it);
        it.shop_id = items[i].shop;
        it.title = items[i].title;
        it.price = items[i].price < 0 ? 0 : items[i].price;
        it.price_null = items[i].price < 0;
        it.code = items[i].code;
        assert_ok(db, item_a_insert(db, &it));
        assert_int_equal(it.id, i + 1);
    }
    assert_ok(db, item_a_delete(db, 5));
}

static const char BASE_ITEMS[] = "1|1|Pen|1.5|P1\n"
                                 "2|1|Ink|NULL|I1\n"
                                 "3|2|Pad|2.25|D1\n"
                                 "4|2|Cap|NULL|C1\n";

/* A mig_base database at tmp_path(file), filled; `to`'s check refuses
 * it with exactly `refusal`.  Then applies the script of diff to `to`
 * (options o) and checks it committed with every foreign key holding.
 * Returns the database, open with ormc. */
static ormc_db *migrate(const char *file, const char *to,
                        const ormc_schema *s, const char *refusal,
                        const ormcc_diff_options *o)
{
    const char *path = tmp_path(file);
    ormc_db *db = open_fresh(file);
    assert_ok(db, mig_base_schema_create(db));
    fill_base(db);
    assert_ok(db, mig_base_schema_check(db));
    /* the program built against the new schema, on the old database */
    assert_int_equal(ormc_schema_check(db, s), ORMC_ERROR);
    assert_string_equal(ormc_errmsg(db), refusal);
    ormc_close(db);

    char *script = diff_script(to, o, NULL);
    assert_non_null(script);
    if (on_pg()) {
        /* the whole script, on a connection of its own */
        char *err = pg_apply(script);
        if (err)
            fail_msg("the script failed: %s\n%s", err, script);
        free(script);
        return open_db(file); /* committed: seen by a new connection */
    }
    sqlite3 *conn;
    assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(conn, script, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("the script failed: %s\n%s", err, script);
    free(script);
    assert_int_equal(sqlite3_get_autocommit(conn), 1); /* committed */
    assert_dump(conn, "PRAGMA foreign_keys", "1\n");
    assert_dump(conn, "PRAGMA foreign_key_check", "");
    assert_dump(conn, "PRAGMA integrity_check", "ok\n");
    sqlite3_close(conn);

    return open_db(file);
}

/* The same rows, read through a fresh sqlite3 connection (PostgreSQL: a
 * fresh connection to the server). */
static void assert_rows(const char *file, const char *sql, const char *want)
{
    if (on_pg()) {
        ormc_db *db = open_db(file);
        char *got = dump_db(db, sql);
        assert_string_equal(got, want);
        free(got);
        ormc_close(db);
        return;
    }
    sqlite3 *conn;
    assert_int_equal(sqlite3_open(tmp_path(file), &conn), SQLITE_OK);
    assert_dump(conn, sql, want);
    sqlite3_close(conn);
}

/* The indexes of `table` made by CREATE INDEX, one name a line: SQLite's
 * query `lite` (of sqlite_master), or on PostgreSQL pg_indexes' (its
 * primary key and UNIQUE constraints left out). */
static void assert_indexes(const char *file, const char *lite,
                           const char *table, const char *want)
{
    if (!on_pg()) {
        assert_rows(file, lite, want);
        return;
    }
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT indexname FROM pg_indexes WHERE schemaname = "
             "current_schema() AND tablename = '%s' AND indexname NOT LIKE "
             "'%%\\_pkey' AND indexname NOT LIKE '%%\\_key' ORDER BY "
             "indexname COLLATE \"C\"",
             table);
    assert_rows(file, sql, want);
}

static void assert_check_fails(ormc_db *db, const ormc_schema *s,
                               const char *want)
{
    assert_int_equal(ormc_schema_check(db, s), ORMC_ERROR);
    assert_string_equal(ormc_errmsg(db), want);
}

/* ---- migrations ---- */

/* ADD COLUMN (a default, a nullable field), a new index, a new model */
static void test_add_fields_index_model(void **state)
{
    (void)state;
    ormc_db *db = migrate("add.db", "mig_add", &mig_add_schema,
                          "schema mig_add: table item has no column stock: "
                          "migrate with ormc diff",
                          NULL);
    assert_ok(db, mig_add_schema_check(db));
    assert_check_fails(db, &mig_base_schema,
                       "schema mig_base: table item has a column stock the "
                       "schema does not have: migrate with ormc diff");
    TagB t;
    tag_b_init(&t);
    t.item_id = 3;
    t.label = "blue";
    assert_ok(db, tag_b_insert(db, &t));
    ItemB it;
    item_b_init(&it);
    it.shop_id = 2;
    it.title = "New";
    it.price_null = true;
    it.code = "N1";
    it.note = "x";
    assert_ok(db, item_b_insert(db, &it));
    assert_int_equal(it.id, 6); /* the sequence kept 5 */
    ormc_close(db);
    assert_rows("add.db",
                "SELECT id, shop_id, title, price, code, stock, note FROM item "
                "ORDER BY id",
                "1|1|Pen|1.5|P1|7|NULL\n"
                "2|1|Ink|NULL|I1|7|NULL\n"
                "3|2|Pad|2.25|D1|7|NULL\n"
                "4|2|Cap|NULL|C1|7|NULL\n"
                "6|2|New|NULL|N1|7|x\n");
    assert_rows("add.db", "SELECT id, item_id, label FROM tag", "1|3|blue\n");
    assert_indexes("add.db",
                   "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                   "tbl_name = 'item' ORDER BY name",
                   "item", "item_code_idx\nitem_shop_id_idx\nitem_title_idx\n");
}

/* a unique field and a `default now` field: the 12-step rebuild */
static void test_rebuild_unique_and_now(void **state)
{
    (void)state;
    int64_t t0 = (int64_t)time(NULL);
    ormc_db *db = migrate("rebuild.db", "mig_rebuild", &mig_rebuild_schema,
                          "schema mig_rebuild: table item has no column sku: "
                          "migrate with ormc diff",
                          NULL);
    int64_t t1 = (int64_t)time(NULL);
    assert_ok(db, mig_rebuild_schema_check(db));
    assert_check_fails(db, &mig_base_schema,
                       "schema mig_base: table item has a column sku the "
                       "schema does not have: migrate with ormc diff");
    ItemC it;
    item_c_init(&it);
    it.shop_id = 1;
    it.title = "Pen"; /* @unique(shop, title): taken */
    it.price_null = true;
    it.code = "X";
    assert_int_equal(item_c_insert(db, &it), ORMC_CONSTRAINT);
    it.title = "Nib";
    it.sku = "S-1";
    assert_ok(db, item_c_insert(db, &it));
    /* PostgreSQL's identity sequence gave 6 to the refused insert (a
     * sequence is not rolled back) */
    assert_int_equal(it.id, on_pg() ? 7 : 6);
    ormc_close(db);
    assert_rows("rebuild.db",
                "SELECT id, shop_id, title, price, code, sku FROM item "
                "ORDER BY id",
                on_pg() ? "1|1|Pen|1.5|P1|NULL\n"
                          "2|1|Ink|NULL|I1|NULL\n"
                          "3|2|Pad|2.25|D1|NULL\n"
                          "4|2|Cap|NULL|C1|NULL\n"
                          "7|1|Nib|NULL|X|S-1\n"
                        : "1|1|Pen|1.5|P1|NULL\n"
                          "2|1|Ink|NULL|I1|NULL\n"
                          "3|2|Pad|2.25|D1|NULL\n"
                          "4|2|Cap|NULL|C1|NULL\n"
                          "6|1|Nib|NULL|X|S-1\n");
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM item WHERE added BETWEEN %lld AND %lld",
             (long long)t0, (long long)t1 + 1);
    assert_rows("rebuild.db", sql, "5\n");
    assert_indexes("rebuild.db",
                   "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                   "tbl_name = 'item' AND sql IS NOT NULL ORDER BY name",
                   "item", "item_code_idx\nitem_shop_id_title_uniq\n");
    /* the shops' rows and the items' references are untouched */
    assert_rows("rebuild.db", "SELECT id, name FROM shop ORDER BY id",
                "1|North\n2|South\n");
}

/* drop a field, a relation, an index and a model (--force) */
static void test_drop_forced(void **state)
{
    (void)state;
    ormcc_diff_options o = {.force = 1};
    ormc_db *db = migrate("drop.db", "mig_drop", &mig_drop_schema,
                          "schema mig_drop: table item has a column shop_id "
                          "the schema does not have: migrate with ormc diff",
                          &o);
    assert_ok(db, mig_drop_schema_check(db));
    assert_check_fails(db, &mig_base_schema,
                       "schema mig_base: table shop is missing: migrate "
                       "with ormc diff");
    ItemD it;
    item_d_init(&it);
    it.title = "Tip";
    it.code = "T1";
    assert_ok(db, item_d_insert(db, &it));
    assert_int_equal(it.id, 6);
    ormc_close(db);
    assert_rows("drop.db", "SELECT * FROM item ORDER BY id",
                "1|Pen|P1\n2|Ink|I1\n3|Pad|D1\n4|Cap|C1\n6|Tip|T1\n");
    assert_rows("drop.db",
                on_pg() ? "SELECT tablename FROM pg_tables WHERE schemaname "
                          "= current_schema() ORDER BY tablename"
                        : "SELECT name FROM sqlite_master WHERE name NOT "
                          "LIKE 'sqlite_%' ORDER BY name",
                "item\normc_meta\n");
}

/* --rename ItemE.title=name: ALTER TABLE RENAME COLUMN, nothing lost */
static void test_rename_field(void **state)
{
    (void)state;
    ormcc_rename r = {"ItemE", "title", "name"};
    ormcc_diff_options o = {.renames = &r, .nrenames = 1};
    ormc_db *db = migrate("rename.db", "mig_rename", &mig_rename_schema,
                          "schema mig_rename: table item has no column name: "
                          "migrate with ormc diff",
                          &o);
    assert_ok(db, mig_rename_schema_check(db));
    assert_check_fails(db, &mig_base_schema,
                       "schema mig_base: table item has no column title: "
                       "migrate with ormc diff");
    ormc_close(db);
    assert_rows("rename.db",
                "SELECT id, shop_id, name, price, code FROM item ORDER BY id",
                BASE_ITEMS);
}

/* NOT NULL with a default (--force: NULL becomes 0.5), a longer text, new
 * defaults, a relation made nullable with another on delete */
static void test_alter_nullability_defaults(void **state)
{
    (void)state;
    ormcc_diff_options o = {.force = 1};
    ormc_db *db = migrate("alter.db", "mig_alter", &mig_alter_schema,
                          "schema mig_alter: column item.shop_id is NOT NULL, "
                          "the schema's is nullable: migrate with ormc diff",
                          &o);
    assert_ok(db, mig_alter_schema_check(db));
    assert_check_fails(db, &mig_base_schema,
                       "schema mig_base: column item.shop_id is nullable, the "
                       "schema's is NOT NULL: migrate with ormc diff");
    /* the new defaults and the longer title */
    ItemF it;
    item_f_init(&it);
    it.shop_null = true;
    it.title = "A title longer than one hundred characters ............"
               "..................................................";
    assert_ok(db, item_f_insert(db, &it));
    assert_int_equal(it.id, 6);
    /* on delete set null */
    assert_ok(db, ormc_exec(db, "DELETE FROM shop WHERE id = 2"));
    ormc_close(db);
    assert_rows("alter.db",
                "SELECT id, shop_id, title, price, code FROM item "
                "WHERE id < 6 ORDER BY id",
                "1|1|Pen|1.5|P1\n"
                "2|1|Ink|0.5|I1\n"
                "3|NULL|Pad|2.25|D1\n"
                "4|NULL|Cap|0.5|C1\n");
    assert_rows("alter.db", "SELECT shop_id, price, code FROM item WHERE id = 6",
                "NULL|0.5|none\n");
}

/* --force: a text(N) cut shorter, real -> text, a length limit dropped,
 * a unique constraint added */
static void test_retype_forced(void **state)
{
    (void)state;
    ormcc_diff_options o = {.force = 1};
    ormc_db *db = migrate("retype.db", "mig_retype", &mig_retype_schema,
                          on_pg() ? "schema mig_retype: column item.price "
                                    "has type double precision, the "
                                    "schema's is text: migrate with ormc "
                                    "diff"
                                  : "schema mig_retype: column item.price "
                                    "has type REAL, the schema's is TEXT: "
                                    "migrate with ormc diff",
                          &o);
    assert_ok(db, mig_retype_schema_check(db));
    assert_check_fails(db, &mig_base_schema,
                       on_pg() ? "schema mig_base: column item.price has "
                                 "type text, the schema's is double "
                                 "precision: migrate with ormc diff"
                               : "schema mig_base: column item.price has "
                                 "type TEXT, the schema's is REAL: migrate "
                                 "with ormc diff");
    /* the new constraints hold: code unique, name at most 3, title free */
    ItemI it;
    item_i_init(&it);
    it.shop_id = 1;
    it.title = "A title longer than one hundred characters ............"
               "..................................................";
    it.price = "cheap";
    it.code = "P1";
    assert_int_equal(item_i_insert(db, &it), ORMC_CONSTRAINT);
    it.code = "L1";
    assert_ok(db, item_i_insert(db, &it));
    ShopI sh;
    shop_i_init(&sh);
    sh.name = "West";
    assert_int_equal(shop_i_insert(db, &sh), ORMC_INVALID);
    /* the database's own check, past the generated code's */
    assert_int_equal(ormc_exec(db, "INSERT INTO shop (name) VALUES "
                                   "('West')"),
                     ORMC_CONSTRAINT);
    assert_ok(db, ormc_exec(db, "INSERT INTO item (shop_id, title, code) "
                                "VALUES (1, 'Long', 'Q1')"));
    ormc_close(db);
    assert_rows("retype.db", "SELECT id, name FROM shop ORDER BY id",
                "1|Nor\n2|Sou\n");
    assert_rows("retype.db",
                "SELECT id, shop_id, title, price, code FROM item "
                "WHERE id < 5 ORDER BY id",
                "1|1|Pen|1.5|P1\n"
                "2|1|Ink|NULL|I1\n"
                "3|2|Pad|2.25|D1\n"
                "4|2|Cap|NULL|C1\n");
    assert_indexes("retype.db",
                   "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                   "tbl_name = 'item' AND sql IS NOT NULL ORDER BY name",
                   "item", "item_shop_id_idx\n");
}

/* only the indexes differ: the tables match, the fingerprint does not */
static void test_index_only_fingerprint(void **state)
{
    (void)state;
    char want[256];
    snprintf(want, sizeof want,
             "schema mig_index: the database holds schema mig_base "
             "(fingerprint %s), not this one (fingerprint %s): migrate with "
             "ormc diff",
             mig_base_schema.fingerprint, mig_index_schema.fingerprint);
    ormc_db *db = migrate("index.db", "mig_index", &mig_index_schema, want,
                          NULL);
    assert_ok(db, mig_index_schema_check(db));
    snprintf(want, sizeof want,
             "schema mig_base: the database holds schema mig_index "
             "(fingerprint %s), not this one (fingerprint %s): migrate with "
             "ormc diff",
             mig_index_schema.fingerprint, mig_base_schema.fingerprint);
    assert_check_fails(db, &mig_base_schema, want);
    ormc_close(db);
    assert_rows("index.db",
                "SELECT id, shop_id, title, price, code FROM item ORDER BY id",
                BASE_ITEMS);
    assert_indexes("index.db",
                   "SELECT name FROM sqlite_master WHERE type = 'index' AND "
                   "tbl_name = 'item' ORDER BY name",
                   "item", "item_shop_id_idx\nitem_title_price_idx\n");
}

/* a new model with a many-to-many relation: its table and join table */
static void test_add_many_to_many(void **state)
{
    (void)state;
    ormc_db *db = migrate("m2m.db", "mig_m2m", &mig_m2m_schema,
                          "schema mig_m2m: table label is missing: migrate "
                          "with ormc diff",
                          NULL);
    assert_ok(db, mig_m2m_schema_check(db));
    LabelH l;
    label_h_init(&l);
    l.name = "sale";
    assert_ok(db, label_h_insert(db, &l));
    int64_t items[] = {1, 3};
    assert_ok(db, label_h_add_items(db, l.id, items, 2));
    /* the join table is part of the check */
    assert_ok(db, ormc_exec(db, "ALTER TABLE label_items RENAME TO old_pairs"));
    assert_check_fails(db, &mig_m2m_schema,
                       "schema mig_m2m: table label_items is missing: "
                       "migrate with ormc diff");
    assert_ok(db, ormc_exec(db, "ALTER TABLE old_pairs RENAME TO label_items"));
    assert_ok(db, mig_m2m_schema_check(db));
    ormc_close(db);
    assert_rows("m2m.db", "SELECT * FROM label_items ORDER BY item_h_id",
                "1|1\n1|3\n");
    assert_rows("m2m.db",
                "SELECT id, shop_id, title, price, code FROM item ORDER BY id",
                BASE_ITEMS);
}

/* ---- refused steps: exact messages, nothing written ---- */

/* Refused alike for SQLite and PostgreSQL. */
static void assert_refused(const char *to, const ormcc_diff_options *o,
                           const char *want)
{
    for (int d = 0; d < 2; d++) {
        ormcc_diff_options opt = o ? *o : (ormcc_diff_options){0};
        opt.dialect = d ? ORMCC_POSTGRESQL : ORMCC_SQLITE;
        char *diag = NULL;
        assert_null(diff_script(to, &opt, &diag));
        assert_string_equal(diag, want);
        free(diag);
    }
}

static void test_refused_steps(void **state)
{
    (void)state;
    assert_refused("mig_drop", NULL,
                   "ormc diff: dropping field ItemD.shop loses its data; pass "
                   "--force to drop it\n"
                   "ormc diff: dropping field ItemD.price loses its data; pass "
                   "--force to drop it\n"
                   "ormc diff: dropping model ShopA (table shop) loses its "
                   "rows; pass --force to drop it\n");
    assert_refused("mig_rename", NULL,
                   "ormc diff: new field ItemE.name is NOT NULL without a "
                   "default: the rows already there need a value; give it "
                   "one (`default ...`) or make it nullable (`name "
                   "text(100)?`)\n"
                   "ormc diff: dropping field ItemE.title loses its data; "
                   "pass --force to drop it, or --rename ItemE.title=name if "
                   "it was renamed\n");
    assert_refused("mig_alter", NULL,
                   "ormc diff: field ItemF.price becomes NOT NULL: rows "
                   "holding NULL would not fit; pass --force to store its "
                   "default instead\n");
    /* --force never adds a NOT NULL field without a default */
    ormcc_diff_options force = {.force = 1};
    assert_refused("mig_rename", &force,
                   "ormc diff: new field ItemE.name is NOT NULL without a "
                   "default: the rows already there need a value; give it "
                   "one (`default ...`) or make it nullable (`name "
                   "text(100)?`)\n");
    ormcc_rename bad[] = {{"ItemE", "titel", "name"}, {"Nope", "a", "b"}};
    ormcc_diff_options o = {.renames = bad, .nrenames = 2};
    assert_refused("mig_rename", &o,
                   "ormc diff: --rename ItemE.titel=name: model ItemA of the "
                   "old schema has no field titel\n"
                   "ormc diff: new field ItemE.name is NOT NULL without a "
                   "default: the rows already there need a value; give it "
                   "one (`default ...`) or make it nullable (`name "
                   "text(100)?`)\n"
                   "ormc diff: dropping field ItemE.title loses its data; "
                   "pass --force to drop it, or --rename ItemE.title=name if "
                   "it was renamed\n"
                   "ormc diff: --rename Nope.a=b: no model Nope has its table "
                   "in both schemas\n");
}

/* a script whose foreign keys no longer hold fails before COMMIT and
 * changes nothing */
static void test_script_fails_on_broken_foreign_key(void **state)
{
    (void)state;
    if (on_pg()) {
        /* PostgreSQL checks each foreign key as each statement runs; what
         * matters there is that a script failing late (here: the new
         * UNIQUE index, on two items of one shop with one title) changes
         * nothing, its DDL rolled back with it */
        ormc_db *db = open_fresh("fk.db");
        assert_ok(db, mig_base_schema_create(db));
        fill_base(db);
        assert_ok(db, ormc_exec(db, "UPDATE item SET title = 'Pen' WHERE "
                                    "id = 2"));
        ormc_close(db);
        char *script = diff_script("mig_rebuild", NULL, NULL);
        char *err = pg_apply(script);
        assert_non_null(err);
        assert_string_equal(err, "could not create unique index "
                                 "\"item_shop_id_title_uniq\"");
        free(err);
        free(script);
        db = open_db("fk.db");
        assert_ok(db, mig_base_schema_check(db));
        ormc_close(db);
        assert_rows("fk.db", "SELECT id, title FROM item ORDER BY id",
                    "1|Pen\n2|Pen\n3|Pad\n4|Cap\n");
        return;
    }
    const char *path = tmp_path("fk.db");
    remove(path);
    ormc_db *db;
    assert_ok(db, ormc_open(path, &db));
    assert_ok(db, mig_base_schema_create(db));
    fill_base(db);
    ormc_close(db);
    char *script = diff_script("mig_add", NULL, NULL);
    sqlite3 *conn;
    assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
    /* an item of a shop that is not there */
    assert_int_equal(sqlite3_exec(conn, "PRAGMA foreign_keys = OFF; "
                                        "UPDATE item SET shop_id = 9 "
                                        "WHERE id = 4",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    char *err = NULL;
    assert_int_equal(sqlite3_exec(conn, script, NULL, NULL, &err),
                     SQLITE_CONSTRAINT);
    assert_string_equal(err,
                        "CHECK constraint failed: foreign_keys_must_hold");
    sqlite3_free(err);
    free(script);
    sqlite3_close(conn); /* rolls the open transaction back */
    assert_ok(db, ormc_open(path, &db));
    assert_ok(db, mig_base_schema_check(db));
    ormc_close(db);
}

/* ---- check and create-if-missing ---- */

static void test_check_empty_and_create_if_missing(void **state)
{
    (void)state;
    ormc_db *db = open_fresh("new.db");
    const char *none = "schema mig_base: the database has none of its "
                       "tables: create them with ormc_schema_create, or "
                       "open with ORMC_CREATE_IF_MISSING";
    assert_check_fails(db, &mig_base_schema, none);
    assert_int_equal(mig_base_schema_open(db, 0), ORMC_ERROR);
    assert_string_equal(ormc_errmsg(db), none);
    assert_int_equal(mig_base_schema_open(db, 2), ORMC_INVALID);
    assert_string_equal(ormc_errmsg(db),
                        "schema mig_base open: unknown flags 0x2");
    assert_ok(db, mig_base_schema_open(db, ORMC_CREATE_IF_MISSING));
    assert_ok(db, mig_base_schema_check(db));
    fill_base(db);
    /* a second open changes nothing */
    assert_ok(db, mig_base_schema_open(db, ORMC_CREATE_IF_MISSING));
    ormc_close(db);
    assert_rows("new.db", "SELECT * FROM item ORDER BY id", BASE_ITEMS);
    char want[128];
    snprintf(want, sizeof want, "mig_base|%s\n", mig_base_schema.fingerprint);
    assert_rows("new.db", "SELECT * FROM ormc_meta", want);
}

static void test_check_partial_database_is_not_created(void **state)
{
    (void)state;
    if (on_pg())
        skip(); /* SQLite's DDL and type names */
    ormc_db *db;
    assert_ok(db, ormc_open(":memory:", &db));
    assert_ok(db, ormc_exec(db, "CREATE TABLE shop (id INTEGER PRIMARY KEY "
                               "AUTOINCREMENT, name TEXT NOT NULL)"));
    assert_int_equal(mig_base_schema_open(db, ORMC_CREATE_IF_MISSING),
                     ORMC_ERROR);
    assert_string_equal(ormc_errmsg(db), "schema mig_base: table item is "
                                         "missing: migrate with ormc diff");
    /* every table, no fingerprint: made by hand */
    assert_ok(db, ormc_exec(db, "CREATE TABLE item (id INTEGER PRIMARY KEY, "
                               "shop_id INTEGER NOT NULL, title TEXT NOT "
                               "NULL, price REAL, code TEXT NOT NULL)"));
    assert_check_fails(db, &mig_base_schema,
                       "schema mig_base: the database has no fingerprint of "
                       "this schema (no row in ormc_meta): it was not made "
                       "by ormc_schema_create or an ormc diff script");
    assert_ok(db, ormc_exec(db, "DROP TABLE item"));
    assert_ok(db, ormc_exec(db, "CREATE TABLE item (id INTEGER PRIMARY KEY, "
                               "shop_id INTEGER NOT NULL, title BLOB NOT "
                               "NULL, price REAL, code TEXT NOT NULL)"));
    assert_check_fails(db, &mig_base_schema,
                       "schema mig_base: column item.title has type BLOB, "
                       "the schema's is TEXT: migrate with ormc diff");
    ormc_close(db);
}

/* the check costs one statement per table plus two, none counted */
static void test_check_counts_nothing(void **state)
{
    (void)state;
    ormc_db *db;
    if (on_pg())
        db = open_fresh("counts");
    else
        assert_ok(db, ormc_open(":memory:", &db));
    assert_ok(db, mig_base_schema_create(db));
    ormc_reset_counts(db);
    assert_ok(db, mig_base_schema_check(db));
    assert_int_equal(ormc_query_count(db), 0);
    ormc_close(db);
}

/* ---- ormc_open on what is not a database ---- */

static void test_open_text_file_fails_at_open(void **state)
{
    (void)state;
    if (on_pg())
        skip(); /* a file that is not a SQLite database */
    const char *path = tmp_path("notes.txt");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("These are my notes, not a database.  SQLite reads the first 100 "
          "bytes as its header, so they must be there.\n",
          f);
    fclose(f);
    ormc_db *db;
    assert_int_equal(ormc_open(path, &db), ORMC_ERROR);
    char want[512];
    snprintf(want, sizeof want, "open %s: file is not a database", path);
    assert_string_equal(ormc_errmsg(db), want);
    ormc_close(db);
    /* an empty file is a new, empty database */
    path = tmp_path("empty.db");
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_ok(db, ormc_open(path, &db));
    assert_ok(db, mig_base_schema_open(db, ORMC_CREATE_IF_MISSING));
    ormc_close(db);
}

static int setup_dir(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    const char *files[] = {"add.db", "rebuild.db", "drop.db", "rename.db",
                           "alter.db", "retype.db", "index.db", "m2m.db", "fk.db", "new.db",
                           "notes.txt", "empty.db"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        remove(tmp_path(files[i]));
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_fields_index_model),
        cmocka_unit_test(test_rebuild_unique_and_now),
        cmocka_unit_test(test_drop_forced),
        cmocka_unit_test(test_rename_field),
        cmocka_unit_test(test_alter_nullability_defaults),
        cmocka_unit_test(test_retype_forced),
        cmocka_unit_test(test_index_only_fingerprint),
        cmocka_unit_test(test_add_many_to_many),
        cmocka_unit_test(test_refused_steps),
        cmocka_unit_test(test_script_fails_on_broken_foreign_key),
        cmocka_unit_test(test_check_empty_and_create_if_missing),
        cmocka_unit_test(test_check_partial_database_is_not_created),
        cmocka_unit_test(test_check_counts_nothing),
        cmocka_unit_test(test_open_text_file_fails_at_open),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
