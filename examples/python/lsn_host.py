#!/usr/bin/env python3
"""A RocksDB host in Python with no compiled glue.

ctypes drives Debian's librocksdb through its C API and liblsn_tracker
through its C ABI. The host loads the plugin (ctypes.CDLL is dlopen) before
it parses options, enables LsnFlushListener and LsnCollectorFactory by
options string, applies writes with the WAL off, flushes, waits until the
writes are durable, then reopens the database and recovers the watermarks
from its SST files, as a restarted process would.

usage: lsn_host.py [DB_DIR] [--plugin PATH]
  DB_DIR    where to create the database (default: a temporary directory)
  --plugin  liblsn_tracker.so to load (default: $LSN_TRACKER_SO, then
            liblsn_tracker.so.0 from the loader's search path)
Exits 0 when every watermark is what was written, 1 otherwise.
"""
import argparse
import ctypes
import ctypes.util
import os
import shutil
import struct
import sys
import tempfile
from ctypes import POINTER, byref, c_char_p, c_int, c_int64, c_size_t
from ctypes import c_uint32, c_uint64, c_void_p

PARTITIONS = 3
LAST_LSN = 50

# Applied-LSN keys: "L" + partition as 8 big-endian bytes; value: the LSN
# as 8 big-endian bytes (the collector's defaults after key_prefix=4c).
COLLECTOR = "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c}"


def applied_key(partition):
    return b"L" + struct.pack(">Q", partition)


class Stats(ctypes.Structure):
    """lsn_tracker_stats_t; `size` tells the library how much we know."""
    _fields_ = [("size", c_uint32), ("listeners", c_uint32),
                ("flushes", c_uint64), ("flushes_with_lsn", c_uint64),
                ("ingestions", c_uint64), ("advances", c_uint64),
                ("corrupt_properties", c_uint64), ("bad_values", c_uint64),
                ("entries", c_uint64), ("last_advance_unix_us", c_uint64),
                ("recovered_files", c_uint64)]


def load_rocksdb():
    name = ctypes.util.find_library("rocksdb") or "librocksdb.so.7.8"
    lib = ctypes.CDLL(name)
    sigs = {  # name: (result, argument types); every handle is a c_void_p
        "rocksdb_options_create": (c_void_p, []),
        "rocksdb_options_destroy": (None, [c_void_p]),
        "rocksdb_get_options_from_string":
            (None, [c_void_p, c_char_p, c_void_p, POINTER(c_void_p)]),
        "rocksdb_open": (c_void_p, [c_void_p, c_char_p, POINTER(c_void_p)]),
        "rocksdb_close": (None, [c_void_p]),
        "rocksdb_writeoptions_create": (c_void_p, []),
        "rocksdb_writeoptions_disable_WAL": (None, [c_void_p, c_int]),
        "rocksdb_writeoptions_destroy": (None, [c_void_p]),
        "rocksdb_writebatch_create": (c_void_p, []),
        "rocksdb_writebatch_put":
            (None, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
        "rocksdb_writebatch_destroy": (None, [c_void_p]),
        "rocksdb_write": (None, [c_void_p, c_void_p, c_void_p,
                                 POINTER(c_void_p)]),
        "rocksdb_flushoptions_create": (c_void_p, []),
        "rocksdb_flushoptions_set_wait": (None, [c_void_p, ctypes.c_ubyte]),
        "rocksdb_flushoptions_destroy": (None, [c_void_p]),
        "rocksdb_flush": (None, [c_void_p, c_void_p, POINTER(c_void_p)]),
        "rocksdb_readoptions_create": (c_void_p, []),
        "rocksdb_readoptions_destroy": (None, [c_void_p]),
        "rocksdb_get": (c_void_p, [c_void_p, c_void_p, c_char_p, c_size_t,
                                   POINTER(c_size_t), POINTER(c_void_p)]),
        "rocksdb_free": (None, [c_void_p]),
    }
    for fn, (res, args) in sigs.items():
        getattr(lib, fn).restype = res
        getattr(lib, fn).argtypes = args
    return lib


def load_plugin(path):
    # Loading runs the library's constructor, which registers both objects
    # with RocksDB; it must happen before any options string names them.
    lib = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
    T = c_void_p  # lsn_tracker_t *
    sigs = {
        "lsn_tracker_version": (c_char_p, []),
        "lsn_tracker_strerror": (c_char_p, [c_int]),
        "lsn_tracker_open": (T, [c_char_p]),
        "lsn_tracker_close": (None, [T]),
        "lsn_tracker_get": (c_int, [T, c_char_p, c_uint64, POINTER(c_uint64)]),
        "lsn_tracker_wait": (c_int, [T, c_char_p, c_uint64, c_uint64, c_int64,
                                     POINTER(c_uint64)]),
        "lsn_tracker_recover": (c_int, [T, c_void_p, c_char_p]),
        "lsn_tracker_stats": (c_int, [T, POINTER(Stats)]),
    }
    for fn, (res, args) in sigs.items():
        getattr(lib, fn).restype = res
        getattr(lib, fn).argtypes = args
    return lib


class RocksDBError(Exception):
    pass


def check(rdb, err):
    """Raises the message RocksDB left in a char** error pointer."""
    if err.value:
        msg = ctypes.string_at(err.value).decode()
        rdb.rocksdb_free(err)
        raise RocksDBError(msg)


class Host:
    def __init__(self, rdb, lsn, path, tracker):
        self.rdb, self.lsn, self.path = rdb, lsn, path.encode()
        err = c_void_p()
        base = rdb.rocksdb_options_create()
        self.opts = rdb.rocksdb_options_create()
        spec = ("create_if_missing=true;"
                f"listeners={{id=LsnFlushListener;tracker={tracker}}};"
                f"{COLLECTOR}")
        rdb.rocksdb_get_options_from_string(base, spec.encode(), self.opts,
                                            byref(err))
        rdb.rocksdb_options_destroy(base)
        check(rdb, err)
        # An unknown id is dropped silently: make sure ours was known.
        self.tracker = lsn.lsn_tracker_open(tracker.encode())
        stats = Stats(size=ctypes.sizeof(Stats))
        lsn.lsn_tracker_stats(self.tracker, byref(stats))
        if stats.listeners != 1:
            raise RocksDBError("LsnFlushListener is not active")
        self.db = rdb.rocksdb_open(self.opts, self.path, byref(err))
        check(rdb, err)

    def apply(self, partition, lsn):
        """Applies one log entry: its state and its LSN in one batch."""
        rdb, err = self.rdb, c_void_p()
        batch = rdb.rocksdb_writebatch_create()
        state = b"state/%d" % partition
        value = b"entry %d" % lsn
        rdb.rocksdb_writebatch_put(batch, state, len(state), value, len(value))
        key, lsn_bytes = applied_key(partition), struct.pack(">Q", lsn)
        rdb.rocksdb_writebatch_put(batch, key, len(key), lsn_bytes, 8)
        wo = rdb.rocksdb_writeoptions_create()
        rdb.rocksdb_writeoptions_disable_WAL(wo, 1)  # the log is ours
        rdb.rocksdb_write(self.db, wo, batch, byref(err))
        rdb.rocksdb_writeoptions_destroy(wo)
        rdb.rocksdb_writebatch_destroy(batch)
        check(rdb, err)

    def flush(self):
        rdb, err = self.rdb, c_void_p()
        fo = rdb.rocksdb_flushoptions_create()
        rdb.rocksdb_flushoptions_set_wait(fo, 1)
        rdb.rocksdb_flush(self.db, fo, byref(err))
        rdb.rocksdb_flushoptions_destroy(fo)
        check(rdb, err)

    def wait_durable(self, partition, target, timeout_ms=10000):
        """Blocks until the partition's durable LSN reaches target."""
        got = c_uint64(0)
        rc = self.lsn.lsn_tracker_wait(self.tracker, None, partition, target,
                                       timeout_ms, byref(got))
        if rc != 0:
            raise RocksDBError(self.lsn.lsn_tracker_strerror(rc).decode())
        return got.value

    def durable(self, partition):
        got = c_uint64(0)
        rc = self.lsn.lsn_tracker_get(self.tracker, None, partition, byref(got))
        return got.value if rc == 0 else None

    def read_applied(self, partition):
        rdb, err, n = self.rdb, c_void_p(), c_size_t(0)
        key = applied_key(partition)
        ro = rdb.rocksdb_readoptions_create()
        v = rdb.rocksdb_get(self.db, ro, key, len(key), byref(n), byref(err))
        rdb.rocksdb_readoptions_destroy(ro)
        check(rdb, err)
        if not v:
            return None
        data = ctypes.string_at(v, n.value)
        rdb.rocksdb_free(v)
        return struct.unpack(">Q", data)[0]

    def recover(self):
        rc = self.lsn.lsn_tracker_recover(self.tracker, self.db, self.path)
        if rc != 0:
            raise RocksDBError(self.lsn.lsn_tracker_strerror(rc).decode())

    def close(self):
        self.rdb.rocksdb_close(self.db)
        self.rdb.rocksdb_options_destroy(self.opts)
        self.lsn.lsn_tracker_close(self.tracker)


def run(rdb, lsn, path):
    ok = True

    host = Host(rdb, lsn, path, tracker="python-host")
    for entry in range(1, LAST_LSN + 1):
        for p in range(PARTITIONS):
            host.apply(p, entry)
    host.flush()
    for p in range(PARTITIONS):
        got = host.wait_durable(p, LAST_LSN)
        print(f"partition {p}: durable lsn {got}")
        ok &= got == LAST_LSN
    host.close()

    # A restarted process knows nothing until it recovers from the SSTs.
    host = Host(rdb, lsn, path, tracker="python-host-reopened")
    host.recover()
    for p in range(PARTITIONS):
        got, applied = host.durable(p), host.read_applied(p)
        print(f"partition {p}: recovered durable lsn {got}, applied {applied}")
        ok &= got == LAST_LSN and applied == LAST_LSN
    host.close()
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db_dir", nargs="?")
    ap.add_argument("--plugin", default=os.environ.get("LSN_TRACKER_SO")
                    or "liblsn_tracker.so.0")
    args = ap.parse_args()

    rdb = load_rocksdb()
    lsn = load_plugin(args.plugin)
    print(f"liblsn_tracker {lsn.lsn_tracker_version().decode()}")
    tmp = None if args.db_dir else tempfile.mkdtemp(prefix="lsn-host-")
    try:
        ok = run(rdb, lsn, args.db_dir or os.path.join(tmp, "db"))
    finally:
        if tmp:
            shutil.rmtree(tmp)
    print("ok" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
