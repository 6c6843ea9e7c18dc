// mnist_cnn: convolutional networks on MNIST-format images (Fashion-MNIST by default, --data DIR
// for MNIST itself), two of them by --model:
//   small (default)  conv 3×3 1→32, ReLU, conv 3×3 32→64, ReLU, max-pool 2, dropout 0.25,
//                    fc 9216→128, ReLU, dropout 0.5, fc 128→10    (the Keras MNIST CNN)
//   lenet5           conv 5×5 1→6 (padding 2), ReLU, max-pool 2, conv 5×5 6→16, ReLU, max-pool 2,
//                    fc 400→120, ReLU, fc 120→84, ReLU, fc 84→10  (LeCun et al. 1998, with ReLU)
//
//   build/examples/mnist_cnn                                  # small CNN on Fashion-MNIST
//   build/examples/mnist_cnn --data ../shared/data/mnist --model lenet5
//   mpirun -np 2 build/examples/mnist_cnn --distributed       # two ranks, the same global batch
//
// The training loop is mnist_mlp.cpp's; what is new is nn::Sequential, convolutions and dropout
// (which is why the loop switches between model->train() and evaluate()'s eval()). Every flag of
// CONTRACT.md's table works. Read mnist_mlp.cpp first; cifar_cnn.cpp adds batch norm and
// augmentation.
#include <cstdio>
#include <iostream>

#include "common/cluster.h"
#include "common/datasets.h"
#include "common/main.h"
#include "common/progress.h"
#include "common/training.h"

using namespace descent;

namespace {

// Adam with a cosine decay over 5 epochs: ≥ 99% on MNIST (small and LeNet-5 alike) and ≥ 91% on
// Fashion-MNIST with the small CNN.
examples::Flags defaults() {
  examples::Flags f;
  f.data = "/usr/share/datasets/fashion-mnist";
  f.epochs = 5;
  f.batch_size = 64;
  f.optimizer = "adam";
  f.lr = 1e-3;
  f.scheduler = "cosine";
  return f;
}

// Shapes are [B, C, H, W]; the comments give C×H×W after each stage for a 1×28×28 input.
std::shared_ptr<nn::Sequential> small_cnn() {
  return std::make_shared<nn::Sequential>(
      nn::Conv2d(nn::Conv2dOptions(1, 32, 3)), nn::ReLU(),   // 32×26×26 (no padding: 28 − 3 + 1)
      nn::Conv2d(nn::Conv2dOptions(32, 64, 3)), nn::ReLU(),  // 64×24×24
      nn::MaxPool2d(2),                                      // 64×12×12
      nn::Dropout(0.25),
      nn::Flatten(),                                         // 9216
      nn::Linear(9216, 128), nn::ReLU(),
      nn::Dropout(0.5),
      nn::Linear(128, 10));                                  // logits
}

std::shared_ptr<nn::Sequential> lenet5() {
  return std::make_shared<nn::Sequential>(
      nn::Conv2d(nn::Conv2dOptions(1, 6, 5).padding(2)), nn::ReLU(),  // 6×28×28
      nn::MaxPool2d(2),                                               // 6×14×14
      nn::Conv2d(nn::Conv2dOptions(6, 16, 5)), nn::ReLU(),            // 16×10×10
      nn::MaxPool2d(2),                                               // 16×5×5
      nn::Flatten(),                                                  // 400
      nn::Linear(400, 120), nn::ReLU(),
      nn::Linear(120, 84), nn::ReLU(),
      nn::Linear(84, 10));                                            // logits
}

void train(const examples::Flags& flags) {
  examples::Cluster cluster(flags);  // --distributed: common/cluster.h
  examples::setup(flags);

  // Data: the training set shuffled anew each epoch, the test set in order.
  examples::ImageData images = examples::load_mnist(flags.data, flags.limit_train);
  std::printf("data: %s\n", images.description.c_str());
  data::DataLoader train_loader(images.train, cluster.train_options(flags, images.train->size()));
  data::DataLoader test_loader(cluster.share(images.test), data::DataLoaderOptions(1000));

  // Model, loss, optimizer, schedule.
  auto model = flags.extra.at("model") == "lenet5" ? lenet5() : small_cnn();
  auto forward = cluster.wrap(model);
  std::cout << "model: " << *model << '\n';
  nn::CrossEntropyLoss criterion;
  auto optimizer = examples::make_optimizer(flags, model->parameters());
  examples::Schedule schedule(flags, *optimizer, train_loader.size());

  examples::Run run(flags, "mnist_cnn " + flags.extra.at("model"), model, *optimizer, schedule, train_loader,
                    cluster.role());
  while (run.next_epoch()) {
    model->train();  // dropout on (evaluate() turned it off)
    examples::Meter meter;
    examples::ProgressBar bar(run.label(), train_loader.size());
    int64_t done = 0;
    for (auto& [x, y] : train_loader) {
      optimizer->zero_grad();
      Tensor logits = forward(x);
      Tensor loss = criterion.forward(logits, y);
      loss.backward();
      if (flags.clip_grad_norm) nn::utils::clip_grad_norm_(model->parameters(), *flags.clip_grad_norm);
      optimizer->step();
      schedule.after_batch();
      meter.add(loss, logits, y);
      bar.update(++done, meter.loss());
    }
    bar.finish();
    run.end_epoch(cluster.reduce(meter), cluster.reduce(examples::evaluate_meter(*model, test_loader, criterion)));
  }
  run.finish();
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] {
    train(examples::parse_flags(argc, argv, defaults(),
                                {{"model", "small", {"small", "lenet5"}}, examples::distributed_flag()}));
  });
}
