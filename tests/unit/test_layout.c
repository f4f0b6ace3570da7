/* The layout module: LsnCollectorFactory's options, key matching, value
 * decoding and the layout fingerprint. */
#include <criterion/criterion.h>
#include <string.h>

#include "layout.h"

static lsn_layout_t layout(const char *const *kv)
{
    lsn_layout_t l;
    char err[256];
    lsn_layout_init(&l);
    for (; *kv; kv += 2)
        cr_assert_eq(lsn_layout_set(&l, kv[0], kv[1], err, sizeof err), 0,
                     "%s=%s: %s", kv[0], kv[1], err);
    cr_assert_eq(lsn_layout_check(&l, err, sizeof err), 0, "%s", err);
    return l;
}

static lsn_match_t match(const lsn_layout_t *l, const char *k, size_t kl,
                         const char *v, size_t vl, uint64_t *p, uint64_t *lsn)
{
    return lsn_layout_match(l, (const uint8_t *)k, kl, (const uint8_t *)v, vl,
                            p, lsn);
}

static const char V1[8] = {0, 0, 0, 0, 0, 0, 0, 7};

Test(layout, prefix_only)
{
    lsn_layout_t l = layout((const char *const[]){"key_prefix", "6673", 0});
    uint64_t p, lsn;
    cr_assert_eq(match(&l, "fs\0\0\0\0\0\0\0\x05", 10, V1, 8, &p, &lsn),
                 LSN_KEY_LSN);
    cr_assert_eq(p, 5);
    cr_assert_eq(lsn, 7);
    /* One byte too long, one too short, wrong prefix. */
    cr_assert_eq(match(&l, "fs\0\0\0\0\0\0\0\x05x", 11, V1, 8, &p, &lsn),
                 LSN_KEY_OTHER);
    cr_assert_eq(match(&l, "fs\0\0\0\0\0\0\0", 9, V1, 8, &p, &lsn),
                 LSN_KEY_OTHER);
    cr_assert_eq(match(&l, "fx\0\0\0\0\0\0\0\x05", 10, V1, 8, &p, &lsn),
                 LSN_KEY_OTHER);
}

Test(layout, suffix_only)
{
    lsn_layout_t l = layout((const char *const[]){
        "key_suffix", "ff", "partition_bytes", "2", 0});
    uint64_t p, lsn;
    cr_assert_eq(match(&l, "\x01\x02\xff", 3, V1, 8, &p, &lsn), LSN_KEY_LSN);
    cr_assert_eq(p, 0x0102);
    cr_assert_eq(match(&l, "\x01\x02\xfe", 3, V1, 8, &p, &lsn), LSN_KEY_OTHER);
    cr_assert_eq(match(&l, "\x01\x02\x03\xff", 4, V1, 8, &p, &lsn),
                 LSN_KEY_OTHER);
    cr_assert_eq(match(&l, "\x01\xff", 2, V1, 8, &p, &lsn), LSN_KEY_OTHER);
}

Test(layout, prefix_and_suffix)
{
    lsn_layout_t l = layout((const char *const[]){
        "key_prefix", "6673", "key_suffix", "0000000000000002", 0});
    uint64_t p, lsn;
    char k[18] = "fs\x01\x02\x03\x04\x05\x06\x07\x08";
    memcpy(k + 10, "\0\0\0\0\0\0\0\x02", 8);
    cr_assert_eq(match(&l, k, 18, V1, 8, &p, &lsn), LSN_KEY_LSN);
    cr_assert_eq(p, 0x0102030405060708ull);
    k[17] = 3; /* another state id */
    cr_assert_eq(match(&l, k, 18, V1, 8, &p, &lsn), LSN_KEY_OTHER);
    cr_assert_eq(match(&l, k, 17, V1, 8, &p, &lsn), LSN_KEY_OTHER);
}

Test(layout, every_partition_width)
{
    static const char *widths[] = {"0", "1", "2", "4", "8"};
    for (int w = 0; w < 5; w++) {
        lsn_layout_t l = layout((const char *const[]){
            "key_prefix", "aa", "partition_bytes", widths[w], 0});
        unsigned n = (unsigned)atoi(widths[w]);
        char k[16];
        uint64_t p = 99, lsn, want = 0;
        k[0] = (char)0xaa;
        for (unsigned i = 0; i < n; i++) {
            k[1 + i] = (char)(0xf0 + i);
            want = want << 8 | (uint8_t)(0xf0 + i);
        }
        cr_assert_eq(match(&l, k, 1 + n, V1, 8, &p, &lsn), LSN_KEY_LSN,
                     "width %u", n);
        cr_assert_eq(p, want, "width %u", n);
        k[1 + n] = 0;
        cr_assert_eq(match(&l, k, 2 + n, V1, 8, &p, &lsn), LSN_KEY_OTHER);
        if (n)
            cr_assert_eq(match(&l, k, n, V1, 8, &p, &lsn), LSN_KEY_OTHER);
    }
}

static int dec(lsn_format_t f, const char *v, size_t n, uint64_t *out)
{
    return lsn_value_decode(f, (const uint8_t *)v, n, out);
}

Test(values, u64be_and_u64le)
{
    uint64_t v;
    cr_assert_eq(dec(LSN_FMT_U64BE, "\0\0\0\0\0\0\0\0", 8, &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(dec(LSN_FMT_U64BE, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, &v),
                 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(dec(LSN_FMT_U64BE, "\x01\0\0\0\0\0\0\x02", 8, &v), 0);
    cr_assert_eq(v, 0x0100000000000002ull);
    cr_assert_eq(dec(LSN_FMT_U64LE, "\x01\0\0\0\0\0\0\x02", 8, &v), 0);
    cr_assert_eq(v, 0x0200000000000001ull);
    cr_assert_eq(dec(LSN_FMT_U64LE, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, &v),
                 0);
    cr_assert_eq(v, UINT64_MAX);
    /* Too short; trailing bytes belong to the host. */
    cr_assert_neq(dec(LSN_FMT_U64BE, "\0\0\0\0\0\0\x01", 7, &v), 0);
    cr_assert_neq(dec(LSN_FMT_U64LE, "", 0, &v), 0);
    cr_assert_eq(dec(LSN_FMT_U64BE, "\0\0\0\0\0\0\0\x09tail", 12, &v), 0);
    cr_assert_eq(v, 9);
}

Test(values, varint)
{
    uint64_t v;
    cr_assert_eq(dec(LSN_FMT_VARINT, "\x00", 1, &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(dec(LSN_FMT_VARINT, "\xac\x02", 2, &v), 0);
    cr_assert_eq(v, 300);
    cr_assert_eq(dec(LSN_FMT_VARINT,
                     "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    /* Overflow: a tenth byte above 1, or an eleventh byte. */
    cr_assert_neq(dec(LSN_FMT_VARINT,
                      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, &v), 0);
    cr_assert_neq(dec(LSN_FMT_VARINT,
                      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00", 11, &v),
                  0);
    /* Truncated, empty. */
    cr_assert_neq(dec(LSN_FMT_VARINT, "\x80", 1, &v), 0);
    cr_assert_neq(dec(LSN_FMT_VARINT, "", 0, &v), 0);
    /* More protobuf fields may follow. */
    cr_assert_eq(dec(LSN_FMT_VARINT, "\x05\x10\x01", 3, &v), 0);
    cr_assert_eq(v, 5);
}

Test(values, decimal)
{
    uint64_t v;
    cr_assert_eq(dec(LSN_FMT_DECIMAL, "0", 1, &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(dec(LSN_FMT_DECIMAL, "18446744073709551615", 20, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(dec(LSN_FMT_DECIMAL, "007", 3, &v), 0);
    cr_assert_eq(v, 7);
    cr_assert_neq(dec(LSN_FMT_DECIMAL, "18446744073709551616", 20, &v), 0);
    cr_assert_neq(dec(LSN_FMT_DECIMAL, "99999999999999999999", 20, &v), 0);
    cr_assert_neq(dec(LSN_FMT_DECIMAL, "12a", 3, &v), 0);
    cr_assert_neq(dec(LSN_FMT_DECIMAL, "-1", 2, &v), 0);
    cr_assert_neq(dec(LSN_FMT_DECIMAL, " 1", 2, &v), 0);
    cr_assert_neq(dec(LSN_FMT_DECIMAL, "", 0, &v), 0);
}

Test(values, offset_skips_and_short_values_are_bad)
{
    lsn_layout_t l = layout((const char *const[]){
        "key_prefix", "4c", "partition_bytes", "0", "value_format", "varint",
        "value_offset", "2", 0});
    uint64_t p, lsn;
    cr_assert_eq(match(&l, "L", 1, "\x01\x08\x2a", 3, &p, &lsn), LSN_KEY_LSN);
    cr_assert_eq(p, 0);
    cr_assert_eq(lsn, 42);
    cr_assert_eq(match(&l, "L", 1, "\x01\x08", 2, &p, &lsn), LSN_KEY_BAD_VALUE);
    cr_assert_eq(match(&l, "L", 1, "\x01", 1, &p, &lsn), LSN_KEY_BAD_VALUE);
    cr_assert_eq(match(&l, "L", 1, "", 0, &p, &lsn), LSN_KEY_BAD_VALUE);
    lsn_layout_t l0 = layout((const char *const[]){
        "key_prefix", "4c", "partition_bytes", "0", 0});
    cr_assert_eq(match(&l0, "L", 1, "\0\0\0\0\0\0\0", 7, &p, &lsn),
                 LSN_KEY_BAD_VALUE);
}

Test(options, bad_values_name_option_and_value)
{
    static const char *bad[][3] = {
        {"key_prefix", "abc", "key_prefix: odd number of hex digits: 'abc'"},
        {"key_prefix", "zz", "key_prefix: not hex: 'zz'"},
        {"key_suffix", "0g", "key_suffix: not hex: '0g'"},
        {"partition_bytes", "3", "partition_bytes: must be 0, 1, 2, 4 or 8: '3'"},
        {"partition_bytes", "16", "partition_bytes"},
        {"partition_bytes", "-8", "'-8'"},
        {"partition_bytes", "", "partition_bytes"},
        {"value_format", "protobuf", "value_format: must be u64be, u64le, "
                                     "varint or decimal: 'protobuf'"},
        {"value_offset", "x", "value_offset: not a number"},
        {"value_offset", "99999999999999999999999", "value_offset"},
        {"value_offset", "65537", "value_offset"},
        {"property", "", "property"},
        {"property", "a;b", "'a;b'"},
        {"nonsense", "1", "unknown option: 'nonsense'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lsn_layout_t l;
        char err[512];
        lsn_layout_init(&l);
        cr_assert_eq(lsn_layout_set(&l, bad[i][0], bad[i][1], err, sizeof err),
                     -1, "%s=%s accepted", bad[i][0], bad[i][1]);
        cr_assert(strstr(err, "LsnCollectorFactory: ") == err, "%s", err);
        cr_assert_not_null(strstr(err, bad[i][2]), "%s lacks %s", err,
                           bad[i][2]);
    }
}

Test(options, prefix_or_suffix_required)
{
    lsn_layout_t l;
    char err[512];
    lsn_layout_init(&l);
    cr_assert_eq(lsn_layout_check(&l, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "key_prefix"));
    cr_assert_eq(lsn_layout_set(&l, "key_suffix", "AB", err, sizeof err), 0);
    cr_assert_eq(lsn_layout_check(&l, err, sizeof err), 0);
    cr_assert_eq(l.suffix[0], 0xab);
}

/* fuzz_layout: a value exactly value_offset bytes long left nothing to
 * decode, and the varint decoder was handed a null pointer plus zero
 * (undefined behaviour, reported by UBSan). It must simply be bad. */
Test(fuzz_regressions, varint_value_no_longer_than_its_offset)
{
    lsn_layout_t l;
    char err[256];
    const uint8_t key[] = {'L', 0, 0, 0, 0, 0, 0, 0, 7};
    const uint8_t val[] = {0x01, 0x08};
    uint64_t p = 0, lsn = 0;

    lsn_layout_init(&l);
    cr_assert_eq(lsn_layout_set(&l, "key_prefix", "4c", err, sizeof err), 0);
    cr_assert_eq(lsn_layout_set(&l, "value_format", "varint", err, sizeof err),
                 0);
    cr_assert_eq(lsn_layout_set(&l, "value_offset", "2", err, sizeof err), 0);
    cr_assert_eq(lsn_layout_match(&l, key, sizeof key, val, sizeof val, &p,
                                  &lsn),
                 LSN_KEY_BAD_VALUE);
    cr_assert_eq(lsn_layout_match(&l, key, sizeof key, val, 1, &p, &lsn),
                 LSN_KEY_BAD_VALUE);
    for (int f = LSN_FMT_U64BE; f <= LSN_FMT_DECIMAL; f++)
        cr_assert_neq(lsn_value_decode((lsn_format_t)f, NULL, 0, &lsn), 0,
                      "format %d decoded nothing", f);
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
