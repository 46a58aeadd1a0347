/*
 * paths.c — the table of path kinds (paths.h) and the names built from it.
 */
#include "paths.h"
#include "names.h"

#include <string.h>

const PathKind PATH_KINDS[] = {
    {"", "", NULL, NULL, NULL, false, false, false, NULL, NULL, NULL, false},
    {"Int", "int", "int64_t", "int", "EQ NE LT LE GT GE", true, true, false,
     "int64_t", "int", "int", false},
    {"Real", "real", "double", "real", "EQ NE LT LE GT GE; NaN refused",
     true, true, false, "double", "real", "real", true},
    {"Bool", "bool", "bool", "bool", "EQ NE", false, false, false, "bool",
     "bool", NULL, false},
    {"Text", "text", "const char *", "text",
     "EQ NE LT LE GT GE CONTAINS STARTSWITH ENDSWITH IEXACT ICONTAINS "
     "ISTARTSWITH IENDSWITH",
     true, false, false, "const char *", "text", NULL, false},
    {"Time", "time", "int64_t", "int", "EQ NE LT LE GT GE (Unix seconds)",
     true, true, true, "int64_t", "int", "int", false},
    {"Blob", "blob", NULL, NULL, NULL, false, false, false, "ormc_blob",
     "blob", NULL, false},
};
const int NPATH_KINDS = (int)(sizeof PATH_KINDS / sizeof *PATH_KINDS);

const PathKind *path_kind(const Field *f)
{
    switch (f ? f->kind : TY_INT) {
    case TY_REAL: return &PATH_KINDS[2];
    case TY_BOOL: return &PATH_KINDS[3];
    case TY_TEXT: return &PATH_KINDS[4];
    case TY_DATETIME: return &PATH_KINDS[5];
    case TY_BLOB: return &PATH_KINDS[6];
    default: return &PATH_KINDS[1];
    }
}

const char *path_type(Arena *a, const Model *m, const PathKind *k)
{
    return arena_printf(a, "%s%sPath", m->name, k->type);
}

const char *path_const(Arena *a, const Model *m, const Field *f)
{
    return name_upper(a, arena_printf(a, "%s_%s", m->prefix,
                                      f ? f->member : "id"));
}

const char *path_step(Arena *a, const Model *m, const char *rel,
                      const PathKind *k)
{
    return arena_printf(a, "%s_via_%s%s%s", m->prefix, rel, k->fn[0] ? "_" : "",
                        k->fn);
}

const char *path_array_type(Arena *a, const PathKind *k)
{
    size_t n = strlen(k->ctype);
    return k->ctype[n - 1] == '*' ? arena_printf(a, "%sconst *", k->ctype)
                                  : arena_printf(a, "const %s *", k->ctype);
}
