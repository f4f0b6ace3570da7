#define _GNU_SOURCE
#include "bench_util.h"

#include "scratch.h"
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_double);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

double bench_median(const double *v, size_t n)
{
    double *c = malloc((n ? n : 1) * sizeof(*c));
    if (!c)
        bench_die("out of memory");
    memcpy(c, v, n * sizeof(*c));
    double m;
    qsort(c, n, sizeof(*c), cmp_double);
    if (n == 0)
        m = 0;
    else if (n % 2)
        m = c[n / 2];
    else
        m = (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

void bench_check(char *err, const char *what)
{
    if (err)
        bench_die("%s: %s", what, err);
}

char *bench_tmpdir(const char *tag)
{
    char *d = lsn_scratch_make("lsnb-", tag);
    if (!d)
        bench_die("mkdtemp for %s failed", tag);
    return d;
}

void bench_rmdir(char *dir)
{
    lsn_scratch_remove(dir);
    free(dir);
}

uint64_t bench_rss_bytes(void)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t bench_heap_bytes(void)
{
    struct mallinfo2 m = mallinfo2();
    return (uint64_t)m.uordblks + (uint64_t)m.hblkhd;
}

void bench_print_machine(const char *program)
{
    char model[256] = "unknown", line[512];
    struct utsname u;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                char *p = strchr(line, ':');
                if (p) {
                    snprintf(model, sizeof model, "%s", p + 2);
                    model[strcspn(model, "\n")] = 0;
                }
                break;
            }
        fclose(f);
    }
    double load[3] = {-1, -1, -1};
    uname(&u);
    /* What else the machine was doing: timings on a shared machine are
     * read in its light. */
    if (getloadavg(load, 3) != 3)
        load[0] = load[1] = load[2] = -1;
    printf("# %s\n# machine: %ld cores online, CPU \"%s\", %s %s; load "
           "average %.2f %.2f %.2f at start\n"
           "# rocksdb: %s (headers; shared library)\n",
           program, sysconf(_SC_NPROCESSORS_ONLN), model, u.sysname,
           u.release, load[0], load[1], load[2], BENCH_ROCKSDB_VERSION);
}

int bench_quick(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--quick"))
            return 1;
    return 0;
}

long bench_arg(int argc, char **argv, const char *name, long def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return strtol(argv[i + 1], NULL, 0);
    return def;
}

int bench_list(int argc, char **argv, const char *name, uint64_t *out,
               int max)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], name))
            continue;
        int n = 0;
        for (char *p = argv[i + 1], *end; *p; p = end) {
            if (n == max)
                bench_die("%s: at most %d values", name, max);
            out[n] = strtoull(p, &end, 10);
            if (end == p || !out[n] || (*end && *end != ','))
                bench_die("%s: comma-separated positive integers", name);
            n++;
            if (*end == ',')
                end++;
        }
        return n;
    }
    return 0;
}

rocksdb_options_t *bench_options(const char *opts)
{
    rocksdb_options_t *base = rocksdb_options_create();
    rocksdb_options_t *o = rocksdb_options_create();
    char *err = NULL;
    rocksdb_options_set_create_if_missing(base, 1);
    rocksdb_get_options_from_string(base, opts, o, &err);
    rocksdb_options_destroy(base);
    bench_check(err, "options");
    return o;
}

void bench_flush(rocksdb_t *db, int wait)
{
    char *err = NULL;
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(fo, (unsigned char)wait);
    rocksdb_flush(db, fo, &err);
    rocksdb_flushoptions_destroy(fo);
    bench_check(err, "flush");
}
