// A C++ host: it opens RocksDB through the C++ API and holds a
// rocksdb::DB *, never the C API's rocksdb_t. lsn_tracker.h gives C++
// overloads of the calls that take a database (lsn_tracker_recover,
// lsn_tracker_recover_report, lsn_tracker_flush_all) for that DB *.
//
// Usage: cxx-host DB_PATH    (exit 0 when every watermark is as expected)
#include <lsn_tracker.h>

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

constexpr uint64_t kPartitions = 3;
constexpr uint64_t kLastLsn = 100;

// Applied-LSN keys: "L" + partition (8 bytes, big-endian); value: LSN
// (8 bytes, big-endian), the collector's defaults after key_prefix=4c.
std::string Be64(uint64_t v)
{
    std::string s(8, '\0');
    for (int i = 7; i >= 0; i--, v >>= 8)
        s[i] = static_cast<char>(v & 0xff);
    return s;
}

int Fail(const char *what, const rocksdb::Status &s)
{
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: cxx-host DB_PATH\n");
        return 2;
    }
    // Linked with liblsn_tracker.so this has already happened at load;
    // linked with liblsn_tracker.a it is what registers the objects.
    lsn_tracker_register();

    // The objects are named in options strings, as RocksDB parses them.
    rocksdb::ConfigOptions co;
    rocksdb::DBOptions dbo;
    rocksdb::ColumnFamilyOptions cfo;
    rocksdb::Status s = rocksdb::GetDBOptionsFromString(
        co, rocksdb::DBOptions(),
        "create_if_missing=true;listeners={id=LsnFlushListener;tracker=cxx-host}",
        &dbo);
    if (s.ok())
        s = rocksdb::GetColumnFamilyOptionsFromString(
            co, rocksdb::ColumnFamilyOptions(),
            "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c}",
            &cfo);
    if (!s.ok())
        return Fail("options", s);
    // RocksDB drops an unknown id silently: make sure ours was known.
    if (dbo.listeners.size() != 1) {
        std::fprintf(stderr, "LsnFlushListener is not active\n");
        return 1;
    }

    rocksdb::DB *raw = nullptr;
    s = rocksdb::DB::Open(rocksdb::Options(dbo, cfo), argv[1], &raw);
    if (!s.ok())
        return Fail("open", s);
    std::unique_ptr<rocksdb::DB> db(raw);
    lsn_tracker_t *t = lsn_tracker_open("cxx-host");
    // After every open, with the DB * itself.
    if (lsn_tracker_recover(t, db.get(), argv[1]) != LSN_TRACKER_OK) {
        std::fprintf(stderr, "recover failed\n");
        return 1;
    }

    // The state and its applied LSN go in one batch; the WAL is off.
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    for (uint64_t lsn = 1; lsn <= kLastLsn && s.ok(); lsn++)
        for (uint64_t p = 0; p < kPartitions && s.ok(); p++) {
            rocksdb::WriteBatch b;
            b.Put("state/" + std::to_string(p), "x");
            b.Put("L" + Be64(p), Be64(lsn));
            s = db->Write(wo, &b);
        }
    if (!s.ok())
        return Fail("write", s);
    // Every column family, as one group under atomic_flush.
    if (lsn_tracker_flush_all(db.get()) != LSN_TRACKER_OK) {
        std::fprintf(stderr, "flush failed\n");
        return 1;
    }

    int bad = 0;
    for (uint64_t p = 0; p < kPartitions; p++) {
        uint64_t lsn = 0;
        int rc = lsn_tracker_wait(t, nullptr, p, kLastLsn, 10000, &lsn);
        std::printf("partition %llu: durable lsn %llu (%s)\n",
                    static_cast<unsigned long long>(p),
                    static_cast<unsigned long long>(lsn),
                    lsn_tracker_strerror(rc));
        bad |= rc != LSN_TRACKER_OK || lsn != kLastLsn;
    }
    s = db->Close();
    db.reset();
    lsn_tracker_close(t);
    return s.ok() ? bad : Fail("close", s);
}
