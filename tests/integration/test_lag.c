/* Bounded trim lag (LsnFlushListener max_lag_ms, lsn_tracker_attach): an
 * idle column family's last writes become durable within the bound without
 * a flush from the host; only that family is flushed, or every family under
 * atomic_flush; and the database or its handles going away while the poller
 * runs, in whatever order the host gets it, never leaves the poller using
 * them (run under ASan and TSan in CI). Watermarks are awaited with
 * lsn_tracker_wait, never with sleeps. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsnt.h"

#define WAIT_MS 20000

typedef int (*attach_fn)(lsn_tracker_t *, rocksdb_t *,
                         rocksdb_column_family_handle_t *const *, int);
typedef int (*detach_fn)(lsn_tracker_t *);

static attach_fn attach;
static detach_fn detach;

static const lsnt_api_t *api(void)
{
    const lsnt_api_t *a = lsnt_api();
    *(void **)&attach = dlsym(a->handle, "lsn_tracker_attach");
    *(void **)&detach = dlsym(a->handle, "lsn_tracker_detach");
    cr_assert(attach && detach, "the plugin does not export attach/detach");
    return a;
}

static rocksdb_options_t *options(const char *name, const char *listener_extra,
                                  const char *extra)
{
    char *s, *err = NULL;
    rocksdb_options_t *o;
    cr_assert(asprintf(&s,
                       "listeners={id=LsnFlushListener;tracker=%s%s};"
                       LSNT_PLAIN_COLLECTOR ";write_buffer_size=67108864;"
                       "disable_auto_compactions=true%s",
                       name, listener_extra, extra) > 0);
    o = lsnt_options(s, &err);
    cr_assert_not_null(o, "%s: %s", s, err);
    free(s);
    return o;
}

static int live_files_of(rocksdb_t *db, const char *cf)
{
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(db);
    int n = 0;
    for (int i = 0; i < rocksdb_livefiles_count(lf); i++)
        n += !strcmp(rocksdb_livefiles_column_family_name(lf, i), cf);
    rocksdb_livefiles_destroy(lf);
    return n;
}

static const char *const CFS[] = {"default", "idle"};

Test(lag, idle_family_is_flushed_within_the_bound_and_alone)
{
    const lsnt_api_t *a = api();
    char *dir = lsnt_tmpdir("lag"), *name = lsnt_unique("lag");
    rocksdb_options_t *o = options(name, ";max_lag_ms=200", "");
    rocksdb_column_family_handle_t *h[2];
    rocksdb_t *db = lsnt_open(dir, o, 2, CFS, h);
    lsn_tracker_t *t = a->open(name);
    lsn_tracker_stats_t st = {.size = sizeof st};
    uint64_t v;

    cr_assert_eq(attach(t, db, h, 2), LSN_TRACKER_OK);
    cr_assert_eq(attach(t, db, h, 2), LSN_TRACKER_EBUSY, "attached twice");
    lsnt_apply_plain(db, h[0], 7, 10);
    /* No flush by the host: the bound makes it durable. */
    cr_assert_eq(a->wait(t, NULL, 7, 10, WAIT_MS, &v), LSN_TRACKER_OK,
                 "never flushed within the bound");
    cr_assert_eq(a->stats(t, &st), LSN_TRACKER_OK);
    cr_assert_geq(st.forced_flushes, 1);
    cr_assert_eq(live_files_of(db, "idle"), 0,
                 "the family without writes was flushed too");
    cr_assert_eq(detach(t), LSN_TRACKER_OK);
    cr_assert_eq(detach(t), LSN_TRACKER_NOT_FOUND);
    for (int i = 0; i < 2; i++)
        rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    lsnt_rmdir(dir);
    free(name);
}

static const char *const ATOMIC_CFS[] = {"default", "state"};

Test(lag, atomic_flush_flushes_every_family)
{
    const lsnt_api_t *a = api();
    char *dir = lsnt_tmpdir("lag"), *name = lsnt_unique("lag");
    rocksdb_options_t *o = options(name, ";max_lag_ms=100", ";atomic_flush=true");
    rocksdb_column_family_handle_t *h[2];
    rocksdb_t *db = lsnt_open(dir, o, 2, ATOMIC_CFS, h);
    lsn_tracker_t *t = a->open(name);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    char k[16], val[16], *err = NULL;
    uint64_t v;
    int found;

    cr_assert_eq(attach(t, db, h, 2), LSN_TRACKER_OK);
    /* The applied key in "default", the state it covers in "state". */
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_writebatch_put_cf(b, h[0], k, lsnt_plain_key(3, k), val,
                              lsnt_plain_value(30, val));
    rocksdb_writebatch_put_cf(b, h[1], k, lsnt_plain_key(3, k), val,
                              lsnt_plain_value(30, val));
    rocksdb_write(db, wo, b, &err);
    cr_assert_null(err, "%s", err);
    cr_assert_eq(a->wait(t, NULL, 3, 30, WAIT_MS, &v), LSN_TRACKER_OK);
    cr_assert_eq(lsnt_persisted_plain(db, h[1], 3, &found), 30,
                 "the watermark rose while the state was not persisted");
    cr_assert(found);
    rocksdb_writebatch_destroy(b);
    rocksdb_writeoptions_destroy(wo);
    /* Closed without detach: the close detaches. */
    for (int i = 0; i < 2; i++)
        rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
    cr_assert_eq(detach(t), LSN_TRACKER_NOT_FOUND);
    rocksdb_options_destroy(o);
    a->close(t);
    lsnt_rmdir(dir);
    free(name);
}

Test(lag, without_a_bound_attach_flushes_nothing)
{
    const lsnt_api_t *a = api();
    char *dir = lsnt_tmpdir("lag"), *name = lsnt_unique("lag");
    rocksdb_options_t *o = options(name, "", "");
    rocksdb_t *db = lsnt_open(dir, o, 0, NULL, NULL);
    lsn_tracker_t *t = a->open(name);
    lsn_tracker_stats_t st = {.size = sizeof st};

    cr_assert_eq(attach(t, db, NULL, 0), LSN_TRACKER_OK);
    lsnt_apply_plain(db, NULL, 1, 1);
    cr_assert_eq(detach(t), LSN_TRACKER_OK);
    cr_assert_eq(a->stats(t, &st), LSN_TRACKER_OK);
    cr_assert_eq(st.forced_flushes, 0);
    cr_assert_eq(live_files_of(db, "default"), 0);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    lsnt_rmdir(dir);
    free(name);
}

Test(lag, bad_arguments_and_options)
{
    const lsnt_api_t *a = api();
    char *err = NULL;
    lsn_tracker_t *t = lsnt_fresh_tracker("lagargs");
    rocksdb_options_t *o;

    cr_assert_eq(attach(NULL, NULL, NULL, 0), LSN_TRACKER_EINVAL);
    cr_assert_eq(attach(t, NULL, NULL, 0), LSN_TRACKER_EINVAL);
    cr_assert_eq(detach(NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(detach(t), LSN_TRACKER_NOT_FOUND);
    o = lsnt_options("listeners={id=LsnFlushListener;max_lag_ms=soon}", &err);
    cr_assert_null(o);
    cr_assert_not_null(strstr(err, "max_lag_ms"), "%s", err);
    cr_assert_not_null(strstr(err, "soon"), "%s", err);
    free(err);
    a->close(t);
}

/* The host gets the order wrong in every way it can, while the poller
 * polls every millisecond and flushes: handles destroyed while attached,
 * the database closed while attached. Under ASan and TSan a use of a dead
 * handle or database would be reported. */
Test(lag, close_and_handle_destruction_race_the_poller)
{
    const lsnt_api_t *a = api();
    char *name = lsnt_unique("lagrace");
    int rounds = getenv("LSNT_LAG_ROUNDS") ? atoi(getenv("LSNT_LAG_ROUNDS"))
                                           : 20;

    for (int r = 0; r < rounds; r++) {
        char *dir = lsnt_tmpdir("lagrace");
        rocksdb_options_t *o = options(name, ";max_lag_ms=1", "");
        rocksdb_column_family_handle_t *h[2];
        rocksdb_t *db = lsnt_open(dir, o, 2, CFS, h);
        lsn_tracker_t *t = a->open(name);

        cr_assert_eq(attach(t, db, h, 2), LSN_TRACKER_OK, "round %d", r);
        for (uint64_t i = 1; i <= 200; i++)
            lsnt_apply_plain(db, h[i % 2], i % 5, i);
        if (r % 2)
            rocksdb_column_family_handle_destroy(h[1]);
        lsnt_apply_plain(db, h[0], 9, 1000);
        if (r % 2 == 0)
            rocksdb_column_family_handle_destroy(h[1]);
        rocksdb_column_family_handle_destroy(h[0]);
        rocksdb_close(db);
        cr_assert_eq(detach(t), LSN_TRACKER_NOT_FOUND, "round %d", r);
        a->close(t);
        rocksdb_options_destroy(o);
        lsnt_rmdir(dir);
    }
    free(name);
}
