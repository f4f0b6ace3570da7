// The C++ shim: adapts RocksDB's collector and listener classes to the C
// core and registers them. No logic lives here that C could hold.
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/utilities/object_registry.h>
#include <rocksdb/utilities/options_type.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "core.h"

namespace {

using namespace ROCKSDB_NAMESPACE;

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

struct CollectorOptions {
    std::string key_prefix, key_suffix;
    std::string partition_bytes = "8";
    std::string value_format = "u64be";
    std::string value_offset = "0";
    std::string property = LSN_DEFAULT_PROPERTY;
};

#define COLLECTOR_OPT(f) \
    {#f, Checked(offsetof(CollectorOptions, f), CheckCollectorOption)}
const std::unordered_map<std::string, OptionTypeInfo> kCollectorOptions = {
    COLLECTOR_OPT(key_prefix),   COLLECTOR_OPT(key_suffix),
    COLLECTOR_OPT(partition_bytes), COLLECTOR_OPT(value_format),
    COLLECTOR_OPT(value_offset), COLLECTOR_OPT(property),
};

// RocksDB's own message for an unknown field names neither the object nor
// the field; name both.
Status RejectUnknown(const char *cls,
                     const std::unordered_map<std::string, OptionTypeInfo> &known,
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
                    reinterpret_cast<char *>(v), lsn_varint_put(v, bad));
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

class LsnCollectorFactory : public TablePropertiesCollectorFactory {
  public:
    static const char *kClassName() { return "LsnCollectorFactory"; }
    LsnCollectorFactory()
    {
        RegisterOptions("LsnCollectorOptions", &opts_, &kCollectorOptions);
        lsn_layout_init(&layout_);
    }
    const char *Name() const override { return kClassName(); }

    TablePropertiesCollector *
    CreateTablePropertiesCollector(Context) override
    {
        // Unconfigured, every 8-byte key would look like a match: collect
        // nothing instead. 7.8.3 does not accept a null collector.
        lsn_accum_t *acc = valid_ ? lsn_accum_new(&layout_) : nullptr;
        auto *c = new (std::nothrow) LsnCollector(acc, layout_.property);
        if (!c)
            lsn_accum_free(acc);
        return c;
    }

    std::string ToString() const override
    {
        return std::string(kClassName()) + "{key_prefix=" + opts_.key_prefix +
               ";partition_bytes=" + opts_.partition_bytes +
               ";key_suffix=" + opts_.key_suffix +
               ";value_format=" + opts_.value_format +
               ";value_offset=" + opts_.value_offset +
               ";property=" + opts_.property + "}";
    }

  protected:
    // Cross-option rules are checked here: 7.8.3 skips PrepareOptions for
    // objects parsed inside table_properties_collectors.
    Status ConfigureOptions(
        const ConfigOptions &config,
        const std::unordered_map<std::string, std::string> &map,
        std::unordered_map<std::string, std::string> *unused) override
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

  private:
    CollectorOptions opts_;
    lsn_layout_t layout_;
    bool valid_ = false;
};

struct ListenerOptions {
    std::string tracker;
    std::string property = LSN_DEFAULT_PROPERTY;
};

const std::unordered_map<std::string, OptionTypeInfo> kListenerOptions = {
    {"tracker", Checked(offsetof(ListenerOptions, tracker), lsn_listener_check)},
    {"property",
     Checked(offsetof(ListenerOptions, property), lsn_listener_check)},
};

const std::string *FindProperty(const TableProperties &tp,
                                const std::string &name)
{
    auto it = tp.user_collected_properties.find(name);
    return it == tp.user_collected_properties.end() ? nullptr : &it->second;
}

class LsnFlushListener : public EventListener {
  public:
    static const char *kClassName() { return "LsnFlushListener"; }
    explicit LsnFlushListener(lsn_listener_t *l) : l_(l)
    {
        RegisterOptions("LsnFlushListenerOptions", &opts_, &kListenerOptions);
    }
    ~LsnFlushListener() override { lsn_listener_free(l_); }
    const char *Name() const override { return kClassName(); }

    void OnFlushCompleted(DB *db, const FlushJobInfo &info) override
    {
        Deliver(LSN_EVENT_FLUSH, db, info.cf_name, info.table_properties);
    }

    void OnExternalFileIngested(DB *db,
                                const ExternalFileIngestionInfo &info) override
    {
        Deliver(LSN_EVENT_INGEST, db, info.cf_name, info.table_properties);
    }

  protected:
    Status ConfigureOptions(
        const ConfigOptions &config,
        const std::unordered_map<std::string, std::string> &map,
        std::unordered_map<std::string, std::string> *unused) override
    {
        Status s = RejectUnknown(kClassName(), kListenerOptions, config, map);
        if (s.ok())
            s = EventListener::ConfigureOptions(config, map, unused);
        if (!s.ok())
            return s;
        char err[512];
        if (lsn_listener_configure(l_, opts_.tracker.c_str(),
                                   opts_.property.c_str(), err,
                                   sizeof(err)) != 0)
            return Status::InvalidArgument(err);
        return Status::OK();
    }

  private:
    void Deliver(lsn_event_t ev, DB *db, const std::string &cf,
                 const TableProperties &tp)
    {
        try {
            const std::string prop_name = lsn_listener_property(l_);
            const std::string *prop = FindProperty(tp, prop_name);
            const std::string *bad =
                FindProperty(tp, prop_name + LSN_BAD_VALUES_SUFFIX);
            auto bytes = [](const std::string *s) {
                return s ? reinterpret_cast<const uint8_t *>(s->data())
                         : nullptr;
            };
            lsn_listener_on_event(l_, ev, db->GetName().c_str(), cf.c_str(),
                                  bytes(prop), prop ? prop->size() : 0,
                                  bytes(bad), bad ? bad->size() : 0);
        } catch (...) {
            // RocksDB is not exception-safe; a missed event only lags.
        }
    }

    lsn_listener_t *l_;
    ListenerOptions opts_;
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

extern "C" int lsn_shim_read_sst(const char *path, const char *property,
                                 uint8_t **prop, size_t *prop_len,
                                 uint8_t **bad, size_t *bad_len)
{
    *prop = *bad = nullptr;
    *prop_len = *bad_len = 0;
    try {
        static const Options options;
        SstFileReader reader(options);
        if (!reader.Open(path).ok())
            return LSN_TRACKER_EIO;
        auto tp = reader.GetTableProperties();
        if (!tp)
            return LSN_TRACKER_EIO;
        const std::string name = property;
        const std::string *found[2] = {
            FindProperty(*tp, name),
            FindProperty(*tp, name + LSN_BAD_VALUES_SUFFIX)};
        uint8_t **out[2] = {prop, bad};
        size_t *len[2] = {prop_len, bad_len};
        for (int i = 0; i < 2; i++) {
            if (!found[i])
                continue;
            // One spare byte: malloc(0) may return NULL.
            *out[i] = static_cast<uint8_t *>(std::malloc(found[i]->size() + 1));
            if (!*out[i]) {
                std::free(*prop);
                *prop = nullptr;
                return LSN_TRACKER_ENOMEM;
            }
            std::memcpy(*out[i], found[i]->data(), found[i]->size());
            *len[i] = found[i]->size();
        }
        return LSN_TRACKER_OK;
    } catch (...) {
        return LSN_TRACKER_ENOMEM;
    }
}
