/*
 * stitch.c — prefetch_related's in-memory join: each parent's list of
 * children is a run of pointers into the children's array, grouped by a
 * counting sort (two passes over the children, no copy of any child), so
 * a child stays where the statement put it and several lists may point
 * to one child.  Each child's parent is looked up once, in the first pass
 * (a word per child, freed at the end); a many-to-many link's as its row
 * is read (link_row in fetch.c, with the parent map built here).
 */
#include "rows.h"

#include <string.h>

bool parent_map_init(parent_map *h, const ormc_model *pm, const char *rows,
                     size_t n)
{
    memset(h, 0, sizeof *h);
    h->n = n;
    h->dense = n > 0;
    const size_t off = pm->fields[0].offset;
    for (size_t p = 0; p < n && h->dense; p++) {
        int64_t id;
        memcpy(&id, rows + p * pm->size + off, sizeof id);
        if (p == 0)
            h->first = id;
        h->dense = (uint64_t)id - (uint64_t)h->first == p;
    }
    if (h->dense)
        return true;
    if (!idmap_init(&h->h, n))
        return false;
    for (size_t p = 0; p < n; p++) {
        int64_t id;
        memcpy(&id, rows + p * pm->size + off, sizeof id);
        idmap_put_slot(&h->h, id, p);
    }
    return true;
}

void parent_map_free(parent_map *h) { idmap_free(&h->h); }

/* Each child's parent slot into slot[0..n): its foreign key fk looked up
 * in pm, IDMAP_NONE when its parent was not loaded or the key is NULL;
 * and each parent's number of children counted in start[slot + 1] (the
 * same pass).  The last lookup is remembered: children often come
 * grouped by parent. */
static void owners(const parent_map *pm, const ormc_field *fk,
                   const vec *kids, uintptr_t *slot, size_t *start)
{
    const size_t off = fk->offset, noff = fk->null_offset, size = kids->size;
    const char *kid = kids->data;
    int64_t last = 0;
    uintptr_t last_slot = IDMAP_NONE;
    bool any = false;
    for (size_t i = 0; i < kids->n; i++, kid += size) {
        int64_t pid;
        if (noff && *(const bool *)(kid + noff)) {
            slot[i] = IDMAP_NONE;
            continue;
        }
        memcpy(&pid, kid + off, sizeof pid);
        if (!any || pid != last) {
            last = pid;
            last_slot = parent_slot(pm, pid);
            any = true;
        }
        slot[i] = last_slot;
        if (last_slot != IDMAP_NONE)
            start[last_slot + 1]++;
    }
}

int stitch(ormc_db *db, const ormc_model *pm, const ormc_reverse *rv,
           const parent_map *h, vec *parents, vec *kids, vec *links,
           ormc_result *res)
{
    const ormc_model *cm = rv->child;
    const ormc_field *fk = &cm->fields[rv->child_field];
    const size_t np = parents->n, ne = links ? links->n : kids->n;
    size_t *start = ormc_big_malloc((np + 1) * sizeof *start);
    /* each child's parent slot (a link's is in its link_pair) */
    uintptr_t *slot = links ? NULL : ormc_big_malloc((ne + 1) * sizeof *slot);
    int rc = ORMC_OK;
    if (!start || (!links && !slot)) {
        rc = db_fail(db, ORMC_NOMEM, "%s.prefetch_%s: out of memory",
                     pm->name, rv->name);
        goto out;
    }
    memset(start, 0, (np + 1) * sizeof *start);
    const link_pair *lp = links ? (const link_pair *)links->data : NULL;
    for (size_t i = 0; i < ne && lp; i++)
        if (lp[i].slot != LINK_NONE)
            start[lp[i].slot + 1]++;
    if (!lp)
        owners(h, fk, kids, slot, start);
    for (size_t p = 0; p < np; p++)
        start[p + 1] += start[p];
    void **ptrs = start[np] ? arena_alloc_raw(res, start[np] * sizeof *ptrs)
                            : NULL;
    if (start[np] && !ptrs) {
        rc = db_fail(db, ORMC_NOMEM, "%s.prefetch_%s: out of memory",
                     pm->name, rv->name);
        goto out;
    }
    for (size_t p = 0; p < np; p++) {
        /* no pointer arithmetic on an empty (NULL) array */
        size_t count = start[p + 1] - start[p];
        ormc_refs l = {count ? ptrs + start[p] : NULL, count};
        char *rel;
        memcpy(&rel, parents->data + p * pm->size + pm->rel_offset,
               sizeof rel);
        memcpy(rel + rv->list_offset, &l, sizeof l);
    }
    /* start[p] is now parent p's next free slot */
    for (size_t i = 0; i < ne && lp; i++)
        if (lp[i].slot != LINK_NONE)
            ptrs[start[lp[i].slot]++] = kids->data + lp[i].kid * kids->size;
    for (size_t i = 0; i < ne && !lp; i++)
        if (slot[i] != IDMAP_NONE)
            ptrs[start[slot[i]]++] = kids->data + i * kids->size;
out:
    ormc_big_free(start);
    ormc_big_free(slot);
    return rc;
}
