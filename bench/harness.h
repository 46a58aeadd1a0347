/*
 * harness.h — what the C contestants (ormc_bench.c, hand_bench.c,
 * floor_bench.c) share: the workload inputs, the timing loop and the one
 * result line the runner (bench/run.py) parses.  bench/django_bench.py
 * mirrors the inputs (bench_w5_author_id, bench_w6_row, the W7..W13
 * constants, bench_w9_max_author, bench_w10_id).
 *
 * A contestant is a table of workloads.  For each one the harness calls, in
 * one process:
 *   prepare  once, untimed (e.g. build the W6 input rows);
 *   then 1 warm-up run and R timed runs, each:
 *     run      TIMED: run the SQL and materialise the full result in memory;
 *     check    untimed, last run only: the checksum of what run built;
 *     release  untimed: free the result (or roll back W6's transaction).
 * and prints one line, tab-separated key=value:
 *   BENCH contestant= workload= runs= median_ns= min_ns= cpu_ns=
 *         statements= checksum= rss_kb= init_ns= total_ns= total_cpu_ns=
 *         status=ok|error [error=]
 * median_ns and min_ns are wall-clock times of the timed part, cpu_ns the
 * median CPU time (user + system) of this process over the same runs,
 * total_ns and total_cpu_ns their sums over the R runs (the PostgreSQL
 * client scaling table: runs per second of concurrent processes);
 * statements is the number executed by one run (it must be the same in every
 * run); rss_kb is the process's peak RSS (VmHWM); init_ns is main() to
 * database open.  Workload "none" only opens the database: the runner times
 * it as the process start-up.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* One workload as a contestant implements it.  Each returns 0 or -1 (then
 * the contestant's errmsg says why); prepare, check and release may be NULL. */
typedef struct bench_workload {
    const char *name;
    int (*prepare)(void *ctx);
    int (*run)(void *ctx);
    int (*check)(void *ctx, uint64_t *sum);
    void (*release)(void *ctx);
} bench_workload;

typedef struct bench_contestant {
    const char *name;
    const bench_workload *workloads;
    size_t nworkloads;
    /* Opens the database file; *ctx is the contestant's state. */
    int (*open)(const char *path, void **ctx);
    void (*close)(void *ctx);
    /* Statements executed since open (monotonic). */
    uint64_t (*statements)(void *ctx);
    /* Why the last call failed. */
    const char *(*errmsg)(void *ctx);
} bench_contestant;

/* Usage: PROG DBFILE WORKLOAD RUNS.  Runs WORKLOAD as described above and
 * prints its BENCH line; returns the process exit status (0 ok, 1 the
 * workload failed, 2 usage). */
int bench_main(int argc, char **argv, const bench_contestant *c);

/* Monotonic clock in nanoseconds. */
uint64_t bench_now_ns(void);

/* ---- workload inputs, identical in every contestant ---- */

/* W0: the naive loop and its select_related twin read the first
 * BENCH_W0_BOOKS books by id. */
#define BENCH_W0_BOOKS 1000
/* W5: blogs of BENCH_W5_AUTHORS authors, newest first, BENCH_W5_LIMIT rows. */
#define BENCH_W5_AUTHORS 50
#define BENCH_W5_LIMIT 100
/* W6: rows inserted in one transaction. */
#define BENCH_W6_ROWS 100000

/* The k-th author id of W5 (k < BENCH_W5_AUTHORS) for a database with
 * `nauthors` authors (ids 1..nauthors, nauthors >= BENCH_W5_AUTHORS). */
static inline int64_t bench_w5_author_id(int64_t k, int64_t nauthors)
{
    return 1 + (3 + k * (nauthors / BENCH_W5_AUTHORS)) % nauthors;
}

/* Row i of W6 for a database with `nblogs` blogs: its blog id, its content
 * (written to buf, NUL-terminated, 50..200 ASCII bytes; buf holds 201) and
 * its score.  Returns the content's length. */
static inline size_t bench_w6_row(int64_t i, int64_t nblogs, int64_t *blog_id,
                                  char *buf, int64_t *score)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz .,";
    size_t off = (size_t)(i % 50), len = 50 + (size_t)((i * 37) % 151);
    for (size_t k = 0; k < len; k++) {
        size_t p = off + k;
        buf[k] = alphabet[(p * 7 + (p >> 3)) % 29];
    }
    buf[len] = '\0';
    *blog_id = 1 + (i * 7919) % nblogs;
    *score = i % 21 - 5;
    return len;
}

/* W7: blogs whose author's name starts with BENCH_W7_LETTER, with their
 * author, by id. */
#define BENCH_W7_LETTER "m"
/* W8: blogs where (rating >= BENCH_W8_RATING OR title contains
 * BENCH_W8_TITLE) AND NOT (editor IS NULL), by id. */
#define BENCH_W8_RATING 4.0
#define BENCH_W8_TITLE "zz"
/* W9 / W9n: rating = rating + BENCH_W9_DELTA on the blogs of the first
 * tenth of the authors (author_id <= bench_w9_max_author), inside a
 * transaction that is rolled back after the check. */
#define BENCH_W9_DELTA 0.5
static inline int64_t bench_w9_max_author(int64_t nauthors)
{
    return nauthors / 10;
}
/* W10: the comments whose id is in a list of BENCH_W10_IDS ids (W10p, the
 * probe: BENCH_W10P_IDS), in the list's order: bench_w10_id(k, ncomments)
 * for k = 0, 1, ...  They spread over 1..2*ncomments, so about half exist
 * (about 50,000 rows at every S >= 1). */
#define BENCH_W10_IDS 100000
#define BENCH_W10P_IDS 300000
static inline int64_t bench_w10_id(int64_t k, int64_t ncomments)
{
    return 1 + (k * 7919) % (2 * ncomments);
}
/* W11: the blogs created in [BENCH_W11_LO, BENCH_W11_HI] (2021-01-01 for
 * 109 days, 10% of the three years of data), with their comments. */
#define BENCH_W11_LO 1609459200
#define BENCH_W11_HI (1609459200 + 109 * 86400 - 1)

/* W12: every author, their blogs, each blog's comments (nested prefetch,
 * no input).  W13: every blog with its BENCH_W13_PER_BLOG newest comments
 * (highest ids first). */
#define BENCH_W13_PER_BLOG 3

/* All W6 rows laid out once (untimed): content[i] points into one buffer. */
typedef struct bench_w6_input {
    int64_t *blog_id;
    int64_t *score;
    const char **content;
    size_t *len;
    char *text;
} bench_w6_input;

/* Builds the BENCH_W6_ROWS rows; 0 or -1 (out of memory). */
int bench_w6_build(bench_w6_input *in, int64_t nblogs);
void bench_w6_free(bench_w6_input *in);

/* The W10 ids (n of them) as one JSON array text, e.g. "[1,7920,...]", into
 * *buf (grown with realloc as needed; *cap its size).  Returns the length,
 * or 0 when out of memory.  This is the formatting every C contestant that
 * sends the list as one json_each parameter does, timed. */
size_t bench_json_ids(char **buf, size_t *cap, const int64_t *ids, size_t n);

#endif /* BENCH_HARNESS_H */
