/* The watermark store of one tracker, keyed by (column family, partition).
 * One writer at a time (the tracker's mutex); readers take no lock at all,
 * so lsn_tracker_get never waits behind a flush being applied.
 *
 * Partition ids are usually small and dense (0..N), so ids below
 * DENSE_LIMIT live in one directly indexed array of cells per column
 * family: a lookup is one load, as in a plain array, with no probing and
 * no pointer to follow first. The array is a reserved mapping of 8 MiB
 * (and 128 KiB of top bits, below), backed by memory only where it is
 * written: a partition costs 8 bytes, in 4 KiB steps. A cell holds LSN + 1,
 * and 0 for "unknown", so that presence and value are one load. An LSN of
 * UINT64_MAX has no LSN + 1: its cell holds 0 and a bit in top[] says so;
 * only a read that finds 0 looks there.
 *
 * (Before, cells lived in 4 KiB pages found through a table of page
 * pointers, with a presence bitmap beside them: at 1 000 000 partitions,
 * past the caches, the pointer load and the bitmap made a lookup two to
 * three dependent loads where a plain array does one.)
 *
 * Larger ids go to an open-addressing table of (partition, lsn) slots per
 * column family. A writer fills a slot's lsn before publishing its
 * partition, and publishes a grown table with one pointer store; a reader
 * that still holds the old table sees a consistent, slightly older
 * picture. Old tables are freed with the store: growth doubles, so they
 * never outweigh the live one. Partition UINT64_MAX marks an empty slot,
 * so that one partition lives beside the table.
 *
 * Column families are never freed before the store: forgetting one clears
 * it in place, so a handle to it (lsn_tracker_cf) stays valid and reads
 * nothing of what was forgotten. */
#define _DEFAULT_SOURCE /* MAP_NORESERVE, MADV_NOHUGEPAGE */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "store.h"

#define EMPTY UINT64_MAX
#define DENSE_LIMIT LSN_STORE_DENSE_LIMIT /* 1 048 576 */
#define REGION_BITS LSN_STORE_REGION_BITS
#define REGION ((size_t)1 << REGION_BITS)
#define REGIONS ((size_t)(DENSE_LIMIT >> REGION_BITS))
#define CELL_BYTES ((size_t)DENSE_LIMIT * sizeof(uint64_t))
#define TOP_BYTES ((size_t)DENSE_LIMIT / 8)
#define MAP_BYTES (CELL_BYTES + TOP_BYTES)

typedef struct slot {
    _Atomic uint64_t partition;
    _Atomic uint64_t lsn;
} slot_t;

typedef struct lsn_store_table {
    size_t cap; /* power of two */
    size_t count;
    struct lsn_store_table *retired; /* older tables, freed with the store */
    slot_t slots[];
} table_t;

/* A column family: lsn_store_cf_t (store.h), lsn_tracker_cf_t to hosts. */
typedef lsn_store_cf_t cf_t;

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
        munmap((void *)c->cells, MAP_BYTES);
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
    /* Zero-filled by the kernel, and backed only where written; no huge
     * pages, so that a few partitions cost a few KiB, not 2 MiB. */
    void *m = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (!c || !t || m == MAP_FAILED) {
        free(c);
        free(t);
        if (m != MAP_FAILED)
            munmap(m, MAP_BYTES);
        return NULL;
    }
#ifdef MADV_NOHUGEPAGE
    madvise(m, MAP_BYTES, MADV_NOHUGEPAGE);
#endif
    memcpy(c->name, name, n + 1);
    c->cells = m;
    c->top = (_Atomic uint64_t *)((char *)m + CELL_BYTES);
    for (size_t i = 0; i < REGIONS; i++)
        atomic_init(&c->used[i], 0);
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
    _Atomic uint64_t *cellp = &c->cells[partition];
    _Atomic uint64_t *topp = &c->top[partition >> 6];
    uint64_t bit = (uint64_t)1 << (partition & 63), cur, cell, top;

    /* Marked before the cell is written: a walk that sees the cell saw
     * the mark first. */
    if (!atomic_load_explicit(&c->used[partition >> REGION_BITS],
                              memory_order_relaxed))
        atomic_store_explicit(&c->used[partition >> REGION_BITS], 1,
                              memory_order_release);
    cell = atomic_load_explicit(cellp, memory_order_relaxed);
    top = atomic_load_explicit(topp, memory_order_relaxed);
    if (cell || (top & bit)) {
        cur = cell ? cell - 1 : UINT64_MAX;
        if (lsn <= cur)
            return 0;
    } else {
        atomic_fetch_add_explicit(&s->entries, 1, memory_order_relaxed);
    }
    if (lsn == UINT64_MAX) {
        /* The bit first: a reader that then finds the cell 0 sees it. */
        atomic_store_explicit(topp, top | bit, memory_order_relaxed);
        atomic_store_explicit(cellp, 0, memory_order_release);
    } else {
        atomic_store_explicit(cellp, lsn + 1, memory_order_release);
    }
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

int lsn_store_cf_get_rest(const lsn_store_cf_t *c, uint64_t partition,
                          uint64_t *lsn)
{
    table_t *t;

    if (partition < DENSE_LIMIT) {
        /* Not answered inline: the cell was 0, unknown or LSN UINT64_MAX.
         * Read it again, then the bit: the cell may have moved since. */
        uint64_t cell = atomic_load_explicit(&c->cells[partition],
                                             memory_order_acquire);
        if (cell) {
            *lsn = cell - 1;
            return LSN_TRACKER_OK;
        }
        if (!(atomic_load_explicit(&c->top[partition >> 6],
                                   memory_order_relaxed) >>
                  (partition & 63) & 1))
            return LSN_TRACKER_NOT_FOUND;
        *lsn = UINT64_MAX;
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

int lsn_store_get(const lsn_store_t *s, const char *cf, uint64_t partition,
                  uint64_t *lsn)
{
    const cf_t *c = find_cf(s, cf);

    if (!c)
        return LSN_TRACKER_NOT_FOUND;
    return lsn_store_cf_get(c, partition, lsn);
}

lsn_store_cf_t *lsn_store_cf(lsn_store_t *s, const char *cf)
{
    cf_t *c = find_cf(s, cf);
    return c ? c : add_cf(s, cf);
}

int lsn_store_foreach(const lsn_store_t *s, lsn_tracker_visit_fn fn, void *arg)
{
    cf_t *c = atomic_load_explicit(&((lsn_store_t *)s)->cfs,
                                   memory_order_acquire);
    for (; c; c = c->next) {
        for (size_t r = 0; r < REGIONS; r++) {
            if (!atomic_load_explicit(&c->used[r], memory_order_acquire))
                continue;
            for (size_t i = r << REGION_BITS; i < (r + 1) << REGION_BITS;
                 i++) {
                uint64_t cell = atomic_load_explicit(&c->cells[i],
                                                     memory_order_acquire);
                if (!cell && !(atomic_load_explicit(&c->top[i >> 6],
                                                    memory_order_relaxed) >>
                                   (i & 63) & 1))
                    continue;
                int rc = fn(arg, c->name, (uint64_t)i,
                            cell ? cell - 1 : UINT64_MAX);
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

/* Forgets every watermark of one column family in place. Each dense cell
 * goes to 0 with one store (then the top bits), so a reader racing with
 * the clear sees either the old value or nothing; cells and tables stay
 * for the next incarnation, so memory is bounded by the partitions a name
 * has held, not by how often it was re-created, and a handle to the
 * family stays valid. Single writer, like raise. */
static void clear_cf(lsn_store_t *s, cf_t *c)
{
    uint64_t gone = 0;

    for (size_t r = 0; r < REGIONS; r++) {
        if (!atomic_load_explicit(&c->used[r], memory_order_relaxed))
            continue;
        for (size_t i = r << REGION_BITS; i < (r + 1) << REGION_BITS; i++) {
            if (!atomic_load_explicit(&c->cells[i], memory_order_relaxed))
                continue;
            gone++;
            atomic_store_explicit(&c->cells[i], 0, memory_order_release);
        }
        for (size_t w = (r << REGION_BITS) / 64;
             w < ((r + 1) << REGION_BITS) / 64; w++) {
            gone += (uint64_t)__builtin_popcountll(atomic_load_explicit(
                &c->top[w], memory_order_relaxed));
            atomic_store_explicit(&c->top[w], 0, memory_order_release);
        }
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
