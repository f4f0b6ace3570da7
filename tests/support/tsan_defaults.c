/* Linked into every executable of a ThreadSanitizer build (see
 * cmake/Sanitizers.cmake); nothing here is part of the library. */
#include <stdint.h>
#include <stdlib.h>

/* halt_on_error: a race must fail the test that hit it. Criterion reports
 * a test's result before its process exits, so TSan's default (report,
 * then exit 66 at the end) would let every test pass.
 *
 * ignore_noninstrumented_modules: Debian's librocksdb is not instrumented,
 * so TSan sees none of its atomics and static-initialisation guards, only
 * the libc calls it makes (memcmp, new, pthread_mutex_lock, ...). Races
 * "found" through those calls alone, such as two threads opening DBs at
 * once, are noise about RocksDB's internals. With this flag such calls are
 * not checked for races; their locking still counts, and every access made
 * by our own code, including callbacks on RocksDB's threads, still is. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "halt_on_error=1:second_deadlock_stack=1:"
           "ignore_noninstrumented_modules=1";
}

/* Criterion's runner (BoxFort) maps a shared arena at an address drawn with
 * rand_r() from [0x200000000000, 0x600000000000) and gives up after a few
 * draws that land on mapped memory. Under TSan almost all of that range is
 * shadow or reserved, so every test binary aborted before its first test.
 * This rand_r() steers the draws into TSan's application range for PIE
 * binaries (0x550000000000-0x568000000000), above where the kernel puts
 * the executable itself. Nothing else in these programs calls rand_r(). */
#define ARENA_BASE 0x200000000000ull /* BoxFort's first candidate */
#define ARENA_STEP 24                /* candidates are 16 MiB apart */
#define APP_FREE 0x567000000000ull   /* free, inside TSan's PIE range */

int rand_r(unsigned *seed)
{
    static unsigned next;
    (void)seed;
    return (int)(((APP_FREE - ARENA_BASE) >> ARENA_STEP) +
                 __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED));
}
