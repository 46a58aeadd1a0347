/*
 * rawdb.c — the raw sqlite3 plumbing of hand_bench.c and floor_bench.c.
 */
#include "rawdb.h"

#include "checksum.h"
#include "sql.h"

#include <stdio.h>
#include <string.h>

int rawdb_fail(rawdb *r, const char *what)
{
    snprintf(r->err, sizeof r->err, "%.100s: %.140s", what,
             r->db ? sqlite3_errmsg(r->db) : "cannot open");
    return -1;
}

int rawdb_open(rawdb *r, const char *path)
{
    memset(r, 0, sizeof *r);
    /* NOMUTEX: one thread uses the connection, as ormc's backend opens it;
     * without it every sqlite3_column_* call takes the connection mutex
     * (20% of hand C's instructions in W1). */
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return rawdb_fail(r, path);
    if (sqlite3_exec(r->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
        SQLITE_OK)
        return rawdb_fail(r, "PRAGMA foreign_keys");
    return 0;
}

void rawdb_close(rawdb *r)
{
    sqlite3_finalize(r->w6_insert);
    sqlite3_finalize(r->w6_check);
    bench_w6_free(&r->w6);
    sqlite3_close(r->db);
}

int rawdb_prepare(rawdb *r, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
                           NULL) != SQLITE_OK)
        return rawdb_fail(r, sql);
    return 0;
}

int rawdb_sizes(rawdb *r)
{
    sqlite3_stmt *st;
    if (rawdb_prepare(r, SQL_COUNTS, &st))
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rawdb_fail(r, SQL_COUNTS);
    }
    r->nauthors = sqlite3_column_int64(st, 0);
    r->nblogs = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    if (r->nauthors < BENCH_W5_AUTHORS || r->nblogs < 1) {
        snprintf(r->err, sizeof r->err, "too few authors or blogs");
        return -1;
    }
    for (int64_t k = 0; k < BENCH_W5_AUTHORS; k++)
        r->w5_ids[k] = bench_w5_author_id(k, r->nauthors);
    return 0;
}

int rawdb_prepare_w5(rawdb *r, sqlite3_stmt **st)
{
    char sql[1024];
    size_t n = (size_t)snprintf(sql, sizeof sql, "%s", SQL_W5_HEAD);
    for (int k = 0; k < BENCH_W5_AUTHORS; k++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, k ? ", ?" : "?");
    snprintf(sql + n, sizeof sql - n, "%s", SQL_W5_TAIL);
    return rawdb_prepare(r, sql, st);
}

int rawdb_w6_prepare(rawdb *r)
{
    sqlite3_stmt *st;
    if (rawdb_sizes(r) || rawdb_prepare(r, SQL_MAX_COMMENT, &st))
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rawdb_fail(r, SQL_MAX_COMMENT);
    }
    r->w6_before = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (bench_w6_build(&r->w6, r->nblogs)) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    return rawdb_prepare(r, SQL_W6_INSERT, &r->w6_insert) ||
           rawdb_prepare(r, SQL_W6_CHECK, &r->w6_check);
}

int rawdb_w6_run(rawdb *r)
{
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return rawdb_fail(r, "BEGIN");
    sqlite3_stmt *st = r->w6_insert;
    for (size_t i = 0; i < BENCH_W6_ROWS; i++) {
        sqlite3_bind_int64(st, 1, r->w6.blog_id[i]);
        sqlite3_bind_text(st, 2, r->w6.content[i], (int)r->w6.len[i],
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, r->w6.score[i]);
        r->executed++;
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return rawdb_fail(r, "insert comment");
    }
    return 0;
}

int rawdb_w6_check(rawdb *r, uint64_t *sum)
{
    sqlite3_stmt *st = r->w6_check;
    uint64_t h = CK_SEED;
    int rc;
    sqlite3_bind_int64(st, 1, r->w6_before);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        h = ck(h, (uint64_t)sqlite3_column_int64(st, 0));
        h = ck(h, (uint64_t)sqlite3_column_int64(st, 1));
        const char *t = (const char *)sqlite3_column_text(st, 2);
        h = ck_text(h, t, (size_t)sqlite3_column_bytes(st, 2));
        h = ck(h, (uint64_t)sqlite3_column_int64(st, 3));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rawdb_fail(r, SQL_W6_CHECK);
    *sum = h;
    return 0;
}

void rawdb_w6_release(rawdb *r)
{
    if (!sqlite3_get_autocommit(r->db))
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}
