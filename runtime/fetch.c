/*
 * fetch.c — running queries: fetch (rows, select_related objects shared
 * per id, annotate counts, one child query per prefetch under one read
 * snapshot), first, exists, count and aggregates.  The SQL comes from
 * sql.c; rows are read by object.c's read_row into rows.c's arrays.
 */
#include "rows.h"
#include "sql.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define AT(obj, off) ((char *)(obj) + (off))

int check_query(ormc_db *db, const ormc_model *m, const ormc_query *q,
                ormc_query *all, const ormc_query **qp, const char *verb,
                char what[WHAT_SIZE])
{
    snprintf(what, WHAT_SIZE, "%s.%s", m->name, verb);
    if (!q) {
        ormc_query_init(all, m);
        q = all;
    }
    *qp = q;
    if (q->model != m)
        return db_fail(db, ORMC_INVALID,
                       "%s: query was not initialised for this model", what);
    if (q->error)
        return db_fail(db, q->nomem ? ORMC_NOMEM : ORMC_INVALID, "%s: %s",
                       what, q->error);
    if (q->open)
        return db_fail(db, ORMC_INVALID,
                       "%s: %u group%s not closed with ormc_end", what,
                       (unsigned)q->open, q->open == 1 ? "" : "s");
    return ORMC_OK;
}

/* The related loads of one kind (T_WITH, T_PREFETCH, T_COUNT) in term
 * order, in *out (NULL when none); returns their number, or -1 when out
 * of memory. */
static long loads(const ormc_query *q, int kind, uint16_t **out)
{
    const ormc_term *t = query_terms(q);
    size_t n = 0;
    *out = NULL;
    for (uint32_t i = 0; i < q->nterms; i++)
        n += t[i].kind == kind;
    if (!n)
        return 0;
    uint16_t *v = ormc_malloc(n * sizeof *v);
    if (!v)
        return -1;
    n = 0;
    for (uint32_t i = 0; i < q->nterms; i++)
        if (t[i].kind == kind)
            v[n++] = t[i].rel;
    *out = v;
    return (long)n;
}

/* The main query's rows: for each with_ relation the objects loaded so far
 * by id, so rows naming the same object share one copy. */
typedef struct main_ctx {
    const ormc_model *m;
    uint16_t *with, *count;
    long nwith, ncount;
    idmap *loaded; /* one per with_ */
} main_ctx;

/* One row of the main query: t0, then each with_ model, then counts. */
static int main_row(ormc_db *db, void *stmt, void *obj, const void *ctx,
                    ormc_result *res)
{
    const main_ctx *mc = ctx;
    const ormc_model *m = mc->m;
    int rc = read_row(db, stmt, 0, m, obj, res);
    int col = m->nfields;
    for (long i = 0; i < mc->nwith && rc == ORMC_OK; i++) {
        const ormc_relation *r = &m->relations[mc->with[i]];
        const ormc_model *t = r->target;
        /* only a LEFT JOIN (a nullable relation) can miss its row */
        bool maybe = (m->fields[r->field].flags & ORMC_F_NULLABLE) != 0;
        if (!maybe || !db->be->column_is_null(stmt, col)) {
            int64_t id = db->be->column_int(stmt, col);
            uintptr_t v = idmap_get(&mc->loaded[i], id);
            void *rel = (void *)v;
            if (v == IDMAP_NONE) {
                rel = arena_alloc(res, t->size);
                if (!rel || !idmap_put(&mc->loaded[i], id, (uintptr_t)rel))
                    return db_fail(db, ORMC_NOMEM, "%s: out of memory",
                                   m->name);
                rc = read_row(db, stmt, col, t, rel, res);
            }
            memcpy(AT(obj, r->ptr_offset), &rel, sizeof rel);
        }
        col += t->nfields;
    }
    for (long i = 0; i < mc->ncount; i++, col++) {
        int64_t n = db->be->column_int(stmt, col);
        memcpy(AT(obj, m->reverses[mc->count[i]].count_offset), &n, sizeof n);
    }
    return rc;
}

static int child_row(ormc_db *db, void *stmt, void *obj, const void *ctx,
                     ormc_result *res)
{
    return read_row(db, stmt, 0, ctx, obj, res);
}

/* The child query of one prefetch (sql.c's SQL_CHILD), stitched under the
 * parents. */
static int prefetch_one(ormc_db *db, const ormc_query *q, uint16_t rev,
                        vec *parents, ormc_result *res)
{
    const ormc_reverse *rv = &q->model->reverses[rev];
    char what[160];
    snprintf(what, sizeof what, "%s.prefetch_%s", q->model->name, rv->name);
    sql_req r = {SQL_CHILD, rev, q, what, NULL, NULL, 0};
    void *stmt = sql_stmt(db, &r);
    if (!stmt)
        return db->errcode;
    vec kids = {.size = rv->child->size};
    int rc = step_rows(db, stmt, &kids, child_row, rv->child, res, what);
    if (rc == ORMC_OK)
        rc = stitch(db, q->model, rv, parents, &kids, res);
    ormc_big_free(kids.base); /* NULL once adopted */
    return rc;
}

/* Ends the snapshot of a fetch and returns its status: `rc`, or the end's
 * error when rc was ORMC_OK.  An end that fails rolls the (read-only)
 * transaction back instead, so a fetch never leaves one open. */
static int end_snapshot(ormc_db *db, int rc, const char *what)
{
    int rel = db->be->exec(db->conn, db->dialect->snapshot_end);
    if (rel != ORMC_OK) {
        if (rc == ORMC_OK)
            rc = db_fail_backend(db, rel, what);
        if (db->be->in_transaction(db->conn))
            db->be->exec(db->conn, db->dialect->rollback);
    }
    return rc;
}

/* ormc_fetch of a checked query. */
static int fetch(ormc_db *db, const ormc_query *q, ormc_list *out,
                 const char *what)
{
    const ormc_model *m = q->model;
    main_ctx mc = {.m = m};
    uint16_t *pre = NULL;
    long npre = loads(q, T_PREFETCH, &pre);
    mc.nwith = loads(q, T_WITH, &mc.with);
    mc.ncount = loads(q, T_COUNT, &mc.count);
    if (mc.nwith > 0 && (mc.loaded = ormc_malloc((size_t)mc.nwith *
                                                  sizeof *mc.loaded)))
        memset(mc.loaded, 0, (size_t)mc.nwith * sizeof *mc.loaded);
    int rc = ORMC_OK;
    if (npre < 0 || mc.nwith < 0 || mc.ncount < 0 ||
        (mc.nwith > 0 && !mc.loaded)) {
        rc = db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
        goto done;
    }
    /* The main and the child statements must read one snapshot, or a write
     * between them could leave a loaded parent without its children:
     * outside a transaction, a (deferred, read-only) one holds them
     * together. */
    bool snapshot = npre > 0 && !db->be->in_transaction(db->conn);
    if (snapshot &&
        (rc = tx_exec(db, db->dialect->snapshot_begin, what)) != ORMC_OK)
        goto done;
    sql_req r = {SQL_SELECT, 0, q, what, NULL, NULL, 0};
    void *stmt = sql_stmt(db, &r);
    ormc_result *res = stmt ? arena_new() : NULL;
    if (!res) {
        rc = stmt ? db_fail(db, ORMC_NOMEM, "%s: out of memory", what)
                  : db->errcode;
        db_stmt_done(db, stmt);
        if (snapshot)
            end_snapshot(db, rc, what);
        goto done;
    }
    vec rows = {.size = m->size};
    rc = step_rows(db, stmt, &rows, main_row, &mc, res, what);
    for (long i = 0; i < npre && rc == ORMC_OK; i++)
        rc = prefetch_one(db, q, pre[i], &rows, res);
    if (snapshot)
        rc = end_snapshot(db, rc, what);
    if (rows.base)
        arena_adopt(res, rows.base);
    if (rc != ORMC_OK) {
        ormc_result_free(res);
        goto done;
    }
    out->items = rows.data;
    out->count = rows.n;
    out->owner = res;
    db_ok(db);
done:
    for (long i = 0; i < mc.nwith && mc.loaded; i++)
        idmap_free(&mc.loaded[i]);
    ormc_free(mc.loaded);
    ormc_free(mc.with);
    ormc_free(mc.count);
    ormc_free(pre);
    return rc;
}

int ormc_fetch(ormc_db *db, const ormc_model *m, const ormc_query *q,
               ormc_list *out)
{
    memset(out, 0, sizeof *out);
    ormc_query all;
    char what[WHAT_SIZE];
    int rc = check_query(db, m, q, &all, &q, "fetch", what);
    return rc == ORMC_OK ? fetch(db, q, out, what) : rc;
}

int fetch_one(ormc_db *db, const ormc_model *m, const ormc_query *q,
              const char *verb, bool exactly_one, void **out)
{
    *out = NULL;
    ormc_query all;
    char what[WHAT_SIZE];
    int rc = check_query(db, m, q, &all, &q, verb, what);
    if (rc != ORMC_OK)
        return rc;
    /* the same terms, one row (two to see a second): a shallow copy that
     * is never freed */
    ormc_query one = *q;
    int64_t want = exactly_one ? 2 : 1;
    one.limit = q->limit >= 0 && q->limit < want ? q->limit : want;
    ormc_list l;
    memset(&l, 0, sizeof l);
    if ((rc = fetch(db, &one, &l, what)) != ORMC_OK)
        return rc;
    if (l.count != 1) {
        ormc_result_free(l.owner);
        return l.count ? db_fail(db, ORMC_ERROR,
                                 "%s: more than one row matches", what)
                       : db_fail(db, ORMC_NOT_FOUND, "%s: no row", what);
    }
    /* the object, behind the header ormc_object_free reads, in its result */
    object_header *h = arena_alloc(l.owner, sizeof *h + m->size);
    if (!h) {
        ormc_result_free(l.owner);
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
    }
    h->owner = l.owner;
    memcpy(h + 1, l.items, m->size);
    *out = h + 1;
    return ORMC_OK;
}

int ormc_first(ormc_db *db, const ormc_model *m, const ormc_query *q,
               void **out)
{
    return fetch_one(db, m, q, "first", false, out);
}

int ormc_get_where(ormc_db *db, const ormc_model *m, const ormc_query *q,
                   void **out)
{
    return fetch_one(db, m, q, "get", true, out);
}

/* Runs a one-row statement of kind `kind` over q and steps it to its row.
 * On success *stmt_out is the statement to read and reset. */
static int run_scalar(ormc_db *db, const ormc_model *m, const ormc_query *q,
                      sql_kind kind, uint16_t arg, const char *verb,
                      void **stmt_out)
{
    ormc_query all;
    char what[WHAT_SIZE];
    int rc = check_query(db, m, q, &all, &q, verb, what);
    if (rc != ORMC_OK)
        return rc;
    sql_req r = {kind, arg, q, what, NULL, NULL, 0};
    void *stmt = sql_stmt(db, &r);
    if (!stmt)
        return db->errcode;
    rc = db->be->step(stmt);
    if (rc != ORMC_ROW) {
        db_stmt_done(db, stmt);
        return rc == ORMC_DONE ? db_fail(db, ORMC_ERROR, "%s: no row", what)
                               : db_fail_backend(db, rc, what);
    }
    *stmt_out = stmt;
    return ORMC_OK;
}

/* A statement of one integer (EXISTS, COUNT) over q, into *out. */
static int scalar_int(ormc_db *db, const ormc_model *m, const ormc_query *q,
                      sql_kind kind, const char *verb, int64_t *out)
{
    void *stmt;
    int rc = run_scalar(db, m, q, kind, 0, verb, &stmt);
    if (rc != ORMC_OK)
        return rc;
    *out = db->be->column_int(stmt, 0);
    db_stmt_done(db, stmt);
    db_ok(db);
    return ORMC_OK;
}

int ormc_exists(ormc_db *db, const ormc_model *m, const ormc_query *q,
                bool *out)
{
    int64_t n = 0;
    int rc = scalar_int(db, m, q, SQL_EXISTS, "exists", &n);
    *out = n != 0;
    return rc;
}

int ormc_count_rows(ormc_db *db, const ormc_model *m, const ormc_query *q,
                    int64_t *out)
{
    *out = 0;
    return scalar_int(db, m, q, SQL_COUNT, "count", out);
}

/* Runs an aggregate of `field` (of one of the allowed types) and reads
 * count/is_null; the caller reads columns 1..4. */
static int aggregate(ormc_db *db, const ormc_model *m, const ormc_query *q,
                     uint16_t field, bool real, void **stmt, int64_t *count,
                     bool *is_null)
{
    if (field >= m->nfields)
        return db_fail(db, ORMC_INVALID, "%s.aggregate: unknown field",
                       m->name);
    const ormc_field *f = &m->fields[field];
    bool ok = real ? f->type == ORMC_T_REAL
                   : f->type == ORMC_T_INT || f->type == ORMC_T_DATETIME;
    if (!ok)
        return db_fail(db, ORMC_INVALID,
                       "%s.aggregate: field '%s' is not %s", m->name, f->name,
                       real ? "real" : "int or datetime");
    int rc = run_scalar(db, m, q, SQL_AGG, field, "aggregate", stmt);
    if (rc != ORMC_OK)
        return rc;
    *count = db->be->column_int(*stmt, 0);
    *is_null = db->be->column_is_null(*stmt, 3);
    return ORMC_OK;
}

int ormc_aggregate_int(ormc_db *db, const ormc_model *m,
                       const ormc_query *q, uint16_t field, ormc_int_stats *out)
{
    memset(out, 0, sizeof *out);
    void *stmt;
    int rc = aggregate(db, m, q, field, false, &stmt, &out->count,
                       &out->is_null);
    if (rc != ORMC_OK)
        return rc;
    if (!out->is_null) {
        const ormc_backend *be = db->be;
        out->sum = be->column_int(stmt, 1);
        out->avg = be->column_real(stmt, 2);
        out->min = be->column_int(stmt, 3);
        out->max = be->column_int(stmt, 4);
    }
    db_stmt_done(db, stmt);
    db_ok(db);
    return ORMC_OK;
}

int ormc_aggregate_real(ormc_db *db, const ormc_model *m,
                        const ormc_query *q, uint16_t field,
                        ormc_real_stats *out)
{
    memset(out, 0, sizeof *out);
    void *stmt;
    int rc = aggregate(db, m, q, field, true, &stmt, &out->count,
                       &out->is_null);
    if (rc != ORMC_OK)
        return rc;
    if (!out->is_null) {
        const ormc_backend *be = db->be;
        /* SQLite returns NULL for a NaN result (+Inf plus -Inf) */
        out->sum = be->column_is_null(stmt, 1) ? NAN : be->column_real(stmt, 1);
        out->avg = be->column_is_null(stmt, 2) ? NAN : be->column_real(stmt, 2);
        out->min = be->column_real(stmt, 3);
        out->max = be->column_real(stmt, 4);
    }
    db_stmt_done(db, stmt);
    db_ok(db);
    return ORMC_OK;
}
