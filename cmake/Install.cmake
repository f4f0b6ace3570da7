# cmake --install: the library with its SONAME links, the header, a
# pkg-config file, a CMake package (find_package(LsnTracker) gives
# LsnTracker::lsn_tracker) and the tools.
include(CMakePackageConfigHelpers)

set(LSN_TRACKER_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/LsnTracker)

install(TARGETS lsn_tracker EXPORT LsnTrackerTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
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
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/LsnTrackerConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/LsnTrackerConfigVersion.cmake
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
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lsn_tracker.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
