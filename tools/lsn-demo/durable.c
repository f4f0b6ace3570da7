/* What the host does with the tracker's watermarks: derive how far the log
 * may be trimmed, write both to the report, check them against the
 * database, and only then trim.
 *
 * The trim bound of a partition is its watermark, except that
 *  - a variant whose re-creation replays the whole log never trims;
 *  - with checkpoints, a restore may start from the oldest one kept;
 *  - a watermark recovered at open above the state read at open (the
 *    applied-LSN key flushed without the state, possible only where the
 *    variant flushes them apart) is trusted only as far as that state,
 *    until a raise goes past it.
 * A recovered watermark below the applied-LSN key (files written without
 * the plugin, e.g. by `ldb compact`) is a lower bound: the log is trimmed
 * less, never wrongly.
 *
 * The check: a watermark above the applied-LSN key persisted now, or a
 * bound above the state persisted now, is a broken promise of the tracker.
 * The process then stops at once, leaving its report and database as a
 * crash would, for `lsn-demo --check` to see. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

void demo_durable_read(demo_host_t *h)
{
    for (unsigned p = 0; p < h->parts; p++) {
        uint64_t v;
        if (h->pl.abi.get(h->t, demo_cf_name(h->v, p, DEMO_KEY_APPLIED), p, &v) ==
            LSN_TRACKER_OK)
            h->durable[p] = v;
    }
}

void demo_durable_seed(demo_host_t *h, const uint64_t *lsn)
{
    for (unsigned p = 0; p < h->parts; p++)
        if (lsn[p])
            h->pl.abi.seed(h->t, demo_cf_name(h->v, p, DEMO_KEY_APPLIED), p,
                       lsn[p]);
}

static void derive_bounds(demo_host_t *h)
{
    uint64_t floor[DEMO_MAX_PARTITIONS];
    int restore = h->v->life == DEMO_LIFE_RESTORE;

    if (restore)
        demo_ckpts_floor(&h->life.ck, floor);
    for (unsigned p = 0; p < h->parts; p++) {
        uint64_t w = h->durable[p];
        uint64_t b = w > h->distrust[p] ? w
                     : w < h->opened[p] ? w : h->opened[p];
        if (restore && floor[p] < b)
            b = floor[p];
        h->bound[p] = h->v->keeps_log ? 0 : b;
    }
}

static void broken(demo_host_t *h, unsigned p, const char *what,
                   uint64_t claimed, const char *which, uint64_t held)
{
    fflush(stdout);
    fprintf(stderr, "lsn-demo: AUDIT: partition %u (column family %s): %s %"
            PRIu64 ", but the database persists %s %" PRIu64 "\n", p,
            demo_cf_name(h->v, p, DEMO_KEY_APPLIED), what, claimed, which,
            held);
    fflush(stderr);
    _exit(3); /* like a crash: nothing flushed, nothing closed */
}

static int audit(demo_host_t *h)
{
    for (unsigned p = 0; p < h->parts; p++) {
        uint64_t key, state;
        if (!h->changed[p])
            continue;
        if (demo_db_read_lsns(&h->d, p, &key, &state, h->err, sizeof h->err))
            return -1;
        if (h->durable[p] > key)
            broken(h, p, "the tracker reported watermark", h->durable[p],
                   "applied-LSN key", key);
        if (h->bound[p] > state)
            broken(h, p, "the log may be trimmed up to", h->bound[p],
                   "the state of LSN", state);
    }
    return 0;
}

int demo_durable_act(demo_host_t *h)
{
    derive_bounds(h);
    if (demo_trimmer_report(&h->tr, h->durable, h->bound, h->changed, h->err,
                            sizeof h->err) ||
        audit(h))
        return -1;
    return demo_trimmer_trim(&h->tr, &h->log, h->bound, h->err,
                             sizeof h->err) < 0 ? -1 : 0;
}

int demo_durable_forget(demo_host_t *h, const char *cf,
                        const unsigned char *reset)
{
    if (demo_trimmer_mark(&h->tr, cf, reset, h->err, sizeof h->err))
        return -1;
    for (unsigned p = 0; p < h->parts; p++)
        if (reset[p])
            h->durable[p] = h->opened[p] = h->distrust[p] = h->bound[p] = 0;
    return 0;
}
