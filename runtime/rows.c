/*
 * rows.c — the containers a fetch reads rows into: growable arrays whose
 * block a result can adopt whole (vec), and the id -> value map that
 * select_related and the prefetch stitch use (idmap).
 */
#include "rows.h"

#include <string.h>

/* ---- vec ---- */

/* Makes the capacity cap elements (more than v->cap). */
static bool vec_resize(vec *v, size_t cap)
{
    if (cap > (SIZE_MAX - ARENA_BLOCK_HDR) / 2 / v->size)
        return false;
    char *b = ormc_big_realloc(v->base, ARENA_BLOCK_HDR + cap * v->size);
    if (!b)
        return false;
    v->base = b;
    v->data = b + ARENA_BLOCK_HDR;
    v->cap = cap;
    return true;
}

/* Zeroes about 1 KiB of elements from `at` on (at least one, at most to
 * the capacity) and moves v->zeroed past them. */
static void zero_from(vec *v, size_t at)
{
    size_t k = v->size < 1024 ? 1024 / v->size : 1;
    if (k > v->cap - at)
        k = v->cap - at;
    memset(v->data + at * v->size, 0, k * v->size);
    v->zeroed = at + k;
}

void vec_zero(vec *v) { zero_from(v, v->n); }

bool vec_grow(vec *v)
{
    return vec_resize(v, v->cap ? v->cap * 2 : 64);
}

bool vec_reserve(vec *v, size_t more)
{
    if (more <= v->cap - v->n)
        return true;
    return more <= SIZE_MAX - v->n && vec_resize(v, v->n + more);
}

void *vec_push_n(vec *v, size_t n)
{
    if (!vec_reserve(v, n))
        return NULL;
    char *e = v->data + v->n * v->size;
    size_t end = v->n + n;
    /* in vec_zero's 1 KiB pieces, which glibc zeroes with vector stores
     * (a bigger block is a rep stosb, which callgrind, the benchmark's
     * instruction count, counts once per byte) */
    while (!v->whole && end > v->zeroed)
        zero_from(v, v->zeroed > v->n ? v->zeroed : v->n);
    v->n = end;
    return e;
}

/* ---- idmap: open addressing, at most half full ---- */

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
    memset(vals, 0xff, cap * sizeof *vals); /* IDMAP_NONE: every bit set */
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
        /* x4 (room for 2x the keys): a map that grows to n keys moves
         * each key about 1/3 times instead of once */
        if (!idmap_init(&grown, old.keys ? (old.mask + 1) * 2 : 128))
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

void idmap_free(idmap *h)
{
    ormc_big_free(h->keys);
    ormc_big_free(h->vals);
    *h = (idmap){0};
}

