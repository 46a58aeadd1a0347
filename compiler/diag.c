/*
 * diag.c — the one place diagnostics are formatted:
 *
 *   blog.orm:3:13: error: unknown type 'txt'; did you mean 'text'?
 *       name    txt(100)
 *               ^
 *
 * Errors are counted; after MAX_ERRORS the compile stops reporting.
 * Warnings (files are still written) and notes are not counted.  With
 * c->json each diagnostic is one JSON object on one line instead (no source
 * line); with c->color the text form is coloured like gcc's.
 */
#include "ctx.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void build_lines(Ctx *c)
{
    int n = 1;
    for (size_t i = 0; i < c->len; i++)
        n += c->text[i] == '\n';
    c->line_starts = arena_zalloc(c->arena, (size_t)n * sizeof(size_t));
    c->nlines = n;
    int k = 0;
    c->line_starts[k++] = 0;
    for (size_t i = 0; i < c->len; i++)
        if (c->text[i] == '\n')
            c->line_starts[k++] = i + 1;
}

/* ANSI colours, as gcc uses them (GCC_COLORS' defaults). */
#define BOLD "\033[1m"
#define RESET "\033[0m"
#define CARET "\033[1;32m"

static const char *kind_color(const char *kind)
{
    return kind[0] == 'e' ? "\033[1;31m" : kind[0] == 'w' ? "\033[1;35m"
                                                        : "\033[1;36m";
}

/* Prints the source line of `loc` and a caret under its column.  Tabs are
 * kept in the caret line so the caret lines up in any tab width. */
static void show_line(Ctx *c, Loc loc)
{
    if (!c->line_starts)
        build_lines(c);
    if (loc.line < 1 || loc.line > c->nlines)
        return;
    size_t start = c->line_starts[loc.line - 1], end = start;
    while (end < c->len && c->text[end] != '\n' && c->text[end] != '\r')
        end++;
    if (end == start)
        return; /* an empty line (an empty file): nothing to point at */
    /* a very long line is cut to a window of 200 bytes around the column,
     * marked with "..." where it is cut */
    size_t col = loc.col > 0 ? (size_t)loc.col - 1 : 0;
    if (col > (size_t)(end - start))
        col = end - start;
    size_t from = start;
    if (end - start > 200 && col > 150)
        from = start + col - 100;
    size_t to = end - from > 200 ? from + 200 : end;
    const char *pre = from > start ? "..." : "";
    fprintf(c->diag, "    %s", pre);
    for (size_t i = from; i < to; i++) {
        unsigned char ch = (unsigned char)c->text[i];
        fputc(ch == '\t' || ch >= 0x20 ? ch : ' ', c->diag);
    }
    fprintf(c->diag, "%s\n    %s", to < end ? "..." : "", pre[0] ? "   " : "");
    for (size_t i = from; i < start + col && i < to; i++)
        fputc(c->text[i] == '\t' ? '\t' : ' ', c->diag);
    fputs(c->color ? CARET "^" RESET "\n" : "^\n", c->diag);
}

/* Writes s as the body of a JSON string: '"', '\\' and control bytes
 * escaped; other bytes as they are (names are ASCII; a file name or a
 * quoted literal that is not UTF-8 is passed through unchanged). */
static void json_string(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch == '\t')
            fputs("\\t", f);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
}

/* {"file":F,"line":L,"column":C,"severity":KIND,"message":MSG} and a
 * newline. */
static void json_line(Ctx *c, const char *kind, Loc loc, const char *msg)
{
    fputs("{\"file\":\"", c->diag);
    json_string(c->diag, c->file);
    fprintf(c->diag, "\",\"line\":%d,\"column\":%d,\"severity\":\"%s\","
                     "\"message\":\"",
            loc.line, loc.col, kind);
    json_string(c->diag, msg);
    fputs("\"}\n", c->diag);
}

static void report(Ctx *c, const char *kind, Loc loc, const char *fmt,
                   va_list ap)
{
    if (!c->diag)
        return;
    /* messages quote names and literals: one of a megabyte is cut */
    char msg[1024];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n >= (int)sizeof msg)
        strcpy(msg + sizeof msg - 4, "...");
    if (c->json) {
        json_line(c, kind, loc, msg);
        return;
    }
    if (c->color)
        fprintf(c->diag, BOLD "%s:%d:%d: " RESET "%s%s:" RESET " %s\n",
                c->file, loc.line, loc.col, kind_color(kind), kind, msg);
    else
        fprintf(c->diag, "%s:%d:%d: %s: %s\n", c->file, loc.line, loc.col,
                kind, msg);
    show_line(c, loc);
}

void diag_error(Ctx *c, Loc loc, const char *fmt, ...)
{
    if (c->stopped)
        return;
    c->nerrors++;
    va_list ap;
    va_start(ap, fmt);
    report(c, "error", loc, fmt, ap);
    va_end(ap);
    if (c->nerrors >= MAX_ERRORS) {
        c->stopped = true;
        char msg[64];
        snprintf(msg, sizeof msg, "too many errors (%d), stopping",
                 c->nerrors);
        if (c->diag && c->json)
            json_line(c, "note", (Loc){0, 0}, msg);
        else if (c->diag)
            fprintf(c->diag, "%s: too many errors (%d), stopping\n", c->file,
                    c->nerrors);
    }
}

void diag_warning(Ctx *c, Loc loc, const char *fmt, ...)
{
    if (c->stopped)
        return;
    c->nwarnings++;
    va_list ap;
    va_start(ap, fmt);
    report(c, "warning", loc, fmt, ap);
    va_end(ap);
}

void diag_note(Ctx *c, Loc loc, const char *fmt, ...)
{
    if (c->stopped)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(c, "note", loc, fmt, ap);
    va_end(ap);
}

/* Levenshtein distance, giving up (returning limit+1) past `limit`. */
static size_t distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *diag_suggest(const char *name, const char *const *cands, int n)
{
    size_t len = strlen(name);
    size_t limit = len < 3 ? 1 : len / 3 + 1;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (int i = 0; i < n; i++) {
        size_t d = distance(name, cands[i], limit);
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best_d <= limit ? best : NULL;
}
