/*
 * sqlite_array.c — the SQLite backend's array parameter: a table-valued
 * function ormc_array(?N) whose one parameter is bound as a pointer
 * (sqlite3_bind_pointer) to the caller's C array, so
 *     x IN (SELECT value FROM ormc_array(?1))
 * is one statement for any number of values, with no per-value parameter
 * and no copy: the rows are read straight from the query's borrowed array
 * (ints, reals or texts).  The same idea as SQLite's carray extension,
 * which Debian's libsqlite3 does not build in.  Part of the SQLite
 * backend, so it may include sqlite3.h.
 */
#include "sqlite_array.h"

#include <string.h>

/* What a bound ormc_array parameter points to (freed by SQLite with
 * sqlite3_free when the binding goes). */
typedef struct array_ref {
    int type;       /* ORMC_T_INT, ORMC_T_REAL or ORMC_T_TEXT */
    const void *v;  /* int64_t[], double[] or const char *[] */
    size_t n;
} array_ref;

#define ARRAY_TAG "ormc_array"

typedef struct array_cursor {
    sqlite3_vtab_cursor base;
    const array_ref *a; /* NULL: no rows */
    size_t i;
} array_cursor;

enum { COL_VALUE, COL_ARRAY };

static int array_connect(sqlite3 *db, void *aux, int argc,
                         const char *const *argv, sqlite3_vtab **out,
                         char **err)
{
    (void)aux, (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(value, arr HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_vtab *t = sqlite3_malloc(sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    *out = t;
    return SQLITE_OK;
}

static int array_disconnect(sqlite3_vtab *t)
{
    sqlite3_free(t);
    return SQLITE_OK;
}

/* The one plan: the array given as arr = ?; without it, no plan. */
static int array_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
    (void)t;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn == COL_ARRAY && c->op == SQLITE_INDEX_CONSTRAINT_EQ &&
            c->usable) {
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->estimatedCost = 10;
            info->estimatedRows = 100;
            info->idxNum = 1;
            return SQLITE_OK;
        }
    }
    return SQLITE_CONSTRAINT;
}

static int array_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
    (void)t;
    array_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int array_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int array_filter(sqlite3_vtab_cursor *cur, int idx, const char *s,
                        int argc, sqlite3_value **argv)
{
    (void)s;
    array_cursor *c = (array_cursor *)cur;
    c->a = idx == 1 && argc == 1
               ? sqlite3_value_pointer(argv[0], ARRAY_TAG)
               : NULL;
    c->i = 0;
    return SQLITE_OK;
}

static int array_next(sqlite3_vtab_cursor *cur)
{
    ((array_cursor *)cur)->i++;
    return SQLITE_OK;
}

static int array_eof(sqlite3_vtab_cursor *cur)
{
    const array_cursor *c = (const array_cursor *)cur;
    return !c->a || c->i >= c->a->n;
}

static int array_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx,
                        int col)
{
    const array_cursor *c = (const array_cursor *)cur;
    if (col != COL_VALUE) {
        sqlite3_result_null(ctx);
        return SQLITE_OK;
    }
    switch (c->a->type) {
    case ORMC_T_REAL:
        sqlite3_result_double(ctx, ((const double *)c->a->v)[c->i]);
        break;
    case ORMC_T_TEXT:
        sqlite3_result_text(ctx, ((const char *const *)c->a->v)[c->i], -1,
                            SQLITE_STATIC);
        break;
    default:
        sqlite3_result_int64(ctx, ((const int64_t *)c->a->v)[c->i]);
    }
    return SQLITE_OK;
}

static int array_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((const array_cursor *)cur)->i + 1;
    return SQLITE_OK;
}

/* Eponymous only (no xCreate): used as ormc_array(?), never created. */
static const sqlite3_module ARRAY_MODULE = {
    .iVersion = 0,
    .xConnect = array_connect,
    .xBestIndex = array_best_index,
    .xDisconnect = array_disconnect,
    .xOpen = array_open,
    .xClose = array_close,
    .xFilter = array_filter,
    .xNext = array_next,
    .xEof = array_eof,
    .xColumn = array_column,
    .xRowid = array_rowid,
};

int sqlite_array_register(sqlite3 *db)
{
    return sqlite3_create_module_v2(db, ARRAY_TAG, &ARRAY_MODULE, NULL, NULL);
}

int sqlite_array_bind(sqlite3_stmt *stmt, int idx, int type, const void *v,
                      size_t n)
{
    array_ref *a = sqlite3_malloc(sizeof *a);
    if (!a)
        return SQLITE_NOMEM;
    a->type = type;
    a->v = v;
    a->n = v ? n : 0;
    /* SQLite frees `a` when the binding goes, or at once on failure */
    return sqlite3_bind_pointer(stmt, idx, a, ARRAY_TAG, sqlite3_free);
}
