/*
 * names.c — open-addressing string map (FNV-1a, linear probing), arena
 * backed: the map is released with the compile's arena.
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

const char *field_const(Arena *a, const Model *m, const Field *f)
{
    return name_upper(a, arena_printf(a, "%s_FIELD_%s", m->prefix,
                                      f ? f->member : "id"));
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ull;
    }
    return h;
}

void names_init(NameMap *m, Arena *a)
{
    m->arena = a;
    m->cap = 64;
    m->n = 0;
    m->keys = arena_zalloc(a, m->cap * sizeof *m->keys);
    m->vals = arena_zalloc(a, m->cap * sizeof *m->vals);
}

static size_t find(const NameMap *m, const char *key)
{
    size_t i = (size_t)hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

const void *names_get(const NameMap *m, const char *key)
{
    size_t i = find(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

const void *names_put(NameMap *m, const char *key, const void *val)
{
    size_t i = find(m, key);
    if (m->keys[i])
        return m->vals[i];
    if ((m->n + 1) * 2 > m->cap) {
        NameMap big = {m->arena, NULL, NULL, m->cap * 2, 0};
        big.keys = arena_zalloc(m->arena, big.cap * sizeof *big.keys);
        big.vals = arena_zalloc(m->arena, big.cap * sizeof *big.vals);
        for (size_t k = 0; k < m->cap; k++)
            if (m->keys[k]) {
                size_t j = find(&big, m->keys[k]);
                big.keys[j] = m->keys[k];
                big.vals[j] = m->vals[k];
                big.n++;
            }
        *m = big;
        i = find(m, key);
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return NULL;
}
