/*
 * arena.c — allocation: the malloc seam, result-set arenas and the SQL string
 * builder.
 */
#if defined(__linux__)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mremap, MAP_ANONYMOUS, madvise */
#endif
#include <pthread.h>
#include <sys/mman.h>
#if defined(MADV_HUGEPAGE) && defined(MREMAP_MAYMOVE) && defined(MREMAP_FIXED)
#define ORMC_HAVE_MMAP 1
#endif
#endif

#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
#endif

/* Built with AddressSanitizer: every block goes through malloc, so that
 * it sees overflows and use after free (no mapped blocks, no chunk cache). */
#if defined(__SANITIZE_ADDRESS__)
#define ORMC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ORMC_ASAN 1
#endif
#endif
#ifndef ORMC_ASAN
#define ORMC_ASAN 0
#endif

static void cache_drain(void);
#ifdef ORMC_HAVE_MMAP
static void map_drain(void);
#endif

/* The process-wide allocator (ormc_set_allocator); libc's by default. */
static void *(*alloc_malloc)(size_t) = malloc;
static void *(*alloc_realloc)(void *, size_t) = realloc;
static void (*alloc_free)(void *) = free;
/* All three are libc's: only then does the runtime map large blocks and
 * park small chunks itself (a caller's allocator sees every block). */
static bool libc_alloc = true;

static bool own_blocks(void) { return libc_alloc && !ORMC_ASAN; }

int ormc_set_allocator(void *(*malloc_fn)(size_t),
                       void *(*realloc_fn)(void *, size_t),
                       void (*free_fn)(void *))
{
    if (!malloc_fn && !realloc_fn && !free_fn) {
        malloc_fn = malloc;
        realloc_fn = realloc;
        free_fn = free;
    } else if (!malloc_fn || !realloc_fn || !free_fn) {
        return ORMC_INVALID;
    }
    cache_drain(); /* parked chunks' pages go back to the kernel */
#ifdef ORMC_HAVE_MMAP
    map_drain(); /* and parked mappings to the kernel */
#endif
    alloc_malloc = malloc_fn;
    alloc_realloc = realloc_fn;
    alloc_free = free_fn;
    libc_alloc = malloc_fn == malloc && realloc_fn == realloc && free_fn == free;
    return ORMC_OK;
}

void *ormc_malloc(size_t n) { return alloc_malloc(n ? n : 1); }
void *ormc_realloc(void *p, size_t n) { return alloc_realloc(p, n ? n : 1); }
void ormc_free(void *p)
{
    if (p)
        alloc_free(p);
}

#define ALIGN 16

/* ---- large blocks ----
 *
 * Arena chunks, result arrays and the scratch tables of prefetch reach
 * hundreds of megabytes.  While libc's allocator is in force, a block of
 * MAP_MIN bytes or more is mapped directly, in whole HUGE_SIZE units
 * aligned to HUGE_SIZE, with a transparent-huge-page hint: a 200 MB result
 * then takes about 100 page faults instead of 50,000, and the faults were
 * most of prefetch's time at a million children (bench/README.md).  From
 * MAP_MIN (not HUGE_SIZE) because one huge page costs less than the 256
 * faults of 1 MiB of small ones; a block between the two holds at most
 * twice its size.  Growing a mapped array moves pages with mremap instead
 * of copying them.  Every block starts with a header saying how it was
 * obtained, so ormc_big_free needs no size.  With a caller's allocator
 * every block comes from it. */
#define HUGE_SIZE ((size_t)2 << 20)
#define MAP_MIN ((size_t)1 << 20)

typedef struct big_hdr {
    size_t mapped; /* length of the mapping; 0: from the allocator */
    size_t size;   /* bytes asked for (after the header) */
} big_hdr;
#define BIG_HDR ((sizeof(big_hdr) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

#ifdef ORMC_HAVE_MMAP
/* Whether a block of n bytes (header included) is mapped. */
static bool big_mapped(size_t n)
{
    return own_blocks() && n >= MAP_MIN &&
           n <= SIZE_MAX / 2 - HUGE_SIZE;
}

static size_t huge_round(size_t n)
{
    return (n + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
}

/* A fresh mapping of len bytes (a multiple of HUGE_SIZE) that starts on a
 * HUGE_SIZE boundary, hinted for huge pages; NULL when refused. */
static void *map_huge(size_t len)
{
    char *p = mmap(NULL, len + HUGE_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    size_t head = (HUGE_SIZE - (uintptr_t)p % HUGE_SIZE) % HUGE_SIZE;
    if (head)
        munmap(p, head);
    munmap(p + head + len, HUGE_SIZE - head);
    p += head;
    (void)madvise(p, len, MADV_HUGEPAGE); /* only a hint */
    return p;
}

/* glibc raises its heap's trim threshold to twice the size of a mapped
 * malloc block when such a block is freed (blocks of up to 32 MiB): a
 * program whose big arrays are malloc's soon stops giving the heap's top
 * back to the kernel after each burst of small blocks (a PostgreSQL
 * result is thousands of 2 KiB blocks from libpq, freed after every
 * statement) and faulting it in again for the next.  The runtime maps
 * its big blocks itself, so glibc would see none and keep trimming at
 * 128 KiB: 7,535 brk calls against 1,625 for hand-written C in the
 * bench's W13 at S=10, and twice its system time.  So each time the
 * runtime maps a block bigger than any before (up to glibc's 32 MiB), it
 * shows glibc one of that size, a malloc freed at once: glibc's
 * thresholds end where they would be had the runtime's blocks been
 * malloc's.  Only while libc's allocator is in force (big_mapped). */
#if defined(__GLIBC__) && !defined(__STDC_NO_ATOMICS__) && \
    (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#include <malloc.h>
#define GLIBC_MMAP_MAX ((size_t)32 << 20)
static void show_glibc(size_t len)
{
    static _Atomic size_t shown;
    if (len > GLIBC_MMAP_MAX)
        len = GLIBC_MMAP_MAX;
    size_t was = atomic_load_explicit(&shown, memory_order_relaxed);
    if (len <= was ||
        !atomic_compare_exchange_strong(&shown, &was, len))
        return;
    /* only where glibc's heap is the one in use: not under valgrind or
     * a preloaded allocator (whose malloc glibc's arena never sees) */
    if (mallinfo2().arena == 0)
        return;
    void *volatile p = malloc(len - 4096); /* volatile: kept, not elided */
    free(p);
}
#else
static void show_glibc(size_t len) { (void)len; }
#endif

/* Freed mappings parked for the next block of the same size or a little
 * smaller: a query run again maps the same sizes, and a fresh mapping
 * costs a page fault and the kernel's zeroing of each of its huge pages
 * (a 100,000-comment nested prefetch mapped and zeroed 16 MB per run)
 * where glibc's heap would have kept its freed memory.  At most MAP_CACHE
 * blocks of up to MAP_PARK_MAX bytes stay parked (64 MiB in all; glibc's
 * own trim threshold grows to 64 MB likewise); bigger ones are unmapped
 * at once.  Parking bigger ones as well measured worse at S=10 of the
 * bench: four times the system time in W3, as the blocks held back left
 * the kernel fewer free huge pages for the result's fresh ones.
 * A mutex, not the chunk cache's atomics: these are megabyte blocks, few
 * per result, and a block must not be looked at while another thread may
 * take and unmap it. */
#define MAP_CACHE 8
#define MAP_PARK_MAX ((size_t)8 << 20)
#define MAP_CACHE_BYTES (MAP_CACHE * MAP_PARK_MAX)
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static big_hdr *map_cache[MAP_CACHE];
static size_t map_cached; /* bytes parked */

/* The smallest parked mapping of len to 4 * len bytes (then its own
 * length is h->mapped), or NULL. */
static big_hdr *map_take(size_t len)
{
    pthread_mutex_lock(&map_lock);
    size_t best = MAP_CACHE;
    for (size_t i = 0; i < MAP_CACHE; i++) {
        const big_hdr *c = map_cache[i];
        if (c && c->mapped >= len && c->mapped / 4 <= len &&
            (best == MAP_CACHE || c->mapped < map_cache[best]->mapped))
            best = i;
    }
    big_hdr *h = NULL;
    if (best < MAP_CACHE) {
        h = map_cache[best];
        map_cache[best] = NULL;
        map_cached -= h->mapped;
    }
    pthread_mutex_unlock(&map_lock);
    return h;
}

/* Parks mapping h; false when the cache is full (the caller unmaps it). */
static bool map_park(big_hdr *h)
{
    bool parked = false;
    pthread_mutex_lock(&map_lock);
    if (h->mapped <= MAP_PARK_MAX &&
        h->mapped <= MAP_CACHE_BYTES - map_cached)
        for (size_t i = 0; i < MAP_CACHE && !parked; i++)
            if (!map_cache[i]) {
                map_cache[i] = h;
                map_cached += h->mapped;
                parked = true;
            }
    pthread_mutex_unlock(&map_lock);
    return parked;
}

/* Unmaps every parked mapping. */
static void map_drain(void)
{
    pthread_mutex_lock(&map_lock);
    for (size_t i = 0; i < MAP_CACHE; i++)
        if (map_cache[i]) {
            munmap(map_cache[i], map_cache[i]->mapped);
            map_cache[i] = NULL;
        }
    map_cached = 0;
    pthread_mutex_unlock(&map_lock);
}

/* Grows mapping h to len bytes: in place when the addresses after it are
 * free, else by moving its pages (no copy) into a fresh aligned range,
 * grown in the same call so the block stays one mapping; a copy only if
 * the kernel refuses both. */
static big_hdr *remap_huge(big_hdr *h, size_t len)
{
    void *q = mremap(h, h->mapped, len, 0);
    if (q == MAP_FAILED) {
        void *fresh = map_huge(len);
        if (!fresh)
            return NULL;
        q = mremap(h, h->mapped, len, MREMAP_MAYMOVE | MREMAP_FIXED, fresh);
        if (q == MAP_FAILED) {
            /* The failed call may have unmapped `fresh`, and another thread
             * may have mapped something there since: never unmap it
             * blindly.  Take the range back if it is still free, else leave
             * it (at worst untouched address space stays reserved). */
            q = NULL;
#ifdef MAP_FIXED_NOREPLACE
            void *back = mmap(fresh, len, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                              -1, 0);
            if (back == fresh)
                q = fresh;
            else if (back != MAP_FAILED) /* a kernel that took it as a hint */
                munmap(back, len);
#endif
            if (!q && !(q = map_huge(len)))
                return NULL;
            memcpy(q, h, BIG_HDR + h->size);
            munmap(h, h->mapped);
        }
    }
    (void)madvise(q, len, MADV_HUGEPAGE);
    h = q;
    h->mapped = len;
    show_glibc(len);
    return h;
}
#endif

bool ormc_big_mapping(void)
{
#ifdef ORMC_HAVE_MMAP
    return own_blocks();
#else
    return false;
#endif
}

void *ormc_big_malloc(size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL;
    big_hdr *h;
#ifdef ORMC_HAVE_MMAP
    if (big_mapped(BIG_HDR + n)) {
        size_t len = huge_round(BIG_HDR + n);
        if ((h = map_take(len)))
            len = h->mapped;
        else if (!(h = map_huge(len)))
            return NULL;
        else
            show_glibc(len);
        h->mapped = len;
        h->size = n;
        return (char *)h + BIG_HDR;
    }
#endif
    if (!(h = ormc_malloc(BIG_HDR + n)))
        return NULL;
    h->mapped = 0;
    h->size = n;
    return (char *)h + BIG_HDR;
}

void *ormc_big_realloc(void *p, size_t n)
{
    if (!p)
        return ormc_big_malloc(n);
    if (n > SIZE_MAX / 2)
        return NULL;
    big_hdr *h = (big_hdr *)((char *)p - BIG_HDR);
#ifdef ORMC_HAVE_MMAP
    if (h->mapped) {
        size_t len = huge_round(BIG_HDR + n);
        if (len > h->mapped && !(h = remap_huge(h, len)))
            return NULL;
        h->size = n; /* a shrunk block keeps its mapping */
        return (char *)h + BIG_HDR;
    }
    if (big_mapped(BIG_HDR + n)) {
        /* outgrows the heap: one copy into a mapping, mremap from then on */
        char *q = ormc_big_malloc(n);
        if (!q)
            return NULL;
        memcpy(q, p, h->size < n ? h->size : n);
        ormc_free(h);
        return q;
    }
#endif
    if (!(h = ormc_realloc(h, BIG_HDR + n)))
        return NULL;
    h->size = n;
    return (char *)h + BIG_HDR;
}

void ormc_big_free(void *p)
{
    if (!p)
        return;
    big_hdr *h = (big_hdr *)((char *)p - BIG_HDR);
#ifdef ORMC_HAVE_MMAP
    if (h->mapped) {
        if (!map_park(h))
            munmap(h, h->mapped);
        return;
    }
#endif
    ormc_free(h);
}

struct arena_chunk {
    arena_chunk *next;
    size_t size;
    /* data follows, aligned */
};

#define CHUNK_MIN ((size_t)64 << 10)
#define CHUNK_MAX ((size_t)64 << 20)
#define SMALL_CHUNKS 16
#define HDR ((sizeof(arena_chunk) + ALIGN - 1) & ~(size_t)(ALIGN - 1))
_Static_assert(HDR == ARENA_BLOCK_HDR, "ARENA_BLOCK_HDR must fit a chunk header");

/* The small chunks of results, while libc's allocator is in force: one
 * mapping of SMALL_CHUNKS chunks (1 MiB) made on first use and kept for
 * the process, outside malloc's heap.  A freed one is parked for the
 * next result, so a loop of small fetches reuses the same memory instead
 * of growing the heap each time and having glibc give it back (trim) at
 * each free, which cost 3 page faults and 20% of the time of a 1,000-row
 * select_related.  Outside the heap, because chunks parked there sat
 * between the blocks of a PostgreSQL result (libpq's 2 KiB blocks, freed
 * after each statement), which then could not merge with the heap's top:
 * each of libpq's mallocs searched glibc's bins, ~370 instructions
 * instead of ~120 (2% of a 10,000-row fetch's client instructions).  A
 * chunk beyond the mapping's comes from malloc and goes back to it.
 * Taking and parking are lock-free, so results may be freed on any
 * thread. */
#define SMALL_SIZE (CHUNK_MIN - HDR - BIG_HDR) /* usable bytes of one */
#if !defined(__STDC_NO_ATOMICS__) && defined(ORMC_HAVE_MMAP)
#define REGION_SIZE (SMALL_CHUNKS * CHUNK_MIN)
#define REGION_NONE ((char *)1) /* the mapping was refused */
static _Atomic(char *) region;
static _Atomic(arena_chunk *) chunk_cache[SMALL_CHUNKS];

/* Chunk i of the mapping at r: where ormc_big_malloc would have put it
 * in a block of CHUNK_MIN bytes. */
static arena_chunk *region_chunk(char *r, size_t i)
{
    return (arena_chunk *)(void *)(r + i * CHUNK_MIN + BIG_HDR);
}

/* The mapping, made (and its chunks parked) on the first call; NULL when
 * the kernel refused it. */
static char *region_get(void)
{
    char *r = atomic_load_explicit(&region, memory_order_acquire);
    if (r)
        return r == REGION_NONE ? NULL : r;
    char *p = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *want = p == MAP_FAILED ? REGION_NONE : p;
    if (!atomic_compare_exchange_strong(&region, &r, want)) {
        if (p != MAP_FAILED) /* another thread's came first */
            munmap(p, REGION_SIZE);
        return r == REGION_NONE ? NULL : r;
    }
    if (p == MAP_FAILED)
        return NULL;
    for (size_t i = 0; i < SMALL_CHUNKS; i++)
        atomic_store(&chunk_cache[i], region_chunk(p, i));
    return p;
}

/* A parked chunk of the mapping, or NULL (always NULL unless the runtime
 * owns blocks). */
static arena_chunk *cache_take(void)
{
    if (!own_blocks() || !region_get())
        return NULL;
    for (size_t i = 0; i < SMALL_CHUNKS; i++)
        if (atomic_load_explicit(&chunk_cache[i], memory_order_relaxed)) {
            arena_chunk *c = atomic_exchange(&chunk_cache[i], NULL);
            if (c)
                return c;
        }
    return NULL;
}

/* Parks c if it is a chunk of the mapping (there is a free slot for each
 * of them); false when it is not. */
static bool cache_park(arena_chunk *c)
{
    char *r = atomic_load_explicit(&region, memory_order_relaxed);
    if (!r || r == REGION_NONE || (char *)c < r || (char *)c >= r + REGION_SIZE)
        return false;
    for (size_t i = 0;; i = (i + 1) % SMALL_CHUNKS) {
        arena_chunk *none = NULL;
        if (!atomic_load_explicit(&chunk_cache[i], memory_order_relaxed) &&
            atomic_compare_exchange_strong(&chunk_cache[i], &none, c))
            return true;
    }
}

/* Gives the pages of the parked chunks back to the kernel (they read as
 * zeros when next touched). */
static void cache_drain(void)
{
    for (size_t i = 0; i < SMALL_CHUNKS; i++) {
        char *c = (char *)atomic_load(&chunk_cache[i]);
        if (c)
            madvise(c - BIG_HDR, CHUNK_MIN, MADV_DONTNEED);
    }
}
#else
static arena_chunk *cache_take(void) { return NULL; }
static bool cache_park(arena_chunk *c) { (void)c; return false; }
static void cache_drain(void) {}
#endif

/* A new result carries a small first chunk in its own allocation, so a
 * one-object result (get) costs one malloc. */
#define INLINE_SIZE 1024u
#define RES_HDR ((sizeof(ormc_result) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

ormc_result *arena_new(void) { return arena_new_sized(INLINE_SIZE); }

/* A result header at `a` with `first` bytes of room after it. */
static ormc_result *result_init(ormc_result *a, size_t first)
{
    memset(a, 0, sizeof *a);
    a->pos = (char *)a + RES_HDR;
    a->end = a->pos + first;
    return a;
}

ormc_result *arena_new_sized(size_t first)
{
    first = (first + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (first > SIZE_MAX - RES_HDR)
        return NULL;
    ormc_result *a = ormc_malloc(RES_HDR + first);
    return a ? result_init(a, first) : NULL;
}

/* The bytes a paged object of n bytes takes with its header. */
static size_t object_bytes(size_t n)
{
    return sizeof(object_header) + ((n + ALIGN - 1) & ~(size_t)(ALIGN - 1));
}

/* The object of `bytes` (object_bytes) at the start of a's room, zeroed,
 * behind its header. */
static void *object_in(ormc_result *a, size_t bytes)
{
    object_header *h = (object_header *)(void *)a->pos;
    a->pos += bytes;
    memset(h, 0, bytes);
    h->owner = a;
    return h + 1;
}

/* Object pages: OBJ_PAGE bytes, the count of holds first (one per object
 * in it, one for the connection while it is the current page). */
#define OBJ_PAGE ((size_t)4096)
#if !defined(__STDC_NO_ATOMICS__)
struct obj_page {
    _Atomic size_t holds;
};
#define PAGE_HDR ((sizeof(struct obj_page) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

static void page_release(struct obj_page *pg)
{
    if (atomic_fetch_sub_explicit(&pg->holds, 1, memory_order_acq_rel) == 1)
        ormc_free(pg);
}

void *paged_object(obj_pages *p, size_t n)
{
    n = object_bytes(n);
    size_t need = RES_HDR + n + PAGED_SPARE;
    ormc_result *a;
    if (need > OBJ_PAGE - PAGE_HDR) { /* a malloc of its own */
        if (!(a = arena_new_sized(n + PAGED_SPARE)))
            return NULL;
    } else {
        if (!p->page || (size_t)(p->end - p->pos) < need) {
            struct obj_page *pg = ormc_malloc(OBJ_PAGE);
            if (!pg)
                return NULL;
            atomic_init(&pg->holds, 1);
            obj_pages_release(p);
            p->page = pg;
            p->pos = (char *)pg + PAGE_HDR;
            p->end = (char *)pg + OBJ_PAGE;
        }
        a = result_init((ormc_result *)(void *)p->pos, 0);
        a->end = p->end;
        a->page = p->page;
        atomic_fetch_add_explicit(&a->page->holds, 1, memory_order_relaxed);
    }
    return object_in(a, n);
}

void paged_done(obj_pages *p, void *obj)
{
    ormc_result *a = ((object_header *)obj - 1)->owner;
    if (!a->page) /* arena_new_sized's */
        return;
    /* not past the page's end, which is aligned */
    p->pos = (char *)(((uintptr_t)a->pos + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1));
    a->end = a->pos;
}

void obj_pages_release(obj_pages *p)
{
    if (p->page)
        page_release(p->page);
    p->page = NULL;
    p->pos = p->end = NULL;
}
#else
static void page_release(struct obj_page *pg) { (void)pg; }
void *paged_object(obj_pages *p, size_t n)
{
    (void)p;
    n = object_bytes(n);
    ormc_result *a = arena_new_sized(n + PAGED_SPARE);
    return a ? object_in(a, n) : NULL;
}
void paged_done(obj_pages *p, void *obj) { (void)p, (void)obj; }
void obj_pages_release(obj_pages *p) { (void)p; }
#endif

/* Adds a chunk of at least n bytes and makes it current. */
static bool arena_grow(ormc_result *a, size_t n)
{
    /* The first SMALL_CHUNKS chunks (1 MiB) stay small, so that a small
     * result reuses the parked chunks (cache_take) from one fetch to the
     * next instead of mapping (and page-faulting) fresh memory each
     * time.  The next ones are mapped huge pages, from
     * HUGE_SIZE doubling to CHUNK_MAX, so a big result needs few of them.
     * The size is that of the whole block, headers included, so a mapped
     * chunk fills its huge pages exactly. */
    size_t block = CHUNK_MIN;
    if (a->nchunks >= SMALL_CHUNKS) {
        block = HUGE_SIZE;
        for (size_t k = SMALL_CHUNKS; k < a->nchunks && block < CHUNK_MAX; k++)
            block *= 2;
    }
    size_t size = block - HDR - BIG_HDR;
    if (size < n) {
        if (n > SIZE_MAX / 2)
            return false;
        size = n;
    }
    arena_chunk *c = NULL;
    if (size == SMALL_SIZE)
        c = cache_take();
    if (!c && !(c = ormc_big_malloc(HDR + size)))
        return false;
    c->next = a->chunks;
    c->size = size;
    a->chunks = c;
    a->nchunks++;
    a->pos = (char *)c + HDR;
    a->end = a->pos + size;
    return true;
}

void arena_adopt(ormc_result *a, void *block)
{
    arena_chunk *c = block;
    c->next = a->blocks;
    c->size = 0;
    a->blocks = c;
}

void *arena_alloc(ormc_result *a, size_t n)
{
    void *p = arena_alloc_raw(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

/* n bytes of a paged result (paged_object) that its page has no room
 * for: a block of their own, the result's room on its page unchanged. */
static void *paged_overflow(ormc_result *a, size_t n)
{
    arena_chunk *c = ormc_big_malloc(HDR + n);
    if (!c)
        return NULL;
    arena_adopt(a, c);
    return (char *)c + HDR;
}

void *arena_alloc_raw(ormc_result *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    uintptr_t p = ((uintptr_t)a->pos + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
    if (!a->pos || p + n > (uintptr_t)a->end) {
        if (a->page)
            return paged_overflow(a, n);
        if (!arena_grow(a, n))
            return NULL;
        p = (uintptr_t)a->pos;
    }
    a->pos = (char *)(p + n);
    return (void *)p;
}

char *arena_strndup_grow(ormc_result *a, const char *s, size_t n)
{
    char *d;
    if (a->page) {
        if (!(d = paged_overflow(a, n + 1)))
            return NULL;
    } else {
        if (!arena_grow(a, n + 1))
            return NULL;
        d = a->pos;
        a->pos += n + 1;
    }
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void ormc_result_free(ormc_result *a)
{
    if (!a)
        return;
    for (int list = 0; list < 2; list++) {
        arena_chunk *c = list ? a->blocks : a->chunks;
        while (c) {
            arena_chunk *next = c->next;
            if (!cache_park(c))
                ormc_big_free(c);
            c = next;
        }
    }
    if (a->page)
        page_release(a->page);
    else
        ormc_free(a);
}
