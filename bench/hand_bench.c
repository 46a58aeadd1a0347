/*
 * hand_bench.c — contestant 2: the best hand-written C we can write against
 * the sqlite3 API for each workload.  It is the bar ormc is measured
 * against, not a straw man:
 *   - every statement is prepared once (SQLITE_PREPARE_PERSISTENT) and reused;
 *   - rows are copied with sqlite3_column_* into plain structs specialised
 *     for the query, in one growing array per result;
 *   - text is copied with the length from sqlite3_column_bytes into one
 *     bump arena, freed in one go;
 *   - select_related rows carry their author inline (no extra allocation);
 *   - prefetch scans the children in table order, finds each one's parent by
 *     binary search over the id-ordered parents (direct index when ids are
 *     dense), then groups them with a counting sort: each blog's comments
 *     are a slice of one array, in id order (W2); for the two levels of
 *     W12, a run of pointers into the children's array (no child copied);
 *   - children that arrive grouped by parent (W11, W13) are stitched in one
 *     merge pass, each parent's list a slice of the array they were read
 *     into;
 *   - many-to-many (W14): each tag is read once into an array (its links
 *     arrive grouped by tag), each link is a (blog index, tag index)
 *     pair, and a counting sort by blog gives each blog a run of pointers
 *     to its tags (a tag shared by many blogs is one object).
 *
 * Usage: hand_bench DBFILE WORKLOAD RUNS   (see harness.h, bench/README.md)
 */
#include "checksum.h"
#include "harness.h"
#include "rawdb.h"
#include "sql.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- memory: a bump arena for text, growing arrays for rows ---- */

typedef struct chunk {
    struct chunk *next;
} chunk;

typedef struct arena {
    chunk *chunks;
    char *pos, *end;
    size_t next_size;
} arena;

/* Small first blocks (text chunks from 64 KB, arrays from 64 elements, both
 * doubling) stay under glibc's mmap threshold, so the next run reuses the
 * heap instead of faulting in fresh pages: with 256 KB / 1,024 to start,
 * W3 at S=1 took 6x the page faults and 2x the time of ormc, whose arena
 * starts at 64 KB. */
#define ARENA_MIN (64u * 1024u)

static char *arena_grow(arena *a, size_t n)
{
    size_t size = a->next_size > n ? a->next_size : n;
    if (size < ARENA_MIN)
        size = ARENA_MIN;
    chunk *c = malloc(sizeof(chunk) + size);
    if (!c)
        return NULL;
    c->next = a->chunks;
    a->chunks = c;
    a->pos = (char *)(c + 1);
    a->end = a->pos + size;
    a->next_size = size < (64u << 20) ? size * 2 : size;
    return a->pos;
}

/* Copies `n` bytes of column text plus its NUL into the arena. */
static const char *arena_text(arena *a, const unsigned char *s, size_t n)
{
    if ((size_t)(a->end - a->pos) < n + 1 && !arena_grow(a, n + 1))
        return NULL;
    char *d = a->pos;
    memcpy(d, s, n);
    d[n] = '\0';
    a->pos += n + 1;
    return d;
}

static void arena_free(arena *a)
{
    while (a->chunks) {
        chunk *c = a->chunks;
        a->chunks = c->next;
        free(c);
    }
    a->pos = a->end = NULL;
    a->next_size = 0;
}

/* Makes room for one more element after items[0..n) (capacity doubling):
 * returns items or a larger block, or NULL when out of memory (items is then
 * left as it was, for the caller to free). */
static void *grow(void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return items;
    size_t c = *cap ? *cap * 2 : 64;
    void *p = realloc(items, c * size);
    if (p)
        *cap = c;
    return p;
}

/* ---- the result structs ---- */

typedef struct HAuthor {
    int64_t id;
    const char *name;
    const char *email;
} HAuthor;

typedef struct HBook {
    int64_t id;
    const char *title;
    int64_t author_id;
    double price;
    int64_t pages;
    HAuthor author;
} HBook;

typedef struct HComment {
    int64_t id;
    int64_t blog_id;
    const char *content;
    int64_t score;
} HComment;

typedef struct HTag {
    int64_t id;
    const char *name;
} HTag;

typedef struct HBlog {
    int64_t id;
    const char *title;
    int64_t author_id;
    int64_t editor_id;
    int64_t created;
    double rating;
    bool editor_null;
    bool rating_null;
    int64_t comments_count; /* W3 */
    union {
        HComment *comments;      /* W2, W11, W13: a slice of the comment array */
        HComment **comment_refs; /* W12: pointers into the comment array */
        HTag **tag_refs;         /* W14: pointers into the tag array */
    };
    size_t ncomments;       /* the list's length (W14: of tag_refs) */
    HAuthor author;         /* W1, W5 */
} HBlog;

/* W12: an author with the run of its blogs. */
typedef struct HAuthorT {
    HAuthor a;
    HBlog **blogs;   /* pointers into the blog array, in id order */
    size_t nblogs;
} HAuthorT;

typedef struct ctx {
    rawdb r;
    arena text;
    HBook *books;
    size_t nbooks, books_cap;
    HBlog *blogs;
    size_t nblogs, blogs_cap;
    HComment *comments;
    size_t ncomments, comments_cap;
    HAuthorT *authors;     /* W12 */
    size_t nauthors, authors_cap;
    bool blogs_dense, authors_dense; /* ids exactly 1..n (dense_ids) */
    void **blog_refs, **comment_refs; /* W12: the lists' pointer runs */
    HTag *tags;            /* W14: each tag once */
    size_t ntags, tags_cap;
    void **tag_refs;       /* W14: the blogs' pointer runs */
    sqlite3_stmt *st3;     /* W12: the third statement */
    int64_t stats_count, stats_sum, stats_min, stats_max;
    double stats_avg;
    sqlite3_stmt *st, *st2;
    int64_t *w10_ids;      /* W10: the ids (input, untimed) */
    size_t w10_n;
    int w10_json;          /* W10p: one JSON array parameter */
    char *json;            /* W10: the ids as one JSON array (timed) */
    size_t json_cap;
} ctx;

static int c_open(const char *path, void **out)
{
    ctx *c = calloc(1, sizeof *c);
    *out = c;
    return c ? rawdb_open(&c->r, path) : -1;
}

static void release(void *p);

static void c_close(void *p)
{
    ctx *c = p;
    if (!c)
        return;
    release(c);
    free(c->w10_ids);
    free(c->json);
    sqlite3_finalize(c->st);
    sqlite3_finalize(c->st2);
    sqlite3_finalize(c->st3);
    rawdb_close(&c->r);
    free(c);
}

static uint64_t c_statements(void *p) { return ((ctx *)p)->r.executed; }

static const char *c_errmsg(void *p) { return p ? ((ctx *)p)->r.err : "out of memory"; }

static int nomem(ctx *c)
{
    strcpy(c->r.err, "out of memory");
    return -1;
}

/* Frees the result of the last run (arrays are kept for the next run). */
static void release(void *p)
{
    ctx *c = p;
    arena_free(&c->text);
    free(c->books);
    free(c->blogs);
    free(c->comments);
    free(c->authors);
    free(c->blog_refs);
    free(c->comment_refs);
    free(c->tags);
    free(c->tag_refs);
    c->tags = NULL;
    c->tag_refs = NULL;
    c->ntags = c->tags_cap = 0;
    c->books = NULL;
    c->blogs = NULL;
    c->comments = NULL;
    c->authors = NULL;
    c->blog_refs = c->comment_refs = NULL;
    c->nbooks = c->books_cap = c->nblogs = c->blogs_cap = 0;
    c->ncomments = c->comments_cap = 0;
    c->nauthors = c->authors_cap = 0;
    c->blogs_dense = c->authors_dense = false;
}

/* Text column i, copied; NULL on out of memory. */
static const char *col_text(ctx *c, sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return arena_text(&c->text, s, (size_t)sqlite3_column_bytes(st, i));
}

/* Author columns at i, i+1, i+2.  0 or -1. */
static int read_author(ctx *c, sqlite3_stmt *st, int i, HAuthor *a)
{
    a->id = sqlite3_column_int64(st, i);
    a->name = col_text(c, st, i + 1);
    a->email = col_text(c, st, i + 2);
    return a->name && a->email ? 0 : -1;
}

/* BLOG_COLS at 0..5.  0 or -1. */
static int read_blog(ctx *c, sqlite3_stmt *st, HBlog *b)
{
    b->id = sqlite3_column_int64(st, 0);
    b->title = col_text(c, st, 1);
    b->author_id = sqlite3_column_int64(st, 2);
    b->editor_null = sqlite3_column_type(st, 3) == SQLITE_NULL;
    b->editor_id = b->editor_null ? 0 : sqlite3_column_int64(st, 3);
    b->created = sqlite3_column_int64(st, 4);
    b->rating_null = sqlite3_column_type(st, 5) == SQLITE_NULL;
    b->rating = b->rating_null ? 0 : sqlite3_column_double(st, 5);
    b->comments = NULL;
    b->ncomments = 0;
    b->comments_count = 0;
    return b->title ? 0 : -1;
}

/* BOOK_COLS at 0..4.  0 or -1. */
static int read_book(ctx *c, sqlite3_stmt *st, HBook *b)
{
    b->id = sqlite3_column_int64(st, 0);
    b->title = col_text(c, st, 1);
    b->author_id = sqlite3_column_int64(st, 2);
    b->price = sqlite3_column_double(st, 3);
    b->pages = sqlite3_column_int64(st, 4);
    return b->title ? 0 : -1;
}

/* Ends a statement's execution: 0 if it ran to SQLITE_DONE. */
static int done(ctx *c, sqlite3_stmt *st, int rc, const char *what)
{
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? nomem(c) : rawdb_fail(&c->r, what);
    return 0;
}

static uint64_t ck_author(uint64_t h, const HAuthor *a)
{
    h = ck(h, (uint64_t)a->id);
    h = ck_text(h, a->name, strlen(a->name));
    return ck_text(h, a->email, strlen(a->email));
}

static uint64_t ck_book(uint64_t h, const HBook *b)
{
    h = ck(h, (uint64_t)b->id);
    h = ck_text(h, b->title, strlen(b->title));
    h = ck(h, (uint64_t)b->author_id);
    h = ck_real(h, b->price);
    return ck(h, (uint64_t)b->pages);
}

static uint64_t ck_blog(uint64_t h, const HBlog *b)
{
    h = ck(h, (uint64_t)b->id);
    h = ck_text(h, b->title, strlen(b->title));
    h = ck(h, (uint64_t)b->author_id);
    h = ck(h, b->editor_null ? CK_NULL : (uint64_t)b->editor_id);
    h = ck(h, (uint64_t)b->created);
    return b->rating_null ? ck(h, CK_NULL) : ck_real(h, b->rating);
}

/* ---- W0: the naive loop, W0sr: the join ---- */

static int w0_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W0_BOOKS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W0_AUTHOR, &c->st2);
}

static int w0_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    int rc;
    sqlite3_bind_int(st, 1, BENCH_W0_BOOKS);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBook *b = grow(c->books, c->nbooks, &c->books_cap, sizeof *b);
        if (!b || !(c->books = b) || read_book(c, st, &b[c->nbooks++]))
            break;
    }
    if (done(c, st, rc, SQL_W0_BOOKS))
        return -1;
    st = c->st2;
    for (size_t i = 0; i < c->nbooks; i++) {
        sqlite3_bind_int64(st, 1, c->books[i].author_id);
        c->r.executed++;
        if (sqlite3_step(st) != SQLITE_ROW) {
            rawdb_fail(&c->r, SQL_W0_AUTHOR);
            sqlite3_reset(st);
            return -1;
        }
        int bad = read_author(c, st, 0, &c->books[i].author);
        sqlite3_reset(st);
        if (bad)
            return nomem(c);
    }
    return 0;
}

static int w0sr_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W0SR, &c->st);
}

static int w0sr_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    int rc;
    sqlite3_bind_int(st, 1, BENCH_W0_BOOKS);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBook *b = grow(c->books, c->nbooks, &c->books_cap, sizeof *b);
        if (!b || !(c->books = b) || read_book(c, st, &b[c->nbooks]) ||
            read_author(c, st, 5, &b[c->nbooks].author))
            break;
        c->nbooks++;
    }
    return done(c, st, rc, SQL_W0SR);
}

static int books_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->nbooks; i++)
        h = ck_author(ck(h, ck_book(CK_SEED, &c->books[i])),
                      &c->books[i].author);
    *sum = h;
    return 0;
}

/* ---- W1 and W5: blogs with their author ---- */

static int blogs_author_run(ctx *c, sqlite3_stmt *st, const char *what)
{
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBlog *b = grow(c->blogs, c->nblogs, &c->blogs_cap, sizeof *b);
        if (!b || !(c->blogs = b) || read_blog(c, st, &b[c->nblogs]) ||
            read_author(c, st, 6, &b[c->nblogs].author))
            break;
        c->nblogs++;
    }
    return done(c, st, rc, what);
}

static int w1_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W1, &c->st);
}

static int w1_run(void *p)
{
    ctx *c = p;
    return blogs_author_run(c, c->st, SQL_W1);
}

static int blogs_author_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->nblogs; i++) {
        h = ck_blog(h, &c->blogs[i]);
        h = ck_author(h, &c->blogs[i].author);
    }
    *sum = h;
    return 0;
}

static int w5_prepare(void *p)
{
    ctx *c = p;
    return rawdb_sizes(&c->r) || rawdb_prepare_w5(&c->r, &c->st);
}

static int w5_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    for (int k = 0; k < BENCH_W5_AUTHORS; k++)
        sqlite3_bind_int64(st, k + 1, c->r.w5_ids[k]);
    sqlite3_bind_int(st, BENCH_W5_AUTHORS + 1, BENCH_W5_LIMIT);
    return blogs_author_run(c, st, "W5");
}

/* ---- W2: blogs, then comments ordered by blog, stitched in one pass ---- */

static int w2_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W2_BLOGS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W2_COMMENTS, &c->st2);
}

/* Whether rows[0..n) of `size` bytes, each starting with its id and
 * ordered by it (a primary key: no two alike), hold exactly the ids 1..n:
 * then the row of id k is row k - 1, found without reading the array.
 * (Checking rows[k - 1].id on each lookup instead reads one cache line
 * of a large array at random per child: at S=10, a quarter of W12's
 * time.) */
static bool dense_ids(const void *rows, size_t size, size_t n)
{
    int64_t first, last;
    if (!n)
        return false;
    memcpy(&first, rows, sizeof first);
    memcpy(&last, (const char *)rows + (n - 1) * size, sizeof last);
    return first == 1 && last == (int64_t)n;
}

/* Index of the blog with id `id` in c->blogs (ordered by id), or nblogs. */
static size_t blog_index(const ctx *c, int64_t id)
{
    if (c->blogs_dense)
        return id >= 1 && (uint64_t)id <= c->nblogs ? (size_t)(id - 1)
                                                    : c->nblogs;
    size_t guess = (size_t)(id - 1); /* nearly dense ids: the direct hit */
    if (id >= 1 && guess < c->nblogs && c->blogs[guess].id == id)
        return guess;
    size_t lo = 0, hi = c->nblogs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->blogs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nblogs && c->blogs[lo].id == id ? lo : c->nblogs;
}

static int w2_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBlog *b = grow(c->blogs, c->nblogs, &c->blogs_cap, sizeof *b);
        if (!b || !(c->blogs = b) || read_blog(c, st, &b[c->nblogs++]))
            break;
    }
    if (done(c, st, rc, SQL_W2_BLOGS))
        return -1;
    c->blogs_dense = dense_ids(c->blogs, sizeof *c->blogs, c->nblogs);
    /* The comments in id order, each with its parent's index. */
    HComment *all = NULL;
    uint32_t *parent = NULL;
    size_t n = 0, cap = 0, pcap = 0;
    st = c->st2;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HComment *a2 = grow(all, n, &cap, sizeof *all);
        if (a2)
            all = a2;
        uint32_t *p2 = a2 ? grow(parent, n, &pcap, sizeof *parent) : NULL;
        if (!p2)
            break;
        parent = p2;
        HComment *m = &all[n];
        m->id = sqlite3_column_int64(st, 0);
        m->blog_id = sqlite3_column_int64(st, 1);
        m->content = col_text(c, st, 2);
        m->score = sqlite3_column_int64(st, 3);
        parent[n++] = (uint32_t)blog_index(c, m->blog_id);
        if (!m->content)
            break;
    }
    if (done(c, st, rc, SQL_W2_COMMENTS) || c->nblogs > UINT32_MAX - 1) {
        free(all);
        free(parent);
        return -1;
    }
    /* Counting sort by parent: count, then place in id order. */
    size_t *start = calloc(c->nblogs + 1, sizeof *start);
    c->comments = malloc((n ? n : 1) * sizeof *c->comments);
    if (!start || !c->comments) {
        free(all);
        free(parent);
        free(start);
        return nomem(c);
    }
    for (size_t i = 0; i < n; i++)
        if (parent[i] < c->nblogs)
            start[parent[i] + 1]++;
    for (size_t b = 0; b < c->nblogs; b++) {
        start[b + 1] += start[b];
        c->blogs[b].comments = c->comments + start[b];
        c->blogs[b].ncomments = start[b + 1] - start[b];
    }
    for (size_t i = 0; i < n; i++)
        if (parent[i] < c->nblogs)
            c->comments[start[parent[i]]++] = all[i];
    c->ncomments = n;
    free(all);
    free(parent);
    free(start);
    return 0;
}

static int w2_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t hb = CK_SEED, hc = 0;
    for (size_t i = 0; i < c->nblogs; i++) {
        const HBlog *b = &c->blogs[i];
        hb = ck_blog(hb, b);
        for (size_t k = 0; k < b->ncomments; k++) {
            const HComment *m = &b->comments[k];
            if (k && m->id <= b->comments[k - 1].id) {
                snprintf(c->r.err, sizeof c->r.err,
                         "blog %lld: comments not in ascending id order",
                         (long long)b->id);
                return -1;
            }
            hc += ck_child((uint64_t)b->id, (uint64_t)m->id, m->content,
                           strlen(m->content), (uint64_t)m->score);
        }
    }
    *sum = ck(hb, hc);
    return 0;
}

/* ---- W3: blogs with their comment count ---- */

static int w3_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W3, &c->st);
}

static int w3_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBlog *b = grow(c->blogs, c->nblogs, &c->blogs_cap, sizeof *b);
        if (!b || !(c->blogs = b) || read_blog(c, st, &b[c->nblogs]))
            break;
        b[c->nblogs++].comments_count = sqlite3_column_int64(st, 6);
    }
    return done(c, st, rc, SQL_W3);
}

static int w3_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->nblogs; i++) {
        h = ck_blog(h, &c->blogs[i]);
        h = ck(h, (uint64_t)c->blogs[i].comments_count);
    }
    *sum = h;
    return 0;
}

/* ---- W4: aggregate ---- */

static int w4_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W4, &c->st);
}

static int w4_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    c->r.executed++;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        c->stats_count = sqlite3_column_int64(st, 0);
        c->stats_sum = sqlite3_column_int64(st, 1);
        c->stats_avg = sqlite3_column_double(st, 2);
        c->stats_min = sqlite3_column_int64(st, 3);
        c->stats_max = sqlite3_column_int64(st, 4);
        rc = sqlite3_step(st);
    }
    return done(c, st, rc, SQL_W4);
}

static int w4_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    h = ck(h, (uint64_t)c->stats_count);
    h = ck(h, (uint64_t)c->stats_sum);
    h = ck_real(h, c->stats_avg);
    h = ck(h, (uint64_t)c->stats_min);
    *sum = ck(h, (uint64_t)c->stats_max);
    return 0;
}

/* ---- W7: blogs whose author's name starts with a letter, with author ---- */

static int w7_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W7, &c->st);
}

static int w7_run(void *p)
{
    ctx *c = p;
    sqlite3_bind_text(c->st, 1, BENCH_W7_LETTER "*", -1, SQLITE_STATIC);
    return blogs_author_run(c, c->st, SQL_W7);
}

/* ---- W8: (rating >= 4 OR title contains "zz") AND NOT editor IS NULL ---- */

static int w8_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W8, &c->st);
}

static int w8_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    int rc;
    sqlite3_bind_double(st, 1, BENCH_W8_RATING);
    sqlite3_bind_text(st, 2, "*" BENCH_W8_TITLE "*", -1, SQLITE_STATIC);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBlog *b = grow(c->blogs, c->nblogs, &c->blogs_cap, sizeof *b);
        if (!b || !(c->blogs = b) || read_blog(c, st, &b[c->nblogs++]))
            break;
    }
    return done(c, st, rc, SQL_W8);
}

static int blogs_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->nblogs; i++)
        h = ck_blog(h, &c->blogs[i]);
    *sum = h;
    return 0;
}

/* ---- W9 / W9n: shared with the floor (rawdb.c) ---- */

static int w9_prepare(void *p) { return rawdb_w9_prepare(&((ctx *)p)->r); }
static int w9_run(void *p) { return rawdb_w9_run(&((ctx *)p)->r); }
static int w9n_run(void *p) { return rawdb_w9n_run(&((ctx *)p)->r); }
static int w9_check(void *p, uint64_t *sum) { return rawdb_w9_check(&((ctx *)p)->r, sum); }
static void w9_release(void *p) { rawdb_w9_release(&((ctx *)p)->r); }

/* ---- W10: comments whose id is in a list of 100,000 ---- */

static int w10_prepare_n(ctx *c, size_t n)
{
    int64_t ncomments;
    if (rawdb_ncomments(&c->r, &ncomments) ||
        rawdb_prepare_w10(&c->r, n, &c->st, &c->w10_json))
        return -1;
    c->w10_ids = malloc(n * sizeof *c->w10_ids);
    if (!c->w10_ids)
        return nomem(c);
    for (size_t k = 0; k < n; k++)
        c->w10_ids[k] = bench_w10_id((int64_t)k, ncomments);
    c->w10_n = n;
    return 0;
}

static int w10_prepare(void *p) { return w10_prepare_n(p, BENCH_W10_IDS); }
static int w10p_prepare(void *p) { return w10_prepare_n(p, BENCH_W10P_IDS); }

static int w10_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    if (rawdb_bind_w10(&c->r, st, c->w10_json, c->w10_ids, c->w10_n,
                       &c->json, &c->json_cap))
        return -1;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HComment *m = grow(c->comments, c->ncomments, &c->comments_cap,
                           sizeof *m);
        if (!m || !(c->comments = m))
            break;
        m = &c->comments[c->ncomments++];
        m->id = sqlite3_column_int64(st, 0);
        m->blog_id = sqlite3_column_int64(st, 1);
        m->content = col_text(c, st, 2);
        m->score = sqlite3_column_int64(st, 3);
        if (!m->content)
            break;
    }
    return done(c, st, rc, "W10");
}

static int w10_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->ncomments; i++) {
        const HComment *m = &c->comments[i];
        h = rawdb_ck_comment(h, m->id, m->blog_id, m->content,
                             strlen(m->content), m->score);
    }
    *sum = h;
    return 0;
}

/* ---- W11: blogs of a date range with their comments (2 statements) ---- */

static int merge_comments(ctx *c, sqlite3_stmt *st, const char *what);

static int w11_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W11_BLOGS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W11_COMMENTS, &c->st2);
}

static int w11_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    int rc;
    sqlite3_bind_int64(st, 1, BENCH_W11_LO);
    sqlite3_bind_int64(st, 2, BENCH_W11_HI);
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBlog *b = grow(c->blogs, c->nblogs, &c->blogs_cap, sizeof *b);
        if (!b || !(c->blogs = b) || read_blog(c, st, &b[c->nblogs++]))
            break;
    }
    if (done(c, st, rc, SQL_W11_BLOGS))
        return -1;
    st = c->st2;
    sqlite3_bind_int64(st, 1, BENCH_W11_LO);
    sqlite3_bind_int64(st, 2, BENCH_W11_HI);
    return merge_comments(c, st, SQL_W11_COMMENTS);
}

/* Runs st, whose rows (SQL_W2_COMMENTS' columns first) arrive grouped by
 * blog, blogs in id order as in c->blogs (SQL_W11_COMMENTS,
 * SQL_W13_COMMENTS): one merge pass gives each blog its slice of
 * c->comments, in the order they came. */
static int merge_comments(ctx *c, sqlite3_stmt *st, const char *what)
{
    int rc;
    c->r.executed++;
    size_t b = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HComment *m = grow(c->comments, c->ncomments, &c->comments_cap,
                           sizeof *m);
        if (!m || !(c->comments = m))
            break;
        m = &c->comments[c->ncomments++];
        m->id = sqlite3_column_int64(st, 0);
        m->blog_id = sqlite3_column_int64(st, 1);
        m->content = col_text(c, st, 2);
        m->score = sqlite3_column_int64(st, 3);
        if (!m->content)
            break;
        while (b < c->nblogs && c->blogs[b].id < m->blog_id)
            b++;
        if (b == c->nblogs || c->blogs[b].id != m->blog_id) {
            sqlite3_reset(st);
            snprintf(c->r.err, sizeof c->r.err,
                     "comment %lld: blog %lld not fetched or out of order",
                     (long long)m->id, (long long)m->blog_id);
            return -1;
        }
        c->blogs[b].ncomments++;
    }
    if (done(c, st, rc, what))
        return -1;
    /* The array may have moved while growing: set the slices now. */
    size_t k = 0;
    for (b = 0; b < c->nblogs; b++) {
        c->blogs[b].comments = c->comments + k;
        k += c->blogs[b].ncomments;
    }
    return 0;
}

/* ---- W12: authors -> blogs -> comments, 3 statements, every row ---- */

static int w12_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W12_AUTHORS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W12_BLOGS, &c->st2) ||
           rawdb_prepare(&c->r, SQL_W12_COMMENTS, &c->st3);
}

/* Index of the author with id `id` in c->authors (ordered by id), or
 * nauthors: as blog_index. */
static size_t author_index(const ctx *c, int64_t id)
{
    if (c->authors_dense)
        return id >= 1 && (uint64_t)id <= c->nauthors ? (size_t)(id - 1)
                                                      : c->nauthors;
    size_t guess = (size_t)(id - 1);
    if (id >= 1 && guess < c->nauthors && c->authors[guess].a.id == id)
        return guess;
    size_t lo = 0, hi = c->nauthors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->authors[mid].a.id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nauthors && c->authors[lo].a.id == id ? lo : c->nauthors;
}

/* Counting sort by parent: n children of `size` bytes from `kids`, child
 * i under parent par[i] (np: none).  Returns the children's pointers
 * grouped by parent, each group in the children's order, and leaves
 * start[p] (start holds np + 2) at the end of parent p's group, whose
 * beginning is start[p - 1] (0 for p = 0).  NULL when out of memory. */
static void **group(char *kids, size_t size, size_t n, const uint32_t *par,
                    size_t np, size_t *start)
{
    memset(start, 0, (np + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[par[i] + 1]++; /* par[i] == np: counted in start[np + 1], unused */
    for (size_t p = 0; p < np; p++)
        start[p + 1] += start[p];
    void **refs = malloc((start[np] ? start[np] : 1) * sizeof *refs);
    if (!refs)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (par[i] < np)
            refs[start[par[i]]++] = kids + i * size;
    return refs;
}

static int w12_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    uint32_t *bpar = NULL, *cpar = NULL;
    size_t *start = NULL;
    size_t bcap = 0, ccap = 0;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HAuthorT *a = grow(c->authors, c->nauthors, &c->authors_cap, sizeof *a);
        if (!a || !(c->authors = a) || read_author(c, st, 0, &a[c->nauthors++].a))
            break;
    }
    if (done(c, st, rc, SQL_W12_AUTHORS))
        return -1;
    c->authors_dense = dense_ids(c->authors, sizeof *c->authors, c->nauthors);
    /* the blogs in id order, each with its author's index */
    st = c->st2;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBlog *b = grow(c->blogs, c->nblogs, &c->blogs_cap, sizeof *b);
        if (b)
            c->blogs = b;
        uint32_t *p2 = b ? grow(bpar, c->nblogs, &bcap, sizeof *bpar) : NULL;
        if (!p2)
            break;
        bpar = p2;
        if (read_blog(c, st, &b[c->nblogs]))
            break;
        bpar[c->nblogs] = (uint32_t)author_index(c, b[c->nblogs].author_id);
        c->nblogs++;
    }
    if (done(c, st, rc, SQL_W12_BLOGS))
        goto fail;
    c->blogs_dense = dense_ids(c->blogs, sizeof *c->blogs, c->nblogs);
    /* the comments in id order, each with its blog's index */
    st = c->st3;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HComment *m = grow(c->comments, c->ncomments, &c->comments_cap,
                           sizeof *m);
        if (m)
            c->comments = m;
        uint32_t *p2 = m ? grow(cpar, c->ncomments, &ccap, sizeof *cpar) : NULL;
        if (!p2)
            break;
        cpar = p2;
        m = &m[c->ncomments];
        m->id = sqlite3_column_int64(st, 0);
        m->blog_id = sqlite3_column_int64(st, 1);
        m->content = col_text(c, st, 2);
        m->score = sqlite3_column_int64(st, 3);
        if (!m->content)
            break;
        cpar[c->ncomments++] = (uint32_t)blog_index(c, m->blog_id);
    }
    if (done(c, st, rc, SQL_W12_COMMENTS))
        goto fail;
    if (c->nauthors > UINT32_MAX - 1 || c->nblogs > UINT32_MAX - 1) {
        snprintf(c->r.err, sizeof c->r.err, "too many rows");
        goto fail;
    }
    /* group: blogs under authors, comments under blogs */
    size_t most = c->nauthors > c->nblogs ? c->nauthors : c->nblogs;
    start = malloc((most + 2) * sizeof *start);
    if (!start ||
        !(c->blog_refs = group((char *)c->blogs, sizeof *c->blogs, c->nblogs,
                               bpar, c->nauthors, start)))
        goto oom;
    for (size_t i = 0; i < c->nauthors; i++) {
        size_t b0 = i ? start[i - 1] : 0;
        c->authors[i].blogs = (HBlog **)c->blog_refs + b0;
        c->authors[i].nblogs = start[i] - b0;
    }
    if (!(c->comment_refs = group((char *)c->comments, sizeof *c->comments,
                                  c->ncomments, cpar, c->nblogs, start)))
        goto oom;
    for (size_t i = 0; i < c->nblogs; i++) {
        size_t k0 = i ? start[i - 1] : 0;
        c->blogs[i].comment_refs = (HComment **)c->comment_refs + k0;
        c->blogs[i].ncomments = start[i] - k0;
    }
    free(bpar);
    free(cpar);
    free(start);
    return 0;
oom:
    nomem(c);
fail:
    free(bpar);
    free(cpar);
    free(start);
    return -1;
}

static uint64_t ck_comment(const HComment *m)
{
    return rawdb_ck_comment(CK_SEED, m->id, m->blog_id, m->content,
                            strlen(m->content), m->score);
}

static int w12_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED, sb = 0, sc = 0;
    for (size_t i = 0; i < c->nauthors; i++) {
        const HAuthorT *a = &c->authors[i];
        h = ck_author(h, &a->a);
        for (size_t k = 0; k < a->nblogs; k++) {
            const HBlog *b = a->blogs[k];
            sb += ck_nth((uint64_t)a->a.id, k, ck_blog(CK_SEED, b));
            for (size_t j = 0; j < b->ncomments; j++)
                sc += ck_nth((uint64_t)b->id, j, ck_comment(b->comment_refs[j]));
        }
    }
    *sum = ck(ck(h, sb), sc);
    return 0;
}

/* ---- W13: every blog with its 3 newest comments, 2 statements ---- */

static int w13_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W13_BLOGS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W13_COMMENTS, &c->st2);
}

static int w13_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBlog *b = grow(c->blogs, c->nblogs, &c->blogs_cap, sizeof *b);
        if (!b || !(c->blogs = b) || read_blog(c, st, &b[c->nblogs++]))
            break;
    }
    if (done(c, st, rc, SQL_W13_BLOGS))
        return -1;
    st = c->st2;
    sqlite3_bind_int(st, 1, BENCH_W13_PER_BLOG);
    return merge_comments(c, st, SQL_W13_COMMENTS);
}

static int w13_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED, sc = 0;
    for (size_t i = 0; i < c->nblogs; i++) {
        const HBlog *b = &c->blogs[i];
        h = ck_blog(h, b);
        for (size_t j = 0; j < b->ncomments; j++)
            sc += ck_nth((uint64_t)b->id, j, ck_comment(&b->comments[j]));
    }
    *sum = ck(h, sc);
    return 0;
}

/* ---- W14: every blog with its tags (many-to-many), 2 statements ---- */

static int w14_prepare(void *p)
{
    ctx *c = p;
    return rawdb_prepare(&c->r, SQL_W14_BLOGS, &c->st) ||
           rawdb_prepare(&c->r, SQL_W14_TAGS, &c->st2);
}

/* One link: the blog's and the tag's index. */
typedef struct hlink {
    uint32_t blog, tag;
} hlink;

static int w14_run(void *p)
{
    ctx *c = p;
    sqlite3_stmt *st = c->st;
    hlink *links = NULL;
    size_t nlinks = 0, lcap = 0, *start = NULL;
    int rc;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        HBlog *b = grow(c->blogs, c->nblogs, &c->blogs_cap, sizeof *b);
        if (!b || !(c->blogs = b) || read_blog(c, st, &b[c->nblogs++]))
            break;
    }
    if (done(c, st, rc, SQL_W14_BLOGS))
        return -1;
    if (c->nblogs > UINT32_MAX - 1) {
        snprintf(c->r.err, sizeof c->r.err, "too many rows");
        return -1;
    }
    c->blogs_dense = dense_ids(c->blogs, sizeof *c->blogs, c->nblogs);
    /* the links grouped by tag, tags in id order: a tag's columns are
     * read on its first row only */
    st = c->st2;
    c->r.executed++;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tid = sqlite3_column_int64(st, 0);
        if (!c->ntags || c->tags[c->ntags - 1].id != tid) {
            HTag *t = grow(c->tags, c->ntags, &c->tags_cap, sizeof *t);
            if (!t || !(c->tags = t))
                break;
            t[c->ntags].id = tid;
            if (!(t[c->ntags++].name = col_text(c, st, 1)))
                break;
        }
        hlink *l = grow(links, nlinks, &lcap, sizeof *l);
        if (!l)
            break;
        links = l;
        l[nlinks].blog = (uint32_t)blog_index(c, sqlite3_column_int64(st, 2));
        l[nlinks++].tag = (uint32_t)(c->ntags - 1);
    }
    if (done(c, st, rc, SQL_W14_TAGS))
        goto fail;
    /* counting sort by blog: each blog's tags stay in tag id order */
    start = calloc(c->nblogs + 1, sizeof *start);
    c->tag_refs = malloc((nlinks ? nlinks : 1) * sizeof *c->tag_refs);
    if (!start || !c->tag_refs) {
        nomem(c);
        goto fail;
    }
    for (size_t i = 0; i < nlinks; i++)
        if (links[i].blog < c->nblogs)
            start[links[i].blog + 1]++;
    for (size_t b = 0; b < c->nblogs; b++) {
        start[b + 1] += start[b];
        c->blogs[b].tag_refs = (HTag **)c->tag_refs + start[b];
        c->blogs[b].ncomments = start[b + 1] - start[b];
    }
    for (size_t i = 0; i < nlinks; i++)
        if (links[i].blog < c->nblogs)
            c->tag_refs[start[links[i].blog]++] = &c->tags[links[i].tag];
    free(links);
    free(start);
    return 0;
fail:
    free(links);
    free(start);
    return -1;
}

static int w14_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED, st = 0;
    for (size_t i = 0; i < c->nblogs; i++) {
        const HBlog *b = &c->blogs[i];
        h = ck_blog(h, b);
        for (size_t k = 0; k < b->ncomments; k++) {
            const HTag *t = b->tag_refs[k];
            st += ck_nth((uint64_t)b->id, k,
                         ck_text(ck(CK_SEED, (uint64_t)t->id), t->name,
                                 strlen(t->name)));
        }
    }
    *sum = ck(h, st);
    return 0;
}

/* ---- W6: shared with the floor (rawdb.c) ---- */

static int w6_prepare(void *p) { return rawdb_w6_prepare(&((ctx *)p)->r); }
static int w6_run(void *p) { return rawdb_w6_run(&((ctx *)p)->r); }
static int w6_check(void *p, uint64_t *sum) { return rawdb_w6_check(&((ctx *)p)->r, sum); }
static void w6_release(void *p) { rawdb_w6_release(&((ctx *)p)->r); }

static const bench_workload workloads[] = {
    {"W0", w0_prepare, w0_run, books_check, release},
    {"W0sr", w0sr_prepare, w0sr_run, books_check, release},
    {"W1", w1_prepare, w1_run, blogs_author_check, release},
    {"W2", w2_prepare, w2_run, w2_check, release},
    {"W3", w3_prepare, w3_run, w3_check, release},
    {"W4", w4_prepare, w4_run, w4_check, release},
    {"W5", w5_prepare, w5_run, blogs_author_check, release},
    {"W6", w6_prepare, w6_run, w6_check, w6_release},
    {"W7", w7_prepare, w7_run, blogs_author_check, release},
    {"W8", w8_prepare, w8_run, blogs_check, release},
    {"W9", w9_prepare, w9_run, w9_check, w9_release},
    {"W9n", w9_prepare, w9n_run, w9_check, w9_release},
    {"W10", w10_prepare, w10_run, w10_check, release},
    {"W10p", w10p_prepare, w10_run, w10_check, release},
    {"W11", w11_prepare, w11_run, w2_check, release},
    {"W12", w12_prepare, w12_run, w12_check, release},
    {"W13", w13_prepare, w13_run, w13_check, release},
    {"W14", w14_prepare, w14_run, w14_check, release},
};

int main(int argc, char **argv)
{
    static const bench_contestant c = {
        "hand", workloads, sizeof workloads / sizeof *workloads,
        c_open, c_close, c_statements, c_errmsg};
    return bench_main(argc, argv, &c);
}
