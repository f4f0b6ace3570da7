// The C++ shim: adapts RocksDB's collector and listener classes to the C
// core and registers them. No logic lives here that C could hold.
#include <rocksdb/options.h>
#include <rocksdb/utilities/object_registry.h>
#include <rocksdb/utilities/options_type.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "shim.h"

namespace lsn_shim {

namespace {

using Checker = int (*)(const char *name, const char *value, char *err,
                        size_t errlen);

// A string option whose value the C core vets as it is parsed, so that the
// caller of GetOptionsFromString sees our message, naming option and value.
OptionTypeInfo Checked(int offset, Checker check)
{
    return OptionTypeInfo(
        offset, OptionType::kString, OptionVerificationType::kNormal,
        OptionTypeFlags::kNone,
        [check](const ConfigOptions &, const std::string &name,
                const std::string &value, void *addr) {
            char err[512];
            if (check(name.c_str(), value.c_str(), err, sizeof(err)) != 0)
                return Status::InvalidArgument(err);
            *static_cast<std::string *>(addr) = value;
            return Status::OK();
        });
}

int CheckCollectorOption(const char *name, const char *value, char *err,
                         size_t errlen)
{
    lsn_layout_t l;
    lsn_layout_init(&l);
    return lsn_layout_set(&l, name, value, err, errlen);
}

using Table = std::unordered_map<std::string, OptionTypeInfo>;

// RocksDB's own message for an unknown field names neither the object nor
// the field; name both.
Status RejectUnknown(const char *cls, const Table &known,
                     const ConfigOptions &config,
                     const std::unordered_map<std::string, std::string> &map)
{
    if (config.ignore_unknown_options)
        return Status::OK();
    for (const auto &kv : map)
        if (kv.first != "id" && !known.count(kv.first))
            return Status::InvalidArgument(std::string(cls) +
                                           ": unknown option: '" + kv.first +
                                           "'");
    return Status::OK();
}

const std::string *FindProperty(const TableProperties &tp,
                                const std::string &name)
{
    auto it = tp.user_collected_properties.find(name);
    return it == tp.user_collected_properties.end() ? nullptr : &it->second;
}

const uint8_t *Bytes(const std::string *s)
{
    return s ? reinterpret_cast<const uint8_t *>(s->data()) : nullptr;
}

class LsnCollector : public TablePropertiesCollector {
  public:
    LsnCollector(lsn_accum_t *acc, const char *property)
        : acc_(acc), property_(property) {}
    ~LsnCollector() override { lsn_accum_free(acc_); }

    Status AddUserKey(const Slice &key, const Slice &value, EntryType type,
                      SequenceNumber, uint64_t) override
    {
        // Deletes, merges and blob indexes carry no applied LSN.
        if (type == kEntryPut && acc_ && !failed_ &&
            lsn_accum_add(acc_, reinterpret_cast<const uint8_t *>(key.data()),
                          key.size(),
                          reinterpret_cast<const uint8_t *>(value.data()),
                          value.size()) != 0)
            failed_ = true;
        return Status::OK();
    }

    Status Finish(UserCollectedProperties *props) override
    {
        uint8_t *buf;
        size_t len;
        // A partial map could be mistaken for the whole: write none at all.
        if (!acc_ || failed_ || lsn_accum_encode(acc_, &buf, &len) != LSN_TRACKER_OK)
            return Status::OK();
        try {
            (*props)[property_].assign(reinterpret_cast<char *>(buf), len);
            if (uint64_t bad = lsn_accum_bad_values(acc_)) {
                uint8_t v[10];
                (*props)[property_ + LSN_BAD_VALUES_SUFFIX].assign(
                    reinterpret_cast<char *>(v), lsn_prop_encode_count(bad, v));
            }
        } catch (...) {
            props->erase(property_);
        }
        std::free(buf);
        return Status::OK();
    }

    UserCollectedProperties GetReadableProperties() const override
    {
        if (!acc_)
            return {};
        return {{property_, "partitions=" +
                                std::to_string(lsn_accum_count(acc_)) +
                                " max_lsn=" +
                                std::to_string(lsn_accum_max_lsn(acc_)) +
                                " bad_values=" +
                                std::to_string(lsn_accum_bad_values(acc_))}};
    }

    const char *Name() const override { return "LsnCollector"; }

  private:
    lsn_accum_t *acc_;
    std::string property_;
    bool failed_ = false;
};

#define COLLECTOR_OPT(f)                                                      \
    {#f, Checked(offsetof(CollectorOptions, f), CheckCollectorOption)}
const Table kCollectorOptions = {
    COLLECTOR_OPT(key_prefix),   COLLECTOR_OPT(key_suffix),
    COLLECTOR_OPT(partition_bytes), COLLECTOR_OPT(value_format),
    COLLECTOR_OPT(value_offset), COLLECTOR_OPT(property),
};

const Table kListenerOptions = {
    {"tracker", Checked(offsetof(ListenerOptions, tracker), lsn_listener_check)},
    {"property",
     Checked(offsetof(ListenerOptions, property), lsn_listener_check)},
};

template <typename T>
T *Adopt(T *obj, std::unique_ptr<T> *guard, std::string *errmsg)
{
    if (!obj)
        *errmsg = "lsn_tracker: out of memory";
    guard->reset(obj);
    return obj;
}

} // namespace

// ---- LsnCollectorFactory ----

LsnCollectorFactory::LsnCollectorFactory()
{
    RegisterOptions("LsnCollectorOptions", &opts_, &kCollectorOptions);
    lsn_layout_init(&layout_);
}

TablePropertiesCollector *
LsnCollectorFactory::CreateTablePropertiesCollector(Context)
{
    // Unconfigured, every 8-byte key would look like a match: collect
    // nothing instead. 7.8.3 does not accept a null collector.
    lsn_accum_t *acc = valid_ ? lsn_accum_new(&layout_) : nullptr;
    auto *c = new (std::nothrow) LsnCollector(acc, layout_.property);
    if (!c)
        lsn_accum_free(acc);
    return c;
}

std::string LsnCollectorFactory::ToString() const
{
    return std::string(kClassName()) + "{key_prefix=" + opts_.key_prefix +
           ";partition_bytes=" + opts_.partition_bytes +
           ";key_suffix=" + opts_.key_suffix +
           ";value_format=" + opts_.value_format +
           ";value_offset=" + opts_.value_offset +
           ";property=" + opts_.property + "}";
}

// Cross-option rules are checked here: 7.8.3 skips PrepareOptions for
// objects parsed inside table_properties_collectors.
Status LsnCollectorFactory::ConfigureOptions(
    const ConfigOptions &config,
    const std::unordered_map<std::string, std::string> &map,
    std::unordered_map<std::string, std::string> *unused)
{
    Status s = RejectUnknown(kClassName(), kCollectorOptions, config, map);
    if (s.ok())
        s = TablePropertiesCollectorFactory::ConfigureOptions(config, map,
                                                              unused);
    if (!s.ok())
        return s;
    char err[512];
    lsn_layout_t l;
    lsn_layout_init(&l);
    const std::pair<const char *, const std::string *> fields[] = {
        {"key_prefix", &opts_.key_prefix},
        {"key_suffix", &opts_.key_suffix},
        {"partition_bytes", &opts_.partition_bytes},
        {"value_format", &opts_.value_format},
        {"value_offset", &opts_.value_offset},
        {"property", &opts_.property}};
    for (const auto &f : fields)
        if (lsn_layout_set(&l, f.first, f.second->c_str(), err,
                           sizeof(err)) != 0)
            return Status::InvalidArgument(err);
    if (lsn_layout_check(&l, err, sizeof(err)) != 0)
        return Status::InvalidArgument(err);
    layout_ = l;
    valid_ = true;
    return Status::OK();
}

// ---- LsnFlushListener ----

DbIdent::DbIdent(DB *db, bool supervised)
{
    if (!db->GetDbSessionId(session).ok())
        session.clear();
    path = db->GetName();
    c.session = session.c_str();
    c.path = path.c_str();
    c.key = db->DefaultColumnFamily();
    c.supervised = supervised;
}

LsnFlushListener::LsnFlushListener(lsn_listener_t *l) : l_(l)
{
    RegisterOptions("LsnFlushListenerOptions", &opts_, &kListenerOptions);
}

LsnFlushListener::~LsnFlushListener() { lsn_listener_free(l_); }

void LsnFlushListener::OnFlushCompleted(DB *db, const FlushJobInfo &info)
{
    lsn_event_info_t ev = {};
    ev.kind = LSN_EVENT_FLUSH;
    ev.cf = info.cf_name.c_str();
    ev.cf_id = info.cf_id;
    ev.unsafe = kManualAtomicFlushIsPartial &&
                info.flush_reason == FlushReason::kManualFlush &&
                db->GetDBOptions().atomic_flush;
    Deliver(&ev, db, info.table_properties);
}

void LsnFlushListener::OnExternalFileIngested(
    DB *db, const ExternalFileIngestionInfo &info)
{
    lsn_event_info_t ev = {};
    ev.kind = LSN_EVENT_INGEST;
    ev.cf = info.cf_name.c_str();
    // The file's own column_family_id is whatever its writer was given.
    ev.cf_id = LSN_CF_ID_UNKNOWN;
    // Sequence number 0 is also how a file that overlaps nothing goes in;
    // only a database that allows ingest_behind makes it ambiguous.
    ev.behind = info.global_seqno == 0 && db->GetDBOptions().allow_ingest_behind;
    try {
        auto layouts = LearnLayouts(db->GetName(), db->GetEnv());
        auto it = layouts.find(info.cf_name);
        if (it != layouts.end())
            ev.layout_fp = lsn_layout_fingerprint(&it->second.layout);
    } catch (...) {
    }
    Deliver(&ev, db, info.table_properties);
}

void LsnFlushListener::OnColumnFamilyHandleDeletionStarted(
    ColumnFamilyHandle *h)
{
    try {
        lsn_listener_on_handle_gone(l_, h, h->GetName().c_str(), h->GetID());
    } catch (...) {
    }
}

void LsnFlushListener::Deliver(lsn_event_info_t *ev, DB *db,
                               const TableProperties &tp)
{
    try {
        DbIdent id(db, true);
        const std::string prop_name = lsn_listener_property(l_);
        const std::string *prop = FindProperty(tp, prop_name);
        const std::string *bad =
            FindProperty(tp, prop_name + LSN_BAD_VALUES_SUFFIX);
        ev->db = id.c;
        ev->prop = Bytes(prop);
        ev->prop_len = prop ? prop->size() : 0;
        ev->bad = Bytes(bad);
        ev->bad_len = bad ? bad->size() : 0;
        lsn_listener_on_event(l_, ev);
    } catch (...) {
        // RocksDB is not exception-safe; a missed event only lags.
    }
}

Status LsnFlushListener::ConfigureOptions(
    const ConfigOptions &config,
    const std::unordered_map<std::string, std::string> &map,
    std::unordered_map<std::string, std::string> *unused)
{
    Status s = RejectUnknown(kClassName(), kListenerOptions, config, map);
    if (s.ok())
        s = EventListener::ConfigureOptions(config, map, unused);
    if (!s.ok())
        return s;
    char err[512];
    if (lsn_listener_configure(l_, opts_.tracker.c_str(),
                               opts_.property.c_str(), err, sizeof(err)) != 0)
        return Status::InvalidArgument(err);
    return Status::OK();
}

} // namespace lsn_shim

using namespace lsn_shim;

extern "C" int lsn_shim_register(void)
{
    static std::once_flag once;
    std::call_once(once, [] {
        auto lib = ObjectLibrary::Default();
        lib->AddFactory<TablePropertiesCollectorFactory>(
            LsnCollectorFactory::kClassName(),
            [](const std::string &,
               std::unique_ptr<TablePropertiesCollectorFactory> *guard,
               std::string *errmsg) {
                return Adopt<TablePropertiesCollectorFactory>(
                    new (std::nothrow) LsnCollectorFactory(), guard, errmsg);
            });
        lib->AddFactory<EventListener>(
            LsnFlushListener::kClassName(),
            [](const std::string &, std::unique_ptr<EventListener> *guard,
               std::string *errmsg) -> EventListener * {
                lsn_listener_t *l = lsn_listener_new();
                LsnFlushListener *obj =
                    l ? new (std::nothrow) LsnFlushListener(l) : nullptr;
                if (l && !obj)
                    lsn_listener_free(l);
                return Adopt<EventListener>(obj, guard, errmsg);
            });
    });
    return LSN_TRACKER_OK;
}
