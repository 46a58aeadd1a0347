/*
 * row_read.h — how a result row's columns are copied into a model's
 * struct, and a struct's fields bound to a statement's parameters.
 *
 * Reading: a model with a generated reader (ormc_model.read) is read by
 * it, one call per column through the backend's ormc_cols, whose text
 * and blob functions are row_text and row_blob below.  Otherwise the
 * loop row_read walks the model's field descriptors.  Both are written
 * once, here, and instantiated by each backend with its own column
 * functions, so that the compiler turns every column read into a direct
 * call (backend.read_fields, backend.cols), and the loop by object.c over
 * the backend's function pointers, for a backend without read_fields
 * (tests that wrap a backend to inject faults into single column reads).
 *
 * Binding: row_bind binds one field through a table of bind functions,
 * the same way: a backend's own (PostgreSQL's bind_fields, for what its
 * loop does not write itself) or the backend's function pointers
 * (object.c, for a model without a generated binder).
 *
 * Include it in one .c file per instantiation, after internal.h.
 */
#ifndef ORMC_ROW_READ_H
#define ORMC_ROW_READ_H

#include "internal.h"

#include <string.h>

/* The column functions of one backend (ormc_backend's, same contracts). */
typedef struct row_cols {
    bool (*is_null)(void *stmt, int col);
    int64_t (*int64)(void *stmt, int col);
    double (*real)(void *stmt, int col);
    const char *(*text)(void *stmt, int col, size_t *n);
    const void *(*blob)(void *stmt, int col, size_t *n);
} row_cols;

/* Text column col copied into res, *out the copy: ORMC_OK; ORMC_ERROR
 * when the column is NULL; ORMC_NOMEM when out of memory (a NULL from
 * k->text for a column that is not NULL: the backend could not convert
 * the value, never read as ""). */
static inline int row_text(const row_cols *k, void *stmt, int col,
                           ormc_result *res, const char **out)
{
    size_t len;
    const char *s = k->text(stmt, col, &len);
    if (!s)
        return k->is_null(stmt, col) ? ORMC_ERROR : ORMC_NOMEM;
    char *d = arena_strndup(res, s, len);
    *out = d;
    return d ? ORMC_OK : ORMC_NOMEM;
}

/* Blob column col copied into res (ormc_cols.blob's contract). */
static inline int row_blob(const row_cols *k, void *stmt, int col,
                           ormc_result *res, ormc_blob *out)
{
    size_t len;
    const void *s = k->blob(stmt, col, &len);
    /* NULL is an empty blob, or a NULL the schema forbids */
    if (!s && k->is_null(stmt, col))
        return ORMC_ERROR;
    out->size = s ? len : 0;
    out->data = arena_strndup(res, s ? s : "", out->size);
    return out->data ? ORMC_OK : ORMC_NOMEM;
}

/* Reads the n fields f[0..n) from the columns col, col+1, ... of stmt's
 * current row into obj, which is zeroed (a NULL leaves the value zero and
 * sets its <name>_null flag); text and blobs are copied into res.
 * Returns ORMC_OK, ORMC_NOMEM, or ORMC_ERROR with *bad = the index of a NOT
 * NULL text or blob field that holds NULL (read_row's contract,
 * internal.h, says what callers make of each).  Called with `k` a
 * constant in the caller's file, the compiler calls its functions
 * directly. */
static inline int row_read(const row_cols *k, void *stmt, int col,
                           const ormc_field *f, int n, void *obj,
                           ormc_result *res, int *bad)
{
    /* The loop walks the fields by pointer and reads each field's offset
     * after its column call, so that few values live across the calls
     * (fewer registers saved and reloaded per field). */
    char *o = obj;
    const ormc_field *end = f + n;
    for (const ormc_field *fi = f; fi < end; fi++, col++) {
        if ((fi->flags & ORMC_F_NULLABLE) && k->is_null(stmt, col)) {
            if (fi->null_offset) {
                bool t = true;
                memcpy(o + fi->null_offset, &t, sizeof t);
            }
            continue; /* pointers and values stay zero / NULL */
        }
        unsigned type = fi->type;
        if (type == ORMC_T_INT || type == ORMC_T_DATETIME) {
            int64_t v = k->int64(stmt, col);
            memcpy(o + fi->offset, &v, sizeof v);
        } else if (type == ORMC_T_TEXT) {
            const char *d;
            int rc = row_text(k, stmt, col, res, &d);
            if (rc != ORMC_OK)
                return *bad = (int)(fi - f), rc;
            memcpy(o + fi->offset, &d, sizeof d);
        } else if (type == ORMC_T_REAL) {
            double v = k->real(stmt, col);
            memcpy(o + fi->offset, &v, sizeof v);
        } else if (type == ORMC_T_BOOL) {
            bool v = k->int64(stmt, col) != 0;
            memcpy(o + fi->offset, &v, sizeof v);
        } else if (type == ORMC_T_BLOB) {
            ormc_blob b;
            int rc = row_blob(k, stmt, col, res, &b);
            if (rc != ORMC_OK)
                return *bad = (int)(fi - f), rc;
            memcpy(o + fi->offset, &b, sizeof b);
        }
    }
    return ORMC_OK;
}

/* Whether field f of obj is NULL: a nullable field whose <name>_null
 * flag is set, or a nullable text or blob without data. */
static inline bool field_is_null(const void *obj, const ormc_field *f)
{
    if (!(f->flags & ORMC_F_NULLABLE))
        return false;
    const char *p = (const char *)obj;
    if (f->type == ORMC_T_TEXT) {
        const char *s;
        memcpy(&s, p + f->offset, sizeof s);
        return s == NULL;
    }
    if (f->type == ORMC_T_BLOB) {
        ormc_blob b;
        memcpy(&b, p + f->offset, sizeof b);
        return b.data == NULL;
    }
    bool n;
    memcpy(&n, p + f->null_offset, sizeof n);
    return n;
}

/* Binds field f of obj (validated) to parameter idx through k: NULL where
 * field_is_null says so, a bool as 0 or 1, text by its strlen.  Returns
 * k's status, or ORMC_ERROR for a type no field has. */
static inline int row_bind(const ormc_binds *k, void *stmt, int idx,
                           const ormc_field *f, const void *obj)
{
    const char *p = (const char *)obj + f->offset;
    if (field_is_null(obj, f))
        return k->null(stmt, idx);
    switch ((ormc_type)f->type) {
    case ORMC_T_INT:
    case ORMC_T_DATETIME: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        return k->int64(stmt, idx, v);
    }
    case ORMC_T_BOOL: {
        bool v;
        memcpy(&v, p, sizeof v);
        return k->int64(stmt, idx, v ? 1 : 0);
    }
    case ORMC_T_REAL: {
        double v;
        memcpy(&v, p, sizeof v);
        return k->real(stmt, idx, v);
    }
    case ORMC_T_TEXT: {
        const char *s;
        memcpy(&s, p, sizeof s);
        return k->text(stmt, idx, s, strlen(s));
    }
    case ORMC_T_BLOB: {
        ormc_blob b;
        memcpy(&b, p, sizeof b);
        return k->blob(stmt, idx, b.data, b.size);
    }
    }
    return ORMC_ERROR;
}

#endif /* ORMC_ROW_READ_H */
