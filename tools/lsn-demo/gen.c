/* The workload: which partition a record goes to and what it carries are
 * functions of its LSN, so a checker can tell what applying every record
 * exactly once must have produced. */
#include <string.h>

#include "demo.h"

uint64_t demo_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

unsigned demo_partition_of(uint64_t lsn, unsigned partitions)
{
    /* Skewed on purpose: partition 0 is busy, the last ones are quiet. */
    uint64_t h = demo_mix(lsn);
    unsigned p = (unsigned)(h % partitions);
    return (h >> 40) & 1 ? p : (unsigned)((h >> 20) % (p + 1));
}

uint32_t demo_payload_of(uint64_t lsn, uint8_t *out)
{
    uint64_t h = demo_mix(lsn);
    uint32_t len = 8 + (uint32_t)(h % (DEMO_MAX_PAYLOAD - 7));

    for (uint32_t i = 0; i < len; i += 8) {
        uint64_t w = demo_mix(h + i);
        memcpy(out + i, &w, len - i < 8 ? len - i : 8);
    }
    return len;
}

uint64_t demo_digest(uint64_t lsn, const uint8_t *payload, uint32_t len)
{
    uint64_t w = 0;
    memcpy(&w, payload, len < 8 ? len : 8);
    return demo_mix(lsn ^ w);
}

uint64_t demo_digest_of(uint64_t lsn)
{
    /* The first payload word is demo_mix(demo_mix(lsn) + 0). */
    return demo_mix(lsn ^ demo_mix(demo_mix(lsn)));
}
