/*
 * sql.h — the statements of a query (sql.c): shape keys, SQL text in the
 * connection's dialect, and binding.  Internal.
 */
#ifndef ORMC_SQL_H
#define ORMC_SQL_H

#include "internal.h"

typedef enum sql_kind {
    SQL_SELECT, /* a fetch: rows, with_ loads, counts */
    SQL_COUNT,  /* COUNT(*) of the rows */
    SQL_EXISTS, /* whether there is a row */
    SQL_AGG,    /* COUNT/SUM/AVG/MIN/MAX of field `arg` */
    SQL_CHILD   /* the prefetch child query of reverse relation `arg` */
} sql_kind;

/* One statement of a query: what to say about which query. */
typedef struct sql_req {
    sql_kind kind;
    uint16_t arg;
    const ormc_query *q; /* checked (sql_check); never NULL */
    const char *what;    /* "Blog.fetch": the prefix of error messages */
} sql_req;

/* Writes the shape key of r (everything its SQL text depends on, no value)
 * into buf when it fits in cap bytes; returns its length either way.
 * Cost: a few bytes per term, no allocation. */
size_t sql_shape(const sql_req *r, uint8_t *buf, size_t cap);

/* Renders r's SQL (ctx: a const sql_req *) into b.  ORMC_OK, or
 * ORMC_NOMEM after recording it on db.  A shape_render_fn. */
int sql_render(ormc_db *db, const void *ctx, sbuf *b);

/* Binds r's values to stmt (a statement of r's shape).  Returns status,
 * recording an error on db. */
int sql_bind(ormc_db *db, void *stmt, const sql_req *r);

/* The statement of r, from the cache by shape or rendered and prepared,
 * bound and ready to step; counted and traced.  NULL after recording the
 * error on db. */
void *sql_stmt(ormc_db *db, const sql_req *r);

#endif
