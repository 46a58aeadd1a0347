/*
 * harness.c — the timing loop shared by the C contestants (see harness.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of this process (user + system) in nanoseconds. */
static uint64_t cpu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Peak RSS of this process image in kB: VmHWM from /proc/self/status.
 * (getrusage's ru_maxrss survives exec, so a child of a big parent — the
 * python runner — would report at least the parent's size; it is the
 * fallback where /proc is missing.) */
/* Median of n sorted values. */
static uint64_t median(const uint64_t *v, int n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = ru.ru_maxrss;
    }
    return kb;
}

/* Prints the error line; the message loses tabs and newlines. */
static int fail(const bench_contestant *c, const char *w, const char *what,
                const char *msg)
{
    char clean[512];
    snprintf(clean, sizeof clean, "%s: %s", what, msg ? msg : "");
    for (char *p = clean; *p; p++)
        if (*p == '\t' || *p == '\n')
            *p = ' ';
    printf("BENCH\tcontestant=%s\tworkload=%s\tstatus=error\terror=%s\n",
           c->name, w, clean);
    return 1;
}

int bench_main(int argc, char **argv, const bench_contestant *c)
{
    uint64_t t_start = bench_now_ns();
    if (argc != 4 || atoi(argv[3]) < 1) {
        fprintf(stderr, "usage: %s DBFILE WORKLOAD RUNS\n", argv[0]);
        return 2;
    }
    const char *path = argv[1], *wname = argv[2];
    int runs = atoi(argv[3]);
    const bench_workload *w = NULL;
    for (size_t i = 0; i < c->nworkloads; i++)
        if (strcmp(c->workloads[i].name, wname) == 0)
            w = &c->workloads[i];
    if (!w && strcmp(wname, "none") != 0) {
        fprintf(stderr, "%s: unknown workload %s\n", argv[0], wname);
        return 2;
    }
    void *ctx = NULL;
    if (c->open(path, &ctx) != 0) {
        int rc = fail(c, wname, "open", c->errmsg(ctx));
        c->close(ctx);
        return rc;
    }
    uint64_t init_ns = bench_now_ns() - t_start;
    uint64_t *times = calloc((size_t)runs * 2, sizeof *times);
    uint64_t *cpu = times + runs;
    uint64_t stmts = 0, sum = 0;
    int rc = 0;
    if (!times) {
        rc = fail(c, wname, "harness", "out of memory");
        goto out;
    }
    if (!w) {
        printf("BENCH\tcontestant=%s\tworkload=none\truns=0\tmedian_ns=0\t"
               "min_ns=0\tcpu_ns=0\tstatements=0\tchecksum=0\trss_kb=%ld\t"
               "init_ns=%llu\t"
               "status=ok\n",
               c->name, peak_rss_kb(), (unsigned long long)init_ns);
        goto out;
    }
    if (w->prepare && w->prepare(ctx) != 0) {
        rc = fail(c, wname, "prepare", c->errmsg(ctx));
        goto out;
    }
    for (int r = -1; r < runs; r++) { /* r == -1: the warm-up */
        uint64_t s0 = c->statements(ctx);
        uint64_t c0 = cpu_now_ns(), t0 = bench_now_ns();
        int err = w->run(ctx);
        uint64_t t1 = bench_now_ns(), c1 = cpu_now_ns();
        uint64_t n = c->statements(ctx) - s0;
        if (err) {
            rc = fail(c, wname, r < 0 ? "warm-up run" : "run", c->errmsg(ctx));
            if (w->release)
                w->release(ctx);
            goto out;
        }
        if (r >= 0) {
            times[r] = t1 - t0;
            cpu[r] = c1 - c0;
        }
        if (r > -1 && n != stmts) {
            char msg[128];
            snprintf(msg, sizeof msg, "%llu statements, the run before %llu",
                     (unsigned long long)n, (unsigned long long)stmts);
            rc = fail(c, wname, "statement count differs between runs", msg);
            if (w->release)
                w->release(ctx);
            goto out;
        }
        stmts = n;
        if (r == runs - 1 && w->check && w->check(ctx, &sum) != 0) {
            rc = fail(c, wname, "check", c->errmsg(ctx));
            if (w->release)
                w->release(ctx);
            goto out;
        }
        if (w->release)
            w->release(ctx);
    }
    uint64_t total = 0, total_cpu = 0;
    for (int r = 0; r < runs; r++) {
        total += times[r];
        total_cpu += cpu[r];
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_u64);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp_u64);
    printf("BENCH\tcontestant=%s\tworkload=%s\truns=%d\tmedian_ns=%llu\t"
           "min_ns=%llu\tcpu_ns=%llu\tstatements=%llu\tchecksum=%016llx\t"
           "rss_kb=%ld\tinit_ns=%llu\ttotal_ns=%llu\ttotal_cpu_ns=%llu\t"
           "status=ok\n",
           c->name, wname, runs, (unsigned long long)median(times, runs),
           (unsigned long long)times[0],
           (unsigned long long)median(cpu, runs), (unsigned long long)stmts,
           (unsigned long long)sum, peak_rss_kb(), (unsigned long long)init_ns,
           (unsigned long long)total, (unsigned long long)total_cpu);
out:
    free(times);
    c->close(ctx);
    return rc;
}

int bench_w6_build(bench_w6_input *in, int64_t nblogs)
{
    size_t n = BENCH_W6_ROWS;
    memset(in, 0, sizeof *in);
    in->blog_id = malloc(n * sizeof *in->blog_id);
    in->score = malloc(n * sizeof *in->score);
    in->content = malloc(n * sizeof *in->content);
    in->len = malloc(n * sizeof *in->len);
    in->text = malloc(n * 201);
    if (!in->blog_id || !in->score || !in->content || !in->len || !in->text) {
        bench_w6_free(in);
        return -1;
    }
    char *p = in->text;
    for (size_t i = 0; i < n; i++) {
        in->len[i] = bench_w6_row((int64_t)i, nblogs, &in->blog_id[i], p,
                                  &in->score[i]);
        in->content[i] = p;
        p += in->len[i] + 1;
    }
    return 0;
}

void bench_w6_free(bench_w6_input *in)
{
    free(in->blog_id);
    free(in->score);
    free(in->content);
    free(in->len);
    free(in->text);
    memset(in, 0, sizeof *in);
}

size_t bench_json_ids(char **buf, size_t *cap, const int64_t *ids, size_t n)
{
    size_t need = n * 21 + 3; /* "-9223372036854775808," at most */
    if (*cap < need) {
        char *p = realloc(*buf, need);
        if (!p)
            return 0;
        *buf = p;
        *cap = need;
    }
    char *p = *buf;
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        uint64_t v = (uint64_t)ids[i];
        if (ids[i] < 0) {
            *p++ = '-';
            v = 0 - v;
        }
        char tmp[20];
        int k = 0;
        do
            tmp[k++] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        while (k)
            *p++ = tmp[--k];
    }
    *p++ = ']';
    *p = '\0';
    return (size_t)(p - *buf);
}
