/*
 * ormc_pg.c — the PostgreSQL backend: the only file of ormc that includes
 * libpq-fe.h.  It maps ormc_backend onto libpq:
 *
 *   prepare   a named server-side statement per cached statement
 *             (PQprepare + PQdescribePrepared: two round trips, once per
 *             statement text per connection; finalize DEALLOCATEs it)
 *   bind      parameters collected on the client: integers and reals in
 *             binary form (8 big-endian bytes) where the server inferred
 *             bigint or double precision for them (PQdescribePrepared),
 *             as text otherwise (the server parses them into its type);
 *             text and blobs in binary form (sent as they are, no
 *             escaping, no copy); an integer list for a bigint[] as one
 *             binary array, other lists as one array literal
 *   step      the first step runs the statement (PQexecPrepared, one round
 *             trip) and holds all its rows; later steps walk them
 *   columns   in binary form when every result column is of a type read
 *             here (bigint, integer, smallint, boolean, double precision,
 *             text, varchar, bytea: what ormc's DDL and aggregates
 *             give, decided once from PQdescribePrepared): integers and
 *             reals are their big-endian bytes, text and bytea the bytes
 *             themselves, so nothing is parsed (strtoll was a quarter of
 *             the client's instructions for 100,000 comments).  Any other
 *             column (a numeric AVG of integers, a raw query's date) keeps
 *             the whole statement in text form: integers and reals parsed,
 *             booleans 't'/'f', bytea decoded from hex
 *
 * Errors map by SQLSTATE: class 23 (integrity) is ORMC_CONSTRAINT,
 * serialization failures, deadlocks and lock timeouts ORMC_BUSY, out of
 * memory ORMC_NOMEM, the rest (a data exception such as an overflow
 * included: ORMC_INVALID is for what the runtime refuses before SQL)
 * ORMC_ERROR.  A lost connection is ORMC_ERROR with a message saying so.
 *
 * Read replicas (ormc_open_replicas): the router at the end of this file,
 * a backend over several such connections.
 *
 * Built only with libpq's headers (ORMC_HAVE_PG); without them, opening a
 * PostgreSQL connection string fails with a message saying how to get
 * them.  libpq itself is loaded when first needed (below).
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* secure_getenv */
#endif
#include "internal.h"

#include <stdlib.h>

#ifdef ORMC_HAVE_PG

#include "row_read.h"

#include <dlfcn.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- libpq, loaded on first use ----
 *
 * libpq is not linked: the first PostgreSQL open loads it with dlopen
 * (libpq.so.5, or the file the environment variable ORMC_LIBPQ names),
 * once per process, and a failure stays the answer of every later open.
 * A program that only opens SQLite files so loads neither libpq nor the
 * two dozen libraries it needs (TLS, Kerberos, LDAP), which cost every
 * process about 12 ms and 5 MB at start-up (bench/README.md).  Each
 * function is called through the table below, whose types are libpq-fe.h's
 * own (a call through it costs what a call through the PLT does). */
#define PQ_FUNCS(X)                                                          \
    X(PQconnectdb) X(PQstatus) X(PQerrorMessage) X(PQtransactionStatus)      \
    X(PQsetNoticeProcessor) X(PQreset) X(PQsetClientEncoding) X(PQfinish)    \
    X(PQexec) X(PQprepare) X(PQexecPrepared) X(PQdescribePrepared)           \
    X(PQresultStatus) X(PQresultErrorMessage) X(PQresultErrorField)          \
    X(PQclear) X(PQntuples) X(PQnfields) X(PQfname) X(PQftype)               \
    X(PQnparams) X(PQparamtype) X(PQcmdStatus) X(PQgetvalue)                 \
    X(PQgetlength) X(PQgetisnull)

static struct pq_fns {
#define PQ_FIELD(f) __typeof__(&f) f;
    PQ_FUNCS(PQ_FIELD)
#undef PQ_FIELD
} pq;

#ifdef __APPLE__
#define PQ_LIBRARY "libpq.5.dylib"
#else
#define PQ_LIBRARY "libpq.so.5"
#endif

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static bool pq_ready;
static char pq_error[512]; /* why it could not be loaded */

static void pq_load(void)
{
    static const struct {
        const char *name;
        size_t offset;
    } fns[] = {
#define PQ_ENTRY(f) {#f, offsetof(struct pq_fns, f)},
        PQ_FUNCS(PQ_ENTRY)
#undef PQ_ENTRY
    };
#ifdef __GLIBC__
    const char *path = secure_getenv("ORMC_LIBPQ"); /* none when setuid */
#else
    const char *path = getenv("ORMC_LIBPQ");
#endif
    if (!path || !*path)
        path = PQ_LIBRARY;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(pq_error, sizeof pq_error,
                 "PostgreSQL needs libpq, which could not be loaded: %s "
                 "(apt-get install libpq5, or set ORMC_LIBPQ to its path)",
                 why ? why : path);
        return;
    }
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        void *sym = dlsym(h, fns[i].name);
        if (!sym) {
            snprintf(pq_error, sizeof pq_error,
                     "%s is not a usable libpq: it has no %s", path,
                     fns[i].name);
            dlclose(h);
            return;
        }
        /* POSIX: a function's address converts through void * */
        memcpy((char *)&pq + fns[i].offset, &sym, sizeof sym);
    }
    pq_ready = true; /* kept open for the life of the process */
}

/* Loads libpq once per process; false (the reason in pq_error) when it
 * cannot be. */
static bool pq_loaded(void)
{
    pthread_once(&pq_once, pq_load);
    return pq_ready;
}

typedef struct pg_conn {
    PGconn *pg;
    unsigned next_name;
    int64_t changes, total_changes;
    char err[512]; /* the last error, "" if none */
    bool lost;     /* the last error was the connection's loss */
} pg_conn;

/* One parameter: a value the statement points at. */
typedef struct pg_param {
    const char *v;
    int len, fmt;
    char num[32]; /* an integer's or real's text */
    char *own;    /* a copy the statement owns (bind_text_copy, arrays) */
    Oid type;     /* the type the server inferred (0: unknown) */
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
    unsigned char *kind; /* per result column: COL_*, 0 for another type */
    unsigned char *bin;  /* kind's values when binary, else zeros: the row
                          * functions' one test (same block as kind) */
    bool binary;         /* results in binary form (see the top) */
    bool owned;          /* a parameter may own a copy (pg_param.own) */
    bool select;         /* a SELECT: it changes no rows (count_changes) */
    char num[40];        /* column_text of a binary number */
} pg_stmt;

/* What a result column is, in binary form (pg_type.h's OIDs). */
enum { COL_INT8 = 1, COL_INT4, COL_INT2, COL_BOOL, COL_FLOAT8, COL_TEXT,
       COL_BYTEA };

static int col_kind(Oid type)
{
    switch (type) {
    case 20: return COL_INT8;
    case 23: return COL_INT4;
    case 21: return COL_INT2;
    case 16: return COL_BOOL;
    case 701: return COL_FLOAT8;
    /* real (float4) stays text: its shortest text reads back as the
     * double the user wrote (1.1), its bits as 1.1000000238... */
    case 25:   /* text */
    case 1043: /* varchar */
    case 1042: /* bpchar */
    case 19:   /* name */
        return COL_TEXT;
    case 17: return COL_BYTEA;
    default: return 0;
    }
}

static void set_err(pg_conn *c, const char *msg)
{
    snprintf(c->err, sizeof c->err, "%s", msg ? msg : "unknown error");
    /* libpq's messages end with a newline (and may carry a DETAIL line):
     * the first line is the message */
    char *nl = strchr(c->err, '\n');
    if (nl)
        *nl = '\0';
    if (c->lost || pq.PQstatus(c->pg) == CONNECTION_BAD) {
        c->lost = true;
        size_t n = strlen(c->err);
        snprintf(c->err + n, sizeof c->err - n,
                 "%sthe connection to the server is lost (ormc_reconnect "
                 "opens it again)",
                 n ? ": " : "");
    }
}

/* The ormc_status of a failed result (NULL: the connection's error). */
static int map_result(pg_conn *c, PGresult *r)
{
    c->lost = false;
    if (!r) {
        set_err(c, pq.PQerrorMessage(c->pg));
        return pq.PQstatus(c->pg) == CONNECTION_BAD ? ORMC_ERROR : ORMC_NOMEM;
    }
    const char *state = pq.PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = pq.PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    /* no SQLSTATE: libpq's own failure (the server went away); 08: a
     * connection exception; 57P: the server is shutting down */
    c->lost = pq.PQstatus(c->pg) == CONNECTION_BAD || !state ||
              strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0;
    set_err(c, msg ? msg : pq.PQresultErrorMessage(r));
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
    if (!pq_loaded()) { /* no libpq: nothing else of it may be called */
        snprintf(c->err, sizeof c->err, "%s", pq_error);
        return ORMC_ERROR;
    }
    c->pg = pq.PQconnectdb(info);
    if (!c->pg)
        return ORMC_NOMEM;
    if (pq.PQstatus(c->pg) != CONNECTION_OK) {
        snprintf(c->err, sizeof c->err, "%s", pq.PQerrorMessage(c->pg));
        char *nl = strchr(c->err, '\n');
        if (nl)
            *nl = '\0';
        return ORMC_ERROR;
    }
    pq.PQsetNoticeProcessor(c->pg, quiet, NULL);
    /* ormc's text is UTF-8, whatever the server's locale */
    if (pq.PQsetClientEncoding(c->pg, "UTF8") != 0) {
        set_err(c, pq.PQerrorMessage(c->pg));
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
        pq.PQfinish(c->pg);
    ormc_free(c);
}

/* The rows a finished INSERT/UPDATE/DELETE/MERGE changed, as SQLite
 * counts them (a SELECT's row count is not a change). */
static void count_changes(pg_conn *c, PGresult *r)
{
    const char *cmd = pq.PQcmdStatus(r);
    if (!cmd || cmd[0] == 'S') /* SELECT: the common case, no change */
        return;
    /* the tags that carry a count: "INSERT oid n", "UPDATE n", "DELETE n",
     * "MERGE n"; the count is the last word (PQcmdTuples's answer, read
     * here without its comparisons against every tag and a strtoll) */
    const char *d;
    switch (cmd[0]) {
    case 'U': d = strncmp(cmd, "UPDATE ", 7) ? NULL : cmd + 7; break;
    case 'D': d = strncmp(cmd, "DELETE ", 7) ? NULL : cmd + 7; break;
    case 'M': d = strncmp(cmd, "MERGE ", 6) ? NULL : cmd + 6; break;
    case 'I': /* past the oid */
        d = strncmp(cmd, "INSERT ", 7) ? NULL : strchr(cmd + 7, ' ');
        d = d ? d + 1 : NULL;
        break;
    default: d = NULL; break;
    }
    if (!d || *d < '0' || *d > '9')
        return;
    int64_t n = 0;
    for (; *d >= '0' && *d <= '9' && n <= (INT64_MAX - 9) / 10; d++)
        n = n * 10 + (*d - '0');
    c->changes = n;
    c->total_changes += n;
}

/* A connection whose open got no session (libpq could not be loaded, or
 * memory ran out) refuses everything but its message, which stays the
 * open's. */
static int no_session(pg_conn *c)
{
    if (!c->err[0])
        snprintf(c->err, sizeof c->err, "the connection was not opened");
    return ORMC_ERROR;
}

static int pg_exec(void *conn, const char *sql)
{
    pg_conn *c = conn;
    if (!c->pg)
        return no_session(c);
    PGresult *r = pq.PQexec(c->pg, sql);
    ExecStatusType st = r ? pq.PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = ORMC_OK;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        count_changes(c, r);
    else
        rc = map_result(c, r);
    /* COMMIT of a transaction an earlier error aborted: the server rolls
     * it back and answers "ROLLBACK"; nothing was committed, so it fails */
    if (rc == ORMC_OK && strncmp(sql, "COMMIT", 6) == 0 &&
        strcmp(pq.PQcmdStatus(r), "ROLLBACK") == 0) {
        set_err(c, "the transaction was aborted by an earlier error and is "
                   "rolled back: nothing was committed");
        rc = ORMC_ERROR;
    }
    pq.PQclear(r);
    return rc;
}

/* Frees the copy parameter p owns, if any. */
static void drop_own(pg_param *p)
{
    if (p->own) {
        ormc_free(p->own);
        p->own = NULL;
    }
}

/* Unbinds every parameter (NULL: libpq reads no length or format for
 * it), freeing the copies they own. */
static void clear_params(pg_stmt *s)
{
    for (int i = 0; i < s->nparams && s->owned; i++)
        drop_own(&s->p[i]);
    s->owned = false;
    for (int i = 0; i < s->nparams; i++)
        s->values[i] = NULL;
}

static void pg_finalize(void *stmt)
{
    pg_stmt *s = stmt;
    if (!s)
        return;
    pq.PQclear(s->res);
    pq.PQclear(s->desc);
    if (s->nparams)
        clear_params(s);
    if (s->c && pq.PQstatus(s->c->pg) == CONNECTION_OK &&
        pq.PQtransactionStatus(s->c->pg) != PQTRANS_INERROR) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        pq.PQclear(pq.PQexec(s->c->pg, sql));
    }
    ormc_free(s->p);
    ormc_free(s->values);
    ormc_free(s->lengths);
    ormc_free(s->formats);
    ormc_free(s->blob);
    ormc_free(s->kind);
    ormc_free(s);
}

/* Whether the SQL text sql[0..len) is a SELECT (its first word, in any
 * case, after blanks and opening parentheses). */
static bool starts_select(const char *sql, size_t len)
{
    size_t i = 0;
    while (i < len && (sql[i] == ' ' || sql[i] == '\n' || sql[i] == '\t' ||
                       sql[i] == '\r' || sql[i] == '('))
        i++;
    static const char word[] = "SELECT";
    for (size_t k = 0; k < 6; k++, i++)
        if (i >= len || (sql[i] & ~0x20) != word[k])
            return false;
    return i == len || !((sql[i] >= 'A' && sql[i] <= 'Z') ||
                         (sql[i] >= 'a' && sql[i] <= 'z') ||
                         (sql[i] >= '0' && sql[i] <= '9') || sql[i] == '_');
}

static int pg_prepare(void *conn, const char *sql, size_t len, void **stmt)
{
    pg_conn *c = conn;
    *stmt = NULL;
    if (!c->pg)
        return no_session(c);
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
    PGresult *r = pq.PQprepare(c->pg, s->name, text, 0, NULL);
    ormc_free(text);
    if (!r || pq.PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = map_result(c, r);
        pq.PQclear(r);
        ormc_free(s);
        return rc;
    }
    pq.PQclear(r);
    s->select = starts_select(sql, len);
    s->c = c; /* from here on, finalize deallocates it */
    s->desc = pq.PQdescribePrepared(c->pg, s->name);
    if (!s->desc || pq.PQresultStatus(s->desc) != PGRES_COMMAND_OK) {
        int rc = map_result(c, s->desc);
        pg_finalize(s);
        return rc;
    }
    s->nparams = pq.PQnparams(s->desc);
    s->ncols = pq.PQnfields(s->desc);
    if (s->ncols) {
        s->kind = ormc_malloc(2 * (size_t)s->ncols);
        if (!s->kind) {
            pg_finalize(s);
            return ORMC_NOMEM;
        }
        s->binary = true;
        for (int i = 0; i < s->ncols; i++)
            if (!(s->kind[i] = (unsigned char)col_kind(pq.PQftype(s->desc, i))))
                s->binary = false;
        s->bin = s->kind + s->ncols;
        for (int i = 0; i < s->ncols; i++)
            s->bin[i] = s->binary ? s->kind[i] : 0;
    }
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
        for (int i = 0; i < s->nparams; i++)
            s->p[i].type = pq.PQparamtype(s->desc, i);
        clear_params(s);
    }
    *stmt = s;
    return ORMC_OK;
}

/* Resets s's run; its parameters stay as bound: values in s (reset_values'
 * contract: bound by value, each of them held in its pg_param). */
static void pg_reset_values(void *stmt)
{
    pg_stmt *s = stmt;
    pq.PQclear(s->res);
    s->res = NULL;
    s->ran = false;
    s->row = s->nrows = 0;
}

static void pg_reset(void *stmt)
{
    pg_reset_values(stmt);
    clear_params(stmt);
}

/* The parameter idx (from 1), or NULL when out of range. */
static pg_param *param(pg_stmt *s, int idx)
{
    if (idx < 1 || idx > s->nparams)
        return NULL;
    pg_param *p = &s->p[idx - 1];
    if (s->owned)
        drop_own(p);
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

/* The type the server inferred for parameter idx, which param() has
 * checked (0 when unknown: a router's statement binds before it knows
 * its server). */
static Oid param_type(const pg_stmt *s, int idx)
{
    return s->p[idx - 1].type;
}

#define INT8_OID 20
#define FLOAT8_OID 701
#define INT8_ARRAY_OID 1016

/* v as 8 big-endian bytes at p. */
static void put_be64(char *p, uint64_t v)
{
    unsigned char *u = (unsigned char *)p;
    u[0] = (unsigned char)(v >> 56);
    u[1] = (unsigned char)(v >> 48);
    u[2] = (unsigned char)(v >> 40);
    u[3] = (unsigned char)(v >> 32);
    u[4] = (unsigned char)(v >> 24);
    u[5] = (unsigned char)(v >> 16);
    u[6] = (unsigned char)(v >> 8);
    u[7] = (unsigned char)v;
}

/* Parameter idx (from 1) when it is in range, the server takes it as
 * `ptype` and no parameter owns a copy (nothing to drop): a bind's common
 * case, whose registers a call out of line does not have to save. */
static pg_param *plain_param(pg_stmt *s, int idx, Oid ptype)
{
    if (idx < 1 || idx > s->nparams || s->owned || s->p[idx - 1].type != ptype)
        return NULL;
    return &s->p[idx - 1];
}

/* pg_bind_int's other cases (param's, and a parameter not an int8). */
static ORMC_NOINLINE int bind_int_other(pg_stmt *s, int idx, int64_t v)
{
    pg_param *p = param(s, idx);
    if (!p)
        return ORMC_INVALID;
    if (param_type(s, idx) == INT8_OID) {
        put_be64(p->num, (uint64_t)v);
        return set_param(s, idx, p->num, 8, 1);
    }
    return set_param(s, idx, put_int(p->num + sizeof p->num, v), 0, 0);
}

static int pg_bind_int(void *stmt, int idx, int64_t v)
{
    pg_stmt *s = stmt;
    pg_param *p = plain_param(s, idx, INT8_OID);
    if (!p)
        return bind_int_other(s, idx, v);
    put_be64(p->num, (uint64_t)v);
    return set_param(s, idx, p->num, 8, 1);
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

/* pg_bind_real's other cases (param's, and a parameter not a float8). */
static ORMC_NOINLINE int bind_real_other(pg_stmt *s, int idx, double v)
{
    pg_param *p = param(s, idx);
    if (!p)
        return ORMC_INVALID;
    if (param_type(s, idx) == FLOAT8_OID) {
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        put_be64(p->num, bits);
        return set_param(s, idx, p->num, 8, 1);
    }
    real_text(p->num, sizeof p->num, v);
    return set_param(s, idx, p->num, 0, 0);
}

static int pg_bind_real(void *stmt, int idx, double v)
{
    pg_stmt *s = stmt;
    pg_param *p = plain_param(s, idx, FLOAT8_OID);
    if (!p)
        return bind_real_other(s, idx, v);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_be64(p->num, bits);
    return set_param(s, idx, p->num, 8, 1);
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
    s->owned = true;
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
    if (type != ORMC_T_REAL && type != ORMC_T_TEXT &&
        param_type(s, idx) == INT8_ARRAY_OID) {
        /* binary int8[]: ndim 1, no NULLs, element type, then the length
         * and lower bound (1) of the dimension, then 4-byte length + 8
         * bytes per element */
        if (n > (INT32_MAX - 20) / 12)
            return ORMC_INVALID;
        size_t len = 20 + n * 12;
        char *b = ormc_malloc(len);
        if (!b)
            return ORMC_NOMEM;
        static const char head[12] = {0, 0, 0, 1, 0, 0, 0, 0,
                                      0, 0, 0, INT8_OID};
        memcpy(b, head, sizeof head);
        put_be64(b + 12, (uint64_t)n << 32 | 1u);
        const int64_t *iv = v;
        for (size_t i = 0; i < n; i++) {
            memcpy(b + 20 + i * 12, "\0\0\0\x08", 4);
            put_be64(b + 24 + i * 12, (uint64_t)iv[i]);
        }
        s->owned = true;
        p->own = b;
        return set_param(s, idx, b, (int)len, 1);
    }
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
    s->owned = true;
    p->own = l.s;
    return set_param(s, idx, p->own, 0, 0);
}

/* pg_step's first call: runs s and holds its rows. */
static ORMC_NOINLINE int pg_run(pg_stmt *s)
{
    s->ran = true;
    pg_conn *c = s->c;
    s->res = pq.PQexecPrepared(c->pg, s->name, s->nparams, s->values,
                               s->lengths, s->formats, s->binary);
    ExecStatusType st = s->res ? pq.PQresultStatus(s->res)
                               : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        int rc = map_result(c, s->res);
        pq.PQclear(s->res);
        s->res = NULL;
        return rc;
    }
    if (!s->select)
        count_changes(c, s->res);
    s->nrows = st == PGRES_TUPLES_OK ? pq.PQntuples(s->res) : 0;
    s->row = 0;
    return s->nrows ? ORMC_ROW : ORMC_DONE;
}

/* The next row: a plain increment once the rows are held (no call, no
 * registers saved per row). */
static int pg_step(void *stmt)
{
    pg_stmt *s = stmt;
    if (!s->ran)
        return pg_run(s);
    if (s->row < s->nrows)
        s->row++;
    return s->row < s->nrows ? ORMC_ROW : ORMC_DONE;
}

static size_t pg_rows_left(void *stmt)
{
    pg_stmt *s = stmt;
    return s->row < s->nrows ? (size_t)(s->nrows - s->row) : 0;
}

static bool pg_column_is_null(void *stmt, int col)
{
    pg_stmt *s = stmt;
    return pq.PQgetisnull(s->res, s->row, col) != 0;
}

/* The big-endian integer of n = 2, 4 or 8 bytes at v (written out per
 * size: compilers make each one load and one byte swap). */
static inline uint64_t be(const char *v, int n)
{
    const unsigned char *p = (const unsigned char *)v;
    if (n == 8)
        return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
               (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
               (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
               (uint64_t)p[6] << 8 | (uint64_t)p[7];
    if (n == 4)
        return (uint64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                          (uint32_t)p[2] << 8 | (uint32_t)p[3]);
    return (uint64_t)((uint32_t)p[0] << 8 | (uint32_t)p[1]);
}

static double be_float8(const char *v)
{
    uint64_t bits = be(v, 8);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* A binary column's value as a real (text: parsed). */
static double binary_real(const pg_stmt *s, int col, const char *v)
{
    switch (s->kind[col]) {
    case COL_INT8: return (double)(int64_t)be(v, 8);
    case COL_INT4: return (double)(int32_t)(uint32_t)be(v, 4);
    case COL_INT2: return (double)(int16_t)(uint16_t)be(v, 2);
    case COL_BOOL: return v[0] ? 1.0 : 0.0;
    case COL_FLOAT8: return be_float8(v);
    case COL_TEXT: return strtod(v, NULL);
    default: return 0.0;
    }
}

/* A real's integer part as the text form reads it (strtoll stops at the
 * point); 0 for NaN, the nearest bound beyond int64's range. */
static int64_t real_int(double d)
{
    if (d != d)
        return 0;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

static int64_t pg_column_int(void *stmt, int col)
{
    pg_stmt *s = stmt;
    const char *v = pq.PQgetvalue(s->res, s->row, col);
    if (s->binary) {
        switch (s->kind[col]) {
        case COL_INT8: return (int64_t)be(v, 8);
        case COL_INT4: return (int32_t)(uint32_t)be(v, 4);
        case COL_INT2: return (int16_t)(uint16_t)be(v, 2);
        case COL_BOOL: return v[0] != 0;
        case COL_FLOAT8: return real_int(binary_real(s, col, v));
        case COL_TEXT: return strtoll(v, NULL, 10);
        default: return 0;
        }
    }
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
    const char *v = pq.PQgetvalue(s->res, s->row, col);
    return s->binary ? binary_real(s, col, v) : strtod(v, NULL);
}

/* A binary number's text form, as the server writes it (the shortest
 * that reads back for a real), into s->num. */
static const char *number_text(pg_stmt *s, int col, const char *v, size_t *n)
{
    switch (s->kind[col]) {
    case COL_BOOL:
        snprintf(s->num, sizeof s->num, "%s", v[0] ? "t" : "f");
        break;
    case COL_FLOAT8: {
        double d = binary_real(s, col, v);
        if (d != d || d - d != 0.0) {
            real_text(s->num, sizeof s->num, d);
            break;
        }
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(s->num, sizeof s->num, "%.*g", prec, d);
            if (strtod(s->num, NULL) == d)
                break;
        }
        break;
    }
    default: {
        const char *d = put_int(s->num + sizeof s->num, pg_column_int(s, col));
        memmove(s->num, d, strlen(d) + 1);
        break;
    }
    }
    *n = strlen(s->num);
    return s->num;
}

static const char *pg_column_text(void *stmt, int col, size_t *n)
{
    pg_stmt *s = stmt;
    if (pq.PQgetisnull(s->res, s->row, col)) { /* libpq's "", SQLite's NULL */
        *n = 0;
        return NULL;
    }
    const char *v = pq.PQgetvalue(s->res, s->row, col);
    if (s->binary && s->kind[col] != COL_TEXT && s->kind[col] != COL_BYTEA)
        return number_text(s, col, v, n);
    *n = (size_t)pq.PQgetlength(s->res, s->row, col);
    return v;
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
    const char *v = pq.PQgetvalue(s->res, s->row, col);
    size_t len = (size_t)pq.PQgetlength(s->res, s->row, col);
    *n = 0;
    if (s->binary) { /* bytea's bytes as they are */
        if (s->kind[col] != COL_BYTEA || !len)
            return NULL;
        *n = len;
        return v;
    }
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

/* A new session on the same server (PQreset): its prepared statements
 * are gone (the runtime finalizes its cached ones first). */
static int pg_reconnect(void *conn)
{
    pg_conn *c = conn;
    if (!c->pg)
        return no_session(c);
    pq.PQreset(c->pg);
    if (pq.PQstatus(c->pg) != CONNECTION_OK) {
        c->lost = false;
        set_err(c, pq.PQerrorMessage(c->pg));
        return ORMC_ERROR;
    }
    pq.PQsetNoticeProcessor(c->pg, quiet, NULL);
    if (pq.PQsetClientEncoding(c->pg, "UTF8") != 0) {
        set_err(c, pq.PQerrorMessage(c->pg));
        return ORMC_ERROR;
    }
    c->lost = false;
    c->err[0] = '\0';
    return ORMC_OK;
}

static int64_t pg_changes(void *conn) { return ((pg_conn *)conn)->changes; }

static int64_t pg_total_changes(void *conn)
{
    return ((pg_conn *)conn)->total_changes;
}

/* c's transaction state (PQTRANS_UNKNOWN when its open got no session). */
static PGTransactionStatusType tx_status(const pg_conn *c)
{
    return c->pg ? pq.PQtransactionStatus(c->pg) : PQTRANS_UNKNOWN;
}

static bool pg_in_transaction(void *conn)
{
    PGTransactionStatusType t = tx_status(conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

static const char *pg_errmsg(void *conn)
{
    pg_conn *c = conn;
    if (!c)
        return "out of memory";
    if (c->err[0])
        return c->err;
    return c->pg ? pq.PQerrorMessage(c->pg) : "out of memory";
}

static int pg_param_count(void *stmt) { return ((pg_stmt *)stmt)->nparams; }

static int pg_column_count(void *stmt) { return ((pg_stmt *)stmt)->ncols; }

static const char *pg_column_name(void *stmt, int col)
{
    return pq.PQfname(((pg_stmt *)stmt)->desc, col);
}

static size_t pg_sql_len(void *stmt) { return ((pg_stmt *)stmt)->sql_len; }

/* pg_column_int with the common case, a binary int8, inlined into the
 * row loop below (the switch of the other kinds stays out of line). */
static inline int64_t pg_row_int(void *stmt, int col)
{
    const pg_stmt *s = stmt;
    if (s->bin[col] == COL_INT8)
        return (int64_t)be(pq.PQgetvalue(s->res, s->row, col), 8);
    return pg_column_int(stmt, col);
}

/* pg_column_real and pg_column_text likewise: a binary float8, a text
 * column (the same bytes in either format). */
static inline double pg_row_real(void *stmt, int col)
{
    const pg_stmt *s = stmt;
    if (s->bin[col] == COL_FLOAT8)
        return be_float8(pq.PQgetvalue(s->res, s->row, col));
    return pg_column_real(stmt, col);
}

static inline const char *pg_row_text(void *stmt, int col, size_t *n)
{
    const pg_stmt *s = stmt;
    if (s->kind[col] == COL_TEXT) {
        *n = (size_t)pq.PQgetlength(s->res, s->row, col);
        /* a NULL is "" to PQgetvalue: NULL here, so that a NOT NULL
         * field holding one is the data error it is on SQLite */
        if (!*n && pq.PQgetisnull(s->res, s->row, col))
            return NULL;
        return pq.PQgetvalue(s->res, s->row, col);
    }
    return pg_column_text(stmt, col, n);
}

static const row_cols pg_cols = {pg_column_is_null, pg_row_int,
                                 pg_row_real, pg_row_text, pg_column_blob};

/* The column functions of a generated row reader (ormc_cols), over the
 * ones above. */
static int pg_read_text(void *stmt, int col, ormc_result *res,
                        const char **out)
{
    return row_text(&pg_cols, stmt, col, res, out);
}

static int pg_read_blob(void *stmt, int col, ormc_result *res, ormc_blob *out)
{
    return row_blob(&pg_cols, stmt, col, res, out);
}

static const ormc_cols pg_reader_cols = {pg_column_is_null, pg_row_int,
                                         pg_row_real, pg_read_text,
                                         pg_read_blob};

/* The bind functions of a generated binder (ormc_binds). */
static const ormc_binds pg_binds = {pg_bind_null, pg_bind_int, pg_bind_real,
                                    pg_bind_text, pg_bind_blob};

static int pg_read_fields(void *stmt, int col, const ormc_field *f, int n,
                          void *obj, ormc_result *res, int *bad)
{
    return row_read(&pg_cols, stmt, col, f, n, obj, res, bad);
}

/* read_rows's plan: the fields it reads without a test of type or kind
 * per value, grouped by how (a binary bigint or double: its 8 bytes; a
 * text column: its bytes), and the rest, read as row_read reads them. */
#define PLAN_MAX 64
typedef struct plan_field {
    int col;
    size_t off, null_off; /* null_off: its flag (a nullable number) */
    bool nullable;
} plan_field;
typedef struct read_plan {
    plan_field num[PLAN_MAX], num_null[PLAN_MAX], text[PLAN_MAX];
    int nnum, nnum_null, ntext; /* num: the NOT NULL ones */
    int other[PLAN_MAX]; /* field indexes */
    int nother;
} read_plan;

static void plan_fields(const pg_stmt *s, int col, const ormc_field *f, int n,
                        read_plan *p)
{
    p->nnum = p->nnum_null = p->ntext = p->nother = 0;
    for (int i = 0; i < n; i++, col++) {
        unsigned t = f[i].type;
        plan_field pf = {col, f[i].offset, f[i].null_offset,
                         (f[i].flags & ORMC_F_NULLABLE) != 0};
        if (((t == ORMC_T_INT || t == ORMC_T_DATETIME) &&
             s->bin[col] == COL_INT8) ||
            (t == ORMC_T_REAL && s->bin[col] == COL_FLOAT8)) {
            if (pf.nullable)
                p->num_null[p->nnum_null++] = pf;
            else
                p->num[p->nnum++] = pf;
        } else if (t == ORMC_T_TEXT && s->kind[col] == COL_TEXT) {
            p->text[p->ntext++] = pf;
        } else {
            p->other[p->nother++] = i;
        }
    }
}

/* The current row by plan p into o; ORMC_OK, else row_read's code (which
 * field failed is for the caller to find). */
static int plan_row(pg_stmt *s, const read_plan *p, int col,
                    const ormc_field *f, char *o, ormc_result *res)
{
    const PGresult *r = s->res;
    int row = s->row;
    /* a bigint's or a double's bits alike */
    for (int j = 0; j < p->nnum; j++) {
        const plan_field *pf = &p->num[j];
        uint64_t v = be(pq.PQgetvalue(r, row, pf->col), 8);
        memcpy(o + pf->off, &v, sizeof v);
    }
    for (int j = 0; j < p->nnum_null; j++) {
        const plan_field *pf = &p->num_null[j];
        if (pq.PQgetisnull(r, row, pf->col)) {
            bool t = true;
            memcpy(o + pf->null_off, &t, sizeof t);
            continue;
        }
        uint64_t v = be(pq.PQgetvalue(r, row, pf->col), 8);
        memcpy(o + pf->off, &v, sizeof v);
    }
    for (int j = 0; j < p->ntext; j++) {
        const plan_field *pf = &p->text[j];
        /* pg_row_text's reading, with the result and row in registers
         * (through it: ~8 instructions more a text) */
        size_t n = (size_t)pq.PQgetlength(r, row, pf->col);
        if (!n && pq.PQgetisnull(r, row, pf->col)) { /* NULL, not "" */
            if (pf->nullable)
                continue; /* the pointer stays NULL */
            return ORMC_ERROR;
        }
        char *d = arena_strndup(res, pq.PQgetvalue(r, row, pf->col), n);
        if (!d)
            return ORMC_NOMEM;
        memcpy(o + pf->off, &d, sizeof d);
    }
    int bad;
    for (int j = 0; j < p->nother; j++) {
        int i = p->other[j];
        int rc = row_read(&pg_cols, s, col + i, &f[i], 1, o, res, &bad);
        if (rc != ORMC_OK)
            return rc;
    }
    return ORMC_OK;
}

/* read_rows: a row at a time, in the order libpq holds them (a field at a
 * time down the rows cost more time, though fewer instructions), each
 * row's fields by a plan made once per call. */
static int pg_read_rows(void *stmt, int col, const ormc_field *f, int n,
                        char *obj, size_t stride, size_t rows,
                        ormc_result *res, size_t *bad_row, int *bad)
{
    pg_stmt *s = stmt;
    int row0 = s->row;
    read_plan p;
    bool planned = n <= PLAN_MAX;
    if (planned)
        plan_fields(s, col, f, n, &p);
    int rc = ORMC_OK;
    size_t k = 0;
    for (; k < rows; k++) {
        s->row = row0 + (int)k;
        char *o = obj + k * stride;
        rc = planned ? plan_row(s, &p, col, f, o, res)
                     : row_read(&pg_cols, s, col, f, n, o, res, bad);
        if (rc != ORMC_OK)
            break;
    }
    /* the failing field: the first in field order, as row_read finds it */
    if (rc != ORMC_OK && planned)
        rc = row_read(&pg_cols, s, col, f, n, obj + k * stride, res, bad);
    s->row = row0;
    *bad_row = k;
    return rc;
}

static void pg_skip_rows(void *stmt, size_t n)
{
    pg_stmt *s = stmt;
    size_t left = pg_rows_left(stmt);
    if (n >= left) /* never past the last row (the contract: fewer) */
        n = left ? left - 1 : 0;
    s->row += (int)n;
}

/* Binds f[0..n) of obj to parameters idx.. (bind_fields).  When they are
 * in range and none may own a copy, a NULL, an int or a datetime the
 * server takes as int8, a real it takes as float8 (their 8 bytes) and
 * text (its bytes) are written into the parameters here, with the
 * statement's arrays in registers; anything else (a bool, a blob, a
 * parameter of another type) goes through row_bind, as every field does
 * otherwise. */
static int pg_bind_fields(void *stmt, int idx, const ormc_field *f, int n,
                          const void *obj)
{
    pg_stmt *s = stmt;
    const char *o = obj;
    if (n < 1) /* a model of its id alone: no parameter array to point into */
        return ORMC_OK;
    if (idx < 1 || n > s->nparams - idx + 1 || s->owned) {
        for (int i = 0; i < n; i++) {
            int rc = row_bind(&pg_binds, s, idx + i, &f[i], obj);
            if (rc != ORMC_OK)
                return rc;
        }
        return ORMC_OK;
    }
    pg_param *p = s->p + idx - 1;
    const char **values = s->values + idx - 1;
    int *lengths = s->lengths + idx - 1, *formats = s->formats + idx - 1;
    for (int i = 0; i < n; i++) {
        const ormc_field *fi = &f[i];
        unsigned type = fi->type;
        if (field_is_null(obj, fi)) {
            values[i] = NULL;
            lengths[i] = formats[i] = 0;
        } else if (((type == ORMC_T_INT || type == ORMC_T_DATETIME) &&
                    p[i].type == INT8_OID) ||
                   (type == ORMC_T_REAL && p[i].type == FLOAT8_OID)) {
            uint64_t v; /* an int64_t or the bits of a double */
            memcpy(&v, o + fi->offset, sizeof v);
            put_be64(p[i].num, v);
            values[i] = p[i].num;
            lengths[i] = 8;
            formats[i] = 1;
        } else if (type == ORMC_T_TEXT) {
            const char *t;
            memcpy(&t, o + fi->offset, sizeof t);
            size_t len = strlen(t);
            if (len > INT32_MAX)
                return ORMC_INVALID;
            values[i] = t;
            lengths[i] = (int)len;
            formats[i] = 1;
        } else {
            int rc = row_bind(&pg_binds, s, idx + i, fi, obj);
            if (rc != ORMC_OK)
                return rc;
        }
    }
    return ORMC_OK;
}

const ormc_backend ormc_pg_backend = {
    .name = "postgresql",
    .dialect = &ormc_pg_dialect,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .reset_values = pg_reset_values,
    .bind_null = pg_bind_null,
    .bind_int = pg_bind_int,
    .bind_real = pg_bind_real,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_text_copy = pg_bind_text_copy,
    .bind_array = pg_bind_array,
    .step = pg_step,
    .column_is_null = pg_column_is_null,
    .column_int = pg_row_int,
    .column_real = pg_row_real,
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
    .reconnect = pg_reconnect,
    .read_fields = pg_read_fields,
    .cols = &pg_reader_cols,
    .binds = &pg_binds,
    .rows_left = pg_rows_left,
    .read_rows = pg_read_rows,
    .skip_rows = pg_skip_rows,
    .bind_fields = pg_bind_fields,
};

/* ==== read replicas: a router over one primary and its replicas ====
 *
 * The router is a backend whose connection is a set of pg_conns and whose
 * statements are prepared, lazily, on whichever connection runs them:
 *   - inside a transaction, everything runs where the transaction is;
 *   - BEGIN ... READ ONLY (a fetch's snapshot) opens it on a replica;
 *     any other BEGIN, and every statement that is not a plain SELECT
 *     (writes, DDL, SET, SELECT ... FOR UPDATE/SHARE, WITH), goes to the
 *     primary;
 *   - a plain SELECT outside a transaction goes to the next replica, round
 *     robin.
 * A replica that fails with its connection lost is marked down, skipped
 * for ROUTER_RETRY_MS (then reconnected on its next turn), and the
 * statement runs on the next replica or the primary: the caller sees no
 * error.  A primary that is lost is an error like on a plain connection. */

#include <time.h>

#define ROUTER_MAX 16
#define ROUTER_RETRY_MS 2000

typedef struct router {
    pg_conn *c[ROUTER_MAX]; /* c[0]: the primary; then the replicas */
    int n;
    int next;                    /* the replica for the next read */
    int pin;                     /* where a transaction is open, or -1 */
    int last;                    /* the connection the last call used */
    unsigned gen[ROUTER_MAX];    /* bumped when a connection is reset */
    long long down[ROUTER_MAX];  /* ms when marked down, 0 if up */
} router;

typedef struct rstmt {
    router *r;
    char *sql;
    size_t len;
    bool read;
    pg_stmt *on[ROUTER_MAX]; /* prepared on connection i (lazily) */
    unsigned gen[ROUTER_MAX];
    pg_stmt *run;            /* the one the current execution runs on */
    pg_stmt p;               /* holds the bindings (p.c is NULL) */
} rstmt;

static long long router_ms(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool starts(const char *s, const char *w)
{
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '(')
        s++;
    size_t n = strlen(w);
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != (w[i] | 0x20))
            return false;
    return true;
}

/* A statement a replica may run: a SELECT that locks nothing. */
static bool is_read(const char *sql)
{
    return starts(sql, "SELECT") && !strstr(sql, " FOR UPDATE") &&
           !strstr(sql, " FOR SHARE") && !strstr(sql, " FOR NO KEY") &&
           !strstr(sql, " FOR KEY SHARE");
}

static void router_close(void *conn)
{
    router *r = conn;
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        pg_close(r->c[i]);
    ormc_free(r);
}

/* Opens "PRIMARY\nREPLICA\nREPLICA..." (ormc_open_replicas).  The primary
 * must connect; a replica that does not starts out down. */
static int router_open(const char *list, void **conn)
{
    router *r = ormc_malloc(sizeof *r);
    *conn = r;
    if (!r)
        return ORMC_NOMEM;
    memset(r, 0, sizeof *r);
    r->pin = -1;
    int rc = ORMC_OK;
    for (const char *p = list; *p && r->n < ROUTER_MAX;) {
        size_t k = strcspn(p, "\n");
        char *one = ormc_malloc(k + 1);
        if (!one)
            return ORMC_NOMEM;
        memcpy(one, p, k);
        one[k] = '\0';
        void *c = NULL;
        int orc = pg_open(one, &c);
        ormc_free(one);
        r->c[r->n] = c;
        if (orc != ORMC_OK && r->n == 0)
            rc = orc; /* the primary: its error is the open's */
        else if (orc != ORMC_OK)
            r->down[r->n] = router_ms() ? router_ms() : 1;
        if (!c)
            return ORMC_NOMEM;
        r->n++;
        p += k + (p[k] == '\n');
    }
    return rc;
}

/* Whether connection i may be used now: up, or down long enough to try
 * again (then reset: a new session, so its statements are prepared
 * again). */
static bool router_usable(router *r, int i)
{
    if (!r->down[i])
        return true;
    if (router_ms() - r->down[i] < ROUTER_RETRY_MS || !r->c[i]->pg)
        return false;
    pq.PQreset(r->c[i]->pg);
    r->gen[i]++;
    if (pq.PQstatus(r->c[i]->pg) != CONNECTION_OK) {
        r->down[i] = router_ms() ? router_ms() : 1;
        return false;
    }
    pq.PQsetNoticeProcessor(r->c[i]->pg, quiet, NULL);
    r->c[i]->err[0] = '\0';
    r->c[i]->lost = false;
    r->down[i] = 0;
    return true;
}

/* Marks i down if its connection is lost; true if so. */
static bool router_lost(router *r, int i)
{
    if (i == 0 || !r->c[i]->lost)
        return false;
    r->down[i] = router_ms() ? router_ms() : 1;
    return true;
}

/* The replica for the next read (round robin over the usable ones), or 0
 * (the primary) when none is. */
static int router_pick(router *r)
{
    for (int k = 1; k < r->n; k++) {
        int i = 1 + (r->next + k - 1) % (r->n - 1);
        if (router_usable(r, i)) {
            r->next = i % (r->n - 1);
            return i;
        }
    }
    return 0;
}

/* The transaction on the pinned connection ended (or failed to begin). */
static void router_unpin(router *r)
{
    if (r->pin >= 0 &&
        tx_status(r->c[r->pin]) == PQTRANS_IDLE)
        r->pin = -1;
}

static int router_exec(void *conn, const char *sql)
{
    router *r = conn;
    int i = r->pin >= 0 ? r->pin : 0;
    if (r->pin < 0 && starts(sql, "BEGIN") && strstr(sql, "READ ONLY"))
        i = router_pick(r);
    int rc = pg_exec(r->c[i], sql);
    while (rc != ORMC_OK && r->pin < 0 && router_lost(r, i)) {
        i = router_pick(r); /* a snapshot on the next replica */
        rc = pg_exec(r->c[i], sql);
    }
    r->last = i;
    if (tx_status(r->c[i]) != PQTRANS_IDLE)
        r->pin = i;
    router_unpin(r);
    return rc;
}

static int router_prepare(void *conn, const char *sql, size_t len,
                          void **stmt)
{
    router *r = conn;
    *stmt = NULL;
    rstmt *s = ormc_malloc(sizeof *s);
    if (!s)
        return ORMC_NOMEM;
    memset(s, 0, sizeof *s);
    s->r = r;
    s->sql = ormc_malloc(len + 1);
    if (!s->sql) {
        ormc_free(s);
        return ORMC_NOMEM;
    }
    memcpy(s->sql, sql, len);
    s->sql[len] = '\0';
    s->len = len;
    s->read = is_read(s->sql);
    /* prepared on the primary at once: its errors (a syntax error, an
     * unknown table) are the prepare's, and it gives the shape */
    int rc = pg_prepare(r->c[0], sql, len, (void **)&s->on[0]);
    r->last = 0;
    if (rc != ORMC_OK) {
        ormc_free(s->sql);
        ormc_free(s);
        return rc;
    }
    s->gen[0] = r->gen[0];
    pg_stmt *p0 = s->on[0];
    s->p.nparams = p0->nparams;
    s->p.ncols = p0->ncols;
    if (p0->nparams) {
        size_t n = (size_t)p0->nparams;
        s->p.p = ormc_malloc(n * sizeof *s->p.p);
        s->p.values = ormc_malloc(n * sizeof *s->p.values);
        s->p.lengths = ormc_malloc(n * sizeof *s->p.lengths);
        s->p.formats = ormc_malloc(n * sizeof *s->p.formats);
        if (!s->p.p || !s->p.values || !s->p.lengths || !s->p.formats) {
            ormc_free(s->p.p);
            s->p.p = NULL;
            s->p.nparams = 0;
            pg_finalize(s->on[0]);
            ormc_free(s->p.values);
            ormc_free(s->p.lengths);
            ormc_free(s->p.formats);
            ormc_free(s->sql);
            ormc_free(s);
            return ORMC_NOMEM;
        }
        memset(s->p.p, 0, n * sizeof *s->p.p);
        clear_params(&s->p);
    }
    *stmt = s;
    return ORMC_OK;
}

static void router_finalize(void *stmt)
{
    rstmt *s = stmt;
    if (!s)
        return;
    for (int i = 0; i < s->r->n; i++)
        if (s->on[i]) {
            if (s->gen[i] != s->r->gen[i])
                s->on[i]->c = NULL; /* its session is gone */
            pg_finalize(s->on[i]);
        }
    clear_params(&s->p);
    ormc_free(s->p.p);
    ormc_free(s->p.values);
    ormc_free(s->p.lengths);
    ormc_free(s->p.formats);
    ormc_free(s->sql);
    ormc_free(s);
}

static void router_reset(void *stmt)
{
    rstmt *s = stmt;
    if (s->run) {
        pq.PQclear(s->run->res);
        s->run->res = NULL;
        s->run->ran = false;
        s->run->row = s->run->nrows = 0;
        s->run = NULL;
    }
    clear_params(&s->p);
}

/* s prepared on connection i (now, if it was not or its session is new). */
static pg_stmt *router_on(rstmt *s, int i, int *rc)
{
    router *r = s->r;
    if (s->on[i] && s->gen[i] != r->gen[i]) {
        s->on[i]->c = NULL;
        pg_finalize(s->on[i]);
        s->on[i] = NULL;
    }
    if (!s->on[i]) {
        *rc = pg_prepare(r->c[i], s->sql, s->len, (void **)&s->on[i]);
        if (*rc != ORMC_OK)
            return NULL;
        s->gen[i] = r->gen[i];
    }
    return s->on[i];
}

/* Runs s on connection i with its bindings: ORMC_ROW, ORMC_DONE or an
 * error status. */
static int router_run(rstmt *s, int i)
{
    int rc = ORMC_OK;
    pg_stmt *t = router_on(s, i, &rc);
    s->r->last = i;
    if (!t)
        return rc;
    /* the bindings live in s->p; t only points at them for this run */
    for (int k = 0; k < t->nparams && k < s->p.nparams; k++) {
        t->values[k] = s->p.values[k];
        t->lengths[k] = s->p.lengths[k];
        t->formats[k] = s->p.formats[k];
    }
    t->ran = false;
    s->run = t;
    rc = pg_step(t);
    for (int k = 0; k < t->nparams; k++)
        t->values[k] = NULL;
    return rc;
}

static int router_step(void *stmt)
{
    rstmt *s = stmt;
    router *r = s->r;
    if (s->run)
        return pg_step(s->run);
    int i = r->pin >= 0 ? r->pin : s->read ? router_pick(r) : 0;
    int rc = router_run(s, i);
    while ((rc != ORMC_ROW && rc != ORMC_DONE) && r->pin < 0 && s->read &&
           router_lost(r, i)) {
        s->run = NULL;
        i = router_pick(r);
        rc = router_run(s, i);
    }
    if (tx_status(r->c[i]) != PQTRANS_IDLE)
        r->pin = i;
    return rc;
}

/* Bindings go to s->p (the pg_bind_* functions see a pg_stmt). */
static int router_bind_null(void *st, int i) { return pg_bind_null(&((rstmt *)st)->p, i); }
static int router_bind_int(void *st, int i, int64_t v) { return pg_bind_int(&((rstmt *)st)->p, i, v); }
static int router_bind_real(void *st, int i, double v) { return pg_bind_real(&((rstmt *)st)->p, i, v); }
static int router_bind_text(void *st, int i, const char *v, size_t n) { return pg_bind_text(&((rstmt *)st)->p, i, v, n); }
static int router_bind_blob(void *st, int i, const void *v, size_t n) { return pg_bind_blob(&((rstmt *)st)->p, i, v, n); }
static int router_bind_text_copy(void *st, int i, const char *v, size_t n) { return pg_bind_text_copy(&((rstmt *)st)->p, i, v, n); }
static int router_bind_array(void *st, int i, int type, const void *v, size_t n) { return pg_bind_array(&((rstmt *)st)->p, i, type, v, n); }

/* Columns come from the statement that ran. */
static bool router_column_is_null(void *st, int col) { return pg_column_is_null(((rstmt *)st)->run, col); }
static int64_t router_column_int(void *st, int col) { return pg_row_int(((rstmt *)st)->run, col); }
static double router_column_real(void *st, int col) { return pg_row_real(((rstmt *)st)->run, col); }
static const char *router_column_text(void *st, int col, size_t *n) { return pg_column_text(((rstmt *)st)->run, col, n); }
static const void *router_column_blob(void *st, int col, size_t *n) { return pg_column_blob(((rstmt *)st)->run, col, n); }
static int router_read_text(void *st, int col, ormc_result *res, const char **out) { return pg_read_text(((rstmt *)st)->run, col, res, out); }
static int router_read_blob(void *st, int col, ormc_result *res, ormc_blob *out) { return pg_read_blob(((rstmt *)st)->run, col, res, out); }
static const ormc_cols router_reader_cols = {router_column_is_null, router_column_int,
                                             router_column_real, router_read_text,
                                             router_read_blob};
static const ormc_binds router_binds = {router_bind_null, router_bind_int,
                                        router_bind_real, router_bind_text,
                                        router_bind_blob};
static size_t router_rows_left(void *st)
{
    return pg_rows_left(((rstmt *)st)->run);
}

static int router_read_fields(void *st, int col, const ormc_field *f, int n,
                              void *obj, ormc_result *res, int *bad)
{
    return pg_read_fields(((rstmt *)st)->run, col, f, n, obj, res, bad);
}

static void router_skip_rows(void *st, size_t n) { pg_skip_rows(((rstmt *)st)->run, n); }

static int router_bind_fields(void *st, int idx, const ormc_field *f, int n,
                              const void *obj)
{
    return pg_bind_fields(&((rstmt *)st)->p, idx, f, n, obj);
}

static int router_read_rows(void *st, int col, const ormc_field *f, int n,
                            char *obj, size_t stride, size_t rows,
                            ormc_result *res, size_t *bad_row, int *bad)
{
    return pg_read_rows(((rstmt *)st)->run, col, f, n, obj, stride, rows, res,
                        bad_row, bad);
}

/* The primary again, and every replica on its next turn. */
static int router_reconnect(void *conn)
{
    router *r = conn;
    r->pin = -1;
    r->last = 0;
    r->gen[0]++;
    for (int i = 1; i < r->n; i++)
        if (!r->down[i]) {
            r->down[i] = 1; /* long ago: reset on its next use */
        }
    return pg_reconnect(r->c[0]);
}

static int64_t router_changes(void *conn)
{
    router *r = conn;
    return r->c[r->last]->changes;
}

static int64_t router_total_changes(void *conn)
{
    router *r = conn;
    int64_t t = 0;
    for (int i = 0; i < r->n; i++)
        t += r->c[i]->total_changes;
    return t;
}

static bool router_in_transaction(void *conn)
{
    router *r = conn;
    router_unpin(r);
    return r->pin >= 0;
}

static const char *router_errmsg(void *conn)
{
    router *r = conn;
    if (!r)
        return "out of memory";
    return pg_errmsg(r->c[r->last]);
}

static int router_param_count(void *st) { return ((rstmt *)st)->p.nparams; }
static int router_column_count(void *st) { return ((rstmt *)st)->p.ncols; }

static const char *router_column_name(void *st, int col)
{
    return pg_column_name(((rstmt *)st)->on[0], col);
}

static size_t router_sql_len(void *st) { return ((rstmt *)st)->len; }

const ormc_backend ormc_pg_router_backend = {
    .name = "postgresql with replicas",
    .dialect = &ormc_pg_dialect,
    .open = router_open,
    .close = router_close,
    .exec = router_exec,
    .prepare = router_prepare,
    .finalize = router_finalize,
    .reset = router_reset,
    .bind_null = router_bind_null,
    .bind_int = router_bind_int,
    .bind_real = router_bind_real,
    .bind_text = router_bind_text,
    .bind_blob = router_bind_blob,
    .bind_text_copy = router_bind_text_copy,
    .bind_array = router_bind_array,
    .step = router_step,
    .column_is_null = router_column_is_null,
    .column_int = router_column_int,
    .column_real = router_column_real,
    .column_text = router_column_text,
    .column_blob = router_column_blob,
    .last_insert_id = pg_last_insert_id,
    .changes = router_changes,
    .in_transaction = router_in_transaction,
    .errmsg = router_errmsg,
    .param_count = router_param_count,
    .column_count = router_column_count,
    .column_name = router_column_name,
    .sql_len = router_sql_len,
    .total_changes = router_total_changes,
    .reconnect = router_reconnect,
    .read_fields = router_read_fields,
    .cols = &router_reader_cols,
    .binds = &router_binds,
    .rows_left = router_rows_left,
    .read_rows = router_read_rows,
    .skip_rows = router_skip_rows,
    .bind_fields = router_bind_fields,
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

const ormc_backend ormc_pg_router_backend = {
    .name = "postgresql with replicas",
    .dialect = &ormc_pg_dialect,
    .open = nopg_open,
    .errmsg = nopg_errmsg,
};

#endif
