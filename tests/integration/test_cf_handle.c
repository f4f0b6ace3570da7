/* Column family handles follow the tracker's identity rules (ABI 0.2,
 * docs/correctness.md 2.5): a handle taken while one database is open
 * reads NOT_FOUND once that database closes or its family is dropped,
 * never a value of the old incarnation, and reads the next incarnation's
 * values once they are raised. Nothing sleeps: watermarks are awaited with
 * lsn_tracker_wait. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "lsnt.h"

#define WAIT_MS 10000

typedef int (*cf_fn)(lsn_tracker_t *, const char *, lsn_tracker_cf_t **);
typedef int (*cf_get_fn)(const lsn_tracker_cf_t *, uint64_t, uint64_t *);

static lsn_tracker_cf_t *handle(lsn_tracker_t *t, const char *cf)
{
    cf_fn f = (cf_fn)dlsym(lsnt_api()->handle, "lsn_tracker_cf");
    lsn_tracker_cf_t *h;
    cr_assert_not_null(f, "the plugin does not export lsn_tracker_cf");
    cr_assert_eq(f(t, cf, &h), LSN_TRACKER_OK);
    return h;
}

static int hget(const lsn_tracker_cf_t *h, uint64_t p, uint64_t *v)
{
    cf_get_fn f = (cf_get_fn)dlsym(lsnt_api()->handle, "lsn_tracker_cf_get");
    cr_assert_not_null(f, "the plugin does not export lsn_tracker_cf_get");
    *v = 0;
    return f(h, p, v);
}

static rocksdb_options_t *options(const char *name)
{
    char *s, *err = NULL;
    cr_assert(asprintf(&s,
                       "listeners={id=LsnFlushListener;tracker=%s};"
                       LSNT_PLAIN_COLLECTOR ";write_buffer_size=67108864;"
                       "disable_auto_compactions=true",
                       name) > 0);
    rocksdb_options_t *o = lsnt_options(s, &err);
    cr_assert_not_null(o, "%s: %s", s, err);
    free(s);
    return o;
}

static void wait_for(lsn_tracker_t *t, const char *cf, uint64_t p,
                     uint64_t lsn)
{
    uint64_t v = 0;
    int rc = lsnt_api()->wait(t, cf, p, lsn, WAIT_MS, &v);
    cr_assert_eq(rc, LSN_TRACKER_OK, "%s/%llu never reached %llu",
                 cf ? cf : "default", (unsigned long long)p,
                 (unsigned long long)lsn);
}

Test(cf_handle, forgets_at_close_and_reads_the_next_incarnation)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("cfh-close"), *name = lsnt_unique("cfh-close");
    const char *cfs[] = {"default", "x"};
    rocksdb_column_family_handle_t *h[2];
    rocksdb_options_t *o = options(name);
    lsn_tracker_t *t = a->open(name);
    lsn_tracker_cf_t *hd = handle(t, NULL), *hx;
    uint64_t v;

    rocksdb_t *db = lsnt_open(dir, o, 2, cfs, h);
    cr_assert_eq(lsnt_api()->recover(t, db, dir), LSN_TRACKER_OK);
    hx = handle(t, "x");
    lsnt_apply_plain(db, h[0], 3, 100);
    lsnt_apply_plain(db, h[1], 3, 200);
    lsnt_flush(db, h[0]);
    lsnt_flush(db, h[1]);
    wait_for(t, NULL, 3, 100);
    wait_for(t, "x", 3, 200);
    cr_assert_eq(hget(hd, 3, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 100);
    cr_assert_eq(hget(hx, 3, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 200);

    /* Written but not flushed: a close must not make it look durable. */
    lsnt_apply_plain(db, h[1], 3, 300);
    rocksdb_column_family_handle_destroy(h[0]);
    rocksdb_column_family_handle_destroy(h[1]);
    rocksdb_close(db);
    cr_expect_eq(hget(hd, 3, &v), LSN_TRACKER_NOT_FOUND,
                 "closed database still read through the handle: %llu",
                 (unsigned long long)v);
    cr_expect_eq(hget(hx, 3, &v), LSN_TRACKER_NOT_FOUND,
                 "closed database still read through the handle: %llu",
                 (unsigned long long)v);

    /* The next incarnation, read through the same handles. */
    db = lsnt_open(dir, o, 2, cfs, h);
    cr_assert_eq(lsnt_api()->recover(t, db, dir), LSN_TRACKER_OK);
    cr_assert_eq(hget(hx, 3, &v), LSN_TRACKER_OK);
    cr_expect_geq(v, 200, "recovered %llu", (unsigned long long)v);
    lsnt_apply_plain(db, h[1], 3, 400);
    lsnt_flush(db, h[1]);
    wait_for(t, "x", 3, 400);
    cr_assert_eq(hget(hx, 3, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 400);

    rocksdb_column_family_handle_destroy(h[0]);
    rocksdb_column_family_handle_destroy(h[1]);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    free(name);
    lsnt_rmdir(dir);
}

Test(cf_handle, forgets_a_dropped_family)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("cfh-drop"), *name = lsnt_unique("cfh-drop"),
         *err = NULL;
    const char *cfs[] = {"default", "x"};
    rocksdb_column_family_handle_t *h[2];
    rocksdb_options_t *o = options(name);
    lsn_tracker_t *t = a->open(name);
    lsn_tracker_cf_t *hx = handle(t, "x");
    uint64_t v;

    rocksdb_t *db = lsnt_open(dir, o, 2, cfs, h);
    lsnt_apply_plain(db, h[1], 7, 100);
    lsnt_flush(db, h[1]);
    wait_for(t, "x", 7, 100);
    cr_assert_eq(hget(hx, 7, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 100);

    rocksdb_drop_column_family(db, h[1], &err);
    cr_assert_null(err, "drop: %s", err);
    rocksdb_column_family_handle_destroy(h[1]);
    cr_expect_eq(hget(hx, 7, &v), LSN_TRACKER_NOT_FOUND,
                 "the dropped family's watermark %llu",
                 (unsigned long long)v);
    h[1] = rocksdb_create_column_family(db, o, "x", &err);
    cr_assert_null(err, "create: %s", err);
    cr_expect_eq(hget(hx, 7, &v), LSN_TRACKER_NOT_FOUND,
                 "the re-created family has the dropped one's watermark "
                 "%llu", (unsigned long long)v);
    lsnt_apply_plain(db, h[1], 7, 30);
    lsnt_flush(db, h[1]);
    wait_for(t, "x", 7, 30);
    cr_assert_eq(hget(hx, 7, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 30, "a lower LSN of the new family: %llu",
                 (unsigned long long)v);

    rocksdb_column_family_handle_destroy(h[0]);
    rocksdb_column_family_handle_destroy(h[1]);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    free(name);
    lsnt_rmdir(dir);
}
