// Fuzzes the CIFAR-10 reader (data/cifar10.cpp): an input is the test set's binary batch,
// test_batch.bin. CIFAR10 either loads (and its examples can be read) or throws.
#include <descent/descent.h>

#include "scratch.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::put("cifar/test_batch.bin", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    descent::data::CIFAR10 set((fuzz::scratch() / "cifar").string(), /*train=*/false);
    if (set.size() > 0) set.get(set.size() - 1);
  } catch (const std::exception&) {
  }
  return 0;
}
