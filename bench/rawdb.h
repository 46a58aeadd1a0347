/*
 * rawdb.h — what hand_bench.c and floor_bench.c share: a raw sqlite3
 * connection opened as ormc opens one (foreign keys on), their statements
 * prepared once and reused, a count of statement executions, and W6, which
 * both run identically (see bench/README.md).
 */
#ifndef BENCH_RAWDB_H
#define BENCH_RAWDB_H

#include "harness.h"

#include <sqlite3.h>
#include <stdint.h>

typedef struct rawdb {
    sqlite3 *db;
    uint64_t executed;     /* statement executions (transaction control not counted) */
    char err[256];         /* why the last call failed */
    int64_t nauthors, nblogs;
    int64_t w5_ids[BENCH_W5_AUTHORS];
    int64_t w6_before;     /* largest comment id before W6's inserts */
    bench_w6_input w6;
    sqlite3_stmt *w6_insert, *w6_check;
    /* W9, W9n */
    int64_t w9_max, w9_changed;
    sqlite3_stmt *w9_update, *w9_fetch, *w9_row_update, *w9_check;
    struct rawdb_blog *w9_rows;
    size_t w9_nrows, w9_cap;
    char *w9_text;
    size_t w9_text_len, w9_text_cap;
} rawdb;

/* A blog row as W9n's naive loop keeps it (title at w9_text + title_off). */
typedef struct rawdb_blog {
    int64_t id, author_id, editor_id, created;
    double rating;
    size_t title_off, title_len;
    int editor_null, rating_null;
} rawdb_blog;

/* Opens path read-write, SQLITE_OPEN_NOMUTEX, with PRAGMA foreign_keys = ON,
 * as ormc_open does. */
int rawdb_open(rawdb *r, const char *path);
/* Finalizes W6's statements and closes; the caller finalizes its own first. */
void rawdb_close(rawdb *r);
/* Prepares sql into *st (once, untimed); 0 or -1 with r->err set. */
int rawdb_prepare(rawdb *r, const char *sql, sqlite3_stmt **st);
/* Records the error of `what` in r->err; returns -1. */
int rawdb_fail(rawdb *r, const char *what);
/* Reads nauthors/nblogs and fills w5_ids. */
int rawdb_sizes(rawdb *r);
/* Prepares W5's statement (SQL_W5_HEAD, 50 '?', SQL_W5_TAIL) into *st. */
int rawdb_prepare_w5(rawdb *r, sqlite3_stmt **st);

/* W6: builds the rows and prepares the insert (prepare), inserts them all
 * inside BEGIN IMMEDIATE (run, timed), checksums the inserted rows read back
 * (check), rolls back (release). */
int rawdb_w6_prepare(rawdb *r);
int rawdb_w6_run(rawdb *r);
int rawdb_w6_check(rawdb *r, uint64_t *sum);
void rawdb_w6_release(rawdb *r);

/* W9 and W9n, which hand C and the floor run identically (writes keep
 * nothing): prepare reads the sizes and prepares the statements; run opens
 * BEGIN IMMEDIATE (as ormc_begin) and updates, timed — W9 with one UPDATE
 * (SQL_W9), W9n with the naive loop: fetch the rows (SQL_W9N_FETCH), then
 * one full-row UPDATE per row; check sums the ratings (SQL_W9_CHECK) inside
 * the transaction; release rolls it back. */
int rawdb_w9_prepare(rawdb *r);
int rawdb_w9_run(rawdb *r);
int rawdb_w9n_run(rawdb *r);
int rawdb_w9_check(rawdb *r, uint64_t *sum);
void rawdb_w9_release(rawdb *r);

/* The W10 checksum of one comment row (columns id, blog_id, content,
 * score) fed into h. */
uint64_t rawdb_ck_comment(uint64_t h, int64_t id, int64_t blog_id,
                          const char *content, size_t len, int64_t score);
/* Reads the number of comments (for the W10 ids). */
int rawdb_ncomments(rawdb *r, int64_t *n);
/* W10's statement for n ids: SQL_W10_HEAD, n "?", SQL_W10_TAIL when n is
 * within the connection's variable limit (*one_param = 0), else
 * SQL_W10_JSON (*one_param = 1). */
int rawdb_prepare_w10(rawdb *r, size_t n, sqlite3_stmt **st, int *one_param);
/* Binds W10's ids to st as prepared by rawdb_prepare_w10; the JSON text
 * (one_param) is built into *json (timed: it is part of the work). */
int rawdb_bind_w10(rawdb *r, sqlite3_stmt *st, int one_param,
                   const int64_t *ids, size_t n, char **json, size_t *cap);

#endif /* BENCH_RAWDB_H */
