/*
 * build.h — what the grammar (grammar/orm.y, grammar/orm.l) calls: AST
 * constructors and lexer helpers.  The grammar knows nothing else.
 */
#ifndef ORMC_BUILD_H
#define ORMC_BUILD_H

#include "ctx.h"

/* ---- lexer helpers ---- */
/* Moves the position past `text`; sets *loc to where it starts. */
void lex_advance(Ctx *c, Loc *loc, const char *text, size_t n);
/* Copies token text into the arena and remembers it for syntax errors. */
const char *lex_text(Ctx *c, const char *text, size_t n);
/* Names are at most this long: generated C names stay readable and within
 * what every compiler and linker keeps significant. */
#define MAX_NAME 100
/* lex_text for identifiers; reports one longer than MAX_NAME. */
const char *lex_ident(Ctx *c, Loc loc, const char *text, size_t n);
/* Remembers the token text and returns it (truncated for messages). */
const char *lex_token(Ctx *c, const char *text, size_t n);
/* Unescapes a string literal body (\" \\ \n \t); reports bad escapes. */
const char *lex_string(Ctx *c, Loc loc, const char *body, size_t n);
void lex_error(Ctx *c, Loc loc, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Reports the stray byte(s) starting at scanner position `at`. */
void lex_stray(Ctx *c, Loc loc, const char *at);
void *lex_alloc(size_t n);
void *lex_realloc(void *p, size_t n);
void lex_free(void *p);

/* ---- parser actions ---- */
void build_syntax_error(Ctx *c, Loc loc, const char *got,
                        const char *const *expected, int n);
/* `import "path"` (loc: the string): appended to c->imports; refused
 * after the first model. */
void build_import(Ctx *c, const char *path, Loc loc);
void build_model_begin(Ctx *c, const char *name, Loc loc);
void build_model_end(Ctx *c);
void build_model_drop(Ctx *c);
void build_add_field(Ctx *c, Field *f);
void build_add_option(Ctx *c, Option *o);
Field *build_type(Ctx *c, const char *name, Loc loc);
Field *build_sized_type(Ctx *c, const char *name, Loc loc, const char *size,
                        Loc size_loc);
/* `Model[]`: a many-to-many relation (sema checks the type is a model). */
Field *build_many(Ctx *c, Field *f, Loc loc);
Field *build_nullable(Ctx *c, Field *f, Loc loc);
Field *build_flag(Ctx *c, Field *f, const char *flag, Loc loc);
Field *build_default(Ctx *c, Field *f, Default d, Loc loc);
Field *build_related(Ctx *c, Field *f, const char *name, Loc kw, Loc loc);
Field *build_through(Ctx *c, Field *f, const char *model, Loc kw, Loc loc);
Field *build_on_delete(Ctx *c, Field *f, int action, Loc loc);
/* `@name(args)` after a field's type: only @column("Name") is a field
 * option; any other is reported (an option goes on a line of its own). */
Field *build_field_option(Ctx *c, Field *f, const char *name, Loc loc,
                          OptArg *args);
Field *build_field(Ctx *c, const char *name, Loc loc, Field *f);
Default build_int_literal(Ctx *c, const char *digits, bool neg, Loc loc);
Default build_real_literal(Ctx *c, const char *text, bool neg, Loc loc);
Default build_string_literal(Ctx *c, const char *s, Loc loc);
Default build_bool_literal(Ctx *c, bool v, Loc loc);
Default build_now_literal(Ctx *c, Loc loc);
Default build_null_literal(Ctx *c, Loc loc);
Option *build_option(Ctx *c, const char *name, Loc loc, OptArg *args);
OptArg *build_arg(Ctx *c, const char *name, Loc loc, bool desc, bool is_string);
OptArg *build_arg_push(OptArg *arg, OptArg *list);

#endif
