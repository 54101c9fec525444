/*
 * measure: run a command and record its wall time and peak resident set.
 *
 *   measure RESULT_FILE COMMAND [ARG...]
 *
 * Writes one line "WALL_SECONDS MAXRSS_KB EXIT_STATUS CPU_SECONDS" to
 * RESULT_FILE and exits with the command's status. CPU is user + system
 * time of the command and what it waited for: on a shared machine it moves
 * less than the wall time, and beside it shows how much ran in parallel. The peak is getrusage(RUSAGE_CHILDREN)'s
 * ru_maxrss after the one child was reaped: the largest process of the tree
 * it waited for (a shell running three jq calls reports the largest jq), so
 * the benchmark needs neither GNU time nor anything beyond libc.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct rusage ru;
    double t0, wall, cpu;
    int status = 0, code;
    pid_t pid;
    FILE *f;

    if (argc < 3) {
        fputs("usage: measure RESULT_FILE COMMAND [ARG...]\n", stderr);
        return 2;
    }
    t0 = now_s();
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "measure: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "measure: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "measure: waitpid: %s\n", strerror(errno));
            return 2;
        }
    }
    wall = now_s() - t0;
    memset(&ru, 0, sizeof ru);
    getrusage(RUSAGE_CHILDREN, &ru);
    if (WIFEXITED(status))
        code = WEXITSTATUS(status);
    else
        code = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    f = fopen(argv[1], "w");
    cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
          (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    if (!f ||
        fprintf(f, "%.3f %ld %d %.3f\n", wall, ru.ru_maxrss, code, cpu) < 0 ||
        fclose(f) != 0) {
        fprintf(stderr, "measure: %s: cannot write\n", argv[1]);
        return 2;
    }
    return code;
}
