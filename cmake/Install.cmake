# cmake --install: the shared library with its SONAME links, the static
# archive, the header, two pkg-config files (lsn_tracker,
# lsn_tracker-static), a CMake package (find_package(LsnTracker) gives
# LsnTracker::lsn_tracker and LsnTracker::lsn_tracker_static) and the tools.
include(CMakePackageConfigHelpers)

set(LSN_TRACKER_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/LsnTracker)

install(TARGETS lsn_tracker lsn_tracker_static EXPORT LsnTrackerTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# Both programs, installed the same way: each finds (links or dlopen()s)
# the installed library next door.
foreach(tool IN ITEMS lsn-inspect lsn-demo)
  set_target_properties(${tool} PROPERTIES
    INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
  install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endforeach()

install(EXPORT LsnTrackerTargets NAMESPACE LsnTracker::
  DESTINATION ${LSN_TRACKER_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/LsnTrackerConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/LsnTrackerConfig.cmake
  INSTALL_DESTINATION ${LSN_TRACKER_CMAKEDIR})
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/LsnTrackerConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
# FindRocksDB.cmake beside the config: it finds the RocksDB the library
# was built against again (find_dependency), whether that RocksDB has a
# CMake package of its own or not.
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/LsnTrackerConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/LsnTrackerConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/FindRocksDB.cmake
  DESTINATION ${LSN_TRACKER_CMAKEDIR})

# The .pc file finds its prefix from where it lies, so that
# `cmake --install --prefix X` and a moved tree both stay right.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(LSN_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _up "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" _up "${_up}")
  set(LSN_PC_PREFIX "\${pcfiledir}/${_up}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/lsn_tracker.pc.in
  ${CMAKE_CURRENT_BINARY_DIR}/lsn_tracker.pc @ONLY)
# lsn_tracker-static: the archive, and with --static the RocksDB archive
# it was built against (ROCKSDB_STATIC_PC_LIBS, cmake/RocksDB.cmake).
set(LSN_PC_ROCKSDB_CFLAGS "")
if(NOT RocksDB_INCLUDE_DIR STREQUAL "/usr/include")
  set(LSN_PC_ROCKSDB_CFLAGS " -I${RocksDB_INCLUDE_DIR}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/lsn_tracker-static.pc.in
  ${CMAKE_CURRENT_BINARY_DIR}/lsn_tracker-static.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lsn_tracker.pc
              ${CMAKE_CURRENT_BINARY_DIR}/lsn_tracker-static.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
