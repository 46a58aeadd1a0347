/*
 * fuzz_query.c — differential libFuzzer harness over the query language.
 *
 * Bytes decode into a query on examples/blog.orm (a BlogQuery mostly, a
 * CommentQuery or an AuthorQuery sometimes): filters nested in AND / OR /
 * NOT groups (depth <= 4, always balanced), on paths of 0-3 steps along
 * forward relations (blog.editor may be NULL) and reverse ones (Blog ->
 * comments, Author -> blogs / edited_blogs / books), with every lookup,
 * values drawn from the dataset and variants of them (case changes,
 * substrings, pattern characters, neighbours, extremes); 0-2 order terms
 * on forward paths; limit and offset; select_related, prefetch and count
 * loads; now and then one misuse the builder must refuse.
 *
 * The query runs against a fixed dataset built once, through the
 * generated API, in an in-memory SQLite database (fetch, count, exists,
 * first), and the same query is evaluated by an independent evaluator over
 * plain C arrays holding the same data (the mirror), implementing the
 * documented semantics (include/ormc.h, ormc_op and the groups; sql.c's
 * header for the shared EXISTS):
 *   - a comparison with a NULL value (a NULL field, or a forward path
 *     through a NULL relation) is false for every lookup, NE and NOT_IN
 *     included; IS NULL is true there;
 *   - NOT holds when the AND of its terms does not; an empty AND is true,
 *     an empty OR false;
 *   - a reverse step means "some child matches" (but the child's id IS
 *     NULL alone means "no child at all"); the leaves of one AND
 *     group (the query itself included) going the same way to the same
 *     reverse step share one child, recursively; other leaves do not;
 *   - text order is byte order, CONTAINS & co. are byte exact, the I*
 *     lookups fold A-Z only; year / month / day are UTC calendar spans;
 *   - order terms, then id ascending; NULLs first ascending, last
 *     descending; no order term: the model's default order (id).
 * Checked: the ids in order, every fetched row's fields and related loads
 * against the mirror, count_rows, exists, first, and the statement count
 * of each call (fetch 1 + 1 per prefetch, count 1, exists 1).  Any
 * difference abort()s after printing the query, the SQL and both id lists.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`; tests/fuzz/replay.c
 * runs the same function over tests/fuzz/seeds_query/ and
 * tests/fuzz/regress_query/ in `make test`.  ORMC_FUZZ_DUMP=1 in the
 * environment prints what each input decodes to.
 */
#include "blog.orm.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ======================================================================
 * The schema, as the evaluator sees it (written from examples/blog.orm,
 * not read from the runtime's descriptors)
 * ==================================================================== */

enum { M_AUTHOR, M_BOOK, M_BLOG, M_COMMENT, NMODELS };
enum { TY_INT, TY_REAL, TY_TEXT, TY_TIME };

#define MAXF 6

typedef struct xfield {
    const char *name;
    int type;
    bool nullable;
} xfield;

typedef struct xmodel {
    const char *name;
    const ormc_model *desc;
    xfield f[MAXF];
    int nf;
    const ormc_path *fpath[MAXF]; /* the generated field constants */
} xmodel;

static const xmodel MODELS[NMODELS] = {
    [M_AUTHOR] = {"Author", &author_model,
                  {{"id", TY_INT, false}, {"name", TY_TEXT, false},
                   {"email", TY_TEXT, false}},
                  3,
                  {&AUTHOR_ID.path.p, &AUTHOR_NAME.path.p,
                   &AUTHOR_EMAIL.path.p}},
    [M_BOOK] = {"Book", &book_model,
                {{"id", TY_INT, false}, {"title", TY_TEXT, false},
                 {"author_id", TY_INT, false}, {"price", TY_REAL, false},
                 {"pages", TY_INT, false}},
                5,
                {&BOOK_ID.path.p, &BOOK_TITLE.path.p, &BOOK_AUTHOR_ID.path.p,
                 &BOOK_PRICE.path.p, &BOOK_PAGES.path.p}},
    [M_BLOG] = {"Blog", &blog_model,
                {{"id", TY_INT, false}, {"title", TY_TEXT, false},
                 {"author_id", TY_INT, false}, {"editor_id", TY_INT, true},
                 {"created", TY_TIME, false}, {"rating", TY_REAL, true}},
                6,
                {&BLOG_ID.path.p, &BLOG_TITLE.path.p, &BLOG_AUTHOR_ID.path.p,
                 &BLOG_EDITOR_ID.path.p, &BLOG_CREATED.path.p,
                 &BLOG_RATING.path.p}},
    [M_COMMENT] = {"Comment", &comment_model,
                   {{"id", TY_INT, false}, {"blog_id", TY_INT, false},
                    {"content", TY_TEXT, false}, {"score", TY_INT, false}},
                   4,
                   {&COMMENT_ID.path.p, &COMMENT_BLOG_ID.path.p,
                    &COMMENT_CONTENT.path.p, &COMMENT_SCORE.path.p}},
};

/* A relation step: forward (the row `fk` of `from` names) or reverse
 * (the rows of `to` whose `fk` names the row of `from`). */
typedef struct xstep {
    const char *name; /* relation name in the schema */
    int from, to;
    bool rev;
    int fk_model, fk_field; /* where the foreign key column lives */
} xstep;

enum {
    S_BOOK_AUTHOR, S_BLOG_AUTHOR, S_BLOG_EDITOR, S_COMMENT_BLOG,
    S_AUTHOR_BOOKS, S_AUTHOR_BLOGS, S_AUTHOR_EDITED, S_BLOG_COMMENTS,
    NSTEPS
};

static const xstep STEPS[NSTEPS] = {
    [S_BOOK_AUTHOR] = {"author", M_BOOK, M_AUTHOR, false, M_BOOK, 2},
    [S_BLOG_AUTHOR] = {"author", M_BLOG, M_AUTHOR, false, M_BLOG, 2},
    [S_BLOG_EDITOR] = {"editor", M_BLOG, M_AUTHOR, false, M_BLOG, 3},
    [S_COMMENT_BLOG] = {"blog", M_COMMENT, M_BLOG, false, M_COMMENT, 1},
    [S_AUTHOR_BOOKS] = {"books", M_AUTHOR, M_BOOK, true, M_BOOK, 2},
    [S_AUTHOR_BLOGS] = {"blogs", M_AUTHOR, M_BLOG, true, M_BLOG, 2},
    [S_AUTHOR_EDITED] = {"edited_blogs", M_AUTHOR, M_BLOG, true, M_BLOG, 3},
    [S_BLOG_COMMENTS] = {"comments", M_BLOG, M_COMMENT, true, M_COMMENT, 1},
};

/* The runtime's code of each step (relation index, or ORMC_STEP_REVERSE |
 * reverse index), found by name in the descriptors at setup. */
static unsigned step_code[NSTEPS];

/* ======================================================================
 * The dataset and its mirror
 * ==================================================================== */

typedef struct xval {
    bool null;
    int64_t i;
    double r;
    const char *s;
} xval;

#define MAXROWS 40

typedef struct table {
    int n;
    xval v[MAXROWS][MAXF];
} table;

static table T[NMODELS];

typedef struct author_src {
    const char *name, *email;
} author_src;

static const author_src AUTHORS[] = {
    {"Ada Lovelace", "ada@example.org"},
    {"\xc3\x89mile Zola", "emile@example.fr"}, /* Émile */
    {"bob_100%", "Bob@Example.com"},
    {"Star*?[x]\\y", "star@example.com"},
    {"ADA LOVELACE", "ada2@example.org"},
    {"\xc3\xa9mile", "e\"mile@example.fr"}, /* émile */
    {"Zo\xc3\xab\ttab", "zoe@example.net"}, /* no blog, no book */
};

typedef struct book_src {
    const char *title;
    int author; /* 1-based index into AUTHORS */
    double price;
    int64_t pages;
} book_src;

static const book_src BOOKS[] = {
    {"Dune", 1, 9.99, 412},
    {"dune", 2, 0.0, 0},
    {"\xc3\x9cmlaut%", 4, -1.5, 100}, /* Ümlaut% */
    {"x", 1, 1e10, -5},
};

typedef struct blog_src {
    const char *title;
    int author, editor; /* 1-based; editor 0 = NULL */
    int64_t created;
    bool has_rating;
    double rating;
} blog_src;

static const blog_src BLOGS[] = {
    {"Hello World", 1, 2, 1234567890, true, 4.5},          /* 2009-02-13 */
    {"hello world", 1, 0, 946684800, false, 0},            /* 2000-01-01 */
    {"100% pure", 2, 1, 946684799, true, 3.0},             /* 1999-12-31 */
    {"under_score", 3, 0, -1, true, -1.25},                /* 1969-12-31 */
    {"Star*Power?", 4, 4, 0, false, 0},                    /* 1970-01-01 */
    {"[bracket]", 4, 6, 951825600, true, 0.0},             /* 2000-02-29 */
    {"back\\slash", 5, 0, 1583020799, true, 4.5},          /* 2020-02-29 */
    {"Caf\xc3\xa9 \xc3\x89t\xc3\xa9", 2, 3, 1583020800, true, 2.0},
    {"CAF\xc3\x89 \xc3\xa9t\xc3\xa9", 6, 0, 1704067199, false, 0},
    {"", 6, 5, 1704067200, true, 5.0},                     /* 2024-01-01 */
    {"a\"quote\nline", 3, 2, 2147483648, true, 1e-3},      /* 2038-01-19 */
    {"D\xc3\xa9j\xc3\xa0 vu", 1, 1, -47151000, false, 0},  /* 1968-07-04 */
    {"dune", 5, 0, 1709164800, true, 3.0},                 /* 2024-02-29 */
};

typedef struct comment_src {
    int blog; /* 1-based */
    const char *content;
    int64_t score;
} comment_src;

static const comment_src COMMENTS[] = {
    {1, "great post", 5},   {1, "Great Post", 3},     {1, "meh", -2},
    {1, "100%", 10},        {1, "first!", 0},         {1, "a_b", 1},
    {1, "spam spam", -3},   {2, "nice", 2},           {2, "NICE", 2},
    {3, "\xc3\xa9t\xc3\xa9", 7},                      {3, "\xc3\x89T\xc3\x89", 7},
    {3, "tab\there", 4},    {5, "*?[", 1},            {5, "\\", 0},
    {5, "star", 8},         {5, "%_", -1},            {6, "[x]", 6},
    {8, "caf\xc3\xa9", 5},  {8, "CAFE", 5},           {8, "", 0},
    {8, "great post", 9},   {8, "ok", 1},             {8, "ok", 2},
    {8, "quote\"", 3},      {10, "late", 4},          {10, "Late", -4},
    {11, "hello world", 2}, {13, "dune", 9},          {13, "Dune", 9},
    {13, "DUNE!", 0},       {13, "x", 3},
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static ormc_db *DB;

/* Row index of `id` in model m, or -1. */
static int row_of(int m, int64_t id)
{
    for (int r = 0; r < T[m].n; r++)
        if (T[m].v[r][0].i == id)
            return r;
    return -1;
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz_query: setup failed: %s: %s\n", what,
            DB ? ormc_errmsg(DB) : "no connection");
    abort();
}

static xval vi(int64_t i) { return (xval){.i = i}; }
static xval vr(double r) { return (xval){.r = r}; }
static xval vs(const char *s) { return (xval){.s = s}; }
static const xval VNULL = {.null = true};

/* The mirror row of model m gets vals[0..n) (vals[0] the id). */
static void mirror(int m, const xval *vals, int n)
{
    if (T[m].n >= MAXROWS)
        die("mirror full");
    memcpy(T[m].v[T[m].n++], vals, (size_t)n * sizeof *vals);
}

/* Checks that the generated typed steps build the same paths as
 * ormc_path_via with the codes found by name. */
static bool same_path(const ormc_path *a, const ormc_path *b)
{
    if (a->root != b->root || a->field != b->field || a->type != b->type ||
        a->nsteps != b->nsteps)
        return false;
    for (unsigned i = 0; i < a->nsteps; i++)
        if (a->step[i] != b->step[i])
            return false;
    return true;
}

/* Finds each step's runtime code by relation name. */
static void find_steps(void)
{
    for (int s = 0; s < NSTEPS; s++) {
        const ormc_model *m = MODELS[STEPS[s].from].desc;
        bool found = false;
        if (STEPS[s].rev) {
            for (unsigned i = 0; i < m->nreverses && !found; i++)
                if (strcmp(m->reverses[i].name, STEPS[s].name) == 0) {
                    step_code[s] = ORMC_STEP_REVERSE | i;
                    found = true;
                }
        } else {
            for (unsigned i = 0; i < m->nrelations && !found; i++)
                if (strcmp(m->relations[i].name, STEPS[s].name) == 0) {
                    step_code[s] = i;
                    found = true;
                }
        }
        if (!found)
            die(STEPS[s].name);
    }
}

/* Opens the in-memory database and fills it and the mirror, once.
 * Cost: ~60 statements, on the first call only. */
static void setup(void)
{
    if (DB)
        return;
    find_steps();
    if (ormc_open(":memory:", &DB) != ORMC_OK || blog_schema_create(DB))
        die("open");
    int64_t aid[COUNT(AUTHORS)], bid[COUNT(BLOGS)];
    for (size_t i = 0; i < COUNT(AUTHORS); i++) {
        Author a;
        author_init(&a);
        a.name = AUTHORS[i].name;
        a.email = AUTHORS[i].email;
        if (author_insert(DB, &a) != ORMC_OK)
            die("author_insert");
        aid[i] = a.id;
        xval v[] = {vi(a.id), vs(a.name), vs(a.email)};
        mirror(M_AUTHOR, v, 3);
    }
    for (size_t i = 0; i < COUNT(BOOKS); i++) {
        Book b;
        book_init(&b);
        b.title = BOOKS[i].title;
        b.author_id = aid[BOOKS[i].author - 1];
        b.price = BOOKS[i].price;
        b.pages = BOOKS[i].pages;
        if (book_insert(DB, &b) != ORMC_OK)
            die("book_insert");
        xval v[] = {vi(b.id), vs(b.title), vi(b.author_id), vr(b.price),
                    vi(b.pages)};
        mirror(M_BOOK, v, 5);
    }
    for (size_t i = 0; i < COUNT(BLOGS); i++) {
        const blog_src *s = &BLOGS[i];
        Blog b;
        blog_init(&b);
        b.title = s->title;
        b.author_id = aid[s->author - 1];
        if (s->editor) {
            b.editor_id = aid[s->editor - 1];
            b.editor_null = false;
        }
        b.created = s->created;
        if (s->has_rating) {
            b.rating = s->rating;
            b.rating_null = false;
        }
        if (blog_insert(DB, &b) != ORMC_OK)
            die("blog_insert");
        bid[i] = b.id;
        xval v[] = {vi(b.id), vs(s->title), vi(b.author_id),
                    s->editor ? vi(b.editor_id) : VNULL, vi(s->created),
                    s->has_rating ? vr(s->rating) : VNULL};
        mirror(M_BLOG, v, 6);
    }
    for (size_t i = 0; i < COUNT(COMMENTS); i++) {
        Comment c;
        comment_init(&c);
        c.blog_id = bid[COMMENTS[i].blog - 1];
        c.content = COMMENTS[i].content;
        c.score = COMMENTS[i].score;
        if (comment_insert(DB, &c) != ORMC_OK)
            die("comment_insert");
        xval v[] = {vi(c.id), vi(c.blog_id), vs(c.content), vi(c.score)};
        mirror(M_COMMENT, v, 4);
    }
    /* the typed steps and ormc_path_via agree */
    ormc_path a = blog_via_author_text(AUTHOR_NAME).path.p;
    ormc_path b = ormc_path_via(&blog_model, step_code[S_BLOG_AUTHOR],
                                AUTHOR_NAME.path.p);
    ormc_path c = blog_via_comments_int(COMMENT_SCORE).path.p;
    ormc_path d = ormc_path_via(&blog_model, step_code[S_BLOG_COMMENTS],
                                COMMENT_SCORE.path.p);
    ormc_path e = author_via_blogs_int(blog_via_comments_int(COMMENT_SCORE))
                      .path.p;
    ormc_path f = ormc_path_via(&author_model, step_code[S_AUTHOR_BLOGS], d);
    if (!same_path(&a, &b) || !same_path(&c, &d) || !same_path(&e, &f))
        die("typed steps and ormc_path_via disagree");
}

/* ======================================================================
 * The decoded query
 * ==================================================================== */

#define MAXDEPTH 3   /* steps in a path */
#define MAXGROUP 4   /* nesting of groups */
#define MAXLEAVES 32
#define MAXNODES 64
#define MAXEXTRA 8

typedef struct xpath {
    int root, nsteps, step[MAXDEPTH], field;
} xpath;

/* Leaf kinds */
enum { L_CMP, L_IN, L_RANGE, L_SPAN, L_NULL, L_MISUSE };
/* Span kinds */
enum { SP_YEAR, SP_MONTH, SP_DAY };
/* Misuses the builder must refuse */
enum {
    MIS_TEXT_OP_ON_INT, MIS_BAD_MONTH, MIS_BAD_DAY, MIS_NAN, MIS_NULL_TEXT,
    MIS_IN_WITH_EQ, MIS_ORDER_REVERSE, MIS_NEG_LIMIT, MIS_EXTRA_END,
    MIS_WRONG_MODEL, MIS_BAD_UTF8, NMISUSE
};

typedef struct leaf {
    int kind;
    int op;      /* ormc_op (CMP, IN); is_null (NULL); span kind (SPAN);
                    misuse kind (MISUSE) */
    xpath path;
    int64_t i[2];
    double r[2];
    const char *s;
    size_t n;
    const int64_t *iv;
    const double *rv;
    const char *const *sv;
    int ymd[3];
    int64_t lo, hi; /* SPAN: [lo, hi) seconds, computed by the harness */
} leaf;

enum { N_AND, N_OR, N_NOT, N_LEAF };

typedef struct node {
    int kind;
    int leaf;             /* N_LEAF: index into Q.leaves */
    int first, next;      /* children list, -1 terminated */
} node;

/* Order terms and related loads, emitted before the `at`-th filter call
 * (they may land inside a group: a term's place does not matter). */
enum { X_ORDER, X_WITH_AUTHOR, X_WITH_EDITOR, X_PREFETCH, X_COUNT };

typedef struct extra {
    int kind;
    int at;
    xpath path; /* X_ORDER */
    int desc;
} extra;

typedef struct xquery {
    int model;
    node nodes[MAXNODES]; /* nodes[0]: the query's own AND group */
    int nnodes;
    leaf leaves[MAXLEAVES];
    int nleaves;
    extra extras[MAXEXTRA];
    int nextras;
    int64_t limit, offset; /* -1 / 0: none */
    bool misuse;           /* some call must make the run ORMC_INVALID */
    int calls;             /* filter and group calls emitted */
} xquery;

static xquery Q;

/* ---- byte reader: exhausted input reads as zeros, so decoding ends ---- */

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned take(reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

/* ---- per-input pools for borrowed values (reset per input) ---- */

static char tpool[1 << 14];
static size_t tlen;
static const char *svpool[4 * MAXLEAVES];
static int64_t ivpool[4 * MAXLEAVES];
static double rvpool[4 * MAXLEAVES];
static size_t nsv, niv, nrv;

/* A copy of s[0..n) in the text pool ("" when the pool is full). */
static const char *tcopy(const char *s, size_t n)
{
    if (tlen + n + 1 > sizeof tpool)
        return "";
    char *d = tpool + tlen;
    memcpy(d, s, n);
    d[n] = '\0';
    tlen += n + 1;
    return d;
}

/* ---- calendar, written independently of query.c: loops over years ---- */

static bool is_leap(int y) { return (y % 4 == 0 && y % 100) || y % 400 == 0; }

static int mdays(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return d[m - 1] + (m == 2 && is_leap(y));
}

/* Days from 1970-01-01 to y-m-d; years 1800..2200. */
static int64_t days_of(int y, int m, int d)
{
    int64_t days = 0;
    for (int k = 1970; k < y; k++)
        days += is_leap(k) ? 366 : 365;
    for (int k = y; k < 1970; k++)
        days -= is_leap(k) ? 366 : 365;
    for (int k = 1; k < m; k++)
        days += mdays(y, k);
    return days + d - 1;
}

/* The UTC calendar date of t (seconds); t within years 1800..2200. */
static void date_of(int64_t t, int *y, int *m, int *d)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int yy = 1970;
    while (days < 0) {
        yy--;
        days += is_leap(yy) ? 366 : 365;
    }
    while (days >= (is_leap(yy) ? 366 : 365)) {
        days -= is_leap(yy) ? 366 : 365;
        yy++;
    }
    int mm = 1;
    while (days >= mdays(yy, mm))
        days -= mdays(yy, mm++);
    *y = yy;
    *m = mm;
    *d = (int)days + 1;
}

/* ---- decoding values ---- */

/* A dataset value of field f of model m (a random row's), or NULL. */
static const xval *sample(reader *r, int m, int f)
{
    if (!T[m].n)
        return &VNULL;
    return &T[m].v[take(r) % (unsigned)T[m].n][f];
}

static int64_t dec_int(reader *r, int m, int f, bool time)
{
    static const int64_t K[] = {0, 1, -1, 2, 3, 5, 7, 10, 100,
                                INT64_MIN, INT64_MAX, 946684800, 86400};
    static const int64_t DT[] = {0, 1, -1, 86400, -86400, 3600};
    unsigned c = take(r);
    const xval *v;
    switch (c % 4) {
    case 0:
        v = sample(r, m, f);
        return v->null ? 0 : v->i;
    case 1:
        v = sample(r, m, f);
        if (v->null)
            return 0;
        if (time)
            return v->i + DT[take(r) % COUNT(DT)];
        return v->i + (int64_t)(take(r) % 3) - 1;
    case 2:
        return K[take(r) % COUNT(K)];
    default:
        return (int64_t)(take(r) % 16) - 3;
    }
}

static double dec_real(reader *r, int m, int f)
{
    static const double K[] = {0.0, -0.0, 4.5, 3.0, 1e10, -1.5, 1e-3,
                               2.5, 9.99, INFINITY, -INFINITY, 5.0};
    unsigned c = take(r);
    const xval *v;
    switch (c % 3) {
    case 0:
        v = sample(r, m, f);
        return v->null ? 0.0 : v->r;
    case 1:
        v = sample(r, m, f);
        return (v->null ? 0.0 : v->r) + ((double)(take(r) % 5) - 2) * 0.25;
    default:
        return K[take(r) % COUNT(K)];
    }
}

/* Moves byte offset k of s back to a character boundary. */
static size_t boundary(const char *s, size_t k)
{
    while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
        k--;
    return k;
}

static const char *dec_text(reader *r, int m, int f)
{
    static const char *const K[] = {"", "%", "_", "*", "?", "[", "\\",
                                    "\xc3\xa9", "\xc3\x89", "a", "A", "%%",
                                    "[*]", "\\%", "e", "]", "\"", "\t",
                                    "great", "ada", "DUNE", "o"};
    static const char *const ADD[] = {"%", "_", "*", "?", "[", "\\", "x",
                                      "\xc3\xa9", " "};
    const char *base;
    unsigned c = take(r);
    if (c % 4 == 3) {
        base = K[take(r) % COUNT(K)];
    } else if (c % 4 == 2) { /* a text of any model */
        int mm = (int)(take(r) % NMODELS);
        int ff = mm == M_AUTHOR ? 1 + (int)(take(r) % 2)
                 : mm == M_COMMENT ? 2 : 1;
        const xval *v = sample(r, mm, ff);
        base = v->null ? "" : v->s;
    } else {
        const xval *v = sample(r, m, f);
        base = v->null ? "" : v->s;
    }
    size_t n = strlen(base);
    char buf[512];
    if (n > 200)
        n = 200;
    memcpy(buf, base, n);
    size_t a, b;
    unsigned how = take(r) % 9;
    switch (how) {
    case 0:
        break;
    case 1: /* ASCII upper */
    case 2: /* ASCII lower */
        for (size_t i = 0; i < n; i++) {
            char ch = buf[i];
            if (how == 1 && ch >= 'a' && ch <= 'z')
                buf[i] = (char)(ch - 32);
            else if (how == 2 && ch >= 'A' && ch <= 'Z')
                buf[i] = (char)(ch + 32);
        }
        break;
    case 3: /* substring */
        a = n ? boundary(base, take(r) % (n + 1)) : 0;
        b = a + take(r) % (n - a + 1);
        b = b < n ? boundary(base, b) : n;
        if (b < a)
            b = a;
        memmove(buf, buf + a, b - a);
        n = b - a;
        break;
    case 4: /* prefix */
        n = n ? boundary(base, take(r) % (n + 1)) : 0;
        break;
    case 5: /* suffix */
        a = n ? boundary(base, take(r) % (n + 1)) : 0;
        memmove(buf, buf + a, n - a);
        n -= a;
        break;
    case 6: /* append or prepend a pattern character */
    case 7: {
        const char *x = ADD[take(r) % COUNT(ADD)];
        size_t k = strlen(x);
        if (how == 7) {
            memmove(buf + k, buf, n);
            memcpy(buf, x, k);
        } else {
            memcpy(buf + n, x, k);
        }
        n += k;
        break;
    }
    default: /* flip the case of é/É and of every ASCII letter */
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)buf[i];
            if (ch == 0xc3 && i + 1 < n &&
                ((unsigned char)buf[i + 1] == 0xa9 ||
                 (unsigned char)buf[i + 1] == 0x89))
                buf[i + 1] = (char)((unsigned char)buf[i + 1] ^ 0x20), i++;
            else if ((ch | 32) >= 'a' && (ch | 32) <= 'z')
                buf[i] = (char)(ch ^ 32);
        }
        break;
    }
    return tcopy(buf, n);
}

/* ---- decoding paths ---- */

static int end_model(const xpath *p)
{
    int m = p->root;
    for (int i = 0; i < p->nsteps; i++)
        m = STEPS[p->step[i]].to;
    return m;
}

/* A path from model m: 0-3 steps (forward only if fwd_only), a field. */
static xpath dec_path(reader *r, int m, bool fwd_only)
{
    xpath p = {.root = m};
    unsigned c = take(r);
    int depth = c % 8 < 3 ? 0 : c % 8 < 5 ? 1 : c % 8 < 7 ? 2 : 3;
    if (fwd_only && depth > 2)
        depth = 2;
    for (int i = 0; i < depth; i++) {
        int avail[NSTEPS], na = 0;
        for (int s = 0; s < NSTEPS; s++)
            if (STEPS[s].from == m && !(fwd_only && STEPS[s].rev))
                avail[na++] = s;
        if (!na)
            break;
        int s = avail[take(r) % (unsigned)na];
        p.step[p.nsteps++] = s;
        m = STEPS[s].to;
    }
    p.field = (int)(take(r) % (unsigned)MODELS[m].nf);
    return p;
}

/* ---- decoding leaves ---- */

static void dec_span(reader *r, leaf *l, int m, int f)
{
    int y, mo, d;
    const xval *v = sample(r, m, f);
    date_of(v->null ? 0 : v->i, &y, &mo, &d);
    unsigned c = take(r);
    if (c % 4 == 1)
        y += (int)(take(r) % 3) - 1;
    if (c % 4 == 2)
        mo = 1 + (int)(take(r) % 12);
    if (c % 4 == 3) {
        static const int Y[] = {1968, 1969, 1970, 1999, 2000, 2020, 2024, 2038};
        y = Y[take(r) % COUNT(Y)];
    }
    if (mo < 1 || mo > 12)
        mo = 1;
    if (d > mdays(y, mo))
        d = mdays(y, mo);
    if (c & 4)
        d = 1 + (int)(take(r) % (unsigned)mdays(y, mo));
    l->op = (int)(take(r) % 3);
    l->ymd[0] = y;
    l->ymd[1] = mo;
    l->ymd[2] = d;
    switch (l->op) {
    case SP_YEAR:
        l->lo = days_of(y, 1, 1);
        l->hi = days_of(y + 1, 1, 1);
        break;
    case SP_MONTH:
        l->lo = days_of(y, mo, 1);
        l->hi = mo == 12 ? days_of(y + 1, 1, 1) : days_of(y, mo + 1, 1);
        break;
    default:
        l->lo = days_of(y, mo, d);
        l->hi = l->lo + 1;
        break;
    }
    l->lo *= 86400;
    l->hi *= 86400;
}

/* One leaf on a path from model m. */
static void dec_leaf(reader *r, leaf *l, int m)
{
    memset(l, 0, sizeof *l);
    unsigned c = take(r);
    if (c == 0xee) {
        l->kind = L_MISUSE;
        l->op = (int)(take(r) % NMISUSE);
        l->path = dec_path(r, m, false);
        Q.misuse = true;
        return;
    }
    l->path = dec_path(r, m, false);
    int em = end_model(&l->path), f = l->path.field;
    int ty = MODELS[em].f[f].type;
    /* lookups of the type: the comparisons, then IN NOT_IN RANGE ISNULL
     * NOTNULL, then for datetime the calendar spans */
    int ncmp = ty == TY_TEXT ? 13 : 6;
    int nk = ncmp + 5 + (ty == TY_TIME);
    int k = (int)(take(r) % (unsigned)nk);
    if (k < ncmp) {
        l->kind = L_CMP;
        l->op = k;
    } else if (k < ncmp + 2) {
        l->kind = L_IN;
        l->op = k == ncmp ? ORMC_IN : ORMC_NOT_IN;
    } else if (k == ncmp + 2) {
        l->kind = ty == TY_TEXT ? L_NULL : L_RANGE;
        l->op = 1;
    } else if (k < ncmp + 5) {
        l->kind = L_NULL;
        l->op = k == ncmp + 3;
    } else {
        l->kind = L_SPAN;
        dec_span(r, l, em, f);
        return;
    }
    if (l->kind == L_NULL)
        return;
    size_t n = l->kind == L_IN ? take(r) % 5 : l->kind == L_RANGE ? 2 : 1;
    /* IN values go to the end of the pools (sized for every leaf's 4) */
    l->iv = ivpool + niv;
    l->rv = rvpool + nrv;
    l->sv = svpool + nsv;
    for (size_t i = 0; i < n; i++) {
        switch (ty) {
        case TY_INT:
        case TY_TIME: {
            int64_t v = dec_int(r, em, f, ty == TY_TIME);
            if (l->kind == L_IN)
                ivpool[niv++] = v;
            else
                l->i[i] = v;
            break;
        }
        case TY_REAL: {
            double v = dec_real(r, em, f);
            if (l->kind == L_IN)
                rvpool[nrv++] = v;
            else
                l->r[i] = v;
            break;
        }
        default: {
            const char *v = dec_text(r, em, f);
            if (l->kind == L_IN)
                svpool[nsv++] = v;
            else
                l->s = v;
            break;
        }
        }
    }
    if (l->kind == L_IN)
        l->n = n;
}

/* A group's children; depth is the group's nesting. */
static void dec_children(reader *r, int parent, int depth)
{
    int n = (int)(take(r) % (depth == 0 ? 7u : 5u));
    int *link = &Q.nodes[parent].first;
    for (int i = 0; i < n && Q.nnodes < MAXNODES; i++) {
        unsigned c = take(r);
        node *nd = &Q.nodes[Q.nnodes];
        nd->first = nd->next = -1;
        if (c % 4 == 3 && depth < MAXGROUP) {
            nd->kind = (int)(c / 4 % 3); /* N_AND, N_OR, N_NOT */
            int me = Q.nnodes++;
            *link = me;
            link = &Q.nodes[me].next;
            dec_children(r, me, depth + 1);
        } else if (Q.nleaves < MAXLEAVES) {
            nd->kind = N_LEAF;
            nd->leaf = Q.nleaves;
            dec_leaf(r, &Q.leaves[Q.nleaves++], Q.model);
            *link = Q.nnodes++;
            link = &nd->next;
        }
    }
}

static void decode(const uint8_t *data, size_t size)
{
    reader rd = {data, size}, *r = &rd;
    memset(&Q, 0, sizeof Q);
    tlen = nsv = niv = nrv = 0;
    unsigned c = take(r);
    Q.model = c % 8 < 6 ? M_BLOG : c % 8 == 6 ? M_COMMENT : M_AUTHOR;
    Q.limit = -1;
    Q.nodes[0] = (node){N_AND, 0, -1, -1};
    Q.nnodes = 1;
    unsigned flags = take(r);
    dec_children(r, 0, 0);
    /* order terms and loads, each at a place among the filter calls */
    int norder = (int)(flags % 3);
    for (int i = 0; i < norder; i++) {
        extra *x = &Q.extras[Q.nextras++];
        x->kind = X_ORDER;
        x->path = dec_path(r, Q.model, true);
        x->desc = (int)(take(r) % 2);
        x->at = (int)take(r);
    }
    if (Q.model == M_BLOG) {
        for (int k = X_WITH_AUTHOR; k <= X_COUNT; k++)
            if (flags & (8u << (k - X_WITH_AUTHOR))) {
                extra *x = &Q.extras[Q.nextras++];
                x->kind = k;
                x->at = (int)take(r);
            }
    }
    /* emitted in the order of their places: the order terms' order */
    for (int i = 1; i < Q.nextras; i++)
        for (int j = i; j > 0 && Q.extras[j - 1].at % 64 > Q.extras[j].at % 64;
             j--) {
            extra t = Q.extras[j];
            Q.extras[j] = Q.extras[j - 1];
            Q.extras[j - 1] = t;
        }
    if (flags & 128) {
        unsigned w = take(r);
        if (w & 1)
            Q.limit = w & 16 ? (w & 32 ? INT64_MAX : 0) : take(r) % 16;
        if (w & 2)
            Q.offset = w & 64 ? (w & 128 ? INT64_MAX : 1) : take(r) % 16;
    }
}

/* ======================================================================
 * Describing a query (printed on a mismatch)
 * ==================================================================== */

static char dump[1 << 15];
static size_t dlen;

static void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (dlen < sizeof dump) {
        int k = vsnprintf(dump + dlen, sizeof dump - dlen, fmt, ap);
        if (k > 0)
            dlen += (size_t)k;
    }
    va_end(ap);
    if (dlen > sizeof dump)
        dlen = sizeof dump;
}

static void out_str(const char *s)
{
    out("\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            out("\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            out("\\x%02x", ch);
        else
            out("%c", ch);
    }
    out("\"");
}

static void out_path(const xpath *p)
{
    out("%s", MODELS[p->root].name);
    for (int i = 0; i < p->nsteps; i++)
        out(".%s%s", STEPS[p->step[i]].name, STEPS[p->step[i]].rev ? "[*]" : "");
    out(".%s", MODELS[end_model(p)].f[p->field].name);
}

static const char *const OPS[] = {
    "EQ", "NE", "LT", "LE", "GT", "GE", "CONTAINS", "STARTSWITH",
    "ENDSWITH", "IEXACT", "ICONTAINS", "ISTARTSWITH", "IENDSWITH", "IN",
    "NOT_IN", "BETWEEN"};

static void out_value(int ty, const leaf *l, size_t i)
{
    if (ty == TY_TEXT)
        out_str(l->kind == L_IN ? l->sv[i] : l->s);
    else if (ty == TY_REAL)
        out("%.17g", l->kind == L_IN ? l->rv[i] : l->r[i]);
    else
        out("%lld", (long long)(l->kind == L_IN ? l->iv[i] : l->i[i]));
}

static void out_leaf(const leaf *l)
{
    int ty = MODELS[end_model(&l->path)].f[l->path.field].type;
    out_path(&l->path);
    switch (l->kind) {
    case L_CMP:
        out(" %s ", OPS[l->op]);
        out_value(ty, l, 0);
        break;
    case L_IN:
        out(" %s [", OPS[l->op]);
        for (size_t i = 0; i < l->n; i++) {
            if (i)
                out(", ");
            out_value(ty, l, i);
        }
        out("]");
        break;
    case L_RANGE:
        out(" RANGE ");
        out_value(ty, l, 0);
        out(" .. ");
        out_value(ty, l, 1);
        break;
    case L_SPAN:
        out(" %s %04d-%02d-%02d [%lld, %lld)",
            l->op == SP_YEAR ? "YEAR" : l->op == SP_MONTH ? "MONTH" : "DAY",
            l->ymd[0], l->ymd[1], l->ymd[2], (long long)l->lo,
            (long long)l->hi);
        break;
    case L_NULL:
        out(l->op ? " IS NULL" : " IS NOT NULL");
        break;
    default: {
        static const char *const MN[NMISUSE] = {
            "text lookup on an int", "month 13", "2023-02-29", "NaN",
            "NULL text", "_in with EQ", "order_by through a reverse path",
            "negative limit", "ormc_end without a group",
            "path of another model", "invalid UTF-8 text"};
        out(" MISUSE: %s", MN[l->op]);
        break;
    }
    }
}

static void out_node(int k, int indent)
{
    const node *nd = &Q.nodes[k];
    out("%*s", indent, "");
    if (nd->kind == N_LEAF) {
        out_leaf(&Q.leaves[nd->leaf]);
        out("\n");
        return;
    }
    out("%s\n", nd->kind == N_AND ? (k ? "AND" : "WHERE (AND)")
                : nd->kind == N_OR ? "OR" : "NOT");
    for (int c = nd->first; c >= 0; c = Q.nodes[c].next)
        out_node(c, indent + 2);
}

static void describe(void)
{
    dlen = 0;
    out("query on %s:\n", MODELS[Q.model].name);
    out_node(0, 2);
    for (int i = 0; i < Q.nextras; i++) {
        const extra *x = &Q.extras[i];
        static const char *const XN[] = {"ORDER BY", "with_author",
                                         "with_editor", "prefetch_comments",
                                         "count_comments"};
        out("  %s", XN[x->kind]);
        if (x->kind == X_ORDER) {
            out(" ");
            out_path(&x->path);
            out(x->desc ? " DESC" : " ASC");
        }
        out("  (before call %d)\n", x->at);
    }
    out("  limit %lld offset %lld\n", (long long)Q.limit,
        (long long)Q.offset);
}

/* ======================================================================
 * Emitting the query through the builder
 * ==================================================================== */

/* The runtime's path for p: the field constant, then ormc_path_via from
 * the last step back to the first. */
static ormc_path rt_path(const xpath *p)
{
    int models[MAXDEPTH + 1];
    models[0] = p->root;
    for (int i = 0; i < p->nsteps; i++)
        models[i + 1] = STEPS[p->step[i]].to;
    ormc_path out = *MODELS[models[p->nsteps]].fpath[p->field];
    for (int i = p->nsteps - 1; i >= 0; i--)
        out = ormc_path_via(MODELS[models[i]].desc, step_code[p->step[i]],
                            out);
    return out;
}

static void emit_extras(ormc_query *q, bool all)
{
    for (int i = 0; i < Q.nextras; i++) {
        const extra *x = &Q.extras[i];
        if (!all && x->at % 64 != Q.calls)
            continue;
        if (all && x->at % 64 < Q.calls)
            continue;
        if (x->kind == X_ORDER) {
            ormc_path p = rt_path(&x->path);
            ormc_order_by(q, &p, x->desc ? ORMC_DESC : ORMC_ASC);
        } else if (x->kind == X_WITH_AUTHOR) {
            blog_with_author((BlogQuery *)q);
        } else if (x->kind == X_WITH_EDITOR) {
            blog_with_editor((BlogQuery *)q);
        } else if (x->kind == X_PREFETCH) {
            blog_prefetch_comments((BlogQuery *)q);
        } else {
            blog_count_comments((BlogQuery *)q);
        }
    }
}

static void emit_misuse(ormc_query *q, const leaf *l)
{
    ormc_path p = rt_path(&l->path);
    ormc_path time = BLOG_CREATED.path.p;
    double nan = NAN;
    int64_t one = 1;
    switch (l->op) {
    case MIS_TEXT_OP_ON_INT:
        p = *MODELS[Q.model].fpath[0];
        ormc_where_int(q, &p, ORMC_ICONTAINS, 1);
        break;
    case MIS_BAD_MONTH:
        ormc_where_month(q, &time, 2000, 13);
        break;
    case MIS_BAD_DAY:
        ormc_where_day(q, &time, 2023, 2, 29);
        break;
    case MIS_NAN:
        ormc_where_real(q, &p, ORMC_EQ, nan);
        break;
    case MIS_NULL_TEXT:
        ormc_where_text(q, &p, ORMC_EQ, NULL);
        break;
    case MIS_IN_WITH_EQ:
        ormc_where_int_in(q, MODELS[Q.model].fpath[0], ORMC_EQ, &one, 1);
        break;
    case MIS_ORDER_REVERSE:
        p = rt_path(&(xpath){.root = M_AUTHOR, .nsteps = 1,
                              .step = {S_AUTHOR_BLOGS}, .field = 0});
        if (Q.model == M_BLOG)
            p = blog_via_comments_int(COMMENT_SCORE).path.p;
        if (Q.model == M_COMMENT)
            p = ormc_path_via(&comment_model, 0x7fff, COMMENT_ID.path.p);
        ormc_order_by(q, &p, ORMC_ASC);
        break;
    case MIS_NEG_LIMIT:
        ormc_limit(q, -1);
        break;
    case MIS_EXTRA_END:
        ormc_end(q);
        break;
    case MIS_BAD_UTF8: /* refused, says ormc_where_text's contract */
        p = *MODELS[Q.model].fpath[Q.model == M_COMMENT ? 2 : 1];
        ormc_where_text(q, &p, ORMC_EQ, "caf\xc3");
        break;
    default: /* a path of another model */
        p = Q.model == M_AUTHOR ? BLOG_ID.path.p : AUTHOR_ID.path.p;
        ormc_where_int(q, &p, ORMC_EQ, 1);
        break;
    }
}

static void emit_leaf(ormc_query *q, const leaf *l)
{
    ormc_path p = rt_path(&l->path);
    int ty = MODELS[end_model(&l->path)].f[l->path.field].type;
    switch (l->kind) {
    case L_CMP:
        if (ty == TY_TEXT)
            ormc_where_text(q, &p, (ormc_op)l->op, l->s);
        else if (ty == TY_REAL)
            ormc_where_real(q, &p, (ormc_op)l->op, l->r[0]);
        else
            ormc_where_int(q, &p, (ormc_op)l->op, l->i[0]);
        break;
    case L_IN:
        if (ty == TY_TEXT)
            ormc_where_text_in(q, &p, (ormc_op)l->op, l->sv, l->n);
        else if (ty == TY_REAL)
            ormc_where_real_in(q, &p, (ormc_op)l->op, l->rv, l->n);
        else
            ormc_where_int_in(q, &p, (ormc_op)l->op, l->iv, l->n);
        break;
    case L_RANGE:
        if (ty == TY_REAL)
            ormc_where_real_range(q, &p, l->r[0], l->r[1]);
        else
            ormc_where_int_range(q, &p, l->i[0], l->i[1]);
        break;
    case L_SPAN:
        if (l->op == SP_YEAR)
            ormc_where_year(q, &p, l->ymd[0]);
        else if (l->op == SP_MONTH)
            ormc_where_month(q, &p, l->ymd[0], l->ymd[1]);
        else
            ormc_where_day(q, &p, l->ymd[0], l->ymd[1], l->ymd[2]);
        break;
    case L_NULL:
        ormc_where_null(q, &p, l->op != 0);
        break;
    default:
        emit_misuse(q, l);
        break;
    }
}

static void emit_node(ormc_query *q, int k)
{
    const node *nd = &Q.nodes[k];
    emit_extras(q, false);
    Q.calls++;
    if (nd->kind == N_LEAF) {
        emit_leaf(q, &Q.leaves[nd->leaf]);
        return;
    }
    if (nd->kind == N_AND)
        ormc_and(q);
    else if (nd->kind == N_OR)
        ormc_or(q);
    else
        ormc_not(q);
    for (int c = nd->first; c >= 0; c = Q.nodes[c].next)
        emit_node(q, c);
    ormc_end(q);
}

/* Fills q (initialised for Q.model) with Q's terms. */
static void emit(ormc_query *q)
{
    Q.calls = 0;
    for (int c = Q.nodes[0].first; c >= 0; c = Q.nodes[c].next)
        emit_node(q, c);
    emit_extras(q, true);
    if (Q.limit >= 0)
        ormc_limit(q, Q.limit);
    if (Q.offset > 0)
        ormc_offset(q, Q.offset);
}

/* ======================================================================
 * The evaluator (independent of the runtime: plain arrays)
 * ==================================================================== */

/* Follows the forward step s from row r; -1 through a NULL link. */
static int fwd(int s, int r)
{
    const xval *fk = &T[STEPS[s].from].v[r][STEPS[s].fk_field];
    return fk->null ? -1 : row_of(STEPS[s].to, fk->i);
}

/* ASCII-only case folding. */
static int fold(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Whether s[0..n) equals t[0..n), folding A-Z if ci. */
static bool eqn(const char *s, const char *t, size_t n, bool ci)
{
    for (size_t i = 0; i < n; i++)
        if (ci ? fold((unsigned char)s[i]) != fold((unsigned char)t[i])
               : s[i] != t[i])
            return false;
    return true;
}

static bool text_match(int op, const char *s, const char *v)
{
    size_t n = strlen(s), k = strlen(v);
    bool ci = op >= ORMC_IEXACT;
    switch (op) {
    case ORMC_CONTAINS:
    case ORMC_ICONTAINS:
        for (size_t i = 0; i + k <= n; i++)
            if (eqn(s + i, v, k, ci))
                return true;
        return false;
    case ORMC_STARTSWITH:
    case ORMC_ISTARTSWITH:
        return k <= n && eqn(s, v, k, ci);
    case ORMC_ENDSWITH:
    case ORMC_IENDSWITH:
        return k <= n && eqn(s + n - k, v, k, ci);
    default: /* IEXACT */
        return k == n && eqn(s, v, k, true);
    }
}

/* c (<0, 0, >0) against op EQ..GE. */
static bool cmp_holds(int op, int c)
{
    switch (op) {
    case ORMC_EQ: return c == 0;
    case ORMC_NE: return c != 0;
    case ORMC_LT: return c < 0;
    case ORMC_LE: return c <= 0;
    case ORMC_GT: return c > 0;
    default: return c >= 0;
    }
}

static int cmp_i(int64_t a, int64_t b) { return (a > b) - (a < b); }
static int cmp_r(double a, double b) { return (a > b) - (a < b); }
static int sgn(int c) { return (c > 0) - (c < 0); }

/* Leaf l on the value v (of type ty); NULL is false except IS NULL. */
static bool leaf_holds(const leaf *l, int ty, const xval *v)
{
    if (l->kind == L_NULL)
        return v->null == (l->op != 0);
    if (v->null)
        return false;
    switch (l->kind) {
    case L_CMP:
        if (ty == TY_TEXT)
            return l->op <= ORMC_GE ? cmp_holds(l->op, sgn(strcmp(v->s, l->s)))
                                    : text_match(l->op, v->s, l->s);
        if (ty == TY_REAL)
            return cmp_holds(l->op, cmp_r(v->r, l->r[0]));
        return cmp_holds(l->op, cmp_i(v->i, l->i[0]));
    case L_IN: {
        bool in = false;
        for (size_t i = 0; i < l->n && !in; i++)
            in = ty == TY_TEXT   ? strcmp(v->s, l->sv[i]) == 0
                 : ty == TY_REAL ? v->r == l->rv[i]
                                 : v->i == l->iv[i];
        return l->op == ORMC_IN ? in : !in;
    }
    case L_RANGE:
        if (ty == TY_REAL)
            return l->r[0] <= v->r && v->r <= l->r[1];
        return l->i[0] <= v->i && v->i <= l->i[1];
    default: /* L_SPAN */
        return l->lo <= v->i && v->i < l->hi;
    }
}

/* The first reverse step of p at or after `from`, or -1. */
static int first_rev(const xpath *p, int from)
{
    for (int i = from; i < p->nsteps; i++)
        if (STEPS[p->step[i]].rev)
            return i;
    return -1;
}

static bool eval_and(const int *kids, int n, int row, int from);

/* A group node k at row `row` (of the model its leaves start from, their
 * steps before `from` already taken). */
static bool eval_group(int k, int row, int from)
{
    const node *nd = &Q.nodes[k];
    int kids[MAXNODES], n = 0;
    for (int c = nd->first; c >= 0; c = Q.nodes[c].next)
        kids[n++] = c;
    if (nd->kind == N_OR) {
        for (int i = 0; i < n; i++)
            if (eval_and(&kids[i], 1, row, from))
                return true;
        return false;
    }
    bool all = eval_and(kids, n, row, from);
    return nd->kind == N_NOT ? !all : all;
}

/* The AND of the nodes kids[0..n) at `row`: the leaves that go the same
 * way (steps from..r equal) to the same reverse step r hold on one child
 * together; a leaf without a reverse step is read along forward links. */
static bool eval_and(const int *kids, int n, int row, int from)
{
    bool done[MAXNODES] = {false};
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        const node *nd = &Q.nodes[kids[i]];
        if (nd->kind != N_LEAF) {
            if (!eval_group(kids[i], row, from))
                return false;
            continue;
        }
        const leaf *l = &Q.leaves[nd->leaf];
        int r = first_rev(&l->path, from);
        if (r < 0) {
            int cur = row;
            for (int s = from; s < l->path.nsteps && cur >= 0; s++)
                cur = fwd(l->path.step[s], cur);
            int em = end_model(&l->path);
            const xval *v = cur < 0 ? &VNULL : &T[em].v[cur][l->path.field];
            if (!leaf_holds(l, MODELS[em].f[l->path.field].type, v))
                return false;
            continue;
        }
        int same[MAXNODES], k = 0;
        for (int j = i; j < n; j++) {
            const node *u = &Q.nodes[kids[j]];
            if (done[j] || u->kind != N_LEAF)
                continue;
            const xpath *up = &Q.leaves[u->leaf].path;
            bool eq = up->nsteps > r && first_rev(up, from) == r;
            for (int s = from; eq && s <= r; s++)
                eq = up->step[s] == l->path.step[s];
            if (eq) {
                same[k++] = kids[j];
                done[j] = true;
            }
        }
        /* "the children's id IS NULL" alone: there is no child at all
         * (Django's children__isnull=True) */
        const leaf *l0 = &Q.leaves[Q.nodes[same[0]].leaf];
        bool none = k == 1 && l0->kind == L_NULL && l0->op &&
                    l0->path.nsteps == r + 1 && l0->path.field == 0;
        int cur = row;
        for (int s = from; s < r && cur >= 0; s++)
            cur = fwd(l->path.step[s], cur);
        if (cur < 0) {
            if (none)
                continue;
            return false;
        }
        const xstep *st = &STEPS[l->path.step[r]];
        int64_t pid = T[st->from].v[cur][0].i;
        bool some = false;
        for (int c = 0; c < T[st->to].n && !some; c++) {
            const xval *fk = &T[st->to].v[c][st->fk_field];
            if (!fk->null && fk->i == pid)
                some = none || eval_and(same, k, c, r + 1);
        }
        if (none ? some : !some)
            return false;
    }
    return true;
}

/* The value of forward path p at row r of its root. */
static const xval *path_value(const xpath *p, int r)
{
    for (int i = 0; i < p->nsteps && r >= 0; i++)
        r = fwd(p->step[i], r);
    return r < 0 ? &VNULL : &T[end_model(p)].v[r][p->field];
}

/* Order: the order terms (NULL lowest, so first ascending and last
 * descending), then id ascending. */
static int order_cmp(int a, int b)
{
    for (int i = 0; i < Q.nextras; i++) {
        const extra *x = &Q.extras[i];
        if (x->kind != X_ORDER)
            continue;
        const xval *va = path_value(&x->path, a), *vb = path_value(&x->path, b);
        int ty = MODELS[end_model(&x->path)].f[x->path.field].type;
        int c;
        if (va->null || vb->null)
            c = vb->null - va->null;
        else if (ty == TY_TEXT)
            c = sgn(strcmp(va->s, vb->s));
        else if (ty == TY_REAL)
            c = cmp_r(va->r, vb->r);
        else
            c = cmp_i(va->i, vb->i);
        if (c)
            return x->desc ? -c : c;
    }
    return cmp_i(T[Q.model].v[a][0].i, T[Q.model].v[b][0].i);
}

/* The expected rows (mirror row indexes) in order, after the window;
 * returns their number. */
static int evaluate(int *rows)
{
    int kids[MAXNODES], n = 0, m = Q.model, k = 0;
    for (int c = Q.nodes[0].first; c >= 0; c = Q.nodes[c].next)
        kids[n++] = c;
    for (int r = 0; r < T[m].n; r++)
        if (eval_and(kids, n, r, 0))
            rows[k++] = r;
    for (int i = 1; i < k; i++) /* insertion sort: stable, k small */
        for (int j = i; j > 0 && order_cmp(rows[j - 1], rows[j]) > 0; j--) {
            int t = rows[j];
            rows[j] = rows[j - 1];
            rows[j - 1] = t;
        }
    int64_t off = Q.offset, lim = Q.limit < 0 ? INT64_MAX : Q.limit;
    int start = off >= k ? k : (int)off;
    int end = lim >= k - start ? k : start + (int)lim;
    memmove(rows, rows + start, (size_t)(end - start) * sizeof *rows);
    return end - start;
}

/* ======================================================================
 * Running and comparing
 * ==================================================================== */

/* The last statements' SQL (trace hook), printed on a mismatch. */
static char last_sql[4][2048];
static int nsql;

static void trace(void *ctx, const char *sql)
{
    (void)ctx;
    snprintf(last_sql[nsql % 4], sizeof last_sql[0], "%s", sql);
    nsql++;
}

static void fail(const char *why, const int64_t *got, long ngot,
                 const int *want, long nwant)
{
    describe();
    fprintf(stderr, "fuzz_query: MISMATCH: %s\n%.*s", why, (int)dlen, dump);
    fprintf(stderr, "expected ids (%ld):", nwant);
    for (long i = 0; i < nwant && want; i++)
        fprintf(stderr, " %lld", (long long)T[Q.model].v[want[i]][0].i);
    fprintf(stderr, "\nruntime ids  (%ld):", ngot);
    for (long i = 0; i < ngot && got; i++)
        fprintf(stderr, " %lld", (long long)got[i]);
    fprintf(stderr, "\nlast error: %s\n", ormc_errmsg(DB));
    for (int i = nsql > 4 ? nsql - 4 : 0; i < nsql; i++)
        fprintf(stderr, "SQL: %s\n", last_sql[i % 4]);
    abort();
}

#define CHECK(cond, why)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fail(why, NULL, 0, NULL, 0);                                       \
    } while (0)

static bool has_extra(int kind)
{
    for (int i = 0; i < Q.nextras; i++)
        if (Q.extras[i].kind == kind)
            return true;
    return false;
}

static bool same_text(const char *a, const xval *v)
{
    return a && !v->null && strcmp(a, v->s) == 0;
}

/* Checks a fetched author against mirror row r. */
static void check_author(const Author *a, int r)
{
    const xval *v = T[M_AUTHOR].v[r];
    CHECK(a->id == v[0].i && same_text(a->name, &v[1]) &&
              same_text(a->email, &v[2]),
          "an Author's fields differ from the mirror");
}

/* Checks a fetched blog (and its related loads) against mirror row r. */
static void check_blog(const Blog *b, int r)
{
    const xval *v = T[M_BLOG].v[r];
    CHECK(b->id == v[0].i && same_text(b->title, &v[1]) &&
              b->author_id == v[2].i && b->editor_null == v[3].null &&
              (v[3].null || b->editor_id == v[3].i) && b->created == v[4].i &&
              b->rating_null == v[5].null &&
              (v[5].null || b->rating == v[5].r),
          "a Blog's fields differ from the mirror");
    if (has_extra(X_WITH_AUTHOR)) {
        CHECK(b->author, "with_author: no author loaded");
        check_author(b->author, row_of(M_AUTHOR, b->author_id));
    } else {
        CHECK(!b->author, "an author loaded without with_author");
    }
    if (has_extra(X_WITH_EDITOR) && !v[3].null) {
        CHECK(b->editor, "with_editor: no editor loaded");
        check_author(b->editor, row_of(M_AUTHOR, b->editor_id));
    } else {
        CHECK(!b->editor, "an editor loaded for a NULL editor_id or "
                          "without with_editor");
    }
    int64_t kids[MAXROWS];
    size_t n = 0;
    for (int c = 0; c < T[M_COMMENT].n; c++)
        if (T[M_COMMENT].v[c][1].i == b->id)
            kids[n++] = T[M_COMMENT].v[c][0].i;
    if (has_extra(X_COUNT))
        CHECK(b->rel->comments_count == (int64_t)n, "count_comments differs");
    if (has_extra(X_PREFETCH)) {
        CHECK(b->rel->comments.count == n, "prefetch_comments: child count");
        for (size_t i = 0; i < n; i++) {
            const Comment *c = b->rel->comments.items[i];
            int cr = row_of(M_COMMENT, c->id);
            CHECK(c->id == kids[i] && cr >= 0 && c->blog_id == b->id &&
                      same_text(c->content, &T[M_COMMENT].v[cr][2]) &&
                      c->score == T[M_COMMENT].v[cr][3].i,
                  "prefetch_comments: children differ (order by id)");
        }
    } else if (b->rel) {
        CHECK(b->rel->comments.count == 0, "children without prefetch");
    }
    CHECK((b->rel != NULL) == (has_extra(X_COUNT) || has_extra(X_PREFETCH)),
          "rel set without a prefetch or count, or missing with one");
}

static void check_comment(const Comment *c, int r)
{
    const xval *v = T[M_COMMENT].v[r];
    CHECK(c->id == v[0].i && c->blog_id == v[1].i &&
              same_text(c->content, &v[2]) && c->score == v[3].i,
          "a Comment's fields differ from the mirror");
}

/* Fetches q, checks ids, fields and the statement count. */
static void check_fetch(const ormc_query *q, const int *want, int nwant)
{
    int64_t got[MAXROWS];
    long ngot = 0;
    int rc;
    uint64_t stmts = 1 + (Q.model == M_BLOG && has_extra(X_PREFETCH));
    ormc_reset_counts(DB);
    if (Q.model == M_BLOG) {
        BlogList l;
        rc = blog_fetch(DB, (const BlogQuery *)q, &l);
        for (size_t i = 0; rc == ORMC_OK && i < l.count && i < MAXROWS; i++)
            got[ngot++] = l.items[i].id;
        if (rc == ORMC_OK && l.count == (size_t)nwant)
            for (size_t i = 0; i < l.count; i++)
                if (got[i] == T[M_BLOG].v[want[i]][0].i)
                    check_blog(&l.items[i], want[i]);
        if (rc == ORMC_OK && l.count > MAXROWS)
            ngot = -1;
        blog_list_free(&l);
    } else if (Q.model == M_COMMENT) {
        CommentList l;
        rc = comment_fetch(DB, (const CommentQuery *)q, &l);
        for (size_t i = 0; rc == ORMC_OK && i < l.count && i < MAXROWS; i++)
            got[ngot++] = l.items[i].id;
        if (rc == ORMC_OK && l.count == (size_t)nwant)
            for (size_t i = 0; i < l.count; i++)
                if (got[i] == T[M_COMMENT].v[want[i]][0].i)
                    check_comment(&l.items[i], want[i]);
        if (rc == ORMC_OK && l.count > MAXROWS)
            ngot = -1;
        comment_list_free(&l);
    } else {
        AuthorList l;
        rc = author_fetch(DB, (const AuthorQuery *)q, &l);
        for (size_t i = 0; rc == ORMC_OK && i < l.count && i < MAXROWS; i++)
            got[ngot++] = l.items[i].id;
        if (rc == ORMC_OK && l.count == (size_t)nwant)
            for (size_t i = 0; i < l.count; i++)
                if (got[i] == T[M_AUTHOR].v[want[i]][0].i)
                    check_author(&l.items[i], want[i]);
        if (rc == ORMC_OK && l.count > MAXROWS)
            ngot = -1;
        author_list_free(&l);
    }
    if (rc != ORMC_OK)
        fail("fetch failed", NULL, 0, want, nwant);
    bool same = ngot == nwant;
    for (long i = 0; same && i < ngot; i++)
        same = got[i] == T[Q.model].v[want[i]][0].i;
    if (!same)
        fail("fetch: rows differ", got, ngot, want, nwant);
    if (ormc_query_count(DB) != stmts)
        fail("fetch: statement count is not 1 (+1 per prefetch)", got, ngot,
             want, nwant);
}

/* count_rows, exists and first against the expected rows. */
static void check_others(const ormc_query *q, const int *want, int nwant)
{
    const ormc_model *m = MODELS[Q.model].desc;
    int64_t n = -1;
    ormc_reset_counts(DB);
    int rc = ormc_count_rows(DB, m, q, &n);
    if (rc != ORMC_OK || n != nwant || ormc_query_count(DB) != 1) {
        int64_t got[1] = {n};
        fail("count_rows differs (or failed, or not 1 statement)", got, 1,
             want, nwant);
    }
    bool ex = false;
    ormc_reset_counts(DB);
    rc = ormc_exists(DB, m, q, &ex);
    if (rc != ORMC_OK || ex != (nwant > 0) || ormc_query_count(DB) != 1)
        fail("exists differs (or failed, or not 1 statement)", NULL, 0, want,
             nwant);
    void *obj = NULL;
    rc = ormc_first(DB, m, q, &obj);
    int64_t id = obj ? *(const int64_t *)obj : 0;
    if (nwant ? rc != ORMC_OK || id != T[Q.model].v[want[0]][0].i
              : rc != ORMC_NOT_FOUND || obj) {
        int64_t got[1] = {id};
        fail("first differs", got, obj != NULL, want, nwant);
    }
    ormc_object_free(obj);
}

/* A query with a misuse: every run is ORMC_INVALID before any SQL. */
static void check_refused(const ormc_query *q)
{
    const ormc_model *m = MODELS[Q.model].desc;
    ormc_list l;
    int64_t n = 7;
    bool ex = true;
    ormc_reset_counts(DB);
    CHECK(ormc_fetch(DB, m, q, &l) == ORMC_INVALID && l.count == 0 &&
              !l.owner && !l.items,
          "a misuse was not refused by fetch");
    CHECK(ormc_count_rows(DB, m, q, &n) == ORMC_INVALID,
          "a misuse was not refused by count_rows");
    CHECK(ormc_exists(DB, m, q, &ex) == ORMC_INVALID,
          "a misuse was not refused by exists");
    CHECK(ormc_query_count(DB) == 0, "SQL ran for a refused query");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    ormc_set_trace(DB, trace, NULL);
    nsql = 0;
    decode(data, size);
    if (getenv("ORMC_FUZZ_DUMP")) { /* what an input decodes to */
        describe();
        fprintf(stderr, "%.*s", (int)dlen, dump);
    }
    union { /* each begins with the ormc_query the generic calls take */
        ormc_query q;
        BlogQuery b;
        CommentQuery c;
        AuthorQuery a;
    } u;
    if (Q.model == M_BLOG)
        blog_query_init(&u.b);
    else if (Q.model == M_COMMENT)
        comment_query_init(&u.c);
    else
        author_query_init(&u.a);
    emit(&u.q);
    if (Q.misuse) {
        check_refused(&u.q);
    } else {
        int want[MAXROWS];
        int nwant = evaluate(want);
        check_fetch(&u.q, want, nwant);
        check_others(&u.q, want, nwant);
    }
    if (Q.model == M_BLOG)
        blog_query_free(&u.b);
    else if (Q.model == M_COMMENT)
        comment_query_free(&u.c);
    else
        author_query_free(&u.a);
    return 0;
}
