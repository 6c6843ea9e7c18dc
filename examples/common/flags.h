#pragma once
// Command-line flags shared by the training examples (the table in CONTRACT.md). Parsing is
// strict: an unknown flag, a missing value or a bad number is a UsageError, which main turns
// into one line on stderr and exit status 2 (common/main.h). This file only reads the command
// line; turning flags into an optimizer and a schedule is common/training.h.
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
// "--help": its message is the usage text, printed on stdout with exit status 0.
struct HelpRequested : UsageError {
  using UsageError::UsageError;
};

struct Flags {
  std::string data;
  int epochs = 1;
  int64_t batch_size = 64;
  uint64_t seed = 0;
  int threads = 0;  // 0: every core
  std::string optimizer = "sgd";
  // An example's default lr belongs to its default optimizer: choosing another optimizer
  // without --lr gives that optimizer's own default (common/training.cpp).
  std::optional<double> lr, momentum, weight_decay, clip_grad_norm;
  std::string scheduler = "none";
  int warmup = 0;
  int early_stopping = 0;  // 0: off
  std::string metrics, plot, checkpoint, resume;
  std::string save_weights, load_weights;  // safetensors files: the final weights / weights to start from
  int64_t limit_train = 0;  // 0: all
  std::map<std::string, std::string> extra;  // example-specific flags (--model, --variant)
};

// An example-specific flag: its name (without "--"), default and, if not empty, allowed values.
// A switch takes no value: given, it is "1" (its default is usually "0").
struct ExtraFlag {
  std::string name;
  std::string default_value;
  std::vector<std::string> choices;
  bool is_switch = false;  // takes no value: "--name" alone sets it to "1" (default "0")
};

// Parses argv on top of `defaults`. `not_applicable` lists flags of the table that this program
// refuses (linear_regression has no --optimizer). Throws UsageError naming the problem, or
// HelpRequested for --help.
Flags parse_flags(int argc, char** argv, const Flags& defaults, const std::vector<ExtraFlag>& extra = {},
                  const std::set<std::string>& not_applicable = {});

// An example-specific flag's value read as a number at least `min`, with the same errors as the
// table's flags ("bad value 'x' for --n-layer (expected a number)", "... (must be >= 1)").
int64_t extra_int(const Flags& flags, const std::string& name, int64_t min);
double extra_double(const Flags& flags, const std::string& name, double min);

}  // namespace examples
