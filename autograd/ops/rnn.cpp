// Recurrent ops: one LSTM step (lstm_cell, twice differentiable), and a whole LSTM or GRU layer
// over a sequence (lstm_layer, gru_layer: what nn::LSTM and nn::GRU run, first order only).
// The equations are in tensor/kernels/rnn.h, beside the kernels.
//
// Why a layer is one op: recorded step by step, a 64-step sequence would be some 700 Nodes per
// layer, and dL/dW_hh 64 thin GEMMs with k = B; as one Node the backward walks the steps itself
// and gets dL/dW_hh from one GEMM over all of them. The input's projection x·W_ihᵀ is not part
// of the op: nn::LSTM computes it for every step with one linear() before the loop, so its
// gradients come from linear's backward, again one GEMM each.
//
// An op has one output, so each result bundles what the layer returns and hands out views:
// lstm_cell's is [2, B, H] (h', c'), lstm_layer's [T + 1, B, H] (h_1..h_T, then c_T). The
// engine adds the gradients of those views back into one tensor for the backward.
#include "autograd/ops/common.h"
#include "tensor/kernels/rnn.h"

namespace descent {

using namespace ops_detail;

namespace {

void check_same_dtype(const Tensor& t, const Tensor& ref, const char* op, const char* what) {
  if (!t.defined()) return;
  CHECK(t.dtype() == ref.dtype(), op, ": dtype mismatch: ", what, " is ", dtype_name(t.dtype()), ", expected ",
        dtype_name(ref.dtype()));
}

void check_shape(const Tensor& t, const Dims& expected, const char* op, const char* what) {
  if (!t.defined()) return;
  CHECK(t.sizes() == expected, op, ": ", what, " must have shape ", expected, ", got ", t.sizes());
}

// The pointwise half of an LSTM step as one primitive: pre: [B, 4H], c_prev: [B, H] (or
// undefined) -> [2, B, H] holding (h', c').
Tensor lstm_cell_pointwise(const Tensor& pre, const Tensor& c_prev) {
  kernels::LstmCellResult r = kernels::lstm_cell(pre, c_prev);
  Tensor out = r.hc;
  // dL/dpre and dL/dc_prev from dL/dh' = g[0] and dL/dc' = g[1] (the formulas in kernels/rnn.h)
  if (auto node = record("lstm_cell", out, {pre, c_prev})) {
    node->set_backward([pre = node->save(pre), c_prev = node->save(c_prev), gates = r.gates,
                        hc = out.detach()](const Tensor& g, const Node& n) -> Grads {
      if (!differentiating_backward()) {
        kernels::LstmCellGrads d = kernels::lstm_cell_backward(gates, c_prev, select(hc, 0, 1), select(g, 0, 0),
                                                               select(g, 0, 1));
        return {d.pre, n.needs_grad(1) ? d.c_prev : Tensor()};
      }
      // create_graph: the same formulas in public ops, the activations recomputed from pre.
      const int64_t H = pre.sizes()[1] / 4;
      Tensor i = sigmoid(narrow(pre, 1, 0, H)), f = sigmoid(narrow(pre, 1, H, H));
      Tensor gg = tanh(narrow(pre, 1, 2 * H, H)), o = sigmoid(narrow(pre, 1, 3 * H, H));
      Tensor c = c_prev.defined() ? f * c_prev + i * gg : i * gg;
      Tensor tc = tanh(c);
      Tensor dh = select(g, 0, 0);
      Tensor dc = select(g, 0, 1) + dh * o * (1.0 - tc * tc);
      Tensor df = c_prev.defined() ? dc * c_prev * f * (1.0 - f) : zeros_like(f);
      Tensor dpre = cat({dc * gg * i * (1.0 - i), df, dc * i * (1.0 - gg * gg), dh * tc * o * (1.0 - o)}, 1);
      return {dpre, n.needs_grad(1) ? dc * f : Tensor()};
    });
  }
  return out;
}

}  // namespace

// gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh   (h', c') = the LSTM cell of gates and c
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const std::tuple<Tensor, Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  const auto& [h, c] = hx;
  for (const Tensor* t : {&input, &h, &c, &w_ih, &w_hh}) check_defined(*t, "lstm_cell");
  CHECK(is_floating(input.dtype()), "lstm_cell: expected a floating-point input, got ", dtype_name(input.dtype()));
  CHECK(input.dim() == 2, "lstm_cell: expected input [B, input_size], got ", input.sizes());
  CHECK(w_hh.dim() == 2 && w_hh.sizes()[0] == 4 * w_hh.sizes()[1], "lstm_cell: w_hh must be [4·hidden_size, ",
        "hidden_size], got ", w_hh.sizes());
  const int64_t B = input.sizes()[0], I = input.sizes()[1], H = w_hh.sizes()[1];
  check_shape(w_ih, {4 * H, I}, "lstm_cell", "w_ih");
  check_shape(h, {B, H}, "lstm_cell", "hx");
  check_shape(c, {B, H}, "lstm_cell", "cx");
  check_shape(b_ih, {4 * H}, "lstm_cell", "b_ih");
  check_shape(b_hh, {4 * H}, "lstm_cell", "b_hh");
  for (const Tensor* t : {&h, &c, &w_ih, &w_hh, &b_ih, &b_hh}) check_same_dtype(*t, input, "lstm_cell", "an argument");
  Tensor pre = linear(input, w_ih, b_ih) + linear(h, w_hh, b_hh);
  Tensor hc = lstm_cell_pointwise(pre, c);
  return {select(hc, 0, 0), select(hc, 0, 1)};
}

// x_gates: [T, B, 4H]   w_hh: [4H, H]   h0, c0: [B, H] or undefined (zeros)
// -> output [T, B, H] (h_1..h_T), h_n = h_T, c_n = c_T. Backward: kernels::lstm_layer_backward
// (BPTT over the saved gates and cells): dL/dx_gates, dL/dW_hh, dL/dh0, dL/dc0.
std::tuple<Tensor, Tensor, Tensor> lstm_layer(const Tensor& x_gates, const Tensor& w_hh, const Tensor& h0,
                                              const Tensor& c0) {
  check_defined(x_gates, "lstm_layer");
  check_defined(w_hh, "lstm_layer");
  CHECK(is_floating(x_gates.dtype()), "lstm_layer: expected floating-point gates, got ", dtype_name(x_gates.dtype()));
  CHECK(w_hh.dim() == 2 && w_hh.sizes()[0] == 4 * w_hh.sizes()[1], "lstm_layer: w_hh must be [4·hidden_size, ",
        "hidden_size], got ", w_hh.sizes());
  const int64_t H = w_hh.sizes()[1];
  CHECK(x_gates.dim() == 3 && x_gates.sizes()[2] == 4 * H, "lstm_layer: expected x_gates [T, B, ", 4 * H,
        "] for w_hh ", w_hh.sizes(), ", got ", x_gates.sizes());
  const int64_t T_ = x_gates.sizes()[0], B = x_gates.sizes()[1];
  CHECK(T_ >= 1, "lstm_layer: expected a sequence of at least one step, got x_gates ", x_gates.sizes());
  check_shape(h0, {B, H}, "lstm_layer", "h0");
  check_shape(c0, {B, H}, "lstm_layer", "c0");
  for (const Tensor* t : {&w_hh, &h0, &c0}) check_same_dtype(*t, x_gates, "lstm_layer", "an argument");

  auto fw = make_cached<kernels::LstmLayerResult>(kernels::lstm_layer(x_gates, w_hh, h0, c0));
  Tensor packed = fw->output;
  if (auto node = record("lstm_layer", packed, {x_gates, w_hh, h0, c0})) {
    fw->output = fw->output.detach();  // the saved h_t: a constant (capturing `packed` would be a cycle)
    node->set_backward([fw, w = node->save(w_hh), h0 = node->save(h0), c0 = node->save(c0)](
                           const Tensor& g, const Node& n) -> Grads {
      CHECK(!differentiating_backward(), "lstm_layer: no second-order gradients (create_graph) through a whole ",
            "LSTM layer; build the recurrence from lstm_cell, which has them");
      kernels::LstmLayerGrads d =
          kernels::lstm_layer_backward(g, *fw, w, h0, c0, n.needs_grad(1), n.needs_grad(2), n.needs_grad(3));
      return {d.x_gates, d.w_hh, d.h0, d.c0};
    });
  }
  return {narrow(packed, 0, 0, T_), select(packed, 0, T_ - 1), select(packed, 0, T_)};
}

// x_gates: [T, B, 3H]   w_hh: [3H, H]   b_hh: [3H] or undefined   h0: [B, H] or undefined
// -> output [T, B, H], h_n = h_T. Backward: kernels::gru_layer_backward.
std::tuple<Tensor, Tensor> gru_layer(const Tensor& x_gates, const Tensor& w_hh, const Tensor& b_hh,
                                     const Tensor& h0) {
  check_defined(x_gates, "gru_layer");
  check_defined(w_hh, "gru_layer");
  CHECK(is_floating(x_gates.dtype()), "gru_layer: expected floating-point gates, got ", dtype_name(x_gates.dtype()));
  CHECK(w_hh.dim() == 2 && w_hh.sizes()[0] == 3 * w_hh.sizes()[1], "gru_layer: w_hh must be [3·hidden_size, ",
        "hidden_size], got ", w_hh.sizes());
  const int64_t H = w_hh.sizes()[1];
  CHECK(x_gates.dim() == 3 && x_gates.sizes()[2] == 3 * H, "gru_layer: expected x_gates [T, B, ", 3 * H,
        "] for w_hh ", w_hh.sizes(), ", got ", x_gates.sizes());
  const int64_t T_ = x_gates.sizes()[0], B = x_gates.sizes()[1];
  CHECK(T_ >= 1, "gru_layer: expected a sequence of at least one step, got x_gates ", x_gates.sizes());
  check_shape(b_hh, {3 * H}, "gru_layer", "b_hh");
  check_shape(h0, {B, H}, "gru_layer", "h0");
  for (const Tensor* t : {&w_hh, &b_hh, &h0}) check_same_dtype(*t, x_gates, "gru_layer", "an argument");

  auto fw = make_cached<kernels::GruLayerResult>(kernels::gru_layer(x_gates, w_hh, b_hh, h0));
  Tensor out = fw->output;
  if (auto node = record("gru_layer", out, {x_gates, w_hh, b_hh, h0})) {
    fw->output = fw->output.detach();
    node->set_backward([fw, w = node->save(w_hh), h0 = node->save(h0)](const Tensor& g, const Node& n) -> Grads {
      CHECK(!differentiating_backward(), "gru_layer: no second-order gradients (create_graph) through a whole ",
            "GRU layer");
      kernels::GruLayerGrads d =
          kernels::gru_layer_backward(g, *fw, w, h0, n.needs_grad(1), n.needs_grad(2), n.needs_grad(3));
      return {d.x_gates, d.w_hh, d.b_hh, d.h0};
    });
  }
  return {out, select(out, 0, T_ - 1)};
}

}  // namespace descent
