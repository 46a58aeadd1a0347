/*
 * schema.c — which schema a database holds: the fingerprint table
 * ormc_meta (written by ormc_schema_create, db.c), ormc_schema_check
 * (the live tables and columns against the descriptors, then the
 * fingerprint) and ormc_schema_open (check, creating the tables of a new
 * database first when asked).
 *
 * ormc_meta is a plain table ("schema" TEXT PRIMARY KEY, "fingerprint"
 * TEXT), not SQLite's application_id / user_version pragmas: the same
 * statements run on any engine, and several schemas can share a file.
 * The columns of a live table are read with the dialect's table_columns
 * statement (SQLite: pragma_table_info).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char META_CREATE[] =
    "CREATE TABLE IF NOT EXISTS \"ormc_meta\" (\n"
    "  \"schema\" TEXT PRIMARY KEY NOT NULL,\n"
    "  \"fingerprint\" TEXT NOT NULL\n)";

/* The SQL of `fmt` with the dialect's placeholders for ?1 and ?2 ("%s"
 * in fmt), into out. */
static void with_params(const ormc_dialect *d, char *out, size_t n,
                        const char *fmt)
{
    char p1[16], p2[16];
    snprintf(p1, sizeof p1, d->param, 1);
    snprintf(p2, sizeof p2, d->param, 2);
    snprintf(out, n, fmt, p1, p2);
}

/* Runs `sql` (a statement of no rows) with text parameters a (and b, if
 * not NULL).  Returns an ormc_status; errmsg(conn) tells why on failure.
 * Not counted: bookkeeping, like the PRAGMAs. */
static int run2(ormc_db *db, const char *sql, const char *a, const char *b)
{
    void *st = NULL;
    int rc = db->be->prepare(db->conn, sql, strlen(sql), &st);
    if (rc == ORMC_OK && !st)
        rc = ORMC_ERROR;
    if (rc == ORMC_OK)
        rc = db->be->bind_text(st, 1, a, strlen(a));
    if (rc == ORMC_OK && b)
        rc = db->be->bind_text(st, 2, b, strlen(b));
    if (rc == ORMC_OK) {
        rc = db->be->step(st);
        rc = rc == ORMC_DONE || rc == ORMC_ROW ? ORMC_OK : rc;
    }
    if (st)
        db->be->finalize(st);
    return rc;
}

int schema_write_meta(ormc_db *db, const ormc_schema *s)
{
    if (!s->fingerprint)
        return ORMC_OK;
    char sql[160];
    int rc = db->be->exec(db->conn, META_CREATE);
    if (rc == ORMC_OK) {
        with_params(db->dialect, sql, sizeof sql,
                    "DELETE FROM \"ormc_meta\" WHERE \"schema\" = %s");
        rc = run2(db, sql, s->name, NULL);
    }
    if (rc == ORMC_OK) {
        with_params(db->dialect, sql, sizeof sql,
                    "INSERT INTO \"ormc_meta\" (\"schema\", \"fingerprint\") "
                    "VALUES (%s, %s)");
        rc = run2(db, sql, s->name, s->fingerprint);
    }
    return rc;
}

/* ---- reading the live database ---- */

/* One column of a live table. */
typedef struct live_col {
    char *name, *type;
    bool notnull, expected;
} live_col;

typedef struct live_table {
    live_col *v;
    size_t n, cap;
} live_table;

static void live_free(live_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        ormc_free(t->v[i].name);
        ormc_free(t->v[i].type);
    }
    ormc_free(t->v);
    memset(t, 0, sizeof *t);
}

static char *dup_col(ormc_db *db, void *st, int col)
{
    size_t n = 0;
    const char *p = db->be->column_is_null(st, col)
                        ? ""
                        : db->be->column_text(st, col, &n);
    char *s = p ? ormc_malloc(n + 1) : NULL;
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* The columns of `table` into *t (empty when there is no such table).
 * Returns an ormc_status, after recording the error on db; *t is the
 * caller's to free (live_free) either way. */
static int read_table(ormc_db *db, const char *ctx, const char *table,
                      live_table *t)
{
    char sql[256];
    with_params(db->dialect, sql, sizeof sql, db->dialect->table_columns);
    void *st = NULL;
    int rc = db->be->prepare(db->conn, sql, strlen(sql), &st);
    if (rc == ORMC_OK && !st)
        rc = ORMC_ERROR;
    if (rc == ORMC_OK)
        rc = db->be->bind_text(st, 1, table, strlen(table));
    while (rc == ORMC_OK) {
        int step = db->be->step(st);
        if (step == ORMC_DONE)
            break;
        if (step != ORMC_ROW) {
            rc = step;
            break;
        }
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 16;
            live_col *v = ormc_realloc(t->v, cap * sizeof *v);
            if (!v) {
                rc = ORMC_NOMEM;
                break;
            }
            t->v = v;
            t->cap = cap;
        }
        live_col *c = &t->v[t->n];
        memset(c, 0, sizeof *c);
        c->name = dup_col(db, st, 0);
        c->type = dup_col(db, st, 1);
        c->notnull = db->be->column_int(st, 2) != 0;
        t->n++;
        if (!c->name || !c->type)
            rc = ORMC_NOMEM;
    }
    if (st)
        db->be->finalize(st);
    if (rc != ORMC_OK)
        return db_fail_backend(db, rc, ctx);
    return ORMC_OK;
}

/* What ormc_meta says: the fingerprint stored for schema `name` into fp,
 * or else (another schema's database) the first other schema's name and
 * fingerprint into other and fp; all empty when ormc_meta has no rows or
 * is not there. */
static int read_fingerprint(ormc_db *db, const char *ctx, const char *name,
                            char *fp, char *other, size_t size)
{
    fp[0] = other[0] = '\0';
    live_table meta = {0};
    int rc = read_table(db, ctx, "ormc_meta", &meta);
    bool exists = meta.n > 0;
    live_free(&meta);
    if (rc != ORMC_OK || !exists)
        return rc;
    char sql[200];
    with_params(db->dialect, sql, sizeof sql,
                "SELECT \"schema\", \"fingerprint\" FROM \"ormc_meta\" "
                "ORDER BY \"schema\" = %s DESC, \"schema\" LIMIT 1");
    void *st = NULL;
    rc = db->be->prepare(db->conn, sql, strlen(sql), &st);
    if (rc == ORMC_OK && !st)
        rc = ORMC_ERROR;
    if (rc == ORMC_OK)
        rc = db->be->bind_text(st, 1, name, strlen(name));
    if (rc == ORMC_OK) {
        rc = db->be->step(st);
        if (rc == ORMC_ROW) {
            size_t n = 0, m = 0;
            const char *s = db->be->column_is_null(st, 0)
                                ? ""
                                : db->be->column_text(st, 0, &n);
            const char *p = s ? db->be->column_text(st, 1, &m) : NULL;
            if (!s || !p) {
                rc = ORMC_NOMEM;
            } else {
                if (strlen(name) != n || memcmp(s, name, n) != 0)
                    snprintf(other, size, "%.*s", (int)n, s);
                snprintf(fp, size, "%.*s", (int)m, p);
                rc = ORMC_OK;
            }
        } else if (rc == ORMC_DONE) {
            rc = ORMC_OK;
        }
    }
    if (st)
        db->be->finalize(st);
    if (rc != ORMC_OK)
        return db_fail_backend(db, rc, ctx);
    return ORMC_OK;
}

/* ---- comparing ---- */

/* One column the schema expects. */
typedef struct want_col {
    const char *name;
    int type;     /* ormc_type */
    bool notnull; /* NOT NULL declared (not for the id) */
    bool pk;
} want_col;

/* The first difference goes to diff (if it is still empty). */
typedef struct checker {
    ormc_db *db;
    const ormc_schema *s;
    char ctx[160];
    char diff[sizeof ((ormc_db *)0)->errmsg];
    bool any_table; /* some table of the schema exists */
} checker;

static void differ(checker *k, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void differ(checker *k, const char *fmt, ...)
{
    if (k->diff[0])
        return;
    int n = snprintf(k->diff, sizeof k->diff, "schema %s: ", k->s->name);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof k->diff)
        vsnprintf(k->diff + n, sizeof k->diff - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Case-insensitive ASCII equality (SQL names and type names). */
static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* Compares live table `table` with the columns want[0..n). */
static int check_table(checker *k, const char *table, const want_col *want,
                       size_t n)
{
    live_table t = {0};
    int rc = read_table(k->db, k->ctx, table, &t);
    if (rc != ORMC_OK) {
        live_free(&t);
        return rc;
    }
    if (t.n == 0) {
        differ(k, "table %s is missing: migrate with ormc diff", table);
        return ORMC_OK;
    }
    k->any_table = true;
    const char *const *types = k->db->dialect->types;
    for (size_t i = 0; i < n && !k->diff[0]; i++) {
        live_col *c = NULL;
        for (size_t j = 0; j < t.n && !c; j++)
            if (same_name(t.v[j].name, want[i].name))
                c = &t.v[j];
        if (!c) {
            differ(k, "table %s has no column %s: migrate with ormc diff",
                   table, want[i].name);
            break;
        }
        c->expected = true;
        const char *type = types[want[i].type];
        if (!same_name(c->type, type))
            differ(k, "column %s.%s has type %s, the schema's is %s: "
                      "migrate with ormc diff",
                   table, want[i].name, c->type, type);
        else if (!want[i].pk && c->notnull != want[i].notnull)
            differ(k, "column %s.%s is %s, the schema's is %s: migrate "
                      "with ormc diff",
                   table, want[i].name,
                   c->notnull ? "NOT NULL" : "nullable",
                   want[i].notnull ? "NOT NULL" : "nullable");
    }
    for (size_t j = 0; j < t.n && !k->diff[0]; j++)
        if (!t.v[j].expected)
            differ(k, "table %s has a column %s the schema does not have: "
                      "migrate with ormc diff",
                   table, t.v[j].name);
    live_free(&t);
    return ORMC_OK;
}

static int check_model(checker *k, const ormc_model *m)
{
    want_col *want = ormc_malloc((m->nfields ? m->nfields : 1) * sizeof *want);
    if (!want)
        return db_fail(k->db, ORMC_NOMEM, "%s: out of memory", k->ctx);
    for (uint16_t i = 0; i < m->nfields; i++) {
        const ormc_field *f = &m->fields[i];
        want[i] = (want_col){f->column, f->type,
                             !(f->flags & ORMC_F_NULLABLE),
                             (f->flags & ORMC_F_PK) != 0};
    }
    int rc = check_table(k, m->table, want, m->nfields);
    ormc_free(want);
    return rc;
}

/* True when the implicit join table `r` was met before model i's reverse
 * j (each is listed by both of its models). */
static bool join_seen(const ormc_schema *s, size_t i, uint16_t j,
                      const ormc_reverse *r)
{
    for (size_t a = 0; a <= i; a++) {
        const ormc_model *m = s->models[a];
        for (uint16_t b = 0; b < m->nreverses && (a < i || b < j); b++) {
            const ormc_reverse *o = &m->reverses[b];
            if (o->join && !o->join_fields && strcmp(o->join, r->join) == 0)
                return true;
        }
    }
    return false;
}

/* The whole comparison; k->diff holds the first difference ("" if none),
 * *empty whether the database holds nothing of the schema. */
static int compare(checker *k, bool *empty)
{
    const ormc_schema *s = k->s;
    char fp[80], other[80];
    int rc = read_fingerprint(k->db, k->ctx, s->name, fp, other, sizeof fp);
    for (size_t i = 0; i < s->nmodels && rc == ORMC_OK; i++)
        rc = check_model(k, s->models[i]);
    for (size_t i = 0; i < s->nmodels && rc == ORMC_OK; i++) {
        const ormc_model *m = s->models[i];
        for (uint16_t j = 0; j < m->nreverses && rc == ORMC_OK; j++) {
            const ormc_reverse *r = &m->reverses[j];
            if (!r->join || r->join_fields || join_seen(s, i, j, r))
                continue;
            want_col want[2] = {{r->join_from, ORMC_T_INT, true, false},
                                {r->join_to, ORMC_T_INT, true, false}};
            rc = check_table(k, r->join, want, 2);
        }
    }
    if (rc != ORMC_OK)
        return rc;
    *empty = !k->any_table && !fp[0];
    if (*empty) {
        k->diff[0] = '\0';
        differ(k, "the database has none of its tables: create them with "
                  "ormc_schema_create, or open with ORMC_CREATE_IF_MISSING");
    } else if (s->fingerprint && other[0]) {
        differ(k, "the database holds schema %s (fingerprint %s), not this "
                  "one (fingerprint %s): migrate with ormc diff",
               other, fp, s->fingerprint);
    } else if (s->fingerprint && !fp[0]) {
        differ(k, "the database has no fingerprint of this schema (no row "
                  "in ormc_meta): it was not made by ormc_schema_create or "
                  "an ormc diff script");
    } else if (s->fingerprint && strcmp(fp, s->fingerprint) != 0) {
        differ(k, "fingerprint differs: the database has %s, the schema "
                  "%s: migrate with ormc diff",
               fp, s->fingerprint);
    }
    return ORMC_OK;
}

static int check(ormc_db *db, const ormc_schema *s, bool *empty)
{
    checker k = {.db = db, .s = s};
    snprintf(k.ctx, sizeof k.ctx, "schema %s check", s->name);
    int rc = compare(&k, empty);
    if (rc != ORMC_OK)
        return rc;
    if (k.diff[0])
        return db_fail(db, ORMC_ERROR, "%s", k.diff);
    db_ok(db);
    return ORMC_OK;
}

int ormc_schema_check(ormc_db *db, const ormc_schema *s)
{
    bool empty;
    return check(db, s, &empty);
}

int ormc_schema_open(ormc_db *db, const ormc_schema *s, unsigned flags)
{
    if (flags & ~ORMC_CREATE_IF_MISSING)
        return db_fail(db, ORMC_INVALID, "schema %s open: unknown flags 0x%x",
                       s->name, flags & ~ORMC_CREATE_IF_MISSING);
    bool empty = false;
    int rc = check(db, s, &empty);
    if (rc == ORMC_OK || !empty || !(flags & ORMC_CREATE_IF_MISSING))
        return rc;
    rc = ormc_schema_create(db, s);
    if (rc != ORMC_OK)
        return rc;
    return check(db, s, &empty);
}
