/*
 * names.h — a string-keyed hash map in the compile arena, for name lookup
 * and clash detection in linear time (schemas of 10,000+ models).
 */
#ifndef ORMC_NAMES_H
#define ORMC_NAMES_H

#include "ast.h"

typedef struct NameMap {
    Arena *arena;
    const char **keys;
    const void **vals;
    size_t cap, n;
} NameMap;

void names_init(NameMap *m, Arena *a);
/* The value stored under key, or NULL. */
const void *names_get(const NameMap *m, const char *key);
/* Stores key -> val unless key is present; returns the existing value
 * then (and stores nothing), else NULL.  key must outlive the map. */
const void *names_put(NameMap *m, const char *key, const void *val);

/* ASCII lower / upper case copies in the arena (SQL and C names are ASCII). */
const char *name_lower(Arena *a, const char *s);
const char *name_upper(Arena *a, const char *s);
/* The field-number constant of field f (NULL: id): "BLOG_FIELD_AUTHOR_ID". */
const char *field_const(Arena *a, const Model *m, const Field *f);

#endif
