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
 * Nothing here is database specific: the SQLite backend lives behind
 * ormc_backend.h, and generated code reaches the database only through this
 * header.  (The SQL itself is SQLite's dialect for now: the DDL a schema
 * generates, BEGIN IMMEDIATE, LIMIT -1.  A second backend will bring its
 * own dialect hooks.)
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

#define ORMC_VERSION "0.1.0"
/* Bumped whenever the descriptor layout or a generated-code entry point
 * changes.  Generated files refuse to compile against another ABI. */
#define ORMC_ABI_VERSION 1

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

/* Opens (creating if needed) the SQLite database at `path` (":memory:" for an
 * in-memory one) with foreign keys enforced and a 5 s busy timeout (a call
 * that waits longer for another connection's lock fails with ORMC_BUSY).
 * On success *out is a new connection.  On failure *out is still a connection
 * (unless memory ran out, then NULL) so ormc_errmsg() can tell why; close it.
 * Cost: one file open plus one PRAGMA statement (not counted). */
int ormc_open(const char *path, ormc_db **out);

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

/* Runs one SQL statement with no parameters and no result rows (for
 * application DDL or PRAGMAs).  Counted. */
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

/* Comparison operators for where-filters. */
typedef enum ormc_op { ORMC_EQ, ORMC_NE, ORMC_LT, ORMC_LE, ORMC_GT, ORMC_GE } ormc_op;

/* Sort direction. */
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
    const char *column;  /* quoted SQL column, e.g. "\"author_id\"" */
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

/* A forward relation (foreign key) of a model: `author Author`. */
typedef struct ormc_relation {
    const char *name;          /* "author" */
    uint16_t field;            /* index of its <name>_id field */
    const ormc_model *target;  /* the related model */
    size_t ptr_offset;         /* offsetof the `Target *name` member */
} ormc_relation;

/* A reverse relation, the other side of a child's relation: `comments`. */
typedef struct ormc_reverse {
    const char *name;          /* "comments" */
    const ormc_model *child;   /* Comment */
    uint16_t child_field;      /* index of the FK field in child->fields */
    size_t list_offset;        /* offsetof the ChildList member */
    size_t count_offset;       /* offsetof the int64_t <name>_count member */
} ormc_reverse;

typedef struct ormc_order_term {
    uint16_t field;
    uint8_t desc;
} ormc_order_term;

struct ormc_model {
    const char *name;         /* "Blog" */
    const char *table;        /* quoted SQL table, "\"blog\"" */
    size_t size;              /* sizeof(Blog) */
    const ormc_field *fields; /* fields[0] is id */
    uint16_t nfields;
    const ormc_relation *relations;
    uint16_t nrelations;
    const ormc_reverse *reverses;
    uint16_t nreverses;
    const ormc_order_term *order; /* default ordering (@order, else id) */
    uint16_t norder;
    /* Statements built by the compiler; parameters in field order, id last. */
    const char *insert_sql;   /* all fields but id */
    const char *update_sql;   /* all fields but id, then id */
    const char *delete_sql;   /* id */
    const char *get_sql;      /* id */
};

/* A whole schema: its models and the DDL that creates it. */
typedef struct ormc_schema {
    const char *name;
    const ormc_model *const *models;
    size_t nmodels;
    const char *const *ddl;
    size_t nddl;
} ormc_schema;

/* ---------------------------------------------------------------------------
 * Result sets
 * ------------------------------------------------------------------------- */

/* Owner of all memory of one result set (an arena).  Freed in one call. */
typedef struct ormc_result ormc_result;

/* Frees a result set and everything it owns.  NULL-safe. */
void ormc_result_free(ormc_result *res);

/* Untyped view of a generated XList: { X *items; size_t count; owner }. */
typedef struct ormc_list {
    void *items;
    size_t count;
    ormc_result *owner; /* NULL for lists embedded in a parent (prefetch) */
} ormc_list;

/* ---------------------------------------------------------------------------
 * Queries (filled by generated m_query_init / m_where_* / m_with_* ...)
 * ------------------------------------------------------------------------- */

#define ORMC_MAX_FILTERS 16
#define ORMC_MAX_ORDER 8
#define ORMC_MAX_RELATED 8

typedef struct ormc_filter {
    uint16_t field;
    uint8_t kind;   /* internal: comparison, null test or IN */
    uint8_t op;     /* ormc_op, or is-null flag */
    size_t n;       /* IN: number of values */
    union {
        int64_t i;
        double r;
        const char *s;
        const int64_t *iv;
        const char *const *sv;
    } v;
} ormc_filter;

/* A query under construction.  Plain value: no allocation, nothing to free.
 * Builder calls never fail on their own; a misuse (too many filters, wrong
 * field) is remembered and reported by the fetch as ORMC_INVALID.  Text and
 * IN-list values are borrowed: keep them alive until the fetch returns. */
typedef struct ormc_query {
    const ormc_model *model;
    const char *error; /* first builder misuse, or NULL */
    uint8_t nfilters, norder, nwith, nprefetch, ncount;
    ormc_filter filters[ORMC_MAX_FILTERS];
    ormc_order_term order[ORMC_MAX_ORDER];
    uint16_t with[ORMC_MAX_RELATED];
    uint16_t prefetch[ORMC_MAX_RELATED];
    uint16_t count[ORMC_MAX_RELATED];
    int64_t limit;  /* -1: none */
    int64_t offset; /* 0: none */
} ormc_query;

/* Starts a query over all rows of `model` in its default order. */
void ormc_query_init(ormc_query *q, const ormc_model *model);
/* field <op> value. */
void ormc_where_int(ormc_query *q, uint16_t field, ormc_op op, int64_t v);
void ormc_where_real(ormc_query *q, uint16_t field, ormc_op op, double v);
void ormc_where_text(ormc_query *q, uint16_t field, ormc_op op, const char *v);
/* field IS NULL (is_null) or IS NOT NULL (!is_null). */
void ormc_where_null(ormc_query *q, uint16_t field, bool is_null);
/* field IN (values...).  n == 0 matches nothing. */
void ormc_where_int_in(ormc_query *q, uint16_t field, const int64_t *v, size_t n);
void ormc_where_text_in(ormc_query *q, uint16_t field, const char *const *v, size_t n);
/* Adds an ORDER BY term; the first call replaces the default ordering.
 * `id` is always appended as the last tie-breaker, so order is total. */
void ormc_order_by(ormc_query *q, uint16_t field, ormc_dir dir);
/* LIMIT n (n >= 0) and OFFSET n (n >= 0). */
void ormc_limit(ormc_query *q, int64_t n);
void ormc_offset(ormc_query *q, int64_t n);
/* select_related / prefetch_related / annotate(Count) by relation index. */
void ormc_with(ormc_query *q, uint16_t relation);
void ormc_prefetch(ormc_query *q, uint16_t reverse);
void ormc_count(ormc_query *q, uint16_t reverse);

/* Runs `q` over `model` (q == NULL: all rows in default order): 1 statement,
 * plus exactly 1 per prefetched relation, whatever the number of rows.  On
 * success *out holds the rows (items[0..count)), all owned by out->owner
 * (free with ormc_result_free).  On failure *out is an empty list and
 * nothing needs freeing. */
int ormc_fetch(ormc_db *db, const ormc_model *model, const ormc_query *q,
               ormc_list *out);

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
 * savepoint).  Fails with ORMC_ERROR if a table already exists.  Counts one
 * statement per DDL statement. */
int ormc_schema_create(ormc_db *db, const ormc_schema *schema);

#ifdef __cplusplus
}
#endif
#endif /* ORMC_H */
