/* LEB128, as the property format and the varint value format use it.
 * Internal to the library. */
#ifndef LSN_VARINT_H
#define LSN_VARINT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Appends v to out (at least 10 bytes free); returns bytes written. */
size_t lsn_varint_put(uint8_t *out, uint64_t v);
/* Decodes one LEB128 from [p, end). Returns bytes consumed, 0 on truncation
 * or overflow. With strict set, non-minimal encodings are refused too. */
size_t lsn_varint_get(const uint8_t *p, const uint8_t *end,
                                 uint64_t *v, int strict);

#ifdef __cplusplus
}
#endif
#endif
