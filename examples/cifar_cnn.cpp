// cifar_cnn: a small VGG-style network on CIFAR-10 (32×32 colour images of 10 classes): three
// blocks of two 3×3 convolutions with batch norm and ReLU, each block ending in a 2×2 max-pool
// that halves the image while the channels double, then one linear layer to the 10 classes.
// The training images are augmented (a random crop of the image padded by 4, a random
// horizontal flip), so the network never sees the same picture twice.
//
//   build/examples/cifar_cnn --data ../shared/data/cifar10          # train/ and test/ image folders
//   build/examples/cifar_cnn --data ~/cifar-10-batches-bin          # or the binary release
//   mpirun -np 2 build/examples/cifar_cnn --data ../shared/data/cifar10 --distributed
//
// --data is required: the folder may hold the binary release (data_batch_1.bin ... test_batch.bin)
// or train/<class>/*.jpg and test/<class>/*.jpg (common/datasets.h finds out which). Every flag
// of CONTRACT.md's table works. Defaults: SGD with Nesterov momentum, weight decay 5e-4 and a
// one-cycle schedule, 15 epochs of batches of 128. Read mnist_cnn.cpp first.
#include <cstdio>

#include "common/cluster.h"
#include "common/datasets.h"
#include "common/main.h"
#include "common/progress.h"
#include "common/training.h"

using namespace descent;

namespace {

examples::Flags defaults() {
  examples::Flags f;
  f.epochs = 15;
  f.batch_size = 128;
  f.optimizer = "nesterov";
  f.lr = 0.1;
  f.weight_decay = 5e-4;
  f.scheduler = "onecycle";
  return f;
}

// conv 3×3 (padding 1 keeps H×W) → batch norm → ReLU. The convolution has no bias: batch norm
// subtracts the channel's mean right after, which would cancel it.
void conv_bn_relu(nn::Sequential& net, int64_t in, int64_t out) {
  net.push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
  net.push_back(nn::BatchNorm2d(out));
  net.push_back(nn::ReLU());
}

// C×H×W after each block, for a 3×32×32 input: 16×16×16, 32×8×8, 64×4×4. Small on purpose:
// an epoch of 50,000 images and the 10,000-image test takes about half a minute on two cores.
std::shared_ptr<nn::Sequential> vgg_small() {
  auto net = std::make_shared<nn::Sequential>();
  int64_t in = 3;
  for (int64_t width : {16, 32, 64}) {
    conv_bn_relu(*net, in, width);
    conv_bn_relu(*net, width, width);
    net->push_back(nn::MaxPool2d(2));
    in = width;
  }
  net->push_back(nn::Flatten());
  net->push_back(nn::Linear(64 * 4 * 4, 10));
  return net;
}

void train(const examples::Flags& flags) {
  examples::Cluster cluster(flags);  // --distributed: common/cluster.h
  examples::setup(flags);

  examples::ImageData images = examples::load_cifar10(flags.data, flags.limit_train);
  std::printf("data: %s\n", images.description.c_str());
  data::DataLoader train_loader(images.train, cluster.train_options(flags, images.train->size()));
  data::DataLoader test_loader(cluster.share(images.test), data::DataLoaderOptions(500));

  auto model = vgg_small();
  // With --distributed, batch norm normalizes with each rank's own share of the batch, and its
  // running statistics are rank 0's before every forward (torch's DDP defaults).
  auto forward = cluster.wrap(model);
  nn::CrossEntropyLoss criterion;
  auto optimizer = examples::make_optimizer(flags, model->parameters());
  examples::Schedule schedule(flags, *optimizer, train_loader.size());

  examples::Run run(flags, "cifar_cnn", model, *optimizer, schedule, train_loader, cluster.role());
  while (run.next_epoch()) {
    model->train();  // batch norm normalizes with each batch's statistics and updates its running ones
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
    // In eval mode batch norm uses the running statistics, so a test image's prediction does
    // not depend on the other images of its batch.
    run.end_epoch(cluster.reduce(meter), cluster.reduce(examples::evaluate_meter(*model, test_loader, criterion)));
  }
  run.finish();
}

}  // namespace

int main(int argc, char** argv) {
  return examples::run_main(argc, argv, [&] {
    train(examples::parse_flags(argc, argv, defaults(), {examples::distributed_flag()}));
  });
}
