/* The invariants the crash harness holds the demo to, checked on the
 * database and log a killed process left behind, before anything writes:
 *  (a) every partition's applied-LSN key, read from SST files only, is at
 *      least every watermark the process ever reported;
 *  (b) the log still holds every record above that key;
 *  (c) the persisted state is exactly what applying each record up to that
 *      key once produces (so nothing was lost or doubled), and, when
 *      complete is set, every record of the log has been applied. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

typedef struct expect {
    uint64_t count, sum, last, next;
    uint64_t next_unreported; /* first record above the reported watermark */
    uint64_t ring[DEMO_SLOTS];
} expect_t;

struct scan_ctx {
    unsigned partitions;
    uint64_t seen;
    char *err;
    size_t n;
};

static int check_record(void *arg, const demo_record_t *r)
{
    struct scan_ctx *c = arg;
    uint8_t payload[DEMO_MAX_PAYLOAD];
    uint32_t len = demo_payload_of(r->lsn, payload);

    if (r->partition != demo_partition_of(r->lsn, c->partitions) ||
        r->len != len || memcmp(r->payload, payload, len) ||
        demo_digest(r->lsn, r->payload, r->len) != demo_digest_of(r->lsn)) {
        snprintf(c->err, c->n, "log record %" PRIu64 " is not the one written",
                 r->lsn);
        return -1;
    }
    c->seen++;
    return 0;
}

/* Every record applied among the last DEMO_HISTORY LSNs must still have its
 * history key; one that was not applied must not. */
static int check_history(demo_db_t *d, const demo_state_t *st, unsigned parts,
                         char *err, size_t n)
{
    uint64_t top = 0, *hist;

    for (unsigned p = 0; p < parts; p++)
        if (st[p].applied > top)
            top = st[p].applied;
    if (!d || !top)
        return 0;
    if (!(hist = malloc(DEMO_HISTORY * sizeof(uint64_t)))) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (demo_db_history(d, hist, err, n)) {
        free(hist);
        return -1;
    }
    for (uint64_t lsn = top > DEMO_HISTORY ? top - DEMO_HISTORY + 1 : 1;
         lsn <= top; lsn++) {
        unsigned p = demo_partition_of(lsn, parts);
        int applied = lsn <= st[p].applied;
        uint64_t held = hist[lsn % DEMO_HISTORY];
        if (applied != (held == lsn)) {
            snprintf(err, n, "record %" PRIu64 " (partition %u, applied up to %"
                     PRIu64 ") is %s the persisted history, which holds %"
                     PRIu64 " in its slot", lsn, p, st[p].applied,
                     applied ? "missing from" : "unexpectedly in", held);
            free(hist);
            return -1;
        }
    }
    free(hist);
    return 0;
}

int demo_check(demo_db_t *d, const demo_log_t *log, const char *report,
               int complete, demo_check_t *out, char *err, size_t n)
{
    unsigned parts = log->partitions;
    uint64_t first = demo_log_first(log), last = demo_log_last(log);
    uint64_t *reported = calloc(parts, sizeof(uint64_t));
    demo_state_t *st = calloc(parts, sizeof(demo_state_t));
    expect_t *ex = calloc(parts, sizeof(expect_t));
    uint64_t upto = last, lines = 0;
    struct scan_ctx sc = {parts, 0, err, n};
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!reported || !st || !ex) {
        snprintf(err, n, "out of memory");
        goto done;
    }
    if (report && demo_report_read(report, parts, reported, &lines, err, n))
        goto done;
    for (unsigned p = 0; p < parts; p++) {
        if (d && demo_db_read(d, p, &st[p], err, n))
            goto done;
        if (st[p].applied != st[p].agg_lsn) {
            snprintf(err, n, "partition %u: applied-LSN key %" PRIu64
                     " but its state is of LSN %" PRIu64, p, st[p].applied,
                     st[p].agg_lsn);
            goto done;
        }
        if (st[p].applied < reported[p]) { /* (a) */
            snprintf(err, n, "partition %u: watermark %" PRIu64 " was "
                     "reported, but the reopened database holds applied LSN %"
                     PRIu64, p, reported[p], st[p].applied);
            goto done;
        }
        if (st[p].applied > last) {
            snprintf(err, n, "partition %u: applied LSN %" PRIu64 " is beyond "
                     "the log's last record %" PRIu64, p, st[p].applied, last);
            goto done;
        }
        out->applied_total += st[p].applied;
    }
    /* Replay the workload in the mind: what each partition must hold. */
    for (uint64_t lsn = 1; lsn <= upto; lsn++) {
        unsigned p = demo_partition_of(lsn, parts);
        expect_t *e = &ex[p];
        if (report && lsn > reported[p] && !e->next_unreported)
            e->next_unreported = lsn;
        if (lsn > st[p].applied) {
            if (!e->next)
                e->next = lsn;
            continue;
        }
        e->ring[e->count % DEMO_SLOTS] = lsn;
        e->count++;
        e->sum += demo_digest_of(lsn);
        e->last = lsn;
    }
    for (unsigned p = 0; p < parts; p++) {
        expect_t *e = &ex[p];
        if (e->last != st[p].applied || e->count != st[p].count ||
            e->sum != st[p].sum) {
            snprintf(err, n, "partition %u: state holds %" PRIu64 " records up "
                     "to LSN %" PRIu64 " (checksum %016" PRIx64 "), applying "
                     "each once gives %" PRIu64 " up to %" PRIu64
                     " (checksum %016" PRIx64 ")", p, st[p].count,
                     st[p].applied, st[p].sum, e->count, e->last, e->sum);
            goto done;
        }
        for (unsigned i = 0; i < DEMO_SLOTS; i++)
            if (st[p].slot[i] != e->ring[i]) {
                snprintf(err, n, "partition %u: ring slot %u holds LSN %"
                         PRIu64 ", expected %" PRIu64 " (a record was lost)",
                         p, i, st[p].slot[i], e->ring[i]);
                goto done;
            }
        if (e->next && e->next < first) { /* (b) */
            snprintf(err, n, "partition %u: record %" PRIu64 " is above the "
                     "applied LSN %" PRIu64 " but was trimmed from the log "
                     "(which starts at %" PRIu64 ")", p, e->next,
                     st[p].applied, first);
            goto done;
        }
        if (e->next_unreported && e->next_unreported < first) {
            snprintf(err, n, "partition %u: record %" PRIu64 " was trimmed "
                     "from the log (which starts at %" PRIu64 ") although "
                     "no watermark reported covers it (highest %" PRIu64 ")",
                     p, e->next_unreported, first, reported[p]);
            goto done;
        }
        if (complete && e->next) {
            snprintf(err, n, "partition %u: record %" PRIu64 " was never "
                     "applied", p, e->next);
            goto done;
        }
    }
    if (check_history(d, st, parts, err, n))
        goto done;
    if (demo_log_scan(log, first - 1, check_record, &sc, err, n))
        goto done;
    if (last && sc.seen != last - first + 1) {
        snprintf(err, n, "log: %" PRIu64 " records readable, %" PRIu64
                 " expected", sc.seen, last - first + 1);
        goto done;
    }
    out->partitions_checked = parts;
    out->watermarks = lines;
    out->log_first = first;
    out->log_last = last;
    rc = 0;
done:
    free(reported);
    free(st);
    free(ex);
    return rc;
}
