/* Version, status strings and registration: the library's front door. */
#include "core.h"

const char *lsn_tracker_version(void)
{
    return LSN_TRACKER_VERSION_STRING;
}

const char *lsn_tracker_strerror(int status)
{
    switch (status) {
    case LSN_TRACKER_OK:
        return "ok";
    case LSN_TRACKER_NOT_FOUND:
        return "nothing durable known yet";
    case LSN_TRACKER_TIMEOUT:
        return "timed out";
    case LSN_TRACKER_EINVAL:
        return "invalid argument";
    case LSN_TRACKER_ENOMEM:
        return "out of memory";
    case LSN_TRACKER_EIO:
        return "file could not be read";
    case LSN_TRACKER_ECORRUPT:
        return "property did not decode";
    default:
        return "unknown status";
    }
}

int lsn_tracker_register(void)
{
    return lsn_shim_register();
}

/* RocksDB parses options at run time against its default registry, so
 * loading the library is all a host has to do. */
__attribute__((constructor)) static void lsn_tracker_load(void)
{
    lsn_shim_register();
}
