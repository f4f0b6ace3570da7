// RocksDB's options machinery on top of the core's option tables.
#include "adapter.h"

namespace lsn_adapter {

OptionMap MakeOptionMap(const lsn_option_t *table)
{
    OptionMap map;
    for (const lsn_option_t *o = table; o->name; o++) {
        auto print = [o](const void *obj) {
            char buf[LSN_OPTION_MAX];
            o->get(obj, buf, sizeof buf);
            return std::string(buf);
        };
        map.emplace(
            o->name,
            OptionTypeInfo(
                0, OptionType::kString, OptionVerificationType::kNormal,
                OptionTypeFlags::kNone,
                [o](const ConfigOptions &, const std::string &,
                    const std::string &value, void *obj) {
                    char err[LSN_OPTION_MAX + 256];
                    if (o->set(obj, value.c_str(), err, sizeof err) != 0)
                        return Status::InvalidArgument(err);
                    return Status::OK();
                },
                [print](const ConfigOptions &, const std::string &,
                        const void *obj, std::string *value) {
                    *value = print(obj);
                    return Status::OK();
                },
                [print](const ConfigOptions &, const std::string &,
                        const void *a, const void *b, std::string *) {
                    return print(a) == print(b);
                }));
    }
    return map;
}

std::string Describe(const char *cls, const lsn_option_t *table,
                     const void *obj)
{
    std::string s = std::string(cls) + "{";
    char buf[LSN_OPTION_MAX];
    for (const lsn_option_t *o = table; o->name; o++) {
        o->get(obj, buf, sizeof buf);
        s += std::string(o == table ? "" : ";") + o->name + "=" + buf;
    }
    return s + "}";
}

Status RejectUnknown(const char *cls, const OptionMap &known,
                     const ConfigOptions &config, const StringMap &map)
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

} // namespace lsn_adapter
