/* Column family handles through the ABI, without a database:
 * lsn_tracker_cf and lsn_tracker_cf_get read what lsn_tracker_get reads,
 * hand out one handle per name, check their arguments, and stay valid and
 * consistent while a writer raises the same family (run under TSan in the
 * sanitizer build). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "lsnt.h"

typedef int (*cf_fn)(lsn_tracker_t *, const char *, lsn_tracker_cf_t **);
typedef int (*cf_get_fn)(const lsn_tracker_cf_t *, uint64_t, uint64_t *);

static cf_fn cf_of(void)
{
    cf_fn f = (cf_fn)dlsym(lsnt_api()->handle, "lsn_tracker_cf");
    cr_assert_not_null(f, "the plugin does not export lsn_tracker_cf");
    return f;
}

static cf_get_fn cf_get(void)
{
    cf_get_fn f = (cf_get_fn)dlsym(lsnt_api()->handle, "lsn_tracker_cf_get");
    cr_assert_not_null(f, "the plugin does not export lsn_tracker_cf_get");
    return f;
}

Test(cf_handle, reads_what_get_reads)
{
    const lsnt_api_t *a = lsnt_api();
    lsn_tracker_t *t = lsnt_fresh_tracker("cfh-read");
    lsn_tracker_cf_t *def, *def2, *x, *y;
    /* Ids on both sides of the store's page and dense boundaries, and the
     * extreme LSNs, which the store encodes specially. */
    const uint64_t ids[] = {0, 511, 512, (1u << 20) - 1, 1u << 20,
                            1ull << 40, UINT64_MAX};
    const uint64_t lsns[] = {0, 1, UINT64_MAX - 1, UINT64_MAX};
    uint64_t v = 42, w;

    cr_assert_not_null(t);
    /* A handle may come before the family has any watermark. */
    cr_assert_eq(cf_of()(t, NULL, &def), LSN_TRACKER_OK);
    cr_assert_eq(cf_of()(t, "default", &def2), LSN_TRACKER_OK);
    cr_assert_eq(def, def2, "NULL and \"default\" are one family");
    cr_assert_eq(cf_of()(t, "x", &x), LSN_TRACKER_OK);
    cr_assert_neq(x, def);
    cr_assert_eq(cf_get()(def, 7, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(v, 42, "NOT_FOUND wrote the value");

    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        for (size_t j = 0; j < sizeof lsns / sizeof lsns[0]; j++) {
            cr_assert_eq(a->seed(t, "x", ids[i], lsns[j]), LSN_TRACKER_OK);
            cr_assert_eq(cf_get()(x, ids[i], &v), LSN_TRACKER_OK);
            cr_assert_eq(a->get(t, "x", ids[i], &w), LSN_TRACKER_OK);
            cr_assert_eq(v, lsns[j], "id %llu", (unsigned long long)ids[i]);
            cr_assert_eq(v, w);
            cr_assert_eq(cf_get()(def, ids[i], &v), LSN_TRACKER_NOT_FOUND,
                         "another family's watermark");
        }
    /* Seeded families get no new handle: the name finds the same one. */
    cr_assert_eq(cf_of()(t, "x", &y), LSN_TRACKER_OK);
    cr_assert_eq(x, y);
    a->close(t);
}

Test(cf_handle, invalid_arguments)
{
    lsn_tracker_t *t = lsnt_fresh_tracker("cfh-einval");
    lsn_tracker_cf_t *h = (lsn_tracker_cf_t *)1;
    uint64_t v;

    cr_assert_eq(cf_of()(NULL, NULL, &h), LSN_TRACKER_EINVAL);
    cr_assert_null(h, "a failed call leaves *out NULL");
    cr_assert_eq(cf_of()(t, NULL, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(cf_get()(NULL, 0, &v), LSN_TRACKER_EINVAL);
    cr_assert_eq(cf_of()(t, NULL, &h), LSN_TRACKER_OK);
    cr_assert_eq(cf_get()(h, 0, NULL), LSN_TRACKER_EINVAL);
    lsnt_api()->close(t);
}

/* A handle read racing with raises: every value read is one that was
 * written, and reads never go down. */
typedef struct race {
    lsn_tracker_t *t;
    _Atomic int stop;
} race_t;

static void *raiser(void *p)
{
    race_t *r = p;
    for (uint64_t lsn = 1; !atomic_load(&r->stop); lsn++)
        if (lsnt_api()->seed(r->t, NULL, lsn % 1024, lsn) != LSN_TRACKER_OK)
            return (void *)1;
    return NULL;
}

Test(cf_handle, reads_race_with_raises)
{
    race_t r = {.t = lsnt_fresh_tracker("cfh-race")};
    lsn_tracker_cf_t *h;
    pthread_t th;
    uint64_t last[1024] = {0};
    void *rc;

    cr_assert_eq(cf_of()(r.t, NULL, &h), LSN_TRACKER_OK);
    atomic_init(&r.stop, 0);
    cr_assert_eq(pthread_create(&th, NULL, raiser, &r), 0);
    for (int i = 0; i < 200000; i++) {
        uint64_t p = (uint64_t)i % 1024, v;
        if (cf_get()(h, p, &v) != LSN_TRACKER_OK)
            continue;
        cr_assert_eq(v % 1024, p, "partition %llu read %llu",
                     (unsigned long long)p, (unsigned long long)v);
        cr_assert_geq(v, last[p], "went down");
        last[p] = v;
    }
    atomic_store(&r.stop, 1);
    pthread_join(th, &rc);
    cr_assert_null(rc, "seed failed");
    lsnt_api()->close(r.t);
}
