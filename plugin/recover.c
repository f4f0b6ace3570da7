/* Recovery's merge: every live file contributes the (partition, lsn) pairs
 * it holds, and for each column family and partition the pair of the file
 * RocksDB reads first wins, the newest version of the key, not the largest
 * number: a file ingested behind newer data sits in a lower level and
 * loses. Read order: level 0 newest first (largest sequence number), then
 * level 1, 2, and so on; files of one level above 0 do not overlap. */
#include <stdlib.h>
#include <string.h>

#include "recover.h"

typedef struct item {
    uint32_t cf;   /* index into cfs */
    int level;
    uint64_t seqno;
    uint64_t partition, lsn;
} item_t;

typedef struct rcf {
    char *name;
    uint32_t id;
} rcf_t;

struct lsn_recovery {
    rcf_t *cfs;
    size_t ncfs, capcfs;
    item_t *items;
    size_t n, cap;
};

lsn_recovery_t *lsn_recovery_new(void)
{
    return calloc(1, sizeof(lsn_recovery_t));
}

void lsn_recovery_free(lsn_recovery_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ncfs; i++)
        free(r->cfs[i].name);
    free(r->cfs);
    free(r->items);
    free(r);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap ? *cap : 16;
    void *q;
    if (need <= *cap)
        return 0;
    while (c < need)
        c *= 2;
    if (!(q = realloc(*p, c * size)))
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static long cf_index(lsn_recovery_t *r, const char *cf, uint32_t id)
{
    for (size_t i = 0; i < r->ncfs; i++)
        if (!strcmp(r->cfs[i].name, cf))
            return (long)i;
    if (grow((void **)&r->cfs, &r->capcfs, r->ncfs + 1, sizeof(rcf_t)) ||
        !(r->cfs[r->ncfs].name = strdup(cf)))
        return -1;
    r->cfs[r->ncfs].id = id;
    return (long)r->ncfs++;
}

int lsn_recovery_add(lsn_recovery_t *r, const char *cf, uint32_t cf_id,
                     int level, uint64_t seqno, const lsn_entry_t *e, size_t n)
{
    long c = cf_index(r, cf, cf_id);

    if (c < 0 || grow((void **)&r->items, &r->cap, r->n + n, sizeof(item_t)))
        return LSN_TRACKER_ENOMEM;
    for (size_t i = 0; i < n; i++)
        r->items[r->n++] = (item_t){(uint32_t)c, level, seqno, e[i].partition,
                                    e[i].lsn};
    return LSN_TRACKER_OK;
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* Family, partition, then read order; on a tie the smaller LSN, which can
 * only make the watermark lag. */
static int by_read_order(const void *x, const void *y)
{
    const item_t *a = x, *b = y;
    int c;
    if ((c = CMP(a->cf, b->cf)) || (c = CMP(a->partition, b->partition)) ||
        (c = CMP(a->level, b->level)))
        return c;
    if (a->level == 0 && (c = CMP(b->seqno, a->seqno)))
        return c;
    return CMP(a->lsn, b->lsn);
}

int lsn_recovery_apply(lsn_recovery_t *r, lsn_tracker_t *t, uint64_t ticket)
{
    lsn_entry_t *e = malloc((r->n ? r->n : 1) * sizeof(*e));
    int rc = LSN_TRACKER_OK;
    size_t i = 0;

    if (!e)
        return LSN_TRACKER_ENOMEM;
    if (r->n) /* qsort(NULL, 0) is undefined */
        qsort(r->items, r->n, sizeof(item_t), by_read_order);
    while (i < r->n) {
        uint32_t cf = r->items[i].cf;
        size_t m = 0;
        for (; i < r->n && r->items[i].cf == cf; i++)
            if (m == 0 || e[m - 1].partition != r->items[i].partition)
                e[m++] = (lsn_entry_t){r->items[i].partition, r->items[i].lsn};
        int a = lsn_tracker_apply(t, ticket, r->cfs[cf].name, r->cfs[cf].id, e,
                                  m);
        if (a != LSN_TRACKER_OK && rc == LSN_TRACKER_OK)
            rc = a;
    }
    free(e);
    return rc;
}
