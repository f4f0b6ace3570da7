/* lsn-demo: command line, temporary directory, and the --check mode the
 * crash harness runs on what a killed process left behind. */
#define _GNU_SOURCE
#include <errno.h>
#include "scratch.h"
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"

static volatile int stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
"usage: lsn-demo [options]\n"
"  Applies its own log into RocksDB (WAL off) and trims the log up to the\n"
"  durable watermark of liblsn_tracker.so. Without --db/--log it runs in a\n"
"  temporary directory for a few seconds and removes it.\n"
"  --db DIR            database directory (with --log)\n"
"  --log DIR           log directory (with --db)\n"
"  --partitions N      partitions, 1..%d (default 4; fixed when the log is made)\n"
"  --records N         append N records, then stop\n"
"  --seconds S         run S seconds (default 3; 0 = recover and replay only)\n"
"  --rate N            at most N records per second (default: unlimited)\n"
"  --watchdog S        the old way: force a flush every S seconds and trust\n"
"                      the applied LSN read before it\n"
"  --variant V         RocksDB settings: default, concurrent (4 flush jobs),\n"
"                      atomic (3 column families, atomic_flush), mempurge\n"
"                      (one flush thread), mempurge-concurrent (with 4 flush\n"
"                      jobs; RocksDB 7.8.3 may hang its close there)\n"
"  --segment-records N records per log segment (default 1000)\n"
"  --report FILE       append every watermark acted on, synced, before acting\n"
"  --plugin PATH       liblsn_tracker.so to load (else $LSN_TRACKER_SO, the\n"
"                      build tree, then liblsn_tracker.so.0)\n"
"  --progress S        seconds between progress lines (default 1; 0 = quiet)\n"
"  --verify            at the end, check every record was applied exactly once\n"
"  --check             only check what a killed run left (needs --db, --log)\n",
            DEMO_MAX_PARTITIONS);
}

static int num(const char *flag, const char *s, double lo, double hi,
               double *out)
{
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "lsn-demo: %s: expected a number in [%g, %g], got "
                "'%s'\n", flag, lo, hi, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

static int check(const demo_config_t *c)
{
    demo_db_t d, *dp = NULL;
    demo_log_t log;
    demo_check_t ck;
    unsigned parts = 0;
    char err[2048], current[4200];
    int rc = 1;

    memset(&d, 0, sizeof d);
    if (demo_meta(c->log, &parts, c->variant, 0, err, sizeof err)) {
        /* Killed before the log existed: nothing to hold it to. */
        if (errno == ENOENT) {
            printf("check: ok: nothing written yet\n");
            return 0;
        }
        fprintf(stderr, "lsn-demo: check: %s\n", err);
        return 1;
    }
    if (demo_log_open(&log, c->log, parts, c->seg_records, 1, err, sizeof err)) {
        fprintf(stderr, "lsn-demo: check: %s\n", err);
        return 1;
    }
    snprintf(current, sizeof current, "%s/CURRENT", c->db);
    if (access(current, F_OK) == 0) {
        if (demo_db_open(&d, c->db, NULL, demo_variant_cfs(c->variant), parts,
                         1, err, sizeof err))
            goto out;
        dp = &d;
    }
    if (demo_check(dp, &log, c->report, c->verify, &ck, err, sizeof err))
        goto out;
    printf("check: ok: %u partitions, applied LSNs sum %" PRIu64 ", %" PRIu64
           " watermarks reported, log %" PRIu64 "..%" PRIu64 "%s\n", parts,
           ck.applied_total, ck.watermarks, ck.log_first, ck.log_last,
           log.torn ? " (torn tail)" : "");
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "lsn-demo: check: FAILED: %s\n", err);
    demo_db_close(&d);
    demo_log_close(&log);
    return rc;
}

int main(int argc, char **argv)
{
    demo_config_t c = {.partitions = 0, .seconds = 3, .progress = 1,
                       .seg_records = 1000, .variant = "default"};
    char *tmp = NULL, dbdir[4200], logdir[4200];
    int check_only = 0, rc;
    double v;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE()                                                                \
    do {                                                                      \
        if (!val) {                                                           \
            fprintf(stderr, "lsn-demo: %s needs a value\n", a);               \
            return 2;                                                         \
        }                                                                     \
        i++;                                                                  \
    } while (0)
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--db")) {
            TAKE(); c.db = val;
        } else if (!strcmp(a, "--log")) {
            TAKE(); c.log = val;
        } else if (!strcmp(a, "--report")) {
            TAKE(); c.report = val;
        } else if (!strcmp(a, "--plugin")) {
            TAKE(); c.plugin = val;
        } else if (!strcmp(a, "--variant")) {
            TAKE(); c.variant = val;
            if (!demo_variant_options(val)) {
                fprintf(stderr, "lsn-demo: --variant: unknown '%s' (default, "
                        "concurrent, atomic, mempurge, mempurge-concurrent)\n", val);
                return 2;
            }
        } else if (!strcmp(a, "--partitions")) {
            TAKE();
            if (num(a, val, 1, DEMO_MAX_PARTITIONS, &v) || v != (unsigned)v)
                return 2;
            c.partitions = (unsigned)v;
        } else if (!strcmp(a, "--records")) {
            TAKE();
            if (num(a, val, 0, 1e12, &v))
                return 2;
            c.records = (uint64_t)v;
            c.seconds = 0;
        } else if (!strcmp(a, "--seconds")) {
            TAKE();
            if (num(a, val, 0, 1e7, &c.seconds))
                return 2;
            c.records = 0;
        } else if (!strcmp(a, "--rate")) {
            TAKE();
            if (num(a, val, 0, 1e9, &v))
                return 2;
            c.rate = (uint64_t)v;
        } else if (!strcmp(a, "--watchdog")) {
            TAKE();
            if (num(a, val, 0.001, 1e6, &c.watchdog))
                return 2;
        } else if (!strcmp(a, "--progress")) {
            TAKE();
            if (num(a, val, 0, 1e6, &c.progress))
                return 2;
        } else if (!strcmp(a, "--segment-records")) {
            TAKE();
            if (num(a, val, 1, 1e9, &v))
                return 2;
            c.seg_records = (uint32_t)v;
        } else if (!strcmp(a, "--verify")) {
            c.verify = 1;
        } else if (!strcmp(a, "--check")) {
            check_only = 1;
        } else {
            fprintf(stderr, "lsn-demo: unknown option '%s' (see --help)\n", a);
            return 2;
        }
    }
    if (!c.db != !c.log) {
        fprintf(stderr, "lsn-demo: give both --db and --log, or neither\n");
        return 2;
    }
    if (check_only) {
        if (!c.db) {
            fprintf(stderr, "lsn-demo: --check needs --db and --log\n");
            return 2;
        }
        return check(&c);
    }
    if (!c.db) {
        if (!(tmp = lsn_scratch_make("lsn-demo", NULL))) {
            fprintf(stderr, "lsn-demo: cannot make a temporary directory: %s\n",
                    strerror(errno));
            return 1;
        }
        snprintf(dbdir, sizeof dbdir, "%s/db", tmp);
        snprintf(logdir, sizeof logdir, "%s/log", tmp);
        c.db = dbdir;
        c.log = logdir;
        if (c.progress > 0)
            printf("lsn-demo: working in %s (removed at exit)\n", tmp);
    }
    if (!c.partitions) {
        /* Keep what the log was made with; 4 for a new one. */
        unsigned p = 0;
        char err[512];
        c.partitions = demo_meta(c.log, &p, c.variant, 0, err, sizeof err) == 0
                           ? p : 4;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    rc = demo_run(&c, &stop);
    if (tmp) {
        lsn_scratch_remove(tmp);
        free(tmp);
    }
    return rc;
}
