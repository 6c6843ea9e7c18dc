// Flag parsing for the examples (see flags.h).
#include "common/flags.h"

#include <algorithm>
#include <sstream>

namespace examples {
namespace {

const std::vector<std::string> kOptimizers = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                              "adadelta", "adam", "adamw", "nadam", "adamax"};
const std::vector<std::string> kSchedulers = {"none", "step", "multistep", "exponential", "inverse_time", "cosine",
                                              "warm_restarts", "cyclic", "onecycle", "plateau"};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "|") + x;
  return s;
}

template <class T> T number(const std::string& flag, const std::string& value) {
  std::istringstream in(value);
  T v;
  if (!(in >> v) || !in.eof()) throw UsageError("bad value '" + value + "' for --" + flag + " (expected a number)");
  return v;
}

template <class T> T at_least(const std::string& flag, const std::string& value, T low) {
  T v = number<T>(flag, value);
  if (v < low) throw UsageError("bad value '" + value + "' for --" + flag + " (must be >= " + std::to_string(low) + ")");
  return v;
}

void check_choice(const std::string& flag, const std::string& value, const std::vector<std::string>& choices) {
  if (!choices.empty() && std::find(choices.begin(), choices.end(), value) == choices.end())
    throw UsageError("bad value '" + value + "' for --" + flag + " (expected " + join(choices) + ")");
}

std::string usage(const std::string& program, const std::vector<ExtraFlag>& extra) {
  std::ostringstream os;
  os << "usage: " << program
     << " [--data DIR] [--epochs N] [--batch-size B] [--seed S] [--threads T]\n"
        "       [--optimizer " << join(kOptimizers) << "] [--lr X] [--momentum M]\n"
        "       [--weight-decay W] [--clip-grad-norm X] [--scheduler " << join(kSchedulers) << "]\n"
        "       [--warmup N] [--early-stopping P] [--metrics FILE.csv] [--plot FILE.png]\n"
        "       [--checkpoint FILE] [--resume FILE] [--limit-train N]";
  for (const auto& e : extra) os << " [--" << e.name << ' ' << (e.choices.empty() ? "VALUE" : join(e.choices)) << ']';
  return os.str();
}

}  // namespace

Flags parse_flags(int argc, char** argv, const Flags& defaults, const std::vector<ExtraFlag>& extra) {
  Flags f = defaults;
  for (const auto& e : extra) f.extra[e.name] = e.default_value;
  const std::string program = argc > 0 ? argv[0] : "example";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") throw UsageError(usage(program, extra));
    if (arg.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + arg + "' (flags start with --)");
    std::string flag = arg.substr(2), value;
    if (auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else {
      if (i + 1 >= argc) throw UsageError("missing value for --" + flag);
      value = argv[++i];
    }
    if (flag == "data") f.data = value;
    else if (flag == "epochs") f.epochs = at_least<int>(flag, value, 1);
    else if (flag == "batch-size") f.batch_size = at_least<int64_t>(flag, value, 1);
    else if (flag == "seed") f.seed = number<uint64_t>(flag, value);
    else if (flag == "threads") f.threads = at_least<int>(flag, value, 1);
    else if (flag == "optimizer") { check_choice(flag, value, kOptimizers); f.optimizer = value; }
    else if (flag == "lr") f.lr = number<double>(flag, value);
    else if (flag == "momentum") f.momentum = number<double>(flag, value);
    else if (flag == "weight-decay") f.weight_decay = number<double>(flag, value);
    else if (flag == "clip-grad-norm") f.clip_grad_norm = number<double>(flag, value);
    else if (flag == "scheduler") { check_choice(flag, value, kSchedulers); f.scheduler = value; }
    else if (flag == "warmup") f.warmup = at_least<int>(flag, value, 0);
    else if (flag == "early-stopping") f.early_stopping = at_least<int>(flag, value, 1);
    else if (flag == "metrics") f.metrics = value;
    else if (flag == "plot") f.plot = value;
    else if (flag == "checkpoint") f.checkpoint = value;
    else if (flag == "resume") f.resume = value;
    else if (flag == "limit-train") f.limit_train = at_least<int64_t>(flag, value, 1);
    else {
      auto e = std::find_if(extra.begin(), extra.end(), [&](const ExtraFlag& x) { return x.name == flag; });
      if (e == extra.end()) throw UsageError("unknown flag --" + flag + " (see --help)");
      check_choice(flag, value, e->choices);
      f.extra[flag] = value;
    }
  }
  if (f.lr && !(*f.lr > 0)) throw UsageError("bad value for --lr (must be > 0)");
  return f;
}

}  // namespace examples
