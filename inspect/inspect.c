/*
 * inspect.c — `ormc inspect DB` (inspect.h): reads sqlite_master and the
 * table pragmas (table_info, foreign_key_list, index_list, index_info) of
 * an existing database and prints the .orm schema that reads it.
 *
 * Two passes: the first names a model for every table (relations may
 * point forward), the second writes each model, its fields (relations
 * with their related names) and options.  Output is deterministic: tables
 * in the order sqlite_master lists them, columns in table order.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "inspect.h"
#include "buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Col {
    char *name, *type, *dflt; /* type upper-cased; dflt NULL: none */
    bool notnull;
    int pk;                   /* position in the primary key, 0: none */
    char *field;              /* the field's name, NULL: not a field */
    int fk;                   /* its relation (index in Tab.fks), or -1 */
    bool unique, index;       /* a one-column UNIQUE / plain index */
} Col;

typedef struct Fk {
    int id, ncols;
    char *from, *table, *to, *on_delete;
} Fk;

typedef struct Tab {
    char *name, *sql;
    char *model, *prefix;     /* NULL: skipped (why in skip) */
    char *skip;
    Col *cols;
    int ncols;
    int id;                   /* the column serving as id, -1: rowid */
    const char *id_col;       /* its SQL name */
    Fk *fks;
    int nfks;
    char **names;             /* field and related names taken on it */
    int nnames;
} Tab;

typedef struct Ins {
    sqlite3 *db;
    Tab *tabs;
    int ntabs;
    char *err;
} Ins;

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fputs("ormc: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = xmalloc(strlen(s) + 1);
    memcpy(p, s, strlen(s) + 1);
    return p;
}

static char *fmt(const char *f, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *fmt(const char *f, ...)
{
    Buf x = {0};
    va_list ap;
    va_start(ap, f);
    buf_vprintf(&x, f, ap);
    va_end(ap);
    return buf_take(&x, NULL);
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* Whether upper-case `s` contains `w`. */
static bool has(const char *s, const char *w) { return strstr(s, w) != NULL; }

static char *upper(const char *s)
{
    char *u = xstrdup(s);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

/* An identifier ormc accepts: [A-Za-z_][A-Za-z0-9_]*. */
static bool ident(const char *s)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

/* A name @table, @id and @column accept (sema.c's rule). */
static bool sql_name(const char *s)
{
    return ident(s) && strlen(s) <= 128 && strncmp(s, "sqlite_", 7) != 0 &&
           strncmp(s, "SQLITE_", 7) != 0;
}

/* ormc's snake_case of a name (its rule for model prefixes, docs/dsl.md
 * section 2), with any byte but a letter or digit made '_'. */
static char *snake(const char *s)
{
    Buf b = {0};
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!isalnum(ch)) {
            buf_putc(&b, '_');
            continue;
        }
        if (isupper(ch) && i > 0 &&
            (islower((unsigned char)s[i - 1]) ||
             isdigit((unsigned char)s[i - 1]) ||
             (isupper((unsigned char)s[i - 1]) && i + 1 < n &&
              islower((unsigned char)s[i + 1]))))
            buf_putc(&b, '_');
        buf_putc(&b, (char)tolower(ch));
    }
    return buf_take(&b, NULL);
}

/* The CamelCase, singular-ish model name of a table: words split at '_'
 * and other non-alphanumerics, each capitalised, the last made singular
 * (ies -> y, sses/xes/ches/shes -> drop es, s -> drop, but not ss, us,
 * is); "T" before a name that does not start with a letter. */
static char *camel(const char *t)
{
    Buf b = {0};
    bool start = true;
    if (!isalpha((unsigned char)t[0]))
        buf_putc(&b, 'T');
    for (const char *p = t; *p; p++) {
        if (!isalnum((unsigned char)*p)) {
            start = true;
            continue;
        }
        buf_putc(&b, start ? (char)toupper((unsigned char)*p) : *p);
        start = false;
    }
    size_t n;
    char *s = buf_take(&b, &n);
#define ENDS(w) (n > strlen(w) + 1 && strcmp(s + n - strlen(w), w) == 0)
    if (ENDS("ies"))
        strcpy(s + n - 3, "y");
    else if (ENDS("sses") || ENDS("xes") || ENDS("ches") || ENDS("shes"))
        s[n - 2] = 0;
    else if (ENDS("s") && !ENDS("ss") && !ENDS("us") && !ENDS("is"))
        s[n - 1] = 0;
#undef ENDS
    return s;
}

/* The plural of a snake_case name, for a to-many related name. */
static char *plural(const char *s)
{
    int n = (int)strlen(s);
    if (n > 1 && s[n - 1] == 'y' && !strchr("aeiou", s[n - 2]))
        return fmt("%.*sies", n - 1, s);
    if (n > 0 && (s[n - 1] == 's' || s[n - 1] == 'x'))
        return fmt("%ses", s);
    return fmt("%ss", s);
}

/* Words a field or related name cannot be: the .orm reserved words, C11
 * and C++ keywords, and the members every generated struct has. */
static const char *const TAKEN[] = {
    "model", "unique", "index", "default", "related", "through", "on",
    "id", "rel", "delete", "restrict", "true", "false",
    "auto", "break", "case", "char", "const", "continue", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int",
    "long", "register", "return", "short", "signed", "sizeof", "static",
    "struct", "switch", "typedef", "union", "unsigned", "void", "volatile",
    "while", "bool", "alignas", "alignof", "and", "asm", "catch", "class",
    "compl", "concept", "constexpr", "decltype", "dynamic_cast", "explicit",
    "export", "friend", "mutable", "namespace", "new", "noexcept", "not",
    "nullptr", "operator", "or", "private", "protected", "public",
    "reinterpret_cast", "requires", "static_assert", "static_cast",
    "template", "this", "throw", "try", "typeid", "typename", "using",
    "virtual", "wchar_t", "xor", "errno", "assert", "offsetof", "NULL",
};

static bool taken_word(const char *s)
{
    for (size_t i = 0; i < sizeof TAKEN / sizeof TAKEN[0]; i++)
        if (strcmp(s, TAKEN[i]) == 0)
            return true;
    return false;
}

/* Claims a field or related name on t: `base`, else base_2, base_3...
 * (after a '_' when base is a reserved word).  Returns it (owned by t). */
static char *claim(Tab *t, const char *base)
{
    char *want = taken_word(base) || !base[0] ? fmt("%s_", base)
                                              : xstrdup(base);
    for (int n = 1;; n++) {
        char *name = n == 1 ? xstrdup(want) : NULL;
        if (!name) {
            char num[16];
            snprintf(num, sizeof num, "%d", n);
            name = fmt("%s_%s", want, num);
        }
        bool used = false;
        for (int i = 0; i < t->nnames && !used; i++)
            used = strcmp(t->names[i], name) == 0;
        if (!used) {
            free(want);
            t->names = realloc(t->names, (size_t)(t->nnames + 1) *
                                             sizeof *t->names);
            if (!t->names)
                exit(2);
            t->names[t->nnames++] = name;
            return name;
        }
        free(name);
    }
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? xstrdup((const char *)s) : NULL;
}

/* Prepares sql with `arg` bound to ?1 (if not NULL); NULL with ins->err
 * set on failure. */
static sqlite3_stmt *prep(Ins *ins, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ins->db, sql, -1, &st, NULL) != SQLITE_OK) {
        if (!ins->err)
            ins->err = fmt("cannot read the database: %s",
                           sqlite3_errmsg(ins->db));
        sqlite3_finalize(st);
        return NULL;
    }
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    return st;
}

/* ---- pass 1: tables, columns, keys, model names ---- */

static void read_columns(Ins *ins, Tab *t)
{
    sqlite3_stmt *st = prep(ins, "SELECT name, type, \"notnull\", dflt_value, "
                                 "pk FROM pragma_table_info(?1) ORDER BY cid",
                            t->name);
    if (!st)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        t->cols = realloc(t->cols, (size_t)(t->ncols + 1) * sizeof *t->cols);
        if (!t->cols)
            exit(2);
        Col *c = &t->cols[t->ncols++];
        memset(c, 0, sizeof *c);
        c->name = col_text(st, 0);
        char *ty = col_text(st, 1);
        c->type = upper(ty ? ty : "");
        free(ty);
        c->notnull = sqlite3_column_int(st, 2) != 0;
        c->dflt = col_text(st, 3);
        c->pk = sqlite3_column_int(st, 4);
        c->fk = -1;
    }
    sqlite3_finalize(st);
}

static void read_fks(Ins *ins, Tab *t)
{
    sqlite3_stmt *st = prep(ins, "SELECT id, \"from\", \"table\", \"to\", "
                                 "on_delete FROM pragma_foreign_key_list(?1) "
                                 "ORDER BY id, seq",
                            t->name);
    if (!st)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0);
        if (t->nfks && t->fks[t->nfks - 1].id == id) {
            t->fks[t->nfks - 1].ncols++;
            continue;
        }
        t->fks = realloc(t->fks, (size_t)(t->nfks + 1) * sizeof *t->fks);
        if (!t->fks)
            exit(2);
        Fk *f = &t->fks[t->nfks++];
        f->id = id;
        f->ncols = 1;
        f->from = col_text(st, 1);
        f->table = col_text(st, 2);
        f->to = col_text(st, 3);
        f->on_delete = upper(sqlite3_column_text(st, 4)
                                 ? (const char *)sqlite3_column_text(st, 4)
                                 : "NO ACTION");
    }
    sqlite3_finalize(st);
}

/* Which column is the id: the one INTEGER PRIMARY KEY (SQLite's rowid),
 * else the rowid itself; a WITHOUT ROWID table without it is skipped. */
static void find_id(Tab *t)
{
    int npk = 0, pk = -1;
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].pk) {
            npk++;
            pk = i;
        }
    char *sql = upper(t->sql ? t->sql : "");
    bool without_rowid = has(sql, "WITHOUT ROWID");
    free(sql);
    if (npk == 1 && strcmp(t->cols[pk].type, "INTEGER") == 0) {
        t->id = pk;
        t->id_col = t->cols[pk].name;
        return;
    }
    if (without_rowid) {
        t->skip = xstrdup("a WITHOUT ROWID table whose primary key is not one "
                          "INTEGER column: an ormc model needs an int64 id");
        return;
    }
    t->id = -1;
    t->id_col = "rowid";
}

/* Names t's model (unique among the models so far, by name and by
 * snake_case prefix); skips a table whose name @table cannot hold. */
static void name_model(Ins *ins, Tab *t)
{
    if (!sql_name(t->name)) {
        t->skip = xstrdup("its name is not at most 128 letters, digits "
                          "and '_'");
        return;
    }
    char *base = camel(t->name);
    for (int n = 1;; n++) {
        char num[16];
        snprintf(num, sizeof num, "%d", n);
        char *name = n == 1 ? xstrdup(base) : fmt("%s%s", base, num);
        char *pre = snake(name);
        bool used = false;
        for (int i = 0; i < ins->ntabs && !used; i++)
            used = ins->tabs[i].model &&
                   (strcmp(ins->tabs[i].model, name) == 0 ||
                    strcmp(ins->tabs[i].prefix, pre) == 0);
        if (!used) {
            t->model = name;
            t->prefix = pre;
            free(base);
            return;
        }
        free(name);
        free(pre);
    }
}

static Tab *find_tab(Ins *ins, const char *name)
{
    for (int i = 0; i < ins->ntabs; i++)
        if (ieq(ins->tabs[i].name, name))
            return &ins->tabs[i];
    return NULL;
}

/* ---- pass 2: fields, relations, options ---- */

/* How a column's declared type reads in ormc, SQLite's affinity rules
 * first: "int", "text(120)", ...; *note gets a comment when the
 * mapping is a guess. */
static char *field_type(const Col *c, const char **note)
{
    const char *t = c->type;
    *note = NULL;
    if (has(t, "BOOL")) {
        *note = "boolean: values must be 0 or 1";
        return xstrdup("bool");
    }
    if (has(t, "INT"))
        return xstrdup("int");
    if (has(t, "CHAR") || has(t, "CLOB") || has(t, "TEXT")) {
        const char *p = strchr(t, '(');
        long n = p ? strtol(p + 1, NULL, 10) : 0;
        if (n >= 1 && n <= 2147483647)
            return fmt("text(%ld)", n);
        return xstrdup("text");
    }
    if (!t[0]) {
        *note = "no declared type: read as blob";
        return xstrdup("blob");
    }
    if (has(t, "BLOB"))
        return xstrdup("blob");
    if (has(t, "REAL") || has(t, "FLOA") || has(t, "DOUB"))
        return xstrdup("real");
    if (has(t, "DATE") || has(t, "TIME")) {
        *note = "date/time: read as text (ormc's datetime is Unix seconds)";
        return xstrdup("text");
    }
    *note = "NUMERIC: read as real, decimals are not exact";
    return xstrdup("real");
}

/* A number as written: [-]digits, or [-]digits.digits when `real`. */
static bool number(const char *s, bool real)
{
    if (*s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    while (isdigit((unsigned char)*s))
        s++;
    if (real && *s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == 0;
}

/* " default X" for a column default ormc can write, "" for none; NULL
 * when there is one it cannot (then the caller writes a comment). */
static char *field_default(const Col *c, const char *type)
{
    const char *d = c->dflt;
    if (!d || ieq(d, "NULL"))
        return xstrdup("");
    while (*d == '(')
        d++; /* DEFAULT (0): pragma keeps the parentheses */
    size_t n = strlen(d);
    while (n && d[n - 1] == ')' && strchr(c->dflt, '('))
        n--;
    char *v = fmt("%.*s", (int)n, d);
    char *out = NULL;
    if (strcmp(type, "bool") == 0 && (strcmp(v, "0") == 0 ||
                                      strcmp(v, "1") == 0))
        out = fmt(" default %s", v[0] == '1' ? "true" : "false");
    else if ((strcmp(type, "int") == 0 || strcmp(type, "real") == 0) &&
             number(v, false))
        out = fmt(" default %s", v);
    else if (strcmp(type, "real") == 0 && number(v, true))
        out = fmt(" default %s", v);
    else if (strncmp(type, "text", 4) == 0 && n >= 2 && v[0] == '\'' &&
             v[n - 1] == '\'') {
        Buf b = {0};
        buf_puts(&b, " default \"");
        bool ok = true;
        for (size_t i = 1; i + 1 < n && ok; i++) {
            char ch = v[i];
            if (ch == '\'' && v[i + 1] == '\'')
                i++;
            if (ch == '"' || ch == '\\')
                buf_putc(&b, '\\');
            if (ch == '\n')
                buf_puts(&b, "\\n");
            else if (ch == '\t')
                buf_puts(&b, "\\t");
            else if ((unsigned char)ch < 0x20)
                ok = false;
            else
                buf_putc(&b, ch);
        }
        buf_putc(&b, '"');
        out = buf_take(&b, NULL);
        if (!ok) {
            free(out);
            out = NULL;
        }
    }
    free(v);
    return out;
}

/* The relation a column carries: the index of its one-column foreign key
 * to the id of a modelled table, else -1 (with *note saying why a key
 * was not kept). */
static int relation_of(Ins *ins, Tab *t, int ci, const char **note)
{
    for (int k = 0; k < t->nfks; k++) {
        Fk *f = &t->fks[k];
        if (!ieq(f->from, t->cols[ci].name))
            continue;
        Tab *to = find_tab(ins, f->table);
        if (f->ncols > 1)
            *note = "foreign key of several columns: not kept";
        else if (!to || !to->model)
            *note = "foreign key to a table without a model: not kept";
        else if (f->to && !ieq(f->to, to->id_col))
            *note = "foreign key to a column other than the id: not kept";
        else if (!has(t->cols[ci].type, "INT"))
            *note = "foreign key in a column that is not INTEGER: not kept";
        else
            return k;
        return -1;
    }
    return -1;
}

/* The field name of column c (snake_case; a relation's without its _id,
 * so that its member <name>_id is the column's snake_case). */
static char *field_base(const Col *c, bool relation)
{
    char *s = snake(c->name);
    size_t n = strlen(s);
    if (relation && n > 3 && strcmp(s + n - 3, "_id") == 0)
        s[n - 3] = 0;
    return s;
}

/* Marks the one-column indexes of t on its fields and writes its other
 * indexes into `opts` (as @index/@unique lines) or `notes`. */
static void read_indexes(Ins *ins, Tab *t, Buf *opts, Buf *notes)
{
    sqlite3_stmt *st = prep(ins, "SELECT name, \"unique\", origin, partial "
                                 "FROM pragma_index_list(?1) ORDER BY name",
                            t->name);
    if (!st)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        char *name = col_text(st, 0);
        bool unique = sqlite3_column_int(st, 1) != 0;
        char *origin = col_text(st, 2);
        bool partial = sqlite3_column_int(st, 3) != 0;
        sqlite3_stmt *ic = prep(ins, "SELECT cid FROM pragma_index_info(?1) "
                                     "ORDER BY seqno",
                                name);
        int cols[64], n = 0;
        bool expr = false, blob = false, lost = false;
        while (ic && sqlite3_step(ic) == SQLITE_ROW) {
            int cid = sqlite3_column_int(ic, 0);
            if (cid < 0 || cid >= t->ncols) {
                expr = true;
                continue;
            }
            if (n < 64)
                cols[n++] = cid;
            if (cid != t->id && !t->cols[cid].field)
                lost = true;
            else if (cid != t->id && strcmp(t->cols[cid].type, "BLOB") == 0)
                blob = true;
        }
        sqlite3_finalize(ic);
        if (n == 1 && cols[0] == t->id) {
            /* the id's own */
        } else if (partial || expr || lost || blob || n == 0 || n >= 64) {
            buf_printf(notes, "    // index %s not kept: %s\n", name,
                       partial ? "partial" : expr ? "on an expression"
                       : blob ? "on a blob" : "on a column without a field");
        } else if (n == 1) {
            Col *c = &t->cols[cols[0]];
            if (unique)
                c->unique = true;
            else if (c->fk < 0)
                c->index = true; /* a relation's is made by ormc anyway */
        } else {
            buf_printf(opts, "    @%s(", unique ? "unique" : "index");
            for (int i = 0; i < n; i++)
                buf_printf(opts, "%s%s", i ? ", " : "",
                           cols[i] == t->id ? "id" : t->cols[cols[i]].field);
            buf_puts(opts, ")\n");
        }
        free(name);
        free(origin);
    }
    sqlite3_finalize(st);
}

typedef struct Line {
    char *name, *type, *mods, *note;
} Line;

/* Names the fields of t and finds its relations, before any model is
 * written: related names on t must not take its field names. */
static void name_fields(Ins *ins, Tab *t)
{
    for (int i = 0; i < t->ncols; i++) {
        Col *c = &t->cols[i];
        if (i == t->id || !sql_name(c->name))
            continue; /* a bad name: write_model says so */
        const char *why = NULL;
        c->fk = relation_of(ins, t, i, &why);
        char *base = field_base(c, c->fk >= 0);
        c->field = claim(t, base);
        free(base);
    }
}

/* Writes model t (after name_fields of every table). */
static void write_model(Ins *ins, Tab *t, Buf *out)
{
    Line *lines = xmalloc((size_t)t->ncols * sizeof *lines);
    int nl = 0;
    Buf notes = {0}, opts = {0};
    for (int i = 0; i < t->ncols; i++)
        if (i != t->id && !t->cols[i].field)
            buf_printf(&notes, "    // column \"%s\" not kept: its name is "
                               "not letters, digits and '_'\n",
                       t->cols[i].name);
    read_indexes(ins, t, &opts, &notes);
    for (int i = 0; i < t->ncols; i++) {
        Col *c = &t->cols[i];
        if (!c->field)
            continue;
        Line *l = &lines[nl++];
        Buf mods = {0}, note = {0};
        const char *tnote = NULL;
        char *derived;
        if (c->fk >= 0) {
            Fk *f = &t->fks[c->fk];
            Tab *to = find_tab(ins, f->table);
            l->type = fmt("%s%s", to->model, c->notnull ? "" : "?");
            if (c->unique)
                buf_puts(&mods, " unique");
            /* a to-many reverse is the plural of the model; a unique key
             * is one-to-one, named by the model */
            char *base = c->unique ? xstrdup(t->prefix) : plural(t->prefix);
            int same = 0;
            for (int k = 0; k < t->ncols; k++)
                same += t->cols[k].fk >= 0 &&
                        ieq(t->fks[t->cols[k].fk].table, f->table);
            if (same > 1) { /* several keys to one model: say which */
                char *b2 = fmt("%s_as_%s", base, c->field);
                free(base);
                base = b2;
            }
            char *rel = claim(to, base);
            free(base);
            buf_printf(&mods, " related %s", rel);
            if (strcmp(f->on_delete, "CASCADE") == 0)
                buf_puts(&mods, " on delete cascade");
            else if (strcmp(f->on_delete, "SET NULL") == 0 && !c->notnull)
                buf_puts(&mods, " on delete set null");
            else if (strcmp(f->on_delete, "RESTRICT") != 0 &&
                     strcmp(f->on_delete, "NO ACTION") != 0)
                buf_printf(&note, "ON DELETE %s not kept", f->on_delete);
            if (c->dflt && !ieq(c->dflt, "NULL"))
                buf_printf(&note, "%sdefault %s not kept",
                           note.len ? "; " : "", c->dflt);
            derived = fmt("%s_id", c->field);
        } else {
            char *ty = field_type(c, &tnote);
            l->type = fmt("%s%s", ty, c->notnull ? "" : "?");
            if (c->unique)
                buf_puts(&mods, " unique");
            if (c->index)
                buf_puts(&mods, " index");
            char *d = field_default(c, ty);
            if (d)
                buf_puts(&mods, d);
            else
                buf_printf(&note, "default %s not kept", c->dflt);
            free(d);
            if (tnote)
                buf_printf(&note, "%s%s%s%s%s", note.len ? "; " : "", tnote,
                           c->type[0] ? " (" : "", c->type,
                           c->type[0] ? ")" : "");
            free(ty);
            derived = xstrdup(c->field);
        }
        if (strcmp(derived, c->name) != 0)
            buf_printf(&mods, " @column(\"%s\")", c->name);
        free(derived);
        l->name = c->field;
        l->mods = buf_take(&mods, NULL);
        l->note = buf_take(&note, NULL);
        /* why a foreign key of this column was not kept */
        const char *why = NULL;
        if (c->fk < 0 && relation_of(ins, t, i, &why) < 0 && why) {
            char *n2 = fmt("%s%s%s", l->note, l->note[0] ? "; " : "", why);
            free(l->note);
            l->note = n2;
        }
    }
    /* the model */
    if (t->id < 0)
        buf_printf(out, "// %s has no INTEGER PRIMARY KEY: the rowid serves "
                        "as id (VACUUM may renumber it)\n",
                   t->name);
    buf_printf(out, "model %s {\n", t->model);
    int wn = 0, wt = 0;
    for (int i = 0; i < nl; i++) {
        int a = (int)strlen(lines[i].name), b = (int)strlen(lines[i].type);
        wn = a > wn ? a : wn;
        wt = b > wt ? b : wt;
    }
    for (int i = 0; i < nl; i++) {
        Line *l = &lines[i];
        Buf x = {0};
        buf_printf(&x, "    %-*s  %s", wn, l->name, l->type);
        if (l->mods[0]) /* mods start with a space */
            buf_printf(&x, "%*s %s", wt - (int)strlen(l->type), "", l->mods);
        if (l->note[0])
            buf_printf(&x, "  // %s", l->note);
        char *s = buf_take(&x, NULL);
        buf_printf(out, "%s\n", s);
        free(s);
        free(l->type);
        free(l->mods);
        free(l->note);
    }
    if (strcmp(t->prefix, t->name) != 0)
        buf_printf(out, "    @table(\"%s\")\n", t->name);
    if (strcmp(t->id_col, "id") != 0)
        buf_printf(out, "    @id(\"%s\")\n", t->id_col);
    char *o = buf_take(&opts, NULL), *n = buf_take(&notes, NULL);
    buf_printf(out, "%s%s}\n", o, n);
    free(o);
    free(n);
    free(lines);
}

static char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return xstrdup(s ? s + 1 : path);
}

static void free_ins(Ins *ins)
{
    for (int i = 0; i < ins->ntabs; i++) {
        Tab *t = &ins->tabs[i];
        for (int k = 0; k < t->ncols; k++) {
            free(t->cols[k].name);
            free(t->cols[k].type);
            free(t->cols[k].dflt);
        }
        for (int k = 0; k < t->nfks; k++) {
            free(t->fks[k].from);
            free(t->fks[k].table);
            free(t->fks[k].to);
            free(t->fks[k].on_delete);
        }
        for (int k = 0; k < t->nnames; k++)
            free(t->names[k]);
        free(t->names);
        free(t->cols);
        free(t->fks);
        free(t->name);
        free(t->sql);
        free(t->model);
        free(t->prefix);
        free(t->skip);
    }
    free(ins->tabs);
    sqlite3_close(ins->db);
}

int inspect_db(const char *path, char **out, char **err)
{
    Ins ins = {0};
    *out = *err = NULL;
    if (sqlite3_open_v2(path, &ins.db, SQLITE_OPEN_READONLY, NULL) !=
        SQLITE_OK) {
        *err = fmt("cannot open %s: %s", path,
                   ins.db ? sqlite3_errmsg(ins.db) : "out of memory");
        sqlite3_close(ins.db);
        return 1;
    }
    sqlite3_stmt *st = prep(&ins,
                            "SELECT type, name, sql FROM sqlite_master WHERE "
                            "type IN ('table', 'view') AND name NOT LIKE "
                            "'sqlite\\_%' ESCAPE '\\' AND name <> 'ormc_meta' "
                            "ORDER BY rowid",
                            NULL);
    Buf skipped = {0};
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        char *type = col_text(st, 0), *name = col_text(st, 1);
        char *sql = col_text(st, 2);
        char *usql = upper(sql ? sql : "");
        if (strcmp(type, "view") == 0 || has(usql, "CREATE VIRTUAL")) {
            buf_printf(&skipped, "// %s %s: no model (ormc maps tables)\n",
                       strcmp(type, "view") == 0 ? "view" : "virtual table",
                       name);
            free(name);
            free(sql);
        } else {
            ins.tabs = realloc(ins.tabs,
                               (size_t)(ins.ntabs + 1) * sizeof *ins.tabs);
            if (!ins.tabs)
                exit(2);
            Tab *t = &ins.tabs[ins.ntabs];
            memset(t, 0, sizeof *t);
            t->name = name;
            t->sql = sql;
            ins.ntabs++;
        }
        free(type);
        free(usql);
    }
    if (st && sqlite3_finalize(st) != SQLITE_OK && !ins.err)
        ins.err = fmt("cannot read %s: %s", path, sqlite3_errmsg(ins.db));
    for (int i = 0; i < ins.ntabs && !ins.err; i++) {
        Tab *t = &ins.tabs[i];
        read_columns(&ins, t);
        read_fks(&ins, t);
        find_id(t);
        if (!t->skip)
            name_model(&ins, t);
    }
    for (int i = 0; i < ins.ntabs && !ins.err; i++)
        if (!ins.tabs[i].skip)
            name_fields(&ins, &ins.tabs[i]);
    Buf b = {0};
    char *base = base_name(path);
    buf_printf(&b,
               "// The tables of %s, as ormc inspect reads them: review the\n"
               "// names, related names and comments before use.\n",
               base);
    free(base);
    char *sk = buf_take(&skipped, NULL);
    buf_puts(&b, sk);
    free(sk);
    for (int i = 0; i < ins.ntabs && !ins.err; i++) {
        Tab *t = &ins.tabs[i];
        if (t->skip) {
            buf_printf(&b, "\n// table %s: no model, %s\n", t->name, t->skip);
            continue;
        }
        buf_putc(&b, '\n');
        write_model(&ins, t, &b);
    }
    char *text = buf_take(&b, NULL);
    if (ins.err) {
        *err = ins.err;
        free(text);
        free_ins(&ins);
        return 1;
    }
    free_ins(&ins);
    if (!ins.ntabs) {
        free(text);
        *err = fmt("%s has no tables to inspect", path);
        return 1;
    }
    *out = text;
    return 0;
}
