/* Recovery and flush_all from inside a subscriber callback, with a real
 * database: lsn_tracker_recover, lsn_tracker_recover_report,
 * lsn_tracker_recover_sst and lsn_tracker_flush_all would raise a tracker,
 * so they return LSN_TRACKER_EINVAL there, on any tracker, whether the
 * callback runs on a host thread (inside seed) or on RocksDB's flush
 * thread. Each call is made with arguments that work outside a callback,
 * and would have deadlocked inside one before the rule: a raise of the
 * dispatching tracker waits for its own dispatch, and flush_all waits for
 * a flush whose listener waits for that dispatch. Every scenario runs
 * under a watchdog (lsnt_within) that fails the test instead of hanging.
 * The calls that need no database: abi_reentry. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lsnt.h"

typedef struct fixture {
    const lsnt_api_t *a;
    char *dir, *name, *sst;
    rocksdb_options_t *o;
    rocksdb_t *db;
    lsn_tracker_t *t, *other;
} fixture_t;

/* A database whose listener serves a fresh tracker, one flushed SST in it
 * (partition 1 at 10), a standalone SST written with the same options
 * (partition 2 at 500), and another tracker. */
static void setup(fixture_t *f)
{
    char *s, *err;
    char k[16], v[8];
    memset(f, 0, sizeof(*f));
    f->a = lsnt_api();
    f->dir = lsnt_tmpdir("reentry");
    f->name = lsnt_unique("reentry");
    cr_assert(asprintf(&s, "listeners={id=LsnFlushListener;tracker=%s};%s;"
                           "disable_auto_compactions=true",
                       f->name, LSNT_PLAIN_COLLECTOR) > 0);
    f->o = lsnt_options(s, &err);
    cr_assert_not_null(f->o, "%s", err);
    free(s);
    f->t = f->a->open(f->name);
    f->other = lsnt_fresh_tracker("reentry-other");
    f->db = lsnt_open(f->dir, f->o, 0, NULL, NULL);
    lsnt_apply_plain(f->db, NULL, 1, 10);
    lsnt_flush(f->db, NULL);
    cr_assert_eq(f->a->wait(f->t, NULL, 1, 10, 60000, NULL), LSN_TRACKER_OK);

    cr_assert(asprintf(&f->sst, "%s.sst", f->dir) > 0);
    lsnt_kv_t kv = {k, lsnt_plain_key(2, k), v, lsnt_plain_value(500, v)};
    lsnt_write_sst(f->sst, f->o, &kv, 1);
}

static void teardown(fixture_t *f)
{
    rocksdb_close(f->db);
    rocksdb_options_destroy(f->o);
    f->a->close(f->t);
    f->a->close(f->other);
    remove(f->sst);
    free(f->sst);
    lsnt_rmdir(f->dir);
    free(f->name);
}

typedef struct calls {
    fixture_t *f;
    uint64_t partition; /* the raise the callback acts on */
    int done;           /* set (atomically) once it has acted */
    int recover, report, sst, flush_all, recover_other, sst_other, seed;
    int files_reported;
    int seed_rc;
} calls_t;

static void count_file(void *arg, const lsn_tracker_file_t *file)
{
    (void)file;
    ++*(int *)arg;
}

/* Every call that would raise a tracker, each with arguments that work
 * outside a callback. */
static void raise_inside(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    calls_t *c = arg;
    fixture_t *f = c->f;
    (void)cf;
    (void)lsn;
    if (p != c->partition || __atomic_load_n(&c->done, __ATOMIC_ACQUIRE))
        return;
    c->recover = f->a->recover(f->t, f->db, f->dir);
    c->report = f->a->recover_report(f->t, f->db, f->dir, count_file,
                                     &c->files_reported);
    c->sst = f->a->recover_sst(f->t, NULL, f->sst);
    c->flush_all = f->a->flush_all(f->db);
    c->recover_other = f->a->recover(f->other, f->db, f->dir);
    c->sst_other = f->a->recover_sst(f->other, NULL, f->sst);
    c->seed = f->a->seed(f->t, NULL, 9, 9);
    __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
}

static void check_refused(const calls_t *c)
{
    cr_assert(__atomic_load_n(&c->done, __ATOMIC_ACQUIRE),
              "the callback did not run");
    cr_assert_eq(c->recover, LSN_TRACKER_EINVAL, "recover: %d", c->recover);
    cr_assert_eq(c->report, LSN_TRACKER_EINVAL, "recover_report: %d",
                 c->report);
    cr_assert_eq(c->files_reported, 0, "a refused recovery read files");
    cr_assert_eq(c->sst, LSN_TRACKER_EINVAL, "recover_sst: %d", c->sst);
    cr_assert_eq(c->flush_all, LSN_TRACKER_EINVAL, "flush_all: %d",
                 c->flush_all);
    cr_assert_eq(c->recover_other, LSN_TRACKER_EINVAL,
                 "recover of another tracker: %d", c->recover_other);
    cr_assert_eq(c->sst_other, LSN_TRACKER_EINVAL,
                 "recover_sst of another tracker: %d", c->sst_other);
    cr_assert_eq(c->seed, LSN_TRACKER_EINVAL, "seed: %d", c->seed);
}

/* Outside a callback the same calls work, and raise what they would have
 * raised inside. */
static void check_they_work_outside(fixture_t *f)
{
    lsn_tracker_stats_t st = {.size = sizeof st};
    uint64_t v;
    int files = 0;
    cr_assert_eq(f->a->get(f->t, NULL, 2, &v), LSN_TRACKER_NOT_FOUND,
                 "the refused recover_sst raised");
    cr_assert_eq(f->a->get(f->other, NULL, 2, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(f->a->get(f->t, NULL, 9, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(f->a->stats(f->other, &st), LSN_TRACKER_OK);
    cr_assert_eq(st.open, 0, "the refused recover bound another tracker");
    cr_assert_eq(f->a->recover_sst(f->t, NULL, f->sst), LSN_TRACKER_OK);
    cr_assert_eq(f->a->get(f->t, NULL, 2, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 500);
    cr_assert_eq(f->a->recover_report(f->t, f->db, f->dir, count_file, &files),
                 LSN_TRACKER_OK);
    cr_assert_geq(files, 1);
    cr_assert_eq(f->a->recover(f->t, f->db, f->dir), LSN_TRACKER_OK);
    cr_assert_eq(f->a->flush_all(f->db), LSN_TRACKER_OK);
}

static void seed_run(void *arg)
{
    calls_t *c = arg;
    c->seed_rc = c->f->a->seed(c->f->t, "host", c->partition, 1);
}

/* The callback runs on the host thread, inside seed, with a write waiting
 * in the memtable for flush_all to flush. */
Test(reentry, recovery_and_flush_all_refused_inside_seed)
{
    fixture_t f;
    calls_t c;
    uint64_t id, v;
    setup(&f);
    memset(&c, 0, sizeof c);
    c.f = &f;
    c.partition = 77;
    lsnt_apply_plain(f.db, NULL, 3, 30); /* unflushed */
    cr_assert_eq(f.a->subscribe(f.t, raise_inside, &c, &id), LSN_TRACKER_OK);

    lsnt_within(LSNT_DEADLINE_MS, "recovery calls inside seed", seed_run, &c);

    cr_assert_eq(c.seed_rc, LSN_TRACKER_OK);
    check_refused(&c);
    cr_assert_eq(f.a->get(f.t, NULL, 3, &v), LSN_TRACKER_NOT_FOUND,
                 "the refused flush_all flushed");
    check_they_work_outside(&f);
    cr_assert_eq(f.a->wait(f.t, NULL, 3, 30, 60000, &v), LSN_TRACKER_OK);
    cr_assert_eq(f.a->unsubscribe(f.t, id), LSN_TRACKER_OK);
    teardown(&f);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct flush_run {
    calls_t *c;
    char *err;
    int waited_ms;
} flush_run_t;

/* A write and a flush; the callback then runs on RocksDB's flush thread.
 * rocksdb_flush may return before the listener has run, so the callback's
 * own flag says when it is done. No cr_assert here: not the test's thread. */
static void flush_and_wait(void *arg)
{
    flush_run_t *r = arg;
    fixture_t *f = r->c->f;
    char k[16], v[8];
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_flushoptions_set_wait(fo, 1);
    rocksdb_put(f->db, wo, k, lsnt_plain_key(r->c->partition, k), v,
                lsnt_plain_value(40, v), &r->err);
    if (!r->err)
        rocksdb_flush(f->db, fo, &r->err);
    while (!r->err && !__atomic_load_n(&r->c->done, __ATOMIC_ACQUIRE) &&
           r->waited_ms < LSNT_DEADLINE_MS) {
        sleep_ms(1);
        r->waited_ms++;
    }
    rocksdb_flushoptions_destroy(fo);
    rocksdb_writeoptions_destroy(wo);
}

/* The callback runs on RocksDB's flush thread. */
Test(reentry, recovery_and_flush_all_refused_on_the_flush_thread)
{
    fixture_t f;
    calls_t c;
    flush_run_t r = {&c, NULL, 0};
    uint64_t id, v;
    setup(&f);
    memset(&c, 0, sizeof c);
    c.f = &f;
    c.partition = 4;
    cr_assert_eq(f.a->subscribe(f.t, raise_inside, &c, &id), LSN_TRACKER_OK);

    lsnt_within(LSNT_DEADLINE_MS + 10000, "recovery calls on the flush thread",
                flush_and_wait, &r);

    cr_assert_null(r.err, "%s", r.err);
    if (!__atomic_load_n(&c.done, __ATOMIC_ACQUIRE))
        lsnt_hung("the subscriber on the flush thread", LSNT_DEADLINE_MS);
    check_refused(&c);
    cr_assert_eq(f.a->get(f.t, NULL, 4, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 40);
    check_they_work_outside(&f);
    cr_assert_eq(f.a->unsubscribe(f.t, id), LSN_TRACKER_OK);
    teardown(&f);
}
