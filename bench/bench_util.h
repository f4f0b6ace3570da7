/* Small helpers shared by the benchmark programs: clocks, medians and
 * percentiles, scratch directories, process memory, RocksDB basics. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <rocksdb/c.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* Sorts v in place and returns its q-quantile (0.5 = median). */
double bench_quantile(double *v, size_t n, double q);
double bench_median(const double *v, size_t n); /* leaves v alone */

/* Aborts the program with a message; for setup failures, never for
 * measured outcomes. */
void bench_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void bench_check(char *err, const char *what);

/* A fresh directory under $TMPDIR (default /tmp); bench_rmdir deletes it. */
char *bench_tmpdir(const char *tag);
void bench_rmdir(char *dir);

/* Resident set size of this process, in bytes. */
uint64_t bench_rss_bytes(void);
/* Bytes handed out by malloc right now (glibc mallinfo2). */
uint64_t bench_heap_bytes(void);

/* Prints the machine line every program starts with. */
void bench_print_machine(const char *program);

/* True if argv holds --quick (smoke mode for CI). */
int bench_quick(int argc, char **argv);
/* Value of "--name N" in argv, or def. */
long bench_arg(int argc, char **argv, const char *name, long def);
/* Values of "--name a,b,c" (positive integers) into out[0..max); returns
 * how many, 0 if argv has no --name. Dies on a malformed list. */
int bench_list(int argc, char **argv, const char *name, uint64_t *out,
               int max);

/* Options from a string over create_if_missing; dies on a parse error. */
rocksdb_options_t *bench_options(const char *opts);
void bench_flush(rocksdb_t *db, int wait);

#endif
