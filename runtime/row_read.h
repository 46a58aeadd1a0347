/*
 * row_read.h — the one loop that copies a result row's columns into a
 * model's struct (read_row's body).  It is written once, here, and
 * instantiated twice: by each backend with its own column functions, so
 * that the compiler turns every column read into a direct call
 * (backend.read_fields), and by object.c over the backend's function
 * pointers, for a backend without read_fields (tests that wrap a backend
 * to inject faults into single column reads).
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
            size_t len;
            const char *s = k->text(stmt, col, &len);
            /* NULL: the column is NULL although the schema says NOT NULL
             * (bad data), or the backend ran out of memory converting a
             * value (never read either as "") */
            if (!s) {
                if (k->is_null(stmt, col))
                    return *bad = (int)(fi - f), ORMC_ERROR;
                return ORMC_NOMEM;
            }
            char *d = arena_strndup(res, s, len);
            if (!d)
                return ORMC_NOMEM;
            memcpy(o + fi->offset, &d, sizeof d);
        } else if (type == ORMC_T_REAL) {
            double v = k->real(stmt, col);
            memcpy(o + fi->offset, &v, sizeof v);
        } else if (type == ORMC_T_BOOL) {
            bool v = k->int64(stmt, col) != 0;
            memcpy(o + fi->offset, &v, sizeof v);
        } else if (type == ORMC_T_BLOB) {
            size_t len;
            const void *s = k->blob(stmt, col, &len);
            /* NULL is an empty blob, or a NULL the schema forbids */
            if (!s && k->is_null(stmt, col))
                return *bad = (int)(fi - f), ORMC_ERROR;
            ormc_blob b;
            b.size = s ? len : 0;
            b.data = arena_strndup(res, s ? s : "", b.size);
            if (!b.data)
                return ORMC_NOMEM;
            memcpy(o + fi->offset, &b, sizeof b);
        }
    }
    return ORMC_OK;
}

#endif /* ORMC_ROW_READ_H */
