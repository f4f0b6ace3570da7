/* Version and status strings. */
#include "common.h"

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
    case LSN_TRACKER_EBUSY:
        return "tracker serves another open database";
    case LSN_TRACKER_EDB:
        return "RocksDB returned an error";
    default:
        return "unknown status";
    }
}
