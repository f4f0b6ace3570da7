/* What the demo shows while it runs and when it ends. */
#include <inttypes.h>
#include <stdio.h>

#include "demo.h"

#define SHOWN 6 /* partitions per progress line */

static void partitions(const demo_db_t *d, const uint64_t *durable)
{
    for (unsigned p = 0; p < d->partitions && p < SHOWN; p++)
        printf(" p%u %" PRIu64 "/%" PRIu64, p, d->applied[p], durable[p]);
    if (d->partitions > SHOWN)
        printf(" ...");
}

void demo_progress(double t, const demo_log_t *log, const demo_db_t *d,
                   const uint64_t *durable, const lsn_tracker_stats_t *st,
                   uint64_t forced)
{
    printf("[%6.1fs] applied/durable:", t);
    partitions(d, durable);
    printf(" | segments live %zu trimmed %" PRIu64 " | flushes %" PRIu64,
           log->nsegs, log->trimmed, st->flushes);
    if (forced)
        printf(" (forced %" PRIu64 ")", forced);
    printf("\n");
    fflush(stdout);
}

void demo_summary(const demo_config_t *c, const demo_log_t *log,
                  const demo_db_t *d, const uint64_t *durable,
                  const demo_totals_t *tot)
{
    uint64_t lag = 0;

    for (unsigned p = 0; p < d->partitions; p++)
        if (d->applied[p] - durable[p] > lag)
            lag = d->applied[p] - durable[p];
    printf("summary (%s", c->watchdog > 0 ? "watchdog" : "tracker");
    if (c->max_lag_ms)
        printf(", max lag %" PRIu64 " ms", c->max_lag_ms);
    printf("):\n");
    printf("  records appended   %" PRIu64 " in %.2f s (%.0f/s", tot->appended,
           tot->elapsed,
           tot->elapsed > 0 ? (double)tot->appended / tot->elapsed : 0.0);
    if (c->rate)
        printf(", target %" PRIu64 "/s", c->rate);
    printf("), %" PRIu64 " replayed at start\n", tot->replayed);
    printf("  applied/durable   ");
    partitions(d, durable);
    printf("\n  largest lag        %" PRIu64 " LSNs (flushed at shutdown, "
           "recovered at the next start)\n", lag);
    printf("  log                records %" PRIu64 "..%" PRIu64 ", segments "
           "live %zu, trimmed %" PRIu64 "\n", demo_log_first(log),
           demo_log_last(log), log->nsegs, tot->trimmed);
    printf("  flushes seen       %" PRIu64 " (%" PRIu64 " with the property), "
           "forced flushes %" PRIu64 " by the demo and %" PRIu64 " by the "
           "tracker, watermark advances %" PRIu64 "\n",
           tot->flushes, tot->flushes_with_lsn, tot->forced_flushes,
           tot->tracker_forced, tot->advances);
    printf("  sst files          %" PRIu64 " written by flushes, %d live "
           "(%" PRIu64 " bytes)\n", tot->flushes_with_lsn, tot->live_ssts,
           tot->live_bytes);
    fflush(stdout);
}
