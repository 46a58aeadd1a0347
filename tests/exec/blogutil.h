/*
 * blogutil.h — helpers for the tests that run examples/blog.orm.
 */
#ifndef ORMC_BLOGUTIL_H
#define ORMC_BLOGUTIL_H

#include "testutil.h"
#include "blog.orm.h"

/* Inserts an author and returns its id; fails the test on error. */
static inline int64_t add_author(ormc_db *db, const char *name,
                                 const char *email)
{
    Author a;
    author_init(&a);
    a.name = name;
    a.email = email;
    assert_ok(db, author_insert(db, &a));
    return a.id;
}

#endif
