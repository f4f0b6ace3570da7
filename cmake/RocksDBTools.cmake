# RocksDB's own command-line tools, from Debian's rocksdb-tools (which
# tools/deps.sh installs, so CI always has them). They are optional for a
# build by hand: a test that runs them is registered either way and, when
# one is missing, is skipped with a message that names it, so a missing
# package shows in CTest's summary instead of the test vanishing.
find_program(DB_BENCH_PROGRAM db_bench)
find_program(SST_DUMP_PROGRAM sst_dump)
find_program(LDB_PROGRAM ldb)

# lsn_tool_test(NAME <test> NEEDS <tool>... COMMAND <command>...)
# Adds the test, or one that is skipped if a tool it NEEDS (db_bench,
# sst_dump, ldb) was not found. Set properties with set_tests_properties
# as for any test.
function(lsn_tool_test)
  cmake_parse_arguments(T "" "NAME" "NEEDS;COMMAND" ${ARGN})
  set(missing "")
  foreach(tool IN LISTS T_NEEDS)
    string(TOUPPER "${tool}_PROGRAM" var)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "lsn_tool_test(${T_NAME}): unknown tool ${tool}")
    endif()
    if(NOT ${var})
      list(APPEND missing ${tool})
    endif()
  endforeach()
  if(missing)
    list(JOIN missing ", " missing)
    set(why "${T_NAME} skipped: ${missing} not found; install rocksdb-tools (tools/deps.sh)")
    message(STATUS "${why}")
    add_test(NAME ${T_NAME} COMMAND sh -c "echo \"$0\"; exit 77" "${why}")
    set_tests_properties(${T_NAME} PROPERTIES SKIP_RETURN_CODE 77)
  else()
    add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
  endif()
endfunction()
