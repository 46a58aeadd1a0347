/*
 * arena.c — the compiler's arena: every AST node and string of a compile
 * is allocated here and released by one arena_destroy.  Nodes are 16-byte
 * aligned, strings packed byte by byte; large tables that grow (the name
 * maps of names.c) are separate blocks that can be released early.
 */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS, madvise */
#include <sys/mman.h>
#endif

#include "ast.h"
#include "buf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chunks start at 64 KiB and double up to 4 MiB: a large schema needs tens
 * of megabytes, in few blocks. */
#define CHUNK_MIN (64u << 10)
#define CHUNK_MAX (4u << 20)

/* What every block from the system starts with. */
typedef struct Sys {
    void *map;     /* mmap'd: the mapping, else NULL (calloc'd) */
    size_t maplen;
} Sys;

typedef struct Chunk {
    Sys sys;
    struct Chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} Chunk;

/* A block of arena_big_zalloc, in a doubly linked list. */
typedef struct Big {
    Sys sys;
    struct Big *prev, *next;
    _Alignas(16) unsigned char data[];
} Big;

struct Arena {
    Chunk *head;
    size_t next_chunk;
    Big *big;
    Buf scratch; /* arena_printf formats here, then copies */
};

static void oom(void)
{
    fputs("ormc: out of memory\n", stderr);
    exit(2);
}

#if defined(__linux__) && defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
#define HUGE_PAGE ((size_t)2 << 20)
#endif

/* A zeroed block of hdr + n bytes from the system, hdr bytes of header
 * (starting with Sys) then n of data; returns the header.  On Linux, when
 * n is 2 MiB or more, the data starts at a 2 MiB boundary and is offered
 * transparent huge pages: the name tables are probed at random, and with
 * 4 KiB pages nearly every probe is a TLB miss (costly in a VM); huge
 * pages also take 512 times fewer page faults to fill.  The header sits
 * just below the boundary, outside the huge pages. */
static void *sys_zalloc(size_t hdr, size_t n)
{
#ifdef HUGE_PAGE
    if (n >= HUGE_PAGE) {
        size_t span = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        size_t len = span + 2 * HUGE_PAGE;
        void *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED)
            oom();
        uintptr_t at = (((uintptr_t)map + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)) +
                       HUGE_PAGE; /* at least HUGE_PAGE above map */
        madvise((void *)at, span, MADV_HUGEPAGE); /* a hint: may fail */
        Sys *s = (Sys *)(at - hdr);
        s->map = map;
        s->maplen = len;
        return s;
    }
#endif
    Sys *s = calloc(1, hdr + n);
    if (!s)
        oom();
    return s;
}

static void sys_free(void *p)
{
    Sys *s = p;
#ifdef HUGE_PAGE
    if (s->map) {
        munmap(s->map, s->maplen);
        return;
    }
#endif
    free(s);
}

Arena *arena_create(void)
{
    Arena *a = calloc(1, sizeof *a);
    if (!a)
        oom();
    return a;
}

void arena_destroy(Arena *a)
{
    if (!a)
        return;
    for (Chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        sys_free(c);
    }
    for (Big *b = a->big, *next; b; b = next) {
        next = b->next;
        sys_free(b);
    }
    free(a->scratch.s);
    free(a);
}

/* n bytes at the given alignment (a power of two, at most 16), not
 * zeroed. */
static void *bump(Arena *a, size_t n, size_t align)
{
    Chunk *c = a->head;
    size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
    if (!c || at > c->size || c->size - at < n) {
        if (a->next_chunk < CHUNK_MIN)
            a->next_chunk = CHUNK_MIN;
        size_t size = n > a->next_chunk ? n : a->next_chunk;
        if (a->next_chunk < CHUNK_MAX)
            a->next_chunk *= 2;
        c = sys_zalloc(offsetof(Chunk, data), size);
        c->used = 0;
        c->size = size;
        c->next = a->head;
        a->head = c;
        at = 0;
    }
    c->used = at + n;
    return c->data + at;
}

/* Chunks come zeroed from the system and no byte is ever handed out
 * twice, so the memory is still zero: no memset. */
void *arena_zalloc(Arena *a, size_t n)
{
    return bump(a, n, 16);
}

char *arena_strdup(Arena *a, const char *s, size_t n)
{
    char *d = bump(a, n + 1, 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *arena_vprintf(Arena *a, const char *fmt, va_list ap)
{
    a->scratch.len = 0;
    buf_vprintf(&a->scratch, fmt, ap);
    return arena_strdup(a, a->scratch.s ? a->scratch.s : "", a->scratch.len);
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

void *arena_big_zalloc(Arena *a, size_t n)
{
    /* large blocks come zeroed from the system, without a memset */
    Big *b = sys_zalloc(offsetof(Big, data), n);
    b->prev = NULL;
    b->next = a->big;
    if (a->big)
        a->big->prev = b;
    a->big = b;
    return b->data;
}

void arena_big_free(Arena *a, void *p)
{
    if (!p)
        return;
    Big *b = (Big *)((unsigned char *)p - offsetof(Big, data));
    if (b->prev)
        b->prev->next = b->next;
    else
        a->big = b->next;
    if (b->next)
        b->next->prev = b->prev;
    sys_free(b);
}
