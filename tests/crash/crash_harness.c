/* Kills lsn-demo with SIGKILL at random moments, again and again, and after
 * every kill runs `lsn-demo --check` on what was left (applied-LSN keys read
 * from SST files only >= every watermark reported before the kill in the
 * current incarnation; the log still holds every record above them and
 * above the restore points; the state is each record applied once). At the
 * end one clean run must apply the rest of the log, and --verify must find
 * every record applied exactly once.
 *
 * Each run gets its own --seed, so the lifecycle variants (destroy,
 * restore, dropcf, atomic-manual, ingest) meet their events at different
 * points of different runs. For the "ldb" variant the harness itself, now
 * and then between a kill and the restart, runs `ldb compact` without the
 * plugin (LD_PRELOAD unset), so that the live files lose the property, and
 * checks again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include "scratch.h"
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *demo = NULL, *variant = "default", *dir = NULL;
static const char *ldb = "ldb";
static char db[4200], logdir[4200], report[4200], out[4200];
static char partitions[16] = "6", rate[32] = "40000", segment[16] = "200";
static char seed_arg[32];
static char max_lag[32]; /* --max-lag MS for lsn-demo, empty: none */

/* Variants whose re-creations replay the whole log never trim it: a lower
 * rate keeps that log, and the replays, short. */
static const struct profile {
    const char *variant, *rate, *segment;
    int ldb; /* run ldb compact between a kill and the restart */
} profiles[] = {
    {"destroy", "10000", "1000", 0},
    {"dropcf", "10000", "1000", 0},
    {"ldb", NULL, NULL, 1},
};

static const struct profile *profile_of(const char *v)
{
    for (size_t i = 0; i < sizeof profiles / sizeof *profiles; i++)
        if (!strcmp(profiles[i].variant, v))
            return &profiles[i];
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* Starts lsn-demo with the common flags plus extra ones, output appended
 * to the harness's log file. */
static pid_t spawn(const char *const *extra)
{
    const char *argv[32] = {demo, "--db", db, "--log", logdir, "--report",
                            report, "--variant", variant, "--partitions",
                            partitions, "--segment-records", segment};
    int argc = 13;
    pid_t pid;

    while (*extra)
        argv[argc++] = *extra++;
    argv[argc] = NULL;
    if ((pid = fork()) == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(demo, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int run(const char *const *extra)
{
    int st;
    pid_t pid = spawn(extra);
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* `ldb --db=DB compact` as RocksDB ships it: no plugin, whatever the
 * environment preloads. Its output goes to the harness's log file. */
static int run_ldb(void)
{
    char arg[sizeof db + 8];
    int st;
    pid_t pid;

    snprintf(arg, sizeof arg, "--db=%s", db);
    if ((pid = fork()) == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        unsetenv("LD_PRELOAD");
        execlp(ldb, ldb, arg, "compact", (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* What the runs did, from their output: lifecycle events, recoveries that
 * found files without the property, and the final counts. */
static void tally(void)
{
    char cmd[2 * sizeof out + 512];

    snprintf(cmd, sizeof cmd,
             "awk '/^life: / { n[$2]++ } "
             "/^lsn-demo: recovered watermarks below/ { low++ } "
             "/^lsn-demo: recovered watermarks above/ { high++ } "
             "END { s = \"\"; for (k in n) s = s \" \" k \" \" n[k]; "
             "if (s != \"\") print \"  lifecycle:\" s; "
             "if (low) print \"  starts with watermarks recovered below the "
             "key: \" low; "
             "if (high) print \"  starts with watermarks recovered above the "
             "state: \" high }' '%s'; "
             "grep -E '^(check|verify):' '%s' | tail -n 2",
             out, out);
    fflush(stdout);
    if (system(cmd) != 0)
        fprintf(stderr, "(no summary)\n");
}

static void show_tail(void)
{
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "tail -n 20 '%s' >&2", out);
    if (system(cmd) != 0)
        fprintf(stderr, "(no output)\n");
}

static void usage(void)
{
    fprintf(stderr,
            "usage: crash_harness --demo PATH [--variant V] [--kills N | "
            "--soak N]\n"
            "       [--seed S] [--dir DIR] [--min-ms MS] [--max-ms MS] "
            "[--partitions N] [--rate N] [--segment-records N]\n"
            "       [--ldb PATH] [--max-lag MS] [--keep]\n");
}

int main(int argc, char **argv)
{
    long kills = 25, min_ms = 10, max_ms = 600;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    int keep = 0, startup_kills = 0, ldb_runs = 0, rate_set = 0,
        segment_set = 0;
    char *tmp = NULL;
    double t0 = now();

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--keep")) {
            keep = 1;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        i++;
        if (!strcmp(a, "--demo"))
            demo = v;
        else if (!strcmp(a, "--variant"))
            variant = v;
        else if (!strcmp(a, "--kills") || !strcmp(a, "--soak"))
            kills = atol(v);
        else if (!strcmp(a, "--seed"))
            seed = (unsigned)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--dir"))
            dir = v;
        else if (!strcmp(a, "--min-ms"))
            min_ms = atol(v);
        else if (!strcmp(a, "--max-ms"))
            max_ms = atol(v);
        else if (!strcmp(a, "--partitions"))
            snprintf(partitions, sizeof partitions, "%s", v);
        else if (!strcmp(a, "--rate"))
            rate_set = snprintf(rate, sizeof rate, "%s", v);
        else if (!strcmp(a, "--segment-records"))
            segment_set = snprintf(segment, sizeof segment, "%s", v);
        else if (!strcmp(a, "--ldb"))
            ldb = v;
        else if (!strcmp(a, "--max-lag"))
            snprintf(max_lag, sizeof max_lag, "%s", v);
        else {
            usage();
            return 2;
        }
    }
    if (!demo || kills < 1 || min_ms < 0 || max_ms < min_ms) {
        usage();
        return 2;
    }
    const struct profile *prof = profile_of(variant);
    if (prof && prof->rate && !rate_set)
        snprintf(rate, sizeof rate, "%s", prof->rate);
    if (prof && prof->segment && !segment_set)
        snprintf(segment, sizeof segment, "%s", prof->segment);
    if (!dir) {
        if (!(tmp = lsn_scratch_make("lsn-crash-", variant))) {
            perror("mkdtemp");
            return 1;
        }
        dir = tmp;
    } else if (mkdir(dir, 0755) && errno != EEXIST) {
        fprintf(stderr, "crash_harness: --dir %s: %s\n", dir, strerror(errno));
        return 1;
    }
    snprintf(db, sizeof db, "%s/db", dir);
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    snprintf(report, sizeof report, "%s/report", dir);
    snprintf(out, sizeof out, "%s/demo.out", dir);
    srand(seed);
    printf("crash_harness: variant %s, %ld kills, seed %u, rate %s/s%s%s%s, "
           "dir %s\n", variant, kills, seed, rate,
           *max_lag ? ", max lag " : "", max_lag, *max_lag ? " ms" : "", dir);
    fflush(stdout);

    /* With --max-lag the writer and the final run bound the lag: the
     * tracker's poller flushes while the kills land. */
    const char *writer[] = {"--seconds", "100000", "--progress", "0",
                            "--rate", rate, "--seed", seed_arg,
                            *max_lag ? "--max-lag" : NULL, max_lag, NULL};
    const char *checker[] = {"--check", NULL};
    for (long k = 1; k <= kills; k++) {
        long delay = min_ms + rand() % (max_ms - min_ms + 1);
        snprintf(seed_arg, sizeof seed_arg, "%lu",
                 (unsigned long)seed * 100003ul + (unsigned long)k);
        pid_t pid = spawn(writer);
        int st;
        double until = now() + (double)delay / 1000;

        if (pid < 0) {
            perror("fork");
            return 1;
        }
        while (now() < until) {
            if (waitpid(pid, &st, WNOHANG) == pid) {
                int audit = WIFEXITED(st) && WEXITSTATUS(st) == 3;
                fprintf(stderr, "FAIL: kill %ld: lsn-demo ended by itself "
                        "(status %d%s) before the kill; its output:\n", k, st,
                        audit ? ": its audit found a watermark ahead of the "
                        "database" : "");
                show_tail();
                fprintf(stderr, "state kept in %s\n", dir);
                return 1;
            }
            sleep_ms(2);
        }
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        if (delay < 60)
            startup_kills++;
        int rc = run(checker);
        if (rc == 0 && prof && prof->ldb && rand() % 2 == 0) {
            if ((rc = run_ldb()) != 0) {
                fprintf(stderr, "FAIL: kill %ld: %s compact exited %d; "
                        "output:\n", k, ldb, rc);
                show_tail();
                return 1;
            }
            ldb_runs++;
            rc = run(checker);
        }
        if (rc != 0) {
            fprintf(stderr, "FAIL: kill %ld (after %ld ms): check exited %d; "
                    "output:\n", k, delay, rc);
            show_tail();
            fprintf(stderr, "state kept in %s\n", dir);
            return 1;
        }
        if (k % 50 == 0 || k == kills) {
            printf("  %ld kills, %.0f s\n", k, now() - t0);
            fflush(stdout);
        }
    }
    /* A clean finish: replay whatever is left, then every record must have
     * been applied exactly once. */
    const char *finish[] = {"--seconds", "0", "--progress", "1", "--verify",
                            *max_lag ? "--max-lag" : NULL, max_lag, NULL};
    if (run(finish) != 0) {
        fprintf(stderr, "FAIL: final replay and verify; output:\n");
        show_tail();
        fprintf(stderr, "state kept in %s\n", dir);
        return 1;
    }
    tally();
    if (ldb_runs)
        printf("  ldb compact runs between a kill and the restart: %d\n",
               ldb_runs);
    printf("crash_harness: PASS: variant %s, %ld kills (%d within 60 ms of "
           "start), every check passed, %.0f s\n", variant, kills,
           startup_kills, now() - t0);
    if (!keep) {
        lsn_scratch_remove(dir);
    }
    free(tmp);
    return 0;
}
