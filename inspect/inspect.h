/*
 * inspect.h — `ormc inspect DB`: an .orm schema read from an existing
 * SQLite database (Django's inspectdb).
 *
 * This module is linked into the `ormc` command only, with -lsqlite3: the
 * compiler library (compiler/) writes text and never includes sqlite3.h.
 * It uses the compiler's Buf (compiler/buf.h) and nothing else of it.
 */
#ifndef ORMC_INSPECT_H
#define ORMC_INSPECT_H

/* Reads the tables of the SQLite database at `path` (opened read-only;
 * a missing file or one that is not a database is an error) and writes
 * the schema that maps them: one model per table, foreign keys as
 * relations, @table/@id/@column where the names differ from what ormc
 * would derive, and a comment for whatever the schema cannot express
 * (docs/inspect.md lists the rules).  The text names the database by the
 * base name of `path`, so it does not depend on where the file is.
 * Returns 0 with *out set (malloc'd, NUL-terminated; the caller frees
 * it), or 1 with *err set (a malloc'd message without "ormc:" or a
 * newline).  Cost: a few statements per table; linear in the schema. */
int inspect_db(const char *path, char **out, char **err);

#endif
