/*
 * compile.c — the compiler library's entry points: parse and check
 * (ormcc_check), generate (ormcc_emit_*, streaming: the header, the source
 * or the DDL), or both at once into memory (ormcc_compile).
 */
#include "buf.h"
#include "ctx.h"
#include "migrate.h"
#include "ormcc.h"

#include <stdlib.h>
#include <string.h>

/* Inputs larger than this are refused (flex buffers are int-sized). */
#define MAX_INPUT (64u << 20)

/* Imports deeper than this are refused (a cycle through a symbolic link
 * gives ever new paths). */
#define MAX_IMPORT_DEPTH 64

typedef struct Loader Loader;

struct ormcc_unit {
    Ctx c;
    char *header_name, *source_name;
    Loader *loader; /* the top unit of a check: every file it read */
};

/* One file of a check: the top schema (index 0, unit NULL) and each
 * imported file, once, in the order first imported. */
typedef struct Loaded {
    char *file;        /* normalized path */
    ormcc_unit *unit;  /* its checked schema; NULL: failed (or the top) */
    bool loading;      /* still being checked: importing it is a cycle */
} Loaded;

struct Loader {
    FILE *diag;
    const ormcc_options *opt; /* NULL: the default */
    Loaded *v;
    size_t n, cap;
    int depth;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("ormc: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static void free_loader(ormcc_unit *u);

static char *dup_name(const char *base, const char *suffix)
{
    size_t a = strlen(base), b = strlen(suffix);
    char *s = xmalloc(a + b + 1);
    memcpy(s, base, a);
    memcpy(s + a, suffix, b + 1);
    return s;
}

int ormcc_check(const char *path, const char *text, size_t len, FILE *diag,
                ormcc_unit **out)
{
    return ormcc_check_with(path, text, len, diag, NULL, out);
}

/* path with "." segments and "dir/.." pairs removed, as a new string.
 * Lexical only (a symbolic link is not followed). */
static char *normalize(const char *path)
{
    size_t n = strlen(path);
    char *out = xmalloc(n + 2), *o = out;
    const char **seg = xmalloc((n / 2 + 2) * sizeof *seg);
    size_t *len = xmalloc((n / 2 + 2) * sizeof *len);
    size_t nseg = 0;
    bool abs = path[0] == '/';
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t l = (size_t)(e - p);
        if (l == 1 && p[0] == '.') {
            /* skip */
        } else if (l == 2 && p[0] == '.' && p[1] == '.' && nseg &&
                   !(len[nseg - 1] == 2 && seg[nseg - 1][0] == '.' &&
                     seg[nseg - 1][1] == '.')) {
            nseg--;
        } else if (l) {
            seg[nseg] = p;
            len[nseg++] = l;
        }
        p = e;
    }
    if (abs)
        *o++ = '/';
    for (size_t i = 0; i < nseg; i++) {
        if (i)
            *o++ = '/';
        memcpy(o, seg[i], len[i]);
        o += len[i];
    }
    if (o == out)
        *o++ = '.';
    *o = '\0';
    free(seg);
    free(len);
    return out;
}

/* dir (up to dirlen bytes; none: 0) joined with path, normalized. */
static char *join_path(const char *dir, size_t dirlen, const char *path)
{
    if (path[0] == '/' || dirlen == 0)
        return normalize(path);
    size_t n = strlen(path);
    char *j = xmalloc(dirlen + n + 2);
    memcpy(j, dir, dirlen);
    j[dirlen] = '/';
    memcpy(j + dirlen + 1, path, n + 1);
    char *r = normalize(j);
    free(j);
    return r;
}

static bool readable(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* The whole file at path (NUL-terminated, *len bytes), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            if (cap > MAX_INPUT)
                break; /* ormcc_check_with refuses it */
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static size_t push_loaded(Loader *L, char *file)
{
    if (L->n == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 8;
        Loaded *v = realloc(L->v, L->cap * sizeof *v);
        if (!v) {
            fputs("ormc: out of memory\n", stderr);
            exit(2);
        }
        L->v = v;
    }
    L->v[L->n] = (Loaded){file, NULL, true};
    return L->n++;
}

static int check_unit(Loader *L, const char *path, const char *text,
                      size_t len, ormcc_unit **out);

/* Finds, reads and checks each import of c (see ormcc.h), setting
 * im->file and im->unit.  Returns the number of errors in the imported
 * files; *failed: some import is unusable (those reported here, at the
 * import, are counted in c->nerrors). */
static int load_imports(Loader *L, Ctx *c, bool *failed)
{
    int errors = 0;
    *failed = false;
    const char *slash = strrchr(c->file, '/');
    size_t dirlen = slash ? (size_t)(slash - c->file) + (slash == c->file)
                          : 0;
    for (Import *im = c->imports; im; im = im->next) {
        char *first = join_path(c->file, dirlen, im->path), *file = NULL;
        if (readable(first))
            file = first;
        size_t ndirs = L->opt ? L->opt->nimport_dirs : 0;
        for (size_t i = 0; !file && i < ndirs && im->path[0] != '/'; i++) {
            const char *d = L->opt->import_dirs[i];
            char *cand = join_path(d, strlen(d), im->path);
            if (readable(cand))
                file = cand;
            else
                free(cand);
        }
        if (!file) {
            diag_error(c, im->loc,
                       "imported file '%s' not found: looked for '%s'%s",
                       im->path, first,
                       ndirs ? " and in the -I directories" : "");
            free(first);
            *failed = true;
            continue;
        }
        if (file != first)
            free(first);
        im->file = arena_strdup(c->arena, file, strlen(file));
        size_t k = 0;
        while (k < L->n && strcmp(L->v[k].file, file) != 0)
            k++;
        if (k < L->n) {
            free(file);
            if (L->v[k].loading) {
                /* the files still loading are the chain of imports that
                 * led here, in order, from the top schema */
                char chain[600];
                size_t n = 0;
                for (size_t i = k; i < L->n && n < 500; i++)
                    if (L->v[i].loading)
                        n += (size_t)snprintf(chain + n, sizeof chain - n,
                                              "%s -> ", L->v[i].file);
                snprintf(chain + n, sizeof chain - n, "%s", L->v[k].file);
                diag_error(c, im->loc,
                           "import cycle: %s; a schema cannot import itself, "
                           "directly or not", chain);
                *failed = true;
            } else if (!L->v[k].unit) {
                *failed = true; /* its errors were reported when it was read */
            } else {
                im->unit = &L->v[k].unit->c;
            }
            continue;
        }
        if (L->depth >= MAX_IMPORT_DEPTH) {
            diag_error(c, im->loc,
                       "imports nest more than %d files deep (an import "
                       "cycle through a symbolic link?)", MAX_IMPORT_DEPTH);
            free(file);
            *failed = true;
            continue;
        }
        size_t len;
        char *text = slurp(file, &len);
        if (!text) {
            diag_error(c, im->loc, "cannot read imported file '%s'", file);
            free(file);
            *failed = true;
            continue;
        }
        k = push_loaded(L, file);
        ormcc_unit *sub;
        L->depth++;
        int sub_errors = check_unit(L, L->v[k].file, text, len, &sub);
        L->depth--;
        free(text);
        L->v[k].loading = false;
        L->v[k].unit = sub;
        if (sub_errors) {
            errors += sub_errors;
            *failed = true;
        } else
            im->unit = &sub->c;
    }
    return errors;
}

/* ormcc_check_with for one file of L: parse, load the imports, check. */
static int check_unit(Loader *L, const char *path, const char *text,
                      size_t len, ormcc_unit **out)
{
    *out = NULL;
    ormcc_unit *u = xmalloc(sizeof *u);
    memset(u, 0, sizeof *u);
    Ctx *c = &u->c;
    const ormcc_options *opt = L->opt;
    c->arena = arena_create();
    /* the unit outlives path and text: names live in the arena */
    c->file = arena_strdup(c->arena, path, strlen(path));
    c->text = text;
    c->len = len;
    c->diag = L->diag;
    c->json = opt && opt->json;
    c->color = opt && opt->color && !c->json;
    c->line = c->col = 1;
    int import_errors = 0;
    bool failed = false;
    if (len > MAX_INPUT) {
        diag_error(c, (Loc){1, 1}, "schema is larger than %u MiB",
                   MAX_INPUT >> 20);
    } else {
        parse_schema(c);
        if (!c->stopped)
            import_errors = load_imports(L, c, &failed);
        /* with an import missing, its models would be unknown names */
        if (!c->stopped && !failed)
            sema_check(c);
    }
    int nerrors = c->nerrors + import_errors;
    if (failed && !nerrors)
        nerrors = 1; /* a file whose errors another import reported */
    c->text = NULL; /* generation reports nothing: the text is not needed */
    c->len = 0;
    c->diag = NULL;
    if (nerrors) {
        ormcc_unit_free(u);
        return nerrors;
    }
    gen_ddl(c);
    u->header_name = dup_name(c->schema.base, ".h");
    u->source_name = dup_name(c->schema.base, ".c");
    *out = u;
    return 0;
}

int ormcc_check_with(const char *path, const char *text, size_t len,
                     FILE *diag, const ormcc_options *opt, ormcc_unit **out)
{
    Loader *L = xmalloc(sizeof *L);
    memset(L, 0, sizeof *L);
    L->diag = diag;
    L->opt = opt;
    push_loaded(L, normalize(path));
    int nerrors = check_unit(L, path, text, len, out);
    L->v[0].loading = false;
    if (*out) {
        (*out)->loader = L;
        return 0;
    }
    ormcc_unit tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.loader = L;
    free_loader(&tmp);
    return nerrors;
}

size_t ormcc_import_count(const ormcc_unit *u)
{
    return u->loader ? u->loader->n - 1 : 0;
}

const char *ormcc_import(const ormcc_unit *u, size_t i)
{
    return u->loader->v[i + 1].file;
}

const char *ormcc_header_name(const ormcc_unit *u)
{
    return u->header_name;
}

const char *ormcc_source_name(const ormcc_unit *u)
{
    return u->source_name;
}

int ormcc_emit_header(ormcc_unit *u, ormcc_write_fn write, void *arg)
{
    Buf b;
    buf_stream(&b, write, arg);
    gen_header(&u->c, &b);
    return buf_finish(&b);
}

int ormcc_emit_source(ormcc_unit *u, ormcc_write_fn write, void *arg)
{
    Buf b;
    buf_stream(&b, write, arg);
    gen_source(&u->c, &b);
    return buf_finish(&b);
}

int ormcc_emit_sql(ormcc_unit *u, ormcc_dialect dialect, ormcc_write_fn write,
                   void *arg)
{
    Buf b;
    buf_stream(&b, write, arg);
    bool pg = dialect == ORMCC_POSTGRESQL;
    const char **ddl = pg ? u->c.pg_ddl : u->c.ddl;
    int n = pg ? u->c.npg_ddl : u->c.nddl;
    for (int i = 0; i < n; i++) {
        buf_puts(&b, ddl[i]);
        buf_puts(&b, ";\n");
    }
    return buf_finish(&b);
}

int ormcc_diff(ormcc_unit *from, ormcc_unit *to, const ormcc_diff_options *opt,
               FILE *diag, ormcc_write_fn write, void *arg, int *write_err)
{
    *write_err = 0;
    char *script;
    size_t len;
    int errors = migrate_script(&from->c, &to->c, opt, diag, &script, &len);
    if (errors)
        return errors;
    *write_err = write(arg, script, len);
    free(script);
    return 0;
}

/* Frees what u->loader holds: the imported units and the paths. */
static void free_loader(ormcc_unit *u)
{
    Loader *L = u->loader;
    if (!L)
        return;
    for (size_t i = 0; i < L->n; i++) {
        ormcc_unit_free(L->v[i].unit);
        free(L->v[i].file);
    }
    free(L->v);
    free(L);
    u->loader = NULL;
}

void ormcc_unit_free(ormcc_unit *u)
{
    if (!u)
        return;
    free_loader(u);
    arena_destroy(u->c.arena);
    free(u->header_name);
    free(u->source_name);
    free(u);
}

int ormcc_compile(const char *path, const char *text, size_t len, FILE *diag,
                  ormcc_output *out)
{
    memset(out, 0, sizeof *out);
    ormcc_unit *u;
    int nerrors = ormcc_check(path, text, len, diag, &u);
    if (nerrors)
        return nerrors;
    Buf b = {0};
    gen_header(&u->c, &b);
    out->header.data = buf_take(&b, &out->header.len);
    gen_source(&u->c, &b);
    out->source.data = buf_take(&b, &out->source.len);
    out->header.name = u->header_name;
    out->source.name = u->source_name;
    u->header_name = u->source_name = NULL;
    ormcc_unit_free(u);
    return 0;
}

void ormcc_output_free(ormcc_output *out)
{
    if (!out)
        return;
    free(out->header.name);
    free(out->header.data);
    free(out->source.name);
    free(out->source.data);
    memset(out, 0, sizeof *out);
}
