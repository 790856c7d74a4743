# Helper functions: one library per folder, one GoogleTest executable per library, benchmarks.

function(kmiph_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  # GCC 12 at -O2 reports Asio's coroutine frame allocator as a new/delete mismatch (a false positive: the frame's
  # class-specific operator new and delete are a pair; GCC bug 104282-style analysis of coroutine frames).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
  if(KMIPH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(KMIPH_SANITIZE AND KMIPH_TSAN)
  message(FATAL_ERROR "KMIPH_SANITIZE and KMIPH_TSAN are both ON: ThreadSanitizer cannot be combined with "
                      "AddressSanitizer; configure a separate build tree for each (make test-sanitize, make test-tsan)")
endif()

if(KMIPH_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# ThreadSanitizer for kmipd's threads (make test-tsan). Only our code is instrumented: a report from inside the
# system's OpenSSL, SQLite or libpq may be suppressed in tests/tsan.supp, with its reason; ours are fixed.
if(KMIPH_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  # TSan does not model std::atomic_thread_fence (GCC warns, -Wtsan). Asio fences after the release decrement of
  # its reference counts and around each handler; without std::atomic in Asio its counts are
  # boost::detail::atomic_count (acq_rel read-modify-writes, which TSan models) and its handler fences are inline
  # assembly (as invisible to TSan as the fences were: the hand-off TSan relies on is the scheduler's mutex).
  add_compile_definitions(BOOST_ASIO_DISABLE_STD_ATOMIC)
  add_link_options(-fsanitize=thread)
endif()

# kmiph_library(NAME SOURCES ... DEPS ...)
function(kmiph_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  kmiph_warnings(${name})
endfunction()

# Everything labelled `codec` builds under this target, for the sanitizer run (make test-sanitize).
if(NOT TARGET codec_tests)
  add_custom_target(codec_tests)
endif()

# Everything labelled `server` or `postgres` (kmipd, its engine and its stores) builds under this target, for the
# ThreadSanitizer run (make test-tsan).
if(NOT TARGET server_tests)
  add_custom_target(server_tests)
endif()

# The info file of the PostgreSQL test server the CTest fixture starts (tests/postgres).
set(KMIPH_POSTGRES_INFO "${CMAKE_BINARY_DIR}/postgres-fixture.info")

# kmiph_test(NAME SOURCES ... DEPS ... LABELS ... [POSTGRES]): a GoogleTest executable registered with CTest.
# POSTGRES: its tests use the real PostgreSQL server of the `postgres` CTest fixture (tests/postgres).
function(kmiph_test name)
  if(NOT KMIPH_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "POSTGRES" "" "SOURCES;DEPS;LABELS" ${ARGN})
  set(extra_properties)
  if(ARG_POSTGRES)
    list(APPEND ARG_DEPS kmiph_test_postgres)
    set(extra_properties FIXTURES_REQUIRED postgres ENVIRONMENT "KMIPH_POSTGRES_INFO=${KMIPH_POSTGRES_INFO}")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE KMIPH_TESTDATA_DIR="${KMIPH_TESTDATA_DIR}")
  kmiph_warnings(${name})
  # One label: CMake 3.25's gtest_discover_tests splits a list-valued property apart.
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}" ${extra_properties})
  if("codec" IN_LIST ARG_LABELS)
    add_dependencies(codec_tests ${name})
  endif()
  if("server" IN_LIST ARG_LABELS OR "postgres" IN_LIST ARG_LABELS)
    add_dependencies(server_tests ${name})
  endif()
endfunction()

# kmiph_benchmark(NAME SOURCES ... DEPS ...)
function(kmiph_benchmark name)
  if(NOT KMIPH_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  target_compile_definitions(${name} PRIVATE KMIPH_TESTDATA_DIR="${KMIPH_TESTDATA_DIR}")
  kmiph_warnings(${name})
endfunction()
