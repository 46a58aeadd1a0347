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

/* A model body ended by the next 'model' or by the end of the file. */
static void unclosed_model(Ctx *ctx, Loc at, int next);
/* `Model A`, `modle A`, `table A` where 'model A' belongs: reports it;
 * true if `word` is a misspelt 'model' (then the model is kept). */
static bool not_model(Ctx *ctx, const char *word, Loc at);
}

%define api.pure full
%define parse.error custom
/* an error is found in the state that knows what was expected there (an
 * unknown word after a type is reported as a modifier, not as a token
 * that cannot follow a finished field) */
%define lr.default-reduction consistent
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

%token MODEL "'model'" IMPORT "'import'" UNIQUE "'unique'" INDEX "'index'" DEFAULT "'default'"
       RELATED "'related'" THROUGH "'through'" ON "'on'"
       DELETE "'delete'" CASCADE "'cascade'"
       SET "'set'" NUL "'null'" RESTRICT "'restrict'" NOW "'now'"
       TRUE "'true'" FALSE "'false'"
%token <str> IDENT "identifier" INT "integer" REAL "number" STRING "string"
             OPTION "model option"
%token LEXERROR "invalid token"
/* the end of a field or option: the lexer's yylex puts it at the end of
 * the line, before a '}' on the same line and at the end of the file */
%token EOL "end of line"

/* A model missing its '}' ends at the next 'model' or the end of the
 * file; an error inside its body is recovered from inside the body, and an
 * identifier there is a field (not a misspelt 'model'). */ 
%precedence UNCLOSED
%precedence error IDENT IMPORT

%type <str> name
%type <field> field type mods
%type <option> option
%type <arg> optarg optargs
%type <def> literal
%type <action> action

%%

schema:
      %empty
    | schema import
    | schema model
    | schema error '}'              { }
    ;

/* Error recovery keeps what it can, so one mistake reports one error:
 * a model whose header or body is broken still exists (relations to it
 * resolve), so does one introduced by a misspelt 'model' ("modle A {"), a
 * model missing its '}' ends at the next 'model' or at the end of the
 * file, and a broken field keeps its name (options naming it resolve);
 * sema skips a field whose type is NULL. */
model:
      model_head '{' members '}'    { build_model_end(ctx); }
    | model_head '{' members %prec UNCLOSED
                                    { if (!YYRECOVERING())
                                          unclosed_model(ctx, yylloc, yychar);
                                      build_model_end(ctx); }
    | model_head error '}'          { build_model_end(ctx); }
    | MODEL error '}'               { build_model_drop(ctx); }
    ;

/* `import "other.orm"`: before the first model (build_import says so). */
import:
      IMPORT STRING                 { build_import(ctx, $2, @2); }
    ;

model_head:
      MODEL IDENT                   { build_model_begin(ctx, $2, @2); }
    | IDENT                         { if (!not_model(ctx, $1, @1))
                                          YYERROR; /* skip to '}' */ }
      IDENT                         { build_model_begin(ctx, $3, @3); }
    ;

/* A member ends at the end of its line (EOL): an error is recovered from
 * there, and the next line is parsed afresh (yyerrok), so a broken line
 * neither hides the errors of the next one nor makes errors there. */
members:
      %empty
    | members member EOL            { yyerrok; }
    | members error EOL             { yyerrok; }
    ;

member:
      field                         { build_add_field(ctx, $1); }
    | option                        { build_add_option(ctx, $1); }
    | name error                    { build_add_field(ctx, build_field(ctx, $1, @1, build_type(ctx, NULL, @1))); }
    ;

field:
      name mods                     { $$ = build_field(ctx, $1, @1, $2); }
    ;

type:
      IDENT                         { $$ = build_type(ctx, $1, @1); }
    | IDENT '(' INT ')'             { $$ = build_sized_type(ctx, $1, @1, $3, @3); }
    | type '[' ']'                  { $$ = build_many(ctx, $1, @2); }
    | type '?'                      { $$ = build_nullable(ctx, $1, @2); }
    ;

mods:
      type
    | mods UNIQUE                   { $$ = build_flag(ctx, $1, "unique", @2); }
    | mods INDEX                    { $$ = build_flag(ctx, $1, "index", @2); }
    | mods DEFAULT literal          { $$ = build_default(ctx, $1, $3, @2); }
    | mods RELATED name             { $$ = build_related(ctx, $1, $3, @2, @3); }
    | mods THROUGH name             { $$ = build_through(ctx, $1, $3, @2, @3); }
    | mods ON DELETE action         { $$ = build_on_delete(ctx, $1, $4, @2); }
    | mods OPTION '(' optargs ')'   { $$ = build_field_option(ctx, $1, $2, @2, $4); }
    | mods OPTION                   { $$ = build_field_option(ctx, $1, $2, @2, NULL); }
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
 * names; the seven that start a modifier or a model are reserved. */
name:
      IDENT
    | IMPORT                        { $$ = "import"; }
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

static void unclosed_model(Ctx *ctx, Loc at, int next)
{
    if (!ctx->cur)
        return;
    diag_error(ctx, at, "expected '}' to close model '%s' before %s",
               ctx->cur->name, next == MODEL ? "'model'" : "end of file");
    diag_note(ctx, ctx->cur->loc, "model '%s' starts here", ctx->cur->name);
}

static bool not_model(Ctx *ctx, const char *word, Loc at)
{
    static const char *const kw[] = {"model"};
    if (diag_suggest(word, kw, 1)) {
        diag_error(ctx, at,
                   "syntax error: unexpected identifier '%s'; did you mean "
                   "'model'?",
                   word);
        return true;
    }
    diag_error(ctx, at,
               "syntax error: unexpected identifier '%s'; expected 'model' "
               "(a model is written 'model Name { ... }')",
               word);
    return false;
}

static bool has(const yysymbol_kind_t *v, int n, yysymbol_kind_t s)
{
    for (int i = 0; i < n; i++)
        if (v[i] == s)
            return true;
    return false;
}

/* How a keyword token is written (with the word it needs after it), to
 * name the keyword an unknown word was probably meant to be; NULL for
 * other tokens. */
static const char *keyword_text(yysymbol_kind_t s)
{
    switch (s) {
    case YYSYMBOL_MODEL: return "model";
    case YYSYMBOL_UNIQUE: return "unique";
    case YYSYMBOL_INDEX: return "index";
    case YYSYMBOL_DEFAULT: return "default";
    case YYSYMBOL_RELATED: return "related";
    case YYSYMBOL_THROUGH: return "through";
    case YYSYMBOL_ON: return "on delete";
    case YYSYMBOL_DELETE: return "delete";
    case YYSYMBOL_CASCADE: return "cascade";
    case YYSYMBOL_SET: return "set null";
    case YYSYMBOL_NUL: return "null";
    case YYSYMBOL_RESTRICT: return "restrict";
    case YYSYMBOL_NOW: return "now";
    case YYSYMBOL_TRUE: return "true";
    case YYSYMBOL_FALSE: return "false";
    default: return NULL;
    }
}

/* The keyword among `expected` closest to the word just read (ctx->tok),
 * or NULL when none is a plausible typo of it. */
static const char *keyword_typo(const Ctx *ctx, const yysymbol_kind_t *v,
                                int n)
{
    const char *cands[YYNTOKENS];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (keyword_text(v[i]))
            cands[k++] = keyword_text(v[i]);
    return k ? diag_suggest(ctx->tok, cands, k) : NULL;
}

/* "unexpected X; expected A, B or C", naming the token as written and
 * what is expected in the words of the language reference: "a type", "a
 * field name", "a default value" rather than a list of token kinds.  A
 * word where a keyword belongs is named as the keyword it resembles
 * ("unknown modifier 'uniqe'; did you mean 'unique'?"). */
static int yyreport_syntax_error(const yypcontext_t *pc, yyscan_t scanner,
                                 Ctx *ctx)
{
    (void)scanner;
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(pc, expected, YYNTOKENS);
    yysymbol_kind_t got = yypcontext_token(pc);
    Loc at = *yypcontext_location(pc);
    const char *names[YYNTOKENS];
    int k = 0;
    if (n < 0)
        n = 0;
    bool ident = has(expected, n, YYSYMBOL_IDENT);
    bool member = ident && has(expected, n, YYSYMBOL_OPTION);
    bool modifier = has(expected, n, YYSYMBOL_UNIQUE);
    const char *typo = got == YYSYMBOL_IDENT && !ident
                           ? keyword_typo(ctx, expected, n) : NULL;
    if (modifier && got == YYSYMBOL_IDENT) {
        if (typo)
            diag_error(ctx, at, "unknown modifier '%s'; did you mean '%s'?",
                       ctx->tok, typo);
        else
            diag_error(ctx, at,
                       "unknown modifier '%s'; expected 'unique', 'index', "
                       "'default', 'related', 'through', 'on delete' or the "
                       "end of the line (one field per line)",
                       ctx->tok);
        return 0;
    }
    if (modifier && got == YYSYMBOL_OPTION) {
        diag_error(ctx, at,
                   "syntax error: unexpected option '@%s' after a field; an "
                   "option goes on a line of its own",
                   ctx->tok);
        return 0;
    }
    if (typo) {
        diag_error(ctx, at,
                   "syntax error: unexpected identifier '%s'; did you mean "
                   "'%s'?",
                   ctx->tok, typo);
        return 0;
    }
    if (modifier) {
        names[k++] = "a modifier ('unique', 'index', 'default', 'related', "
                     "'through' or 'on delete')";
        names[k++] = "the end of the line";
        n = 0;
    } else if (has(expected, n, YYSYMBOL_TRUE) &&
               has(expected, n, YYSYMBOL_STRING) && !ident) {
        /* after 'default' */
        names[k++] = "a value (a number, a string, true, false, now or null)";
        n = 0;
    } else if (n == 1 && ident) {
        /* after 'model', or after a field name */
        names[k++] = ctx->cur ? "a type" : "a model name";
        n = 0;
    }
    for (int i = 0; i < n; i++) {
        yysymbol_kind_t s = expected[i];
        /* contextual keywords are names too: "identifier" covers them */
        if (ident && ((s >= YYSYMBOL_DELETE && s <= YYSYMBOL_FALSE) ||
                      s == YYSYMBOL_IMPORT))
            continue;
        /* a model body may end at 'model' or end of file only as a
         * recovery (reported as a missing '}') */
        if (has(expected, n, YYTRANSLATE('}')) &&
            (s == YYSYMBOL_MODEL || s == YYSYMBOL_YYEOF))
            continue;
        /* between models: only 'model' is worth a mention (an
         * identifier is accepted there as a misspelt 'model') */
        if ((s == YYSYMBOL_YYEOF || s == YYSYMBOL_IDENT) &&
            has(expected, n, YYSYMBOL_MODEL) &&
            !has(expected, n, YYTRANSLATE('}')))
            continue;
        if (s == YYSYMBOL_IDENT && member)
            names[k++] = "a field name";
        else if (s == YYSYMBOL_OPTION)
            names[k++] = "an option (e.g. @index)";
        else if (s == YYSYMBOL_EOL)
            names[k++] = "the end of the line";
        else
            names[k++] = yysymbol_name(s);
    }
    /* an end of declaration before '}' or the end of the file is named
     * as what the file holds there */
    const char *what = got == YYSYMBOL_YYEOF ? NULL : yysymbol_name(got);
    if (got == YYSYMBOL_EOL)
        what = ctx->eol_before == '}' ? "'}'"
               : ctx->eol_before == 0 ? NULL : "end of line";
    build_syntax_error(ctx, at, what, names, k > 6 ? 0 : k);
    return 0;
}
