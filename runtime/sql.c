/*
 * sql.c — renders and binds the statements the runtime sends: fetch,
 * count, exists, aggregates and the prefetch child query from a query's
 * terms; update and delete over a query; update of named fields, upsert
 * and insert-unless-present of one object; and each model's insert,
 * update, delete and get by id — all in the words of the connection's
 * dialect (dialect.h).  Transaction control is the dialect's too (db.c).
 *
 * Shape (alias t0 is the queried model; t1.. are joins and subqueries,
 * numbered as they are met):
 *   SELECT t0.<cols>, <with_ cols>, (SELECT COUNT(*) FROM "child" AS tN
 *          WHERE tN."fk" = t0."id") FROM "model" AS t0
 *   [LEFT] JOIN "target" AS t1 ON t1."id" = t0."fk"      (one per path)
 *   WHERE <terms> ORDER BY <terms>, t0."id" LIMIT ?a OFFSET ?b
 *
 * The join planner: every path along foreign keys from one scope (the
 * statement, or a subquery) that an order term, a with_ load or an IS
 * NULL test needs gets one join per distinct prefix, shared by all of
 * them; LEFT where a link on the way is nullable.  A filter along a
 * foreign key is a semi-join instead, fk IN (SELECT id FROM target WHERE
 * ...): SQLite, without statistics, would otherwise scan the parents and
 * probe each one's related row (4-6x slower in make bench's W7), where
 * the semi-join searches the related table from its own filter and
 * probes the parents through the foreign key's index.  A path through a
 * reverse relation becomes EXISTS (SELECT 1 FROM child ... WHERE
 * child.fk = parent.id AND ...), so a parent is never repeated.  The
 * filters of one AND group that go through the same relation (from the
 * same place) share one semi-join or EXISTS, so they hold for the same
 * related row or child (Django's filter()).
 *
 * Parameters are numbered by term, in term order (?1, ?2, ...), whatever
 * order the text puts them in, so binding walks the terms once.
 */
#include "sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parameter counts ---- */

/* Parameters a term binds. */
static int term_params(const ormc_term *t)
{
    switch (t->kind) {
    case T_CMP:
    case T_IN: return 1;
    case T_RANGE:
    case T_SPAN: return 2;
    case T_SET: return t->op != SET_NULL;
    default: return 0;
    }
}

static bool is_filter(int kind) { return kind >= T_CMP && kind <= T_NOT; }

/* The parameters of q's window: none, LIMIT alone (no offset: what a
 * hand-written statement says, and SQLite then tests no offset per
 * row), or LIMIT and OFFSET (the limit -1 or NULL when there is none). */
static int window_params(const ormc_query *q)
{
    return q->offset > 0 ? 2 : q->limit >= 0;
}

static bool has_window(const ormc_query *q) { return window_params(q) != 0; }

/* ---- shape keys ---- */

/* A shape key being built: words written to w while they fit in cap,
 * counted in n always, hashed into h as they come.  The builders keep n
 * and h in locals (stores through w cannot change them) and pass them on
 * only at a call. */
typedef struct keyb {
    uint64_t *w;
    size_t cap;
} keyb;

#define KEY_WORD(k, n, h, word)                                              \
    do {                                                                     \
        uint64_t w_ = (word);                                                \
        if ((n) < (k)->cap)                                                  \
            (k)->w[(n)] = w_;                                                \
        (n)++;                                                               \
        (h) = shape_mix((h), w_);                                            \
    } while (0)

/* q into the key from word n on (h the hash so far): its model, window
 * and term count, then a word per term (kind, op, relation, the path's
 * field, type and step count, and a bit for a child query that follows),
 * its steps four to a word, and the terms of a with_ load's or a count's
 * own query after it.  Prefix-free: each part says how many words follow
 * it.  Returns the words now in the key. */
static size_t key_query(const ormc_query *q, const keyb *k, size_t n,
                        uint64_t *hp)
{
    uint64_t h = *hp;
    KEY_WORD(k, n, h, (uint64_t)(uintptr_t)q->model);
    KEY_WORD(k, n, h, (uint64_t)window_params(q) | (uint64_t)q->nterms << 8);
    const ormc_term *t = query_terms(q);
    for (uint32_t i = 0; i < q->nterms; i++) {
        bool sub = (t[i].kind == T_WITH || t[i].kind == T_COUNT) && t[i].v.sub;
        unsigned ns = t[i].path.nsteps;
        KEY_WORD(k, n, h,
                 (uint64_t)t[i].kind | (uint64_t)t[i].op << 8 |
                     (uint64_t)t[i].rel << 16 |
                     (uint64_t)t[i].path.field << 32 |
                     (uint64_t)t[i].path.type << 48 |
                     (uint64_t)(ns & 0x7f) << 56 | (uint64_t)sub << 63);
        for (unsigned s = 0; s < ns; s += 4) {
            uint64_t w = 0;
            for (unsigned j = s; j < ns && j < s + 4; j++)
                w |= (uint64_t)t[i].path.step[j] << 16 * (j - s);
            KEY_WORD(k, n, h, w);
        }
        if (sub) {
            *hp = h;
            n = key_query(t[i].v.sub, k, n, hp);
            h = *hp;
        }
    }
    *hp = h;
    return n;
}

size_t sql_shape(const sql_req *r, uint64_t *buf, size_t cap, uint64_t *hash)
{
    const keyb k = {buf, cap};
    size_t n = 0;
    uint64_t h = SHAPE_SEED;
    KEY_WORD(&k, n, h,
             (uint64_t)r->kind |
                 (uint64_t)(r->kind == SQL_CHILD ? r->parents : 0) << 8 |
                 (uint64_t)r->arg << 16 | (uint64_t)r->nfields << 32);
    for (size_t i = 0; i < r->nfields; i += 4) {
        uint64_t w = 0;
        for (size_t j = i; j < r->nfields && j < i + 4; j++)
            w |= (uint64_t)r->fields[j] << 16 * (j - i);
        KEY_WORD(&k, n, h, w);
    }
    if (r->kind != SQL_CHILD || r->parents == PARENTS_QUERY)
        n = key_query(r->q, &k, n, &h);
    else
        KEY_WORD(&k, n, h, (uint64_t)(uintptr_t)r->q->model);
    if (r->kind == SQL_CHILD)
        n = key_query(r->sub, &k, n, &h); /* the child query's terms */
    *hash = shape_hash(h, n);
    return n;
}

/* ---- rendering ---- */

typedef struct join {
    int parent;        /* alias the foreign key is on */
    uint16_t rel;      /* relation index of the parent's model */
    int alias;
    bool left;
} join;

/* A FROM clause being planned: a root table and its joins. */
typedef struct scope {
    int base;                /* the root's alias */
    const ormc_model *m;
    join *joins;
    size_t n, cap;
    const ormc_model **jm;   /* the model of each join (parallel array) */
} scope;

typedef struct render {
    ormc_db *db;
    const ormc_dialect *d;
    const ormc_query *q;
    const ormc_term *t;
    int *pno;          /* first parameter number of each term */
    int first;         /* the first parameter number of q's terms */
    int next_alias;
    bool oom;
    /* a prefetch child query (put_prefetch): */
    const char *pre;   /* the first conjunct of its WHERE (its parents) */
    size_t npre;
    const char *join;  /* many-to-many: the JOIN of the join table to t0 */
    size_t njoin;
    const char *pkey;  /* the column naming a child's parent: t0."fk", or
                          the join table's column */
    size_t npkey;
    bool lead;         /* ORDER BY pkey first */
    bool window;       /* the query's filters and window are per parent,
                          in `join` (put_per_parent): none at the end */
    bool emit_p;       /* select pkey AS ormc_p last */
    const char *from;  /* per parent: " FROM <parents> AS tp JOIN " */
    size_t nfrom;
} render;

static void put_ident(render *R, sbuf *b, const char *name)
{
    char q = R->d->quote;
    sb_putn(b, &q, 1);
    for (const char *p = name; *p; p++) {
        sb_putn(b, p, 1);
        if (*p == q)
            sb_putn(b, p, 1);
    }
    sb_putn(b, &q, 1);
}

static void put_col(render *R, sbuf *b, int alias, const ormc_field *f)
{
    sb_printf(b, "t%d.", alias);
    put_ident(R, b, f->column);
}

/* The alias of the join for (parent, rel) in s, added if new. */
static int join_of(render *R, scope *s, int parent, const ormc_model *pm,
                   uint16_t rel, bool parent_left, bool *left)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->joins[i].parent == parent && s->joins[i].rel == rel) {
            *left = s->joins[i].left;
            return s->joins[i].alias;
        }
    const ormc_relation *r = &pm->relations[rel];
    *left = parent_left || r->reverse ||
            (pm->fields[r->field].flags & ORMC_F_NULLABLE);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        join *j = ormc_realloc(s->joins, cap * sizeof *j);
        const ormc_model **jm = j ? ormc_realloc(s->jm, cap * sizeof *jm)
                                  : NULL;
        if (j)
            s->joins = j;
        if (jm)
            s->jm = jm;
        if (!j || !jm) {
            R->oom = true;
            return s->base;
        }
        s->cap = cap;
    }
    join *j = &s->joins[s->n];
    j->parent = parent;
    j->rel = rel;
    j->alias = R->next_alias++;
    j->left = *left;
    s->jm[s->n++] = r->target;
    return j->alias;
}

/* Follows steps [from, to) of p (all forward) from s's root; returns the
 * alias reached and its model in *m; *left: a link on the way may be
 * missing. */
static int walk(render *R, scope *s, const ormc_path *p, unsigned from,
                unsigned to, const ormc_model **m, bool *left)
{
    int alias = s->base;
    const ormc_model *cur = s->m;
    bool l = false;
    for (unsigned i = from; i < to; i++) {
        alias = join_of(R, s, alias, cur, p->step[i], l, &l);
        cur = cur->relations[p->step[i]].target;
    }
    *m = cur;
    *left = l;
    return alias;
}

static void put_joins(render *R, sbuf *b, const scope *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const join *j = &s->joins[i];
        const ormc_model *pm = j->parent == s->base ? s->m : NULL;
        for (size_t k = 0; !pm && k < i; k++)
            if (s->joins[k].alias == j->parent)
                pm = s->jm[k];
        const ormc_relation *r = &pm->relations[j->rel];
        sb_put(b, j->left ? " LEFT JOIN " : " JOIN ");
        put_ident(R, b, s->jm[i]->table);
        sb_printf(b, " AS t%d ON ", j->alias);
        if (r->reverse) { /* the joined row's foreign key names ours */
            put_col(R, b, j->alias, &s->jm[i]->fields[r->field]);
            sb_put(b, " = ");
            put_col(R, b, j->parent, &pm->fields[0]);
        } else {
            put_col(R, b, j->alias, &s->jm[i]->fields[0]);
            sb_put(b, " = ");
            put_col(R, b, j->parent, &pm->fields[r->field]);
        }
    }
}

static void scope_free(scope *s)
{
    ormc_free(s->joins);
    ormc_free(s->jm);
}

/* Index of the first reverse step of t's path at or after `from`, or -1. */
static int reverse_at(const ormc_term *t, unsigned from)
{
    for (unsigned i = from; i < t->path.nsteps; i++)
        if (t->path.step[i] & ORMC_STEP_REVERSE)
            return (int)i;
    return -1;
}

/* The index after the group that opens at i (its T_END + 1). */
static uint32_t group_end(const ormc_term *t, uint32_t n, uint32_t i)
{
    int depth = 0;
    for (; i < n; i++) {
        if (t[i].kind >= T_AND && t[i].kind <= T_NOT)
            depth++;
        else if (t[i].kind == T_END && --depth == 0)
            return i + 1;
    }
    return n;
}

/* What evaluating filter term i per row roughly costs, for the order of
 * an AND or OR list: a null test or a comparison first, then patterns,
 * arrays, and anything through a relation (a subquery) last; a group
 * costs its terms' sum.  SQLite tests a row's terms in the order written,
 * so the cheap test that decides first saves the others. */
static unsigned term_cost(const render *R, uint32_t i)
{
    const ormc_term *t = &R->t[i];
    if (t->kind >= T_AND && t->kind <= T_NOT) {
        uint32_t end = group_end(R->t, R->q->nterms, i) - 1;
        unsigned sum = 0;
        for (uint32_t k = i + 1; k < end && sum < 1000;) {
            if (is_filter(R->t[k].kind))
                sum += term_cost(R, k);
            k = R->t[k].kind >= T_AND && R->t[k].kind <= T_NOT
                    ? group_end(R->t, end, k)
                    : k + 1;
        }
        return sum;
    }
    unsigned c = t->kind == T_NULL                        ? 1
                 : t->kind == T_CMP && t->op > ORMC_GE    ? 4
                 : t->kind == T_IN                        ? 5
                                                          : 2;
    return t->path.nsteps ? c + 8 : c;
}

typedef struct ranked {
    unsigned cost;
    uint32_t term;
} ranked;

static int by_cost(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost < y->cost ? -1 : 1;
    return x->term < y->term ? -1 : x->term > y->term;
}

/* The filter children of the terms [i, end): leaves and group openers,
 * cheapest first (term_cost; as written when equal).  Returns their
 * number; *out is a new array (NULL when none, or when memory ran out:
 * R->oom). */
static size_t children(render *R, uint32_t i, uint32_t end, uint32_t **out)
{
    const ormc_term *t = R->t;
    size_t n = 0;
    *out = NULL;
    for (uint32_t k = i; k < end;) {
        if (is_filter(t[k].kind))
            n++;
        k = t[k].kind >= T_AND && t[k].kind <= T_NOT ? group_end(t, end, k)
                                                     : k + 1;
    }
    if (!n)
        return 0;
    uint32_t *c = ormc_malloc(n * sizeof *c);
    if (!c) {
        R->oom = true;
        return 0;
    }
    ranked *rk = n > 1 ? ormc_malloc(n * sizeof *rk) : NULL;
    if (n > 1 && !rk) {
        ormc_free(c);
        R->oom = true;
        return 0;
    }
    n = 0;
    for (uint32_t k = i; k < end;) {
        if (is_filter(t[k].kind))
            c[n++] = k;
        k = t[k].kind >= T_AND && t[k].kind <= T_NOT ? group_end(t, end, k)
                                                     : k + 1;
    }
    if (rk) {
        for (size_t k = 0; k < n; k++)
            rk[k] = (ranked){term_cost(R, c[k]), c[k]};
        qsort(rk, n, sizeof *rk, by_cost);
        for (size_t k = 0; k < n; k++)
            c[k] = rk[k].term;
        ormc_free(rk);
    }
    *out = c;
    return n;
}

static bool put_and(render *R, scope *s, sbuf *b, const uint32_t *kids,
                    size_t n, unsigned from);

/* One leaf whose remaining path [from, end) is forward only.  Returns
 * whether it can be NULL. */
static bool put_leaf(render *R, scope *s, sbuf *b, uint32_t i, unsigned from)
{
    const ormc_term *t = &R->t[i];
    const ormc_model *m;
    bool left;
    int alias = walk(R, s, &t->path, from, t->path.nsteps, &m, &left);
    const ormc_field *f = &m->fields[t->path.field];
    int p = R->pno[i];
    char ph[2][24];
    snprintf(ph[0], sizeof ph[0], R->d->param, p);
    snprintf(ph[1], sizeof ph[1], R->d->param, p + 1);
    static const char *const CMP[] = {" = ", " <> ", " < ", " <= ", " > ",
                                      " >= "};
    bool null_ok = left || (f->flags & ORMC_F_NULLABLE);
    switch (t->kind) {
    case T_CMP:
        put_col(R, b, alias, f);
        if (t->op <= ORMC_GE) {
            sb_put(b, CMP[t->op]);
            sb_put(b, ph[0]);
        } else {
            sb_printf(b, t->op <= ORMC_ENDSWITH ? R->d->match : R->d->imatch,
                      ph[0]);
        }
        return null_ok;
    case T_IN:
        /* x NOT IN (empty) is true even for a NULL x: say NULL is no match */
        if (t->op == ORMC_NOT_IN && null_ok) {
            sb_put(b, "(");
            put_col(R, b, alias, f);
            sb_put(b, " IS NOT NULL AND ");
        }
        put_col(R, b, alias, f);
        sb_printf(b, t->op == ORMC_IN ? R->d->in_array : R->d->not_in_array,
                  ph[0]);
        if (t->op == ORMC_NOT_IN && null_ok) {
            sb_put(b, ")");
            return false;
        }
        return null_ok;
    case T_RANGE:
        put_col(R, b, alias, f);
        sb_printf(b, " BETWEEN %s AND %s", ph[0], ph[1]);
        return null_ok;
    case T_SPAN:
        sb_put(b, "(");
        put_col(R, b, alias, f);
        sb_printf(b, " >= %s AND ", ph[0]);
        put_col(R, b, alias, f);
        sb_printf(b, " < %s)", ph[1]);
        return null_ok;
    default: /* T_NULL */
        put_col(R, b, alias, f);
        sb_put(b, t->op ? " IS NULL" : " IS NOT NULL");
        return false;
    }
}

static void put_alias_col(render *R, sbuf *b, int alias, const char *col)
{
    sb_printf(b, "t%d.", alias);
    put_ident(R, b, col);
}

/* The rows of to-many relation rv for a FROM: "child" AS t<c>, or for a
 * many-to-many one "join" AS t<j> JOIN "child" AS t<c> ON t<c>."id" =
 * t<j>."to". */
static void put_many_from(render *R, sbuf *b, const ormc_reverse *rv, int c,
                          int j)
{
    if (rv->join) {
        put_ident(R, b, rv->join);
        sb_printf(b, " AS t%d JOIN ", j);
    }
    put_ident(R, b, rv->child->table);
    sb_printf(b, " AS t%d", c);
    if (rv->join) {
        sb_put(b, " ON ");
        put_col(R, b, c, &rv->child->fields[0]);
        sb_put(b, " = ");
        put_alias_col(R, b, j, rv->join_to);
    }
}

/* The column of those rows that names their parent: t<c>."fk", or
 * t<j>."from". */
static void put_many_key(render *R, sbuf *b, const ormc_reverse *rv, int c,
                         int j)
{
    if (rv->join)
        put_alias_col(R, b, j, rv->join_from);
    else
        put_col(R, b, c, &rv->child->fields[rv->child_field]);
}

/* EXISTS over the reverse step r of the leaves kids[0..n) (which all go
 * the same way up to it), from s: their rests ANDed on one child. */
static void put_exists(render *R, scope *s, sbuf *b, const uint32_t *kids,
                       size_t n, unsigned from, unsigned r)
{
    const ormc_term *t = &R->t[kids[0]];
    const ormc_model *pm;
    bool left;
    int parent = walk(R, s, &t->path, from, r, &pm, &left);
    const ormc_reverse *rv =
        &pm->reverses[t->path.step[r] & ~ORMC_STEP_REVERSE];
    scope sub = {.base = R->next_alias++, .m = rv->child};
    int j = rv->join ? R->next_alias++ : 0;
    /* "the children's id IS NULL" alone means "has no children" (Django's
     * comments__isnull=True): NOT EXISTS of any child */
    bool none = n == 1 && t->kind == T_NULL && t->op &&
                t->path.nsteps == r + 1 && t->path.field == 0;
    sbuf w = {0};
    if (!none)
        put_and(R, &sub, &w, kids, n, r + 1);
    sb_put(b, none ? "NOT EXISTS (SELECT 1 FROM " : "EXISTS (SELECT 1 FROM ");
    put_many_from(R, b, rv, sub.base, j);
    put_joins(R, b, &sub);
    sb_put(b, " WHERE ");
    put_many_key(R, b, rv, sub.base, j);
    sb_put(b, " = ");
    put_col(R, b, parent, &pm->fields[0]);
    if (w.len) {
        sb_put(b, " AND ");
        sb_putn(b, w.s, w.len);
    }
    sb_put(b, ")");
    R->oom |= w.oom;
    sb_free(&w);
    scope_free(&sub);
}

/* True when leaves a and b go the same way up to and including reverse
 * step r (from `from`). */
static bool same_way(const ormc_term *a, const ormc_term *b, unsigned from,
                     unsigned r)
{
    return b->path.nsteps > r &&
           memcmp(a->path.step + from, b->path.step + from,
                  (r + 1 - from) * sizeof *a->path.step) == 0 &&
           reverse_at(b, from) == (int)r;
}

static bool put_group(render *R, scope *s, sbuf *b, uint32_t i,
                      unsigned from);

static bool semi_step(const ormc_term *t, unsigned from);

/* Whether leaves t and u both go through the foreign key at step `from`
 * (as semi-joins; r unused). */
static bool same_fk(const ormc_term *t, const ormc_term *u, unsigned from,
                    unsigned r)
{
    (void)r;
    return semi_step(u, from) && u->path.step[from] == t->path.step[from];
}

/* The leaf kids[i] and every later leaf among kids[i..n) not yet done
 * that `same(kids[i], leaf, from, r)` accepts, marked done, into a new
 * array *out; returns their number, 0 when memory ran out (R->oom). */
static size_t gather(render *R, const uint32_t *kids, size_t n, size_t i,
                     bool *done,
                     bool (*same)(const ormc_term *, const ormc_term *,
                                  unsigned, unsigned),
                     unsigned from, unsigned r, uint32_t **out)
{
    uint32_t *v = ormc_malloc((n - i) * sizeof *v);
    if (!v) {
        R->oom = true;
        return 0;
    }
    const ormc_term *t = &R->t[kids[i]];
    size_t k = 0;
    for (size_t j = i; j < n; j++) {
        const ormc_term *u = &R->t[kids[j]];
        if ((!done || !done[j]) && u->kind < T_AND && same(t, u, from, r)) {
            v[k++] = kids[j];
            if (done)
                done[j] = true;
        }
    }
    *out = v;
    return k;
}

/* Whether leaf t goes on through a foreign key at step `from`, as a semi-
 * join (put_semi).  Not an IS NULL test that a missing link makes true
 * (one along foreign keys only, or "no children" behind them): that one
 * joins (LEFT) instead. */
static bool semi_step(const ormc_term *t, unsigned from)
{
    if (t->path.nsteps <= from || (t->path.step[from] & ORMC_STEP_REVERSE))
        return false;
    /* the other side of a one-to-one relation joins (LEFT): no column of
     * ours names its row */
    const ormc_model *m = t->path.root;
    for (unsigned i = 0; i < from && m; i++)
        m = path_step_target(m, t->path.step[i]);
    if (!m || m->relations[t->path.step[from]].reverse)
        return false;
    if (t->kind != T_NULL || !t->op)
        return true;
    int r = reverse_at(t, from);
    bool no_children = r >= 0 && t->path.nsteps == (unsigned)r + 1 &&
                       t->path.field == 0;
    return r >= 0 && !no_children;
}

/* fk IN (SELECT tN."id" FROM "target" AS tN WHERE ...): the leaves
 * kids[0..n), which all go through the foreign key path.step[from] of s's
 * model, as one semi-join: their rests ANDed on the one related row (so
 * the filters through a reverse relation behind it still share a child).
 * The related table is searched from its own filters and the parents
 * probed through the foreign key's index, whatever order the planner
 * would guess for a join without statistics; each parent stays once.
 * Can be NULL when the foreign key is nullable (no related row). */
static bool put_semi(render *R, scope *s, sbuf *b, const uint32_t *kids,
                     size_t n, unsigned from)
{
    const ormc_relation *rel = &s->m->relations[R->t[kids[0]].path.step[from]];
    const ormc_field *fk = &s->m->fields[rel->field];
    const ormc_model *tm = rel->target;
    scope sub = {.base = R->next_alias++, .m = tm};
    sbuf w = {0};
    put_and(R, &sub, &w, kids, n, from + 1);
    put_col(R, b, s->base, fk);
    sb_put(b, " IN (SELECT ");
    put_col(R, b, sub.base, &tm->fields[0]);
    sb_put(b, " FROM ");
    put_ident(R, b, tm->table);
    sb_printf(b, " AS t%d", sub.base);
    put_joins(R, b, &sub);
    sb_put(b, " WHERE ");
    sb_putn(b, w.s ? w.s : "", w.len);
    sb_put(b, ")");
    R->oom |= w.oom;
    sb_free(&w);
    scope_free(&sub);
    return (fk->flags & ORMC_F_NULLABLE) != 0;
}

/* One child of a group: a group or a leaf (a leaf through a reverse
 * relation as its own EXISTS). */
static bool put_child(render *R, scope *s, sbuf *b, uint32_t k, unsigned from)
{
    if (R->t[k].kind >= T_AND)
        return put_group(R, s, b, k, from);
    return put_and(R, s, b, &k, 1, from);
}

/* The AND of kids[0..n), leaves through the same reverse relation merged
 * into one EXISTS.  Returns whether the result can be NULL. */
static bool put_and(render *R, scope *s, sbuf *b, const uint32_t *kids,
                    size_t n, unsigned from)
{
    bool may_null = false;
    bool *done = n > 1 ? ormc_malloc(n) : NULL;
    if (n > 1 && !done) {
        R->oom = true;
        return false;
    }
    if (done)
        memset(done, 0, n);
    size_t parts = 0;
    for (size_t i = 0; i < n; i++) {
        if (done && done[i])
            continue;
        if (parts++)
            sb_put(b, " AND ");
        const ormc_term *t = &R->t[kids[i]];
        int r = t->kind < T_AND ? reverse_at(t, from) : -1;
        if (t->kind >= T_AND) {
            may_null |= put_group(R, s, b, kids[i], from);
        } else if (r < 0 && !semi_step(t, from)) {
            may_null |= put_leaf(R, s, b, kids[i], from);
        } else {
            /* this leaf and every later one through the same relation:
             * a semi-join for a foreign key, else an EXISTS */
            bool semi = semi_step(t, from);
            uint32_t *same;
            size_t k = gather(R, kids, n, i, done, semi ? same_fk : same_way,
                              from, (unsigned)r, &same);
            if (!k)
                break;
            if (semi)
                may_null |= put_semi(R, s, b, same, k, from);
            else
                put_exists(R, s, b, same, k, from, (unsigned)r);
            ormc_free(same);
        }
    }
    if (!parts)
        sb_put(b, "1 = 1");
    ormc_free(done);
    return may_null;
}

/* A group opening at term i: (a AND b), (a OR b), NOT (a AND b). */
static bool put_group(render *R, scope *s, sbuf *b, uint32_t i, unsigned from)
{
    uint32_t *kids;
    size_t n = children(R, i + 1, group_end(R->t, R->q->nterms, i) - 1, &kids);
    int kind = R->t[i].kind;
    bool may_null = false;
    if (kind == T_OR) {
        sb_put(b, "(");
        for (size_t k = 0; k < n; k++) {
            if (k)
                sb_put(b, " OR ");
            may_null |= put_child(R, s, b, kids[k], from);
        }
        sb_put(b, n ? ")" : "1 = 0)");
    } else if (kind == T_AND) {
        sb_put(b, "(");
        may_null = put_and(R, s, b, kids, n, from);
        sb_put(b, ")");
    } else {
        /* NOT: NULL (a comparison with NULL) must count as false inside,
         * so as true here */
        sbuf w = {0};
        may_null = put_and(R, s, &w, kids, n, from);
        if (may_null) {
            sb_put(b, "(");
            sb_putn(b, w.s ? w.s : "", w.len);
            sb_put(b, ")");
            sb_put(b, R->d->is_not_true);
        } else {
            sb_put(b, "NOT (");
            sb_putn(b, w.s ? w.s : "", w.len);
            sb_put(b, ")");
        }
        R->oom |= w.oom;
        sb_free(&w);
        may_null = false;
    }
    ormc_free(kids);
    return may_null;
}

/* " WHERE ..." of the query's filters in scope s, or nothing. */
static void put_where(render *R, scope *s, sbuf *b)
{
    uint32_t *kids = NULL;
    size_t n = R->window ? 0 : children(R, 0, R->q->nterms, &kids);
    if (n || R->pre) {
        sb_put(b, " WHERE ");
        if (R->pre) { /* once: subqueries have their own WHERE */
            sb_putn(b, R->pre, R->npre);
            sb_put(b, n ? " AND " : "");
            R->pre = NULL;
        }
    }
    if (n)
        put_and(R, s, b, kids, n, 0);
    ormc_free(kids);
}

static void put_order_term(render *R, scope *s, sbuf *b, const ormc_path *p,
                           bool desc)
{
    const ormc_model *m;
    bool left;
    int alias = walk(R, s, p, 0, p->nsteps, &m, &left);
    const ormc_field *f = &m->fields[p->field];
    put_col(R, b, alias, f);
    sb_put(b, desc ? " DESC" : "");
    /* only where a NULL can be: PostgreSQL's NULLS FIRST on an ascending
     * column would keep it from reading an index in order */
    if ((f->flags & ORMC_F_NULLABLE) || left)
        sb_put(b, desc ? R->d->nulls_desc : R->d->nulls_asc);
}

/* " ORDER BY" [lead,] q's order terms (q NULL or without any: s's
 * model's default order), then id. */
static void put_order(render *R, scope *s, sbuf *b, const ormc_query *q,
                      bool lead)
{
    bool has_id = false, any = false;
    sb_put(b, " ORDER BY ");
    if (lead) {
        sb_putn(b, R->pkey, R->npkey);
        sb_put(b, ", ");
    }
    const ormc_term *t = q ? query_terms(q) : NULL;
    for (uint32_t i = 0; q && i < q->nterms; i++) {
        if (t[i].kind != T_ORDER)
            continue;
        if (any)
            sb_put(b, ", ");
        any = true;
        put_order_term(R, s, b, &t[i].path, t[i].op == ORMC_DESC);
        has_id |= t[i].path.nsteps == 0 && t[i].path.field == 0;
    }
    for (uint16_t i = 0; !any && i < s->m->norder; i++) {
        ormc_path p = {.root = s->m, .field = s->m->order[i].field};
        if (i)
            sb_put(b, ", ");
        put_order_term(R, s, b, &p, s->m->order[i].desc);
        has_id |= p.field == 0;
    }
    if (!has_id) {
        if (any || s->m->norder)
            sb_put(b, ", ");
        put_col(R, b, s->base, &s->m->fields[0]);
    }
}

/* The parameter number of the limit (the offset's is next): after every
 * term's. */
static int window_first(const render *R)
{
    uint32_t n = R->q->nterms;
    return n ? R->pno[n - 1] + term_params(&R->t[n - 1]) : R->first;
}

/* " LIMIT ?a[ OFFSET ?b]": q's window, its parameters from p. */
static void put_limit(render *R, sbuf *b, int p)
{
    char a[24], c[24];
    snprintf(a, sizeof a, R->d->param, p);
    if (window_params(R->q) == 1) {
        sb_printf(b, R->d->limit, a);
        return;
    }
    snprintf(c, sizeof c, R->d->param, p + 1);
    sb_printf(b, R->d->limit_offset, a, c);
}

static void put_window(render *R, sbuf *b)
{
    if (!has_window(R->q) || R->window) /* per parent: put_prefetch */
        return;
    put_limit(R, b, window_first(R));
}

/* FROM <model> AS t<base> <joins> WHERE ... [ORDER BY ...] [LIMIT]: the
 * rows of the query, its filters and window, in scope s (joins planned
 * by what came before, e.g. with_ loads, and by the filters and order). */
static void put_from(render *R, scope *s, sbuf *b, bool ordered)
{
    sbuf w = {0}, o = {0};
    /* the order's joins first, so they are numbered before the filters'
     * subqueries */
    const ormc_model *m;
    bool left;
    for (uint32_t i = 0; ordered && i < R->q->nterms; i++)
        if (R->t[i].kind == T_ORDER)
            walk(R, s, &R->t[i].path, 0, R->t[i].path.nsteps, &m, &left);
    put_where(R, s, &w);
    if (ordered)
        put_order(R, s, &o, R->q, R->lead);
    if (R->from) { /* once, as R->join */
        sb_putn(b, R->from, R->nfrom);
        R->from = NULL;
    } else {
        sb_put(b, " FROM ");
    }
    put_ident(R, b, s->m->table);
    sb_printf(b, " AS t%d", s->base);
    if (R->join) { /* once: the statement's own FROM */
        sb_putn(b, R->join, R->njoin);
        R->join = NULL;
    }
    put_joins(R, b, s);
    sb_putn(b, w.s ? w.s : "", w.len);
    sb_putn(b, o.s ? o.s : "", o.len);
    put_window(R, b);
    R->oom |= w.oom || o.oom;
    sb_free(&w);
    sb_free(&o);
}

static void put_cols(render *R, sbuf *b, int alias, const ormc_model *m,
                     bool first)
{
    for (uint16_t i = 0; i < m->nfields; i++) {
        if (!first || i)
            sb_put(b, ", ");
        put_col(R, b, alias, &m->fields[i]);
    }
}

/* The columns of q's with_ loads from alias `parent` (of model pm;
 * left: a LEFT JOIN on the way), each followed by its own loads'. */
static void put_with_cols(render *R, scope *s, sbuf *b, const ormc_query *q,
                          int parent, const ormc_model *pm, bool left)
{
    const ormc_term *t = query_terms(q);
    for (uint32_t i = 0; i < q->nterms; i++) {
        if (t[i].kind != T_WITH)
            continue;
        bool l;
        int alias = join_of(R, s, parent, pm, t[i].rel, left, &l);
        const ormc_model *tm = pm->relations[t[i].rel].target;
        put_cols(R, b, alias, tm, false);
        if (t[i].v.sub)
            put_with_cols(R, s, b, t[i].v.sub, alias, tm, l);
    }
}

static int query_params(const ormc_query *q);
static bool number_params(render *R, int first);

/* ", (SELECT COUNT(*) FROM child AS tN ... WHERE key = t0.id [AND <sub's
 * filters>])": the number of children through rv that sub (NULL: all)
 * selects, its parameters numbered from *param on (advanced past them).
 * Without filters a many-to-many count reads only the join table (its
 * foreign keys keep each link's child). */
static void put_count(render *R, sbuf *b, const ormc_reverse *rv,
                      const ormc_query *sub, int *param)
{
    static const ormc_query none; /* no terms */
    render C = {.db = R->db, .d = R->d, .q = sub ? sub : &none,
                .next_alias = R->next_alias};
    C.t = query_terms(C.q);
    scope cs = {.base = C.next_alias++, .m = rv->child};
    sbuf w = {0};
    uint32_t *kids = NULL;
    size_t n = 0;
    if (number_params(&C, *param))
        n = children(&C, 0, C.q->nterms, &kids);
    else
        C.oom = true;
    bool links_only = rv->join && !n;
    int j = rv->join && !links_only ? C.next_alias++ : 0;
    if (n)
        put_and(&C, &cs, &w, kids, n, 0);
    *param += sub ? query_params(sub) : 0;
    sb_put(b, ", (SELECT COUNT(*) FROM ");
    if (links_only) {
        put_ident(R, b, rv->join);
        sb_printf(b, " AS t%d WHERE ", cs.base);
        put_alias_col(R, b, cs.base, rv->join_from);
    } else {
        put_many_from(R, b, rv, cs.base, j);
        put_joins(&C, b, &cs);
        sb_put(b, " WHERE ");
        put_many_key(R, b, rv, cs.base, j);
    }
    sb_put(b, " = t0.");
    put_ident(R, b, R->q->model->fields[0].column);
    if (w.len) {
        sb_put(b, " AND ");
        sb_putn(b, w.s, w.len);
    }
    sb_put(b, ")");
    R->next_alias = C.next_alias;
    R->oom |= C.oom || w.oom;
    ormc_free(kids);
    ormc_free(C.pno);
    sb_free(&w);
    scope_free(&cs);
}

/* " JOIN <the rows of step st from alias *cur, of model *m>": a reverse
 * relation's children (through its join table for a many-to-many one),
 * or a relation's target (its row whose id the foreign key holds, or
 * for the other side of a one-to-one relation, whose foreign key names
 * ours).  Plain JOINs: a row reached through a missing link has no value
 * to aggregate.  Advances *cur and *m to the rows joined. */
static void put_step_join(render *R, sbuf *b, unsigned st, int *cur,
                          const ormc_model **m)
{
    const ormc_model *pm = *m;
    if (st & ORMC_STEP_REVERSE) {
        const ormc_reverse *rv = &pm->reverses[st & ~ORMC_STEP_REVERSE];
        int c = R->next_alias++, j = 0;
        if (rv->join) {
            j = R->next_alias++;
            sb_put(b, " JOIN ");
            put_ident(R, b, rv->join);
            sb_printf(b, " AS t%d ON ", j);
            put_alias_col(R, b, j, rv->join_from);
            sb_put(b, " = ");
            put_col(R, b, *cur, &pm->fields[0]);
        }
        sb_put(b, " JOIN ");
        put_ident(R, b, rv->child->table);
        sb_printf(b, " AS t%d ON ", c);
        if (rv->join) {
            put_col(R, b, c, &rv->child->fields[0]);
            sb_put(b, " = ");
            put_alias_col(R, b, j, rv->join_to);
        } else {
            put_col(R, b, c, &rv->child->fields[rv->child_field]);
            sb_put(b, " = ");
            put_col(R, b, *cur, &pm->fields[0]);
        }
        *cur = c;
        *m = rv->child;
        return;
    }
    const ormc_relation *r = &pm->relations[st];
    int a = R->next_alias++;
    sb_put(b, " JOIN ");
    put_ident(R, b, r->target->table);
    sb_printf(b, " AS t%d ON ", a);
    if (r->reverse) { /* the joined row's foreign key names ours */
        put_col(R, b, a, &r->target->fields[r->field]);
        sb_put(b, " = ");
        put_col(R, b, *cur, &pm->fields[0]);
    } else {
        put_col(R, b, a, &r->target->fields[0]);
        sb_put(b, " = ");
        put_col(R, b, *cur, &pm->fields[r->field]);
    }
    *cur = a;
    *m = r->target;
}

/* ", (SELECT AGG(tN."f") FROM "child" AS tC [JOIN ...] WHERE tC."fk" =
 * t0."id")": annotation t, the aggregate (its op) of the field its path
 * ends at over the rows reached along the path from each row t0, the
 * first step (to-many) the FROM, the others JOINs (put_step_join).  A
 * count of a NOT NULL field is COUNT(*): every joined row has one. */
static void put_annot(render *R, sbuf *b, const ormc_term *t)
{
    static const char *const fn[] = {"COUNT", "SUM", "AVG", "MIN", "MAX"};
    const ormc_path *p = &t->path;
    const ormc_model *m = R->q->model;
    const ormc_reverse *rv = &m->reverses[p->step[0] & ~ORMC_STEP_REVERSE];
    int c = R->next_alias++, j = rv->join ? R->next_alias++ : 0, cur = c;
    const ormc_model *cm = rv->child;
    sbuf from = {0};
    put_many_from(R, &from, rv, c, j);
    for (unsigned i = 1; i < p->nsteps; i++)
        put_step_join(R, &from, p->step[i], &cur, &cm);
    const ormc_field *f = &cm->fields[p->field];
    sbuf col = {0};
    if (t->op == ORMC_COUNT && !(f->flags & ORMC_F_NULLABLE))
        sb_put(&col, "*");
    else
        put_col(R, &col, cur, f);
    sb_put(b, ", (SELECT ");
    if (t->op == ORMC_SUM && f->type != ORMC_T_REAL && R->d->sum_int) {
        /* a 64-bit sum that fails on overflow, as SQLite's */
        sb_printf(b, R->d->sum_int, col.s ? col.s : "");
    } else if (t->op == ORMC_AVG && f->type != ORMC_T_REAL && R->d->avg_int) {
        sb_printf(b, R->d->avg_int, col.s ? col.s : "");
    } else {
        sb_printf(b, "%s(", fn[t->op <= ORMC_MAX ? t->op : 0]);
        sb_putn(b, col.s ? col.s : "", col.len);
        sb_put(b, ")");
    }
    sb_put(b, " FROM ");
    sb_putn(b, from.s ? from.s : "", from.len);
    sb_put(b, " WHERE ");
    put_many_key(R, b, rv, c, j);
    sb_put(b, " = t0.");
    put_ident(R, b, m->fields[0].column);
    sb_put(b, ")");
    R->oom |= from.oom || col.oom;
    sb_free(&from);
    sb_free(&col);
}

/* SELECT of a fetch: t0, each with_ model (and theirs), each count, each
 * annotation. */
static void put_select(render *R, scope *s, sbuf *b)
{
    const ormc_model *m = s->m;
    sb_put(b, "SELECT ");
    put_cols(R, b, 0, m, true);
    const ormc_term *t = R->t;
    put_with_cols(R, s, b, R->q, 0, m, false);
    /* the parameters of counts' child queries follow the query's own */
    int sub_param = window_first(R) + window_params(R->q);
    for (uint32_t i = 0; i < R->q->nterms; i++) {
        if (t[i].kind != T_COUNT)
            continue;
        put_count(R, b, &m->reverses[t[i].rel], t[i].v.sub, &sub_param);
    }
    for (uint32_t i = 0; i < R->q->nterms; i++)
        if (t[i].kind == T_ANNOT)
            put_annot(R, b, &t[i]);
    if (R->emit_p) { /* the parent, last */
        sb_put(b, ", ");
        sb_putn(b, R->pkey, R->npkey);
        sb_put(b, " AS ormc_p");
    }
    put_from(R, s, b, true);
}

/* The parameters of q's terms and window. */
static int query_params(const ormc_query *q)
{
    int n = window_params(q);
    const ormc_term *t = query_terms(q);
    for (uint32_t i = 0; i < q->nterms; i++)
        n += term_params(&t[i]);
    return n;
}

/* The parameters of a child query's parents (before the child query's). */
static int parent_params(const sql_req *r)
{
    return r->parents == PARENTS_QUERY ? query_params(r->q)
           : r->parents == PARENTS_IDS ? 1
                                       : 0;
}

/* SELECT tK."id" FROM <parent> AS tK ... : the ids of the rows the
 * parent query r->q selects (its filters, and its order and window when
 * it has one), its parameters from ?1, its aliases after R's. */
static void put_parent_ids(render *R, const sql_req *r, sbuf *b)
{
    const ormc_model *pm = r->q->model;
    render P = {.db = R->db, .d = R->d, .q = r->q, .t = query_terms(r->q),
                .next_alias = R->next_alias};
    R->oom |= !number_params(&P, 1);
    scope ps = {.base = P.next_alias++, .m = pm};
    sb_put(b, "SELECT ");
    put_col(R, b, ps.base, &pm->fields[0]);
    if (!R->oom)
        put_from(&P, &ps, b, has_window(r->q));
    R->next_alias = P.next_alias;
    R->oom |= P.oom;
    scope_free(&ps);
    ormc_free(P.pno);
}

/* The parents of a per parent child query, as a FROM item `tp`
 * (" FROM <parents> AS tp JOIN ") into b, and the column of their id
 * into key: every row of the parent model, the rows of the parent query,
 * or the ids bound as one array (?1). */
static void put_parents_from(render *R, const sql_req *r, sbuf *b, sbuf *key)
{
    const ormc_model *pm = r->q->model;
    sb_put(b, " FROM ");
    if (r->parents == PARENTS_ALL) {
        put_ident(R, b, pm->table);
    } else if (r->parents == PARENTS_QUERY) {
        sb_put(b, "(");
        put_parent_ids(R, r, b);
        sb_put(b, ")");
    } else {
        char ph[24];
        snprintf(ph, sizeof ph, R->d->param, 1);
        sb_put(b, "(");
        sb_printf(b, R->d->array_rows, ph);
        sb_put(b, ")");
    }
    sb_put(b, " AS tp");
    if (r->parents == PARENTS_IDS) {
        sb_put(key, "tp.value");
    } else {
        sb_put(key, "tp.");
        put_ident(R, key, pm->fields[0].column);
    }
}

/* A child query with a limit or an offset applies them to each parent:
 * the children of parent tp are the ids of a correlated subquery with the
 * child query's filters, order, LIMIT and OFFSET (SQLite and PostgreSQL
 * run it once per parent; with an index on the foreign key each run
 * reads just the rows it keeps), so the statement is
 *   SELECT <child columns> FROM <parents> AS tp JOIN "child" AS t0
 *   ON t0."id" IN (SELECT tc."id" FROM "child" AS tc [joins] WHERE
 *   tc."fk" = tp."id" AND <filters> ORDER BY <order> LIMIT ?a OFFSET ?b)
 *   [with_ joins] ORDER BY tp."id", <order>
 * (many-to-many: the subquery goes through the join table).  5 times
 * faster on SQLite than ranking every child with ROW_NUMBER() OVER
 * (PARTITION BY fk), which reads and sorts them all.  On a dialect with
 * `lateral` (PostgreSQL, whose planner tests an IN subquery per pair of
 * parent and child) the subquery is a LATERAL join instead:
 *   FROM <parents> AS tp CROSS JOIN LATERAL (SELECT tc."id" ... LIMIT ?a
 *   OFFSET ?b) AS tl JOIN "child" AS t0 ON t0."id" = tl."id"  Sets R's from,
 * join, pkey and window; the caller renders the SELECT. */
static void put_per_parent(render *R, const sql_req *r, sbuf *from,
                           sbuf *on, sbuf *key)
{
    const ormc_reverse *rv = &r->q->model->reverses[r->arg];
    const ormc_model *cm = rv->child;
    put_parents_from(R, r, from, key);
    scope ts = {.base = R->next_alias++, .m = cm};
    int j = rv->join ? R->next_alias++ : 0;
    sbuf w = {0}, o = {0}, sub = {0};
    uint32_t *kids;
    size_t n = children(R, 0, R->q->nterms, &kids);
    if (n)
        put_and(R, &ts, &w, kids, n, 0);
    ormc_free(kids);
    put_order(R, &ts, &o, R->q, false);
    /* SELECT <the child's id> FROM ... WHERE <key> = tp."id" ... LIMIT */
    sb_put(&sub, "SELECT ");
    if (rv->join)
        put_alias_col(R, &sub, j, rv->join_to);
    else
        put_col(R, &sub, ts.base, &cm->fields[0]);
    sb_put(&sub, " FROM ");
    put_many_from(R, &sub, rv, ts.base, j);
    put_joins(R, &sub, &ts);
    sb_put(&sub, " WHERE ");
    put_many_key(R, &sub, rv, ts.base, j);
    sb_put(&sub, " = ");
    sb_putn(&sub, key->s ? key->s : "", key->len);
    if (w.len) {
        sb_put(&sub, " AND ");
        sb_putn(&sub, w.s, w.len);
    }
    sb_putn(&sub, o.s ? o.s : "", o.len);
    put_limit(R, &sub, window_first(R));
    if (R->d->lateral) {
        /* PostgreSQL would test the IN subquery for every (parent, child)
         * pair; a LATERAL subquery runs once per parent */
        sb_put(from, " CROSS JOIN LATERAL (");
        sb_putn(from, sub.s ? sub.s : "", sub.len);
        sb_put(from, ") AS tl JOIN ");
        sb_put(on, " ON ");
        put_col(R, on, 0, &cm->fields[0]);
        sb_put(on, " = tl.");
        put_ident(R, on, rv->join ? rv->join_to : cm->fields[0].column);
    } else {
        sb_put(from, " JOIN ");
        sb_put(on, " ON ");
        put_col(R, on, 0, &cm->fields[0]);
        sb_put(on, " IN (");
        sb_putn(on, sub.s ? sub.s : "", sub.len);
        sb_put(on, ")");
    }
    R->oom |= w.oom || o.oom || sub.oom;
    sb_free(&w);
    sb_free(&o);
    sb_free(&sub);
    scope_free(&ts);
    R->from = from->s;
    R->nfrom = from->len;
    R->window = true;
}

/* The prefetch child query (SQL_CHILD; R renders r->sub): the children
 * through reverse relation r->arg of the parents, which are a first
 * conjunct of the WHERE: every row (only IS NOT NULL of a nullable
 * foreign key), fk IN (SELECT id FROM parent ...) of the parent query,
 * or fk IN the array of ids.  Then the child query's own filters, joins,
 * with_ loads and counts.  Rows come grouped by parent (ORDER BY fk
 * first, which the foreign key's index gives without a sort), in the
 * child query's order within each; all in the child query's order when
 * the parents are every row.  A child query with a limit or offset is
 * per parent (put_per_parent). */
static void put_prefetch(render *R, const sql_req *r, sbuf *b)
{
    const ormc_model *pm = r->q->model;
    const ormc_reverse *rv = &pm->reverses[r->arg];
    const ormc_model *cm = rv->child;
    sbuf w = {0}, key = {0}, join = {0}, from = {0};
    char ph[24];
    if (has_window(R->q)) {
        put_per_parent(R, r, &from, &join, &key);
    } else if (rv->join) { /* the parent key: the join table's column */
        int j = R->next_alias++;
        put_alias_col(R, &key, j, rv->join_from);
        sb_put(&join, " JOIN ");
        put_ident(R, &join, rv->join);
        sb_printf(&join, " AS t%d ON ", j);
        put_alias_col(R, &join, j, rv->join_to);
        sb_put(&join, " = ");
        put_col(R, &join, 0, &cm->fields[0]);
    } else { /* the foreign key */
        put_col(R, &key, 0, &cm->fields[rv->child_field]);
    }
    bool nullable = !rv->join &&
                    (cm->fields[rv->child_field].flags & ORMC_F_NULLABLE);
    if (R->window) {
        /* the parents are tp */
    } else if (r->parents == PARENTS_QUERY) {
        sb_putn(&w, key.s ? key.s : "", key.len);
        sb_put(&w, " IN (");
        put_parent_ids(R, r, &w);
        sb_put(&w, ")");
    } else if (r->parents == PARENTS_IDS) {
        snprintf(ph, sizeof ph, R->d->param, 1);
        sb_putn(&w, key.s ? key.s : "", key.len);
        sb_printf(&w, R->d->in_array, ph);
    } else if (nullable) {
        sb_putn(&w, key.s ? key.s : "", key.len);
        sb_put(&w, " IS NOT NULL");
    }
    R->pre = w.s;
    R->npre = w.len;
    R->join = join.s;
    R->njoin = join.len;
    R->pkey = key.s ? key.s : "";
    R->npkey = key.len;
    R->lead = r->parents != PARENTS_ALL || R->window;
    R->emit_p = rv->join;
    scope cs = {.base = 0, .m = cm};
    put_select(R, &cs, b);
    R->oom |= w.oom || key.oom || join.oom || from.oom;
    sb_free(&w);
    sb_free(&key);
    sb_free(&join);
    sb_free(&from);
    scope_free(&cs);
}

/* Whether q has filters or a window (else it means every row). */
static bool selects_some(const render *R)
{
    if (has_window(R->q))
        return true;
    for (uint32_t i = 0; i < R->q->nterms; i++)
        if (is_filter(R->t[i].kind))
            return true;
    return false;
}

/* " WHERE "id" IN (SELECT t0."id" FROM ...)": the rows q selects, for an
 * UPDATE or DELETE (which take no joins, aliases or limits of their own
 * on every engine); nothing when q selects every row. */
static void put_rows_of(render *R, sbuf *b)
{
    if (!selects_some(R))
        return;
    const ormc_model *m = R->q->model;
    scope s = {.base = 0, .m = m};
    sb_put(b, " WHERE ");
    put_ident(R, b, m->fields[0].column);
    sb_put(b, " IN (SELECT ");
    put_col(R, b, 0, &m->fields[0]);
    put_from(R, &s, b, has_window(R->q));
    sb_put(b, ")");
    scope_free(&s);
}

/* UPDATE "m" SET "f" = ?1, "g" = "g" + ?2, "h" = NULL ... */
static void put_update(render *R, sbuf *b)
{
    const ormc_model *m = R->q->model;
    sb_put(b, "UPDATE ");
    put_ident(R, b, m->table);
    sb_put(b, " SET ");
    bool any = false;
    for (uint32_t i = 0; i < R->q->nterms; i++) {
        const ormc_term *t = &R->t[i];
        if (t->kind != T_SET)
            continue;
        const ormc_field *f = &m->fields[t->path.field];
        char ph[24];
        snprintf(ph, sizeof ph, R->d->param, R->pno[i]);
        if (any)
            sb_put(b, ", ");
        any = true;
        put_ident(R, b, f->column);
        sb_put(b, " = ");
        if (t->op == SET_NULL) {
            sb_put(b, "NULL");
            continue;
        }
        if (t->op != SET_VALUE) {
            put_ident(R, b, f->column);
            sb_put(b, t->op == SET_ADD ? " + " : " * ");
        }
        sb_put(b, ph);
    }
    put_rows_of(R, b);
}

/* INSERT INTO "m" ("a", "b") VALUES (?1, ?2): every field but id, in
 * field order (DEFAULT VALUES for a model without fields). */
static void put_insert(render *R, sbuf *b, const ormc_model *m)
{
    char ph[24];
    sb_put(b, "INSERT INTO ");
    put_ident(R, b, m->table);
    if (m->nfields == 1) {
        sb_put(b, " DEFAULT VALUES");
        return;
    }
    for (uint16_t i = 1; i < m->nfields; i++) {
        sb_put(b, i > 1 ? ", " : " (");
        put_ident(R, b, m->fields[i].column);
    }
    sb_put(b, ") VALUES (");
    for (uint16_t i = 1; i < m->nfields; i++) {
        snprintf(ph, sizeof ph, R->d->param, (int)i);
        sb_printf(b, "%s%s", i > 1 ? ", " : "", ph);
    }
    sb_put(b, ")");
}

/* The statements of one object: fields[] by number, ?1.. in that order
 * (then the id for SQL_UPDATE_FIELDS). */
static void put_object_sql(render *R, sbuf *b, const sql_req *r)
{
    const ormc_model *m = R->q->model;
    char ph[24];
    if (r->kind == SQL_UPDATE_FIELDS) {
        sb_put(b, "UPDATE ");
        put_ident(R, b, m->table);
        sb_put(b, " SET ");
        for (size_t i = 0; i < r->nfields; i++) {
            snprintf(ph, sizeof ph, R->d->param, (int)i + 1);
            if (i)
                sb_put(b, ", ");
            put_ident(R, b, m->fields[r->fields[i]].column);
            sb_printf(b, " = %s", ph);
        }
        snprintf(ph, sizeof ph, R->d->param, (int)r->nfields + 1);
        sb_put(b, " WHERE ");
        put_ident(R, b, m->fields[0].column);
        sb_printf(b, " = %s", ph);
        return;
    }
    /* INSERT INTO "m" ("a", "b") VALUES (?1, ?2) ON CONFLICT ("key") */
    put_insert(R, b, m);
    sb_put(b, " ON CONFLICT (");
    for (size_t i = 0; i < r->nfields; i++) {
        if (i)
            sb_put(b, ", ");
        put_ident(R, b, m->fields[r->fields[i]].column);
    }
    sb_put(b, ")");
    if (r->kind == SQL_INSERT_KEEP) {
        sb_put(b, " DO NOTHING RETURNING ");
        for (uint16_t i = 0; i < m->nfields; i++) {
            if (i)
                sb_put(b, ", ");
            put_ident(R, b, m->fields[i].column);
        }
        return;
    }
    /* every field that is not the key takes the new value; with none, the
     * first key field is set to itself, so RETURNING has a row */
    sb_put(b, " DO UPDATE SET ");
    bool any = false;
    for (uint16_t i = 1; i < m->nfields; i++) {
        bool key = false;
        for (size_t k = 0; k < r->nfields; k++)
            key |= r->fields[k] == i;
        if (key)
            continue;
        if (any)
            sb_put(b, ", ");
        any = true;
        put_ident(R, b, m->fields[i].column);
        sb_put(b, " = excluded.");
        put_ident(R, b, m->fields[i].column);
    }
    if (!any) {
        put_ident(R, b, m->fields[r->fields[0]].column);
        sb_put(b, " = excluded.");
        put_ident(R, b, m->fields[r->fields[0]].column);
    }
    sb_put(b, " RETURNING ");
    put_ident(R, b, m->fields[0].column);
}

/* The fixed statements of one model (sql_model_stmt). */
static void put_model_sql(render *R, sbuf *b, sql_kind kind)
{
    const ormc_model *m = R->q->model;
    char ph[24];
    const ormc_field *id = &m->fields[0];
    switch (kind) {
    case SQL_INSERT:
        put_insert(R, b, m);
        if (R->d->insert_returning) {
            sb_put(b, " RETURNING ");
            put_ident(R, b, id->column);
        }
        return;
    case SQL_UPDATE_ROW:
        sb_put(b, "UPDATE ");
        put_ident(R, b, m->table);
        sb_put(b, " SET ");
        for (uint16_t i = 1; i < m->nfields; i++) {
            snprintf(ph, sizeof ph, R->d->param, (int)i);
            if (i > 1)
                sb_put(b, ", ");
            put_ident(R, b, m->fields[i].column);
            sb_printf(b, " = %s", ph);
        }
        if (m->nfields == 1) { /* nothing to set: a no-op that finds the row */
            put_ident(R, b, id->column);
            sb_put(b, " = ");
            put_ident(R, b, id->column);
        }
        snprintf(ph, sizeof ph, R->d->param, (int)m->nfields);
        sb_put(b, " WHERE ");
        put_ident(R, b, id->column);
        sb_printf(b, " = %s", ph);
        return;
    case SQL_DELETE_ROW:
        snprintf(ph, sizeof ph, R->d->param, 1);
        sb_put(b, "DELETE FROM ");
        put_ident(R, b, m->table);
        sb_put(b, " WHERE ");
        put_ident(R, b, id->column);
        sb_printf(b, " = %s", ph);
        return;
    default: /* SQL_GET */
        snprintf(ph, sizeof ph, R->d->param, 1);
        sb_put(b, "SELECT ");
        put_cols(R, b, 0, m, true);
        sb_put(b, " FROM ");
        put_ident(R, b, m->table);
        sb_put(b, " AS t0 WHERE ");
        put_col(R, b, 0, id);
        sb_printf(b, " = %s", ph);
        return;
    }
}

/* The link statements of many-to-many relation r->arg (sql_link_stmt). */
static void put_link(render *R, sbuf *b, const sql_req *r)
{
    const ormc_reverse *rv = &R->q->model->reverses[r->arg];
    char id[24], arr[24];
    snprintf(id, sizeof id, R->d->param, 1);
    snprintf(arr, sizeof arr, R->d->param, 2);
    if (r->kind == SQL_LINK_ADD) {
        sb_put(b, "INSERT INTO ");
        put_ident(R, b, rv->join);
        sb_put(b, " (");
        put_ident(R, b, rv->join_from);
        sb_put(b, ", ");
        put_ident(R, b, rv->join_to);
        sb_printf(b, ") SELECT %s, value FROM (", id);
        sb_printf(b, R->d->array_rows, arr);
        sb_printf(b, ") AS ta%s ON CONFLICT DO NOTHING",
                  R->d->insert_select_where);
        return;
    }
    sb_put(b, "DELETE FROM ");
    put_ident(R, b, rv->join);
    sb_put(b, " WHERE ");
    put_ident(R, b, rv->join_from);
    sb_printf(b, " = %s", id);
    if (r->kind == SQL_LINK_CLEAR)
        return;
    sb_put(b, " AND ");
    put_ident(R, b, rv->join_to);
    sb_printf(b, r->kind == SQL_LINK_REMOVE ? R->d->in_array
                                            : R->d->not_in_array, arr);
}

/* Numbers each term's parameters from `first`, in term order. */
static bool number_params(render *R, int first)
{
    uint32_t n = R->q->nterms;
    R->first = first;
    R->pno = n ? ormc_malloc(n * sizeof *R->pno) : NULL;
    if (n && !R->pno)
        return false;
    int p = first;
    for (uint32_t i = 0; i < n; i++) {
        R->pno[i] = p;
        p += term_params(&R->t[i]);
    }
    return true;
}

int sql_render(ormc_db *db, const void *ctx, sbuf *b)
{
    const sql_req *r = ctx;
    const ormc_query *q = r->kind == SQL_CHILD ? r->sub : r->q;
    render R = {.db = db, .d = db->dialect, .q = q, .t = query_terms(q),
                .next_alias = 1};
    if (!number_params(&R, r->kind == SQL_CHILD ? parent_params(r) + 1 : 1))
        return db_fail(db, ORMC_NOMEM, "%s: out of memory", r->what);
    scope s = {.base = 0, .m = r->q->model};
    const ormc_model *m = r->q->model;
    switch (r->kind) {
    case SQL_SELECT:
        put_select(&R, &s, b);
        break;
    case SQL_COUNT:
    case SQL_EXISTS:
        if (r->kind == SQL_COUNT && has_window(r->q)) {
            sb_put(b, "SELECT COUNT(*) FROM (SELECT 1");
            put_from(&R, &s, b, true);
            sb_put(b, ") AS tq");
        } else if (r->kind == SQL_COUNT) {
            sb_put(b, "SELECT COUNT(*)");
            put_from(&R, &s, b, false);
        } else {
            sb_put(b, "SELECT EXISTS (SELECT 1");
            put_from(&R, &s, b, has_window(r->q));
            sb_put(b, ")");
        }
        break;
    case SQL_AGG: {
        const ormc_field *f = &m->fields[r->arg];
        static const char *const FN[] = {"COUNT", "SUM", "AVG", "MIN", "MAX"};
        sbuf col = {0};
        if (has_window(r->q))
            sb_put(&col, "tq.v");
        else
            put_col(&R, &col, 0, f);
        sb_put(b, "SELECT ");
        for (int i = 0; i < 5; i++) {
            if (i)
                sb_put(b, ", ");
            if (i == 0 && !(f->flags & ORMC_F_NULLABLE)) {
                sb_put(b, "COUNT(*)"); /* the same answer, and faster */
                continue;
            }
            if (i == 1 && f->type != ORMC_T_REAL && R.d->sum_int)
                sb_printf(b, R.d->sum_int, col.s ? col.s : "");
            else if (i == 2 && f->type != ORMC_T_REAL && R.d->avg_int)
                sb_printf(b, R.d->avg_int, col.s ? col.s : "");
            else
                sb_printf(b, "%s(%s)", FN[i], col.s ? col.s : "");
        }
        R.oom |= col.oom;
        sb_free(&col);
        if (has_window(r->q)) {
            sb_put(b, " FROM (SELECT ");
            put_col(&R, b, 0, f);
            sb_put(b, " AS v");
            put_from(&R, &s, b, true);
            sb_put(b, ") AS tq");
        } else {
            put_from(&R, &s, b, false);
        }
        break;
    }
    case SQL_CHILD:
        put_prefetch(&R, r, b);
        break;
    case SQL_UPDATE:
        put_update(&R, b);
        break;
    case SQL_DELETE:
        sb_put(b, "DELETE FROM ");
        put_ident(&R, b, m->table);
        put_rows_of(&R, b);
        break;
    case SQL_UPDATE_FIELDS:
    case SQL_UPSERT:
    case SQL_INSERT_KEEP:
        put_object_sql(&R, b, r);
        break;
    case SQL_LINK_ADD:
    case SQL_LINK_REMOVE:
    case SQL_LINK_KEEP:
    case SQL_LINK_CLEAR:
        put_link(&R, b, r);
        break;
    default:
        put_model_sql(&R, b, r->kind);
        break;
    }
    scope_free(&s);
    ormc_free(R.pno);
    if (R.oom || b->oom)
        return db_fail(db, ORMC_NOMEM, "%s: out of memory building SQL",
                       r->what);
    return ORMC_OK;
}

/* ---- binding ---- */

/* Binds the pattern of a text lookup (built here, copied by the backend). */
static int bind_pattern(ormc_db *db, void *stmt, int idx, int op,
                        const char *v)
{
    const ormc_dialect *d = db->dialect;
    size_t n = strlen(v);
    if (n > SIZE_MAX / 4)
        return ORMC_NOMEM;
    char small[256];
    size_t need = d->pattern_size(n) + 1;
    char *buf = need <= sizeof small ? small : ormc_malloc(need);
    if (!buf)
        return ORMC_NOMEM;
    size_t len = d->pattern(op, v, n, buf);
    int rc = db->be->bind_text_copy(stmt, idx, buf, len);
    if (buf != small)
        ormc_free(buf);
    return rc;
}

/* Binds term t's values at idx.. */
static int bind_term(ormc_db *db, void *stmt, int idx, const ormc_term *t)
{
    const ormc_backend *be = db->be;
    int type = t->path.type;
    bool real = type == ORMC_T_REAL;
    switch (t->kind) {
    case T_CMP:
        if (type == ORMC_T_TEXT) {
            if (t->op > ORMC_GE)
                return bind_pattern(db, stmt, idx, t->op, t->v.s);
            return be->bind_text(stmt, idx, t->v.s, strlen(t->v.s));
        }
        return real ? be->bind_real(stmt, idx, t->v.r[0])
                    : be->bind_int(stmt, idx, t->v.i[0]);
    case T_IN: {
        const void *v = type == ORMC_T_TEXT ? (const void *)t->v.sv
                        : real              ? (const void *)t->v.rv
                                            : (const void *)t->v.iv;
        return be->bind_array(stmt, idx,
                              type == ORMC_T_DATETIME ? ORMC_T_INT : type, v,
                              t->n);
    }
    case T_SET:
        if (t->op == SET_NULL)
            return ORMC_OK;
        if (type == ORMC_T_TEXT)
            return be->bind_text(stmt, idx, t->v.s, strlen(t->v.s));
        if (type == ORMC_T_BLOB)
            return be->bind_blob(stmt, idx, t->v.s, t->n);
        return real ? be->bind_real(stmt, idx, t->v.r[0])
                    : be->bind_int(stmt, idx, t->v.i[0]);
    case T_RANGE:
    case T_SPAN: {
        int rc = real ? be->bind_real(stmt, idx, t->v.r[0])
                      : be->bind_int(stmt, idx, t->v.i[0]);
        if (rc == ORMC_OK)
            rc = real ? be->bind_real(stmt, idx + 1, t->v.r[1])
                      : be->bind_int(stmt, idx + 1, t->v.i[1]);
        return rc;
    }
    default:
        return ORMC_OK;
    }
}

/* Binds the object fields of an object kind: fields[] (then the id) for
 * SQL_UPDATE_FIELDS, every field but the id for the inserts. */
static int bind_object(ormc_db *db, void *stmt, const sql_req *r)
{
    const ormc_model *m = r->q->model;
    int rc = ORMC_OK;
    const char *verb = strchr(r->what, '.') ? strchr(r->what, '.') + 1
                                            : r->what;
    if (r->kind == SQL_UPDATE_FIELDS) {
        for (size_t i = 0; i < r->nfields && rc == ORMC_OK; i++)
            rc = bind_field(db, stmt, (int)i + 1, m, &m->fields[r->fields[i]],
                            r->obj, verb);
        if (rc == ORMC_OK)
            rc = bind_field(db, stmt, (int)r->nfields + 1, m, &m->fields[0],
                            r->obj, verb);
        return rc;
    }
    return bind_fields(db, stmt, m, r->obj, false, verb);
}

static int bind_window(ormc_db *db, void *stmt, const ormc_query *q,
                       int idx);

/* Binds q's terms from *idx on, then its window (LIMIT and OFFSET), then,
 * with `counts` (a statement that selects q's counts), the filters of its
 * counts' child queries.  Advances *idx; returns status. */
static int bind_query(ormc_db *db, void *stmt, const ormc_query *q, int *idx,
                      bool counts)
{
    const ormc_term *t = query_terms(q);
    int rc = ORMC_OK;
    for (uint32_t i = 0; i < q->nterms && rc == ORMC_OK; i++) {
        rc = bind_term(db, stmt, *idx, &t[i]);
        *idx += term_params(&t[i]);
    }
    if (rc == ORMC_OK && has_window(q))
        rc = bind_window(db, stmt, q, *idx);
    *idx += window_params(q);
    /* then the filters of the counts' child queries, in term order, where
     * the statement selects the counts */
    for (uint32_t i = 0; counts && i < q->nterms && rc == ORMC_OK; i++)
        if (t[i].kind == T_COUNT && t[i].v.sub)
            rc = bind_query(db, stmt, t[i].v.sub, idx, false);
    return rc;
}

/* Binds q's window at idx: LIMIT, and OFFSET when it has one. */
static int bind_window(ormc_db *db, void *stmt, const ormc_query *q, int idx)
{
    int rc;
    if (q->limit < 0 && db->dialect->no_limit_null)
        rc = db->be->bind_null(stmt, idx);
    else
        rc = db->be->bind_int(stmt, idx, q->limit >= 0 ? q->limit : -1);
    if (rc == ORMC_OK && window_params(q) == 2)
        rc = db->be->bind_int(stmt, idx + 1, q->offset);
    return rc;
}

int sql_bind(ormc_db *db, void *stmt, const sql_req *r)
{
    if (r->kind >= SQL_UPDATE_FIELDS)
        return bind_object(db, stmt, r);
    int idx = 1, rc = ORMC_OK;
    if (r->kind != SQL_CHILD) {
        rc = bind_query(db, stmt, r->q, &idx, r->kind == SQL_SELECT);
    } else {
        if (r->parents == PARENTS_QUERY)
            rc = bind_query(db, stmt, r->q, &idx, false);
        else if (r->parents == PARENTS_IDS)
            rc = db->be->bind_array(stmt, idx++, ORMC_T_INT, r->ids, r->nids);
        if (rc == ORMC_OK)
            rc = bind_query(db, stmt, r->sub, &idx, true);
    }
    return rc == ORMC_OK ? ORMC_OK : db_fail_backend(db, rc, r->what);
}

/* The statement of kind `kind` (and `arg`) of model m, which needs no
 * query: from the cache by the kind, the model's address and arg
 * (key_arg: whether arg is part of it), or rendered and prepared. */

static void *fixed_stmt(ormc_db *db, const ormc_model *m, sql_kind kind,
                        uint16_t arg, bool key_arg, const char *what)
{
    /* a query kind's first word never has a model kind: no clash */
    uint64_t w[2] = {(uint64_t)kind | (uint64_t)(key_arg ? arg : 0) << 16,
                     (uint64_t)(uintptr_t)m};
    shape_key key = {w, 2, shape_hash(shape_mix(shape_mix(SHAPE_SEED, w[0]),
                                                w[1]), 2)};
    ormc_query none;
    none.model = m; /* all sql_render reads of these kinds */
    none.nterms = 0;
    none.kinds = 0;
    none.heap = NULL;
    none.limit = -1;
    none.offset = 0;
    sql_req r = {.kind = kind, .arg = arg, .q = &none, .what = what};
    return db_stmt_fixed(db, m, sql_fixed_tag(kind, arg), &key, sql_render, &r,
                         what);
}

void *sql_link_stmt(ormc_db *db, const ormc_model *m, uint16_t rev,
                    sql_kind kind, const char *what)
{
    return fixed_stmt(db, m, kind, rev, true, what);
}

void *sql_model_stmt_new(ormc_db *db, const ormc_model *m, sql_kind kind,
                         const char *verb)
{
    char what[160];
    snprintf(what, sizeof what, "%s.%s", m->name, verb);
    return fixed_stmt(db, m, kind, 0, false, what);
}

void *sql_stmt(ormc_db *db, const sql_req *r)
{
    /* A query of no terms and no window (a NULL query: all rows) needs no
     * field list or parents and binds nothing: its statement is known by
     * its model, kind and argument alone, as a model's fixed statements
     * are, and found in one probe, without a shape key. */
    const ormc_query *q = r->q;
    bool fixed = !q->nterms && !has_window(q) && !r->nfields &&
                 r->kind < SQL_CHILD;
    if (fixed) {
        void *stmt = db_stmt_fixed_find(db, q->model,
                                        sql_fixed_tag(r->kind, r->arg));
        if (stmt)
            return stmt;
    }
    uint64_t small[64];
    shape_key key = {small, 0, 0};
    key.n = sql_shape(r, small, sizeof small / sizeof *small, &key.h);
    uint64_t *heap = NULL;
    if (key.n > sizeof small / sizeof *small) {
        key.w = heap = ormc_malloc(key.n * sizeof *heap);
        if (!heap) {
            db_fail(db, ORMC_NOMEM, "%s: out of memory", r->what);
            return NULL;
        }
        sql_shape(r, heap, key.n, &key.h);
    }
    void *stmt = fixed ? db_stmt_fixed(db, q->model,
                                       sql_fixed_tag(r->kind, r->arg), &key,
                                       sql_render, r, r->what)
                       : db_stmt_shape(db, &key, sql_render, r, r->what);
    ormc_free(heap);
    if (stmt && !fixed && sql_bind(db, stmt, r) != ORMC_OK) {
        db_stmt_done(db, stmt);
        return NULL;
    }
    return stmt;
}
