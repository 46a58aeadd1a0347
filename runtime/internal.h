/*
 * internal.h — shared by the runtime's own files; not installed, not
 * included by generated code.
 */
#ifndef ORMC_INTERNAL_H
#define ORMC_INTERNAL_H

#include "ormc_backend.h"

#include <stdarg.h>

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
/* Copies n bytes and a NUL terminator; returns the copy or NULL. */
char *arena_strndup(ormc_result *a, const char *s, size_t n);
/* Like arena_alloc, without zeroing: for memory the caller fills whole. */
void *arena_alloc_raw(ormc_result *a, size_t n);

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

/* ---- connection ---- */
typedef struct stmt_entry {
    char *sql;            /* our copy of the text */
    const char *key;      /* the caller's pointer when last looked up */
    size_t len;
    uint64_t hash;
    uint64_t last_used;
    void *stmt;
} stmt_entry;

#define ORMC_STMT_CACHE 64

struct ormc_db {
    const ormc_backend *be;
    void *conn;
    int errcode;
    char errmsg[512];
    uint64_t nqueries, nprepares, tick;
    ormc_trace_fn trace;
    void *trace_ctx;
    stmt_entry cache[ORMC_STMT_CACHE];
    /* entry index + 1 by the address of the caller's SQL text: the fixed
     * SQL of the descriptors is found without hashing it */
    uint8_t by_addr[ORMC_STMT_CACHE];
};

/* Records an error on db and returns `code`.  `ctx` prefixes the message. */
int db_fail(ormc_db *db, int code, const char *fmt, ...);
/* Records the backend's current error for status `code` and returns it. */
int db_fail_backend(ormc_db *db, int code, const char *ctx);
/* Runs transaction-control SQL (not counted, not traced); records errors
 * prefixed with `what`. */
int tx_exec(ormc_db *db, const char *sql, const char *what);
/* Clears the last error. */
void db_ok(ormc_db *db);

/* Records the backend's error for status `code` as "who.verb: message"
 * ("who: message" when verb is NULL) and returns `code`.  The context is
 * only formatted here, on failure, never on the success path. */
int db_fail_op(ormc_db *db, int code, const char *who, const char *verb);
/* Returns a ready-to-bind statement for `sql` (cached; prepared on first use),
 * or NULL after recording the error as db_fail_op(who, verb) does (e.g.
 * "Author.insert: ...").  Counts and traces one execution. */
void *db_stmt(ormc_db *db, const char *sql, size_t len, const char *who,
              const char *verb);
/* db_stmt without counting or tracing: for a statement the caller checks
 * before it decides to run it (raw.c), then counts with db_stmt_again.
 * Text holding no statement (only blanks or comments) is ORMC_INVALID,
 * "who.verb: no SQL statement". */
void *db_stmt_lookup(ormc_db *db, const char *sql, size_t len,
                     const char *who, const char *verb);
/* Counts and traces one execution of `sql`: a statement already obtained
 * from db_stmt (and reset) run again without looking it up, or SQL run
 * through exec (schema DDL). */
void db_stmt_again(ormc_db *db, const char *sql);
/* Resets a statement obtained from db_stmt (bindings cleared). */
void db_stmt_done(ormc_db *db, void *stmt);

/* ---- values ---- */
/* The number of characters (code points) of the UTF-8 text s[0..n), or -1
 * if it is not valid UTF-8 (overlong forms, surrogates and code points
 * above U+10FFFF are invalid). */
long utf8_chars(const unsigned char *s, size_t n);
/* Validates obj's field `f` (NOT NULL, text(N) in characters, UTF-8, NaN,
 * blob size without data).  Runs no SQL, so a write it rejects is neither
 * counted nor traced.  Returns status, recording the error on db. */
int check_field(ormc_db *db, const ormc_model *m, const ormc_field *f,
                const void *obj);
/* Binds obj's field `f` to parameter idx; the value must have passed
 * check_field.  Returns status, recording the error on db as
 * "Model.verb: ...". */
int bind_field(ormc_db *db, void *stmt, int idx, const ormc_model *m,
               const ormc_field *f, const void *obj, const char *verb);
/* Reads nfields columns starting at `col` into obj (fields in model order).
 * Strings and blobs are copied into `res`.  Returns ORMC_OK or ORMC_NOMEM
 * (recorded as "Model: out of memory"; callers may restate it with their
 * own operation name).  A non-NULL text column that the backend cannot
 * deliver (column_text returns NULL: out of memory) is ORMC_NOMEM, never
 * an empty string. */
int read_row(ormc_db *db, void *stmt, int col, const ormc_model *m, void *obj,
             ormc_result *res);

#endif
