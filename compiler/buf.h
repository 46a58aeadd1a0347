/*
 * buf.h — a growable text buffer for code generation.  A buffer either
 * collects the whole text in memory (buf_take hands it over), or streams
 * it: with a sink set, the text goes to the sink in pieces of about
 * BUF_CHUNK bytes as it is appended, so memory stays bounded whatever the
 * size of the output.
 */
#ifndef ORMC_BUF_H
#define ORMC_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_CHUNK (64u << 10)

/* Receives streamed text; returns 0, or nonzero to report an error (the
 * buffer then keeps the first error and sends nothing more). */
typedef int (*BufSink)(void *arg, const char *data, size_t len);

typedef struct Buf {
    char *s;
    size_t len, cap;
    BufSink sink; /* NULL: collect in memory */
    void *sink_arg;
    int err;      /* first nonzero result of sink */
} Buf;

/* A streaming buffer: text goes to sink(arg, ...) in pieces.  Call
 * buf_finish at the end.  Uses BUF_CHUNK bytes of memory. */
void buf_stream(Buf *b, BufSink sink, void *arg);
/* Streams what is still buffered, frees the buffer and returns the first
 * error of the sink (0 if none). */
int buf_finish(Buf *b);

/* Appends formatted text (printf conventions); aborts the process when out
 * of memory.  %s, %c, %d, %u, %lld, %zu, %% and %*s are formatted here,
 * without the cost of vsnprintf; any other conversion falls back to it.
 * Cost: linear in the length of the result. */
void buf_printf(Buf *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The same with a va_list. */
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
/* Appends the string s. */
void buf_puts(Buf *b, const char *s);
/* Appends n bytes of s. */
void buf_put(Buf *b, const char *s, size_t n);
/* Appends one byte. */
void buf_putc(Buf *b, char ch);
/* Appends one byte as it must appear inside a C string literal. */
void buf_c_char(Buf *b, unsigned char ch);
/* Appends s as the body of a C string literal (escaping " and \). */
void buf_c_string(Buf *b, const char *s);
/* The same for the n bytes at s. */
void buf_c_mem(Buf *b, const char *s, size_t n);
/* Hands the text over (malloc'd, NUL-terminated) and empties b.  Not for
 * a streaming buffer. */
char *buf_take(Buf *b, size_t *len);

#endif
