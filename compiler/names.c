/*
 * names.c — open-addressing string map (FNV-1a, linear probing over 8-byte
 * slots holding 32 hash bits and an entry number), arena backed: the map
 * is released with the compile's arena.  Large tables are separate arena
 * blocks (arena_big_zalloc), freed as soon as they are outgrown.
 */
#include "names.h"

#include <string.h>

/* A copy of s with each ASCII letter put in the other case by `delta`
 * (+32: to lower, -32: to upper). */
static const char *recase(Arena *a, const char *s, char from, char to,
                          int delta)
{
    char *d = arena_strdup(a, s, strlen(s));
    for (char *p = d; *p; p++)
        if (*p >= from && *p <= to)
            *p = (char)(*p + delta);
    return d;
}

const char *name_lower(Arena *a, const char *s)
{
    return recase(a, s, 'A', 'Z', 'a' - 'A');
}

const char *name_upper(Arena *a, const char *s)
{
    return recase(a, s, 'a', 'z', 'A' - 'a');
}

const char *field_const(Arena *a, Model *m, Field *f)
{
    const char **memo = f ? &f->fconst : &m->id_const;
    if (!*memo)
        *memo = name_upper(a, arena_printf(a, "%s_FIELD_%s", m->prefix,
                                           f ? f->member : "id"));
    return *memo;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ull;
    }
    return h; /* the map uses the high 32 bits, FNV's best mixed */
}

/* Tables up to this many bytes live in the arena; larger ones are
 * separate blocks, released when the table grows. */
#define SMALL_TABLE 4096

static void *table_alloc(Arena *a, size_t size)
{
    return size <= SMALL_TABLE ? arena_zalloc(a, size)
                               : arena_big_zalloc(a, size);
}

static void table_free(Arena *a, void *p, size_t size)
{
    if (size > SMALL_TABLE)
        arena_big_free(a, p);
}

void names_init(NameMap *m, Arena *a)
{
    names_init_for(m, a, 0);
}

static void resize(NameMap *m, size_t cap);

/* Tables are allocated by the first names_put unless sized here: many
 * maps (one per model) stay empty or tiny. */
void names_init_for(NameMap *m, Arena *a, size_t expected)
{
    memset(m, 0, sizeof *m);
    m->arena = a;
    if (expected) {
        size_t cap = 8;
        while (expected * 4 > cap * 3)
            cap *= 2;
        resize(m, cap);
        m->ents_cap = expected;
        m->ents = table_alloc(a, expected * sizeof *m->ents);
    }
}

void names_clear(NameMap *m)
{
    if (m->cap * sizeof *m->slots > SMALL_TABLE ||
        m->ents_cap * sizeof *m->ents > SMALL_TABLE) {
        table_free(m->arena, m->slots, m->cap * sizeof *m->slots);
        table_free(m->arena, m->ents, m->ents_cap * sizeof *m->ents);
        names_init(m, m->arena);
        return;
    }
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->n = 0;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find(const NameMap *m, const char *key, uint64_t h)
{
    uint64_t tag = h >> 32 << 32;
    size_t i = (size_t)(h >> 32) & (m->cap - 1);
    for (;;) {
        uint64_t s = m->slots[i];
        if (!s || ((s & ~0xffffffffull) == tag &&
                   strcmp(m->ents[(s & 0xffffffffu) - 1].key, key) == 0))
            return i;
        i = (i + 1) & (m->cap - 1);
    }
}

const void *names_get(const NameMap *m, const char *key)
{
    if (!m->n)
        return NULL;
    uint64_t s = m->slots[find(m, key, hash(key))];
    return s ? m->ents[(s & 0xffffffffu) - 1].val : NULL;
}

/* Rebuilds the slots at `cap`.  A slot's position comes from the same 32
 * hash bits it stores, so keys are neither hashed nor read again. */
static void resize(NameMap *m, size_t cap)
{
    uint64_t *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = table_alloc(m->arena, cap * sizeof *m->slots);
    m->cap = cap;
    for (size_t k = 0; k < old_cap; k++) {
        uint64_t s = old[k];
        if (!s)
            continue;
        size_t i = (size_t)(s >> 32) & (cap - 1);
        while (m->slots[i])
            i = (i + 1) & (cap - 1);
        m->slots[i] = s;
    }
    table_free(m->arena, old, old_cap * sizeof *old);
}

const void *names_put(NameMap *m, const char *key, const void *val)
{
    uint64_t h = hash(key);
    if (!m->slots)
        resize(m, 8);
    size_t i = find(m, key, h);
    if (m->slots[i])
        return m->ents[(m->slots[i] & 0xffffffffu) - 1].val;
    /* at most 3/4 full: linear probing stays short */
    if ((m->n + 1) * 4 > m->cap * 3) {
        resize(m, m->cap * 2);
        i = find(m, key, h);
    }
    if (m->n == m->ents_cap) {
        size_t cap = m->ents_cap ? m->ents_cap * 2 : 6;
        NameEntry *e = table_alloc(m->arena, cap * sizeof *e);
        if (m->n)
            memcpy(e, m->ents, m->n * sizeof *e);
        table_free(m->arena, m->ents, m->ents_cap * sizeof *m->ents);
        m->ents = e;
        m->ents_cap = cap;
    }
    m->ents[m->n] = (NameEntry){key, val};
    m->slots[i] = (h >> 32 << 32) | (uint64_t)(m->n + 1);
    m->n++;
    return NULL;
}
