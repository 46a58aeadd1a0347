/*
 * main.c — the `ormc` command: a thin CLI over the compiler library.
 *
 *   ormc [-o DIR] FILE.orm...   writes DIR/FILE.orm.h and DIR/FILE.orm.c
 *
 * Exit status: 0 success, 1 schema errors, 2 usage or I/O errors.  All
 * inputs are checked (ormcc_check) before anything is written; on any
 * error no file is written.  Every output is then generated straight into
 * a temporary file (ormcc_emit_*, in 64 KiB pieces: the output is never
 * held in memory); they are renamed into place only once all are
 * complete, so a reader never sees half a file and a failed write (disk
 * full) leaves no output behind.
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
    ormcc_unit *unit;
    bool source;      /* the .c file, else the .h */
    const char *name;
    char *path, *tmp;
} Pending;

/* ormcc_write_fn over a FILE: 0, or the errno of a failed write. */
static int write_chunk(void *arg, const char *data, size_t len)
{
    errno = 0;
    if (fwrite(data, 1, len, (FILE *)arg) == len)
        return 0;
    return errno ? errno : EIO;
}

/* Generates p's file into p->tmp; false (with a message) on failure. */
static bool write_tmp(const char *dir, Pending *p)
{
    size_t n = strlen(dir) + strlen(p->name) + 16;
    p->path = malloc(n);
    p->tmp = malloc(n);
    if (!p->path || !p->tmp) {
        fputs("ormc: out of memory\n", stderr);
        return false;
    }
    snprintf(p->path, n, "%s/%s", dir, p->name);
    snprintf(p->tmp, n, "%s/.%s.tmp", dir, p->name);
    FILE *f = fopen(p->tmp, "wb");
    if (!f) {
        fprintf(stderr, "ormc: cannot write %s: %s\n", p->path,
                strerror(errno));
        free(p->tmp); /* nothing to remove */
        p->tmp = NULL;
        return false;
    }
    /* the compiler hands over 64 KiB pieces: no need for stdio's buffer */
    setvbuf(f, NULL, _IONBF, 0);
    int err = p->source ? ormcc_emit_source(p->unit, write_chunk, f)
                        : ormcc_emit_header(p->unit, write_chunk, f);
    if (fclose(f) != 0 && !err)
        err = errno ? errno : EIO;
    if (err)
        fprintf(stderr, "ormc: cannot write %s: %s\n", p->path,
                strerror(err));
    return !err;
}

/* Writes every output, or (after a failure) none: all go to temporary
 * files first, and are renamed into place only when all are complete.
 * The files are generated straight into them, never held in memory. */
static bool write_all(const char *dir, ormcc_unit **units, int n)
{
    int np = 2 * n;
    Pending *p = calloc((size_t)np, sizeof *p);
    if (!p) {
        fputs("ormc: out of memory\n", stderr);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        p[2 * i] = (Pending){units[i], false, ormcc_header_name(units[i]),
                             NULL, NULL};
        p[2 * i + 1] = (Pending){units[i], true, ormcc_source_name(units[i]),
                                 NULL, NULL};
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
    ormcc_unit **units = calloc((size_t)n, sizeof *units);
    if (!units) {
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
        errors += ormcc_check(files[i], text, len, stderr, &units[i]);
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
            if (strcmp(ormcc_header_name(units[k]),
                       ormcc_header_name(units[i])) == 0) {
                fprintf(stderr, "ormc: %s and %s would both write %s\n",
                        files[k], files[i], ormcc_header_name(units[i]));
                status = 2;
            }
    }
    if (status == 0 && !write_all(dir, units, n))
        status = 2;
    for (int i = 0; i < n; i++)
        ormcc_unit_free(units[i]);
    free(units);
    free(files);
    return status;
}
