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
} rawdb;

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

#endif /* BENCH_RAWDB_H */
