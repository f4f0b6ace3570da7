/* The per-SST accumulator behind one table-properties collector: the
 * highest LSN seen per partition, in an open-addressing hash table that is
 * sorted once, when the file is finished. */
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "property.h"

struct lsn_accum {
    lsn_layout_t layout;
    lsn_entry_t *slots;
    uint8_t *used;
    size_t cap; /* power of two, or 0 before the first match */
    size_t count;
    uint64_t bad_values;
    uint64_t max_lsn;
};

lsn_accum_t *lsn_accum_new(const lsn_layout_t *l)
{
    lsn_accum_t *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->layout = *l;
    return a;
}

void lsn_accum_free(lsn_accum_t *a)
{
    if (!a)
        return;
    free(a->slots);
    free(a->used);
    free(a);
}

static int grow(lsn_accum_t *a)
{
    size_t ncap = a->cap ? a->cap * 2 : 16;
    lsn_entry_t *ns = malloc(ncap * sizeof(*ns));
    uint8_t *nu = calloc(ncap, 1);
    if (!ns || !nu) {
        free(ns);
        free(nu);
        return -1;
    }
    for (size_t i = 0; i < a->cap; i++) {
        if (!a->used[i])
            continue;
        size_t j = lsn_slot_of(a->slots[i].partition, ncap);
        while (nu[j])
            j = (j + 1) & (ncap - 1);
        nu[j] = 1;
        ns[j] = a->slots[i];
    }
    free(a->slots);
    free(a->used);
    a->slots = ns;
    a->used = nu;
    a->cap = ncap;
    return 0;
}

int lsn_accum_add(lsn_accum_t *a, const uint8_t *key, size_t klen,
                  const uint8_t *val, size_t vlen)
{
    /* Almost every key of a flush is state, not an applied-LSN key. */
    if (!lsn_keymatch_maybe(&a->layout.match, key, klen))
        return 0;
    return lsn_accum_add_rest(a, key, klen, val, vlen);
}

const lsn_layout_t *lsn_accum_layout(const lsn_accum_t *a)
{
    return &a->layout;
}

int lsn_accum_add_rest(lsn_accum_t *a, const uint8_t *key, size_t klen,
                       const uint8_t *val, size_t vlen)
{
    uint64_t partition, lsn;
    size_t i;

    switch (lsn_layout_match_rest(&a->layout, key, klen, val, vlen,
                                  &partition, &lsn)) {
    case LSN_KEY_OTHER:
        return 0;
    case LSN_KEY_BAD_VALUE:
        a->bad_values++;
        return 0;
    case LSN_KEY_LSN:
        break;
    }
    if ((a->count + 1) * 2 > a->cap && grow(a) != 0)
        return -1;
    for (i = lsn_slot_of(partition, a->cap); a->used[i];
         i = (i + 1) & (a->cap - 1)) {
        if (a->slots[i].partition == partition) {
            if (lsn > a->slots[i].lsn)
                a->slots[i].lsn = lsn;
            goto done;
        }
    }
    a->used[i] = 1;
    a->slots[i].partition = partition;
    a->slots[i].lsn = lsn;
    a->count++;
done:
    if (lsn > a->max_lsn)
        a->max_lsn = lsn;
    return 0;
}

size_t lsn_accum_count(const lsn_accum_t *a) { return a->count; }
uint64_t lsn_accum_bad_values(const lsn_accum_t *a) { return a->bad_values; }
uint64_t lsn_accum_max_lsn(const lsn_accum_t *a) { return a->max_lsn; }

/* Sorts e[0..n) by partition (all distinct), using tmp[0..n): a radix
 * sort, one counting pass per byte in which the partitions differ. Ids
 * are usually dense and small, so one or two passes do, where qsort would
 * call a comparison function n log n times. */
static void sort_by_partition(lsn_entry_t *e, lsn_entry_t *tmp, size_t n)
{
    uint64_t any = 0, all = ~(uint64_t)0;
    size_t count[256];

    for (size_t i = 0; i < n; i++) {
        any |= e[i].partition;
        all &= e[i].partition;
    }
    for (unsigned shift = 0; shift < 64; shift += 8) {
        if (!((any ^ all) >> shift & 0xff))
            continue; /* every partition has the same byte here */
        memset(count, 0, sizeof(count));
        for (size_t i = 0; i < n; i++)
            count[e[i].partition >> shift & 0xff]++;
        for (size_t b = 0, sum = 0; b < 256; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[e[i].partition >> shift & 0xff]++] = e[i];
        memcpy(e, tmp, n * sizeof(*e));
    }
}

int lsn_accum_encode(lsn_accum_t *a, uint8_t **buf, size_t *len)
{
    size_t cap = a->count ? a->count : 1;
    lsn_entry_t *e = malloc(2 * cap * sizeof(*e));
    uint8_t *out = malloc(lsn_prop_bound(a->count));
    size_t n = 0;

    if (!e || !out) {
        free(e);
        free(out);
        return LSN_TRACKER_ENOMEM;
    }
    for (size_t i = 0; i < a->cap; i++)
        if (a->used[i])
            e[n++] = a->slots[i];
    sort_by_partition(e, e + cap, n);
    *len = lsn_prop_encode(lsn_layout_fingerprint(&a->layout), e, n, out);
    *buf = out;
    free(e);
    return LSN_TRACKER_OK;
}
