/* The host at work: recover, replay the log above the applied LSN, then
 * append and apply records while the trimmer cuts the log behind the
 * durable watermark (or, with --watchdog, behind forced flushes). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"

/* mkdir -p: the log directory and its parents. */
static int make_dirs(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);

    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct replay {
    demo_db_t *d;
    uint64_t applied;
    char *err;
    size_t n;
};

static int replay_one(void *arg, const demo_record_t *r)
{
    struct replay *rp = arg;
    if (r->lsn <= rp->d->applied[r->partition])
        return 0; /* its effects are already in the state */
    if (demo_db_apply(rp->d, r, rp->err, rp->n))
        return -1;
    rp->applied++;
    return 0;
}

static void read_durable(const demo_plugin_t *pl, lsn_tracker_t *t,
                         unsigned parts, uint64_t *durable)
{
    for (unsigned p = 0; p < parts; p++) {
        uint64_t v;
        if (pl->get(t, "default", p, &v) == LSN_TRACKER_OK)
            durable[p] = v;
    }
}

static int verify(const demo_config_t *c, unsigned parts, char *err, size_t n)
{
    demo_db_t d;
    demo_log_t log;
    demo_check_t ck;
    int rc = -1;

    if (demo_log_open(&log, c->log, parts, c->seg_records, 1, err, n))
        return -1;
    if (demo_db_open(&d, c->db, NULL, demo_variant_cfs(c->variant), parts, 1,
                     err, n) == 0 &&
        demo_check(&d, &log, c->report, 1, &ck, err, n) == 0) {
        printf("verify: ok: records %" PRIu64 "..%" PRIu64 " in the log, every "
               "record applied exactly once in %u partitions\n",
               ck.log_first, ck.log_last, parts);
        rc = 0;
    }
    demo_db_close(&d);
    demo_log_close(&log);
    return rc;
}

int demo_run(const demo_config_t *c, volatile int *stop)
{
    demo_plugin_t pl;
    demo_log_t log;
    demo_db_t d;
    demo_trimmer_t tr;
    demo_totals_t tot;
    lsn_tracker_t *t = NULL;
    lsn_tracker_stats_t st;
    unsigned parts = c->partitions;
    uint64_t *durable = NULL, *snap = NULL, v;
    char err[2048];
    double start, next_progress, next_watchdog;
    int efd, rc = 1;

    memset(&tot, 0, sizeof tot);
    memset(&log, 0, sizeof log);
    memset(&d, 0, sizeof d);
    memset(&tr, 0, sizeof tr);
    tr.report_fd = -1;
    log.fd = -1;
    if (make_dirs(c->log)) {
        fprintf(stderr, "lsn-demo: --log %s: %s\n", c->log, strerror(errno));
        return 1;
    }
    if (demo_meta(c->log, &parts, c->variant, 1, err, sizeof err) ||
        demo_plugin_load(&pl, c->plugin, err, sizeof err) ||
        demo_log_open(&log, c->log, parts, c->seg_records, 0, err, sizeof err))
        goto fail;
    if (!(t = pl.open(DEMO_TRACKER))) {
        snprintf(err, sizeof err, "lsn_tracker_open failed");
        goto fail;
    }
    if (demo_db_open(&d, c->db, demo_variant_options(c->variant),
                     demo_variant_cfs(c->variant), parts, 0, err, sizeof err))
        goto fail;
    st.size = sizeof st;
    if (pl.stats(t, &st) || st.listeners == 0) {
        snprintf(err, sizeof err, "LsnFlushListener is not active (was %.1000s "
                 "loaded before the options were parsed?)", pl.path);
        goto fail;
    }
    durable = calloc(parts, sizeof(uint64_t));
    snap = calloc(parts, sizeof(uint64_t));
    if (!durable || !snap) {
        snprintf(err, sizeof err, "out of memory");
        goto fail;
    }
    /* Flushes at open and during the last shutdown told no listener. */
    int r = pl.recover(t, d.db, c->db);
    if (r != LSN_TRACKER_OK) {
        snprintf(err, sizeof err, "lsn_tracker_recover: %s", pl.strerror(r));
        goto fail;
    }
    read_durable(&pl, t, parts, durable);
    for (unsigned p = 0; p < parts; p++)
        if (durable[p] != d.applied[p]) {
            snprintf(err, sizeof err, "partition %u: recovered watermark %"
                     PRIu64 " but the reopened database applied %" PRIu64, p,
                     durable[p], d.applied[p]);
            goto fail;
        }
    if (demo_trimmer_init(&tr, c->report, parts, err, sizeof err) ||
        demo_trimmer_run(&tr, &log, durable, err, sizeof err) < 0)
        goto fail;
    struct replay rp = {&d, 0, err, sizeof err};
    uint64_t min_applied = UINT64_MAX;
    for (unsigned p = 0; p < parts; p++)
        if (d.applied[p] < min_applied)
            min_applied = d.applied[p];
    if (demo_log_scan(&log, min_applied, replay_one, &rp, err, sizeof err))
        goto fail;
    tot.replayed = rp.applied;
    if (c->progress > 0)
        printf("lsn-demo %s (plugin %s), variant %s, %u partitions: log "
               "%" PRIu64 "..%" PRIu64 ", %" PRIu64 " records replayed\n",
               pl.version(), pl.path, c->variant, parts, demo_log_first(&log),
               demo_log_last(&log), tot.replayed);

    efd = pl.eventfd(t);
    start = now();
    next_progress = start + c->progress;
    next_watchdog = start + c->watchdog;
    for (uint64_t i = 0;; i++) {
        double tnow = (i & 63) == 0 ? now() : 0;
        if (*stop || (c->records && tot.appended >= c->records) ||
            (!c->records && (c->seconds <= 0 ||
                             (tnow && tnow - start >= c->seconds))))
            break;
        if (tnow && c->rate && (double)tot.appended / (double)c->rate >
                                   tnow - start) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
        demo_record_t rec;
        rec.lsn = log.next_lsn;
        rec.partition = demo_partition_of(rec.lsn, parts);
        rec.len = demo_payload_of(rec.lsn, rec.payload);
        if (demo_log_append(&log, &rec)) {
            snprintf(err, sizeof err, "log append: %s", strerror(errno));
            goto fail;
        }
        if (demo_db_apply(&d, &rec, err, sizeof err))
            goto fail;
        tot.appended++;
        if (!tnow)
            continue;
        if (c->watchdog > 0 && tnow >= next_watchdog) {
            /* The old way: whatever was applied before the flush is
             * trusted to be durable after it. */
            memcpy(snap, d.applied, parts * sizeof(uint64_t));
            if (demo_db_flush(&d, err, sizeof err))
                goto fail;
            tot.forced_flushes++;
            memcpy(durable, snap, parts * sizeof(uint64_t));
            next_watchdog = tnow + c->watchdog;
            if (demo_log_sync(&log) ||
                demo_trimmer_run(&tr, &log, durable, err, sizeof err) < 0)
                goto fail;
        } else if (c->watchdog <= 0 && efd >= 0 && read(efd, &v, 8) == 8) {
            read_durable(&pl, t, parts, durable);
            if (demo_log_sync(&log) ||
                demo_trimmer_run(&tr, &log, durable, err, sizeof err) < 0)
                goto fail;
        }
        if (c->progress > 0 && tnow >= next_progress) {
            pl.stats(t, &st);
            demo_progress(tnow - start, &log, &d, durable, &st,
                          tot.forced_flushes);
            next_progress = tnow + c->progress;
        }
    }
    tot.elapsed = now() - start;
    if (c->watchdog <= 0) {
        read_durable(&pl, t, parts, durable);
        if (demo_trimmer_run(&tr, &log, durable, err, sizeof err) < 0)
            goto fail;
    }
    pl.stats(t, &st);
    tot.trimmed = log.trimmed;
    tot.flushes = st.flushes;
    tot.flushes_with_lsn = st.flushes_with_lsn;
    tot.advances = st.advances;
    tot.live_ssts = demo_db_live_ssts(&d);
    if (c->progress > 0)
        demo_summary(c, &log, &d, durable, &tot);
    rc = 0;
fail:
    if (rc)
        fprintf(stderr, "lsn-demo: %s\n", err);
    demo_trimmer_close(&tr);
    demo_db_close(&d); /* flushes what is left, telling no listener */
    demo_log_close(&log);
    if (t)
        pl.close(t);
    free(durable);
    free(snap);
    if (rc == 0 && c->verify && verify(c, parts, err, sizeof err)) {
        fprintf(stderr, "lsn-demo: verify: %s\n", err);
        rc = 1;
    }
    return rc;
}
