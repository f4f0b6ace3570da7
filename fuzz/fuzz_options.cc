// Options parsing of both objects through RocksDB's own entry points, with
// the plugin loaded (linked) so that its constructor registered them. Any
// string may be refused; one that is accepted must leave a configuration
// the C core itself accepts, and nothing may crash.
#include <rocksdb/convenience.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/table_properties.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core.h"
#include "lsn_tracker.h"

using namespace ROCKSDB_NAMESPACE;

#define CHECK(c) ((c) ? (void)0 : std::abort())

static std::string Get(const Configurable &c, const ConfigOptions &config,
                       const char *name)
{
    std::string v;
    CHECK(c.GetOption(config, name, &v).ok());
    return v;
}

// RocksDB 7.8.3 itself, for any id including its built-in collectors,
// splits the braces on ':' (the vector separator) and may accept the
// pieces as OK while leaving a null factory in the vector, e.g. for an
// option name with "::" (opening a DB with it then fails an assertion).
// Our factory never sees such input; tests/unit/test_badinput.c pins the
// behaviour down and the README warns about it. A null factory from input
// without a ':' would be ours to explain.
static void CheckCollectors(const ColumnFamilyOptions &cf,
                            const ConfigOptions &config,
                            const std::string &input)
{
    for (const auto &f : cf.table_properties_collector_factories) {
        if (!f) {
            CHECK(input.find(':') != std::string::npos);
            continue;
        }
        if (std::string(f->Name()) != "LsnCollectorFactory")
            continue;
        lsn_layout_t l;
        char err[512];
        lsn_layout_init(&l);
        for (const char *name : {"key_prefix", "key_suffix", "partition_bytes",
                                 "value_format", "value_offset", "property"})
            CHECK(lsn_layout_set(&l, name, Get(*f, config, name).c_str(), err,
                                 sizeof err) == 0);
        CHECK(lsn_layout_check(&l, err, sizeof err) == 0);
        (void)f->ToString();
    }
}

static void CheckListeners(const DBOptions &db, const ConfigOptions &config)
{
    for (const auto &l : db.listeners) {
        CHECK(l != nullptr);
        if (std::string(l->Name()) != "LsnFlushListener")
            continue;
        char err[512];
        for (const char *name : {"tracker", "property"})
            CHECK(lsn_listener_check(name, Get(*l, config, name).c_str(), err,
                                     sizeof err) == 0);
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    // The first byte picks how the rest is used: inside our own braces
    // (most of the search goes into our options), or as a whole string.
    const std::string rest(reinterpret_cast<const char *>(data) + 1, size - 1);
    std::string cf_str, db_str;
    switch (data[0] % 4) {
    case 0:
        cf_str = "table_properties_collectors={id=LsnCollectorFactory;" +
                 rest + "}";
        break;
    case 1:
        db_str = "listeners={id=LsnFlushListener;" + rest + "}";
        break;
    case 2:
        cf_str = rest;
        break;
    default:
        db_str = rest;
        break;
    }
    ConfigOptions config;
    config.ignore_unknown_options = data[0] & 0x80;
    if (!cf_str.empty()) {
        ColumnFamilyOptions base, out;
        if (GetColumnFamilyOptionsFromString(config, base, cf_str, &out).ok())
            CheckCollectors(out, config, cf_str);
    }
    if (!db_str.empty()) {
        DBOptions base, out;
        if (GetDBOptionsFromString(config, base, db_str, &out).ok())
            CheckListeners(out, config);
    }
    return 0;
}
