/*
 * main.c — the `ormc` command: a thin CLI over the compiler library.
 *
 *   ormc [-o DIR] [-MF FILE] FILE.orm...   writes DIR/FILE.orm.h and .c
 *   ormc [-o DIR] --check FILE.orm...      compares them with DIR's files
 *   ormc --emit-sql FILE.orm...            prints the DDL
 *   ormc diff [--dialect D] [--force] [--rename M.a=b]... OLD.orm NEW.orm
 *                                          prints the migration script
 *   ormc inspect DB                        prints the schema of a SQLite
 *                                          database (inspect/inspect.h)
 *
 * Exit status: 0 success, 1 schema errors (or, with --check, files out of
 * date), 2 usage or I/O errors.  All inputs are checked (ormcc_check)
 * before anything is written; on any error no file is written.  Every
 * output is then generated straight into a temporary file (ormcc_emit_*,
 * in 64 KiB pieces: the output is never held in memory) and compared with
 * the file it replaces: a file whose content is unchanged is left alone
 * (its mtime too, so nothing downstream rebuilds); the others are renamed
 * into place only once all are complete, so a reader never sees half a
 * file and a failed write (disk full) leaves no output behind.
 * Options may come before or after the files.
 */
#define _POSIX_C_SOURCE 200809L /* isatty */
#include "ormcc.h"
#include "udiff.h"
#include "inspect.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char USAGE[] =
    "usage: ormc [-o DIR] [-I DIR]... [-MF FILE]\n"
    "            [--check | --emit-sql [--dialect D]]\n"
    "            [OPTION]... FILE.orm...\n"
    "       ormc diff [--dialect D] [--force] [--rename MODEL.OLD=NEW]...\n"
    "            OLD.orm NEW.orm\n"
    "       ormc inspect DB\n"
    "\n"
    "Compiles ormc schemas into typed C: for each FILE.orm, writes\n"
    "DIR/FILE.orm.h and DIR/FILE.orm.c (DIR defaults to the current\n"
    "directory).  Nothing is written if any schema has an error; a file\n"
    "whose content would not change is not rewritten.\n"
    "\n"
    "options:\n"
    "  -o DIR       output directory (must exist)\n"
    "  -I DIR       where `import \"x.orm\"` looks when x.orm is not\n"
    "               beside the importing file (repeatable, in order)\n"
    "  -MF FILE     also write a make-style depfile to FILE: the outputs\n"
    "               depend on their schema and the files it imports\n"
    "  --check      write nothing: compare what the schemas produce with\n"
    "               the files in DIR; exit 0 if identical, else 1 with a\n"
    "               unified diff on stdout\n"
    "  --emit-sql   write nothing: print the schemas' DDL (the statements\n"
    "               NAME_schema_create runs) to stdout\n"
    "  --diagnostics=text|json\n"
    "               how errors and warnings are written to stderr: text\n"
    "               (the default: file:line:col: error: message, the line\n"
    "               and a caret) or json (one object per line: file, line,\n"
    "               column, severity, message; no summary line)\n"
    "  --color=auto|always|never\n"
    "               colour the text diagnostics; auto (the default): only\n"
    "               when stderr is a terminal\n"
    "  --version    print the version and exit\n"
    "  --help       print this help and exit\n"
    "\n"
    "ormc diff prints the SQL script that moves a database of OLD.orm's\n"
    "schema to NEW.orm's, for SQLite or (--dialect postgresql) PostgreSQL;\n"
    "steps that lose data are refused unless --force; --rename says field\n"
    "OLD of MODEL is now NEW.\n"
    "\n"
    "ormc inspect prints an .orm schema that reads the tables of the\n"
    "SQLite database DB (opened read-only): a model per table, foreign\n"
    "keys as relations, @table, @id and @column where names differ.\n"
    "\n"
    "exit status: 0 ok, 1 schema errors or (--check) files out of date,\n"
    "2 usage or I/O errors\n";

typedef enum Mode { WRITE, CHECK, EMIT_SQL } Mode;

/* One run: the checked inputs and where their outputs go. */
typedef struct Job {
    const char *dir;
    const char *depfile; /* -MF, or NULL */
    ormcc_dialect dialect; /* of --emit-sql */
    const char **files;  /* the inputs, as given */
    ormcc_unit **units;  /* one per input */
    int n;
} Job;

/* Reads a whole file; NULL (with a message) on failure.  When `missing`
 * is not NULL, a file that does not exist reads as empty with *missing
 * set, without a message. */
static char *read_file(const char *path, size_t *len, bool *missing)
{
    FILE *f = fopen(path, "rb");
    if (missing)
        *missing = false;
    if (!f && missing && errno == ENOENT) {
        *missing = true;
        *len = 0;
        return calloc(1, 1);
    }
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

/* dir/name, or name alone when dir is "." (as make names it); NULL when
 * out of memory.  The caller frees it. */
static char *join(const char *dir, const char *name)
{
    size_t d = strlen(dir), n = strlen(name);
    char *s = malloc(d + n + 2);
    if (!s)
        return NULL;
    if (strcmp(dir, ".") == 0)
        d = 0;
    memcpy(s, dir, d);
    if (d && dir[d - 1] != '/')
        s[d++] = '/';
    memcpy(s + d, name, n + 1);
    return s;
}

/* ormcc_write_fn over a FILE: 0, or the errno of a failed write. */
static int write_chunk(void *arg, const char *data, size_t len)
{
    errno = 0;
    if (fwrite(data, 1, len, (FILE *)arg) == len)
        return 0;
    return errno ? errno : EIO;
}

/* ormcc_write_fn collecting into memory. */
typedef struct Mem {
    char *data;
    size_t len, cap;
} Mem;

static int write_mem(void *arg, const char *data, size_t len)
{
    Mem *m = arg;
    if (len > m->cap - m->len) {
        size_t cap = m->cap ? m->cap : 65536;
        while (len > cap - m->len)
            cap *= 2;
        char *bigger = realloc(m->data, cap);
        if (!bigger)
            return ENOMEM;
        m->data = bigger;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, len);
    m->len += len;
    return 0;
}

/* ---- the depfile ---- */

/* Writes path as make reads it, escaping as cc -MF does: a space or '#'
 * with a backslash, '$' as "$$".  (A line break cannot be written: main
 * refuses such paths with -MF.) */
static void put_make_path(FILE *f, const char *path)
{
    for (const char *p = path; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '#')
            fputc('\\', f);
        else if (*p == '$')
            fputc('$', f);
        fputc(*p, f);
    }
}

/* "DIR/x.orm.h DIR/x.orm.c: x.orm IMPORTED.orm...", one line per input.
 * 0 or an errno. */
static int write_depfile(const Job *job, FILE *f)
{
    for (int i = 0; i < job->n; i++) {
        const char *out[2] = {ormcc_header_name(job->units[i]),
                              ormcc_source_name(job->units[i])};
        for (int k = 0; k < 2; k++) {
            char *path = join(job->dir, out[k]);
            if (!path)
                return ENOMEM;
            put_make_path(f, path);
            free(path);
            fputs(k ? ": " : " ", f);
        }
        put_make_path(f, job->files[i]);
        /* the imported files, transitively */
        for (size_t k = 0; k < ormcc_import_count(job->units[i]); k++) {
            fputc(' ', f);
            put_make_path(f, ormcc_import(job->units[i], k));
        }
        fputc('\n', f);
    }
    return ferror(f) ? (errno ? errno : EIO) : 0;
}

/* ---- writing outputs ---- */

typedef enum Kind { HEADER, SOURCE, DEPFILE } Kind;

/* A file on its way to `path`: written to `tmp` (.NAME.tmp beside it)
 * first, renamed into place only once every output has been written, and
 * only when its content differs from what is there. */
typedef struct Pending {
    Kind kind;
    ormcc_unit *unit; /* HEADER, SOURCE */
    char *path, *tmp;
    bool unchanged;   /* path already holds these bytes */
} Pending;

/* True when the files at p and q hold the same bytes (false when either
 * cannot be read).  Cost: reads both, 64 KiB at a time. */
static bool same_content(const char *p, const char *q)
{
    enum { CHUNK = 65536 };
    FILE *f = fopen(p, "rb"), *g = fopen(q, "rb");
    char *a = malloc(2 * CHUNK), *b = a + CHUNK;
    bool same = f && g && a;
    while (same) {
        size_t na = fread(a, 1, CHUNK, f), nb = fread(b, 1, CHUNK, g);
        if (na != nb || memcmp(a, b, na) != 0 || ferror(f) || ferror(g))
            same = false;
        else if (na < CHUNK)
            break;
    }
    if (f)
        fclose(f);
    if (g)
        fclose(g);
    free(a);
    return same;
}

/* The temporary beside path: "dir/.name.tmp". */
static char *tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t d = slash ? (size_t)(slash - path) + 1 : 0;
    size_t n = strlen(path);
    char *s = malloc(n + 6);
    if (s)
        snprintf(s, n + 6, "%.*s.%s.tmp", (int)d, path, path + d);
    return s;
}

/* Generates p's file into p->tmp and compares it with p->path; false
 * (with a message) on failure. */
static bool write_tmp(const Job *job, Pending *p)
{
    p->tmp = tmp_name(p->path);
    if (!p->tmp) {
        fputs("ormc: out of memory\n", stderr);
        return false;
    }
    FILE *f = fopen(p->tmp, "wb");
    if (!f) {
        fprintf(stderr, "ormc: cannot write %s: %s\n", p->path,
                strerror(errno));
        free(p->tmp); /* nothing to remove */
        p->tmp = NULL;
        return false;
    }
    int err;
    if (p->kind == DEPFILE) {
        err = write_depfile(job, f);
    } else {
        /* the compiler hands over 64 KiB pieces: no need for stdio's
         * buffer */
        setvbuf(f, NULL, _IONBF, 0);
        err = p->kind == SOURCE ? ormcc_emit_source(p->unit, write_chunk, f)
                                : ormcc_emit_header(p->unit, write_chunk, f);
    }
    if (fclose(f) != 0 && !err)
        err = errno ? errno : EIO;
    if (err)
        fprintf(stderr, "ormc: cannot write %s: %s\n", p->path,
                strerror(err));
    if (!err)
        p->unchanged = same_content(p->tmp, p->path);
    return !err;
}

/* Writes every output (and the depfile), or (after a failure) none: all
 * go to temporary files first; those that differ from the file they
 * replace are renamed into place when all are complete, the others
 * removed.  The files are generated straight into them, never held in
 * memory. */
static bool write_all(const Job *job)
{
    int np = 2 * job->n + (job->depfile != NULL);
    Pending *p = calloc((size_t)np, sizeof *p);
    if (!p) {
        fputs("ormc: out of memory\n", stderr);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < job->n && ok; i++) {
        p[2 * i] = (Pending){HEADER, job->units[i],
                             join(job->dir, ormcc_header_name(job->units[i])),
                             NULL, false};
        p[2 * i + 1] = (Pending){SOURCE, job->units[i],
                                 join(job->dir,
                                      ormcc_source_name(job->units[i])),
                                 NULL, false};
        ok = p[2 * i].path && p[2 * i + 1].path;
    }
    if (ok && job->depfile) {
        p[np - 1] = (Pending){DEPFILE, NULL, join(".", job->depfile), NULL,
                              false};
        ok = p[np - 1].path != NULL;
    }
    if (!ok)
        fputs("ormc: out of memory\n", stderr);
    for (int i = 0; i < np && ok; i++)
        ok = write_tmp(job, &p[i]);
    for (int i = 0; i < np && ok; i++) {
        if (p[i].unchanged)
            continue; /* removed below */
        if (rename(p[i].tmp, p[i].path) != 0) {
            fprintf(stderr, "ormc: cannot write %s: %s\n", p[i].path,
                    strerror(errno));
            ok = false;
        } else {
            free(p[i].tmp);
            p[i].tmp = NULL;
        }
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

/* ---- --check and --emit-sql ---- */

/* Compares one output with the file at dir/name: prints the unified diff
 * from the file to the output (--- the file, or /dev/null when missing;
 * +++ the file) and a line on stderr when they differ.  Returns 0 when
 * equal, 1 when different, 2 on failure (with a message). */
static int check_one(const Job *job, ormcc_unit *u, bool source)
{
    const char *name = source ? ormcc_source_name(u) : ormcc_header_name(u);
    char *path = join(job->dir, name);
    Mem now = {0};
    int err = !path ? ENOMEM
              : source ? ormcc_emit_source(u, write_mem, &now)
                       : ormcc_emit_header(u, write_mem, &now);
    if (err) {
        fputs("ormc: out of memory\n", stderr);
        free(now.data);
        free(path);
        return 2;
    }
    size_t len;
    bool missing;
    char *old = read_file(path, &len, &missing);
    int status = 2;
    if (old) {
        bool differ;
        err = udiff(old, len, now.data ? now.data : "", now.len,
                    missing ? "/dev/null" : path, path, write_chunk, stdout,
                    &differ);
        if (err)
            fprintf(stderr, "ormc: cannot write the diff: %s\n",
                    strerror(err));
        else if (differ)
            fprintf(stderr, "ormc: %s is %s\n", path,
                    missing ? "missing" : "out of date");
        status = err ? 2 : differ;
    }
    free(old);
    free(now.data);
    free(path);
    return status;
}

/* --check over every output: the worst status of check_one. */
static int check_all(const Job *job)
{
    int status = 0;
    for (int i = 0; i < job->n; i++)
        for (int k = 0; k < 2; k++) {
            int s = check_one(job, job->units[i], k == 1);
            if (s > status)
                status = s;
        }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("ormc: cannot write to stdout\n", stderr);
        return 2;
    }
    return status;
}

/* --emit-sql: every schema's DDL to stdout.  0, or 2 on a failed write. */
static int emit_sql(const Job *job)
{
    int err = 0;
    for (int i = 0; i < job->n && !err; i++)
        err = ormcc_emit_sql(job->units[i], job->dialect, write_chunk,
                             stdout);
    if (!err && fflush(stdout) != 0)
        err = errno ? errno : EIO;
    if (err) {
        fprintf(stderr, "ormc: cannot write to stdout: %s\n", strerror(err));
        return 2;
    }
    return 0;
}

/* ---- ormc diff ---- */

/* "ormc diff: <what>" and the usage on stderr; exit status 2. */
static int diff_usage(ormcc_rename *renames, const char *what, const char *arg)
{
    fprintf(stderr, "ormc diff: %s", what);
    if (arg)
        fprintf(stderr, " '%s'", arg);
    fprintf(stderr, "\n%s", USAGE);
    free(renames);
    return 2;
}

/* Splits "MODEL.FROM=TO" in place; false when it is not of that form. */
static bool parse_rename(char *spec, ormcc_rename *r)
{
    char *dot = strchr(spec, '.'), *eq = dot ? strchr(dot, '=') : NULL;
    if (!dot || !eq || dot == spec || eq == dot + 1 || !eq[1] ||
        strchr(eq + 1, '.') || strchr(eq + 1, '='))
        return false;
    *dot = *eq = '\0';
    *r = (ormcc_rename){spec, dot + 1, eq + 1};
    return true;
}

/* ormc diff [--dialect D] [--force] [--rename M.a=b]... OLD.orm NEW.orm:
 * argv[0] is "diff".  Exit status: 0 script printed, 1 schema errors or
 * refused steps, 2 usage or I/O errors. */
static int diff_main(int argc, char **argv)
{
    ormcc_diff_options opt = {0};
    ormcc_rename *renames = calloc((size_t)argc, sizeof *renames);
    const char *files[2];
    int n = 0;
    if (!renames) {
        fputs("ormc: out of memory\n", stderr);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (strcmp(a, "--force") == 0) {
            opt.force = 1;
        } else if (strcmp(a, "--dialect") == 0) {
            if (++i == argc)
                return diff_usage(renames, "--dialect needs sqlite or "
                                           "postgresql", NULL);
            if (strcmp(argv[i], "sqlite") == 0)
                opt.dialect = ORMCC_SQLITE;
            else if (strcmp(argv[i], "postgresql") == 0)
                opt.dialect = ORMCC_POSTGRESQL;
            else
                return diff_usage(renames, "unknown dialect", argv[i]);
        } else if (strcmp(a, "--rename") == 0 ||
                   strncmp(a, "--rename=", 9) == 0) {
            char *spec = a[8] ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!spec)
                return diff_usage(renames, "--rename needs MODEL.OLD=NEW",
                                  NULL);
            char *copy = spec;
            if (!parse_rename(copy, &renames[opt.nrenames]))
                return diff_usage(renames, "--rename takes MODEL.OLD=NEW, "
                                           "not", spec);
            opt.nrenames++;
        } else if (a[0] == '-' && a[1]) {
            return diff_usage(renames, "unknown option", a);
        } else if (n == 2) {
            return diff_usage(renames, "takes two schemas, OLD.orm and "
                                       "NEW.orm; extra argument", a);
        } else {
            files[n++] = a;
        }
    }
    if (n < 2)
        return diff_usage(renames, "needs two schemas, OLD.orm and NEW.orm",
                          NULL);
    opt.renames = renames;
    ormcc_unit *units[2] = {NULL, NULL};
    int status = 0, errors = 0;
    for (int i = 0; i < 2; i++) {
        size_t len;
        char *text = read_file(files[i], &len, NULL);
        if (!text) {
            status = 2;
            continue;
        }
        errors += ormcc_check(files[i], text, len, stderr, &units[i]);
        free(text);
    }
    if (status == 0 && errors) {
        fprintf(stderr, "ormc diff: %d error%s in the schemas\n", errors,
                errors == 1 ? "" : "s");
        status = 1;
    }
    if (status == 0) {
        int err = 0;
        int refused = ormcc_diff(units[0], units[1], &opt, stderr,
                                 write_chunk, stdout, &err);
        if (!err && !refused && fflush(stdout) != 0)
            err = errno ? errno : EIO;
        if (refused) {
            fprintf(stderr, "ormc diff: %d step%s refused; no script "
                            "written\n",
                    refused, refused == 1 ? "" : "s");
            status = 1;
        } else if (err) {
            fprintf(stderr, "ormc: cannot write to stdout: %s\n",
                    strerror(err));
            status = 2;
        }
    }
    ormcc_unit_free(units[0]);
    ormcc_unit_free(units[1]);
    free(renames);
    return status;
}

/* ---- main ---- */

/* "ormc: <what>" and the usage on stderr; exit status 2. */
static int usage_error(const char **files, const char *what, const char *arg)
{
    fprintf(stderr, "ormc: %s", what);
    if (arg)
        fprintf(stderr, " '%s'", arg);
    fprintf(stderr, "\n%s", USAGE);
    free(files);
    return 2;
}

/* True (with a message) when a path has a line break, which a depfile
 * cannot spell. */
static bool unspellable(const char *path)
{
    if (!strpbrk(path, "\n\r"))
        return false;
    fprintf(stderr, "ormc: -MF: a depfile cannot name a path with a line "
                    "break: ");
    for (const char *p = path; *p; p++)
        fputs(*p == '\n' ? "\\n" : *p == '\r' ? "\\r" : (char[]){*p, 0},
              stderr);
    fputc('\n', stderr);
    return true;
}

/* ormc inspect DB: the schema on stdout.  Exit status 0, 1 when the
 * database cannot be read, 2 usage. */
static int inspect_main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "ormc inspect: %s\n%s",
                argc < 2 ? "name a database file" : "takes one database file",
                USAGE);
        return 2;
    }
    char *out, *err;
    if (inspect_db(argv[1], &out, &err) != 0) {
        fprintf(stderr, "ormc inspect: %s\n", err);
        free(err);
        return 1;
    }
    int rc = fputs(out, stdout) == EOF || fflush(stdout) != 0 ? 2 : 0;
    if (rc)
        fprintf(stderr, "ormc inspect: cannot write the schema\n");
    free(out);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "diff") == 0)
        return diff_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "inspect") == 0)
        return inspect_main(argc - 1, argv + 1);
    Job job = {.dir = "."};
    Mode mode = WRITE;
    ormcc_options diag = {0};
    int color = -1; /* auto */
    /* options may come before or after the files; "--" ends them;
     * files[argc..] holds the -I directories */
    const char **files = calloc(2 * (size_t)argc, sizeof *files);
    if (!files) {
        fputs("ormc: out of memory\n", stderr);
        return 2;
    }
    const char **dirs = files + argc; /* -I: in the same block */
    size_t ndirs = 0;
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
            if (++i == argc)
                return usage_error(files, "-o needs a directory", NULL);
            job.dir = argv[i];
        } else if (strncmp(a, "-I", 2) == 0) {
            /* -I DIR or -IDIR, as cc takes it */
            if (!a[2] && ++i == argc)
                return usage_error(files, "-I needs a directory", NULL);
            dirs[ndirs++] = a[2] ? a + 2 : argv[i];
        } else if (strncmp(a, "-MF", 3) == 0) {
            /* -MF FILE or -MFFILE, as cc takes it */
            if (!a[3] && ++i == argc)
                return usage_error(files, "-MF needs a file name", NULL);
            job.depfile = a[3] ? a + 3 : argv[i];
        } else if (strcmp(a, "--dialect") == 0) {
            if (++i == argc)
                return usage_error(files, "--dialect needs sqlite or "
                                          "postgresql", NULL);
            if (strcmp(argv[i], "sqlite") == 0)
                job.dialect = ORMCC_SQLITE;
            else if (strcmp(argv[i], "postgresql") == 0)
                job.dialect = ORMCC_POSTGRESQL;
            else
                return usage_error(files, "unknown dialect", argv[i]);
        } else if (strncmp(a, "--diagnostics=", 14) == 0) {
            if (strcmp(a + 14, "json") != 0 && strcmp(a + 14, "text") != 0)
                return usage_error(files, "--diagnostics takes text or json, "
                                          "not", a + 14);
            diag.json = strcmp(a + 14, "json") == 0;
        } else if (strncmp(a, "--color=", 8) == 0 ||
                   strcmp(a, "--color") == 0) {
            const char *w = a[7] ? a + 8 : "always";
            if (strcmp(w, "auto") != 0 && strcmp(w, "always") != 0 &&
                strcmp(w, "never") != 0)
                return usage_error(files, "--color takes auto, always or "
                                          "never, not", w);
            color = strcmp(w, "auto") == 0 ? -1 : strcmp(w, "always") == 0;
        } else if (strcmp(a, "--check") == 0 ||
                   strcmp(a, "--emit-sql") == 0) {
            Mode m = a[2] == 'c' ? CHECK : EMIT_SQL;
            if (mode != WRITE && mode != m)
                return usage_error(files, "--check and --emit-sql exclude "
                                          "each other", NULL);
            mode = m;
        } else {
            return usage_error(files, "unknown option", a);
        }
    }
    if (n == 0)
        return usage_error(files, "no input files", NULL);
    diag.color = color < 0 ? isatty(fileno(stderr)) : color;
    diag.import_dirs = dirs;
    diag.nimport_dirs = ndirs;
    int errors = 0, status = 0;
    ormcc_unit **units = calloc((size_t)n, sizeof *units);
    if (!units) {
        fputs("ormc: out of memory\n", stderr);
        free(files);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        size_t len;
        char *text = read_file(files[i], &len, NULL);
        if (!text) {
            status = 2;
            continue;
        }
        errors += ormcc_check_with(files[i], text, len, stderr, &diag,
                                   &units[i]);
        free(text);
    }
    if (status == 0 && errors) {
        if (!diag.json) /* JSON readers take the exit status */
            fprintf(stderr, "ormc: %d error%s; no files written\n", errors,
                    errors == 1 ? "" : "s");
        status = 1;
    }
    for (int i = 0; i < n && status == 0 && mode != EMIT_SQL; i++) {
        /* two inputs with the same base name would overwrite each other */
        for (int k = 0; k < i; k++)
            if (strcmp(ormcc_header_name(units[k]),
                       ormcc_header_name(units[i])) == 0) {
                fprintf(stderr, "ormc: %s and %s would both write %s\n",
                        files[k], files[i], ormcc_header_name(units[i]));
                status = 2;
            }
    }
    if (status == 0 && mode == WRITE && job.depfile) {
        bool bad = unspellable(job.depfile) || unspellable(job.dir);
        for (int i = 0; i < n; i++) {
            bad |= unspellable(files[i]);
            for (size_t k = 0; k < ormcc_import_count(units[i]); k++)
                bad |= unspellable(ormcc_import(units[i], k));
        }
        if (bad)
            status = 2;
    }
    job.files = files;
    job.units = units;
    job.n = n;
    if (status == 0) {
        if (mode == CHECK)
            status = check_all(&job);
        else if (mode == EMIT_SQL)
            status = emit_sql(&job);
        else if (!write_all(&job))
            status = 2;
    }
    for (int i = 0; i < n; i++)
        ormcc_unit_free(units[i]);
    free(units);
    free(files);
    return status;
}
