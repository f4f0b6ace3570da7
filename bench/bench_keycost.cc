// Instructions per call, counted by callgrind: what a table-properties
// collector costs per key, by kind of key, ours beside RocksDB's
// CompactOnDeletionCollector, and what one lsn_tracker_get costs.
//
// Both collectors are made the way RocksDB makes them: their factories
// come from RocksDB's ObjectLibrary by options string (ours registered
// by liblsn_tracker.so when it loaded), then CreateTablePropertiesCollector
// and AddUserKey through the TablePropertiesCollector interface, N times
// per section. The keys are db_bench's: the key number as 8 big-endian
// bytes, then ASCII '0's. Our layout is the one bench/db_bench_instr.sh
// gives db_bench (key_prefix=00000000000000;partition_bytes=1;
// key_suffix=3030303030303030;value_format=u64le), so
//   match         keys 0..255: applied-LSN keys, 16 bytes
//   same-length   keys >= 256: 16 bytes, not applied-LSN keys (db_bench's
//                 common case, and the hard one: the length matches)
//   other-length  24-byte keys
// Each section is bracketed by callgrind client requests (zero, then dump
// with the section's name), so each gets a file of its own; run it with
//   valgrind --tool=callgrind --callgrind-out-file=F bench_keycost
// or through bench/keycost.sh, which divides the inclusive cost of each
// AddUserKey (and lsn_tracker_get) by its number of calls. Without
// valgrind it runs the same code and counts nothing.
//
// Options: --n N (calls per section, default 100000), --partitions P
// (tracker size for the get sections, default 100000), --collectors-only
// (no get sections: to measure, by LD_PRELOAD, a library from before
// lsn_tracker_cf existed).
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/convenience.h>
#include <rocksdb/table_properties.h>

#include "lsn_tracker.h"

#if defined(__has_include) && __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SECTION_BEGIN() CALLGRIND_ZERO_STATS
#define SECTION_END(name) CALLGRIND_DUMP_STATS_AT(name)
#define UNDER_CALLGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define SECTION_BEGIN() ((void)0)
#define SECTION_END(name) ((void)(name))
#define UNDER_CALLGRIND() 0
#endif

using namespace ROCKSDB_NAMESPACE;

namespace {

const char *const kLsnFactory =
    "id=LsnCollectorFactory;key_prefix=00000000000000;partition_bytes=1;"
    "key_suffix=3030303030303030;value_format=u64le";
const char *const kCodFactory =
    "id=CompactOnDeletionCollector;window_size=128;deletion_trigger=64";

enum Kind { kMatch, kSameLength, kOtherLength, kKinds };
const char *const kKindName[kKinds] = {"match", "same-length",
                                       "other-length"};

struct Keys {
    std::vector<char> bytes;
    std::vector<Slice> keys, values;
};

uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

// n keys of one kind with their values: the LSN, u64le, then 8 more bytes.
Keys MakeKeys(Kind kind, size_t n)
{
    const size_t klen = kind == kOtherLength ? 24 : 16, vlen = 16;
    Keys k;
    uint64_t s = 42 + (uint64_t)kind;
    k.bytes.resize(n * (klen + vlen));
    char *p = k.bytes.data();
    for (size_t i = 0; i < n; i++) {
        uint64_t num = kind == kMatch ? i % 256
                                      : 256 + xorshift(&s) % (1u << 24);
        uint64_t lsn = 1000 + i;
        char *key = p, *val = p + klen;
        for (int b = 0; b < 8; b++)
            key[b] = (char)(num >> (56 - 8 * b));
        memset(key + 8, '0', klen - 8);
        for (int b = 0; b < 8; b++)
            val[b] = (char)(lsn >> (8 * b));
        memset(val + 8, 'v', vlen - 8);
        k.keys.emplace_back(key, klen);
        k.values.emplace_back(val, vlen);
        p += klen + vlen;
    }
    return k;
}

// As RocksDB's table builder calls it: through the interface, each Put.
__attribute__((noinline)) void Drive(TablePropertiesCollector *c,
                                     const Keys &k)
{
    for (size_t i = 0; i < k.keys.size(); i++) {
        Status s = c->AddUserKey(k.keys[i], k.values[i], kEntryPut, i + 1,
                                 i * 128);
        s.PermitUncheckedError();
    }
}

std::shared_ptr<TablePropertiesCollectorFactory> Factory(const char *spec)
{
    ConfigOptions config;
    std::shared_ptr<TablePropertiesCollectorFactory> f;
    Status s = TablePropertiesCollectorFactory::CreateFromString(config, spec,
                                                                 &f);
    if (!s.ok() || !f) {
        fprintf(stderr, "bench_keycost: %s: %s\n", spec,
                s.ToString().c_str());
        exit(2);
    }
    return f;
}

long Arg(int argc, char **argv, const char *name, long def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return strtol(argv[i + 1], nullptr, 0);
    return def;
}

volatile uint64_t sink;

__attribute__((noinline)) void GetByName(const lsn_tracker_t *t,
                                         const std::vector<uint64_t> &parts)
{
    uint64_t acc = 0, v = 0;
    for (uint64_t p : parts) {
        lsn_tracker_get(t, nullptr, p, &v);
        acc += v;
    }
    sink = acc;
}

__attribute__((noinline)) void GetByHandle(const lsn_tracker_cf_t *h,
                                           const std::vector<uint64_t> &parts)
{
    uint64_t acc = 0, v = 0;
    for (uint64_t p : parts) {
        lsn_tracker_cf_get(h, p, &v);
        acc += v;
    }
    sink = acc;
}

} // namespace

int main(int argc, char **argv)
{
    const size_t n = (size_t)Arg(argc, argv, "--n", 100000);
    const uint64_t partitions = (uint64_t)Arg(argc, argv, "--partitions",
                                              100000);
    if (n < 256 || partitions < 1) {
        fprintf(stderr, "bench_keycost: --n must be >= 256, --partitions >= 1\n");
        return 2;
    }
    bool collectors_only = false;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--collectors-only"))
            collectors_only = true;
    lsn_tracker_register();
    printf("# bench_keycost: instructions per call, by callgrind\n"
           "# n=%zu calls per section; ",
           n);
    if (collectors_only)
        printf("no get sections; ");
    else
        printf("partitions=%" PRIu64 " for the get sections; ", partitions);
    printf("%s\n", UNDER_CALLGRIND() ? "under callgrind"
                                     : "not under callgrind: nothing is counted");

    struct Side {
        const char *name, *spec;
    } sides[] = {{"lsn", kLsnFactory}, {"cod", kCodFactory}};
    Keys keys[kKinds];
    for (int k = 0; k < kKinds; k++)
        keys[k] = MakeKeys((Kind)k, n);

    for (const Side &side : sides) {
        auto f = Factory(side.spec);
        for (int k = 0; k < kKinds; k++) {
            TablePropertiesCollectorFactory::Context ctx;
            ctx.column_family_id = 0;
            ctx.level_at_creation = 0;
            std::unique_ptr<TablePropertiesCollector> c(
                f->CreateTablePropertiesCollector(ctx));
            std::string section = std::string("collector ") + side.name +
                                  " " + kKindName[k];
            SECTION_BEGIN();
            Drive(c.get(), keys[k]);
            SECTION_END(section.c_str());
            UserCollectedProperties props;
            Status s = c->Finish(&props);
            s.PermitUncheckedError();
            std::string readable;
            for (const auto &kv : c->GetReadableProperties())
                readable += " " + kv.first + "=" + kv.second;
            printf("%s:%s\n", section.c_str(), readable.c_str());
            // Our collector must have seen exactly the 256 matching keys.
            if (!strcmp(side.name, "lsn") &&
                readable.find(k == kMatch ? "partitions=256 "
                                          : "partitions=0 ") ==
                    std::string::npos) {
                fprintf(stderr, "bench_keycost: unexpected matches\n");
                return 1;
            }
        }
    }

    if (collectors_only)
        return 0;

    lsn_tracker_t *t = lsn_tracker_open("bench-keycost");
    lsn_tracker_cf_t *h = nullptr;
    if (!t || lsn_tracker_cf(t, nullptr, &h) != LSN_TRACKER_OK) {
        fprintf(stderr, "bench_keycost: tracker setup failed\n");
        return 2;
    }
    for (uint64_t p = 0; p < partitions; p++)
        if (lsn_tracker_seed(t, nullptr, p, 1000 + p) != LSN_TRACKER_OK) {
            fprintf(stderr, "bench_keycost: seed failed\n");
            return 2;
        }
    std::vector<uint64_t> parts(n);
    uint64_t s = 0x1234567;
    for (auto &p : parts)
        p = xorshift(&s) % partitions;
    SECTION_BEGIN();
    GetByName(t, parts);
    SECTION_END("get by name");
    SECTION_BEGIN();
    GetByHandle(h, parts);
    SECTION_END("get by handle");
    printf("get: %zu lookups each way over %" PRIu64 " partitions\n", n,
           partitions);
    lsn_tracker_close(t);
    return 0;
}
