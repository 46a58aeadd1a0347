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

#ifdef __cplusplus
}
#endif
#endif
