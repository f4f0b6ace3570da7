/* lsn_tracker.h compiles as strict C11, alone and after RocksDB's C API,
 * and every ABI type is usable (see host_header_c). */
#include <lsn_tracker.h>
#include <rocksdb/c.h>
#include <lsn_tracker.h>

int header_check(lsn_tracker_t *t, rocksdb_t *db);

int header_check(lsn_tracker_t *t, rocksdb_t *db)
{
    lsn_tracker_stats_t st = {.size = sizeof st};
    lsn_tracker_file_t f = {0};

    (void)f;
    return lsn_tracker_stats(t, &st) + lsn_tracker_recover(t, db, "/x") +
           lsn_tracker_flush_all(db);
}
