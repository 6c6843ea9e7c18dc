#pragma once
// Command-line flags shared by the training examples (the table in CONTRACT.md). Parsing is
// strict: an unknown flag, a missing value or a bad number is a UsageError, which main turns
// into one line on stderr and exit status 2.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace examples {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Flags {
  std::string data;
  int epochs = 1;
  int64_t batch_size = 64;
  uint64_t seed = 0;
  int threads = 0;  // 0: every core
  std::string optimizer = "sgd";
  std::optional<double> lr, momentum, weight_decay, clip_grad_norm;
  std::string scheduler = "none";
  int warmup = 0;
  int early_stopping = 0;  // 0: off
  std::string metrics, plot, checkpoint, resume;
  int64_t limit_train = 0;  // 0: all
  std::map<std::string, std::string> extra;  // example-specific flags (--model, --variant, --out)
};

// An example-specific flag: its name (without "--"), default and, if not empty, allowed values.
struct ExtraFlag {
  std::string name;
  std::string default_value;
  std::vector<std::string> choices;
};

// Parses argv on top of `defaults`. Throws UsageError naming the problem; "--help" throws one
// whose message is the usage text.
Flags parse_flags(int argc, char** argv, const Flags& defaults, const std::vector<ExtraFlag>& extra = {});

}  // namespace examples
