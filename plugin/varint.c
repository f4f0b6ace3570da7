/* LEB128, as used by the property format and the varint value format. */
#include "varint.h"

size_t lsn_varint_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

size_t lsn_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v,
                      int strict)
{
    uint64_t r = 0;
    for (size_t i = 0; i < 10 && p + i < end; i++) {
        uint8_t b = p[i];
        /* The tenth byte may carry only the top bit of a uint64. */
        if (i == 9 && b > 1)
            return 0;
        r |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            /* A zero final byte after the first one means padding. */
            if (strict && i > 0 && b == 0)
                return 0;
            *v = r;
            return i + 1;
        }
    }
    return 0;
}
