/*
 * cnames.c — lookup in the table of the C11, POSIX and SQLite headers'
 * identifiers (cnames.inc, sorted by strcmp: make cnames regenerates it).
 */
#include "cnames.h"

#include <stdlib.h>
#include <string.h>

#define D CN_DECL
#define M CN_MACRO
#define F CN_FMACRO
static const CName TABLE[] = {
#include "cnames.inc"
};
#undef D
#undef M
#undef F

static int by_name(const void *key, const void *entry)
{
    return strcmp(key, ((const CName *)entry)->name);
}

const CName *cname_find(const char *name)
{
    return bsearch(name, TABLE, sizeof TABLE / sizeof *TABLE, sizeof *TABLE,
                   by_name);
}
