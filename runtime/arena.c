/*
 * arena.c — allocation: the malloc seam, result-set arenas and the SQL string
 * builder.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The process-wide allocator (ormc_set_allocator); libc's by default. */
static void *(*alloc_malloc)(size_t) = malloc;
static void *(*alloc_realloc)(void *, size_t) = realloc;
static void (*alloc_free)(void *) = free;

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
    alloc_malloc = malloc_fn;
    alloc_realloc = realloc_fn;
    alloc_free = free_fn;
    return ORMC_OK;
}

void *ormc_malloc(size_t n) { return alloc_malloc(n ? n : 1); }
void *ormc_realloc(void *p, size_t n) { return alloc_realloc(p, n ? n : 1); }
void ormc_free(void *p)
{
    if (p)
        alloc_free(p);
}

struct arena_chunk {
    arena_chunk *next;
    size_t size;
    /* data follows, aligned */
};

#define ALIGN 16
#define CHUNK_MIN (64u * 1024u)
#define SMALL_CHUNKS 8
#define HDR ((sizeof(arena_chunk) + ALIGN - 1) & ~(size_t)(ALIGN - 1))
_Static_assert(HDR == ARENA_BLOCK_HDR, "ARENA_BLOCK_HDR must fit a chunk header");

/* A new result carries a small first chunk in its own allocation, so a
 * one-object result (get) costs one malloc. */
#define INLINE_SIZE 1024u
#define RES_HDR ((sizeof(ormc_result) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

ormc_result *arena_new(void) { return arena_new_sized(INLINE_SIZE); }

ormc_result *arena_new_sized(size_t first)
{
    first = (first + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (first > SIZE_MAX - RES_HDR)
        return NULL;
    ormc_result *a = ormc_malloc(RES_HDR + first);
    if (a) {
        memset(a, 0, sizeof *a);
        a->pos = (char *)a + RES_HDR;
        a->end = a->pos + first;
    }
    return a;
}

/* Adds a chunk of at least n bytes and makes it current. */
static bool arena_grow(ormc_result *a, size_t n)
{
    size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
    /* The first chunks stay small, under malloc's usual mmap threshold
     * (128 KiB), so a small result reuses heap memory from one fetch to
     * the next instead of mapping (and page-faulting) fresh memory each
     * time; past SMALL_CHUNKS chunks, sizes double so a big result needs
     * few of them. */
    if (a->nchunks >= SMALL_CHUNKS && a->chunks->size * 2 > size &&
        a->chunks->size < (64u << 20))
        size = a->chunks->size * 2;
    arena_chunk *c = ormc_malloc(HDR + size);
    if (!c)
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

void *arena_alloc_raw(ormc_result *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    uintptr_t p = ((uintptr_t)a->pos + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
    if (!a->pos || p + n > (uintptr_t)a->end) {
        if (!arena_grow(a, n))
            return NULL;
        p = (uintptr_t)a->pos;
    }
    a->pos = (char *)(p + n);
    return (void *)p;
}

char *arena_strndup(ormc_result *a, const char *s, size_t n)
{
    if (!a->pos || (size_t)(a->end - a->pos) < n + 1) {
        if (!arena_grow(a, n + 1))
            return NULL;
    }
    char *d = a->pos;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    a->pos += n + 1;
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
            ormc_free(c);
            c = next;
        }
    }
    ormc_free(a);
}

/* ---- sbuf ---- */

static bool sb_reserve(sbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = ormc_realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_put(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        sb_putn(b, tmp, (size_t)n);
        return;
    }
    if (!sb_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_free(sbuf *b)
{
    ormc_free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
