/* Notifications through the ABI, without a database: wait, subscribe,
 * eventfd. */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "lsnt.h"

Test(wait, times_out_and_checks)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("wait");
    lsn_tracker_t *t = a->open(name);
    uint64_t v = 0;
    cr_assert_eq(a->wait(t, NULL, 1, 5, 0, &v), LSN_TRACKER_TIMEOUT);
    cr_assert_eq(a->wait(t, NULL, 1, 5, 20, &v), LSN_TRACKER_TIMEOUT);
    a->seed(t, NULL, 1, 5);
    cr_assert_eq(a->wait(t, NULL, 1, 5, 0, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 5);
    cr_assert_eq(a->wait(t, NULL, 1, 3, -1, NULL), LSN_TRACKER_OK);
    cr_assert_eq(a->wait(t, NULL, 1, 6, 1, &v), LSN_TRACKER_TIMEOUT);
    a->close(t);
    free(name);
}

struct seeder {
    const lsnt_api_t *a;
    lsn_tracker_t *t;
    uint64_t upto;
};

static void *seed_slowly(void *arg)
{
    struct seeder *s = arg;
    for (uint64_t lsn = 1; lsn <= s->upto; lsn++) {
        s->a->seed(s->t, "cf", 9, lsn);
        usleep(200); /* the producer's pace, not a synchronisation */
    }
    return NULL;
}

Test(wait, wakes_when_target_reached)
{
    struct seeder s = {lsnt_api(), NULL, 200};
    char *name = lsnt_unique("wake");
    pthread_t th;
    uint64_t v = 0;
    s.t = s.a->open(name);
    pthread_create(&th, NULL, seed_slowly, &s);
    cr_assert_eq(s.a->wait(s.t, "cf", 9, 150, -1, &v), LSN_TRACKER_OK);
    cr_assert_geq(v, 150);
    cr_assert_eq(s.a->wait(s.t, "cf", 9, 200, 30000, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 200);
    pthread_join(th, NULL);
    s.a->close(s.t);
    free(name);
}

struct seen {
    const lsnt_api_t *a;
    lsn_tracker_t *t;
    uint64_t id;
    int calls;
    uint64_t last;
    int self_cancel_at;
};

static void on_advance(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    struct seen *s = arg;
    (void)cf;
    (void)p;
    cr_assert_gt(lsn, s->last, "announced out of order");
    s->last = lsn;
    s->calls++;
    if (s->calls == s->self_cancel_at)
        cr_assert_eq(s->a->unsubscribe(s->t, s->id), LSN_TRACKER_OK);
}

Test(subscribe, each_advance_once_and_unsubscribe_stops)
{
    struct seen s = {lsnt_api(), NULL, 0, 0, 0, -1};
    char *name = lsnt_unique("sub");
    s.t = s.a->open(name);
    cr_assert_eq(s.a->subscribe(s.t, on_advance, &s, &s.id), LSN_TRACKER_OK);
    s.a->seed(s.t, NULL, 1, 10);
    s.a->seed(s.t, NULL, 1, 10); /* no change: no call */
    s.a->seed(s.t, NULL, 1, 5);  /* lower: no call */
    s.a->seed(s.t, NULL, 1, 11);
    cr_assert_eq(s.calls, 2);
    cr_assert_eq(s.a->unsubscribe(s.t, s.id), LSN_TRACKER_OK);
    cr_assert_eq(s.a->unsubscribe(s.t, s.id), LSN_TRACKER_NOT_FOUND);
    s.a->seed(s.t, NULL, 1, 12);
    cr_assert_eq(s.calls, 2);
    s.a->close(s.t);
    free(name);
}

Test(subscribe, unsubscribe_from_inside_the_callback)
{
    struct seen s = {lsnt_api(), NULL, 0, 0, 0, 3};
    char *name = lsnt_unique("selfcancel");
    uint64_t v;
    s.t = s.a->open(name);
    cr_assert_eq(s.a->subscribe(s.t, on_advance, &s, &s.id), LSN_TRACKER_OK);
    for (uint64_t lsn = 1; lsn <= 10; lsn++)
        s.a->seed(s.t, NULL, 1, lsn);
    cr_assert_eq(s.calls, 3);
    cr_assert_eq(s.a->get(s.t, NULL, 1, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 10);
    s.a->close(s.t);
    free(name);
}

static void reenter(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    struct seen *s = arg;
    uint64_t v;
    /* Reads work; anything that would wait on the announcer is refused. */
    cr_assert_eq(s->a->get(s->t, cf, p, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, lsn);
    cr_assert_eq(s->a->seed(s->t, cf, p, lsn + 1), LSN_TRACKER_EINVAL);
    cr_assert_eq(s->a->wait(s->t, cf, p, lsn + 1, 1000, &v),
                 LSN_TRACKER_EINVAL);
    s->calls++;
}

Test(subscribe, reentry_is_refused_not_deadlocked)
{
    struct seen s = {lsnt_api(), NULL, 0, 0, 0, -1};
    char *name = lsnt_unique("reenter");
    s.t = s.a->open(name);
    cr_assert_eq(s.a->subscribe(s.t, reenter, &s, &s.id), LSN_TRACKER_OK);
    cr_assert_eq(s.a->seed(s.t, "x", 4, 4), LSN_TRACKER_OK);
    cr_assert_eq(s.calls, 1);
    s.a->close(s.t);
    free(name);
}

static void spin_cb(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    int *running = arg;
    (void)cf;
    (void)p;
    (void)lsn;
    __atomic_store_n(running, 1, __ATOMIC_SEQ_CST);
    usleep(2000); /* a slow subscriber */
    __atomic_store_n(running, 0, __ATOMIC_SEQ_CST);
}

Test(subscribe, unsubscribe_waits_for_a_running_callback)
{
    struct seeder s = {lsnt_api(), NULL, 300};
    char *name = lsnt_unique("unsubwait");
    int running = 0;
    uint64_t id;
    pthread_t th;
    s.t = s.a->open(name);
    cr_assert_eq(s.a->subscribe(s.t, spin_cb, &running, &id), LSN_TRACKER_OK);
    pthread_create(&th, NULL, seed_slowly, &s);
    while (!__atomic_load_n(&running, __ATOMIC_SEQ_CST))
        sched_yield();
    cr_assert_eq(s.a->unsubscribe(s.t, id), LSN_TRACKER_OK);
    cr_assert_eq(__atomic_load_n(&running, __ATOMIC_SEQ_CST), 0,
                 "callback still running after unsubscribe returned");
    pthread_join(th, NULL);
    cr_assert_eq(__atomic_load_n(&running, __ATOMIC_SEQ_CST), 0);
    s.a->close(s.t);
    free(name);
}

Test(eventfd, readable_after_advance_and_drains)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("efd");
    lsn_tracker_t *t = a->open(name);
    int fd = a->eventfd(t);
    uint64_t n;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    cr_assert_geq(fd, 0);
    cr_assert_eq(a->eventfd(t), fd, "one fd per tracker");
    cr_assert_eq(poll(&pfd, 1, 0), 0);
    a->seed(t, NULL, 1, 1);
    a->seed(t, NULL, 2, 1);
    cr_assert_eq(poll(&pfd, 1, 5000), 1);
    cr_assert_eq(read(fd, &n, sizeof n), 8);
    cr_assert_eq(n, 2);
    cr_assert_eq(poll(&pfd, 1, 0), 0, "drained");
    a->seed(t, NULL, 1, 1); /* no advance: no wake-up */
    cr_assert_eq(poll(&pfd, 1, 0), 0);
    a->close(t);
    free(name);
}

struct waiter {
    const lsnt_api_t *a;
    lsn_tracker_t *t;
    int rc;
    uint64_t v;
};

static void *wait_forever(void *arg)
{
    struct waiter *w = arg;
    w->rc = w->a->wait(w->t, NULL, 1, 10, -1, &w->v);
    return NULL;
}

Test(close, with_a_waiter_and_a_subscriber_is_safe)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("closewait");
    struct waiter w = {a, a->open(name), -99, 0};
    lsn_tracker_t *other = a->open(name);
    struct seen s = {a, other, 0, 0, 0, -1};
    pthread_t th;
    uint64_t id;
    cr_assert_eq(a->subscribe(other, on_advance, &s, &id), LSN_TRACKER_OK);
    pthread_create(&th, NULL, wait_forever, &w);
    /* The waiter's handle is released while it waits; its own reference
     * keeps the tracker alive until it returns. */
    a->close(w.t);
    a->seed(other, NULL, 1, 10);
    pthread_join(th, NULL);
    cr_assert_eq(w.rc, LSN_TRACKER_OK);
    cr_assert_eq(w.v, 10);
    cr_assert_eq(s.calls, 1);
    /* The last close frees a tracker that still has a subscriber. */
    a->close(other);
    lsn_tracker_t *fresh = a->open(name);
    uint64_t v;
    cr_assert_eq(a->get(fresh, NULL, 1, &v), LSN_TRACKER_NOT_FOUND);
    a->seed(fresh, NULL, 1, 11);
    cr_assert_eq(s.calls, 1, "a freed tracker's subscriber was called");
    a->close(fresh);
    free(name);
}
