# Finds the shared librocksdb (never a static copy: the plugin must share
# the host's RocksDB) and tells whether it was built with RTTI.
find_path(ROCKSDB_INCLUDE_DIR rocksdb/c.h REQUIRED)
find_library(ROCKSDB_LIBRARY NAMES librocksdb.so rocksdb REQUIRED)
add_library(rocksdb_shared SHARED IMPORTED GLOBAL)
set_target_properties(rocksdb_shared PROPERTIES
  IMPORTED_LOCATION "${ROCKSDB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${ROCKSDB_INCLUDE_DIR}")

# A shim compiled with RTTI needs RocksDB's typeinfo symbols; RocksDB's own
# release builds often lack them (USE_RTTI=AUTO). Match the library.
find_program(NM_PROGRAM NAMES nm REQUIRED)
execute_process(COMMAND ${NM_PROGRAM} -D --defined-only "${ROCKSDB_LIBRARY}"
  OUTPUT_VARIABLE _rocksdb_syms ERROR_QUIET)
string(FIND "${_rocksdb_syms}" "_ZTIN7rocksdb13EventListenerE" _rtti_pos)
if(_rtti_pos EQUAL -1)
  set(ROCKSDB_HAS_RTTI OFF)
else()
  set(ROCKSDB_HAS_RTTI ON)
endif()
unset(_rocksdb_syms)
message(STATUS "RocksDB: ${ROCKSDB_LIBRARY} (RTTI: ${ROCKSDB_HAS_RTTI})")
