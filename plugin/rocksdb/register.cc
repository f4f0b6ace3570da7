// Registration of both objects: with RocksDB's default ObjectLibrary at
// load time and through lsn_tracker_register (for hosts that link the
// static archive), and with every ObjectRegistry through RocksDB's plugin
// registrar when the library is compiled into RocksDB.
#include <rocksdb/utilities/object_registry.h>

#include <memory>
#include <mutex>
#include <new>

#include "adapter.h"

using namespace lsn_adapter;

namespace {

template <typename T>
T *Adopt(T *obj, std::unique_ptr<T> *guard, std::string *errmsg)
{
    if (!obj)
        *errmsg = "lsn_tracker: out of memory";
    guard->reset(obj);
    return obj;
}

// Both factories into one ObjectLibrary; returns how many it added.
int AddFactories(ObjectLibrary &lib)
{
    lib.AddFactory<TablePropertiesCollectorFactory>(
        LsnCollectorFactory::kClassName(),
        [](const std::string &,
           std::unique_ptr<TablePropertiesCollectorFactory> *guard,
           std::string *errmsg) {
            return Adopt<TablePropertiesCollectorFactory>(
                new (std::nothrow) LsnCollectorFactory(), guard, errmsg);
        });
    lib.AddFactory<EventListener>(
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
    return 2;
}

} // namespace

extern "C" int lsn_tracker_register(void)
{
    static std::once_flag once;
    std::call_once(once, [] { AddFactories(*ObjectLibrary::Default()); });
    return LSN_TRACKER_OK;
}

// RocksDB's registrar for plugins compiled into it (lsn_tracker_FUNC in
// lsn_tracker.mk): RocksDB's generated build_version.cc declares it inside
// extern "C" with these C++ parameter types and calls it for every
// ObjectRegistry it creates, so a host of such a RocksDB parses options
// without calling lsn_tracker_register(). Not part of the C ABI: hidden in
// liblsn_tracker.so, reached from inside RocksDB only.
extern "C" int lsn_tracker_register_library(ObjectLibrary &library,
                                            const std::string &)
{
    return AddFactories(library);
}

#ifndef LSN_TRACKER_BUILTIN
// RocksDB parses options at run time against its default registry, so
// loading the library is all a host has to do. Compiled into RocksDB
// (LSN_TRACKER_BUILTIN), the registrar above does it instead.
__attribute__((constructor)) static void lsn_tracker_load(void)
{
    lsn_tracker_register();
}
#endif
