// fedavg_mnist: federated averaging on MNIST (McMahan et al. 2017). The training set is dealt out
// to K clients (IID, or non-IID: two digits each, mostly); each round the server sends its
// model to a fraction C of them, each trains it on its own data for E epochs of minibatch SGD at
// batch B, and the server's new model is their weighted average (by example count):
//
//   for round t = 1, 2, ...:
//     S = m = max(C·K, 1) clients drawn at random
//     for each client k in S:   w_k = w;  E epochs of  w_k -= lr · ∇loss_k(w_k)  over batches of B
//     w = Σ_{k∈S} n_k · w_k / Σ_{k∈S} n_k
//
// FedSGD is the special case E = 1, B = all (--local-batch all): one gradient step per client.
// --mu adds FedProx's proximal term μ/2 · |w_k − w|² to each client's loss. One process
// simulates the clients in turn; with --distributed (under mpirun) the clients of a round are
// spread over the ranks and their weighted sums added up with one all_reduce.
//
//   build/examples/fedavg_mnist --data ../shared/data/mnist --model 2nn --local-epochs 1 --local-batch 10
//       --split iid --lr 0.1 --target-accuracy 0.97
//
// --plot FILE.png draws the test accuracy by round, with --plot-with A.csv,B.csv earlier runs'
// --metrics beside it (--replot draws only those, without training).
// It stops at --rounds or when the test accuracy reaches --target-accuracy; the last line is
// "final rounds=<n> test_accuracy=<y>". Pixels are in [0, 1] (--normalize standardizes them).
// Models (the paper's): 2nn is 784-200-200-10 with ReLU;
// cnn is conv 5×5 1→32, pool 2, conv 5×5 32→64, pool 2, fc 3136→512, fc 512→10 (1,663,370
// parameters). The client splits and the average are common/federated.h.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/cluster.h"
#include "common/datasets.h"
#include "common/federated.h"
#include "common/main.h"
#include "common/training.h"

using namespace descent;
namespace federated = examples::federated;

namespace {

// Everything but --data, --lr, --seed, --threads, --metrics and --plot is fedavg's own.
struct Options {
  std::string model, split;
  int64_t clients = 100, local_epochs = 1, local_batch = 10, rounds = 1000;  // local_batch 0: all
  double fraction = 0.1, mu = 0;
  std::optional<double> target_accuracy;  // none: run every round
  std::vector<std::string> plot_with;
};

double number(const examples::Flags& f, const std::string& name, double low, double high) {
  const std::string& text = f.extra.at(name);
  std::istringstream in(text);
  double v;
  if (!(in >> v) || !in.eof() || !(v >= low && v <= high))
    throw examples::UsageError("bad value '" + text + "' for --" + name + " (expected a number in [" +
                               std::to_string(low) + ", " + std::to_string(high) + "])");
  return v;
}

int64_t count(const examples::Flags& f, const std::string& name, int64_t low) {
  const double v = number(f, name, double(low), 1e12);
  if (v != std::floor(v)) throw examples::UsageError("bad value '" + f.extra.at(name) + "' for --" + name + " (expected an integer)");
  return int64_t(v);
}

Options options_of(const examples::Flags& f) {
  Options o;
  o.model = f.extra.at("model");
  o.split = f.extra.at("split");
  o.clients = count(f, "clients", 1);
  o.fraction = number(f, "fraction", 0, 1);
  o.local_epochs = count(f, "local-epochs", 1);
  o.local_batch = f.extra.at("local-batch") == "all" ? 0 : count(f, "local-batch", 0);
  o.rounds = count(f, "rounds", 1);
  if (f.extra.at("target-accuracy") != "none") o.target_accuracy = number(f, "target-accuracy", 0, 1);
  o.mu = number(f, "mu", 0, 1e6);
  std::istringstream files(f.extra.at("plot-with"));
  for (std::string file; std::getline(files, file, ',');)
    if (!file.empty()) o.plot_with.push_back(file);
  if (!o.plot_with.empty() && f.plot.empty()) throw examples::UsageError("--plot-with needs --plot FILE.png");
  return o;
}

std::shared_ptr<nn::Sequential> two_nn() {
  return std::make_shared<nn::Sequential>(nn::Flatten(), nn::Linear(784, 200), nn::ReLU(), nn::Linear(200, 200),
                                          nn::ReLU(), nn::Linear(200, 10));
}

std::shared_ptr<nn::Sequential> cnn() {
  return std::make_shared<nn::Sequential>(
      nn::Conv2d(nn::Conv2dOptions(1, 32, 5).padding(2)), nn::ReLU(),   // 32×28×28
      nn::MaxPool2d(2),                                                 // 32×14×14
      nn::Conv2d(nn::Conv2dOptions(32, 64, 5).padding(2)), nn::ReLU(),  // 64×14×14
      nn::MaxPool2d(2),                                                 // 64×7×7
      nn::Flatten(), nn::Linear(3136, 512), nn::ReLU(), nn::Linear(512, 10));
}

std::vector<int64_t> labels_of(const data::Dataset& dataset) {
  if (auto* images = dynamic_cast<const data::ImageDataset*>(&dataset)) return images->labels();
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < dataset.size(); ++i) labels.push_back(dataset.get(i).target.item<int64_t>());
  return labels;
}

// One round's accuracy on the test set, and the CSV and picture of all rounds so far.
struct Round {
  int64_t round;
  double train_loss, test_loss, test_accuracy, seconds;
};

void write_csv(const std::vector<Round>& rounds, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "round,train_loss,test_loss,test_accuracy,seconds\n";
    for (const Round& r : rounds)
      out << r.round << ',' << r.train_loss << ',' << r.test_loss << ',' << r.test_accuracy << ',' << r.seconds << '\n';
    if (!out) throw std::runtime_error("--metrics " + path + ": cannot write");
  }
  std::filesystem::rename(tmp, path);
}

// Test accuracy by round: this run's, the --plot-with runs' (their --metrics files, named after
// the file), and the target as a dashed line. Rounds go on a log axis when runs of tens and of
// thousands of rounds share the picture; accuracy from 0.8, where the runs differ.
void plot_rounds(const std::vector<Round>& rounds, const Options& o, const std::string& path) {
  plot::LineChart chart;
  chart.title("FedAvg on MNIST: test accuracy by round").x_label("round").y_label("test accuracy");
  auto add = [&](const std::string& name, const std::vector<double>& x, const std::vector<double>& y) {
    chart.add(name, x, y, plot::SeriesStyle().markers(false));
  };
  double last = 0, lowest_end = 1;  // the longest run's rounds; the lowest final accuracy
  for (const std::string& file : o.plot_with) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("--plot-with " + file + ": cannot read");
    std::vector<double> x, y;
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::istringstream row(line);
      for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
      if (cells.size() < 4) continue;
      x.push_back(std::stod(cells[0]));
      y.push_back(std::stod(cells[3]));
    }
    if (!x.empty()) last = std::max(last, x.back()), lowest_end = std::min(lowest_end, y.back());
    add(std::filesystem::path(file).stem().string(), x, y);
  }
  if (!rounds.empty()) {
    std::vector<double> x, y;
    for (const Round& r : rounds) x.push_back(double(r.round)), y.push_back(r.test_accuracy);
    last = std::max(last, x.back());
    lowest_end = std::min(lowest_end, y.back());
    add(std::filesystem::path(path).stem().string(), x, y);
  }
  if (o.target_accuracy) {
    char name[32];
    std::snprintf(name, sizeof name, "target %g", *o.target_accuracy);
    chart.add(name, {1, std::max(last, 2.0)}, {*o.target_accuracy, *o.target_accuracy},
              plot::SeriesStyle().dash(8).color(plot::Color{90, 90, 90}).markers(false));
  }
  if (last > 100) chart.log_x();
  if (lowest_end >= 0.85) chart.y_range(0.8, 1.0);
  chart.save_png(path);
}

void train(const examples::Flags& flags) {
  const Options o = options_of(flags);
  if (flags.extra.at("replot") == "1") {  // only the picture, from earlier runs' --metrics files
    if (o.plot_with.empty()) throw examples::UsageError("--replot needs --plot FILE.png and --plot-with FILES");
    plot_rounds({}, o, flags.plot);
    std::printf("plot: %s\n", flags.plot.c_str());
    return;
  }
  examples::Cluster cluster(flags);
  examples::setup(flags);

  // Pixels in [0, 1], as the paper's MNIST (--normalize standardizes them as the other programs
  // do, which reaches the targets in fewer rounds than the paper reports).
  examples::ImageData images;
  if (flags.extra.at("normalize") == "1") {
    images = examples::load_mnist(flags.data, 0);
  } else {
    if (!std::filesystem::is_directory(flags.data)) throw std::runtime_error("--data " + flags.data + ": no such folder");
    images.train = std::make_shared<data::MNIST>(flags.data, /*train=*/true);
    images.test = std::make_shared<data::MNIST>(flags.data, /*train=*/false);
    images.description = flags.data + ": " + std::to_string(images.train->size()) + " training and " +
                         std::to_string(images.test->size()) + " test images, pixels in [0, 1]";
  }
  std::printf("data: %s\n", images.description.c_str());
  const std::vector<std::vector<int64_t>> clients =
      o.split == "iid" ? federated::split_iid(images.train->size(), o.clients, flags.seed)
                       : federated::split_shards(labels_of(*images.train), o.clients, 2, flags.seed);
  const int64_t per_round = std::max<int64_t>(1, int64_t(std::llround(o.fraction * double(o.clients))));
  std::printf("clients: %lld (%s, %lld examples each), %lld per round, E = %lld, B = %s, lr %g%s\n",
              (long long)o.clients, o.split.c_str(), (long long)clients[0].size(), (long long)per_round,
              (long long)o.local_epochs, o.local_batch == 0 ? "all" : std::to_string(o.local_batch).c_str(),
              *flags.lr, o.mu > 0 ? (", FedProx mu " + std::to_string(o.mu)).c_str() : "");

  // The server's model w, and the model each client trains (a copy of w, then its own).
  auto server = o.model == "cnn" ? cnn() : two_nn();
  auto local = o.model == "cnn" ? cnn() : two_nn();
  std::vector<Tensor> global = server->parameters(), weights = local->parameters();
  optim::SGD sgd(weights, optim::SGDOptions(*flags.lr));  // plain SGD, as in the paper
  nn::CrossEntropyLoss criterion;
  federated::WeightedAverage average(global);
  data::DataLoader test_loader(cluster.share(images.test), data::DataLoaderOptions(1000));

  std::vector<Round> log;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t round = 1; round <= o.rounds; ++round) {
    // The round's clients: the first m of a permutation drawn from (seed, round), on every rank.
    Generator pick = data::shuffle_generator(flags.seed + 0x5EEDull, round);
    const std::vector<int64_t> chosen = kernels::randperm(o.clients, pick).to_vector<int64_t>();
    average.clear();
    double loss_sum = 0, loss_count = 0;
    // Client j of the round trains on rank j mod W.
    for (int64_t j = cluster.rank(); j < per_round; j += cluster.world_size()) {
      const std::vector<int64_t>& mine = clients[size_t(chosen[size_t(j)])];
      {
        NoGradGuard no_grad;
        for (size_t i = 0; i < weights.size(); ++i) weights[i].copy_(global[i]);
      }
      auto shard = std::make_shared<data::Subset>(images.train, mine);
      const int64_t batch = o.local_batch == 0 ? int64_t(mine.size()) : o.local_batch;
      // Its own shuffles: from (seed, round, client), whichever rank it runs on.
      data::DataLoader loader(shard, data::DataLoaderOptions(batch).shuffle(true).prefetch(0).seed(
                                         flags.seed * 1000003ull + uint64_t(round) * 1009ull + uint64_t(chosen[size_t(j)])));
      local->train();
      for (int64_t e = 0; e < o.local_epochs; ++e)
        for (auto& [x, y] : loader) {
          sgd.zero_grad();
          Tensor loss = criterion.forward(local->forward(x), y);
          loss.backward();
          if (o.mu > 0) {  // FedProx: the gradient of μ/2 · |w_k − w|² is μ · (w_k − w)
            NoGradGuard no_grad;
            for (size_t i = 0; i < weights.size(); ++i) weights[i].mutable_grad().add_(weights[i] - global[i], o.mu);
          }
          sgd.step();
          loss_sum += loss.item<double>() * double(y.size(0));
          loss_count += double(y.size(0));
        }
      average.add(weights, double(mine.size()));
    }
    // Every rank's weighted sums, added up (with the training-loss sums, to report them).
    Tensor& sums = average.sums();
    cluster.all_reduce_sum(sums);
    Tensor losses = tensor({loss_sum, loss_count}, {2}, kFloat64);
    cluster.all_reduce_sum(losses);
    average.average_into(global);

    examples::Stats test = cluster.reduce(examples::evaluate_meter(*server, test_loader, criterion));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::vector<double> l = losses.to_vector<double>();
    log.push_back({round, l[0] / std::max(l[1], 1.0), test.loss, *test.accuracy, seconds});
    std::printf("round %lld/%lld  train_loss %.4f  test_loss %.4f  test_accuracy %.4f  %.1f s\n", (long long)round,
                (long long)o.rounds, log.back().train_loss, test.loss, *test.accuracy, seconds);
    std::fflush(stdout);
    if (cluster.rank() == 0 && !flags.metrics.empty()) write_csv(log, flags.metrics);
    if (o.target_accuracy && *test.accuracy >= *o.target_accuracy) break;
    if (!std::isfinite(test.loss)) {  // a learning rate too large: every later round would be NaN too
      std::printf("the model diverged (test loss %g): stopping\n", test.loss);
      break;
    }
  }
  if (cluster.rank() == 0 && !flags.plot.empty()) plot_rounds(log, o, flags.plot);
  std::printf("final rounds=%lld test_accuracy=%.4f\n", (long long)log.back().round, log.back().test_accuracy);
}

examples::Flags defaults() {
  examples::Flags f;
  f.data = "../shared/data/mnist";
  f.lr = 0.1;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] {
    const std::vector<examples::ExtraFlag> extra = {
        {"model", "2nn", {"2nn", "cnn"}}, {"clients", "100", {}},     {"fraction", "0.1", {}},
        {"local-epochs", "1", {}},        {"local-batch", "10", {}},  {"rounds", "1000", {}},
        {"split", "iid", {"iid", "noniid"}}, {"target-accuracy", "none", {}}, {"mu", "0", {}},
        {"plot-with", "", {}},            {"normalize", "0", {}, /*is_switch=*/true},
        {"replot", "0", {}, /*is_switch=*/true},
        examples::distributed_flag()};
    const std::set<std::string> not_applicable = {"epochs", "batch-size", "optimizer", "momentum", "weight-decay",
                                                  "clip-grad-norm", "scheduler", "warmup", "early-stopping",
                                                  "checkpoint", "resume", "limit-train", "save-weights",
                                                  "load-weights"};
    train(examples::parse_flags(argc, argv, defaults(), extra, not_applicable));
  });
}
