/*
 * test_runtime.c — the runtime itself, through examples/blog.orm: statement
 * cache and counters, trace hook, transactions, schema creation (all or
 * nothing), open failures, NULL safety, status names, and backend faults
 * injected through the spy backend of testutil.h.
 */
#include "testutil.h"

#include "blog.orm.h"
#include "blogutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h> /* mallinfo2 */
#endif

/* The runtime's block allocator and arena (runtime/internal.h), tested
 * directly. */
void *ormc_big_malloc(size_t n);
void *ormc_big_realloc(void *p, size_t n);
void ormc_big_free(void *p);
bool ormc_big_mapping(void);
ormc_result *arena_new(void);
void *arena_alloc_raw(ormc_result *a, size_t n);

static int setup(void **state) { return fixture_setup(state, blog_schema_create); }
static int setup_spy(void **state) { return fixture_setup_spy(state, blog_schema_create); }
static int setup_empty(void **state) { return fixture_setup(state, NULL); }
static int teardown(void **state) { return fixture_teardown(state); }


static int64_t n_authors(ormc_db *db)
{
    int64_t n = -1;
    assert_ok(db, author_count(db, NULL, &n));
    return n;
}

#define AUTHOR_INSERT "INSERT INTO \"author\" (\"name\", \"email\") VALUES (?1, ?2)"

/* ---- large blocks (arena.c): heap below 2 MiB, huge-page mappings above ---- */

/* Byte i of block `tag`: a pattern that a lost or shifted page would break. */
static unsigned char pat(size_t i, unsigned tag)
{
    return (unsigned char)((i * 2654435761u) >> 13 ^ tag);
}

static void fill(unsigned char *p, size_t from, size_t to, unsigned tag)
{
    for (size_t i = from; i < to; i++)
        p[i] = pat(i, tag);
}

/* Whether p[0..n) still holds the pattern (checked every 509 bytes and at
 * both ends, so a 50 MiB block stays quick under valgrind). */
static bool holds(const unsigned char *p, size_t n, unsigned tag)
{
    for (size_t i = 0; i < n; i += 509)
        if (p[i] != pat(i, tag))
            return false;
    return n == 0 || p[n - 1] == pat(n - 1, tag);
}

static void test_big_blocks_keep_contents(void **state)
{
    (void)state;
    const size_t MiB = (size_t)1 << 20;
    unsigned char *a = ormc_big_malloc(1000), *b = NULL;
    assert_non_null(a);
    assert_int_equal((uintptr_t)a % 16, 0);
    fill(a, 0, 1000, 1);
    /* heap to mapping: one copy */
    a = ormc_big_realloc(a, 3 * MiB);
    assert_non_null(a);
    assert_true(holds(a, 1000, 1));
    if (ormc_big_mapping()) /* on a 2 MiB boundary, behind a 16-byte header */
        assert_int_equal(((uintptr_t)a - 16) % (2 * MiB), 0);
    fill(a, 1000, 3 * MiB, 1);
    /* a second mapping, usually placed next to the first so that growing
     * `a` has to move its pages instead of extending in place */
    b = ormc_big_malloc(5 * MiB);
    assert_non_null(b);
    fill(b, 0, 5 * MiB, 2);
    for (size_t n = 6 * MiB; n <= 48 * MiB; n *= 2) {
        a = ormc_big_realloc(a, n);
        assert_non_null(a);
        assert_true(holds(a, n / 2, 1));
        fill(a, n / 2, n, 1);
        assert_true(holds(b, 5 * MiB, 2));
    }
    /* grown to end exactly on a 2 MiB boundary, header included, and
     * written to its last byte */
    a = ormc_big_realloc(a, 64 * MiB - 16);
    assert_non_null(a);
    assert_true(holds(a, 48 * MiB, 1));
    fill(a, 48 * MiB, 64 * MiB - 16, 1);
    assert_true(holds(a, 64 * MiB - 16, 1));
    /* shrinking keeps the front */
    a = ormc_big_realloc(a, MiB);
    assert_non_null(a);
    assert_true(holds(a, MiB, 1));
    ormc_big_free(a);
    ormc_big_free(b);
    ormc_big_free(NULL);
    /* blocks that fill whole huge pages exactly, to the last byte */
    for (size_t n = 1; n <= 4; n *= 2) {
        a = ormc_big_malloc(n * 2 * MiB - 16);
        assert_non_null(a);
        fill(a, 0, n * 2 * MiB - 16, 4);
        assert_true(holds(a, n * 2 * MiB - 16, 4));
        ormc_big_free(a);
    }
    /* absurd sizes fail cleanly */
    assert_null(ormc_big_malloc(SIZE_MAX - 8));
    a = ormc_big_malloc(16);
    assert_non_null(a);
    assert_null(ormc_big_realloc(a, SIZE_MAX / 2 + 1));
    ormc_big_free(a);
}

/* Whether p[0..n) is all zero (sampled as holds() does). */
static bool zeros(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 509)
        if (p[i])
            return false;
    return p[n - 1] == 0;
}

/* A freed mapping of up to 8 MiB is parked and handed out again, as it is
 * (the kernel neither faults nor zeroes it again), for a block of its size
 * or down to a quarter of it; a bigger one is unmapped at once, and
 * ormc_set_allocator unmaps the parked ones: a block mapped afresh reads
 * as zeros, a reused one still holds what it held. */
static void test_big_blocks_reused(void **state)
{
    (void)state;
    if (!ormc_big_mapping())
        skip(); /* AddressSanitizer: every block is malloc's */
    const size_t MiB = (size_t)1 << 20;
    assert_int_equal(ormc_set_allocator(NULL, NULL, NULL), ORMC_OK);
    unsigned char *a = ormc_big_malloc(7 * MiB); /* an 8 MiB mapping */
    assert_non_null(a);
    assert_true(zeros(a, 7 * MiB));
    fill(a, 0, 7 * MiB, 5);
    ormc_big_free(a);
    unsigned char *b = ormc_big_malloc(7 * MiB);
    assert_ptr_equal(b, a);
    assert_true(holds(b, 7 * MiB, 5));
    ormc_big_free(b);
    b = ormc_big_malloc(MiB + MiB / 2); /* 2 MiB: a quarter of it, taken */
    assert_ptr_equal(b, a);
    assert_true(holds(b, MiB + MiB / 2, 5));
    unsigned char *c = ormc_big_malloc(7 * MiB); /* the cache is empty */
    assert_non_null(c);
    assert_true(zeros(c, 7 * MiB));
    fill(c, 0, 7 * MiB, 7);
    ormc_big_free(c);
    ormc_big_free(b);
    /* a reused block grown keeps its contents */
    b = ormc_big_malloc(7 * MiB);
    assert_true(b == a || b == c);
    unsigned tag = b == a ? 5 : 7;
    assert_true(holds(b, 7 * MiB, tag));
    b = ormc_big_realloc(b, 40 * MiB);
    assert_non_null(b);
    assert_true(holds(b, 7 * MiB, tag));
    ormc_big_free(b);
    /* bigger than 8 MiB: unmapped when freed */
    unsigned char *d = ormc_big_malloc(15 * MiB);
    assert_non_null(d);
    fill(d, 0, 15 * MiB, 6);
    ormc_big_free(d);
    d = ormc_big_malloc(15 * MiB);
    assert_non_null(d);
    assert_true(zeros(d, 15 * MiB));
    ormc_big_free(d);
    /* drained by ormc_set_allocator */
    assert_int_equal(ormc_set_allocator(NULL, NULL, NULL), ORMC_OK);
    b = ormc_big_malloc(7 * MiB);
    assert_non_null(b);
    assert_true(zeros(b, 7 * MiB));
    ormc_big_free(b);
    assert_int_equal(ormc_set_allocator(NULL, NULL, NULL), ORMC_OK);
}

/* The 64 KiB chunks of results come from one mapping of 16 kept for the
 * process (arena.c): a freed chunk is handed to the next result as it
 * is; one result takes at most 16 small chunks, all of the mapping (1
 * MiB); a second result at the same time gets a malloc block outside it,
 * freed, not parked; ormc_set_allocator gives the parked chunks' pages
 * back (they read as zeros), and they are still handed out. */
enum { SMALL_CHUNK = 60000, SMALL_N = 16 };
static void test_small_chunks_parked(void **state)
{
    (void)state;
    if (!ormc_big_mapping())
        skip(); /* AddressSanitizer: every block is malloc's */
    assert_int_equal(ormc_set_allocator(NULL, NULL, NULL), ORMC_OK);
    ormc_result *r = arena_new();
    assert_non_null(r);
    unsigned char *a = arena_alloc_raw(r, SMALL_CHUNK);
    assert_non_null(a);
    fill(a, 0, SMALL_CHUNK, 3);
    ormc_result_free(r);

    r = arena_new();
    assert_non_null(r);
    unsigned char *p[SMALL_N];
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (size_t i = 0; i < SMALL_N; i++) {
        p[i] = arena_alloc_raw(r, SMALL_CHUNK);
        assert_non_null(p[i]);
        if (i == 0) { /* a's chunk again, as it was */
            assert_ptr_equal(p[0], a);
            assert_true(holds(p[0], SMALL_CHUNK, 3));
        }
        fill(p[i], 0, SMALL_CHUNK, 10 + (unsigned)i);
        lo = (uintptr_t)p[i] < lo ? (uintptr_t)p[i] : lo;
        hi = (uintptr_t)p[i] > hi ? (uintptr_t)p[i] : hi;
    }
    /* 16 chunks of 64 KiB in one mapping of 1 MiB */
    assert_true(hi - lo == (SMALL_N - 1) * ((uintptr_t)64 << 10));
    ormc_result *r2 = arena_new();
    assert_non_null(r2);
    unsigned char *b = arena_alloc_raw(r2, SMALL_CHUNK); /* none parked */
    assert_non_null(b);
    assert_true((uintptr_t)b < lo || (uintptr_t)b > hi);
    fill(b, 0, SMALL_CHUNK, 2);
    for (size_t i = 0; i < SMALL_N; i++)
        assert_true(holds(p[i], SMALL_CHUNK, 10 + (unsigned)i));
    ormc_result_free(r2);
    ormc_result_free(r);

    /* all 16 parked again: the next result takes the same ones */
    r = arena_new();
    assert_non_null(r);
    for (size_t i = 0; i < SMALL_N; i++) {
        unsigned char *q = arena_alloc_raw(r, SMALL_CHUNK);
        assert_true((uintptr_t)q >= lo && (uintptr_t)q <= hi);
    }
    ormc_result_free(r);

    assert_int_equal(ormc_set_allocator(NULL, NULL, NULL), ORMC_OK);
    r = arena_new();
    assert_non_null(r);
    unsigned char *c = arena_alloc_raw(r, SMALL_CHUNK);
    assert_true((uintptr_t)c >= lo && (uintptr_t)c <= hi);
    assert_true(zeros(c, SMALL_CHUNK));
    ormc_result_free(r);
}

/* glibc stops trimming its heap's top once it has seen a big block
 * freed; the runtime maps its big blocks itself and shows glibc one of
 * the same size (arena.c, show_glibc), so that a burst of small blocks
 * freed at the heap's top (libpq's result blocks) stays for the next
 * instead of going back to the kernel: after a 4 MiB block of the
 * runtime, 1 MiB of small blocks freed at the top is kept (mallinfo2's
 * keepcost), where glibc's default trims all but its 128 KiB pad. */
static void test_glibc_sees_mapped_blocks(void **state)
{
    (void)state;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    if (!ormc_big_mapping())
        skip(); /* AddressSanitizer: every block is malloc's */
    void *probe = malloc(1000);
    assert_non_null(probe);
    bool glibc_heap = mallinfo2().arena != 0; /* not valgrind's malloc */
    free(probe);
    if (!glibc_heap)
        skip();
    unsigned char *big = ormc_big_malloc((size_t)4 << 20);
    assert_non_null(big);
    fill(big, 0, (size_t)4 << 20, 9);
    ormc_big_free(big);
    enum { SMALL = 2048, N = 640 };
    static void *p[N];
    for (size_t i = 0; i < N; i++)
        assert_non_null(p[i] = malloc(SMALL));
    for (size_t i = N; i-- > 0;)
        free(p[i]);
    assert_true(mallinfo2().keepcost >= (size_t)1 << 20);
#else
    skip(); /* glibc's heap only */
#endif
}

/* A caller's allocator that counts the blocks it holds. */
static long live_blocks, counted_calls;
static void *counting_malloc(size_t n)
{
    counted_calls++;
    void *p = malloc(n);
    live_blocks += p != NULL;
    return p;
}
static void *counting_realloc(void *p, size_t n)
{
    counted_calls++;
    void *q = realloc(p, n);
    live_blocks += !p && q;
    return q;
}
static void counting_free(void *p)
{
    counted_calls++;
    live_blocks--;
    free(p);
}

static void test_big_blocks_use_callers_allocator(void **state)
{
    (void)state;
    assert_int_equal(ormc_set_allocator(counting_malloc, counting_realloc,
                                        counting_free),
                     ORMC_OK);
    assert_false(ormc_big_mapping());
    live_blocks = counted_calls = 0;
    unsigned char *p = ormc_big_malloc((size_t)8 << 20);
    assert_non_null(p);
    assert_int_equal(counted_calls, 1); /* not mapped behind its back */
    assert_int_equal(live_blocks, 1);
    fill(p, 0, (size_t)8 << 20, 3);
    p = ormc_big_realloc(p, (size_t)9 << 20);
    assert_non_null(p);
    assert_int_equal(counted_calls, 2);
    assert_true(holds(p, (size_t)8 << 20, 3));
    ormc_big_free(p);
    assert_int_equal(counted_calls, 3);
    assert_int_equal(live_blocks, 0);

    /* a whole fetch of many chunks (and a 1 MiB+ row array) under it:
     * every block comes from it and goes back to it, none parked */
    ormc_db *db = NULL;
    assert_int_equal(ormc_open(":memory:", &db), ORMC_OK);
    assert_ok(db, blog_schema_create(db));
    int64_t ann = add_author(db, "Ann", "ann@example.com");
    Blog b;
    blog_init(&b);
    b.title = "t";
    b.author_id = ann;
    assert_ok(db, blog_insert(db, &b));
    enum { N = 30000 };
    static char text[200];
    memset(text, 'x', sizeof text - 1);
    Comment *c = calloc(N, sizeof *c);
    assert_non_null(c);
    for (size_t i = 0; i < N; i++) {
        comment_init(&c[i]);
        c[i].blog_id = b.id;
        c[i].content = text;
    }
    assert_ok(db, comment_insert_many(db, c, N));
    free(c);
    long before = live_blocks, calls = counted_calls;
    CommentList l = {0};
    assert_ok(db, comment_fetch(db, NULL, &l));
    assert_int_equal(l.count, N);
    /* 6 MB of text: 16 chunks of 64 KiB, then 2 and 4 MiB ones, and the
     * row array's growth: all through the caller's functions */
    assert_true(counted_calls - calls >= 16 + 2 + 10);
    assert_string_equal(l.items[N - 1].content, text);
    comment_list_free(&l);
    /* all of the result went back; what stays is the statement cache's
     * copy of the fetch's SQL and shape key and the connection's label
     * "Comment.fetch" (db_label), freed by ormc_close */
    assert_int_equal(live_blocks, before + 3);
    ormc_close(db);
    assert_int_equal(live_blocks, 0);
    assert_int_equal(ormc_set_allocator(NULL, NULL, NULL), ORMC_OK);
}

/* ---- get's objects, carved from the connection's pages ---- */

enum { PAGED = 300 };

/* Author i's email: 5,000 bytes for every 50th (more than a page holds:
 * a block of its own), else a short one. */
static void paged_email(char *buf, size_t cap, size_t i)
{
    int n = snprintf(buf, cap, "a%zu@example.com", i);
    if (i % 50 == 7) {
        memset(buf + n, 'x', 5000 - (size_t)n);
        buf[5000] = '\0';
    }
}

static int free_authors(void *arg)
{
    Author **a = arg;
    for (size_t i = 0; i < PAGED; i += 2)
        author_free(a[i]);
    return 0;
}

/* 300 gets kept at once cost a page per ~25 objects, not a malloc each;
 * the objects outlive their connection, are freed in any order and on
 * another thread, and every page goes back with its last object. */
static void test_get_objects_share_pages(void **state)
{
    (void)state;
    assert_int_equal(ormc_set_allocator(counting_malloc, counting_realloc,
                                        counting_free),
                     ORMC_OK);
    live_blocks = 0;
    ormc_db *db = NULL;
    assert_int_equal(ormc_open(":memory:", &db), ORMC_OK);
    assert_ok(db, blog_schema_create(db));
    static char email[5001];
    int64_t id[PAGED];
    for (size_t i = 0; i < PAGED; i++) {
        char name[32];
        snprintf(name, sizeof name, "author %zu", i);
        paged_email(email, sizeof email, i);
        id[i] = add_author(db, name, email);
    }
    static Author *a[PAGED];
    author_get(db, id[0], &a[0]); /* the statement, prepared once */
    author_free(a[0]);
    long before = live_blocks;
    for (size_t i = 0; i < PAGED; i++)
        assert_ok(db, author_get(db, id[i], &a[i]));
    /* the 6 long emails are blocks of their own; the objects take 112 to
     * 128 bytes each (result and object headers, struct, short strings)
     * of a page's 4,080, and a page takes objects while 224 bytes are
     * left: 9 to 11 new pages.  A malloc per object would be 306 blocks. */
    long pages = live_blocks - before - 6;
    assert_in_range(pages, 9, 11);
    Author *none = (Author *)1;
    assert_int_equal(author_get(db, 999999, &none), ORMC_NOT_FOUND);
    assert_null(none);
    assert_int_equal(live_blocks - before, pages + 6);
    for (size_t i = 0; i < PAGED; i++) {
        char name[32];
        snprintf(name, sizeof name, "author %zu", i);
        paged_email(email, sizeof email, i);
        assert_int_equal(a[i]->id, id[i]);
        assert_string_equal(a[i]->name, name);
        assert_string_equal(a[i]->email, email);
        assert_null(a[i]->rel);
    }
    for (size_t i = 1; i < PAGED; i += 2)
        author_free(a[i]);
    /* get_or_create's new object comes from a page too */
    Author d, *made = NULL;
    bool created = false;
    author_init(&d);
    d.name = "New";
    d.email = "new@example.com";
    assert_ok(db, author_get_or_create_by_email(db, &d, &made, &created));
    assert_true(created);
    assert_string_equal(made->email, "new@example.com");
    ormc_close(db);
    /* the even ones on another thread, after their connection closed */
    thrd_t t;
    assert_int_equal(thrd_create(&t, free_authors, a), thrd_success);
    int res = -1;
    assert_int_equal(thrd_join(t, &res), thrd_success);
    assert_int_equal(live_blocks, 1); /* made's page */
    author_free(made);
    assert_int_equal(live_blocks, 0);
    assert_int_equal(ormc_set_allocator(NULL, NULL, NULL), ORMC_OK);
}

/* ---- the chunk cache, hammered from several threads ---- */

enum { HAMMER_THREADS = 4, HAMMER_ROUNDS = 3000, HAMMER_CHUNKS = 3 };

/* Each round takes HAMMER_CHUNKS fresh 64 KiB chunks (parked ones when the
 * cache has them), writes its own byte into them, checks them, frees
 * them: a chunk handed to two threads at once shows as another's byte. */
static int hammer(void *arg)
{
    unsigned tag = (unsigned)(uintptr_t)arg;
    for (unsigned round = 0; round < HAMMER_ROUNDS; round++) {
        ormc_result *r = arena_new();
        unsigned char *p[HAMMER_CHUNKS];
        unsigned char byte = (unsigned char)(tag * 61 + round);
        if (!r)
            return 1;
        for (size_t k = 0; k < HAMMER_CHUNKS; k++) {
            if (!(p[k] = arena_alloc_raw(r, 60000)))
                return 1;
            memset(p[k], byte, 60000);
        }
        for (size_t k = 0; k < HAMMER_CHUNKS; k++)
            for (size_t i = 0; i < 60000; i += 997)
                if (p[k][i] != byte)
                    return 2;
        ormc_result_free(r);
    }
    return 0;
}

static void test_chunk_cache_threads(void **state)
{
    (void)state;
    thrd_t t[HAMMER_THREADS];
    for (uintptr_t i = 0; i < HAMMER_THREADS; i++)
        assert_int_equal(thrd_create(&t[i], hammer, (void *)i), thrd_success);
    for (int i = 0; i < HAMMER_THREADS; i++) {
        int res = -1;
        assert_int_equal(thrd_join(t[i], &res), thrd_success);
        assert_int_equal(res, 0);
    }
}

/* ---- results on several threads at once (the chunk cache of arena.c) ---- */

enum { THREADS = 4, THREAD_ROWS = 2000, THREAD_ROUNDS = 20 };

typedef struct worker {
    int id;
    const char *failed; /* what went wrong, or NULL */
} worker;

/* Comment i of worker w: 60..159 copies of one letter, so a chunk handed to
 * two results at once would show as a wrong letter or length. */
static size_t row_len(size_t i) { return 60 + i % 100; }
static char row_letter(size_t i, int w) { return (char)('a' + (i + (size_t)w * 7) % 26); }

static int fetch_worker(void *arg)
{
    worker *w = arg;
    ormc_db *db = NULL;
    static char text[THREADS][THREAD_ROWS][160];
    Comment *c = calloc(THREAD_ROWS, sizeof *c);
    w->failed = "setup";
    if (!c || ormc_open(":memory:", &db) != ORMC_OK ||
        blog_schema_create(db) != ORMC_OK)
        goto out;
    Author a;
    author_init(&a);
    a.name = "A";
    a.email = "a@example.com";
    Blog b;
    blog_init(&b);
    b.title = "t";
    if (author_insert(db, &a) != ORMC_OK ||
        (b.author_id = a.id, blog_insert(db, &b)) != ORMC_OK)
        goto out;
    for (size_t i = 0; i < THREAD_ROWS; i++) {
        memset(text[w->id][i], row_letter(i, w->id), row_len(i));
        comment_init(&c[i]);
        c[i].blog_id = b.id;
        c[i].content = text[w->id][i];
        c[i].score = (int64_t)i * w->id;
    }
    if (comment_insert_many(db, c, THREAD_ROWS) != ORMC_OK)
        goto out;
    w->failed = NULL;
    for (int round = 0; round < THREAD_ROUNDS && !w->failed; round++) {
        CommentList l = {0};
        if (comment_fetch(db, NULL, &l) != ORMC_OK || l.count != THREAD_ROWS) {
            w->failed = "fetch";
            break;
        }
        for (size_t i = 0; i < l.count && !w->failed; i++) {
            const char *t = l.items[i].content;
            if (strlen(t) != row_len(i) || t[0] != row_letter(i, w->id) ||
                t[row_len(i) - 1] != row_letter(i, w->id) ||
                l.items[i].score != (int64_t)i * w->id)
                w->failed = "a row changed under another thread";
        }
        comment_list_free(&l);
    }
out:
    ormc_close(db);
    free(c);
    return 0;
}

static void test_results_on_threads(void **state)
{
    (void)state;
    thrd_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.id = i};
        assert_int_equal(thrd_create(&t[i], fetch_worker, &w[i]), thrd_success);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(thrd_join(t[i], NULL), thrd_success);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].failed)
            print_error("thread %d: %s\n", i, w[i].failed);
        assert_null(w[i].failed);
    }
}

/* ---- operation labels ---- */

const char *db_label(ormc_db *db, char buf[160], const char *a,
                     const char *b, const char *c);

/* "Model.verb" is spelled on a connection's first use of its parts and
 * kept: the same text from the same pointer after that.  A full table
 * (64 labels) spells the others into the caller's buffer, still right. */
static void test_labels_kept_per_connection(void **state)
{
    fixture *f = *state;
    enum { LABELS = 64, MORE = 70 };
    static char verb[MORE][8];
    char buf[160], want[32];
    const char *first[MORE];
    const char *up = db_label(f->db, buf, "Blog", ".upsert", NULL);
    assert_ptr_not_equal(up, buf);
    assert_string_equal(up, "Blog.upsert");
    size_t kept = 1;
    for (int i = 0; i < MORE; i++) {
        snprintf(verb[i], sizeof verb[i], "v%d", i);
        first[i] = db_label(f->db, buf, "Blog", ".", verb[i]);
        snprintf(want, sizeof want, "Blog.v%d", i);
        assert_string_equal(first[i], want);
        kept += first[i] != buf;
    }
    assert_int_equal(kept, LABELS);
    assert_ptr_equal(db_label(f->db, buf, "Blog", ".upsert", NULL), up);
    for (int i = 0; i < MORE; i++) {
        char other[160];
        const char *again = db_label(f->db, other, "Blog", ".", verb[i]);
        snprintf(want, sizeof want, "Blog.v%d", i);
        assert_string_equal(again, want);
        if (first[i] != buf)
            assert_ptr_equal(again, first[i]);
        else
            assert_ptr_equal(again, other);
    }
}

/* ---- statement cache and counters ---- */

static void test_stmt_cache_same_shape(void **state)
{
    fixture *f = *state;
    assert_int_equal(ormc_query_count(f->db), 0);
    assert_int_equal(ormc_prepare_count(f->db), 0);

    add_author(f->db, "Ann", "ann@example.com");
    assert_int_equal(ormc_prepare_count(f->db), 1);
    add_author(f->db, "Bob", "bob@example.com");
    assert_int_equal(ormc_prepare_count(f->db), 1); /* cached */
    assert_int_equal(ormc_query_count(f->db), 2);

    /* same shape, other values: prepared once */
    AuthorQuery q;
    author_query_init(&q);
    author_where_name(&q, ORMC_EQ, "Ann");
    AuthorList l = {0};
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    author_list_free(&l);
    assert_int_equal(ormc_prepare_count(f->db), 2);
    author_query_init(&q);
    author_where_name(&q, ORMC_EQ, "Bob");
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_string_equal(l.items[0].email, "bob@example.com");
    author_list_free(&l);
    assert_int_equal(ormc_prepare_count(f->db), 2);
    assert_int_equal(ormc_query_count(f->db), 4);

    /* another shape (operator) is another statement */
    author_query_init(&q);
    author_where_name(&q, ORMC_NE, "Bob");
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    author_list_free(&l);
    assert_int_equal(ormc_prepare_count(f->db), 3);
    assert_int_equal(ormc_query_count(f->db), 5);

    /* transactions are neither counted nor prepared through the cache */
    assert_ok(f->db, ormc_begin(f->db));
    assert_ok(f->db, ormc_commit(f->db));
    assert_int_equal(ormc_query_count(f->db), 5);
    assert_int_equal(ormc_prepare_count(f->db), 3);
    assert_int_equal(f->trace.n, 5);
}

static void test_stmt_cache_eviction_lru(void **state)
{
    fixture *f = *state;
    /* 70 shapes (1..70 filters) through a 64-entry cache */
    BlogQuery q;
    BlogList l = {0};
#define RUN(n)                                                               \
    do {                                                                     \
        blog_query_init(&q);                                                 \
        for (int k_ = 0; k_ < (n); k_++)                                     \
            blog_where_id(&q, ORMC_GE, k_);                                  \
        assert_ok(f->db, blog_fetch(f->db, &q, &l));                         \
        blog_list_free(&l);                                                  \
        blog_query_free(&q);                                                 \
    } while (0)
    for (int n = 1; n <= 70; n++)
        RUN(n);
    assert_int_equal(ormc_prepare_count(f->db), 70);
    assert_int_equal(ormc_query_count(f->db), 70);
    /* 1..6 were evicted, least recently used first; 7..70 are cached */
    RUN(70);
    RUN(7);
    assert_int_equal(ormc_prepare_count(f->db), 70);
    RUN(1); /* evicts 8, now the least recently used */
    assert_int_equal(ormc_prepare_count(f->db), 71);
    RUN(7);
    RUN(9);
    assert_int_equal(ormc_prepare_count(f->db), 71);
    RUN(8);
    assert_int_equal(ormc_prepare_count(f->db), 72);
    assert_int_equal(ormc_query_count(f->db), 76);
#undef RUN
}

static void test_stmt_cache_by_shape(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    /* IN lists of 0 to 200,000 values: one shape, one statement */
    static int64_t ids[200000];
    for (size_t k = 0; k < 200000; k++)
        ids[k] = (int64_t)k + 1;
    const size_t lens[] = {0, 1, 2, 70, 200000};
    ormc_reset_counts(f->db);
    for (size_t i = 0; i < 5; i++) {
        AuthorQuery q;
        author_query_init(&q);
        author_where_id_in(&q, ids, lens[i]);
        AuthorList l = {0};
        assert_ok(f->db, author_fetch(f->db, &q, &l));
        assert_int_equal(l.count, lens[i] ? 1 : 0);
        if (lens[i])
            assert_int_equal(l.items[0].id, ann);
        author_list_free(&l);
    }
    assert_int_equal(ormc_query_count(f->db), 5);
    assert_int_equal(ormc_prepare_count(f->db), 1);
    /* other values, same shape: no new statement; another lookup is one */
    AuthorQuery q;
    author_query_init(&q);
    author_where_name(&q, ORMC_EQ, "Ann");
    int64_t n = -1;
    assert_ok(f->db, author_count(f->db, &q, &n));
    author_query_init(&q);
    author_where_name(&q, ORMC_EQ, "Bob");
    assert_ok(f->db, author_count(f->db, &q, &n));
    assert_int_equal(n, 0);
    assert_int_equal(ormc_prepare_count(f->db), 2);
    author_query_init(&q);
    author_where_name(&q, ORMC_NE, "Bob");
    assert_ok(f->db, author_count(f->db, &q, &n));
    assert_int_equal(n, 1);
    assert_int_equal(ormc_prepare_count(f->db), 3);
}

/* A query without terms or a window (NULL: all rows) is known by its
 * model, kind and field alone: count, exists, each aggregate and the
 * fetch are one statement each, the same for NULL and an empty query,
 * and another than a query with a limit. */
static void test_stmt_cache_no_terms(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    for (int i = 1; i <= 3; i++) {
        Book b;
        book_init(&b);
        b.title = "t";
        b.author_id = ann;
        b.price = 1.5 * i;
        b.pages = 10 * i;
        assert_ok(f->db, book_insert(f->db, &b));
    }
    counts_reset(f);
    BookQuery empty;
    book_query_init(&empty);
    for (int k = 0; k < 2; k++) {
        const BookQuery *q = k ? &empty : NULL;
        int64_t n = -1;
        assert_ok(f->db, book_count(f->db, q, &n));
        assert_int_equal(n, 3);
        bool e = false;
        assert_ok(f->db, book_exists(f->db, q, &e));
        assert_true(e);
        ormc_int_stats pi;
        assert_ok(f->db, book_aggregate_pages(f->db, q, &pi));
        assert_int_stats(pi, 3, 60, 20.0, 10, 30);
        ormc_real_stats pr;
        assert_ok(f->db, book_aggregate_price(f->db, q, &pr));
        assert_real_stats(pr, 3, 9.0, 3.0, 1.5, 4.5);
        BookList l = {0};
        assert_ok(f->db, book_fetch(f->db, q, &l));
        assert_int_equal(l.count, 3);
        assert_int_equal(l.items[0].pages, 10);
        book_list_free(&l);
    }
    assert_queries(f, 10);
    assert_int_equal(ormc_prepare_count(f->db), 5);
    for (int i = 0; i < 5; i++)
        assert_string_equal(f->trace.sql[i], f->trace.sql[i + 5]);
    assert_sql(f, 0, "SELECT COUNT(*) FROM \"book\" AS t0");
    assert_sql(f, 2,
               "SELECT COUNT(*), SUM(t0.\"pages\"), AVG(t0.\"pages\"), "
               "MIN(t0.\"pages\"), MAX(t0.\"pages\") FROM \"book\" AS t0");
    assert_sql(f, 3,
               "SELECT COUNT(*), SUM(t0.\"price\"), AVG(t0.\"price\"), "
               "MIN(t0.\"price\"), MAX(t0.\"price\") FROM \"book\" AS t0");
    /* a limit is another statement */
    book_limit(&empty, 2);
    BookList l = {0};
    assert_ok(f->db, book_fetch(f->db, &empty, &l));
    assert_int_equal(l.count, 2);
    book_list_free(&l);
    assert_int_equal(ormc_prepare_count(f->db), 6);
    /* no rows: every aggregate NULL, the same statements */
    int64_t gone = 0;
    assert_ok(f->db, book_delete_where(f->db, NULL, &gone));
    assert_int_equal(gone, 3);
    ormc_int_stats pi;
    assert_ok(f->db, book_aggregate_pages(f->db, NULL, &pi));
    assert_int_stats(pi, 0, 0, 0.0, 0, 0);
    ormc_real_stats pr;
    assert_ok(f->db, book_aggregate_price(f->db, NULL, &pr));
    assert_real_stats(pr, 0, 0.0, 0.0, 0.0, 0.0);
    int64_t n = -1;
    assert_ok(f->db, book_count(f->db, NULL, &n));
    assert_int_equal(n, 0);
    assert_int_equal(ormc_prepare_count(f->db), 7); /* the delete's */
}

static void test_reset_counts(void **state)
{
    fixture *f = *state;
    int64_t id = add_author(f->db, "Ann", "ann@example.com");
    Author *a = NULL;
    assert_ok(f->db, author_get(f->db, id, &a));
    author_free(a);
    assert_int_equal(ormc_query_count(f->db), 2);
    assert_int_equal(ormc_prepare_count(f->db), 2);
    ormc_reset_counts(f->db);
    assert_int_equal(ormc_query_count(f->db), 0);
    assert_int_equal(ormc_prepare_count(f->db), 0);
    /* the cache survives the reset: a get now costs 1 query, 0 prepares */
    assert_ok(f->db, author_get(f->db, id, &a));
    author_free(a);
    assert_int_equal(ormc_query_count(f->db), 1);
    assert_int_equal(ormc_prepare_count(f->db), 0);
}

/* ---- trace hook ---- */

static void test_trace_exact_sql(void **state)
{
    fixture *f = *state;
    int64_t id = add_author(f->db, "Ann", "ann@example.com");
    Author *a = NULL;
    assert_ok(f->db, author_get(f->db, id, &a));
    Author upd = *a; /* its strings live in a: free it after use */
    upd.name = "Anne";
    assert_ok(f->db, author_update(f->db, &upd));
    author_free(a);
    AuthorQuery q;
    author_query_init(&q);
    author_where_email(&q, ORMC_LE, "z");
    author_order_by(&q, AUTHOR_NAME.path, ORMC_DESC);
    AuthorList l = {0};
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_string_equal(l.items[0].name, "Anne");
    author_list_free(&l);
    int64_t n = -1;
    assert_ok(f->db, author_count(f->db, &q, &n));
    assert_ok(f->db, author_delete(f->db, id));
    assert_ok(f->db, ormc_exec(f->db, "CREATE TABLE extra (x int)"));

    assert_queries(f, 7);
    assert_sql(f, 0, AUTHOR_INSERT);
    assert_sql(f, 1,
               "SELECT t0.\"id\", t0.\"name\", t0.\"email\" FROM \"author\" "
               "AS t0 WHERE t0.\"id\" = ?1");
    assert_sql(f, 2,
               "UPDATE \"author\" SET \"name\" = ?1, \"email\" = ?2 WHERE "
               "\"id\" = ?3");
    assert_sql(f, 3,
               "SELECT t0.\"id\", t0.\"name\", t0.\"email\" FROM \"author\" "
               "AS t0 WHERE t0.\"email\" <= ?1 ORDER BY t0.\"name\" DESC, "
               "t0.\"id\"");
    assert_sql(f, 4,
               "SELECT COUNT(*) FROM \"author\" AS t0 WHERE t0.\"email\" <= ?1");
    assert_sql(f, 5, "DELETE FROM \"author\" WHERE \"id\" = ?1");
    assert_sql(f, 6, "CREATE TABLE extra (x int)");
    /* never a value in the SQL text */
    for (size_t k = 0; k < 7; k++) {
        assert_null(strstr(f->trace.sql[k], "Ann"));
        assert_null(strstr(f->trace.sql[k], "example"));
    }

    /* trace off: nothing more recorded, counting goes on */
    ormc_set_trace(f->db, NULL, NULL);
    add_author(f->db, "Bob", "bob@example.com");
    assert_int_equal(f->trace.n, 7);
    assert_int_equal(ormc_query_count(f->db), 8);
    /* transaction control is not traced */
    ormc_set_trace(f->db, trace_hook, &f->trace);
    assert_ok(f->db, ormc_begin(f->db));
    assert_ok(f->db, ormc_rollback(f->db));
    assert_int_equal(f->trace.n, 7);
}

/* ---- transactions ---- */

static void test_tx_rollback_discards(void **state)
{
    fixture *f = *state;
    add_author(f->db, "Before", "before@example.com");
    assert_false(ormc_in_transaction(f->db));
    assert_ok(f->db, ormc_begin(f->db));
    assert_true(ormc_in_transaction(f->db));
    add_author(f->db, "Ann", "ann@example.com");
    add_author(f->db, "Bob", "bob@example.com");
    assert_int_equal(n_authors(f->db), 3); /* visible inside */
    assert_ok(f->db, ormc_rollback(f->db));
    assert_false(ormc_in_transaction(f->db));
    assert_int_equal(n_authors(f->db), 1);
    AuthorList l = {0};
    assert_ok(f->db, author_fetch(f->db, NULL, &l));
    assert_int_equal(l.count, 1);
    assert_string_equal(l.items[0].name, "Before");
    author_list_free(&l);
}

static void test_tx_commit_keeps(void **state)
{
    fixture *f = *state;
    assert_ok(f->db, ormc_begin(f->db));
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    assert_ok(f->db, ormc_commit(f->db));
    assert_false(ormc_in_transaction(f->db));
    assert_int_equal(n_authors(f->db), 1);
    Author *a = NULL;
    assert_ok(f->db, author_get(f->db, ann, &a));
    assert_string_equal(a->name, "Ann");
    author_free(a);
    /* a rollback now has nothing to undo */
    assert_status(f->db, ormc_rollback(f->db), ORMC_ERROR);
    assert_int_equal(n_authors(f->db), 1);
}

static void test_tx_nested_refused(void **state)
{
    fixture *f = *state;
    assert_ok(f->db, ormc_begin(f->db));
    add_author(f->db, "Ann", "ann@example.com");
    assert_status(f->db, ormc_begin(f->db), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR,
                 "begin: a transaction is already open on this connection "
                 "(nesting is not supported)");
    /* the outer transaction is untouched and still open */
    assert_true(ormc_in_transaction(f->db));
    add_author(f->db, "Bob", "bob@example.com");
    assert_ok(f->db, ormc_rollback(f->db));
    assert_int_equal(n_authors(f->db), 0);
}

static void test_tx_end_without_begin_refused(void **state)
{
    fixture *f = *state;
    assert_status(f->db, ormc_commit(f->db), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "commit: no transaction is open");
    assert_status(f->db, ormc_rollback(f->db), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "rollback: no transaction is open");
    assert_false(ormc_in_transaction(f->db));
    /* and the connection still works */
    add_author(f->db, "Ann", "ann@example.com");
    assert_int_equal(n_authors(f->db), 1);
}

static void test_tx_failed_statement_keeps_tx(void **state)
{
    fixture *f = *state;
    assert_ok(f->db, ormc_begin(f->db));
    add_author(f->db, "Ann", "ann@example.com");
    Author dup;
    author_init(&dup);
    dup.name = "Dup";
    dup.email = "ann@example.com";
    assert_status(f->db, author_insert(f->db, &dup), ORMC_CONSTRAINT);
    if (test_pg()) {
        /* PostgreSQL aborts the whole transaction (as Django's atomic
         * block on it): every statement fails until the rollback */
        assert_error(f->db, ORMC_CONSTRAINT,
                     "Author.insert: duplicate key value violates unique "
                     "constraint \"author_email_key\"");
        assert_true(ormc_in_transaction(f->db));
        int64_t n = -1;
        assert_status(f->db, author_count(f->db, NULL, &n), ORMC_ERROR);
        assert_error(f->db, ORMC_ERROR,
                     "Author.count: current transaction is aborted, "
                     "commands ignored until end of transaction block");
        assert_ok(f->db, ormc_rollback(f->db));
        assert_int_equal(n_authors(f->db), 0);
        /* a commit of the aborted transaction is refused, not reported
         * as done: the server rolls it back ("ROLLBACK" for COMMIT) */
        assert_ok(f->db, ormc_begin(f->db));
        add_author(f->db, "Ann", "ann@example.com");
        assert_status(f->db, author_insert(f->db, &dup), ORMC_CONSTRAINT);
        assert_status(f->db, ormc_commit(f->db), ORMC_ERROR);
        assert_error(f->db, ORMC_ERROR,
                     "commit: the transaction was aborted by an earlier "
                     "error and is rolled back: nothing was committed");
        assert_false(ormc_in_transaction(f->db));
        assert_int_equal(n_authors(f->db), 0);
        return;
    }
    assert_error(f->db, ORMC_CONSTRAINT,
                 "Author.insert: UNIQUE constraint failed: author.email");
    /* the failed statement was undone, the transaction goes on */
    assert_true(ormc_in_transaction(f->db));
    add_author(f->db, "Bob", "bob@example.com");
    assert_ok(f->db, ormc_commit(f->db));
    assert_int_equal(n_authors(f->db), 2);
}

/* ---- schema creation ---- */

static void test_schema_create_twice(void **state)
{
    fixture *f = *state;
    add_author(f->db, "Ann", "ann@example.com");
    counts_reset(f);
    assert_status(f->db, blog_schema_create(f->db), ORMC_ERROR);
    assert_error_db(f->db, ORMC_ERROR,
                    "schema blog create: table \"author\" already exists",
                    "schema blog create: relation \"author\" already exists");
    assert_queries(f, 1); /* stopped at the first DDL statement */
    assert_false(ormc_in_transaction(f->db));
    /* the database is as it was: data intact, every table usable */
    assert_int_equal(n_authors(f->db), 1);
    Author *a = NULL;
    assert_ok(f->db, author_get(f->db, 1, &a));
    assert_string_equal(a->email, "ann@example.com");
    author_free(a);
    Blog g;
    blog_init(&g);
    g.title = "still works";
    g.author_id = 1;
    assert_ok(f->db, blog_insert(f->db, &g));
    Comment c;
    comment_init(&c);
    c.blog_id = g.id;
    c.content = "yes";
    assert_ok(f->db, comment_insert(f->db, &c));
}

static void test_schema_create_all_or_nothing(void **state)
{
    fixture *f = *state; /* an empty database */
    assert_ok(f->db, ormc_exec(f->db, "CREATE TABLE \"comment\" (x int)"));
    counts_reset(f);
    assert_status(f->db, blog_schema_create(f->db), ORMC_ERROR);
    assert_error_db(f->db, ORMC_ERROR,
                    "schema blog create: table \"comment\" already exists",
                    "schema blog create: relation \"comment\" already "
                    "exists");
    assert_queries(f, 4); /* author, book, blog, then comment failed */
    assert_true(strncmp(f->trace.sql[0], "CREATE TABLE \"author\" (", 23) == 0);
    /* the three tables created before the failure were rolled back */
    int64_t n = -1;
    assert_status(f->db, author_count(f->db, NULL, &n), ORMC_ERROR);
    assert_error_db(f->db, ORMC_ERROR, "Author.count: no such table: author",
                    "Author.count: relation \"author\" does not exist");
    assert_status(f->db, blog_count(f->db, NULL, &n), ORMC_ERROR);
    assert_error_db(f->db, ORMC_ERROR, "Blog.count: no such table: blog",
                    "Blog.count: relation \"blog\" does not exist");

    /* without the obstacle it works, 12 statements */
    assert_ok(f->db, ormc_exec(f->db, "DROP TABLE \"comment\""));
    counts_reset(f);
    assert_ok(f->db, blog_schema_create(f->db));
    assert_queries(f, 12);
    assert_sql(f, 11,
               "CREATE INDEX \"blog_tags_tag_id_blog_id_idx\" ON "
               "\"blog_tags\" (\"tag_id\", \"blog_id\")");
    assert_int_equal(n_authors(f->db), 0);
}

static void test_schema_create_inside_tx(void **state)
{
    fixture *f = *state; /* an empty database */
    assert_ok(f->db, ormc_begin(f->db));
    assert_ok(f->db, blog_schema_create(f->db));
    assert_true(ormc_in_transaction(f->db));
    add_author(f->db, "Ann", "ann@example.com");
    assert_ok(f->db, ormc_rollback(f->db));
    int64_t n = -1;
    assert_status(f->db, author_count(f->db, NULL, &n), ORMC_ERROR);
    assert_error_db(f->db, ORMC_ERROR, "Author.count: no such table: author",
                    "Author.count: relation \"author\" does not exist");
}

/* ---- connections ---- */

static void test_open_unopenable_path(void **state)
{
    (void)state;
    ormc_db *db = NULL;
    assert_status(db, ormc_open("/nonexistent/dir/x.db", &db), ORMC_ERROR);
    assert_non_null(db); /* still a connection, for the message */
    assert_error(db, ORMC_ERROR,
                 "open /nonexistent/dir/x.db: unable to open database file");
    ormc_close(db);
}

static int read_int(void *ctx, const ormc_row *row)
{
    *(int64_t *)ctx = ormc_row_int(row, 0);
    return 0;
}

/* A session the server ends (PostgreSQL: pg_terminate_backend from
 * another connection): the next call is ORMC_ERROR saying the connection
 * is lost; ormc_reconnect opens it again and the cached statements are
 * prepared again.  On SQLite ormc_reconnect has nothing to do. */
static void test_reconnect_after_lost_session(void **state)
{
    fixture *f = *state;
    add_author(f->db, "Ann", "ann@example.com");
    assert_int_equal(n_authors(f->db), 1); /* its statement is cached */
    if (test_pg()) {
        int64_t pid = -1, killed = -1;
        assert_ok(f->db, ormc_raw_query(f->db, "SELECT pg_backend_pid()",
                                        NULL, 0, read_int, &pid));
        ormc_db *other = NULL;
        assert_ok(other, ormc_open(test_pg(), &other));
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)::int",
                 (long long)pid);
        assert_ok(other, ormc_raw_query(other, sql, NULL, 0, read_int,
                                        &killed));
        assert_int_equal(killed, 1);
        ormc_close(other);
        int64_t n = -1;
        assert_status(f->db, author_count(f->db, NULL, &n), ORMC_ERROR);
        const char *msg = ormc_errmsg(f->db);
        const char *tail = "the connection to the server is lost "
                           "(ormc_reconnect opens it again)";
        assert_true(strlen(msg) > strlen(tail));
        assert_string_equal(msg + strlen(msg) - strlen(tail), tail);
        assert_true(strncmp(msg, "Author.count: ", 14) == 0);
    }
    assert_ok(f->db, ormc_reconnect(f->db));
    assert_int_equal(n_authors(f->db), 1);
    add_author(f->db, "Bob", "bob@example.com");
    assert_int_equal(n_authors(f->db), 2);
}

static void test_exec_errors(void **state)
{
    fixture *f = *state;
    assert_status(f->db, ormc_exec(f->db, "NOPE"), ORMC_ERROR);
    assert_error_db(f->db, ORMC_ERROR, "exec: near \"NOPE\": syntax error",
                    "exec: syntax error at or near \"NOPE\"");
    assert_queries(f, 0); /* it never ran: it did not compile */
    assert_ok(f->db, ormc_exec(f->db, test_pg() ? "SET work_mem = '8MB'"
                                                : "PRAGMA user_version = 7"));
    assert_error(f->db, ORMC_OK, "");
}

static void test_null_safety(void **state)
{
    fixture *f = *state;
    ormc_close(NULL);
    blog_list_free(NULL);
    blog_free(NULL);
    author_free(NULL);
    ormc_result_free(NULL);
    ormc_object_free(NULL);
    assert_string_equal(ormc_errmsg(NULL), "out of memory");
    assert_int_equal(ormc_errcode(NULL), ORMC_NOMEM);
    /* an empty list, and a list freed twice */
    BlogList l = {0};
    blog_list_free(&l);
    add_author(f->db, "Ann", "ann@example.com");
    AuthorList al = {0};
    assert_ok(f->db, author_fetch(f->db, NULL, &al));
    author_list_free(&al);
    author_list_free(&al);
    assert_null(al.owner);
    /* a fetch of no rows is a valid, freeable list */
    assert_ok(f->db, blog_fetch(f->db, NULL, &l));
    assert_int_equal(l.count, 0);
    blog_list_free(&l);
}

static void test_results_outlive_connection(void **state)
{
    fixture *f = *state;
    int64_t id = add_author(f->db, "Ann", "ann@example.com");
    AuthorQuery q;
    author_query_init(&q);
    author_prefetch_books(&q);
    AuthorList l = {0};
    assert_ok(f->db, author_fetch(f->db, &q, &l));
    Author *a = NULL;
    assert_ok(f->db, author_get(f->db, id, &a));
    ormc_close(f->db);
    f->db = NULL;
    assert_int_equal(l.count, 1);
    assert_string_equal(l.items[0].email, "ann@example.com");
    assert_string_equal(a->name, "Ann");
    author_list_free(&l);
    author_free(a);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(ormc_status_name(ORMC_OK), "ORMC_OK");
    assert_string_equal(ormc_status_name(ORMC_NOT_FOUND), "ORMC_NOT_FOUND");
    assert_string_equal(ormc_status_name(ORMC_CONSTRAINT), "ORMC_CONSTRAINT");
    assert_string_equal(ormc_status_name(ORMC_INVALID), "ORMC_INVALID");
    assert_string_equal(ormc_status_name(ORMC_BUSY), "ORMC_BUSY");
    assert_string_equal(ormc_status_name(ORMC_NOMEM), "ORMC_NOMEM");
    assert_string_equal(ormc_status_name(ORMC_ERROR), "ORMC_ERROR");
    assert_string_equal(ormc_status_name(7), "ORMC_UNKNOWN");
    assert_string_equal(ormc_status_name(-1), "ORMC_UNKNOWN");
    assert_string_equal(ormc_status_name(ORMC_ROW), "ORMC_UNKNOWN");
    assert_int_equal(ORMC_OK, 0);
}

static void test_now(void **state)
{
    (void)state;
    int64_t before = (int64_t)time(NULL);
    int64_t now = ormc_now();
    int64_t after = (int64_t)time(NULL);
    assert_in_range(now, before, after);
}

/* ---- injected backend faults (spy backend) ---- */

static void test_fault_prepare(void **state)
{
    fixture *f = *state;
    spy.fail_prepare_at = 1;
    Author a;
    author_init(&a);
    a.name = "Ann";
    a.email = "ann@example.com";
    assert_status(f->db, author_insert(f->db, &a), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Author.insert: injected fault");
    assert_int_equal(a.id, 0);
    assert_int_equal(ormc_prepare_count(f->db), 0);
    /* nothing was cached: the next insert prepares and works */
    assert_ok(f->db, author_insert(f->db, &a));
    assert_int_equal(ormc_prepare_count(f->db), 1);
    assert_int_equal(n_authors(f->db), 1);
}

static void test_fault_step_write(void **state)
{
    fixture *f = *state;
    spy.fail_step_at = 1;
    spy.fail_code = ORMC_BUSY;
    Author a;
    author_init(&a);
    a.name = "Ann";
    a.email = "ann@example.com";
    assert_status(f->db, author_insert(f->db, &a), ORMC_BUSY);
    assert_error(f->db, ORMC_BUSY, "Author.insert: injected fault");
    assert_int_equal(a.id, 0);
    assert_int_equal(n_authors(f->db), 0);
    /* the cached statement was reset and is reusable */
    assert_ok(f->db, author_insert(f->db, &a));
    assert_int_equal(a.id, 1);
    assert_int_equal(ormc_prepare_count(f->db), 2); /* insert + count */
}

static void test_fault_in_fetch_rows(void **state)
{
    fixture *f = *state;
    for (int k = 0; k < 5; k++) {
        char email[32];
        snprintf(email, sizeof email, "a%d@example.com", k);
        add_author(f->db, "A", email);
    }
    /* the main query fails on its 2nd step: SQLite's 2nd row; on
     * PostgreSQL the step past the block of 5 rows read at once */
    spy_reset();
    spy.fail_step_at = 2;
    AuthorList l = {0};
    assert_status(f->db, author_fetch(f->db, NULL, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Author.fetch: injected fault");
    assert_null(l.items);
    assert_int_equal(l.count, 0);
    assert_null(l.owner);
    /* and the same fetch works afterwards */
    assert_ok(f->db, author_fetch(f->db, NULL, &l));
    assert_int_equal(l.count, 5);
    author_list_free(&l);
}

static void test_fault_in_prefetch(void **state)
{
    fixture *f = *state;
    int64_t ann = add_author(f->db, "Ann", "ann@example.com");
    Blog g;
    blog_init(&g);
    g.title = "g";
    g.author_id = ann;
    assert_ok(f->db, blog_insert(f->db, &g));
    Comment c;
    comment_init(&c);
    c.blog_id = g.id;
    c.content = "c";
    assert_ok(f->db, comment_insert(f->db, &c));

    BlogQuery q;
    blog_query_init(&q);
    blog_with_author(&q);
    blog_prefetch_comments(&q);
    BlogList l = {0};
    /* the child statement fails to prepare */
    spy_reset();
    spy.fail_prepare_at = 2;
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Blog.prefetch_comments: injected fault");
    assert_null(l.items);
    assert_null(l.owner);
    /* the child statement fails on its first step (main: 1 row + done) */
    spy_reset();
    spy.fail_step_at = 3;
    assert_status(f->db, blog_fetch(f->db, &q, &l), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Blog.prefetch_comments: injected fault");
    assert_null(l.items);
    assert_int_equal(l.count, 0);
    /* recovered */
    assert_ok(f->db, blog_fetch(f->db, &q, &l));
    assert_int_equal(l.count, 1);
    assert_int_equal(l.items[0].rel->comments.count, 1);
    assert_string_equal(l.items[0].author->name, "Ann");
    blog_list_free(&l);
}

static void test_fault_in_get_and_count(void **state)
{
    fixture *f = *state;
    int64_t id = add_author(f->db, "Ann", "ann@example.com");
    spy_reset();
    spy.fail_step_at = 1;
    Author *a = (Author *)f;
    assert_status(f->db, author_get(f->db, id, &a), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Author.get: injected fault");
    assert_null(a);
    spy.fail_step_at = 1;
    int64_t n = -1;
    assert_status(f->db, author_count(f->db, NULL, &n), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Author.count: injected fault");
    assert_int_equal(n, 0);
    spy.fail_step_at = 1;
    ormc_int_stats st;
    assert_status(f->db,
                  ormc_aggregate_int(f->db, &author_model, NULL,
                                     AUTHOR_FIELD_ID, &st),
                  ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Author.aggregate: injected fault");
    assert_int_equal(st.count, 0);
    spy.fail_step_at = 1;
    assert_status(f->db, author_delete(f->db, id), ORMC_ERROR);
    assert_error(f->db, ORMC_ERROR, "Author.delete: injected fault");
    assert_int_equal(n_authors(f->db), 1);
}

/* ---- prefetch reads one snapshot ---- */

/* A second connection that writes while the first fetch is between its
 * main statement and its prefetch statement. */
static ormc_db *race_writer;
static int64_t race_author;
static int race_inserts;

static void race_trace(void *ctx, const char *sql)
{
    (void)ctx;
    if (!strstr(sql, "\"blog_id\" IN (SELECT"))
        return;
    Blog b;
    blog_init(&b);
    b.title = "newest";
    b.author_id = race_author;
    b.created = 2000000000;
    assert_ok(race_writer, blog_insert(race_writer, &b));
    race_inserts++;
}

/* Without a snapshot the child query re-runs "newest 3 blogs" after the
 * writer added a newer one, and the oldest loaded blog gets no comments. */
static void test_prefetch_reads_one_snapshot(void **state)
{
    (void)state;
    const char *path = "prefetch_snapshot.db";
    remove(path);
    ormc_db *db = NULL;
    assert_int_equal(ormc_open(path, &db), ORMC_OK);
    assert_ok(db, ormc_exec(db, "PRAGMA journal_mode = WAL"));
    assert_ok(db, blog_schema_create(db));
    assert_int_equal(ormc_open(path, &race_writer), ORMC_OK);
    Author a;
    author_init(&a);
    a.name = "Ann";
    a.email = "ann@example.com";
    assert_ok(db, author_insert(db, &a));
    race_author = a.id;
    for (int i = 0; i < 3; i++) {
        Blog b;
        blog_init(&b);
        b.title = "t";
        b.author_id = a.id;
        b.created = 1000 + i;
        assert_ok(db, blog_insert(db, &b));
        for (int k = 0; k < 2; k++) {
            Comment c;
            comment_init(&c);
            c.blog_id = b.id;
            c.content = "x";
            assert_ok(db, comment_insert(db, &c));
        }
    }
    ormc_set_trace(db, race_trace, NULL);
    race_inserts = 0;
    BlogQuery q;
    blog_query_init(&q);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_limit(&q, 3);
    blog_prefetch_comments(&q);
    blog_count_comments(&q);
    BlogList l;
    assert_ok(db, blog_fetch(db, &q, &l));
    assert_int_equal(race_inserts, 1); /* the write did happen in between */
    assert_int_equal(l.count, 3);
    for (size_t i = 0; i < l.count; i++) {
        assert_int_equal(l.items[i].id, 3 - (int64_t)i);
        assert_int_equal(l.items[i].rel->comments_count, 2);
        assert_int_equal(l.items[i].rel->comments.count, 2);
    }
    assert_false(ormc_in_transaction(db));
    blog_list_free(&l);
    ormc_close(race_writer);
    race_writer = NULL;
    ormc_close(db);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define T_SPY(fn) cmocka_unit_test_setup_teardown(fn, setup_spy, teardown)
#define T_EMPTY(fn) cmocka_unit_test_setup_teardown(fn, setup_empty, teardown)
        cmocka_unit_test(test_big_blocks_keep_contents),
        cmocka_unit_test(test_big_blocks_reused),
        cmocka_unit_test(test_small_chunks_parked),
        cmocka_unit_test(test_glibc_sees_mapped_blocks),
        cmocka_unit_test(test_big_blocks_use_callers_allocator),
        cmocka_unit_test(test_get_objects_share_pages),
        cmocka_unit_test(test_chunk_cache_threads),
        cmocka_unit_test(test_results_on_threads),
        T(test_labels_kept_per_connection),
        T(test_stmt_cache_same_shape),
        T(test_stmt_cache_eviction_lru),
        T(test_stmt_cache_by_shape),
        T(test_stmt_cache_no_terms),
        T(test_reset_counts),
        T(test_trace_exact_sql),
        T(test_tx_rollback_discards),
        T(test_tx_commit_keeps),
        T(test_tx_nested_refused),
        T(test_tx_end_without_begin_refused),
        T(test_tx_failed_statement_keeps_tx),
        T(test_schema_create_twice),
        T_EMPTY(test_schema_create_all_or_nothing),
        T_EMPTY(test_schema_create_inside_tx),
        cmocka_unit_test(test_open_unopenable_path),
        T(test_exec_errors),
        T(test_reconnect_after_lost_session),
        T(test_null_safety),
        T(test_results_outlive_connection),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_now),
        T_SPY(test_fault_prepare),
        T_SPY(test_fault_step_write),
        T_SPY(test_fault_in_fetch_rows),
        T_SPY(test_fault_in_prefetch),
        T_SPY(test_fault_in_get_and_count),
        cmocka_unit_test(test_prefetch_reads_one_snapshot),
#undef T
#undef T_SPY
#undef T_EMPTY
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
