// A C++ host: it holds rocksdb::DB * (and a TransactionDB), never the C
// API's rocksdb_t, and calls the overloads lsn_tracker.h declares for it:
// lsn_tracker_recover, lsn_tracker_recover_report, lsn_tracker_flush_all
// and lsn_tracker_attach taking a DB *. It checks they keep the C forms'
// guarantees, file deletions disabled while recovery reads included.
//
// Built against the shared library (the plugin registers itself at load),
// or against a RocksDB with the plugin compiled in (LSN_TEST_BUILTIN).
//
// Usage: test_cxx_host    (exit 0 when every case passes)
#include <lsn_tracker.h>

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/utilities/transaction_db.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "scratch.h" // a C header without C++ guards
}

using ROCKSDB_NAMESPACE::ColumnFamilyDescriptor;
using ROCKSDB_NAMESPACE::ColumnFamilyHandle;
using ROCKSDB_NAMESPACE::ColumnFamilyOptions;
using ROCKSDB_NAMESPACE::ConfigOptions;
using ROCKSDB_NAMESPACE::DB;
using ROCKSDB_NAMESPACE::DBOptions;
using ROCKSDB_NAMESPACE::Options;
using ROCKSDB_NAMESPACE::Status;
using ROCKSDB_NAMESPACE::TransactionDB;
using ROCKSDB_NAMESPACE::TransactionDBOptions;
using ROCKSDB_NAMESPACE::WriteBatch;
using ROCKSDB_NAMESPACE::WriteOptions;

namespace {

int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            std::fprintf(stderr, "%s:%d: %s: failed: %s\n", __FILE__,        \
                         __LINE__, __func__, #cond);                         \
            failures++;                                                      \
            return;                                                          \
        }                                                                    \
    } while (0)

#define CHECK_OK(expr)                                                       \
    do {                                                                     \
        Status s_ = (expr);                                                  \
        if (!s_.ok()) {                                                      \
            std::fprintf(stderr, "%s:%d: %s: %s: %s\n", __FILE__, __LINE__,  \
                         __func__, #expr, s_.ToString().c_str());            \
            failures++;                                                      \
            return;                                                          \
        }                                                                    \
    } while (0)

constexpr uint64_t kPartitions = 3;

struct Scratch {
    char *dir = lsn_scratch_make("lsn-cxx-", nullptr);
    ~Scratch()
    {
        if (dir)
            lsn_scratch_remove(dir);
        std::free(dir);
    }
};

// "L" + partition (8 bytes big-endian) -> LSN (8 bytes big-endian).
std::string Be64(uint64_t v)
{
    std::string s(8, '\0');
    for (int i = 7; i >= 0; i--, v >>= 8)
        s[i] = static_cast<char>(v & 0xff);
    return s;
}

// DB and column family options the way a C++ host parses them.
bool Parse(const std::string &tracker, bool atomic, Options *out,
           const std::string &listener = "")
{
    ConfigOptions co;
    co.ignore_unknown_options = false;
    DBOptions dbo;
    ColumnFamilyOptions cfo;
    Status s = ROCKSDB_NAMESPACE::GetDBOptionsFromString(
        co, DBOptions(),
        "create_if_missing=true;create_missing_column_families=true;"
        "listeners={id=LsnFlushListener;tracker=" + tracker + listener + "}" +
            (atomic ? ";atomic_flush=true" : ""),
        &dbo);
    if (s.ok())
        s = ROCKSDB_NAMESPACE::GetColumnFamilyOptionsFromString(
            co, ColumnFamilyOptions(),
            "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c}",
            &cfo);
    if (!s.ok()) {
        std::fprintf(stderr, "options: %s\n", s.ToString().c_str());
        return false;
    }
    *out = Options(dbo, cfo);
    return true;
}

Status Put(DB *db, ColumnFamilyHandle *cf, uint64_t first, uint64_t last)
{
    WriteOptions wo;
    wo.disableWAL = true;
    for (uint64_t lsn = first; lsn <= last; lsn++)
        for (uint64_t p = 0; p < kPartitions; p++) {
            WriteBatch b;
            Status s = b.Put(cf, "state/" + std::to_string(p), "x");
            if (s.ok())
                s = b.Put(cf, "L" + Be64(p), Be64(lsn));
            if (s.ok())
                s = db->Write(wo, &b);
            if (!s.ok())
                return s;
        }
    return Status::OK();
}

bool AllDurable(lsn_tracker_t *t, const char *cf, uint64_t want)
{
    for (uint64_t p = 0; p < kPartitions; p++) {
        uint64_t lsn = 0;
        int rc = lsn_tracker_wait(t, cf, p, want, 10000, &lsn);
        if (rc != LSN_TRACKER_OK || lsn != want) {
            std::fprintf(stderr, "%s/%llu: %s, %llu != %llu\n",
                         cf ? cf : "default", (unsigned long long)p,
                         lsn_tracker_strerror(rc), (unsigned long long)lsn,
                         (unsigned long long)want);
            return false;
        }
    }
    return true;
}

bool Recovered(lsn_tracker_t *t, const char *cf, uint64_t want)
{
    for (uint64_t p = 0; p < kPartitions; p++) {
        uint64_t lsn = 0;
        if (lsn_tracker_get(t, cf, p, &lsn) != LSN_TRACKER_OK || lsn != want)
            return false;
    }
    return true;
}

// DB::Open takes a std::unique_ptr<DB> * from 11.0 on, a DB ** before.
Status OpenDb(const Options &o, const std::string &path,
              std::unique_ptr<DB> *db)
{
#if ROCKSDB_MAJOR >= 11
    return DB::Open(o, path, db);
#else
    DB *raw = nullptr;
    Status s = DB::Open(o, path, &raw);
    db->reset(raw);
    return s;
#endif
}

Status OpenDb(const DBOptions &o, const std::string &path,
              const std::vector<ColumnFamilyDescriptor> &cfs,
              std::vector<ColumnFamilyHandle *> *h, std::unique_ptr<DB> *db)
{
#if ROCKSDB_MAJOR >= 11
    return DB::Open(o, path, cfs, h, db);
#else
    DB *raw = nullptr;
    Status s = DB::Open(o, path, cfs, h, &raw);
    db->reset(raw);
    return s;
#endif
}

// The cases that need two families, "default" and "b": the options of
// tracker `name` (Parse), the database opened in a scratch directory
// through DB *, the tracker opened and recovered from it; closed with its
// handles, then the tracker.
struct TwoFamilies {
    Scratch d;
    lsn_tracker_t *t = nullptr;
    std::vector<ColumnFamilyHandle *> h;
    std::unique_ptr<DB> db;

    Status Open(const std::string &name, bool atomic,
                const std::string &listener = "")
    {
        Options o;
        if (!d.dir)
            return Status::IOError("no scratch directory");
        if (!Parse(name, atomic, &o, listener))
            return Status::InvalidArgument("options of " + name);
        if (!(t = lsn_tracker_open(name.c_str())))
            return Status::InvalidArgument("lsn_tracker_open " + name);
        std::vector<ColumnFamilyDescriptor> cfs = {
            {ROCKSDB_NAMESPACE::kDefaultColumnFamilyName,
             ColumnFamilyOptions(o)},
            {"b", ColumnFamilyOptions(o)}};
        Status s = OpenDb(DBOptions(o), d.dir, cfs, &h, &db);
        if (s.ok() && lsn_tracker_recover(t, db.get(), d.dir) != LSN_TRACKER_OK)
            s = Status::Corruption("lsn_tracker_recover");
        return s;
    }

    Status Close()
    {
        for (auto *x : h) {
            Status s = db->DestroyColumnFamilyHandle(x);
            if (!s.ok())
                return s;
        }
        h.clear();
        Status s = db->Close();
        lsn_tracker_close(t);
        t = nullptr;
        return s;
    }
};

uint64_t DeletionsEnabled(DB *db)
{
    uint64_t v = 99;
    db->GetIntProperty("rocksdb.is-file-deletions-enabled", &v);
    return v;
}

// Parsed options hold our objects: the plugin is registered with the
// RocksDB this host links.
void TestOptions()
{
#ifndef LSN_TEST_BUILTIN
    // The shared library registered itself at load; calling it is harmless.
    CHECK(lsn_tracker_register() == LSN_TRACKER_OK);
#endif
    Options o;
    CHECK(Parse("cxx-options", false, &o));
    CHECK(o.listeners.size() == 1);
    CHECK(std::strcmp(o.listeners[0]->Name(), "LsnFlushListener") == 0);
    CHECK(o.table_properties_collector_factories.size() == 1);
    CHECK(std::strcmp(o.table_properties_collector_factories[0]->Name(),
                      "LsnCollectorFactory") == 0);
}

struct ReportCtx {
    DB *db;
    int files = 0;
    int while_enabled = 0;
};

void OnFile(void *arg, const lsn_tracker_file_t *f)
{
    auto *c = static_cast<ReportCtx *>(arg);
    c->files++;
    // Recovery reads with file deletions disabled.
    if (DeletionsEnabled(c->db) != 0)
        c->while_enabled++;
    if (f->status != LSN_TRACKER_OK || f->source != LSN_TRACKER_FROM_PROPERTY)
        std::fprintf(stderr, "%s: status %d source %d\n", f->path, f->status,
                     f->source);
}

// Flush and wait, close, reopen and recover, all through DB *.
void TestRecoverDb()
{
    Scratch d;
    CHECK(d.dir);
    Options o;
    CHECK(Parse("cxx-recover", false, &o));
    lsn_tracker_t *t = lsn_tracker_open("cxx-recover");
    CHECK(t);
    std::unique_ptr<DB> db;
    CHECK_OK(OpenDb(o, d.dir, &db));
    CHECK(lsn_tracker_recover(t, db.get(), d.dir) == LSN_TRACKER_OK);
    CHECK_OK(Put(db.get(), db->DefaultColumnFamily(), 1, 40));
    CHECK_OK(db->Flush(ROCKSDB_NAMESPACE::FlushOptions()));
    CHECK(AllDurable(t, nullptr, 40));
    CHECK_OK(Put(db.get(), db->DefaultColumnFamily(), 41, 60));
    CHECK(lsn_tracker_flush_all(db.get()) == LSN_TRACKER_OK);
    CHECK(AllDurable(t, nullptr, 60));
    CHECK_OK(db->Close());
    db.reset();

    CHECK_OK(OpenDb(o, d.dir, &db));
    // The host's own DisableFileDeletions nests with recovery's.
    CHECK(DeletionsEnabled(db.get()) == 1);
    CHECK_OK(db->DisableFileDeletions());
    ReportCtx c{db.get()};
    CHECK(lsn_tracker_recover_report(t, db.get(), d.dir, OnFile, &c) ==
          LSN_TRACKER_OK);
    CHECK(c.files >= 2 && c.while_enabled == 0);
    CHECK(Recovered(t, nullptr, 60));
    CHECK(DeletionsEnabled(db.get()) == 0); // still the host's
#if ROCKSDB_MAJOR >= 9
    CHECK_OK(db->EnableFileDeletions());
#else
    CHECK_OK(db->EnableFileDeletions(/*force=*/false));
#endif
    CHECK(DeletionsEnabled(db.get()) == 1);
    // Recovery without the host's: enabled again afterwards.
    c = ReportCtx{db.get()};
    CHECK(lsn_tracker_recover_report(t, db.get(), d.dir, OnFile, &c) ==
          LSN_TRACKER_OK);
    CHECK(c.files >= 2 && c.while_enabled == 0);
    CHECK(DeletionsEnabled(db.get()) == 1);

    // Same checks as the C forms.
    CHECK(lsn_tracker_recover(t, db.get(), "/nonexistent") == LSN_TRACKER_EINVAL);
    CHECK(lsn_tracker_recover(nullptr, db.get(), d.dir) == LSN_TRACKER_EINVAL);
    CHECK(lsn_tracker_flush_all(static_cast<DB *>(nullptr)) == LSN_TRACKER_EINVAL);
    CHECK_OK(db->Close());
    db.reset();
    lsn_tracker_close(t);
}

// Two families under atomic_flush, flushed as one group from DB *.
void TestFlushAllAtomic()
{
    TwoFamilies f;
    CHECK_OK(f.Open("cxx-atomic", true));
    const auto &h = f.h;
    DB *db = f.db.get();
    lsn_tracker_t *t = f.t;
    CHECK_OK(Put(db, h[0], 1, 30));
    CHECK_OK(Put(db, h[1], 1, 50));
    CHECK(lsn_tracker_flush_all(db) == LSN_TRACKER_OK);
    CHECK(AllDurable(t, "default", 30));
    CHECK(AllDurable(t, "b", 50));
    CHECK_OK(f.Close());
}

// Under atomic_flush, DB::Flush of one family flushes that family alone on
// every release: the listener must not raise from it, and flush_all then
// makes what it held durable.
void TestAtomicOneFamilyFlush()
{
    TwoFamilies f;
    CHECK_OK(f.Open("cxx-atomic-one", true));
    const auto &h = f.h;
    DB *db = f.db.get();
    lsn_tracker_t *t = f.t;
    CHECK_OK(Put(db, h[0], 1, 30));
    CHECK_OK(Put(db, h[1], 1, 30));
    ROCKSDB_NAMESPACE::FlushOptions fo;
    CHECK_OK(db->Flush(fo, h[0]));
    // The listener may run after Flush returns: poll its counter, bounded.
    lsn_tracker_stats_t st = {};
    for (int i = 0; i < 10000; i++) {
        st = {};
        st.size = sizeof st;
        CHECK(lsn_tracker_stats(t, &st) == LSN_TRACKER_OK);
        if (st.flushes >= 1)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(st.flushes == 1);
    CHECK(st.unsafe_flushes == 1);
    ROCKSDB_NAMESPACE::ReadOptions persisted;
    persisted.read_tier = ROCKSDB_NAMESPACE::kPersistedTier;
    std::string v;
    // Only then does the case prove anything: "b" is still in a memtable.
    CHECK(db->Get(persisted, h[1], "state/0", &v).IsNotFound());
    uint64_t lsn = 0;
    CHECK(lsn_tracker_get(t, "default", 0, &lsn) == LSN_TRACKER_NOT_FOUND);
    CHECK(lsn_tracker_flush_all(db) == LSN_TRACKER_OK);
    CHECK(AllDurable(t, "default", 30));
    CHECK(AllDurable(t, "b", 30));
    CHECK_OK(f.Close());
}

// A TransactionDB is a DB: the same calls work through it.
void TestTransactionDb()
{
    Scratch d;
    CHECK(d.dir);
    Options o;
    CHECK(Parse("cxx-txn", false, &o));
    lsn_tracker_t *t = lsn_tracker_open("cxx-txn");
    TransactionDB *raw = nullptr;
    CHECK_OK(TransactionDB::Open(o, TransactionDBOptions(), d.dir, &raw));
    std::unique_ptr<TransactionDB> db(raw);
    CHECK(lsn_tracker_recover(t, db.get(), d.dir) == LSN_TRACKER_OK);
    CHECK_OK(Put(db.get(), db->DefaultColumnFamily(), 1, 25));
    CHECK(lsn_tracker_flush_all(db.get()) == LSN_TRACKER_OK);
    CHECK(AllDurable(t, nullptr, 25));
    CHECK_OK(db->Close());
    db.reset();

    raw = nullptr;
    CHECK_OK(TransactionDB::Open(o, TransactionDBOptions(), d.dir, &raw));
    db.reset(raw);
    CHECK(lsn_tracker_recover(t, db.get(), d.dir) == LSN_TRACKER_OK);
    CHECK(Recovered(t, nullptr, 25));
    CHECK(DeletionsEnabled(db.get()) == 1);
    CHECK_OK(db->Close());
    db.reset();
    lsn_tracker_close(t);
}

// Bounded lag from DB * and ColumnFamilyHandle *s: nothing is flushed by
// the host, and the attached tracker's flushes make both families durable.
void TestAttach()
{
    TwoFamilies f;
    CHECK_OK(f.Open("cxx-attach", false, ";max_lag_ms=100"));
    const auto &h = f.h;
    DB *db = f.db.get();
    lsn_tracker_t *t = f.t;
    CHECK(lsn_tracker_attach(t, db, h.data(), 2) == LSN_TRACKER_OK);
    CHECK(lsn_tracker_attach(t, db, h.data(), 2) == LSN_TRACKER_EBUSY);
    CHECK(lsn_tracker_attach(t, db, h.data(), -1) == LSN_TRACKER_EINVAL);
    CHECK_OK(Put(db, h[0], 1, 20));
    CHECK_OK(Put(db, h[1], 1, 40));
    CHECK(AllDurable(t, "default", 20));
    CHECK(AllDurable(t, "b", 40));
    CHECK(lsn_tracker_detach(t) == LSN_TRACKER_OK);
    CHECK(lsn_tracker_detach(t) == LSN_TRACKER_NOT_FOUND);
    CHECK_OK(f.Close());
}

// A file ingested behind the data raises nothing: its applied-LSN keys
// are older than any version already in the family. From 10.6 a family is
// prepared for it by its own cf_allow_ingest_behind.
void TestIngestBehind()
{
    Scratch d, files;
    CHECK(d.dir && files.dir);
    Options o;
    CHECK(Parse("cxx-behind", false, &o));
    o.compaction_style = ROCKSDB_NAMESPACE::kCompactionStyleUniversal;
    o.num_levels = 3;
#if ROCKSDB_MAJOR > 10 || (ROCKSDB_MAJOR == 10 && ROCKSDB_MINOR >= 6)
    o.cf_allow_ingest_behind = true;
#else
    o.allow_ingest_behind = true;
#endif
    lsn_tracker_t *t = lsn_tracker_open("cxx-behind");
    std::unique_ptr<DB> db;
    CHECK_OK(OpenDb(o, d.dir, &db));
    CHECK(lsn_tracker_recover(t, db.get(), d.dir) == LSN_TRACKER_OK);
    CHECK_OK(Put(db.get(), db->DefaultColumnFamily(), 1, 10));
    CHECK(lsn_tracker_flush_all(db.get()) == LSN_TRACKER_OK);
    CHECK(AllDurable(t, nullptr, 10));

    // LSN 50 for every partition, under the collector: the file carries
    // the property.
    const std::string sst = std::string(files.dir) + "/behind.sst";
    ROCKSDB_NAMESPACE::SstFileWriter w(ROCKSDB_NAMESPACE::EnvOptions(), o);
    CHECK_OK(w.Open(sst));
    for (uint64_t p = 0; p < kPartitions; p++)
        CHECK_OK(w.Put("L" + Be64(p), Be64(50)));
    CHECK_OK(w.Finish());
    ROCKSDB_NAMESPACE::IngestExternalFileOptions io;
    io.ingest_behind = true;
    CHECK_OK(db->IngestExternalFile({sst}, io));

    lsn_tracker_stats_t st = {};
    st.size = sizeof st;
    CHECK(lsn_tracker_stats(t, &st) == LSN_TRACKER_OK);
    CHECK(st.ingestions == 1);
    CHECK(st.ingestions_refused == 1);
    for (uint64_t p = 0; p < kPartitions; p++) {
        uint64_t lsn = 0;
        CHECK(lsn_tracker_get(t, nullptr, p, &lsn) == LSN_TRACKER_OK);
        CHECK(lsn == 10);
    }
    CHECK_OK(db->Close());
    lsn_tracker_close(t);
}

} // namespace

int main()
{
    static const struct {
        const char *name;
        void (*fn)();
    } cases[] = {
        {"options", TestOptions},
        {"recover_db", TestRecoverDb},
        {"flush_all_atomic", TestFlushAllAtomic},
        {"atomic_one_family_flush", TestAtomicOneFamilyFlush},
        {"transaction_db", TestTransactionDb},
        {"attach", TestAttach},
        {"ingest_behind", TestIngestBehind},
    };
    for (const auto &c : cases) {
        int before = failures;
        c.fn();
        std::printf("%s: %s\n", c.name, failures == before ? "ok" : "FAILED");
    }
    std::printf("RocksDB %d.%d.%d, plugin %s\n", ROCKSDB_MAJOR, ROCKSDB_MINOR,
                ROCKSDB_PATCH,
#ifdef LSN_TEST_BUILTIN
                "compiled into RocksDB"
#else
                "liblsn_tracker"
#endif
    );
    return failures ? 1 : 0;
}
