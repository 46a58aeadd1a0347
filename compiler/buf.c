/*
 * buf.c — growable text buffer for code generation, with its own small
 * printf: code generation formats hundreds of thousands of short strings,
 * and vsnprintf's per-call setup cost dominated the compile time.
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("ormc: out of memory\n", stderr);
    exit(2);
}

/* Sends the buffered text to the sink and empties the buffer. */
static void flush(Buf *b)
{
    if (b->len && !b->err)
        b->err = b->sink(b->sink_arg, b->s, b->len);
    b->len = 0;
}

static void grow(Buf *b, size_t extra);

/* Makes room for `extra` more bytes and a NUL. */
static inline void reserve(Buf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap)
        grow(b, extra);
}

static void grow(Buf *b, size_t extra)
{
    if (b->sink) {
        flush(b);
        if (extra + 1 <= b->cap)
            return;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s)
        oom();
    b->s = s;
    b->cap = cap;
}

void buf_stream(Buf *b, BufSink sink, void *arg)
{
    memset(b, 0, sizeof *b);
    b->sink = sink;
    b->sink_arg = arg;
    b->s = malloc(BUF_CHUNK);
    if (!b->s)
        oom();
    b->cap = BUF_CHUNK;
}

int buf_finish(Buf *b)
{
    if (b->sink)
        flush(b);
    int err = b->err;
    free(b->s);
    memset(b, 0, sizeof *b);
    return err;
}

void buf_put(Buf *b, const char *s, size_t n)
{
    if (!n)
        return;
    reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

void buf_putc(Buf *b, char ch)
{
    reserve(b, 1);
    b->s[b->len++] = ch;
}

void buf_puts(Buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static void put_pad(Buf *b, size_t n)
{
    reserve(b, n);
    memset(b->s + b->len, ' ', n);
    b->len += n;
}

/* Decimal digits of v (and a '-' when neg). */
static void put_dec(Buf *b, unsigned long long v, int neg)
{
    char tmp[24], *p = tmp + sizeof tmp;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (neg)
        *--p = '-';
    buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_signed(Buf *b, long long v)
{
    put_dec(b, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v,
            v < 0);
}

/* Any format, through vsnprintf. */
static void slow_printf(Buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    const char *p = fmt;
    for (;;) {
        const char *pc = strchr(p, '%');
        if (!pc) {
            buf_puts(b, p);
            return;
        }
        buf_put(b, p, (size_t)(pc - p));
        const char *f = pc + 1;
        switch (f[0]) {
        case '%': buf_putc(b, '%'); p = f + 1; continue;
        case 'c': buf_putc(b, (char)va_arg(ap, int)); p = f + 1; continue;
        case 'd': put_signed(b, va_arg(ap, int)); p = f + 1; continue;
        case 'u': put_dec(b, va_arg(ap, unsigned), 0); p = f + 1; continue;
        case 's': {
            const char *s = va_arg(ap, const char *);
            buf_puts(b, s ? s : "(null)");
            p = f + 1;
            continue;
        }
        case 'z':
            if (f[1] != 'u')
                break;
            put_dec(b, va_arg(ap, size_t), 0);
            p = f + 2;
            continue;
        case 'l':
            if (f[1] != 'l' || (f[2] != 'd' && f[2] != 'u'))
                break;
            if (f[2] == 'd')
                put_signed(b, va_arg(ap, long long));
            else
                put_dec(b, va_arg(ap, unsigned long long), 0);
            p = f + 3;
            continue;
        case '*': { /* %*s: right-aligned in width, left-aligned if < 0 */
            if (f[1] != 's')
                break;
            int w = va_arg(ap, int);
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = strlen(s);
            size_t aw = w < 0 ? 0u - (unsigned)w : (unsigned)w;
            size_t pad = aw > n ? aw - n : 0;
            if (w >= 0)
                put_pad(b, pad);
            buf_put(b, s, n);
            if (w < 0)
                put_pad(b, pad);
            p = f + 2;
            continue;
        }
        default:
            break;
        }
        /* any other conversion: the rest of the format, with the arguments
         * not yet used, prints what the whole would from here on */
        slow_printf(b, pc, ap);
        return;
    }
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* Bytes that need an escape inside a C string literal ('?' avoids
 * trigraphs). */
static int needs_escape(unsigned char ch)
{
    return ch == '"' || ch == '\\' || ch < 0x20 || ch == 0x7f || ch == '?';
}

void buf_c_char(Buf *b, unsigned char ch)
{
    if (ch == '"' || ch == '\\') {
        buf_putc(b, '\\');
        buf_putc(b, (char)ch);
    } else if (ch == '\n') {
        buf_put(b, "\\n", 2);
    } else if (ch == '\t') {
        buf_put(b, "\\t", 2);
    } else if (needs_escape(ch)) {
        char esc[4] = {'\\', (char)('0' + (ch >> 6)),
                       (char)('0' + ((ch >> 3) & 7)), (char)('0' + (ch & 7))};
        buf_put(b, esc, 4);
    } else {
        buf_putc(b, (char)ch);
    }
}

void buf_c_mem(Buf *b, const char *s, size_t n)
{
    const char *end = s + n;
    while (s < end) {
        const char *run = s;
        while (s < end && !needs_escape((unsigned char)*s))
            s++;
        buf_put(b, run, (size_t)(s - run));
        if (s < end)
            buf_c_char(b, (unsigned char)*s++);
    }
}

void buf_c_string(Buf *b, const char *s)
{
    buf_c_mem(b, s, strlen(s));
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
