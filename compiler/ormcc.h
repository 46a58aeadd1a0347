/*
 * ormcc.h — the ormc compiler as a library.  The `ormc` command is a thin
 * main() over this; tests and the fuzzer call it directly.
 */
#ifndef ORMCC_H
#define ORMCC_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORMCC_VERSION "0.1.0"

/* One generated file: its name (e.g. "blog.orm.h") and contents. */
typedef struct ormcc_file {
    char *name;
    char *data;
    size_t len;
} ormcc_file;

typedef struct ormcc_output {
    ormcc_file header; /* <base>.h */
    ormcc_file source; /* <base>.c */
} ormcc_output;

/* Compiles the schema `text` (`len` bytes; need not be NUL-terminated).
 * `path` names it in diagnostics and banners; its base name (without
 * directories) names the outputs: "x/blog.orm" -> "blog.orm.h"/"blog.orm.c".
 * Diagnostics ("file:line:col: error: ...", the source line and a caret)
 * go to `diag` when it is not NULL.
 * Returns the number of errors.  On 0, *out holds both files (free with
 * ormcc_output_free); otherwise *out is empty.  Output is deterministic:
 * the same input gives byte-identical files.
 * Cost: linear in the size of the schema. */
int ormcc_compile(const char *path, const char *text, size_t len, FILE *diag,
                  ormcc_output *out);

/* Frees what ormcc_compile put in *out and empties it.  NULL-safe. */
void ormcc_output_free(ormcc_output *out);

/* ---- in two steps, streaming: for large schemas ----
 * ormcc_compile holds both generated files in memory (about 14 KiB per
 * model).  ormcc_check + ormcc_emit_* produce the same bytes but hand them
 * over in pieces as they are generated, so memory stays bounded by the
 * checked schema, not by the output. */

/* A parsed and checked schema, ready to generate. */
typedef struct ormcc_unit ormcc_unit;

/* Receives generated text, in order, in pieces of about 64 KiB.  Returns
 * 0, or nonzero to report an error (a failed write): nothing more is then
 * passed, and ormcc_emit_* returns that value. */
typedef int (*ormcc_write_fn)(void *arg, const char *data, size_t len);

/* How diagnostics are written (ormcc_check_with); all zero is the default
 * of ormcc_check and ormcc_compile. */
typedef struct ormcc_options {
    /* nonzero: each diagnostic is one JSON object on one line,
     * {"file":..,"line":N,"column":N,"severity":"error"|"warning"|"note",
     * "message":..}, without the source line and caret */
    int json;
    /* nonzero: the text form is coloured with ANSI escapes, like gcc's
     * (the caller decides, e.g. only when diag is a terminal) */
    int color;
    /* where `import "x.orm"` looks after the importing file's own
     * directory, in order (ormc -I DIR); NULL when nimport_dirs is 0 */
    const char *const *import_dirs;
    size_t nimport_dirs;
} ormcc_options;

/* Imports: `import "other.orm"` at the top of a schema makes the models
 * of other.orm targets of its relations.  The checks below read each
 * imported file themselves (path relative to the importing file's
 * directory, then to each opt->import_dirs), transitively, and check it
 * like a schema of its own (its diagnostics name its file); an import
 * that cannot be found or read, an import cycle, or an error in an
 * imported file counts as an error of the unit.  Each file read is read
 * once per check. */

/* Parses and checks `text` exactly like ormcc_compile (same diagnostics to
 * `diag`, same return value), without generating anything.  On 0 errors,
 * *out is the checked schema (free it with ormcc_unit_free); otherwise
 * *out is NULL.  Neither path nor text is used after this returns.
 * Cost: linear in the size of the schema. */
int ormcc_check(const char *path, const char *text, size_t len, FILE *diag,
                ormcc_unit **out);

/* ormcc_check, with diagnostics written as `opt` says (NULL: the default).
 * Warnings ("file:line:col: warning: ...", e.g. a cycle of required
 * relations) are written but not counted: they do not stop the files. */
int ormcc_check_with(const char *path, const char *text, size_t len,
                     FILE *diag, const ormcc_options *opt, ormcc_unit **out);

/* The names of u's two outputs ("blog.orm.h", "blog.orm.c"), owned by u. */
const char *ormcc_header_name(const ormcc_unit *u);
const char *ormcc_source_name(const ormcc_unit *u);

/* The files u imports, directly or not (not u's own), each once, in the
 * order they were first imported: the depfile's prerequisites.  Owned by
 * u.  ormcc_import(u, i) for i < ormcc_import_count(u). */
size_t ormcc_import_count(const ormcc_unit *u);
const char *ormcc_import(const ormcc_unit *u, size_t i);

/* Generates u's header (or source) through write(arg, ...): the bytes
 * ormcc_compile would return.  Returns 0, or the first nonzero result of
 * write.  May be called again (each call generates the whole file).
 * Cost: linear in the size of the output; memory: 64 KiB. */
int ormcc_emit_header(ormcc_unit *u, ormcc_write_fn write, void *arg);
int ormcc_emit_source(ormcc_unit *u, ormcc_write_fn write, void *arg);

/* The SQL dialects ormc emits DDL for. */
typedef enum ormcc_dialect { ORMCC_SQLITE, ORMCC_POSTGRESQL } ormcc_dialect;

/* Writes u's DDL in `dialect` through write(arg, ...): the statements its
 * generated <schema>_schema_create runs on that database, in the same
 * order, each followed by ";\n" (feed it to the sqlite3 shell, psql or a
 * migration tool).  Returns 0, or the first nonzero result of write.
 * Cost: linear in the size of the DDL. */
int ormcc_emit_sql(ormcc_unit *u, ormcc_dialect dialect, ormcc_write_fn write,
                   void *arg);

/* ---- ormc diff: migrations ---- */

/* --rename MODEL.FROM=TO: field FROM of the old schema's model is field TO
 * of the new one (MODEL: either schema's name of the model). */
typedef struct ormcc_rename {
    const char *model, *from, *to;
} ormcc_rename;

typedef struct ormcc_diff_options {
    int force;                   /* nonzero: allow steps that lose data */
    const ormcc_rename *renames; /* renames[0..nrenames) */
    size_t nrenames;
    ormcc_dialect dialect;       /* of the script: ORMCC_SQLITE (0) or
                                    ORMCC_POSTGRESQL */
} ormcc_diff_options;

/* Writes through write(arg, ...) the SQL script (SQLite's, or
 * PostgreSQL's when opt->dialect says so) that moves a database created
 * with schema `from` to schema `to`, ending with the
 * fingerprint of `to` in ormc_meta (README, "Changing your schema";
 * docs/ormc.1 lists every step and message).  opt may be NULL (no force,
 * no renames).  Steps that lose data are refused unless opt->force, a new
 * NOT NULL field without a default always: each refusal is reported on
 * `diag` (when not NULL) as "ormc diff: ...\n", and nothing is written.
 * Returns the number of refusals; on 0, *write_err is 0 or the first
 * nonzero result of write.  Deterministic.  Cost: linear in the size of
 * both schemas' DDL, times the fields of a model for each field. */
int ormcc_diff(ormcc_unit *from, ormcc_unit *to, const ormcc_diff_options *opt,
               FILE *diag, ormcc_write_fn write, void *arg, int *write_err);

/* Frees a unit from ormcc_check.  NULL-safe. */
void ormcc_unit_free(ormcc_unit *u);

#ifdef __cplusplus
}
#endif
#endif
