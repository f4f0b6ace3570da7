/* Trackers through the ABI, without a database: registry, watermarks,
 * stats and argument checking. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lsnt.h"

Test(abi, version_and_strerror)
{
    const lsnt_api_t *a = lsnt_api();
    cr_assert_str_eq(a->version(), LSN_TRACKER_VERSION_STRING);
    cr_assert_str_eq(a->strerror(LSN_TRACKER_OK), "ok");
    int codes[] = {LSN_TRACKER_NOT_FOUND, LSN_TRACKER_TIMEOUT,
                   LSN_TRACKER_EINVAL,    LSN_TRACKER_ENOMEM,
                   LSN_TRACKER_EIO,       LSN_TRACKER_ECORRUPT};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        cr_assert_not_null(a->strerror(codes[i]));
        cr_assert_str_neq(a->strerror(codes[i]), "unknown status");
    }
    cr_assert_str_eq(a->strerror(12345), "unknown status");
    cr_assert_eq(a->reg(), LSN_TRACKER_OK);
    cr_assert_eq(a->reg(), LSN_TRACKER_OK);
}

Test(abi, null_and_invalid_arguments)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("einval");
    lsn_tracker_t *t = a->open(name);
    uint64_t v, id;
    lsn_tracker_stats_t st = {.size = 0};

    cr_assert_null(a->open(NULL));
    cr_assert_null(a->open(""));
    a->close(NULL);
    cr_assert_eq(a->get(NULL, NULL, 0, &v), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->get(t, NULL, 0, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->wait(NULL, NULL, 0, 0, 0, &v), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->subscribe(NULL, (lsn_tracker_advance_fn)1, NULL, &id),
                 LSN_TRACKER_EINVAL);
    cr_assert_eq(a->subscribe(t, NULL, NULL, &id), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->subscribe(t, (lsn_tracker_advance_fn)1, NULL, NULL),
                 LSN_TRACKER_EINVAL);
    cr_assert_eq(a->unsubscribe(NULL, 1), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->unsubscribe(t, 987654), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->eventfd(NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->foreach(NULL, (lsn_tracker_visit_fn)1, NULL),
                 LSN_TRACKER_EINVAL);
    cr_assert_eq(a->foreach(t, NULL, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->seed(NULL, NULL, 0, 1), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover(NULL, (rocksdb_t *)1, "/x"), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover(t, NULL, "/x"), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover(t, (rocksdb_t *)1, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover(t, (rocksdb_t *)1, ""), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover_sst(NULL, NULL, "/x"), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover_sst(t, NULL, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->recover_sst(t, NULL, ""), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->stats(NULL, &st), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->stats(t, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->stats(t, &st), LSN_TRACKER_EINVAL); /* size 0 */
    a->close(t);
    free(name);
}

Test(tracker, watermarks_never_decrease)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("mono");
    lsn_tracker_t *t = a->open(name);
    uint64_t v = 42;
    lsn_tracker_stats_t st = {.size = sizeof st};

    cr_assert_eq(a->get(t, NULL, 1, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(v, 42, "NOT_FOUND must leave *lsn alone");
    cr_assert_eq(a->seed(t, NULL, 1, 100), LSN_TRACKER_OK);
    cr_assert_eq(a->seed(t, NULL, 1, 50), LSN_TRACKER_OK);
    cr_assert_eq(a->seed(t, "default", 1, 100), LSN_TRACKER_OK);
    cr_assert_eq(a->get(t, "default", 1, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 100);
    cr_assert_eq(a->seed(t, NULL, 1, 101), LSN_TRACKER_OK);
    cr_assert_eq(a->get(t, NULL, 1, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 101);
    /* Column families are separate; partition 0 and UINT64_MAX are ids. */
    cr_assert_eq(a->get(t, "other", 1, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->seed(t, "other", 0, 0), LSN_TRACKER_OK);
    cr_assert_eq(a->seed(t, "other", UINT64_MAX, 7), LSN_TRACKER_OK);
    cr_assert_eq(a->seed(t, "other", UINT64_MAX, 6), LSN_TRACKER_OK);
    cr_assert_eq(a->get(t, "other", 0, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 0);
    cr_assert_eq(a->get(t, "other", UINT64_MAX, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 7);
    cr_assert_eq(a->stats(t, &st), LSN_TRACKER_OK);
    cr_assert_eq(st.entries, 3);
    cr_assert_eq(st.advances, 4);
    cr_assert_neq(st.last_advance_unix_us, 0);
    cr_assert_eq(st.listeners, 0);
    a->close(t);
    free(name);
}

Test(tracker, many_partitions_survive_growth)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("grow");
    lsn_tracker_t *t = a->open(name);
    uint64_t v;
    for (uint64_t p = 0; p < 100000; p++)
        cr_assert_eq(a->seed(t, "cf", p * 7919, p + 1), LSN_TRACKER_OK);
    for (uint64_t p = 0; p < 100000; p++) {
        cr_assert_eq(a->get(t, "cf", p * 7919, &v), LSN_TRACKER_OK);
        cr_assert_eq(v, p + 1);
    }
    cr_assert_eq(a->get(t, "cf", 1, &v), LSN_TRACKER_NOT_FOUND);
    a->close(t);
    free(name);
}

static int count_visit(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    uint64_t *sum = arg;
    sum[0]++;
    sum[1] += lsn;
    (void)cf;
    (void)p;
    return sum[0] == 1000 ? 77 : 0;
}

Test(tracker, foreach_visits_all_and_stops_on_request)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("foreach");
    lsn_tracker_t *t = a->open(name);
    uint64_t sum[2] = {0, 0};
    for (uint64_t p = 0; p < 10; p++) {
        a->seed(t, "a", p, p);
        a->seed(t, "b", p, 100 + p);
    }
    cr_assert_eq(a->foreach(t, count_visit, sum), LSN_TRACKER_OK);
    cr_assert_eq(sum[0], 20);
    cr_assert_eq(sum[1], 45 + 1045);
    for (uint64_t p = 10; p < 2000; p++)
        a->seed(t, "a", p, p);
    sum[0] = sum[1] = 0;
    cr_assert_eq(a->foreach(t, count_visit, sum), 77);
    cr_assert_eq(sum[0], 1000);
    a->close(t);
    free(name);
}

static int sum_visit(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    uint64_t *acc = arg;
    (void)cf;
    acc[0]++;
    acc[1] += p ^ lsn;
    return 0;
}

/* Small ids are stored in directly indexed pages, large ones in a hash
 * table: both sides of the boundary, and a page boundary, behave alike. */
Test(tracker, small_and_large_ids_alike)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("ids");
    lsn_tracker_t *t = a->open(name);
    const uint64_t ids[] = {0,        511,        512,       (1u << 20) - 1,
                            1u << 20, (1u << 20) + 1, 1ull << 40, UINT64_MAX - 1};
    const size_t n = sizeof ids / sizeof ids[0];
    uint64_t v, acc[2] = {0, 0}, want = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(a->get(t, NULL, ids[i], &v), LSN_TRACKER_NOT_FOUND);
        cr_assert_eq(a->seed(t, NULL, ids[i], 10 + i), LSN_TRACKER_OK);
        cr_assert_eq(a->seed(t, NULL, ids[i], 5), LSN_TRACKER_OK);
        cr_assert_eq(a->get(t, NULL, ids[i], &v), LSN_TRACKER_OK);
        cr_assert_eq(v, 10 + i, "id %llu", (unsigned long long)ids[i]);
        want += ids[i] ^ (10 + i);
    }
    cr_assert_eq(a->get(t, NULL, 1, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->get(t, NULL, (1u << 20) + 2, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->foreach(t, sum_visit, acc), LSN_TRACKER_OK);
    cr_assert_eq(acc[0], n);
    cr_assert_eq(acc[1], want);
    lsn_tracker_stats_t st = {.size = sizeof st};
    cr_assert_eq(a->stats(t, &st), LSN_TRACKER_OK);
    cr_assert_eq(st.entries, n);
    a->close(t);
    free(name);
}

Test(tracker, open_is_get_or_create_and_refcounted)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("refs");
    lsn_tracker_t *t1 = a->open(name), *t2 = a->open(name), *t3;
    uint64_t v;
    cr_assert_not_null(t1);
    cr_assert_eq(t1, t2);
    a->seed(t1, NULL, 3, 33);
    a->close(t1);
    /* Still held by t2: the watermark is still there. */
    t3 = a->open(name);
    cr_assert_eq(t3, t2);
    cr_assert_eq(a->get(t3, NULL, 3, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 33);
    a->close(t2);
    a->close(t3);
    /* The last close freed it: a new tracker starts empty. */
    t1 = a->open(name);
    cr_assert_eq(a->get(t1, NULL, 3, &v), LSN_TRACKER_NOT_FOUND);
    a->close(t1);
    free(name);
}

Test(tracker, stats_honours_caller_size)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("size");
    lsn_tracker_t *t = a->open(name);
    struct {
        lsn_tracker_stats_t s;
        uint64_t canary;
    } st;
    memset(&st, 0xab, sizeof st);
    st.s.size = 8 + 8; /* size, listeners and flushes only */
    a->seed(t, NULL, 1, 1);
    cr_assert_eq(a->stats(t, &st.s), LSN_TRACKER_OK);
    cr_assert_eq(st.s.size, 16);
    cr_assert_eq(st.s.listeners, 0);
    cr_assert_eq(st.s.flushes, 0);
    cr_assert_eq(st.s.ingestions, 0xababababababababull, "wrote past size");
    a->close(t);
    free(name);
}

struct race {
    const lsnt_api_t *a;
    lsn_tracker_t *t;
    volatile int stop;
};

static void *raiser(void *arg)
{
    struct race *r = arg;
    for (uint64_t lsn = 1; lsn <= 2000; lsn++)
        for (uint64_t p = 0; p < 64; p++)
            r->a->seed(r->t, p % 2 ? "odd" : "even", p * 1000003, lsn);
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
    return NULL;
}

Test(tracker, readers_see_monotonic_values_while_raised)
{
    struct race r = {lsnt_api(), NULL, 0};
    char *name = lsnt_unique("race");
    uint64_t last[64] = {0};
    pthread_t th;
    r.t = r.a->open(name);
    pthread_create(&th, NULL, raiser, &r);
    while (!__atomic_load_n(&r.stop, __ATOMIC_ACQUIRE)) {
        for (uint64_t p = 0; p < 64; p++) {
            uint64_t v;
            if (r.a->get(r.t, p % 2 ? "odd" : "even", p * 1000003, &v) ==
                LSN_TRACKER_OK) {
                cr_assert_geq(v, last[p], "partition %lu went back", p);
                last[p] = v;
            }
        }
    }
    pthread_join(th, NULL);
    r.a->close(r.t);
    free(name);
}
