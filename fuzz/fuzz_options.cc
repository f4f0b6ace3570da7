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

#include "layout.h"
#include "listener.h"
#include "lsn_tracker.h"

using namespace ROCKSDB_NAMESPACE;

#define CHECK(c) ((c) ? (void)0 : std::abort())

static std::string Get(const Configurable &c, const ConfigOptions &config,
                       const char *name)
{
    std::string v;
    CHECK(c.GetOption(config, name, &v).ok());
    // GetOption escapes the value for an options string ('#' as "\#");
    // what the object holds is the unescaped text.
    std::string raw;
    for (size_t i = 0; i < v.size(); i++)
        raw += v[i] == '\\' && i + 1 < v.size() ? v[++i] : v[i];
    return raw;
}

// RocksDB 7.8.3 itself, for any id including its built-in collectors,
// accepts some malformed elements as OK and leaves a null factory in the
// vector: an empty id ("{id=}", or a second "id=" inside the braces), an
// option name with "::", pieces split off by ':' (opening a DB with such
// options then fails an assertion). None of these reach our factory, which
// never returns null but for lack of memory; tests/unit/test_badinput.c
// pins the behaviour down and the README warns about it. What is checked
// here is every factory that is ours.
static void CheckCollectors(const ColumnFamilyOptions &cf,
                            const ConfigOptions &config)
{
    for (const auto &f : cf.table_properties_collector_factories) {
        if (!f)
            continue;
        if (std::string(f->Name()) != "LsnCollectorFactory")
            continue;
        lsn_layout_t l;
        char err[LSN_OPTION_MAX + 256];
        lsn_layout_init(&l);
        for (const lsn_option_t *o = lsn_layout_options; o->name; o++)
            CHECK(o->set(&l, Get(*f, config, o->name).c_str(), err,
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
        lsn_listener_opts_t o;
        char err[LSN_OPTION_MAX + 256];
        lsn_listener_opts_init(&o);
        for (const lsn_option_t *opt = lsn_listener_options; opt->name; opt++)
            CHECK(opt->set(&o, Get(*l, config, opt->name).c_str(), err,
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
            CheckCollectors(out, config);
    }
    if (!db_str.empty()) {
        DBOptions base, out;
        if (GetDBOptionsFromString(config, base, db_str, &out).ok())
            CheckListeners(out, config);
    }
    return 0;
}
