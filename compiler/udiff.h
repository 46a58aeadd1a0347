/*
 * udiff.h — a unified diff of two texts (what `diff -u` prints), for
 * `ormc --check`.  Lines are compared byte for byte; Myers' O((N+M)D)
 * algorithm in linear space finds a shortest edit script.
 */
#ifndef ORMC_UDIFF_H
#define ORMC_UDIFF_H

#include "ormcc.h"

#include <stdbool.h>
#include <stddef.h>

/* Lines of context around each change, as diff -u. */
#define UDIFF_CONTEXT 3
/* udiff's cost bound: a stretch whose shortest edit script is longer than
 * about 2 * UDIFF_MAX_D lines is shown as removed and added whole. */
#define UDIFF_MAX_D 4096

/* Writes, through write(arg, ...), the unified diff that turns text a
 * (alen bytes) into text b: "--- alabel", "+++ blabel", then hunks
 * "@@ -l,n +l,n @@" with UDIFF_CONTEXT lines of context, as GNU diff -u
 * prints them (without timestamps), including its "\ No newline at end of
 * file" lines.  Writes nothing when the texts are equal.  *differ (if
 * not NULL) tells whether they differ.
 * Returns 0, the first nonzero result of write, or ENOMEM.
 * Cost: O((N+M) D) time for N and M lines with D differing, O(N+M)
 * memory. */
int udiff(const char *a, size_t alen, const char *b, size_t blen,
          const char *alabel, const char *blabel, ormcc_write_fn write,
          void *arg, bool *differ);

/* The same with the cost bound max_d instead of UDIFF_MAX_D (tests make
 * it small to exercise the fallback). */
int udiff_bounded(const char *a, size_t alen, const char *b, size_t blen,
                  const char *alabel, const char *blabel, ormcc_write_fn write,
                  void *arg, bool *differ, int max_d);

#endif
