/*
 * sqlite_array.h — the array parameter of the SQLite backend
 * (sqlite_array.c): ormc_array(?N), a table of the values of a C array
 * bound as one pointer parameter.  Internal to the SQLite backend.
 */
#ifndef ORMC_SQLITE_ARRAY_H
#define ORMC_SQLITE_ARRAY_H

#include "ormc.h"

#include <sqlite3.h>

/* Makes ormc_array available on db.  Returns an SQLite result code. */
int sqlite_array_register(sqlite3 *db);

/* Binds v[0..n) (type ORMC_T_INT: int64_t, ORMC_T_REAL: double,
 * ORMC_T_TEXT: const char *, none NULL) as parameter idx of stmt, for
 * `... IN (SELECT value FROM ormc_array(?idx))`.  The array is borrowed,
 * not copied: it must live until the statement is reset.  Returns an
 * SQLite result code. */
int sqlite_array_bind(sqlite3_stmt *stmt, int idx, int type, const void *v,
                      size_t n);

#endif
