/*
 * query.c — the query builder: paths, filters, groups, order terms and
 * related loads appended to an ormc_query as terms (query_internal.h).
 * It checks each call against the model and the lookup table and
 * remembers the first misuse; it runs no SQL and renders none (sql.c).
 */
#include "internal.h"

#include <math.h>
#include <string.h>

/* ---- lookups: which ops a filter of each type takes ---- */

#define TY(t) (1u << (t))
#define TY_NUM (TY(ORMC_T_INT) | TY(ORMC_T_DATETIME) | TY(ORMC_T_REAL))
#define TY_ORD (TY_NUM | TY(ORMC_T_TEXT))

/* For each ormc_op: the types a comparison (ormc_where_*) takes it on. */
static const unsigned CMP_TYPES[] = {
    [ORMC_EQ] = TY_ORD | TY(ORMC_T_BOOL),
    [ORMC_NE] = TY_ORD | TY(ORMC_T_BOOL),
    [ORMC_LT] = TY_ORD,
    [ORMC_LE] = TY_ORD,
    [ORMC_GT] = TY_ORD,
    [ORMC_GE] = TY_ORD,
    [ORMC_CONTAINS] = TY(ORMC_T_TEXT),
    [ORMC_STARTSWITH] = TY(ORMC_T_TEXT),
    [ORMC_ENDSWITH] = TY(ORMC_T_TEXT),
    [ORMC_IEXACT] = TY(ORMC_T_TEXT),
    [ORMC_ICONTAINS] = TY(ORMC_T_TEXT),
    [ORMC_ISTARTSWITH] = TY(ORMC_T_TEXT),
    [ORMC_IENDSWITH] = TY(ORMC_T_TEXT),
};

static void misuse(ormc_query *q, const char *what)
{
    if (!q->error)
        q->error = what;
}

/* ---- paths ---- */

/* The model a path step leads to from m, or NULL if m has no such step. */
const ormc_model *path_step_target(const ormc_model *m, unsigned step)
{
    if (step & ORMC_STEP_REVERSE) {
        unsigned r = step & ~ORMC_STEP_REVERSE;
        return r < m->nreverses ? m->reverses[r].child : NULL;
    }
    return step < m->nrelations ? m->relations[step].target : NULL;
}

ormc_path ormc_path_via(const ormc_model *m, unsigned step, ormc_path in)
{
    ormc_path out = in;
    if (!in.root || in.nsteps >= ORMC_PATH_MAX || step > UINT16_MAX ||
        path_step_target(m, step) != in.root) {
        out.root = NULL;
        return out;
    }
    memmove(out.step + 1, in.step, in.nsteps * sizeof *in.step);
    out.step[0] = (uint16_t)step;
    out.nsteps = (uint8_t)(in.nsteps + 1);
    out.root = m;
    return out;
}

const ormc_field *path_field(const ormc_path *p)
{
    const ormc_model *m = p->root;
    for (unsigned i = 0; i < p->nsteps; i++)
        m = path_step_target(m, p->step[i]);
    return &m->fields[p->field];
}

/* Checks that p is a well-formed path from q's model (every step exists,
 * the field exists and has p's type); records misuse and returns false
 * otherwise.  Cost: one look per step. */
static bool path_ok(ormc_query *q, const ormc_path *p)
{
    if (!p || !p->root) {
        misuse(q, "broken path (a step that does not lead on, or more than "
                  "8 steps)");
        return false;
    }
    if (p->root != q->model) {
        misuse(q, "a path of another model");
        return false;
    }
    const ormc_model *m = p->root;
    for (unsigned i = 0; i < p->nsteps && m; i++)
        m = path_step_target(m, p->step[i]);
    if (!m || p->nsteps > ORMC_PATH_MAX || p->field >= m->nfields ||
        m->fields[p->field].type != p->type) {
        misuse(q, "broken path (a step or field the model does not have)");
        return false;
    }
    return true;
}

/* ---- terms ---- */

void ormc_query_init(ormc_query *q, const ormc_model *model)
{
    memset(q, 0, offsetof(ormc_query, inl));
    q->model = model;
    q->limit = -1;
    q->cap = ORMC_QUERY_INLINE;
}

void ormc_query_free(ormc_query *q)
{
    if (!q)
        return;
    ormc_free(q->heap);
    ormc_query_init(q, q->model);
}

/* Doubles q's room for terms (moving them to the heap block the first
 * time): amortized O(1).  False (misuse recorded) when memory ran out. */
static ORMC_NOINLINE bool grow_terms(ormc_query *q)
{
    if (q->cap > UINT32_MAX / 2 ||
        (size_t)q->cap * 2 > SIZE_MAX / sizeof(ormc_term)) {
        misuse(q, "too many terms");
        return false;
    }
    uint32_t cap = q->cap * 2;
    ormc_term *t = ormc_realloc(q->heap, cap * sizeof *t);
    if (!t) {
        q->nomem = !q->error;
        misuse(q, "out of memory");
        return false;
    }
    if (!q->heap)
        memcpy(t, q->inl, q->nterms * sizeof *t);
    q->heap = t;
    q->cap = cap;
    return true;
}

/* Appends a zeroed term of `kind`; NULL (misuse recorded) when memory ran
 * out.  Inline: every builder call adds one. */
static inline ormc_term *add_term(ormc_query *q, int kind)
{
    if (q->nterms == q->cap && !grow_terms(q))
        return NULL;
    ormc_term *t = &query_terms(q)[q->nterms++];
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)kind;
    q->kinds |= (uint16_t)(1u << kind);
    return t;
}

/* A filter term on path p of one of `types` (ORMC_T_* bits). */
static ormc_term *add_filter(ormc_query *q, const ormc_path *p, int kind,
                             unsigned types, int op)
{
    if (!path_ok(q, p))
        return NULL;
    if (!(TY(p->type) & types)) {
        misuse(q, "a filter whose value type is not the field's");
        return NULL;
    }
    ormc_term *t = add_term(q, kind);
    if (t) {
        t->path = *p;
        t->op = (uint8_t)op;
    }
    return t;
}

/* A comparison term: checks op against the lookup table for p's type. */
static ormc_term *add_cmp(ormc_query *q, const ormc_path *p, ormc_op op,
                          unsigned types)
{
    if (op == ORMC_IN || op == ORMC_NOT_IN || op == ORMC_BETWEEN) {
        misuse(q, op == ORMC_BETWEEN ? "ORMC_BETWEEN goes to the _range filters"
                                     : "ORMC_IN and ORMC_NOT_IN go to the _in "
                                       "filters");
        return NULL;
    }
    if ((unsigned)op >= sizeof CMP_TYPES / sizeof *CMP_TYPES) {
        misuse(q, "unknown lookup");
        return NULL;
    }
    if (p && p->root && !(CMP_TYPES[op] & TY(p->type)) &&
        (TY(p->type) & types)) {
        misuse(q, "a lookup this field's type does not take");
        return NULL;
    }
    return add_filter(q, p, T_CMP, types, op);
}

void ormc_where_int(ormc_query *q, const ormc_path *p, ormc_op op, int64_t v)
{
    ormc_term *t = add_cmp(q, p, op, TY(ORMC_T_INT) | TY(ORMC_T_DATETIME));
    if (t)
        t->v.i[0] = v;
}

void ormc_where_real(ormc_query *q, const ormc_path *p, ormc_op op, double v)
{
    if (isnan(v)) { /* it would match nothing, silently */
        misuse(q, "NaN value in a filter");
        return;
    }
    ormc_term *t = add_cmp(q, p, op, TY(ORMC_T_REAL));
    if (t)
        t->v.r[0] = v;
}

void ormc_where_bool(ormc_query *q, const ormc_path *p, ormc_op op, bool v)
{
    ormc_term *t = add_cmp(q, p, op, TY(ORMC_T_BOOL));
    if (t)
        t->v.i[0] = v;
}

void ormc_where_text(ormc_query *q, const ormc_path *p, ormc_op op,
                     const char *v)
{
    if (!v) {
        misuse(q, "NULL text value in a filter (use the _null filter)");
        return;
    }
    if (utf8_chars((const unsigned char *)v, strlen(v)) < 0) {
        misuse(q, "text value in a filter is not valid UTF-8");
        return;
    }
    ormc_term *t = add_cmp(q, p, op, TY(ORMC_T_TEXT));
    if (t)
        t->v.s = v;
}

void ormc_where_null(ormc_query *q, const ormc_path *p, bool is_null)
{
    add_filter(q, p, T_NULL, ~0u, is_null);
}

/* An _in term: op must be ORMC_IN or ORMC_NOT_IN. */
static ormc_term *add_in(ormc_query *q, const ormc_path *p, ormc_op op,
                         const void *v, size_t n, unsigned types)
{
    if (op != ORMC_IN && op != ORMC_NOT_IN) {
        misuse(q, "an _in filter takes ORMC_IN or ORMC_NOT_IN");
        return NULL;
    }
    if (n && !v) {
        misuse(q, "NULL array with a non-zero count in an _in filter");
        return NULL;
    }
    ormc_term *t = add_filter(q, p, T_IN, types, op);
    if (t)
        t->n = n;
    return t;
}

void ormc_where_int_in(ormc_query *q, const ormc_path *p, ormc_op op,
                       const int64_t *v, size_t n)
{
    ormc_term *t = add_in(q, p, op, v, n,
                          TY(ORMC_T_INT) | TY(ORMC_T_DATETIME));
    if (t)
        t->v.iv = v;
}

void ormc_where_real_in(ormc_query *q, const ormc_path *p, ormc_op op,
                        const double *v, size_t n)
{
    for (size_t i = 0; i < n && v; i++)
        if (isnan(v[i])) {
            misuse(q, "NaN value in a filter");
            return;
        }
    ormc_term *t = add_in(q, p, op, v, n, TY(ORMC_T_REAL));
    if (t)
        t->v.rv = v;
}

void ormc_where_text_in(ormc_query *q, const ormc_path *p, ormc_op op,
                        const char *const *v, size_t n)
{
    for (size_t i = 0; i < n && v; i++) {
        if (!v[i]) {
            misuse(q, "NULL text value in an _in filter (use the _null "
                      "filter)");
            return;
        }
        if (utf8_chars((const unsigned char *)v[i], strlen(v[i])) < 0) {
            misuse(q, "text value in a filter is not valid UTF-8");
            return;
        }
    }
    ormc_term *t = add_in(q, p, op, v, n, TY(ORMC_T_TEXT));
    if (t)
        t->v.sv = v;
}

void ormc_where_int_range(ormc_query *q, const ormc_path *p, int64_t lo,
                          int64_t hi)
{
    ormc_term *t = add_filter(q, p, T_RANGE,
                              TY(ORMC_T_INT) | TY(ORMC_T_DATETIME),
                              ORMC_BETWEEN);
    if (t)
        t->v.i[0] = lo, t->v.i[1] = hi;
}

void ormc_where_real_range(ormc_query *q, const ormc_path *p, double lo,
                           double hi)
{
    if (isnan(lo) || isnan(hi)) {
        misuse(q, "NaN value in a filter");
        return;
    }
    ormc_term *t = add_filter(q, p, T_RANGE, TY(ORMC_T_REAL), ORMC_BETWEEN);
    if (t)
        t->v.r[0] = lo, t->v.r[1] = hi;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A datetime in [lo, hi) seconds: the calendar lookups. */
static void add_span(ormc_query *q, const ormc_path *p, int64_t lo_day,
                     int64_t hi_day)
{
    ormc_term *t = add_filter(q, p, T_SPAN, TY(ORMC_T_DATETIME), ORMC_GE);
    if (t)
        t->v.i[0] = lo_day * 86400, t->v.i[1] = hi_day * 86400;
}

/* Years far enough from the ends of int64 seconds. */
static bool year_ok(ormc_query *q, int year)
{
    if (year < -100000000 || year > 100000000) {
        misuse(q, "year out of range");
        return false;
    }
    return true;
}

void ormc_where_year(ormc_query *q, const ormc_path *p, int year)
{
    if (year_ok(q, year))
        add_span(q, p, days_from_civil(year, 1, 1),
                 days_from_civil((int64_t)year + 1, 1, 1));
}

void ormc_where_month(ormc_query *q, const ormc_path *p, int year, int month)
{
    if (!year_ok(q, year))
        return;
    if (month < 1 || month > 12) {
        misuse(q, "month out of range (1-12)");
        return;
    }
    int64_t lo = days_from_civil(year, month, 1);
    int64_t hi = month == 12 ? days_from_civil((int64_t)year + 1, 1, 1)
                             : days_from_civil(year, month + 1, 1);
    add_span(q, p, lo, hi);
}

void ormc_where_day(ormc_query *q, const ormc_path *p, int year, int month,
                    int day)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
    if (!year_ok(q, year))
        return;
    if (month < 1 || month > 12 || day < 1 ||
        day > mdays[month - 1] + (month == 2 && leap(year))) {
        misuse(q, "no such day");
        return;
    }
    int64_t d = days_from_civil(year, month, day);
    add_span(q, p, d, d + 1);
}

/* ---- groups ---- */

static void begin(ormc_query *q, int kind)
{
    if (add_term(q, kind))
        q->open++;
}

void ormc_and(ormc_query *q) { begin(q, T_AND); }
void ormc_or(ormc_query *q) { begin(q, T_OR); }
void ormc_not(ormc_query *q) { begin(q, T_NOT); }

void ormc_end(ormc_query *q)
{
    if (!q->open) {
        misuse(q, "ormc_end without an open group");
        return;
    }
    if (add_term(q, T_END))
        q->open--;
}

/* ---- order, window, related loads ---- */

void ormc_order_by(ormc_query *q, const ormc_path *p, ormc_dir dir)
{
    if ((unsigned)dir > ORMC_DESC) {
        misuse(q, "unknown sort direction");
        return;
    }
    if (!path_ok(q, p))
        return;
    for (unsigned i = 0; i < p->nsteps; i++)
        if (p->step[i] & ORMC_STEP_REVERSE) {
            misuse(q, "order_by through a reverse relation (many rows per "
                      "row)");
            return;
        }
    ormc_term *t = add_term(q, T_ORDER);
    if (t) {
        t->path = *p;
        t->op = (uint8_t)dir;
    }
}

void ormc_limit(ormc_query *q, int64_t n)
{
    if (n < 0)
        misuse(q, "negative limit");
    q->limit = n;
}

void ormc_offset(ormc_query *q, int64_t n)
{
    if (n < 0)
        misuse(q, "negative offset");
    q->offset = n;
}

/* The related load of `kind` for index rel (< max), added once; NULL
 * after recording misuse. */
static ormc_term *add_load(ormc_query *q, int kind, uint16_t rel,
                           uint16_t max)
{
    if (rel >= max) {
        misuse(q, "unknown relation");
        return NULL;
    }
    ormc_term *t = query_terms(q);
    for (uint32_t i = 0; i < q->nterms; i++)
        if (t[i].kind == kind && t[i].rel == rel)
            return &t[i];
    ormc_term *n = add_term(q, kind);
    if (n)
        n->rel = rel;
    return n;
}

void ormc_with(ormc_query *q, uint16_t rel)
{
    ormc_with_from(q, rel, NULL);
}

/* A related load of `kind` for index rel (< max) with the child query
 * sub, which must be a query of `target` (rel's model), else `misuse`. */
static void add_load_from(ormc_query *q, int kind, uint16_t rel, uint16_t max,
                          const ormc_model *target, const ormc_query *sub,
                          const char *misused)
{
    if (sub && rel < max && sub->model != target) {
        misuse(q, misused);
        return;
    }
    ormc_term *t = add_load(q, kind, rel, max);
    if (t)
        t->v.sub = sub;
}

void ormc_with_from(ormc_query *q, uint16_t rel, const ormc_query *sub)
{
    const ormc_model *m = q->model;
    add_load_from(q, T_WITH, rel, m->nrelations,
                  rel < m->nrelations ? m->relations[rel].target : NULL, sub,
                  "a with_ whose child query is of another model");
}

void ormc_prefetch(ormc_query *q, uint16_t rev)
{
    ormc_prefetch_from(q, rev, NULL);
}

void ormc_prefetch_from(ormc_query *q, uint16_t rev, const ormc_query *sub)
{
    const ormc_model *m = q->model;
    add_load_from(q, T_PREFETCH, rev, m->nreverses,
                  rev < m->nreverses ? m->reverses[rev].child : NULL, sub,
                  "a prefetch whose child query is of another model");
}

void ormc_count(ormc_query *q, uint16_t rev)
{
    ormc_count_from(q, rev, NULL);
}

void ormc_count_from(ormc_query *q, uint16_t rev, const ormc_query *sub)
{
    const ormc_model *m = q->model;
    add_load_from(q, T_COUNT, rev, m->nreverses,
                  rev < m->nreverses ? m->reverses[rev].child : NULL, sub,
                  "a count whose child query is of another model");
}

/* ---- annotations over relation paths ---- */

size_t ormc_annotate(ormc_query *q, ormc_agg agg, const ormc_path *p)
{
    if (!path_ok(q, p))
        return SIZE_MAX;
    if (!p->nsteps || !(p->step[0] & ORMC_STEP_REVERSE)) {
        misuse(q, "an annotation whose path does not start with a to-many "
                  "relation");
        return SIZE_MAX;
    }
    if ((unsigned)agg > ORMC_MAX) {
        misuse(q, "unknown aggregate");
        return SIZE_MAX;
    }
    if (agg != ORMC_COUNT && !(TY(p->type) & TY_NUM)) {
        misuse(q, "an annotation's sum, average, minimum or maximum of a "
                  "field that is not int, real or datetime");
        return SIZE_MAX;
    }
    const ormc_term *t = query_terms(q);
    size_t k = 0;
    for (uint32_t i = 0; i < q->nterms; i++)
        k += t[i].kind == T_ANNOT;
    ormc_term *n = add_term(q, T_ANNOT);
    if (!n)
        return SIZE_MAX;
    n->path = *p;
    n->op = (uint8_t)agg;
    return k;
}

/* ---- SET terms of an update over a query ---- */

/* A SET term on p (a field of q's model itself, not id) of one of
 * `types`; NULL after recording misuse. */
static ormc_term *add_set(ormc_query *q, const ormc_path *p, int op,
                          unsigned types)
{
    if (!path_ok(q, p))
        return NULL;
    if (p->nsteps || p->field == 0) {
        misuse(q, p->nsteps ? "a set through a relation (set the related "
                              "model's own query)"
                            : "a set of the id");
        return NULL;
    }
    if (!(TY(p->type) & types)) {
        misuse(q, "a set whose value type is not the field's");
        return NULL;
    }
    const ormc_field *f = &q->model->fields[p->field];
    if (op == SET_NULL && !(f->flags & ORMC_F_NULLABLE)) {
        misuse(q, "a set to NULL of a field that is not nullable");
        return NULL;
    }
    ormc_term *t = add_term(q, T_SET);
    if (t) {
        t->path = *p;
        t->op = (uint8_t)op;
    }
    return t;
}

void ormc_set_int(ormc_query *q, const ormc_path *p, int64_t v)
{
    ormc_term *t = add_set(q, p, SET_VALUE,
                           TY(ORMC_T_INT) | TY(ORMC_T_DATETIME));
    if (t)
        t->v.i[0] = v;
}

void ormc_set_real(ormc_query *q, const ormc_path *p, double v)
{
    if (isnan(v)) {
        misuse(q, "NaN cannot be stored");
        return;
    }
    ormc_term *t = add_set(q, p, SET_VALUE, TY(ORMC_T_REAL));
    if (t)
        t->v.r[0] = v;
}

void ormc_set_bool(ormc_query *q, const ormc_path *p, bool v)
{
    ormc_term *t = add_set(q, p, SET_VALUE, TY(ORMC_T_BOOL));
    if (t)
        t->v.i[0] = v;
}

void ormc_set_text(ormc_query *q, const ormc_path *p, const char *v)
{
    if (!v) {
        misuse(q, "NULL text in a set (use ormc_set_null)");
        return;
    }
    long chars = utf8_chars((const unsigned char *)v, strlen(v));
    if (chars < 0) {
        misuse(q, "text is not valid UTF-8");
        return;
    }
    if (p && p->root == q->model && p->field < q->model->nfields &&
        q->model->fields[p->field].max_chars &&
        (unsigned long)chars > q->model->fields[p->field].max_chars) {
        misuse(q, "text longer than the field's text(N)");
        return;
    }
    ormc_term *t = add_set(q, p, SET_VALUE, TY(ORMC_T_TEXT));
    if (t)
        t->v.s = v;
}

void ormc_set_blob(ormc_query *q, const ormc_path *p, ormc_blob v)
{
    if (!v.data && v.size) {
        misuse(q, "blob has a size but no data");
        return;
    }
    if (!v.data) {
        ormc_set_null(q, p);
        return;
    }
    ormc_term *t = add_set(q, p, SET_VALUE, TY(ORMC_T_BLOB));
    if (t)
        t->v.s = v.data, t->n = v.size;
}

void ormc_set_null(ormc_query *q, const ormc_path *p)
{
    add_set(q, p, SET_NULL, ~0u);
}

void ormc_set_add_int(ormc_query *q, const ormc_path *p, int64_t d)
{
    ormc_term *t = add_set(q, p, SET_ADD,
                           TY(ORMC_T_INT) | TY(ORMC_T_DATETIME));
    if (t)
        t->v.i[0] = d;
}

void ormc_set_add_real(ormc_query *q, const ormc_path *p, double d)
{
    if (isnan(d)) {
        misuse(q, "NaN cannot be stored");
        return;
    }
    ormc_term *t = add_set(q, p, SET_ADD, TY(ORMC_T_REAL));
    if (t)
        t->v.r[0] = d;
}

void ormc_set_mul_real(ormc_query *q, const ormc_path *p, double k)
{
    if (isnan(k)) {
        misuse(q, "NaN cannot be stored");
        return;
    }
    ormc_term *t = add_set(q, p, SET_MUL, TY(ORMC_T_REAL));
    if (t)
        t->v.r[0] = k;
}
