// DataLoader: epochs, their orders, and the background thread that prepares batches ahead.
#include "data/dataloader.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "tensor/check.h"

namespace descent::data {
namespace detail {

// One epoch: the order of its examples and the batches cut from it. With prefetching, a worker
// thread makes batches 0, 1, 2, ... into a queue of at most `prefetch` ready batches and the
// consumer takes them in order; without, the consumer makes each batch itself. The batches are
// the same either way because a batch depends only on (order, k, seed, epoch).
class EpochRun {
 public:
  EpochRun(std::shared_ptr<const Dataset> dataset, std::vector<int64_t> order, int64_t batch_size, int64_t batches,
           uint64_t seed, int64_t epoch, int64_t prefetch)
      : dataset_(std::move(dataset)), order_(std::move(order)), batch_size_(batch_size), batches_(batches),
        seed_(seed), epoch_(epoch), prefetch_(prefetch) {
    if (prefetch_ > 0 && batches_ > 0) worker_ = std::thread([this] { work(); });
  }

  ~EpochRun() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    if (worker_.joinable()) worker_.join();  // finishes at most the batch it is making
  }

  EpochRun(const EpochRun&) = delete;
  EpochRun& operator=(const EpochRun&) = delete;

  // Puts the next batch in `current`; false when the epoch is over.
  bool next() {
    if (taken_ == batches_) return false;
    const int64_t k = taken_++;
    if (prefetch_ == 0) {
      current = make(k);
      return true;
    }
    Ready ready;
    {
      std::unique_lock lock(mutex_);
      filled_.wait(lock, [&] { return !queue_.empty(); });
      ready = std::move(queue_.front());
      queue_.pop_front();
    }
    space_.notify_one();
    if (ready.error) {
      taken_ = batches_;  // the worker stopped at the failing batch: the epoch ends here
      std::rethrow_exception(ready.error);
    }
    current = std::move(ready.batch);
    return true;
  }

  Example current;

 private:
  struct Ready {
    Example batch;
    std::exception_ptr error;
  };

  // Batch k: the examples at order_[k·B, min((k+1)·B, n)).
  Example make(int64_t k) const {
    const int64_t begin = k * batch_size_, end = std::min<int64_t>(begin + batch_size_, int64_t(order_.size()));
    return dataset_->get_batch(std::span<const int64_t>(order_.data() + begin, size_t(end - begin)), seed_, epoch_);
  }

  void work() {
    for (int64_t k = 0; k < batches_; ++k) {
      {
        std::unique_lock lock(mutex_);
        space_.wait(lock, [&] { return stop_ || int64_t(queue_.size()) < prefetch_; });
        if (stop_) return;
      }
      Ready ready;
      try {
        ready.batch = make(k);
      } catch (...) {
        ready.error = std::current_exception();
      }
      const bool failed = ready.error != nullptr;
      {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(ready));
      }
      filled_.notify_one();
      if (failed) return;
    }
  }

  const std::shared_ptr<const Dataset> dataset_;
  const std::vector<int64_t> order_;
  const int64_t batch_size_, batches_;
  const uint64_t seed_;
  const int64_t epoch_, prefetch_;
  int64_t taken_ = 0;  // batches handed to the consumer (consumer thread only)

  std::mutex mutex_;  // guards queue_ and stop_
  std::condition_variable filled_, space_;
  std::deque<Ready> queue_;
  bool stop_ = false;
  std::thread worker_;  // last: starts after everything it uses exists
};

}  // namespace detail

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  CHECK(dataset_ != nullptr, "DataLoader: expected a dataset, got a null pointer");
  CHECK(options_.batch_size() >= 1, "DataLoader: batch_size must be >= 1, got ", options_.batch_size());
  CHECK(options_.prefetch() >= 0, "DataLoader: prefetch must be >= 0, got ", options_.prefetch());
  CHECK(!(options_.sampler() && options_.shuffle()),
        "DataLoader: a sampler and shuffle(true) exclude each other (the sampler decides the order; shuffle it there)");
  seed_ = options_.seed() ? *options_.seed() : default_generator().next_u64();
}

int64_t DataLoader::size() const {
  const int64_t n = options_.sampler() ? options_.sampler()->size() : dataset_->size(), b = options_.batch_size();
  return options_.drop_last() ? n / b : (n + b - 1) / b;
}

void DataLoader::set_epoch(int64_t epoch) {
  CHECK(epoch >= 0, "DataLoader::set_epoch: expected an epoch >= 0, got ", epoch);
  epoch_ = epoch;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  if (const auto& sampler = options_.sampler()) {
    std::vector<int64_t> indices = sampler->indices(epoch);
    CHECK(int64_t(indices.size()) == sampler->size(), "DataLoader: the sampler gave ", indices.size(),
          " indices for epoch ", epoch, " but its size() is ", sampler->size());
    for (int64_t i : indices)
      CHECK(i >= 0 && i < dataset_->size(), "DataLoader: the sampler gave index ", i, " for a dataset of ",
            dataset_->size(), " examples");
    return indices;
  }
  if (!options_.shuffle()) {
    std::vector<int64_t> identity(size_t(dataset_->size()));
    std::iota(identity.begin(), identity.end(), int64_t(0));
    return identity;
  }
  Generator generator = shuffle_generator(seed_, epoch);
  return kernels::randperm(dataset_->size(), generator).to_vector<int64_t>();
}

DataLoader::Iterator DataLoader::begin() {
  const int64_t epoch = epoch_++;
  auto run = std::make_shared<detail::EpochRun>(dataset_, order(epoch), options_.batch_size(), size(), seed_, epoch,
                                                options_.prefetch());
  return Iterator(std::move(run));
}

DataLoader::Iterator DataLoader::end() const { return Iterator(); }

void DataLoader::save(serialize::OutputArchive& archive, const std::string& prefix) const {
  archive.write(prefix + "seed", int64_t(seed_));  // the bits of the uint64
  archive.write(prefix + "epoch", epoch_);
  archive.write(prefix + "dataset_size", dataset_->size());
}

void DataLoader::load(const serialize::InputArchive& archive, const std::string& prefix) {
  // Read and check everything before changing anything.
  const uint64_t seed = uint64_t(archive.read_int(prefix + "seed"));
  const int64_t epoch = archive.read_int(prefix + "epoch");
  const int64_t dataset_size = archive.read_int(prefix + "dataset_size");
  if (dataset_size != dataset_->size())
    throw std::runtime_error("DataLoader: " + archive.path() + ": the state was saved for a dataset of " +
                             std::to_string(dataset_size) + " examples, but this loader's has " +
                             std::to_string(dataset_->size()) + "; resume with the same data (and the same example limit)");
  if (epoch < 0) throw std::runtime_error("DataLoader: " + archive.path() + ": negative epoch " + std::to_string(epoch));
  seed_ = seed;
  epoch_ = epoch;
}

DataLoader::Iterator::Iterator(std::shared_ptr<detail::EpochRun> run) : run_(std::move(run)) {
  if (!run_->next()) run_.reset();
}

Example& DataLoader::Iterator::operator*() const {
  CHECK(run_ != nullptr, "DataLoader: dereferenced the end iterator");
  return run_->current;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  CHECK(run_ != nullptr, "DataLoader: incremented the end iterator");
  if (!run_->next()) run_.reset();
  return *this;
}

}  // namespace descent::data
