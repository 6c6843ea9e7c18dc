// print_cpu_line (see cpu_line.h).
#include "common/cpu_line.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <descent/descent.h>

namespace examples {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    // "model name\t: AMD EPYC 7B13 64-Core Processor": the words after the colon, one space apart
    // (some Intel names pad with runs of spaces).
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string name;
    for (std::string word; words >> word;) name += (name.empty() ? "" : " ") + word;
    return name;
  }
  return "";
}

void print_cpu_line() {
  const std::string model = cpu_model_name();
  const int threads = descent::get_num_threads();
  const std::string where = model.empty() ? "" : model + ", ";
  std::printf("cpu: %s (%s%d thread%s)\n", descent::cpu_capability().c_str(), where.c_str(), threads,
              threads == 1 ? "" : "s");
}

}  // namespace examples
