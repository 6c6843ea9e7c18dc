// libFuzzer harness for the safetensors reader (tensor/safetensors.h): any bytes given as a file
// must either load or throw std::runtime_error naming the problem; a crash, a sanitizer report,
// a hang or any other exception is a bug. Each input is read as named tensors, then loaded
// without strictness into a small module (which exercises the checks against a model, and the
// copy into it, when a file happens to fit).
//   fuzz/run.sh [SECONDS]      builds every harness and runs each on its corpus
// The input lives in a memory file (memfd), so no disk is touched per run.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <descent/descent.h>

namespace {

std::string memory_file(const uint8_t* data, size_t size) {
  static const int fd = ::memfd_create("safetensors_input", 0);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) std::abort();
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, off_t(done));
    if (n <= 0) std::abort();
    done += size_t(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_num_threads(1);  // one input at a time; a pool of threads only adds noise
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = memory_file(data, size);
  try {
    descent::SafetensorsMetadata metadata;
    descent::load_safetensors(path, &metadata);
  } catch (const std::runtime_error&) {
  }
  // Names a file may well use; shapes it may or may not match.
  static auto model = std::make_shared<descent::nn::Sequential>(descent::nn::Linear(2, 3), descent::nn::BatchNorm1d(3));
  try {
    descent::load_safetensors(model, path, /*strict=*/false);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
