/* Names that travel inside options strings: property and tracker names,
 * and the option tables both RocksDB objects are configured through. The
 * messages name the object, the option and the value, as RocksDB passes
 * them to the caller of GetOptionsFromString unchanged. */
#include <stdio.h>
#include <string.h>

#include "names.h"

int lsn_property_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > LSN_PROPERTY_MAX)
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~' || strchr(";{}=:", *s))
            return 0;
    return 1;
}

int lsn_tracker_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > LSN_TRACKER_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < ' ' || *s == 0x7f || strchr(":;{}", *s))
            return 0;
    return 1;
}

int lsn_property_name_check(const char *owner, const char *value, char *err,
                            size_t errlen)
{
    if (lsn_property_name_ok(value))
        return 0;
    snprintf(err, errlen,
             "%s: property: must be 1 to %d printable characters without "
             "spaces or ;{}=: : '%s'",
             owner, LSN_PROPERTY_MAX, value);
    return -1;
}

int lsn_tracker_name_check(const char *owner, const char *value, char *err,
                           size_t errlen)
{
    if (lsn_tracker_name_ok(value))
        return 0;
    snprintf(err, errlen,
             "%s: tracker: must be 1 to %d characters, without ;{}: or "
             "surrounding spaces: '%s'",
             owner, LSN_TRACKER_NAME_MAX, value);
    return -1;
}

const lsn_option_t *lsn_option_find(const lsn_option_t *table,
                                    const char *name)
{
    for (; table->name; table++)
        if (!strcmp(table->name, name))
            return table;
    return NULL;
}
