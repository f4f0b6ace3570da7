/* The watermark store of one tracker, keyed by (column family, partition).
 * One writer at a time (the tracker's mutex); readers take no lock at all,
 * so lsn_tracker_get never waits behind a flush being applied.
 *
 * Partition ids are usually small and dense (0..N), so ids below
 * DENSE_LIMIT live in directly indexed pages: a lookup is two dependent
 * loads and no probing, and a partition costs 8 bytes and a bit. A page
 * is allocated at its first partition and published with one pointer
 * store; a partition's LSN is written before its presence bit.
 *
 * Larger ids go to an open-addressing table of (partition, lsn) slots per
 * column family. A writer fills a slot's lsn before publishing its
 * partition, and publishes a grown table with one pointer store; a reader
 * that still holds the old table sees a consistent, slightly older
 * picture. Old tables are freed with the store: growth doubles, so they
 * never outweigh the live one. Partition UINT64_MAX marks an empty slot,
 * so that one partition lives beside the table. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define EMPTY UINT64_MAX
#define PAGE_BITS 9 /* 512 partitions: 4 KiB of LSNs and 64 B of bits */
#define PAGE_SIZE ((size_t)1 << PAGE_BITS)
#define DENSE_PAGES 2048
#define DENSE_LIMIT ((uint64_t)DENSE_PAGES << PAGE_BITS) /* 1 048 576 */

typedef struct page {
    _Atomic uint64_t lsn[PAGE_SIZE];
    _Atomic uint64_t present[PAGE_SIZE / 64];
} page_t;

typedef struct slot {
    _Atomic uint64_t partition;
    _Atomic uint64_t lsn;
} slot_t;

typedef struct table {
    size_t cap; /* power of two */
    size_t count;
    struct table *retired; /* older tables, freed with the store */
    slot_t slots[];
} table_t;

typedef struct cf {
    struct cf *next;
    _Atomic(page_t *) pages[DENSE_PAGES];
    _Atomic(table_t *) table;
    _Atomic uint64_t clears; /* odd while a clear runs; see get */
    _Atomic int has_max; /* partition UINT64_MAX is known */
    _Atomic uint64_t max_lsn;
    char name[];
} cf_t;

struct lsn_store {
    _Atomic(cf_t *) cfs;
    _Atomic uint64_t entries;
};

static table_t *table_new(size_t cap)
{
    table_t *t = malloc(sizeof(*t) + cap * sizeof(slot_t));
    if (!t)
        return NULL;
    t->cap = cap;
    t->count = 0;
    t->retired = NULL;
    for (size_t i = 0; i < cap; i++) {
        atomic_init(&t->slots[i].partition, EMPTY);
        atomic_init(&t->slots[i].lsn, 0);
    }
    return t;
}

lsn_store_t *lsn_store_new(void)
{
    lsn_store_t *s = calloc(1, sizeof(*s));
    if (s) {
        atomic_init(&s->cfs, NULL);
        atomic_init(&s->entries, 0);
    }
    return s;
}

void lsn_store_free(lsn_store_t *s)
{
    if (!s)
        return;
    cf_t *c = atomic_load_explicit(&s->cfs, memory_order_relaxed);
    while (c) {
        cf_t *next = c->next;
        table_t *t = atomic_load_explicit(&c->table, memory_order_relaxed);
        for (size_t i = 0; i < DENSE_PAGES; i++)
            free(atomic_load_explicit(&c->pages[i], memory_order_relaxed));
        while (t) {
            table_t *older = t->retired;
            free(t);
            t = older;
        }
        free(c);
        c = next;
    }
    free(s);
}

static cf_t *find_cf(const lsn_store_t *s, const char *name)
{
    cf_t *c = atomic_load_explicit(&((lsn_store_t *)s)->cfs,
                                   memory_order_acquire);
    for (; c; c = c->next)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

static cf_t *add_cf(lsn_store_t *s, const char *name)
{
    size_t n = strlen(name);
    cf_t *c = malloc(sizeof(*c) + n + 1);
    table_t *t = table_new(16);
    if (!c || !t) {
        free(c);
        free(t);
        return NULL;
    }
    memcpy(c->name, name, n + 1);
    for (size_t i = 0; i < DENSE_PAGES; i++)
        atomic_init(&c->pages[i], NULL);
    atomic_init(&c->table, t);
    atomic_init(&c->clears, 0);
    atomic_init(&c->has_max, 0);
    atomic_init(&c->max_lsn, 0);
    c->next = atomic_load_explicit(&s->cfs, memory_order_relaxed);
    atomic_store_explicit(&s->cfs, c, memory_order_release);
    return c;
}

static void put_slot(table_t *t, uint64_t partition, uint64_t lsn)
{
    size_t i = lsn_slot_of(partition, t->cap);
    while (atomic_load_explicit(&t->slots[i].partition, memory_order_relaxed) !=
           EMPTY)
        i = (i + 1) & (t->cap - 1);
    atomic_store_explicit(&t->slots[i].lsn, lsn, memory_order_relaxed);
    atomic_store_explicit(&t->slots[i].partition, partition,
                          memory_order_release);
    t->count++;
}

static table_t *grow(cf_t *c, table_t *old)
{
    table_t *t = table_new(old->cap * 2);
    if (!t)
        return NULL;
    for (size_t i = 0; i < old->cap; i++) {
        uint64_t p = atomic_load_explicit(&old->slots[i].partition,
                                          memory_order_relaxed);
        if (p != EMPTY)
            put_slot(t, p, atomic_load_explicit(&old->slots[i].lsn,
                                                memory_order_relaxed));
    }
    t->retired = old;
    atomic_store_explicit(&c->table, t, memory_order_release);
    return t;
}

/* A known partition: only ever up. 1 if it moved. */
static int raise_cell(_Atomic uint64_t *cell, uint64_t lsn)
{
    if (lsn <= atomic_load_explicit(cell, memory_order_relaxed))
        return 0;
    atomic_store_explicit(cell, lsn, memory_order_relaxed);
    return 1;
}

static int raise_dense(lsn_store_t *s, cf_t *c, uint64_t partition,
                       uint64_t lsn)
{
    _Atomic(page_t *) *pp = &c->pages[partition >> PAGE_BITS];
    page_t *pg = atomic_load_explicit(pp, memory_order_relaxed);
    size_t i = (size_t)(partition & (PAGE_SIZE - 1));
    uint64_t bit = (uint64_t)1 << (i & 63);

    if (!pg) {
        if (!(pg = malloc(sizeof(*pg))))
            return -1;
        for (size_t j = 0; j < PAGE_SIZE; j++)
            atomic_init(&pg->lsn[j], 0);
        for (size_t j = 0; j < PAGE_SIZE / 64; j++)
            atomic_init(&pg->present[j], 0);
        atomic_store_explicit(pp, pg, memory_order_release);
    }
    uint64_t bits = atomic_load_explicit(&pg->present[i >> 6],
                                         memory_order_relaxed);
    if (bits & bit)
        return raise_cell(&pg->lsn[i], lsn);
    atomic_store_explicit(&pg->lsn[i], lsn, memory_order_relaxed);
    atomic_store_explicit(&pg->present[i >> 6], bits | bit,
                          memory_order_release);
    atomic_fetch_add_explicit(&s->entries, 1, memory_order_relaxed);
    return 1;
}

int lsn_store_raise(lsn_store_t *s, const char *cf, uint64_t partition,
                    uint64_t lsn)
{
    cf_t *c = find_cf(s, cf);
    table_t *t;
    size_t i;

    if (!c && !(c = add_cf(s, cf)))
        return -1;
    if (partition < DENSE_LIMIT)
        return raise_dense(s, c, partition, lsn);
    if (partition == EMPTY) {
        if (atomic_load_explicit(&c->has_max, memory_order_relaxed))
            return raise_cell(&c->max_lsn, lsn);
        atomic_store_explicit(&c->max_lsn, lsn, memory_order_relaxed);
        atomic_store_explicit(&c->has_max, 1, memory_order_release);
        atomic_fetch_add_explicit(&s->entries, 1, memory_order_relaxed);
        return 1;
    }
    t = atomic_load_explicit(&c->table, memory_order_relaxed);
    for (i = lsn_slot_of(partition, t->cap);; i = (i + 1) & (t->cap - 1)) {
        uint64_t p = atomic_load_explicit(&t->slots[i].partition,
                                          memory_order_relaxed);
        if (p == partition)
            return raise_cell(&t->slots[i].lsn, lsn);
        if (p == EMPTY)
            break;
    }
    /* Keep the load factor at or below one half. */
    if ((t->count + 1) * 2 > t->cap && !(t = grow(c, t)))
        return -1;
    put_slot(t, partition, lsn);
    atomic_fetch_add_explicit(&s->entries, 1, memory_order_relaxed);
    return 1;
}

int lsn_store_get(const lsn_store_t *s, const char *cf, uint64_t partition,
                  uint64_t *lsn)
{
    cf_t *c = find_cf(s, cf);
    table_t *t;

    if (!c)
        return LSN_TRACKER_NOT_FOUND;
    if (partition < DENSE_LIMIT) {
        const page_t *pg = atomic_load_explicit(
            &c->pages[partition >> PAGE_BITS], memory_order_acquire);
        size_t i = (size_t)(partition & (PAGE_SIZE - 1));
        if (!pg || !(atomic_load_explicit(&pg->present[i >> 6],
                                          memory_order_acquire) >>
                         (i & 63) & 1))
            return LSN_TRACKER_NOT_FOUND;
        *lsn = atomic_load_explicit(&pg->lsn[i], memory_order_relaxed);
        return LSN_TRACKER_OK;
    }
    if (partition == EMPTY) {
        if (!atomic_load_explicit(&c->has_max, memory_order_acquire))
            return LSN_TRACKER_NOT_FOUND;
        *lsn = atomic_load_explicit(&c->max_lsn, memory_order_relaxed);
        return LSN_TRACKER_OK;
    }
    t = atomic_load_explicit(&c->table, memory_order_acquire);
    /* A clear empties slots in place, and a later raise may put another
     * partition in this one between the reads of its partition and its
     * LSN: a seqlock on clears tells. Raises alone never move a partition
     * out of its slot. */
    uint64_t clears = atomic_load_explicit(&c->clears, memory_order_acquire);
    for (size_t i = lsn_slot_of(partition, t->cap);; i = (i + 1) & (t->cap - 1)) {
        uint64_t p = atomic_load_explicit(&t->slots[i].partition,
                                          memory_order_acquire);
        if (p == partition) {
            uint64_t v = atomic_load_explicit(&t->slots[i].lsn,
                                              memory_order_relaxed);
            atomic_thread_fence(memory_order_acquire);
            if ((clears & 1) ||
                atomic_load_explicit(&c->clears, memory_order_relaxed) !=
                    clears)
                return LSN_TRACKER_NOT_FOUND; /* old value or nothing */
            *lsn = v;
            return LSN_TRACKER_OK;
        }
        if (p == EMPTY)
            return LSN_TRACKER_NOT_FOUND;
    }
}

int lsn_store_foreach(const lsn_store_t *s, lsn_tracker_visit_fn fn, void *arg)
{
    cf_t *c = atomic_load_explicit(&((lsn_store_t *)s)->cfs,
                                   memory_order_acquire);
    for (; c; c = c->next) {
        for (size_t pi = 0; pi < DENSE_PAGES; pi++) {
            const page_t *pg = atomic_load_explicit(&c->pages[pi],
                                                    memory_order_acquire);
            if (!pg)
                continue;
            for (size_t i = 0; i < PAGE_SIZE; i++) {
                if (!(atomic_load_explicit(&pg->present[i >> 6],
                                           memory_order_acquire) >>
                          (i & 63) & 1))
                    continue;
                int rc = fn(arg, c->name, ((uint64_t)pi << PAGE_BITS) | i,
                            atomic_load_explicit(&pg->lsn[i],
                                                 memory_order_relaxed));
                if (rc)
                    return rc;
            }
        }
        table_t *t = atomic_load_explicit(&c->table, memory_order_acquire);
        for (size_t i = 0; i < t->cap; i++) {
            uint64_t p = atomic_load_explicit(&t->slots[i].partition,
                                              memory_order_acquire);
            if (p == EMPTY)
                continue;
            int rc = fn(arg, c->name, p,
                        atomic_load_explicit(&t->slots[i].lsn,
                                             memory_order_relaxed));
            if (rc)
                return rc;
        }
        if (atomic_load_explicit(&c->has_max, memory_order_acquire)) {
            int rc = fn(arg, c->name, EMPTY,
                        atomic_load_explicit(&c->max_lsn, memory_order_relaxed));
            if (rc)
                return rc;
        }
    }
    return LSN_TRACKER_OK;
}

uint64_t lsn_store_entries(const lsn_store_t *s)
{
    return atomic_load_explicit(&((lsn_store_t *)s)->entries,
                                memory_order_relaxed);
}

/* Forgets every watermark of one column family in place. Presence goes
 * first, so a reader racing with the clear sees either the old value or
 * nothing; pages and tables stay allocated for the next incarnation, so
 * memory is bounded by the partitions a name has held, not by how often
 * it was re-created. Single writer, like raise. */
static void clear_cf(lsn_store_t *s, cf_t *c)
{
    uint64_t gone = 0;

    for (size_t pi = 0; pi < DENSE_PAGES; pi++) {
        page_t *pg = atomic_load_explicit(&c->pages[pi], memory_order_relaxed);
        if (!pg)
            continue;
        for (size_t w = 0; w < PAGE_SIZE / 64; w++) {
            gone += (uint64_t)__builtin_popcountll(atomic_load_explicit(
                &pg->present[w], memory_order_relaxed));
            atomic_store_explicit(&pg->present[w], 0, memory_order_release);
        }
        /* The values stay: a reader that saw a presence bit before the
         * clear reads the old value (or the same partition's next one),
         * never a 0 that no incarnation wrote. */
    }
    table_t *t = atomic_load_explicit(&c->table, memory_order_relaxed);
    uint64_t clears = atomic_load_explicit(&c->clears, memory_order_relaxed);
    atomic_store_explicit(&c->clears, clears + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (size_t i = 0; i < t->cap; i++) {
        atomic_store_explicit(&t->slots[i].partition, EMPTY,
                              memory_order_relaxed);
        atomic_store_explicit(&t->slots[i].lsn, 0, memory_order_relaxed);
    }
    atomic_store_explicit(&c->clears, clears + 2, memory_order_release);
    gone += t->count;
    t->count = 0;
    if (atomic_load_explicit(&c->has_max, memory_order_relaxed)) {
        atomic_store_explicit(&c->has_max, 0, memory_order_release);
        gone++;
    }
    atomic_fetch_sub_explicit(&s->entries, gone, memory_order_relaxed);
}

void lsn_store_clear_cf(lsn_store_t *s, const char *cf)
{
    cf_t *c = find_cf(s, cf);
    if (c)
        clear_cf(s, c);
}

void lsn_store_clear(lsn_store_t *s)
{
    cf_t *c = atomic_load_explicit(&s->cfs, memory_order_relaxed);
    for (; c; c = c->next)
        clear_cf(s, c);
}
