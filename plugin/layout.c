/* LsnCollectorFactory's options: which keys are applied-LSN keys and how
 * their values decode. Parsing is strict so that a typo fails loudly at
 * options-parsing time instead of silently matching nothing. */
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "names.h"
#include "varint.h"

#define ERR(...) (snprintf(err, errlen, "LsnCollectorFactory: " __VA_ARGS__), -1)

/* Derives the key matcher from prefix, partition width and suffix: which
 * bytes of the first and last 8 of a key are fixed, and their values, in
 * the machine's own byte order (the key is loaded the same way). */
static void derive_match(lsn_layout_t *l)
{
    lsn_keymatch_t *m = &l->match;
    size_t k = lsn_layout_key_len(l), sfx = k - l->suffix_len;
    uint8_t word[8], mask[8];

    memset(m, 0, sizeof(*m));
    lsn_keymatch_none(m);
    if (k < 8) {
        m->short_len = k; /* not exact: lsn_layout_match_rest compares it all */
        return;
    }
    m->key_len = k;
    for (int half = 0; half < 2; half++) {
        size_t base = half ? k - 8 : 0;
        for (size_t i = 0; i < 8; i++) {
            size_t pos = base + i;
            int in_prefix = pos < l->prefix_len, in_suffix = pos >= sfx;
            word[i] = in_prefix ? l->prefix[pos]
                      : in_suffix ? l->suffix[pos - sfx]
                                  : 0;
            mask[i] = in_prefix || in_suffix ? 0xff : 0;
        }
        memcpy(half ? &m->tail_word : &m->head_word, word, 8);
        memcpy(half ? &m->tail_mask : &m->head_mask, mask, 8);
    }
    /* Fixed bytes between the two words remain to be compared. */
    m->exact = k <= 16 || (l->prefix_len <= 8 && l->suffix_len <= 8);
}

void lsn_layout_init(lsn_layout_t *l)
{
    memset(l, 0, sizeof(*l));
    l->partition_bytes = 8;
    l->format = LSN_FMT_U64BE;
    strcpy(l->property, LSN_DEFAULT_PROPERTY);
    derive_match(l);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_hex(const char *name, const char *v, uint8_t *out,
                     size_t *outlen, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n % 2)
        return ERR("%s: odd number of hex digits: '%s'", name, v);
    if (n / 2 > LSN_AFFIX_MAX)
        return ERR("%s: longer than %d bytes: '%s'", name, LSN_AFFIX_MAX, v);
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(v[i]), lo = hexval(v[i + 1]);
        if (hi < 0 || lo < 0)
            return ERR("%s: not hex: '%s'", name, v);
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *outlen = n / 2;
    return 0;
}

/* Plain decimal without sign, spaces or overflow. */
static int parse_uint(const char *v, uint64_t max, uint64_t *out)
{
    uint64_t r = 0;
    if (!*v)
        return -1;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return -1;
        if (r > (max - (uint64_t)(*v - '0')) / 10)
            return -1;
        r = r * 10 + (uint64_t)(*v - '0');
    }
    *out = r;
    return 0;
}

static const char *const FORMATS[] = {"u64be", "u64le", "varint", "decimal"};

#define L ((lsn_layout_t *)obj)
#define CL ((const lsn_layout_t *)obj)

static int set_prefix(void *obj, const char *v, char *err, size_t errlen)
{
    if (parse_hex("key_prefix", v, L->prefix, &L->prefix_len, err, errlen))
        return -1;
    derive_match(L);
    return 0;
}

static int set_suffix(void *obj, const char *v, char *err, size_t errlen)
{
    if (parse_hex("key_suffix", v, L->suffix, &L->suffix_len, err, errlen))
        return -1;
    derive_match(L);
    return 0;
}

static int set_width(void *obj, const char *v, char *err, size_t errlen)
{
    uint64_t u;
    if (parse_uint(v, 8, &u) || (u != 0 && u != 1 && u != 2 && u != 4 && u != 8))
        return ERR("partition_bytes: must be 0, 1, 2, 4 or 8: '%s'", v);
    L->partition_bytes = (unsigned)u;
    derive_match(L);
    return 0;
}

static int set_format(void *obj, const char *v, char *err, size_t errlen)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(v, FORMATS[i])) {
            L->format = (lsn_format_t)i;
            return 0;
        }
    return ERR("value_format: must be u64be, u64le, varint or decimal: '%s'", v);
}

static int set_offset(void *obj, const char *v, char *err, size_t errlen)
{
    uint64_t u;
    if (parse_uint(v, LSN_VALUE_OFFSET_MAX, &u))
        return ERR("value_offset: not a number from 0 to %d: '%s'",
                   LSN_VALUE_OFFSET_MAX, v);
    L->value_offset = (size_t)u;
    return 0;
}

static int set_property(void *obj, const char *v, char *err, size_t errlen)
{
    if (lsn_property_name_check("LsnCollectorFactory", v, err, errlen))
        return -1;
    strcpy(L->property, v);
    return 0;
}

static void put_hex(const uint8_t *b, size_t n, char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i++) {
        out[k++] = digits[b[i] >> 4];
        out[k++] = digits[b[i] & 15];
    }
    out[k] = 0;
}

static void get_prefix(const void *obj, char *out, size_t n)
{
    put_hex(CL->prefix, CL->prefix_len, out, n);
}

static void get_suffix(const void *obj, char *out, size_t n)
{
    put_hex(CL->suffix, CL->suffix_len, out, n);
}

static void get_width(const void *obj, char *out, size_t n)
{
    snprintf(out, n, "%u", CL->partition_bytes);
}

static void get_format(const void *obj, char *out, size_t n)
{
    snprintf(out, n, "%s", FORMATS[CL->format]);
}

static void get_offset(const void *obj, char *out, size_t n)
{
    snprintf(out, n, "%zu", CL->value_offset);
}

static void get_property(const void *obj, char *out, size_t n)
{
    snprintf(out, n, "%s", CL->property);
}

/* Every option of LsnCollectorFactory: the adapter builds RocksDB's
 * registration, serialization and comparison from this table. */
const lsn_option_t lsn_layout_options[] = {
    {"key_prefix", set_prefix, get_prefix},
    {"partition_bytes", set_width, get_width},
    {"key_suffix", set_suffix, get_suffix},
    {"value_format", set_format, get_format},
    {"value_offset", set_offset, get_offset},
    {"property", set_property, get_property},
    {NULL, NULL, NULL},
};

int lsn_layout_set(lsn_layout_t *l, const char *name, const char *value,
                   char *err, size_t errlen)
{
    const lsn_option_t *o = lsn_option_find(lsn_layout_options, name);
    if (!o)
        return ERR("unknown option: '%s'", name);
    return o->set(l, value, err, errlen);
}

int lsn_layout_check(const lsn_layout_t *l, char *err, size_t errlen)
{
    if (l->prefix_len == 0 && l->suffix_len == 0)
        return ERR("key_prefix, key_suffix: at least one must be set, or "
                   "every key of the column family would count: ''");
    return 0;
}

size_t lsn_layout_key_len(const lsn_layout_t *l)
{
    return l->prefix_len + l->partition_bytes + l->suffix_len;
}

/* Big- and little-endian integers at any address, one load each. */
static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

static inline uint64_t load_be64(const uint8_t *p)
{
    return __builtin_bswap64(load_le64(p));
}

/* A big-endian partition field of 0, 1, 2, 4 or 8 bytes. */
static inline uint64_t load_partition(const uint8_t *p, unsigned width)
{
    uint16_t h;
    uint32_t w;

    switch (width) {
    case 1:
        return p[0];
    case 2:
        memcpy(&h, p, 2);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        h = __builtin_bswap16(h);
#endif
        return h;
    case 4:
        memcpy(&w, p, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        w = __builtin_bswap32(w);
#endif
        return w;
    case 8:
        return load_be64(p);
    default:
        return 0;
    }
}

int lsn_value_decode(lsn_format_t f, const uint8_t *v, size_t n, uint64_t *lsn)
{
    uint64_t r = 0;

    switch (f) {
    case LSN_FMT_U64BE:
        if (n < 8)
            return -1;
        r = load_be64(v);
        break;
    case LSN_FMT_U64LE:
        if (n < 8)
            return -1;
        r = load_le64(v);
        break;
    case LSN_FMT_VARINT:
        /* Bytes after the varint belong to the host (e.g. protobuf).
         * v may be NULL when n is 0, and NULL + 0 is undefined. */
        if (n == 0 || !lsn_varint_get(v, v + n, &r, 0))
            return -1;
        break;
    case LSN_FMT_DECIMAL:
        /* No delimiter exists, so the whole rest must be the number. */
        if (n == 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            unsigned d = (unsigned)v[i] - '0';
            if (d > 9 || r > (UINT64_MAX - d) / 10)
                return -1;
            r = r * 10 + d;
        }
        break;
    default:
        return -1;
    }
    *lsn = r;
    return 0;
}

lsn_match_t lsn_layout_match_rest(const lsn_layout_t *l, const uint8_t *key,
                                  size_t klen, const uint8_t *val, size_t vlen,
                                  uint64_t *partition, uint64_t *lsn)
{
    uint64_t p;

    if (!l->match.exact &&
        (memcmp(key, l->prefix, l->prefix_len) != 0 ||
         memcmp(key + klen - l->suffix_len, l->suffix, l->suffix_len) != 0))
        return LSN_KEY_OTHER;
    p = load_partition(key + l->prefix_len, l->partition_bytes);
    if (vlen < l->value_offset ||
        lsn_value_decode(l->format,
                         vlen > l->value_offset ? val + l->value_offset : NULL,
                         vlen - l->value_offset, lsn) != 0)
        return LSN_KEY_BAD_VALUE;
    *partition = p;
    return LSN_KEY_LSN;
}

lsn_match_t lsn_layout_match(const lsn_layout_t *l, const uint8_t *key,
                             size_t klen, const uint8_t *val, size_t vlen,
                             uint64_t *partition, uint64_t *lsn)
{
    if (!lsn_keymatch_maybe(&l->match, key, klen))
        return LSN_KEY_OTHER;
    return lsn_layout_match_rest(l, key, klen, val, vlen, partition, lsn);
}

/* FNV-1a over every field that decides which keys match and how their
 * values decode (not the property name: a renamed property still holds
 * the same facts). Never 0, which stands for "unknown" (version 1). */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

uint64_t lsn_layout_fingerprint(const lsn_layout_t *l)
{
    uint64_t fields[5] = {l->prefix_len, l->suffix_len, l->partition_bytes,
                          (uint64_t)l->format, l->value_offset};
    uint64_t h = 0xcbf29ce484222325ull;
    uint8_t le[8];

    /* Little endian whatever the machine, so files travel. */
    for (int f = 0; f < 5; f++) {
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(fields[f] >> (8 * i));
        h = fnv(h, le, sizeof le);
    }
    h = fnv(h, l->prefix, l->prefix_len);
    h = fnv(h, l->suffix, l->suffix_len);
    return h ? h : 1;
}

