/*
 * first_line.c - start a server, wait for its first line on stdout, stop it
 * with SIGTERM and wait for it to exit. The startup benchmark runs this under
 * hyperfine, so a run measures start + first line + clean stop.
 *
 *   first-line [-n RUNS] [-p PORT] -- COMMAND [ARGS...]
 *
 * With -n, it runs the command RUNS times itself and prints the median, the
 * minimum and the maximum of the time to the first line and of the time from
 * SIGTERM to exit, and the medians of what the child itself spent until it was
 * ready: CPU time (all its threads, from /proc/PID/task/N/schedstat,
 * sampled every millisecond while it starts so that a thread that ended
 * before it was ready still counts, up to its last sample), time waiting
 * for a CPU, and minor page faults. On a loaded machine the wall time
 * is mostly the wait; the CPU time is the work. The child's own processes
 * (nginx's workers) are not counted. With -p, "ready" is not the first line but the first TCP
 * connection that 127.0.0.1:PORT accepts: for servers that print nothing
 * when they are ready (nginx), and have to be given a port; a death by that
 * SIGTERM then counts as a clean stop too. The child's stderr goes to
 * /dev/null. Every wait is bounded: a child that is not ready within 10 s,
 * or does not exit within 10 s of SIGTERM, is killed and the run fails (exit
 * code 1).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 10000
#define RUNS_MAX 10000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The CPU and run-queue time (ns) of each thread of the child seen so far,
 * by thread id: a thread that ended before the child was ready (a loader
 * thread, say) is no longer in /proc/PID/task then, but its last sample
 * still counts. */
#define THREADS_MAX 256
static struct seen {
    int tid;
    unsigned long long run, wait;
} seen[THREADS_MAX];
static int nseen;

/* Samples every thread of pid into `seen`. */
static void sample_threads(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char file[128];
        snprintf(file, sizeof(file), "%s/%.32s/schedstat", path, e->d_name);
        FILE *f = fopen(file, "r");
        unsigned long long run = 0, wait = 0;
        int tid = atoi(e->d_name), i = 0;
        if (f && fscanf(f, "%llu %llu", &run, &wait) == 2) {
            while (i < nseen && seen[i].tid != tid)
                i++;
            if (i == nseen && nseen < THREADS_MAX)
                nseen++;
            if (i < nseen)
                seen[i] = (struct seen){tid, run, wait};
        }
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
}

#define SAMPLE_MS 1 /* how often the child's threads are sampled while it starts */

/* Reads from fd until a newline, sampling pid's threads meanwhile; 0 when
 * one came, -2 on EOF (it ended), -1 on an error or the timeout. */
static int read_line(int fd, pid_t pid, double deadline_ms)
{
    char buf[256];
    for (;;) {
        int left = (int)(deadline_ms - now_ms());
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, left < SAMPLE_MS ? left : SAMPLE_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            sample_threads(pid);
            continue;
        }
        if (r < 0)
            return -1;
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return -2; /* its stdout closed: it ended */
        if (n < 0)
            return -1;
        if (memchr(buf, '\n', (size_t)n))
            return 0;
    }
}

/* Tries to connect to 127.0.0.1:port every 100 µs until it works; 0 when it
 * did, -2 when the child ended (left for wait_exit to reap and report), -1
 * when the deadline passed. */
static int wait_port(pid_t pid, int port, double deadline_ms)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    while (now_ms() < deadline_ms) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return 0;
        siginfo_t info = {0};
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
            return -2;
        struct timespec tick = {0, 100 * 1000};
        nanosleep(&tick, NULL);
    }
    return -1;
}

/* Waits up to WAIT_MS for pid; kills it when it takes longer. 0 on a clean
 * exit 0, or, with `term_ok`, on death by the SIGTERM itself (nginx accepts
 * connections a moment before it handles signals). */
static int wait_exit(pid_t pid, int term_ok)
{
    double deadline = now_ms() + WAIT_MS;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -1;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        struct timespec tick = {0, 100 * 1000};
        nanosleep(&tick, NULL);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (term_ok && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
        return 0;
    fprintf(stderr, "first-line: the command ended with %s %d\n",
            WIFEXITED(status) ? "exit code" : "signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return -1;
}

/* What a process spent so far: CPU and run-queue time of all its threads
 * (ms), and its minor page faults. Zeros where /proc does not say. */
struct spent {
    double cpu_ms, wait_ms, faults;
};

static void read_spent(pid_t pid, struct spent *out)
{
    char path[64];
    memset(out, 0, sizeof(*out));
    sample_threads(pid);
    for (int i = 0; i < nseen; i++) {
        out->cpu_ms += (double)seen[i].run / 1e6;
        out->wait_ms += (double)seen[i].wait / 1e6;
    }
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    char line[1024];
    if (f && fgets(line, sizeof(line), f)) {
        /* After "(comm)": state ppid pgrp session tty tpgid flags minflt. */
        const char *p = strrchr(line, ')');
        unsigned long long minflt = 0;
        if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %llu", &minflt) == 1)
            out->faults = (double)minflt;
    }
    if (f)
        fclose(f);
}

/* One run. Fills the time to the first line and from SIGTERM to exit, and
 * what the child spent until then. 0 or -1. */
static int run_once(char **cmd, int port, double *first_ms, double *stop_ms, struct spent *spent)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp(cmd[0], cmd);
        _exit(127);
    }
    close(fds[1]);
    nseen = 0;
    int rc = port ? wait_port(pid, port, t0 + WAIT_MS) : read_line(fds[0], pid, t0 + WAIT_MS);
    if (rc == -2)
        fprintf(stderr, "first-line: the command ended before it was ready\n");
    else if (rc != 0)
        fprintf(stderr, "first-line: not ready within %d ms\n", WAIT_MS);
    double t1 = now_ms();
    read_spent(pid, spent);
    kill(pid, SIGTERM);
    if (wait_exit(pid, port != 0) != 0)
        rc = -1;
    double t2 = now_ms();
    close(fds[0]);
    *first_ms = t1 - t0;
    *stop_ms = t2 - t1;
    return rc;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_stats(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), by_value);
    printf("%s: median %.2f ms (min %.2f, max %.2f, %d runs)\n", what, v[n / 2], v[0], v[n - 1], n);
}

static double median_of(struct spent *v, int n, size_t field, double *scratch)
{
    for (int i = 0; i < n; i++)
        scratch[i] = *(const double *)((const char *)&v[i] + field);
    qsort(scratch, (size_t)n, sizeof(*scratch), by_value);
    return scratch[n / 2];
}

int main(int argc, char **argv)
{
    int runs = 0, port = 0, argi = 1, code = 1;
    double *first = NULL, *stop = NULL;
    struct spent *spent = NULL;
    while (argi + 1 < argc && argv[argi][0] == '-' && argv[argi][1] != '-') {
        if (strcmp(argv[argi], "-n") == 0)
            runs = atoi(argv[argi + 1]);
        else if (strcmp(argv[argi], "-p") == 0)
            port = atoi(argv[argi + 1]);
        else
            break;
        argi += 2;
    }
    if (argi < argc && strcmp(argv[argi], "--") == 0)
        argi++;
    if (argi >= argc || runs < 0 || runs > RUNS_MAX || port < 0 || port > 65535) {
        fprintf(stderr, "usage: first-line [-n RUNS (1..%d)] [-p PORT] -- COMMAND [ARGS...]\n",
                RUNS_MAX);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (runs == 0) {
        double a, b;
        struct spent c;
        return run_once(argv + argi, port, &a, &b, &c) == 0 ? 0 : 1;
    }
    first = calloc((size_t)runs, sizeof(*first));
    stop = calloc((size_t)runs, sizeof(*stop));
    spent = calloc((size_t)runs, sizeof(*spent));
    if (!first || !stop || !spent)
        goto out;
    for (int i = 0; i < runs; i++) {
        if (run_once(argv + argi, port, &first[i], &stop[i], &spent[i]) != 0) {
            fprintf(stderr, "first-line: run %d failed\n", i + 1);
            goto out;
        }
    }
    print_stats(port ? "time to first connection" : "time to first line", first, runs);
    print_stats("SIGTERM to exit", stop, runs);
    /* first[] is sorted by now: a scratch array. */
    printf("until ready (its own process): median CPU %.2f ms, waiting for a CPU %.2f ms (threads "
           "summed), "
           "%.0f page faults\n",
           median_of(spent, runs, offsetof(struct spent, cpu_ms), first),
           median_of(spent, runs, offsetof(struct spent, wait_ms), first),
           median_of(spent, runs, offsetof(struct spent, faults), first));
    code = 0;
out:
    free(first);
    free(stop);
    free(spent);
    return code;
}
