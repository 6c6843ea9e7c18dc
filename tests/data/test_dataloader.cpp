// DataLoader: every example once per epoch for any batch size, drop_last, seeded shuffles that
// do not depend on threads or prefetching, epochs that differ, seeded augmentation, exact
// resume from a saved state, and errors that reach the training loop.
#include "files.h"
#include "helpers.h"

#include <algorithm>

using namespace descent;

namespace {

// n examples whose target is their index (so batches show which examples they hold).
data::TensorDataset numbered(int64_t n) { return data::TensorDataset(arange(0.0, double(n), 1.0).view({n, 1}), arange(n)); }

// The targets of one epoch, batch by batch.
std::vector<std::vector<int64_t>> run_epoch(data::DataLoader& loader) {
  std::vector<std::vector<int64_t>> batches;
  for (auto& batch : loader) batches.push_back(batch.target.to_vector<int64_t>());
  return batches;
}

// 200 random 3x32x32 images with labels i % 10, augmented like CIFAR-10 in the examples.
data::ImageDataset augmented_images() {
  std::vector<uint8_t> pixels(200 * 3072);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t((i * 2654435761u) >> 24);
  std::vector<int64_t> labels(200);
  for (int i = 0; i < 200; ++i) labels[size_t(i)] = i % 10;
  return data::ImageDataset(pixels, labels, {3, 32, 32}, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"})
      .map(data::RandomCrop(32, 4))
      .map(data::RandomHorizontalFlip())
      .map(data::Normalize({0.49, 0.48, 0.45}, {0.25, 0.24, 0.26}));
}

std::vector<data::Example> collect(data::DataLoader& loader) {
  std::vector<data::Example> out;
  for (auto& batch : loader) out.push_back(batch);
  return out;
}

void require_same(const std::vector<data::Example>& a, const std::vector<data::Example>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    INFO("batch " << k);
    REQUIRE(a[k].data.sizes() == b[k].data.sizes());
    REQUIRE(a[k].data.to_vector<float>() == b[k].data.to_vector<float>());
    REQUIRE(a[k].target.to_vector<int64_t>() == b[k].target.to_vector<int64_t>());
  }
}

}  // namespace

TEST_CASE("every batch size from 1 (SGD) to the dataset's size (batch GD) covers the dataset once per epoch") {
  const int64_t n = 50;
  for (int64_t batch_size : {int64_t(1), int64_t(7), int64_t(25), n, int64_t(64)}) {
    for (bool shuffle : {false, true}) {
      INFO("batch size " << batch_size << (shuffle ? ", shuffled" : ""));
      data::DataLoader loader(numbered(n), data::DataLoaderOptions(batch_size).shuffle(shuffle).seed(3));
      const int64_t batches = (n + batch_size - 1) / batch_size;
      REQUIRE(loader.size() == batches);
      for (int epoch = 0; epoch < 2; ++epoch) {
        std::vector<std::vector<int64_t>> got = run_epoch(loader);
        REQUIRE(int64_t(got.size()) == batches);
        std::vector<int64_t> seen;
        for (size_t k = 0; k < got.size(); ++k) {
          const int64_t want = k + 1 < got.size() ? batch_size : n - batch_size * (batches - 1);
          REQUIRE(int64_t(got[k].size()) == want);
          seen.insert(seen.end(), got[k].begin(), got[k].end());
        }
        if (!shuffle) REQUIRE(seen == loader.order(epoch));
        std::sort(seen.begin(), seen.end());
        REQUIRE(seen == data::Subset(std::make_shared<data::TensorDataset>(numbered(n)), n).indices());
      }
      REQUIRE(loader.epoch() == 2);
    }
  }
}

TEST_CASE("batches are float32 [B, ...] data with int64 [B] targets, bound with structured bindings") {
  data::DataLoader loader(augmented_images(), data::DataLoaderOptions(64).seed(1));
  int64_t count = 0;
  for (auto& [x, y] : loader) {
    REQUIRE(x.dtype() == kFloat32);
    REQUIRE(y.dtype() == kInt64);
    REQUIRE(x.sizes() == Shape{y.size(0), 3, 32, 32});
    count += y.size(0);
  }
  REQUIRE(count == 200);
}

TEST_CASE("drop_last drops only a short last batch") {
  data::DataLoader loader(numbered(50), data::DataLoaderOptions(7).shuffle(true).drop_last(true).seed(1));
  REQUIRE(loader.size() == 7);
  std::vector<std::vector<int64_t>> got = run_epoch(loader);
  REQUIRE(got.size() == 7);
  std::vector<int64_t> seen;
  for (const auto& b : got) {
    REQUIRE(b.size() == 7);
    seen.insert(seen.end(), b.begin(), b.end());
  }
  // the dropped example is the last one of the epoch's order
  const std::vector<int64_t> order = loader.order(0);
  REQUIRE(seen == std::vector<int64_t>(order.begin(), order.begin() + 49));

  data::DataLoader exact(numbered(49), data::DataLoaderOptions(7).drop_last(true));
  REQUIRE(run_epoch(exact).size() == 7);
  data::DataLoader none(numbered(5), data::DataLoaderOptions(8).drop_last(true));
  REQUIRE(none.size() == 0);
  REQUIRE(run_epoch(none).empty());
}

TEST_CASE("shuffling gives a new permutation every epoch, a pure function of seed and epoch") {
  data::DataLoader loader(numbered(100), data::DataLoaderOptions(100).shuffle(true).seed(7));
  std::vector<int64_t> e0 = run_epoch(loader)[0], e1 = run_epoch(loader)[0], e2 = run_epoch(loader)[0];
  REQUIRE(e0 != e1);
  REQUIRE(e1 != e2);
  REQUIRE(e0 != data::Subset(std::make_shared<data::TensorDataset>(numbered(100)), 100).indices());
  REQUIRE(e1 == loader.order(1));
  // another loader with the same seed, jumping straight to epoch 2
  data::DataLoader other(numbered(100), data::DataLoaderOptions(10).shuffle(true).seed(7));
  other.set_epoch(2);
  std::vector<int64_t> jumped;
  for (const auto& b : run_epoch(other)) jumped.insert(jumped.end(), b.begin(), b.end());
  REQUIRE(jumped == e2);
  // another seed, another order
  data::DataLoader seed8(numbered(100), data::DataLoaderOptions(100).shuffle(true).seed(8));
  REQUIRE(run_epoch(seed8)[0] != e0);
}

TEST_CASE("the same seed gives the same batches on 1 and 2 threads, with and without prefetching") {
  std::vector<data::Example> reference;
  for (int threads : {1, 2}) {
    for (int64_t prefetch : {0, 1, 3}) {
      INFO(threads << " threads, prefetch " << prefetch);
      set_num_threads(threads);
      data::DataLoader loader(augmented_images(), data::DataLoaderOptions(128).shuffle(true).seed(11).prefetch(prefetch));
      std::vector<data::Example> epochs = collect(loader);
      std::vector<data::Example> second = collect(loader);
      epochs.insert(epochs.end(), second.begin(), second.end());
      if (reference.empty()) reference = epochs;
      require_same(epochs, reference);
    }
  }
  set_num_threads(2);
  // the two epochs differ in order and in augmentation
  REQUIRE(reference[0].target.to_vector<int64_t>() != reference[2].target.to_vector<int64_t>());
}

TEST_CASE("an example's augmentation depends on seed, epoch and index, not on its batch") {
  data::ImageDataset images = augmented_images();
  data::DataLoader by3(images, data::DataLoaderOptions(3).seed(5));
  data::DataLoader by200(images, data::DataLoaderOptions(200).seed(5));
  data::DataLoader other_seed(images, data::DataLoaderOptions(200).seed(6));
  std::vector<float> small;
  for (auto& batch : by3) {
    std::vector<float> v = batch.data.to_vector<float>();
    small.insert(small.end(), v.begin(), v.end());
  }
  const std::vector<float> whole = collect(by200)[0].data.to_vector<float>();
  REQUIRE(small == whole);
  REQUIRE(collect(other_seed)[0].data.to_vector<float>() != whole);
  REQUIRE(collect(by200)[0].data.to_vector<float>() != whole);  // epoch 1 augments anew
}

TEST_CASE("without a seed the loader draws one from the default generator, so manual_seed governs it") {
  manual_seed(5);
  data::DataLoader a(numbered(30), data::DataLoaderOptions(30).shuffle(true));
  manual_seed(5);
  data::DataLoader b(numbered(30), data::DataLoaderOptions(30).shuffle(true));
  manual_seed(6);
  data::DataLoader c(numbered(30), data::DataLoaderOptions(30).shuffle(true));
  REQUIRE(a.seed() == b.seed());
  REQUIRE(a.order(0) == b.order(0));
  REQUIRE(a.order(0) != c.order(0));
}

static_assert(Serializable<data::DataLoader>, "descent::save/load take a DataLoader");

TEST_CASE("a saved loader state resumes at the next epoch with the same order and augmentation") {
  test::TempDir dir;
  data::DataLoader first(augmented_images(), data::DataLoaderOptions(50).shuffle(true).seed(21));
  collect(first);
  collect(first);
  descent::save(first, dir / "loader.ckpt");
  std::vector<data::Example> third = collect(first);

  data::DataLoader resumed(augmented_images(), data::DataLoaderOptions(50).shuffle(true).seed(999));
  descent::load(resumed, dir / "loader.ckpt");
  REQUIRE(resumed.seed() == 21);
  REQUIRE(resumed.epoch() == 2);
  require_same(collect(resumed), third);

  // prefixes let the state share a file with a model's
  serialize::OutputArchive out;
  first.save(out, "loader.");
  out.save_to(dir / "state.ckpt");
  serialize::InputArchive in;
  in.load_from(dir / "state.ckpt");
  REQUIRE(in.read_int("loader.epoch") == 3);

  data::DataLoader smaller(numbered(10), data::DataLoaderOptions(5));
  REQUIRE_THROWS_WITH(descent::load(smaller, dir / "loader.ckpt"),
                      "DataLoader: " + (dir / "loader.ckpt") + ": the state was saved for a dataset of 200 examples, but "
                      "this loader's has 10; resume with the same data (and the same example limit)");
  REQUIRE(smaller.epoch() == 0);
}

namespace {

// Example 13 cannot be read.
struct Faulty : data::Dataset {
  int64_t size() const override { return 40; }
  data::Example get(int64_t i) const override {
    if (i == 13) throw std::runtime_error("Faulty: example 13 is unreadable");
    return {full({2}, double(i)), scalar_tensor(double(i), kInt64)};
  }
};

}  // namespace

TEST_CASE("an error while making a batch reaches the loop at that batch, with or without prefetching") {
  for (int64_t prefetch : {0, 2}) {
    INFO("prefetch " << prefetch);
    data::DataLoader loader(Faulty(), data::DataLoaderOptions(5).prefetch(prefetch));
    int seen = 0;
    auto run = [&] {
      for (auto& batch : loader) {
        REQUIRE(batch.target.to_vector<int64_t>()[0] == 5 * seen);
        ++seen;
      }
    };
    REQUIRE_THROWS_WITH(run(), "Faulty: example 13 is unreadable");
    REQUIRE(seen == 2);  // batches 0 and 1 arrived, batch 2 holds example 13
  }
}

TEST_CASE("leaving an epoch early stops its prefetching and the next epoch starts cleanly") {
  data::DataLoader loader(augmented_images(), data::DataLoaderOptions(4).shuffle(true).seed(2).prefetch(3));
  for (auto& batch : loader) {
    REQUIRE(batch.data.size(0) == 4);
    break;
  }
  REQUIRE(loader.epoch() == 1);
  REQUIRE(collect(loader).size() == 50);
  // an iterator abandoned mid-epoch and then destroyed
  { auto it = loader.begin(); ++it; }
  REQUIRE(loader.epoch() == 3);
}

TEST_CASE("DataLoaderOptions are checked when the loader is made") {
  REQUIRE_THROWS_WITH(data::DataLoader(numbered(3), data::DataLoaderOptions(0)), "DataLoader: batch_size must be >= 1, got 0");
  REQUIRE_THROWS_WITH(data::DataLoader(numbered(3), data::DataLoaderOptions(1).prefetch(-1)),
                      "DataLoader: prefetch must be >= 0, got -1");
  data::DataLoaderOptions o = data::DataLoaderOptions(32).shuffle(true).drop_last(true).seed(4).prefetch(1);
  REQUIRE(o.batch_size() == 32);
  REQUIRE(o.shuffle());
  REQUIRE(o.drop_last());
  REQUIRE(*o.seed() == 4);
  REQUIRE(o.prefetch() == 1);
}

namespace {

// Epoch e visits the odd examples, in reverse, shifted by e (so the epoch reaches the sampler).
struct OddReversed : data::Sampler {
  int64_t n;
  explicit OddReversed(int64_t n) : n(n) {}
  int64_t size() const override { return n / 2; }
  std::vector<int64_t> indices(int64_t epoch) const override {
    std::vector<int64_t> v;
    for (int64_t i = n - 1 - (n % 2 == 0 ? 0 : 1); i >= 1; i -= 2) v.push_back((i + 2 * epoch) % n);
    return v;
  }
};

struct Broken : data::Sampler {
  int64_t size() const override { return 2; }
  std::vector<int64_t> indices(int64_t) const override { return {0, 99}; }
};

}  // namespace

TEST_CASE("a sampler decides each epoch's examples and order, the loader's epoch reaches it") {
  data::DataLoader loader(numbered(10), data::DataLoaderOptions(2).sampler(OddReversed(10)).prefetch(0));
  REQUIRE(loader.size() == 3);  // 5 indices in batches of 2
  REQUIRE(run_epoch(loader) == std::vector<std::vector<int64_t>>{{9, 7}, {5, 3}, {1}});
  REQUIRE(run_epoch(loader) == std::vector<std::vector<int64_t>>{{1, 9}, {7, 5}, {3}});
  loader.set_epoch(0);  // resuming at an epoch resumes the sampler's order too
  REQUIRE(run_epoch(loader) == std::vector<std::vector<int64_t>>{{9, 7}, {5, 3}, {1}});
  // Held through a shared_ptr, prefetched: the same.
  data::DataLoader shared(numbered(10), data::DataLoaderOptions(2).sampler(std::make_shared<OddReversed>(10)));
  REQUIRE(run_epoch(shared) == std::vector<std::vector<int64_t>>{{9, 7}, {5, 3}, {1}});
}

TEST_CASE("a sampler excludes shuffle, and an index outside the dataset is an error") {
  REQUIRE_THROWS_WITH(data::DataLoader(numbered(4), data::DataLoaderOptions(2).sampler(OddReversed(4)).shuffle(true)),
                      Catch::StartsWith("DataLoader: a sampler and shuffle(true) exclude each other"));
  data::DataLoader loader(numbered(4), data::DataLoaderOptions(2).sampler(Broken()).prefetch(0));
  REQUIRE_THROWS_WITH(loader.begin(), "DataLoader: the sampler gave index 99 for a dataset of 4 examples");
}
