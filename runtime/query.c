/*
 * query.c — the query builder, the SQL it turns into, and fetching:
 * select_related (JOIN), annotate (correlated COUNT subquery), prefetch
 * (one child query, stitched in memory), count and aggregates.
 *
 * SQL shape (alias t0 is always the queried model, t1.. the joined ones):
 *   SELECT t0.<cols>, t1.<cols>, (SELECT COUNT(*) FROM "child" AS c
 *          WHERE c."fk" = t0."id") FROM "model" AS t0
 *   [LEFT] JOIN "target" AS t1 ON t1."id" = t0."fk"
 *   WHERE <filters> ORDER BY <terms>, t0."id" LIMIT ? OFFSET ?
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { K_INT, K_REAL, K_TEXT, K_NULL, K_IN_INT, K_IN_TEXT };

#define AT(obj, off) ((char *)(obj) + (off))

/* ---- builder ---- */

void ormc_query_init(ormc_query *q, const ormc_model *model)
{
    memset(q, 0, sizeof *q);
    q->model = model;
    q->limit = -1;
}

static ormc_filter *add_filter(ormc_query *q, uint16_t field, int kind)
{
    if (field >= q->model->nfields) {
        if (!q->error)
            q->error = "filter on a field the model does not have";
        return NULL;
    }
    if (q->nfilters >= ORMC_MAX_FILTERS) {
        if (!q->error)
            q->error = "too many filters (at most 16 per query)";
        return NULL;
    }
    ormc_filter *f = &q->filters[q->nfilters++];
    memset(f, 0, sizeof *f);
    f->field = field;
    f->kind = (uint8_t)kind;
    return f;
}

/* Checks a comparison operator; records misuse on q. */
static bool valid_op(ormc_query *q, ormc_op op)
{
    if ((unsigned)op <= ORMC_GE)
        return true;
    if (!q->error)
        q->error = "unknown comparison operator";
    return false;
}

void ormc_where_int(ormc_query *q, uint16_t field, ormc_op op, int64_t v)
{
    if (!valid_op(q, op))
        return;
    ormc_filter *f = add_filter(q, field, K_INT);
    if (f)
        f->op = (uint8_t)op, f->v.i = v;
}

void ormc_where_real(ormc_query *q, uint16_t field, ormc_op op, double v)
{
    if (!valid_op(q, op))
        return;
    if (isnan(v)) { /* SQLite would bind NULL and silently match nothing */
        if (!q->error)
            q->error = "NaN value in a filter";
        return;
    }
    ormc_filter *f = add_filter(q, field, K_REAL);
    if (f)
        f->op = (uint8_t)op, f->v.r = v;
}

void ormc_where_text(ormc_query *q, uint16_t field, ormc_op op, const char *v)
{
    if (!valid_op(q, op))
        return;
    if (!v) {
        if (!q->error)
            q->error = "NULL text value in a filter (use the _null filter)";
        return;
    }
    ormc_filter *f = add_filter(q, field, K_TEXT);
    if (f)
        f->op = (uint8_t)op, f->v.s = v;
}

void ormc_where_null(ormc_query *q, uint16_t field, bool is_null)
{
    ormc_filter *f = add_filter(q, field, K_NULL);
    if (f)
        f->op = is_null;
}

void ormc_where_int_in(ormc_query *q, uint16_t field, const int64_t *v, size_t n)
{
    ormc_filter *f = add_filter(q, field, K_IN_INT);
    if (f)
        f->v.iv = v, f->n = n;
}

void ormc_where_text_in(ormc_query *q, uint16_t field, const char *const *v,
                        size_t n)
{
    ormc_filter *f = add_filter(q, field, K_IN_TEXT);
    if (f)
        f->v.sv = v, f->n = n;
}

void ormc_order_by(ormc_query *q, uint16_t field, ormc_dir dir)
{
    if (field >= q->model->nfields || q->norder >= ORMC_MAX_ORDER) {
        if (!q->error)
            q->error = "bad order_by (unknown field or more than 8 terms)";
        return;
    }
    q->order[q->norder].field = field;
    q->order[q->norder].desc = dir == ORMC_DESC;
    q->norder++;
}

void ormc_limit(ormc_query *q, int64_t n)
{
    if (n < 0 && !q->error)
        q->error = "negative limit";
    q->limit = n;
}

void ormc_offset(ormc_query *q, int64_t n)
{
    if (n < 0 && !q->error)
        q->error = "negative offset";
    q->offset = n;
}

/* Adds relation index `rel` (< max) to set[*n] once. */
static void add_rel(ormc_query *q, uint16_t *set, uint8_t *n, uint16_t rel,
                    uint16_t max)
{
    if (rel >= max) {
        if (!q->error)
            q->error = "unknown relation";
        return;
    }
    for (uint8_t i = 0; i < *n; i++)
        if (set[i] == rel)
            return;
    if (*n >= ORMC_MAX_RELATED) {
        if (!q->error)
            q->error = "too many related loads (at most 8 of each kind)";
        return;
    }
    set[(*n)++] = rel;
}

void ormc_with(ormc_query *q, uint16_t rel)
{
    add_rel(q, q->with, &q->nwith, rel, q->model->nrelations);
}

void ormc_prefetch(ormc_query *q, uint16_t rev)
{
    add_rel(q, q->prefetch, &q->nprefetch, rev, q->model->nreverses);
}

void ormc_count(ormc_query *q, uint16_t rev)
{
    add_rel(q, q->count, &q->ncount, rev, q->model->nreverses);
}

/* ---- SQL text ---- */

static void put_col(sbuf *b, int alias, const ormc_field *f)
{
    sb_printf(b, "t%d.", alias);
    sb_put(b, f->column);
}

static void put_cols(sbuf *b, int alias, const ormc_model *m, bool first)
{
    for (uint16_t i = 0; i < m->nfields; i++) {
        if (!first || i)
            sb_put(b, ", ");
        put_col(b, alias, &m->fields[i]);
    }
}

static const char *const OPS[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};

static void put_where(sbuf *b, const ormc_query *q)
{
    for (uint8_t i = 0; i < q->nfilters; i++) {
        const ormc_filter *f = &q->filters[i];
        sb_put(b, i ? " AND " : " WHERE ");
        if ((f->kind == K_IN_INT || f->kind == K_IN_TEXT) && f->n == 0) {
            sb_put(b, "1 = 0"); /* IN () matches nothing */
            continue;
        }
        put_col(b, 0, &q->model->fields[f->field]);
        switch (f->kind) {
        case K_NULL:
            sb_put(b, f->op ? " IS NULL" : " IS NOT NULL");
            break;
        case K_IN_INT:
        case K_IN_TEXT:
            sb_put(b, " IN (?");
            for (size_t k = 1; k < f->n; k++)
                sb_put(b, ", ?");
            sb_put(b, ")");
            break;
        default:
            sb_put(b, OPS[f->op]);
            sb_put(b, "?");
        }
    }
}

/* ORDER BY the query's terms (or the model's default), then id. */
static void put_order_terms(sbuf *b, const ormc_model *m,
                            const ormc_order_term *t, uint8_t n)
{
    bool has_id = false;
    sb_put(b, " ORDER BY ");
    for (uint8_t i = 0; i < n; i++) {
        if (i)
            sb_put(b, ", ");
        put_col(b, 0, &m->fields[t[i].field]);
        if (t[i].desc)
            sb_put(b, " DESC");
        has_id |= t[i].field == 0;
    }
    if (!has_id) {
        if (n)
            sb_put(b, ", ");
        put_col(b, 0, &m->fields[0]);
    }
}

static void put_order(sbuf *b, const ormc_query *q)
{
    if (q->norder)
        put_order_terms(b, q->model, q->order, q->norder);
    else
        put_order_terms(b, q->model, q->model->order,
                        (uint8_t)q->model->norder);
}

static bool has_window(const ormc_query *q)
{
    return q->limit >= 0 || q->offset > 0;
}

static void put_window(sbuf *b, const ormc_query *q)
{
    if (has_window(q))
        sb_put(b, " LIMIT ? OFFSET ?");
}

/* FROM "t" AS t0 WHERE ... ORDER BY ... LIMIT: the rows of q, no joins. */
static void put_body(sbuf *b, const ormc_query *q, bool ordered)
{
    sb_put(b, " FROM ");
    sb_put(b, q->model->table);
    sb_put(b, " AS t0");
    put_where(b, q);
    if (ordered)
        put_order(b, q);
    put_window(b, q);
}

/* Binds the parameters put_where and put_window emitted, from *idx on. */
static int bind_body(ormc_db *db, void *stmt, const ormc_query *q, int *idx,
                     const char *what)
{
    const ormc_backend *be = db->be;
    int rc = ORMC_OK;
    for (uint8_t i = 0; i < q->nfilters && rc == ORMC_OK; i++) {
        const ormc_filter *f = &q->filters[i];
        switch (f->kind) {
        case K_INT: rc = be->bind_int(stmt, (*idx)++, f->v.i); break;
        case K_REAL: rc = be->bind_real(stmt, (*idx)++, f->v.r); break;
        case K_TEXT:
            rc = be->bind_text(stmt, (*idx)++, f->v.s, strlen(f->v.s));
            break;
        case K_IN_INT:
            for (size_t k = 0; k < f->n && rc == ORMC_OK; k++)
                rc = be->bind_int(stmt, (*idx)++, f->v.iv[k]);
            break;
        case K_IN_TEXT:
            for (size_t k = 0; k < f->n && rc == ORMC_OK; k++) {
                const char *s = f->v.sv[k];
                rc = s ? be->bind_text(stmt, (*idx)++, s, strlen(s))
                       : be->bind_null(stmt, (*idx)++);
            }
            break;
        default: break;
        }
    }
    if (rc == ORMC_OK && has_window(q)) {
        rc = be->bind_int(stmt, (*idx)++, q->limit >= 0 ? q->limit : -1);
        if (rc == ORMC_OK)
            rc = be->bind_int(stmt, (*idx)++, q->offset);
    }
    return rc == ORMC_OK ? ORMC_OK : db_fail_backend(db, rc, what);
}

/* Checks the query before any SQL runs; a NULL q becomes "all rows" in
 * *all.  Sets *qp to the query to run. */
static int check_query(ormc_db *db, const ormc_model *m, const ormc_query *q,
                       ormc_query *all, const ormc_query **qp,
                       const char *what)
{
    if (!q) {
        ormc_query_init(all, m);
        q = all;
    }
    *qp = q;
    if (q->model != m)
        return db_fail(db, ORMC_INVALID,
                       "%s.%s: query was not initialised for this model",
                       m->name, what);
    if (q->error)
        return db_fail(db, ORMC_INVALID, "%s.%s: %s", q->model->name, what,
                       q->error);
    return ORMC_OK;
}

/* Prepares `b` (or records OOM), binds q's parameters. NULL on error;
 * `what` names the call in messages. */
static void *prepare_bound(ormc_db *db, sbuf *b, const ormc_query *q,
                           const char *what)
{
    if (b->oom) {
        db_fail(db, ORMC_NOMEM, "%s: out of memory building SQL", what);
        return NULL;
    }
    void *stmt = db_stmt(db, b->s, b->len, what, NULL);
    if (!stmt)
        return NULL;
    int idx = 1;
    if (bind_body(db, stmt, q, &idx, what) != ORMC_OK) {
        db_stmt_done(db, stmt);
        return NULL;
    }
    return stmt;
}

/* ---- fetch ---- */

/* Growable array of fixed-size elements, memory from ormc_big_realloc, with
 * room for a chunk header in front so the result can adopt it whole. */
typedef struct vec {
    char *base; /* the allocation; elements start ARENA_BLOCK_HDR later */
    char *data;
    size_t n, cap, size;
} vec;

/* Appends one zeroed element; NULL when out of memory. */
static void *vec_push(vec *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        if (cap > (SIZE_MAX - ARENA_BLOCK_HDR) / 2 / v->size)
            return NULL;
        char *b = ormc_big_realloc(v->base, ARENA_BLOCK_HDR + cap * v->size);
        if (!b)
            return NULL;
        v->base = b;
        v->data = b + ARENA_BLOCK_HDR;
        v->cap = cap;
    }
    void *e = v->data + v->n++ * v->size;
    memset(e, 0, v->size);
    return e;
}

/* Steps `stmt`, reading each row with `row(ctx, stmt, elem)` into a new
 * element of v.  Returns status; resets the statement. */
typedef int (*row_fn)(ormc_db *db, void *stmt, void *elem, const void *ctx,
                      ormc_result *res);

static int step_rows(ormc_db *db, void *stmt, vec *v, row_fn row,
                     const void *ctx, ormc_result *res, const char *what)
{
    int rc;
    while ((rc = db->be->step(stmt)) == ORMC_ROW) {
        void *e = vec_push(v);
        if (!e) {
            rc = db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
            break;
        }
        rc = row(db, stmt, e, ctx, res);
        if (rc == ORMC_ERROR) { /* bad data: read_row said where */
            db_stmt_done(db, stmt);
            return db_restate(db, what, NULL);
        }
        if (rc != ORMC_OK)
            break;
    }
    if (rc == ORMC_DONE)
        rc = ORMC_OK;
    else if (rc != ORMC_OK && rc != ORMC_NOMEM)
        rc = db_fail_backend(db, rc, what);
    else if (rc == ORMC_NOMEM) /* from step, or restating read_row's */
        rc = db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
    db_stmt_done(db, stmt);
    return rc;
}

/* Open-addressing map from an id to a value (an index or a pointer),
 * at most half full. */
typedef struct idmap {
    int64_t *keys;
    uintptr_t *vals; /* IDMAP_NONE: empty slot */
    size_t mask, n;
} idmap;

#define IDMAP_NONE UINTPTR_MAX

static size_t id_slot(const idmap *h, int64_t id)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 17) & h->mask;
}

/* Empties h with room for n keys; false when out of memory. */
static bool idmap_init(idmap *h, size_t n)
{
    size_t cap = 16;
    if (n > SIZE_MAX / 4 / sizeof *h->keys)
        return false;
    while (cap < n * 2)
        cap *= 2;
    int64_t *keys = ormc_big_malloc(cap * sizeof *keys);
    uintptr_t *vals = ormc_big_malloc(cap * sizeof *vals);
    if (!keys || !vals) {
        ormc_big_free(keys);
        ormc_big_free(vals);
        return false;
    }
    for (size_t i = 0; i < cap; i++)
        vals[i] = IDMAP_NONE;
    ormc_big_free(h->keys);
    ormc_big_free(h->vals);
    *h = (idmap){keys, vals, cap - 1, 0};
    return true;
}

static void idmap_put_slot(idmap *h, int64_t id, uintptr_t v)
{
    size_t s = id_slot(h, id);
    while (h->vals[s] != IDMAP_NONE)
        s = (s + 1) & h->mask;
    h->keys[s] = id;
    h->vals[s] = v;
    h->n++;
}

/* Adds id -> v (id not yet present), growing h; false when out of memory
 * (h unchanged). */
static bool idmap_put(idmap *h, int64_t id, uintptr_t v)
{
    if (!h->keys || (h->n + 1) * 2 > h->mask + 1) {
        idmap old = *h, grown = {0};
        if (!idmap_init(&grown, old.keys ? old.mask + 1 : 16))
            return false;
        for (size_t i = 0; old.keys && i <= old.mask; i++)
            if (old.vals[i] != IDMAP_NONE)
                idmap_put_slot(&grown, old.keys[i], old.vals[i]);
        ormc_big_free(old.keys);
        ormc_big_free(old.vals);
        *h = grown;
    }
    idmap_put_slot(h, id, v);
    return true;
}

static uintptr_t idmap_get(const idmap *h, int64_t id)
{
    if (!h->keys)
        return IDMAP_NONE;
    for (size_t s = id_slot(h, id); h->vals[s] != IDMAP_NONE;
         s = (s + 1) & h->mask)
        if (h->keys[s] == id)
            return h->vals[s];
    return IDMAP_NONE;
}

static void idmap_free(idmap *h)
{
    ormc_big_free(h->keys);
    ormc_big_free(h->vals);
    *h = (idmap){0};
}

/* The main query's rows: q, and for each with_ relation the objects loaded
 * so far by id, so rows naming the same object share one copy. */
typedef struct main_ctx {
    const ormc_query *q;
    idmap loaded[ORMC_MAX_RELATED];
} main_ctx;

/* One row of the main query: t0, then each with_ model, then counts. */
static int main_row(ormc_db *db, void *stmt, void *obj, const void *ctx,
                    ormc_result *res)
{
    main_ctx *mc = (main_ctx *)ctx;
    const ormc_query *q = mc->q;
    const ormc_model *m = q->model;
    int rc = read_row(db, stmt, 0, m, obj, res);
    int col = m->nfields;
    for (uint8_t i = 0; i < q->nwith && rc == ORMC_OK; i++) {
        const ormc_relation *r = &m->relations[q->with[i]];
        const ormc_model *t = r->target;
        if (!db->be->column_is_null(stmt, col)) {
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
    for (uint8_t i = 0; i < q->ncount; i++, col++) {
        int64_t n = db->be->column_int(stmt, col);
        memcpy(AT(obj, m->reverses[q->count[i]].count_offset), &n, sizeof n);
    }
    return rc;
}

static int child_row(ormc_db *db, void *stmt, void *obj, const void *ctx,
                     ormc_result *res)
{
    return read_row(db, stmt, 0, ctx, obj, res);
}


/* Puts the element in *hand (size bytes) into slot and takes the one that
 * was there into hand, using *spare (the buffers trade places). */
static void swap_in(char *slot, char **hand, char **spare, size_t size)
{
    char *t = *spare;
    memcpy(t, slot, size);
    memcpy(slot, *hand, size);
    *spare = *hand;
    *hand = t;
}

/* Moves element i of data[0..n) (each `size` bytes) to position
 * dest[i] - off, where dest[0..n) holds each of off..off+n-1 once; dest is
 * left as off..off+n-1.  Follows each cycle of the permutation carrying
 * one element in hand (tmp: room for two): every element is copied twice,
 * whatever the cycle lengths. */
static void permute_cycles(char *data, size_t *dest, size_t n, size_t off,
                           size_t size, char *tmp)
{
    char *hand = tmp, *spare = tmp + size;
    for (size_t i = 0; i < n; i++) {
        if (dest[i] == off + i)
            continue;
        memcpy(hand, data + i * size, size);
        size_t j = dest[i] - off;
        while (j != i) {
            swap_in(data + j * size, &hand, &spare, size);
            size_t k = dest[j] - off;
            dest[j] = off + j;
            j = k;
        }
        memcpy(data + i * size, hand, size);
        dest[i] = off + i;
    }
}

/* Elements per block of permute: about 32 KiB, so a block's cycles stay
 * in the cache. */
static unsigned block_shift(size_t size)
{
    unsigned shift = 4;
    while (shift < 16 && (size << (shift + 1)) <= 32768)
        shift++;
    return shift;
}

/* permute_cycles over the whole array, in two passes when it is large:
 * the cycles of a random permutation jump across the whole array, one
 * cache miss per element (a quarter of a million-child prefetch).  So
 * first every element goes to its block of 2^shift positions, in place
 * (an American flag sort: each block fills from its front, so the writes
 * go to a few thousand streams, each in order), then each block, now in
 * the cache, is permuted on its own.  One pass for 1 MiB or less (it
 * fits the cache already) or when the block table cannot be allocated. */
static void permute(char *data, size_t *dest, size_t n, size_t size,
                    char *tmp)
{
    unsigned shift = block_shift(size);
    size_t nb = (n >> shift) + 1;
    size_t *fill = n * size > ((size_t)1 << 20)
                       ? ormc_big_malloc(nb * sizeof *fill)
                       : NULL;
    if (!fill) {
        permute_cycles(data, dest, n, 0, size, tmp);
        return;
    }
    const size_t blk = (size_t)1 << shift;
    for (size_t k = 0; k < nb; k++)
        fill[k] = k * blk; /* first position of block k not yet done */
    char *hand = tmp, *spare = tmp + size;
    for (size_t k = 0; k < nb; k++) {
        size_t end = n - k * blk < blk ? n : (k + 1) * blk;
        while (fill[k] < end) {
            size_t i = fill[k], hd = dest[i];
            if (hd >> shift == k) {
                fill[k]++;
                continue;
            }
            /* carry i's element to its block, taking out the one there,
             * until one for block k comes back to the hole at i */
            memcpy(hand, data + i * size, size);
            do {
                size_t j = fill[hd >> shift]++, jd = dest[j];
                swap_in(data + j * size, &hand, &spare, size);
                dest[j] = hd;
                hd = jd;
            } while (hd >> shift != k);
            memcpy(data + i * size, hand, size);
            dest[i] = hd;
            fill[k]++;
        }
    }
    ormc_big_free(fill);
    for (size_t lo = 0; lo < n; lo += blk)
        permute_cycles(data + lo * size, dest + lo, n - lo < blk ? n - lo : blk,
                       lo, size, tmp);
}

/* Groups the children in `kids` under their parents in `parents`, keeping
 * the children's order within each parent: one pass to count, then the
 * children are permuted in place (permute) and `res` adopts their array,
 * so no second array of them is ever made. */
static int stitch(ormc_db *db, const ormc_query *q, const ormc_reverse *rv,
                  vec *parents, vec *kids, ormc_result *res)
{
    const ormc_model *pm = q->model, *cm = rv->child;
    const ormc_field *fk = &cm->fields[rv->child_field];
    const size_t size = cm->size;
    idmap h = {0};
    size_t *dest = ormc_big_malloc(kids->n * sizeof *dest);
    size_t *start = ormc_big_malloc((parents->n + 1) * sizeof *start);
    char *tmp = ormc_malloc(2 * size);
    int rc = ORMC_OK;
    if (!dest || !start || !tmp || !idmap_init(&h, parents->n)) {
        rc = db_fail(db, ORMC_NOMEM, "%s.prefetch_%s: out of memory",
                     pm->name, rv->name);
        goto out;
    }
    for (size_t p = 0; p < parents->n; p++) {
        int64_t id;
        memcpy(&id, parents->data + p * pm->size + pm->fields[0].offset,
               sizeof id);
        idmap_put_slot(&h, id, p);
    }
    memset(start, 0, (parents->n + 1) * sizeof *start);
    for (size_t i = 0; i < kids->n; i++) {
        int64_t pid;
        memcpy(&pid, kids->data + i * size + fk->offset, sizeof pid);
        uintptr_t owner = idmap_get(&h, pid);
        dest[i] = owner == IDMAP_NONE ? SIZE_MAX : (size_t)owner; /* for now */
        if (dest[i] != SIZE_MAX)
            start[dest[i] + 1]++;
    }
    for (size_t p = 0; p < parents->n; p++)
        start[p + 1] += start[p];
    for (size_t p = 0; p < parents->n; p++) {
        ormc_list l = {kids->data + start[p] * size, start[p + 1] - start[p],
                       NULL};
        if (!l.count)
            l.items = NULL;
        memcpy(AT(parents->data + p * pm->size, rv->list_offset), &l, sizeof l);
    }
    /* owner -> final position (start[p] serves as parent p's next free
     * slot); a child whose parent was not loaded goes past the end */
    size_t spare = start[parents->n];
    for (size_t i = 0; i < kids->n; i++)
        dest[i] = dest[i] == SIZE_MAX ? spare++ : start[dest[i]]++;
    permute(kids->data, dest, kids->n, size, tmp);
    if (kids->base) {
        arena_adopt(res, kids->base);
        kids->base = NULL;
    }
out:
    idmap_free(&h);
    ormc_big_free(dest);
    ormc_big_free(start);
    ormc_free(tmp);
    return rc;
}

/* The child query of one prefetch: every child of the parents `q` selects,
 * in the child's default order.  When q selects all parents the IN is left
 * out, so SQLite scans the child table in order instead of probing the FK
 * index once per parent. */
static int prefetch_one(ormc_db *db, const ormc_query *q,
                        const ormc_reverse *rv, vec *parents,
                        ormc_result *res)
{
    const ormc_model *cm = rv->child;
    sbuf b = {0};
    sb_put(&b, "SELECT ");
    put_cols(&b, 0, cm, true);
    sb_put(&b, " FROM ");
    sb_put(&b, cm->table);
    sb_put(&b, " AS t0");
    const ormc_field *fk = &cm->fields[rv->child_field];
    bool all = q->nfilters == 0 && !has_window(q);
    if (all && (fk->flags & ORMC_F_NULLABLE)) {
        sb_put(&b, " WHERE ");
        put_col(&b, 0, fk);
        sb_put(&b, " IS NOT NULL");
    } else if (!all) {
        sb_put(&b, " WHERE ");
        put_col(&b, 0, fk);
        sb_put(&b, " IN (SELECT t0.");
        sb_put(&b, q->model->fields[0].column);
        put_body(&b, q, has_window(q));
        sb_put(&b, ")");
    }
    put_order_terms(&b, cm, cm->order, (uint8_t)cm->norder);

    ormc_query none;
    ormc_query_init(&none, q->model);
    char what[160];
    snprintf(what, sizeof what, "%s.prefetch_%s", q->model->name, rv->name);
    void *stmt = prepare_bound(db, &b, all ? &none : q, what);
    sb_free(&b);
    if (!stmt)
        return db->errcode;
    vec kids = {.size = cm->size};
    int rc = step_rows(db, stmt, &kids, child_row, cm, res, what);
    if (rc == ORMC_OK)
        rc = stitch(db, q, rv, parents, &kids, res);
    ormc_big_free(kids.base); /* NULL once adopted */
    return rc;
}

/* Ends the snapshot savepoint of a fetch and returns its status: `rc`, or
 * the RELEASE's error when rc was ORMC_OK.  A RELEASE that fails rolls the
 * (read-only) savepoint's transaction back instead, so a fetch never leaves
 * a transaction open. */
static int end_snapshot(ormc_db *db, int rc, const char *what)
{
    int rel = db->be->exec(db->conn, "RELEASE ormc_fetch");
    if (rel != ORMC_OK) {
        if (rc == ORMC_OK)
            rc = db_fail_backend(db, rel, what);
        if (db->be->in_transaction(db->conn))
            db->be->exec(db->conn, "ROLLBACK");
    }
    return rc;
}

int ormc_fetch(ormc_db *db, const ormc_model *m, const ormc_query *q,
               ormc_list *out)
{
    memset(out, 0, sizeof *out);
    ormc_query all;
    int rc = check_query(db, m, q, &all, &q, "fetch");
    if (rc != ORMC_OK)
        return rc;
    sbuf b = {0};
    sb_put(&b, "SELECT ");
    put_cols(&b, 0, m, true);
    for (uint8_t i = 0; i < q->nwith; i++)
        put_cols(&b, i + 1, m->relations[q->with[i]].target, false);
    for (uint8_t i = 0; i < q->ncount; i++) {
        const ormc_reverse *rv = &m->reverses[q->count[i]];
        sb_put(&b, ", (SELECT COUNT(*) FROM ");
        sb_put(&b, rv->child->table);
        sb_put(&b, " AS c WHERE c.");
        sb_put(&b, rv->child->fields[rv->child_field].column);
        sb_put(&b, " = t0.");
        sb_put(&b, m->fields[0].column);
        sb_put(&b, ")");
    }
    sb_put(&b, " FROM ");
    sb_put(&b, m->table);
    sb_put(&b, " AS t0");
    for (uint8_t i = 0; i < q->nwith; i++) {
        const ormc_relation *r = &m->relations[q->with[i]];
        const ormc_field *fk = &m->fields[r->field];
        sb_printf(&b, " %sJOIN ",
                  (fk->flags & ORMC_F_NULLABLE) ? "LEFT " : "");
        sb_put(&b, r->target->table);
        sb_printf(&b, " AS t%d ON t%d.", i + 1, i + 1);
        sb_put(&b, r->target->fields[0].column);
        sb_put(&b, " = ");
        put_col(&b, 0, fk);
    }
    put_where(&b, q);
    put_order(&b, q);
    put_window(&b, q);

    char what[160];
    snprintf(what, sizeof what, "%s.fetch", m->name);
    /* The main and the child statements must read one snapshot, or a write
     * between them could leave a loaded parent without its children: outside
     * a transaction, a (deferred, read-only) savepoint holds them together. */
    bool snapshot = q->nprefetch && !db->be->in_transaction(db->conn);
    if (snapshot && (rc = tx_exec(db, "SAVEPOINT ormc_fetch", what)) != ORMC_OK) {
        sb_free(&b);
        return rc;
    }
    void *stmt = prepare_bound(db, &b, q, what);
    sb_free(&b);
    ormc_result *res = stmt ? arena_new() : NULL;
    if (!res) {
        rc = stmt ? db_fail(db, ORMC_NOMEM, "%s: out of memory", what)
                  : db->errcode;
        db_stmt_done(db, stmt);
        if (snapshot)
            end_snapshot(db, rc, what);
        return rc;
    }
    vec rows = {.size = m->size};
    main_ctx mc = {.q = q};
    rc = step_rows(db, stmt, &rows, main_row, &mc, res, what);
    for (uint8_t i = 0; i < q->nwith; i++)
        idmap_free(&mc.loaded[i]);
    for (uint8_t i = 0; i < q->nprefetch && rc == ORMC_OK; i++)
        rc = prefetch_one(db, q, &m->reverses[q->prefetch[i]], &rows, res);
    if (snapshot)
        rc = end_snapshot(db, rc, what);
    if (rows.base)
        arena_adopt(res, rows.base);
    if (rc != ORMC_OK) {
        ormc_result_free(res);
        return rc;
    }
    out->items = rows.data;
    out->count = rows.n;
    out->owner = res;
    db_ok(db);
    return ORMC_OK;
}

/* ---- count and aggregates ---- */

/* Runs a one-row SELECT whose columns are `cols` over q (or all rows). */
static int run_scalar(ormc_db *db, const ormc_query *q, const char *cols,
                      const char *inner_col, void *stmt_out[1],
                      const char *what)
{
    sbuf b = {0};
    sb_put(&b, "SELECT ");
    sb_put(&b, cols);
    if (has_window(q)) {
        sb_put(&b, " FROM (SELECT ");
        sb_put(&b, inner_col);
        put_body(&b, q, true);
        sb_put(&b, ") AS t0");
    } else {
        put_body(&b, q, false);
    }
    char ctx[160];
    snprintf(ctx, sizeof ctx, "%s.%s", q->model->name, what);
    void *stmt = prepare_bound(db, &b, q, ctx);
    sb_free(&b);
    if (!stmt)
        return db->errcode;
    int rc = db->be->step(stmt);
    if (rc != ORMC_ROW) {
        db_stmt_done(db, stmt);
        return rc == ORMC_DONE ? db_fail(db, ORMC_ERROR, "%s: no row", ctx)
                               : db_fail_backend(db, rc, ctx);
    }
    stmt_out[0] = stmt;
    return ORMC_OK;
}

int ormc_count_rows(ormc_db *db, const ormc_model *m, const ormc_query *q,
                    int64_t *out)
{
    *out = 0;
    ormc_query all;
    int rc = check_query(db, m, q, &all, &q, "count");
    if (rc != ORMC_OK)
        return rc;
    void *stmt[1];
    rc = run_scalar(db, q, "COUNT(*)", "1", stmt, "count");
    if (rc != ORMC_OK)
        return rc;
    *out = db->be->column_int(stmt[0], 0);
    db_stmt_done(db, stmt[0]);
    db_ok(db);
    return ORMC_OK;
}

/* Starts an aggregate of `field` (of one of the allowed types): runs it and
 * reads count/is_null; the caller reads columns 1..4. */
static int aggregate(ormc_db *db, const ormc_model *m, const ormc_query *q,
                     uint16_t field, bool real, void *stmt[1], int64_t *count,
                     bool *is_null)
{
    ormc_query all;
    int rc = check_query(db, m, q, &all, &q, "aggregate");
    if (rc != ORMC_OK)
        return rc;
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
    sbuf cols = {0}, inner = {0};
    const char *fn[] = {"COUNT", "SUM", "AVG", "MIN", "MAX"};
    for (int i = 0; i < 5; i++) {
        sb_printf(&cols, "%s%s(", i ? ", " : "", fn[i]);
        put_col(&cols, 0, f);
        sb_put(&cols, ")");
    }
    put_col(&inner, 0, f);
    sb_put(&inner, " AS ");
    sb_put(&inner, f->column);
    if (cols.oom || inner.oom)
        rc = db_fail(db, ORMC_NOMEM, "%s.aggregate: out of memory", m->name);
    else
        rc = run_scalar(db, q, cols.s, inner.s, stmt, "aggregate");
    sb_free(&cols);
    sb_free(&inner);
    if (rc != ORMC_OK)
        return rc;
    *count = db->be->column_int(stmt[0], 0);
    *is_null = db->be->column_is_null(stmt[0], 3);
    return ORMC_OK;
}

int ormc_aggregate_int(ormc_db *db, const ormc_model *m,
                       const ormc_query *q, uint16_t field, ormc_int_stats *out)
{
    memset(out, 0, sizeof *out);
    void *stmt[1];
    int rc = aggregate(db, m, q, field, false, stmt, &out->count, &out->is_null);
    if (rc != ORMC_OK)
        return rc;
    if (!out->is_null) {
        const ormc_backend *be = db->be;
        out->sum = be->column_int(stmt[0], 1);
        out->avg = be->column_real(stmt[0], 2);
        out->min = be->column_int(stmt[0], 3);
        out->max = be->column_int(stmt[0], 4);
    }
    db_stmt_done(db, stmt[0]);
    db_ok(db);
    return ORMC_OK;
}

int ormc_aggregate_real(ormc_db *db, const ormc_model *m,
                       const ormc_query *q, uint16_t field, ormc_real_stats *out)
{
    memset(out, 0, sizeof *out);
    void *stmt[1];
    int rc = aggregate(db, m, q, field, true, stmt, &out->count, &out->is_null);
    if (rc != ORMC_OK)
        return rc;
    if (!out->is_null) {
        const ormc_backend *be = db->be;
        /* SQLite returns NULL for a NaN result (+Inf plus -Inf) */
        out->sum = be->column_is_null(stmt[0], 1) ? NAN
                                                   : be->column_real(stmt[0], 1);
        out->avg = be->column_is_null(stmt[0], 2) ? NAN
                                                   : be->column_real(stmt[0], 2);
        out->min = be->column_real(stmt[0], 3);
        out->max = be->column_real(stmt[0], 4);
    }
    db_stmt_done(db, stmt[0]);
    db_ok(db);
    return ORMC_OK;
}
