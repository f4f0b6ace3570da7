/*
 * lsn_tracker.h - durable-LSN tracking for RocksDB with the WAL disabled.
 *
 * liblsn_tracker.so registers two RocksDB objects, LsnCollectorFactory (a
 * table-properties collector that records, per SST, the highest applied LSN
 * of every partition found among the file's keys) and LsnFlushListener (an
 * event listener that raises durable watermarks when a flush or an ingestion
 * is committed). This header is the plain C interface through which a host
 * reads those watermarks. It depends on nothing from RocksDB but the C API
 * handle type rocksdb_t, declared here as an incomplete type.
 *
 * Every function returns an int status (LSN_TRACKER_OK or one of the codes
 * below) unless documented otherwise, and its comment lists every status it
 * can return. All functions are thread-safe. Any of them may be called from
 * inside a subscriber callback, on any tracker, and returns: those that
 * would raise a watermark or block return LSN_TRACKER_EINVAL there.
 */
#ifndef LSN_TRACKER_H
#define LSN_TRACKER_H

#include <stdint.h>

#ifdef __cplusplus
/* In C++, a function named like a struct (lsn_tracker_stats) is taken
 * under -Wshadow, as RocksDB compiles its plugins, for hiding the struct's
 * constructor. The names are C's: the warning is off for this header's
 * declarations only, not for the host's code. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
extern "C" {
#endif

/* The library is built with hidden visibility; this marks what it exports.
 * It builds on Linux with GCC or Clang only. */
#if defined(__GNUC__)
#define LSN_TRACKER_API __attribute__((visibility("default")))
#else
#define LSN_TRACKER_API
#endif

#define LSN_TRACKER_VERSION_MAJOR 0
#define LSN_TRACKER_VERSION_MINOR 2
#define LSN_TRACKER_VERSION_PATCH 0
#define LSN_TRACKER_VERSION_STRING "0.2.0"
#define LSN_TRACKER_VERSION_NUMBER                                      \
    (LSN_TRACKER_VERSION_MAJOR * 10000 + LSN_TRACKER_VERSION_MINOR * 100 + \
     LSN_TRACKER_VERSION_PATCH)

/* Status codes. Non-negative codes are outcomes, negative codes are errors. */
#define LSN_TRACKER_OK 0
#define LSN_TRACKER_NOT_FOUND 1  /* nothing durable known yet */
#define LSN_TRACKER_TIMEOUT 2    /* lsn_tracker_wait gave up */
#define LSN_TRACKER_EINVAL (-1)  /* NULL or malformed argument */
#define LSN_TRACKER_ENOMEM (-2)  /* out of memory */
#define LSN_TRACKER_EIO (-3)     /* a file could not be read */
#define LSN_TRACKER_ECORRUPT (-4) /* a property did not decode */
#define LSN_TRACKER_EBUSY (-5)   /* the tracker serves another open database */
#define LSN_TRACKER_EDB (-6)     /* RocksDB returned an error */

/* The tracker: the durable watermarks of one database, shared by name. It
 * serves one incarnation of one open database at a time (one open, as
 * RocksDB's DB session tells it) and forgets it when that database closes;
 * column families are told apart by ID, not name. */
typedef struct lsn_tracker lsn_tracker_t;

/* RocksDB's C API database and column family handles (rocksdb/c.h). */
typedef struct rocksdb_t rocksdb_t;
typedef struct rocksdb_column_family_handle_t rocksdb_column_family_handle_t;

/* Counters of one tracker. Set size to sizeof(lsn_tracker_stats_t) before
 * calling lsn_tracker_stats; fields past the size a caller knows are not
 * written, so the struct can grow without breaking old hosts. (The struct
 * tag is not the function's name, which C++ would take for a clash.) */
typedef struct lsn_tracker_stats_s {
    uint32_t size;
    uint32_t listeners;          /* LsnFlushListener instances bound now */
    uint64_t flushes;            /* OnFlushCompleted callbacks seen */
    uint64_t flushes_with_lsn;   /* ... whose SST carried the property */
    uint64_t ingestions;         /* OnExternalFileIngested callbacks seen */
    uint64_t advances;           /* (cf, partition) watermark raises */
    uint64_t corrupt_properties; /* properties rejected by the decoder */
    uint64_t bad_values;         /* undecodable values reported by SSTs */
    uint64_t entries;            /* (cf, partition) pairs known */
    uint64_t last_advance_unix_us; /* wall clock of the last raise, 0 never */
    uint64_t recovered_files;    /* SSTs whose property recovery applied */
    uint64_t recovered_bad_values; /* undecodable values reported by them */
    /* Identity and provenance (0.2). */
    uint64_t incarnation;        /* databases served so far; changes when the
                                    database behind the tracker changes */
    uint32_t open;               /* 1 while the database it serves is open */
    uint32_t reserved0;
    uint64_t conflicts;          /* events from a second open database, refused */
    uint64_t foreign_properties; /* properties of another layout, refused */
    uint64_t ingestions_refused; /* ingested files that may lie behind newer data */
    uint64_t unsafe_flushes;     /* flushes that may have left another column
                                    family's state behind, not raised from */
    uint64_t stale_events;       /* events of a dropped column family */
    uint64_t scanned_files;      /* live SSTs recovery read key by key */
    uint64_t unscanned_files;    /* live SSTs recovery could not account for */
    /* Bounded lag (0.2). */
    uint64_t forced_flushes;     /* flushes made to keep the lag bound */
} lsn_tracker_stats_t;

/* Called once per raised watermark, on the thread that raised it. */
typedef void (*lsn_tracker_advance_fn)(void *arg, const char *cf,
                                       uint64_t partition, uint64_t lsn);

/* Called once per known watermark; a non-zero return stops the walk and is
 * returned by lsn_tracker_foreach. */
typedef int (*lsn_tracker_visit_fn)(void *arg, const char *cf,
                                    uint64_t partition, uint64_t lsn);

/* Returns the library's version as "MAJOR.MINOR.PATCH"; it equals
 * LSN_TRACKER_VERSION_STRING of the header the library was built with, so a
 * host can compare the two to detect a mismatched header and library. */
LSN_TRACKER_API const char *lsn_tracker_version(void);

/* Returns a static, human-readable description of a status code; unknown
 * codes give "unknown status". Never returns NULL. */
LSN_TRACKER_API const char *lsn_tracker_strerror(int status);

/* Registers LsnCollectorFactory and LsnFlushListener with RocksDB's default
 * ObjectLibrary. It runs by itself when the library is loaded, and calling it
 * again does nothing; a host may call it to make the dependency explicit
 * before parsing options. Returns LSN_TRACKER_OK. */
LSN_TRACKER_API int lsn_tracker_register(void);

/* Returns the tracker called name, creating it if no listener or host holds
 * it yet, and takes a reference on it; release it with lsn_tracker_close.
 * The name is the listener's tracker option, or the DB path as given to
 * Open when that option is not set. Returns NULL for a name an options
 * string cannot carry (see lsn_tracker_acquire, which says why) or if
 * memory runs out. */
LSN_TRACKER_API lsn_tracker_t *lsn_tracker_open(const char *name);

/* Like lsn_tracker_open, but tells why it failed: stores the tracker in *out
 * and returns LSN_TRACKER_OK, or returns LSN_TRACKER_EINVAL for a NULL out
 * or a name that an options string cannot carry (NULL, empty, longer than
 * 4096 bytes, containing ':', ';', '{' or '}', or with leading or trailing
 * white space), or LSN_TRACKER_ENOMEM. */
LSN_TRACKER_API int lsn_tracker_acquire(const char *name, lsn_tracker_t **out);

/* Drops the reference taken by lsn_tracker_open. The tracker, with its
 * watermarks, lives on while a listener or another handle holds it; the
 * last release frees it. NULL is ignored. */
LSN_TRACKER_API void lsn_tracker_close(lsn_tracker_t *t);

/* Reads the durable watermark of partition in column family cf (NULL means
 * "default") into *lsn. Never blocks, not even behind a flush being applied.
 * Returns LSN_TRACKER_OK; LSN_TRACKER_NOT_FOUND, leaving *lsn alone, if
 * nothing durable is known for that pair in the incarnation the tracker
 * serves; LSN_TRACKER_EINVAL if t or lsn is NULL. */
LSN_TRACKER_API int lsn_tracker_get(const lsn_tracker_t *t, const char *cf,
                                    uint64_t partition, uint64_t *lsn);

/* Waits until the watermark of (cf, partition) is at least target, then
 * stores it in *lsn (which may be NULL). A negative timeout_ms waits
 * forever, 0 only checks. Returns LSN_TRACKER_OK; LSN_TRACKER_TIMEOUT after
 * timeout_ms milliseconds; LSN_TRACKER_EINVAL if t is NULL, or for a
 * non-zero timeout from inside a subscriber callback, where waiting would
 * hold up the very announcement. */
LSN_TRACKER_API int lsn_tracker_wait(lsn_tracker_t *t, const char *cf,
                                     uint64_t partition, uint64_t target,
                                     int64_t timeout_ms, uint64_t *lsn);

/* Registers fn to be called with every raised watermark, once per raise, on
 * RocksDB's background thread that applied it (or the host thread calling
 * seed, recover or flush_all); fn must not block. The subscription id goes
 * to *subscription. Returns LSN_TRACKER_OK; LSN_TRACKER_EINVAL for a NULL
 * argument, or from inside another tracker's callback while t is announcing
 * on another thread (waiting there could deadlock); LSN_TRACKER_ENOMEM. */
LSN_TRACKER_API int lsn_tracker_subscribe(lsn_tracker_t *t,
                                          lsn_tracker_advance_fn fn, void *arg,
                                          uint64_t *subscription);

/* Cancels a subscription. On return its function is not running and never
 * runs again, except that a function may unsubscribe itself from inside its
 * own call, which then returns normally. Returns LSN_TRACKER_OK;
 * LSN_TRACKER_NOT_FOUND for an unknown id; LSN_TRACKER_EINVAL if t is NULL,
 * or from inside another tracker's callback while t is announcing on
 * another thread. */
LSN_TRACKER_API int lsn_tracker_unsubscribe(lsn_tracker_t *t,
                                            uint64_t subscription);

/* Returns a non-blocking eventfd, owned by the tracker (do not close it),
 * that becomes readable after any advance; read 8 bytes to drain it, then
 * call lsn_tracker_get or lsn_tracker_foreach for the values. Several
 * advances may be coalesced into one wake-up. The return value is either
 * the descriptor (>= 0) or a negative status: LSN_TRACKER_EINVAL if t is
 * NULL, LSN_TRACKER_EIO if the system has no eventfd to give. */
LSN_TRACKER_API int lsn_tracker_eventfd(lsn_tracker_t *t);

/* Calls fn for every known (cf, partition, lsn) of the tracker, column
 * family by column family. Values are read without locks and may be newer
 * than when the walk began. Returns fn's first non-zero return, else
 * LSN_TRACKER_OK; LSN_TRACKER_EINVAL if t or fn is NULL. */
LSN_TRACKER_API int lsn_tracker_foreach(const lsn_tracker_t *t,
                                        lsn_tracker_visit_fn fn, void *arg);

/* Raises the watermark of (cf, partition) to lsn by hand, for a host that
 * knows more than the SSTs say. It never lowers a watermark; a raise is
 * announced like one from a flush. A seed belongs to the incarnation the
 * tracker serves (or, between databases, to the next one); a close forgets
 * it. Returns LSN_TRACKER_OK; LSN_TRACKER_EINVAL if t is NULL or from
 * inside a subscriber callback; LSN_TRACKER_ENOMEM. */
LSN_TRACKER_API int lsn_tracker_seed(lsn_tracker_t *t, const char *cf,
                                     uint64_t partition, uint64_t lsn);

/* Binds the tracker to the open database db (a new incarnation if it served
 * another, closed one) and raises it from every live SST of every column
 * family. Call it after every open. Only files RocksDB lists as live count.
 * Each column family's property name and key layout come from the
 * database's newest OPTIONS file, so a flush need not have happened in this
 * process; a file without the property (written by a process without the
 * plugin, e.g. ldb compact) or with a damaged one is read key by key with
 * that layout; a property written by another layout is not used. Where a
 * partition appears in several files, the newest version of its key (in
 * RocksDB's read order) wins, not the largest number. Readable files are
 * applied even when another cannot be read. Returns LSN_TRACKER_OK;
 * LSN_TRACKER_EINVAL for a NULL argument, a db_path that is not db's
 * directory, or a call from inside a subscriber callback;
 * LSN_TRACKER_EBUSY if the tracker serves another open database;
 * LSN_TRACKER_EIO if a live file could not be read; LSN_TRACKER_ENOMEM. */
LSN_TRACKER_API int lsn_tracker_recover(lsn_tracker_t *t, rocksdb_t *db,
                                        const char *db_path);

/* What recovery found in one live SST file, for lsn_tracker_recover_report. */
typedef struct lsn_tracker_file {
    const char *cf;      /* column family name */
    const char *path;    /* the file */
    int level;           /* LSM level */
    int status;          /* LSN_TRACKER_OK, or LSN_TRACKER_EIO if unreadable */
    int source;          /* LSN_TRACKER_FROM_* below */
    int corrupt;         /* it had a property that did not decode */
    uint64_t partitions; /* applied-LSN keys found */
    uint64_t bad_values; /* matching keys whose value did not decode */
} lsn_tracker_file_t;

#define LSN_TRACKER_FROM_PROPERTY 0 /* the property written by its collector */
#define LSN_TRACKER_FROM_KEYS 1     /* its keys, read with the configured layout */
#define LSN_TRACKER_FROM_NOTHING 2  /* no property, and no layout to read it with */
#define LSN_TRACKER_FROM_FOREIGN 3  /* a property of another layout: not used */

typedef void (*lsn_tracker_file_fn)(void *arg, const lsn_tracker_file_t *file);

/* lsn_tracker_recover, calling fn (if not NULL) once per live SST file with
 * what recovery found in it, on the calling thread, before the watermarks
 * are raised. db may be opened read-only. Returns what lsn_tracker_recover
 * returns. */
LSN_TRACKER_API int lsn_tracker_recover_report(lsn_tracker_t *t, rocksdb_t *db,
                                               const char *db_path,
                                               lsn_tracker_file_fn fn,
                                               void *arg);

/* Raises the tracker from the property of one SST file, as if it belonged
 * to column family cf (NULL means "default"), reading the property the
 * tracker's listener names (the default property without one), of any
 * layout. Returns LSN_TRACKER_OK; LSN_TRACKER_NOT_FOUND if the file has no
 * such property; LSN_TRACKER_ECORRUPT if it does not decode (counted);
 * LSN_TRACKER_EIO if the file cannot be read as an SST;
 * LSN_TRACKER_EINVAL for a NULL or empty argument or from inside a
 * subscriber callback; LSN_TRACKER_ENOMEM. */
LSN_TRACKER_API int lsn_tracker_recover_sst(lsn_tracker_t *t, const char *cf,
                                            const char *sst_path);

/* Flushes the memtables of every column family of the open database db
 * and waits for the flush, atomically across column families when the
 * database runs with atomic_flush. It is the manual flush that is safe on
 * every RocksDB release: before 8.1, rocksdb_flush of one column family
 * under atomic_flush flushes that family alone, and the listener does not
 * raise from such a flush; what such flushes held before this call is
 * applied once it is done. Returns LSN_TRACKER_OK; LSN_TRACKER_EINVAL for
 * a NULL db or from inside a subscriber callback; LSN_TRACKER_EDB if
 * RocksDB fails the flush; LSN_TRACKER_ENOMEM. */
LSN_TRACKER_API int lsn_tracker_flush_all(rocksdb_t *db);

/* C++ hosts hold a rocksdb::DB *, not the C API's rocksdb_t. These three
 * take that DB * (any DB, a TransactionDB or another StackableDB included),
 * passed as void * so that this header needs no RocksDB header, and do
 * exactly what lsn_tracker_recover, lsn_tracker_recover_report and
 * lsn_tracker_flush_all do, with the same statuses; recovery keeps file
 * deletions disabled while it reads, as they do. db must be a
 * ROCKSDB_NAMESPACE::DB * of the RocksDB the library was built with; a
 * rocksdb_t * passed here is a crash. In C++, the overloads at the end of
 * this header take a DB * and call these. */
LSN_TRACKER_API int lsn_tracker_recover_cxx(lsn_tracker_t *t, void *db,
                                            const char *db_path);
LSN_TRACKER_API int lsn_tracker_recover_report_cxx(lsn_tracker_t *t, void *db,
                                                   const char *db_path,
                                                   lsn_tracker_file_fn fn,
                                                   void *arg);
LSN_TRACKER_API int lsn_tracker_flush_all_cxx(void *db);

/* Lets the tracker flush db to bound trim lag, when the database's
 * LsnFlushListener has max_lag_ms set: a column family whose oldest
 * unflushed write is older than the bound is flushed (only that family;
 * every family, as one group, under atomic_flush), and nothing is flushed
 * while memtables fill within the bound. ncf handles of db's column
 * families are watched (NULL and 0: the default family only). The host's
 * duty: call lsn_tracker_detach before closing db or destroying one of
 * those handles; a close or handle destruction that comes first is seen
 * and detaches by itself. Returns LSN_TRACKER_OK; LSN_TRACKER_EINVAL for a
 * NULL t or db, a negative ncf, or from inside a subscriber callback;
 * LSN_TRACKER_EBUSY if t is attached to a database already or serves
 * another open one; LSN_TRACKER_ENOMEM. */
LSN_TRACKER_API int lsn_tracker_attach(lsn_tracker_t *t, rocksdb_t *db,
                                       rocksdb_column_family_handle_t *const *cfs,
                                       int ncf);

/* Stops the flushing lsn_tracker_attach started and lets go of the
 * database and handles; on return none of them is used again. Returns
 * LSN_TRACKER_OK, LSN_TRACKER_NOT_FOUND if t is not attached, or
 * LSN_TRACKER_EINVAL for a NULL t or a call from inside a subscriber
 * callback. */
LSN_TRACKER_API int lsn_tracker_detach(lsn_tracker_t *t);

/* lsn_tracker_attach for a C++ host: db is its ROCKSDB_NAMESPACE::DB * and
 * cfs its ncf ColumnFamilyHandle *s, passed as void * for the reasons given
 * at lsn_tracker_recover_cxx, with the same duties and statuses. In C++,
 * the overload at the end of this header takes them typed. */
LSN_TRACKER_API int lsn_tracker_attach_cxx(lsn_tracker_t *t, void *db,
                                           void *const *cfs, int ncf);

/* Copies the tracker's counters into *out, up to out->size bytes, which the
 * caller sets to sizeof(lsn_tracker_stats_t). Returns LSN_TRACKER_OK, or
 * LSN_TRACKER_EINVAL if t or out is NULL or out->size is below 4. */
LSN_TRACKER_API int lsn_tracker_stats(const lsn_tracker_t *t,
                                      lsn_tracker_stats_t *out);

/* A column family of a tracker, for reads that skip the family's lookup by
 * name: see lsn_tracker_cf. */
typedef struct lsn_tracker_cf lsn_tracker_cf_t;

/* Stores in *out the handle of column family cf (NULL means "default") of
 * t, making the tracker's (empty) record of that family if it has none yet.
 * A handle needs no release. It is valid while the host holds its
 * reference to t, that is until the lsn_tracker_close that balances the
 * host's lsn_tracker_open or lsn_tracker_acquire; the same call for the
 * same name returns the same handle. A handle reads what lsn_tracker_get
 * reads for its name, under the same identity rules: when the database
 * closes, or the family is dropped, the tracker forgets the family in
 * place and the handle reads LSN_TRACKER_NOT_FOUND, never a value of the
 * old incarnation; a family re-created under the name is read through the
 * same handle. It may be taken inside a subscriber callback. Returns
 * LSN_TRACKER_OK; LSN_TRACKER_EINVAL if t or out is NULL;
 * LSN_TRACKER_ENOMEM. On failure *out, if out is not NULL, is NULL. */
LSN_TRACKER_API int lsn_tracker_cf(lsn_tracker_t *t, const char *cf,
                                   lsn_tracker_cf_t **out);

/* lsn_tracker_get through a handle from lsn_tracker_cf: reads the durable
 * watermark of partition in the handle's column family into *lsn. Never
 * blocks. Returns LSN_TRACKER_OK; LSN_TRACKER_NOT_FOUND, leaving *lsn
 * alone, if nothing durable is known for that partition in the incarnation
 * the tracker serves; LSN_TRACKER_EINVAL if h or lsn is NULL. */
LSN_TRACKER_API int lsn_tracker_cf_get(const lsn_tracker_cf_t *h,
                                       uint64_t partition, uint64_t *lsn);

#ifdef __cplusplus
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* For C++ hosts: overloads of the functions that take a database, taking
 * RocksDB's C++ DB instead (see lsn_tracker_recover_cxx). RocksDB's
 * namespace is ROCKSDB_NAMESPACE when the host has defined it (RocksDB's
 * headers do, and a build with its own namespace defines it on the command
 * line), else rocksdb. */
#ifdef ROCKSDB_NAMESPACE
namespace ROCKSDB_NAMESPACE {
class DB;
class ColumnFamilyHandle;
}
#define LSN_TRACKER_ROCKSDB_DB ROCKSDB_NAMESPACE::DB
#define LSN_TRACKER_ROCKSDB_CF ROCKSDB_NAMESPACE::ColumnFamilyHandle
#else
namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}
#define LSN_TRACKER_ROCKSDB_DB rocksdb::DB
#define LSN_TRACKER_ROCKSDB_CF rocksdb::ColumnFamilyHandle
#endif

inline int lsn_tracker_recover(lsn_tracker_t *t, LSN_TRACKER_ROCKSDB_DB *db,
                               const char *db_path)
{
    return lsn_tracker_recover_cxx(t, static_cast<void *>(db), db_path);
}

inline int lsn_tracker_recover_report(lsn_tracker_t *t,
                                      LSN_TRACKER_ROCKSDB_DB *db,
                                      const char *db_path,
                                      lsn_tracker_file_fn fn, void *arg)
{
    return lsn_tracker_recover_report_cxx(t, static_cast<void *>(db), db_path,
                                          fn, arg);
}

inline int lsn_tracker_flush_all(LSN_TRACKER_ROCKSDB_DB *db)
{
    return lsn_tracker_flush_all_cxx(static_cast<void *>(db));
}

inline int lsn_tracker_attach(lsn_tracker_t *t, LSN_TRACKER_ROCKSDB_DB *db,
                              LSN_TRACKER_ROCKSDB_CF *const *cfs, int ncf)
{
    // An array of class pointers is an array of void *: same size and
    // representation for object pointers on every platform RocksDB runs on.
    return lsn_tracker_attach_cxx(t, static_cast<void *>(db),
                                  reinterpret_cast<void *const *>(cfs), ncf);
}
#endif /* __cplusplus */

#endif /* LSN_TRACKER_H */
