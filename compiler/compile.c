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

struct ormcc_unit {
    Ctx c;
    char *header_name, *source_name;
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

int ormcc_check_with(const char *path, const char *text, size_t len,
                     FILE *diag, const ormcc_options *opt, ormcc_unit **out)
{
    *out = NULL;
    ormcc_unit *u = xmalloc(sizeof *u);
    memset(u, 0, sizeof *u);
    Ctx *c = &u->c;
    c->arena = arena_create();
    /* the unit outlives path and text: names live in the arena */
    c->file = arena_strdup(c->arena, path, strlen(path));
    c->text = text;
    c->len = len;
    c->diag = diag;
    c->json = opt && opt->json;
    c->color = opt && opt->color && !c->json;
    c->line = c->col = 1;
    if (len > MAX_INPUT) {
        diag_error(c, (Loc){1, 1}, "schema is larger than %u MiB",
                   MAX_INPUT >> 20);
    } else {
        parse_schema(c);
        if (!c->stopped)
            sema_check(c);
    }
    int nerrors = c->nerrors;
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

void ormcc_unit_free(ormcc_unit *u)
{
    if (!u)
        return;
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
