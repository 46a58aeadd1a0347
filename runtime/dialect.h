/*
 * dialect.h — how one database engine spells SQL, as data: sql.c renders
 * every query statement from the query's structure and asks this table
 * for the engine's words.  A backend points at its dialect; adding an
 * engine means filling one more table, not editing the renderer.
 * Internal: not included by generated code.
 */
#ifndef ORMC_DIALECT_H
#define ORMC_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ormc_dialect {
    const char *name;
    /* Identifier quote character; an embedded one is doubled. */
    char quote;
    /* printf format of parameter number n (from 1): "?%d", "$%d". */
    const char *param;
    /* " LIMIT %s OFFSET %s" with the two parameters' placeholders; the
     * value bound for "no limit" is -1 (no_limit_null false) or NULL.
     * " LIMIT %s" alone for a window without an offset. */
    const char *limit_offset, *limit;
    bool no_limit_null;
    /* "value IN array-parameter" and its negation, printf formats taking
     * the parameter's placeholder (backend bind_array binds it). */
    const char *in_array, *not_in_array;
    /* The rows of an array parameter as a SELECT of one column, a format
     * taking the placeholder (INSERT ... SELECT ?1, value FROM ...). */
    const char *array_rows;
    /* What INSERT ... SELECT needs before ON CONFLICT ("" if nothing). */
    const char *insert_select_where;
    /* Case-sensitive and ASCII-case-insensitive pattern matches: formats
     * taking the placeholder; the pattern is built by `pattern`. */
    const char *match, *imatch;
    /* Writes the pattern of lookup `op` (ORMC_CONTAINS ... ORMC_IENDSWITH)
     * for value v into out (room for pattern_size(n) bytes, NUL added);
     * returns its length.  Every character of v matches itself. */
    size_t (*pattern)(int op, const char *v, size_t n, char *out);
    size_t (*pattern_size)(size_t n);
    /* Postfix that makes a boolean expression true only when it is TRUE
     * (not FALSE, not NULL), negated: " IS NOT TRUE". */
    const char *is_not_true;
    /* Appended to an ORDER BY term so NULLs come first ascending and last
     * descending on every engine ("" where that is the default). */
    const char *nulls_asc, *nulls_desc;
    /* Transaction control and the read snapshot of a multi-statement
     * fetch (a savepoint where a deferred transaction gives one). */
    const char *begin, *commit, *rollback;
    const char *snapshot_begin, *snapshot_end;
    const char *savepoint, *release, *rollback_to; /* formats: a name */
    /* A savepoint needs an open transaction (PostgreSQL): outside one,
     * the runtime begins one with the savepoint and ends it with the
     * savepoint's release or undo, as SQLite does by itself. */
    bool savepoint_needs_tx;
    /* INSERT reports the new id as a row (RETURNING "id"), not through
     * the backend's last_insert_id. */
    bool insert_returning;
    /* The sum of an integer column as a 64-bit integer that fails on
     * overflow, a format taking the column (NULL: "SUM(%s)" is). */
    const char *sum_int;
    /* The average of an integer column as a double, a format taking the
     * column (NULL: "AVG(%s)" is one). */
    const char *avg_int;
    /* A per-parent limit is a LATERAL subquery, not IN (subquery). */
    bool lateral;
    /* The columns of a table, one row each: name, declared type, 1 when
     * NOT NULL; no rows when there is no such table.  A format taking the
     * placeholder of the table's name (schema.c). */
    const char *table_columns;
    /* The declared type of a column of each ormc_type, as table_columns
     * reports it. */
    const char *types[6];
} ormc_dialect;

/* SQLite's: ?N, LIMIT -1, ormc_array for arrays, GLOB and LIKE patterns,
 * BEGIN IMMEDIATE, a savepoint as the snapshot. */
extern const ormc_dialect ormc_sqlite_dialect;
/* PostgreSQL's: $N, LIMIT NULL, = ANY($N) for arrays, LIKE and ILIKE,
 * NULLS FIRST/LAST spelled out, a repeatable-read read-only transaction
 * as the snapshot, RETURNING for new ids. */
extern const ormc_dialect ormc_pg_dialect;

#endif
