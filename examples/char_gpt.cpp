// char_gpt: a character-level GPT trained on Tiny Shakespeare, nanoGPT's CPU run in C++.
//
//   build/examples/char_gpt                       # 2000 iterations of nanoGPT's CPU configuration
//   build/examples/char_gpt --sample 500          # then print 500 generated characters
//   build/examples/char_gpt --model lstm          # a 2-layer LSTM on the same task, for comparison
//
// The data is one text file: every distinct character is a token (65 for Tiny Shakespeare), the
// first 90% trains and the last 10% validates. A training batch is --batch-size windows of
// --block-size characters at random offsets; the target of each position is the next character.
// The defaults are nanoGPT's (train.py with config/train_shakespeare_char.py and its CPU
// overrides): 4 layers, 4 heads, 128 wide, block 64, batch 12, 2000 iterations, AdamW with
// betas (0.9, 0.99) and weight decay 0.1 on the 2-D weights only, lr 1e-3 warmed up over 100
// iterations then cosine down to 1e-4, gradients clipped at norm 1, dropout 0, and every 250
// iterations the mean loss of 20 random batches of each split. The model is in
// common/language_models.h; this file is the data, the loop, checkpoints and sampling.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "common/cpu_line.h"
#include "common/flags.h"
#include "common/language_models.h"
#include "common/main.h"

using namespace descent;

namespace {

#ifndef DESCENT_SHAKESPEARE
#define DESCENT_SHAKESPEARE "../shared/data/tinyshakespeare/input.txt"
#endif

// ---- flags ------------------------------------------------------------------------------------

struct Config {
  examples::Flags flags;
  std::string model;
  examples::ModelConfig net;
  int64_t max_iters, warmup_iters, eval_interval, eval_iters, sample;
  double lr, min_lr, weight_decay, temperature;
  int64_t top_k;
};

Config parse(int argc, char** argv) {
  examples::Flags defaults;
  defaults.data = DESCENT_SHAKESPEARE;
  defaults.batch_size = 12;
  defaults.lr = 1e-3;
  defaults.weight_decay = 0.1;
  const std::vector<examples::ExtraFlag> extra = {
      {"model", "gpt", {"gpt", "lstm"}}, {"n-layer", "4", {}}, {"n-head", "4", {}}, {"n-embd", "128", {}},
      {"block-size", "64", {}}, {"max-iters", "2000", {}}, {"min-lr", "1e-4", {}}, {"warmup-iters", "100", {}},
      {"dropout", "0", {}}, {"eval-interval", "250", {}}, {"eval-iters", "20", {}}, {"sample", "0", {}},
      {"temperature", "0.8", {}}, {"top-k", "200", {}}};
  Config c;
  c.flags = examples::parse_flags(argc, argv, defaults, extra,
                                  {"epochs", "optimizer", "momentum", "clip-grad-norm", "scheduler", "warmup",
                                   "early-stopping", "limit-train"});
  const examples::Flags& f = c.flags;
  c.model = f.extra.at("model");
  c.net.n_layer = examples::extra_int(f, "n-layer", 1);
  c.net.n_head = examples::extra_int(f, "n-head", 1);
  c.net.n_embd = examples::extra_int(f, "n-embd", 1);
  c.net.block_size = examples::extra_int(f, "block-size", 1);
  c.net.dropout = examples::extra_double(f, "dropout", 0.0);
  c.max_iters = examples::extra_int(f, "max-iters", 0);
  c.warmup_iters = examples::extra_int(f, "warmup-iters", 0);
  c.eval_interval = examples::extra_int(f, "eval-interval", 1);
  c.eval_iters = examples::extra_int(f, "eval-iters", 1);
  c.sample = examples::extra_int(f, "sample", 0);
  c.temperature = examples::extra_double(f, "temperature", 0.0);
  c.top_k = examples::extra_int(f, "top-k", 1);
  c.lr = *f.lr;
  c.min_lr = examples::extra_double(f, "min-lr", 0.0);
  c.weight_decay = f.weight_decay.value_or(0.1);
  if (c.net.dropout >= 1) throw examples::UsageError("bad value '" + f.extra.at("dropout") + "' for --dropout (must be < 1)");
  if (c.temperature <= 0)
    throw examples::UsageError("bad value '" + f.extra.at("temperature") + "' for --temperature (must be > 0)");
  if (c.model == "gpt" && c.net.n_embd % c.net.n_head != 0)
    throw examples::UsageError("--n-embd " + std::to_string(c.net.n_embd) + " is not divisible by --n-head " +
                               std::to_string(c.net.n_head));
  return c;
}

// ---- data -------------------------------------------------------------------------------------

struct Text {
  std::string chars;                      // the vocabulary: every distinct character, sorted
  std::vector<int64_t> train, val;        // the text as token ids, split 90/10
  std::string decode(const std::vector<int64_t>& ids) const {
    std::string s;
    for (int64_t i : ids) s += chars[size_t(i)];
    return s;
  }
};

Text load_text(const std::string& path, int64_t block_size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path + " (HINT: --data FILE names a plain text file)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  Text t;
  for (unsigned char ch : text) if (t.chars.find(char(ch)) == std::string::npos) t.chars += char(ch);
  std::sort(t.chars.begin(), t.chars.end());
  int64_t id_of[256] = {};
  for (size_t i = 0; i < t.chars.size(); ++i) id_of[static_cast<unsigned char>(t.chars[i])] = int64_t(i);
  const size_t n_train = text.size() * 9 / 10;
  for (size_t i = 0; i < text.size(); ++i)
    (i < n_train ? t.train : t.val).push_back(id_of[static_cast<unsigned char>(text[i])]);
  const int64_t shortest = int64_t(std::min(t.train.size(), t.val.size()));
  if (shortest <= block_size)
    throw std::runtime_error(path + ": too short (" + std::to_string(text.size()) + " characters) for --block-size " +
                             std::to_string(block_size) + ": each split needs more than one block");
  return t;
}

// B windows of T + 1 characters at random offsets: inputs x and targets y (x shifted by one).
std::pair<Tensor, Tensor> get_batch(const std::vector<int64_t>& data, int64_t B, int64_t T, Generator& gen) {
  Tensor x = empty({B, T}, kInt64), y = empty({B, T}, kInt64);
  int64_t* px = x.data_ptr<int64_t>();
  int64_t* py = y.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t start = gen.next_below(int64_t(data.size()) - T);
    std::copy_n(data.begin() + start, T, px + b * T);
    std::copy_n(data.begin() + start + 1, T, py + b * T);
  }
  return {x, y};
}

// The training batches' generator, saved in checkpoints (evaluation draws from its own).
struct BatchSampler {
  Generator gen;
  void save(serialize::OutputArchive& a, const std::string& p) const {
    a.write(p + "seed", int64_t(gen.seed()));
    a.write(p + "offset", int64_t(gen.offset()));
  }
  void load(const serialize::InputArchive& a, const std::string& p) {
    gen.set_state(uint64_t(a.read_int(p + "seed")), uint64_t(a.read_int(p + "offset")));
  }
};

// ---- the log ------------------------------------------------------------------------------------

struct Evaluation {
  int64_t iter;
  double train_loss, val_loss, lr, seconds;
};

struct Log {
  std::vector<Evaluation> rows;
  void save(serialize::OutputArchive& a, const std::string& p) const {
    std::vector<double> v;
    for (const auto& r : rows) v.insert(v.end(), {double(r.iter), r.train_loss, r.val_loss, r.lr, r.seconds});
    a.write(p + "rows", tensor(v, {int64_t(rows.size()), 5}, kFloat64));
  }
  void load(const serialize::InputArchive& a, const std::string& p) {
    Tensor t = a.read_tensor(p + "rows");
    if (t.dim() != 2 || t.size(1) != 5) throw std::runtime_error("checkpoint " + a.path() + ": bad log table");
    std::vector<double> v = t.to_vector<double>();
    rows.clear();
    for (size_t i = 0; i + 4 < v.size(); i += 5) rows.push_back({int64_t(v[i]), v[i + 1], v[i + 2], v[i + 3], v[i + 4]});
  }
  void write_csv(const std::string& path) const {
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp);
      out << "iter,train_loss,val_loss,lr,seconds\n";
      for (const auto& r : rows) out << r.iter << ',' << r.train_loss << ',' << r.val_loss << ',' << r.lr << ',' << r.seconds << '\n';
      if (!out) throw std::runtime_error("cannot write " + path);
    }
    std::rename(tmp.c_str(), path.c_str());
  }
  void plot(const std::string& path, const std::string& title) const {
    std::vector<double> it, train, val, lr;
    for (const auto& r : rows) it.push_back(double(r.iter)), train.push_back(r.train_loss), val.push_back(r.val_loss),
        lr.push_back(r.lr);
    plot::Figure figure(1, 2, 640, 480);
    figure.title(title);
    figure.add(plot::LineChart().title("loss").x_label("iteration").y_label("cross-entropy (nats)")
                   .add("train", it, train).add("validation", it, val, plot::SeriesStyle().dash(8)));
    figure.add(plot::LineChart().title("learning rate").x_label("iteration").y_label("lr").legend(false).add("lr", it, lr));
    figure.save_png(path);
  }
};

// ---- training -----------------------------------------------------------------------------------

// nanoGPT's schedule: linear warm-up to lr over warmup_iters, then cosine down to min_lr at max_iters.
double lr_at(const Config& c, int64_t it) {
  if (it < c.warmup_iters) return c.lr * double(it + 1) / double(c.warmup_iters + 1);
  if (it >= c.max_iters) return c.min_lr;
  const double ratio = double(it - c.warmup_iters) / double(std::max<int64_t>(1, c.max_iters - c.warmup_iters));
  return c.min_lr + 0.5 * (1.0 + std::cos(M_PI * ratio)) * (c.lr - c.min_lr);
}

Tensor loss_of(examples::LanguageModel& model, const Tensor& x, const Tensor& y) {
  Tensor logits = model.forward(x);  // [B, T, V]
  const int64_t V = logits.size(2);
  return nn::functional::cross_entropy(logits.view({-1, V}), y.view({-1}));
}

// The mean loss of eval_iters random batches of one split, without dropout or gradients. Its
// batches come from a generator seeded by (seed, iteration, split), so that evaluating more or
// less often leaves the training batches alone.
double estimate_loss(const Config& c, examples::LanguageModel& model, const std::vector<int64_t>& data, int64_t iter,
                     int split) {
  NoGradGuard no_grad;
  model.eval();
  Generator gen(c.flags.seed * 1000003 + uint64_t(iter) * 2 + uint64_t(split));
  double sum = 0;
  for (int64_t k = 0; k < c.eval_iters; ++k) {
    auto [x, y] = get_batch(data, c.flags.batch_size, c.net.block_size, gen);
    sum += loss_of(model, x, y).item<double>();
  }
  model.train();
  return sum / double(c.eval_iters);
}

// Characters one at a time: the last block_size tokens in, the next drawn from
// softmax(logits / temperature) restricted to the top_k most likely.
std::string generate(const Config& c, examples::LanguageModel& model, const Text& text, int64_t n) {
  NoGradGuard no_grad;
  model.eval();
  const int64_t V = int64_t(text.chars.size());
  const auto newline = text.chars.find('\n');
  std::vector<int64_t> ids = {newline == std::string::npos ? 0 : int64_t(newline)};
  for (int64_t i = 0; i < n; ++i) {
    const int64_t T = std::min<int64_t>(int64_t(ids.size()), c.net.block_size);
    std::vector<double> context(ids.end() - T, ids.end());
    Tensor logits = model.forward(tensor(context, {1, T}, kInt64)).select(1, T - 1).view({V}) / c.temperature;
    if (c.top_k < V) {
      std::vector<float> sorted = logits.to_vector<float>();
      std::nth_element(sorted.begin(), sorted.begin() + c.top_k - 1, sorted.end(), std::greater<float>());
      logits = masked_fill(logits, logits < double(sorted[size_t(c.top_k - 1)]), -INFINITY);
    }
    ids.push_back(multinomial(softmax(logits, 0), 1).item<int64_t>());
  }
  return text.decode(std::vector<int64_t>(ids.begin() + 1, ids.end()));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run(const Config& c) {
  if (c.flags.threads > 0) set_num_threads(c.flags.threads);
  manual_seed(c.flags.seed);
  examples::print_cpu_line();
  Text text = load_text(c.flags.data, c.net.block_size);
  examples::ModelConfig net = c.net;
  net.vocab_size = int64_t(text.chars.size());
  std::printf("data: %s, %zu characters (%zu train, %zu validation), vocabulary %zu\n", c.flags.data.c_str(),
              text.train.size() + text.val.size(), text.train.size(), text.val.size(), text.chars.size());

  std::shared_ptr<examples::LanguageModel> model;
  if (c.model == "gpt") model = std::make_shared<examples::GPT>(net);
  else model = std::make_shared<examples::CharLSTM>(net);
  int64_t n_params = 0;
  for (const Tensor& p : model->parameters()) n_params += p.numel();
  std::printf("model: %s, %.2fM parameters\n", c.model.c_str(), double(n_params) / 1e6);

  // AdamW; weight decay on the matrices (and embeddings) only, not on gains and biases.
  std::vector<Tensor> decay, no_decay;
  for (const Tensor& p : model->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  optim::AdamW opt(decay, optim::AdamWOptions(c.lr).betas({0.9, 0.99}).weight_decay(c.weight_decay));
  if (!no_decay.empty()) opt.add_param_group(no_decay, optim::AdamWOptions(c.lr).betas({0.9, 0.99}).weight_decay(0.0));
  const std::vector<Tensor> params = model->parameters();

  // Everything a resumed run needs: the iteration is the state's "epoch".
  BatchSampler sampler{Generator(c.flags.seed)};
  Log log;
  optim::TrainingState state;
  state.add("model", *model).add("optimizer", opt).add("batches", sampler).add("log", log);
  if (!c.flags.resume.empty()) {
    descent::load(state, c.flags.resume);
    std::printf("resumed from %s at iteration %lld\n", c.flags.resume.c_str(), (long long)state.epoch());
  }

  const auto start = std::chrono::steady_clock::now();
  double train_seconds = 0;
  int64_t trained = 0;
  for (int64_t iter = state.epoch(); iter <= c.max_iters; ++iter) {
    const bool evaluation_due = iter % c.eval_interval == 0 || iter == c.max_iters;
    const bool done = !log.rows.empty() && log.rows.back().iter == iter;  // evaluated before the checkpoint
    if (evaluation_due && !done) {
      const double train_loss = estimate_loss(c, *model, text.train, iter, 0);
      const double val_loss = estimate_loss(c, *model, text.val, iter, 1);
      log.rows.push_back({iter, train_loss, val_loss, lr_at(c, iter), seconds_since(start)});
      std::printf("iter %lld/%lld  train_loss %.4f  val_loss %.4f  lr %.3g  %.1f s\n", (long long)iter,
                  (long long)c.max_iters, train_loss, val_loss, lr_at(c, iter), seconds_since(start));
      std::fflush(stdout);
      if (!c.flags.metrics.empty()) log.write_csv(c.flags.metrics);
      if (!c.flags.plot.empty()) log.plot(c.flags.plot, "char_gpt (" + c.model + ")");
      if (!c.flags.checkpoint.empty()) {
        state.set_epoch(iter);
        descent::save(state, c.flags.checkpoint);
        descent::save(state, c.flags.checkpoint + ".iter" + std::to_string(iter));
      }
    }
    if (iter == c.max_iters) break;

    const auto t0 = std::chrono::steady_clock::now();
    const double lr = lr_at(c, iter);
    for (auto& group : opt.param_groups()) group.set_lr(lr);
    auto [x, y] = get_batch(text.train, c.flags.batch_size, c.net.block_size, sampler.gen);
    opt.zero_grad();
    Tensor loss = loss_of(*model, x, y);
    loss.backward();
    nn::utils::clip_grad_norm_(params, 1.0);
    opt.step();
    train_seconds += seconds_since(t0);
    ++trained;
  }
  if (trained > 0)
    std::printf("time: %.1f s in all; training %.1f s for %lld iterations (%.1f ms each), evaluation %.1f s\n",
                seconds_since(start), train_seconds, (long long)trained, 1e3 * train_seconds / double(trained),
                seconds_since(start) - train_seconds);
  if (c.sample > 0) std::printf("sample:\n%s\n", generate(c, *model, text, c.sample).c_str());
  std::printf("final val_loss=%.4f\n", log.rows.empty() ? NAN : log.rows.back().val_loss);
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] { run(parse(argc, argv)); });
}
