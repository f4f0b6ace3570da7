/* The invariants the crash harness holds the demo to, checked on the
 * database and log a killed process left behind, before anything writes:
 *  (a) every partition's applied-LSN key, read from SST files only, is at
 *      least every watermark reported in the current incarnation (since the
 *      last "I" line of the report that speaks for it), and the state read
 *      the same way is at least every trim bound acted on in it;
 *  (b) the log still holds every record above the state's LSN, above the
 *      restore points a rebuild may start from (checkpoints, or 0 where a
 *      re-creation replays the whole log), and above every trim bound ever
 *      acted on;
 *  (c) the persisted state is exactly what applying each record up to the
 *      state's LSN once produces (so nothing was lost or doubled), and,
 *      when complete is set, every record of the log has been applied.
 * The state's LSN is the applied-LSN key itself, except in variants that
 * flush the key apart from the state, where the key may differ. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

typedef struct expect {
    uint64_t count, sum, last;
    uint64_t next;            /* first record above the state's LSN */
    uint64_t next_needed;     /* first record above the oldest restore point */
    uint64_t next_unreported; /* first record above every trim bound */
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

/* The history rings of the column families the variant keeps them in. */
static int read_history(demo_db_t *d, const demo_variant_t *v,
                        unsigned parts, uint64_t **hist, char *err, size_t n)
{
    for (unsigned p = 0; p < parts; p++) {
        int cf = demo_cf_of(v, p, DEMO_KEY_RING);
        if (hist[cf])
            continue;
        if (!(hist[cf] = malloc(DEMO_HISTORY * sizeof(uint64_t)))) {
            snprintf(err, n, "out of memory");
            return -1;
        }
        if (demo_db_history(d, cf, hist[cf], err, n))
            return -1;
    }
    return 0;
}

/* Every record applied among the last DEMO_HISTORY LSNs must still have its
 * history key; one that was not applied must not. */
static int check_history(demo_db_t *d, const demo_variant_t *v,
                         const demo_state_t *st, unsigned parts, char *err,
                         size_t n)
{
    uint64_t top = 0, *hist[DEMO_MAX_CF] = {0};
    int rc = -1;

    for (unsigned p = 0; p < parts; p++)
        if (st[p].agg_lsn > top)
            top = st[p].agg_lsn;
    if (!d || !top)
        return 0;
    if (read_history(d, v, parts, hist, err, n))
        goto out;
    for (uint64_t lsn = top > DEMO_HISTORY ? top - DEMO_HISTORY + 1 : 1;
         lsn <= top; lsn++) {
        unsigned p = demo_partition_of(lsn, parts);
        int applied = lsn <= st[p].agg_lsn;
        uint64_t held = hist[demo_cf_of(v, p, DEMO_KEY_RING)][lsn % DEMO_HISTORY];
        if (applied != (held == lsn)) {
            snprintf(err, n, "record %" PRIu64 " (partition %u, applied up to %"
                     PRIu64 ") is %s the persisted history, which holds %"
                     PRIu64 " in its slot", lsn, p, st[p].agg_lsn,
                     applied ? "missing from" : "unexpectedly in", held);
            goto out;
        }
    }
    rc = 0;
out:
    for (int i = 0; i < DEMO_MAX_CF; i++)
        free(hist[i]);
    return rc;
}

/* (a), and the key and state each within the log. */
static int check_reported(const demo_variant_t *v, unsigned p,
                          const demo_state_t *s, const demo_report_t *r,
                          uint64_t last, char *err, size_t n)
{
    if (s->applied != s->agg_lsn && !v->key_may_differ) {
        snprintf(err, n, "partition %u: applied-LSN key %" PRIu64
                 " but its state is of LSN %" PRIu64, p, s->applied,
                 s->agg_lsn);
        return -1;
    }
    if (s->applied < r->w[p]) {
        snprintf(err, n, "partition %u: watermark %" PRIu64 " was reported "
                 "(in this incarnation), but the reopened database holds "
                 "applied LSN %" PRIu64, p, r->w[p], s->applied);
        return -1;
    }
    if (s->agg_lsn < r->t[p]) {
        snprintf(err, n, "partition %u: the log was to be trimmed up to %"
                 PRIu64 " (a bound reported in this incarnation), but the "
                 "reopened database holds the state of LSN %" PRIu64, p,
                 r->t[p], s->agg_lsn);
        return -1;
    }
    if (s->applied > last || s->agg_lsn > last) {
        snprintf(err, n, "partition %u: applied LSN %" PRIu64 " (state %"
                 PRIu64 ") is beyond the log's last record %" PRIu64, p,
                 s->applied, s->agg_lsn, last);
        return -1;
    }
    return 0;
}

/* (c) for one partition, and (b). */
static int check_partition(unsigned p, const demo_state_t *s,
                           const expect_t *e, const demo_report_t *r,
                           uint64_t first, int complete, char *err, size_t n)
{
    if (e->last != s->agg_lsn || e->count != s->count || e->sum != s->sum) {
        snprintf(err, n, "partition %u: state holds %" PRIu64 " records up "
                 "to LSN %" PRIu64 " (checksum %016" PRIx64 "), applying "
                 "each once gives %" PRIu64 " up to %" PRIu64
                 " (checksum %016" PRIx64 ")", p, s->count, s->agg_lsn,
                 s->sum, e->count, e->last, e->sum);
        return -1;
    }
    for (unsigned i = 0; i < DEMO_SLOTS; i++)
        if (s->slot[i] != e->ring[i]) {
            snprintf(err, n, "partition %u: ring slot %u holds LSN %" PRIu64
                     ", expected %" PRIu64 " (a record was lost)", p, i,
                     s->slot[i], e->ring[i]);
            return -1;
        }
    if (e->next && e->next < first) {
        snprintf(err, n, "partition %u: record %" PRIu64 " is above the "
                 "applied LSN %" PRIu64 " but was trimmed from the log "
                 "(which starts at %" PRIu64 ")", p, e->next, s->agg_lsn,
                 first);
        return -1;
    }
    if (e->next_needed && e->next_needed < first) {
        snprintf(err, n, "partition %u: record %" PRIu64 " is needed by a "
                 "rebuild (from a checkpoint, or from the start) but was "
                 "trimmed from the log (which starts at %" PRIu64 ")", p,
                 e->next_needed, first);
        return -1;
    }
    if (e->next_unreported && e->next_unreported < first) {
        snprintf(err, n, "partition %u: record %" PRIu64 " was trimmed "
                 "from the log (which starts at %" PRIu64 ") although "
                 "no trim bound reported covers it (highest %" PRIu64 ")",
                 p, e->next_unreported, first, r->t_all[p]);
        return -1;
    }
    if (complete && e->next) {
        snprintf(err, n, "partition %u: record %" PRIu64 " was never "
                 "applied", p, e->next);
        return -1;
    }
    return 0;
}

/* Replays the workload in the mind: what each partition must hold. */
static void expect_all(unsigned parts, uint64_t upto, const demo_state_t *st,
                       const demo_report_t *r, const uint64_t *floor,
                       int reported, expect_t *ex)
{
    for (uint64_t lsn = 1; lsn <= upto; lsn++) {
        unsigned p = demo_partition_of(lsn, parts);
        expect_t *e = &ex[p];
        if (reported && lsn > r->t_all[p] && !e->next_unreported)
            e->next_unreported = lsn;
        if (floor && lsn > floor[p] && !e->next_needed)
            e->next_needed = lsn;
        if (lsn > st[p].agg_lsn) {
            if (!e->next)
                e->next = lsn;
            continue;
        }
        e->ring[e->count % DEMO_SLOTS] = lsn;
        e->count++;
        e->sum += demo_digest_of(lsn);
        e->last = lsn;
    }
}

int demo_check(demo_db_t *d, const demo_variant_t *v, const demo_log_t *log,
               const char *report, const uint64_t *floor, int complete,
               demo_check_t *out, char *err, size_t n)
{
    unsigned parts = log->partitions;
    uint64_t first = demo_log_first(log), last = demo_log_last(log);
    demo_state_t *st = calloc(parts, sizeof(demo_state_t));
    expect_t *ex = calloc(parts, sizeof(expect_t));
    demo_report_t r;
    struct scan_ctx sc = {parts, 0, err, n};
    int rc = -1;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof r);
    if (!st || !ex) {
        snprintf(err, n, "out of memory");
        goto done;
    }
    if (demo_report_read(report, v, parts, &r, err, n))
        goto done;
    for (unsigned p = 0; p < parts; p++) {
        if (d && demo_db_read(d, p, &st[p], err, n))
            goto done;
        if (check_reported(v, p, &st[p], &r, last, err, n))
            goto done;
        out->applied_total += st[p].agg_lsn;
    }
    expect_all(parts, last, st, &r, floor, report != NULL, ex);
    for (unsigned p = 0; p < parts; p++)
        if (check_partition(p, &st[p], &ex[p], &r, first, complete, err, n))
            goto done;
    if (check_history(d, v, st, parts, err, n))
        goto done;
    if (demo_log_scan(log, first - 1, check_record, &sc, err, n))
        goto done;
    if (last && sc.seen != last - first + 1) {
        snprintf(err, n, "log: %" PRIu64 " records readable, %" PRIu64
                 " expected", sc.seen, last - first + 1);
        goto done;
    }
    out->partitions_checked = parts;
    out->watermarks = r.lines;
    out->markers = r.markers;
    out->log_first = first;
    out->log_last = last;
    rc = 0;
done:
    demo_report_free(&r);
    free(st);
    free(ex);
    return rc;
}
