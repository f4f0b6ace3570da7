/* Applying records by ingestion: the puts of a run of records are written,
 * sorted and last-one-wins, into one SST file by SstFileWriter (with the
 * database's options, so the plugin's collector writes its property), and
 * the file is ingested on top of everything. RocksDB flushes an overlapping
 * memtable first, so the file never covers a state whose older part is
 * still in memory.
 *
 * Ingesting behind: a file of other states (applied-LSN key and aggregate:
 * older ones, or numbers above the newest) of partitions whose keys are
 * already persisted goes to the bottommost level with sequence number 0,
 * under the newer versions, which therefore always win: the state read
 * back is unchanged, and nothing in that file may raise a watermark. The bottommost level takes no file that overlaps
 * one already there, so the files earlier calls put there are deleted first
 * (everything in them is shadowed too). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

typedef struct entry {
    const demo_put_t *put;
    size_t order;
} entry_t;

static int by_key_then_order(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    size_t l = x->put->klen < y->put->klen ? x->put->klen : y->put->klen;
    int c = memcmp(x->put->key, y->put->key, l);

    if (c)
        return c;
    if (x->put->klen != y->put->klen)
        return x->put->klen < y->put->klen ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int rocks_fail(char *err, size_t n, const char *what, char *rerr)
{
    snprintf(err, n, "%s: %s", what, rerr);
    free(rerr);
    return -1;
}

/* Writes the newest put of every key, in key order, to path. */
static int write_sst(demo_db_t *d, const char *path, const demo_put_t *puts,
                     size_t nputs, char *err, size_t n)
{
    entry_t *e = malloc(nputs * sizeof(*e));
    rocksdb_envoptions_t *env;
    rocksdb_sstfilewriter_t *w;
    char *rerr = NULL;

    if (!e) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nputs; i++)
        e[i] = (entry_t){&puts[i], i};
    qsort(e, nputs, sizeof(*e), by_key_then_order);
    unlink(path); /* left by a kill */
    env = rocksdb_envoptions_create();
    w = rocksdb_sstfilewriter_create(env, d->opts);
    rocksdb_sstfilewriter_open(w, path, &rerr);
    for (size_t i = 0; i < nputs && !rerr; i++) {
        const demo_put_t *p = e[i].put;
        if (i + 1 < nputs && e[i + 1].put->klen == p->klen &&
            !memcmp(e[i + 1].put->key, p->key, p->klen))
            continue; /* a later record wrote this key again */
        rocksdb_sstfilewriter_put(w, p->key, p->klen, p->val, p->vlen, &rerr);
    }
    if (!rerr)
        rocksdb_sstfilewriter_finish(w, &rerr);
    rocksdb_sstfilewriter_destroy(w);
    rocksdb_envoptions_destroy(env);
    free(e);
    return rerr ? rocks_fail(err, n, "SstFileWriter", rerr) : 0;
}

static int ingest(demo_db_t *d, int cf, const char *path, int behind,
                  char *err, size_t n)
{
    rocksdb_ingestexternalfileoptions_t *o =
        rocksdb_ingestexternalfileoptions_create();
    const char *files[1] = {path};
    char *rerr = NULL;

    rocksdb_ingestexternalfileoptions_set_move_files(o, 1);
    rocksdb_ingestexternalfileoptions_set_ingest_behind(o, behind);
    rocksdb_ingest_external_file_cf(d->db, d->cf[cf], files, 1, o, &rerr);
    rocksdb_ingestexternalfileoptions_destroy(o);
    return rerr ? rocks_fail(err, n, behind ? "ingest behind" : "ingest", rerr)
                : 0;
}

/* The puts of one file must share a column family. */
static int one_family(const demo_put_t *puts, size_t nputs, char *err,
                      size_t n)
{
    for (size_t i = 1; i < nputs; i++)
        if (puts[i].cf != puts[0].cf) {
            snprintf(err, n, "ingest: puts in two column families");
            return -1;
        }
    return 0;
}

static int write_and_ingest(demo_db_t *d, const char *db_path,
                            const demo_put_t *puts, size_t nputs, int behind,
                            char *err, size_t n)
{
    char path[4200];

    if (!nputs)
        return 0;
    if (one_family(puts, nputs, err, n))
        return -1;
    snprintf(path, sizeof path, "%s.staging.sst", db_path);
    if (write_sst(d, path, puts, nputs, err, n) ||
        ingest(d, puts[0].cf, path, behind, err, n))
        return -1;
    return 0;
}

int demo_ingest_records(demo_db_t *d, const char *db_path,
                        const demo_record_t *recs, size_t nrecs, char *err,
                        size_t n)
{
    demo_put_t *puts = malloc(nrecs * DEMO_PUTS * sizeof(*puts));
    int rc;

    if (!puts) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    /* In memory the records are applied one after the other, each on the
     * state the previous one left; the file holds where they ended. */
    for (size_t i = 0; i < nrecs; i++) {
        demo_db_effects(d, &recs[i], puts + i * DEMO_PUTS);
        demo_db_advance(d, &recs[i], puts + i * DEMO_PUTS);
    }
    rc = write_and_ingest(d, db_path, puts, nrecs * DEMO_PUTS, 0, err, n);
    free(puts);
    return rc;
}

/* Deletes the bottommost files an earlier demo_ingest_behind left: they
 * hold applied-LSN keys and aggregates only, so their first key is an
 * applied-LSN key ('L'), where any other file starts with history ('H').
 * Each goes by the range of its keys (DeleteFilesInRange), the call every
 * RocksDB release has (deleting a file by name is gone from the C API in
 * 10.x). DeleteFilesInRange takes every file above L0 wholly inside the
 * range: should a file of another level lie inside one (a sorted run cut
 * into files can start a file at an 'L' key), nothing is deleted and -2
 * says so, rather than deleting live data. */
static int cmp_keys(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int delete_behind(demo_db_t *d)
{
    int last = rocksdb_options_get_num_levels(d->opts) - 1, count, k = 0;
    int covered = 0;
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(d->db);
    struct range {
        char *lo, *hi;
        size_t lo_len, hi_len;
    } *r;

    if (!lf)
        return -1;
    count = rocksdb_livefiles_count(lf);
    r = calloc((size_t)count + 1, sizeof(*r));
    for (int i = 0; r && i < count; i++) {
        size_t lo_len = 0, hi_len = 0;
        const char *lo = rocksdb_livefiles_smallestkey(lf, i, &lo_len);
        const char *hi = rocksdb_livefiles_largestkey(lf, i, &hi_len);
        if (rocksdb_livefiles_level(lf, i) != last || !lo_len || lo[0] != 'L')
            continue;
        r[k].lo = malloc(lo_len);
        r[k].hi = malloc(hi_len ? hi_len : 1);
        if (r[k].lo && r[k].hi) {
            memcpy(r[k].lo, lo, lo_len);
            memcpy(r[k].hi, hi, hi_len);
            r[k].lo_len = lo_len;
            r[k].hi_len = hi_len;
        }
        k++;
    }
    for (int i = 0; r && i < count; i++) {
        size_t lo_len = 0, hi_len = 0;
        const char *lo = rocksdb_livefiles_smallestkey(lf, i, &lo_len);
        const char *hi = rocksdb_livefiles_largestkey(lf, i, &hi_len);
        int level = rocksdb_livefiles_level(lf, i);
        if (level == 0 || level == last)
            continue;
        for (int j = 0; j < k; j++)
            if (r[j].lo && r[j].hi &&
                cmp_keys(r[j].lo, r[j].lo_len, lo, lo_len) <= 0 &&
                cmp_keys(hi, hi_len, r[j].hi, r[j].hi_len) <= 0)
                covered = 1;
    }
    rocksdb_livefiles_destroy(lf);
    if (!r)
        return -1;
    for (int i = 0; i < k; i++) {
        for (int c = 0; !covered && r[i].lo && r[i].hi && c < DEMO_MAX_CF;
             c++) {
            char *rerr = NULL;
            if (!d->cf[c])
                continue;
            rocksdb_delete_file_in_range_cf(d->db, d->cf[c], r[i].lo,
                                            r[i].lo_len, r[i].hi,
                                            r[i].hi_len, &rerr);
            free(rerr);
        }
        free(r[i].lo);
        free(r[i].hi);
    }
    free(r);
    return covered ? -2 : 0;
}

int demo_ingest_behind(demo_db_t *d, const char *db_path,
                       const demo_put_t *puts, size_t nputs, char *err,
                       size_t n)
{
    int rc = delete_behind(d);
    if (rc) {
        snprintf(err, n, "ingest behind: %s",
                 rc == -2 ? "a file of another level lies inside the range of "
                            "one ingested behind; not deleting by range"
                          : "cannot list live files");
        return -1;
    }
    return write_and_ingest(d, db_path, puts, nputs, 1, err, n);
}
