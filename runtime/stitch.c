/*
 * stitch.c — prefetch_related's in-memory join: the children of one child
 * query are grouped under their parents by permuting them in place (two
 * cache-friendly passes when large), and the result adopts their array,
 * so no second copy of them is ever made.
 */
#include "rows.h"

#include <string.h>

#define AT(obj, off) ((char *)(obj) + (off))


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

int stitch(ormc_db *db, const ormc_model *pm, const ormc_reverse *rv,
           vec *parents, vec *kids, ormc_result *res)
{
    const ormc_model *cm = rv->child;
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
        /* no pointer arithmetic on an empty (NULL) child array */
        size_t count = start[p + 1] - start[p];
        ormc_list l = {count ? kids->data + start[p] * size : NULL, count,
                       NULL};
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
