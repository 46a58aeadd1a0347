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
 * A prefetch (Blog -> comments, Author -> blogs) is plain, or Django's
 * Prefetch(queryset=...): a child query decoded from the bytes that follow,
 * in the same language (filters on any path from the child model, order,
 * limit and offset, which apply PER PARENT), with its own loads: a
 * CommentQuery gets comment_with_blog, or comment_with_blog_from with a
 * BlogQuery holding blog_with_author / blog_with_editor; a BlogQuery under
 * an Author gets with_author / with_editor, count_comments and its own
 * prefetch of comments, plain or with a CommentQuery (nested prefetch:
 * three statements).  A Comment main query gets the same with_ loads.
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
 * A prefetch's expected children of a parent are the rows its child query
 * selects (the same evaluator, on the child model) whose foreign key names
 * the parent, in the child query's order (then id), sliced
 * [offset, offset + limit) per parent.
 * Checked: the ids in order, every fetched row's fields and related loads
 * against the mirror (children, their with_ objects and chains, counts, at
 * every level; `rel` NULL exactly when its query asked for no prefetch or
 * count), count_rows, exists, first (its object too), and the statement
 * count of each call (fetch and first 1 + 1 per prefetch at every level,
 * count 1, exists 1).  Any difference abort()s after printing the queries
 * (the main one and every child query), the SQL and both id lists.
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
 * (they may land inside a group: a term's place does not matter).
 * X_WITH_AUTHOR, X_WITH_EDITOR, X_COUNT: Blog; X_PREFETCH: Blog (comments)
 * and Author (blogs); X_WITH_BLOG: Comment. */
enum { X_ORDER, X_WITH_AUTHOR, X_WITH_EDITOR, X_PREFETCH, X_COUNT,
       X_WITH_BLOG };

/* How a prefetch is asked for */
enum {
    PF_PLAIN,   /* m_prefetch_r(q) */
    PF_NULL,    /* m_prefetch_r_from(q, NULL): the same */
    PF_FROM,    /* m_prefetch_r_from(q, &child) */
    PF_REPLACE, /* m_prefetch_r(q), then _from(q, &child): the last wins */
    NPF
};

/* X_WITH_BLOG's chain bits: comment_with_blog_from(q, &bq), bq holding */
enum {
    CH_FROM = 1,   /* (else comment_with_blog) */
    CH_AUTHOR = 2, /* blog_with_author */
    CH_EDITOR = 4, /* blog_with_editor */
    CH_MISUSE = 8  /* an order term: a select_related child query may hold
                      with_ loads only, so the run is ORMC_INVALID */
};

struct xquery;

typedef struct extra {
    int kind;
    int at;
    xpath path; /* X_ORDER */
    int desc;
    int how;             /* X_PREFETCH: PF_*; X_WITH_BLOG: CH_* bits */
    struct xquery *sub;  /* X_PREFETCH: the child query (an empty one of
                            the child model for PF_PLAIN and PF_NULL) */
} extra;

typedef struct xquery {
    int model;
    int level;            /* 0: the main query; 1, 2: child queries */
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

/* The main query, and the child queries of its prefetch (KIDS[0]) and of
 * that one's (KIDS[1]): at most one prefetch per level in blog.orm's
 * chains Blog -> comments and Author -> blogs -> comments. */
#define MAXLEVEL 3
static xquery Q;
static xquery KIDS[MAXLEVEL - 1];

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
static const char *svpool[4 * MAXLEAVES * MAXLEVEL];
static int64_t ivpool[4 * MAXLEAVES * MAXLEVEL];
static double rvpool[4 * MAXLEAVES * MAXLEVEL];
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

/* One leaf of query x, on a path from its model. */
static void dec_leaf(reader *r, xquery *x, leaf *l)
{
    int m = x->model;
    memset(l, 0, sizeof *l);
    unsigned c = take(r);
    if (c == 0xee) {
        l->kind = L_MISUSE;
        l->op = (int)(take(r) % NMISUSE);
        l->path = dec_path(r, m, false);
        x->misuse = true;
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

/* A group's children in query x; depth is the group's nesting. */
static void dec_children(reader *r, xquery *x, int parent, int depth)
{
    int n = (int)(take(r) % (depth == 0 ? 7u : 5u));
    int *link = &x->nodes[parent].first;
    for (int i = 0; i < n && x->nnodes < MAXNODES; i++) {
        unsigned c = take(r);
        node *nd = &x->nodes[x->nnodes];
        nd->first = nd->next = -1;
        if (c % 4 == 3 && depth < MAXGROUP) {
            nd->kind = (int)(c / 4 % 3); /* N_AND, N_OR, N_NOT */
            int me = x->nnodes++;
            *link = me;
            link = &x->nodes[me].next;
            dec_children(r, x, me, depth + 1);
        } else if (x->nleaves < MAXLEAVES) {
            nd->kind = N_LEAF;
            nd->leaf = x->nleaves;
            dec_leaf(r, x, &x->leaves[x->nleaves++]);
            *link = x->nnodes++;
            link = &nd->next;
        }
    }
}

/* x as an empty query of model m (all rows, default order). */
static void empty_query(xquery *x, int m, int level)
{
    memset(x, 0, sizeof *x);
    x->model = m;
    x->level = level;
    x->limit = -1;
    x->nodes[0] = (node){N_AND, 0, -1, -1};
    x->nnodes = 1;
}

/* The reverse step a prefetch of model m follows (Blog -> comments,
 * Author -> blogs). */
static int prefetch_step(int m)
{
    return m == M_BLOG ? S_BLOG_COMMENTS : S_AUTHOR_BLOGS;
}

static void dec_query(reader *r, xquery *x, int model, int level);

/* The child query of prefetch extra x of a query at `level`: empty for
 * PF_PLAIN and PF_NULL, else decoded from the bytes that follow. */
static void dec_prefetch(reader *r, extra *x, int model, int level)
{
    xquery *sub = &KIDS[level];
    int cm = STEPS[prefetch_step(model)].to;
    x->how = (int)(take(r) % NPF);
    x->sub = sub;
    if (x->how == PF_PLAIN || x->how == PF_NULL)
        empty_query(sub, cm, level + 1);
    else
        dec_query(r, sub, cm, level + 1);
}

/* Query x on model m from the bytes: a flags byte, the filters, order
 * terms and loads (each with its place), the window, and then each
 * prefetch's child query. */
static void dec_query(reader *r, xquery *x, int model, int level)
{
    empty_query(x, model, level);
    unsigned flags = take(r);
    dec_children(r, x, 0, 0);
    /* order terms and loads, each at a place among the filter calls */
    int norder = (int)(flags % 3);
    for (int i = 0; i < norder; i++) {
        extra *e = &x->extras[x->nextras++];
        e->kind = X_ORDER;
        e->path = dec_path(r, model, true);
        e->desc = (int)(take(r) % 2);
        e->at = (int)take(r);
    }
    for (int k = X_WITH_AUTHOR; k <= X_WITH_BLOG; k++) {
        bool ok = model == M_BLOG ? k != X_WITH_BLOG
                  : model == M_AUTHOR
                      ? k == X_PREFETCH && level < MAXLEVEL - 2
                      : k == X_WITH_BLOG;
        /* bits 8, 16, 32, 64: Blog's four loads; Author's prefetch and
         * Comment's with_blog on bit 8 */
        unsigned bit = model == M_BLOG ? 8u << (k - X_WITH_AUTHOR) : 8u;
        if (ok && (flags & bit)) {
            extra *e = &x->extras[x->nextras++];
            e->kind = k;
            e->at = (int)take(r);
            if (k == X_WITH_BLOG) {
                e->how = (int)(take(r) % 16);
                if (!(e->how & CH_FROM))
                    e->how = 0;
                if ((e->how & CH_MISUSE) && take(r) % 4) /* rarely */
                    e->how &= ~CH_MISUSE;
                if (e->how & CH_MISUSE)
                    x->misuse = true;
            }
        }
    }
    /* emitted in the order of their places: the order terms' order */
    for (int i = 1; i < x->nextras; i++)
        for (int j = i;
             j > 0 && x->extras[j - 1].at % 64 > x->extras[j].at % 64; j--) {
            extra t = x->extras[j];
            x->extras[j] = x->extras[j - 1];
            x->extras[j - 1] = t;
        }
    if (flags & 128) {
        unsigned w = take(r);
        if (w & 1)
            x->limit = w & 16 ? (w & 32 ? INT64_MAX : 0) : take(r) % 16;
        if (w & 2)
            x->offset = w & 64 ? (w & 128 ? INT64_MAX : 1) : take(r) % 16;
    }
    /* the child queries last, so that older inputs decode as before */
    for (int i = 0; i < x->nextras; i++)
        if (x->extras[i].kind == X_PREFETCH)
            dec_prefetch(r, &x->extras[i], model, level);
}

/* Whether some query of the tree under x holds a misuse. */
static bool any_misuse(const xquery *x)
{
    if (x->misuse)
        return true;
    for (int i = 0; i < x->nextras; i++)
        if (x->extras[i].kind == X_PREFETCH && any_misuse(x->extras[i].sub))
            return true;
    return false;
}

static void decode(const uint8_t *data, size_t size)
{
    reader rd = {data, size}, *r = &rd;
    tlen = nsv = niv = nrv = 0;
    unsigned c = take(r);
    int m = c % 8 < 6 ? M_BLOG : c % 8 == 6 ? M_COMMENT : M_AUTHOR;
    dec_query(r, &Q, m, 0);
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

static void out_node(const xquery *x, int k, int indent)
{
    const node *nd = &x->nodes[k];
    out("%*s", indent, "");
    if (nd->kind == N_LEAF) {
        out_leaf(&x->leaves[nd->leaf]);
        out("\n");
        return;
    }
    out("%s\n", nd->kind == N_AND ? (k ? "AND" : "WHERE (AND)")
                : nd->kind == N_OR ? "OR" : "NOT");
    for (int c = nd->first; c >= 0; c = x->nodes[c].next)
        out_node(x, c, indent + 2);
}

/* Query x (and its child queries, indented further). */
static void out_query(const xquery *x, int indent)
{
    out_node(x, 0, indent);
    for (int i = 0; i < x->nextras; i++) {
        const extra *e = &x->extras[i];
        static const char *const XN[] = {"ORDER BY", "with_author",
                                         "with_editor", "prefetch_",
                                         "count_comments", "with_blog"};
        static const char *const PN[NPF] = {
            "", " from NULL", " from the child query",
            " (plain, then replaced) from the child query"};
        out("%*s%s", indent, "", XN[e->kind]);
        if (e->kind == X_ORDER) {
            out(" ");
            out_path(&e->path);
            out(e->desc ? " DESC" : " ASC");
        } else if (e->kind == X_PREFETCH) {
            out("%s%s", STEPS[prefetch_step(x->model)].name, PN[e->how]);
        } else if (e->kind == X_WITH_BLOG && (e->how & CH_FROM)) {
            out("_from a BlogQuery with {%s%s%s }",
                e->how & CH_AUTHOR ? " with_author" : "",
                e->how & CH_EDITOR ? " with_editor" : "",
                e->how & CH_MISUSE ? " MISUSE: an order term" : "");
        }
        out("  (before call %d)\n", e->at);
        if (e->kind == X_PREFETCH && e->how >= PF_FROM) {
            out("%*schild query on %s (limit and offset per parent):\n",
                indent + 2, "", MODELS[e->sub->model].name);
            out_query(e->sub, indent + 4);
        }
    }
    out("%*slimit %lld offset %lld\n", indent, "", (long long)x->limit,
        (long long)x->offset);
}

static void describe(void)
{
    dlen = 0;
    out("query on %s:\n", MODELS[Q.model].name);
    out_query(&Q, 2);
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

/* The runtime's queries: RQ[level] is query `level` of the tree (the main
 * one, its prefetch's child query, that one's), WQ[level] the BlogQuery
 * of a comment_with_blog_from at that level; rq_model[level] the model
 * RQ[level] was initialised for, or -1. */
typedef union rquery { /* each begins with the ormc_query the generic
                          calls take */
    ormc_query q;
    BlogQuery b;
    CommentQuery c;
    AuthorQuery a;
} rquery;

static rquery RQ[MAXLEVEL];
static BlogQuery WQ[MAXLEVEL];
static int rq_model[MAXLEVEL] = {-1, -1, -1};
static bool wq_used[MAXLEVEL];

/* Query x's prefetch e, as e->how says. */
static void emit_prefetch(const xquery *x, ormc_query *q, const extra *e)
{
    const rquery *k = &RQ[e->sub->level];
    if (x->model == M_BLOG) {
        BlogQuery *b = (BlogQuery *)q;
        if (e->how == PF_PLAIN || e->how == PF_REPLACE)
            blog_prefetch_comments(b);
        if (e->how == PF_NULL)
            blog_prefetch_comments_from(b, NULL);
        if (e->how >= PF_FROM)
            blog_prefetch_comments_from(b, &k->c);
    } else {
        AuthorQuery *a = (AuthorQuery *)q;
        if (e->how == PF_PLAIN || e->how == PF_REPLACE)
            author_prefetch_blogs(a);
        if (e->how == PF_NULL)
            author_prefetch_blogs_from(a, NULL);
        if (e->how >= PF_FROM)
            author_prefetch_blogs_from(a, &k->b);
    }
}

static void emit_extras(const xquery *xq, ormc_query *q, int calls, bool all)
{
    for (int i = 0; i < xq->nextras; i++) {
        const extra *x = &xq->extras[i];
        if (!all && x->at % 64 != calls)
            continue;
        if (all && x->at % 64 < calls)
            continue;
        if (x->kind == X_ORDER) {
            ormc_path p = rt_path(&x->path);
            ormc_order_by(q, &p, x->desc ? ORMC_DESC : ORMC_ASC);
        } else if (x->kind == X_WITH_AUTHOR) {
            blog_with_author((BlogQuery *)q);
        } else if (x->kind == X_WITH_EDITOR) {
            blog_with_editor((BlogQuery *)q);
        } else if (x->kind == X_PREFETCH) {
            emit_prefetch(xq, q, x);
        } else if (x->kind == X_WITH_BLOG) {
            if (x->how & CH_FROM)
                comment_with_blog_from((CommentQuery *)q, &WQ[xq->level]);
            else
                comment_with_blog((CommentQuery *)q);
        } else {
            blog_count_comments((BlogQuery *)q);
        }
    }
}

static void emit_misuse(ormc_query *q, int model, const leaf *l)
{
    ormc_path p = rt_path(&l->path);
    ormc_path time = BLOG_CREATED.path.p;
    double nan = NAN;
    int64_t one = 1;
    switch (l->op) {
    case MIS_TEXT_OP_ON_INT:
        p = *MODELS[model].fpath[0];
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
        ormc_where_int_in(q, MODELS[model].fpath[0], ORMC_EQ, &one, 1);
        break;
    case MIS_ORDER_REVERSE:
        p = rt_path(&(xpath){.root = M_AUTHOR, .nsteps = 1,
                              .step = {S_AUTHOR_BLOGS}, .field = 0});
        if (model == M_BLOG)
            p = blog_via_comments_int(COMMENT_SCORE).path.p;
        if (model == M_COMMENT)
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
        p = *MODELS[model].fpath[model == M_COMMENT ? 2 : 1];
        ormc_where_text(q, &p, ORMC_EQ, "caf\xc3");
        break;
    default: /* a path of another model */
        p = model == M_AUTHOR ? BLOG_ID.path.p : AUTHOR_ID.path.p;
        ormc_where_int(q, &p, ORMC_EQ, 1);
        break;
    }
}

static void emit_leaf(ormc_query *q, int model, const leaf *l)
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
        emit_misuse(q, model, l);
        break;
    }
}

static void emit_node(xquery *x, ormc_query *q, int k)
{
    const node *nd = &x->nodes[k];
    emit_extras(x, q, x->calls, false);
    x->calls++;
    if (nd->kind == N_LEAF) {
        emit_leaf(q, x->model, &x->leaves[nd->leaf]);
        return;
    }
    if (nd->kind == N_AND)
        ormc_and(q);
    else if (nd->kind == N_OR)
        ormc_or(q);
    else
        ormc_not(q);
    for (int c = nd->first; c >= 0; c = x->nodes[c].next)
        emit_node(x, q, c);
    ormc_end(q);
}

/* Fills q (initialised for x->model) with x's terms. */
static void emit(xquery *x, ormc_query *q)
{
    x->calls = 0;
    for (int c = x->nodes[0].first; c >= 0; c = x->nodes[c].next)
        emit_node(x, q, c);
    emit_extras(x, q, x->calls, true);
    if (x->limit >= 0)
        ormc_limit(q, x->limit);
    if (x->offset > 0)
        ormc_offset(q, x->offset);
}

/* Builds RQ[x->level] from x, after the queries it borrows: its child
 * queries (built first: a child query is kept unchanged once given) and
 * its with_ chain's BlogQuery. */
static void build(xquery *x)
{
    int lv = x->level;
    for (int i = 0; i < x->nextras; i++) {
        const extra *e = &x->extras[i];
        if (e->kind == X_PREFETCH && e->how >= PF_FROM)
            build(e->sub);
        if (e->kind == X_WITH_BLOG && (e->how & CH_FROM)) {
            blog_query_init(&WQ[lv]);
            wq_used[lv] = true;
            if (e->how & CH_AUTHOR)
                blog_with_author(&WQ[lv]);
            if (e->how & CH_EDITOR)
                blog_with_editor(&WQ[lv]);
            if (e->how & CH_MISUSE)
                blog_order_by(&WQ[lv], BLOG_TITLE.path, ORMC_ASC);
        }
    }
    rq_model[lv] = x->model;
    if (x->model == M_BLOG)
        blog_query_init(&RQ[lv].b);
    else if (x->model == M_COMMENT)
        comment_query_init(&RQ[lv].c);
    else
        author_query_init(&RQ[lv].a);
    emit(x, &RQ[lv].q);
}

/* Frees every query build() made. */
static void unbuild(void)
{
    for (int lv = 0; lv < MAXLEVEL; lv++) {
        if (rq_model[lv] == M_BLOG)
            blog_query_free(&RQ[lv].b);
        else if (rq_model[lv] == M_COMMENT)
            comment_query_free(&RQ[lv].c);
        else if (rq_model[lv] == M_AUTHOR)
            author_query_free(&RQ[lv].a);
        rq_model[lv] = -1;
        if (wq_used[lv])
            blog_query_free(&WQ[lv]);
        wq_used[lv] = false;
    }
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

static bool eval_and(const xquery *x, const int *kids, int n, int row,
                     int from);

/* A group node k of query x at row `row` (of the model its leaves start
 * from, their steps before `from` already taken). */
static bool eval_group(const xquery *x, int k, int row, int from)
{
    const node *nd = &x->nodes[k];
    int kids[MAXNODES], n = 0;
    for (int c = nd->first; c >= 0; c = x->nodes[c].next)
        kids[n++] = c;
    if (nd->kind == N_OR) {
        for (int i = 0; i < n; i++)
            if (eval_and(x, &kids[i], 1, row, from))
                return true;
        return false;
    }
    bool all = eval_and(x, kids, n, row, from);
    return nd->kind == N_NOT ? !all : all;
}

/* The AND of the nodes kids[0..n) at `row`: the leaves that go the same
 * way (steps from..r equal) to the same reverse step r hold on one child
 * together; a leaf without a reverse step is read along forward links. */
static bool eval_and(const xquery *x, const int *kids, int n, int row,
                     int from)
{
    bool done[MAXNODES] = {false};
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        const node *nd = &x->nodes[kids[i]];
        if (nd->kind != N_LEAF) {
            if (!eval_group(x, kids[i], row, from))
                return false;
            continue;
        }
        const leaf *l = &x->leaves[nd->leaf];
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
            const node *u = &x->nodes[kids[j]];
            if (done[j] || u->kind != N_LEAF)
                continue;
            const xpath *up = &x->leaves[u->leaf].path;
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
        const leaf *l0 = &x->leaves[x->nodes[same[0]].leaf];
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
                some = none || eval_and(x, same, k, c, r + 1);
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

/* Order of query x: its order terms (NULL lowest, so first ascending and
 * last descending), then id ascending. */
static int order_cmp(const xquery *xq, int a, int b)
{
    for (int i = 0; i < xq->nextras; i++) {
        const extra *x = &xq->extras[i];
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
    return cmp_i(T[xq->model].v[a][0].i, T[xq->model].v[b][0].i);
}

/* The rows (mirror row indexes) query x selects, in its order, after its
 * window; with fk >= 0 only those whose field fk is `parent` (a
 * prefetch's children of one parent: the window applies per parent).
 * Returns their number. */
static int select_rows(const xquery *x, int fk, int64_t parent, int *rows)
{
    int kids[MAXNODES], n = 0, m = x->model, k = 0;
    for (int c = x->nodes[0].first; c >= 0; c = x->nodes[c].next)
        kids[n++] = c;
    for (int r = 0; r < T[m].n; r++) {
        const xval *v = fk >= 0 ? &T[m].v[r][fk] : NULL;
        if (v && (v->null || v->i != parent))
            continue;
        if (eval_and(x, kids, n, r, 0))
            rows[k++] = r;
    }
    for (int i = 1; i < k; i++) /* insertion sort: stable, k small */
        for (int j = i; j > 0 && order_cmp(x, rows[j - 1], rows[j]) > 0;
             j--) {
            int t = rows[j];
            rows[j] = rows[j - 1];
            rows[j - 1] = t;
        }
    int64_t off = x->offset, lim = x->limit < 0 ? INT64_MAX : x->limit;
    int start = off >= k ? k : (int)off;
    int end = lim >= k - start ? k : start + (int)lim;
    memmove(rows, rows + start, (size_t)(end - start) * sizeof *rows);
    return end - start;
}

/* The expected rows of the main query. */
static int evaluate(int *rows) { return select_rows(&Q, -1, 0, rows); }

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

/* Where a check is, below the main rows: "Blog 1 > comments[2]" (empty
 * for the main rows themselves), printed on a mismatch. */
static char ctx[512];
static size_t nctx;

/* Appends to ctx; returns its former length, for ctx_pop. */
static size_t ctx_push(const char *fmt, ...)
{
    size_t was = nctx;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(ctx + nctx, sizeof ctx - nctx, fmt, ap);
    va_end(ap);
    if (k > 0)
        nctx = nctx + (size_t)k < sizeof ctx ? nctx + (size_t)k
                                             : sizeof ctx - 1;
    return was;
}

static void ctx_pop(size_t was)
{
    nctx = was;
    ctx[nctx] = '\0';
}

/* Prints the queries, what differs, the ids of `model` expected and got
 * (want: mirror rows), the last error and SQL, and aborts. */
static void fail_in(int model, const char *why, const int64_t *got,
                    long ngot, const int *want, long nwant)
{
    describe();
    fprintf(stderr, "fuzz_query: MISMATCH: %s\n%.*s", why, (int)dlen, dump);
    if (nctx)
        fprintf(stderr, "at: %s\n", ctx);
    fprintf(stderr, "expected %s ids (%ld):", MODELS[model].name, nwant);
    for (long i = 0; i < nwant && want; i++)
        fprintf(stderr, " %lld", (long long)T[model].v[want[i]][0].i);
    fprintf(stderr, "\nruntime ids  (%ld):", ngot);
    for (long i = 0; i < ngot && got; i++)
        fprintf(stderr, " %lld", (long long)got[i]);
    fprintf(stderr, "\nlast error: %s\n", ormc_errmsg(DB));
    for (int i = nsql > 4 ? nsql - 4 : 0; i < nsql; i++)
        fprintf(stderr, "SQL: %s\n", last_sql[i % 4]);
    abort();
}

static void fail(const char *why, const int64_t *got, long ngot,
                 const int *want, long nwant)
{
    fail_in(Q.model, why, got, ngot, want, nwant);
}

#define CHECK(cond, why)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fail(why, NULL, 0, NULL, 0);                                       \
    } while (0)

/* Query x's first extra of `kind`, or NULL. */
static const extra *find_extra(const xquery *x, int kind)
{
    for (int i = 0; i < x->nextras; i++)
        if (x->extras[i].kind == kind)
            return &x->extras[i];
    return NULL;
}

static bool has_extra(const xquery *x, int kind)
{
    return find_extra(x, kind) != NULL;
}

/* The statements a fetch of x runs: 1 + 1 per prefetch at every level. */
static uint64_t statements(const xquery *x)
{
    uint64_t n = 1;
    for (int i = 0; i < x->nextras; i++)
        if (x->extras[i].kind == X_PREFETCH)
            n += statements(x->extras[i].sub);
    return n;
}

static bool same_text(const char *a, const xval *v)
{
    return a && !v->null && strcmp(a, v->s) == 0;
}

static void check_blog(const xquery *x, const Blog *b, int r);
static void check_comment(const xquery *x, const Comment *c, int r);

/* Checks the children items[0..count) that the prefetch of a row of
 * model pm (id pid) loaded with child query sub: the ids in order, then
 * each child against sub. */
static void check_children(const xquery *sub, int pm, int64_t pid,
                           void *const *items, size_t count)
{
    const xstep *st = &STEPS[prefetch_step(pm)];
    int want[MAXROWS];
    int64_t got[MAXROWS];
    int nwant = select_rows(sub, st->fk_field, pid, want);
    long ngot = 0;
    for (size_t i = 0; i < count && i < MAXROWS; i++)
        got[ngot++] = *(const int64_t *)items[i]; /* id comes first */
    if (count > MAXROWS)
        ngot = -1;
    size_t was = ctx_push("%s%s %lld > %s", nctx ? " > " : "",
                          MODELS[pm].name, (long long)pid, st->name);
    bool same = ngot == nwant && (count != 0 || items == NULL);
    for (long i = 0; same && i < ngot; i++)
        same = got[i] == T[sub->model].v[want[i]][0].i;
    if (!same)
        fail_in(sub->model,
                "prefetch: the children of a row differ (ids in order; or "
                "items not NULL for none)",
                got, ngot, want, nwant);
    for (int i = 0; i < nwant; i++) {
        size_t w = ctx_push("[%d]", i);
        if (sub->model == M_BLOG)
            check_blog(sub, items[i], want[i]);
        else
            check_comment(sub, items[i], want[i]);
        ctx_pop(w);
    }
    ctx_pop(was);
}

/* Checks a fetched author against mirror row r; x: the query it comes
 * from, or NULL for a with_ object (its rel is NULL). */
static void check_author(const xquery *x, const Author *a, int r)
{
    const xval *v = T[M_AUTHOR].v[r];
    CHECK(a->id == v[0].i && same_text(a->name, &v[1]) &&
              same_text(a->email, &v[2]),
          "an Author's fields differ from the mirror");
    const extra *pf = x ? find_extra(x, X_PREFETCH) : NULL;
    CHECK((a->rel != NULL) == (pf != NULL),
          "an Author's rel set without a prefetch or count, or missing "
          "with one");
    if (!pf)
        return;
    const AuthorRel *rel = a->rel;
    CHECK(!rel->books.count && !rel->books.items && !rel->books_count &&
              !rel->edited_blogs.count && !rel->edited_blogs.items &&
              !rel->edited_blogs_count && !rel->blogs_count,
          "an Author's lists or counts not asked for are not empty");
    check_children(pf->sub, M_AUTHOR, a->id, (void *const *)rel->blogs.items,
                   rel->blogs.count);
}

/* Checks a blog's fields against mirror row r. */
static void check_blog_fields(const Blog *b, int r)
{
    const xval *v = T[M_BLOG].v[r];
    CHECK(b->id == v[0].i && same_text(b->title, &v[1]) &&
              b->author_id == v[2].i && b->editor_null == v[3].null &&
              (v[3].null || b->editor_id == v[3].i) && b->created == v[4].i &&
              b->rating_null == v[5].null &&
              (v[5].null || b->rating == v[5].r),
          "a Blog's fields differ from the mirror");
}

/* Checks a blog's with_ objects: its author if `author`, its editor (when
 * it has one) if `editor`, none otherwise. */
static void check_blog_with(const Blog *b, bool author, bool editor)
{
    if (author) {
        CHECK(b->author, "with_author: no author loaded");
        check_author(NULL, b->author, row_of(M_AUTHOR, b->author_id));
    } else {
        CHECK(!b->author, "an author loaded without with_author");
    }
    if (editor && !b->editor_null) {
        CHECK(b->editor, "with_editor: no editor loaded");
        check_author(NULL, b->editor, row_of(M_AUTHOR, b->editor_id));
    } else {
        CHECK(!b->editor, "an editor loaded for a NULL editor_id or "
                          "without with_editor");
    }
}

/* Checks a fetched blog (and its related loads, children included)
 * against mirror row r; x: the query it comes from. */
static void check_blog(const xquery *x, const Blog *b, int r)
{
    check_blog_fields(b, r);
    check_blog_with(b, has_extra(x, X_WITH_AUTHOR),
                    has_extra(x, X_WITH_EDITOR));
    bool count = has_extra(x, X_COUNT);
    const extra *pf = find_extra(x, X_PREFETCH);
    CHECK((b->rel != NULL) == (count || pf),
          "a Blog's rel set without a prefetch or count, or missing with "
          "one");
    if (!b->rel)
        return;
    int64_t n = 0;
    for (int c = 0; c < T[M_COMMENT].n && count; c++)
        n += T[M_COMMENT].v[c][1].i == b->id;
    CHECK(b->rel->comments_count == n,
          "count_comments differs (or is not 0 without count_comments)");
    if (pf)
        check_children(pf->sub, M_BLOG, b->id,
                       (void *const *)b->rel->comments.items,
                       b->rel->comments.count);
    else
        CHECK(!b->rel->comments.count && !b->rel->comments.items,
              "children without prefetch");
}

/* Checks a fetched comment (and its blog, with its chain) against mirror
 * row r; x: the query it comes from. */
static void check_comment(const xquery *x, const Comment *c, int r)
{
    const xval *v = T[M_COMMENT].v[r];
    CHECK(c->id == v[0].i && c->blog_id == v[1].i &&
              same_text(c->content, &v[2]) && c->score == v[3].i,
          "a Comment's fields differ from the mirror");
    const extra *w = find_extra(x, X_WITH_BLOG);
    if (!w) {
        CHECK(!c->blog, "a blog loaded without with_blog");
        return;
    }
    CHECK(c->blog, "with_blog: no blog loaded");
    size_t was = ctx_push("%swith_blog", nctx ? " > " : "");
    check_blog_fields(c->blog, row_of(M_BLOG, c->blog_id));
    check_blog_with(c->blog, w->how & CH_AUTHOR, w->how & CH_EDITOR);
    CHECK(!c->blog->rel, "a with_ blog has a rel");
    ctx_pop(was);
}

/* Checks object obj of the main query against mirror row r. */
static void check_row(const void *obj, int r)
{
    if (Q.model == M_BLOG)
        check_blog(&Q, obj, r);
    else if (Q.model == M_COMMENT)
        check_comment(&Q, obj, r);
    else
        check_author(&Q, obj, r);
}

/* Fetches q, checks ids, rows (children included) and the statement
 * count. */
static void check_fetch(const ormc_query *q, const int *want, int nwant)
{
    const ormc_model *m = MODELS[Q.model].desc;
    int64_t got[MAXROWS];
    long ngot = 0;
    ormc_list l = {0};
    int rc;
    ormc_reset_counts(DB);
    if (Q.model == M_BLOG) { /* through the typed wrappers */
        BlogList tl;
        rc = blog_fetch(DB, (const BlogQuery *)q, &tl);
        l = (ormc_list){tl.items, tl.count, tl.owner};
    } else if (Q.model == M_COMMENT) {
        CommentList tl;
        rc = comment_fetch(DB, (const CommentQuery *)q, &tl);
        l = (ormc_list){tl.items, tl.count, tl.owner};
    } else {
        AuthorList tl;
        rc = author_fetch(DB, (const AuthorQuery *)q, &tl);
        l = (ormc_list){tl.items, tl.count, tl.owner};
    }
    if (rc != ORMC_OK)
        fail("fetch failed", NULL, 0, want, nwant);
    uint64_t stmts = ormc_query_count(DB);
    const char *items = l.items;
    for (size_t i = 0; i < l.count && i < MAXROWS; i++)
        got[ngot++] = *(const int64_t *)(items + i * m->size);
    if (l.count > MAXROWS)
        ngot = -1;
    bool same = ngot == nwant;
    for (long i = 0; same && i < ngot; i++)
        same = got[i] == T[Q.model].v[want[i]][0].i;
    if (!same)
        fail("fetch: rows differ", got, ngot, want, nwant);
    for (long i = 0; i < ngot; i++) {
        size_t was = ctx_push("row [%ld]", i);
        check_row(items + i * m->size, want[i]);
        ctx_pop(was);
    }
    ormc_result_free(l.owner);
    if (stmts != statements(&Q))
        fail("fetch: statement count is not 1 (+1 per prefetch at every "
             "level)",
             got, ngot, want, nwant);
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
    ormc_reset_counts(DB);
    rc = ormc_first(DB, m, q, &obj);
    int64_t id = obj ? *(const int64_t *)obj : 0;
    if (nwant ? rc != ORMC_OK || id != T[Q.model].v[want[0]][0].i
              : rc != ORMC_NOT_FOUND || obj) {
        int64_t got[1] = {id};
        fail("first differs", got, obj != NULL, want, nwant);
    }
    if (obj) {
        size_t was = ctx_push("first");
        check_row(obj, want[0]);
        ctx_pop(was);
        int64_t got[1] = {id};
        if (ormc_query_count(DB) != statements(&Q))
            fail("first: statement count is not 1 (+1 per prefetch at "
                 "every level)",
                 got, 1, want, nwant);
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
    ctx_pop(0);
    decode(data, size);
    if (getenv("ORMC_FUZZ_DUMP")) { /* what an input decodes to */
        describe();
        fprintf(stderr, "%.*s", (int)dlen, dump);
    }
    build(&Q);
    const ormc_query *q = &RQ[0].q;
    if (any_misuse(&Q)) {
        check_refused(q);
    } else {
        int want[MAXROWS];
        int nwant = evaluate(want);
        check_fetch(q, want, nwant);
        check_others(q, want, nwant);
    }
    unbuild();
    return 0;
}
