/*
 * ormc_backend.h — the one narrow interface between the ormc runtime and a
 * database engine.  The SQLite backend (ormc_sqlite.c) is the only file that
 * includes sqlite3.h; a PostgreSQL backend would implement this same table.
 * Tests wrap a backend to inject faults (fail the Nth prepare/step/bind).
 *
 * Conventions: statements use the dialect's placeholders, numbered from 1.
 * Functions that can fail return an ormc_status; step returns ORMC_ROW or
 * ORMC_DONE on success.  After a failure, errmsg(conn) describes it.
 */
#ifndef ORMC_BACKEND_H
#define ORMC_BACKEND_H

#include "ormc.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "dialect.h"

#define ORMC_ROW 100
#define ORMC_DONE 101

typedef struct ormc_backend {
    const char *name;
    /* How the runtime spells SQL for this engine (dialect.h). */
    const ormc_dialect *dialect;
    /* Opens `path`; on failure may still set *conn (for errmsg) or NULL. */
    int (*open)(const char *path, void **conn);
    void (*close)(void *conn);
    /* Runs SQL without parameters or rows. */
    int (*exec)(void *conn, const char *sql);
    int (*prepare)(void *conn, const char *sql, size_t len, void **stmt);
    void (*finalize)(void *stmt);
    /* Resets a statement for re-execution and clears its bindings. */
    void (*reset)(void *stmt);
    /* Resets a statement and keeps its bindings, for a statement whose
     * parameters were all bound by value (int, real, null: no borrowed
     * text, blob or array) and which the next run binds in full; saves
     * the clearing on a hot path.  NULL: reset serves. */
    void (*reset_values)(void *stmt);
    int (*bind_null)(void *stmt, int idx);
    int (*bind_int)(void *stmt, int idx, int64_t v);
    int (*bind_real)(void *stmt, int idx, double v);
    /* text and blob are copied by the backend only if it needs to; the
     * caller keeps them alive until the statement is reset. */
    int (*bind_text)(void *stmt, int idx, const char *v, size_t n);
    int (*bind_blob)(void *stmt, int idx, const void *v, size_t n);
    /* Binds text the backend copies at once (the caller may free v as
     * soon as this returns). */
    int (*bind_text_copy)(void *stmt, int idx, const char *v, size_t n);
    /* Binds the array v[0..n) of `type` (ORMC_T_INT: int64_t, ORMC_T_REAL:
     * double, ORMC_T_TEXT: const char *, none NULL) as the one parameter
     * of the dialect's in_array expression.  The array is borrowed: it
     * lives until the statement is reset (the query's values do). */
    int (*bind_array)(void *stmt, int idx, int type, const void *v,
                      size_t n);
    int (*step)(void *stmt);
    bool (*column_is_null)(void *stmt, int col);
    int64_t (*column_int)(void *stmt, int col);
    double (*column_real)(void *stmt, int col);
    /* Pointer valid until the next step/reset; *n = length in bytes.
     * column_text returns NULL for a NULL value (as sqlite3_column_text
     * does), and for another only when memory ran out; column_blob
     * returns NULL for an empty blob or a NULL. */
    const char *(*column_text)(void *stmt, int col, size_t *n);
    const void *(*column_blob)(void *stmt, int col, size_t *n);
    int64_t (*last_insert_id)(void *conn);
    int64_t (*changes)(void *conn);
    /* True while a transaction is open on conn (the engine's own view, so
     * a transaction the engine rolled back by itself reads as closed). */
    bool (*in_transaction)(void *conn);
    const char *(*errmsg)(void *conn);
    /* The shape of a prepared statement, for SQL the application wrote
     * (runtime/raw.c).  param_count: the number of parameters (the largest
     * index when they are numbered); column_count: the number of result
     * columns, 0 for a statement that returns no rows; column_name: the
     * name of result column `col`, NULL only when memory ran out;
     * sql_len: the bytes of the given text the statement was compiled from
     * (where a text holding several statements ends the first one), 0 if
     * unknown. */
    int (*param_count)(void *stmt);
    int (*column_count)(void *stmt);
    const char *(*column_name)(void *stmt, int col);
    size_t (*sql_len)(void *stmt);
    /* Rows inserted, updated or deleted on conn since it was opened,
     * counting those of triggers and foreign-key actions: a statement that
     * leaves it unchanged changed no rows (`changes` would still report
     * the last INSERT/UPDATE/DELETE's). */
    int64_t (*total_changes)(void *conn);
    /* Opens the connection again after it was lost (a new session: the
     * runtime has finalized every statement first).  NULL: there is
     * nothing to reopen (SQLite's file). */
    int (*reconnect)(void *conn);
    /* Reads the n fields f[0..n) from columns col, col+1, ... of the
     * current row into the zeroed obj, copying text and blobs into res:
     * row_read.h's loop over this backend's own column functions, called
     * directly.  Returns ORMC_OK, ORMC_NOMEM, or ORMC_ERROR with *bad the
     * index of a NOT NULL text or blob field holding NULL.  NULL: the
     * runtime runs the same loop through the column functions above (a
     * test's wrapped backend, whose faults hit single column reads). */
    int (*read_fields)(void *stmt, int col, const ormc_field *f, int n,
                       void *obj, ormc_result *res, int *bad);
    /* The column functions above as one table, handed to a model's
     * generated row reader (ormc_model.read), which then calls them per
     * column.  NULL: rows are read by read_fields (or its loop over the
     * functions above) even for a model with a reader. */
    const ormc_cols *cols;
    /* The bind functions above as one table, handed to a model's generated
     * binder (ormc_model.bind).  NULL: fields are bound one by one through
     * bind_* even for a model with a binder. */
    const ormc_binds *binds;
    /* After a step that returned a row: the rows still to come, this one
     * included, so a fetch sizes its array once.  NULL: not known before
     * they are stepped (SQLite). */
    size_t (*rows_left)(void *stmt);
    /* With rows_left: reads the n fields f[0..n) from columns col,
     * col+1, ... of `rows` rows, the current one and those after it, into
     * the zeroed objects at obj, obj + stride, ... (as read_fields reads
     * one row); the current row stays where it was.  Returns ORMC_OK, ORMC_NOMEM,
     * or ORMC_ERROR with *bad_row the row (0: the current one) and *bad
     * the field index of a NOT NULL text or blob holding NULL: the first
     * failure in row order, as read_fields row by row finds it.  What
     * the fields' types and the columns' kinds decide is decided once per
     * call, not once per value.
     * NULL: rows are read one at a time (read_fields or cols). */
    int (*read_rows)(void *stmt, int col, const ormc_field *f, int n,
                     char *obj, size_t stride, size_t rows, ormc_result *res,
                     size_t *bad_row, int *bad);
    /* With read_rows: moves the current row n rows on (fewer than
     * rows_left), as n steps would, for rows read_rows has read.  NULL:
     * the runtime steps. */
    void (*skip_rows)(void *stmt, size_t n);
    /* Binds the n fields f[0..n) of obj (validated) to parameters idx,
     * idx+1, ...: row_read.h's row_bind for each, with what the fields'
     * and the parameters' types decide settled in the loop rather than by
     * a call per value.  Returns status as the bind_* functions do.
     * NULL: the model's generated binder (binds) or row_bind over bind_*
     * binds them. */
    int (*bind_fields)(void *stmt, int idx, const ormc_field *f, int n,
                       const void *obj);
} ormc_backend;

/* The embedded SQLite backend. */
extern const ormc_backend ormc_sqlite_backend;
/* The PostgreSQL backend (libpq); opening fails with a message saying so
 * when the runtime was built without libpq. */
extern const ormc_backend ormc_pg_backend;
/* PostgreSQL with read replicas (ormc_open_replicas): its open takes the
 * connection strings joined by newlines, the primary's first. */
extern const ormc_backend ormc_pg_router_backend;

/* Like ormc_open, through `backend` (tests pass a fault-injecting copy). */
int ormc_open_backend(const char *path, const ormc_backend *backend,
                      ormc_db **out);

#ifdef __cplusplus
}
#endif
#endif /* ORMC_BACKEND_H */
