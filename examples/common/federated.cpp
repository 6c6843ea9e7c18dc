// Client splits and the weighted average of federated averaging (see federated.h).
#include "common/federated.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace examples::federated {

using namespace descent;

namespace {

// A permutation of 0 .. n-1 drawn from (seed, stream): the data pipeline's generator.
std::vector<int64_t> permutation(int64_t n, uint64_t seed, int64_t stream) {
  Generator generator = data::shuffle_generator(seed, stream);
  return kernels::randperm(n, generator).to_vector<int64_t>();
}

}  // namespace

std::vector<std::vector<int64_t>> split_iid(int64_t n, int64_t clients, uint64_t seed) {
  if (clients < 1 || clients > n) throw std::invalid_argument("split_iid: need 1 <= clients <= examples");
  const std::vector<int64_t> order = permutation(n, seed, 0);
  const int64_t each = n / clients;
  std::vector<std::vector<int64_t>> parts(static_cast<size_t>(clients));
  for (int64_t k = 0; k < clients; ++k) parts[size_t(k)].assign(order.begin() + k * each, order.begin() + (k + 1) * each);
  return parts;
}

std::vector<std::vector<int64_t>> split_shards(const std::vector<int64_t>& labels, int64_t clients,
                                               int64_t shards_per_client, uint64_t seed) {
  const int64_t n = int64_t(labels.size()), shards = clients * shards_per_client;
  if (clients < 1 || shards_per_client < 1 || shards > n)
    throw std::invalid_argument("split_shards: need at least one example per shard");
  // Sorted by label; examples of one label keep their order (stable), so shards are contiguous.
  std::vector<int64_t> by_label(static_cast<size_t>(n));
  std::iota(by_label.begin(), by_label.end(), int64_t(0));
  std::stable_sort(by_label.begin(), by_label.end(), [&](int64_t a, int64_t b) { return labels[size_t(a)] < labels[size_t(b)]; });
  const int64_t shard_size = n / shards;
  const std::vector<int64_t> shard_order = permutation(shards, seed, 1);  // which shards go to whom
  std::vector<std::vector<int64_t>> parts(static_cast<size_t>(clients));
  for (int64_t k = 0; k < clients; ++k)
    for (int64_t j = 0; j < shards_per_client; ++j) {
      const int64_t shard = shard_order[size_t(k * shards_per_client + j)];
      auto first = by_label.begin() + shard * shard_size;
      parts[size_t(k)].insert(parts[size_t(k)].end(), first, first + shard_size);
    }
  return parts;
}

WeightedAverage::WeightedAverage(const std::vector<Tensor>& like) {
  int64_t n = 0;
  for (const Tensor& t : like) {
    numels_.push_back(t.numel());
    n += t.numel();
  }
  sums_ = zeros({n + 1}, kFloat64);
}

void WeightedAverage::clear() { sums_.zero_(); }

void WeightedAverage::add(const std::vector<Tensor>& weights, double examples) {
  if (weights.size() != numels_.size()) throw std::invalid_argument("WeightedAverage::add: wrong number of tensors");
  double* sum = sums_.data_ptr<double>();
  for (size_t i = 0; i < weights.size(); ++i) {
    const std::vector<double> w = weights[i].to_vector<double>();
    if (int64_t(w.size()) != numels_[i]) throw std::invalid_argument("WeightedAverage::add: a tensor changed size");
    for (double v : w) *sum++ += examples * v;
  }
  *sum += examples;
}

double WeightedAverage::total() const { return sums_.data_ptr<double>()[sums_.numel() - 1]; }

void WeightedAverage::average_into(const std::vector<Tensor>& out) const {
  const double n = total();
  if (!(n > 0)) throw std::invalid_argument("WeightedAverage: no examples were added");
  NoGradGuard no_grad;
  int64_t offset = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    Tensor mean = sums_.slice(0, offset, offset + numels_[i]) / n;
    Tensor target = out[i];
    target.copy_(mean.view(out[i].sizes()));
    offset += numels_[i];
  }
}

}  // namespace examples::federated
