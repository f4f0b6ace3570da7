/* Several databases and trackers in one process, with flushes racing
 * readers, waiters, subscribers and tracker open/close. Every
 * check is on values; the ThreadSanitizer build runs the same tests and
 * fails them on any race it sees. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsnt.h"

#define NDB 3
#define NCF 2
#define NPART 16
#define ROUNDS 30
#define NCHURN 4000
#define DEADLINE_MS 60000

static const char *const CFS[NCF] = {"default", "second"};

typedef struct db_ctx db_ctx_t;

/* A subscriber for the whole test: checks that each (cf, partition) rises
 * strictly, once per raise. Called under the tracker's dispatch lock. */
typedef struct {
    uint64_t last[NCF][NPART];
    uint64_t calls;
    int violations;
} mono_sub_t;

/* A short-lived subscription of the churn thread; its callback must never
 * run once unsubscribe has returned. */
typedef struct {
    int dead;
    uint64_t calls;
} churn_sub_t;

struct db_ctx {
    const lsnt_api_t *a;
    int index;
    char *dir;
    char *name; /* tracker name; NULL for the DB bound by its path */
    rocksdb_options_t *opts;
    rocksdb_t *db;
    rocksdb_column_family_handle_t *cf[NCF];
    lsn_tracker_t *t;
    uint64_t written[NCF]; /* highest LSN written, atomically */
    mono_sub_t mono;
    uint64_t mono_id;
};

static int cf_index(const char *cf)
{
    for (int i = 0; i < NCF; i++)
        if (!strcmp(cf, CFS[i]))
            return i;
    return -1;
}

static void mono_cb(void *arg, const char *cf, uint64_t partition,
                    uint64_t lsn)
{
    mono_sub_t *m = arg;
    int c = cf_index(cf);
    m->calls++;
    if (c < 0 || partition >= NPART || lsn <= m->last[c][partition])
        m->violations++;
    else
        m->last[c][partition] = lsn;
}

static void churn_cb(void *arg, const char *cf, uint64_t partition,
                     uint64_t lsn)
{
    churn_sub_t *s = arg;
    (void)cf;
    (void)partition;
    (void)lsn;
    __atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&s->dead, __ATOMIC_ACQUIRE))
        __atomic_store_n(&s->dead, 2, __ATOMIC_RELEASE); /* ran too late */
}

static void open_db(db_ctx_t *d, const lsnt_api_t *a, int index)
{
    char *opts, *err;
    d->a = a;
    d->index = index;
    d->dir = lsnt_tmpdir("race");
    /* The last DB names no tracker: it is found by its path. */
    d->name = index < NDB - 1 ? lsnt_unique("race") : NULL;
    cr_assert(asprintf(&opts,
                       "listeners={id=LsnFlushListener%s%s};" LSNT_PLAIN_COLLECTOR
                       ";disable_auto_compactions=true;max_background_jobs=4",
                       d->name ? ";tracker=" : "", d->name ? d->name : "") > 0);
    d->opts = lsnt_options(opts, &err);
    cr_assert_not_null(d->opts, "%s", err);
    free(opts);
    d->db = lsnt_open(d->dir, d->opts, NCF, CFS, d->cf);
    d->t = a->open(d->name ? d->name : d->dir);
    cr_assert_not_null(d->t);
    cr_assert_eq(a->subscribe(d->t, mono_cb, &d->mono, &d->mono_id),
                 LSN_TRACKER_OK);
}

static void close_db(db_ctx_t *d)
{
    for (int i = 0; i < NCF; i++)
        rocksdb_column_family_handle_destroy(d->cf[i]);
    rocksdb_close(d->db);
    rocksdb_options_destroy(d->opts);
    d->a->close(d->t);
    lsnt_rmdir(d->dir);
    free(d->name);
}

/* One writer per (DB, column family): every round writes LSN `round` for
 * every partition in one batch, then flushes. Column families of one DB
 * flush concurrently. */
typedef struct {
    db_ctx_t *d;
    int c;
} writer_arg_t;

static void *writer(void *arg)
{
    writer_arg_t *w = arg;
    for (uint64_t round = 1; round <= ROUNDS; round++) {
        for (uint64_t p = 0; p < NPART; p++)
            lsnt_apply_plain(w->d->db, w->d->cf[w->c], p, round);
        __atomic_store_n(&w->d->written[w->c], round, __ATOMIC_RELEASE);
        lsnt_flush(w->d->db, w->d->cf[w->c]);
    }
    return NULL;
}

typedef struct {
    db_ctx_t *dbs;
    int stop;
    int went_back;
    int ahead_of_writes;
    uint64_t reads;
} reader_arg_t;

/* Reads every watermark over and over: each must never go back and never
 * be ahead of what its writer had written. */
static void *reader(void *arg)
{
    reader_arg_t *r = arg;
    uint64_t last[NDB][NCF][NPART];
    memset(last, 0, sizeof last);
    while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
        for (int i = 0; i < NDB; i++)
            for (int c = 0; c < NCF; c++)
                for (uint64_t p = 0; p < NPART; p++) {
                    db_ctx_t *d = &r->dbs[i];
                    uint64_t v;
                    if (d->a->get(d->t, CFS[c], p, &v) != LSN_TRACKER_OK)
                        continue;
                    r->reads++;
                    if (v < last[i][c][p])
                        r->went_back++;
                    if (v > __atomic_load_n(&d->written[c], __ATOMIC_ACQUIRE))
                        r->ahead_of_writes++;
                    last[i][c][p] = v;
                }
    }
    return NULL;
}

typedef struct {
    db_ctx_t *d;
    int c;
    int failures;
} waiter_arg_t;

/* Waits for every round of one (DB, column family), for the partition the
 * index picks; each wait must end with the watermark at the target. */
static void *waiter(void *arg)
{
    waiter_arg_t *w = arg;
    uint64_t p = (uint64_t)(w->d->index * NCF + w->c) % NPART;
    for (uint64_t round = 1; round <= ROUNDS; round++) {
        uint64_t v = 0;
        if (w->d->a->wait(w->d->t, CFS[w->c], p, round, DEADLINE_MS, &v) !=
                LSN_TRACKER_OK ||
            v < round)
            w->failures++;
    }
    return NULL;
}

typedef struct {
    db_ctx_t *dbs;
    int stop;
    churn_sub_t subs[NCHURN];
    int used;
    int errors;
    uint64_t opens;
} churn_arg_t;

/* Subscribes and unsubscribes on every tracker while flushes announce,
 * and opens and closes the trackers (and fresh ones) by name. */
static void *churn(void *arg)
{
    churn_arg_t *c = arg;
    for (int k = 0; k < NCHURN && !__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
         k++) {
        db_ctx_t *d = &c->dbs[k % NDB];
        const lsnt_api_t *a = d->a;
        churn_sub_t *s = &c->subs[k];
        uint64_t id, v;
        lsn_tracker_stats_t st = {.size = sizeof st};
        char fresh[64];

        if (a->subscribe(d->t, churn_cb, s, &id) != LSN_TRACKER_OK)
            c->errors++;
        /* Another handle on the same tracker, while its listener uses it. */
        lsn_tracker_t *h = a->open(d->name ? d->name : d->dir);
        if (h != d->t)
            c->errors++;
        (void)a->get(h, CFS[k % NCF], (uint64_t)k % NPART, &v);
        /* The path-bound listener binds at its DB's first flush. */
        if (a->stats(h, &st) != LSN_TRACKER_OK || st.listeners > 1 ||
            (d->name && st.listeners != 1))
            c->errors++;
        a->close(h);
        /* Trackers born and freed beside the busy ones. */
        snprintf(fresh, sizeof fresh, "race-fresh-%d", k);
        h = a->open(fresh);
        if (!h || a->seed(h, NULL, 1, (uint64_t)k + 1) != LSN_TRACKER_OK)
            c->errors++;
        a->close(h);
        if (a->unsubscribe(d->t, id) != LSN_TRACKER_OK)
            c->errors++;
        __atomic_store_n(&s->dead, 1, __ATOMIC_RELEASE);
        c->used = k + 1;
        c->opens++;
    }
    return NULL;
}

Test(race, flushes_readers_waiters_subscribers_across_dbs)
{
    const lsnt_api_t *a = lsnt_api();
    static db_ctx_t dbs[NDB];
    static churn_arg_t ch;
    writer_arg_t wa[NDB][NCF];
    waiter_arg_t wt[NDB][NCF];
    reader_arg_t rd[2] = {{.dbs = dbs}, {.dbs = dbs}};
    pthread_t wth[NDB][NCF], wtt[NDB][NCF], rth[2], cth;

    memset(dbs, 0, sizeof dbs);
    memset(&ch, 0, sizeof ch);
    ch.dbs = dbs;
    for (int i = 0; i < NDB; i++)
        open_db(&dbs[i], a, i);
    for (int j = 0; j < 2; j++)
        pthread_create(&rth[j], NULL, reader, &rd[j]);
    pthread_create(&cth, NULL, churn, &ch);
    for (int i = 0; i < NDB; i++)
        for (int c = 0; c < NCF; c++) {
            wt[i][c] = (waiter_arg_t){&dbs[i], c, 0};
            pthread_create(&wtt[i][c], NULL, waiter, &wt[i][c]);
            wa[i][c] = (writer_arg_t){&dbs[i], c};
            pthread_create(&wth[i][c], NULL, writer, &wa[i][c]);
        }
    for (int i = 0; i < NDB; i++)
        for (int c = 0; c < NCF; c++) {
            pthread_join(wth[i][c], NULL);
            pthread_join(wtt[i][c], NULL);
            cr_expect_eq(wt[i][c].failures, 0, "db %d cf %d: %d waits failed",
                         i, c, wt[i][c].failures);
        }
    /* Listeners may still run after the last flush returned: wait for the
     * final value of every partition before judging. */
    for (int i = 0; i < NDB; i++)
        for (int c = 0; c < NCF; c++)
            for (uint64_t p = 0; p < NPART; p++) {
                uint64_t v = 0;
                cr_assert_eq(a->wait(dbs[i].t, CFS[c], p, ROUNDS, DEADLINE_MS,
                                     &v),
                             LSN_TRACKER_OK, "db %d cf %s p %lu", i, CFS[c], p);
                cr_expect_eq(v, ROUNDS);
            }
    __atomic_store_n(&ch.stop, 1, __ATOMIC_RELEASE);
    pthread_join(cth, NULL);
    for (int j = 0; j < 2; j++) {
        __atomic_store_n(&rd[j].stop, 1, __ATOMIC_RELEASE);
        pthread_join(rth[j], NULL);
        cr_expect_eq(rd[j].went_back, 0, "a watermark went back %d times",
                     rd[j].went_back);
        cr_expect_eq(rd[j].ahead_of_writes, 0, "a watermark was ahead of "
                     "writes %d times", rd[j].ahead_of_writes);
        cr_expect_gt(rd[j].reads, 0);
    }
    cr_expect_eq(ch.errors, 0, "churn: %d errors", ch.errors);
    cr_expect_gt(ch.used, 0);
    for (int k = 0; k < ch.used; k++)
        cr_expect_eq(__atomic_load_n(&ch.subs[k].dead, __ATOMIC_ACQUIRE), 1,
                     "subscription %d ran after unsubscribe returned", k);

    for (int i = 0; i < NDB; i++) {
        db_ctx_t *d = &dbs[i];
        lsn_tracker_stats_t st = {.size = sizeof st};
        /* Unsubscribing waits out a running callback: mono is ours now. */
        cr_assert_eq(a->unsubscribe(d->t, d->mono_id), LSN_TRACKER_OK);
        cr_expect_eq(d->mono.violations, 0, "db %d: %d announcements out of "
                     "order", i, d->mono.violations);
        for (int c = 0; c < NCF; c++)
            for (uint64_t p = 0; p < NPART; p++)
                cr_expect_eq(d->mono.last[c][p], ROUNDS,
                             "db %d cf %d p %lu: last announced %lu", i, c, p,
                             d->mono.last[c][p]);
        cr_assert_eq(a->stats(d->t, &st), LSN_TRACKER_OK);
        cr_expect_eq(st.listeners, 1, "db %d", i);
        cr_expect_eq(st.entries, NCF * NPART, "db %d: %lu entries", i,
                     st.entries);
        cr_expect_geq(st.flushes, NCF, "db %d", i);
        cr_expect_eq(st.corrupt_properties, 0);
        cr_expect_eq(st.advances, d->mono.calls, "db %d: every advance "
                     "announced once", i);
    }
    for (int i = 0; i < NDB; i++)
        close_db(&dbs[i]);
}

/* Databases opened and closed again and again, each bound to a tracker
 * that other threads open and close by name meanwhile. A host handle kept
 * open across the DB's lifetimes keeps the watermark; once every DB is
 * closed no listener is bound any more. */
#define NLIFE 3
#define LIVES 8

typedef struct {
    const lsnt_api_t *a;
    char *name;
    lsn_tracker_t *held;
    int failures;
} life_arg_t;

static void *lifetimes(void *arg)
{
    life_arg_t *l = arg;
    char *dir = lsnt_tmpdir("life"), *opts, *err;
    cr_assert(asprintf(&opts,
                       "listeners={id=LsnFlushListener;tracker=%s};" LSNT_PLAIN_COLLECTOR,
                       l->name) > 0);
    for (uint64_t life = 1; life <= LIVES; life++) {
        rocksdb_options_t *o = lsnt_options(opts, &err);
        rocksdb_t *db;
        uint64_t v = 0;
        cr_assert_not_null(o, "%s", err);
        db = lsnt_open(dir, o, 0, NULL, NULL);
        lsnt_apply_plain(db, NULL, 5, life * 10);
        lsnt_flush(db, NULL);
        if (l->a->wait(l->held, NULL, 5, life * 10, DEADLINE_MS, &v) !=
                LSN_TRACKER_OK ||
            v != life * 10)
            l->failures++;
        rocksdb_close(db);
        rocksdb_options_destroy(o);
    }
    free(opts);
    lsnt_rmdir(dir);
    return NULL;
}

typedef struct {
    const lsnt_api_t *a;
    life_arg_t *lives;
    int stop;
    int went_back;
} opener_arg_t;

static void *opener(void *arg)
{
    opener_arg_t *o = arg;
    uint64_t last[NLIFE] = {0};
    while (!__atomic_load_n(&o->stop, __ATOMIC_ACQUIRE))
        for (int i = 0; i < NLIFE; i++) {
            lsn_tracker_t *t = o->a->open(o->lives[i].name);
            uint64_t v;
            if (t && o->a->get(t, NULL, 5, &v) == LSN_TRACKER_OK) {
                if (v < last[i])
                    o->went_back++;
                last[i] = v;
            }
            o->a->close(t);
        }
    return NULL;
}

Test(race, db_lifetimes_while_trackers_open_and_close)
{
    const lsnt_api_t *a = lsnt_api();
    life_arg_t lives[NLIFE];
    opener_arg_t op = {a, lives, 0, 0};
    pthread_t lth[NLIFE], oth[2];

    for (int i = 0; i < NLIFE; i++) {
        lives[i] = (life_arg_t){a, lsnt_unique("life"), NULL, 0};
        lives[i].held = a->open(lives[i].name);
        cr_assert_not_null(lives[i].held);
    }
    for (int j = 0; j < 2; j++)
        pthread_create(&oth[j], NULL, opener, &op);
    for (int i = 0; i < NLIFE; i++)
        pthread_create(&lth[i], NULL, lifetimes, &lives[i]);
    for (int i = 0; i < NLIFE; i++)
        pthread_join(lth[i], NULL);
    __atomic_store_n(&op.stop, 1, __ATOMIC_RELEASE);
    for (int j = 0; j < 2; j++)
        pthread_join(oth[j], NULL);
    cr_expect_eq(op.went_back, 0);
    for (int i = 0; i < NLIFE; i++) {
        lsn_tracker_stats_t st = {.size = sizeof st};
        uint64_t v = 0;
        cr_expect_eq(lives[i].failures, 0, "tracker %d: %d waits failed", i,
                     lives[i].failures);
        /* Each close ended an incarnation: nothing of it is reported. */
        cr_assert_eq(a->get(lives[i].held, NULL, 5, &v), LSN_TRACKER_NOT_FOUND);
        cr_assert_eq(a->stats(lives[i].held, &st), LSN_TRACKER_OK);
        cr_expect_eq(st.incarnation, LIVES);
        cr_expect_eq(st.open, 0);
        cr_expect_eq(st.listeners, 0, "tracker %d: %u listeners left", i,
                     st.listeners);
        cr_expect_eq(st.flushes_with_lsn, LIVES);
        a->close(lives[i].held);
        free(lives[i].name);
    }
}
