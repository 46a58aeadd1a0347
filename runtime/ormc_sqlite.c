/*
 * ormc_sqlite.c — the SQLite backend: the only file of ormc that includes
 * sqlite3.h.  Each function is a thin mapping of ormc_backend onto the
 * sqlite3 C API, translating result codes into ormc_status values.
 */
#include "row_read.h"
#include "sqlite_array.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Maps an SQLite primary result code to an ormc_status. */
static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: return ORMC_OK;
    case SQLITE_ROW: return ORMC_ROW;
    case SQLITE_DONE: return ORMC_DONE;
    case SQLITE_CONSTRAINT: return ORMC_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ORMC_BUSY;
    case SQLITE_NOMEM: return ORMC_NOMEM;
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH: return ORMC_INVALID;
    default: return ORMC_ERROR;
    }
}

/* How long a statement waits for a lock held by another connection before
 * it fails with SQLITE_BUSY (ORMC_BUSY). */
#define ORMC_BUSY_TIMEOUT_MS 5000

/* Milliseconds of the wall clock (C11 timespec_get): only differences are
 * used, to bound a wait. */
static long long now_ms(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start of the current wait of this thread (a connection is used by one
 * thread at a time, and a wait happens inside one call). */
static _Thread_local long long busy_since;

/* Busy handler: retries every millisecond until ORMC_BUSY_TIMEOUT_MS have
 * passed since the first attempt (and at most that many retries, should the
 * clock jump back), then gives up.  SQLite's own sqlite3_busy_timeout backs
 * off to 100 ms sleeps, so under steady write contention a waiting writer
 * keeps missing the short gaps between the other writers' transactions and
 * can be starved for the whole timeout (tests/stress measured writers with 1
 * commit in 5 s next to one with 400).  Polling every millisecond is fair
 * enough and costs one lock attempt per retry. */
static int sq_busy(void *ctx, int count)
{
    (void)ctx;
    long long now = now_ms();
    if (count == 0)
        busy_since = now;
    if (count >= ORMC_BUSY_TIMEOUT_MS ||
        now - busy_since >= ORMC_BUSY_TIMEOUT_MS)
        return 0;
    sqlite3_sleep(1);
    return 1;
}

static int sq_open(const char *path, void **conn)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOMUTEX,
                             NULL);
    *conn = db;
    if (rc != SQLITE_OK)
        return map_rc(rc);
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_handler(db, sq_busy, NULL);
    rc = sqlite_array_register(db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    /* read the schema now, so a file that is not a database fails here
     * ("file is not a database"), not at its first statement; an empty
     * or new file reads as an empty schema */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL,
                          NULL, NULL);
    return map_rc(rc);
}

static void sq_close(void *conn) { sqlite3_close_v2(conn); }

static int sq_exec(void *conn, const char *sql)
{
    return map_rc(sqlite3_exec(conn, sql, NULL, NULL, NULL));
}

static int sq_prepare(void *conn, const char *sql, size_t len, void **stmt)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(conn, sql, (int)len + 1,
                                SQLITE_PREPARE_PERSISTENT, &st, NULL);
    *stmt = st;
    return map_rc(rc);
}

static void sq_finalize(void *stmt) { sqlite3_finalize(stmt); }

static void sq_reset(void *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

static void sq_reset_values(void *stmt) { sqlite3_reset(stmt); }

static int sq_bind_null(void *stmt, int idx)
{
    return map_rc(sqlite3_bind_null(stmt, idx));
}

static int sq_bind_int(void *stmt, int idx, int64_t v)
{
    return map_rc(sqlite3_bind_int64(stmt, idx, v));
}

static int sq_bind_real(void *stmt, int idx, double v)
{
    return map_rc(sqlite3_bind_double(stmt, idx, v));
}

static int sq_bind_text(void *stmt, int idx, const char *v, size_t n)
{
    return map_rc(sqlite3_bind_text64(stmt, idx, v, n, SQLITE_STATIC,
                                      SQLITE_UTF8));
}

static int sq_bind_text_copy(void *stmt, int idx, const char *v, size_t n)
{
    return map_rc(sqlite3_bind_text64(stmt, idx, v, n, SQLITE_TRANSIENT,
                                      SQLITE_UTF8));
}

static int sq_bind_array(void *stmt, int idx, int type, const void *v,
                         size_t n)
{
    return map_rc(sqlite_array_bind(stmt, idx, type, v, n));
}

static int sq_bind_blob(void *stmt, int idx, const void *v, size_t n)
{
    if (n == 0)
        return map_rc(sqlite3_bind_zeroblob(stmt, idx, 0));
    return map_rc(sqlite3_bind_blob64(stmt, idx, v, n, SQLITE_STATIC));
}

static int sq_step(void *stmt)
{
    int rc = sqlite3_step(stmt);
    return rc == SQLITE_ROW ? ORMC_ROW : map_rc(rc); /* a row: most calls */
}

static bool sq_column_is_null(void *stmt, int col)
{
    return sqlite3_column_type(stmt, col) == SQLITE_NULL;
}

static int64_t sq_column_int(void *stmt, int col)
{
    return sqlite3_column_int64(stmt, col);
}

static double sq_column_real(void *stmt, int col)
{
    return sqlite3_column_double(stmt, col);
}

static const char *sq_column_text(void *stmt, int col, size_t *n)
{
    const unsigned char *p = sqlite3_column_text(stmt, col);
    *n = (size_t)sqlite3_column_bytes(stmt, col);
    return (const char *)p;
}

static const void *sq_column_blob(void *stmt, int col, size_t *n)
{
    const void *p = sqlite3_column_blob(stmt, col);
    *n = (size_t)sqlite3_column_bytes(stmt, col);
    return p;
}

static const row_cols sq_cols = {sq_column_is_null, sq_column_int,
                                 sq_column_real, sq_column_text,
                                 sq_column_blob};

/* The column functions of a generated row reader (ormc_cols): text and
 * blobs copied by row_read.h's helpers, over the functions above. */
static int sq_read_text(void *stmt, int col, ormc_result *res,
                        const char **out)
{
    return row_text(&sq_cols, stmt, col, res, out);
}

static int sq_read_blob(void *stmt, int col, ormc_result *res, ormc_blob *out)
{
    return row_blob(&sq_cols, stmt, col, res, out);
}

static const ormc_cols sq_reader_cols = {sq_column_is_null, sq_column_int,
                                         sq_column_real, sq_read_text,
                                         sq_read_blob};

/* The bind functions of a generated binder (ormc_binds). */
static const ormc_binds sq_binds = {sq_bind_null, sq_bind_int, sq_bind_real,
                                    sq_bind_text, sq_bind_blob};

static int sq_read_fields(void *stmt, int col, const ormc_field *f, int n,
                          void *obj, ormc_result *res, int *bad)
{
    return row_read(&sq_cols, stmt, col, f, n, obj, res, bad);
}

static int64_t sq_last_insert_id(void *conn)
{
    return sqlite3_last_insert_rowid(conn);
}

static int64_t sq_changes(void *conn)
{
#if SQLITE_VERSION_NUMBER >= 3037000
    return sqlite3_changes64(conn);
#else
    return sqlite3_changes(conn);
#endif
}

static bool sq_in_transaction(void *conn)
{
    return sqlite3_get_autocommit(conn) == 0;
}

static const char *sq_errmsg(void *conn)
{
    return conn ? sqlite3_errmsg(conn) : "out of memory";
}

static int sq_param_count(void *stmt)
{
    return sqlite3_bind_parameter_count(stmt);
}

static int sq_column_count(void *stmt) { return sqlite3_column_count(stmt); }

static const char *sq_column_name(void *stmt, int col)
{
    return sqlite3_column_name(stmt, col);
}

static size_t sq_sql_len(void *stmt)
{
    const char *sql = sqlite3_sql(stmt);
    return sql ? strlen(sql) : 0;
}

static int64_t sq_total_changes(void *conn)
{
#if SQLITE_VERSION_NUMBER >= 3037000
    return sqlite3_total_changes64(conn);
#else
    return sqlite3_total_changes(conn);
#endif
}

const ormc_backend ormc_sqlite_backend = {
    .name = "sqlite",
    .dialect = &ormc_sqlite_dialect,
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .reset_values = sq_reset_values,
    .bind_null = sq_bind_null,
    .bind_int = sq_bind_int,
    .bind_real = sq_bind_real,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_text_copy = sq_bind_text_copy,
    .bind_array = sq_bind_array,
    .step = sq_step,
    .column_is_null = sq_column_is_null,
    .column_int = sq_column_int,
    .column_real = sq_column_real,
    .column_text = sq_column_text,
    .column_blob = sq_column_blob,
    .last_insert_id = sq_last_insert_id,
    .changes = sq_changes,
    .in_transaction = sq_in_transaction,
    .errmsg = sq_errmsg,
    .param_count = sq_param_count,
    .column_count = sq_column_count,
    .column_name = sq_column_name,
    .sql_len = sq_sql_len,
    .total_changes = sq_total_changes,
    .read_fields = sq_read_fields,
    .cols = &sq_reader_cols,
    .binds = &sq_binds,
};
