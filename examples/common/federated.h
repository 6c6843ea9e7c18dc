#pragma once
// The pieces of federated averaging (McMahan et al. 2017, "Communication-Efficient Learning of
// Deep Networks from Decentralized Data") that fedavg_mnist.cpp is built from and the tests check
// alone: how the training set is dealt out to clients, and the server's weighted average.
//   IID      a random permutation cut into K equal parts (MNIST: 100 clients × 600 examples);
//   non-IID  the examples sorted by label, cut into K · s shards of equal size, s random
//            shards per client (MNIST: 200 shards of 300, 2 per client: most clients see two
//            digits only);
//   average  w = Σ_k n_k · w_k / Σ_k n_k over the clients k of a round, n_k their example counts.
// Read next: examples/fedavg_mnist.cpp.
#include <cstdint>
#include <vector>

#include <descent/descent.h>

namespace examples::federated {

// Client k's example indices, for `clients` clients over `n` examples (n / clients each; the
// remainder is left out).
std::vector<std::vector<int64_t>> split_iid(int64_t n, int64_t clients, uint64_t seed);
// The same by label: `labels[i]` is example i's class.
std::vector<std::vector<int64_t>> split_shards(const std::vector<int64_t>& labels, int64_t clients,
                                               int64_t shards_per_client, uint64_t seed);

// Σ n_k · w_k and Σ n_k, accumulated in float64 in one flat buffer (weights first, then the
// total), so that the partial sums of several processes are added up with one all_reduce.
class WeightedAverage {
 public:
  explicit WeightedAverage(const std::vector<descent::Tensor>& like);  // shapes of the weights
  void clear();
  void add(const std::vector<descent::Tensor>& weights, double examples);
  descent::Tensor& sums() { return sums_; }  // [numel + 1], float64: all-reduce it across ranks
  double total() const;
  // out[i] = Σ n_k · w_k[i] / Σ n_k, written into the existing tensors (their dtype).
  void average_into(const std::vector<descent::Tensor>& out) const;

 private:
  std::vector<int64_t> numels_;
  descent::Tensor sums_;
};

}  // namespace examples::federated
