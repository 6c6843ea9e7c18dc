// The process the kill test kills (tests/nn/test_checkpoint_kill.cpp): it saves checkpoints of
// one size to one path in a loop, version after version, until killed or done:
//   checkpoint_writer PATH NUMEL FIRST_VERSION [COUNT]
// Version v holds an int64 "version" = v, a float32 tensor "values" of NUMEL elements all equal to
// v, and a string "label" "version v", so a reader can tell a complete version from any mix.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <descent/descent.h>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: checkpoint_writer PATH NUMEL FIRST_VERSION [COUNT]\n");
    return 2;
  }
  using namespace descent;
  set_num_threads(1);  // one thread: the kill lands in the save, not in a thread pool's start-up
  const std::string path = argv[1];
  const int64_t numel = std::atoll(argv[2]), first = std::atoll(argv[3]);
  const int64_t count = argc > 4 ? std::atoll(argv[4]) : -1;
  try {
    for (int64_t v = first; count < 0 || v < first + count; ++v) {
      serialize::OutputArchive archive;
      archive.write("version", v);
      archive.write("values", full({numel}, double(v)));
      archive.write("label", "version " + std::to_string(v));
      archive.save_to(path);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_writer: %s\n", e.what());
    return 2;
  }
  return 0;
}
