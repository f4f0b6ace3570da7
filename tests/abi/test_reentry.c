/* Calls from inside a subscriber callback, through the ABI, without a
 * database. Dispatches never nest: inside a callback nothing may raise
 * (seed) or block (a wait with a timeout) on any tracker, and is refused
 * with LSN_TRACKER_EINVAL; subscribe and unsubscribe work on the tracker
 * whose callback is running, and on another tracker only if it is not
 * dispatching on another thread at that moment (EINVAL if it is); reads,
 * open and close work. Each of these scenarios deadlocked before that
 * rule, so each runs under a watchdog (lsnt_within) that fails the test
 * instead of hanging the suite. Recovery and flush_all from a callback
 * need a database: integration_reentry. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lsnt.h"

static void noop(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    (void)cf;
    (void)p;
    (void)lsn;
    if (arg)
        __atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

/* ---- (b) raising another tracker is refused, and the guard stays ---- */

typedef struct guard {
    const lsnt_api_t *a;
    lsn_tracker_t *A, *B;
    uint64_t id; /* the callback's own subscription on A */
    int calls, b_calls;
    int seed_b, seed_a, wait_a, wait_b, unsub_self, get_b;
    int seed_rc, seed_again_rc;
} guard_t;

static void guard_cb(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    guard_t *g = arg;
    uint64_t v;
    (void)cf;
    (void)p;
    (void)lsn;
    g->calls++;
    g->seed_b = g->a->seed(g->B, "cf", 1, 100);
    /* Refusing B must not end A's dispatch: A is still refused. */
    g->seed_a = g->a->seed(g->A, "cf", 1, lsn + 1);
    g->wait_a = g->a->wait(g->A, "cf", 1, lsn + 1, 1000, &v);
    g->wait_b = g->a->wait(g->B, "cf", 1, 100, -1, &v);
    g->get_b = g->a->get(g->B, "cf", 1, &v);
    /* ... and A's own list is still A's to change without a lock. */
    g->unsub_self = g->a->unsubscribe(g->A, g->id);
}

static void guard_run(void *arg)
{
    guard_t *g = arg;
    g->seed_rc = g->a->seed(g->A, "cf", 1, 10);
    g->seed_again_rc = g->a->seed(g->A, "cf", 1, 11);
}

Test(reentry, raising_another_tracker_is_refused_and_the_guard_kept)
{
    guard_t g;
    uint64_t bid, v;
    memset(&g, 0, sizeof g);
    g.a = lsnt_api();
    g.A = lsnt_fresh_tracker("guard-a");
    g.B = lsnt_fresh_tracker("guard-b");
    cr_assert_eq(g.a->subscribe(g.A, guard_cb, &g, &g.id), LSN_TRACKER_OK);
    cr_assert_eq(g.a->subscribe(g.B, noop, &g.b_calls, &bid), LSN_TRACKER_OK);

    lsnt_within(LSNT_DEADLINE_MS, "seed(A) calling into B", guard_run, &g);

    cr_assert_eq(g.seed_rc, LSN_TRACKER_OK);
    cr_assert_eq(g.calls, 1, "called %d times after unsubscribing itself",
                 g.calls);
    cr_assert_eq(g.seed_b, LSN_TRACKER_EINVAL, "seed(B): %d", g.seed_b);
    cr_assert_eq(g.seed_a, LSN_TRACKER_EINVAL, "seed(A) after seed(B): %d",
                 g.seed_a);
    cr_assert_eq(g.wait_a, LSN_TRACKER_EINVAL);
    cr_assert_eq(g.wait_b, LSN_TRACKER_EINVAL);
    cr_assert_eq(g.get_b, LSN_TRACKER_NOT_FOUND, "the refused seed raised B");
    cr_assert_eq(g.unsub_self, LSN_TRACKER_OK);
    cr_assert_eq(g.b_calls, 0, "B's subscriber ran inside A's callback");
    cr_assert_eq(g.seed_again_rc, LSN_TRACKER_OK);
    cr_assert_eq(g.a->get(g.A, "cf", 1, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 11, "A's own refused seed raised it");
    /* Outside the callback everything works again. */
    cr_assert_eq(g.a->seed(g.B, "cf", 1, 100), LSN_TRACKER_OK);
    cr_assert_eq(g.b_calls, 1);
    cr_assert_eq(g.a->wait(g.B, "cf", 1, 100, 1000, &v), LSN_TRACKER_OK);
    g.a->close(g.A);
    g.a->close(g.B);
}

/* ---- blocking waits are refused on any tracker, checks are not ---- */

typedef struct waits {
    const lsnt_api_t *a;
    lsn_tracker_t *A, *B;
    int rc[8];
    uint64_t v;
    int seed_rc;
} waits_t;

static void waits_cb(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    waits_t *w = arg;
    uint64_t v = 0;
    (void)cf;
    (void)p;
    /* Each of these waited for a raise that this very callback holds up. */
    w->rc[0] = w->a->wait(w->A, "cf", 1, lsn + 1, -1, &v);
    w->rc[1] = w->a->wait(w->A, "cf", 1, lsn + 1, 1, &v);
    w->rc[2] = w->a->wait(w->B, "cf", 1, 1, -1, &v);
    w->rc[3] = w->a->wait(w->B, "cf", 1, 1, 50, &v);
    /* Even a target already reached: a timeout other than 0 is refused. */
    w->rc[4] = w->a->wait(w->A, "cf", 1, lsn, 1000, &v);
    /* A timeout of 0 only checks. */
    w->rc[5] = w->a->wait(w->A, "cf", 1, lsn, 0, &w->v);
    w->rc[6] = w->a->wait(w->A, "cf", 1, lsn + 1, 0, &v);
    w->rc[7] = w->a->wait(w->B, "cf", 1, 1, 0, &v);
}

static void waits_run(void *arg)
{
    waits_t *w = arg;
    w->seed_rc = w->a->seed(w->A, "cf", 1, 5);
}

Test(reentry, blocking_waits_are_refused_on_any_tracker)
{
    waits_t w;
    uint64_t id;
    memset(&w, 0, sizeof w);
    w.a = lsnt_api();
    w.A = lsnt_fresh_tracker("waits-a");
    w.B = lsnt_fresh_tracker("waits-b");
    cr_assert_eq(w.a->subscribe(w.A, waits_cb, &w, &id), LSN_TRACKER_OK);

    lsnt_within(LSNT_DEADLINE_MS, "waits inside a callback", waits_run, &w);

    cr_assert_eq(w.seed_rc, LSN_TRACKER_OK);
    for (int i = 0; i <= 4; i++)
        cr_assert_eq(w.rc[i], LSN_TRACKER_EINVAL, "wait %d: %d", i, w.rc[i]);
    cr_assert_eq(w.rc[5], LSN_TRACKER_OK);
    cr_assert_eq(w.v, 5);
    cr_assert_eq(w.rc[6], LSN_TRACKER_TIMEOUT);
    cr_assert_eq(w.rc[7], LSN_TRACKER_TIMEOUT);
    w.a->close(w.A);
    w.a->close(w.B);
}

/* ---- (c) two threads calling into each other's tracker ---- */

#define ITERATIONS 3000
#define PENDING_MAX (2 * ITERATIONS)

typedef struct side {
    const lsnt_api_t *a;
    lsn_tracker_t *mine, *other;
    uint64_t self_id;
    int calls, bad, seed_refused;
    int sub_ok, sub_refused, unsub_ok, unsub_refused;
    int seed_rc; /* first failure of this side's own seeds */
    uint64_t pending[PENDING_MAX]; /* subscriptions on other to cancel */
    size_t npending;
    int *noop_calls;
    char why[160];
} side_t;

static void note_bad(side_t *s, const char *call, int rc)
{
    if (!s->bad++)
        snprintf(s->why, sizeof s->why, "%s returned %d", call, rc);
}

static void cross_cb(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    side_t *s = arg;
    uint64_t id;
    int rc;
    (void)cf;
    (void)p;
    s->calls++;
    rc = s->a->seed(s->other, "x", 1, lsn);
    if (rc == LSN_TRACKER_EINVAL)
        s->seed_refused++;
    else
        note_bad(s, "seed(other)", rc);

    rc = s->a->subscribe(s->other, noop, s->noop_calls, &id);
    if (rc == LSN_TRACKER_OK) {
        s->sub_ok++;
        if (s->npending < PENDING_MAX)
            s->pending[s->npending++] = id;
    } else if (rc == LSN_TRACKER_EINVAL) {
        s->sub_refused++;
    } else {
        note_bad(s, "subscribe(other)", rc);
    }
    /* Cancel the oldest subscription not yet cancelled. */
    if (s->npending) {
        rc = s->a->unsubscribe(s->other, s->pending[0]);
        if (rc == LSN_TRACKER_OK) {
            s->unsub_ok++;
            memmove(s->pending, s->pending + 1,
                    --s->npending * sizeof(s->pending[0]));
        } else if (rc == LSN_TRACKER_EINVAL) {
            s->unsub_refused++;
        } else {
            note_bad(s, "unsubscribe(other)", rc);
        }
    }
}

static void *raise_own(void *arg)
{
    side_t *s = arg;
    for (uint64_t lsn = 1; lsn <= ITERATIONS; lsn++) {
        int rc = s->a->seed(s->mine, "x", 0, lsn);
        if (rc != LSN_TRACKER_OK && !s->seed_rc)
            s->seed_rc = rc ? rc : -100;
    }
    return NULL;
}

static void cross_run(void *arg)
{
    side_t *s = arg; /* two of them */
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, raise_own, &s[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
}

Test(reentry, two_threads_calling_into_each_others_tracker)
{
    const lsnt_api_t *a = lsnt_api();
    side_t *s = calloc(2, sizeof(*s));
    lsn_tracker_t *A = lsnt_fresh_tracker("cross-a"),
                  *B = lsnt_fresh_tracker("cross-b");
    int noop_calls = 0;
    s[0] = (side_t){.a = a, .mine = A, .other = B, .noop_calls = &noop_calls};
    s[1] = (side_t){.a = a, .mine = B, .other = A, .noop_calls = &noop_calls};
    for (int i = 0; i < 2; i++)
        cr_assert_eq(a->subscribe(s[i].mine, cross_cb, &s[i], &s[i].self_id),
                     LSN_TRACKER_OK);

    lsnt_within(LSNT_DEADLINE_MS, "two trackers calling into each other",
                cross_run, s);

    for (int i = 0; i < 2; i++) {
        cr_assert_eq(s[i].seed_rc, 0, "side %d: own seed: %d", i,
                     s[i].seed_rc);
        cr_assert_eq(s[i].bad, 0, "side %d: %s", i, s[i].why);
        cr_assert_eq(s[i].calls, ITERATIONS);
        cr_assert_eq(s[i].seed_refused, ITERATIONS);
        cr_assert_eq(s[i].sub_ok + s[i].sub_refused, ITERATIONS);
        cr_log_info("side %d: subscribe %d ok, %d refused; unsubscribe %d "
                    "ok, %d refused", i, s[i].sub_ok, s[i].sub_refused,
                    s[i].unsub_ok, s[i].unsub_refused);
        /* What a refusal left behind can be cancelled from outside. */
        for (size_t j = 0; j < s[i].npending; j++)
            cr_assert_eq(a->unsubscribe(s[i].other, s[i].pending[j]),
                         LSN_TRACKER_OK);
    }
    /* Neither seed of the other tracker got through. */
    uint64_t v;
    cr_assert_eq(a->get(A, "x", 1, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->get(B, "x", 1, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->get(A, "x", 0, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, ITERATIONS);
    a->close(A);
    a->close(B);
    free(s);
}

/* ---- the same, made deterministic: B dispatching on another thread ---- */

typedef struct busy {
    const lsnt_api_t *a;
    lsn_tracker_t *A, *B;
    uint64_t b_id;        /* B's subscription, the one that holds B up */
    int in_b, a_done;     /* flags, atomically */
    int held_too_long;    /* B's callback gave up waiting for A's */
    int phase;            /* 0: B busy elsewhere; 1: B idle */
    int sub_rc[2], unsub_rc[2], unsub_new_rc[2];
    int seed_a_rc[2], seed_b_rc;
} busy_t;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Holds B's dispatch until A's callback is done with B, for at most half
 * the deadline (so that code that blocks on B fails instead of hanging). */
static void hold_b(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    busy_t *b = arg;
    (void)cf;
    (void)p;
    (void)lsn;
    __atomic_store_n(&b->in_b, 1, __ATOMIC_SEQ_CST);
    for (int ms = 0; !__atomic_load_n(&b->a_done, __ATOMIC_SEQ_CST); ms++) {
        if (ms > LSNT_DEADLINE_MS / 2) {
            b->held_too_long = 1;
            break;
        }
        sleep_ms(1);
    }
}

static void use_b(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    busy_t *b = arg;
    int ph = b->phase;
    uint64_t id = 0;
    (void)cf;
    (void)p;
    (void)lsn;
    b->sub_rc[ph] = b->a->subscribe(b->B, noop, NULL, &id);
    b->unsub_rc[ph] = b->a->unsubscribe(b->B, b->b_id);
    b->unsub_new_rc[ph] =
        b->sub_rc[ph] == LSN_TRACKER_OK ? b->a->unsubscribe(b->B, id) : -99;
}

static void *seed_b(void *arg)
{
    busy_t *b = arg;
    b->seed_b_rc = b->a->seed(b->B, "cf", 1, 1);
    return NULL;
}

static void busy_run(void *arg)
{
    busy_t *b = arg;
    pthread_t th;
    pthread_create(&th, NULL, seed_b, b);
    while (!__atomic_load_n(&b->in_b, __ATOMIC_SEQ_CST))
        sleep_ms(1);
    b->seed_a_rc[0] = b->a->seed(b->A, "cf", 1, 1);
    __atomic_store_n(&b->a_done, 1, __ATOMIC_SEQ_CST);
    pthread_join(th, NULL);
    /* B is idle now: the same calls go through. */
    b->phase = 1;
    b->seed_a_rc[1] = b->a->seed(b->A, "cf", 1, 2);
}

Test(reentry, another_tracker_dispatching_elsewhere_is_refused)
{
    busy_t b;
    uint64_t id;
    memset(&b, 0, sizeof b);
    b.a = lsnt_api();
    b.A = lsnt_fresh_tracker("busy-a");
    b.B = lsnt_fresh_tracker("busy-b");
    cr_assert_eq(b.a->subscribe(b.B, hold_b, &b, &b.b_id), LSN_TRACKER_OK);
    cr_assert_eq(b.a->subscribe(b.A, use_b, &b, &id), LSN_TRACKER_OK);

    lsnt_within(LSNT_DEADLINE_MS, "A's callback calling into a busy B",
                busy_run, &b);

    cr_assert_eq(b.seed_a_rc[0], LSN_TRACKER_OK);
    cr_assert_eq(b.seed_a_rc[1], LSN_TRACKER_OK);
    cr_assert_eq(b.seed_b_rc, LSN_TRACKER_OK);
    cr_assert_not(b.held_too_long, "A's callback blocked on B");
    cr_assert_eq(b.sub_rc[0], LSN_TRACKER_EINVAL, "subscribe(busy B): %d",
                 b.sub_rc[0]);
    cr_assert_eq(b.unsub_rc[0], LSN_TRACKER_EINVAL,
                 "unsubscribe(busy B): %d", b.unsub_rc[0]);
    cr_assert_eq(b.sub_rc[1], LSN_TRACKER_OK, "subscribe(idle B): %d",
                 b.sub_rc[1]);
    cr_assert_eq(b.unsub_new_rc[1], LSN_TRACKER_OK);
    cr_assert_eq(b.unsub_rc[1], LSN_TRACKER_OK, "unsubscribe(idle B): %d",
                 b.unsub_rc[1]);
    /* hold_b was cancelled in phase 1: B's raises no longer reach it. */
    b.in_b = 0;
    cr_assert_eq(b.a->seed(b.B, "cf", 1, 2), LSN_TRACKER_OK);
    cr_assert_eq(b.in_b, 0);
    b.a->close(b.A);
    b.a->close(b.B);
}

/* ---- (d) what a callback may do ---- */

typedef struct reads {
    const lsnt_api_t *a;
    lsn_tracker_t *A, *B;
    const char *a_name;
    uint64_t self_id, added_id;
    int calls, added_calls, visits_a, visits_b;
    int rc_get_a, rc_get_b, rc_foreach_a, rc_foreach_b, rc_stats_a,
        rc_stats_b, rc_wait_a, rc_wait_b, rc_efd, rc_sub_own, rc_unsub_added,
        rc_sub_again, rc_acquire;
    uint64_t get_a, get_b, stats_entries;
    lsn_tracker_t *opened_same, *opened_new, *acquired;
    int seed_rc;
} reads_t;

static int count_visit(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    (void)cf;
    (void)p;
    (void)lsn;
    ++*(int *)arg;
    return 0;
}

static void added_cb(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    reads_t *r = arg;
    (void)cf;
    (void)p;
    (void)lsn;
    r->added_calls++;
}

static void reads_cb(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    reads_t *r = arg;
    lsn_tracker_stats_t st = {.size = sizeof st};
    uint64_t v;
    char *name;
    (void)p;
    if (r->calls++)
        return;
    r->rc_get_a = r->a->get(r->A, cf, 1, &r->get_a);
    r->rc_get_b = r->a->get(r->B, "cf", 7, &r->get_b);
    r->rc_foreach_a = r->a->foreach(r->A, count_visit, &r->visits_a);
    r->rc_foreach_b = r->a->foreach(r->B, count_visit, &r->visits_b);
    r->rc_stats_a = r->a->stats(r->A, &st);
    r->stats_entries = st.entries;
    r->rc_stats_b = r->a->stats(r->B, &st);
    r->rc_wait_a = r->a->wait(r->A, cf, 1, lsn, 0, &v);
    r->rc_wait_b = r->a->wait(r->B, "cf", 7, 70, 0, &v);
    r->rc_efd = r->a->eventfd(r->A);
    /* Open and close: the same tracker (another reference), a new one. */
    r->opened_same = r->a->open(r->a_name);
    r->a->close(r->opened_same);
    name = lsnt_unique("opened-inside");
    r->opened_new = r->a->open(name);
    r->rc_acquire = r->a->acquire(name, &r->acquired);
    r->a->close(r->acquired);
    r->a->close(r->opened_new);
    free(name);
    /* Subscribing to its own tracker: takes effect, without a lock. */
    r->rc_sub_own = r->a->subscribe(r->A, added_cb, r, &r->added_id);
    r->rc_unsub_added = r->a->unsubscribe(r->A, r->added_id);
    r->rc_sub_again = r->a->subscribe(r->A, added_cb, r, &r->added_id);
}

static void reads_run(void *arg)
{
    reads_t *r = arg;
    r->seed_rc = r->a->seed(r->A, "cf", 1, 10);
}

Test(reentry, reads_open_close_and_own_subscriptions_work)
{
    reads_t r;
    char *name = lsnt_unique("reads-a");
    memset(&r, 0, sizeof r);
    r.a = lsnt_api();
    r.a_name = name;
    r.A = r.a->open(name);
    r.B = lsnt_fresh_tracker("reads-b");
    cr_assert_eq(r.a->seed(r.A, "cf", 2, 20), LSN_TRACKER_OK);
    cr_assert_eq(r.a->seed(r.B, "cf", 7, 70), LSN_TRACKER_OK);
    cr_assert_eq(r.a->seed(r.B, "cf", 8, 80), LSN_TRACKER_OK);
    cr_assert_eq(r.a->subscribe(r.A, reads_cb, &r, &r.self_id),
                 LSN_TRACKER_OK);

    lsnt_within(LSNT_DEADLINE_MS, "reads inside a callback", reads_run, &r);

    cr_assert_eq(r.seed_rc, LSN_TRACKER_OK);
    cr_assert_eq(r.rc_get_a, LSN_TRACKER_OK);
    cr_assert_eq(r.get_a, 10, "the callback sees the value it announces");
    cr_assert_eq(r.rc_get_b, LSN_TRACKER_OK);
    cr_assert_eq(r.get_b, 70);
    cr_assert_eq(r.rc_foreach_a, LSN_TRACKER_OK);
    cr_assert_eq(r.visits_a, 2);
    cr_assert_eq(r.rc_foreach_b, LSN_TRACKER_OK);
    cr_assert_eq(r.visits_b, 2);
    cr_assert_eq(r.rc_stats_a, LSN_TRACKER_OK);
    cr_assert_eq(r.stats_entries, 2);
    cr_assert_eq(r.rc_stats_b, LSN_TRACKER_OK);
    cr_assert_eq(r.rc_wait_a, LSN_TRACKER_OK);
    cr_assert_eq(r.rc_wait_b, LSN_TRACKER_OK);
    cr_assert_geq(r.rc_efd, 0);
    cr_assert_eq(r.opened_same, r.A, "open by name inside a callback");
    cr_assert_not_null(r.opened_new);
    cr_assert_eq(r.rc_acquire, LSN_TRACKER_OK);
    cr_assert_eq(r.acquired, r.opened_new);
    cr_assert_eq(r.rc_sub_own, LSN_TRACKER_OK);
    cr_assert_eq(r.rc_unsub_added, LSN_TRACKER_OK);
    cr_assert_eq(r.rc_sub_again, LSN_TRACKER_OK);
    /* The subscription made inside the callback sees the next raise. */
    int before = r.added_calls;
    cr_assert_eq(r.a->seed(r.A, "cf", 1, 11), LSN_TRACKER_OK);
    cr_assert_eq(r.added_calls, before + 1);
    cr_assert_eq(r.calls, 2);
    /* The handle opened and closed inside is gone; A is still held. */
    uint64_t v;
    cr_assert_eq(r.a->get(r.A, "cf", 1, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 11);
    r.a->close(r.A);
    r.a->close(r.B);
    free(name);
}
