/*
 * main.c — the `ormc` command: a thin CLI over the compiler library.
 *
 *   ormc [-o DIR] FILE.orm...   writes DIR/FILE.orm.h and DIR/FILE.orm.c
 *
 * Exit status: 0 success, 1 schema errors, 2 usage or I/O errors.  All
 * inputs are compiled before anything is written; on any error no file is
 * written.  Every output is first written to a temporary file; they are
 * renamed into place only once all are complete, so a reader never sees
 * half a file and a failed write (disk full) leaves no output behind.
 * Options may come before or after the files.
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

/* A generated file on its way to dir/name: written to dir/.name.tmp first,
 * renamed into place only once every output has been written. */
typedef struct Pending {
    const ormcc_file *file;
    char *path, *tmp;
} Pending;

/* Writes p->file to p->tmp; false (with a message) on failure. */
static bool write_tmp(const char *dir, Pending *p)
{
    size_t n = strlen(dir) + strlen(p->file->name) + 16;
    p->path = malloc(n);
    p->tmp = malloc(n);
    if (!p->path || !p->tmp) {
        fputs("ormc: out of memory\n", stderr);
        return false;
    }
    snprintf(p->path, n, "%s/%s", dir, p->file->name);
    snprintf(p->tmp, n, "%s/.%s.tmp", dir, p->file->name);
    FILE *f = fopen(p->tmp, "wb");
    if (!f) {
        fprintf(stderr, "ormc: cannot write %s: %s\n", p->path,
                strerror(errno));
        free(p->tmp); /* nothing to remove */
        p->tmp = NULL;
        return false;
    }
    bool ok = fwrite(p->file->data, 1, p->file->len, f) == p->file->len;
    int err = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok)
        fprintf(stderr, "ormc: cannot write %s: %s\n", p->path,
                strerror(err));
    return ok;
}

/* Writes every output, or (after a failure) none: all go to temporary
 * files first, and are renamed into place only when all are complete. */
static bool write_all(const char *dir, const ormcc_output *outs, int n)
{
    int np = 2 * n;
    Pending *p = calloc((size_t)np, sizeof *p);
    if (!p) {
        fputs("ormc: out of memory\n", stderr);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        p[2 * i].file = &outs[i].header;
        p[2 * i + 1].file = &outs[i].source;
    }
    for (int i = 0; i < np && ok; i++)
        ok = write_tmp(dir, &p[i]);
    for (int i = 0; i < np && ok; i++)
        if (rename(p[i].tmp, p[i].path) != 0) {
            fprintf(stderr, "ormc: cannot write %s: %s\n", p[i].path,
                    strerror(errno));
            ok = false;
        } else {
            free(p[i].tmp);
            p[i].tmp = NULL;
        }
    for (int i = 0; i < np; i++) {
        if (p[i].tmp)
            remove(p[i].tmp);
        free(p[i].tmp);
        free(p[i].path);
    }
    free(p);
    return ok;
}

int main(int argc, char **argv)
{
    const char *dir = ".";
    /* options may come before or after the files; "--" ends them */
    const char **files = calloc((size_t)argc, sizeof *files);
    if (!files) {
        fputs("ormc: out of memory\n", stderr);
        return 2;
    }
    int n = 0;
    bool opts = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts || a[0] != '-' || !a[1]) {
            files[n++] = a;
        } else if (strcmp(a, "--") == 0) {
            opts = false;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(USAGE, stdout);
            free(files);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("ormc %s\n", ORMCC_VERSION);
            free(files);
            return 0;
        } else if (strcmp(a, "-o") == 0) {
            if (++i == argc) {
                fprintf(stderr, "ormc: -o needs a directory\n%s", USAGE);
                free(files);
                return 2;
            }
            dir = argv[i];
        } else {
            fprintf(stderr, "ormc: unknown option '%s'\n%s", a, USAGE);
            free(files);
            return 2;
        }
    }
    if (n == 0) {
        fprintf(stderr, "ormc: no input files\n%s", USAGE);
        free(files);
        return 2;
    }
    int errors = 0, status = 0;
    ormcc_output *outs = calloc((size_t)n, sizeof *outs);
    if (!outs) {
        fputs("ormc: out of memory\n", stderr);
        free(files);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        size_t len;
        char *text = read_file(files[i], &len);
        if (!text) {
            status = 2;
            continue;
        }
        errors += ormcc_compile(files[i], text, len, stderr, &outs[i]);
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
                        files[k], files[i], outs[i].header.name);
                status = 2;
            }
    }
    if (status == 0 && !write_all(dir, outs, n))
        status = 2;
    for (int i = 0; i < n; i++)
        ormcc_output_free(&outs[i]);
    free(outs);
    free(files);
    return status;
}
