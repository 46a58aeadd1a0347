/*
 * raw.c — SQL the application writes itself: ormc_exec, ormc_raw_exec,
 * ormc_raw_query, ormc_raw_fetch and the ormc_row accessors.
 *
 * Every call goes the same way: check the arguments and the values (no SQL
 * yet), look the statement up in the cache (prepared on first use, not yet
 * counted), check its shape (one statement, its parameter count, whether it
 * returns rows), then count, trace, bind and step it.  Values are only ever
 * bound, never written into the SQL text.
 */
#include "rows.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct ormc_row {
    ormc_db *db;
    void *stmt;
    int ncols;
    bool *nomem; /* set when a column could not be delivered */
};

/* ---- the text of a statement ---- */

/* Skips blanks, semicolons and SQL comments (-- to the end of the line,
 * slash-star to star-slash or the end) from s[i]; returns where the next
 * token starts (n if none). */
static size_t skip_blank(const char *s, size_t i, size_t n)
{
    while (i < n) {
        if (strchr(" \t\n\f\r;", s[i])) {
            i++;
        } else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            for (i += 2; i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/');)
                i++;
            i = i < n ? i + 2 : n;
        } else {
            break;
        }
    }
    return i;
}

/* Whether the statement s[0..n) is a PRAGMA (its first keyword). */
static bool is_pragma(const char *s, size_t n)
{
    size_t i = skip_blank(s, 0, n);
    static const char kw[] = "pragma";
    for (size_t k = 0; k < sizeof kw - 1; k++, i++)
        if (i >= n || (s[i] | 0x20) != kw[k])
            return false;
    return i == n || !(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
                       ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
                       (unsigned char)s[i] >= 0x80);
}

/* ---- values ---- */

/* Validates parameter i (from 0) as check_field validates a field: no
 * NaN, UTF-8 text, no blob size without data, a known tag.  Runs no SQL. */
static int check_value(ormc_db *db, const char *who, size_t i,
                       const ormc_value *v)
{
    switch (v->type) {
    case ORMC_T_NULL:
    case ORMC_T_INT:
    case ORMC_T_BOOL:
    case ORMC_T_DATETIME:
        return ORMC_OK;
    case ORMC_T_REAL:
        if (isnan(v->v.r))
            return db_fail(db, ORMC_INVALID,
                           "%s: parameter %zu: NaN cannot be stored", who,
                           i + 1);
        return ORMC_OK;
    case ORMC_T_TEXT:
        if (v->v.s &&
            utf8_chars((const unsigned char *)v->v.s, strlen(v->v.s)) < 0)
            return db_fail(db, ORMC_INVALID,
                           "%s: parameter %zu: text is not valid UTF-8", who,
                           i + 1);
        return ORMC_OK;
    case ORMC_T_BLOB:
        if (!v->v.b.data && v->v.b.size)
            return db_fail(db, ORMC_INVALID,
                           "%s: parameter %zu: blob has size %zu but no data",
                           who, i + 1, v->v.b.size);
        return ORMC_OK;
    default:
        return db_fail(db, ORMC_INVALID, "%s: parameter %zu: unknown type %u",
                       who, i + 1, (unsigned)v->type);
    }
}

/* Binds a value that passed check_value to parameter idx. */
static int bind_value(ormc_db *db, void *stmt, int idx, const ormc_value *v,
                      const char *who)
{
    const ormc_backend *be = db->be;
    int rc;
    switch (v->type) {
    case ORMC_T_INT:
    case ORMC_T_DATETIME: rc = be->bind_int(stmt, idx, v->v.i); break;
    case ORMC_T_BOOL: rc = be->bind_int(stmt, idx, v->v.t ? 1 : 0); break;
    case ORMC_T_REAL: rc = be->bind_real(stmt, idx, v->v.r); break;
    case ORMC_T_TEXT:
        rc = v->v.s ? be->bind_text(stmt, idx, v->v.s, strlen(v->v.s))
                    : be->bind_null(stmt, idx);
        break;
    case ORMC_T_BLOB:
        rc = v->v.b.data ? be->bind_blob(stmt, idx, v->v.b.data, v->v.b.size)
                         : be->bind_null(stmt, idx);
        break;
    default: rc = be->bind_null(stmt, idx); break;
    }
    return rc == ORMC_OK ? ORMC_OK : db_fail_backend(db, rc, who);
}

/* ---- one raw statement ---- */

/* Checks the arguments and values, then returns the cached statement for
 * `sql` (not counted yet) after checking that it is one statement with n
 * parameters; NULL after recording the error. */
static void *raw_lookup(ormc_db *db, const char *who, const char *sql,
                        const ormc_value *params, size_t n)
{
    size_t len = sql ? strlen(sql) : 0;
    if (skip_blank(sql, 0, len) == len) {
        db_fail(db, ORMC_INVALID, "%s: no SQL statement", who);
        return NULL;
    }
    if (n && !params) {
        db_fail(db, ORMC_INVALID, "%s: %zu parameters announced, params is "
                "NULL", who, n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (check_value(db, who, i, &params[i]) != ORMC_OK)
            return NULL;
    void *stmt = db_stmt_lookup(db, sql, len, who, NULL);
    if (!stmt)
        return NULL;
    size_t first = db->be->sql_len(stmt);
    int want = db->be->param_count(stmt);
    if (first && first < len && skip_blank(sql, first, len) < len)
        db_fail(db, ORMC_INVALID,
                "%s: more than one statement; run them one at a time", who);
    else if (want < 0 || (size_t)want != n)
        db_fail(db, ORMC_INVALID,
                "%s: the statement has %d parameter%s, %zu given", who, want,
                want == 1 ? "" : "s", n);
    else
        return stmt;
    return NULL;
}

/* Counts and traces the statement, then binds params.  On failure the
 * statement is reset and the error recorded. */
static int raw_start(ormc_db *db, const char *who, const char *sql,
                     void *stmt, const ormc_value *params, size_t n)
{
    db_stmt_again(db, sql);
    for (size_t i = 0; i < n; i++) {
        int rc = bind_value(db, stmt, (int)i + 1, &params[i], who);
        if (rc != ORMC_OK) {
            db_stmt_done(db, stmt);
            return rc;
        }
    }
    return ORMC_OK;
}

/* Records a failed step (or ORMC_NOMEM) as "who: ...". */
static int raw_fail_step(ormc_db *db, int rc, const char *who)
{
    return db_fail_backend(db, rc == ORMC_ROW || rc == ORMC_DONE ? ORMC_ERROR
                                                                 : rc,
                           who);
}

/* ormc_raw_exec under the name `who` (ormc_exec is "exec"). */
static int raw_exec(ormc_db *db, const char *who, const char *sql,
                    const ormc_value *params, size_t n, int64_t *changes)
{
    if (changes)
        *changes = 0;
    void *stmt = raw_lookup(db, who, sql, params, n);
    if (!stmt)
        return db->errcode;
    bool pragma = false;
    if (db->be->column_count(stmt) > 0 &&
        !(pragma = is_pragma(sql, strlen(sql)))) {
        db_stmt_done(db, stmt);
        return db_fail(db, ORMC_INVALID,
                       "%s: the statement returns rows; use ormc_raw_query "
                       "or ormc_raw_fetch",
                       who);
    }
    int rc = raw_start(db, who, sql, stmt, params, n);
    if (rc != ORMC_OK)
        return rc;
    int64_t before = db->be->total_changes(db->conn);
    while ((rc = db->be->step(stmt)) == ORMC_ROW && pragma)
        ; /* a PRAGMA's answer, discarded */
    if (rc != ORMC_DONE) {
        rc = raw_fail_step(db, rc, who);
    } else {
        rc = ORMC_OK;
        if (changes && db->be->total_changes(db->conn) != before)
            *changes = db->be->changes(db->conn);
        db_ok(db);
    }
    db_stmt_done(db, stmt);
    return rc;
}

int ormc_exec(ormc_db *db, const char *sql)
{
    return raw_exec(db, "exec", sql, NULL, 0, NULL);
}

int ormc_raw_exec(ormc_db *db, const char *sql, const ormc_value *params,
                  size_t n, int64_t *changes)
{
    return raw_exec(db, "raw_exec", sql, params, n, changes);
}

int ormc_raw_query(ormc_db *db, const char *sql, const ormc_value *params,
                   size_t n, ormc_row_fn fn, void *ctx)
{
    const char *who = "raw_query";
    if (!fn)
        return db_fail(db, ORMC_INVALID, "%s: no row callback", who);
    void *stmt = raw_lookup(db, who, sql, params, n);
    if (!stmt)
        return db->errcode;
    int rc = raw_start(db, who, sql, stmt, params, n);
    if (rc != ORMC_OK)
        return rc;
    bool nomem = false;
    ormc_row row = {db, stmt, db->be->column_count(stmt), &nomem};
    while ((rc = db->be->step(stmt)) == ORMC_ROW) {
        int stop = fn(ctx, &row);
        if (nomem || stop)
            break;
    }
    if (nomem)
        rc = db_fail(db, ORMC_NOMEM, "%s: out of memory", who);
    else if (rc == ORMC_ROW || rc == ORMC_DONE)
        rc = ORMC_OK;
    else
        rc = raw_fail_step(db, rc, who);
    if (rc == ORMC_OK)
        db_ok(db);
    db_stmt_done(db, stmt);
    return rc;
}

/* ---- raw_fetch ---- */

/* Refuses a NULL in a field of m that is not nullable (read_row would read
 * 0, or take a NULL text for out of memory). */
static int check_nulls(ormc_db *db, void *stmt, const ormc_model *m,
                       size_t row, const char *who)
{
    for (uint16_t i = 0; i < m->nfields; i++) {
        const ormc_field *f = &m->fields[i];
        if (!(f->flags & ORMC_F_NULLABLE) && db->be->column_is_null(stmt, i))
            return db_fail(db, ORMC_INVALID,
                           "%s: row %zu: column %u is NULL, but %s.%s is "
                           "not nullable",
                           who, row, (unsigned)i + 1, m->name, f->name);
    }
    return ORMC_OK;
}

/* "Blog.raw_fetch: the statement returns 2 columns, Blog has 6: id, ...". */
static int column_mismatch(ormc_db *db, const ormc_model *m, int got,
                           const char *who)
{
    char names[400];
    size_t len = 0;
    names[0] = '\0';
    for (uint16_t i = 0; i < m->nfields && len < sizeof names; i++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                i ? ", " : "", m->fields[i].name);
    return db_fail(db, ORMC_INVALID,
                   "%s: the statement returns %d column%s, %s has %u: %s",
                   who, got, got == 1 ? "" : "s", m->name,
                   (unsigned)m->nfields, names);
}

int ormc_raw_fetch(ormc_db *db, const ormc_model *m, const char *sql,
                   const ormc_value *params, size_t n, ormc_list *out)
{
    memset(out, 0, sizeof *out);
    char buf[WHAT_SIZE];
    const char *who = db_label(db, buf, m->name, ".raw_fetch", NULL);
    void *stmt = raw_lookup(db, who, sql, params, n);
    if (!stmt)
        return db->errcode;
    int ncols = db->be->column_count(stmt);
    if (ncols != (int)m->nfields) {
        db_stmt_done(db, stmt);
        return column_mismatch(db, m, ncols, who);
    }
    ormc_result *res = arena_new();
    if (!res) {
        db_stmt_done(db, stmt);
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", who);
    }
    int rc = raw_start(db, who, sql, stmt, params, n);
    bool recorded = rc != ORMC_OK; /* the error is already on db */
    vec v = {.size = m->size};
    while (!recorded && (rc = db->be->step(stmt)) == ORMC_ROW) {
        void *obj = vec_push(&v);
        if (!obj) {
            rc = ORMC_NOMEM;
            break;
        }
        if ((rc = check_nulls(db, stmt, m, v.n, who)) != ORMC_OK ||
            (rc = read_row(db, stmt, 0, m, obj, res)) != ORMC_OK) {
            recorded = rc != ORMC_NOMEM; /* read_row's is restated below */
            break;
        }
    }
    if (!recorded) {
        if (rc == ORMC_DONE)
            rc = ORMC_OK;
        else if (rc == ORMC_NOMEM) /* from step, vec_push or read_row */
            rc = db_fail(db, ORMC_NOMEM, "%s: out of memory", who);
        else
            rc = raw_fail_step(db, rc, who);
    }
    db_stmt_done(db, stmt);
    if (v.base)
        arena_adopt(res, v.base);
    if (rc != ORMC_OK) {
        ormc_result_free(res);
        return rc;
    }
    out->items = v.data;
    out->count = v.n;
    out->owner = res;
    db_ok(db);
    return ORMC_OK;
}

/* ---- ormc_row ---- */

static bool in_range(const ormc_row *row, int col)
{
    return col >= 0 && col < row->ncols;
}

int ormc_row_count(const ormc_row *row) { return row->ncols; }

const char *ormc_row_name(const ormc_row *row, int col)
{
    if (!in_range(row, col))
        return NULL;
    const char *name = row->db->be->column_name(row->stmt, col);
    if (!name)
        *row->nomem = true;
    return name;
}

bool ormc_row_is_null(const ormc_row *row, int col)
{
    return !in_range(row, col) || row->db->be->column_is_null(row->stmt, col);
}

int64_t ormc_row_int(const ormc_row *row, int col)
{
    return ormc_row_is_null(row, col) ? 0
                                      : row->db->be->column_int(row->stmt, col);
}

double ormc_row_real(const ormc_row *row, int col)
{
    return ormc_row_is_null(row, col)
               ? 0.0
               : row->db->be->column_real(row->stmt, col);
}

const char *ormc_row_text(const ormc_row *row, int col, size_t *len)
{
    size_t n = 0;
    const char *s = NULL;
    if (!ormc_row_is_null(row, col)) {
        s = row->db->be->column_text(row->stmt, col, &n);
        if (!s) { /* not NULL, yet not delivered: out of memory */
            *row->nomem = true;
            n = 0;
        }
    }
    if (len)
        *len = n;
    return s;
}

ormc_blob ormc_row_blob(const ormc_row *row, int col)
{
    ormc_blob b = {NULL, 0};
    if (!ormc_row_is_null(row, col)) {
        b.data = row->db->be->column_blob(row->stmt, col, &b.size);
        if (!b.data) { /* the backend's NULL for an empty blob */
            b.data = "";
            b.size = 0;
        }
    }
    return b;
}
