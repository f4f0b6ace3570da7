/* The host at work: recover, replay the log above the applied LSN, then
 * append and apply records while the trimmer cuts the log behind the
 * durable watermark (or, with --watchdog, behind forced flushes), and the
 * variant's lifecycle changes the database under it now and then. */
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

int demo_host_replay(demo_host_t *h, uint64_t *replayed)
{
    struct replay rp = {&h->d, 0, h->err, sizeof h->err};
    uint64_t min_applied = UINT64_MAX;

    for (unsigned p = 0; p < h->parts; p++)
        if (h->d.applied[p] < min_applied)
            min_applied = h->d.applied[p];
    if (demo_log_scan(&h->log, min_applied, replay_one, &rp, h->err,
                      sizeof h->err))
        return -1;
    if (replayed)
        *replayed += rp.applied;
    return 0;
}

int demo_host_append(demo_host_t *h, demo_record_t *rec)
{
    rec->lsn = h->log.next_lsn;
    rec->partition = demo_partition_of(rec->lsn, h->parts);
    rec->len = demo_payload_of(rec->lsn, rec->payload);
    if (demo_log_append(&h->log, rec)) {
        snprintf(h->err, sizeof h->err, "log append: %s", strerror(errno));
        return -1;
    }
    h->tot.appended++;
    return 0;
}

/* Recovery after open. The recovered watermark is a lower bound of what
 * the database holds (files rewritten without the plugin carry no
 * property); above the applied-LSN key it would be a broken promise, which
 * the first demo_durable_act catches. */
static int recover(demo_host_t *h)
{
    unsigned below = 0, above = 0;
    int r = h->pl.recover(h->t, h->d.db, h->c->db);

    if (r != LSN_TRACKER_OK) {
        snprintf(h->err, sizeof h->err, "lsn_tracker_recover: %s",
                 h->pl.strerror(r));
        return -1;
    }
    if (h->stale)
        demo_durable_seed(h, h->stale);
    memset(h->durable, 0, h->parts * sizeof(uint64_t));
    demo_durable_read(h);
    for (unsigned p = 0; p < h->parts; p++) {
        h->opened[p] = h->d.applied[p];
        h->distrust[p] = h->durable[p] > h->d.applied[p] ? h->durable[p] : 0;
        below += h->durable[p] < h->d.key[p];
        above += h->distrust[p] != 0;
    }
    if (below)
        printf("lsn-demo: recovered watermarks below the applied-LSN key in "
               "%u of %u partitions (files without the property?): taken "
               "as lower bounds\n", below, h->parts);
    if (above)
        printf("lsn-demo: recovered watermarks above the state in %u of %u "
               "partitions (the key was flushed without it): trimming only "
               "up to the state until a flush passes them\n", above,
               h->parts);
    return 0;
}

int demo_host_open_db(demo_host_t *h)
{
    lsn_tracker_stats_t st;

    if (demo_db_open(&h->d, h->c->db, h->v, h->parts, DEMO_DB_PLUGIN, h->err,
                     sizeof h->err))
        return -1;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    if (h->pl.stats(h->t, &st) || st.listeners == 0) {
        snprintf(h->err, sizeof h->err, "LsnFlushListener is not active (was "
                 "%.1000s loaded before the options were parsed?)", h->pl.path);
        return -1;
    }
    /* Flushes at open and during the last shutdown told no listener. */
    if (recover(h) || demo_durable_act(h))
        return -1;
    return demo_host_replay(h, &h->tot.replayed);
}

void demo_host_close_db(demo_host_t *h)
{
    demo_db_close(&h->d); /* flushes what is left, telling no listener */
}

static int verify(const demo_config_t *c, const demo_variant_t *v,
                  unsigned parts, char *err, size_t n)
{
    demo_db_t d;
    demo_log_t log;
    demo_check_t ck;
    int rc = -1;

    if (demo_log_open(&log, c->log, parts, c->seg_records, 1, err, n))
        return -1;
    if (demo_db_open(&d, c->db, v, parts, DEMO_DB_READ_ONLY, err, n) == 0 &&
        demo_check(&d, v, &log, c->report, NULL, 1, &ck, err, n) == 0) {
        printf("verify: ok: records %" PRIu64 "..%" PRIu64 " in the log, every "
               "record applied exactly once in %u partitions\n",
               ck.log_first, ck.log_last, parts);
        rc = 0;
    }
    demo_db_close(&d);
    demo_log_close(&log);
    return rc;
}

static int host_init(demo_host_t *h, const demo_config_t *c)
{
    memset(h, 0, sizeof(*h));
    h->c = c;
    h->v = demo_variant(c->variant);
    h->parts = c->partitions;
    h->tr.report_fd = -1;
    h->log.fd = -1;
    if (make_dirs(c->log)) {
        snprintf(h->err, sizeof h->err, "--log %s: %s", c->log,
                 strerror(errno));
        return -1;
    }
    if (demo_meta(c->log, &h->parts, c->variant, 1, h->err, sizeof h->err) ||
        demo_plugin_load(&h->pl, c->plugin, h->err, sizeof h->err) ||
        demo_log_open(&h->log, c->log, h->parts, c->seg_records, 0, h->err,
                      sizeof h->err))
        return -1;
    if (!(h->t = h->pl.open(DEMO_TRACKER))) {
        snprintf(h->err, sizeof h->err, "lsn_tracker_open failed");
        return -1;
    }
    h->durable = calloc(h->parts, sizeof(uint64_t));
    h->opened = calloc(h->parts, sizeof(uint64_t));
    h->distrust = calloc(h->parts, sizeof(uint64_t));
    h->bound = calloc(h->parts, sizeof(uint64_t));
    h->changed = calloc(h->parts, 1);
    if (!h->durable || !h->opened || !h->distrust || !h->bound ||
        !h->changed) {
        snprintf(h->err, sizeof h->err, "out of memory");
        return -1;
    }
    return demo_trimmer_init(&h->tr, c->report, h->parts, h->err,
                             sizeof h->err);
}

static void host_free(demo_host_t *h)
{
    demo_life_free(&h->life);
    demo_trimmer_close(&h->tr);
    demo_host_close_db(h);
    demo_log_close(&h->log);
    if (h->t)
        h->pl.close(h->t);
    free(h->durable);
    free(h->opened);
    free(h->distrust);
    free(h->bound);
    free(h->changed);
}

/* The old way: whatever was applied before the flush is trusted to be
 * durable after it. */
static int watchdog_flush(demo_host_t *h)
{
    uint64_t snap[DEMO_MAX_PARTITIONS];

    memcpy(snap, h->d.applied, h->parts * sizeof(uint64_t));
    if (demo_db_flush(&h->d, h->err, sizeof h->err))
        return -1;
    h->tot.forced_flushes++;
    memcpy(h->durable, snap, h->parts * sizeof(uint64_t));
    return demo_log_sync(&h->log) || demo_durable_act(h) ? -1 : 0;
}

static int work(demo_host_t *h, volatile int *stop)
{
    const demo_config_t *c = h->c;
    lsn_tracker_stats_t st;
    double start = now(), next_progress = start + c->progress;
    double next_watchdog = start + c->watchdog;
    int efd = h->pl.eventfd(h->t);
    uint64_t v;

    for (uint64_t i = 0;; i++) {
        double tnow = (i & 63) == 0 ? now() : 0;
        if (*stop || (c->records && h->tot.appended >= c->records) ||
            (!c->records && (c->seconds <= 0 ||
                             (tnow && tnow - start >= c->seconds))))
            break;
        if (tnow && c->rate && (double)h->tot.appended / (double)c->rate >
                                   tnow - start) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
        demo_record_t rec;
        if (demo_host_append(h, &rec) ||
            demo_db_apply(&h->d, &rec, h->err, sizeof h->err) ||
            demo_life_tick(h))
            return -1;
        if (!tnow)
            continue;
        if (c->watchdog > 0 && tnow >= next_watchdog) {
            if (watchdog_flush(h))
                return -1;
            next_watchdog = tnow + c->watchdog;
        } else if (c->watchdog <= 0 && efd >= 0 && read(efd, &v, 8) == 8) {
            demo_durable_read(h);
            if (demo_log_sync(&h->log) || demo_durable_act(h))
                return -1;
        }
        if (c->progress > 0 && tnow >= next_progress) {
            memset(&st, 0, sizeof st);
            st.size = sizeof st;
            h->pl.stats(h->t, &st);
            demo_progress(tnow - start, &h->log, &h->d, h->durable, &st,
                          h->tot.forced_flushes);
            next_progress = tnow + c->progress;
        }
    }
    h->tot.elapsed = now() - start;
    if (c->watchdog <= 0) {
        demo_durable_read(h);
        if (demo_durable_act(h))
            return -1;
    }
    return 0;
}

static void finish(demo_host_t *h)
{
    lsn_tracker_stats_t st;

    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    h->pl.stats(h->t, &st);
    h->tot.trimmed = h->log.trimmed;
    h->tot.flushes = st.flushes;
    h->tot.flushes_with_lsn = st.flushes_with_lsn;
    h->tot.advances = st.advances;
    h->tot.live_ssts = demo_db_live_ssts(&h->d);
    if (h->c->progress > 0) {
        demo_summary(h->c, &h->log, &h->d, h->durable, &h->tot);
        demo_life_summary(&h->life);
    }
}

int demo_run(const demo_config_t *c, volatile int *stop)
{
    demo_host_t *h = malloc(sizeof(*h));
    int rc = 1;

    if (!h) {
        fprintf(stderr, "lsn-demo: out of memory\n");
        return 1;
    }
    if (host_init(h, c) || demo_life_prepare(h) || demo_host_open_db(h) ||
        demo_life_start(h))
        goto out;
    if (c->progress > 0)
        printf("lsn-demo %s (plugin %s), variant %s, %u partitions: log "
               "%" PRIu64 "..%" PRIu64 ", %" PRIu64 " records replayed\n",
               h->pl.version(), h->pl.path, c->variant, h->parts,
               demo_log_first(&h->log), demo_log_last(&h->log),
               h->tot.replayed);
    if (work(h, stop))
        goto out;
    finish(h);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "lsn-demo: %s\n", h->err);
    host_free(h);
    if (rc == 0 && c->verify &&
        verify(c, demo_variant(c->variant), h->parts, h->err, sizeof h->err)) {
        fprintf(stderr, "lsn-demo: verify: %s\n", h->err);
        rc = 1;
    }
    free(h);
    return rc;
}
