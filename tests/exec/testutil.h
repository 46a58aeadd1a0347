/*
 * testutil.h — shared by the cmocka execution tests (tests/exec/test_*.c).
 *
 * Every test gets a fresh ":memory:" database from its setup and closes it in
 * its teardown; a trace hook records every counted statement so tests can
 * assert the exact SQL and the exact number of statements.
 *
 * Checks report the status name and ormc_errmsg() on failure, so a failing
 * run says *why* ("ORMC_CONSTRAINT: Author.insert: UNIQUE constraint ...").
 */
#ifndef ORMC_TESTUTIL_H
#define ORMC_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ormc.h"
#include "ormc_backend.h"

#include <sqlite3.h>

/* ---- query plans ----
 * Every statement a test prepares through a fixture has its plan checked
 * (EXPLAIN QUERY PLAN on the same connection): no table may be scanned in
 * full inside a loop, i.e. a SCAN that is not the outer loop of its
 * SELECT, or any SCAN in a correlated subquery (run once per row); scans
 * of a virtual table (ormc_array: an _in array) and constant rows
 * excepted.  So every join,
 * EXISTS and IN along a declared relation or an indexed field searches an
 * index.  With `no_sort`, the statement may not sort its own rows in a
 * temporary tree either.  Returns NULL, or the offending plan line (a
 * static buffer). */
static inline const char *plan_problem(sqlite3 *conn, const char *sql,
                                       size_t len, bool no_sort)
{
    static char bad[512];
    char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %.*s", (int)len, sql);
    sqlite3_stmt *st = NULL;
    if (!eqp || sqlite3_prepare_v2(conn, eqp, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(eqp);
        return NULL; /* not a statement with a plan */
    }
    sqlite3_free(eqp);
    enum { MAXID = 1024 };
    static bool looped[MAXID], correlated[MAXID];
    memset(looped, 0, sizeof looped);
    memset(correlated, 0, sizeof correlated);
    const char *found = NULL;
    while (!found && sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0), parent = sqlite3_column_int(st, 1);
        const char *d = (const char *)sqlite3_column_text(st, 3);
        if (id < 0 || id >= MAXID || parent < 0 || parent >= MAXID || !d)
            continue;
        bool scan = strncmp(d, "SCAN ", 5) == 0;
        bool search = strncmp(d, "SEARCH ", 7) == 0;
        correlated[id] = strncmp(d, "CORRELATED ", 11) == 0 || correlated[parent];
        bool bad_scan = scan && !strstr(d, "VIRTUAL TABLE") &&
                        !strstr(d, "CONSTANT ROW") &&
                        (looped[parent] || correlated[parent]);
        if (bad_scan || (no_sort && parent == 0 && strstr(d, "TEMP B-TREE"))) {
            snprintf(bad, sizeof bad, "%s", d);
            found = bad;
        }
        if (scan || search)
            looped[parent] = true;
    }
    sqlite3_finalize(st);
    return found;
}

/* The first statement of the current test whose plan failed, or "". */
static char plan_failed_sql[4096];
static char plan_failed_why[512];

static inline void plan_check(void *conn, const char *sql, size_t len)
{
    if (plan_failed_sql[0])
        return;
    const char *why = plan_problem(conn, sql, len, false);
    if (why) {
        snprintf(plan_failed_sql, sizeof plan_failed_sql, "%.*s", (int)len,
                 sql);
        snprintf(plan_failed_why, sizeof plan_failed_why, "%s", why);
    }
}

static inline int plan_prepare(void *conn, const char *sql, size_t len,
                               void **stmt)
{
    int rc = ormc_sqlite_backend.prepare(conn, sql, len, stmt);
    if (rc == ORMC_OK)
        plan_check(conn, sql, len);
    return rc;
}

/* ---- the database under test ----
 * SQLite (":memory:") unless ORMC_TEST_PG holds a PostgreSQL connection
 * string (tests/pg/run.sh starts a throwaway server and sets it): then
 * every fixture opens that server, on a freshly emptied schema "public",
 * and plan checks (SQLite's EXPLAIN QUERY PLAN) are not made. */
static inline const char *test_pg(void)
{
    const char *s = getenv("ORMC_TEST_PG");
    return s && *s ? s : NULL;
}

static inline const ormc_backend *test_base(void)
{
    return test_pg() ? &ormc_pg_backend : &ormc_sqlite_backend;
}

/* The PostgreSQL SQL of a statement respelled as SQLite's, so one
 * expected text serves both (the PostgreSQL spelling itself is pinned,
 * shape by shape, in tests/sql/shapes.md): $N -> ?N, = ANY($N) and
 * <> ALL($N) -> [NOT] IN (SELECT value FROM ormc_array(?N)), the unnest of
 * an id array -> ormc_array, ILIKE -> LIKE ... ESCAPE, LIKE -> GLOB,
 * NULLS FIRST/LAST dropped, the casts of an integer SUM and AVG dropped,
 * a plain INSERT's RETURNING "id" dropped, the link insert's WHERE true
 * added.  Returns a malloc'd string. */
/* The per-parent LATERAL form back to SQLite's IN form:
 *   ... AS tp CROSS JOIN LATERAL (SUB) AS tl JOIN "c" AS t0 ON X = tl."k"
 *   ... AS tp JOIN "c" AS t0 ON X IN (SUB)
 * Returns a malloc'd string (a copy when there is no LATERAL). */
static inline char *pg_unlateral(const char *sql)
{
    const char *lat = strstr(sql, " CROSS JOIN LATERAL (");
    char *out = malloc(strlen(sql) + 1);
    assert_non_null(out);
    if (!lat) {
        strcpy(out, sql);
        return out;
    }
    const char *sub = lat + strlen(" CROSS JOIN LATERAL ("), *p = sub;
    for (int depth = 1; *p && depth; p++)
        depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
    size_t nsub = (size_t)(p - 1 - sub);
    const char *tl = strstr(p, " = tl.");
    assert_non_null(tl);
    const char *after = tl + strlen(" = tl.");
    after += after[0] == '"' ? strcspn(after + 1, "\"") + 2 : strcspn(after, " ");
    const char *join = p + strlen(" AS tl");
    sprintf(out, "%.*s%.*s IN (%.*s)%s", (int)(lat - sql), sql,
            (int)(tl - join), join, (int)nsub, sub, after);
    return out;
}

static inline char *pg_as_sqlite(const char *text)
{
    char *flat = pg_unlateral(text);
    const char *sql = flat;
    size_t n = strlen(sql);
    char *out = malloc(4 * n + 64), *o = out;
    assert_non_null(out);
#define PG_AT(w) (strncmp(sql + i, (w), strlen(w)) == 0 ? (i += strlen(w), 1) : 0)
    for (size_t i = 0; i < n;) {
        char *end;
        long d;
        if (PG_AT(" NULLS FIRST") || PG_AT(" NULLS LAST"))
            continue;
        if (PG_AT("CAST(SUM(")) { /* CAST(SUM(x) AS BIGINT) */
            const char *close = strstr(sql + i, ") AS BIGINT)");
            assert_non_null(close);
            o += sprintf(o, "SUM(%.*s)", (int)(close - (sql + i)), sql + i);
            i = (size_t)(close - sql) + strlen(") AS BIGINT)");
            continue;
        }
        if (PG_AT("CAST(AVG(")) { /* CAST(AVG(x) AS DOUBLE PRECISION) */
            const char *close = strstr(sql + i, ") AS DOUBLE PRECISION)");
            assert_non_null(close);
            o += sprintf(o, "AVG(%.*s)", (int)(close - (sql + i)), sql + i);
            i = (size_t)(close - sql) + strlen(") AS DOUBLE PRECISION)");
            continue;
        }
        if (PG_AT(" = ANY($") || (PG_AT(" <> ALL($") && (o += sprintf(o, " NOT"), 1))) {
            d = strtol(sql + i, &end, 10);
            i = (size_t)(end - sql) + 1; /* the ) */
            o += sprintf(o, " IN (SELECT value FROM ormc_array(?%ld))", d);
        } else if (PG_AT("SELECT unnest(CAST($")) {
            d = strtol(sql + i, &end, 10);
            i = (size_t)(end - sql) + strlen(" AS BIGINT[])) AS value");
            o += sprintf(o, "SELECT value FROM ormc_array(?%ld)", d);
        } else if (PG_AT(" ILIKE $")) {
            d = strtol(sql + i, &end, 10);
            i = (size_t)(end - sql);
            o += sprintf(o, " LIKE ?%ld ESCAPE '\\'", d);
        } else if (PG_AT(" LIKE $")) {
            o += sprintf(o, " GLOB ?");
        } else if (PG_AT(") AS ta ON CONFLICT")) {
            o += sprintf(o, ") AS ta WHERE true ON CONFLICT");
        } else if (sql[i] == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            *o++ = '?';
            i++;
        } else {
            *o++ = sql[i++];
        }
    }
#undef PG_AT
    *o = '\0';
    /* a plain INSERT's RETURNING "id" */
    const char *ret = " RETURNING \"id\"";
    size_t len = strlen(out), rl = strlen(ret);
    if (strncmp(out, "INSERT", 6) == 0 && !strstr(out, "ON CONFLICT") &&
        len > rl && strcmp(out + len - rl, ret) == 0)
        out[len - rl] = '\0';
    free(flat);
    return out;
}

static ormc_backend plan_backend;

/* ormc_open with every prepared statement's plan checked (on SQLite). */
static inline int plan_open(const char *path, ormc_db **out)
{
    if (test_pg())
        return ormc_open_backend(path, &ormc_pg_backend, out);
    plan_backend = ormc_sqlite_backend;
    plan_backend.name = "plan-checked sqlite";
    plan_backend.prepare = plan_prepare;
    return ormc_open_backend(path, &plan_backend, out);
}

/* ---- statement trace ---- */

#define TRACE_MAX 64

typedef struct trace_log {
    size_t n;             /* statements seen (may exceed TRACE_MAX) */
    char *sql[TRACE_MAX]; /* the first TRACE_MAX, copied */
} trace_log;

static inline void trace_clear(trace_log *t)
{
    size_t keep = t->n < TRACE_MAX ? t->n : TRACE_MAX;
    for (size_t i = 0; i < keep; i++) {
        free(t->sql[i]);
        t->sql[i] = NULL;
    }
    t->n = 0;
}

static inline void trace_hook(void *ctx, const char *sql)
{
    trace_log *t = ctx;
    if (t->n < TRACE_MAX) {
        size_t len = strlen(sql);
        char *copy = test_pg() ? pg_as_sqlite(sql) : malloc(len + 1);
        assert_non_null(copy);
        if (!test_pg())
            memcpy(copy, sql, len + 1);
        t->sql[t->n] = copy;
    }
    t->n++;
}

/* ---- spy backend: the SQLite backend, observed and fault-injectable ----
 * Counts prepares, steps and rows the database really returned, and can make
 * the Nth prepare or step from now fail with a chosen status; the failed
 * call's errmsg is then "injected fault". */

typedef struct spy_state {
    uint64_t prepares, steps, rows;
    unsigned fail_prepare_at; /* 0: never; N: the Nth prepare from now */
    unsigned fail_step_at;    /* 0: never; N: the Nth step from now */
    int fail_code;            /* status the injected failure returns */
    bool fired;               /* a fault was injected (errmsg says so) */
} spy_state;

static spy_state spy;
static ormc_backend spy_backend;

static inline void spy_reset(void)
{
    memset(&spy, 0, sizeof spy);
    spy.fail_code = ORMC_ERROR;
}

static inline int spy_prepare(void *conn, const char *sql, size_t len,
                              void **stmt)
{
    spy.prepares++;
    if (spy.fail_prepare_at && --spy.fail_prepare_at == 0) {
        *stmt = NULL;
        spy.fired = true;
        return spy.fail_code;
    }
    spy.fired = false;
    if (test_pg())
        return ormc_pg_backend.prepare(conn, sql, len, stmt);
    return plan_prepare(conn, sql, len, stmt);
}

static inline int spy_step(void *stmt)
{
    spy.steps++;
    if (spy.fail_step_at && --spy.fail_step_at == 0) {
        spy.fired = true;
        return spy.fail_code;
    }
    spy.fired = false;
    int rc = test_base()->step(stmt);
    if (rc == ORMC_ROW)
        spy.rows++;
    return rc;
}

/* Rows read_rows read and the runtime passes over without a step
 * (PostgreSQL): counted as the steps over them would have been. */
static inline void spy_skip_rows(void *stmt, size_t n)
{
    spy.rows += n;
    test_base()->skip_rows(stmt, n);
}

static inline const char *spy_errmsg(void *conn)
{
    return spy.fired ? "injected fault" : test_base()->errmsg(conn);
}

/* ormc_open through the spy backend. */
static inline int spy_open(const char *path, ormc_db **out)
{
    spy_backend = *test_base();
    spy_backend.name = "spy";
    spy_backend.prepare = spy_prepare;
    spy_backend.step = spy_step;
    if (spy_backend.skip_rows)
        spy_backend.skip_rows = spy_skip_rows;
    spy_backend.errmsg = spy_errmsg;
    spy_reset();
    return ormc_open_backend(path, &spy_backend, out);
}

/* ---- fixture: one fresh in-memory database per test ---- */

typedef struct fixture {
    ormc_db *db;
    trace_log trace;
} fixture;

/* Opens ":memory:", runs `create` (the schema's *_schema_create), attaches
 * the trace hook and zeroes the counters. */
static inline int fixture_open(void **state, int (*create)(ormc_db *),
                               int (*open)(const char *, ormc_db **))
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    const char *pg = test_pg();
    if (open(pg ? pg : ":memory:", &f->db) != ORMC_OK ||
        (pg && (ormc_exec(f->db, "DROP SCHEMA IF EXISTS public CASCADE") !=
                    ORMC_OK ||
                ormc_exec(f->db, "CREATE SCHEMA public") != ORMC_OK))) {
        fprintf(stderr, "ormc_open: %s\n", ormc_errmsg(f->db));
        ormc_close(f->db);
        free(f);
        return -1;
    }
    if (create && create(f->db) != ORMC_OK) {
        fprintf(stderr, "schema create: %s\n", ormc_errmsg(f->db));
        ormc_close(f->db);
        free(f);
        return -1;
    }
    ormc_set_trace(f->db, trace_hook, &f->trace);
    ormc_reset_counts(f->db);
    spy_reset();
    *state = f;
    return 0;
}

/* The usual fixture: ormc_open itself (its statements' plans checked). */
static inline int fixture_setup(void **state, int (*create)(ormc_db *))
{
    return fixture_open(state, create, plan_open);
}

/* The same through the spy backend (see spy_state). */
static inline int fixture_setup_spy(void **state, int (*create)(ormc_db *))
{
    return fixture_open(state, create, spy_open);
}

/* Fails the test (teardown returns -1) when a statement it prepared had a
 * plan that scans a table in a loop. */
static inline int fixture_teardown(void **state)
{
    fixture *f = *state;
    int rc = 0;
    if (plan_failed_sql[0]) {
        fprintf(stderr, "query plan: %s\n  of: %s\n", plan_failed_why,
                plan_failed_sql);
        plan_failed_sql[0] = '\0';
        rc = -1;
    }
    if (!f)
        return rc;
    ormc_close(f->db);
    trace_clear(&f->trace);
    free(f);
    *state = NULL;
    return rc;
}

/* Zeroes both counters (and the spy's) and forgets the traced statements. */
static inline void counts_reset(fixture *f)
{
    ormc_reset_counts(f->db);
    trace_clear(&f->trace);
    spy_reset();
}

/* ---- assertions ---- */

/* expr must return `want`; on mismatch prints both status names and the
 * connection's error message. */
#define assert_status(db, expr, want)                                        \
    do {                                                                     \
        int got_ = (expr);                                                   \
        int want_ = (want);                                                  \
        if (got_ != want_) {                                                 \
            print_error("%s\n  returned %s, expected %s\n  errmsg: %s\n",    \
                        #expr, ormc_status_name(got_),                       \
                        ormc_status_name(want_), ormc_errmsg(db));           \
            fail();                                                          \
        }                                                                    \
    } while (0)

#define assert_ok(db, expr) assert_status(db, expr, ORMC_OK)

/* The last call on db failed with exactly this code and message. */
#define assert_error(db, code, msg)                                          \
    do {                                                                     \
        assert_string_equal(ormc_status_name(ormc_errcode(db)),              \
                            ormc_status_name(code));                         \
        assert_string_equal(ormc_errmsg(db), (msg));                         \
    } while (0)

/* The same, where the message is the database's own and so differs
 * between SQLite and PostgreSQL. */
#define assert_error_db(db, code, sqlite_msg, pg_msg)                        \
    assert_error(db, code, test_pg() ? (pg_msg) : (sqlite_msg))

/* Skips the current test on PostgreSQL (reported SKIP by tests/run.sh):
 * for what only SQLite can show, e.g. a file another program damaged. */
#define SQLITE_ONLY()                                                        \
    do {                                                                     \
        if (test_pg())                                                       \
            skip();                                                          \
    } while (0)

/* Exactly n counted statements since the last counts_reset. */
#define assert_queries(fx, count)                                            \
    do {                                                                     \
        assert_int_equal(ormc_query_count((fx)->db), (count));               \
        assert_int_equal((fx)->trace.n, (count));                            \
    } while (0)

/* Statement i of the trace is exactly `sql`. */
#define assert_sql(fx, i, text)                                              \
    do {                                                                     \
        assert_true((size_t)(i) < (fx)->trace.n);                            \
        assert_string_equal((fx)->trace.sql[i], (text));                     \
    } while (0)

/* Two doubles are bit-for-bit the same value (0.1 stays 0.1). */
#define assert_double_exact(a, b)                                            \
    do {                                                                     \
        double a_ = (a), b_ = (b);                                           \
        if (memcmp(&a_, &b_, sizeof a_) != 0) {                              \
            print_error("%s = %.17g, expected %.17g\n", #a, a_, b_);         \
            fail();                                                          \
        }                                                                    \
    } while (0)

/* Every member of an aggregate's stats, exactly: count, is_null (true
 * exactly when count is 0), sum, avg, min, max. */
#define assert_int_stats(st, n, su, av, mi, ma)                              \
    do {                                                                     \
        assert_int_equal((st).count, (n));                                   \
        assert_int_equal((st).is_null, (n) == 0);                            \
        assert_int_equal((st).sum, (su));                                    \
        assert_double_exact((st).avg, (av));                                 \
        assert_int_equal((st).min, (mi));                                    \
        assert_int_equal((st).max, (ma));                                    \
    } while (0)
#define assert_real_stats(st, n, su, av, mi, ma)                             \
    do {                                                                     \
        assert_int_equal((st).count, (n));                                   \
        assert_int_equal((st).is_null, (n) == 0);                            \
        assert_double_exact((st).sum, (su));                                 \
        assert_double_exact((st).avg, (av));                                 \
        assert_double_exact((st).min, (mi));                                 \
        assert_double_exact((st).max, (ma));                                 \
    } while (0)

#endif /* ORMC_TESTUTIL_H */
