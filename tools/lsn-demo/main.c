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
    int rc;

    if ((rc = demo_args(argc, argv, &c)))
        return rc == 1 ? 0 : rc;
    if (c.check)
        return check(&c);
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
