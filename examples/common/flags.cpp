// Flag parsing for the examples (see flags.h).
#include "common/flags.h"

#include <algorithm>
#include <sstream>
#include <type_traits>

namespace examples {
namespace {

const std::vector<std::string> kOptimizers = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                              "adadelta", "adam", "adamw", "nadam", "adamax"};
const std::vector<std::string> kSchedulers = {"none", "step", "multistep", "exponential", "inverse_time", "cosine",
                                              "warm_restarts", "cyclic", "onecycle", "plateau"};

// The table's flags and the placeholder shown in the usage text.
const std::vector<std::pair<std::string, std::string>> kTable = {
    {"data", "DIR"}, {"epochs", "N"}, {"batch-size", "B"}, {"seed", "S"}, {"threads", "T"},
    {"optimizer", "NAME"}, {"lr", "X"}, {"momentum", "M"}, {"weight-decay", "W"}, {"clip-grad-norm", "X"},
    {"scheduler", "NAME"}, {"warmup", "N"}, {"early-stopping", "P"}, {"metrics", "FILE.csv"},
    {"plot", "FILE.png"}, {"checkpoint", "FILE"}, {"resume", "FILE"}, {"limit-train", "N"},
    {"save-weights", "FILE.safetensors"}, {"load-weights", "FILE.safetensors"}};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "|") + x;
  return s;
}

template <class T> T number(const std::string& flag, const std::string& value) {
  std::istringstream in(value);
  T v;
  // istream reads "-1" into an unsigned type as its largest value: refuse the sign instead.
  bool negative_unsigned = std::is_unsigned_v<T> && value.find('-') != std::string::npos;
  if (negative_unsigned || !(in >> v) || !in.eof())
    throw UsageError("bad value '" + value + "' for --" + flag + " (expected a number)");
  return v;
}

template <class T> T at_least(const std::string& flag, const std::string& value, T low) {
  T v = number<T>(flag, value);
  if (v < low) throw UsageError("bad value '" + value + "' for --" + flag + " (must be >= " + std::to_string(low) + ")");
  return v;
}

double positive(const std::string& flag, const std::string& value) {
  double v = number<double>(flag, value);
  if (!(v > 0)) throw UsageError("bad value '" + value + "' for --" + flag + " (must be > 0)");
  return v;
}

void check_choice(const std::string& flag, const std::string& value, const std::vector<std::string>& choices) {
  if (!choices.empty() && std::find(choices.begin(), choices.end(), value) == choices.end())
    throw UsageError("bad value '" + value + "' for --" + flag + " (expected " + join(choices) + ")");
}

std::string usage(const std::string& program, const std::vector<ExtraFlag>& extra,
                  const std::set<std::string>& not_applicable) {
  std::ostringstream os;
  os << "usage: " << program;
  size_t column = os.str().size();
  auto item = [&](const std::string& text) {
    if (column + text.size() + 1 > 96) os << "\n       ", column = 7;
    os << ' ' << text;
    column += text.size() + 1;
  };
  for (const auto& e : extra)
    item("[--" + e.name + (e.is_switch ? "" : ' ' + (e.choices.empty() ? "VALUE" : join(e.choices))) + ']');
  for (const auto& [flag, placeholder] : kTable) {
    if (not_applicable.count(flag)) continue;
    if (flag == "optimizer") item("[--optimizer " + join(kOptimizers) + ']');
    else if (flag == "scheduler") item("[--scheduler " + join(kSchedulers) + ']');
    else item("[--" + flag + ' ' + placeholder + ']');
  }
  return os.str();
}

}  // namespace

Flags parse_flags(int argc, char** argv, const Flags& defaults, const std::vector<ExtraFlag>& extra,
                  const std::set<std::string>& not_applicable) {
  Flags f = defaults;
  for (const auto& e : extra) f.extra[e.name] = e.default_value;
  std::string program = argc > 0 ? argv[0] : "example";
  program = program.substr(program.find_last_of('/') + 1);
  bool lr_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") throw HelpRequested(usage(program, extra, not_applicable));
    if (arg.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + arg + "' (flags start with --)");
    std::string flag = arg.substr(2), value;
    const bool known = std::any_of(kTable.begin(), kTable.end(), [&](const auto& t) { return t.first == flag; }) ||
                       std::any_of(extra.begin(), extra.end(), [&](const ExtraFlag& e) { return e.name == flag; });
    const bool is_switch = std::any_of(extra.begin(), extra.end(), [&](const ExtraFlag& e) {
      return e.is_switch && (e.name == flag || flag.rfind(e.name + "=", 0) == 0);
    });
    if (is_switch) {
      if (flag.find('=') != std::string::npos) throw UsageError("--" + flag.substr(0, flag.find('=')) + " takes no value");
      value = "1";
    } else if (auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (!known) {
      throw UsageError("unknown flag --" + flag + " (see --help)");
    } else {
      if (i + 1 >= argc) throw UsageError("missing value for --" + flag);
      value = argv[++i];
    }
    if (not_applicable.count(flag)) throw UsageError("--" + flag + " does not apply to " + program);
    if (flag == "data") f.data = value;
    else if (flag == "epochs") f.epochs = at_least<int>(flag, value, 1);
    else if (flag == "batch-size") f.batch_size = at_least<int64_t>(flag, value, 1);
    else if (flag == "seed") f.seed = number<uint64_t>(flag, value);
    else if (flag == "threads") f.threads = at_least<int>(flag, value, 1);
    else if (flag == "optimizer") { check_choice(flag, value, kOptimizers); f.optimizer = value; }
    else if (flag == "lr") { f.lr = positive(flag, value); lr_given = true; }
    else if (flag == "momentum") f.momentum = at_least<double>(flag, value, 0.0);
    else if (flag == "weight-decay") f.weight_decay = at_least<double>(flag, value, 0.0);
    else if (flag == "clip-grad-norm") f.clip_grad_norm = positive(flag, value);
    else if (flag == "scheduler") { check_choice(flag, value, kSchedulers); f.scheduler = value; }
    else if (flag == "warmup") f.warmup = at_least<int>(flag, value, 0);
    else if (flag == "early-stopping") f.early_stopping = at_least<int>(flag, value, 1);
    else if (flag == "metrics") f.metrics = value;
    else if (flag == "plot") f.plot = value;
    else if (flag == "checkpoint") f.checkpoint = value;
    else if (flag == "resume") f.resume = value;
    else if (flag == "limit-train") f.limit_train = at_least<int64_t>(flag, value, 1);
    else if (flag == "save-weights") f.save_weights = value;
    else if (flag == "load-weights") f.load_weights = value;
    else {
      auto e = std::find_if(extra.begin(), extra.end(), [&](const ExtraFlag& x) { return x.name == flag; });
      if (e == extra.end()) throw UsageError("unknown flag --" + flag + " (see --help)");
      check_choice(flag, value, e->choices);
      f.extra[flag] = value;
    }
    if (value.empty() && flag != "data") throw UsageError("empty value for --" + flag);
  }
  if (f.data.empty() && !not_applicable.count("data")) throw UsageError("--data is required");
  if (!lr_given && f.optimizer != defaults.optimizer) f.lr.reset();
  if (!f.load_weights.empty() && !f.resume.empty())
    throw UsageError("--load-weights cannot be combined with --resume (a training state already holds the weights)");
  if (f.warmup > 0 && f.warmup >= f.epochs)
    throw UsageError("bad value '" + std::to_string(f.warmup) + "' for --warmup (must be less than --epochs, " +
                     std::to_string(f.epochs) + ")");
  return f;
}

int64_t extra_int(const Flags& flags, const std::string& name, int64_t min) {
  return at_least<int64_t>(name, flags.extra.at(name), min);
}

double extra_double(const Flags& flags, const std::string& name, double min) {
  return at_least<double>(name, flags.extra.at(name), min);
}

}  // namespace examples
