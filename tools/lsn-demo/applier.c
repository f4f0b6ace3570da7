/* The state machine: each record changes its partition's state and, in the
 * same WriteBatch with the WAL off, its applied-LSN key. A partition's state
 * is an aggregate (records applied, checksum of their digests) and a ring of
 * the last DEMO_SLOTS records' LSNs; a history ring keyed by LSN keeps the
 * last DEMO_HISTORY records of all partitions, so that losing an older
 * memtable shows even when newer ones overwrote the per-partition keys. In
 * the "atomic" variant the keys live in three column families. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define PLUGIN_OPTS                                                          \
    "listeners={id=LsnFlushListener;tracker=" DEMO_TRACKER "};"            \
    "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c}"

static const struct {
    const char *name, *options;
    int ncf;
} variants[] = {
    {"default", "write_buffer_size=1048576;" PLUGIN_OPTS, 1},
    {"concurrent",
     "max_background_flushes=4;max_background_jobs=8;max_write_buffer_number=6;"
     "write_buffer_size=65536;" PLUGIN_OPTS, 1},
    {"atomic", "atomic_flush=true;write_buffer_size=262144;" PLUGIN_OPTS, 3},
    /* In 7.8.3 experimental_mempurge_threshold in an options string is
     * taken as the deprecated DB option and ignored; demo_db_open sets the
     * column family option through the C API instead. */
    /* One flush thread: the configuration docs/correctness.md (2.4) calls
     * safe with MemPurge. */
    {"mempurge",
     "max_write_buffer_number=4;"
     "max_background_flushes=1;write_buffer_size=262144;" PLUGIN_OPTS, 1},
    /* Both at once: purged memtables queued behind concurrent flushes. In
     * 7.8.3 this meets RocksDB's own MemPurge ordering bugs
     * (facebook/rocksdb#11251): a close can wait forever for a flush that
     * is never installed. For soaks by hand, not for CI. */
    {"mempurge-concurrent",
     "max_background_flushes=4;max_background_jobs=8;max_write_buffer_number=6;"
     "write_buffer_size=131072;" PLUGIN_OPTS, 1},
};

static const char *const cf_names[3] = {"default", "ring", "aggregate"};

const char *demo_variant_options(const char *variant)
{
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
        if (!strcmp(variants[i].name, variant))
            return variants[i].options;
    return NULL;
}

int demo_variant_cfs(const char *variant)
{
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
        if (!strcmp(variants[i].name, variant))
            return variants[i].ncf;
    return 0;
}

static void be64(uint64_t v, char *out)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (char)(v & 0xff);
}

static uint64_t get_be64(const char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | (uint8_t)p[i];
    return v;
}

/* The applied-LSN key matches the collector's key_prefix=4c layout. */
static size_t applied_key(unsigned p, char *k)
{
    k[0] = 'L';
    be64(p, k + 1);
    return 9;
}

static size_t agg_key(unsigned p, char *k)
{
    k[0] = 'S';
    be64(p, k + 1);
    return 9;
}

static size_t slot_key(unsigned p, unsigned slot, char *k)
{
    k[0] = 'R';
    be64(p, k + 1);
    k[9] = (char)(slot >> 8);
    k[10] = (char)slot;
    return 11;
}

static size_t hist_key(uint64_t lsn, char *k)
{
    k[0] = 'H';
    be64(lsn % DEMO_HISTORY, k + 1);
    return 9;
}

static rocksdb_column_family_handle_t *ring_cf(demo_db_t *d)
{
    return d->cf[d->ncf > 1 ? 1 : 0];
}

static rocksdb_column_family_handle_t *agg_cf(demo_db_t *d)
{
    return d->cf[d->ncf - 1];
}

static int fail(char *err, size_t n, const char *what, char *rerr)
{
    snprintf(err, n, "%s: %s", what, rerr);
    free(rerr);
    return -1;
}

/* A DB without CURRENT, or with fewer column families than expected. */
static int incomplete(const rocksdb_options_t *o, const char *path, int ncf)
{
    char *err = NULL, **names;
    size_t len = 0;

    names = rocksdb_list_column_families(o, path, &len, &err);
    if (err) {
        free(err);
        return 1;
    }
    rocksdb_list_column_families_destroy(names, len);
    return len < (size_t)ncf;
}

int demo_db_open(demo_db_t *d, const char *path, const char *options, int ncf,
                 unsigned partitions, int read_only, char *err, size_t n)
{
    const rocksdb_options_t *co[3];
    rocksdb_options_t *base;
    char *rerr = NULL;

    memset(d, 0, sizeof(*d));
    d->ncf = ncf;
    d->partitions = partitions;
    base = rocksdb_options_create();
    d->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(base, !read_only);
    rocksdb_options_set_create_missing_column_families(base, !read_only);
    rocksdb_get_options_from_string(base, options ? options : "", d->opts,
                                    &rerr);
    rocksdb_options_destroy(base);
    if (rerr)
        return fail(err, n, "options", rerr);
    if (options && (options == demo_variant_options("mempurge") ||
                    options == demo_variant_options("mempurge-concurrent")))
        rocksdb_options_set_experimental_mempurge_threshold(d->opts, 1.0);
    for (int i = 0; i < ncf; i++)
        co[i] = d->opts;
    if (read_only) {
        d->db = rocksdb_open_for_read_only_column_families(
            d->opts, path, ncf, cf_names, co, d->cf, 0, &rerr);
        if (rerr && incomplete(d->opts, path, ncf)) {
            /* Killed during its first open, before every column family
             * existed: nothing was applied yet. Finish the creation, as the
             * next start would, and check that empty state. */
            free(rerr);
            rerr = NULL;
            rocksdb_options_set_create_if_missing(d->opts, 1);
            rocksdb_options_set_create_missing_column_families(d->opts, 1);
            d->db = rocksdb_open_column_families(d->opts, path, ncf, cf_names,
                                                 co, d->cf, &rerr);
        }
    } else
        d->db = rocksdb_open_column_families(d->opts, path, ncf, cf_names, co,
                                             d->cf, &rerr);
    if (rerr) {
        d->db = NULL;
        return fail(err, n, path, rerr);
    }
    d->wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(d->wo, 1);
    d->applied = calloc(partitions, sizeof(uint64_t));
    d->count = calloc(partitions, sizeof(uint64_t));
    d->sum = calloc(partitions, sizeof(uint64_t));
    if (!d->applied || !d->count || !d->sum) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    for (unsigned p = 0; p < partitions; p++) {
        demo_state_t s;
        if (demo_db_read(d, p, &s, err, n))
            return -1;
        if (s.applied != s.agg_lsn) {
            snprintf(err, n, "partition %u: applied-LSN key %llu but state "
                     "of LSN %llu", p, (unsigned long long)s.applied,
                     (unsigned long long)s.agg_lsn);
            return -1;
        }
        d->applied[p] = s.applied;
        d->count[p] = s.count;
        d->sum[p] = s.sum;
    }
    return 0;
}

int demo_db_apply(demo_db_t *d, const demo_record_t *r, char *err, size_t n)
{
    unsigned p = (unsigned)r->partition;
    uint64_t count = d->count[p] + 1;
    uint64_t sum = d->sum[p] + demo_digest(r->lsn, r->payload, r->len);
    char k[16], v[24], rk[16], rv[8], ak[16];
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    char *rerr = NULL;

    be64(r->lsn, rv);
    rocksdb_writebatch_put_cf(b, ring_cf(d), rk,
                              slot_key(p, (unsigned)((count - 1) % DEMO_SLOTS), rk),
                              rv, 8);
    rocksdb_writebatch_put_cf(b, ring_cf(d), k, hist_key(r->lsn, k), rv, 8);
    be64(count, v);
    be64(sum, v + 8);
    be64(r->lsn, v + 16);
    rocksdb_writebatch_put_cf(b, agg_cf(d), ak, agg_key(p, ak), v, 24);
    rocksdb_writebatch_put_cf(b, d->cf[0], k, applied_key(p, k), rv, 8);
    rocksdb_write(d->db, d->wo, b, &rerr);
    rocksdb_writebatch_destroy(b);
    if (rerr)
        return fail(err, n, "write", rerr);
    d->count[p] = count;
    d->sum[p] = sum;
    d->applied[p] = r->lsn;
    return 0;
}

int demo_db_flush(demo_db_t *d, char *err, size_t n)
{
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    char *rerr = NULL;

    rocksdb_flushoptions_set_wait(fo, 1);
    for (int i = 0; i < d->ncf && !rerr; i++)
        rocksdb_flush_cf(d->db, fo, d->cf[i], &rerr);
    rocksdb_flushoptions_destroy(fo);
    return rerr ? fail(err, n, "flush", rerr) : 0;
}

static int get(demo_db_t *d, rocksdb_column_family_handle_t *cf,
               rocksdb_readoptions_t *ro, const char *k, size_t kl, char *out,
               size_t want, int *found, char *err, size_t n)
{
    char *rerr = NULL, *v;
    size_t vl = 0;

    v = rocksdb_get_cf(d->db, ro, cf, k, kl, &vl, &rerr);
    if (rerr)
        return fail(err, n, "get", rerr);
    *found = v != NULL;
    if (v && vl != want) {
        rocksdb_free(v);
        snprintf(err, n, "value of %zu bytes where %zu expected", vl, want);
        return -1;
    }
    if (v) {
        memcpy(out, v, want);
        rocksdb_free(v);
    }
    return 0;
}

int demo_db_read(demo_db_t *d, unsigned p, demo_state_t *s, char *err,
                 size_t n)
{
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    char k[16], v[24];
    int found, rc = -1;

    memset(s, 0, sizeof(*s));
    rocksdb_readoptions_set_read_tier(ro, 2); /* kPersistedTier */
    if (get(d, d->cf[0], ro, k, applied_key(p, k), v, 8, &found, err, n))
        goto out;
    s->found = found;
    s->applied = found ? get_be64(v) : 0;
    if (get(d, agg_cf(d), ro, k, agg_key(p, k), v, 24, &found, err, n))
        goto out;
    if (found) {
        s->count = get_be64(v);
        s->sum = get_be64(v + 8);
        s->agg_lsn = get_be64(v + 16);
    }
    for (unsigned i = 0; i < DEMO_SLOTS; i++) {
        if (get(d, ring_cf(d), ro, k, slot_key(p, i, k), v, 8, &found, err, n))
            goto out;
        s->slot[i] = found ? get_be64(v) : 0;
    }
    rc = 0;
out:
    rocksdb_readoptions_destroy(ro);
    return rc;
}

int demo_db_history(demo_db_t *d, uint64_t *hist, char *err, size_t n)
{
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_iterator_t *it;
    char *rerr = NULL;

    memset(hist, 0, DEMO_HISTORY * sizeof(uint64_t));
    rocksdb_readoptions_set_read_tier(ro, 2); /* kPersistedTier */
    it = rocksdb_create_iterator_cf(d->db, ro, ring_cf(d));
    for (rocksdb_iter_seek(it, "H", 1); rocksdb_iter_valid(it);
         rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        if (kl < 1 || k[0] != 'H')
            break;
        uint64_t slot = kl == 9 ? get_be64(k + 1) : DEMO_HISTORY;
        if (slot >= DEMO_HISTORY || vl != 8) {
            snprintf(err, n, "history: malformed entry");
            rocksdb_iter_destroy(it);
            rocksdb_readoptions_destroy(ro);
            return -1;
        }
        hist[slot] = get_be64(v);
    }
    rocksdb_iter_get_error(it, &rerr);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    return rerr ? fail(err, n, "history", rerr) : 0;
}

int demo_db_live_ssts(demo_db_t *d)
{
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(d->db);
    int n = lf ? rocksdb_livefiles_count(lf) : -1;
    if (lf)
        rocksdb_livefiles_destroy(lf);
    return n;
}

void demo_db_close(demo_db_t *d)
{
    for (int i = 0; i < d->ncf; i++)
        if (d->cf[i])
            rocksdb_column_family_handle_destroy(d->cf[i]);
    if (d->db)
        rocksdb_close(d->db);
    if (d->opts)
        rocksdb_options_destroy(d->opts);
    if (d->wo)
        rocksdb_writeoptions_destroy(d->wo);
    free(d->applied);
    free(d->count);
    free(d->sum);
    memset(d, 0, sizeof(*d));
}
