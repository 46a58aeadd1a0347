/*
 * gen.c — writes the benchmark database at scale S:
 *   1,000×S authors, 10,000×S books, 10,000×S blogs, 100,000×S comments,
 *   100×S tags and 0..5 tags per blog (about 25,000×S links),
 * deterministic (splitmix64, fixed seed): the same S gives the same rows.
 *
 * Usage: gen DBFILE S      (S may be fractional, e.g. 0.1)
 *
 * The tables and indexes are the generated DDL of examples/blog.orm
 * (blog_schema.ddl), so the file is exactly what ormc expects.  The tables
 * are created first, filled with raw sqlite3 prepared inserts in one
 * transaction (journal off, synchronous off), then the indexes are built.
 * The file is written to DBFILE.tmp and renamed into place at the end.
 *
 * The data: titles 20..60 characters, comment bodies 50..200, names 8..40,
 * ASCII only.  40% of blogs have no editor and 35% no rating.  Comments go
 * to blogs unevenly: every fifth blog (id % 5 == 0) has none, the rest are
 * drawn with a square law, so low ids get hundreds and high ids a few.
 * Tags (names 3..20 characters and " <id>", so unique) come after every
 * other table, so adding them left the rows of the others as they were:
 * each blog gets 0..5 distinct tags (uniform), drawn with a square law
 * too (tag 1 is the most used), linked in ascending blog id.
 */
#include "blog.orm.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x0123456789abcdefull;

/* splitmix64 */
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t rnd_range(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Uniform in [0, 1). */
static double rnd_unit(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/* A pool of random lowercase words; strings are slices of it. */
#define POOL 65536
static char pool[POOL + 256];

static void pool_fill(void)
{
    size_t i = 0;
    while (i < sizeof pool) {
        int64_t w = rnd_range(2, 9);
        for (int64_t k = 0; k < w && i < sizeof pool; k++)
            pool[i++] = (char)('a' + rnd() % 26);
        if (i < sizeof pool)
            pool[i++] = ' ';
    }
}

/* A slice of the pool of lo..hi bytes, not starting or ending in a space. */
static const char *text(int64_t lo, int64_t hi, int *len)
{
    size_t off = (size_t)(rnd() % POOL);
    while (pool[off] == ' ')
        off++;
    int n = (int)rnd_range(lo, hi);
    while (pool[off + (size_t)n - 1] == ' ')
        n--;
    if (n < lo)
        n = (int)lo; /* a word ending in a space: keep the length */
    *len = n;
    return pool + off;
}

static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "gen: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
    exit(1);
}

static void exec(const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        die(sql);
}

static sqlite3_stmt *prepare(const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die(sql);
    return st;
}

static void step(sqlite3_stmt *st, const char *what)
{
    if (sqlite3_step(st) != SQLITE_DONE)
        die(what);
    sqlite3_reset(st);
}

static int64_t scaled(double s, double n)
{
    return (int64_t)(s * n + 0.5);
}

int main(int argc, char **argv)
{
    double s = argc == 3 ? strtod(argv[2], NULL) : 0;
    if (s <= 0 || s > 1000) {
        fprintf(stderr, "usage: gen DBFILE S   (0 < S <= 1000)\n");
        return 2;
    }
    int64_t nauthors = scaled(s, 1000), nbooks = scaled(s, 10000),
            nblogs = scaled(s, 10000), ncomments = scaled(s, 100000),
            ntags = scaled(s, 100);
    if (nauthors < 50 || nblogs < 5 || ntags < 5) {
        fprintf(stderr, "gen: S=%g is too small (need 50 authors)\n", s);
        return 2;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    remove(tmp);
    if (sqlite3_open(tmp, &db) != SQLITE_OK)
        die("open");
    exec("PRAGMA journal_mode=OFF");
    exec("PRAGMA synchronous=OFF");
    exec("PRAGMA cache_size=-262144");
    for (size_t i = 0; i < blog_schema.nddl; i++)
        if (strncmp(blog_schema.ddl[i], "CREATE TABLE", 12) == 0)
            exec(blog_schema.ddl[i]);
    pool_fill();
    exec("BEGIN");

    sqlite3_stmt *st = prepare(
        "INSERT INTO \"author\" (\"name\", \"email\") VALUES (?, ?)");
    for (int64_t i = 1; i <= nauthors; i++) {
        char email[64];
        int n, m = snprintf(email, sizeof email, "author%lld@example.org",
                            (long long)i);
        const char *name = text(8, 40, &n);
        sqlite3_bind_text(st, 1, name, n, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, email, m, SQLITE_STATIC);
        step(st, "insert author");
    }
    sqlite3_finalize(st);

    st = prepare("INSERT INTO \"book\" (\"title\", \"author_id\", \"price\", "
                 "\"pages\") VALUES (?, ?, ?, ?)");
    for (int64_t i = 1; i <= nbooks; i++) {
        int n;
        const char *title = text(20, 60, &n);
        sqlite3_bind_text(st, 1, title, n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, rnd_range(1, nauthors));
        sqlite3_bind_double(st, 3, (double)rnd_range(100, 9999) / 100.0);
        sqlite3_bind_int64(st, 4, rnd_range(50, 999));
        step(st, "insert book");
    }
    sqlite3_finalize(st);

    st = prepare("INSERT INTO \"blog\" (\"title\", \"author_id\", \"editor_id\", "
                 "\"created\", \"rating\") VALUES (?, ?, ?, ?, ?)");
    for (int64_t i = 1; i <= nblogs; i++) {
        int n;
        const char *title = text(20, 60, &n);
        sqlite3_bind_text(st, 1, title, n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, rnd_range(1, nauthors));
        if (rnd() % 100 < 40)
            sqlite3_bind_null(st, 3);
        else
            sqlite3_bind_int64(st, 3, rnd_range(1, nauthors));
        /* 2020-01-01 plus up to three years */
        sqlite3_bind_int64(st, 4, 1577836800 + rnd_range(0, 3 * 365 * 86400));
        if (rnd() % 100 < 35)
            sqlite3_bind_null(st, 5);
        else
            sqlite3_bind_double(st, 5, 1.0 + 0.5 * (double)rnd_range(0, 8));
        step(st, "insert blog");
    }
    sqlite3_finalize(st);

    st = prepare("INSERT INTO \"comment\" (\"blog_id\", \"content\", \"score\") "
                 "VALUES (?, ?, ?)");
    int64_t m = nblogs * 4 / 5; /* blogs that get comments */
    for (int64_t i = 1; i <= ncomments; i++) {
        double u = rnd_unit();
        int64_t k = (int64_t)((double)m * u * u);
        int n;
        const char *content = text(50, 200, &n);
        sqlite3_bind_int64(st, 1, k + k / 4 + 1); /* skips id % 5 == 0 */
        sqlite3_bind_text(st, 2, content, n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, rnd_range(-5, 20));
        step(st, "insert comment");
    }
    sqlite3_finalize(st);

    /* the tags and their links last: the rows above stay as they were */
    st = prepare("INSERT INTO \"tag\" (\"name\") VALUES (?)");
    for (int64_t i = 1; i <= ntags; i++) {
        char name[64];
        int n;
        const char *word = text(3, 20, &n);
        int m = snprintf(name, sizeof name, "%.*s %lld", n, word, (long long)i);
        sqlite3_bind_text(st, 1, name, m, SQLITE_STATIC);
        step(st, "insert tag");
    }
    sqlite3_finalize(st);
    st = prepare("INSERT INTO \"blog_tags\" (\"blog_id\", \"tag_id\") "
                 "VALUES (?, ?)");
    int64_t nlinks = 0;
    for (int64_t b = 1; b <= nblogs; b++) {
        int64_t k = rnd_range(0, 5), got[5];
        for (int64_t j = 0; j < k; j++) {
            int64_t t;
            bool dup;
            do { /* distinct: at most 5 of >= 5 tags */
                double u = rnd_unit();
                t = 1 + (int64_t)((double)ntags * u * u);
                dup = false;
                for (int64_t x = 0; x < j; x++)
                    dup |= got[x] == t;
            } while (dup);
            got[j] = t;
            sqlite3_bind_int64(st, 1, b);
            sqlite3_bind_int64(st, 2, t);
            step(st, "insert blog_tags");
            nlinks++;
        }
    }
    sqlite3_finalize(st);
    exec("COMMIT");

    for (size_t i = 0; i < blog_schema.nddl; i++)
        if (strncmp(blog_schema.ddl[i], "CREATE TABLE", 12) != 0)
            exec(blog_schema.ddl[i]);
    if (sqlite3_close(db) != SQLITE_OK)
        die("close");
    db = NULL;
    if (rename(tmp, argv[1]) != 0) {
        perror("gen: rename");
        return 1;
    }
    printf("gen: %s: S=%g, %lld authors, %lld books, %lld blogs, %lld "
           "comments, %lld tags, %lld blog tags\n",
           argv[1], s, (long long)nauthors, (long long)nbooks,
           (long long)nblogs, (long long)ncomments, (long long)ntags,
           (long long)nlinks);
    return 0;
}
