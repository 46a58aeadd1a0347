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
    SQL_CHILD,  /* the prefetch child query of reverse relation `arg`:
                   the rows `sub` selects among the parents' children */
    SQL_UPDATE, /* UPDATE of the query's SET terms over its rows */
    SQL_DELETE, /* DELETE of the query's rows */
    /* of one object (obj), no query terms: */
    SQL_UPDATE_FIELDS, /* UPDATE fields[] of the row with obj's id */
    SQL_UPSERT,        /* INSERT, or UPDATE the row with the same key
                          fields[]; RETURNING the id */
    SQL_INSERT_KEEP,   /* INSERT unless a row has the same key fields[]
                          (then nothing); RETURNING every column */
    /* of one model, no query (sql_model_stmt): */
    SQL_INSERT,        /* every field but id, ?1.. in field order */
    SQL_UPDATE_ROW,    /* every field but id, then the id */
    SQL_DELETE_ROW,    /* by id */
    SQL_GET,           /* every column, by id */
    /* the links of many-to-many relation `rev` of a row ?1 (sql_link_stmt),
     * with the array ?2 of the other side's ids: */
    SQL_LINK_ADD,      /* insert the links not there yet */
    SQL_LINK_REMOVE,   /* delete the links to the array's ids */
    SQL_LINK_KEEP,     /* delete the links to ids not in the array */
    SQL_LINK_CLEAR     /* delete every link of the row (no ?2) */
} sql_kind;

/* Which parents a prefetch child query (SQL_CHILD) loads children of. */
typedef enum sql_parents {
    PARENTS_ALL,   /* every row of the parent model (no test but, for a
                      nullable foreign key, IS NOT NULL) */
    PARENTS_QUERY, /* the rows the parent query q selects (a semi-join) */
    PARENTS_IDS    /* the ids ids[0..nids), bound as one array */
} sql_parents;

/* One statement of a query: what to say about which query. */
typedef struct sql_req {
    sql_kind kind;
    uint16_t arg;
    const ormc_query *q; /* checked (sql_check); never NULL; SQL_CHILD:
                            the parents' query */
    const char *what;    /* "Blog.fetch": the prefix of error messages */
    const void *obj;     /* object kinds: the object whose fields bind */
    const uint16_t *fields; /* object kinds: the field list */
    size_t nfields;
    /* SQL_CHILD only: */
    const ormc_query *sub;  /* the child query (checked; never NULL) */
    sql_parents parents;
    const int64_t *ids;     /* PARENTS_IDS */
    size_t nids;
} sql_req;

/* Writes the shape key of r (everything its SQL text depends on, no value)
 * into buf when it fits in cap words; returns its length in words either
 * way, and its hash (shape_hash) in *hash.  Cost: a word per term (more
 * for a path with steps), hashed as it is written; no allocation. */
size_t sql_shape(const sql_req *r, uint64_t *buf, size_t cap, uint64_t *hash);

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

/* The by_fixed tag (db_stmt_fixed) of the statement of kind `kind` and
 * argument `arg` of a model. */
static inline uint32_t sql_fixed_tag(sql_kind kind, uint16_t arg)
{
    return (uint32_t)kind | (uint32_t)arg << 8;
}

/* sql_model_stmt's statement when it is not cached: rendered, prepared
 * and cached, its errors named "Model.verb". */
void *sql_model_stmt_new(ormc_db *db, const ormc_model *m, sql_kind kind,
                         const char *verb);

/* The statement of a model kind (SQL_INSERT, SQL_UPDATE_ROW,
 * SQL_DELETE_ROW, SQL_GET) of m, unbound: cached by shape (rendered and
 * prepared on first use; a cached one is found in one probe, inline,
 * without formatting its name), counted and traced.  NULL after recording
 * the error as "Model.verb: ...". */
static inline void *sql_model_stmt(ormc_db *db, const ormc_model *m,
                                   sql_kind kind, const char *verb)
{
    void *stmt = db_stmt_fixed_find(db, m, sql_fixed_tag(kind, 0));
    return stmt ? stmt : sql_model_stmt_new(db, m, kind, verb);
}

/* The statement of a link kind (SQL_LINK_*) of to-many relation `rev` of
 * m, unbound (?1 the row's id, ?2 the array of ids): cached by shape,
 * counted and traced.  NULL after recording the error as "what: ...". */
void *sql_link_stmt(ormc_db *db, const ormc_model *m, uint16_t rev,
                    sql_kind kind, const char *what);

/* Checks q before any SQL runs (model, builder misuse, open groups),
 * setting *what to the label "Model.verb" (db_label, buf its room) and
 * recording "Model.verb: ..." on db; a NULL q becomes "all rows" in
 * *all.  Sets *qp to the query to run. */
int check_query(ormc_db *db, const ormc_model *m, const ormc_query *q,
                ormc_query *all, const ormc_query **qp, const char *verb,
                char buf[WHAT_SIZE], const char **what);

/* The one row q selects into a new object *out (ormc_first, and with
 * exactly_one ormc_get_where: a second row is ORMC_ERROR); messages
 * "Model.verb: ...". */
int fetch_one(ormc_db *db, const ormc_model *m, const ormc_query *q,
              const char *verb, bool exactly_one, void **out);

#endif
