// Fuzzes checkpoint loading (tensor/serialize.cpp, then each object's load): an input is a
// checkpoint file. It is read once into an archive, and then every kind of object loads from it:
// a module (with BatchNorm's buffers), the optimizers whose state differs in shape (SGD's
// momentum, Adam's AMSGrad maximum, L-BFGS's history), schedules with state of their own
// (ReduceLROnPlateau's history, OneCycleLR's phases), early stopping (a snapshot of weights),
// the data loader, and a training state holding several of them. A load either fits and changes
// the object, which must then keep working (a step is taken), or throws and leaves it usable.
#include <descent/descent.h>

#include "scratch.h"

using namespace descent;

namespace {

std::shared_ptr<nn::Sequential> make_model() {
  return std::make_shared<nn::Sequential>(nn::Linear(4, 3), nn::BatchNorm1d(nn::BatchNormOptions(3)), nn::ReLU(),
                                          nn::Linear(3, 2));
}

// One training step: a forward, a backward and the optimizer's update.
void train_step(nn::Sequential& model, optim::Optimizer& optimizer) {
  optimizer.zero_grad();
  Tensor loss = model.forward(ones({2, 4})).pow(2.0).mean();
  loss.backward();
  optimizer.step([&] { return loss; });
}

template <class Load, class Use> void attempt(const Load& load, const Use& use) {
  try {
    load();
  } catch (const std::exception&) {
    // refused, naming the file: the object must still work as it was
  }
  use();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::put("checkpoint.ckpt", std::string_view(reinterpret_cast<const char*>(data), size));
  serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception&) {
    return 0;
  }
  auto model = make_model();
  attempt([&] { model->load(archive, ""); }, [&] { model->forward(ones({2, 4})); });

  optim::SGD sgd(model->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  attempt([&] { sgd.load(archive, ""); }, [&] { train_step(*model, sgd); });
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3).amsgrad(true));
  attempt([&] { adam.load(archive, ""); }, [&] { train_step(*model, adam); });

  {
    optim::LBFGS lbfgs(model->parameters(), optim::LBFGSOptions(0.1).max_iter(2).history_size(3));
    attempt([&] { lbfgs.load(archive, ""); }, [&] {
      lbfgs.step([&] {
        lbfgs.zero_grad();
        Tensor loss = model->forward(ones({2, 4})).pow(2.0).mean();
        loss.backward();
        return loss;
      });
    });
  }

  optim::StepLR step_lr(adam, 2, 0.5);
  attempt([&] { step_lr.load(archive, ""); }, [&] { step_lr.step(); });
  optim::ReduceLROnPlateau plateau(adam, "min", 0.5, 1);
  attempt([&] { plateau.load(archive, ""); }, [&] { plateau.step(1.0); });
  optim::OneCycleLR one_cycle(adam, 0.1, 10);
  attempt([&] { one_cycle.load(archive, ""); }, [&] { one_cycle.step(); });

  optim::EarlyStopping stopper(2, 0.0, "min", /*restore_best_weights=*/true);
  attempt([&] { stopper.load(archive, ""); }, [&] {
    stopper.step(1.0, *model);
    if (stopper.has_snapshot()) stopper.restore_best(*model);
  });

  data::TensorDataset points(ones({6, 4}), zeros({6}, kInt64));
  data::DataLoader loader(points, data::DataLoaderOptions(4).shuffle(true).seed(1));
  attempt([&] { loader.load(archive, ""); }, [&] {
    for (auto& batch : loader) batch.data.sum();
  });

  optim::TrainingState state;
  state.add("model", *model).add("optimizer", adam).add("scheduler", step_lr).add("loader", loader);
  attempt([&] { state.load(archive, ""); }, [&] { train_step(*model, adam); });
  return 0;
}
