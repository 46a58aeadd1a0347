/*
 * orm.y — the grammar of .orm schema files.  It reads like the language
 * reference (docs/dsl.md): every action is one call into compiler/build.c.
 * Pure parser, locations on every token, no globals, %expect 0.
 * Semantic values live in the compile's arena, so nothing needs a
 * %destructor: error recovery leaks nothing.
 */
%code requires {
#include "build.h"
typedef void *yyscan_t;
#define YYLTYPE Loc
#define YYLLOC_DEFAULT(Cur, Rhs, N) \
    do { (Cur) = (N) ? YYRHSLOC(Rhs, 1) : YYRHSLOC(Rhs, 0); } while (0)
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
}

%code {
static void yyerror(const YYLTYPE *loc, yyscan_t scanner, Ctx *ctx,
                    const char *msg)
{
    (void)scanner;
    diag_error(ctx, *loc, "%s", msg);
}
}

%define api.pure full
%define parse.error custom
%locations
%expect 0
%lex-param {yyscan_t scanner}
%parse-param {yyscan_t scanner} {Ctx *ctx}

%union {
    const char *str;
    Field *field;
    Option *option;
    OptArg *arg;
    Default def;
    int action;
}

%token MODEL "'model'" UNIQUE "'unique'" INDEX "'index'" DEFAULT "'default'"
       RELATED "'related'" ON "'on'" DELETE "'delete'" CASCADE "'cascade'"
       SET "'set'" NUL "'null'" RESTRICT "'restrict'" NOW "'now'"
       TRUE "'true'" FALSE "'false'"
%token <str> IDENT "identifier" INT "integer" REAL "number" STRING "string"
             OPTION "model option"
%token LEXERROR "invalid token"

%type <str> name
%type <field> field type mods
%type <option> option
%type <arg> optarg optargs
%type <def> literal
%type <action> action

%%

schema:
      %empty
    | schema model
    | schema error '}'              { }
    ;

model:
      MODEL IDENT                   { build_model_begin(ctx, $2, @2); }
      '{' members '}'               { build_model_end(ctx); }
    | MODEL error '}'               { build_model_drop(ctx); }
    ;

members:
      %empty
    | members member
    ;

member:
      field                         { build_add_field(ctx, $1); }
    | option                        { build_add_option(ctx, $1); }
    | error                         { }
    ;

field:
      name mods                     { $$ = build_field(ctx, $1, @1, $2); }
    ;

type:
      IDENT                         { $$ = build_type(ctx, $1, @1); }
    | IDENT '(' INT ')'             { $$ = build_sized_type(ctx, $1, @1, $3, @3); }
    | type '?'                      { $$ = build_nullable(ctx, $1, @2); }
    ;

mods:
      type
    | mods UNIQUE                   { $$ = build_flag(ctx, $1, "unique", @2); }
    | mods INDEX                    { $$ = build_flag(ctx, $1, "index", @2); }
    | mods DEFAULT literal          { $$ = build_default(ctx, $1, $3, @2); }
    | mods RELATED name             { $$ = build_related(ctx, $1, $3, @2, @3); }
    | mods ON DELETE action         { $$ = build_on_delete(ctx, $1, $4, @2); }
    ;

action:
      CASCADE                       { $$ = OD_CASCADE; }
    | SET NUL                       { $$ = OD_SET_NULL; }
    | RESTRICT                      { $$ = OD_RESTRICT; }
    ;

literal:
      INT                           { $$ = build_int_literal(ctx, $1, false, @1); }
    | '-' INT                       { $$ = build_int_literal(ctx, $2, true, @1); }
    | REAL                          { $$ = build_real_literal(ctx, $1, false, @1); }
    | '-' REAL                      { $$ = build_real_literal(ctx, $2, true, @1); }
    | STRING                        { $$ = build_string_literal(ctx, $1, @1); }
    | TRUE                          { $$ = build_bool_literal(ctx, true, @1); }
    | FALSE                         { $$ = build_bool_literal(ctx, false, @1); }
    | NOW                           { $$ = build_now_literal(ctx, @1); }
    | NUL                           { $$ = build_null_literal(ctx, @1); }
    ;

option:
      OPTION '(' optargs ')'        { $$ = build_option(ctx, $1, @1, $3); }
    | OPTION                        { $$ = build_option(ctx, $1, @1, NULL); }
    ;

optargs:
      optarg
    | optargs ',' optarg            { $$ = build_arg_push($3, $1); }
    ;

optarg:
      name                          { $$ = build_arg(ctx, $1, @1, false, false); }
    | '-' name                      { $$ = build_arg(ctx, $2, @1, true, false); }
    | STRING                        { $$ = build_arg(ctx, $1, @1, false, true); }
    ;

/* Words that only mean something after 'on' or 'default' stay usable as
 * names; the six that start a modifier or a model are reserved. */
name:
      IDENT
    | DELETE                        { $$ = "delete"; }
    | CASCADE                       { $$ = "cascade"; }
    | SET                           { $$ = "set"; }
    | NUL                           { $$ = "null"; }
    | RESTRICT                      { $$ = "restrict"; }
    | NOW                           { $$ = "now"; }
    | TRUE                          { $$ = "true"; }
    | FALSE                         { $$ = "false"; }
    ;

%%

/* "unexpected X; expected A, B or C", naming the token as written. */
static int yyreport_syntax_error(const yypcontext_t *pc, yyscan_t scanner,
                                 Ctx *ctx)
{
    (void)scanner;
    enum { MAX = 8 };
    yysymbol_kind_t expected[MAX];
    int n = yypcontext_expected_tokens(pc, expected, MAX);
    yysymbol_kind_t got = yypcontext_token(pc);
    const char *names[MAX];
    int k = 0;
    bool ident = false;
    for (int i = 0; i < n; i++)
        ident |= expected[i] == YYSYMBOL_IDENT;
    for (int i = 0; i < n && k < MAX; i++) {
        yysymbol_kind_t s = expected[i];
        /* contextual keywords are names too: "identifier" covers them */
        if (ident && s >= YYSYMBOL_DELETE && s <= YYSYMBOL_FALSE)
            continue;
        names[k++] = yysymbol_name(s);
    }
    build_syntax_error(ctx, *yypcontext_location(pc),
                       got == YYSYMBOL_YYEOF ? NULL : yysymbol_name(got),
                       names, n < 0 || n == MAX ? 0 : k);
    return 0;
}
