#pragma once
// Recurrent layers, as torch.nn.LSTM and torch.nn.GRU: num_layers layers, each running over the
// whole sequence; layer k > 0 reads layer k − 1's outputs (with dropout in between when
// training, if asked). Inputs are [T, B, input_size] ([B, T, input_size] with batch_first, or
// [T, input_size] for one unbatched sequence); initial states [num_layers, B, hidden_size]
// (zeros when not given). Parameters have torch's names, shapes and gate order, per layer k:
//   weight_ih_lk [G·H, in]  weight_hh_lk [G·H, H]  bias_ih_lk [G·H]  bias_hh_lk [G·H]
// with G = 4 gates for the LSTM (i, f, g, o) and 3 for the GRU (r, z, n), all drawn from
// U(±1/√H). The equations and kernels are in tensor/kernels/rnn.h; each layer is one op
// (lstm_layer, gru_layer in autograd/ops/rnn.cpp) after one linear() that projects the input of
// every step at once. First-order gradients only: for second order, lstm_cell (autograd/ops.h).
#include <tuple>
#include <vector>

#include "nn/module.h"
#include "nn/options.h"

namespace descent::nn {

struct RNNOptions {
  RNNOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  DESCENT_ARG(int64_t, input_size);
  DESCENT_ARG(int64_t, hidden_size);
  DESCENT_ARG(int64_t, num_layers) = 1;
  DESCENT_ARG(bool, bias) = true;
  DESCENT_ARG(bool, batch_first) = false;  // [B, T, ..] inputs and outputs (states stay [L, B, H])
  DESCENT_ARG(double, dropout) = 0.0;      // on the outputs of every layer but the last, in training
};
using LSTMOptions = RNNOptions;
using GRUOptions = RNNOptions;

// What LSTM and GRU share: the parameters, the checks, the layout of inputs and outputs.
class RNNBase : public Module {
 public:
  void reset_parameters();
  void pretty_print(std::ostream& os) const override;

  RNNOptions options;
  // One entry per layer (bias_* undefined without bias); the same tensors as the named parameters.
  std::vector<Tensor> weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  RNNBase(const RNNOptions& options, int64_t gates, const char* kind);
  // The input as [T, B, input_size] and whether it was one unbatched sequence.
  std::pair<Tensor, bool> sequence_first(const Tensor& x) const;
  // An initial state, checked: [L, B, H] (or [L, H] unbatched, given a dim for B).
  Tensor initial_state(const Tensor& state, const char* what, int64_t batch, bool unbatched) const;
  // x: [T, B, in] -> x·W_ihᵀ + bias for every step of layer k, [T, B, G·H].
  Tensor project_input(const Tensor& x, int64_t layer, const Tensor& bias) const;
  Tensor between_layers(const Tensor& out, int64_t layer) const;  // dropout
  Tensor output_layout(const Tensor& out, bool unbatched) const;  // back to the input's layout
  const char* kind_;
};

class LSTM : public RNNBase {
 public:
  explicit LSTM(const LSTMOptions& options) : RNNBase(options, 4, "LSTM") {}
  // Returns (output [T, B, H], (h_n, c_n) each [num_layers, B, H]).
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& x) const { return forward(x, {}); }
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& x, const std::tuple<Tensor, Tensor>& hc) const;
};

class GRU : public RNNBase {
 public:
  explicit GRU(const GRUOptions& options) : RNNBase(options, 3, "GRU") {}
  // Returns (output [T, B, H], h_n [num_layers, B, H]).
  std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0 = {}) const;
};

}  // namespace descent::nn
