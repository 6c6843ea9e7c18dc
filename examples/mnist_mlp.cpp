// mnist_mlp: a multi-layer perceptron, 784-512-256-10 with ReLU, trained on MNIST-format digits
// (Fashion-MNIST by default; --data DIR for MNIST itself). This is the reference training loop
// of the examples: data, model, loss, optimizer and schedule, then epochs of
// zero_grad / forward / backward / step, then evaluation on the test set.
//
//   build/examples/mnist_mlp --data ../shared/data/mnist --epochs 5
//
// Every flag of CONTRACT.md's table works (--optimizer adam, --scheduler onecycle --warmup 1,
// --checkpoint run.ckpt, --resume run.ckpt.epoch2, ...), and --distributed trains on mpirun's
// ranks (mpirun -np 2 build/examples/mnist_mlp --distributed ...; common/cluster.h). Not here:
// flag parsing, the schedule zoo and the bookkeeping between epochs, which live in common/
// (read common/training.h next); mnist_cnn.cpp is the same loop with convolutions.
#include <cstdio>

#include "common/cluster.h"
#include "common/datasets.h"
#include "common/main.h"
#include "common/progress.h"
#include "common/training.h"

using namespace descent;

namespace {

// Defaults that reach 98% on MNIST in 5 epochs: SGD with momentum and a cosine decay of the lr.
examples::Flags defaults() {
  examples::Flags f;
  f.data = "/usr/share/datasets/fashion-mnist";
  f.epochs = 5;
  f.batch_size = 64;
  f.optimizer = "momentum";
  f.lr = 0.05;
  f.scheduler = "cosine";
  return f;
}

// The network, as a class with named layers (so checkpoints say "fc1.weight").
struct MLP : nn::Module {
  MLP() {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 512));
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(512, 256));
    fc3 = register_module("fc3", std::make_shared<nn::Linear>(256, 10));
  }
  // x: [B, 1, 28, 28] images → [B, 10] logits (unnormalized class scores).
  Tensor forward(const Tensor& x) const {
    Tensor h = flatten(x, 1);
    h = relu(fc1->forward(h));
    h = relu(fc2->forward(h));
    return fc3->forward(h);
  }
  std::shared_ptr<nn::Linear> fc1, fc2, fc3;
};

void train(const examples::Flags& flags) {
  examples::Cluster cluster(flags);  // this process, or with --distributed one of mpirun's ranks
  examples::setup(flags);  // --threads, manual_seed(--seed) before anything random, the "cpu:" line

  // Data: 60,000 training images shuffled anew each epoch, 10,000 test images in order (with
  // --distributed, each rank its share of every batch and of the test set).
  examples::ImageData images = examples::load_mnist(flags.data, flags.limit_train);
  std::printf("data: %s\n", images.description.c_str());
  data::DataLoader train_loader(images.train, cluster.train_options(flags, images.train->size()));
  data::DataLoader test_loader(cluster.share(images.test), data::DataLoaderOptions(1000));

  // Model, loss, optimizer, learning-rate schedule.
  auto model = std::make_shared<MLP>();
  auto forward = cluster.wrap(model);  // model->forward, through DistributedDataParallel with --distributed
  nn::CrossEntropyLoss criterion;  // log-softmax and negative log-likelihood in one fused op
  auto optimizer = examples::make_optimizer(flags, model->parameters());
  examples::Schedule schedule(flags, *optimizer, train_loader.size());

  // The run: metrics, early stopping, checkpoints and --resume between epochs.
  examples::Run run(flags, "mnist_mlp", model, *optimizer, schedule, train_loader, cluster.role());
  while (run.next_epoch()) {
    model->train();
    examples::Meter meter;
    examples::ProgressBar bar(run.label(), train_loader.size());
    int64_t done = 0;
    for (auto& [x, y] : train_loader) {
      optimizer->zero_grad();                      // forget the previous batch's gradients
      Tensor logits = forward(x);                  // [B, 10]
      Tensor loss = criterion.forward(logits, y);  // mean over the batch
      loss.backward();                             // d loss / d every parameter
      if (flags.clip_grad_norm) nn::utils::clip_grad_norm_(model->parameters(), *flags.clip_grad_norm);
      optimizer->step();                           // move the parameters against their gradients
      schedule.after_batch();                      // per-batch schedules (cyclic, onecycle) move the lr
      meter.add(loss, logits, y);
      bar.update(++done, meter.loss());
    }
    bar.finish();
    // The meters of every rank added up: the whole training and test sets' loss and accuracy.
    run.end_epoch(cluster.reduce(meter), cluster.reduce(examples::evaluate_meter(*model, test_loader, criterion)));
  }
  run.finish();  // prints "final test_loss=... test_accuracy=..."
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] {
    train(examples::parse_flags(argc, argv, defaults(), {examples::distributed_flag()}));
  });
}
