/* Recovery after open: raise a tracker from the property of every SST that
 * RocksDB lists as live. Files merely present in the directory are never
 * read: one written but not committed to the MANIFEST before a crash is not
 * durable, and RocksDB deletes it at open. */
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static int recover_file(lsn_tracker_t *t, const char *cf, const char *path,
                        const char *property)
{
    uint8_t *prop = NULL, *bad = NULL;
    size_t prop_len = 0, bad_len = 0;
    int rc = lsn_shim_read_sst(path, property, &prop, &prop_len, &bad,
                               &bad_len);

    if (rc != LSN_TRACKER_OK)
        return rc;
    if (!prop) {
        rc = LSN_TRACKER_NOT_FOUND;
    } else {
        rc = lsn_tracker_apply_property(t, cf, prop, prop_len, NULL);
        if (rc == LSN_TRACKER_OK)
            lsn_tracker_count(t, LSN_C_RECOVERED_FILES, 1);
    }
    /* Counted apart from bad_values, which the same file may already have
     * added when it was flushed in this process. */
    if (bad) {
        uint64_t n;
        if (lsn_prop_decode_count(bad, bad_len, &n) == LSN_TRACKER_OK)
            lsn_tracker_count(t, LSN_C_RECOVERED_BAD_VALUES, n);
    }
    free(prop);
    free(bad);
    return rc;
}

int lsn_tracker_recover_sst(lsn_tracker_t *t, const char *cf,
                            const char *sst_path)
{
    char property[LSN_PROPERTY_MAX + 1];

    if (!t || !sst_path || !*sst_path)
        return LSN_TRACKER_EINVAL;
    lsn_tracker_property(t, property);
    return recover_file(t, cf ? cf : "default", sst_path, property);
}

/* Recovers every file of a live-file listing; the first hard error wins. */
static int recover_listed(lsn_tracker_t *t, const rocksdb_livefiles_t *lf,
                          const char *db_path)
{
    char property[LSN_PROPERTY_MAX + 1];
    int rc = LSN_TRACKER_OK;

    lsn_tracker_property(t, property);
    for (int i = 0, n = rocksdb_livefiles_count(lf); i < n; i++) {
        const char *name = rocksdb_livefiles_name(lf, i);
        const char *cf = rocksdb_livefiles_column_family_name(lf, i);
        size_t len = strlen(db_path) + strlen(name) + 2;
        char *path = malloc(len);
        int r;

        if (!path) {
            rc = LSN_TRACKER_ENOMEM;
            continue;
        }
        /* Live file names are relative to the DB directory: "/000042.sst". */
        snprintf(path, len, "%s%s%s", db_path, name[0] == '/' ? "" : "/", name);
        r = recover_file(t, cf, path, property);
        free(path);
        /* Keep going: every readable file still counts. The first hard
         * error is reported; a corrupt property is only counted. */
        if (r < 0 && r != LSN_TRACKER_ECORRUPT && rc == LSN_TRACKER_OK)
            rc = r;
    }
    return rc;
}

int lsn_tracker_recover(lsn_tracker_t *t, rocksdb_t *db, const char *db_path)
{
    const rocksdb_livefiles_t *lf;
    char *err = NULL;
    int rc, pinned;

    if (!t || !db || !db_path || !*db_path)
        return LSN_TRACKER_EINVAL;
    /* A compaction may delete listed files while they are read (right
     * after open is when it is most likely): keep them until done. The
     * count nests with the host's own disables. */
    rocksdb_disable_file_deletions(db, &err);
    pinned = err == NULL;
    free(err);
    err = NULL;
    if ((lf = rocksdb_livefiles(db))) {
        rc = recover_listed(t, lf, db_path);
        rocksdb_livefiles_destroy(lf);
    } else {
        rc = LSN_TRACKER_EIO;
    }
    if (pinned)
        rocksdb_enable_file_deletions(db, 0, &err);
    free(err);
    return rc;
}
