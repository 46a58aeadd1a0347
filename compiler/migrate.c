/*
 * migrate.c — ormc diff: the SQL script (SQLite's or PostgreSQL's) that
 * moves a database from one schema to the next.
 *
 * Tables are matched by their SQL name (a model renamed with its
 * @table kept is the same table), columns by theirs, or by an explicit
 * rename (--rename Model.old=new).  What ALTER TABLE can do is done with
 * it (ADD COLUMN, RENAME COLUMN, CREATE/DROP INDEX); any other change of
 * a table rebuilds it the way SQLite's documentation prescribes
 * ("Making Other Kinds Of Table Schema Changes", the 12 steps) and
 * Django's schema editor does: CREATE the new table under another name,
 * INSERT ... SELECT the rows, DROP the old one, RENAME the new one, then
 * create its indexes; foreign keys are off around the transaction and
 * checked before COMMIT.  Steps that lose data (drop a model, a field,
 * make a field NOT NULL, shorten a text(N), change a type) are refused
 * unless forced; a new NOT NULL field without a default always is.
 *
 * PostgreSQL's script (--dialect postgresql) makes the same matches and
 * the same refusals, but rebuilds no model's table: its ALTER TABLE drops,
 * renames, retypes (USING a cast) and adds columns, sets and drops NOT
 * NULL and defaults, and drops and adds the unique, check and foreign key
 * constraints by the names PostgreSQL gave them (<table>_<col>_key,
 * _check, _fkey).  New tables come first (columns may reference them),
 * dropped ones go in one DROP TABLE; all in one transaction, with no
 * pragma: PostgreSQL's DDL is transactional and checks each foreign key
 * as it runs.
 */
#include "migrate.h"

#include "buf.h"

#include <stdlib.h>
#include <string.h>

/* A table of a schema: a model's, or an implicit join table's. */
typedef struct Table {
    const char *name;
    Model *m;        /* its model, or NULL */
    ManyToMany *mm;  /* the join table's relation when m is NULL */
} Table;

typedef struct Tables {
    Table *v;
    int n;
} Tables;

/* One diff in progress. */
typedef struct Mig {
    Ctx *a, *b;                  /* old and new schema */
    const ormcc_diff_options *o;
    FILE *diag;
    int errors;
    Tables ta, tb;
    bool pg;     /* PostgreSQL's script, else SQLite's */
    Buf pre;     /* DROP INDEX */
    Buf creates; /* PostgreSQL: CREATE TABLE of new tables, first */
    Buf body;    /* tables */
    Buf drops;   /* DROP TABLE */
    Buf post;    /* CREATE INDEX */
    Buf hints;   /* comments for the header */
    bool *rebuilt; /* per table of tb: dropped with its indexes */
    bool *used_rename;
} Mig;

static bool ieq(const char *x, const char *y)
{
    for (; *x && *y; x++, y++) {
        char p = *x >= 'A' && *x <= 'Z' ? (char)(*x + 32) : *x;
        char q = *y >= 'A' && *y <= 'Z' ? (char)(*y + 32) : *y;
        if (p != q)
            return false;
    }
    return *x == *y;
}

static void refuse(Mig *g, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void refuse(Mig *g, const char *fmt, ...)
{
    g->errors++;
    if (!g->diag)
        return;
    va_list ap;
    va_start(ap, fmt);
    Buf b = {0};
    buf_puts(&b, "ormc diff: ");
    buf_vprintf(&b, fmt, ap);
    buf_putc(&b, '\n');
    va_end(ap);
    size_t len;
    char *t = buf_take(&b, &len);
    fwrite(t, 1, len, g->diag);
    free(t);
}

/* A quoted identifier: "name" with " doubled. */
static void qid(Buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

/* A string literal: 'text' with ' doubled. */
static void qstr(Buf *b, const char *s)
{
    buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            buf_putc(b, '\'');
        buf_putc(b, *s);
    }
    buf_putc(b, '\'');
}

static Tables tables_of(Ctx *c)
{
    Schema *s = &c->schema;
    int n = s->nmodels;
    for (int i = 0; i < s->nmodels; i++)
        n += s->mv[i]->nm2ms;
    Tables t = {arena_zalloc(c->arena, (size_t)(n ? n : 1) * sizeof(Table)),
                0};
    for (int i = 0; i < s->nmodels; i++)
        t.v[t.n++] = (Table){s->mv[i]->table, s->mv[i], NULL};
    for (int i = 0; i < s->nmodels; i++)
        for (int k = 0; k < s->mv[i]->nm2ms; k++)
            if (!s->mv[i]->m2ms[k]->through)
                t.v[t.n++] = (Table){s->mv[i]->m2ms[k]->table, NULL,
                                     s->mv[i]->m2ms[k]};
    return t;
}

static const Table *find_table(const Tables *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (ieq(t->v[i].name, name))
            return &t->v[i];
    return NULL;
}

/* What a table is to a reader: "model Tag (table tag)" or "many-to-many
 * relation Post.tags (table post_tags)". */
static const char *table_what(Ctx *c, const Table *t)
{
    if (t->m)
        return arena_printf(c->arena, "model %s (table %s)", t->m->name,
                            t->name);
    return arena_printf(c->arena, "many-to-many relation %s.%s (table %s)",
                        t->mm->source->name, t->mm->field->name, t->name);
}

/* The type of f as written: "real", "text(100)", "Author?". */
static const char *type_of(Ctx *c, const Field *f)
{
    if (f->has_size)
        return arena_printf(c->arena, "%s(%lld)", f->type_name,
                            (long long)f->size);
    return f->type_name;
}

/* ---- matching the columns of a model's table ---- */

/* The field of m named `name` that has a column, or NULL. */
static Field *column_field(Model *m, const char *name)
{
    for (int k = 0; k < m->nf; k++)
        if (strcmp(m->fv[k]->name, name) == 0)
            return m->fv[k];
    return NULL;
}

/* The old field each new field of mb continues (NULL: added), from the
 * renames given for this model, else by column name.  pair[k] is for
 * mb->fv[k]; taken[j] marks ma->fv[j] as continued. */
static void match_fields(Mig *g, Model *ma, Model *mb, Field **pair,
                         bool *taken)
{
    const ormcc_diff_options *o = g->o;
    for (size_t r = 0; o && r < o->nrenames; r++) {
        const ormcc_rename *rn = &o->renames[r];
        if (strcmp(rn->model, mb->name) != 0 &&
            strcmp(rn->model, ma->name) != 0)
            continue;
        g->used_rename[r] = true;
        Field *fa = column_field(ma, rn->from), *fb = column_field(mb, rn->to);
        if (!fa) {
            refuse(g, "--rename %s.%s=%s: model %s of the old schema has no "
                      "field %s", rn->model, rn->from, rn->to, ma->name,
                   rn->from);
            continue;
        }
        if (!fb) {
            refuse(g, "--rename %s.%s=%s: model %s of the new schema has no "
                      "field %s", rn->model, rn->from, rn->to, mb->name,
                   rn->to);
            continue;
        }
        for (int k = 0; k < mb->nf; k++)
            if (mb->fv[k] == fb)
                pair[k] = fa;
        for (int j = 0; j < ma->nf; j++)
            if (ma->fv[j] == fa)
                taken[j] = true;
    }
    for (int k = 0; k < mb->nf; k++) {
        if (pair[k])
            continue;
        for (int j = 0; j < ma->nf; j++)
            if (!taken[j] && ieq(ma->fv[j]->column, mb->fv[k]->column)) {
                /* a column renamed away by --rename is not matched again */
                bool renamed_to = false;
                for (int q = 0; q < mb->nf; q++)
                    renamed_to |= pair[q] == ma->fv[j];
                if (renamed_to)
                    continue;
                pair[k] = ma->fv[j];
                taken[j] = true;
                break;
            }
    }
}

/* True when changing a column of type a to type b keeps every value. */
static bool widening(const Field *a, const Field *b)
{
    if (a->kind == b->kind)
        return true;
    return (a->kind == TY_BOOL && (b->kind == TY_INT || b->kind == TY_REAL)) ||
           (a->kind == TY_INT && b->kind == TY_REAL);
}

/* The SELECT expression that carries old column a into new column b,
 * refusing (unless forced) what may lose values. */
static void carry(Mig *g, Buf *sel, const Model *mb, const Field *a,
                  const Field *b)
{
    Ctx *c = g->b;
    bool force = g->o && g->o->force;
    const char *def = default_ddl(c, b, false);
    Buf e = {0};
    qid(&e, a->column);
    if (!widening(a, b) && !force)
        refuse(g, "field %s.%s changes type from %s to %s: values may be "
                  "lost; pass --force to convert them",
               mb->name, b->name, type_of(g->a, a), type_of(c, b));
    if (b->kind == TY_TEXT && b->has_size &&
        (!a->has_size || a->size > b->size || a->kind != TY_TEXT)) {
        if (!force)
            refuse(g, "field %s.%s narrows from %s to %s: longer values "
                      "would not fit; pass --force to cut them to %lld "
                      "characters",
                   mb->name, b->name, type_of(g->a, a), type_of(c, b),
                   (long long)b->size);
        char *t = buf_take(&e, NULL);
        buf_printf(&e, "substr(%s, 1, %lld)", t, (long long)b->size);
        free(t);
    }
    if (a->nullable && !b->nullable) {
        if (!force && def && b->def.kind != DEF_NULL)
            refuse(g, "field %s.%s becomes NOT NULL: rows holding NULL "
                      "would not fit; pass --force to store its default "
                      "instead",
                   mb->name, b->name);
        else if (!force)
            refuse(g, "field %s.%s becomes NOT NULL: rows holding NULL "
                      "would not fit; give it a default to store instead, "
                      "or pass --force (the script then fails if there are "
                      "such rows)",
                   mb->name, b->name);
        if (def && b->def.kind != DEF_NULL) {
            char *t = buf_take(&e, NULL);
            buf_printf(&e, "coalesce(%s, %s)", t, def);
            free(t);
        }
    }
    char *t = buf_take(&e, NULL);
    buf_puts(sel, t);
    free(t);
}

/* A one-line comment naming what changed, for the script. */
static void note(Buf *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void note(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_puts(b, "-- ");
    buf_vprintf(b, fmt, ap);
    buf_putc(b, '\n');
    va_end(ap);
}

/* Rebuilds table `name` as table_ddl(b, mb or mmb): the 12 steps.  cols /
 * exprs: the new columns filled from the old table and their SELECT
 * expressions (n of each). */
static void rebuild(Mig *g, const char *name, Model *mb, ManyToMany *mmb,
                    const char *const *cols, const char *const *exprs, int n,
                    const char *why)
{
    Buf *b = &g->body;
    const char *tmp = arena_printf(g->b->arena, "ormc_new_%s", name);
    note(b, "table %s: rebuilt (ALTER TABLE cannot %s)", name, why);
    buf_puts(b, table_ddl(g->b, mb, mmb, tmp, false));
    buf_puts(b, ";\nINSERT INTO ");
    qid(b, tmp);
    buf_puts(b, " (");
    for (int i = 0; i < n; i++) {
        buf_puts(b, i ? ", " : "");
        qid(b, cols[i]);
    }
    buf_puts(b, ")\n  SELECT ");
    for (int i = 0; i < n; i++)
        buf_printf(b, "%s%s", i ? ", " : "", exprs[i]);
    buf_puts(b, " FROM ");
    qid(b, name);
    buf_puts(b, ";\n");
    if (mb) {
        /* AUTOINCREMENT: ids are never reused, also after the rebuild */
        buf_puts(b, "DELETE FROM sqlite_sequence WHERE name = ");
        qstr(b, tmp);
        buf_puts(b, ";\nINSERT INTO sqlite_sequence (name, seq) SELECT ");
        qstr(b, tmp);
        buf_puts(b, ", seq FROM sqlite_sequence WHERE name = ");
        qstr(b, name);
        buf_puts(b, ";\n");
    }
    buf_puts(b, "DROP TABLE ");
    qid(b, name);
    buf_puts(b, ";\nALTER TABLE ");
    qid(b, tmp);
    buf_puts(b, " RENAME TO ");
    qid(b, name);
    buf_puts(b, ";\n");
}

/* ---- PostgreSQL: ALTER TABLE does it all ---- */

/* "ALTER TABLE "table" " */
static void alter_table(Buf *b, const char *table)
{
    buf_puts(b, "ALTER TABLE ");
    qid(b, table);
    buf_putc(b, ' ');
}

/* The name PostgreSQL gives a column constraint of `table`.`col` (kind:
 * key, check, fkey), as CREATE TABLE and ADD COLUMN make it. */
static const char *cons_name(Mig *g, const char *table, const char *col,
                             const char *kind)
{
    return arena_printf(g->b->arena, "%s_%s_%s", table, col, kind);
}

static void drop_cons(Mig *g, const char *table, const char *col,
                      const char *kind)
{
    alter_table(&g->body, table);
    buf_puts(&g->body, "DROP CONSTRAINT ");
    qid(&g->body, cons_name(g, table, col, kind));
    buf_puts(&g->body, ";\n");
}

static void rename_cons(Mig *g, const char *table, const char *from,
                        const char *to, const char *kind)
{
    alter_table(&g->body, table);
    buf_puts(&g->body, "RENAME CONSTRAINT ");
    qid(&g->body, cons_name(g, table, from, kind));
    buf_puts(&g->body, " TO ");
    qid(&g->body, cons_name(g, table, to, kind));
    buf_puts(&g->body, ";\n");
}

/* "ALTER TABLE "table" ALTER COLUMN "col" " */
static void alter_col(Buf *b, const char *table, const char *col)
{
    alter_table(b, table);
    buf_puts(b, "ALTER COLUMN ");
    qid(b, col);
    buf_putc(b, ' ');
}

static bool sized_text(const Field *f)
{
    return f->kind == TY_TEXT && f->has_size;
}

/* The USING expression converting column `col` of a's kind to b's. */
static const char *pg_cast(Ctx *c, const Field *a, const Field *b,
                           const char *col)
{
    const char *q = arena_printf(c->arena, "\"%s\"", col);
    /* bytea read as the UTF-8 text it holds */
    if (a->kind == TY_BLOB && b->kind != TY_BLOB)
        q = arena_printf(c->arena, "convert_from(%s, 'UTF8')", q);
    switch (b->kind) {
    case TY_REAL:
        if (a->kind == TY_BOOL)
            return arena_printf(c->arena, "CASE WHEN %s THEN 1.0 ELSE 0.0 "
                                          "END", q);
        return arena_printf(c->arena, "CAST(%s AS DOUBLE PRECISION)", q);
    case TY_BOOL:
        if (a->kind == TY_TEXT || a->kind == TY_BLOB)
            return arena_printf(c->arena, "CAST(%s AS BOOLEAN)", q);
        return arena_printf(c->arena, "%s <> 0", q);
    case TY_TEXT:
        if (a->kind == TY_BOOL) /* as SQLite holds it: 1 or 0 */
            return arena_printf(c->arena, "CASE WHEN %s THEN '1' ELSE '0' "
                                          "END", q);
        return a->kind == TY_BLOB ? q
                                  : arena_printf(c->arena, "CAST(%s AS TEXT)",
                                                 q);
    case TY_BLOB:
        if (a->kind == TY_TEXT)
            return arena_printf(c->arena, "convert_to(%s, 'UTF8')", q);
        return arena_printf(c->arena, "convert_to(CAST(%s AS TEXT), 'UTF8')",
                            q);
    default: /* BIGINT */
        if (a->kind == TY_BOOL)
            return arena_printf(c->arena, "CASE WHEN %s THEN 1 ELSE 0 END", q);
        return arena_printf(c->arena, "CAST(%s AS BIGINT)", q);
    }
}

/* "renamed from old", or "column renamed from Old" when only @column
 * changed, for the note above a RENAME COLUMN. */
static const char *renamed_from(Ctx *c, const Field *o, const Field *f)
{
    return strcmp(o->name, f->name) == 0
               ? arena_printf(c->arena, "column renamed from %s", o->column)
               : arena_printf(c->arena, "renamed from %s", o->name);
}

/* Kept column `f` (old `o`, already renamed to f->column) of model mb:
 * the ALTER TABLE statements that make it f's, constraints dropped
 * before the type changes and added after the values fit. */
static void pg_alter_column(Mig *g, Model *mb, const Field *o, const Field *f)
{
    Ctx *a = g->a, *c = g->b;
    const char *t = mb->table, *n = f->column;
    if (strcmp(column_ddl(a, o, n, true), column_ddl(c, f, n, true)) == 0)
        return;
    Buf *b = &g->body;
    note(b, "%s.%s: changed", mb->name, f->name);
    bool same_check = sized_text(o) && sized_text(f) && o->size == f->size;
    bool same_fk = o->kind == TY_MODEL && f->kind == TY_MODEL &&
                   ieq(o->target->table, f->target->table) &&
                   strcmp(on_delete_ddl(o), on_delete_ddl(f)) == 0;
    if (sized_text(o) && !same_check)
        drop_cons(g, t, n, "check");
    if (o->unique && !f->unique)
        drop_cons(g, t, n, "key");
    if (o->kind == TY_MODEL && !same_fk)
        drop_cons(g, t, n, "fkey");
    const char *ta = type_ddl(o, true), *tb = type_ddl(f, true);
    const char *da = default_ddl(a, o, true), *db = default_ddl(c, f, true);
    bool retype = strcmp(ta, tb) != 0;
    if (retype && da) { /* the old default may not cast */
        alter_col(b, t, n);
        buf_puts(b, "DROP DEFAULT;\n");
    }
    if (retype) {
        alter_col(b, t, n);
        buf_printf(b, "TYPE %s USING %s;\n", tb, pg_cast(c, o, f, n));
    }
    if (sized_text(f) && (!sized_text(o) || o->size > f->size)) {
        /* refused above unless forced: cut to fit */
        buf_puts(b, "UPDATE ");
        qid(b, t);
        buf_puts(b, " SET ");
        qid(b, n);
        buf_printf(b, " = substr(\"%s\", 1, %lld) WHERE length(\"%s\") > "
                      "%lld;\n",
                   n, (long long)f->size, n, (long long)f->size);
    }
    if (db && (retype || !da || strcmp(da, db) != 0)) {
        alter_col(b, t, n);
        buf_printf(b, "SET DEFAULT %s;\n", db);
    } else if (!db && da && !retype) {
        alter_col(b, t, n);
        buf_puts(b, "DROP DEFAULT;\n");
    }
    if (o->nullable && !f->nullable) {
        if (db && f->def.kind != DEF_NULL) {
            buf_puts(b, "UPDATE ");
            qid(b, t);
            buf_puts(b, " SET ");
            qid(b, n);
            buf_printf(b, " = %s WHERE ", db);
            qid(b, n);
            buf_puts(b, " IS NULL;\n");
        }
        alter_col(b, t, n);
        buf_puts(b, "SET NOT NULL;\n");
    } else if (!o->nullable && f->nullable) {
        alter_col(b, t, n);
        buf_puts(b, "DROP NOT NULL;\n");
    }
    if (sized_text(f) && !same_check) {
        alter_table(b, t);
        buf_puts(b, "ADD CONSTRAINT ");
        qid(b, cons_name(g, t, n, "check"));
        buf_printf(b, " CHECK (length(\"%s\") <= %lld);\n", n,
                   (long long)f->size);
    }
    if (f->unique && !o->unique) {
        alter_table(b, t);
        buf_puts(b, "ADD CONSTRAINT ");
        qid(b, cons_name(g, t, n, "key"));
        buf_printf(b, " UNIQUE (\"%s\");\n", n);
    }
    if (f->kind == TY_MODEL && !same_fk) {
        alter_table(b, t);
        buf_puts(b, "ADD CONSTRAINT ");
        qid(b, cons_name(g, t, n, "fkey"));
        buf_printf(b, " FOREIGN KEY (\"%s\") REFERENCES ", n);
        qid(b, f->target->table);
        buf_printf(b, " (\"%s\") ON DELETE %s;\n", id_col(f->target),
                   on_delete_ddl(f));
    }
}

/* A model's table present in both schemas, on PostgreSQL: dropped
 * columns, renames (with their constraints' names), changed columns,
 * then added ones; never a rebuild.  pair / taken as match_fields made
 * them. */
static void pg_alter_model(Mig *g, Model *ma, Model *mb, Field **pair,
                           const bool *taken)
{
    Buf *b = &g->body;
    const char *t = mb->table;
    for (int j = 0; j < ma->nf; j++) {
        if (taken[j])
            continue;
        note(b, "%s.%s: dropped", mb->name, ma->fv[j]->name);
        alter_table(b, t);
        buf_puts(b, "DROP COLUMN ");
        qid(b, ma->fv[j]->column);
        buf_puts(b, ";\n");
    }
    for (int k = 0; k < mb->nf; k++) {
        Field *f = mb->fv[k], *o = pair[k];
        if (!o || strcmp(o->column, f->column) == 0)
            continue;
        note(b, "%s.%s: %s", mb->name, f->name, renamed_from(g->b, o, f));
        alter_table(b, t);
        buf_puts(b, "RENAME COLUMN ");
        qid(b, o->column);
        buf_puts(b, " TO ");
        qid(b, f->column);
        buf_puts(b, ";\n");
        if (o->unique)
            rename_cons(g, t, o->column, f->column, "key");
        if (sized_text(o))
            rename_cons(g, t, o->column, f->column, "check");
        if (o->kind == TY_MODEL)
            rename_cons(g, t, o->column, f->column, "fkey");
    }
    for (int k = 0; k < mb->nf; k++)
        if (pair[k])
            pg_alter_column(g, mb, pair[k], mb->fv[k]);
    for (int k = 0; k < mb->nf; k++) {
        Field *f = mb->fv[k];
        if (pair[k])
            continue;
        note(b, "%s.%s: new field", mb->name, f->name);
        alter_table(b, t);
        buf_puts(b, "ADD COLUMN ");
        qid(b, f->column);
        buf_puts(b, column_ddl(g->b, f, f->column, true));
        buf_puts(b, ";\n");
    }
}

/* A join table rebuilt on PostgreSQL: the new table under another name,
 * the pairs copied, the old one dropped, the new one and its constraints
 * renamed to the names CREATE TABLE gives them. */
static void pg_rebuild_join(Mig *g, const Table *tb, const char *const *cols,
                            const char *const *exprs, int n)
{
    Buf *b = &g->body;
    const char *name = tb->name;
    const char *tmp = arena_printf(g->b->arena, "ormc_new_%s", name);
    note(b, "table %s: rebuilt (its columns change)", name);
    buf_puts(b, table_ddl(g->b, NULL, tb->mm, tmp, true));
    buf_puts(b, ";\n");
    if (n) {
        buf_puts(b, "INSERT INTO ");
        qid(b, tmp);
        buf_puts(b, " (");
        for (int i = 0; i < n; i++) {
            buf_puts(b, i ? ", " : "");
            qid(b, cols[i]);
        }
        buf_puts(b, ")\n  SELECT ");
        for (int i = 0; i < n; i++)
            buf_printf(b, "%s%s", i ? ", " : "", exprs[i]);
        buf_puts(b, " FROM ");
        qid(b, name);
        buf_puts(b, ";\n");
    }
    buf_puts(b, "DROP TABLE ");
    qid(b, name);
    buf_puts(b, ";\n");
    alter_table(b, tmp);
    buf_puts(b, "RENAME TO ");
    qid(b, name);
    buf_puts(b, ";\n");
    const char *kc[3] = {"pkey", tb->mm->source_col, tb->mm->target_col};
    for (int i = 0; i < 3; i++) {
        const char *suffix = i ? arena_printf(g->b->arena, "%s_fkey", kc[i])
                               : kc[i];
        alter_table(b, name);
        buf_puts(b, "RENAME CONSTRAINT ");
        qid(b, arena_printf(g->b->arena, "%s_%s", tmp, suffix));
        buf_puts(b, " TO ");
        qid(b, arena_printf(g->b->arena, "%s_%s", name, suffix));
        buf_puts(b, ";\n");
    }
}

/* True when a new field can be added with ALTER TABLE ADD COLUMN. */
static bool addable(const Field *f)
{
    return !f->unique && f->def.kind != DEF_NOW;
}

/* A model's table present in both schemas.  Returns true when it was
 * rebuilt (its indexes are gone with the old table). */
/* ALTER TABLE ... RENAME COLUMN of the primary key when @id renamed it
 * (both dialects; a rebuild carries it instead). */
static void rename_id(Mig *g, const Model *ma, const Model *mb)
{
    if (strcmp(id_col(ma), id_col(mb)) == 0)
        return;
    note(&g->body, "%s.id: column renamed from %s", mb->name, id_col(ma));
    buf_puts(&g->body, "ALTER TABLE ");
    qid(&g->body, mb->table);
    buf_puts(&g->body, " RENAME COLUMN ");
    qid(&g->body, id_col(ma));
    buf_puts(&g->body, " TO ");
    qid(&g->body, id_col(mb));
    buf_puts(&g->body, ";\n");
}

static bool alter_model(Mig *g, Model *ma, Model *mb)
{
    Ctx *a = g->a, *c = g->b;
    bool force = g->o && g->o->force;
    Field **pair = arena_zalloc(c->arena, (size_t)(mb->nf + 1) * sizeof *pair);
    bool *taken = arena_zalloc(c->arena, (size_t)(ma->nf + 1));
    match_fields(g, ma, mb, pair, taken);
    const char *why = NULL;
    /* added fields */
    for (int k = 0; k < mb->nf; k++) {
        Field *f = mb->fv[k];
        if (pair[k])
            continue;
        if (!f->nullable && f->def.kind == DEF_NONE)
            refuse(g, "new field %s.%s is NOT NULL without a default: the "
                      "rows already there need a value; give it one "
                      "(`default ...`) or make it nullable (`%s %s?`)",
                   mb->name, f->name, f->name, type_of(c, f));
        if (!addable(f) && !why)
            why = arena_printf(c->arena, "add column %s (%s)", f->column,
                               f->unique ? "UNIQUE" : "default now");
    }
    /* dropped fields */
    for (int j = 0; j < ma->nf; j++) {
        Field *f = ma->fv[j];
        if (taken[j])
            continue;
        Field *same = NULL;
        for (int k = 0; k < mb->nf && !same; k++)
            if (!pair[k] && mb->fv[k]->kind == f->kind &&
                (f->kind != TY_MODEL ||
                 ieq(mb->fv[k]->target->table, f->target->table)))
                same = mb->fv[k];
        if (!force && same)
            refuse(g, "dropping field %s.%s loses its data; pass --force "
                      "to drop it, or --rename %s.%s=%s if it was renamed",
                   mb->name, f->name, mb->name, f->name, same->name);
        else if (!force)
            refuse(g, "dropping field %s.%s loses its data; pass --force "
                      "to drop it",
                   mb->name, f->name);
        else if (same)
            note(&g->hints,
                 "hint: %s.%s is dropped and %s.%s added, both %s: if it "
                 "was renamed, run ormc diff with --rename %s.%s=%s instead "
                 "to keep its data",
                 mb->name, f->name, mb->name, same->name, f->type_name,
                 mb->name, f->name, same->name);
        if (!why)
            why = arena_printf(a->arena, "drop column %s", f->column);
    }
    /* kept and renamed fields */
    for (int k = 0; k < mb->nf; k++) {
        Field *f = mb->fv[k], *o = pair[k];
        if (!o)
            continue;
        if (strcmp(column_ddl(a, o, "x", false), column_ddl(c, f, "x", false)) != 0 &&
            !why)
            why = arena_printf(c->arena, "change column %s", f->column);
    }
    if (g->pg) {
        /* the same refusals as SQLite's rebuild, then ALTER TABLE */
        for (int k = 0; why && k < mb->nf; k++)
            if (pair[k]) {
                Buf e = {0};
                carry(g, &e, mb, pair[k], mb->fv[k]);
                free(buf_take(&e, NULL));
            }
        rename_id(g, ma, mb);
        pg_alter_model(g, ma, mb, pair, taken);
        return false;
    }
    if (!why) {
        rename_id(g, ma, mb);
        for (int k = 0; k < mb->nf; k++) {
            Field *f = mb->fv[k], *o = pair[k];
            if (o && strcmp(o->column, f->column) != 0) {
                note(&g->body, "%s.%s: %s", mb->name, f->name,
                     renamed_from(c, o, f));
                buf_puts(&g->body, "ALTER TABLE ");
                qid(&g->body, mb->table);
                buf_puts(&g->body, " RENAME COLUMN ");
                qid(&g->body, o->column);
                buf_puts(&g->body, " TO ");
                qid(&g->body, f->column);
                buf_puts(&g->body, ";\n");
            }
        }
        for (int k = 0; k < mb->nf; k++) {
            Field *f = mb->fv[k];
            if (pair[k])
                continue;
            note(&g->body, "%s.%s: new field", mb->name, f->name);
            buf_puts(&g->body, "ALTER TABLE ");
            qid(&g->body, mb->table);
            buf_puts(&g->body, " ADD COLUMN ");
            qid(&g->body, f->column);
            buf_puts(&g->body, column_ddl(c, f, f->column, false));
            buf_puts(&g->body, ";\n");
        }
        return false;
    }
    /* the rebuild: id, then every kept field from its old column */
    const char **cols = arena_zalloc(c->arena, (size_t)(mb->nf + 1) *
                                                   sizeof *cols);
    const char **exprs = arena_zalloc(c->arena, (size_t)(mb->nf + 1) *
                                                    sizeof *exprs);
    int n = 0;
    cols[n] = id_col(mb);
    exprs[n++] = arena_printf(c->arena, "\"%s\"", id_col(ma));
    for (int k = 0; k < mb->nf; k++) {
        if (!pair[k])
            continue;
        Buf e = {0};
        carry(g, &e, mb, pair[k], mb->fv[k]);
        char *t = buf_take(&e, NULL);
        cols[n] = mb->fv[k]->column;
        exprs[n++] = arena_strdup(c->arena, t, strlen(t));
        free(t);
    }
    rebuild(g, mb->table, mb, NULL, cols, exprs, n, why);
    return true;
}

/* A join table present in both schemas: rebuilt when its DDL changed,
 * keeping the columns both have. */
static bool alter_join(Mig *g, const Table *ta, const Table *tb)
{
    const char *da = table_ddl(g->a, ta->m, ta->mm, ta->name, g->pg);
    const char *db = table_ddl(g->b, tb->m, tb->mm, ta->name, g->pg);
    if (strcmp(da, db) == 0)
        return false;
    const char *ca[2] = {ta->mm->source_col, ta->mm->target_col};
    const char *cb[2] = {tb->mm->source_col, tb->mm->target_col};
    const char *cols[2], *exprs[2];
    int n = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            if (ieq(cb[i], ca[j])) {
                cols[n] = cb[i];
                exprs[n++] = arena_printf(g->b->arena, "\"%s\"", ca[j]);
            }
    if (n < 2 && !(g->o && g->o->force))
        refuse(g, "%s changes its columns: its pairs would be lost; pass "
                  "--force to drop them",
               table_what(g->b, tb));
    if (g->pg)
        pg_rebuild_join(g, tb, cols, exprs, n);
    else
        rebuild(g, tb->name, NULL, tb->mm, cols, exprs, n,
                "change its columns");
    return true;
}

/* ---- indexes ---- */

/* The DDL index of c's index `name` on `table`, or -1. */
static int find_index(const Ctx *c, const char *table, const char *name)
{
    for (int i = 0; i < c->nddl; i++)
        if (c->ddl_index[i] && ieq(c->ddl_index[i], name) &&
            ieq(c->ddl_table[i], table))
            return i;
    return -1;
}

static void diff_indexes(Mig *g)
{
    Ctx *a = g->a, *c = g->b;
    for (int i = 0; i < a->nddl; i++) {
        if (!a->ddl_index[i])
            continue;
        const Table *tb = find_table(&g->tb, a->ddl_table[i]);
        if (!tb || g->rebuilt[tb - g->tb.v])
            continue; /* gone with its table */
        int k = find_index(c, a->ddl_table[i], a->ddl_index[i]);
        if (k >= 0 && strcmp(c->ddl[k], a->ddl[i]) == 0)
            continue;
        note(&g->pre, "index %s: %s", a->ddl_index[i],
             k >= 0 ? "changed" : "dropped");
        buf_puts(&g->pre, "DROP INDEX ");
        qid(&g->pre, a->ddl_index[i]);
        buf_puts(&g->pre, ";\n");
    }
    for (int i = 0; i < c->nddl; i++) {
        if (!c->ddl_index[i])
            continue;
        const Table *tb = find_table(&g->tb, c->ddl_table[i]);
        bool fresh = !find_table(&g->ta, c->ddl_table[i]) ||
                     (tb && g->rebuilt[tb - g->tb.v]);
        int k = find_index(a, c->ddl_table[i], c->ddl_index[i]);
        if (!fresh && k >= 0 && strcmp(a->ddl[k], c->ddl[i]) == 0)
            continue;
        buf_puts(&g->post, c->ddl[i]);
        buf_puts(&g->post, ";\n");
    }
}

/* ---- the script ---- */

/* s for a "--" comment: a control character (a line break would end the
 * comment) shown as '?'. */
static const char *comment_safe(Ctx *c, const char *s)
{
    char *t = arena_strdup(c->arena, s, strlen(s));
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return t;
}

static void put_buf(Buf *out, Buf *b)
{
    size_t len;
    char *t = buf_take(b, &len);
    if (t)
        buf_put(out, t, len);
    free(t);
}

/* The fingerprint row of schema b, replacing a's (and b's). */
static void put_meta(Mig *g, Buf *s)
{
    buf_puts(s, "DELETE FROM \"ormc_meta\" WHERE \"schema\" IN (");
    qstr(s, g->a->schema.name);
    buf_puts(s, ", ");
    qstr(s, g->b->schema.name);
    buf_puts(s, ");\nINSERT INTO \"ormc_meta\" (\"schema\", \"fingerprint\") "
                "VALUES (");
    qstr(s, g->b->schema.name);
    buf_puts(s, ", ");
    qstr(s, g->b->fingerprint);
    buf_puts(s, ");\n");
}

/* PostgreSQL's script: one transaction (its DDL is transactional, and
 * its foreign keys are checked by each statement). */
static void pg_script(Mig *g, Buf *s)
{
    Ctx *a = g->a, *c = g->b;
    buf_printf(s,
               "-- ormc diff %s %s (PostgreSQL)\n"
               "-- Moves a database of schema %s (fingerprint %s)\n"
               "-- to schema %s (fingerprint %s).\n"
               "-- Run it whole, stopping at the first error (psql -v "
               "ON_ERROR_STOP=1 -f,\n"
               "-- or one PQexec): it is one transaction, and PostgreSQL's "
               "DDL is\n"
               "-- transactional, so after an error nothing has changed "
               "(roll the\n"
               "-- aborted transaction back, or close the connection).  "
               "Constraints\n"
               "-- are named as PostgreSQL names them (<table>_<column>_key, "
               "_check,\n"
               "-- _fkey).  Check the database with the old schema's "
               "_schema_check first.\n",
               comment_safe(c, a->file), comment_safe(c, c->file),
               comment_safe(c, a->schema.name), a->fingerprint,
               comment_safe(c, c->schema.name), c->fingerprint);
    put_buf(s, &g->hints);
    buf_puts(s, "BEGIN;\n");
    put_buf(s, &g->pre);
    put_buf(s, &g->creates);
    put_buf(s, &g->body);
    put_buf(s, &g->drops);
    put_buf(s, &g->post);
    buf_puts(s, "-- the database now holds the new schema\n"
                "CREATE TABLE IF NOT EXISTS \"ormc_meta\" (\n"
                "  \"schema\" TEXT PRIMARY KEY NOT NULL,\n"
                "  \"fingerprint\" TEXT NOT NULL\n);\n");
    put_meta(g, s);
    buf_puts(s, "COMMIT;\n");
}

/* SQLite's script: foreign keys off around the transaction, checked
 * before COMMIT. */
static void lite_script(Mig *g, Buf *s)
{
    Ctx *a = g->a, *c = g->b;
    buf_printf(s,
               "-- ormc diff %s %s (SQLite)\n"
               "-- Moves a database of schema %s (fingerprint %s)\n"
               "-- to schema %s (fingerprint %s).\n"
               "-- Run it whole on a connection with no open transaction, "
               "stopping at the\n"
               "-- first error (sqlite3 -bail, or one sqlite3_exec): "
               "PRAGMA foreign_keys\n"
               "-- cannot change inside a transaction, so the script "
               "turns foreign keys\n"
               "-- off before BEGIN and on after COMMIT, and fails before "
               "COMMIT if a\n"
               "-- foreign key no longer holds.  After an error the "
               "transaction is still\n"
               "-- open: roll it back (closing the connection does).  "
               "Check the database\n"
               "-- with the old schema's _schema_check first.\n",
               comment_safe(c, a->file), comment_safe(c, c->file),
               comment_safe(c, a->schema.name), a->fingerprint,
               comment_safe(c, c->schema.name), c->fingerprint);
    put_buf(s, &g->hints);
    buf_puts(s, "PRAGMA foreign_keys = OFF;\nBEGIN;\n");
    put_buf(s, &g->pre);
    put_buf(s, &g->body);
    put_buf(s, &g->drops);
    put_buf(s, &g->post);
    buf_puts(s,
             "-- every foreign key still holds\n"
             "CREATE TEMP TABLE \"ormc_fk_check\" (\"violations\" INTEGER\n"
             "  CONSTRAINT \"foreign_keys_must_hold\" CHECK "
             "(\"violations\" = 0));\n"
             "INSERT INTO \"ormc_fk_check\" SELECT count(*) FROM "
             "pragma_foreign_key_check;\n"
             "DROP TABLE \"ormc_fk_check\";\n"
             "-- the database now holds the new schema\n"
             "CREATE TABLE IF NOT EXISTS \"ormc_meta\" (\n"
             "  \"schema\" TEXT PRIMARY KEY NOT NULL,\n"
             "  \"fingerprint\" TEXT NOT NULL\n);\n");
    put_meta(g, s);
    buf_puts(s, "COMMIT;\nPRAGMA foreign_keys = ON;\n");
}

int migrate_script(Ctx *a, Ctx *c, const ormcc_diff_options *o, FILE *diag,
                   char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    Mig g = {.a = a, .b = c, .o = o, .diag = diag,
             .pg = o && o->dialect == ORMCC_POSTGRESQL};
    bool force = o && o->force;
    g.ta = tables_of(a);
    g.tb = tables_of(c);
    g.rebuilt = arena_zalloc(c->arena, (size_t)(g.tb.n + 1));
    g.used_rename = arena_zalloc(c->arena, (o ? o->nrenames : 0) + 1);
    /* new tables, and the tables of both */
    for (int i = 0; i < g.tb.n; i++) {
        const Table *tb = &g.tb.v[i];
        const Table *ta = find_table(&g.ta, tb->name);
        if (!ta) {
            /* PostgreSQL: before the columns that may reference them */
            Buf *b = g.pg ? &g.creates : &g.body;
            note(b, "%s: new", table_what(c, tb));
            buf_puts(b, table_ddl(c, tb->m, tb->mm, tb->name, g.pg));
            buf_puts(b, ";\n");
        } else if (tb->m && ta->m) {
            g.rebuilt[i] = alter_model(&g, ta->m, tb->m);
        } else if (!tb->m && !ta->m) {
            g.rebuilt[i] = alter_join(&g, ta, tb);
        } else {
            refuse(&g, "table %s is a model's in one schema and a join "
                       "table in the other: not supported",
                   tb->name);
        }
    }
    /* dropped tables */
    Buf dropped = {0};
    bool added = false;
    for (int i = 0; i < g.tb.n; i++)
        added |= !find_table(&g.ta, g.tb.v[i].name);
    for (int i = 0; i < g.ta.n; i++) {
        const Table *ta = &g.ta.v[i];
        if (find_table(&g.tb, ta->name))
            continue;
        if (!force)
            refuse(&g, "dropping %s loses its rows; pass --force to drop "
                       "it%s",
                   table_what(a, ta),
                   ta->m && added
                       ? arena_printf(a->arena,
                                      ", or keep its table with "
                                      "@table(\"%s\") if the model was "
                                      "renamed",
                                      ta->name)
                       : "");
        note(&g.drops, "%s: dropped", table_what(a, ta));
        if (g.pg) {
            /* one DROP TABLE for all: their foreign keys between them */
            qid(&dropped, ta->name);
            buf_puts(&dropped, ", ");
            continue;
        }
        buf_puts(&g.drops, "DROP TABLE ");
        qid(&g.drops, ta->name);
        buf_puts(&g.drops, ";\n");
    }
    size_t ndropped;
    char *dl = buf_take(&dropped, &ndropped);
    if (dl && ndropped > 2) {
        dl[ndropped - 2] = '\0'; /* the last ", " */
        buf_printf(&g.drops, "DROP TABLE %s;\n", dl);
    }
    free(dl);
    for (size_t r = 0; o && r < o->nrenames; r++)
        if (!g.used_rename[r])
            refuse(&g, "--rename %s.%s=%s: no model %s has its table in "
                       "both schemas",
                   o->renames[r].model, o->renames[r].from,
                   o->renames[r].to, o->renames[r].model);
    diff_indexes(&g);
    Buf s = {0};
    if (g.pg)
        pg_script(&g, &s);
    else
        lite_script(&g, &s);
    if (g.errors) {
        free(buf_take(&s, NULL));
        return g.errors;
    }
    *out = buf_take(&s, len);
    return 0;
}
