/*
 * gen_header.c — emits <schema>.orm.h: the typed API of a schema.  Structs,
 * list and query types, field constants, and one declaration per wrapper,
 * each with its contract and its statement count.
 */
#include "buf.h"
#include "ctx.h"
#include "names.h"
#include "paths.h"

#include <stdlib.h>
#include <string.h>

/* The C type of a field's value member. */
static const char *c_type(const Field *f)
{
    switch (f->kind) {
    case TY_REAL: return "double";
    case TY_BOOL: return "bool";
    case TY_TEXT: return "const char *";
    case TY_BLOB: return "ormc_blob";
    default: return "int64_t";
    }
}

static bool has_null_flag(const Field *f)
{
    return f->nullable && f->kind != TY_TEXT && f->kind != TY_BLOB;
}

/* One member line: declaration padded to a column, then a comment. */
static void member(Buf *b, const char *type, const char *name,
                   const char *comment)
{
    const char *sep = type[strlen(type) - 1] == '*' ? "" : " ";
    int width = (int)(strlen(type) + strlen(sep) + strlen(name) + 1);
    buf_printf(b, "    %s%s%s;", type, sep, name);
    if (comment)
        buf_printf(b, "%*s /* %s */", width < 30 ? 30 - width : 0, "",
                   comment);
    buf_puts(b, "\n");
}

/* "text(100), unique" — how the field was declared, for the comment. */
static const char *describe(Ctx *c, const Field *f)
{
    const char *t = f->kind == TY_MODEL ? f->target->name : f->type_name;
    const char *size = f->has_size ? arena_printf(c->arena, "(%lld)",
                                                  (long long)f->size)
                                   : "";
    const char *def = "";
    switch (f->def.kind) {
    case DEF_INT: def = arena_printf(c->arena, ", default %lld", (long long)f->def.i); break;
    case DEF_REAL: def = arena_printf(c->arena, ", default %s", f->def.spelling); break;
    case DEF_BOOL: def = f->def.i ? ", default true" : ", default false"; break;
    case DEF_STRING: def = ", has a default"; break;
    case DEF_NOW: def = ", default now"; break;
    default: break;
    }
    return arena_printf(c->arena, "%s%s%s%s%s%s", t, size,
                        f->nullable ? "?" : "", f->unique ? ", unique" : "",
                        f->kind == TY_DATETIME ? ", Unix seconds UTC" : "",
                        def);
}

/* Where a to-many relation comes from, for comments: "Comment.blog", or
 * "Post.tags, many-to-many". */
static const char *origin(Ctx *c, const Reverse *r)
{
    if (!r->mm)
        return arena_printf(c->arena, "%s.%s", r->child->name, r->fk->name);
    return arena_printf(c->arena, "%s.%s, many-to-many",
                        r->mm->source->name, r->mm->field->name);
}

/* What m's rows hold of their to-many relations: each one's children and
 * count, behind the row's `rel` pointer. */
static void emit_rel(Ctx *c, Buf *b, Model *m)
{
    buf_printf(b,
               "/* What prefetch and count load for each %s row: obj->rel points "
               "here when its\n"
               " * query asked for any of them, else it is NULL; a list or "
               "count not asked\n * for is empty or 0. */\n"
               "struct %sRel {\n", m->name, m->name);
    for (int i = 0; i < m->nmany; i++) {
        Reverse *r = &m->many[i];
        member(b, arena_printf(c->arena, "%sRefs", r->child->name), r->name,
               arena_printf(c->arena, "%s; filled by %s_prefetch_%s",
                            origin(c, r), m->prefix, r->name));
        member(b, "int64_t", arena_printf(c->arena, "%s_count", r->name),
               arena_printf(c->arena, "filled by %s_count_%s", m->prefix,
                            r->name));
    }
    buf_puts(b, "};\n\n");
}

static void emit_struct(Ctx *c, Buf *b, Model *m)
{
    buf_printf(b, "/* ---- %s (table \"%s\") ---- */\n\n", m->name, m->table);
    if (m->nmany)
        emit_rel(c, b, m);
    buf_printf(b, "struct %s {\n", m->name);
    member(b, "int64_t", "id", "primary key, set by insert");
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        member(b, c_type(f), f->member, describe(c, f));
        if (f->kind == TY_MODEL) {
            const char *ptr = arena_printf(c->arena, "%s *", f->target->name);
            member(b, ptr, f->name,
                   arena_printf(c->arena, "loaded by %s_with_%s, else NULL",
                                m->prefix, f->name));
        }
        if (has_null_flag(f))
            member(b, "bool", arena_printf(c->arena, "%s_null", f->name),
                   arena_printf(c->arena, "true: %s is NULL", f->member));
    }
    for (int i = 0; i < m->nones; i++) {
        Reverse *r = &m->ones[i];
        member(b, arena_printf(c->arena, "%s *", r->child->name), r->name,
               arena_printf(c->arena, "the %s whose %s is this row (one-to-one):"
                            " loaded by %s_with_%s, else NULL",
                            r->child->name, r->fk->name, m->prefix, r->name));
    }
    if (m->nmany)
        member(b, arena_printf(c->arena, "%sRel *", m->name), "rel",
               "prefetch and count results; NULL unless asked for");
    buf_puts(b, "};\n\n");

    buf_printf(b, "/* Field numbers (the order of %s's descriptor table). */\nenum {\n",
               m->name);
    buf_printf(b, "    %s", field_const(c->arena, m, NULL));
    for (int i = 0; i < m->nf; i++)
        buf_printf(b, ",\n    %s", field_const(c->arena, m, m->fv[i]));
    buf_puts(b, "\n};\n\n");
    buf_printf(b, "/* Paths to the fields of %s, for filters and order_by. */\n",
               m->name);
    buf_printf(b, "extern const %s %s;\n",
               path_type(c->arena, m, path_kind(NULL)),
               path_const(c->arena, m, NULL));
    for (int i = 0; i < m->nf; i++)
        buf_printf(b, "extern const %s %s;\n",
                   path_type(c->arena, m, path_kind(m->fv[i])),
                   path_const(c->arena, m, m->fv[i]));
    buf_puts(b, "\n");
    buf_printf(b,
               "/* A query on %s: start with %s_query_init, refine, run with "
               "%s_fetch,\n * end with %s_query_free. */\n"
               "struct %sQuery {\n    ormc_query q;\n};\n\n",
               m->name, m->prefix, m->prefix, m->prefix, m->name);
}

/* The path types of m: one per value kind, each wrapping the untyped one. */
static void emit_path_types(Ctx *c, Buf *b, Model *m)
{
    const char *any = path_type(c->arena, m, &PATH_KINDS[0]);
    buf_printf(b, "typedef struct %s {\n    ormc_path p;\n} %s;\n", any, any);
    for (int k = 1; k < NPATH_KINDS; k++) {
        const char *t = path_type(c->arena, m, &PATH_KINDS[k]);
        buf_printf(b, "typedef struct %s {\n    %s path;\n} %s;\n", t, any, t);
    }
}

/* The steps through one relation (forward or reverse) of m to target. */
static void emit_steps(Ctx *c, Buf *b, Model *m, const char *rel,
                       Model *target)
{
    for (int k = 0; k < NPATH_KINDS; k++) {
        const PathKind *pk = &PATH_KINDS[k];
        buf_printf(b, "%s %s(%s p);\n", path_type(c->arena, m, pk),
                   path_step(c->arena, m, rel, pk),
                   path_type(c->arena, target, pk));
    }
}

static void emit_crud(Buf *b, Model *m)
{
    const char *p = m->prefix, *M = m->name;
    buf_printf(b,
               "/* Zeroes *obj and applies the schema's defaults; nullable "
               "fields without a\n"
               " * default start NULL.  Runs no SQL. */\n"
               "void %s_init(%s *obj);\n\n", p, M);
    buf_printf(b,
               "/* Inserts obj (all fields but id) and sets obj->id.  "
               "Validates first: nothing\n"
               " * is written on error.  1 statement. */\n"
               "int %s_insert(ormc_db *db, %s *obj);\n\n", p, M);
    buf_printf(b,
               "/* Inserts items[0..n) all or nothing, in one transaction (a "
               "savepoint inside\n"
               " * yours), and sets each id.  Validates all first; on error "
               "nothing is written\n"
               " * and every id is 0.  n statements. */\n"
               "int %s_insert_many(ormc_db *db, %s *items, size_t n);\n\n",
               p, M);
    buf_printf(b,
               "/* Writes every field of obj to row obj->id; "
               "ORMC_NOT_FOUND if there is none.\n"
               " * 1 statement. */\n"
               "int %s_update(ormc_db *db, const %s *obj);\n\n", p, M);
    buf_printf(b,
               "/* Deletes row id, applying each relation's 'on delete'; "
               "ORMC_NOT_FOUND if\n"
               " * there is none.  1 statement. */\n"
               "int %s_delete(ormc_db *db, int64_t id);\n\n", p);
    buf_printf(b,
               "/* Loads row id into a new *out (free with %s_free); "
               "ORMC_NOT_FOUND if there\n"
               " * is none.  1 statement. */\n"
               "int %s_get(ormc_db *db, int64_t id, %s **out);\n\n", p, p, M);
    buf_printf(b,
               "/* Frees an object from %s_get or %s_first.  NULL-safe. */\n"
               "void %s_free(%s *obj);\n\n", p, p, p, M);
    buf_printf(b,
               "/* Frees a list from %s_fetch and everything in it "
               "(related objects,\n"
               " * prefetched children, strings).  NULL-safe. */\n"
               "void %s_list_free(%sList *list);\n\n", p, p, M);
}

/* The C type of a key field's value, as a parameter. */

/* The link writes of many-to-many relation r of m (Django's add, set,
 * remove, clear): add and set only where the join table is implicit (a
 * through model's rows carry fields of their own: insert them). */
static void emit_links(Ctx *c, Buf *b, Model *m, const Reverse *r)
{
    const char *p = m->prefix, *C = r->child->name;
    (void)c;
    if (!r->mm->through)
        buf_printf(b,
                   "/* %s.%s.add(*ids): links row `id` to each %s of "
                   "ids[0..n) that is not\n"
                   " * linked yet (the others are left alone).  An id of no "
                   "%s (or `id` of no\n"
                   " * %s) is ORMC_CONSTRAINT with nothing added.  1 "
                   "statement. */\n"
                   "int %s_add_%s(ormc_db *db, int64_t id, const int64_t "
                   "*ids, size_t n);\n\n"
                   "/* %s.%s.set(ids): after it, row `id` is linked to "
                   "exactly the %s of\n"
                   " * ids[0..n): the other links are removed, the missing "
                   "ones added, all or\n"
                   " * nothing (in a savepoint).  2 statements. */\n"
                   "int %s_set_%s(ormc_db *db, int64_t id, const int64_t "
                   "*ids, size_t n);\n\n",
                   m->name, r->name, C, C, m->name, p, r->name, m->name,
                   r->name, C, p, r->name);
    buf_printf(b,
               "/* %s.%s.remove(*ids): unlinks row `id` from each %s of "
               "ids[0..n) (ids\n"
               " * not linked are ignored).  1 statement. */\n"
               "int %s_remove_%s(ormc_db *db, int64_t id, const int64_t *ids, "
               "size_t n);\n\n"
               "/* %s.%s.clear(): unlinks row `id` from every %s.  1 "
               "statement. */\n"
               "int %s_clear_%s(ormc_db *db, int64_t id);\n\n",
               m->name, r->name, C, p, r->name, m->name, r->name, C, p,
               r->name);
}

/* Updates and deletes over a query, named-field updates, get_where, and
 * the functions of each unique key. */
static void emit_writes(Ctx *c, Buf *b, Model *m)
{
    const char *p = m->prefix, *M = m->name;
    buf_printf(b,
               "/* SET terms for %s_update_where (Django's update()): a field "
               "of %s itself\n"
               " * (not id) takes a value, NULL, or its own value + d (F() + d) "
               "or times k. */\n",
               p, M);
    for (int k = 1; k < NPATH_KINDS; k++) {
        const PathKind *pk = &PATH_KINDS[k];
        const char *t = path_type(c->arena, m, pk);
        const char *sp = pk->settype[strlen(pk->settype) - 1] == '*' ? "" : " ";
        buf_printf(b, "void %s_set_%s(%sQuery *q, %s f, %s%sv);\n", p, pk->fn,
                   M, t, pk->settype, sp);
        if (pk->rtadd)
            buf_printf(b, "void %s_set_add_%s(%sQuery *q, %s f, %s d);\n", p,
                       pk->fn, M, t, pk->settype);
        if (pk->mul)
            buf_printf(b, "void %s_set_mul_%s(%sQuery *q, %s f, %s k);\n", p,
                       pk->fn, M, t, pk->settype);
    }
    buf_printf(b, "void %s_set_null(%sQuery *q, %s f);\n\n", p, M,
               path_type(c->arena, m, &PATH_KINDS[0]));
    buf_printf(b,
               "/* Applies q's SET terms to every row q selects; *changed (may "
               "be NULL) = rows\n"
               " * changed.  1 statement. */\n"
               "int %s_update_where(ormc_db *db, const %sQuery *q, int64_t "
               "*changed);\n\n"
               "/* Deletes every row q selects (each relation's 'on delete' "
               "applies); *deleted\n"
               " * (may be NULL) = rows of %s deleted.  1 statement. */\n"
               "int %s_delete_where(ormc_db *db, const %sQuery *q, int64_t "
               "*deleted);\n\n"
               "/* Writes only fields[0..n) of obj (paths of %s's own fields) "
               "to row obj->id\n"
               " * (save(update_fields=...)); ORMC_NOT_FOUND if there is none.  "
               "1 statement. */\n"
               "int %s_update_fields(ormc_db *db, const %s *obj, const %s "
               "*fields, size_t n);\n\n"
               "/* The one row q selects (Django's get()): ORMC_NOT_FOUND if "
               "none, ORMC_ERROR\n"
               " * if more than one.  Free *out with %s_free.  1 statement + 1 "
               "per prefetch. */\n"
               "int %s_get_where(ormc_db *db, const %sQuery *q, %s **out);\n\n",
               p, M, M, p, M, M, p, M, path_type(c->arena, m, &PATH_KINDS[0]),
               p, p, M, M);
    for (int k = 0; k < m->nkeys; k++) {
        Key *key = &m->keys[k];
        Buf params = {0};
        for (int i = 0; i < key->nfields; i++) {
            const char *t = path_kind(key->fields[i])->ctype;
            buf_printf(&params, ", %s%s%s", t,
                       t[strlen(t) - 1] == '*' ? "" : " ",
                       key->fields[i]->member);
        }
        char *pl = buf_take(&params, NULL);
        buf_printf(b,
                   "/* The row whose unique key %s has these values, into a new "
                   "*out (free\n"
                   " * with %s_free); ORMC_NOT_FOUND if none.  1 statement. */\n"
                   "int %s_get_by_%s(ormc_db *db%s, %s **out);\n\n",
                   key->name, p, p, key->name, pl, M);
        free(pl);
        if (key->nullable)
            continue;
        buf_printf(b,
                   "/* Inserts obj, or updates the row with the same %s to "
                   "obj's other fields;\n"
                   " * sets obj->id either way.  1 statement. */\n"
                   "int %s_upsert_by_%s(ormc_db *db, %s *obj);\n\n"
                   "/* The row with defaults' %s, or a new one made of defaults "
                   "(*created);\n"
                   " * free *out with %s_free.  1 statement if it exists, 2 if "
                   "created. */\n"
                   "int %s_get_or_create_by_%s(ormc_db *db, const %s *defaults, "
                   "%s **out,\n"
                   "        bool *created);\n\n",
                   key->name, p, key->name, M, key->name, p, p, key->name, M,
                   M);
    }
}

static void emit_query(Ctx *c, Buf *b, Model *m)
{
    const char *p = m->prefix, *M = m->name;
    buf_printf(b,
               "/* Starts a query over all %s rows in the default order. */\n"
               "void %s_query_init(%sQuery *q);\n\n", M, p, M);
    buf_printf(b,
               "/* Frees what q allocated (queries of more than "
               "ORMC_QUERY_INLINE terms) and\n"
               " * empties it.  NULL-safe. */\n"
               "void %s_query_free(%sQuery *q);\n\n", p, M);
    buf_printf(b,
               "/* Filters on any path from %s, ANDed within their group "
               "(docs/api.md 5).\n"
               " * Text and array values are borrowed until the run. */\n", M);
    for (int k = 1; k < NPATH_KINDS; k++) {
        const PathKind *pk = &PATH_KINDS[k];
        if (!pk->ctype)
            continue;
        const char *t = path_type(c->arena, m, pk);
        const char *sp = pk->ctype[strlen(pk->ctype) - 1] == '*' ? "" : " ";
        buf_printf(b, "/* %s */\n", pk->ops);
        buf_printf(b, "void %s_filter_%s(%sQuery *q, %s f, ormc_op op, %s%sv);\n",
                   p, pk->fn, M, t, pk->ctype, sp);
        if (pk->in)
            buf_printf(b,
                       "void %s_filter_%s_in(%sQuery *q, %s f, ormc_op op, "
                       "%sv, size_t n);\n",
                       p, pk->fn, M, t, path_array_type(c->arena, pk));
        if (pk->range)
            buf_printf(b,
                       "void %s_filter_%s_range(%sQuery *q, %s f, %s lo, %s hi);\n",
                       p, pk->fn, M, t, pk->ctype, pk->ctype);
        if (pk->calendar)
            buf_printf(b,
                       "void %s_filter_year(%sQuery *q, %s f, int year);\n"
                       "void %s_filter_month(%sQuery *q, %s f, int year, int month);\n"
                       "void %s_filter_day(%sQuery *q, %s f, int year, int month, "
                       "int day);\n",
                       p, M, t, p, M, t, p, M, t);
    }
    buf_printf(b, "/* IS NULL (is_null) or IS NOT NULL */\n"
                  "void %s_filter_null(%sQuery *q, %s f, bool is_null);\n\n",
               p, M, path_type(c->arena, m, &PATH_KINDS[0]));
    buf_printf(b,
               "/* Groups (Django's Q objects): %s_or(q) begins an OR group, "
               "%s_and(q) an AND\n"
               " * group, %s_not(q) a NOT group (Django's exclude()); "
               "%s_end(q) closes it. */\n"
               "void %s_and(%sQuery *q);\nvoid %s_or(%sQuery *q);\n"
               "void %s_not(%sQuery *q);\nvoid %s_end(%sQuery *q);\n\n",
               p, p, p, p, p, M, p, M, p, M, p, M);
    buf_printf(b, "/* Shortcuts: filters on one field of %s. */\n", M);
    buf_printf(b, "void %s_where_id(%sQuery *q, ormc_op op, int64_t v);\n", p, M);
    buf_printf(b,
               "void %s_where_id_in(%sQuery *q, const int64_t *v, size_t n);\n",
               p, M);
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        if (f->kind != TY_BLOB)
            buf_printf(b, "void %s_where_%s(%sQuery *q, ormc_op op, %s%sv);\n",
                       p, f->member, M, path_kind(f)->ctype,
                       f->kind == TY_TEXT ? "" : " ");
        if (f->kind == TY_INT || f->kind == TY_DATETIME || f->kind == TY_MODEL)
            buf_printf(b,
                       "void %s_where_%s_in(%sQuery *q, const int64_t *v, "
                       "size_t n);\n",
                       p, f->member, M);
        if (f->kind == TY_REAL)
            buf_printf(b,
                       "void %s_where_%s_in(%sQuery *q, const double *v, "
                       "size_t n);\n",
                       p, f->member, M);
        if (f->kind == TY_TEXT)
            buf_printf(b,
                       "void %s_where_%s_in(%sQuery *q, const char *const *v, "
                       "size_t n);\n",
                       p, f->member, M);
        if (f->nullable)
            buf_printf(b,
                       "void %s_where_%s_null(%sQuery *q, bool is_null);\n", p,
                       f->name, M);
    }
    buf_printf(b,
               "\n/* ORDER BY a path along foreign keys (%s_ID.path, "
               "%s_via_...(...).path);\n"
               " * the first call replaces the default order; id always breaks "
               "ties.  NULLs\n"
               " * sort first in ORMC_ASC. */\n"
               "void %s_order_by(%sQuery *q, %s f, ormc_dir dir);\n"
               "void %s_limit(%sQuery *q, int64_t n);\n"
               "void %s_offset(%sQuery *q, int64_t n);\n\n",
               m->upper, p, p, M, path_type(c->arena, m, &PATH_KINDS[0]), p,
               M, p, M);
    emit_writes(c, b, m);
    for (int i = 0; i < to_one_count(m); i++) {
        Model *t = to_one_target(m, i);
        buf_printf(b,
                   "/* Paths through %s (%s): a field of the related %s. */\n",
                   to_one_name(m, i), t->name, t->name);
        emit_steps(c, b, m, to_one_name(m, i), t);
        buf_puts(b, "\n");
    }
    for (int i = 0; i < m->nmany; i++) {
        Reverse *r = &m->many[i];
        buf_printf(b,
                   "/* Paths through %s (%s): a filter holds when some %s "
                   "matches\n"
                   " * (EXISTS; each %s once); filters of one AND group "
                   "through it must\n * match the same %s. */\n",
                   r->name, origin(c, r), r->child->name, M,
                   r->child->name);
        emit_steps(c, b, m, r->name, r->child);
        buf_puts(b, "\n");
    }
    for (int i = 0; i < m->nfks; i++) {
        Field *f = m->fks[i];
        buf_printf(b,
                   "/* select_related: loads each row's %s (%s) in the same "
                   "statement\n"
                   " * (%s), setting obj->%s.  +0 statements. */\n"
                   "void %s_with_%s(%sQuery *q);\n\n",
                   f->name, f->target->name,
                   f->nullable ? "LEFT JOIN: NULL when there is none" : "JOIN",
                   f->name, p, f->name, M);
        buf_printf(b,
                   "/* select_related(\"%s__...\"): obj->%s as above, with "
                   "the with_ loads\n"
                   " * of sub (a %sQuery holding with_ loads only) on it, in "
                   "the same\n * statement.  sub is borrowed until q's last "
                   "run.  +0 statements. */\n"
                   "void %s_with_%s_from(%sQuery *q, const %sQuery *sub);\n\n",
                   f->name, f->name, f->target->name, p, f->name, M,
                   f->target->name);
    }
    for (int i = 0; i < m->nones; i++) {
        Reverse *r = &m->ones[i];
        buf_printf(b,
                   "/* select_related of a one-to-one relation's other side: "
                   "each row's %s\n"
                   " * (the %s whose %s is the row) in the same statement "
                   "(LEFT JOIN:\n * NULL when there is none), setting "
                   "obj->%s.  +0 statements. */\n"
                   "void %s_with_%s(%sQuery *q);\n\n"
                   "/* The same, with the with_ loads of sub (a %sQuery "
                   "holding with_ loads\n * only) on it.  +0 statements. */\n"
                   "void %s_with_%s_from(%sQuery *q, const %sQuery *sub);\n\n",
                   r->name, r->child->name, r->fk->name, r->name, p, r->name,
                   M, r->child->name, p, r->name, M, r->child->name);
    }
    for (int i = 0; i < m->nmany; i++) {
        Reverse *r = &m->many[i];
        buf_printf(b,
                   "/* prefetch_related: loads every row's %s (%s) into "
                   "obj->rel->%s\n"
                   " * in ONE extra statement, however many rows, in %s's "
                   "default order.\n * +1 statement. */\n"
                   "void %s_prefetch_%s(%sQuery *q);\n\n",
                   r->name, origin(c, r), r->name, r->child->name, p, r->name,
                   M);
        buf_printf(b,
                   "/* Prefetch(queryset=sub): the %s that sub selects, in "
                   "its order, with\n"
                   " * its with_ loads, counts and prefetches (+1 statement "
                   "each, per level);\n"
                   " * its limit and offset apply per row.  sub is borrowed "
                   "until q's last\n * run.  +1 statement. */\n"
                   "void %s_prefetch_%s_from(%sQuery *q, const %sQuery *sub);"
                   "\n\n",
                   r->name, p, r->name, M, r->child->name);
        buf_printf(b,
                   "/* annotate(Count): sets obj->rel->%s_count in the same "
                   "statement.\n * +0 statements. */\n"
                   "void %s_count_%s(%sQuery *q);\n\n",
                   r->name, p, r->name, M);
        buf_printf(b,
                   "/* annotate(Count(\"%s\", filter=Q(...))): the number of "
                   "%s that sub\n"
                   " * selects (sub holds filters only), into "
                   "obj->rel->%s_count.  sub is\n"
                   " * borrowed until q's last run.  +0 statements. */\n"
                   "void %s_count_%s_from(%sQuery *q, const %sQuery *sub);\n\n",
                   r->name, r->name, r->name, p, r->name, M, r->child->name);
        if (r->mm)
            emit_links(c, b, m, r);
    }
    if (m->nmany)
        buf_printf(b,
                   "/* annotate(Count(\"%s__...\")), Sum, Avg, Min, Max: agg "
                   "of the field\n"
                   " * path p ends at, over every row reached from each row "
                   "along p, whose\n"
                   " * first step is a to-many relation (p = "
                   "%s_via_%s_int(...).path), in\n"
                   " * the same statement: one correlated subquery per "
                   "annotation, so several\n"
                   " * do not multiply.  ORMC_COUNT takes any field (of an "
                   "id: the number of\n"
                   " * rows reached), the others an int, real or datetime "
                   "one.  Returns the\n"
                   " * annotation's index in %s_annotations(obj).  +0 "
                   "statements. */\n"
                   "size_t %s_annotate(%sQuery *q, ormc_agg agg, %s p);\n\n"
                   "/* The annotations of a row fetched by a query with "
                   "%s_annotate calls,\n"
                   " * [0..n) in call order (ormc_annot: .i, .r, .is_null), "
                   "or NULL. */\n"
                   "const ormc_annot *%s_annotations(const %s *obj);\n\n",
                   m->many[0].name, p, m->many[0].name, p, p, M,
                   path_type(c->arena, m, &PATH_KINDS[0]), p, p, M);
    buf_printf(b,
               "/* Runs q (NULL: all rows).  1 statement + 1 per "
               "%s_prefetch_* on q.  On\n"
               " * success free *out with %s_list_free; on error *out is empty. */\n"
               "int %s_fetch(ormc_db *db, const %sQuery *q, %sList *out);\n\n",
               p, p, p, M, M);
    buf_printf(b,
               "/* The first row q selects (NULL: all), with its related "
               "loads, into a new\n"
               " * *out (free with %s_free); ORMC_NOT_FOUND if there is none.  "
               "1 statement\n * + 1 per %s_prefetch_* on q. */\n"
               "int %s_first(ormc_db *db, const %sQuery *q, %s **out);\n\n",
               p, p, p, M, M);
    buf_printf(b,
               "/* Whether q selects any row (NULL: all).  1 statement. */\n"
               "int %s_exists(ormc_db *db, const %sQuery *q, bool *out);\n\n",
               p, M);
    buf_printf(b,
               "/* Number of rows q selects (NULL: all).  1 statement. */\n"
               "int %s_count(ormc_db *db, const %sQuery *q, int64_t *out);\n\n",
               p, M);
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        if (f->kind != TY_INT && f->kind != TY_REAL && f->kind != TY_DATETIME)
            continue;
        buf_printf(b,
                   "/* count/sum/avg/min/max of %s over q (NULL: all rows).  "
                   "1 statement. */\n"
                   "int %s_aggregate_%s(ormc_db *db, const %sQuery *q, "
                   "ormc_%s_stats *out);\n\n",
                   f->name, p, f->name, M,
                   f->kind == TY_REAL ? "real" : "int");
    }
}

void gen_header(Ctx *c, Buf *out)
{
    Schema *s = &c->schema;
    Buf *b = out;
    buf_printf(b,
               "/* %s.h — generated by ormc %s from %s.  DO NOT EDIT.\n"
               " * Regenerate with ormc; the API is described in docs/api.md. "
               "*/\n",
               s->base, ORMC_GEN_VERSION, s->base);
    char *guard = arena_printf(c->arena, "ORMC_GEN_%s_H", s->base);
    for (char *p = guard; *p; p++)
        *p = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32)
             : ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) ? *p
                                                                        : '_';
    buf_printf(b, "#ifndef %s\n#define %s\n\n#include \"ormc.h\"\n", guard,
               guard);
    /* the imported schemas' headers: their models' types and descriptors,
     * by base name (ormc writes every output under one -o directory) */
    for (const Import *im = c->imports; im; im = im->next)
        buf_printf(b, "#include \"%s.h\"\n", im->unit->schema.base);
    buf_puts(b, "\n");
    buf_printf(b,
               "#if !defined(ORMC_ABI_VERSION) || ORMC_ABI_VERSION != %d\n"
               "#error \"%s.h was generated by ormc %s for runtime ABI %d; "
               "this ormc.h differs: regenerate or use the matching runtime\"\n"
               "#endif\n\n",
               ORMC_GEN_ABI, s->base, ORMC_GEN_VERSION, ORMC_GEN_ABI);
    buf_puts(b, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    for (int i = 0; i < s->nmodels; i++)
        buf_printf(b, "typedef struct %s %s;\n", s->mv[i]->name,
                   s->mv[i]->name);
    for (int i = 0; i < s->nmodels; i++)
        buf_printf(b, "typedef struct %sQuery %sQuery;\n", s->mv[i]->name,
                   s->mv[i]->name);
    for (int i = 0; i < s->nmodels; i++)
        if (s->mv[i]->nmany)
            buf_printf(b, "typedef struct %sRel %sRel;\n", s->mv[i]->name,
                       s->mv[i]->name);
    buf_puts(b, "\n/* Result lists: items[0..count), all memory owned by "
                 "owner. */\n");
    for (int i = 0; i < s->nmodels; i++) {
        const char *M = s->mv[i]->name;
        buf_printf(b,
                   "typedef struct %sList {\n    %s *items;\n    size_t count;\n"
                   "    ormc_result *owner;\n} %sList;\n",
                   M, M, M);
    }
    buf_puts(b, "\n/* The children of one row through one relation: "
                 "items[0..count) point\n"
                 " * into the row's result (NULL when count is 0). */\n");
    for (int i = 0; i < s->nmodels; i++) {
        const char *M = s->mv[i]->name;
        buf_printf(b,
                   "typedef struct %sRefs {\n    %s **items;\n"
                   "    size_t count;\n} %sRefs;\n",
                   M, M, M);
    }
    buf_puts(b, "\n");
    for (int i = 0; i < s->nmodels; i++)
        buf_printf(b, "extern const ormc_model %s_model;\n", s->mv[i]->prefix);
    buf_puts(b,
             "\n/* Paths (docs/api.md 5): a field of a model, or of a model "
             "reached from it\n"
             " * along relations, typed by the model it starts from and the "
             "value it ends\n"
             " * at, so a path of another model or type does not compile.  "
             "Start from the\n"
             " * field constants (BLOG_TITLE), go through relations with the "
             "steps\n"
             " * (blog_via_author_text(AUTHOR_NAME)); .path is the untyped "
             "path. */\n");
    for (int i = 0; i < s->nmodels; i++)
        emit_path_types(c, b, s->mv[i]);
    buf_puts(b, "\n");
    for (int i = 0; i < s->nmodels; i++) {
        emit_struct(c, b, s->mv[i]);
        emit_crud(b, s->mv[i]);
        emit_query(c, b, s->mv[i]);
    }
    buf_printf(b,
               "/* ---- schema ---- */\n\n"
               "extern const ormc_schema %s_schema;\n\n"
               "/* Creates all tables and indexes of %s, all or nothing.  "
               "%d statements. */\n"
               "int %s_schema_create(ormc_db *db);\n\n"
               "/* ORMC_OK when the database holds exactly %s's tables and "
               "columns\n"
               " * and its fingerprint; else ORMC_ERROR naming the first "
               "difference\n"
               " * (docs/api.md, \"Schema checks\").  Reads only. */\n"
               "int %s_schema_check(ormc_db *db);\n\n"
               "/* %s_schema_check; with ORMC_CREATE_IF_MISSING in flags, "
               "a database\n"
               " * holding none of the schema's tables gets them first. */\n"
               "int %s_schema_open(ormc_db *db, unsigned flags);\n\n",
               s->name, s->base, c->nddl, s->name, s->base, s->name,
               s->name, s->name);
    buf_printf(b, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}
