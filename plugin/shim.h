// The C++ side of the plugin: RocksDB's collector and listener classes,
// adapted to the C core, and what recovery needs of RocksDB. Internal.
#ifndef LSN_SHIM_H
#define LSN_SHIM_H

#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/version.h>

#include <map>
#include <string>

#include "core.h"

namespace lsn_shim {

using namespace ROCKSDB_NAMESPACE;

// RocksDB before 8.1 flushes one column family alone on a manual flush of
// it even under atomic_flush (fixed by pull request 11148).
constexpr bool kManualAtomicFlushIsPartial =
    ROCKSDB_MAJOR < 8 || (ROCKSDB_MAJOR == 8 && ROCKSDB_MINOR < 1);

struct CollectorOptions {
    std::string key_prefix, key_suffix;
    std::string partition_bytes = "8";
    std::string value_format = "u64be";
    std::string value_offset = "0";
    std::string property = LSN_DEFAULT_PROPERTY;
};

struct ListenerOptions {
    std::string tracker;
    std::string property = LSN_DEFAULT_PROPERTY;
};

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
    Status ConfigureOptions(
        const ConfigOptions &config,
        const std::unordered_map<std::string, std::string> &map,
        std::unordered_map<std::string, std::string> *unused) override;

  private:
    CollectorOptions opts_;
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

  protected:
    Status ConfigureOptions(
        const ConfigOptions &config,
        const std::unordered_map<std::string, std::string> &map,
        std::unordered_map<std::string, std::string> *unused) override;

  private:
    void Deliver(lsn_event_info_t *ev, DB *db, const TableProperties &tp);
    ListenerOptions opts_;
    lsn_listener_t *l_;
};

// Who a database is, as the C core's lsn_db_ident_t; owns the strings.
struct DbIdent {
    std::string session, path;
    lsn_db_ident_t c;
    explicit DbIdent(DB *db, bool supervised);
};

// Our objects in a set of options, without RTTI: by name, then static_cast
// (the names are registered by this library only).
template <typename T, typename Ptr> T *Ours(const Ptr &p)
{
    return p && std::string(p->Name()) == T::kClassName()
               ? static_cast<T *>(p.get())
               : nullptr;
}

// The layout each column family of the database at path is configured
// with, from its newest OPTIONS file: the database's own word, whether or
// not a flush happened in this process. Families without the collector
// (or whose OPTIONS list RocksDB 7.8.3 dropped) are absent.
struct FamilyLayout {
    lsn_layout_t layout;
    ColumnFamilyOptions options;
};
std::map<std::string, FamilyLayout> LearnLayouts(const std::string &path,
                                                 Env *env);

// The RocksDB handle inside the C API's rocksdb_t: c.cc declares it as a
// struct holding only DB* rep, in every release this library builds with.
inline DB *Unwrap(rocksdb_t *db)
{
    return db ? *reinterpret_cast<DB **>(db) : nullptr;
}

} // namespace lsn_shim

#endif
