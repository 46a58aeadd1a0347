/*
 * buf.c — growable text buffer for code generation.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(Buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        fputs("ormc: out of memory\n", stderr);
        exit(2);
    }
    b->s = s;
    b->cap = cap;
}

void buf_puts(Buf *b, const char *s)
{
    size_t n = strlen(s);
    reserve(b, n);
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s ? b->s + b->len : NULL,
                      b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (!b->s || b->len + (size_t)n + 1 > b->cap) {
        reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void buf_c_char(Buf *b, unsigned char ch)
{
    if (ch == '"' || ch == '\\')
        buf_printf(b, "\\%c", ch);
    else if (ch == '\n')
        buf_puts(b, "\\n");
    else if (ch == '\t')
        buf_puts(b, "\\t");
    else if (ch < 0x20 || ch == 0x7f || ch == '?')
        buf_printf(b, "\\%03o", ch); /* '?' avoids trigraphs */
    else
        buf_printf(b, "%c", ch);
}

void buf_c_string(Buf *b, const char *s)
{
    for (; *s; s++)
        buf_c_char(b, (unsigned char)*s);
}

char *buf_take(Buf *b, size_t *len)
{
    reserve(b, 0);
    b->s[b->len] = '\0';
    char *s = b->s;
    if (len)
        *len = b->len;
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}
