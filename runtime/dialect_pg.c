/*
 * dialect_pg.c — PostgreSQL's row of the dialect table (dialect.h).
 * Arrays: one array parameter, `= ANY($1)` / `<> ALL($1)` (its element
 * type is the compared column's).  Patterns: LIKE for the case-sensitive
 * lookups and ILIKE for the others, both with \ escaping %, _ and \.
 * Text columns are created COLLATE "C" (gen_source.c), so comparisons and
 * orders are byte order as on SQLite, and ILIKE folds ASCII letters only,
 * ormc's definition of case.  NULLs sort first ascending and last
 * descending, as on SQLite.
 */
#include "ormc.h"
#include "dialect.h"

#include <string.h>

static size_t pg_pattern(int op, const char *v, size_t n, char *out)
{
    bool lead = op == ORMC_CONTAINS || op == ORMC_ENDSWITH ||
                op == ORMC_ICONTAINS || op == ORMC_IENDSWITH;
    bool trail = op == ORMC_CONTAINS || op == ORMC_STARTSWITH ||
                 op == ORMC_ICONTAINS || op == ORMC_ISTARTSWITH;
    size_t k = 0;
    if (lead)
        out[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '%' || v[i] == '_' || v[i] == '\\')
            out[k++] = '\\';
        out[k++] = v[i];
    }
    if (trail)
        out[k++] = '%';
    out[k] = '\0';
    return k;
}

static size_t pg_pattern_size(size_t n) { return 2 * n + 3; }

const ormc_dialect ormc_pg_dialect = {
    .name = "postgresql",
    .quote = '"',
    .param = "$%d",
    .limit_offset = " LIMIT %s OFFSET %s",
    .limit = " LIMIT %s",
    .no_limit_null = true,
    .in_array = " = ANY(%s)",
    .not_in_array = " <> ALL(%s)",
    .array_rows = "SELECT unnest(CAST(%s AS BIGINT[])) AS value",
    .insert_select_where = "",
    .match = " LIKE %s",
    .imatch = " ILIKE %s",
    .pattern = pg_pattern,
    .pattern_size = pg_pattern_size,
    .is_not_true = " IS NOT TRUE",
    .nulls_asc = " NULLS FIRST",
    .nulls_desc = " NULLS LAST",
    .begin = "BEGIN",
    .commit = "COMMIT",
    .rollback = "ROLLBACK",
    .snapshot_begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    .snapshot_end = "COMMIT",
    .savepoint = "SAVEPOINT %s",
    .release = "RELEASE %s",
    .rollback_to = "ROLLBACK TO %s",
    .savepoint_needs_tx = true,
    .insert_returning = true,
    /* SUM(bigint) is numeric: no overflow, but no int64 either */
    .sum_int = "CAST(SUM(%s) AS BIGINT)",
    /* AVG(bigint) is numeric, which would keep the whole statement's
     * rows in text form (ormc_pg.c); the cast is numeric's text read by
     * float8's input, the double the client would read from that text */
    .avg_int = "CAST(AVG(%s) AS DOUBLE PRECISION)",
    .lateral = true,
    .table_columns =
        "SELECT column_name, data_type, CASE is_nullable WHEN 'NO' THEN 1 "
        "ELSE 0 END FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = %s ORDER BY ordinal_position",
    .types = {"bigint", "double precision", "boolean", "text", "bytea",
              "bigint"},
};
