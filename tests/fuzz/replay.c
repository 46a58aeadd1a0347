/*
 * replay.c — runs the fuzz harness (fuzz_compile.c) over files, without
 * libFuzzer: `fuzz_replay FILE...` compiles each file through
 * LLVMFuzzerTestOneInput and prints "ok FILE" for each one that passes.
 * A crash, a sanitizer report or a broken invariant ends the process with
 * a non-zero status.  tests/run.sh runs it over tests/fuzz/regress/ so
 * every past finding stays fixed, under ASan+UBSan with SANITIZE=1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads a whole file into a malloc'd buffer of exactly its size, so that
 * AddressSanitizer sees any read past the end; NULL on failure. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t n = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long end = ftell(f);
        if (end >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            n = (size_t)end;
            buf = malloc(n ? n : 1);
            if (buf && fread(buf, 1, n, f) != n) {
                free(buf);
                buf = NULL;
            }
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: fuzz_replay FILE...\n", stderr);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        size_t len;
        uint8_t *data = slurp(argv[i], &len);
        if (!data) {
            fprintf(stderr, "fuzz_replay: cannot read %s\n", argv[i]);
            return 2;
        }
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        printf("ok %s\n", argv[i]);
        fflush(stdout);
    }
    return 0;
}
