// iris_hinge: a linear support-vector machine for Fisher's Iris flowers: one linear score per
// class (nn::Linear 4→3), the multi-class hinge loss (nn::MultiMarginLoss: every wrong class
// should score at least 1 below the right one) plus an L2 penalty on the weights (the SVM's
// "maximize the margin"), trained by a gradient-descent optimizer on mini-batches.
//
//   build/examples/iris_hinge                        # the CSV shipped in examples/data/
//   build/examples/iris_hinge --l2 0.1 --optimizer adam --lr 0.01
//
// The 150 flowers are split 70/30 at random (by --seed) into training and test sets, and the
// four measurements are standardized with the training set's mean and std (never the test
// set's: that would leak it into training). Every flag of CONTRACT.md's table works; --l2 sets
// the penalty λ (0.01). Read mnist_mlp.cpp for the same loop on images.
#include <cstdio>

#include "common/iris_csv.h"
#include "common/main.h"
#include "common/progress.h"
#include "common/training.h"

using namespace descent;

namespace {

examples::Flags defaults() {
  examples::Flags f;
  f.data = DESCENT_IRIS_CSV;  // examples/data/iris.csv, located at build time
  f.epochs = 100;
  f.batch_size = 16;
  f.optimizer = "momentum";
  f.lr = 0.01;
  return f;
}

void train(const examples::Flags& flags) {
  double l2;  // λ of the penalty (λ/2)·Σ w²
  try {
    l2 = std::stod(flags.extra.at("l2"));
  } catch (const std::exception&) {
    throw examples::UsageError("bad value '" + flags.extra.at("l2") + "' for --l2 (expected a number)");
  }
  if (!(l2 >= 0)) throw examples::UsageError("bad value for --l2 (must be >= 0)");
  examples::setup(flags);  // after the flags are all checked: a bad --l2 prints nothing on stdout

  // Data: a seeded 70/30 split, standardized with the training set's statistics.
  examples::Iris iris = examples::read_iris(flags.data);
  Tensor order = randperm(150);
  Tensor train_idx = order.slice(0, 0, 105), test_idx = order.slice(0, 105, 150);
  if (flags.limit_train > 0) train_idx = train_idx.slice(0, 0, std::min<int64_t>(flags.limit_train, 105));
  Tensor x_train = index_select(iris.features, 0, train_idx), x_test = index_select(iris.features, 0, test_idx);
  Tensor mean = x_train.mean({0}), std = sqrt(var(x_train, {0}, /*unbiased=*/false) + 1e-12);
  data::TensorDataset train_set((x_train - mean) / std, index_select(iris.labels, 0, train_idx));
  data::TensorDataset test_set((x_test - mean) / std, index_select(iris.labels, 0, test_idx));
  std::printf("data: %s: %lld training and %lld test flowers, standardized\n", flags.data.c_str(),
              (long long)train_set.size(), (long long)test_set.size());
  data::DataLoader train_loader(train_set, data::DataLoaderOptions(flags.batch_size).shuffle(true).seed(flags.seed));
  data::DataLoader test_loader(test_set, data::DataLoaderOptions(test_set.size()));

  // Model: scores = x·Wᵀ + b, one row of W per class; the predicted class is the highest score.
  auto model = std::make_shared<nn::Linear>(4, 3);
  nn::MultiMarginLoss hinge;  // mean over the batch of Σ_{j≠y} max(0, 1 − s_y + s_j) / 3
  auto optimizer = examples::make_optimizer(flags, model->parameters());
  examples::Schedule schedule(flags, *optimizer, train_loader.size());

  examples::Run run(flags, "iris_hinge", model, *optimizer, schedule, train_loader);
  while (run.next_epoch()) {
    model->train();
    examples::Meter meter;
    examples::ProgressBar bar(run.label(), train_loader.size());
    int64_t done = 0;
    for (auto& [x, y] : train_loader) {
      optimizer->zero_grad();
      Tensor scores = model->forward(x);
      Tensor loss = hinge.forward(scores, y);
      // The objective adds the penalty on the weights (not the bias, as in an SVM); the
      // reported loss is the hinge alone, comparable with the test loss.
      Tensor objective = loss + 0.5 * l2 * nn::utils::l2_penalty({model->weight});
      objective.backward();
      const double norm = flags.clip_grad_norm ? nn::utils::clip_grad_norm_(model->parameters(), *flags.clip_grad_norm) : 0.0;
      run.check_finite(objective, norm, [&] {  // NaN/Inf: stop
        Tensor s = model->forward(x);
        (hinge.forward(s, y) + 0.5 * l2 * nn::utils::l2_penalty({model->weight})).backward();
      });
      optimizer->step();
      schedule.after_batch();
      meter.add(loss, scores, y);
      bar.update(++done, meter.loss());
    }
    bar.finish();
    run.end_epoch(meter.stats(), examples::evaluate(*model, test_loader, hinge));
  }

  // What the SVM learned: each class's weight on each standardized measurement.
  std::vector<float> w = model->weight.detach().contiguous().to_vector<float>();
  std::printf("weights     sepal_len sepal_wid petal_len petal_wid\n");
  for (size_t c = 0; c < 3; ++c)
    std::printf("%-11s %9.3f %9.3f %9.3f %9.3f\n", iris.classes[c].c_str(), w[c * 4], w[c * 4 + 1], w[c * 4 + 2],
                w[c * 4 + 3]);
  run.finish();
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] {
    train(examples::parse_flags(argc, argv, defaults(), {{"l2", "0.01", {}}}));
  });
}
