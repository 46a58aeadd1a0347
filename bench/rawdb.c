/*
 * rawdb.c — the raw sqlite3 plumbing of hand_bench.c and floor_bench.c.
 */
#include "rawdb.h"

#include "checksum.h"
#include "sql.h"

#include <stdio.h>
#include <stdlib.h>
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
    sqlite3_finalize(r->w9_update);
    sqlite3_finalize(r->w9_fetch);
    sqlite3_finalize(r->w9_row_update);
    sqlite3_finalize(r->w9_check);
    free(r->w9_rows);
    free(r->w9_text);
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

int rawdb_w9_prepare(rawdb *r)
{
    if (rawdb_sizes(r))
        return -1;
    r->w9_max = bench_w9_max_author(r->nauthors);
    return rawdb_prepare(r, SQL_W9, &r->w9_update) ||
           rawdb_prepare(r, SQL_W9N_FETCH, &r->w9_fetch) ||
           rawdb_prepare(r, SQL_W9N_UPDATE, &r->w9_row_update) ||
           rawdb_prepare(r, SQL_W9_CHECK, &r->w9_check);
}

static int w9_begin(rawdb *r)
{
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return rawdb_fail(r, "BEGIN");
    return 0;
}

int rawdb_w9_run(rawdb *r)
{
    if (w9_begin(r))
        return -1;
    sqlite3_stmt *st = r->w9_update;
    sqlite3_bind_int64(st, 1, r->w9_max);
    sqlite3_bind_double(st, 2, BENCH_W9_DELTA);
    r->executed++;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rawdb_fail(r, SQL_W9);
    r->w9_changed = sqlite3_changes64(r->db);
    return 0;
}

int rawdb_w9n_run(rawdb *r)
{
    if (w9_begin(r))
        return -1;
    sqlite3_stmt *st = r->w9_fetch;
    int rc;
    r->w9_nrows = r->w9_text_len = 0;
    sqlite3_bind_int64(st, 1, r->w9_max);
    r->executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->w9_nrows == r->w9_cap) {
            size_t cap = r->w9_cap ? r->w9_cap * 2 : 256;
            rawdb_blog *p = realloc(r->w9_rows, cap * sizeof *p);
            if (!p)
                break;
            r->w9_rows = p;
            r->w9_cap = cap;
        }
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        if (r->w9_text_len + n > r->w9_text_cap) {
            size_t cap = r->w9_text_cap ? r->w9_text_cap * 2 : 65536;
            while (cap < r->w9_text_len + n)
                cap *= 2;
            char *p = realloc(r->w9_text, cap);
            if (!p)
                break;
            r->w9_text = p;
            r->w9_text_cap = cap;
        }
        rawdb_blog *b = &r->w9_rows[r->w9_nrows++];
        b->id = sqlite3_column_int64(st, 0);
        memcpy(r->w9_text + r->w9_text_len, sqlite3_column_text(st, 1), n);
        b->title_off = r->w9_text_len;
        b->title_len = n;
        r->w9_text_len += n;
        b->author_id = sqlite3_column_int64(st, 2);
        b->editor_null = sqlite3_column_type(st, 3) == SQLITE_NULL;
        b->editor_id = sqlite3_column_int64(st, 3);
        b->created = sqlite3_column_int64(st, 4);
        b->rating_null = sqlite3_column_type(st, 5) == SQLITE_NULL;
        b->rating = sqlite3_column_double(st, 5);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        if (rc == SQLITE_ROW)
            snprintf(r->err, sizeof r->err, "out of memory");
        return rc == SQLITE_ROW ? -1 : rawdb_fail(r, SQL_W9N_FETCH);
    }
    st = r->w9_row_update;
    for (size_t i = 0; i < r->w9_nrows; i++) {
        rawdb_blog *b = &r->w9_rows[i];
        if (!b->rating_null)
            b->rating += BENCH_W9_DELTA;
        sqlite3_bind_text(st, 1, r->w9_text + b->title_off, (int)b->title_len,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, b->author_id);
        if (b->editor_null)
            sqlite3_bind_null(st, 3);
        else
            sqlite3_bind_int64(st, 3, b->editor_id);
        sqlite3_bind_int64(st, 4, b->created);
        if (b->rating_null)
            sqlite3_bind_null(st, 5);
        else
            sqlite3_bind_double(st, 5, b->rating);
        sqlite3_bind_int64(st, 6, b->id);
        r->executed++;
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return rawdb_fail(r, SQL_W9N_UPDATE);
    }
    r->w9_changed = (int64_t)r->w9_nrows;
    return 0;
}

int rawdb_w9_check(rawdb *r, uint64_t *sum)
{
    sqlite3_stmt *st = r->w9_check;
    sqlite3_bind_int64(st, 1, r->w9_max);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return rawdb_fail(r, SQL_W9_CHECK);
    }
    uint64_t h = ck(CK_SEED, (uint64_t)r->w9_changed);
    h = ck(h, (uint64_t)sqlite3_column_int64(st, 0));
    h = ck_real(h, sqlite3_column_double(st, 1));
    h = ck(h, (uint64_t)sqlite3_column_int64(st, 2));
    h = ck_real(h, sqlite3_column_double(st, 3));
    sqlite3_reset(st);
    *sum = h;
    return 0;
}

void rawdb_w9_release(rawdb *r)
{
    if (!sqlite3_get_autocommit(r->db))
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

uint64_t rawdb_ck_comment(uint64_t h, int64_t id, int64_t blog_id,
                          const char *content, size_t len, int64_t score)
{
    h = ck(h, (uint64_t)id);
    h = ck(h, (uint64_t)blog_id);
    h = ck_text(h, content, len);
    return ck(h, (uint64_t)score);
}

int rawdb_ncomments(rawdb *r, int64_t *n)
{
    sqlite3_stmt *st;
    if (rawdb_prepare(r, SQL_NCOMMENTS, &st))
        return -1;
    int rc = sqlite3_step(st);
    *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rawdb_fail(r, SQL_NCOMMENTS);
}

int rawdb_prepare_w10(rawdb *r, size_t n, sqlite3_stmt **st, int *one_param)
{
    *one_param = n > (size_t)sqlite3_limit(r->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
    if (*one_param)
        return rawdb_prepare(r, SQL_W10_JSON, st);
    size_t head = strlen(SQL_W10_HEAD), tail = strlen(SQL_W10_TAIL);
    char *sql = malloc(head + 2 * n + tail + 1);
    if (!sql) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    char *p = sql + head;
    memcpy(sql, SQL_W10_HEAD, head);
    for (size_t k = 0; k < n; k++) {
        if (k)
            *p++ = ',';
        *p++ = '?';
    }
    memcpy(p, SQL_W10_TAIL, tail + 1);
    int rc = rawdb_prepare(r, sql, st);
    free(sql);
    return rc;
}

int rawdb_bind_w10(rawdb *r, sqlite3_stmt *st, int one_param,
                   const int64_t *ids, size_t n, char **json, size_t *cap)
{
    if (!one_param) {
        for (size_t k = 0; k < n; k++)
            sqlite3_bind_int64(st, (int)k + 1, ids[k]);
        return 0;
    }
    size_t len = bench_json_ids(json, cap, ids, n);
    if (!len) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return -1;
    }
    sqlite3_bind_text64(st, 1, *json, len, SQLITE_STATIC, SQLITE_UTF8);
    return 0;
}
