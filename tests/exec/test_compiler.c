/*
 * test_compiler.c — the compiler library's two ways to generate
 * (compiler/ormcc.h): ormcc_compile, which returns both files in memory,
 * and ormcc_check + ormcc_emit_*, which stream them in pieces.  They must
 * give the same bytes; streaming must stop at the first write error and
 * report it; ormcc_check must not need its input afterwards.
 *
 * The golden tests (tests/golden) cover the text itself, but every golden
 * output is smaller than one 64 KiB piece; the schema here is built to
 * generate megabytes, so the streaming path is crossed many times.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ormcc.h"

/* A schema of n models with every kind of field, relations to earlier
 * models (and to themselves), defaults with escapes, and options. */
static char *big_schema(int n, size_t *len)
{
    size_t cap = (size_t)n * 600 + 64, used = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    for (int i = 1; i <= n; i++) {
        int w = snprintf(
            s + used, cap - used,
            "model Thing%d {\n"
            "    title    text(%d)  index  default \"it's \\\"%d\\\"?\\n\"\n"
            "    body     text?\n"
            "    count    int       default -%d\n"
            "    price    real?     default 2.5\n"
            "    done     bool      default true\n"
            "    at       datetime  default now\n"
            "    raw      blob?\n"
            "    parent   Thing%d?  related sub%d  on delete set null\n"
            "    @index(count, at)\n"
            "    @order(-at, title)\n"
            "}\n",
            i, 10 + i, i, i, i > 1 ? i - 1 : 1, i);
        assert_true(w > 0 && (size_t)w < cap - used);
        used += (size_t)w;
    }
    *len = used;
    return s;
}

/* A sink that collects what it is given, and can fail on its k-th call. */
typedef struct Sink {
    char *data;
    size_t len, cap;
    int calls;
    size_t biggest;
    int fail_at; /* 0: never */
} Sink;

static int sink_write(void *arg, const char *data, size_t len)
{
    Sink *k = arg;
    k->calls++;
    if (k->fail_at && k->calls == k->fail_at)
        return 28; /* ENOSPC on Linux; any nonzero value */
    assert_true(k->fail_at == 0 || k->calls < k->fail_at);
    if (len > k->biggest)
        k->biggest = len;
    if (k->len + len > k->cap) {
        k->cap = (k->len + len) * 2;
        k->data = realloc(k->data, k->cap);
        assert_non_null(k->data);
    }
    memcpy(k->data + k->len, data, len);
    k->len += len;
    return 0;
}

static void test_stream_matches_memory(void **state)
{
    (void)state;
    size_t len;
    char *text = big_schema(300, &len);
    ormcc_output out;
    assert_int_equal(ormcc_compile("dir/big.orm", text, len, stderr, &out), 0);
    assert_string_equal(out.header.name, "big.orm.h");
    assert_string_equal(out.source.name, "big.orm.c");

    ormcc_unit *u;
    assert_int_equal(ormcc_check("dir/big.orm", text, len, stderr, &u), 0);
    assert_non_null(u);
    /* the unit keeps nothing of the input: destroy it before emitting */
    memset(text, '#', len);
    free(text);
    assert_string_equal(ormcc_header_name(u), "big.orm.h");
    assert_string_equal(ormcc_source_name(u), "big.orm.c");

    Sink h = {0}, c = {0};
    assert_int_equal(ormcc_emit_header(u, sink_write, &h), 0);
    assert_int_equal(ormcc_emit_source(u, sink_write, &c), 0);
    assert_true(out.header.len > 1000000); /* megabytes: many pieces */
    assert_int_equal(h.len, out.header.len);
    assert_int_equal(c.len, out.source.len);
    assert_memory_equal(h.data, out.header.data, h.len);
    assert_memory_equal(c.data, out.source.data, c.len);
    assert_true(h.calls > 10 && c.calls > 10);
    assert_true(h.biggest <= 64 * 1024 && c.biggest <= 64 * 1024);

    /* emitting again gives the same bytes */
    Sink again = {0};
    assert_int_equal(ormcc_emit_source(u, sink_write, &again), 0);
    assert_int_equal(again.len, c.len);
    assert_memory_equal(again.data, c.data, c.len);

    free(h.data);
    free(c.data);
    free(again.data);
    ormcc_unit_free(u);
    ormcc_output_free(&out);
}

static void test_stream_stops_at_write_error(void **state)
{
    (void)state;
    size_t len;
    char *text = big_schema(100, &len);
    ormcc_unit *u;
    assert_int_equal(ormcc_check("big.orm", text, len, NULL, &u), 0);
    free(text);
    Sink k = {.fail_at = 3};
    assert_int_equal(ormcc_emit_source(u, sink_write, &k), 28);
    assert_int_equal(k.calls, 3); /* nothing is passed after the error */
    Sink first = {.fail_at = 1};
    assert_int_equal(ormcc_emit_header(u, sink_write, &first), 28);
    assert_int_equal(first.calls, 1);
    free(k.data);
    free(first.data);
    ormcc_unit_free(u);
}

static void test_check_reports_like_compile(void **state)
{
    (void)state;
    static const char bad[] = "model A { x txt }\n";
    FILE *f = tmpfile();
    assert_non_null(f);
    ormcc_unit *u = (ormcc_unit *)&u; /* must be set to NULL */
    assert_int_equal(ormcc_check("bad.orm", bad, sizeof bad - 1, f, &u), 1);
    assert_null(u);
    char got[512] = {0};
    rewind(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = '\0';
    assert_string_equal(got,
                        "bad.orm:1:13: error: unknown type 'txt'; did you "
                        "mean 'text'?\n"
                        "    model A { x txt }\n"
                        "                ^\n");
    ormcc_unit_free(NULL); /* NULL-safe */
}

/* buf_printf formats %s %c %d %u %lld %zu %% %*s itself; anything else
 * goes to vsnprintf from that conversion on.  Both must match snprintf. */
static void test_buf_printf_matches_snprintf(void **state)
{
    (void)state;
    Buf b = {0};
    char want[512];
    buf_printf(&b, "[%s|%c|%d|%d|%u|%lld|%lld|%zu|%%|%*s|%*s|%*s]", "abc", 'x',
               -2147483647 - 1, 0, 4294967295u, (long long)INT64_MIN,
               9223372036854775807LL, (size_t)18446744073709551615u, 6, "ab",
               -6, "ab", 1, "long");
    snprintf(want, sizeof want,
             "[%s|%c|%d|%d|%u|%lld|%lld|%zu|%%|%*s|%*s|%*s]", "abc", 'x',
             -2147483647 - 1, 0, 4294967295u, (long long)INT64_MIN,
             9223372036854775807LL, (size_t)18446744073709551615u, 6, "ab",
             -6, "ab", 1, "long");
    /* a conversion of the slow path after fast ones, then fast ones again */
    buf_printf(&b, "%s=%5.2f;%03o;%x;%s%d", "pi", 3.14159, 8, 255, "n", 7);
    size_t n = strlen(want);
    snprintf(want + n, sizeof want - n, "%s=%5.2f;%03o;%x;%s%d", "pi",
             3.14159, 8, 255, "n", 7);
    buf_c_string(&b, "q\"\\?\n\t\x01\x7f\xc3\xa9");
    strcat(want, "q\\\"\\\\\\077\\n\\t\\001\\177\xc3\xa9");
    size_t len;
    char *got = buf_take(&b, &len);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_matches_memory),
        cmocka_unit_test(test_stream_stops_at_write_error),
        cmocka_unit_test(test_check_reports_like_compile),
        cmocka_unit_test(test_buf_printf_matches_snprintf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
