/*
 * rows.c — the containers a fetch reads rows into: growable arrays whose
 * block a result can adopt whole (vec), the loop that steps a statement
 * into one (step_rows), and the id -> value map that select_related and
 * the prefetch stitch use (idmap).
 */
#include "rows.h"

#include <string.h>

/* ---- vec ---- */

void *vec_push(vec *v)
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
    if (!v->whole)
        memset(e, 0, v->size);
    return e;
}

int step_rows(ormc_db *db, void *stmt, vec *v, row_fn row, const void *ctx,
              ormc_result *res, const char *what)
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

/* ---- idmap: open addressing, at most half full ---- */

static size_t id_slot(const idmap *h, int64_t id)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 17) & h->mask;
}

/* Empties h with room for n keys; false when out of memory. */
bool idmap_init(idmap *h, size_t n)
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

void idmap_put_slot(idmap *h, int64_t id, uintptr_t v)
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
bool idmap_put(idmap *h, int64_t id, uintptr_t v)
{
    if (!h->keys || (h->n + 1) * 2 > h->mask + 1) {
        idmap old = *h, grown = {0};
        if (!idmap_init(&grown, old.keys ? old.mask + 1 : 128))
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

uintptr_t idmap_get(const idmap *h, int64_t id)
{
    if (!h->keys)
        return IDMAP_NONE;
    for (size_t s = id_slot(h, id); h->vals[s] != IDMAP_NONE;
         s = (s + 1) & h->mask)
        if (h->keys[s] == id)
            return h->vals[s];
    return IDMAP_NONE;
}

void idmap_free(idmap *h)
{
    ormc_big_free(h->keys);
    ormc_big_free(h->vals);
    *h = (idmap){0};
}

