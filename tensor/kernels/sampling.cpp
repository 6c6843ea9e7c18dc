// multinomial: inverse-CDF sampling. With replacement, one running sum of the row and a binary
// search per draw; without, the chosen category's weight is removed and the next draw scans the
// remaining ones (n·C work per row: sampling draws few, from rows of a vocabulary's size).
#include "tensor/kernels/sampling.h"

#include <algorithm>
#include <vector>

#include "tensor/factory.h"
#include "tensor/parallel.h"

namespace descent::kernels {

Tensor multinomial(const Tensor& probs, int64_t n, bool replacement, Generator& gen) {
  const int64_t R = probs.sizes()[0], C = probs.sizes()[1];
  Tensor out = empty({R, n}, kInt64);
  const uint64_t start = gen.reserve(uint64_t(R * n)), key = gen.key();
  const double* w = probs.data_ptr<double>();
  int64_t* o = out.data_ptr<int64_t>();
  parallel_for(0, R, 1, [&](int64_t r0, int64_t r1) {
    std::vector<double> cum(static_cast<size_t>(C));  // running sums of the row's (remaining) weights
    for (int64_t r = r0; r < r1; ++r) {
      const double* row = w + r * C;
      std::vector<double> left(row, row + C);
      for (int64_t k = 0; k < n; ++k) {
        double total = 0;
        for (int64_t j = 0; j < C; ++j) cum[size_t(j)] = total += left[size_t(j)];
        const double u = Generator::to_unit_double(Generator::bits_at(key, start + uint64_t(r * n + k))) * total;
        // The first category whose running sum exceeds u; never one of weight 0.
        int64_t pick = int64_t(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin());
        pick = std::min(pick, C - 1);
        while (left[size_t(pick)] == 0 && pick > 0) --pick;  // u at the very top: the last positive one
        o[r * n + k] = pick;
        if (!replacement) left[size_t(pick)] = 0;
      }
    }
  });
  return out;
}

}  // namespace descent::kernels
