/* The host at work: recover, replay the log above the applied LSN, then
 * append and apply records while the trimmer cuts the log behind the
 * durable watermark (or, with --watchdog, behind forced flushes), and the
 * variant's lifecycle changes the database under it now and then. */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stddef.h>
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
    if (h->lag &&
        demo_lag_append(h->lag, (unsigned)rec->partition, rec->lsn, now())) {
        snprintf(h->err, sizeof h->err, "out of memory");
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
    int r = h->pl.abi.recover(h->t, h->d.db, h->c->db);

    if (r != LSN_TRACKER_OK) {
        snprintf(h->err, sizeof h->err, "lsn_tracker_recover: %s",
                 h->pl.abi.strerror(r));
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
    if (h->pl.abi.stats(h->t, &st) || st.listeners == 0) {
        snprintf(h->err, sizeof h->err, "LsnFlushListener is not active (was "
                 "%.1000s loaded before the options were parsed?)", h->pl.path);
        return -1;
    }
    /* Flushes at open and during the last shutdown told no listener. */
    if (recover(h) || demo_durable_act(h) || demo_host_attach(h))
        return -1;
    return demo_host_replay(h, &h->tot.replayed);
}

int demo_host_attach(demo_host_t *h)
{
    int r;

    if (!h->c->max_lag_ms || h->attached)
        return 0;
    r = h->pl.abi.attach(h->t, h->d.db, h->d.cf, h->v->ncf);
    if (r != LSN_TRACKER_OK) {
        snprintf(h->err, sizeof h->err, "lsn_tracker_attach: %s",
                 h->pl.abi.strerror(r));
        return -1;
    }
    h->attached = 1;
    return 0;
}

void demo_host_detach(demo_host_t *h)
{
    if (!h->attached)
        return;
    h->pl.abi.detach(h->t); /* OK, or NOT_FOUND if a close got there first */
    h->attached = 0;
}

void demo_host_close_db(demo_host_t *h)
{
    demo_host_detach(h);
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

/* The variant's options with --max-lag's max_lag_ms on the listener and
 * --write-buffer's write_buffer_size. */
static int edit_options(demo_host_t *h)
{
    static const char listener[] = "tracker=" DEMO_TRACKER "}";
    const char *o = h->v->options, *at = strstr(o, listener);
    const char *wb = strstr(o, "write_buffer_size=");
    char tmp[sizeof h->options / 2];
    int k;

    h->vbuf = *h->v;
    if (!at) {
        snprintf(h->err, sizeof h->err, "variant %s: no listener to set "
                 "max_lag_ms on", h->v->name);
        return -1;
    }
    /* Up to the listener's closing brace, max_lag_ms, then the rest. */
    k = snprintf(tmp, sizeof tmp, "%.*s", (int)(at - o + sizeof listener - 2),
                 o);
    if (h->c->max_lag_ms)
        k += snprintf(tmp + k, sizeof tmp - (size_t)k, ";max_lag_ms=%" PRIu64,
                      h->c->max_lag_ms);
    snprintf(tmp + k, sizeof tmp - (size_t)k, "%s", at + sizeof listener - 2);
    if (h->c->write_buffer && wb) {
        /* The variant's write_buffer_size (it is not inside the listener). */
        const char *w = strstr(tmp, "write_buffer_size="), *end;
        end = w + strcspn(w, ";");
        snprintf(h->options, sizeof h->options, "%.*swrite_buffer_size=%"
                 PRIu64 "%s", (int)(w - tmp), tmp, h->c->write_buffer, end);
    } else if (h->c->write_buffer) {
        snprintf(h->options, sizeof h->options, "write_buffer_size=%" PRIu64
                 ";%s", h->c->write_buffer, tmp);
    } else {
        snprintf(h->options, sizeof h->options, "%s", tmp);
    }
    h->vbuf.options = h->options;
    return 0;
}

static int host_init(demo_host_t *h, const demo_config_t *c)
{
    memset(h, 0, sizeof(*h));
    h->c = c;
    h->v = demo_variant(c->variant);
    h->parts = c->partitions;
    if (c->max_lag_ms || c->write_buffer) {
        if (edit_options(h))
            return -1;
        h->v = &h->vbuf;
    }
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
    if (!(h->t = h->pl.abi.open(DEMO_TRACKER))) {
        snprintf(h->err, sizeof h->err, "lsn_tracker_open failed");
        return -1;
    }
    h->durable = calloc(h->parts, sizeof(uint64_t));
    h->opened = calloc(h->parts, sizeof(uint64_t));
    h->distrust = calloc(h->parts, sizeof(uint64_t));
    h->bound = calloc(h->parts, sizeof(uint64_t));
    h->changed = calloc(h->parts, 1);
    h->lag = demo_lag_new(h->parts);
    if (!h->durable || !h->opened || !h->distrust || !h->bound ||
        !h->changed || !h->lag) {
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
        h->pl.abi.close(h->t);
    free(h->durable);
    free(h->opened);
    free(h->distrust);
    free(h->bound);
    free(h->changed);
    demo_lag_free(h->lag);
    h->lag = NULL;
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
    /* Covered from here on, whatever acting on it then costs. */
    if (demo_lag_cover(h->lag, h->durable, now())) {
        snprintf(h->err, sizeof h->err, "out of memory");
        return -1;
    }
    return demo_log_sync(&h->log) || demo_durable_act(h) ? -1 : 0;
}

static uint64_t tracker_forced(demo_host_t *h)
{
    lsn_tracker_stats_t st;

    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    return h->pl.abi.stats(h->t, &st) == LSN_TRACKER_OK &&
                   st.size >= offsetof(lsn_tracker_stats_t, forced_flushes) + 8
               ? st.forced_flushes : 0;
}

/* Sleeps until the monotonic time wake, or until the tracker signals an
 * advance, whichever comes first. */
static void wait_until(int efd, double wake)
{
    double d = wake - now();
    struct pollfd pfd = {efd, POLLIN, 0};
    struct timespec ts;

    if (d <= 0)
        return;
    ts.tv_sec = (time_t)d;
    ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
    if (efd >= 0)
        ppoll(&pfd, 1, &ts, NULL);
    else
        nanosleep(&ts, NULL);
}

/* Everything but appending: the tracker's advances (or the watchdog's
 * flush), the trim lag of what they cover, progress lines. */
static int service(demo_host_t *h, double start, double tnow, int efd,
                   double *next_watchdog, double *next_progress)
{
    const demo_config_t *c = h->c;
    lsn_tracker_stats_t st;
    uint64_t v;

    if (c->watchdog > 0 && tnow >= *next_watchdog) {
        if (watchdog_flush(h))
            return -1;
        *next_watchdog = tnow + c->watchdog;
    } else if (c->watchdog <= 0 && efd >= 0 && read(efd, &v, 8) == 8) {
        demo_durable_read(h);
        if (demo_lag_cover(h->lag, h->durable, now())) {
            snprintf(h->err, sizeof h->err, "out of memory");
            return -1;
        }
        if (demo_log_sync(&h->log) || demo_durable_act(h))
            return -1;
    }
    /* Also what a lifecycle step's own look at the tracker found. */
    if (demo_lag_cover(h->lag, h->durable, now())) {
        snprintf(h->err, sizeof h->err, "out of memory");
        return -1;
    }
    if (c->progress > 0 && tnow >= *next_progress) {
        memset(&st, 0, sizeof st);
        st.size = sizeof st;
        h->pl.abi.stats(h->t, &st);
        demo_progress(tnow - start, &h->log, &h->d, h->durable, &st,
                      h->tot.forced_flushes);
        *next_progress = tnow + c->progress;
    }
    return 0;
}

/* Appends and applies records, at --rate if set: record k of this run is
 * due at start + k / rate on the monotonic clock, so time lost to a slow
 * record or a late wake-up is made up by the next ones, not accumulated.
 * Then, with --drain, keeps watching the watermark without appending. */
static int work(demo_host_t *h, volatile int *stop)
{
    const demo_config_t *c = h->c;
    double start = now(), tnow = start, drain_end = 0;
    double next_progress = start + c->progress;
    double next_watchdog = start + c->watchdog;
    uint64_t base = h->tot.appended;
    int efd = h->pl.abi.eventfd(h->t), appending = 1;

    for (uint64_t i = 0;; i++) {
        /* Flat out, the clock and the tracker are looked at every 16
         * records; paced, at every one. */
        int look = c->rate || !appending || (i & 15) == 0;
        double wake;

        if (look)
            tnow = now();
        if (appending &&
            (*stop || (c->records && h->tot.appended >= c->records) ||
             (!c->records && (c->seconds <= 0 || tnow - start >= c->seconds)))) {
            appending = 0;
            h->tot.elapsed = tnow - start;
            h->tot.forced_appending = h->tot.forced_flushes +
                                      tracker_forced(h);
            drain_end = tnow + (*stop ? 0 : c->drain);
        }
        if (!appending &&
            (*stop || tnow >= drain_end || !demo_lag_pending(h->lag)))
            break;
        if (look && service(h, start, tnow, efd, &next_watchdog,
                            &next_progress))
            return -1;
        if (appending) {
            wake = c->rate ? start + (double)(h->tot.appended - base) /
                                         (double)c->rate
                           : tnow;
            if (wake <= tnow) {
                demo_record_t rec;
                if (demo_host_append(h, &rec) ||
                    demo_db_apply(&h->d, &rec, h->err, sizeof h->err) ||
                    demo_life_tick(h))
                    return -1;
                continue;
            }
        } else {
            wake = drain_end;
        }
        if (c->watchdog > 0 && next_watchdog < wake)
            wake = next_watchdog;
        if (c->progress > 0 && next_progress < wake)
            wake = next_progress;
        wait_until(c->watchdog > 0 ? -1 : efd, wake);
    }
    if (c->watchdog <= 0) {
        demo_durable_read(h);
        if (demo_durable_act(h))
            return -1;
    }
    return demo_lag_cover(h->lag, h->durable, now());
}

static void put_json(demo_host_t *h, const demo_lag_result_t *r)
{
    const demo_config_t *c = h->c;
    const demo_totals_t *t = &h->tot;
    const char *mode = c->watchdog > 0 ? (c->max_lag_ms ? "watchdog+bound"
                                                        : "watchdog")
                       : c->max_lag_ms ? "bound" : "tracker";

    snprintf(h->json, sizeof h->json,
             "{\"mode\": \"%s\", \"variant\": \"%s\", \"records\": %" PRIu64
             ", \"elapsed_s\": %.3f, \"rate\": %.1f, \"rate_target\": %" PRIu64
             ", \"max_lag_ms\": %" PRIu64 ", \"watchdog_s\": %g"
             ", \"drain_s\": %g, \"flushes\": %" PRIu64
             ", \"forced_flushes\": %" PRIu64 ", \"forced_by_demo\": %" PRIu64
             ", \"forced_by_tracker\": %" PRIu64
             ", \"forced_while_appending\": %" PRIu64 ", \"sst_files\": %d"
             ", \"sst_bytes\": %" PRIu64 ", \"trim_lag_ms\": {\"over\": "
             "\"covered\", \"covered\": %" PRIu64 ", \"p50\": %.1f, \"p99\": "
             "%.1f, \"max\": %.1f}, \"uncovered\": %" PRIu64
             ", \"uncovered_oldest_ms\": %.1f, \"trim_lag_lb_ms\": {\"over\": "
             "\"all, uncovered at their age at the end\", \"p50\": %.1f, "
             "\"p99\": %.1f, \"max\": %.1f}}",
             mode, c->variant, t->appended, t->elapsed,
             t->elapsed > 0 ? (double)t->appended / t->elapsed : 0.0, c->rate,
             c->max_lag_ms, c->watchdog, c->drain, t->flushes,
             t->forced_flushes + t->tracker_forced, t->forced_flushes,
             t->tracker_forced, t->forced_appending, t->live_ssts, t->live_bytes, r->covered,
             r->p50, r->p99, r->max, r->uncovered, r->oldest_uncovered,
             r->lb_p50, r->lb_p99, r->lb_max);
}

static void finish(demo_host_t *h)
{
    lsn_tracker_stats_t st;
    demo_lag_result_t r;

    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    h->pl.abi.stats(h->t, &st);
    h->tot.trimmed = h->log.trimmed;
    h->tot.flushes = st.flushes;
    h->tot.flushes_with_lsn = st.flushes_with_lsn;
    h->tot.advances = st.advances;
    h->tot.tracker_forced = st.size >= offsetof(lsn_tracker_stats_t,
                                                forced_flushes) + 8
                                ? st.forced_flushes : 0;
    h->tot.live_ssts = demo_db_live_bytes(&h->d, &h->tot.live_bytes);
    demo_lag_result(h->lag, now(), &r);
    if (h->c->progress > 0) {
        demo_summary(h->c, &h->log, &h->d, h->durable, &h->tot);
        printf("  trim lag           p50 %.1f ms, p99 %.1f ms, max %.1f ms "
               "over %" PRIu64 " records covered; %" PRIu64 " not covered "
               "by the end (oldest %.1f ms)\n", r.p50, r.p99, r.max,
               r.covered, r.uncovered, r.oldest_uncovered);
        demo_life_summary(&h->life);
    }
    if (h->c->json)
        put_json(h, &r);
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
               h->pl.abi.version(), h->pl.path, c->variant, h->parts,
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
    if (rc == 0 && h->json[0])
        printf("%s\n", h->json); /* the last line */
    free(h);
    return rc;
}
