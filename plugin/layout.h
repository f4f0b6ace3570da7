/* Which keys are applied-LSN keys and how their values decode: the options
 * of LsnCollectorFactory. Internal to the library. */
#ifndef LSN_LAYOUT_H
#define LSN_LAYOUT_H

#include "names.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LSN_FMT_U64BE = 0,
    LSN_FMT_U64LE,
    LSN_FMT_VARINT,
    LSN_FMT_DECIMAL
} lsn_format_t;

typedef struct lsn_layout {
    uint8_t prefix[LSN_AFFIX_MAX];
    size_t prefix_len;
    uint8_t suffix[LSN_AFFIX_MAX];
    size_t suffix_len;
    unsigned partition_bytes;
    lsn_format_t format;
    size_t value_offset;
    char property[LSN_PROPERTY_MAX + 1];
} lsn_layout_t;

/* Matching outcome of one key/value pair. */
typedef enum {
    LSN_KEY_OTHER = 0, /* not an applied-LSN key */
    LSN_KEY_LSN,       /* applied-LSN key, value decoded */
    LSN_KEY_BAD_VALUE  /* applied-LSN key, value did not decode */
} lsn_match_t;

void lsn_layout_init(lsn_layout_t *l);
/* The options of LsnCollectorFactory, ended by a NULL name; obj is an
 * lsn_layout_t. */
extern const lsn_option_t lsn_layout_options[];
/* Sets one option of LsnCollectorFactory from its string form. On error
 * returns -1 and writes "LsnCollectorFactory: <name>: <why>: '<value>'". */
int lsn_layout_set(lsn_layout_t *l, const char *name,
                              const char *value, char *err, size_t errlen);
/* Checks the rules that span options; -1 with a message if broken. */
int lsn_layout_check(const lsn_layout_t *l, char *err,
                                size_t errlen);
size_t lsn_layout_key_len(const lsn_layout_t *l);
lsn_match_t lsn_layout_match(const lsn_layout_t *l,
                                        const uint8_t *key, size_t klen,
                                        const uint8_t *val, size_t vlen,
                                        uint64_t *partition, uint64_t *lsn);
/* Decodes a value in the given format (no offset applied); 0 on success. */
int lsn_value_decode(lsn_format_t f, const uint8_t *v, size_t n,
                                uint64_t *lsn);
/* Identifies the layout (not the property name) in version 2 properties. */
uint64_t lsn_layout_fingerprint(const lsn_layout_t *l);

#ifdef __cplusplus
}
#endif
#endif
