/* Names an options string can carry: property and tracker names. Internal to
 * the library. */
#ifndef LSN_NAMES_H
#define LSN_NAMES_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One option of a RocksDB object: parsed once into a typed field of obj,
 * printed back from it. */
typedef struct lsn_option {
    const char *name;
    /* 0, or -1 with "<object>: <name>: <why>: '<value>'" in err. */
    int (*set)(void *obj, const char *value, char *err, size_t errlen);
    void (*get)(const void *obj, char *out, size_t n);
} lsn_option_t;
/* Large enough for any option's printed value. */
#define LSN_OPTION_MAX (LSN_TRACKER_NAME_MAX + 1)

/* The entry called name in a table ended by a NULL name, or NULL. */
const lsn_option_t *lsn_option_find(const lsn_option_t *table,
                                               const char *name);

/* Checks a property name: printable, no option-string delimiters. */
int lsn_property_name_ok(const char *s);
/* Checks a tracker name: what an options string can carry (no ':', ';',
 * braces, control characters, or surrounding white space). */
int lsn_tracker_name_ok(const char *s);
/* The same checks, with the message an options parser passes on. */
int lsn_property_name_check(const char *owner, const char *value,
                                       char *err, size_t errlen);
int lsn_tracker_name_check(const char *owner, const char *value,
                                      char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
