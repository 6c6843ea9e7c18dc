// Fuzzes the examples' command-line parser (examples/common/flags.cpp): an input is a command
// line, one argument per line, after a mode byte that picks the program's shape (plain; with
// example-specific flags as mnist_cnn and iris_hinge have; with flags that do not apply, as
// linear_regression refuses --optimizer). parse_flags either returns or throws a UsageError.
#include <cstring>
#include <string>
#include <vector>

#include "common/flags.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::vector<std::string> words = {"program"};
  std::string word;
  for (size_t i = 1; i < size; ++i) {
    if (data[i] == '\n') {
      words.push_back(word);
      word.clear();
    } else {
      word += char(data[i]);
    }
  }
  if (size > 1) words.push_back(word);
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  examples::Flags defaults;
  defaults.data = "/data";
  std::vector<examples::ExtraFlag> extra;
  std::set<std::string> not_applicable;
  if (mode % 3 == 1) extra = {{"model", "small", {"small", "lenet5"}}, {"l2", "0.01", {}}};
  if (mode % 3 == 2) not_applicable = {"optimizer", "momentum", "data"};
  try {
    examples::parse_flags(int(words.size()), argv.data(), defaults, extra, not_applicable);
  } catch (const examples::UsageError&) {
    // HelpRequested is a UsageError too; anything else escaping is a finding
  }
  return 0;
}
