/*
 * rows.h — what a fetch reads rows into (rows.c) and how prefetched
 * children are grouped under their parents (stitch.c).  Internal.
 */
#ifndef ORMC_ROWS_H
#define ORMC_ROWS_H

#include "internal.h"

/* Growable array of fixed-size elements, memory from ormc_big_realloc, with
 * room for a chunk header in front so a result can adopt it whole. */
typedef struct vec {
    char *base; /* the allocation; elements start ARENA_BLOCK_HDR later */
    char *data;
    size_t n, cap, size;
    size_t zeroed; /* elements [n, zeroed) are zero already (vec_zero) */
    bool whole; /* its reader writes every byte of an element: not zeroed */
} vec;

/* Makes room for more elements: false when out of memory. */
bool vec_grow(vec *v);
/* Makes room for `more` elements beyond the n there are, in one
 * allocation (a backend that knows how many rows are coming): false when
 * out of memory. */
bool vec_reserve(vec *v, size_t more);
/* Zeroes the elements from v->n on, about 1 KiB of them (at least one,
 * at most to the capacity), and moves v->zeroed past them. */
void vec_zero(vec *v);
/* Appends one element, zeroed unless v->whole; NULL when out of memory.
 * Amortized O(1); inline, as it runs once per row read.  The zeroing is
 * done a block of elements at a time (vec_zero), not one memset call per
 * element. */
static inline void *vec_push(vec *v)
{
    if (v->n == v->cap && !vec_grow(v))
        return NULL;
    if (!v->whole && v->n >= v->zeroed)
        vec_zero(v);
    return v->data + v->n++ * v->size;
}

/* Appends n elements, zeroed unless v->whole: the first one, NULL when
 * out of memory. */
void *vec_push_n(vec *v, size_t n);

/* Open-addressing map from an id to a value (an index or a pointer). */
typedef struct idmap {
    int64_t *keys;
    uintptr_t *vals; /* IDMAP_NONE: empty slot */
    size_t mask, n;
} idmap;

#define IDMAP_NONE UINTPTR_MAX

/* id's home slot in h (Fibonacci hashing). */
static inline size_t id_slot(const idmap *h, int64_t id)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 17) & h->mask;
}

/* Empties h with room for n keys; false when out of memory. */
bool idmap_init(idmap *h, size_t n);
/* Adds id -> v to a map with room (from idmap_init), id not present. */
void idmap_put_slot(idmap *h, int64_t id, uintptr_t v);
/* Adds id -> v (id not yet present), growing h; false when out of memory
 * (h unchanged). */
bool idmap_put(idmap *h, int64_t id, uintptr_t v);
/* The value of id, or IDMAP_NONE, and where id goes when it is
 * missing: *at is the empty slot its probe ended on (any value when h has
 * no table yet), for idmap_put_at.  One probe for a lookup followed by an
 * insert.  O(1) expected; inline, as select_related asks it once per
 * row. */
static inline uintptr_t idmap_find(const idmap *h, int64_t id, size_t *at)
{
    size_t s = 0;
    if (h->keys)
        for (s = id_slot(h, id); h->vals[s] != IDMAP_NONE;
             s = (s + 1) & h->mask)
            if (h->keys[s] == id)
                return h->vals[s];
    *at = s;
    return IDMAP_NONE;
}
/* The value of id, or IDMAP_NONE (idmap_find without the slot). */
static inline uintptr_t idmap_get(const idmap *h, int64_t id)
{
    size_t at;
    return idmap_find(h, id, &at);
}
/* Adds id -> v where idmap_find(h, id, &at) left `at` (h not changed
 * since): in that slot when h has room, else by idmap_put (growing h).
 * False when out of memory (h unchanged). */
static inline bool idmap_put_at(idmap *h, size_t at, int64_t id, uintptr_t v)
{
    if (!h->keys || (h->n + 1) * 2 > h->mask + 1)
        return idmap_put(h, id, v);
    h->keys[at] = id;
    h->vals[at] = v;
    h->n++;
    return true;
}
/* Frees h's tables; h is empty again.  */
void idmap_free(idmap *h);

/* The parents of a prefetch by id: each one's slot (its index in the
 * parents' vec) from a hash map, or when their ids are exactly first,
 * first + 1, ... (every row of a table fetched in id order, the common
 * case) as id - first, with no lookup at all. */
typedef struct parent_map {
    idmap h;
    bool dense;
    int64_t first;
    size_t n;
} parent_map;

/* Indexes the n rows of model pm at `rows` into *h (a link_pair holds a
 * slot below LINK_NONE: prefetch_one refuses more many-to-many parents);
 * false when out of memory.  Free with parent_map_free. */
bool parent_map_init(parent_map *h, const ormc_model *pm, const char *rows,
                     size_t n);
void parent_map_free(parent_map *h);

/* Parent id's slot in h, or IDMAP_NONE when it is not one of them. */
static inline uintptr_t parent_slot(const parent_map *h, int64_t id)
{
    if (!h->dense)
        return idmap_get(&h->h, id);
    /* unsigned: ids below first wrap to large values */
    uint64_t k = (uint64_t)id - (uint64_t)h->first;
    return k < h->n ? (uintptr_t)k : IDMAP_NONE;
}

/* One row of a many-to-many child query: the parent in slot `slot` of
 * the parent map (LINK_NONE: not a loaded parent) has kids' element
 * `kid` (each child is read once, however many parents it has).  The
 * parent is looked up as the row is read, so a link is two indexes
 * (a link table is often the biggest thing a prefetch reads). */
typedef struct link_pair {
    uint32_t slot, kid;
} link_pair;
#define LINK_NONE UINT32_MAX

/* Groups the children in `kids` (rows of rv's child model) under their
 * parents in `parents` (rows of pm, each with its Rel block, indexed by
 * h), keeping the children's order within each parent: each parent's
 * list is a run of pointers to its children, in one array from res; the
 * children do not move.  The parent of a child is its foreign key, or
 * each link_pair of `links` (a vec of them; NULL otherwise) puts a child
 * under a parent, so one child may be in many lists.  Children of no
 * loaded parent (or a NULL key) are left out.  Returns status; cost
 * O(parents + children + links). */
int stitch(ormc_db *db, const ormc_model *pm, const ormc_reverse *rv,
           const parent_map *h, vec *parents, vec *kids, vec *links,
           ormc_result *res);

#endif
