/*
 * ctx.h — the state of one compile: source text, arena, diagnostics, the
 * AST under construction.  Shared by the lexer, parser, sema and codegen.
 */
#ifndef ORMC_CTX_H
#define ORMC_CTX_H

#include "ast.h"

#include <stdio.h>

#define MAX_ERRORS 50
#define ORMC_GEN_VERSION "0.1.0"
/* The runtime ABI this compiler emits code for (ORMC_ABI_VERSION). */
#define ORMC_GEN_ABI 5

/* `import "other.orm"` at the top of a schema file.  The compile of the
 * imported file (its own Ctx: models, diagnostics against its own text)
 * is done by compile.c before sema runs; `unit` is NULL when it failed. */
typedef struct Import {
    const char *path;     /* as written */
    Loc loc;              /* of the string */
    const char *file;     /* the file found (path from the working dir) */
    struct Ctx *unit;     /* its checked schema, or NULL */
    struct Import *next;
} Import;

typedef struct Ctx {
    Arena *arena;
    const char *file;   /* for diagnostics */
    const char *text;
    size_t len;
    FILE *diag;
    bool json;          /* diagnostics as JSON lines (--diagnostics=json) */
    bool color;         /* ANSI colours in the text form (--color) */
    int nerrors;
    int nwarnings;      /* not counted in nerrors: files are written */
    bool stopped;       /* MAX_ERRORS reached */
    size_t *line_starts; /* built on the first diagnostic */
    int nlines;

    /* lexer position and the text of the last token (for syntax errors) */
    int line, col;
    /* what the scanner reads: a copy of text with NUL bytes replaced
     * (grammar/orm.l says why); lexer helpers read bytes from text */
    const char *scan;
    char tok[48];
    /* where a field ends (grammar/orm.l, yylex): the scanner's brace depth,
     * whether the current line of a model body holds a token since the
     * last end of declaration, whether an option's '(' is open (its
     * arguments may span lines), the previous token and where it ends, and
     * a token held back while the end of declaration before it is read */
    int depth, prev_tok;
    bool line_open, opt_paren;
    Loc prev_end;
    int held_tok;        /* 0: none held (end of file is held as -1) */
    const char *held_str;
    Loc held_loc;
    /* what the last end of declaration stood before: '\n' (the end of a
     * line), '}' on the same line, or 0 (the end of the file) */
    int eol_before;

    /* parser output: finished models, and the one being built */
    Model *models, *models_tail;
    Model *cur;
    Field *cur_ftail;
    Option *cur_otail;
    Schema schema;
    Import *imports, *imports_tail; /* in order of the source */

    /* codegen: the schema's DDL statements, built once by gen_ddl */
    const char **ddl;
    int nddl;
    const char **pg_ddl; /* the same in PostgreSQL's dialect */
    int npg_ddl;
    /* per statement of ddl: the table it creates or indexes, and the
     * index it creates (NULL for a CREATE TABLE); for ormc diff
     * (migrate.c) */
    const char **ddl_table, **ddl_index;
    /* the fingerprint of ddl (ddl_fingerprint), set by gen_ddl */
    const char *fingerprint;
} Ctx;

/* Reports `file:line:col: error: <fmt>` plus the source line and a caret. */
void diag_error(Ctx *c, Loc loc, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* `file:line:col: warning: <fmt>`: reported, not counted as an error (the
 * files are still written). */
void diag_warning(Ctx *c, Loc loc, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Same, as a note attached to the previous error (not counted). */
void diag_note(Ctx *c, Loc loc, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The candidate closest to `name` by edit distance, or NULL when none is
 * close enough to be a plausible typo. */
const char *diag_suggest(const char *name, const char *const *cands, int n);

/* Parses c->text into c->models (grammar/orm.y).  Errors are reported. */
void parse_schema(Ctx *c);

/* Semantic pass: resolves types and relations, checks every rule and
 * computes the names codegen uses.  Errors are reported. */
void sema_check(Ctx *c);

/* Builds c->ddl and c->pg_ddl (CREATE TABLE / CREATE INDEX statements,
 * SQLite's and PostgreSQL's), ddl_table, ddl_index and the fingerprint. */
void gen_ddl(Ctx *c);
/* The CREATE TABLE statement of model m (or, m NULL, of the implicit join
 * table of mm) under the name `table`, in SQLite's dialect or (pg)
 * PostgreSQL's: what gen_ddl emits for it when table is its own name;
 * ormc diff builds the new table of a rebuild with another name. */
const char *table_ddl(Ctx *c, const Model *m, const struct ManyToMany *mm,
                      const char *table, bool pg);
/* The text of column f's definition after its quoted name, as in the
 * CREATE TABLE (" INTEGER NOT NULL DEFAULT 0 ..."), naming the column
 * `member` in its CHECK clauses; SQLite's or (pg) PostgreSQL's. */
const char *column_ddl(Ctx *c, const Field *f, const char *member, bool pg);
/* The SQL of field f's default ("0", "'x'", "NULL", "(CAST(...))") in
 * the dialect, or NULL when it has none. */
const char *default_ddl(Ctx *c, const Field *f, bool pg);
/* The SQL type of f's column in the dialect ("INTEGER", "BIGINT",
 * "TEXT COLLATE \"C\"", ...).  Static storage. */
const char *type_ddl(const Field *f, bool pg);
/* The ON DELETE action of relation field f ("CASCADE", ...).  Static. */
const char *on_delete_ddl(const Field *f);
/* The schema's fingerprint: 16 lowercase hex digits of the 64-bit FNV-1a
 * hash of its DDL exactly as ormc --emit-sql prints it (each statement
 * followed by ";\n").  The one place the hash is computed: the generated
 * descriptor and the script of ormc diff carry its result, the runtime
 * only compares it.  Cost: linear in the DDL. */
const char *ddl_fingerprint(Ctx *c);
/* Code generation: appends the header / source text to b (buf.h), which
 * either collects it or streams it to a sink. */
struct Buf;
void gen_header(Ctx *c, struct Buf *b);
void gen_source(Ctx *c, struct Buf *b);

#endif
