// Fuzzes image decoding through ImageFolder (data/image_folder.cpp): an input is two image files
// (scratch.h's split), put in two class folders, so that both decoding and the checks between
// images (same size and channels) are reached. stb_image itself is compiled into this harness,
// so that the sanitizers watch the decoder too, not only the code around it.
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

#include <descent/descent.h>

#include "scratch.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [first, second] = fuzz::split(data, size);
  std::filesystem::remove_all(fuzz::scratch() / "images");
  fuzz::put("images/a/first.png", first);
  if (!second.empty()) fuzz::put("images/b/second.jpg", second);
  try {
    descent::data::ImageFolder set((fuzz::scratch() / "images").string());
    set.get(set.size() - 1);
  } catch (const std::exception&) {
  }
  return 0;
}
