/* Recovery after reopen: lsn_tracker_recover raises a
 * fresh tracker from the live SSTs of an open DB to exactly the applied-LSN
 * keys read with read_tier=kPersistedTier, and in the conservative cases
 * (no callback, no property) the watermark lags but never runs ahead. Each
 * reopen uses a new tracker name, as a new process would. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lsnt.h"

#define NCF 3
#define NP 12

static const char *const CFS[NCF] = {"default", "orders", "payments"};

typedef struct fixture {
    const lsnt_api_t *a;
    char *dir, *name;
    const char *extra; /* more options, e.g. a listener property */
    int shutdown_flush; /* else close drops the memtables, as a crash */
    lsn_tracker_t *t;
    rocksdb_options_t *o;
    rocksdb_t *db;
    rocksdb_column_family_handle_t *cf[NCF];
} fixture_t;

/* Opens (or reopens) the DB with a listener bound to a new tracker. */
static void db_open(fixture_t *f)
{
    char *s, *err;
    free(f->name);
    f->name = lsnt_unique("recover");
    cr_assert(asprintf(&s, "listeners={id=LsnFlushListener;tracker=%s%s};%s;"
                           "write_buffer_size=67108864;"
                           "disable_auto_compactions=true;"
                           "avoid_flush_during_shutdown=%s",
                       f->name, f->extra ? f->extra : "",
                       LSNT_PLAIN_COLLECTOR,
                       f->shutdown_flush ? "false" : "true") > 0);
    f->o = lsnt_options(s, &err);
    cr_assert_not_null(f->o, "%s", err);
    free(s);
    f->t = f->a->open(f->name);
    cr_assert_not_null(f->t);
    f->db = lsnt_open(f->dir, f->o, NCF, CFS, f->cf);
}

/* Closes the DB; the tracker is kept so a test can look at it after. */
static void db_close(fixture_t *f)
{
    for (int i = 0; i < NCF; i++)
        rocksdb_column_family_handle_destroy(f->cf[i]);
    rocksdb_close(f->db);
    rocksdb_options_destroy(f->o);
    f->db = NULL;
}

static void reopen(fixture_t *f)
{
    db_close(f);
    f->a->close(f->t);
    db_open(f);
}

static void setup(fixture_t *f, const char *extra)
{
    memset(f, 0, sizeof(*f));
    f->a = lsnt_api();
    f->dir = lsnt_tmpdir("recover");
    f->extra = extra;
    db_open(f);
}

static void teardown(fixture_t *f)
{
    if (f->db)
        db_close(f);
    f->a->close(f->t);
    lsnt_rmdir(f->dir);
    free(f->name);
}

static uint64_t wm(fixture_t *f, int c, uint64_t p, int *found)
{
    uint64_t v = 0;
    *found = f->a->get(f->t, CFS[c], p, &v) == LSN_TRACKER_OK;
    return v;
}

/* The contract, for every column family and partition: the watermark is
 * never ahead of the applied-LSN key in SST files; with exact set, equal. */
static void check_all(fixture_t *f, int exact)
{
    for (int c = 0; c < NCF; c++)
        for (uint64_t p = 0; p < NP; p++) {
            int pfound, wfound;
            uint64_t pers = lsnt_persisted_plain(f->db, f->cf[c], p, &pfound);
            uint64_t w = wm(f, c, p, &wfound);
            if (wfound)
                cr_assert(pfound && w <= pers,
                          "%s/%llu: watermark %llu ahead of persisted %llu%s",
                          CFS[c], (unsigned long long)p, (unsigned long long)w,
                          (unsigned long long)pers, pfound ? "" : " (absent)");
            if (exact)
                cr_assert(wfound == pfound && w == pers,
                          "%s/%llu: watermark %llu (%s), persisted %llu (%s)",
                          CFS[c], (unsigned long long)p,
                          (unsigned long long)w, wfound ? "known" : "unknown",
                          (unsigned long long)pers,
                          pfound ? "found" : "absent");
        }
}

static void recover(fixture_t *f, int want)
{
    int rc = f->a->recover(f->t, f->db, f->dir);
    cr_assert_eq(rc, want, "recover: %s", f->a->strerror(rc));
}

static int live_files(fixture_t *f)
{
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(f->db);
    int n = rocksdb_livefiles_count(lf);
    rocksdb_livefiles_destroy(lf);
    return n;
}

static void flush_and_wait(fixture_t *f, int c, uint64_t p, uint64_t lsn)
{
    uint64_t got;
    lsnt_flush(f->db, f->cf[c]);
    cr_assert_eq(f->a->wait(f->t, CFS[c], p, lsn, 10000, &got),
                 LSN_TRACKER_OK, "%s/%llu never reached %llu", CFS[c],
                 (unsigned long long)p, (unsigned long long)lsn);
}

/* Writes partition p of CF c with an LSN that encodes round, c and p. */
static uint64_t write_round(fixture_t *f, int round, int c, uint64_t p)
{
    uint64_t lsn = (uint64_t)round * 1000 + p * 10 + (uint64_t)c;
    lsnt_apply_plain(f->db, f->cf[c], p, lsn);
    return lsn;
}

Test(recover, equals_flushed_lsns_after_reopen)
{
    fixture_t f;
    setup(&f, NULL);
    for (int round = 1; round <= 4; round++) {
        for (int c = 0; c < NCF; c++)
            for (uint64_t p = 0; p < NP; p++)
                if ((p + (uint64_t)round) % 5) /* some idle each round */
                    write_round(&f, round, c, p);
        /* One CF is left unflushed each round, another flushed twice. */
        for (int c = 0; c < NCF; c++)
            if (c != round % NCF)
                lsnt_flush(f.db, f.cf[c]);
    }
    lsnt_apply_plain(f.db, f.cf[1], 0, 9999); /* never flushed */
    uint64_t got;
    /* Round 4 flushed default with partition 2 at 4020; the contract holds
     * whether or not every callback has run yet. */
    cr_assert_eq(f.a->wait(f.t, "default", 2, 4020, 10000, &got),
                 LSN_TRACKER_OK);
    check_all(&f, 0);

    reopen(&f); /* the memtables are lost, as in a crash */
    lsn_tracker_stats_t st = {.size = sizeof st};
    f.a->stats(f.t, &st);
    cr_assert_eq(st.entries, 0, "a new tracker knows nothing before recover");
    recover(&f, LSN_TRACKER_OK);
    check_all(&f, 1);
    f.a->stats(f.t, &st);
    cr_assert_eq(st.recovered_files, (uint64_t)live_files(&f));
    int found;
    cr_assert_lt(wm(&f, 1, 0, &found), 9999);
    cr_assert_eq(f.a->recover(f.t, f.db, f.dir), LSN_TRACKER_OK,
                 "recover twice is harmless");
    check_all(&f, 1);
    teardown(&f);
}

Test(recover, close_with_unflushed_writes)
{
    /* Close flushes the memtables (avoid_flush_during_shutdown=false).
     * Whether that flush reaches the listener is RocksDB's business (7.8.3
     * does call OnFlushCompleted from rocksdb_close; a flush racing with
     * shutdown_ does not): the old watermark may lag, never lead, and
     * recover after reopen finds the truth. */
    fixture_t f;
    uint64_t last[NCF][NP], got;
    int found;
    setup(&f, NULL);
    f.shutdown_flush = 1;
    reopen(&f);
    for (int c = 0; c < NCF; c++)
        for (uint64_t p = 0; p < NP; p++)
            last[c][p] = write_round(&f, 1, c, p);
    flush_and_wait(&f, 0, NP - 1, last[0][NP - 1]);
    for (int c = 0; c < NCF; c++)
        for (uint64_t p = 0; p < NP; p++)
            last[c][p] = write_round(&f, 2, c, p);
    lsn_tracker_t *old = f.t;
    db_close(&f);
    for (int c = 0; c < NCF; c++)
        for (uint64_t p = 0; p < NP; p++)
            if (f.a->get(old, CFS[c], p, &got) == LSN_TRACKER_OK)
                cr_assert_leq(got, last[c][p]);
    f.a->close(old);
    db_open(&f);
    check_all(&f, 0); /* nothing known yet, nothing ahead */
    recover(&f, LSN_TRACKER_OK);
    check_all(&f, 1);
    for (int c = 0; c < NCF; c++)
        for (uint64_t p = 0; p < NP; p++)
            cr_assert_eq(wm(&f, c, p, &found), last[c][p]);
    teardown(&f);
}

Test(recover, reopen_without_a_flush)
{
    fixture_t f;
    setup(&f, NULL);
    reopen(&f); /* empty DB: nothing to find */
    recover(&f, LSN_TRACKER_OK);
    check_all(&f, 1);
    lsn_tracker_stats_t st = {.size = sizeof st};
    f.a->stats(f.t, &st);
    cr_assert_eq(st.entries, 0);

    write_round(&f, 1, 0, 3);
    flush_and_wait(&f, 0, 3, 1030);
    write_round(&f, 2, 0, 3); /* lost: no flush, no shutdown flush */
    reopen(&f);
    reopen(&f); /* and once more, still without a flush */
    recover(&f, LSN_TRACKER_OK);
    check_all(&f, 1);
    int found;
    cr_assert_eq(wm(&f, 0, 3, &found), 1030);
    teardown(&f);
}

Test(recover, recovery_flush_at_open_is_found_by_recover)
{
    /* With the WAL on, writes not flushed before close are replayed and
     * flushed at open (WriteLevel0TableForRecovery): no callback. */
    fixture_t f;
    char k[16], v[8], *err = NULL;
    setup(&f, NULL);
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_put_cf(f.db, wo, f.cf[2], k, lsnt_plain_key(5, k), v,
                   lsnt_plain_value(555, v), &err);
    cr_assert_null(err);
    rocksdb_writeoptions_destroy(wo);
    reopen(&f);
    lsn_tracker_stats_t st = {.size = sizeof st};
    f.a->stats(f.t, &st);
    cr_assert_eq(st.entries, 0, "no listener saw the recovery flush");
    check_all(&f, 0);
    recover(&f, LSN_TRACKER_OK);
    check_all(&f, 1);
    int found;
    cr_assert_eq(wm(&f, 2, 5, &found), 555);
    teardown(&f);
}

Test(recover, empty_flush_output_raises_nothing)
{
    fixture_t f;
    char k[16], v[8], *err = NULL;
    setup(&f, NULL);
    write_round(&f, 1, 0, 4);
    flush_and_wait(&f, 0, 4, 1040);
    int files = live_files(&f);
    /* A Put and its SingleDelete meet in the flush and both are dropped:
     * the flush writes no file. Here the Put is a newer applied LSN. */
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_put(f.db, wo, k, lsnt_plain_key(4, k), v, lsnt_plain_value(2040, v),
                &err);
    cr_assert_null(err);
    rocksdb_singledelete(f.db, wo, k, lsnt_plain_key(4, k), &err);
    cr_assert_null(err);
    rocksdb_writeoptions_destroy(wo);
    lsnt_flush(f.db, f.cf[0]);
    cr_assert_eq(live_files(&f), files, "the flush output was not empty");
    /* A later real flush of the same CF; its callback comes after. */
    write_round(&f, 3, 0, 7);
    flush_and_wait(&f, 0, 7, 3070);
    check_all(&f, 1);
    int found;
    cr_assert_eq(wm(&f, 0, 4, &found), 1040);
    reopen(&f);
    recover(&f, LSN_TRACKER_OK);
    check_all(&f, 1);
    teardown(&f);
}

Test(recover, deleted_applied_lsn_key)
{
    /* Deleting the key does not undo what was durably applied: the
     * watermark keeps the last durable LSN (it never lowers) while the old
     * SST is live, and a fresh recover finds nothing once compaction has
     * dropped the key. It is never above a value the key held in an SST. */
    fixture_t f;
    char k[16], *err = NULL;
    int found;
    setup(&f, NULL);
    write_round(&f, 1, 1, 6);
    flush_and_wait(&f, 1, 6, 1061);
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_delete_cf(f.db, wo, f.cf[1], k, lsnt_plain_key(6, k), &err);
    cr_assert_null(err);
    write_round(&f, 2, 1, 7);
    flush_and_wait(&f, 1, 7, 2071);
    cr_assert_eq(wm(&f, 1, 6, &found), 1061);
    lsnt_persisted_plain(f.db, f.cf[1], 6, &found);
    cr_assert_not(found);

    reopen(&f);
    recover(&f, LSN_TRACKER_OK);
    cr_assert_eq(wm(&f, 1, 6, &found), 1061, "the Put's SST is still live");
    cr_assert_eq(wm(&f, 1, 7, &found), 2071);

    rocksdb_compact_range_cf(f.db, f.cf[1], NULL, 0, NULL, 0);
    reopen(&f);
    recover(&f, LSN_TRACKER_OK);
    check_all(&f, 1);
    cr_assert_eq(f.a->get(f.t, "orders", 6, &(uint64_t){0}),
                 LSN_TRACKER_NOT_FOUND);
    teardown(&f);
    rocksdb_writeoptions_destroy(wo);
}

/* Copies a file byte for byte. */
static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[8192];
    size_t n;
    cr_assert(in && out, "copy %s -> %s", from, to);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* Path of the first live SST of CF c. */
static char *live_sst(fixture_t *f, int c)
{
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(f->db);
    char *path = NULL;
    for (int i = 0; i < rocksdb_livefiles_count(lf) && !path; i++)
        if (!strcmp(rocksdb_livefiles_column_family_name(lf, i), CFS[c]))
            cr_assert(asprintf(&path, "%s%s", f->dir,
                               rocksdb_livefiles_name(lf, i)) > 0);
    rocksdb_livefiles_destroy(lf);
    cr_assert_not_null(path, "no live SST in %s", CFS[c]);
    return path;
}

Test(recover, only_live_files_count)
{
    fixture_t f;
    uint64_t got;
    setup(&f, NULL);
    /* A stray SST with a high LSN, copied into the directory. */
    write_round(&f, 9, 0, 8);
    flush_and_wait(&f, 0, 8, 9080);
    char *src = live_sst(&f, 0), *keep = lsnt_tmpdir("stray"), *stray;
    cr_assert(asprintf(&stray, "%s/stray.sst", keep) > 0);
    copy_file(src, stray);
    free(src);
    db_close(&f);
    f.a->close(f.t);
    lsnt_rmdir(f.dir);
    f.dir = lsnt_tmpdir("recover");
    db_open(&f);
    char *stray_in_db;
    cr_assert(asprintf(&stray_in_db, "%s/999999.sst", f.dir) > 0);
    copy_file(stray, stray_in_db);
    free(stray);
    lsnt_rmdir(keep);

    /* Compacted-away files left in the directory: deletions disabled, the
     * compaction input with the Put of partition 6 stays on disk while the
     * live output has dropped it with its tombstone. */
    char *err = NULL, k[16];
    write_round(&f, 1, 0, 6);
    flush_and_wait(&f, 0, 6, 1060);
    rocksdb_disable_file_deletions(f.db, &err);
    cr_assert_null(err);
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_delete(f.db, wo, k, lsnt_plain_key(6, k), &err);
    cr_assert_null(err);
    rocksdb_writeoptions_destroy(wo);
    write_round(&f, 2, 0, 1);
    flush_and_wait(&f, 0, 1, 2010);
    rocksdb_compact_range(f.db, NULL, 0, NULL, 0);

    lsn_tracker_t *fresh = lsnt_fresh_tracker("fresh");
    cr_assert_eq(f.a->recover(fresh, f.db, f.dir), LSN_TRACKER_OK);
    cr_assert_eq(f.a->get(fresh, "default", 8, &got), LSN_TRACKER_NOT_FOUND,
                 "the stray file was read");
    cr_assert_eq(f.a->get(fresh, "default", 6, &got), LSN_TRACKER_NOT_FOUND,
                 "a compacted-away file was read");
    cr_assert_eq(f.a->get(fresh, "default", 1, &got), LSN_TRACKER_OK);
    cr_assert_eq(got, 2010);
    /* Both files do carry what recover would have wrongly taken. */
    cr_assert_eq(f.a->recover_sst(fresh, NULL, stray_in_db), LSN_TRACKER_OK);
    cr_assert_eq(f.a->get(fresh, "default", 8, &got), LSN_TRACKER_OK);
    cr_assert_eq(got, 9080);
    lsn_tracker_t *all = lsnt_fresh_tracker("all");
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(f.db);
    int dead = 0;
    for (int i = 1; i < 64; i++) {
        char *p;
        int live = 0;
        cr_assert(asprintf(&p, "%s/%06d.sst", f.dir, i) > 0);
        for (int j = 0; j < rocksdb_livefiles_count(lf); j++)
            live |= !strcmp(strrchr(p, '/'), rocksdb_livefiles_name(lf, j));
        if (!live && access(p, F_OK) == 0 &&
            f.a->recover_sst(all, NULL, p) == LSN_TRACKER_OK)
            dead++;
        free(p);
    }
    rocksdb_livefiles_destroy(lf);
    cr_assert_gt(dead, 0, "no compacted-away SST left on disk");
    cr_assert_eq(f.a->get(all, "default", 6, &got), LSN_TRACKER_OK);
    cr_assert_eq(got, 1060);
    f.a->close(all);
    rocksdb_enable_file_deletions(f.db, 1, &err);
    f.a->close(fresh);
    free(stray_in_db);
    teardown(&f);
}

/* Writes an SST outside any DB with the given options. */
static char *write_sst(const char *dir, const char *name, const char *opts,
                       uint64_t p, uint64_t lsn)
{
    char *path, *err = NULL, k[16], v[8];
    rocksdb_options_t *o = lsnt_options(opts, &err);
    cr_assert_not_null(o, "%s", err);
    rocksdb_envoptions_t *eo = rocksdb_envoptions_create();
    rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(eo, o);
    cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
    rocksdb_sstfilewriter_open(w, path, &err);
    cr_assert_null(err, "%s", err);
    rocksdb_sstfilewriter_put(w, k, lsnt_plain_key(p, k), v,
                              lsnt_plain_value(lsn, v), &err);
    cr_assert_null(err, "%s", err);
    rocksdb_sstfilewriter_finish(w, &err);
    cr_assert_null(err, "%s", err);
    rocksdb_sstfilewriter_destroy(w);
    rocksdb_envoptions_destroy(eo);
    rocksdb_options_destroy(o);
    return path;
}

Test(recover, recover_sst_one_file)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("sst"), *name = lsnt_unique("sst");
    lsn_tracker_t *t = a->open(name);
    uint64_t got;
    char *with = write_sst(dir, "with.sst", LSNT_PLAIN_COLLECTOR, 3, 333);
    char *without = write_sst(dir, "without.sst", "write_buffer_size=1048576",
                              3, 444);

    cr_assert_eq(a->recover_sst(t, "orders", with), LSN_TRACKER_OK);
    cr_assert_eq(a->get(t, "orders", 3, &got), LSN_TRACKER_OK);
    cr_assert_eq(got, 333);
    cr_assert_eq(a->get(t, NULL, 3, &got), LSN_TRACKER_NOT_FOUND,
                 "only the CF named is raised");
    cr_assert_eq(a->recover_sst(t, NULL, with), LSN_TRACKER_OK);
    cr_assert_eq(a->get(t, "default", 3, &got), LSN_TRACKER_OK);
    cr_assert_eq(a->recover_sst(t, "orders", without), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->get(t, "orders", 3, &got), LSN_TRACKER_OK);
    cr_assert_eq(got, 333, "a file without the property changes nothing");
    lsn_tracker_stats_t st = {.size = sizeof st};
    a->stats(t, &st);
    cr_assert_eq(st.recovered_files, 2);

    cr_assert_eq(a->recover_sst(NULL, NULL, with), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover_sst(t, NULL, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover_sst(t, NULL, ""), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover(NULL, NULL, dir), LSN_TRACKER_EINVAL);

    /* Missing, not an SST, cut short: EIO, nothing raised. */
    char *junk, *cut;
    cr_assert(asprintf(&junk, "%s/junk.sst", dir) > 0);
    cr_assert(asprintf(&cut, "%s/cut.sst", dir) > 0);
    FILE *fj = fopen(junk, "w");
    fputs("this is not a table file, it only has the name of one\n", fj);
    fclose(fj);
    copy_file(with, cut);
    cr_assert_eq(truncate(cut, 100), 0);
    cr_assert_eq(a->recover_sst(t, "x", "/nonexistent/000001.sst"),
                 LSN_TRACKER_EIO);
    cr_assert_eq(a->recover_sst(t, "x", junk), LSN_TRACKER_EIO);
    cr_assert_eq(a->recover_sst(t, "x", cut), LSN_TRACKER_EIO);
    cr_assert_eq(a->recover_sst(t, "x", dir), LSN_TRACKER_EIO);
    cr_assert_eq(a->get(t, "x", 3, &got), LSN_TRACKER_NOT_FOUND);

    free(junk);
    free(cut);
    free(with);
    free(without);
    a->close(t);
    free(name);
    lsnt_rmdir(dir);
}

Test(recover, unreadable_live_file_gives_eio_and_the_rest_still_count)
{
    fixture_t f;
    uint64_t last[NCF];
    setup(&f, NULL);
    for (int c = 0; c < NCF; c++) {
        last[c] = write_round(&f, 1, c, 2);
        flush_and_wait(&f, c, 2, last[c]);
    }
    /* RocksDB keeps its descriptor; only a reader by path sees the loss. */
    char *victim = live_sst(&f, 1);
    cr_assert_eq(unlink(victim), 0);
    free(victim);
    lsn_tracker_t *fresh = lsnt_fresh_tracker("eio");
    uint64_t got;
    cr_assert_eq(f.a->recover(fresh, f.db, f.dir), LSN_TRACKER_EIO);
    cr_assert_eq(f.a->get(fresh, "orders", 2, &got), LSN_TRACKER_NOT_FOUND);
    for (int c = 0; c < NCF; c += 2) {
        cr_assert_eq(f.a->get(fresh, CFS[c], 2, &got), LSN_TRACKER_OK,
                     "%s not applied after another file failed", CFS[c]);
        cr_assert_eq(got, last[c]);
    }
    f.a->close(fresh);
    teardown(&f);
}

Test(recover, corrupt_property_is_counted_and_recovery_reads_the_collectors)
{
    /* The listener reads a property that is not ours: the block-based
     * table writes rocksdb.block.based.table.whole.key.filtering ("1"). */
    fixture_t f;
    uint64_t got;
    setup(&f, ";property=rocksdb.block.based.table.whole.key.filtering");
    write_round(&f, 1, 0, 1);
    lsnt_flush(f.db, f.cf[0]);
    /* A second tracker with the right property shows the flush is over. */
    lsn_tracker_t *good = lsnt_fresh_tracker("good");
    char *sst = live_sst(&f, 0);
    cr_assert_eq(f.a->recover_sst(good, NULL, sst), LSN_TRACKER_OK);
    cr_assert_eq(f.a->get(good, NULL, 1, &got), LSN_TRACKER_OK);
    cr_assert_eq(got, 1010);
    f.a->close(good);

    lsn_tracker_stats_t st = {.size = sizeof st};
    cr_assert_eq(f.a->recover_sst(f.t, NULL, sst), LSN_TRACKER_ECORRUPT);
    f.a->stats(f.t, &st);
    uint64_t corrupt = st.corrupt_properties;
    cr_assert_geq(corrupt, 1);
    /* Recovery does not take the listener's word for the property: it
     * reads the one the column family's collector writes, as the
     * database's options name it. */
    cr_assert_eq(f.a->recover(f.t, f.db, f.dir), LSN_TRACKER_OK);
    f.a->stats(f.t, &st);
    cr_assert_eq(st.corrupt_properties, corrupt);
    cr_assert_eq(st.recovered_files, (uint64_t)live_files(&f));
    cr_assert_eq(f.a->get(f.t, NULL, 1, &got), LSN_TRACKER_OK);
    cr_assert_eq(got, 1010);
    free(sst);
    teardown(&f);
}

struct compact_once {
    rocksdb_t *db;
    int calls;
};

/* Runs on the thread calling recover, after its first file raised a
 * watermark: a compaction then deletes the other files recover listed. */
static void compact_on_first(void *arg, const char *cf, uint64_t p,
                             uint64_t lsn)
{
    struct compact_once *c = arg;
    (void)cf;
    (void)p;
    (void)lsn;
    if (c->calls++ == 0)
        rocksdb_compact_range(c->db, NULL, 0, NULL, 0);
}

Test(recover, files_compacted_away_during_recover_are_still_read)
{
    fixture_t f;
    uint64_t got, sub;
    setup(&f, NULL);
    for (uint64_t p = 0; p < 4; p++) {
        write_round(&f, 1, 0, p);
        flush_and_wait(&f, 0, p, 1000 + p * 10);
    }
    cr_assert_eq(live_files(&f), 4);
    reopen(&f);
    struct compact_once c = {f.db, 0};
    cr_assert_eq(f.a->subscribe(f.t, compact_on_first, &c, &sub),
                 LSN_TRACKER_OK);
    recover(&f, LSN_TRACKER_OK);
    cr_assert_eq(f.a->unsubscribe(f.t, sub), LSN_TRACKER_OK);
    cr_assert_eq(live_files(&f), 1, "the compaction did not run");
    for (uint64_t p = 0; p < 4; p++) {
        cr_assert_eq(f.a->get(f.t, NULL, p, &got), LSN_TRACKER_OK);
        cr_assert_eq(got, 1000 + p * 10);
    }
    check_all(&f, 1);
    teardown(&f);
}
