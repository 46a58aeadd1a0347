/*
 * db.c — connections: open/close, errors, the prepared-statement cache,
 * counters, trace hook, transactions and schema creation.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *ormc_status_name(int status)
{
    switch (status) {
    case ORMC_OK: return "ORMC_OK";
    case ORMC_NOT_FOUND: return "ORMC_NOT_FOUND";
    case ORMC_CONSTRAINT: return "ORMC_CONSTRAINT";
    case ORMC_INVALID: return "ORMC_INVALID";
    case ORMC_BUSY: return "ORMC_BUSY";
    case ORMC_NOMEM: return "ORMC_NOMEM";
    case ORMC_ERROR: return "ORMC_ERROR";
    default: return "ORMC_UNKNOWN";
    }
}

int db_fail(ormc_db *db, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
    va_end(ap);
    db->errcode = code;
    return code;
}

int db_restate(ormc_db *db, const char *who, const char *verb)
{
    char msg[sizeof db->errmsg];
    memcpy(msg, db->errmsg, sizeof msg);
    return db_fail(db, db->errcode, "%s%s%s: %s", who, verb ? "." : "",
                   verb ? verb : "", msg);
}

int db_fail_backend(ormc_db *db, int code, const char *ctx)
{
    if (code == ORMC_NOMEM)
        return db_fail(db, code, "%s: out of memory", ctx);
    return db_fail(db, code, "%s: %s", ctx, db->be->errmsg(db->conn));
}

int db_fail_op(ormc_db *db, int code, const char *who, const char *verb)
{
    char ctx[160];
    snprintf(ctx, sizeof ctx, "%s%s%s", who, verb ? "." : "",
             verb ? verb : "");
    return db_fail_backend(db, code, ctx);
}

void db_ok(ormc_db *db)
{
    db->errcode = ORMC_OK;
    db->errmsg[0] = '\0';
}

/* Whether slot i of db's labels holds the label of parts a, b, c. */
static inline bool label_is(const ormc_db *db, size_t i, const char *a,
                            const char *b, const char *c)
{
    const char *const *k = db->labels[i].part;
    return db->labels[i].text && k[0] == a && k[1] == b && k[2] == c;
}

/* db_label's search from slot i on, and its insert (the label spelled
 * into buf first, then copied into the table). */
static ORMC_NOINLINE const char *label_add(ormc_db *db, char buf[WHAT_SIZE],
                                           const char *a, const char *b,
                                           const char *c, size_t i)
{
    snprintf(buf, WHAT_SIZE, "%s%s%s", a, b, c ? c : "");
    for (size_t probes = 0; probes < ORMC_LABELS; probes++) {
        if (label_is(db, i, a, b, c))
            return db->labels[i].text;
        if (!db->labels[i].text) {
            size_t n = strlen(buf) + 1;
            char *t = ormc_malloc(n);
            if (!t)
                return buf;
            memcpy(t, buf, n);
            db->labels[i].part[0] = a;
            db->labels[i].part[1] = b;
            db->labels[i].part[2] = c;
            return db->labels[i].text = t;
        }
        i = (i + 1) & (ORMC_LABELS - 1);
    }
    return buf; /* the table is full */
}

const char *db_label(ormc_db *db, char buf[WHAT_SIZE], const char *a,
                     const char *b, const char *c)
{
    /* open addressing from a multiplicative hash of the three addresses;
     * a slot once filled keeps its label (callers may still hold it) */
    uint64_t h = ((uint64_t)(uintptr_t)a ^ (uint64_t)(uintptr_t)b << 1 ^
                  (uint64_t)(uintptr_t)c << 2) * 0x9E3779B97F4A7C15u;
    size_t i = (size_t)(h >> 58) & (ORMC_LABELS - 1);
    return label_is(db, i, a, b, c) ? db->labels[i].text
                                    : label_add(db, buf, a, b, c, i);
}

int ormc_open_backend(const char *path, const ormc_backend *be, ormc_db **out)
{
    *out = NULL;
    ormc_db *db = ormc_malloc(sizeof *db);
    if (!db)
        return ORMC_NOMEM;
    memset(db, 0, sizeof *db);
    db->be = be;
    db->dialect = be->dialect;
    *out = db;
    int rc = be->open(path, &db->conn);
    if (rc != ORMC_OK) {
        /* a connection string may hold a password: not repeated */
        if (be->dialect == &ormc_pg_dialect)
            return db_fail(db, rc, "open PostgreSQL connection: %s",
                           be->errmsg(db->conn));
        return db_fail(db, rc, "open %s: %s", path, be->errmsg(db->conn));
    }
    return ORMC_OK;
}

/* A backend that opens nothing, for ormc_open_replicas's refusal. */
static int refuse_open(const char *path, void **conn)
{
    (void)path;
    *conn = NULL;
    return ORMC_INVALID;
}

static const char *refuse_errmsg(void *conn)
{
    (void)conn;
    return "a connection string holds a line break";
}

static const ormc_backend refuse_line_break = {
    .name = "refused",
    .dialect = &ormc_pg_dialect,
    .open = refuse_open,
    .errmsg = refuse_errmsg,
};

int ormc_open_replicas(const char *primary, const char *const *replicas,
                       size_t n, ormc_db **out)
{
    *out = NULL;
    if (n > 15)
        n = 15; /* the router's limit: 1 primary + 15 replicas */
    size_t len = strlen(primary) + 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(replicas[i]) + 1;
    char *list = ormc_malloc(len);
    if (!list)
        return ORMC_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i <= n; i++) {
        const char *one = i ? replicas[i - 1] : primary;
        /* a newline separates them: one inside a string would split it */
        if (strchr(one, '\n')) {
            ormc_free(list);
            return ormc_open_backend("", &refuse_line_break, out);
        }
        size_t m = strlen(one);
        memcpy(list + k, one, m);
        k += m;
        list[k++] = i < n ? '\n' : '\0';
    }
    int rc = ormc_open_backend(list, &ormc_pg_router_backend, out);
    ormc_free(list);
    return rc;
}

/* Whether ormc_open's `path` is a PostgreSQL connection string. */
static bool is_conninfo(const char *s)
{
    if (strncmp(s, "postgresql://", 13) == 0 ||
        strncmp(s, "postgres://", 11) == 0)
        return true;
    /* keyword=value ...: a keyword of letters and _, then '=' */
    while (*s == ' ')
        s++;
    const char *k = s;
    while ((*s >= 'a' && *s <= 'z') || *s == '_')
        s++;
    while (*s == ' ')
        s++;
    return s > k && *s == '=';
}

int ormc_open(const char *path, ormc_db **out)
{
    return ormc_open_backend(path,
                             is_conninfo(path) ? &ormc_pg_backend
                                                       : &ormc_sqlite_backend,
                             out);
}

void ormc_close(ormc_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < ORMC_STMT_CACHE; i++) {
        if (db->cache[i].stmt)
            db->be->finalize(db->cache[i].stmt);
        ormc_free(db->cache[i].sql);
        ormc_free(db->cache[i].shape);
    }
    if (db->conn)
        db->be->close(db->conn);
    obj_pages_release(&db->pages);
    for (size_t i = 0; i < ORMC_LABELS; i++)
        ormc_free(db->labels[i].text);
    ormc_free(db);
}

int ormc_reconnect(ormc_db *db)
{
    if (!db->be->reconnect) {
        db_ok(db);
        return ORMC_OK;
    }
    /* the statements' server-side names died with the session */
    for (size_t i = 0; i < ORMC_STMT_CACHE; i++) {
        if (db->cache[i].stmt)
            db->be->finalize(db->cache[i].stmt);
        ormc_free(db->cache[i].sql);
        ormc_free(db->cache[i].shape);
    }
    memset(db->cache, 0, sizeof db->cache);
    memset(db->by_addr, 0, sizeof db->by_addr);
    memset(db->by_shape, 0, sizeof db->by_shape);
    memset(db->by_fixed, 0, sizeof db->by_fixed);
    db->sp_depth = db->sp_tx_depth = 0;
    int rc = db->be->reconnect(db->conn);
    if (rc != ORMC_OK)
        return db_fail_backend(db, rc, "reconnect");
    db_ok(db);
    return ORMC_OK;
}

const char *ormc_errmsg(const ormc_db *db)
{
    return db ? db->errmsg : "out of memory";
}

int ormc_errcode(const ormc_db *db) { return db ? db->errcode : ORMC_NOMEM; }

uint64_t ormc_query_count(const ormc_db *db) { return db->nqueries; }
uint64_t ormc_prepare_count(const ormc_db *db) { return db->nprepares; }

void ormc_reset_counts(ormc_db *db)
{
    db->nqueries = 0;
    db->nprepares = 0;
}

void ormc_set_trace(ormc_db *db, ormc_trace_fn fn, void *ctx)
{
    db->trace = fn;
    db->trace_ctx = ctx;
}

int64_t ormc_now(void) { return (int64_t)time(NULL); }

/* A hash of the bytes s[0..n) of SQL text, eight at a time, the tail of
 * text of eight bytes or more as one load of its last eight (FNV-1a's
 * byte loop cost ~4 instructions a byte); the last multiply and shift mix
 * every byte into the high bits. */
static uint64_t hash_sql(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t t = 0;
    if (i < n && n >= 8) /* the last eight bytes, some hashed already */
        memcpy(&t, s + n - 8, sizeof t);
    else
        for (; i < n; i++)
            t = t << 8 | (unsigned char)s[i];
    h = (h ^ t) * 0xc4ceb9fe1a85ec53ull;
    return h ^ h >> 29;
}

/* The least recently used (or an empty) entry of the cache. */
static stmt_entry *cache_victim(ormc_db *db)
{
    stmt_entry *victim = &db->cache[0];
    for (size_t i = 0; i < ORMC_STMT_CACHE; i++) {
        stmt_entry *e = &db->cache[i];
        if (!e->stmt)
            return e;
        if (e->last_used < victim->last_used)
            victim = e;
    }
    return victim;
}

/* Prepares sql[0..len) (taking ownership of the heap copy `sql`) into
 * entry e, evicting what e held; false after recording the error (the
 * copy is freed then).  Text holding no statement is ORMC_INVALID. */
static bool cache_fill(ormc_db *db, stmt_entry *e, char *sql, size_t len,
                       const char *who, const char *verb)
{
    void *stmt = NULL;
    int rc = db->be->prepare(db->conn, sql, len, &stmt);
    if (rc != ORMC_OK || !stmt) {
        if (stmt)
            db->be->finalize(stmt);
        ormc_free(sql);
        if (rc == ORMC_OK) /* only blanks and comments: no statement */
            db_fail(db, ORMC_INVALID, "%s%s%s: no SQL statement", who,
                    verb ? "." : "", verb ? verb : "");
        else
            db_fail_op(db, rc, who, verb);
        return false;
    }
    db->nprepares++;
    if (e->stmt)
        db->be->finalize(e->stmt);
    ormc_free(e->sql);
    ormc_free(e->shape);
    for (size_t i = 0; i < ORMC_STMT_CACHE; i++) {
        if (db->by_addr[i] == e - db->cache + 1)
            db->by_addr[i] = 0;
        if (db->by_shape[i] == e - db->cache + 1)
            db->by_shape[i] = 0;
        if (db->by_fixed[i].entry == e - db->cache + 1)
            db->by_fixed[i].entry = 0;
    }
    memset(e, 0, sizeof *e);
    e->sql = sql;
    e->len = len;
    e->stmt = stmt;
    return true;
}

/* Marks e used and counts and traces one execution; returns its stmt. */
static void *cache_use(ormc_db *db, stmt_entry *e)
{
    e->last_used = ++db->tick;
    db_stmt_again(db, e->sql);
    return e->stmt;
}

void *db_stmt_lookup(ormc_db *db, const char *sql, size_t len,
                     const char *who, const char *verb)
{
    /* fast path: same address as last time, same text (always verified) */
    size_t slot = ((uintptr_t)sql >> 4) % ORMC_STMT_CACHE;
    stmt_entry *hit = NULL;
    if (db->by_addr[slot]) {
        stmt_entry *e = &db->cache[db->by_addr[slot] - 1];
        if (e->stmt && !e->shape && e->key == sql && e->len == len &&
            memcmp(e->sql, sql, len) == 0)
            hit = e;
    }
    uint64_t h = hit ? hit->hash : hash_sql(sql, len);
    for (size_t i = 0; i < ORMC_STMT_CACHE && !hit; i++) {
        stmt_entry *e = &db->cache[i];
        if (e->stmt && !e->shape && e->hash == h && e->len == len &&
            memcmp(e->sql, sql, len) == 0)
            hit = e;
    }
    if (!hit) {
        char *copy = ormc_malloc(len + 1);
        if (!copy) {
            db_fail_op(db, ORMC_NOMEM, who, verb);
            return NULL;
        }
        memcpy(copy, sql, len);
        copy[len] = '\0';
        hit = cache_victim(db);
        if (!cache_fill(db, hit, copy, len, who, verb))
            return NULL;
        hit->hash = h;
    }
    hit->key = sql;
    db->by_addr[slot] = (uint8_t)(hit - db->cache + 1);
    hit->last_used = ++db->tick;
    return hit->stmt;
}

/* Whether entry e holds the shape `key`. */
static inline bool shape_is(const stmt_entry *e, const shape_key *key)
{
    if (!e->stmt || !e->shape || e->hash != key->h || e->shape_len != key->n)
        return false;
    for (size_t i = 0; i < key->n; i++)
        if (e->shape[i] != key->w[i])
            return false;
    return true;
}

/* The by_shape slot of a shape's hash. */
static size_t shape_slot(uint64_t h)
{
    return (size_t)(h >> 32) % ORMC_STMT_CACHE;
}

/* The entry of `key` in the cache (first its hash's slot, then every
 * entry), or NULL. */
static stmt_entry *shape_find(ormc_db *db, const shape_key *key)
{
    size_t slot = shape_slot(key->h);
    if (db->by_shape[slot] &&
        shape_is(&db->cache[db->by_shape[slot] - 1], key))
        return &db->cache[db->by_shape[slot] - 1];
    for (size_t i = 0; i < ORMC_STMT_CACHE; i++)
        if (shape_is(&db->cache[i], key)) {
            db->by_shape[slot] = (uint8_t)(i + 1);
            return &db->cache[i];
        }
    return NULL;
}

/* db_stmt_shape's entry for a shape not in the cache (rendered, prepared,
 * used, counted and traced), or NULL after recording the error. */
static ORMC_NOINLINE stmt_entry *shape_new(ormc_db *db, const shape_key *key,
                                           shape_render_fn render,
                                           const void *ctx, const char *what)
{
    sbuf b = {0};
    int rc = render(db, ctx, &b);
    uint64_t *copy = rc == ORMC_OK ? ormc_malloc(key->n * sizeof *copy) : NULL;
    if (rc == ORMC_OK && !copy)
        db_fail(db, ORMC_NOMEM, "%s: out of memory", what);
    if (!copy) {
        sb_free(&b);
        return NULL;
    }
    memcpy(copy, key->w, key->n * sizeof *copy);
    stmt_entry *e = cache_victim(db);
    if (!cache_fill(db, e, b.s, b.len, what, NULL)) {
        ormc_free(copy);
        return NULL;
    }
    e->shape = copy;
    e->shape_len = key->n;
    e->hash = key->h;
    db->by_shape[shape_slot(key->h)] = (uint8_t)(e - db->cache + 1);
    cache_use(db, e);
    return e;
}

/* db_stmt_shape's entry (used, counted and traced), or NULL after
 * recording the error. */
static stmt_entry *shape_entry(ormc_db *db, const shape_key *key,
                               shape_render_fn render, const void *ctx,
                               const char *what)
{
    stmt_entry *e = shape_find(db, key);
    if (e) {
        cache_use(db, e);
        return e;
    }
    return shape_new(db, key, render, ctx, what);
}

void *db_stmt_shape(ormc_db *db, const shape_key *key, shape_render_fn render,
                    const void *ctx, const char *what)
{
    stmt_entry *e = shape_entry(db, key, render, ctx, what);
    return e ? e->stmt : NULL;
}

void *db_stmt_fixed(ormc_db *db, const void *owner, uint32_t tag,
                    const shape_key *key, shape_render_fn render,
                    const void *ctx, const char *what)
{
    void *stmt = db_stmt_fixed_find(db, owner, tag);
    if (stmt)
        return stmt;
    stmt_entry *e = shape_entry(db, key, render, ctx, what);
    if (!e)
        return NULL;
    size_t slot = db_fixed_slot(owner, tag);
    db->by_fixed[slot].owner = owner;
    db->by_fixed[slot].tag = tag;
    db->by_fixed[slot].entry = (uint8_t)(e - db->cache + 1);
    return e->stmt;
}

void *db_stmt(ormc_db *db, const char *sql, size_t len, const char *who,
              const char *verb)
{
    void *stmt = db_stmt_lookup(db, sql, len, who, verb);
    if (stmt)
        db_stmt_again(db, sql);
    return stmt;
}

void db_stmt_done(ormc_db *db, void *stmt)
{
    if (stmt)
        db->be->reset(stmt);
}

void db_stmt_done_values(ormc_db *db, void *stmt)
{
    if (stmt)
        (db->be->reset_values ? db->be->reset_values : db->be->reset)(stmt);
}

int tx_exec(ormc_db *db, const char *sql, const char *what)
{
    int rc = db->be->exec(db->conn, sql);
    if (rc != ORMC_OK)
        return db_fail_backend(db, rc, what);
    db_ok(db);
    return ORMC_OK;
}

int db_savepoint(ormc_db *db, const char *name, int op, const char *what)
{
    const ormc_dialect *d = db->dialect;
    char sql[96];
    int rc;
    if (op == SP_BEGIN) {
        bool began = false;
        if (d->savepoint_needs_tx && !db->be->in_transaction(db->conn)) {
            if ((rc = tx_exec(db, d->begin, what)) != ORMC_OK)
                return rc;
            began = true;
        }
        snprintf(sql, sizeof sql, d->savepoint, name);
        if ((rc = tx_exec(db, sql, what)) != ORMC_OK) {
            if (began)
                db->be->exec(db->conn, d->rollback);
            return rc;
        }
        db->sp_depth++;
        if (began)
            db->sp_tx_depth = db->sp_depth;
        return ORMC_OK;
    }
    /* the savepoint that began the transaction ends it */
    bool ends_tx = db->sp_depth > 0 && db->sp_tx_depth == db->sp_depth;
    if (db->sp_depth > 0)
        db->sp_depth--;
    if (ends_tx)
        db->sp_tx_depth = 0;
    if (op == SP_RELEASE) {
        snprintf(sql, sizeof sql, d->release, name);
        rc = tx_exec(db, sql, what);
        if (rc == ORMC_OK && ends_tx)
            rc = tx_exec(db, d->commit, what);
        if (rc != ORMC_OK && ends_tx && db->be->in_transaction(db->conn))
            db->be->exec(db->conn, d->rollback);
        return rc;
    }
    /* back to the savepoint and out of it, keeping the error on db */
    if (ends_tx)
        return db->be->exec(db->conn, d->rollback);
    snprintf(sql, sizeof sql, d->rollback_to, name);
    rc = db->be->exec(db->conn, sql);
    snprintf(sql, sizeof sql, d->release, name);
    if (rc == ORMC_OK)
        rc = db->be->exec(db->conn, sql);
    return rc;
}

int ormc_begin(ormc_db *db)
{
    if (db->be->in_transaction(db->conn))
        return db_fail(db, ORMC_ERROR,
                       "begin: a transaction is already open on this "
                       "connection (nesting is not supported)");
    return tx_exec(db, db->dialect->begin, "begin");
}

int ormc_commit(ormc_db *db)
{
    if (!db->be->in_transaction(db->conn))
        return db_fail(db, ORMC_ERROR, "commit: no transaction is open");
    return tx_exec(db, db->dialect->commit, "commit");
}

int ormc_rollback(ormc_db *db)
{
    if (!db->be->in_transaction(db->conn))
        return db_fail(db, ORMC_ERROR, "rollback: no transaction is open");
    return tx_exec(db, db->dialect->rollback, "rollback");
}

bool ormc_in_transaction(const ormc_db *db)
{
    return db->be->in_transaction(db->conn);
}

/* Undoes a failed schema create: back to its savepoint and out of it.  If
 * that fails too and the savepoint began the transaction (`outer` false),
 * rolls the transaction back, so nothing stays open. */
static void schema_undo(ormc_db *db, bool outer)
{
    if (db_savepoint(db, "ormc_schema", SP_UNDO, NULL) != ORMC_OK) {
        if (!outer && db->be->in_transaction(db->conn))
            db->be->exec(db->conn, db->dialect->rollback);
    }
}

int ormc_schema_create(ormc_db *db, const ormc_schema *s)
{
    char ctx[160];
    snprintf(ctx, sizeof ctx, "schema %s create", s->name);
    bool outer = db->be->in_transaction(db->conn);
    int rc = db_savepoint(db, "ormc_schema", SP_BEGIN, ctx);
    if (rc != ORMC_OK)
        return rc;
    const char *const *ddl = s->ddl;
    size_t nddl = s->nddl;
    if (db->dialect == &ormc_pg_dialect) {
        ddl = s->pg_ddl;
        nddl = s->npg_ddl;
    }
    for (size_t i = 0; i < nddl && rc == ORMC_OK; i++) {
        db_stmt_again(db, ddl[i]);
        rc = db->be->exec(db->conn, ddl[i]);
    }
    if (rc == ORMC_OK)
        rc = schema_write_meta(db, s);
    if (rc != ORMC_OK) {
        db_fail_backend(db, rc, ctx);
        schema_undo(db, outer);
        return rc;
    }
    /* RELEASE commits when the savepoint began the transaction; if that
     * fails, the tables are undone like a failed DDL statement's */
    rc = db_savepoint(db, "ormc_schema", SP_RELEASE, ctx);
    if (rc != ORMC_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, db->dialect->rollback_to, "ormc_schema");
        if (outer && db->be->exec(db->conn, sql) == ORMC_OK) {
            snprintf(sql, sizeof sql, db->dialect->release, "ormc_schema");
            db->be->exec(db->conn, sql);
        } else if (!outer && db->be->in_transaction(db->conn)) {
            db->be->exec(db->conn, db->dialect->rollback);
        }
        return rc;
    }
    db_ok(db);
    return ORMC_OK;
}
