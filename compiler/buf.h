/*
 * buf.h — a growable text buffer for code generation.
 */
#ifndef ORMC_BUF_H
#define ORMC_BUF_H

#include <stddef.h>

typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;

/* Appends formatted text; aborts the process when out of memory. */
void buf_printf(Buf *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void buf_puts(Buf *b, const char *s);
/* Appends one byte as it must appear inside a C string literal. */
void buf_c_char(Buf *b, unsigned char ch);
/* Appends s as the body of a C string literal (escaping " and \). */
void buf_c_string(Buf *b, const char *s);
/* Hands the text over (malloc'd, NUL-terminated) and empties b. */
char *buf_take(Buf *b, size_t *len);

#endif
