/*
 * writes.c — writes of many rows in one statement and writes by unique
 * key: update and delete over a query, update of named fields, upsert and
 * get-or-create.  The SQL comes from sql.c (cached by shape); values are
 * validated before any SQL runs, so a refused write is neither counted
 * nor traced.
 */
#include "sql.h"

#include <stdio.h>
#include <string.h>

#define AT(obj, off) ((char *)(obj) + (off))
#define CAT(obj, off) ((const char *)(obj) + (off))

/* Runs a statement that returns no rows; *changes (may be NULL) gets the
 * rows it changed.  Resets the statement. */
static int run_write(ormc_db *db, void *stmt, const char *what,
                     int64_t *changes)
{
    int rc = db->be->step(stmt);
    if (rc == ORMC_DONE || rc == ORMC_ROW) {
        if (changes)
            *changes = db->be->changes(db->conn);
        rc = ORMC_OK;
    } else {
        rc = db_fail_backend(db, rc, what);
    }
    db_stmt_done(db, stmt);
    return rc;
}

/* UPDATE or DELETE over a checked query. */
static int write_where(ormc_db *db, const ormc_model *m, const ormc_query *q,
                       sql_kind kind, const char *verb, int64_t *count)
{
    if (count)
        *count = 0;
    ormc_query all;
    char buf[WHAT_SIZE];
    const char *what;
    int rc = check_query(db, m, q, &all, &q, verb, buf, &what);
    if (rc != ORMC_OK)
        return rc;
    bool sets = has_kind(q, T_SET);
    if (kind == SQL_UPDATE && !sets)
        return db_fail(db, ORMC_INVALID, "%s: nothing to set", what);
    if (kind == SQL_DELETE && sets)
        return db_fail(db, ORMC_INVALID, "%s: a delete has nothing to set",
                       what);
    sql_req r = {.kind = kind, .q = q, .what = what};
    void *stmt = sql_stmt(db, &r);
    if (!stmt)
        return db->errcode;
    int64_t n = 0;
    if ((rc = run_write(db, stmt, what, &n)) != ORMC_OK)
        return rc;
    if (count)
        *count = n;
    db_ok(db);
    return ORMC_OK;
}

int ormc_update_where(ormc_db *db, const ormc_model *m, const ormc_query *q,
                      int64_t *changed)
{
    return write_where(db, m, q, SQL_UPDATE, "update_where", changed);
}

int ormc_delete_where(ormc_db *db, const ormc_model *m, const ormc_query *q,
                      int64_t *deleted)
{
    return write_where(db, m, q, SQL_DELETE, "delete_where", deleted);
}

/* Field numbers held on the stack when few, else in one heap block. */
typedef struct field_list {
    uint16_t small[32];
    uint16_t *v;
} field_list;

static uint16_t *field_list_alloc(field_list *l, size_t n)
{
    l->v = n <= 32 ? l->small : ormc_malloc(n * sizeof *l->v);
    return l->v;
}

static void field_list_free(field_list *l)
{
    if (l->v != l->small)
        ormc_free(l->v);
}

int ormc_update_fields(ormc_db *db, const ormc_model *m, const void *obj,
                       const ormc_path *fields, size_t n, size_t stride)
{
    char buf[WHAT_SIZE];
    const char *what = db_label(db, buf, m->name, ".update_fields", NULL);
    if (!n)
        return db_fail(db, ORMC_INVALID, "%s: no fields to update", what);
    field_list fl;
    uint16_t *f = field_list_alloc(&fl, n);
    if (!f)
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
    int rc = ORMC_OK;
    for (size_t i = 0; i < n && rc == ORMC_OK; i++) {
        const ormc_path *p =
            (const ormc_path *)((const char *)fields + i * stride);
        if (p->root != m || p->nsteps || p->field == 0 ||
            p->field >= m->nfields) {
            rc = db_fail(db, ORMC_INVALID,
                         "%s: fields[%zu] is not a field of %s itself (nor "
                         "its id)",
                         what, i, m->name);
            break;
        }
        f[i] = p->field;
        for (size_t k = 0; k < i && rc == ORMC_OK; k++)
            if (f[k] == f[i])
                rc = db_fail(db, ORMC_INVALID, "%s: field '%s' listed twice",
                             what, m->fields[f[i]].name);
        if (rc == ORMC_OK)
            rc = check_field(db, m, &m->fields[f[i]], obj);
    }
    void *stmt = NULL;
    if (rc == ORMC_OK) {
        ormc_query none;
        ormc_query_init(&none, m);
        sql_req r = {.kind = SQL_UPDATE_FIELDS, .q = &none, .what = what,
                     .obj = obj, .fields = f, .nfields = n};
        stmt = sql_stmt(db, &r);
        rc = stmt ? ORMC_OK : db->errcode;
    }
    field_list_free(&fl);
    int64_t changed = 0;
    if (rc != ORMC_OK || (rc = run_write(db, stmt, what, &changed)) != ORMC_OK)
        return rc;
    if (!changed) {
        int64_t id;
        memcpy(&id, CAT(obj, m->fields[0].offset), sizeof id);
        return db_fail(db, ORMC_NOT_FOUND, "%s: no row with id %lld", what,
                       (long long)id);
    }
    db_ok(db);
    return ORMC_OK;
}

/* Checks that key[0..nkey) names fields of m (not id). */
static int key_ok(ormc_db *db, const ormc_model *m, const uint16_t *key,
                  size_t nkey, const char *what)
{
    if (!nkey)
        return db_fail(db, ORMC_INVALID, "%s: empty key", what);
    for (size_t i = 0; i < nkey; i++)
        if (key[i] == 0 || key[i] >= m->nfields)
            return db_fail(db, ORMC_INVALID, "%s: key field %u unknown",
                           what, (unsigned)key[i]);
    return ORMC_OK;
}

int ormc_upsert(ormc_db *db, const ormc_model *m, void *obj,
                const uint16_t *key, size_t nkey)
{
    char buf[WHAT_SIZE];
    const char *what = db_label(db, buf, m->name, ".upsert", NULL);
    int rc = key_ok(db, m, key, nkey, what);
    if (rc == ORMC_OK)
        rc = check_fields(db, m, obj);
    if (rc != ORMC_OK)
        return rc;
    /* in a savepoint: the change is made at the first step (RETURNING),
     * so a failure after it (the step to the end, the commit) undoes it */
    if ((rc = db_savepoint(db, "ormc_upsert", SP_BEGIN, what)) != ORMC_OK)
        return rc;
    ormc_query none;
    ormc_query_init(&none, m);
    sql_req r = {.kind = SQL_UPSERT, .q = &none, .what = what,
                 .obj = obj, .fields = key, .nfields = nkey};
    void *stmt = sql_stmt(db, &r);
    if (!stmt) {
        rc = db->errcode;
        db_savepoint(db, "ormc_upsert", SP_UNDO, what);
        return rc;
    }
    bool got = false;
    int64_t id = 0;
    rc = db->be->step(stmt);
    if (rc == ORMC_ROW) {
        got = true;
        id = db->be->column_int(stmt, 0);
        /* step to the end, so the statement is complete before reset */
        rc = db->be->step(stmt);
    }
    rc = rc == ORMC_DONE ? ORMC_OK : db_fail_backend(db, rc, what);
    db_stmt_done(db, stmt);
    if (rc == ORMC_OK)
        rc = db_savepoint(db, "ormc_upsert", SP_RELEASE, what);
    if (rc != ORMC_OK) {
        db_savepoint(db, "ormc_upsert", SP_UNDO, what);
        return rc;
    }
    if (got)
        memcpy(AT(obj, m->fields[0].offset), &id, sizeof id);
    db_ok(db);
    return rc;
}

/* The query "key fields equal defaults' values" on m into *q (initialised
 * here; free with ormc_query_free). */
static int key_query(ormc_db *db, const ormc_model *m, const void *obj,
                     const uint16_t *key, size_t nkey, ormc_query *q,
                     const char *what)
{
    ormc_query_init(q, m);
    for (size_t i = 0; i < nkey; i++) {
        const ormc_field *f = &m->fields[key[i]];
        ormc_path p = {m, key[i], f->type, 0, {0}};
        const void *v = CAT(obj, f->offset);
        bool is_null = false;
        if (f->null_offset)
            memcpy(&is_null, CAT(obj, f->null_offset), sizeof is_null);
        int64_t iv;
        double rv;
        const char *sv;
        bool bv;
        switch ((ormc_type)f->type) {
        case ORMC_T_REAL:
            memcpy(&rv, v, sizeof rv);
            ormc_where_real(q, &p, ORMC_EQ, rv);
            break;
        case ORMC_T_BOOL:
            memcpy(&bv, v, sizeof bv);
            ormc_where_bool(q, &p, ORMC_EQ, bv);
            break;
        case ORMC_T_TEXT:
            memcpy(&sv, v, sizeof sv);
            is_null = !sv;
            if (sv)
                ormc_where_text(q, &p, ORMC_EQ, sv);
            break;
        case ORMC_T_BLOB:
            return db_fail(db, ORMC_INVALID, "%s: a blob key is not supported",
                           what);
        default:
            memcpy(&iv, v, sizeof iv);
            ormc_where_int(q, &p, ORMC_EQ, iv);
        }
        if (is_null) {
            ormc_query_free(q);
            return db_fail(db, ORMC_INVALID, "%s: key field '%s' is NULL",
                           what, f->name);
        }
    }
    return ORMC_OK;
}

int ormc_get_or_create(ormc_db *db, const ormc_model *m, const void *defaults,
                       const uint16_t *key, size_t nkey, void **out,
                       bool *created)
{
    *out = NULL;
    *created = false;
    char buf[WHAT_SIZE];
    const char *what = db_label(db, buf, m->name, ".get_or_create", NULL);
    int rc = key_ok(db, m, key, nkey, what);
    if (rc == ORMC_OK)
        rc = check_fields(db, m, defaults);
    ormc_query q;
    if (rc != ORMC_OK ||
        (rc = key_query(db, m, defaults, key, nkey, &q, what)) != ORMC_OK)
        return rc;
    rc = fetch_one(db, m, &q, "get_or_create", false, out);
    if (rc != ORMC_NOT_FOUND)
        goto done;
    /* none yet: insert it, unless another connection just did; in a
     * savepoint, so a failure reading the new row back leaves no row */
    if ((rc = db_savepoint(db, "ormc_get_or_create", SP_BEGIN, what)) !=
        ORMC_OK)
        goto done;
    ormc_query none;
    ormc_query_init(&none, m);
    sql_req r = {.kind = SQL_INSERT_KEEP, .q = &none, .what = what,
                 .obj = defaults, .fields = key, .nfields = nkey};
    void *stmt = sql_stmt(db, &r);
    if (!stmt) {
        rc = db->errcode;
        db_savepoint(db, "ormc_get_or_create", SP_UNDO, what);
        goto done;
    }
    rc = db->be->step(stmt);
    if (rc == ORMC_ROW) {
        void *obj;
        rc = read_object(db, stmt, m, &obj);
        if (rc == ORMC_NOMEM)
            rc = db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
        else if (rc != ORMC_OK) /* bad data: read_row said where */
            rc = db_restate(db, what, NULL);
        else if ((rc = db->be->step(stmt)) != ORMC_DONE)
            rc = db_fail_backend(db, rc, what);
        else
            rc = ORMC_OK;
        if (rc == ORMC_OK) {
            *out = obj;
            *created = true;
        } else {
            ormc_object_free(obj);
        }
        db_stmt_done(db, stmt);
    } else if (rc == ORMC_DONE) {
        db_stmt_done(db, stmt);
        rc = ORMC_NOT_FOUND; /* read below, after the savepoint */
    } else {
        rc = db_fail_backend(db, rc, what);
        db_stmt_done(db, stmt);
    }
    if (rc == ORMC_OK || rc == ORMC_NOT_FOUND) {
        int end = db_savepoint(db, "ormc_get_or_create", SP_RELEASE, what);
        if (end != ORMC_OK) {
            db_savepoint(db, "ormc_get_or_create", SP_UNDO, what);
            ormc_object_free(*out);
            *out = NULL;
            *created = false;
            rc = end;
        }
    } else {
        db_savepoint(db, "ormc_get_or_create", SP_UNDO, what);
    }
    if (rc == ORMC_NOT_FOUND)
        rc = fetch_one(db, m, &q, "get_or_create", false, out);
done:
    ormc_query_free(&q);
    if (rc == ORMC_OK)
        db_ok(db);
    return rc;
}

/* ---- many-to-many links ---- */

/* Runs link statement `kind` of relation rev for row id and array ids. */
static int link_run(ormc_db *db, const ormc_model *m, uint16_t rev,
                    sql_kind kind, int64_t id, const int64_t *ids, size_t n,
                    const char *what)
{
    void *stmt = sql_link_stmt(db, m, rev, kind, what);
    if (!stmt)
        return db->errcode;
    int rc = db->be->bind_int(stmt, 1, id);
    if (rc == ORMC_OK && kind != SQL_LINK_CLEAR)
        rc = db->be->bind_array(stmt, 2, ORMC_T_INT, ids, n);
    if (rc != ORMC_OK) {
        db_stmt_done(db, stmt);
        return db_fail_backend(db, rc, what);
    }
    return run_write(db, stmt, what, NULL);
}

int ormc_link(ormc_db *db, const ormc_model *m, uint16_t rev, int op,
              int64_t id, const int64_t *ids, size_t n)
{
    static const char *const verb[] = {".add_", ".set_", ".remove_",
                                       ".clear_"};
    char buf[WHAT_SIZE];
    if (rev >= m->nreverses || !m->reverses[rev].join)
        return db_fail(db, ORMC_INVALID,
                       "%s.link: not a many-to-many relation", m->name);
    const ormc_reverse *rv = &m->reverses[rev];
    if (op < ORMC_LINK_ADD || op > ORMC_LINK_CLEAR)
        return db_fail(db, ORMC_INVALID, "%s.link_%s: unknown operation %d",
                       m->name, rv->name, op);
    const char *what = db_label(db, buf, m->name, verb[op], rv->name);
    if (op == ORMC_LINK_CLEAR)
        n = 0;
    else if (n && !ids)
        return db_fail(db, ORMC_INVALID, "%s: %zu ids but no array", what, n);
    if (rv->join_fields && (op == ORMC_LINK_ADD || op == ORMC_LINK_SET))
        return db_fail(db, ORMC_INVALID,
                       "%s: the links are rows of a model with fields of its "
                       "own (%s): insert those rows instead", what, rv->join);
    static const int64_t none[1] = {0};
    if (!ids)
        ids = none;
    int rc;
    switch (op) {
    case ORMC_LINK_ADD:
        rc = link_run(db, m, rev, SQL_LINK_ADD, id, ids, n, what);
        break;
    case ORMC_LINK_REMOVE:
        rc = link_run(db, m, rev, SQL_LINK_REMOVE, id, ids, n, what);
        break;
    case ORMC_LINK_CLEAR:
        rc = link_run(db, m, rev, SQL_LINK_CLEAR, id, ids, 0, what);
        break;
    default: /* SET: both statements or neither */
        if ((rc = db_savepoint(db, "ormc_link", SP_BEGIN, what)) != ORMC_OK)
            return rc;
        rc = link_run(db, m, rev, SQL_LINK_KEEP, id, ids, n, what);
        if (rc == ORMC_OK)
            rc = link_run(db, m, rev, SQL_LINK_ADD, id, ids, n, what);
        if (rc == ORMC_OK)
            rc = db_savepoint(db, "ormc_link", SP_RELEASE, what);
        if (rc != ORMC_OK) /* keeps the error on db */
            db_savepoint(db, "ormc_link", SP_UNDO, what);
        break;
    }
    if (rc == ORMC_OK)
        db_ok(db);
    return rc;
}
