# The tuned kernels' per-instruction-set builds, in one place: which instruction sets an
# architecture has kernels for, the compiler flags of each, and an object library compiling every
# source of tensor/kernels/simd/isa/ for one of them. The library (top-level CMakeLists.txt) and
# the dependency-free kernel tests (tests/simd/CMakeLists.txt, also built alone and cross-built
# for aarch64) both use it, so that the tests compile the kernels exactly as the library does.
#
# Each copy gets DESCENT_ISA_<SET>, which puts its code in namespace
# descent::kernels::simd::<set> (isa/isa.h says why a namespace per copy).

# descent_isa_sets(<var>): the instruction sets of the target architecture, in increasing order.
function(descent_isa_sets out)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set(${out} avx2 avx512 PARENT_SCOPE)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    set(${out} neon PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# descent_isa_flags(<set> <var>): the flags that let the compiler use <set>'s instructions.
function(descent_isa_flags isa out)
  if(isa STREQUAL "avx2")
    set(${out} -mavx2 -mfma PARENT_SCOPE)
  elseif(isa STREQUAL "avx512")
    set(${out} -mavx512f -mavx512vl -mavx512bw -mavx512dq -mavx2 -mfma PARENT_SCOPE)
  elseif(isa STREQUAL "neon")
    set(${out} "" PARENT_SCOPE)  # Advanced SIMD is the aarch64 baseline
  else()
    message(FATAL_ERROR "descent_isa_flags: unknown instruction set '${isa}'")
  endif()
endfunction()

# descent_isa_objects(<target> <set> [FLAGS <flags>...] [OPTIONS <options>...]): an object
# library of tensor/kernels/simd/isa/*.cpp for <set>. FLAGS replaces the set's own instruction
# flags (the tests build AVX-512's tiles with AVX2's flags this way); OPTIONS are added after
# them (the sanitizers). The compile options replace the directory's, so that -march=native
# never widens a lower set's copy.
function(descent_isa_objects target isa)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "FLAGS;OPTIONS")
  if(NOT DEFINED arg_FLAGS)
    descent_isa_flags(${isa} arg_FLAGS)
  endif()
  cmake_path(GET CMAKE_CURRENT_FUNCTION_LIST_DIR PARENT_PATH root)  # the source root
  file(GLOB sources CONFIGURE_DEPENDS ${root}/tensor/kernels/simd/isa/*.cpp)
  add_library(${target} OBJECT ${sources})
  string(TOUPPER ${isa} ISA)
  target_compile_definitions(${target} PRIVATE DESCENT_ISA_${ISA})
  set_property(TARGET ${target} PROPERTY COMPILE_OPTIONS
               -Wall -Wextra -Wno-sign-compare -O3 ${arg_FLAGS} ${arg_OPTIONS})
  target_include_directories(${target} PRIVATE ${root})
endfunction()
