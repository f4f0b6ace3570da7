# The lsn-demo variants the crash harness runs, here and in tests/compat;
# ldb, which needs RocksDB's ldb program, is added where there is one.
# mempurge-concurrent is left to soaks by hand: RocksDB 7.8.3's own MemPurge
# bugs with concurrent flushes can hang its close (docs/correctness.md 2.4).
set(LSN_CRASH_VARIANTS default concurrent atomic mempurge
  destroy restore dropcf atomic-manual ingest)
