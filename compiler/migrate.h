/*
 * migrate.h — ormc diff (migrate.c): the script from one checked schema
 * to another.  Internal to the compiler library; ormcc_diff (ormcc.h) is
 * its public face.
 */
#ifndef ORMC_MIGRATE_H
#define ORMC_MIGRATE_H

#include "ctx.h"
#include "ormcc.h"

/* The script (SQLite's, or PostgreSQL's when o->dialect says so) that
 * moves a database of schema `a` to schema `b`
 * (both checked, gen_ddl done).  Returns the number of refused steps,
 * each reported on diag ("ormc diff: ...") when it is not NULL; on 0,
 * *out is the script (malloc'd, *len bytes), else NULL.  Strings it
 * builds live in b's arena. */
int migrate_script(Ctx *a, Ctx *b, const ormcc_diff_options *o, FILE *diag,
                   char **out, size_t *len);

#endif
