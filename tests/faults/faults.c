/*
 * faults.c — fault-injection driver for the ormc runtime (`make faults`).
 *
 * For each scenario (an operation of the generated API on a seeded database)
 * and each fault kind, runs the scenario with the fault at call k = 1, 2, 3,
 * ... of that kind, one fault per run, until a run completes without
 * reaching call k.  Kinds:
 *
 *   runtime malloc  the runtime's allocator (ormc_set_allocator) returns NULL
 *   sqlite malloc   SQLite's allocator (SQLITE_CONFIG_MALLOC) returns NULL
 *   exec            backend exec (BEGIN/COMMIT/SAVEPOINT/RELEASE, DDL) fails
 *   prepare         backend prepare fails
 *   bind            any backend bind_* fails (bind_text_copy and
 *                   bind_array included)
 *   step            backend step fails
 *   column          backend column_text or column_name returns NULL, as
 *                   sqlite3_column_text/_name do when they run out of
 *                   memory (a generated reader's text read: ORMC_NOMEM)
 *
 * Every injected run must: return a status that is not ORMC_OK with a
 * message naming the operation (or ORMC_OK with exactly the result of the
 * fault-free run, when the fault was absorbed); leave the database content
 * byte-for-byte as it was before a failed write (every table, dumped through
 * SQLite directly); leave no transaction open (unless the scenario opened
 * one itself); leave the connection usable (a follow-up insert succeeds);
 * and leak nothing (the runtime's and SQLite's outstanding allocations
 * return to their baseline after close; ASan/LSan and valgrind check the
 * rest).  Prints per scenario and kind the fault points injected and the
 * runs that passed, then "N passed, N failed".
 */
#include "blog.orm.h"
#include "types.orm.h"

#include "ormc.h"
#include "ormc_backend.h"

#include <sqlite3.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fault plan ---- */

enum {
    F_RMALLOC,
    F_SMALLOC,
    F_EXEC,
    F_PREPARE,
    F_BIND,
    F_STEP,
    F_COLUMN,
    NKINDS
};
static const char *const KIND_NAME[NKINDS] = {
    "runtime malloc", "sqlite malloc", "exec", "prepare", "bind", "step",
    "column"};

static struct {
    int kind;              /* armed kind, or -1 */
    unsigned long at;      /* the call (from 1) that fails */
    unsigned long calls;   /* calls of the armed kind since arming */
    bool hit;              /* call `at` was reached */
    bool fired;            /* the last backend call was an injected failure */
} fault = {-1, 0, 0, false, false};

static void fault_arm(int kind, unsigned long at)
{
    fault.kind = kind;
    fault.at = at;
    fault.calls = 0;
    fault.hit = false;
    fault.fired = false;
}

static void fault_disarm(void) { fault.kind = -1; }

/* True when this call of `kind` is the one to fail. */
static bool fault_here(int kind)
{
    if (fault.kind != kind || ++fault.calls != fault.at)
        return false;
    fault.hit = true;
    return true;
}

/* ---- the runtime's allocator: counted, fault-injectable ---- */

static long rt_live; /* blocks allocated and not yet freed */

static void *rt_malloc(size_t n)
{
    if (fault_here(F_RMALLOC))
        return NULL;
    void *p = malloc(n);
    if (p)
        rt_live++;
    return p;
}

static void *rt_realloc(void *p, size_t n)
{
    if (fault_here(F_RMALLOC))
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        rt_live++;
    return q;
}

static void rt_free(void *p)
{
    free(p);
    rt_live--;
}

/* ---- SQLite's allocator: the default one, fault-injectable ---- */

static sqlite3_mem_methods sq_mem;

static void *sq_malloc(int n)
{
    return fault_here(F_SMALLOC) ? NULL : sq_mem.xMalloc(n);
}

static void *sq_realloc(void *p, int n)
{
    return fault_here(F_SMALLOC) ? NULL : sq_mem.xRealloc(p, n);
}

static int sqlite_faults_install(void)
{
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sq_mem) != SQLITE_OK)
        return -1;
    sqlite3_mem_methods m = sq_mem;
    m.xMalloc = sq_malloc;
    m.xRealloc = sq_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1) != SQLITE_OK)
        return -1;
    return sqlite3_initialize() == SQLITE_OK ? 0 : -1;
}

/* ---- spy backend: SQLite's, with injectable failures ---- */

static ormc_backend spy;
static sqlite3 *spy_conn; /* the connection of the open ormc_db */

#define INJECT(kind, ret)                                                    \
    do {                                                                     \
        if (fault_here(kind)) {                                              \
            fault.fired = true;                                              \
            return ret;                                                      \
        }                                                                    \
        fault.fired = false;                                                 \
    } while (0)

static int spy_open_conn(const char *path, void **conn)
{
    int rc = ormc_sqlite_backend.open(path, conn);
    spy_conn = *conn;
    return rc;
}

static bool debug; /* FAULTS_DEBUG set: trace exec calls while armed */
static bool print_results; /* FAULTS_PRINT set: print fault-free results */

static int spy_exec(void *conn, const char *sql)
{
    INJECT(F_EXEC, ORMC_ERROR);
    unsigned long before = fault.calls;
    int rc = ormc_sqlite_backend.exec(conn, sql);
    if (debug && fault.kind >= 0)
        fprintf(stderr,
                "  exec %s -> %s (calls %lu..%lu, hit %d, autocommit %d)\n",
                sql, ormc_status_name(rc), before, fault.calls, fault.hit,
                sqlite3_get_autocommit(conn));
    return rc;
}

static int spy_prepare(void *conn, const char *sql, size_t len, void **stmt)
{
    *stmt = NULL;
    INJECT(F_PREPARE, ORMC_ERROR);
    return ormc_sqlite_backend.prepare(conn, sql, len, stmt);
}

static int spy_bind_null(void *stmt, int idx)
{
    INJECT(F_BIND, ORMC_ERROR);
    return ormc_sqlite_backend.bind_null(stmt, idx);
}

static int spy_bind_int(void *stmt, int idx, int64_t v)
{
    INJECT(F_BIND, ORMC_ERROR);
    return ormc_sqlite_backend.bind_int(stmt, idx, v);
}

static int spy_bind_real(void *stmt, int idx, double v)
{
    INJECT(F_BIND, ORMC_ERROR);
    return ormc_sqlite_backend.bind_real(stmt, idx, v);
}

static int spy_bind_text(void *stmt, int idx, const char *v, size_t n)
{
    INJECT(F_BIND, ORMC_ERROR);
    return ormc_sqlite_backend.bind_text(stmt, idx, v, n);
}

static int spy_bind_blob(void *stmt, int idx, const void *v, size_t n)
{
    INJECT(F_BIND, ORMC_ERROR);
    return ormc_sqlite_backend.bind_blob(stmt, idx, v, n);
}

static int spy_bind_text_copy(void *stmt, int idx, const char *v, size_t n)
{
    INJECT(F_BIND, ORMC_ERROR);
    return ormc_sqlite_backend.bind_text_copy(stmt, idx, v, n);
}

static int spy_bind_array(void *stmt, int idx, int type, const void *v,
                          size_t n)
{
    INJECT(F_BIND, ORMC_ERROR);
    return ormc_sqlite_backend.bind_array(stmt, idx, type, v, n);
}

static int spy_step(void *stmt)
{
    INJECT(F_STEP, ORMC_ERROR);
    return ormc_sqlite_backend.step(stmt);
}

static const char *spy_column_text(void *stmt, int col, size_t *n)
{
    if (fault_here(F_COLUMN)) {
        *n = 0;
        return NULL;
    }
    return ormc_sqlite_backend.column_text(stmt, col, n);
}

/* A generated row reader's text read (ormc_cols.text), failing as
 * spy_column_text does. */
static int spy_read_text(void *stmt, int col, ormc_result *res,
                         const char **out)
{
    if (fault_here(F_COLUMN)) {
        *out = NULL;
        return ORMC_NOMEM;
    }
    return ormc_sqlite_backend.cols->text(stmt, col, res, out);
}

static ormc_cols spy_cols;
/* A generated binder's binds (ormc_binds): the spy's, so that the bind
 * faults reach it. */
static const ormc_binds spy_binds = {spy_bind_null, spy_bind_int,
                                     spy_bind_real, spy_bind_text,
                                     spy_bind_blob};

static const char *spy_column_name(void *stmt, int col)
{
    if (fault_here(F_COLUMN))
        return NULL;
    return ormc_sqlite_backend.column_name(stmt, col);
}

static const char *spy_errmsg(void *conn)
{
    return fault.fired ? "injected fault" : ormc_sqlite_backend.errmsg(conn);
}

static int spy_open(const char *path, ormc_db **out)
{
    spy = ormc_sqlite_backend;
    spy.name = "spy";
    spy.open = spy_open_conn;
    spy.exec = spy_exec;
    spy.prepare = spy_prepare;
    spy.bind_null = spy_bind_null;
    spy.bind_int = spy_bind_int;
    spy.bind_real = spy_bind_real;
    spy.bind_text = spy_bind_text;
    spy.bind_blob = spy_bind_blob;
    spy.bind_text_copy = spy_bind_text_copy;
    spy.bind_array = spy_bind_array;
    spy.step = spy_step;
    spy.column_text = spy_column_text;
    /* rows of a generated model read by its reader through spy_cols, and
     * any other column by column through spy_column_text, not the
     * backend's own loop, so the column faults reach them */
    spy_cols = *ormc_sqlite_backend.cols;
    spy_cols.text = spy_read_text;
    spy.cols = &spy_cols;
    spy.binds = &spy_binds;
    spy.read_fields = NULL;
    spy.column_name = spy_column_name;
    spy.errmsg = spy_errmsg;
    spy_conn = NULL;
    return ormc_open_backend(path, &spy, out);
}

/* ---- growable text, for dumps and rendered results ---- */

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void tx_printf(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s)
            abort();
        t->s = s;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static void tx_clear(text *t)
{
    t->len = 0;
    if (t->s)
        t->s[0] = '\0';
}

static const char *tx_str(const text *t) { return t->s ? t->s : ""; }

static void tx_free(text *t)
{
    free(t->s);
    memset(t, 0, sizeof *t);
}

/* ---- database dump: the schema and every row of every table ---- */

static void dump_value(text *t, sqlite3_stmt *st, int c)
{
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_NULL: tx_printf(t, "NULL"); break;
    case SQLITE_INTEGER:
        tx_printf(t, "i%lld", (long long)sqlite3_column_int64(st, c));
        break;
    case SQLITE_FLOAT:
        tx_printf(t, "r%.17g", sqlite3_column_double(st, c));
        break;
    case SQLITE_TEXT:
        tx_printf(t, "'%s'", (const char *)sqlite3_column_text(st, c));
        break;
    default: {
        const unsigned char *b = sqlite3_column_blob(st, c);
        int n = sqlite3_column_bytes(st, c);
        tx_printf(t, "x'");
        for (int i = 0; i < n; i++)
            tx_printf(t, "%02x", b[i]);
        tx_printf(t, "'");
    }
    }
}

/* Appends every row of `sql` to t; false if SQLite failed. */
static bool dump_query(text *t, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(spy_conn, sql, -1, &st, NULL) != SQLITE_OK) {
        tx_printf(t, "<dump failed: %s>", sqlite3_errmsg(spy_conn));
        sqlite3_finalize(st);
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            tx_printf(t, c ? "|" : "  ");
            dump_value(t, st, c);
        }
        tx_printf(t, "\n");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        tx_printf(t, "<dump failed: %s>", sqlite3_errmsg(spy_conn));
    return rc == SQLITE_DONE;
}

/* The whole database as text (faults must be disarmed). */
static void dump_db(text *t)
{
    tx_clear(t);
    if (!spy_conn) {
        tx_printf(t, "<no connection>");
        return;
    }
    tx_printf(t, "schema:\n");
    dump_query(t, "SELECT type, name, tbl_name, sql FROM sqlite_master "
                  "ORDER BY name");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(spy_conn,
                           "SELECT name FROM sqlite_master WHERE type = "
                           "'table' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK) {
        tx_printf(t, "<dump failed>");
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", name);
        tx_printf(t, "%s:\n", name);
        dump_query(t, sql);
    }
    sqlite3_finalize(st);
}

/* ---- scenarios ---- */

typedef struct run_ctx {
    ormc_db *db;
    text out;         /* the rendered result of a successful run */
    char errmsg[600]; /* the failing call's message, kept before cleanup */
    int errcode;
    bool open_failed; /* ormc_open failed: the connection is only for errmsg */
} run_ctx;

typedef struct scenario {
    const char *name;
    bool opens;                  /* run() opens the connection itself */
    bool write;                  /* a successful run changes the database */
    void (*extra)(ormc_db *db);  /* runs after seed(), no faults armed */
    int (*run)(run_ctx *c);      /* the operation under faults */
    const char *ops[10];         /* allowed prefixes of the error message */
    bool in_tx;                  /* leaves its own transaction open */
    const char *expect;          /* the exact result of a fault-free run */
    const char *check_sql;       /* a query over the database after it, */
    const char *check_expect;    /* and its exact rows (dump format) */
} scenario;

static int check_failures; /* failures of the harness setup itself */

static void must(ormc_db *db, int rc, const char *what)
{
    if (rc != ORMC_OK) {
        fprintf(stderr, "setup: %s: %s: %s\n", what, ormc_status_name(rc),
                ormc_errmsg(db));
        check_failures++;
    }
}

static void keep_error(run_ctx *c, int rc)
{
    c->errcode = rc;
    snprintf(c->errmsg, sizeof c->errmsg, "%s",
             c->db ? ormc_errmsg(c->db) : ormc_errmsg(NULL));
}

static int64_t seed_author(ormc_db *db, const char *name, const char *email)
{
    Author a;
    author_init(&a);
    a.name = name;
    a.email = email;
    must(db, author_insert(db, &a), "author_insert");
    return a.id;
}

static int64_t seed_blog(ormc_db *db, const char *title, int64_t author,
                         int64_t editor, int64_t created, double rating)
{
    Blog b;
    blog_init(&b);
    b.title = title;
    b.author_id = author;
    b.editor_id = editor;
    b.editor_null = editor == 0;
    b.created = created;
    b.rating_null = rating < 0;
    b.rating = b.rating_null ? 0 : rating; /* NULL: the value stays 0 */
    must(db, blog_insert(db, &b), "blog_insert");
    return b.id;
}

static void seed_comment(ormc_db *db, int64_t blog, const char *content,
                         int64_t score)
{
    Comment c;
    comment_init(&c);
    c.blog_id = blog;
    c.content = content;
    c.score = score;
    must(db, comment_insert(db, &c), "comment_insert");
}

static const unsigned char BYTES[] = {0, 1, 2, 0xfe, 0xff, 0, 'x'};

/* Both schemas, two authors, three blogs, three comments, a book, an item. */
static void seed(ormc_db *db)
{
    must(db, blog_schema_create(db), "blog_schema_create");
    must(db, types_schema_create(db), "types_schema_create");
    int64_t ann = seed_author(db, "Ann", "ann@example.org");
    int64_t bob = seed_author(db, "Bob", "bob@example.org");
    int64_t b1 = seed_blog(db, "First", ann, bob, 1000, 4.5);
    seed_blog(db, "Second", ann, 0, 2000, -1);
    int64_t b3 = seed_blog(db, "Third", bob, ann, 3000, 3.0);
    seed_comment(db, b1, "nice", 3);
    seed_comment(db, b1, "meh", 1);
    seed_comment(db, b3, "wow", 5);
    Book k;
    book_init(&k);
    k.title = "Book A";
    k.author_id = ann;
    k.price = 9.5;
    k.pages = 100;
    must(db, book_insert(db, &k), "book_insert");
    Item it;
    item_init(&it);
    it.t = "first item";
    it.code = "abc";
    it.nt = ""; /* an empty text is not NULL, and not out of memory */
    it.data.data = BYTES;
    it.data.size = sizeof BYTES;
    must(db, item_insert(db, &it), "item_insert");
}

static void render_author(text *t, const Author *a)
{
    if (!a) {
        tx_printf(t, "-");
        return;
    }
    tx_printf(t, "Author(%lld, %s, %s)", (long long)a->id, a->name, a->email);
}

static void render_blog(text *t, const Blog *b)
{
    tx_printf(t, "Blog %lld '%s' author=%lld ", (long long)b->id, b->title,
              (long long)b->author_id);
    render_author(t, b->author);
    if (b->editor_null)
        tx_printf(t, " editor=NULL ");
    else
        tx_printf(t, " editor=%lld ", (long long)b->editor_id);
    render_author(t, b->editor);
    tx_printf(t, " created=%lld", (long long)b->created);
    if (b->rating_null)
        tx_printf(t, " rating=NULL");
    else
        tx_printf(t, " rating=%.17g", b->rating);
    if (!b->rel) { /* no prefetch or count asked for */
        tx_printf(t, " rel=NULL\n");
        return;
    }
    tx_printf(t, " ncomments=%lld comments=[", (long long)b->rel->comments_count);
    for (size_t i = 0; i < b->rel->comments.count; i++) {
        const Comment *c = b->rel->comments.items[i];
        tx_printf(t, "%s(%lld, blog %lld, '%s', %lld)", i ? ", " : "",
                  (long long)c->id, (long long)c->blog_id, c->content,
                  (long long)c->score);
    }
    tx_printf(t, "]\n");
}

/* Renders the list a call (`what`) returned with status rc and frees it;
 * an error must have left the list empty. */
static int render_list(run_ctx *c, int rc, BlogList *l, const char *what)
{
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (l->items || l->count || l->owner)
            tx_printf(&c->out, "<failed %s left a non-empty list>", what);
        return rc;
    }
    tx_printf(&c->out, "%zu blogs\n", l->count);
    for (size_t i = 0; i < l->count; i++)
        render_blog(&c->out, &l->items[i]);
    blog_list_free(l);
    return rc;
}

/* Fetches with q and renders the list; an error leaves out empty. */
static int fetch_render(run_ctx *c, const BlogQuery *q)
{
    BlogList l;
    memset(&l, 0xa5, sizeof l);
    return render_list(c, blog_fetch(c->db, q, &l), &l, "fetch");
}

/* open + schema create */
static int run_open_schema(run_ctx *c)
{
    int rc = spy_open(":memory:", &c->db);
    c->open_failed = rc != ORMC_OK;
    if (rc == ORMC_OK)
        rc = blog_schema_create(c->db);
    if (rc != ORMC_OK)
        keep_error(c, rc);
    return rc;
}

/* schema check of both schemas (reads only): a fault is reported as the
 * check's error, never as a difference the database does not have */
static int run_schema_check(run_ctx *c)
{
    int rc = blog_schema_check(c->db);
    if (rc == ORMC_OK)
        rc = types_schema_check(c->db);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        return rc;
    }
    tx_printf(&c->out, "both match");
    return rc;
}

static int run_insert(run_ctx *c)
{
    Author a;
    author_init(&a);
    a.name = "Cid";
    a.email = "cid@example.org";
    int rc = author_insert(c->db, &a);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (a.id != 0)
            tx_printf(&c->out, "<failed insert set id %lld>", (long long)a.id);
        return rc;
    }
    tx_printf(&c->out, "id %lld", (long long)a.id);
    return rc;
}

static int run_insert_blob(run_ctx *c)
{
    static const unsigned char more[] = {'\0', 'a', 0x80, 'b'};
    Item it;
    item_init(&it);
    it.i = -5;
    it.r = 0.25;
    it.flag = true;
    it.t = "tëxt";
    it.code = "12345";
    it.data.data = more;
    it.data.size = sizeof more;
    it.at = 86400;
    it.ni = 7;
    it.ni_null = false;
    it.nt = "nullable";
    it.ndata.data = "";
    it.ndata.size = 0;
    int rc = item_insert(c->db, &it);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        return rc;
    }
    tx_printf(&c->out, "id %lld", (long long)it.id);
    return rc;
}

static int run_update(run_ctx *c)
{
    Blog b;
    blog_init(&b);
    b.id = 2;
    b.title = "Second, edited";
    b.author_id = 2;
    b.editor_id = 1;
    b.editor_null = false;
    b.created = 2500;
    b.rating = 1.25;
    b.rating_null = false;
    int rc = blog_update(c->db, &b);
    if (rc != ORMC_OK)
        keep_error(c, rc);
    return rc;
}

/* Ann: her blogs 1 and 2 and their comments go (cascade), her book goes,
 * and blog 3 loses its editor (set null). */
static int run_delete_cascade(run_ctx *c)
{
    int rc = author_delete(c->db, 1);
    if (rc != ORMC_OK)
        keep_error(c, rc);
    return rc;
}

static int run_get(run_ctx *c)
{
    Blog *b = (Blog *)&c->out; /* must be reset to NULL on failure */
    int rc = blog_get(c->db, 1, &b);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (b)
            tx_printf(&c->out, "<failed get left *out set>");
        return rc;
    }
    render_blog(&c->out, b);
    blog_free(b);
    Item *it = NULL;
    rc = item_get(c->db, 1, &it);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        tx_clear(&c->out);
        return rc;
    }
    tx_printf(&c->out, "Item %lld '%s' '%s' %zu bytes:", (long long)it->id,
              it->t, it->code, it->data.size);
    for (size_t i = 0; i < it->data.size; i++)
        tx_printf(&c->out, " %02x", ((const unsigned char *)it->data.data)[i]);
    if (it->nt)
        tx_printf(&c->out, " nt='%s'", it->nt);
    else
        tx_printf(&c->out, " nt=NULL");
    tx_printf(&c->out, " ndata=%s\n", it->ndata.data ? "set" : "NULL");
    item_free(it);
    return rc;
}

static int run_fetch_with(run_ctx *c)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_with_author(&q);
    blog_with_editor(&q);
    blog_where_created(&q, ORMC_GE, 1000);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    return fetch_render(c, &q);
}

static int run_fetch_prefetch(run_ctx *c)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_with_author(&q);
    blog_prefetch_comments(&q);
    blog_limit(&q, 10);
    return fetch_render(c, &q);
}

/* authors -> their blogs with the editor and a count, newest first ->
 * each blog's best comment: 3 statements, the last binding the blogs'
 * ids as one array. */
static int run_fetch_nested(run_ctx *c)
{
    CommentQuery cq;
    comment_query_init(&cq);
    comment_order_by(&cq, COMMENT_SCORE.path, ORMC_DESC);
    comment_limit(&cq, 1);
    BlogQuery bq;
    blog_query_init(&bq);
    blog_with_editor(&bq);
    blog_count_comments(&bq);
    blog_order_by(&bq, BLOG_CREATED.path, ORMC_DESC);
    blog_prefetch_comments_from(&bq, &cq);
    AuthorQuery q;
    author_query_init(&q);
    author_where_name(&q, ORMC_NE, "Nobody");
    author_prefetch_blogs_from(&q, &bq);
    AuthorList l;
    memset(&l, 0xa5, sizeof l);
    int rc = author_fetch(c->db, &q, &l);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (l.items || l.count || l.owner)
            tx_printf(&c->out, "<failed fetch left a non-empty list>");
        return rc;
    }
    for (size_t i = 0; i < l.count; i++) {
        const Author *a = &l.items[i];
        render_author(&c->out, a);
        tx_printf(&c->out, ": %zu blogs\n", a->rel->blogs.count);
        for (size_t j = 0; j < a->rel->blogs.count; j++)
            render_blog(&c->out, a->rel->blogs.items[j]);
    }
    author_list_free(&l);
    return rc;
}

static int run_count_annotate(run_ctx *c)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_count_comments(&q);
    blog_where_title_in(&q, (const char *const[]){"First", "Third"}, 2);
    return fetch_render(c, &q);
}

/* Annotations over relation paths: each author's comments over all its
 * blogs (count, sum, max of the score) and the average rating of the
 * blogs it edits, one statement. */
static int run_path_annotations(run_ctx *c)
{
    AuthorQuery q;
    author_query_init(&q);
    AuthorIntPath score =
        author_via_blogs_int(blog_via_comments_int(COMMENT_SCORE));
    author_annotate(&q, ORMC_COUNT,
                    author_via_blogs_int(blog_via_comments_int(COMMENT_ID))
                        .path);
    author_annotate(&q, ORMC_SUM, score.path);
    author_annotate(&q, ORMC_MAX, score.path);
    author_annotate(&q, ORMC_AVG,
                    author_via_edited_blogs_real(BLOG_RATING).path);
    AuthorList l;
    memset(&l, 0xa5, sizeof l);
    int rc = author_fetch(c->db, &q, &l);
    author_query_free(&q);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (l.items || l.count || l.owner)
            tx_printf(&c->out, "<failed fetch left a non-empty list>");
        return rc;
    }
    for (size_t i = 0; i < l.count; i++) {
        const ormc_annot *v = author_annotations(&l.items[i]);
        render_author(&c->out, &l.items[i]);
        tx_printf(&c->out, ": %lld comments, sum %lld, max %lld, avg %.17g\n",
                  (long long)v[0].i, (long long)v[1].i, (long long)v[2].i,
                  v[3].r);
    }
    author_list_free(&l);
    return rc;
}

/* Tags for the many-to-many scenario: x on blog 1, y on blogs 1 and 3. */
static void seed_tags(ormc_db *db)
{
    int64_t id[2];
    const char *names[2] = {"x", "y"};
    for (int i = 0; i < 2; i++) {
        Tag t;
        tag_init(&t);
        t.name = names[i];
        must(db, tag_insert(db, &t), "tag_insert");
        id[i] = t.id;
    }
    must(db, blog_add_tags(db, 1, id, 2), "blog_add_tags");
    must(db, blog_add_tags(db, 3, id + 1, 1), "blog_add_tags");
}

/* Every blog with its tags (a tag shared by two blogs is one object). */
static int run_m2m_prefetch(run_ctx *c)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_prefetch_tags(&q);
    BlogList l;
    memset(&l, 0xa5, sizeof l);
    int rc = blog_fetch(c->db, &q, &l);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (l.items || l.count || l.owner)
            tx_printf(&c->out, "<failed fetch left a non-empty list>");
        return rc;
    }
    for (size_t i = 0; i < l.count; i++) {
        const Blog *b = &l.items[i];
        tx_printf(&c->out, "Blog %lld tags=[", (long long)b->id);
        for (size_t k = 0; k < b->rel->tags.count; k++)
            tx_printf(&c->out, "%s(%lld, %s)", k ? ", " : "",
                      (long long)b->rel->tags.items[k]->id,
                      b->rel->tags.items[k]->name);
        tx_printf(&c->out, "]\n");
    }
    if (l.count == 3 && l.items[0].rel->tags.items[1] !=
                            l.items[2].rel->tags.items[0])
        tx_printf(&c->out, "<tag y is two objects>\n");
    blog_list_free(&l);
    return rc;
}

static int run_aggregates(run_ctx *c)
{
    int64_t n = -1;
    int rc = blog_count(c->db, NULL, &n);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (n != 0)
            tx_printf(&c->out, "<failed count left %lld>", (long long)n);
        return rc;
    }
    tx_printf(&c->out, "count %lld\n", (long long)n);
    ormc_int_stats is;
    rc = blog_aggregate_created(c->db, NULL, &is);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        tx_clear(&c->out);
        return rc;
    }
    tx_printf(&c->out, "created %lld %d %lld %.17g %lld %lld\n",
              (long long)is.count, is.is_null, (long long)is.sum, is.avg,
              (long long)is.min, (long long)is.max);
    ormc_real_stats rs;
    BlogQuery q;
    blog_query_init(&q);
    blog_where_author_id(&q, ORMC_EQ, 1);
    rc = blog_aggregate_rating(c->db, &q, &rs);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        tx_clear(&c->out);
        return rc;
    }
    tx_printf(&c->out, "rating %lld %d %.17g %.17g %.17g %.17g\n",
              (long long)rs.count, rs.is_null, rs.sum, rs.avg, rs.min, rs.max);
    return rc;
}

/* A multi-row write in an explicit transaction: on any failure the
 * application rolls back, and nothing of it may remain. */
static int tx_body(run_ctx *c)
{
    int rc = ormc_begin(c->db);
    if (rc != ORMC_OK)
        return rc;
    Author a;
    author_init(&a);
    a.name = "Dee";
    a.email = "dee@example.org";
    if ((rc = author_insert(c->db, &a)) != ORMC_OK)
        return rc;
    for (int i = 0; i < 3; i++) {
        Blog b;
        blog_init(&b);
        b.title = i == 0 ? "Dee 1" : i == 1 ? "Dee 2" : "Dee 3";
        b.author_id = a.id;
        b.created = 5000 + i;
        if ((rc = blog_insert(c->db, &b)) != ORMC_OK)
            return rc;
        Comment k;
        comment_init(&k);
        k.blog_id = b.id;
        k.content = "first!";
        if ((rc = comment_insert(c->db, &k)) != ORMC_OK)
            return rc;
    }
    Blog *b = NULL;
    if ((rc = blog_get(c->db, 3, &b)) != ORMC_OK)
        return rc;
    b->title = "Third, moved to Dee";
    b->author_id = a.id;
    rc = blog_update(c->db, b);
    blog_free(b);
    if (rc != ORMC_OK)
        return rc;
    if ((rc = author_delete(c->db, 2)) != ORMC_OK) /* Bob: cascades */
        return rc;
    return ormc_commit(c->db);
}

static int run_transaction(run_ctx *c)
{
    int rc = tx_body(c);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (ormc_in_transaction(c->db) && ormc_rollback(c->db) != ORMC_OK) {
            snprintf(c->errmsg, sizeof c->errmsg, "rollback failed: %s",
                     ormc_errmsg(c->db));
        }
    }
    return rc;
}

/* Inside the caller's transaction a failed statement is undone and the
 * transaction stays open (unless SQLite ended it itself). */
static void begin_eve(ormc_db *db)
{
    must(db, ormc_begin(db), "begin");
    seed_author(db, "Eve", "eve@example.org");
}

static int run_in_tx(run_ctx *c)
{
    int rc = run_insert(c);
    if (rc == ORMC_OK && ormc_begin(c->db) != ORMC_ERROR) {
        tx_printf(&c->out, "<nested begin was not refused>");
    } else if (rc == ORMC_OK) {
        tx_printf(&c->out, " nested: %s", ormc_errmsg(c->db));
    }
    return rc;
}

/* Bulk insert, all or nothing: three authors, one with text to bind. */
static int run_insert_many(run_ctx *c)
{
    Author a[3];
    const char *names[3] = {"Fay", "Gus", "Hal"};
    const char *emails[3] = {"fay@example.org", "gus@example.org",
                             "hal@example.org"};
    for (int i = 0; i < 3; i++) {
        author_init(&a[i]);
        a[i].name = names[i];
        a[i].email = emails[i];
        a[i].id = 99; /* as an earlier call may leave it: cleared on error */
    }
    int rc = author_insert_many(c->db, a, 3);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (a[0].id || a[1].id || a[2].id)
            tx_printf(&c->out, "<failed insert_many left ids %lld %lld %lld>",
                      (long long)a[0].id, (long long)a[1].id,
                      (long long)a[2].id);
        return rc;
    }
    tx_printf(&c->out, "ids %lld %lld %lld", (long long)a[0].id,
              (long long)a[1].id, (long long)a[2].id);
    return rc;
}

/* Raw SQL: a write with typed parameters (text, int, real, NULL). */
static int run_raw_exec(run_ctx *c)
{
    ormc_value p[] = {ormc_text("Raw \xc3\xa9" "dit"), ormc_real(0.5),
                      ormc_null(), ormc_int(1)};
    int64_t changes = -1;
    int rc = ormc_raw_exec(c->db,
                           "UPDATE blog SET title = title || ': ' || ?, "
                           "rating = ?, editor_id = ? WHERE author_id = ?",
                           p, 4, &changes);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (changes != 0)
            tx_printf(&c->out, "<failed raw_exec left changes %lld>",
                      (long long)changes);
        return rc;
    }
    tx_printf(&c->out, "changes %lld", (long long)changes);
    return rc;
}

/* Renders every column of a row by name: text (ints converted), blobs in
 * hex.  A NULL it was not promised (out of memory) shows as "?". */
static int render_raw_row(void *ctx, const ormc_row *row)
{
    text *t = ctx;
    for (int i = 0; i < ormc_row_count(row); i++) {
        const char *name = ormc_row_name(row, i);
        tx_printf(t, "%s%s=", i ? " " : "", name ? name : "?");
        if (ormc_row_is_null(row, i)) {
            tx_printf(t, "NULL");
        } else if (name && strcmp(name, "data") == 0) {
            ormc_blob b = ormc_row_blob(row, i);
            for (size_t k = 0; k < b.size; k++)
                tx_printf(t, "%02x", ((const unsigned char *)b.data)[k]);
        } else {
            size_t n = 0;
            const char *s = ormc_row_text(row, i, &n);
            tx_printf(t, "'%.*s'", (int)n, s ? s : "?");
        }
    }
    tx_printf(t, "\n");
    return 0;
}

/* Raw SQL: a grouped join read row by row, then an item's blob. */
static int run_raw_query(run_ctx *c)
{
    int rc = ormc_raw_query(
        c->db,
        "SELECT a.name AS author, count(b.id) AS blogs, "
        "group_concat(b.title, ', ') AS titles, max(b.rating) AS best "
        "FROM author a LEFT JOIN blog b ON b.author_id = a.id "
        "AND b.created >= ? GROUP BY a.id ORDER BY a.id",
        (ormc_value[]){ormc_int(1000)}, 1, render_raw_row, &c->out);
    if (rc == ORMC_OK)
        rc = ormc_raw_query(c->db,
                            "SELECT id, data, nt FROM item WHERE data = ?",
                            (ormc_value[]){ormc_blob_v(BYTES, sizeof BYTES)},
                            1, render_raw_row, &c->out);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        tx_clear(&c->out);
    }
    return rc;
}

/* Raw SQL into the generated struct. */
static int run_raw_fetch(run_ctx *c)
{
    BlogList l;
    memset(&l, 0xa5, sizeof l);
    int rc = ormc_raw_fetch(c->db, &blog_model,
                            "SELECT * FROM blog WHERE title LIKE ? OR "
                            "rating IS NULL ORDER BY created DESC",
                            (ormc_value[]){ormc_text("%ir%")}, 1,
                            (ormc_list *)&l);
    return render_list(c, rc, &l, "raw_fetch");
}

/* ormc_exec: application DDL. */
static int run_exec_ddl(run_ctx *c)
{
    int rc = ormc_exec(c->db, "CREATE TABLE note (id INTEGER PRIMARY KEY, "
                              "body TEXT NOT NULL)");
    if (rc != ORMC_OK)
        keep_error(c, rc);
    return rc;
}

/* ormc_exec: a PRAGMA, whose answer (a row) is discarded. */
static int run_exec_pragma(run_ctx *c)
{
    int rc = ormc_exec(c->db, "PRAGMA user_version = 3");
    if (rc != ORMC_OK)
        keep_error(c, rc);
    return rc;
}

/* ---- query core v2 and the writes over queries ---- */

/* Every lookup kind of the query core at once: a filter through a
 * foreign key, an OR group holding a NOT group (through another foreign
 * key, a LEFT JOIN), a reverse-relation EXISTS, an IN array (bound as one
 * parameter by bind_array), text patterns (bound by bind_text_copy), an
 * order through a relation, with_ and prefetch. */
static int run_fetch_v2(run_ctx *c)
{
    static const int64_t ids[] = {1, 3, 4};
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_EMAIL), ORMC_ENDSWITH,
                     "@example.org");
    blog_or(&q);
    blog_filter_real(&q, BLOG_RATING, ORMC_GE, 4.0);
    blog_not(&q);
    blog_filter_text(&q, blog_via_editor_text(AUTHOR_NAME), ORMC_EQ, "Bob");
    blog_end(&q);
    blog_end(&q);
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GE, 1);
    blog_filter_int_in(&q, BLOG_ID, ORMC_IN, ids, 3);
    blog_filter_text(&q, BLOG_TITLE, ORMC_CONTAINS, "ir");
    blog_order_by(&q, blog_via_author(AUTHOR_NAME.path), ORMC_DESC);
    blog_with_author(&q);
    blog_prefetch_comments(&q);
    int rc = fetch_render(c, &q);
    blog_query_free(&q);
    return rc;
}

/* More terms than ORMC_QUERY_INLINE: the builder moves them to the heap
 * (its runtime mallocs are the first ones counted), and a failed move is
 * reported by the run as ORMC_NOMEM. */
static int run_fetch_spilled(run_ctx *c)
{
    BlogQuery q;
    blog_query_init(&q);
    for (int i = 0; i < ORMC_QUERY_INLINE + 4; i++)
        blog_where_id(&q, ORMC_NE, 100 + i);
    blog_where_created(&q, ORMC_GE, 1000);
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    bool builder_failed = q.q.error != NULL;
    int rc = fetch_render(c, &q);
    if (!q.q.heap && !builder_failed)
        tx_printf(&c->out, "<the query did not spill to the heap>");
    if (builder_failed &&
        (rc != ORMC_NOMEM || strcmp(c->errmsg, "Blog.fetch: out of memory")))
        tx_printf(&c->out, "<builder out of memory reported as %s: '%s'>",
                  ormc_status_name(rc), c->errmsg);
    blog_query_free(&q);
    return rc;
}

/* Reports a write over a query: "<verb> N", or keeps the error. */
static int write_result(run_ctx *c, int rc, const char *verb, int64_t n)
{
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (n != 0)
            tx_printf(&c->out, "<failed %s left %lld>", verb, (long long)n);
        return rc;
    }
    tx_printf(&c->out, "%s %lld", verb, (long long)n);
    return rc;
}

/* Ann's blogs: rating + 0.25 (NULL stays NULL), a new title. */
static int run_update_where(run_ctx *c)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "Ann");
    blog_filter_text(&q, blog_via_author_text(AUTHOR_EMAIL), ORMC_STARTSWITH,
                     "ann@");
    blog_set_add_real(&q, BLOG_RATING, 0.25);
    blog_set_text(&q, BLOG_TITLE, "Ann's, edited");
    int64_t n = -1;
    int rc = blog_update_where(c->db, &q, &n);
    blog_query_free(&q);
    return write_result(c, rc, "changed", n);
}

/* The comments of blog "First": no cascade below a comment. */
static int run_delete_where(run_ctx *c)
{
    CommentQuery q;
    comment_query_init(&q);
    comment_filter_text(&q, comment_via_blog_text(BLOG_TITLE), ORMC_EQ,
                        "First");
    int64_t n = -1;
    int rc = comment_delete_where(c->db, &q, &n);
    comment_query_free(&q);
    return write_result(c, rc, "deleted", n);
}

/* Bob's blogs (blog 3): its comment goes with it (cascade). */
static int run_delete_where_cascade(run_ctx *c)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "Bob");
    int64_t n = -1;
    int rc = blog_delete_where(c->db, &q, &n);
    blog_query_free(&q);
    return write_result(c, rc, "deleted", n);
}

/* Title and rating of blog 3; its other fields (stale here) not written. */
static int run_update_fields(run_ctx *c)
{
    Blog b;
    blog_init(&b);
    b.id = 3;
    b.title = "Third, retitled";
    b.rating = 1.5;
    b.rating_null = false;
    b.author_id = 1; /* not listed: must not be written */
    BlogPath f[] = {BLOG_TITLE.path, BLOG_RATING.path};
    int rc = blog_update_fields(c->db, &b, f, 2);
    if (rc != ORMC_OK)
        keep_error(c, rc);
    return rc;
}

static int upsert(run_ctx *c, const char *name, const char *email)
{
    Author a;
    author_init(&a);
    a.name = name;
    a.email = email;
    int rc = author_upsert_by_email(c->db, &a);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (a.id != 0)
            tx_printf(&c->out, "<failed upsert set id %lld>", (long long)a.id);
        return rc;
    }
    tx_printf(&c->out, "id %lld", (long long)a.id);
    return rc;
}

static int run_upsert_insert(run_ctx *c)
{
    return upsert(c, "Cid", "cid@example.org");
}

static int run_upsert_update(run_ctx *c)
{
    return upsert(c, "Robert", "bob@example.org");
}

static int get_or_create(run_ctx *c, const char *name, const char *email)
{
    Author d;
    author_init(&d);
    d.name = name;
    d.email = email;
    Author *a = (Author *)&c->out; /* must be reset to NULL on failure */
    bool created = true;
    int rc = author_get_or_create_by_email(c->db, &d, &a, &created);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (a || created)
            tx_printf(&c->out, "<failed get_or_create left %s%s>",
                      a ? "*out set" : "", created ? " created" : "");
        return rc;
    }
    tx_printf(&c->out, "created %d ", created);
    render_author(&c->out, a);
    author_free(a);
    return rc;
}

static int run_get_or_create_existing(run_ctx *c)
{
    return get_or_create(c, "Other Ann", "ann@example.org");
}

static int run_get_or_create_created(run_ctx *c)
{
    return get_or_create(c, "Cid", "cid@example.org");
}

/* first, exists, get_where and count, each filtering through a path. */
static int run_one_row_paths(run_ctx *c)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_EQ, "Ann");
    blog_order_by(&q, BLOG_CREATED.path, ORMC_DESC);
    blog_with_author(&q);
    Blog *b = (Blog *)&c->out;
    int rc = blog_first(c->db, &q, &b);
    blog_query_free(&q);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        if (b)
            tx_printf(&c->out, "<failed first left *out set>");
        return rc;
    }
    tx_printf(&c->out, "first: ");
    render_blog(&c->out, b);
    blog_free(b);

    blog_query_init(&q);
    blog_filter_text(&q, blog_via_comments_text(COMMENT_CONTENT),
                     ORMC_CONTAINS, "wo");
    bool yes = true;
    rc = blog_exists(c->db, &q, &yes);
    blog_query_free(&q);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        tx_clear(&c->out);
        if (yes)
            tx_printf(&c->out, "<failed exists left true>");
        return rc;
    }
    tx_printf(&c->out, "exists: %d\n", yes);

    blog_query_init(&q);
    blog_filter_text(&q, blog_via_editor_text(AUTHOR_NAME), ORMC_EQ, "Ann");
    b = (Blog *)&c->out;
    rc = blog_get_where(c->db, &q, &b);
    blog_query_free(&q);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        tx_clear(&c->out);
        if (b)
            tx_printf(&c->out, "<failed get_where left *out set>");
        return rc;
    }
    tx_printf(&c->out, "get_where: ");
    render_blog(&c->out, b);
    blog_free(b);

    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_EMAIL), ORMC_ENDSWITH,
                     "example.org");
    blog_filter_int_in(&q, BLOG_ID, ORMC_NOT_IN, (const int64_t[]){2}, 1);
    int64_t n = -1;
    rc = blog_count(c->db, &q, &n);
    blog_query_free(&q);
    if (rc != ORMC_OK) {
        keep_error(c, rc);
        tx_clear(&c->out);
        if (n != 0)
            tx_printf(&c->out, "<failed count left %lld>", (long long)n);
        return rc;
    }
    tx_printf(&c->out, "count: %lld\n", (long long)n);
    return rc;
}

#define AUTHORS "SELECT * FROM author ORDER BY id"

static const scenario SCENARIOS[] = {
    {.name = "open + schema create", .opens = true, .write = true,
     .run = run_open_schema, .ops = {"open :memory:", "schema blog create"},
     .expect = "",
     .check_sql = "SELECT type, name FROM sqlite_master ORDER BY name",
     .check_expect =
         "  'table'|'author'\n"
         "  'table'|'blog'\n"
         "  'index'|'blog_author_id_created_idx'\n"
         "  'index'|'blog_editor_id_idx'\n"
         "  'table'|'blog_tags'\n"
         "  'index'|'blog_tags_tag_id_blog_id_idx'\n"
         "  'index'|'blog_title_idx'\n"
         "  'table'|'book'\n"
         "  'index'|'book_author_id_idx'\n"
         "  'table'|'comment'\n"
         "  'index'|'comment_blog_id_idx'\n"
         "  'table'|'ormc_meta'\n"
         "  'index'|'sqlite_autoindex_author_1'\n"
         "  'index'|'sqlite_autoindex_ormc_meta_1'\n"
         "  'index'|'sqlite_autoindex_tag_1'\n"
         "  'table'|'sqlite_sequence'\n"
         "  'table'|'tag'\n"},
    {.name = "schema check", .run = run_schema_check,
     .ops = {"schema blog check", "schema types check"},
     .expect = "both match"},
    {.name = "insert", .write = true, .run = run_insert,
     .ops = {"Author.insert"}, .expect = "id 3", .check_sql = AUTHORS,
     .check_expect =
         "  i1|'Ann'|'ann@example.org'\n"
         "  i2|'Bob'|'bob@example.org'\n"
         "  i3|'Cid'|'cid@example.org'\n"},
    {.name = "insert text+blob", .write = true, .run = run_insert_blob,
     .ops = {"Item.insert"}, .expect = "id 2",
     .check_sql = "SELECT id, i, r, flag, t, code, data, at, ni, nr, nflag, "
                  "nt, ncode, ndata, nat FROM item WHERE id = 2",
     .check_expect =
         "  "
         "i2|i-5|r0.25|i1|'tëxt'|'12345'|x'00618062'|i86400|i7|NULL|NULL|'null"
         "able'|NULL|x''|NULL\n"},
    {.name = "update", .write = true, .run = run_update,
     .ops = {"Blog.update"}, .expect = "",
     .check_sql = "SELECT * FROM blog ORDER BY id", .check_expect =
         "  i1|'First'|i1|i2|i1000|r4.5\n"
         "  i2|'Second, edited'|i2|i1|i2500|r1.25\n"
         "  i3|'Third'|i2|i1|i3000|r3\n"},
    {.name = "delete cascade", .write = true, .run = run_delete_cascade,
     .ops = {"Author.delete"}, .expect = "",
     .check_sql = "SELECT 'author', id FROM author UNION ALL "
                  "SELECT 'blog', id || ' editor ' || "
                  "ifnull(editor_id, 'NULL') FROM blog UNION ALL "
                  "SELECT 'comment', id FROM comment UNION ALL "
                  "SELECT 'book', id FROM book",
     .check_expect =
         "  'author'|i2\n"
         "  'blog'|'3 editor NULL'\n"
         "  'comment'|i3\n"},
    {.name = "get", .run = run_get, .ops = {"Blog.get", "Item.get"},
     .expect =
         "Blog 1 'First' author=1 - editor=2 - created=1000 rating=4.5 "
         "rel=NULL\n"
         "Item 1 'first item' 'abc' 7 bytes: 00 01 02 fe ff 00 78 nt='' "
         "ndata=NULL\n"},
    {.name = "fetch with_author+editor", .run = run_fetch_with,
     .ops = {"Blog.fetch"}, .expect =
         "3 blogs\n"
         "Blog 3 'Third' author=2 Author(2, Bob, bob@example.org) editor=1 "
         "Author(1, Ann, ann@example.org) created=3000 rating=3 rel=NULL"
         "\n"
         "Blog 2 'Second' author=1 Author(1, Ann, ann@example.org) "
         "editor=NULL - created=2000 rating=NULL rel=NULL\n"
         "Blog 1 'First' author=1 Author(1, Ann, ann@example.org) editor=2 "
         "Author(2, Bob, bob@example.org) created=1000 rating=4.5 rel=NULL"
         "\n"},
    {.name = "fetch prefetch", .run = run_fetch_prefetch,
     .ops = {"Blog.fetch", "Blog.prefetch_comments"}, .expect =
         "3 blogs\n"
         "Blog 1 'First' author=1 Author(1, Ann, ann@example.org) editor=2 - "
         "created=1000 rating=4.5 ncomments=0 comments=[(1, blog 1, 'nice', "
         "3), (2, blog 1, 'meh', 1)]\n"
         "Blog 2 'Second' author=1 Author(1, Ann, ann@example.org) "
         "editor=NULL - created=2000 rating=NULL ncomments=0 comments=[]\n"
         "Blog 3 'Third' author=2 Author(2, Bob, bob@example.org) editor=1 - "
         "created=3000 rating=3 ncomments=0 comments=[(3, blog 3, 'wow', "
         "5)]\n"},
    {.name = "fetch nested prefetch", .run = run_fetch_nested,
     .ops = {"Author.fetch", "Author.prefetch_blogs", "Blog.prefetch_comments"},
     .expect =
         "Author(1, Ann, ann@example.org): 2 blogs\n"
         "Blog 2 'Second' author=1 - editor=NULL - created=2000 rating=NULL "
         "ncomments=0 comments=[]\n"
         "Blog 1 'First' author=1 - editor=2 Author(2, Bob, bob@example.org) "
         "created=1000 rating=4.5 ncomments=2 comments=[(1, blog 1, 'nice', "
         "3)]\n"
         "Author(2, Bob, bob@example.org): 1 blogs\n"
         "Blog 3 'Third' author=2 - editor=1 Author(1, Ann, ann@example.org) "
         "created=3000 rating=3 ncomments=1 comments=[(3, blog 3, 'wow', "
         "5)]\n"},
    {.name = "fetch count annotate", .run = run_count_annotate,
     .ops = {"Blog.fetch"}, .expect =
         "2 blogs\n"
         "Blog 1 'First' author=1 - editor=2 - created=1000 rating=4.5 "
         "ncomments=2 comments=[]\n"
         "Blog 3 'Third' author=2 - editor=1 - created=3000 rating=3 "
         "ncomments=1 comments=[]\n"},
    {.name = "fetch path annotations", .run = run_path_annotations,
     .ops = {"Author.fetch"}, .expect =
         "Author(1, Ann, ann@example.org): 2 comments, sum 4, max 3, avg 3\n"
         "Author(2, Bob, bob@example.org): 1 comments, sum 5, max 5, avg "
         "4.5\n"},
    {.name = "fetch many-to-many prefetch", .extra = seed_tags,
     .run = run_m2m_prefetch,
     .ops = {"Blog.fetch", "Blog.prefetch_tags"}, .expect =
         "Blog 1 tags=[(1, x), (2, y)]\n"
         "Blog 2 tags=[]\n"
         "Blog 3 tags=[(2, y)]\n"},
    {.name = "count + aggregates", .run = run_aggregates,
     .ops = {"Blog.count", "Blog.aggregate"}, .expect =
         "count 3\n"
         "created 3 0 6000 2000 1000 3000\n"
         "rating 1 0 4.5 4.5 4.5 4.5\n"},
    {.name = "transaction multi-row write", .write = true,
     .run = run_transaction,
     .ops = {"begin", "Author.insert", "Blog.insert", "Comment.insert",
             "Blog.get", "Blog.update", "Author.delete", "commit"},
     .expect = "",
     .check_sql = "SELECT 'author', id, name FROM author UNION ALL "
                  "SELECT 'blog', id, title || ' by ' || author_id || "
                  "' editor ' || ifnull(editor_id, 'NULL') FROM blog "
                  "UNION ALL SELECT 'comment', id, blog_id FROM comment",
     .check_expect =
         "  'author'|i1|'Ann'\n"
         "  'author'|i3|'Dee'\n"
         "  'blog'|i1|'First by 1 editor NULL'\n"
         "  'blog'|i2|'Second by 1 editor NULL'\n"
         "  'blog'|i3|'Third, moved to Dee by 3 editor 1'\n"
         "  'blog'|i4|'Dee 1 by 3 editor NULL'\n"
         "  'blog'|i5|'Dee 2 by 3 editor NULL'\n"
         "  'blog'|i6|'Dee 3 by 3 editor NULL'\n"
         "  'comment'|i1|i1\n"
         "  'comment'|i2|i1\n"
         "  'comment'|i3|i3\n"
         "  'comment'|i4|i4\n"
         "  'comment'|i5|i5\n"
         "  'comment'|i6|i6\n"},
    {.name = "insert inside a transaction", .write = true, .extra = begin_eve,
     .run = run_in_tx, .ops = {"Author.insert"}, .in_tx = true,
     .expect =
         "id 4 nested: begin: a transaction is already open on this "
         "connection (nesting is not supported)",
     .check_sql = AUTHORS, .check_expect =
         "  i1|'Ann'|'ann@example.org'\n"
         "  i2|'Bob'|'bob@example.org'\n"
         "  i3|'Eve'|'eve@example.org'\n"
         "  i4|'Cid'|'cid@example.org'\n"},
    {.name = "insert_many", .write = true, .run = run_insert_many,
     .ops = {"Author.insert_many"}, .expect = "ids 3 4 5",
     .check_sql = AUTHORS, .check_expect =
         "  i1|'Ann'|'ann@example.org'\n"
         "  i2|'Bob'|'bob@example.org'\n"
         "  i3|'Fay'|'fay@example.org'\n"
         "  i4|'Gus'|'gus@example.org'\n"
         "  i5|'Hal'|'hal@example.org'\n"},
    {.name = "raw_exec", .write = true, .run = run_raw_exec,
     .ops = {"raw_exec"}, .expect = "changes 2",
     .check_sql = "SELECT * FROM blog ORDER BY id", .check_expect =
         "  i1|'First: Raw édit'|i1|NULL|i1000|r0.5\n"
         "  i2|'Second: Raw édit'|i1|NULL|i2000|r0.5\n"
         "  i3|'Third'|i2|i1|i3000|r3\n"},
    {.name = "raw_query", .run = run_raw_query, .ops = {"raw_query"},
     .expect =
         "author='Ann' blogs='2' titles='First, Second' best='4.5'\n"
         "author='Bob' blogs='1' titles='Third' best='3.0'\n"
         "id='1' data=000102feff0078 nt=''\n"},
    {.name = "raw_fetch", .run = run_raw_fetch, .ops = {"Blog.raw_fetch"},
     .expect =
         "3 blogs\n"
         "Blog 3 'Third' author=2 - editor=1 - created=3000 rating=3 "
         "rel=NULL\n"
         "Blog 2 'Second' author=1 - editor=NULL - created=2000 "
         "rating=NULL rel=NULL\n"
         "Blog 1 'First' author=1 - editor=2 - created=1000 rating=4.5 "
         "rel=NULL\n"},
    {.name = "exec DDL", .write = true, .run = run_exec_ddl,
     .ops = {"exec"}, .expect = "",
     .check_sql = "SELECT sql FROM sqlite_master WHERE name = 'note'",
     .check_expect =
         "  'CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT "
         "NULL)'\n"},
    {.name = "exec PRAGMA", .write = true, .run = run_exec_pragma,
     .ops = {"exec"}, .expect = "",
     .check_sql = "SELECT user_version FROM pragma_user_version",
     .check_expect = "  i3\n"},
    {.name = "insert_many inside a transaction", .write = true,
     .extra = begin_eve, .run = run_insert_many,
     .ops = {"Author.insert_many"}, .in_tx = true, .expect = "ids 4 5 6",
     .check_sql = AUTHORS, .check_expect =
         "  i1|'Ann'|'ann@example.org'\n"
         "  i2|'Bob'|'bob@example.org'\n"
         "  i3|'Eve'|'eve@example.org'\n"
         "  i4|'Fay'|'fay@example.org'\n"
         "  i5|'Gus'|'gus@example.org'\n"
         "  i6|'Hal'|'hal@example.org'\n"},    {.name = "fetch v2 paths/groups/exists/in", .run = run_fetch_v2,
     .ops = {"Blog.fetch", "Blog.prefetch_comments"}, .expect =
         "2 blogs\n"
         "Blog 3 'Third' author=2 Author(2, Bob, bob@example.org) editor=1 - "
         "created=3000 rating=3 ncomments=0 comments=[(3, blog 3, 'wow', "
         "5)]\n"
         "Blog 1 'First' author=1 Author(1, Ann, ann@example.org) editor=2 - "
         "created=1000 rating=4.5 ncomments=0 comments=[(1, blog 1, 'nice', "
         "3), (2, blog 1, 'meh', 1)]\n"},
    {.name = "fetch spilled query", .run = run_fetch_spilled,
     .ops = {"Blog.fetch"}, .expect =
         "3 blogs\n"
         "Blog 3 'Third' author=2 - editor=1 - created=3000 rating=3 "
         "rel=NULL\n"
         "Blog 2 'Second' author=1 - editor=NULL - created=2000 "
         "rating=NULL rel=NULL\n"
         "Blog 1 'First' author=1 - editor=2 - created=1000 rating=4.5 "
         "rel=NULL\n"},
    {.name = "update_where via path", .write = true, .run = run_update_where,
     .ops = {"Blog.update_where"}, .expect = "changed 2",
     .check_sql = "SELECT * FROM blog ORDER BY id", .check_expect =
         "  i1|'Ann's, edited'|i1|i2|i1000|r4.75\n"
         "  i2|'Ann's, edited'|i1|NULL|i2000|NULL\n"
         "  i3|'Third'|i2|i1|i3000|r3\n"},
    {.name = "delete_where via path", .write = true, .run = run_delete_where,
     .ops = {"Comment.delete_where"}, .expect = "deleted 2",
     .check_sql = "SELECT 'blog', id FROM blog UNION ALL "
                  "SELECT 'comment', id FROM comment ORDER BY 1, 2",
     .check_expect =
         "  'blog'|i1\n"
         "  'blog'|i2\n"
         "  'blog'|i3\n"
         "  'comment'|i3\n"},
    {.name = "delete_where cascade", .write = true,
     .run = run_delete_where_cascade, .ops = {"Blog.delete_where"},
     .expect = "deleted 1",
     .check_sql = "SELECT 'blog', id FROM blog UNION ALL "
                  "SELECT 'comment', id FROM comment ORDER BY 1, 2",
     .check_expect =
         "  'blog'|i1\n"
         "  'blog'|i2\n"
         "  'comment'|i1\n"
         "  'comment'|i2\n"},
    {.name = "update_fields", .write = true, .run = run_update_fields,
     .ops = {"Blog.update_fields"}, .expect = "",
     .check_sql = "SELECT * FROM blog ORDER BY id", .check_expect =
         "  i1|'First'|i1|i2|i1000|r4.5\n"
         "  i2|'Second'|i1|NULL|i2000|NULL\n"
         "  i3|'Third, retitled'|i2|i1|i3000|r1.5\n"},
    {.name = "upsert (insert)", .write = true, .run = run_upsert_insert,
     .ops = {"Author.upsert"}, .expect = "id 3", .check_sql = AUTHORS,
     .check_expect =
         "  i1|'Ann'|'ann@example.org'\n"
         "  i2|'Bob'|'bob@example.org'\n"
         "  i3|'Cid'|'cid@example.org'\n"},
    {.name = "upsert (update)", .write = true, .run = run_upsert_update,
     .ops = {"Author.upsert"}, .expect = "id 2", .check_sql = AUTHORS,
     .check_expect =
         "  i1|'Ann'|'ann@example.org'\n"
         "  i2|'Robert'|'bob@example.org'\n"},
    {.name = "get_or_create (existing)", .run = run_get_or_create_existing,
     .ops = {"Author.get_or_create"},
     .expect = "created 0 Author(1, Ann, ann@example.org)"},
    {.name = "get_or_create (created)", .write = true,
     .run = run_get_or_create_created, .ops = {"Author.get_or_create"},
     .expect = "created 1 Author(3, Cid, cid@example.org)",
     .check_sql = AUTHORS, .check_expect =
         "  i1|'Ann'|'ann@example.org'\n"
         "  i2|'Bob'|'bob@example.org'\n"
         "  i3|'Cid'|'cid@example.org'\n"},
    {.name = "first/exists/get/count via path",
     .run = run_one_row_paths,
     .ops = {"Blog.first", "Blog.exists", "Blog.get", "Blog.count"},
     .expect =
         "first: Blog 2 'Second' author=1 Author(1, Ann, ann@example.org) "
         "editor=NULL - created=2000 rating=NULL rel=NULL\n"
         "exists: 1\n"
         "get_where: Blog 3 'Third' author=2 - editor=1 - created=3000 "
         "rating=3 rel=NULL\n"
         "count: 2\n"},
};
#define NSCENARIOS (sizeof SCENARIOS / sizeof SCENARIOS[0])

/* ---- one run ---- */

/* The seeded database, serialized: a cold run starts from a copy of it on a
 * fresh connection (empty statement cache); a warm run seeds through the
 * API on its own connection (the seed's statements are cached). */
static unsigned char *template_db;
static sqlite3_int64 template_size;

static int make_template(void)
{
    ormc_db *db = NULL;
    if (spy_open(":memory:", &db) == ORMC_OK)
        seed(db);
    if (spy_conn)
        template_db = sqlite3_serialize(spy_conn, "main", &template_size, 0);
    ormc_close(db);
    spy_conn = NULL;
    return template_db && !check_failures ? 0 : -1;
}

typedef struct expected {
    text out;   /* rendered result of the fault-free run */
    text after; /* database after the fault-free run */
} expected;

static int failures_shown;
static unsigned long absorbed[NKINDS]; /* injected runs that returned OK */
static int max_failures_shown = 40;
static const char *cur_mode = "";

static void report(const scenario *sc, int kind, unsigned long k,
                   const char *fmt, ...)
{
    if (failures_shown++ >= max_failures_shown)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s%s / %s @%lu: ", sc->name, cur_mode,
            kind < 0 ? "none" : KIND_NAME[kind], k);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* The first line where a and b differ, as "line N: 'x' vs 'y'". */
static const char *first_diff(const char *a, const char *b)
{
    static char out[600];
    int line = 1;
    const char *la = a, *lb = b;
    while (*a && *a == *b) {
        if (*a == '\n') {
            line++;
            la = a + 1;
            lb = b + 1;
        }
        a++, b++;
    }
    int na = (int)strcspn(la, "\n"), nb = (int)strcspn(lb, "\n");
    snprintf(out, sizeof out, "line %d: '%.*s' vs '%.*s'", line,
             na > 250 ? 250 : na, la, nb > 250 ? 250 : nb, lb);
    return out;
}

static bool starts_with_op(const scenario *sc, const char *msg)
{
    for (int i = 0; i < 10 && sc->ops[i]; i++) {
        size_t n = strlen(sc->ops[i]);
        if (strncmp(msg, sc->ops[i], n) == 0 && msg[n] == ':')
            return true;
    }
    return false;
}

/* msg is exactly "<one of sc's operations>: <what>". */
static bool is_op_message(const scenario *sc, const char *msg,
                          const char *what)
{
    for (int i = 0; i < 10 && sc->ops[i]; i++) {
        size_t n = strlen(sc->ops[i]);
        if (strncmp(msg, sc->ops[i], n) == 0 && msg[n] == ':' &&
            msg[n + 1] == ' ' && strcmp(msg + n + 2, what) == 0)
            return true;
    }
    return false;
}

/* Runs sc with `kind` failing at call k (kind -1: no fault).  Returns true
 * when every check passed; *hit tells whether call k was reached.  With
 * exp->out.s == NULL (the fault-free run), fills exp. */
static bool run_one(const scenario *sc, bool warm, int kind, unsigned long k,
                    expected *exp, bool *hit)
{
    bool ok = true;
    run_ctx c;
    memset(&c, 0, sizeof c);
    text base = {0}, before = {0}, after = {0};
    long rt_base = rt_live;
    long long sq_base = sqlite3_memory_used();

    fault_disarm();
    if (!sc->opens) {
        if (spy_open(":memory:", &c.db) != ORMC_OK) {
            report(sc, kind, k, "open failed: %s", ormc_errmsg(c.db));
            ormc_close(c.db);
            return false;
        }
        if (warm) {
            seed(c.db);
        } else {
            unsigned char *copy = sqlite3_malloc64(template_size);
            if (!copy)
                abort();
            memcpy(copy, template_db, template_size);
            if (sqlite3_deserialize(spy_conn, "main", copy, template_size,
                                    template_size,
                                    SQLITE_DESERIALIZE_FREEONCLOSE |
                                        SQLITE_DESERIALIZE_RESIZEABLE) !=
                SQLITE_OK)
                check_failures++;
        }
        dump_db(&base);
        if (sc->extra)
            sc->extra(c.db);
    }
    dump_db(&before);

    fault.hit = false;
    if (kind >= 0)
        fault_arm(kind, k);
    int rc = sc->run(&c);
    *hit = fault.hit;
    fault_disarm();
    fault.fired = false;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            report(sc, kind, k, __VA_ARGS__);                                \
            ok = false;                                                      \
        }                                                                    \
    } while (0)

    dump_db(&after);
    bool fresh = exp->out.s == NULL;
    if (rc == ORMC_OK && *hit && kind >= 0)
        absorbed[kind]++;
    if (rc == ORMC_OK) {
        if (fresh) {
            tx_printf(&exp->out, "%s", tx_str(&c.out));
            tx_printf(&exp->after, "%s", tx_str(&after));
            if (print_results)
                fprintf(stderr, "%s: result:\n%s\n", sc->name,
                        tx_str(&c.out));
            CHECK(strcmp(tx_str(&c.out), sc->expect) == 0,
                  "fault-free result differs from the expected one: %s",
                  first_diff(tx_str(&c.out), sc->expect));
            if (sc->check_sql) {
                text rows = {0};
                dump_query(&rows, sc->check_sql);
                if (print_results)
                    fprintf(stderr, "%s: check rows:\n%s\n", sc->name,
                            tx_str(&rows));
                CHECK(strcmp(tx_str(&rows), sc->check_expect) == 0,
                      "fault-free run wrote unexpected rows: %s",
                      first_diff(tx_str(&rows), sc->check_expect));
                tx_free(&rows);
            }
        }
        CHECK(strcmp(tx_str(&c.out), tx_str(&exp->out)) == 0,
              "returned ORMC_OK with a different result: %s",
              first_diff(tx_str(&c.out), tx_str(&exp->out)));
        CHECK(strcmp(tx_str(&after), tx_str(&exp->after)) == 0,
              "returned ORMC_OK, database differs from expected: %s",
              first_diff(tx_str(&after), tx_str(&exp->after)));
    } else {
        CHECK(!fresh, "fault-free run failed: %s: %s", ormc_status_name(rc),
              c.errmsg);
        CHECK(*hit, "failed without reaching the fault: %s: %s",
              ormc_status_name(rc), c.errmsg);
        CHECK(c.errcode == rc, "errcode %s, returned %s",
              ormc_status_name(c.errcode), ormc_status_name(rc));
        CHECK(c.errmsg[0] != '\0', "empty error message");
        if (sc->opens && !c.db)
            CHECK(rc == ORMC_NOMEM && strcmp(c.errmsg, "out of memory") == 0,
                  "no connection: %s: %s", ormc_status_name(rc), c.errmsg);
        else
            CHECK(starts_with_op(sc, c.errmsg),
                  "message does not name the operation: '%s'", c.errmsg);
        if (kind == F_RMALLOC || kind == F_SMALLOC || kind == F_COLUMN)
            CHECK(rc == ORMC_NOMEM &&
                      (!c.db || is_op_message(sc, c.errmsg, "out of memory") ||
                       is_op_message(sc, c.errmsg,
                                     "out of memory building SQL")),
                  "%s: '%s' (expected ORMC_NOMEM, 'Op: out of memory')",
                  ormc_status_name(rc), c.errmsg);
        else
            CHECK(rc == ORMC_ERROR &&
                      is_op_message(sc, c.errmsg, "injected fault"),
                  "%s: '%s' (expected ORMC_ERROR, 'Op: injected fault')",
                  ormc_status_name(rc), c.errmsg);
        CHECK(tx_str(&c.out)[0] == '\0', "failed run left output: %s",
              tx_str(&c.out));
        if (sc->in_tx && kind == F_SMALLOC && !ormc_in_transaction(c.db))
            /* SQLite rolled the caller's whole transaction back */
            CHECK(strcmp(tx_str(&base), tx_str(&after)) == 0,
                  "transaction ended by SQLite, but not rolled back (%s): %s",
                  ormc_status_name(rc),
                  first_diff(tx_str(&after), tx_str(&base)));
        else if (!sc->opens)
            CHECK(strcmp(tx_str(&before), tx_str(&after)) == 0,
                  "database changed by a failed %s (%s): %s",
                  sc->write ? "write" : "read", ormc_status_name(rc),
                  first_diff(tx_str(&after), tx_str(&before)));
        else if (spy_conn)
            CHECK(strcmp(tx_str(&after), "schema:\n") == 0,
                  "failed schema create left: %s",
                  first_diff(tx_str(&after), "schema:\n"));
    }
    if (!sc->opens && rc == ORMC_OK && !sc->write)
        CHECK(strcmp(tx_str(&before), tx_str(&after)) == 0,
              "a read changed the database");

    /* the connection is usable: right transaction state, a write works */
    if (c.db && !c.open_failed) {
        bool in_tx = ormc_in_transaction(c.db);
        if (sc->in_tx && rc != ORMC_OK && kind == F_SMALLOC && !in_tx) {
            /* SQLite may end a transaction itself after OOM */
        } else {
            CHECK(in_tx == sc->in_tx, "in_transaction is %d after the run",
                  in_tx);
        }
        if (sc->opens && rc != ORMC_OK) {
            int r2 = blog_schema_create(c.db);
            CHECK(r2 == ORMC_OK, "schema create after a failed one: %s: %s",
                  ormc_status_name(r2), ormc_errmsg(c.db));
        }
        {
            Author a;
            author_init(&a);
            a.name = "Zed";
            a.email = "zed@example.org";
            int r2 = author_insert(c.db, &a);
            CHECK(r2 == ORMC_OK, "follow-up insert: %s: %s",
                  ormc_status_name(r2), ormc_errmsg(c.db));
            if (in_tx) {
                r2 = ormc_commit(c.db);
                CHECK(r2 == ORMC_OK, "follow-up commit: %s: %s",
                      ormc_status_name(r2), ormc_errmsg(c.db));
            }
            CHECK(!ormc_in_transaction(c.db), "still in a transaction");
        }
    }
    ormc_close(c.db);
    spy_conn = NULL;
    CHECK(rt_live == rt_base, "runtime leaked %ld allocation(s)",
          rt_live - rt_base);
    long long sq_now = sqlite3_memory_used();
    CHECK(sq_now == sq_base, "SQLite holds %lld more bytes after close",
          sq_now - sq_base);
    tx_free(&base);
    tx_free(&before);
    tx_free(&after);
    tx_free(&c.out);
    return ok;
#undef CHECK
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    debug = getenv("FAULTS_DEBUG") != NULL;
    print_results = getenv("FAULTS_PRINT") != NULL;
    if (argc > 2)
        max_failures_shown = atoi(argv[2]);
    if (sqlite_faults_install() != 0) {
        fprintf(stderr, "could not install SQLite's fault allocator\n");
        return 2;
    }
    if (ormc_set_allocator(rt_malloc, NULL, rt_free) != ORMC_INVALID ||
        ormc_set_allocator(rt_malloc, rt_realloc, rt_free) != ORMC_OK) {
        fprintf(stderr, "ormc_set_allocator misbehaves\n");
        return 2;
    }
    /* also warms up SQLite's process-wide state, allocated on first use */
    if (make_template() != 0) {
        fprintf(stderr, "seeding failed without faults\n");
        return 2;
    }
    long passed = 0, failed = 0;
    unsigned long total_points[NKINDS] = {0}, total_ok[NKINDS] = {0};
    printf("fault points survived/injected, per scenario and fault kind\n");
    printf("%-40s", "scenario");
    for (int kd = 0; kd < NKINDS; kd++)
        printf(" %14s", KIND_NAME[kd]);
    printf("\n");
    for (size_t s = 0; s < NSCENARIOS; s++) {
        const scenario *sc = &SCENARIOS[s];
        if (only && !strstr(sc->name, only))
            continue;
        /* the expected result comes from the first fault-free run; the
         * other mode must reproduce it */
        expected exp = {{0}, {0}};
        for (int warm = 0; warm < (sc->opens ? 1 : 2); warm++) {
            cur_mode = sc->opens ? "" : warm ? " (warm)" : " (cold)";
            bool hit;
            if (run_one(sc, warm, -1, 0, &exp, &hit) && !check_failures)
                passed++;
            else
                failed++;
            char label[64];
            snprintf(label, sizeof label, "%s%s", sc->name, cur_mode);
            printf("%-40s", label);
            for (int kd = 0; kd < NKINDS; kd++) {
                unsigned long points = 0, good = 0;
                for (unsigned long k = 1;; k++) {
                    bool r = run_one(sc, warm, kd, k, &exp, &hit);
                    if (!hit) { /* ran to the end: call k never came */
                        if (r)
                            passed++;
                        else
                            failed++;
                        break;
                    }
                    points++;
                    good += r;
                    if (k > 100000) {
                        fprintf(stderr, "%s / %s: no end in sight\n", label,
                                KIND_NAME[kd]);
                        failed++;
                        break;
                    }
                }
                passed += (long)good;
                failed += (long)(points - good);
                total_points[kd] += points;
                total_ok[kd] += good;
                char cell[32];
                snprintf(cell, sizeof cell, "%lu/%lu", good, points);
                printf(" %14s", cell);
            }
            printf("\n");
            fflush(stdout);
        }
        tx_free(&exp.out);
        tx_free(&exp.after);
    }
    printf("%-40s", "total");
    for (int kd = 0; kd < NKINDS; kd++) {
        char cell[32];
        snprintf(cell, sizeof cell, "%lu/%lu", total_ok[kd], total_points[kd]);
        printf(" %14s", cell);
    }
    printf("\n");
    printf("%-40s", "of which absorbed (returned ORMC_OK)");
    for (int kd = 0; kd < NKINDS; kd++)
        printf(" %14lu", absorbed[kd]);
    printf("\n");
    if (ormc_set_allocator(NULL, NULL, NULL) == ORMC_OK)
        passed++;
    else
        failed++;
    printf("%ld passed, %ld failed\n", passed, failed);
    return failed ? 1 : 0;
}
