/* Trim lag, measured per record: the time from its append to the log until
 * the durable watermark the host acts on covers it. Each partition keeps a
 * FIFO of (LSN, append time) of its records not yet covered; as the
 * watermark rises the covered ones are popped and their lag kept. Records
 * still uncovered at the end are counted apart (their lag is unknown, only
 * known to exceed their age), and --json reports both. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

typedef struct lag_entry {
    uint64_t lsn;
    double t;
} lag_entry_t;

typedef struct lag_fifo {
    lag_entry_t *v;
    size_t head, len, cap; /* live entries are v[head .. len) */
} lag_fifo_t;

struct demo_lag {
    unsigned parts;
    lag_fifo_t *q;
    double *ms; /* lag of every covered record, in ms */
    size_t n, cap;
    uint64_t pending;
};

demo_lag_t *demo_lag_new(unsigned parts)
{
    demo_lag_t *l = calloc(1, sizeof(*l));

    if (!l || !(l->q = calloc(parts, sizeof(*l->q)))) {
        free(l);
        return NULL;
    }
    l->parts = parts;
    return l;
}

void demo_lag_free(demo_lag_t *l)
{
    if (!l)
        return;
    for (unsigned p = 0; p < l->parts; p++)
        free(l->q[p].v);
    free(l->q);
    free(l->ms);
    free(l);
}

int demo_lag_append(demo_lag_t *l, unsigned p, uint64_t lsn, double t)
{
    lag_fifo_t *f = &l->q[p];

    if (f->head > 0 && f->head * 2 >= f->len) { /* slide down */
        memmove(f->v, f->v + f->head, (f->len - f->head) * sizeof(*f->v));
        f->len -= f->head;
        f->head = 0;
    }
    if (f->len == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 256;
        lag_entry_t *v = realloc(f->v, cap * sizeof(*v));
        if (!v)
            return -1;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->len++] = (lag_entry_t){lsn, t};
    l->pending++;
    return 0;
}

int demo_lag_cover(demo_lag_t *l, const uint64_t *durable, double t)
{
    for (unsigned p = 0; p < l->parts; p++) {
        lag_fifo_t *f = &l->q[p];
        while (f->head < f->len && f->v[f->head].lsn <= durable[p]) {
            if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 4096;
                double *ms = realloc(l->ms, cap * sizeof(*ms));
                if (!ms)
                    return -1;
                l->ms = ms;
                l->cap = cap;
            }
            l->ms[l->n++] = (t - f->v[f->head].t) * 1e3;
            f->head++;
            l->pending--;
        }
    }
    return 0;
}

uint64_t demo_lag_pending(const demo_lag_t *l)
{
    return l->pending;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, size_t n, double q)
{
    size_t k;

    if (!n)
        return 0;
    k = (size_t)(q * (double)n + 0.999999);
    return v[(k ? k : 1) - 1];
}

void demo_lag_result(demo_lag_t *l, double t, demo_lag_result_t *r)
{
    size_t n = l->n, all = l->n + l->pending;
    double *v;

    memset(r, 0, sizeof(*r));
    if (n) /* none when nothing was appended, and then ms is NULL */
        qsort(l->ms, n, sizeof(*l->ms), cmp_double);
    r->covered = l->n;
    r->uncovered = l->pending;
    r->p50 = pct(l->ms, n, 0.50);
    r->p99 = pct(l->ms, n, 0.99);
    r->max = n ? l->ms[n - 1] : 0;
    /* With the uncovered ones at their age now: each one's lag is at least
     * that, so these are lower bounds of the percentiles over all records. */
    if (!all || !(v = malloc(all * sizeof(*v))))
        return;
    if (n)
        memcpy(v, l->ms, n * sizeof(*v));
    for (unsigned p = 0; p < l->parts; p++) {
        const lag_fifo_t *f = &l->q[p];
        for (size_t i = f->head; i < f->len; i++) {
            double age = (t - f->v[i].t) * 1e3;
            v[n++] = age;
            if (age > r->oldest_uncovered)
                r->oldest_uncovered = age;
        }
    }
    qsort(v, n, sizeof(*v), cmp_double);
    r->lb_p50 = pct(v, n, 0.50);
    r->lb_p99 = pct(v, n, 0.99);
    r->lb_max = v[n - 1];
    free(v);
}

int demo_db_live_bytes(demo_db_t *d, uint64_t *bytes)
{
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(d->db);
    int n;

    *bytes = 0;
    if (!lf)
        return -1;
    n = rocksdb_livefiles_count(lf);
    for (int i = 0; i < n; i++)
        *bytes += rocksdb_livefiles_size(lf, i);
    rocksdb_livefiles_destroy(lf);
    return n;
}
