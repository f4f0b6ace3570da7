# The RocksDB this project builds against, and what about it decides how
# the plugin is compiled. FindRocksDB.cmake (beside this file) says where it
# looks: ROCKSDB_ROOT, else the system's (Debian's 7.8.3 by default).
#
# Decided here, at configure time, from the RocksDB found:
#  * ROCKSDB_CXX_STANDARD: the C++ standard its headers need (17 up to the
#    10.x releases, 20 from there on), raising CMAKE_CXX_STANDARD;
#  * ROCKSDB_SHARED_RTTI, ROCKSDB_STATIC_RTTI: whether each library was
#    built with RTTI; the adapter is compiled to match the library it goes
#    with (RocksDB's own release builds default to -fno-rtti, Debian's have
#    RTTI), and never uses RTTI itself;
#  * ROCKSDB_STATIC_HOST_TARGET, ROCKSDB_STATIC_HOST_RTTI: the RocksDB a
#    statically linked host takes (librocksdb.a if found, else the shared
#    library) and whether it has RTTI;
#  * ROCKSDB_HAS_LSN_TRACKER: whether this plugin is already compiled into
#    that RocksDB (ROCKSDB_PLUGINS=lsn_tracker), in which case there is
#    nothing to build here: hosts link that RocksDB alone.
# The EnableFileDeletions signature (9.0 dropped its argument) and the
# manual-flush behaviour under atomic_flush (fixed in 8.1) follow
# ROCKSDB_MAJOR/ROCKSDB_MINOR from the headers (plugin/rocksdb/).
set(ROCKSDB_ROOT "" CACHE PATH
  "RocksDB to build against: an install prefix or the directory of its RocksDBConfig.cmake (empty: the system's)")
list(APPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR})
find_package(RocksDB MODULE REQUIRED)
set(ROCKSDB_INCLUDE_DIR "${RocksDB_INCLUDE_DIR}")
# What the installed package remembers to find the same RocksDB again.
set(LSN_ROCKSDB_ROOT_HINT "")
if(ROCKSDB_ROOT)
  get_filename_component(LSN_ROCKSDB_ROOT_HINT "${ROCKSDB_ROOT}" ABSOLUTE)
elseif(RocksDB_DIR AND NOT RocksDB_DIR MATCHES "^/usr/")
  set(LSN_ROCKSDB_ROOT_HINT "${RocksDB_DIR}")
endif()
set(LSN_ROCKSDB_FOUND_AS "${RocksDB_FOUND_AS}")
set(ROCKSDB_VERSION "${RocksDB_VERSION}")
if(ROCKSDB_VERSION VERSION_LESS 7.8 OR ROCKSDB_VERSION VERSION_GREATER_EQUAL 12)
  message(WARNING "RocksDB ${ROCKSDB_VERSION}: only 7.8.3 to 11.8.1 have been "
    "tried (docs/compat.md)")
endif()

# nm over a library: its defined symbols (dynamic ones for a shared one).
function(_lsn_rocksdb_symbols lib out)
  find_program(NM_PROGRAM NAMES nm REQUIRED)
  if(lib MATCHES "\\.a$")
    set(args --defined-only)
  else()
    set(args -D --defined-only)
  endif()
  execute_process(COMMAND ${NM_PROGRAM} ${args} "${lib}"
    OUTPUT_VARIABLE syms ERROR_QUIET)
  set(${out} "${syms}" PARENT_SCOPE)
endfunction()

set(ROCKSDB_SHARED_RTTI OFF)
set(ROCKSDB_STATIC_RTTI OFF)
set(ROCKSDB_HAS_LSN_TRACKER OFF)
foreach(_kind IN ITEMS SHARED STATIC)
  set(_lib "${RocksDB_${_kind}_LIBRARY}")
  if(NOT _lib)
    continue()
  endif()
  _lsn_rocksdb_symbols("${_lib}" _syms)
  # typeinfo for <namespace>::EventListener, whatever ROCKSDB_NAMESPACE.
  if(_syms MATCHES "_ZTIN[0-9A-Za-z_]*13EventListenerE")
    set(ROCKSDB_${_kind}_RTTI ON)
  endif()
  if(_syms MATCHES "[ \n]lsn_tracker_register_library\n")
    set(ROCKSDB_HAS_LSN_TRACKER ON)
  endif()
  string(TOLOWER ${_kind} _k)
  message(STATUS "RocksDB ${ROCKSDB_VERSION} ${_k}: ${_lib} (RTTI: ${ROCKSDB_${_kind}_RTTI})")
endforeach()
unset(_syms)
# The name the rest of the build has always used.
if(RocksDB_SHARED_LIBRARY)
  set(ROCKSDB_HAS_RTTI ${ROCKSDB_SHARED_RTTI})
else()
  set(ROCKSDB_HAS_RTTI ${ROCKSDB_STATIC_RTTI})
endif()

# The C++ standard the headers the adapter includes need.
include(CheckCXXSourceCompiles)
string(MD5 _lsn_inc_key "${RocksDB_INCLUDE_DIR}")
string(SUBSTRING "${_lsn_inc_key}" 0 8 _lsn_inc_key)
set(_lsn_saved_std ${CMAKE_CXX_STANDARD})
set(CMAKE_REQUIRED_INCLUDES "${RocksDB_INCLUDE_DIR}")
set(CMAKE_REQUIRED_QUIET ON)
set(ROCKSDB_CXX_STANDARD "")
foreach(_std IN ITEMS 17 20 23)
  if(_std LESS _lsn_saved_std)
    continue()
  endif()
  set(CMAKE_CXX_STANDARD ${_std})
  check_cxx_source_compiles([[
#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/utilities/object_registry.h>
#include <rocksdb/utilities/options_type.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/version.h>
int main() { return ROCKSDB_MAJOR > 0 ? 0 : 1; }
]] LSN_ROCKSDB_HEADERS_CXX${_std}_${_lsn_inc_key})
  if(LSN_ROCKSDB_HEADERS_CXX${_std}_${_lsn_inc_key})
    set(ROCKSDB_CXX_STANDARD ${_std})
    break()
  endif()
endforeach()
unset(CMAKE_REQUIRED_INCLUDES)
unset(CMAKE_REQUIRED_QUIET)
if(NOT ROCKSDB_CXX_STANDARD)
  message(FATAL_ERROR "RocksDB ${ROCKSDB_VERSION}: its headers in "
    "${RocksDB_INCLUDE_DIR} compile as none of C++17, C++20, C++23 with "
    "${CMAKE_CXX_COMPILER}")
endif()
set(CMAKE_CXX_STANDARD ${ROCKSDB_CXX_STANDARD})
message(STATUS "RocksDB ${ROCKSDB_VERSION}: headers need C++${ROCKSDB_CXX_STANDARD}")
unset(_lsn_saved_std)
unset(_lsn_inc_key)

# Build-tree names for the rest of the build. They are never exported: the
# installed package names RocksDB's own targets (RocksDB::rocksdb-shared,
# RocksDB::rocksdb), which its LsnTrackerConfig.cmake finds again.
if(TARGET RocksDB::rocksdb-shared)
  add_library(rocksdb_shared ALIAS RocksDB::rocksdb-shared)
  set(ROCKSDB_LIBRARY "${RocksDB_SHARED_LIBRARY}")
endif()
if(TARGET RocksDB::rocksdb)
  add_library(rocksdb_static ALIAS RocksDB::rocksdb)
  set(ROCKSDB_STATIC_HOST_TARGET RocksDB::rocksdb)
  set(ROCKSDB_STATIC_HOST_RTTI ${ROCKSDB_STATIC_RTTI})
else()
  set(ROCKSDB_STATIC_HOST_TARGET RocksDB::rocksdb-shared)
  set(ROCKSDB_STATIC_HOST_RTTI ${ROCKSDB_SHARED_RTTI})
endif()

# What a host linking librocksdb.a statically needs after it, as linker
# flags for lsn_tracker-static.pc: the archive itself, then the libraries
# its CMake target names (RocksDB's package, or the rocksdb.pc beside a
# prefix), then what any C++ archive needs.
function(_lsn_link_flags item out)
  set(flags "")
  string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
  if(item STREQUAL "Threads::Threads")
    set(flags -pthread)
  elseif(TARGET ${item})
    get_target_property(type ${item} TYPE)
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      _rocksdb_location(${item} loc)
      if(loc)
        _lsn_link_flags("${loc}" flags)
      endif()
    endif()
    get_target_property(deps ${item} INTERFACE_LINK_LIBRARIES)
    if(deps)
      foreach(d IN LISTS deps)
        _lsn_link_flags("${d}" f)
        list(APPEND flags ${f})
      endforeach()
    endif()
  elseif(item MATCHES "^/.*/lib([^/]+)\\.(so[.0-9]*|a)$")
    set(flags "-l${CMAKE_MATCH_1}")
  elseif(item MATCHES "^-")
    set(flags "${item}")
  elseif(item MATCHES "^[A-Za-z0-9_+.-]+$")
    set(flags "-l${item}")
  endif()
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()

set(ROCKSDB_STATIC_PC_LIBS "")
if(TARGET RocksDB::rocksdb)
  get_target_property(_deps RocksDB::rocksdb INTERFACE_LINK_LIBRARIES)
  set(_flags "${RocksDB_STATIC_LIBRARY}")
  foreach(_d IN LISTS _deps)
    _lsn_link_flags("${_d}" _f)
    list(APPEND _flags ${_f})
  endforeach()
  list(APPEND _flags -lstdc++ -lm -pthread ${CMAKE_DL_LIBS})
  list(TRANSFORM _flags REPLACE "^dl$" "-ldl")
  list(REMOVE_DUPLICATES _flags)
  list(JOIN _flags " " ROCKSDB_STATIC_PC_LIBS)
  unset(_deps)
  unset(_flags)
endif()
