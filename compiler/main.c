/*
 * main.c — the `ormc` command: a thin CLI over the compiler library.
 *
 *   ormc [-o DIR] FILE.orm...   writes DIR/FILE.orm.h and DIR/FILE.orm.c
 *
 * Exit status: 0 success, 1 schema errors, 2 usage or I/O errors.  All
 * inputs are compiled before anything is written; on any error no file is
 * written.  Each output is written to a temporary file and renamed into
 * place, so a reader never sees half a file.
 */
#include "ormcc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: ormc [-o DIR] FILE.orm...\n"
    "\n"
    "Compiles ormc schemas into typed C: for each FILE.orm, writes\n"
    "DIR/FILE.orm.h and DIR/FILE.orm.c (DIR defaults to the current\n"
    "directory).  Nothing is written if any schema has an error.\n"
    "\n"
    "options:\n"
    "  -o DIR       output directory (must exist)\n"
    "  --version    print the version and exit\n"
    "  --help       print this help and exit\n"
    "\n"
    "exit status: 0 ok, 1 schema errors, 2 usage or I/O errors\n";

/* Reads a whole file; NULL (with a message) on failure. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "ormc: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    bool failed = !buf || ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "ormc: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Writes data to dir/name via a temporary file and rename. */
static bool write_file(const char *dir, const ormcc_file *file)
{
    size_t n = strlen(dir) + strlen(file->name) + 16;
    char *path = malloc(n), *tmp = malloc(n);
    if (!path || !tmp) {
        fputs("ormc: out of memory\n", stderr);
        free(path);
        free(tmp);
        return false;
    }
    snprintf(path, n, "%s/%s", dir, file->name);
    snprintf(tmp, n, "%s/.%s.tmp", dir, file->name);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(file->data, 1, file->len, f) == file->len;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "ormc: cannot write %s: %s\n", path, strerror(errno));
        remove(tmp);
    }
    free(path);
    free(tmp);
    return ok;
}

int main(int argc, char **argv)
{
    const char *dir = ".";
    int first = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(USAGE, stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("ormc %s\n", ORMCC_VERSION);
            return 0;
        } else if (strcmp(argv[i], "-o") == 0) {
            if (++i == argc) {
                fputs("ormc: -o needs a directory\n", stderr);
                return 2;
            }
            dir = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "ormc: unknown option '%s'\n%s", argv[i], USAGE);
            return 2;
        } else {
            first = i;
            break;
        }
    }
    if (first == argc) {
        fprintf(stderr, "ormc: no input files\n%s", USAGE);
        return 2;
    }
    int n = argc - first, errors = 0, status = 0;
    ormcc_output *outs = calloc((size_t)n, sizeof *outs);
    if (!outs) {
        fputs("ormc: out of memory\n", stderr);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        size_t len;
        char *text = read_file(argv[first + i], &len);
        if (!text) {
            status = 2;
            continue;
        }
        errors += ormcc_compile(argv[first + i], text, len, stderr, &outs[i]);
        free(text);
    }
    if (status == 0 && errors) {
        fprintf(stderr, "ormc: %d error%s; no files written\n", errors,
                errors == 1 ? "" : "s");
        status = 1;
    }
    for (int i = 0; i < n && status == 0; i++) {
        /* two inputs with the same base name would overwrite each other */
        for (int k = 0; k < i; k++)
            if (strcmp(outs[k].header.name, outs[i].header.name) == 0) {
                fprintf(stderr, "ormc: %s and %s would both write %s\n",
                        argv[first + k], argv[first + i], outs[i].header.name);
                status = 2;
            }
    }
    for (int i = 0; i < n && status == 0; i++)
        if (!write_file(dir, &outs[i].header) ||
            !write_file(dir, &outs[i].source))
            status = 2;
    for (int i = 0; i < n; i++)
        ormcc_output_free(&outs[i]);
    free(outs);
    return status;
}
