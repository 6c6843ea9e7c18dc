#pragma once
// GradientMonitor: watches the gradients of named parameters during training and says when
// one vanishes (L2 norm below a threshold), explodes (above one) or holds NaN/Inf, naming the
// parameter, the step and the norm. It also keeps per-parameter statistics of the norms
// (min / mean / max over the window since the last reset()) for a summary table.
//
//   autograd::GradientMonitor monitor(/*every_n_steps=*/100);
//   ...  loss.backward();
//   monitor.observe(step, model->named_parameters());   // warnings go to std::cerr
//   ...  std::cout << monitor.report();
//
// It only reads gradients: it does not clip, skip steps or stop training (that is the
// caller's decision). Anomaly mode (autograd/anomaly.h) finds *which op* made a NaN; this
// finds *which parameter* has a bad gradient. Read next: autograd/anomaly.h.
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace descent::autograd {

// The L2 norm of a tensor, accumulated in double (a float32 sum of squares overflows long
// before the norm does). NaN when an element is NaN, Inf when one is infinite.
double l2_norm(const Tensor& t);

struct GradWarning {
  enum class Kind { Vanishing, Exploding, NonFinite, Missing };
  Kind kind;
  int64_t step;
  std::string name;
  double norm;  // NaN for Missing
  std::string message() const;  // one line: "step 30: gradient of 'w0' explodes: norm 5.1e+04 > 1e+03"
};

struct GradStats {
  int64_t count = 0;  // observations with a finite norm
  double min = 0, max = 0, sum = 0, last = 0;
  int64_t vanishing = 0, exploding = 0, non_finite = 0, missing = 0;
  double mean() const { return count ? sum / count : 0; }
};

class GradientMonitor {
 public:
  explicit GradientMonitor(int64_t every_n_steps, double vanish_threshold = 1e-7, double explode_threshold = 1e3,
                           std::ostream& out = std::cerr);

  // Does nothing unless step is a multiple of every_n_steps. Then computes each parameter's
  // gradient norm, updates the statistics and returns the warnings, each also printed as a
  // line to the stream given at construction. A parameter that requires grad but has no
  // gradient (unused in the forward pass, or detached) is reported as Missing.
  std::vector<GradWarning> observe(int64_t step, const std::vector<std::pair<std::string, Tensor>>& named_parameters);

  // Per-parameter statistics, in the order the parameters were first seen.
  const std::vector<std::pair<std::string, GradStats>>& stats() const { return stats_; }
  const GradStats& stats(const std::string& name) const;  // throws std::out_of_range if never seen
  int64_t warning_count() const { return warnings_; }

  // A table: one line per parameter with min / mean / max / last norm and warning counts.
  std::string report() const;
  void reset();  // starts a new window of statistics

 private:
  GradStats& entry(const std::string& name);
  int64_t every_;
  double vanish_, explode_;
  std::ostream* out_;
  std::vector<std::pair<std::string, GradStats>> stats_;
  int64_t warnings_ = 0;
};

}  // namespace descent::autograd
