#define _GNU_SOURCE
#include "lsnt.h"

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include "scratch.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static lsnt_api_t api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

const char *lsnt_plugin_path(void)
{
    const char *p = getenv("LSN_TRACKER_SO");
    return p && *p ? p : LSNT_PLUGIN_PATH;
}

static char load_err[1024];

static void load(void)
{
    if (lsn_abi_load(&api, lsnt_plugin_path(), load_err, sizeof load_err))
        api.handle = NULL;
}

const lsnt_api_t *lsnt_api(void)
{
    pthread_once(&api_once, load);
    cr_assert_not_null(api.handle, "loading %s: %s", lsnt_plugin_path(),
                       load_err);
    return &api;
}

void lsnt_hung(const char *what, int64_t ms)
{
    alarm(10);
    cr_assert_fail("%s: not done after %lld ms: deadlocked", what,
                   (long long)ms);
}

typedef struct within {
    void (*fn)(void *);
    void *arg;
} within_t;

static void *within_main(void *arg)
{
    within_t *w = arg;
    w->fn(w->arg);
    return NULL;
}

void lsnt_within(int64_t ms, const char *what, void (*fn)(void *), void *arg)
{
    within_t w = {fn, arg};
    struct timespec deadline;
    pthread_t th;
    int rc;

    cr_assert_eq(pthread_create(&th, NULL, within_main, &w), 0);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while ((rc = pthread_timedjoin_np(th, NULL, &deadline)) == EINTR)
        ;
    if (rc == ETIMEDOUT)
        lsnt_hung(what, ms);
    cr_assert_eq(rc, 0, "%s: join: %s", what, strerror(rc));
}

char *lsnt_tmpdir(const char *tag)
{
    char *d = lsn_scratch_make("lsnt-", tag);
    cr_assert_not_null(d, "mkdtemp for %s: %s", tag, strerror(errno));
    return d;
}

void lsnt_rmdir(char *dir)
{
    lsn_scratch_remove(dir);
    free(dir);
}

char *lsnt_unique(const char *tag)
{
    static int seq;
    char *s;
    cr_assert(asprintf(&s, "%s-%d-%d", tag, (int)getpid(),
                       __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST)) > 0);
    return s;
}

lsn_tracker_t *lsnt_fresh_tracker(const char *tag)
{
    char *name = lsnt_unique(tag);
    lsn_tracker_t *t = lsnt_api()->open(name);
    free(name);
    return t;
}

rocksdb_options_t *lsnt_options(const char *opts, char **err)
{
    rocksdb_options_t *base = rocksdb_options_create();
    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(base, 1);
    rocksdb_options_set_create_missing_column_families(base, 1);
    *err = NULL;
    rocksdb_get_options_from_string(base, opts, o, err);
    rocksdb_options_destroy(base);
    if (*err) {
        rocksdb_options_destroy(o);
        return NULL;
    }
    return o;
}

rocksdb_t *lsnt_open(const char *path, rocksdb_options_t *o, int ncf,
                     const char *const *cfs, rocksdb_column_family_handle_t **h)
{
    char *err = NULL;
    rocksdb_t *db;
    if (ncf == 0) {
        db = rocksdb_open(o, path, &err);
    } else {
        const rocksdb_options_t **co = calloc((size_t)ncf, sizeof(*co));
        for (int i = 0; i < ncf; i++)
            co[i] = o;
        db = rocksdb_open_column_families(o, path, ncf, cfs, co, h, &err);
        free(co);
    }
    cr_assert_null(err, "open %s: %s", path, err);
    return db;
}

static void be64(uint64_t v, char *out)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (char)(v & 0xff);
}

size_t lsnt_restate_key(uint64_t partition, char *out)
{
    out[0] = 'f';
    out[1] = 's';
    be64(partition, out + 2);
    be64(2, out + 10);
    return 18;
}

size_t lsnt_restate_value(uint64_t lsn, char *out)
{
    size_t n = 0;
    out[n++] = 0x01; /* codec */
    out[n++] = 0x08; /* protobuf tag: field 1, varint */
    do {
        out[n++] = (char)((lsn & 0x7f) | (lsn >= 0x80 ? 0x80 : 0));
        lsn >>= 7;
    } while (lsn);
    return n;
}

size_t lsnt_plain_key(uint64_t partition, char *out)
{
    out[0] = 'L';
    be64(partition, out + 1);
    return 9;
}

size_t lsnt_plain_value(uint64_t lsn, char *out)
{
    be64(lsn, out);
    return 8;
}

void lsnt_apply_plain(rocksdb_t *db, rocksdb_column_family_handle_t *cf,
                      uint64_t partition, uint64_t lsn)
{
    char k[16], v[8], sk[64], sv[64];
    char *err = NULL;
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    int skl = snprintf(sk, sizeof sk, "state/%llu/%llu",
                       (unsigned long long)partition, (unsigned long long)lsn);
    int svl = snprintf(sv, sizeof sv, "value-%llu", (unsigned long long)lsn);
    size_t kl = lsnt_plain_key(partition, k), vl = lsnt_plain_value(lsn, v);

    rocksdb_writeoptions_disable_WAL(wo, 1);
    if (cf) {
        rocksdb_writebatch_put_cf(b, cf, sk, (size_t)skl, sv, (size_t)svl);
        rocksdb_writebatch_put_cf(b, cf, k, kl, v, vl);
    } else {
        rocksdb_writebatch_put(b, sk, (size_t)skl, sv, (size_t)svl);
        rocksdb_writebatch_put(b, k, kl, v, vl);
    }
    rocksdb_write(db, wo, b, &err);
    cr_assert_null(err, "write: %s", err);
    rocksdb_writebatch_destroy(b);
    rocksdb_writeoptions_destroy(wo);
}

void lsnt_flush(rocksdb_t *db, rocksdb_column_family_handle_t *cf)
{
    char *err = NULL;
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(fo, 1);
    if (cf)
        rocksdb_flush_cf(db, fo, cf, &err);
    else
        rocksdb_flush(db, fo, &err);
    cr_assert_null(err, "flush: %s", err);
    rocksdb_flushoptions_destroy(fo);
}

uint64_t lsnt_persisted_plain(rocksdb_t *db, rocksdb_column_family_handle_t *cf,
                              uint64_t partition, int *found)
{
    char k[16], *err = NULL, *v;
    size_t kl = lsnt_plain_key(partition, k), vl = 0;
    uint64_t r = 0;
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_read_tier(ro, 2); /* kPersistedTier */
    v = cf ? rocksdb_get_cf(db, ro, cf, k, kl, &vl, &err)
           : rocksdb_get(db, ro, k, kl, &vl, &err);
    cr_assert_null(err, "get: %s", err);
    *found = v != NULL;
    if (v) {
        cr_assert_eq(vl, 8);
        for (int i = 0; i < 8; i++)
            r = r << 8 | (uint8_t)v[i];
        rocksdb_free(v);
    }
    rocksdb_readoptions_destroy(ro);
    return r;
}

int lsnt_stats_until(const lsn_tracker_t *t, lsn_tracker_stats_t *st,
                     int (*done)(const lsn_tracker_stats_t *, void *),
                     void *arg)
{
    const struct timespec step = {0, 1000000};
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += LSNT_POLL_MS / 1000;
    for (;;) {
        memset(st, 0, sizeof(*st));
        st->size = sizeof(*st);
        cr_assert_eq(lsnt_api()->stats(t, st), LSN_TRACKER_OK);
        if (done(st, arg))
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > end.tv_sec ||
            (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
            return 0;
        nanosleep(&step, NULL);
    }
}

void lsnt_write_sst(const char *path, const rocksdb_options_t *o,
                    const lsnt_kv_t *kv, size_t n)
{
    char *err = NULL;
    rocksdb_envoptions_t *eo = rocksdb_envoptions_create();
    rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(eo, o);
    rocksdb_sstfilewriter_open(w, path, &err);
    cr_assert_null(err, "sst %s: %s", path, err);
    for (size_t i = 0; i < n; i++) {
        rocksdb_sstfilewriter_put(w, kv[i].k, kv[i].kl, kv[i].v, kv[i].vl,
                                  &err);
        cr_assert_null(err, "sst %s: %s", path, err);
    }
    rocksdb_sstfilewriter_finish(w, &err);
    cr_assert_null(err, "sst %s: %s", path, err);
    rocksdb_sstfilewriter_destroy(w);
    rocksdb_envoptions_destroy(eo);
}

void lsnt_ingest(rocksdb_t *db, rocksdb_column_family_handle_t *cf,
                 const char *path, int behind)
{
    char *err = NULL;
    const char *files[] = {path};
    rocksdb_ingestexternalfileoptions_t *io =
        rocksdb_ingestexternalfileoptions_create();
    rocksdb_ingestexternalfileoptions_set_move_files(io, 1);
    rocksdb_ingestexternalfileoptions_set_ingest_behind(io, behind);
    if (cf)
        rocksdb_ingest_external_file_cf(db, cf, files, 1, io, &err);
    else
        rocksdb_ingest_external_file(db, files, 1, io, &err);
    cr_assert_null(err, "ingest %s: %s", path, err);
    rocksdb_ingestexternalfileoptions_destroy(io);
}
