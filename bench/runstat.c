/*
 * runstat.c — runs a command once and appends one line to a file:
 *
 *   wall_seconds user_seconds sys_seconds peak_rss_kb
 *
 *   runstat OUTFILE CMD [ARG...]
 *
 * Used by bench/compiler_scale.sh.  The peak RSS is the child's own
 * (wait4's ru_maxrss): the child is forked from this small process, so,
 * unlike a child spawned from python, it does not inherit a large parent's
 * high-water mark.  Exit status: the command's (1 if it did not run or was
 * killed, 2 on a usage error).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double secs(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: runstat OUTFILE CMD [ARG...]\n", stderr);
        return 2;
    }
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("runstat: fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("runstat: wait4");
        return 1;
    }
    double wall = now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "runstat: %s failed (status %d)\n", argv[2],
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status)
                                                        : 1;
    }
    FILE *f = fopen(argv[1], "a");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fprintf(f, "%.6f %.6f %.6f %ld\n", wall, secs(ru.ru_utime),
            secs(ru.ru_stime), ru.ru_maxrss);
    return fclose(f) == 0 ? 0 : 1;
}
