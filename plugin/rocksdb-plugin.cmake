# RocksDB's plugin contract for its CMake build: with
# -DROCKSDB_PLUGINS=lsn_tracker, RocksDB's CMakeLists.txt calls
# add_subdirectory(plugin/lsn_tracker), reaching plugin/CMakeLists.txt,
# which includes this file and returns. RocksDB then reads
# lsn_tracker_SOURCES and lsn_tracker_COMPILE_FLAGS from this scope (and
# lsn_tracker.mk's sources and registrar with regular expressions), and
# compiles the sources into its own library with its own flags: its C++
# standard and its RTTI setting come with it.
#
# Nothing here may change a flag of RocksDB's own sources (an include
# directory, a definition): RocksDB would rebuild all of them whenever this
# plugin's setup changed. The flags go to this plugin's sources only.

# This directory is normally a symbolic link; the public header lives
# beside its target, not beside the link.
get_filename_component(_lsn_dir "${CMAKE_CURRENT_LIST_DIR}" REALPATH)
get_filename_component(_lsn_include "${_lsn_dir}/../include" ABSOLUTE)
if(NOT EXISTS "${_lsn_include}/lsn_tracker.h")
  message(FATAL_ERROR "lsn_tracker: ${_lsn_include}/lsn_tracker.h not found. "
    "Link the plugin/ directory of a checkout of rocksdb-lsn-tracker as "
    "plugin/lsn_tracker (ln -s), do not copy it alone.")
endif()

# The one list of sources, shared with the project's own build and make.
file(STRINGS "${_lsn_dir}/lsn_tracker.mk" _lsn_line
  REGEX "^lsn_tracker_SOURCES = ")
string(REGEX REPLACE "^lsn_tracker_SOURCES = " "" _lsn_sources "${_lsn_line}")
separate_arguments(_lsn_sources)
# Listed here as well as in the .mk so that the flags below reach them;
# RocksDB adds each source once.
set(lsn_tracker_SOURCES ${_lsn_sources} PARENT_SCOPE)
# LSN_TRACKER_BUILTIN: RocksDB's registrar registers the objects, not a
# load-time constructor (plugin/rocksdb/register.cc).
set(lsn_tracker_COMPILE_FLAGS
  "-DLSN_TRACKER_BUILTIN -I${_lsn_dir} -I${_lsn_include}" PARENT_SCOPE)

# RocksDB installs listed headers only from inside the plugin directory;
# install the public header beside its own, for hosts of the library.
if(NOT WIN32 OR ROCKSDB_INSTALL_ON_WINDOWS)
  include(GNUInstallDirs)
  install(FILES "${_lsn_include}/lsn_tracker.h"
    COMPONENT devel
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/rocksdb/plugin/lsn_tracker")
endif()
message(STATUS "lsn_tracker: compiled into RocksDB from ${_lsn_dir}")
