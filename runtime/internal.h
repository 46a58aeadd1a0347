/*
 * internal.h — shared by the runtime's own files; not installed, not
 * included by generated code.
 */
#ifndef ORMC_INTERNAL_H
#define ORMC_INTERNAL_H

#include "ormc_backend.h"

#include <stdarg.h>
#include <string.h>

/* A function kept out of its callers' hot path (its cold part). */
#if defined(__GNUC__)
#define ORMC_NOINLINE __attribute__((noinline))
#else
#define ORMC_NOINLINE
#endif

/* ---- memory: every allocation of the runtime goes through these ---- */
void *ormc_malloc(size_t n);
void *ormc_realloc(void *p, size_t n);
void ormc_free(void *p);
/* The same for blocks that may be large (arena chunks, result arrays,
 * prefetch's tables): with libc's allocator in force, blocks of 1 MiB or
 * more are mapped with a huge-page hint (arena.c).  Only ormc_big_free
 * frees them, and it frees nothing else. */
void *ormc_big_malloc(size_t n);
void *ormc_big_realloc(void *p, size_t n);
void ormc_big_free(void *p);
/* Whether blocks of 1 MiB or more are mapped now (Linux, libc's allocator,
 * not built with AddressSanitizer). */
bool ormc_big_mapping(void);

/* ---- arena (the body of an ormc_result) ---- */
typedef struct arena_chunk arena_chunk;
struct ormc_result {
    arena_chunk *chunks;  /* newest first */
    char *pos, *end;      /* free space of the newest chunk */
    arena_chunk *blocks;  /* adopted arrays (arena_adopt) */
    size_t nchunks;       /* in `chunks` */
    struct obj_page *page; /* the page holding this header, or NULL when
                            * the header is a malloc of its own */
};

/* An array the result will own is allocated with ARENA_BLOCK_HDR bytes in
 * front of its data (room for the chunk header), so that it can be handed
 * over without a copy. */
#define ARENA_BLOCK_HDR 16u
/* Makes `block` (from ormc_big_malloc/ormc_big_realloc, data at block +
 * ARENA_BLOCK_HDR) part of `a`: freed by ormc_result_free. */
void arena_adopt(ormc_result *a, void *block);

/* New empty result, or NULL when out of memory. */
ormc_result *arena_new(void);
/* The same with room for `first` bytes (allocations rounded up to 16, each
 * string +1) in the one allocation of the result itself. */
ormc_result *arena_new_sized(size_t first);
/* n bytes aligned for any member type, or NULL.  Memory is zeroed. */
void *arena_alloc(ormc_result *a, size_t n);
/* Copies n bytes and a NUL terminator; returns the copy or NULL.  Inline:
 * it runs once per text column of every row read; a new chunk is
 * arena_strndup_grow's. */
char *arena_strndup_grow(ormc_result *a, const char *s, size_t n);
static inline char *arena_strndup(ormc_result *a, const char *s, size_t n)
{
    if (!a->pos || (size_t)(a->end - a->pos) < n + 1)
        return arena_strndup_grow(a, s, n);
    char *d = a->pos;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    a->pos += n + 1;
    return d;
}
/* Like arena_alloc, without zeroing: for memory the caller fills whole. */
void *arena_alloc_raw(ormc_result *a, size_t n);

/* An object from ormc_get or ormc_first sits right after this header in
 * its result; ormc_object_free frees the result. */
typedef struct object_header {
    ormc_result *owner;
    void *pad; /* keeps the object 16-byte aligned */
} object_header;

/* ---- object pages: where a connection puts the objects of its gets ----
 * The object of ormc_get (and get_or_create), with its result's header
 * and its strings, is carved from a page of 4 KiB that the connection
 * fills object after object, instead of being a malloc of its own: 1,000
 * kept objects of ~150 bytes are 1,000 mallocs otherwise, each slower
 * than a carve (glibc keeps only 7 freed blocks of a size at hand; the
 * rest go through its bins), and the size of each would have to be
 * computed from the row first.  A page is freed with the last of its
 * objects and its connection's hold on it, on whichever thread that
 * happens. */
typedef struct obj_pages {
    struct obj_page *page; /* current page, or NULL */
    char *pos, *end;       /* its free space */
} obj_pages;
/* A new object of n bytes, zeroed, behind its object_header and in a new
 * result (the header's owner) on p's current page, with at least
 * PAGED_SPARE bytes after it for its strings (a new page when the current
 * one has less); NULL when out of memory.  Read the object's fields (into
 * the owner), then call paged_done before the next paged_object on p.
 * A string that does not fit the rest of the page is a block of its own,
 * freed with the result, and the strings after it still go to the page. */
#define PAGED_SPARE 128u
void *paged_object(obj_pages *p, size_t n);
/* Ends the carve of the object `obj` (the last paged_object on p): the
 * page's free space starts after what its result used, and the result
 * has no room left there. */
void paged_done(obj_pages *p, void *obj);
/* Gives up p's hold on its current page (the connection closes). */
void obj_pages_release(obj_pages *p);

/* ---- growable string for building SQL ---- */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;
void sb_put(sbuf *b, const char *s);
void sb_putn(sbuf *b, const char *s, size_t n);
void sb_printf(sbuf *b, const char *fmt, ...);
void sb_free(sbuf *b);

/* ---- queries (query.c) ---- */

/* Term kinds of an ormc_query.  Filters: */
enum {
    T_CMP = 1, /* path <op> v.i[0] / v.r[0] / v.s */
    T_IN,      /* path IN / NOT IN (op) the array v.*v[0..n) */
    T_RANGE,   /* v.?[0] <= path <= v.?[1] */
    T_SPAN,    /* v.i[0] <= path < v.i[1] (calendar lookups) */
    T_NULL,    /* path IS NULL (op 1) or IS NOT NULL (op 0) */
    /* groups, closed by T_END: */
    T_AND, T_OR, T_NOT, T_END,
    /* the rest (rel: relation or reverse relation index) */
    T_ORDER,   /* path, op = ormc_dir */
    T_WITH, T_PREFETCH, T_COUNT,
    T_ANNOT,   /* an annotation: path (first step to-many), op = ormc_agg */
    T_SET      /* an update's SET: path (own field), op = SET_*, value */
};

/* The bit of term kind k in ormc_query.kinds. */
#define KIND(k) (1u << (k))

/* Whether q has a term of `kind`: one test of its kinds. */
static inline bool has_kind(const ormc_query *q, int kind)
{
    return q->kinds & KIND(kind);
}

/* The ops of a T_SET term. */
enum { SET_VALUE, SET_NULL, SET_ADD, SET_MUL };

/* The terms of q, wherever they are (inline or spilled). */
static inline ormc_term *query_terms(const ormc_query *q)
{
    return q->heap ? q->heap : (ormc_term *)q->inl;
}

/* The model one step leads to from m (a relation's target, a reverse
 * relation's child), or NULL if m has no such step. */
const ormc_model *path_step_target(const ormc_model *m, unsigned step);
/* The field a well-formed path ends at. */
const ormc_field *path_field(const ormc_path *p);

/* ---- connection ---- */
typedef struct stmt_entry {
    char *sql;            /* our copy of the text */
    uint64_t *shape;      /* a query shape's key (db_stmt_shape), or NULL */
    size_t shape_len;     /* its words */
    const char *key;      /* the caller's pointer when last looked up */
    size_t len;
    uint64_t hash;
    uint64_t last_used;
    void *stmt;
} stmt_entry;

#define ORMC_STMT_CACHE 64
#define ORMC_LABELS 64 /* a power of two */

struct ormc_db {
    const ormc_backend *be;
    const ormc_dialect *dialect; /* be->dialect */
    void *conn;
    int errcode;
    char errmsg[512];
    uint64_t nqueries, nprepares, tick;
    /* savepoints open (db_savepoint), and the depth of the one that began
     * the transaction on a dialect with savepoint_needs_tx (0: none) */
    unsigned sp_depth, sp_tx_depth;
    const char *last_sql; /* text of the statement last counted */
    ormc_trace_fn trace;
    void *trace_ctx;
    stmt_entry cache[ORMC_STMT_CACHE];
    /* entry index + 1 by the address of the caller's SQL text: the fixed
     * SQL of the descriptors is found without hashing it */
    uint8_t by_addr[ORMC_STMT_CACHE];
    /* entry index + 1 by a shape key's hash: a repeated shape is found
     * without a search */
    uint8_t by_shape[ORMC_STMT_CACHE];
    /* entry index + 1 of a fixed statement (one per model, kind and
     * argument: get, insert, update, delete, links) by its owner and tag:
     * found in one probe, without forming or hashing a key */
    struct {
        const void *owner;
        uint32_t tag;
        uint8_t entry;
    } by_fixed[ORMC_STMT_CACHE];
    obj_pages pages; /* where ormc_get puts its objects */
    /* operation labels ("Blog.fetch") by the addresses of their parts
     * (db_label): spelled once per connection, not on every call */
    struct {
        const char *part[3];
        char *text;
    } labels[ORMC_LABELS];
};

/* Records an error on db and returns `code`.  `ctx` prefixes the message. */
int db_fail(ormc_db *db, int code, const char *fmt, ...);
/* Prefixes the recorded message with "who.verb: " ("who: " when verb is
 * NULL), keeping the recorded status, and returns that status: for errors
 * recorded without an operation name (read_row's data errors). */
int db_restate(ormc_db *db, const char *who, const char *verb);
/* Records the backend's current error for status `code` and returns it. */
int db_fail_backend(ormc_db *db, int code, const char *ctx);
/* Runs transaction-control SQL (not counted, not traced); records errors
 * prefixed with `what`. */
int tx_exec(ormc_db *db, const char *sql, const char *what);
/* Records s's name and fingerprint in ormc_meta, creating the table if
 * needed (schema.c; inside ormc_schema_create's savepoint).  Nothing when
 * s has no fingerprint.  Returns an ormc_status; the backend's errmsg
 * says why on failure. */
int schema_write_meta(ormc_db *db, const ormc_schema *s);
/* Savepoint `name` (an identifier): SP_BEGIN starts it, SP_RELEASE ends
 * it keeping its writes (recording errors prefixed with `what`), SP_UNDO
 * rolls back to it and ends it without touching the recorded error.
 * Not counted.  Spelled by the dialect. */
enum { SP_BEGIN, SP_RELEASE, SP_UNDO };
int db_savepoint(ormc_db *db, const char *name, int op, const char *what);
/* Clears the last error. */
void db_ok(ormc_db *db);

/* Room for "Model.verb", the prefix of a run's messages. */
#define WHAT_SIZE 160

/* The label an operation's messages begin with, the concatenation of a,
 * b and c (c may be NULL): "Blog.fetch", "Blog.prefetch_comments".  The
 * parts are descriptor names and string literals, which live as long as
 * the connection (as the statement cache's keys do), so the label is
 * spelled on a connection's first use of those parts and found by their
 * addresses after that.  When the connection's table has no room for it
 * (ORMC_LABELS of them taken, or out of memory) it is spelled into buf,
 * which must then outlive its use.  Never fails. */
const char *db_label(ormc_db *db, char buf[WHAT_SIZE], const char *a,
                     const char *b, const char *c);

/* Records the backend's error for status `code` as "who.verb: message"
 * ("who: message" when verb is NULL) and returns `code`.  The context is
 * only formatted here, on failure, never on the success path. */
int db_fail_op(ormc_db *db, int code, const char *who, const char *verb);
/* Returns a ready-to-bind statement for `sql` (cached; prepared on first use),
 * or NULL after recording the error as db_fail_op(who, verb) does (e.g.
 * "Author.insert: ...").  Counts and traces one execution. */
void *db_stmt(ormc_db *db, const char *sql, size_t len, const char *who,
              const char *verb);
/* Renders the SQL of a statement shape into *b (NUL-terminated) and
 * returns ORMC_OK, or an error status after recording it on db. */
typedef int (*shape_render_fn)(ormc_db *db, const void *ctx, sbuf *b);
/* A statement's shape key: words that determine its SQL text (no value:
 * the kind, the model, each term's kind, lookup and path), built by
 * sql_shape, and their hash: shape_mix over the words from SHAPE_SEED,
 * then shape_hash. */
typedef struct shape_key {
    const uint64_t *w;
    size_t n;
    uint64_t h;
} shape_key;

#define SHAPE_SEED 0x9e3779b97f4a7c15ull

static inline uint64_t shape_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    return h ^ h >> 32;
}

static inline uint64_t shape_hash(uint64_t h, size_t n)
{
    h = (h ^ n) * 0xc4ceb9fe1a85ec53ull;
    return h ^ h >> 29;
}

/* Returns a statement for the shape `key`: a cached one (found by its
 * hash's slot and one compare of its words), or one prepared from the
 * SQL `render` builds on first use, so a repeated shape neither builds
 * nor hashes SQL text.  Counts and traces one execution.  NULL after
 * recording the error, prefixed with `what`. */
void *db_stmt_shape(ormc_db *db, const shape_key *key, shape_render_fn render,
                    const void *ctx, const char *what);
/* Counts and traces one execution of `sql`: a statement already obtained
 * from db_stmt (and reset) run again without looking it up, or SQL run
 * through exec (schema DDL). */
static inline void db_stmt_again(ormc_db *db, const char *sql)
{
    db->nqueries++;
    db->last_sql = sql;
    if (db->trace)
        db->trace(db->trace_ctx, sql);
}

/* The by_fixed slot of (owner, tag). */
static inline size_t db_fixed_slot(const void *owner, uint32_t tag)
{
    uint64_t h = ((uint64_t)(uintptr_t)owner ^ tag) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 32) % ORMC_STMT_CACHE;
}

/* The cached fixed statement known by (owner, tag) (a model and a
 * statement kind), marked used, counted and traced, or NULL (nothing
 * recorded) when it is not cached.  Cost: one probe, inline: it runs
 * before every get, insert, update and delete of one object. */
static inline void *db_stmt_fixed_find(ormc_db *db, const void *owner,
                                       uint32_t tag)
{
    size_t slot = db_fixed_slot(owner, tag);
    unsigned i = db->by_fixed[slot].entry;
    if (!i || db->by_fixed[slot].owner != owner ||
        db->by_fixed[slot].tag != tag)
        return NULL;
    stmt_entry *e = &db->cache[i - 1];
    e->last_used = ++db->tick;
    db_stmt_again(db, e->sql);
    return e->stmt;
}

/* db_stmt_shape for a fixed statement, which db_stmt_fixed_find then
 * finds by (owner, tag); key must be determined by them. */
void *db_stmt_fixed(ormc_db *db, const void *owner, uint32_t tag,
                    const shape_key *key, shape_render_fn render,
                    const void *ctx, const char *what);
/* db_stmt without counting or tracing: for a statement the caller checks
 * before it decides to run it (raw.c), then counts with db_stmt_again.
 * Text holding no statement (only blanks or comments) is ORMC_INVALID,
 * "who.verb: no SQL statement". */
void *db_stmt_lookup(ormc_db *db, const char *sql, size_t len,
                     const char *who, const char *verb);
/* Resets a statement obtained from db_stmt (bindings cleared). */
void db_stmt_done(ormc_db *db, void *stmt);
/* db_stmt_done for a statement whose every parameter was bound by value
 * (ints, reals, nulls) and is bound again by each run: the bindings may
 * stay (the backend's reset_values). */
void db_stmt_done_values(ormc_db *db, void *stmt);

/* ---- values ---- */
/* The number of characters (code points) of the UTF-8 text s[0..n), or -1
 * if it is not valid UTF-8 (overlong forms, surrogates and code points
 * above U+10FFFF are invalid). */
long utf8_chars(const unsigned char *s, size_t n);
/* Validates obj's field `f` (NOT NULL, text(N) in characters, UTF-8, NaN,
 * blob size without data, and a nullable int/real/bool/datetime whose
 * <name>_null flag is true must hold 0 / +0.0 / false: no silent NULL).
 * Runs no SQL, so a write it rejects is neither counted nor traced.
 * Returns status, recording the error on db as "Model.field: ...". */
int check_field(ormc_db *db, const ormc_model *m, const ormc_field *f,
                const void *obj);
/* check_field over every field of obj but the id, in field order; stops
 * at the first error. */
int check_fields(ormc_db *db, const ormc_model *m, const void *obj);
/* Binds obj's field `f` to parameter idx; the value must have passed
 * check_field.  Returns status, recording the error on db as
 * "Model.verb: ...". */
int bind_field(ormc_db *db, void *stmt, int idx, const ormc_model *m,
               const ormc_field *f, const void *obj, const char *verb);
/* Binds every field of obj but the id to parameters 1..n-1, then the id
 * to n if `with_id`: by the model's generated binder when the backend
 * hands out its binds (be->binds), else field by field.  The values must
 * have passed check_fields.  Returns status, recording the error on db as
 * "Model.verb: ...". */
int bind_fields(ormc_db *db, void *stmt, const ormc_model *m,
                const void *obj, bool with_id, const char *verb);
/* read_row's two out-of-line parts (object.c): the loop of row_read.h over
 * the column function pointers of a backend without read_fields, and the
 * recording of a failure rc with the index `bad` it gave. */
int read_fields_via(const ormc_backend *be, void *stmt, int col,
                    const ormc_field *f, int n, void *obj, ormc_result *res,
                    int *bad);
int read_row_failed(ormc_db *db, const ormc_model *m, const void *obj, int rc,
                    int bad);

/* The fields f[0..n) from column col on into obj by the backend's loop
 * over field descriptors: its read_fields, else read_fields_via (the
 * contract of ormc_backend.read_fields). */
static inline int backend_read_fields(const ormc_backend *be, void *stmt,
                                      int col, const ormc_field *f, int n,
                                      void *obj, ormc_result *res, int *bad)
{
    return be->read_fields ? be->read_fields(stmt, col, f, n, obj, res, bad)
                           : read_fields_via(be, stmt, col, f, n, obj, res,
                                             bad);
}

/* Reads every field of m from the columns starting at `col` into obj
 * (fields in model order).
 * Strings and blobs are copied into `res`.  Returns ORMC_OK, ORMC_NOMEM
 * (recorded as "Model: out of memory"; callers may restate it with their
 * own operation name) or ORMC_ERROR for a NULL in a NOT NULL text or blob
 * column (a damaged or foreign database), recorded without an operation
 * name as "Blog.title is NULL in the row with id 7, but the schema says
 * NOT NULL (a damaged or foreign database?)"; callers prefix theirs with
 * db_restate.  A non-NULL text column that the backend cannot deliver
 * (column_text returns NULL: out of memory) is ORMC_NOMEM, never an empty
 * string.  (A NULL in a NOT NULL int/real/bool/datetime reads as 0.)
 * A model with a generated reader (m->read) is read by it when the
 * backend hands out its column functions (be->cols); else by the
 * backend's loop over the field descriptors (be->read_fields, or
 * read_fields_via).  Inline: it runs once per model of every row read. */
static inline int read_row(ormc_db *db, void *stmt, int col,
                           const ormc_model *m, void *obj, ormc_result *res)
{
    const ormc_backend *be = db->be;
    int bad = 0, rc;
    if (m->read && be->cols)
        rc = m->read(be->cols, stmt, col, obj, res, &bad);
    else
        rc = backend_read_fields(be, stmt, col, m->fields, m->nfields, obj,
                                 res, &bad);
    return rc == ORMC_OK ? rc : read_row_failed(db, m, obj, rc, bad);
}

/* The current row of stmt read (read_row) into a new object of m on the
 * connection's object pages (paged_object), which ormc_object_free frees:
 * into *out, ORMC_OK.  Else *out is NULL, nothing stays allocated and the
 * code is read_row's (ORMC_NOMEM or ORMC_ERROR, recorded as read_row
 * records them, for the caller to restate), ORMC_NOMEM also when the
 * object cannot be had (not recorded).  get's and get_or_create's;
 * inline, as read_row is, for get's loop of one row per call. */
static inline int read_object(ormc_db *db, void *stmt, const ormc_model *m,
                              void **out)
{
    *out = NULL;
    void *obj = paged_object(&db->pages, m->size);
    if (!obj)
        return ORMC_NOMEM;
    ormc_result *res = ((object_header *)obj - 1)->owner;
    int rc = read_row(db, stmt, 0, m, obj, res);
    paged_done(&db->pages, obj);
    if (rc == ORMC_OK)
        *out = obj;
    else
        ormc_result_free(res);
    return rc;
}

#endif
