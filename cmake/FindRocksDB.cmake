# FindRocksDB: the RocksDB to build against (or, installed beside
# LsnTrackerConfig.cmake, the one the library was built against).
#
# Where to look, first found wins:
#   ROCKSDB_ROOT or RocksDB_ROOT (CMake variable or environment): an
#       install prefix (include/rocksdb/c.h, lib/librocksdb.{so,a}), with or
#       without RocksDB's CMake package under it, or the directory holding
#       RocksDBConfig.cmake;
#   otherwise the system's (Debian's librocksdb-dev).
# RocksDB's own CMake package (RocksDBConfig.cmake, written by RocksDB's
# CMake install and shipped by Debian) is used when there is one: it knows
# what a static librocksdb.a needs beside it. A prefix installed by
# RocksDB's Makefile has no package; the libraries are then found by name,
# and a static library gets its dependencies from the rocksdb.pc beside it.
#
# Defines, as RocksDB's own package does, whichever the installation has:
#   RocksDB::rocksdb         the static library
#   RocksDB::rocksdb-shared  the shared library
# and RocksDB_FOUND, RocksDB_VERSION, RocksDB_INCLUDE_DIR,
# RocksDB_STATIC_LIBRARY and RocksDB_SHARED_LIBRARY (paths, or empty),
# RocksDB_LIBRARY (the shared one, else the static one), and
# RocksDB_FOUND_AS (how it was found, for messages).
include(FindPackageHandleStandardArgs)

set(_rocksdb_root "")
foreach(_v IN ITEMS ROCKSDB_ROOT RocksDB_ROOT)
  if(NOT _rocksdb_root AND DEFINED ${_v} AND NOT "${${_v}}" STREQUAL "")
    set(_rocksdb_root "${${_v}}")
  elseif(NOT _rocksdb_root AND DEFINED ENV{${_v}} AND NOT "$ENV{${_v}}" STREQUAL "")
    set(_rocksdb_root "$ENV{${_v}}")
  endif()
endforeach()
if(_rocksdb_root)
  get_filename_component(_rocksdb_root "${_rocksdb_root}" ABSOLUTE)
  if(NOT IS_DIRECTORY "${_rocksdb_root}")
    message(FATAL_ERROR "ROCKSDB_ROOT=${_rocksdb_root} is not a directory")
  endif()
  set(_rocksdb_where HINTS "${_rocksdb_root}" NO_DEFAULT_PATH)
else()
  set(_rocksdb_where "")
endif()

# The first imported location of an imported target, whatever its
# configuration.
function(_rocksdb_location target out)
  set(loc "")
  if(TARGET ${target})
    get_target_property(loc ${target} IMPORTED_LOCATION)
    if(NOT loc)
      get_target_property(cfgs ${target} IMPORTED_CONFIGURATIONS)
      foreach(c IN LISTS cfgs)
        get_target_property(loc ${target} IMPORTED_LOCATION_${c})
        if(loc)
          break()
        endif()
      endforeach()
    endif()
  endif()
  if(NOT loc)
    set(loc "")
  endif()
  set(${out} "${loc}" PARENT_SCOPE)
endfunction()

# 1. RocksDB's own CMake package.
if(NOT TARGET RocksDB::rocksdb AND NOT TARGET RocksDB::rocksdb-shared)
  find_package(RocksDB CONFIG QUIET ${_rocksdb_where}
    PATH_SUFFIXES lib/cmake/rocksdb lib64/cmake/rocksdb
                  lib/${CMAKE_LIBRARY_ARCHITECTURE}/cmake/rocksdb)
endif()

if(TARGET RocksDB::rocksdb OR TARGET RocksDB::rocksdb-shared)
  if(RocksDB_DIR)
    set(RocksDB_FOUND_AS "its CMake package in ${RocksDB_DIR}")
  else()
    set(RocksDB_FOUND_AS "targets defined before")
  endif()
  _rocksdb_location(RocksDB::rocksdb RocksDB_STATIC_LIBRARY)
  _rocksdb_location(RocksDB::rocksdb-shared RocksDB_SHARED_LIBRARY)
  foreach(_t IN ITEMS RocksDB::rocksdb-shared RocksDB::rocksdb)
    if(TARGET ${_t} AND NOT RocksDB_INCLUDE_DIR)
      get_target_property(_inc ${_t} INTERFACE_INCLUDE_DIRECTORIES)
      foreach(_d IN LISTS _inc)
        if(EXISTS "${_d}/rocksdb/c.h")
          set(RocksDB_INCLUDE_DIR "${_d}")
          break()
        endif()
      endforeach()
    endif()
  endforeach()
else()
  # 2. A plain prefix.
  set(RocksDB_FOUND_AS "its headers and libraries")
  find_path(RocksDB_INCLUDE_DIR rocksdb/c.h ${_rocksdb_where}
    PATH_SUFFIXES include)
  find_library(RocksDB_SHARED_LIBRARY NAMES librocksdb.so ${_rocksdb_where}
    PATH_SUFFIXES lib lib64 lib/${CMAKE_LIBRARY_ARCHITECTURE})
  find_library(RocksDB_STATIC_LIBRARY NAMES librocksdb.a ${_rocksdb_where}
    PATH_SUFFIXES lib lib64 lib/${CMAKE_LIBRARY_ARCHITECTURE})
  foreach(_v IN ITEMS RocksDB_SHARED_LIBRARY RocksDB_STATIC_LIBRARY)
    if(NOT ${_v})
      set(${_v} "")
    endif()
  endforeach()
  if(RocksDB_INCLUDE_DIR AND RocksDB_SHARED_LIBRARY)
    add_library(RocksDB::rocksdb-shared SHARED IMPORTED)
    set_target_properties(RocksDB::rocksdb-shared PROPERTIES
      IMPORTED_LOCATION "${RocksDB_SHARED_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${RocksDB_INCLUDE_DIR}")
  endif()
  if(RocksDB_INCLUDE_DIR AND RocksDB_STATIC_LIBRARY)
    # What the archive needs comes from the rocksdb.pc beside it
    # (Libs.private), else only what every RocksDB needs.
    get_filename_component(_libdir "${RocksDB_STATIC_LIBRARY}" DIRECTORY)
    set(_deps "")
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND AND EXISTS "${_libdir}/pkgconfig/rocksdb.pc")
      set(_save "$ENV{PKG_CONFIG_PATH}")
      set(ENV{PKG_CONFIG_PATH} "${_libdir}/pkgconfig")
      execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --static --libs-only-l
                              --libs-only-other rocksdb
        OUTPUT_VARIABLE _pc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      set(ENV{PKG_CONFIG_PATH} "${_save}")
      separate_arguments(_pc UNIX_COMMAND "${_pc}")
      list(REMOVE_ITEM _pc -lrocksdb)
      list(APPEND _deps ${_pc})
    endif()
    find_package(Threads REQUIRED)
    list(APPEND _deps Threads::Threads ${CMAKE_DL_LIBS})
    add_library(RocksDB::rocksdb STATIC IMPORTED)
    set_target_properties(RocksDB::rocksdb PROPERTIES
      IMPORTED_LOCATION "${RocksDB_STATIC_LIBRARY}"
      IMPORTED_LINK_INTERFACE_LANGUAGES CXX
      INTERFACE_INCLUDE_DIRECTORIES "${RocksDB_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "${_deps}")
  endif()
endif()

# The version, from the headers whichever way they were found.
set(RocksDB_VERSION "")
if(RocksDB_INCLUDE_DIR AND EXISTS "${RocksDB_INCLUDE_DIR}/rocksdb/version.h")
  file(STRINGS "${RocksDB_INCLUDE_DIR}/rocksdb/version.h" _rv
    REGEX "^#define ROCKSDB_(MAJOR|MINOR|PATCH) [0-9]+")
  string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*PATCH ([0-9]+).*"
    "\\1.\\2.\\3" RocksDB_VERSION "${_rv}")
endif()

# One of the two libraries is enough for the package to be found.
set(RocksDB_LIBRARY "${RocksDB_SHARED_LIBRARY}")
if(NOT RocksDB_LIBRARY)
  set(RocksDB_LIBRARY "${RocksDB_STATIC_LIBRARY}")
endif()
set(_rocksdb_under "")
if(_rocksdb_root)
  set(_rocksdb_under " under ROCKSDB_ROOT=${_rocksdb_root}")
endif()
find_package_handle_standard_args(RocksDB
  REQUIRED_VARS RocksDB_LIBRARY RocksDB_INCLUDE_DIR
  VERSION_VAR RocksDB_VERSION
  REASON_FAILURE_MESSAGE
    "no RocksDB (rocksdb/c.h and librocksdb.so or librocksdb.a) found${_rocksdb_under}. Install Debian's librocksdb-dev, or point ROCKSDB_ROOT at a RocksDB install prefix or at the directory of its RocksDBConfig.cmake")
unset(_rocksdb_under)
unset(_rocksdb_where)
