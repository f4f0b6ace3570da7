# LSN_TRACKER_SANITIZE=address gives ASan+UBSan, =thread gives TSan. Only
# our code is instrumented; Debian's librocksdb stays as it is.
if(LSN_TRACKER_SANITIZE STREQUAL "address")
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined
           -fno-omit-frame-pointer)
elseif(LSN_TRACKER_SANITIZE STREQUAL "thread")
  set(_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT LSN_TRACKER_SANITIZE STREQUAL "")
  message(FATAL_ERROR "LSN_TRACKER_SANITIZE must be '', 'address' or 'thread'")
endif()
if(_san)
  add_compile_options(${_san})
  add_link_options(${_san})
endif()

# Criterion needs help to run under TSan, and a race must fail its test
# (see the file): every executable gets these, libraries do not.
if(LSN_TRACKER_SANITIZE STREQUAL "thread")
  add_library(lsn_tsan_defaults OBJECT
    ${PROJECT_SOURCE_DIR}/tests/support/tsan_defaults.c)
  link_libraries(
    "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:lsn_tsan_defaults>")
endif()
