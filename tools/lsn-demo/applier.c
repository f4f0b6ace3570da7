/* The state machine: each record changes its partition's state and, in the
 * same WriteBatch with the WAL off, its applied-LSN key. A partition's state
 * is an aggregate (records applied, checksum of their digests, and the LSN
 * of the last one: the state's own LSN) and a ring of the last DEMO_SLOTS
 * records' LSNs; a history ring keyed by LSN keeps the last DEMO_HISTORY
 * records of all partitions, so that losing an older memtable shows even
 * when newer ones overwrote the per-partition keys. The variant says in
 * which column family each kind of key lives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

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

static rocksdb_column_family_handle_t *cf_of(demo_db_t *d, unsigned p,
                                             int kind)
{
    return d->cf[demo_cf_of(d->v, p, kind)];
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

static rocksdb_options_t *make_options(const demo_variant_t *v, int flags,
                                       char *err, size_t n)
{
    rocksdb_options_t *base = rocksdb_options_create();
    rocksdb_options_t *o = rocksdb_options_create();
    int ro = flags & DEMO_DB_READ_ONLY;
    char *rerr = NULL;

    rocksdb_options_set_create_if_missing(base, !ro);
    rocksdb_options_set_create_missing_column_families(base, !ro);
    rocksdb_get_options_from_string(
        base, flags & DEMO_DB_PLUGIN ? v->options : "", o, &rerr);
    rocksdb_options_destroy(base);
    if (rerr) {
        rocksdb_options_destroy(o);
        fail(err, n, "options", rerr);
        return NULL;
    }
    if ((flags & DEMO_DB_PLUGIN) && v->mempurge)
        rocksdb_options_set_experimental_mempurge_threshold(o, 1.0);
    return o;
}

/* Read-write: creates what is missing. */
static int open_rw(demo_db_t *d, const char *path, char **rerr)
{
    const rocksdb_options_t *co[DEMO_MAX_CF];

    for (int i = 0; i < d->v->ncf; i++)
        co[i] = d->opts;
    d->db = rocksdb_open_column_families(d->opts, path, d->v->ncf,
                                         d->v->cf_names, co, d->cf, rerr);
    return *rerr ? -1 : 0;
}

static int open_ro(demo_db_t *d, const char *path, char **rerr)
{
    const rocksdb_options_t *co[DEMO_MAX_CF];

    for (int i = 0; i < d->v->ncf; i++)
        co[i] = d->opts;
    d->db = rocksdb_open_for_read_only_column_families(
        d->opts, path, d->v->ncf, d->v->cf_names, co, d->cf, 0, rerr);
    return *rerr ? -1 : 0;
}

/* Killed during its first open (or between dropping a column family and
 * creating it again), before every column family existed: finish the
 * creation, as the next start would, then open read-only as asked (a
 * read-write database has no kPersistedTier iterators in RocksDB 7.8.3). */
static int finish_creation(demo_db_t *d, const char *path, char **rerr)
{
    rocksdb_options_set_create_if_missing(d->opts, 1);
    rocksdb_options_set_create_missing_column_families(d->opts, 1);
    if (open_rw(d, path, rerr))
        return -1;
    for (int i = 0; i < d->v->ncf; i++)
        rocksdb_column_family_handle_destroy(d->cf[i]);
    rocksdb_close(d->db);
    rocksdb_options_set_create_if_missing(d->opts, 0);
    rocksdb_options_set_create_missing_column_families(d->opts, 0);
    return open_ro(d, path, rerr);
}

static int open_families(demo_db_t *d, const char *path, int read_only,
                         char *err, size_t n)
{
    char *rerr = NULL;

    if (!read_only)
        open_rw(d, path, &rerr);
    else if (open_ro(d, path, &rerr) && incomplete(d->opts, path, d->v->ncf)) {
        free(rerr);
        rerr = NULL;
        finish_creation(d, path, &rerr);
    }
    if (rerr) {
        d->db = NULL;
        memset(d->cf, 0, sizeof d->cf);
        return fail(err, n, path, rerr);
    }
    return 0;
}

/* Reads every partition's state; the key and the state must agree unless
 * the variant flushes them apart. */
static int load_state(demo_db_t *d, char *err, size_t n)
{
    for (unsigned p = 0; p < d->partitions; p++) {
        demo_state_t s;
        if (demo_db_read(d, p, &s, err, n))
            return -1;
        if (s.applied != s.agg_lsn && !d->v->key_may_differ) {
            snprintf(err, n, "partition %u: applied-LSN key %llu but state "
                     "of LSN %llu", p, (unsigned long long)s.applied,
                     (unsigned long long)s.agg_lsn);
            return -1;
        }
        d->applied[p] = s.agg_lsn;
        d->key[p] = s.applied;
        d->count[p] = s.count;
        d->sum[p] = s.sum;
    }
    return 0;
}

int demo_db_open(demo_db_t *d, const char *path, const demo_variant_t *v,
                 unsigned partitions, int flags, char *err, size_t n)
{
    memset(d, 0, sizeof(*d));
    d->v = v;
    d->partitions = partitions;
    if (!(d->opts = make_options(v, flags, err, n)) ||
        open_families(d, path, flags & DEMO_DB_READ_ONLY, err, n))
        return -1;
    d->wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(d->wo, 1);
    d->applied = calloc(partitions, sizeof(uint64_t));
    d->key = calloc(partitions, sizeof(uint64_t));
    d->count = calloc(partitions, sizeof(uint64_t));
    d->sum = calloc(partitions, sizeof(uint64_t));
    if (!d->applied || !d->key || !d->count || !d->sum) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    return load_state(d, err, n);
}

static void put(demo_put_t *o, int cf, const char *k, size_t kl,
                const char *v, size_t vl)
{
    o->cf = cf;
    o->klen = kl;
    o->vlen = vl;
    memcpy(o->key, k, kl);
    memcpy(o->val, v, vl);
}

void demo_db_state_puts(const demo_db_t *d, unsigned p, uint64_t lsn,
                        uint64_t count, uint64_t sum, demo_put_t *out)
{
    char k[16], v[24];

    be64(lsn, v);
    put(&out[0], demo_cf_of(d->v, p, DEMO_KEY_APPLIED), k, applied_key(p, k),
        v, 8);
    be64(count, v);
    be64(sum, v + 8);
    be64(lsn, v + 16);
    put(&out[1], demo_cf_of(d->v, p, DEMO_KEY_AGG), k, agg_key(p, k), v, 24);
}

void demo_db_effects(const demo_db_t *d, const demo_record_t *r,
                     demo_put_t *out)
{
    unsigned p = (unsigned)r->partition;
    uint64_t count = d->count[p] + 1;
    uint64_t sum = d->sum[p] + demo_digest(r->lsn, r->payload, r->len);
    int ring = demo_cf_of(d->v, p, DEMO_KEY_RING);
    char k[16], v[8];

    be64(r->lsn, v);
    put(&out[0], ring, k,
        slot_key(p, (unsigned)((count - 1) % DEMO_SLOTS), k), v, 8);
    put(&out[1], ring, k, hist_key(r->lsn, k), v, 8);
    demo_db_state_puts(d, p, r->lsn, count, sum, out + 2);
}

void demo_db_advance(demo_db_t *d, const demo_record_t *r,
                     const demo_put_t *puts)
{
    unsigned p = (unsigned)r->partition;
    const demo_put_t *agg = &puts[3]; /* from demo_db_state_puts */

    d->count[p] = get_be64(agg->val);
    d->sum[p] = get_be64(agg->val + 8);
    d->applied[p] = r->lsn;
}

int demo_db_apply(demo_db_t *d, const demo_record_t *r, char *err, size_t n)
{
    demo_put_t puts[DEMO_PUTS];
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    char *rerr = NULL;

    demo_db_effects(d, r, puts);
    for (int i = 0; i < DEMO_PUTS; i++)
        rocksdb_writebatch_put_cf(b, d->cf[puts[i].cf], puts[i].key,
                                  puts[i].klen, puts[i].val, puts[i].vlen);
    rocksdb_write(d->db, d->wo, b, &rerr);
    rocksdb_writebatch_destroy(b);
    if (rerr)
        return fail(err, n, "write", rerr);
    demo_db_advance(d, r, puts);
    return 0;
}

int demo_db_flush_cf(demo_db_t *d, int cf, char *err, size_t n)
{
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    char *rerr = NULL;

    rocksdb_flushoptions_set_wait(fo, 1);
    rocksdb_flush_cf(d->db, fo, d->cf[cf], &rerr);
    rocksdb_flushoptions_destroy(fo);
    return rerr ? fail(err, n, "flush", rerr) : 0;
}

int demo_db_flush(demo_db_t *d, char *err, size_t n)
{
    /* "default" (the applied-LSN keys) last: a kill between two flushes
     * then leaves the state ahead of the key, never behind it. */
    for (int i = d->v->ncf - 1; i >= 0; i--)
        if (demo_db_flush_cf(d, i, err, n))
            return -1;
    return 0;
}

int demo_db_recreate_cf(demo_db_t *d, int cf, char *err, size_t n)
{
    char *rerr = NULL;

    rocksdb_drop_column_family(d->db, d->cf[cf], &rerr);
    if (rerr)
        return fail(err, n, "drop column family", rerr);
    rocksdb_column_family_handle_destroy(d->cf[cf]);
    d->cf[cf] = rocksdb_create_column_family(d->db, d->opts,
                                             d->v->cf_names[cf], &rerr);
    if (rerr) {
        d->cf[cf] = NULL;
        return fail(err, n, "create column family", rerr);
    }
    for (unsigned p = 0; p < d->partitions; p++)
        if (demo_cf_of(d->v, p, DEMO_KEY_APPLIED) == cf)
            d->applied[p] = d->key[p] = d->count[p] = d->sum[p] = 0;
    return 0;
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

static rocksdb_readoptions_t *persisted(void)
{
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_read_tier(ro, 2); /* kPersistedTier */
    return ro;
}

/* The applied-LSN key and the aggregate of partition p. */
static int read_lsns(demo_db_t *d, rocksdb_readoptions_t *ro, unsigned p,
                     demo_state_t *s, char *err, size_t n)
{
    char k[16], v[24];
    int found;

    if (get(d, cf_of(d, p, DEMO_KEY_APPLIED), ro, k, applied_key(p, k), v, 8,
            &found, err, n))
        return -1;
    s->found = found;
    s->applied = found ? get_be64(v) : 0;
    if (get(d, cf_of(d, p, DEMO_KEY_AGG), ro, k, agg_key(p, k), v, 24, &found,
            err, n))
        return -1;
    if (found) {
        s->count = get_be64(v);
        s->sum = get_be64(v + 8);
        s->agg_lsn = get_be64(v + 16);
    }
    return 0;
}

int demo_db_read_lsns(demo_db_t *d, unsigned p, uint64_t *key,
                      uint64_t *state, char *err, size_t n)
{
    rocksdb_readoptions_t *ro = persisted();
    demo_state_t s;
    int rc;

    memset(&s, 0, sizeof s);
    rc = read_lsns(d, ro, p, &s, err, n);
    rocksdb_readoptions_destroy(ro);
    *key = s.applied;
    *state = s.agg_lsn;
    return rc;
}

int demo_db_read(demo_db_t *d, unsigned p, demo_state_t *s, char *err,
                 size_t n)
{
    rocksdb_readoptions_t *ro = persisted();
    char k[16], v[8];
    int found, rc = -1;

    memset(s, 0, sizeof(*s));
    if (read_lsns(d, ro, p, s, err, n))
        goto out;
    for (unsigned i = 0; i < DEMO_SLOTS; i++) {
        if (get(d, cf_of(d, p, DEMO_KEY_RING), ro, k, slot_key(p, i, k), v, 8,
                &found, err, n))
            goto out;
        s->slot[i] = found ? get_be64(v) : 0;
    }
    rc = 0;
out:
    rocksdb_readoptions_destroy(ro);
    return rc;
}

int demo_db_history(demo_db_t *d, int cf, uint64_t *hist, char *err,
                    size_t n)
{
    rocksdb_readoptions_t *ro = persisted();
    rocksdb_iterator_t *it;
    char *rerr = NULL;

    memset(hist, 0, DEMO_HISTORY * sizeof(uint64_t));
    it = rocksdb_create_iterator_cf(d->db, ro, d->cf[cf]);
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
    for (int i = 0; i < DEMO_MAX_CF; i++)
        if (d->cf[i])
            rocksdb_column_family_handle_destroy(d->cf[i]);
    if (d->db)
        rocksdb_close(d->db);
    if (d->opts)
        rocksdb_options_destroy(d->opts);
    if (d->wo)
        rocksdb_writeoptions_destroy(d->wo);
    free(d->applied);
    free(d->key);
    free(d->count);
    free(d->sum);
    memset(d, 0, sizeof(*d));
}
