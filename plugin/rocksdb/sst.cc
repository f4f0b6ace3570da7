// What recovery needs of RocksDB: the layouts a database is configured with,
// what a live SST file says (its property, or its keys read one by one),
// the walk over an open database's live files, and the flush of every
// family. The merge and the raising are the C core's.
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/utilities/options_util.h>

#include <cstdlib>
#include <cstring>
#include <limits.h>
#include <stdlib.h>
#include <memory>
#include <vector>

#include "adapter.h"

namespace lsn_adapter {

LatestOptions ReadLatestOptions(DB *db)
{
    ConfigOptions co;
    co.env = db->GetEnv();
    co.ignore_unknown_options = true;
    LatestOptions out;
    out.ok = LoadLatestOptions(co, db->GetName(), &out.db, &out.cfs).ok();
    return out;
}

std::map<std::string, FamilyLayout> LearnLayouts(const LatestOptions &latest)
{
    std::map<std::string, FamilyLayout> out;

    for (const auto &cf : latest.cfs)
        for (const auto &f : cf.options.table_properties_collector_factories)
            if (auto *ours = Ours<LsnCollectorFactory>(f))
                if (ours->layout()) {
                    // Reading needs the key order only; the rest of the
                    // options may hold what RocksDB 7.8.3 cannot reopen
                    // (null collectors from a list it wrote itself).
                    FamilyLayout &fl = out[cf.name];
                    fl.layout = *ours->layout();
                    fl.options.comparator = cf.options.comparator;
                    break;
                }
    return out;
}

bool MayIngestBehind(DB *db, const LatestOptions &latest,
                     const std::string &cf)
{
    if (db->GetDBOptions().allow_ingest_behind)
        return true;
#if ROCKSDB_MAJOR > 10 || (ROCKSDB_MAJOR == 10 && ROCKSDB_MINOR >= 6)
    if (!latest.ok)
        return true;
    for (const auto &c : latest.cfs)
        if (c.name == cf)
            return c.options.cf_allow_ingest_behind;
    return true;
#else
    (void)latest;
    (void)cf;
    return false;
#endif
}

namespace {

enum class Source { kProperty, kScanned, kNone, kForeign };

struct FileLsns {
    std::vector<lsn_entry_t> entries;
    Source source = Source::kNone;
    bool corrupt = false;
    bool has_bad = false;
    uint64_t bad = 0;
    uint32_t cf_id = LSN_CF_ID_UNKNOWN;
};

// The applied-LSN keys of a file, read with the layout: the cost of a file
// written without our collector (or with a damaged property) is time.
int Scan(SstFileReader &reader, const lsn_layout_t &l, FileLsns *out)
{
    std::unique_ptr<Iterator> it(reader.NewIterator(ReadOptions()));
    const Slice prefix(reinterpret_cast<const char *>(l.prefix), l.prefix_len);

    if (l.prefix_len)
        it->Seek(prefix);
    else
        it->SeekToFirst();
    for (; it->Valid(); it->Next()) {
        const Slice k = it->key(), v = it->value();
        lsn_entry_t e;
        if (l.prefix_len && !k.starts_with(prefix))
            break;
        switch (lsn_layout_match(&l, reinterpret_cast<const uint8_t *>(k.data()),
                                 k.size(),
                                 reinterpret_cast<const uint8_t *>(v.data()),
                                 v.size(), &e.partition, &e.lsn)) {
        case LSN_KEY_LSN:
            out->entries.push_back(e);
            break;
        case LSN_KEY_BAD_VALUE:
            out->has_bad = true;
            out->bad++;
            break;
        default:
            break;
        }
    }
    if (!it->status().ok())
        return LSN_TRACKER_EIO;
    out->source = Source::kScanned;
    return LSN_TRACKER_OK;
}

// Reads one SST: its property if it is ours and of layout l (any version-1
// or version-2 property when l is null), else its keys when l is known.
int ReadSst(const std::string &path, const ColumnFamilyOptions *cfo,
            const lsn_layout_t *l, const std::string &property, FileLsns *out)
{
    Options options(DBOptions(), cfo ? *cfo : ColumnFamilyOptions());
    SstFileReader reader(options);

    if (!reader.Open(path).ok())
        return LSN_TRACKER_EIO;
    auto tp = reader.GetTableProperties();
    if (!tp)
        return LSN_TRACKER_EIO;
    if (tp->column_family_id !=
        TablePropertiesCollectorFactory::Context::kUnknownColumnFamily)
        out->cf_id = static_cast<uint32_t>(tp->column_family_id);
    if (const std::string *prop = FindProperty(*tp, property)) {
        lsn_prop_t p;
        int rc = lsn_prop_decode(reinterpret_cast<const uint8_t *>(prop->data()),
                                 prop->size(), &p);
        if (rc == LSN_TRACKER_ENOMEM)
            return rc;
        if (rc != LSN_TRACKER_OK) {
            out->corrupt = true;
        } else if (l && p.version >= 2 &&
                   p.fingerprint != lsn_layout_fingerprint(l)) {
            // Values another layout wrote do not decode with this one.
            std::free(p.entries);
            out->source = Source::kForeign;
            return LSN_TRACKER_OK;
        } else {
            out->entries.assign(p.entries, p.entries + p.n);
            std::free(p.entries);
            out->source = Source::kProperty;
            if (const std::string *bad =
                    FindProperty(*tp, property + LSN_BAD_VALUES_SUFFIX)) {
                out->has_bad = true;
                if (lsn_prop_decode_count(
                        reinterpret_cast<const uint8_t *>(bad->data()),
                        bad->size(), &out->bad) != LSN_TRACKER_OK)
                    out->corrupt = true;
            }
            return LSN_TRACKER_OK;
        }
    }
    return l ? Scan(reader, *l, out) : LSN_TRACKER_OK;
}

void Count(lsn_tracker_t *t, const FileLsns &f)
{
    static const lsn_counter by_source[] = {
        LSN_C_RECOVERED_FILES, LSN_C_SCANNED, LSN_C_UNSCANNED, LSN_C_UNSCANNED};
    lsn_tracker_count(t, by_source[static_cast<int>(f.source)], 1);
    if (f.source == Source::kForeign)
        lsn_tracker_count(t, LSN_C_FOREIGN, 1);
    if (f.corrupt)
        lsn_tracker_count(t, LSN_C_CORRUPT, 1);
    // Apart from bad_values, which the same file may already have added
    // when it was flushed in this process.
    if (f.has_bad)
        lsn_tracker_count(t, LSN_C_RECOVERED_BAD_VALUES, f.bad);
}

// File deletions stay off while recovery reads the listed files: a
// compaction right after open would otherwise delete some under it. The
// count nests with the host's own.
class DeletionsPinned {
  public:
    explicit DeletionsPinned(DB *db) : db_(db), ok_(db->DisableFileDeletions().ok()) {}
    ~DeletionsPinned()
    {
        if (!ok_)
            return;
#if ROCKSDB_MAJOR >= 9
        db_->EnableFileDeletions().PermitUncheckedError();
#else
        db_->EnableFileDeletions(/*force=*/false).PermitUncheckedError();
#endif
    }

  private:
    DB *db_;
    bool ok_;
};

struct RecoveryDeleter {
    void operator()(lsn_recovery_t *r) const { lsn_recovery_free(r); }
};

void Report(lsn_tracker_file_fn fn, void *arg, const LiveFileMetaData &m,
            const std::string &path, int status, const FileLsns &f)
{
    static const int from[] = {LSN_TRACKER_FROM_PROPERTY, LSN_TRACKER_FROM_KEYS,
                               LSN_TRACKER_FROM_NOTHING,
                               LSN_TRACKER_FROM_FOREIGN};
    lsn_tracker_file_t r = {};
    if (!fn)
        return;
    r.cf = m.column_family_name.c_str();
    r.path = path.c_str();
    r.level = m.level;
    r.status = status;
    r.source = status == LSN_TRACKER_OK ? from[static_cast<int>(f.source)]
                                        : LSN_TRACKER_FROM_NOTHING;
    r.corrupt = f.corrupt;
    r.partitions = f.entries.size();
    r.bad_values = f.bad;
    fn(arg, &r);
}

int Recover(lsn_tracker_t *t, DB *db, lsn_tracker_file_fn fn, void *arg)
{
    const DBOptions dbo = db->GetDBOptions();
    std::vector<LsnFlushListener *> listeners;
    for (const auto &l : dbo.listeners)
        if (auto *ours = Ours<LsnFlushListener>(l))
            listeners.push_back(ours);
    DbIdent id(db, !listeners.empty());
    uint64_t ticket;
    int rc = lsn_tracker_bind(t, &id.c, &ticket);
    if (rc != LSN_TRACKER_OK)
        return rc;
    // So that this database's close and dropped families reach t even if
    // no flush ever happens.
    for (auto *l : listeners)
        lsn_listener_saw_db(l->core(), &id.c);

    const auto layouts = LearnLayouts(ReadLatestOptions(db));
    char fallback[LSN_PROPERTY_MAX + 1];
    lsn_tracker_property(t, fallback);
    std::unique_ptr<lsn_recovery_t, RecoveryDeleter> merge(lsn_recovery_new());
    if (!merge)
        return LSN_TRACKER_ENOMEM;

    DeletionsPinned pinned(db);
    std::vector<LiveFileMetaData> files;
    db->GetLiveFilesMetaData(&files);
    for (const auto &f : files) {
        auto it = layouts.find(f.column_family_name);
        const FamilyLayout *fl = it == layouts.end() ? nullptr : &it->second;
        FileLsns lsns;
        const std::string path = f.directory + "/" + f.relative_filename;
        int r = ReadSst(path, fl ? &fl->options : nullptr,
                        fl ? &fl->layout : nullptr,
                        fl ? fl->layout.property : fallback, &lsns);
        Report(fn, arg, f, path, r, lsns);
        if (r == LSN_TRACKER_OK) {
            Count(t, lsns);
            r = lsn_recovery_add(merge.get(), f.column_family_name.c_str(),
                                 lsns.cf_id, f.level, f.largest_seqno,
                                 lsns.entries.data(), lsns.entries.size());
        }
        // Keep going: every readable file still counts; the first hard
        // error is reported.
        if (r != LSN_TRACKER_OK && rc == LSN_TRACKER_OK)
            rc = r;
    }
    int a = lsn_recovery_apply(merge.get(), t, ticket);
    return rc != LSN_TRACKER_OK ? rc : a;
}

// A host that names another directory has mixed up its databases.
bool SameDirectory(const char *a, const std::string &b)
{
    char *ra = realpath(a, nullptr), *rb = realpath(b.c_str(), nullptr);
    bool same = ra && rb ? !std::strcmp(ra, rb) : b == a;
    std::free(ra);
    std::free(rb);
    return same;
}

} // namespace
} // namespace lsn_adapter

using namespace lsn_adapter;

namespace {

// Checked before a handle is unwrapped: with a NULL tracker or path, the
// handle may be anything.
bool RecoverRefused(const lsn_tracker_t *t, const void *db, const char *db_path)
{
    return !t || !db || !db_path || !*db_path || lsn_notify_in_any_callback();
}

// lsn_tracker_recover_report once the arguments passed, for either handle
// a host holds.
int RecoverReport(lsn_tracker_t *t, DB *db, const char *db_path,
                  lsn_tracker_file_fn fn, void *arg)
{
    try {
        if (!SameDirectory(db_path, db->GetName()))
            return LSN_TRACKER_EINVAL;
        return Recover(t, db, fn, arg);
    } catch (...) {
        return LSN_TRACKER_ENOMEM;
    }
}

// From a callback, the flush's own listener would wait for it.
bool FlushRefused(const void *db) { return !db || lsn_notify_in_any_callback(); }

// lsn_tracker_flush_all once the arguments passed, for either handle.
int FlushAllStatus(DB *db)
{
    try {
        return FlushAll(db) ? LSN_TRACKER_OK : LSN_TRACKER_EDB;
    } catch (...) {
        return LSN_TRACKER_ENOMEM;
    }
}

} // namespace

extern "C" int lsn_tracker_recover(lsn_tracker_t *t, rocksdb_t *db,
                                   const char *db_path)
{
    return lsn_tracker_recover_report(t, db, db_path, nullptr, nullptr);
}

extern "C" int lsn_tracker_recover_report(lsn_tracker_t *t, rocksdb_t *db,
                                          const char *db_path,
                                          lsn_tracker_file_fn fn, void *arg)
{
    if (RecoverRefused(t, db, db_path))
        return LSN_TRACKER_EINVAL;
    return RecoverReport(t, Unwrap(db), db_path, fn, arg);
}

// The C++ forms: the same, from a host's own DB *.
extern "C" int lsn_tracker_recover_cxx(lsn_tracker_t *t, void *db,
                                       const char *db_path)
{
    return lsn_tracker_recover_report_cxx(t, db, db_path, nullptr, nullptr);
}

extern "C" int lsn_tracker_recover_report_cxx(lsn_tracker_t *t, void *db,
                                              const char *db_path,
                                              lsn_tracker_file_fn fn,
                                              void *arg)
{
    if (RecoverRefused(t, db, db_path))
        return LSN_TRACKER_EINVAL;
    return RecoverReport(t, static_cast<DB *>(db), db_path, fn, arg);
}

extern "C" int lsn_tracker_recover_sst(lsn_tracker_t *t, const char *cf,
                                       const char *sst_path)
{
    char property[LSN_PROPERTY_MAX + 1];

    if (!t || !sst_path || !*sst_path || lsn_notify_in_any_callback())
        return LSN_TRACKER_EINVAL;
    lsn_tracker_property(t, property);
    try {
        FileLsns f;
        int rc = ReadSst(sst_path, nullptr, nullptr, property, &f);
        if (rc != LSN_TRACKER_OK)
            return rc;
        Count(t, f);
        if (f.corrupt)
            return LSN_TRACKER_ECORRUPT;
        if (f.source != Source::kProperty)
            return LSN_TRACKER_NOT_FOUND;
        return lsn_tracker_apply(t, lsn_tracker_ticket(t), cf ? cf : "default",
                                 LSN_CF_ID_UNKNOWN, f.entries.data(),
                                 f.entries.size());
    } catch (...) {
        return LSN_TRACKER_ENOMEM;
    }
}

bool lsn_adapter::FlushAll(DB *d)
{
    // GetLiveFiles' flush selects every column family with unflushed data
    // and, under atomic_flush, flushes them as one group on every release,
    // unlike a manual flush of one family. What unsafe flushes left aside
    // before it began is safe once it is done: their partner state was
    // written before it.
    std::vector<std::string> files;
    uint64_t manifest_size;
    lsn_flush_mark_t m;
    lsn_tracker_flush_begin(d->DefaultColumnFamily(), &m);
    bool ok = d->GetLiveFiles(files, &manifest_size, true).ok();
    lsn_tracker_flush_end(&m, ok);
    return ok;
}

extern "C" int lsn_tracker_flush_all(rocksdb_t *db)
{
    return FlushRefused(db) ? LSN_TRACKER_EINVAL : FlushAllStatus(Unwrap(db));
}

extern "C" int lsn_tracker_flush_all_cxx(void *db)
{
    return FlushRefused(db) ? LSN_TRACKER_EINVAL
                            : FlushAllStatus(static_cast<DB *>(db));
}
