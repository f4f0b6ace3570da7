// lsn_tracker.h compiles in C++ under the warnings RocksDB compiles its
// plugins with, alone and beside RocksDB's headers; both the C forms and
// the DB * overloads are callable (see host_header_c++).
#include <lsn_tracker.h>
#include <rocksdb/c.h>
#include <rocksdb/db.h>
#include <lsn_tracker.h>

int HeaderCheck(lsn_tracker_t *t, rocksdb_t *cdb, rocksdb::DB *db);

int HeaderCheck(lsn_tracker_t *t, rocksdb_t *cdb, rocksdb::DB *db)
{
    lsn_tracker_stats_t st = {};
    st.size = sizeof st;
    return lsn_tracker_stats(t, &st) + lsn_tracker_recover(t, cdb, "/x") +
           lsn_tracker_recover(t, db, "/x") +
           lsn_tracker_recover_report(t, db, "/x", nullptr, nullptr) +
           lsn_tracker_flush_all(cdb) + lsn_tracker_flush_all(db);
}
