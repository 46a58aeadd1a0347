/*
 * ormc.h — the ormc runtime: the one header generated code and applications
 * include.  It is the manual: every public function has its contract above it.
 *
 * Two halves:
 *   1. The application API (ormc_open, transactions, errors, statement counter,
 *      trace hook).
 *   2. The descriptor types and generic entry points that generated code calls
 *      (ormc_model, ormc_query, ormc_fetch, ...).  Applications normally use the
 *      typed wrappers that ormc generates instead of these.
 *
 * Nothing here is database specific: the SQLite and PostgreSQL backends
 * live behind ormc_backend.h (ormc_open picks one from its argument), and
 * generated code reaches the database only through this header.  Every
 * statement the runtime sends is rendered by the runtime from the
 * descriptors and the query (runtime/sql.c), in the words of the backend's
 * dialect table (runtime/dialect.h); generated code carries no SQL but the
 * DDL of schema create, once per dialect (docs/postgresql.md).
 *
 * Threading: an ormc_db is a single connection; use it from one thread at a
 * time (one connection per thread), and never in a child after fork().  Result
 * sets are plain memory and may be handed to other threads.  Several
 * connections (threads or processes) on one file: set WAL mode once with
 * ormc_exec(db, "PRAGMA journal_mode = WAL"); readers then never block and
 * writers queue on the 5 s busy timeout, then get ORMC_BUSY (docs/api.md 11).
 */
#ifndef ORMC_H
#define ORMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The runtime is built with -fvisibility=hidden: what this header declares
 * is its exported API, nothing else (an application's own read_row or
 * arena_new never clashes with the runtime's). */
#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility push(default)
#endif

#define ORMC_VERSION "0.1.0"
/* Bumped whenever the descriptor layout or a generated-code entry point
 * changes.  Generated files refuse to compile against another ABI. */
#define ORMC_ABI_VERSION 5

/* ---------------------------------------------------------------------------
 * Status codes.  Every fallible call returns one; ORMC_OK is 0.
 * ------------------------------------------------------------------------- */
typedef enum ormc_status {
    ORMC_OK = 0,
    ORMC_NOT_FOUND,  /* get/update/delete of an id that does not exist */
    ORMC_CONSTRAINT, /* UNIQUE, NOT NULL, FOREIGN KEY, CHECK violated */
    ORMC_INVALID,    /* bad value or bad query, rejected before any SQL ran */
    ORMC_BUSY,       /* database locked by another connection (after retry) */
    ORMC_NOMEM,      /* out of memory */
    ORMC_ERROR       /* anything else (I/O, misuse, schema mismatch, ...) */
} ormc_status;

typedef struct ormc_db ormc_db;

/* The name of a status code, e.g. "ORMC_CONSTRAINT".  Never NULL. */
const char *ormc_status_name(int status);

/* ---------------------------------------------------------------------------
 * Connections
 * ------------------------------------------------------------------------- */

/* Opens a database; the backend is chosen from `path`:
 *   - a PostgreSQL connection string, "postgresql://..." / "postgres://..."
 *     or "keyword=value ..." (e.g. "host=/tmp dbname=app"; libpq's
 *     syntax): a connection to that server (docs/postgresql.md);
 *   - anything else: the SQLite database file at `path` (":memory:" for an
 *     in-memory one), created if needed, with foreign keys enforced and a
 *     5 s busy timeout (a call that waits longer for another connection's
 *     lock fails with ORMC_BUSY).  A file whose name looks like
 *     "keyword=..." is reached as "./keyword=...".
 * On success *out is a new connection.  On failure *out is still a connection
 * (unless memory ran out, then NULL) so ormc_errmsg() can tell why; close it.
 * Cost: SQLite: one file open plus one PRAGMA statement (not counted);
 * PostgreSQL: connecting (a round trip or more). */
int ormc_open(const char *path, ormc_db **out);

/* Opens a PostgreSQL primary with read replicas (Django's database
 * routers, built in): `primary` and each of replicas[0..n) are connection
 * strings as ormc_open takes them (at most 15 replicas).  The connection
 * then sends
 *   - every statement inside a transaction (ormc_begin, and the runtime's
 *     own for writes) to where that transaction is open: the primary;
 *   - a read (a fetch, get, count, exists, aggregate, or a raw SELECT that
 *     locks nothing) outside a transaction to the next replica, round
 *     robin; a fetch of several statements (prefetch) reads one snapshot
 *     of one replica;
 *   - everything else (writes, DDL, SET, SELECT ... FOR UPDATE) to the
 *     primary.
 * A replica that is down (at open, or its connection lost at any time) is
 * skipped without an error: the read goes to the next replica, or to the
 * primary when none is up, and the replica is tried again 2 s later.
 * A replica can lag behind the primary: a read right after a write may not
 * see it (use a transaction to read your own writes).  The primary must
 * connect; on failure *out is as with ormc_open.  Cost: one connection per
 * server; a statement is prepared on each server the first time it runs
 * there. */
int ormc_open_replicas(const char *primary, const char *const *replicas,
                       size_t n, ormc_db **out);

/* Opens db's connection again after it was lost (PostgreSQL: the server
 * restarted, or the session was terminated; calls then fail with
 * ORMC_ERROR and a message ending "the connection to the server is lost
 * (ormc_reconnect opens it again)").  A transaction open at the loss is
 * gone (rolled back by the server).  Cached statements are dropped and
 * prepared again on first use.  With replicas: the primary now, each
 * replica on its next turn.  SQLite: nothing to reopen, ORMC_OK.  Returns
 * ORMC_OK, or ORMC_ERROR (the server still unreachable; call again later). */
int ormc_reconnect(ormc_db *db);

/* Closes the connection and finalizes its cached statements.  NULL-safe. */
void ormc_close(ormc_db *db);

/* The message of the last failed call on `db` ("" if none), e.g.
 * "Author.insert: UNIQUE constraint failed: author.email".  Valid until the
 * next call on db.  Accepts NULL (returns "out of memory"). */
const char *ormc_errmsg(const ormc_db *db);

/* The status of the last failed call on `db` (ORMC_OK if none). */
int ormc_errcode(const ormc_db *db);

/* Transactions.  ormc_begin starts one (BEGIN IMMEDIATE, so writers queue on
 * the busy timeout instead of failing at commit); nesting is refused with
 * ORMC_ERROR.  ormc_commit / ormc_rollback end it.  A failed statement inside
 * a transaction leaves the transaction open with the statement undone; the
 * caller decides whether to roll back (after ORMC_NOMEM or an I/O error
 * SQLite may have rolled the whole transaction back itself, and a failed
 * commit may leave it open).  ormc_in_transaction tells whether one is
 * open.  These statements are not counted by ormc_query_count. */
int ormc_begin(ormc_db *db);
int ormc_commit(ormc_db *db);
int ormc_rollback(ormc_db *db);
bool ormc_in_transaction(const ormc_db *db);

/* Number of SQL statements executed on `db` since open or the last reset
 * (each execution of a generated query, insert, update, delete, get, count or
 * aggregate counts one; transaction control and PRAGMAs do not). */
uint64_t ormc_query_count(const ormc_db *db);
/* Number of statements compiled (prepared) on `db`; cached statements are
 * reused, so repeated calls of the same shape do not raise it. */
uint64_t ormc_prepare_count(const ormc_db *db);
/* Sets both counters to zero. */
void ormc_reset_counts(ormc_db *db);

/* Trace hook: `fn(ctx, sql)` is called before each counted statement runs,
 * with its SQL text (placeholders, never values).  NULL fn turns it off. */
typedef void (*ormc_trace_fn)(void *ctx, const char *sql);
void ormc_set_trace(ormc_db *db, ormc_trace_fn fn, void *ctx);

/* Current time as datetime (Unix seconds, UTC): what `default now` stores. */
int64_t ormc_now(void);

/* Replaces the allocator of the whole runtime (connections, statement cache,
 * SQL text, result sets, objects from get) for the whole process.  Set it
 * before opening any connection and keep it until every connection is closed
 * and every result freed: memory is freed by the free_fn in force then.
 * All three NULL restores libc's malloc/realloc/free; only some NULL is
 * ORMC_INVALID (nothing changed).  They are never called with size 0, nor
 * free_fn with NULL; realloc_fn(NULL, n) must allocate, as realloc does.
 * A malloc_fn/realloc_fn returning NULL makes the call that needed it fail
 * with ORMC_NOMEM and free what it had taken.  SQLite's own memory is not
 * affected (see sqlite3_config).  With libc's allocator in force (all
 * three), blocks of 1 MiB or more of a result are mmap'd with a huge-page
 * hint instead and freed 64 KiB chunks are kept for the next result
 * (docs/api.md, section 7); a custom allocator gets every block, and
 * setting one gives the kept chunks back. */
int ormc_set_allocator(void *(*malloc_fn)(size_t),
                       void *(*realloc_fn)(void *, size_t),
                       void (*free_fn)(void *));

/* Runs one SQL statement that returns no rows and has no parameters
 * (application DDL, PRAGMAs): ormc_raw_exec(db, sql, NULL, 0, NULL) under
 * the name "exec" (messages read "exec: ...").  Rules as there: a
 * statement that returns rows is refused with ORMC_INVALID before it runs
 * (read rows with ormc_raw_query), except a PRAGMA, whose rows are
 * discarded (PRAGMAs are configuration, and `PRAGMA journal_mode = WAL`
 * answers with the new mode); text holding more than one statement is
 * refused too.  Prepared through the statement cache; 1 counted, traced
 * statement when it runs (not when it fails to compile or is refused). */
int ormc_exec(ormc_db *db, const char *sql);

/* ---------------------------------------------------------------------------
 * Value types used in generated structs
 * ------------------------------------------------------------------------- */

/* blob: `data` points to `size` bytes.  For a nullable blob, data == NULL
 * means SQL NULL; a non-null empty blob has a non-NULL data and size 0. */
typedef struct ormc_blob {
    const void *data;
    size_t size;
} ormc_blob;

/* Lookups of a where-filter (Django's field lookups).  Which lookups a
 * filter function takes is listed above it; another one is ORMC_INVALID.
 * A comparison with a NULL value (a NULL field, or a path through a NULL
 * relation) is false, for every lookup, ORMC_NE and ORMC_NOT_IN included;
 * only a NOT group (ormc_not) turns false into true (docs/api.md 5). */
typedef enum ormc_op {
    ORMC_EQ, ORMC_NE, ORMC_LT, ORMC_LE, ORMC_GT, ORMC_GE,
    /* text only; every character of the value matches itself, % _ * ? [
     * and \ included.  Case-sensitive, byte for byte: */
    ORMC_CONTAINS, ORMC_STARTSWITH, ORMC_ENDSWITH,
    /* text only, ignoring ASCII case (A-Z = a-z); every other character,
     * é and É included, must match exactly: */
    ORMC_IEXACT, ORMC_ICONTAINS, ORMC_ISTARTSWITH, ORMC_IENDSWITH,
    /* the _in filters: value in (or not in) an array of any length */
    ORMC_IN, ORMC_NOT_IN,
    /* the _range filters: lo <= value <= hi */
    ORMC_BETWEEN
} ormc_op;

/* Sort direction.  Another value is refused like an unknown lookup.  NULLs
 * sort first in ORMC_ASC and last in ORMC_DESC. */
typedef enum ormc_dir { ORMC_ASC, ORMC_DESC } ormc_dir;

/* Aggregates over an int or datetime field.  `count` is the number of non-NULL
 * values.  When it is 0, `is_null` is true and sum/avg/min/max are 0 (SQL NULL).*/
typedef struct ormc_int_stats {
    int64_t count;
    bool is_null;
    int64_t sum;
    double avg;
    int64_t min;
    int64_t max;
} ormc_int_stats;

/* Aggregates over a real field; same NULL rule as ormc_int_stats. */
typedef struct ormc_real_stats {
    int64_t count;
    bool is_null;
    double sum;
    double avg;
    double min;
    double max;
} ormc_real_stats;

/* ---------------------------------------------------------------------------
 * Descriptors — constant tables emitted by ormc, walked by the runtime.
 * ------------------------------------------------------------------------- */

typedef enum ormc_type {
    ORMC_T_INT,      /* int64_t */
    ORMC_T_REAL,     /* double */
    ORMC_T_BOOL,     /* bool (stored 0/1) */
    ORMC_T_TEXT,     /* const char * (UTF-8, NUL-terminated) */
    ORMC_T_BLOB,     /* ormc_blob */
    ORMC_T_DATETIME  /* int64_t Unix seconds UTC */
} ormc_type;

enum {
    ORMC_F_NULLABLE = 1u << 0, /* value may be NULL (see null_offset) */
    ORMC_F_PK = 1u << 1,       /* the implicit id */
    ORMC_F_FK = 1u << 2,       /* a relation's <name>_id column */
    ORMC_F_DEFAULT = 1u << 3,  /* def_* holds a literal default */
    ORMC_F_NOW = 1u << 4       /* default now */
};

typedef struct ormc_field {
    const char *name;    /* member name in the struct, e.g. "author_id" */
    const char *column;  /* SQL column name (unquoted), e.g. "author_id" */
    uint8_t type;        /* ormc_type */
    uint8_t flags;       /* ORMC_F_* */
    uint32_t max_chars;  /* text(N): N; 0 = unlimited */
    size_t offset;       /* offsetof the value member */
    size_t null_offset;  /* nullable int/real/bool/datetime: offsetof its bool
                            <name>_null member; otherwise 0 */
    int64_t def_int;     /* literal default for int/bool/datetime */
    double def_real;     /* literal default for real */
    const char *def_text;/* literal default for text */
} ormc_field;

typedef struct ormc_model ormc_model;

/* Owner of all memory of one result set (an arena).  Freed in one call. */
typedef struct ormc_result ormc_result;

/* The column functions of the backend running a statement, for a model's
 * generated row reader (ormc_model.read).  Each reads column `col` of the
 * statement's current row: is_null; the value as an int64 (0 for NULL) or
 * a double; text copied into res, *out the copy, and a blob likewise
 * (*out = {copy, size}; an empty blob has a non-NULL data).  text and
 * blob return ORMC_OK, ORMC_ERROR for a NULL column (a reader asks
 * is_null first for a nullable field) or ORMC_NOMEM. */
typedef struct ormc_cols {
    bool (*is_null)(void *stmt, int col);
    int64_t (*int64)(void *stmt, int col);
    double (*real)(void *stmt, int col);
    int (*text)(void *stmt, int col, ormc_result *res, const char **out);
    int (*blob)(void *stmt, int col, ormc_result *res, ormc_blob *out);
} ormc_cols;

/* A model's row reader, generated by ormc (<model>_read in the schema's
 * .c file): reads every field of the model from columns col, col + 1, ...
 * (fields in model order) into the zeroed struct obj, text and blobs
 * copied into res; a NULL column of a nullable field leaves the value
 * zero and sets its <name>_null flag.  Returns ORMC_OK, or ORMC_NOMEM or
 * ORMC_ERROR (a NULL in a NOT NULL text or blob column) with *bad the
 * index of the field that failed.  Called by the runtime only: it is the
 * straight-line form of the runtime's loop over the model's field
 * descriptors, which reads the rows of a model without one. */
typedef int (*ormc_read_fn)(const ormc_cols *k, void *stmt, int col,
                            void *obj, ormc_result *res, int *bad);

/* The parameter binds of a backend, which a generated binder calls: the
 * backend's own, the same contracts as ormc_bind_* (idx from 1; text and
 * blobs are borrowed until the statement is reset).  Each returns ORMC_OK
 * or the backend's error code. */
typedef struct ormc_binds {
    int (*null)(void *stmt, int idx);
    int (*int64)(void *stmt, int idx, int64_t v);
    int (*real)(void *stmt, int idx, double v);
    int (*text)(void *stmt, int idx, const char *v, size_t n);
    int (*blob)(void *stmt, int idx, const void *v, size_t n);
} ormc_binds;

/* A model's parameter binder, generated by ormc (<model>_bind in the
 * schema's .c file): binds every field of obj but the id, field i to
 * parameter i (fields in model order), NULL where a nullable field is
 * NULL (its <name>_null flag set; a NULL text pointer; a blob without
 * data).  obj was validated first.  Returns ORMC_OK or the first failing
 * bind's code.  Called by the runtime only (insert, update, upsert,
 * get-or-create): it is the straight-line form of the runtime's loop
 * over the model's field descriptors, which binds the fields of a model
 * without one. */
typedef int (*ormc_bind_fn)(const ormc_binds *k, void *stmt, const void *obj);

/* A model's checker, generated by ormc (<model>_check in the schema's .c
 * file): true when every field of obj but the id holds a value the model
 * stores as it is (text not NULL unless nullable, valid UTF-8 and within
 * its length: ormc_text_ok; a blob's data there when it has a size; a
 * real not NaN; a zero value under a set NULL flag).  False hands obj to
 * the runtime's checks over the field descriptors, which name the field
 * at fault and record the error.  Called by the runtime only, before
 * each write: the straight-line form of those checks. */
typedef bool (*ormc_check_fn)(const void *obj);

/* Whether s is text a field of at most max characters (0: no limit)
 * stores: not NULL, valid UTF-8, max characters or fewer.  For generated
 * checkers. */
bool ormc_text_ok(const char *s, uint32_t max);

/* A to-one relation of a model: a foreign key (`author Author`), or the
 * other side of a one-to-one relation (a unique foreign key of the
 * target to this model: reverse true), whose row may be missing. */
typedef struct ormc_relation {
    const char *name;          /* "author" */
    uint16_t field;            /* index of its <name>_id field; reverse:
                                  of the target's foreign key to us */
    const ormc_model *target;  /* the related model */
    size_t ptr_offset;         /* offsetof the `Target *name` member */
    bool reverse;
} ormc_relation;

/* A to-many relation of a model: the other side of a child's foreign
 * key (`comments`: join NULL), or a many-to-many relation seen from
 * either side (`tags` of Post, `posts` of Tag): the pairs are the rows of
 * table `join`, whose column join_from holds this model's id and join_to
 * the child's.  What prefetch and count load through it lives in the
 * parent's Rel block (struct BlogRel, reached by the row's `rel`
 * pointer), not in the row itself, so a row carries no slot it was not
 * asked to fill. */
typedef struct ormc_reverse {
    const char *name;          /* "comments" */
    const ormc_model *child;   /* Comment */
    uint16_t child_field;      /* index of the FK field in child->fields */
    size_t list_offset;        /* offsetof the ChildRefs member in the Rel */
    size_t count_offset;       /* offsetof the int64_t <name>_count in the Rel */
    const char *join;          /* many-to-many: the join table, else NULL */
    const char *join_from;     /* its column of this model's id */
    const char *join_to;       /* its column of the child's id */
    bool join_fields;          /* the join table is a model with fields of
                                  its own (through): no add / set */
} ormc_reverse;

typedef struct ormc_order_term {
    uint16_t field;
    uint8_t desc;
} ormc_order_term;

struct ormc_model {
    const char *name;         /* "Blog" */
    const char *table;        /* SQL table name (unquoted), "blog" */
    size_t size;              /* sizeof(Blog) */
    const ormc_field *fields; /* fields[0] is id */
    uint16_t nfields;
    const ormc_relation *relations;
    uint16_t nrelations;
    const ormc_reverse *reverses;
    uint16_t nreverses;
    const ormc_order_term *order; /* default ordering (@order, else id) */
    uint16_t norder;
    size_t rel_offset;        /* offsetof the `BlogRel *rel` member */
    size_t rel_size;          /* sizeof(BlogRel); 0: no reverse relations */
    ormc_read_fn read;        /* its row reader; NULL: the runtime's loop
                                 over `fields` reads its rows */
    ormc_bind_fn bind;        /* its binder; NULL: the runtime's loop binds */
    ormc_check_fn check;      /* its checker; NULL: the runtime's checks
                                 over `fields` only */
};

/* A whole schema: its models and the DDL that creates it (SQLite's). */
typedef struct ormc_schema {
    const char *name;
    const ormc_model *const *models;
    size_t nmodels;
    const char *const *ddl; /* SQLite's CREATE statements */
    size_t nddl;
    const char *const *pg_ddl; /* PostgreSQL's */
    size_t npg_ddl;
    /* 16 hex digits: a hash of SQLite's DDL, computed by ormc (the same
     * for the same DDL); ormc_schema_create stores it in table ormc_meta,
     * which ormc_schema_check compares and ormc diff's script updates.
     * NULL: no fingerprint is written or checked. */
    const char *fingerprint;
} ormc_schema;

/* ---------------------------------------------------------------------------
 * Result sets (ormc_result: declared above, with the row readers)
 * ------------------------------------------------------------------------- */

/* Frees a result set and everything it owns.  NULL-safe. */
void ormc_result_free(ormc_result *res);

/* Untyped view of a generated XList: { X *items; size_t count; owner }. */
typedef struct ormc_list {
    void *items;
    size_t count;
    ormc_result *owner;
} ormc_list;

/* Untyped view of a generated XRefs, the list of one relation of a row
 * (in its Rel block): { X **items; size_t count; }.  The objects pointed
 * to belong to the row's result; items is NULL when count is 0. */
typedef struct ormc_refs {
    void **items;
    size_t count;
} ormc_refs;

/* ---------------------------------------------------------------------------
 * Queries (filled by generated m_query_init / m_where_* / m_with_* ...)
 * ------------------------------------------------------------------------- */

/* A path: a field of a model (`root`), or a field of a model reached from
 * it along relations: Book -> author -> publisher -> name.  Each step is
 * a relation index of the model reached so far (a foreign key: one row),
 * or ORMC_STEP_REVERSE | a reverse relation index (its children: a filter
 * through it holds when some child matches, Django's semantics; an
 * ordering through it is refused).  Generated code builds paths as typed
 * constants (BLOG_TITLE) and typed steps (blog_via_author_text), so that
 * a path of the wrong model or type does not compile. */
#define ORMC_PATH_MAX 8
#define ORMC_STEP_REVERSE 0x8000u

typedef struct ormc_path {
    const ormc_model *root; /* where the path starts; NULL: a broken path */
    uint16_t field;         /* index of the field in the last model */
    uint8_t type;           /* ormc_type of that field */
    uint8_t nsteps;         /* 0..ORMC_PATH_MAX */
    uint16_t step[ORMC_PATH_MAX];
} ormc_path;

/* The path from `m` through its relation `step` (or ORMC_STEP_REVERSE |
 * reverse relation index) and then along `in`.  Never fails: a step `m`
 * does not have, one that does not lead to in.root, or a path of more
 * than ORMC_PATH_MAX steps gives a broken path (root NULL), which a query
 * refuses as ORMC_INVALID.  Cost: a copy of 32 bytes. */
ormc_path ormc_path_via(const ormc_model *m, unsigned step, ormc_path in);

/* One term of a query: a filter, a group bracket, an order term, or a
 * related load.  Internal: use the builder functions below. */
typedef struct ormc_term {
    uint8_t kind;  /* query.c's term kinds */
    uint8_t op;    /* ormc_op, or ormc_dir for an order term */
    uint16_t rel;  /* related loads: relation or reverse relation index */
    ormc_path path;
    size_t n;      /* _in: number of values */
    union {
        int64_t i[2];
        double r[2];
        const char *s;
        const int64_t *iv;
        const double *rv;
        const char *const *sv;
        const struct ormc_query *sub; /* a prefetch's child query, or NULL */
    } v;
} ormc_term;

/* Terms held inside the query itself; more spill to one heap block. */
#define ORMC_QUERY_INLINE 8

/* A query under construction: filters nested in AND / OR / NOT groups,
 * order terms, related loads, limit and offset, with no fixed caps.  Up
 * to ORMC_QUERY_INLINE terms it allocates nothing; past that its terms
 * move to one heap block, which ormc_query_free releases (calling it on
 * a query that never spilled is harmless, so call it always).  Builder
 * calls never fail on their own: a misuse (a field of another model, an
 * unknown lookup or direction, an unbalanced group, out of memory) is
 * remembered and reported by the run as ORMC_INVALID (ORMC_NOMEM for
 * memory) before any SQL.  Text and array values are borrowed: keep them
 * alive until the run returns.  A query may be run any number of times;
 * do not copy one by assignment (the copy would share its heap block). */
typedef struct ormc_query {
    const ormc_model *model;
    const char *error;  /* first builder misuse, or NULL */
    ormc_term *heap;    /* the terms once spilled, else NULL */
    uint32_t nterms, cap;
    uint32_t open;      /* groups begun and not yet ended */
    bool nomem;         /* the error is out of memory */
    uint16_t kinds;     /* the kinds of its terms, a bit each */
    int64_t limit;      /* -1: none */
    int64_t offset;     /* 0: none */
    ormc_term inl[ORMC_QUERY_INLINE];
} ormc_query;

/* Starts a query over all rows of `model` in its default order. */
void ormc_query_init(ormc_query *q, const ormc_model *model);
/* Frees what q allocated and starts it again, empty, over the same model.
 * NULL-safe. */
void ormc_query_free(ormc_query *q);

/* Filters: path <op> value.  Every filter (and group) is ANDed with the
 * others of its group; the query itself is an AND group.
 *   int, datetime:  EQ NE LT LE GT GE
 *   real:           the same; NaN is refused
 *   bool:           EQ NE
 *   text:           EQ NE LT LE GT GE (byte order), CONTAINS STARTSWITH
 *                   ENDSWITH, IEXACT ICONTAINS ISTARTSWITH IENDSWITH;
 *                   NULL or invalid UTF-8 is refused */
void ormc_where_int(ormc_query *q, const ormc_path *p, ormc_op op, int64_t v);
void ormc_where_real(ormc_query *q, const ormc_path *p, ormc_op op, double v);
void ormc_where_bool(ormc_query *q, const ormc_path *p, ormc_op op, bool v);
void ormc_where_text(ormc_query *q, const ormc_path *p, ormc_op op,
                     const char *v);
/* path IS NULL (is_null) or IS NOT NULL; through a NULL relation the
 * value is NULL. */
void ormc_where_null(ormc_query *q, const ormc_path *p, bool is_null);
/* op ORMC_IN or ORMC_NOT_IN: value in v[0..n).  Any n, 0 included (IN
 * matches nothing, NOT IN every non-NULL value); the array is sent as one
 * parameter, so the statement is the same for every n. */
void ormc_where_int_in(ormc_query *q, const ormc_path *p, ormc_op op,
                       const int64_t *v, size_t n);
void ormc_where_real_in(ormc_query *q, const ormc_path *p, ormc_op op,
                        const double *v, size_t n);
void ormc_where_text_in(ormc_query *q, const ormc_path *p, ormc_op op,
                        const char *const *v, size_t n);
/* lo <= value <= hi (Django's __range). */
void ormc_where_int_range(ormc_query *q, const ormc_path *p, int64_t lo,
                          int64_t hi);
void ormc_where_real_range(ormc_query *q, const ormc_path *p, double lo,
                           double hi);
/* A datetime in one UTC calendar year, month (1-12) of a year, or day
 * (Django's __year, __month with __year, __date): sent as a half-open
 * range of Unix seconds, so an index on the field serves it.  A month or
 * day that does not exist is refused. */
void ormc_where_year(ormc_query *q, const ormc_path *p, int year);
void ormc_where_month(ormc_query *q, const ormc_path *p, int year, int month);
void ormc_where_day(ormc_query *q, const ormc_path *p, int year, int month,
                    int day);

/* Groups (Django's Q objects): ormc_or(q) begins a group whose terms are
 * ORed, ormc_and(q) one whose terms are ANDed, ormc_not(q) one that holds
 * when the AND of its terms does not (Django's exclude(); a comparison
 * with NULL inside counts as false, so NOT makes it true); ormc_end(q)
 * closes the innermost open group.  An empty AND group is true, an empty
 * OR group false.  Every group must be closed before the run. */
void ormc_and(ormc_query *q);
void ormc_or(ormc_query *q);
void ormc_not(ormc_query *q);
void ormc_end(ormc_query *q);

/* Adds an ORDER BY term (a path along foreign keys only); the first call
 * replaces the default ordering.  `id` is always appended as the last
 * tie-breaker, so the order is total. */
void ormc_order_by(ormc_query *q, const ormc_path *p, ormc_dir dir);
/* LIMIT n (n >= 0) and OFFSET n (n >= 0). */
void ormc_limit(ormc_query *q, int64_t n);
void ormc_offset(ormc_query *q, int64_t n);
/* select_related: each row's related object of forward relation
 * `relation`, read in the same statement (a JOIN), shared by the rows
 * that name the same one.  Asking twice is the same as once. */
void ormc_with(ormc_query *q, uint16_t relation);

/* select_related through more than one relation (Django's
 * select_related("blog__author")): the related object of `relation`,
 * with the with_ loads of `sub` (a query of the related model holding
 * with_ loads only, themselves with or without a `sub`) on it, all in
 * the same statement: one JOIN per relation on the way (LEFT once a link
 * may be missing), two relations to one model each with its own alias.
 * `sub` is borrowed until q's last run; NULL is ormc_with.  A `sub` with
 * anything but with_ loads, or nested more than ORMC_PREFETCH_DEPTH
 * levels, makes the run ORMC_INVALID.  Asking again for the same
 * relation replaces the earlier `sub`. */
void ormc_with_from(ormc_query *q, uint16_t relation, const ormc_query *sub);

/* prefetch_related: every row's children through reverse relation
 * `reverse`, in ONE extra statement however many rows, in the child
 * model's default order, into the row's Rel block (row->rel->name).
 * Same as ormc_prefetch_from(q, reverse, NULL). */
void ormc_prefetch(ormc_query *q, uint16_t reverse);

/* Django's Prefetch(queryset=...): the children through `reverse` that
 * the child query `sub` selects (a query of the child model; NULL: all,
 * in default order), still in ONE extra statement.  Everything of `sub`
 * applies to the children of each row: its filters (any path), its
 * order, its with_ loads and counts, and its own prefetches (nested
 * prefetch: one more statement per level, however many rows, at most
 * ORMC_PREFETCH_DEPTH levels); its limit and offset apply per row ("the
 * 3 newest comments of each blog": a correlated LIMIT/OFFSET subquery
 * per parent inside the one statement, however many rows).  `sub` is borrowed:
 * keep it, unchanged, until q's last run.  No parameter is bound per
 * row: a nested level sends its parents' ids as one array.  Asking again
 * for the same relation replaces the earlier child query. */
void ormc_prefetch_from(ormc_query *q, uint16_t reverse,
                        const ormc_query *sub);
#define ORMC_PREFETCH_DEPTH 8

/* annotate(Count): each row's number of children through `reverse`, in
 * the same statement (a correlated COUNT), into row->rel->name_count.
 * Same as ormc_count_from(q, reverse, NULL). */
void ormc_count(ormc_query *q, uint16_t reverse);

/* annotate(Count("comments", filter=Q(...))): the number of the children
 * through `reverse` that the child query `sub` selects (its filters, any
 * path; NULL: all), still one correlated COUNT in the same statement.
 * `sub` may hold filters only (an order, a limit, loads or set terms make
 * the run ORMC_INVALID); it is borrowed until q's last run.  Asking again
 * for the same relation replaces the earlier `sub`. */
void ormc_count_from(ormc_query *q, uint16_t reverse, const ormc_query *sub);

/* The aggregate of an annotation over a relation path. */
typedef enum ormc_agg {
    ORMC_COUNT, /* the number of non-NULL values (of rows, for an id) */
    ORMC_SUM,
    ORMC_AVG,
    ORMC_MIN,
    ORMC_MAX
} ormc_agg;

/* One annotation of one row (ormc_annotate).  ORMC_COUNT's number, and
 * the SUM, MIN and MAX of an int or datetime field, are in i; AVG, and
 * the SUM, MIN and MAX of a real field, in r.  is_null: SQL's NULL, when
 * no row (or only NULLs) was reached; a count is never NULL (0). */
typedef struct ormc_annot {
    bool is_null;
    int64_t i;
    double r;
} ormc_annot;

/* annotate(Count("blogs__comments")), annotate(Sum("blogs__comments__
 * score")) and Avg, Min, Max: `agg` of the field path `p` ends at, over
 * every row reached from each row of q along p, in the same statement
 * (one correlated subquery per annotation, the path joined inside it:
 * several annotations do not multiply each other as a JOIN ... GROUP BY
 * would).  p's first step must be a to-many relation (a reverse or a
 * many-to-many one, ORMC_STEP_REVERSE); the other steps may be of any
 * kind.  ORMC_COUNT takes a field of any type; the others an int, real
 * or datetime field (else the run is ORMC_INVALID).  Returns the
 * annotation's index among q's annotations (0, 1, ... in call order) in
 * ormc_annotations(); SIZE_MAX on misuse. */
size_t ormc_annotate(ormc_query *q, ormc_agg agg, const ormc_path *p);

/* The annotations of `row` (a row of `model` fetched by a query with
 * ormc_annotate calls, or a child of a prefetch whose child query had
 * them): [0..n) in call order; NULL when its query had none. */
const ormc_annot *ormc_annotations(const ormc_model *model, const void *row);

/* Runs `q` over `model` (q == NULL: all rows in default order): 1 statement,
 * plus exactly 1 per prefetched relation at every level (a nested
 * prefetch counts once however many parents it has), whatever the
 * number of rows.  On success *out holds the rows (items[0..count)), all
 * owned by out->owner (free with ormc_result_free), children and
 * related objects included.  A row's `rel` pointer (models with reverse
 * relations) is NULL unless q (or, for a child, its child query) asked
 * for a prefetch or count of that model; the lists and counts not asked
 * for are empty and 0.  On failure *out is an empty list and nothing
 * needs freeing. */
int ormc_fetch(ormc_db *db, const ormc_model *model, const ormc_query *q,
               ormc_list *out);

/* The first row of q (its order, its offset; at most one row is read), with
 * its related loads, into a new object *out (free with ormc_object_free;
 * the object owns its strings, related objects and children).
 * ORMC_NOT_FOUND and *out = NULL when q selects no row.  1 statement + 1
 * per prefetch. */
int ormc_first(ormc_db *db, const ormc_model *model, const ormc_query *q,
               void **out);

/* Whether q selects at least one row: SELECT EXISTS(...).  1 statement. */
int ormc_exists(ormc_db *db, const ormc_model *model, const ormc_query *q,
                bool *out);

/* SELECT COUNT(*) over `q` (filters, limit and offset apply; NULL = all rows).
 * 1 statement. */
int ormc_count_rows(ormc_db *db, const ormc_model *model, const ormc_query *q,
                    int64_t *out);

/* COUNT/SUM/AVG/MIN/MAX of one field over `q` (NULL = all rows), in 1
 * statement.  ormc_aggregate_int takes an int or datetime field,
 * ormc_aggregate_real a real one; another field is ORMC_INVALID. */
int ormc_aggregate_int(ormc_db *db, const ormc_model *model,
                       const ormc_query *q, uint16_t field,
                       ormc_int_stats *out);
int ormc_aggregate_real(ormc_db *db, const ormc_model *model,
                        const ormc_query *q, uint16_t field,
                        ormc_real_stats *out);

/* ---------------------------------------------------------------------------
 * Writes over a query (Django's update() and delete()) and by unique key
 * ------------------------------------------------------------------------- */

/* SET terms of ormc_update_where, on a field of the query's model itself
 * (not id, not through a relation): a value, NULL (a nullable field), or
 * the row's own value plus d / times k (Django's F("score") + 1; NULL
 * stays NULL).  Values are checked like an insert's (NaN, UTF-8, text(N));
 * a misuse makes the run ORMC_INVALID.  Text and blobs are borrowed. */
void ormc_set_int(ormc_query *q, const ormc_path *p, int64_t v);
void ormc_set_real(ormc_query *q, const ormc_path *p, double v);
void ormc_set_bool(ormc_query *q, const ormc_path *p, bool v);
void ormc_set_text(ormc_query *q, const ormc_path *p, const char *v);
void ormc_set_blob(ormc_query *q, const ormc_path *p, ormc_blob v);
void ormc_set_null(ormc_query *q, const ormc_path *p);
void ormc_set_add_int(ormc_query *q, const ormc_path *p, int64_t d);
void ormc_set_add_real(ormc_query *q, const ormc_path *p, double d);
void ormc_set_mul_real(ormc_query *q, const ormc_path *p, double k);

/* Applies q's SET terms to every row q selects (its filters, paths,
 * order, limit and offset), in one UPDATE statement; *changed (may be
 * NULL) is the number of rows it changed.  A query without SET terms is
 * ORMC_INVALID.  Constraint violations (UNIQUE, FOREIGN KEY, CHECK) are
 * ORMC_CONSTRAINT with no row changed.  1 statement. */
int ormc_update_where(ormc_db *db, const ormc_model *model,
                      const ormc_query *q, int64_t *changed);

/* Deletes every row q selects, in one DELETE statement, applying each
 * relation's `on delete`; *deleted (may be NULL) is the number of rows of
 * `model` deleted (cascaded rows are not counted).  A restrict is
 * ORMC_CONSTRAINT with nothing deleted.  1 statement. */
int ormc_delete_where(ormc_db *db, const ormc_model *model,
                      const ormc_query *q, int64_t *deleted);

/* Validates and writes only the n fields fields[0..n) of obj to the row
 * with obj's id (Django's save(update_fields=...)); each element is an
 * ormc_path of a field of m itself (not id), found `stride` bytes apart
 * (generated code passes an array of its typed paths).  ORMC_NOT_FOUND if
 * there is no such row.  1 statement. */
int ormc_update_fields(ormc_db *db, const ormc_model *m, const void *obj,
                       const ormc_path *fields, size_t n, size_t stride);

/* Many-to-many links (Django's add, set, remove, clear). */
enum { ORMC_LINK_ADD, ORMC_LINK_SET, ORMC_LINK_REMOVE, ORMC_LINK_CLEAR };

/* Changes the links of row `id` of m through many-to-many relation `rev`
 * (a reverse relation index whose join is set) to the rows ids[0..n) of
 * its child model: ADD links those not linked yet (1 statement,
 * INSERT ... ON CONFLICT DO NOTHING); REMOVE unlinks them (1 statement);
 * SET makes them exactly the links (2 statements in a savepoint: the
 * others are deleted, the missing inserted, all or nothing); CLEAR
 * unlinks every one (1 statement; ids ignored).  The ids are bound as
 * one array, so any n costs the same statements.  An id of no row (or
 * `id` of no row, for ADD and SET) is ORMC_CONSTRAINT with nothing
 * changed.  ADD and SET are refused (ORMC_INVALID, before any SQL) when
 * the join table is a through model: insert its rows instead.
 * Messages read "Post.add_tags: ...". */
int ormc_link(ormc_db *db, const ormc_model *m, uint16_t rev, int op,
              int64_t id, const int64_t *ids, size_t n);

/* Like ormc_first, for a query that must select exactly one row (Django's
 * get()): ORMC_NOT_FOUND when it selects none, ORMC_ERROR when more than
 * one (nothing returned).  1 statement + 1 per prefetch. */
int ormc_get_where(ormc_db *db, const ormc_model *m, const ormc_query *q,
                   void **out);

/* Inserts obj, or, when a row has the same values of the unique key
 * key[0..nkey) (field numbers), updates that row's other fields to obj's;
 * sets obj's id either way.  Validates first; on any failure nothing is
 * written and obj's id is unchanged (the statement runs in a savepoint).
 * 1 statement (INSERT ... ON CONFLICT DO UPDATE ... RETURNING). */
int ormc_upsert(ormc_db *db, const ormc_model *m, void *obj,
                const uint16_t *key, size_t nkey);

/* Django's get_or_create: the row whose unique key key[0..nkey) has the
 * values of `defaults`, or a new row made of `defaults` (validated first)
 * when there is none; *out is a new object either way (free with
 * ormc_object_free) and *created tells which.  1 statement when the row
 * exists, 2 when it is created (3 if another connection creates it
 * between the two: then that row is returned). */
int ormc_get_or_create(ormc_db *db, const ormc_model *m, const void *defaults,
                       const uint16_t *key, size_t nkey, void **out,
                       bool *created);

/* ---------------------------------------------------------------------------
 * Objects (called by generated m_init / m_insert / ...)
 * ------------------------------------------------------------------------- */

/* Zeroes *obj and applies the model's defaults (`default now` = ormc_now()).
 * A nullable field without a literal default (none, or `default null`)
 * starts NULL: its <name>_null flag is true, text/blob pointers are NULL.
 * To store a value in such an int/real/bool/datetime field, set the value
 * AND clear its flag: a value left behind a true flag is refused by insert
 * and update (see ormc_insert), never stored as NULL. */
void ormc_object_init(const ormc_model *m, void *obj);

/* Validates obj (NOT NULL, text(N) in characters, valid UTF-8, no NaN, no
 * value behind a true <name>_null flag) and inserts it; sets obj's id.
 * A nullable int/real/bool/datetime whose flag is true must hold 0, +0.0
 * (bit for bit) or false, else ORMC_INVALID before any SQL, e.g.
 * "Blog.editor_id: editor_null is true but the value is 3 (set editor_null
 * = false to store 3, or editor_id = 0 to store NULL)".  ormc_update and
 * ormc_insert_many validate the same way.  1 statement; nothing is written
 * on error. */
int ormc_insert(ormc_db *db, const ormc_model *m, void *obj);

/* Inserts the n objects of the array `objs` (each m->size bytes), all or
 * nothing: every object is validated before any SQL runs, then the rows are
 * inserted in one transaction (a savepoint inside the caller's transaction,
 * else BEGIN IMMEDIATE ... COMMIT) and each object's id is set.  On any
 * failure (validation, transaction control, prepare, bind, step, commit)
 * the database is as it was and every one of the n ids is 0, ids an earlier
 * call left in the array included; a validation message ends "(item i of
 * n; nothing written)".  n statements (one prepared statement, reused);
 * transaction control is not counted. */
int ormc_insert_many(ormc_db *db, const ormc_model *m, void *objs, size_t n);

/* Validates and writes every field of obj to the row with obj's id.
 * ORMC_NOT_FOUND if no such row.  1 statement. */
int ormc_update(ormc_db *db, const ormc_model *m, const void *obj);

/* Deletes row `id`; the database applies each relation's `on delete`
 * (cascade, set null, or restrict -> ORMC_CONSTRAINT with nothing deleted).
 * ORMC_NOT_FOUND if no such row.  1 statement. */
int ormc_delete(ormc_db *db, const ormc_model *m, int64_t id);

/* Loads row `id` into a new object *out (free with ormc_object_free).
 * ORMC_NOT_FOUND if no such row, *out = NULL.  A NULL in a NOT NULL text
 * or blob column (a damaged or foreign database) is ORMC_ERROR naming the
 * field and id, *out = NULL.  1 statement. */
int ormc_get(ormc_db *db, const ormc_model *m, int64_t id, void **out);

/* Frees an object returned by ormc_get.  NULL-safe. */
void ormc_object_free(void *obj);

/* Creates every table and index of `schema`, all or nothing (inside a
 * savepoint), and records the schema's name and fingerprint in table
 * ormc_meta (created if missing: "schema" TEXT PRIMARY KEY, "fingerprint"
 * TEXT; one row per schema, so several schemas may share a database).
 * Fails with ORMC_ERROR if a table already exists.  Counts one statement
 * per DDL statement (not those of ormc_meta, which are bookkeeping like
 * the PRAGMAs). */
int ormc_schema_create(ormc_db *db, const ormc_schema *schema);

/* Checks that the database is the one `schema` describes, so a program
 * built against another version of the schema fails here, with one clear
 * message, instead of with "no such column" at its first query.  Compares,
 * in this order, and reports the FIRST difference as ORMC_ERROR
 * (docs/api.md, "Schema checks", lists every message):
 *   - none of the schema's tables exists and ormc_meta has no row for it:
 *     "schema blog: the database has none of its tables: create them with
 *     ormc_schema_create, or open with ORMC_CREATE_IF_MISSING"
 *   - each model's table and then its columns, in schema order (a missing
 *     table or column, a column the schema lacks, another type or
 *     nullability), then the join tables of many-to-many relations, e.g.
 *     "schema blog: table blog has no column stock: migrate with ormc diff"
 *   - the fingerprint in ormc_meta (missing, or another schema's DDL: an
 *     index, a default, a CHECK that differs).
 * ORMC_OK when all match.  Reads only; runs one statement per table plus
 * one (not counted).  Tables of other schemas are ignored. */
int ormc_schema_check(ormc_db *db, const ormc_schema *schema);

/* Flags of ormc_schema_open. */
#define ORMC_CREATE_IF_MISSING 1u

/* ormc_schema_check, for a program's start.  With ORMC_CREATE_IF_MISSING
 * in `flags`, a database holding none of the schema's tables (a new file)
 * first gets them (ormc_schema_create), then is checked; a database
 * holding some but not all of them is never touched and fails the check.
 * Other bits of flags are refused with ORMC_INVALID. */
int ormc_schema_open(ormc_db *db, const ormc_schema *schema, unsigned flags);

/* ===========================================================================
 * Raw SQL: the escape hatch for what the query language cannot say
 * (Django's Manager.raw() and connection.cursor().execute()); docs/api.md,
 * section 15.  Statements are SQLite's dialect and run as written.
 *
 * Rules common to ormc_raw_exec, ormc_raw_query and ormc_raw_fetch:
 *   - `sql` is one statement with `?` placeholders (?NNN counts as its
 *     number).  Values are bound, never spliced into the text: the trace
 *     hook sees the text exactly as given.  Text after the first statement
 *     (other than blanks, `;` and comments) is refused.
 *   - params[0..n) are bound to ?1..?n; n must equal the statement's
 *     parameter count.  params may be NULL when n is 0.
 *   - Refused with ORMC_INVALID before any SQL runs: no statement, a NaN
 *     real, text that is not valid UTF-8, a blob with a size but no data,
 *     an unknown type tag, or a parameter count other than the statement's.
 *     Checks on the statement itself (count, rows or not) need it compiled,
 *     so the text is prepared first (ormc_prepare_count may rise) but not run.
 *   - Prepared through the statement cache (same text, same statement) and
 *     counted (ormc_query_count) and traced (ormc_set_trace) once when it
 *     runs; a refused or uncompilable statement is neither.
 *   - Messages start with the call: "raw_exec: ...", "raw_query: ...",
 *     "Blog.raw_fetch: ..." (e.g. "raw_exec: UNIQUE constraint failed:
 *     author.email").
 *   - The callback of ormc_raw_query (and the trace hook) must not use the
 *     same connection: the statement being read lives in its cache.
 * ========================================================================= */

/* The type tag of an SQL NULL ormc_value (the others are ORMC_T_*). */
enum { ORMC_T_NULL = 0xff };

/* A typed parameter.  type: ORMC_T_INT and ORMC_T_DATETIME (v.i),
 * ORMC_T_REAL (v.r), ORMC_T_BOOL (v.t, bound as 0/1), ORMC_T_TEXT (v.s,
 * NUL-terminated UTF-8; NULL binds SQL NULL), ORMC_T_BLOB (v.b; data NULL
 * and size 0 binds SQL NULL, a non-NULL data of size 0 an empty blob), or
 * ORMC_T_NULL.  Text and blobs are borrowed until the call returns. */
typedef struct ormc_value {
    uint8_t type;
    union {
        int64_t i;
        double r;
        const char *s;
        ormc_blob b;
        bool t;
    } v;
} ormc_value;

/* Constructors: ormc_value p[] = {ormc_int(7), ormc_text("x")}. */
static inline ormc_value ormc_null(void)
{
    ormc_value v;
    v.type = ORMC_T_NULL;
    v.v.i = 0;
    return v;
}
static inline ormc_value ormc_int(int64_t i)
{
    ormc_value v;
    v.type = ORMC_T_INT;
    v.v.i = i;
    return v;
}
static inline ormc_value ormc_real(double r)
{
    ormc_value v;
    v.type = ORMC_T_REAL;
    v.v.r = r;
    return v;
}
static inline ormc_value ormc_bool(bool t)
{
    ormc_value v;
    v.type = ORMC_T_BOOL;
    v.v.t = t;
    return v;
}
static inline ormc_value ormc_text(const char *s)
{
    ormc_value v;
    v.type = ORMC_T_TEXT;
    v.v.s = s;
    return v;
}
static inline ormc_value ormc_blob_v(const void *p, size_t n)
{
    ormc_value v;
    v.type = ORMC_T_BLOB;
    v.v.b.data = p;
    v.v.b.size = n;
    return v;
}

/* Runs one statement that returns no rows (INSERT, UPDATE, DELETE, DDL)
 * with params[0..n).  On success *changes (if changes is not NULL) is the
 * number of rows the statement inserted, updated or deleted itself (not
 * those of triggers or foreign-key actions; 0 for DDL); on failure 0.  A
 * statement that returns rows (a SELECT, or `... RETURNING`) is refused
 * with ORMC_INVALID ("raw_exec: the statement returns rows; use
 * ormc_raw_query or ormc_raw_fetch") and does not run, except a PRAGMA
 * (its rows are discarded).  1 statement.  Allocates nothing the caller
 * frees. */
int ormc_raw_exec(ormc_db *db, const char *sql, const ormc_value *params,
                  size_t n, int64_t *changes);

/* One result row, seen by an ormc_row_fn.  Valid only during the call. */
typedef struct ormc_row ormc_row;

/* Called for each row, in order.  Return 0 for the next row, nonzero to
 * stop: the remaining rows are not read and ormc_raw_query returns
 * ORMC_OK. */
typedef int (*ormc_row_fn)(void *ctx, const ormc_row *row);

/* Runs one statement with params[0..n) and calls fn(ctx, row) for each row
 * it returns (a statement that returns none runs and never calls fn).
 * Returns ORMC_OK when the rows ran out or fn stopped; otherwise the status
 * of the failure, after the rows before it were seen (fn NULL is
 * ORMC_INVALID, nothing run).  A text column that memory ran out converting
 * reads as NULL (see ormc_row_text) and the call then returns ORMC_NOMEM
 * after fn returns.  1 statement.  Allocates nothing the caller frees. */
int ormc_raw_query(ormc_db *db, const char *sql, const ormc_value *params,
                   size_t n, ormc_row_fn fn, void *ctx);

/* Runs a SELECT with params[0..n) and reads its rows into the generated
 * struct of model m (e.g. &blog_model; out is an XList seen as an
 * ormc_list, as in ormc_fetch).  The columns must be m's fields, in field
 * order, matched by position (names are not compared): another number of
 * columns is ORMC_INVALID before it runs ("Blog.raw_fetch: the statement
 * returns 2 columns, Blog has 6: id, title, author_id, editor_id, created,
 * rating"), and a NULL in a field that is not nullable is ORMC_INVALID
 * naming the row and field.  Values are converted as SQLite converts them.
 * Relation pointers and the rel pointer stay NULL.  On
 * success *out holds the rows, all owned by out->owner (free with
 * ormc_result_free or the generated x_list_free); on failure *out is an
 * empty list and nothing needs freeing.  1 statement. */
int ormc_raw_fetch(ormc_db *db, const ormc_model *m, const char *sql,
                   const ormc_value *params, size_t n, ormc_list *out);

/* Column access for an ormc_row_fn.  Columns are numbered from 0; a column
 * outside 0..ormc_row_count(row)-1 reads as NULL (name NULL).  Values are
 * converted as SQLite converts them (text '12' reads as int 12, int 12 as
 * text "12").  Pointers returned are valid until fn returns, as long as
 * the column is not read again as another type.  No SQL, no cost. */

/* The number of columns of the row. */
int ormc_row_count(const ormc_row *row);
/* The name of column col (its alias if it has one); NULL when out of range
 * or out of memory (the call then returns ORMC_NOMEM). */
const char *ormc_row_name(const ormc_row *row, int col);
/* True when column col is SQL NULL. */
bool ormc_row_is_null(const ormc_row *row, int col);
/* Column col as an integer (NULL reads 0). */
int64_t ormc_row_int(const ormc_row *row, int col);
/* Column col as a real (NULL reads 0.0). */
double ormc_row_real(const ormc_row *row, int col);
/* Column col as NUL-terminated text, *len (if len is not NULL) its length
 * in bytes (it may hold NUL bytes of its own).  NULL for SQL NULL, or when
 * memory ran out converting it (the call then returns ORMC_NOMEM); never
 * NULL for an empty text. */
const char *ormc_row_text(const ormc_row *row, int col, size_t *len);
/* Column col as bytes: data NULL for SQL NULL; an empty blob has a
 * non-NULL data and size 0. */
ormc_blob ormc_row_blob(const ormc_row *row, int col);

/* ======================== end of raw SQL ================================ */

#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif /* ORMC_H */
