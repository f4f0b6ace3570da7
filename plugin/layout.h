/* Which keys are applied-LSN keys and how their values decode: the options
 * of LsnCollectorFactory. Internal to the library. */
#ifndef LSN_LAYOUT_H
#define LSN_LAYOUT_H

#include <stdint.h>
#include <string.h>

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

/* What the collector asks of every key, precomputed from the layout each
 * time an option is set: the key's length, and the fixed bytes (prefix and
 * suffix) that fall in its first and last 8 bytes, as words and masks, so
 * that a key that is not an applied-LSN key is refused with one length
 * compare and two 8-byte loads, without a library call. A layout whose
 * keys are shorter than 8 bytes has no words: its keys pass on to the full
 * compare. */
typedef struct lsn_keymatch {
    size_t key_len;   /* the key length if 8 or more, else SIZE_MAX */
    size_t short_len; /* the key length if under 8, else SIZE_MAX */
    uint64_t head_word, head_mask; /* bytes [0, 8) of the key */
    uint64_t tail_word, tail_mask; /* bytes [key_len - 8, key_len) */
    int exact; /* the two words hold every fixed byte: nothing else to compare */
} lsn_keymatch_t;

/* Makes m match no key at all. */
static inline void lsn_keymatch_none(lsn_keymatch_t *m)
{
    m->key_len = m->short_len = SIZE_MAX;
}

/* 1 if key may be an applied-LSN key: it has the layout's length and the
 * fixed bytes in its first and last 8 bytes match (or the layout's keys
 * are shorter than 8 bytes and this one has their length). */
static inline int lsn_keymatch_maybe(const lsn_keymatch_t *m,
                                     const void *key, size_t klen)
{
    uint64_t head, tail;

    if (klen != m->key_len)
        return klen == m->short_len;
    memcpy(&head, key, 8);
    memcpy(&tail, (const uint8_t *)key + klen - 8, 8);
    return (((head ^ m->head_word) & m->head_mask) |
            ((tail ^ m->tail_word) & m->tail_mask)) == 0;
}

typedef struct lsn_layout {
    lsn_keymatch_t match; /* derived from the fields below */
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
/* lsn_layout_match for a key that lsn_keymatch_maybe(&l->match) passed. */
lsn_match_t lsn_layout_match_rest(const lsn_layout_t *l,
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
