# Cross-compiling for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu, for CI's build of the
# dependency-free kernel tests (tests/simd), which it runs under qemu-aarch64-static:
#   cmake -S tests/simd -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=$PWD/cmake/aarch64-linux-gnu.cmake
#   cmake --build build-aarch64 && ctest --test-dir build-aarch64
# Programs are linked statically, so that qemu runs them without an aarch64 system root; CTest
# starts them through qemu (CMAKE_CROSSCOMPILING_EMULATOR).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)

# Libraries and headers from the cross toolchain's folder only; programs (nm, qemu) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(DESCENT_QEMU_AARCH64 qemu-aarch64-static)
if(DESCENT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${DESCENT_QEMU_AARCH64})
endif()
