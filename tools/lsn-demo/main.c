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
#include <time.h>
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
"  --rate N            N records per second, paced on the monotonic clock\n"
"                      (default: as fast as it goes)\n"
"  --watchdog S        the old way: force a flush every S seconds and trust\n"
"                      the applied LSN read before it\n"
"  --max-lag MS        bound the trim lag: max_lag_ms=MS on the listener and\n"
"                      lsn_tracker_attach after every open (detach before\n"
"                      every close or dropped column family)\n"
"  --write-buffer B    write_buffer_size in bytes instead of the variant's\n"
"  --drain S           after the last append, watch the watermark up to S\n"
"                      more seconds, until it covers every record (default 0)\n"
"  --json              end with one JSON line: records, rate, flushes, forced\n"
"                      flushes, live SSTs and bytes, trim lag per record\n"
"                      (append to covered by the durable watermark)\n"
"  --variant V         RocksDB settings: default, concurrent (4 flush jobs),\n"
"                      atomic (3 column families, atomic_flush), mempurge\n"
"                      (one flush thread), mempurge-concurrent (with 4 flush\n"
"                      jobs; RocksDB 7.8.3 may hang its close there);\n"
"                      and lifecycles, where the database changes while the\n"
"                      host runs (every few thousand records, see --seed):\n"
"                      destroy (destroyed, re-created empty, the whole log\n"
"                      replayed; the log is never trimmed), restore\n"
"                      (checkpoints in DB.ckpt; an older one restored in\n"
"                      place; the log kept above the oldest), dropcf\n"
"                      (partitions in column families g0..g2; one dropped,\n"
"                      re-created and rebuilt from the untrimmed log), ldb\n"
"                      (default settings; the crash harness runs ldb compact\n"
"                      between runs), atomic-manual (key and state in two\n"
"                      families, atomic_flush; the key's family often\n"
"                      flushed alone, lsn_tracker_flush_all now and then),\n"
"                      ingest (batches ingested as SST files; now and then a\n"
"                      file of older states and of numbers above the newest\n"
"                      ingested behind everything)\n"
"  --seed N            the lifecycle's schedule (default: time and pid)\n"
"  --segment-records N records per log segment (default 1000)\n"
"  --report FILE       append every watermark acted on, synced, before acting\n"
"  --plugin PATH       liblsn_tracker.so to load (else $LSN_TRACKER_SO, the\n"
"                      build tree, then liblsn_tracker.so.0)\n"
"  --progress S        seconds between progress lines (default 1; 0 = quiet)\n"
"  --verify            at the end, check every record was applied exactly once\n"
"  --check             only check what a killed run left (needs --db, --log)\n"
"  --fault F           for tests, simulate a broken tracker: stale (it keeps\n"
"                      the old incarnation's watermarks after a destroy,\n"
"                      restore or drop), behind (it raises from files\n"
"                      ingested behind), partial (it raises from a flush of\n"
"                      the applied-LSN key's family alone); the demo must\n"
"                      stop with AUDIT, and --check must fail\n"
"  Every watermark is checked against the database before the log is cut\n"
"  on it; one ahead of what is persisted stops the demo at once (exit 3).\n",
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

/* The database --check judges: the one at --db, or, while a lifecycle
 * step is pending, the one that step will leave (none for a destroy, the
 * checkpoint for a restore). Returns 1 with *d open, 0 for "nothing
 * applied", -1 on error. */
static int open_judged(const demo_config_t *c, const demo_variant_t *v,
                       unsigned parts, const demo_ckpts_t *ck, demo_db_t *d,
                       char *err, size_t n)
{
    char what[128], path[4300];
    uint64_t seq;
    int r = demo_intent_get(c->log, what, sizeof what, err, n);

    if (r < 0)
        return -1;
    if (r && !strcmp(what, "destroy"))
        return 0;
    if (r && sscanf(what, "restore %" SCNu64, &seq) == 1) {
        if (!demo_ckpts_find(ck, seq)) {
            snprintf(err, n, "pending restore of checkpoint %" PRIu64
                     ", which is gone", seq);
            return -1;
        }
        demo_ckpts_path(ck, seq, path, sizeof path);
    } else {
        snprintf(path, sizeof path, "%s/CURRENT", c->db);
        if (access(path, F_OK))
            return 0;
        snprintf(path, sizeof path, "%s", c->db);
    }
    return demo_db_open(d, path, v, parts, DEMO_DB_READ_ONLY, err, n) ? -1 : 1;
}

static int check(const demo_config_t *c)
{
    const demo_variant_t *v = demo_variant(c->variant);
    uint64_t floor[DEMO_MAX_PARTITIONS];
    demo_ckpts_t ck;
    demo_db_t d;
    demo_log_t log;
    demo_check_t res;
    unsigned parts = 0;
    char err[2048];
    int rc = 1, r;

    memset(&d, 0, sizeof d);
    memset(&ck, 0, sizeof ck);
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
    if (demo_ckpts_load(&ck, c->db, parts, 0, err, sizeof err) ||
        (r = open_judged(c, v, parts, &ck, &d, err, sizeof err)) < 0)
        goto out;
    /* Restore points: the checkpoints, or, where a re-creation replays
     * the whole log, its start. */
    demo_ckpts_floor(&ck, floor);
    if (v->keeps_log)
        memset(floor, 0, sizeof floor);
    if (demo_check(r ? &d : NULL, v, &log, c->report,
                   ck.n || v->keeps_log ? floor : NULL, c->verify, &res, err,
                   sizeof err))
        goto out;
    printf("check: ok: %u partitions, applied LSNs sum %" PRIu64 ", %" PRIu64
           " watermarks reported, %" PRIu64 " incarnation markers, "
           "%zu checkpoints, log %" PRIu64 "..%" PRIu64 "%s\n", parts,
           res.applied_total, res.watermarks, res.markers, ck.n,
           res.log_first, res.log_last, log.torn ? " (torn tail)" : "");
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "lsn-demo: check: FAILED: %s\n", err);
    demo_db_close(&d);
    demo_ckpts_free(&ck);
    demo_log_close(&log);
    return rc;
}

int main(int argc, char **argv)
{
    demo_config_t c = {.partitions = 0, .seconds = 3, .progress = 1,
                       .seg_records = 1000, .variant = "default",
                       .seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid()};
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
            if (!demo_variant(val)) {
                fprintf(stderr, "lsn-demo: --variant: unknown '%s' (", val);
                demo_variant_names(stderr);
                fprintf(stderr, ")\n");
                return 2;
            }
        } else if (!strcmp(a, "--seed")) {
            TAKE();
            if (num(a, val, 0, 1e18, &v))
                return 2;
            c.seed = (uint64_t)v;
        } else if (!strcmp(a, "--fault")) {
            TAKE(); c.fault = val;
            if (strcmp(val, "stale") && strcmp(val, "behind") &&
                strcmp(val, "partial")) {
                fprintf(stderr, "lsn-demo: --fault: unknown '%s' (stale, "
                        "behind, partial)\n", val);
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
        } else if (!strcmp(a, "--max-lag")) {
            TAKE();
            if (num(a, val, 1, 86400000, &v) || v != (uint64_t)v)
                return 2;
            c.max_lag_ms = (uint64_t)v;
        } else if (!strcmp(a, "--write-buffer")) {
            TAKE();
            if (num(a, val, 65536, 1e12, &v))
                return 2;
            c.write_buffer = (uint64_t)v;
        } else if (!strcmp(a, "--drain")) {
            TAKE();
            if (num(a, val, 0, 1e6, &c.drain))
                return 2;
        } else if (!strcmp(a, "--json")) {
            c.json = 1;
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
    /* Whole lines even when killed: the crash harness counts them. */
    setvbuf(stdout, NULL, _IOLBF, 0);
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
