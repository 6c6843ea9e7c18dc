// Fuzzes the Iris CSV reader of iris_hinge (examples/common/iris_csv.cpp): an input is the file.
#include "common/iris_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    examples::Iris iris = examples::parse_iris(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
    iris.features.sum();
  } catch (const std::exception&) {
  }
  return 0;
}
