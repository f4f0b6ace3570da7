/* The varint module: LEB128 as the property format (strict) and the
 * varint value format (lenient) read it. */
#include <criterion/criterion.h>
#include <string.h>

#include "varint.h"

static size_t get(const uint8_t *p, size_t n, uint64_t *v, int strict)
{
    return lsn_varint_get(p, p + n, v, strict);
}

Test(varint, exact_bytes_and_lengths)
{
    const struct {
        uint64_t v;
        size_t n;
        uint8_t b[10];
    } cases[] = {
        {0, 1, {0x00}},
        {1, 1, {0x01}},
        {127, 1, {0x7f}},
        {128, 2, {0x80, 0x01}},
        {300, 2, {0xac, 0x02}},
        {16383, 2, {0xff, 0x7f}},
        {16384, 3, {0x80, 0x80, 0x01}},
        {(1ull << 63) - 1, 9, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0x7f}},
        {1ull << 63, 10, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                          0x80, 0x01}},
        {UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                          0xff, 0x01}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[16];
        uint64_t v = 12345;
        memset(out, 0xee, sizeof out);
        cr_assert_eq(lsn_varint_put(out, cases[i].v), cases[i].n, "%llu",
                     (unsigned long long)cases[i].v);
        cr_assert_arr_eq(out, cases[i].b, cases[i].n);
        cr_assert_eq(out[cases[i].n], 0xee, "wrote past the varint");
        cr_assert_eq(get(out, cases[i].n, &v, 1), cases[i].n);
        cr_assert_eq(v, cases[i].v);
        cr_assert_eq(get(out, cases[i].n, &v, 0), cases[i].n);
        cr_assert_eq(v, cases[i].v);
    }
}

Test(varint, round_trips_every_bit_width)
{
    for (int bits = 0; bits <= 64; bits++) {
        uint64_t top = bits == 64 ? UINT64_MAX
                                  : bits ? (1ull << bits) - 1 : 0;
        uint64_t vals[] = {top, top >> 1, top ^ (top >> 3), top & 0x5555555555555555ull};
        for (size_t i = 0; i < 4; i++) {
            uint8_t out[10];
            uint64_t v;
            size_t n = lsn_varint_put(out, vals[i]);
            cr_assert_leq(n, 10);
            cr_assert_eq(get(out, n, &v, 1), n);
            cr_assert_eq(v, vals[i]);
        }
    }
}

/* Bytes after the varint are not consumed: callers read what follows. */
Test(varint, stops_at_the_last_byte)
{
    const uint8_t b[] = {0xac, 0x02, 0xff, 0xff};
    uint64_t v;
    cr_assert_eq(get(b, sizeof b, &v, 1), 2);
    cr_assert_eq(v, 300);
}

Test(varint, truncation_is_refused)
{
    const uint8_t b[] = {0x80, 0x80, 0x80};
    uint64_t v = 7;
    cr_assert_eq(get(b, 0, &v, 0), 0, "empty");
    cr_assert_eq(get(b, 1, &v, 0), 0);
    cr_assert_eq(get(b, 3, &v, 1), 0);
    cr_assert_eq(v, 7, "a refused read left a value");
    /* The end bounds the read even when the bytes beyond would finish it. */
    const uint8_t c[] = {0xac, 0x02};
    cr_assert_eq(get(c, 1, &v, 0), 0);
}

Test(varint, overflow_is_refused)
{
    /* A tenth byte may carry only the top bit of a uint64. */
    const uint8_t ten2[] = {0xff, 0xff, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff, 0x02};
    const uint8_t ten_more[] = {0x80, 0x80, 0x80, 0x80, 0x80,
                                0x80, 0x80, 0x80, 0x80, 0x81, 0x00};
    const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                              0x80, 0x80, 0x80, 0x80, 0x00};
    uint64_t v;
    cr_assert_eq(get(ten2, sizeof ten2, &v, 0), 0);
    cr_assert_eq(get(ten_more, sizeof ten_more, &v, 0), 0);
    cr_assert_eq(get(eleven, sizeof eleven, &v, 0), 0);
}

/* Strict reading refuses padding (a zero last byte after the first); the
 * value format, which reads what hosts wrote, accepts it. */
Test(varint, strict_refuses_non_minimal)
{
    const uint8_t pad1[] = {0x80, 0x00}, pad2[] = {0x85, 0x80, 0x00},
                  zero[] = {0x00};
    uint64_t v;
    cr_assert_eq(get(pad1, 2, &v, 1), 0);
    cr_assert_eq(get(pad2, 3, &v, 1), 0);
    cr_assert_eq(get(pad1, 2, &v, 0), 2);
    cr_assert_eq(v, 0);
    cr_assert_eq(get(pad2, 3, &v, 0), 3);
    cr_assert_eq(v, 5);
    cr_assert_eq(get(zero, 1, &v, 1), 1, "0 itself is minimal");
    cr_assert_eq(v, 0);
}
