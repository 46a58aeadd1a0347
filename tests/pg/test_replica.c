/*
 * test_replica.c — ormc_open_replicas on a real streaming replica: a
 * primary and a replica made with pg_basebackup (tests/pg/cluster.sh,
 * started by tests/run.sh), whose connection strings come in
 * ORMC_TEST_PG and ORMC_TEST_PG_REPLICA; ORMC_TEST_PG_REPLICA_HALT is a
 * shell command that stops the replica (the last test stops it mid-run).
 * Without them the program reports itself skipped ("1..0 # SKIP").
 *
 * Where a statement ran is asked of the server itself: SELECT
 * pg_is_in_recovery() is true on the replica only.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blog.orm.h"

static const char *primary, *replica, *halt;

#define assert_ok(db, expr)                                                  \
    do {                                                                     \
        int rc_ = (expr);                                                    \
        if (rc_ != ORMC_OK) {                                                \
            print_error("%s: %s: %s\n", #expr, ormc_status_name(rc_),       \
                        ormc_errmsg(db));                                    \
            fail();                                                          \
        }                                                                    \
    } while (0)

/* Runs sql on one server directly (libpq), returning its first value as
 * an integer (-1 on error). */
static long long direct(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    long long v = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PQclear(PQexec(c, "SET client_min_messages = warning"));
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
            const char *s = PQgetvalue(r, 0, 0);
            v = s[0] == 't' ? 1 : s[0] == 'f' ? 0 : atoll(s);
        } else if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            v = 0;
        }
        PQclear(r);
    }
    PQfinish(c);
    return v;
}

/* Waits until the replica has replayed everything the primary wrote (at
 * most 10 s). */
static void wait_replay(void)
{
    PGconn *c = PQconnectdb(primary);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    /* the insert position: with synchronous_commit off (tests/pg's
     * cluster) a commit may not be written yet */
    PGresult *r = PQexec(c, "SELECT pg_current_wal_insert_lsn()");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn",
             PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    for (int i = 0; i < 1000; i++) {
        if (direct(replica, sql) == 1)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fail_msg("the replica did not catch up in 10 s");
}

/* 1 when a statement outside a transaction ran on a replica. */
static int on_replica_row(void *ctx, const ormc_row *row)
{
    *(int64_t *)ctx = ormc_row_int(row, 0);
    return 0;
}

static int64_t where(ormc_db *db)
{
    int64_t v = -1;
    assert_ok(db, ormc_raw_query(db, "SELECT pg_is_in_recovery()", NULL, 0,
                                 on_replica_row, &v));
    return v;
}

static int64_t add_author(ormc_db *db, const char *name, const char *email)
{
    Author a;
    author_init(&a);
    a.name = name;
    a.email = email;
    assert_ok(db, author_insert(db, &a));
    return a.id;
}

/* A fresh schema on the primary (the replica follows). */
static int setup(void **state)
{
    if (direct(primary, "DROP SCHEMA IF EXISTS public CASCADE") != 0 ||
        direct(primary, "CREATE SCHEMA public") != 0)
        return -1;
    ormc_db *db = NULL;
    if (ormc_open_replicas(primary, &replica, 1, &db) != ORMC_OK ||
        blog_schema_create(db) != ORMC_OK) {
        fprintf(stderr, "setup: %s\n", ormc_errmsg(db));
        ormc_close(db);
        return -1;
    }
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    ormc_close(*state);
    return 0;
}

static void test_reads_on_replica_writes_on_primary(void **state)
{
    ormc_db *db = *state;
    int64_t ann = add_author(db, "Ann", "ann@x.org");
    add_author(db, "Bob", "bob@x.org");
    wait_replay();
    /* a read outside a transaction: the replica */
    assert_int_equal(where(db), 1);
    AuthorList l = {0};
    ormc_reset_counts(db);
    assert_ok(db, author_fetch(db, NULL, &l));
    assert_int_equal(ormc_query_count(db), 1);
    assert_int_equal(l.count, 2);
    assert_string_equal(l.items[0].name, "Ann");
    author_list_free(&l);
    int64_t n = -1;
    assert_ok(db, author_count(db, NULL, &n));
    assert_int_equal(n, 2);
    /* writes went to the primary (a replica refuses them), and so does
     * everything inside a transaction, reads included */
    Author *a = NULL;
    assert_ok(db, author_get(db, ann, &a));
    a->name = "Anne";
    assert_ok(db, author_update(db, a));
    author_free(a);
    assert_ok(db, ormc_begin(db));
    assert_int_equal(where(db), 0);
    assert_ok(db, author_get(db, ann, &a));
    assert_string_equal(a->name, "Anne"); /* read your own write */
    author_free(a);
    add_author(db, "Cy", "cy@x.org");
    assert_ok(db, ormc_commit(db));
    assert_int_equal(where(db), 1);
    wait_replay();
    assert_ok(db, author_count(db, NULL, &n));
    assert_int_equal(n, 3);
    assert_int_equal(direct(primary, "SELECT count(*) FROM author"), 3);
}

static void test_prefetch_reads_one_replica_snapshot(void **state)
{
    ormc_db *db = *state;
    int64_t ann = add_author(db, "Ann", "ann@x.org");
    Blog b[3];
    for (int i = 0; i < 3; i++) {
        blog_init(&b[i]);
        b[i].title = "t";
        b[i].author_id = ann;
    }
    assert_ok(db, blog_insert_many(db, b, 3));
    Comment c[5];
    for (int i = 0; i < 5; i++) {
        comment_init(&c[i]);
        c[i].blog_id = b[i % 2].id;
        c[i].content = "c";
        c[i].score = i;
    }
    assert_ok(db, comment_insert_many(db, c, 5));
    wait_replay();
    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_comments(&q);
    BlogList l = {0};
    ormc_reset_counts(db);
    assert_ok(db, blog_fetch(db, &q, &l));
    assert_int_equal(ormc_query_count(db), 2);
    assert_int_equal(l.count, 3);
    assert_int_equal(l.items[0].rel->comments.count, 3);
    assert_int_equal(l.items[1].rel->comments.count, 2);
    assert_int_equal(l.items[2].rel->comments.count, 0);
    blog_list_free(&l);
    blog_query_free(&q);
    /* the snapshot ended: the next read is outside any transaction */
    assert_false(ormc_in_transaction(db));
}

static void test_replica_down_at_open(void **state)
{
    (void)state;
    const char *gone[] = {"host=/nonexistent/ormc port=1 user=ormc"};
    ormc_db *db = NULL;
    assert_ok(db, ormc_open_replicas(primary, gone, 1, &db));
    /* every read goes to the primary, without an error */
    assert_int_equal(where(db), 0);
    int64_t n = -1;
    assert_ok(db, author_count(db, NULL, &n));
    assert_int_equal(n, 0);
    ormc_close(db);
    /* a primary that is down is the open's error */
    const char *ok[] = {replica};
    assert_int_equal(ormc_open_replicas("host=/nonexistent/ormc port=1",
                                        ok, 1, &db),
                     ORMC_ERROR);
    assert_non_null(db);
    assert_true(strncmp(ormc_errmsg(db), "open PostgreSQL connection: ",
                        28) == 0);
    ormc_close(db);
    assert_int_equal(ormc_open_replicas("host=/tmp\nport=1", ok, 1, &db),
                     ORMC_INVALID);
    assert_string_equal(ormc_errmsg(db), "open PostgreSQL connection: a "
                                         "connection string holds a line "
                                         "break");
    ormc_close(db);
}

/* Last: stops the replica for good. */
static void test_replica_stopped_mid_run(void **state)
{
    ormc_db *db = *state;
    add_author(db, "Ann", "ann@x.org");
    wait_replay();
    assert_int_equal(where(db), 1);
    int64_t n = -1;
    assert_ok(db, author_count(db, NULL, &n)); /* prepared on the replica */
    assert_int_equal(n, 1);
    assert_int_equal(system(halt), 0);
    /* the same statements again: no error, the primary answers */
    assert_ok(db, author_count(db, NULL, &n));
    assert_int_equal(n, 1);
    AuthorList l = {0};
    assert_ok(db, author_fetch(db, NULL, &l));
    assert_int_equal(l.count, 1);
    author_list_free(&l);
    assert_int_equal(where(db), 0);
    /* writes and transactions are unaffected */
    add_author(db, "Bob", "bob@x.org");
    assert_ok(db, author_count(db, NULL, &n));
    assert_int_equal(n, 2);
}

int main(void)
{
    primary = getenv("ORMC_TEST_PG");
    replica = getenv("ORMC_TEST_PG_REPLICA");
    halt = getenv("ORMC_TEST_PG_REPLICA_HALT");
    if (!primary || !*primary || !replica || !*replica || !halt) {
        printf("1..0 # SKIP no PostgreSQL primary and replica "
               "(tests/run.sh starts them)\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_reads_on_replica_writes_on_primary),
        T(test_prefetch_reads_one_replica_snapshot),
        T(test_replica_down_at_open),
        T(test_replica_stopped_mid_run),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
