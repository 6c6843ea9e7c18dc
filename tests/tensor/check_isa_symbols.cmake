# Checks that the object files of one instruction set's build of the tuned kernels
# (tensor/kernels/simd/isa/, compiled with -mavx2, -mavx512f ...) define no symbol that other
# code could bind to, outside namespace descent::kernels::simd::<set>.
#
# Why: an inline function or a template instantiation is a weak symbol, and of all the copies
# the linker keeps one. A copy compiled with -mavx512f that shares its name with the baseline
# library's copy (say, of a std:: template) may be the one kept, and then the plain path runs
# AVX-512 instructions and dies on an older CPU (isa/isa.h). Local symbols (static functions,
# anonymous namespaces) cannot be shared that way, so only global, weak and unique ones count.
#
#   cmake -DNM=nm -DISA=avx2 "-DOBJECTS=a.o|b.o" -P tests/tensor/check_isa_symbols.cmake
# (tests/simd/CMakeLists.txt registers it with CTest for every per-set object library.)
cmake_minimum_required(VERSION 3.25)

if(NOT NM OR NOT ISA OR NOT OBJECTS)
  message(FATAL_ERROR "usage: cmake -DNM=<nm> -DISA=<set> -DOBJECTS=<a.o|b.o...> -P check_isa_symbols.cmake")
endif()
string(REPLACE "|" ";" OBJECTS "${OBJECTS}")

# Itanium C++ mangling of a name in descent::kernels::simd::<set>: _ZN, then any cv- or
# ref-qualifiers of a member function, then the namespaces, each with its length. The special
# names built on such a name are allowed too: a function's static variable (_ZZ...), its guard
# (_ZGVZ...), vtables and type information (_ZTV, _ZTI, _ZTS), thread-local wrappers (_ZTH, _ZTW).
string(LENGTH "${ISA}" isa_length)
set(allowed "^_Z(T[VISHW]|GV)?Z?N[rVKRO]*7descent7kernels4simd${isa_length}${ISA}")

find_program(CXXFILT c++filt)
set(violations "")
set(symbols 0)
foreach(object IN LISTS OBJECTS)
  if(NOT EXISTS "${object}")
    message(FATAL_ERROR "${object}: not found (build first)")
  endif()
  # POSIX format: one "name type value size" line per symbol.
  execute_process(COMMAND ${NM} --defined-only -P "${object}" OUTPUT_VARIABLE listing RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${object}")
  endif()
  string(REPLACE "\n" ";" lines "${listing}")
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "^([^ ]+) ([A-Za-z]) ")
      continue()
    endif()
    set(name "${CMAKE_MATCH_1}")
    set(type "${CMAKE_MATCH_2}")
    # Upper case: global (W, V: weak); u: unique global (an inline function's static); i: ifunc.
    if(NOT type MATCHES "^[A-Zui]$")
      continue()
    endif()
    math(EXPR symbols "${symbols} + 1")
    # DW.ref.__gxx_personality_v0: the pointer to the C++ runtime's exception personality that
    # code with cleanups refers to; the same data in every object, no instructions.
    if(name MATCHES "${allowed}" OR name STREQUAL "DW.ref.__gxx_personality_v0")
      continue()
    endif()
    set(shown "${name}")
    if(CXXFILT)
      execute_process(COMMAND ${CXXFILT} "${name}" OUTPUT_VARIABLE shown OUTPUT_STRIP_TRAILING_WHITESPACE)
    endif()
    get_filename_component(file "${object}" NAME)
    list(APPEND violations "  ${file}: ${type} ${shown}")
  endforeach()
endforeach()

list(LENGTH OBJECTS count)
if(violations)
  list(JOIN violations "\n" text)
  message(FATAL_ERROR "symbols outside namespace descent::kernels::simd::${ISA} in the ${ISA} objects; "
                      "move them into the namespace or make them local (static, anonymous namespace):\n${text}")
endif()
if(symbols EQUAL 0)
  message(FATAL_ERROR "no global symbol at all in ${count} ${ISA} objects: not the kernels' objects?")
endif()
message(STATUS "${count} ${ISA} objects: ${symbols} global symbols, all in descent::kernels::simd::${ISA}")
