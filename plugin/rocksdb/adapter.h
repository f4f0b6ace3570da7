// The RocksDB adapter: RocksDB's collector and listener classes on top of
// the C core, what recovery needs of RocksDB, and registration. Nothing in
// the C core calls into this folder; it calls the core.
#ifndef LSN_ADAPTER_H
#define LSN_ADAPTER_H

#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/utilities/options_type.h>
#include <rocksdb/version.h>

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "accum.h"
#include "layout.h"
#include "listener.h"
#include "names.h"
#include "notify.h"
#include "property.h"
#include "recover.h"
#include "tracker.h"

namespace lsn_adapter {

using namespace ROCKSDB_NAMESPACE;

using OptionMap = std::unordered_map<std::string, OptionTypeInfo>;
using StringMap = std::unordered_map<std::string, std::string>;

// RocksDB's registration of a C option table (see names.h): each value is
// parsed once, by the core, into the object's typed fields; serialization
// and comparison print it back.
OptionMap MakeOptionMap(const lsn_option_t *table);
// "Class{name=value;...}" from the same table.
std::string Describe(const char *cls, const lsn_option_t *table,
                     const void *obj);
// Refuses a field the table does not have, naming the object and field
// (RocksDB's own message names neither).
Status RejectUnknown(const char *cls, const OptionMap &known,
                     const ConfigOptions &config, const StringMap &map);

class LsnCollectorFactory : public TablePropertiesCollectorFactory {
  public:
    static const char *kClassName() { return "LsnCollectorFactory"; }
    LsnCollectorFactory();
    const char *Name() const override { return kClassName(); }
    TablePropertiesCollector *
    CreateTablePropertiesCollector(Context) override;
    std::string ToString() const override;
    // The layout, or nullptr if the factory was never configured.
    const lsn_layout_t *layout() const { return valid_ ? &layout_ : nullptr; }

  protected:
    Status ConfigureOptions(const ConfigOptions &config, const StringMap &map,
                            StringMap *unused) override;

  private:
    lsn_layout_t layout_;
    bool valid_ = false;
};

class LsnFlushListener : public EventListener {
  public:
    static const char *kClassName() { return "LsnFlushListener"; }
    explicit LsnFlushListener(lsn_listener_t *l);
    ~LsnFlushListener() override;
    const char *Name() const override { return kClassName(); }
    void OnFlushCompleted(DB *db, const FlushJobInfo &info) override;
    void OnExternalFileIngested(DB *db,
                                const ExternalFileIngestionInfo &info) override;
    void OnColumnFamilyHandleDeletionStarted(ColumnFamilyHandle *h) override;
    lsn_listener_t *core() const { return l_; }
    const lsn_listener_opts_t &options() const { return opts_; }

  protected:
    Status ConfigureOptions(const ConfigOptions &config, const StringMap &map,
                            StringMap *unused) override;

  private:
    void Deliver(lsn_event_info_t *ev, DB *db, const TableProperties &tp);
    lsn_listener_opts_t opts_;
    lsn_listener_t *l_;
};

// Who a database is, as the core's lsn_db_ident_t; owns the strings.
struct DbIdent {
    std::string session, path;
    lsn_db_ident_t c;
    DbIdent(DB *db, bool supervised);
};

// Our objects in a set of options, without RTTI: by name, then static_cast
// (the names are registered by this library only).
template <typename T, typename Ptr> T *Ours(const Ptr &p)
{
    return p && std::string(p->Name()) == T::kClassName()
               ? static_cast<T *>(p.get())
               : nullptr;
}

// The options in db's newest OPTIONS file, unknown objects ignored: the
// database's own word, whether or not a flush happened in this process.
// Read once per recovery or ingestion, for all that needs them.
struct LatestOptions {
    bool ok = false; // the file was read
    DBOptions db;
    std::vector<ColumnFamilyDescriptor> cfs;
};
LatestOptions ReadLatestOptions(DB *db);

// The layout each column family is configured with in those options.
// Families without the collector (or whose list RocksDB 7.8.3 could not
// read back) are absent.
struct FamilyLayout {
    lsn_layout_t layout;
    ColumnFamilyOptions options; // what reading an SST needs: the comparator
};
std::map<std::string, FamilyLayout> LearnLayouts(const LatestOptions &latest);

const std::string *FindProperty(const TableProperties &tp,
                                const std::string &name);

// Whether column family cf of db may hold files ingested behind its data:
// the database's allow_ingest_behind, or from 10.6 the family's own
// cf_allow_ingest_behind in latest (it is immutable). True when latest
// could not be read.
bool MayIngestBehind(DB *db, const LatestOptions &latest,
                     const std::string &cf);

// Flushes every column family of db as lsn_tracker_flush_all does; true if
// RocksDB reported success.
bool FlushAll(DB *db);

// Bounded lag (lag.cc): a committed flush, and a handle being deleted (the
// database's own default handle: its close).
void LagFlushed(DB *db, uint32_t cf_id, SequenceNumber largest_seqno);
void LagHandleGone(ColumnFamilyHandle *h);

// The RocksDB handle inside the C API's rocksdb_t: c.cc declares it as a
// struct holding only DB* rep, in every release this library builds with.
inline DB *Unwrap(rocksdb_t *db)
{
    return db ? *reinterpret_cast<DB **>(db) : nullptr;
}

} // namespace lsn_adapter

#endif
