/*
 * dialect_sqlite.c — SQLite's row of the dialect table (dialect.h).
 * Arrays: the backend's ormc_array table function (sqlite_array.c).
 * Patterns: GLOB for case-sensitive lookups (byte for byte; *, ? and [
 * escaped as [*], [?], [[]), LIKE for the case-insensitive ones (SQLite
 * folds ASCII letters only, which is ormc's definition of case; %, _ and
 * \ escaped with \).
 */
#include "ormc.h"
#include "dialect.h"

#include <string.h>

/* The wildcards around a value: contains *v*, startswith v*, endswith *v,
 * iexact v. */
static void ends(int op, bool *lead, bool *trail)
{
    *lead = op == ORMC_CONTAINS || op == ORMC_ENDSWITH ||
            op == ORMC_ICONTAINS || op == ORMC_IENDSWITH;
    *trail = op == ORMC_CONTAINS || op == ORMC_STARTSWITH ||
             op == ORMC_ICONTAINS || op == ORMC_ISTARTSWITH;
}

static size_t sqlite_pattern(int op, const char *v, size_t n, char *out)
{
    bool lead, trail, glob = op <= ORMC_ENDSWITH;
    ends(op, &lead, &trail);
    char any = glob ? '*' : '%';
    size_t k = 0;
    if (lead)
        out[k++] = any;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (glob && (c == '*' || c == '?' || c == '[')) {
            out[k++] = '[';
            out[k++] = c;
            out[k++] = ']';
        } else if (!glob && (c == '%' || c == '_' || c == '\\')) {
            out[k++] = '\\';
            out[k++] = c;
        } else {
            out[k++] = c;
        }
    }
    if (trail)
        out[k++] = any;
    out[k] = '\0';
    return k;
}

static size_t sqlite_pattern_size(size_t n) { return 3 * n + 3; }

const ormc_dialect ormc_sqlite_dialect = {
    .name = "sqlite",
    .quote = '"',
    .param = "?%d",
    .limit_offset = " LIMIT %s OFFSET %s",
    .limit = " LIMIT %s",
    .no_limit_null = false,
    .in_array = " IN (SELECT value FROM ormc_array(%s))",
    .not_in_array = " NOT IN (SELECT value FROM ormc_array(%s))",
    .array_rows = "SELECT value FROM ormc_array(%s)",
    /* SQLite's parser would take ON of ON CONFLICT for a join's */
    .insert_select_where = " WHERE true",
    .match = " GLOB %s",
    .imatch = " LIKE %s ESCAPE '\\'",
    .pattern = sqlite_pattern,
    .pattern_size = sqlite_pattern_size,
    .is_not_true = " IS NOT TRUE",
    .nulls_asc = "",
    .nulls_desc = "",
    .begin = "BEGIN IMMEDIATE",
    .commit = "COMMIT",
    .rollback = "ROLLBACK",
    .snapshot_begin = "SAVEPOINT ormc_fetch",
    .snapshot_end = "RELEASE ormc_fetch",
    .savepoint = "SAVEPOINT %s",
    .release = "RELEASE %s",
    .rollback_to = "ROLLBACK TO %s",
    .table_columns = "SELECT name, type, \"notnull\" FROM pragma_table_info(%s)",
    .types = {"INTEGER", "REAL", "INTEGER", "TEXT", "BLOB", "INTEGER"},
};
