/* External SST ingestion raises watermarks: SstFileWriter runs
 * the collectors of the options it is given. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "lsnt.h"

Test(ingest, sst_written_with_same_options_raises_watermark)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("ingest"), *name = lsnt_unique("ingest"), *s, *err,
         *sst;
    cr_assert(asprintf(&s, "listeners={id=LsnFlushListener;tracker=%s};"
                           LSNT_PLAIN_COLLECTOR, name) > 0);
    cr_assert(asprintf(&sst, "%s/external.sst", dir) > 0);
    rocksdb_options_t *o = lsnt_options(s, &err);
    cr_assert_not_null(o, "%s", err);
    lsn_tracker_t *t = a->open(name);
    char dbdir[4096];
    snprintf(dbdir, sizeof dbdir, "%s/db", dir);
    rocksdb_t *db = lsnt_open(dbdir, o, 0, NULL, NULL);

    /* Keys in order: "L" + partition, then state. */
    rocksdb_envoptions_t *eo = rocksdb_envoptions_create();
    rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(eo, o);
    rocksdb_sstfilewriter_open(w, sst, &err);
    cr_assert_null(err, "%s", err);
    for (uint64_t p = 0; p < 50; p++) {
        char k[16], v[8];
        rocksdb_sstfilewriter_put(w, k, lsnt_plain_key(p, k), v,
                                  lsnt_plain_value(1000 + p, v), &err);
        cr_assert_null(err, "%s", err);
    }
    rocksdb_sstfilewriter_finish(w, &err);
    cr_assert_null(err, "%s", err);

    /* The file carries the property before anyone ingests it... */
    lsn_tracker_t *probe = a->open("ingest-probe");
    cr_assert_eq(a->recover_sst(probe, NULL, sst), LSN_TRACKER_OK);
    uint64_t v = 0;
    cr_assert_eq(a->get(probe, NULL, 49, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 1049);
    a->close(probe);
    cr_assert_eq(a->get(t, NULL, 49, &v), LSN_TRACKER_NOT_FOUND);

    /* ...and ingesting it raises the DB's tracker. */
    rocksdb_ingestexternalfileoptions_t *io =
        rocksdb_ingestexternalfileoptions_create();
    const char *files[] = {sst};
    rocksdb_ingest_external_file(db, files, 1, io, &err);
    cr_assert_null(err, "%s", err);
    for (uint64_t p = 0; p < 50; p++) {
        cr_assert_eq(a->wait(t, NULL, p, 1000 + p, 10000, &v), LSN_TRACKER_OK);
        cr_assert_eq(v, 1000 + p);
    }
    lsn_tracker_stats_t st = {.size = sizeof st};
    a->stats(t, &st);
    cr_assert_eq(st.ingestions, 1);
    cr_assert_eq(st.flushes, 0);

    rocksdb_ingestexternalfileoptions_destroy(io);
    rocksdb_sstfilewriter_destroy(w);
    rocksdb_envoptions_destroy(eo);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    lsnt_rmdir(dir);
    free(sst);
    free(s);
    free(name);
}
