/* The property format (versions 1 and 2), the layout fingerprint, and the
 * accumulator. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "property.h"

#define FP 0x0807060504030201ull

static uint8_t *encode(const lsn_entry_t *e, size_t n, size_t *len)
{
    uint8_t *buf = malloc(lsn_prop_bound(n));
    *len = lsn_prop_encode(FP, e, n, buf);
    return buf;
}

static int decode(const uint8_t *buf, size_t len, lsn_entry_t **e, size_t *n)
{
    lsn_prop_t p;
    int rc = lsn_prop_decode(buf, len, &p);
    if (rc == LSN_TRACKER_OK) {
        *e = p.entries;
        *n = p.n;
    }
    return rc;
}

static void round_trip(size_t n, uint64_t stride, uint64_t first)
{
    lsn_entry_t *e = malloc((n ? n : 1) * sizeof(*e)), *d = NULL;
    size_t len, m;
    for (size_t i = 0; i < n; i++) {
        e[i].partition = first + i * stride;
        e[i].lsn = (uint64_t)i * 7919u + (i % 3 ? 0 : UINT64_MAX / 2);
    }
    uint8_t *buf = encode(e, n, &len);
    cr_assert_eq(decode(buf, len, &d, &m), LSN_TRACKER_OK);
    cr_assert_eq(m, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(d[i].partition, e[i].partition);
        cr_assert_eq(d[i].lsn, e[i].lsn);
    }
    free(d);
    free(buf);
    free(e);
}

Test(property, round_trips)
{
    round_trip(0, 1, 0);
    round_trip(1, 1, 0);
    round_trip(1, 1, UINT64_MAX);
    round_trip(1000, 1, 0);          /* dense */
    round_trip(1000, 1000003, 17);   /* sparse */
    round_trip(100000, 1, 5);
    round_trip(100000, 184467440737095ull, 0); /* spans the id space */
}

Test(property, exact_bytes)
{
    lsn_entry_t e[] = {{3, 1}, {5, 300}};
    size_t len;
    uint8_t *buf = encode(e, 2, &len);
    const uint8_t want[] = {0x02, 1, 2, 3, 4, 5, 6, 7, 8,
                            0x02, 0x03, 0x01, 0x02, 0xac, 0x02};
    lsn_prop_t p;
    cr_assert_eq(len, sizeof want);
    cr_assert_arr_eq(buf, want, len);
    cr_assert_eq(lsn_prop_decode(buf, len, &p), LSN_TRACKER_OK);
    cr_assert_eq(p.version, 2);
    cr_assert_eq(p.fingerprint, FP);
    free(p.entries);
    free(buf);
}

Test(property, version_1_is_still_read)
{
    /* As 0.1 wrote it: no fingerprint, which reads as 0 (unknown). */
    const uint8_t v1[] = {0x01, 0x02, 0x03, 0x01, 0x02, 0xac, 0x02};
    lsn_prop_t p;
    cr_assert_eq(lsn_prop_decode(v1, sizeof v1, &p), LSN_TRACKER_OK);
    cr_assert_eq(p.version, 1);
    cr_assert_eq(p.fingerprint, 0);
    cr_assert_eq(p.n, 2);
    cr_assert_eq(p.entries[1].partition, 5);
    cr_assert_eq(p.entries[1].lsn, 300);
    free(p.entries);
}

static void rejects(const char *why, const uint8_t *buf, size_t len)
{
    lsn_entry_t *d = (lsn_entry_t *)1;
    size_t n = 12345;
    cr_assert_eq(decode(buf, len, &d, &n), LSN_TRACKER_ECORRUPT,
                 "accepted: %s", why);
    cr_assert_eq(n, 12345, "touched output: %s", why);
}

Test(property, rejects_malformed)
{
    rejects("empty", (const uint8_t *)"", 0);
    rejects("version only", (const uint8_t *)"\x01", 1);
    rejects("version 2 without its fingerprint", (const uint8_t[]){0x02, 0x00},
            2);
    rejects("version 2, truncated fingerprint",
            (const uint8_t[]){0x02, 1, 2, 3, 4, 5, 6, 7, 8}, 9);
    rejects("version 3", (const uint8_t[]){0x03, 1, 2, 3, 4, 5, 6, 7, 8, 0}, 10);
    rejects("version 0", (const uint8_t[]){0x00, 0x00}, 2);
    rejects("truncated count", (const uint8_t[]){0x01, 0x80}, 2);
    rejects("count without entries", (const uint8_t[]){0x01, 0x01}, 2);
    rejects("truncated lsn", (const uint8_t[]){0x01, 0x01, 0x00}, 3);
    rejects("truncated lsn varint", (const uint8_t[]){0x01, 0x01, 0x00, 0x80},
            4);
    rejects("trailing byte", (const uint8_t[]){0x01, 0x01, 0x00, 0x05, 0x00},
            5);
    rejects("unsorted (zero delta)",
            (const uint8_t[]){0x01, 0x02, 0x04, 0x01, 0x00, 0x02}, 6);
    rejects("partition overflow",
            (const uint8_t[]){0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0x01, 0x01, 0x01, 0x01},
            15);
    rejects("lsn overflow",
            (const uint8_t[]){0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0x02},
            13);
    rejects("non-minimal varint", (const uint8_t[]){0x01, 0x01, 0x80, 0x00, 0x05},
            5);
    rejects("count larger than the bytes",
            (const uint8_t[]){0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00},
            8);
    rejects("foreign text", (const uint8_t *)"hello world", 11);
}

Test(property, bad_values_counter)
{
    uint64_t c;
    cr_assert_eq(lsn_prop_decode_count((const uint8_t *)"\x05", 1, &c), 0);
    cr_assert_eq(c, 5);
    cr_assert_neq(lsn_prop_decode_count((const uint8_t *)"\x05\x00", 2, &c), 0);
    cr_assert_neq(lsn_prop_decode_count((const uint8_t *)"", 0, &c), 0);
    cr_assert_neq(lsn_prop_decode_count((const uint8_t *)"\x85", 1, &c), 0);
}

Test(property, size_per_partition)
{
    /* 10 000 dense partitions, LSNs below 2^35: 1 + 5 bytes each, plus
     * an 11-byte header. */
    size_t n = 10000, len;
    lsn_entry_t *e = malloc(n * sizeof(*e));
    for (size_t i = 0; i < n; i++)
        e[i] = (lsn_entry_t){i, 30000000000ull + i};
    uint8_t *buf = encode(e, n, &len);
    cr_assert_leq(len, 8 * n);
    free(buf);
    free(e);
}

static lsn_accum_t *accum(void)
{
    lsn_layout_t l;
    char err[256];
    lsn_layout_init(&l);
    cr_assert_eq(lsn_layout_set(&l, "key_prefix", "4c", err, sizeof err), 0);
    return lsn_accum_new(&l);
}

static void add(lsn_accum_t *a, uint64_t p, uint64_t lsn)
{
    uint8_t k[9] = {'L'}, v[8];
    for (int i = 0; i < 8; i++) {
        k[1 + i] = (uint8_t)(p >> (56 - 8 * i));
        v[i] = (uint8_t)(lsn >> (56 - 8 * i));
    }
    cr_assert_eq(lsn_accum_add(a, k, 9, v, 8), 0);
}

Test(accum, max_per_partition_sorted)
{
    lsn_accum_t *a = accum();
    lsn_entry_t *d = NULL;
    uint8_t *buf;
    size_t len, n;
    for (uint64_t r = 0; r < 3; r++)
        for (uint64_t p = 5000; p-- > 0;)
            add(a, p * 3, 100 * p + (r == 1 ? 50 : r));
    add(a, 6, 0); /* lower: ignored */
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"Lshort", 6,
                               (const uint8_t *)"x", 1), 0);
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"L\0\0\0\0\0\0\0\x01", 9,
                               (const uint8_t *)"x", 1), 0);
    cr_assert_eq(lsn_accum_count(a), 5000);
    cr_assert_eq(lsn_accum_bad_values(a), 1);
    cr_assert_eq(lsn_accum_encode(a, &buf, &len), LSN_TRACKER_OK);
    cr_assert_eq(decode(buf, len, &d, &n), LSN_TRACKER_OK);
    cr_assert_eq(n, 5000);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(d[i].partition, i * 3);
        cr_assert_eq(d[i].lsn, 100 * i + 50);
    }
    free(d);
    free(buf);
    lsn_accum_free(a);
}

Test(accum, empty_file_encodes_empty_map)
{
    lsn_accum_t *a = accum();
    uint8_t *buf;
    size_t len;
    cr_assert_eq(lsn_accum_encode(a, &buf, &len), LSN_TRACKER_OK);
    cr_assert_eq(len, 10);
    cr_assert_eq(buf[0], 2);
    cr_assert_eq(buf[9], 0);
    free(buf);
    lsn_accum_free(a);
}

static uint64_t fingerprint_of(const char *name, const char *value)
{
    lsn_layout_t l;
    char err[256];
    lsn_layout_init(&l);
    cr_assert_eq(lsn_layout_set(&l, "key_prefix", "4c", err, sizeof err), 0);
    if (name)
        cr_assert_eq(lsn_layout_set(&l, name, value, err, sizeof err), 0, "%s",
                     err);
    return lsn_layout_fingerprint(&l);
}

Test(layout, fingerprint_tells_layouts_apart)
{
    uint64_t base = fingerprint_of(NULL, NULL);
    const char *const changes[][2] = {
        {"key_prefix", "4d"},     {"key_prefix", "4c00"},
        {"key_suffix", "00"},     {"partition_bytes", "4"},
        {"value_format", "u64le"}, {"value_format", "varint"},
        {"value_offset", "1"}};
    cr_assert_neq(base, 0);
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
        cr_assert_neq(fingerprint_of(changes[i][0], changes[i][1]), base,
                      "%s=%s", changes[i][0], changes[i][1]);
    /* The property name is not part of the layout. */
    cr_assert_eq(fingerprint_of("property", "other.name"), base);
    /* Prefix and suffix bytes are not confused with each other. */
    cr_assert_neq(fingerprint_of("key_suffix", "4c"),
                  fingerprint_of("key_prefix", "4c4c"));
}
