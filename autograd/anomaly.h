#pragma once
// Anomaly mode: when on, every op's forward output and every gradient a backward produces is
// checked for NaN and Inf, and the first one found becomes an error naming the op (for a
// gradient, the forward op whose backward produced it) and the shapes of its inputs.
// It costs a pass over every tensor, so it is off by default.
#include <initializer_list>
#include <vector>

#include "tensor/tensor.h"

namespace descent::autograd {

struct Edge;
using Edges = CachedVector<Edge>;    // as in node.h
using Grads = CachedVector<Tensor>;  // as in node.h

void set_detect_anomaly(bool enabled);
bool anomaly_enabled();

// Scoped form, like torch.autograd.detect_anomaly().
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : previous_(anomaly_enabled()) { set_detect_anomaly(true); }
  ~DetectAnomalyGuard() { set_detect_anomaly(previous_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

// Set by the engine while a Node's backward runs: the ops inside it are then not checked one
// by one, so that a bad gradient is blamed on the forward op whose backward made it.
class BackwardScope {
 public:
  explicit BackwardScope(const char* op);
  ~BackwardScope();
  BackwardScope(const BackwardScope&) = delete;
  BackwardScope& operator=(const BackwardScope&) = delete;

 private:
  const char* previous_;
};

bool all_finite(const Tensor& t);
void check_forward(const char* op, const Tensor& out, const std::vector<Tensor>& inputs);
void check_backward(const char* op, const Edges& inputs, const Grads& grads);

}  // namespace descent::autograd
