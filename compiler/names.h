/*
 * names.h — a string-keyed hash map in the compile arena, for name lookup
 * and clash detection in linear time (schemas of 10,000+ models).
 */
#ifndef ORMC_NAMES_H
#define ORMC_NAMES_H

#include "ast.h"

typedef struct NameEntry {
    const char *key;
    const void *val;
} NameEntry;

/* Open addressing over 8-byte slots (32 bits of hash, entry number + 1;
 * 0 is empty), entries in insertion order in a dense array: 8 bytes per
 * slot and 16 per name, so the map of a 10,000-model schema's ~600,000
 * generated names stays small and cache-friendly. */
typedef struct NameMap {
    Arena *arena;
    uint64_t *slots;
    size_t cap; /* slots: 0 or a power of two */
    NameEntry *ents;
    size_t n, ents_cap;
} NameMap;

/* An empty map; its memory belongs to arena a (no free needed). */
void names_init(NameMap *m, Arena *a);
/* The same, sized for `expected` keys: no growth up to that many. */
void names_init_for(NameMap *m, Arena *a, size_t expected);
/* Empties m for reuse (a map per model need not be a new map per model). */
void names_clear(NameMap *m);
/* The value stored under key, or NULL.  Cost: O(1) expected. */
const void *names_get(const NameMap *m, const char *key);
/* Stores key -> val unless key is present; returns the existing value
 * then (and stores nothing), else NULL.  key must outlive the map.
 * Cost: O(1) expected, amortized. */
const void *names_put(NameMap *m, const char *key, const void *val);

/* ASCII lower / upper case copies in the arena (SQL and C names are ASCII). */
const char *name_lower(Arena *a, const char *s);
const char *name_upper(Arena *a, const char *s);
/* The field-number constant of field f (NULL: id): "BLOG_FIELD_AUTHOR_ID".
 * Computed once, then remembered in f (or m). */
const char *field_const(Arena *a, Model *m, Field *f);

#endif
