/*
 * ormc_pg.c — the PostgreSQL backend: the only file of ormc that includes
 * libpq-fe.h.  It maps ormc_backend onto libpq:
 *
 *   prepare   a named server-side statement per cached statement
 *             (PQprepare + PQdescribePrepared: two round trips, once per
 *             statement text per connection; finalize DEALLOCATEs it)
 *   bind      parameters collected on the client: integers and reals as
 *             text (the server parses them into the type it inferred),
 *             text and blobs in binary form (sent as they are, no
 *             escaping, no copy), arrays as one array literal
 *   step      the first step runs the statement (PQexecPrepared, one round
 *             trip) and holds all its rows; later steps walk them
 *   columns   read from the text form of the result: integers and reals
 *             parsed, booleans 't'/'f', bytea decoded from hex
 *
 * Errors map by SQLSTATE: class 23 (integrity) is ORMC_CONSTRAINT,
 * serialization failures, deadlocks and lock timeouts ORMC_BUSY, out of
 * memory ORMC_NOMEM, the rest (a data exception such as an overflow
 * included: ORMC_INVALID is for what the runtime refuses before SQL)
 * ORMC_ERROR.  A lost connection is ORMC_ERROR with a message saying so.
 *
 * Built only with libpq (ORMC_HAVE_PG); without it, opening a PostgreSQL
 * connection string fails with a message saying how to get it.
 */
#include "internal.h"

#include <stdlib.h>

#ifdef ORMC_HAVE_PG

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct pg_conn {
    PGconn *pg;
    unsigned next_name;
    int64_t changes, total_changes;
    char err[512]; /* the last error, "" if none */
} pg_conn;

/* One parameter: a value the statement points at. */
typedef struct pg_param {
    const char *v;
    int len, fmt;
    char num[32]; /* an integer's or real's text */
    char *own;    /* a copy the statement owns (bind_text_copy, arrays) */
} pg_param;

typedef struct pg_stmt {
    pg_conn *c;
    char name[24];
    int nparams, ncols;
    pg_param *p;
    const char **values;
    int *lengths, *formats;
    PGresult *desc; /* PQdescribePrepared's: column names */
    PGresult *res;  /* the rows of the current execution */
    int row, nrows;
    bool ran;
    unsigned char *blob; /* the last decoded bytea */
    size_t blob_cap;
    size_t sql_len;
} pg_stmt;

static void set_err(pg_conn *c, const char *msg)
{
    snprintf(c->err, sizeof c->err, "%s", msg ? msg : "unknown error");
    /* libpq's messages end with a newline (and may carry a DETAIL line):
     * the first line is the message */
    char *nl = strchr(c->err, '\n');
    if (nl)
        *nl = '\0';
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        size_t n = strlen(c->err);
        snprintf(c->err + n, sizeof c->err - n,
                 "%sthe connection to the server is lost",
                 n ? ": " : "");
    }
}

/* The ormc_status of a failed result (NULL: the connection's error). */
static int map_result(pg_conn *c, PGresult *r)
{
    if (!r) {
        set_err(c, PQerrorMessage(c->pg));
        return PQstatus(c->pg) == CONNECTION_BAD ? ORMC_ERROR : ORMC_NOMEM;
    }
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    set_err(c, msg ? msg : PQresultErrorMessage(r));
    if (!state)
        return ORMC_ERROR;
    if (strncmp(state, "23", 2) == 0)
        return ORMC_CONSTRAINT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0)
        return ORMC_BUSY;
    if (strcmp(state, "53200") == 0)
        return ORMC_NOMEM;
    return ORMC_ERROR;
}

/* Discards NOTICE messages (e.g. "identifier will be truncated") instead
 * of libpq's default of printing them on stderr. */
static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int pg_open(const char *info, void **conn)
{
    pg_conn *c = ormc_malloc(sizeof *c);
    *conn = c;
    if (!c)
        return ORMC_NOMEM;
    memset(c, 0, sizeof *c);
    c->pg = PQconnectdb(info);
    if (!c->pg)
        return ORMC_NOMEM;
    if (PQstatus(c->pg) != CONNECTION_OK) {
        snprintf(c->err, sizeof c->err, "%s", PQerrorMessage(c->pg));
        char *nl = strchr(c->err, '\n');
        if (nl)
            *nl = '\0';
        return ORMC_ERROR;
    }
    PQsetNoticeProcessor(c->pg, quiet, NULL);
    /* ormc's text is UTF-8, whatever the server's locale */
    if (PQsetClientEncoding(c->pg, "UTF8") != 0) {
        set_err(c, PQerrorMessage(c->pg));
        return ORMC_ERROR;
    }
    return ORMC_OK;
}

static void pg_close(void *conn)
{
    pg_conn *c = conn;
    if (!c)
        return;
    if (c->pg)
        PQfinish(c->pg);
    ormc_free(c);
}

/* The rows a finished INSERT/UPDATE/DELETE/MERGE changed, as SQLite
 * counts them (a SELECT's row count is not a change). */
static void count_changes(pg_conn *c, PGresult *r)
{
    const char *cmd = PQcmdStatus(r), *n = PQcmdTuples(r);
    if (!cmd || (strncmp(cmd, "INSERT", 6) != 0 &&
                 strncmp(cmd, "UPDATE", 6) != 0 &&
                 strncmp(cmd, "DELETE", 6) != 0 &&
                 strncmp(cmd, "MERGE", 5) != 0))
        return;
    if (n && *n) {
        c->changes = strtoll(n, NULL, 10);
        c->total_changes += c->changes;
    }
}

static int pg_exec(void *conn, const char *sql)
{
    pg_conn *c = conn;
    PGresult *r = PQexec(c->pg, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = ORMC_OK;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        count_changes(c, r);
    else
        rc = map_result(c, r);
    PQclear(r);
    return rc;
}

static void clear_params(pg_stmt *s)
{
    for (int i = 0; i < s->nparams; i++) {
        ormc_free(s->p[i].own);
        s->p[i].own = NULL;
        s->values[i] = NULL;
        s->lengths[i] = 0;
        s->formats[i] = 0;
    }
}

static void pg_finalize(void *stmt)
{
    pg_stmt *s = stmt;
    if (!s)
        return;
    PQclear(s->res);
    PQclear(s->desc);
    if (s->nparams)
        clear_params(s);
    if (s->c && PQstatus(s->c->pg) == CONNECTION_OK &&
        PQtransactionStatus(s->c->pg) != PQTRANS_INERROR) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        PQclear(PQexec(s->c->pg, sql));
    }
    ormc_free(s->p);
    ormc_free(s->values);
    ormc_free(s->lengths);
    ormc_free(s->formats);
    ormc_free(s->blob);
    ormc_free(s);
}

static int pg_prepare(void *conn, const char *sql, size_t len, void **stmt)
{
    pg_conn *c = conn;
    *stmt = NULL;
    /* the text must end at len: the runtime's always does */
    char *text = ormc_malloc(len + 1);
    if (!text)
        return ORMC_NOMEM;
    memcpy(text, sql, len);
    text[len] = '\0';
    pg_stmt *s = ormc_malloc(sizeof *s);
    if (!s) {
        ormc_free(text);
        return ORMC_NOMEM;
    }
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "ormc_%u", ++c->next_name);
    s->sql_len = len;
    PGresult *r = PQprepare(c->pg, s->name, text, 0, NULL);
    ormc_free(text);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = map_result(c, r);
        PQclear(r);
        ormc_free(s);
        return rc;
    }
    PQclear(r);
    s->c = c; /* from here on, finalize deallocates it */
    s->desc = PQdescribePrepared(c->pg, s->name);
    if (!s->desc || PQresultStatus(s->desc) != PGRES_COMMAND_OK) {
        int rc = map_result(c, s->desc);
        pg_finalize(s);
        return rc;
    }
    s->nparams = PQnparams(s->desc);
    s->ncols = PQnfields(s->desc);
    if (s->nparams) {
        size_t n = (size_t)s->nparams;
        s->p = ormc_malloc(n * sizeof *s->p);
        s->values = ormc_malloc(n * sizeof *s->values);
        s->lengths = ormc_malloc(n * sizeof *s->lengths);
        s->formats = ormc_malloc(n * sizeof *s->formats);
        if (!s->p || !s->values || !s->lengths || !s->formats) {
            ormc_free(s->p);
            s->p = NULL;
            s->nparams = 0;
            pg_finalize(s);
            return ORMC_NOMEM;
        }
        memset(s->p, 0, n * sizeof *s->p);
        clear_params(s);
    }
    *stmt = s;
    return ORMC_OK;
}

static void pg_reset(void *stmt)
{
    pg_stmt *s = stmt;
    PQclear(s->res);
    s->res = NULL;
    s->ran = false;
    s->row = s->nrows = 0;
    clear_params(s);
}

/* The parameter idx (from 1), or NULL when out of range. */
static pg_param *param(pg_stmt *s, int idx)
{
    if (idx < 1 || idx > s->nparams)
        return NULL;
    pg_param *p = &s->p[idx - 1];
    ormc_free(p->own);
    p->own = NULL;
    return p;
}

/* Points parameter idx at p's value. */
static int set_param(pg_stmt *s, int idx, const char *v, int len, int fmt)
{
    s->values[idx - 1] = v;
    s->lengths[idx - 1] = len;
    s->formats[idx - 1] = fmt;
    return ORMC_OK;
}

static int pg_bind_null(void *stmt, int idx)
{
    pg_stmt *s = stmt;
    if (!param(s, idx))
        return ORMC_INVALID;
    return set_param(s, idx, NULL, 0, 0);
}

/* The decimal digits of v, written backwards from end; returns the start. */
static char *put_int(char *end, int64_t v)
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    *--end = '\0';
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--end = '-';
    return end;
}

static int pg_bind_int(void *stmt, int idx, int64_t v)
{
    pg_stmt *s = stmt;
    pg_param *p = param(s, idx);
    if (!p)
        return ORMC_INVALID;
    return set_param(s, idx, put_int(p->num + sizeof p->num, v), 0, 0);
}

/* v's text, read back exactly by the server's float8 input. */
static void real_text(char *out, size_t n, double v)
{
    if (isnan(v))
        snprintf(out, n, "NaN");
    else if (isinf(v))
        snprintf(out, n, v < 0 ? "-Infinity" : "Infinity");
    else
        snprintf(out, n, "%.17g", v);
}

static int pg_bind_real(void *stmt, int idx, double v)
{
    pg_stmt *s = stmt;
    pg_param *p = param(s, idx);
    if (!p)
        return ORMC_INVALID;
    real_text(p->num, sizeof p->num, v);
    return set_param(s, idx, p->num, 0, 0);
}

static int pg_bind_text(void *stmt, int idx, const char *v, size_t n)
{
    pg_stmt *s = stmt;
    if (!param(s, idx) || n > INT32_MAX)
        return ORMC_INVALID;
    /* binary form of text: the bytes themselves (v needs no NUL) */
    return set_param(s, idx, v, (int)n, 1);
}

static int pg_bind_blob(void *stmt, int idx, const void *v, size_t n)
{
    pg_stmt *s = stmt;
    if (!param(s, idx) || n > INT32_MAX)
        return ORMC_INVALID;
    return set_param(s, idx, n ? v : "", (int)n, 1);
}

static int pg_bind_text_copy(void *stmt, int idx, const char *v, size_t n)
{
    pg_stmt *s = stmt;
    pg_param *p = param(s, idx);
    if (!p || n > INT32_MAX)
        return ORMC_INVALID;
    p->own = ormc_malloc(n ? n : 1);
    if (!p->own)
        return ORMC_NOMEM;
    memcpy(p->own, v, n);
    return set_param(s, idx, p->own, (int)n, 1);
}

/* A growable text buffer for an array literal. */
typedef struct lit {
    char *s;
    size_t n, cap;
    bool oom;
} lit;

static void lit_put(lit *l, const char *s, size_t n)
{
    if (l->oom)
        return;
    if (l->n + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 64;
        while (cap < l->n + n + 1)
            cap *= 2;
        char *p = ormc_realloc(l->s, cap);
        if (!p) {
            l->oom = true;
            return;
        }
        l->s = p;
        l->cap = cap;
    }
    memcpy(l->s + l->n, s, n);
    l->n += n;
    l->s[l->n] = '\0';
}

/* The array v[0..n) as one array literal: {1,2,3}, {"a","b\"c"}. */
static int pg_bind_array(void *stmt, int idx, int type, const void *v,
                         size_t n)
{
    pg_stmt *s = stmt;
    pg_param *p = param(s, idx);
    if (!p)
        return ORMC_INVALID;
    lit l = {0};
    lit_put(&l, "{", 1);
    char num[40];
    for (size_t i = 0; i < n && !l.oom; i++) {
        if (i)
            lit_put(&l, ",", 1);
        if (type == ORMC_T_REAL) {
            real_text(num, sizeof num, ((const double *)v)[i]);
            lit_put(&l, num, strlen(num));
        } else if (type == ORMC_T_TEXT) {
            const char *t = ((const char *const *)v)[i];
            lit_put(&l, "\"", 1);
            for (const char *q = t; *q; q++) {
                size_t run = strcspn(q, "\"\\");
                lit_put(&l, q, run);
                q += run;
                if (!*q)
                    break;
                lit_put(&l, "\\", 1);
                lit_put(&l, q, 1);
            }
            lit_put(&l, "\"", 1);
        } else {
            const char *d = put_int(num + sizeof num, ((const int64_t *)v)[i]);
            lit_put(&l, d, strlen(d));
        }
    }
    lit_put(&l, "}", 1);
    if (l.oom) {
        ormc_free(l.s);
        return ORMC_NOMEM;
    }
    p->own = l.s;
    return set_param(s, idx, p->own, 0, 0);
}

static int pg_step(void *stmt)
{
    pg_stmt *s = stmt;
    if (!s->ran) {
        s->ran = true;
        pg_conn *c = s->c;
        s->res = PQexecPrepared(c->pg, s->name, s->nparams, s->values,
                                s->lengths, s->formats, 0);
        ExecStatusType st = s->res ? PQresultStatus(s->res)
                                   : PGRES_FATAL_ERROR;
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            int rc = map_result(c, s->res);
            PQclear(s->res);
            s->res = NULL;
            return rc;
        }
        count_changes(c, s->res);
        s->nrows = st == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->row = 0;
    } else if (s->row < s->nrows) {
        s->row++;
    }
    return s->row < s->nrows ? ORMC_ROW : ORMC_DONE;
}

static bool pg_column_is_null(void *stmt, int col)
{
    pg_stmt *s = stmt;
    return PQgetisnull(s->res, s->row, col) != 0;
}

static int64_t pg_column_int(void *stmt, int col)
{
    pg_stmt *s = stmt;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (v[0] == 't' && !v[1])
        return 1;
    if (v[0] == 'f' && !v[1])
        return 0;
    /* a numeric (SUM of bigints) or a real reads as its integer part */
    return strtoll(v, NULL, 10);
}

static double pg_column_real(void *stmt, int col)
{
    pg_stmt *s = stmt;
    return strtod(PQgetvalue(s->res, s->row, col), NULL);
}

static const char *pg_column_text(void *stmt, int col, size_t *n)
{
    pg_stmt *s = stmt;
    *n = (size_t)PQgetlength(s->res, s->row, col);
    return PQgetvalue(s->res, s->row, col);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* bytea in its text form (hex: \x0a1b...), decoded into the statement's
 * buffer; NULL for an empty value (or when memory ran out, *n = 0). */
static const void *pg_column_blob(void *stmt, int col, size_t *n)
{
    pg_stmt *s = stmt;
    const char *v = PQgetvalue(s->res, s->row, col);
    size_t len = (size_t)PQgetlength(s->res, s->row, col);
    *n = 0;
    if (len < 2 || v[0] != '\\' || v[1] != 'x')
        return NULL;
    size_t bytes = (len - 2) / 2;
    if (!bytes)
        return NULL;
    if (bytes > s->blob_cap) {
        unsigned char *b = ormc_realloc(s->blob, bytes);
        if (!b)
            return NULL;
        s->blob = b;
        s->blob_cap = bytes;
    }
    for (size_t i = 0; i < bytes; i++) {
        int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return NULL;
        s->blob[i] = (unsigned char)(hi << 4 | lo);
    }
    *n = bytes;
    return s->blob;
}

static int64_t pg_last_insert_id(void *conn)
{
    (void)conn;
    return 0; /* the dialect asks INSERT ... RETURNING instead */
}

static int64_t pg_changes(void *conn) { return ((pg_conn *)conn)->changes; }

static int64_t pg_total_changes(void *conn)
{
    return ((pg_conn *)conn)->total_changes;
}

static bool pg_in_transaction(void *conn)
{
    PGTransactionStatusType t = PQtransactionStatus(((pg_conn *)conn)->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

static const char *pg_errmsg(void *conn)
{
    pg_conn *c = conn;
    if (!c)
        return "out of memory";
    if (c->err[0])
        return c->err;
    return c->pg ? PQerrorMessage(c->pg) : "out of memory";
}

static int pg_param_count(void *stmt) { return ((pg_stmt *)stmt)->nparams; }

static int pg_column_count(void *stmt) { return ((pg_stmt *)stmt)->ncols; }

static const char *pg_column_name(void *stmt, int col)
{
    return PQfname(((pg_stmt *)stmt)->desc, col);
}

static size_t pg_sql_len(void *stmt) { return ((pg_stmt *)stmt)->sql_len; }

const ormc_backend ormc_pg_backend = {
    .name = "postgresql",
    .dialect = &ormc_pg_dialect,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_null = pg_bind_null,
    .bind_int = pg_bind_int,
    .bind_real = pg_bind_real,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_text_copy = pg_bind_text_copy,
    .bind_array = pg_bind_array,
    .step = pg_step,
    .column_is_null = pg_column_is_null,
    .column_int = pg_column_int,
    .column_real = pg_column_real,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
    .last_insert_id = pg_last_insert_id,
    .changes = pg_changes,
    .in_transaction = pg_in_transaction,
    .errmsg = pg_errmsg,
    .param_count = pg_param_count,
    .column_count = pg_column_count,
    .column_name = pg_column_name,
    .sql_len = pg_sql_len,
    .total_changes = pg_total_changes,
};

#else /* no libpq */

static int nopg_open(const char *info, void **conn)
{
    (void)info;
    *conn = NULL;
    return ORMC_ERROR;
}

static const char *nopg_errmsg(void *conn)
{
    (void)conn;
    return "this ormc was built without PostgreSQL support (install "
           "libpq-dev and rebuild)";
}

const ormc_backend ormc_pg_backend = {
    .name = "postgresql",
    .dialect = &ormc_pg_dialect,
    .open = nopg_open,
    .errmsg = nopg_errmsg,
};

#endif
