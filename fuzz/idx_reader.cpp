// Fuzzes the MNIST reader (data/mnist.cpp over data/io.cpp): IDX files, plain and gzipped. An
// input is the test set's image file and label file (scratch.h's split, after one mode byte);
// the mode's two low bits say which of the two is stored as .gz, in which case the bytes go in
// as they are: gzip data (the seeds hold real gzip members) that zlib must decompress.
// Whatever the bytes, MNIST either loads (and its examples can be read) or throws.
#include <descent/descent.h>

#include "scratch.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  auto [images, labels] = fuzz::split(data + 1, size - 1);
  std::filesystem::remove_all(fuzz::scratch() / "mnist");
  fuzz::put(std::string("mnist/t10k-images-idx3-ubyte") + (mode & 1 ? ".gz" : ""), images);
  fuzz::put(std::string("mnist/t10k-labels-idx1-ubyte") + (mode & 2 ? ".gz" : ""), labels);
  try {
    descent::data::MNIST set((fuzz::scratch() / "mnist").string(), /*train=*/false);
    if (set.size() > 0) {
      set.get(0);
      set.get(set.size() - 1);
    }
  } catch (const std::exception&) {
    // refused with a message: what a bad file should get
  }
  return 0;
}
