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

#endif
