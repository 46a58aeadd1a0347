/*
 * gen_source.c — emits <schema>.orm.c: the DDL, the constant descriptor
 * tables the runtime walks (fields with offsetof, relations, default order,
 * the CRUD statements), and the thin typed wrappers over the runtime.
 * All SQL that does not depend on a query's shape is built here, at compile
 * time, and is visible in the generated file.
 */
#include "buf.h"
#include "ctx.h"
#include "names.h"
#include "paths.h"

#include <stdlib.h>
#include <string.h>

/* ---- DDL ---- */

/* The DDL is built once per dialect: SQLite's, and PostgreSQL's, whose
 * INTEGER is 32 bits and REAL 4 bytes, so every integer is BIGINT and
 * every real DOUBLE PRECISION there (no value the C struct holds is lost),
 * text compares byte by byte (COLLATE "C", as SQLite's BINARY), bool is
 * BOOLEAN and the id an identity column.  ormc diff (migrate.c) writes
 * either: default_ddl, column_ddl, type_ddl and table_ddl spell them. */
typedef struct DdlOut {
    bool pg;
    const char **stmts;
    int n;
    /* per statement: its table, and the index it creates (NULL for a
     * CREATE TABLE); NULL arrays: not recorded */
    const char **table, **index;
} DdlOut;

static const char *sql_type(const Field *f, bool pg)
{
    switch (f->kind) {
    case TY_REAL: return pg ? "DOUBLE PRECISION" : "REAL";
    case TY_TEXT: return pg ? "TEXT COLLATE \"C\"" : "TEXT";
    case TY_BLOB: return pg ? "BYTEA" : "BLOB";
    case TY_BOOL: return pg ? "BOOLEAN" : "INTEGER";
    default: return pg ? "BIGINT" : "INTEGER";
    }
}

static void sql_string(Buf *b, const char *s)
{
    buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            buf_putc(b, '\'');
        buf_putc(b, *s);
    }
    buf_putc(b, '\'');
}

/* The shortest decimal spelling of v that reads back as v, with a '.' or
 * an exponent so it stays a floating constant in C and SQL. */
static const char *real_literal(Ctx *c, double v)
{
    char buf[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".eEn"))
        strcat(buf, ".0");
    return arena_strdup(c->arena, buf, strlen(buf));
}

/* f's DEFAULT expression in the dialect, or NULL when it has none. */
static const char *default_sql(Ctx *c, const Field *f, bool pg)
{
    switch (f->def.kind) {
    case DEF_INT:
        return arena_printf(c->arena, f->kind == TY_REAL ? "%lld.0" : "%lld",
                            (long long)f->def.i);
    case DEF_REAL: return real_literal(c, f->def.r);
    case DEF_BOOL:
        return f->def.i ? (pg ? "true" : "1") : (pg ? "false" : "0");
    case DEF_STRING: {
        Buf b = {0};
        sql_string(&b, f->def.s);
        size_t len;
        char *t = buf_take(&b, &len);
        const char *lit = arena_strdup(c->arena, t, len);
        free(t);
        return lit;
    }
    case DEF_NOW:
        return pg ? "(CAST(floor(extract(epoch FROM CURRENT_TIMESTAMP)) AS "
                    "BIGINT))"
                  : "(CAST(strftime('%s', 'now') AS INTEGER))";
    case DEF_NULL: return "NULL";
    case DEF_NONE: break;
    }
    return NULL;
}

const char *default_ddl(Ctx *c, const Field *f, bool pg)
{
    return default_sql(c, f, pg);
}

const char *type_ddl(const Field *f, bool pg) { return sql_type(f, pg); }

const char *on_delete_ddl(const Field *f)
{
    static const char *const actions[] = {"RESTRICT", "CASCADE", "SET NULL",
                                          "RESTRICT"};
    return actions[f->on_delete];
}

/* The definition of column f after its name, its CHECK clauses naming
 * the column `member`. */
static void column_rest(Ctx *c, Buf *b, const Field *f, const char *member,
                        bool pg)
{
    buf_printf(b, " %s", sql_type(f, pg));
    if (!f->nullable)
        buf_puts(b, " NOT NULL");
    if (f->unique)
        buf_puts(b, " UNIQUE");
    const char *def = default_sql(c, f, pg);
    if (def)
        buf_printf(b, " DEFAULT %s", def);
    if (f->kind == TY_BOOL && !pg)
        buf_printf(b, " CHECK (\"%s\" IN (0, 1))", member);
    if (f->kind == TY_TEXT && f->has_size)
        buf_printf(b, " CHECK (length(\"%s\") <= %lld)", member,
                   (long long)f->size);
    if (f->kind == TY_MODEL)
        buf_printf(b, " REFERENCES \"%s\" (\"%s\") ON DELETE %s",
                   f->target->table, id_col(f->target), on_delete_ddl(f));
}

static void column_def(Ctx *c, Buf *b, const Field *f, bool pg)
{
    buf_printf(b, "  \"%s\"", f->column);
    column_rest(c, b, f, f->column, pg);
}

const char *column_ddl(Ctx *c, const Field *f, const char *member, bool pg)
{
    Buf b = {0};
    column_rest(c, &b, f, member, pg);
    size_t len;
    char *t = buf_take(&b, &len);
    const char *s = arena_strdup(c->arena, t, len);
    free(t);
    return s;
}

static const char *index_col(const Model *m, const Field *f)
{
    return f ? f->column : id_col(m);
}

/* The table of an implicit many-to-many relation: one row per pair,
 * deleted with either side, its primary key serving the source side. */
static const char *join_table_ddl(Ctx *c, const ManyToMany *mm,
                                  const char *table, bool pg)
{
    const char *ty = pg ? "BIGINT" : "INTEGER";
    return arena_printf(
        c->arena,
        "CREATE TABLE \"%s\" (\n"
        "  \"%s\" %s NOT NULL REFERENCES \"%s\" (\"%s\") ON DELETE CASCADE,\n"
        "  \"%s\" %s NOT NULL REFERENCES \"%s\" (\"%s\") ON DELETE CASCADE,\n"
        "  PRIMARY KEY (\"%s\", \"%s\")\n"
        ")%s",
        table, mm->source_col, ty, mm->source->table, id_col(mm->source),
        mm->target_col, ty, mm->target->table, id_col(mm->target),
        mm->source_col, mm->target_col,
        pg ? "" : " WITHOUT ROWID");
}

/* Appends one statement to o, with its table and index when recorded. */
static void ddl_put(DdlOut *o, const char *sql, const char *table,
                    const char *index)
{
    if (o->table) {
        o->table[o->n] = table;
        o->index[o->n] = index;
    }
    o->stmts[o->n++] = sql;
}

/* Appends CREATE INDEX "<table>_<col>_<col>_idx" (or _uniq), numbered
 * _2, _3, ... when `used` (tables and earlier indexes, without case)
 * already has the name. */
static void add_index(Ctx *c, DdlOut *o, NameMap *used, const char *table,
                      const char *const *cols, int ncols, bool unique)
{
    Buf name = {0}, cl = {0};
    buf_puts(&name, table);
    for (int j = 0; j < ncols; j++) {
        buf_printf(&name, "_%s", cols[j]);
        buf_printf(&cl, "%s\"%s\"", j ? ", " : "", cols[j]);
    }
    buf_puts(&name, unique ? "_uniq" : "_idx");
    char *nm = buf_take(&name, NULL), *cs = buf_take(&cl, NULL);
    const char *unique_name = arena_strdup(c->arena, nm, strlen(nm));
    for (int n = 2; names_put(used, name_lower(c->arena, unique_name), table);
         n++)
        unique_name = arena_printf(c->arena, "%s_%d", nm, n);
    ddl_put(o,
            arena_printf(c->arena, "CREATE %sINDEX \"%s\" ON \"%s\" (%s)",
                         unique ? "UNIQUE " : "", unique_name, table, cs),
            table, unique_name);
    free(nm);
    free(cs);
}

/* CREATE TABLE of model m (or of join table mm when m is NULL), named
 * `table`, in the dialect. */
static const char *table_sql(Ctx *c, const Model *m, const ManyToMany *mm,
                             const char *table, bool pg)
{
    if (!m)
        return join_table_ddl(c, mm, table, pg);
    Buf b = {0};
    buf_printf(&b, "CREATE TABLE \"%s\" (\n  \"%s\" %s", table, id_col(m),
               pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                  : "INTEGER PRIMARY KEY AUTOINCREMENT");
    for (int k = 0; k < m->nf; k++) {
        buf_puts(&b, ",\n");
        column_def(c, &b, m->fv[k], pg);
    }
    buf_puts(&b, "\n)");
    size_t len;
    char *t = buf_take(&b, &len);
    const char *s = arena_strdup(c->arena, t, len);
    free(t);
    return s;
}

const char *table_ddl(Ctx *c, const Model *m, const ManyToMany *mm,
                      const char *table, bool pg)
{
    return table_sql(c, m, mm, table, pg);
}

const char *ddl_fingerprint(Ctx *c)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < c->nddl; i++) {
        for (const char *p = c->ddl[i]; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        /* each statement followed by ";\n", as --emit-sql prints it */
        h = (h ^ ';') * 1099511628211ull;
        h = (h ^ '\n') * 1099511628211ull;
    }
    return arena_printf(c->arena, "%016llx", (unsigned long long)h);
}

/* The schema's CREATE statements in o's dialect: tables in model order,
 * join tables, then indexes. */
static void ddl_for(Ctx *c, DdlOut *o)
{
    Schema *s = &c->schema;
    int n = s->nmodels;
    for (int i = 0; i < s->nmodels; i++)
        n += s->mv[i]->nindexes + 2 * s->mv[i]->nm2ms;
    size_t cap = (size_t)(n ? n : 1);
    o->stmts = arena_zalloc(c->arena, cap * sizeof(char *));
    if (!o->pg) {
        o->table = arena_zalloc(c->arena, cap * sizeof(char *));
        o->index = arena_zalloc(c->arena, cap * sizeof(char *));
    }
    o->n = 0;
    for (int i = 0; i < s->nmodels; i++) {
        Model *m = s->mv[i];
        ddl_put(o, table_sql(c, m, NULL, m->table, o->pg), m->table, NULL);
    }
    /* the join tables of implicit many-to-many relations, in model and
     * field order (an explicit `through` model has its own table) */
    for (int i = 0; i < s->nmodels; i++)
        for (int k = 0; k < s->mv[i]->nm2ms; k++)
            if (!s->mv[i]->m2ms[k]->through) {
                ManyToMany *mm = s->mv[i]->m2ms[k];
                ddl_put(o, join_table_ddl(c, mm, mm->table, o->pg),
                        mm->table, NULL);
            }
    /* index names share one namespace with tables, without case */
    NameMap used;
    names_init(&used, c->arena);
    for (int i = 0; i < s->nmodels; i++) {
        Model *m = s->mv[i];
        names_put(&used, name_lower(c->arena, m->table), m);
        for (int k = 0; k < m->nm2ms; k++)
            if (!m->m2ms[k]->through)
                names_put(&used, name_lower(c->arena, m->m2ms[k]->table), m);
    }
    for (int i = 0; i < s->nmodels; i++) {
        Model *m = s->mv[i];
        for (int k = 0; k < m->nindexes; k++) {
            Index *ix = &m->indexes[k];
            if (ix->skip)
                continue;
            const char **cols =
                arena_zalloc(c->arena, (size_t)ix->nfields * sizeof *cols);
            for (int j = 0; j < ix->nfields; j++)
                cols[j] = index_col(m, ix->fields[j]);
            add_index(c, o, &used, m->table, cols, ix->nfields, ix->unique);
        }
    }
    /* the reverse direction of each join table (its primary key serves the
     * forward one) */
    for (int i = 0; i < s->nmodels; i++)
        for (int k = 0; k < s->mv[i]->nm2ms; k++) {
            ManyToMany *mm = s->mv[i]->m2ms[k];
            if (mm->through)
                continue;
            const char *cols[] = {mm->target_col, mm->source_col};
            add_index(c, o, &used, mm->table, cols, 2, false);
        }
}

void gen_ddl(Ctx *c)
{
    DdlOut lite = {.pg = false}, pg = {.pg = true};
    ddl_for(c, &lite);
    ddl_for(c, &pg);
    c->ddl = lite.stmts;
    c->nddl = lite.n;
    c->ddl_table = lite.table;
    c->ddl_index = lite.index;
    c->pg_ddl = pg.stmts;
    c->npg_ddl = pg.n;
    c->fingerprint = ddl_fingerprint(c);
}

/* ---- descriptors ---- */

static const char *type_const(const Field *f)
{
    switch (f->kind) {
    case TY_REAL: return "ORMC_T_REAL";
    case TY_BOOL: return "ORMC_T_BOOL";
    case TY_TEXT: return "ORMC_T_TEXT";
    case TY_BLOB: return "ORMC_T_BLOB";
    case TY_DATETIME: return "ORMC_T_DATETIME";
    default: return "ORMC_T_INT";
    }
}


/* An int64 as a C constant expression.  INT64_MIN has no literal: written
 * as -9223372036854775808 the constant is unsigned (a -Wpedantic error). */
static void c_int64(Buf *b, int64_t v)
{
    if (v == INT64_MIN)
        buf_puts(b, "INT64_MIN");
    else
        buf_printf(b, "%lld", (long long)v);
}

/* f has a literal default (not none, null or now). */
static bool has_literal_default(const Field *f)
{
    return f->def.kind == DEF_INT || f->def.kind == DEF_BOOL ||
           f->def.kind == DEF_REAL || f->def.kind == DEF_STRING;
}

/* f's literal default as a C constant of the field's type: an int
 * default of a real field as a double, a bool as `true`/`false` when
 * bool_words (else 1/0, for the descriptor's int64 def_int), a string as
 * a string literal. */
static void put_default(Ctx *c, Buf *b, const Field *f, bool bool_words)
{
    switch (f->def.kind) {
    case DEF_INT:
        if (f->kind == TY_REAL)
            buf_printf(b, "%lld.0", (long long)f->def.i);
        else
            c_int64(b, f->def.i);
        break;
    case DEF_BOOL:
        if (bool_words)
            buf_puts(b, f->def.i ? "true" : "false");
        else
            buf_printf(b, "%d", (int)f->def.i);
        break;
    case DEF_REAL: buf_puts(b, real_literal(c, f->def.r)); break;
    case DEF_STRING:
        buf_puts(b, "\"");
        buf_c_string(b, f->def.s);
        buf_puts(b, "\"");
        break;
    default: break;
    }
}

static void emit_fields(Ctx *c, Buf *b, Model *m)
{
    buf_printf(b, "static const ormc_field %s_fields[] = {\n", m->prefix);
    buf_printf(b,
               "    {.name = \"id\", .column = \"%s\", .type = "
               "ORMC_T_INT, .flags = ORMC_F_PK,\n"
               "     .offset = offsetof(%s, id)},\n",
               id_col(m), m->name);
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        Buf flags = {0};
        if (f->nullable)
            buf_puts(&flags, " | ORMC_F_NULLABLE");
        if (f->kind == TY_MODEL)
            buf_puts(&flags, " | ORMC_F_FK");
        if (f->def.kind == DEF_NOW)
            buf_puts(&flags, " | ORMC_F_NOW");
        else if (f->def.kind != DEF_NONE && f->def.kind != DEF_NULL)
            buf_puts(&flags, " | ORMC_F_DEFAULT");
        char *fl = buf_take(&flags, NULL);
        buf_printf(b,
                   "    {.name = \"%s\", .column = \"%s\", .type = %s, "
                   ".flags = %s,\n     .offset = offsetof(%s, %s)",
                   f->member, f->column, type_const(f),
                   fl[0] ? fl + 3 : "0", m->name, f->member);
        free(fl);
        if (f->kind == TY_TEXT && f->has_size)
            buf_printf(b, ", .max_chars = %lld", (long long)f->size);
        if (f->nullable && f->kind != TY_TEXT && f->kind != TY_BLOB)
            buf_printf(b, ", .null_offset = offsetof(%s, %s_null)", m->name,
                       f->name);
        if (has_literal_default(f)) {
            buf_printf(b, ", .def_%s = ",
                       f->kind == TY_REAL   ? "real"
                       : f->kind == TY_TEXT ? "text"
                                            : "int");
            put_default(c, b, f, false);
        }
        buf_puts(b, "},\n");
    }
    buf_puts(b, "};\n\n");
}

static void emit_relations(Ctx *c, Buf *b, Model *m)
{
    if (to_one_count(m)) {
        buf_printf(b, "static const ormc_relation %s_relations[] = {\n",
                   m->prefix);
        for (int i = 0; i < m->nfks; i++) {
            Field *f = m->fks[i];
            buf_printf(b,
                       "    {\"%s\", %s, &%s_model, offsetof(%s, %s), false},\n",
                       f->name, field_const(c->arena, m, f), f->target->prefix,
                       m->name, f->name);
        }
        for (int i = 0; i < m->nones; i++) { /* the child's unique FK */
            Reverse *r = &m->ones[i];
            buf_printf(b,
                       "    {\"%s\", %s, &%s_model, offsetof(%s, %s), true},\n",
                       r->name, field_const(c->arena, r->child, r->fk),
                       r->child->prefix, m->name, r->name);
        }
        buf_puts(b, "};\n\n");
    }
    if (m->nmany) {
        buf_printf(b, "static const ormc_reverse %s_reverses[] = {\n",
                   m->prefix);
        for (int i = 0; i < m->nmany; i++) {
            Reverse *r = &m->many[i];
            buf_printf(b,
                       "    {\"%s\", &%s_model, %s,\n"
                       "     offsetof(%sRel, %s), offsetof(%sRel, %s_count),\n",
                       r->name, r->child->prefix,
                       r->fk ? field_const(c->arena, r->child, r->fk) : "0",
                       m->name, r->name, m->name, r->name);
            if (!r->mm) {
                buf_puts(b, "     NULL, NULL, NULL, false},\n");
                continue;
            }
            const ManyToMany *mm = r->mm;
            buf_printf(b, "     \"%s\", \"%s\", \"%s\", %s},\n", mm->table,
                       r->backward ? mm->target_col : mm->source_col,
                       r->backward ? mm->source_col : mm->target_col,
                       mm->through ? "true" : "false");
        }
        buf_puts(b, "};\n\n");
    }
    buf_printf(b, "static const ormc_order_term %s_order[] = {", m->prefix);
    for (int i = 0; i < m->norder; i++)
        buf_printf(b, "%s{%s, %d}", i ? ", " : "",
                   field_const(c->arena, m, m->order[i].field), m->order[i].desc);
    buf_puts(b, "};\n\n");
}

/* The field of a path constant: its descriptor entry's number and type. */
static void path_const_def(Ctx *c, Buf *b, Model *m, Field *f)
{
    buf_printf(b, "const %s %s = {{{&%s_model, %s, %s, 0, {0}}}};\n",
               path_type(c->arena, m, path_kind(f)), path_const(c->arena, m, f),
               m->prefix, field_const(c->arena, m, f),
               f ? type_const(f) : "ORMC_T_INT");
}

static void emit_path_consts(Ctx *c, Buf *b, Model *m)
{
    path_const_def(c, b, m, NULL);
    for (int i = 0; i < m->nf; i++)
        path_const_def(c, b, m, m->fv[i]);
    buf_puts(b, "\n");
}

/* The model's row reader (ormc_read_fn): one statement per field, in
 * field order, column col + i for field i. */
static void emit_reader(Buf *b, Model *m)
{
    int indent = (int)strlen("static int _read(") + (int)strlen(m->prefix);
    buf_printf(b,
               "static int %s_read(const ormc_cols *k, void *stmt, int col,\n"
               "%*svoid *obj, ormc_result *res, int *bad)\n"
               "{\n"
               "    %s *o = obj;\n",
               m->prefix, indent, "", m->name);
    bool texts = false;
    for (int i = 0; i < m->nf; i++)
        texts |= m->fv[i]->kind == TY_TEXT || m->fv[i]->kind == TY_BLOB;
    if (texts)
        buf_puts(b, "    int rc;\n");
    else
        buf_puts(b, "    (void)res;\n    (void)bad;\n");
    buf_puts(b, "    o->id = k->int64(stmt, col);\n");
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        int n = i + 1; /* its field number and column offset */
        const char *ind = "    ";
        if (f->kind == TY_TEXT || f->kind == TY_BLOB) {
            const char *fn = f->kind == TY_TEXT ? "text" : "blob";
            if (f->nullable) /* NULL: the pointer stays NULL */
                buf_printf(b, "    if (!k->is_null(stmt, col + %d) &&\n"
                              "        (rc = k->%s(stmt, col + %d, res, "
                              "&o->%s)) != ORMC_OK)\n",
                           n, fn, n, f->member);
            else
                buf_printf(b, "    if ((rc = k->%s(stmt, col + %d, res, "
                              "&o->%s)) != ORMC_OK)\n",
                           fn, n, f->member);
            buf_printf(b, "        return *bad = %d, rc;\n", n);
            continue;
        }
        if (f->nullable) {
            buf_printf(b, "    if (k->is_null(stmt, col + %d))\n"
                          "        o->%s_null = true;\n"
                          "    else\n",
                       n, f->name);
            ind = "        ";
        }
        switch (f->kind) {
        case TY_REAL:
            buf_printf(b, "%so->%s = k->real(stmt, col + %d);\n", ind,
                       f->member, n);
            break;
        case TY_BOOL:
            buf_printf(b, "%so->%s = k->int64(stmt, col + %d) != 0;\n", ind,
                       f->member, n);
            break;
        default: /* int, datetime, a foreign key */
            buf_printf(b, "%so->%s = k->int64(stmt, col + %d);\n", ind,
                       f->member, n);
            break;
        }
    }
    buf_puts(b, "    return ORMC_OK;\n}\n\n");
}

/* The bind call of field f (parameter n) of the binder's object o. */
static void put_bind_value(Buf *b, const Field *f, int n)
{
    const char *mem = f->member;
    switch (f->kind) {
    case TY_TEXT:
        buf_printf(b, "k->text(stmt, %d, o->%s, strlen(o->%s))", n, mem, mem);
        break;
    case TY_BLOB:
        buf_printf(b, "k->blob(stmt, %d, o->%s.data, o->%s.size)", n, mem,
                   mem);
        break;
    case TY_REAL:
        buf_printf(b, "k->real(stmt, %d, o->%s)", n, mem);
        break;
    case TY_BOOL:
        buf_printf(b, "k->int64(stmt, %d, o->%s ? 1 : 0)", n, mem);
        break;
    default: /* int, datetime, a foreign key */
        buf_printf(b, "k->int64(stmt, %d, o->%s)", n, mem);
        break;
    }
}

/* The model's parameter binder (ormc_bind_fn): one statement per field
 * but the id, in field order, parameter i for field i; a nullable field
 * binds NULL as the runtime's loop does (its flag; a NULL text pointer; a
 * blob without data). */
static void emit_binder(Buf *b, Model *m)
{
    buf_printf(b,
               "static int %s_bind(const ormc_binds *k, void *stmt, "
               "const void *obj)\n"
               "{\n",
               m->prefix);
    if (!m->nf) {
        buf_puts(b, "    (void)k;\n    (void)stmt;\n    (void)obj;\n"
                    "    return ORMC_OK;\n}\n\n");
        return;
    }
    buf_printf(b, "    const %s *o = obj;\n    int rc;\n", m->name);
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        int n = i + 1;
        buf_puts(b, "    if ((rc = ");
        if (f->nullable) {
            if (f->kind == TY_TEXT)
                buf_printf(b, "!o->%s", f->member);
            else if (f->kind == TY_BLOB)
                buf_printf(b, "!o->%s.data", f->member);
            else
                buf_printf(b, "o->%s_null", f->name);
            buf_printf(b, " ? k->null(stmt, %d)\n               : ", n);
        }
        put_bind_value(b, f, n);
        buf_puts(b, ") != ORMC_OK)\n        return rc;\n");
    }
    buf_puts(b, "    return ORMC_OK;\n}\n\n");
}

/* Whether field f can hold a value its model does not store as it is
 * (then the checker tests it): text, a real, a blob that is NOT NULL (a
 * nullable one without data is NULL, whatever its size), or a NULL flag
 * over a value.  An int, bool or datetime that is NOT NULL cannot. */
static bool needs_check(const Field *f)
{
    if (f->kind == TY_BLOB)
        return !f->nullable;
    return f->kind == TY_TEXT || f->kind == TY_REAL || f->nullable;
}

/* Field f's term of the checker's conjunction: what the runtime's checks
 * (check_field) test one field descriptor at a time. */
static void put_check_term(Buf *b, const Field *f)
{
    const char *mem = f->member;
    long long max = f->kind == TY_TEXT && f->has_size ? (long long)f->size : 0;
    switch (f->kind) {
    case TY_TEXT:
        if (f->nullable)
            buf_printf(b, "(!o->%s || ormc_text_ok(o->%s, %lld))", mem, mem,
                       max);
        else
            buf_printf(b, "ormc_text_ok(o->%s, %lld)", mem, max);
        break;
    case TY_BLOB:
        buf_printf(b, "(o->%s.data || !o->%s.size)", mem, mem);
        break;
    case TY_REAL: /* NULL: the value +0.0, bit for bit */
        if (f->nullable)
            buf_printf(b, "(o->%s_null ? fpclassify(o->%s) == FP_ZERO &&\n"
                          "%*s!signbit(o->%s)\n"
                          "%*s: !isnan(o->%s))",
                       f->name, mem, (int)strlen(f->name) + 23, "", mem,
                       (int)strlen(f->name) + 21, "", mem);
        else
            buf_printf(b, "!isnan(o->%s)", mem);
        break;
    default: /* int, bool, datetime, a foreign key */
        buf_printf(b, "(!o->%s_null || !o->%s)", f->name, mem);
        break;
    }
}

/* The model's checker (ormc_check_fn): true when every field holds what
 * the model stores as it is, one term per field that can hold anything
 * else (needs_check). */
static void emit_checker(Buf *b, Model *m)
{
    buf_printf(b, "static bool %s_check(const void *obj)\n{\n", m->prefix);
    int n = 0;
    for (int i = 0; i < m->nf; i++)
        n += needs_check(m->fv[i]);
    if (!n) {
        buf_puts(b, "    (void)obj;\n    return true;\n}\n\n");
        return;
    }
    buf_printf(b, "    const %s *o = obj;\n    return ", m->name);
    for (int i = 0, k = 0; i < m->nf; i++) {
        if (!needs_check(m->fv[i]))
            continue;
        if (k++)
            buf_puts(b, " &&\n           ");
        put_check_term(b, m->fv[i]);
    }
    buf_puts(b, ";\n}\n\n");
}

static void emit_model(Ctx *c, Buf *b, Model *m)
{
    buf_printf(b, "/* ---- %s ---- */\n\n", m->name);
    emit_fields(c, b, m);
    emit_relations(c, b, m);
    emit_reader(b, m);
    emit_binder(b, m);
    emit_checker(b, m);
    buf_printf(b, "const ormc_model %s_model = {\n", m->prefix);
    buf_printf(b, "    .name = \"%s\",\n", m->name);
    buf_printf(b, "    .table = \"%s\",\n", m->table);
    buf_printf(b, "    .size = sizeof(%s),\n", m->name);
    buf_printf(b, "    .fields = %s_fields,\n    .nfields = %d,\n", m->prefix,
               m->nf + 1);
    if (to_one_count(m))
        buf_printf(b, "    .relations = %s_relations,\n    .nrelations = %d,\n",
                   m->prefix, to_one_count(m));
    if (m->nmany)
        buf_printf(b, "    .reverses = %s_reverses,\n    .nreverses = %d,\n",
                   m->prefix, m->nmany);
    buf_printf(b, "    .order = %s_order,\n    .norder = %d,\n", m->prefix,
               m->norder);
    if (m->nmany)
        buf_printf(b, "    .rel_offset = offsetof(%s, rel),\n"
                      "    .rel_size = sizeof(%sRel),\n", m->name, m->name);
    buf_printf(b, "    .read = %s_read,\n", m->prefix);
    buf_printf(b, "    .bind = %s_bind,\n", m->prefix);
    buf_printf(b, "    .check = %s_check,\n", m->prefix);
    buf_puts(b, "};\n\n");
    emit_path_consts(c, b, m);
}

/* ---- wrappers ---- */

/* <model>_init: a copy of a constant object holding the defaults (a
 * nullable field without one starts NULL: its flag set), then the clock
 * for each `default now`.  The same as ormc_object_init(&model, obj)
 * computes from the descriptor, written out. */
static void emit_init(Ctx *c, Buf *b, Model *m)
{
    buf_printf(b, "void %s_init(%s *obj)\n{\n", m->prefix, m->name);
    buf_printf(b, "    static const %s init = {\n        .id = 0,\n", m->name);
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        if (has_literal_default(f)) {
            buf_printf(b, "        .%s = ", f->member);
            put_default(c, b, f, true);
            buf_puts(b, ",\n");
        } else if (f->def.kind != DEF_NOW && f->nullable &&
                   f->kind != TY_TEXT && f->kind != TY_BLOB) {
            buf_printf(b, "        .%s_null = true,\n", f->name);
        }
    }
    buf_puts(b, "    };\n    *obj = init;\n");
    for (int i = 0; i < m->nf; i++)
        if (m->fv[i]->def.kind == DEF_NOW)
            buf_printf(b, "    obj->%s = ormc_now();\n", m->fv[i]->member);
    buf_puts(b, "}\n\n");
}

static void emit_crud(Ctx *c, Buf *b, Model *m)
{
    const char *p = m->prefix, *M = m->name;
    emit_init(c, b, m);
    buf_printf(b,
               "int %s_insert(ormc_db *db, %s *obj)\n{\n"
               "    return ormc_insert(db, &%s_model, obj);\n}\n\n",
               p, M, p);
    buf_printf(b,
               "int %s_insert_many(ormc_db *db, %s *items, size_t n)\n{\n"
               "    return ormc_insert_many(db, &%s_model, items, n);\n}\n\n",
               p, M, p);
    buf_printf(b,
               "int %s_update(ormc_db *db, const %s *obj)\n{\n"
               "    return ormc_update(db, &%s_model, obj);\n}\n\n",
               p, M, p);
    buf_printf(b,
               "int %s_delete(ormc_db *db, int64_t id)\n{\n"
               "    return ormc_delete(db, &%s_model, id);\n}\n\n",
               p, p);
    buf_printf(b,
               "int %s_get(ormc_db *db, int64_t id, %s **out)\n{\n"
               "    void *obj = NULL;\n"
               "    int rc = ormc_get(db, &%s_model, id, &obj);\n"
               "    *out = obj;\n"
               "    return rc;\n}\n\n",
               p, M, p);
    buf_printf(b,
               "void %s_free(%s *obj)\n{\n"
               "    ormc_object_free(obj);\n}\n\n",
               p, M);
    buf_printf(b,
               "void %s_list_free(%sList *list)\n{\n"
               "    if (!list)\n        return;\n"
               "    ormc_result_free(list->owner);\n"
               "    list->items = NULL;\n"
               "    list->count = 0;\n"
               "    list->owner = NULL;\n}\n\n",
               p, M);
}

/* A shortcut filter on one field: blog_where_title(q, op, v). */
static void where(Buf *b, const char *p, const char *M, const char *member,
                  const char *ctype, const char *fn, const char *pconst)
{
    buf_printf(b,
               "void %s_where_%s(%sQuery *q, ormc_op op, %s%sv)\n{\n"
               "    %s(&q->q, &%s.path.p, op, v);\n}\n\n",
               p, member, M, ctype, ctype[strlen(ctype) - 1] == '*' ? "" : " ",
               fn, pconst);
}

static void where_in(Buf *b, const char *p, const char *M, const char *member,
                     const char *ctype, const char *fn, const char *pconst)
{
    buf_printf(b,
               "void %s_where_%s_in(%sQuery *q, %sv, size_t n)\n{\n"
               "    %s(&q->q, &%s.path.p, ORMC_IN, v, n);\n}\n\n",
               p, member, M, ctype, fn, pconst);
}

/* The typed filters on any path of m (blog_filter_text, ...). */
static void emit_filters(Ctx *c, Buf *b, Model *m)
{
    const char *p = m->prefix, *M = m->name;
    for (int k = 1; k < NPATH_KINDS; k++) {
        const PathKind *pk = &PATH_KINDS[k];
        if (!pk->ctype)
            continue;
        const char *t = path_type(c->arena, m, pk);
        const char *sp = pk->ctype[strlen(pk->ctype) - 1] == '*' ? "" : " ";
        buf_printf(b,
                   "void %s_filter_%s(%sQuery *q, %s f, ormc_op op, %s%sv)\n{\n"
                   "    ormc_where_%s(&q->q, &f.path.p, op, v);\n}\n\n",
                   p, pk->fn, M, t, pk->ctype, sp, pk->rt);
        if (pk->in)
            buf_printf(b,
                       "void %s_filter_%s_in(%sQuery *q, %s f, ormc_op op, "
                       "%sv, size_t n)\n{\n"
                       "    ormc_where_%s_in(&q->q, &f.path.p, op, v, n);\n}\n\n",
                       p, pk->fn, M, t, path_array_type(c->arena, pk), pk->rt);
        if (pk->range)
            buf_printf(b,
                       "void %s_filter_%s_range(%sQuery *q, %s f, %s lo, %s hi)\n"
                       "{\n    ormc_where_%s_range(&q->q, &f.path.p, lo, hi);\n}\n\n",
                       p, pk->fn, M, t, pk->ctype, pk->ctype, pk->rt);
        if (pk->calendar)
            buf_printf(b,
                       "void %s_filter_year(%sQuery *q, %s f, int year)\n{\n"
                       "    ormc_where_year(&q->q, &f.path.p, year);\n}\n\n"
                       "void %s_filter_month(%sQuery *q, %s f, int year, int month)\n{\n"
                       "    ormc_where_month(&q->q, &f.path.p, year, month);\n}\n\n"
                       "void %s_filter_day(%sQuery *q, %s f, int year, int month, "
                       "int day)\n{\n"
                       "    ormc_where_day(&q->q, &f.path.p, year, month, day);\n}\n\n",
                       p, M, t, p, M, t, p, M, t);
    }
    buf_printf(b,
               "void %s_filter_null(%sQuery *q, %s f, bool is_null)\n{\n"
               "    ormc_where_null(&q->q, &f.p, is_null);\n}\n\n",
               p, M, path_type(c->arena, m, &PATH_KINDS[0]));
    static const char *const groups[] = {"and", "or", "not", "end"};
    for (int i = 0; i < 4; i++)
        buf_printf(b, "void %s_%s(%sQuery *q)\n{\n    ormc_%s(&q->q);\n}\n\n",
                   p, groups[i], M, groups[i]);
}

/* The steps through relation (or reverse relation) `rel`, step number
 * `step` (ORMC_STEP_REVERSE | i for a reverse one), to target. */
static void emit_steps(Ctx *c, Buf *b, Model *m, const char *rel,
                       const char *step, Model *target)
{
    for (int k = 0; k < NPATH_KINDS; k++) {
        const PathKind *pk = &PATH_KINDS[k];
        const char *t = path_type(c->arena, m, pk);
        buf_printf(b, "%s %s(%s p)\n{\n    %s r;\n", t,
                   path_step(c->arena, m, rel, pk),
                   path_type(c->arena, target, pk), t);
        buf_printf(b, "    r%s.p = ormc_path_via(&%s_model, %s, p%s.p);\n",
                   k ? ".path" : "", m->prefix, step, k ? ".path" : "");
        buf_puts(b, "    return r;\n}\n\n");
    }
}

/* The value of a key field: the runtime's where function for it. */
static const char *key_where(const Field *f)
{
    switch (f->kind) {
    case TY_REAL: return "ormc_where_real";
    case TY_BOOL: return "ormc_where_bool";
    case TY_TEXT: return "ormc_where_text";
    default: return "ormc_where_int";
    }
}

static void emit_writes(Ctx *c, Buf *b, Model *m)
{
    const char *p = m->prefix, *M = m->name;
    for (int k = 1; k < NPATH_KINDS; k++) {
        const PathKind *pk = &PATH_KINDS[k];
        const char *t = path_type(c->arena, m, pk);
        const char *sp = pk->settype[strlen(pk->settype) - 1] == '*' ? "" : " ";
        buf_printf(b,
                   "void %s_set_%s(%sQuery *q, %s f, %s%sv)\n{\n"
                   "    ormc_set_%s(&q->q, &f.path.p, v);\n}\n\n",
                   p, pk->fn, M, t, pk->settype, sp, pk->rtset);
        if (pk->rtadd)
            buf_printf(b,
                       "void %s_set_add_%s(%sQuery *q, %s f, %s d)\n{\n"
                       "    ormc_set_add_%s(&q->q, &f.path.p, d);\n}\n\n",
                       p, pk->fn, M, t, pk->settype, pk->rtadd);
        if (pk->mul)
            buf_printf(b,
                       "void %s_set_mul_%s(%sQuery *q, %s f, %s k)\n{\n"
                       "    ormc_set_mul_%s(&q->q, &f.path.p, k);\n}\n\n",
                       p, pk->fn, M, t, pk->settype, pk->rtset);
    }
    const char *any = path_type(c->arena, m, &PATH_KINDS[0]);
    buf_printf(b,
               "void %s_set_null(%sQuery *q, %s f)\n{\n"
               "    ormc_set_null(&q->q, &f.p);\n}\n\n"
               "int %s_update_where(ormc_db *db, const %sQuery *q, int64_t "
               "*changed)\n{\n"
               "    return ormc_update_where(db, &%s_model, q ? &q->q : NULL, "
               "changed);\n}\n\n"
               "int %s_delete_where(ormc_db *db, const %sQuery *q, int64_t "
               "*deleted)\n{\n"
               "    return ormc_delete_where(db, &%s_model, q ? &q->q : NULL, "
               "deleted);\n}\n\n"
               "int %s_update_fields(ormc_db *db, const %s *obj, const %s "
               "*fields, size_t n)\n{\n"
               "    return ormc_update_fields(db, &%s_model, obj, n ? &fields->p "
               ": NULL, n,\n"
               "                              sizeof *fields);\n}\n\n"
               "int %s_get_where(ormc_db *db, const %sQuery *q, %s **out)\n{\n"
               "    void *obj = NULL;\n"
               "    int rc = ormc_get_where(db, &%s_model, q ? &q->q : NULL, "
               "&obj);\n"
               "    *out = obj;\n"
               "    return rc;\n}\n\n",
               p, M, any, p, M, p, p, M, p, p, M, any, p, p, M, M, p);
    for (int k = 0; k < m->nkeys; k++) {
        Key *key = &m->keys[k];
        Buf params = {0}, keyv = {0};
        for (int i = 0; i < key->nfields; i++) {
            const char *t = path_kind(key->fields[i])->ctype;
            buf_printf(&params, ", %s%s%s", t,
                       t[strlen(t) - 1] == '*' ? "" : " ",
                       key->fields[i]->member);
            buf_printf(&keyv, "%s%s", i ? ", " : "",
                       field_const(c->arena, m, key->fields[i]));
        }
        char *pl = buf_take(&params, NULL), *kl = buf_take(&keyv, NULL);
        buf_printf(b, "int %s_get_by_%s(ormc_db *db%s, %s **out)\n{\n"
                      "    %sQuery q;\n    void *obj = NULL;\n"
                      "    %s_query_init(&q);\n",
                   p, key->name, pl, M, M, p);
        for (int i = 0; i < key->nfields; i++)
            buf_printf(b, "    %s(&q.q, &%s.path.p, ORMC_EQ, %s);\n",
                       key_where(key->fields[i]),
                       path_const(c->arena, m, key->fields[i]),
                       key->fields[i]->member);
        buf_printf(b, "    int rc = ormc_get_where(db, &%s_model, &q.q, &obj);\n"
                      "    *out = obj;\n    return rc;\n}\n\n",
                   p);
        if (!key->nullable)
            buf_printf(b,
                       "int %s_upsert_by_%s(ormc_db *db, %s *obj)\n{\n"
                       "    static const uint16_t key[] = {%s};\n"
                       "    return ormc_upsert(db, &%s_model, obj, key, %d);\n}\n\n"
                       "int %s_get_or_create_by_%s(ormc_db *db, const %s "
                       "*defaults, %s **out,\n"
                       "        bool *created)\n{\n"
                       "    static const uint16_t key[] = {%s};\n"
                       "    void *obj = NULL;\n"
                       "    int rc = ormc_get_or_create(db, &%s_model, defaults, "
                       "key, %d, &obj,\n"
                       "                                created);\n"
                       "    *out = obj;\n    return rc;\n}\n\n",
                       p, key->name, M, kl, p, key->nfields, p, key->name, M,
                       M, kl, p, key->nfields);
        free(pl);
        free(kl);
    }
}

static void emit_query(Ctx *c, Buf *b, Model *m)
{
    const char *p = m->prefix, *M = m->name;
    buf_printf(b,
               "void %s_query_init(%sQuery *q)\n{\n"
               "    ormc_query_init(&q->q, &%s_model);\n}\n\n"
               "void %s_query_free(%sQuery *q)\n{\n"
               "    if (q)\n        ormc_query_free(&q->q);\n}\n\n",
               p, M, p, p, M);
    emit_filters(c, b, m);
    const char *idc = path_const(c->arena, m, NULL);
    where(b, p, M, "id", "int64_t", "ormc_where_int", idc);
    where_in(b, p, M, "id", "const int64_t *", "ormc_where_int_in", idc);
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        const char *fc = path_const(c->arena, m, f);
        switch (f->kind) {
        case TY_REAL:
            where(b, p, M, f->member, "double", "ormc_where_real", fc);
            where_in(b, p, M, f->member, "const double *",
                     "ormc_where_real_in", fc);
            break;
        case TY_BOOL:
            where(b, p, M, f->member, "bool", "ormc_where_bool", fc);
            break;
        case TY_TEXT:
            where(b, p, M, f->member, "const char *", "ormc_where_text", fc);
            where_in(b, p, M, f->member, "const char *const *",
                     "ormc_where_text_in", fc);
            break;
        case TY_BLOB: break;
        default:
            where(b, p, M, f->member, "int64_t", "ormc_where_int", fc);
            where_in(b, p, M, f->member, "const int64_t *",
                     "ormc_where_int_in", fc);
        }
        if (f->nullable)
            buf_printf(b,
                       "void %s_where_%s_null(%sQuery *q, bool is_null)\n{\n"
                       "    ormc_where_null(&q->q, &%s.path.p, is_null);\n}\n\n",
                       p, f->name, M, fc);
    }
    for (int i = 0; i < to_one_count(m); i++)
        emit_steps(c, b, m, to_one_name(m, i), arena_printf(c->arena, "%d", i),
                   to_one_target(m, i));
    for (int i = 0; i < m->nmany; i++)
        emit_steps(c, b, m, m->many[i].name,
                   arena_printf(c->arena, "ORMC_STEP_REVERSE | %d", i),
                   m->many[i].child);
    buf_printf(b,
               "void %s_order_by(%sQuery *q, %sPath f, ormc_dir dir)\n{\n"
               "    ormc_order_by(&q->q, &f.p, dir);\n}\n\n"
               "void %s_limit(%sQuery *q, int64_t n)\n{\n"
               "    ormc_limit(&q->q, n);\n}\n\n"
               "void %s_offset(%sQuery *q, int64_t n)\n{\n"
               "    ormc_offset(&q->q, n);\n}\n\n",
               p, M, M, p, M, p, M);
    for (int i = 0; i < to_one_count(m); i++)
        buf_printf(b,
                   "void %s_with_%s(%sQuery *q)\n{\n"
                   "    ormc_with(&q->q, %d);\n}\n\n"
                   "void %s_with_%s_from(%sQuery *q, const %sQuery *sub)\n{\n"
                   "    ormc_with_from(&q->q, %d, sub ? &sub->q : NULL);\n}\n\n",
                   p, to_one_name(m, i), M, i, p, to_one_name(m, i), M,
                   to_one_target(m, i)->name, i);
    for (int i = 0; i < m->nmany; i++) {
        const char *r = m->many[i].name, *C = m->many[i].child->name;
        buf_printf(b,
                   "void %s_prefetch_%s(%sQuery *q)\n{\n"
                   "    ormc_prefetch(&q->q, %d);\n}\n\n"
                   "void %s_prefetch_%s_from(%sQuery *q, const %sQuery *sub)\n"
                   "{\n    ormc_prefetch_from(&q->q, %d, sub ? &sub->q : NULL);"
                   "\n}\n\n"
                   "void %s_count_%s(%sQuery *q)\n{\n"
                   "    ormc_count(&q->q, %d);\n}\n\n"
                   "void %s_count_%s_from(%sQuery *q, const %sQuery *sub)\n"
                   "{\n    ormc_count_from(&q->q, %d, sub ? &sub->q : NULL);"
                   "\n}\n\n",
                   p, r, M, i, p, r, M, C, i, p, r, M, i, p, r, M, C, i);
        const ManyToMany *mm = m->many[i].mm;
        if (!mm)
            continue;
        static const char *const ops[] = {"add", "set", "remove", "clear"};
        static const char *const OPS[] = {"ADD", "SET", "REMOVE", "CLEAR"};
        for (int k = mm->through ? 2 : 0; k < 4; k++)
            buf_printf(b,
                       "int %s_%s_%s(ormc_db *db, int64_t id%s)\n{\n"
                       "    return ormc_link(db, &%s_model, %d, ORMC_LINK_%s, "
                       "id, %s);\n}\n\n",
                       p, ops[k], r,
                       k < 3 ? ", const int64_t *ids, size_t n" : "", p, i,
                       OPS[k], k < 3 ? "ids, n" : "NULL, 0");
    }
    if (m->nmany)
        buf_printf(b,
                   "size_t %s_annotate(%sQuery *q, ormc_agg agg, %sPath p)\n"
                   "{\n    return ormc_annotate(&q->q, agg, &p.p);\n}\n\n"
                   "const ormc_annot *%s_annotations(const %s *obj)\n{\n"
                   "    return ormc_annotations(&%s_model, obj);\n}\n\n",
                   p, M, M, p, M, p);
    buf_printf(b,
               "int %s_fetch(ormc_db *db, const %sQuery *q, %sList *out)\n{\n"
               "    ormc_list l;\n"
               "    int rc = ormc_fetch(db, &%s_model, q ? &q->q : NULL, &l);\n"
               "    out->items = l.items;\n"
               "    out->count = l.count;\n"
               "    out->owner = l.owner;\n"
               "    return rc;\n}\n\n",
               p, M, M, p);
    buf_printf(b,
               "int %s_first(ormc_db *db, const %sQuery *q, %s **out)\n{\n"
               "    void *obj = NULL;\n"
               "    int rc = ormc_first(db, &%s_model, q ? &q->q : NULL, &obj);\n"
               "    *out = obj;\n"
               "    return rc;\n}\n\n"
               "int %s_exists(ormc_db *db, const %sQuery *q, bool *out)\n{\n"
               "    return ormc_exists(db, &%s_model, q ? &q->q : NULL, out);\n}\n\n",
               p, M, M, p, p, M, p);
    buf_printf(b,
               "int %s_count(ormc_db *db, const %sQuery *q, int64_t *out)\n{\n"
               "    return ormc_count_rows(db, &%s_model, q ? &q->q : NULL, "
               "out);\n}\n\n",
               p, M, p);
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        if (f->kind != TY_INT && f->kind != TY_REAL && f->kind != TY_DATETIME)
            continue;
        const char *k = f->kind == TY_REAL ? "real" : "int";
        buf_printf(b,
                   "int %s_aggregate_%s(ormc_db *db, const %sQuery *q, "
                   "ormc_%s_stats *out)\n{\n"
                   "    return ormc_aggregate_%s(db, &%s_model, q ? &q->q : "
                   "NULL, %s, out);\n}\n\n",
                   p, f->name, M, k, k, p, field_const(c->arena, m, f));
    }
    emit_writes(c, b, m);
}

/* static const char *const <schema>_<what>[] = { the statements }: one
 * line of SQL per line of C. */
static void emit_ddl(Buf *b, const char *schema, const char *what,
                     const char *const *ddl, int n)
{
    buf_printf(b, "static const char *const %s_%s[] = {\n", schema, what);
    for (int i = 0; i < n; i++) {
        buf_puts(b, "    \"");
        const char *q = ddl[i];
        for (const char *nl; (nl = strchr(q, '\n')); q = nl + 1) {
            buf_c_mem(b, q, (size_t)(nl - q));
            buf_puts(b, "\\n\"\n    \"");
        }
        buf_c_string(b, q);
        buf_puts(b, "\",\n");
    }
    buf_puts(b, "};\n\n");
}

void gen_source(Ctx *c, Buf *out)
{
    Schema *s = &c->schema;
    Buf *b = out;
    buf_printf(b,
               "/* %s.c — generated by ormc %s from %s.  DO NOT EDIT. */\n"
               "#include \"%s.h\"\n\n#include <math.h>\n#include <stddef.h>\n"
               "#include <string.h>\n\n",
               s->base, ORMC_GEN_VERSION, s->base, s->base);
    for (int i = 0; i < s->nmodels; i++)
        emit_model(c, b, s->mv[i]);
    buf_puts(b, "/* ---- schema ---- */\n\n");
    emit_ddl(b, s->name, "ddl", c->ddl, c->nddl);
    emit_ddl(b, s->name, "pg_ddl", c->pg_ddl, c->npg_ddl);
    buf_printf(b, "static const ormc_model *const %s_models[] = {\n",
               s->name);
    for (int i = 0; i < s->nmodels; i++)
        buf_printf(b, "    &%s_model,\n", s->mv[i]->prefix);
    buf_puts(b, "};\n\n");
    buf_printf(b,
               "const ormc_schema %s_schema = {\n"
               "    \"%s\", %s_models, %d, %s_ddl, %d, %s_pg_ddl, %d,\n"
               "    \"%s\" /* fingerprint of the DDL */\n};\n\n",
               s->name, s->name, s->name, s->nmodels, s->name, c->nddl,
               s->name, c->npg_ddl, c->fingerprint);
    buf_printf(b,
               "int %s_schema_create(ormc_db *db)\n{\n"
               "    return ormc_schema_create(db, &%s_schema);\n}\n\n"
               "int %s_schema_check(ormc_db *db)\n{\n"
               "    return ormc_schema_check(db, &%s_schema);\n}\n\n"
               "int %s_schema_open(ormc_db *db, unsigned flags)\n{\n"
               "    return ormc_schema_open(db, &%s_schema, flags);\n}\n\n",
               s->name, s->name, s->name, s->name, s->name, s->name);
    for (int i = 0; i < s->nmodels; i++) {
        buf_printf(b, "/* ---- %s API ---- */\n\n", s->mv[i]->name);
        emit_crud(c, b, s->mv[i]);
        emit_query(c, b, s->mv[i]);
    }
}
