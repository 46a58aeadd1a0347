/*
 * fetch.c — running queries: fetch (rows, select_related objects shared
 * per id, annotate counts, one child query per prefetch under one read
 * snapshot), first, exists, count and aggregates.  The SQL comes from
 * sql.c; rows are stepped here (step_rows) and read by read_row
 * (row_read.h's loop, each backend's copy), or a block of rows one field
 * at a time by a backend that holds its whole result (read_rows:
 * PostgreSQL), into rows.c's arrays.
 */
#include "rows.h"
#include "sql.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define AT(obj, off) ((char *)(obj) + (off))

/* Checks the child queries of q's prefetches, recursively (depth: the
 * level of q's children), as check_query checks q. */
static int check_subs(ormc_db *db, const ormc_query *q, int depth,
                      const char *what)
{
    const ormc_term *t = query_terms(q);
    for (uint32_t i = 0; i < q->nterms; i++) {
        if ((t[i].kind != T_PREFETCH && t[i].kind != T_WITH &&
             t[i].kind != T_COUNT) ||
            !t[i].v.sub)
            continue;
        const ormc_query *sub = t[i].v.sub;
        bool with = t[i].kind == T_WITH, count = t[i].kind == T_COUNT;
        const char *name = with ? q->model->relations[t[i].rel].name
                                : q->model->reverses[t[i].rel].name;
        if (depth > ORMC_PREFETCH_DEPTH)
            return db_fail(db, ORMC_INVALID,
                           "%s: %s nested more than %d levels deep (is a "
                           "child query its own ancestor?)",
                           what, with ? "with_" : "prefetch",
                           ORMC_PREFETCH_DEPTH);
        const char *kind = with ? "with" : count ? "count" : "prefetch";
        if (sub->error)
            return db_fail(db, sub->nomem ? ORMC_NOMEM : ORMC_INVALID,
                           "%s: %s %s: %s", what, kind, name, sub->error);
        if (sub->open)
            return db_fail(db, ORMC_INVALID,
                           "%s: %s %s: %u group%s not closed with "
                           "ormc_end", what, kind, name, (unsigned)sub->open,
                           sub->open == 1 ? "" : "s");
        const ormc_term *st = query_terms(sub);
        for (uint32_t k = 0; k < sub->nterms; k++) {
            if (count && st[k].kind > T_END)
                return db_fail(db, ORMC_INVALID,
                               "%s: count %s: a count's child query may hold "
                               "filters only", what, name);
            if (st[k].kind == T_SET)
                return db_fail(db, ORMC_INVALID,
                               "%s: prefetch %s: a child query with set "
                               "terms", what, name);
            if (with && st[k].kind != T_WITH)
                return db_fail(db, ORMC_INVALID,
                               "%s: with %s: a select_related child query "
                               "may hold with_ loads only", what, name);
        }
        if ((with || count) && (sub->limit >= 0 || sub->offset > 0))
            return db_fail(db, ORMC_INVALID,
                           count ? "%s: count %s: a count's child query may "
                                   "hold filters only"
                                 : "%s: with %s: a select_related child "
                                   "query may hold with_ loads only",
                           what, name);
        int rc = check_subs(db, sub, depth + 1, what);
        if (rc != ORMC_OK)
            return rc;
    }
    return ORMC_OK;
}

int check_query(ormc_db *db, const ormc_model *m, const ormc_query *q,
                ormc_query *all, const ormc_query **qp, const char *verb,
                char buf[WHAT_SIZE], const char **whatp)
{
    const char *what = *whatp = db_label(db, buf, m->name, ".", verb);
    if (!q) {
        ormc_query_init(all, m);
        q = all;
    }
    *qp = q;
    if (q->model != m)
        return db_fail(db, ORMC_INVALID,
                       "%s: query was not initialised for this model", what);
    if (q->error)
        return db_fail(db, q->nomem ? ORMC_NOMEM : ORMC_INVALID, "%s: %s",
                       what, q->error);
    if (q->open)
        return db_fail(db, ORMC_INVALID,
                       "%s: %u group%s not closed with ormc_end", what,
                       (unsigned)q->open, q->open == 1 ? "" : "s");
    return q->kinds & (KIND(T_WITH) | KIND(T_PREFETCH) | KIND(T_COUNT))
               ? check_subs(db, q, 2, what)
               : ORMC_OK;
}

/* Whether q selects every row of its model (no filter, no window). */
static bool selects_all(const ormc_query *q)
{
    if (q->limit >= 0 || q->offset > 0)
        return false;
    const ormc_term *t = query_terms(q);
    for (uint32_t i = 0; i < q->nterms; i++)
        if (t[i].kind >= T_CMP && t[i].kind <= T_NOT)
            return false;
    return true;
}

/* Zeroed blocks of one size carved from arena runs, so that a block per
 * row (a Rel block, a related object) costs a pointer bump instead of an
 * arena_alloc and a memset each.  A run holds the blocks still expected
 * (`expect`, when known) or twice the last run's, up to SLAB_BYTES (at
 * least one block): when the count is known nothing is left over, else
 * at most one run's tail.  SLAB_BYTES stays under the size from which
 * glibc's memset switches to `rep stosb` (2 KiB by default), which is no
 * faster here and which callgrind counts one instruction per byte. */
typedef struct slab {
    char *next;
    size_t left;   /* blocks left in the run */
    size_t last;   /* the last run's length */
    size_t expect; /* blocks still to be asked for, when known (else 0) */
} slab;
#define SLAB_FIRST 8
#define SLAB_BYTES 2048

/* A new run for s of `least` blocks or more, its last one used up or too
 * short (slab_alloc's out-of-line part); false when out of memory. */
static bool slab_refill(slab *s, ormc_result *res, size_t size, size_t least)
{
    size_t n = s->expect ? s->expect : (s->last ? 2 * s->last : SLAB_FIRST);
    if (n > SLAB_BYTES / size)
        n = size < SLAB_BYTES ? SLAB_BYTES / size : 1;
    if (n < least)
        n = least;
    if (!(s->next = arena_alloc(res, n * size)))
        return false;
    s->left = s->last = n;
    return true;
}

/* A zeroed block of `size` bytes (a multiple of 16) from s; NULL when out
 * of memory.  Inline: a pointer bump, once per row or related object. */
static inline void *slab_alloc(slab *s, ormc_result *res, size_t size)
{
    if (!s->left && !slab_refill(s, res, size, 1))
        return NULL;
    void *p = s->next;
    s->next += size;
    s->left--;
    s->expect -= s->expect > 0;
    return p;
}

/* n zeroed blocks of `size` bytes, one after the other, from s (the
 * rest of a run too short for them is left unused); NULL when out of
 * memory.  A block of rows' Rel blocks (read_block). */
static void *slab_alloc_n(slab *s, ormc_result *res, size_t size, size_t n)
{
    if (s->left < n && !slab_refill(s, res, size, n))
        return NULL;
    void *p = s->next;
    s->next += n * size;
    s->left -= n;
    s->expect -= s->expect < n ? s->expect : n;
    return p;
}

/* n rounded up to a multiple of 8, the alignment of every member of a
 * model's struct, Rel block and ormc_annot (int64_t, double, pointers,
 * size_t): the slabs of with_ objects and Rel blocks pack them that
 * close (a Blog's Rel block is 56 bytes, not 64). */
static size_t slab_size(size_t n) { return (n + 7) & ~(size_t)7; }

/* One with_ load of a level, with the loads of its child query on the
 * object it loads (select_related chains), in the order of the SELECT's
 * columns: the objects loaded so far by id, so rows naming the same
 * object share one copy. */
typedef struct wload {
    const ormc_model *m;  /* the model the relation is on */
    const ormc_model *target;
    size_t ptr_offset;    /* of the relation's pointer in an m row */
    /* a foreign key of m (not a reverse one-to-one): the offset of that
     * field in an m row, which holds the related row's id (the JOIN's
     * condition); 0 (the id's own offset, never a foreign key's) for a
     * reverse relation, whose id is read from its column */
    size_t key_offset;
    uint16_t rel;
    bool maybe;           /* a LEFT JOIN on the way: the row may be missing */
    int ncols;            /* its columns and those of its loads */
    idmap seen;
    slab objs;            /* the related objects read */
    struct wload *kids;
    int nkids;
} wload;

/* The number of with_ loads of q and of its child queries. */
static int count_with(const ormc_query *q)
{
    const ormc_term *t = query_terms(q);
    int n = 0;
    for (uint32_t i = 0; i < q->nterms; i++)
        if (t[i].kind == T_WITH)
            n += 1 + (t[i].v.sub ? count_with(t[i].v.sub) : 0);
    return n;
}

/* Fills the loads of q (on model m; maybe: m's row may be missing) from
 * pool[*next], depth first; returns the first, and their number in *n. */
static wload *init_with(const ormc_query *q, const ormc_model *m, bool maybe,
                        wload *pool, int *next, int *n)
{
    const ormc_term *t = query_terms(q);
    int first = *next;
    *n = 0;
    for (uint32_t i = 0; i < q->nterms; i++)
        if (t[i].kind == T_WITH)
            (*n)++;
    *next += *n;
    int k = first;
    for (uint32_t i = 0; i < q->nterms; i++) {
        if (t[i].kind != T_WITH)
            continue;
        wload *w = &pool[k++];
        const ormc_relation *r = &m->relations[t[i].rel];
        w->m = m;
        w->target = r->target;
        w->ptr_offset = r->ptr_offset;
        w->key_offset = r->reverse ? 0 : m->fields[r->field].offset;
        w->rel = t[i].rel;
        w->maybe = maybe || r->reverse ||
                   (m->fields[r->field].flags & ORMC_F_NULLABLE);
        w->ncols = r->target->nfields;
        if (t[i].v.sub) {
            w->kids = init_with(t[i].v.sub, r->target, w->maybe, pool, next,
                                &w->nkids);
            for (int j = 0; j < w->nkids; j++)
                w->ncols += w->kids[j].ncols;
        }
    }
    return *n ? &pool[first] : NULL;
}

/* The rows of one level of a fetch (the main query, or a prefetch's
 * child query): its with_ loads and counts. */
typedef struct level {
    const ormc_model *m;
    wload *pool;        /* every with_ load, nested ones included */
    int npool;
    wload *with;        /* the level's own */
    int nwith;
    int wcols;          /* the columns of all of them */
    /* the counts, then the annotations, in term order: the columns after
     * the with_ loads', read into the Rel block as fields of it */
    ormc_field *relf;
    int nrel;
    size_t nannot;
    size_t rel_bytes; /* a Rel block's, annotations included */
    bool rel;      /* each row gets a Rel block (q prefetches, counts or
                      annotates) */
    /* a many-to-many child query: each row is a link (its parent in
     * column pcol), stepped into a vec of link_pairs; a child already
     * read is not read again */
    struct link_state *links;
    bool plain; /* none of the above: a row is one read_row */
    bool with1; /* one with_ load and none of the rest: a read_row and a
                   read_with_one */
    size_t most; /* rows the statement can return at most (its LIMIT);
                    0: not known */
    slab rels;   /* the Rel blocks (one a row) */
} level;

/* The children of a many-to-many child query read so far: each child
 * once in `rows`, found by id in `seen`, the last one also in `last`
 * (rows come grouped by child when the parents are every row). */
typedef struct link_state {
    vec *rows;
    const parent_map *parents; /* the parents' slots by id */
    idmap seen;         /* child id -> its index in rows */
    int64_t last;       /* the child of the previous row, */
    size_t last_k;      /* its index, */
    bool any;           /* when there was one */
    int pcol;
} link_state;

static void level_free(level *lv)
{
    for (int i = 0; i < lv->npool; i++)
        idmap_free(&lv->pool[i].seen);
    ormc_free(lv->pool);
    ormc_free(lv->relf);
}

/* A Rel block is the model's Rel struct, then the number of the row's
 * annotations (a size_t) and that many ormc_annot. */
#define ANNOT_AT(m) ((m)->rel_size + sizeof(size_t))

const ormc_annot *ormc_annotations(const ormc_model *m, const void *row)
{
    if (!m || !row || !m->rel_size)
        return NULL;
    const char *rel;
    memcpy(&rel, (const char *)row + m->rel_offset, sizeof rel);
    size_t n = 0;
    if (rel)
        memcpy(&n, rel + m->rel_size, sizeof n);
    return n ? (const ormc_annot *)(const void *)(rel + ANNOT_AT(m)) : NULL;
}

/* The field of a Rel block that count or annotation term t is read into
 * (annotation number i: its slot after the Rel struct), so that the Rel
 * block's columns are read as a model's are.  An annotation other than
 * a Count may be NULL (is_null is its flag); an Avg, and a Sum, Min or
 * Max of a real, is a real. */
static ormc_field rel_field(const ormc_model *m, const ormc_term *t,
                            size_t i)
{
    ormc_field f = {.name = "annotation", .type = ORMC_T_INT};
    if (t->kind == T_COUNT) {
        f.name = m->reverses[t->rel].name;
        f.offset = m->reverses[t->rel].count_offset;
        return f;
    }
    size_t at = ANNOT_AT(m) + i * sizeof(ormc_annot);
    if (t->op == ORMC_AVG ||
        (t->op != ORMC_COUNT && t->path.type == ORMC_T_REAL)) {
        f.type = ORMC_T_REAL;
        f.offset = at + offsetof(ormc_annot, r);
    } else {
        f.offset = at + offsetof(ormc_annot, i);
    }
    if (t->op != ORMC_COUNT) {
        f.flags = ORMC_F_NULLABLE;
        f.null_offset = at + offsetof(ormc_annot, is_null);
    }
    return f;
}

/* lv->relf for q: its count terms' fields, then its annotations'; false
 * when out of memory. */
static bool rel_fields(level *lv, const ormc_query *q)
{
    const ormc_term *t = query_terms(q);
    size_t n = 0;
    for (uint32_t i = 0; i < q->nterms; i++)
        n += t[i].kind == T_COUNT || t[i].kind == T_ANNOT;
    if (!n)
        return true;
    if (!(lv->relf = ormc_malloc(n * sizeof *lv->relf)))
        return false;
    for (uint32_t i = 0; i < q->nterms; i++)
        if (t[i].kind == T_COUNT)
            lv->relf[lv->nrel++] = rel_field(lv->m, &t[i], 0);
    for (uint32_t i = 0; i < q->nterms; i++)
        if (t[i].kind == T_ANNOT)
            lv->relf[lv->nrel++] = rel_field(lv->m, &t[i], lv->nannot++);
    return true;
}

/* Sets lv up for the rows of q; false when out of memory (lv freed). */
static bool level_init(level *lv, const ormc_query *q)
{
    memset(lv, 0, sizeof *lv);
    lv->m = q->model;
    lv->rel = q->model->rel_size &&
              (has_kind(q, T_PREFETCH) || has_kind(q, T_COUNT) ||
               has_kind(q, T_ANNOT));
    bool relf = rel_fields(lv, q);
    int n = count_with(q);
    if (n && (lv->pool = ormc_malloc((size_t)n * sizeof *lv->pool))) {
        memset(lv->pool, 0, (size_t)n * sizeof *lv->pool);
        lv->npool = n;
        int next = 0;
        lv->with = init_with(q, q->model, false, lv->pool, &next, &lv->nwith);
        for (int i = 0; i < lv->nwith; i++)
            lv->wcols += lv->with[i].ncols;
    }
    if (!relf || (n && !lv->pool)) {
        level_free(lv);
        return false;
    }
    lv->rel_bytes =
        slab_size(ANNOT_AT(lv->m) + lv->nannot * sizeof(ormc_annot));
    return true;
}

static int read_with(ormc_db *db, void *stmt, int *col, wload *w, int n,
                     void *obj, ormc_result *res);

/* The first row of w's related object, id `id`, at column c: a new
 * object read into res (with its own with_ loads) and remembered in
 * w->seen (at slot `at`, from idmap_find); into *out. */
static int read_with_new(ormc_db *db, void *stmt, int c, wload *w,
                         int64_t id, size_t at, void **out, ormc_result *res)
{
    const ormc_model *t = w->target;
    void *rel = slab_alloc(&w->objs, res, slab_size(t->size));
    if (!rel || !idmap_put_at(&w->seen, at, id, (uintptr_t)rel))
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", w->m->name);
    int rc = read_row(db, stmt, c, t, rel, res);
    int kc = c + t->nfields;
    if (rc == ORMC_OK && w->nkids)
        rc = read_with(db, stmt, &kc, w->kids, w->nkids, rel, res);
    *out = rel;
    return rc;
}

/* The with_ load w of obj, its columns from c on: the object already read
 * (its id in w->seen) is shared, else a new one is read (read_with_new).
 * read_with's step, inline where a level has one load. */
static inline int read_with_one(ormc_db *db, void *stmt, int c, wload *w,
                                void *obj, ormc_result *res)
{
    /* only a LEFT JOIN can miss its row */
    if (w->maybe && db->be->column_is_null(stmt, c))
        return ORMC_OK;
    /* the id is the foreign key obj holds already (read first), or for a
     * reverse relation its column's */
    int64_t id;
    if (w->key_offset)
        memcpy(&id, (char *)obj + w->key_offset, sizeof id);
    else
        id = db->be->column_int(stmt, c);
    size_t at;
    uintptr_t v = idmap_find(&w->seen, id, &at);
    void *rel = (void *)v;
    if (v == IDMAP_NONE) {
        int rc = read_with_new(db, stmt, c, w, id, at, &rel, res);
        if (rc != ORMC_OK)
            return rc;
    }
    memcpy((char *)obj + w->ptr_offset, &rel, sizeof rel);
    return ORMC_OK;
}

/* Reads the with_ loads w[0..n) of obj from column *col on (advancing it
 * past them), and theirs on each object read. */
static int read_with(ormc_db *db, void *stmt, int *col, wload *w, int n,
                     void *obj, ormc_result *res)
{
    for (int i = 0; i < n; i++) {
        int c = *col;
        *col += w[i].ncols;
        int rc = read_with_one(db, stmt, c, &w[i], obj, res);
        if (rc != ORMC_OK)
            return rc;
    }
    return ORMC_OK;
}

/* One row of a many-to-many child query into its link_pair l: the
 * parent's slot, and the child, read into a new element of ls->rows
 * (*obj) the first time only.  *obj stays NULL for a child already read. */
static int link_row(ormc_db *db, void *stmt, link_state *ls, link_pair *l,
                    void **obj, const char *model)
{
    int64_t cid = db->be->column_int(stmt, 0);
    uintptr_t p = parent_slot(ls->parents, db->be->column_int(stmt, ls->pcol));
    l->slot = p == IDMAP_NONE ? LINK_NONE : (uint32_t)p;
    uintptr_t k;
    if (ls->any && cid == ls->last)
        k = ls->last_k;
    else if ((k = idmap_get(&ls->seen, cid)) == IDMAP_NONE) {
        k = ls->rows->n;
        if (k >= LINK_NONE) /* a link holds 32-bit indexes */
            return db_fail(db, ORMC_ERROR, "%s: more than %lu distinct "
                           "related rows", model, (unsigned long)LINK_NONE - 1);
        if (!(*obj = vec_push(ls->rows)) || !idmap_put(&ls->seen, cid, k))
            return db_fail(db, ORMC_NOMEM, "%s: out of memory", model);
    }
    ls->any = true;
    ls->last = cid;
    ls->last_k = k;
    l->kid = (uint32_t)k;
    return ORMC_OK;
}

/* obj's Rel block, the block rb (zeroed, lv->rel_bytes): its address in
 * obj, the number of annotations after it. */
static void rel_attach(const level *lv, void *obj, void *rb)
{
    memcpy(AT(obj, lv->m->rel_offset), &rb, sizeof rb);
    memcpy(AT(rb, lv->m->rel_size), &lv->nannot, sizeof lv->nannot);
}

/* One row's columns after its model's own (which obj holds): with_
 * loads, then the Rel block's counts and annotations. */
static int level_row_tail(ormc_db *db, void *stmt, void *obj, level *lv,
                          ormc_result *res)
{
    const ormc_model *m = lv->m;
    int rc = ORMC_OK;
    int col = m->nfields;
    if (lv->nwith)
        rc = read_with(db, stmt, &col, lv->with, lv->nwith, obj, res);
    if (!lv->rel || rc != ORMC_OK)
        return rc;
    void *rb = slab_alloc(&lv->rels, res, lv->rel_bytes);
    if (!rb)
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", m->name);
    rel_attach(lv, obj, rb);
    if (!lv->nrel)
        return ORMC_OK;
    int bad; /* ints and reals: nothing that can fail */
    return backend_read_fields(db->be, stmt, col, lv->relf, lv->nrel, rb, res,
                               &bad);
}

/* level_row's part beyond a plain row: links, then the tail. */
static int level_row_more(ormc_db *db, void *stmt, void *obj, level *lv,
                          ormc_result *res)
{
    const ormc_model *m = lv->m;
    if (lv->links) {
        link_pair *l = obj;
        obj = NULL;
        int rc = link_row(db, stmt, lv->links, l, &obj, m->name);
        if (rc != ORMC_OK || !obj)
            return rc;
    }
    int rc = read_row(db, stmt, 0, m, obj, res);
    return rc == ORMC_OK ? level_row_tail(db, stmt, obj, lv, res) : rc;
}

/* One row: t0, then each with_ model (and theirs), then counts and
 * annotations (into the Rel block).  In a many-to-many child query obj is
 * the row's link_pair (link_row).  A plain row is one read_row. */
static inline int level_row(ormc_db *db, void *stmt, void *obj, level *lv,
                            ormc_result *res)
{
    if (lv->plain)
        return read_row(db, stmt, 0, lv->m, obj, res);
    if (lv->with1) { /* select_related's common case, without a call */
        int rc = read_row(db, stmt, 0, lv->m, obj, res);
        return rc == ORMC_OK ? read_with_one(db, stmt, lv->m->nfields,
                                             lv->with, obj, res)
                             : rc;
    }
    return level_row_more(db, stmt, obj, lv, res);
}

/* Sizes the identity maps of lv's with_ loads for `rows` rows (each row
 * names at most one object of each), up to WITH_PRESIZE of them: a map
 * that would otherwise grow (and clear its slots) three times on the way
 * is cleared once.  The cap bounds what a small set of distinct objects
 * among many rows costs.  False when out of memory. */
#define WITH_PRESIZE 2048
static bool presize_with(const level *lv, size_t rows)
{
    if (rows > WITH_PRESIZE)
        rows = WITH_PRESIZE;
    for (int i = 0; i < lv->npool; i++)
        if (!idmap_init(&lv->pool[i].seen, rows))
            return false;
    return true;
}

/* The rows a backend's read_rows reads at once: enough that what it does
 * once per call (PostgreSQL: the plan of the fields) costs little a row,
 * few enough that their new elements, zeroed just before, are still in
 * the cache when read into. */
#define BLOCK_ROWS 64

/* read_rows's path (a backend that holds its result): for up to
 * BLOCK_ROWS rows from the current one, new elements of v, the first *e
 * and *after more, with the fields of lv's model, then their Rel blocks'
 * counts and annotations, read in one call each; step_rows then steps
 * through them for their with_ loads (block_row).  Returns read_row's
 * codes, recorded as it records them. */
static int read_block(ormc_db *db, void *stmt, vec *v, level *lv,
                      ormc_result *res, char **e, size_t *after)
{
    const ormc_backend *be = db->be;
    const ormc_model *m = lv->m;
    size_t nb = be->rows_left(stmt);
    if (nb > BLOCK_ROWS)
        nb = BLOCK_ROWS;
    /* the block's Rel blocks in one slab run */
    if (lv->rel && nb * lv->rel_bytes > SLAB_BYTES)
        nb = lv->rel_bytes < SLAB_BYTES ? SLAB_BYTES / lv->rel_bytes : 1;
    if (!(*e = vec_push_n(v, nb)))
        return ORMC_NOMEM;
    *after = nb - 1;
    size_t bad_row;
    int bad;
    int rc = be->read_rows(stmt, 0, m->fields, m->nfields, *e, v->size, nb,
                           res, &bad_row, &bad);
    if (rc != ORMC_OK)
        return read_row_failed(db, m, *e + bad_row * v->size, rc, bad);
    if (!lv->rel)
        return ORMC_OK;
    char *rb = slab_alloc_n(&lv->rels, res, lv->rel_bytes, nb);
    if (!rb)
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", m->name);
    for (size_t i = 0; i < nb; i++)
        rel_attach(lv, *e + i * v->size, rb + i * lv->rel_bytes);
    /* ints and reals: nothing that can fail */
    return lv->nrel ? be->read_rows(stmt, m->nfields + lv->wcols, lv->relf,
                                    lv->nrel, rb, lv->rel_bytes, nb, res,
                                    &bad_row, &bad)
                    : ORMC_OK;
}

/* The current row on read_rows's path: its element, the next of the
 * block read last (*e, *left more after it), or the first of a new block
 * (read_block); then its with_ loads.  Returns level_row's codes. */
static inline int block_row(ormc_db *db, void *stmt, vec *v, level *lv,
                            ormc_result *res, char **e, size_t *left)
{
    if (*left) {
        --*left;
        *e += v->size;
    } else {
        int rc = read_block(db, stmt, v, lv, res, e, left);
        if (rc != ORMC_OK)
            return rc;
        /* nothing more to read a row at a time: on to the block's last */
        if (!lv->nwith && *left && db->be->skip_rows) {
            db->be->skip_rows(stmt, *left);
            *left = 0;
        }
    }
    int col = lv->m->nfields;
    if (lv->nwith == 1) /* select_related's common case, without a call */
        return read_with_one(db, stmt, col, lv->with, *e, res);
    return lv->nwith ? read_with(db, stmt, &col, lv->with, lv->nwith, *e, res)
                     : ORMC_OK;
}

/* Steps `stmt`, reading each row into a new element of v: with
 * level_row, or where the backend holds its whole result (read_rows) a
 * block of rows at a time (block_row).  Returns status (errors recorded,
 * prefixed with `what`); resets the statement. */
static int step_rows(ormc_db *db, void *stmt, vec *v, level *lv,
                     ormc_result *res, const char *what)
{
    int rc = db->be->step(stmt);
    size_t rows = lv->most;
    if (rc == ORMC_ROW && db->be->rows_left) { /* the exact count */
        rows = db->be->rows_left(stmt);
        if (!vec_reserve(v, rows))
            rc = ORMC_NOMEM;
        else if (!lv->links) /* a link row may repeat a child */
            lv->rels.expect = rows;
    }
    if (rc == ORMC_ROW && lv->npool && rows && !presize_with(lv, rows))
        rc = ORMC_NOMEM;
    if (db->be->read_rows && db->be->rows_left && !lv->links) {
        char *e = NULL;  /* the row's element */
        size_t left = 0; /* and its block's rows after it */
        for (; rc == ORMC_ROW; rc = db->be->step(stmt)) {
            rc = block_row(db, stmt, v, lv, res, &e, &left);
            if (rc == ORMC_ERROR)
                goto bad_row;
            if (rc != ORMC_OK)
                break;
        }
    } else {
        for (; rc == ORMC_ROW; rc = db->be->step(stmt)) {
            void *e = vec_push(v);
            rc = e ? level_row(db, stmt, e, lv, res) : ORMC_NOMEM;
            if (rc == ORMC_ERROR)
                goto bad_row;
            if (rc != ORMC_OK)
                break;
        }
    }
    if (rc == ORMC_DONE)
        rc = ORMC_OK;
    else if (rc != ORMC_OK && rc != ORMC_NOMEM)
        rc = db_fail_backend(db, rc, what);
    else if (rc == ORMC_NOMEM) /* from step, or restating read_row's */
        rc = db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
    db_stmt_done(db, stmt);
    return rc;
bad_row: /* bad data: read_row said where */
    db_stmt_done(db, stmt);
    return db_restate(db, what, NULL);
}

/* Runs r (a SELECT of q, or a child query whose child query is q) and
 * reads its rows into `rows`, which res adopts; a many-to-many child
 * query (links not NULL) reads each distinct child into `rows` and one
 * link_pair per row into `links`, its parent's slot in `parents`. */
static int read_level(ormc_db *db, const sql_req *r, const ormc_query *q,
                      vec *rows, vec *links, const parent_map *parents,
                      ormc_result *res)
{
    level lv;
    if (!level_init(&lv, q))
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", r->what);
    link_state ls = {.rows = rows, .parents = parents};
    if (links) { /* the parent's column comes after the with_ and counts */
        ls.pcol = q->model->nfields + lv.wcols + lv.nrel;
        lv.links = &ls;
    }
    void *stmt = sql_stmt(db, r);
    lv.plain = !lv.links && !lv.nwith && !lv.rel;
    lv.with1 = !lv.links && lv.nwith == 1 && !lv.rel;
    /* a child query's limit is per parent */
    if (r->kind == SQL_SELECT && q->limit > 0)
        lv.most = (size_t)q->limit;
    int rc = stmt ? step_rows(db, stmt, links ? links : rows, &lv, res,
                              r->what)
                  : db->errcode;
    if (rows->base) {
        arena_adopt(res, rows->base);
        rows->base = NULL;
    }
    idmap_free(&ls.seen);
    level_free(&lv);
    return rc;
}

static int prefetch_level(ormc_db *db, const ormc_query *q, sql_parents pk,
                          vec *parents, ormc_result *res);

/* One prefetch term t of q over `parents` (the rows q selected, which
 * are every row of the model for PARENTS_ALL, q's rows for
 * PARENTS_QUERY, or the ids listed for PARENTS_IDS): its child
 * statement, the stitch, then its child query's own prefetches. */
static int prefetch_one(ormc_db *db, const ormc_query *q, const ormc_term *t,
                        sql_parents pk, vec *parents, ormc_result *res)
{
    const ormc_model *pm = q->model;
    const ormc_reverse *rv = &pm->reverses[t->rel];
    char buf[WHAT_SIZE];
    const char *what = db_label(db, buf, pm->name, ".prefetch_", rv->name);
    ormc_query dflt;
    const ormc_query *sub = t->v.sub;
    if (!sub) {
        ormc_query_init(&dflt, rv->child);
        sub = &dflt;
    }
    sql_req r = {.kind = SQL_CHILD, .arg = t->rel, .q = q, .what = what,
                 .sub = sub, .parents = pk};
    if (rv->join && parents->n >= LINK_NONE) /* a link holds 32-bit indexes */
        return db_fail(db, ORMC_ERROR, "%s: more than %lu parents", what,
                       (unsigned long)LINK_NONE - 1);
    parent_map h;
    if (!parent_map_init(&h, pm, parents->data, parents->n))
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
    int64_t *ids = NULL;
    if (pk == PARENTS_IDS) {
        ids = ormc_big_malloc((parents->n ? parents->n : 1) * sizeof *ids);
        if (!ids) {
            parent_map_free(&h);
            return db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
        }
        for (size_t i = 0; i < parents->n; i++)
            memcpy(&ids[i], parents->data + i * pm->size + pm->fields[0].offset,
                   sizeof *ids);
        r.ids = ids;
        r.nids = parents->n;
    }
    vec kids = {.size = rv->child->size};
    /* many-to-many: each row's parent is read from its own column */
    vec links = {.size = sizeof(link_pair), .whole = true}; /* link_row */
    vec *lp = rv->join ? &links : NULL;
    int rc = read_level(db, &r, sub, &kids, lp, &h, res);
    ormc_big_free(ids);
    if (rc == ORMC_OK)
        rc = stitch(db, pm, rv, &h, parents, &kids, lp, res);
    parent_map_free(&h);
    ormc_big_free(links.base);
    if (rc == ORMC_OK && has_kind(sub, T_PREFETCH)) {
        /* the children are every row of theirs when the parents were and
         * every child has one (a NOT NULL foreign key) */
        bool all = pk == PARENTS_ALL && selects_all(sub) && !rv->join &&
                   !(rv->child->fields[rv->child_field].flags &
                     ORMC_F_NULLABLE);
        rc = prefetch_level(db, sub, all ? PARENTS_ALL : PARENTS_IDS, &kids,
                            res);
    }
    return rc;
}

/* Every prefetch of q over `parents`, in term order. */
static int prefetch_level(ormc_db *db, const ormc_query *q, sql_parents pk,
                          vec *parents, ormc_result *res)
{
    const ormc_term *t = query_terms(q);
    int rc = ORMC_OK;
    for (uint32_t i = 0; i < q->nterms && rc == ORMC_OK; i++)
        if (t[i].kind == T_PREFETCH)
            rc = prefetch_one(db, q, &t[i], pk, parents, res);
    return rc;
}

/* Ends the snapshot of a fetch and returns its status: `rc`, or the end's
 * error when rc was ORMC_OK.  An end that fails rolls the (read-only)
 * transaction back instead, so a fetch never leaves one open. */
static int end_snapshot(ormc_db *db, int rc, const char *what)
{
    int rel = db->be->exec(db->conn, db->dialect->snapshot_end);
    if (rel != ORMC_OK) {
        if (rc == ORMC_OK)
            rc = db_fail_backend(db, rel, what);
        if (db->be->in_transaction(db->conn))
            db->be->exec(db->conn, db->dialect->rollback);
    }
    return rc;
}

/* ormc_fetch of a checked query. */
static int fetch(ormc_db *db, const ormc_query *q, ormc_list *out,
                 const char *what)
{
    const ormc_model *m = q->model;
    /* The main and the child statements must read one snapshot, or a write
     * between them could leave a loaded parent without its children:
     * outside a transaction, a (deferred, read-only) one holds them
     * together. */
    bool snapshot = has_kind(q, T_PREFETCH) &&
                    !db->be->in_transaction(db->conn);
    int rc;
    if (snapshot &&
        (rc = tx_exec(db, db->dialect->snapshot_begin, what)) != ORMC_OK)
        return rc;
    ormc_result *res = arena_new();
    if (!res) {
        rc = db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
        if (snapshot)
            end_snapshot(db, rc, what);
        return rc;
    }
    sql_req r = {.kind = SQL_SELECT, .q = q, .what = what};
    vec rows = {.size = m->size};
    rc = read_level(db, &r, q, &rows, NULL, NULL, res);
    if (rc == ORMC_OK)
        rc = prefetch_level(db, q,
                            selects_all(q) ? PARENTS_ALL : PARENTS_QUERY,
                            &rows, res);
    if (snapshot)
        rc = end_snapshot(db, rc, what);
    if (rc != ORMC_OK) {
        ormc_result_free(res);
        return rc;
    }
    out->items = rows.data;
    out->count = rows.n;
    out->owner = res;
    db_ok(db);
    return ORMC_OK;
}

int ormc_fetch(ormc_db *db, const ormc_model *m, const ormc_query *q,
               ormc_list *out)
{
    memset(out, 0, sizeof *out);
    ormc_query all;
    char buf[WHAT_SIZE];
    const char *what;
    int rc = check_query(db, m, q, &all, &q, "fetch", buf, &what);
    return rc == ORMC_OK ? fetch(db, q, out, what) : rc;
}

int fetch_one(ormc_db *db, const ormc_model *m, const ormc_query *q,
              const char *verb, bool exactly_one, void **out)
{
    *out = NULL;
    ormc_query all;
    char buf[WHAT_SIZE];
    const char *what;
    int rc = check_query(db, m, q, &all, &q, verb, buf, &what);
    if (rc != ORMC_OK)
        return rc;
    /* the same terms, one row (two to see a second): a shallow copy that
     * is never freed */
    ormc_query one = *q;
    int64_t want = exactly_one ? 2 : 1;
    one.limit = q->limit >= 0 && q->limit < want ? q->limit : want;
    ormc_list l;
    memset(&l, 0, sizeof l);
    if ((rc = fetch(db, &one, &l, what)) != ORMC_OK)
        return rc;
    if (l.count != 1) {
        ormc_result_free(l.owner);
        return l.count ? db_fail(db, ORMC_ERROR,
                                 "%s: more than one row matches", what)
                       : db_fail(db, ORMC_NOT_FOUND, "%s: no row", what);
    }
    /* the object, behind the header ormc_object_free reads, in its result */
    object_header *h = arena_alloc(l.owner, sizeof *h + m->size);
    if (!h) {
        ormc_result_free(l.owner);
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
    }
    h->owner = l.owner;
    memcpy(h + 1, l.items, m->size);
    *out = h + 1;
    return ORMC_OK;
}

int ormc_first(ormc_db *db, const ormc_model *m, const ormc_query *q,
               void **out)
{
    return fetch_one(db, m, q, "first", false, out);
}

int ormc_get_where(ormc_db *db, const ormc_model *m, const ormc_query *q,
                   void **out)
{
    return fetch_one(db, m, q, "get", true, out);
}

/* Runs a one-row statement of kind `kind` over q and steps it to its row.
 * On success *stmt_out is the statement to read and reset. */
static int run_scalar(ormc_db *db, const ormc_model *m, const ormc_query *q,
                      sql_kind kind, uint16_t arg, const char *verb,
                      void **stmt_out)
{
    ormc_query all;
    char buf[WHAT_SIZE];
    const char *what;
    int rc = check_query(db, m, q, &all, &q, verb, buf, &what);
    if (rc != ORMC_OK)
        return rc;
    sql_req r = {.kind = kind, .arg = arg, .q = q, .what = what};
    void *stmt = sql_stmt(db, &r);
    if (!stmt)
        return db->errcode;
    rc = db->be->step(stmt);
    if (rc != ORMC_ROW) {
        db_stmt_done(db, stmt);
        return rc == ORMC_DONE ? db_fail(db, ORMC_ERROR, "%s: no row", what)
                               : db_fail_backend(db, rc, what);
    }
    *stmt_out = stmt;
    return ORMC_OK;
}

/* A statement of one integer (EXISTS, COUNT) over q, into *out. */
static int scalar_int(ormc_db *db, const ormc_model *m, const ormc_query *q,
                      sql_kind kind, const char *verb, int64_t *out)
{
    void *stmt;
    int rc = run_scalar(db, m, q, kind, 0, verb, &stmt);
    if (rc != ORMC_OK)
        return rc;
    *out = db->be->column_int(stmt, 0);
    db_stmt_done(db, stmt);
    db_ok(db);
    return ORMC_OK;
}

int ormc_exists(ormc_db *db, const ormc_model *m, const ormc_query *q,
                bool *out)
{
    int64_t n = 0;
    int rc = scalar_int(db, m, q, SQL_EXISTS, "exists", &n);
    *out = n != 0;
    return rc;
}

int ormc_count_rows(ormc_db *db, const ormc_model *m, const ormc_query *q,
                    int64_t *out)
{
    *out = 0;
    return scalar_int(db, m, q, SQL_COUNT, "count", out);
}

/* Runs an aggregate of `field` (of one of the allowed types) and reads
 * count/is_null; the caller reads columns 1..4. */
static int aggregate(ormc_db *db, const ormc_model *m, const ormc_query *q,
                     uint16_t field, bool real, void **stmt, int64_t *count,
                     bool *is_null)
{
    if (field >= m->nfields)
        return db_fail(db, ORMC_INVALID, "%s.aggregate: unknown field",
                       m->name);
    const ormc_field *f = &m->fields[field];
    bool ok = real ? f->type == ORMC_T_REAL
                   : f->type == ORMC_T_INT || f->type == ORMC_T_DATETIME;
    if (!ok)
        return db_fail(db, ORMC_INVALID,
                       "%s.aggregate: field '%s' is not %s", m->name, f->name,
                       real ? "real" : "int or datetime");
    int rc = run_scalar(db, m, q, SQL_AGG, field, "aggregate", stmt);
    if (rc != ORMC_OK)
        return rc;
    *count = db->be->column_int(*stmt, 0);
    *is_null = *count == 0; /* no value: every aggregate is NULL */
    return ORMC_OK;
}

int ormc_aggregate_int(ormc_db *db, const ormc_model *m,
                       const ormc_query *q, uint16_t field, ormc_int_stats *out)
{
    memset(out, 0, sizeof *out);
    void *stmt;
    int rc = aggregate(db, m, q, field, false, &stmt, &out->count,
                       &out->is_null);
    if (rc != ORMC_OK)
        return rc;
    if (!out->is_null) {
        const ormc_backend *be = db->be;
        out->sum = be->column_int(stmt, 1);
        out->avg = be->column_real(stmt, 2);
        out->min = be->column_int(stmt, 3);
        out->max = be->column_int(stmt, 4);
    }
    db_stmt_done(db, stmt);
    db_ok(db);
    return ORMC_OK;
}

int ormc_aggregate_real(ormc_db *db, const ormc_model *m,
                        const ormc_query *q, uint16_t field,
                        ormc_real_stats *out)
{
    memset(out, 0, sizeof *out);
    void *stmt;
    int rc = aggregate(db, m, q, field, true, &stmt, &out->count,
                       &out->is_null);
    if (rc != ORMC_OK)
        return rc;
    if (!out->is_null) {
        const ormc_backend *be = db->be;
        /* SQLite returns NULL for a NaN result (+Inf plus -Inf) */
        out->sum = be->column_is_null(stmt, 1) ? NAN : be->column_real(stmt, 1);
        out->avg = be->column_is_null(stmt, 2) ? NAN : be->column_real(stmt, 2);
        out->min = be->column_real(stmt, 3);
        out->max = be->column_real(stmt, 4);
    }
    db_stmt_done(db, stmt);
    db_ok(db);
    return ORMC_OK;
}
