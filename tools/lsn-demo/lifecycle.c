/* What happens to the database while the host runs, by variant, at points
 * drawn from --seed (counted in records appended by this process):
 *  destroy        close, rocksdb_destroy_db, re-create empty, replay the
 *                 whole log (which is therefore never trimmed);
 *  restore        checkpoints now and then (the last KEEP_CHECKPOINTS are
 *                 kept, and the log is kept above the oldest); now and then
 *                 close, destroy, copy an older checkpoint in, reopen,
 *                 recover, replay from its applied LSNs;
 *  dropcf         drop a group's column family, create it again under its
 *                 name, rebuild its partitions from the (untrimmed) log;
 *  atomic-manual  flush "default" (the applied-LSN keys) alone, often;
 *                 lsn_tracker_flush_all now and then;
 *  ingest         apply a run of records as one ingested SST file; now and
 *                 then ingest behind a file of other states (behind_puts).
 * Before a destroy, restore or drop, the report gets its incarnation
 * marker; a database replacement is written down as an intent first, so
 * that the next start can finish it.
 *
 * --fault simulates a broken tracker, to show the checks catch it: "stale"
 * seeds the old incarnation's watermarks into the new one, "behind" the
 * LSNs of a file ingested behind, "partial" the LSNs of a flush of
 * "default" alone. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define NEVER UINT64_MAX
#define KEEP_CHECKPOINTS 3

/* The events, scheduled by the table at the end of this file. */
enum {
    EV_DESTROY, EV_CHECKPOINT, EV_RESTORE, EV_DROP, EV_KEY_FLUSH,
    EV_FLUSH_ALL, EV_INGEST, EV_SNAPSHOT, EV_BEHIND
};

static uint64_t between(demo_life_t *l, uint64_t lo, uint64_t hi)
{
    l->rng += 0x9e3779b97f4a7c15ull;
    return lo + demo_mix(l->rng) % (hi - lo + 1);
}

static int faulty(const demo_host_t *h, const char *kind)
{
    return h->c->fault && !strcmp(h->c->fault, kind);
}

static int look(demo_host_t *h)
{
    demo_durable_read(h);
    return demo_durable_act(h);
}

static int destroy_db(const char *path, char *err, size_t n)
{
    rocksdb_options_t *o = rocksdb_options_create();
    char *rerr = NULL;

    rocksdb_destroy_db(o, path, &rerr);
    rocksdb_options_destroy(o);
    if (rerr) {
        snprintf(err, n, "destroy %s: %s", path, rerr);
        free(rerr);
        return -1;
    }
    return 0;
}

/* ---- replacing the whole database: destroy, restore ---- */

/* seq 0: re-create empty; else copy checkpoint seq in. The replacement is
 * marked in the report, and written down as an intent, before it begins. */
static int replace_db(demo_host_t *h, uint64_t seq)
{
    unsigned char reset[DEMO_MAX_PARTITIONS];
    uint64_t old[DEMO_MAX_PARTITIONS];
    char what[64];
    int rc;

    memset(reset, 1, h->parts);
    memcpy(old, h->durable, h->parts * sizeof(uint64_t));
    if (seq)
        snprintf(what, sizeof what, "restore %" PRIu64, seq);
    else
        snprintf(what, sizeof what, "destroy");
    if (demo_durable_forget(h, NULL, reset) ||
        demo_intent_set(h->c->log, what, h->err, sizeof h->err))
        return -1;
    demo_host_close_db(h);
    if (seq ? demo_ckpts_restore(&h->life.ck, seq, h->c->db, h->err,
                                 sizeof h->err)
            : destroy_db(h->c->db, h->err, sizeof h->err))
        return -1;
    if (demo_intent_clear(h->c->log, h->err, sizeof h->err))
        return -1;
    if (seq)
        printf("life: restore: checkpoint %" PRIu64 " copied in\n", seq);
    else
        printf("life: destroy: re-created empty\n");
    /* A tracker that kept them would show them right after recovery. */
    h->stale = faulty(h, "stale") ? old : NULL;
    rc = demo_host_open_db(h);
    h->stale = NULL;
    return rc;
}

static int do_destroy(demo_host_t *h)
{
    return replace_db(h, 0) ? -1 : 1;
}

static int do_restore(demo_host_t *h)
{
    demo_life_t *l = &h->life;
    const demo_ckpt_t *cp;
    uint64_t seq;

    if (l->ck.n < 2)
        return 0; /* nothing older than the newest checkpoint yet */
    seq = l->ck.v[between(l, 0, l->ck.n - 2)].seq;
    if (replace_db(h, seq))
        return -1;
    cp = demo_ckpts_find(&l->ck, seq);
    for (unsigned p = 0; p < h->parts; p++)
        if (h->opened[p] != cp->applied[p]) {
            snprintf(h->err, sizeof h->err, "checkpoint %" PRIu64 ": taken at "
                     "applied LSN %" PRIu64 " of partition %u, restored %"
                     PRIu64, seq, cp->applied[p], p, h->opened[p]);
            return -1;
        }
    return 1;
}

static int do_checkpoint(demo_host_t *h)
{
    demo_life_t *l = &h->life;

    if (demo_ckpts_take(&l->ck, h->d.db, h->d.applied, h->err,
                        sizeof h->err) ||
        demo_ckpts_prune(&l->ck, KEEP_CHECKPOINTS, h->err, sizeof h->err))
        return -1;
    printf("life: checkpoint %" PRIu64 "\n", l->ck.v[l->ck.n - 1].seq);
    /* The oldest restore point may have moved up. */
    return look(h) ? -1 : 1;
}

/* ---- dropping a column family ---- */

static int do_drop(demo_host_t *h)
{
    int cf = 1 + (int)between(&h->life, 0, (uint64_t)h->v->groups - 1);
    unsigned char reset[DEMO_MAX_PARTITIONS];
    uint64_t old[DEMO_MAX_PARTITIONS], rebuilt = 0;

    for (unsigned p = 0; p < h->parts; p++) {
        reset[p] = demo_cf_of(h->v, p, DEMO_KEY_APPLIED) == cf;
        old[p] = reset[p] ? h->durable[p] : 0;
    }
    /* The handle is destroyed: --max-lag's attachment lets go of it first. */
    demo_host_detach(h);
    if (demo_durable_forget(h, h->v->cf_names[cf], reset) ||
        demo_db_recreate_cf(&h->d, cf, h->err, sizeof h->err) ||
        demo_host_attach(h))
        return -1;
    printf("life: drop: column family %s re-created\n", h->v->cf_names[cf]);
    if (faulty(h, "stale"))
        demo_durable_seed(h, old);
    /* The first look at the new family: nothing of the old one counts. */
    if (look(h) || demo_host_replay(h, &rebuilt))
        return -1;
    printf("life: rebuilt: %s, %" PRIu64 " records\n", h->v->cf_names[cf],
           rebuilt);
    return look(h) ? -1 : 1;
}

/* ---- atomic_flush, flushed by hand ---- */

static int do_key_flush(demo_host_t *h)
{
    if (demo_db_flush_cf(&h->d, 0, h->err, sizeof h->err))
        return -1;
    if (!faulty(h, "partial"))
        return 1; /* the watermark is read when the tracker signals */
    demo_durable_seed(h, h->d.applied);
    return look(h) ? -1 : 1;
}

static int do_flush_all(demo_host_t *h)
{
    int r = h->pl.abi.flush_all(h->d.db);

    if (r != LSN_TRACKER_OK) {
        snprintf(h->err, sizeof h->err, "lsn_tracker_flush_all: %s",
                 h->pl.abi.strerror(r));
        return -1;
    }
    printf("life: flush-all\n");
    return 1;
}

/* ---- ingestion ---- */

static int do_ingest(demo_host_t *h)
{
    uint64_t n = between(&h->life, 50, 1000);
    demo_record_t *recs;
    int rc = -1;

    if (h->c->records && h->c->records - h->tot.appended < n)
        n = h->c->records - h->tot.appended;
    if (!n)
        return 0;
    if (!(recs = malloc(n * sizeof(*recs)))) {
        snprintf(h->err, sizeof h->err, "out of memory");
        return -1;
    }
    for (uint64_t i = 0; i < n; i++)
        if (demo_host_append(h, &recs[i]))
            goto out;
    if (demo_ingest_records(&h->d, h->c->db, recs, n, h->err, sizeof h->err))
        goto out;
    printf("life: ingest: records %" PRIu64 "..%" PRIu64 "\n", recs[0].lsn,
           recs[n - 1].lsn);
    rc = 1;
out:
    free(recs);
    return rc;
}

/* The states a file ingested behind will hold, a little later. */
static int do_snapshot(demo_host_t *h)
{
    demo_life_t *l = &h->life;

    memcpy(l->snap_lsn, h->d.applied, h->parts * sizeof(uint64_t));
    memcpy(l->snap_count, h->d.count, h->parts * sizeof(uint64_t));
    memcpy(l->snap_sum, h->d.sum, h->parts * sizeof(uint64_t));
    l->next[EV_BEHIND] = h->tot.appended + between(l, 20, 400);
    return 1;
}

/* The file ingested behind: for about a third of the partitions the older
 * state of the snapshot (when something newer has been applied since), for
 * another third an applied-LSN value above everything applied yet, as in a
 * copy from another replica that got further. Either way the partition's
 * keys must be persisted already, so that the file lies under them and
 * changes nothing anyone reads; and either way nothing in it may raise a
 * watermark: the newest version, not the largest number, is what holds.
 * Returns the number of puts, or -1. */
static int behind_puts(demo_host_t *h, demo_put_t *puts, uint64_t *lsn)
{
    demo_life_t *l = &h->life;
    int k = 0;

    for (unsigned p = 0; p < h->parts; p++) {
        uint64_t key, state, pick = between(l, 0, 2);
        lsn[p] = 0;
        if (pick == 0 || (pick == 1 && (!l->snap_lsn[p] ||
                                        l->snap_lsn[p] >= h->d.applied[p])))
            continue;
        if (demo_db_read_lsns(&h->d, p, &key, &state, h->err, sizeof h->err))
            return -1;
        if (!key)
            continue;
        lsn[p] = pick == 1 ? l->snap_lsn[p]
                           : h->d.applied[p] + between(l, 1, 1000);
        demo_db_state_puts(&h->d, p, lsn[p], l->snap_count[p],
                           l->snap_sum[p], puts + k);
        k += 2;
    }
    return k;
}

static int do_behind(demo_host_t *h)
{
    demo_put_t puts[2 * DEMO_MAX_PARTITIONS];
    uint64_t lsn[DEMO_MAX_PARTITIONS];
    int k = behind_puts(h, puts, lsn);

    if (k <= 0)
        return k;
    if (demo_ingest_behind(&h->d, h->c->db, puts, (size_t)k, h->err,
                           sizeof h->err))
        return -1;
    printf("life: behind: %d partitions\n", k / 2);
    if (faulty(h, "behind"))
        demo_durable_seed(h, lsn);
    return look(h) ? -1 : 1;
}

/* ---- the schedule ---- */

/* Each event of the enum at the top: the variant it belongs to; when it first falls due, in
 * records appended by the process (drawn from first_lo..first_hi: a run
 * killed after a few hundred milliseconds still meets most of them), and
 * then every lo..hi records (hi 0: only when another event arms it). */

static const struct event {
    demo_life_kind_t life;
    uint64_t first_lo, first_hi, lo, hi;
    int (*run)(demo_host_t *h); /* 1 if it happened, 0 if not, -1 error */
    const char *name;
} events[DEMO_LIFE_EVENTS] = {
    [EV_DESTROY] = {DEMO_LIFE_DESTROY, 500, 2500, 2000, 6000, do_destroy,
                    "destroys"},
    [EV_CHECKPOINT] = {DEMO_LIFE_RESTORE, 300, 1500, 1000, 3000,
                       do_checkpoint, "checkpoints"},
    [EV_RESTORE] = {DEMO_LIFE_RESTORE, 1500, 5000, 3000, 8000, do_restore,
                    "restores"},
    [EV_DROP] = {DEMO_LIFE_DROPCF, 500, 2500, 2000, 6000, do_drop, "drops"},
    [EV_KEY_FLUSH] = {DEMO_LIFE_MANUAL_FLUSH, 100, 600, 100, 600,
                      do_key_flush, "key-only flushes"},
    [EV_FLUSH_ALL] = {DEMO_LIFE_MANUAL_FLUSH, 1000, 4000, 2000, 6000,
                      do_flush_all, "flush-alls"},
    [EV_INGEST] = {DEMO_LIFE_INGEST, 300, 2000, 300, 2000, do_ingest,
                   "ingests"},
    [EV_SNAPSHOT] = {DEMO_LIFE_INGEST, 300, 1500, 1000, 4000, do_snapshot,
                     "snapshots"},
    [EV_BEHIND] = {DEMO_LIFE_INGEST, 0, 0, 0, 0, do_behind,
                   "ingests behind"},
};

int demo_life_prepare(demo_host_t *h)
{
    demo_life_t *l = &h->life;
    char what[128];
    uint64_t seq;
    int r;

    if (h->v->life == DEMO_LIFE_RESTORE &&
        demo_ckpts_load(&l->ck, h->c->db, h->parts, 1, h->err, sizeof h->err))
        return -1;
    if ((r = demo_intent_get(h->c->log, what, sizeof what, h->err,
                             sizeof h->err)) <= 0)
        return r;
    if (!strcmp(what, "destroy")) {
        if (destroy_db(h->c->db, h->err, sizeof h->err))
            return -1;
    } else if (sscanf(what, "restore %" SCNu64, &seq) == 1 &&
               demo_ckpts_find(&l->ck, seq)) {
        if (demo_ckpts_restore(&l->ck, seq, h->c->db, h->err, sizeof h->err))
            return -1;
    } else {
        snprintf(h->err, sizeof h->err, "%s/LIFECYCLE: cannot finish '%s'",
                 h->c->log, what);
        return -1;
    }
    printf("life: finished: %s\n", what);
    return demo_intent_clear(h->c->log, h->err, sizeof h->err);
}

int demo_life_start(demo_host_t *h)
{
    demo_life_t *l = &h->life;

    l->rng = h->c->seed;
    for (int i = 0; i < DEMO_LIFE_EVENTS; i++)
        l->next[i] = events[i].life == h->v->life && events[i].first_hi
                         ? between(l, events[i].first_lo, events[i].first_hi)
                         : NEVER;
    if (h->v->life == DEMO_LIFE_INGEST) {
        l->snap_lsn = calloc(h->parts, sizeof(uint64_t));
        l->snap_count = calloc(h->parts, sizeof(uint64_t));
        l->snap_sum = calloc(h->parts, sizeof(uint64_t));
        if (!l->snap_lsn || !l->snap_count || !l->snap_sum) {
            snprintf(h->err, sizeof h->err, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* Runs the first event due, if any, and schedules its next time. */
int demo_life_tick(demo_host_t *h)
{
    demo_life_t *l = &h->life;
    uint64_t at = h->tot.appended;

    for (int i = 0; i < DEMO_LIFE_EVENTS; i++) {
        const struct event *e = &events[i];
        int r;
        if (at < l->next[i])
            continue;
        l->next[i] = e->hi ? at + between(l, e->lo, e->hi) : NEVER;
        if ((r = e->run(h)) < 0)
            return -1;
        l->done[i] += (uint64_t)r;
        return 0;
    }
    return 0;
}

void demo_life_summary(const demo_life_t *l)
{
    const char *sep = "  lifecycle         ";

    for (int i = 0; i < DEMO_LIFE_EVENTS; i++)
        if (l->done[i]) {
            printf("%s %s %" PRIu64, sep, events[i].name, l->done[i]);
            sep = ",";
        }
    if (*sep == ',')
        printf("\n");
    fflush(stdout);
}

void demo_life_free(demo_life_t *l)
{
    demo_ckpts_free(&l->ck);
    free(l->snap_lsn);
    free(l->snap_count);
    free(l->snap_sum);
    memset(l, 0, sizeof(*l));
}
