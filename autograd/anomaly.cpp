// Anomaly checks (see anomaly.h). The flag is global rather than per thread so that turning
// it on also covers work done on oneTBB's threads.
#include "autograd/anomaly.h"

#include <atomic>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "autograd/node.h"
#include "tensor/kernels/elementwise.h"

namespace descent::autograd {
namespace {

std::atomic<bool> g_anomaly{false};
thread_local const char* t_backward_of = nullptr;  // the node whose backward is running

std::string describe(const Tensor& t) {
  std::ostringstream os;
  os << t.sizes() << ' ' << dtype_name(t.dtype());
  return os.str();
}

const char* kind_of_bad(const Tensor& t) {
  for (double v : t.to_vector<double>())
    if (std::isnan(v)) return "nan";
  return "inf";
}

}  // namespace

void set_detect_anomaly(bool enabled) { g_anomaly = enabled; }
bool anomaly_enabled() { return g_anomaly.load(std::memory_order_relaxed); }

bool all_finite(const Tensor& t) {
  if (!is_floating(t.dtype())) return true;
  bool finite = true;
  dispatch_floating(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor c = kernels::contiguous(t);
    const T* p = c.data_ptr<T>();
    for (int64_t i = 0, n = c.numel(); i < n; ++i) finite = finite && std::isfinite(p[i]);
  });
  return finite;
}

BackwardScope::BackwardScope(const char* op) : previous_(t_backward_of) { t_backward_of = op; }
BackwardScope::~BackwardScope() { t_backward_of = previous_; }

void check_forward(const char* op, const Tensor& out, const std::vector<Tensor>& inputs) {
  if (t_backward_of || all_finite(out)) return;  // inside a backward, check_backward reports
  std::ostringstream os;
  os << "anomaly: '" << op << "' produced " << kind_of_bad(out) << " in its output " << describe(out) << " (inputs:";
  for (const Tensor& t : inputs) os << ' ' << (t.defined() ? describe(t) : std::string("none"));
  os << ')';
  throw std::runtime_error(os.str());
}

void check_backward(const char* op, const Edges& inputs, const Grads& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined() || all_finite(grads[i])) continue;
    std::ostringstream os;
    os << "anomaly: backward of '" << op << "' produced " << kind_of_bad(grads[i]) << " in the gradient for input "
       << i << " (inputs:";
    for (const Edge& e : inputs) os << ' ' << e.shape;
    os << ')';
    throw std::runtime_error(os.str());
  }
}

}  // namespace descent::autograd
