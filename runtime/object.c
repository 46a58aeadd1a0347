/*
 * object.c — one object at a time: defaults, validation, binding, reading a
 * row, and insert/update/delete/get.
 */
#include "row_read.h"
#include "sql.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Members are reached through memcpy at descriptor offsets, so the runtime
 * never aliases a generated struct through another type. */
#define AT(obj, off) ((char *)(obj) + (off))
#define CAT(obj, off) ((const char *)(obj) + (off))

void ormc_object_init(const ormc_model *m, void *obj)
{
    memset(obj, 0, m->size);
    for (uint16_t i = 0; i < m->nfields; i++) {
        const ormc_field *f = &m->fields[i];
        void *p = AT(obj, f->offset);
        if (f->flags & ORMC_F_NOW) {
            int64_t now = ormc_now();
            memcpy(p, &now, sizeof now);
        } else if (!(f->flags & ORMC_F_DEFAULT)) {
            /* a nullable field without a value default (none, or `default
             * null`) starts NULL, as its column does; text and blob are
             * already NULL pointers */
            if ((f->flags & ORMC_F_NULLABLE) && f->null_offset) {
                bool t = true;
                memcpy(AT(obj, f->null_offset), &t, sizeof t);
            }
            continue;
        } else if (f->type == ORMC_T_REAL) {
            memcpy(p, &f->def_real, sizeof f->def_real);
        } else if (f->type == ORMC_T_TEXT) {
            memcpy(p, &f->def_text, sizeof f->def_text);
        } else if (f->type == ORMC_T_BOOL) {
            bool b = f->def_int != 0;
            memcpy(p, &b, sizeof b);
        } else {
            memcpy(p, &f->def_int, sizeof f->def_int);
        }
    }
}

long utf8_chars(const unsigned char *s, size_t n)
{
    if (n >= 8 && n < 128) { /* most text: its 8-byte words, the last one
                                overlapping, with no high bit set */
        uint64_t w, any;
        memcpy(&any, s + n - 8, sizeof any);
        for (size_t k = 0; k + 8 < n; k += 8) {
            memcpy(&w, s + k, sizeof w);
            any |= w;
        }
        if (!(any & 0x8080808080808080ull))
            return (long)n;
    }
    long chars = 0;
    size_t i = 0;
    bool tail_tried = false;
    while (i < n) {
        /* ASCII 32, then 8 bytes at a time: no byte with its high bit set */
        uint64_t w, x[4];
        if (n - i >= sizeof x &&
            (memcpy(x, s + i, sizeof x),
             !((x[0] | x[1] | x[2] | x[3]) & 0x8080808080808080ull))) {
            i += sizeof x;
            chars += sizeof x;
            continue;
        }
        /* fewer than 32 bytes left: the string's last 32 (overlapping
         * bytes counted already), once, so that an ASCII tail is not
         * walked 8 bytes or 1 byte at a time */
        if (n - i < sizeof x && n >= sizeof x && !tail_tried) {
            tail_tried = true;
            memcpy(x, s + n - sizeof x, sizeof x);
            if (!((x[0] | x[1] | x[2] | x[3]) & 0x8080808080808080ull))
                return chars + (long)(n - i);
        }
        if (n - i >= sizeof w &&
            (memcpy(&w, s + i, sizeof w), !(w & 0x8080808080808080ull))) {
            i += sizeof w;
            chars += sizeof w;
            continue;
        }
        unsigned c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            chars++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07;
        } else {
            return -1;
        }
        if (i + len > n)
            return -1;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* overlong forms, surrogates, out of range */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        i += len;
        chars++;
    }
    return chars;
}

/* The stem of the bool flag that marks f NULL: the relation's name for a
 * relation's <name>_id field (editor_id -> editor_null), else the field's
 * own name (rating -> rating_null).  Cost: a scan of m's relations, on the
 * error path only. */
static const char *null_flag_stem(const ormc_model *m, const ormc_field *f)
{
    if (f->flags & ORMC_F_FK) {
        size_t idx = (size_t)(f - m->fields);
        for (uint16_t r = 0; r < m->nrelations; r++)
            if (!m->relations[r].reverse && m->relations[r].field == idx)
                return m->relations[r].name;
    }
    return f->name;
}

/* f is a nullable int/real/bool/datetime whose <stem>_null flag is true:
 * its value member must be all zero (0, +0.0 bit for bit, false), or the
 * caller set a value and forgot to clear the flag, and storing NULL would
 * lose it silently.  Returns ORMC_OK, or ORMC_INVALID recorded as
 * "Model.field: <stem>_null is true but the value is V (set <stem>_null =
 * false to store V, or field = 0 to store NULL)"; reals print with %.17g,
 * and a NaN, which nothing stores, gets its own message. */
static int check_null_flag(ormc_db *db, const ormc_model *m,
                           const ormc_field *f, const void *p)
{
    char value[40];
    const char *zero = "0";
    switch ((ormc_type)f->type) {
    case ORMC_T_INT:
    case ORMC_T_DATETIME: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        if (v == 0)
            return ORMC_OK;
        snprintf(value, sizeof value, "%lld", (long long)v);
        break;
    }
    case ORMC_T_REAL: {
        double v;
        uint64_t bits;
        memcpy(&v, p, sizeof v);
        memcpy(&bits, p, sizeof bits);
        if (bits == 0) /* +0.0; -0.0 is a value */
            return ORMC_OK;
        if (isnan(v)) /* no flag setting stores it: say so */
            return db_fail(db, ORMC_INVALID,
                           "%s.%s: %s_null is true but the value is NaN, "
                           "which cannot be stored (set %s = 0 to store "
                           "NULL)",
                           m->name, f->name, null_flag_stem(m, f), f->name);
        snprintf(value, sizeof value, "%.17g", v);
        break;
    }
    case ORMC_T_BOOL: {
        unsigned char v; /* any nonzero byte is a value */
        memcpy(&v, p, sizeof v);
        if (v == 0)
            return ORMC_OK;
        snprintf(value, sizeof value, "true");
        zero = "false";
        break;
    }
    default:
        return ORMC_OK; /* text and blob have no flag */
    }
    const char *stem = null_flag_stem(m, f);
    return db_fail(db, ORMC_INVALID,
                   "%s.%s: %s_null is true but the value is %s (set "
                   "%s_null = false to store %s, or %s = %s to store NULL)",
                   m->name, f->name, stem, value, stem, value, f->name, zero);
}

int check_field(ormc_db *db, const ormc_model *m, const ormc_field *f,
                const void *obj)
{
    const void *p = CAT(obj, f->offset);
    if (field_is_null(obj, f))
        return f->null_offset ? check_null_flag(db, m, f, p) : ORMC_OK;
    switch ((ormc_type)f->type) {
    case ORMC_T_REAL: {
        double v;
        memcpy(&v, p, sizeof v);
        if (isnan(v))
            return db_fail(db, ORMC_INVALID, "%s.%s: NaN cannot be stored",
                           m->name, f->name);
        return ORMC_OK;
    }
    case ORMC_T_TEXT: {
        const char *s;
        memcpy(&s, p, sizeof s);
        if (!s)
            return db_fail(db, ORMC_INVALID,
                           "%s.%s: NULL given for a field that is not "
                           "nullable",
                           m->name, f->name);
        long chars = utf8_chars((const unsigned char *)s, strlen(s));
        if (chars < 0)
            return db_fail(db, ORMC_INVALID, "%s.%s: text is not valid UTF-8",
                           m->name, f->name);
        if (f->max_chars && (unsigned long)chars > f->max_chars)
            return db_fail(db, ORMC_INVALID,
                           "%s.%s: text has %ld characters, at most %u "
                           "allowed",
                           m->name, f->name, chars, (unsigned)f->max_chars);
        return ORMC_OK;
    }
    case ORMC_T_BLOB: {
        ormc_blob b;
        memcpy(&b, p, sizeof b);
        if (!b.data && b.size)
            return db_fail(db, ORMC_INVALID,
                           "%s.%s: blob has size %zu but no data", m->name,
                           f->name, b.size);
        return ORMC_OK;
    }
    case ORMC_T_INT:
    case ORMC_T_BOOL:
    case ORMC_T_DATETIME:
        return ORMC_OK;
    }
    return db_fail(db, ORMC_ERROR, "%s.%s: unknown field type", m->name,
                   f->name);
}

/* The backend's bind functions as a table, for row_bind. */
static ormc_binds backend_binds(const ormc_backend *be)
{
    ormc_binds k = {be->bind_null, be->bind_int, be->bind_real, be->bind_text,
                    be->bind_blob};
    return k;
}

int bind_field(ormc_db *db, void *stmt, int idx, const ormc_model *m,
               const ormc_field *f, const void *obj, const char *verb)
{
    ormc_binds k = backend_binds(db->be);
    int rc = row_bind(&k, stmt, idx, f, obj);
    return rc == ORMC_OK ? ORMC_OK : db_fail_op(db, rc, m->name, verb);
}

/* Records that NOT NULL field f of the row being read into obj holds NULL
 * in the database (a damaged file, or a table not created by this schema)
 * and returns ORMC_ERROR.  The message, without an operation prefix (the
 * callers of read_row add theirs), reads "Blog.title is NULL in the row with
 * id 7, but the schema says NOT NULL (a damaged or foreign database?)";
 * obj's id was read first (fields[0]), so it names the row. */
static int null_in_not_null(ormc_db *db, const ormc_model *m,
                            const ormc_field *f, const void *obj)
{
    int64_t id;
    memcpy(&id, CAT(obj, m->fields[0].offset), sizeof id);
    return db_fail(db, ORMC_ERROR,
                   "%s.%s is NULL in the row with id %lld, but the schema "
                   "says NOT NULL (a damaged or foreign database?)",
                   m->name, f->name, (long long)id);
}

/* Contract in internal.h (read_row's out-of-line parts). */
int read_fields_via(const ormc_backend *be, void *stmt, int col,
                    const ormc_field *f, int n, void *obj, ormc_result *res,
                    int *bad)
{
    const row_cols k = {be->column_is_null, be->column_int, be->column_real,
                        be->column_text, be->column_blob};
    return row_read(&k, stmt, col, f, n, obj, res, bad);
}

int read_row_failed(ormc_db *db, const ormc_model *m, const void *obj, int rc,
                    int bad)
{
    if (rc == ORMC_ERROR)
        return null_in_not_null(db, m, &m->fields[bad], obj);
    return db_fail(db, ORMC_NOMEM, "%s: out of memory", m->name);
}

/* Whether f's value in obj needs no check beyond what is seen here
 * without a call: a NOT NULL int, bool or datetime (any value), a NULL
 * whose value is zero (what the flag promises; text and blob have no
 * flag), a real that is not NaN.  Text (UTF-8, length) and the rest go to
 * check_field. */
static inline bool field_plainly_ok(const ormc_field *f, const void *obj)
{
    const void *p = CAT(obj, f->offset);
    bool null = false;
    if (f->flags & ORMC_F_NULLABLE) {
        if (f->type == ORMC_T_TEXT || f->type == ORMC_T_BLOB)
            return false;
        memcpy(&null, CAT(obj, f->null_offset), sizeof null);
    }
    uint64_t bits;
    switch ((ormc_type)f->type) {
    case ORMC_T_INT:
    case ORMC_T_DATETIME:
    case ORMC_T_REAL:
        memcpy(&bits, p, sizeof bits);
        if (null) /* a real's +0.0 (bits 0) is the only zero allowed */
            return bits == 0;
        /* NaN: exponent all ones, mantissa not zero */
        return f->type != ORMC_T_REAL ||
               (bits & 0x7fffffffffffffffull) <= 0x7ff0000000000000ull;
    case ORMC_T_BOOL: {
        unsigned char v;
        memcpy(&v, p, sizeof v);
        return !null || v == 0;
    }
    default:
        return false;
    }
}

bool ormc_text_ok(const char *s, uint32_t max)
{
    if (!s)
        return false;
    long chars = utf8_chars((const unsigned char *)s, strlen(s));
    return chars >= 0 && (!max || (unsigned long)chars <= max);
}

/* Contract in internal.h.  A model's checker passes most objects; what
 * it does not, or field_plainly_ok, is checked field by field. */
int check_fields(ormc_db *db, const ormc_model *m, const void *obj)
{
    if (m->check && m->check(obj))
        return ORMC_OK;
    const ormc_field *end = m->fields + m->nfields;
    for (const ormc_field *f = m->fields + 1; f < end; f++) {
        if (field_plainly_ok(f, obj))
            continue;
        int rc = check_field(db, m, f, obj);
        if (rc != ORMC_OK)
            return rc;
    }
    return ORMC_OK;
}

/* Contract in internal.h. */
int bind_fields(ormc_db *db, void *stmt, const ormc_model *m,
                const void *obj, bool with_id, const char *verb)
{
    const ormc_backend *be = db->be;
    int rc = ORMC_OK;
    if (be->bind_fields) { /* the backend's own loop */
        rc = be->bind_fields(stmt, 1, m->fields + 1, m->nfields - 1, obj);
    } else if (m->bind && be->binds) { /* the model's generated binder */
        rc = m->bind(be->binds, stmt, obj);
    } else {
        ormc_binds k = backend_binds(be);
        for (uint16_t i = 1; i < m->nfields && rc == ORMC_OK; i++)
            rc = row_bind(&k, stmt, i, &m->fields[i], obj);
    }
    if (rc == ORMC_OK && with_id) { /* the id: an int, never NULL */
        int64_t id;
        memcpy(&id, CAT(obj, m->fields[0].offset), sizeof id);
        rc = be->bind_int(stmt, m->nfields, id);
    }
    return rc == ORMC_OK ? ORMC_OK : db_fail_op(db, rc, m->name, verb);
}

/* Steps a write statement to completion; records errors with `what`. */
static int step_write(ormc_db *db, void *stmt, const ormc_model *m,
                      const char *what)
{
    int rc = db->be->step(stmt);
    if (rc == ORMC_DONE || rc == ORMC_ROW)
        return ORMC_OK;
    return db_fail_op(db, rc, m->name, what);
}

/* Binds and runs the prepared insert `stmt` for obj (already validated),
 * sets obj's id, and resets the statement.  Errors read "Model.verb: ...". */
static int insert_row(ormc_db *db, void *stmt, const ormc_model *m,
                      void *obj, const char *verb)
{
    int rc = bind_fields(db, stmt, m, obj, false, verb);
    if (rc == ORMC_OK)
        rc = step_write(db, stmt, m, verb);
    if (rc == ORMC_OK) {
        /* INSERT ... RETURNING "id" stepped to its one row */
        int64_t id = db->dialect->insert_returning
                         ? db->be->column_int(stmt, 0)
                         : db->be->last_insert_id(db->conn);
        memcpy(AT(obj, m->fields[0].offset), &id, sizeof id);
    }
    db_stmt_done(db, stmt);
    return rc;
}

int ormc_insert(ormc_db *db, const ormc_model *m, void *obj)
{
    int rc = check_fields(db, m, obj);
    if (rc != ORMC_OK)
        return rc;
    void *stmt = sql_model_stmt(db, m, SQL_INSERT, "insert");
    if (!stmt)
        return db->errcode;
    rc = insert_row(db, stmt, m, obj, "insert");
    if (rc == ORMC_OK)
        db_ok(db);
    return rc;
}

/* The body of ormc_insert_many: validates every object, then inserts them
 * in one transaction or savepoint, setting ids as it goes.  On failure the
 * database is as it was and the error is recorded, but ids already set are
 * left for the caller (ormc_insert_many) to clear. */
static int insert_many_run(ormc_db *db, const ormc_model *m, char *base,
                           size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = check_fields(db, m, base + i * m->size);
        if (rc != ORMC_OK) {
            size_t len = strlen(db->errmsg);
            snprintf(db->errmsg + len, sizeof db->errmsg - len,
                     " (item %zu of %zu; nothing written)", i, n);
            return rc;
        }
    }
    /* all or nothing: its own transaction, or a savepoint inside the
     * caller's (so a failure leaves the caller's earlier work alone) */
    bool outer = db->be->in_transaction(db->conn);
    char buf[WHAT_SIZE];
    const char *what = db_label(db, buf, m->name, ".insert_many", NULL);
    int rc = outer ? db_savepoint(db, "ormc_insert_many", SP_BEGIN, what)
                   : tx_exec(db, db->dialect->begin, what);
    if (rc != ORMC_OK)
        return rc;
    void *stmt = NULL;
    const char *sql = NULL;
    for (size_t i = 0; i < n && rc == ORMC_OK; i++) {
        if (!stmt) {
            stmt = sql_model_stmt(db, m, SQL_INSERT, "insert_many");
            sql = db->last_sql;
        } else {
            db_stmt_again(db, sql);
        }
        if (!stmt) {
            rc = db->errcode;
            break;
        }
        rc = insert_row(db, stmt, m, base + i * m->size, "insert_many");
    }
    if (rc == ORMC_OK) {
        /* a failed COMMIT may leave the transaction open: undone below */
        rc = outer ? db_savepoint(db, "ormc_insert_many", SP_RELEASE, what)
                   : tx_exec(db, db->dialect->commit, what);
        if (rc == ORMC_OK)
            return ORMC_OK;
    }
    /* undo: the error already recorded is the one reported */
    if (outer)
        db_savepoint(db, "ormc_insert_many", SP_UNDO, what);
    else if (db->be->in_transaction(db->conn))
        db->be->exec(db->conn, db->dialect->rollback);
    return rc;
}

/* Contract in ormc.h.  Whatever path fails (validation, BEGIN, prepare,
 * bind, step, COMMIT), every one of the n ids is set to 0, including ids
 * left in the array by an earlier call and ids of items after the failing
 * one.  Cost: insert_many_run's, plus one pass over the ids on failure. */
int ormc_insert_many(ormc_db *db, const ormc_model *m, void *objs, size_t n)
{
    char *base = objs;
    int rc = insert_many_run(db, m, base, n);
    if (rc == ORMC_OK) {
        db_ok(db);
        return ORMC_OK;
    }
    int64_t zero = 0;
    for (size_t i = 0; i < n; i++)
        memcpy(AT(base + i * m->size, m->fields[0].offset), &zero,
               sizeof zero);
    return rc;
}

/* Runs a write keyed by id and maps "no row changed" to ORMC_NOT_FOUND. */
static int finish_by_id(ormc_db *db, void *stmt, const ormc_model *m,
                        int64_t id, const char *what, int rc)
{
    if (rc == ORMC_OK)
        rc = step_write(db, stmt, m, what);
    if (rc == ORMC_OK && db->be->changes(db->conn) == 0)
        rc = db_fail(db, ORMC_NOT_FOUND, "%s.%s: no row with id %lld",
                     m->name, what, (long long)id);
    else if (rc == ORMC_OK)
        db_ok(db);
    db_stmt_done(db, stmt);
    return rc;
}

int ormc_update(ormc_db *db, const ormc_model *m, const void *obj)
{
    int rc = check_fields(db, m, obj);
    if (rc != ORMC_OK)
        return rc;
    void *stmt = sql_model_stmt(db, m, SQL_UPDATE_ROW, "update");
    if (!stmt)
        return db->errcode;
    int64_t id;
    memcpy(&id, CAT(obj, m->fields[0].offset), sizeof id);
    return finish_by_id(db, stmt, m, id, "update",
                        bind_fields(db, stmt, m, obj, true, "update"));
}

int ormc_delete(ormc_db *db, const ormc_model *m, int64_t id)
{
    void *stmt = sql_model_stmt(db, m, SQL_DELETE_ROW, "delete");
    if (!stmt)
        return db->errcode;
    int rc = db->be->bind_int(stmt, 1, id);
    if (rc != ORMC_OK)
        rc = db_fail_op(db, rc, m->name, "delete");
    return finish_by_id(db, stmt, m, id, "delete", rc);
}


int ormc_get(ormc_db *db, const ormc_model *m, int64_t id, void **out)
{
    *out = NULL;
    void *stmt = sql_model_stmt(db, m, SQL_GET, "get");
    if (!stmt)
        return db->errcode;
    int rc = db->be->bind_int(stmt, 1, id);
    if (rc != ORMC_OK) {
        rc = db_fail_op(db, rc, m->name, "get");
        db_stmt_done_values(db, stmt);
        return rc;
    }
    rc = db->be->step(stmt);
    if (rc == ORMC_DONE) {
        rc = db_fail(db, ORMC_NOT_FOUND, "%s.get: no row with id %lld",
                     m->name, (long long)id);
    } else if (rc != ORMC_ROW) {
        rc = db_fail_op(db, rc, m->name, "get");
    } else if ((rc = read_object(db, stmt, m, out)) == ORMC_OK) {
        db_ok(db);
    } else {
        rc = rc == ORMC_NOMEM
                 ? db_fail(db, rc, "%s.get: out of memory", m->name)
                 : db_restate(db, m->name, "get"); /* bad data */
    }
    db_stmt_done_values(db, stmt); /* its one parameter, the id, is an int */
    return rc;
}

void ormc_object_free(void *obj)
{
    if (obj)
        ormc_result_free(((object_header *)obj - 1)->owner);
}
