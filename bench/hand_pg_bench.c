/*
 * hand_pg_bench.c — contestant 2 on PostgreSQL: the best hand-written C we
 * can write with libpq for each workload, the bar ormc is measured against
 * on the server (bench/README.md, "PostgreSQL").  What it does:
 *   - every statement is a named server-side prepared statement, prepared
 *     once (untimed, in the workload's prepare) with its parameter types,
 *     and run with PQexecPrepared: one round trip per execution;
 *   - parameters in binary (8-byte big-endian integers and doubles, text
 *     as its bytes, an id list as one binary int8[] array for = ANY($1));
 *   - results in binary (integers and doubles are 8 big-endian bytes: no
 *     strtoll or strtod on the client, no float formatting on the
 *     server); HAND_PG_FORMAT=text asks for text results instead (parsed
 *     with strtoll and strtod, as ormc's backend does), to measure what the
 *     format costs;
 *   - rows copied into plain structs specialised per query, text into one
 *     bump arena, children grouped as hand_bench.c does (a counting sort
 *     over a parent index for W2, W12 and W14, a merge pass for W11 and
 *     W13).
 * The statements are ormc's own (the same text where the shape is the
 * same), so both ask the server for the same work: one statement per
 * workload as ormc's statement counts (W0: 1 + 1,000).
 *
 * Implemented: W0, W0sr, W1, W2, W3, W4, W5, W7, W8, W9, W9n, W10, W10p,
 * W11, W12, W13, W14.  Not yet: W6 (100,000 inserts rolled back: on
 * PostgreSQL the rollback does not give the identity's ids back, so the
 * inserted ids, which the checksum covers, differ from run to run).
 *
 * Usage: hand_pg_bench CONNINFO WORKLOAD RUNS   (see harness.h)
 */
#include "checksum.h"
#include "harness.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* parameter type OIDs (pg_type.h is server-side) */
#define INT8OID 20
#define TEXTOID 25
#define FLOAT8OID 701
#define INT8ARRAYOID 1016

/* ---- memory: a bump arena for text, growing arrays for rows ---- */

typedef struct chunk {
    struct chunk *next;
} chunk;

typedef struct arena {
    chunk *chunks;
    char *pos, *end;
    size_t next_size;
} arena;

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

static const char *arena_text(arena *a, const char *s, size_t n)
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

/* ---- the result structs (as hand_bench.c) ---- */

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
    size_t ncomments;
    HAuthor author;          /* W1, W5, W7 */
} HBlog;

typedef struct HAuthorT {
    HAuthor a;
    HBlog **blogs;
    size_t nblogs;
} HAuthorT;

typedef struct ctx {
    PGconn *pg;
    int fmt;             /* result format: 1 binary (default), 0 text */
    uint64_t executed;
    char err[512];
    arena text;
    HBook *books;
    size_t nbooks, books_cap;
    HBlog *blogs;
    size_t nblogs, blogs_cap;
    HComment *comments;
    size_t ncomments, comments_cap;
    HAuthorT *authors;
    size_t nauthors, authors_cap;
    bool blogs_dense, authors_dense;
    void **blog_refs, **comment_refs;
    HTag *tags;
    size_t ntags, tags_cap;
    void **tag_refs;
    int64_t stats_count, stats_sum, stats_min, stats_max;
    double stats_avg;
    int64_t nauthors_db;
    int64_t w5_ids[BENCH_W5_AUTHORS];
    char *array;         /* W5, W10: a binary int8[] parameter */
    size_t array_len;
} ctx;

/* ---- libpq plumbing ---- */

static int fail(ctx *c, const char *what, const PGresult *r)
{
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg);
    snprintf(c->err, sizeof c->err, "%s: %s", what, m);
    return -1;
}

static int nomem(ctx *c)
{
    snprintf(c->err, sizeof c->err, "out of memory");
    return -1;
}

/* Prepares statement `name` once per connection (untimed). */
static int prepare(ctx *c, const char *name, const char *sql, int n,
                   const Oid *types)
{
    PGresult *r = PQprepare(c->pg, name, sql, n, types);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(c, name, r);
    PQclear(r);
    return rc;
}

/* Runs prepared statement `name` with binary parameters; the result (rows
 * in c->fmt) or NULL (c->err says why). */
static PGresult *run(ctx *c, const char *name, int n,
                     const char *const *values, const int *lengths)
{
    static const int binary[4] = {1, 1, 1, 1};
    c->executed++;
    PGresult *r = PQexecPrepared(c->pg, name, n, values, lengths, binary,
                                 c->fmt);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        fail(c, name, r);
        PQclear(r);
        return NULL;
    }
    return r;
}

static void put_be64(char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (char)(v & 0xff);
}

static uint64_t get_be64(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* An int8 column (COUNT(*), a bigint). */
static inline int64_t col_i64(const ctx *c, const PGresult *r, int row, int col)
{
    const char *v = PQgetvalue(r, row, col);
    return c->fmt ? (int64_t)get_be64(v) : strtoll(v, NULL, 10);
}

/* A float8 column. */
static inline double col_f64(const ctx *c, const PGresult *r, int row, int col)
{
    const char *v = PQgetvalue(r, row, col);
    if (!c->fmt)
        return strtod(v, NULL);
    uint64_t bits = get_be64(v);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* A text column, copied into the arena; NULL on out of memory. */
static inline const char *col_text(ctx *c, const PGresult *r, int row, int col)
{
    return arena_text(&c->text, PQgetvalue(r, row, col),
                      (size_t)PQgetlength(r, row, col));
}

/* The int8[] array v[0..n) in binary form into c->array (ndim 1, no
 * NULLs, element type int8, lower bound 1, then length + value each). */
static int int8_array(ctx *c, const int64_t *v, size_t n)
{
    size_t len = 20 + n * 12;
    char *p = realloc(c->array, len);
    if (!p)
        return nomem(c);
    c->array = p;
    c->array_len = len;
    static const char head[12] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, INT8OID};
    memcpy(p, head, sizeof head);
    put_be64(p + 12, (uint64_t)n << 32 | 1u); /* dim, lower bound 1 */
    p += 20;
    for (size_t i = 0; i < n; i++, p += 12) {
        memcpy(p, "\0\0\0\x08", 4);
        put_be64(p + 4, (uint64_t)v[i]);
    }
    return 0;
}

static int c_open(const char *conninfo, void **out)
{
    ctx *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return -1;
    const char *f = getenv("HAND_PG_FORMAT");
    c->fmt = f && strcmp(f, "text") == 0 ? 0 : 1;
    c->pg = PQconnectdb(conninfo);
    if (PQstatus(c->pg) != CONNECTION_OK)
        return fail(c, "connect", NULL);
    return 0;
}

static void release(void *p);

static void c_close(void *p)
{
    ctx *c = p;
    if (!c)
        return;
    release(c);
    free(c->array);
    PQfinish(c->pg);
    free(c);
}

static uint64_t c_statements(void *p) { return ((ctx *)p)->executed; }

static const char *c_errmsg(void *p) { return p ? ((ctx *)p)->err : "out of memory"; }

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

/* ---- the statements (ormc's text for the same shape) ---- */

#define BLOG_COLS                                                         \
    "t0.id, t0.title, t0.author_id, t0.editor_id, t0.created, t0.rating"
#define AUTHOR_T1 "t1.id, t1.name, t1.email"
#define COMMENT_COLS "t0.id, t0.blog_id, t0.content, t0.score"

#define SQL_W0_BOOKS                                                      \
    "SELECT t0.id, t0.title, t0.author_id, t0.price, t0.pages FROM book " \
    "AS t0 ORDER BY t0.id LIMIT $1"
#define SQL_W0_AUTHOR                                                     \
    "SELECT t0.id, t0.name, t0.email FROM author AS t0 WHERE t0.id = $1"
#define SQL_W0SR                                                          \
    "SELECT t0.id, t0.title, t0.author_id, t0.price, t0.pages, " AUTHOR_T1 \
    " FROM book AS t0 JOIN author AS t1 ON t1.id = t0.author_id ORDER BY " \
    "t0.id LIMIT $1"
#define SQL_W1                                                            \
    "SELECT " BLOG_COLS ", " AUTHOR_T1 " FROM blog AS t0 JOIN author AS " \
    "t1 ON t1.id = t0.author_id ORDER BY t0.id"
#define SQL_BLOGS "SELECT " BLOG_COLS " FROM blog AS t0 ORDER BY t0.id"
#define SQL_COMMENTS "SELECT " COMMENT_COLS " FROM comment AS t0 ORDER BY t0.id"
#define SQL_W3                                                            \
    "SELECT " BLOG_COLS ", (SELECT COUNT(*) FROM comment AS t1 WHERE "    \
    "t1.blog_id = t0.id) FROM blog AS t0 ORDER BY t0.id"
/* AVG of a bigint is a numeric: cast to the double the client wants
 * (numeric -> float8 rounds as the text form read by strtod does). */
#define SQL_W4                                                            \
    "SELECT COUNT(*), CAST(SUM(score) AS BIGINT), CAST(AVG(score) AS "    \
    "DOUBLE PRECISION), MIN(score), MAX(score) FROM comment"
#define SQL_W5                                                            \
    "SELECT " BLOG_COLS ", " AUTHOR_T1 " FROM blog AS t0 JOIN author AS " \
    "t1 ON t1.id = t0.author_id WHERE t0.author_id = ANY($1) ORDER BY "   \
    "t0.created DESC, t0.id LIMIT $2"
/* W7: with statistics (the bench's VACUUM ANALYZE) the planner orders
 * the join itself; LIKE 'm%' on COLLATE "C" text is byte-wise, as
 * ormc's STARTSWITH. */
#define SQL_W7                                                            \
    "SELECT " BLOG_COLS ", " AUTHOR_T1 " FROM blog AS t0 JOIN author AS " \
    "t1 ON t1.id = t0.author_id WHERE t1.name LIKE $1 ORDER BY t0.id"
#define SQL_W8                                                            \
    "SELECT " BLOG_COLS " FROM blog AS t0 WHERE t0.editor_id IS NOT NULL " \
    "AND (t0.rating >= $1 OR t0.title LIKE $2) ORDER BY t0.id"
#define SQL_W10                                                           \
    "SELECT " COMMENT_COLS " FROM comment AS t0 WHERE t0.id = ANY($1) "   \
    "ORDER BY t0.id"
#define SQL_W11_BLOGS                                                     \
    "SELECT " BLOG_COLS " FROM blog AS t0 WHERE t0.created BETWEEN $1 AND " \
    "$2 ORDER BY t0.id"
#define SQL_W11_COMMENTS                                                  \
    "SELECT " COMMENT_COLS " FROM comment AS t0 WHERE t0.blog_id IN "     \
    "(SELECT t1.id FROM blog AS t1 WHERE t1.created BETWEEN $1 AND $2) "  \
    "ORDER BY t0.blog_id, t0.id"
#define SQL_AUTHORS "SELECT t0.id, t0.name, t0.email FROM author AS t0 ORDER BY t0.id"
/* W13: ormc's per-parent statement on PostgreSQL (a LATERAL subquery per
 * blog through comment_blog_id_idx). */
#define SQL_W13_COMMENTS                                                  \
    "SELECT " COMMENT_COLS " FROM blog AS tp CROSS JOIN LATERAL (SELECT " \
    "t1.id FROM comment AS t1 WHERE t1.blog_id = tp.id ORDER BY t1.id "   \
    "DESC LIMIT $1) AS tl JOIN comment AS t0 ON t0.id = tl.id ORDER BY "  \
    "tp.id, t0.id DESC"
#define SQL_W14_TAGS                                                      \
    "SELECT t0.id, t0.name, t1.blog_id FROM tag AS t0 JOIN blog_tags AS " \
    "t1 ON t1.tag_id = t0.id ORDER BY t0.id"

static const Oid T_INT8[2] = {INT8OID, INT8OID};
static const Oid T_W5[2] = {INT8ARRAYOID, INT8OID};
static const Oid T_W8[2] = {FLOAT8OID, TEXTOID};
static const Oid T_ARRAY[1] = {INT8ARRAYOID};
static const Oid T_TEXT[1] = {TEXTOID};

/* ---- readers ---- */

static int read_author(ctx *c, const PGresult *r, int row, int i, HAuthor *a)
{
    a->id = col_i64(c, r, row, i);
    a->name = col_text(c, r, row, i + 1);
    a->email = col_text(c, r, row, i + 2);
    return a->name && a->email ? 0 : -1;
}

static int read_blog(ctx *c, const PGresult *r, int row, HBlog *b)
{
    b->id = col_i64(c, r, row, 0);
    b->title = col_text(c, r, row, 1);
    b->author_id = col_i64(c, r, row, 2);
    b->editor_null = PQgetisnull(r, row, 3);
    b->editor_id = b->editor_null ? 0 : col_i64(c, r, row, 3);
    b->created = col_i64(c, r, row, 4);
    b->rating_null = PQgetisnull(r, row, 5);
    b->rating = b->rating_null ? 0 : col_f64(c, r, row, 5);
    b->comments = NULL;
    b->ncomments = 0;
    b->comments_count = 0;
    return b->title ? 0 : -1;
}

static int read_book(ctx *c, const PGresult *r, int row, HBook *b)
{
    b->id = col_i64(c, r, row, 0);
    b->title = col_text(c, r, row, 1);
    b->author_id = col_i64(c, r, row, 2);
    b->price = col_f64(c, r, row, 3);
    b->pages = col_i64(c, r, row, 4);
    return b->title ? 0 : -1;
}

static int read_comment(ctx *c, const PGresult *r, int row, HComment *m)
{
    m->id = col_i64(c, r, row, 0);
    m->blog_id = col_i64(c, r, row, 1);
    m->content = col_text(c, r, row, 2);
    m->score = col_i64(c, r, row, 3);
    return m->content ? 0 : -1;
}

/* ---- checksums (as hand_bench.c) ---- */

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

static uint64_t ck_comment(const HComment *m)
{
    uint64_t h = ck(CK_SEED, (uint64_t)m->id);
    h = ck(h, (uint64_t)m->blog_id);
    h = ck_text(h, m->content, strlen(m->content));
    return ck(h, (uint64_t)m->score);
}

/* ---- W0: the naive loop, W0sr: the join ---- */

static int w0_prepare(void *p)
{
    ctx *c = p;
    return prepare(c, "w0b", SQL_W0_BOOKS, 1, T_INT8) ||
           prepare(c, "w0a", SQL_W0_AUTHOR, 1, T_INT8);
}

static int read_books(ctx *c, const PGresult *r, bool with_author)
{
    int n = PQntuples(r);
    c->books = malloc((size_t)(n ? n : 1) * sizeof *c->books);
    if (!c->books)
        return nomem(c);
    for (int i = 0; i < n; i++)
        if (read_book(c, r, i, &c->books[i]) ||
            (with_author && read_author(c, r, i, 5, &c->books[i].author)))
            return nomem(c);
    c->nbooks = (size_t)n;
    return 0;
}

static int w0_run(void *p)
{
    ctx *c = p;
    char limit[8], id[8];
    const char *v1[1] = {limit}, *v2[1] = {id};
    const int len[1] = {8};
    put_be64(limit, BENCH_W0_BOOKS);
    PGresult *r = run(c, "w0b", 1, v1, len);
    if (!r)
        return -1;
    int bad = read_books(c, r, false);
    PQclear(r);
    if (bad)
        return -1;
    for (size_t i = 0; i < c->nbooks; i++) {
        put_be64(id, (uint64_t)c->books[i].author_id);
        if (!(r = run(c, "w0a", 1, v2, len)))
            return -1;
        bad = PQntuples(r) != 1 ||
              read_author(c, r, 0, 0, &c->books[i].author);
        PQclear(r);
        if (bad)
            return nomem(c);
    }
    return 0;
}

static int w0sr_prepare(void *p)
{
    return prepare(p, "w0sr", SQL_W0SR, 1, T_INT8);
}

static int w0sr_run(void *p)
{
    ctx *c = p;
    char limit[8];
    const char *v[1] = {limit};
    const int len[1] = {8};
    put_be64(limit, BENCH_W0_BOOKS);
    PGresult *r = run(c, "w0sr", 1, v, len);
    if (!r)
        return -1;
    int bad = read_books(c, r, true);
    PQclear(r);
    return bad;
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

/* ---- blogs: with their author (W1, W5, W7), alone (W8, W11...) ---- */

/* Reads r's blog rows (and their author at column 6) into c->blogs. */
static int read_blogs(ctx *c, PGresult *r, bool with_author)
{
    if (!r)
        return -1;
    int n = PQntuples(r);
    c->blogs = malloc((size_t)(n ? n : 1) * sizeof *c->blogs);
    if (!c->blogs) {
        PQclear(r);
        return nomem(c);
    }
    for (int i = 0; i < n; i++)
        if (read_blog(c, r, i, &c->blogs[i]) ||
            (with_author && read_author(c, r, i, 6, &c->blogs[i].author))) {
            PQclear(r);
            return nomem(c);
        }
    c->nblogs = (size_t)n;
    PQclear(r);
    return 0;
}

static int w1_prepare(void *p) { return prepare(p, "w1", SQL_W1, 0, NULL); }

static int w1_run(void *p)
{
    ctx *c = p;
    return read_blogs(c, run(c, "w1", 0, NULL, NULL), true);
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

static int blogs_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->nblogs; i++)
        h = ck_blog(h, &c->blogs[i]);
    *sum = h;
    return 0;
}

/* The number of authors (untimed, for W5's input). */
static int count_authors(ctx *c)
{
    c->executed--; /* not a workload statement */
    PGresult *r = run(c, "nauthors", 0, NULL, NULL);
    if (!r)
        return -1;
    c->nauthors_db = col_i64(c, r, 0, 0);
    PQclear(r);
    return 0;
}

static int w5_prepare(void *p)
{
    ctx *c = p;
    if (prepare(c, "nauthors", "SELECT COUNT(*) FROM author", 0, NULL) ||
        count_authors(c))
        return -1;
    for (int64_t k = 0; k < BENCH_W5_AUTHORS; k++)
        c->w5_ids[k] = bench_w5_author_id(k, c->nauthors_db);
    return prepare(c, "w5", SQL_W5, 2, T_W5);
}

static int w5_run(void *p)
{
    ctx *c = p;
    char limit[8];
    put_be64(limit, BENCH_W5_LIMIT);
    if (int8_array(c, c->w5_ids, BENCH_W5_AUTHORS))
        return -1;
    const char *v[2] = {c->array, limit};
    const int len[2] = {(int)c->array_len, 8};
    return read_blogs(c, run(c, "w5", 2, v, len), true);
}

static int w7_prepare(void *p) { return prepare(p, "w7", SQL_W7, 1, T_TEXT); }

static int w7_run(void *p)
{
    ctx *c = p;
    const char *v[1] = {BENCH_W7_LETTER "%"};
    const int len[1] = {(int)strlen(BENCH_W7_LETTER "%")};
    return read_blogs(c, run(c, "w7", 1, v, len), true);
}

static int w8_prepare(void *p) { return prepare(p, "w8", SQL_W8, 2, T_W8); }

static int w8_run(void *p)
{
    ctx *c = p;
    char rating[8];
    double d = BENCH_W8_RATING;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    put_be64(rating, bits);
    const char *v[2] = {rating, "%" BENCH_W8_TITLE "%"};
    const int len[2] = {8, (int)strlen("%" BENCH_W8_TITLE "%")};
    return read_blogs(c, run(c, "w8", 2, v, len), false);
}

/* ---- W2: blogs, then every comment in id order, grouped by blog ---- */

static int w2_prepare(void *p)
{
    ctx *c = p;
    return prepare(c, "blogs", SQL_BLOGS, 0, NULL) ||
           prepare(c, "comments", SQL_COMMENTS, 0, NULL);
}

/* Whether rows[0..n) (each starting with its id, ordered by it) hold
 * exactly the ids 1..n. */
static bool dense_ids(const void *rows, size_t size, size_t n)
{
    int64_t first, last;
    if (!n)
        return false;
    memcpy(&first, rows, sizeof first);
    memcpy(&last, (const char *)rows + (n - 1) * size, sizeof last);
    return first == 1 && last == (int64_t)n;
}

static size_t blog_index(const ctx *c, int64_t id)
{
    if (c->blogs_dense)
        return id >= 1 && (uint64_t)id <= c->nblogs ? (size_t)(id - 1)
                                                    : c->nblogs;
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

static size_t author_index(const ctx *c, int64_t id)
{
    if (c->authors_dense)
        return id >= 1 && (uint64_t)id <= c->nauthors ? (size_t)(id - 1)
                                                      : c->nauthors;
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

/* Runs the all-comments statement: c->comments in id order, par[i] the
 * index of comment i's blog (*par malloc'ed).  0 or -1. */
static int read_comments_par(ctx *c, const char *name, uint32_t **par)
{
    PGresult *r = run(c, name, 0, NULL, NULL);
    if (!r)
        return -1;
    size_t n = (size_t)PQntuples(r);
    c->comments = malloc((n ? n : 1) * sizeof *c->comments);
    *par = malloc((n ? n : 1) * sizeof **par);
    if (!c->comments || !*par) {
        PQclear(r);
        return nomem(c);
    }
    for (size_t i = 0; i < n; i++) {
        HComment *m = &c->comments[i];
        if (read_comment(c, r, (int)i, m)) {
            PQclear(r);
            return nomem(c);
        }
        (*par)[i] = (uint32_t)blog_index(c, m->blog_id);
    }
    c->ncomments = n;
    PQclear(r);
    return 0;
}

static int w2_run(void *p)
{
    ctx *c = p;
    if (read_blogs(c, run(c, "blogs", 0, NULL, NULL), false))
        return -1;
    if (c->nblogs > UINT32_MAX - 1)
        return nomem(c);
    c->blogs_dense = dense_ids(c->blogs, sizeof *c->blogs, c->nblogs);
    HComment *all;
    uint32_t *parent = NULL;
    if (read_comments_par(c, "comments", &parent)) {
        free(parent);
        return -1;
    }
    all = c->comments;
    size_t n = c->ncomments;
    /* counting sort by parent into per-blog slices, in id order */
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
                snprintf(c->err, sizeof c->err,
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

static int w3_prepare(void *p) { return prepare(p, "w3", SQL_W3, 0, NULL); }

static int w3_run(void *p)
{
    ctx *c = p;
    PGresult *r = run(c, "w3", 0, NULL, NULL);
    if (!r)
        return -1;
    int n = PQntuples(r);
    c->blogs = malloc((size_t)(n ? n : 1) * sizeof *c->blogs);
    if (!c->blogs) {
        PQclear(r);
        return nomem(c);
    }
    for (int i = 0; i < n; i++) {
        if (read_blog(c, r, i, &c->blogs[i])) {
            PQclear(r);
            return nomem(c);
        }
        c->blogs[i].comments_count = col_i64(c, r, i, 6);
    }
    c->nblogs = (size_t)n;
    PQclear(r);
    return 0;
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

static int w4_prepare(void *p) { return prepare(p, "w4", SQL_W4, 0, NULL); }

static int w4_run(void *p)
{
    ctx *c = p;
    PGresult *r = run(c, "w4", 0, NULL, NULL);
    if (!r)
        return -1;
    c->stats_count = col_i64(c, r, 0, 0);
    c->stats_sum = col_i64(c, r, 0, 1);
    c->stats_avg = col_f64(c, r, 0, 2);
    c->stats_min = col_i64(c, r, 0, 3);
    c->stats_max = col_i64(c, r, 0, 4);
    PQclear(r);
    return 0;
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

/* ---- W9 / W9n: rating + 0.5 on the blogs of the first tenth of the
 * authors, in a transaction rolled back by release; W9 one UPDATE (ormc's
 * text: the same rows updated in the same order, so the same new row
 * versions and the same float sums), W9n the naive loop (fetch, then one
 * full-row UPDATE by id per blog). ---- */

#define SQL_W9                                                            \
    "UPDATE blog SET rating = rating + $2 WHERE id IN (SELECT t0.id FROM " \
    "blog AS t0 WHERE t0.author_id <= $1)"
#define SQL_W9N_FETCH                                                     \
    "SELECT " BLOG_COLS " FROM blog AS t0 WHERE t0.author_id <= $1 ORDER " \
    "BY t0.id"
#define SQL_W9N_UPDATE                                                    \
    "UPDATE blog SET title = $1, author_id = $2, editor_id = $3, created " \
    "= $4, rating = $5 WHERE id = $6"
#define SQL_W9_SOME                                                       \
    "SELECT COUNT(rating), SUM(rating) FROM blog WHERE author_id <= $1"
#define SQL_W9_ALL "SELECT COUNT(rating), SUM(rating) FROM blog"

static const Oid T_W9[2] = {INT8OID, FLOAT8OID};
static const Oid T_W9N[6] = {TEXTOID, INT8OID, INT8OID, INT8OID, FLOAT8OID,
                             INT8OID};
static int64_t w9_max, w9_changed;

static void put_f64(char *p, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    put_be64(p, bits);
}

/* A statement outside the workload's count (BEGIN, ROLLBACK). */
static int plain(ctx *c, const char *sql)
{
    PGresult *r = PQexec(c->pg, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : fail(c, sql, r);
    PQclear(r);
    return rc;
}

static int w9_prepare(void *p)
{
    ctx *c = p;
    if (prepare(c, "nauthors", "SELECT COUNT(*) FROM author", 0, NULL) ||
        count_authors(c))
        return -1;
    w9_max = bench_w9_max_author(c->nauthors_db);
    return prepare(c, "w9", SQL_W9, 2, T_W9) ||
           prepare(c, "w9nf", SQL_W9N_FETCH, 1, T_INT8) ||
           prepare(c, "w9nu", SQL_W9N_UPDATE, 6, T_W9N) ||
           prepare(c, "w9s", SQL_W9_SOME, 1, T_INT8) ||
           prepare(c, "w9a", SQL_W9_ALL, 0, NULL);
}

static int w9_run(void *p)
{
    ctx *c = p;
    if (plain(c, "BEGIN"))
        return -1;
    char max[8], delta[8];
    put_be64(max, (uint64_t)w9_max);
    put_f64(delta, BENCH_W9_DELTA);
    const char *v[2] = {max, delta};
    const int len[2] = {8, 8};
    PGresult *r = run(c, "w9", 2, v, len);
    if (!r)
        return -1;
    w9_changed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return 0;
}

static int w9n_run(void *p)
{
    ctx *c = p;
    if (plain(c, "BEGIN"))
        return -1;
    char max[8];
    put_be64(max, (uint64_t)w9_max);
    const char *v1[1] = {max};
    const int len1[1] = {8};
    if (read_blogs(c, run(c, "w9nf", 1, v1, len1), false))
        return -1;
    for (size_t i = 0; i < c->nblogs; i++) {
        HBlog *b = &c->blogs[i];
        if (!b->rating_null)
            b->rating += BENCH_W9_DELTA;
        char author[8], editor[8], created[8], rating[8], id[8];
        put_be64(author, (uint64_t)b->author_id);
        put_be64(editor, (uint64_t)b->editor_id);
        put_be64(created, (uint64_t)b->created);
        put_f64(rating, b->rating);
        put_be64(id, (uint64_t)b->id);
        const char *v[6] = {b->title, author, b->editor_null ? NULL : editor,
                            created, b->rating_null ? NULL : rating, id};
        const int len[6] = {(int)strlen(b->title), 8, 8, 8, 8, 8};
        static const int binary[6] = {1, 1, 1, 1, 1, 1};
        c->executed++;
        PGresult *r = PQexecPrepared(c->pg, "w9nu", 6, v, len, binary, 1);
        int bad = PQresultStatus(r) != PGRES_COMMAND_OK;
        if (bad)
            fail(c, "w9nu", r);
        PQclear(r);
        if (bad)
            return -1;
    }
    w9_changed = (int64_t)c->nblogs;
    return 0;
}

/* COUNT and SUM of rating (a NULL sum is 0), as ormc's aggregate reads
 * them. */
static int w9_stats(ctx *c, PGresult *r, int64_t *n, double *sum)
{
    if (!r)
        return -1;
    *n = col_i64(c, r, 0, 0);
    *sum = PQgetisnull(r, 0, 1) ? 0.0 : col_f64(c, r, 0, 1);
    PQclear(r);
    return 0;
}

static int w9_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    char max[8];
    put_be64(max, (uint64_t)w9_max);
    const char *v[1] = {max};
    const int len[1] = {8};
    int64_t n1, n2;
    double s1, s2;
    c->executed -= 2; /* the check's statements are not the workload's */
    if (w9_stats(c, run(c, "w9s", 1, v, len), &n1, &s1) ||
        w9_stats(c, run(c, "w9a", 0, NULL, NULL), &n2, &s2))
        return -1;
    uint64_t h = ck(CK_SEED, (uint64_t)w9_changed);
    h = ck(h, (uint64_t)n1);
    h = ck_real(h, s1);
    h = ck(h, (uint64_t)n2);
    *sum = ck_real(h, s2);
    return 0;
}

static void w9_release(void *p)
{
    ctx *c = p;
    release(c);
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        plain(c, "ROLLBACK");
}

/* ---- W10: comments whose id is in a list (one int8[] parameter) ---- */

static int64_t *w10_ids;
static size_t w10_n;

static int w10_prepare_n(ctx *c, size_t n)
{
    if (prepare(c, "ncomments", "SELECT COUNT(*) FROM comment", 0, NULL))
        return -1;
    c->executed--;
    PGresult *r = run(c, "ncomments", 0, NULL, NULL);
    if (!r)
        return -1;
    int64_t ncomments = col_i64(c, r, 0, 0);
    PQclear(r);
    w10_ids = malloc(n * sizeof *w10_ids);
    if (!w10_ids)
        return nomem(c);
    for (size_t k = 0; k < n; k++)
        w10_ids[k] = bench_w10_id((int64_t)k, ncomments);
    w10_n = n;
    return prepare(c, "w10", SQL_W10, 1, T_ARRAY);
}

static int w10_prepare(void *p) { return w10_prepare_n(p, BENCH_W10_IDS); }
static int w10p_prepare(void *p) { return w10_prepare_n(p, BENCH_W10P_IDS); }

static int w10_run(void *p)
{
    ctx *c = p;
    if (int8_array(c, w10_ids, w10_n))
        return -1;
    const char *v[1] = {c->array};
    const int len[1] = {(int)c->array_len};
    PGresult *r = run(c, "w10", 1, v, len);
    if (!r)
        return -1;
    size_t n = (size_t)PQntuples(r);
    c->comments = malloc((n ? n : 1) * sizeof *c->comments);
    if (!c->comments) {
        PQclear(r);
        return nomem(c);
    }
    for (size_t i = 0; i < n; i++)
        if (read_comment(c, r, (int)i, &c->comments[i])) {
            PQclear(r);
            return nomem(c);
        }
    c->ncomments = n;
    PQclear(r);
    return 0;
}

static int w10_check(void *p, uint64_t *sum)
{
    ctx *c = p;
    uint64_t h = CK_SEED;
    for (size_t i = 0; i < c->ncomments; i++) {
        const HComment *m = &c->comments[i];
        h = ck(h, (uint64_t)m->id);
        h = ck(h, (uint64_t)m->blog_id);
        h = ck_text(h, m->content, strlen(m->content));
        h = ck(h, (uint64_t)m->score);
    }
    *sum = h;
    return 0;
}

/* ---- W11 and W13: children grouped by blog, one merge pass ---- */

/* Reads r's comments (grouped by blog, blogs in c->blogs' order) into
 * c->comments, each blog's a slice.  Clears r.  0 or -1. */
static int merge_comments(ctx *c, PGresult *r)
{
    if (!r)
        return -1;
    size_t n = (size_t)PQntuples(r), b = 0;
    c->comments = malloc((n ? n : 1) * sizeof *c->comments);
    if (!c->comments) {
        PQclear(r);
        return nomem(c);
    }
    for (size_t i = 0; i < n; i++) {
        HComment *m = &c->comments[i];
        if (read_comment(c, r, (int)i, m)) {
            PQclear(r);
            return nomem(c);
        }
        while (b < c->nblogs && c->blogs[b].id < m->blog_id)
            b++;
        if (b == c->nblogs || c->blogs[b].id != m->blog_id) {
            snprintf(c->err, sizeof c->err,
                     "comment %lld: blog %lld not fetched or out of order",
                     (long long)m->id, (long long)m->blog_id);
            PQclear(r);
            return -1;
        }
        if (!c->blogs[b].ncomments)
            c->blogs[b].comments = m;
        c->blogs[b].ncomments++;
    }
    c->ncomments = n;
    PQclear(r);
    return 0;
}

static int w11_prepare(void *p)
{
    ctx *c = p;
    return prepare(c, "w11b", SQL_W11_BLOGS, 2, T_INT8) ||
           prepare(c, "w11c", SQL_W11_COMMENTS, 2, T_INT8);
}

static int w11_run(void *p)
{
    ctx *c = p;
    char lo[8], hi[8];
    put_be64(lo, BENCH_W11_LO);
    put_be64(hi, BENCH_W11_HI);
    const char *v[2] = {lo, hi};
    const int len[2] = {8, 8};
    if (read_blogs(c, run(c, "w11b", 2, v, len), false))
        return -1;
    return merge_comments(c, run(c, "w11c", 2, v, len));
}

static int w13_prepare(void *p)
{
    ctx *c = p;
    return prepare(c, "blogs", SQL_BLOGS, 0, NULL) ||
           prepare(c, "w13", SQL_W13_COMMENTS, 1, T_INT8);
}

static int w13_run(void *p)
{
    ctx *c = p;
    if (read_blogs(c, run(c, "blogs", 0, NULL, NULL), false))
        return -1;
    char limit[8];
    put_be64(limit, BENCH_W13_PER_BLOG);
    const char *v[1] = {limit};
    const int len[1] = {8};
    return merge_comments(c, run(c, "w13", 1, v, len));
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

/* ---- W12: authors -> blogs -> comments, 3 statements ---- */

static int w12_prepare(void *p)
{
    ctx *c = p;
    return prepare(c, "authors", SQL_AUTHORS, 0, NULL) || w2_prepare(c);
}

/* Counting sort by parent (hand_bench.c's group). */
static void **group(char *kids, size_t size, size_t n, const uint32_t *par,
                    size_t np, size_t *start)
{
    memset(start, 0, (np + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[par[i] + 1]++;
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
    uint32_t *bpar = NULL, *cpar = NULL;
    size_t *start = NULL;
    PGresult *r = run(c, "authors", 0, NULL, NULL);
    if (!r)
        return -1;
    size_t na = (size_t)PQntuples(r);
    c->authors = malloc((na ? na : 1) * sizeof *c->authors);
    if (!c->authors) {
        PQclear(r);
        return nomem(c);
    }
    for (size_t i = 0; i < na; i++)
        if (read_author(c, r, (int)i, 0, &c->authors[i].a)) {
            PQclear(r);
            return nomem(c);
        }
    c->nauthors = na;
    PQclear(r);
    c->authors_dense = dense_ids(c->authors, sizeof *c->authors, c->nauthors);
    if (!(r = run(c, "blogs", 0, NULL, NULL)))
        return -1;
    size_t nb = (size_t)PQntuples(r);
    c->blogs = malloc((nb ? nb : 1) * sizeof *c->blogs);
    bpar = malloc((nb ? nb : 1) * sizeof *bpar);
    if (!c->blogs || !bpar) {
        PQclear(r);
        goto oom;
    }
    for (size_t i = 0; i < nb; i++) {
        if (read_blog(c, r, (int)i, &c->blogs[i])) {
            PQclear(r);
            goto oom;
        }
        bpar[i] = (uint32_t)author_index(c, c->blogs[i].author_id);
    }
    c->nblogs = nb;
    PQclear(r);
    c->blogs_dense = dense_ids(c->blogs, sizeof *c->blogs, c->nblogs);
    if (read_comments_par(c, "comments", &cpar))
        goto fail;
    if (c->nauthors > UINT32_MAX - 1 || c->nblogs > UINT32_MAX - 1)
        goto oom;
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

/* ---- W14: every blog with its tags (many-to-many), 2 statements ---- */

static int w14_prepare(void *p)
{
    ctx *c = p;
    return prepare(c, "blogs", SQL_BLOGS, 0, NULL) ||
           prepare(c, "w14", SQL_W14_TAGS, 0, NULL);
}

typedef struct hlink {
    uint32_t blog, tag;
} hlink;

static int w14_run(void *p)
{
    ctx *c = p;
    hlink *links = NULL;
    size_t *start = NULL;
    if (read_blogs(c, run(c, "blogs", 0, NULL, NULL), false))
        return -1;
    if (c->nblogs > UINT32_MAX - 1)
        return nomem(c);
    c->blogs_dense = dense_ids(c->blogs, sizeof *c->blogs, c->nblogs);
    PGresult *r = run(c, "w14", 0, NULL, NULL);
    if (!r)
        return -1;
    size_t nl = (size_t)PQntuples(r);
    links = malloc((nl ? nl : 1) * sizeof *links);
    if (!links)
        goto oom;
    /* the links grouped by tag: a tag's columns read on its first row */
    for (size_t i = 0; i < nl; i++) {
        int64_t tid = col_i64(c, r, (int)i, 0);
        if (!c->ntags || c->tags[c->ntags - 1].id != tid) {
            HTag *t = grow(c->tags, c->ntags, &c->tags_cap, sizeof *t);
            if (!t)
                goto oom;
            c->tags = t;
            t[c->ntags].id = tid;
            if (!(t[c->ntags++].name = col_text(c, r, (int)i, 1)))
                goto oom;
        }
        links[i].blog = (uint32_t)blog_index(c, col_i64(c, r, (int)i, 2));
        links[i].tag = (uint32_t)(c->ntags - 1);
    }
    PQclear(r);
    r = NULL;
    start = calloc(c->nblogs + 1, sizeof *start);
    c->tag_refs = malloc((nl ? nl : 1) * sizeof *c->tag_refs);
    if (!start || !c->tag_refs)
        goto oom;
    for (size_t i = 0; i < nl; i++)
        if (links[i].blog < c->nblogs)
            start[links[i].blog + 1]++;
    for (size_t b = 0; b < c->nblogs; b++) {
        start[b + 1] += start[b];
        c->blogs[b].tag_refs = (HTag **)c->tag_refs + start[b];
        c->blogs[b].ncomments = start[b + 1] - start[b];
    }
    for (size_t i = 0; i < nl; i++)
        if (links[i].blog < c->nblogs)
            c->tag_refs[start[links[i].blog]++] = &c->tags[links[i].tag];
    free(links);
    free(start);
    return 0;
oom:
    PQclear(r);
    free(links);
    free(start);
    return nomem(c);
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

static const bench_workload workloads[] = {
    {"W0", w0_prepare, w0_run, books_check, release},
    {"W0sr", w0sr_prepare, w0sr_run, books_check, release},
    {"W1", w1_prepare, w1_run, blogs_author_check, release},
    {"W2", w2_prepare, w2_run, w2_check, release},
    {"W3", w3_prepare, w3_run, w3_check, release},
    {"W4", w4_prepare, w4_run, w4_check, release},
    {"W5", w5_prepare, w5_run, blogs_author_check, release},
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
        "hand_pg", workloads, sizeof workloads / sizeof *workloads,
        c_open, c_close, c_statements, c_errmsg};
    int rc = bench_main(argc, argv, &c);
    free(w10_ids);
    return rc;
}
