/*
 * build.c — AST construction for the grammar, and the lexer's helpers.
 * Each function does one small thing the grammar names.
 */
#include "build.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- lexer ---- */

void lex_advance(Ctx *c, Loc *loc, const char *text, size_t n)
{
    loc->line = c->line;
    loc->col = c->col;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\n') {
            c->line++;
            c->col = 1;
        } else {
            c->col++;
        }
    }
}

/* The input at scanner position p: the scanner reads c->scan, a copy of
 * c->text with NUL bytes replaced, and NUL bytes matter in a string. */
static const char *input_at(const Ctx *c, const char *p)
{
    return c->scan ? c->text + (p - c->scan) : p;
}

const char *lex_token(Ctx *c, const char *text, size_t n)
{
    text = input_at(c, text);
    size_t k = n < sizeof c->tok - 4 ? n : sizeof c->tok - 4;
    memcpy(c->tok, text, k);
    strcpy(c->tok + k, k < n ? "..." : "");
    return c->tok;
}

const char *lex_ident(Ctx *c, Loc loc, const char *text, size_t n)
{
    if (n > MAX_NAME)
        diag_error(c, loc, "name '%.20s...' is %zu characters long; names "
                           "have at most %d",
                   text, n, MAX_NAME);
    return lex_text(c, text, n);
}

const char *lex_text(Ctx *c, const char *text, size_t n)
{
    lex_token(c, text, n);
    return arena_strdup(c->arena, text, n);
}

const char *lex_string(Ctx *c, Loc loc, const char *body, size_t n)
{
    lex_token(c, body - 1, n + 2);
    body = input_at(c, body);
    const char *nul = memchr(body, '\0', n);
    if (nul)
        diag_error(c, (Loc){loc.line, loc.col + 1 + (int)(nul - body)},
                   "string contains a NUL byte");
    char *out = arena_zalloc(c->arena, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (body[i] != '\\') {
            *o++ = body[i];
            continue;
        }
        char e = body[++i];
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        default: {
            Loc at = {loc.line, loc.col + (int)i};
            diag_error(c, at,
                       "unknown escape sequence '\\%c' in string (use \\\", "
                       "\\\\, \\n or \\t)",
                       e);
        }
        }
    }
    return out;
}

void lex_error(Ctx *c, Loc loc, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(c, loc, "%s", msg);
}

void lex_stray(Ctx *c, Loc loc, const char *at)
{
    unsigned char ch = (unsigned char)*input_at(c, at);
    if (ch == ':' || ch == '=')
        diag_error(c, loc,
                   "unexpected character '%c' (a field is written "
                   "'name type', e.g. 'title text')",
                   ch);
    else if (ch == ';')
        diag_error(c, loc,
                   "unexpected character ';' (a field ends at the end of its "
                   "line: no separator is needed)");
    else if (ch >= 0x20 && ch < 0x7f)
        diag_error(c, loc, "unexpected character '%c'", ch);
    else
        diag_error(c, loc, "unexpected byte 0x%02x", ch);
}

void *lex_alloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("ormc: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

void *lex_realloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        fputs("ormc: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

void lex_free(void *p) { free(p); }

/* ---- parser ---- */

void build_syntax_error(Ctx *c, Loc loc, const char *got,
                        const char *const *expected, int n)
{
    char what[96];
    if (!got)
        snprintf(what, sizeof what, "end of file");
    else if (strcmp(got, "identifier") == 0 || strcmp(got, "integer") == 0 ||
             strcmp(got, "number") == 0 || strcmp(got, "string") == 0 ||
             strcmp(got, "model option") == 0)
        snprintf(what, sizeof what, "%s '%s'", got, c->tok);
    else if (strcmp(got, "invalid token") == 0)
        return; /* the lexer has reported it */
    else
        snprintf(what, sizeof what, "%s", got);
    char list[256] = "";
    for (int i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
        strncat(list, sep, sizeof list - strlen(list) - 1);
        strncat(list, expected[i], sizeof list - strlen(list) - 1);
    }
    if (n)
        diag_error(c, loc, "syntax error: unexpected %s; expected %s", what,
                   list);
    else
        diag_error(c, loc, "syntax error: unexpected %s", what);
}

void build_model_begin(Ctx *c, const char *name, Loc loc)
{
    Model *m = arena_zalloc(c->arena, sizeof *m);
    m->name = name;
    m->loc = loc;
    m->file = c->file;
    c->cur = m;
    c->cur_ftail = NULL;
    c->cur_otail = NULL;
}

void build_model_end(Ctx *c)
{
    Model *m = c->cur;
    c->cur = NULL;
    if (!m)
        return;
    if (c->models_tail)
        c->models_tail->next = m;
    else
        c->models = m;
    c->models_tail = m;
}

void build_model_drop(Ctx *c) { c->cur = NULL; }

void build_import(Ctx *c, const char *path, Loc loc)
{
    if (c->models || c->cur) {
        diag_error(c, loc,
                   "'import' must come before the first model: move it to "
                   "the top of the file");
        return;
    }
    if (!*path) {
        diag_error(c, loc, "import of an empty path: name a schema file "
                           "(e.g. import \"other.orm\")");
        return;
    }
    Import *im = arena_zalloc(c->arena, sizeof *im);
    im->path = path;
    im->loc = loc;
    if (c->imports_tail)
        c->imports_tail->next = im;
    else
        c->imports = im;
    c->imports_tail = im;
}

void build_add_field(Ctx *c, Field *f)
{
    if (!c->cur || !f)
        return;
    if (c->cur_ftail)
        c->cur_ftail->next = f;
    else
        c->cur->fields = f;
    c->cur_ftail = f;
}

void build_add_option(Ctx *c, Option *o)
{
    if (!c->cur || !o)
        return;
    if (c->cur_otail)
        c->cur_otail->next = o;
    else
        c->cur->options = o;
    c->cur_otail = o;
}

Field *build_type(Ctx *c, const char *name, Loc loc)
{
    Field *f = arena_zalloc(c->arena, sizeof *f);
    f->type_name = name;
    f->type_loc = loc;
    return f;
}

/* Parses a non-negative decimal; false on overflow. */
static bool parse_u63(const char *digits, uint64_t limit, uint64_t *out)
{
    uint64_t v = 0;
    for (const char *p = digits; *p; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

Field *build_sized_type(Ctx *c, const char *name, Loc loc, const char *size,
                        Loc size_loc)
{
    Field *f = build_type(c, name, loc);
    uint64_t v;
    f->has_size = true;
    f->size_loc = size_loc;
    f->size = parse_u63(size, INT64_MAX, &v) ? (int64_t)v : INT64_MAX;
    return f;
}

Field *build_many(Ctx *c, Field *f, Loc loc)
{
    if (f->many)
        diag_error(c, loc, "'[]' given twice");
    f->many = true;
    return f;
}

Field *build_nullable(Ctx *c, Field *f, Loc loc)
{
    if (f->nullable)
        diag_error(c, loc, "'?' given twice");
    else
        f->nullable_loc = loc;
    f->nullable = true;
    return f;
}

Field *build_flag(Ctx *c, Field *f, const char *flag, Loc loc)
{
    bool *b = flag[0] == 'u' ? &f->unique : &f->index;
    if (*b)
        diag_error(c, loc, "'%s' given twice", flag);
    *b = true;
    if (flag[0] == 'u')
        f->unique_loc = loc;
    else
        f->index_loc = loc;
    return f;
}

Field *build_default(Ctx *c, Field *f, Default d, Loc loc)
{
    if (f->def.kind != DEF_NONE)
        diag_error(c, loc, "'default' given twice");
    f->def = d;
    return f;
}

Field *build_related(Ctx *c, Field *f, const char *name, Loc kw, Loc loc)
{
    if (f->related)
        diag_error(c, kw, "'related' given twice");
    f->related = name;
    f->related_loc = loc;
    return f;
}

Field *build_through(Ctx *c, Field *f, const char *model, Loc kw, Loc loc)
{
    if (f->through)
        diag_error(c, kw, "'through' given twice");
    f->through = model;
    f->through_loc = loc;
    return f;
}

Field *build_on_delete(Ctx *c, Field *f, int action, Loc loc)
{
    if (f->on_delete != OD_NONE)
        diag_error(c, loc, "'on delete' given twice");
    f->on_delete = (OnDelete)action;
    f->on_delete_loc = loc;
    return f;
}

Field *build_field_option(Ctx *c, Field *f, const char *name, Loc loc,
                          OptArg *args)
{
    if (strcmp(name, "column") != 0) {
        diag_error(c, loc,
                   "syntax error: unexpected option '@%s' after a field; an "
                   "option goes on a line of its own",
                   name);
        return f;
    }
    /* args arrive newest first: one string is the only valid form */
    if (!args || !args->is_string || args->next) {
        diag_error(c, loc,
                   "@column takes one string, e.g. @column(\"ArtistId\")");
        return f;
    }
    if (f->column_opt) {
        diag_error(c, loc, "'@column' given twice");
        return f;
    }
    f->column_opt = args->name;
    f->column_loc = args->loc;
    return f;
}

Field *build_field(Ctx *c, const char *name, Loc loc, Field *f)
{
    (void)c;
    f->name = name;
    f->loc = loc;
    return f;
}

Default build_int_literal(Ctx *c, const char *digits, bool neg, Loc loc)
{
    Default d = {.kind = DEF_INT, .loc = loc};
    uint64_t v;
    if (!parse_u63(digits, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v)) {
        diag_error(c, loc,
                   "integer literal %s%.30s%s is out of range for int64 "
                   "(-9223372036854775808 to 9223372036854775807)",
                   neg ? "-" : "", digits, strlen(digits) > 30 ? "..." : "");
        return d;
    }
    d.i = neg ? (int64_t)(0 - v) : (int64_t)v;
    d.r = (double)d.i;
    return d;
}

Default build_real_literal(Ctx *c, const char *text, bool neg, Loc loc)
{
    Default d = {.kind = DEF_REAL, .loc = loc};
    errno = 0;
    d.r = strtod(text, NULL);
    /* overflow, or a non-zero number that underflows to zero; subnormal
     * numbers are fine */
    bool nonzero = strcspn(text, "123456789") < strcspn(text, "eE");
    if (errno == ERANGE && (isinf(d.r) || (d.r == 0 && nonzero)))
        diag_error(c, loc, "number %s%.30s%s is out of range for real",
                   neg ? "-" : "", text, strlen(text) > 30 ? "..." : "");
    if (neg)
        d.r = -d.r;
    d.spelling = neg ? arena_printf(c->arena, "-%s", text) : text;
    return d;
}

Default build_string_literal(Ctx *c, const char *s, Loc loc)
{
    (void)c;
    return (Default){.kind = DEF_STRING, .loc = loc, .s = s};
}

Default build_bool_literal(Ctx *c, bool v, Loc loc)
{
    (void)c;
    return (Default){.kind = DEF_BOOL, .loc = loc, .i = v};
}

Default build_now_literal(Ctx *c, Loc loc)
{
    (void)c;
    return (Default){.kind = DEF_NOW, .loc = loc};
}

Default build_null_literal(Ctx *c, Loc loc)
{
    (void)c;
    return (Default){.kind = DEF_NULL, .loc = loc};
}

Option *build_option(Ctx *c, const char *name, Loc loc, OptArg *args)
{
    Option *o = arena_zalloc(c->arena, sizeof *o);
    o->name = name;
    o->loc = loc;
    /* args arrive newest first: reverse them */
    OptArg *prev = NULL;
    while (args) {
        OptArg *next = args->next;
        args->next = prev;
        prev = args;
        args = next;
    }
    o->args = prev;
    return o;
}

OptArg *build_arg(Ctx *c, const char *name, Loc loc, bool desc, bool is_string)
{
    OptArg *a = arena_zalloc(c->arena, sizeof *a);
    a->name = name;
    a->loc = loc;
    a->desc = desc;
    a->is_string = is_string;
    return a;
}

OptArg *build_arg_push(OptArg *arg, OptArg *list)
{
    arg->next = list;
    return arg;
}
