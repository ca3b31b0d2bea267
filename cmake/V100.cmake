# Helpers shared by every layer.

# v100_library(NAME SOURCES ... DEPS ...): a layer library rooted at src/ for includes.
function(v100_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${A_DEPS})
endfunction()

# v100_test(NAME SOURCES ... DEPS ... [LABELS ...]): one GoogleTest binary registered with CTest.
function(v100_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main Threads::Threads)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE V100_VECTORS_DIR="${V100_VECTORS_DIR}"
                                             V100_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${A_TIMEOUT})
  if(A_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${A_LABELS}")
  endif()
endfunction()

# v100_fuzz_sources(OUT): the fuzz targets fuzz/<name>_fuzz.cc, for fuzz/ (libFuzzer) and tests/fuzz
# (smoke). Each reads its seeds from fuzz/corpus/<name>/: a target without a non-empty folder of that
# exact name, or a folder no target reads, stops the configure (a misnamed folder once meant a
# target ran on no seed at all while its test passed). The seed globs are CONFIGURE_DEPENDS, so a
# build after seeds are removed or a folder renamed re-runs this check.
function(v100_fuzz_sources out)
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/*_fuzz.cc)
  set(names "")
  foreach(src ${sources})
    get_filename_component(target ${src} NAME_WE)
    string(REGEX REPLACE "_fuzz$" "" name ${target})
    list(APPEND names ${name})
    file(GLOB seeds CONFIGURE_DEPENDS LIST_DIRECTORIES false ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name}/*)
    if(NOT seeds)
      message(FATAL_ERROR "fuzz target ${target} has no seeds: fuzz/corpus/${name}/ is missing or empty")
    endif()
  endforeach()
  file(GLOB folders CONFIGURE_DEPENDS LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/fuzz/corpus/*)
  foreach(folder ${folders})
    get_filename_component(name ${folder} NAME)
    if(IS_DIRECTORY ${folder} AND NOT name IN_LIST names)
      message(FATAL_ERROR "fuzz/corpus/${name}/ is read by no target (expected fuzz/${name}_fuzz.cc)")
    endif()
  endforeach()
  set(${out} ${sources} PARENT_SCOPE)
endfunction()
