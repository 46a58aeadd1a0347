/*
 * compile.c — the compiler library's entry point: parse, check, generate.
 */
#include "ctx.h"
#include "ormcc.h"

#include <stdlib.h>
#include <string.h>

/* Inputs larger than this are refused (flex buffers are int-sized). */
#define MAX_INPUT (64u << 20)

static char *dup_name(const char *base, const char *suffix)
{
    size_t a = strlen(base), b = strlen(suffix);
    char *s = malloc(a + b + 1);
    if (!s) {
        fputs("ormc: out of memory\n", stderr);
        exit(2);
    }
    memcpy(s, base, a);
    memcpy(s + a, suffix, b + 1);
    return s;
}

int ormcc_compile(const char *path, const char *text, size_t len, FILE *diag,
                  ormcc_output *out)
{
    memset(out, 0, sizeof *out);
    Ctx c;
    memset(&c, 0, sizeof c);
    c.arena = arena_create();
    c.file = path;
    c.text = text;
    c.len = len;
    c.diag = diag;
    c.line = c.col = 1;
    if (len > MAX_INPUT) {
        diag_error(&c, (Loc){1, 1}, "schema is larger than %u MiB",
                   MAX_INPUT >> 20);
    } else {
        parse_schema(&c);
        if (!c.stopped)
            sema_check(&c);
    }
    int nerrors = c.nerrors;
    if (nerrors == 0) {
        gen_ddl(&c);
        out->header.name = dup_name(c.schema.base, ".h");
        out->header.data = gen_header(&c, &out->header.len);
        out->source.name = dup_name(c.schema.base, ".c");
        out->source.data = gen_source(&c, &out->source.len);
    }
    arena_destroy(c.arena);
    return nerrors;
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
