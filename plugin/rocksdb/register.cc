// Registration of both objects with RocksDB's default ObjectLibrary: at
// load time, and through lsn_tracker_register for hosts that link the
// library statically.
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

} // namespace

extern "C" int lsn_tracker_register(void)
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

// RocksDB parses options at run time against its default registry, so
// loading the library is all a host has to do.
__attribute__((constructor)) static void lsn_tracker_load(void)
{
    lsn_tracker_register();
}
