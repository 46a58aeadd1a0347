/*
 * paths.h — the typed paths of the generated query API, one table for
 * every pass: which path type a field's value has (BlogTextPath), the
 * filter functions each type gets (blog_filter_text, ..._in, ...), and
 * the names of the field constants (BLOG_TITLE) and relation steps
 * (blog_via_author_text).  The clash check (sema.c) and both emitters
 * read the names from here, so each is spelled once.
 */
#ifndef ORMC_PATHS_H
#define ORMC_PATHS_H

#include "ast.h"

/* One kind of path value. */
typedef struct PathKind {
    const char *type;   /* type name part: "Text" -> BlogTextPath; "" any */
    const char *fn;     /* function part: "text" -> blog_filter_text */
    const char *ctype;  /* C type of a value: "const char *" */
    const char *rt;     /* runtime part: ormc_where_<rt>, ormc_where_<rt>_in */
    const char *ops;    /* the lookups it takes, for the comment */
    bool in, range;     /* has _in (array) and _range filters */
    bool calendar;      /* has _year, _month and _day filters */
    const char *settype; /* C type of blog_set_<fn>'s value; NULL: none */
    const char *rtset;  /* runtime part: ormc_set_<rtset> */
    const char *rtadd;  /* blog_set_add_<fn>: ormc_set_add_<rtadd>; NULL */
    bool mul;           /* has blog_set_mul_<fn> */
} PathKind;

/* Every kind, the untyped one (any field: order_by, null tests) first. */
extern const PathKind PATH_KINDS[];
extern const int NPATH_KINDS;

/* The kind of a field's value (a relation: its foreign key, an int). */
const PathKind *path_kind(const Field *f);

/* The C type of an array of k's values: "const char *const *". */
const char *path_array_type(Arena *a, const PathKind *k);
/* "BlogTextPath" (kind "Text") or "BlogPath" (the untyped kind). */
const char *path_type(Arena *a, const Model *m, const PathKind *k);
/* "BLOG_TITLE": the path constant of field f of m (NULL: id). */
const char *path_const(Arena *a, const Model *m, const Field *f);
/* "blog_via_author_text" / "blog_via_author": the step through relation
 * (or reverse relation) `rel` of m, for paths of kind k. */
const char *path_step(Arena *a, const Model *m, const char *rel,
                      const PathKind *k);

#endif
