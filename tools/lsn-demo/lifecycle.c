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
    if (replace_db(h, 0))
        return -1;
    h->life.destroys++;
    return 0;
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
    l->restores++;
    return 0;
}

static int do_checkpoint(demo_host_t *h)
{
    demo_life_t *l = &h->life;

    if (demo_ckpts_take(&l->ck, h->d.db, h->d.applied, h->err,
                        sizeof h->err) ||
        demo_ckpts_prune(&l->ck, KEEP_CHECKPOINTS, h->err, sizeof h->err))
        return -1;
    l->checkpoints++;
    printf("life: checkpoint %" PRIu64 "\n", l->ck.v[l->ck.n - 1].seq);
    return look(h); /* the oldest restore point may have moved up */
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
    if (demo_durable_forget(h, h->v->cf_names[cf], reset) ||
        demo_db_recreate_cf(&h->d, cf, h->err, sizeof h->err))
        return -1;
    printf("life: drop: column family %s re-created\n", h->v->cf_names[cf]);
    if (faulty(h, "stale"))
        demo_durable_seed(h, old);
    /* The first look at the new family: nothing of the old one counts. */
    if (look(h) || demo_host_replay(h, &rebuilt))
        return -1;
    h->life.drops++;
    printf("life: rebuilt: %s, %" PRIu64 " records\n", h->v->cf_names[cf],
           rebuilt);
    return look(h);
}

/* ---- atomic_flush, flushed by hand ---- */

static int do_key_flush(demo_host_t *h)
{
    if (demo_db_flush_cf(&h->d, 0, h->err, sizeof h->err))
        return -1;
    h->life.key_flushes++;
    if (!faulty(h, "partial"))
        return 0; /* the watermark is read when the tracker signals */
    demo_durable_seed(h, h->d.applied);
    return look(h);
}

static int do_flush_all(demo_host_t *h)
{
    int r;

    if (!h->pl.flush_all) {
        if (demo_db_flush(&h->d, h->err, sizeof h->err))
            return -1;
    } else if ((r = h->pl.flush_all(h->d.db)) != LSN_TRACKER_OK) {
        snprintf(h->err, sizeof h->err, "lsn_tracker_flush_all: %s",
                 h->pl.strerror(r));
        return -1;
    }
    h->life.flush_alls++;
    printf("life: flush-all%s\n", h->pl.flush_all ? "" : " (one family at a "
           "time: no lsn_tracker_flush_all)");
    return 0;
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
    h->life.ingests++;
    printf("life: ingest: records %" PRIu64 "..%" PRIu64 "\n", recs[0].lsn,
           recs[n - 1].lsn);
    rc = 0;
out:
    free(recs);
    return rc;
}

static void take_snapshot(demo_host_t *h)
{
    demo_life_t *l = &h->life;

    memcpy(l->snap_lsn, h->d.applied, h->parts * sizeof(uint64_t));
    memcpy(l->snap_count, h->d.count, h->parts * sizeof(uint64_t));
    memcpy(l->snap_sum, h->d.sum, h->parts * sizeof(uint64_t));
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
    h->life.behinds++;
    printf("life: behind: %d partitions\n", k / 2);
    if (faulty(h, "behind"))
        demo_durable_seed(h, lsn);
    return look(h);
}

/* ---- the schedule ---- */

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
    l->next_destroy = l->next_restore = l->next_ckpt = l->next_drop = NEVER;
    l->next_key_flush = l->next_flush_all = l->next_ingest = NEVER;
    l->next_snap = l->next_behind = NEVER;
    switch (h->v->life) {
    case DEMO_LIFE_DESTROY:
        l->next_destroy = between(l, 2000, 8000);
        break;
    case DEMO_LIFE_RESTORE:
        l->next_ckpt = between(l, 1000, 3000);
        l->next_restore = between(l, 4000, 10000);
        break;
    case DEMO_LIFE_DROPCF:
        l->next_drop = between(l, 2000, 8000);
        break;
    case DEMO_LIFE_MANUAL_FLUSH:
        l->next_key_flush = between(l, 100, 600);
        l->next_flush_all = between(l, 2000, 6000);
        break;
    case DEMO_LIFE_INGEST:
        l->next_ingest = between(l, 300, 2000);
        l->next_snap = between(l, 500, 3000);
        l->snap_lsn = calloc(h->parts, sizeof(uint64_t));
        l->snap_count = calloc(h->parts, sizeof(uint64_t));
        l->snap_sum = calloc(h->parts, sizeof(uint64_t));
        if (!l->snap_lsn || !l->snap_count || !l->snap_sum) {
            snprintf(h->err, sizeof h->err, "out of memory");
            return -1;
        }
        break;
    default:
        break;
    }
    return 0;
}

/* Returns 1 (and moves it on by lo..hi) if *next is due at at. */
static int due(demo_life_t *l, uint64_t *next, uint64_t at, uint64_t lo,
               uint64_t hi)
{
    if (at < *next)
        return 0;
    *next = at + between(l, lo, hi);
    return 1;
}

int demo_life_tick(demo_host_t *h)
{
    demo_life_t *l = &h->life;
    uint64_t at = h->tot.appended;

    if (due(l, &l->next_destroy, at, 2000, 8000))
        return do_destroy(h);
    if (due(l, &l->next_ckpt, at, 1000, 3000))
        return do_checkpoint(h);
    if (due(l, &l->next_restore, at, 4000, 10000))
        return do_restore(h);
    if (due(l, &l->next_drop, at, 2000, 8000))
        return do_drop(h);
    if (due(l, &l->next_key_flush, at, 100, 600))
        return do_key_flush(h);
    if (due(l, &l->next_flush_all, at, 2000, 6000))
        return do_flush_all(h);
    if (due(l, &l->next_ingest, at, 300, 2000))
        return do_ingest(h);
    if (due(l, &l->next_snap, at, 1000, 4000)) {
        take_snapshot(h);
        l->next_behind = at + between(l, 20, 400);
        return 0;
    }
    if (at >= l->next_behind) {
        l->next_behind = NEVER; /* until the next snapshot */
        return do_behind(h);
    }
    return 0;
}

void demo_life_summary(const demo_life_t *l)
{
    if (!(l->destroys | l->restores | l->checkpoints | l->drops |
          l->key_flushes | l->flush_alls | l->ingests | l->behinds))
        return;
    printf("  lifecycle          destroys %" PRIu64 ", restores %" PRIu64
           ", checkpoints %" PRIu64 ", drops %" PRIu64 ", key-only flushes %"
           PRIu64 ", flush-alls %" PRIu64 ", ingests %" PRIu64
           ", ingests behind %" PRIu64 "\n", l->destroys, l->restores,
           l->checkpoints, l->drops, l->key_flushes, l->flush_alls,
           l->ingests, l->behinds);
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
